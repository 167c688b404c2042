"""The claims ledger: every claim of the four commentaries, its measures, and a verdict from a stated rule.

The registry (``mktlib/claims_registry.yaml``) holds, per claim: ``id`` (e.g. ``D4``), ``article``,
``title``, ``claim`` (paraphrase), ``quote`` (short, verbatim), ``chapter``, ``rule`` (the verdict rule
in words) and ``measures`` (``id`` exactly as in the claims brief, ``unit``, ``description``).

A chapter module fills a claim in by registering an *evaluator*: a function that computes every
measure of the claim from the data and applies the rule::

    @evaluator("D4", rule="supported if the 1h low on 21 Nov is below 86,000 ...")
    def _d4() -> Evaluation:
        low = ...                                       # from mktlib.data
        return Evaluation({"D4.btc_low_21nov": low, ...},
                          verdict=verdict_by_threshold(...), reason="...")

Claims without an evaluator are ``pending``. :func:`ledger` returns one row per measure with the
fields ``claim, measure, value, unit, verdict, chapter`` (plus ``article``, ``title``, ``reason``);
:func:`export` writes it as JSON, CSV or Markdown (``python -m mktlib claims --format json``).

>>> led = ledger()
>>> list(led.columns[:6])
['claim', 'measure', 'value', 'unit', 'verdict', 'chapter']
"""

from __future__ import annotations

import html
import importlib
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

REGISTRY_PATH = Path(__file__).with_name("claims_registry.yaml")
VERDICTS = ("supported", "partly supported", "contradicted", "not testable", "pending")
# chapter key -> (title, document path in the book, without suffix).
CHAPTERS = {
    "episode": ("The episode", "notebooks/01-episode"),
    "leverage": ("Leverage", "notebooks/02-leverage"),
    "funding": ("Funding and basis", "notebooks/03-funding"),
    "transmission": ("Cross-asset transmission", "notebooks/04-transmission"),
    "macro": ("Rate cuts and the AI trade", "notebooks/05-rates-ai"),
    "flows": ("ETF flows and treasury companies", "notebooks/06-flows-treasuries"),
    "epilogue": ("With hindsight", "notebooks/08-epilogue"),
}
# Modules whose import registers evaluators: one per chapter, in mktlib/verdicts/.
EVALUATOR_MODULES: list[str] = [f"mktlib.verdicts.{m}" for m in
                                ("episode", "leverage", "funding", "transmission", "macro", "flows")]
LEDGER_FIELDS = ["claim", "measure", "value", "unit", "verdict", "chapter", "article", "title", "rule",
                 "reason"]


@dataclass(frozen=True)
class Measure:
    id: str
    unit: str
    description: str


@dataclass(frozen=True)
class Claim:
    id: str
    article: str
    title: str
    claim: str
    quote: str
    chapter: str
    rule: str
    measures: tuple[Measure, ...]


Value = float | int | bool | str | date | None


@dataclass
class Evaluation:
    """The measured values of one claim (measure id -> value; None = not measurable) and its verdict."""

    values: dict[str, Value]
    verdict: str
    reason: str = ""
    notes: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def registry() -> dict[str, Claim]:
    """All claims, by id, in the order of the claims brief."""
    raw = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))
    out: dict[str, Claim] = {}
    for r in raw:
        measures = tuple(Measure(str(m["id"]), str(m["unit"]), str(m["description"])) for m in r["measures"])
        c = Claim(str(r["id"]), str(r["article"]), str(r["title"]), str(r["claim"]), str(r["quote"]),
                  str(r["chapter"]), str(r.get("rule") or ""), measures)
        if c.id in out:
            raise ValueError(f"claims registry: duplicate claim {c.id}")
        if c.chapter not in CHAPTERS:
            raise ValueError(f"claims registry: {c.id} has unknown chapter {c.chapter!r}")
        for m in measures:
            if not m.id.startswith(c.id + "."):
                raise ValueError(f"claims registry: measure {m.id} does not belong to {c.id}")
        out[c.id] = c
    return out


