"""The claims ledger and its verdict framework (the standard: ``shared/briefs/verdicts.md``).

Three files of data and one mechanism:

- ``claims_registry.yaml``: every claim of the four commentaries and its registered measures (ids as in
  the claims brief, with units and definitions).
- ``protocol.yaml`` (the frozen protocol): per claim, its *parts*, each with a ``type`` (``fact``,
  ``reading``, ``forecast``), a statement, the measures it rests on, the rule in words, the rule's
  provenance (``rule_status``: ``registered`` or ``post hoc``, and ``rule_set_on``), the thresholds
  and the analyst choices (``primary`` values and the ``grid`` of alternatives). Its sha256 goes into
  every export.
- ``protocol_changes.yaml``: the changes log (old rule, new rule, why, which verdicts moved, and the
  protocol's sha256 after the change); ``tests/test_framework.py`` fails when the protocol changes
  without an entry.

A chapter module registers an *evaluator* per claim. The framework calls it once per specification
(the primary one and every combination of the grid) with a :class:`Spec` that holds the analyst
choices and the thresholds::

    @evaluator("K5")
    def _k5(spec: Spec) -> Evaluation:
        vals = k5_values(shift_start=spec["shift_start"], ...)
        return Evaluation(values=vals, parts={"K5": Part(verdict, reason, statistic=median)})

and computes, for every part, the ``stability`` (share of specifications giving the primary verdict);
below 2/3 the published verdict is ``inconclusive`` (the primary verdict is kept beside it). p-values
an evaluator registers (:class:`Test`) form one family across the ledger; :meth:`Spec.adjusted` gives
the Holm and Benjamini-Hochberg adjusted values the rules use. The ledger is computed once and cached
on disk, keyed by the code, the protocol and the data catalogue (:func:`result`).

>>> sorted(TYPES)
['fact', 'forecast', 'reading']
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib
import io
import itertools
import json
import math
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mktlib import inference

PACKAGE_DIR = Path(__file__).resolve().parent
REGISTRY_PATH = PACKAGE_DIR / "claims_registry.yaml"
PROTOCOL_PATH = PACKAGE_DIR / "protocol.yaml"
CHANGES_PATH = PACKAGE_DIR / "protocol_changes.yaml"
SCHEMA = "mktlib-ledger/2"

TYPES = ("fact", "reading", "forecast")
VERDICTS = ("supported", "partly supported", "contradicted", "inconclusive", "not testable")
RULE_STATUSES = ("registered", "post hoc")
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
EVALUATOR_MODULES: list[str] = [
    f"mktlib.verdicts.{m}" for m in ("episode", "leverage", "funding", "transmission", "macro", "flows")
]
LEDGER_FIELDS = [
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
    "statement",
    "quote",
]


# ------------------------------------------------------------------------------------------------
# registry (claims and measures) and protocol (parts, rules, provenance, thresholds, grids)


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
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class PartSpec:
    """One part of a claim as the protocol states it."""

    id: str
    claim: str
    type: str
    statement: str
    measures: tuple[str, ...]
    rule: str
    rule_status: str
    rule_set_on: str
    estimated: tuple[str, ...] = ()  # measures that are estimates: each needs an interval


@lru_cache(maxsize=1)
def registry() -> dict[str, Claim]:
    """All claims, by id, in the order of the claims brief."""
    raw = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))
    out: dict[str, Claim] = {}
    for r in raw:
        measures = tuple(Measure(str(m["id"]), str(m["unit"]), str(m["description"])) for m in r["measures"])
        c = Claim(
            str(r["id"]),
            str(r["article"]),
            str(r["title"]),
            str(r["claim"]),
            str(r["quote"]),
            str(r["chapter"]),
            measures,
        )
        if c.id in out:
            raise ValueError(f"{REGISTRY_PATH.name}: duplicate claim {c.id}")
        if c.chapter not in CHAPTERS:
            raise ValueError(f"{REGISTRY_PATH.name}: {c.id} has unknown chapter {c.chapter!r}")
        for m in measures:
            if not m.id.startswith(c.id + "."):
                raise ValueError(f"{REGISTRY_PATH.name}: measure {m.id} does not belong to {c.id}")
        out[c.id] = c
    return out


def protocol_files() -> list[Path]:
    """The file that makes the protocol (one: ``protocol.yaml``)."""
    return [PROTOCOL_PATH]


def protocol_sha256() -> str:
    """sha256 of ``protocol.yaml``'s bytes: ``sha256sum mktlib/protocol.yaml`` prints the same."""
    return hashlib.sha256(PROTOCOL_PATH.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def protocol() -> dict[str, Any]:
    """The frozen protocol: ``defaults``, ``articles`` and ``claims`` (claim id -> entry)."""
    pr = yaml.safe_load(PROTOCOL_PATH.read_text(encoding="utf-8"))
    _check_protocol(pr)
    return pr


def _check_protocol(pr: dict[str, Any]) -> None:
    reg = registry()
    seen: set[str] = set()
    for cid, entry in pr["claims"].items():
        where = f"protocol: claim {cid}"
        if cid not in reg:
            raise ValueError(f"{where} is not in the registry")
        measures = {m.id for m in reg[cid].measures}
        for p in entry.get("parts") or []:
            for k in ("id", "type", "statement", "measures", "rule", "rule_status", "rule_set_on"):
                if k not in p:
                    raise ValueError(f"{where}: part {p.get('id')} lacks {k!r}")
            if p["id"] in seen:
                raise ValueError(f"{where}: duplicate part id {p['id']}")
            seen.add(p["id"])
            if p["type"] not in TYPES:
                raise ValueError(f"{where}: part {p['id']} has type {p['type']!r}, not one of {TYPES}")
            if p["rule_status"] not in RULE_STATUSES:
                raise ValueError(f"{where}: part {p['id']} has rule_status {p['rule_status']!r}")
            if "before the results" in p["rule"] and p["rule_status"] != "registered":
                raise ValueError(f"{where}: part {p['id']} is post hoc but its rule says it was fixed before")
            unknown = set(p["measures"]) - measures
            if unknown:
                raise ValueError(f"{where}: part {p['id']} names measures not in the registry: {sorted(unknown)}")
            pd.Timestamp(str(p["rule_set_on"]))  # a date
        grid = entry.get("grid") or {}
        primary = entry.get("primary") or {}
        for k, values in grid.items():
            if k not in primary and k not in (entry.get("thresholds") or {}):
                raise ValueError(f"{where}: grid axis {k!r} has no primary value")
            if not isinstance(values, list) or not values:
                raise ValueError(f"{where}: grid axis {k!r} must be a non-empty list")


def parts(claim_id: str | None = None) -> list[PartSpec]:
    """The parts of one claim (or of all claims, in registry order) as the protocol states them."""
    pr = protocol()
    ids = [claim_id] if claim_id else list(registry())
    out = []
    for cid in ids:
        entry = pr["claims"].get(cid)
        if entry is None:  # not yet in the protocol: one part, the evaluator's rule
            out.append(
                PartSpec(
                    cid,
                    cid,
                    "unclassified",
                    registry()[cid].claim,
                    tuple(m.id for m in registry()[cid].measures),
                    _LEGACY_RULES.get(cid, ""),
                    "post hoc",
                    "2026-11-21",
                )
            )
            continue
        for p in entry["parts"]:
            out.append(
                PartSpec(
                    str(p["id"]),
                    cid,
                    str(p["type"]),
                    str(p["statement"]),
                    tuple(p["measures"]),
                    " ".join(str(p["rule"]).split()),
                    str(p["rule_status"]),
                    str(p["rule_set_on"]),
                    tuple(p.get("estimated") or ()),
                )
            )
    return out


def part_spec(part_id: str) -> PartSpec:
    for p in parts():
        if p.id == part_id:
            return p
    raise KeyError(f"no claim part {part_id!r} in the protocol")


def defaults() -> dict[str, Any]:
    """Protocol-wide settings: stability threshold, alpha, interval level, bootstrap reps and seed,
    tolerance, hindsight horizon."""
    return dict(protocol()["defaults"])


def articles() -> dict[str, dict[str, Any]]:
    """The four commentaries as the protocol describes them (date written, title, ...)."""
    return {str(k): v for k, v in protocol()["articles"].items()}


# ------------------------------------------------------------------------------------------------
# what an evaluator receives and returns


@dataclass(frozen=True)
class Adjusted:
    """A p-value with its Holm and Benjamini-Hochberg adjustments across the ledger's family."""

    p: float
    p_holm: float
    p_bh: float


class Spec(Mapping):
    """One specification: the claim's thresholds overridden by its analyst choices (primary values or
    one combination of the grid). ``spec["window_shift"]``; ``spec.primary`` (True for the primary
    specification); ``spec.adjusted(test_id, p)`` (Holm/BH adjusted across the ledger family, with
    this test's p-value substituted)."""

    def __init__(self, claim: str, values: dict[str, Any], primary: bool, family: pd.Series | None = None) -> None:
        self.claim = claim
        self._values = dict(values)
        self.primary = primary
        self._family = family

    def __getitem__(self, k: str) -> Any:
        try:
            return self._values[k]
        except KeyError:
            raise KeyError(f"{self.claim}: the protocol gives no threshold or choice {k!r}") from None

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Spec({self.claim}, {self._values}, primary={self.primary})"

    @property
    def defaults(self) -> dict[str, Any]:
        return defaults()

    def adjusted(self, test_id: str, p: float) -> Adjusted:
        if self._family is None:  # first pass: the family is being collected
            return Adjusted(float(p), float(p), float(p))
        fam = self._family.copy()
        fam[test_id] = float(p)
        adj = inference.adjust_pvalues(fam)
        return Adjusted(float(p), float(adj.loc[test_id, "p_holm"]), float(adj.loc[test_id, "p_bh"]))


@dataclass
class Part:
    """The verdict of one part under one specification.

    ``statistic`` is the deciding number (drawn in the specification curve against ``threshold``);
    ``inputs`` are the arguments of the part's registered rule function (:func:`rule`), which must
    give ``verdict`` from them.
    """

    verdict: str
    reason: str
    statistic: float | None = None
    threshold: float | None = None
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Test:
    """A p-value that feeds a verdict. ``measure`` ties it to a ledger row; ``mde`` (in the measure's
    units) or ``power_note`` says what the test could have detected."""

    p: float
    description: str
    measure: str | None = None
    mde: float | None = None
    power_note: str = ""


Value = float | int | bool | str | date | None


@dataclass
class Evaluation:
    """Everything an evaluator returns for one specification: ``values`` (measure id -> value, None =
    not measurable), ``parts`` (part id -> :class:`Part`), ``intervals`` (measure id -> (low, high) at
    the protocol's level), ``tests`` (test id -> :class:`Test`)."""

    values: dict[str, Value]
    parts: dict[str, Part] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    tests: dict[str, Test] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # legacy single-verdict form (evaluators not yet ported to parts)
    verdict: str | None = None
    reason: str = ""


EVALUATORS: dict[str, Callable[[Spec], Evaluation]] = {}
RULE_FUNCTIONS: dict[str, Callable[..., str]] = {}
INPUT_SPACES: dict[str, Callable[[], pd.DataFrame]] = {}
_LEGACY: set[str] = set()
_LEGACY_RULES: dict[str, str] = {}


def evaluator(claim_id: str, rule: str | None = None) -> Callable:
    """Decorator registering the function that measures ``claim_id`` under a :class:`Spec`.

    (``rule=`` is the legacy form: a zero-argument function with its rule in words.)
    """

    def deco(fn: Callable) -> Callable:
        if (
            claim_id in EVALUATORS
            and getattr(EVALUATORS[claim_id], "__wrapped_fn__", None) is not fn
            and EVALUATORS[claim_id] is not fn
        ):
            raise ValueError(f"claim {claim_id} already has an evaluator")
        if rule is not None:
            _LEGACY.add(claim_id)
            _LEGACY_RULES[claim_id] = " ".join(rule.split())

            def wrapped(spec: Spec) -> Evaluation:
                return fn()

            wrapped.__wrapped_fn__ = fn  # type: ignore[attr-defined]
            EVALUATORS[claim_id] = wrapped
        else:
            EVALUATORS[claim_id] = fn
        return fn

    return deco


def rule(part_id: str) -> Callable:
    """Decorator registering a part's verdict rule as a pure function of named inputs (returns a
    verdict). The framework checks that the evaluator's verdict equals ``fn(**part.inputs)`` and
    :func:`reachability` runs it over the part's input space."""

    def deco(fn: Callable[..., str]) -> Callable[..., str]:
        RULE_FUNCTIONS[part_id] = fn
        return fn

    return deco


def input_space(part_id: str) -> Callable:
    """Decorator registering a function that returns the inputs a part's rule could see on the real
    data (a DataFrame whose columns are the rule's arguments, e.g. the same statistics over every
    comparable window of the history)."""

    def deco(fn: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
        INPUT_SPACES[part_id] = fn
        return fn

    return deco


def _load_evaluators() -> None:
    for mod in EVALUATOR_MODULES:
        importlib.import_module(mod)


# ------------------------------------------------------------------------------------------------
# running the framework


def specifications(claim_id: str) -> list[dict[str, Any]]:
    """Every specification of a claim: the primary first, then each combination of the grid that
    differs from it (full factorial over the grid axes)."""
    entry = protocol()["claims"].get(claim_id) or {}
    base = {**(entry.get("thresholds") or {}), **(entry.get("primary") or {})}
    grid = entry.get("grid") or {}
    specs = [base]
    if grid:
        keys = list(grid)
        for combo in itertools.product(*(grid[k] for k in keys)):
            s = {**base, **dict(zip(keys, combo, strict=True))}
            if s != base:
                specs.append(s)
    return specs


def _check(claim_id: str, ev: Evaluation, spec: Spec) -> Evaluation:
    claim = registry()[claim_id]
    expected = {m.id for m in claim.measures}
    if set(ev.values) != expected:
        raise ValueError(
            f"{claim_id}: evaluator returned measures {sorted(ev.values)}, registry has {sorted(expected)}"
        )
    if isinstance(ev.parts, str):  # legacy positional form (values, verdict, reason)
        ev.verdict, ev.reason, ev.parts, ev.intervals = ev.parts, str(ev.intervals), {}, {}
    if ev.verdict is not None and not ev.parts:  # legacy form
        ev.parts = {claim_id: Part(ev.verdict, ev.reason)}
    want = [p.id for p in parts(claim_id)]
    if sorted(ev.parts) != sorted(want):
        raise ValueError(f"{claim_id}: evaluator returned parts {sorted(ev.parts)}, protocol has {sorted(want)}")
    for pid, p in ev.parts.items():
        if p.verdict not in VERDICTS:
            raise ValueError(f"{claim_id}: part {pid} verdict {p.verdict!r} not in {VERDICTS}")
        if not p.reason:
            raise ValueError(f"{claim_id}: part {pid} needs its reason (how the rule applied)")
        if pid in RULE_FUNCTIONS:
            got = RULE_FUNCTIONS[pid](**p.inputs)
            if got != p.verdict:
                raise ValueError(
                    f"{claim_id}: part {pid} says {p.verdict!r} but its registered rule gives "
                    f"{got!r} on its inputs {p.inputs}"
                )
    if spec.primary:
        for ps in parts(claim_id):
            for m in ps.estimated:
                if ev.values.get(m) is not None and m not in ev.intervals:
                    raise ValueError(f"{claim_id}: {m} is an estimate (part {ps.id}) and needs an interval")
        for tid, t in ev.tests.items():
            if not (0 <= t.p <= 1):
                raise ValueError(f"{claim_id}: test {tid} has p-value {t.p}")
            if t.mde is None and not t.power_note:
                raise ValueError(f"{claim_id}: test {tid} must say what it could detect (mde or power_note)")
    return ev


def _run(claim_id: str, values: dict[str, Any], primary: bool, family: pd.Series | None) -> Evaluation:
    spec = Spec(claim_id, values, primary, family)
    return _check(claim_id, EVALUATORS[claim_id](spec), spec)


@dataclass
class LedgerResult:
    """The evaluated ledger: ``primary`` (claim -> primary Evaluation), ``grid`` (one row per part and
    specification: ``claim, part, spec`` (JSON of the choices), ``verdict``, ``statistic``,
    ``threshold``, ``primary``), ``family`` (test id -> p, p_holm, p_bh, claim, measure, mde,
    power_note, description), ``summary`` (one row per part), ``protocol_sha256``."""

    primary: dict[str, Evaluation]
    grid: pd.DataFrame
    family: pd.DataFrame
    summary: pd.DataFrame
    protocol_sha256: str


def _compute(claim_ids: Iterable[str] | None = None) -> LedgerResult:
    _load_evaluators()
    ids = list(claim_ids) if claim_ids else list(registry())
    missing = [c for c in ids if c not in EVALUATORS]
    if missing:
        raise ValueError(f"claims without an evaluator: {missing}")
    specs = {cid: specifications(cid) for cid in ids}
    # pass 1: primary specifications, collecting the family of p-values
    first = {cid: _run(cid, specs[cid][0], True, None) for cid in ids}
    fam_rows = {
        tid: {
            "claim": cid,
            "p": t.p,
            "measure": t.measure,
            "mde": t.mde,
            "power_note": t.power_note,
            "description": t.description,
        }
        for cid, ev in first.items()
        for tid, t in ev.tests.items()
    }
    family = pd.DataFrame.from_dict(
        fam_rows, orient="index", columns=["claim", "p", "measure", "mde", "power_note", "description"]
    )
    pser = family["p"].astype(float) if len(family) else pd.Series(dtype=float)
    if len(family):
        adj = inference.adjust_pvalues(pser)
        family["p_holm"], family["p_bh"] = adj["p_holm"], adj["p_bh"]
    else:
        family["p_holm"], family["p_bh"] = [], []
    # pass 2: claims with tests again (their rules read adjusted p-values), then every grid spec
    primary = {cid: (_run(cid, specs[cid][0], True, pser) if first[cid].tests else first[cid]) for cid in ids}
    rows = []
    for cid in ids:
        for i, s in enumerate(specs[cid]):
            ev = primary[cid] if i == 0 else _run(cid, s, False, pser)
            key = json.dumps({k: _plain(v) for k, v in s.items()}, sort_keys=True)
            for pid, p in ev.parts.items():
                rows.append(
                    {
                        "claim": cid,
                        "part": pid,
                        "spec": key,
                        "primary": i == 0,
                        "verdict": p.verdict,
                        "statistic": _num(p.statistic),
                        "threshold": _num(p.threshold),
                    }
                )
    grid = pd.DataFrame(rows, columns=["claim", "part", "spec", "primary", "verdict", "statistic", "threshold"])
    summary = _summarise(primary, grid)
    return LedgerResult(primary, grid, family, summary, protocol_sha256())


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _summarise(primary: dict[str, Evaluation], grid: pd.DataFrame) -> pd.DataFrame:
    thr = float(defaults().get("stability_threshold", 2 / 3))
    out = []
    for cid, ev in primary.items():
        for ps in parts(cid):
            pv = ev.parts[ps.id].verdict
            g = grid[grid["part"] == ps.id]
            n = len(g)
            counts = g["verdict"].value_counts().to_dict()
            stab = counts.get(pv, 0) / n if n > 1 else None
            verdict = pv
            if stab is not None and stab < thr - 1e-12 and pv != "not testable":
                verdict = "inconclusive"
            out.append(
                {
                    "claim": cid,
                    "part": ps.id,
                    "type": ps.type,
                    "statement": ps.statement,
                    "verdict": verdict,
                    "primary_verdict": pv,
                    "stability": stab,
                    "n_specifications": n,
                    "verdict_counts": counts,
                    "reason": ev.parts[ps.id].reason,
                    "rule": ps.rule,
                    "rule_status": ps.rule_status,
                    "rule_set_on": ps.rule_set_on,
                }
            )
    return pd.DataFrame(out)


def _cache_key() -> str:
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*")):
        if p.suffix in {".py", ".yaml"} and p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(PACKAGE_DIR).as_posix().encode())
            h.update(p.read_bytes())
    h.update(str(os.environ.get("MKTLIB_DATA", "")).encode())
    return h.hexdigest()[:20]


def _cache_path() -> Path:
    from mktlib.data.cache import cache_dir

    return cache_dir() / f"ledger-{_cache_key()}.pkl"


_MEMO: dict[str, LedgerResult] = {}


def result(*, use_cache: bool = True) -> LedgerResult:
    """The whole ledger, evaluated once: from memory, else from the on-disk cache (keyed by the sha256
    of mktlib's code and YAML, which include the protocol and the data catalogue with every file's
    sha256), else computed and cached. ``use_cache=False`` recomputes (and rewrites the cache)."""
    key = _cache_key()
    if use_cache and key in _MEMO:
        return _MEMO[key]
    path = _cache_path()
    if use_cache and path.exists():
        try:
            res = pickle.loads(path.read_bytes())
            if isinstance(res, LedgerResult):
                _MEMO[key] = res
                return res
        except Exception:  # a corrupt or stale pickle: recompute
            pass
    res = _compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(pickle.dumps(res))
    os.replace(tmp, path)
    _MEMO[key] = res
    return res


def evaluate(claim_id: str) -> Evaluation:
    """The primary evaluation of one claim (from the cached ledger)."""
    return result().primary[claim_id]


def stability(claim_or_part: str) -> pd.DataFrame:
    """Summary rows (verdict, primary verdict, stability, counts) of a claim's parts or of one part."""
    s = result().summary
    return s[(s["claim"] == claim_or_part) | (s["part"] == claim_or_part)].reset_index(drop=True)


def spec_curve(part_id: str) -> pd.DataFrame:
    """The part's deciding statistic and verdict under every specification, sorted by the statistic,
    with the analyst choices as columns (the data of the specification-curve figure)."""
    g = result().grid
    g = g[g["part"] == part_id]
    if g.empty:
        raise KeyError(f"no specifications for part {part_id!r}")
    choices = pd.DataFrame([json.loads(s) for s in g["spec"]], index=g.index)
    varied = [c for c in choices if choices[c].astype(str).nunique() > 1]
    out = pd.concat([g[["statistic", "threshold", "verdict", "primary"]], choices[varied]], axis=1)
    return out.sort_values("statistic", kind="stable", na_position="last").reset_index(drop=True)


def tallies() -> pd.DataFrame:
    """Parts counted by type (rows) and published verdict (columns)."""
    s = result().summary
    t = pd.crosstab(s["type"], s["verdict"]).reindex(columns=list(VERDICTS), fill_value=0)
    return t.reindex([x for x in (*TYPES, "unclassified") if x in t.index])


def family() -> pd.DataFrame:
    """Every registered p-value with its Holm and BH adjustment across the ledger."""
    return result().family.copy()


# ------------------------------------------------------------------------------------------------
# the ledger as data


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
    """One row per measure of each claim part, with the columns of ``LEDGER_FIELDS``
    (``shared/briefs/verdicts.md`` section 8). A part without measures gets one row with
    ``measure`` None."""
    res = result()
    fam = res.family
    summ = res.summary.set_index("part")
    reg = registry()
    rows = []
    for cid, claim in reg.items():
        if claim_ids and cid not in claim_ids:
            continue
        ev = res.primary[cid]
        units = {m.id: m.unit for m in claim.measures}
        for ps in parts(cid):
            s = summ.loc[ps.id]
            for mid in ps.measures or (None,):
                t = fam[fam["measure"] == mid] if mid is not None and len(fam) else fam.iloc[:0]
                lo, hi = ev.intervals.get(mid, (None, None)) if mid else (None, None)
                rows.append(
                    {
                        "claim": cid,
                        "part": ps.id,
                        "type": ps.type,
                        "measure": mid,
                        "value": _plain(ev.values[mid]) if mid else None,
                        "unit": units.get(mid),
                        "interval_low": _num(lo),
                        "interval_high": _num(hi),
                        "p_value": _num(t["p"].iloc[0]) if len(t) else None,
                        "p_holm": _num(t["p_holm"].iloc[0]) if len(t) else None,
                        "p_bh": _num(t["p_bh"].iloc[0]) if len(t) else None,
                        "verdict": s["verdict"],
                        "primary_verdict": s["primary_verdict"],
                        "stability": _num(s["stability"]),
                        "n_specifications": int(s["n_specifications"]),
                        "rule": ps.rule,
                        "rule_status": ps.rule_status,
                        "rule_set_on": ps.rule_set_on,
                        "reason": s["reason"],
                        "chapter": claim.chapter,
                        "article": claim.article,
                        "title": claim.title,
                        "statement": ps.statement,
                        "quote": claim.quote,
                    }
                )
    return pd.DataFrame(rows, columns=LEDGER_FIELDS)


def export(fmt: str = "json", claim_ids: list[str] | None = None) -> str:
    """The ledger as ``json`` (an object: ``schema``, ``protocol_sha256``, ``rows``), ``csv`` (the same
    columns) or ``markdown`` text."""
    led = ledger(claim_ids)
    rows = led.astype(object).where(led.notna(), None).to_dict(orient="records")
    if fmt == "json":
        return (
            json.dumps(
                {"schema": SCHEMA, "protocol_sha256": result().protocol_sha256, "rows": rows},
                indent=1,
                ensure_ascii=False,
            )
            + "\n"
        )
    if fmt == "csv":
        buf = io.StringIO()
        led.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    if fmt == "markdown":
        cols = ["claim", "part", "type", "measure", "value", "unit", "verdict", "stability", "rule_status"]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in led[cols].itertuples(index=False):
            lines.append("| " + " | ".join("" if v is None or v != v else str(v) for v in r) + " |")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r}; use json, csv or markdown")


