"""Known answers for the verdict framework itself (shared/briefs/verdicts.md): stability and the 2/3
rule on a synthetic claim, Holm/BH against statsmodels, bootstrap coverage, the protocol log, the
tolerance rule, and the real ledger's contract (types, provenance, reachability, exports)."""

from __future__ import annotations

import csv
import io
import json
import subprocess

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from mktlib import claims, inference

# ------------------------------------------------------------------------------------------------
# a synthetic ledger: two claims with a known grid and known p-values


def _fake(monkeypatch, entries: dict, evaluators: dict) -> None:
    reg = {
        cid: claims.Claim(
            cid,
            "000",
            f"title {cid}",
            f"claim {cid}",
            f"quote {cid}",
            "episode",
            tuple(claims.Measure(f"{cid}.m", "fraction", "a measure") for _ in [0]),
        )
        for cid in entries
    }
    pr = {
        "defaults": {"stability_threshold": 2 / 3, "alpha": 0.05},
        "articles": {"000": {"date": "2025-11-27"}},
        "claims": entries,
    }
    monkeypatch.setattr(claims, "registry", lambda: reg)
    monkeypatch.setattr(claims, "protocol", lambda: pr)
    monkeypatch.setattr(claims, "_load_evaluators", lambda: None)
    monkeypatch.setattr(claims, "EVALUATORS", dict(evaluators))
    monkeypatch.setattr(claims, "RULE_FUNCTIONS", {})
    monkeypatch.setattr(claims, "INPUT_SPACES", {})


def _part(pid: str, type_: str = "reading", **kw) -> dict:
    return {
        "id": pid,
        "type": type_,
        "statement": f"statement {pid}",
        "measures": [pid[:2] + ".m"],
        "rule": "x below k",
        "rule_status": "post hoc",
        "rule_set_on": "2026-12-03",
        **kw,
    }


@pytest.mark.parametrize(
    "k, stability, published",
    [
        (7, 0.7, "supported"),
        (6, 0.6, "inconclusive"),
        (10, 1.0, "supported"),
        (1, 0.1, "inconclusive"),
        (0, 1.0, "contradicted"),
    ],
)
def test_stability_and_the_two_thirds_rule(monkeypatch, k, stability, published):
    """x runs over 0..9 (primary 0); the verdict is 'supported' iff x < k: stability is known exactly."""
    entry = {"parts": [_part("Z1a")], "thresholds": {"k": k}, "primary": {"x": 0}, "grid": {"x": list(range(10))}}

    def ev(spec):
        v = "supported" if spec["x"] < spec["k"] else "contradicted"
        return claims.Evaluation(
            {"Z1.m": float(spec["x"])},
            parts={"Z1a": claims.Part(v, f"x = {spec['x']}", statistic=spec["x"], threshold=k)},
        )

    _fake(monkeypatch, {"Z1": entry}, {"Z1": ev})
    res = claims._compute(["Z1"])
    row = res.summary.iloc[0]
    assert row["n_specifications"] == 10
    assert row["stability"] == pytest.approx(stability)
    assert row["primary_verdict"] == ("supported" if k > 0 else "contradicted")
    assert row["verdict"] == published
    assert sum(row["verdict_counts"].values()) == 10
    assert row["verdict_counts"].get("supported", 0) == min(k, 10)


def test_specifications_are_the_full_factorial_with_the_primary_first(monkeypatch):
    entry = {
        "parts": [_part("Z1a")],
        "thresholds": {"t": 1.0},
        "primary": {"a": 0, "b": "x"},
        "grid": {"a": [-1, 0, 1], "b": ["x", "y"], "t": [0.5, 1.0]},
    }
    _fake(monkeypatch, {"Z1": entry}, {})
    specs = claims.specifications("Z1")
    assert specs[0] == {"t": 1.0, "a": 0, "b": "x"}
    assert len(specs) == 12 and len({json.dumps(s, sort_keys=True) for s in specs}) == 12


