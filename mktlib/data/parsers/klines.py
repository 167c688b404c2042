"""Exchange kline (OHLCV bar) files: Binance and similar, in their several upstream layouts.

Every parser returns bars indexed by bar OPEN time in UTC. Binance layouts that carry a
``close_time`` are checked bar by bar: ``close_time`` must equal ``open_time + bar - 1 ms``. The only
accepted exception is a bar that Binance cut short during an exchange halt (its ``close_time`` falls
inside the bar); such bars must be listed one by one in the ``short_bars`` option (open times,
``"YYYY-MM-DD HH:MM"`` UTC), so an unexpected short bar, or a listed bar that is in fact full length
or absent, raises.
"""

from __future__ import annotations

from collections.abc import Sequence
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
OHLCV = ["open", "high", "low", "close", "volume"]


@register("kline_naive")
def kline_naive(path: Path, where: str, time_column: str = "timestamp", tz: str = "UTC") -> pd.DataFrame:
    """``timestamp,open,high,low,close,volume`` with naive bar-open times in ``tz`` (UTC by default).

    Output: index = bar open time (UTC); open/high/low/close in quote currency; volume in base units.
    """
    raw = read_csv(path, where)
    require_columns(raw, [time_column, *OHLCV], where)
    idx = naive_to_utc(raw[time_column], where, time_column, tz=tz)
    check_order(idx, where)
    return frame(idx, {c: to_float(raw[c], where, c) for c in OHLCV})


# --- local helpers ------------------------------------------------------------------------------


def _to_count(values: pd.Series, where: str, column: str) -> np.ndarray:
    """Strict conversion of a whole-number column (trade counts) to int64."""
    num = to_float(values, where, column)
    frac = num.to_numpy() != np.floor(num.to_numpy())
    if frac.any():
        row = int(np.flatnonzero(frac)[0])
        raise DataError(where, f"column {column!r} has a non-integer count {values.iloc[row]!r} at data row {row + 1}")
    return num.to_numpy().astype("int64")


def _check_close_time(
    open_idx: pd.DatetimeIndex, close_idx: pd.DatetimeIndex, where: str, bar: str, short_bars: Sequence[str] = ()
) -> None:
    """Raise unless ``close = open + bar - 1 ms`` on every bar except the listed ``short_bars``.

    A listed short bar must be present, and its close time must lie inside the bar and before
    the regular close (Binance's record of a bar cut short by a trading halt).
    """
    step = pd.Timedelta(bar)
    expected = open_idx + step - pd.Timedelta(milliseconds=1)
    off = np.asarray(close_idx != expected)
    listed = pd.DatetimeIndex(pd.to_datetime(list(short_bars), format="%Y-%m-%d %H:%M")).tz_localize("UTC")
    is_listed = np.asarray(open_idx.isin(listed))
    absent = listed.difference(open_idx[is_listed])
    if len(absent):
        raise DataError(where, f"short_bars lists {absent[0]}, which is not a bar of the file")
    unexpected = off & ~is_listed
    if unexpected.any():
        i = int(np.flatnonzero(unexpected)[0])
        raise DataError(
            where,
            f"close_time {close_idx[i]} != open_time + {bar} - 1 ms for the bar opening "
            f"{open_idx[i]} ({int(unexpected.sum())} such bar(s))",
        )
    full = is_listed & ~off
    if full.any():
        i = int(np.flatnonzero(full)[0])
        raise DataError(where, f"bar opening {open_idx[i]} is listed in short_bars but is full length")
    inside = (close_idx >= open_idx) & (close_idx < expected)
    bad = is_listed & ~np.asarray(inside)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(where, f"short bar opening {open_idx[i]} has close_time {close_idx[i]} outside the bar")


def _check_same_time(epoch_idx: pd.DatetimeIndex, text: pd.Series, where: str, epoch_col: str, text_col: str) -> None:
    """Raise unless the naive UTC text column renders exactly the epoch column."""
    check_same_times(
        epoch_idx,
        naive_to_utc(text, where, text_col),
        where,
        a_col=epoch_col,
        a_raw=pd.Series(epoch_idx.astype(str)),
        b_col=text_col,
        b_raw=text,
    )