def claims_table() -> pd.DataFrame:
    """One row per claim part: claim, part, type, article, title, statement, quote, chapter, verdict,
    primary_verdict, stability, n_specifications, rule, rule_status, rule_set_on, reason."""
    s = result().summary
    reg = registry()
    s = s.assign(
        article=s["claim"].map(lambda c: reg[c].article),
        title=s["claim"].map(lambda c: reg[c].title),
        quote=s["claim"].map(lambda c: reg[c].quote),
        chapter=s["claim"].map(lambda c: reg[c].chapter),
    )
    return s[
        [
            "claim",
            "part",
            "type",
            "article",
            "title",
            "statement",
            "quote",
            "chapter",
            "verdict",
            "primary_verdict",
            "stability",
            "n_specifications",
            "rule",
            "rule_status",
            "rule_set_on",
            "reason",
        ]
    ]


def rule_of(part_or_claim: str) -> str:
    """The rule in words of a part (or the rules of a claim's parts, one per line)."""
    ps = [p for p in parts() if p.id == part_or_claim] or parts(part_or_claim)
    return "\n".join(p.rule for p in ps)


def provenance_label(ps: PartSpec) -> str:
    """How a rule is labelled wherever it is printed: "registered (fixed before any result was
    computed)" or "post hoc (set on <date>, after results had been seen)"."""
    if ps.rule_status == "registered":
        return "registered (fixed before any result was computed)"
    return f"post hoc (set on {ps.rule_set_on}, after results had been seen)"


