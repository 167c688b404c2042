"""One rule for the dates and instants that callers pass to mktlib functions.

Arguments such as ``"2025-11-21"`` or ``"2025-10-10 21:00"`` are read as UTC when they carry no zone, and
converted to UTC when they do. (Data series are different: they must carry their zone, and functions
that take them raise on a naive index.)

>>> utc("2025-11-21")
Timestamp('2025-11-21 00:00:00+0000', tz='UTC')
>>> utc(pd.Timestamp("2025-11-21 16:00", tz="America/New_York"))
Timestamp('2025-11-21 21:00:00+0000', tz='UTC')
"""

from __future__ import annotations

import pandas as pd


def utc(t) -> pd.Timestamp:
    """A date or instant as a tz-aware UTC Timestamp (naive input is read as UTC)."""
    t = pd.Timestamp(t)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
