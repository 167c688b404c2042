r"""Lead-lag between markets: cross-correlations, Granger tests, and the overnight/weekend design.

Sign convention (fixed by a test on simulated data)
---------------------------------------------------
``ccf(x, y, k) = corr(x_t, y_{t+k})``. A peak at a POSITIVE lag k means x moves first and y follows
k steps later: **x leads y**. (Simulated ``y_t = 0.5 x_{t-3} + e`` peaks at k = +3.)

Gaps
----
Intraday series of markets with different hours have gaps (the CME daily halt, weekends). Pass
``freq`` (e.g. ``"15min"``) and lags are taken in *time* (t - k*freq), not in rows, so no lag ever
straddles a gap: a row enters a regression only if every lag it needs exists. Returns are built by
:func:`bar_log_returns`, which keeps only returns between two adjacent bars.

Granger tests
-------------
:func:`granger_test` fits the VAR equation of the *caused* variable by OLS (constant + ``lags`` lags
of every variable) and tests that all lags of the *causing* variable are zero: an F-test (classical,
or with a heteroskedasticity-robust covariance, ``cov_type="HC1"``). It equals the ``ssr_ftest`` of
``statsmodels.tsa.stattools.grangercausalitytests(df[[caused, causing]], ...)`` in the bivariate case
(which tests whether the SECOND column causes the FIRST). :func:`select_lag_order` picks the lag
order on one common sample by AIC/BIC/HQIC, with statsmodels' ``VAR.select_order`` formulas.
Granger causality is predictability, not causation.

Non-synchronous prices: Hayashi-Yoshida
---------------------------------------
Two markets observed at different, irregular instants (a 1-minute BTC series and 2-minute SPY bars
that are missing when the venue printed nothing) cannot be paired bar by bar without discarding or
stale-filling data. :func:`hayashi_yoshida` (Hayashi and Yoshida 2005; the lead-lag version of
Hoffmann, Rosenbaum and Yoshida 2013) sums products of increments of x and y over every pair of
observation intervals that OVERLAP once y's intervals are shifted back by theta:

.. math:: U(\theta) = \sum_{i,j} \Delta x(I_i)\,\Delta y(J_j)\,1\{I_i \cap (J_j - \theta) \ne \emptyset\}

normalised by :math:`\sqrt{\sum \Delta x^2 \sum \Delta y^2}` to a correlation. Same sign
convention as :func:`ccf`: if y repeats x with a delay theta0 (x leads), the contrast peaks at
theta = +theta0. :func:`lead_lag_ratio` (Huth and Abergel 2014) is
:math:`\sum_{\theta>0}\rho(\theta)^2 / \sum_{\theta<0}\rho(\theta)^2`: above 1, x leads.

Overnight / weekend design
--------------------------
"BTC fell before stocks" is trivially true when stocks are closed. :func:`off_hours_design` splits
each US session t into the off-hours span (NY close of t-1 -> 09:30 ET on t, weekends and holidays
included) and the session (open -> close). BTC and the index futures (which trade ~23 h a day) are
both sampled over the off-hours span; :func:`off_hours_regression` regresses the index open-to-close
return on BTC's off-hours return controlling for the futures' off-hours return (HAC errors).
"""

from __future__ import annotations

from datetime import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

from mktlib import calendars, charts
from mktlib.errors import DataError

__all__ = [
    "bar_log_returns",
    "ccf",
    "hayashi_yoshida",
    "hayashi_yoshida_segments",
    "lead_lag_ratio",
    "lagged_design",
    "select_lag_order",
    "granger_test",
    "granger_both_ways",
    "off_hours_design",
    "off_hours_regression",
    "detect_rolls",
    "peak_trough_times",
]


def _check_index(idx: pd.Index, where: str) -> None:
    if isinstance(idx, pd.DatetimeIndex):
        if idx.tz is None:
            raise DataError(where, "timestamps must be tz-aware (UTC)")
    if not idx.is_monotonic_increasing or idx.has_duplicates:
        raise DataError(where, "timestamps are unsorted or duplicated")


def bar_log_returns(bars: pd.DataFrame, freq: str, column: str = "close", *, name: str | None = None) -> pd.Series:
    """Log returns close-to-close between ADJACENT bars (open times exactly ``freq`` apart), labelled
    by the later bar's open time; returns across a gap (halt, weekend, missing bar) are dropped.

    >>> idx = pd.DatetimeIndex(["2025-11-20 14:00", "2025-11-20 14:15", "2025-11-20 15:00"], tz="UTC")
    >>> bar_log_returns(pd.DataFrame({"close": [100.0, 101.0, 99.0]}, index=idx), "15min").round(5).tolist()
    [0.00995]
    """
    where = name or str(bars.attrs.get("dataset", "bars"))
    if column not in bars.columns:
        raise DataError(where, f"missing column {column!r}")
    _check_index(bars.index, where)
    if bars[column].isna().any():
        raise DataError(where, f"NaN in {column!r}")
    if (bars[column] <= 0).any():
        raise DataError(where, f"non-positive prices in {column!r}")
    step = pd.Timedelta(freq)
    lr = np.log(bars[column]).diff()
    adjacent = bars.index.to_series().diff() == step
    return lr[adjacent.to_numpy()].rename(name or column)


