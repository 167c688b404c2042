r"""Perpetual funding, futures basis and a rule-based "what drove this move" classifier.

Funding, annualised by each record's own interval
-------------------------------------------------
A funding rate is a fraction *per funding interval*. The annualised rate is simple (not compounded)::

    annualised = rate x (24 / interval_hours) x 365

so 0.01% per 8h (Binance's built-in interest leg, the "neutral" rate) is 0.0001 x 3 x 365 = 10.95% a
year, and Hyperliquid's hourly 0.00125% is the same 10.95%. The interval is read per record
(``interval_hours`` column), never assumed: Binance shortens some symbols' intervals. A record with
a missing, zero, negative or NaN interval raises :class:`~mktlib.errors.DataError` naming the series.
Averages over a period weight each settlement by its interval (time-weighted), so mixed intervals
average correctly; with equal intervals this is the plain mean.

Day convention: a settlement belongs to the UTC day of its settlement time (Binance settles at
00/08/16 UTC, so a "day" holds the 00:00, 08:00 and 16:00 settlements), the same convention as the
claims registry's G2 window (settlements 2026-01-01 00:00 to 2026-01-05 16:00 UTC).

OKX snapshots. The OKX file holds hourly snapshots of OKX's *current-period* BTC-USD-SWAP rate
(per 8h), not settled rates. :func:`okx_settlements` keeps, for each 8h settlement T (00/08/16 UTC),
the last snapshot labelled in [T - 8h, T - 1h] (a snapshot labelled h was taken inside [h, h+1h)),
so each settlement is counted once; it is an estimate of the settled rate.

Basis
-----
- CME: annualised basis = (F / S - 1) x 365 / tau, with tau the days from the futures price to the
  front contract's last trading day. CME bitcoin futures stop trading at 16:00 London time on the
  last Friday of the contract month; if that is not both a London and a U.S. business day, on the
  preceding day that is (CME contract specifications). London and U.S. business days are taken as
  ``exchange_calendars`` XLON and XNYS sessions. The futures close in the snapshot is CME's daily
  settlement (15:00 Chicago time); the spot is the Binance BTCUSDT 1h close at that instant (see
  :func:`cme_basis`). Days with tau < ``min_days`` (default 7) are dropped: the front month's basis
  divided by a few days is noise, and the continuous series' roll date is not documented.
- USDT is not USD. CME settles in dollars against a dollar reference rate; Binance spot is quoted in
  USDT. With ``u`` the dollar price of one USDT, S_usdt = S_usd / u, so the basis against USDT spot is
  (F / S_usd) x u - 1: a USDT discount of 0.1% (u = 0.999) lowers it by 0.1%, and annualising over
  17 days multiplies that by 365 / 17 = 21, about 2 percentage points a year. :func:`cme_basis`
  therefore also reports the basis against a dollar spot, S_usd = S_usdt x u (``basis_ann_usd``), with
  ``u`` from :func:`usdt_usd_daily`: the Yahoo BTC-USD close at the UTC day end (the CME file's own
  dollar spot) divided by the Binance BTCUSDT daily close at the same instant (primary), or
  CoinGecko's USDT price at the next 00:00 UTC (cross-check). The day-end ratio is taken 2-3 hours
  after CME's settlement; the USDT premium moves slowly (a daily standard deviation of a few
  hundredths of a percent), so the lag matters little against its level.
- OKX perp: ``basis_pct`` = (swap - spot) / spot x 100 of the inverse BTC-USD swap against BTC-USDT
  spot, so 1 + basis = u x (1 + p), with p the perp's premium over a *dollar* spot.
  :func:`perp_premium_split` separates the two: p = (1 + basis) / u - 1, and the USDT premium u - 1.
  A perpetual has no expiry, so the premium is shown as a fraction, not annualised. Binance BTCUSDT
  funding needs no such split: its premium index compares the USDT-margined perp with a USDT index.

Regime classifier (rules set with the first ledger on 2026-11-21: post hoc)
---------------------------------------------------------------------------
Inputs for a window of UTC days [D1, D2]:

- ``price_return``: Binance spot BTCUSDT close of D2 / close of (D1 - 1 day), minus 1;
- ``oi_change``: open interest, last reading of (D1 - 1 day) to last reading of D2, minus 1. The
  claims registry fixes OKX BTC-USD-SWAP coin OI (the only OI covering January 2026; the leverage
  chapter's G3). That swap is *inverse* (100 USD a contract), so its coin OI moves against price at
  unchanged positions; the contract count is the price-neutral alternative (see :func:`oi_sources`);
- ``funding_ann``: time-weighted mean annualised Binance BTCUSDT funding over the settlements from
  D1 00:00 to D2 16:00 UTC;
- ``spot_net_buy``: Binance spot (sum taker-buy base - sum taker-sell base) / sum base volume over
  the days D1..D2 (taker-sell = volume - taker-buy), in [-1, 1]; > 0 = aggressive spot buying.

Rules (``band`` = 2% for price and for OI; neutral funding 10.95%; checked in this order):

==========================  ===============================================================
regime                      rule
==========================  ===============================================================
``spot-led rally``          price up (> +2%), OI not up (<= +2%), funding <= neutral, spot net buy > 0
``short-covering rally``    price up, OI down (< -2%), spot net buy <= 0
``leverage-led rally``      price up, OI up (> +2%), funding > neutral
``deleveraging selloff``    price down (< -2%), OI down (< -2%)
``leveraged selloff``       price down, OI up (> +2%)
``mixed/unclassified``      anything else (price within +/-2%, OI flat in a selloff, OI up with
                            funding <= neutral in a rally, ...)
==========================  ===============================================================

A spot-led rally with falling OI cannot be told apart from a short squeeze that spot buyers joined
without liquidation data by side (missing after 2025-11-14); the label says what the four inputs
show, nothing more.

Spot and leverage evidence for a rally (claim G1; rules set on 2026-12-03, post hoc)
------------------------------------------------------------------------------------
- spot demand: :func:`spot_net_buy` (Binance spot taker flow) and :func:`flow_sum` (US spot-ETF net
  flow over the window's US sessions);
- leverage: :func:`position_change` of open interest counted in positions (coin for linear contracts,
  USD face for inverse ones) and :func:`funding_shift`, the window's funding against its own
  trailing baseline with an interval calibrated on the same change over the previous year;
- the comparable windows of the history, for the rules' input spaces: :func:`rally_windows_spot`,
  :func:`rally_windows_leverage`.

K33-style regime
----------------
K33 (mid-November 2025) flagged weeks when open interest rose with rising funding while price fell.
:func:`k33_signals` marks UTC day t when, over the 7 days to t: the price fell (close_t / close_t-7
< 1), open interest (counted in positions) rose by more than ``oi_min`` (default 0), and the 7-day
mean annualised funding (days t-6..t) exceeded the previous 7-day mean (days t-13..t-7).
:func:`decluster` keeps the first day of each run (a new episode needs ``gap`` days without a
signal); :func:`forward_returns` gives the close-to-close return over the next 7 and 30 days.

>>> round(annualise_rate(0.0001, 8), 4)
0.1095
>>> classify(0.07, -0.03, 0.04, 0.02)
'spot-led rally'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from mktlib import charts
from mktlib.errors import DataError
from mktlib.timeutil import utc

__all__ = [
    "key_dates",
    "NEUTRAL_LABEL",
    "RALLY_DAYS",
    "STUDY_WINDOW",
    "basis_by_month",
    "basis_chart",
    "binance_7d_daily",
    "cme_basis_usd",
    "coinglass_oiw",
    "history_chart",
    "history_percentiles",
    "k33_grid",
    "key_date_means",
    "neutral_line",
    "per_8h_axis",
    "rally_days_chart",
    "venue_daily",
    "venues_chart",
    "window_mean",
    "NEUTRAL_ANNUAL",
    "NEUTRAL_RATE_8H",
    "REGIMES",
    "WindowInputs",
    "annualise",
    "annualise_rate",
    "classify",
    "classify_phases",
    "classify_window",
    "cme_basis",
    "cme_front_expiry",
    "cme_last_trade_date",
    "daily_funding",
    "decluster",
    "expanding_percentile",
    "flow_sum",
    "forward_returns",
    "funding_changes",
    "funding_shift",
    "k33_signals",
    "k33_summary",
    "last_per_day",
    "load_inputs",
    "mean_annualised",
    "oi_sources",
    "oi_weighted",
    "position_change",
    "rally_windows_leverage",
    "rally_windows_spot",
    "okx_basis_daily",
    "perp_premium_split",
    "usdt_usd_daily",
    "usdt_usd_from_closes",
    "okx_settlements",
    "rolling_funding",
    "shifted_windows",
    "spot_net_buy",
    "spread_summary",
    "usd_to_coin",
    "venue_panel",
    "window_inputs",
]

NEUTRAL_RATE_8H = 0.0001  # Binance interest leg, 0.01% per 8h
DAYS_PER_YEAR = 365
NEUTRAL_ANNUAL = 0.1095  # = NEUTRAL_RATE_8H x 3 x 365 (written out: no float residue)
REGIMES = (
    "spot-led rally",
    "short-covering rally",
    "leverage-led rally",
    "deleveraging selloff",
    "leveraged selloff",
    "mixed/unclassified",
)
BAND = 0.02


# --------------------------------------------------------------------------------------- checks
def _name(obj, name: str | None) -> str:
    if name:
        return name
    ds = getattr(obj, "attrs", {}).get("dataset")
    if ds:
        return str(ds)
    n = getattr(obj, "name", None)
    return str(n) if n is not None else "funding series"


def _check_index(obj: pd.Series | pd.DataFrame, name: str, *, unique: bool = True) -> None:
    idx = obj.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise DataError(name, "index is not a DatetimeIndex")
    if idx.tz is None:
        raise DataError(name, "index has no time zone (expected tz-aware UTC)")
    if str(idx.tz) != "UTC":
        raise DataError(name, f"index time zone is {idx.tz}, expected UTC")
    if not idx.is_monotonic_increasing:
        raise DataError(name, "index is not sorted")
    if unique and idx.has_duplicates:
        raise DataError(name, f"duplicate timestamps, first {idx[idx.duplicated()][0]}")


_utc = utc  # mktlib.timeutil: naive arguments are read as UTC


def _day(t) -> pd.Timestamp:
    return _utc(t).normalize()


# ------------------------------------------------------------------------------- annualisation
def annualise_rate(rate: float, interval_hours: float) -> float:
    """Simple annualised funding of one rate per ``interval_hours``: rate x 24/interval x 365.

    >>> round(annualise_rate(0.0000125, 1), 4)
    0.1095
    """
    if interval_hours is None or not np.isfinite(interval_hours) or interval_hours <= 0:
        raise ValueError(f"interval_hours must be a positive number, got {interval_hours!r}")
    return float(rate) * (24.0 / float(interval_hours)) * DAYS_PER_YEAR


def _rate_and_interval(funding, interval_hours, name) -> tuple[pd.Series, pd.Series, str]:
    name = _name(funding, name)
    if isinstance(funding, pd.DataFrame):
        if "funding_rate" not in funding.columns:
            raise DataError(name, "missing column funding_rate")
        rate = funding["funding_rate"]
        if interval_hours is None:
            if "interval_hours" not in funding.columns:
                raise DataError(name, "missing column interval_hours (and no interval given)")
            iv = funding["interval_hours"].astype(float)
        else:
            iv = pd.Series(float(interval_hours), index=funding.index)
    elif isinstance(funding, pd.Series):
        rate = funding
        if interval_hours is None:
            raise DataError(name, "a bare rate series needs interval_hours")
        iv = (
            interval_hours.reindex(rate.index).astype(float)
            if isinstance(interval_hours, pd.Series)
            else pd.Series(float(interval_hours), index=rate.index)
        )
    else:
        raise TypeError(f"{name}: expected a DataFrame or Series, got {type(funding).__name__}")
    _check_index(
        rate,
        name,
        unique=isinstance(funding, pd.Series) or "coin" not in funding.columns and "symbol" not in funding.columns,
    )
    bad = iv.isna() | ~np.isfinite(iv.fillna(0.0)) | (iv <= 0)
    if bad.any():
        raise DataError(
            name,
            f"interval_hours missing, zero, negative or NaN in {int(bad.sum())} "
            f"record(s), first at {iv.index[bad.to_numpy()][0]}",
        )
    if rate.isna().any():
        raise DataError(
            name,
            f"funding_rate is NaN in {int(rate.isna().sum())} record(s), "
            f"first at {rate.index[rate.isna().to_numpy()][0]}",
        )
    return rate.astype(float), iv, name


def annualise(
    funding: pd.DataFrame | pd.Series, interval_hours: float | pd.Series | None = None, *, name: str | None = None
) -> pd.Series:
    """Annualised funding per record (a fraction a year), from each record's own interval.

    ``funding``: a DataFrame with ``funding_rate`` (fraction per interval) and ``interval_hours``
    columns (as :func:`mktlib.data.load` returns them), or a rate Series plus ``interval_hours``
    (scalar or per-record Series). Bad intervals or NaN rates raise DataError naming the series.

    >>> idx = pd.date_range("2026-01-01", periods=2, freq="8h", tz="UTC")
    >>> f = pd.DataFrame({"funding_rate": [0.0001, 0.00005], "interval_hours": [8.0, 8.0]}, index=idx)
    >>> annualise(f).round(5).tolist()
    [0.1095, 0.05475]
    """
    rate, iv, name = _rate_and_interval(funding, interval_hours, name)
    out = rate * (24.0 / iv) * DAYS_PER_YEAR
    return out.rename("funding_ann")


def _ann_and_weight(funding, name):
    if isinstance(funding, pd.DataFrame):
        for key in ("coin", "symbol"):
            if key in funding.columns and funding[key].nunique() > 1:
                raise DataError(_name(funding, name), f"several {key}s in one series: select one first")
    rate, iv, name = _rate_and_interval(funding, None, name)
    return rate * (24.0 / iv) * DAYS_PER_YEAR, iv, name


def mean_annualised(funding: pd.DataFrame, start=None, end=None, *, name: str | None = None) -> float:
    """Time-weighted mean annualised funding over the settlements with ``start <= t <= end`` (UTC).

    >>> idx = pd.date_range("2026-01-01", periods=3, freq="8h", tz="UTC")
    >>> f = pd.DataFrame({"funding_rate": [0.0001, 0.0, 0.00005], "interval_hours": 8.0}, index=idx)
    >>> round(mean_annualised(f, "2026-01-01 00:00", "2026-01-01 08:00"), 5)
    0.05475
    """
    ann, iv, name = _ann_and_weight(funding, name)
    sel = pd.Series(True, index=ann.index)
    if start is not None:
        sel &= ann.index >= _utc(start)
    if end is not None:
        sel &= ann.index <= _utc(end)
    if not sel.any():
        raise DataError(name, f"no settlements between {start} and {end}")
    a, w = ann[sel], iv[sel]
    return float((a * w).sum() / w.sum())


def daily_funding(funding: pd.DataFrame, *, name: str | None = None, complete: bool = True) -> pd.Series:
    """Time-weighted mean annualised funding per UTC day (settlement-time day), a Series named
    ``funding_ann`` indexed by the day (00:00 UTC). With ``complete`` a day counts only when its
    settlements' intervals add up to 24 hours (other days are dropped, not filled)."""
    ann, iv, name = _ann_and_weight(funding, name)
    day = ann.index.normalize()
    df = pd.DataFrame({"aw": ann * iv, "w": iv}, index=ann.index)
    g = df.groupby(day).sum()
    out = (g["aw"] / g["w"]).rename("funding_ann")
    if complete:
        out = out[np.isclose(g["w"], 24.0)]
    out.index = pd.DatetimeIndex(out.index, name="timestamp")
    return out


