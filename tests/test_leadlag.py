"""Known-answer, simulation and bad-input tests for mktlib.leadlag, and the D10 rule and values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.api import VAR
from statsmodels.tsa.stattools import grangercausalitytests

from mktlib import leadlag as L
from mktlib.errors import DataError


def _sim(n=3000, seed=0, lag=3, b=0.5):
    """y_t = b x_{t-lag} + e_t: x causes y at lag ``lag``, not the reverse."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = np.r_[np.zeros(lag), b * x[:-lag]] + rng.standard_normal(n)
    idx = pd.date_range("2025-10-20", periods=n, freq="15min", tz="UTC")
    return pd.DataFrame({"x": x, "y": y}, index=idx)


# ---------------------------------------------------------------------------------------------
# CCF sign convention
# ---------------------------------------------------------------------------------------------


def test_ccf_sign_convention_x_leads_at_plus_3():
    df = _sim()
    c = L.ccf(df["x"], df["y"], 6)
    assert int(c.idxmax()) == 3  # ccf(x, y, k) = corr(x_t, y_{t+k}); k > 0: x leads
    assert c.loc[3] == pytest.approx(0.5 / np.sqrt(1.25), abs=0.04)
    assert abs(c.drop(3)).max() < 0.06
    # swapping the arguments mirrors the function
    assert int(L.ccf(df["y"], df["x"], 6).idxmax()) == -3


def test_ccf_with_time_lags_skips_gaps():
    df = _sim(seed=1)
    holes = df.drop(df.index[500:540]).drop(df.index[1200:1201])  # a "halt" and a missing bar
    c = L.ccf(holes["x"], holes["y"], 5, freq="15min")
    assert int(c.idxmax()) == 3
    # positional lags across the removed rows would mis-pair observations: time lags do not
    t = holes.index[600]
    assert L._shift(holes["x"], 3, "15min").loc[t] == df["x"].loc[t - pd.Timedelta("45min")]


def test_ccf_bad_input():
    df = _sim(n=100)
    with pytest.raises(ValueError, match="different indexes"):
        L.ccf(df["x"], df["y"].iloc[1:], 3)
    with pytest.raises(ValueError, match="NaN"):
        L.ccf(df["x"].where(df["x"] > -2), df["y"], 3)
    with pytest.raises(ValueError, match="max_lag"):
        L.ccf(df["x"], df["y"], -1)
    with pytest.raises(DataError, match="unsorted"):
        L.ccf(df["x"].iloc[::-1], df["y"].iloc[::-1], 3, freq="15min")


# ---------------------------------------------------------------------------------------------
# Granger
# ---------------------------------------------------------------------------------------------


def test_granger_finds_x_to_y_at_lag_3_not_the_reverse():
    df = _sim(seed=2)
    order, tab = L.select_lag_order(df, 6, "bic")
    assert order == 3
    both = L.granger_both_ways(df, "x", "y", 6, "bic")
    assert both.loc["x -> y", "lags"] == 3
    assert both.loc["x -> y", "p"] < 1e-10
    # the reverse direction is a true null: its rejection rate at 5% is about 5% (size check)
    rej = np.mean([L.granger_test(_sim(n=300, seed=100 + i), "x", "y", 3)["p"] < 0.05 for i in range(100)])
    assert 0.01 <= rej <= 0.11, rej
    # with only 2 lags the effect at lag 3 is invisible
    assert L.granger_test(df, "y", "x", 2)["p"] > 0.01
    # robust covariance gives the same answer here
    assert L.granger_test(df, "y", "x", 3, cov_type="HC1")["p"] < 1e-10


def test_granger_equals_statsmodels_ssr_ftest():
    df = _sim(n=800, seed=3, b=0.2)
    for lags in (1, 3):
        ours = L.granger_test(df, "y", "x", lags)
        # statsmodels tests whether the SECOND column causes the FIRST
        sm = grangercausalitytests(df[["y", "x"]].to_numpy(), maxlag=[lags])[lags][0]["ssr_ftest"]
        assert ours["f"] == pytest.approx(sm[0], rel=1e-8)
        assert ours["p"] == pytest.approx(sm[1], rel=1e-6)
        assert (ours["df_den"], ours["df_num"]) == (int(sm[2]), int(sm[3]))


