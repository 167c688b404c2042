"""The claims ledger: registry completeness, evaluator contract, exports and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from mktlib import claims
from mktlib.__main__ import main


@pytest.fixture(scope="module")
def brief(snapshot) -> str:
    return (snapshot.parent / "briefs" / "claims.md").read_text(encoding="utf-8")


def test_registry_has_every_claim_of_the_brief(brief):
    ids_in_brief = re.findall(r"^\| ([DKAG]\d+) \|", brief, flags=re.M)
    assert len(ids_in_brief) == 34
    assert list(claims.registry()) == ids_in_brief


def test_registry_has_every_named_measure(brief):
    named = set(re.findall(r"`([DKAG]\d+\.[a-z0-9_]+)`", brief))
    named = {m for m in named if not m.endswith("_")}          # wildcards like D12.trough_date_*
    have = {m.id for c in claims.registry().values() for m in c.measures}
    assert sorted(named - have) == []


def test_registry_quotes_are_verbatim(snapshot):
    seeds = {p.name[:3]: " ".join(p.read_text(encoding="utf-8").split())
             for p in (snapshot.parent / "seeds").glob("*.txt")}
    for c in claims.registry().values():
        quote = " ".join(c.quote.split())
        assert 0 < len(quote.split()) <= 40, c.id
        arts = [a.strip() for a in c.article.split(",")]
        assert any(quote in seeds[a] for a in arts), f"{c.id}: quote not found verbatim in {arts}"


def test_every_claim_has_measures_units_and_a_known_chapter():
    for c in claims.registry().values():
        assert c.measures, c.id
        assert c.chapter in claims.CHAPTERS
        for m in c.measures:
            assert m.unit and m.description, m.id


def test_unimplemented_claims_are_pending():
    led = claims.ledger()
    pending = led[~led["claim"].isin(claims.EVALUATORS)]
    assert (pending["verdict"] == "pending").all()
    assert pending["value"].isna().all()


@pytest.fixture
def fake_d4(monkeypatch):
    claims._load_evaluators()  # real evaluators register at import; import them before swapping the dict
    monkeypatch.setattr(claims, "EVALUATORS", {})
    measures = [m.id for m in claims.registry()["D4"].measures]

    @claims.evaluator("D4", rule="supported if both lows are below the quoted levels")
    def _d4():
        return claims.Evaluation({m: (80600.0 if "btc" in m else 2623.0) for m in measures},
                                 "supported", "both lows below the quoted levels")

    return measures


def test_evaluator_values_reach_the_ledger(fake_d4):
    led = claims.ledger(["D4"]).set_index("measure")
    assert led.loc["D4.btc_low_21nov", "value"] == 80600.0
    assert set(led["verdict"]) == {"supported"}
    assert list(led.columns[:5]) == ["claim", "value", "unit", "verdict", "chapter"]


def test_evaluator_contract_is_enforced(monkeypatch):
    claims._load_evaluators()
    monkeypatch.setattr(claims, "EVALUATORS", {})
    claims.evaluator("D4", rule="r")(lambda: claims.Evaluation({"D4.wrong": 1.0}, "supported", "x"))
    with pytest.raises(ValueError, match="evaluator returned measures"):
        claims.evaluate("D4")
    monkeypatch.setattr(claims, "EVALUATORS", {})
    ms = [m.id for m in claims.registry()["D4"].measures]
    claims.evaluator("D4", rule="r")(lambda: claims.Evaluation(dict.fromkeys(ms, 1.0), "probably true", "x"))
    with pytest.raises(ValueError, match="not in"):
        claims.evaluate("D4")
    monkeypatch.setattr(claims, "EVALUATORS", {})
    claims.evaluator("D4", rule="r")(lambda: claims.Evaluation(dict.fromkeys(ms, 1.0), "supported"))
    with pytest.raises(ValueError, match="needs the reason"):
        claims.evaluate("D4")
    with pytest.raises(ValueError, match="verdict rule in words"):
        claims.evaluator("D4", rule="  ")


def test_rule_is_exported_with_the_verdict(fake_d4):
    led = claims.ledger(["D4"])
    assert set(led["rule"]) == {"supported if both lows are below the quoted levels"}
    assert "rule" in claims.claims_table().columns


def test_every_claim_with_an_evaluator_states_its_rule():
    claims._load_evaluators()
    for cid in claims.EVALUATORS:
        assert len(claims.rule_of(cid)) > 20, cid


def test_exports_round_trip(fake_d4):
    rows = json.loads(claims.export("json"))
    n_measures = sum(len(c.measures) for c in claims.registry().values())
    assert len(rows) == n_measures
    assert set(rows[0]) >= {"claim", "measure", "value", "unit", "verdict", "chapter"}
    d4 = {r["measure"]: r for r in rows if r["claim"] == "D4"}
    assert d4["D4.btc_low_21nov"]["value"] == 80600.0
    table = list(csv.DictReader(io.StringIO(claims.export("csv"))))
    assert len(table) == n_measures and table[0].keys() >= {"claim", "measure", "verdict"}
    md = claims.export("markdown").splitlines()
    assert md[0].startswith("| claim | measure | value | unit | verdict | chapter |")
    assert len(md) == n_measures + 2


def test_dates_are_exported_as_iso_strings():
    import pandas as pd
    assert claims._plain(pd.Timestamp("2025-11-21 13:00", tz="UTC")) == "2025-11-21"
    assert claims._plain(float("nan")) is None


def test_cli_claims_json(capsys):
    assert main(["claims", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["verdict"] for r in rows} <= set(claims.VERDICTS)


def test_html_ledger_links_each_claim_to_its_section(fake_d4):
    page = claims.render_html(page_dir="notebooks")
    assert page.count('<tr id="claim-') == len(claims.registry())
    title, doc = claims.CHAPTERS[claims.registry()["D4"].chapter]
    assert f'href="../{doc}.html#claim-d4"' in page
    assert "supported if both lows are below the quoted levels" in page
    assert "80,600 USDT" in page or "80600" in page.replace(",", "")
    assert 'class="verdict verdict-supported"' in page


def test_summary_ledger_has_one_row_per_claim_and_links_to_the_detail(fake_d4):
    page = claims.render_summary_html(page_dir="notebooks")
    assert page.count("<tr><td>") == len(claims.registry())
    assert '<a href="#claim-D4"><b>D4</b></a>' in page
    # supported claims come before pending ones
    assert page.index("claim-D4") < page.index("claim-D1\"")
