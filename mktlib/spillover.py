r"""Diebold-Yilmaz (2012) spillover indices from a generalized (Pesaran-Shin) variance decomposition.

Model. A VAR(p) with a constant, fitted by OLS equation by equation (the same estimator as
``statsmodels.tsa.api.VAR(data).fit(p)``):

.. math:: y_t = c + \Phi_1 y_{t-1} + \dots + \Phi_p y_{t-p} + u_t,\qquad \Sigma = E[u_t u_t'].

(statsmodels' ``VARResults.coefs`` holds :math:`\Phi_1, \dots, \Phi_p`.)

:math:`\Sigma` is estimated as statsmodels' ``sigma_u``: :math:`\hat U'\hat U / (T_{eff} - Np - 1)`
(degrees-of-freedom adjusted). The generalized FEVD is invariant to a scalar rescaling of
:math:`\Sigma` (the numerator and the denominator below both scale by the same factor), so the
maximum-likelihood :math:`\hat U'\hat U/T_{eff}` (``sigma_u_mle``) gives the *same* table; a test
checks it. The MA coefficients :math:`A_h` (statsmodels ``ma_rep``) follow
:math:`A_0 = I`, :math:`A_h = \sum_{l=1}^{\min(h,p)} \Phi_l A_{h-l}`, for :math:`h = 0, \dots, H-1`
(H terms, as ``ma_rep(maxn=H-1)`` and R ``vars::fevd(n.ahead=H)``).

Generalized FEVD (Pesaran and Shin 1998), the share of variable i's H-step forecast-error variance
due to shocks in variable j:

.. math:: \theta_{ij}(H) = \frac{\sigma_{jj}^{-1} \sum_{h=0}^{H-1} (e_i' A_h \Sigma e_j)^2}
                               {\sum_{h=0}^{H-1} e_i' A_h \Sigma A_h' e_i}

Rows of :math:`\theta` do not sum to one (shocks are correlated), so DY2012 normalise each row:
:math:`\tilde\theta_{ij} = \theta_{ij} / \sum_j \theta_{ij}`. With the table
:math:`C = 100\,\tilde\theta` (percent; row i = the variable explained, column j = the source):

- total spillover index :math:`S = \sum_{i \ne j} C_{ij} / N` (percent of the total forecast-error
  variance that comes from cross-variable shocks);
- from others :math:`F_i = \sum_{j \ne i} C_{ij}` (row sums without the diagonal);
- to others :math:`T_j = \sum_{i \ne j} C_{ij}` (column sums without the diagonal);
- net :math:`T_i - F_i`; net pairwise :math:`P_{ij} = C_{ji} - C_{ij}`.

Units and sign conventions. Directional figures are reported *unscaled*, as in DY2012's Table 2 and
R's ``Spillover::G.spillover`` (e.g. "contribution to others" of stocks 16.37 on the DY2012 data).
The formulas in the text of DY2012 divide the directional and net pairwise measures by N, so that
they are in units of the total index; multiply ours by 1/N to get those. A positive
``pairwise_net.loc[i, j]`` means that i transmits more to j than it receives from j (i is a net
transmitter to j); the matrix is antisymmetric and its row sums equal ``net``.

No dynamics. ``lags=0`` fits :math:`y_t = c + u_t` (a VAR(0): lag order 0 is a legitimate outcome of
an information criterion on daily returns). Then :math:`A_0 = I` and :math:`A_h = 0` for h >= 1, so
:math:`\theta_{ij} = \rho_{ij}^2` and each row of the table is the squared correlations of that
variable normalised to sum to one, whatever H. With two variables the pairwise net is then exactly 0;
with more, a pairwise asymmetry comes only from the normalisation (how strongly each variable
co-moves with the *other* variables), not from any lead or lag.

Uncertainty. :func:`bootstrap_spillover` resamples the rows of the VAR regression (the target
:math:`y_t` with its own lags, so the lag structure inside a row is kept) in stationary blocks
(Politis and Romano 1994; expected block length ``block`` rows, seeded), refits every replicate at
once with the batched solver and returns percentile intervals for any entry of the table, the
directional and net measures and the total. The lag order is held at the one given (intervals are
conditional on it).

Not ``VARResults.fevd()``: that is the Cholesky (orthogonalised) decomposition, which depends on the
column order. The generalized table is order-invariant: permuting the columns permutes the table.

Fast rolling windows. :func:`rolling_spillover` builds the lagged design matrix once, solves all
windows' least-squares problems at once (centred, scaled normal equations; QR for any
ill-conditioned window, see ``_fit_batched``), and runs the MA recursion and the GFEVD batched over
windows. ``scripts/bench_spillover.py`` checks it against refitting statsmodels in each window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "SpilloverBootstrap",
    "SpilloverResult",
    "bootstrap_spillover",
    "generalized_fevd",
    "ma_coefficients",
    "rolling_spillover",
    "rolling_spillover_tables",
    "spillover",
    "stationary_indices",
]

# windows solved at once in the batched fit (bounds memory: chunk * (window - lags) * (1 + N p) floats)
_CHUNK = 256
# condition number of the scaled centred normal equations above which a window is solved by QR instead
_QR_COND = 1e6


# ---------------------------------------------------------------------------------------------
# core numerics (plain numpy, batched over leading axes)
# ---------------------------------------------------------------------------------------------


def ma_coefficients(coefs: np.ndarray, horizon: int) -> np.ndarray:
    r"""MA coefficient matrices :math:`A_0 = I, A_1, \dots, A_{H-1}` of a VAR with lag matrices ``coefs``.

    :math:`A_h = \sum_{l=1}^{\min(h,p)} \Phi_l A_{h-l}`. ``coefs``: array ``(..., p, N, N)`` of the
    lag matrices :math:`\Phi_l`, ``coefs[..., l-1, i, j]`` the coefficient of :math:`y_{j,t-l}` in
    the equation of :math:`y_i` (statsmodels' ``VARResults.coefs`` layout). Returns
    ``(..., H, N, N)``; equal to statsmodels ``ma_rep(coefs, maxn=H-1)`` for one system.

    >>> phi1 = np.array([[[0.5, 0.0], [0.2, 0.3]]])
    >>> ma_coefficients(phi1, 3)[2]          # A_2 = Phi_1 @ Phi_1 (VAR(1))
    array([[0.25, 0.  ],
           [0.16, 0.09]])
    """
    coefs = np.asarray(coefs, dtype=float)
    *batch, p, k, k2 = coefs.shape
    if k != k2:
        raise ValueError(f"ma_coefficients: lag matrices must be square, got shape {coefs.shape}")
    if horizon < 1:
        raise ValueError(f"ma_coefficients: horizon must be >= 1, got {horizon}")
    out = np.zeros((*batch, horizon, k, k))
    out[..., 0, :, :] = np.eye(k)
    for h in range(1, horizon):
        acc = np.zeros((*batch, k, k))
        for lag in range(1, min(h, p) + 1):
            acc += coefs[..., lag - 1, :, :] @ out[..., h - lag, :, :]
        out[..., h, :, :] = acc
    return out


def generalized_fevd(ma: np.ndarray, sigma: np.ndarray, normalize: bool = True) -> np.ndarray:
    r"""Generalized (Pesaran-Shin) forecast-error variance decomposition, as fractions.

    .. math:: \theta_{ij}(H) = \frac{\sigma_{jj}^{-1} \sum_{h=0}^{H-1} (e_i' A_h \Sigma e_j)^2}
                                   {\sum_{h=0}^{H-1} e_i' A_h \Sigma A_h' e_i}

    ``ma``: MA coefficients ``(..., H, N, N)`` (``A_0 = I`` first, e.g. from :func:`ma_coefficients`
    or statsmodels ``ma_rep(maxn=H-1)``); ``sigma``: innovation covariance ``(..., N, N)``. Both may
    carry the same leading batch axes (one per rolling window). Returns ``(..., N, N)``; row i =
    variable explained, column j = shock. With ``normalize`` (DY2012) rows are divided by their sums
    and sum to 1; without it, the raw :math:`\theta_{ij}` (diagonal-Sigma systems already sum to 1).

    Hand-checkable case: no dynamics (H = 1, A_0 = I) and unit variances with correlation 0.5 give
    :math:`\theta_{12} = \rho^2 = 0.25`, normalised to 0.25 / 1.25 = 0.2:

    >>> generalized_fevd(np.eye(2)[None], np.array([[1.0, 0.5], [0.5, 1.0]]))
    array([[0.8, 0.2],
           [0.2, 0.8]])
    """
    ma = np.asarray(ma, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    diag = np.diagonal(sigma, axis1=-2, axis2=-1)  # (..., N)
    a_sigma = ma @ sigma[..., None, :, :]  # (..., H, N, N): A_h Sigma
    num = (a_sigma**2).sum(axis=-3) / diag[..., None, :]  # (..., N, N)
    den = np.einsum("...hij,...hij->...i", a_sigma, ma)  # (A_h Sigma A_h')_ii summed
    theta = num / den[..., :, None]
    if normalize:
        theta = theta / theta.sum(axis=-1, keepdims=True)
    return theta


def _lag_design(y: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """Regressors ``[1, y_{t-1}, ..., y_{t-p}]`` and targets ``y_t`` for t = p..T-1 (statsmodels order)."""
    t_len, k = y.shape
    z = np.empty((t_len - lags, 1 + k * lags))
    z[:, 0] = 1.0
    for lag in range(1, lags + 1):
        z[:, 1 + (lag - 1) * k : 1 + lag * k] = y[lags - lag : t_len - lag]
    return z, y[lags:]


def _fit_batched(x: np.ndarray, y: np.ndarray, lags: int, k: int):
    """OLS of ``y (W, n, N)`` on ``x (W, n, 1 + N p)`` (constant first) in each of W windows.

    Returns the lag matrices ``(W, p, N, N)``, Sigma ``(W, N, N)`` = U'U / (n - 1 - N p) (statsmodels'
    ``sigma_u``) and the positions of windows whose regressors are collinear (then the first two are
    None). The constant is absorbed by centring each window (the slopes of a regression with an
    intercept are those of the centred regression); the centred normal equations are solved after
    scaling them to a correlation matrix, whose condition number bounds the relative error
    (about cond * 1e-16). Windows with cond > ``_QR_COND`` are re-solved by QR of the centred
    regressors (error about sqrt(cond) * 1e-16, as the SVD-based ``np.linalg.lstsq`` statsmodels uses).
    """
    n, m = x.shape[-2:]
    yc = y - y.mean(axis=-2, keepdims=True)  # (W, n, N)
    if lags == 0:  # no regressors but the constant: Sigma is the covariance
        sigma = np.swapaxes(yc, -1, -2) @ yc / (n - 1)
        return np.zeros((*y.shape[:-2], 0, k, k)), sigma, np.array([], dtype=int)
    xc = x[..., 1:] - x[..., 1:].mean(axis=-2, keepdims=True)  # (W, n, Np)
    xt = np.swapaxes(xc, -1, -2)
    g = xt @ xc
    d = np.sqrt(np.diagonal(g, axis1=-2, axis2=-1))  # (W, Np)
    with np.errstate(divide="ignore", invalid="ignore"):
        gs = g / (d[..., :, None] * d[..., None, :])
        ev = np.linalg.eigvalsh(np.where(np.isfinite(gs), gs, 0.0))  # ascending, (W, Np)
    collinear = ~(d > 0).all(axis=-1) | ~(ev[..., 0] > (m - 1) * np.finfo(float).eps * ev[..., -1] * 10)
    bad = np.flatnonzero(collinear)
    if bad.size:
        return None, None, bad
    b = np.linalg.solve(gs, (xt @ yc) / d[..., :, None]) / d[..., :, None]  # (W, Np, N)
    ill = np.flatnonzero(ev[..., -1] > _QR_COND * ev[..., 0])
    if ill.size:
        q, r = np.linalg.qr(xc[ill])
        b[ill] = np.linalg.solve(r, np.swapaxes(q, -1, -2) @ yc[ill])
    resid = yc - xc @ b
    sigma = np.swapaxes(resid, -1, -2) @ resid / (n - m)
    # b[(l-1)N + j, i] is the coefficient of y_{j,t-l} in equation i  ->  Phi_l[i, j]
    coefs = b.reshape(-1, lags, k, k).swapaxes(-1, -2)
    return coefs, sigma, bad


# ---------------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------------


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"spillover: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _min_rows(k: int, lags: int) -> int:
    # T - p observations, 1 + N p regressors per equation, and at least 1 residual degree of freedom
    return lags + k * lags + 2


def _validate(data, lags: int, horizon: int) -> tuple[np.ndarray, list[str]]:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"spillover: data must be a pandas DataFrame (columns = variables), got {type(data).__name__}")
    lags = _check_int("lags", lags, 0)
    _check_int("horizon", horizon, 1)
    if data.shape[1] < 2:
        raise ValueError(f"spillover: needs at least 2 variables (columns), got {data.shape[1]}: {list(data.columns)}")
    names = [str(c) for c in data.columns]
    if len(set(names)) != len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise ValueError(f"spillover: duplicate column names {dup}")
    bad = [
        str(c)
        for c in data.columns
        if not pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c])
    ]
    if bad:
        raise ValueError(f"spillover: non-numeric column(s) {bad}; pass returns or volatilities as floats")
    idx = data.index
    if isinstance(idx, pd.DatetimeIndex) and not (idx.is_unique and idx.is_monotonic_increasing):
        raise ValueError("spillover: the time index must be strictly increasing (unsorted or duplicate timestamps)")
    values = data.to_numpy(dtype=float, na_value=np.nan, copy=True)
    finite = np.isfinite(values)
    if not finite.all():
        cols = [names[j] for j in np.flatnonzero(~finite.all(axis=0))]
        first = idx[np.flatnonzero(~finite.all(axis=1))[0]]
        raise ValueError(
            f"spillover: NaN or infinite values in column(s) {cols} (first at {first}); "
            "drop or fill them before fitting the VAR"
        )
    need = _min_rows(len(names), lags)
    if len(values) < need:
        raise ValueError(
            f"spillover: too few observations for a VAR({lags}) in {len(names)} variables: "
            f"{len(values)} rows, need at least {need}"
        )
    return values, names


def _check_sigma(sigma: np.ndarray, labels) -> None:
    diag = np.diagonal(sigma, axis1=-2, axis2=-1)
    scale = np.abs(sigma).max(axis=(-2, -1))
    bad = np.flatnonzero(~(diag > 1e-14 * scale[:, None]).all(axis=-1))
    if bad.size:
        raise ValueError(
            f"spillover: a residual variance is zero in the window ending {labels[bad[0]]} "
            "(a series is constant or an exact function of the others' lags)"
        )


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpilloverResult:
    """A DY2012 spillover table and its summaries (all in percent).

    - ``table``: N x N DataFrame, row i = variable explained, column j = source of the shock; rows sum
      to 100; own shares on the diagonal.
    - ``total``: total spillover index, sum of the off-diagonal entries / N.
    - ``to_others`` / ``from_others``: column / row sums without the diagonal (unscaled, as in DY2012
      Table 2). ``net`` = to - from.
    - ``pairwise_net``: ``P[i, j] = C[j, i] - C[i, j]`` (> 0: i is a net transmitter to j; DY2012's
      formula also divides by N). Antisymmetric; row sums equal ``net``.
    - ``lags``, ``horizon``, ``nobs``: the VAR order, the forecast horizon H, the observations used
      in the regression (rows - lags).
    """

    table: pd.DataFrame
    total: float
    to_others: pd.Series
    from_others: pd.Series
    net: pd.Series
    pairwise_net: pd.DataFrame
    lags: int
    horizon: int
    nobs: int

    def dy_table(self) -> pd.DataFrame:
        """The table laid out as DY2012's Table 2: plus a "From others" column, "To others" and "Net" rows.

        The bottom-right cell of "To others" holds the total spillover index.
        """
        out = self.table.copy()
        out["From others"] = self.from_others
        out.loc["To others"] = [*self.to_others, self.total]
        out.loc["Net"] = [*self.net, np.nan]
        return out


def _summaries(theta: np.ndarray):
    """Total, to, from, net (percent) from normalised fractions ``theta (..., N, N)``."""
    k = theta.shape[-1]
    c = 100.0 * theta
    own = np.diagonal(c, axis1=-2, axis2=-1)
    from_ = c.sum(axis=-1) - own
    to = c.sum(axis=-2) - own
    total = from_.sum(axis=-1) / k
    return total, to, from_, to - from_


def spillover(data: pd.DataFrame, lags: int, horizon: int) -> SpilloverResult:
    """Diebold-Yilmaz (2012) spillover table of a VAR(``lags``) with a constant, H = ``horizon`` steps.

    ``data``: columns = variables, rows = time (returns or volatilities), floats without NaN; at
    least 2 columns. The VAR is fitted by OLS as ``statsmodels.tsa.api.VAR(data).fit(lags)``; the
    table is the row-normalised generalized FEVD (see the module docstring for the formulas and
    sign conventions). Raises ValueError on bad input (TypeError if ``data`` is not a DataFrame).

    Known answer: the DY2012 volatility data, VAR(4), H = 10 -> total 12.59 (paper: 12.6%).

    >>> rng = np.random.default_rng(0)
    >>> e = rng.standard_normal((1000, 2))
    >>> x = e[:, 0]
    >>> y = 0.8 * np.r_[0.0, x[:-1]] + e[:, 1]          # x drives y with a one-day lag
    >>> res = spillover(pd.DataFrame({"x": x, "y": y}), lags=1, horizon=10)
    >>> bool(res.to_others["x"] > 20 > res.from_others["x"]), bool(np.allclose(res.table.sum(axis=1), 100))
    (True, True)
    >>> bool(np.isclose(res.pairwise_net.loc["x", "y"], res.net["x"]))
    True
    """
    values, names = _validate(data, lags, horizon)
    k = len(names)
    z, y = _lag_design(values, lags)
    coefs, sigma, bad = _fit_batched(z[None], y[None], lags, k)
    if bad.size:
        raise ValueError(
            "spillover: the VAR regressors are collinear (a constant series, or one series "
            "an exact linear function of others)"
        )
    _check_sigma(sigma, data.index[-1:])
    theta = generalized_fevd(ma_coefficients(coefs, horizon), sigma)[0]
    return _result(theta, names, lags=lags, horizon=horizon, nobs=len(y))


def _result(theta: np.ndarray, names: list[str], lags: int, horizon: int, nobs: int) -> SpilloverResult:
    """Wrap normalised GFEVD fractions ``(N, N)`` as a :class:`SpilloverResult` (percent)."""
    total, to, from_, net = (np.asarray(v) for v in _summaries(theta))
    c = 100.0 * theta
    return SpilloverResult(
        table=pd.DataFrame(c, index=names, columns=names),
        total=float(total),
        to_others=pd.Series(to, index=names, name="to_others"),
        from_others=pd.Series(from_, index=names, name="from_others"),
        net=pd.Series(net, index=names, name="net"),
        pairwise_net=pd.DataFrame(c.T - c, index=names, columns=names),
        lags=lags,
        horizon=horizon,
        nobs=nobs,
    )


def _rolling_theta(data: pd.DataFrame, window: int, lags: int, horizon: int, step: int):
    """Normalised GFEVD fractions ``(W, N, N)`` for each window, the window-end labels and the names."""
    values, names = _validate(data, lags, horizon)
    window = _check_int("window", window, 1)
    step = _check_int("step", step, 1)
    k = len(names)
    if window < _min_rows(k, lags):
        raise ValueError(
            f"rolling_spillover: window of {window} rows is too short for a VAR({lags}) in "
            f"{k} variables: need at least {_min_rows(k, lags)}"
        )
    if window > len(values):
        raise ValueError(f"rolling_spillover: window ({window}) is longer than the data ({len(values)} rows)")
    z, y = _lag_design(values, lags)
    n = window - lags  # regression rows per window
    # a window ending at data row e (inclusive) starts at s = e - window + 1 and regresses y_t for
    # t = s+lags .. e, i.e. design rows (z row r <-> t = r + lags) s .. e - lags: n rows from s
    ends = np.arange(len(values) - 1, window - 2, -step)[::-1]  # anchored on the last observation
    starts = ends - window + 1  # first design row of each window
    zv = np.lib.stride_tricks.sliding_window_view(z, n, axis=0)  # (n_all, m, n) view
    yv = np.lib.stride_tricks.sliding_window_view(y, n, axis=0)
    theta = np.empty((len(ends), k, k))
    labels = data.index[ends]
    for lo in range(0, len(ends), _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        xw = np.ascontiguousarray(zv[starts[sl]].swapaxes(-1, -2))  # (w, n, m)
        yw = np.ascontiguousarray(yv[starts[sl]].swapaxes(-1, -2))  # (w, n, N)
        coefs, sigma, bad = _fit_batched(xw, yw, lags, k)
        if bad.size:
            raise ValueError(
                f"rolling_spillover: the VAR regressors are collinear in the window ending "
                f"{labels[lo + bad[0]]} (a constant series in that window?)"
            )
        _check_sigma(sigma, labels[sl])
        theta[sl] = generalized_fevd(ma_coefficients(coefs, horizon), sigma)
    return theta, labels, names


def rolling_spillover(data: pd.DataFrame, window: int, lags: int, horizon: int, step: int = 1) -> pd.DataFrame:
    """Spillover indices re-estimated on rolling windows of ``window`` rows (each window its own VAR).

    Each window holds ``window`` consecutive rows of ``data`` (the first ``lags`` are pre-sample, so
    the regression uses ``window - lags`` observations), exactly as
    ``spillover(data.iloc[s:s + window], lags, horizon)``. Windows end every ``step`` rows, anchored so
    the last window ends on the last row. Returns one row per window, labelled by the window's LAST
    timestamp (no look-ahead), with columns ``total``, ``to_<var>``, ``from_<var>``, ``net_<var>``
    (percent, as :class:`SpilloverResult`). Batched numpy: equal to refitting statsmodels' VAR in
    each window to ~1e-10.

    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.standard_normal((60, 2)), columns=["a", "b"],
    ...                   index=pd.date_range("2025-01-01", periods=60, freq="D", tz="UTC"))
    >>> out = rolling_spillover(df, window=40, lags=1, horizon=5, step=10)
    >>> list(out.index.strftime("%m-%d")), list(out.columns)
    (['02-09', '02-19', '03-01'], ['total', 'to_a', 'to_b', 'from_a', 'from_b', 'net_a', 'net_b'])
    >>> bool(np.isclose(out["total"].iloc[-1], spillover(df.iloc[-40:], 1, 5).total))
    True
    """
    theta, labels, names = _rolling_theta(data, window, lags, horizon, step)
    total, to, from_, net = _summaries(theta)
    cols = {"total": total}
    cols.update({f"to_{v}": to[:, j] for j, v in enumerate(names)})
    cols.update({f"from_{v}": from_[:, j] for j, v in enumerate(names)})
    cols.update({f"net_{v}": net[:, j] for j, v in enumerate(names)})
    return pd.DataFrame(cols, index=labels)


def rolling_spillover_tables(data: pd.DataFrame, window: int, lags: int, horizon: int, step: int = 1) -> pd.DataFrame:
    """The full rolling spillover tables (percent), for pairwise shares over time.

    Same windows and labels as :func:`rolling_spillover`. Long format: index = (window end, variable
    explained ``to``), columns = source variables; ``out.xs("B", level=1)["A"]`` is the share of B's
    forecast-error variance due to A shocks, per window.

    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.standard_normal((60, 2)), columns=["a", "b"])
    >>> tabs = rolling_spillover_tables(df, window=40, lags=1, horizon=5, step=10)
    >>> tabs.shape, list(tabs.index.names)
    ((6, 2), ['end', 'to'])
    """
    theta, labels, names = _rolling_theta(data, window, lags, horizon, step)
    idx = pd.MultiIndex.from_product([labels, names], names=["end", "to"])
    return pd.DataFrame(100.0 * theta.reshape(-1, len(names)), index=idx, columns=pd.Index(names, name="from"))


# ---------------------------------------------------------------------------------------------
# bootstrap intervals
# ---------------------------------------------------------------------------------------------


def stationary_indices(n: int, reps: int, block: float, rng: np.random.Generator) -> np.ndarray:
    """Row indices ``(reps, n)`` of a stationary bootstrap (Politis and Romano 1994): blocks start at
    uniform positions, have geometric lengths with mean ``block`` and wrap around the end. Vectorised
    over replicates (a loop over the n positions only).

    >>> idx = stationary_indices(5, 3, 1.0, np.random.default_rng(0))      # block 1: i.i.d. rows
    >>> idx.shape, bool(((idx >= 0) & (idx < 5)).all())
    ((3, 5), True)
    """
    n = _check_int("n", n, 1)
    reps = _check_int("reps", reps, 1)
    if not block >= 1:
        raise ValueError(f"stationary_indices: the expected block length must be >= 1, got {block}")
    starts = rng.integers(0, n, size=(reps, n))
    new = rng.random((reps, n)) < 1.0 / block
    out = np.empty((reps, n), dtype=np.int64)
    out[:, 0] = starts[:, 0]
    for t in range(1, n):
        out[:, t] = np.where(new[:, t], starts[:, t], (out[:, t - 1] + 1) % n)
    return out


@dataclass(frozen=True)
class SpilloverBootstrap:
    """Bootstrap replicates of a spillover table (percent) and their percentile intervals.

    ``tables``: array ``(reps, N, N)``, row = variable explained, column = source (as
    :attr:`SpilloverResult.table`). :meth:`interval` gives the (low, high) percentile interval at
    ``level`` of one statistic: ``"table"`` (i explained, j source), ``"pairwise_net"`` (i, j: > 0 when
    i transmits more to j than it receives), ``"net"``, ``"to"``, ``"from"`` (i) or ``"total"``.
    """

    names: tuple[str, ...]
    tables: np.ndarray
    level: float
    block: float
    lags: int
    horizon: int

    @property
    def reps(self) -> int:
        return int(self.tables.shape[0])

    def draws(self, kind: str, i: str | None = None, j: str | None = None) -> np.ndarray:
        """The replicates of one statistic (see the class docstring)."""
        c = self.tables
        pos = {v: k for k, v in enumerate(self.names)}
        own = np.diagonal(c, axis1=-2, axis2=-1)
        if kind == "table":
            return c[:, pos[i], pos[j]]
        if kind == "pairwise_net":
            return c[:, pos[j], pos[i]] - c[:, pos[i], pos[j]]
        if kind == "to":
            return c[:, :, pos[i]].sum(axis=-1) - own[:, pos[i]]
        if kind == "from":
            return c[:, pos[i], :].sum(axis=-1) - own[:, pos[i]]
        if kind == "net":
            return c[:, :, pos[i]].sum(axis=-1) - c[:, pos[i], :].sum(axis=-1)
        if kind == "total":
            return (c.sum(axis=(-2, -1)) - own.sum(axis=-1)) / len(self.names)
        raise ValueError(f"SpilloverBootstrap: unknown statistic {kind!r}")

    def interval(self, kind: str, i: str | None = None, j: str | None = None) -> tuple[float, float]:
        d = self.draws(kind, i, j)
        a = (1 - self.level) / 2
        return float(np.quantile(d, a)), float(np.quantile(d, 1 - a))


def bootstrap_spillover(
    data: pd.DataFrame,
    lags: int,
    horizon: int,
    *,
    reps: int = 999,
    level: float = 0.90,
    block: float | None = None,
    seed: int = 0,
) -> SpilloverBootstrap:
    """Stationary block bootstrap of the DY2012 table of ``spillover(data, lags, horizon)``.

    The rows of the VAR regression (``y_t`` with its ``lags`` lags and the constant) are resampled in
    stationary blocks of expected length ``block`` (None: the largest Politis-White optimal length of
    the columns, ``arch.bootstrap.optimal_block_length``, at least 1), each replicate is refitted by
    OLS with the lag order held at ``lags`` (all replicates solved at once) and its generalized FEVD
    table computed. Seeded (``numpy.random.default_rng(seed)``): the same call gives the same draws.
    Replicates whose regressors are collinear (possible with very short samples) are redrawn.

    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame(rng.standard_normal((120, 2)), columns=["a", "b"])
    >>> bs = bootstrap_spillover(df, 1, 5, reps=99, block=2.0, seed=1)
    >>> lo, hi = bs.interval("pairwise_net", "a", "b")
    >>> bs.tables.shape, lo < 0 < hi
    ((99, 2, 2), True)
    """
    values, names = _validate(data, lags, horizon)
    reps = _check_int("reps", reps, 1)
    if not 0 < level < 1:
        raise ValueError(f"bootstrap_spillover: level must be in (0, 1), got {level}")
    k = len(names)
    z, y = _lag_design(values, lags)
    n = len(y)
    if block is None:
        from arch.bootstrap import optimal_block_length

        block = float(max(1.0, optimal_block_length(values)["stationary"].max()))
    rng = np.random.default_rng(seed)
    theta = np.empty((reps, k, k))
    done = 0
    for _ in range(20):  # redraw the (rare) collinear replicates
        idx = stationary_indices(n, reps - done, block, rng)
        for lo in range(0, len(idx), _CHUNK):
            part = idx[lo : lo + _CHUNK]
            coefs, sigma, bad = _fit_batched(z[part], y[part], lags, k)
            if bad.size:
                keep = np.setdiff1d(np.arange(len(part)), bad)
                part = part[keep]
                if not len(part):
                    continue
                coefs, sigma, _ = _fit_batched(z[part], y[part], lags, k)
            ok = (np.diagonal(sigma, axis1=-2, axis2=-1) > 0).all(axis=-1)
            t = generalized_fevd(ma_coefficients(coefs[ok], horizon), sigma[ok])
            m = min(len(t), reps - done)
            theta[done : done + m] = t[:m]
            done += m
        if done >= reps:
            break
    if done < reps:
        raise ValueError("bootstrap_spillover: too many replicates with collinear regressors (sample too short)")
    return SpilloverBootstrap(tuple(names), 100.0 * theta, float(level), float(block), lags, horizon)


# ---------------------------------------------------------------------------------------------
# the transmission chapter: every D10 spillover estimate in one table for people
# ---------------------------------------------------------------------------------------------


def directional_shares(result: SpilloverResult, a: str, b: str) -> dict[str, float]:
    """The two directional shares between ``a`` and ``b`` of a spillover table, in percent:
    ``a_to_b`` (the share of ``b``'s forecast-error variance due to shocks in ``a``), ``b_to_a``,
    ``pairwise_net`` (``a_to_b - b_to_a``, percentage points: > 0 when ``a`` gives ``b`` more than it
    receives) and ``net_a`` (``a``'s net spillover to all others).

    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.standard_normal((200, 2)), columns=["a", "b"])
    >>> d = directional_shares(spillover(df, 0, 10), "a", "b")
    >>> round(d["pairwise_net"], 12)   # two variables, no lags: equal shares by construction
    0.0
    """
    t = result.table
    for v in (a, b):
        if v not in t.index:
            raise KeyError(f"directional_shares: {v!r} is not a variable of the table ({list(t.index)})")
    a_to_b, b_to_a = float(t.loc[b, a]), float(t.loc[a, b])
    return {"a_to_b": a_to_b, "b_to_a": b_to_a, "pairwise_net": a_to_b - b_to_a, "net_a": float(result.net[a])}


#: The variable sets of the chapter's spillover systems, in words.
SYSTEM_NAMES = {
    "six": "six: BTC, Nasdaq-100, NVIDIA, gold, Hang Seng, Shanghai (registered)",
    "five": "five: the registered six without NVIDIA",
    "pair": "BTC and Nasdaq-100 only",
    "registry (D10)": "six: BTC, Nasdaq-100, NVIDIA, gold, Hang Seng, Shanghai (registered)",
    "with dollar and 2-year yield": "BTC, Nasdaq-100, gold, Hang Seng, dollar index, 2-year yield",
}

#: Column names of :func:`spillover_estimates` (each says what the number is and its unit).
ESTIMATE_COLUMNS = {
    "window": "window (US trading days)",
    "variables": "variables",
    "lag_rule": "lag rule",
    "lags": "lags chosen",
    "btc_to_ndx": "BTC's share of Nasdaq-100 variance, %",
    "ndx_to_btc": "Nasdaq-100's share of BTC variance, %",
    "pairwise_net": "net BTC → Nasdaq-100, pp",
    "pn_low": "net, 90% interval low",
    "pn_high": "net, 90% interval high",
}


def spillover_estimates() -> pd.DataFrame:
    """Every D10 spillover estimate the transmission chapter quotes, one row per window, variable set
    and lag rule (DY2012 generalized decomposition, 10-day horizon, daily returns at the NY close):

    - the D10 window, 1 Oct-31 Dec 2025, for each system of the claim's grid (six, five, pair) with the
      lag order chosen by BIC over 0-4 and with one lag forced (the first edition's choice), each with
      the 90% stationary-bootstrap interval of the pairwise net (``mktlib.verdicts.transmission.d10_spill``);
    - the regimes (2020-21, 2022-23, ETF era, and the episode 1 Oct 2025-31 Jan 2026, which adds January)
      for the registered six variables and a set with the dollar and the 2-year yield, lag order by BIC
      (no intervals).

    Indexed by a short key (``"d10 six bic"``, ``"regime episode six"``...) the notebook glues from;
    columns as ``ESTIMATE_COLUMNS`` keys (rename with it for the page)."""
    from mktlib.verdicts import transmission as T

    rows = []
    a, b = T.D10_SPILL
    window = f"{pd.Timestamp(a):%-d %b} - {pd.Timestamp(b):%-d %b %Y}"
    for system in T.SPILL_SYSTEMS:
        for lags in ("bic", 1):
            s = T.d10_spill(system, lags)
            d = directional_shares(s["result"], "btc", "ndx")
            lo, hi = s["boot"].interval("pairwise_net", "btc", "ndx")
            rows.append(
                {
                    "key": f"d10 {system} {lags}",
                    "window": window,
                    "variables": SYSTEM_NAMES[system],
                    "lag_rule": "BIC over 0-4" if lags == "bic" else "one lag forced",
                    "lags": int(s["lags"]),
                    "btc_to_ndx": d["a_to_b"],
                    "ndx_to_btc": d["b_to_a"],
                    "pairwise_net": d["pairwise_net"],
                    "pn_low": lo,
                    "pn_high": hi,
                }
            )
    from mktlib import correlation as corr

    sub = T.spillover_subsamples()
    for (set_name, regime), r in sub.iterrows():
        ra, rb = corr.REGIMES[regime]
        rows.append(
            {
                "key": f"regime {regime} {'six' if set_name == 'registry (D10)' else 'macro'}",
                "window": f"{regime}: {pd.Timestamp(ra):%-d %b %Y} - {pd.Timestamp(rb):%-d %b %Y}",
                "variables": SYSTEM_NAMES[set_name],
                "lag_rule": "BIC over 0-4",
                "lags": int(r["lags"]),
                "btc_to_ndx": float(r["btc_to_ndx"]),
                "ndx_to_btc": float(r["ndx_to_btc"]),
                "pairwise_net": float(r["btc_to_ndx"] - r["ndx_to_btc"]),
                "pn_low": np.nan,
                "pn_high": np.nan,
            }
        )
    out = pd.DataFrame(rows).set_index("key")
    cols = ["pairwise_net", "pn_low", "pn_high"]
    out[cols] = out[cols].mask(out[cols].abs() < 1e-9, 0.0)  # exact zeros (two variables, no lags) print as 0
    return out
