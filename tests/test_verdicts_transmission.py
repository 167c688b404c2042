"""The transmission chapter's verdicts (D10, D11, D12, D13, K1, G5): every rule on hand-made inputs (each
outcome), the alignment fixes checked by hand on the snapshot, and the evaluators on the real data."""

from __future__ import annotations

import pandas as pd
import pytest

from mktlib import claims
from mktlib.verdicts import transmission as T

ALPHA = 0.05


# ---------------------------------------------------------------------------------------------
# rules on hand-made inputs
# ---------------------------------------------------------------------------------------------


def _d10b(**kw):
    base = dict(
        spill_lags=1,
        spill_lo=-2.0,
        spill_hi=3.0,
        overnight_beta=0.05,
        overnight_p_holm=0.5,
        granger_fwd_p_holm=0.6,
        granger_rev_p_holm=0.7,
        intraday_beta=0.02,
        intraday_fwd_p_holm=0.2,
        intraday_rev_p_holm=0.9,
        alpha=ALPHA,
    )
    return T.verdict_d10b(**(base | kw))


def test_d10_rules():
    assert T.verdict_d10a(10.5) == "supported"
    assert T.verdict_d10a(0.0) == "contradicted" and T.verdict_d10a(-1.0) == "contradicted"
    assert _d10b() == "inconclusive"  # nothing significant: a null
    assert _d10b(intraday_fwd_p_holm=0.01) == "supported"
    assert _d10b(intraday_fwd_p_holm=0.01, intraday_beta=-0.02) == "inconclusive"  # wrong sign is not a lead
    assert _d10b(spill_lo=0.5) == "supported"
    assert _d10b(granger_fwd_p_holm=0.01) == "supported"
    assert _d10b(overnight_p_holm=0.01) == "supported"
    assert _d10b(overnight_p_holm=0.01, overnight_beta=-0.1) == "contradicted"
    assert _d10b(granger_rev_p_holm=0.01) == "contradicted"
    assert _d10b(intraday_rev_p_holm=0.01) == "contradicted"
    assert _d10b(spill_hi=-0.5, spill_lo=-3.0) == "contradicted"
    assert _d10b(spill_lo=0.5, granger_rev_p_holm=0.01) == "partly supported"
    # a VAR(0) table is normalised squared correlations: its "direction" is not evidence either way
    assert _d10b(spill_lags=0, spill_lo=0.5) == "inconclusive"
    assert _d10b(spill_lags=0, spill_lo=-3.0, spill_hi=-0.5) == "inconclusive"


def test_d11_rules():
    r = dict(corr_high=0.5, corr_low=0.3)
    assert T.verdict_d11a(0.55, 0.8, 0.05, 0.3, **r) == "supported"
    assert T.verdict_d11a(0.1, 0.25, 0.05, 0.3, **r) == "contradicted"  # no thermometer
    assert T.verdict_d11a(0.55, 0.8, -0.3, -0.05, **r) == "partly supported"  # a thermometer, but not new
    assert T.verdict_d11a(0.38, 0.62, -0.04, 0.25, **r) == "inconclusive"  # straddles (the snapshot's case)
    assert T.verdict_d11a(0.38, 0.62, 0.05, 0.25, **r) == "inconclusive"
    assert T.verdict_d11b(0.38, 0.62, 0.69, 0.83) == "contradicted"  # an earlier record above
    assert T.verdict_d11b(0.60, 0.80, 0.20, 0.50) == "supported"
    assert T.verdict_d11b(0.38, 0.62, 0.50, 0.70) == "inconclusive"


def test_d12_rules():
    assert T.verdict_d12a(3, 3) == "supported"
    assert T.verdict_d12a(2, 3) == "partly supported"
    assert T.verdict_d12a(0, 3) == "contradicted"
    assert T.verdict_d12b(3, 3, 3) == "supported"
    assert T.verdict_d12b(3, 1, 3) == "partly supported"
    assert T.verdict_d12b(2, 3, 3) == "partly supported"
    assert T.verdict_d12b(2, 2, 3) == "contradicted"