def load_json(text: str) -> dict[str, Any]:
    """Parse an exported JSON ledger (for round-trip checks)."""
    return json.loads(text)


# ------------------------------------------------------------------------------------------------
# rules that cannot fail


def base_rates(part_id: str) -> dict[str, float]:
    """How often the part's rule gives each verdict over its input space (the inputs it would see at the
    other dates or windows of the history): for a forecast, how often the same rule would have called it
    right by chance. Empty for a part without an input space.

    >>> sorted(base_rates("A8a")) == sorted(set(base_rates("A8a")))
    True
    """
    _load_evaluators()
    if part_id not in INPUT_SPACES or part_id not in RULE_FUNCTIONS:
        return {}
    fn, space = RULE_FUNCTIONS[part_id], INPUT_SPACES[part_id]()
    outs = [
        fn(**{k: _plain(v) if not isinstance(v, float) else v for k, v in r.items()})
        for r in space.to_dict(orient="records")
    ]
    if not outs:
        return {}
    return {v: outs.count(v) / len(outs) for v in sorted(set(outs))}


def reachability() -> pd.DataFrame:
    """For each part with a registered rule function: the outcomes the rule reaches over its input
    space (``input_space``: the inputs it could see on the real data) and over the specification grid.
    Columns ``part, type, n_inputs, reachable, grid_verdicts, source``."""
    _load_evaluators()
    res = result()
    out = []
    for ps in parts():
        fn = RULE_FUNCTIONS.get(ps.id)
        gv = sorted(set(res.grid.loc[res.grid["part"] == ps.id, "verdict"]))
        if fn is None:
            out.append(
                {
                    "part": ps.id,
                    "type": ps.type,
                    "n_inputs": 0,
                    "reachable": None,
                    "grid_verdicts": gv,
                    "source": "no rule function",
                }
            )
            continue
        if ps.id in INPUT_SPACES:
            space = INPUT_SPACES[ps.id]()
            src = "input space"
        else:
            space = pd.DataFrame([res.primary[ps.claim].parts[ps.id].inputs])
            src = "primary inputs only"
        reach = sorted(
            {
                fn(**{k: _plain(v) if not isinstance(v, float) else v for k, v in r.items()})
                for r in space.to_dict(orient="records")
            }
        )
        out.append(
            {
                "part": ps.id,
                "type": ps.type,
                "n_inputs": len(space),
                "reachable": reach,
                "grid_verdicts": gv,
                "source": src,
            }
        )
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------------------------
# HTML for the book