def rolling_funding(funding: pd.DataFrame, window: str = "7D", *, name: str | None = None) -> pd.Series:
    """Trailing time-weighted mean of annualised funding over ``(t - window, t]`` at each settlement.

    The first ``window`` of the series is dropped (incomplete windows are not reported).
    """
    ann, iv, name = _ann_and_weight(funding, name)
    aw = (ann * iv).rolling(window).sum()
    w = iv.rolling(window).sum()
    out = (aw / w).rename(f"funding_ann_{window}")
    return out[out.index >= out.index[0] + pd.Timedelta(window)]


def expanding_percentile(x: pd.Series, *, min_periods: int = 1) -> pd.Series:
    """Percentile rank of each value among all values up to and including it (no look-ahead):
    the share of observations ``<= x_t`` so far, in (0, 1]. NaN are skipped.

    >>> expanding_percentile(pd.Series([3.0, 1.0, 2.0, 5.0])).tolist()
    [1.0, 0.5, 0.6666666666666666, 1.0]
    """
    import bisect

    v = x.dropna()
    seen: list[float] = []
    out = np.empty(len(v))
    for i, val in enumerate(v.to_numpy(dtype=float)):
        bisect.insort(seen, val)
        out[i] = bisect.bisect_right(seen, val) / len(seen)
    res = pd.Series(out, index=v.index, name="percentile")
    res[np.arange(len(res)) < min_periods - 1] = np.nan
    return res.reindex(x.index)


# ------------------------------------------------------------------------------------- venues
def okx_settlements(okx: pd.DataFrame, *, name: str = "btc_okx_swap_1h") -> pd.DataFrame:
    """One row per OKX 8h settlement from hourly snapshots of the current-period rate.

    Settlement T (00/08/16 UTC) takes the last snapshot labelled in [T - 8h, T - 1h]. Returns
    ``funding_rate`` (fraction per 8h), ``interval_hours``, ``snapshot`` (label of the snapshot
    used) and ``n_snapshots`` (how many fell in the period), indexed by T.

    >>> idx = pd.DatetimeIndex(["2026-01-01 14:00", "2026-01-01 15:00", "2026-01-01 16:00"], tz="UTC")
    >>> snap = pd.DataFrame({"funding_rate": [1e-4, 2e-4, 3e-4], "interval_hours": 8.0}, index=idx)
    >>> s = okx_settlements(snap)
    >>> [t.strftime("%d %H:%M") for t in s.index], s["funding_rate"].tolist(), s["n_snapshots"].tolist()
    (['01 16:00', '02 00:00'], [0.0002, 0.0003], [2, 1])
    """
    rate, iv, name = _rate_and_interval(okx, None, name)
    if not np.allclose(iv, 8.0):
        raise DataError(name, "okx_settlements expects 8h intervals on every snapshot")
    settle = (rate.index + pd.Timedelta(hours=1)).ceil("8h")
    df = pd.DataFrame({"funding_rate": rate.to_numpy(), "snapshot": rate.index, "settle": settle})
    g = df.groupby("settle")
    out = g.last()
    out["n_snapshots"] = g.size()
    out["interval_hours"] = 8.0
    out.index = pd.DatetimeIndex(out.index, name="timestamp")
    out.attrs = {"dataset": f"{name} (settlements)"}
    return out[["funding_rate", "interval_hours", "snapshot", "n_snapshots"]]


def venue_panel(series: Mapping[str, pd.DataFrame], *, complete: bool = True) -> pd.DataFrame:
    """Daily annualised funding per venue (columns = the mapping's keys), outer-joined on UTC day."""
    cols = {k: daily_funding(v, name=k, complete=complete) for k, v in series.items()}
    return pd.concat(cols, axis=1, sort=True)