def test_holm_and_bh_equal_statsmodels_and_hand_values():
    p = pd.Series({"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.005})
    adj = inference.adjust_pvalues(p)
    # by hand: Holm = max-accumulated (m - i + 1) p_(i); BH = min-accumulated m p_(i) / i
    assert adj["p_holm"].tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert adj["p_bh"].tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert adj["p_holm"].tolist() == pytest.approx(list(multipletests(p.to_numpy(), method="holm")[1]))
    assert adj["p_bh"].tolist() == pytest.approx(list(multipletests(p.to_numpy(), method="fdr_bh")[1]))
    with pytest.raises(ValueError, match="must be in"):
        inference.adjust_pvalues(pd.Series({"a": 1.2}))
    rng = np.random.default_rng(0)  # random families, ties included
    for _ in range(100):
        x = np.round(rng.uniform(size=rng.integers(1, 25)) ** 3, 2)
        a = inference.adjust_pvalues(pd.Series(x))
        assert np.allclose(a["p_holm"], multipletests(x, method="holm")[1])
        assert np.allclose(a["p_bh"], multipletests(x, method="fdr_bh")[1])


def test_the_family_spans_the_ledger_and_rules_read_adjusted_values(monkeypatch):
    """Two claims register p = 0.03 and 0.02. Alone each is significant; Holm over the family of two
    gives 0.04 for both (0.02 x 2 = 0.04; max(0.03 x 1, 0.04) = 0.04): still below 0.05."""
    seen = {}

    def make(cid, p):
        def ev(spec):
            adj = spec.adjusted(f"{cid}.t", p)
            seen[(cid, spec.primary)] = adj
            v = "supported" if adj.p_holm < 0.05 else "inconclusive"
            return claims.Evaluation(
                {f"{cid}.m": 1.0},
                parts={f"{cid}a": claims.Part(v, "r")},
                tests={f"{cid}.t": claims.Test(p, "t", measure=f"{cid}.m", mde=0.1)},
            )

        return ev

    entries = {c: {"parts": [_part(f"{c}a")]} for c in ("Z1", "Z2")}
    _fake(monkeypatch, entries, {"Z1": make("Z1", 0.03), "Z2": make("Z2", 0.02)})
    res = claims._compute(["Z1", "Z2"])
    assert res.family.loc["Z1.t", "p_holm"] == pytest.approx(0.04)
    assert res.family.loc["Z2.t", "p_holm"] == pytest.approx(0.04)
    assert res.family.loc["Z2.t", "p_bh"] == pytest.approx(0.03)
    assert seen[("Z1", True)].p_holm == pytest.approx(0.04)
    # a substituted p-value is adjusted against the rest of the family
    spec = claims.Spec("Z1", {}, False, res.family["p"])
    assert spec.adjusted("Z1.t", 0.5).p_holm == pytest.approx(0.5)
    assert spec.adjusted("Z1.t", 0.01).p_holm == pytest.approx(0.02)


def test_the_evaluator_contract_is_enforced(monkeypatch):
    entry = {"parts": [_part("Z1a", estimated=["Z1.m"])]}

    def run(ev_fn):
        _fake(monkeypatch, {"Z1": entry}, {"Z1": ev_fn})
        return claims._compute(["Z1"])

    with pytest.raises(ValueError, match="returned measures"):
        run(lambda s: claims.Evaluation({"Z1.other": 1.0}, parts={"Z1a": claims.Part("supported", "r")}))
    with pytest.raises(ValueError, match="returned parts"):
        run(
            lambda s: claims.Evaluation(
                {"Z1.m": 1.0}, parts={"Z1b": claims.Part("supported", "r")}, intervals={"Z1.m": (0, 2)}
            )
        )
    with pytest.raises(ValueError, match="not in"):
        run(
            lambda s: claims.Evaluation(
                {"Z1.m": 1.0}, parts={"Z1a": claims.Part("probably", "r")}, intervals={"Z1.m": (0, 2)}
            )
        )
    with pytest.raises(ValueError, match="needs its reason"):
        run(
            lambda s: claims.Evaluation(
                {"Z1.m": 1.0}, parts={"Z1a": claims.Part("supported", "")}, intervals={"Z1.m": (0, 2)}
            )
        )
    with pytest.raises(ValueError, match="needs an interval"):
        run(lambda s: claims.Evaluation({"Z1.m": 1.0}, parts={"Z1a": claims.Part("supported", "r")}))
    with pytest.raises(ValueError, match="could detect"):
        run(
            lambda s: claims.Evaluation(
                {"Z1.m": 1.0},
                parts={"Z1a": claims.Part("supported", "r")},
                intervals={"Z1.m": (0, 2)},
                tests={"Z1.t": claims.Test(0.2, "t")},
            )
        )
    # the registered rule function must give the evaluator's verdict
    _fake(monkeypatch, {"Z1": entry}, {})
    claims.rule("Z1a")(lambda x: "supported" if x > 0 else "contradicted")
    claims.EVALUATORS["Z1"] = lambda s: claims.Evaluation(
        {"Z1.m": 1.0}, parts={"Z1a": claims.Part("contradicted", "r", inputs={"x": 1.0})}, intervals={"Z1.m": (0, 2)}
    )
    with pytest.raises(ValueError, match="registered rule gives"):
        claims._compute(["Z1"])


def test_a_post_hoc_rule_cannot_claim_to_be_fixed_before(monkeypatch):
    bad = {"parts": [_part("Z1a", rule="fixed before the results: x < 1")]}
    _fake(monkeypatch, {"Z1": bad}, {})
    with pytest.raises(ValueError, match="post hoc but its rule says"):
        claims._check_protocol({"claims": {"Z1": bad}})


def test_reachability_lists_the_outcomes_a_rule_can_reach(monkeypatch):
    """A rule needing funding above 0.0001 cannot fire when no input ever exceeds it: reported."""
    entry = {"parts": [_part("Z1a")]}
    _fake(monkeypatch, {"Z1": entry}, {})
    claims.rule("Z1a")(lambda funding: "contradicted" if funding > 1e-4 else "supported")
    claims.input_space("Z1a")(lambda: pd.DataFrame({"funding": np.linspace(-5e-5, 9e-5, 50)}))
    claims.EVALUATORS["Z1"] = lambda s: claims.Evaluation(
        {"Z1.m": 1.0}, parts={"Z1a": claims.Part("supported", "r", inputs={"funding": 5e-5})}
    )
    monkeypatch.setattr(claims, "result", lambda **kw: claims._compute(["Z1"]))
    row = claims.reachability().set_index("part").loc["Z1a"]
    assert row["reachable"] == ["supported"] and row["n_inputs"] == 50


def test_bootstrap_interval_covers_a_known_mean_at_about_the_nominal_rate():
    """AR(1) data with mean 0 (phi 0.5, n 200): the 90% stationary-bootstrap interval of the mean
    covers 0 in about 90% of 120 simulations (binomial sd about 2.7 pp)."""
    rng = np.random.default_rng(7)
    hits = 0
    sims = 120
    for i in range(sims):
        e = rng.normal(size=260)
        x = np.empty(260)
        x[0] = e[0]
        for t in range(1, 260):
            x[t] = 0.5 * x[t - 1] + e[t]
        x = x[60:]
        _, lo, hi = inference.bootstrap_ci(x, lambda a: a[:, 0].mean(), reps=199, seed=i, block=10.0)
        hits += lo <= 0 <= hi
    assert 0.80 <= hits / sims <= 0.97


def test_bootstrap_is_seeded_and_refuses_bad_input():
    x = np.random.default_rng(1).normal(size=(100, 2))
    a = inference.corr_ci(x[:, 0], x[:, 1], reps=99, seed=3)
    b = inference.corr_ci(x[:, 0], x[:, 1], reps=99, seed=3)
    assert a == b
    with pytest.raises(ValueError, match="NaN"):
        inference.bootstrap_ci(np.array([1.0, np.nan, 2, 3, 4, 5]), lambda a: a.mean())


@pytest.mark.parametrize(
    "measured, quoted, unit, ok",
    [
        (-0.0245, -0.02, 0.01, True),  # "nearly 2%": rounds to 2% at 1 pp
        (-0.0238, -0.023, 0.001, True),  # "2.3%": 0.8 of a unit away
        (-0.0252, -0.023, 0.001, False),  # 2.2 units away
        (0.983, 0.937, 0.001, False),  # "93.7%": 46 units away
        (126_199.63, 126_000, 1000, True),
        (80_600, 84_000, 1000, False),
        (-0.0043, -0.005, 0.001, True),
        (0.852, 0.87, 0.01, False),  # 1.8 units
    ],
)
def test_the_one_tolerance_rule_on_hand_made_quotes(measured, quoted, unit, ok):
    assert inference.quoted_match(measured, quoted, unit).ok is ok


def test_tolerance_rule_refuses_bad_input():
    with pytest.raises(ValueError, match="positive"):
        inference.quoted_match(1.0, 1.0, 0)
    with pytest.raises(ValueError, match="finite"):
        inference.quoted_match(float("nan"), 1.0, 0.1)


def test_mde_by_hand():
    # (1.959964 + 0.841621) * se
    assert inference.mde(0.5) == pytest.approx(0.5 * 2.801585, rel=1e-5)
    assert inference.mde_correlation(103) == pytest.approx(np.tanh(2.801585 / 10), rel=1e-5)


# ------------------------------------------------------------------------------------------------
# the protocol and its changes log


def test_an_unlogged_protocol_change_fails():
    log = [
        {
            "date": "2026-12-03",
            "claims": ["D6"],
            "old_rule": "a",
            "new_rule": "b",
            "why": "c",
            "verdicts_moved": "none",
            "protocol_sha256": "abc",
        }
    ]
    claims.check_changes_log("abc", log)
    with pytest.raises(ValueError, match="changed without an entry"):
        claims.check_changes_log("abd", log)
    with pytest.raises(ValueError, match="lacks"):
        claims.check_changes_log("abc", [{"date": "2026-12-03", "protocol_sha256": "abc"}])


def test_the_protocol_matches_its_changes_log():
    claims.check_changes_log()


def test_protocol_sha256_is_the_file_hash():
    import hashlib

    assert (
        claims.protocol_sha256()
        == hashlib.sha256(b"".join(p.read_bytes() for p in claims.protocol_files())).hexdigest()
    )


# ------------------------------------------------------------------------------------------------
# the real ledger


@pytest.fixture(scope="module")
def real(snapshot):
    return claims.result()


def test_every_claim_is_in_the_protocol_with_typed_parts(real):
    pr = claims.protocol()["claims"]
    assert sorted(pr) == sorted(claims.registry())
    assert not claims._LEGACY, f"evaluators still in the legacy form: {sorted(claims._LEGACY)}"
    for cid, claim in claims.registry().items():
        ps = claims.parts(cid)
        assert ps and all(p.type in claims.TYPES for p in ps), cid
        covered = {m for p in ps for m in p.measures}
        assert covered == {m.id for m in claim.measures}, f"{cid}: measures in no part"


def test_every_reading_and_forecast_rule_can_reach_two_outcomes(real):
    reach = claims.reachability()
    print(reach.to_string())
    untestable = set(real.summary.loc[real.summary["primary_verdict"] == "not testable", "part"])
    rf = reach[reach["type"].isin(["reading", "forecast"]) & ~reach["part"].isin(untestable)]
    missing = rf[rf["source"] != "input space"]["part"].tolist()
    assert not missing, f"reading/forecast parts without a rule function and input space: {missing}"
    stuck = rf[rf["reachable"].map(lambda r: len(r) < 2)]
    assert stuck.empty, f"rules that reach one outcome on the real data: {stuck[['part', 'reachable']].values.tolist()}"


def test_forecasts_are_never_scored_contradicted_at_the_time(real):
    s = real.summary
    assert set(s.loc[s["type"] == "forecast", "verdict"]) <= set(claims.VERDICTS)
    assert s["rule_status"].isin(claims.RULE_STATUSES).all()


def test_published_verdict_follows_stability(real):
    s = real.summary
    low = s[(s["stability"] < 2 / 3) & (s["primary_verdict"] != "not testable")]
    assert (low["verdict"] == "inconclusive").all()
    high = s[(s["stability"].isna()) | (s["stability"] >= 2 / 3)]
    assert (high["verdict"] == high["primary_verdict"]).all()


def test_json_and_csv_exports_follow_the_brief(real):
    doc = json.loads(claims.export("json"))
    assert doc["schema"] == claims.SCHEMA and doc["protocol_sha256"] == claims.protocol_sha256()
    brief = [
        "claim",
        "part",
        "type",
        "measure",
        "value",
        "unit",
        "interval_low",
        "interval_high",
        "p_value",
        "p_holm",
        "p_bh",
        "verdict",
        "primary_verdict",
        "stability",
        "n_specifications",
        "rule",
        "rule_status",
        "rule_set_on",
        "reason",
        "chapter",
        "article",
        "title",
    ]
    assert list(doc["rows"][0])[: len(brief)] == brief
    assert {r["verdict"] for r in doc["rows"]} <= set(claims.VERDICTS)
    table = list(csv.DictReader(io.StringIO(claims.export("csv"))))
    assert len(table) == len(doc["rows"]) and list(table[0])[: len(brief)] == brief


def test_the_ledger_is_cached_on_disk(real, monkeypatch):
    claims._MEMO.clear()
    monkeypatch.setattr(claims, "_compute", lambda *a, **k: pytest.fail("recomputed instead of read from the cache"))
    assert claims.result().summary.equals(real.summary)


def test_no_rule_says_fixed_before_the_results():
    out = subprocess.run(
        ["git", "grep", "-Eil", "fixed before (the results|looking)", "--", "mktlib", "notebooks", "book"],
        capture_output=True,
        text=True,
        cwd=claims.PACKAGE_DIR.parent,
    )
    assert out.stdout.strip() == "", out.stdout
