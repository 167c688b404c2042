"""The conda environment, pyproject.toml and the lock file list the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(spec: str) -> tuple[str, str]:
    spec = spec.split("#")[0].strip()
    m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    assert m, spec
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject(extras: bool = True) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    if extras:
        deps += [d for group in project.get("optional-dependencies", {}).values() for d in group]
    return dict(_norm(d) for d in deps)


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for d in env["dependencies"]:
        items = d["pip"] if isinstance(d, dict) else [d]
        for item in items:
            if item.startswith("-e") or item.split(">")[0].split("=")[0] in ("python", "pip"):
                continue
            name, ver = _norm(item)
            out[name] = ver
    return out


def test_environment_yml_matches_pyproject():
    assert _conda() == _pyproject()


def test_lock_pins_every_dependency_exactly():
    lock = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, ver = line.partition("==")
            assert ver, f"not an exact pin: {line}"
            lock[name.lower().replace("_", "-")] = ver
    missing = sorted(set(_pyproject()) - set(lock))
    assert missing == []
    assert lock["jupyter-book"].startswith("1.")


def test_runtime_dependencies_are_what_mktlib_imports():
    """The package's runtime dependencies are the third-party modules it imports (lazy imports of
    presentation tools, such as myst_nb in mktlib.book.glue, belong to the [book] extra)."""
    import ast
    import sys

    names = {"yaml": "pyyaml", "exchange_calendars": "exchange-calendars", "sklearn": "scikit-learn"}
    imported = set()
    for path in (ROOT / "mktlib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            mods = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and not node.level
                else []
            )
            for m in mods:
                top = m.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("mktlib", "__future__"):
                    imported.add(names.get(top, top).lower().replace("_", "-"))
    runtime = set(_pyproject(extras=False))
    extras = set(_pyproject()) - runtime
    assert imported - runtime <= extras, f"imported but not declared: {sorted(imported - runtime - extras)}"
    assert runtime - {"pyarrow"} <= imported, f"declared but not imported: {sorted(runtime - imported - {'pyarrow'})}"
    assert {"jupyter-book", "pytest", "selenium", "nbval", "jupyterlab"}.isdisjoint(runtime)
