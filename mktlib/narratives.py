"""The front page's scorecard: the commentaries' story lines, judged from the ledger's claim parts.

Each narrative (``narratives.yaml``) lists the claims it rests on; every part of those claims counts
(one rule for all, so that no quoted figure is left out where it failed or put in where it held). Its
verdict follows from the parts' published verdicts by one symmetric rule (:func:`narrative_verdict`), and
its strength of evidence from the framework's stability. The grouping and the sentences were written
after the verdicts were known (post hoc); the verdicts themselves are the ledger's.

>>> narrative_verdict(["supported", "supported"])
'supported'
>>> narrative_verdict(["supported", "inconclusive"])
'partly supported'
>>> narrative_verdict(["inconclusive", "contradicted"])
'partly contradicted'
>>> narrative_verdict(["inconclusive", "not testable"])
'inconclusive'
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import pandas as pd
import yaml

PATH = Path(__file__).with_name("narratives.yaml")
DECIDED = ("supported", "partly supported", "contradicted")
_FIELD = re.compile(r"\{([A-Z]\d+[a-z]?\.\w+|defaults\.\w+)(\|abs)?(?::([^}]*))?\}")


def narrative_verdict(core: list[str]) -> str:
    """The rule, symmetric between support and contradiction. If every part has the same verdict, that
    verdict. Otherwise look at the decided parts (supported, partly supported, contradicted): none
    decided -> ``inconclusive``; some holding and some contradicted -> ``partly supported`` (as a claim
    whose stated parts hold and fail); only holding ones (the rest undecided) -> ``partly supported``;
    only contradicted ones (the rest undecided) -> ``partly contradicted``."""
    if not core:
        raise ValueError("a narrative needs at least one part")
    if len(set(core)) == 1:
        return core[0]
    decided = [v for v in core if v in DECIDED]
    if not decided:
        return "inconclusive"
    if all(v == "contradicted" for v in decided):
        return "partly contradicted"
    return "partly supported"


def strength(stabilities: list[float | None], core: list[str]) -> str:
    """Strength of evidence in words, from the framework: ``weak`` when no part is decided; ``exact
    figures`` when no part has an analyst choice to vary (one specification each: quoted figures checked
    once); ``strong`` when every part is decided and each part with a grid holds in at least 90% of its
    specifications; else ``moderate``.

    >>> strength([1.0, 0.95], ["supported", "supported"]), strength([0.5], ["inconclusive"])
    ('strong', 'weak')
    >>> strength([None, None], ["supported", "supported"])
    'exact figures'
    """
    decided = [v in DECIDED for v in core]
    if not any(decided):
        return "weak"
    grid = [float(s) for s in stabilities if s is not None and s == s]
    if not grid:
        return "exact figures"
    return "strong" if all(decided) and min(grid) >= 0.9 else "moderate"


@functools.lru_cache(maxsize=1)
def definitions() -> list[dict]:
    """The narratives as written in ``narratives.yaml`` (checked: every part exists in the ledger)."""
    from mktlib import claims

    items = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    known = {p.id for p in claims.parts()}
    for n in items:
        for key in ("id", "title", "claims", "link", "sentence"):
            if key not in n:
                raise ValueError(f"{PATH.name}: narrative {n.get('id', '?')!r} lacks {key!r}")
        n["core"] = [p.id for c in n["claims"] for p in claims.parts(c)]
        bad = [p for p in n["core"] if p not in known]
        if bad or not n["core"]:
            raise ValueError(f"{PATH.name}: narrative {n['id']!r} names unknown claims {n['claims']}")
    return items


def fill(sentence: str, values: dict) -> str:
    """Fill ``{MEASURE:format}`` fields from ledger values (``{MEASURE|abs:format}`` drops the sign;
    dates print as ``31 Jan 2026``); a KeyError names a measure the ledger lacks.

    >>> v = {"D8.x": 0.3, "D8.d": "2025-11-19", "D8.y": -0.05}
    >>> fill("odds fell to {D8.x:.0%} on {D8.d}, {D8.y|abs:.1%} down", v)
    'odds fell to 30% on 19 Nov 2025, 5.0% down'
    """
    from mktlib.book import fmt_day

    def sub(m: re.Match) -> str:
        key, absolute, spec = m.group(1), m.group(2), m.group(3)
        if key not in values:
            raise KeyError(f"{PATH.name}: the ledger has no measure {key!r}")
        v = abs(values[key]) if absolute else values[key]
        if spec:
            return format(v, spec)
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) or hasattr(v, "year"):
            return fmt_day(v)
        return str(v)

    return _FIELD.sub(sub, " ".join(sentence.split()))


def _values() -> dict:
    """Ledger values by measure id, plus what the sentences cite from the framework: each forecast part's
    base rate (``A8a.base_rate``), the Holm-adjusted p-values (``D10.holm_<test>``), the protocol's
    settings (``defaults.<name>``), each claim's primary choices (``D11.spec_window``) and the rates
    chapter's bounce-only model (``A5.bounce_gap_low``/``_high``)."""
    from mktlib import claims, rates

    led = claims.ledger()
    values = dict(zip(led["measure"], led["value"], strict=True))
    for ps in claims.parts():
        if ps.type == "forecast":
            br = claims.base_rates(ps.id)
            if br:
                values[f"{ps.id}.base_rate"] = br.get("supported", 0.0)
    for test_id, r in claims.family().iterrows():
        claim, name = test_id.split(".", 1)
        values[f"{claim}.holm_{name}"] = float(r["p_holm"])
    for name, v in claims.defaults().items():
        values[f"defaults.{name}"] = v
    for n in definitions():
        for cid in n["claims"]:
            for name, v in claims.specifications(cid)[0].items():
                values[f"{cid}.spec_{name}"] = v
    w = rates.a5_windows()
    bounce = w[w["status"] == "context"].iloc[0]
    values["A5.bounce_gap_low"], values["A5.bounce_gap_high"] = float(bounce["gap_low"]), float(bounce["gap_high"])
    return values


