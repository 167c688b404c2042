"""File access: the data root, hashing and strict reading of CSV/JSON/Parquet files."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from mktlib.errors import DataError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared" / "data"


def data_root() -> Path:
    """The snapshot directory: ``$MKTLIB_DATA`` if set, else ``../shared/data`` next to the repository.

    Raises :class:`~mktlib.errors.DataError` with instructions when the directory does not exist.
    """
    env = os.environ.get("MKTLIB_DATA")
    root = Path(env).expanduser() if env else DEFAULT_DATA_ROOT
    if not root.is_dir():
        how = f"MKTLIB_DATA={env!r} does not point to a directory" if env else f"no data snapshot at {root}"
        raise DataError(
            "data root",
            f"{how}. Provide the pinned snapshot: either place it at {DEFAULT_DATA_ROOT} (the `shared/data` "
            "folder next to this repository) or set MKTLIB_DATA=/path/to/shared/data.",
        )
    return root.resolve()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@cache
def _sha256_memo(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


def verified_path(rel_path: str, expected_sha256: str) -> Path:
    """Absolute path of a snapshot file after checking it exists and its sha256 matches.

    The hash is computed once per process for a given (path, size, mtime).
    """
    path = data_root() / rel_path
    if not path.is_file():
        raise DataError(rel_path, f"file is missing (looked for {path})")
    st = path.stat()
    if st.st_size == 0:
        raise DataError(rel_path, "file is empty (0 bytes)")
    got = _sha256_memo(str(path), st.st_size, st.st_mtime_ns)
    if got != expected_sha256:
        raise DataError(
            rel_path,
            f"sha256 mismatch: expected {expected_sha256}, got {got}. The file differs from the pinned snapshot.",
        )
    return path


def read_bytes(path: Path, where: str) -> bytes:
    """The file's content, gunzipped when the name ends in .gz; truncated gzip gives a DataError."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataError(where, f"truncated or corrupt gzip ({exc})") from None
    if not raw.strip():
        raise DataError(where, "file is empty (no content)")
    return raw


def read_csv(path: Path, where: str, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV strictly: every value as text unless ``dtype`` is given; empty files are an error."""
    raw = read_bytes(path, where)
    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    try:
        df = pd.read_csv(io.BytesIO(raw), **kwargs)
    except pd.errors.EmptyDataError:
        raise DataError(where, "file is empty (no header)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(where, f"cannot be parsed as CSV ({exc})") from None
    if df.empty:
        raise DataError(where, "file has a header but no data rows")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def read_json(path: Path, where: str) -> Any:
    raw = read_bytes(path, where)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataError(where, f"invalid JSON ({exc})") from None


def read_parquet(path: Path, where: str) -> pd.DataFrame:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DataError(where, f"cannot be read as Parquet ({exc})") from None
    if df.empty:
        raise DataError(where, "Parquet file has no rows")
    return df
