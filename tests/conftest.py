"""Shared fixtures.

- ``snapshot``: the data root of the pinned snapshot. Tests that need it skip when it is absent,
  except under CI (``CI`` set), where a missing snapshot is a failure.
- ``parse_text``: run a registered parser on a small file the test writes itself, through the
  same hash check and validation as a real load.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import pytest

from mktlib import DataError
from mktlib.data import parse as parse_dataset
from mktlib.data.catalog import PROVENANCE_FIELDS, Entry
from mktlib.data.io import DEFAULT_DATA_ROOT


def _snapshot_root() -> Path | None:
    env = os.environ.get("MKTLIB_DATA")
    root = Path(env) if env else DEFAULT_DATA_ROOT
    return root if (root / "README.md").is_file() else None


@pytest.fixture(scope="session")
def snapshot() -> Path:
    root = _snapshot_root()
    if root is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but the data snapshot is missing: set MKTLIB_DATA or place it at ../shared/data")
        pytest.skip("data snapshot not available")
    return root


@pytest.fixture
def parse_text(tmp_path, monkeypatch):
    """``parse_text(text, parser=..., columns=..., **entry_fields)`` -> DataFrame.

    Writes ``text`` (str or bytes; gzip-compressed when ``name`` ends in .gz) under a temporary data
    root, builds a catalog entry with the right sha256 and parses + validates it.
    """

    def run(text, *, parser: str, columns: dict[str, str], name: str = "fixture.csv", **fields):
        raw = text.encode() if isinstance(text, str) else text
        if name.endswith(".gz") and not fields.pop("raw_bytes", False):
            raw = gzip.compress(raw, mtime=0)
        (tmp_path / name).write_bytes(raw)
        monkeypatch.setenv("MKTLIB_DATA", str(tmp_path))
        entry = Entry(
            id=fields.pop("id", "fixture"),
            path=name,
            sha256=hashlib.sha256(raw).hexdigest(),
            parser=parser,
            title="fixture",
            frequency=fields.pop("frequency", "1d"),
            timestamp="fixture",
            columns=columns,
            provenance={k: "test" for k in PROVENANCE_FIELDS},
            **fields,
        )
        return parse_dataset(entry)

    return run


def raises_data_error(match: str):
    """``with raises_data_error("duplicate"):`` -- a DataError whose message contains ``match``."""
    return pytest.raises(DataError, match=match)
