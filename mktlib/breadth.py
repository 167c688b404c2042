"""The AI trade: single-day reversals, drawdowns and the breadth of a rebound (claims D1, D2, D9, K2, A6).

Conventions (claims protocol): equity returns are simple close-to-previous-close returns on the
exchange's own sessions; a "drawdown" is measured on closes, the peak preceding the trough.

- :func:`day_range` - one session's open/high/low/close against the previous close (a reversal).
- :func:`max_drawdown` - largest peak-to-trough fall of closes within a window, with both dates.
- :func:`max_drawdown_intraday` - the same on intraday extremes: a high to a later (or same-day) low.
- :func:`period_returns` - close-to-close return of every ticker of a long panel between two sessions.
- :func:`breadth` - share of names up, equal-weighted mean, and (if weights are given) the weighted
  return of a cross-section of returns.
- :func:`ndx_coverage` - which Nasdaq-100 names the snapshot's panels hold (a loader).
- :func:`reversal_table` - one session of several markets against their previous closes (a table), and the
  data and drawing of the chart ``rates-segment-returns`` (:mod:`mktlib.charts`).

>>> close = pd.Series([100., 110, 99, 105, 88, 95],
...                   index=pd.date_range("2025-10-01", periods=6, freq="D", tz="UTC"))
>>> dd = max_drawdown(close)
>>> round(dd.drawdown, 4), dd.peak_date.date(), dd.trough_date.date()
(-0.2, datetime.date(2025, 10, 2), datetime.date(2025, 10, 5))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mktlib import charts
from mktlib.errors import DataError
from mktlib.timeutil import utc

__all__ = [
    "day_range",
    "Drawdown",
    "max_drawdown",
    "max_drawdown_intraday",
    "period_returns",
    "breadth",
    "ndx_coverage",
    "NDX_CONSTITUENT_FILE",
    "SEGMENTS",
    "reversal_table",
    "segment_returns_chart",
    "draw_segment_returns",
]

NDX_CONSTITUENT_FILE = "ndx_constituents_1d"


def _check_daily(obj, name: str) -> None:
    idx = obj.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise DataError(name, "index must be a DatetimeIndex")
    if idx.tz is None:
        raise DataError(name, "index must be tz-aware (UTC session labels)")
    if idx.has_duplicates:
        raise DataError(name, f"duplicate dates, first {idx[idx.duplicated()][0].date()}")
    if not idx.is_monotonic_increasing:
        raise DataError(name, "dates are not sorted")


_ts = utc  # mktlib.timeutil: naive arguments are read as UTC


def day_range(ohlc: pd.DataFrame, day, *, name: str = "ohlc") -> pd.Series:
    """One session against the previous session's close.

    ``ohlc``: daily bars with ``open high low close`` indexed by session label (UTC). Returns
    ``prev_close, open, high, low, close`` and the fractions ``high_vs_prev_close`` (high / previous
    close - 1), ``low_vs_prev_close``, ``close_return`` (close / previous close - 1) and
    ``close_vs_high`` (close / high - 1, the fall from the intraday high).

    >>> idx = pd.DatetimeIndex(["2025-11-19", "2025-11-20"], tz="UTC")
    >>> bars = pd.DataFrame({"open": [1, 104.], "high": [1, 105.], "low": [1, 96.], "close": [100., 97]}, index=idx)
    >>> r = day_range(bars, "2025-11-20")
    >>> [round(float(r[k]), 4) for k in ("high_vs_prev_close", "close_return", "close_vs_high")]
    [0.05, -0.03, -0.0762]
    """
    missing = [c for c in ("open", "high", "low", "close") if c not in ohlc.columns]
    if missing:
        raise DataError(name, f"missing column(s) {missing}")
    _check_daily(ohlc, name)
    d = _ts(day)
    if d not in ohlc.index:
        raise DataError(name, f"no bar on {d.date()}")
    pos = ohlc.index.get_loc(d)
    if pos == 0:
        raise DataError(name, f"no session before {d.date()} for the previous close")
    row = ohlc.iloc[pos]
    prev = float(ohlc["close"].iloc[pos - 1])
    vals = row[["open", "high", "low", "close"]].astype(float)
    if vals.isna().any() or not np.isfinite(prev):
        raise DataError(name, f"NaN in the bars of {d.date()} or the previous session")
    return pd.Series(
        {
            "prev_close": prev,
            **vals.to_dict(),
            "high_vs_prev_close": vals["high"] / prev - 1,
            "low_vs_prev_close": vals["low"] / prev - 1,
            "close_return": vals["close"] / prev - 1,
            "close_vs_high": vals["close"] / vals["high"] - 1,
            "prev_date": ohlc.index[pos - 1],
        },
        name=d,
    )


@dataclass(frozen=True)
class Drawdown:
    """Largest peak-to-trough fall: ``drawdown`` (fraction, <= 0), ``peak_date``, ``peak``,
    ``trough_date``, ``trough``."""

    drawdown: float
    peak_date: pd.Timestamp
    peak: float
    trough_date: pd.Timestamp
    trough: float


def max_drawdown(close: pd.Series, start=None, end=None, *, name: str = "close") -> Drawdown:
    """Maximum peak-to-trough drawdown of ``close`` within ``start``..``end`` (inclusive).

    Only peaks inside the window count (the peak precedes the trough). A monotone rising series has
    drawdown 0 with peak = trough = its first observation's running maximum at the end.
    """
    _check_daily(close, name)
    s = close.loc[_ts(start) if start is not None else None : _ts(end) if end is not None else None]
    s = s.astype("float64")
    if len(s) < 2:
        raise DataError(name, "fewer than 2 closes in the window")
    if s.isna().any() or (s <= 0).any():
        raise DataError(name, "NaN or non-positive closes in the window")
    dd = s / s.cummax() - 1
    t = dd.idxmin()
    p = s.loc[:t].idxmax()
    return Drawdown(float(dd.loc[t]), p, float(s.loc[p]), t, float(s.loc[t]))


def max_drawdown_intraday(ohlc: pd.DataFrame, start=None, end=None, *, name: str = "ohlc") -> Drawdown:
    """Largest fall from an intraday high to a low on the same or a later session within
    ``start``..``end``: min over t of low_t / max(high_s, s <= t) - 1. ``peak``/``trough`` are the high
    and the low; the same session may hold both (the order within a day is unknown, so a same-day
    high-to-low range counts as a fall).

    >>> idx = pd.date_range("2025-10-01", periods=4, freq="D", tz="UTC")
    >>> bars = pd.DataFrame({"high": [100., 120, 110, 105], "low": [95., 108, 90, 99]}, index=idx)
    >>> dd = max_drawdown_intraday(bars)
    >>> round(dd.drawdown, 4), dd.peak_date.day, dd.trough_date.day
    (-0.25, 2, 3)
    """
    for c in ("high", "low"):
        if c not in ohlc.columns:
            raise DataError(name, f"missing column {c!r}")
    _check_daily(ohlc, name)
    w = ohlc.loc[
        _ts(start) if start is not None else None : _ts(end) if end is not None else None, ["high", "low"]
    ].astype("float64")
    if len(w) < 1:
        raise DataError(name, "no sessions in the window")
    if w.isna().any().any() or (w <= 0).any().any():
        raise DataError(name, "NaN or non-positive highs/lows in the window")
    dd = w["low"] / w["high"].cummax() - 1
    t = dd.idxmin()
    p = w["high"].loc[:t].idxmax()
    return Drawdown(float(dd.loc[t]), p, float(w.loc[p, "high"]), t, float(w.loc[t, "low"]))


def period_returns(
    panel: pd.DataFrame, start, end, *, key: str = "ticker", column: str = "close", name: str = "panel"
) -> pd.Series:
    """Close-to-close return of every ``key`` of a long panel from session ``start`` to ``end``.

    ``panel``: long frame indexed by session label with columns ``key`` and ``column``. Raises if a
    name lacks a close on either date (no silent drop). Returns a Series indexed by ``key``.
    """
    for c in (key, column):
        if c not in panel.columns:
            raise DataError(name, f"missing column {c!r}")
    s, e = _ts(start), _ts(end)
    if e <= s:
        raise ValueError(f"end {e.date()} must be after start {s.date()}")
    wide = panel.reset_index().pivot_table(
        index=panel.index.name or "index", columns=key, values=column, aggfunc="first"
    )
    for d in (s, e):
        if d not in wide.index:
            raise DataError(name, f"no rows on {d.date()}")
    a, b = wide.loc[s], wide.loc[e]
    bad = a.index[a.isna() | b.isna()]
    if len(bad):
        raise DataError(name, f"{list(bad)} lack a {column} on {s.date()} or {e.date()}")
    out = (b / a - 1).astype("float64")
    out.index.name = key
    return out.rename("return")


def breadth(returns: pd.Series, weights: pd.Series | None = None) -> pd.Series:
    """Cross-sectional summary of period returns: ``n``, ``share_up`` (fraction with return > 0),
    ``eqw_return`` (mean), ``median_return`` and, when ``weights`` (e.g. start-of-period market caps,
    any positive scale) are given for every name, ``capw_return`` and ``eqw_minus_capw``.

    >>> r = pd.Series({"A": 0.10, "B": -0.02, "C": 0.01, "D": 0.03})
    >>> b = breadth(r, weights=pd.Series({"A": 6., "B": 2., "C": 1., "D": 1.}))
    >>> [round(float(b[k]), 4) for k in ("share_up", "eqw_return", "capw_return", "eqw_minus_capw")]
    [0.75, 0.03, 0.06, -0.03]
    """
    r = pd.to_numeric(returns, errors="coerce").astype("float64")
    if len(r) == 0:
        raise ValueError("breadth: no returns")
    if r.isna().any():
        raise ValueError(f"breadth: NaN return for {list(r.index[r.isna()])}")
    if r.index.has_duplicates:
        raise ValueError("breadth: duplicate names")
    out = {
        "n": int(len(r)),
        "share_up": float((r > 0).mean()),
        "eqw_return": float(r.mean()),
        "median_return": float(r.median()),
    }
    if weights is not None:
        w = pd.to_numeric(weights, errors="coerce").astype("float64").reindex(r.index)
        if w.isna().any():
            raise ValueError(f"breadth: no weight for {list(r.index[w.isna()])}")
        if (w <= 0).any():
            raise ValueError("breadth: weights must be positive")
        cap = float((w * r).sum() / w.sum())
        out.update({"capw_return": cap, "eqw_minus_capw": out["eqw_return"] - cap})
    return pd.Series(out, name="breadth")


def ndx_coverage(start="2025-11-21", end="2025-12-05") -> pd.DataFrame:
    """Which Nasdaq-100 names the snapshot holds over ``start``..``end``: one row per ticker of the
    constituent OHLCV file (``ndx_constituents_1d``, the registered universe for A6) with
    ``return`` (raw close, not dividend-adjusted) and ``in_us_close_panel``; AAPL (excluded upstream
    from the constituent file) is added from ``us_close_panel`` (adjusted close) with
    ``source="us_close_panel"``. Market caps / shares outstanding are in neither file."""
    from mktlib import data

    cons = data.load(NDX_CONSTITUENT_FILE)
    r = period_returns(cons, start, end, name=NDX_CONSTITUENT_FILE)
    panel = data.load("us_close_panel")
    in_panel = set(panel["ticker"].unique())
    out = pd.DataFrame({"return": r, "source": NDX_CONSTITUENT_FILE})
    out["in_us_close_panel"] = [t in in_panel for t in out.index]
    if "AAPL" in in_panel and "AAPL" not in out.index:
        ra = period_returns(panel[panel["ticker"] == "AAPL"], start, end, name="us_close_panel")
        out.loc["AAPL"] = [float(ra["AAPL"]), "us_close_panel", True]
    out.index.name = "ticker"
    return out.sort_values("return", ascending=False)


# ----------------------------------------------------------------------------- the chapter's tables and charts
# (notebooks/05-rates-ai.ipynb)

#: The segment ETFs of claim A6's rule (AI segment, broad market) and the technology context around them.
SEGMENTS = {
    "SOXX": "AI segment",
    "SMH": "AI segment",
    "XLK": "technology (context)",
    "QQQ": "technology (context)",
    "IWM": "broad market",
    "SPY": "broad market",
    "DIA": "broad market",
}


def reversal_table(bars: dict[str, pd.DataFrame], day) -> pd.DataFrame:
    """One session of several markets against their previous closes (:func:`day_range`), one row per
    name: ``high_vs_prev_close``, ``low_vs_prev_close``, ``close_return`` and ``close_vs_high``
    (fractions), indexed by name in the order given.

    >>> idx = pd.DatetimeIndex(["2025-11-19", "2025-11-20"], tz="UTC")
    >>> b = pd.DataFrame({"open": [1, 104.], "high": [1, 105.], "low": [1, 96.], "close": [100., 97]}, index=idx)
    >>> reversal_table({"X": b}, "2025-11-20").round(4).loc["X"].tolist()
    [0.05, -0.04, -0.03, -0.0762]
    """
    cols = ["high_vs_prev_close", "low_vs_prev_close", "close_return", "close_vs_high"]
    out = pd.DataFrame({n: day_range(df, day, name=n)[cols] for n, df in bars.items()}).T.astype("float64")
    out.index.name = "name"
    return out


@charts.register(
    "rates-segment-returns",
    sources=["us_close_panel", NDX_CONSTITUENT_FILE],
    units="return, fraction (close 21 Nov to close 5 Dec 2025)",
    title="Returns from 21 Nov to 5 Dec 2025: segment ETFs and the Nasdaq-100 names in the snapshot",
    note="ETFs and AAPL: adjusted closes (us_close_panel); the other constituents: raw closes",
)
def segment_returns_chart() -> pd.DataFrame:
    """Long frame, one row per bar: ``panel`` (``segment ETFs`` or ``Nasdaq-100 names in the
    snapshot``), ``name``, ``group`` (``SEGMENTS`` for ETFs; the source file for the names) and
    ``return`` from the close of 21 Nov to the close of 5 Dec 2025."""
    from mktlib import data

    ucp = data.load("us_close_panel")
    seg = period_returns(ucp[ucp["ticker"].isin(list(SEGMENTS))], "2025-11-21", "2025-12-05", name="us_close_panel")
    a = pd.DataFrame(
        {
            "panel": "segment ETFs",
            "name": list(SEGMENTS),
            "group": list(SEGMENTS.values()),
            "return": seg.reindex(list(SEGMENTS)).to_numpy(),
        }
    )
    cov = ndx_coverage()
    b = pd.DataFrame(
        {
            "panel": "Nasdaq-100 names in the snapshot",
            "name": cov.index,
            "group": [
                "constituent file" if s == NDX_CONSTITUENT_FILE else "adjusted-close panel" for s in cov["source"]
            ],
            "return": cov["return"].to_numpy(),
        }
    )
    return pd.concat([a, b], ignore_index=True)


@charts.drawer("rates-segment-returns")
def draw_segment_returns(df: pd.DataFrame):
    """The figure ``rates-segment-returns`` from its data (``df = charts.data("rates-segment-returns")``): the
    segment ETFs (left, coloured by group) and the Nasdaq-100 names in the snapshot (right) against the
    index's own return (the ledger's ``A6.ndx_return_21nov_5dec``, dashed)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from mktlib import claims, plotting
    from mktlib.book import fmt_pct

    plotting.set_theme()
    ndx = claims.evaluate("A6").values["A6.ndx_return_21nov_5dec"]
    etf = df[df["panel"] == "segment ETFs"]
    names = df[df["panel"] != "segment ETFs"]
    gc = {
        "AI segment": plotting.PALETTE["nvda"],
        "technology (context)": "#9ecae1",
        "broad market": plotting.PALETTE["neutral"],
    }
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.4), gridspec_kw={"width_ratios": [1, 1.15]})
    ax1.barh(etf["name"][::-1], etf["return"][::-1], color=[gc[g] for g in etf["group"][::-1]])
    ax1.axvline(0, color="#999999", lw=0.6)
    ax1.set_xticks([0, 0.04, 0.08, 0.12])
    plotting.percent(ax1, "x")
    ax1.set_title("segment ETFs", fontsize=9)
    ax1.legend(
        handles=[Patch(color=gc[g], label=g) for g in ("AI segment", "technology (context)", "broad market")],
        fontsize=7.5,
        loc="lower right",
    )
    ax2.barh(names["name"][::-1], names["return"][::-1], color=plotting.PALETTE["spx"])
    ax2.axvline(ndx, color=plotting.PALETTE["ndx"], lw=1.5, ls="--", label=f"Nasdaq-100 index {fmt_pct(ndx)}")
    plotting.percent(ax2, "x")
    ax2.set_title("the Nasdaq-100 names in the snapshot (not the index's breadth)", fontsize=9)
    ax2.legend(fontsize=7.5, loc="lower right")
    fig.suptitle(
        "21 Nov-5 Dec 2025: the AI segments led, and the broad market rose too",
        x=0.01,
        ha="left",
        fontweight="bold",
        fontsize=11,
    )
    fig.tight_layout()
    plotting.source_note(
        fig,
        "Return from the close of 21 Nov to the close of 5 Dec 2025. Source: dsturdy adjusted-close "
        "panel (ETFs, AAPL); Yahoo via growwanalysis/nasdaq100 (other names, raw closes).",
    )
    return fig
