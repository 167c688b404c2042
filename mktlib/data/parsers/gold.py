"""LBMA gold price (PM auction, USD) as ``date,close``.

The second copy of the same LBMA feed (``as_of,value,status``) uses ``status_csv`` in
:mod:`mktlib.data.parsers.fred` with ``output: close`` and ``calendar: XLON``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, register, require_columns, to_float
from mktlib.data.parsers.yahoo import DATE_FMT, session_mask
from mktlib.errors import DataError


@register("lbma_gold_csv")
def lbma_gold_csv(path: Path, where: str, *, calendar: str = "XLON") -> pd.DataFrame:
    """``date,close``: LBMA Gold Price PM in USD per troy ounce, one row per London business day.

    Dates ``YYYY-MM-DD`` (London date of the ~15:00 London auction), ascending, unique, each a
    session of ``calendar`` (XLON: the fix is not held on English bank holidays); values strict
    floats. Output: index = London date label at 00:00 UTC; column ``close`` (USD/ozt).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["date", "close"], where)
    if len(raw.columns) != 2:
        raise DataError(where, f"expected two columns, found {list(raw.columns)}")
    dates = naive_to_utc(raw["date"], where, "date", fmt=DATE_FMT)
    check_order(dates, where)
    off = ~session_mask(dates, calendar, where)
    if off.any():
        raise DataError(where, f"{int(off.sum())} date(s) are not {calendar} sessions, first {dates[off][0].date()}")
    return frame(dates, {"close": to_float(raw["close"], where, "close")})
