"""mktlib.hindsight: the epilogue's headline recomputation, forecast table and chart data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mktlib import charts, hindsight


def _bars(lows, closes, start="2025-10-01"):
    idx = pd.date_range(start, periods=len(lows), tz="UTC")
    return pd.DataFrame({"low": lows, "close": closes}, index=idx)


def test_path_after_known_answer():
    # peak window: the first two days (highest close 120 on day 2); the low to undercut is 80, set on day 4
    d = _bars(
        lows=[100, 110, 85, 80, 82, 80, 79.5, 60, 65, 70],
        closes=[105, 120, 90, 84, 86, 81, 75, 62, 66, 72],
    )
    p = hindsight.path_after(d, 80.0, ("2025-10-01", "2025-10-02"), "2025-10-04")
    # day 6's low equals 80: not an undercut (strictly below); day 7's 79.5 is
    assert p["undercut_day"] == pd.Timestamp("2025-10-07", tz="UTC")
    assert p["peak_close"] == 120.0 and p["peak_close_day"] == pd.Timestamp("2025-10-02", tz="UTC")
    assert p["low_close"] == 62.0 and p["low_close_day"] == pd.Timestamp("2025-10-08", tz="UTC")
    assert p["fall_close"] == pytest.approx(1 - 62 / 120)
    assert p["end"] == pd.Timestamp("2025-10-10", tz="UTC")


def test_path_after_ignores_days_up_to_after_and_reports_no_undercut():
    d = _bars(lows=[100, 70, 90, 95], closes=[110, 75, 92, 96])
    # the 70 on day 2 is not after "after" (day 2): no undercut later
    p = hindsight.path_after(d, 80.0, ("2025-10-01", "2025-10-01"), "2025-10-02")
    assert pd.isna(p["undercut_day"]) and math.isnan(p["low_close"]) and math.isnan(p["fall_close"])
    assert p["peak_close"] == 110.0
    with pytest.raises(ValueError, match="peak window"):
        hindsight.path_after(d, 80.0, ("2024-01-01", "2024-01-31"), "2025-10-02")


def test_splice_agreement_known_answer():
    i = pd.date_range("2025-01-01", periods=4, tz="UTC")
    a = pd.DataFrame({"open": [1.0, 2, 3, 4], "close": [1.0, 2, 3, 4]}, index=i)
    b = pd.DataFrame({"open": [2.0, 3.25], "close": [2.0, 2.5], "extra": [9.0, 9.0]}, index=i[1:3])
    last, worst = hindsight.splice_agreement(a, b, ["open", "close"])
    assert last == i[2] and worst == 0.5
    with pytest.raises(ValueError, match="share no day"):
        hindsight.splice_agreement(a.iloc[:1], b, ["open"])


def test_forecast_table_rows_links_and_stability():
    summary = pd.DataFrame(
        [
            # claim, part, type, statement, verdict, primary, stability, n
            ("A8", "A8a", "forecast", "a dead-cat bounce", "supported", "supported", 1.0, 6),
            ("D12", "D12b", "forecast", "as article 003 said", "inconclusive", "contradicted", 0.5, 12),
            ("G6", "G6a", "forecast", "hold above", "contradicted", "contradicted", np.nan, 1),
            ("A1", "A1", "fact", "not a forecast", "supported", "supported", np.nan, 1),
        ],
        columns=["claim", "part", "type", "statement", "verdict", "primary_verdict", "stability", "n_specifications"],
    )
    t = hindsight.forecast_table(summary)
    assert len(t) == 3 and set(hindsight.FORECAST_HTML) <= set(t.columns)
    a8, d12, g6 = (t.iloc[i] for i in range(3))
    # the epilogue's own claims link on the page, the others to their chapter
    assert a8["claim part"] == '<a href="#claim-a8">A8a</a>' and a8["tested in"] == "this page"
    assert d12["claim part"] == '<a href="../notebooks/04-transmission.html#claim-d12">D12b</a>'
    assert "04-transmission.html" in d12["tested in"]
    # commentaries by short title, in the statement too; horizon = the protocol's days after the article date
    assert a8["commentary"] == "Back above $90,000" and d12["commentary"] == "Global big dump"
    assert "Global big dump" in d12["forecast"] and "003" not in d12["forecast"]
    assert a8["written on"] == pd.Timestamp("2025-11-27", tz="UTC")
    assert a8["horizon ends"] == pd.Timestamp("2026-02-25", tz="UTC")
    assert d12["stability"] == "50% of 12 specifications" and g6["stability"] == "one specification"
    assert "primary specification: contradicted" in d12["verdict"]


def test_charts_are_registered_with_their_sources():
    c = charts.chart("epilogue-btc-path")
    assert c.sources == ("btc_spot_1d_fullcols",) and c.units == "USDT"
    assert charts.chart("epilogue-g6-btc-eth").sources == ("btc_spot_1d_fullcols", "eth_spot_1d_fullcols")


def test_chart_data_on_the_snapshot(snapshot):
    p = charts.data("epilogue-btc-path")
    assert list(p.columns) == ["BTC daily close", "BTC daily low"]
    assert p.index[0] == pd.Timestamp(hindsight.PATH_START, tz="UTC") and str(p.index.tz) == "UTC"
    assert (p["BTC daily low"] <= p["BTC daily close"]).all()
    g = charts.data("epilogue-g6-btc-eth")
    a, z = hindsight.g6_window()
    # G6 looks back 31 days to the article's date (4 Jan 2026) and forward 90 days
    assert (a, z) == (pd.Timestamp("2025-12-05", tz="UTC"), pd.Timestamp("2026-04-04", tz="UTC"))
    assert g.index[0] == a and g.index[-1] == z and len(g) == (z - a).days + 1
    assert not g.isna().any().any()


def test_btc_path_drawing_plots_the_chart_data(snapshot):
    import matplotlib.pyplot as plt

    from mktlib.book import fmt_day

    df = charts.data("epilogue-btc-path")
    fig = charts.figure("epilogue-btc-path")
    try:
        assert len(fig.axes) == 1
        ax = fig.axes[0]
        close = next(ln for ln in ax.lines if ln.get_label() == "daily close")
        np.testing.assert_array_equal(close.get_ydata(), df["BTC daily close"].to_numpy())
        # the shaded band runs from the daily low up to the close: its lowest point is the lowest low
        band = ax.collections[0].get_paths()[0].vertices[:, 1]
        assert band.min() == pytest.approx(df["BTC daily low"].min())
        h = hindsight.headline()
        title = ax.get_title(loc="left")
        assert fmt_day(h["undercut_day"]) in title and fmt_day(h["low_close_day"]) in title
        # the undercut marker sits on that day's low, the lowest-close marker on that day's close
        marks = [ln for ln in ax.lines if ln.get_marker() == "o"]
        assert [float(ln.get_ydata()[0]) for ln in marks] == [
            df.loc[h["undercut_day"], "BTC daily low"],
            df.loc[h["low_close_day"], "BTC daily close"],
        ]
        assert ax.get_ylim()[1] == pytest.approx(df["BTC daily close"].max() * 1.04)
    finally:
        plt.close("all")


def test_g6_drawing_plots_the_chart_data(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import claims
    from mktlib.verdicts.episode import hindsight_window

    df = charts.data("epilogue-g6-btc-eth")
    fig = charts.figure("epilogue-g6-btc-eth")
    try:
        ax1, ax2 = fig.axes
        np.testing.assert_array_equal(ax1.lines[0].get_ydata(), df["BTC daily close"].to_numpy())
        np.testing.assert_array_equal(ax2.lines[0].get_ydata(), df["ETH daily close"].to_numpy())
        # one dot per close above G6's level inside the horizon
        s = claims.specifications("G6")[0]
        h0, h1 = hindsight_window(s["article"])
        btc = df["BTC daily close"]
        n_above = int(((df.index >= h0) & (df.index <= h1) & (btc > s["level"]).to_numpy()).sum())
        assert len(ax1.collections[0].get_offsets()) == n_above > 0
        assert fig._suptitle.get_text().startswith("BTC closed above")
    finally:
        plt.close("all")