def spread_summary(panel: pd.DataFrame, base: str) -> pd.DataFrame:
    """Per venue: daily annualised spread to ``base`` (venue - base) over the days both have.

    Columns: ``first``, ``last``, ``days``, ``mean``, ``median``, ``std``, ``mean_abs`` (all in
    annualised fractions; 0.01 = 1 percentage point a year).
    """
    if base not in panel.columns:
        raise ValueError(f"base venue {base!r} not in panel columns {list(panel.columns)}")
    rows = {}
    for c in panel.columns:
        if c == base:
            continue
        s = (panel[c] - panel[base]).dropna()
        if s.empty:
            continue
        rows[c] = {
            "first": s.index[0].date(),
            "last": s.index[-1].date(),
            "days": len(s),
            "mean": s.mean(),
            "median": s.median(),
            "std": s.std(),
            "mean_abs": s.abs().mean(),
        }
    return pd.DataFrame(rows).T


def oi_weighted(funding: pd.DataFrame, oi: pd.DataFrame, *, name: str = "oi_weighted") -> pd.DataFrame:
    """Open-interest-weighted funding across venues at each timestamp.

    ``funding`` and ``oi``: wide frames (time x venue) on the same index, funding annualised, OI in
    a common unit (USD or coin). Only venues with both values at a time enter that time's weights.
    Returns ``funding_ann`` and ``venues`` (the count) and ``oi_covered`` (sum of OI used).

    >>> idx = pd.DatetimeIndex(["2025-11-10"], tz="UTC")
    >>> f = pd.DataFrame({"A": [0.10], "B": [0.02]}, index=idx)
    >>> w = pd.DataFrame({"A": [3.0], "B": [1.0]}, index=idx)
    >>> round(float(oi_weighted(f, w)["funding_ann"].iloc[0]), 3)
    0.08
    """
    common = [c for c in funding.columns if c in oi.columns]
    if not common:
        raise DataError(name, "funding and OI have no venue in common")
    f = funding[common]
    w = oi[common].reindex(f.index)
    if (w < 0).any().any():
        raise DataError(name, "negative open interest")
    ok = f.notna() & w.notna()
    ww = w.where(ok, 0.0)
    tot = ww.sum(axis=1)
    out = pd.DataFrame(
        {
            "funding_ann": (f.where(ok, 0.0) * ww).sum(axis=1) / tot.where(tot > 0),
            "venues": ok.sum(axis=1),
            "oi_covered": tot,
        },
        index=f.index,
    )
    return out


# -------------------------------------------------------------------------------- coin OI
def last_per_day(x: pd.Series) -> pd.Series:
    """The last reading of each UTC day (label = the day, 00:00 UTC)."""
    _check_index(x, _name(x, None))
    v = x.dropna()
    return v.groupby(v.index.normalize()).last()


def usd_to_coin(oi_usd: pd.Series, price: pd.Series, *, name: str = "open interest") -> pd.Series:
    """Coin-denominated OI = USD OI / price, matched on exactly the same timestamps (no filling).

    Raises if a timestamp of ``oi_usd`` has no price.
    """
    p = price.reindex(oi_usd.index)
    if p.isna().any():
        raise DataError(
            name, f"no price for {int(p.isna().sum())} OI timestamp(s), first {p.index[p.isna().to_numpy()][0]}"
        )
    return (oi_usd / p).rename("oi_coin")


# ---------------------------------------------------------------------------------- K33 regime
def k33_signals(
    close: pd.Series, oi: pd.Series, funding_daily: pd.Series, *, lookback: int = 7, oi_min: float = 0.0
) -> pd.DataFrame:
    """Daily K33-style "OI up, funding up, price down" flags (definition in the module docstring).

    All inputs are daily on UTC-day labels; ``oi`` in a unit that counts positions (coins for linear
    contracts, contracts or USD face value for inverse ones: :func:`oi_sources`). Only days on which
    all inputs and their lookback values exist are returned. Columns: ``ret``, ``oi_chg``,
    ``fund_now``, ``fund_prev``, ``signal``.
    """
    for s, n in ((close, "close"), (oi, "oi"), (funding_daily, "funding")):
        _check_index(s, n)
    days = pd.date_range(
        max(close.index[0], oi.index[0], funding_daily.index[0]),
        min(close.index[-1], oi.index[-1], funding_daily.index[-1]),
        freq="D",
    )
    c = close.reindex(days)
    o = oi.reindex(days)
    f = funding_daily.reindex(days)
    fund_now = f.rolling(lookback, min_periods=lookback).mean()
    df = pd.DataFrame(
        {
            "ret": c / c.shift(lookback) - 1,
            "oi_chg": o / o.shift(lookback) - 1,
            "fund_now": fund_now,
            "fund_prev": fund_now.shift(lookback),
        },
        index=days,
    )
    df = df.dropna()
    df["signal"] = (df["ret"] < 0) & (df["oi_chg"] > oi_min) & (df["fund_now"] > df["fund_prev"])
    df.index.name = "timestamp"
    return df


def decluster(signal: pd.Series, gap: int = 7) -> pd.DatetimeIndex:
    """First day of each run of True: a signal starts a new episode when no signal fell in the
    previous ``gap`` days.

    >>> idx = pd.date_range("2025-01-01", periods=12, freq="D", tz="UTC")
    >>> s = pd.Series([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0], index=idx).astype(bool)
    >>> [d.day for d in decluster(s, gap=7)]
    [1, 11]
    """
    days = signal.index[signal.to_numpy(dtype=bool)]
    out, last = [], None
    for d in days:
        if last is None or (d - last) > pd.Timedelta(days=gap):
            out.append(d)
        last = d
    return pd.DatetimeIndex(out, name="timestamp")


def forward_returns(close: pd.Series, dates: Iterable, horizons: Iterable[int] = (7, 30)) -> pd.DataFrame:
    """Close-to-close return from each date's close to the close ``h`` calendar days later
    (NaN when the later close is beyond the data). Columns ``fwd_<h>d``."""
    _check_index(close, _name(close, "close"))
    dates = pd.DatetimeIndex(list(dates))
    out = {}
    for h in horizons:
        c0 = close.reindex(dates).to_numpy()
        c1 = close.reindex(dates + pd.Timedelta(days=h)).to_numpy()
        out[f"fwd_{h}d"] = c1 / c0 - 1
    return pd.DataFrame(out, index=dates)


def k33_summary(
    close: pd.Series, signals: pd.DataFrame, *, gap: int = 7, horizons: Iterable[int] = (7, 30)
) -> pd.DataFrame:
    """Forward returns after K33 episodes against all days of the same sample.

    Rows ``episodes`` (declustered signal days) and ``all days``; columns per horizon: ``n``,
    ``mean``, ``median``, ``share_down``.
    """
    ep = decluster(signals["signal"], gap=gap)
    rows = {}
    for label, dates in (("episodes", ep), ("all days", signals.index)):
        fr = forward_returns(close, dates, horizons)
        r = {}
        for h in horizons:
            v = fr[f"fwd_{h}d"].dropna()
            r[(f"{h}d", "n")] = len(v)
            r[(f"{h}d", "mean")] = v.mean() if len(v) else np.nan
            r[(f"{h}d", "median")] = v.median() if len(v) else np.nan
            r[(f"{h}d", "share_down")] = (v < 0).mean() if len(v) else np.nan
        rows[label] = r
    out = pd.DataFrame(rows).T
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


# ---------------------------------------------------------------------------------------- CME
@cache
def _business_days() -> pd.DatetimeIndex:
    from mktlib.calendars import sessions

    return sessions("XLON").intersection(sessions("XNYS"))


def cme_last_trade_date(year: int, month: int) -> pd.Timestamp:
    """Last trading day of the CME bitcoin futures contract for ``year``-``month`` (naive date).

    The last Friday of the month; if that is not both a London and a U.S. business day (XLON and
    XNYS sessions), the preceding day that is.

    >>> cme_last_trade_date(2018, 3).date()      # Good Friday 30 Mar 2018 -> Thursday
    datetime.date(2018, 3, 29)
    >>> cme_last_trade_date(2025, 12).date()     # 26 Dec 2025 is a London holiday (Boxing Day)
    datetime.date(2025, 12, 24)
    """
    last = pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)
    d = last - pd.Timedelta(days=(last.weekday() - 4) % 7)
    bdays = _business_days()
    if d < bdays[0] or d > bdays[-1]:
        raise ValueError(f"{year}-{month:02d}: outside the calendars' range {bdays[0].date()}..{bdays[-1].date()}")
    while d not in bdays:
        d -= pd.Timedelta(days=1)
    return d


def cme_front_expiry(dates) -> pd.Series:
    """For each session date, the last trading day of the front contract: the first contract month
    whose last trading day is on or after the date (on its last trading day the expiring contract is
    still the front month: the snapshot's futures close there is its final settlement, within 0.02%
    of spot on 26 Sep 2025). Naive dates, indexed like ``dates``.

    >>> [d.date().isoformat() for d in cme_front_expiry(["2025-12-24", "2025-12-26"])]
    ['2025-12-24', '2026-01-30']
    """
    idx = pd.DatetimeIndex(dates)
    naive = idx.tz_convert("UTC").tz_localize(None) if idx.tz is not None else idx
    out = []
    for d in naive.normalize():
        y, m = d.year, d.month
        ltd = cme_last_trade_date(y, m)
        if ltd < d:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            ltd = cme_last_trade_date(y, m)
        out.append(ltd)
    return pd.Series(pd.DatetimeIndex(out), index=idx, name="last_trade_date")


