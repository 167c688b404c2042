"""The episode: turning points found from the data, drawdowns, and cross-asset returns on key days.

Turning points
--------------
:func:`find_episode` reads the turning points of the autumn-2025 episode from BTC bars. Only the
search windows (``WINDOWS``) and the recovery level (``RECOVERY_LEVEL``) are fixed inputs;
every date and price is found by a rule:

=============  =====================================================================================
key            rule
=============  =====================================================================================
``peak``       the bar with the highest high in the peak window
``cascade``    the bar, after the peak bar and up to the end of the cascade window, with the largest
               intrabar fall ``low / open - 1``; the *cascade day* is its UTC day
``low``        the bar with the lowest low in the low window
``recovery``   the first UTC day after the low's day whose daily close is above the recovery level
``rally_*``    the largest low-to-high run inside the rally window (:func:`max_runup_bars`): its low
               (``rally_start``) and its high (``rally_peak``)
``after_low``  the lowest low after the rally peak, to the end of the data
``end``        the close of the last bar
=============  =====================================================================================

Bars are OHLC rows indexed by bar OPEN time (tz-aware UTC). A turning point found inside a bar is
dated by that bar's open time (the extreme happened within the bar); a day boundary is an instant.
Bars may be of mixed length (hourly bars spliced with daily bars by :func:`splice_bars`): each bar's
end is then given by a ``bar_end`` column.

Drawdowns without look-ahead inside a bar
-----------------------------------------
The order of the high and the low inside one bar is unknown. :func:`bar_drawdown` therefore measures
each bar's low against the highest price *known to precede it*: the highs of earlier bars and the
bar's own open (never the same bar's high). :func:`max_runup_bars` is the mirror image. For closes
(one price per period) :func:`drawdown` and :func:`max_drawdown` are the usual running-peak measures.

>>> import pandas as pd
>>> s = pd.Series([100., 120., 90., 60., 130.], index=pd.date_range("2025-01-01", periods=5, tz="UTC"))
>>> drawdown(s).round(3).tolist()
[0.0, 0.0, -0.25, -0.5, 0.0]
>>> dd = max_drawdown(s)
>>> dd.depth, dd.peak_price, dd.trough_price, str(dd.recovery_time.date())
(-0.5, 120.0, 60.0, '2025-01-05')

The chapter's page
------------------
The last section turns these results into what the chapter shows: its tables for people
(:func:`turning_points_table`, :func:`phases_table`, :func:`key_day_table`, :func:`drawdowns_for_people`)
and the data of its charts, registered with :mod:`mktlib.charts` (``episode-indexed-closes``,
``episode-btc-drawdown-volatility``, ``episode-altcoins-10-21-nov``) and their drawings
(:func:`draw_indexed_closes`, :func:`draw_drawdown_vol`, :func:`draw_altcoins`), so that
``mktlib.charts.figure("<name>")`` gives the chapter's figure in a fresh session.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mktlib.errors import DataError
from mktlib.timeutil import utc

__all__ = [
    "WINDOWS",
    "RECOVERY_LEVEL",
    "EpisodeWindows",
    "Episode",
    "Drawdown",
    "Runup",
    "running_peak",
    "drawdown",
    "max_drawdown",
    "bar_drawdown",
    "max_drawdown_bars",
    "max_runup_bars",
    "splice_bars",
    "daily_closes",
    "find_episode",
    "window_return",
    "rebase",
    "period_return",
    "key_period_returns",
    "drawdown_table",
    "first_close_above",
    "lowest_low",
    "KEY_ASSETS",
    "load_btc_bars",
    "load_key_closes",
    "realised_vol",
    "high_episodes",
    "percentile_rank",
    "CHART_ASSETS",
    "when_text",
    "turning_points_table",
    "phases_table",
    "key_periods",
    "key_day_table",
    "drawdowns_for_people",
    "indexed_closes",
    "drawdown_and_vol",
    "altcoin_panels",
    "grid_share",
    "grid_statistic",
    "indexed_closes_chart",
    "drawdown_vol_chart",
    "altcoins_chart",
    "INDEXED_CLOSES_TOP",
    "draw_indexed_closes",
    "draw_drawdown_vol",
    "draw_altcoins",
]

OHLC = ("open", "high", "low", "close")
DAY = pd.Timedelta("1D")


@dataclass(frozen=True)
class EpisodeWindows:
    """Search windows (inclusive UTC dates) for :func:`find_episode`: the only fixed inputs."""

    peak: tuple[str, str] = ("2025-09-01", "2025-10-31")
    cascade_end: str = "2025-10-31"
    low: tuple[str, str] = ("2025-11-01", "2025-11-30")
    rally: tuple[str, str] = ("2026-01-01", "2026-01-31")


WINDOWS = EpisodeWindows()
RECOVERY_LEVEL = 90_000.0  # the level of the headline "Bitcoin jumps back above $90,000" (article 000)


# --------------------------------------------------------------------------------------------------
# input checks


def _check_index(idx, name: str) -> None:
    if not isinstance(idx, pd.DatetimeIndex):
        raise DataError(name, f"index must be a DatetimeIndex, got {type(idx).__name__}")
    if idx.tz is None:
        raise DataError(name, "index has no time zone (expected tz-aware UTC)")
    if str(idx.tz) not in ("UTC", "utc", "UTC+00:00"):
        raise DataError(name, f"index time zone is {idx.tz}, expected UTC")
    if idx.has_duplicates:
        raise DataError(name, f"duplicate timestamp {idx[idx.duplicated()][0]}")
    if not idx.is_monotonic_increasing:
        raise DataError(name, "timestamps are not sorted")


def _check_series(s, name: str) -> pd.Series:
    if not isinstance(s, pd.Series):
        raise DataError(name, f"expected a pandas Series, got {type(s).__name__}")
    if s.empty:
        raise DataError(name, "series is empty")
    _check_index(s.index, name)
    if s.isna().any():
        raise DataError(name, f"NaN at {s.index[s.isna().to_numpy()][0]}")
    if (s <= 0).any():
        raise DataError(name, f"non-positive price at {s.index[(s <= 0).to_numpy()][0]}")
    return s.astype("float64")


def _check_bars(bars, name: str, cols=("open", "high", "low")) -> pd.DataFrame:
    if not isinstance(bars, pd.DataFrame):
        raise DataError(name, f"expected a DataFrame of bars, got {type(bars).__name__}")
    missing = [c for c in cols if c not in bars.columns]
    if missing:
        raise DataError(name, f"missing column(s) {missing}")
    if bars.empty:
        raise DataError(name, "no bars")
    _check_index(bars.index, name)
    sub = bars[list(cols)]
    if sub.isna().any().any():
        bad = sub.isna().any(axis=1)
        raise DataError(name, f"NaN at {bars.index[bad.to_numpy()][0]}")
    if (sub <= 0).any().any():
        raise DataError(name, "non-positive price")
    if "high" in cols and "low" in cols and (bars["high"] < bars["low"]).any():
        bad = bars["high"] < bars["low"]
        raise DataError(name, f"high below low at {bars.index[bad.to_numpy()][0]}")
    return bars


def _bar_ends(bars: pd.DataFrame, name: str) -> pd.Series:
    """End instant of each bar: the ``bar_end`` column, else open + the (constant) bar length."""
    if "bar_end" in bars.columns:
        ends = pd.Series(pd.DatetimeIndex(bars["bar_end"]), index=bars.index)
        if (ends <= bars.index.to_series()).any():
            raise DataError(name, "bar_end not after the bar open")
        return ends
    if len(bars) < 2:
        raise DataError(name, "cannot infer the bar length from one bar: add a bar_end column")
    steps = bars.index.to_series().diff().iloc[1:]
    if steps.nunique() != 1:
        raise DataError(
            name,
            f"irregular bars (steps {sorted(steps.unique())[:3]} ...): a gap in the data, "
            f"or mixed lengths without a bar_end column",
        )
    return bars.index.to_series() + steps.iloc[0]


_ts = utc  # mktlib.timeutil: naive arguments are read as UTC


def _day_span(window: tuple[str, str]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[first day 00:00, last day + 1 day) in UTC."""
    a, b = _ts(window[0]).normalize(), _ts(window[1]).normalize() + DAY
    if b <= a:
        raise ValueError(f"window {window} ends before it starts")
    return a, b


# --------------------------------------------------------------------------------------------------
# drawdowns of one price series


@dataclass(frozen=True)
class Drawdown:
    """The largest peak-to-trough fall. ``depth`` is a fraction (-0.25 = a 25% fall, 0 = none);
    ``recovery_time`` is the first time after the trough at which the peak price is regained
    (NaT if it never is in the data)."""

    depth: float
    peak_time: pd.Timestamp
    peak_price: float
    trough_time: pd.Timestamp
    trough_price: float
    recovery_time: pd.Timestamp = pd.NaT

    def as_dict(self) -> dict:
        return {
            "max_drawdown": self.depth,
            "peak_time": self.peak_time,
            "peak_price": self.peak_price,
            "trough_time": self.trough_time,
            "trough_price": self.trough_price,
            "recovery_time": self.recovery_time,
        }


