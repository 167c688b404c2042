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


def _pyproject() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
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
