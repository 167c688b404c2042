"""The snapshot obtainable anywhere: pack, serve on 127.0.0.1, fetch and verify with pooch (and refuse)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pooch
import pytest

from mktlib import DataError
from mktlib.__main__ import main
from mktlib.data import archive


@pytest.fixture
def tiny(tmp_path) -> Path:
    root = tmp_path / "snap"
    (root / "crypto").mkdir(parents=True)
    (root / "README.md").write_text("# tiny snapshot\n")
    (root / "crypto" / "a.csv").write_text("t,close\n2025-11-21,85129.43\n")
    (root / "crypto" / "b.csv.gz").write_bytes(b"\x1f\x8b binary bytes")
    return root


@pytest.fixture
def server(tmp_path):
    """A static HTTP server on 127.0.0.1 serving tmp_path/served; yields (base_url, folder)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_pack_writes_a_deterministic_versioned_archive_and_a_pooch_registry(tiny, tmp_path):
    m1 = archive.pack(tmp_path / "out1", tiny)
    m2 = archive.pack(tmp_path / "out2", tiny)
    assert m1["archive_sha256"] == m2["archive_sha256"] and m1["version"] == m2["version"]
    assert [f["file"] for f in m1["files"]] == ["README.md", "crypto/a.csv", "crypto/b.csv.gz"]
    assert m1["files"][1]["size"] == len("t,close\n2025-11-21,85129.43\n")
    assert m1["files"][1]["sha256"] == pooch.file_hash(str(tiny / "crypto" / "a.csv"))
    assert m1["archive"] == f"mktlib-data-{m1['version']}.tar"
    name, sha, files = archive.read_registry(tmp_path / "out1" / "registry.txt")
    assert (name, sha) == (m1["archive"], m1["archive_sha256"]) and len(files) == 3
    assert json.loads((tmp_path / "out1" / "manifest.json").read_text()) == m1
    # another byte in one file: another version
    (tiny / "crypto" / "a.csv").write_text("t,close\n2025-11-21,85129.44\n")
    assert archive.pack(tmp_path / "out3", tiny)["version"] != m1["version"]


def test_fetch_end_to_end_from_a_local_server(tiny, tmp_path, server):
    url, served = server
    archive.pack(served, tiny)
    dest = tmp_path / "fetched"
    archive.fetch(url, dest, registry=served / "registry.txt")
    for p in tiny.rglob("*"):
        if p.is_file():
            assert (dest / p.relative_to(tiny)).read_bytes() == p.read_bytes()


def test_fetch_refuses_a_corrupted_archive(tiny, tmp_path, server):
    url, served = server
    m = archive.pack(served, tiny)
    raw = bytearray((served / m["archive"]).read_bytes())
    raw[600] ^= 0xFF
    (served / m["archive"]).write_bytes(bytes(raw))
    dest = tmp_path / "fetched"
    with pytest.raises(DataError, match="sha256 check"):
        archive.fetch(url, dest, registry=served / "registry.txt")
    assert not dest.exists()


def _registry_with(served: Path, change) -> Path:
    lines = (served / "registry.txt").read_text().splitlines()
    out = served.parent / "edited-registry.txt"
    out.write_text("\n".join(change(lines)) + "\n")
    return out


def test_fetch_refuses_unknown_and_wrong_files(tiny, tmp_path, server):
    url, served = server
    archive.pack(served, tiny)
    # the registry does not know one file of the archive
    reg = _registry_with(served, lambda ls: [x for x in ls if not x.startswith("crypto/b.csv.gz")])
    with pytest.raises(DataError, match="not match the version|not in the registry"):
        archive.fetch(url, tmp_path / "d1", registry=reg)

    # a file whose hash is wrong (the archive itself intact)
    def wrong(ls):
        return [x.replace("sha256:", "sha256:0", 1)[:-1] if x.startswith("crypto/a.csv") else x for x in ls]

    reg = _registry_with(served, wrong)
    with pytest.raises(DataError, match="does not match the registry|not match the version"):
        archive.fetch(url, tmp_path / "d2", registry=reg)
    assert not (tmp_path / "d1").exists() and not (tmp_path / "d2").exists()


def test_fetch_refuses_a_file_whose_hash_is_wrong_inside_a_matching_archive(tiny, tmp_path, server):
    """Registry lines unchanged, version unchanged, but the archive holds other bytes for one file and
    its own hash line is updated: the per-file check catches it."""
    url, served = server
    m = archive.pack(served, tiny)
    other = tmp_path / "other"
    shutil.copytree(tiny, other)
    (other / "crypto" / "a.csv").write_text("t,close\n2025-11-21,1.0\n")
    m2 = archive.pack(tmp_path / "o", other)
    shutil.copy(tmp_path / "o" / m2["archive"], served / m["archive"])
    reg = _registry_with(served, lambda ls: [x.replace(m["archive_sha256"], m2["archive_sha256"]) for x in ls])
    with pytest.raises(DataError, match="crypto/a.csv.*does not match the registry"):
        archive.fetch(url, tmp_path / "d", registry=reg)


def test_fetch_needs_a_url_and_an_empty_destination(tiny, tmp_path, monkeypatch):
    monkeypatch.delenv("MKTLIB_DATA_URL", raising=False)
    with pytest.raises(DataError, match="set MKTLIB_DATA_URL"):
        archive.fetch(None, tmp_path / "d")
    with pytest.raises(DataError, match="already holds files"):
        archive.fetch("http://127.0.0.1:9", tiny)


def test_ensure_says_exactly_what_to_set(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MKTLIB_DATA", str(tmp_path / "nowhere"))
    monkeypatch.delenv("MKTLIB_DATA_URL", raising=False)
    with pytest.raises(DataError, match="MKTLIB_DATA=/path/to/snapshot.*MKTLIB_DATA_URL="):
        archive.ensure()
    assert main(["data", "ensure"]) == 2
    assert "MKTLIB_DATA_URL" in capsys.readouterr().err


def test_ensure_fetches_when_missing_and_a_url_is_set(tiny, tmp_path, server, monkeypatch):
    url, served = server
    archive.pack(served, tiny)
    monkeypatch.setenv("MKTLIB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("MKTLIB_DATA_URL", url)
    assert "fetched" in archive.ensure(registry=served / "registry.txt")
    assert (tmp_path / "data" / "crypto" / "a.csv").is_file()
    assert "data snapshot at" in archive.ensure(registry=served / "registry.txt")


def test_committed_registry_is_the_pinned_snapshot(snapshot):
    name, sha, files = archive.read_registry(archive.COMMITTED_REGISTRY)
    body = "".join(f"{k} sha256:{v}\n" for k, v in files.items())
    assert body == archive.registry_text_of(snapshot)


def test_cli_pack(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MKTLIB_DATA", str(tiny))
    assert main(["data", "pack", "--out", str(tmp_path / "p")]) == 0
    assert "packed 3 files" in capsys.readouterr().out
