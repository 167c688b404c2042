r"""Cross-asset co-movement: aligned daily panels, rolling correlations, regime tests, breaks, a risk factor.

Alignment (the first thing that can go wrong)
---------------------------------------------
Bitcoin trades around the clock; stocks, gold fixes and Treasury yields have one close a day, at
different instants. Every panel here is indexed by the sessions of one *reference* market (``at``,
default ``"NY"``: the NYSE session date labels, 00:00 UTC) and every column is the return between
two consecutive reference closes of the **last value known at each reference close** ("as of" the
close instant, no look-ahead):

- ``btc``: Binance BTCUSDT sampled *at* the reference close (:func:`btc_at_closes`): for NY 16:00 ET,
  i.e. 20:00 UTC in EDT and 21:00 UTC in EST (US daylight saving ended on 2 Nov 2025), from hourly
  bars where they exist (from 2024-04-02) and from 4-hour bars before (those end at 20:00 UTC, an
  hour before the close in winter: stated in ``sampled_utc``);
- exchange-traded series (``SERIES``) at their own official close, as of the reference close.
  For an NY panel, Hong Kong (08:00 UTC) and Shanghai (07:00 UTC) closes of the same date are 12-14
  hours old; gold's PM fix (15:00 London: 14:00 UTC in BST, 15:00 UTC in GMT) is 5-6 hours old (6 hours
  when both or neither city is on summer time, 5 hours in the weeks when London has left summer time
  and New York has not, late October to early November). A market holiday gives a zero return and
  the next session's return spans the holiday. :func:`aligned_panel` documents each column's close
  in ``panel.attrs["close_times"]``.

Use ``at="HK"`` or ``at="SH"`` for Asian markets: BTC is then sampled at *their* close and US
series enter as of that instant (i.e. the previous US session), which is how US(t-1) -> Asia(t)
is tested.

Statistics
----------
- :func:`rolling_corr`, :func:`ewma_corr`, :func:`rolling_beta`: labelled by the window END (a
  value at t uses rows t-window+1..t only).
- :func:`fisher_z_test`: two independent correlations,
  :math:`z = (\operatorname{atanh} r_1 - \operatorname{atanh} r_2)/\sqrt{1/(n_1-3) + 1/(n_2-3)}`.
- :func:`bootstrap_corr_diff`: stationary block bootstrap (``arch``), each sample resampled on its
  own, seeded; percentile CI of :math:`r_1 - r_2`.
- :func:`corr_draws`, :func:`bootstrap_corr` and :func:`bootstrap_avg_corr`: the same stationary
  bootstrap, vectorised (every replicate's correlation matrix at once; expected block length by
  Politis-White unless given), for intervals of a correlation, of the average pairwise correlation
  and, by combining two independent sets of draws, of their differences.
- :func:`forbes_rigobon`: :math:`\rho^* = \rho/\sqrt{1 + \delta(1-\rho^2)}` with
  :math:`\delta = \sigma^2_{crisis}/\sigma^2_{calm} - 1` of the **source** market (named in the API:
  the answer depends on which market is the source).
- :func:`chow_test` (known date) and :func:`regression_breaks` (unknown dates: ``ruptures`` dynamic
  programming on the least-squares cost of ``y = a + b x``, number of breaks by BIC; ex post by
  construction).
- :func:`first_principal_component` and :func:`rolling_r2`: a common global-risk factor.
- Spillovers: ``spillover``, ``rolling_spillover`` and ``SpilloverResult`` are re-exported from
  :mod:`mktlib.spillover` (Diebold-Yilmaz 2012, generalized FEVD).

>>> import numpy as np
>>> round(forbes_rigobon(0.6, 3.0), 4)       # source variance 4x the calm one
0.3511
>>> z, p = fisher_z_test(0.8, 60, 0.5, 400, alternative="greater")
>>> round(z, 3), p < 1e-4
(3.878, True)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from mktlib import calendars, charts
from mktlib.errors import DataError
from mktlib.spillover import SpilloverResult, rolling_spillover, spillover  # noqa: F401  (public names)

__all__ = [
    "SERIES",
    "REGIMES",
    "close_instants",
    "asof_at",
    "crypto_at_closes_spliced",
    "btc_at_closes",
    "aligned_panel",
    "rolling_corr",
    "ewma_corr",
    "rolling_beta",
    "regime_table",
    "fisher_z_test",
    "fisher_ci",
    "bootstrap_corr_diff",
    "correlation_change",
    "forbes_rigobon",
    "ForbesRigobon",
    "forbes_rigobon_test",
    "ChowResult",
    "chow_test",
    "BreakResult",
    "regression_breaks",
    "PCAResult",
    "first_principal_component",
    "rolling_r2",
    "average_pairwise_corr",
    "corr_draws",
    "bootstrap_corr",
    "bootstrap_avg_corr",
    "block_length",
    "rolling_average_pairwise_corr",
    "vol_standardize",
    "spillover",
    "rolling_spillover",
    "SpilloverResult",
]

# ---------------------------------------------------------------------------------------------
# alignment
# ---------------------------------------------------------------------------------------------

# nominal local close of each market (used for date labels that are not sessions of its calendar)
_NOMINAL_CLOSE = {
    "NY": ("America/New_York", time(16, 0)),
    "HK": ("Asia/Hong_Kong", time(16, 0)),
    "SH": ("Asia/Shanghai", time(15, 0)),
    "LBMA": ("Europe/London", time(15, 0)),
}


@dataclass(frozen=True)
class SeriesSpec:
    dataset: str
    column: str
    market: str  # whose close instant the date label stands for
    kind: str  # "ret" (simple return) or "diff" (change, in the series' unit)
    close: str  # documentation of the close time / unit


#: Daily series available to :func:`aligned_panel` (besides ``btc``).
SERIES: dict[str, SeriesSpec] = {
    "ndx": SeriesSpec("ndx_1d", "close", "NY", "ret", "Nasdaq-100 official close, 16:00 ET"),
    "spx": SeriesSpec("spx_1d", "close", "NY", "ret", "S&P 500 official close, 16:00 ET"),
    "nvda": SeriesSpec("nvda_1d", "close", "NY", "ret", "NVIDIA adjusted close, 16:00 ET"),
    "qqq": SeriesSpec("qqq_1d", "close", "NY", "ret", "QQQ adjusted close, 16:00 ET"),
    "gold": SeriesSpec(
        "gold_lbma_pm", "close", "LBMA", "ret", "LBMA gold PM fix, 15:00 London (14:00 UTC in BST, 15:00 UTC in GMT)"
    ),
    "hsi": SeriesSpec("hsi_1d", "close", "HK", "ret", "Hang Seng close, 16:00 HKT = 08:00 UTC"),
    "ssec": SeriesSpec("ssec_1d", "close", "SH", "ret", "Shanghai Composite close, 15:00 CST = 07:00 UTC"),
    "dxy": SeriesSpec(
        "dxy_1d",
        "close",
        "NY",
        "ret",
        "ICE US dollar index, Yahoo daily close (ICE settles ~17:00 ET, after the NYSE close)",
    ),
    "us2y": SeriesSpec(
        "fred_dgs2",
        "value",
        "NY",
        "diff",
        "2-year Treasury yield (FRED DGS2, Treasury ~15:30 ET quotes); change in percentage points",
    ),
    "vix": SeriesSpec("vix_cboe_1d", "close", "NY", "diff", "CBOE VIX close (16:15 ET); change in index points"),
    "hyg": SeriesSpec("hyg_1d", "close", "NY", "ret", "HYG high-yield bond ETF adjusted close, 16:00 ET"),
    "eem": SeriesSpec("eem_1d", "close", "NY", "ret", "EEM emerging-markets ETF adjusted close, 16:00 ET"),
}

BTC_CLOSE_DOC = (
    "Binance BTCUSDT (USDT treated as USD) sampled at the {at} close: last 1h bar ended by the "
    "close (from 2024-04-02), 4h bars before (last 4h bar ended by the close)"
)

#: Regimes of the chapter (inclusive calendar dates). The ETF era is the registry's D11 definition.
REGIMES: dict[str, tuple[str, str]] = {
    "2017-19": ("2017-08-17", "2019-12-31"),
    "2020-21": ("2020-01-01", "2021-12-31"),
    "2022-23": ("2022-01-01", "2023-12-31"),
    "ETF era": ("2024-01-01", "2025-09-30"),
    "episode": ("2025-10-01", "2026-01-31"),
}


def close_instants(labels, market: str) -> pd.DatetimeIndex:
    """UTC close instant of each date label of ``market``: the calendar's close for sessions (early
    closes honoured), the nominal local close (e.g. 16:00 New York) for labels that are not sessions.

    >>> idx = pd.DatetimeIndex(["2025-10-31", "2025-11-03", "2025-11-28"], tz="UTC")
    >>> [t.strftime("%m-%d %H:%M") for t in close_instants(idx, "NY")]   # EDT, EST, half day
    ['10-31 20:00', '11-03 21:00', '11-28 18:00']
    """
    lab = pd.DatetimeIndex(labels)
    if lab.tz is None:
        raise DataError("close_instants", "date labels must be tz-aware (00:00 UTC)")
    if market not in _NOMINAL_CLOSE:
        raise ValueError(f"unknown market {market!r}; choose from {sorted(_NOMINAL_CLOSE)}")
    naive = lab.tz_convert("UTC").tz_localize(None).normalize()
    if len(naive) == 0:
        return pd.DatetimeIndex([], tz="UTC")
    c = calendars.closes(market, naive.min(), naive.max())["close_utc"]
    c.index = c.index.tz_localize(None)
    tz, t = _NOMINAL_CLOSE[market]
    nominal = (naive + pd.Timedelta(hours=t.hour, minutes=t.minute)).tz_localize(tz).tz_convert("UTC")
    out = pd.Series(nominal, index=naive)
    hit = naive.isin(c.index)
    out[hit] = c.reindex(naive[hit]).to_numpy()
    return pd.DatetimeIndex(out.to_numpy()).tz_convert("UTC")


def _check_series(s: pd.Series, name: str) -> None:
    if not isinstance(s.index, pd.DatetimeIndex) or s.index.tz is None:
        raise DataError(name, "index must be a tz-aware DatetimeIndex")
    if not s.index.is_monotonic_increasing or s.index.has_duplicates:
        raise DataError(name, "timestamps are unsorted or duplicated")


def asof_at(
    values: pd.Series, market: str, times, *, max_age: str | pd.Timedelta = "16D", name: str | None = None
) -> pd.DataFrame:
    """The last value of a daily series (date labels of ``market``) whose close is at or before each
    instant of ``times`` (UTC). Returns ``value``, ``label`` (the date used) and ``age`` (instant -
    that close) indexed by ``times``.

    Raises :class:`~mktlib.errors.DataError` when a time has no earlier value, or the last one is older than
    ``max_age`` (a data gap, not a holiday). NaN values are an error (drop them first).

    >>> s = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2025-11-20", "2025-11-21"], tz="UTC"))
    >>> t = pd.DatetimeIndex(["2025-11-21 07:00", "2025-11-21 09:00"], tz="UTC")
    >>> asof_at(s, "HK", t)["value"].tolist()          # HK closes at 08:00 UTC
    [1.0, 2.0]
    """
    name = name or str(values.name or "series")
    _check_series(values, name)
    if values.isna().any():
        raise DataError(name, f"NaN value at {values.index[values.isna().to_numpy()][0].date()}")
    t = pd.DatetimeIndex(times)
    if t.tz is None:
        raise DataError(name, "times must be tz-aware (UTC)")
    ci = close_instants(values.index, market)
    order = np.argsort(ci.asi8, kind="stable")
    ci_sorted = ci[order]
    pos = ci_sorted.searchsorted(t, side="right") - 1
    if (pos < 0).any():
        raise DataError(name, f"no value closes at or before {t[pos < 0][0]} (series starts {values.index[0].date()})")
    src = order[pos]
    age = t - ci[src]
    if (age > pd.Timedelta(max_age)).any():
        i = int(np.argmax(age > pd.Timedelta(max_age)))
        raise DataError(
            name,
            f"last value before {t[i]} is from {values.index[src[i]].date()} "
            f"(older than {max_age}: a gap in the data?)",
        )
    return pd.DataFrame({"value": values.to_numpy()[src], "label": values.index[src], "age": age}, index=t)


def crypto_at_closes_spliced(
    fine: pd.DataFrame,
    coarse: pd.DataFrame | None,
    market: str,
    start=None,
    end=None,
    *,
    fine_length: str = "1h",
    coarse_length: str = "4h",
    fine_staleness: str = "1h",
    coarse_staleness: str = "3h",
    column: str = "close",
) -> pd.DataFrame:
    """A 24/7 asset sampled at each close of ``market`` from fine bars where they cover the close and
    coarse bars elsewhere (before or after the fine bars), with returns between consecutive closes.

    Bars are indexed by open time (UTC). The price at a close is the ``column`` value of the last bar
    that ended by the close (no look-ahead, as :func:`mktlib.calendars.price_at`). Columns:
    ``close_utc``, ``price``, ``sampled_utc`` (end of the bar used), ``bars`` (``fine_length`` or
    ``coarse_length``), ``stale`` (the last bar ended more than the allowed staleness before the
    close: a gap; ``price`` is then NaN, so ``ret`` is NaN for that session and the next one),
    ``ret`` (simple return since the previous session's close), ``days`` (calendar days spanned).

    >>> idx = pd.date_range("2025-10-31", periods=24 * 4, freq="h", tz="UTC")
    >>> bars = pd.DataFrame({"close": np.arange(1.0, 97.0)}, index=idx)
    >>> out = crypto_at_closes_spliced(bars, None, "NY", "2025-10-31", "2025-11-03")
    >>> out["sampled_utc"].dt.strftime("%d %H:%M").tolist()     # 20:00 UTC in EDT, 21:00 UTC in EST
    ['31 20:00', '03 21:00']
    """
    for b, nm in ((fine, "fine bars"), (coarse, "coarse bars")):
        if b is None:
            continue
        if column not in b.columns:
            raise DataError(nm, f"missing column {column!r}")
        if b.index.tz is None:
            raise DataError(nm, "index must be tz-aware (UTC)")
        if not b.index.is_monotonic_increasing or b.index.has_duplicates:
            raise DataError(nm, "bar timestamps are unsorted or duplicated")
        if b[column].isna().any():
            raise DataError(nm, f"NaN in {column!r}")
    c = calendars.closes(market, start, end)
    t = c["close_utc"]
    fine_first_end = fine.index[0] + pd.Timedelta(fine_length)
    fine_last_end = fine.index[-1] + pd.Timedelta(fine_length)
    use_fine = ((t >= fine_first_end) & (t <= fine_last_end)).to_numpy()
    price = np.full(len(c), np.nan)
    sampled = pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns, UTC]")
    bars_used = np.where(use_fine, fine_length, coarse_length).astype(object)
    stale = np.zeros(len(c), dtype=bool)
    parts = [(use_fine, fine, fine_length, fine_staleness)]
    if (~use_fine).any():
        if coarse is None:
            raise DataError(
                "crypto_at_closes_spliced",
                f"fine bars cover {fine.index[0]} to {fine.index[-1]}; closes outside that need coarse bars",
            )
        parts.append((~use_fine, coarse, coarse_length, coarse_staleness))
    for mask, bars, length, limit in parts:
        if not mask.any():
            continue
        p = calendars.price_at(bars, t[mask], bar_length=length, column=column, max_staleness="36500D")
        age = t[mask].to_numpy() - p["bar_end"].to_numpy()
        bad = age > pd.Timedelta(limit).to_timedelta64()
        vals = p["price"].to_numpy().copy()
        vals[bad] = np.nan
        price[mask] = vals
        sampled[mask] = p["bar_end"].to_numpy()
        stale[mask] = bad
    out = c.copy()
    out["price"] = price
    out["sampled_utc"] = sampled
    out["bars"] = bars_used
    out["stale"] = stale
    out["ret"] = out["price"].pct_change(fill_method=None)
    out["days"] = out.index.to_series().diff().dt.days.astype("float64").to_numpy()
    return out


@lru_cache(maxsize=8)
def _btc_closes_cached(market: str, start: str | None, end: str | None) -> pd.DataFrame:
    from mktlib import data

    return crypto_at_closes_spliced(data.load("btc_spot_1h"), data.load("btc_spot_4h"), market, start, end)


def btc_at_closes(market: str = "NY", start=None, end=None) -> pd.DataFrame:
    """Binance BTCUSDT at each close of ``market`` (``btc_spot_1h`` from 2024-04-02, ``btc_spot_4h``
    before; see :func:`crypto_at_closes_spliced` for the columns). Cached per arguments."""
    s = None if start is None else str(pd.Timestamp(start).date())
    e = None if end is None else str(pd.Timestamp(end).date())
    return _btc_closes_cached(market, s, e).copy()


@lru_cache(maxsize=32)
def _series_values(key: str) -> pd.Series:
    from mktlib import data

    spec = SERIES[key]
    df = data.load(spec.dataset)
    return df[spec.column].dropna().astype("float64").rename(key)


def aligned_panel(
    columns=("btc", "ndx"), start="2018-01-02", end=None, *, at: str = "NY", dropna: bool = True
) -> pd.DataFrame:
    """Daily returns (or changes) indexed by the sessions of ``at``, every column aligned at its close.

    ``columns``: ``"btc"`` and keys of ``SERIES``. Each column is the return between consecutive
    ``at`` closes of the last value known at the close (see the module docstring). ``btc`` is sampled
    at the ``at`` close. ``attrs["close_times"]`` documents each column; ``attrs["dropped"]`` lists
    sessions dropped because BTC's bar data had a gap at that close (or the next).

    Raises :class:`~mktlib.errors.DataError` if a series starts after ``start`` or has a gap longer than 16 days.
    """
    columns = list(columns)
    unknown = [c for c in columns if c != "btc" and c not in SERIES]
    if unknown:
        raise ValueError(f"aligned_panel: unknown column(s) {unknown}; choose from btc, {sorted(SERIES)}")
    if not columns:
        raise ValueError("aligned_panel: no columns")
    start = pd.Timestamp(start)
    end = pd.Timestamp(end) if end is not None else pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    if end < start:
        raise ValueError(f"aligned_panel: end {end.date()} is before start {start.date()}")
    pre = (start - pd.Timedelta(days=20)).date()
    sess = calendars.closes(at, pre, end.date())
    first = int(sess.index.searchsorted(start.tz_localize("UTC")))
    if first == len(sess):
        raise ValueError(f"aligned_panel: no {at} session between {start.date()} and {end.date()}")
    sess = sess.iloc[max(first - 1, 0) :]  # the session before start anchors the first return
    pre = sess.index[0].date()
    out = pd.DataFrame(index=sess.index)
    docs: dict[str, str] = {}
    for col in columns:
        if col == "btc":
            b = btc_at_closes(at, pre, end.date())
            out["btc"] = b["ret"].reindex(sess.index).to_numpy()
            docs["btc"] = BTC_CLOSE_DOC.format(at=at)
            continue
        spec = SERIES[col]
        s = _series_values(col)
        first_needed = close_instants(sess.index[:1], at)[0]
        if close_instants(s.index[:1], spec.market)[0] > first_needed:
            raise DataError(
                f"{spec.dataset} [{col}]",
                f"starts {s.index[0].date()}, after the panel needs it "
                f"(the {at} session {sess.index[0].date()} anchors the "
                "first return); choose a later start",
            )
        last_close = close_instants(s.index[-1:], spec.market)[0]
        keep = sess["close_utc"] <= last_close + pd.Timedelta(days=4)
        if not keep.all():
            raise DataError(
                f"{spec.dataset} [{col}]",
                f"ends {s.index[-1].date()}, before the panel end {sess.index[-1].date()}; choose an earlier end",
            )
        v = asof_at(s, spec.market, sess["close_utc"], name=f"{spec.dataset} [{col}]")["value"].to_numpy()
        if spec.kind == "ret":
            out[col] = pd.Series(v, index=sess.index).pct_change(fill_method=None).to_numpy()
        else:
            out[col] = pd.Series(v, index=sess.index).diff().to_numpy()
        docs[col] = spec.close
    out = out.loc[start.tz_localize("UTC") :]
    dropped: list = []
    if dropna:
        bad = out.isna().any(axis=1)
        dropped = list(out.index[bad.to_numpy()])
        out = out.loc[~bad.to_numpy()]
    out.attrs = {"close_times": docs, "dropped": dropped, "at": at}
    return out


# ---------------------------------------------------------------------------------------------
# rolling statistics
# ---------------------------------------------------------------------------------------------


def _pair(x: pd.Series, y: pd.Series, where: str) -> tuple[pd.Series, pd.Series]:
    if not isinstance(x, pd.Series) or not isinstance(y, pd.Series):
        raise ValueError(f"{where}: x and y must be pandas Series")
    if not x.index.equals(y.index):
        raise ValueError(f"{where}: x ({x.name}) and y ({y.name}) have different indexes: align them first")
    for s in (x, y):
        if s.isna().any():
            raise ValueError(f"{where}: {s.name or 'series'} has NaN (first at {s.index[s.isna().to_numpy()][0]})")
    if isinstance(x.index, pd.DatetimeIndex) and (not x.index.is_monotonic_increasing or x.index.has_duplicates):
        raise ValueError(f"{where}: the index is unsorted or has duplicates")
    return x.astype("float64"), y.astype("float64")


def _check_window(window: int, n: int, where: str, minimum: int = 3) -> int:
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < minimum:
        raise ValueError(f"{where}: window must be an integer >= {minimum}, got {window!r}")
    if window > n:
        raise ValueError(f"{where}: window ({window}) is longer than the data ({n} rows)")
    return int(window)


def rolling_corr(x: pd.Series, y: pd.Series, window: int) -> pd.Series:
    """Pearson correlation over the last ``window`` rows, labelled by the window END (NaN until full).

    >>> i = pd.date_range("2025-01-01", periods=5, freq="D", tz="UTC")
    >>> rolling_corr(pd.Series([1., 2, 3, 4, 5], i), pd.Series([1., 2, 3, 5, 4], i), 3).round(3).tolist()
    [nan, nan, 1.0, 0.982, 0.5]
    """
    x, y = _pair(x, y, "rolling_corr")
    window = _check_window(window, len(x), "rolling_corr")
    return x.rolling(window, min_periods=window).corr(y).rename(f"corr_{window}")


def ewma_corr(x: pd.Series, y: pd.Series, halflife: float, min_periods: int = 20) -> pd.Series:
    """Exponentially weighted correlation (half-life in rows), labelled by the last row used."""
    x, y = _pair(x, y, "ewma_corr")
    if not halflife > 0:
        raise ValueError(f"ewma_corr: halflife must be > 0, got {halflife}")
    _check_window(min_periods, len(x), "ewma_corr (min_periods)")
    return x.ewm(halflife=halflife, min_periods=min_periods).corr(y).rename(f"ewma_corr_hl{halflife:g}")


def rolling_beta(y: pd.Series, x: pd.Series, window: int) -> pd.Series:
    """OLS slope of ``y`` on ``x`` (with a constant) over the last ``window`` rows: cov(y, x)/var(x),
    labelled by the window end.

    >>> i = pd.date_range("2025-01-01", periods=4, freq="D", tz="UTC")
    >>> rolling_beta(pd.Series([2., 4, 6, 9], i), pd.Series([1., 2, 3, 4], i), 3).tolist()
    [nan, nan, 2.0, 2.5]
    """
    x, y = _pair(x, y, "rolling_beta")
    window = _check_window(window, len(x), "rolling_beta")
    r = y.rolling(window, min_periods=window)
    return (r.cov(x) / x.rolling(window, min_periods=window).var()).rename(f"beta_{window}")


def regime_table(
    panel: pd.DataFrame, x: str, y: str, regimes: dict[str, tuple[str, str]] | None = None, window: int = 60
) -> pd.DataFrame:
    """Per regime: rows, full-sample correlation and beta of ``x`` on ``y`` (x = a + b y), the mean of
    the rolling ``window``-row correlation over windows ENDING in the regime, and annualised
    volatilities (sqrt(252)). Regimes are inclusive calendar dates; empty ones are skipped."""
    regimes = regimes or REGIMES
    xs, ys = _pair(panel[x], panel[y], "regime_table")
    roll = rolling_corr(xs, ys, window) if len(xs) >= window else pd.Series(np.nan, index=xs.index)
    rows = []
    for name, (a, b) in regimes.items():
        sl = slice(pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC"))
        xa, ya = xs.loc[sl], ys.loc[sl]
        if len(xa) < 3:
            continue
        rows.append(
            {
                "regime": name,
                "start": xa.index[0].date(),
                "end": xa.index[-1].date(),
                "n": len(xa),
                "corr": float(np.corrcoef(xa, ya)[0, 1]),
                f"mean_corr_{window}d": float(roll.loc[sl].mean()),
                "beta": float(np.cov(xa, ya)[0, 1] / np.var(ya, ddof=1)),
                f"vol_{x}": float(xa.std() * np.sqrt(252)),
                f"vol_{y}": float(ya.std() * np.sqrt(252)),
            }
        )
    return pd.DataFrame(rows).set_index("regime")


# ---------------------------------------------------------------------------------------------
# tests of a change in correlation
# ---------------------------------------------------------------------------------------------


def _check_r(r: float, n: int, where: str) -> None:
    if not -1 < r < 1:
        raise ValueError(f"{where}: correlation must be in (-1, 1), got {r}")
    if n <= 3:
        raise ValueError(f"{where}: need more than 3 observations, got {n}")


def fisher_z_test(r1: float, n1: int, r2: float, n2: int, alternative: str = "two-sided") -> tuple[float, float]:
    """Fisher-z test of H0: rho1 = rho2 for correlations from two independent samples.

    ``alternative``: ``"two-sided"``, ``"greater"`` (rho1 > rho2) or ``"less"``. Returns (z, p).
    Assumes i.i.d. (bivariate normal) observations: with autocorrelated or fat-tailed returns use
    :func:`bootstrap_corr_diff` alongside.
    """
    _check_r(r1, n1, "fisher_z_test")
    _check_r(r2, n2, "fisher_z_test")
    z = (np.arctanh(r1) - np.arctanh(r2)) / np.sqrt(1.0 / (n1 - 3) + 1.0 / (n2 - 3))
    if alternative == "two-sided":
        p = 2 * stats.norm.sf(abs(z))
    elif alternative == "greater":
        p = stats.norm.sf(z)
    elif alternative == "less":
        p = stats.norm.cdf(z)
    else:
        raise ValueError(f"fisher_z_test: alternative must be two-sided, greater or less, got {alternative!r}")
    return float(z), float(p)


def fisher_ci(r: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval for a correlation from the Fisher transform, tanh(atanh r +/- z / sqrt(n - 3)).

    >>> [round(v, 3) for v in fisher_ci(0.5, 28)]        # atanh 0.5 = 0.5493, se = 0.2
    [0.156, 0.736]
    """
    _check_r(r, n, "fisher_ci")
    if not 0 < level < 1:
        raise ValueError(f"fisher_ci: level must be in (0, 1), got {level}")
    h = stats.norm.ppf(0.5 + level / 2) / np.sqrt(n - 3)
    return float(np.tanh(np.arctanh(r) - h)), float(np.tanh(np.arctanh(r) + h))


def forbes_rigobon(rho: float, delta: float) -> float:
    r"""Forbes-Rigobon (2002) heteroskedasticity-adjusted correlation
    :math:`\rho^* = \rho / \sqrt{1 + \delta (1 - \rho^2)}`, with ``delta`` the relative increase in the
    variance of the SOURCE market (crisis / calm - 1)."""
    if not -1 <= rho <= 1:
        raise ValueError(f"forbes_rigobon: rho must be in [-1, 1], got {rho}")
    if not delta > -1:
        raise ValueError(f"forbes_rigobon: delta must be > -1 (a variance ratio minus 1), got {delta}")
    return float(rho / np.sqrt(1.0 + delta * (1.0 - rho**2)))


def _corr_cols(df: pd.DataFrame, a: str, b: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    for c in (a, b):
        if c not in df.columns:
            raise ValueError(f"{where}: missing column {c!r}")
        if df[c].isna().any():
            raise ValueError(f"{where}: column {c!r} has NaN")
    return df[a].to_numpy(float), df[b].to_numpy(float)


@dataclass(frozen=True)
class ForbesRigobon:
    """Result of :func:`forbes_rigobon_test` (``source`` is the market whose variance defines delta)."""

    source: str
    other: str
    rho_crisis: float
    rho_calm: float
    delta: float
    rho_adjusted: float
    n_crisis: int
    n_calm: int
    z_raw: float
    p_raw: float
    z_adjusted: float
    p_adjusted: float


def forbes_rigobon_test(crisis: pd.DataFrame, calm: pd.DataFrame, source: str, other: str) -> ForbesRigobon:
    """Raw and Forbes-Rigobon-adjusted crisis correlation against the calm one, with one-sided Fisher-z
    p-values of "crisis > calm" (raw) and "adjusted crisis > calm" (contagion rather than interdependence).

    ``delta`` = var(``source`` | crisis) / var(``source`` | calm) - 1. The adjustment assumes the source
    drives the other market (and no omitted common shock); it is biased towards "no contagion"
    (Corsetti, Pericoli and Sbracia 2005).
    """
    xs, ys = _corr_cols(crisis, source, other, "forbes_rigobon_test (crisis)")
    xc, yc = _corr_cols(calm, source, other, "forbes_rigobon_test (calm)")
    r1, r0 = float(np.corrcoef(xs, ys)[0, 1]), float(np.corrcoef(xc, yc)[0, 1])
    delta = float(np.var(xs, ddof=1) / np.var(xc, ddof=1) - 1.0)
    radj = forbes_rigobon(r1, delta)
    z1, p1 = fisher_z_test(r1, len(xs), r0, len(xc), "greater")
    z2, p2 = fisher_z_test(radj, len(xs), r0, len(xc), "greater")
    return ForbesRigobon(source, other, r1, r0, delta, radj, len(xs), len(xc), z1, p1, z2, p2)


def bootstrap_corr_diff(
    sample1: pd.DataFrame,
    sample2: pd.DataFrame,
    x: str,
    y: str,
    *,
    reps: int = 2000,
    block_size: float = 5.0,
    level: float = 0.95,
    seed: int = 0,
    fr_source: str | None = None,
) -> dict:
    """Stationary block-bootstrap CI of corr(x, y | sample1) - corr(x, y | sample2).

    Each sample is resampled on its own (two independent stationary bootstraps, ``arch``, expected
    block length ``block_size`` rows, seeded). With ``fr_source`` set, sample1's correlation is
    Forbes-Rigobon adjusted in every replicate with delta from that column's variances in the two
    resamples. Returns ``diff`` (point estimate), ``low``, ``high`` (percentile CI), ``se``, ``reps``,
    ``block_size``.
    """
    from arch.bootstrap import StationaryBootstrap

    x1, y1 = _corr_cols(sample1, x, y, "bootstrap_corr_diff (sample1)")
    x2, y2 = _corr_cols(sample2, x, y, "bootstrap_corr_diff (sample2)")
    if min(len(x1), len(x2)) < 10:
        raise ValueError(f"bootstrap_corr_diff: samples too short ({len(x1)}, {len(x2)} rows; need >= 10)")
    if not 0 < level < 1:
        raise ValueError(f"bootstrap_corr_diff: level must be in (0, 1), got {level}")
    if fr_source is not None and fr_source not in (x, y):
        raise ValueError(f"bootstrap_corr_diff: fr_source must be {x!r} or {y!r}")
    rng = np.random.default_rng(seed)

    def draws(n: int) -> np.ndarray:
        bs = StationaryBootstrap(block_size, np.arange(n), seed=rng)
        return np.array([d[0][0] for d in bs.bootstrap(reps)])

    i1, i2 = draws(len(x1)), draws(len(x2))

    def corr_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        return (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))

    c1, c2 = corr_rows(x1[i1], y1[i1]), corr_rows(x2[i2], y2[i2])
    r1, r2 = float(np.corrcoef(x1, y1)[0, 1]), float(np.corrcoef(x2, y2)[0, 1])
    if fr_source is not None:
        s1, s2 = (x1, x2) if fr_source == x else (y1, y2)
        d = s1[i1].var(axis=1, ddof=1) / s2[i2].var(axis=1, ddof=1) - 1.0
        c1 = c1 / np.sqrt(1.0 + d * (1.0 - c1**2))
        r1 = forbes_rigobon(r1, float(np.var(s1, ddof=1) / np.var(s2, ddof=1) - 1.0))
    diffs = c1 - c2
    a = (1 - level) / 2
    return {
        "diff": r1 - r2,
        "low": float(np.quantile(diffs, a)),
        "high": float(np.quantile(diffs, 1 - a)),
        "se": float(diffs.std(ddof=1)),
        "reps": reps,
        "block_size": block_size,
    }


def correlation_change(
    sample1: pd.DataFrame,
    sample2: pd.DataFrame,
    source: str,
    other: str,
    *,
    reps: int = 2000,
    block_size: float = 5.0,
    seed: int = 0,
) -> dict:
    """All the tests of "corr(source, other) is higher in sample1 than in sample2" in one row:
    ``r1``, ``r2``, ``n1``, ``n2``; one-sided Fisher-z ``p_fisher``; stationary-bootstrap 95% CI of the
    raw difference (``ci_low``, ``ci_high``); Forbes-Rigobon ``delta`` (variance of ``source``),
    ``r1_fr``, ``p_fr`` and the bootstrap CI of the adjusted difference (``ci_fr_low``, ``ci_fr_high``).
    """
    fr = forbes_rigobon_test(sample1, sample2, source, other)
    raw = bootstrap_corr_diff(sample1, sample2, source, other, reps=reps, block_size=block_size, seed=seed)
    adj = bootstrap_corr_diff(
        sample1, sample2, source, other, reps=reps, block_size=block_size, seed=seed, fr_source=source
    )
    return {
        "source": source,
        "r1": fr.rho_crisis,
        "r2": fr.rho_calm,
        "n1": fr.n_crisis,
        "n2": fr.n_calm,
        "p_fisher": fr.p_raw,
        "ci_low": raw["low"],
        "ci_high": raw["high"],
        "delta": fr.delta,
        "r1_fr": fr.rho_adjusted,
        "p_fr": fr.p_adjusted,
        "ci_fr_low": adj["low"],
        "ci_fr_high": adj["high"],
    }


# ---------------------------------------------------------------------------------------------
# structural breaks
# ---------------------------------------------------------------------------------------------


def _ols_ssr(y: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    return float(resid @ resid), beta


@dataclass(frozen=True)
class ChowResult:
    """Chow (1960) test of equal (intercept, slope) before and after ``break_date``."""

    break_date: pd.Timestamp
    f: float
    p: float
    df_num: int
    df_den: int
    n_before: int
    n_after: int
    beta_before: float
    beta_after: float


def chow_test(y: pd.Series, x: pd.Series, break_date) -> ChowResult:
    """Chow test for a break in ``y = a + b x + e`` at a known date (the first row of the second regime
    is the first row at or after ``break_date``).

    F = ((SSR_pooled - SSR_1 - SSR_2) / k) / ((SSR_1 + SSR_2) / (n - 2k)), k = 2, under i.i.d. normal
    errors (crypto returns are heteroskedastic: read it with :func:`bootstrap_corr_diff`).
    """
    x, y = _pair(x, y, "chow_test")
    bd = pd.Timestamp(break_date)
    if bd.tzinfo is None and isinstance(x.index, pd.DatetimeIndex) and x.index.tz is not None:
        bd = bd.tz_localize("UTC")
    after = x.index >= bd
    n2 = int(after.sum())
    n1 = len(x) - n2
    k = 2
    if min(n1, n2) <= k + 1:
        raise ValueError(f"chow_test: too few rows on one side of {bd.date()} ({n1} before, {n2} after)")
    X = np.column_stack([np.ones(len(x)), x.to_numpy()])
    yv = y.to_numpy()
    ssr_p, _ = _ols_ssr(yv, X)
    ssr1, b1 = _ols_ssr(yv[~after], X[~after])
    ssr2, b2 = _ols_ssr(yv[after], X[after])
    df_den = len(x) - 2 * k
    f = ((ssr_p - ssr1 - ssr2) / k) / ((ssr1 + ssr2) / df_den)
    return ChowResult(bd, float(f), float(stats.f.sf(f, k, df_den)), k, df_den, n1, n2, float(b1[1]), float(b2[1]))


@dataclass
class BreakResult:
    """Unknown break dates of ``y = a + b x`` (see :func:`regression_breaks`)."""

    n_breaks: int
    dates: list
    bic: pd.Series
    segments: pd.DataFrame
    candidates: dict = field(default_factory=dict)


def regression_breaks(
    y: pd.Series, x: pd.Series, *, max_breaks: int = 4, min_size: int = 120, jump: int = 10
) -> BreakResult:
    """Break dates in ``y = a + b x + e`` (Bai-Perron-type global least squares, ``ruptures.Dynp`` with
    the linear-regression cost on a grid of every ``jump``-th row, segments of at least ``min_size``
    rows), the number of breaks chosen by BIC = n log(SSR/n) + ((m+1) q + m) log n, q = 2.

    ``dates``: the first date of each new regime. ``segments``: start, end, n, alpha, beta, corr per
    regime. Ex post by construction (the whole sample is used to place the breaks).
    """
    import ruptures as rpt

    x, y = _pair(x, y, "regression_breaks")
    n = len(x)
    if max_breaks < 0 or n < (max_breaks + 1) * min_size:
        raise ValueError(f"regression_breaks: {n} rows cannot hold {max_breaks + 1} segments of {min_size}")
    X = np.column_stack([np.ones(n), x.to_numpy()])
    yv = y.to_numpy()
    algo = rpt.Dynp(model="linear", min_size=min_size, jump=jump).fit(np.column_stack([yv, X]))
    q = 2
    bic, cand = {}, {}
    for m in range(0, max_breaks + 1):
        bk = [n] if m == 0 else algo.predict(n_bkps=m)
        edges = [0] + list(bk)
        ssr = sum(_ols_ssr(yv[a:b], X[a:b])[0] for a, b in itertools.pairwise(edges))
        bic[m] = n * np.log(ssr / n) + ((m + 1) * q + m) * np.log(n)
        cand[m] = edges
    bic_s = pd.Series(bic, name="bic").rename_axis("n_breaks")
    m_best = int(bic_s.idxmin())
    edges = cand[m_best]
    rows = []
    for a, b in itertools.pairwise(edges):
        _, beta = _ols_ssr(yv[a:b], X[a:b])
        rows.append(
            {
                "start": x.index[a],
                "end": x.index[b - 1],
                "n": b - a,
                "alpha": float(beta[0]),
                "beta": float(beta[1]),
                "corr": float(np.corrcoef(yv[a:b], X[a:b, 1])[0, 1]),
            }
        )
    return BreakResult(
        m_best,
        [x.index[a] for a in edges[1:-1]],
        bic_s,
        pd.DataFrame(rows),
        {m: [x.index[a] for a in e[1:-1]] for m, e in cand.items()},
    )


# ---------------------------------------------------------------------------------------------
# a common global-risk factor
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PCAResult:
    """First principal component of standardized returns: ``factor`` (unit variance), ``loadings``
    (eigenvector, sign so that ``sign_ref`` loads positively), ``explained`` (share of total variance)."""

    factor: pd.Series
    loadings: pd.Series
    explained: float


def first_principal_component(returns: pd.DataFrame, sign_ref: str | None = None) -> PCAResult:
    """PC1 of the columns of ``returns`` standardized with full-sample means and standard deviations
    (descriptive use; for a real-time signal standardize with past data only).

    >>> rng = np.random.default_rng(0)
    >>> f = rng.standard_normal(500)
    >>> df = pd.DataFrame({c: f + 0.5 * rng.standard_normal(500) for c in "abc"})
    >>> res = first_principal_component(df, sign_ref="a")
    >>> round(float(np.corrcoef(res.factor, f)[0, 1]), 2) > 0.9, bool((res.loadings > 0).all())
    (True, True)
    """
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] < 2:
        raise ValueError("first_principal_component: need a DataFrame with at least 2 columns")
    if returns.isna().any().any():
        bad = list(returns.columns[returns.isna().any().to_numpy()])
        raise ValueError(f"first_principal_component: NaN in column(s) {bad}")
    if len(returns) <= returns.shape[1]:
        raise ValueError(f"first_principal_component: too few rows ({len(returns)}) for {returns.shape[1]} columns")
    sd = returns.std(ddof=1)
    if (sd == 0).any():
        raise ValueError(f"first_principal_component: constant column(s) {list(sd.index[sd == 0])}")
    z = (returns - returns.mean()) / sd
    w, v = np.linalg.eigh(np.corrcoef(z.to_numpy(), rowvar=False))
    vec = v[:, -1]
    ref = returns.columns.get_loc(sign_ref) if sign_ref is not None else int(np.argmax(np.abs(vec)))
    if vec[ref] < 0:
        vec = -vec
    f = z.to_numpy() @ vec
    f = (f - f.mean()) / f.std(ddof=1)
    return PCAResult(
        pd.Series(f, index=returns.index, name="pc1"),
        pd.Series(vec, index=returns.columns, name="loading"),
        float(w[-1] / w.sum()),
    )


def rolling_r2(y: pd.Series, factor: pd.Series, window: int) -> pd.Series:
    """R-squared of ``y`` on ``factor`` (with a constant) over the last ``window`` rows (= squared
    rolling correlation), labelled by the window end."""
    return (rolling_corr(y, factor, window) ** 2).rename(f"r2_{window}")


def average_pairwise_corr(returns: pd.DataFrame) -> float:
    """Mean of the off-diagonal Pearson correlations of the columns (no NaN allowed).

    >>> df = pd.DataFrame({"a": [1., 2, 3, 4], "b": [1., 2, 3, 5], "c": [4., 3, 2, 1]})
    >>> round(average_pairwise_corr(df), 4)
    -0.3333
    """
    if returns.isna().any().any():
        raise ValueError("average_pairwise_corr: NaN in the returns (align on common dates first)")
    if returns.shape[1] < 2 or len(returns) < 3:
        raise ValueError("average_pairwise_corr: need at least 2 columns and 3 rows")
    c = returns.corr().to_numpy()
    k = c.shape[0]
    return float((c.sum() - k) / (k * (k - 1)))


def rolling_average_pairwise_corr(returns: pd.DataFrame, window: int) -> pd.Series:
    """:func:`average_pairwise_corr` over the last ``window`` rows, labelled by the window end."""
    if returns.isna().any().any():
        raise ValueError("rolling_average_pairwise_corr: NaN in the returns (align on common dates first)")
    window = _check_window(window, len(returns), "rolling_average_pairwise_corr")
    x = returns.to_numpy(float)
    k = x.shape[1]
    if k < 2:
        raise ValueError("rolling_average_pairwise_corr: need at least 2 columns")
    out = np.full(len(x), np.nan)
    for end in range(window, len(x) + 1):
        c = np.corrcoef(x[end - window : end], rowvar=False)
        out[end - 1] = (c.sum() - k) / (k * (k - 1))
    return pd.Series(out, index=returns.index, name=f"avg_corr_{window}")


def vol_standardize(returns: pd.DataFrame, halflife: float = 30.0, min_periods: int = 30) -> pd.DataFrame:
    """Returns divided by their EWMA standard deviation up to the PREVIOUS row (no look-ahead), rows
    without enough history dropped. Used before break tests so that the least-squares cost is not
    dominated by volatility regimes.

    >>> r = pd.DataFrame({"a": np.tile([0.01, -0.01], 40)})
    >>> z = vol_standardize(r, halflife=5, min_periods=5)
    >>> len(z), bool(np.allclose(z["a"].abs(), z["a"].abs().iloc[0], rtol=0.2))
    (75, True)
    """
    if returns.isna().any().any():
        raise ValueError("vol_standardize: NaN in the returns")
    sd = returns.ewm(halflife=halflife, min_periods=min_periods).std().shift(1)
    return (returns / sd).dropna()


# ---------------------------------------------------------------------------------------------
# vectorised stationary-bootstrap intervals (verdict intervals)
# ---------------------------------------------------------------------------------------------


def block_length(values: np.ndarray) -> float:
    """Expected block length for a stationary bootstrap of the rows of ``values``: the largest
    Politis-White optimal length of the columns (``arch.bootstrap.optimal_block_length``, stationary
    version), at least 1 and at most a third of the rows."""
    from arch.bootstrap import optimal_block_length

    v = np.asarray(values, float)
    if v.ndim == 1:
        v = v[:, None]
    b = float(optimal_block_length(v)["stationary"].max())
    return float(min(max(1.0, b), max(1.0, len(v) / 3)))


def corr_draws(values, *, reps: int, seed, block: float | None = None) -> np.ndarray:
    """Correlation matrices ``(reps, k, k)`` of ``reps`` stationary-bootstrap resamples of the rows of
    ``values`` (``(n, k)``, no NaN), seeded (``seed``: anything ``numpy.random.default_rng`` takes).
    Resamples in which a column is constant give NaN entries."""
    from mktlib.spillover import stationary_indices

    v = np.asarray(values, float)
    if v.ndim != 2 or v.shape[1] < 2 or len(v) < 5:
        raise ValueError(f"corr_draws: need an (n >= 5, k >= 2) array, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError("corr_draws: NaN or infinite values")
    b = block_length(v) if block is None else float(block)
    idx = stationary_indices(len(v), reps, b, np.random.default_rng(seed))
    x = v[idx]  # (reps, n, k)
    x = x - x.mean(axis=1, keepdims=True)
    c = np.swapaxes(x, 1, 2) @ x
    d = np.sqrt(np.diagonal(c, axis1=1, axis2=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return c / (d[:, :, None] * d[:, None, :])


def _pct(draws: np.ndarray, level: float) -> tuple[float, float]:
    d = np.asarray(draws, float)
    d = d[np.isfinite(d)]
    a = (1 - level) / 2
    return float(np.quantile(d, a)), float(np.quantile(d, 1 - a))


def bootstrap_corr(
    x, y, *, reps: int = 999, level: float = 0.90, seed=0, block: float | None = None
) -> tuple[float, float, float, np.ndarray]:
    """(estimate, low, high, draws): Pearson correlation of two aligned series with its
    stationary-bootstrap percentile interval at ``level`` (:func:`corr_draws`).

    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(300); y = 0.5 * x + rng.standard_normal(300)
    >>> est, lo, hi, _ = bootstrap_corr(x, y, reps=499, seed=1)
    >>> lo < 0.447 < hi, round(est, 2)
    (True, 0.49)
    """
    v = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    draws = corr_draws(v, reps=reps, seed=seed, block=block)[:, 0, 1]
    lo, hi = _pct(draws, level)
    return float(np.corrcoef(v[:, 0], v[:, 1])[0, 1]), lo, hi, draws


def bootstrap_avg_corr(
    returns, *, reps: int = 999, level: float = 0.90, seed=0, block: float | None = None
) -> tuple[float, float, float, np.ndarray]:
    """(estimate, low, high, draws): :func:`average_pairwise_corr` with its stationary-bootstrap
    percentile interval (rows resampled in blocks, all columns together)."""
    v = np.asarray(returns, float)
    k = v.shape[1]
    c = corr_draws(v, reps=reps, seed=seed, block=block)
    draws = (np.nansum(c, axis=(1, 2)) - k) / (k * (k - 1))
    draws[~np.isfinite(c).all(axis=(1, 2))] = np.nan
    lo, hi = _pct(draws, level)
    est = average_pairwise_corr(pd.DataFrame(v))
    return est, lo, hi, draws


# ---------------------------------------------------------------------------------------------
# the transmission chapter: chart data and tables for people
# ---------------------------------------------------------------------------------------------

#: Plain names of the panel columns, for tables and legends.
MARKET_NAMES = {
    "btc": "BTC",
    "ndx": "Nasdaq-100",
    "spx": "S&P 500",
    "nvda": "NVIDIA",
    "gold": "gold (LBMA PM fix)",
    "hsi": "Hang Seng",
    "ssec": "Shanghai Composite",
    "dxy": "dollar index",
    "us2y": "2-year Treasury yield (change)",
}


def regime_means(r: pd.Series, regimes: dict[str, tuple[str, str]]) -> pd.Series:
    """A step series on ``r``'s (UTC date) index: inside each regime ``(first day, last day)`` the mean of
    ``r`` over that regime (NaN values of ``r`` ignored), NaN outside every regime.

    >>> r = pd.Series([1.0, 3.0, 10.0, 20.0], index=pd.date_range("2024-01-01", periods=4, tz="UTC"))
    >>> regime_means(r, {"a": ("2024-01-01", "2024-01-02"), "b": ("2024-01-04", "2024-01-04")}).tolist()
    [2.0, 2.0, nan, 20.0]
    """
    out = pd.Series(np.nan, index=r.index, name=r.name)
    for a, b in regimes.values():
        sl = slice(pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC"))
        out.loc[sl] = r.loc[sl].mean()
    return out


#: Published BTC-equity correlations the chapter compares with its own (quoted as published).
PUBLISHED = {
    "imf_2017_19": ("IMF (2022): BTC-S&P 500, 60-day, 2017-19", "0.01"),
    "imf_2020_21": ("IMF (2022): BTC-S&P 500, 60-day, 2020-21", "0.36"),
    "bloomberg_17nov": ("Bloomberg (Nov 2025): BTC-Nasdaq-100, 30-day, 17 Nov 2025", "about 0.80"),
    "bloomberg_5y": ("Bloomberg: 5-year average of the 30-day correlation", "0.54"),
    "diwu_2024": ("Di Wu (2025): 180-day peak in 2024 (price levels?)", "0.87 (QQQ)"),
}
#: The Bloomberg 30-day figure as a number, for the chart's marker.
BLOOMBERG_17NOV = 0.80


def published_comparison(r30: pd.Series, r180: pd.Series, r60_spx: pd.Series) -> pd.DataFrame:
    """Each published figure of ``PUBLISHED`` beside this book's number on the same definition as
    far as the data allow: ``r30`` / ``r180`` are rolling BTC-Nasdaq-100 correlations, ``r60_spx`` the
    60-day BTC-S&P 500 one (all labelled by window end, UTC dates). Columns ``published figure``,
    ``published``, ``this book`` (a number) and ``note``.

    >>> idx = pd.date_range("2018-01-01", "2025-12-31", freq="D", tz="UTC")
    >>> c = pd.Series(0.5, index=idx)
    >>> published_comparison(c, c * 0.8, c * 0.2)["this book"].round(2).tolist()
    [0.1, 0.1, 0.5, 0.5, 0.4]
    """

    def d(s: str) -> pd.Timestamp:
        return pd.Timestamp(s, tz="UTC")

    vals = {
        "imf_2017_19": (float(r60_spx.loc[: d("2019-12-31")].mean()), "mean of windows ending 2018-19"),
        "imf_2020_21": (float(r60_spx.loc[d("2020-01-01") : d("2021-12-31")].mean()), "mean of windows ending 2020-21"),
        "bloomberg_17nov": (float(r30.loc[: d("2025-11-17")].iloc[-1]), "BTC at the NY close"),
        "bloomberg_5y": (float(r30.loc[d("2020-11-17") : d("2025-11-17")].mean()), "windows ending 17 Nov 2020-2025"),
        "diwu_2024": (float(r180.loc[d("2024-01-01") : d("2024-12-31")].max()), "on returns, not price levels"),
    }
    return pd.DataFrame(
        [
            {"published figure": PUBLISHED[k][0], "published": PUBLISHED[k][1], "this book": v, "note": note}
            for k, (v, note) in vals.items()
        ]
    )


def _transmission():
    from mktlib.verdicts import transmission as T

    return T


@charts.register(
    "transmission-btc-ndx-correlation",
    sources=["btc_spot_1h", "btc_spot_4h", "ndx_1d"],
    units="correlation of daily returns (BTC sampled at the NY close)",
    title="Rolling correlation of BTC and Nasdaq-100 daily returns, 2018-2026",
    note="windows labelled by their last day; the regime mean is the mean of the 60-day correlation over "
    "2017-19, 2020-21, 2022-23 and the ETF era (Jan 2024-Sep 2025); the Bloomberg value is the published "
    "figure (via Kobeissi), not computed here",
)
def btc_ndx_correlation_chart() -> pd.DataFrame:
    """BTC-Nasdaq-100 rolling correlation over 30 and 60 NY sessions and the regime means of the
    60-day one (:func:`regime_means`), from the first full 30-day window."""
    p = _transmission().btc_ndx_panel()
    r30 = rolling_corr(p["btc"], p["ndx"], 30)
    r60 = rolling_corr(p["btc"], p["ndx"], 60)
    regimes = {k: v for k, v in REGIMES.items() if k != "episode"}
    out = pd.DataFrame(
        {"30-day window": r30, "60-day window": r60, "60-day, mean over the regime": regime_means(r60, regimes)}
    )
    out["Bloomberg 30-day, published"] = np.nan
    out.loc[out.index[out.index <= pd.Timestamp("2025-11-17", tz="UTC")][-1], "Bloomberg 30-day, published"] = (
        BLOOMBERG_17NOV
    )
    return out.loc[r30.first_valid_index() :].rename_axis("date")


@charts.drawer("transmission-btc-ndx-correlation")
def draw_btc_ndx_correlation(df: pd.DataFrame):
    """The figure ``transmission-btc-ndx-correlation`` from its data (``df = charts.data(...)``): the 30-
    and 60-day correlations, the regime means (labelled from 2020), the published Bloomberg point, the
    episode shaded and the spot-ETF launch dotted."""
    import matplotlib.pyplot as plt

    from mktlib import plotting
    from mktlib.timeutil import utc

    plotting.set_theme()
    P = plotting.PALETTE
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(df.index, df["30-day window"], color=P["btc"], lw=0.6, alpha=0.6, label="30-day window")
    ax.plot(df.index, df["60-day window"], color=P["ndx"], lw=1.4, label="60-day window")
    ax.plot(df.index, df["60-day, mean over the regime"], color="black", lw=2.2, label="60-day, mean over the regime")
    for name in ("2020-21", "2022-23", "ETF era"):
        a = utc(REGIMES[name][0])
        m = df.loc[a:, "60-day, mean over the regime"].iloc[0]
        ax.text(
            a, m + 0.06, f"{name}: {m:.2f}", fontsize=8, bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1}
        )
    pub = df["Bloomberg 30-day, published"].dropna()
    ax.scatter(
        pub.index, pub, marker="*", s=120, color="crimson", zorder=5, label="Bloomberg 30-day, 17 Nov 2025 (published)"
    )
    ax.axhline(0, color="black", lw=0.5)
    plotting.shade_window(ax, *REGIMES["episode"], label="episode")
    plotting.mark_dates(ax, {"spot ETFs": "2024-01-11"})
    ax.set_ylim(-0.75, 1.0)
    ax.set_ylabel("correlation of daily returns")
    ax.set_title("BTC-Nasdaq-100 correlation rose in the episode but stayed below its 2022 peak")
    ax.legend(loc="lower right", fontsize=7.5, ncol=2)
    plotting.source_note(
        fig,
        "Rolling correlation of daily returns, labelled by the window's last day; BTC sampled at the NY close "
        "(16:00 ET). Source: Binance BTCUSDT, Yahoo Finance ^NDX; Bloomberg via Kobeissi (published point).",
    )
    return fig


ASIA_CHART_START = "2023-07-01"


@charts.register(
    "transmission-asia-correlation",
    sources=["btc_spot_1h", "hsi_1d", "ssec_1d", "ndx_1d"],
    units="correlation of daily returns over 60 sessions (BTC sampled at each market's own close)",
    title="BTC's 60-day correlation with the Hang Seng, Shanghai and the Nasdaq-100, from mid-2023",
    note="each market on its own session dates (Hang Seng at 08:00 UTC, Shanghai at 07:00 UTC, Nasdaq-100 at "
    "16:00 ET); a value is missing on days the market was shut",
)
def asia_correlation_chart() -> pd.DataFrame:
    """60-session rolling BTC correlation with the Hang Seng, the Shanghai Composite and the Nasdaq-100,
    each at that market's own close (``transmission.asset_panel``), from ``ASIA_CHART_START``."""
    T = _transmission()
    cols = {}
    for a in ("hsi", "ssec", "ndx"):
        d = T.asset_panel(a)
        cols[MARKET_NAMES[a]] = rolling_corr(d["btc"], d[a], 60)
    return pd.DataFrame(cols).loc[pd.Timestamp(ASIA_CHART_START, tz="UTC") :].rename_axis("date")


ASIA_CHART_PANELS = {"Hang Seng": "Hang Seng (BTC at 08:00 UTC)", "Shanghai Composite": "Shanghai (BTC at 07:00 UTC)"}


def asia_chart_highs(df: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """For each Asian column of ``transmission-asia-correlation`` (``df``): its highest value in the
    episode (from ``REGIMES["episode"]`` on) and in the ETF era (``REGIMES["ETF era"]``), the two the
    figure and its alt text show."""
    ep = pd.Timestamp(REGIMES["episode"][0], tz="UTC")
    etf_a, etf_b = (pd.Timestamp(x, tz="UTC") for x in REGIMES["ETF era"])
    out = {}
    for col in ASIA_CHART_PANELS:
        s = df[col].dropna()
        out[col] = (s.loc[ep:].max(), s.loc[etf_a:etf_b].max())
    return out


@charts.drawer("transmission-asia-correlation")
def draw_asia_correlation(df: pd.DataFrame):
    """The figure ``transmission-asia-correlation`` from its data (``df = charts.data(...)``): one panel
    per Asian market with its correlation, the Nasdaq-100's in grey, its ETF-era high dotted
    (:func:`asia_chart_highs`) and the episode shaded."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    P = plotting.PALETTE
    hi = asia_chart_highs(df)
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.9), sharey=True)
    for ax, (col, label), c in zip(axes, ASIA_CHART_PANELS.items(), (P["hsi"], P["ssec"]), strict=True):
        s, nd = df[col].dropna(), df["Nasdaq-100"].dropna()
        ax.plot(nd.index, nd, color=P["neutral"], lw=0.8, alpha=0.7, label="Nasdaq-100 (NY close)")
        ax.plot(s.index, s, color=c, lw=1.2, label=col)
        ax.axhline(hi[col][1], color=c, ls=":", lw=1, label="ETF-era high")
        ax.axhline(0, color="black", lw=0.5)
        plotting.shade_window(ax, *REGIMES["episode"], label=None)
        ax.set_title(label, fontsize=10, fontweight="normal")
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.legend(loc="lower left", fontsize=7)
    axes[0].set_ylabel("60-day correlation")
    fig.suptitle(
        "BTC's Asian correlations rose in the episode to about their earlier highs",
        x=0.01,
        ha="left",
        fontweight="bold",
        fontsize=12,
    )
    fig.tight_layout()
    plotting.source_note(
        fig,
        "60-day rolling correlation of daily returns, BTC sampled at each market's own close, labelled by window "
        "end; shaded: Oct 2025-Jan 2026; dotted: the highest value Jan 2024-Sep 2025. Source: Binance, Yahoo "
        "Finance.",
    )
    return fig


def market_correlation_table() -> pd.DataFrame:
    """BTC's correlation with each market at that market's own close: over each regime (full-sample
    correlation of daily returns) and the highest 60-session correlation in the episode and before it,
    with dates (``transmission.asset_regime_corr`` and ``asset_corr_peaks``). Plain column names."""
    T = _transmission()
    reg = T.asset_regime_corr()[["2020-21", "2022-23", "ETF era", "episode"]]
    reg.columns = ["2020-21", "2022-23", "ETF era (Jan 2024-Sep 2025)", "episode (Oct 2025-Jan 2026)"]
    pk = T.asset_corr_peaks()
    out = reg.join(
        pk.rename(
            columns={
                "episode_max": "highest 60-day, episode",
                "episode_date": "date of the episode high",
                "before_max": "highest 60-day, ETF era",
                "before_date": "date of the ETF-era high",
            }
        )
    )
    out.index = [MARKET_NAMES[a] for a in out.index]
    return out.rename_axis("market").reset_index()


@charts.register(
    "transmission-two-session-returns",
    sources=["spx_1d", "ndx_1d", "gold_lbma_pm", "ssec_1d", "hsi_1d", "btc_spot_1d"],
    units="percent, close to close (each exchange at its official close; gold at the LBMA PM fix; BTC at the "
    "UTC daily close)",
    title="Two-session returns: 19-21 Nov 2025 beside 10-12 Mar 2020",
)
def two_session_returns_chart() -> pd.DataFrame:
    """Two-session returns (percent) of the K1 markets over 19 -> 21 Nov 2025 and 10 -> 12 Mar 2020
    (``transmission.k1_two_session_returns``), one row per market."""
    t = _transmission().k1_two_session_returns() * 100.0
    t.index = [MARKET_NAMES[a] for a in t.index]
    return t.rename_axis("market")


@charts.drawer("transmission-two-session-returns")
def draw_two_session_returns(df: pd.DataFrame):
    """The figure ``transmission-two-session-returns`` from its data (``df = charts.data(...)``): paired
    horizontal bars, Nov 2025 (first column) above Mar 2020 (second), each labelled with its value."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    P = plotting.PALETTE
    nov, mar = df.columns
    fig, ax = plt.subplots(figsize=(8, 3.2))
    y = np.arange(len(df))
    ax.barh(y + 0.2, df[nov], height=0.4, color=P["btc"], label=nov)
    ax.barh(y - 0.2, df[mar], height=0.4, color="crimson", label=mar)
    ax.set_yticks(y)
    ax.set_yticklabels(df.index)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("two-session return, %")
    ax.set_title("Everything fell on 19-21 Nov 2025, mostly by far less than in March 2020")
    for yy, col in ((y + 0.2, nov), (y - 0.2, mar)):
        for v, pos in zip(df[col], yy, strict=True):
            ax.text(v - 0.4, pos, f"{v:.1f}%", va="center", ha="right", fontsize=7.5)
    ax.set_xlim(df[mar].min() * 1.15, 0)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    plotting.source_note(
        fig,
        "Close to close: exchanges at their official closes, gold at the LBMA PM fix, BTC at the UTC daily close. "
        "Source: Yahoo Finance, LBMA, Binance.",
    )
    return fig
