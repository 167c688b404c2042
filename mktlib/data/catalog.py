"""The catalog: every dataset of the snapshot that the book uses, with its hash and provenance.

The catalog lives in ``mktlib/data/catalog/*.yaml`` (one file per snapshot folder). Each entry::

    - id: btc_spot_1d                      # stable dataset id used by mktlib.data.load()
      path: crypto_spot/binance_spot_BTCUSDT_1d_2017-2026.csv   # relative to the data root
      sha256: de06e7...                    # from the folder's SOURCES.md; checked on every load
      parser: kline_naive                  # a function registered in mktlib.data.parsers
      options: {}                          # keyword arguments for the parser
      title: Binance spot BTCUSDT, daily bars
      frequency: 1d                        # 1m 5m 15m 1h 4h 8h 1d 1w, or 'irregular', 'snapshot'
      timestamp: bar open time, UTC        # what the index means after parsing
      columns: {open: USDT, close: USDT, volume: BTC}   # output columns and their units
      keys: []                             # extra columns that identify a row in long format
      checks: {ohlc: true, positive: [open, close], nullable: []}
      provenance: {upstream: ..., commit: ..., upstream_path: ..., original_source: ..., license: ...}
      caveats: free text from SOURCES.md

Column units: ``text`` marks a string column, ``date`` a date column; every other unit marks a
numeric column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from mktlib.errors import DataError

CATALOG_DIR = Path(__file__).with_name("catalog")
NON_NUMERIC_UNITS = {"text", "date"}
REQUIRED_FIELDS = ("id", "path", "sha256", "parser", "title", "frequency", "timestamp", "columns", "provenance")
PROVENANCE_FIELDS = ("upstream", "commit", "upstream_path", "original_source", "license")


@dataclass(frozen=True)
class Entry:
    """One catalogued dataset. See the module docstring for the fields."""

    id: str
    path: str
    sha256: str
    parser: str
    title: str
    frequency: str
    timestamp: str
    columns: dict[str, str]
    provenance: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = ()
    checks: dict[str, Any] = field(default_factory=dict)
    caveats: str = ""
    group: str = ""

    @property
    def numeric_columns(self) -> list[str]:
        return [c for c, u in self.columns.items() if u not in NON_NUMERIC_UNITS]

    @property
    def nullable(self) -> set[str]:
        return set(self.checks.get("nullable", []))

    def as_dict(self) -> dict[str, Any]:
        """The entry as a plain dict (what the YAML holds)."""
        return {
            "id": self.id,
            "path": self.path,
            "sha256": self.sha256,
            "parser": self.parser,
            "options": dict(self.options),
            "title": self.title,
            "frequency": self.frequency,
            "timestamp": self.timestamp,
            "columns": dict(self.columns),
            "keys": list(self.keys),
            "checks": dict(self.checks),
            "provenance": dict(self.provenance),
            "caveats": self.caveats,
            "group": self.group,
        }


def _entry_from_dict(raw: dict[str, Any], source: Path) -> Entry:
    where = f"catalog {source.name}"
    missing = [f for f in REQUIRED_FIELDS if f not in raw]
    if missing:
        raise DataError(where, f"entry {raw.get('id', '?')!r} lacks field(s) {missing}")
    prov_missing = [f for f in PROVENANCE_FIELDS if f not in raw["provenance"]]
    if prov_missing:
        raise DataError(where, f"entry {raw['id']!r} provenance lacks {prov_missing}")
    sha = str(raw["sha256"]).lower()
    if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
        raise DataError(where, f"entry {raw['id']!r} has a malformed sha256 {raw['sha256']!r}")
    return Entry(
        id=str(raw["id"]),
        path=str(raw["path"]),
        sha256=sha,
        parser=str(raw["parser"]),
        title=str(raw["title"]),
        frequency=str(raw["frequency"]),
        timestamp=str(raw["timestamp"]),
        columns={str(k): str(v) for k, v in raw["columns"].items()},
        provenance={str(k): str(v) for k, v in raw["provenance"].items()},
        options=dict(raw.get("options") or {}),
        keys=tuple(raw.get("keys") or ()),
        checks=dict(raw.get("checks") or {}),
        caveats=str(raw.get("caveats") or "").strip(),
        group=source.stem,
    )


@lru_cache(maxsize=1)
def catalog() -> dict[str, Entry]:
    """All catalogued datasets, by id, in catalog order.

    >>> entries = catalog()
    >>> entries["btc_spot_1d"].frequency
    '1d'
    """
    out: dict[str, Entry] = {}
    for source in sorted(CATALOG_DIR.glob("*.yaml")):
        raw_entries = yaml.safe_load(source.read_text(encoding="utf-8")) or []
        for raw in raw_entries:
            entry = _entry_from_dict(raw, source)
            if entry.id in out:
                raise DataError(f"catalog {source.name}", f"duplicate dataset id {entry.id!r}")
            out[entry.id] = entry
    return out


def entry(dataset_id: str) -> Entry:
    """The catalog entry of one dataset; a clear error for an unknown id."""
    entries = catalog()
    if dataset_id not in entries:
        close = [k for k in entries if dataset_id.split("_")[0] in k][:8]
        hint = f" Similar ids: {', '.join(close)}." if close else ""
        raise DataError(dataset_id, f"unknown dataset id.{hint} `python -m mktlib data list` lists all ids.")
    return entries[dataset_id]
