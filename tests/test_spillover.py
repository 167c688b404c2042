"""Diebold-Yilmaz (2012) spillovers: published answer, hand-computed cases, statsmodels equality, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.api import VAR

from mktlib import spillover as sp
from mktlib.spillover import (
    SpilloverResult,
    generalized_fevd,
    ma_coefficients,
    rolling_spillover,
    rolling_spillover_tables,
    spillover,
)

DY_COLS = ["SP500", "R_10Y", "DJUBSCOM", "USDX"]


@pytest.fixture(scope="module")
def dy2012(snapshot):
    from mktlib import data

    df = data.load("dy2012")
    assert list(df.columns) == DY_COLS and len(df) == 2771
    return df


def _simulate_var1(a, chol, n, seed, burn=200):
    rng = np.random.default_rng(seed)
    k = a.shape[0]
    e = rng.standard_normal((n + burn, k)) @ np.asarray(chol).T
    y = np.zeros((n + burn, k))
    for t in range(1, n + burn):
        y[t] = a @ y[t - 1] + e[t]
    return y[burn:]


def _sm_summary(values, lags, horizon):
    """Reference: statsmodels VAR fit, its ma_rep and sigma_u, through our GFEVD; percent."""
    res = VAR(np.asarray(values)).fit(lags)
    theta = generalized_fevd(res.ma_rep(maxn=horizon - 1), res.sigma_u)
    return 100 * theta, res


def _sm_rolling(df, window, lags, horizon, step):
    names = list(df.columns)
    ends = np.arange(len(df) - 1, window - 2, -step)[::-1]
    rows = []
    for e in ends:
        c, _ = _sm_summary(df.to_numpy()[e - window + 1 : e + 1], lags, horizon)
        own = np.diag(c)
        to, frm = c.sum(0) - own, c.sum(1) - own
        rows.append([frm.sum() / len(names), *to, *frm, *(to - frm)])
    cols = ["total"] + [f"{p}_{v}" for p in ("to", "from", "net") for v in names]
    return pd.DataFrame(rows, index=df.index[ends], columns=cols)


# ------------------------------------------------------------------------------------------------
# the published known answer
# ------------------------------------------------------------------------------------------------


@pytest.mark.snapshot
def test_dy2012_total_spillover_index(dy2012):
    res = spillover(dy2012, lags=4, horizon=10)
    # DY2012 (IJF 28(1)) report 12.6%; R Spillover::G.spillover prints 12.592 on this file
    assert res.total == pytest.approx(12.592, abs=1e-3)
    assert res.nobs == 2771 - 4


@pytest.mark.snapshot
def test_dy2012_full_table_matches_published(dy2012):
    # DY2012 Table 2 as printed (2 dp) by R's Spillover vignette
    # (https://stat.ethz.ch/CRAN/web/packages/Spillover/vignettes/Spillover.html), VAR(4), H = 10
    published = np.array(
        [[88.76, 7.29, 0.35, 3.61], [10.21, 81.45, 2.73, 5.61], [0.47, 3.70, 93.69, 2.14], [5.69, 7.03, 1.55, 85.73]]
    )
    res = spillover(dy2012, lags=4, horizon=10)
    np.testing.assert_allclose(res.table.to_numpy(), published, atol=0.0051)
    np.testing.assert_allclose(res.from_others.to_numpy(), [11.24, 18.55, 6.31, 14.27], atol=0.0051)
    np.testing.assert_allclose(res.to_others.to_numpy(), [16.37, 18.01, 4.62, 11.36], atol=0.0051)
    # stocks are the only net transmitter of volatility (net = to - from: 5.13, -0.54, -1.69, -2.90)
    np.testing.assert_allclose(res.net.to_numpy(), [5.13, -0.54, -1.69, -2.90], atol=0.011)
    assert list(res.net.index[res.net > 0]) == ["SP500"]
    assert res.pairwise_net.loc["SP500", "R_10Y"] == pytest.approx(10.21 - 7.29, abs=0.011)
    dy = res.dy_table()
    assert dy.loc["To others", "From others"] == pytest.approx(res.total)
    assert list(dy.index[-2:]) == ["To others", "Net"]


@pytest.mark.snapshot
def test_dy2012_column_order_invariant_but_cholesky_is_not(dy2012):
    perm = ["USDX", "DJUBSCOM", "SP500", "R_10Y"]
    a = spillover(dy2012, 4, 10)
    b = spillover(dy2012[perm], 4, 10)
    np.testing.assert_allclose(b.table.to_numpy(), a.table.loc[perm, perm].to_numpy(), atol=1e-10)
    assert b.total == pytest.approx(a.total, abs=1e-10)
    # the Cholesky (orthogonalised) FEVD of statsmodels changes with the ordering
    chol_a = VAR(dy2012.to_numpy()).fit(4).fevd(10).decomp[:, -1, :]
    order = [DY_COLS.index(c) for c in perm]
    chol_b = VAR(dy2012[perm].to_numpy()).fit(4).fevd(10).decomp[:, -1, :]
    gap = np.abs(chol_b - chol_a[np.ix_(order, order)]).max()
    assert gap > 0.05  # about 9.5 percentage points of some variable's variance move


@pytest.mark.snapshot
def test_dy2012_rolling_equals_statsmodels_refit(dy2012):
    df = dy2012.iloc[:700]
    fast = rolling_spillover(df, window=200, lags=4, horizon=10, step=9)
    ref = _sm_rolling(df, 200, 4, 10, 9)
    assert fast.index.equals(ref.index) and list(fast.columns) == list(ref.columns)
    assert fast.index[-1] == df.index[-1]
    assert np.abs(fast.to_numpy() - ref.to_numpy()).max() < 1e-8


# ------------------------------------------------------------------------------------------------
# hand-computed population cases (generalized_fevd from given coefficients and covariance)
# ------------------------------------------------------------------------------------------------


def test_gfevd_no_dynamics_is_squared_correlation():
    rho = 0.6
    theta = generalized_fevd(np.eye(2)[None], np.array([[4.0, rho * 2 * 3], [rho * 2 * 3, 9.0]]), normalize=False)
    np.testing.assert_allclose(theta, [[1, rho**2], [rho**2, 1]], atol=1e-15)
    c = 100 * generalized_fevd(np.eye(2)[None], np.array([[4.0, 3.6], [3.6, 9.0]]))
    total = sp._summaries(c[None] / 100)[0][0]
    assert total == pytest.approx(100 * rho**2 / (1 + rho**2), abs=1e-12)  # 26.47%


def test_gfevd_two_variable_var1_by_hand():
    # x_t = a x_{t-1} + u_x ; y_t = b x_{t-1} + c y_{t-1} + u_y ; Sigma = diag(s1, s2); H = 2
    a, b, c, s1, s2 = 0.5, 0.8, 0.3, 2.0, 1.5
    coefs = np.array([[[a, 0.0], [b, c]]])
    ma = ma_coefficients(coefs, 2)
    np.testing.assert_allclose(ma, [np.eye(2), coefs[0]])
    theta = generalized_fevd(ma, np.diag([s1, s2]))
    y_from_x = s1 * b**2 / (s1 * b**2 + s2 * (1 + c**2))
    np.testing.assert_allclose(theta, [[1.0, 0.0], [y_from_x, 1 - y_from_x]], atol=1e-15)
    res = sp._result(theta, ["x", "y"], lags=1, horizon=2, nobs=0)
    assert res.to_others["x"] == pytest.approx(100 * y_from_x)
    assert res.from_others["x"] == 0.0
    assert res.total == pytest.approx(100 * y_from_x / 2)
    assert res.pairwise_net.loc["x", "y"] == pytest.approx(100 * y_from_x)  # x transmits to y


def test_gfevd_diagonal_population_system_has_exactly_zero_spillover():
    coefs = np.array([np.diag([0.5, -0.2, 0.9]), np.diag([0.1, 0.0, -0.3])])
    theta = generalized_fevd(ma_coefficients(coefs, 10), np.diag([1.0, 4.0, 0.25]))
    assert (theta[~np.eye(3, dtype=bool)] == 0.0).all()
    assert sp._summaries(theta)[0] == 0.0


def test_gfevd_batched_equals_loop_and_rescaling_sigma_changes_nothing():
    rng = np.random.default_rng(7)
    coefs = rng.uniform(-0.3, 0.3, (5, 2, 3, 3))
    m = rng.standard_normal((5, 3, 3))
    sigma = m @ m.transpose(0, 2, 1) + np.eye(3)
    ma = ma_coefficients(coefs, 6)
    batched = generalized_fevd(ma, sigma)
    for w in range(5):
        # explicit Pesaran-Shin loop over i, j, h
        t = np.zeros((3, 3))
        for i in range(3):
            den = sum(ma[w, h][i] @ sigma[w] @ ma[w, h][i] for h in range(6))
            for j in range(3):
                t[i, j] = sum((ma[w, h][i] @ sigma[w][:, j]) ** 2 for h in range(6)) / sigma[w, j, j] / den
        np.testing.assert_allclose(batched[w], t / t.sum(1, keepdims=True), rtol=1e-12)
    # dof-adjusted vs ML Sigma differ by a scalar: the generalized table is the same
    np.testing.assert_allclose(generalized_fevd(ma, sigma * 198 / 191), batched, rtol=1e-12)


# ------------------------------------------------------------------------------------------------
# estimation on simulated data and equality with statsmodels
# ------------------------------------------------------------------------------------------------


def test_x_drives_y_is_a_net_transmitter_and_estimate_near_population():
    a = np.array([[0.3, 0.0], [0.6, 0.2]])  # x -> y, y does not drive x
    sigma = np.array([[1.0, 0.3], [0.3, 1.0]])
    y = _simulate_var1(a, np.linalg.cholesky(sigma), 4000, seed=11)
    res = spillover(pd.DataFrame(y, columns=["x", "y"]), lags=1, horizon=10)
    truth = sp._result(generalized_fevd(ma_coefficients(a[None], 10), sigma), ["x", "y"], 1, 10, 0)
    assert truth.to_others["x"] > truth.from_others["x"] + 15
    assert res.to_others["x"] > res.from_others["x"] + 10
    assert res.net["x"] > 0 > res.net["y"] and res.pairwise_net.loc["x", "y"] > 0
    assert res.total == pytest.approx(truth.total, abs=2.0)
    np.testing.assert_allclose(res.table.sum(axis=1), 100, atol=1e-10)


def test_diagonal_var_with_independent_shocks_gives_near_zero_total():
    a = np.diag([0.4, -0.2, 0.1])
    y = _simulate_var1(a, np.diag([1.0, 2.0, 0.5]), 3000, seed=5)
    res = spillover(pd.DataFrame(y, columns=list("abc")), lags=1, horizon=10)
    assert 0 < res.total < 0.5


def test_single_fit_equals_statsmodels_and_identities_hold():
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.standard_normal((300, 4)) * [0.01, 0.02, 0.015, 0.03], columns=list("abcd"))
    df["b"] += 0.5 * df["a"]
    res = spillover(df, lags=2, horizon=8)
    ref, fitted = _sm_summary(df.to_numpy(), 2, 8)
    np.testing.assert_allclose(res.table.to_numpy(), ref, atol=1e-10)
    np.testing.assert_allclose(ma_coefficients(fitted.coefs, 8), fitted.ma_rep(maxn=7), atol=1e-14)
    # identities: rows sum to 100, sum(to) = sum(from) = N * total, pairwise antisymmetric, rows -> net
    np.testing.assert_allclose(res.table.sum(axis=1), 100, atol=1e-10)
    assert res.to_others.sum() == pytest.approx(4 * res.total) == res.from_others.sum()
    np.testing.assert_allclose(res.pairwise_net, -res.pairwise_net.T, atol=1e-12)
    np.testing.assert_allclose(res.pairwise_net.sum(axis=1), res.net, atol=1e-10)
    assert isinstance(res, SpilloverResult) and list(res.table.index) == list("abcd")


def test_rolling_equals_statsmodels_refit_on_simulated_returns():
    a = np.array([[0.1, 0.0, 0.05], [0.3, 0.1, 0.0], [0.0, 0.2, -0.1]])
    y = _simulate_var1(a, np.array([[1, 0, 0], [0.4, 0.9, 0], [0.2, 0.3, 0.9]]) * 0.01, 330, seed=1)
    idx = pd.date_range("2024-01-01", periods=len(y), freq="D", tz="UTC", name="timestamp")
    df = pd.DataFrame(y, index=idx, columns=["btc", "ndx", "gold"])
    fast = rolling_spillover(df, window=120, lags=2, horizon=10, step=1)
    ref = _sm_rolling(df, 120, 2, 10, 1)
    assert len(fast) == 330 - 120 + 1 and fast.index[0] == idx[119] and fast.index[-1] == idx[-1]
    assert fast.index.name == "timestamp"
    assert np.abs(fast.to_numpy() - ref.to_numpy()).max() < 1e-8
    # and each row is the single-window estimate
    row = spillover(df.iloc[100:220], 2, 10)
    assert fast.loc[idx[219], "total"] == pytest.approx(row.total, abs=1e-10)
    assert fast.loc[idx[219], "net_btc"] == pytest.approx(row.net["btc"], abs=1e-10)


def test_rolling_ill_conditioned_windows_use_qr_and_still_match(monkeypatch):
    # doubly integrated noise: lags nearly collinear (condition number ~1e7 > the QR threshold)
    rng = np.random.default_rng(3)
    y = np.cumsum(np.cumsum(rng.standard_normal((260, 3)), 0), 0)
    df = pd.DataFrame(y, columns=list("abc"))
    x = sp._lag_design(y[:150], 3)[0][:, 1:]
    xc = x - x.mean(0)
    g = xc.T @ xc
    assert np.linalg.cond(g / np.sqrt(np.outer(np.diag(g), np.diag(g)))) > sp._QR_COND
    ref = _sm_rolling(df, 150, 3, 10, 11)
    fast = rolling_spillover(df, 150, 3, 10, step=11)
    assert np.abs(fast.to_numpy() - ref.to_numpy()).max() < 1e-8
    # forcing every window through QR gives the same numbers too
    monkeypatch.setattr(sp, "_QR_COND", 0.0)
    assert np.abs(rolling_spillover(df, 150, 3, 10, step=11).to_numpy() - ref.to_numpy()).max() < 1e-8


def test_rolling_step_is_anchored_on_last_row_and_tables_agree():
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.standard_normal((95, 2)), columns=["a", "b"])
    out = rolling_spillover(df, window=50, lags=1, horizon=5, step=20)
    assert list(out.index) == [54, 74, 94]
    tabs = rolling_spillover_tables(df, window=50, lags=1, horizon=5, step=20)
    assert tabs.xs(94, level="end")["a"]["b"] == pytest.approx(out.loc[94, "to_a"], abs=1e-12)
    np.testing.assert_allclose(tabs.groupby(level="end").sum().sum(axis=1), 200, atol=1e-10)


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------


def _frame(n=100, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.standard_normal((n, k)), columns=[f"v{j}" for j in range(k)])


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda d: d.assign(v1=np.where(np.arange(len(d)) == 7, np.nan, d["v1"])), r"NaN.*\['v1'\]"),
        (lambda d: d.assign(v0=np.where(np.arange(len(d)) == 3, np.inf, d["v0"])), r"infinite.*\['v0'\]"),
        (lambda d: d.assign(v2=["x"] * len(d)), r"non-numeric.*\['v2'\]"),
        (lambda d: d[["v0"]], "at least 2 variables"),
        (lambda d: d.iloc[:8], "too few observations.*need at least"),
        (lambda d: d.assign(v1=1.0), "collinear"),
        (lambda d: d.set_axis(pd.DatetimeIndex(["2025-01-01"] * len(d), tz="UTC")), "strictly increasing"),
    ],
)
def test_bad_input_raises_clear_value_error(mutate, match):
    with pytest.raises(ValueError, match=match):
        spillover(mutate(_frame()), lags=2, horizon=10)


def test_series_that_is_an_exact_function_of_lags_is_rejected():
    df = _frame(k=2)
    df["v2"] = df["v0"].shift(1).fillna(0.3)  # v2_t = v0_{t-1}: zero residual variance
    with pytest.raises(ValueError, match="residual variance is zero"):
        spillover(df, lags=1, horizon=10)


def test_nullable_float_with_missing_value_is_reported_as_nan():
    df = _frame().astype("Float64")
    df.iloc[5, 1] = pd.NA
    with pytest.raises(ValueError, match=r"NaN.*\['v1'\] \(first at 5\)"):
        spillover(df, lags=2, horizon=10)


def test_not_a_dataframe_is_a_type_error():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        spillover(_frame().to_numpy(), lags=2, horizon=10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lags": -1, "horizon": 10}, "lags must be an integer >= 0"),
        ({"lags": 1.5, "horizon": 10}, "lags must be an integer"),
        ({"lags": 2, "horizon": 0}, "horizon must be an integer >= 1"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        spillover(_frame(), **kwargs)


def test_rolling_bad_input():
    df = _frame(120)
    with pytest.raises(ValueError, match="too short"):
        rolling_spillover(df, window=8, lags=2, horizon=10)
    with pytest.raises(ValueError, match="longer than the data"):
        rolling_spillover(df, window=121, lags=1, horizon=10)
    with pytest.raises(ValueError, match="step must be"):
        rolling_spillover(df, window=60, lags=1, horizon=10, step=0)
    flat = df.assign(v2=np.r_[np.zeros(60), np.ones(60)])  # constant inside the first windows
    with pytest.raises(ValueError, match=r"collinear in the window ending 54 "):
        rolling_spillover(flat, window=55, lags=1, horizon=10)


# ------------------------------------------------------------------------------------------------
# VAR(0): a legitimate outcome of the lag search, with a known answer
# ------------------------------------------------------------------------------------------------


def test_var0_table_is_normalised_squared_correlations_for_any_horizon():
    rng = np.random.default_rng(21)
    m = rng.standard_normal((4, 4))
    df = pd.DataFrame(rng.standard_normal((300, 4)) @ m, columns=list("abcd"))
    r2 = df.corr().to_numpy() ** 2
    expected = 100 * r2 / r2.sum(axis=1, keepdims=True)  # hand formula, no VAR at all
    for h in (1, 10):
        res = spillover(df, lags=0, horizon=h)
        np.testing.assert_allclose(res.table.to_numpy(), expected, rtol=1e-12)
        assert res.lags == 0 and res.nobs == 300
    # two variables: the pairwise net of a VAR(0) is exactly zero (no direction without dynamics)
    two = spillover(df[["a", "b"]], lags=0, horizon=10)
    assert two.pairwise_net.loc["a", "b"] == pytest.approx(0.0, abs=1e-12)


def test_var0_asymmetry_comes_only_from_the_normalisation():
    # b is a near-copy of a ("an index and its constituent"): x correlates equally with a and b, and with
    # c through a; the normalised VAR(0) shares differ across rows although nothing leads anything
    rng = np.random.default_rng(5)
    f = rng.standard_normal(2000)
    a = f + 0.3 * rng.standard_normal(2000)
    df = pd.DataFrame({"x": f + rng.standard_normal(2000), "a": a, "b": a + 0.2 * rng.standard_normal(2000)})
    res = spillover(df, lags=0, horizon=10)
    c = df.corr().to_numpy() ** 2
    assert res.pairwise_net.loc["x", "a"] == pytest.approx(
        100 * (c[1, 0] / c[1].sum() - c[0, 1] / c[0].sum()), abs=1e-10
    )
    assert abs(res.pairwise_net.loc["x", "a"]) > 5  # a sizeable "direction" from nothing


# ------------------------------------------------------------------------------------------------
# bootstrap intervals
# ------------------------------------------------------------------------------------------------


def test_stationary_indices_block_one_is_iid_and_mean_block_length():
    rng = np.random.default_rng(0)
    idx = sp.stationary_indices(200, 400, 1.0, rng)
    assert idx.shape == (400, 200) and idx.min() >= 0 and idx.max() < 200
    assert not (np.diff(idx, axis=1) == 1).all()
    idx = sp.stationary_indices(500, 200, 10.0, np.random.default_rng(1))
    runs = (np.diff(idx, axis=1) % 500 != 1).sum() / idx.size  # share of rows that start a block
    assert runs == pytest.approx(1 / 10, abs=0.01)
    with pytest.raises(ValueError, match="block length"):
        sp.stationary_indices(10, 5, 0.5, rng)


def test_bootstrap_is_seeded_and_invariant_to_column_order():
    a = np.array([[0.3, 0.0, 0.0], [0.5, 0.2, 0.0], [0.0, 0.3, 0.1]])
    y = _simulate_var1(a, np.eye(3), 300, seed=3)
    df = pd.DataFrame(y, columns=["x", "y", "z"])
    b1 = sp.bootstrap_spillover(df, 1, 10, reps=99, seed=4)
    b2 = sp.bootstrap_spillover(df, 1, 10, reps=99, seed=4)
    np.testing.assert_array_equal(b1.tables, b2.tables)
    perm = df[["z", "x", "y"]]
    bp = sp.bootstrap_spillover(perm, 1, 10, reps=99, seed=4)
    for kind, i, j in (("pairwise_net", "x", "y"), ("table", "z", "y"), ("net", "y", None), ("total", None, None)):
        np.testing.assert_allclose(bp.draws(kind, i, j), b1.draws(kind, i, j), rtol=1e-10)
    # and the point estimates permute with the columns
    r1, rp = spillover(df, 1, 10), spillover(perm, 1, 10)
    np.testing.assert_allclose(rp.table.loc[["x", "y", "z"], ["x", "y", "z"]], r1.table, rtol=1e-10)
    assert rp.net["x"] == pytest.approx(r1.net["x"], rel=1e-10)


def test_bootstrap_interval_identities():
    y = _simulate_var1(np.diag([0.2, 0.1]), np.eye(2), 200, seed=8)
    bs = sp.bootstrap_spillover(pd.DataFrame(y, columns=["p", "q"]), 0, 10, reps=50, seed=1, block=3.0)
    np.testing.assert_allclose(bs.tables.sum(axis=2), 100)
    np.testing.assert_allclose(bs.draws("pairwise_net", "p", "q"), 0.0, atol=1e-10)  # VAR(0), 2 variables
    np.testing.assert_allclose(bs.draws("net", "p"), bs.draws("to", "p") - bs.draws("from", "p"))
    assert bs.reps == 50 and bs.block == 3.0 and bs.lags == 0
    with pytest.raises(ValueError, match="unknown statistic"):
        bs.draws("nope", "p")


def test_bootstrap_interval_coverage_on_a_simulated_var():
    # a VAR(1) with a known population table: x drives y (truth from the true coefficients and Sigma)
    a = np.array([[0.2, 0.0], [0.4, 0.1]])
    sigma = np.array([[1.0, 0.4], [0.4, 1.0]])
    truth = 100 * generalized_fevd(ma_coefficients(a[None], 10), sigma)
    true_pair, true_share = truth[1, 0] - truth[0, 1], truth[1, 0]
    rng_seeds = range(120)
    hit_pair = hit_share = 0
    for s in rng_seeds:
        y = _simulate_var1(a, np.linalg.cholesky(sigma), 300, seed=1000 + s)
        bs = sp.bootstrap_spillover(pd.DataFrame(y, columns=["x", "y"]), 1, 10, reps=199, level=0.9, block=1.0, seed=s)
        lo, hi = bs.interval("pairwise_net", "x", "y")
        hit_pair += lo <= true_pair <= hi
        lo, hi = bs.interval("table", "y", "x")
        hit_share += lo <= true_share <= hi
    n = len(rng_seeds)
    assert 0.80 <= hit_pair / n <= 0.97, hit_pair / n  # nominal 0.90; binomial sd 0.027
    assert 0.80 <= hit_share / n <= 0.97, hit_share / n


# ------------------------------------------------------------------------------------------------
# the transmission chapter's presentation: directional shares and the table of every estimate
# ------------------------------------------------------------------------------------------------


def test_directional_shares_without_lags_are_normalised_squared_correlations():
    # no lags: A_0 = I only, theta_ij = r^2 for i != j, rows normalised by 1 + r^2 (two variables)
    rng = np.random.default_rng(5)
    x = rng.standard_normal(400)
    df = pd.DataFrame({"a": x, "b": 0.6 * x + rng.standard_normal(400)})
    r = np.corrcoef(df["a"], df["b"])[0, 1]
    d = sp.directional_shares(spillover(df, 0, 10), "a", "b")
    assert d["a_to_b"] == pytest.approx(100 * r**2 / (1 + r**2), abs=1e-9)
    assert d["b_to_a"] == pytest.approx(100 * r**2 / (1 + r**2), abs=1e-9)
    assert d["pairwise_net"] == pytest.approx(0.0, abs=1e-9)
    assert d["net_a"] == pytest.approx(0.0, abs=1e-9)


def test_directional_shares_point_from_the_leader():
    # b repeats a with a one-step delay: in a VAR(1) a gives b far more than it takes
    rng = np.random.default_rng(6)
    a = rng.standard_normal(600)
    b = np.r_[0.0, 0.8 * a[:-1]] + 0.5 * rng.standard_normal(600)
    res = spillover(pd.DataFrame({"a": a, "b": b}), 1, 10)
    d = sp.directional_shares(res, "a", "b")
    assert d["a_to_b"] == pytest.approx(float(res.table.loc["b", "a"]))
    assert d["b_to_a"] == pytest.approx(float(res.table.loc["a", "b"]))
    assert d["a_to_b"] > 50 > d["b_to_a"]
    assert d["pairwise_net"] == pytest.approx(float(res.pairwise_net.loc["a", "b"]))
    assert d["net_a"] == pytest.approx(d["pairwise_net"])  # two variables: net = pairwise net
    with pytest.raises(KeyError, match="not a variable"):
        sp.directional_shares(res, "a", "zzz")


@pytest.mark.snapshot
def test_spillover_estimates_on_the_snapshot(snapshot):
    from mktlib.verdicts import transmission as T

    est = sp.spillover_estimates()
    assert set(sp.ESTIMATE_COLUMNS) == set(est.columns)
    assert len(est) == 6 + 8  # 3 systems x 2 lag rules in the claim's window, 4 regimes x 2 variable sets
    reg = T.d10_spill("six", "bic")["result"]
    row = est.loc["d10 six bic"]
    assert row["btc_to_ndx"] == pytest.approx(float(reg.table.loc["ndx", "btc"]))
    assert row["ndx_to_btc"] == pytest.approx(float(reg.table.loc["btc", "ndx"]))
    assert row["window"] == "1 Oct - 31 Dec 2025" and row["lags"] == 0
    # the net is always BTC's share of the Nasdaq-100 minus the Nasdaq-100's share of BTC
    assert (est["pairwise_net"] - (est["btc_to_ndx"] - est["ndx_to_btc"])).abs().max() < 1e-9
    # two variables and no lags: zero by construction, printed as an exact zero
    assert est.loc["d10 pair bic", ["pairwise_net", "pn_low", "pn_high"]].tolist() == [0.0, 0.0, 0.0]
    # intervals only for the claim's window; the episode regime adds January 2026
    assert est.filter(like="regime", axis=0)["pn_low"].isna().all()
    assert est.loc["regime episode six", "window"] == "episode: 1 Oct 2025 - 31 Jan 2026"
    assert (est.loc[est["lag_rule"] == "one lag forced", "lags"] == 1).all()