@dataclass(frozen=True)
class Runup:
    """The largest low-to-high rise (``gain`` a fraction, 0.1 = +10%): low first, then high."""

    gain: float
    low_time: pd.Timestamp
    low_price: float
    high_time: pd.Timestamp
    high_price: float


def running_peak(prices: pd.Series) -> pd.Series:
    """Highest price so far (inclusive), same index.

    >>> import pandas as pd
    >>> running_peak(pd.Series([3., 1, 4, 1, 5], index=pd.date_range("2025-01-01", periods=5, tz="UTC"))).tolist()
    [3.0, 3.0, 4.0, 4.0, 5.0]
    """
    return _check_series(prices, "running_peak(prices)").cummax()


def drawdown(prices: pd.Series) -> pd.Series:
    """Fall from the running peak: ``prices / running_peak(prices) - 1`` (0 at a new high, < 0 below it)."""
    p = _check_series(prices, "drawdown(prices)")
    return p / p.cummax() - 1.0


def max_drawdown(prices: pd.Series) -> Drawdown:
    """Largest fall from a running peak of ``prices`` (e.g. daily closes), with its dates.

    Ties: the earliest trough, and the latest peak before it at the peak price.
    """
    p = _check_series(prices, "max_drawdown(prices)")
    dd = p / p.cummax() - 1.0
    trough = dd.idxmin()
    depth = float(dd.loc[trough])
    before = p.loc[:trough]
    peak_price = float(before.max())
    peak_time = before.index[before.to_numpy() == peak_price][-1]
    after = p.loc[p.index > trough]
    rec = after.index[after.to_numpy() >= peak_price]
    return Drawdown(
        depth, peak_time, peak_price, trough, float(p.loc[trough]), rec[0] if depth < 0 and len(rec) else pd.NaT
    )


# --------------------------------------------------------------------------------------------------
# drawdowns and run-ups of OHLC bars (no same-bar look-ahead)


def bar_drawdown(bars: pd.DataFrame, start_price: float | None = None) -> pd.Series:
    """Each bar's low against the highest price known to precede it, minus 1.

    The reference peak of bar t is the maximum of ``start_price`` (if given), the highs of bars
    before t and the open of bar t. The same bar's high is never used: its order relative to the
    low is unknown.

    >>> import pandas as pd
    >>> idx = pd.date_range("2025-01-01", periods=3, freq="h", tz="UTC")
    >>> b = pd.DataFrame({"open": [100., 100, 80], "high": [110., 100, 90], "low": [100., 80, 55]}, index=idx)
    >>> bar_drawdown(b).tolist()       # bar 2: 80/110 - 1; bar 3: 55/110 - 1
    [0.0, -0.2727272727272727, -0.5]
    """
    b = _check_bars(bars, "bar_drawdown(bars)")
    highs = b["high"].to_numpy(dtype="float64")
    prior = np.concatenate([[-np.inf], np.maximum.accumulate(highs)[:-1]])
    ref = np.maximum(prior, b["open"].to_numpy(dtype="float64"))
    if start_price is not None:
        ref = np.maximum(ref, float(start_price))
    return pd.Series(b["low"].to_numpy(dtype="float64") / ref - 1.0, index=b.index, name="drawdown")


def max_drawdown_bars(
    bars: pd.DataFrame, start_price: float | None = None, start_time: pd.Timestamp | None = None
) -> Drawdown:
    """Largest peak-to-trough fall over OHLC bars (see :func:`bar_drawdown`), with its dates.

    ``peak_time`` is the open time of the bar that set the reference peak (``start_time`` when the
    peak is ``start_price``); ``recovery_time`` the open of the first later bar whose high regains it.

    >>> import pandas as pd
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="D", tz="UTC")
    >>> b = pd.DataFrame({"open": [100., 105, 90, 70], "high": [120., 106, 95, 125],
    ...                   "low": [95., 88, 60, 70]}, index=idx)
    >>> d = max_drawdown_bars(b)
    >>> d.depth, d.peak_price, d.trough_price, str(d.trough_time.date()), str(d.recovery_time.date())
    (-0.5, 120.0, 60.0, '2025-01-03', '2025-01-04')
    """
    b = _check_bars(bars, "max_drawdown_bars(bars)")
    dd = bar_drawdown(b, start_price)
    i = int(np.argmin(dd.to_numpy()))
    depth = float(dd.iloc[i])
    highs = b["high"].to_numpy(dtype="float64")
    opens = b["open"].to_numpy(dtype="float64")
    cands = [(float(h), b.index[k]) for k, h in enumerate(highs[:i])] + [(float(opens[i]), b.index[i])]
    if start_price is not None:
        cands.append((float(start_price), start_time if start_time is not None else pd.NaT))
    peak_price = max(c[0] for c in cands)
    peak_time = max((c[1] for c in cands if c[0] == peak_price and c[1] is not pd.NaT), default=pd.NaT)
    later = np.nonzero(highs[i + 1 :] >= peak_price)[0]
    rec = b.index[i + 1 + later[0]] if depth < 0 and len(later) else pd.NaT
    return Drawdown(min(depth, 0.0), peak_time, peak_price, b.index[i], float(b["low"].iloc[i]), rec)


def max_runup_bars(bars: pd.DataFrame) -> Runup:
    """Largest low-to-high rise over OHLC bars: bar t's high against the lowest price known to
    precede it (lows of earlier bars and bar t's open), the mirror image of :func:`bar_drawdown`.

    >>> import pandas as pd
    >>> idx = pd.date_range("2026-01-01", periods=4, freq="D", tz="UTC")
    >>> b = pd.DataFrame({"open": [100., 96, 104, 110], "high": [101., 105, 112, 111],
    ...                   "low": [95., 94, 100, 90]}, index=idx)
    >>> r = max_runup_bars(b)                  # 112 / 94 - 1; the 90 low comes after the high
    >>> round(r.gain, 4), r.low_price, str(r.low_time.date()), r.high_price, str(r.high_time.date())
    (0.1915, 94.0, '2026-01-02', 112.0, '2026-01-03')
    """
    b = _check_bars(bars, "max_runup_bars(bars)")
    lows = b["low"].to_numpy(dtype="float64")
    opens = b["open"].to_numpy(dtype="float64")
    prior = np.concatenate([[np.inf], np.minimum.accumulate(lows)[:-1]])
    ref = np.minimum(prior, opens)
    gain = b["high"].to_numpy(dtype="float64") / ref - 1.0
    j = int(np.argmax(gain))
    low_price = float(ref[j])
    if opens[j] == low_price and not (j and prior[j] == low_price):
        low_time = b.index[j]
    else:
        low_time = b.index[int(np.nonzero(lows[:j] == low_price)[0][-1])]
    return Runup(max(float(gain[j]), 0.0), low_time, low_price, b.index[j], float(b["high"].iloc[j]))


# --------------------------------------------------------------------------------------------------
# bars of mixed resolution and daily closes


def splice_bars(fine: pd.DataFrame, coarse: pd.DataFrame) -> pd.DataFrame:
    """Fine bars (e.g. 1h) where they fully cover a coarse period (e.g. a UTC day), coarse bars
    elsewhere. Returns ``open, high, low, close`` and ``bar_end`` (UTC), indexed by bar open time.

    Both inputs must be regular (no gaps). The fine bars are used from the first coarse boundary at
    or after their start to the last coarse boundary they reach; coarse bars fill before and after.

    >>> import pandas as pd
    >>> h = pd.DataFrame({c: 1.0 for c in ("open", "high", "low", "close")},
    ...                  index=pd.date_range("2025-01-01 12:00", "2025-01-03 05:00", freq="h", tz="UTC"))
    >>> d = pd.DataFrame({c: 2.0 for c in ("open", "high", "low", "close")},
    ...                  index=pd.date_range("2024-12-31", "2025-01-04", freq="D", tz="UTC"))
    >>> s = splice_bars(h, d)
    >>> int((s["close"] == 1).sum()), s.index[0].strftime("%m-%d %H"), s.index[-1].strftime("%m-%d %H")
    (24, '12-31 00', '01-04 00')
    """
    f = _check_bars(fine, "splice_bars(fine)", OHLC)
    c = _check_bars(coarse, "splice_bars(coarse)", OHLC)
    f_end = _bar_ends(f, "splice_bars(fine)")
    c_end = _bar_ends(c, "splice_bars(coarse)")
    c_open = c.index.to_series()
    start_candidates = c_open[c_open >= f.index[0]]
    end_candidates = c_end[c_end <= f_end.iloc[-1]]
    if start_candidates.empty or end_candidates.empty or end_candidates.iloc[-1] <= start_candidates.iloc[0]:
        raise DataError("splice_bars", "the fine bars do not cover one whole coarse bar")
    a, z = start_candidates.iloc[0], end_candidates.iloc[-1]
    use_f = (f.index >= a) & (f_end.to_numpy() <= z)
    parts = [
        pd.DataFrame({**{k: c.loc[c.index < a, k] for k in OHLC}, "bar_end": c_end[c.index < a]}),
        pd.DataFrame({**{k: f.loc[use_f, k] for k in OHLC}, "bar_end": f_end[use_f]}),
        pd.DataFrame({**{k: c.loc[c.index >= z, k] for k in OHLC}, "bar_end": c_end[c.index >= z]}),
    ]
    out = pd.concat([p for p in parts if len(p)])
    out.index.name = "timestamp"
    return out


