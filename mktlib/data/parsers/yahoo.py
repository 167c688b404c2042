"""Daily price files of one instrument: Yahoo Finance (via yfinance) copies, and the CBOE VIX file.

One parser, ``daily_ohlcv``, reads every layout below after normalising the header (lower case,
spaces to ``_``: ``Stock Splits`` -> ``stock_splits``, ``Adj Close`` -> ``adj_close``):

- tzjtan/historical-stock-data  ``date,open,close,volume`` (4 decimals; no high/low; placeholder rows)
- xunxuntj yf.download          ``Date,[Capital Gains,]Close,Dividends,High,Low,Open,Stock Splits,Volume``
- jonsflow Ticker.history       ``Date,Open,High,Low,Close,Volume``
- CBOE VIX (datasets/finance-vix) ``DATE,OPEN,HIGH,LOW,CLOSE``

It also provides :func:`session_mask`, the exchange-calendar test the other daily parsers use.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, register, require_columns, to_float
from mktlib.errors import DataError

PRICES = ["open", "high", "low", "close", "adj_close"]
ACTIONS = ["dividends", "stock_splits", "capital_gains"]
DATE_FMT = "%Y-%m-%d"


def _sessions(calendar: str) -> pd.DatetimeIndex:
    from mktlib.calendars import sessions

    return sessions(calendar)


def session_mask(dates: pd.DatetimeIndex, calendar: str, where: str, extra_sessions: Sequence[str] = ()) -> np.ndarray:
    """Boolean array: whether each date label is a session of ``calendar``.

    ``calendar`` is an ``exchange_calendars`` code (XNYS, XNAS, XHKG, XSHG, XTKS, XLON, ...) or
    ``"weekdays"`` (Monday-Friday, for FX, which has no exchange calendar). ``extra_sessions``
    (ISO dates) are days the instrument really traded although the calendar has no session then
    (e.g. ICE/COMEX on an NYSE closure); each must be a non-session of the calendar.
    Dates outside the calendar's range raise rather than being misclassified.
    """
    naive = (
        pd.DatetimeIndex(dates).tz_localize(None) if pd.DatetimeIndex(dates).tz is not None else pd.DatetimeIndex(dates)
    )
    extra = pd.DatetimeIndex(pd.to_datetime(list(extra_sessions), format=DATE_FMT))
    if calendar == "weekdays":
        mask = np.asarray(naive.day_of_week < 5)
        regular = extra[extra.day_of_week < 5]
    else:
        sessions = _sessions(calendar)
        if len(naive) and (naive.min() < sessions[0] or naive.max() > sessions[-1]):
            raise DataError(
                where,
                f"dates {naive.min().date()}..{naive.max().date()} fall outside the "
                f"{calendar} calendar ({sessions[0].date()}..{sessions[-1].date()})",
            )
        mask = np.asarray(naive.isin(sessions))
        regular = extra[extra.isin(sessions)]
    if len(regular):
        raise DataError(where, f"extra_sessions {[str(d.date()) for d in regular]} are already sessions of {calendar}")
    return mask | np.asarray(naive.isin(extra))


def shift_bar_start_labels(naive: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    """Undo labels that are the UTC date of a bar starting at 00:00 local time in ``tz``.

    For a zone east of UTC (e.g. Europe/London in summer time, UTC+1), 00:00 local on day D is
    23:00 UTC on D-1, so the file shows D-1. A label d is moved to d+1 exactly when 00:00 ``tz``
    of d+1 falls on UTC date d; otherwise it is kept.
    """
    nxt = naive + pd.Timedelta(days=1)
    start_utc = nxt.tz_localize(tz, ambiguous="raise", nonexistent="raise").tz_convert("UTC")
    early = start_utc.tz_localize(None).normalize() == naive
    return pd.DatetimeIndex(np.where(early, nxt, naive))


def _fmt(dates: pd.DatetimeIndex | pd.Series, limit: int = 6) -> str:
    d = [str(pd.Timestamp(x).date()) for x in list(dates)[:limit]]
    return ", ".join(d) + (" ..." if len(dates) > limit else "")


@register("daily_ohlcv")
def daily_ohlcv(
    path: Path,
    where: str,
    *,
    calendar: str,
    extra_sessions: Sequence[str] = (),
    empty_on_sessions: int = 0,
    drop_dates: Sequence[str] = (),
    label_shift_tz: str | None = None,
    volume: str = "keep",
    actions: Sequence[str] = (),
) -> pd.DataFrame:
    """One instrument's daily bars; placeholder rows removed by a stated rule.

    Input: a ``date`` column (``YYYY-MM-DD``, the exchange-local trading date) and any of
    ``open high low close adj_close volume dividends stock_splits capital_gains`` (``open`` and
    ``close`` required; any other column raises).

    Rows, in this order:

    1. ``drop_dates`` (dates as written in the file): rows named in the catalog as known upstream
       artefacts (each must occur exactly once) are removed.
    2. ``label_shift_tz``: labels written as the UTC date of a bar that starts at 00:00 in that zone
       are moved to the bar's own date (:func:`shift_bar_start_labels`).
    3. A row whose value cells are ALL blank is empty. A row with some but not all cells blank raises.
    4. PLACEHOLDER rule: a row whose date is not a session of ``calendar`` (see :func:`session_mask`;
       ``extra_sessions`` count as sessions) is a placeholder and is dropped iff (a) it is empty, or
       (b) its volume is 0 (or the file has no volume) AND every price equals the previous non-empty
       row's (a stale repeat). Any other row on a non-session date raises a DataError.
    5. Empty rows on a session date are missing observations: their number must equal
       ``empty_on_sessions`` exactly (the catalog states it), otherwise DataError; they are dropped.
    6. ``extra_sessions`` must each be present as a kept row.

    Output: index = session date label at 00:00 UTC (the close is at the exchange's own close time);
    columns ``open [high low] close [adj_close] [volume]`` plus the corporate-action columns listed in
    ``actions``. Prices are as in the file (adjusted or not: the catalog says which). ``volume``:
    ``"keep"`` (must be present), ``"zero"`` (present but all 0 on kept rows -> omitted, else raise),
    ``"none"`` (the file has none). A corporate-action column not listed in ``actions`` must be all 0
    on kept rows (then omitted), so no information is dropped silently.
    """
    raw = read_csv(path, where)
    raw.columns = [c.strip().lower().replace(" ", "_") for c in raw.columns]
    known = {"date", *PRICES, "volume", *ACTIONS}
    unknown = [c for c in raw.columns if c not in known]
    if unknown:
        raise DataError(where, f"unexpected column(s) {unknown}")
    require_columns(raw, ["date", "open", "close"], where)
    if volume not in ("keep", "zero", "none"):
        raise DataError(where, f"option volume={volume!r}: expected keep, zero or none")
    if volume == "none" and "volume" in raw.columns:
        raise DataError(where, "file has a volume column but the catalog says volume: none")
    if volume != "none":
        require_columns(raw, ["volume"], where)
    bad_actions = [a for a in actions if a not in raw.columns]
    if bad_actions:
        raise DataError(where, f"actions {bad_actions} requested but not in the file")

    text_dates = raw["date"].astype("string").str.strip()
    if drop_dates:
        drop = text_dates.isin(list(drop_dates))
        for d in drop_dates:
            n = int((text_dates == d).sum())
            if n != 1:
                raise DataError(where, f"drop_dates lists {d}, which occurs {n} times (expected once)")
        raw, text_dates = raw.loc[~drop].reset_index(drop=True), text_dates[~drop].reset_index(drop=True)

    naive = naive_to_utc(text_dates, where, "date", fmt=DATE_FMT).tz_localize(None)
    if label_shift_tz:
        naive = shift_bar_start_labels(naive, label_shift_tz)
    dates = naive.tz_localize("UTC")
    check_order(dates, where)

    prices = [c for c in PRICES if c in raw.columns]
    value_cols = prices + [c for c in ["volume", *ACTIONS] if c in raw.columns]
    blank = pd.DataFrame({c: raw[c].astype("string").str.strip().fillna("") == "" for c in value_cols})
    empty = blank.all(axis=1).to_numpy()
    partial = blank.any(axis=1).to_numpy() & ~empty
    if partial.any():
        i = int(np.flatnonzero(partial)[0])
        cols = [c for c in value_cols if blank[c].iloc[i]]
        raise DataError(
            where, f"row {dates[i].date()} has blank {cols} but other values: neither a placeholder nor a complete row"
        )

    # blanks occur only in empty rows here (partial rows raised above)
    vals = {c: to_float(raw[c], where, c, allow_blank=True) for c in value_cols}

    session = session_mask(dates, calendar, where, extra_sessions)

    # rule (b): stale repeat of the previous non-empty row, zero volume
    filled = pd.DataFrame({c: vals[c] for c in prices})[~empty]
    prev = filled.shift(1)
    repeat = (filled == prev).all(axis=1) & prev.notna().all(axis=1)
    if "volume" in raw.columns:
        repeat &= vals["volume"][~empty] == 0
    stale = np.zeros(len(raw), dtype=bool)
    stale[np.flatnonzero(~empty)] = repeat.to_numpy()

    placeholder = ~session & (empty | stale)
    not_placeholder = ~session & ~placeholder
    if not_placeholder.any():
        idx = dates[not_placeholder]
        raise DataError(
            where,
            f"{int(not_placeholder.sum())} row(s) on non-session dates of {calendar} "
            f"that are not placeholders (not empty, not a zero-volume repeat): {_fmt(idx)}",
        )
    empty_sess = session & empty
    if int(empty_sess.sum()) != int(empty_on_sessions):
        raise DataError(
            where,
            f"{int(empty_sess.sum())} empty row(s) on {calendar} sessions "
            f"({_fmt(dates[empty_sess])}); the catalog expects {empty_on_sessions}",
        )

    keep = session & ~empty
    kept_dates = dates[keep]
    missing_extra = [d for d in extra_sessions if pd.Timestamp(d, tz="UTC") not in kept_dates]
    if missing_extra:
        raise DataError(where, f"extra_sessions {missing_extra} are not kept rows of the file")

    out = {c: vals[c][keep] for c in prices}
    if "volume" in raw.columns:
        v = vals["volume"][keep]
        if volume == "zero":
            if (v != 0).any():
                raise DataError(
                    where, f"volume is not all zero (first non-zero at {kept_dates[(v != 0).to_numpy()][0].date()})"
                )
        else:
            out["volume"] = v
    for a in ACTIONS:
        if a not in raw.columns:
            continue
        s = vals[a][keep]
        if a in actions:
            out[a] = s
        elif (s != 0).any():
            raise DataError(
                where,
                f"column {a!r} has non-zero values (first at "
                f"{kept_dates[(s != 0).to_numpy()][0].date()}) but is not kept",
            )
    return frame(kept_dates, out)
