"""A Parquet cache of parsed datasets, keyed by the source file's sha256 and the parser code.

Layout: ``<cache dir>/<id>.parquet`` plus ``<id>.json`` holding the source sha256, the code
fingerprint and the sha256 of the Parquet bytes. Both are written to temporary files and moved
into place atomically (the JSON last), so a crash never leaves a half-written entry that looks
valid. A read that finds a missing, stale (other source hash or code) or corrupt (bytes do not
hash to the recorded value, or do not parse) entry returns ``None`` and the caller rebuilds it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mktlib.data.catalog import Entry
from mktlib.data.io import REPO_ROOT

PACKAGE_DIR = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """``$MKTLIB_CACHE`` if set, else ``.cache/mktlib`` in the repository (git-ignored)."""
    env = os.environ.get("MKTLIB_CACHE")
    return Path(env).expanduser() if env else REPO_ROOT / ".cache" / "mktlib"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 over the source of mktlib.data (parsers, validation, catalog): a change invalidates the cache."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*")):
        if p.suffix in {".py", ".yaml"} and p.is_file():
            h.update(p.relative_to(PACKAGE_DIR).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _key(entry: Entry) -> dict[str, str]:
    return {"source_sha256": entry.sha256, "code": code_fingerprint()}


def read(entry: Entry) -> pd.DataFrame | None:
    """The cached frame, or None when absent, stale or corrupt (a corrupt entry is deleted)."""
    d = cache_dir()
    pq_path, meta_path = d / f"{entry.id}.parquet", d / f"{entry.id}.json"
    if not (pq_path.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if any(meta.get(k) != v for k, v in _key(entry).items()):
            return None
        raw = pq_path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != meta.get("parquet_sha256"):
            raise ValueError("parquet bytes do not match the recorded hash")
        return pd.read_parquet(io.BytesIO(raw))
    except Exception:
        for p in (meta_path, pq_path):
            p.unlink(missing_ok=True)
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(entry: Entry, df: pd.DataFrame) -> None:
    """Store ``df`` for ``entry``; failures to write the cache are not fatal (the load still works)."""
    d = cache_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        df.to_parquet(buf, engine="pyarrow", index=True)
        raw = buf.getvalue()
        meta = {**_key(entry), "parquet_sha256": hashlib.sha256(raw).hexdigest(), "rows": len(df)}
        _atomic_write(d / f"{entry.id}.parquet", raw)
        _atomic_write(d / f"{entry.id}.json", json.dumps(meta).encode())
    except OSError:
        pass
