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
