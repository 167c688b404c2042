"""Exchange closes from real calendars, and 24/7 crypto aligned to them.

Markets (``market`` arguments):

========  ==============================  ==================  ===============================
key       close                           calendar            notes
========  ==============================  ==================  ===============================
``NY``    NYSE close, 16:00 ET            XNYS                early closes (13:00) honoured;
                                                              20:00 UTC in EDT, 21:00 UTC in EST
``HK``    HKEX close, 16:00 HKT           XHKG                08:00 UTC; half days honoured
``SH``    SSE close, 15:00 CST            XSHG                07:00 UTC; Golden Week closed
``LBMA``  LBMA gold PM fix, 15:00 London  XLON sessions       14:00 UTC in BST, 15:00 UTC in GMT
========  ==============================  ==================  ===============================

Daily exchange data in :mod:`mktlib.data` are indexed by the session date (a label at 00:00 UTC);
:func:`closes` maps those labels to the real close instant in UTC. Crypto trades around the clock:
:func:`crypto_at_closes` samples it at each market's close and returns close-to-close returns over
exactly the same intervals as the market's own returns, so a weekend or holiday accumulates into
the next session's return.

>>> c = closes("NY", "2025-10-31", "2025-11-03")
>>> [t.strftime("%Y-%m-%d %H:%M") for t in c["close_utc"]]
['2025-10-31 20:00', '2025-11-03 21:00']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import time
from functools import cache

import exchange_calendars as xcals
import pandas as pd

from mktlib.errors import DataError

CAL_START = "2015-01-01"


@dataclass(frozen=True)
class Market:
    key: str
    name: str
    calendar: str
    fixing: time | None = None  # a fixed local time instead of the calendar's close
    fixing_tz: str | None = None
    skip_early_closes: bool = False  # the LBMA runs no PM auction on London's half-days


MARKETS: dict[str, Market] = {
    "NY": Market("NY", "New York Stock Exchange close (16:00 ET)", "XNYS"),
    "HK": Market("HK", "Hong Kong Exchange close (16:00 HKT)", "XHKG"),
    "SH": Market("SH", "Shanghai Stock Exchange close (15:00 CST)", "XSHG"),
    "LBMA": Market(
        "LBMA", "LBMA gold PM fix (15:00 London)", "XLON", time(15, 0), "Europe/London", skip_early_closes=True
    ),
}


def _market(market: str) -> Market:
    if market not in MARKETS:
        raise ValueError(f"unknown market {market!r}; choose from {sorted(MARKETS)}")
    return MARKETS[market]


@cache
def _calendar(code: str):
    with warnings.catch_warnings():  # exchange_calendars' own pandas-4 deprecation noise
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        return xcals.get_calendar(code, start=CAL_START)


def sessions(calendar_code: str) -> pd.DatetimeIndex:
    """Trading sessions (naive date labels) of an ``exchange_calendars`` calendar, e.g. ``"XNYS"``."""
    return pd.DatetimeIndex(_calendar(calendar_code).sessions)


def _schedule(m: Market) -> pd.DataFrame:
    cal = _calendar(m.calendar)
    sched = cal.schedule
    if m.skip_early_closes:
        sched = sched.drop(index=pd.DatetimeIndex(cal.early_closes), errors="ignore")
    return sched


def closes(market: str, start=None, end=None) -> pd.DataFrame:
    """Sessions of ``market`` between ``start`` and ``end`` (inclusive) and their close instants.

    Returns a DataFrame indexed by ``session`` (date label, 00:00 UTC) with column ``close_utc``
    (tz-aware UTC). Holidays are absent; early closes carry their early close time. For ``LBMA`` the
    London half-days (24 and 31 December, or the business day before) are absent: no PM auction.
    """
    m = _market(market)
    sched = _schedule(m)
    start = pd.Timestamp(start) if start is not None else sched.index[0]
    end = pd.Timestamp(end) if end is not None else sched.index[-1]
    for name, t in (("start", start), ("end", end)):
        if t.tzinfo is not None:
            raise ValueError(f"{name} must be a date (naive), got {t}")
    sched = sched.loc[start.normalize() : end.normalize()]
    if m.fixing is not None:
        local = pd.DatetimeIndex(sched.index + pd.Timedelta(hours=m.fixing.hour, minutes=m.fixing.minute))
        close_utc = local.tz_localize(m.fixing_tz).tz_convert("UTC")
    else:
        close_utc = pd.DatetimeIndex(sched["close"]).tz_convert("UTC")
    idx = pd.DatetimeIndex(sched.index).tz_localize("UTC").rename("session")
    return pd.DataFrame({"close_utc": close_utc}, index=idx)


def is_session(market: str, dates) -> pd.Series:
    """Boolean Series: whether each date (label or naive date) is a trading session of ``market``."""
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    d = d.tz_convert("UTC").tz_localize(None) if d.tz is not None else d
    sessions = _schedule(_market(market)).index
    return pd.Series(d.normalize().isin(sessions), index=d)


def price_at(
    bars: pd.DataFrame,
    times,
    *,
    bar_length: pd.Timedelta | str | None = None,
    column: str = "close",
    max_staleness: pd.Timedelta | str = "1h",
) -> pd.DataFrame:
    """The last traded price at each instant in ``times``, from OHLC bars indexed by bar OPEN time (UTC).

    The price at instant T is the ``column`` value of the last bar that has *ended* by T
    (open + bar_length <= T): no look-ahead. Raises :class:`~mktlib.errors.DataError` when that bar ended more
    than ``max_staleness`` before T (a data gap, or bars too coarse for the instant).

    Returns a DataFrame indexed by ``times`` with ``price`` and ``bar_end`` (UTC).
    """
    t = pd.DatetimeIndex(times)
    if t.tz is None or bars.index.tz is None:
        raise DataError("price_at", "times and bars must be tz-aware (UTC)")
    length = pd.Timedelta(bar_length) if bar_length is not None else pd.Series(bars.index).diff().median()
    ends = pd.Series(bars[column].to_numpy(), index=bars.index + length).sort_index()
    pos = ends.index.searchsorted(t, side="right") - 1
    if (pos < 0).any():
        raise DataError("price_at", f"no bar has ended by {t[pos < 0][0]}")
    bar_end = ends.index[pos]
    stale = (t - bar_end) > pd.Timedelta(max_staleness)
    if stale.any():
        i = int(stale.argmax())
        raise DataError(
            "price_at", f"price at {t[i]} would come from a bar ending {bar_end[i]} (more than {max_staleness} earlier)"
        )
    return pd.DataFrame({"price": ends.to_numpy()[pos], "bar_end": bar_end}, index=t)


def crypto_at_closes(
    bars: pd.DataFrame,
    market: str,
    start=None,
    end=None,
    *,
    bar_length: pd.Timedelta | str | None = None,
    column: str = "close",
    max_staleness: pd.Timedelta | str = "1h",
) -> pd.DataFrame:
    """A 24/7 asset sampled at each close of ``market``, with returns between consecutive closes.

    ``bars``: OHLC bars indexed by bar open time (UTC), e.g. ``mktlib.data.load("btc_spot_1h")``.
    Returns a DataFrame indexed by ``session`` (date label) with columns

    - ``close_utc``: the market's close instant (UTC);
    - ``price``: the crypto price at that instant (see :func:`price_at`);
    - ``ret``: simple return since the previous session's close (NaN for the first session), so a
      Friday-to-Monday return includes the weekend and a holiday accumulates into the next session;
    - ``days``: calendar days spanned by ``ret``.

    >>> import pandas as pd
    >>> idx = pd.date_range("2025-10-31", periods=24 * 4, freq="h", tz="UTC")
    >>> bars = pd.DataFrame({"close": range(1, 97)}, index=idx, dtype=float)
    >>> out = crypto_at_closes(bars, "NY", "2025-10-31", "2025-11-03")
    >>> out["price"].tolist(), out["days"].tolist()     # 20:00 UTC Fri (EDT), 21:00 UTC Mon (EST)
    ([20.0, 93.0], [nan, 3.0])
    """
    c = closes(market, start, end)
    p = price_at(bars, c["close_utc"], bar_length=bar_length, column=column, max_staleness=max_staleness)
    out = c.copy()
    out["price"] = p["price"].to_numpy()
    out["ret"] = out["price"].pct_change()
    out["days"] = (out.index.to_series().diff().dt.days).astype("float64").to_numpy()
    return out


def session_returns(daily: pd.Series, market: str) -> pd.Series:
    """Close-to-previous-close simple returns of a daily series indexed by session labels of ``market``.

    Raises :class:`~mktlib.errors.DataError` if a label is not a session of the market (e.g. a placeholder row).
    """
    ok = is_session(market, daily.index)
    if not ok.all():
        raise DataError(
            f"session_returns[{market}]",
            f"{int((~ok).sum())} date(s) are not sessions, first {ok.index[~ok.to_numpy()][0].date()}",
        )
    return daily.pct_change()