def _shift(s: pd.Series, k: int, freq: str | None) -> pd.Series:
    """Values of s at t - k (k > 0: lag) aligned to s's index; NaN where that time is absent."""
    if freq is None:
        return s.shift(k)
    t = s.index - k * pd.Timedelta(freq)
    return pd.Series(s.reindex(t).to_numpy(), index=s.index)


def ccf(x: pd.Series, y: pd.Series, max_lag: int, freq: str | None = None) -> pd.Series:
    """Cross-correlation ``corr(x_t, y_{t+k})`` for k = -max_lag..max_lag (Pearson, pairwise-complete).

    A peak at k > 0: x leads y by k steps. Without ``freq`` the two series must share one index and
    lags are rows; with ``freq`` lags are time steps and each series may have gaps.

    >>> rng = np.random.default_rng(0)
    >>> x = pd.Series(rng.standard_normal(2000))
    >>> y = 0.5 * x.shift(3).fillna(0) + pd.Series(rng.standard_normal(2000))
    >>> int(ccf(x, y, 5).idxmax())
    3
    """
    for s, nm in ((x, "x"), (y, "y")):
        if not isinstance(s, pd.Series):
            raise ValueError(f"ccf: {nm} must be a pandas Series")
        if s.isna().any():
            raise ValueError(f"ccf: {nm} has NaN (drop them; missing times are gaps)")
        _check_index(s.index, f"ccf ({nm})")
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 0:
        raise ValueError(f"ccf: max_lag must be an integer >= 0, got {max_lag!r}")
    if freq is None and not x.index.equals(y.index):
        raise ValueError("ccf: x and y have different indexes; align them or pass freq for time lags")
    if freq is None and len(x) <= max_lag + 3:
        raise ValueError(f"ccf: series too short ({len(x)}) for max_lag {max_lag}")
    out = {}
    for k in range(-max_lag, max_lag + 1):
        # y_{t+k} on x's index
        yk = (
            _shift(y, -k, freq)
            if freq is None
            else pd.Series(y.reindex(x.index + k * pd.Timedelta(freq)).to_numpy(), index=x.index)
        )
        ok = yk.notna().to_numpy()
        if ok.sum() < 3:
            out[k] = np.nan
            continue
        out[k] = float(np.corrcoef(x.to_numpy()[ok], yk.to_numpy()[ok])[0, 1])
    return pd.Series(out, name="ccf").rename_axis("lag")


def lagged_design(data: pd.DataFrame, lags: int, freq: str | None = None) -> pd.DataFrame:
    """Columns ``<var>`` (time t) and ``<var>.L<l>`` (t - l), rows where every lag exists."""
    if not isinstance(data, pd.DataFrame) or data.shape[1] < 2:
        raise ValueError("lagged_design: data must be a DataFrame with at least 2 columns")
    if data.isna().any().any():
        raise ValueError(
            f"lagged_design: NaN in {list(data.columns[data.isna().any().to_numpy()])} "
            "(drop the rows: missing times are gaps)"
        )
    _check_index(data.index, "lagged_design")
    if isinstance(lags, bool) or not isinstance(lags, (int, np.integer)) or lags < 1:
        raise ValueError(f"lagged_design: lags must be an integer >= 1, got {lags!r}")
    cols = {c: data[c] for c in data.columns}
    for lag in range(1, lags + 1):
        for c in data.columns:
            cols[f"{c}.L{lag}"] = _shift(data[c], lag, freq)
    return pd.DataFrame(cols).dropna()