def test_k1_g5_d13_rules():
    s = dict(share_all=5 / 6, share_min=2 / 3)
    assert T.verdict_k1a(1.0, **s) == "supported" and T.verdict_k1a(5 / 6, **s) == "supported"
    assert T.verdict_k1a(4 / 6, **s) == "partly supported"
    assert T.verdict_k1a(3 / 6, **s) == "contradicted"
    assert T.verdict_k1b(0.01, 0.3) == "supported" and T.verdict_k1b(0.0, 0.3) == "supported"
    assert T.verdict_k1b(-0.3, -0.01) == "contradicted"
    assert T.verdict_k1b(-0.17, 0.21) == "inconclusive"
    assert T.verdict_g5a(0.05) == "supported" and T.verdict_g5a(-0.01) == "contradicted"
    assert T.verdict_g5b(0.015, 0.055, -0.01) == "inconclusive"  # stocks rose: nothing to hedge
    assert T.verdict_g5b(-0.005, -0.05, -0.01) == "inconclusive"  # a dip below the stress line
    assert T.verdict_g5b(-0.03, 0.01, -0.01) == "supported"
    assert T.verdict_g5b(-0.03, -0.06, -0.01) == "contradicted"
    assert T.verdict_d13(False) == "not testable"


# ---------------------------------------------------------------------------------------------
# the alignment fixes, checked by hand on the snapshot
# ---------------------------------------------------------------------------------------------


def test_k1_returns_are_between_common_dates_and_keep_the_weekend(snapshot):
    from mktlib import data

    r = T.k1_daily_returns("utc")
    btc = data.load("btc_spot_1d")["close"]
    spx = data.load("spx_1d")["close"]
    mon, fri = pd.Timestamp("2025-11-24", tz="UTC"), pd.Timestamp("2025-11-21", tz="UTC")
    # Monday's BTC return spans the weekend (Friday close -> Monday close), as the equities' does
    assert r.loc[mon, "btc"] == pytest.approx(btc.loc[mon] / btc.loc[fri] - 1, abs=1e-12)
    assert r.loc[mon, "spx"] == pytest.approx(spx.loc[mon] / spx.loc[fri] - 1, abs=1e-12)
    # the old alignment took BTC's own one-day change (Sunday -> Monday) and lost Saturday and Sunday
    assert abs(r.loc[mon, "btc"] - (btc.loc[mon] / btc.loc[mon - pd.Timedelta(days=1)] - 1)) > 1e-3
    # Thanksgiving (27 Nov): no common date, so 28 Nov's returns span 26 -> 28 Nov for every asset
    d28, d26 = pd.Timestamp("2025-11-28", tz="UTC"), pd.Timestamp("2025-11-26", tz="UTC")
    assert pd.Timestamp("2025-11-27", tz="UTC") not in r.index
    assert r.loc[d28, "btc"] == pytest.approx(btc.loc[d28] / btc.loc[d26] - 1, abs=1e-12)
    # the aligned averages (registry measure K1.avg_pairwise_corr_*), with BTC at the UTC close
    assert T.k1_avg_corr("nov2025") == pytest.approx(0.401, abs=2e-3)
    assert T.k1_avg_corr("mar2020") == pytest.approx(0.502, abs=2e-3)


def test_d12_btc_at_the_other_markets_close(snapshot):
    t = T.d12_pairs()
    assert str(t.loc["ndx", "btc_trough"].date()) == "2025-11-21"  # not Saturday 22 Nov (UTC close)
    assert t.loc["ndx", "btc_rebound"] == pytest.approx(0.0112, abs=1e-3)
    assert t.loc["ndx", "rebound"] == pytest.approx(0.057, abs=1e-3)
    assert str(t.loc["hsi", "peak"].date()) == "2025-10-02" and str(t.loc["ndx", "btc_peak"].date()) == "2025-10-06"
    v = T.d12_measures()
    assert str(v["D12.trough_date_btc"]) == "2025-11-22"  # the registry's UTC measure, reported


def test_d10_var0_and_the_constituent(snapshot):
    s6 = T.d10_spill("six", "bic", 199)
    assert s6["lags"] == 0  # BIC picks no dynamics
    p = T.d10_spillover_panel()
    r2 = p.corr().to_numpy() ** 2
    shares = 100 * r2 / r2.sum(axis=1, keepdims=True)
    i, j = list(p.columns).index("ndx"), list(p.columns).index("btc")
    assert s6["result"].table.loc["ndx", "btc"] == pytest.approx(shares[i, j], rel=1e-10)
    two = T.d10_spill("pair", "bic", 199)
    assert two["lags"] == 0 and two["result"].pairwise_net.loc["btc", "ndx"] == pytest.approx(0.0, abs=1e-10)
    # without NVIDIA the asymmetry against NDX nearly vanishes
    five = T.d10_spill("five", "bic", 199)["result"].pairwise_net.loc["btc", "ndx"]
    assert abs(five) < abs(s6["result"].pairwise_net.loc["btc", "ndx"]) / 3


