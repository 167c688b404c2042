"""mktlib.rates: cut probabilities, the CME formula, the HAC horse race with partial R2 / LMG, the
Frisch-Waugh-Lovell added-variable residuals and bootstrap intervals of partial R2, event-window helpers.
(The D8, A2 and A5 rules and evaluators are tested in tests/test_verdicts_macro.py.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mktlib import DataError, rates


def _fw(rows):
    idx = pd.DatetimeIndex([r[0] for r in rows], tz="UTC", name="timestamp")
    return pd.DataFrame({"bucket": [r[1] for r in rows], "probability": [r[2] for r in rows]}, index=idx)


# ---------------------------------------------------------------- cut probabilities


def test_cut_probability_sums_buckets_at_or_below():
    fw = _fw(
        [
            ("2025-10-21", "325-350", 0.0021),
            ("2025-10-21", "350-375", 0.9814),
            ("2025-10-21", "375-400", 0.0165),
            ("2025-11-19", "350-375", 0.3007),
            ("2025-11-19", "375-400", 0.6993),
        ]
    )
    cp = rates.cut_probability(fw)
    assert cp.loc["2025-10-21"].item() == pytest.approx(0.9835)
    assert cp.loc["2025-11-19"].item() == pytest.approx(0.3007)
    # a stricter threshold: at or below 325-350 only
    assert rates.cut_probability(fw, "325-350").loc["2025-10-21"].item() == pytest.approx(0.0021)
    assert cp.name == "cut_prob" and str(cp.index.tz) == "UTC"


@pytest.mark.parametrize(
    "rows, match",
    [
        ([("2025-11-19", "350-375", 0.30), ("2025-11-19", "375-400", 0.60)], "sum to"),
        ([("2025-11-19", "350to375", 0.30), ("2025-11-19", "375-400", 0.70)], "not a range"),
        ([("2025-11-19", "350-375", 0.30), ("2025-11-19", "350-375", 0.70)], "duplicate"),
        ([("2025-11-19", "350-375", float("nan")), ("2025-11-19", "375-400", 1.0)], "NaN"),
    ],
)
def test_cut_probability_bad_input(rows, match):
    with pytest.raises(DataError, match=match):
        rates.cut_probability(_fw(rows))


def test_cut_probability_needs_tz_and_columns():
    fw = _fw([("2025-11-19", "350-375", 1.0)])
    with pytest.raises(DataError, match="tz-aware"):
        rates.cut_probability(fw.tz_localize(None))
    with pytest.raises(DataError, match="missing column"):
        rates.cut_probability(fw.drop(columns="bucket"))
    with pytest.raises(ValueError, match="at_or_below"):
        rates.cut_probability(fw, "3.50%")


def test_kalshi_maps_stamp_to_the_eastern_day_it_ends_including_dst_change():
    idx = pd.DatetimeIndex(["2025-11-02 04:00", "2025-11-03 04:00", "2025-11-04 05:00", "2025-11-22 05:00"], tz="UTC")
    k = pd.DataFrame({"probability": [0.32, np.nan, 0.69, 0.35]}, index=idx)
    s = rates.kalshi_cut_probability(k)
    # 3 Nov 04:00 UTC candle covers 2 Nov (25-hour day); it had no trade and is dropped
    assert [d.date().isoformat() for d in s.index] == ["2025-11-01", "2025-11-03", "2025-11-21"]
    assert s.tolist() == pytest.approx([0.68, 0.31, 0.65])


def test_kalshi_rejects_stamps_that_are_not_day_ends():
    k = pd.DataFrame({"probability": [0.3]}, index=pd.DatetimeIndex(["2025-11-22 12:00"], tz="UTC"))
    with pytest.raises(DataError, match="midnight"):
        rates.kalshi_cut_probability(k)


# ---------------------------------------------------------------- CME formula (M16)


def test_cme_worked_example_gives_84_8_percent():
    # methods M16: EFFR 5.33, ZQ-implied 5.21, 13 of 30 days before the meeting -> post 5.118 -> 84.8%
    post = rates.post_meeting_rate(5.21, 5.33, days_before=13, days_in_month=30)
    assert post == pytest.approx(87.01 / 17, abs=1e-12)
    assert round(post, 3) == 5.118
    p = rates.fedwatch_probability(5.21, 5.33, 13, 30, round_post=3)
    assert p == pytest.approx(0.848, abs=1e-12)
    assert round(p * 100, 1) == 84.8
    # without CME's rounding of the post-meeting rate the same inputs give 84.7%
    assert rates.fedwatch_probability(5.21, 5.33, 13, 30) == pytest.approx(0.84706, abs=1e-5)


def test_cme_2015_hike_example():
    # CME FedWatch methodology, Sep 2015 meeting: FFER(start) 0.1325, implied 0.195, N=30, M=16
    # -> FFER(end) 0.26643, P(hike) 53.6%; a hike is a negative "cut" probability here
    assert rates.post_meeting_rate(0.195, 0.1325, 16, 30) == pytest.approx(0.26643, abs=5e-6)
    assert -rates.fedwatch_probability(0.195, 0.1325, 16, 30) == pytest.approx(0.536, abs=5e-4)


def test_implied_rate_round_trip_and_bad_days():
    for p in (0.0, 0.3, 0.852, 1.0):
        r = rates.implied_futures_rate(p, 3.88, 10, 31)
        assert rates.fedwatch_probability(r, 3.88, 10, 31) == pytest.approx(p, abs=1e-12)
    with pytest.raises(ValueError, match="days_before"):
        rates.post_meeting_rate(5.21, 5.33, 30, 30)
    with pytest.raises(ValueError, match="finite"):
        rates.post_meeting_rate(float("nan"), 5.33, 13, 30)


# ---------------------------------------------------------------- regression tools


def test_newey_west_lags():
    assert [rates.newey_west_lags(n) for n in (10, 40, 63, 100, 500)] == [2, 3, 3, 4, 5]
    with pytest.raises(ValueError):
        rates.newey_west_lags(0)


def test_hac_standard_errors_match_hand_computed_newey_west():
    rng = np.random.default_rng(1)
    n, lags = 40, 2
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = pd.Series(0.3 + 0.5 * X["a"] + rng.normal(size=n))
    hr = rates.horse_race(y, X, hac_lags=lags)
    Z = np.column_stack([np.ones(n), X.to_numpy()])
    b = np.linalg.solve(Z.T @ Z, Z.T @ y.to_numpy())
    g = Z * (y.to_numpy() - Z @ b)[:, None]
    S = g.T @ g
    for lag in range(1, lags + 1):
        G = g[lag:].T @ g[:-lag]
        S += (1 - lag / (lags + 1)) * (G + G.T)
    S *= n / (n - Z.shape[1])  # small-sample correction
    inv = np.linalg.inv(Z.T @ Z)
    se = np.sqrt(np.diag(inv @ S @ inv))
    np.testing.assert_allclose(hr.table["coef"].to_numpy(), b, rtol=1e-10)
    np.testing.assert_allclose(hr.table["se"].to_numpy(), se, rtol=1e-10)
    assert hr.hac_lags == lags and hr.nobs == n


def test_horse_race_recovers_known_coefficients_partial_r2_and_lmg():
    # y = 0.5 x1 + 0.2 x2 + e, independent N(0,1) regressors and noise: population partial R2
    # 0.25/1.25 and 0.04/1.04; LMG shares beta^2/var(y) = 0.25/1.29 and 0.04/1.29
    rng = np.random.default_rng(42)
    n = 20000
    X = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    y = pd.Series(0.5 * X["x1"] + 0.2 * X["x2"] + rng.normal(size=n))
    hr = rates.horse_race(y, X)
    t = hr.table
    assert abs(t.loc["x1", "coef"] - 0.5) < 3 * t.loc["x1", "se"]
    assert abs(t.loc["x2", "coef"] - 0.2) < 3 * t.loc["x2", "se"]
    assert t.loc["x1", "partial_r2"] == pytest.approx(0.25 / 1.25, abs=0.01)
    assert t.loc["x2", "partial_r2"] == pytest.approx(0.04 / 1.04, abs=0.006)
    assert t.loc["x1", "lmg"] == pytest.approx(0.25 / 1.29, abs=0.01)
    assert t.loc["x2", "lmg"] == pytest.approx(0.04 / 1.29, abs=0.006)
    assert t[["lmg"]].sum().item() == pytest.approx(hr.r2, abs=1e-12)
    assert t.loc["x1", "p"] < 1e-10


def test_lmg_two_regressors_closed_form_and_symmetry():
    rng = np.random.default_rng(3)
    n = 300
    x1 = rng.normal(size=n)
    x2 = 0.6 * x1 + 0.8 * rng.normal(size=n)  # correlated regressors
    X = pd.DataFrame({"x1": x1, "x2": x2})
    y = pd.Series(x1 + 0.5 * x2 + rng.normal(size=n))
    r1 = rates._r2(y.to_numpy(), x1[:, None])
    r2 = rates._r2(y.to_numpy(), x2[:, None])
    r12 = rates._r2(y.to_numpy(), X.to_numpy())
    s = rates.lmg(y, X)
    assert s["x1"] == pytest.approx((r1 + r12 - r2) / 2, abs=1e-12)
    assert s["x2"] == pytest.approx((r2 + r12 - r1) / 2, abs=1e-12)
    # partial R2 by hand: (SSR_without - SSR_with) / SSR_without = (R2_12 - R2_other) / (1 - R2_other)
    pr = rates.partial_r2(y, X)
    assert pr["x1"] == pytest.approx((r12 - r2) / (1 - r2), abs=1e-12)
    # two interchangeable regressors share equally
    z = rng.normal(size=n)
    Xs = pd.DataFrame({"u": z + rng.normal(size=n), "v": z + rng.normal(size=n)})
    ys = pd.Series(Xs["u"] + Xs["v"] + rng.normal(size=n))
    sy = rates.lmg(ys, Xs)
    assert sy["u"] == pytest.approx(sy["v"], abs=0.03)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda y, X: (y.where(y.index != y.index[3]), X), "NaN"),
        (lambda y, X: (y.iloc[:-1], X), "same index"),
        (lambda y, X: (y, X.assign(b=1.0)), "constant"),
        (lambda y, X: (y.iloc[::-1], X.iloc[::-1]), "sorted"),
        (lambda y, X: (y.iloc[:3], X.iloc[:3]), "too few"),
    ],
)
def test_horse_race_bad_input(mutate, match):
    idx = pd.date_range("2025-10-01", periods=20, freq="D", tz="UTC")
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=20), "b": rng.normal(size=20)}, index=idx)
    y = pd.Series(rng.normal(size=20), index=idx)
    yy, XX = mutate(y, X)
    with pytest.raises(ValueError, match=match):
        rates.horse_race(yy, XX)


def test_aligned_change_carries_level_over_bond_holiday():
    lv = pd.Series([3.60, 3.58, 3.55], index=pd.DatetimeIndex(["2025-10-10", "2025-10-14", "2025-10-15"], tz="UTC"))
    ses = pd.DatetimeIndex(["2025-10-10", "2025-10-13", "2025-10-14", "2025-10-15"], tz="UTC")
    ch = rates.aligned_change(lv, ses)
    assert np.isnan(ch.iloc[0])
    assert ch.iloc[1:].tolist() == pytest.approx([0.0, -0.02, -0.03])
    with pytest.raises(DataError, match="no observation"):
        rates.aligned_change(lv, pd.DatetimeIndex(["2025-10-09", "2025-10-10"], tz="UTC"))


def test_first_reaction_and_window_change():
    # FOMC 14:00 ET on 29 Oct (18:00 UTC): NY reacts the same session, the LBMA PM fix the next day,
    # crypto in the UTC day; an instant after the NY close (21:00 UTC in winter) moves to the next session
    assert rates.first_reaction("2025-10-29 18:00Z", "NY").date().isoformat() == "2025-10-29"
    assert rates.first_reaction("2025-10-29 18:00Z", "LBMA").date().isoformat() == "2025-10-30"
    assert rates.first_reaction("2025-11-19 21:20Z", "NY").date().isoformat() == "2025-11-20"
    assert rates.first_reaction("2025-11-21 23:00Z", "NY").date().isoformat() == "2025-11-24"
    assert rates.first_reaction("2025-11-19 23:30Z", "UTC").date().isoformat() == "2025-11-19"
    with pytest.raises(ValueError, match="tz-aware"):
        rates.first_reaction("2025-10-29 18:00", "NY")
    s = pd.Series(
        [0.9, 0.67, 0.63, 0.5],
        index=pd.DatetimeIndex(["2025-10-28", "2025-10-29", "2025-10-31", "2025-11-13"], tz="UTC"),
    )
    assert rates.window_change(s, "2025-10-29", "2025-10-31") == pytest.approx(-0.27)
    assert np.isnan(rates.window_change(s, "2025-10-28", "2025-10-31"))  # nothing before the start
    assert np.isnan(rates.window_change(s, "2025-11-01", "2025-11-05"))  # nothing inside the window


# ---------------------------------------------------------------- added-variable plots and partial R2 intervals


def _sim(n=400, seed=5):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = 0.7 * x1 + 0.5 * rng.normal(size=n)  # correlated regressors: bivariate slopes are biased
    x3 = rng.normal(size=n)
    X = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3})
    y = pd.Series(1.5 * x1 - 0.8 * x2 + 0.3 * x3 + rng.normal(size=n))
    return y, X


def test_added_variable_slope_is_the_multiple_regression_coefficient():
    """Frisch-Waugh-Lovell: regressing y's residual on x's residual (both net of the other regressors)
    gives exactly the multiple-regression coefficient; the residuals' squared correlation is the
    partial R2; the bivariate slope (the old scatter's line) does not."""
    y, X = _sim()
    hr = rates.horse_race(y, X)
    pr = rates.partial_r2(y, X)
    for col in X.columns:
        av = rates.added_variable(y, X, col)
        slope = float(av["x_resid"] @ av["y_resid"] / (av["x_resid"] @ av["x_resid"]))
        assert slope == pytest.approx(hr.coef(col), rel=1e-10)
        assert np.corrcoef(av["x_resid"], av["y_resid"])[0, 1] ** 2 == pytest.approx(pr[col], rel=1e-10)
        assert abs(av["x_resid"].mean()) < 1e-10 and abs(av["y_resid"].mean()) < 1e-10
    naive = np.polyfit(X["x2"], y, 1)[0]
    assert naive > 0 > hr.coef("x2")  # the bivariate line even has the wrong sign here
    with pytest.raises(KeyError, match="not a column"):
        rates.added_variable(y, X, "x9")


def test_partial_r2_matrix_and_batch_equal_the_ssr_definition():
    y, X = _sim(n=120, seed=9)
    a = np.column_stack([y.to_numpy(), X.to_numpy()])
    np.testing.assert_allclose(rates.partial_r2_matrix(a), rates.partial_r2(y, X).to_numpy(), rtol=1e-10)
    rng = np.random.default_rng(0)
    stack = np.stack([a[rng.integers(0, len(a), len(a))] for _ in range(5)])
    batch = rates._partial_r2_batch(stack)
    for b in range(5):
        np.testing.assert_allclose(batch[b], rates.partial_r2_matrix(stack[b]), rtol=1e-10)
    # a singular resample (a constant regressor) gives NaN for it and leaves the others intact
    bad = stack.copy()
    bad[2, :, 1] = 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = rates._partial_r2_batch(bad)
    assert np.isnan(out[2]).all() and np.allclose(out[0], batch[0])


def test_partial_r2_intervals_cover_the_truth_at_about_the_nominal_rate():
    """A5's setting: n = 64, y = 0.7 a + 0.1 b + e with independent N(0,1) regressors and noise, so the
    population partial R2 are 0.49/1.49 and 0.01/1.01. Over 300 simulated samples the 90% percentile
    intervals cover them and their difference in about 85-96% of cases (measured: a 88%, b 96%, difference
    85%: the percentile interval of a partial-R2 gap undercovers a little; binomial sd about 1.7 pp)."""
    truth = {"a": 0.49 / 1.49, "b": 0.01 / 1.01}
    truth["difference"] = truth["a"] - truth["b"]
    hits = {k: 0 for k in truth}
    sims = 300
    for i in range(sims):
        rng = np.random.default_rng(1000 + i)
        X = pd.DataFrame({"a": rng.normal(size=64), "b": rng.normal(size=64)})
        y = pd.Series(0.7 * X["a"] + 0.1 * X["b"] + rng.normal(size=64))
        ci = rates.partial_r2_intervals(y, X, "a", "b", reps=199, level=0.90, seed=i, block=1.0)
        for k, v in truth.items():
            hits[k] += ci.loc[k, "low"] <= v <= ci.loc[k, "high"]
        assert ci.loc["difference", "estimate"] == pytest.approx(ci.loc["a", "estimate"] - ci.loc["b", "estimate"])
    for k in truth:
        assert 0.80 <= hits[k] / sims <= 0.98, (k, hits[k])


def test_partial_r2_intervals_equal_bootstrap_ci_on_each_statistic():
    from mktlib import inference

    y, X = _sim(n=150, seed=2)
    ci = rates.partial_r2_intervals(y, X[["x1", "x3"]], "x1", "x3", reps=299, level=0.90, seed=3, block=2.0)
    arr = np.column_stack([y.to_numpy(), X[["x1", "x3"]].to_numpy()])
    for k, stat in (
        ("x3", lambda m: float(rates.partial_r2_matrix(m)[1])),
        ("difference", lambda m: float(np.subtract(*rates.partial_r2_matrix(m)))),
    ):
        est, lo, hi = inference.bootstrap_ci(arr, stat, reps=299, level=0.90, seed=3, block=2.0)
        assert (ci.loc[k, "estimate"], ci.loc[k, "low"], ci.loc[k, "high"]) == pytest.approx((est, lo, hi), rel=1e-10)
    with pytest.raises(ValueError, match="level"):
        rates.partial_r2_intervals(y, X, "x1", "x2", level=1.5)


# ---------------------------------------------------------------- the snapshot


def test_fedwatch_snapshot_values(snapshot):
    from mktlib import data

    fw = data.load("fedwatch_dec2025")
    cp = rates.cut_probability(fw)
    at = lambda d: cp.loc[pd.Timestamp(d, tz="UTC")].item()  # noqa: E731
    assert at("2025-10-21") == pytest.approx(0.983483, abs=1e-6)
    assert at("2025-11-19") == pytest.approx(0.300714, abs=1e-6)  # SOURCES.md: the low
    assert at("2025-11-25") == pytest.approx(0.852143, abs=1e-6)  # SOURCES.md: the last value
    # SOURCES.md: 93.7% is the 350-375 bucket alone on 17 Oct (0.936665); at-or-below is ~1 that day
    b = fw.loc[pd.Timestamp("2025-10-17", tz="UTC")]
    assert b.loc[b["bucket"] == "350-375", "probability"].item() == pytest.approx(0.936665, abs=1e-6)
    assert at("2025-10-17") == pytest.approx(1.0, abs=1e-3)


def test_policy_path_kalshi_alignment_and_fed_cut(snapshot):
    pp = rates.policy_path("2025-10-01", "2025-12-31")
    assert pp.loc[pd.Timestamp("2025-11-21", tz="UTC"), "kalshi"] == pytest.approx(0.65)
    assert pp.loc[pd.Timestamp("2025-11-26", tz="UTC"), "kalshi"] == pytest.approx(0.82)
    assert pp.loc[pd.Timestamp("2025-11-21", tz="UTC"), "dgs2"] == pytest.approx(3.51)
    # the candle-date mapping is the one that makes daily changes agree with FedWatch
    ag = rates.alignment_check(pp["fedwatch"], pp["kalshi"])
    assert ag.loc[0, "corr_changes"] > 0.8
    assert ag.loc[0, "corr_changes"] > ag.loc[1, "corr_changes"] + 0.5
    assert ag.loc[0, "corr_changes"] > ag.loc[-1, "corr_changes"] + 0.5


def test_horse_race_frame_snapshot(snapshot):
    f = rates.horse_race_frame("2025-10-01", "2025-12-31")
    assert len(f) == 64 and f.index[0].date().isoformat() == "2025-10-01"
    assert f[["btc", "btc_utc", "ndx", "nvda", "soxx", "d_dgs2"]].notna().all().all()
    # the UTC close convention: BTC's UTC-day closes of consecutive sessions (Fri 21 Nov -> Mon 24 Nov)
    from mktlib import data

    c = data.load("btc_spot_1d_fullcols")["close"]
    want = c.loc[pd.Timestamp("2025-11-24", tz="UTC")] / c.loc[pd.Timestamp("2025-11-21", tz="UTC")] - 1
    assert f.loc[pd.Timestamp("2025-11-24", tz="UTC"), "btc_utc"] == pytest.approx(want, rel=1e-12)
    assert f["d_cutprob"].last_valid_index().date().isoformat() == "2025-11-25"
    # Columbus Day 13 Oct: NYSE open, bond market closed -> no yield change that day
    assert f.loc[pd.Timestamp("2025-10-13", tz="UTC"), "d_dgs2"] == 0.0
    # NDX close-to-close return on 21 Nov from the file's closes
    assert f.loc[pd.Timestamp("2025-11-21", tz="UTC"), "ndx"] == pytest.approx(24239.5703 / 24054.3809 - 1, abs=1e-7)


def test_clock_window_returns_follow_eastern_time_and_skip_gaps():
    # 13:45-15:30 ET is 17:45-19:30 UTC in EDT (29 Oct) and 18:45-20:30 UTC in EST (19 Nov)
    idx = pd.date_range("2025-10-29 17:00", "2025-10-29 21:00", freq="15min", tz="UTC").append(
        pd.date_range("2025-11-19 18:00", "2025-11-19 21:00", freq="15min", tz="UTC")
    )
    bars = pd.DataFrame({"close": np.arange(len(idx), dtype=float) + 100}, index=idx)
    r = rates.clock_window_returns(bars, ["2025-10-29", "2025-11-19", "2025-11-20"], bar_length="15min")
    close_at = lambda t: float(bars["close"].loc[pd.Timestamp(t, tz="UTC") - pd.Timedelta("15min")])  # noqa: E731
    assert r.loc["2025-10-29"].item() == pytest.approx(close_at("2025-10-29 19:30") / close_at("2025-10-29 17:45") - 1)
    assert r.loc["2025-11-19"].item() == pytest.approx(close_at("2025-11-19 20:30") / close_at("2025-11-19 18:45") - 1)
    assert len(r) == 2  # 20 Nov has no bars: dropped, not filled


def test_event_windows_snapshot(snapshot):
    ew = rates.event_windows((0, 2), placebo_n=200)
    assert len(ew) == 12
    # gold (LBMA PM fix, 15:00 London) first reacts to a 14:00 ET announcement on the next London day
    assert ew.loc[("29 Oct FOMC", "gold"), "event_date"].date().isoformat() == "2025-10-30"
    assert ew.loc[("29 Oct FOMC", "ndx"), "event_date"].date().isoformat() == "2025-10-29"
    r = ew.loc[("19-21 Nov", "btc")]
    assert (r["start_date"].date().isoformat(), r["end_date"].date().isoformat()) == ("2025-11-19", "2025-11-21")
    assert r["car"] == pytest.approx(-0.0833, abs=5e-4)
    assert r["p_placebo"] < 0.05
    assert ew.loc[("10 Dec FOMC", "ndx"), "car"] == pytest.approx(-0.0219, abs=5e-4)


def test_fed_2pm_windows_snapshot(snapshot):
    f = rates.fed_2pm_windows()
    assert len(f) == 39 and (f["event"] != "").sum() == 3
    ev = f[f["event"] != ""].set_index("event")
    assert ev.loc["10 Dec FOMC statement", "nq"] == pytest.approx(0.00886, abs=5e-5)
    assert ev.loc["10 Dec FOMC statement", "btc"] == pytest.approx(0.01083, abs=5e-5)
    assert (np.sign(ev["nq"]) == np.sign(ev["btc"])).all()


# ---------------------------------------------------------------- the chapter's tables and charts


def _hadamard_frame():
    """Two windows of 32 sessions built on orthogonal, centred +-1 columns of an 8x8 Hadamard matrix
    (tiled 4 times), so OLS with a constant has closed-form partial R2: with y = b1 a + b2 r + e
    (a, r, e orthogonal, each of squared norm n), pR2(a) = b1^2 / (b1^2 + 1) and pR2(r) = b2^2 / (b2^2 + 1).
    Window 1: y = 2a + 0.5r + e -> 0.8 and 0.2; window 2: y = 1a + 3r + e -> 0.5 and 0.9."""
    from scipy.linalg import hadamard

    h = np.tile(hadamard(8).astype(float), (4, 1))
    a, r, e = h[:, 1], h[:, 2], h[:, 3]
    idx = pd.date_range("2025-10-01", periods=64, freq="D", tz="UTC")
    f = pd.DataFrame(
        {
            "ndx": np.r_[a, a],
            "d_dgs2": np.r_[r, r],
            "btc": np.r_[2 * a + 0.5 * r + e, 1 * a + 3 * r + e],
        },
        index=idx,
    )
    windows = pd.DataFrame(
        {"start": [idx[0], idx[32]], "end": [idx[31], idx[63]], "rate": ["d_dgs2", "d_dgs2"]},
        index=pd.Index(["w1", "w2"], name="model"),
    )
    return f, windows


def test_window_partial_r2_closed_form_on_orthogonal_design():
    f, windows = _hadamard_frame()
    out = rates.window_partial_r2(f, windows, reps=199, seed=1)
    assert out.loc["w1", "pr2_equity"] == pytest.approx(0.8, abs=1e-12)
    assert out.loc["w1", "pr2_rate"] == pytest.approx(0.2, abs=1e-12)
    assert out.loc["w1", "gap"] == pytest.approx(0.6, abs=1e-12)
    assert out.loc["w2", "pr2_equity"] == pytest.approx(0.5, abs=1e-12)
    assert out.loc["w2", "pr2_rate"] == pytest.approx(0.9, abs=1e-12)
    assert out.loc["w2", "gap"] == pytest.approx(-0.4, abs=1e-12)
    assert (out.loc["w1", "beta_equity"], out.loc["w1", "beta_rate"]) == pytest.approx((2.0, 0.5), abs=1e-12)
    assert (out["sessions"] == 32).all()
    assert out.loc["w2", "start"] == f.index[32] and out.loc["w1", "end"] == f.index[31]
    for k in ("pr2_equity", "pr2_rate", "gap"):  # each interval brackets its estimate
        assert (out[f"{k}_low"] <= out[k]).all() and (out[k] <= out[f"{k}_high"]).all()
    nob = rates.window_partial_r2(f, windows, reps=0)
    assert nob["gap_low"].isna().all() and nob.loc["w1", "pr2_equity"] == pytest.approx(0.8)


def test_window_partial_r2_refuses_a_window_without_the_rate_variable():
    f, windows = _hadamard_frame()
    f.loc[f.index[40], "d_dgs2"] = np.nan
    with pytest.raises(DataError, match="w2"):
        rates.window_partial_r2(f, windows, reps=0)


def test_horse_race_table_states_effects_per_move_in_words():
    f, windows = _hadamard_frame()
    hr = rates.horse_race(f["btc"].iloc[:32], f[["ndx", "d_dgs2"]].iloc[:32])
    t = rates.horse_race_table({"m": hr}, per={"ndx": 0.01, "d_dgs2": 0.10}, holm={("m", "ndx"): 0.5})
    assert t["regressor"].tolist() == ["Nasdaq-100 return", "change in the 2-year Treasury yield"]
    assert t["effect"].tolist() == pytest.approx([2.0 * 0.01, 0.5 * 0.10], abs=1e-12)
    assert t.loc[0, "effect_se"] == pytest.approx(hr.table.loc["ndx", "se"] * 0.01)
    assert t.loc[0, "p_holm"] == 0.5 and np.isnan(t.loc[1, "p_holm"])
    assert t["partial_r2"].tolist() == pytest.approx([0.8, 0.2], abs=1e-12)
    assert t["lmg_share"].sum() == pytest.approx(1.0) and (t["sessions"] == 32).all()


def test_event_window_table_changes_over_the_anchor_window():
    d = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731
    ew = pd.DataFrame(
        {
            "start_date": [d("2025-11-19"), d("2025-11-19"), d("2025-12-10"), d("2025-12-10")],
            "end_date": [d("2025-11-21"), d("2025-11-22"), d("2025-12-12"), d("2025-12-12")],
            "car": [-0.01, -0.08, 0.02, 0.03],
            "p_placebo": [0.4, 0.02, 0.5, 0.6],
        },
        index=pd.MultiIndex.from_tuples(
            [("19-21 Nov", "ndx"), ("19-21 Nov", "btc"), ("10 Dec", "ndx"), ("10 Dec", "btc")], names=["event", "asset"]
        ),
    )
    days = pd.date_range("2025-11-17", "2025-12-12", freq="D", tz="UTC")
    path = pd.DataFrame({"fedwatch": np.nan, "dgs2": 3.60}, index=days)
    path.loc[d("2025-11-18"), "fedwatch"] = 0.45  # last value before 19 Nov
    path.loc[d("2025-11-19"), "fedwatch"] = 0.30
    path.loc[d("2025-11-21"), "fedwatch"] = 0.71
    path.loc[d("2025-11-22") :, "dgs2"] = 3.50  # after the NDX window: must not count
    t = rates.event_window_table(ew, path)
    assert t.index.tolist() == ["19-21 Nov", "10 Dec"]
    assert t.loc["19-21 Nov", "d_fedwatch"] == pytest.approx(0.26)
    assert t.loc["19-21 Nov", "d_dgs2"] == pytest.approx(0.0)
    assert np.isnan(t.loc["10 Dec", "d_fedwatch"])  # FedWatch has no value in or before... after 21 Nov
    assert t.loc["10 Dec", "d_dgs2"] == pytest.approx(0.0)
    assert (t.loc["19-21 Nov", "car_btc"], t.loc["19-21 Nov", "p_btc"]) == (-0.08, 0.02)
    assert t.loc["10 Dec", "car_ndx"] == 0.02


def test_fed_2pm_summary_z_and_rank_against_other_days():
    w = pd.DataFrame(
        {
            "nq": [0.01, -0.01, 0.01, -0.01, 0.03],
            "btc": [0.02, -0.02, 0.0, 0.0, -0.01],
            "event": ["", "", "", "", "FOMC"],
        }
    )
    s = rates.fed_2pm_summary(w)
    sd_nq = float(np.std([0.01, -0.01, 0.01, -0.01], ddof=1))
    assert s.loc["FOMC", "move_nq"] == 0.03
    assert s.loc["FOMC", "z_nq"] == pytest.approx(0.03 / sd_nq)
    assert s.loc["FOMC", "rank_nq"] == 1.0  # larger than every other day
    assert s.loc["FOMC", "rank_btc"] == 0.5  # |-0.01| beats the two zero days only


def test_a5_windows_registered_rows_equal_the_ledger_models(snapshot):
    from mktlib.verdicts import macro

    w = rates.a5_windows()
    assert w["status"].tolist() == ["registered", "registered", "context"]
    for label, rate in (
        ("1 Oct-31 Dec 2025, Nasdaq-100 and 2-year yield", "d_dgs2"),
        ("1 Oct-25 Nov 2025, Nasdaq-100 and cut odds", "d_cutprob"),
    ):
        hr, ci = macro.a5_model("ndx", rate, "ny", 999)
        r = w.loc[label]
        assert r["pr2_equity"] == pytest.approx(hr.table.loc["ndx", "partial_r2"], rel=1e-12)
        assert r["pr2_rate"] == pytest.approx(hr.table.loc[rate, "partial_r2"], rel=1e-12)
        assert (r["gap_low"], r["gap_high"]) == pytest.approx(
            (ci.loc["difference", "low"], ci.loc["difference", "high"]), rel=1e-12
        )
        assert r["sessions"] == hr.nobs
    b = w.loc["21 Nov-31 Dec 2025 (the bounce), Nasdaq-100 and 2-year yield"]
    assert b["start"].date().isoformat() == "2025-11-21" and b["sessions"] == 27


def test_chapter_chart_data(snapshot):
    from mktlib import charts
    from mktlib.verdicts import macro

    odds = charts.data("rates-cut-odds")
    fw = odds["FedWatch cut probability"].dropna()
    assert fw.idxmin().date().isoformat() == "2025-11-19" and fw.min() == pytest.approx(0.300714, abs=1e-6)
    av = charts.data("rates-added-variable")
    hr = macro.a5_model("ndx", "d_dgs2", "ny", 999)[0]
    for panel, col, xscale in (("Nasdaq-100 return (%)", "ndx", 100.0), ("2-year yield change (bp)", "d_dgs2", 100.0)):
        p = av[av["panel"] == panel]
        assert len(p) == hr.nobs
        slope = float((p["x"] @ p["y"]) / (p["x"] @ p["x"]))  # FWL: the multiple-regression coefficient
        assert slope * xscale / 100.0 == pytest.approx(hr.coef(col), rel=1e-9)


def test_chapter_drawings_plot_the_chart_data(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts, claims

    odds = charts.data("rates-cut-odds")
    fig = charts.figure("rates-cut-odds")
    assert len(fig.axes) == 2  # odds (left) and the 2-year yield (right, twin)
    ax, ax2 = fig.axes
    assert ax.get_title(loc="left").startswith("December-cut odds fell")
    for line, col in zip(ax.lines[:2], ("FedWatch cut probability", "Kalshi cut probability"), strict=True):
        s = odds[col].dropna()
        assert np.array_equal(np.asarray(line.get_ydata(), dtype=float), s.to_numpy())
        assert len(line.get_xdata()) == len(s)
    y2 = odds["2-year Treasury yield (%)"].dropna()
    assert np.array_equal(np.asarray(ax2.lines[0].get_ydata(), dtype=float), y2.to_numpy())
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "2-year Treasury yield (right axis)"

    av = charts.data("rates-added-variable")
    a5 = claims.evaluate("A5")
    fig = charts.figure("rates-added-variable")
    assert len(fig.axes) == 2 and fig.get_suptitle().startswith("1 Oct-31 Dec 2025")
    for ax, panel, beta, pr2 in zip(
        fig.axes,
        ("Nasdaq-100 return (%)", "2-year yield change (bp)"),
        ("A5.beta_ndx", "A5.beta_dgs2"),
        ("A5.partial_r2_ndx", "A5.partial_r2_dgs2"),
        strict=True,
    ):
        p = av[av["panel"] == panel]
        assert np.array_equal(ax.collections[0].get_offsets(), p[["x", "y"]].to_numpy())
        xx, yy = ax.lines[0].get_data()
        assert xx[0] == p["x"].min() and xx[-1] == p["x"].max()
        assert yy == pytest.approx(a5.values[beta] * xx, rel=1e-12)  # the ledger's regression slope
        assert ax.get_title(loc="left").startswith(f"partial R² {a5.values[pr2]:.1%} (90% interval")
        assert ax.get_xlabel() == f"{panel}, net of the other factor"
    plt.close("all")
