"""mktlib.breadth: reversals, drawdowns (on closes and intraday extremes), period returns and breadth on
toy panels, and their values on the snapshot. (The D1, D2, D3, D7, D9, K2 and A6 rules and evaluators are
tested in tests/test_verdicts_macro.py.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mktlib import DataError, breadth


def _idx(dates):
    return pd.DatetimeIndex(dates, tz="UTC", name="timestamp")


def _toy_panel():
    # three tickers, two dates; B misses nothing, C falls
    d = _idx(["2025-11-21"] * 3 + ["2025-12-05"] * 3)
    return pd.DataFrame({"ticker": ["A", "B", "C"] * 2, "close": [100.0, 50.0, 20.0, 110.0, 51.0, 19.0]}, index=d)


# ---------------------------------------------------------------- day_range


def test_day_range_reversal_values():
    bars = pd.DataFrame(
        {"open": [10.0, 104.0], "high": [11.0, 105.0], "low": [9.0, 96.0], "close": [100.0, 97.0]},
        index=_idx(["2025-11-19", "2025-11-20"]),
    )
    r = breadth.day_range(bars, "2025-11-20")
    assert r["prev_close"] == 100.0
    assert r["high_vs_prev_close"] == pytest.approx(0.05)
    assert r["low_vs_prev_close"] == pytest.approx(-0.04)
    assert r["close_return"] == pytest.approx(-0.03)
    assert r["close_vs_high"] == pytest.approx(97 / 105 - 1)
    assert r["prev_date"].date().isoformat() == "2025-11-19"


def test_day_range_bad_input():
    bars = pd.DataFrame(
        {"open": [1.0, 2.0], "high": [1.0, 2.0], "low": [1.0, 2.0], "close": [1.0, 2.0]},
        index=_idx(["2025-11-19", "2025-11-20"]),
    )
    with pytest.raises(DataError, match="no session before"):
        breadth.day_range(bars, "2025-11-19")
    with pytest.raises(DataError, match="no bar on"):
        breadth.day_range(bars, "2025-11-21")
    with pytest.raises(DataError, match="missing column"):
        breadth.day_range(bars.drop(columns="high"), "2025-11-20")
    with pytest.raises(DataError, match="tz-aware"):
        breadth.day_range(bars.tz_localize(None), "2025-11-20")
    with pytest.raises(DataError, match="NaN"):
        breadth.day_range(bars.assign(high=[1.0, np.nan]), "2025-11-20")


# ---------------------------------------------------------------- max_drawdown


def test_max_drawdown_peak_precedes_trough():
    # global min (80) comes BEFORE the global max (130): the drawdown is 130 -> 91, not 130 -> 80
    c = pd.Series([100.0, 80, 90, 130, 91, 120], index=pd.date_range("2025-10-01", periods=6, freq="D", tz="UTC"))
    dd = breadth.max_drawdown(c)
    assert dd.drawdown == pytest.approx(-0.3)
    assert (dd.peak, dd.trough) == (130.0, 91.0)
    assert dd.peak_date < dd.trough_date
    # the window restricts both peak and trough
    dd2 = breadth.max_drawdown(c, "2025-10-01", "2025-10-03")
    assert dd2.drawdown == pytest.approx(-0.2) and dd2.peak == 100.0 and dd2.trough == 80.0
    up = pd.Series([1.0, 2, 3], index=pd.date_range("2025-10-01", periods=3, freq="D", tz="UTC"))
    assert breadth.max_drawdown(up).drawdown == 0.0


def test_max_drawdown_bad_input():
    idx = pd.date_range("2025-10-01", periods=3, freq="D", tz="UTC")
    with pytest.raises(DataError, match="NaN"):
        breadth.max_drawdown(pd.Series([1.0, np.nan, 2.0], index=idx))
    with pytest.raises(DataError, match="sorted"):
        breadth.max_drawdown(pd.Series([1.0, 2.0, 3.0], index=idx[::-1]))
    with pytest.raises(DataError, match="fewer than 2"):
        breadth.max_drawdown(pd.Series([1.0, 2.0, 3.0], index=idx), "2025-10-03", "2025-10-03")


def test_max_drawdown_intraday_high_to_later_low():
    idx = pd.date_range("2025-10-01", periods=5, freq="D", tz="UTC")
    # highest high 130 on day 2; the lowest low 70 on day 0 comes before it and does not count
    bars = pd.DataFrame({"high": [72.0, 105, 130, 118, 125], "low": [70.0, 96, 120, 104, 110]}, index=idx)
    dd = breadth.max_drawdown_intraday(bars)
    assert dd.drawdown == pytest.approx(104 / 130 - 1)
    assert (dd.peak, dd.trough) == (130.0, 104.0)
    assert (dd.peak_date.day, dd.trough_date.day) == (3, 4)
    # a single session: its own high-to-low range
    one = breadth.max_drawdown_intraday(bars, "2025-10-03", "2025-10-03")
    assert one.drawdown == pytest.approx(120 / 130 - 1) and one.peak_date == one.trough_date
    # never shallower than the close-based drawdown of closes inside the same bars
    closes = pd.Series([71.0, 100, 125, 110, 120], index=idx)
    assert dd.drawdown <= breadth.max_drawdown(closes).drawdown
    with pytest.raises(DataError, match="missing column"):
        breadth.max_drawdown_intraday(bars.drop(columns="low"))
    with pytest.raises(DataError, match="NaN"):
        breadth.max_drawdown_intraday(bars.assign(high=[np.nan, 1, 1, 1, 1.0]))


# ---------------------------------------------------------------- period returns and breadth


def test_period_returns_and_breadth_on_toy_panel():
    r = breadth.period_returns(_toy_panel(), "2025-11-21", "2025-12-05")
    assert r.to_dict() == pytest.approx({"A": 0.10, "B": 0.02, "C": -0.05})
    b = breadth.breadth(r)
    assert b["n"] == 3 and b["share_up"] == pytest.approx(2 / 3)
    assert b["eqw_return"] == pytest.approx(0.07 / 3)
    assert b["median_return"] == pytest.approx(0.02)
    # cap weights 100:50:20 (start-of-period market caps): (10 + 1 - 1) / 170
    bw = breadth.breadth(r, weights=pd.Series({"A": 100.0, "B": 50.0, "C": 20.0}))
    assert bw["capw_return"] == pytest.approx(10 / 170)
    assert bw["eqw_minus_capw"] == pytest.approx(0.07 / 3 - 10 / 170)


def test_period_returns_and_breadth_bad_input():
    p = _toy_panel()
    with pytest.raises(DataError, match="lack a close"):
        breadth.period_returns(p.iloc[:-1], "2025-11-21", "2025-12-05")
    with pytest.raises(DataError, match="no rows on"):
        breadth.period_returns(p, "2025-11-21", "2025-12-04")
    with pytest.raises(ValueError, match="after start"):
        breadth.period_returns(p, "2025-12-05", "2025-11-21")
    with pytest.raises(ValueError, match="NaN"):
        breadth.breadth(pd.Series({"A": 0.1, "B": np.nan}))
    with pytest.raises(ValueError, match="no weight"):
        breadth.breadth(pd.Series({"A": 0.1, "B": 0.2}), weights=pd.Series({"A": 1.0}))
    with pytest.raises(ValueError, match="positive"):
        breadth.breadth(pd.Series({"A": 0.1, "B": 0.2}), weights=pd.Series({"A": 1.0, "B": 0.0}))


# ---------------------------------------------------------------- the snapshot


def test_nvda_20nov_and_drawdown_snapshot(snapshot):
    from mktlib import data

    nv = data.load("nvda_1d")
    r = breadth.day_range(nv, "2025-11-20")
    assert r["high_vs_prev_close"] == pytest.approx(195.7503 / 186.2824 - 1, abs=1e-5)
    assert r["close_return"] == pytest.approx(180.4099 / 186.2824 - 1, abs=1e-5)
    dd = breadth.max_drawdown(nv["close"], "2025-10-01", "2025-11-30")
    assert dd.drawdown == pytest.approx(-0.14509, abs=1e-4)
    assert (dd.peak_date.date().isoformat(), dd.trough_date.date().isoformat()) == ("2025-10-29", "2025-11-28")
    di = breadth.max_drawdown_intraday(nv, "2025-10-01", "2025-11-30")
    assert di.peak_date.date().isoformat() == "2025-10-29"
    assert di.drawdown == pytest.approx(di.trough / nv.loc[pd.Timestamp("2025-10-29", tz="UTC"), "high"] - 1)
    assert di.drawdown < dd.drawdown


def test_ndx_coverage_snapshot(snapshot):
    cov = breadth.ndx_coverage()
    assert len(cov) == 13 and set(cov["source"]) == {"ndx_constituents_1d", "us_close_panel"}
    assert cov.loc["AAPL", "source"] == "us_close_panel"
    assert (cov["return"] > 0).all()
    assert cov.loc["PLTR", "return"] == pytest.approx(0.1738, abs=1e-4)
    assert cov.loc["NVDA", "return"] == pytest.approx(0.0197, abs=1e-4)


# ---------------------------------------------------------------- the chapter's tables and charts


def test_reversal_table_rows_in_order():
    idx = _idx(["2025-11-19", "2025-11-20"])
    up = pd.DataFrame({"open": [1.0, 104], "high": [1.0, 105], "low": [1.0, 96], "close": [100.0, 97]}, index=idx)
    flat = pd.DataFrame({"open": [1.0, 50], "high": [1.0, 51], "low": [1.0, 49], "close": [50.0, 50]}, index=idx)
    t = breadth.reversal_table({"UP": up, "FLAT": flat}, "2025-11-20")
    assert t.index.tolist() == ["UP", "FLAT"]
    assert t.loc["UP"].tolist() == pytest.approx([0.05, -0.04, -0.03, 97 / 105 - 1])
    assert t.loc["FLAT"].tolist() == pytest.approx([0.02, -0.02, 0.0, 50 / 51 - 1])
    with pytest.raises(DataError, match="no bar"):
        breadth.reversal_table({"UP": up}, "2025-11-21")


def test_chapter_chart_data_snapshot(snapshot):
    from mktlib import charts, claims

    seg = charts.data("rates-segment-returns")
    a6 = claims.evaluate("A6").values
    etf = seg[seg["panel"] == "segment ETFs"].set_index("name")["return"]
    for t in ("soxx", "smh", "spy", "dia", "iwm"):
        assert etf[t.upper()] == pytest.approx(a6[f"A6.{t}_return_21nov_5dec"], rel=1e-9)
    names = seg[seg["panel"] != "segment ETFs"]
    assert len(names) == 13 and (names["return"] > 0).all()


def test_chapter_drawing_segment_returns(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts, claims

    seg = charts.data("rates-segment-returns")
    etf, names = seg[seg["panel"] == "segment ETFs"], seg[seg["panel"] != "segment ETFs"]
    fig = charts.figure("rates-segment-returns")
    assert len(fig.axes) == 2 and fig.get_suptitle().startswith("21 Nov-5 Dec 2025")
    ax1, ax2 = fig.axes
    for ax, part in ((ax1, etf), (ax2, names)):  # bars bottom-up: the data's rows reversed
        assert [b.get_width() for b in ax.patches] == part["return"].tolist()[::-1]
        assert [t.get_text() for t in ax.get_yticklabels()] == part["name"].tolist()[::-1]
    ndx = claims.evaluate("A6").values["A6.ndx_return_21nov_5dec"]
    assert any(tuple(ln.get_xdata()) == (ndx, ndx) for ln in ax2.lines)  # the index's own return, dashed
    assert ax2.get_legend().get_texts()[0].get_text().startswith("Nasdaq-100 index +")
    plt.close("all")
