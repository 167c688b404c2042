"""The funding chapter's verdicts (claims G1, G2): rule functions on hand-made inputs (every outcome),
the evaluators on the snapshot through the framework, and the reachability of the reading rules."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mktlib import claims
from mktlib import funding as fu
from mktlib.verdicts import funding as vf

P1 = dict(price_band=0.02, spot_flow_min=0.0, etf_flow_min=0.0)
P1B = dict(price_band=0.02, oi_band=0.02, funding_rise_min=0.0, neutral=0.1095)


# ------------------------------------------------------------------------------ rules, by hand
@pytest.mark.parametrize(
    "ret, snb, etf, expected",
    [
        (0.07, 0.03, 1168.5, "supported"),  # rally, spot takers buy, ETFs take in money
        (0.07, -0.01, -50.0, "contradicted"),  # rally, both spot measures sell
        (0.07, -0.01, 900.0, "inconclusive"),  # measures disagree
        (0.07, 0.02, -10.0, "inconclusive"),
        (0.07, 0.0, 0.0, "contradicted"),  # zero is not buying (strict)
        (0.015, 0.03, 500.0, "inconclusive"),  # no rally in the window
        (0.02, 0.03, 500.0, "inconclusive"),  # exactly the band is not a rally
        (0.07, 0.03, math.nan, "inconclusive"),  # no US session
        (0.07, -0.03, None, "inconclusive"),
    ],
)
def test_verdict_g1a(ret, snb, etf, expected):
    assert vf.verdict_g1a(ret, snb, etf, **P1) == expected


@pytest.mark.parametrize(
    "ret, oi, flo, fhi, base, expected",
    [
        (0.07, 0.003, -0.04, 0.03, 0.05, "supported"),  # positions flat; funding at most 8% < neutral
        (0.07, 0.003, -0.04, 0.065, 0.051, "inconclusive"),  # the January case: a rise to 11.6% not ruled out
        (0.07, -0.05, -0.01, 0.02, 0.05, "supported"),
        (0.07, 0.05, 0.01, 0.08, 0.05, "contradicted"),  # positions added and funding rose: leverage-led
        (0.07, 0.05, -0.01, 0.02, 0.05, "inconclusive"),  # positions added, funding not significantly up
        (0.07, 0.00, 0.01, 0.03, 0.05, "supported"),  # funding up a little but provably below neutral
        (0.07, 0.02, 0.0, 0.0595, 0.05, "supported"),  # the band and the neutral bound are inclusive
        (0.01, 0.05, 0.02, 0.03, 0.05, "inconclusive"),  # no rally
    ],
)
def test_verdict_g1b(ret, oi, flo, fhi, base, expected):
    assert vf.verdict_g1b(ret, oi, flo, fhi, base, **P1B) == expected


@pytest.mark.parametrize(
    "f, expected",
    [
        (0.065, "supported"),
        (0.001, "supported"),
        (fu.annualise_rate(0.0001, 8), "supported"),  # exactly neutral
        (0.1096, "contradicted"),
        (0.30, "contradicted"),
        (0.0, "contradicted"),
        (-0.05, "contradicted"),
    ],
)
def test_verdict_g2b(f, expected):
    assert vf.verdict_g2b(f, neutral=0.1095, floor=0.0) == expected


def test_g2a_uses_the_books_tolerance_rule():
    from mktlib.verdicts.episode import quote_part

    assert claims.RULE_FUNCTIONS["G2a"](ok=True) == "supported"
    assert quote_part(0.0499, 0.04, 0.01, "x").verdict == "supported"  # within one unit
    assert quote_part(0.0577, 0.04, 0.01, "x").verdict == "contradicted"  # 1.8 units (1-3 Jan)
    assert quote_part(0.0650, 0.04, 0.01, "x").verdict == "contradicted"  # 2.5 units (1-5 Jan)


def test_windows_follow_the_spec():
    spec = {
        "window_first": "2026-01-01 00:00",
        "window_last": "2026-01-05 16:00",
        "shift_start": -2,
        "shift_end": -2,
        "window_start": "2026-01-01",
        "window_end": "2026-01-05",
    }
    a, z = vf.g2_window(spec)
    assert a == pd.Timestamp("2025-12-30 00:00", tz="UTC") and z == pd.Timestamp("2026-01-03 16:00", tz="UTC")
    d1, d2 = vf.g1_window({**spec, "shift_start": 1, "shift_end": 2})
    assert (d1.date().isoformat(), d2.date().isoformat()) == ("2026-01-02", "2026-01-07")


# ------------------------------------------------------------------------ on the snapshot
@pytest.fixture(scope="module")
def ledger(snapshot):
    return claims._compute(["G1", "G2"])


def test_g2_on_snapshot(ledger):
    ev = ledger.primary["G2"]
    assert ev.values["G2.funding_ann_1_5jan"] == pytest.approx(0.0649970, abs=1e-6)
    assert ev.values["G2.funding_ann_okx_1_5jan"] == pytest.approx(0.0795392, abs=1e-6)
    assert ev.values["G2.funding_ann_1_3jan"] == pytest.approx(0.0577357, abs=1e-6)
    assert ev.parts["G2a"].verdict == "contradicted"
    assert ev.parts["G2a"].statistic == pytest.approx(2.4997, abs=1e-3)
    assert ev.parts["G2b"].verdict == "supported"
    s = ledger.summary.set_index("part")
    assert s.loc["G2a", "n_specifications"] == 50 and s.loc["G2a", "verdict"] == "contradicted"
    assert s.loc["G2a", "verdict_counts"] == {"contradicted": 45, "supported": 5}
    assert s.loc["G2b", "stability"] == 1.0


def test_g2_grid_holds_the_window_before_the_post(ledger):
    curve = claims.spec_curve  # noqa: F841  (the framework's own view is tested in test_claims)
    g = ledger.grid[ledger.grid["part"] == "G2a"]
    pre = g[
        g["spec"].str.contains('"shift_end": -2')
        & g["spec"].str.contains('"shift_start": 0')
        & g["spec"].str.contains('"venue": "binance"')
    ]
    assert len(pre) == 1
    assert pre["statistic"].iloc[0] == pytest.approx((0.0577357 - 0.04) / 0.01, abs=1e-3)
    assert pre["verdict"].iloc[0] == "contradicted"


def test_g1_on_snapshot(ledger):
    ev = ledger.primary["G1"]
    v = ev.values
    assert v["G1.btc_return_1_5jan"] == pytest.approx(0.070868, abs=1e-5)
    assert v["G1.spot_taker_net_buy_1_5jan"] == pytest.approx(0.036925, abs=1e-5)
    assert v["G1.regime"] == "spot-led rally"
    assert v["G1.oi_change_positions_1_5jan"] == pytest.approx(0.00302, abs=1e-4)
    assert v["G1.etf_flow_1_5jan"] == pytest.approx(471.3 + 697.2)
    assert v["G1.funding_change_1_5jan"] == pytest.approx(0.0649970 - 0.0506341, abs=1e-5)
    lo, hi = ev.intervals["G1.funding_change_1_5jan"]
    assert lo < 0 < hi
    assert ev.parts["G1a"].verdict == "supported" and ev.parts["G1b"].verdict == "inconclusive"
    assert ev.parts["G1b"].inputs["funding_baseline"] + hi > 0.1095  # a rise above neutral is not ruled out
    s = ledger.summary.set_index("part")
    assert s.loc["G1a", "n_specifications"] == 75
    assert s.loc["G1a", "verdict"] == "inconclusive" and s.loc["G1a", "primary_verdict"] == "supported"
    assert s.loc["G1a", "stability"] == pytest.approx(39 / 75)
    assert s.loc["G1b", "verdict"] == "inconclusive" and s.loc["G1b", "stability"] == pytest.approx(52 / 75)


def test_g1_positions_are_face_value_not_coin(snapshot):
    """The OKX swap is inverse: leverage.position_oi gives its USD face value (contracts x 100), whose
    changes equal the contract count's; the coin OI fell with the rally."""
    from mktlib import data

    pos = vf.okx_positions_daily()
    ctr = fu.last_per_day(data.load("btc_okx_swap_1h")["oi_contracts"])
    assert (pos / ctr).dropna().round(9).eq(100.0).all()
    assert fu.position_change(pos, "2026-01-01", "2026-01-05") == pytest.approx(
        fu.position_change(ctr, "2026-01-01", "2026-01-05"), rel=1e-12
    )
    assert fu.position_change(vf.okx_oi_coin_daily(), "2026-01-01", "2026-01-05") < -0.06


