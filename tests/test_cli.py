"""`python -m mktlib data ...`: exit codes and readable reports."""

from __future__ import annotations

import shutil

from mktlib.__main__ import main
from mktlib.data import entry


def test_verify_ok_on_the_snapshot(snapshot, capsys):
    assert main(["data", "verify"]) == 0
    assert "files OK" in capsys.readouterr().out


def test_verify_reports_a_corrupted_and_a_missing_file(snapshot, tmp_path, monkeypatch, capsys):
    e = entry("btc_spot_1d")
    target = tmp_path / e.path
    target.parent.mkdir(parents=True)
    shutil.copy(snapshot / e.path, target)
    with open(target, "ab") as fh:
        fh.write(b"2026-03-04,1,2,0.5,1,1\n")
    monkeypatch.setenv("MKTLIB_DATA", str(tmp_path))
    assert main(["data", "verify", "btc_spot_1d"]) == 1
    out = capsys.readouterr().out
    assert "FAIL btc_spot_1d" in out and "sha256 mismatch" in out
    target.unlink()
    assert main(["data", "verify", "btc_spot_1d"]) == 1
    assert "file is missing" in capsys.readouterr().out


def test_verify_without_data_root_explains(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MKTLIB_DATA", str(tmp_path / "nowhere"))
    assert main(["data", "verify"]) == 2
    assert "MKTLIB_DATA" in capsys.readouterr().err


def test_info_prints_provenance(snapshot, capsys):
    assert main(["data", "info", "btc_spot_1d"]) == 0
    out = capsys.readouterr().out
    assert "ef32d0172f00fb2fba01b744d771b52f499bc25f" in out and "3121 rows" in out


def test_unknown_id_is_a_clear_error(capsys):
    assert main(["data", "info", "no_such_id"]) == 2
    assert "unknown dataset id" in capsys.readouterr().err


def test_data_tests_fail_rather_than_skip_under_ci(tmp_path):
    """With CI set and no snapshot, a data test fails (it must not pass as skipped)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "CI": "true", "MKTLIB_DATA": str(tmp_path / "absent")}
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "tests/test_cli.py::test_info_prints_provenance",
    ]
    ci = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True)
    assert ci.returncode == 1 and "CI is set but the data snapshot is missing" in ci.stdout
    env.pop("CI")
    local = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True)
    assert local.returncode == 0 and "1 skipped" in local.stdout