def _esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def fmt_value(value: Value, unit: str | None) -> str:
    """A ledger value for people: fractions as percentages, large numbers with separators."""
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = isinstance(value, (int, float))
    if number and unit in ("fraction", "annualised fraction", "fraction per year"):
        s = f"{value:+.2%}" if abs(value) < 1 else f"{value:.1%}"
        return s + (" a year" if unit != "fraction" else "")
    if number and unit in ("correlation", "beta", "ratio", "p-value"):
        if unit == "p-value" or (value != 0 and abs(value) < 0.01):
            return f"{value:.3g}"
        return f"{value:.2f}"
    if number and unit == "pp":
        return f"{100 * value:+.1f} pp"
    if number and unit == "percent":
        return f"{value:.1f}%"
    if isinstance(value, float):
        a = abs(value)
        if a < 1e-9:  # a rounding residue (e.g. 2.27e-13 million dollars) is zero to a reader
            s = "0"
        elif a >= 1000:
            s = f"{value:,.0f}"
        elif a >= 1:
            s = f"{value:,.2f}".rstrip("0").rstrip(".") if unit in ("hours", "index points") else f"{value:,.4g}"
        else:
            s = f"{value:.4f}".rstrip("0").rstrip(".") if a >= 1e-4 else f"{value:.2g}"
        words = {"USD millions": "million USD", "USD trillion": "trillion USD"}
        unit = words.get(unit, unit)
        return f"{s} {unit}" if unit and unit != "none" else s
    if unit in (None, "date", "category", "boolean", "none", "count", "UTC time"):
        return str(value)
    return f"{value} {unit}"