def test_g1_windows_running_into_6_7_jan_see_spot_selling(ledger):
    g = ledger.grid[(ledger.grid["part"] == "G1a") & ledger.grid["spec"].str.contains('"shift_start": 0')]
    late = g[g["spec"].str.contains('"shift_end": 1') | g["spec"].str.contains('"shift_end": 2')]
    assert (late["statistic"] < 0).all() and set(late["verdict"]) == {"inconclusive"}


# ------------------------------------------------------------------------------ reachability
@pytest.mark.parametrize(
    "part, outcomes",
    [
        ("G1a", {"supported", "contradicted", "inconclusive"}),
        ("G1b", {"supported", "contradicted", "inconclusive"}),
        ("G2b", {"supported", "contradicted"}),
    ],
)
def test_reading_rules_reach_every_outcome_on_real_data(snapshot, part, outcomes):
    space = claims.INPUT_SPACES[part]()
    fn = claims.RULE_FUNCTIONS[part]
    got = {fn(**r) for r in space.to_dict(orient="records")}
    assert got == outcomes
    assert len(space) > 200


def test_g1b_in_the_sub_neutral_regime(snapshot):
    """The old rule needed funding above neutral, which no Binance settlement from September 2025 to
    January 2026 was. The new rule reaches every outcome over the history; since September 2025 its
    positions arm fires, its funding arm (calibrated to the previous year's noise) does not."""
    b = fu.annualise(vf.binance_funding()).loc["2025-09-01":"2026-01-31"]
    assert not (b > 0.1095 + 1e-12).any() and len(b) == 459
    w = vf.g1b_windows()
    lev = (w["funding_low"] > 0) & (w["oi_change"] > 0.02)
    assert lev.sum() >= 20 and w.loc[lev, "end"].dt.year.nunique() >= 3
    recent = w[w["end"] >= pd.Timestamp("2025-09-01", tz="UTC")]
    assert len(recent) == 60
    assert (recent["oi_change"] > 0.02).sum() == 17
    assert (recent["funding_low"] > 0).sum() == 0