# --- Binance layouts ------------------------------------------------------------------------------


@register("kline_binance_epoch")
def kline_binance_epoch(
    path: Path,
    where: str,
    bar: str,
    taker_columns: Sequence[str] = ("taker_buy_base", "taker_buy_quote"),
    datetime_column: str | None = None,
    short_bars: Sequence[str] = (),
) -> pd.DataFrame:
    """Binance full kline columns with epoch-millisecond ``open_time``/``close_time`` (UTC).

    Input: ``open_time,[datetime,]open,high,low,close,volume,close_time,quote_volume,trades,
    <taker base>,<taker quote>[,ignore]``. The taker columns are named by ``taker_columns``
    (``taker_base,taker_quote`` in RonaldLu66's files, ``taker_buy_base,taker_buy_quote`` in
    zhuxice-ctrl's). With ``datetime_column`` the file also has the open time as naive UTC text,
    which must agree with ``open_time`` on every row. ``close_time`` is checked (module docstring,
    ``bar`` e.g. ``"1D"``, ``"4h"``) and then dropped, as are ``datetime`` and ``ignore``.

    Output: index = bar open time (UTC); open/high/low/close, quote_volume, taker_buy_quote in
    quote currency; volume, taker_buy_base in base units; trades (int, number of trades).
    """
    raw = read_csv(path, where)
    taker_base, taker_quote = taker_columns
    cols = ["open_time", *OHLCV, "close_time", "quote_volume", "trades", taker_base, taker_quote]
    require_columns(raw, cols + ([datetime_column] if datetime_column else []), where)
    idx = epoch_to_utc(raw["open_time"], where, "open_time", unit="ms")
    check_order(idx, where)
    if datetime_column:
        _check_same_time(idx, raw[datetime_column], where, "open_time", datetime_column)
    close = epoch_to_utc(raw["close_time"], where, "close_time", unit="ms")
    _check_close_time(idx, close, where, bar, short_bars)
    out = {c: to_float(raw[c], where, c) for c in [*OHLCV, "quote_volume"]}
    out["trades"] = _to_count(raw["trades"], where, "trades")
    out["taker_buy_base"] = to_float(raw[taker_base], where, taker_base)
    out["taker_buy_quote"] = to_float(raw[taker_quote], where, taker_quote)
    return frame(idx, out)