def cme_basis(
    cme: pd.DataFrame,
    spot_1h: pd.DataFrame,
    *,
    min_days: float = 7.0,
    settle_local: str = "15:00",
    usdt_usd: pd.Series | None = None,
) -> pd.DataFrame:
    """CME front-month basis against spot sampled at CME's daily settlement, annualised by days to
    the front contract's last trading day.

    ``cme``: ``futures_close`` per session date (``btc_cme_basis_1d``; NaN days are skipped).
    ``spot_1h``: hourly bars (index = bar open, UTC) with ``close``; the spot is the close of the
    bar ending at ``settle_local`` Chicago time on the session date (15:00 CT = 20:00 UTC in CDT,
    21:00 UTC in CST). ``tau`` = days from that instant to 16:00 London time on the last trading
    day. Columns: ``futures``, ``spot``, ``settle_utc``, ``expiry``, ``tau``, ``basis`` (F/S - 1),
    ``basis_ann`` (basis x 365 / tau); rows with tau < ``min_days`` or no spot bar are dropped.

    ``usdt_usd`` (optional): the dollar price of one USDT per UTC day (:func:`usdt_usd_daily`; the
    value of the settlement's UTC day is used). ``spot`` is then read as a USDT price and the frame
    also has ``usdt_usd``, ``spot_usd`` (= spot x usdt_usd), ``basis_usd``, ``basis_ann_usd`` (the
    basis against a dollar spot) and ``usdt_bias_ann`` (= basis_ann - basis_ann_usd, the part of the
    USDT-referenced basis that is the USDT premium). Days without a USDT/USD value keep NaN there.
    """
    name = _name(cme, "cme")
    if "futures_close" not in cme.columns:
        raise DataError(name, "missing column futures_close")
    _check_index(cme, name)
    _check_index(spot_1h, _name(spot_1h, "spot_1h"))
    f = cme["futures_close"].dropna()
    hh, mm = (int(x) for x in settle_local.split(":"))
    local = f.index.tz_localize(None).normalize() + pd.Timedelta(hours=hh, minutes=mm)
    settle = pd.DatetimeIndex(local).tz_localize("America/Chicago").tz_convert("UTC")
    spot = spot_1h["close"].reindex(settle - pd.Timedelta(hours=1)).to_numpy()
    expiry = cme_front_expiry(f.index)
    exp_utc = (
        (pd.DatetimeIndex(expiry.to_numpy()) + pd.Timedelta(hours=16)).tz_localize("Europe/London").tz_convert("UTC")
    )
    tau = (exp_utc - settle) / pd.Timedelta(days=1)
    out = pd.DataFrame(
        {
            "futures": f.to_numpy(),
            "spot": spot,
            "settle_utc": settle,
            "expiry": expiry.to_numpy(),
            "tau": np.asarray(tau, dtype=float),
        },
        index=f.index,
    )
    out["basis"] = out["futures"] / out["spot"] - 1
    out["basis_ann"] = out["basis"] * DAYS_PER_YEAR / out["tau"]
    if usdt_usd is not None:
        _check_index(usdt_usd, _name(usdt_usd, "usdt_usd"))
        u = usdt_usd.reindex(settle.normalize()).to_numpy(dtype=float)
        out["usdt_usd"] = u
        out["spot_usd"] = out["spot"] * u
        out["basis_usd"] = out["futures"] / out["spot_usd"] - 1
        out["basis_ann_usd"] = out["basis_usd"] * DAYS_PER_YEAR / out["tau"]
        out["usdt_bias_ann"] = out["basis_ann"] - out["basis_ann_usd"]
    return out[(out["tau"] >= min_days) & out["spot"].notna()]


def usdt_usd_from_closes(usd_close: pd.Series, usdt_close: pd.Series, *, name: str = "usdt_usd") -> pd.Series:
    """The dollar price of one USDT from two BTC prices taken at the same instants: a BTC-USD price
    divided by a BTC-USDT price (S_usdt = S_usd / u). Only labels present in both are kept.

    >>> t = pd.DatetimeIndex(["2026-01-05"], tz="UTC")
    >>> float(usdt_usd_from_closes(pd.Series([99_900.0], t), pd.Series([100_000.0], t)).iloc[0])
    0.999
    """
    _check_index(usd_close, _name(usd_close, "usd_close"))
    _check_index(usdt_close, _name(usdt_close, "usdt_close"))
    both = pd.concat([usd_close.rename("usd"), usdt_close.rename("usdt")], axis=1, sort=True).dropna()
    if (both <= 0).any().any():
        raise DataError(name, "non-positive price")
    return (both["usd"] / both["usdt"]).rename(name)


def usdt_usd_daily(source: str = "yahoo") -> pd.Series:
    """Dollar price of one USDT per UTC day, at the day's end (label = the day), from the snapshot.

    - ``yahoo`` (primary): Yahoo BTC-USD close at the UTC day end (``btc_cme_basis_1d`` spot_close,
      the CME file's own dollar spot) / Binance spot BTCUSDT daily close (same instant), 2017 on;
    - ``coingecko``: CoinGecko's USDT (``tether``) price at the next day's 00:00 UTC, relabelled to
      the day it closes (December 2024 on).
    """
    from mktlib import data

    if source == "yahoo":
        cme = data.load("btc_cme_basis_1d")
        spot = data.load("btc_spot_1d_fullcols")
        return usdt_usd_from_closes(cme["spot_close"], spot["close"], name="usdt_usd (Yahoo/Binance)")
    if source == "coingecko":
        cg = data.load("coingecko_top50_1d")
        t = cg.loc[cg["coin"] == "tether", "price"].astype(float)
        t.index = t.index - pd.Timedelta(days=1)
        return t.rename("usdt_usd (CoinGecko)")
    raise ValueError(f"source must be 'yahoo' or 'coingecko', got {source!r}")


def perp_premium_split(basis_vs_usdt: pd.Series, usdt_usd: pd.Series) -> pd.DataFrame:
    """Split a dollar-quoted perp's premium over USDT spot into the perp's own premium over a dollar
    spot and the USDT/USD premium: 1 + basis = u x (1 + p) (module docstring). Daily series on the
    same UTC-day labels; days missing in either are dropped. Columns ``vs_usdt`` (the input),
    ``usdt_premium`` (u - 1) and ``perp_premium_usd`` (p).

    >>> t = pd.DatetimeIndex(["2026-01-05"], tz="UTC")
    >>> out = perp_premium_split(pd.Series([-0.0005], t), pd.Series([0.999], t))
    >>> round(float(out["perp_premium_usd"].iloc[0]), 6), round(float(out["usdt_premium"].iloc[0]), 6)
    (0.000501, -0.001)
    """
    both = pd.concat([basis_vs_usdt.rename("vs_usdt"), usdt_usd.rename("u")], axis=1, sort=True).dropna()
    out = pd.DataFrame(
        {
            "vs_usdt": both["vs_usdt"],
            "usdt_premium": both["u"] - 1,
            "perp_premium_usd": (1 + both["vs_usdt"]) / both["u"] - 1,
        },
        index=both.index,
    )
    return out


def okx_basis_daily(okx: pd.DataFrame) -> pd.Series:
    """Daily mean of the OKX perp basis (swap / spot - 1, a fraction; not annualised), UTC days."""
    name = _name(okx, "btc_okx_swap_1h")
    if "basis_pct" not in okx.columns:
        raise DataError(name, "missing column basis_pct")
    _check_index(okx, name)
    b = okx["basis_pct"].dropna() / 100.0
    return b.groupby(b.index.normalize()).mean().rename("okx_basis")


# ----------------------------------------------------------------------------- classifier
def spot_net_buy(spot_daily: pd.DataFrame, start, end) -> float:
    """(taker-buy - taker-sell) / volume of base volume summed over UTC days ``start..end``.

    >>> idx = pd.date_range("2026-01-01", periods=2, freq="D", tz="UTC")
    >>> d = pd.DataFrame({"volume": [10.0, 30.0], "taker_buy_base": [6.0, 15.0]}, index=idx)
    >>> round(spot_net_buy(d, "2026-01-01", "2026-01-02"), 3)   # (21 - 19) / 40
    0.05
    """
    name = _name(spot_daily, "spot")
    for c in ("volume", "taker_buy_base"):
        if c not in spot_daily.columns:
            raise DataError(name, f"missing column {c}")
    days = pd.date_range(_day(start), _day(end), freq="D")
    sub = spot_daily.reindex(days)[["volume", "taker_buy_base"]]
    if sub.isna().any().any():
        raise DataError(name, f"missing daily bars in {days[0].date()}..{days[-1].date()}")
    vol, buy = sub["volume"].sum(), sub["taker_buy_base"].sum()
    return float((2 * buy - vol) / vol)


@dataclass(frozen=True)
class WindowInputs:
    """The four classifier inputs of a window of UTC days [start, end] (see the module docstring)."""

    start: pd.Timestamp
    end: pd.Timestamp
    price_return: float
    oi_change: float
    funding_ann: float
    spot_net_buy: float

    def classify(self, **kw) -> str:
        return classify(self.price_return, self.oi_change, self.funding_ann, self.spot_net_buy, **kw)


def window_inputs(start, end, *, spot_daily: pd.DataFrame, oi: pd.Series, funding: pd.DataFrame) -> WindowInputs:
    """Measure the classifier inputs over UTC days ``start..end`` (inclusive).

    ``oi``: open-interest readings (any frequency; the last reading of each UTC day is used) in a
    unit that measures positions: coin amount for linear (USDT-margined) contracts, contracts or
    USD face value for inverse ones (see :func:`oi_sources`).
    """
    d1, d2 = _day(start), _day(end)
    if d2 < d1:
        raise ValueError(f"window end {d2.date()} before start {d1.date()}")
    prev = d1 - pd.Timedelta(days=1)
    close = spot_daily["close"]
    for d in (prev, d2):
        if d not in close.index or pd.isna(close.loc[d]):
            raise DataError(_name(spot_daily, "spot"), f"no daily close on {d.date()}")
    ret = float(close.loc[d2] / close.loc[prev] - 1)
    oi_day = last_per_day(oi)
    for d in (prev, d2):
        if d not in oi_day.index:
            raise DataError(_name(oi, "oi"), f"no OI reading on {d.date()}")
    oi_chg = float(oi_day.loc[d2] / oi_day.loc[prev] - 1)
    fund = mean_annualised(funding, d1, d2 + pd.Timedelta(hours=16))
    snb = spot_net_buy(spot_daily, d1, d2)
    return WindowInputs(d1, d2, ret, oi_chg, fund, snb)


