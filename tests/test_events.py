"""mktlib.events: hand-computed variance formula, statsmodels cross-check, planted effects, size, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from mktlib.events import event_study, placebo, placebo_pvalue


def _idx(n, start="2025-01-01"):
    return pd.date_range(start, periods=n, freq="D", tz="UTC")


def test_hand_computed_market_model():
    # estimation x = 0,1,2,3 ; y = 1,1,3,3 -> beta = 4/5 = 0.8, alpha = 2 - 0.8*1.5 = 0.8
    # residuals .2 -.6 .6 -.2 -> RSS .8, sigma^2 = .8/(4-2) = .4
    # event rows x = 1.5, 3.5 ; y = 3, 5 -> expected 2.0, 3.6 ; AR = 1.0, 1.4 ; CAR = 2.4
    # Var AR1 = .4 (1 + 1/4 + 0/5) = .5 ; Var AR2 = .4 (1 + 1/4 + 4/5) = .82
    # Cov = .4 (1/4 + 0*2/5) = .1 ; Var CAR = .5 + .82 + 2*.1 = 1.52
    idx = _idx(6)
    m = pd.Series([0, 1, 2, 3, 1.5, 3.5], index=idx, dtype=float)
    a = pd.Series([1, 1, 3, 3, 3, 5], index=idx, dtype=float)
    r = event_study(a, m, idx[4], estimation=4, gap=0, window=(0, 1))
    assert r.alpha == pytest.approx(0.8) and r.beta == pytest.approx(0.8)
    assert r.sigma**2 == pytest.approx(0.4)
    assert r.table["expected"].tolist() == pytest.approx([2.0, 3.6])
    assert r.table["ar"].tolist() == pytest.approx([1.0, 1.4])
    assert r.table["var_ar"].tolist() == pytest.approx([0.5, 0.82])
    assert r.table["var_car"].tolist() == pytest.approx([0.5, 1.52])
    assert r.car == pytest.approx(2.4)
    assert r.car_se == pytest.approx(np.sqrt(1.52))
    assert r.t == pytest.approx(2.4 / np.sqrt(1.52))
    assert r.df == 2
    assert r.p == pytest.approx(2 * stats.t.sf(2.4 / np.sqrt(1.52), 2))
    assert r.var_car_sampling == pytest.approx(0.8)  # sigma^2 * L2, no estimation error
    assert r.estimation_start == idx[0] and r.estimation_end == idx[3] and r.event_date == idx[4]


def test_hand_computed_constant_mean():
    # y = 1,2,3,6 : mean 3, RSS 14, sigma^2 = 14/3 ; event y = 5 -> AR 2, Var = 14/3 (1 + 1/4) = 35/6
    idx = _idx(6)
    a = pd.Series([1, 2, 3, 6, 9, 5], index=idx, dtype=float)
    r = event_study(a, None, idx[5], estimation=4, gap=1, window=(0, 0))
    assert r.alpha == pytest.approx(3.0) and np.isnan(r.beta)
    assert r.car == pytest.approx(2.0)
    assert r.car_se**2 == pytest.approx(35 / 6)
    assert r.df == 3 and r.model == "constant mean"
    assert "market" not in r.table.columns


def test_matches_statsmodels_prediction_variance():
    rng = np.random.default_rng(3)
    idx = _idx(160)
    m = pd.Series(rng.normal(0, 0.01, 160), index=idx)
    a = 0.0005 + 0.9 * m + pd.Series(rng.normal(0, 0.012, 160), index=idx)
    r = event_study(a, m, idx[140], estimation=100, gap=10, window=(-2, 4))
    est = slice(140 - 2 - 10 - 100, 140 - 2 - 10)
    fit = sm.OLS(a.iloc[est].to_numpy(), sm.add_constant(m.iloc[est].to_numpy())).fit()
    assert (r.alpha, r.beta) == pytest.approx(tuple(fit.params))
    assert r.sigma == pytest.approx(np.sqrt(fit.scale))
    xe = sm.add_constant(m.iloc[138:145].to_numpy(), has_constant="add")
    pred = fit.get_prediction(xe)
    # prediction-error variance sigma^2 (1 + x'(X'X)^-1 x) = MacKinlay Var(AR_t)
    assert r.table["var_ar"].to_numpy() == pytest.approx(pred.se_obs**2)
    assert r.table["ar"].to_numpy() == pytest.approx(a.iloc[138:145].to_numpy() - pred.predicted_mean)
    # Var(CAR) = 1' sigma^2 (I + X (X1'X1)^-1 X') 1 via statsmodels' own cov_params
    g = xe.sum(axis=0)
    assert r.car_se**2 == pytest.approx(fit.scale * 7 + g @ fit.cov_params() @ g)
    assert r.table["t_car"].iloc[-1] == pytest.approx(r.t)
    assert list(r.table.index) == list(range(-2, 5))


def test_planted_abnormal_return_is_found():
    rng = np.random.default_rng(11)
    n = 400
    idx = _idx(n)
    m = pd.Series(rng.normal(0.0005, 0.012, n), index=idx)
    a = 0.0002 + 1.3 * m + pd.Series(rng.normal(0, 0.005, n), index=idx)
    ev = 300
    a.iloc[ev : ev + 3] += 0.04  # +4% a day on days 0..2: CAR(-1, 5) = 0.12
    r = event_study(a, m, idx[ev], estimation=120, gap=10, window=(-1, 5))
    assert r.car_se == pytest.approx(0.005 * np.sqrt(7), rel=0.2)
    assert abs(r.car - 0.12) < 3 * r.car_se  # within 3 s.e. of the planted value
    assert r.t > 5 and r.p < 1e-4
    assert r.beta == pytest.approx(1.3, abs=0.15)
    pl = placebo(a, m, window_len=7, estimation=120, gap=10, exclude=[(idx[ev - 1], idx[ev + 5])])
    assert placebo_pvalue(r.t, pl["t"]) < 0.01
    # nothing planted at another date -> no effect
    r0 = event_study(a, m, idx[200], estimation=120, gap=10, window=(-1, 5))
    assert abs(r0.t) < 2.5


@pytest.mark.parametrize("with_market", [False, True])
def test_placebo_size_on_white_noise(with_market):
    rng = np.random.default_rng(2024)
    n = 2500
    idx = _idx(n, "2015-01-01")
    m = pd.Series(rng.normal(0, 0.01, n), index=idx) if with_market else None
    a = pd.Series(rng.normal(0, 0.02, n), index=idx)
    if with_market:
        a = a + 0.8 * m
    pl = placebo(a, m, window_len=7, estimation=120, gap=10)
    assert len(pl) == n - 130 - 6
    t = pl["t"]
    assert abs(t.mean()) < 0.1
    assert 0.9 < t.std() < 1.1
    assert 0.03 < (t.abs() > 1.96).mean() < 0.08


def test_placebo_sampling_and_exclusion():
    idx = _idx(300)
    a = pd.Series(np.random.default_rng(5).normal(0, 0.01, 300), index=idx)
    p1 = placebo(a, None, window_len=3, estimation=50, gap=5, n=40, seed=7)
    p2 = placebo(a, None, window_len=3, estimation=50, gap=5, n=40, seed=7)
    assert len(p1) == 40 and p1.equals(p2)
    full = placebo(a, None, window_len=3, estimation=50, gap=5)
    assert len(full) == 300 - 55 - 2 and full.index[0] == idx[55]
    ex = placebo(a, None, window_len=3, estimation=50, gap=5, exclude=["2025-06-01"])
    d = pd.Timestamp("2025-06-01", tz="UTC")
    assert not ((ex.index <= d) & (ex["end"] >= d)).any()
    assert len(ex) == len(full) - 3
    # the placebo statistic at a start equals the event study with window (0, L-1) there
    r = event_study(a, None, full.index[10], estimation=50, gap=5, window=(0, 2))
    assert full["t"].iloc[10] == pytest.approx(r.t)


def test_event_between_labels_maps_forward():
    idx = pd.bdate_range("2025-09-01", periods=60, tz="UTC")  # weekdays only
    a = pd.Series(np.random.default_rng(1).normal(0, 0.01, 60), index=idx)
    r = event_study(a, None, "2025-10-11", estimation=20, gap=2, window=(0, 1))  # a Saturday
    assert r.event_date == pd.Timestamp("2025-10-13", tz="UTC")


def test_placebo_pvalue():
    assert placebo_pvalue(2.5, [0.1, -3.0, 1.0, 2.6]) == pytest.approx(3 / 5)
    assert placebo_pvalue(-9, np.zeros(99)) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="no finite"):
        placebo_pvalue(1.0, [np.nan])


def test_bad_input():
    idx = _idx(200)
    a = pd.Series(np.random.default_rng(0).normal(0, 0.01, 200), index=idx)
    with pytest.raises(ValueError, match="outside the data"):
        event_study(a, None, "2026-01-01")
    with pytest.raises(ValueError, match="estimation window too short"):
        event_study(a, None, idx[50], estimation=120, gap=10)
    with pytest.raises(ValueError, match="estimation window too short"):
        event_study(a, a, idx[150], estimation=3)
    with pytest.raises(ValueError, match="past the end"):
        event_study(a, None, idx[198], window=(-1, 5))
    b = a.copy()
    b.iloc[20] = np.nan
    with pytest.raises(ValueError, match="asset: 1 NaN"):
        event_study(b, None, idx[180])
    with pytest.raises(ValueError, match="market: 1 NaN"):
        event_study(a, b, idx[180])
    with pytest.raises(ValueError, match="not sorted"):
        event_study(a.iloc[::-1], None, idx[180])
    with pytest.raises(ValueError, match="duplicate"):
        event_study(pd.concat([a, a.iloc[:1]]).sort_index(), None, idx[180])
    with pytest.raises(ValueError, match="tz-aware"):
        event_study(a.tz_localize(None), None, "2025-06-01")
    with pytest.raises(ValueError, match="indexes differ"):
        event_study(a, a.drop(idx[100]), idx[180])
    with pytest.raises(ValueError, match="end before start"):
        event_study(a, None, idx[180], window=(2, 1))
    with pytest.raises(ValueError, match="constant over the estimation"):
        event_study(a, pd.Series(0.0, index=idx), idx[180])
    with pytest.raises(TypeError):
        event_study(a.to_frame(), None, idx[180])
    with pytest.raises(ValueError, match="too short for one placebo"):
        placebo(a.iloc[:50], None, window_len=5, estimation=120, gap=10)