def _fmt(value: Value, unit: str) -> str:  # kept for the notebooks written before fmt_value
    return fmt_value(value, unit)


def verdict_badge(verdict: str, primary: str | None = None) -> str:
    """The verdict as a coloured badge (with the primary verdict beside an inconclusive one)."""
    from mktlib.plotting import VERDICT_COLORS

    color = VERDICT_COLORS[verdict]
    b = (
        f'<span class="verdict verdict-{verdict.replace(" ", "-")}" style="background:{color};color:white;'
        f'padding:1px 6px;border-radius:4px;white-space:nowrap">{_esc(verdict)}</span>'
    )
    if primary and primary != verdict:
        b += f"<br><small>primary specification: {_esc(primary)}</small>"
    return b


def _interval_text(lo: Any, hi: Any, unit: str | None) -> str:
    if lo is None or hi is None or (isinstance(lo, float) and lo != lo):
        return ""
    return f" [{fmt_value(lo, unit)}, {fmt_value(hi, unit)}]"


@functools.cache
def _descriptions() -> dict[str, str]:
    return {m.id: m.description for c in registry().values() for m in c.measures}


def _short_description(measure: str) -> str:
    """A measure for people: its registry description (at most about 160 characters, cut at a word),
    with internal words removed; the full text and the id stay in the HTML title.

    >>> _short_description("K3.etf_flow_20nov")
    'Total US spot-bitcoin ETF net flow (sum over funds) on US trading day 2025-11-20 (claim: about -900)'
    """
    d = " ".join(_descriptions().get(measure, measure).split())
    if len(d) > 160:
        d = d[:157].rsplit(" ", 1)[0] + "..."
    return cite(d)