def classify(
    price_return: float,
    oi_change: float,
    funding_ann: float,
    spot_net_buy: float,
    *,
    price_band: float = BAND,
    oi_band: float = BAND,
    neutral: float = NEUTRAL_ANNUAL,
) -> str:
    """The regime label of one window from its four inputs (rules in the module docstring).

    >>> classify(0.07, 0.05, 0.20, -0.01)
    'leverage-led rally'
    >>> classify(-0.10, -0.08, 0.02, -0.03)
    'deleveraging selloff'
    """
    vals = (price_return, oi_change, funding_ann, spot_net_buy)
    if any(v is None or not np.isfinite(v) for v in vals):
        raise ValueError(f"classify needs four finite inputs, got {vals}")
    up, down = price_return > price_band, price_return < -price_band
    oi_up, oi_down = oi_change > oi_band, oi_change < -oi_band
    hot = funding_ann > neutral + 1e-12  # a window of exactly 0.01%/8h annualises to 0.1095 + 1e-17
    if up:
        if not oi_up and not hot and spot_net_buy > 0:
            return "spot-led rally"
        if oi_down and spot_net_buy <= 0:
            return "short-covering rally"
        if oi_up and hot:
            return "leverage-led rally"
    if down:
        if oi_down:
            return "deleveraging selloff"
        if oi_up:
            return "leveraged selloff"
    return "mixed/unclassified"


def classify_window(start, end, **inputs) -> tuple[str, WindowInputs]:
    """``(label, WindowInputs)`` for UTC days ``start..end``; ``inputs`` as :func:`window_inputs`."""
    w = window_inputs(start, end, **inputs)
    return w.classify(), w


def shifted_windows(start, end, *, shift: int = 2, **inputs) -> pd.DataFrame:
    """The classification of every window with start and end each moved by -shift..+shift days.

    Columns: ``start``, ``end``, the four inputs and ``regime``; one row per (ds, de).
    """
    rows = []
    for ds in range(-shift, shift + 1):
        for de in range(-shift, shift + 1):
            s = _day(start) + pd.Timedelta(days=ds)
            e = _day(end) + pd.Timedelta(days=de)
            if e < s:
                continue
            w = window_inputs(s, e, **inputs)
            rows.append(
                {
                    "shift_start": ds,
                    "shift_end": de,
                    "start": s.date(),
                    "end": e.date(),
                    "price_return": w.price_return,
                    "oi_change": w.oi_change,
                    "funding_ann": w.funding_ann,
                    "spot_net_buy": w.spot_net_buy,
                    "regime": w.classify(),
                }
            )
    return pd.DataFrame(rows)


def classify_phases(phases: Mapping[str, tuple], **inputs) -> pd.DataFrame:
    """One row per named window ``name -> (start, end)``: the four inputs and the regime label.
    Windows whose data are missing get NaN inputs and the label ``"no data"`` (with the reason)."""
    rows = []
    for name, (s, e) in phases.items():
        try:
            w = window_inputs(s, e, **inputs)
            rows.append(
                {
                    "phase": name,
                    "start": w.start.date(),
                    "end": w.end.date(),
                    "price_return": w.price_return,
                    "oi_change": w.oi_change,
                    "funding_ann": w.funding_ann,
                    "spot_net_buy": w.spot_net_buy,
                    "regime": w.classify(),
                    "note": "",
                }
            )
        except DataError as exc:
            rows.append(
                {
                    "phase": name,
                    "start": _day(s).date(),
                    "end": _day(e).date(),
                    "price_return": np.nan,
                    "oi_change": np.nan,
                    "funding_ann": np.nan,
                    "spot_net_buy": np.nan,
                    "regime": "no data",
                    "note": str(exc),
                }
            )
    return pd.DataFrame(rows).set_index("phase")


# ------------------------------------------------------------ spot and leverage evidence (G1)
def position_change(oi_daily: pd.Series, start, end) -> float:
    """Change in open interest counted in positions from the last reading of the day before
    ``start`` to the last reading of ``end`` (UTC-day labels, as :func:`last_per_day` gives them).

    >>> t = pd.date_range("2025-12-31", periods=3, freq="D", tz="UTC")
    >>> round(position_change(pd.Series([100.0, 90.0, 103.0], t), "2026-01-01", "2026-01-02"), 4)
    0.03
    """
    d1, d2 = _day(start), _day(end)
    prev = d1 - pd.Timedelta(days=1)
    for d in (prev, d2):
        if d not in oi_daily.index or pd.isna(oi_daily.loc[d]):
            raise DataError(_name(oi_daily, "oi"), f"no OI reading on {d.date()}")
    return float(oi_daily.loc[d2] / oi_daily.loc[prev] - 1)


def flow_sum(flows: pd.Series, start, end) -> tuple[float, int]:
    """(sum, number of US trading days) of daily ETF net flows labelled in [start, end] (UTC days,
    inclusive). A window without a US session gives (nan, 0); a window outside the flows' coverage
    raises DataError.

    >>> f = pd.Series([-348.1, 471.3, 697.2],
    ...               index=pd.DatetimeIndex(["2025-12-31", "2026-01-02", "2026-01-05"], tz="UTC"))
    >>> flow_sum(f, "2026-01-01", "2026-01-05")
    (1168.5, 2)
    >>> flow_sum(f, "2026-01-03", "2026-01-04")
    (nan, 0)
    """
    d1, d2 = _day(start), _day(end)
    if d1 < flows.index[0].normalize() or d2 > flows.index[-1].normalize():
        raise DataError(
            _name(flows, "etf flows"),
            f"window {d1.date()}..{d2.date()} outside the flows' "
            f"coverage {flows.index[0].date()}..{flows.index[-1].date()}",
        )
    sel = flows.loc[d1:d2].dropna()
    return (float(sel.sum()) if len(sel) else float("nan")), int(len(sel))


def funding_changes(daily: pd.Series, length: int, baseline_days: int) -> pd.Series:
    """For each UTC day t: mean daily funding over the ``length`` days ending on t minus the mean over
    the ``baseline_days`` days before them (on a complete daily grid; days with gaps are dropped).

    >>> t = pd.date_range("2026-01-01", periods=4, freq="D", tz="UTC")
    >>> funding_changes(pd.Series([0.02, 0.04, 0.06, 0.10], t), 1, 2).round(4).tolist()
    [0.03, 0.05]
    """
    full = daily.reindex(pd.date_range(daily.index[0], daily.index[-1], freq="D"))
    m = full.rolling(int(length)).mean()
    base = full.shift(int(length)).rolling(int(baseline_days)).mean()
    return (m - base).dropna().rename("funding_change")


def funding_shift(
    funding: pd.DataFrame, start, end, *, baseline_days: int = 30, level: float = 0.90, history_days: int = 365
) -> dict:
    """Did funding rise in a window? The mean annualised funding over the UTC days ``start..end``
    (settlements 00:00 of the first to 16:00 of the last) minus the mean over the ``baseline_days``
    days before, with an interval for the rise built from the spread of the same change over the
    ``history_days`` days before the window.

    Interval. The measured change is the true shift in funding plus noise; the noise is taken to have
    the distribution of the changes of equally long windows against equally long baselines that
    ended in the ``history_days`` before ``start`` (overlapping windows; :func:`funding_changes`).
    With q_lo, q_hi its (1 - level) / 2 and (1 + level) / 2 quantiles, the interval for the shift is
    [change - q_hi, change - q_lo]. It keeps funding's long memory (8-hourly settlements stay
    autocorrelated for days, which makes kernel (HAC) standard errors of a 15-settlement mean too
    small: 65-80% coverage for a nominal 90% in simulations), and it is conservative when the history
    itself holds shifts. Only complete UTC days (settlements adding up to 24 hours) are used. Keys
    ``diff``, ``low``, ``high``, ``window_mean``, ``baseline_mean``, ``q_low``, ``q_high``, ``n_days``,
    ``n_history``.
    """
    daily = daily_funding(funding)
    d1, d2 = _day(start), _day(end)
    n_days = int((d2 - d1) / pd.Timedelta(days=1)) + 1
    if n_days < 1:
        raise ValueError(f"window end {d2.date()} before start {d1.date()}")
    win = daily.reindex(pd.date_range(d1, d2, freq="D"))
    base = daily.reindex(pd.date_range(d1 - pd.Timedelta(days=baseline_days), d1 - pd.Timedelta(days=1), freq="D"))
    name = _name(funding, None)
    if win.isna().any() or base.isna().any():
        raise DataError(
            name, f"incomplete funding days in {d1.date()}..{d2.date()} or its {baseline_days}-day baseline"
        )
    ch = funding_changes(daily, n_days, baseline_days)
    hist = ch[(ch.index < d1) & (ch.index >= d1 - pd.Timedelta(days=history_days))]
    if len(hist) < history_days // 2:
        raise DataError(name, f"only {len(hist)} comparable changes in the {history_days} days before {d1.date()}")
    a = (1 - level) / 2
    q_lo, q_hi = float(hist.quantile(a)), float(hist.quantile(1 - a))
    diff = float(win.mean() - base.mean())
    return {
        "diff": diff,
        "low": diff - q_hi,
        "high": diff - q_lo,
        "window_mean": float(win.mean()),
        "baseline_mean": float(base.mean()),
        "q_low": q_lo,
        "q_high": q_hi,
        "n_days": n_days,
        "n_history": int(len(hist)),
    }


def rally_windows_spot(
    spot_daily: pd.DataFrame, flows: pd.Series, *, length: int = 5, price_band: float = BAND
) -> pd.DataFrame:
    """Every window of ``length`` UTC days inside the ETF flows' coverage in which BTC rose by more
    than ``price_band``: ``start``, ``end``, ``price_return``, ``spot_net_buy`` (Binance taker flow,
    :func:`spot_net_buy`) and ``etf_flow`` (US spot-ETF net flow over the window's US sessions,
    US$ m). The comparable windows of claim G1's "spot-led" reading."""
    days = spot_daily.index
    close, vol, buy = spot_daily["close"], spot_daily["volume"], spot_daily["taker_buy_base"]
    full = pd.date_range(max(days[0], flows.index[0].normalize()), min(days[-1], flows.index[-1].normalize()), freq="D")
    c = close.reindex(full)
    v = vol.reindex(full).rolling(length).sum()
    tb = buy.reindex(full).rolling(length).sum()
    f = flows.reindex(full)
    n = f.notna().astype(int).rolling(length).sum()
    fs = f.fillna(0.0).rolling(length).sum().where(n > 0)
    out = pd.DataFrame(
        {
            "start": full - pd.Timedelta(days=length - 1),
            "end": full,
            "price_return": c / c.shift(length) - 1,
            "spot_net_buy": (2 * tb - v) / v,
            "etf_flow": fs,
        },
        index=full,
    )
    out = out.dropna(subset=["price_return", "spot_net_buy"])
    return out[out["price_return"] > price_band].reset_index(drop=True)


