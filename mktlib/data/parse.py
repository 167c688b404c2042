"""Building blocks for the per-format parsers, and the parser registry.

A parser is a function ``parser(path, where, **options) -> DataFrame`` registered with
:func:`register`. It reads one source format and returns the tidy frame the catalog entry
documents: a ``DatetimeIndex`` named ``timestamp`` in UTC, the entry's columns, numeric columns as
floats. Every helper here fails loudly with a :class:`~mktlib.DataError` naming the file; none of
them turns a bad value into NaN silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mktlib.errors import DataError

Parser = Callable[..., pd.DataFrame]
PARSERS: dict[str, Parser] = {}


def register(name: str) -> Callable[[Parser], Parser]:
    """Decorator: make a parser available to catalog entries under ``name``."""

    def deco(fn: Parser) -> Parser:
        if name in PARSERS:
            raise ValueError(f"parser {name!r} registered twice")
        PARSERS[name] = fn
        return fn

    return deco


def require_columns(df: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """Raise if any expected source column is absent (e.g. renamed upstream)."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(where, f"missing column(s) {missing}; found {list(df.columns)}")


def to_float(
    values: pd.Series,
    where: str,
    column: str,
    *,
    allow_blank: bool = False,
    na_tokens: Sequence[str] = (),
    thousands: bool = False,
) -> pd.Series:
    """Strict numeric conversion of a text column.

    Blank cells (and any ``na_tokens``) become NaN only when ``allow_blank``; any other value that
    is not a number raises, quoting the first offending value and its row. ``thousands`` strips
    thousands separators ("1,234.5").
    """
    s = values.astype("string").str.strip()
    if thousands:
        s = s.str.replace(",", "", regex=False)
    blank = s.isna() | (s == "") | s.isin(list(na_tokens))
    if blank.any() and not allow_blank:
        row = int(np.flatnonzero(blank.to_numpy())[0])
        raise DataError(where, f"column {column!r} has a blank value at data row {row + 1}")
    out = pd.to_numeric(s.where(~blank), errors="coerce")
    bad = out.isna() & ~blank
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(where, f"column {column!r} has an unparseable value {values.iloc[row]!r} at data row {row + 1}")
    return out.astype("float64")


def _fail_unparsed(raw: pd.Series, parsed: pd.Series, where: str, column: str, what: str) -> None:
    bad = parsed.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(where, f"column {column!r} has an unparseable {what} {raw.iloc[row]!r} at data row {row + 1}")


def epoch_to_utc(values: pd.Series, where: str, column: str, unit: str = "ms") -> pd.DatetimeIndex:
    """Unix epoch numbers (``unit`` 's', 'ms' or 'us') to a UTC DatetimeIndex.

    A plausibility guard (years 2000-2100) catches a wrong unit, e.g. seconds read as ms.
    """
    num = to_float(values, where, column)
    ts = pd.to_datetime(num, unit=unit, utc=True, errors="coerce")
    _fail_unparsed(values, pd.Series(ts), where, column, "epoch time")
    idx = pd.DatetimeIndex(ts)
    if idx.min().year < 2000 or idx.max().year > 2100:
        raise DataError(
            where, f"column {column!r}: epoch values give dates {idx.min()}..{idx.max()}; wrong unit (expected {unit})?"
        )
    return idx


def naive_to_utc(
    values: pd.Series, where: str, column: str, *, tz: str = "UTC", fmt: str | None = None
) -> pd.DatetimeIndex:
    """Naive date/time text in time zone ``tz`` to a UTC DatetimeIndex.

    Text that already carries an offset is rejected: that would be a different format than the
    catalog states. Ambiguous or non-existent local times (DST changes) raise.
    """
    s = values.astype("string").str.strip()
    if s.str.contains(r"(?:[+-]\d{2}:?\d{2}|Z)$", regex=True).any():
        raise DataError(where, f"column {column!r} carries a UTC offset; the catalog expects naive times in {tz}")
    parsed = pd.to_datetime(s, format=fmt, errors="coerce")
    _fail_unparsed(values, pd.Series(parsed), where, column, "date/time")
    idx = pd.DatetimeIndex(parsed)
    try:
        idx = idx.tz_localize(tz, ambiguous="raise", nonexistent="raise")
    except Exception as exc:  # pytz/zoneinfo ambiguity errors
        raise DataError(where, f"column {column!r}: cannot localise to {tz} ({exc})") from None
    return idx.tz_convert("UTC")


