"""Known-answer, simulation and bad-input tests for mktlib.correlation, plus the transmission chapter's
claim rules (D11, D12, D13, K1, G5) on hand-made inputs and their values on the snapshot."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mktlib.spillover
from mktlib import correlation as C
from mktlib.errors import DataError


def _idx(n, start="2024-01-01"):
    return pd.date_range(start, periods=n, freq="D", tz="UTC")


def _at(obj, date, col=None):
    """Value of a (date-labelled) Series/DataFrame at a UTC date."""
    t = pd.Timestamp(date, tz="UTC")
    return obj.loc[t] if col is None else obj.loc[t, col]


# ---------------------------------------------------------------------------------------------
# Forbes-Rigobon
# ---------------------------------------------------------------------------------------------


def test_forbes_rigobon_formula_by_hand():
    # rho* = rho / sqrt(1 + delta (1 - rho^2)); 0.6 with delta 3: 0.6 / sqrt(1 + 3 * 0.64) = 0.6 / sqrt(2.92)
    assert C.forbes_rigobon(0.6, 3.0) == pytest.approx(0.6 / math.sqrt(2.92), abs=1e-12)
    assert C.forbes_rigobon(0.5, 0.0) == 0.5  # no volatility change: no adjustment
    assert C.forbes_rigobon(0.4, -0.5) > 0.4  # calmer source: adjusted upwards


def _fr_sample(rng, n, beta, scale):
    x = scale * rng.standard_normal(n)
    return pd.DataFrame({"src": x, "oth": beta * x + rng.standard_normal(n)})


def test_forbes_rigobon_volatility_only_is_not_contagion():
    rng = np.random.default_rng(11)
    calm = _fr_sample(rng, 20000, 0.5, 1.0)
    crisis = _fr_sample(rng, 20000, 0.5, 2.0)  # doubled source vol, same beta
    res = C.forbes_rigobon_test(crisis, calm, source="src", other="oth")
    assert res.rho_crisis - res.rho_calm > 0.2  # raw correlation rises (0.45 -> 0.71)
    assert res.delta == pytest.approx(3.0, abs=0.15)
    assert abs(res.rho_adjusted - res.rho_calm) < 0.03  # adjusted equals calm
    assert res.p_raw < 1e-6 and res.p_adjusted > 0.05
    assert res.source == "src"


def test_forbes_rigobon_larger_beta_is_a_real_rise():
    rng = np.random.default_rng(12)
    calm = _fr_sample(rng, 20000, 0.5, 1.0)
    crisis = _fr_sample(rng, 20000, 1.5, 2.0)
    res = C.forbes_rigobon_test(crisis, calm, source="src", other="oth")
    assert res.rho_adjusted - res.rho_calm > 0.1
    assert res.p_adjusted < 1e-6


def test_forbes_rigobon_bad_input():
    with pytest.raises(ValueError, match="delta"):
        C.forbes_rigobon(0.5, -1.0)
    with pytest.raises(ValueError, match="rho"):
        C.forbes_rigobon(1.5, 0.1)
    df = pd.DataFrame({"a": [1.0, 2, np.nan, 4, 5], "b": [1.0, 2, 3, 4, 6]})
    with pytest.raises(ValueError, match="NaN"):
        C.forbes_rigobon_test(df, df.fillna(0), "a", "b")
    with pytest.raises(ValueError, match="missing column"):
        C.forbes_rigobon_test(df.fillna(0), df.fillna(0), "a", "zz")


# ---------------------------------------------------------------------------------------------
# Fisher z and the bootstrap
# ---------------------------------------------------------------------------------------------


def test_fisher_z_by_hand():
    # atanh(0.8) = ln 3, atanh(0.5) = ln(3)/2: z = (ln 3 / 2) / sqrt(1/57 + 1/397) = 3.87810
    z, p = C.fisher_z_test(0.8, 60, 0.5, 400, alternative="greater")
    assert z == pytest.approx(0.5 * math.log(3) / math.sqrt(1 / 57 + 1 / 397), abs=1e-12)
    assert z == pytest.approx(3.87810, abs=1e-5)
    assert p == pytest.approx(5.2637e-5, rel=1e-3)
    z2, p2 = C.fisher_z_test(0.3, 30, 0.6, 50)  # two-sided: z = -1.58864, p = 0.11214
    assert z2 == pytest.approx(-1.58864, abs=1e-5) and p2 == pytest.approx(0.11214, abs=1e-5)
    _, pl = C.fisher_z_test(0.3, 30, 0.6, 50, alternative="less")
    assert pl == pytest.approx(p2 / 2, abs=1e-12)


def test_fisher_z_bad_input():
    with pytest.raises(ValueError, match="more than 3"):
        C.fisher_z_test(0.5, 3, 0.2, 100)
    with pytest.raises(ValueError, match="alternative"):
        C.fisher_z_test(0.5, 30, 0.2, 100, alternative="bigger")
    with pytest.raises(ValueError, match=r"\(-1, 1\)"):
        C.fisher_z_test(1.0, 30, 0.2, 100)


def _ar_pair(rng, n, rho, phi=0.3):
    e = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    x = np.zeros((n, 2))
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return pd.DataFrame(x, columns=["a", "b"])


def test_bootstrap_ci_coverage_on_simulated_data():
    # both samples share rho = 0.4 (AR(1) series, so the true correlation is 0.4): true difference 0
    rng = np.random.default_rng(2025)
    hits = 0
    n_exp = 120
    for i in range(n_exp):
        s1, s2 = _ar_pair(rng, 120, 0.4), _ar_pair(rng, 200, 0.4)
        ci = C.bootstrap_corr_diff(s1, s2, "a", "b", reps=150, block_size=5, level=0.9, seed=i)
        hits += ci["low"] <= 0.0 <= ci["high"]
    coverage = hits / n_exp
    assert 0.80 <= coverage <= 0.98, coverage  # nominal 0.90; binomial sd 0.027


def test_bootstrap_seeded_and_fr_point_estimate():
    rng = np.random.default_rng(3)
    s1, s2 = _ar_pair(rng, 80, 0.6), _ar_pair(rng, 300, 0.3)
    a = C.bootstrap_corr_diff(s1, s2, "a", "b", reps=300, seed=7)
    b = C.bootstrap_corr_diff(s1, s2, "a", "b", reps=300, seed=7)
    assert a == b
    assert a["diff"] == pytest.approx(s1.corr().iloc[0, 1] - s2.corr().iloc[0, 1], abs=1e-12)
    assert a["low"] < a["diff"] < a["high"]
    fr = C.bootstrap_corr_diff(s1, s2, "a", "b", reps=300, seed=7, fr_source="a")
    delta = s1["a"].var() / s2["a"].var() - 1
    assert fr["diff"] == pytest.approx(C.forbes_rigobon(s1.corr().iloc[0, 1], delta) - s2.corr().iloc[0, 1])
    with pytest.raises(ValueError, match="too short"):
        C.bootstrap_corr_diff(s1.iloc[:5], s2, "a", "b")
    with pytest.raises(ValueError, match="fr_source"):
        C.bootstrap_corr_diff(s1, s2, "a", "b", fr_source="c")


# ---------------------------------------------------------------------------------------------
# rolling statistics
# ---------------------------------------------------------------------------------------------


def test_rolling_corr_is_labelled_by_window_end():
    rng = np.random.default_rng(4)
    x = pd.Series(rng.standard_normal(50), _idx(50), name="x")
    y = pd.Series(0.5 * x.to_numpy() + rng.standard_normal(50), _idx(50), name="y")
    r = C.rolling_corr(x, y, 20)
    assert r.name == "corr_20" and r.iloc[:19].isna().all()
    i = 33
    assert r.iloc[i] == pytest.approx(np.corrcoef(x.iloc[i - 19 : i + 1], y.iloc[i - 19 : i + 1])[0, 1], abs=1e-12)


def test_rolling_beta_and_ewma_known_answers():
    x = pd.Series(np.sin(np.arange(40.0)), _idx(40))
    y = 2.0 * x + 1.0
    assert np.allclose(C.rolling_beta(y, x, 10).dropna(), 2.0)
    e = C.ewma_corr(x, y, halflife=5, min_periods=5).dropna()
    assert np.allclose(e, 1.0)
    assert np.allclose(C.rolling_r2(y, x, 10).dropna(), 1.0)


def test_rolling_bad_input():
    x = pd.Series(np.arange(10.0), _idx(10))
    y = pd.Series(np.arange(10.0) ** 2, _idx(10, "2024-01-02"))
    with pytest.raises(ValueError, match="different indexes"):
        C.rolling_corr(x, y, 5)
    with pytest.raises(ValueError, match="NaN"):
        C.rolling_corr(x, x.where(x != 3), 5)
    with pytest.raises(ValueError, match="longer than the data"):
        C.rolling_corr(x, x, 20)
    with pytest.raises(ValueError, match=">= 3"):
        C.rolling_beta(x, x, 2)
    with pytest.raises(ValueError, match="halflife"):
        C.ewma_corr(x, x, 0)


def test_average_pairwise_corr_by_hand():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8], "c": [4.0, 3, 2, 1]})
    assert C.average_pairwise_corr(df) == pytest.approx((1 - 1 - 1) / 3)
    with pytest.raises(ValueError, match="NaN"):
        C.average_pairwise_corr(df.where(df > 1))


def test_regime_table():
    rng = np.random.default_rng(5)
    n = 400
    x = rng.standard_normal(n)
    idx = _idx(n, "2024-01-01")
    beta = np.where(idx < pd.Timestamp("2024-08-01", tz="UTC"), 0.0, 1.0)
    panel = pd.DataFrame({"a": beta * x + rng.standard_normal(n), "b": x}, index=idx)
    tab = C.regime_table(
        panel, "a", "b", {"early": ("2024-01-01", "2024-07-31"), "late": ("2024-08-01", "2025-12-31")}, window=30
    )
    assert list(tab.index) == ["early", "late"]
    assert tab.loc["early", "beta"] == pytest.approx(0.0, abs=0.15)
    assert tab.loc["late", "beta"] == pytest.approx(1.0, abs=0.15)
    assert tab["n"].sum() == n


# ---------------------------------------------------------------------------------------------
# structural breaks
# ---------------------------------------------------------------------------------------------


def test_chow_against_hand_computation():
    x = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10], _idx(10))
    y = pd.Series([1.1, 1.9, 3.2, 3.9, 5.1, 12.2, 13.8, 16.1, 18.0, 19.9], _idx(10))
    res = C.chow_test(y, x, "2024-01-06")

    def ssr(xx, yy):
        b = np.polyfit(xx, yy, 1)
        return float(((yy - np.polyval(b, xx)) ** 2).sum())

    s_p, s_1, s_2 = ssr(x, y), ssr(x[:5], y[:5]), ssr(x[5:], y[5:])
    f = ((s_p - s_1 - s_2) / 2) / ((s_1 + s_2) / (10 - 4))
    assert res.f == pytest.approx(f, rel=1e-10)
    assert res.p == pytest.approx(stats.f.sf(f, 2, 6), rel=1e-10)
    assert (res.n_before, res.n_after, res.df_den) == (5, 5, 6)
    assert res.beta_after == pytest.approx(np.polyfit(x[5:], y[5:], 1)[0])


def test_chow_detects_a_planted_break_and_not_a_false_one():
    rng = np.random.default_rng(6)
    n = 600
    x = pd.Series(rng.standard_normal(n), _idx(n, "2023-01-01"))
    b = np.where(np.arange(n) < 300, 0.2, 1.0)
    y = pd.Series(b * x.to_numpy() + rng.standard_normal(n), x.index)
    brk = x.index[300]
    assert C.chow_test(y, x, brk).p < 1e-8
    y0 = pd.Series(0.5 * x.to_numpy() + rng.standard_normal(n), x.index)
    assert C.chow_test(y0, x, brk).p > 0.05
    with pytest.raises(ValueError, match="too few rows"):
        C.chow_test(y, x, x.index[-2])


def test_regression_breaks_recovers_planted_break():
    rng = np.random.default_rng(7)
    n = 1200
    x = pd.Series(rng.standard_normal(n), _idx(n, "2020-01-01"))
    b = np.where(np.arange(n) < 700, 0.1, 1.2)
    y = pd.Series(b * x.to_numpy() + rng.standard_normal(n), x.index)
    res = C.regression_breaks(y, x, max_breaks=3, min_size=100, jump=10)
    assert res.n_breaks == 1
    assert abs((res.dates[0] - x.index[700]).days) <= 10
    assert res.segments["beta"].round(1).tolist() == pytest.approx([0.1, 1.2], abs=0.15)
    y0 = pd.Series(0.5 * x.to_numpy() + rng.standard_normal(n), x.index)
    assert C.regression_breaks(y0, x, max_breaks=3, min_size=100, jump=10).n_breaks == 0
    with pytest.raises(ValueError, match="cannot hold"):
        C.regression_breaks(y, x, max_breaks=20, min_size=100)


# ---------------------------------------------------------------------------------------------
# common factor
# ---------------------------------------------------------------------------------------------


def test_pca_recovers_a_planted_factor():
    rng = np.random.default_rng(8)
    n = 2000
    f = rng.standard_normal(n)
    lam = {"eq1": 1.0, "eq2": 0.8, "credit": 0.5, "vix": -0.9}
    df = pd.DataFrame({k: w * f + 0.5 * rng.standard_normal(n) for k, w in lam.items()}, index=_idx(n))
    res = C.first_principal_component(df, sign_ref="eq1")
    assert np.corrcoef(res.factor, f)[0, 1] > 0.94  # population value 0.956
    assert res.loadings["eq1"] > 0 and res.loadings["vix"] < 0
    assert res.factor.std() == pytest.approx(1.0)
    # population correlation matrix: PC1 share of variance is its top eigenvalue / 4
    r = np.array(
        [
            [l1 * l2 / math.sqrt((l1**2 + 0.25) * (l2**2 + 0.25)) if k1 != k2 else 1.0 for k2, l2 in lam.items()]
            for k1, l1 in lam.items()
        ]
    )
    assert res.explained == pytest.approx(np.linalg.eigvalsh(r)[-1] / 4, abs=0.02)
    with pytest.raises(ValueError, match="NaN"):
        C.first_principal_component(df.where(df > -3))
    with pytest.raises(ValueError, match="constant"):
        C.first_principal_component(df.assign(eq2=1.0))


# ---------------------------------------------------------------------------------------------
# alignment
# ---------------------------------------------------------------------------------------------


def test_spliced_sampling_dst_and_splice():
    fine_idx = pd.date_range("2025-10-30", "2025-11-05", freq="h", tz="UTC")
    fine = pd.DataFrame({"close": np.arange(len(fine_idx), dtype=float) + 1000}, index=fine_idx)
    coarse_idx = pd.date_range("2025-10-20", "2025-11-05", freq="4h", tz="UTC")
    coarse = pd.DataFrame({"close": np.arange(len(coarse_idx), dtype=float) + 1.0}, index=coarse_idx)
    out = C.crypto_at_closes_spliced(fine, coarse, "NY", "2025-10-28", "2025-11-04")
    s = out["sampled_utc"]
    # NY close: 20:00 UTC (EDT) before 2 Nov 2025, 21:00 UTC (EST) after
    assert _at(s, "2025-10-31").hour == 20 and _at(s, "2025-11-03").hour == 21
    assert _at(s, "2025-11-04").hour == 21
    # 28-29 Oct precede the fine bars: 4h bars ending 20:00 UTC (the close, EDT)
    assert _at(out, "2025-10-28", "bars") == "4h" and _at(out, "2025-10-30", "bars") == "1h"
    # the price is the close of the bar that ENDED at the close (opened an hour earlier): no look-ahead
    t = pd.Timestamp("2025-11-03 21:00", tz="UTC")
    assert _at(out, "2025-11-03", "price") == fine.loc[t - pd.Timedelta("1h"), "close"]
    assert _at(out, "2025-11-03", "days") == 3.0


def test_spliced_sampling_flags_gaps():
    idx = pd.date_range("2025-11-03", "2025-11-07", freq="h", tz="UTC")
    bars = pd.DataFrame({"close": np.linspace(100, 110, len(idx))}, index=idx)
    bars = bars.drop(bars.loc["2025-11-05 17:00":"2025-11-05 21:00"].index)  # gap at the 5 Nov close
    out = C.crypto_at_closes_spliced(bars, None, "NY", "2025-11-03", "2025-11-06")
    assert out["stale"].tolist() == [False, False, True, False]
    assert out["ret"].isna().tolist() == [True, False, True, True]
    with pytest.raises(DataError, match="coarse bars"):
        C.crypto_at_closes_spliced(bars, None, "NY", "2025-10-01", "2025-11-06")
    with pytest.raises(DataError, match="tz-aware"):
        C.crypto_at_closes_spliced(bars.tz_localize(None), None, "NY", "2025-11-04", "2025-11-06")


def test_asof_at_and_close_instants():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2025-09-30", "2025-10-09", "2025-10-10"], tz="UTC"))
    t = pd.DatetimeIndex(["2025-10-08 20:00", "2025-10-09 06:59", "2025-10-09 07:00"], tz="UTC")
    out = C.asof_at(s, "SH", t)  # SSE closes 07:00 UTC; Golden Week 1-8 Oct closed
    assert out["value"].tolist() == [1.0, 1.0, 2.0]
    with pytest.raises(DataError, match="older than"):
        C.asof_at(s, "SH", t, max_age="5D")
    with pytest.raises(DataError, match="no value"):
        C.asof_at(s, "SH", pd.DatetimeIndex(["2025-09-01"], tz="UTC"))
    with pytest.raises(DataError, match="NaN"):
        C.asof_at(s.where(s > 1), "SH", t)
    with pytest.raises(DataError, match="unsorted"):
        C.asof_at(s.iloc[::-1], "SH", t)
    with pytest.raises(ValueError, match="unknown market"):
        C.close_instants(s.index, "TOKYO")


def test_reexported_spillover():
    assert C.spillover is mktlib.spillover.spillover
    assert C.rolling_spillover is mktlib.spillover.rolling_spillover
    assert C.SpilloverResult is mktlib.spillover.SpilloverResult


# ---------------------------------------------------------------------------------------------
# the snapshot
# ---------------------------------------------------------------------------------------------


def test_btc_sampled_at_ny_close_across_dst(snapshot):
    from mktlib import data

    out = C.btc_at_closes("NY", "2025-10-27", "2025-11-07")
    hours = out["sampled_utc"].dt.hour
    assert (hours[out.index < pd.Timestamp("2025-11-02", tz="UTC")] == 20).all()
    assert (hours[out.index > pd.Timestamp("2025-11-02", tz="UTC")] == 21).all()
    h = data.load("btc_spot_1h")["close"]
    assert _at(out, "2025-10-31", "price") == _at(h, "2025-10-31 19:00")
    assert _at(out, "2025-11-03", "price") == _at(h, "2025-11-03 20:00")


def test_aligned_panel_on_snapshot(snapshot):
    from mktlib import data

    p = C.aligned_panel(["btc", "ndx", "hsi", "ssec", "us2y"], "2025-09-25", "2025-10-20")
    assert set(p.attrs["close_times"]) == {"btc", "ndx", "hsi", "ssec", "us2y"}
    assert "16:00 HKT" in p.attrs["close_times"]["hsi"]
    ndx = data.load("ndx_1d")["close"]
    assert _at(p, "2025-10-10", "ndx") == pytest.approx(_at(ndx, "2025-10-10") / _at(ndx, "2025-10-09") - 1)
    # Shanghai closed 1-8 Oct 2025 (Golden Week): zero returns, then 9 Oct spans from 30 Sep
    golden = p.loc["2025-10-01":"2025-10-08", "ssec"]
    assert len(golden) == 6 and (golden == 0).all()
    ss = data.load("ssec_1d")["close"]
    assert _at(p, "2025-10-09", "ssec") == pytest.approx(_at(ss, "2025-10-09") / _at(ss, "2025-09-30") - 1)
    # HSI on NY date d is the HK session d return (HK closes before NY on the same date)
    hsi = data.load("hsi_1d")["close"]
    assert _at(p, "2025-10-14", "hsi") == pytest.approx(_at(hsi, "2025-10-14") / _at(hsi, "2025-10-13") - 1)
    with pytest.raises(DataError, match="starts 2020-01-02"):
        C.aligned_panel(["ssec"], "2019-06-03", "2019-07-01")
    with pytest.raises(ValueError, match="unknown column"):
        C.aligned_panel(["btc", "nikkei"], "2025-01-02", "2025-02-01")


# ---------------------------------------------------------------------------------------------
# helpers added for the chapter
# ---------------------------------------------------------------------------------------------


def test_fisher_ci_by_hand():
    # r = 0.5, n = 28: atanh 0.5 = 0.549306, se = 1/5 = 0.2, +/- 1.959964 * 0.2
    lo, hi = C.fisher_ci(0.5, 28)
    assert lo == pytest.approx(math.tanh(0.5493061 - 0.3919928), abs=1e-6)
    assert hi == pytest.approx(math.tanh(0.5493061 + 0.3919928), abs=1e-6)
    with pytest.raises(ValueError, match="more than 3"):
        C.fisher_ci(0.5, 3)


def test_rolling_average_pairwise_corr_matches_the_window_value():
    rng = np.random.default_rng(13)
    df = pd.DataFrame(rng.standard_normal((60, 4)), columns=list("abcd"), index=_idx(60))
    r = C.rolling_average_pairwise_corr(df, 20)
    assert r.iloc[:19].isna().all()
    assert r.iloc[45] == pytest.approx(C.average_pairwise_corr(df.iloc[26:46]), abs=1e-12)
    with pytest.raises(ValueError, match="NaN"):
        C.rolling_average_pairwise_corr(df.where(df > -2.5), 20)


def test_vol_standardize_uses_only_the_past():
    rng = np.random.default_rng(14)
    df = pd.DataFrame({"a": rng.standard_normal(200) * np.r_[np.ones(100), 5 * np.ones(100)]}, index=_idx(200))
    z = C.vol_standardize(df, halflife=10, min_periods=10)
    changed = df.copy()
    changed.iloc[150:] *= 100.0  # a change in the future ...
    z2 = C.vol_standardize(changed, halflife=10, min_periods=10)
    pd.testing.assert_series_equal(z["a"].iloc[:140], z2["a"].iloc[:140])  # ... leaves the past alone
    assert z["a"].iloc[120:].std() < 2.0  # the volatility jump is absorbed
    assert len(z) == 200 - 10


def test_correlation_change_row():
    rng = np.random.default_rng(15)
    calm = _fr_sample(rng, 3000, 0.5, 1.0)
    crisis = _fr_sample(rng, 3000, 0.5, 2.0)
    row = C.correlation_change(crisis, calm, "src", "oth", reps=300, seed=1)
    assert row["p_fisher"] < 1e-6 and row["ci_low"] > 0  # raw rise
    assert row["ci_fr_low"] < 0 < row["ci_fr_high"]  # none after the FR adjustment
    assert row["r1_fr"] == pytest.approx(row["r2"], abs=0.04)


# ---------------------------------------------------------------------------------------------
# vectorised bootstrap intervals (used by the verdicts)
# ---------------------------------------------------------------------------------------------


def test_bootstrap_corr_coverage_on_simulated_data():
    # AR(1) pairs with innovation correlation 0.4: the population correlation is 0.4
    rng = np.random.default_rng(11)
    hits, n_exp = 0, 150
    for i in range(n_exp):
        d = _ar_pair(rng, 150, 0.4)
        _, lo, hi, _ = C.bootstrap_corr(d["a"], d["b"], reps=199, level=0.9, seed=i)
        hits += lo <= 0.4 <= hi
    assert 0.80 <= hits / n_exp <= 0.97, hits / n_exp  # nominal 0.90; binomial sd 0.024


def test_bootstrap_avg_corr_estimate_draws_and_seed():
    rng = np.random.default_rng(12)
    f = rng.standard_normal(60)
    df = pd.DataFrame({c: f + rng.standard_normal(60) for c in "abcd"})
    est, lo, hi, draws = C.bootstrap_avg_corr(df, reps=300, seed=3)
    assert est == pytest.approx(C.average_pairwise_corr(df), abs=1e-12)
    assert lo < est < hi and draws.shape == (300,)
    again = C.bootstrap_avg_corr(df, reps=300, seed=3)[3]
    np.testing.assert_array_equal(draws, again)
    # the draws are the average pairwise correlation of each resample (checked for one by hand)
    from mktlib.spillover import stationary_indices

    b = C.block_length(df.to_numpy())
    idx = stationary_indices(60, 300, b, np.random.default_rng(3))
    assert draws[7] == pytest.approx(C.average_pairwise_corr(df.iloc[idx[7]].reset_index(drop=True)), abs=1e-12)


def test_block_length_bounds():
    rng = np.random.default_rng(1)
    assert C.block_length(rng.standard_normal((200, 2))) >= 1.0
    ar = np.zeros(400)
    for t in range(1, 400):
        ar[t] = 0.9 * ar[t - 1] + rng.standard_normal()
    assert C.block_length(ar) > 3.0  # persistent series: longer blocks
    assert C.block_length(ar[:12]) <= 4.0  # at most a third of the rows


# ---------------------------------------------------------------------------------------------
# the transmission chapter's chart data and tables
# ---------------------------------------------------------------------------------------------


def test_regime_means_steps_known_answer():
    r = pd.Series([1.0, np.nan, 3.0, 10.0, 20.0, 7.0], index=_idx(6))
    out = C.regime_means(r, {"a": ("2024-01-01", "2024-01-03"), "b": ("2024-01-05", "2024-01-05")})
    # mean of the non-missing values in each regime, NaN outside every regime
    assert out.iloc[:3].tolist() == [2.0, 2.0, 2.0]
    assert np.isnan(out.iloc[3]) and np.isnan(out.iloc[5])
    assert out.iloc[4] == 20.0
    assert out.index.equals(r.index)


def test_published_comparison_known_answer():
    idx = pd.date_range("2017-06-01", "2025-12-31", freq="D", tz="UTC")
    ramp = pd.Series(np.linspace(0.0, 1.0, len(idx)), index=idx)
    t = C.published_comparison(ramp, ramp * 0 + 0.3, ramp * 0 + 0.2)
    assert t["published"].tolist() == [v for _, v in C.PUBLISHED.values()]
    # r30 on 17 Nov 2025 (the ramp's value there), its mean over the 5 years to it, r180's 2024 max
    assert t.loc[2, "this book"] == pytest.approx(float(ramp.loc[pd.Timestamp("2025-11-17", tz="UTC")]))
    five = ramp.loc[pd.Timestamp("2020-11-17", tz="UTC") : pd.Timestamp("2025-11-17", tz="UTC")].mean()
    assert t.loc[3, "this book"] == pytest.approx(float(five))
    assert t.loc[[0, 1], "this book"].tolist() == pytest.approx([0.2, 0.2])
    assert t.loc[4, "this book"] == pytest.approx(0.3)


@pytest.mark.snapshot
def test_transmission_chart_data_on_the_snapshot(snapshot):
    from mktlib import charts
    from mktlib.verdicts import transmission as T

    d = charts.data("transmission-btc-ndx-correlation")
    pub = d["Bloomberg 30-day, published"].dropna()
    assert pub.tolist() == [C.BLOOMBERG_17NOV] and pub.index[0] == pd.Timestamp("2025-11-17", tz="UTC")
    r60 = d["60-day window"]
    etf = slice(pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2025-09-30", tz="UTC"))
    assert d.loc[etf, "60-day, mean over the regime"].nunique() == 1
    assert d.loc[etf, "60-day, mean over the regime"].iloc[0] == pytest.approx(r60.loc[etf].mean())
    assert d.loc[pd.Timestamp("2025-11-03", tz="UTC") :, "60-day, mean over the regime"].isna().all()
    k1 = charts.data("transmission-two-session-returns")
    raw = T.k1_two_session_returns()
    assert k1.loc["BTC", "19-21 Nov 2025"] == pytest.approx(100 * raw.loc["btc", "19-21 Nov 2025"])
    assert (k1["19-21 Nov 2025"] < 0).all()  # every market fell (K1a)
    asia = charts.data("transmission-asia-correlation")
    assert list(asia.columns) == ["Hang Seng", "Shanghai Composite", "Nasdaq-100"]
    peaks = T.asset_corr_peaks()
    ep = asia.loc[pd.Timestamp("2025-10-01", tz="UTC") :, "Hang Seng"].max()
    assert ep == pytest.approx(float(peaks.loc["hsi", "episode_max"]))
    mt = C.market_correlation_table()
    assert mt["market"].tolist()[:2] == ["Nasdaq-100", "S&P 500"] and len(mt) == 8


# ---------------------------------------------------------------------------------------------
# The chapter's drawings (mktlib.charts.figure) are drawn from the charts' data
# ---------------------------------------------------------------------------------------------


@pytest.mark.snapshot
def test_btc_ndx_correlation_figure_is_drawn_from_its_data(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts

    df = charts.data("transmission-btc-ndx-correlation")
    fig = charts.figure("transmission-btc-ndx-correlation")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "BTC-Nasdaq-100 correlation rose in the episode but stayed below its 2022 peak"
    cols = ["30-day window", "60-day window", "60-day, mean over the regime"]
    for line, col in zip(ax.lines[:3], cols, strict=True):
        assert line.get_label() == col
        np.testing.assert_array_equal(line.get_ydata(), df[col].to_numpy())
    star = ax.collections[0].get_offsets()
    assert len(star) == 1 and star[0][1] == df["Bloomberg 30-day, published"].dropna().iloc[0] == C.BLOOMBERG_17NOV
    labels = {t.get_text() for t in ax.texts}
    for name in ("2020-21", "2022-23", "ETF era"):
        m = df.loc[pd.Timestamp(C.REGIMES[name][0], tz="UTC") :, "60-day, mean over the regime"].iloc[0]
        assert f"{name}: {m:.2f}" in labels
    plt.close("all")


@pytest.mark.snapshot
def test_asia_correlation_figure_is_drawn_from_its_data(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts

    df = charts.data("transmission-asia-correlation")
    fig = charts.figure("transmission-asia-correlation")
    assert len(fig.axes) == 2
    assert fig._suptitle.get_text() == "BTC's Asian correlations rose in the episode to about their earlier highs"
    hi = C.asia_chart_highs(df)
    etf = slice(*(pd.Timestamp(x, tz="UTC") for x in C.REGIMES["ETF era"]))
    for ax, col in zip(fig.axes, ("Hang Seng", "Shanghai Composite"), strict=True):
        nd, mkt, etf_high = ax.lines[:3]
        np.testing.assert_array_equal(nd.get_ydata(), df["Nasdaq-100"].dropna().to_numpy())
        np.testing.assert_array_equal(mkt.get_ydata(), df[col].dropna().to_numpy())
        assert mkt.get_label() == col
        assert etf_high.get_ydata()[0] == hi[col][1] == df.loc[etf, col].max()
    assert hi["Hang Seng"][0] == df.loc[pd.Timestamp(C.REGIMES["episode"][0], tz="UTC") :, "Hang Seng"].max()
    plt.close("all")


@pytest.mark.snapshot
def test_two_session_returns_figure_is_drawn_from_its_data(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts

    df = charts.data("transmission-two-session-returns")
    fig = charts.figure("transmission-two-session-returns")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    nov, mar = df.columns
    bars = ax.patches
    assert len(bars) == 2 * len(df)
    assert [b.get_width() for b in bars] == pytest.approx(df[nov].tolist() + df[mar].tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == df.index.tolist()
    assert [t.get_text() for t in ax.texts] == [f"{v:.1f}%" for v in df[nov].tolist() + df[mar].tolist()]
    assert ax.get_xlim()[0] == pytest.approx(df[mar].min() * 1.15)
    plt.close("all")