@register("kline_binance_iso")
def kline_binance_iso(path: Path, where: str, bar: str, short_bars: Sequence[str] = ()) -> pd.DataFrame:
    """Binance klines with ISO ``open_time``/``close_time`` text carrying ``+00:00``.

    Input: ``open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades``
    (e.g. ``2018-04-17 00:00:00+00:00`` and ``2018-04-17 23:59:59.999000+00:00``). Any offset other
    than ``+00:00`` raises. ``close_time`` is checked (module docstring; ``bar`` e.g. ``"1D"``,
    ``"4h"``, ``"7D"``) and dropped.

    Output: index = bar open time (UTC); open/high/low/close, quote_volume in quote currency;
    volume in base units; trades (int).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["open_time", *OHLCV, "close_time", "quote_asset_volume", "number_of_trades"], where)
    idx = offset_to_utc(raw["open_time"], where, "open_time", expect_offset="+00:00")
    check_order(idx, where)
    close = offset_to_utc(raw["close_time"], where, "close_time", expect_offset="+00:00")
    _check_close_time(idx, close, where, bar, short_bars)
    out = {c: to_float(raw[c], where, c) for c in OHLCV}
    out["quote_volume"] = to_float(raw["quote_asset_volume"], where, "quote_asset_volume")
    out["trades"] = _to_count(raw["number_of_trades"], where, "number_of_trades")
    return frame(idx, out)


@register("kline_epoch_datetime")
def kline_epoch_datetime(path: Path, where: str) -> pd.DataFrame:
    """``timestamp,datetime,open,high,low,close,volume``: epoch-ms bar open plus the same as naive UTC text.

    The two time columns must agree on every row (else DataError); ``datetime`` is then dropped.
    Output: index = bar open time (UTC); OHLC in quote currency; volume in base units.
    """
    raw = read_csv(path, where)
    require_columns(raw, ["timestamp", "datetime", *OHLCV], where)
    idx = epoch_to_utc(raw["timestamp"], where, "timestamp", unit="ms")
    check_order(idx, where)
    _check_same_time(idx, raw["datetime"], where, "timestamp", "datetime")
    return frame(idx, {c: to_float(raw[c], where, c) for c in OHLCV})


MARK_ZERO_COLUMNS = ["volume", "quote_volume", "taker_buy_volume", "taker_buy_quote_volume"]


@register("kline_mark_price")
def kline_mark_price(path: Path, where: str, bar: str) -> pd.DataFrame:
    """Binance mark-price klines (data.binance.vision ``markPriceKlines`` archives), epoch-ms times.

    Input: the standard kline header ``open_time,open,high,low,close,volume,close_time,
    quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore``. A mark-price kline has no
    trades: every volume and taker column must be exactly 0 (else DataError: it would be a trade
    kline). ``close_time`` is checked against ``bar`` (e.g. ``"5min"``) with no exceptions.

    Output: index = bar open time (UTC); open/high/low/close only (mark price, quote currency).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["open_time", *OHLC, "close_time", *MARK_ZERO_COLUMNS], where)
    idx = epoch_to_utc(raw["open_time"], where, "open_time", unit="ms")
    check_order(idx, where)
    close = epoch_to_utc(raw["close_time"], where, "close_time", unit="ms")
    _check_close_time(idx, close, where, bar)
    for c in MARK_ZERO_COLUMNS:
        nonzero = np.asarray(to_float(raw[c], where, c) != 0)
        if nonzero.any():
            i = int(np.flatnonzero(nonzero)[0])
            raise DataError(
                where, f"column {c!r} is {raw[c].iloc[i]!r} at {idx[i]}: not a mark-price kline (volumes must all be 0)"
            )
    return frame(idx, {c: to_float(raw[c], where, c) for c in OHLC})


# --- other venues ---------------------------------------------------------------------------------


@register("kline_lbank")
def kline_lbank(path: Path, where: str, exchange: str | None = None, symbol: str | None = None) -> pd.DataFrame:
    """LBank 1-minute klines (ccxt ``fetch_ohlcv``): ``timestamp,open,high,low,close,volume[,exchange,symbol]``.

    ``timestamp`` = naive bar-open time in UTC. When ``exchange``/``symbol`` are given, the file
    must have those columns with that single value on every row; they are then dropped.
    LBank sets ``open`` = previous bar's ``close``, so ``open`` may lie slightly outside
    [low, high]; the parser requires ``low <= close <= high`` exactly (the catalog's OHLC check
    carries a tolerance only for ``open``).

    Output: index = bar open time (UTC); OHLC in quote currency; volume in base units.
    """
    raw = read_csv(path, where)
    tags = {k: v for k, v in (("exchange", exchange), ("symbol", symbol)) if v is not None}
    require_columns(raw, ["timestamp", *OHLCV, *tags], where)
    for col, want in tags.items():
        other = np.asarray(raw[col].astype("string").str.strip() != want)
        if other.any():
            i = int(np.flatnonzero(other)[0])
            raise DataError(where, f"column {col!r} is {raw[col].iloc[i]!r} at data row {i + 1}, expected {want!r}")
    idx = naive_to_utc(raw["timestamp"], where, "timestamp")
    check_order(idx, where)
    out = {c: to_float(raw[c], where, c) for c in OHLCV}
    bad = np.asarray((out["close"] < out["low"]) | (out["close"] > out["high"]) | (out["low"] > out["high"]))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            where,
            f"close/low/high inconsistent at {idx[i]}: low={out['low'].iloc[i]}, "
            f"high={out['high'].iloc[i]}, close={out['close'].iloc[i]}",
        )
    return frame(idx, out)
