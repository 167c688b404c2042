"""Leverage: open interest per venue, the leverage ratio, deleveraging events, liquidations.

Units and time base
-------------------
Every open-interest (OI) reading is placed at the **instant** it describes, in UTC: the close of a
4h CoinGlass bar is the OI at the bar's *end* (open + 4h), a Coinalyze daily close is the OI at the
end of the UTC day, a Binance ``openInterestHist`` daily record labelled D is the OI at D 00:00 UTC
(checked: its ratio to CoinGlass's Binance USDT-M series is 0.906-0.911 at 00:00 and scatters
0.87-0.95 at 24:00), and an OKX snapshot sits at its labelled UTC hour (the real request time lies
inside that hour).

``oi_coin`` is BTC, ``oi_usd`` is US dollars (USDT treated as USD). Where a source gives only one of
the two, the other is converted at a **stated price**: the close of the last Binance spot BTCUSDT 1h
bar that ended by the reading (4h bars before April 2024; :func:`mktlib.calendars.price_at`, at most 1h
stale); OKX snapshots
carry their own swap price. ``coin = usd / price``::

    >>> import pandas as pd
    >>> t = pd.DatetimeIndex(["2025-10-10 20:00"], tz="UTC")
    >>> float(usd_to_coin(pd.Series([1.0e9], index=t), pd.Series([100_000.0], index=t)).iloc[0])
    10000.0

Which unit counts positions depends on the contract. A **linear** (USDT-margined) contract is sized
in coin, so its coin OI changes only when positions open or close, while its USD OI moves with the
price. An **inverse** (coin-margined) contract is sized in USD (OKX BTC-USD-SWAP and Binance
BTCUSD_PERP: 100 USD face per contract), so its USD OI (= contracts x 100) counts positions and its
coin OI moves *against* the price: a 5% rally cuts it by about 5% with no position closed. The
``contract`` column of :func:`venue_oi` says which is which; :func:`position_oi` returns the
price-invariant series of each venue (coin for linear and for the mostly linear all-venue aggregate,
USD face for inverse).

Deleveraging-event rule (set on 2026-11-21 with the chapter's first results; see :func:`deleveraging_events`)
-------------------------------------------------------------------------------------------------------------
A reading t is *flagged* when position OI has fallen by at least ``DROP`` = 5% from its highest
reading in the preceding ``WINDOW`` = 24 h, and the price has moved by at least ``MOVE`` = 3% (either
way) between that highest reading and t. Flagged readings less than ``MERGE`` = 48 h apart form one
event; the event is described by its deepest flagged reading (start = the time of the prior high,
end = the flagged reading).

Cascade split (see :func:`cascade_split`)
-----------------------------------------
The share of an OI fall that was forced = liquidated amount / OI fall, both in the same unit.
Assumptions: (1) every liquidated unit removes one unit of OI (a liquidation order filled by a trader
*opening* a position leaves OI unchanged), (2) the liquidation feed is complete. It is not: exchange
feeds push at most one liquidation order per symbol per second, and auto-deleveraging and
insurance-fund closes are forced but absent, so the measured share is a **lower bound**;
:func:`forced_share_bounds` rescales it by the venue's share of open interest over its share of
liquidations in CoinGlass's venue tables (the cross-venue undercount the data show). (3) Liquidations
and OI cover the same venue (CoinGlass's liquidation history is Binance's; the matching OI is Binance's).

Amplification test (see :func:`local_projections`)
--------------------------------------------------
Jorda (2005) local projections of the cumulative log return over the next h bars on liquidations
in the current bar, controlling for the current and lagged returns and lagged liquidations, with
Newey-West (HAC) standard errors (:func:`ols_hac`). A function that needs a regular time grid
raises on gaps (:func:`require_regular`); nothing is interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from mktlib import charts
from mktlib.errors import DataError
from mktlib.timeutil import utc

__all__ = [
    "DROP",
    "MERGE",
    "MOVE",
    "OKX_FACE_USD",
    "VENUES",
    "WINDOW",
    "HACResult",
    "agreement",
    "agreement_table",
    "amplification_panel",
    "binance_cascade_split",
    "bitfinex_margin",
    "btc_supply",
    "cascade_split",
    "change_between",
    "check_series",
    "coin_to_usd",
    "combine_venues",
    "coverage",
    "deleveraging_events",
    "event_series",
    "event_table",
    "last_reading_at_or_before",
    "last_reading_on",
    "late_leverage",
    "leverage_ratio_daily",
    "leverage_ratios",
    "liquidation_summary",
    "liquidations",
    "liquidations_between",
    "local_projections",
    "max_fall_within",
    "oi_change_20_21nov",
    "oi_change_okx",
    "ols_hac",
    "percentile_rank",
    "position_oi",
    "price_low",
    "require_regular",
    "sample_at",
    "spot_price_at",
    "usd_to_coin",
    "venue_oi",
    "GAUGES",
    "closed_bars",
    "coinglass_saved_at",
    "forced_share_bounds",
    "funding_min_after",
    "okx_window_price",
    "position_ratio",
    "proxy_positions",
    "rolling_percentiles",
    "shifted_window",
    "venue_shares",
    "wave_proxy_days",
    "wave_proxy_validation",
    "waves_between",
    "AMPLIFICATION_EXCLUDE",
    "CASCADE_WINDOW",
    "key_dates",
    "a7_window",
    "amplification_results",
    "amplification_summary",
    "event_threshold_grid",
    "fmt_step",
    "rebase",
    "spec_grid",
]

# The deleveraging-event rule (module docstring), set on 2026-11-21 with the first results.
DROP = 0.05  # position OI down at least 5% from its 24h high ...
MOVE = 0.03  # ... while the price moved at least 3% (either way) over the same span
WINDOW = "24h"
MERGE = "48h"  # flagged readings closer than this are one event
OKX_FACE_USD = 100.0  # OKX BTC-USD-SWAP contract face value (USD), per SOURCES.md

# venue id -> (label, contract type, native unit, dataset)
VENUES = {
    "all_coinglass": ("All venues (CoinGlass aggregate)", "mixed", "usd", "coinglass_oi_agg_btc_4h"),
    "binance_usdtm": ("Binance USDT-M (CoinGlass)", "linear", "coin", "coinglass_oi_stablem_btc_4h"),
    "binance_coinm": ("Binance COIN-M (CoinGlass)", "inverse", "usd", "coinglass_oi_coinm_btc_4h"),
    "binance_coinm_perp": ("Binance BTCUSD_PERP (Coinalyze)", "inverse", "usd", "oi_coinalyze_1d"),
    "binance_btcusdt": ("Binance BTCUSDT perpetual", "linear", "usd", "oi_binance_1d"),
    "okx_swap": ("OKX BTC-USD-SWAP", "inverse", "usd", "btc_okx_swap_1h"),
    "binance_all_chart": (
        "Binance, all BTC futures (CoinGlass chart)",
        "mixed",
        "usd",
        "coinglass_oi_by_exchange_btc_4h",
    ),
    "okx_all_chart": ("OKX, all BTC futures (CoinGlass chart)", "mixed", "usd", "coinglass_oi_by_exchange_btc_4h"),
}


# ------------------------------------------------------------------------------------------ checks


def check_series(s: pd.Series, name: str, *, positive: bool = False) -> pd.Series:
    """Raise ``DataError`` unless ``s`` is a numeric Series on a tz-aware **UTC** DatetimeIndex,
    strictly increasing, without duplicates or NaN (and > 0 when ``positive``). Returns ``s``.

    >>> import pandas as pd
    >>> s = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2025-01-01", "2025-01-02"]))
    >>> check_series(s, "oi")
    Traceback (most recent call last):
    ...
    mktlib.errors.DataError: oi: index has no time zone (must be tz-aware UTC)
    """
    if not isinstance(s, pd.Series):
        raise DataError(name, f"expected a pandas Series, got {type(s).__name__}")
    idx = s.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise DataError(name, "index is not a DatetimeIndex")
    if idx.tz is None:
        raise DataError(name, "index has no time zone (must be tz-aware UTC)")
    if str(idx.tz) != "UTC":
        raise DataError(name, f"index time zone is {idx.tz}, not UTC: convert explicitly first")
    if idx.has_duplicates:
        raise DataError(name, f"duplicate timestamps, first {idx[idx.duplicated()][0]}")
    if not idx.is_monotonic_increasing:
        raise DataError(name, "timestamps are not sorted")
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise DataError(name, f"values are not numeric ({s.dtype})")
    if s.isna().any():
        raise DataError(name, f"{int(s.isna().sum())} NaN value(s), first at {s.index[s.isna()][0]}")
    if positive and (s <= 0).any():
        raise DataError(name, f"non-positive value at {s.index[s <= 0][0]}")
    return s


def require_regular(index: pd.DatetimeIndex, step: str | pd.Timedelta, name: str) -> None:
    """Raise ``DataError`` listing the gaps if ``index`` is not a complete grid of ``step``.

    >>> import pandas as pd
    >>> idx = pd.DatetimeIndex(["2025-10-10 00:00", "2025-10-10 04:00", "2025-10-10 12:00"], tz="UTC")
    >>> require_regular(idx, "4h", "liq")
    Traceback (most recent call last):
    ...
    mktlib.errors.DataError: liq: not a regular 4h grid: 1 gap(s), first after 2025-10-10 04:00:00+00:00 (8h)
    """
    step = pd.Timedelta(step)
    if len(index) < 2:
        return
    d = pd.Series(index).diff().iloc[1:]
    bad = d != step
    if bad.any():
        i = int(np.argmax(bad.to_numpy())) + 1
        raise DataError(
            name,
            f"not a regular {_fmt_td(step)} grid: {int(bad.sum())} gap(s), first after "
            f"{index[i - 1]} ({_fmt_td(d.iloc[i - 1])})",
        )


def _fmt_td(td: pd.Timedelta) -> str:
    h = td / pd.Timedelta("1h")
    return f"{h:g}h" if h < 48 else f"{td / pd.Timedelta('1D'):g}D"


_utc = utc  # mktlib.timeutil: naive arguments are read as UTC


# ------------------------------------------------------------------------------------ conversions


def usd_to_coin(usd: pd.Series, price: pd.Series) -> pd.Series:
    """Coin amount = USD amount / price, on identical indexes (raises on misalignment, NaN, price <= 0)."""
    _same_index(usd, price, "usd_to_coin")
    check_series(price, "usd_to_coin price", positive=True)
    return usd / price


def coin_to_usd(coin: pd.Series, price: pd.Series) -> pd.Series:
    """USD amount = coin amount x price (the inverse of :func:`usd_to_coin`).

    >>> import pandas as pd
    >>> t = pd.DatetimeIndex(["2025-10-10"], tz="UTC")
    >>> float(coin_to_usd(pd.Series([2.5], index=t), pd.Series([80_000.0], index=t)).iloc[0])
    200000.0
    """
    _same_index(coin, price, "coin_to_usd")
    check_series(price, "coin_to_usd price", positive=True)
    return coin * price


def _same_index(a: pd.Series, b: pd.Series, where: str) -> None:
    check_series(a, f"{where} amount")
    check_series(b, f"{where} price")
    if not a.index.equals(b.index):
        raise DataError(where, "amount and price are not on the same timestamps: align them explicitly")


@lru_cache(maxsize=2)
def _spot(bar: str) -> pd.DataFrame:
    from mktlib import data

    return data.load(f"btc_spot_{bar}")


def spot_price_at(times) -> pd.Series:
    """Binance spot BTCUSDT at each instant: the close of the last 1h bar that ended by it (the 4h
    bars before the 1h file starts in April 2024); at most 1h stale, else ``DataError``."""
    from mktlib.calendars import price_at

    t = pd.DatetimeIndex(times)
    h1 = _spot("1h")
    early = t < h1.index[0] + pd.Timedelta("1h")
    out = pd.Series(np.nan, index=t, name="price")
    if (~early).any():
        out[~early] = price_at(h1, t[~early], bar_length="1h", max_staleness="1h")["price"].to_numpy()
    if early.any():
        out[early] = price_at(_spot("4h"), t[early], bar_length="4h", max_staleness="1h")["price"].to_numpy()
    return out


def sample_at(
    s: pd.Series, times, *, max_staleness: str | pd.Timedelta, name: str = "series", allow_missing: bool = False
) -> pd.DataFrame:
    """The last reading of ``s`` at or before each instant in ``times`` (no look-ahead).

    Returns ``value`` and ``reading_time``. A reading older than ``max_staleness`` (a gap) raises
    ``DataError`` unless ``allow_missing``, in which case that row's value is NaN **and** its
    ``reading_time`` is NaT, so the gap stays visible.

    >>> import pandas as pd
    >>> s = pd.Series([10.0, 11.0], index=pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 05:00"], tz="UTC"))
    >>> float(sample_at(s, pd.DatetimeIndex(["2025-01-01 06:00"], tz="UTC"), max_staleness="2h")["value"].iloc[0])
    11.0
    """
    check_series(s, name)
    t = pd.DatetimeIndex(times)
    if t.tz is None:
        raise DataError(name, "sampling times have no time zone (must be tz-aware UTC)")
    pos = s.index.searchsorted(t, side="right") - 1
    ok = pos >= 0
    rt = pd.DatetimeIndex(np.where(ok, s.index.to_numpy()[np.clip(pos, 0, None)], np.datetime64("NaT")), tz="UTC")
    stale = ~ok | ((t - rt) > pd.Timedelta(max_staleness))
    if stale.any() and not allow_missing:
        i = int(np.argmax(stale))
        raise DataError(name, f"no reading within {max_staleness} before {t[i]}")
    val = np.where(stale, np.nan, s.to_numpy()[np.clip(pos, 0, None)])
    rt = rt.where(~stale)
    return pd.DataFrame({"value": val, "reading_time": rt}, index=t)


def combine_venues(series: dict[str, pd.Series]) -> pd.DataFrame:
    """Put several venues' readings on one UTC time base: a long frame (index ``timestamp``,
    columns ``venue``, ``value``). Every series must be tz-aware UTC, sorted and unique; a naive
    index or another time zone raises (convert explicitly, e.g. OKX's UTC+5, before combining).

    >>> import pandas as pd
    >>> a = pd.Series([1.0], index=pd.DatetimeIndex(["2025-01-01 00:00"], tz="UTC"))
    >>> b = pd.Series([2.0], index=pd.DatetimeIndex(["2025-01-01 05:00"], tz="Asia/Almaty"))
    >>> combine_venues({"a": a, "b": b})
    Traceback (most recent call last):
    ...
    mktlib.errors.DataError: b: index time zone is Asia/Almaty, not UTC: convert explicitly first
    """
    parts = []
    for name, s in series.items():
        check_series(s, name)
        parts.append(pd.DataFrame({"venue": name, "value": s.to_numpy(dtype=float)}, index=s.index))
    out = pd.concat(parts).sort_index(kind="stable")
    out.index.name = "timestamp"
    return out


# --------------------------------------------------------------------------------- venue readings


def coinglass_saved_at() -> pd.Timestamp:
    """When the CoinGlass snapshot of 14 Nov 2025 was saved (the catalogue's ``snapshot_time`` of
    ``coinglass_liq_exchange_list_btc``: the upstream commit time, 16:19 UTC)."""
    from mktlib.data.catalog import entry

    return pd.Timestamp(entry("coinglass_liq_exchange_list_btc").options["snapshot_time"]).tz_convert("UTC")


def closed_bars(df: pd.DataFrame, step: str | pd.Timedelta, saved_at) -> pd.DataFrame:
    """The bars of ``df`` (indexed by bar OPEN time, UTC) that had closed when the file was saved:
    open + ``step`` <= ``saved_at``. One rule for every CoinGlass 4h series (open interest and
    liquidations alike): the last bar of the snapshot (opened 2025-11-14 16:00, saved about 16:19)
    is partial and dropped.

    >>> import pandas as pd
    >>> idx = pd.date_range("2025-11-14 08:00", periods=3, freq="4h", tz="UTC")
    >>> df = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=idx)
    >>> closed_bars(df, "4h", pd.Timestamp("2025-11-14 16:19", tz="UTC")).index.strftime("%H:%M").tolist()
    ['08:00', '12:00']
    """
    return df[df.index + pd.Timedelta(step) <= _utc(saved_at)]


def _bar_end_close(df: pd.DataFrame, step: str, saved_at=None) -> pd.Series:
    if saved_at is not None:
        df = closed_bars(df, step, saved_at)
    s = df["close"].copy()
    s.index = s.index + pd.Timedelta(step)
    s.index.name = "timestamp"
    return s


@lru_cache(maxsize=1)
def _venue_oi_cached() -> pd.DataFrame:
    from mktlib import data

    frames = []

    def add(venue, usd=None, coin=None, price=None, contracts=None):
        _label, contract, native, dataset = VENUES[venue]
        idx = (usd if usd is not None else coin).index
        if price is None:
            price = spot_price_at(idx)
            price.index = idx
            price_src = "Binance spot BTCUSDT 1h close at the reading"
        else:
            price_src = "OKX swap price at the snapshot"
        if usd is None:
            usd = coin_to_usd(coin, price)
        if coin is None:
            coin = usd_to_coin(usd, price)
        f = pd.DataFrame(
            {
                "venue": venue,
                "oi_coin": coin.to_numpy(),
                "oi_usd": usd.to_numpy(),
                "price": price.to_numpy(),
                "contract": contract,
                "native": native,
                "dataset": dataset,
                "price_source": price_src,
                "oi_contracts": (contracts.to_numpy() if contracts is not None else np.nan),
            },
            index=idx,
        )
        frames.append(f)

    saved = coinglass_saved_at()  # partial last bars are dropped (closed_bars), as for liquidations
    add("all_coinglass", usd=_bar_end_close(data.load("coinglass_oi_agg_btc_4h"), "4h", saved))
    add("binance_usdtm", coin=_bar_end_close(data.load("coinglass_oi_stablem_btc_4h"), "4h", saved))
    add("binance_coinm", usd=_bar_end_close(data.load("coinglass_oi_coinm_btc_4h"), "4h", saved))
    ca = data.load("oi_coinalyze_1d")
    ca = ca[ca["symbol"] == "BTCUSD_PERP.A"]
    add("binance_coinm_perp", usd=_bar_end_close(ca, "1D"))
    b = data.load("oi_binance_1d")
    add("binance_btcusdt", usd=b.loc[b["symbol"] == "BTCUSDT", "oi_usd"])
    o = data.load("btc_okx_swap_1h")
    add("okx_swap", usd=o["oi_usd"], coin=o["oi_coin"], price=o["swap_price"], contracts=o["oi_contracts"])
    ch = data.load("coinglass_oi_by_exchange_btc_4h")
    ch = ch[ch.index.second == 0]  # drop the live point at 16:10:45 (off the 4h grid)
    for venue, ex in (("binance_all_chart", "BINANCE"), ("okx_all_chart", "OKX")):
        add(venue, usd=ch.loc[ch["exchange"] == ex, "oi_usd"])
    out = pd.concat(frames).sort_index(kind="stable")
    out.index.name = "timestamp"
    return out


def venue_oi(venues: list[str] | None = None) -> pd.DataFrame:
    """BTC futures open interest per venue on one UTC time base (the instant of each reading).

    Long frame, index ``timestamp`` (UTC), columns ``venue`` (a key of ``VENUES``), ``oi_coin``
    [BTC], ``oi_usd`` [USD], ``price`` [USD per BTC, the conversion price], ``contract`` (linear,
    inverse, mixed), ``native`` (the unit the source reports), ``dataset``, ``price_source``,
    ``oi_contracts`` (OKX only). Loads the snapshot (not for doctests).
    """
    df = _venue_oi_cached()
    if venues is not None:
        unknown = set(venues) - set(VENUES)
        if unknown:
            raise DataError("venue_oi", f"unknown venue(s) {sorted(unknown)}; known: {sorted(VENUES)}")
        df = df[df["venue"].isin(venues)]
    return df.copy()


def position_oi(oi: pd.DataFrame, venue: str) -> pd.Series:
    """The price-invariant OI series of one venue from :func:`venue_oi`: coin for linear and mixed
    venues, USD face (contracts x face value) for inverse ones. Named ``"<venue>:coin"`` or ``":usd"``."""
    sub = oi[oi["venue"] == venue]
    if sub.empty:
        raise DataError("position_oi", f"no readings for venue {venue!r}")
    col = "oi_usd" if sub["contract"].iloc[0] == "inverse" else "oi_coin"
    return sub[col].rename(f"{venue}:{col[3:]}")


def coverage(oi: pd.DataFrame) -> pd.DataFrame:
    """Per venue: first and last reading, count, median step, largest gap and the number of gaps
    longer than twice the median step (explicit, never filled)."""
    rows = []
    for venue, g in oi.groupby("venue", sort=False):
        d = pd.Series(g.index).diff().dropna()
        med = d.median()
        label, contract, native, dataset = VENUES.get(venue, (venue, "", "", ""))
        rows.append(
            {
                "venue": venue,
                "label": label,
                "contract": contract,
                "native": native,
                "dataset": dataset,
                "first": g.index.min(),
                "last": g.index.max(),
                "n": len(g),
                "median_step": med,
                "max_gap": d.max(),
                "n_gaps": int((d > 2 * med).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("venue")


def agreement(
    a: pd.Series,
    b: pd.Series,
    times,
    *,
    a_level: pd.Series | None = None,
    b_level: pd.Series | None = None,
    max_staleness: str = "3h",
) -> dict:
    """How two OI series agree at common instants ``times`` (e.g. every 00:00 UTC): the number of
    instants where both have a fresh reading (``n``), the correlation of their log changes between
    consecutive such instants (``corr_change``, from ``n_changes`` pairs), and the median / min / max
    of the level ratio a / b, computed on ``a_level`` / ``b_level`` when given (e.g. USD values, so
    the ratio is a market share even when the changes are compared in position units).

    >>> import numpy as np, pandas as pd
    >>> t = pd.date_range("2025-01-01", periods=6, freq="D", tz="UTC")
    >>> a = pd.Series([10., 11, 10, 12, 13, 12], index=t)
    >>> r = agreement(a, a / 2, t)
    >>> r["n"], round(r["corr_change"], 6), r["ratio_median"]
    (6, 1.0, 2.0)
    """
    t = pd.DatetimeIndex(times)

    def at(s, name):
        return sample_at(s, t, max_staleness=max_staleness, name=name, allow_missing=True)["value"]

    va, vb = at(a, a.name or "a"), at(b, b.name or "b")
    la = at(a_level, "a_level") if a_level is not None else va
    lb = at(b_level, "b_level") if b_level is not None else vb
    both = va.notna() & vb.notna() & la.notna() & lb.notna()
    pos = pd.Series(np.arange(len(t)), index=t)[both]
    consecutive = (pos.diff() == 1).to_numpy()  # a missing instant breaks the chain
    ra = np.log(va[both]).diff()[consecutive]
    rb = np.log(vb[both]).diff()[consecutive]
    ratio = la[both] / lb[both]
    nonempty = len(ratio) > 0
    return {
        "n": int(both.sum()),
        "n_changes": int(consecutive.sum()),
        "corr_change": float(np.corrcoef(ra, rb)[0, 1]) if len(ra) > 2 else np.nan,
        "ratio_median": float(ratio.median()) if nonempty else np.nan,
        "ratio_min": float(ratio.min()) if nonempty else np.nan,
        "ratio_max": float(ratio.max()) if nonempty else np.nan,
        "first": ratio.index.min() if nonempty else pd.NaT,
        "last": ratio.index.max() if nonempty else pd.NaT,
    }


def agreement_table(oi: pd.DataFrame, pairs: list[tuple[str, str]], *, freq: str = "1D") -> pd.DataFrame:
    """:func:`agreement` for venue pairs over their overlap, at instants every ``freq`` (00:00 UTC
    for daily): changes in position units (:func:`position_oi`), level ratio a / b in USD."""
    rows = []
    for va, vb in pairs:
        sa, sb = position_oi(oi, va), position_oi(oi, vb)
        ua, ub = (oi.loc[oi["venue"] == v, "oi_usd"].rename(f"{v}:usd") for v in (va, vb))
        lo, hi = max(sa.index.min(), sb.index.min()), min(sa.index.max(), sb.index.max())
        if lo > hi:
            raise DataError("agreement_table", f"{va} and {vb} do not overlap")
        t = pd.date_range(lo.ceil(freq), hi.floor(freq), freq=freq)
        stale = "3h" if pd.Timedelta(freq) >= pd.Timedelta("1D") else "1h"
        r = agreement(sa, sb, t, a_level=ua, b_level=ub, max_staleness=stale)
        rows.append({"a": va, "b": vb, "unit_a": sa.name.split(":")[1], "unit_b": sb.name.split(":")[1], **r})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------- leverage ratio


@lru_cache(maxsize=1)
def btc_supply() -> pd.Series:
    """BTC circulating supply per UTC day = CoinGecko market cap / price (both at ~00:00 UTC)."""
    from mktlib import data

    g = data.load("coingecko_top50_1d")
    g = g[g["coin"] == "bitcoin"]
    s = (g["market_cap"] / g["price"]).rename("supply")
    return check_series(s, "coingecko bitcoin supply", positive=True)


def leverage_ratio_daily(oi_coin: pd.Series, supply: pd.Series) -> pd.DataFrame:
    """Daily leverage ratio = (mean of the UTC day's OI readings, in coin) / circulating supply.

    With OI and market cap valued at the same price this equals OI_usd / market cap, without the
    timing mismatch of a CoinGecko 00:00 price against an intraday OI reading. Days without readings
    are absent (not filled); ``n_readings`` shows how many readings made each day.

    >>> import pandas as pd
    >>> t = pd.DatetimeIndex(["2025-11-24 01:00", "2025-11-24 13:00", "2025-11-25 02:00"], tz="UTC")
    >>> sup = pd.Series([2.0e7, 2.0e7], index=pd.DatetimeIndex(["2025-11-24", "2025-11-25"], tz="UTC"))
    >>> leverage_ratio_daily(pd.Series([1.0e5, 3.0e5, 4.0e5], index=t), sup)["ratio"].round(4).tolist()
    [0.01, 0.02]
    """
    check_series(oi_coin, "leverage_ratio_daily oi_coin", positive=True)
    check_series(supply, "leverage_ratio_daily supply", positive=True)
    day = oi_coin.groupby(oi_coin.index.floor("D"))
    out = pd.DataFrame({"oi_coin": day.mean(), "n_readings": day.size()})
    out.index.name = "timestamp"
    missing = out.index.difference(supply.index)
    if len(missing):
        raise DataError("leverage_ratio_daily", f"no supply for {len(missing)} day(s), first {missing[0]}")
    out["supply"] = supply.reindex(out.index)
    out["ratio"] = out["oi_coin"] / out["supply"]
    return out


def leverage_ratios(oi: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Daily leverage ratios (:func:`leverage_ratio_daily`, OI in coin / supply = OI_usd / market
    cap) per series: ``okx_swap`` (2025-03-25..2026-01-21; the registry's A7 venue), ``all_coinglass``
    (2025-05-19..11-14, all venues), ``binance_usdtm`` (CoinGlass, same span), ``binance_btcusdt``
    (2025-11-08..12-17) and ``binance_linked``: Binance BTCUSDT from 2025-11-08, before that the
    CoinGlass Binance USDT-M ratio times the link factor (median BTCUSDT / USDT-M coin OI at the
    common 00:00 UTC readings, in ``attrs["link"]``)."""
    oi = venue_oi() if oi is None else oi
    sup = btc_supply()
    out = {
        v: leverage_ratio_daily(oi.loc[oi["venue"] == v, "oi_coin"].rename(v), sup)
        for v in ("okx_swap", "all_coinglass", "binance_usdtm", "binance_btcusdt")
    }
    a = agreement_table(oi, [("binance_btcusdt", "binance_usdtm")]).iloc[0]
    link = float(a["ratio_median"])
    first = out["binance_btcusdt"].index[0]
    early = out["binance_usdtm"].loc[out["binance_usdtm"].index < first].copy()
    early["oi_coin"] *= link
    early["ratio"] *= link
    linked = pd.concat([early, out["binance_btcusdt"]])
    linked.attrs = {
        "link": link,
        "link_n": int(a["n"]),
        "link_min": float(a["ratio_min"]),
        "link_max": float(a["ratio_max"]),
        "switch": first,
    }
    out["binance_linked"] = linked
    return out


def late_leverage(
    ratio: pd.DataFrame, window: tuple[str, str] = ("2025-11-24", "2025-11-30"), history_end: str | None = None
) -> dict:
    """Mean daily ratio over the UTC days of ``window`` and its percentile rank within the daily
    history from the series' start to ``history_end`` (default: the day before the window)."""
    w0, w1 = (_utc(x) for x in window)
    he = _utc(history_end) if history_end else w0 - pd.Timedelta("1D")
    win = ratio.loc[(ratio.index >= w0) & (ratio.index <= w1), "ratio"]
    n_days = (w1 - w0).days + 1
    if len(win) != n_days:
        raise DataError("late_leverage", f"{n_days - len(win)} day(s) of {window} have no readings")
    hist = ratio.loc[ratio.index <= he, "ratio"]
    value = float(win.mean())
    return {
        "value": value,
        "percentile": percentile_rank(value, hist),
        "n_history": len(hist),
        "history_start": hist.index[0],
        "history_end": hist.index[-1],
    }


def percentile_rank(value: float, history: pd.Series) -> float:
    """Share of ``history`` at or below ``value`` (0..1).

    >>> import pandas as pd
    >>> percentile_rank(3.0, pd.Series([1.0, 2.0, 3.0, 4.0]))
    0.75
    """
    h = pd.Series(history).dropna()
    if h.empty:
        raise DataError("percentile_rank", "empty history")
    return float((h <= value).mean())


# ------------------------------------------------------------------- leverage in position units

GAUGES = ("available", "binance", "okx")


@lru_cache(maxsize=1)
def _gauge_parts() -> dict:
    oi = venue_oi(["okx_swap", "binance_btcusdt", "binance_usdtm"])
    okx = oi[oi["venue"] == "okx_swap"]
    face = (okx["oi_contracts"] * OKX_FACE_USD).rename("okx face")
    day = face.index.floor("D")
    okx_daily = pd.DataFrame(
        {
            "face_usd": face.groupby(day).mean(),
            "price": okx["price"].groupby(day).mean(),
            "price_min": okx["price"].groupby(day).min(),
            "price_max": okx["price"].groupby(day).max(),
            "n_readings": face.groupby(day).size(),
        }
    )
    okx_daily.index.name = "timestamp"
    linked = leverage_ratios(oi)["binance_linked"]
    return {"okx": okx_daily, "binance": linked, "supply": btc_supply()}


def okx_window_price(window: tuple[str, str]) -> float:
    """Mean OKX BTC-USD-SWAP price over the readings of the UTC days of ``window`` (the price at
    which the swap's USD face is valued in BTC for the whole history of a position gauge)."""
    w0, w1 = (_utc(x) for x in window)
    d = _gauge_parts()["okx"]
    sub = d.loc[(d.index >= w0) & (d.index <= w1)]
    if sub.empty:
        raise DataError("okx_window_price", f"no OKX readings in {window}")
    return float((sub["price"] * sub["n_readings"]).sum() / sub["n_readings"].sum())


def position_ratio(gauge: str, window: tuple[str, str]) -> pd.DataFrame:
    """Daily leverage ratio in **position units** (a column ``ratio``), for ranking the window of
    ``window`` against the gauge's own history (:func:`late_leverage`).

    - ``binance``: Binance BTCUSDT coin OI (linear: coin counts positions) / supply, linked before
      2025-11-08 to CoinGlass's Binance USDT-M series (:func:`leverage_ratios`, ``binance_linked``);
    - ``okx``: OKX BTC-USD-SWAP USD face (contracts x 100: positions of the inverse swap) valued in
      BTC at one price, the window's mean swap price (:func:`okx_window_price`), / supply. With a
      constant price the ratio moves only when positions do (the coin ratio of the inverse swap,
      face / (price x supply), rises when the price falls);
    - ``available``: the two summed in BTC (Binance coin plus OKX face at the window price), on the
      days both have readings (no day is filled).

    The ratio equals OI / market cap at the window's price; its level in the window is close to the
    market-value ratio, and its history is free of price moves.
    """
    if gauge not in GAUGES:
        raise ValueError(f"unknown gauge {gauge!r}; use one of {GAUGES}")
    parts = _gauge_parts()
    sup = parts["supply"]
    bnb = parts["binance"]["oi_coin"]
    okx = parts["okx"]["face_usd"] / okx_window_price(window)
    if gauge == "binance":
        coin = bnb
    elif gauge == "okx":
        coin = okx
    else:
        both = bnb.index.intersection(okx.index)
        coin = bnb.loc[both] + okx.loc[both]
    missing = coin.index.difference(sup.index)
    if len(missing):
        raise DataError("position_ratio", f"no supply for {len(missing)} day(s), first {missing[0]}")
    out = pd.DataFrame({"oi_btc": coin, "supply": sup.reindex(coin.index)})
    out["ratio"] = out["oi_btc"] / out["supply"]
    out.index.name = "timestamp"
    return out


def shifted_window(window: tuple[str, str], shift: int) -> tuple[str, str]:
    """``window`` (two UTC dates) with both ends moved by ``shift`` days.

    >>> shifted_window(("2025-11-24", "2025-11-30"), -2)
    ('2025-11-22', '2025-11-28')
    """
    return tuple((pd.Timestamp(x) + pd.Timedelta(days=int(shift))).strftime("%Y-%m-%d") for x in window)


def rolling_percentiles(ratio: pd.DataFrame, *, days: int = 7, min_history: int = 60) -> pd.DataFrame:
    """For every window of ``days`` consecutive UTC days with a reading on each day: the window's mean
    ratio and its percentile rank in the history before it (at least ``min_history`` days). The
    input space of a "leverage is high" rule: what it would have said at any other week."""
    r = ratio["ratio"]
    full = pd.date_range(r.index[0], r.index[-1], freq="D", tz="UTC")
    rr = r.reindex(full)
    means = rr.rolling(days, min_periods=days).mean()
    rows = []
    for end, m in means.dropna().items():
        start = end - pd.Timedelta(days=days - 1)
        hist = r.loc[r.index < start]
        if len(hist) < min_history:
            continue
        rows.append({"start": start, "end": end, "value": float(m), "percentile": percentile_rank(m, hist)})
    return pd.DataFrame(rows, columns=["start", "end", "value", "percentile"])


# ------------------------------------------------------------------- liquidation-wave proxy days


def wave_proxy_days(
    daily: pd.DataFrame, *, max_return: float, volume_multiple: float, volume_window: int = 30
) -> pd.DataFrame:
    """Liquidation-wave proxy days from daily bars (``close`` and ``volume`` on a complete UTC-day
    grid): the market footprint of a liquidation wave when liquidation totals are missing.

    ``ret`` = close / previous close - 1; ``volume_ratio`` = the day's volume / the median volume of
    the previous ``volume_window`` days (NaN until that many days exist); ``flag`` = ret <=
    ``max_return`` and volume_ratio >= ``volume_multiple``. Gaps in the grid raise.

    >>> import pandas as pd
    >>> idx = pd.date_range("2026-01-01", periods=5, freq="D", tz="UTC")
    >>> bars = pd.DataFrame({"close": [100., 101, 90, 91, 85], "volume": [10., 10, 40, 10, 12]}, index=idx)
    >>> wave_proxy_days(bars, max_return=-0.05, volume_multiple=2.0, volume_window=2)["flag"].tolist()
    [False, False, True, False, False]
    """
    require_regular(daily.index, "1D", "wave_proxy_days")
    ret = daily["close"] / daily["close"].shift(1) - 1.0
    med = daily["volume"].shift(1).rolling(volume_window, min_periods=volume_window).median()
    vr = daily["volume"] / med
    flag = (ret <= max_return) & (vr >= volume_multiple)
    return pd.DataFrame({"ret": ret, "volume_ratio": vr, "flag": flag.fillna(False).astype(bool)})


def waves_between(proxy: pd.DataFrame, after, until) -> pd.DataFrame:
    """The flagged days of :func:`wave_proxy_days` in (``after``, ``until``] (UTC days)."""
    a, u = _utc(after), _utc(until)
    sub = proxy.loc[(proxy.index > a) & (proxy.index <= u)]
    return sub[sub["flag"]]


def funding_min_after(funding_ann: pd.Series, day, days: int) -> float:
    """The lowest annualised settled funding rate over the UTC day ``day`` and the ``days`` days after
    it (a long flush turns funding negative as longs are closed)."""
    t0 = _utc(day).floor("D")
    sub = funding_ann[(funding_ann.index >= t0) & (funding_ann.index < t0 + pd.Timedelta(days=days + 1))]
    if sub.empty:
        raise DataError("funding_min_after", f"no funding settlements from {t0.date()} for {days + 1} days")
    return float(sub.min())


def wave_proxy_validation(proxy: pd.DataFrame, liq: pd.DataFrame) -> pd.DataFrame:
    """How the proxy days line up with measured liquidations where these exist: per complete UTC day
    of ``liq`` (4h bars; a day counts only with all six bars), the long and total liquidations, their
    rank (1 = largest) and the proxy's flag. A proxy that works flags the largest liquidation days."""
    day = liq.index.floor("D")
    g = liq.groupby(day)
    d = pd.DataFrame({"liq_long_usd": g["liq_long_usd"].sum(), "liq_usd": g["liq_usd"].sum(), "bars": g.size()})
    d = d[d["bars"] == 6].drop(columns="bars")
    d["rank_long"] = d["liq_long_usd"].rank(ascending=False, method="min").astype(int)
    d["rank_total"] = d["liq_usd"].rank(ascending=False, method="min").astype(int)
    d = d.join(proxy[["ret", "volume_ratio", "flag"]], how="left")
    d.index.name = "timestamp"
    return d


# ------------------------------------------------------------- forced share: how low a bound


def venue_shares(venue: str = "Binance") -> dict:
    """``venue``'s share of the BTC liquidations and of the BTC open interest of the venues listed in
    CoinGlass's liquidation table (snapshot of 2025-11-14; the same venues in both shares), and its
    share of the open interest of every venue in the OI table (``oi_share_all``)."""
    from mktlib import data

    liq = data.load("coinglass_liq_exchange_list_btc").set_index("exchange")
    oi = data.load("coinglass_oi_exchange_list_btc").set_index("exchange")
    missing = liq.index.difference(oi.index)
    if len(missing):
        raise DataError("venue_shares", f"venues in the liquidation table without OI: {list(missing)}")
    oi_same = oi.loc[liq.index, "oi_usd"]
    return {
        "venue": venue,
        "n_venues": len(liq),
        "n_venues_oi": len(oi),
        "liq_share": float(liq.loc[venue, "liq_usd"] / liq["liq_usd"].sum()),
        "oi_share": float(oi_same.loc[venue] / oi_same.sum()),
        "oi_share_all": float(oi.loc[venue, "oi_usd"] / oi["oi_usd"].sum()),
        "liq_usd": float(liq.loc[venue, "liq_usd"]),
        "liq_usd_all": float(liq["liq_usd"].sum()),
    }


def forced_share_bounds(forced_share: float, liq_share: float, oi_share: float) -> dict:
    """How far an undercounting liquidation feed can move a forced share.

    ``lower`` = the share as measured: a lower bound, because exchange feeds report at most one
    liquidation order per symbol per second and auto-deleveraging and insurance-fund closes are
    forced but not in the feed. ``rescaled`` = the share if the venue's liquidations were as large,
    per unit of open interest, as those of the venues it is compared with (its liquidation share
    raised to its OI share): ``forced_share x max(1, oi_share / liq_share)``, capped at 1. It bounds
    only the cross-venue undercount the data show; the per-second throttling and the missing ADL
    closes are not bounded by the data.

    >>> r = forced_share_bounds(0.10, liq_share=0.05, oi_share=0.20)
    >>> r["lower"], r["factor"], r["rescaled"]
    (0.1, 4.0, 0.4)
    >>> forced_share_bounds(0.4, liq_share=0.05, oi_share=0.20)["rescaled"]
    1.0
    """
    if not (0 < liq_share <= 1 and 0 < oi_share <= 1) or forced_share < 0:
        raise DataError("forced_share_bounds", f"shares must be in (0, 1] (liq {liq_share}, oi {oi_share})")
    factor = max(1.0, oi_share / liq_share)
    return {
        "lower": float(forced_share),
        "factor": float(factor),
        "rescaled": float(min(1.0, forced_share * factor)),
        "capped": bool(forced_share * factor > 1.0),
    }


# --------------------------------------------------------------------------- deleveraging events


def deleveraging_events(
    oi: pd.Series, price: pd.Series, *, drop: float = DROP, move: float = MOVE, window: str = WINDOW, merge: str = MERGE
) -> pd.DataFrame:
    """Deleveraging events by the rule stated in the module docstring.

    ``oi`` is a position-OI series (see :func:`position_oi`); ``price`` has the same timestamps.
    Readings may be irregular (OKX snapshots): the window is in time, not rows, and nothing is
    interpolated. Returns one row per event: ``start`` (time of the 24h high), ``end`` (the deepest
    flagged reading), ``oi_start``, ``oi_end``, ``oi_change``, ``price_start``, ``price_end``,
    ``price_change``, ``n_flagged``, ``first_flag``, ``last_flag``.

    >>> import pandas as pd
    >>> t = pd.date_range("2025-10-10", periods=5, freq="4h", tz="UTC")
    >>> oi = pd.Series([100., 101., 99., 90., 91.], index=t)
    >>> px = pd.Series([120., 121., 119., 110., 111.], index=t)
    >>> ev = deleveraging_events(oi, px)
    >>> e = ev.iloc[0]
    >>> len(ev), str(e["start"]), round(float(e["oi_change"]), 4), round(float(e["price_change"]), 4)
    (1, '2025-10-10 04:00:00+00:00', -0.1089, -0.0909)
    """
    _same_index(oi, price, "deleveraging_events")
    check_series(oi, "deleveraging_events oi", positive=True)
    w = pd.Timedelta(window)
    v, p, t = oi.to_numpy(float), price.to_numpy(float), oi.index
    lo = t.searchsorted(t - w, side="right")  # readings in (t - window, t]
    cols = [
        "start",
        "end",
        "oi_start",
        "oi_end",
        "oi_change",
        "price_start",
        "price_end",
        "price_change",
        "n_flagged",
        "first_flag",
        "last_flag",
    ]
    flags = []
    for i in range(len(v)):
        j = lo[i] + int(np.argmax(v[lo[i] : i + 1]))
        d, m = v[i] / v[j] - 1.0, p[i] / p[j] - 1.0
        if d <= -drop and abs(m) >= move:
            flags.append((i, j, d))
    if not flags:
        return pd.DataFrame(columns=cols)
    events, cur = [], [flags[0]]
    for f in flags[1:]:
        if t[f[0]] - t[cur[-1][0]] < pd.Timedelta(merge):
            cur.append(f)
        else:
            events.append(cur)
            cur = [f]
    events.append(cur)
    rows = []
    for ev in events:
        i, j, _ = min(ev, key=lambda f: f[2])
        rows.append(
            {
                "start": t[j],
                "end": t[i],
                "oi_start": v[j],
                "oi_end": v[i],
                "oi_change": v[i] / v[j] - 1,
                "price_start": p[j],
                "price_end": p[i],
                "price_change": p[i] / p[j] - 1,
                "n_flagged": len(ev),
                "first_flag": t[ev[0][0]],
                "last_flag": t[ev[-1][0]],
            }
        )
    return pd.DataFrame(rows, columns=cols)


def max_fall_within(s: pd.Series, *, window: str = "24h", start=None) -> dict:
    """The largest fall of ``s`` from a reading to a later one at most ``window`` later, using only
    readings at or after ``start``. Returns ``change`` (negative = fall), ``from`` and ``to`` times.

    >>> import pandas as pd
    >>> t = pd.date_range("2025-12-01", periods=5, freq="12h", tz="UTC")
    >>> r = max_fall_within(pd.Series([10., 12., 11., 9., 10.], index=t))
    >>> round(r["change"], 4), str(r["from"]), str(r["to"])
    (-0.25, '2025-12-01 12:00:00+00:00', '2025-12-02 12:00:00+00:00')
    """
    check_series(s, s.name or "series", positive=True)
    if start is not None:
        s = s[s.index >= _utc(start)]
    if len(s) < 2:
        raise DataError(s.name or "series", "fewer than two readings in the range")
    v, t = s.to_numpy(float), s.index
    lo = t.searchsorted(t - pd.Timedelta(window), side="left")  # readings in [t - window, t]
    best = (0.0, t[0], t[0])
    for i in range(len(v)):
        j = lo[i] + int(np.argmax(v[lo[i] : i + 1]))
        d = v[i] / v[j] - 1.0
        if d < best[0]:
            best = (d, t[j], t[i])
    return {"change": float(best[0]), "from": best[1], "to": best[2]}


# ------------------------------------------------------------------------------- readings/changes


def last_reading_on(s: pd.Series, day) -> tuple[pd.Timestamp, float]:
    """The last reading of ``s`` within UTC calendar day ``day`` (raises if the day has none)."""
    check_series(s, s.name or "series")
    d0 = _utc(day).floor("D")
    sub = s[(s.index >= d0) & (s.index < d0 + pd.Timedelta("1D"))]
    if sub.empty:
        raise DataError(s.name or "series", f"no reading on {d0.date()}")
    return sub.index[-1], float(sub.iloc[-1])


def last_reading_at_or_before(s: pd.Series, when, *, max_staleness: str = "6h") -> tuple[pd.Timestamp, float]:
    """The last reading of ``s`` at or before ``when`` (raises if older than ``max_staleness``)."""
    t = pd.DatetimeIndex([_utc(when)])
    r = sample_at(s, t, max_staleness=max_staleness, name=s.name or "series")
    return r["reading_time"].iloc[0], float(r["value"].iloc[0])


def change_between(s: pd.Series, t0, t1, *, rule: str = "at_or_before", max_staleness: str = "6h") -> dict:
    """``s(t1) / s(t0) - 1`` with explicit reading times. ``rule``: "at_or_before" (the last reading
    at or before each instant) or "last_on_day" (the last reading of each UTC day ``t0``, ``t1``).

    >>> import pandas as pd
    >>> t = pd.DatetimeIndex(["2025-12-31 22:00", "2025-12-31 23:00", "2026-01-05 23:00"], tz="UTC")
    >>> r = change_between(pd.Series([9.0, 10.0, 9.0], index=t), "2025-12-31", "2026-01-05", rule="last_on_day")
    >>> round(r["change"], 4), str(r["t0"])
    (-0.1, '2025-12-31 23:00:00+00:00')
    """
    if rule == "at_or_before":
        (r0, v0), (r1, v1) = (last_reading_at_or_before(s, t, max_staleness=max_staleness) for t in (t0, t1))
    elif rule == "last_on_day":
        (r0, v0), (r1, v1) = last_reading_on(s, t0), last_reading_on(s, t1)
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return {"t0": r0, "v0": v0, "t1": r1, "v1": v1, "change": v1 / v0 - 1.0}


# ----------------------------------------------------------------------------------- liquidations


def liquidations(coin: str = "btc") -> pd.DataFrame:
    """CoinGlass 4h liquidations (USD; very likely **Binance only**, to 2025-11-14 16:00 UTC), index
    = bar open time UTC, columns ``liq_long_usd``, ``liq_short_usd``, ``liq_usd``. Bars that had not
    closed when the snapshot was saved are dropped (:func:`closed_bars`, the rule used for the
    CoinGlass open interest too): the last bar, opened 2025-11-14 16:00, is partial."""
    from mktlib import data

    df = data.load(f"coinglass_liq_{coin}_4h")[["liq_long_usd", "liq_short_usd"]].copy()
    df = closed_bars(df, "4h", coinglass_saved_at())
    df["liq_usd"] = df["liq_long_usd"] + df["liq_short_usd"]
    require_regular(df.index, "4h", f"coinglass_liq_{coin}_4h")
    return df


def liquidation_summary(liq: pd.DataFrame, start, end) -> dict:
    """Long, short and total liquidations (USD) of the 4h bars opened in [start, end), and the long
    share. Raises when the range is not inside the data.

    >>> import pandas as pd
    >>> idx = pd.date_range("2025-10-10", periods=3, freq="4h", tz="UTC")
    >>> liq = pd.DataFrame({"liq_long_usd": [3.0, 1.0, 0.0], "liq_short_usd": [1.0, 0.0, 5.0]}, index=idx)
    >>> liquidation_summary(liq, "2025-10-10 00:00Z", "2025-10-10 08:00Z")["long_share"]
    0.8
    """
    t0, t1 = _utc(start), _utc(end)
    if t0 < liq.index[0] or t1 > liq.index[-1] + pd.Timedelta("4h"):
        raise DataError(
            "liquidation_summary",
            f"[{t0}, {t1}) is outside the liquidation data ({liq.index[0]} .. {liq.index[-1] + pd.Timedelta('4h')})",
        )
    bars = liq[(liq.index >= t0) & (liq.index < t1)]
    lo, sh = float(bars["liq_long_usd"].sum()), float(bars["liq_short_usd"].sum())
    return {
        "long": lo,
        "short": sh,
        "total": lo + sh,
        "long_share": lo / (lo + sh) if lo + sh > 0 else np.nan,
        "bars": len(bars),
    }


def price_low(bars: pd.DataFrame, start, end) -> tuple[pd.Timestamp, float]:
    """The lowest ``low`` of OHLC bars opened in [start, end) and the open time of its bar."""
    sub = bars[(bars.index >= _utc(start)) & (bars.index < _utc(end))]
    if sub.empty:
        raise DataError("price_low", f"no bars in [{start}, {end})")
    return sub["low"].idxmin(), float(sub["low"].min())


def cascade_split(oi_before: float, oi_after: float, liquidated: float) -> dict:
    """Split an OI fall into liquidated (forced) and other (voluntary) closes, in one unit.

    ``forced_share`` = liquidated / (oi_before - oi_after); assumptions in the module docstring.
    Raises if OI did not fall.

    >>> cascade_split(100.0, 86.0, 1.0)["unforced_share"]
    0.9285714285714286
    """
    fall = oi_before - oi_after
    if not np.isfinite(fall) or fall <= 0:
        raise DataError("cascade_split", f"OI did not fall ({oi_before} -> {oi_after})")
    if liquidated < 0:
        raise DataError("cascade_split", "negative liquidations")
    share = liquidated / fall
    return {"oi_fall": fall, "liquidated": liquidated, "forced_share": share, "unforced_share": 1.0 - share}


def liquidations_between(liq: pd.DataFrame, start, end) -> dict:
    """Sum of the 4h liquidation bars that overlap (start, end]: a bar [o, o + 4h) counts when
    o < end and o + 4h > start. ``covered`` is False when (start, end] reaches beyond the data."""
    t0, t1 = _utc(start), _utc(end)
    bars = liq[(liq.index < t1) & (liq.index + pd.Timedelta("4h") > t0)]
    covered = bool(t0 >= liq.index[0] and t1 <= liq.index[-1] + pd.Timedelta("4h"))
    return {
        "liq_long_usd": float(bars["liq_long_usd"].sum()) if covered else np.nan,
        "liq_short_usd": float(bars["liq_short_usd"].sum()) if covered else np.nan,
        "liq_bars": len(bars) if covered else 0,
        "covered": covered,
    }


def binance_cascade_split(start, end) -> dict:
    """Forced vs voluntary closes on Binance between two 4h OI readings ``start`` < ``end`` (UTC).

    OI: Binance USDT-M (coin) plus COIN-M (USD face) from CoinGlass; liquidations: the CoinGlass 4h
    bars inside [start, end) (Binance). Two versions:

    - ``usd``: liquidated USD / fall in Binance OI valued at market prices (CryptoQuant's way; the
      fall includes the price effect on USDT-M positions, so it overstates the voluntary share);
    - ``coin``: liquidated BTC (each bar's USD / its typical price (high + low + close) / 3 on Binance
      spot) / fall in positions, USDT-M in BTC plus COIN-M face converted at the *start* price.
    """
    from mktlib import data

    t0, t1 = _utc(start), _utc(end)
    oi = venue_oi(["binance_usdtm", "binance_coinm", "all_coinglass"])

    def val(venue, col, t):
        s = oi.loc[oi["venue"] == venue, col]
        if t not in s.index:
            raise DataError("binance_cascade_split", f"no {venue} reading at {t}")
        return float(s.loc[t])

    liq = liquidations()
    bars = liq[(liq.index >= t0) & (liq.index < t1)]
    if len(bars) != int((t1 - t0) / pd.Timedelta("4h")):
        raise DataError("binance_cascade_split", f"liquidation bars do not cover [{t0}, {t1})")
    spot = data.load("btc_spot_4h").loc[bars.index]
    typical = (spot["high"] + spot["low"] + spot["close"]) / 3
    liq_usd = float(bars["liq_usd"].sum())
    liq_coin = float((bars["liq_usd"] / typical).sum())
    u0, u1 = val("binance_usdtm", "oi_coin", t0), val("binance_usdtm", "oi_coin", t1)
    c0, c1 = val("binance_coinm", "oi_usd", t0), val("binance_coinm", "oi_usd", t1)
    p0, p1 = val("binance_usdtm", "price", t0), val("binance_usdtm", "price", t1)
    usd = cascade_split(u0 * p0 + c0, u1 * p1 + c1, liq_usd)
    coin = cascade_split(u0 + c0 / p0, u1 + c1 / p0, liq_coin)
    a0, a1 = val("all_coinglass", "oi_usd", t0), val("all_coinglass", "oi_usd", t1)
    ac0, ac1 = val("all_coinglass", "oi_coin", t0), val("all_coinglass", "oi_coin", t1)
    return {
        "start": t0,
        "end": t1,
        "liq_usd": liq_usd,
        "liq_long_usd": float(bars["liq_long_usd"].sum()),
        "liq_short_usd": float(bars["liq_short_usd"].sum()),
        "liq_coin": liq_coin,
        "price_start": p0,
        "price_end": p1,
        "usdtm_coin_start": u0,
        "usdtm_coin_end": u1,
        "coinm_usd_start": c0,
        "coinm_usd_end": c1,
        "oi_fall_usd": usd["oi_fall"],
        "forced_share_usd": usd["forced_share"],
        "oi_fall_coin": coin["oi_fall"],
        "forced_share_coin": coin["forced_share"],
        "all_oi_usd_start": a0,
        "all_oi_usd_end": a1,
        "all_oi_change_usd": a1 / a0 - 1,
        "all_oi_change_coin": ac1 / ac0 - 1,
    }


def event_series(oi: pd.DataFrame | None = None) -> dict[str, tuple[pd.Series, pd.Series]]:
    """The position-OI series the deleveraging rule runs on, with their prices: name -> (oi, price).

    ``all_coinglass:coin`` (4h, to 2025-11-14), ``binance_usdtm:coin`` (4h, to 2025-11-14),
    ``binance_btcusdt:coin`` (daily 00:00, 2025-11-08..12-17), ``okx_swap:contracts`` (hourly, to
    2026-01-21; positions of the inverse swap) and ``okx_swap:coin`` (the registry's coin unit, which
    for this inverse contract also moves against the price)."""
    oi = venue_oi() if oi is None else oi
    out = {}
    for venue, col, name in (
        ("all_coinglass", "oi_coin", "all_coinglass:coin"),
        ("binance_usdtm", "oi_coin", "binance_usdtm:coin"),
        ("binance_btcusdt", "oi_coin", "binance_btcusdt:coin"),
        ("okx_swap", "oi_contracts", "okx_swap:contracts"),
        ("okx_swap", "oi_coin", "okx_swap:coin"),
    ):
        sub = oi[oi["venue"] == venue]
        out[name] = (sub[col].rename(name), sub["price"].rename("price"))
    return out


def event_table(oi: pd.DataFrame | None = None, **rule) -> pd.DataFrame:
    """:func:`deleveraging_events` on every series of :func:`event_series`, with the Binance
    liquidations (CoinGlass, long and short) of the 4h bars overlapping each event where covered."""
    liq = liquidations()
    rows = []
    for name, (s, p) in event_series(oi).items():
        ev = deleveraging_events(s, p, **rule)
        for r in ev.to_dict("records"):
            rows.append({"series": name, **r, **liquidations_between(liq, r["start"], r["end"])})
    cols = [
        "series",
        "start",
        "end",
        "oi_change",
        "price_change",
        "liq_long_usd",
        "liq_short_usd",
        "covered",
        "n_flagged",
        "oi_start",
        "oi_end",
        "price_start",
        "price_end",
        "first_flag",
        "last_flag",
        "liq_bars",
    ]
    return pd.DataFrame(rows, columns=cols)


def oi_change_20_21nov() -> dict:
    """The D5/A4 proxy: coin OI change from the last reading at or before 2025-11-20 00:00 UTC to
    the last at or before 2025-11-22 00:00 UTC on the venues covering it after 2025-11-14 (Binance
    BTCUSDT daily, coin at the Binance spot price of the reading; OKX BTC-USD-SWAP hourly), per
    venue and summed in BTC. ``okx_contracts_change`` is the OKX position count for comparison."""
    oi = venue_oi(["binance_btcusdt", "okx_swap"])
    t0, t1 = pd.Timestamp("2025-11-20", tz="UTC"), pd.Timestamp("2025-11-22", tz="UTC")
    out, tot0, tot1 = {}, 0.0, 0.0
    for v in ("binance_btcusdt", "okx_swap"):
        s = oi.loc[oi["venue"] == v, "oi_coin"].rename(v)
        c = change_between(s, t0, t1, max_staleness="3h")
        out[v] = c
        tot0 += c["v0"]
        tot1 += c["v1"]
    okx = oi.loc[oi["venue"] == "okx_swap", "oi_contracts"].rename("okx contracts")
    out["okx_contracts_change"] = change_between(okx, t0, t1, max_staleness="3h")["change"]
    out["total"] = {"v0": tot0, "v1": tot1, "change": tot1 / tot0 - 1.0}
    return out


def proxy_positions(instants=("2025-11-20", "2025-11-21", "2025-11-22"), *, max_staleness: str = "3h") -> pd.DataFrame:
    """Open interest on the venues that cover 20-21 Nov 2025, at each instant (00:00 UTC of each
    date), in the registered coin unit and in **position units**.

    Binance BTCUSDT is linear: its coin OI counts positions. OKX BTC-USD-SWAP is inverse: its USD
    face (contracts x 100) counts positions, its coin OI (face / price) moves against the price. To
    add the two in one unit, OKX's face is valued in BTC at one price, OKX's swap price at the first
    instant (``okx_btc_fixed``): ``total_positions_btc`` = Binance coin + that, a sum whose changes
    are changes in positions. ``total_coin`` is the registered coin sum (OKX at each reading's price).
    Columns also give each venue's reading time (the last reading at or before the instant)."""
    oi = venue_oi(["binance_btcusdt", "okx_swap"])
    b = oi.loc[oi["venue"] == "binance_btcusdt", "oi_coin"].rename("binance BTCUSDT coin")
    o = oi[oi["venue"] == "okx_swap"]
    rows = []
    for t in instants:
        rb, vb = last_reading_at_or_before(b, t, max_staleness=max_staleness)
        ro, vk = last_reading_at_or_before(o["oi_contracts"].rename("okx contracts"), t, max_staleness=max_staleness)
        rows.append(
            {
                "instant": _utc(t),
                "binance_reading": rb,
                "binance_coin": vb,
                "okx_reading": ro,
                "okx_contracts": vk,
                "okx_face_usd": vk * OKX_FACE_USD,
                "okx_price": float(o.loc[ro, "price"]),
                "okx_coin": float(o.loc[ro, "oi_coin"]),
            }
        )
    df = pd.DataFrame(rows).set_index("instant")
    p0 = df["okx_price"].iloc[0]
    df["okx_btc_fixed"] = df["okx_face_usd"] / p0
    df["total_positions_btc"] = df["binance_coin"] + df["okx_btc_fixed"]
    df["total_coin"] = df["binance_coin"] + df["okx_coin"]
    df.attrs = {"price_fixed": p0}
    return df


def oi_change_okx(day0: str = "2025-12-31", day1: str = "2026-01-05") -> dict:
    """OKX BTC-USD-SWAP OI change from the last snapshot of UTC day ``day0`` to the last of ``day1``
    (G3; the funding chapter's G1 uses the same number): coin (the registry's unit), contracts
    (positions of this inverse swap) and the swap price, with the snapshot times."""
    oi = venue_oi(["okx_swap"])
    c = change_between(oi["oi_coin"].rename("okx coin"), day0, day1, rule="last_on_day")
    k = change_between(oi["oi_contracts"].rename("okx contracts"), day0, day1, rule="last_on_day")
    p = change_between(oi["price"].rename("okx price"), day0, day1, rule="last_on_day")
    return {
        "t0": c["t0"],
        "t1": c["t1"],
        "coin0": c["v0"],
        "coin1": c["v1"],
        "coin_change": c["change"],
        "contracts0": k["v0"],
        "contracts1": k["v1"],
        "contracts_change": k["change"],
        "price0": p["v0"],
        "price1": p["v1"],
        "price_change": p["change"],
    }


# ------------------------------------------------------------------------------ HAC OLS and LPs


@dataclass
class HACResult:
    """OLS with Newey-West (Bartlett) covariance: ``params``, ``bse``, ``tvalues``, ``pvalues``
    (normal reference, as statsmodels' default for HAC), ``nobs``, ``maxlags``, ``cov``."""

    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    nobs: int
    maxlags: int
    cov: pd.DataFrame


def ols_hac(y: pd.Series, X: pd.DataFrame, maxlags: int, *, use_correction: bool = True) -> HACResult:
    """OLS of ``y`` on ``X`` (include a constant column yourself) with Newey-West HAC errors.

    S = sum_{l=-L..L} w_l sum_t u_t x_t u_{t-l} x_{t-l}', w_l = 1 - abs(l)/(L+1); cov = (X'X)^-1 S (X'X)^-1,
    times n/(n-k) when ``use_correction`` (statsmodels ``cov_type="HAC", use_correction=True``).
    Rows must be complete (NaN raises) and in time order.

    >>> import numpy as np, pandas as pd
    >>> X = pd.DataFrame({"const": 1.0, "x": [0., 1, 2, 3, 4]})
    >>> r = ols_hac(pd.Series([1., 3, 5, 7, 9]), X, maxlags=1)
    >>> r.params.round(6).tolist()
    [1.0, 2.0]
    """
    if len(y) != len(X) or not y.index.equals(X.index):
        raise DataError("ols_hac", "y and X are not on the same index")
    if y.isna().any() or X.isna().any().any():
        raise DataError("ols_hac", "NaN in y or X: drop incomplete rows explicitly first")
    Xa, ya = X.to_numpy(float), y.to_numpy(float)
    n, k = Xa.shape
    if n <= k:
        raise DataError("ols_hac", f"{n} observations for {k} parameters")
    xtx_inv = np.linalg.inv(Xa.T @ Xa)
    beta = xtx_inv @ Xa.T @ ya
    u = ya - Xa @ beta
    xu = Xa * u[:, None]
    S = xu.T @ xu
    for lag in range(1, maxlags + 1):
        w = 1.0 - lag / (maxlags + 1.0)
        g = xu[lag:].T @ xu[:-lag]
        S += w * (g + g.T)
    cov = xtx_inv @ S @ xtx_inv
    if use_correction:
        cov *= n / (n - k)
    se = np.sqrt(np.diag(cov))
    tv = beta / se
    names = list(X.columns)
    return HACResult(
        pd.Series(beta, index=names),
        pd.Series(se, index=names),
        pd.Series(tv, index=names),
        pd.Series(2 * stats.norm.sf(np.abs(tv)), index=names),
        n,
        int(maxlags),
        pd.DataFrame(cov, index=names, columns=names),
    )


def local_projections(
    panel: pd.DataFrame,
    *,
    ret: str,
    shocks: list[str],
    horizons=range(1, 13),
    lags: int = 6,
    step: str = "4h",
    extra_lags: int = 6,
    exclude: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Jorda local projections on a **regular** grid (gaps raise).

    For each horizon h: ``sum_{j=1..h} ret_{t+j} = a + sum_s b_{s,h} shock_{s,t} + sum_{j=0..lags} c_j ret_{t-j}
    + sum_{s} sum_{j=1..lags} d_{s,j} shock_{s,t-j} + e``. The current return ret_t is a control, so
    b measures what the shock predicts beyond the move in its own bar. HAC lags = h - 1 + ``extra_lags``
    (the overlap of the h-bar sums plus one day of 4h bars). ``exclude`` = (start, end): rows whose
    bar opens in [start, end] leave the estimation sample (leads and lags are still built on the full
    grid). Returns one row per (h, shock): ``coef``, ``se``, ``t``, ``p``, ``nobs``, ``maxlags``.
    """
    require_regular(panel.index, step, "local_projections panel")
    if panel[[ret] + shocks].isna().any().any():
        raise DataError("local_projections", "NaN in the panel")
    r = panel[ret]
    base = {"const": pd.Series(1.0, index=panel.index)}
    for s in shocks:
        base[s] = panel[s]
    for j in range(lags + 1):
        base[f"{ret}_l{j}"] = r.shift(j)
    for s in shocks:
        for j in range(1, lags + 1):
            base[f"{s}_l{j}"] = panel[s].shift(j)
    X0 = pd.DataFrame(base)
    rows = []
    for h in horizons:
        y = sum(r.shift(-j) for j in range(1, h + 1)).rename("y")
        ok = y.notna() & X0.notna().all(axis=1)
        if exclude is not None:
            lo_x, hi_x = (_utc(x) for x in exclude)
            ok &= ~((panel.index >= lo_x) & (panel.index <= hi_x))
        res = ols_hac(y[ok], X0[ok], maxlags=h - 1 + extra_lags)
        for s in shocks:
            rows.append(
                {
                    "h": h,
                    "shock": s,
                    "coef": res.params[s],
                    "se": res.bse[s],
                    "t": res.tvalues[s],
                    "p": res.pvalues[s],
                    "nobs": res.nobs,
                    "maxlags": res.maxlags,
                }
            )
    return pd.DataFrame(rows)


def amplification_panel(coin: str = "btc") -> pd.DataFrame:
    """4h panel for the amplification test, bars opened 2025-05-18 20:00 to 2025-11-14 12:00 UTC:
    ``ret`` (log return of Binance spot, close to close: the bar's own move), ``liq_long`` and
    ``liq_short`` (liquidations in the bar, USD 100m; CoinGlass, Binance only), ``liq_long_log`` and
    ``liq_short_log`` (log(1 + USD millions), a tail-robust version). Raises on a missing bar."""
    from mktlib import data

    liq = liquidations(coin)
    spot = data.load(f"{coin}_spot_4h")
    grid = pd.date_range(liq.index[0] - pd.Timedelta("4h"), liq.index[-1], freq="4h")
    missing = grid.difference(spot.index)
    if len(missing):
        raise DataError(f"{coin}_spot_4h", f"{len(missing)} missing 4h bar(s), first {missing[0]}")
    ret = np.log(spot["close"].reindex(grid)).diff().reindex(liq.index)
    return pd.DataFrame(
        {
            "ret": ret,
            "liq_long": liq["liq_long_usd"] / 1e8,
            "liq_short": liq["liq_short_usd"] / 1e8,
            "liq_long_log": np.log1p(liq["liq_long_usd"] / 1e6),
            "liq_short_log": np.log1p(liq["liq_short_usd"] / 1e6),
        }
    )


# ---------------------------------------------------------------------------------- Bitfinex


def bitfinex_margin(coin: str = "btc", file: str = "1y") -> pd.DataFrame:
    """Bitfinex margin positions, wide: ``longs`` and ``shorts`` [coin] at their sample times (point
    samples; ``file`` in 90d, 1y, 3y). The price series of the file has its own timestamps and is
    not included. Raises if longs and shorts are not sampled at the same times."""
    from mktlib import data

    df = data.load(f"bitfinex_margin_{file}")
    df = df[df["coin"] == coin]
    lo = df.loc[df["series"] == "longs", "value"]
    sh = df.loc[df["series"] == "shorts", "value"]
    if not lo.index.equals(sh.index):
        raise DataError(f"bitfinex_margin_{file}", "longs and shorts are sampled at different times")
    return pd.DataFrame({"longs": lo.to_numpy(), "shorts": sh.to_numpy()}, index=lo.index)


# ------------------------------------------------------------------- the chapter's figures and tables


def key_dates() -> dict:
    """The chapter's key dates for :func:`mktlib.plotting.mark_dates` (label -> UTC instant): the
    episode's peak, cascade and low at their hourly bars (found from the data,
    :func:`mktlib.keynumbers.episode_marks`) and the end of G3's window (``G3_DAYS``)."""
    from mktlib import keynumbers

    end = pd.Timestamp(G3_DAYS[1], tz="UTC")
    return {**keynumbers.episode_marks(at="time"), f"{end.day} {end:%b}": end}


#: The span of the chapter's overview chart (UTC days).
OVERVIEW_SPAN = ("2025-05-15", "2026-01-25")
#: The 24 hours around the 10 October cascade shown at fine resolution (UTC).
CASCADE_WINDOW = ("2025-10-10 12:00", "2025-10-11 12:00")
#: Bars left out of the local projections to check that the cascade alone does not drive them (UTC).
AMPLIFICATION_EXCLUDE = ("2025-10-10 00:00", "2025-10-12 20:00")
#: G3's window: the last OKX snapshot of each of these UTC days (the primary specification).
G3_DAYS = ("2025-12-31", "2026-01-05")
#: Readable names of the series of :func:`event_series`.
EVENT_SERIES_LABELS = {
    "all_coinglass:coin": "All venues (BTC)",
    "binance_usdtm:coin": "Binance USDT-M (BTC)",
    "binance_btcusdt:coin": "Binance BTCUSDT (BTC)",
    "okx_swap:contracts": "OKX swap (contracts)",
    "okx_swap:coin": "OKX swap (BTC; moves against the price)",
}


def rebase(s: pd.Series, start=None, end=None) -> pd.Series:
    """``s`` over the UTC range [``start``, ``end``] as an index: its first reading in the range = 100.

    >>> import pandas as pd
    >>> t = pd.date_range("2025-10-10", periods=4, freq="4h", tz="UTC")
    >>> rebase(pd.Series([50.0, 40.0, 60.0, 55.0], index=t), "2025-10-10 04:00").tolist()
    [100.0, 150.0, 137.5]
    """
    sub = s
    if start is not None:
        sub = sub[sub.index >= _utc(start)]
    if end is not None:
        sub = sub[sub.index <= _utc(end)]
    if sub.empty:
        raise DataError(s.name or "rebase", f"no readings in [{start}, {end}]")
    first = float(sub.iloc[0])
    if not np.isfinite(first) or first == 0:
        raise DataError(s.name or "rebase", f"first reading {first} cannot be the base of an index")
    return 100.0 * sub / first


def fmt_step(td) -> str:
    """A sampling step in words for tables: ``4 hours``, ``1 hour``, ``1 day``, ``2.5 days``.

    >>> import pandas as pd
    >>> fmt_step(pd.Timedelta("4h")), fmt_step(pd.Timedelta("1h")), fmt_step(pd.Timedelta("1D"))
    ('4 hours', '1 hour', '1 day')
    """
    td = pd.Timedelta(td)
    if td < pd.Timedelta("1D"):
        n, unit = td / pd.Timedelta("1h"), "hour"
    else:
        n, unit = td / pd.Timedelta("1D"), "day"
    return f"{n:g} {unit}" + ("" if n == 1 else "s")


def a7_window() -> tuple[str, str]:
    """A7's late-November window (two UTC dates) as the protocol states it."""
    from mktlib import claims

    th = claims.protocol()["claims"]["A7"]["thresholds"]
    return (str(th["window_start"]), str(th["window_end"]))


@lru_cache(maxsize=1)
def _amplification_results() -> dict[str, pd.DataFrame]:
    panel = amplification_panel("btc")
    h = range(1, 13)
    levels = ["liq_long", "liq_short"]
    return {
        "levels": local_projections(panel, ret="ret", shocks=levels, horizons=h),
        "without_cascade": local_projections(
            panel, ret="ret", shocks=levels, horizons=h, exclude=AMPLIFICATION_EXCLUDE
        ),
        "logs": local_projections(panel, ret="ret", shocks=["liq_long_log", "liq_short_log"], horizons=h),
    }


def amplification_results() -> dict[str, pd.DataFrame]:
    """The chapter's local projections of BTC 4h returns on Binance liquidations (horizons 1-12 bars):
    ``levels`` (liquidations in USD 100m), ``without_cascade`` (the bars of ``AMPLIFICATION_EXCLUDE``
    left out) and ``logs`` (log(1 + USD millions)); each as :func:`local_projections` returns it."""
    return {k: v.copy() for k, v in _amplification_results().items()}


def amplification_summary(
    levels: pd.DataFrame, without: pd.DataFrame, logs: pd.DataFrame, *, alpha: float = 0.05, step_hours: int = 4
) -> dict:
    """The numbers the chapter quotes from three :func:`local_projections` tables (long and short
    liquidations in levels, the same without the cascade, and in logs): the one-bar coefficient on
    long liquidations and its t (``h1_coef``, ``h1_t``; ``h1_coef_without``, ``h1_t_without``), the
    sample size, the longest horizon in hours at which long liquidations are significant at ``alpha``
    in levels (``sig_max_hours``) and in logs (``log_sig_max_hours``, 0 if none; ``log_sig_n`` of
    ``log_n`` horizons), and how many of the short-liquidation tests are significant (``short_sig_n``
    of ``short_n``)."""
    g = levels.set_index(["shock", "h"])
    gx = without.set_index(["shock", "h"])
    long_lv = g.loc["liq_long"]
    long_lg = logs.set_index(["shock", "h"]).loc["liq_long_log"]
    sig_lv = long_lv.index[long_lv["p"] < alpha]
    sig_lg = long_lg.index[long_lg["p"] < alpha]
    short = pd.concat(
        [levels.loc[levels["shock"] == "liq_short", "p"], logs.loc[logs["shock"] == "liq_short_log", "p"]]
    )
    h1 = min(long_lv.index)
    return {
        "nobs": int(long_lv.loc[h1, "nobs"]),
        "h1_coef": float(long_lv.loc[h1, "coef"]),
        "h1_t": float(long_lv.loc[h1, "t"]),
        "h1_coef_without": float(gx.loc[("liq_long", h1), "coef"]),
        "h1_t_without": float(gx.loc[("liq_long", h1), "t"]),
        "sig_max_hours": int(step_hours * max(sig_lv)) if len(sig_lv) else 0,
        "log_sig_n": len(sig_lg),
        "log_n": len(long_lg),
        "log_sig_max_hours": int(step_hours * max(sig_lg)) if len(sig_lg) else 0,
        "short_sig_n": int((short < alpha).sum()),
        "short_n": len(short),
    }


def event_threshold_grid(
    oi: pd.Series,
    price: pd.Series,
    *,
    drops=(0.03, 0.05, 0.08),
    moves=(0.02, 0.03, 0.05),
    when="2025-10-10 21:00",
) -> pd.DataFrame:
    """:func:`deleveraging_events` under every pair of thresholds: one row per (``drop``, ``move``)
    with the number of events and whether one of them spans the instant ``when`` (the cascade)."""
    t = _utc(when)
    rows = []
    for d in drops:
        for m in moves:
            ev = deleveraging_events(oi, price, drop=d, move=m)
            hit = bool(((ev["start"] <= t) & (ev["end"] >= t)).any()) if len(ev) else False
            rows.append({"drop": d, "move": m, "events": len(ev), "spans_when": hit})
    return pd.DataFrame(rows)


def spec_grid(curve: pd.DataFrame, index: str, columns: str, value: str = "statistic") -> pd.DataFrame:
    """A specification curve (:func:`mktlib.claims.spec_curve`) as a two-way table of ``value`` by
    two of its choices. Raises if other choices change ``value`` within a cell (the table would hide them).

    >>> import pandas as pd
    >>> sc = pd.DataFrame({"g": ["a", "a", "b", "b"], "s": [0, 1, 0, 1], "statistic": [0.1, 0.2, 0.3, 0.4]})
    >>> spec_grid(sc, "g", "s").to_numpy().tolist()
    [[0.1, 0.2], [0.3, 0.4]]
    """
    spread = curve.groupby([index, columns])[value].agg(lambda v: float(v.max() - v.min()))
    if (spread > 1e-12).any():
        raise DataError("spec_grid", f"{value} varies within ({index}, {columns}) cells: other choices matter")
    return curve.groupby([index, columns])[value].first().unstack(columns)


def _long(parts: list[tuple[str, str, pd.Series]]) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"panel": panel, "series": name, "value": s.astype(float).to_numpy()}, index=s.index)
        for panel, name, s in parts
    ]
    out = pd.concat(frames)
    out.index.name = "time"
    return out


