"""Perpetual-swap funding rates: Binance USDT-M, Hyperliquid, Bybit (2021-2023 supplement), CoinGlass OHLC.

Conventions of every frame built here:

- ``funding_rate`` (and the CoinGlass ``open/high/low/close``) is a FRACTION per funding interval
  (0.0001 = 0.01 % per interval) and ``interval_hours`` is the length of that interval, per row.
- Settlement records (Binance, Hyperliquid, Bybit) are indexed by the SETTLEMENT time in UTC, i.e. the
  end of the interval the rate applies to. Exchanges stamp a settlement a few milliseconds (Binance:
  at most 47 ms in the snapshot) or seconds (Hyperliquid: at most 1 min 51 s) after the hour; the
  stamp is FLOORED to the hour. A stamp further after the hour than the parser's ``max_lag`` raises
  (it would not be a settlement stamp), and so does a settlement hour that is off the interval grid
  (e.g. 05:00 for an 8h rate).
- CoinGlass OHLC bars are indexed by bar OPEN time (UTC) like every other bar in the catalog.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import (
    check_order,
    check_same_times,
    epoch_to_utc,
    frame,
    naive_to_utc,
    offset_to_utc,
    register,
    require_columns,
    to_float,
)
from mktlib.errors import DataError

OHLC = ["open", "high", "low", "close"]


# --- shared helpers (also used by coinglass.py / derivs.py) --------------------------------------


def settlement_hours(values: pd.Series, where: str, column: str, *, max_lag: str) -> pd.DatetimeIndex:
    """Epoch-ms settlement stamps -> the settlement hour in UTC (floored), strict about the lag.

    A stamp more than ``max_lag`` (a pandas Timedelta string such as ``"1s"``) after the full hour
    raises: the file would then not hold settlement stamps.
    """
    idx = epoch_to_utc(values, where, column, unit="ms")
    floored = idx.floor("h")
    lag = idx - floored
    bad = np.asarray(lag > pd.Timedelta(max_lag))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            where,
            f"column {column!r}: {values.iloc[i]!r} ({idx[i]}) is {lag[i]} after the hour; "
            f"a settlement stamp lies at most {max_lag} after it (data row {i + 1})",
        )
    return floored


def check_grid(idx: pd.DatetimeIndex, hours: np.ndarray, where: str) -> None:
    """Each settlement hour must be a multiple of its interval (8h: 00/08/16 UTC; 4h: 00/04/...)."""
    off = (idx.hour.to_numpy() % hours) != 0
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise DataError(where, f"settlement {idx[i]} is off the {int(hours[i])}h grid (data row {i + 1})")


def check_continuous(idx: pd.DatetimeIndex, hours: float, where: str) -> None:
    """Consecutive settlements exactly ``hours`` apart: a missing settlement raises."""
    step = np.diff(idx.asi8)
    unit = pd.Timedelta(hours=hours) // pd.Timedelta(1, unit=idx.unit)
    bad = step != unit
    if bad.any():
        i = int(np.flatnonzero(bad)[0]) + 1
        raise DataError(
            where,
            f"settlement {idx[i]} follows {idx[i - 1]}: expected one every {hours:g}h (missing or extra settlement)",
        )


def sort_long(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Long frames: order rows by (timestamp, keys) as the validator requires (stable)."""
    out = df.reset_index().sort_values(["timestamp", *keys], kind="stable").set_index("timestamp")
    return out


def _interval_hours(raw: pd.Series, where: str, allowed: tuple[int, ...]) -> np.ndarray:
    hours = to_float(raw, where, "funding_interval_hours").to_numpy()
    bad = ~np.isin(hours, allowed)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            where,
            f"column 'funding_interval_hours' has {raw.iloc[i]!r} at data row {i + 1}; expected one of {list(allowed)}",
        )
    return hours


# --- Binance USDT-M fundingRate flat files ------------------------------------------------------


