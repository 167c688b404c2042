"""Every docstring example in mktlib runs and gives the shown result (and the sweep is not empty)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import mktlib


def _modules():
    names = ["mktlib"] + [
        m.name for m in pkgutil.walk_packages(mktlib.__path__, "mktlib.") if m.name != "mktlib.__main__"
    ]
    return [importlib.import_module(n) for n in names]


def _examples():
    finder = doctest.DocTestFinder()
    tests = []
    for mod in _modules():
        tests += [t for t in finder.find(mod) if t.examples]
    return tests


EXAMPLES = _examples()


def test_sweep_is_not_empty():
    assert len(EXAMPLES) >= 5, [t.name for t in EXAMPLES]


@pytest.mark.parametrize("test", EXAMPLES, ids=lambda t: t.name)
def test_docstring_example(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