def rally_windows_leverage(
    spot_daily: pd.DataFrame,
    oi_daily: Mapping[str, pd.Series],
    funding: pd.DataFrame,
    *,
    length: int = 5,
    price_band: float = BAND,
    baseline_days: int = 30,
    level: float = 0.90,
    history_days: int = 365,
) -> pd.DataFrame:
    """Every window of ``length`` UTC days in which BTC rose by more than ``price_band`` and an
    open-interest series counted in positions covers both ends: per source, ``source``, ``start``,
    ``end``, ``price_return``, ``oi_change`` (:func:`position_change`) and the funding shift against
    the ``baseline_days`` before the window with its interval (``funding_diff``, ``funding_low``,
    ``funding_high``; the same numbers as :func:`funding_shift`, vectorised; ``funding_baseline``, the
    baseline's mean annualised funding). The comparable windows
    of claim G1's "not leverage-led" reading."""
    daily = daily_funding(funding)
    grid = pd.date_range(daily.index[0], daily.index[-1], freq="D")
    ch = funding_changes(daily, length, baseline_days).reindex(grid)
    base = daily.reindex(grid).shift(int(length)).rolling(int(baseline_days)).mean()
    a = (1 - level) / 2
    roll = ch.rolling(history_days, min_periods=history_days // 2)
    q_lo, q_hi = roll.quantile(a).shift(length), roll.quantile(1 - a).shift(length)
    close = spot_daily["close"]
    ret = close / close.shift(length, freq="D").reindex(close.index) - 1
    out = []
    for src, oi in oi_daily.items():
        oi = oi.dropna()
        chg = oi / oi.shift(length, freq="D").reindex(oi.index) - 1
        df = pd.DataFrame(
            {"price_return": ret.reindex(oi.index), "oi_change": chg, "funding_diff": ch.reindex(oi.index)}
        )
        df["funding_low"] = df["funding_diff"] - q_hi.reindex(oi.index)
        df["funding_high"] = df["funding_diff"] - q_lo.reindex(oi.index)
        df["funding_baseline"] = base.reindex(oi.index)
        df = df.dropna()
        df = df[df["price_return"] > price_band]
        df.insert(0, "end", df.index)
        df.insert(0, "start", df.index - pd.Timedelta(days=length - 1))
        df.insert(0, "source", src)
        out.append(df)
    return pd.concat(out).reset_index(drop=True)


# ------------------------------------------------------------------------------------- loaders
def oi_sources() -> dict[str, pd.Series]:
    """End-of-day BTC perpetual open interest per source (UTC day labels), from the snapshot.

    Units matter. A linear (USDT-margined) contract is sized in coins, so its coin OI counts
    positions and its USD OI moves with price. An *inverse* contract (OKX BTC-USD-SWAP, Binance
    COIN-M BTCUSD_PERP) is sized in USD (100 USD a contract), so its contract count (or USD face
    value) counts positions and its coin equivalent, contracts x 100 / price, moves *against* price:
    a 7% rally cuts the coin OI of unchanged positions by 6.5%.

    - ``OKX inverse, coin``: OKX BTC-USD-SWAP ``oi_coin`` (last hourly snapshot of each day),
      2025-03 to 2026-01-21: the claims registry's G3 measure;
    - ``OKX inverse, contracts``: the same snapshots' ``oi_contracts`` (positions);
    - ``Binance COIN-M inverse, USD face (Coinalyze)``: BTCUSD_PERP daily close in USD, i.e. the
      contracts' face value (positions), 2021-09-15 to 2025-10-26, the longest OI history here;
    - ``All venues, coin-equivalent (CoinGlass)``: aggregate USD OI (close of the 4h bar opened
      20:00 UTC) / Binance spot 4h close of the same bar, 2025-05-18 to 2025-11-13 (full days; mostly
      linear contracts, so close to positions; the inverse share moves against price).
    """
    from mktlib import data

    spot_4h = data.load("btc_spot_4h_fullcols")["close"]
    okx = data.load("btc_okx_swap_1h")
    ca = data.load("oi_coinalyze_1d")
    ca = ca.loc[ca["symbol"] == "BTCUSD_PERP.A", "close"]
    agg = data.load("coinglass_oi_agg_btc_4h")["close"]
    agg = agg[agg.index < agg.index[-1]]  # drop the partial last bar
    agg_coin = last_per_day(usd_to_coin(agg, spot_4h, name="coinglass_oi_agg_btc_4h"))
    agg_coin = agg_coin[agg_coin.index + pd.Timedelta(hours=20) <= agg.index[-1]]  # full days only
    out = {
        "OKX inverse, coin": last_per_day(okx["oi_coin"]),
        "OKX inverse, contracts": last_per_day(okx["oi_contracts"]),
        "Binance COIN-M inverse, USD face (Coinalyze)": ca.copy(),
        "All venues, coin-equivalent (CoinGlass)": agg_coin,
    }
    for k, v in out.items():
        v.attrs = {"dataset": k}
        v.name = "oi"
        v.index.name = "timestamp"
    return out


def load_inputs(oi_column: str = "oi_coin") -> dict[str, pd.DataFrame | pd.Series]:
    """The classifier's default inputs from the snapshot: ``spot_daily`` (Binance spot BTCUSDT daily
    bars with taker volumes), ``oi`` (OKX BTC-USD-SWAP hourly snapshots, column ``oi_column``:
    ``oi_coin`` as the registry's G1/G3, or ``oi_contracts``, the inverse swap's positions) and
    ``funding`` (Binance BTCUSDT settled funding)."""
    from mktlib import data

    if oi_column not in ("oi_coin", "oi_contracts"):
        raise ValueError(f"oi_column must be oi_coin or oi_contracts, got {oi_column!r}")
    oi = data.load("btc_okx_swap_1h")[oi_column].dropna()
    oi.attrs = {"dataset": f"btc_okx_swap_1h {oi_column}"}
    return {"spot_daily": data.load("btc_spot_1d_fullcols"), "oi": oi, "funding": data.load("btc_funding_binance_8h")}


# ----------------------------------------------------------------------- the chapter's page
# The funding chapter (notebooks/03-funding) draws every chart from the functions registered below
# (mktlib.charts) and formats nothing itself; the helpers here are the computations it used to define.

#: The study window (UTC days) of the chapter's episode charts (= mktlib.plotting.STUDY_WINDOW, not imported
#: here so that the statistics do not load matplotlib).
STUDY_WINDOW = ("2025-09-01", "2026-01-31")
#: How the neutral rate is labelled on the chapter's charts.
NEUTRAL_LABEL = "neutral rate: 0.01% per 8 hours = 10.95% a year"


def key_dates() -> dict:
    """The dates the chapter marks on its time charts (label -> UTC day), for
    :func:`mktlib.plotting.mark_dates`: the episode's peak, cascade and low (found from the data,
    :func:`mktlib.keynumbers.episode_marks`) and the end of G1's registered window (the protocol)."""
    from mktlib import claims, keynumbers

    end = pd.Timestamp(claims.specifications("G1")[0]["window_end"], tz="UTC")
    return {**keynumbers.episode_marks(), f"{end.day} {end:%b}": end}


#: The window of days around the January rally that the G1 chart shows.
RALLY_DAYS = ("2025-12-27", "2026-01-10")


def window_mean(s: pd.Series, start, end) -> float:
    """Mean of the non-missing values of ``s`` labelled in the UTC days ``start`` to ``end`` (both
    inclusive, whole days); NaN when there is none.

    >>> t = pd.date_range("2026-01-01", periods=3, freq="D", tz="UTC")
    >>> window_mean(pd.Series([1.0, np.nan, 4.0], t), "2026-01-01", "2026-01-02")
    1.0
    """
    lo, hi = _day(start), _day(end) + pd.Timedelta(days=1)
    v = s[(s.index >= lo) & (s.index < hi)].dropna()
    return float(v.mean()) if len(v) else float("nan")


def key_date_means(series: Mapping[str, pd.Series], spans: Mapping[str, tuple]) -> pd.DataFrame:
    """:func:`window_mean` of each series (columns, the mapping's keys) over each span (rows: label ->
    (first UTC day, last UTC day)); NaN where a series has no value in the span."""
    rows = {lab: {k: window_mean(s, a, z) for k, s in series.items()} for lab, (a, z) in spans.items()}
    out = pd.DataFrame(rows).T
    return out[list(series)]


def neutral_line(ax, *, label: str | None = NEUTRAL_LABEL, color: str = "#7f7f7f"):
    """Draw the neutral funding rate (``NEUTRAL_ANNUAL``, annualised) as a dashed horizontal line
    on axes whose y values are annualised fractions. Returns the line."""
    return ax.axhline(NEUTRAL_ANNUAL, color=color, lw=1.2, ls="--", label=label)


def per_8h_axis(ax, *, label: str = "% per 8 hours"):
    """A secondary y axis on the right that reads annualised funding (left axis, fractions a year) as
    the rate per 8-hour settlement (annual / (3 x 365)), ticks every 0.01% per 8 hours. Returns it."""
    import matplotlib.ticker as mticker

    k = (24.0 / 8.0) * DAYS_PER_YEAR
    sec = ax.secondary_yaxis("right", functions=(lambda a: a / k, lambda r: r * k))
    sec.yaxis.set_major_locator(mticker.MultipleLocator(NEUTRAL_RATE_8H))
    sec.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{100 * v:.2f}%"))
    sec.set_ylabel(label)
    return sec


@cache
def _venue_daily() -> pd.DataFrame:
    from mktlib import data

    hl = data.load("funding_hyperliquid_1h")
    return venue_panel(
        {
            "Binance": data.load("btc_funding_binance_8h"),
            "OKX": okx_settlements(data.load("btc_okx_swap_1h")),
            "Hyperliquid": hl[hl["coin"] == "BTC"],
            "Bybit": data.load("btc_funding_bybit_8h"),
        }
    )


def venue_daily() -> pd.DataFrame:
    """Daily annualised BTC funding per venue from the snapshot (:func:`venue_panel`, complete days
    only): Binance BTCUSDT (settled), OKX BTC-USD-SWAP (estimated settlements, :func:`okx_settlements`),
    Hyperliquid BTC (settled, with holes) and Bybit BTCUSDT (2021-2023)."""
    return _venue_daily().copy()


@cache
def _coinglass_oiw() -> pd.Series:
    from mktlib import data

    cg = data.load("coinglass_funding_btc_oiw_4h")
    a = annualise(
        cg.rename(columns={"close": "funding_rate"})[["funding_rate", "interval_hours"]],
        name="coinglass_funding_btc_oiw_4h",
    )
    a.index = a.index + pd.Timedelta(hours=4)  # the bar's close is the value at the bar's end
    return a


def coinglass_oiw(daily: bool = False) -> pd.Series:
    """CoinGlass's open-interest-weighted BTC funding across venues, annualised, labelled at the end of
    each 4-hour bar (the rate CoinGlass tracked in the bar, not a settled rate). ``daily``: the mean
    per UTC day, full days before 14 November 2025 (the snapshot's end) only."""
    a = _coinglass_oiw().copy()
    if not daily:
        return a
    d = a.groupby(a.index.normalize()).mean()
    return d[d.index < pd.Timestamp("2025-11-14", tz="UTC")]


@cache
def _cme_basis_usd(source: str) -> pd.DataFrame:
    from mktlib import data

    return cme_basis(data.load("btc_cme_basis_1d"), data.load("btc_spot_1h"), usdt_usd=usdt_usd_daily(source))


def cme_basis_usd(source: str = "yahoo") -> pd.DataFrame:
    """:func:`cme_basis` of the snapshot with the USDT/USD rate of ``source`` (:func:`usdt_usd_daily`)."""
    return _cme_basis_usd(source).copy()


def binance_7d_daily() -> pd.Series:
    """Trailing 7-day time-weighted mean of annualised Binance BTCUSDT funding (:func:`rolling_funding`),
    the last value of each UTC day."""
    from mktlib import data

    r7 = rolling_funding(data.load("btc_funding_binance_8h"), "7D")
    return r7.groupby(r7.index.normalize()).last().rename("funding_ann_7d")


@cache
def _history_percentiles() -> pd.DataFrame:
    from mktlib import data

    r7 = rolling_funding(data.load("btc_funding_binance_8h"), "7D")
    pct = expanding_percentile(r7)  # each value ranked only against the past
    return pd.DataFrame({"r7": r7, "pct": pct}).groupby(r7.index.normalize()).last()


def history_percentiles() -> pd.DataFrame:
    """Per UTC day, the last trailing 7-day mean of annualised Binance BTCUSDT funding (``r7``,
    :func:`rolling_funding`) and its percentile rank among all earlier settlements' values (``pct``,
    :func:`expanding_percentile`: no look-ahead)."""
    return _history_percentiles().copy()


def k33_grid(
    close: pd.Series,
    oi: Mapping[str, pd.Series],
    funding_daily: pd.Series,
    oi_mins: Iterable[float] = (0.0, 0.05, 0.10),
) -> tuple[pd.DataFrame, dict[tuple[str, float], pd.DataFrame]]:
    """The K33 regime (:func:`k33_signals`, :func:`k33_summary`) on each open-interest source and each
    minimum OI rise. Returns (table, signals): one table row per (source, minimum) with ``source``,
    ``oi_min``, ``signal_days``, ``episodes`` (declustered, with a 30-day forward return),
    ``fwd7_mean``, ``fwd30_mean``, ``fwd30_down`` (share negative), ``all30_mean`` and ``all30_down``
    (the same after all days of the sample); and the signal frames keyed by (source, minimum)."""
    rows, sigs = [], {}
    for name, series in oi.items():
        for m in oi_mins:
            sig = k33_signals(close, series, funding_daily, oi_min=m)
            sigs[(name, m)] = sig
            s = k33_summary(close, sig)
            rows.append(
                {
                    "source": name,
                    "oi_min": m,
                    "signal_days": int(sig["signal"].sum()),
                    "episodes": int(s.loc["episodes", ("30d", "n")]),
                    "fwd7_mean": s.loc["episodes", ("7d", "mean")],
                    "fwd30_mean": s.loc["episodes", ("30d", "mean")],
                    "fwd30_down": s.loc["episodes", ("30d", "share_down")],
                    "all30_mean": s.loc["all days", ("30d", "mean")],
                    "all30_down": s.loc["all days", ("30d", "share_down")],
                }
            )
    return pd.DataFrame(rows), sigs


def basis_by_month(cb: pd.DataFrame, months: Iterable[str], cb_alt: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly medians of a :func:`cme_basis` frame computed with a USDT/USD rate: per month ("YYYY-MM")
    ``settlements``, ``usdt_usd`` (median), ``basis_usdt`` (median annualised basis against USDT spot),
    ``basis_usd`` (against dollar spot), ``basis_usd_alt`` (the same from ``cb_alt``, another rate
    source; NaN for months it does not cover) and ``usdt_effect`` (mean of ``usdt_bias_ann``)."""
    rows = {}
    for m in months:
        sub = cb.loc[m]
        alt = np.nan
        if cb_alt is not None:
            a = cb_alt[cb_alt.index.strftime("%Y-%m") == m]["basis_ann_usd"].dropna()
            alt = float(a.median()) if len(a) else np.nan
        rows[m] = {
            "settlements": len(sub),
            "usdt_usd": float(sub["usdt_usd"].median()),
            "basis_usdt": float(sub["basis_ann"].median()),
            "basis_usd": float(sub["basis_ann_usd"].median()),
            "basis_usd_alt": alt,
            "usdt_effect": float(sub["usdt_bias_ann"].mean()),
        }
    out = pd.DataFrame(rows).T
    out["settlements"] = out["settlements"].astype(int)
    return out


# -- registered chart data (mktlib.charts): exactly what each figure of the chapter plots


@charts.register(
    "funding-venues",
    sources=[
        "btc_funding_binance_8h",
        "btc_okx_swap_1h",
        "funding_hyperliquid_1h",
        "coinglass_funding_btc_oiw_4h",
    ],
    units="annualised funding rate as a decimal (0.10 = 10% a year); daily means of UTC days",
    title="BTC perpetual funding by venue, September 2025 to January 2026",
    note="neutral rate 0.01% per 8 hours = 0.1095 a year; CoinGlass's rate is the one it tracked in each bar, "
    "not a settled rate",
)
def venues_chart() -> pd.DataFrame:
    """Daily annualised funding per venue over ``STUDY_WINDOW`` (:func:`venue_daily`,
    :func:`coinglass_oiw`)."""
    lo, hi = _day(STUDY_WINDOW[0]), _day(STUDY_WINDOW[1])
    p = venue_daily().loc[lo:hi]
    cg = coinglass_oiw(daily=True).loc[lo:hi]
    out = pd.DataFrame(
        {
            "Binance BTCUSDT (settled)": p["Binance"],
            "OKX BTC-USD-SWAP (estimated settlements)": p["OKX"],
            "Hyperliquid BTC (settled)": p["Hyperliquid"],
            "CoinGlass OI-weighted (not settled)": cg.reindex(p.index),
        }
    )
    out.index.name = "day"
    return out


@charts.drawer("funding-venues")
def _draw_venues(df: pd.DataFrame):
    """Daily annualised funding per venue over the study window, the neutral rate dashed, the key dates
    marked and OKX's post-cascade low (below the axis) pointed at."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    styles = {
        "Binance BTCUSDT (settled)": {"color": plotting.PALETTE["btc"], "lw": 1.8},
        "OKX BTC-USD-SWAP (estimated settlements)": {"color": plotting.PALETTE["ndx"], "lw": 1.0},
        "Hyperliquid BTC (settled)": {"color": "#2ca02c", "lw": 1.0},
        "CoinGlass OI-weighted (not settled)": {"color": "#8c564b", "lw": 1.0, "ls": "-."},
    }
    bin_ = df["Binance BTCUSDT (settled)"]
    okx = df["OKX BTC-USD-SWAP (estimated settlements)"]
    share_below = bin_.lt(NEUTRAL_ANNUAL).astype(float).where(bin_.notna()).mean()
    ylim = (-0.12, 0.26)
    fig, ax = plt.subplots(figsize=(8, 5.0))
    fig.subplots_adjust(bottom=0.25)
    for col, st in styles.items():
        ax.plot(df.index, df[col], label=col, **st)
    neutral_line(ax)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylim(*ylim)
    plotting.percent(ax)
    ax.set_ylabel("funding, % a year (annualised)")
    per_8h_axis(ax)
    plotting.mark_dates(ax, key_dates())
    plotting.month_axis(ax)
    ax.annotate(
        f"OKX {okx.min():.0%} on {okx.idxmin():%-d %b} (below the axis)",
        xy=(okx.idxmin(), ylim[0]),
        xytext=(14, 14),
        textcoords="offset points",
        fontsize=7.5,
        arrowprops={"arrowstyle": "->", "lw": 0.7},
    )
    below = "every day" if share_below == 1 else f"{share_below:.0%} of days"
    ax.set_title(f"Binance BTC funding was below the neutral rate on {below} of the crash and rebound", pad=18)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), fontsize=7.5, ncol=2)
    plotting.source_note(
        fig,
        "Daily means of annualised rates, UTC days. Source: Binance USDT-M settled funding; OKX public API snapshots "
        "(olzhas070701/BTC-Futures-Data); Hyperliquid info API (yuchengzhang966/funding-rate-efficient-frontier); "
        "CoinGlass API snapshot of 14 Nov 2025.",
    )
    return fig


