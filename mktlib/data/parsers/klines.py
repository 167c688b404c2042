"""Exchange kline (OHLCV bar) files: Binance and similar, in their several upstream layouts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, epoch_to_utc, frame, naive_to_utc, register, require_columns, to_float

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