def _folded(lines: list[str], keep: int = 2) -> str:
    """Measure lines for a card: the first ``keep`` shown, the rest folded in a ``<details>`` block."""
    if len(lines) <= keep + 1:
        return "<br>".join(lines)
    rest = "<br>".join(lines[keep:])
    return "<br>".join(lines[:keep]) + f"<details><summary>{len(lines) - keep} more measures</summary>{rest}</details>"


_GAP = re.compile(r"\bminus\b", re.I)


def display_unit(measure: str, unit: str | None) -> str | None:
    """The unit a measure is shown in: a difference of two fractions (its description says "minus",
    and it is not an abnormal return) is shown in percentage points (``"pp"``), anything else in its own
    unit.

    >>> display_unit("K6.zec_vs_btc_sep_nov", "fraction"), display_unit("K4.mstr_abnormal", "fraction")
    ('pp', 'fraction')
    """
    d = _descriptions().get(measure, "")
    if unit == "fraction" and _GAP.search(d) and "abnormal" not in d.lower():
        return "pp"
    return unit


def _measure_lines(rows: pd.DataFrame, *, bh: bool) -> list[str]:
    """HTML lines for a part's ledger rows: measure = value [interval] (p; Holm[; BH])."""
    out = []
    for r in rows.itertuples():
        if r.measure is None:
            continue
        unit = display_unit(r.measure, r.unit)
        t = (
            f'<span class="mktlib-measure" title="{_esc(r.measure)}: {_esc(cite(_descriptions().get(r.measure, "")))}">'
            f"{_esc(_short_description(r.measure))}</span>"
            f" = {_esc(fmt_value(r.value, unit))}"
        )
        t += _esc(_interval_text(r.interval_low, r.interval_high, unit))
        if r.p_value is not None and r.p_value == r.p_value:
            t += f" (p {r.p_value:.3g}; Holm {r.p_holm:.3g}" + (f"; BH {r.p_bh:.3g})" if bh else ")")
        out.append(t)
    return out


def render_html(page_dir: str = "notebooks") -> str:
    """The full ledger as an HTML table: one row per claim part, with type, statement and quote, the
    measures (value, interval, adjusted p), the verdict badge, stability, the rule with its provenance
    label, and a link to the claim's section. Columns sort on a click and a box filters rows (a few
    lines of plain JavaScript); without JavaScript the table reads as it is."""
    led = ledger()
    summ = result().summary.set_index("part")
    depth = "../" * len([p for p in page_dir.split("/") if p])
    reg = registry()
    arts = articles()
    chapters = list(dict.fromkeys(CHAPTERS[reg[ps.claim].chapter][0] for ps in parts()))

    def select(key: str, label: str, options: list[tuple[str, str]]) -> str:
        opts = "".join(f'<option value="{_esc(v)}">{_esc(t)}</option>' for v, t in options)
        return (
            f'<label style="margin-right:10px"><small>{_esc(label)}</small> <select class="mktlib-select" '
            f'data-key="{key}" onchange="mktlibFilter(this)"><option value="">all</option>{opts}</select></label>'
        )

    out = [
        '<div class="mktlib-controls">',
        '<input type="search" class="mktlib-filter" placeholder="filter rows (claim, article, type, verdict...)"'
        ' oninput="mktlibFilter(this)" style="width:100%;margin:4px 0">',
        select("type", "type", [(t, t) for t in TYPES]),
        select("verdict", "verdict", [(v, v) for v in VERDICTS]),
        select("article", "commentary", [(a, v["short"]) for a, v in sorted(arts.items())]),
        select("chapter", "chapter", [(c, c) for c in chapters]),
        select("stability", "stability at least", [("0.667", "two thirds"), ("0.9", "90%"), ("1", "100%")]),
        "</div>",
        '<table class="mktlib-ledger mktlib-sortable"><thead><tr><th>part</th><th>type</th><th>article</th>'
        "<th>what was said</th><th>measured</th><th>verdict</th><th>stability</th><th>rule</th></tr></thead><tbody>",
    ]
    for ps in parts():
        claim = reg[ps.claim]
        rows = led[led["part"] == ps.id]
        s = summ.loc[ps.id]
        title, doc = CHAPTERS[claim.chapter]
        measured = _measure_lines(rows, bh=True)
        stab = s["stability"]
        stab_txt = (
            "one specification" if stab is None or stab != stab else f"{stab:.0%} of {int(s['n_specifications'])}"
        )
        out.append(
            f'<tr id="claim-{ps.id}" data-type="{_esc(ps.type)}" data-verdict="{_esc(s["verdict"])}" '
            f'data-article="{_esc(" ".join(a.strip() for a in claim.article.split(",")))}" '
            f'data-chapter="{_esc(title)}" data-stability="{"1" if stab is None or stab != stab else f"{stab:.3f}"}">'
            f'<td data-sort="{_esc(ps.id)}"><b>{_esc(ps.id)}</b></td>'
            f"<td>{_esc(ps.type)}</td><td><small>{_esc(article_names(claim.article))}</small></td>"
            f"<td><b>{_esc(cite(ps.statement))}</b><br><i>&ldquo;{_esc(claim.quote)}&rdquo;</i></td>"
            f"<td><small>{'<br>'.join(measured) or 'n/a'}</small></td>"
            f'<td data-sort="{_esc(s["verdict"])}">{verdict_badge(s["verdict"], s["primary_verdict"])}'
            f"<br><small>{_esc(cite(s['reason']))}</small></td>"
            f'<td data-sort="{"" if stab is None or stab != stab else f"{stab:.3f}"}">{_esc(stab_txt)}</td>'
            f"<td><small><b>{_esc(provenance_label(ps))}</b></small><details><summary><small>rule</small></summary>"
            f"<small>{_esc(cite(ps.rule))}</small></details>"
            f'<small><a href="{depth}{doc}.html#claim-{ps.claim.lower()}">{_esc(title)}</a></small></td></tr>'
        )
    out.append("</tbody></table>")
    out.append(_TABLE_JS)
    return "\n".join(out)