def test_d10_intraday_design_on_the_snapshot(snapshot):
    r = T.d10_intraday(())
    assert r["days"] == 20 and 3700 < r["nobs"] < 3900
    assert r["fwd"]["coef"] == pytest.approx(0.0255, abs=1e-3) and r["fwd"]["p"] == pytest.approx(0.0038, abs=5e-4)
    assert r["rev"]["p"] == pytest.approx(0.092, abs=5e-3)
    r2 = T.d10_intraday(("2025-11-20", "2025-11-21"))
    assert r2["days"] == 18 and 0.005 < r2["fwd"]["p"] < 0.02
    hy = T.d10_hy(199)
    assert hy["contrast"].idxmax() == pd.Timedelta(0) and 0.9 < hy["llr"] < 1.5 and hy["lo"] < hy["llr"] < hy["hi"]


# ---------------------------------------------------------------------------------------------
# the evaluators on the real data (primary specification, family not yet collected)
# ---------------------------------------------------------------------------------------------


def _primary(cid):
    spec = claims.Spec(cid, claims.specifications(cid)[0], True, None)
    return claims._check(cid, claims.EVALUATORS[cid](spec), spec)


@pytest.fixture(scope="module")
def ev(snapshot):
    claims._load_evaluators()
    return {c: _primary(c) for c in ("D10", "D11", "D12", "D13", "K1", "G5")}


def test_d10_evaluator(ev):
    e = ev["D10"]
    assert e.parts["D10a"].verdict == "supported" and e.values["D10.btc_lead_hours_20nov"] == pytest.approx(10.5)
    v = e.values
    assert v["D10.spillover_btc_to_ndx"] < v["D10.spillover_ndx_to_btc"]  # the registered (NVDA) tilt
    lo, hi = e.intervals["D10.pairwise_net_btc_ndx"]
    assert lo < 0 < hi  # the deciding system: no direction
    assert e.parts["D10b"].inputs["spill_lags"] == 0
    assert set(e.tests) == {
        "D10.overnight_btc",
        "D10.granger15_btc_to_nq",
        "D10.granger15_nq_to_btc",
        "D10.intraday2m_btc_to_spy",
        "D10.intraday2m_spy_to_btc",
    }
    assert e.tests["D10.overnight_btc"].mde > 0.1  # what the null could detect
    for m in ("D10.net_spillover_btc", "D10.spillover_btc_to_ndx", "D10.spillover_ndx_to_btc"):
        lo, hi = e.intervals[m]
        assert lo <= v[m] <= hi


def test_d11_evaluator(ev):
    e = ev["D11"]
    assert e.values["D11.corr_btc_risk_21nov"] == pytest.approx(0.50, abs=0.01)
    lo, hi = e.intervals["D11.corr_btc_risk_21nov"]
    assert lo < 0.5 < hi and e.parts["D11a"].verdict == "inconclusive"
    lo, hi = e.intervals["D11.corr_change_vs_etf_era"]
    assert lo < 0 < hi
    assert str(e.values["D11.corr_record_before_date"]) == "2022-05-25"
    assert e.values["D11.corr_record_before"] == pytest.approx(0.765, abs=0.01)
    assert e.parts["D11b"].verdict == "contradicted"
    # the registered measures, unchanged
    assert e.values["D11.corr_btc_ndx_60d_21nov"] == pytest.approx(0.5187, abs=1e-3)
    assert e.values["D11.fr_adjusted_p"] == pytest.approx(0.0098, abs=5e-4)
    assert {"D11.fisher_z", "D11.forbes_rigobon"} <= set(e.tests)


def test_d12_d13_k1_g5_evaluators(ev):
    assert ev["D12"].parts["D12a"].verdict == "partly supported"
    assert ev["D12"].parts["D12b"].verdict == "contradicted"
    assert ev["D13"].parts["D13"].verdict == "not testable"
    assert ev["D13"].values["D13.es_range_ratio_20nov"] > 2 and ev["D13"].values["D13.es_impact_rank_20nov"] == 1
    k = ev["K1"]
    assert k.parts["K1a"].verdict == "supported" and k.values["K1.share_assets_down_20_21nov"] == 1.0
    ratio = k.values["K1.avg_pairwise_corr_nov2025"] / k.values["K1.avg_pairwise_corr_mar2020"]
    assert ratio == pytest.approx(0.799, abs=2e-3)
    lo, hi = k.intervals["K1.avg_corr_diff_vs_mar2020"]
    assert lo < 0 < hi and k.parts["K1b"].verdict == "inconclusive"
    g = ev["G5"]
    assert g.parts["G5a"].verdict == "supported" and g.values["G5.btc_return_2_6jan"] == pytest.approx(0.0552, abs=1e-3)
    assert g.values["G5.ndx_return_2_6jan"] > 0 and g.parts["G5b"].verdict == "inconclusive"
    assert g.values["G5.btc_beta_ndx_prior_60d"] == pytest.approx(1.41, abs=0.05)