def scorecard() -> pd.DataFrame:
    """One row per narrative: ``id, title, verdict, strength, stability`` (lowest over its parts with a
    grid), ``decided`` (parts decided of all), ``core`` (every part with its verdict), ``sentence``
    (filled from the ledger), ``link`` (the claim whose section tells it)."""
    from mktlib import claims

    summ = claims.result().summary.set_index("part")
    values = _values()
    rows = []
    for n in definitions():
        core = [summ.loc[p, "verdict"] for p in n["core"]]
        stabs = [None if int(summ.loc[p, "n_specifications"]) <= 1 else summ.loc[p, "stability"] for p in n["core"]]
        finite = [float(s) for s in stabs if s is not None and s == s]
        rows.append(
            {
                "id": n["id"],
                "title": n["title"],
                "verdict": narrative_verdict(core),
                "strength": strength(stabs, core),
                "stability": min(finite) if finite else None,
                "decided": f"{sum(v in DECIDED for v in core)} of {len(core)}",
                "core": "; ".join(f"{p}: {v}" for p, v in zip(n["core"], core, strict=True)),
                "sentence": fill(n["sentence"], values),
                "link": n["link"],
            }
        )
    return pd.DataFrame(rows)


def render_html(page_dir: str = "notebooks") -> str:
    """The scorecard as HTML, one block per story line: its title and verdict badge, the strength of
    evidence with the statements it rests on (each with its verdict), the plain sentence and a link to
    the chapter section that tests it."""
    from mktlib import claims

    depth = "../" * len([p for p in page_dir.split("/") if p])
    reg = claims.registry()
    out = ['<div class="mktlib-scorecard">']
    for r in scorecard().itertuples():
        title, doc = claims.CHAPTERS[reg[r.link].chapter]
        if r.verdict == "not testable":
            evidence = "the data needed are not in the snapshot"
        else:
            evidence = f"evidence {r.strength}; {r.decided} statements decided"
        parts = ", ".join(html.escape(x) for x in r.core.split("; "))
        out.append(
            '<div class="mktlib-story">'
            f'<p class="mktlib-story-title"><b>{html.escape(r.title)}</b> {claims.verdict_badge(r.verdict)}</p>'
            f"<p>{html.escape(r.sentence)} "
            f'<a href="{depth}{doc}.html#claim-{r.link.lower()}">{html.escape(title)}</a></p>'
            f'<p class="mktlib-story-evidence"><small>{html.escape(evidence)} ({parts})</small></p></div>'
        )
    out.append("</div>")
    return "\n".join(out)