def test_select_lag_order_equals_statsmodels():
    df = _sim(n=600, seed=4)
    _, tab = L.select_lag_order(df.reset_index(drop=True), 5, "bic")
    sel = VAR(df.reset_index(drop=True)).select_order(5)
    for p in range(1, 6):
        assert tab.loc[p, "bic"] == pytest.approx(sel.ics["bic"][p], rel=1e-10)
        assert tab.loc[p, "aic"] == pytest.approx(sel.ics["aic"][p], rel=1e-10)


def test_select_lag_order_with_zero_lags_equals_statsmodels():
    rng = np.random.default_rng(9)
    df = pd.DataFrame(rng.standard_normal((300, 3)), columns=list("abc"))  # white noise: BIC picks 0
    order, tab = L.select_lag_order(df, 4, "bic", min_lags=0)
    sel = VAR(df).select_order(4)
    for p in range(0, 5):
        assert tab.loc[p, "bic"] == pytest.approx(sel.ics["bic"][p], rel=1e-10)
    assert order == 0 == sel.selected_orders["bic"]
    assert L.select_lag_order(df, 4, "bic")[0] == 1  # the old search could not say 0
    with pytest.raises(ValueError, match="min_lags"):
        L.select_lag_order(df, 4, "bic", min_lags=2)


def test_lagged_design_drops_rows_across_gaps():
    df = _sim(n=50, seed=5)
    gap = df.drop(df.index[20:25])
    d = L.lagged_design(gap, 2, freq="15min")
    # rows 0-1 lack lags; rows 25-26 would need rows 23-24 (missing)
    assert len(d) == 50 - 5 - 2 - 2
    assert d.loc[df.index[27], "x.L2"] == df["x"].iloc[25]
    with pytest.raises(ValueError, match="NaN"):
        L.lagged_design(df.assign(x=df["x"].where(df.index != df.index[7])), 2)
    with pytest.raises(ValueError, match="lags"):
        L.lagged_design(df, 0)


def test_granger_bad_input():
    df = _sim(n=30)
    with pytest.raises(ValueError, match="missing column"):
        L.granger_test(df, "y", "z", 1)
    with pytest.raises(ValueError, match="too few"):
        L.granger_test(df.iloc[:12], "y", "x", 4)
    with pytest.raises(ValueError, match="ic must be"):
        L.select_lag_order(df, 2, "fpe")


# ---------------------------------------------------------------------------------------------
# returns on bars
# ---------------------------------------------------------------------------------------------


def test_bar_log_returns_only_between_adjacent_bars():
    idx = pd.DatetimeIndex(
        ["2025-10-31 19:45", "2025-10-31 20:00", "2025-10-31 20:15", "2025-11-02 23:00", "2025-11-02 23:15"], tz="UTC"
    )
    bars = pd.DataFrame({"close": [100.0, 101.0, 100.0, 90.0, 91.0]}, index=idx)
    r = L.bar_log_returns(bars, "15min", name="nq")
    assert list(r.index) == [idx[1], idx[2], idx[4]]  # the weekend return is dropped
    assert r.iloc[0] == pytest.approx(np.log(1.01))
    with pytest.raises(DataError, match="non-positive"):
        L.bar_log_returns(bars.assign(close=0.0), "15min")
    with pytest.raises(DataError, match="tz-aware"):
        L.bar_log_returns(bars.tz_localize(None), "15min")


# ---------------------------------------------------------------------------------------------
# the overnight / weekend design
# ---------------------------------------------------------------------------------------------


def _hourly(start, end, f):
    idx = pd.date_range(start, end, freq="h", tz="UTC")
    return pd.DataFrame({"close": [f(t) for t in idx]}, index=idx)


