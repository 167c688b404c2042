"""The front page's scorecard: the narrative rule on hand-made verdicts, and the scorecard from the ledger."""

import pytest

from mktlib import claims, narratives


@pytest.mark.parametrize(
    ("core", "expected"),
    [
        (["supported"], "supported"),
        (["contradicted", "contradicted"], "contradicted"),
        (["not testable", "not testable"], "not testable"),
        (["supported", "partly supported"], "partly supported"),
        (["supported", "contradicted"], "partly supported"),
        (["supported", "inconclusive"], "partly supported"),
        (["contradicted", "inconclusive"], "partly contradicted"),
        (["inconclusive", "not testable"], "inconclusive"),
    ],
)
def test_narrative_verdict_rule(core, expected):
    assert narratives.narrative_verdict(core) == expected


def test_empty_core_is_an_error():
    with pytest.raises(ValueError, match="at least one part"):
        narratives.narrative_verdict([])


def test_strength_words():
    assert narratives.strength([1.0, 0.9], ["supported", "contradicted"]) == "strong"
    assert narratives.strength([1.0, 0.89], ["supported", "supported"]) == "moderate"
    assert narratives.strength([None], ["supported"]) == "exact figures"  # one specification: nothing varies
    assert narratives.strength([None, 0.95], ["supported", "supported"]) == "strong"
    assert narratives.strength([1.0, 1.0], ["supported", "inconclusive"]) == "moderate"
    assert narratives.strength([1.0], ["not testable"]) == "weak"


def test_scorecard_follows_the_ledger():
    sc = narratives.scorecard().set_index("id")
    summ = claims.result().summary.set_index("part")
    assert 7 <= len(sc) <= 11
    for n in narratives.definitions():
        core = [summ.loc[p.id, "verdict"] for c in n["claims"] for p in claims.parts(c)]  # every part counts
        assert sc.loc[n["id"], "verdict"] == narratives.narrative_verdict(core)
        assert "{" not in sc.loc[n["id"], "sentence"]  # every field filled from the ledger
    # every reading of the ledger is on the scorecard, except the price readings of the episode chapter
    named = {p for n in narratives.definitions() for p in n["core"]}
    readings = set(summ.index[summ["type"] == "reading"])
    assert readings - named <= {"D14a", "D14b", "K5b", "K6a", "K6b", "G5b", "K1b"}


def test_base_rate_of_a_forecast_is_a_distribution():
    br = claims.base_rates("A7b")
    assert set(br) <= set(claims.VERDICTS) and abs(sum(br.values()) - 1) < 1e-12
    assert claims.base_rates("D6a") == {}  # a fact has no input space


def test_fill_refuses_unknown_measures():
    with pytest.raises(KeyError, match="X9.nope"):
        narratives.fill("{X9.nope:.0%}", {})
    html = narratives.render_html()
    assert html.count('class="mktlib-story"') == len(narratives.definitions())
    assert "article 00" not in html