def select_lag_order(
    data: pd.DataFrame, maxlags: int, ic: str = "bic", freq: str | None = None, *, min_lags: int = 1
) -> tuple[int, pd.DataFrame]:
    """VAR lag order ``min_lags``..maxlags minimising an information criterion, all orders fitted on
    the same rows (those with ``maxlags`` lags). Formulas as statsmodels ``VAR.select_order`` (log det
    of the ML residual covariance + penalty with k^2 p + k free parameters). Returns (order, table).

    ``min_lags=0`` includes the VAR(0) (constant only), as statsmodels' ``select_order`` does: use it
    when any order is acceptable (a spillover table), not for a Granger test (which needs >= 1 lag)."""
    if ic not in ("aic", "bic", "hqic"):
        raise ValueError(f"select_lag_order: ic must be aic, bic or hqic, got {ic!r}")
    if min_lags not in (0, 1) or maxlags < max(min_lags, 1):
        raise ValueError(f"select_lag_order: need min_lags 0 or 1 and maxlags >= 1, got {min_lags}, {maxlags}")
    d = lagged_design(data, maxlags, freq)
    k = data.shape[1]
    n = len(d)
    if n <= k * maxlags + 1:
        raise ValueError(f"select_lag_order: {n} usable rows are too few for {maxlags} lags of {k} variables")
    Y = d[list(data.columns)].to_numpy()
    rows = []
    for p in range(min_lags, maxlags + 1):
        X = np.column_stack(
            [np.ones(n)] + [d[[f"{c}.L{lag}" for c in data.columns]].to_numpy() for lag in range(1, p + 1)]
        )
        B, *_ = np.linalg.lstsq(X, Y, rcond=None)
        U = Y - X @ B
        ld = np.linalg.slogdet(U.T @ U / n)[1]
        free = p * k * k + k
        rows.append(
            {
                "lags": p,
                "aic": ld + 2.0 / n * free,
                "bic": ld + np.log(n) / n * free,
                "hqic": ld + 2.0 * np.log(np.log(n)) / n * free,
                "nobs": n,
            }
        )
    tab = pd.DataFrame(rows).set_index("lags")
    return int(tab[ic].idxmin()), tab


def granger_test(
    data: pd.DataFrame, caused: str, causing: str, lags: int, freq: str | None = None, cov_type: str = "nonrobust"
) -> dict:
    """F-test that ``causing``'s lags 1..``lags`` do not help predict ``caused`` in the VAR equation of
    ``caused`` (constant + lags of every column of ``data``). ``cov_type``: ``"nonrobust"`` or a
    statsmodels robust type (``"HC1"``). Returns ``f``, ``p``, ``df_num``, ``df_den``, ``nobs``, ``lags``.

    >>> rng = np.random.default_rng(1)
    >>> x = rng.standard_normal(1500); e = rng.standard_normal(1500)
    >>> y = np.r_[np.zeros(3), 0.5 * x[:-3]] + e
    >>> df = pd.DataFrame({"x": x, "y": y})
    >>> granger_test(df, "y", "x", 3)["p"] < 1e-6, granger_test(df, "x", "y", 3)["p"] > 0.01
    (True, True)
    """
    for c in (caused, causing):
        if c not in data.columns:
            raise ValueError(f"granger_test: missing column {c!r}")
    if caused == causing:
        raise ValueError("granger_test: caused and causing must differ")
    d = lagged_design(data, lags, freq)
    regs = [f"{c}.L{lag}" for lag in range(1, lags + 1) for c in data.columns]
    n = len(d)
    if n <= len(regs) + 5:
        raise ValueError(f"granger_test: {n} usable rows are too few for {len(regs) + 1} regressors")
    X = sm.add_constant(d[regs].to_numpy(), has_constant="add")
    res = sm.OLS(d[caused].to_numpy(), X).fit(cov_type=cov_type)
    idx = [1 + regs.index(f"{causing}.L{lag}") for lag in range(1, lags + 1)]
    R = np.zeros((lags, X.shape[1]))
    R[np.arange(lags), idx] = 1.0
    ft = res.f_test(R)
    return {
        "f": float(np.squeeze(ft.fvalue)),
        "p": float(ft.pvalue),
        "df_num": int(ft.df_num),
        "df_den": int(ft.df_denom),
        "nobs": n,
        "lags": lags,
    }


def granger_both_ways(
    data: pd.DataFrame,
    a: str,
    b: str,
    maxlags: int,
    ic: str = "bic",
    freq: str | None = None,
    cov_type: str = "nonrobust",
    lags: int | None = None,
) -> pd.DataFrame:
    """Granger tests a -> b and b -> a in the VAR of the columns of ``data``, lag order by ``ic`` (or
    fixed ``lags``). One row per direction: ``lags``, ``f``, ``p``, ``nobs``."""
    p = lags if lags is not None else select_lag_order(data, maxlags, ic, freq)[0]
    rows = []
    for causing, caused in ((a, b), (b, a)):
        r = granger_test(data, caused, causing, p, freq, cov_type)
        rows.append({"direction": f"{causing} -> {caused}", **r})
    return pd.DataFrame(rows).set_index("direction")


# ---------------------------------------------------------------------------------------------
# overnight / weekend design
# ---------------------------------------------------------------------------------------------


