"""Benchmark: time to load every catalogued dataset (cold and warm cache), rolling spillovers (batched
versus a statsmodels VAR refit per window, ``scripts/bench_spillover.py``) and a full book build.

Usage: ``python scripts/bench.py [--runs 5] [--build-runs 3] [--skip-build]`` (``make bench``).
Each load measurement runs in a fresh Python process (so no in-process memo helps) and times only the
loading, not the interpreter start or imports. Cold = empty Parquet cache; warm = cache filled.
The book build is ``jupyter-book build`` after deleting ``_build`` (an empty execution cache).
Prints a Markdown table of medians (and min/max) and writes ``bench-results/bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOAD_ALL = """
import time
from mktlib import data
ids = list(data.catalog())
t = time.perf_counter()
n = sum(len(data.load(i)) for i in ids)
print(time.perf_counter() - t, len(ids), n)
"""


LEDGER = """
import time
from mktlib import claims
t = time.perf_counter()
r = claims.result(use_cache=True)
print(time.perf_counter() - t, len(r.grid))
"""


def ledger_time(cache_dir: str) -> tuple[float, int]:
    """The full ledger with every specification grid, in a fresh process, from the given cache dir
    (empty: data parsed and ledger computed; filled: both read from the cache)."""
    env = {**os.environ, "MKTLIB_CACHE": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", LEDGER], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.split()
    return float(out[0]), int(out[1])


def load_all(cache_dir: str) -> tuple[float, int, int]:
    env = {**os.environ, "MKTLIB_CACHE": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", LOAD_ALL], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def book_build() -> float:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    t = time.perf_counter()
    subprocess.run(
        [str(jb), "build", ".", "-n", "-W", "--keep-going"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def summary(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": len(xs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build-runs", type=int, default=3)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--only-ledger", action="store_true", help="time the ledger only")
    args = ap.parse_args()

    cold, warm = [], []
    for _ in range(0 if args.only_ledger else args.runs):
        with tempfile.TemporaryDirectory() as d:
            t, n_ids, n_rows = load_all(d)
            cold.append(t)
            warm.append(load_all(d)[0])
    res = {"cpus": os.cpu_count(), "datasets": len(__import__("mktlib.data", fromlist=["catalog"]).catalog())}
    if not args.only_ledger:
        res.update({"rows": n_rows, "cold_load_s": summary(cold), "warm_load_s": summary(warm)})
    led_cold, led_warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as d:
            t, n_specs = ledger_time(d)
            led_cold.append(t)
            led_warm.append(ledger_time(d)[0])
    res["ledger_cold_s"], res["ledger_warm_s"], res["ledger_part_specs"] = summary(led_cold), summary(led_warm), n_specs
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_spillover  # noqa: E402  (asserts identical results to 1e-8 and a speed-up >= 5x)

    spill = [] if args.only_ledger else [bench_spillover.main([]) for _ in range(3)]
    res["spillover"] = spill
    if spill:
        res["spillover_statsmodels_s"] = summary([r["statsmodels_s"] for r in spill])
        res["spillover_batched_s"] = summary([r["batched_s"] for r in spill])
        res["spillover_ratio"] = summary([r["ratio"] for r in spill])
    if not args.skip_build and not args.only_ledger:
        res["book_build_s"] = summary([book_build() for _ in range(args.build_runs)])

    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(res, indent=2))
    print(f"| measurement ({res['datasets']} datasets, {res['cpus']} cores) | median | min | max | runs |")
    print("|---|---|---|---|---|")
    for key, label in [
        ("cold_load_s", "load everything, cold cache (s)"),
        ("warm_load_s", "load everything, warm cache (s)"),
        ("ledger_cold_s", "claims ledger with every grid, cold data and ledger cache (s)"),
        ("ledger_warm_s", "claims ledger, read from its cache (s)"),
        ("spillover_statsmodels_s", "rolling spillovers, statsmodels VAR refit per window (s)"),
        ("spillover_batched_s", "rolling spillovers, mktlib batched (s)"),
        ("spillover_ratio", "rolling spillovers, speed-up (x)"),
        ("book_build_s", "full book build, empty cache (s)"),
    ]:
        if key in res:
            s = res[key]
            print(f"| {label} | {s['median']:.2f} | {s['min']:.2f} | {s['max']:.2f} | {s['runs']} |")


if __name__ == "__main__":
    main()