@charts.register(
    "funding-history",
    sources=["btc_funding_binance_8h"],
    units="annualised funding rate as a decimal (0.10 = 10% a year)",
    title="Binance BTCUSDT funding, trailing 7-day mean, since 2020",
    note="time-weighted mean of the 21 settlements to each day's last; neutral rate 0.1095 a year",
)
def history_chart() -> pd.DataFrame:
    """:func:`binance_7d_daily` over its whole history."""
    out = binance_7d_daily().rename("7-day mean funding, annualised").to_frame()
    out.index.name = "day"
    return out


@charts.drawer("funding-history")
def _draw_history(df: pd.DataFrame):
    """The 7-day mean of Binance funding since 2020 with the study window shaded; the title gives the
    highest percentile rank the 7-day mean reached in the window (:func:`history_percentiles`)."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    w0, w1 = STUDY_WINDOW
    pct_max = float(history_percentiles().loc[w0:w1, "pct"].max())
    s = df["7-day mean funding, annualised"]
    ylim = (-0.2, 0.8)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.plot(s.index, s, color=plotting.PALETTE["btc"], lw=0.9, label="7-day mean, Binance BTCUSDT")
    neutral_line(ax)
    ax.axhline(0, color="black", lw=0.6)
    plotting.shade_window(ax, w0, w1, label="study window")
    ax.set_ylim(*ylim)
    plotting.percent(ax)
    ax.set_ylabel("funding, % a year")
    per_8h_axis(ax)
    ax.set_title(f"In the episode, funding never ranked above the {pct_max:.0%} percentile of its past")
    ax.legend(loc="upper right", fontsize=8)
    plotting.source_note(
        fig,
        "Trailing 7-day (21-settlement) time-weighted mean, last value of each UTC day. The y axis is cut at "
        f"{ylim[0]:.0%} and {ylim[1]:.0%} a year: it clips the 2021 peaks (up to {s.max():.0%}) and the March 2020 "
        f"low ({s.min():.0%}). Source: Binance USDT-M BTCUSDT settled funding (data.binance.vision via "
        "pierre-cheneau/funding-data).",
    )
    return fig


@charts.register(
    "funding-basis",
    sources=["btc_cme_basis_1d", "btc_spot_1h", "btc_spot_1d_fullcols", "btc_funding_binance_8h"],
    units="annualised, as a decimal (0.10 = 10% a year)",
    title="CME bitcoin futures basis against a dollar spot, and Binance funding, May 2024 to April 2026",
    note="CME front month at its 15:00 Chicago settlement against Binance BTCUSDT at the same instant, in dollars "
    "with the day's USDT/USD rate (Yahoo BTC-USD / Binance BTCUSDT at the UTC day end); settlements with fewer "
    "than 7 days to expiry dropped; trailing medians over 5 settlements (at least 3)",
)
def basis_chart() -> pd.DataFrame:
    """CME annualised basis (:func:`cme_basis_usd`) per settlement and its trailing 5-settlement
    medians against dollar and USDT spot, with :func:`binance_7d_daily`, May 2024 to April 2026."""
    cb = cme_basis_usd()
    lo, hi = _day("2024-05-01"), _day("2026-04-30")
    cme = pd.DataFrame(
        {
            "CME basis vs dollar spot (one settlement)": cb["basis_ann_usd"],
            "CME basis vs dollar spot (trailing median)": cb["basis_ann_usd"].rolling(5, min_periods=3).median(),
            "CME basis vs USDT spot (trailing median)": cb["basis_ann"].rolling(5, min_periods=3).median(),
        }
    )
    cme.index = pd.DatetimeIndex(cme.index).normalize()
    r7 = binance_7d_daily().rename("Binance funding, 7-day mean")
    out = pd.concat([cme, r7], axis=1, sort=True).loc[lo:hi]
    out.index.name = "day"
    return out


@charts.drawer("funding-basis")
def _draw_basis(df: pd.DataFrame):
    """CME's annualised basis per settlement (dots) and its trailing medians against dollar and USDT
    spot, with Binance's 7-day funding; the title gives the median basis against dollar spot in the
    study window and in November 2024."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    w0, w1 = STUDY_WINDOW
    fig, ax = plt.subplots(figsize=(8, 4.0))
    one = df["CME basis vs dollar spot (one settlement)"].dropna()
    ax.plot(
        one.index,
        one,
        "o",
        ms=2.2,
        color=plotting.PALETTE["ndx"],
        alpha=0.45,
        label="CME basis vs dollar spot (one settlement)",
    )
    for col, st in {
        "CME basis vs dollar spot (trailing median)": {"color": plotting.PALETTE["ndx"], "lw": 1.5},
        "CME basis vs USDT spot (trailing median)": {"color": plotting.PALETTE["ndx"], "lw": 0.9, "ls": ":"},
        "Binance funding, 7-day mean": {"color": plotting.PALETTE["btc"], "lw": 1.0},
    }.items():
        x = df[col].dropna()
        ax.plot(x.index, x, label=col, **st)
    neutral_line(ax, label=f"neutral funding rate, {NEUTRAL_ANNUAL:.2%} a year")
    ax.axhline(0, color="black", lw=0.6)
    plotting.shade_window(ax, w0, w1, label=None)
    ylim = (-0.15, 0.35)
    ax.set_ylim(*ylim)
    plotting.percent(ax)
    ax.set_ylabel("% a year (annualised)")
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 4, 7, 10]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    med_window, med_nov24 = one.loc[w0:w1].median(), one.loc["2024-11"].median()
    ax.set_title(f"CME basis: median {med_window:.0%} a year in the study window (shaded), {med_nov24:.0%} in Nov 2024")
    ax.legend(loc="upper right", fontsize=7, ncol=2)
    plotting.source_note(
        fig,
        "CME front month (Yahoo BTC=F, kittycapital/btc_cme_basis) at its 15:00 Chicago settlement against Binance "
        "BTCUSDT at the same instant, in dollars with the day's USDT/USD rate; settlements under 7 days from expiry "
        f"dropped; y axis cut at {ylim[0]:.0%} and {ylim[1]:.0%}. Binance funding: USDT-M settled rates.",
    )
    return fig


