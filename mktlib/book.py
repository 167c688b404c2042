"""Helpers for the book's notebooks.

:func:`glue` wraps ``myst_nb.glue``: numbers are glued as plain Python numbers, so that
``{glue:text}`key:.1%``` can format them (NumPy 2 scalars print as ``np.float64(0.5)``, which
MyST-NB cannot format), and ``display`` defaults to False (the value appears only where the prose
uses it).

>>> import numpy as np
>>> plain(np.float64(0.25)), plain(np.int64(3)), plain(np.bool_(True)), plain("x")
(0.25, 3, True, 'x')
"""

from __future__ import annotations

from typing import Any

import numpy as np


def plain(value: Any) -> Any:
    """NumPy scalars as the Python number they hold; anything else unchanged."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def glue(name: str, value: Any, display: bool = False) -> None:
    """``myst_nb.glue(name, plain(value), display=display)``."""
    from myst_nb import glue as _glue

    _glue(name, plain(value), display=display)
