"""The leverage chapter's verdicts (mktlib.verdicts.leverage): each rule on hand-made inputs covering
every outcome, and the evaluators on the snapshot through the framework."""

from __future__ import annotations

import pandas as pd
import pytest

from mktlib import claims
from mktlib.verdicts import leverage as V

# ------------------------------------------------------------------------------------- rules


def test_liquidation_rule_outcomes():
    assert V.verdict_liquidation_total(False) == "not testable"
    assert V.verdict_liquidation_total(False, ok=True) == "not testable"  # a proxy never decides
    assert V.verdict_liquidation_total(True, ok=True) == "supported"
    assert V.verdict_liquidation_total(True, ok=False) == "contradicted"


@pytest.mark.parametrize(
    "pct, verdict",
    [
        (0.97, "supported"),
        (0.80, "supported"),
        (0.79, "inconclusive"),
        (0.66, "inconclusive"),
        (0.51, "inconclusive"),
        (0.50, "contradicted"),
        (0.10, "contradicted"),
    ],
)
def test_a7a_rule(pct, verdict):
    assert V.verdict_a7a(pct, 0.80, 0.50) == verdict


def test_a7b_rule():
    assert V.verdict_a7b(1, True) == "supported"
    assert V.verdict_a7b(3, False) == "supported"  # a wave seen before the data end still counts
    assert V.verdict_a7b(0, True) == "contradicted"
    assert V.verdict_a7b(0, False) == "inconclusive"


@pytest.mark.parametrize(
    "change, sig, verdict",
    [
        (-0.06, 0.05, "supported"),
        (-0.05, 0.05, "supported"),
        (-0.049, 0.05, "contradicted"),
        (0.003, 0.05, "contradicted"),
        (-0.04, 0.03, "supported"),
    ],
)
def test_g3a_rule(change, sig, verdict):
    assert V.verdict_g3a(change, sig) == verdict
    assert V.verdict_g3a(change, sig, coverage=0.6, min_coverage=0.5) == verdict
    assert V.verdict_g3a(change, sig, coverage=0.01, min_coverage=0.5) == "not testable"


def test_the_rules_are_registered_for_every_part():
    for pid in ("D5a", "A4a", "G4a", "A7a", "A7b", "G3a"):
        assert pid in claims.RULE_FUNCTIONS
    for pid in ("A7a", "A7b", "G3a"):
        assert pid in claims.INPUT_SPACES


# ------------------------------------------------------------------------------------- snapshot


@pytest.fixture(scope="module")
def res(snapshot):
    return claims._compute(["D5", "A4", "A7", "G3", "G4"])


def _row(res, part):
    return res.summary.set_index("part").loc[part]


def test_liquidation_claims_stay_not_testable(res):
    for part in ("D5a", "A4a", "G4a"):
        assert _row(res, part)["verdict"] == "not testable"
    d5 = res.primary["D5"].values
    assert d5["D5.liquidations_20_21nov"] is None
    assert d5["D5.oi_change_coin_20_21nov"] == pytest.approx(-0.0141, abs=1e-4)  # the registered coin sum
    assert d5["D5.oi_change_positions_20_21nov"] == pytest.approx(-0.0211, abs=1e-4)  # in positions
    assert d5["D5.oi_change_positions_20nov"] > 0 > d5["D5.oi_change_positions_21nov"]  # the flush, day by day
    a4 = res.primary["A4"].values
    assert all(a4[k.replace("D5", "A4")] == v for k, v in d5.items())
    assert set(res.primary["G4"].values.values()) == {None}


def test_a7_parts(res):
    ev = res.primary["A7"]
    v = ev.values
    assert ev.parts["A7a"].verdict == "supported"  # primary: 0.83 percentile, at/above 0.80
    a = _row(res, "A7a")
    assert a["verdict"] == "inconclusive" and a["stability"] < 2 / 3  # fragile across gauges and windows
    assert v["A7.leverage_pct_available"] == pytest.approx(0.825, abs=1e-3)
    assert v["A7.leverage_pct_okx_positions"] == pytest.approx(0.664, abs=1e-3)
    assert v["A7.leverage_ratio_percentile"] == pytest.approx(0.971, abs=1e-3)  # registered coin ratio
    assert v["A7.leverage_pct_all_venues_last"] == pytest.approx(0.40, abs=0.01)
    # A7b: the 5 Feb 2026 day falls inside the 90 days after 27 Nov 2025
    assert _row(res, "A7b")["verdict"] == "supported" and _row(res, "A7b")["stability"] == 1.0
    assert v["A7.first_wave_day"] == pd.Timestamp("2026-02-05").date()
    assert v["A7.wave_days_horizon"] == 1
    assert v["A7.first_wave_day_return"] == pytest.approx(-0.140, abs=1e-3)
    assert v["A7.funding_min_after_first_wave"] < 0
    # signed changes: OKX's inverse coin OI rose in the 10 Oct window; the market-wide series fell
    assert v["A7.oi_drop_coin_10oct"] == pytest.approx(0.1259, abs=1e-4)
    assert v["A7.oi_change_coin_all_venues_10oct"] < -0.10
    assert v["A7.max_oi_drop_coin_after_bounce"] == pytest.approx(-0.0681, abs=1e-4)


def test_a7_uses_the_books_horizon_and_bounce(snapshot):
    from mktlib.verdicts import episode

    d0, d1 = V.article_horizon("000")
    assert d0 == pd.Timestamp(claims.articles()["000"]["date"], tz="UTC") + pd.Timedelta(days=1)
    assert (d1 - d0).days == claims.defaults()["hindsight_horizon_days"] - 1
    assert (d0, d1) == episode.hindsight_window("000")
    assert V.bounce_day() == episode.first_close_above_90k()
    assert V.btc_daily() is episode.btc_daily()


def test_g3_positions(res):
    ev = res.primary["G3"]
    assert ev.values["G3.oi_change_coin"] == pytest.approx(-0.0651, abs=1e-4)
    assert ev.values["G3.oi_change_positions"] == pytest.approx(0.0030, abs=1e-4)
    g = _row(res, "G3a")
    # OKX holds about 1% of the market's open interest: a proxy, not testable (the change is reported)
    assert g["verdict"] == "not testable" and g["n_specifications"] == 75
    assert ev.parts["G3a"].inputs["coverage"] < 0.05


def test_reasons_carry_computed_numbers_only():
    src = open(V.__file__, encoding="utf-8").read()
    for typed in ("about an eighth", "about -16%", "about 1% of all-venue", "2025-11-26"):
        assert typed not in src
