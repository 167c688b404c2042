"""Validation of a parsed frame against its catalog entry (run on every load)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mktlib.data.catalog import Entry
from mktlib.errors import DataError


def validate(df: pd.DataFrame, entry: Entry) -> None:
    """Raise :class:`~mktlib.errors.DataError` unless ``df`` is exactly what ``entry`` documents.

    Checks: UTC DatetimeIndex named ``timestamp`` without NaT; the documented columns, no more,
    no fewer; numeric columns are float/int; no NaN outside the ``nullable`` columns; rows unique
    and sorted on (timestamp, keys); ``positive`` columns > 0; OHLC consistency when ``ohlc``.
    """
    where = f"{entry.path} [{entry.id}]"
    idx = df.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise DataError(where, f"index is {type(idx).__name__}, expected a DatetimeIndex")
    if idx.tz is None or str(idx.tz) != "UTC":
        raise DataError(where, f"index time zone is {idx.tz}, expected UTC")
    if idx.name != "timestamp":
        raise DataError(where, f"index is named {idx.name!r}, expected 'timestamp'")
    if idx.hasnans:
        raise DataError(where, "index has missing timestamps (NaT)")
    if len(df) == 0:
        raise DataError(where, "no rows")

    expected, got = list(entry.columns), list(df.columns)
    if set(expected) != set(got):
        raise DataError(where, f"columns {got} differ from the catalog's {expected}")

    for col in entry.numeric_columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise DataError(where, f"column {col!r} is {df[col].dtype}, expected numeric")
    for col in expected:
        if col in entry.nullable:
            continue
        n_missing = int(df[col].isna().sum())
        if n_missing:
            first = df.index[df[col].isna().to_numpy()][0]
            raise DataError(where, f"column {col!r} has {n_missing} missing value(s), first at {first}")

    keys = list(entry.keys)
    if keys:
        sort_frame = pd.DataFrame({"t": idx.asi8, **{k: df[k].to_numpy() for k in keys}})
        dup = sort_frame.duplicated()
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            raise DataError(
                where, f"duplicate row key (timestamp {idx[i]}, {', '.join(f'{k}={df[k].iloc[i]!r}' for k in keys)})"
            )
        if not idx.is_monotonic_increasing:
            raise DataError(where, "rows are not sorted by timestamp")
    else:
        if idx.has_duplicates:
            raise DataError(where, f"duplicate timestamp {idx[idx.duplicated()][0]}")
        if not idx.is_monotonic_increasing:
            raise DataError(where, "timestamps are not sorted")

    for col in entry.checks.get("positive", []):
        bad = df[col] <= 0
        if bad.any():
            raise DataError(
                where,
                f"column {col!r} has a non-positive value {df[col][bad].iloc[0]!r} at {df.index[bad.to_numpy()][0]}",
            )

    ohlc = entry.checks.get("ohlc")
    if ohlc:
        tol = float(ohlc.get("tol", 0.0)) if isinstance(ohlc, dict) else 0.0
        o, h, lo, c = (df[k] for k in ("open", "high", "low", "close"))
        scale = tol * h.abs()
        bad = (lo > np.minimum(o, c) + scale) | (h < np.maximum(o, c) - scale) | (lo > h + scale)
        bad &= o.notna() & h.notna() & lo.notna() & c.notna()
        if bad.any():
            t = df.index[bad.to_numpy()][0]
            row = df.loc[bad].iloc[0]
            raise DataError(
                where,
                f"OHLC inconsistent at {t}: open={row['open']}, high={row['high']}, "
                f"low={row['low']}, close={row['close']} ({int(bad.sum())} such rows)",
            )
