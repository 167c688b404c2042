"""The pinned data snapshot as clean, validated, tz-aware UTC tables.

>>> from mktlib import data
>>> btc = data.load("btc_spot_1d")              # doctest: +SKIP
>>> btc.loc["2025-10-06", "high"].item()        # doctest: +SKIP
126199.63

Every :func:`load` checks the file's sha256 against the catalog, parses it with the parser the
catalog names, validates the result (:func:`mktlib.data.validate.validate`) and caches it as
Parquet. Problems raise :class:`~mktlib.errors.DataError` naming the file and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mktlib.data import cache as _cache
from mktlib.data import parsers as _parsers  # noqa: F401  (registers the parsers)
from mktlib.data.catalog import Entry, catalog, entry
from mktlib.data.io import data_root, verified_path
from mktlib.data.parse import PARSERS
from mktlib.data.validate import validate
from mktlib.errors import DataError

__all__ = ["load", "catalog", "entry", "data_root", "verify", "coverage", "provenance", "DataError", "Entry"]


def parse(e: Entry) -> pd.DataFrame:
    """Hash-check, parse and validate one dataset, bypassing the cache."""
    path = verified_path(e.path, e.sha256)
    if e.parser not in PARSERS:
        raise DataError(f"{e.path} [{e.id}]", f"catalog names unknown parser {e.parser!r}")
    where = e.path
    df = PARSERS[e.parser](path, where, **e.options)
    df = df[[c for c in e.columns if c in df.columns] + [c for c in df.columns if c not in e.columns]]
    validate(df, e)
    return df


def load(dataset_id: str, *, use_cache: bool = True) -> pd.DataFrame:
    """Load one dataset by id as a validated DataFrame (UTC ``timestamp`` index, documented columns).

    The source file's hash is checked on every call, also when the parsed frame comes from the cache.
    ``df.attrs`` carries ``dataset`` (the id) and ``units`` (column -> unit).
    """
    e = entry(dataset_id)
    verified_path(e.path, e.sha256)
    df = _cache.read(e) if use_cache else None
    if df is not None:
        try:
            validate(df, e)
        except DataError:
            df = None
    if df is None:
        df = parse(e)
        if use_cache:
            _cache.write(e, df)
    df.attrs = {"dataset": e.id, "units": dict(e.columns)}
    return df


@dataclass
class VerifyResult:
    id: str
    path: str
    ok: bool
    problem: str = ""


def verify(ids: list[str] | None = None) -> list[VerifyResult]:
    """Check every catalogued file exists and has the pinned sha256 (no parsing)."""
    out = []
    for e in catalog().values():
        if ids and e.id not in ids:
            continue
        try:
            verified_path(e.path, e.sha256)
            out.append(VerifyResult(e.id, e.path, True))
        except DataError as exc:
            out.append(VerifyResult(e.id, e.path, False, exc.problem))
    return out


def coverage(ids: list[str] | None = None) -> pd.DataFrame:
    """One row per dataset: id, group, frequency, first and last timestamp (UTC), rows."""
    rows = []
    for e in catalog().values():
        if ids and e.id not in ids:
            continue
        df = load(e.id)
        rows.append(
            {
                "id": e.id,
                "group": e.group,
                "title": e.title,
                "frequency": e.frequency,
                "first": df.index.min(),
                "last": df.index.max(),
                "rows": len(df),
            }
        )
    return pd.DataFrame(rows).set_index("id")


def provenance() -> pd.DataFrame:
    """The catalog as a table for the book's data appendix (no data loaded).

    Columns: ``id, group, title, path, frequency, upstream, commit, upstream_path, original_source,
    license, sha256, caveats``.
    """
    rows = []
    for e in catalog().values():
        rows.append(
            {
                "id": e.id,
                "group": e.group,
                "title": e.title,
                "path": e.path,
                "frequency": e.frequency,
                **{k: e.provenance[k] for k in ("upstream", "commit", "upstream_path", "original_source", "license")},
                "sha256": e.sha256,
                "caveats": e.caveats,
            }
        )
    return pd.DataFrame(rows)