_TABLE_JS = """<script>
function mktlibFilter(el){var c=el.closest('.mktlib-controls')||el.parentNode;var t=c.nextElementSibling;
while(t&&t.tagName!=='TABLE'){t=t.nextElementSibling;}if(!t){return;}
var box=c.querySelector('.mktlib-filter');var q=box?box.value.toLowerCase():'';
var sel=Array.from(c.querySelectorAll('select.mktlib-select')).filter(function(s){return s.value!=='';});
for(const r of t.tBodies[0].rows){var ok=!q||r.textContent.toLowerCase().includes(q);
 sel.forEach(function(s){var k=s.dataset.key,v=r.dataset[k]||'';
  if(k==='stability'){ok=ok&&parseFloat(v)>=parseFloat(s.value)-1e-9;}
  else if(k==='article'){ok=ok&&v.split(' ').indexOf(s.value)>=0;}else{ok=ok&&v===s.value;}});
 r.style.display=ok?'':'none';}}
document.querySelectorAll('table.mktlib-sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,i){th.style.cursor='pointer';th.title='sort';
  th.addEventListener('click',function(){var b=t.tBodies[0];var rs=Array.from(b.rows);
   var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
   rs.sort(function(x,y){var a=x.cells[i].dataset.sort||x.cells[i].textContent;
    var c=y.cells[i].dataset.sort||y.cells[i].textContent;var na=parseFloat(a),nc=parseFloat(c);
    var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);return asc?r:-r;});
   rs.forEach(function(r){b.appendChild(r);});});});});
</script>"""