def test_off_hours_design_by_hand():
    # prices are a known function of the bar's END time, so each sampled price can be checked by hand
    def crypto(t):
        return 100.0 + (t + pd.Timedelta("1h") - pd.Timestamp("2025-10-30", tz="UTC")) / pd.Timedelta("1h")

    def fut(t):
        return 2.0 * crypto(t)

    cb = _hourly("2025-10-29", "2025-11-06", crypto)
    fb = _hourly("2025-10-29", "2025-11-06", fut)
    days = pd.DatetimeIndex(["2025-10-29", "2025-10-30", "2025-10-31", "2025-11-03", "2025-11-04"], tz="UTC")
    ix = pd.DataFrame({"open": [10.0, 10, 10, 10, 10], "close": [10.0, 11, 12, 13, 14]}, index=days)
    d = L.off_hours_design(cb, fb, ix, "2025-10-30", "2025-11-04", roll_threshold=1.0)

    def px(t):  # price of the last bar that ENDED by t
        return 100.0 + (pd.Timestamp(t, tz="UTC") - pd.Timestamp("2025-10-30", tz="UTC")) / pd.Timedelta("1h")

    # Monday 3 Nov (EST): Friday close 20:00 UTC (EDT) -> 09:30 ET = 14:30 UTC, sampled at 14:00 UTC
    row = d.loc[pd.Timestamp("2025-11-03", tz="UTC")]
    assert row["prev_close_utc"] == pd.Timestamp("2025-10-31 20:00", tz="UTC")
    assert row["open_utc"] == pd.Timestamp("2025-11-03 14:30", tz="UTC")
    assert row["open_sample_utc"] == pd.Timestamp("2025-11-03 14:00", tz="UTC")
    assert row["crypto_off"] == pytest.approx(px("2025-11-03 14:00") / px("2025-10-31 20:00") - 1)
    assert row["futures_off"] == pytest.approx(row["crypto_off"])
    assert row["days"] == 3 and bool(row["weekend"])
    assert row["index_oc"] == pytest.approx(13 / 10 - 1) and row["index_cc"] == pytest.approx(13 / 12 - 1)
    # Tuesday 4 Nov: previous close 21:00 UTC (EST)
    assert d.loc[pd.Timestamp("2025-11-04", tz="UTC"), "prev_close_utc"] == pd.Timestamp("2025-11-03 21:00", tz="UTC")
    assert list(d.index.strftime("%m-%d")) == ["10-30", "10-31", "11-03", "11-04"]


def test_off_hours_design_drops_gaps_rolls_and_excluded_days():
    def one(t):
        return 100.0

    cb = _hourly("2025-11-01", "2025-11-12", one)
    fb = _hourly(
        "2025-11-01", "2025-11-12", lambda t: 101.0 if t >= pd.Timestamp("2025-11-06 12:00", tz="UTC") else 100.0
    )
    fb = fb.drop(fb.loc["2025-11-10 05:00":"2025-11-10 14:00"].index)  # no futures bar before the 10 Nov open
    days = pd.bdate_range("2025-11-03", "2025-11-11", tz="UTC")
    ix = pd.DataFrame({"open": 100.0, "close": 100.0}, index=days)
    d = L.off_hours_design(cb, fb, ix, "2025-11-04", "2025-11-11", exclude_utc_days=["2025-11-05"])
    dropped = {str(k): v for k, v in d.attrs["dropped"].items()}
    assert dropped["2025-11-05"] == "excluded day"
    assert dropped["2025-11-06"] == "futures roll (ratio jump)"  # +1% vs the index at the close
    assert dropped["2025-11-10"] == "stale price (data gap)"
    assert list(d.index.strftime("%m-%d")) == ["11-04", "11-07", "11-11"]
    with pytest.raises(DataError, match="no open/close"):
        L.off_hours_design(cb, fb, ix.drop(days[3]), "2025-11-04", "2025-11-11")


