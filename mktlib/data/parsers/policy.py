"""Policy-path probabilities: CME FedWatch history exports, a fed-funds-futures reconstruction,
Kalshi Fed-decision markets.

All outputs are long tables with ``probability`` as a FRACTION (0-1).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, offset_to_utc, register, require_columns, to_float
from mktlib.errors import DataError

_FEDWATCH_BUCKET = re.compile(r"^\((\d+)-(\d+)\)$")
_SCALES = {"fraction": 1.0, "percent": 100.0}


def _scale(units: str, where: str) -> float:
    if units not in _SCALES:
        raise DataError(where, f"units must be one of {sorted(_SCALES)}, got {units!r}")
    return _SCALES[units]


def _check_sums(idx: pd.DatetimeIndex, sums: np.ndarray, tol: float, where: str) -> None:
    bad = np.abs(sums - 1.0) > tol
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            where,
            f"probabilities on {idx[i].date()} sum to {sums[i]:.8f}, not 1 within {tol} "
            f"({int(bad.sum())} such date(s))",
        )


@register("fedwatch_history")
def fedwatch_history(path: Path, where: str, units: str = "fraction", sum_tol: float = 5e-5) -> pd.DataFrame:
    """CME FedWatch "meeting history" export: ``Date,(0-25),(25-50),...`` one column per target range.

    ``Date`` is ``M/D/YYYY`` (CME end of day); bucket headers are ``(lo-hi)`` in basis points of the
    target range, 25 bp wide. ``units`` says how the cells are written ("fraction" 0-1, as in the
    exports in the snapshot, or "percent" 0-100; converted to a fraction). A blank cell means CME
    shows no such bucket on that date and gives no row; blank cells must be at the edges of a row
    (a blank between two filled buckets raises). Each date's probabilities must sum to 1 within
    ``sum_tol`` (default 5e-5: the exports round to 6 decimals, and 64 buckets rounded to 5e-7
    each cannot drift further), and lie in [0, 1]; otherwise it raises.

    Output (long): index = the date as a label at 00:00 UTC; one row per (date, bucket) in bucket
    order; ``bucket`` (``"350-375"`` = 3.50-3.75%), ``probability`` (fraction).
    """
    scale = _scale(units, where)
    raw = read_csv(path, where)
    require_columns(raw, ["Date"], where)
    buckets = [c for c in raw.columns if c != "Date"]
    labels = []
    for c in buckets:
        m = _FEDWATCH_BUCKET.match(c)
        if not m or int(m.group(2)) - int(m.group(1)) != 25:
            raise DataError(where, f"unexpected column {c!r}: expected a 25 bp bucket like '(350-375)'")
        labels.append(f"{m.group(1)}-{m.group(2)}")
    idx = naive_to_utc(raw["Date"], where, "Date", fmt="%m/%d/%Y")
    check_order(idx, where)
    values = np.column_stack([to_float(raw[c], where, c, allow_blank=True).to_numpy() for c in buckets]) / scale
    filled = ~np.isnan(values)
    first = np.argmax(filled, axis=1)
    last = filled.shape[1] - 1 - np.argmax(filled[:, ::-1], axis=1)
    span = last - first + 1
    inner_gap = filled.any(axis=1) & (filled.sum(axis=1) != span)
    if inner_gap.any() or not filled.any(axis=1).all():
        i = int(np.flatnonzero(inner_gap | ~filled.any(axis=1))[0])
        raise DataError(where, f"row for {idx[i].date()} has a blank bucket between filled ones (or no bucket)")
    vals = values[filled]
    if (vals < 0).any() or (vals > 1).any():
        raise DataError(where, f"probabilities outside [0, 1] after reading them as {units}")
    _check_sums(idx, np.nansum(values, axis=1), sum_tol, where)
    rows, cols = np.nonzero(filled)
    return frame(idx[rows], {"bucket": np.array(labels, dtype=object)[cols], "probability": vals})


@register("fedfunds_implied_probs")
def fedfunds_implied_probs(path: Path, where: str, sum_tol: float = 1e-6) -> pd.DataFrame:
    """Tommylee1013 next-meeting probabilities: ``date_iso,meeting_date_iso,date,meeting_date,prob_<bp>...``.

    ``date``/``meeting_date`` are Excel serial days (epoch 1899-12-30) and ``*_iso`` their ISO
    dates; the two must agree (else it raises). ``prob_<bp>`` = probability (fraction) of a
    change of ``<bp>`` basis points at the next meeting (``prob_-25`` one cut, ``prob_0`` hold).
    Each row must sum to 1 within ``sum_tol``; no blank cells.

    Output (long): index = observation date (00:00 UTC label); ``meeting_date`` (the next
    meeting, a date at 00:00 UTC), ``bucket`` (change in bp: ``"-25"``, ``"0"``, ``"+25"``),
    ``probability`` (fraction).
    """
    raw = read_csv(path, where)
    prob_cols = [c for c in raw.columns if c.startswith("prob_")]
    require_columns(raw, ["date_iso", "meeting_date_iso", "date", "meeting_date"], where)
    if not prob_cols:
        raise DataError(where, "no prob_<bp> columns")
    labels = []
    for c in prob_cols:
        m = re.fullmatch(r"prob_(-?\d+)", c)
        if not m:
            raise DataError(where, f"unexpected column {c!r}")
        bp = int(m.group(1))
        labels.append(f"{bp:+d}" if bp else "0")
    idx = naive_to_utc(raw["date_iso"], where, "date_iso", fmt="%Y-%m-%d")
    meeting = naive_to_utc(raw["meeting_date_iso"], where, "meeting_date_iso", fmt="%Y-%m-%d")
    epoch = pd.Timestamp("1899-12-30", tz="UTC")
    for iso, serial, name in ((idx, "date", "date"), (meeting, "meeting_date", "meeting_date")):
        days = to_float(raw[serial], where, serial).to_numpy()
        if not np.array_equal(days, np.round(days)):
            raise DataError(where, f"column {name!r} has a non-integer Excel serial")
        from_serial = epoch + pd.to_timedelta(days, unit="D")
        bad = np.flatnonzero(from_serial != iso)
        if len(bad):
            raise DataError(
                where,
                f"{name}_iso {iso[bad[0]].date()} differs from Excel serial "
                f"{raw[serial].iloc[bad[0]]} at data row {bad[0] + 1}",
            )
    if (meeting < idx).any():
        i = int(np.flatnonzero(meeting < idx)[0])
        raise DataError(where, f"meeting date {meeting[i].date()} before observation date at data row {i + 1}")
    check_order(idx, where)
    values = np.column_stack([to_float(raw[c], where, c).to_numpy() for c in prob_cols])
    if (values < 0).any() or (values > 1).any():
        raise DataError(where, "probabilities outside [0, 1]")
    _check_sums(idx, values.sum(axis=1), sum_tol, where)
    k = len(prob_cols)
    return frame(
        idx.repeat(k),
        {
            "meeting_date": meeting.repeat(k),
            "bucket": np.tile(np.array(labels, dtype=object), len(idx)),
            "probability": values.reshape(-1),
        },
    )


@register("kalshi_daily_candles")
def kalshi_daily_candles(path: Path, where: str) -> pd.DataFrame:
    """Kalshi daily candles of one contract: ``timestamp,price_raw,implied_prob,volume,open_interest``.

    ``timestamp`` is ISO with ``+00:00`` (kept as the instant given; other offsets raise).
    ``price_raw`` is in cents and ``implied_prob`` = price_raw / 100; they must agree (to 1e-9).
    Both are blank on days without a trade; a blank price is accepted only where ``volume`` is 0
    (else it raises), and gives NaN ``probability`` (declared nullable in the catalog).

    Output: ``probability`` (fraction, price / 100), ``volume`` and ``open_interest`` (contracts).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["timestamp", "price_raw", "implied_prob", "volume", "open_interest"], where)
    idx = offset_to_utc(raw["timestamp"], where, "timestamp", expect_offset="+00:00")
    check_order(idx, where)
    price = to_float(raw["price_raw"], where, "price_raw", allow_blank=True)
    prob = to_float(raw["implied_prob"], where, "implied_prob", allow_blank=True)
    volume = to_float(raw["volume"], where, "volume")
    oi = to_float(raw["open_interest"], where, "open_interest")
    if not (price.isna() == prob.isna()).all():
        raise DataError(where, "price_raw and implied_prob are blank on different rows")
    traded_blank = price.isna() & (volume != 0)
    if traded_blank.any():
        i = int(np.flatnonzero(traded_blank.to_numpy())[0])
        raise DataError(where, f"blank price on a day with volume {volume.iloc[i]} at data row {i + 1}")
    mismatch = (price / 100 - prob).abs() > 1e-9
    if mismatch.any():
        i = int(np.flatnonzero(mismatch.to_numpy())[0])
        raise DataError(where, f"implied_prob {prob.iloc[i]} != price_raw/100 at data row {i + 1}")
    if ((prob < 0) | (prob > 1)).any():
        raise DataError(where, "implied_prob outside [0, 1]")
    return frame(idx, {"probability": prob, "volume": volume, "open_interest": oi})


