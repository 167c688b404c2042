"""Digital-asset treasury (DAT) companies against their coins: drawdowns, betas, premium proxies, mNAV.

Stocks are sampled at the NY close (official adjusted closes, indexed by session date); coins are
sampled at the same instants with :func:`coin_at_closes`, so a stock return and its coin return
cover exactly the same interval (a weekend accumulates into Monday for both).

mNAV (market-cap definition) = market capitalisation / (coins held x coin price). The data snapshot
has BTC holdings (Bitbo, daily) but **no share counts or market capitalisations**, so mNAV cannot be
computed from it. Two price-based premium proxies, each exact under a stated assumption, replace it:

- ``per_coin``: (S_t / S_0) / (P_t / P_0) = mNAV_t / mNAV_0 **if coins per share are constant**
  (purchases financed by issuing shares at NAV);
- ``const_shares``: (S_t / S_0) / (H_t P_t / H_0 P_0) = mNAV_t / mNAV_0 **if the share count is
  constant** (holdings H_t from the file; buying coins with debt or cash).

Strategy funds purchases mostly with at-the-market share sales above NAV, which raise BTC per share
a little, so its true mNAV ratio lies between the two (both are reported).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from mktlib import calendars, charts
from mktlib.errors import DataError
from mktlib.events import event_study, placebo, placebo_pvalue
from mktlib.timeutil import utc

__all__ = [
    "close_panel_wide",
    "coin_at_closes",
    "max_drawdown",
    "beta_hac",
    "rolling_beta",
    "relative_return",
    "premium_proxy",
    "mnav",
    "holdings",
    "holdings_change",
    "dat_table",
    "event_table",
    "MSCI_EVENTS",
    "DAT_START",
    "DAT_COIN",
    "coins_at_ny_close",
    "dat_closes",
    "event_shifts",
    "beta_adjusted_return",
    "pair_betas",
    "beta_bootstrap",
    "holdings_wide",
    "holdings_flows",
    "rebase",
    "dat_panel",
    "dat_rebased_chart",
    "premium_proxies_chart",
    "msci_study",
    "msci_chart",
    "msci_checks_table",
    "draw_dat_rebased",
    "draw_premium_proxies",
    "draw_msci",
    "DAT_COLOURS",
]

_utc = utc  # mktlib.timeutil: naive arguments are read as UTC


# The 2025 treasury businesses: earlier rows of several tickers belong to predecessor companies
# (ticker reuse, reverse-split shells). Analyses of DAT stocks start here.
DAT_START = "2025-08-01"

# MSCI index-exclusion channel. Day 0 = the first NY session in which the news could be traded.
# 10 Oct 2025 (Fri): consultation on excluding companies with >= 50% of assets in digital assets;
# the time of day is not in the data, so day 0 = 10 Oct and the window starts at day -1.
# 6 Jan 2026 (Tue): MSCI keeps DATs for now, announced after the US close (MSTR rose after hours),
# so day 0 = 7 Jan and day -1 = 6 Jan.
MSCI_EVENTS = {
    "MSCI consultation (10 Oct 2025)": "2025-10-10",
    "MSCI reprieve (6 Jan 2026, after the close)": "2026-01-07",
}


def close_panel_wide(panel: pd.DataFrame, tickers, start=None, end=None) -> pd.DataFrame:
    """Wide adjusted closes (one column per ticker) from the long ``us_close_panel`` table.

    Raises :class:`~mktlib.errors.DataError` for an unknown ticker or a NaN close inside [start, end].
    """
    for col in ("ticker", "close"):
        if col not in panel.columns:
            raise DataError("close_panel_wide", f"missing column {col!r}")
    tickers = list(tickers)
    known = set(panel["ticker"].unique())
    missing = [t for t in tickers if t not in known]
    if missing:
        raise DataError("close_panel_wide", f"ticker(s) not in the panel: {missing}")
    sub = panel[panel["ticker"].isin(tickers)]
    wide = sub.pivot_table(index=sub.index, columns="ticker", values="close", aggfunc="first")[tickers]
    wide.index.name = "session"
    lo = _utc(start) if start is not None else wide.index[0]
    hi = _utc(end) if end is not None else wide.index[-1]
    wide = wide.loc[lo:hi]
    if wide.isna().any().any():
        col = wide.columns[wide.isna().any()][0]
        raise DataError("close_panel_wide", f"{col}: NaN close on {wide.index[wide[col].isna()][0].date()}")
    return wide


def coin_at_closes(sources, market: str = "NY", start=None, end=None) -> pd.DataFrame:
    """A coin sampled at each close of ``market``, from one or more bar sources in order of preference.

    ``sources``: list of ``(bars, max_staleness)`` (bars indexed by open time, UTC, with ``close``). Each
    close instant takes its price from the first source whose bars cover it (see
    :func:`mktlib.calendars.price_at`: the last bar that has ended, no look-ahead). E.g. ETH from 15m
    bars where they exist, else 4h bars (at most 1h stale at a 21:00 UTC close).
    Returns ``close_utc``, ``price``, ``source`` (position in ``sources``), ``ret``, ``days``.
    """
    c = calendars.closes(market, start, end)
    price = pd.Series(np.nan, index=c.index)
    src = pd.Series(-1, index=c.index)
    for k, (bars, stale) in enumerate(sources):
        length = pd.Series(bars.index).diff().median()
        first_end, last_end = bars.index[0] + length, bars.index[-1] + length
        todo = price.isna() & (c["close_utc"] >= first_end) & (c["close_utc"] <= last_end + pd.Timedelta(stale))
        if todo.any():
            p = calendars.price_at(bars, c.loc[todo, "close_utc"], bar_length=length, max_staleness=stale)
            price.loc[todo] = p["price"].to_numpy()
            src.loc[todo] = k
    if price.isna().any():
        raise DataError("coin_at_closes", f"no source covers the close of {price.index[price.isna()][0].date()}")
    out = c.copy()
    out["price"] = price
    out["source"] = src
    out["ret"] = price.pct_change()
    out["days"] = out.index.to_series().diff().dt.days.astype("float64").to_numpy()
    return out


def max_drawdown(prices: pd.Series, start=None, end=None) -> pd.Series:
    """Maximum peak-to-trough drawdown of ``prices`` within [start, end] (the peak precedes the trough).

    Returns ``drawdown`` (fraction, <= 0), ``peak_date``, ``peak``, ``trough_date``, ``trough``.

    >>> import pandas as pd
    >>> p = pd.Series([10, 12, 9, 11, 6, 8.0], index=pd.date_range("2025-10-01", periods=6, tz="UTC"))
    >>> dd = max_drawdown(p)
    >>> float(dd["drawdown"]), dd["peak_date"].day, dd["trough_date"].day
    (-0.5, 2, 5)
    """
    s = prices.loc[_utc(start) if start is not None else None : _utc(end) if end is not None else None].astype(
        "float64"
    )
    if s.empty:
        raise DataError("max_drawdown", "no prices in the window")
    if s.isna().any() or (s <= 0).any():
        raise DataError("max_drawdown", "prices must be positive and not NaN")
    run_max = s.cummax()
    dd = s / run_max - 1
    trough = dd.idxmin()
    peak = s.loc[:trough].idxmax()
    return pd.Series(
        {
            "drawdown": float(dd.loc[trough]),
            "peak_date": peak,
            "peak": float(s.loc[peak]),
            "trough_date": trough,
            "trough": float(s.loc[trough]),
        },
        dtype=object,
    )


def beta_hac(y: pd.Series, x: pd.Series, *, maxlags: int = 5) -> pd.Series:
    """OLS beta of ``y`` on ``x`` (with a constant), Newey-West (HAC) errors, rows aligned on the index.

    Returns ``beta``, ``se``, ``t``, ``p`` (H0: beta = 0), ``t1`` / ``p1`` (H0: beta = 1), ``alpha``,
    ``r2``, ``n``. Raises on NaN inside the common dates or fewer than 10 rows.
    """
    d = pd.concat([y.rename("y"), x.rename("x")], axis=1, join="inner")
    if d.isna().any().any():
        raise DataError("beta_hac", f"NaN on {d.index[d.isna().any(axis=1)][0].date()}")
    if len(d) < 10:
        raise DataError("beta_hac", f"only {len(d)} common rows")
    res = sm.OLS(d["y"], sm.add_constant(d["x"])).fit(
        cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": True}
    )
    t1 = (res.params["x"] - 1) / res.bse["x"]
    return pd.Series(
        {
            "beta": res.params["x"],
            "se": res.bse["x"],
            "t": res.tvalues["x"],
            "p": res.pvalues["x"],
            "t1": t1,
            "p1": float(2 * stats.norm.sf(abs(t1))),
            "alpha": res.params["const"],
            "r2": res.rsquared,
            "n": int(res.nobs),
        }
    )


def rolling_beta(y: pd.Series, x: pd.Series, window: int) -> pd.Series:
    """Rolling OLS beta cov(y, x) / var(x) over ``window`` rows, labelled at the window's last row.

    >>> import pandas as pd
    >>> x = pd.Series([0.01, -0.02, 0.03, 0.0, 0.01])
    >>> rolling_beta(2 * x, x, 3).round(6).tolist()
    [nan, nan, 2.0, 2.0, 2.0]
    """
    d = pd.concat([y.rename("y"), x.rename("x")], axis=1, join="inner")
    if d.isna().any().any():
        raise DataError("rolling_beta", "NaN in the inputs")
    return (d["y"].rolling(window).cov(d["x"]) / d["x"].rolling(window).var()).rename("beta")


def relative_return(stock: pd.Series, coin: pd.Series, start, end) -> pd.Series:
    """Stock and coin simple returns from the value at ``start`` to the value at ``end`` (labels that
    must exist in both), and ``excess`` = stock - coin.

    >>> import pandas as pd
    >>> i = pd.date_range("2025-09-30", periods=3, tz="UTC")
    >>> r = relative_return(pd.Series([100, 80, 50.0], i), pd.Series([10, 9, 8.0], i), i[0], i[2])
    >>> round(float(r["excess"]), 3)
    -0.3
    """
    s0, s1 = _utc(start), _utc(end)
    for name, ser in (("stock", stock), ("coin", coin)):
        for t in (s0, s1):
            if t not in ser.index:
                raise DataError("relative_return", f"{name} has no value on {t.date()}")
    rs = float(stock.loc[s1] / stock.loc[s0] - 1)
    rc = float(coin.loc[s1] / coin.loc[s0] - 1)
    return pd.Series({"stock": rs, "coin": rc, "excess": rs - rc})


def premium_proxy(stock: pd.Series, coin: pd.Series, holdings_: pd.Series | None = None, base=None) -> pd.DataFrame:
    """Price-based mNAV proxies relative to ``base`` (default: the first common date), see module docstring.

    ``stock`` and ``coin`` share the index (NY sessions); ``holdings_`` (coins held, any daily index) is
    taken as of each session (the last value on or before it). Columns ``per_coin`` and, with
    holdings, ``const_shares``; both equal 1 at ``base``.

    >>> import pandas as pd
    >>> i = pd.date_range("2025-10-01", periods=2, tz="UTC")
    >>> pp = premium_proxy(pd.Series([100, 90.0], i), pd.Series([10, 10.0], i), pd.Series([1000, 1100.0], i))
    >>> pp.round(4).iloc[-1].tolist()
    [0.9, 0.8182]
    """
    d = pd.concat([stock.rename("S"), coin.rename("P")], axis=1, join="inner")
    if d.isna().any().any():
        raise DataError("premium_proxy", "NaN in stock or coin prices")
    b = d.index[0] if base is None else _utc(base)
    if b not in d.index:
        raise DataError("premium_proxy", f"base date {b.date()} not in the data")
    d = d.loc[b:]
    out = pd.DataFrame({"per_coin": (d["S"] / d.loc[b, "S"]) / (d["P"] / d.loc[b, "P"])})
    if holdings_ is not None:
        h = holdings_.sort_index()
        ha = h.reindex(h.index.union(d.index)).ffill().reindex(d.index)
        if ha.isna().any():
            raise DataError("premium_proxy", f"no holdings on or before {ha.index[ha.isna()][0].date()}")
        nav = ha * d["P"]
        out["const_shares"] = (d["S"] / d.loc[b, "S"]) / (nav / nav.loc[b])
    return out


def beta_adjusted_return(stock_return, coin_return, beta):
    """Abnormal return of a stock against its coin over a window: ``stock_return - beta * coin_return``
    (simple returns over the same interval; ``beta`` estimated on a window *before* it). Works on
    numbers and on numpy arrays (e.g. bootstrap draws of beta).

    A holder with a beta above 1 falls more than its coin in a falling market with no abnormal
    return at all: a stock with beta 1.33 against a coin down 26% is expected to fall 34.6%.

    >>> round(beta_adjusted_return(-0.471, -0.26, 1.33), 4)
    -0.1252
    >>> round(beta_adjusted_return(-0.3458, -0.26, 1.33), 10)    # exactly what the beta implies
    0.0
    """
    return stock_return - beta * coin_return


def pair_betas(returns: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """OLS slopes (with a constant) of column ``y`` on column ``x`` for each ``(y, x)`` in ``pairs``,
    from one 2-D array of daily returns (rows = days). Fast enough to run inside a bootstrap.

    >>> a = np.array([[0.02, 0.01], [-0.04, -0.02], [0.0, 0.0], [0.06, 0.03]])
    >>> pair_betas(a, [(0, 1)]).round(6).tolist()
    [2.0]
    """
    out = np.empty(len(pairs))
    for k, (iy, ix) in enumerate(pairs):
        x, y = returns[:, ix], returns[:, iy]
        xc = x - x.mean()
        sxx = float(xc @ xc)
        out[k] = float(xc @ (y - y.mean())) / sxx if sxx > 0 else np.nan
    return out


def beta_bootstrap(
    pre: pd.DataFrame, coin_of: dict[str, str], *, reps: int, seed: int, block: float | None = None
) -> tuple[pd.Series, pd.DataFrame]:
    """Betas of several stocks on their coins over one window, and their joint bootstrap draws.

    ``pre``: daily simple returns (rows = sessions, no NaN) with a column per stock and per coin;
    ``coin_of``: stock column -> coin column. Rows are resampled together (a stationary bootstrap,
    ``arch.bootstrap.StationaryBootstrap`` seeded with ``seed``; expected block ``block`` rows, default
    the Politis-White length of the first stock's returns, at least 1), so the draws keep the
    dependence between the stocks. Returns (betas, draws): a Series indexed by stock and a DataFrame
    of ``reps`` rows, one column per stock.
    """
    from arch.bootstrap import StationaryBootstrap, optimal_block_length

    cols = list(pre.columns)
    missing = [c for pair in coin_of.items() for c in pair if c not in cols]
    if missing:
        raise DataError("beta_bootstrap", f"columns not in the returns: {missing}")
    arr = pre.to_numpy(dtype="float64")
    if len(arr) < 10:
        raise DataError("beta_bootstrap", f"only {len(arr)} rows")
    if not np.isfinite(arr).all():
        raise DataError("beta_bootstrap", "returns contain NaN or infinite values")
    pairs = [(cols.index(s), cols.index(c)) for s, c in coin_of.items()]
    if block is None:
        block = float(max(1.0, optimal_block_length(arr[:, pairs[0][0]])["stationary"].iloc[0]))
    bs = StationaryBootstrap(block, arr, seed=np.random.default_rng(seed))
    sample = np.stack([d[0][0] for d in bs.bootstrap(reps)])  # reps x rows x columns
    iy, ix = [p[0] for p in pairs], [p[1] for p in pairs]
    x, y = sample[:, :, ix], sample[:, :, iy]  # reps x rows x pairs
    xc = x - x.mean(axis=1, keepdims=True)
    sxx = (xc * xc).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = np.where(sxx > 0, (xc * (y - y.mean(axis=1, keepdims=True))).sum(axis=1) / sxx, np.nan)
    return (
        pd.Series(pair_betas(arr, pairs), index=list(coin_of), name="beta"),
        pd.DataFrame(draws, columns=list(coin_of)),
    )


def holdings_wide(table: pd.DataFrame) -> pd.DataFrame:
    """Coins held per company on every scrape date of ``treasury_btc_holdings_1d``, carried forward
    over dates a company is missing (NaN before its first row). Columns are the ``symbol``; a symbol
    that two entities share (e.g. ``SATO:TSXV``) becomes one column per entity, ``"symbol (entity)"``."""
    n_ent = table.groupby("symbol")["entity"].nunique()
    shared = table["symbol"].isin(n_ent.index[n_ent > 1])
    key = table["symbol"].where(~shared, table["symbol"] + " (" + table["entity"] + ")")
    if pd.MultiIndex.from_arrays([table.index, key]).has_duplicates:
        raise DataError("holdings_wide", "several rows for one company on one date")
    wide = table.assign(_key=key).pivot_table(index=table.index, columns="_key", values="btc", aggfunc="first")
    wide.columns.name = "company"
    return wide.sort_index().ffill()


def holdings_flows(wide: pd.DataFrame, start, end, companies=None) -> pd.DataFrame:
    """Net change in coins held by each company from the last scrape on or before ``start`` to the
    last on or before ``end`` (companies with a holding at both dates; ``companies`` restricts them).

    Columns ``start``, ``end``, ``change`` (coins; negative = net seller), ``sold`` (coins sold
    net, ``max(0, -change)``).

    >>> i = pd.DatetimeIndex(["2025-10-01", "2025-11-30"], tz="UTC")
    >>> w = pd.DataFrame({"A": [100.0, 110.0], "B": [50.0, 20.0], "C": [np.nan, 5.0]}, index=i)
    >>> f = holdings_flows(w, "2025-10-01", "2025-11-30")
    >>> f["change"].tolist(), f["sold"].tolist()
    ([10.0, -30.0], [0.0, 30.0])
    """
    t0, t1 = _utc(start), _utc(end)
    a, b = wide.loc[:t0], wide.loc[:t1]
    if a.empty:
        raise DataError("holdings_flows", f"no holdings on or before {t0.date()}")
    h0, h1 = a.iloc[-1], b.iloc[-1]
    if companies is not None:
        companies = list(companies)
        unknown = [c for c in companies if c not in wide.columns]
        if unknown:
            raise DataError("holdings_flows", f"companies not in the holdings: {unknown}")
        h0, h1 = h0[companies], h1[companies]
    keep = h0.notna() & h1.notna()
    out = pd.DataFrame({"start": h0[keep], "end": h1[keep]})
    out["change"] = out["end"] - out["start"]
    out["sold"] = (-out["change"]).clip(lower=0.0)
    return out


def mnav(market_cap: float, coins: float, price: float) -> float:
    """Market-cap mNAV = market cap / (coins x price).

    >>> mnav(59e9, 650_000, 95_000)
    0.9554655870445344
    """
    if coins <= 0 or price <= 0:
        raise ValueError("coins and price must be positive")
    return market_cap / (coins * price)


def holdings(table: pd.DataFrame, symbol: str) -> pd.Series:
    """Coins held by one company per scrape date, from ``treasury_btc_holdings_1d`` (key ``symbol``,
    e.g. ``"MSTR:NADQ"``). Raises :class:`~mktlib.errors.DataError` if the symbol is absent."""
    sub = table[table["symbol"] == symbol]
    if sub.empty:
        raise DataError("holdings", f"symbol {symbol!r} not in the holdings table")
    s = sub["btc"].astype("float64")
    if s.index.has_duplicates:
        raise DataError("holdings", f"{symbol}: several rows on {s.index[s.index.duplicated()][0].date()}")
    return s.rename(symbol)


def holdings_change(h: pd.Series, start, end) -> float:
    """Holdings on the last scrape on or before ``end`` minus those on or before ``start``.

    >>> import pandas as pd
    >>> h = pd.Series([10.0, 12.0, 9.0], index=pd.DatetimeIndex(["2025-10-01", "2025-10-05", "2025-11-30"], tz="UTC"))
    >>> holdings_change(h, "2025-10-02", "2025-11-30")
    -1.0
    """
    t0, t1 = _utc(start), _utc(end)
    a, b = h.loc[:t0], h.loc[:t1]
    if a.empty:
        raise DataError("holdings_change", f"no holdings on or before {t0.date()}")
    return float(b.iloc[-1] - a.iloc[-1])


def dat_table(
    closes: pd.DataFrame, coins: dict[str, pd.Series], coin_of: dict[str, str], start, end, *, maxlags: int = 5
) -> pd.DataFrame:
    """One row per DAT ticker against its coin, over the sessions in [start, end]:

    - ``drawdown`` (and ``peak_date``, ``trough_date``): max drawdown of the stock's closes in [start, end];
      ``coin_drawdown``: the same for the coin sampled at the NY close;
    - ``beta`` (``beta_se``, ``p_beta_eq_1``, ``r2``): HAC OLS beta of the stock's daily returns labelled
      in [start, end] (the first one from the previous close) on the coin's returns over the same intervals;
    - ``stock_return``, ``coin_return``, ``excess`` (stock - coin): from the last close before ``start``
      to the last close on or before ``end``.

    ``closes``: wide NY closes (sessions); ``coins``: coin name -> price at the NY close (same sessions);
    ``coin_of``: ticker -> coin name.
    """
    rows = []
    lo, hi = _utc(start), _utc(end)
    for tk, coin in coin_of.items():
        s, p = closes[tk], coins[coin]
        dd, cdd = max_drawdown(s, lo, hi), max_drawdown(p, lo, hi)
        rs, rc = s.pct_change().loc[lo:hi], p.pct_change().reindex(s.index).loc[lo:hi]
        b = beta_hac(rs, rc, maxlags=maxlags)
        before = s.loc[:lo].index[s.loc[:lo].index < lo]
        if len(before) == 0:
            raise DataError("dat_table", f"{tk}: no close before {lo.date()}")
        rel = relative_return(s, p, before[-1], s.loc[lo:hi].index[-1])
        rows.append(
            {
                "ticker": tk,
                "coin": coin,
                "drawdown": dd["drawdown"],
                "peak_date": dd["peak_date"],
                "trough_date": dd["trough_date"],
                "coin_drawdown": cdd["drawdown"],
                "beta": b["beta"],
                "beta_se": b["se"],
                "p_beta_eq_1": b["p1"],
                "r2": b["r2"],
                "stock_return": rel["stock"],
                "coin_return": rel["coin"],
                "excess": rel["excess"],
            }
        )
    return pd.DataFrame(rows).set_index("ticker")


def event_table(
    asset: pd.Series,
    markets: dict[str, pd.Series | None],
    events: dict[str, str],
    *,
    estimation: int = 120,
    gap: int = 10,
    window: tuple[int, int] = (-1, 5),
    placebo_start=None,
    seed: int = 0,
) -> pd.DataFrame:
    """Event studies of one asset for each (event, market model), with a placebo p-value.

    ``markets``: model name -> market return series (None = constant mean); each pair is aligned on
    common dates. The placebo distribution uses every same-length window of the asset from
    ``placebo_start`` on, excluding all event windows. Columns: ``event``, ``model``, ``event_date``,
    ``car``, ``car_se``, ``t``, ``p`` (Student t), ``p_placebo``, ``n_placebo``, ``beta``, ``sigma``.
    """
    rows = []
    L = window[1] - window[0] + 1
    for mname, m in markets.items():
        if m is None:
            a, mm = asset.dropna(), None
        else:
            d = pd.concat([asset.rename("a"), m.rename("m")], axis=1, join="inner").dropna()
            a, mm = d["a"], d["m"]
        res = {
            ev: event_study(a, mm, date, estimation=estimation, gap=gap, window=window) for ev, date in events.items()
        }
        excl = [(r.table["date"].iloc[0], r.table["date"].iloc[-1]) for r in res.values()]
        ps = slice(_utc(placebo_start), None) if placebo_start is not None else slice(None)
        # the placebo windows need their own estimation rows: keep estimation + gap rows before the start
        if placebo_start is not None:
            k = max(0, int(a.index.searchsorted(ps.start)) - estimation - gap)
            a_p = a.iloc[k:]
            mm_p = None if mm is None else mm.iloc[k:]
        else:
            a_p, mm_p = a, mm
        pl = placebo(a_p, mm_p, window_len=L, estimation=estimation, gap=gap, exclude=excl, seed=seed)
        for ev, r in res.items():
            rows.append(
                {
                    "event": ev,
                    "model": mname,
                    "event_date": r.event_date,
                    "car": r.car,
                    "car_se": r.car_se,
                    "t": r.t,
                    "p": r.p,
                    "p_placebo": placebo_pvalue(r.t, pl["t"]),
                    "n_placebo": len(pl),
                    "beta": r.beta,
                    "sigma": r.sigma,
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# Snapshot loaders (used by the verdicts and the chapter)

DAT_COIN = {
    "MSTR": "BTC",
    "SQNS": "BTC",
    "BMNR": "ETH",
    "FGNX": "ETH",
    "SBET": "ETH",
    "NAKA": "BTC",
    "ASST": "BTC",
    "BTCS": "ETH",
    "COIN": "BTC",
    "IBIT": "BTC",
}
"""Ticker -> the coin it is measured against (the four named in K4 first; COIN and IBIT are non-DAT
references: an exchange and a spot-bitcoin ETF)."""


def coins_at_ny_close(
    start: str = "2024-01-11", end: str = "2026-03-03", coins=("BTC", "ETH")
) -> dict[str, pd.DataFrame]:
    """BTC and ETH (Binance spot, USDT) sampled at each NY close, from the snapshot.

    BTC: 1h bars (2024-04-02 to 2026-04-02: exact at 20:00/21:00 UTC and at early closes), else 4h bars
    (at most 1h stale at a 21:00 UTC close, 2h at an early close). ETH: 15m bars where they exist
    (2025-09-04 to 2025-12-03), else 4h bars (same staleness). 4h data end 2026-03-03 (ETH) and
    2026-08-13 (BTC). Returns coin -> ``coin_at_closes`` frame (``price``, ``ret``, ``source``...).
    """
    from mktlib import data

    sources = {
        "BTC": lambda: [
            (data.load("btc_spot_1h"), "1h"),
            (data.load("btc_spot_4h"), "2h"),
            (data.load("btc_spot_4h_fullcols"), "2h"),
        ],
        "ETH": lambda: [(data.load("eth_spot_15m"), "15min"), (data.load("eth_spot_4h"), "2h")],
    }
    unknown = [c for c in coins if c not in sources]
    if unknown:
        raise ValueError(f"coins_at_ny_close: unknown coin(s) {unknown}; choose from {sorted(sources)}")
    return {c: coin_at_closes(sources[c](), "NY", start, end) for c in coins}


def dat_closes(tickers=None, start: str = DAT_START, end: str = "2026-03-03") -> pd.DataFrame:
    """Adjusted NY closes of the DAT tickers (default: ``DAT_COIN``) from ``us_close_panel``."""
    from mktlib import data

    return close_panel_wide(data.load("us_close_panel"), list(tickers or DAT_COIN), start, end)


def event_shifts(
    asset: pd.Series,
    market: pd.Series | None,
    event,
    shifts=range(-2, 3),
    *,
    estimation: int = 120,
    gap: int = 10,
    window: tuple[int, int] = (-1, 5),
) -> pd.DataFrame:
    """The event study with day 0 moved by each number of rows in ``shifts`` (robustness to the
    event-date choice). Columns: ``shift``, ``event_date``, ``car``, ``car_se``, ``t``, ``p``."""
    if market is not None:
        d = pd.concat([asset.rename("a"), market.rename("m")], axis=1, join="inner").dropna()
        a, m = d["a"], d["m"]
    else:
        a, m = asset.dropna(), None
    e = int(a.index.searchsorted(_utc(event)))
    rows = []
    for k in shifts:
        r = event_study(a, m, a.index[e + k], estimation=estimation, gap=gap, window=window)
        rows.append({"shift": k, "event_date": r.event_date, "car": r.car, "car_se": r.car_se, "t": r.t, "p": r.p})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# The chapter's tables and charts (notebooks/06-flows-treasuries.ipynb)

K4_BASE = "2025-09-30"
"""The NY close the chapter's DAT charts are rebased to (the base of K4's primary window)."""
CHART_START, CHART_END = "2025-09-01", "2026-01-30"
_COIN_SOURCES = ["btc_spot_1h", "btc_spot_4h", "btc_spot_4h_fullcols", "eth_spot_15m", "eth_spot_4h"]


def rebase(prices: pd.DataFrame, base, level: float = 100.0) -> pd.DataFrame:
    """Each column divided by its value on ``base`` (a label of the index), times ``level``.

    >>> i = pd.date_range("2025-09-29", periods=3, tz="UTC")
    >>> p = pd.DataFrame({"a": [50.0, 100.0, 25.0], "b": [2.0, 4.0, 8.0]}, index=i)
    >>> rebase(p, "2025-09-30")["a"].tolist(), rebase(p, "2025-09-30")["b"].tolist()
    ([50.0, 100.0, 25.0], [50.0, 100.0, 200.0])
    """
    b = _utc(base)
    if b not in prices.index:
        raise DataError("rebase", f"base date {b.date()} not in the data")
    row = prices.loc[b]
    bad = [c for c in prices.columns if not (row[c] > 0)]
    if bad:
        raise DataError("rebase", f"no positive value on {b.date()} for {bad}")
    return prices / row * level


def dat_panel(start: str = DAT_START, end: str = CHART_END) -> pd.DataFrame:
    """Adjusted NY closes of the DAT tickers (``DAT_COIN``) and BTC and ETH sampled at the same closes
    (:func:`coins_at_ny_close`), one column each, indexed by NY session. Cached: a copy is returned."""
    return _dat_panel(str(start), str(end)).copy()


@lru_cache(maxsize=4)
def _dat_panel(start: str, end: str) -> pd.DataFrame:
    closes = dat_closes(None, start, end)
    coins = coins_at_ny_close("2025-06-02", end)
    at = pd.DataFrame({c: coins[c]["price"].reindex(closes.index) for c in ("BTC", "ETH")})
    if at.isna().any().any():
        raise DataError("dat_panel", "a coin has no price at one of the stocks' closes")
    return pd.concat([closes, at], axis=1)


@charts.register(
    "flows-dat-stocks-vs-coins",
    sources=["us_close_panel", *_COIN_SOURCES],
    units="index, NY close of 30 Sep 2025 = 100",
    title="The four named treasury stocks and their coins at the NY close, rebased to 30 Sep 2025",
)
def dat_rebased_chart() -> pd.DataFrame:
    """MSTR and SQNS (BTC holders), BMNR and FGNX (ETH holders), BTC and ETH at the same NY closes,
    from ``CHART_START`` to ``CHART_END``, each rebased to 100 at the close of ``K4_BASE``."""
    p = dat_panel()[["MSTR", "SQNS", "BMNR", "FGNX", "BTC", "ETH"]].loc[_utc(CHART_START) :]
    return rebase(p, K4_BASE)


#: The line colours of the four named treasury stocks in the chapter's figures.
DAT_COLOURS = {"MSTR": "#1f4e79", "SQNS": "#c44e52", "BMNR": "#4c72b0", "FGNX": "#8c1c13"}


@charts.drawer("flows-dat-stocks-vs-coins")
def draw_dat_rebased(df: pd.DataFrame):
    """Two panels (BTC holders, ETH holders), each coin and its stocks rebased to 100 on ``K4_BASE``, on
    a log scale. ``df`` = :func:`dat_rebased_chart`. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt
    import matplotlib.ticker as mticker

    from mktlib import plotting

    plotting.set_theme()
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), sharey=True)
    groups = {"BTC holders": ("BTC", ["MSTR", "SQNS"]), "ETH holders": ("ETH", ["BMNR", "FGNX"])}
    for ax, (ttl, (coin, tks)) in zip(axes, groups.items(), strict=True):
        ax.plot(df.index, df[coin], color=plotting.PALETTE[coin.lower()], lw=2.2, label=f"{coin} (NY close)")
        for tk in tks:
            ax.plot(df.index, df[tk], color=DAT_COLOURS[tk], lw=1.2, label=tk)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(mticker.FixedLocator([50, 100, 200]))
        ax.yaxis.set_major_formatter(mticker.ScalarFormatter())
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
        plotting.mark_dates(ax, {"30 Sep": K4_BASE, "21 Nov": "2025-11-21"})
        plotting.month_axis(ax)
        ax.set_title(ttl, fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    axes[0].set_ylabel("30 Sep 2025 = 100 (log scale)")
    fig.suptitle("The treasury stocks fell further than the coins they hold", x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    plotting.source_note(
        fig, "Source: adjusted NY closes (us_close_panel); Binance BTCUSDT and ETHUSDT sampled at the same NY closes."
    )
    return fig


@charts.register(
    "flows-dat-premium-proxies",
    sources=["us_close_panel", "treasury_btc_holdings_1d", *_COIN_SOURCES],
    units="ratio, 1 = the premium (mNAV) of 30 Sep 2025",
    title="Price-based proxies of the treasury stocks' mNAV relative to 30 Sep 2025",
)
def premium_proxies_chart() -> pd.DataFrame:
    """:func:`premium_proxy` from the NY close of ``K4_BASE`` to ``CHART_END``: MSTR under both
    assumptions (holdings of Strategy from the daily holdings file), SQNS, BMNR and FGNX with constant
    coins per share."""
    from mktlib import data

    p = dat_panel()
    h = holdings(data.load("treasury_btc_holdings_1d"), "MSTR:NADQ")
    pp = premium_proxy(p["MSTR"], p["BTC"], h, base=K4_BASE)
    out = pd.DataFrame(
        {"MSTR, constant BTC per share": pp["per_coin"], "MSTR, constant share count": pp["const_shares"]}
    )
    for tk in ("SQNS", "BMNR", "FGNX"):
        out[f"{tk}, constant coins per share"] = premium_proxy(p[tk], p[DAT_COIN[tk]], base=K4_BASE)["per_coin"]
    return out


@charts.drawer("flows-dat-premium-proxies")
def draw_premium_proxies(df: pd.DataFrame):
    """One line per premium proxy (MSTR under both assumptions dashed and solid, the others solid), the
    MSCI dates and 21 Nov marked. ``df`` = :func:`premium_proxies_chart`. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    styles = {
        "MSTR, constant BTC per share": (DAT_COLOURS["MSTR"], 1.8, "-"),
        "MSTR, constant share count": (DAT_COLOURS["MSTR"], 1.2, "--"),
    }
    for c in df.columns:
        color, lw, ls = styles.get(c, (DAT_COLOURS[c.split(",")[0]], 1.0, "-"))
        ax.plot(df.index, df[c], color=color, lw=lw, ls=ls, label=c)
    ax.axhline(1, color="black", lw=0.6)
    plotting.mark_dates(ax, {"MSCI consultation": "2025-10-10", "21 Nov": "2025-11-21", "MSCI reprieve": "2026-01-06"})
    ax.set_ylabel("mNAV relative to 30 Sep 2025")
    ax.set_title("By 21 November every named stock's premium over its coins had shrunk")
    ax.legend(fontsize=7, loc="lower left")
    plotting.month_axis(ax)
    fig.tight_layout()
    plotting.source_note(
        fig,
        "Source: adjusted NY closes; Binance spot at the NY close; Strategy's BTC holdings from daily "
        "Bitbo snapshots. Each line equals mNAV relative to 30 Sep 2025 only under its stated assumption.",
    )
    return fig


@lru_cache(maxsize=1)
def msci_study() -> dict:
    """The MSCI event study of MSTR (``MSCI_EVENTS``), as the chapter shows it: daily simple returns of
    MSTR, BTC at the NY close and the Nasdaq-100 (2024-01-11 to 2026-07-31); the market-model results on
    BTC for each event (``events``, :func:`mktlib.events.event_study`: 120-session estimation, 10-session
    gap, days -1..+5); the placebo t-statistics (every other 7-session window, the event windows
    excluded). Keys ``mstr``, ``btc``, ``ndx``, ``events``, ``placebo``. Treat as read-only."""
    from mktlib import data

    mstr = close_panel_wide(data.load("us_close_panel"), ["MSTR"], "2024-01-11", "2026-07-31")["MSTR"]
    r_mstr = mstr.pct_change().dropna()
    r_btc = coins_at_ny_close("2024-01-11", "2026-07-31", coins=("BTC",))["BTC"]["ret"].dropna()
    r_ndx = data.load("ndx_1d")["close"].loc["2024-01-11":"2026-07-31"].pct_change().dropna()
    d = pd.concat([r_mstr.rename("a"), r_btc.rename("m")], axis=1, join="inner").dropna()
    res = {ev: event_study(d["a"], d["m"], day) for ev, day in MSCI_EVENTS.items()}
    excl = [(r.table["date"].iloc[0], r.table["date"].iloc[-1]) for r in res.values()]
    pl = placebo(d["a"], d["m"], window_len=7, estimation=120, gap=10, exclude=excl)
    return {"mstr": r_mstr, "btc": r_btc, "ndx": r_ndx, "events": res, "placebo": pl}


@charts.register(
    "flows-msci-event-study",
    sources=["us_close_panel", "btc_spot_1h", "btc_spot_4h", "btc_spot_4h_fullcols"],
    units="fraction (cumulative abnormal return, CAR, and its 95% model band); t-statistic (placebo panel)",
    title="MSTR's abnormal return against BTC around the two MSCI announcements, and the placebo t-statistics",
)
def msci_chart() -> pd.DataFrame:
    """Long format, one ``panel`` per event (rows: ``day`` relative to day 0, ``car`` with its 95% model
    band ``band_low``/``band_high``, ``label`` = the day-0 session) and a panel ``placebo`` (``t`` of every
    placebo window, ``label`` = its first session; and the two events' ``t`` with ``label`` = the
    event)."""
    from mktlib.book import fmt_day

    s = msci_study()
    rows = []
    for ev, r in s["events"].items():
        t = r.table
        name = ev.split(" (")[0]
        for day, row in t.iterrows():
            rows.append(
                {
                    "panel": name,
                    "label": f"day 0: {fmt_day(r.event_date)}",
                    "day": int(day),
                    "car": float(row["car"]),
                    "band_low": float(row["car"] - 1.96 * row["se_car"]),
                    "band_high": float(row["car"] + 1.96 * row["se_car"]),
                }
            )
    for start, row in s["placebo"].iterrows():
        rows.append({"panel": "placebo", "label": f"window from {pd.Timestamp(start).date()}", "t": float(row["t"])})
    for ev, r in s["events"].items():
        rows.append({"panel": "placebo", "label": ev.split(" (")[0], "t": float(r.t)})
    return pd.DataFrame(rows, columns=["panel", "label", "day", "car", "band_low", "band_high", "t"])


@charts.drawer("flows-msci-event-study")
def draw_msci(df: pd.DataFrame):
    """Three panels: MSTR's CAR against BTC with its 95% model band around each MSCI event, and the
    histogram of the placebo t-statistics with the two events' t marked. ``df`` = :func:`msci_chart`.
    Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    fig, axes = plt.subplots(1, 3, figsize=(8.4, 3.3), width_ratios=[1, 1, 1.1])
    for ax, ev in zip(axes[:2], ("MSCI consultation", "MSCI reprieve"), strict=True):
        t = df[df["panel"] == ev]
        ax.fill_between(
            t["day"],
            100 * t["band_low"],
            100 * t["band_high"],
            color="#1f4e79",
            alpha=0.15,
            lw=0,
            label="95% band (model)",
        )
        ax.plot(t["day"], 100 * t["car"], "o-", color="#1f4e79", ms=3, label="CAR against BTC")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(0, color="#555555", lw=0.7, ls=":")
        ax.set_title(f"{ev}\n{t['label'].iloc[0]}", fontsize=9)
        ax.set_xlabel("NY session from day 0")
    axes[0].set_ylabel("MSTR CAR, %")
    axes[0].legend(fontsize=7, loc="upper left")
    pl = df[(df["panel"] == "placebo") & df["label"].str.startswith("window")]
    evt = df[(df["panel"] == "placebo") & df["label"].str.startswith("MSCI")]
    ax = axes[2]
    ax.hist(pl["t"], bins=40, color=plotting.PALETTE["neutral"], alpha=0.7, label="placebo windows")
    for (_, r), c in zip(evt.iterrows(), ["#c62828", "#2e7d32"], strict=False):
        ax.axvline(r["t"], color=c, lw=1.6, label=r["label"].replace("MSCI ", ""))
    ax.set_xlabel("CAR t-statistic (7 sessions)")
    ax.set_ylabel("windows")
    ax.set_title("MSTR placebo distribution", fontsize=9)
    ax.legend(fontsize=6.5, loc="upper left")
    fig.suptitle("No MSCI shock in MSTR stands out from its ordinary weeks", x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    plotting.source_note(
        fig,
        "Source: MSTR adjusted NY closes; Binance BTCUSDT at the NY close. Market model on BTC, "
        "120-session estimation, 10-session gap; placebo: every other 7-session window of MSTR.",
    )
    return fig


def msci_checks_table(*, seed: int = 0) -> pd.DataFrame:
    """The MSCI event study under each market model, for people: MSTR against BTC at the NY close (the
    primary model), the Nasdaq-100 and a constant mean, and BTC itself against the Nasdaq-100
    (:func:`event_table`). Columns ``asset``, ``event``, ``market model``, ``day 0``, ``CAR``, ``t``,
    ``placebo p``."""
    s = msci_study()
    models = {"BTC at NY close": s["btc"], "Nasdaq-100": s["ndx"], "constant mean": None}
    parts = [
        event_table(s["mstr"], models, MSCI_EVENTS, seed=seed).assign(asset="MSTR"),
        event_table(s["btc"], {"Nasdaq-100": s["ndx"]}, MSCI_EVENTS, seed=seed).assign(asset="BTC"),
    ]
    t = pd.concat(parts, ignore_index=True)
    t["event"] = t["event"].str.split(" \\(").str[0]
    return t.rename(columns={"model": "market model", "event_date": "day 0", "car": "CAR", "p_placebo": "placebo p"})[
        ["asset", "event", "market model", "day 0", "CAR", "t", "placebo p"]
    ]