def render_summary_html(page_dir: str = "notebooks") -> str:
    """A compact ledger: one row per claim part with its type, statement, verdict badge, stability,
    provenance and a link to the claim's section; grouped by type, then verdict."""
    depth = "../" * len([p for p in page_dir.split("/") if p])
    table = claims_table()
    order = {v: i for i, v in enumerate(VERDICTS)}
    torder = {t: i for i, t in enumerate(TYPES)}
    table = table.assign(_t=table["type"].map(torder).fillna(9), _o=table["verdict"].map(order)).sort_values(
        ["_t", "_o"], kind="stable"
    )
    out = [
        '<table class="mktlib-ledger-summary mktlib-sortable"><thead><tr><th>part</th><th>type</th>'
        "<th>what was said</th><th>verdict</th><th>stability</th><th>rule</th><th>discussed in</th>"
        "</tr></thead><tbody>"
    ]
    for r in table.itertuples():
        title, doc = CHAPTERS[r.chapter]
        stab = "" if r.stability is None or r.stability != r.stability else f"{r.stability:.0%}"
        out.append(
            f'<tr><td><a href="#claim-{_esc(r.part)}"><b>{_esc(r.part)}</b></a></td><td>{_esc(r.type)}</td>'
            f"<td>{_esc(cite(r.statement))}</td><td>{verdict_badge(r.verdict, r.primary_verdict)}</td>"
            f"<td>{stab}</td><td><small>{_esc(r.rule_status)}</small></td>"
            f'<td><a href="{depth}{doc}.html#claim-{r.claim.lower()}">{_esc(title)}</a></td></tr>'
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def article_names(article: str) -> str:
    """The commentaries a claim comes from, by title (never by file number): "003, 001" ->
    '"Global big dump, what exactly happened?"; "ETF & DAT double kill"'."""
    arts = articles()
    return "; ".join(
        f"\u201c{arts[a.strip()]['title']}\u201d" if a.strip() in arts else a.strip() for a in article.split(",")
    )


#: The page that shows every part's specification curve (anchors ``curve-<part>``).
SPEC_CURVES_PAGE = "notebooks/11-spec-curves"
_ARTICLE_REF = re.compile(r"\b([Aa])rticles? (\d{3})\b")


def cite(text: str) -> str:
    """Reader text with the commentaries cited by their short title, never by file number, and without
    the project's internal words ("claims brief", "registry"):
    ``"as article 001 was written"`` -> ``'as "ETF & DAT double kill" was written'``.

    >>> cite("BTC had jumped back above $90,000 when article 000 was written")
    'BTC had jumped back above $90,000 when “Back above $90,000” was written'
    """
    arts = articles()

    def sub(m: re.Match) -> str:
        a = arts.get(m.group(2))
        return f"\u201c{a['short']}\u201d" if a else m.group(0)

    out = _ARTICLE_REF.sub(sub, str(text))
    for pattern, plain_words in _JARGON:
        out = pattern.sub(plain_words, out)
    return out


#: Words of the project's internals that readers should not meet, and what the page says instead.
_JARGON = [
    (re.compile(r"\b(?:registered|fixed) in the claims brief\b"), "registered before the analysis"),
    (re.compile(r"\b([Tt])he claims brief registers\b"), r"\1he claims registered before the analysis give"),
    (re.compile(r"\bclaims brief registers\b"), "the claims registered before the analysis give"),
    (re.compile(r"\b([Tt])he claims brief\b"), r"\1he list of claims registered before the analysis"),
    (re.compile(r"\bclaims brief\b"), "the list of claims registered before the analysis"),
    (re.compile(r"\b([Tt])he brief's\b"), r"\1he registered"),
    (re.compile(r"\b([Tt])he registry's\b"), r"\1he registered"),
    (re.compile(r"\b([Tt])he registry\b"), r"\1he registered list"),
]


def claim_card(claim_id: str, page_dir: str = "notebooks") -> str:
    """One claim as an HTML card for the chapters, the epilogue and the ledger: the quote with its
    article, then per part its type and statement, the measures (formatted values, units, intervals,
    adjusted p-values), the verdict badge, the stability over the specification grid, the rule with its
    provenance label and the reason. Use ``display(HTML(claims.claim_card("D6")))``."""
    claim = registry()[claim_id]
    led = ledger([claim_id])
    summ = result().summary.set_index("part")
    depth = "../" * len([p for p in page_dir.split("/") if p])
    out = [
        f'<div class="mktlib-claim-card" id="card-{claim_id.lower()}" style="border:1px solid #ddd;'
        f'border-radius:6px;padding:8px 12px;margin:8px 0">',
        f"<div><b>{_esc(claim_id)}: {_esc(claim.title)}</b></div>",
        f"<div><i>&ldquo;{_esc(claim.quote)}&rdquo;</i> <small>({_esc(article_names(claim.article))})</small></div>",
    ]
    for ps in parts(claim_id):
        s = summ.loc[ps.id]
        rows = led[led["part"] == ps.id]
        meas = _measure_lines(rows, bh=False)
        stab = s["stability"]
        counts = ", ".join(f"{k} {v}" for k, v in sorted(s["verdict_counts"].items(), key=lambda kv: -kv[1]))
        stab_txt = (
            "no analyst choice (one specification)"
            if stab is None or stab != stab
            else f"{stab:.0%} of {int(s['n_specifications'])} specifications give the primary verdict ({counts})"
        )
        curve = (
            ""
            if stab is None or stab != stab
            else f' (<a href="{depth}{SPEC_CURVES_PAGE}.html#curve-{ps.id.lower()}">specification curve</a>)'
        )
        out.append(
            f'<div style="margin-top:6px;padding-left:8px;border-left:3px solid #eee">'
            f"<div><b>{_esc(ps.id)}</b> <small>[{_esc(ps.type)}]</small> {_esc(cite(ps.statement))} &nbsp;"
            f"{verdict_badge(s['verdict'], s['primary_verdict'])}</div>"
            f"<div><small>{_folded(meas)}</small></div>"
            f"<div><small><b>Why:</b> {_esc(cite(s['reason']))}</small></div>"
            f"<div><small><b>Stability:</b> {_esc(stab_txt)}{curve}</small></div>"
            f"<details><summary><small>Rule: {_esc(provenance_label(ps))}</small></summary>"
            f"<small>{_esc(cite(ps.rule))}</small></details></div>"
        )
    out.append("</div>")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------
# the changes log


def changes_log() -> list[dict[str, Any]]:
    """The protocol's changes log (``protocol_changes.yaml``), oldest first."""
    return yaml.safe_load(CHANGES_PATH.read_text(encoding="utf-8")) or []


LOG_FIELDS = ("date", "claims", "old_rule", "new_rule", "why", "verdicts_moved")


def changes_table() -> pd.DataFrame:
    """The changes log for people: one row per entry with ``date, claims, old rule, new rule, why,
    verdicts moved`` as plain text (lists joined, mappings as ``key: value``, commentaries by name)."""

    def text(v: Any) -> str:
        if isinstance(v, dict):
            return "; ".join(f"{k}: {x}" for k, x in v.items())
        if isinstance(v, list):
            return ", ".join(map(str, v))
        return cite(" ".join(str(v).split()))

    rows = [{k.replace("_", " "): text(e.get(k, "")) for k in LOG_FIELDS} for e in changes_log()]
    return pd.DataFrame(rows, columns=[k.replace("_", " ") for k in LOG_FIELDS])


def check_changes_log(protocol_sha: str | None = None, log: list[dict[str, Any]] | None = None) -> None:
    """Raise ValueError unless every log entry has its fields and the last entry records the protocol's
    current sha256 (a change to the protocol without its entry fails here)."""
    protocol_sha = protocol_sha or protocol_sha256()
    log = changes_log() if log is None else log
    for i, e in enumerate(log):
        missing = [k for k in LOG_FIELDS if not e.get(k)]
        if missing:
            raise ValueError(f"{CHANGES_PATH.name}: entry {i + 1} lacks {missing}")
    recorded = [e.get("protocol_sha256") for e in log if e.get("protocol_sha256")]
    if not recorded or recorded[-1] != protocol_sha:
        raise ValueError(
            f"the protocol (sha256 {protocol_sha[:12]}...) changed without an entry in "
            f"{CHANGES_PATH.name}: add one (old rule, new rule, why, verdicts moved) recording "
            f"protocol_sha256: {protocol_sha}"
        )


# ------------------------------------------------------------------------------------------------
# what moved between two releases of the ledger


def _rows_of(doc: Any) -> list[dict[str, Any]]:
    """Rows of an exported ledger: the object of schema 2 (``rows``) or the plain list of the first
    release (one row per measure, one verdict per claim)."""
    if isinstance(doc, dict):
        if "rows" not in doc:
            raise ValueError("a ledger export must be a list of rows or an object with 'rows'")
        return doc["rows"]
    if isinstance(doc, list):
        return doc
    raise ValueError("a ledger export must be a list of rows or an object with 'rows'")


def diff(old: Any, new: Any, *, rel_tol: float = 1e-9) -> pd.DataFrame:
    """What moved from one ledger export to another (both as parsed JSON): one row per change with
    ``claim, kind, item, old, new``; ``kind`` is ``verdict`` (a claim's verdicts, by part where the ledger
    has parts), ``value`` (a measure whose value changed beyond ``rel_tol``), ``added`` or ``removed``
    (a measure present in one only), or ``rule status`` (a part's provenance).

    >>> a = [{"claim": "X1", "measure": "X1.m", "value": 1.0, "verdict": "supported"}]
    >>> b = {"rows": [{"claim": "X1", "part": "X1a", "measure": "X1.m", "value": 1.5, "verdict": "inconclusive"}]}
    >>> diff(a, b)[["kind", "old", "new"]].values.tolist()
    [['verdict', 'supported', 'X1a: inconclusive'], ['value', '1.0', '1.5']]
    """
    ro, rn = _rows_of(old), _rows_of(new)

    def verdicts(rows):
        out: dict[str, dict[str, str]] = {}
        for r in rows:
            out.setdefault(r["claim"], {})[r.get("part") or r["claim"]] = r["verdict"]
        return out

    def text(v: dict[str, str], claim: str) -> str:
        if list(v) == [claim]:
            return v[claim]
        return "; ".join(f"{p}: {x}" for p, x in v.items())

    vo, vn = verdicts(ro), verdicts(rn)
    out = []
    for cid in dict.fromkeys([*vo, *vn]):
        a, b = text(vo.get(cid, {}), cid), text(vn.get(cid, {}), cid)
        same_verdicts = (
            set(vo.get(cid, {}).values()) == set(vn.get(cid, {}).values()) and len(set(vo.get(cid, {}).values())) == 1
        )  # split into parts that all keep the verdict
        if a != b and not same_verdicts:
            out.append({"claim": cid, "kind": "verdict", "item": cid, "old": a or None, "new": b or None})
        mo = {r["measure"]: r.get("value") for r in ro if r["claim"] == cid and r.get("measure")}
        mn = {r["measure"]: r.get("value") for r in rn if r["claim"] == cid and r.get("measure")}
        for m in dict.fromkeys([*mo, *mn]):
            if m not in mn:
                out.append({"claim": cid, "kind": "removed", "item": m, "old": str(mo[m]), "new": None})
            elif m not in mo:
                out.append({"claim": cid, "kind": "added", "item": m, "old": None, "new": str(mn[m])})
            else:
                x, y = mo[m], mn[m]
                same = (x == y) or (
                    isinstance(x, (int, float))
                    and isinstance(y, (int, float))
                    and not isinstance(x, bool)
                    and math.isclose(x, y, rel_tol=rel_tol, abs_tol=1e-12)
                )
                if not same:
                    out.append({"claim": cid, "kind": "value", "item": m, "old": str(x), "new": str(y)})
        so = {r.get("part"): r.get("rule_status") for r in ro if r["claim"] == cid and r.get("rule_status")}
        sn = {r.get("part"): r.get("rule_status") for r in rn if r["claim"] == cid and r.get("rule_status")}
        for p in sn:
            if p in so and so[p] != sn[p]:
                out.append({"claim": cid, "kind": "rule status", "item": p, "old": so[p], "new": sn[p]})
    return pd.DataFrame(out, columns=["claim", "kind", "item", "old", "new"], dtype=object)
