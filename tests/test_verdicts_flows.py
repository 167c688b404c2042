"""The flows chapter's verdicts (mktlib.verdicts.flows): the K3a, K4a and K4b rules on hand-made inputs
(every outcome), the K3 evaluator under hand-made specifications, the K4 abnormal returns recomputed
independently on the snapshot, the framework's view of K3 and K4, and the rules' input spaces."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from mktlib import claims
from mktlib.verdicts import flows as vf

# ---- rules on hand-made inputs ---------------------------------------------------------------------


def test_k3a_rule_is_the_tolerance_rule():
    from mktlib.inference import quoted_match

    rule = claims.RULE_FUNCTIONS["K3a"]
    # "$900m": precision $100m; -903.2 is 0.03 units away; -1,000 exactly one unit; -1,001 outside
    assert rule(ok=quoted_match(-903.2, -900, 100).ok) == "supported"
    assert rule(ok=quoted_match(-1000.0, -900, 100).ok) == "supported"
    assert rule(ok=quoted_match(-1001.0, -900, 100).ok) == "contradicted"
    assert rule(ok=quoted_match(238.4, -900, 100).ok) == "contradicted"


def test_k4a_rule_every_outcome():
    rule = claims.RULE_FUNCTIONS["K4a"]
    assert rule(median_lo=-0.20, median_hi=-0.085, ar_max=-0.05) == "supported"
    assert rule(median_lo=-0.20, median_hi=-0.05, ar_max=-0.05) == "inconclusive"  # touches the line
    assert rule(median_lo=-0.08, median_hi=0.02, ar_max=-0.05) == "inconclusive"
    assert rule(median_lo=-0.04, median_hi=0.10, ar_max=-0.05) == "contradicted"
    assert rule(median_lo=0.01, median_hi=0.10, ar_max=-0.05) == "contradicted"


def test_k4b_rule_every_outcome():
    rule = claims.RULE_FUNCTIONS["K4b"]
    assert rule(net_btc=-5000.0, sold_share=0.40, share_min=0.25) == "supported"
    assert rule(net_btc=30000.0, sold_share=0.04, share_min=0.25) == "contradicted"
    assert rule(net_btc=-5000.0, sold_share=0.10, share_min=0.25) == "partly supported"  # sold, but small
    assert rule(net_btc=30000.0, sold_share=0.30, share_min=0.25) == "partly supported"  # big sellers, net buyers
    assert rule(net_btc=0.0, sold_share=0.0, share_min=0.25) == "partly supported"
    # a company the article names sold while the group bought: the named part holds, the spiral does not
    assert rule(net_btc=30000.0, sold_share=0.04, share_min=0.25, named_sellers=1) == "partly supported"


# ---- K3 evaluator ----------------------------------------------------------------------------------


def _k3_spec(**over):
    base = claims.specifications("K3")[0]
    return claims.Spec("K3", {**base, **over}, primary=True)


def test_k3_evaluator(snapshot):
    ev = vf._k3(_k3_spec())
    assert ev.values["K3.etf_flow_20nov"] == pytest.approx(-903.2)
    assert ev.values["K3.etf_flow_nov_total"] == pytest.approx(-3466.7)
    assert ev.parts["K3a"].verdict == "supported"
    assert ev.parts["K3a"].statistic == pytest.approx(0.032)
    # the alternative holiday rule moves the November total (27 Nov row added to 28 Nov), not 20 Nov
    alt = vf._k3(_k3_spec(etf_holidays="next_session"))
    assert alt.values["K3.etf_flow_20nov"] == pytest.approx(-903.2)
    assert alt.values["K3.etf_flow_nov_total"] == pytest.approx(-3466.7 - 182.0)
    # the rule can fail: the 21 Nov session was an inflow; a quote of $700m is 2 units away
    assert vf._k3(_k3_spec(flow_day="2025-11-21")).parts["K3a"].verdict == "contradicted"
    assert vf._k3(_k3_spec(quoted_flow=-700)).parts["K3a"].verdict == "contradicted"


# ---- K4 -------------------------------------------------------------------------------------------


def test_k4_abnormal_recomputed_independently(snapshot):
    """The abnormal returns from closes and a statsmodels beta, without the module's helpers."""
    from mktlib import data
    from mktlib import treasuries as tr

    ab = vf.k4_abnormal("2025-08-01", "2025-09-30", "2025-11-21")
    panel = data.load("us_close_panel")
    coins = tr.coins_at_ny_close("2025-07-01", "2025-12-31")
    for tk, coin in vf.K4_NAMED.items():
        s = panel[panel["ticker"] == tk]["close"].loc["2025-07-25":"2025-11-21"]
        c = coins[coin]["price"].reindex(s.index)
        rs, rc = s.pct_change().loc["2025-08-01":"2025-09-30"], c.pct_change().loc["2025-08-01":"2025-09-30"]
        beta = sm.OLS(rs, sm.add_constant(rc)).fit().params.iloc[1]
        stock = s.loc["2025-11-21"] / s.loc["2025-09-30"] - 1
        cr = c.loc["2025-11-21"] / c.loc["2025-09-30"] - 1
        assert ab.loc[tk, "beta"] == pytest.approx(beta, rel=1e-9)
        assert ab.loc[tk, "abnormal"] == pytest.approx(stock - beta * cr, rel=1e-9)
        assert ab.loc[tk, "lo"] <= ab.loc[tk, "abnormal"] <= ab.loc[tk, "hi"] or tk == "FGNX"
        assert ab.loc[tk, "n_pre"] == 42
    assert ab.loc["median", "abnormal"] == pytest.approx(float(np.median(ab.loc[list(vf.K4_NAMED), "abnormal"])))
    # the beta adjustment matters: MSTR's raw gap is larger than its abnormal return
    assert ab.loc["MSTR", "raw"] < ab.loc["MSTR", "abnormal"] < 0


