"""Long (tidy) panels of US daily stock/ETF prices, one row per (date, ticker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, register, require_columns, to_float
from mktlib.data.parsers.yahoo import DATE_FMT, session_mask
from mktlib.errors import DataError

VALUE_COLUMNS = ["open", "high", "low", "close", "adj_close", "volume"]


@register("daily_long")
def daily_long(path: Path, where: str, *, key: str, calendar: str = "XNYS") -> pd.DataFrame:
    """A long file ``<key>,Date,<values>`` (any column order), e.g. ``ticker,Date,Close`` or
    ``Date,Symbol,Open,High,Low,Close,Adj Close,Volume``.

    Header names are normalised (lower case, spaces to ``_``); ``key`` names the source column that
    identifies the instrument (output column ``ticker``, text, must be non-blank). Value columns:
    any of ``open high low close adj_close volume`` (``close`` required; unknown columns raise);
    all are strict floats, blanks raise. Each ticker's rows must be in ascending date order without
    duplicates in the file (checked per ticker). Every date must be a session of ``calendar`` (these
    files carry no placeholder rows; a non-session date raises).

    Output: index = session date label at 00:00 UTC; columns ``ticker`` + the value columns; rows
    sorted by (timestamp, ticker).
    """
    raw = read_csv(path, where)
    raw.columns = [c.strip().lower().replace(" ", "_") for c in raw.columns]
    key = key.strip().lower()
    require_columns(raw, ["date", key, "close"], where)
    values = [c for c in VALUE_COLUMNS if c in raw.columns]
    unknown = [c for c in raw.columns if c not in {"date", key, *values}]
    if unknown:
        raise DataError(where, f"unexpected column(s) {unknown}")
    tickers = raw[key].astype("string").str.strip()
    if (tickers.isna() | (tickers == "")).any():
        row = int(np.flatnonzero((tickers.isna() | (tickers == "")).to_numpy())[0])
        raise DataError(where, f"column {key!r} is blank at data row {row + 1}")
    dates = naive_to_utc(raw["date"], where, "date", fmt=DATE_FMT)
    check_order(dates, where, groups=tickers)
    off = ~session_mask(dates, calendar, where)
    if off.any():
        bad = raw.loc[off, ["date", key]].head(5).to_numpy().tolist()
        raise DataError(where, f"{int(off.sum())} row(s) on non-session dates of {calendar}: {bad}")
    cols = {"ticker": tickers.astype(str)}
    cols.update({c: to_float(raw[c], where, c) for c in values})
    df = frame(dates, cols)
    order = np.lexsort((df["ticker"].to_numpy(), df.index.asi8))
    return df.iloc[order]