def offset_to_utc(values: pd.Series, where: str, column: str, *, expect_offset: str | None = None) -> pd.DatetimeIndex:
    """Date/time text with an explicit UTC offset (``...+00:00``, ``...Z``) to a UTC DatetimeIndex.

    With ``expect_offset`` (e.g. ``'+00:00'``), any other offset raises: it would mean the upstream
    time convention changed.
    """
    s = values.astype("string").str.strip()
    if expect_offset is not None:
        ok = s.str.endswith(expect_offset) | (s.str.endswith("Z") & (expect_offset in ("+00:00", "Z")))
        if not ok.all():
            row = int(np.flatnonzero((~ok).to_numpy())[0])
            raise DataError(where, f"column {column!r}: expected offset {expect_offset}, got {values.iloc[row]!r}")
    parsed = pd.to_datetime(s, utc=True, errors="coerce", format="ISO8601")
    _fail_unparsed(values, pd.Series(parsed), where, column, "date/time")
    return pd.DatetimeIndex(parsed).tz_convert("UTC")


def check_order(
    times: pd.DatetimeIndex | pd.Series,
    where: str,
    *,
    groups: pd.Series | None = None,
    descending: bool = False,
    allow_repeats: bool = False,
    what: str = "timestamps",
) -> None:
    """Raise on duplicate or out-of-order timestamps in the file's own row order (per group).

    ``descending`` accepts files written newest first (the parser then reverses them).
    ``allow_repeats`` accepts equal consecutive timestamps (panels or trades that share a time; their
    uniqueness is then checked on other keys). ``what`` names the timestamps in the error message.
    """
    t = pd.DatetimeIndex(times)
    keys = np.zeros(len(t), dtype=int) if groups is None else pd.factorize(pd.Series(groups).to_numpy())[0]
    labels = None if groups is None else pd.Series(groups).to_numpy()
    df = pd.DataFrame({"g": keys, "t": t})
    dup = df.duplicated()
    if dup.any() and not allow_repeats:
        i = int(np.flatnonzero(dup.to_numpy())[0])
        label = "" if labels is None else f" (for {labels[i]})"
        raise DataError(where, f"duplicate timestamp {t[i]}{label}")
    for _, sub in df.groupby("g", sort=False)["t"]:
        d = sub.diff().iloc[1:]
        bad = (d > pd.Timedelta(0)) if descending else (d < pd.Timedelta(0))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            label = "" if labels is None else f" (for {labels[sub.index[i]]})"
            order = "newest-first" if descending else "oldest-first"
            raise DataError(
                where, f"{what} not sorted ({order} expected): {sub.iloc[i]} follows {sub.iloc[i - 1]}{label}"
            )


def check_same_times(
    a: pd.DatetimeIndex, b: pd.DatetimeIndex, where: str, *, a_col: str, a_raw: pd.Series, b_col: str, b_raw: pd.Series
) -> None:
    """Raise unless two columns that state the same instants agree (e.g. epoch ms and ISO text)."""
    differ = np.asarray(pd.DatetimeIndex(a) != pd.DatetimeIndex(b))
    if differ.any():
        i = int(np.flatnonzero(differ)[0])
        raise DataError(
            where,
            f"{b_col!r} {b_raw.iloc[i]!r} disagrees with {a_col!r} {a_raw.iloc[i]!r} "
            f"at data row {i + 1} ({int(differ.sum())} such rows)",
        )


def frame(index: pd.DatetimeIndex, columns: dict[str, Any]) -> pd.DataFrame:
    """Assemble the output frame with a UTC index named ``timestamp``."""
    idx = pd.DatetimeIndex(index, name="timestamp")
    out = pd.DataFrame(
        {k: (v.to_numpy() if isinstance(v, (pd.Series, pd.Index)) else v) for k, v in columns.items()}, index=idx
    )
    return out
