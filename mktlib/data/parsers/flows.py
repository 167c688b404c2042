"""US spot-bitcoin ETF daily net flows (US$ millions): Farside totals and per-fund tables.

Both parsers index rows by the US trading date as a label at 00:00 UTC. Rows that the catalog
lists in ``drop_dates`` (US market holidays, a placeholder not yet filled upstream) are removed
only if the file holds exactly the value the catalog expects for that date; a listed date that is
absent, or carries another value, raises (the file is then not the one the catalog describes).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, register, require_columns, to_float
from mktlib.errors import DataError

FARSIDE_SUMMARY = ("Total", "Average", "Maximum", "Minimum")
_FARSIDE_DATE = re.compile(r"^\d{2} [A-Z][a-z]{2} \d{4}$")


def _drop_listed(idx: pd.DatetimeIndex, totals: np.ndarray, drop_dates: dict, where: str) -> np.ndarray:
    """Boolean mask of rows to keep after removing the ``drop_dates`` rows (date -> expected total)."""
    keep = np.ones(len(idx), dtype=bool)
    labels = idx.strftime("%Y-%m-%d")
    for date, expected in (drop_dates or {}).items():
        hit = np.flatnonzero(labels == str(date))
        if len(hit) != 1:
            raise DataError(where, f"drop_dates lists {date} but the file has {len(hit)} row(s) for it")
        got = float(totals[hit[0]])
        if abs(got - float(expected)) > 1e-9:
            raise DataError(where, f"drop_dates expects total {expected} on {date}, the file has {got}")
        keep[hit[0]] = False
    return keep


@register("etf_flows_farside_totals")
def etf_flows_farside_totals(
    path: Path, where: str, drop_dates: dict | None = None, average_tol: float = 0.05
) -> pd.DataFrame:
    """Farside "All Data" totals: ``Date,Total`` with ``Date`` as ``DD Mon YYYY``.

    Values are US$ millions, with thousands separators inside quotes (``"1,045.00"``).

    Summary rows. Farside appends rows whose ``Date`` cell is a label, not a date: ``Total``,
    ``Average``, ``Maximum``, ``Minimum``. Rule: the maximal trailing run of rows whose ``Date``
    is not a ``DD Mon YYYY`` date is the summary block; every label in it must be one of those
    four (each at most once) and the block is removed. Any non-date row before that block (a
    summary-like row in the middle of the data) raises. The block is cross-checked against the
    dated rows before ``drop_dates`` are removed: ``Total`` = sum (to 0.01), ``Maximum`` and
    ``Minimum`` = max and min (exact); ``Average`` = Total / number of rows kept after
    ``drop_dates`` (to ``average_tol``; Farside averages over trading days only, which is why the
    holiday rows are listed in ``drop_dates``).

    Output: index = US trading date (00:00 UTC label); ``total`` in US$ millions (all funds).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["Date", "Total"], where)
    labels = raw["Date"].astype("string").str.strip()
    is_date = labels.str.match(_FARSIDE_DATE.pattern).to_numpy(dtype=bool)
    n_dated = len(labels)
    while n_dated > 0 and not is_date[n_dated - 1]:
        n_dated -= 1
    if not is_date[:n_dated].all():
        row = int(np.flatnonzero(~is_date[:n_dated])[0])
        raise DataError(
            where,
            f"summary-like row {labels.iloc[row]!r} at data row {row + 1} is not in the "
            f"trailing summary block (summary rows are only allowed at the end)",
        )
    summary = {}
    for i in range(n_dated, len(labels)):
        lab = str(labels.iloc[i])
        if lab not in FARSIDE_SUMMARY or lab in summary:
            raise DataError(where, f"unexpected row {lab!r} in the trailing summary block at data row {i + 1}")
        summary[lab] = float(to_float(raw["Total"].iloc[i : i + 1], where, "Total", thousands=True).iloc[0])
    body = raw.iloc[:n_dated]
    if body.empty:
        raise DataError(where, "no dated rows before the summary block")
    idx = naive_to_utc(body["Date"], where, "Date", fmt="%d %b %Y")
    check_order(idx, where)
    total = to_float(body["Total"], where, "Total", thousands=True).to_numpy()

    checks = {"Total": (total.sum(), 0.01), "Maximum": (total.max(), 1e-9), "Minimum": (total.min(), 1e-9)}
    for lab, (value, tol) in checks.items():
        if lab in summary and abs(summary[lab] - value) > tol:
            raise DataError(where, f"summary row {lab} = {summary[lab]} but the dated rows give {value:.4f}")
    keep = _drop_listed(idx, total, drop_dates or {}, where)
    if "Average" in summary and abs(summary["Average"] - total.sum() / keep.sum()) > average_tol:
        raise DataError(
            where,
            f"summary row Average = {summary['Average']} but Total / {int(keep.sum())} "
            f"kept rows = {total.sum() / keep.sum():.4f}",
        )
    return frame(idx[keep], {"total": total[keep]})


@register("etf_flows_wide")
def etf_flows_wide(
    path: Path,
    where: str,
    date_column: str = "date",
    total_column: str | None = "total",
    drop_dates: dict | None = None,
) -> pd.DataFrame:
    """Per-fund flows, one column per fund: ``date,<FUND>,...[,total]``, ISO dates.

    Every column other than ``date_column`` and ``total_column`` is a fund ticker; every cell must
    be a number (blank raises). With ``total_column`` set the file must have it and it is kept as
    ``total`` on every row of that date (the all-fund total as published, which may include funds
    without a column); with ``total_column: null`` there is no ``total`` output column.
    ``drop_dates`` (date -> expected total) are removed (see the module docstring); needs
    ``total_column``.

    Output (long): index = US trading date (00:00 UTC label), one row per (date, fund) in the
    file's column order; ``fund`` (ticker), ``flow`` (US$ millions), ``total`` (US$ millions).
    """
    raw = read_csv(path, where)
    require_columns(raw, [date_column] + ([total_column] if total_column else []), where)
    funds = [c for c in raw.columns if c not in (date_column, total_column)]
    if not funds:
        raise DataError(where, "no fund columns")
    idx = naive_to_utc(raw[date_column], where, date_column, fmt="%Y-%m-%d")
    check_order(idx, where)
    values = np.column_stack([to_float(raw[f], where, f).to_numpy() for f in funds])
    keep = np.ones(len(idx), dtype=bool)
    cols: dict = {}
    if total_column:
        total = to_float(raw[total_column], where, total_column).to_numpy()
        keep = _drop_listed(idx, total, drop_dates or {}, where)
    elif drop_dates:
        raise DataError(where, "drop_dates needs total_column")
    idx, values = idx[keep], values[keep]
    n, k = values.shape
    cols["fund"] = np.tile(np.array(funds, dtype=object), n)
    cols["flow"] = values.reshape(-1)
    if total_column:
        cols["total"] = np.repeat(total[keep], k)
    return frame(idx.repeat(k), cols)