def detect_rolls(futures_at_close: pd.Series, index_close: pd.Series, threshold: float = 0.005) -> pd.DatetimeIndex:
    """Sessions where the futures/index ratio at the close jumps by more than ``threshold`` (log) from
    the previous session: a continuous front-month series switching contracts (not roll-adjusted)."""
    if not futures_at_close.index.equals(index_close.index):
        raise ValueError("detect_rolls: futures and index series must share one session index")
    jump = np.log(futures_at_close / index_close).diff().abs()
    return futures_at_close.index[(jump > threshold).to_numpy()]


def off_hours_design(
    crypto_bars: pd.DataFrame,
    futures_bars: pd.DataFrame,
    index_daily: pd.DataFrame,
    start,
    end,
    *,
    open_time: time = time(9, 30),
    crypto_bar: str = "1h",
    futures_bar: str = "1h",
    max_staleness: str = "30min",
    roll_threshold: float = 0.005,
    exclude_utc_days=(),
) -> pd.DataFrame:
    """One row per US session t in [start, end]: the off-hours span NY close(t-1) -> ``open_time`` ET
    on t, and the index's session return.

    Columns: ``prev_close_utc``, ``open_utc`` (09:30 ET, UTC), ``crypto_off`` and ``futures_off``
    (simple returns from the price at the previous NY close to the price at the open, each price the
    last bar that ended by that instant, at most ``max_staleness`` old: with 1h bars the open price is
    the 09:00 ET bar end), ``open_sample_utc``, ``index_oc`` (index open / close - 1 on t),
    ``index_cc`` (close-to-close), ``days`` (calendar days since the previous session; > 1 =
    weekend/holiday), ``weekend`` (bool).

    Sessions are dropped (and listed in ``attrs["dropped"]`` with the reason) where a price is stale,
    where the futures roll (ratio to the index jumps by > ``roll_threshold`` between the two closes),
    or where the span touches a UTC day in ``exclude_utc_days`` (e.g. corrupt roll days).
    """
    for b, nm in ((crypto_bars, "crypto bars"), (futures_bars, "futures bars")):
        if "close" not in b.columns:
            raise DataError(nm, "missing column 'close'")
        _check_index(b.index, nm)
    for c in ("open", "close"):
        if c not in index_daily.columns:
            raise DataError("index_daily", f"missing column {c!r}")
    sess = calendars.closes("NY", (pd.Timestamp(start) - pd.Timedelta(days=10)).date(), pd.Timestamp(end).date())
    first = int(sess.index.searchsorted(pd.Timestamp(start, tz="UTC")))
    if first == 0 or first == len(sess):
        raise ValueError("off_hours_design: no session in range")
    sess = sess.iloc[first - 1 :]
    ny = "America/New_York"
    labels = sess.index.tz_localize(None)
    open_utc = (labels + pd.Timedelta(hours=open_time.hour, minutes=open_time.minute)).tz_localize(ny).tz_convert("UTC")
    close_utc = sess["close_utc"]
    cur = sess.iloc[1:].index
    prev_close = pd.DatetimeIndex(close_utc.iloc[:-1].to_numpy())
    opens = pd.DatetimeIndex(open_utc[1:])

    def px(bars, times, length):
        p = calendars.price_at(bars, times, bar_length=length, max_staleness="36500D")
        age = pd.DatetimeIndex(times) - pd.DatetimeIndex(p["bar_end"])
        return p["price"].to_numpy(), pd.DatetimeIndex(p["bar_end"]), age > pd.Timedelta(max_staleness)

    c0, _, cs0 = px(crypto_bars, prev_close, crypto_bar)
    c1, c1t, cs1 = px(crypto_bars, opens, crypto_bar)
    f0, _, fs0 = px(futures_bars, prev_close, futures_bar)
    f1, _, fs1 = px(futures_bars, opens, futures_bar)
    fcl, _, fcls = px(futures_bars, pd.DatetimeIndex(close_utc.to_numpy()), futures_bar)
    idx_all = index_daily.reindex(sess.index)
    if idx_all[["open", "close"]].iloc[1:].isna().any().any():
        miss = idx_all.index[1:][idx_all[["open", "close"]].iloc[1:].isna().any(axis=1).to_numpy()]
        raise DataError("index_daily", f"no open/close for NY session(s) {[d.date() for d in miss[:3]]}")
    out = pd.DataFrame(
        {
            "prev_close_utc": prev_close,
            "open_utc": opens,
            "open_sample_utc": c1t,
            "crypto_off": c1 / c0 - 1.0,
            "futures_off": f1 / f0 - 1.0,
            "index_oc": (idx_all["close"] / idx_all["open"] - 1.0).iloc[1:].to_numpy(),
            "index_cc": idx_all["close"].pct_change().iloc[1:].to_numpy(),
            "days": (cur - sess.index[:-1]).days.astype(float),
        },
        index=cur,
    )
    out["weekend"] = out["days"] > 1
    reasons: dict = {}
    stale = cs0 | cs1 | fs0 | fs1
    for d in cur[stale]:
        reasons[d] = "stale price (data gap)"
    ratio = pd.Series(fcl, index=sess.index)
    fut_ok = ~pd.Series(fcls, index=sess.index)
    r = ratio.where(fut_ok)
    jump = np.log(r / idx_all["close"]).diff().abs()
    for d in sess.index[(jump > roll_threshold).to_numpy()]:
        if d in out.index:
            reasons.setdefault(d, "futures roll (ratio jump)")
    excl = {pd.Timestamp(x).date() for x in exclude_utc_days}
    if excl:
        for d, a, b in zip(cur, prev_close, opens, strict=True):
            days = {x.date() for x in pd.date_range(a.normalize(), b.normalize(), freq="D")}
            if days & excl:
                reasons.setdefault(d, "excluded day")
    out = out.loc[~out.index.isin(list(reasons))]
    out = out.loc[pd.Timestamp(start, tz="UTC") :]
    out.attrs = {"dropped": {k.date(): v for k, v in sorted(reasons.items())}}
    return out


