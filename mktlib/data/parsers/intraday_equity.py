"""Intraday US equity and index-futures bars (Yahoo, TradingView exports), all to bar-open UTC.

(The naive-UTC Yahoo NQ=F 1h file uses the generic ``kline_naive`` parser.)
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


@register("ohlcv_utc_offset")
def ohlcv_utc_offset(path: Path, where: str, offset: str = "+00:00") -> pd.DataFrame:
    """``timestamp,open,high,low,close,volume`` with ISO bar-open times carrying ``offset``.

    Any row with another UTC offset raises. (Yahoo NQ=F/ES=F 15m: open/close were relabelled in
    the snapshot, see SOURCES.md; the columns are read as named.)

    Output: index = bar open (UTC); open/high/low/close in the quote unit; volume as in the file.
    """
    raw = read_csv(path, where)
    require_columns(raw, ["timestamp", *OHLC, "volume"], where)
    idx = offset_to_utc(raw["timestamp"], where, "timestamp", expect_offset=offset)
    check_order(idx, where)
    return frame(idx, {c: to_float(raw[c], where, c) for c in [*OHLC, "volume"]})


@register("tradingview_epoch")
def tradingview_epoch(path: Path, where: str) -> pd.DataFrame:
    """TradingView chart export ``time,time_utc,open,high,low,close`` (no volume).

    ``time`` is the bar open in Unix SECONDS (UTC); ``time_utc`` is the same instant written as
    naive ``YYYY-MM-DD HH:MM:SS`` UTC. The two must agree on every row, else it raises.

    Output: index = bar open (UTC); open/high/low/close in USD.
    """
    raw = read_csv(path, where)
    require_columns(raw, ["time", "time_utc", *OHLC], where)
    idx = epoch_to_utc(raw["time"], where, "time", unit="s")
    text = naive_to_utc(raw["time_utc"], where, "time_utc", fmt="%Y-%m-%d %H:%M:%S")
    check_same_times(idx, text, where, a_col="time", a_raw=raw["time"], b_col="time_utc", b_raw=raw["time_utc"])
    check_order(idx, where)
    return frame(idx, {c: to_float(raw[c], where, c) for c in OHLC})


@register("czsc_bars_local")
def czsc_bars_local(path: Path, where: str, symbol: str, tz: str = "America/New_York") -> pd.DataFrame:
    """CZSC-style bars ``symbol,dt,open,close,high,low,vol,amount`` with naive LOCAL bar-open times.

    ``dt`` is naive local time in ``tz`` (US/Eastern for the zhangjing02 Yahoo files) and is
    converted to UTC DST-aware (EDT = UTC-4, EST = UTC-5; an ambiguous or non-existent local time
    raises). ``symbol`` must be the given one on every row. ``amount`` is an unused placeholder
    upstream and must be 0 on every row (else it raises: the layout would have changed).

    Output: index = bar open (UTC); open/high/low/close in USD; volume in shares (from ``vol``).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["symbol", "dt", *OHLC, "vol", "amount"], where)
    wrong = raw["symbol"].astype("string").str.strip() != symbol
    if wrong.any():
        i = int(np.flatnonzero(wrong.to_numpy())[0])
        raise DataError(where, f"symbol {raw['symbol'].iloc[i]!r} at data row {i + 1}, expected {symbol!r}")
    amount = to_float(raw["amount"], where, "amount")
    if (amount != 0).any():
        i = int(np.flatnonzero((amount != 0).to_numpy())[0])
        raise DataError(where, f"column 'amount' is {amount.iloc[i]} at data row {i + 1}; expected 0 throughout")
    idx = naive_to_utc(raw["dt"], where, "dt", tz=tz, fmt="%Y-%m-%d %H:%M:%S")
    check_order(idx, where)
    cols = {c: to_float(raw[c], where, c) for c in OHLC}
    cols["volume"] = to_float(raw["vol"], where, "vol")
    return frame(idx, cols)
