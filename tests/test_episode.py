"""mktlib.episode and mktlib.verdicts.episode: known-answer, bad-input and snapshot tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mktlib import DataError
from mktlib import episode as ep
from mktlib.verdicts import episode as ve

UTC = "UTC"


def _s(values, start="2025-01-01", freq="D"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq=freq, tz=UTC), dtype="float64")


def _bars(rows, start="2025-01-01", freq="D"):
    idx = pd.date_range(start, periods=len(rows), freq=freq, tz=UTC)
    return pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=idx, dtype="float64")


# --------------------------------------------------------------------------------------------------
# drawdowns of closes


def test_drawdown_hand_computed():
    s = _s([100, 120, 90, 60, 130, 65])
    assert ep.running_peak(s).tolist() == [100, 120, 120, 120, 130, 130]
    assert ep.drawdown(s).tolist() == pytest.approx([0, 0, -0.25, -0.5, 0, -0.5])
    dd = ep.max_drawdown(s)
    # two troughs of -50%: the earliest (60 after 120) is reported, recovered on day 5 (130 >= 120)
    assert dd.depth == pytest.approx(-0.5)
    assert (dd.peak_price, dd.trough_price) == (120.0, 60.0)
    assert dd.peak_time == s.index[1] and dd.trough_time == s.index[3]
    assert dd.recovery_time == s.index[4]


def test_max_drawdown_not_recovered_and_none():
    s = _s([10, 12, 12, 9, 11])
    dd = ep.max_drawdown(s)
    assert dd.depth == pytest.approx(9 / 12 - 1)
    assert dd.peak_time == s.index[2]  # the latest date at the peak price before the trough
    assert dd.recovery_time is pd.NaT
    up = ep.max_drawdown(_s([1, 2, 3]))
    assert up.depth == 0.0 and up.recovery_time is pd.NaT


# --------------------------------------------------------------------------------------------------
# drawdowns and run-ups of bars


def test_bar_drawdown_never_uses_the_same_bars_high():
    # one bar: open 100, high 110, low 90 -> the fall is measured from the open (90/100-1), not the high
    b = _bars([[100, 110, 90, 105]])
    assert ep.bar_drawdown(b).tolist() == pytest.approx([-0.1])
    b2 = _bars([[100, 110, 100, 105], [105, 106, 88, 100]])
    assert ep.bar_drawdown(b2).tolist() == pytest.approx([0.0, 88 / 110 - 1])


def test_max_drawdown_bars_with_start_price():
    b = _bars([[100, 105, 99, 104], [104, 108, 90, 95], [95, 131, 94, 130]])
    d = ep.max_drawdown_bars(b, start_price=120.0, start_time=pd.Timestamp("2024-12-31", tz=UTC))
    assert d.depth == pytest.approx(90 / 120 - 1)
    assert d.peak_price == 120.0 and d.peak_time == pd.Timestamp("2024-12-31", tz=UTC)
    assert d.trough_time == b.index[1] and d.recovery_time == b.index[2]
    d0 = ep.max_drawdown_bars(b)
    assert d0.depth == pytest.approx(90 / 105 - 1) and d0.peak_time == b.index[0]


def test_max_runup_ignores_lows_after_the_high():
    b = _bars([[100, 101, 95, 96], [96, 105, 94, 104], [104, 112, 100, 110], [110, 111, 50, 60]])
    r = ep.max_runup_bars(b)
    assert r.gain == pytest.approx(112 / 94 - 1)
    assert (r.low_price, r.high_price) == (94.0, 112.0)
    assert r.low_time == b.index[1] and r.high_time == b.index[2]
    # a bar whose open is the lowest price before its high
    r2 = ep.max_runup_bars(_bars([[100, 100, 99, 99], [90, 120, 90, 118]]))
    assert (r2.low_price, r2.high_price, r2.low_time) == (90.0, 120.0, pd.Timestamp("2025-01-02", tz=UTC))


# --------------------------------------------------------------------------------------------------
# splicing, daily closes


def test_splice_bars_and_daily_closes():
    h = _bars([[1, 1, 1, float(i + 1)] for i in range(60)], start="2025-01-01 12:00", freq="h")  # 12:00 d1 .. 23:00 d3
    d = _bars([[2, 2, 2, 100.0 + i] for i in range(5)], start="2024-12-31")  # 31 Dec .. 4 Jan
    s = ep.splice_bars(h, d)
    # hourly bars used for the whole days they cover: 2 Jan and 3 Jan (48 bars)
    assert (s["open"] == 1).sum() == 48
    assert s.index[0] == pd.Timestamp("2024-12-31", tz=UTC) and s.index[-1] == pd.Timestamp("2025-01-04", tz=UTC)
    assert s.loc["2025-01-01", "close"].tolist() == [101.0]  # the daily bar
    dc = ep.daily_closes(s)
    assert dc.index.tolist() == list(pd.date_range("2024-12-31", "2025-01-04", tz=UTC))
    assert dc.tolist() == [100.0, 101.0, 36.0, 60.0, 104.0]  # 2 Jan closes with its 23:00 hourly bar


def test_splice_needs_a_whole_coarse_bar():
    h = _bars([[1, 1, 1, 1]] * 5, start="2025-01-01 10:00", freq="h")
    d = _bars([[2, 2, 2, 2]] * 3, start="2024-12-31")
    with pytest.raises(DataError, match="whole coarse bar"):
        ep.splice_bars(h, d)


# --------------------------------------------------------------------------------------------------
# find_episode on a synthetic path with planted turning points

KNOTS = [  # (time, price): hourly closes interpolate linearly between them
    ("2025-08-01", 100_000),
    ("2025-08-20 12:00", 118_000),
    ("2025-09-01", 110_000),
    ("2025-10-07", 124_000),
    ("2025-10-12", 120_000),
    ("2025-10-13", 120_000),
    ("2025-11-19 12:00", 78_000),
    ("2025-12-01 12:00", 96_000),
    ("2025-12-31", 88_000),
    ("2026-01-20", 95_000),
    ("2026-02-28", 70_000),
    ("2026-03-31 23:00", 72_000),
]
PLANTS = {  # bar open time -> (column, value)
    "2025-08-20 12:00": ("high", 140_000),  # a higher high OUTSIDE the peak window
    "2025-09-15 03:00": ("low", 0.78),  # a bigger intrabar fall BEFORE the peak (x open)
    "2025-10-07 15:00": ("high", 130_000),  # the peak
    "2025-10-12 21:00": ("low", 0.85),  # the cascade (x open)
    "2025-11-19 09:00": ("low", 70_000),  # the November low
    "2026-01-03 05:00": ("low", 80_000),  # the rally's start
    "2026-01-20 14:00": ("high", 99_000),  # the rally's peak
    "2026-01-25 08:00": ("low", 75_000),  # a lower low AFTER the rally peak (not its start)
    "2026-02-10 16:00": ("low", 60_000),  # the lowest low after the rally
}


def _path(x):
    t = pd.DatetimeIndex([pd.Timestamp(k, tz=UTC) for k, _ in KNOTS]).asi8
    return np.interp(x.asi8, t, [float(v) for _, v in KNOTS])


@pytest.fixture(scope="module")
def synthetic():
    idx = pd.date_range("2025-08-01", "2026-03-31 23:00", freq="h", tz=UTC)
    close = _path(idx + pd.Timedelta("1h"))
    open_ = _path(idx)
    b = pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) * 1.001,
            "low": np.minimum(open_, close) * 0.999,
            "close": close,
        },
        index=idx,
    )
    for t, (col, v) in PLANTS.items():
        t = pd.Timestamp(t, tz=UTC)
        b.loc[t, col] = v * b.loc[t, "open"] if v < 1 else v
    return b


def test_find_episode_recovers_planted_points(synthetic):
    e = ep.find_episode(synthetic)
    k = e.key_dates
    expect = {
        "peak": ("2025-10-07 15:00", 130_000),
        "cascade": ("2025-10-12 21:00", 102_000),
        "low": ("2025-11-19 09:00", 70_000),
        "rally_start": ("2026-01-03 05:00", 80_000),
        "rally_peak": ("2026-01-20 14:00", 99_000),
        "after_low": ("2026-02-10 16:00", 60_000),
    }
    for key, (t, p) in expect.items():
        assert k.loc[key, "time"] == pd.Timestamp(t, tz=UTC), key
        assert k.loc[key, "price"] == pytest.approx(p), key
    assert k.loc["cascade", "fall"] == pytest.approx(-0.15)
    # closes rise 1,500 a day from 78,000 at 19 Nov 12:00: 89,250 at 27 Nov 00:00, 90,750 at 28 Nov 00:00
    assert k.loc["recovery", "day"] == pd.Timestamp("2025-11-27", tz=UTC)
    assert k.loc["recovery", "price"] == pytest.approx(90_750)
    assert k.loc["end", "price"] == pytest.approx(72_000)
    assert k.loc["peak", "bar"] == "1h" and k.loc["recovery", "bar"] == "close"


def test_find_episode_phases(synthetic):
    ph = ep.find_episode(synthetic).phases.set_index("phase")
    assert list(ph.index) == [
        "Peak to the eve of the cascade",
        "Cascade day",
        "Slide to the November low",
        "Rebound to a close above 90k",
        "December range",
        "January rally",
        "What came after",
    ]
    # eve of the cascade: the close at 12 Oct 00:00 is 120,000
    assert ph.loc["Peak to the eve of the cascade", "ret"] == pytest.approx(120_000 / 130_000 - 1)
    cas = ph.loc["Cascade day"]
    assert cas["ret"] == pytest.approx(0.0)  # flat path that day
    assert cas["max_drawdown"] == pytest.approx(102_000 / (120_000 * 1.001) - 1)
    assert cas["trough_time"] == pd.Timestamp("2025-10-12 21:00", tz=UTC)
    assert ph.loc["Slide to the November low", "end_price"] == 70_000
    assert ph.loc["Rebound to a close above 90k", "ret"] == pytest.approx(90_750 / 70_000 - 1)
    assert ph.loc["January rally", "ret"] == pytest.approx(99_000 / 80_000 - 1)
    assert ph.loc["What came after", "max_drawdown"] == pytest.approx(60_000 / 99_000 - 1)
    assert ph.loc["What came after", "end_price"] == pytest.approx(72_000)
    # phases are contiguous
    assert (ph["end"].iloc[:-1].to_numpy() == ph["start"].iloc[1:].to_numpy()).all()


def test_find_episode_same_answer_on_daily_bars(synthetic):
    daily = synthetic.resample("1D").agg({"open": "first", "high": "max", "low": "min", "close": "last"})
    e = ep.find_episode(daily)
    assert e.day("peak") == pd.Timestamp("2025-10-07", tz=UTC)
    assert e.day("cascade") == pd.Timestamp("2025-10-12", tz=UTC)
    assert e.day("low") == pd.Timestamp("2025-11-19", tz=UTC)
    assert e.day("recovery") == pd.Timestamp("2025-11-27", tz=UTC)
    assert e.key_dates.loc["peak", "bar"] == "1d"


def test_find_episode_without_recovery_raises(synthetic):
    capped = synthetic.copy()
    capped.loc["2025-11-20":, ["open", "high", "low", "close"]] = capped.loc[
        "2025-11-20":, ["open", "high", "low", "close"]
    ].clip(upper=89_000)
    with pytest.raises(DataError, match="no UTC daily close above 90,000"):
        ep.find_episode(capped)


# --------------------------------------------------------------------------------------------------
# returns on key periods, rebasing, tables


def test_period_return_on_exchange_sessions():
    # XNYS sessions around Thanksgiving 2025: 26 Nov (Wed), 27 Nov closed, 28 Nov (Fri, half day)
    days = pd.to_datetime(
        ["2025-11-21", "2025-11-24", "2025-11-25", "2025-11-26", "2025-11-28", "2025-12-01"], utc=True
    )
    c = pd.Series([100.0, 101, 102, 104, 103, 99], index=days)
    r = ep.period_return(c, "NY", "2025-11-27", "2025-11-27")
    assert np.isnan(r["ret"]) and r["sessions"] == 0
    r = ep.period_return(c, "NY", "2025-11-22", "2025-11-26")  # Saturday to Wednesday
    assert r["ret"] == pytest.approx(104 / 100 - 1) and r["sessions"] == 3
    assert r["from_session"] == days[0] and r["to_session"] == days[3]
    r = ep.period_return(c, "NY", "2025-11-27", "2025-11-30")  # only the half day
    assert r["ret"] == pytest.approx(103 / 104 - 1)
    with pytest.raises(DataError, match="2025-11-25"):
        ep.period_return(c.drop(days[2]), "NY", "2025-11-24", "2025-11-26")


def test_key_period_returns_and_rebase():
    utc = _s([100, 110, 99, 120], start="2025-11-20")
    periods = pd.DataFrame(
        {"period": ["21 Nov", "22-23 Nov"], "first": ["2025-11-21", "2025-11-22"], "last": ["2025-11-21", "2025-11-23"]}
    )
    out = ep.key_period_returns({"X": (utc, "UTC")}, periods)
    assert out["ret"].tolist() == pytest.approx([0.1, 120 / 110 - 1])
    assert list(out.columns) == ["period", "asset", "market", "ret", "from_session", "to_session", "sessions"]
    assert ep.rebase(utc, "2025-11-21").tolist() == pytest.approx([100 / 1.1, 100, 90, 120 / 1.1])
    with pytest.raises(DataError, match="no close on or before"):
        ep.rebase(utc, "2025-11-01")


def test_window_return_and_first_close_above():
    d = _bars([[10, 11, 9, 11], [11, 13, 10, 12], [12, 12, 8, 9]], start="2025-11-10")
    assert ep.window_return(d, "2025-11-10", "2025-11-12") == pytest.approx(-0.1)
    assert ep.window_return(d, "2025-11-11", "2025-11-11") == pytest.approx(12 / 11 - 1)
    with pytest.raises(DataError, match="no daily bar for 2025-11-13"):
        ep.window_return(d, "2025-11-10", "2025-11-13")
    c = _s([91, 85, 89, 90, 90.5], start="2025-11-20")
    assert ep.first_close_above(c, 90, "2025-11-21") == pd.Timestamp("2025-11-24", tz=UTC)  # 90 is not above 90
    assert ep.first_close_above(c, 95, "2025-11-21") is pd.NaT


def test_drawdown_table():
    s = _s([100, 120, 90, 60, 130], start="2025-11-01")
    t = ep.drawdown_table({"A": s}, "2025-11-01", "2025-11-05", at="2025-11-03")
    row = t.loc["A"]
    assert row["max_drawdown"] == pytest.approx(-0.5)
    assert row["recovered"] == pd.Timestamp("2025-11-05", tz=UTC)
    assert row["drawdown_at"] == pytest.approx(-0.25) and row["at_date"] == pd.Timestamp("2025-11-03", tz=UTC)


def test_lowest_low():
    b = _bars([[1, 2, 0.5, 1], [1, 2, 0.4, 1], [1, 2, 0.4, 1]])
    assert ep.lowest_low(b) == (0.4, b.index[1])
    assert ep.lowest_low(b, start="2025-01-03") == (0.4, b.index[2])
    with pytest.raises(DataError, match="no bars"):
        ep.lowest_low(b, start="2026-01-01")


# --------------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "mangle, match",
    [
        (lambda s: s.tz_localize(None), "no time zone"),
        (lambda s: s.tz_convert("America/New_York"), "expected UTC"),
        (lambda s: s.iloc[[1, 0, 2]], "not sorted"),
        (lambda s: pd.concat([s, s.iloc[[-1]]]), "duplicate"),
        (lambda s: s.where(s.index != s.index[1]), "NaN"),
        (lambda s: s * 0, "non-positive"),
        (lambda s: s.reset_index(drop=True), "DatetimeIndex"),
    ],
)
def test_bad_series(mangle, match):
    with pytest.raises(DataError, match=match):
        ep.max_drawdown(mangle(_s([1.0, 2.0, 3.0])))


def test_bad_bars():
    b = _bars([[1, 2, 0.5, 1], [1, 2, 0.5, 1]])
    with pytest.raises(DataError, match="missing column"):
        ep.bar_drawdown(b.drop(columns="low"))
    with pytest.raises(DataError, match="high below low"):
        ep.bar_drawdown(b.assign(high=0.1))
    with pytest.raises(DataError, match="expected a DataFrame"):
        ep.bar_drawdown(b["low"])
    gappy = _bars([[1, 2, 0.5, 1]] * 4).drop(pd.Timestamp("2025-01-02", tz=UTC))
    with pytest.raises(DataError, match="irregular bars"):
        ep.daily_closes(gappy)
    with pytest.raises(ValueError, match="ends before it starts"):
        ep.period_return(_s([1.0, 2.0, 3.0]), "UTC", "2025-01-03", "2025-01-02")
    with pytest.raises(ValueError, match="unknown market"):
        ep.period_return(_s([1.0, 2.0, 3.0]), "XX", "2025-01-02", "2025-01-02")


# --------------------------------------------------------------------------------------------------
# volatility, percentile ranks and episodes between new highs (known answers)


def test_realised_vol_hand_computed_and_simulated():
    c = _s(np.exp([0.0, 0.01, -0.01, 0.01]))
    # log returns 0.01, -0.02, 0.02: mean 1/300, sample variance 13/30000
    assert ve.episode.realised_vol(c, 3, periods_per_year=1).iloc[-1] == pytest.approx(np.sqrt(13 / 30000))
    assert np.isnan(ve.episode.realised_vol(c, 3).iloc[-2])  # needs three returns
    # simulated with known truth: daily sigma 2% -> 0.02 * sqrt(365) a year
    rng = np.random.default_rng(7)
    sim = _s(100 * np.exp(np.cumsum(rng.normal(0, 0.02, 5001))), start="2010-01-01")
    assert ve.episode.realised_vol(sim, 5000).iloc[-1] == pytest.approx(0.02 * np.sqrt(365), rel=0.03)
    with pytest.raises(ValueError, match="at least 2"):
        ep.realised_vol(c, 1)


def test_percentile_rank():
    assert ep.percentile_rank(np.array([1.0, 2, 3, 4]), 2.0) == 0.5
    assert ep.percentile_rank(pd.Series([1.0, np.nan, 3.0]), 0.5) == 0.0
    assert ep.percentile_rank([1.0, 2.0], 9.0) == 1.0
    with pytest.raises(ValueError, match="empty"):
        ep.percentile_rank([np.nan], 1.0)


def test_high_episodes_hand_built():
    c = _s([100, 110, 88, 99, 120, 60, 70])
    e = ep.high_episodes(c, c)
    assert e["peak"].tolist() == [100, 110, 120]
    assert e["depth"].tolist() == pytest.approx([0.0, -0.2, -0.5])
    assert e["days"].tolist() == [1, 3, 2] and e["completed"].tolist() == [True, True, False]
    assert e.loc[1, "trough_day"] == c.index[2] and e.loc[1, "new_high_day"] == c.index[4]
    assert pd.isna(e.loc[2, "new_high_day"])
    # intraday basis: the peak day's own low is not used (its order against the high is unknown)
    hi, lo = _s([10, 12, 11.5]), _s([9, 8, 10.5])
    e2 = ep.high_episodes(hi, lo)
    assert e2.loc[1, "depth"] == pytest.approx(10.5 / 12 - 1)
    with pytest.raises(DataError, match="one index"):
        ep.high_episodes(hi, lo.iloc[:2])


# --------------------------------------------------------------------------------------------------
# verdict rules on hand-made inputs, every outcome


def test_fact_rules():
    assert ve.verdict_quote(True) == "supported" and ve.verdict_quote(False) == "contradicted"
    assert ve.verdict_below(85_999.0, 86_000) == "supported"
    assert ve.verdict_below(86_000.0, 86_000) == "contradicted"  # strict
    assert ve.verdict_on_time(True) == "supported" and ve.verdict_on_time(False) == "contradicted"
    assert ve.verdict_fell(-0.01) == "supported" and ve.verdict_fell(0.0) == "contradicted"
    p = ve.quote_part(80_600.0, 84_000, 1_000, "low")
    assert p.verdict == "contradicted" and p.statistic == pytest.approx(3.4) and p.inputs == {"ok": False}
    assert ve.quote_part(84_900.0, 84_000, 1_000, "low").verdict == "supported"


def test_d14_rules():
    v = ve.verdict_vol_high
    assert v(0.70, 0.90, 0.667) == "supported"
    assert v(0.10, 0.60, 0.667) == "contradicted"
    assert v(0.40, 0.80, 0.667) == "inconclusive"
    b = ve.verdict_not_bear_now
    assert b(-0.15, -0.2, -0.54, 30, 237) == "supported"
    assert b(-0.32, -0.2, -0.54, 46, 237) == "partly supported"
    assert b(-0.60, -0.2, -0.54, 46, 237) == "contradicted"  # deeper than every correction
    assert b(-0.30, -0.2, -0.54, 300, 237) == "contradicted"  # longer than every correction
    c = ve.verdict_not_bear_later
    assert c(True, -0.30, 100, -0.54, 237) == "supported"
    assert c(False, -0.50, 137, -0.54, 237) == "inconclusive"
    assert c(False, -0.50, 310, -0.54, 237) == "contradicted"
    assert c(True, -0.60, 100, -0.54, 237) == "contradicted"


def test_k5_k6_rules():
    n = ve.verdict_not_plummet
    assert n(0.40, 0.30, 0.05) == "supported"
    assert n(0.40, 0.02, 0.05) == "partly supported"
    assert n(0.05, 0.02, 0.05) == "contradicted"  # at the line counts as a plummet
    o = ve.verdict_outperform
    assert o(9.0, 0.5) == "supported" and o(0.2, 0.5) == "partly supported" and o(-0.1, 0.5) == "contradicted"


def test_forecast_rules():
    d = ve.verdict_dead_cat
    assert d(65.0, float("nan"), 90) == "supported"
    assert d(65.0, 30.0, 90) == "contradicted"  # recovered first
    assert d(float("nan"), float("nan"), 90) == "inconclusive"
    assert d(95.0, float("nan"), 90) == "inconclusive"  # only after the horizon
    assert d(10.0, 10.0, 90) == "inconclusive"  # same day: order unknown
    assert ve.verdict_hold(0.5, 0.5) == "supported" and ve.verdict_hold(0.1, 0.5) == "contradicted"
    f = ve.verdict_eth_follow
    assert f(True, 1.2) == "supported" and f(True, 0.9) == "partly supported" and f(False, 1.5) == "contradicted"


# --------------------------------------------------------------------------------------------------
# the snapshot: data, horizon and the numbers the chapter reports


def test_real_episode(snapshot):
    e = ve.the_episode()
    k = e.key_dates
    assert k.loc["peak", "time"] == pd.Timestamp("2025-10-06 18:00", tz=UTC)
    assert k.loc["peak", "price"] == pytest.approx(126_199.63)
    assert k.loc["cascade", "time"] == pd.Timestamp("2025-10-10 21:00", tz=UTC)
    assert k.loc["cascade", "price"] == pytest.approx(102_000.0)
    assert k.loc["low", "time"] == pd.Timestamp("2025-11-21 12:00", tz=UTC)
    assert k.loc["low", "price"] == pytest.approx(80_600.0)
    assert k.loc["recovery", "day"] == pd.Timestamp("2025-11-26", tz=UTC)
    assert k.loc["rally_start", "time"] == pd.Timestamp("2026-01-01 04:00", tz=UTC)
    assert k.loc["rally_peak", "price"] == pytest.approx(97_924.49)
    assert k.loc["after_low", "day"] == pd.Timestamp("2026-07-01", tz=UTC)
    # the spliced bars reproduce the daily series' closes exactly
    dc = ep.daily_closes(ve.btc_bars())
    daily = ve.btc_daily()["close"]
    assert (dc.reindex(daily.index) - daily).abs().max() == 0.0


def test_btc_daily_is_one_spliced_series(snapshot, monkeypatch):
    from mktlib import data

    d = ve.btc_daily()
    assert d.index[0] == pd.Timestamp("2017-08-17", tz=UTC) and d.index[-1] == pd.Timestamp("2026-08-12", tz=UTC)
    assert (d.index.to_series().diff().dropna() == pd.Timedelta("1D")).all()
    old, new = data.load("btc_spot_1d"), data.load("btc_spot_1d_fullcols")
    pd.testing.assert_frame_equal(d.loc[:"2020-12-31", ve.OHLC], old.loc[:"2020-12-31", ve.OHLC])
    pd.testing.assert_frame_equal(d.loc["2021-01-01":, ve.OHLC], new[ve.OHLC])
    assert ve.spot_daily("btc") is d
    # a mismatch on a common day is refused
    real = data.load

    def tampered(ds, **kw):
        x = real(ds, **kw)
        if ds == "btc_spot_1d":
            x = x.copy()
            x.loc[pd.Timestamp("2022-01-03", tz=UTC), "close"] += 1.0
        return x

    monkeypatch.setattr(data, "load", tampered)
    with pytest.raises(DataError, match="differ"):
        ve._splice_daily(*ve.BTC_DAILY_DATASETS)


def test_hindsight_window_and_first_close(snapshot):
    assert ve.hindsight_window("000") == (pd.Timestamp("2025-11-28", tz=UTC), pd.Timestamp("2026-02-25", tz=UTC))
    assert ve.hindsight_window("002") == (pd.Timestamp("2026-01-05", tz=UTC), pd.Timestamp("2026-04-04", tz=UTC))
    assert ve.first_close_above_90k() == pd.Timestamp("2025-11-26", tz=UTC)


def test_real_statistics_are_consistent(snapshot):
    # the bootstrap's estimate is the rolling statistic of the same day
    est, lo, hi = ve.rv_interval(30, "2025-11-21", 199, 1, 0.9)
    assert est == pytest.approx(ep.realised_vol(ve.btc_daily()["close"], 30).loc["2025-11-21"])
    assert lo < est < hi
    # 12-day window returns line up with window_return (open 10 Nov to close 21 Nov)
    w = ve._window_returns(("eth", "ltc"), 12)
    t = pd.Timestamp("2025-11-21", tz=UTC)
    assert w.loc[t, "ltc"] == pytest.approx(ep.window_return(ve.spot_daily("ltc"), "2025-11-10", "2025-11-21"))
    assert w.loc[t, "btc"] == pytest.approx(ep.window_return(ve.btc_daily(), "2025-11-10", "2025-11-21"))
    # CoinGecko: price at 00:00 of the day after the last day over the price at 00:00 of the first day
    p = ve.coingecko_prices()["monero"]
    assert ve.window_return_cg("monero", "2025-09-01", "2025-11-30") == pytest.approx(
        p.loc[pd.Timestamp("2025-12-01", tz=UTC)] / p.loc[pd.Timestamp("2025-09-01", tz=UTC)] - 1
    )
    # the 2021 correction: the deepest bull-market correction, new high within a year
    bull = ve.bull_corrections("high_close", "2025-10-06", 365, 0.10)
    deepest = bull.loc[bull["depth"].idxmin()]
    assert deepest["peak_day"] == pd.Timestamp("2021-04-14", tz=UTC) and deepest["days"] == 189
    # the 14 Apr 2021 high of 64,854 and the close of 20 Jul 2021, 29,790.35
    assert deepest["trough_day"] == pd.Timestamp("2021-07-20", tz=UTC)
    assert deepest["depth"] == pytest.approx(29_790.35 / 64_854.0 - 1)
    assert bull["days"].max() < 365 and (bull["depth"] <= -0.10).all()


@pytest.fixture(scope="module")
def mine(snapshot):
    from mktlib import claims

    return claims._compute(["D4", "D6", "D14", "A1", "A3", "K5", "K6", "A8", "G6"])


def test_real_claim_values(mine):
    v = {k: x for ev in mine.primary.values() for k, x in ev.values.items()}
    assert v["D4.btc_low_21nov"] == pytest.approx(80_600.0) and v["D4.eth_low_21nov"] == pytest.approx(2_623.57)
    assert v["D6.btc_peak_oct"] == pytest.approx(126_199.63) and str(v["D6.btc_peak_oct_date"]) == "2025-10-06"
    assert v["D6.btc_ytd_21nov"] == pytest.approx(-0.0903, abs=5e-5)
    assert v["D14.btc_drawdown_21nov"] == pytest.approx(-0.3254, abs=5e-5)
    assert v["D14.btc_min_after_21nov"] == pytest.approx(57_800.19)
    assert v["D14.rv30_21nov"] == pytest.approx(0.439, abs=5e-4)
    assert v["D14.rv30_percentile"] == pytest.approx(0.257, abs=5e-3)
    assert v["D14.deepest_bull_correction"] == pytest.approx(-0.541, abs=5e-4)
    assert v["D14.longest_bull_correction_days"] == 237
    assert v["D14.drawdown_horizon"] == pytest.approx(62_909.86 / 126_199.63 - 1) and v["D14.new_high_horizon"] is False
    assert str(v["A1.first_close_above_90k"]) == "2025-11-26"
    assert v["A3.btc_low_nov"] == pytest.approx(80_600.0)
    assert v["K5.btc_return_10_21nov"] == pytest.approx(-0.1871, abs=5e-5)
    assert v["K5.alt_vs_btc_ada"] == pytest.approx(-0.1062, abs=5e-5)
    assert v["K5.alt_vs_btc_link"] == pytest.approx(-0.052, abs=5e-4)
    assert v["K5.median_alt_return"] == pytest.approx(-0.223, abs=5e-4)
    assert v["K5.median_alt_return_percentile"] < 0.05 < v["K5.median_alt_vs_btc_percentile"]
    assert v["K6.zec_vs_btc_sep_nov"] == pytest.approx(9.7526, abs=5e-4)
    assert v["K6.xmr_vs_btc_sep_nov"] == pytest.approx(0.66254 + 0.16486, abs=5e-4)
    assert str(v["A8.first_undercut_date"]) == "2026-01-31" and v["A8.undercut_80600"] is True
    assert v["A8.recovery_level"] == pytest.approx((126_199.63 + 80_600) / 2)
    assert v["A8.max_close_before_undercut"] == pytest.approx(96_951.78)
    assert v["G6.days_close_above_92k_jan"] == 9
    assert v["G6.share_close_above_92k_horizon"] == pytest.approx(9 / 90)
    assert v["G6.eth_max_close_horizon"] < v["G6.eth_range_high_pre"]


def test_real_verdicts(mine):
    s = mine.summary.set_index("part")
    assert s["verdict"].to_dict() == {
        "D4a": "supported",
        "D4b": "supported",
        "D4c": "supported",
        "D6a": "supported",
        "D6b": "supported",
        "D14a": "inconclusive",  # BTC's volatility was not high, the equity market's (VIX) was
        "D14b": "partly supported",
        "D14c": "inconclusive",
        "A1a": "supported",
        "A3a": "contradicted",
        "K5a": "supported",
        "K5b": "partly supported",
        "K6a": "supported",
        "K6b": "supported",
        "A8a": "supported",
        "G6a": "contradicted",
        "G6b": "contradicted",
    }
    assert set(s.loc[s["type"] == "forecast"].index) == {"D14c", "A8a", "G6a", "G6b"}
    assert (mine.grid.groupby("claim").size() <= 3 * 216).all()
    d14a = mine.grid[mine.grid["part"] == "D14a"]
    eq = d14a[d14a["spec"].str.contains('"vol_market": "equities"')]
    assert set(eq["verdict"]) == {"supported"} and s.loc["D14a", "primary_verdict"] == "contradicted"


def test_input_spaces_reach_two_outcomes(snapshot):
    from mktlib import claims

    for pid in ("D14b", "D14c", "K5b", "K6a", "K6b", "A8a", "G6a", "G6b"):
        space = claims.INPUT_SPACES[pid]()
        fn = claims.RULE_FUNCTIONS[pid]
        reach = {fn(**r) for r in space.to_dict(orient="records")}
        assert len(reach) >= 2, (pid, reach)


def test_real_key_closes_on_own_clocks(snapshot):
    closes = ep.load_key_closes()
    btc_ny, m = closes["BTC (NY close)"]
    assert m == "NY"
    # DST: the NY close is 20:00 UTC on 31 Oct 2025 and 21:00 UTC on 3 Nov 2025 (1h bar ending then)
    h = ve.btc_bars()
    assert btc_ny.loc[pd.Timestamp("2025-10-31", tz=UTC)] == h.loc[pd.Timestamp("2025-10-31 19:00", tz=UTC), "close"]
    assert btc_ny.loc[pd.Timestamp("2025-11-03", tz=UTC)] == h.loc[pd.Timestamp("2025-11-03 20:00", tz=UTC), "close"]
    periods = pd.DataFrame({"period": ["6 Oct"], "first": ["2025-10-06"], "last": ["2025-10-06"]})
    r = ep.key_period_returns({k: closes[k] for k in ("Shanghai Comp.", "Hang Seng")}, periods)
    assert np.isnan(r.loc[r.asset == "Shanghai Comp.", "ret"]).all()  # Golden Week: SSE closed
    assert r.loc[r.asset == "Hang Seng", "sessions"].item() == 1


def test_lbma_has_no_pm_fix_on_london_half_days():
    # 24 and 31 Dec 2025 are London early closes without a PM auction: not sessions for LBMA
    days = pd.to_datetime(["2025-12-22", "2025-12-23", "2025-12-29", "2025-12-30", "2026-01-02"], utc=True)
    c = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=days)
    r = ep.period_return(c, "LBMA", "2025-12-31", "2026-01-02")
    assert r["ret"] == pytest.approx(5 / 4 - 1) and r["sessions"] == 1
    assert np.isnan(ep.period_return(c, "LBMA", "2025-12-24", "2025-12-26")["ret"])  # 25-26 Dec holidays


# --------------------------------------------------------------------------------------------------
# the chapter's page: tables for people and chart data (known answers on hand-made inputs)


def _key_dates():
    t = pd.Timestamp
    return pd.DataFrame(
        {
            "label": ["Peak", "Cascade", "First close above 90,000"],
            "time": [t("2025-10-06 18:00", tz=UTC), t("2025-10-10 21:00", tz=UTC), t("2025-11-27", tz=UTC)],
            "day": [t("2025-10-06", tz=UTC), t("2025-10-10", tz=UTC), t("2025-11-26", tz=UTC)],
            "price": [126_199.63, 102_000.0, 90_484.02],
            "bar": ["1h", "1h", "close"],
            "fall": [np.nan, -0.1073, np.nan],
            "rule": ["highest high, 2025-09-01 to 2025-10-31", "largest fall", "first close above"],
        },
        index=pd.Index(["peak", "cascade", "recovery"], name="key"),
    )


def test_when_text_every_kind_of_bar():
    t = pd.Timestamp("2025-10-06 23:00", tz=UTC)
    assert ep.when_text(t, "1h") == "6 Oct 2025, 23:00-00:00 UTC"
    assert ep.when_text(t.normalize(), "1d") == "6 Oct 2025 (daily bar)"
    # a close is dated by its day; without one, by the day before the instant
    assert ep.when_text(pd.Timestamp("2025-11-27", tz=UTC), "close") == "close of 26 Nov 2025"
    assert (
        ep.when_text(pd.Timestamp("2025-11-27", tz=UTC), "close", pd.Timestamp("2025-11-20")) == "close of 20 Nov 2025"
    )


def test_turning_points_table_for_people():
    t = ep.turning_points_table(_key_dates())
    assert t.columns.tolist() == ["turning point", "when (UTC)", "price (USDT)", "how it is found"]
    assert t["turning point"].tolist()[1] == "Cascade (the hourly bar fell 10.7% from its open)"
    assert t["when (UTC)"].tolist() == [
        "6 Oct 2025, 18:00-19:00 UTC",
        "10 Oct 2025, 21:00-22:00 UTC",
        "close of 26 Nov 2025",
    ]
    assert t["how it is found"].iloc[0] == "highest high, 1 Sep 2025 to 31 Oct 2025"  # no ISO dates for people
    assert t["price (USDT)"].tolist() == [126_199.63, 102_000.0, 90_484.02]


def test_phases_table_numbers_from_one():
    ph = pd.DataFrame(
        {
            "phase": ["a", "b"],
            "start": pd.to_datetime(["2025-01-01", "2025-01-02"], utc=True),
            "end": pd.to_datetime(["2025-01-02", "2025-01-04"], utc=True),
            "start_price": [100.0, 90.0],
            "end_price": [90.0, 99.0],
            "ret": [-0.1, 0.1],
            "max_drawdown": [-0.2, -0.05],
            "days": [1.0, 2.0],
        }
    )
    t = ep.phases_table(ph)
    assert t["#"].tolist() == [1, 2] and t["phase"].tolist() == ["a", "b"]
    assert t["return"].tolist() == [-0.1, 0.1] and t["deepest fall inside"].tolist() == [-0.2, -0.05]
    assert t["to"].iloc[1] == pd.Timestamp("2025-01-04", tz=UTC)


def test_key_periods_follow_the_episode():
    e = ep.Episode(_key_dates(), pd.DataFrame())
    p = ep.key_periods(e)
    assert p["period"].tolist() == [
        "6 Oct (BTC's peak day)",
        "10 Oct (the cascade)",
        "20 Nov",
        "21 Nov (the low)",
        "22 Nov-26 Nov (the bounce)",
        "1-5 Jan 2026",
    ]
    assert p.loc[4, "first"] == pd.Timestamp("2025-11-22", tz=UTC) and p.loc[4, "last"] == e.day("recovery")
    assert p.loc[5, "last"] == pd.Timestamp("2026-01-05", tz=UTC)


def test_key_day_table_orders_rows_and_columns():
    r = pd.DataFrame(
        {"period": ["p1", "p1", "p2", "p2"], "asset": ["X", "Y", "X", "Y"], "ret": [0.1, np.nan, -0.2, 0.3]}
    )
    t = ep.key_day_table(r, pd.DataFrame({"period": ["p2", "p1"]}), ["Y", "X"])
    assert t.columns.tolist() == ["period", "Y", "X"]
    assert t["period"].tolist() == ["p2", "p1"]
    assert t["Y"].iloc[0] == 0.3 and np.isnan(t["Y"].iloc[1]) and t["X"].tolist() == [-0.2, 0.1]


def test_drawdowns_for_people_says_when_the_peak_was_not_regained():
    s = {"A": _s([100, 120, 90, 60, 130]), "B": _s([10, 9, 8, 7, 6])}
    ddt = ep.drawdown_table(s, "2025-01-01", "2025-01-05", at="2025-01-04")
    t = ep.drawdowns_for_people(ddt, "5 Jan 2025")
    assert t["market"].tolist() == ["A", "B"]
    assert t["deepest fall (close-to-close)"].tolist() == pytest.approx([-0.5, -0.4])
    assert t["peak regained"].tolist() == ["5 Jan 2025", "not by 5 Jan 2025"]
    assert t["below the running peak on 21 Nov"].tolist() == pytest.approx([-0.5, -0.3])


def test_indexed_closes_rebases_each_market_on_its_own_last_close():
    i = pd.date_range("2025-08-29", periods=6, tz=UTC)  # 29 Aug (Fri) .. 3 Sep
    crypto = pd.Series([50.0, 40, 80, 60, 90, 100], index=i)
    stocks = pd.Series([200.0, 220, 180], index=i[[0, 4, 5]])  # no sessions 30 Aug-1 Sep
    df = ep.indexed_closes({"C": crypto, "S": stocks}, "2025-09-01", "2025-09-01", "2025-09-03")
    assert df.index.tolist() == list(i[3:])
    assert df["C"].tolist() == pytest.approx([100.0, 150.0, 100 / 60 * 100])
    assert np.isnan(df["S"].iloc[0]) and df["S"].iloc[1:].tolist() == pytest.approx([110.0, 90.0])
    with pytest.raises(DataError, match="no close on or before"):
        ep.indexed_closes({"S": stocks.iloc[1:]}, "2025-09-01", "2025-09-01", "2025-09-03")


def test_drawdown_and_vol_hand_computed():
    i = pd.date_range("2025-01-01", periods=5, tz=UTC)
    d = pd.DataFrame({"high": [10.0, 12, 11, 13, 12], "close": [9.0, 11, 6, 12, 13]}, index=i)
    troughs = pd.DataFrame({"trough_day": [i[2]], "depth": [-0.5]})
    f = ep.drawdown_and_vol(d, "high", "close", 2, "2025-01-05", troughs)
    assert f["fall from the highest so far"].tolist() == pytest.approx([-0.1, 11 / 12 - 1, -0.5, 12 / 13 - 1, 0.0])
    rv = ep.realised_vol(d["close"], 2)
    assert f["realised volatility"].iloc[:4].isna().all()  # before vol_from
    assert f["realised volatility"].iloc[4] == pytest.approx(rv.iloc[4])
    assert f["bull-market correction trough"].iloc[2] == -0.5 and f["bull-market correction trough"].notna().sum() == 1


def test_altcoin_panels_known_medians():
    h = pd.DataFrame(
        {"a": [0.1, -0.2], "b": [0.3, 0.0], "c": [0.2, -0.1], "btc": [0.1, -0.1]},
        index=pd.date_range("2025-01-01", periods=2, tz=UTC),
    )
    p = ep.altcoin_panels({"a": -0.3, "b": -0.1, "c": -0.25}, -0.2, h, ["a", "b", "c"])
    now = p[p["panel"] == "10-21 Nov 2025"]
    assert now["series"].tolist() == ["A", "C", "BTC", "B"]  # worst first, tickers in capitals
    assert now["value"].tolist() == [-0.3, -0.25, -0.2, -0.1]
    dollars = p[p["series"] == "median altcoin, in dollars"]
    assert dollars["value"].tolist() == pytest.approx([0.2, -0.1])
    assert p.loc[p["series"] == "median altcoin, against BTC", "value"].tolist() == pytest.approx([0.1, 0.0])
    assert dollars["window end"].tolist() == list(h.index)


def test_grid_share_and_statistic():
    g = pd.DataFrame(
        {
            "part": ["P", "P", "P", "Q"],
            "spec": ['{"m": "x", "w": 1}', '{"m": "y", "w": 1}', '{"m": "y", "w": 2}', '{"m": "x", "w": 1}'],
            "verdict": ["supported", "contradicted", "supported", "contradicted"],
            "statistic": [0.1, 0.2, 0.9, 0.5],
        }
    )
    assert ep.grid_share(g, "P", "m", "supported").to_dict() == {"x": 1.0, "y": 0.5}
    assert ep.grid_share(g, "P", "m", "contradicted").to_dict() == {"x": 0.0, "y": 0.5}
    assert ep.grid_statistic(g, "P", {"m": "y", "w": 2}) == 0.9
    assert ep.grid_statistic(g, "Q", {"m": "x", "w": 1}) == 0.5
    with pytest.raises(KeyError, match="0 grid rows"):
        ep.grid_statistic(g, "P", {"m": "z", "w": 1})


def test_chapter_chart_data_on_the_snapshot(snapshot):
    from mktlib import charts

    idx = charts.data("episode-indexed-closes")
    assert idx.columns.tolist() == ["BTC", "ETH", "Nasdaq-100", "Gold", "Hang Seng"]
    assert idx.index[0] == pd.Timestamp("2025-09-01", tz=UTC) and idx.index[-1] == pd.Timestamp("2026-01-31", tz=UTC)
    btc = ve.btc_daily()["close"]
    t = pd.Timestamp("2025-11-21", tz=UTC)
    assert idx.loc[t, "BTC"] == pytest.approx(btc.loc[t] / btc.loc["2025-09-01"].item() * 100)
    assert idx.loc[pd.Timestamp("2025-11-22", tz=UTC), ["Nasdaq-100", "Gold", "Hang Seng"]].isna().all()  # Saturday

    d14 = charts.data("episode-btc-drawdown-volatility")
    assert d14.loc[t, "fall from the highest so far"] == pytest.approx(-0.3254, abs=5e-5)  # the D14b measure
    assert d14.loc[t, "realised volatility"] == pytest.approx(0.439, abs=5e-4)
    troughs = d14["bull-market correction trough"].dropna()
    assert troughs.min() == pytest.approx(-0.5407, abs=5e-5) and troughs.idxmin() == pd.Timestamp("2021-07-20", tz=UTC)

    alt = charts.data("episode-altcoins-10-21-nov")
    now = alt[alt["panel"] == "10-21 Nov 2025"].set_index("series")["value"]
    assert len(now) == 11 and now["BTC"] == pytest.approx(-0.1871, abs=5e-5)
    assert now.idxmin() == "ADA" and now["ADA"] == pytest.approx(-0.293, abs=5e-4)
    hist = alt[alt["series"] == "median altcoin, in dollars"]
    assert hist["window end"].max() < pd.Timestamp("2025-11-10", tz=UTC)


# --------------------------------------------------------------------------------------------------
# the drawings (mktlib.charts.figure): each tied to its chart's data


def _ydata(line) -> np.ndarray:
    return np.asarray(line.get_ydata(), dtype="float64")


def test_drawing_indexed_closes(snapshot):
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt

    from mktlib import charts, plotting

    name = "episode-indexed-closes"
    df = charts.data(name)
    fig = charts.figure(name)
    try:
        assert charts.has_drawing(name) and len(fig.axes) == 1
        ax = fig.axes[0]
        # one line per market, in CHART_ASSETS order, its y-data exactly the market's column, its colour the palette's
        lines = [ln for ln in ax.get_lines() if len(ln.get_ydata()) > 2 and ln.get_marker() == "None"]
        assert len(lines) == len(ep.CHART_ASSETS) == len(df.columns)
        for ln, (label, (_, key)) in zip(lines, ep.CHART_ASSETS.items(), strict=True):
            np.testing.assert_array_equal(_ydata(ln), df[label].dropna().to_numpy())
            assert mcolors.same_color(ln.get_color(), plotting.PALETTE[key])
        # the end labels carry the last values; the scale is cut at the published top
        texts = [t.get_text() for t in ax.texts]
        assert f"BTC {df['BTC'].dropna().iloc[-1]:.0f}" in texts
        assert ax.get_ylim()[1] == ep.INDEXED_CLOSES_TOP
        at_low = df.loc[: ve.the_episode().day("low")].ffill().iloc[-1] - 100
        title = ax.get_title(loc="left")
        assert title.startswith("From 1 Sep 2025 to the day of the low (21 Nov 2025)")
        assert f"BTC moved {at_low['BTC']:+.0f}%" in title and f"gold {at_low['Gold']:+.0f}%" in title
        # a different data frame gives a different drawing: the lines come from df, not from elsewhere
        fig2 = ep.draw_indexed_closes(df * 0.9)
        btc2 = [ln for ln in fig2.axes[0].get_lines() if ln.get_marker() == "None" and len(ln.get_ydata()) > 2][0]
        np.testing.assert_allclose(_ydata(btc2), df["BTC"].dropna().to_numpy() * 0.9)
    finally:
        plt.close("all")


def test_drawing_drawdown_volatility(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts

    name = "episode-btc-drawdown-volatility"
    df = charts.data(name)
    fig = charts.figure(name)
    try:
        assert charts.has_drawing(name) and len(fig.axes) == 2
        ax1, ax2 = fig.axes
        dd, rv = df["fall from the highest so far"], df["realised volatility"]
        troughs = df["bull-market correction trough"].dropna()
        full = [ln for ln in ax1.get_lines() if len(ln.get_ydata()) == len(df)]
        assert len(full) == 1
        np.testing.assert_array_equal(_ydata(full[0]), dd.to_numpy())
        dots = [ln for ln in ax1.get_lines() if ln.get_marker() == "o"]
        assert len(dots) == 1
        np.testing.assert_array_equal(_ydata(dots[0]), troughs.to_numpy())
        vol = [ln for ln in ax2.get_lines() if len(ln.get_ydata()) == len(df)]
        assert len(vol) == 1
        np.testing.assert_array_equal(_ydata(vol[0]), rv.to_numpy())  # NaN before the history starts, too
        t21 = pd.Timestamp("2025-11-21", tz=UTC)
        tri = [ln for ln in ax2.get_lines() if ln.get_marker() == "v"]
        assert len(tri) == 1 and _ydata(tri[0]).tolist() == [rv.loc[t21]]
        title = ax1.get_title(loc="left")
        assert title.startswith(f"21 Nov 2025 (triangle): close {-dd.loc[t21]:.1%} below the highest high, inside")
        assert f"deepest bull-market correction (trough {troughs.idxmin():%b %Y})" in " ".join(
            t.get_text() for t in ax1.texts
        )
    finally:
        plt.close("all")


def test_drawing_altcoins(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts

    name = "episode-altcoins-10-21-nov"
    df = charts.data(name)
    fig = charts.figure(name)
    try:
        assert charts.has_drawing(name) and len(fig.axes) == 2
        ax1, ax2 = fig.axes
        now = df.loc[df["panel"] == "10-21 Nov 2025"].set_index("series")["value"]
        # one bar per coin and BTC, in the data's order, its length the return
        assert [p.get_width() for p in ax1.patches] == pytest.approx(now.tolist(), abs=0)
        assert [t.get_text() for t in ax1.get_yticklabels()] == now.index.tolist()
        assert [t.get_text() for t in ax1.texts] == [f"{r:.1%}" for r in now]
        # the histograms count every earlier window of each series (40 bins each)
        bars = ax2.patches
        assert len(bars) == 80
        for k, series in enumerate(["median altcoin, in dollars", "median altcoin, against BTC"]):
            n = int((df["series"] == series).sum())
            assert sum(p.get_height() for p in bars[40 * k : 40 * (k + 1)]) == n
        n_fell = int((now.drop("BTC") < 0).sum())
        assert fig.get_suptitle().startswith(f"{n_fell} of {len(now) - 1} altcoins fell")
        legend = [t.get_text() for t in ax2.get_legend().get_texts()]
        assert [x.split(":")[0] for x in legend] == ["in dollars", "against BTC"]
    finally:
        plt.close("all")
