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


def load_all(cache_dir: str) -> tuple[float, int, int]:
    env = {**os.environ, "MKTLIB_CACHE": cache_dir}
    out = subprocess.run([sys.executable, "-c", LOAD_ALL], env=env, check=True, capture_output=True,
                         text=True, cwd=ROOT).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def book_build() -> float:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    t = time.perf_counter()
    subprocess.run([str(jb), "build", ".", "-n", "-W", "--keep-going"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def summary(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": len(xs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build-runs", type=int, default=3)
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()

    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as d:
            t, n_ids, n_rows = load_all(d)
            cold.append(t)
            warm.append(load_all(d)[0])
    res = {"datasets": n_ids, "rows": n_rows, "cold_load_s": summary(cold), "warm_load_s": summary(warm),
           "cpus": os.cpu_count()}
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_spillover  # noqa: E402  (asserts identical results to 1e-8 and a speed-up >= 5x)

    spill = [bench_spillover.main([]) for _ in range(3)]
    res["spillover"] = spill
    res["spillover_statsmodels_s"] = summary([r["statsmodels_s"] for r in spill])
    res["spillover_batched_s"] = summary([r["batched_s"] for r in spill])
    res["spillover_ratio"] = summary([r["ratio"] for r in spill])
    if not args.skip_build:
        res["book_build_s"] = summary([book_build() for _ in range(args.build_runs)])

    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(res, indent=2))
    print(f"| measurement ({res['datasets']} datasets, {res['rows']:,} rows, {res['cpus']} cores) "
          "| median | min | max | runs |")
    print("|---|---|---|---|---|")
    for key, label in [("cold_load_s", "load everything, cold cache (s)"),
                       ("warm_load_s", "load everything, warm cache (s)"),
                       ("spillover_statsmodels_s", "rolling spillovers, statsmodels VAR refit per window (s)"),
                       ("spillover_batched_s", "rolling spillovers, mktlib batched (s)"),
                       ("spillover_ratio", "rolling spillovers, speed-up (x)"),
                       ("book_build_s", "full book build, empty cache (s)")]:
        if key in res:
            s = res[key]
            print(f"| {label} | {s['median']:.2f} | {s['min']:.2f} | {s['max']:.2f} | {s['runs']} |")


if __name__ == "__main__":
    main()