def _between(s: pd.Series, start, end, *, right_open: bool = False) -> pd.Series:
    a, b = _utc(start), _utc(end)
    return s[(s.index >= a) & ((s.index < b) if right_open else (s.index <= b))]


@charts.register(
    "leverage-oi-share-of-supply",
    sources=[
        "btc_spot_1d",
        "btc_spot_1h",
        "coinglass_oi_agg_btc_4h",
        "coinglass_oi_stablem_btc_4h",
        "oi_binance_1d",
        "btc_okx_swap_1h",
        "coingecko_top50_1d",
    ],
    units="USDT (BTC price, daily close); percent of BTC supply (open interest in BTC / circulating supply, "
    "the same as open interest / market cap), daily means of the readings",
    title="BTC price and BTC futures open interest as a share of BTC supply, by venue",
    note="long format: one row per UTC day and series, 'panel' names the chart panel. Binance before "
    "8 Nov 2025: CoinGlass USDT-M scaled to the BTCUSDT perpetual at their common readings. OKX positions: "
    "contracts x 100 USD valued at the swap's mean price of 24-30 Nov 2025.",
)
def oi_share_chart() -> pd.DataFrame:
    """The overview chart: BTC's daily close and open interest / supply (%) for all venues (to
    14 Nov 2025), Binance (linked series) and OKX's inverse swap (positions and coin)."""
    x0, x1 = OVERVIEW_SPAN
    oi = venue_oi()
    ratios = leverage_ratios(oi)
    linked = ratios["binance_linked"]
    sw = linked.attrs["switch"]
    parts = [
        ("BTC price", "BTC price (Binance spot, daily close)", _spot("1d")["close"]),
        ("All venues", "all venues (CoinGlass, to 14 Nov)", 100 * ratios["all_coinglass"]["ratio"]),
        ("Binance", "Binance USDT-M (CoinGlass), scaled", 100 * linked.loc[linked.index < sw, "ratio"]),
        ("Binance", "Binance BTCUSDT perpetual", 100 * linked.loc[linked.index >= sw, "ratio"]),
        ("OKX", "OKX swap, positions", 100 * position_ratio("okx", a7_window())["ratio"]),
        ("OKX", "OKX swap, coin (rises when the price falls)", 100 * ratios["okx_swap"]["ratio"]),
    ]
    return _long([(p, n, _between(s, x0, x1)) for p, n, s in parts])


