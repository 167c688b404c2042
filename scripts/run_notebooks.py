"""Execute notebooks in place so their committed outputs are real (``make notebooks``).

Usage: ``python scripts/run_notebooks.py [notebooks/NN-name.ipynb ...]`` (default: all of notebooks/).
Runs with the same environment as nbval and the book (TZ=UTC, MPLBACKEND=Agg, PYTHONHASHSEED=0 from make).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    t = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    return time.perf_counter() - t


def main(args: list[str]) -> None:
    paths = [Path(a) for a in args] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for p in paths:
        print(f"{p}: {run(p):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
