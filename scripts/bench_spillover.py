"""Benchmark: batched rolling DY2012 spillovers vs refitting a statsmodels VAR in every window.

Usage: ``python scripts/bench_spillover.py [--days 2200] [--vars 6] [--window 200] [--lags 2]
[--horizon 10] [--step 1] [--repeats 3] [--seed 20251006]``.

Data: a seeded, stationary simulated VAR(1) (returns-like scale, cross effects and correlated shocks).
Reference: for every window, ``statsmodels.tsa.api.VAR(window).fit(lags)``, then ``ma_rep(H-1)`` and
``sigma_u`` through the same generalized FEVD (:func:`mktlib.spillover.generalized_fevd`) and the same
total/to/from/net summaries. Candidate: :func:`mktlib.spillover.rolling_spillover`. Asserts that the
largest absolute difference over all windows and columns is below 1e-8 (percent units) and that the
speed-up is at least 5x (the requirement; the target is 10x). Times: statsmodels once (it is slow and
its spread is small relative to the gap), ours best of ``--repeats``. Prints one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from statsmodels.tsa.api import VAR

from mktlib.spillover import _summaries, generalized_fevd, rolling_spillover


def simulate(days: int, k: int, seed: int) -> pd.DataFrame:
    """Stationary VAR(1): diagonal persistence 0.2, variable 0 drives the others (0.15), correlated shocks."""
    rng = np.random.default_rng(seed)
    a = np.diag(np.full(k, 0.2))
    a[1:, 0] = 0.15
    a += rng.uniform(-0.05, 0.05, (k, k))
    assert np.abs(np.linalg.eigvals(a)).max() < 0.9
    loadings = rng.uniform(0.2, 0.6, k)
    chol = np.linalg.cholesky(np.outer(loadings, loadings) + np.diag(1 - loadings**2)) * 0.01
    burn = 100
    e = rng.standard_normal((days + burn, k)) @ chol.T
    y = np.zeros((days + burn, k))
    for t in range(1, days + burn):
        y[t] = a @ y[t - 1] + e[t]
    idx = pd.date_range("2017-01-02", periods=days, freq="B", tz="UTC", name="timestamp")
    return pd.DataFrame(y[burn:], index=idx, columns=[f"v{j}" for j in range(k)])


def statsmodels_rolling(df: pd.DataFrame, window: int, lags: int, horizon: int, step: int) -> pd.DataFrame:
    """The reference: refit statsmodels' VAR per window + the same GFEVD and summaries."""
    values = df.to_numpy()
    names = list(df.columns)
    ends = np.arange(len(values) - 1, window - 2, -step)[::-1]
    thetas = np.empty((len(ends), len(names), len(names)))
    for w, e in enumerate(ends):
        res = VAR(values[e - window + 1 : e + 1]).fit(lags)
        thetas[w] = generalized_fevd(res.ma_rep(maxn=horizon - 1), res.sigma_u)
    total, to, from_, net = _summaries(thetas)
    cols = {"total": total}
    cols.update({f"to_{v}": to[:, j] for j, v in enumerate(names)})
    cols.update({f"from_{v}": from_[:, j] for j, v in enumerate(names)})
    cols.update({f"net_{v}": net[:, j] for j, v in enumerate(names)})
    return pd.DataFrame(cols, index=df.index[ends])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=2200)
    ap.add_argument("--vars", type=int, default=6)
    ap.add_argument("--window", type=int, default=200)
    ap.add_argument("--lags", type=int, default=2)
    ap.add_argument("--horizon", type=int, default=10)
    ap.add_argument("--step", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20251006)
    args = ap.parse_args(argv)

    df = simulate(args.days, args.vars, args.seed)
    spec = {"window": args.window, "lags": args.lags, "horizon": args.horizon, "step": args.step}

    t0 = time.perf_counter()
    ref = statsmodels_rolling(df, **spec)
    t_sm = time.perf_counter() - t0

    t_fast = np.inf
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        fast = rolling_spillover(df, **spec)
        t_fast = min(t_fast, time.perf_counter() - t0)

    assert fast.index.equals(ref.index) and list(fast.columns) == list(ref.columns)
    max_diff = float(np.abs(fast.to_numpy() - ref.to_numpy()).max())
    ratio = t_sm / t_fast
    out = {
        "days": args.days,
        "vars": args.vars,
        **spec,
        "windows": len(fast),
        "statsmodels_s": round(t_sm, 4),
        "batched_s": round(t_fast, 4),
        "ratio": round(ratio, 1),
        "max_abs_diff": max_diff,
    }
    print(json.dumps(out))
    assert max_diff < 1e-8, f"results differ from statsmodels by {max_diff:.3g} (> 1e-8)"
    assert ratio >= 5, f"speed-up {ratio:.1f}x is below the required 5x"
    return out


if __name__ == "__main__":
    main()
