"""mktlib.book.glue hands MyST-NB plain Python numbers."""

from __future__ import annotations

import numpy as np

from mktlib import book


def test_glue_passes_plain_numbers(monkeypatch):
    import myst_nb

    seen = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: seen.update({name: (value, display)}))
    book.glue("x", np.float64(0.125))
    book.glue("n", np.int64(7), display=True)
    assert seen == {"x": (0.125, False), "n": (7, True)}
    assert type(seen["x"][0]) is float and type(seen["n"][0]) is int


def test_methods_page_cites_only_tests_that_exist():
    """Every `tests/x.py::test_y` (and every following `::test_z` of the same file) named on the methods
    page is a test function in that file."""
    import ast
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "book" / "methods.md").read_text(encoding="utf-8")
    defs = {
        f"tests/{p.name}": {n.name for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.FunctionDef)}
        for p in (root / "tests").glob("test_*.py")
    }
    current, missing, n = None, [], 0
    for m in re.finditer(r"`(tests/[a-z_0-9]+\.py)?::(test_[A-Za-z0-9_]+)", text):
        current = m.group(1) or current
        n += 1
        if m.group(2) not in defs.get(current, set()):
            missing.append(f"{current}::{m.group(2)}")
    assert n > 100 and missing == []


def _notebooks():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((root / "notebooks").glob("*.ipynb"))}


def test_notebooks_keep_only_calls_and_prose():
    """No notebook defines a function or a class: presentation lives in mktlib (tested there)."""
    import ast

    offenders = []
    for name, nb in _notebooks().items():
        for i, c in enumerate(nb["cells"]):
            if c["cell_type"] != "code":
                continue
            tree = ast.parse("".join(c["source"]))
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    offenders.append(f"{name} cell {i}: {node.name}")
    assert offenders == []


def test_no_code_on_the_page_and_key_results_hidden():
    """Every code cell hides its source (remove-input) or itself (remove-cell); the key-results cell that
    nbval checks is removed from the page; no figure is output except through mktlib.book.figure."""
    problems = []
    for name, nb in _notebooks().items():
        for i, c in enumerate(nb["cells"]):
            if c["cell_type"] != "code":
                continue
            tags = set(c.get("metadata", {}).get("tags", []))
            src = "".join(c["source"])
            if not tags & {"remove-input", "remove-cell"}:
                problems.append(f"{name} cell {i}: code shown on the page")
            if "NBVAL_CHECK_OUTPUT" in src and "remove-cell" not in tags:
                problems.append(f"{name} cell {i}: key-results cell visible")
            for o in c.get("outputs", []):
                data = o.get("data", {})
                if "image/png" in data or "image/svg+xml" in data:
                    problems.append(f"{name} cell {i}: a figure output not made by mktlib.book.figure")
    assert problems == []


def test_every_chapter_opens_with_its_bottom_line():
    """The chapters and the epilogue show the bottom-line box before any other output."""
    chapters = [n for n in _notebooks() if n[:2] in ("01", "02", "03", "04", "05", "06", "08")]
    assert len(chapters) == 7
    for name in chapters:
        nb = _notebooks()[name]
        shown = [
            "".join(c["source"])
            for c in nb["cells"]
            if c["cell_type"] == "code" and "remove-cell" not in c.get("metadata", {}).get("tags", [])
        ]
        assert shown and "book.bottom_line(" in shown[0], name


def test_every_figure_on_the_site_is_reproduced_by_one_line():
    """Every figure the notebooks publish (``<figure id="fig-NAME">`` in their outputs) has its data and its
    drawing in mktlib, and its download bar gives the line ``mktlib.charts.figure("NAME")``."""
    import re

    from mktlib import charts

    found = {}
    for nb in _notebooks().values():
        for c in nb["cells"]:
            for o in c.get("outputs", []):
                h = "".join(o.get("data", {}).get("text/html", []))
                for name in re.findall(r'<figure class="mktlib-figure" id="fig-([a-z0-9-]+)"', h):
                    found[name] = h
    assert len(found) >= 65  # 30 in the chapters, front page and appendix, 39 specification curves
    assert sorted(n for n in found if not charts.has_drawing(n)) == []
    assert sorted(n for n, h in found.items() if f"mktlib.charts.figure(&quot;{n}&quot;)" not in h) == []