EVALUATORS: dict[str, Callable[[], Evaluation]] = {}
RULES: dict[str, str] = {}


def evaluator(claim_id: str, rule: str) -> Callable[[Callable[[], Evaluation]], Callable[[], Evaluation]]:
    """Decorator registering the function that measures ``claim_id`` and applies ``rule``.

    ``rule`` states the verdict rule in words (thresholds, tests, comparisons); it is shown in the
    ledger next to the verdict, so the rule is written once, beside the code that applies it.
    """
    if not rule.strip():
        raise ValueError(f"claim {claim_id}: an evaluator needs its verdict rule in words")

    def deco(fn: Callable[[], Evaluation]) -> Callable[[], Evaluation]:
        if claim_id in EVALUATORS and EVALUATORS[claim_id] is not fn:
            raise ValueError(f"claim {claim_id} already has an evaluator")
        EVALUATORS[claim_id] = fn
        RULES[claim_id] = rule.strip()
        return fn

    return deco


def rule_of(claim_id: str) -> str:
    """The verdict rule of a claim: the registry's ``rule`` if set, else the evaluator's."""
    _load_evaluators()
    return registry()[claim_id].rule or RULES.get(claim_id, "")


def _load_evaluators() -> None:
    for mod in EVALUATOR_MODULES:
        importlib.import_module(mod)


def evaluate(claim_id: str) -> Evaluation:
    """Run the claim's evaluator (``pending`` with empty values if it has none) and check its output."""
    _load_evaluators()
    claim = registry()[claim_id]
    if claim_id not in EVALUATORS:
        return Evaluation({m.id: None for m in claim.measures}, "pending", "not yet implemented")
    ev = EVALUATORS[claim_id]()
    expected = {m.id for m in claim.measures}
    if set(ev.values) != expected:
        raise ValueError(f"{claim_id}: evaluator returned measures {sorted(ev.values)}, "
                         f"registry has {sorted(expected)}")
    if ev.verdict not in VERDICTS:
        raise ValueError(f"{claim_id}: verdict {ev.verdict!r} not in {VERDICTS}")
    if ev.verdict != "pending" and not ev.reason:
        raise ValueError(f"{claim_id}: a verdict needs the reason (how the rule applied)")
    return ev


