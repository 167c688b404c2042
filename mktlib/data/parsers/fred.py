"""FRED series (observation date, value) in the three layouts of the snapshot.

FRED marks a date without an observation with ``.`` (or a blank cell in some exports). The choice
made here: such rows are DROPPED, never turned into NaN, and their number must equal the
catalog's ``missing`` option exactly (so a changed file cannot lose observations silently).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, register, require_columns, to_float
from mktlib.data.parsers.yahoo import DATE_FMT, session_mask
from mktlib.errors import DataError

MISSING_MARKERS = (".", "")


def _drop_missing(raw: pd.DataFrame, value_column: str, missing: int, where: str) -> pd.DataFrame:
    text = raw[value_column].astype("string").str.strip().fillna("")
    marker = text.isin(list(MISSING_MARKERS))
    if int(marker.sum()) != int(missing):
        raise DataError(
            where,
            f"{int(marker.sum())} row(s) with FRED's no-observation marker ('.' or blank) "
            f"in {value_column!r}; the catalog expects {missing}",
        )
    return raw.loc[~marker.to_numpy()].reset_index(drop=True)


@register("fred_csv")
def fred_csv(
    path: Path, where: str, *, date_column: str = "date", value_column: str = "value", missing: int = 0
) -> pd.DataFrame:
    """``date,value`` (or e.g. ``observation_date,SP500``): one FRED series.

    Dates ``YYYY-MM-DD`` (US observation date), ascending, unique. Rows whose value is ``.`` or blank
    are dropped; their count must equal ``missing``. Output: index = observation date label at
    00:00 UTC; column ``value`` (units as FRED, e.g. percent p.a.). Values written with trailing
    zeros ("3.6300000000") parse to the same float.
    """
    raw = read_csv(path, where)
    require_columns(raw, [date_column, value_column], where)
    if len(raw.columns) != 2:
        raise DataError(where, f"expected two columns, found {list(raw.columns)}")
    dates_all = naive_to_utc(raw[date_column], where, date_column, fmt=DATE_FMT)
    check_order(dates_all, where)
    raw = _drop_missing(raw, value_column, missing, where)
    dates = naive_to_utc(raw[date_column], where, date_column, fmt=DATE_FMT)
    return frame(dates, {"value": to_float(raw[value_column], where, value_column)})


@register("fred_long")
def fred_long(path: Path, where: str, *, missing: int = 0) -> pd.DataFrame:
    """``series_id,date,value``: many FRED series stacked (mixed daily/weekly/monthly frequencies).

    Each series' rows must be ascending and unique in the file. ``.``/blank values are dropped
    (count must equal ``missing``). Output: index = observation date label at 00:00 UTC; columns
    ``series`` (FRED id, text) and ``value`` (the series' own units); sorted by (timestamp, series).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["series_id", "date", "value"], where)
    if len(raw.columns) != 3:
        raise DataError(where, f"expected three columns, found {list(raw.columns)}")
    series = raw["series_id"].astype("string").str.strip()
    if (series.isna() | (series == "")).any():
        raise DataError(where, "blank series_id")
    check_order(naive_to_utc(raw["date"], where, "date", fmt=DATE_FMT), where, groups=series)
    raw = _drop_missing(raw, "value", missing, where)
    dates = naive_to_utc(raw["date"], where, "date", fmt=DATE_FMT)
    df = frame(
        dates,
        {
            "series": raw["series_id"].astype("string").str.strip().astype(str),
            "value": to_float(raw["value"], where, "value"),
        },
    )
    order = np.lexsort((df["series"].to_numpy(), df.index.asi8))
    return df.iloc[order]


@register("status_csv")
def status_csv(
    path: Path, where: str, *, output: str = "value", calendar: str | None = None, extra_sessions: Sequence[str] = ()
) -> pd.DataFrame:
    """``as_of,value,status`` (dylanlayden/finance-terminal store of FRED/LBMA/DefiLlama series).

    ``status`` is the upstream fetch flag and must be ``ok`` on every row (anything else raises).
    Dates ascending and unique; values strict floats (blank raises). With ``calendar``, every date
    must be a session of it. Output: index = observation date label at 00:00 UTC; one column named
    ``output`` (``value`` by default; ``close`` for a price such as the gold fix).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["as_of", "value", "status"], where)
    if len(raw.columns) != 3:
        raise DataError(where, f"expected three columns, found {list(raw.columns)}")
    status = raw["status"].astype("string").str.strip()
    if (status != "ok").any():
        row = int(np.flatnonzero((status != "ok").to_numpy())[0])
        raise DataError(where, f"status is {raw['status'].iloc[row]!r} (not 'ok') at data row {row + 1}")
    dates = naive_to_utc(raw["as_of"], where, "as_of", fmt=DATE_FMT)
    check_order(dates, where)
    if calendar:
        off = ~session_mask(dates, calendar, where, extra_sessions)
        if off.any():
            raise DataError(
                where, f"{int(off.sum())} date(s) are not {calendar} sessions, first {dates[off][0].date()}"
            )
    return frame(dates, {output: to_float(raw["value"], where, "value")})