@charts.register(
    "funding-rally-days",
    sources=["btc_spot_1d_fullcols", "etf_flows_by_fund", "etf_flows_farside", "btc_okx_swap_1h"],
    units="share of volume (spot net taker buy); US$ millions (ETF net flow); US$ billions face value (OKX positions)",
    title="Spot buying, US spot-ETF flows and OKX positions around the January 2026 rally",
    note="ETF flow blank on days without a US session; OKX positions = contracts x 100 USD, last reading of the day",
)
def rally_days_chart() -> pd.DataFrame:
    """Per UTC day of ``RALLY_DAYS``: Binance spot BTCUSDT net taker buy ((taker buy - taker sell) /
    volume), the book's US spot-ETF net flow (NYSE sessions) and OKX BTC-USD-SWAP open interest in
    positions (USD face), the three series behind claim G1."""
    from mktlib import data
    from mktlib.verdicts import funding as vf

    days = pd.date_range(RALLY_DAYS[0], RALLY_DAYS[1], freq="D", tz="UTC")
    sp = data.load("btc_spot_1d_fullcols").reindex(days)
    out = pd.DataFrame(
        {
            "Binance spot net taker buy": (2 * sp["taker_buy_base"] - sp["volume"]) / sp["volume"],
            "US spot-ETF net flow (US$ m)": vf.etf_flows().reindex(days),
            "OKX positions (US$ bn face)": vf.okx_positions_daily().reindex(days) / 1e9,
        },
        index=days,
    )
    out.index.name = "day"
    return out


@charts.drawer("funding-rally-days")
def _draw_rally_days(df: pd.DataFrame):
    """Three panels over ``RALLY_DAYS``: Binance spot net taker buy and US spot-ETF net flow (bars, green
    when positive, red when negative) and OKX positions (line), the window 1-5 January shaded."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    flow = df["Binance spot net taker buy"]
    etf = df["US spot-ETF net flow (US$ m)"].dropna()
    pos = df["OKX positions (US$ bn face)"]
    green, red = plotting.VERDICT_COLORS["supported"], plotting.VERDICT_COLORS["contradicted"]
    fig, axes = plt.subplots(3, 1, figsize=(8, 5.2), sharex=True)
    axes[0].bar(flow.index, flow, color=np.where(flow > 0, green, red), width=0.8)
    axes[0].set_ylabel("Binance spot\nnet taker buy")
    plotting.percent(axes[0])
    axes[1].bar(etf.index, etf, color=np.where(etf > 0, green, red), width=0.8)
    axes[1].set_ylabel("US spot ETFs,\nnet flow, $m")
    axes[2].plot(pos.index, pos, "o-", color=plotting.PALETTE["ndx"], ms=3)
    axes[2].set_ylabel("OKX positions,\n$bn face value")
    axes[2].set_ylim(0, None)
    for ax in axes:
        ax.axhline(0, color="black", lw=0.6)
        plotting.shade_window(ax, "2025-12-31 12:00", "2026-01-05 12:00", label=None, color="#999999", alpha=0.18)
    axes[2].set_xticks(df.index[::2])
    axes[2].xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    axes[0].set_title("Spot and ETF buying on 1-5 January (shaded), selling after; OKX positions flat")
    plotting.source_note(
        fig,
        "Binance spot BTCUSDT daily bars (taker volumes); US spot-bitcoin ETF flows (the book's reconciled series; "
        "no bar: no US session); OKX public API snapshots (contracts x 100 USD, last reading of the UTC day).",
    )
    return fig