def test_off_hours_regression_recovers_coefficients():
    rng = np.random.default_rng(9)
    n = 2000
    d = pd.DataFrame({"crypto_off": rng.standard_normal(n), "futures_off": rng.standard_normal(n)})
    d["index_oc"] = 0.3 * d["crypto_off"] - 0.2 * d["futures_off"] + rng.standard_normal(n)
    res = L.off_hours_regression(d)
    assert res.loc["crypto_off", "coef"] == pytest.approx(0.3, abs=0.05)
    assert res.loc["futures_off", "coef"] == pytest.approx(-0.2, abs=0.05)
    assert res.loc["crypto_off", "p"] < 1e-10
    with pytest.raises(ValueError, match="missing column"):
        L.off_hours_regression(d.drop(columns="futures_off"))
    with pytest.raises(ValueError, match="NaN"):
        L.off_hours_regression(d.where(d > -3))


def test_peak_trough_times_by_hand():
    idx = pd.date_range("2025-11-20 00:00", periods=6, freq="15min", tz="UTC")
    b = pd.DataFrame({"high": [10.0, 13, 12, 11, 14, 10], "low": [9.0, 10, 8, 9, 7, 9]}, index=idx)
    r = L.peak_trough_times(b, "2025-11-20 00:00", "2025-11-20 01:00")  # first 4 bars only
    assert (r["peak_time"], r["trough_time"]) == (idx[1], idx[2])
    assert r["fall"] == pytest.approx(8 / 13 - 1)
    with pytest.raises(ValueError, match="fewer than 2"):
        L.peak_trough_times(b, "2025-11-21", "2025-11-22")
    with pytest.raises(DataError, match="missing column"):
        L.peak_trough_times(b[["high"]], "2025-11-20", "2025-11-21")


def test_detect_rolls():
    idx = pd.date_range("2025-09-10", periods=5, freq="D", tz="UTC")
    cash = pd.Series([100.0, 101, 102, 103, 104], idx)
    fut = cash * np.array([1.002, 1.002, 1.002, 1.011, 1.011])  # the continuous series switches contract
    assert list(L.detect_rolls(fut, cash)) == [idx[3]]
    with pytest.raises(ValueError, match="share one session index"):
        L.detect_rolls(fut.iloc[1:], cash)


# ---------------------------------------------------------------------------------------------
# Hayashi-Yoshida lead-lag (non-synchronous observations)
# ---------------------------------------------------------------------------------------------