def off_hours_regression(
    design: pd.DataFrame, y: str = "index_oc", x=("crypto_off", "futures_off"), hac_lags: int = 5
) -> pd.DataFrame:
    """OLS of ``y`` on a constant and ``x`` with Newey-West (HAC, ``hac_lags``) errors. Returns one
    row per regressor: ``coef``, ``se``, ``t``, ``p`` (two-sided), plus ``nobs`` and ``r2``."""
    x = list(x)
    miss = [c for c in [y, *x] if c not in design.columns]
    if miss:
        raise ValueError(f"off_hours_regression: missing column(s) {miss}")
    d = design[[y, *x]]
    if d.isna().any().any():
        raise ValueError("off_hours_regression: NaN in the design")
    if len(d) <= len(x) + 5:
        raise ValueError(f"off_hours_regression: {len(d)} rows are too few")
    res = sm.OLS(d[y], sm.add_constant(d[x])).fit(
        cov_type="HAC", cov_kwds={"maxlags": hac_lags, "use_correction": True}
    )
    out = pd.DataFrame({"coef": res.params, "se": res.bse, "t": res.tvalues, "p": res.pvalues})
    out["nobs"] = int(res.nobs)
    out["r2"] = float(res.rsquared)
    return out


def peak_trough_times(bars: pd.DataFrame, start, end) -> dict:
    """Within [start, end) (UTC): the bar with the highest ``high`` and, after it, the bar with the
    lowest ``low``; their open times (UTC), prices, and the fall from peak to trough (fraction).
    Descriptive timing of a selloff ("which market turned first?"); resolution = the bar length.

    >>> idx = pd.date_range("2025-11-20 14:00", periods=4, freq="15min", tz="UTC")
    >>> b = pd.DataFrame({"high": [10., 12, 11, 9], "low": [9., 11, 8, 7]}, index=idx)
    >>> r = peak_trough_times(b, "2025-11-20 14:00", "2025-11-20 15:00")
    >>> r["peak_time"].strftime("%H:%M"), r["trough_time"].strftime("%H:%M"), round(r["fall"], 4)
    ('14:15', '14:45', -0.4167)
    """
    for c in ("high", "low"):
        if c not in bars.columns:
            raise DataError("peak_trough_times", f"missing column {c!r}")
    _check_index(bars.index, "peak_trough_times")
    w = bars.loc[(bars.index >= pd.Timestamp(start, tz="UTC")) & (bars.index < pd.Timestamp(end, tz="UTC"))]
    if len(w) < 2:
        raise ValueError(f"peak_trough_times: fewer than 2 bars in [{start}, {end})")
    tp = w["high"].idxmax()
    after = w.loc[tp:]
    tt = after["low"].idxmin()
    return {
        "peak_time": tp,
        "peak": float(w.loc[tp, "high"]),
        "trough_time": tt,
        "trough": float(after.loc[tt, "low"]),
        "fall": float(after.loc[tt, "low"] / w.loc[tp, "high"] - 1),
    }


# ---------------------------------------------------------------------------------------------
# Hayashi-Yoshida lead-lag for non-synchronous observations
# ---------------------------------------------------------------------------------------------