@register("binance_um_funding")
def binance_um_funding(path: Path, where: str, interval_hours: int = 8, max_lag: str = "1s") -> pd.DataFrame:
    """One symbol: ``calc_time,funding_interval_hours,last_funding_rate`` (data.binance.vision).

    ``calc_time`` = epoch ms (UTC) of the settlement, a few ms after the hour; floored to the hour
    (see module docstring). ``last_funding_rate`` is already a fraction per interval and is kept as
    is. Every row must carry ``interval_hours`` and settlements must be exactly that far apart (the
    BTC/ETH files have no gaps): a missing settlement raises.

    Output: funding_rate (fraction per interval), interval_hours (hours).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["calc_time", "funding_interval_hours", "last_funding_rate"], where)
    idx = settlement_hours(raw["calc_time"], where, "calc_time", max_lag=max_lag)
    hours = _interval_hours(raw["funding_interval_hours"], where, (interval_hours,))
    check_order(idx, where)
    check_grid(idx, hours, where)
    check_continuous(idx, interval_hours, where)
    return frame(
        idx, {"funding_rate": to_float(raw["last_funding_rate"], where, "last_funding_rate"), "interval_hours": hours}
    )


@register("binance_um_funding_long")
def binance_um_funding_long(path: Path, where: str, max_lag: str = "1s") -> pd.DataFrame:
    """All symbols, long: ``symbol,calc_time,funding_interval_hours,last_funding_rate``.

    Same conventions as :func:`binance_um_funding`; the interval is read per row (8, 4, 2 or 1 h;
    Binance moved some altcoins to shorter intervals) and each settlement hour must lie on its own
    row's grid. Delisted symbols simply stop, so no continuity check here.

    Output (keys: symbol): symbol, funding_rate (fraction per interval), interval_hours (hours).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["symbol", "calc_time", "funding_interval_hours", "last_funding_rate"], where)
    idx = settlement_hours(raw["calc_time"], where, "calc_time", max_lag=max_lag)
    hours = _interval_hours(raw["funding_interval_hours"], where, (1, 2, 4, 8))
    symbol = raw["symbol"].str.strip()
    if (symbol == "").any():
        raise DataError(where, f"blank symbol at data row {int(np.flatnonzero((symbol == '').to_numpy())[0]) + 1}")
    check_order(idx, where, groups=symbol)
    check_grid(idx, hours, where)
    out = frame(
        idx,
        {
            "symbol": symbol,
            "funding_rate": to_float(raw["last_funding_rate"], where, "last_funding_rate"),
            "interval_hours": hours,
        },
    )
    return sort_long(out, ["symbol"])


# --- Hyperliquid ----------------------------------------------------------------------------------