def daily_closes(bars: pd.DataFrame) -> pd.Series:
    """UTC daily closes from bars of any length: the close of each bar that ends at 00:00 UTC,
    labelled by the day it closes (the UTC day that ends at that instant)."""
    b = _check_bars(bars, "daily_closes(bars)", ("close",))
    ends = _bar_ends(b, "daily_closes(bars)")
    at_midnight = (ends == ends.dt.normalize()).to_numpy()
    out = pd.Series(
        b["close"].to_numpy(dtype="float64")[at_midnight],
        index=pd.DatetimeIndex(ends[at_midnight] - DAY, name="day"),
        name="close",
    )
    return out


def first_close_above(closes: pd.Series, level: float, after) -> pd.Timestamp:
    """Label of the first close strictly above ``level`` with a label later than ``after`` (NaT if none).

    >>> import pandas as pd
    >>> c = pd.Series([91., 85, 89, 90, 90.5], index=pd.date_range("2025-11-20", periods=5, tz="UTC"))
    >>> str(first_close_above(c, 90, "2025-11-21").date())
    '2025-11-24'
    """
    c = _check_series(closes, "first_close_above(closes)")
    hit = c[(c.index > _ts(after)) & (c > level)]
    return hit.index[0] if len(hit) else pd.NaT


def lowest_low(bars: pd.DataFrame, start=None, end=None) -> tuple[float, pd.Timestamp]:
    """Lowest ``low`` of the bars opening in [start, end] (inclusive; None = open-ended) and the open
    time of the (first) bar that sets it."""
    b = _check_bars(bars, "lowest_low(bars)", ("low",))
    sel = b.loc[(b.index >= _ts(start)) if start is not None else slice(None)]
    if end is not None:
        sel = sel.loc[sel.index <= _ts(end)]
    if sel.empty:
        raise DataError("lowest_low(bars)", f"no bars between {start} and {end}")
    t = sel["low"].idxmin()
    return float(sel.loc[t, "low"]), t


# --------------------------------------------------------------------------------------------------
# volatility and drawdown episodes against a price's own history


def realised_vol(closes: pd.Series, window: int, periods_per_year: int = 365) -> pd.Series:
    """Rolling realised volatility: the sample standard deviation (ddof 1) of the last ``window`` log
    returns ``ln(c_t / c_{t-1})``, annualised by ``sqrt(periods_per_year)`` (365 for a market that
    trades every day). The value at day t uses returns up to and including day t.

    >>> import numpy as np, pandas as pd
    >>> c = pd.Series(np.exp([0.0, 0.01, -0.01, 0.01]), index=pd.date_range("2025-01-01", periods=4, tz="UTC"))
    >>> round(float(realised_vol(c, 3, periods_per_year=1).iloc[-1]), 6)    # std of (0.01, -0.02, 0.02)
    0.020817
    """
    c = _check_series(closes, "realised_vol(closes)")
    if window < 2:
        raise ValueError(f"realised_vol: window must be at least 2 returns, got {window}")
    return np.log(c).diff().rolling(window).std(ddof=1) * np.sqrt(periods_per_year)


def percentile_rank(history: pd.Series | np.ndarray, value: float) -> float:
    """Share of ``history`` (NaNs dropped) at or below ``value``: 0 = below everything, 1 = the top.

    >>> percentile_rank(np.array([1.0, 2, 3, 4]), 2.0)
    0.5
    """
    h = np.asarray(history, dtype="float64")
    h = h[np.isfinite(h)]
    if h.size == 0:
        raise ValueError("percentile_rank: empty history")
    return float(np.mean(h <= value))