def _hy_sim(lag_s=30, days=3, seed=0, noise=0.5):
    """x: a Brownian path observed at random instants (mean 5 s apart); y(t) = x(t - lag_s) + noise,
    observed at other random instants (mean 7 s apart): x leads y by ``lag_s`` seconds."""
    rng = np.random.default_rng(seed)
    secs = 4 * 3600
    xs, ys = [], []
    for d in range(days):
        t0 = pd.Timestamp("2025-11-10 14:30", tz="UTC") + pd.Timedelta(days=d)
        w = np.cumsum(rng.standard_normal(secs + lag_s))
        x = w[lag_s:]
        y = w[:-lag_s] + noise * np.cumsum(rng.standard_normal(secs))
        tx = np.sort(rng.choice(secs, secs // 5, replace=False))
        ty = np.sort(rng.choice(secs, secs // 7, replace=False))
        xs.append(pd.Series(x[tx], t0 + pd.to_timedelta(tx, "s")))
        ys.append(pd.Series(y[ty], t0 + pd.to_timedelta(ty, "s")))
    return pd.concat(xs), pd.concat(ys)


def test_hayashi_yoshida_recovers_a_known_lead():
    x, y = _hy_sim(lag_s=30)
    lags = pd.to_timedelta(np.arange(-120, 121, 10), "s")
    c = L.hayashi_yoshida(x, y, lags)
    assert c.idxmax() == pd.Timedelta("30s")  # x leads y by 30 s: peak at +30 s
    assert c.max() == pytest.approx(1 / np.sqrt(1 + 0.5**2), abs=0.05)  # corr of the common path
    assert L.lead_lag_ratio(c) > 10
    # swapping the series mirrors the contrast
    c2 = L.hayashi_yoshida(y, x, lags)
    assert c2.idxmax() == pd.Timedelta("-30s") and L.lead_lag_ratio(c2) < 0.1
    # no lead: the contrast peaks at 0 and the ratio is near 1
    x0, y0 = _hy_sim(lag_s=1, seed=3)
    c0 = L.hayashi_yoshida(x0, y0, lags)
    assert c0.idxmax() == pd.Timedelta(0) and 0.5 < L.lead_lag_ratio(c0) < 2


def test_hayashi_yoshida_by_hand_and_segments():
    t = pd.DatetimeIndex(["2025-11-20 15:00", "2025-11-20 15:01", "2025-11-20 15:03"], tz="UTC")
    u = pd.DatetimeIndex(["2025-11-20 15:00:30", "2025-11-20 15:02", "2025-11-20 15:04"], tz="UTC")
    x = pd.Series([0.0, 1.0, 3.0], t)  # increments 1 over (0, 1], 2 over (1, 3]
    y = pd.Series([0.0, 4.0, 5.0], u)  # increments 4 over (0.5, 2], 1 over (2, 4]
    # theta = 0: overlaps (0,1]&(0.5,2] -> 1*4, (1,3]&(0.5,2] -> 2*4, (1,3]&(2,4] -> 2*1 = 14
    assert L.hayashi_yoshida(x, y, ["0s"], normalize=False).iloc[0] == pytest.approx(14.0)
    # theta = +2 min: y intervals shift to (-1.5, 0] and (0, 2]: only (0, 2] overlaps both x intervals
    assert L.hayashi_yoshida(x, y, ["2min"], normalize=False).iloc[0] == pytest.approx(1 * 1 + 2 * 1)
    seg = L.hayashi_yoshida_segments(x, y, ["0s", "2min"])
    assert list(seg.columns[-2:]) == ["sxx", "syy"] and seg["sxx"].iloc[0] == 5.0 and seg["syy"].iloc[0] == 17.0
    # an overnight gap is never an interval: a second day adds its own increments only
    x2 = pd.concat([x, pd.Series([10.0, 11.0], t[:2] + pd.Timedelta(days=1))])
    y2 = pd.concat([y, pd.Series([50.0, 52.0], u[:2] + pd.Timedelta(days=1))])
    assert L.hayashi_yoshida(x2, y2, ["0s"], normalize=False).iloc[0] == pytest.approx(14.0 + 1 * 2)
    with pytest.raises(ValueError, match="NaN"):
        L.hayashi_yoshida(x.where(x > 0), y, ["0s"])
    with pytest.raises(ValueError, match="no lags"):
        L.hayashi_yoshida(x, y, [])


# ---------------------------------------------------------------------------------------------
# the transmission chapter's chart data
# ---------------------------------------------------------------------------------------------


def test_ccf_summary_known_answer():
    cc = pd.Series([0.05, -0.01, 0.6, 0.02, -0.03], index=[-2, -1, 0, 1, 2])
    s = L.ccf_summary(cc, 10000)  # band 1.96 / 100
    assert s["band"] == pytest.approx(0.0196)
    assert (s["lag0"], s["n_lags"], s["n_out"], s["max_abs"]) == (0.6, 4, 3, 0.05)  # 0.05, 0.02, -0.03
    assert L.ccf_summary(cc, 100)["n_out"] == 0  # band 0.196: nothing outside
    with pytest.raises(ValueError, match="positive"):
        L.ccf_summary(cc, 0)


def test_indexed_closes_rebases_at_the_bar_that_ends_at_start():
    idx = pd.date_range("2025-11-19 20:45", periods=4, freq="15min", tz="UTC")
    a = pd.DataFrame({"close": [50.0, 55.0, 45.0, 60.0]}, index=idx)
    b = pd.DataFrame({"close": [200.0, 210.0]}, index=idx[[0, 2]])  # b has no bar opening at 21:00
    out = L.indexed_closes({"a": a, "b": b}, "2025-11-19 21:00", "2025-11-19 21:30", "15min")
    assert list(out.index.strftime("%H:%M")) == ["21:00", "21:15", "21:30"]  # stamped at the bar's end
    assert out["a"].tolist() == [100.0, 110.0, 90.0]
    assert out["b"].iloc[0] == 100.0 and np.isnan(out["b"].iloc[1]) and out["b"].iloc[2] == 105.0
    with pytest.raises(DataError, match="no bar ends"):
        L.indexed_closes({"a": a}, "2025-11-20 00:00", "2025-11-20 01:00", "15min")


@pytest.mark.snapshot
def test_transmission_leadlag_charts_on_the_snapshot(snapshot):
    from mktlib import charts
    from mktlib.verdicts import transmission as T

    s = charts.data("transmission-selloff-20nov")
    assert s.index[0] == pd.Timestamp("2025-11-19 21:00", tz="UTC")
    assert s.iloc[0].tolist() == [100.0, 100.0, 100.0]
    # BTC's highest 15-minute close in the chart comes before the futures' (D10a)
    day = s.loc[: pd.Timestamp("2025-11-20 21:00", tz="UTC")]
    assert day["BTC (Binance spot)"].idxmax() < day["Nasdaq-100 futures (NQ)"].idxmax()
    c = charts.data("transmission-ccf-15min")
    assert c.index.tolist() == list(range(-120, 121, 15))
    intr = T.d10_intraday_returns()
    assert c.loc[0, "correlation"] == pytest.approx(float(np.corrcoef(intr["btc"], intr["nq"])[0, 1]), abs=1e-9)
    assert c["band (±1.96/√n)"].iloc[0] == pytest.approx(1.96 / np.sqrt(len(intr)))


@pytest.mark.snapshot
def test_selloff_figure_is_drawn_from_its_data(snapshot):
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import charts, claims
    from mktlib.timeutil import utc

    df = charts.data("transmission-selloff-20nov")
    fig = charts.figure("transmission-selloff-20nov")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "On 20 Nov BTC was already falling when US futures peaked after the open"
    for line, col in zip(ax.lines[:3], df.columns, strict=True):  # one line per column, NaN bars skipped
        s = df[col].dropna()
        assert line.get_label() == col
        np.testing.assert_array_equal(line.get_ydata(), s.to_numpy())
        assert mdates.date2num(line.get_xdata()[0]) == pytest.approx(mdates.date2num(s.index[0]))
    # the dotted peak markers sit at the ledger's peak bars, which are the series' highs of 20 Nov
    V = claims.evaluate("D10").values
    marks = [pd.Timestamp(ln.get_xdata()[0]) for ln in ax.lines[3:]]
    day = df.loc[: pd.Timestamp("2025-11-20 21:00", tz="UTC")]
    assert utc(V["D10.btc_peak_time_20nov"]) == day["BTC (Binance spot)"].idxmax()
    assert marks == [utc(V["D10.btc_peak_time_20nov"]), utc(V["D10.nq_peak_time_20nov"])]
    assert [t.get_text() for t in ax.texts] == [" BTC peak", " NQ peak"]
    plt.close("all")


@pytest.mark.snapshot
def test_ccf_figure_is_drawn_from_its_data(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts
    from mktlib.verdicts import transmission as T

    df = charts.data("transmission-ccf-15min")
    fig = charts.figure("transmission-ccf-15min")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_width() == 11]
    assert [p.get_x() + p.get_width() / 2 for p in bars] == pytest.approx(df.index.tolist())
    assert [p.get_height() for p in bars] == pytest.approx(df["correlation"].tolist(), abs=1e-12)
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{k:+d}" for k in df.index]
    # the band's half-width and the count of bars in the source note both come from the data
    n = len(T.d10_intraday_returns())
    assert L.ccf_chart_nobs(df) == n
    assert any(f"on {n:,} bars" in t.get_text() for t in fig.texts)
    plt.close("all")
