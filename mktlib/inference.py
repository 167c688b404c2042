"""Inference helpers the verdict framework uses everywhere: the one tolerance rule for quoted figures,
seeded block-bootstrap intervals (``arch``), multiple-testing adjustment (``statsmodels``) and minimum
detectable effects for null results.

The tolerance rule (``shared/briefs/verdicts.md`` section 6), one for every fact in the book: a quoted
figure ``q`` stated to a precision ``u`` (the unit of its last stated digit: "2.3%" -> 0.1 pp,
"nearly 2%" -> 1 pp, "93.7%" -> 0.1 pp, "$126,000" -> $1,000) is consistent with a measured value ``m``
if ``m`` rounds to ``q`` at that precision, or lies within one unit of it: ``|m - q| <= u``. The second
half allows for half a unit of the article's rounding plus as much again for a different source or a
different minute of the same day.

>>> quoted_match(-0.0245, -0.02, 0.01).ok          # Shanghai -2.45% against "nearly 2%"
True
>>> quoted_match(0.983, 0.937, 0.001).ok           # 98.3% against "93.7%"
False
>>> round(quoted_match(-0.0238, -0.024, 0.001).distance_units, 2)
0.2
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

TOLERANCE_UNITS = 1.0  # the single stated tolerance: one unit of the article's last stated digit
DEFAULT_SEED = 20251121
DEFAULT_REPS = 999
DEFAULT_LEVEL = 0.90


@dataclass(frozen=True)
class QuoteMatch:
    """Result of :func:`quoted_match`: ``ok``; ``rounds`` (m rounds to q at precision u); ``distance_units``
    (``abs(m - q) / u``); ``measured``, ``quoted``, ``unit``."""

    ok: bool
    rounds: bool
    distance_units: float
    measured: float
    quoted: float
    unit: float


def quoted_match(
    measured: float, quoted: float, unit: float, *, tolerance_units: float = TOLERANCE_UNITS
) -> QuoteMatch:
    """Whether a measured value is consistent with a figure quoted to precision ``unit`` (module docstring)."""
    for name, v in (("measured", measured), ("quoted", quoted), ("unit", unit)):
        if v is None or not math.isfinite(float(v)):
            raise ValueError(f"quoted_match: {name} must be a finite number, got {v!r}")
    if unit <= 0:
        raise ValueError(f"quoted_match: the precision unit must be positive, got {unit}")
    dist = abs(measured - quoted) / unit
    rounds = bool(round(measured / unit) == round(quoted / unit))
    return QuoteMatch(
        bool(rounds or dist <= tolerance_units + 1e-9), rounds, float(dist), float(measured), float(quoted), float(unit)
    )


# ------------------------------------------------------------------------------------------------
# bootstrap intervals


def bootstrap_ci(
    data: pd.DataFrame | pd.Series | np.ndarray,
    statistic: Callable[[np.ndarray], float],
    *,
    reps: int = DEFAULT_REPS,
    level: float = DEFAULT_LEVEL,
    block: float | None = None,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float, float]:
    """(estimate, low, high): percentile interval of ``statistic`` under a stationary block bootstrap
    of the rows of ``data`` (``arch.bootstrap.StationaryBootstrap``, seeded).

    ``statistic`` takes a 2-D array (rows = observations) and returns a number. ``block`` is the
    expected block length in rows; None uses ``arch``'s ``optimal_block_length`` of the first column
    (Politis-White, stationary version), at least 1.

    >>> x = np.random.default_rng(0).normal(size=(400, 1))
    >>> est, lo, hi = bootstrap_ci(x, lambda a: a[:, 0].mean(), reps=199, block=1.0)
    >>> lo < 0 < hi
    True
    """
    from arch.bootstrap import StationaryBootstrap, optimal_block_length

    arr = np.asarray(data, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if len(arr) < 5:
        raise ValueError(f"bootstrap_ci: need at least 5 observations, got {len(arr)}")
    if not np.isfinite(arr).all():
        raise ValueError("bootstrap_ci: data contain NaN or infinite values")
    if not 0 < level < 1:
        raise ValueError(f"bootstrap_ci: level must be in (0, 1), got {level}")
    if block is None:
        block = float(max(1.0, optimal_block_length(arr[:, 0])["stationary"].iloc[0]))
    est = float(statistic(arr))
    bs = StationaryBootstrap(block, arr, seed=np.random.default_rng(seed))
    draws = np.array([statistic(d[0][0]) for d in bs.bootstrap(reps)], dtype=float)
    draws = draws[np.isfinite(draws)]
    if len(draws) < reps * 0.9:
        raise ValueError("bootstrap_ci: the statistic is undefined in more than 10% of the resamples")
    a = (1 - level) / 2
    return est, float(np.quantile(draws, a)), float(np.quantile(draws, 1 - a))


def corr_ci(x, y, **kw) -> tuple[float, float, float]:
    """Correlation of two aligned series with its stationary-bootstrap interval (:func:`bootstrap_ci`)."""
    arr = np.column_stack([np.asarray(x, float), np.asarray(y, float)])

    def stat(a: np.ndarray) -> float:
        return float(np.corrcoef(a[:, 0], a[:, 1])[0, 1])

    return bootstrap_ci(arr, stat, **kw)


# ------------------------------------------------------------------------------------------------
# many tests


def adjust_pvalues(p: pd.Series) -> pd.DataFrame:
    """Holm and Benjamini-Hochberg adjusted p-values of a family.

    Returns a frame indexed like ``p`` with columns ``p``, ``p_holm``, ``p_bh``. Computed with NumPy
    (the framework calls this for every specification); ``tests/test_framework.py`` checks it against
    ``statsmodels.stats.multitest.multipletests`` and against values by hand.

    >>> adjust_pvalues(pd.Series({"a": 0.01, "b": 0.04, "c": 0.03}))["p_holm"].round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = pd.Series(p, dtype=float)
    if p.isna().any() or ((p < 0) | (p > 1)).any():
        raise ValueError(f"adjust_pvalues: p-values must be in [0, 1]: {p[p.isna() | (p < 0) | (p > 1)].to_dict()}")
    if p.empty:
        return pd.DataFrame(columns=["p", "p_holm", "p_bh"], dtype=float)
    x = p.to_numpy()
    m = len(x)
    order = np.argsort(x, kind="mergesort")
    ranked = x[order]
    holm = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * ranked))
    bh = np.minimum(1.0, np.minimum.accumulate((m / np.arange(m, 0, -1)) * ranked[::-1]))[::-1]
    out_h, out_b = np.empty(m), np.empty(m)
    out_h[order], out_b[order] = holm, bh
    return pd.DataFrame({"p": x, "p_holm": out_h, "p_bh": out_b}, index=p.index)


# ------------------------------------------------------------------------------------------------
# what a null test could have detected


def mde(se: float, *, alpha: float = 0.05, power: float = 0.80, sided: int = 2) -> float:
    """Minimum detectable effect of a test whose estimate has standard error ``se``: the true effect
    it would find with probability ``power`` at level ``alpha`` (normal approximation),
    ``(z_{1-alpha/sided} + z_{power}) * se``.

    >>> round(mde(1.0), 3)
    2.802
    """
    from scipy.stats import norm

    if not se > 0:
        raise ValueError(f"mde: the standard error must be positive, got {se}")
    return float((norm.ppf(1 - alpha / sided) + norm.ppf(power)) * se)


def mde_correlation(n: int, *, alpha: float = 0.05, power: float = 0.80) -> float:
    """Smallest correlation a two-sided test on ``n`` pairs detects with ``power`` (Fisher z):
    ``tanh(mde(1/sqrt(n-3)))``.

    >>> round(mde_correlation(30), 3)
    0.492
    """
    if n < 5:
        raise ValueError(f"mde_correlation: need n >= 5, got {n}")
    return float(np.tanh(mde(1 / math.sqrt(n - 3), alpha=alpha, power=power)))