@register("kalshi_outcomes_hourly")
def kalshi_outcomes_hourly(path: Path, where: str) -> pd.DataFrame:
    """Kalshi "price history" download: ``timestamp,<outcome 1>,<outcome 2>,...``, prices in cents.

    ``timestamp`` is ISO UTC ending in ``Z`` (other offsets raise). Each outcome column is the
    price in cents (= implied probability in %, 0-100; outside that range raises). A blank cell is
    accepted only before that outcome's first price (it had not traded yet) and gives no row; a
    blank after the first price raises.

    Output (long): one row per (timestamp, outcome) with a price; ``outcome`` (the column header,
    verbatim), ``probability`` (fraction = cents / 100). Outcomes are separate contracts: their
    probabilities need not sum to 1.
    """
    raw = read_csv(path, where)
    require_columns(raw, ["timestamp"], where)
    outcomes = [c for c in raw.columns if c != "timestamp"]
    if not outcomes:
        raise DataError(where, "no outcome columns")
    idx = offset_to_utc(raw["timestamp"], where, "timestamp", expect_offset="Z")
    check_order(idx, where)
    values = np.column_stack([to_float(raw[c], where, c, allow_blank=True).to_numpy() for c in outcomes])
    filled = ~np.isnan(values)
    started = np.maximum.accumulate(filled, axis=0)
    late_blank = started & ~filled
    if late_blank.any():
        r, c = (int(a[0]) for a in np.nonzero(late_blank))
        raise DataError(where, f"column {outcomes[c]!r} is blank at {idx[r]} after its first price")
    vals = values[filled]
    if (vals < 0).any() or (vals > 100).any():
        raise DataError(where, "prices outside 0-100 cents")
    rows, cols = np.nonzero(filled)
    return frame(idx[rows], {"outcome": np.array(outcomes, dtype=object)[cols], "probability": vals / 100.0})