@charts.drawer("leverage-oi-share-of-supply")
def _draw_oi_share(df: pd.DataFrame):
    """The overview chart: four panels (price; all venues, Binance, OKX as % of supply), A7's window
    shaded and the chapter's :func:`key_dates` marked."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    a7w = a7_window()
    panels = {
        "BTC price": [{"color": plotting.PALETTE["btc"]}],
        "All venues": [{"color": "#333333"}],
        "Binance": [{"color": plotting.PALETTE["ndx"]}, {"color": plotting.PALETTE["spx"], "marker": "o", "ms": 2}],
        "OKX": [{"color": plotting.PALETTE["hsi"]}, {"color": plotting.PALETTE["neutral"], "ls": "--", "lw": 0.8}],
    }
    fig, axes = plt.subplots(4, 1, figsize=(8.0, 6.6), sharex=True, gridspec_kw={"height_ratios": [1.1, 1, 1, 1]})
    for ax, (panel, styles) in zip(axes, panels.items(), strict=True):
        for (name, g), st in zip(df[df["panel"] == panel].groupby("series", sort=False), styles, strict=True):
            ax.plot(g.index, g["value"], label=name, **{"lw": 1.0, **st})
    axes[0].set_ylabel("BTC price\n(USDT)")
    plotting.thousands(axes[0])
    for ax, label in zip(axes[1:], ["All venues", "Binance", "OKX"], strict=True):
        ax.set_ylabel(f"{label}\n(% of supply)")
        ax.set_ylim(bottom=0)
        ax.axvspan(_utc(a7w[0]), _utc(a7w[1]) + pd.Timedelta("1D"), color=plotting.PALETTE["btc"], alpha=0.2, lw=0)
    axes[2].legend(fontsize=8, loc="lower left")
    axes[3].legend(fontsize=8, loc="lower left")
    axes[0].set_xlim(df.index.min(), df.index.max())
    for i, ax in enumerate(axes):
        plotting.mark_dates(ax, key_dates(), labels=(i == 0))
    plotting.month_axis(axes[-1])
    axes[0].set_title("One cliff on 10 October; positions rebuilt while the price kept falling")
    axes[-1].set_xlabel("UTC day (shaded: 24-30 November, the window of claim A7); open-interest axes start at zero")
    plotting.source_note(
        fig,
        "Source: Binance spot BTCUSDT; CoinGlass (all-venue and Binance USDT-M open interest, to 14 Nov 2025), "
        "Binance (BTCUSDT perpetual), OKX (BTC-USD-SWAP hourly snapshots), CoinGecko (supply = market cap / price). "
        "Daily means of the readings; OKX positions = contracts x 100 USD at its mean price of 24-30 Nov.",
    )
    return fig


@charts.register(
    "leverage-cascade-10oct",
    sources=[
        "btc_mark_coinm_1m",
        "btc_spot_15m",
        "coinglass_liq_btc_4h",
        "coinglass_oi_agg_btc_4h",
        "coinglass_oi_stablem_btc_4h",
        "btc_okx_swap_1h",
        "btc_spot_1h",
    ],
    units="USDT (price, at each bar's close); USD millions per 4h bar, at the bar's open (liquidations, "
    "Binance only); index, first reading from 10 Oct 2025 12:00 UTC = 100 (open interest)",
    title="The 10 October 2025 cascade: price, Binance liquidations and open interest, 12:00 to 12:00 UTC",
    note="long format: 'panel' names the chart panel (price, liquidations, open interest). Open interest "
    "readings at the UTC instant they describe (a 4h CoinGlass bar's close at its end).",
)
def cascade_chart() -> pd.DataFrame:
    """The 24 hours of ``CASCADE_WINDOW``: Binance's COIN-M mark price (1 min) and spot price
    (15 min), Binance's long and short liquidations per 4h bar, and open interest rebased to 100
    (all venues and Binance USDT-M in BTC, OKX's swap in contracts and in BTC)."""
    from mktlib import data

    w0, w1 = CASCADE_WINDOW
    m1 = _between(data.load("btc_mark_coinm_1m")["close"], w0, w1, right_open=True)
    m1.index = m1.index + pd.Timedelta("1min")
    s15 = _between(_spot("15m")["close"], w0, w1, right_open=True)
    s15.index = s15.index + pd.Timedelta("15min")
    liq = _between(liquidations(), w0, w1, right_open=True)
    oi = venue_oi(["all_coinglass", "binance_usdtm", "okx_swap"])
    okx = oi[oi["venue"] == "okx_swap"]
    return _long(
        [
            ("price", "Binance COIN-M mark price, 1 min", m1),
            ("price", "Binance spot, 15 min", s15),
            ("liquidations", "longs liquidated", liq["liq_long_usd"] / 1e6),
            ("liquidations", "shorts liquidated", liq["liq_short_usd"] / 1e6),
            (
                "open interest",
                "all venues, BTC (4h)",
                rebase(oi.loc[oi["venue"] == "all_coinglass", "oi_coin"], w0, w1),
            ),
            (
                "open interest",
                "Binance USDT-M, BTC (4h)",
                rebase(oi.loc[oi["venue"] == "binance_usdtm", "oi_coin"], w0, w1),
            ),
            ("open interest", "OKX swap, contracts (1h)", rebase(okx["oi_contracts"], w0, w1)),
            ("open interest", "OKX swap, BTC (1h; not positions)", rebase(okx["oi_coin"], w0, w1)),
        ]
    )


@charts.drawer("leverage-cascade-10oct")
def _draw_cascade(df: pd.DataFrame):
    """The cascade chart: price (the 1-min mark low annotated), Binance liquidations per 4h bar and open
    interest rebased to 12:00 UTC; titled with the fall of Binance's USDT-M book in the 20:00 bar."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import data, plotting

    plotting.set_theme()
    red, green = plotting.VERDICT_COLORS["contradicted"], plotting.VERDICT_COLORS["supported"]
    t_low, v_low = price_low(data.load("btc_mark_coinm_1m"), "2025-10-10 20:00", "2025-10-11 00:00")
    s4 = binance_cascade_split("2025-10-10 20:00", "2025-10-11 00:00")
    fig, axes = plt.subplots(3, 1, figsize=(8.0, 6.2), sharex=True, gridspec_kw={"height_ratios": [1.2, 1, 1]})
    price = df[df["panel"] == "price"]
    for (name, g), st in zip(
        price.groupby("series", sort=False),
        [{"color": plotting.PALETTE["btc"], "lw": 0.8}, {"color": "#333333", "lw": 1.0, "drawstyle": "steps-pre"}],
        strict=True,
    ):
        axes[0].plot(g.index, g["value"], label=name, **st)
    axes[0].annotate(
        f"{v_low:,.0f} at {t_low:%H:%M}",
        (t_low, v_low),
        xytext=(30, -5),
        textcoords="offset points",
        fontsize=8,
        arrowprops={"arrowstyle": "->", "lw": 0.7},
    )
    axes[0].set_ylabel("price (USDT)")
    plotting.thousands(axes[0])
    axes[0].legend(fontsize=8, loc="upper right")
    lq = df[df["panel"] == "liquidations"].pivot(columns="series", values="value")
    axes[1].bar(lq.index, lq["longs liquidated"], width=pd.Timedelta("3.6h"), align="edge", color=red, label="longs")
    axes[1].bar(
        lq.index,
        -lq["shorts liquidated"],
        width=pd.Timedelta("3.6h"),
        align="edge",
        color=green,
        label="shorts (drawn down)",
    )
    axes[1].axhline(0, color="#333333", lw=0.6)
    axes[1].set_ylabel("USD million per 4h\n(Binance only)")
    axes[1].legend(fontsize=8, loc="upper left")
    oi_styles = [
        {"color": "#333333", "marker": "o", "ms": 4, "ls": ":"},
        {"color": plotting.PALETTE["ndx"], "marker": "o", "ms": 4, "ls": ":"},
        {"color": plotting.PALETTE["hsi"], "marker": ".", "ms": 3, "lw": 0.8},
        {"color": plotting.PALETTE["neutral"], "marker": ".", "ms": 3, "lw": 0.8},
    ]
    for (name, g), st in zip(df[df["panel"] == "open interest"].groupby("series", sort=False), oi_styles, strict=True):
        axes[2].plot(g.index, g["value"], label=name, **st)
    axes[2].set_ylabel("open interest\n(12:00 UTC = 100)")
    axes[2].set_ylim(45, None)
    axes[2].legend(fontsize=7.5, loc="lower left", ncol=2)
    axes[0].set_xlim(df.index.min(), df.index.max())
    for i, ax in enumerate(axes):
        plotting.mark_dates(ax, {"tariff post": "2025-10-10 20:50"}, labels=(i == 0))
    axes[-1].xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 3)))
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    axes[-1].set_xlabel("UTC, 10 October 12:00 to 11 October 12:00, 2025")
    usdtm_fall = s4["usdtm_coin_end"] / s4["usdtm_coin_start"] - 1
    axes[0].set_title(
        f"10 October: Binance's USDT-M book lost {-usdtm_fall:.0%} of its BTC open interest in one 4h bar"
    )
    plotting.source_note(
        fig,
        "Source: Binance (COIN-M mark price 1 min, spot 15 min, at bar closes), CoinGlass (liquidations, Binance only, "
        "per 4h bar; open interest 4h, at bar ends), OKX hourly snapshots.",
    )
    return fig


@charts.register(
    "leverage-amplification",
    sources=["coinglass_liq_btc_4h", "btc_spot_4h"],
    units="percent cumulative BTC log return per USD 100 million liquidated in a 4h bar (Binance only)",
    title="What a bar's liquidations predict for BTC's return over the next 4 to 48 hours (local projections)",
    note="4h bars opened 18 May to 14 Nov 2025; controls: the bar's own return, 6 lagged returns and 6 lags of "
    "both liquidation series; 95% band = coefficient +/- 1.96 Newey-West standard errors.",
)
def amplification_chart() -> pd.DataFrame:
    """Per liquidation side and horizon: the local-projection coefficient (%), its 95% band and the
    coefficient without the bars of 10-12 October (:func:`amplification_results`)."""
    r = amplification_results()
    rows = []
    for shock, side in (("liq_long", "long"), ("liq_short", "short")):
        a = r["levels"][r["levels"]["shock"] == shock].set_index("h")
        x = r["without_cascade"][r["without_cascade"]["shock"] == shock].set_index("h")
        for h in a.index:
            c, se = float(a.loc[h, "coef"]), float(a.loc[h, "se"])
            rows.append(
                {
                    "liquidations": side,
                    "hours ahead": 4 * int(h),
                    "effect (%)": 100 * c,
                    "95% band, low (%)": 100 * (c - 1.96 * se),
                    "95% band, high (%)": 100 * (c + 1.96 * se),
                    "effect without 10-12 Oct (%)": 100 * float(x.loc[h, "coef"]),
                }
            )
    return pd.DataFrame(rows)


@charts.drawer("leverage-amplification")
def _draw_amplification(df: pd.DataFrame):
    """Two panels (long, short liquidations): the local-projection effect by horizon with its 95% band,
    and the effect without the bars of 10-12 October."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    red, green = plotting.VERDICT_COLORS["contradicted"], plotting.VERDICT_COLORS["supported"]
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.2), sharey=True)
    for ax, side, color in ((axes[0], "long", red), (axes[1], "short", green)):
        r = df[df["liquidations"] == side]
        ax.fill_between(
            r["hours ahead"],
            r["95% band, low (%)"],
            r["95% band, high (%)"],
            color=color,
            alpha=0.2,
            lw=0,
            label="95% band",
        )
        ax.plot(r["hours ahead"], r["effect (%)"], "o-", ms=3, color=color, label="all bars")
        ax.plot(
            r["hours ahead"],
            r["effect without 10-12 Oct (%)"],
            "s--",
            ms=3,
            color="#333333",
            lw=0.9,
            label="without 10-12 Oct",
        )
        ax.axhline(0, color="#333333", lw=0.6)
        ax.set_title(f"{side} liquidations", fontsize=10)
        ax.set_xlabel("hours after the bar")
    axes[0].set_ylabel("cumulative return, % per\nUSD 100m liquidated")
    axes[1].legend(fontsize=8, loc="lower right")
    fig.suptitle(
        "Long liquidations predict a small further fall; short liquidations predict nothing",
        fontsize=11,
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    fig.tight_layout()
    plotting.source_note(
        fig,
        "Source: CoinGlass liquidations (Binance only, 4h), Binance spot BTCUSDT 4h. Local projections with the bar's "
        "return, 6 lagged returns and 6 lags of both liquidation series; Newey-West errors.",
    )
    return fig


@charts.register(
    "leverage-wave-proxy",
    sources=["btc_spot_1d_fullcols"],
    units="percent (BTC daily close-to-close return); ratio (the day's volume / median volume of the previous days)",
    title="BTC daily return and volume ratio, and the liquidation-wave proxy days, Sep 2025 to Mar 2026",
    note="proxy day: return and volume ratio both beyond A7's primary thresholds (mktlib/protocol.yaml).",
)
def wave_proxy_chart() -> pd.DataFrame:
    """A7b's liquidation-wave proxy (:func:`wave_proxy_days` with the protocol's primary thresholds)
    from 15 Sep 2025 to 15 Mar 2026: daily return (%), volume ratio and the flag."""
    from mktlib import claims
    from mktlib.verdicts import leverage as verdicts

    pr = claims.protocol()["claims"]["A7"]
    p = verdicts.wave_proxy(
        pr["primary"]["max_return"], pr["primary"]["volume_multiple"], pr["thresholds"]["volume_window_days"]
    )
    p = _between(p, "2025-09-15", "2026-03-15")
    return pd.DataFrame(
        {"return (%)": 100 * p["ret"], "volume ratio": p["volume_ratio"], "proxy day": p["flag"]}, index=p.index
    )


@charts.drawer("leverage-wave-proxy")
def _draw_wave_proxy(df: pd.DataFrame):
    """Two panels (daily return, volume ratio) with A7's primary thresholds dashed, the proxy days in red
    and dated, the hindsight horizon after the article shaded and the bounce day (A1) marked."""
    import matplotlib.pyplot as plt

    from mktlib import claims, plotting
    from mktlib.book import fmt_day
    from mktlib.verdicts import leverage as verdicts

    plotting.set_theme()
    red = plotting.VERDICT_COLORS["contradicted"]
    pr = claims.protocol()["claims"]["A7"]
    h0, h1 = verdicts.article_horizon("000")
    colors = df["proxy day"].map({True: red, False: "#9e9e9e"})
    fig, axes = plt.subplots(2, 1, figsize=(8.0, 3.9), sharex=True)
    axes[0].bar(df.index, df["return (%)"], width=0.8, color=colors)
    axes[0].axhline(100 * pr["primary"]["max_return"], color="#555555", ls="--", lw=0.8)
    axes[0].set_ylabel("BTC daily\nreturn (%)")
    axes[1].bar(df.index, df["volume ratio"], width=0.8, color=colors)
    axes[1].axhline(pr["primary"]["volume_multiple"], color="#555555", ls="--", lw=0.8)
    axes[1].set_ylim(bottom=0)
    axes[1].set_ylabel(f"volume / median of\nprevious {pr['thresholds']['volume_window_days']} days")
    for ax in axes:
        ax.axvspan(h0, h1, color=plotting.PALETTE["btc"], alpha=0.12, lw=0)
    axes[0].set_xlim(df.index.min(), df.index.max())
    for i, ax in enumerate(axes):
        plotting.mark_dates(ax, {"bounce (A1)": verdicts.bounce_day()}, labels=(i == 0))
    for t in df.index[df["proxy day"]]:
        axes[0].annotate(
            fmt_day(t), (t, df.loc[t, "return (%)"]), xytext=(4, -2), textcoords="offset points", fontsize=8
        )
    plotting.month_axis(axes[-1])
    axes[0].set_title("Liquidation-wave proxy days (red): both dashed lines crossed")
    axes[-1].set_xlabel(
        f"UTC day (shaded: the {claims.defaults()['hindsight_horizon_days']} days after the article's date)"
    )
    fig.subplots_adjust(bottom=0.25)
    plotting.source_note(
        fig,
        "Source: Binance spot BTCUSDT daily bars (close to close). Liquidation totals after "
        f"{fmt_day(verdicts.liquidation_end())} are not in the data.",
    )
    return fig


@charts.register(
    "leverage-okx-january",
    sources=["btc_okx_swap_1h"],
    units="index, last snapshot of 31 Dec 2025 (UTC) = 100",
    title="OKX BTC-USD-SWAP around G3's window: open interest in BTC and in contracts, and the swap price",
    note="hourly snapshots at UTC hours; BTC open interest = contracts x 100 USD / swap price.",
)
def okx_january_chart() -> pd.DataFrame:
    """OKX's inverse swap from 24 Dec 2025 to 12 Jan 2026, rebased to its last snapshot of G3's
    first day: open interest in BTC, in contracts (positions) and the swap price."""
    g = oi_change_okx(*G3_DAYS)
    o = venue_oi(["okx_swap"])
    base = o.loc[o.index <= g["t0"]].iloc[-1]
    o = _between(o, "2025-12-24", "2026-01-12")
    return pd.DataFrame(
        {
            "BTC open interest (not positions)": 100 * o["oi_coin"] / base["oi_coin"],
            "contracts (positions)": 100 * o["oi_contracts"] / base["oi_contracts"],
            "swap price": 100 * o["price"] / base["price"],
        },
        index=o.index.rename("time"),
    )


@charts.drawer("leverage-okx-january")
def _draw_okx_january(df: pd.DataFrame):
    """OKX's swap around G3's window: open interest in BTC, contracts and the swap price, indexed to
    the last snapshot of 31 Dec; G3's window (:func:`oi_change_okx` of :data:`G3_DAYS`) shaded."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import plotting
    from mktlib.book import fmt_time

    plotting.set_theme()
    g3 = oi_change_okx(*G3_DAYS)
    fig, ax = plt.subplots(figsize=(8.0, 3.0))
    colors = [plotting.PALETTE["neutral"], plotting.PALETTE["hsi"], plotting.PALETTE["btc"]]
    for name, color in zip(df.columns, colors, strict=True):
        ax.plot(df.index, df[name], lw=1, color=color, label=name)
    ax.axvspan(g3["t0"], g3["t1"], color=plotting.PALETTE["btc"], alpha=0.12, lw=0, label="G3 window")
    ax.axhline(100, color="#333333", lw=0.6)
    ax.set_ylabel(f"{fmt_time(g3['t0'])}\n= 100", fontsize=9)
    ax.legend(fontsize=8, loc="upper center", ncol=4, bbox_to_anchor=(0.5, -0.14))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_title("Early January: OKX's BTC open interest fell as the price rose; its contracts did not")
    plotting.source_note(
        fig,
        "Source: OKX BTC-USD-SWAP hourly snapshots at UTC hours; BTC open interest = contracts x 100 USD / swap price.",
    )
    fig.subplots_adjust(bottom=0.24)
    return fig