@register("hyperliquid_funding")
def hyperliquid_funding(path: Path, where: str, max_lag: str = "5min") -> pd.DataFrame:
    """``coin,time_ms,time_utc,funding_rate,premium`` (fundingHistory of api.hyperliquid.xyz).

    Hyperliquid settles every hour; ``time_ms`` (epoch ms, UTC) sits up to ~2 min after the hour and
    is floored to it (stamps more than ``max_lag`` after the hour raise). ``time_utc`` was added by the
    snapshot from ``time_ms``: the two must agree to the millisecond. ``funding_rate`` is a fraction
    per 1 h (multiply by 8 to compare with 8h venues); ``premium`` is Hyperliquid's premium-index
    component (mark vs oracle), a fraction. Gaps (a ~9-day hole about every 30 days, one missing
    hour in Aug 2024) are real and are NOT filled.

    Output (keys: coin): coin, funding_rate (fraction per interval), interval_hours (1), premium (fraction).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["coin", "time_ms", "time_utc", "funding_rate", "premium"], where)
    exact = epoch_to_utc(raw["time_ms"], where, "time_ms", unit="ms")
    stated = offset_to_utc(raw["time_utc"], where, "time_utc", expect_offset="Z")
    check_same_times(
        exact, stated, where, a_col="time_ms", a_raw=raw["time_ms"], b_col="time_utc", b_raw=raw["time_utc"]
    )
    idx = settlement_hours(raw["time_ms"], where, "time_ms", max_lag=max_lag)
    coin = raw["coin"].str.strip()
    check_order(idx, where, groups=coin)
    out = frame(
        idx,
        {
            "coin": coin,
            "funding_rate": to_float(raw["funding_rate"], where, "funding_rate"),
            "interval_hours": np.ones(len(raw)),
            "premium": to_float(raw["premium"], where, "premium"),
        },
    )
    return sort_long(out, ["coin"])


# --- Bybit supplement (supervik/historical-funding-rates-fetcher) --------------------------------


@register("bybit_funding_local")
def bybit_funding_local(path: Path, where: str, tz: str = "Etc/GMT-3", interval_hours: int = 8) -> pd.DataFrame:
    """``Symbol,Date,Funding Rate`` with ``Date`` a NAIVE local time in ``tz``.

    SOURCES.md: the fetcher wrote local time UTC+3 (the 00:00 UTC settlement appears as 03:00). The
    default ``Etc/GMT-3`` is the fixed offset UTC+3 (POSIX sign convention), so the conversion does
    not depend on any zone's DST history: 2021-01-01 03:00 local -> 2021-01-01 00:00 UTC. After the
    conversion every settlement must be on the 8h grid (00/08/16 UTC) and exactly 8h apart; a wrong
    offset or a missing settlement raises. ``Funding Rate`` is a fraction per 8h.

    Output: funding_rate (fraction per interval), interval_hours (8).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["Symbol", "Date", "Funding Rate"], where)
    idx = naive_to_utc(raw["Date"], where, "Date", tz=tz, fmt="%Y-%m-%d %H:%M:%S")
    if (idx.minute != 0).any() or (idx.second != 0).any():
        raise DataError(where, "column 'Date': settlement times must be on the full hour")
    hours = np.full(len(raw), float(interval_hours))
    check_order(idx, where)
    check_grid(idx, hours, where)
    check_continuous(idx, interval_hours, where)
    if raw["Symbol"].nunique() != 1:
        raise DataError(where, f"expected one symbol, found {sorted(raw['Symbol'].unique())}")
    return frame(idx, {"funding_rate": to_float(raw["Funding Rate"], where, "Funding Rate"), "interval_hours": hours})


# --- CoinGlass funding-rate OHLC ------------------------------------------------------------------


@register("coinglass_funding_ohlc")
def coinglass_funding_ohlc(path: Path, where: str, interval_hours: int, step: str) -> pd.DataFrame:
    """``time,open,high,low,close``: CoinGlass funding-rate OHLC in PERCENT (0.01 = 0.01 %).

    ``time`` = bar open, epoch ms UTC; bars must be exactly ``step`` apart (8h per venue, 4h for the
    OI-/volume-weighted series). Values are divided by 100 to give a FRACTION per funding interval;
    ``interval_hours`` (catalog option) is the interval the venue quotes per. The OHLC is of the rate
    CoinGlass tracks during the bar, NOT the settled rate (see the catalog caveats).

    Output: open, high, low, close (fraction per interval), interval_hours (hours).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["time", *OHLC], where)
    idx = epoch_to_utc(raw["time"], where, "time", unit="ms")
    check_order(idx, where)
    check_bar_step(idx, step, where)
    cols = {c: to_float(raw[c], where, c) / 100.0 for c in OHLC}
    cols["interval_hours"] = np.full(len(raw), float(interval_hours))
    return frame(idx, cols)


def check_bar_step(idx: pd.DatetimeIndex, step: str, where: str) -> None:
    """Bars exactly ``step`` apart and aligned to it (a gap or a shifted bar raises)."""
    td = pd.Timedelta(step)
    misaligned = (idx.asi8 % (td // pd.Timedelta(1, unit=idx.unit))) != 0
    if misaligned.any():
        i = int(np.flatnonzero(misaligned)[0])
        raise DataError(where, f"bar time {idx[i]} is not on the {step} grid (data row {i + 1})")
    gaps = np.diff(idx.asi8) != td // pd.Timedelta(1, unit=idx.unit)
    if gaps.any():
        i = int(np.flatnonzero(gaps)[0]) + 1
        raise DataError(where, f"bar {idx[i]} follows {idx[i - 1]}: expected one bar every {step}")
