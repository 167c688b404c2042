"""The claims ledger: registry completeness, evaluator contract, exports and the CLI."""

from __future__ import annotations

import json
import re

import pytest

from mktlib import claims
from mktlib.__main__ import main


@pytest.fixture(scope="module")
def shared(snapshot):
    """The project's shared folder (briefs and the four commentaries) beside the snapshot. A snapshot
    fetched elsewhere has no briefs beside it: skip there, fail under CI."""
    import os

    root = snapshot.parent
    if not (root / "briefs").is_dir() or not (root / "seeds").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {root} has no briefs/ and seeds/ beside the data")
        pytest.skip("the briefs and commentaries are not beside this snapshot (a fetched snapshot)")
    return root


@pytest.fixture(scope="module")
def brief(shared) -> str:
    return (shared / "briefs" / "claims.md").read_text(encoding="utf-8")


def test_registry_has_every_claim_of_the_brief(brief):
    ids_in_brief = re.findall(r"^\| ([DKAG]\d+) \|", brief, flags=re.M)
    assert len(ids_in_brief) == 34
    assert list(claims.registry()) == ids_in_brief


def test_registry_has_every_named_measure(brief):
    named = set(re.findall(r"`([DKAG]\d+\.[a-z0-9_]+)`", brief))
    named = {m for m in named if not m.endswith("_")}  # wildcards like D12.trough_date_*
    have = {m.id for c in claims.registry().values() for m in c.measures}
    assert sorted(named - have) == []


def test_registry_quotes_are_verbatim(shared):
    seeds = {p.name[:3]: " ".join(p.read_text(encoding="utf-8").split()) for p in (shared / "seeds").glob("*.txt")}
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


def test_dates_are_exported_as_iso_strings():
    import pandas as pd

    assert claims._plain(pd.Timestamp("2025-11-21 13:00", tz="UTC")) == "2025-11-21"
    assert claims._plain(float("nan")) is None


def test_values_are_formatted_for_people():
    assert claims.fmt_value(-0.02379, "fraction") == "-2.38%"
    assert claims.fmt_value(126199.63, "USDT") == "126,200 USDT"
    assert claims.fmt_value(None, "USDT") == "n/a"
    assert claims.fmt_value(True, "boolean") == "yes"


def test_cli_claims_json(capsys, snapshot):
    assert main(["claims", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["verdict"] for r in doc["rows"]} <= set(claims.VERDICTS)
    assert doc["protocol_sha256"] == claims.protocol_sha256()


def test_markdown_export_has_a_row_per_ledger_row(snapshot):
    md = claims.export("markdown").splitlines()
    assert md[0].startswith("| claim | part | type | measure |")
    assert len(md) == len(claims.ledger()) + 2


def test_html_ledger_has_a_row_per_part_with_provenance_and_links(snapshot):
    page = claims.render_html(page_dir="notebooks")
    assert page.count('<tr id="claim-') == len(claims.parts())
    title, doc = claims.CHAPTERS[claims.registry()["D6"].chapter]
    assert f'href="../{doc}.html#claim-d6"' in page
    assert "post hoc (set on 2026-12-03" in page
    assert "fixed before the results" not in page
    assert 'class="verdict verdict-' in page and "mktlibFilter" in page


def test_claim_card_shows_every_part_with_its_rule_label(snapshot):
    card = claims.claim_card("D6")
    for p in claims.parts("D6"):
        assert f"<b>{p.id}</b>" in card
    assert "Stability:" in card and "post hoc" in card and "126,000" in card


def test_summary_ledger_has_one_row_per_part(snapshot):
    page = claims.render_summary_html(page_dir="notebooks")
    assert page.count("<tr><td>") == len(claims.parts())


def test_diff_lists_verdicts_values_and_measures_that_moved():
    old = [
        {"claim": "X1", "measure": "X1.a", "value": 1.0, "verdict": "supported"},
        {"claim": "X1", "measure": "X1.b", "value": "2025-11-21", "verdict": "supported"},
        {"claim": "X2", "measure": "X2.a", "value": 3.0, "verdict": "contradicted"},
    ]
    new = {
        "schema": claims.SCHEMA,
        "protocol_sha256": "x",
        "rows": [
            {
                "claim": "X1",
                "part": "X1a",
                "measure": "X1.a",
                "value": 1.0 + 1e-12,
                "verdict": "supported",
                "rule_status": "post hoc",
            },
            {
                "claim": "X1",
                "part": "X1b",
                "measure": "X1.c",
                "value": 5.0,
                "verdict": "inconclusive",
                "rule_status": "post hoc",
            },
            {
                "claim": "X2",
                "part": "X2",
                "measure": "X2.a",
                "value": 3.5,
                "verdict": "contradicted",
                "rule_status": "registered",
            },
        ],
    }
    d = claims.diff(old, new)
    rows = {(r.claim, r.kind, r.item): (r.old, r.new) for r in d.itertuples()}
    assert rows[("X1", "verdict", "X1")] == ("supported", "X1a: supported; X1b: inconclusive")
    assert rows[("X1", "removed", "X1.b")] == ("2025-11-21", None)
    assert rows[("X1", "added", "X1.c")] == (None, "5.0")
    assert rows[("X2", "value", "X2.a")] == ("3.0", "3.5")
    assert ("X1", "value", "X1.a") not in rows  # within the tolerance
    assert ("X2", "verdict", "X2") not in rows  # same verdict
    assert len(d) == 4
    with pytest.raises(ValueError, match="list of rows"):
        claims.diff({"no": 1}, new)


def test_cli_claims_diff(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps([{"claim": "X1", "measure": "X1.a", "value": 1.0, "verdict": "supported"}]))
    b.write_text(
        json.dumps(
            {"rows": [{"claim": "X1", "part": "X1a", "measure": "X1.a", "value": 2.0, "verdict": "contradicted"}]}
        )
    )
    assert main(["claims", "diff", str(a), str(b), "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert "X1,verdict,X1,supported,X1a: contradicted" in out.out and "2 changes" in out.err
    assert main(["claims", "diff", str(a)]) == 2
    assert main(["claims", "diff", str(a), str(tmp_path / "missing.json")]) == 2
