"""Event studies for a single asset (MacKinlay 1997): market or constant-mean model, AR, CAR, placebo.

Event time
----------
The index of ``asset`` *defines* the event-time unit: one step of relative time is one row. For
equities indexed by trading session that is a trading day (weekends and holidays are skipped); for
crypto indexed by UTC calendar day it is a calendar day. Inputs are **simple returns**; the index must
be a tz-aware, strictly increasing, duplicate-free ``pandas.DatetimeIndex`` with no NaN.

``event`` is the first observation that can react: it is mapped to the first index label at or after
it (``result.event_date``). Daily exchange data are labelled by session date at 00:00 UTC, so an
announcement made after a session's close must be passed as the *next* session's date by the caller.

Windows (positions are rows of the index; ``e`` = the event row, ``(w0, w1) = window``)::

    estimation: rows [e + w0 - gap - estimation, e + w0 - gap)      (L1 = estimation rows)
    gap:        rows [e + w0 - gap, e + w0)                         (unused, guards against leakage)
    event:      rows [e + w0, e + w1]                               (L2 = w1 - w0 + 1 rows)

Model (``market`` given): R_t = alpha + beta R_m,t + eps_t, OLS on the estimation window,
sigma^2 = RSS / (L1 - 2). ``market=None``: constant mean R_t = mu + eps_t, sigma^2 = RSS / (L1 - 1).
With X the event-window regressors (a column of ones, plus R_m) and X1 the estimation-window ones,
the abnormal returns AR = R - X theta have covariance (MacKinlay 1997, eq. 12)

    V = sigma^2 (I + X (X1'X1)^-1 X')

whose diagonal is sigma^2 [1 + 1/L1 + (R_m,t - mean R_m)^2 / sum (R_m - mean R_m)^2] (eq. 11;
without the last term for the constant-mean model). CAR(w0, t) = sum of AR, Var(CAR) = 1'V1 over
the rows summed (the full matrix, so the estimation error common to all rows is counted once per
pair). The t-statistic CAR / sqrt(Var CAR) is referred to Student t with L1 - 2 (L1 - 1) degrees of
freedom, exact under normal i.i.d. errors. Crypto returns are fat-tailed and heteroskedastic, so
for one asset compare the t-statistic with :func:`placebo`, the same statistic on every other window
of the same length (:func:`placebo_pvalue`).

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> idx = pd.date_range("2025-01-01", periods=200, freq="D", tz="UTC")
>>> m = pd.Series(rng.normal(0, 0.01, 200), index=idx)
>>> a = 0.001 + 1.5 * m + pd.Series(rng.normal(0, 0.01, 200), index=idx)
>>> a.iloc[150] += 0.10                                  # a planted +10% abnormal return
>>> res = event_study(a, m, "2025-05-31", estimation=100, gap=5, window=(-1, 1))
>>> res.event_date.date(), round(res.car, 1), bool(res.t > 5), round(res.beta, 1)
(datetime.date(2025, 5, 31), 0.1, True, 1.5)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["EventStudyResult", "event_study", "placebo", "placebo_pvalue"]


@dataclass(frozen=True)
class EventStudyResult:
    """Result of :func:`event_study`.

    ``table`` is indexed by ``rel_day`` (w0..w1) with columns: ``date`` (index label), ``ret`` (asset
    return), ``market`` (market return; absent for the constant-mean model), ``expected`` (model
    return), ``ar`` (abnormal return), ``var_ar`` (Var AR incl. estimation error), ``se_ar``, ``t_ar``,
    ``car`` (cumulative AR from w0 to this day), ``var_car`` (1'V1 over w0..day), ``se_car``, ``t_car``.

    Scalars: ``car``, ``car_se``, ``t`` (= car / car_se), ``p`` (two-sided, Student t with ``df``),
    ``alpha`` (or the constant mean), ``beta`` (NaN for the constant-mean model), ``sigma`` (residual
    s.d. on the estimation window), ``df``, ``L1``, ``event_date``, ``window``, ``estimation_start``,
    ``estimation_end`` (labels of the first and last estimation rows), ``model``.
    """

    table: pd.DataFrame
    car: float
    car_se: float
    t: float
    p: float
    alpha: float
    beta: float
    sigma: float
    df: int
    L1: int
    event_date: pd.Timestamp
    window: tuple[int, int]
    estimation_start: pd.Timestamp
    estimation_end: pd.Timestamp
    model: str
    var_car_sampling: float = field(default=float("nan"))  # sigma^2 * L2 (no estimation error)

    def summary(self) -> pd.Series:
        """The scalars as a Series (for display)."""
        return pd.Series(
            {
                "event_date": self.event_date.date().isoformat(),
                "window": str(self.window),
                "model": self.model,
                "L1": self.L1,
                "alpha": self.alpha,
                "beta": self.beta,
                "sigma": self.sigma,
                "car": self.car,
                "car_se": self.car_se,
                "t": self.t,
                "p": self.p,
            },
            dtype=object,
        )


def _check_series(s: pd.Series, name: str) -> pd.Series:
    if not isinstance(s, pd.Series):
        raise TypeError(f"{name}: expected a pandas Series of simple returns, got {type(s).__name__}")
    if not isinstance(s.index, pd.DatetimeIndex):
        raise ValueError(f"{name}: index must be a DatetimeIndex, got {type(s.index).__name__}")
    if s.index.tz is None:
        raise ValueError(f"{name}: index must be tz-aware (UTC)")
    if s.index.has_duplicates:
        raise ValueError(f"{name}: duplicate timestamps, first {s.index[s.index.duplicated()][0]}")
    if not s.index.is_monotonic_increasing:
        raise ValueError(f"{name}: index is not sorted in increasing time")
    vals = pd.to_numeric(s, errors="coerce").astype("float64")
    bad = ~np.isfinite(vals.to_numpy())
    if bad.any():
        raise ValueError(
            f"{name}: {int(bad.sum())} NaN/non-finite value(s), first at {s.index[bad][0]}; "
            "drop or fill them before the event study (the index defines event time)"
        )
    return vals


def _align(asset: pd.Series, market: pd.Series | None) -> tuple[pd.Series, pd.Series | None]:
    a = _check_series(asset, "asset")
    if market is None:
        return a, None
    m = _check_series(market, "market")
    if not a.index.equals(m.index):
        lo, hi = max(a.index[0], m.index[0]), min(a.index[-1], m.index[-1])
        ai, mi = a.index[(a.index >= lo) & (a.index <= hi)], m.index[(m.index >= lo) & (m.index <= hi)]
        if not ai.equals(mi):
            diff = ai.symmetric_difference(mi)
            raise ValueError(
                f"asset and market indexes differ on {len(diff)} date(s) in their common span "
                f"(first {diff[0]}); align them first, e.g. "
                "pd.concat([asset, market], axis=1, join='inner'), so each row is the same "
                "period for both"
            )
        a, m = a.loc[lo:hi], m.loc[lo:hi]
    return a, m


def _event_pos(index: pd.DatetimeIndex, event) -> int:
    ev = pd.Timestamp(event)
    if ev.tzinfo is None:
        ev = ev.tz_localize(index.tz)
    if ev < index[0] or ev > index[-1]:
        raise ValueError(f"event {ev} is outside the data ({index[0]} to {index[-1]})")
    return int(index.searchsorted(ev, side="left"))


def _design(x: np.ndarray | None, n: int) -> np.ndarray:
    return np.ones((n, 1)) if x is None else np.column_stack([np.ones(n), x])


def _fit(y1: np.ndarray, x1: np.ndarray | None):
    """OLS on the estimation window: theta, sigma^2, (X1'X1)^-1, df."""
    X1 = _design(x1, len(y1))
    L1, k = X1.shape
    xtx_inv = np.linalg.inv(X1.T @ X1)
    theta = xtx_inv @ X1.T @ y1
    resid = y1 - X1 @ theta
    df = L1 - k
    return theta, float(resid @ resid) / df, xtx_inv, df


def _car_core(y1, x1, y2, x2):
    """(car, var_car) for one window; x1/x2 None for the constant-mean model."""
    theta, s2, xtx_inv, df = _fit(y1, x1)
    X2 = _design(x2, len(y2))
    ar = y2 - X2 @ theta
    g = X2.sum(axis=0)  # 1'X
    var_car = s2 * (len(y2) + g @ xtx_inv @ g)
    return float(ar.sum()), float(var_car), df


def event_study(
    asset: pd.Series,
    market: pd.Series | None,
    event,
    *,
    estimation: int = 120,
    gap: int = 10,
    window: tuple[int, int] = (-1, 5),
) -> EventStudyResult:
    """Abnormal and cumulative abnormal returns of one asset around one event (see module docstring).

    ``asset``/``market``: simple returns, same index over their common span (the index defines
    event time). ``market=None`` fits a constant-mean model. ``estimation``: L1 rows; ``gap``: rows
    between the estimation window and the first event-window row; ``window``: (w0, w1) rows relative
    to the event row, inclusive.
    """
    w0, w1 = (int(window[0]), int(window[1]))
    if w1 < w0:
        raise ValueError(f"window {window}: end before start")
    if gap < 0:
        raise ValueError(f"gap must be >= 0, got {gap}")
    min_l1 = 3 if market is None else 4
    if estimation < min_l1:
        raise ValueError(
            f"estimation window too short: {estimation} rows (need at least {min_l1}; "
            "a usable market model needs far more, e.g. 60-250)"
        )
    a, m = _align(asset, market)
    idx = a.index
    e = _event_pos(idx, event)
    s0, s1 = e + w0, e + w1
    est0 = s0 - gap - estimation
    if est0 < 0:
        raise ValueError(
            f"estimation window too short: event {idx[e].date()} with window {window}, gap {gap} "
            f"needs {estimation} estimation rows but only {max(s0 - gap, 0)} precede it "
            f"(data start {idx[0].date()})"
        )
    if s1 >= len(idx):
        raise ValueError(
            f"event window {window} around {idx[e].date()} runs past the end of the data ({idx[-1].date()})"
        )
    y = a.to_numpy()
    x = None if m is None else m.to_numpy()
    est = slice(est0, est0 + estimation)
    evt = slice(s0, s1 + 1)
    y1, y2 = y[est], y[evt]
    x1 = None if x is None else x[est]
    x2 = None if x is None else x[evt]
    if x1 is not None and np.ptp(x1) == 0:
        raise ValueError("market: constant over the estimation window; the market model is not identified")
    theta, s2, xtx_inv, df = _fit(y1, x1)
    X2 = _design(x2, len(y2))
    expected = X2 @ theta
    ar = y2 - expected
    V = s2 * (np.eye(len(y2)) + X2 @ xtx_inv @ X2.T)
    var_ar = np.diag(V).copy()
    car = np.cumsum(ar)
    # Var of the partial sums: 1'V1 over the leading block, i.e. cumulative sums of V's rows and columns
    var_car = np.array([V[: i + 1, : i + 1].sum() for i in range(len(y2))])
    rel = pd.RangeIndex(w0, w1 + 1, name="rel_day")
    cols = {"date": idx[evt], "ret": y2}
    if x2 is not None:
        cols["market"] = x2
    cols.update(
        {
            "expected": expected,
            "ar": ar,
            "var_ar": var_ar,
            "se_ar": np.sqrt(var_ar),
            "t_ar": ar / np.sqrt(var_ar),
            "car": car,
            "var_car": var_car,
            "se_car": np.sqrt(var_car),
            "t_car": car / np.sqrt(var_car),
        }
    )
    table = pd.DataFrame(cols, index=rel)
    car_tot, var_tot = float(car[-1]), float(var_car[-1])
    se = float(np.sqrt(var_tot))
    t = car_tot / se
    return EventStudyResult(
        table=table,
        car=car_tot,
        car_se=se,
        t=t,
        p=float(2 * stats.t.sf(abs(t), df)),
        alpha=float(theta[0]),
        beta=float(theta[1]) if x is not None else float("nan"),
        sigma=float(np.sqrt(s2)),
        df=int(df),
        L1=int(estimation),
        event_date=idx[e],
        window=(w0, w1),
        estimation_start=idx[est0],
        estimation_end=idx[est0 + estimation - 1],
        model="constant mean" if x is None else "market model",
        var_car_sampling=s2 * len(y2),
    )


def placebo(
    asset: pd.Series,
    market: pd.Series | None,
    *,
    window_len: int,
    estimation: int = 120,
    gap: int = 10,
    n: int | None = None,
    seed: int = 0,
    exclude=None,
) -> pd.DataFrame:
    """CAR t-statistics of the same design on placebo windows of ``window_len`` rows (single asset).

    Every window start s with ``estimation + gap`` rows before it and ``window_len`` rows from it is a
    candidate (the same estimation/gap layout as :func:`event_study` with ``window=(0, window_len-1)``
    anchored at s). ``exclude``: dates (or (start, end) pairs) whose rows must not fall in a placebo
    *event* window, e.g. the real event windows. ``n``: draw that many windows at random without
    replacement (``seed``); ``None`` = all windows.

    Returns a DataFrame indexed by ``start`` (first row of each placebo window, sorted) with ``end``,
    ``car``, ``car_se``, ``t``. Overlapping windows are dependent: the distribution is a reference for
    the size of a t-statistic on this asset, not a set of independent draws.

    >>> import numpy as np, pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=400, freq="D", tz="UTC")
    >>> r = pd.Series(np.random.default_rng(0).normal(0, 0.02, 400), index=idx)
    >>> pl = placebo(r, None, window_len=5, estimation=100, gap=5)
    >>> len(pl), round(float(pl["t"].mean()), 2), round(float(pl["t"].std()), 2)  # white noise: ~N(0, 1)
    (291, -0.05, 0.94)
    """
    if window_len < 1:
        raise ValueError(f"window_len must be >= 1, got {window_len}")
    if gap < 0:
        raise ValueError(f"gap must be >= 0, got {gap}")
    min_l1 = 3 if market is None else 4
    if estimation < min_l1:
        raise ValueError(f"estimation window too short: {estimation} rows (need at least {min_l1})")
    a, m = _align(asset, market)
    idx = a.index
    y = a.to_numpy()
    x = None if m is None else m.to_numpy()
    starts = np.arange(estimation + gap, len(y) - window_len + 1)
    if len(starts) == 0:
        raise ValueError(
            f"series too short for one placebo window: {len(y)} rows < "
            f"{estimation + gap + window_len} (estimation + gap + window_len)"
        )
    if exclude is not None:
        blocked = np.zeros(len(y), dtype=bool)
        items = [exclude] if isinstance(exclude, (str, pd.Timestamp)) else list(exclude)
        for it in items:
            lo, hi = (it, it) if isinstance(it, (str, pd.Timestamp)) else it
            lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
            lo = lo.tz_localize(idx.tz) if lo.tzinfo is None else lo
            hi = hi.tz_localize(idx.tz) if hi.tzinfo is None else hi
            blocked |= (idx >= lo) & (idx <= hi)
        cum = np.concatenate([[0], np.cumsum(blocked)])
        starts = starts[(cum[starts + window_len] - cum[starts]) == 0]
        if len(starts) == 0:
            raise ValueError("every placebo window overlaps an excluded date")
    if n is not None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if n < len(starts):
            starts = np.sort(np.random.default_rng(seed).choice(starts, size=n, replace=False))
    out = np.empty((len(starts), 2))
    for i, s in enumerate(starts):
        est = slice(s - gap - estimation, s - gap)
        evt = slice(s, s + window_len)
        if x is not None and np.ptp(x[est]) == 0:
            out[i] = np.nan
            continue
        car, var, _ = _car_core(y[est], None if x is None else x[est], y[evt], None if x is None else x[evt])
        out[i] = car, var
    se = np.sqrt(out[:, 1])
    res = pd.DataFrame(
        {"end": idx[starts + window_len - 1], "car": out[:, 0], "car_se": se, "t": out[:, 0] / se},
        index=pd.DatetimeIndex(idx[starts], name="start"),
    )
    return res.dropna()


def placebo_pvalue(t: float, placebo_t) -> float:
    """Two-sided empirical p-value of ``t`` against placebo t-statistics: ``(1 + #{abs(t_p) >= abs(t)}) / (1 + N)``.

    >>> placebo_pvalue(2.5, [0.1, -3.0, 1.0, 2.6])
    0.6
    """
    pt = np.asarray(placebo_t, dtype=float)
    pt = pt[np.isfinite(pt)]
    if len(pt) == 0:
        raise ValueError("placebo_t: no finite placebo statistics")
    return float((1 + np.sum(np.abs(pt) >= abs(t))) / (1 + len(pt)))
