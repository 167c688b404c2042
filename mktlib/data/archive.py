"""The snapshot, obtainable anywhere: pack it into a versioned archive, fetch and verify it with ``pooch``.

``pack(out_dir)`` writes into ``out_dir``:

- ``mktlib-data-<version>.tar``: every file of the snapshot, sorted, with fixed metadata (mtime 0, owner
  0), so the same snapshot always gives the same bytes (an uncompressed tar: most files are already
  gzip-compressed, and no compression library's version can change the archive's hash);
- ``registry.txt``: one line per file, ``<path> sha256:<hex>``, the format ``pooch.load_registry`` reads,
  after comment lines naming the version and the archive with its own hash;
- ``manifest.json``: ``version``, ``archive``, ``archive_sha256`` and ``files`` (``file``, ``sha256``,
  ``size`` in bytes).

``<version>`` is the first 12 hex digits of the sha256 of the registry lines: two snapshots with the same
files and bytes have the same version. The repository commits the registry of the pinned snapshot
(``mktlib/data/snapshot_registry.txt``), so ``fetch`` trusts only hashes that were reviewed with the code:
it downloads the archive from ``MKTLIB_DATA_URL`` (a folder served as ``pack`` wrote it) with
``pooch.retrieve`` (which checks the archive's sha256), unpacks it, checks every file's sha256 against the
registry with ``pooch.file_hash``, refuses any file that is unknown, missing or wrong, and only then moves
the snapshot into place (``MKTLIB_DATA``, else ``../shared/data``).

>>> registry_version(["a.csv sha256:00", "b.csv sha256:11"])
'04fb64b81e3c'
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from mktlib.errors import DataError

PACKAGE_DIR = Path(__file__).resolve().parent
COMMITTED_REGISTRY = PACKAGE_DIR / "snapshot_registry.txt"
# Where the published snapshot archive lives. Filled at publication (a folder served as `pack` wrote it);
# until then set MKTLIB_DATA_URL.
DEFAULT_DATA_URL = ""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def registry_version(lines: list[str]) -> str:
    """The version of a snapshot: first 12 hex digits of the sha256 of its registry lines."""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]


def snapshot_files(root: Path) -> list[Path]:
    """Every regular file under ``root``, sorted by relative path (hidden files and links refused)."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            raise DataError(str(p), "the snapshot must not contain symbolic links")
        if p.is_file():
            out.append(p)
    if not out:
        raise DataError(str(root), "no files to pack")
    return out


