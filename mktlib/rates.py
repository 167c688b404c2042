"""Rate-cut expectations and the BTC "horse race" (methods M10, M16; claims D8, A2, A5).

The pieces:

1. **Cut probabilities.** :func:`cut_probability` turns a CME FedWatch bucket history (one row per
   date and target range) into P(target range after the meeting at or below a given range);
   :func:`kalshi_cut_probability` turns Kalshi's "no change" contract into 1 - P(no change) on US
   Eastern dates. :func:`fedwatch_probability` is the CME fed-funds-futures formula (M16), and
   :func:`implied_futures_rate` its inverse.
2. **The horse race.** :func:`horse_race` is OLS with Newey-West (HAC) errors plus, for each
   regressor, its partial R2 and its LMG (Shapley) share of the R2.
   :func:`lmg` is the decomposition on its own. :func:`added_variable` gives the Frisch-Waugh-Lovell
   residuals of an added-variable (partial-regression) plot, whose slope is the multiple-regression
   coefficient and whose squared correlation is the partial R2; :func:`partial_r2_intervals` puts
   seeded stationary-bootstrap intervals on the partial R2s and on their difference.
3. **Loaders** that assemble the real series: :func:`policy_path` (FedWatch, Kalshi, 2-year yield
   on one daily grid) and :func:`horse_race_frame` (BTC at the NY close and its regressors on US
   trading days).
4. **Event windows** (method M7): ``RATE_EVENTS`` with announcement instants,
   :func:`first_reaction` (the first observation of a market that can react to an instant),
   :func:`event_windows` (constant-mean CARs of BTC, NDX and gold via :mod:`mktlib.events`, each on
   its own clock, with placebo p-values), :func:`window_change` (odds/yield change over a window) and
   :func:`fed_2pm_windows` (NQ futures and BTC from 13:45 to 15:30 ET on Fed announcement days
   against the same clock window on other days).
5. **The chapter's tables and charts** (notebooks/05-rates-ai.ipynb): :func:`window_partial_r2` and
   :func:`a5_windows` (the horse race on each window the chapter shows, one model per window),
   :func:`horse_race_table`, :func:`a5_grid_table`, :func:`event_window_table`, :func:`fed_2pm_summary`,
   and the data and drawings of the charts ``rates-cut-odds`` and ``rates-added-variable``
   (:mod:`mktlib.charts`).

The CME worked example (methods M16): EFFR 5.33%, futures-implied 5.21%, 13 of 30 days before the
meeting. The post-meeting rate is 5.1182%, CME prints it rounded to 5.118 and then gets 84.8%:

>>> round(fedwatch_probability(5.21, 5.33, days_before=13, days_in_month=30, round_post=3), 3)
0.848
>>> round(fedwatch_probability(5.21, 5.33, days_before=13, days_in_month=30), 4)   # unrounded
0.8471
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from mktlib import charts
from mktlib.errors import DataError
from mktlib.timeutil import utc

__all__ = [
    "cut_probability",
    "kalshi_cut_probability",
    "post_meeting_rate",
    "fedwatch_probability",
    "implied_futures_rate",
    "newey_west_lags",
    "HorseRace",
    "horse_race",
    "lmg",
    "partial_r2",
    "policy_path",
    "horse_race_frame",
    "aligned_change",
    "alignment_check",
    "first_reaction",
    "event_windows",
    "event_returns",
    "EVENT_CLOCK",
    "window_change",
    "RATE_EVENTS",
    "FED_2PM",
    "clock_window_returns",
    "fed_2pm_windows",
    "added_variable",
    "partial_r2_matrix",
    "partial_r2_intervals",
    "A5_WINDOWS",
    "VARIABLE_NAMES",
    "window_partial_r2",
    "a5_windows",
    "horse_race_table",
    "a5_grid_table",
    "event_window_table",
    "fed_2pm_summary",
    "cut_odds_chart",
    "added_variable_chart",
    "draw_cut_odds",
    "draw_added_variable",
]

_BUCKET = re.compile(r"^(\d+)-(\d+)$")


# ----------------------------------------------------------------------------- cut probabilities


def cut_probability(buckets: pd.DataFrame, at_or_below: str = "350-375", *, sum_tol: float = 1e-3) -> pd.Series:
    """P(target range after the meeting is at or below ``at_or_below``), per date.

    ``buckets``: a FedWatch history in long form (e.g. ``data.load("fedwatch_dec2025")``): index
    ``timestamp`` (date label, UTC), columns ``bucket`` (target range in bp, ``"350-375"``) and
    ``probability`` (0-1). Buckets CME did not show may be absent. Every date's probabilities must
    sum to 1 within ``sum_tol``. Returns a float Series named ``cut_prob`` indexed by date.

    >>> idx = pd.DatetimeIndex(["2025-11-20"] * 3, tz="UTC", name="timestamp")
    >>> fw = pd.DataFrame({"bucket": ["325-350", "350-375", "375-400"],
    ...                    "probability": [0.05, 0.35, 0.60]}, index=idx)
    >>> round(float(cut_probability(fw).iloc[0]), 10)
    0.4
    """
    for col in ("bucket", "probability"):
        if col not in buckets.columns:
            raise DataError("cut_probability", f"missing column {col!r}")
    idx = buckets.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise DataError("cut_probability", "index must be a tz-aware DatetimeIndex (UTC date labels)")
    m = _BUCKET.match(at_or_below)
    if not m:
        raise ValueError(f"at_or_below must look like '350-375', got {at_or_below!r}")
    upper = int(m.group(2))
    parsed = buckets["bucket"].astype(str).str.extract(_BUCKET.pattern)
    if parsed.isna().any().any():
        bad = buckets["bucket"][parsed.isna().any(axis=1).to_numpy()].iloc[0]
        raise DataError("cut_probability", f"bucket {bad!r} is not a range in bp like '350-375'")
    p = pd.to_numeric(buckets["probability"], errors="coerce")
    if p.isna().any():
        raise DataError("cut_probability", f"{int(p.isna().sum())} NaN probabilities")
    if ((p < -1e-9) | (p > 1 + 1e-9)).any():
        raise DataError("cut_probability", "probabilities outside [0, 1]")
    dup = pd.Series(list(zip(idx, buckets["bucket"], strict=True))).duplicated()
    if dup.any():
        raise DataError("cut_probability", f"duplicate (date, bucket) row, first {idx[dup.to_numpy()][0].date()}")
    tot = p.groupby(idx).sum()
    off = (tot - 1).abs() > sum_tol
    if off.any():
        raise DataError(
            "cut_probability",
            f"probabilities of {off.index[off.to_numpy()][0].date()} sum to {tot[off].iloc[0]:.4f}, not 1",
        )
    below = parsed[1].astype(int).to_numpy() <= upper
    out = p.where(below, 0.0).groupby(idx).sum().astype("float64")
    out.index.name = "timestamp"
    return out.rename("cut_prob")


def kalshi_cut_probability(candles: pd.DataFrame) -> pd.Series:
    """1 - P(no change) from Kalshi's "no change" daily candles, on the US Eastern date they cover.

    ``candles``: e.g. ``data.load("kalshi_dec2025_nochange_1d")`` (index = candle stamp in UTC,
    column ``probability`` = price of the "no change" contract, NaN on days without a trade). The
    stamp is the END of the US Eastern day the candle covers, computed as that day's midnight plus
    24 hours: the candle stamped 2025-11-22 05:00 UTC is the ET day 21 Nov, and the one stamped
    2025-11-03 04:00 UTC is 2 Nov (the 25-hour day on which daylight saving ended). The notebook
    checks this alignment against FedWatch. Days without a trade are dropped. 1 - P(no change)
    counts hikes as well; hike odds were negligible in autumn 2025. Returns ``kalshi_cut_prob``
    indexed by the ET date (label at 00:00 UTC).

    >>> idx = pd.DatetimeIndex(["2025-11-22 05:00", "2025-11-23 05:00"], tz="UTC")
    >>> k = pd.DataFrame({"probability": [0.35, float("nan")]}, index=idx)
    >>> s = kalshi_cut_probability(k)
    >>> s.index[0].date(), float(s.iloc[0])
    (datetime.date(2025, 11, 21), 0.65)
    """
    if "probability" not in candles.columns:
        raise DataError("kalshi_cut_probability", "missing column 'probability'")
    idx = candles.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise DataError("kalshi_cut_probability", "index must be a tz-aware DatetimeIndex")
    start = (idx - pd.Timedelta(hours=24)).tz_convert("America/New_York")
    off = (start.hour != 0) | (start.minute != 0) | (start.second != 0)
    if off.any():
        raise DataError("kalshi_cut_probability", f"stamp {idx[off][0]} is not 24 h after a US/Eastern midnight")
    day = start.tz_localize(None).normalize().tz_localize("UTC")
    p = pd.Series(candles["probability"].to_numpy(dtype="float64"), index=day)
    p = p.dropna()
    if p.index.has_duplicates:
        raise DataError("kalshi_cut_probability", "two candles map to the same ET date")
    p.index.name = "timestamp"
    return (1.0 - p).round(6).rename("kalshi_cut_prob")  # prices are in cents: drop float noise


def post_meeting_rate(implied_rate: float, pre_rate: float, days_before: int, days_in_month: int) -> float:
    """CME FedWatch: the rate expected after the meeting, from the meeting month's futures (M16).

    The futures settle on the month's average rate: ``implied = (D * pre + (N - D) * post) / N``
    with D = ``days_before`` (days of the month at the pre-meeting rate) and N = ``days_in_month``,
    so ``post = (implied * N - D * pre) / (N - D)``.

    >>> round(post_meeting_rate(5.21, 5.33, 13, 30), 4)
    5.1182
    """
    if not (0 <= days_before < days_in_month):
        raise ValueError(f"days_before must be in [0, days_in_month), got {days_before} of {days_in_month}")
    for name, v in (("implied_rate", implied_rate), ("pre_rate", pre_rate)):
        if not math.isfinite(v):
            raise ValueError(f"{name} must be finite, got {v}")
    n, d = days_in_month, days_before
    return (implied_rate * n - d * pre_rate) / (n - d)


def fedwatch_probability(
    implied_rate: float,
    pre_rate: float,
    days_before: int,
    days_in_month: int,
    *,
    step: float = 0.25,
    round_post: int | None = None,
) -> float:
    """Probability of one ``step`` cut (positive) or hike (negative) at the meeting: (pre - post) / step.

    ``round_post``: round the post-meeting rate to this many decimals first, as CME's published
    worked example does (5.1182 -> 5.118 gives 84.8% instead of 84.7%). Values outside [0, 1] mean
    the futures price more than one step (FedWatch then splits between two steps); they are
    returned as computed, not clipped.
    """
    post = post_meeting_rate(implied_rate, pre_rate, days_before, days_in_month)
    if round_post is not None:
        post = round(post, round_post)
    return (pre_rate - post) / step


def implied_futures_rate(
    prob_cut: float, pre_rate: float, days_before: int, days_in_month: int, *, step: float = 0.25
) -> float:
    """Inverse of :func:`fedwatch_probability`: the month's futures-implied rate for a cut probability.

    >>> r = implied_futures_rate(0.8, 3.88, 10, 31)
    >>> round(fedwatch_probability(r, 3.88, 10, 31), 10)
    0.8
    """
    if not (0 <= days_before < days_in_month):
        raise ValueError(f"days_before must be in [0, days_in_month), got {days_before} of {days_in_month}")
    post = pre_rate - prob_cut * step
    return (days_before * pre_rate + (days_in_month - days_before) * post) / days_in_month


# ----------------------------------------------------------------------------- regression tools


def newey_west_lags(n: int) -> int:
    """The Newey-West (1994) plug-in lag for Bartlett-kernel HAC: floor(4 (n/100)^(2/9)).

    >>> newey_west_lags(63), newey_west_lags(100)
    (3, 4)
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def _check_xy(y: pd.Series, X: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    if not isinstance(y, pd.Series):
        raise TypeError(f"y must be a pandas Series, got {type(y).__name__}")
    if not isinstance(X, pd.DataFrame) or X.shape[1] == 0:
        raise TypeError("X must be a DataFrame with at least one column")
    if not y.index.equals(X.index):
        raise ValueError("y and X must have the same index (align them first)")
    if y.index.has_duplicates:
        raise ValueError(f"{y.name or 'y'}: duplicate index labels")
    if isinstance(y.index, pd.DatetimeIndex) and not y.index.is_monotonic_increasing:
        raise ValueError(f"{y.name or 'y'}: index not sorted in time (HAC errors need time order)")
    frame = pd.concat([y.rename("__y__"), X], axis=1).astype("float64")
    bad = ~np.isfinite(frame.to_numpy())
    if bad.any():
        r, c = np.argwhere(bad)[0]
        col = frame.columns[c]
        raise ValueError(f"{y.name if col == '__y__' else col}: NaN/non-finite value at {frame.index[r]}")
    if len(frame) <= X.shape[1] + 2:
        raise ValueError(f"too few observations ({len(frame)}) for {X.shape[1]} regressors")
    if (X.std(ddof=0) == 0).any():
        raise ValueError(f"constant regressor(s): {list(X.columns[X.std(ddof=0) == 0])}")
    return frame["__y__"], frame[X.columns]


def _r2(y: np.ndarray, X: np.ndarray | None) -> float:
    """R2 of OLS of y on a constant plus X (0 when X is None / empty)."""
    yc = y - y.mean()
    tss = float(yc @ yc)
    if X is None or X.shape[1] == 0:
        return 0.0
    Z = np.column_stack([np.ones(len(y)), X])
    beta, *_ = np.linalg.lstsq(Z, y, rcond=None)
    e = y - Z @ beta
    return 1.0 - float(e @ e) / tss


def partial_r2(y: pd.Series, X: pd.DataFrame) -> pd.Series:
    """Partial R2 of each column: (SSR without it - SSR with all) / SSR without it.

    >>> import numpy as np
    >>> x = pd.DataFrame({"a": [0., 1, 2, 3, 4, 5], "b": [1., 0, 1, 0, 1, 0]})
    >>> y = pd.Series(2 * x["a"] + np.array([.1, -.1, 0, .1, -.1, 0]))
    >>> bool(partial_r2(y, x)["a"] > 0.99)
    True
    """
    y, X = _check_xy(y, X)
    yv, Xv = y.to_numpy(), X.to_numpy()
    tss = float(((yv - yv.mean()) ** 2).sum())
    ssr_full = (1 - _r2(yv, Xv)) * tss
    out = {}
    for j, col in enumerate(X.columns):
        ssr_wo = (1 - _r2(yv, np.delete(Xv, j, axis=1))) * tss
        out[col] = (ssr_wo - ssr_full) / ssr_wo
    return pd.Series(out, name="partial_r2")


def lmg(y: pd.Series, X: pd.DataFrame) -> pd.Series:
    """LMG (Lindeman-Merenda-Gold) / Shapley decomposition of the R2 among the columns of ``X``.

    Each column's share is its R2 increment averaged over all orders of entry; the shares sum to the
    full-model R2. Exact enumeration over subsets (fine for up to ~10 regressors).

    >>> x = pd.DataFrame({"a": [0., 1, 2, 3, 4, 5], "b": [1., 0, 1, 0, 1, 1]})
    >>> y = pd.Series([0.1, 1.9, 4.2, 5.8, 8.1, 10.3])
    >>> s = lmg(y, x)
    >>> round(float(s.sum()), 10) == round(_r2(y.to_numpy(), x.to_numpy()), 10)
    True
    """
    y, X = _check_xy(y, X)
    k = X.shape[1]
    if k > 12:
        raise ValueError(f"lmg: {k} regressors is too many for exact enumeration (max 12)")
    yv, Xv = y.to_numpy(), X.to_numpy()
    r2 = {}
    for size in range(k + 1):
        for S in itertools.combinations(range(k), size):
            r2[S] = _r2(yv, Xv[:, list(S)] if S else None)
    shares = np.zeros(k)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        for size in range(k):
            w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for S in itertools.combinations(others, size):
                with_j = tuple(sorted(S + (j,)))
                shares[j] += w * (r2[with_j] - r2[S])
    return pd.Series(shares, index=X.columns, name="lmg")


@dataclass(frozen=True)
class HorseRace:
    """Result of :func:`horse_race`.

    ``table``: one row per regressor (``const`` first) with ``coef``, ``se`` (HAC), ``t``, ``p``
    (two-sided, normal reference as statsmodels reports for HAC), ``partial_r2``, ``lmg`` (share of
    R2) and ``lmg_frac`` (lmg / R2). Scalars: ``r2``, ``nobs``, ``hac_lags``, ``start``, ``end``.
    ``fit`` is the statsmodels results object.
    """

    table: pd.DataFrame
    r2: float
    nobs: int
    hac_lags: int
    start: object
    end: object
    fit: object

    def coef(self, name: str) -> float:
        return float(self.table.loc[name, "coef"])


def horse_race(y: pd.Series, X: pd.DataFrame, *, hac_lags: int | None = None) -> HorseRace:
    """OLS of ``y`` on a constant and ``X`` with Newey-West (HAC, Bartlett) standard errors.

    ``hac_lags`` defaults to :func:`newey_west_lags` of the sample size; the small-sample correction
    is applied (``use_correction=True``). Also returns each regressor's partial R2 and LMG share.
    Inputs: same index, sorted, no NaN (raise otherwise).
    """
    y, X = _check_xy(y, X)
    lags = newey_west_lags(len(y)) if hac_lags is None else int(hac_lags)
    if lags < 0:
        raise ValueError(f"hac_lags must be >= 0, got {lags}")
    Z = sm.add_constant(X, has_constant="add")
    fit = sm.OLS(y, Z).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    pr2 = partial_r2(y, X)
    shares = lmg(y, X)
    tab = pd.DataFrame({"coef": fit.params, "se": fit.bse, "t": fit.tvalues, "p": fit.pvalues})
    tab["partial_r2"] = pr2.reindex(tab.index)
    tab["lmg"] = shares.reindex(tab.index)
    tab["lmg_frac"] = tab["lmg"] / float(fit.rsquared)
    tab.index.name = "term"
    return HorseRace(
        table=tab, r2=float(fit.rsquared), nobs=int(fit.nobs), hac_lags=lags, start=y.index[0], end=y.index[-1], fit=fit
    )


def added_variable(y: pd.Series, X: pd.DataFrame, column: str) -> pd.DataFrame:
    """Frisch-Waugh-Lovell residuals for the added-variable (partial-regression) plot of ``column``.

    ``x_resid`` = ``X[column]`` minus its OLS fit on a constant and the other columns; ``y_resid`` =
    ``y`` minus its fit on the same. The OLS slope of ``y_resid`` on ``x_resid`` equals the coefficient
    of ``column`` in the regression of ``y`` on a constant and all of ``X`` (FWL theorem), and their
    squared correlation is the partial R2 of ``column``. Returns a frame indexed like ``y``.

    >>> x = pd.DataFrame({"a": [0., 1, 2, 3, 4, 5], "b": [1., 0, 1, 0, 1, 1]})
    >>> y = pd.Series([0.1, 1.9, 4.2, 5.8, 8.1, 10.3])
    >>> av = added_variable(y, x, "a")
    >>> slope = float((av["x_resid"] @ av["y_resid"]) / (av["x_resid"] @ av["x_resid"]))
    >>> round(slope, 10) == round(horse_race(y, x).coef("a"), 10)
    True
    """
    y, X = _check_xy(y, X)
    if column not in X.columns:
        raise KeyError(f"added_variable: {column!r} is not a column of X")
    others = X.drop(columns=column)
    Z = np.column_stack([np.ones(len(y)), others.to_numpy()])

    def resid(v: np.ndarray) -> np.ndarray:
        beta, *_ = np.linalg.lstsq(Z, v, rcond=None)
        return v - Z @ beta

    return pd.DataFrame({"x_resid": resid(X[column].to_numpy()), "y_resid": resid(y.to_numpy())}, index=y.index)


def partial_r2_matrix(a: np.ndarray) -> np.ndarray:
    """Partial R2 of each regressor, from a 2-D array whose first column is y and the others the
    regressors (OLS with a constant): the squared partial correlations, read off the inverse of the
    correlation matrix (``P``): ``r_j = -P[0, j] / sqrt(P[0, 0] P[j, j])``. Fast enough to run inside a
    bootstrap; equal to :func:`partial_r2` (tested).

    >>> x = np.array([[0.1, 0., 1], [1.9, 1, 0], [4.2, 2, 1], [5.8, 3, 0], [8.1, 4, 1], [10.3, 5, 1]])
    >>> pr = partial_r2_matrix(x)
    >>> exp = partial_r2(pd.Series(x[:, 0]), pd.DataFrame(x[:, 1:], columns=["a", "b"])).to_numpy()
    >>> bool(np.allclose(pr, exp))
    True
    """
    P = np.linalg.inv(np.corrcoef(np.asarray(a, dtype=float), rowvar=False))
    r = -P[0, 1:] / np.sqrt(P[0, 0] * np.diag(P)[1:])
    return r**2


def _partial_r2_batch(a: np.ndarray) -> np.ndarray:
    """:func:`partial_r2_matrix` over a stack of samples ``a`` of shape (draws, n, 1 + k)."""
    c = a - a.mean(axis=1, keepdims=True)
    cov = np.einsum("bni,bnj->bij", c, c)
    sd = np.sqrt(np.einsum("bii->bi", cov))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    try:
        P = np.linalg.inv(corr)
    except np.linalg.LinAlgError:  # a singular resample: NaN for it, the rest as usual
        P = np.full_like(corr, np.nan)
        for b in range(len(corr)):
            try:
                P[b] = np.linalg.inv(corr[b])
            except np.linalg.LinAlgError:
                pass
    diag = np.einsum("bii->bi", P)
    r = -P[:, 0, 1:] / np.sqrt(diag[:, :1] * diag[:, 1:])
    return r**2


def partial_r2_intervals(
    y: pd.Series,
    X: pd.DataFrame,
    first: str,
    second: str,
    *,
    reps: int = 999,
    level: float = 0.90,
    seed: int = 20251121,
    block: float | None = None,
) -> pd.DataFrame:
    """Seeded stationary-bootstrap percentile intervals of the partial R2 of ``first``, of ``second``
    and of their difference ``first - second``, from one set of resamples (the rows of ``[y, X]``
    drawn together in blocks, ``arch.bootstrap.StationaryBootstrap``, as in
    :func:`mktlib.inference.bootstrap_ci`, which gives the same interval for each statistic alone).
    Returns rows ``first``, ``second``, ``difference`` with columns ``estimate``, ``low``, ``high``.
    ``block`` None: ``arch``'s optimal expected block length of y (at least 1).
    """
    from arch.bootstrap import StationaryBootstrap, optimal_block_length

    y, X = _check_xy(y, X)
    cols = list(X.columns)
    i, j = cols.index(first), cols.index(second)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    arr = np.column_stack([y.to_numpy(), X.to_numpy()])
    if block is None:
        block = float(max(1.0, optimal_block_length(arr[:, 0])["stationary"].iloc[0]))

    def stats(pr: np.ndarray) -> np.ndarray:  # (..., k) partial R2s -> (..., 3)
        return np.stack([pr[..., i], pr[..., j], pr[..., i] - pr[..., j]], axis=-1)

    est = stats(partial_r2_matrix(arr))
    bs = StationaryBootstrap(block, arr, seed=np.random.default_rng(seed))
    idx = np.array([bs.index.copy() for _ in bs.bootstrap(reps)])  # the resampled rows, in order
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = stats(_partial_r2_batch(arr[idx]))
    draws = draws[np.isfinite(draws).all(axis=1)]
    if len(draws) < reps * 0.9:
        raise ValueError("partial_r2_intervals: undefined in more than 10% of the resamples")
    a = (1 - level) / 2
    lo, hi = np.quantile(draws, a, axis=0), np.quantile(draws, 1 - a, axis=0)
    return pd.DataFrame({"estimate": est, "low": lo, "high": hi}, index=[first, second, "difference"])


# ----------------------------------------------------------------------------- real-data assembly


def aligned_change(level: pd.Series, sessions: pd.DatetimeIndex) -> pd.Series:
    """Change of a level series between consecutive ``sessions`` (e.g. NYSE days).

    A session with no observation (e.g. the bond market closed on Columbus Day while NYSE traded)
    carries the previous level forward, so its change is 0 and the next session's change covers
    both days. Raises if the first session has no earlier observation to start from.

    >>> s = pd.Series([3.60, 3.58], index=pd.DatetimeIndex(["2025-10-10", "2025-10-14"], tz="UTC"))
    >>> ses = pd.DatetimeIndex(["2025-10-10", "2025-10-13", "2025-10-14"], tz="UTC")
    >>> [round(v, 2) for v in aligned_change(s, ses).tolist()[1:]]
    [0.0, -0.02]
    """
    if level.index.tz is None or sessions.tz is None:
        raise DataError("aligned_change", "level and sessions need tz-aware (UTC) indexes")
    if level.isna().any():
        raise DataError("aligned_change", f"{level.name}: NaN levels; drop them first")
    if sessions[0] < level.index[0]:
        raise DataError("aligned_change", f"{level.name}: no observation on or before {sessions[0].date()}")
    lv = level.sort_index().reindex(level.index.union(sessions)).ffill().reindex(sessions)
    return lv.diff()


def policy_path(start: str = "2025-09-01", end: str = "2025-12-31") -> pd.DataFrame:
    """Daily grid (US Eastern dates, labels at 00:00 UTC) of ``fedwatch`` (cut probability for the
    10 Dec 2025 meeting, ends 2025-11-25), ``kalshi`` (1 - P(no change), Kalshi Dec-2025 market; days
    with a trade) and ``dgs2`` (2-year Treasury yield, %, FRED). Calendar days with NaN where a
    series has no value."""
    from mktlib import data

    fw = cut_probability(data.load("fedwatch_dec2025")).rename("fedwatch")
    ks = kalshi_cut_probability(data.load("kalshi_dec2025_nochange_1d")).rename("kalshi")
    y2 = data.load("fred_dgs2")["value"].rename("dgs2")
    grid = pd.date_range(start, end, freq="D", tz="UTC", name="timestamp")
    return pd.concat([fw, ks, y2], axis=1, sort=True).reindex(grid)


def alignment_check(a: pd.Series, b: pd.Series, lags=(-1, 0, 1)) -> pd.DataFrame:
    """How well two daily probability series agree when ``b`` is shifted by each lag (rows of a
    common daily grid): ``n`` (days where both exist), ``corr_changes`` (correlation of their daily
    changes on those days) and ``mean_abs_gap`` (mean ``abs(a - b)``). Used to check which date a
    prediction-market candle belongs to: the right alignment maximises the agreement.

    >>> idx = pd.date_range("2025-11-01", periods=6, freq="D", tz="UTC")
    >>> a = pd.Series([0.6, 0.5, 0.7, 0.4, 0.8, 0.6], index=idx)
    >>> out = alignment_check(a, a.shift(1))          # b lags a by one day
    >>> int(out["corr_changes"].idxmax())
    -1
    """
    rows = {}
    for lag in lags:
        x = pd.concat([a.rename("a"), b.shift(lag).rename("b")], axis=1).dropna()
        ch = x.diff().dropna()
        rows[lag] = {
            "n": len(x),
            "corr_changes": float(ch["a"].corr(ch["b"])) if len(ch) > 2 else float("nan"),
            "mean_abs_gap": float((x["a"] - x["b"]).abs().mean()),
        }
    out = pd.DataFrame(rows).T
    out.index.name = "lag"
    out["n"] = out["n"].astype(int)
    return out


def horse_race_frame(start: str = "2025-10-01", end: str = "2025-12-31") -> pd.DataFrame:
    """US trading days ``start``..``end`` with the horse-race variables (simple returns; changes):

    ``btc`` (Binance BTCUSDT sampled at the NYSE close, return since the previous session's close,
    so weekends/holidays accumulate), ``btc_utc`` (the other close convention: Binance BTCUSDT daily
    close of each session's UTC calendar day, i.e. the price at 00:00 UTC the next day, return since
    the previous session's UTC-day close), ``ndx``, ``nvda``, ``soxx`` (close-to-close), ``d_dgs2``
    (change in the 2-year yield, percentage points; bond-market holidays carry the level forward),
    ``d_cutprob`` (change in the FedWatch 10 Dec cut probability, 0-1; NaN outside the file, which
    runs 2024-11-26 to 2025-11-25) and ``cutprob`` (its level). The first session's changes use the
    previous session.
    """
    from mktlib import calendars, data

    ses = calendars.closes("NY", start, end).index
    prev = calendars.closes("NY", pd.Timestamp(start) - pd.Timedelta(days=10), start).index
    prev = prev[prev < ses[0]][-1]
    full = pd.DatetimeIndex([prev]).append(ses)
    btc = calendars.crypto_at_closes(
        data.load("btc_spot_1h"), "NY", prev.tz_localize(None), ses[-1].tz_localize(None), bar_length="1h"
    )["ret"]
    out = pd.DataFrame(index=ses)
    out["btc"] = btc.reindex(ses)
    b1d = data.load("btc_spot_1d_fullcols")["close"]
    missing = full.difference(b1d.index)
    if len(missing):
        raise DataError("btc_spot_1d_fullcols", f"no UTC daily close on {missing[0].date()}")
    out["btc_utc"] = b1d.reindex(full).pct_change().reindex(ses)
    for key, ds in (("ndx", "ndx_1d"), ("nvda", "nvda_1d"), ("soxx", "soxx_1d")):
        c = data.load(ds)["close"]
        missing = full.difference(c.index)
        if len(missing):
            raise DataError(ds, f"no close on NYSE session {missing[0].date()}")
        out[key] = c.reindex(full).pct_change().reindex(ses)
    out["d_dgs2"] = aligned_change(data.load("fred_dgs2")["value"].rename("dgs2"), full).reindex(ses)
    cp = cut_probability(data.load("fedwatch_dec2025"))
    cp_grid = cp.reindex(full)
    last = cp.index[-1]
    inside = full[(full >= cp.index[0]) & (full <= last)]
    if cp_grid.reindex(inside).isna().any():
        gap = inside[cp_grid.reindex(inside).isna().to_numpy()][0]
        raise DataError("fedwatch_dec2025", f"no record on NYSE session {gap.date()}")
    out["cutprob"] = cp_grid.reindex(ses)
    out["d_cutprob"] = cp_grid.diff().reindex(ses)
    out.index.name = "session"
    return out


# ----------------------------------------------------------------------------- event windows (M7)

# Rate events of the episode: the UTC instant of the announcement (external timestamps taken from the
# announcements, not chosen from prices) and what happened. 13 Nov has no single announcement: the US
# cash open is used.
RATE_EVENTS = pd.DataFrame(
    [
        (
            "29 Oct FOMC",
            "2025-10-29 18:00",
            "FOMC statement 14:00 ET (cut to 3.75-4.00%); Powell: a December cut is 'not a foregone conclusion'",
        ),
        (
            "13 Nov repricing",
            "2025-11-13 14:30",
            "first full US session after the shutdown ended; hawkish Fed speakers, ETF outflows (US open 09:30 ET)",
        ),
        (
            "19-21 Nov",
            "2025-11-19 19:00",
            "October FOMC minutes (14:00 ET 19 Nov), NVIDIA results (after the "
            "close 19 Nov), September jobs report (20 Nov), Williams (21 Nov)",
        ),
        ("10 Dec FOMC", "2025-12-10 19:00", "FOMC statement 14:00 ET (cut to 3.50-3.75%)"),
    ],
    columns=["event", "instant_utc", "what"],
).set_index("event")
RATE_EVENTS["instant_utc"] = pd.to_datetime(RATE_EVENTS["instant_utc"]).dt.tz_localize("UTC")


def first_reaction(instant, market: str) -> pd.Timestamp:
    """Label of the first observation of ``market`` whose price can reflect news at ``instant`` (UTC).

    ``market``: ``"UTC"`` (crypto daily bars labelled by UTC day: the day containing the instant),
    or a :mod:`mktlib.calendars` market (``"NY"``, ``"LBMA"``, ``"HK"``, ``"SH"``: the first session
    whose close or fix is at or after the instant).

    >>> first_reaction("2025-10-29 18:00Z", "NY").date(), first_reaction("2025-10-29 18:00Z", "LBMA").date()
    (datetime.date(2025, 10, 29), datetime.date(2025, 10, 30))
    """
    from mktlib import calendars

    t = pd.Timestamp(instant)
    if t.tzinfo is None:
        raise ValueError(f"instant {instant!r} must be tz-aware (UTC)")
    t = t.tz_convert("UTC")
    if market == "UTC":
        return t.floor("D")
    c = calendars.closes(
        market,
        (t - pd.Timedelta(days=1)).tz_localize(None).normalize(),
        (t + pd.Timedelta(days=10)).tz_localize(None).normalize(),
    )
    after = c[c["close_utc"] >= t]
    if after.empty:
        raise DataError("first_reaction", f"no {market} session within 10 days after {t}")
    return after.index[0]


def event_returns() -> dict[str, pd.Series]:
    """Daily simple returns for the event study, each on its own clock: ``btc`` (Binance BTCUSDT,
    UTC calendar days), ``ndx`` (Nasdaq-100, NYSE sessions), ``gold`` (LBMA PM fix, London days).
    ``market`` key in ``EVENT_CLOCK`` says which clock each uses."""
    from mktlib import data

    out = {
        "btc": data.load("btc_spot_1d")["close"].pct_change().dropna(),
        "ndx": data.load("ndx_1d")["close"].pct_change().dropna(),
        "gold": data.load("gold_lbma_pm")["close"].pct_change().dropna(),
    }
    return {k: v.rename(k) for k, v in out.items()}


EVENT_CLOCK = {"btc": "UTC", "ndx": "NY", "gold": "LBMA"}


def event_windows(
    window: tuple[int, int] = (0, 2),
    *,
    estimation: int = 120,
    gap: int = 10,
    shift: int = 0,
    placebo_n: int | None = 400,
    seed: int = 0,
    returns: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Constant-mean event study (:func:`mktlib.events.event_study`) of BTC, NDX and gold around
    ``RATE_EVENTS``. Each asset runs on its own clock (``window`` rows: UTC calendar days for
    BTC, trading sessions for NDX, London fixing days for gold); row 0 is :func:`first_reaction`.
    ``shift`` moves row 0 by that many rows (robustness). The placebo p-value compares the CAR
    t-statistic with the same statistic on ``placebo_n`` random windows of the same length in the
    two years before the first event (real event windows excluded).

    Returns one row per (event, asset): ``event_date``, ``end_date``, ``car``, ``car_se``, ``t``,
    ``p`` (Student t), ``p_placebo``.
    """
    from mktlib import events

    rets = event_returns() if returns is None else returns
    rows = []
    first = RATE_EVENTS["instant_utc"].min()
    for asset, r in rets.items():
        clock = EVENT_CLOCK[asset]
        hist = r.loc[first - pd.Timedelta(days=730) : first - pd.Timedelta(days=1)]
        hist_pl = events.placebo(
            hist, None, window_len=window[1] - window[0] + 1, estimation=estimation, gap=gap, n=placebo_n, seed=seed
        )
        for name, ev in RATE_EVENTS.iterrows():
            d0 = first_reaction(ev["instant_utc"], clock)
            pos = int(r.index.searchsorted(d0)) + shift
            res = events.event_study(r, None, r.index[pos], estimation=estimation, gap=gap, window=window)
            rows.append(
                {
                    "event": name,
                    "asset": asset,
                    "clock": clock,
                    "event_date": res.event_date,
                    "start_date": res.table["date"].iloc[0],
                    "end_date": res.table["date"].iloc[-1],
                    "car": res.car,
                    "car_se": res.car_se,
                    "t": res.t,
                    "p": res.p,
                    "p_placebo": events.placebo_pvalue(res.t, hist_pl["t"]),
                }
            )
    return pd.DataFrame(rows).set_index(["event", "asset"])


def window_change(level: pd.Series, start, end) -> float:
    """Change of a level series from the last observation strictly before ``start`` to the last
    observation on or before ``end`` (NaN when either is missing, or when nothing falls in between).

    >>> s = pd.Series([0.6, 0.4, 0.7], index=pd.DatetimeIndex(["2025-11-18", "2025-11-19", "2025-11-21"], tz="UTC"))
    >>> round(window_change(s, "2025-11-19", "2025-11-21"), 2)
    0.1
    """
    s = level.dropna().sort_index()
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    lo = lo.tz_localize("UTC") if lo.tzinfo is None else lo
    hi = hi.tz_localize("UTC") if hi.tzinfo is None else hi
    before, upto = s.loc[s.index < lo], s.loc[s.index <= hi]
    if before.empty or upto.empty or upto.index[-1] < lo:
        return float("nan")
    return float(upto.iloc[-1] - before.iloc[-1])


# ----------------------------------------------------------------------------- intraday FOMC windows

# Fed announcements at 14:00 US Eastern with a fixed clock time (the statement; the minutes).
FED_2PM = pd.DataFrame(
    [
        ("29 Oct FOMC statement", "2025-10-29"),
        ("19 Nov October minutes", "2025-11-19"),
        ("10 Dec FOMC statement", "2025-12-10"),
    ],
    columns=["event", "date"],
).set_index("event")


def clock_window_returns(
    bars: pd.DataFrame, days, *, start_et: str = "13:45", end_et: str = "15:30", bar_length: str, name: str = "bars"
) -> pd.Series:
    """Return from ``start_et`` to ``end_et`` (US Eastern clock, DST-aware) on each of ``days``.

    Prices from :func:`mktlib.calendars.price_at` (last bar ended by the instant, at most one bar
    stale). Days whose window has no fresh bar are dropped (e.g. a data gap), never filled.

    >>> idx = pd.date_range("2025-11-19 18:00", periods=12, freq="15min", tz="UTC")
    >>> bars = pd.DataFrame({"close": [100.0 + i for i in range(12)]}, index=idx)
    >>> r = clock_window_returns(bars, ["2025-11-19"], start_et="13:30", end_et="15:00", bar_length="15min")
    >>> round(float(r.iloc[0]), 6)        # 18:30 UTC -> 20:00 UTC in EST: bars ending then close 101 and 107
    0.059406
    """
    from mktlib import calendars

    out = {}
    for d in pd.DatetimeIndex(pd.to_datetime(days)):
        day = d.tz_localize(None) if d.tzinfo is not None else d
        a = pd.Timestamp(f"{day.date()} {start_et}", tz="America/New_York").tz_convert("UTC")
        b = pd.Timestamp(f"{day.date()} {end_et}", tz="America/New_York").tz_convert("UTC")
        try:
            p = calendars.price_at(bars, [a, b], bar_length=bar_length, max_staleness=bar_length)
        except DataError:
            continue
        out[pd.Timestamp(day.date(), tz="UTC")] = float(p["price"].iloc[1] / p["price"].iloc[0] - 1)
    s = pd.Series(out, name=name, dtype="float64")
    s.index.name = "session"
    return s


def fed_2pm_windows(start_et: str = "13:45", end_et: str = "15:30") -> pd.DataFrame:
    """NQ futures (Yahoo NQ=F, 15m) and BTC (Binance USDT-M mark price, 5m) returns from ``start_et``
    to ``end_et`` on every NYSE session both files cover, with the three 14:00 ET Fed events of
    ``FED_2PM`` flagged. Columns ``nq``, ``btc``, ``event`` (name or empty). The other days give
    the same-clock-time reference distribution for the event-day moves."""
    from mktlib import calendars, data

    nq = data.load("nq_fut_15m")
    bm = data.load("btc_mark_usdm_5m")
    lo = max(nq.index[0], bm.index[0]).tz_localize(None).normalize() + pd.Timedelta(days=1)
    hi = min(nq.index[-1], bm.index[-1]).tz_localize(None).normalize()
    ses = calendars.closes("NY", lo, hi)
    full = ses[ses["close_utc"].dt.tz_convert("America/New_York").dt.hour == 16].index  # no half days
    out = pd.concat(
        [
            clock_window_returns(nq, full, start_et=start_et, end_et=end_et, bar_length="15min", name="nq"),
            clock_window_returns(bm, full, start_et=start_et, end_et=end_et, bar_length="5min", name="btc"),
        ],
        axis=1,
        sort=True,
    ).dropna()
    ev = pd.Series("", index=out.index, dtype="str")
    for name, row in FED_2PM.iterrows():
        d = pd.Timestamp(row["date"], tz="UTC")
        if d in ev.index:
            ev.loc[d] = name
    out["event"] = ev
    return out


# ----------------------------------------------------------------------------- the chapter's tables and charts
# (notebooks/05-rates-ai.ipynb: the data behind each figure and the computations behind each table)

#: The horse-race windows the chapter shows: the two registered A5 models (their values are ledger
#: measures) and the bounce alone (context outside the registered window, not in the ledger).
A5_WINDOWS = pd.DataFrame(
    [
        ("1 Oct-31 Dec 2025, Nasdaq-100 and 2-year yield", "2025-10-01", "2025-12-31", "d_dgs2", "registered"),
        ("1 Oct-25 Nov 2025, Nasdaq-100 and cut odds", "2025-10-01", "2025-11-25", "d_cutprob", "registered"),
        (
            "21 Nov-31 Dec 2025 (the bounce), Nasdaq-100 and 2-year yield",
            "2025-11-21",
            "2025-12-31",
            "d_dgs2",
            "context",
        ),
    ],
    columns=["model", "start", "end", "rate", "status"],
).set_index("model")

#: Plain words for the horse-race variables (tables and axis labels).
VARIABLE_NAMES = {
    "btc": "BTC return at the NY close",
    "btc_utc": "BTC return at the UTC close",
    "ndx": "Nasdaq-100 return",
    "nvda": "NVIDIA return",
    "soxx": "semiconductor ETF (SOXX) return",
    "d_dgs2": "change in the 2-year Treasury yield",
    "d_cutprob": "change in the December-cut odds",
}


def window_partial_r2(
    frame: pd.DataFrame,
    windows: pd.DataFrame,
    *,
    y: str = "btc",
    equity: str = "ndx",
    reps: int = 999,
    level: float = 0.90,
    seed: int = 20251121,
) -> pd.DataFrame:
    """The two-regressor horse race ``y ~ equity + rate`` in each window, one row per window.

    ``frame``: sessions with the columns ``y``, ``equity`` and every window's rate (e.g.
    :func:`horse_race_frame`); ``windows``: rows with ``start``, ``end`` (inclusive) and ``rate`` (a
    column of ``frame``), indexed by a label (e.g. ``A5_WINDOWS``). Each window's model is
    :func:`horse_race` on its sessions (a session without the rate variable raises) and
    :func:`partial_r2_intervals` with ``reps``, ``level`` and ``seed`` (``reps=0``: no intervals).
    Returns ``start``, ``end``, ``rate``, ``sessions``, ``pr2_equity`` (with ``_low``/``_high``),
    ``pr2_rate`` (with ``_low``/``_high``), ``gap`` (equity minus rate, same model; with
    ``_low``/``_high``), ``beta_equity``, ``beta_rate``, ``p_equity``, ``p_rate`` (HAC, unadjusted).
    The two partial R2 of a row come from one model and one window, so only they may be compared.
    """
    rows = {}
    for label, w in windows.iterrows():
        sub = frame.loc[utc(w["start"]) : utc(w["end"]), [y, equity, w["rate"]]]
        if sub.isna().any().any():
            raise DataError("window_partial_r2", f"{label}: sessions without {w['rate']} or {y} in the window")
        hr = horse_race(sub[y], sub[[equity, w["rate"]]])
        t = hr.table
        row = {
            "start": sub.index[0],
            "end": sub.index[-1],
            "rate": w["rate"],
            "sessions": hr.nobs,
            "pr2_equity": float(t.loc[equity, "partial_r2"]),
            "pr2_rate": float(t.loc[w["rate"], "partial_r2"]),
            "beta_equity": float(t.loc[equity, "coef"]),
            "beta_rate": float(t.loc[w["rate"], "coef"]),
            "p_equity": float(t.loc[equity, "p"]),
            "p_rate": float(t.loc[w["rate"], "p"]),
        }
        row["gap"] = row["pr2_equity"] - row["pr2_rate"]
        ci = (
            partial_r2_intervals(sub[y], sub[[equity, w["rate"]]], equity, w["rate"], reps=reps, level=level, seed=seed)
            if reps
            else None
        )
        for key, ci_row in (("pr2_equity", equity), ("pr2_rate", w["rate"]), ("gap", "difference")):
            row[f"{key}_low"] = float(ci.loc[ci_row, "low"]) if ci is not None else float("nan")
            row[f"{key}_high"] = float(ci.loc[ci_row, "high"]) if ci is not None else float("nan")
        rows[label] = row
    out = pd.DataFrame(rows).T
    num = [c for c in out.columns if c not in ("start", "end", "rate")]
    out[num] = out[num].astype("float64")
    out["sessions"] = out["sessions"].astype(int)
    out.index.name = windows.index.name
    return out


def a5_windows() -> pd.DataFrame:
    """:func:`window_partial_r2` of ``A5_WINDOWS`` on the snapshot (BTC at the NY close on the
    Nasdaq-100 and the rate variable; the protocol's interval level, bootstrap reps and seed), with
    ``status`` (``registered`` rows equal the ledger's A5 measures; ``context`` is outside the ledger)."""
    from mktlib import claims

    d = claims.defaults()
    out = window_partial_r2(
        horse_race_frame("2025-10-01", "2025-12-31"),
        A5_WINDOWS,
        reps=d["bootstrap_reps"],
        level=d["interval_level"],
        seed=d["bootstrap_seed"],
    )
    out.insert(0, "status", A5_WINDOWS["status"])
    return out


def horse_race_table(
    models: dict[str, HorseRace],
    *,
    per: dict[str, float] | None = None,
    holm: dict[tuple[str, str], float] | None = None,
) -> pd.DataFrame:
    """The regressions of :func:`horse_race` as one table for people: a row per (model, regressor) with
    ``model``, ``regressor`` (in words, ``VARIABLE_NAMES``), ``move`` (the regressor move the effect
    is stated for, ``per[regressor]`` in the regressor's units; default 1), ``effect`` (coefficient x
    move: the BTC return that goes with that move), ``effect_se`` (HAC standard error, same scale),
    ``p_hac``, ``p_holm`` (``holm[(model, regressor)]``, else NaN), ``partial_r2``, ``lmg_share``
    (share of the model's R2), ``r2`` and ``sessions``."""
    per = per or {}
    holm = holm or {}
    rows = []
    for label, hr in models.items():
        t = hr.table.drop(index="const")
        for reg, r in t.iterrows():
            k = float(per.get(reg, 1.0))
            rows.append(
                {
                    "model": label,
                    "regressor": VARIABLE_NAMES.get(reg, reg),
                    "move": k,
                    "effect": float(r["coef"]) * k,
                    "effect_se": float(r["se"]) * k,
                    "p_hac": float(r["p"]),
                    "p_holm": float(holm.get((label, reg), float("nan"))),
                    "partial_r2": float(r["partial_r2"]),
                    "lmg_share": float(r["lmg_frac"]),
                    "r2": hr.r2,
                    "sessions": hr.nobs,
                }
            )
    return pd.DataFrame(rows)


def a5_grid_table() -> pd.DataFrame:
    """Every specification of claim A5's grid (:func:`mktlib.claims.spec_curve` of ``A5a``) with the
    partial R2 of its equity factor and of its rate variable (one model each) and the interval of their
    gap, from ``mktlib.verdicts.macro.a5_model()``. Columns: ``equity``, ``rate`` and ``close`` in
    words, ``pr2_equity``, ``pr2_rate``, ``gap_low``, ``gap_high``, ``verdict``, ``primary``."""
    from mktlib import claims
    from mktlib.verdicts import macro

    reps = claims.defaults()["bootstrap_reps"]
    rows = []
    for r in claims.spec_curve("A5a").itertuples():
        hr, ci = macro.a5_model(r.equity, r.rate, r.close, reps)
        rows.append(
            {
                "equity": VARIABLE_NAMES[r.equity].removesuffix(" return"),
                "rate": VARIABLE_NAMES[r.rate].removeprefix("change in the "),
                "close": "New York close" if r.close == "ny" else "UTC close",
                "window": f"{hr.start.day} {hr.start:%b}-{hr.end.day} {hr.end:%b %Y}",
                "pr2_equity": float(hr.table.loc[r.equity, "partial_r2"]),
                "pr2_rate": float(hr.table.loc[r.rate, "partial_r2"]),
                "gap_low": float(ci.loc["difference", "low"]),
                "gap_high": float(ci.loc["difference", "high"]),
                "verdict": r.verdict,
                "primary": bool(r.primary),
            }
        )
    return pd.DataFrame(rows)


def event_window_table(ew: pd.DataFrame, path: pd.DataFrame, *, anchor: str = "ndx") -> pd.DataFrame:
    """One row per event of :func:`event_windows` output ``ew`` (index ``(event, asset)``): the change of
    each column of ``path`` (e.g. ``fedwatch``, ``kalshi``, ``dgs2`` of :func:`policy_path`) over the
    ``anchor`` asset's window (:func:`window_change`: from the last value before its first day to its
    last day), then each asset's ``car_<asset>`` and ``p_<asset>`` (placebo p-value). Events keep
    their order in ``ew``."""
    events = list(dict.fromkeys(ew.index.get_level_values(0)))
    assets = list(dict.fromkeys(ew.index.get_level_values(1)))
    rows = []
    for e in events:
        w = ew.loc[(e, anchor)]
        row = {"event": e}
        for col in path.columns:
            row[f"d_{col}"] = window_change(path[col], w["start_date"], w["end_date"])
        for a in assets:
            row[f"car_{a}"] = float(ew.loc[(e, a), "car"])
            row[f"p_{a}"] = float(ew.loc[(e, a), "p_placebo"])
        rows.append(row)
    return pd.DataFrame(rows).set_index("event")


def fed_2pm_summary(windows: pd.DataFrame, markets=("nq", "btc")) -> pd.DataFrame:
    """The event-day rows of :func:`fed_2pm_windows` (``event`` not empty) against the other days: for
    each market, ``move_<m>`` (the event-day return), ``z_<m>`` (move / standard deviation of the other
    days' moves, ddof 1) and ``rank_<m>`` (share of other days with a smaller absolute move)."""
    ref = windows[windows["event"] == ""]
    ev = windows[windows["event"] != ""].set_index("event")
    out = pd.DataFrame(index=ev.index)
    for m in markets:
        out[f"move_{m}"] = ev[m].astype(float)
        out[f"z_{m}"] = ev[m] / ref[m].std()
        out[f"rank_{m}"] = [float((ref[m].abs() < abs(v)).mean()) for v in ev[m]]
    return out


@charts.register(
    "rates-cut-odds",
    sources=["fedwatch_dec2025", "kalshi_dec2025_nochange_1d", "fred_dgs2"],
    units="probability 0-1 (the two cut-odds series); percent a year (2-year yield)",
    title="Odds of a cut at the 10 Dec 2025 FOMC meeting (CME FedWatch, Kalshi) and the 2-year Treasury yield",
    note="calendar days (US Eastern dates); empty where a series has no value (FedWatch ends 25 Nov 2025)",
)
def cut_odds_chart() -> pd.DataFrame:
    """FedWatch and Kalshi cut odds and the 2-year yield, 15 Sep-12 Dec 2025 (:func:`policy_path`)."""
    pp = policy_path("2025-09-15", "2025-12-12")
    out = pp.rename(
        columns={
            "fedwatch": "FedWatch cut probability",
            "kalshi": "Kalshi cut probability",
            "dgs2": "2-year Treasury yield (%)",
        }
    )
    return out.dropna(how="all")


@charts.register(
    "rates-added-variable",
    sources=["btc_spot_1h", "ndx_1d", "fred_dgs2"],
    units="percent (returns and the Nasdaq-100 residual); basis points (yield residual)",
    title="Added-variable plots of the registered A5 model (BTC on Nasdaq-100 and 2-year yield, 1 Oct-31 Dec 2025)",
    note="each panel: BTC's return and one regressor, both net of the other regressor (Frisch-Waugh-Lovell)",
)
def added_variable_chart() -> pd.DataFrame:
    """Long frame (``panel``, ``x``, ``y`` by session): the Frisch-Waugh-Lovell residuals
    (:func:`added_variable`) of the registered model BTC ~ Nasdaq-100 + 2-year yield change over
    1 Oct-31 Dec 2025, x in percent (Nasdaq-100) or basis points (yield), y in percent."""
    f = horse_race_frame("2025-10-01", "2025-12-31")
    X = f[["ndx", "d_dgs2"]]
    parts = []
    for col, scale, panel in (("ndx", 100.0, "Nasdaq-100 return (%)"), ("d_dgs2", 100.0, "2-year yield change (bp)")):
        av = added_variable(f["btc"], X, col)
        parts.append(pd.DataFrame({"panel": panel, "x": av["x_resid"] * scale, "y": av["y_resid"] * 100.0}))
    return pd.concat(parts)


# ----------------------------------------------------------------------------- the chapter's drawings


@charts.drawer("rates-cut-odds")
def draw_cut_odds(df: pd.DataFrame):
    """The figure ``rates-cut-odds`` from its data (``df = charts.data("rates-cut-odds")``): FedWatch and
    Kalshi cut odds (left axis) and the 2-year yield (dashed, right axis), with the rate-news dates marked."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    fwd = df["FedWatch cut probability"].dropna()
    kal = df["Kalshi cut probability"].dropna()
    y2 = df["2-year Treasury yield (%)"].dropna()
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.plot(fwd.index, fwd, color=plotting.PALETTE["ndx"], lw=2, label="CME FedWatch (end of day)")
    ax.plot(kal.index, kal, color=plotting.PALETTE["btc"], lw=1.3, marker=".", ms=3, label="Kalshi: 1 - P(no change)")
    ax.set_ylim(0, 1.2)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    plotting.percent(ax)
    ax.set_ylabel("odds of a cut on 10 Dec")
    ax2 = ax.twinx()
    ax2.plot(
        y2.index, y2, color=plotting.PALETTE["neutral"], lw=1.1, ls="--", label="2-year Treasury yield (right axis)"
    )
    ax2.set_ylabel("2-year yield (% a year)")
    ax2.grid(False)
    plotting.month_axis(ax, fmt="%b %Y")
    plotting.mark_dates(
        ax,
        {
            "FOMC cut": "2025-10-29",
            "13 Nov": "2025-11-13",
            "minutes": "2025-11-19",
            "Williams": "2025-11-21",
            "FOMC cut ": "2025-12-10",
        },
    )
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left", fontsize=8)
    ax.set_title(
        "December-cut odds fell from near-certainty to below a third, then recovered within a week", fontsize=11
    )
    fig.tight_layout()
    plotting.source_note(
        fig,
        "Source: CME FedWatch history for the 10 Dec 2025 meeting (ends 25 Nov); Kalshi Dec-2025 "
        "'no change' daily candles; FRED DGS2. Dates are US Eastern days.",
    )
    return fig


@charts.drawer("rates-added-variable")
def draw_added_variable(df: pd.DataFrame):
    """The figure ``rates-added-variable`` from its data (``df = charts.data("rates-added-variable")``): one
    scatter per panel with the ledger's multiple-regression slope (``A5.beta_*``) and partial R2 with its
    interval (``A5.partial_r2_*``) in the panel title."""
    import matplotlib.pyplot as plt

    from mktlib import claims, plotting

    plotting.set_theme()
    ev = claims.evaluate("A5")
    v, iv = ev.values, ev.intervals
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.0), sharey=True)
    panels = [
        ("Nasdaq-100 return (%)", "A5.beta_ndx", "A5.partial_r2_ndx"),
        ("2-year yield change (bp)", "A5.beta_dgs2", "A5.partial_r2_dgs2"),
    ]
    for ax, (panel, m_beta, m_pr2) in zip(axes, panels, strict=True):
        p = df[df["panel"] == panel]
        ax.scatter(p["x"], p["y"], s=12, color=plotting.PALETTE["btc"], alpha=0.75, edgecolor="none")
        xx = np.linspace(p["x"].min(), p["x"].max(), 10)
        ax.plot(xx, v[m_beta] * xx, color=plotting.PALETTE["ndx"], lw=1.2)  # the multiple-regression slope
        ax.axhline(0, color="#bbbbbb", lw=0.6)
        ax.axvline(0, color="#bbbbbb", lw=0.6)
        ax.set_xlabel(f"{panel}, net of the other factor", fontsize=8.5)
        ax.set_title(f"partial R² {v[m_pr2]:.1%} (90% interval {iv[m_pr2][0]:.1%} to {iv[m_pr2][1]:.1%})", fontsize=9)
    axes[0].set_ylabel("BTC return at the NY close (%),\nnet of the other factor")
    fig.suptitle(
        "1 Oct-31 Dec 2025: net of the other factor, bitcoin's daily returns line up with the Nasdaq-100, "
        "not with the 2-year yield",
        x=0.01,
        ha="left",
        fontweight="bold",
        fontsize=10,
    )
    fig.tight_layout()
    plotting.source_note(
        fig,
        "Added-variable (Frisch-Waugh-Lovell) plots of the registered model: each axis net of the "
        "other factor; the line's slope is the regression coefficient. Source: Binance BTCUSDT at "
        "16:00 ET, Yahoo ^NDX, FRED DGS2; US trading days.",
    )
    return fig
