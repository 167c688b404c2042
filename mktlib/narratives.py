"""The front page's scorecard: the commentaries' story lines, judged from the ledger's claim parts.

Each narrative (``narratives.yaml``) names its *core* parts, the statements it rests on, and related
parts shown beside it. Its verdict follows from the core parts' published verdicts by one rule
(:func:`narrative_verdict`), and its strength of evidence from the framework's stability. The grouping,
the choice of core parts and the sentences were written after the verdicts were known (post hoc); the
verdicts themselves are the ledger's.

>>> narrative_verdict(["supported", "supported"])
'supported'
>>> narrative_verdict(["supported", "inconclusive"])
'partly supported'
>>> narrative_verdict(["inconclusive", "contradicted"])
'contradicted'
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
_FIELD = re.compile(r"\{([A-Z]\d+\.\w+)(\|abs)?(?::([^}]*))?\}")


def narrative_verdict(core: list[str]) -> str:
    """The rule: if every core part has the same verdict, that verdict. Otherwise look at the decided
    parts (supported, partly supported, contradicted): none decided -> ``inconclusive``; every decided
    part contradicted -> ``contradicted``; else (something holds) -> ``partly supported``."""
    if not core:
        raise ValueError("a narrative needs at least one core part")
    if len(set(core)) == 1:
        return core[0]
    decided = [v for v in core if v in DECIDED]
    if not decided:
        return "inconclusive"
    if all(v == "contradicted" for v in decided):
        return "contradicted"
    return "partly supported"


def strength(stabilities: list[float], core: list[str]) -> str:
    """Strength of evidence in words, from the framework: ``strong`` when every core part is decided and
    each holds in at least 90% of its specifications; ``weak`` when none is decided; else ``moderate``.
    Parts with one specification count as stable.

    >>> strength([1.0, 0.95], ["supported", "supported"]), strength([0.5], ["inconclusive"])
    ('strong', 'weak')
    """
    decided = [v in DECIDED for v in core]
    if not any(decided):
        return "weak"
    stab = [1.0 if s is None or s != s else float(s) for s in stabilities]
    return "strong" if all(decided) and min(stab) >= 0.9 else "moderate"


@functools.lru_cache(maxsize=1)
def definitions() -> list[dict]:
    """The narratives as written in ``narratives.yaml`` (checked: every part exists in the ledger)."""
    from mktlib import claims

    items = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    known = {p.id for p in claims.parts()}
    for n in items:
        for key in ("id", "title", "core", "link", "sentence"):
            if key not in n:
                raise ValueError(f"{PATH.name}: narrative {n.get('id', '?')!r} lacks {key!r}")
        bad = [p for p in [*n["core"], *n.get("related", [])] if p not in known]
        if bad:
            raise ValueError(f"{PATH.name}: narrative {n['id']!r} names unknown parts {bad}")
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


def scorecard() -> pd.DataFrame:
    """One row per narrative: ``id, title, verdict, strength, stability`` (lowest of the core parts),
    ``core`` (the parts with their verdicts), ``related``, ``sentence`` (filled from the ledger), ``link``
    (the claim whose section tells it)."""
    from mktlib import claims

    summ = claims.result().summary.set_index("part")
    led = claims.ledger()
    values = dict(zip(led["measure"], led["value"], strict=True))
    rows = []
    for n in definitions():
        core = [summ.loc[p, "verdict"] for p in n["core"]]
        stabs = [summ.loc[p, "stability"] for p in n["core"]]
        finite = [float(s) for s in stabs if s is not None and s == s]
        rows.append(
            {
                "id": n["id"],
                "title": n["title"],
                "verdict": narrative_verdict(core),
                "strength": strength(stabs, core),
                "stability": min(finite) if finite else None,
                "core": "; ".join(f"{p}: {v}" for p, v in zip(n["core"], core, strict=True)),
                "related": "; ".join(f"{p}: {summ.loc[p, 'verdict']}" for p in n.get("related", [])),
                "sentence": fill(n["sentence"], values),
                "link": n["link"],
            }
        )
    return pd.DataFrame(rows)


def render_html(page_dir: str = "notebooks") -> str:
    """The scorecard as an HTML table: narrative, verdict badge, strength, the plain sentence and a link
    to the chapter section that tests it."""
    from mktlib import claims

    depth = "../" * len([p for p in page_dir.split("/") if p])
    reg = claims.registry()
    out = [
        '<div class="mktlib-table-wrap"><table class="mktlib-table mktlib-scorecard"><thead><tr>'
        "<th>what the commentaries said</th><th>verdict</th><th>evidence</th><th>in plain words</th>"
        "</tr></thead><tbody>"
    ]
    for r in scorecard().itertuples():
        title, doc = claims.CHAPTERS[reg[r.link].chapter]
        stab = "" if r.stability is None or r.stability != r.stability else f"; stable in {r.stability:.0%}"
        out.append(
            f"<tr><td><b>{html.escape(r.title)}</b></td><td>{claims.verdict_badge(r.verdict)}</td>"
            f"<td><small>{html.escape(r.strength)}{stab}<br>{html.escape(r.core)}</small></td>"
            f"<td>{html.escape(r.sentence)} "
            f'<a href="{depth}{doc}.html#claim-{r.link.lower()}">{html.escape(title)}</a></td></tr>'
        )
    out.append("</tbody></table></div>")
    return "\n".join(out)
