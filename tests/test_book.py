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
