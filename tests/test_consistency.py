"""Known answers for the cross-check helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mktlib.consistency import compare, resample_ohlcv


def _hourly(n, start="2025-11-20"):
    idx = pd.date_range(start, periods=n, freq="h", tz="UTC")
    rng = np.random.default_rng(0)
    close = 100 + rng.normal(0, 1, n).cumsum()
    open_ = np.r_[100.0, close[:-1]]
    high = np.maximum(open_, close) + 0.5
    low = np.minimum(open_, close) - 0.5
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": np.ones(n)}, index=idx)


def test_resample_daily_known_values():
    h = _hourly(48)
    d = resample_ohlcv(h, "1D")
    assert len(d) == 2
    day1 = h.loc["2025-11-20"]
    assert d.iloc[0]["open"] == day1["open"].iloc[0]
    assert d.iloc[0]["close"] == day1["close"].iloc[-1]
    assert d.iloc[0]["high"] == day1["high"].max()
    assert d.iloc[0]["low"] == day1["low"].min()
    assert d.iloc[0]["volume"] == 24.0


def test_resample_drops_incomplete_periods():
    h = _hourly(30)  # 24 h of day 1, 6 h of day 2
    assert len(resample_ohlcv(h, "1D")) == 1
    assert len(resample_ohlcv(h, "1D", complete_only=False)) == 2
    gappy = h.drop(h.index[5])  # day 1 now misses an hour
    assert len(resample_ohlcv(gappy, "1D")) == 0


def test_compare_counts_differences():
    idx = pd.date_range("2025-01-01", periods=5, freq="D", tz="UTC")
    a = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=idx)
    b = pd.Series([1.0, 2.0, 3.03, 4.0], index=idx[:4])
    r = compare(a, b, rtol=0.005)
    assert r.n_common == 4
    assert r.n_differ == 1
    assert r.max_abs_diff == pytest.approx(0.03)
    assert r.worst_at == idx[2]
    assert not r.ok
    assert compare(a, b, rtol=0.02).ok


def test_coverage_segments_split_on_gaps_any_resolution():
    from mktlib.consistency import coverage_segments

    t = pd.DatetimeIndex(["2025-01-01", "2025-01-02", "2025-01-10", "2025-01-11"], tz="UTC").as_unit("s")
    seg = coverage_segments(t, "3D")
    assert seg["n"].tolist() == [2, 2]
    assert seg["end"].iloc[0] == pd.Timestamp("2025-01-02", tz="UTC")
    hourly = pd.date_range("2025-01-01", periods=5, freq="h", tz="UTC").as_unit("us")
    assert coverage_segments(hourly, "2h")["n"].tolist() == [5]
    assert coverage_segments(hourly.delete(2), "90min")["n"].tolist() == [2, 2]


def test_snapshot_cross_checks_pass_with_published_overlaps(snapshot):
    from mktlib.consistency import snapshot_checks

    checks = snapshot_checks()
    assert checks["passed"].all(), checks[~checks["passed"]]
    # overlaps published in SOURCES.md (1,888 common days of the two BTC archives; 495 Farside days)
    assert checks.loc["btc_1d_two_repos", "compared"] == 1888
    assert checks.loc["etf_totals_two_sources", "compared"] == 495
    # complete UTC days of the 1h file (from 2024-04-03) up to the daily file's last bar (2026-03-03): 700
    assert checks.loc["btc_1d_vs_1h", "compared"] == 700
    # isolated days on which Yahoo's index close differs from FRED's (reported, within the pass rule)
    assert checks.loc["ndx_yahoo_vs_fred", "differ"] == 1
    assert checks.loc["ndx_yahoo_vs_fred", "worst_at"] == pd.Timestamp("2024-10-22", tz="UTC")
    assert checks.loc["spx_yahoo_vs_fred", "worst_at"] == pd.Timestamp("2021-08-11", tz="UTC")
    assert checks.loc["gold_fix_two_sources", "compared"] == 2165


def test_pass_rule_tolerates_only_rare_small_differences():
    from mktlib.consistency import Agreement, Check

    ok = Check("x", "x", Agreement(1000, 5.0, 0.001, 4, None), "t", "u", max_share_differ=0.005, max_rel_diff=0.005)
    assert ok.passed
    assert not Check("x", "x", Agreement(1000, 5.0, 0.001, 6, None), "t", "u", 0.005, 0.005).passed
    assert not Check("x", "x", Agreement(1000, 50.0, 0.01, 1, None), "t", "u", 0.005, 0.005).passed
    assert not Check("x", "x", Agreement(1000, 0.1, 0.0, 1, None), "t", "u").passed
    assert not Check("x", "x", Agreement(0, float("nan"), float("nan"), 0, None), "t", "u").passed