def test_k4_through_the_framework(snapshot):
    r = claims._compute(["K3", "K4"])
    s = r.summary.set_index("part")
    assert s.loc["K3a", "verdict"] == "supported" and s.loc["K3a", "n_specifications"] == 2
    assert s.loc["K4a", "primary_verdict"] == "supported"
    # Sequans (named) sold 937 BTC; the 155 companies bought 30,377 on net: partly supported
    assert s.loc["K4b", "verdict"] == "partly supported" and s.loc["K4b", "stability"] == 1.0
    assert r.primary["K4"].parts["K4b"].inputs["named_sellers"] == 1
    assert s.loc["K4a", "n_specifications"] == 100
    ev = r.primary["K4"]
    v = ev.values
    assert v["K4.mstr_btc_holdings_change_oct_nov"] == 9839.0
    assert v["K4.sqns_btc_holdings_change_oct_nov"] == -937.0
    assert v["K4.companies_btc_net_change_oct_nov"] > 0  # the companies net bought
    assert v["K4.sold_share_of_etf_outflows"] == pytest.approx(
        v["K4.companies_btc_sold_usd_oct_nov"] / v["K4.etf_gross_outflow_oct_nov"]
    )
    assert 50 < v["K4.sqns_btc_sold_usd"] < 150  # about $0.1bn
    assert v["K4.mstr_mnav_21nov"] is None
    lo, hi = ev.intervals["K4.median_abnormal"]
    assert lo < v["K4.median_abnormal"] < hi < -0.05
    # the MSCI placebo p-values are in the family, Holm-adjusted with everything else
    fam = r.family
    assert {"K4.msci_consultation_placebo", "K4.msci_reprieve_placebo"} <= set(fam.index)
    assert fam.loc["K4.msci_consultation_placebo", "p"] == pytest.approx(0.123, abs=0.001)
    assert fam.loc["K4.msci_reprieve_placebo", "p"] == pytest.approx(0.111, abs=0.001)
    assert (fam["p_holm"] >= fam["p"]).all()
    assert fam.loc["K4.msci_consultation_placebo", "mde"] > abs(v["K4.mstr_car_msci_consultation"])


def test_k4_rules_reach_more_than_one_outcome(snapshot):
    a = vf.k4a_space()
    b = vf.k4b_space()
    ra = {claims.RULE_FUNCTIONS["K4a"](**row) for row in a.to_dict(orient="records")}
    rb = {claims.RULE_FUNCTIONS["K4b"](**row) for row in b.to_dict(orient="records")}
    assert len(ra) >= 2 and len(rb) >= 2
    assert len(a) >= 10 and len(b) >= 50