def high_episodes(ref: pd.Series, value: pd.Series) -> pd.DataFrame:
    """Split a daily history into episodes between successive new highs.

    ``ref`` sets the highs (e.g. daily highs or closes), ``value`` is the price compared with them
    (closes or lows). An episode starts on a day whose ``ref`` exceeds every earlier ``ref`` (the
    *peak day*) and ends on the next such day (the *new-high day*). Its ``depth`` is the lowest
    ``value / peak - 1`` over the days strictly after the peak day and strictly before the new-high
    day (inside one daily bar the order of high and low is unknown, so neither of those two days'
    ``value`` is used); 0 if there are none. ``days`` runs from the peak day to the new-high day, or to
    the last day of the data for the last, unfinished episode (``completed`` False).

    Returns one row per episode: ``peak_day, peak, trough_day, depth, new_high_day, days, completed``.

    >>> import pandas as pd
    >>> i = pd.date_range("2025-01-01", periods=6, tz="UTC")
    >>> h = pd.Series([10., 12, 11, 9, 13, 12], index=i)
    >>> e = high_episodes(h, h)
    >>> [(r.peak, round(r.depth, 4), r.days, r.completed) for r in e.itertuples()]
    [(10.0, 0.0, 1, True), (12.0, -0.25, 3, True), (13.0, -0.0769, 1, False)]
    """
    r = _check_series(ref, "high_episodes(ref)")
    v = _check_series(value, "high_episodes(value)")
    if not r.index.equals(v.index):
        raise DataError("high_episodes", "ref and value must share one index")
    prior = r.cummax().shift(1)
    new = (r > prior) | prior.isna()
    starts = np.flatnonzero(new.to_numpy())
    idx = r.index
    vals = v.to_numpy(dtype="float64")
    rows = []
    for k, i in enumerate(starts):
        j = starts[k + 1] if k + 1 < len(starts) else None
        peak = float(r.iloc[i])
        inside = vals[i + 1 : j] if j is not None else vals[i + 1 :]
        if inside.size:
            m = int(np.argmin(inside))
            depth, trough = float(inside[m] / peak - 1.0), idx[i + 1 + m]
        else:
            depth, trough = 0.0, pd.NaT
        end = idx[j] if j is not None else idx[-1]
        rows.append(
            {
                "peak_day": idx[i],
                "peak": peak,
                "trough_day": trough,
                "depth": min(depth, 0.0),
                "new_high_day": idx[j] if j is not None else pd.NaT,
                "days": int((end - idx[i]) / DAY),
                "completed": j is not None,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# turning points and phases


@dataclass(frozen=True)
class Episode:
    """Result of :func:`find_episode`.

    ``key_dates``: indexed by key (``peak``, ``cascade``, ``low``, ``recovery``, ``rally_start``,
    ``rally_peak``, ``after_low``, ``end``) with columns ``label``, ``time`` (UTC: the open of the bar
    that holds the extreme, or the instant of a close), ``day`` (UTC date), ``price`` (USDT), ``bar``
    (length of the bar that holds the extreme, e.g. ``1h``/``1d``, or ``close``) and ``rule``; the
    cascade row also has ``fall`` (its bar's low / open - 1).

    ``phases``: one row per phase with ``phase``, ``start``, ``end`` (UTC), ``start_price``,
    ``end_price``, ``ret`` (end / start - 1), ``max_drawdown`` (largest peak-to-trough fall inside the
    phase, starting from the start price, see :func:`bar_drawdown`), ``trough_time`` and ``days``.
    """

    key_dates: pd.DataFrame
    phases: pd.DataFrame
    windows: EpisodeWindows = field(default=WINDOWS)
    recovery_level: float = RECOVERY_LEVEL

    def time(self, key: str) -> pd.Timestamp:
        return self.key_dates.loc[key, "time"]

    def day(self, key: str) -> pd.Timestamp:
        return self.key_dates.loc[key, "day"]

    def price(self, key: str) -> float:
        return float(self.key_dates.loc[key, "price"])


def _fmt_length(td: pd.Timedelta) -> str:
    return f"{td // DAY}d" if td >= DAY and td % DAY == pd.Timedelta(0) else f"{td // pd.Timedelta('1h')}h"


@dataclass(frozen=True)
class _Point:
    time: pd.Timestamp
    price: float
    in_bar: bool  # True: an extreme inside the bar opening at `time`; False: an instant (a close)


def _phase_bars(bars: pd.DataFrame, ends: pd.Series, a: _Point, z: _Point) -> pd.DataFrame:
    opens = bars.index
    lo = (opens > a.time) if a.in_bar else (opens >= a.time)
    hi = (opens <= z.time) if z.in_bar else (ends.to_numpy() <= z.time)
    return bars.loc[lo & hi]


def find_episode(
    bars: pd.DataFrame, windows: EpisodeWindows = WINDOWS, recovery_level: float = RECOVERY_LEVEL
) -> Episode:
    """Find the episode's turning points and phases in BTC bars (see the module docstring for rules).

    ``bars``: ``open, high, low, close`` indexed by bar open time (UTC); hourly, daily, or hourly
    spliced with daily (:func:`splice_bars`, with a ``bar_end`` column). Raises :class:`~mktlib.errors.DataError`
    if a window has no bars or the data never close above ``recovery_level`` after the low.
    """
    b = _check_bars(bars, "find_episode(bars)", OHLC)
    ends = _bar_ends(b, "find_episode(bars)")
    name = "find_episode"

    def in_window(a, z):
        sel = b.loc[(b.index >= a) & (b.index < z)]
        if sel.empty:
            raise DataError(name, f"no bars between {a} and {z}")
        return sel

    # peak
    pw = in_window(*_day_span(windows.peak))
    t_peak = pw["high"].idxmax()
    peak = _Point(t_peak, float(pw.loc[t_peak, "high"]), True)
    # cascade: largest intrabar fall after the peak bar
    cw = b.loc[(b.index > t_peak) & (b.index < _ts(windows.cascade_end).normalize() + DAY)]
    if cw.empty:
        raise DataError(name, f"no bars between the peak ({t_peak}) and the cascade window end")
    fall = cw["low"] / cw["open"] - 1.0
    t_cas = fall.idxmin()
    cas_day = t_cas.normalize()
    # low
    lw = in_window(*_day_span(windows.low))
    if lw.index[0] <= t_cas:
        raise ValueError("the low window must start after the cascade")
    t_low = lw["low"].idxmin()
    low = _Point(t_low, float(lw.loc[t_low, "low"]), True)
    # recovery: first daily close above the level after the low's day
    closes = daily_closes(b)
    rec_day = first_close_above(closes, recovery_level, t_low.normalize())
    if rec_day is pd.NaT:
        raise DataError(name, f"no UTC daily close above {recovery_level:,.0f} after the low of {t_low.date()}")
    recovery = _Point(rec_day + DAY, float(closes.loc[rec_day]), False)
    # January rally
    ra, rz = _day_span(windows.rally)
    if ra <= rec_day:
        raise ValueError("the rally window must start after the recovery day")
    run = max_runup_bars(in_window(ra, rz))
    r_start = _Point(run.low_time, run.low_price, True)
    r_peak = _Point(run.high_time, run.high_price, True)
    end = _Point(ends.iloc[-1], float(b["close"].iloc[-1]), False)
    after = b.loc[b.index > run.high_time]
    if after.empty:
        raise DataError(name, "no bars after the rally peak")
    t_after = after["low"].idxmin()

    def close_before(instant):
        return float(b.loc[ends.to_numpy() <= instant, "close"].iloc[-1])

    cas_start = _Point(cas_day, close_before(cas_day), False)
    cas_end = _Point(cas_day + DAY, close_before(cas_day + DAY), False)

    def close_day(instant):
        return (instant - pd.Timedelta(1, "ns")).normalize()

    keys = pd.DataFrame.from_records(
        [
            (
                "peak",
                "Peak",
                peak.time,
                peak.time.normalize(),
                peak.price,
                f"highest high, {windows.peak[0]} to {windows.peak[1]}",
            ),
            (
                "cascade",
                "Cascade",
                t_cas,
                cas_day,
                float(cw.loc[t_cas, "low"]),
                f"largest intrabar fall (low/open - 1) after the peak, to {windows.cascade_end}",
            ),
            (
                "low",
                "November low",
                low.time,
                low.time.normalize(),
                low.price,
                f"lowest low, {windows.low[0]} to {windows.low[1]}",
            ),
            (
                "recovery",
                f"First close above {recovery_level:,.0f}",
                recovery.time,
                rec_day,
                recovery.price,
                f"first UTC daily close above {recovery_level:,.0f} after the low's day",
            ),
            (
                "rally_start",
                "January rally: start",
                r_start.time,
                r_start.time.normalize(),
                r_start.price,
                f"largest low-to-high run, {windows.rally[0]} to {windows.rally[1]}: its low",
            ),
            (
                "rally_peak",
                "January rally: peak",
                r_peak.time,
                r_peak.time.normalize(),
                r_peak.price,
                f"largest low-to-high run, {windows.rally[0]} to {windows.rally[1]}: its high",
            ),
            (
                "after_low",
                "Lowest low after the rally",
                t_after,
                t_after.normalize(),
                float(after.loc[t_after, "low"]),
                "lowest low after the rally peak, to the end of the data",
            ),
            ("end", "End of the data", end.time, close_day(end.time), end.price, "close of the last bar"),
        ],
        columns=["key", "label", "time", "day", "price", "rule"],
    ).set_index("key")
    keys["fall"] = np.nan
    keys.loc["cascade", "fall"] = float(fall.loc[t_cas])
    length = ends - b.index.to_series()
    keys["bar"] = [
        _fmt_length(length.loc[keys.loc[k, "time"]])
        if k in ("peak", "cascade", "low", "rally_start", "rally_peak", "after_low")
        else "close"
        for k in keys.index
    ]
    keys = keys[["label", "time", "day", "price", "bar", "fall", "rule"]]

    spans = [
        ("Peak to the eve of the cascade", peak, cas_start),
        ("Cascade day", cas_start, cas_end),
        ("Slide to the November low", cas_end, low),
        (f"Rebound to a close above {recovery_level / 1000:,.0f}k", low, recovery),
        ("December range", recovery, r_start),
        ("January rally", r_start, r_peak),
        ("What came after", r_peak, end),
    ]
    rows = []
    for label, a, z in spans:
        if z.time <= a.time:
            raise DataError(name, f"phase {label!r} ends ({z.time}) before it starts ({a.time})")
        pb = _phase_bars(b, ends, a, z)
        dd = max_drawdown_bars(pb, start_price=a.price, start_time=a.time) if len(pb) else None
        rows.append(
            {
                "phase": label,
                "start": a.time,
                "end": z.time,
                "start_price": a.price,
                "end_price": z.price,
                "ret": z.price / a.price - 1.0,
                "max_drawdown": dd.depth if dd else 0.0,
                "trough_time": dd.trough_time if dd and dd.depth < 0 else pd.NaT,
                "days": (z.time - a.time) / DAY,
            }
        )
    phases = pd.DataFrame(rows)
    return Episode(keys, phases, windows, recovery_level)


# --------------------------------------------------------------------------------------------------
# returns over fixed windows, rebasing, key-day returns on each market's own clock


def window_return(daily: pd.DataFrame, first, last) -> float:
    """Open of UTC day ``first`` to close of UTC day ``last``: ``close[last] / open[first] - 1``.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"open": [10., 11, 12], "close": [11., 12, 9]},
    ...                  index=pd.date_range("2025-11-10", periods=3, tz="UTC"))
    >>> round(window_return(d, "2025-11-10", "2025-11-12"), 6)
    -0.1
    """
    d = _check_bars(daily, "window_return(daily)", ("open", "close"))
    a, z = _ts(first), _ts(last)
    for t in (a, z):
        if t not in d.index:
            raise DataError("window_return(daily)", f"no daily bar for {t.date()}")
    return float(d.loc[z, "close"] / d.loc[a, "open"] - 1.0)


def rebase(closes: pd.Series, base, level: float = 100.0) -> pd.Series:
    """``closes`` scaled so that the last close on or before ``base`` equals ``level``.

    >>> import pandas as pd
    >>> s = pd.Series([50., 40, 60], index=pd.to_datetime(["2025-10-03", "2025-10-06", "2025-10-07"], utc=True))
    >>> rebase(s, "2025-10-05").tolist()
    [100.0, 80.0, 120.0]
    """
    c = _check_series(closes, "rebase(closes)")
    before = c.loc[c.index <= _ts(base)]
    if before.empty:
        raise DataError("rebase(closes)", f"no close on or before {base}")
    return c / before.iloc[-1] * level


def _sessions_between(market: str, a: pd.Timestamp, z: pd.Timestamp) -> pd.DatetimeIndex:
    """Sessions of ``market`` in [a, z]. ``UTC``: every day; otherwise :func:`mktlib.calendars.closes`
    (for ``LBMA`` without London's half-days, on which the LBMA runs no PM auction)."""
    if market == "UTC":
        return pd.date_range(a, z, freq="D")
    from mktlib.calendars import closes

    return closes(market, a.tz_localize(None), z.tz_localize(None)).index


def period_return(closes: pd.Series, market: str, first, last) -> dict:
    """Return over the sessions of ``market`` dated ``first`` to ``last`` (inclusive):
    close of the last session in the period / close of the last session before it - 1.

    ``closes`` is indexed by session labels (00:00 UTC); ``market`` is ``"UTC"`` for crypto UTC days
    or a :mod:`mktlib.calendars` key (``NY``, ``HK``, ``SH``, ``LBMA``; for ``LBMA`` the London
    early-close days before Christmas and New Year, which have no PM auction, are not sessions).
    Returns a dict with ``ret``
    (NaN when the market had no session in the period: closed), ``from_session``, ``to_session``
    and ``sessions`` (number of sessions in the period). Raises :class:`~mktlib.errors.DataError` when the data
    lack a session the calendar has (a gap), so "closed" and "missing" are never confused.

    >>> import pandas as pd
    >>> c = pd.Series([100., 110, 99], index=pd.date_range("2025-11-20", periods=3, tz="UTC"))
    >>> r = period_return(c, "UTC", "2025-11-21", "2025-11-22")
    >>> round(r["ret"], 6), str(r["from_session"].date()), r["sessions"]
    (-0.01, '2025-11-20', 2)
    """
    c = _check_series(closes, f"period_return({market})")
    a, z = _ts(first).normalize(), _ts(last).normalize()
    if z < a:
        raise ValueError(f"period {first}..{last} ends before it starts")
    cal = _sessions_between(market, a - pd.Timedelta("30D"), z)
    prev_cal = cal[cal < a]
    in_cal = cal[cal >= a]
    if len(prev_cal) == 0:
        raise DataError(f"period_return({market})", f"no session before {a.date()}")
    needed = in_cal.append(prev_cal[-1:])
    missing = needed.difference(c.index)
    if len(missing):
        raise DataError(f"period_return({market})", f"no close for session {missing[0].date()} (a gap in the data)")
    if len(in_cal) == 0:
        return {"ret": np.nan, "from_session": prev_cal[-1], "to_session": pd.NaT, "sessions": 0}
    return {
        "ret": float(c.loc[in_cal[-1]] / c.loc[prev_cal[-1]] - 1.0),
        "from_session": prev_cal[-1],
        "to_session": in_cal[-1],
        "sessions": len(in_cal),
    }


def key_period_returns(series: dict[str, tuple[pd.Series, str]], periods: pd.DataFrame) -> pd.DataFrame:
    """Returns of several assets over key periods, each on its own clock.

    ``series``: name -> (closes indexed by session label, market key or ``"UTC"``).
    ``periods``: DataFrame with columns ``period`` (label), ``first``, ``last`` (dates).
    Returns a long DataFrame with ``period, asset, market, ret, from_session, to_session, sessions``.
    """
    for col in ("period", "first", "last"):
        if col not in periods.columns:
            raise DataError("key_period_returns(periods)", f"missing column {col!r}")
    rows = []
    for p in periods.itertuples(index=False):
        for name, (closes, market) in series.items():
            r = period_return(closes, market, p.first, p.last)
            rows.append({"period": p.period, "asset": name, "market": market, **r})
    return pd.DataFrame(rows)


def drawdown_table(series: dict[str, pd.Series], start, end, at) -> pd.DataFrame:
    """Peak-to-trough drawdown of each asset's closes between ``start`` and ``end`` (inclusive), and
    the drawdown from the running peak on the last close on or before ``at``.

    Returns a DataFrame indexed by asset with ``peak_date, peak, trough_date, trough, max_drawdown,
    recovered`` (date the peak was regained within the data to ``end``, NaT if not), ``at_date``,
    ``drawdown_at``.
    """
    rows = {}
    a, z, t = _ts(start), _ts(end), _ts(at)
    for name, s in series.items():
        c = _check_series(s, f"drawdown_table({name})")
        c = c.loc[(c.index >= a) & (c.index <= z)]
        if c.empty:
            raise DataError(f"drawdown_table({name})", f"no closes between {a.date()} and {z.date()}")
        dd = max_drawdown(c)
        upto = c.loc[c.index <= t]
        rows[name] = {
            "peak_date": dd.peak_time,
            "peak": dd.peak_price,
            "trough_date": dd.trough_time,
            "trough": dd.trough_price,
            "max_drawdown": dd.depth,
            "recovered": dd.recovery_time,
            "at_date": upto.index[-1],
            "drawdown_at": float(upto.iloc[-1] / upto.max() - 1.0),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------------------------------------------
# loaders for the chapter (read the snapshot through mktlib.data)

KEY_ASSETS = {  # name -> (dataset, market clock); crypto at the NY close is sampled from 1h bars
    "BTC (UTC day)": ("btc_spot_1d_fullcols", "UTC"),
    "ETH (UTC day)": ("eth_spot_1d_fullcols", "UTC"),
    "BTC (NY close)": ("btc_spot_1h", "NY"),
    "ETH (NY close)": ("eth_perp_1h", "NY"),
    "Nasdaq-100": ("ndx_1d", "NY"),
    "Gold (LBMA PM)": ("gold_lbma_pm", "LBMA"),
    "Hang Seng": ("hsi_1d", "HK"),
    "Shanghai Comp.": ("ssec_1d", "SH"),
}


def load_btc_bars() -> pd.DataFrame:
    """Binance spot BTCUSDT: 1h bars where they exist (whole UTC days, 2024-04 to 2026-04), daily bars
    before and after (to the end of the daily data), with ``bar_end`` (see :func:`splice_bars`)."""
    from mktlib import data

    return splice_bars(data.load("btc_spot_1h"), data.load("btc_spot_1d_fullcols"))


def load_key_closes(start="2025-06-01", end="2026-03-27") -> dict[str, tuple[pd.Series, str]]:
    """Closes of the chapter's assets on their own clocks, for :func:`key_period_returns`.

    Crypto at the NY close is the last 1h bar close at each NYSE close (16:00 ET, DST-aware, via
    :func:`mktlib.calendars.crypto_at_closes`); ETH uses the Binance USDT-M perpetual 1h bars, the
    snapshot having no hourly ETH spot series over the whole window. ``start``/``end`` bound only the
    NY-close sampling of crypto (the 1h data end in 2026-03/04).
    """
    from mktlib import data
    from mktlib.calendars import crypto_at_closes

    out = {}
    for name, (ds, market) in KEY_ASSETS.items():
        df = data.load(ds)
        if ds.endswith("_1h"):
            s = crypto_at_closes(df, market, start, end, bar_length="1h")["price"]
        else:
            s = df["close"]
        out[name] = (s.rename(name).astype("float64"), market)
    return out


# --------------------------------------------------------------------------------------------------
# the chapter's tables and charts (notebooks/01-episode.ipynb): what a reader sees, computed here

#: The chapter's assets in the main chart: label -> (name in :func:`load_key_closes`, colour key).
CHART_ASSETS = {
    "BTC": ("BTC (UTC day)", "btc"),
    "ETH": ("ETH (UTC day)", "eth"),
    "Nasdaq-100": ("Nasdaq-100", "ndx"),
    "Gold": ("Gold (LBMA PM)", "gold"),
    "Hang Seng": ("Hang Seng", "hsi"),
}


def when_text(time: pd.Timestamp, bar: str, day: pd.Timestamp | None = None) -> str:
    """When a turning point happened, for people: the hour of an hourly bar (``6 Oct 2025, 18:00-19:00
    UTC``), the day of a daily bar (``1 Jul 2026 (daily bar)``), or the close of a day (``bar ==
    "close"``: ``close of 26 Nov 2025``, the day being ``day``).

    >>> t = pd.Timestamp("2025-10-06 18:00", tz="UTC")
    >>> when_text(t, "1h"), when_text(t.normalize(), "1d")
    ('6 Oct 2025, 18:00-19:00 UTC', '6 Oct 2025 (daily bar)')
    >>> when_text(pd.Timestamp("2025-11-27", tz="UTC"), "close", pd.Timestamp("2025-11-26", tz="UTC"))
    'close of 26 Nov 2025'
    """
    t = pd.Timestamp(time)
    if bar == "close":
        d = pd.Timestamp(day) if day is not None else t - DAY
        return f"close of {d.day} {d:%b %Y}"
    if bar.endswith("h"):
        end = t + pd.Timedelta(bar)
        return f"{t.day} {t:%b %Y}, {t:%H:%M}-{end:%H:%M} UTC"
    return f"{t.day} {t:%b %Y} (daily bar)"


def _readable_dates(text: str) -> str:
    """ISO dates in a text as people write them: ``2025-09-01 to 2025-10-31`` -> ``1 Sep 2025 to 31 Oct 2025``.

    >>> _readable_dates("highest high, 2025-09-01 to 2025-10-31")
    'highest high, 1 Sep 2025 to 31 Oct 2025'
    """
    import re

    return re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", lambda m: f"{int(m[3])} {pd.Timestamp(m[0]):%b} {m[1]}", str(text))


def turning_points_table(key_dates: pd.DataFrame) -> pd.DataFrame:
    """The turning points of :class:`Episode` ``key_dates`` for people: ``turning point``, ``when (UTC)``
    (:func:`when_text`), ``price (USDT)``, ``how it is found``; the cascade's label gives its bar's fall
    from the open."""
    k = key_dates
    label = k["label"].copy()
    if "cascade" in k.index and pd.notna(k.loc["cascade", "fall"]):
        label.loc["cascade"] = f"Cascade (the hourly bar fell {-k.loc['cascade', 'fall']:.1%} from its open)"
    return pd.DataFrame(
        {
            "turning point": label,
            "when (UTC)": [when_text(r.time, r.bar, r.day) for r in k.itertuples()],
            "price (USDT)": k["price"].astype("float64"),
            "how it is found": k["rule"].map(_readable_dates),
        }
    ).reset_index(drop=True)


def phases_table(phases: pd.DataFrame) -> pd.DataFrame:
    """The phases of :class:`Episode` ``phases`` for people, numbered from 1 (the numbers of the main
    chart's bands): ``#, phase, from, to, days, price at start (USDT), price at end (USDT), return,
    deepest fall inside``."""
    p = phases.reset_index(drop=True)
    return pd.DataFrame(
        {
            "#": np.arange(1, len(p) + 1),
            "phase": p["phase"],
            "from": p["start"],
            "to": p["end"],
            "days": p["days"].astype("float64"),
            "price at start (USDT)": p["start_price"].astype("float64"),
            "price at end (USDT)": p["end_price"].astype("float64"),
            "return": p["ret"].astype("float64"),
            "deepest fall inside": p["max_drawdown"].astype("float64"),
        }
    )


def key_periods(ep: Episode) -> pd.DataFrame:
    """The key periods of the cross-asset table: the peak day, the cascade day, 20 and 21 November
    (the articles' days), the bounce from 22 November to the first close above the recovery level, and
    1-5 January 2026 (the window fixed for "Spot bull, not leverage bull"). Columns ``period, first,
    last`` for :func:`key_period_returns`."""

    def short(t):
        t = pd.Timestamp(t)
        return f"{t.day} {t:%b}"

    pk, cas, rec = ep.day("peak"), ep.day("cascade"), ep.day("recovery")
    return pd.DataFrame(
        {
            "period": [
                f"{short(pk)} (BTC's peak day)",
                f"{short(cas)} (the cascade)",
                "20 Nov",
                "21 Nov (the low)",
                f"22 Nov-{short(rec)} (the bounce)",
                "1-5 Jan 2026",
            ],
            "first": [pk, cas, _ts("2025-11-20"), _ts("2025-11-21"), _ts("2025-11-22"), _ts("2026-01-01")],
            "last": [pk, cas, _ts("2025-11-20"), _ts("2025-11-21"), rec, _ts("2026-01-05")],
        }
    )


def key_day_table(returns: pd.DataFrame, periods: pd.DataFrame, assets: list[str]) -> pd.DataFrame:
    """:func:`key_period_returns` output as one row per period (in ``periods`` order) and one column per
    asset (in ``assets`` order), the first column ``period``; NaN where the market was closed.

    >>> r = pd.DataFrame({"period": ["a", "a", "b", "b"], "asset": ["X", "Y", "X", "Y"],
    ...                   "ret": [0.1, float("nan"), -0.2, 0.3]})
    >>> key_day_table(r, pd.DataFrame({"period": ["b", "a"]}), ["Y", "X"]).values.tolist()
    [['b', 0.3, -0.2], ['a', nan, 0.1]]
    """
    wide = returns.pivot(index="period", columns="asset", values="ret").loc[list(periods["period"]), list(assets)]
    wide.columns.name = None
    return wide.reset_index()


def drawdowns_for_people(ddt: pd.DataFrame, end_label: str) -> pd.DataFrame:
    """:func:`drawdown_table` for people: ``market, highest close, lowest close after it, deepest fall
    (close-to-close), peak regained`` (``not by <end_label>`` when it was not), ``below the running
    peak on 21 Nov``."""
    return pd.DataFrame(
        {
            "market": list(ddt.index),
            "highest close": list(ddt["peak_date"]),
            "lowest close after it": list(ddt["trough_date"]),
            "deepest fall (close-to-close)": ddt["max_drawdown"].astype("float64").to_numpy(),
            "peak regained": [
                f"not by {end_label}" if pd.isna(t) else f"{pd.Timestamp(t).day} {pd.Timestamp(t):%b %Y}"
                for t in ddt["recovered"]
            ],
            "below the running peak on 21 Nov": ddt["drawdown_at"].astype("float64").to_numpy(),
        }
    )


def indexed_closes(series: dict[str, pd.Series], base, start, end, level: float = 100.0) -> pd.DataFrame:
    """Each series of closes :func:`rebase`-d to ``level`` at its last close on or before ``base``,
    cut to [start, end] (UTC days, inclusive), side by side (NaN on a day a market had no session).

    >>> i = pd.date_range("2025-08-29", periods=5, tz="UTC")
    >>> s = {"A": pd.Series([50.0, 40, 60, 80, 70], index=i), "B": pd.Series([2.0, 4.0], index=i[[1, 3]])}
    >>> indexed_closes(s, "2025-08-31", "2025-08-31", "2025-09-02").round(1).to_dict("list")
    {'A': [100.0, 133.3, 116.7], 'B': [nan, 200.0, nan]}
    """
    a, z = _ts(start).normalize(), _ts(end).normalize()
    cols = {name: rebase(s, base, level) for name, s in series.items()}
    out = pd.DataFrame(cols)
    out = out.loc[(out.index >= a) & (out.index <= z)].dropna(how="all")
    out.index.name = "day"
    return out


def drawdown_and_vol(
    daily: pd.DataFrame, ref: str, value: str, vol_window: int, vol_from, troughs: pd.DataFrame
) -> pd.DataFrame:
    """BTC's fall from its running high and its realised volatility, day by day: ``fall from the
    highest so far`` (``daily[value] / running max of daily[ref] - 1``), ``realised volatility``
    (:func:`realised_vol` over ``vol_window`` days, from ``vol_from`` on, NaN before) and
    ``bull-market correction trough`` (the depth on each trough day of ``troughs``, a frame with
    ``trough_day`` and ``depth``; NaN elsewhere).

    >>> i = pd.date_range("2025-01-01", periods=4, tz="UTC")
    >>> d = pd.DataFrame({"high": [10.0, 12, 11, 13], "close": [9.0, 11, 6, 12]}, index=i)
    >>> t = pd.DataFrame({"trough_day": [i[2]], "depth": [-0.5]})
    >>> f = drawdown_and_vol(d, "high", "close", 2, "2025-01-01", t)
    >>> f["fall from the highest so far"].round(3).tolist(), f["bull-market correction trough"].tolist()[2]
    ([-0.1, -0.083, -0.5, -0.077], -0.5)
    """
    dd = daily[value] / daily[ref].cummax() - 1.0
    rv = realised_vol(daily["close"], vol_window)
    rv = rv.where(rv.index >= _ts(vol_from))
    trough = pd.Series(np.nan, index=daily.index)
    for r in troughs.itertuples():
        trough.loc[r.trough_day] = r.depth
    out = pd.DataFrame(
        {
            "fall from the highest so far": dd.astype("float64"),
            "realised volatility": rv.astype("float64"),
            "bull-market correction trough": trough,
        }
    )
    out.index.name = "day"
    return out


def altcoin_panels(
    own: dict[str, float], btc: float, history: pd.DataFrame, coins: list[str] | tuple[str, ...]
) -> pd.DataFrame:
    """The two panels of the altcoin chart, long format: panel ``10-21 Nov 2025`` (one row per coin and
    BTC, ``series`` the ticker in capitals, ``value`` its return, sorted from the worst) and panel
    ``earlier windows`` (``series`` ``median altcoin, in dollars`` and ``median altcoin, against BTC``,
    one row per earlier window ending on ``window end``: the median of the coins' returns in
    ``history``, and that median minus BTC's; ``history`` has one column per coin and ``btc``).

    >>> h = pd.DataFrame({"a": [0.1, -0.2], "b": [0.3, 0.0], "btc": [0.1, -0.1]},
    ...                  index=pd.date_range("2025-01-01", periods=2, tz="UTC"))
    >>> p = altcoin_panels({"a": -0.3, "b": -0.1}, -0.2, h, ["a", "b"])
    >>> p.loc[p.panel == "10-21 Nov 2025", "series"].tolist()
    ['A', 'BTC', 'B']
    >>> p.loc[p.series == "median altcoin, against BTC", "value"].round(3).tolist()
    [0.1, 0.0]
    """
    now = pd.Series({**{c.upper(): float(v) for c, v in own.items()}, "BTC": float(btc)}).sort_values()
    first = pd.DataFrame({"panel": "10-21 Nov 2025", "series": now.index, "window end": pd.NaT, "value": now.values})
    med = history[list(coins)].median(axis=1)
    rel = history[list(coins)].sub(history["btc"], axis=0).median(axis=1)
    rest = [
        pd.DataFrame({"panel": "earlier windows", "series": name, "window end": s.index, "value": s.to_numpy()})
        for name, s in (("median altcoin, in dollars", med), ("median altcoin, against BTC", rel))
    ]
    out = pd.concat([first, *rest], ignore_index=True)
    out["window end"] = pd.to_datetime(out["window end"], utc=True)
    return out


def grid_share(grid: pd.DataFrame, part: str, key: str, verdict: str) -> pd.Series:
    """Share of a part's specifications (rows of the claims grid: ``part``, ``spec`` as JSON, ``verdict``)
    giving ``verdict``, for each value of the analyst choice ``key``.

    >>> g = pd.DataFrame({"part": ["P"] * 3, "verdict": ["supported", "contradicted", "supported"],
    ...                   "spec": ['{"m": "x"}', '{"m": "y"}', '{"m": "y"}']})
    >>> grid_share(g, "P", "m", "supported").to_dict()
    {'x': 1.0, 'y': 0.5}
    """
    import json

    g = grid.loc[grid["part"] == part]
    keys = g["spec"].map(lambda s: json.loads(s)[key])
    return (g["verdict"] == verdict).groupby(keys.to_numpy()).mean()


def grid_statistic(grid: pd.DataFrame, part: str, spec: dict) -> float:
    """The deciding statistic of a part under one specification (``spec`` equal to the grid row's JSON).

    >>> g = pd.DataFrame({"part": ["P", "P"], "spec": ['{"m": "x"}', '{"m": "y"}'], "statistic": [0.1, 0.9]})
    >>> grid_statistic(g, "P", {"m": "y"})
    0.9
    """
    import json

    g = grid.loc[grid["part"] == part]
    hit = [float(r.statistic) for r in g.itertuples() if json.loads(r.spec) == spec]
    if len(hit) != 1:
        raise KeyError(f"{part}: {len(hit)} grid rows for the specification {spec}")
    return hit[0]


# the registered charts (mktlib.charts): exactly the plotted data, from the snapshot

from mktlib import charts  # noqa: E402  (registration only; mktlib.charts imports nothing from here)


@charts.register(
    "episode-indexed-closes",
    sources=["btc_spot_1d_fullcols", "eth_spot_1d_fullcols", "ndx_1d", "gold_lbma_pm", "hsi_1d"],
    units="index, last close on or before 1 Sep 2025 = 100",
    title="BTC, ETH, the Nasdaq-100, gold and the Hang Seng, indexed closes, 1 Sep 2025 to 31 Jan 2026",
    note="each market on its own closes: UTC daily closes for BTC and ETH, official closes for the indices, "
    "the LBMA PM fix for gold; empty where a market had no session",
)
def indexed_closes_chart() -> pd.DataFrame:
    """Closes of BTC, ETH, the Nasdaq-100, gold and the Hang Seng indexed to 100 on 1 Sep 2025, to 31 Jan 2026."""
    from mktlib.plotting import STUDY_WINDOW

    closes = load_key_closes()
    series = {label: closes[name][0] for label, (name, _) in CHART_ASSETS.items()}
    return indexed_closes(series, STUDY_WINDOW[0], *STUDY_WINDOW)


@charts.register(
    "episode-btc-drawdown-volatility",
    sources=["btc_spot_1d_fullcols", "btc_spot_1d"],
    units="fractions: fall from the highest daily high so far (close against it); "
    "30-day realised volatility, annualised (sqrt 365)",
    title="BTC's fall from its high and its 30-day realised volatility, since 2017",
    note="the registered D14 measures (primary specification); bull-market correction troughs: falls from "
    "a new high that ended in a new high within a year, completed before 6 Oct 2025",
)
def drawdown_vol_chart() -> pd.DataFrame:
    """D14's chart: fall from the running high (primary basis), realised volatility, and the troughs of
    Bitcoin's past bull-market corrections."""
    from mktlib import claims
    from mktlib.verdicts import episode as ve

    s = claims.specifications("D14")[0]
    ref, val = ve.BASES[s["basis"]]
    peak_day = ve.drawdown_state(s["basis"], s["at_day"])["peak_day"]
    bull = ve.bull_corrections(s["basis"], peak_day, s["bull_max_days"], s["min_correction"])
    return drawdown_and_vol(ve.btc_daily(), ref, val, int(s["vol_window"]), s["vol_history"], bull)


@charts.register(
    "episode-altcoins-10-21-nov",
    sources=[
        "btc_spot_1d_fullcols",
        "eth_spot_1d_fullcols",
        "eth_spot_1d",
        "sol_spot_1d",
        "xrp_spot_1d",
        "bnb_spot_1d",
        "doge_spot_1d",
        "ada_spot_1d",
        "link_spot_1d",
        "avax_spot_1d",
        "ltc_spot_1d",
        "zec_spot_1d",
    ],
    units="fraction (return from the daily open of the first day to the daily close of the last)",
    title="Altcoins and BTC, 10-21 Nov 2025, against every earlier 12-day window",
    note="panel '10-21 Nov 2025': each coin's return; panel 'earlier windows': the basket's median return "
    "(in dollars, and minus BTC's) over every earlier 12-day window, dated by its last day",
)
def altcoins_chart() -> pd.DataFrame:
    """K5's chart: the basket's returns over 10-21 Nov 2025 and the history its medians are ranked in."""
    from mktlib import claims
    from mktlib.verdicts import episode as ve

    s = claims.specifications("K5")[0]
    coins = tuple(s["baskets"][s["basket"]])
    a, z = (_ts(x) for x in s["window"])
    st = ve.k5_stats(coins, *s["window"])
    h = ve._window_returns(coins, int((z - a) / DAY) + 1)
    return altcoin_panels(st["own"], st["btc"], h.loc[h.index < a], coins)


# the drawings of the charts (mktlib.charts.figure("<name>")): each from its chart's data alone, plus the
# annotations the chapter puts on it (turning points, phases, the commentaries' dates, the ledger's values)

#: The cut of the indexed-closes chart's scale: gold's December-January climb is off it (the comparison is
#: crypto against the rest).
INDEXED_CLOSES_TOP = 130.0


@charts.drawer("episode-indexed-closes")
def draw_indexed_closes(df: pd.DataFrame):
    """The chapter's main chart: :func:`indexed_closes_chart` as lines, the phases of :func:`find_episode`
    as numbered bands, BTC's turning points as dotted lines and the commentaries' dates as triangles."""
    import matplotlib.pyplot as plt

    from mktlib import claims, plotting
    from mktlib.book import fmt_day
    from mktlib.verdicts import episode as ve

    plotting.set_theme()
    ep = ve.the_episode()
    K, PH, ARTS = ep.key_dates, ep.phases, claims.articles()
    w0, w1 = df.index[0], df.index[-1]
    low_day = ep.day("low")
    at_low = df.loc[:low_day].ffill().iloc[-1] - 100  # index points = % change since 1 Sep
    TOP = INDEXED_CLOSES_TOP
    gold = df["Gold"].dropna()
    gold_off = gold.index[gold > TOP][0]

    fig, ax = plt.subplots(figsize=(8.6, 5.0))
    for i, r in PH.iterrows():
        a, z = max(r["start"], w0), min(r["end"], w1 + pd.Timedelta("1D"))
        if z > a:
            ax.axvspan(a, z, color="#000000", alpha=0.05 if i % 2 == 0 else 0.0, lw=0)
            ax.text(
                a + (z - a) / 2,
                0.035,
                str(i + 1),
                transform=ax.get_xaxis_transform(),
                ha="center",
                fontsize=8,
                color="#666666",
            )
    ax.axhline(100, color="#999999", lw=0.8)
    ends = {label: min(float(df[label].dropna().iloc[-1]), TOP - 10) for label in df.columns}
    label_y, last = {}, None
    for label, y in sorted(ends.items(), key=lambda kv: -kv[1]):  # end labels at least 5 points apart
        label_y[label] = y if last is None else min(y, last - 5)
        last = label_y[label]
    for label, (_, key) in CHART_ASSETS.items():
        s = df[label].dropna()
        text = f"{label} {s.iloc[-1]:.0f}" + (f"\n(off scale from {gold_off:%d %b})" if s.iloc[-1] > TOP else "")
        ax.plot(s.index, s, color=plotting.PALETTE[key], lw=2.2 if key in ("btc", "eth") else 1.5)
        ax.annotate(
            text,
            (s.index[-1], min(s.iloc[-1], TOP)),
            xytext=(s.index[-1] + pd.Timedelta("2D"), label_y[label]),
            textcoords="data",
            va="center",
            fontsize=8.5,
            color=plotting.PALETTE[key],
            fontweight="bold",
        )
    ax.set_xlim(w0, w1 + pd.Timedelta("24D"))
    ax.set_ylim(min(40.0, float(df.min().min()) - 5), TOP)
    plotting.mark_dates(
        ax,
        {
            f"peak {K.loc['peak', 'price']:,.0f}": K.loc["peak", "time"],
            "cascade": K.loc["cascade", "time"],
            f"low {K.loc['low', 'price']:,.0f}": K.loc["low", "time"],
            "close > 90k": K.loc["recovery", "time"],
            f"Jan high {K.loc['rally_peak', 'price']:,.0f}": K.loc["rally_peak", "time"],
        },
    )
    art_days = {a: pd.Timestamp(ARTS[a]["date"], tz="UTC") for a in ("003", "001", "000", "002")}
    ax.plot(
        list(art_days.values()),
        [0.0] * len(art_days),
        "^",
        ms=8,
        color="#6a3d9a",
        transform=ax.get_xaxis_transform(),
        clip_on=False,
        zorder=5,
    )
    ax.set_ylabel(f"index, last close on or before {fmt_day(w0)} = 100")
    ax.set_xlabel("date (UTC days for crypto; each market's own session for the others)")
    plotting.month_axis(ax, "%b %Y")
    ax.set_title(
        f"From {fmt_day(w0)} to the day of the low ({fmt_day(low_day)}), BTC moved {at_low['BTC']:+.0f}% and "
        f"ETH {at_low['ETH']:+.0f}%;\nthe Nasdaq-100 {at_low['Nasdaq-100']:+.0f}%, the Hang Seng "
        f"{at_low['Hang Seng']:+.0f}%, gold {at_low['Gold']:+.0f}% (closes)"
    )
    fig.tight_layout()
    plotting.source_note(
        fig,
        "Source: Binance spot BTCUSDT, ETHUSDT (USDT, UTC daily closes); Nasdaq-100 and Hang Seng "
        "(Yahoo Finance, official closes); LBMA Gold Price PM (USD). Numbered bands: the phases "
        f"(table below). Scale cut at {TOP:.0f}: gold's climb after {fmt_day(gold_off)} is off it. "
        "Purple triangles: the commentaries' dates ("
        + "; ".join(f"{ARTS[a]['short']}, {fmt_day(t)}" for a, t in art_days.items())
        + ").",
    )
    return fig


@charts.drawer("episode-btc-drawdown-volatility")
def draw_drawdown_vol(df: pd.DataFrame):
    """D14's chart: :func:`drawdown_vol_chart` in two panels, the fall from the running high against the
    equities' bear-market line and Bitcoin's past bull-market corrections (top, with the hindsight horizon
    shaded), and the realised volatility against the 'high' line (bottom); 21 Nov 2025 marked."""
    import matplotlib.pyplot as plt

    from mktlib import claims, plotting
    from mktlib.book import fmt_day
    from mktlib.verdicts import episode as ve

    plotting.set_theme()
    spec0 = dict(claims.specifications("D14")[0])
    h0, h1 = ve.hindsight_window(spec0["article"])
    rv30_pct = claims.evaluate("D14").values["D14.rv30_percentile"]
    dd, rv, troughs = df["fall from the highest so far"], df["realised volatility"], df["bull-market correction trough"]
    t21 = pd.Timestamp(spec0["at_day"], tz="UTC")
    deep_day = troughs.idxmin()
    high_line = float(np.quantile(rv.loc[:t21].dropna(), spec0["high_q"]))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8.6, 4.6), sharex=True, height_ratios=[3, 2])
    ax1.fill_between(dd.index, dd, 0, color=plotting.PALETTE["btc"], alpha=0.35, lw=0)
    ax1.plot(dd.index, dd, color=plotting.PALETTE["btc"], lw=0.8)
    ax1.plot(troughs.dropna().index, troughs.dropna(), "o", ms=3.5, color="black")
    ax1.axhline(spec0["bear_line"], color="#c62828", lw=1, ls="--")
    ax1.text(dd.index[0], spec0["bear_line"], " equities' bear-market line", va="bottom", fontsize=7.5, color="#c62828")
    ax1.axhline(troughs.min(), color="black", lw=1, ls=":")
    ax1.text(
        dd.index[0],
        troughs.min(),
        f" deepest bull-market correction (trough {deep_day:%b %Y})",
        va="bottom",
        fontsize=7.5,
    )
    ax1.axvspan(h0, h1, color="#6a3d9a", alpha=0.15, lw=0)
    ax1.text(h0, -0.97, "horizon ", rotation=90, va="bottom", ha="right", fontsize=7.5, color="#6a3d9a")
    ax1.plot([t21], [dd.loc[t21]], "v", color="#c62828", ms=7)
    ax1.set_ylim(-1, 0.02)
    plotting.percent(ax1)
    ax1.set_ylabel("close below the\nhighest high so far")
    inside = dd.loc[t21] > troughs.min()
    ax1.set_title(
        f"21 Nov 2025 (triangle): close {-dd.loc[t21]:.1%} below the highest high, "
        f"{'inside' if inside else 'beyond'}\n"
        f"Bitcoin's bull-market corrections (dots); 30-day volatility at percentile {rv30_pct:.0%}"
    )
    ax2.plot(rv.index, rv, color=plotting.PALETTE["neutral"], lw=0.8)
    ax2.axhline(high_line, color="#555555", lw=1, ls="--")
    ax2.plot([t21], [rv.loc[t21]], "v", color="#c62828", ms=7)
    ax2.set_ylim(0, None)
    plotting.percent(ax2)
    ax2.set_ylabel(f"{spec0['vol_window']}-day realised\nvolatility (a year)")
    ax2.set_xlabel(f"date (UTC); dashed: the 'high' line (upper third of the history to {fmt_day(t21)})")
    fig.tight_layout()
    plotting.source_note(
        fig,
        f"Source: Binance spot BTCUSDT daily bars (USDT), {fmt_day(df.index[0])} to {fmt_day(df.index[-1])}. "
        "Dots: the troughs of falls from a new high that ended in a new high within a year.",
    )
    return fig


@charts.drawer("episode-altcoins-10-21-nov")
def draw_altcoins(df: pd.DataFrame):
    """K5's chart: :func:`altcoins_chart` as the coins' returns over 10-21 Nov 2025 (left, bars) and the
    histories of the basket's median return, in dollars and against BTC, with this window's medians
    (right, the values and percentiles of the ledger's K5)."""
    import matplotlib.pyplot as plt

    from mktlib import claims, plotting
    from mktlib.book import fmt_day

    plotting.set_theme()
    v = claims.evaluate("K5").values
    now = df.loc[df["panel"] == "10-21 Nov 2025"].set_index("series")["value"]
    hist = df.loc[df["panel"] == "earlier windows"]
    n_coins, n_fell = len(now) - 1, int((now.drop("BTC") < 0).sum())
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.6, 3.4), width_ratios=[1.1, 1])
    ax1.barh(
        now.index,
        now,
        color=[plotting.PALETTE["btc"] if k == "BTC" else plotting.PALETTE["neutral"] for k in now.index],
    )
    for y, (_, r) in enumerate(now.items()):
        ax1.text(
            r - 0.004,
            y,
            f"{r:.1%}",
            va="center",
            ha="right",
            fontsize=7.5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3},
        )
    ax1.set_xlim(now.min() - 0.09, 0)
    plotting.percent(ax1, "x")
    ax1.set_xlabel("return, open 10 Nov to close 21 Nov 2025")
    lines = {
        "median altcoin, in dollars": ("#c62828", v["K5.median_alt_return"], v["K5.median_alt_return_percentile"]),
        "median altcoin, against BTC": (
            plotting.PALETTE["ndx"],
            v["K5.median_alt_vs_btc"],
            v["K5.median_alt_vs_btc_percentile"],
        ),
    }
    for name, (color, value, pct) in lines.items():
        ax2.hist(
            hist.loc[hist["series"] == name, "value"],
            bins=40,
            color=color,
            alpha=0.45,
            label=f"{name.removeprefix('median altcoin, ')}: percentile {pct:.0%}",
        )
        ax2.axvline(value, color=color, lw=1.6)
    ax2.legend(fontsize=7.5, loc="upper right")
    plotting.percent(ax2, "x")
    ax2.set_xlabel(f"median altcoin, earlier 12-day windows\n(since {fmt_day(hist['window end'].min())})")
    ax2.set_yticks([])
    fig.suptitle(
        f"{n_fell} of {n_coins} altcoins fell; the median {v['K5.median_alt_vs_btc'] * 100:+.1f} pp "
        f"against BTC, {v['K5.median_alt_return']:+.1%} in dollars,\nworse than "
        f"{1 - v['K5.median_alt_return_percentile']:.0%} of earlier 12-day windows",
        x=0.01,
        ha="left",
        fontsize=11.5,
        fontweight="bold",
    )
    fig.tight_layout()
    plotting.source_note(fig, "Source: Binance spot USDT pairs, daily bars (USDT). Lines: 10-21 Nov 2025.")
    return fig