def _plain(v: Value) -> Value:
    if isinstance(v, (pd.Timestamp, datetime)):
        return v.date().isoformat() if isinstance(v, pd.Timestamp) or v.tzinfo else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def ledger(claim_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per measure: ``claim, measure, value, unit, verdict, chapter, article, title, rule, reason``.

    ``value`` is a number, an ISO date string for date measures, a string for categories, or None.
    """
    rows = []
    for cid, claim in registry().items():
        if claim_ids and cid not in claim_ids:
            continue
        ev = evaluate(cid)
        for m in claim.measures:
            rows.append({"claim": cid, "measure": m.id, "value": _plain(ev.values[m.id]), "unit": m.unit,
                         "verdict": ev.verdict, "chapter": claim.chapter, "article": claim.article,
                         "title": claim.title, "rule": rule_of(cid), "reason": ev.reason})
    return pd.DataFrame(rows, columns=LEDGER_FIELDS)


def export(fmt: str = "json", claim_ids: list[str] | None = None) -> str:
    """The ledger as ``json`` (a list of row objects), ``csv`` or ``markdown`` text."""
    led = ledger(claim_ids)
    if fmt == "json":
        return json.dumps(led.astype(object).where(led.notna(), None).to_dict(orient="records"), indent=1,
                          ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        led.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    if fmt == "markdown":
        cols = ["claim", "measure", "value", "unit", "verdict", "chapter"]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in led[cols].itertuples(index=False):
            lines.append("| " + " | ".join("" if v is None or v != v else str(v) for v in r) + " |")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r}; use json, csv or markdown")


def claims_table() -> pd.DataFrame:
    """One row per claim (id, article, title, quote, chapter, verdict, reason) for the ledger page."""
    rows = []
    for cid, claim in registry().items():
        ev = evaluate(cid)
        rows.append({"claim": cid, "article": claim.article, "title": claim.title, "quote": claim.quote,
                     "chapter": claim.chapter, "verdict": ev.verdict, "rule": rule_of(cid),
                     "reason": ev.reason})
    return pd.DataFrame(rows)


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def render_html(page_dir: str = "notebooks") -> str:
    """The ledger as an HTML table for the book: one row per claim with its measures, the verdict as a
    coloured badge, its rule (collapsed) and a link to the claim's section (``#claim-<id>``) of its chapter. ``page_dir`` is the folder of the page that shows it
    (links are made relative to it)."""
    from mktlib.plotting import VERDICT_COLORS

    led = ledger()
    depth = "../" * len([p for p in page_dir.split("/") if p])
    out = ['<table class="mktlib-ledger"><thead><tr><th>claim</th><th>what was said</th>'
           "<th>measured</th><th>verdict</th></tr></thead><tbody>"]
    for cid, claim in registry().items():
        rows = led[led["claim"] == cid]
        verdict = rows["verdict"].iloc[0]
        reason = rows["reason"].iloc[0]
        title, doc = CHAPTERS[claim.chapter]
        measured = "<br>".join(
            f"<code>{_esc(r.measure)}</code> = {_esc(_fmt(r.value, r.unit))}" for r in rows.itertuples())
        color = VERDICT_COLORS[verdict]
        out.append(
            f'<tr id="claim-{cid}"><td><b>{cid}</b><br><small>article {_esc(claim.article)}</small></td>'
            f"<td><b>{_esc(claim.title)}</b><br><i>&ldquo;{_esc(claim.quote)}&rdquo;</i></td>"
            f"<td><small>{measured}</small></td>"
            f'<td><span class="verdict verdict-{verdict.replace(" ", "-")}" style="background:{color};'
            f'color:white;padding:2px 6px;border-radius:4px;white-space:nowrap">{_esc(verdict)}</span>'
            f'<br><small>{_esc(reason)}</small>'
            f"<details><summary><small>rule</small></summary><small>{_esc(rule_of(cid))}</small></details>"
            f'<small><a href="{depth}{doc}.html#claim-{cid.lower()}">{_esc(title)}</a></small></td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def render_summary_html(page_dir: str = "notebooks") -> str:
    """A compact ledger for the book: one row per claim with its title, the verdict badge and a link to
    the claim's section. Claims are grouped by verdict (supported first)."""
    from mktlib.plotting import VERDICT_COLORS

    depth = "../" * len([p for p in page_dir.split("/") if p])
    table = claims_table()
    order = {v: i for i, v in enumerate(VERDICTS)}
    table = table.assign(_o=table["verdict"].map(order)).sort_values(["_o"], kind="stable")
    out = ['<table class="mktlib-ledger-summary"><thead><tr><th>claim</th><th>what was said</th>'
           "<th>verdict</th><th>discussed in</th></tr></thead><tbody>"]
    for r in table.itertuples():
        title, doc = CHAPTERS[r.chapter]
        color = VERDICT_COLORS[r.verdict]
        out.append(
            f'<tr><td><a href="#claim-{r.claim}"><b>{r.claim}</b></a></td><td>{_esc(r.title)}</td>'
            f'<td><span class="verdict verdict-{r.verdict.replace(" ", "-")}" style="background:{color};'
            f'color:white;padding:1px 6px;border-radius:4px;white-space:nowrap">{_esc(r.verdict)}</span></td>'
            f'<td><a href="{depth}{doc}.html#claim-{r.claim.lower()}">{_esc(title)}</a></td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def _fmt(value: Value, unit: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if unit == "fraction" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.4g} {unit}" if abs(value) < 1000 else f"{value:,.0f} {unit}"
    return f"{value} {unit}" if unit not in ("date", "category", "boolean", "none") else str(value)


def load_json(text: str) -> list[dict[str, Any]]:
    """Parse an exported JSON ledger (for round-trip checks)."""
    return json.loads(text)