def _hy_group(tx: np.ndarray, dx: np.ndarray, ty: np.ndarray, dy: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """U(theta) for one segment: x increments dx over (tx[i], tx[i+1]], y increments dy over
    (ty[j], ty[j+1]] (times as int64 ns), for every shift (ns)."""
    a, b = tx[:-1], tx[1:]
    c, d = ty[:-1], ty[1:]
    cy = np.r_[0.0, np.cumsum(dy)]
    out = np.empty(len(shifts))
    for k, th in enumerate(shifts):
        # y interval j shifted by -theta overlaps (a_i, b_i] iff d_j - theta > a_i and c_j - theta < b_i
        lo = np.searchsorted(d, a + th, side="right")
        hi = np.searchsorted(c, b + th, side="left")  # first j with c_j >= b_i + theta
        s = np.where(hi > lo, cy[np.maximum(hi, lo)] - cy[lo], 0.0)
        out[k] = float(dx @ s)
    return out


def hayashi_yoshida_segments(x: pd.Series, y: pd.Series, lags, *, split: str | None = "D") -> pd.DataFrame:
    """The pieces of :func:`hayashi_yoshida`, one row per ``split`` period present in both series:
    U(theta) per lag (columns = the lags) and ``sxx``, ``syy`` (sums of squared increments). Summing
    rows and normalising gives the full-sample contrast; resampling rows gives a period (e.g. day)
    block bootstrap."""
    for s, nm in ((x, "x"), (y, "y")):
        if not isinstance(s, pd.Series) or not isinstance(s.index, pd.DatetimeIndex):
            raise ValueError(f"hayashi_yoshida: {nm} must be a Series with a DatetimeIndex")
        _check_index(s.index, f"hayashi_yoshida ({nm})")
        if s.isna().any():
            raise ValueError(f"hayashi_yoshida: {nm} has NaN")
    shifts = pd.to_timedelta(list(lags))
    if len(shifts) == 0:
        raise ValueError("hayashi_yoshida: no lags")
    sh = shifts.asi8
    if split is None:
        gx = np.zeros(len(x), dtype=np.int64)
        gy = np.zeros(len(y), dtype=np.int64)
    else:
        gx = x.index.floor(split).asi8
        gy = y.index.floor(split).asi8
    tx_all, vx_all = x.index.asi8, x.to_numpy(float)
    ty_all, vy_all = y.index.asi8, y.to_numpy(float)
    rows, labels = [], []
    for g in np.intersect1d(np.unique(gx), np.unique(gy)):
        mx, my = gx == g, gy == g
        if mx.sum() < 2 or my.sum() < 2:
            continue
        tx, px = tx_all[mx], vx_all[mx]
        ty, py = ty_all[my], vy_all[my]
        dx, dy = np.diff(px), np.diff(py)
        rows.append([*_hy_group(tx, dx, ty, dy, sh), float(dx @ dx), float(dy @ dy)])
        labels.append(pd.Timestamp(g, tz="UTC") if split is not None else 0)
    if not rows:
        raise ValueError("hayashi_yoshida: no period with at least two observations of each series")
    return pd.DataFrame(rows, index=labels, columns=[*shifts, "sxx", "syy"])


def hayashi_yoshida(x: pd.Series, y: pd.Series, lags, *, split: str | None = "D", normalize: bool = True) -> pd.Series:
    """Hayashi-Yoshida lead-lag contrast of two (log-)price series observed at their own instants.

    ``x``, ``y``: prices (use logs for returns) indexed by the instant each was observed (tz-aware,
    strictly increasing; gaps and different sampling are allowed). ``lags``: shifts theta (Timedeltas
    or strings such as ``"2min"``). Increments are taken between consecutive observations inside each
    ``split`` period (``"D"``: each UTC day on its own, so an overnight gap never forms an interval;
    None: one segment). Returns U(theta) (``normalize=False``) or the HY correlation U(theta) /
    sqrt(sum dx^2 sum dy^2) indexed by theta. Positive theta peak: x leads y (see the module docstring).

    >>> t = pd.date_range("2025-11-20 15:00", periods=6, freq="1min", tz="UTC")
    >>> x = pd.Series([0.0, 1, 1, 1, 1, 1], t)                 # x jumps in the first minute
    >>> y = pd.Series([0.0, 0, 0, 1, 1, 1], t)                 # y makes the same jump two minutes later
    >>> hayashi_yoshida(x, y, ["-2min", "0min", "2min"]).tolist()
    [0.0, 0.0, 1.0]
    """
    seg = hayashi_yoshida_segments(x, y, lags, split=split)
    tot = seg.sum()
    u = tot.drop(["sxx", "syy"]).to_numpy(float)
    if tot["sxx"] == 0 or tot["syy"] == 0:
        raise ValueError("hayashi_yoshida: a series is constant in the common periods")
    out = u / np.sqrt(tot["sxx"] * tot["syy"]) if normalize else u
    return pd.Series(
        out, index=pd.TimedeltaIndex(pd.to_timedelta(list(lags)), name="lag"), name="hy_corr" if normalize else "hy_cov"
    )


def lead_lag_ratio(contrast: pd.Series) -> float:
    """Huth-Abergel lead-lag ratio of a contrast indexed by lag: sum over positive lags of its
    squares / sum over negative lags. Above 1: the first series leads.

    >>> round(lead_lag_ratio(pd.Series([0.1, 0.5, 0.3], index=pd.to_timedelta(["-1min", "0min", "1min"]))), 6)
    9.0
    """
    lag = pd.to_timedelta(contrast.index)
    pos = float((contrast.to_numpy()[lag > pd.Timedelta(0)] ** 2).sum())
    neg = float((contrast.to_numpy()[lag < pd.Timedelta(0)] ** 2).sum())
    if neg == 0:
        raise ValueError("lead_lag_ratio: the contrast is zero at every negative lag")
    return pos / neg


# ---------------------------------------------------------------------------------------------
# the transmission chapter: chart data
# ---------------------------------------------------------------------------------------------


def ccf_summary(cc: pd.Series, n: int, z: float = 1.96) -> dict:
    """What a cross-correlation function (:func:`ccf`, on ``n`` observations) shows against the white-
    noise band ``±z/sqrt(n)``: ``lag0`` (the same-period correlation), ``band``, and over the non-zero
    lags ``n_lags``, ``n_out`` (how many leave the band) and ``max_abs`` (the largest absolute value).

    >>> cc = pd.Series([0.05, -0.01, 0.6, 0.02, -0.03], index=[-2, -1, 0, 1, 2])
    >>> s = ccf_summary(cc, 10000)
    >>> s["band"], s["n_lags"], s["n_out"], s["max_abs"]
    (0.0196, 4, 3, 0.05)
    """
    if n <= 0:
        raise ValueError(f"ccf_summary: n must be positive, got {n}")
    band = z / np.sqrt(n)
    lagged = cc.drop(0)
    return {
        "lag0": float(cc.loc[0]),
        "band": float(band),
        "n_lags": len(lagged),
        "n_out": int((lagged.abs() > band).sum()),
        "max_abs": float(lagged.abs().max()),
    }


def indexed_closes(bars: dict[str, pd.DataFrame], start, end, bar: str, base: float = 100.0) -> pd.DataFrame:
    """Closes of several bar series (indexed by bar open, UTC) stamped at the bar's END, from the bar
    that ends at ``start`` to the one that ends at ``end``, each rebased to ``base`` at its first close
    in the span. One column per key of ``bars`` (missing where a series has no bar).

    >>> idx = pd.date_range("2025-11-19 20:45", periods=3, freq="15min", tz="UTC")
    >>> b = {"x": pd.DataFrame({"close": [50.0, 55.0, 45.0]}, index=idx)}
    >>> indexed_closes(b, "2025-11-19 21:00", "2025-11-19 21:30", "15min")["x"].tolist()
    [100.0, 110.0, 90.0]
    """
    step = pd.Timedelta(bar)
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    a = a.tz_localize("UTC") if a.tzinfo is None else a
    b = b.tz_localize("UTC") if b.tzinfo is None else b
    cols = {}
    for name, df in bars.items():
        c = df["close"].copy()
        c.index = c.index + step
        w = c.loc[a:b]
        if w.empty:
            raise DataError(name, f"no bar ends between {a} and {b}")
        cols[name] = base * w / w.iloc[0]
    return pd.DataFrame(cols)


SELLOFF_SPAN = ("2025-11-19 21:00", "2025-11-21 21:00")  # NY close 19 Nov to NY close 21 Nov (EST)


def _load(dataset: str) -> pd.DataFrame:
    from mktlib import data

    return data.load(dataset)


@charts.register(
    "transmission-selloff-20nov",
    sources=["btc_spot_15m", "nq_fut_15m", "es_fut_15m"],
    units="index, NY close of 19 Nov 2025 = 100 (15-minute closes, stamped at the bar's end)",
    title="BTC, Nasdaq-100 futures and S&P 500 futures, NY close 19 Nov to NY close 21 Nov 2025",
)
def selloff_chart() -> pd.DataFrame:
    """15-minute closes of Binance BTCUSDT, NQ and ES futures over ``SELLOFF_SPAN``, rebased to 100
    at the 19 Nov NY close (:func:`indexed_closes`)."""
    bars = {
        "BTC (Binance spot)": _load("btc_spot_15m"),
        "Nasdaq-100 futures (NQ)": _load("nq_fut_15m"),
        "S&P 500 futures (ES)": _load("es_fut_15m"),
    }
    return indexed_closes(bars, *SELLOFF_SPAN, "15min").rename_axis("time")


@charts.drawer("transmission-selloff-20nov")
def draw_selloff(df: pd.DataFrame):
    """The figure ``transmission-selloff-20nov`` from its data (``df = charts.data(...)``): the three
    indexed series, the NYSE sessions of 20 and 21 Nov shaded, and the BTC and NQ peak bars of the D10
    ledger (``claims.evaluate("D10")``) dotted."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import claims, plotting
    from mktlib.timeutil import utc

    plotting.set_theme()
    P = plotting.PALETTE
    V = claims.evaluate("D10").values
    fig, ax = plt.subplots(figsize=(8, 3.4))
    for col, c in zip(df.columns, (P["btc"], P["ndx"], P["spx"]), strict=True):
        s = df[col].dropna()
        ax.plot(s.index, s, label=col, color=c, lw=1.2)
    for d in ("2025-11-20", "2025-11-21"):
        ax.axvspan(utc(d) + pd.Timedelta("14h30min"), utc(d) + pd.Timedelta("21h"), color="grey", alpha=0.12, lw=0)
    plotting.mark_dates(ax, {"BTC peak": V["D10.btc_peak_time_20nov"], "NQ peak": V["D10.nq_peak_time_20nov"]})
    ax.set_ylabel("index, NY close 19 Nov = 100")
    ax.xaxis.set_major_locator(mdates.HourLocator(byhour=[0, 12]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b\n%H:%M"))
    ax.set_title("On 20 Nov BTC was already falling when US futures peaked after the open")
    ax.legend(loc="lower left", fontsize=8)
    plotting.source_note(
        fig,
        "15-minute closes (UTC, at the bar's end); grey: NYSE sessions (14:30-21:00 UTC); dotted: each series' "
        "peak bar between the 19 and 20 Nov NY closes. Source: Binance BTCUSDT, Yahoo Finance NQ=F and ES=F.",
    )
    return fig


@charts.register(
    "transmission-ccf-15min",
    sources=["btc_spot_15m", "nq_fut_15m"],
    units="correlation of 15-minute log returns; lag in minutes (positive: BTC leads)",
    title="Cross-correlation of BTC and Nasdaq-100 futures 15-minute returns, 19 Oct-3 Dec 2025",
    note="bars where both trade; the band is ±1.96/√n, the range of a correlation that is zero",
)
def ccf_chart() -> pd.DataFrame:
    """corr(BTC at t, NQ at t + k) for k = -8..8 fifteen-minute steps (:func:`ccf`) on the D10 sample
    (``transmission.d10_intraday_returns``), with the white-noise band; indexed by the lag in minutes."""
    from mktlib.verdicts import transmission as T

    intr = T.d10_intraday_returns()
    cc = ccf(intr["btc"], intr["nq"], 8, freq="15min")
    s = ccf_summary(cc, len(intr))
    out = pd.DataFrame({"correlation": cc.to_numpy(), "band (±1.96/√n)": s["band"]}, index=15 * cc.index)
    return out.rename_axis("lag (minutes)")


def ccf_chart_nobs(df: pd.DataFrame, z: float = 1.96) -> int:
    """The number of paired returns behind ``transmission-ccf-15min``, read back from its band
    ``z / sqrt(n)`` (:func:`ccf_summary`).

    >>> ccf_chart_nobs(pd.DataFrame({"band (±1.96/√n)": [1.96 / np.sqrt(2718)]}))
    2718
    """
    return int(round((z / float(df["band (±1.96/√n)"].iloc[0])) ** 2))


@charts.drawer("transmission-ccf-15min")
def draw_ccf(df: pd.DataFrame):
    """The figure ``transmission-ccf-15min`` from its data (``df = charts.data(...)``): one bar per lag
    (BTC-leads lags in BTC's colour, NQ-leads lags in NQ's) and the white-noise band in grey."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    P = plotting.PALETTE
    fig, ax = plt.subplots(figsize=(8, 3.0))
    lag = df.index.to_numpy()
    ax.bar(
        lag,
        df["correlation"],
        width=11,
        color=[P["btc"] if k > 0 else P["ndx"] if k < 0 else P["neutral"] for k in lag],
    )
    ax.axhspan(-df["band (±1.96/√n)"].iloc[0], df["band (±1.96/√n)"].iloc[0], color="grey", alpha=0.2, lw=0)
    ax.set_xticks(lag)
    ax.set_xticklabels([f"{k:+d}" for k in lag], fontsize=8)
    ax.set_xlabel("lag in minutes: corr(BTC at t, NQ at t + lag); positive = BTC leads")
    ax.set_ylabel("correlation")
    ax.set_title("BTC and Nasdaq-100 futures move in the same 15 minutes; neither leads")
    fig.tight_layout()
    plotting.source_note(
        fig,
        f"15-minute log returns on {ccf_chart_nobs(df):,} bars where both trade, 19 Oct-3 Dec 2025 (UTC); grey "
        "band ±1.96/√n. Source: Binance BTCUSDT, Yahoo Finance NQ=F.",
    )
    return fig