def pack(out_dir: str | Path, root: str | Path | None = None) -> dict:
    """Write the archive, ``registry.txt`` and ``manifest.json`` of the snapshot at ``root`` (default: the
    data root) into ``out_dir``; return the manifest."""
    from mktlib.data.io import data_root

    root = Path(root) if root is not None else data_root()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = snapshot_files(root)
    entries = [{"file": p.relative_to(root).as_posix(), "sha256": _sha256(p), "size": p.stat().st_size} for p in files]
    lines = [f"{e['file']} sha256:{e['sha256']}" for e in entries]
    version = registry_version(lines)
    archive = f"mktlib-data-{version}.tar"
    with tarfile.open(out / archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for p, e in zip(files, entries, strict=True):
            info = tarfile.TarInfo(e["file"])
            info.size, info.mtime, info.mode = e["size"], 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(p, "rb") as fh:
                tar.addfile(info, fh)
    arch_sha = _sha256(out / archive)
    header = [
        f"# mktlib data snapshot, version {version}",
        f"# archive {archive} sha256:{arch_sha}",
        "# <file> sha256:<hex>, one line per file (pooch.load_registry format)",
    ]
    (out / "registry.txt").write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    manifest = {"version": version, "archive": archive, "archive_sha256": arch_sha, "files": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def read_registry(path: str | Path) -> tuple[str, str, dict[str, str]]:
    """(archive name, archive sha256, {file: sha256}) from a ``registry.txt`` written by :func:`pack`."""
    import pooch

    path = Path(path)
    archive = arch_sha = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# archive "):
            _, _, name, h = line.split(" ", 3)
            archive, arch_sha = name, h.removeprefix("sha256:")
    if not archive:
        raise DataError(str(path), "registry has no '# archive <name> sha256:<hex>' line")
    p = pooch.create(path=tempfile.gettempdir(), base_url="")
    p.load_registry(path)
    files = {k: v.removeprefix("sha256:") for k, v in p.registry.items()}
    if registry_version([f"{k} sha256:{v}" for k, v in files.items()]) not in archive:
        raise DataError(str(path), "the registry's files do not match the version in the archive name")
    return archive, arch_sha, files


def data_url() -> str:
    """``MKTLIB_DATA_URL`` if set, else ``DEFAULT_DATA_URL`` (empty until publication)."""
    return os.environ.get("MKTLIB_DATA_URL", DEFAULT_DATA_URL).strip()


def fetch(
    base_url: str | None = None, dest: str | Path | None = None, registry: str | Path = COMMITTED_REGISTRY
) -> Path:
    """Download the archive named in ``registry`` from ``base_url``, verify it and every file in it with
    pooch against ``registry``, and unpack it into ``dest`` (default: ``MKTLIB_DATA``, else
    ``../shared/data``), which must not exist yet. Raises :class:`~mktlib.errors.DataError` naming the file and the
    problem; nothing is left at ``dest`` on failure."""
    import pooch

    from mktlib.data.io import DEFAULT_DATA_ROOT

    base_url = (base_url or data_url()).rstrip("/")
    if not base_url:
        raise DataError(
            "MKTLIB_DATA_URL",
            "no URL to fetch the snapshot from: set MKTLIB_DATA_URL to the folder "
            "that serves the packed snapshot (python -m mktlib data pack)",
        )
    env = os.environ.get("MKTLIB_DATA")
    dest = Path(dest) if dest is not None else (Path(env).expanduser() if env else DEFAULT_DATA_ROOT)
    if dest.exists() and any(dest.iterdir()):
        raise DataError(str(dest), "the destination already holds files; fetch only fills an empty folder")
    archive, arch_sha, files = read_registry(registry)
    with tempfile.TemporaryDirectory(prefix="mktlib-fetch-") as tmp:
        try:
            path = pooch.retrieve(
                f"{base_url}/{archive}", known_hash=f"sha256:{arch_sha}", fname=archive, path=tmp, progressbar=False
            )
        except ValueError as exc:  # pooch: hash mismatch
            raise DataError(archive, f"downloaded archive failed its sha256 check ({exc})") from None
        except Exception as exc:  # network, HTTP errors
            raise DataError(f"{base_url}/{archive}", f"download failed: {exc}") from None
        staging = Path(tmp) / "snapshot"
        with tarfile.open(path) as tar:
            members = tar.getmembers()
            for m in members:
                if not m.isfile() or m.name.startswith("/") or ".." in Path(m.name).parts:
                    raise DataError(f"{archive}:{m.name}", "not a plain relative file: refused")
                if m.name not in files:
                    raise DataError(f"{archive}:{m.name}", "file not in the registry (unknown hash): refused")
            tar.extractall(staging, filter="data")
        for name, want in files.items():
            f = staging / name
            if not f.is_file():
                raise DataError(f"{archive}:{name}", "listed in the registry but missing from the archive")
            got = pooch.file_hash(str(f), alg="sha256")
            if got != want:
                raise DataError(
                    f"{archive}:{name}", f"sha256 {got[:12]}... does not match the registry ({want[:12]}...): refused"
                )
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            dest.rmdir()
        shutil.move(str(staging), str(dest))
    return dest


def ensure(registry: str | Path = COMMITTED_REGISTRY) -> str:
    """Make sure a snapshot is there: the data root if it exists, else fetched from the URL; else stop
    with a message that says exactly what to set. Returns a one-line status."""
    from mktlib.data.io import DEFAULT_DATA_ROOT

    env = os.environ.get("MKTLIB_DATA")
    root = Path(env).expanduser() if env else DEFAULT_DATA_ROOT
    if root.is_dir() and any(root.iterdir()):
        return f"data snapshot at {root}"
    if not data_url():
        raise DataError(
            "data root",
            f"no data snapshot at {root} and no URL to fetch it from. Either place the "
            f"snapshot there, or set MKTLIB_DATA=/path/to/snapshot, or set "
            f"MKTLIB_DATA_URL=<folder serving the packed snapshot> to download it",
        )
    fetch(dest=root, registry=registry)
    return f"data snapshot fetched from {data_url()} into {root}"


def registry_text_of(root: str | Path) -> str:
    """The ``registry.txt`` that :func:`pack` would write for ``root`` (without writing the archive's line
    when only comparing files): used to check the committed registry against the snapshot."""
    root = Path(root)
    buf = io.StringIO()
    for p in snapshot_files(root):
        buf.write(f"{p.relative_to(root).as_posix()} sha256:{_sha256(p)}\n")
    return buf.getvalue()
