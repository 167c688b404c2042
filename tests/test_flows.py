"""mktlib.flows: timing alignment (hand-computed), regressions vs statsmodels and simulated truths,
stablecoin growth, bad input, the reconciliation of the two ETF-flow files (hand-made fixture) and the
snapshot values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from mktlib import calendars, flows
from mktlib.errors import DataError


def _toy_bars():
    # hourly bars from 2025-11-24 00:00 UTC; close of the bar opening at hour k is 100 + k
    idx = pd.date_range("2025-11-24", periods=24 * 9, freq="h", tz="UTC")
    return pd.DataFrame({"close": 100.0 + np.arange(len(idx))}, index=idx)


def test_alignment_hand_computed():
    # NY closes: Mon 24, Tue 25, Wed 26 at 21:00 UTC (EST); Thu 27 Thanksgiving closed; Fri 28 early close
    # 13:00 ET = 18:00 UTC; Mon 1 Dec 21:00 UTC. The price at close T is the close of the bar ending at T,
    # i.e. the bar opening at T - 1h: hour index k = hours since 24 Nov 00:00 minus 1.
    b = calendars.crypto_at_closes(_toy_bars(), "NY", "2025-11-24", "2025-12-01")
    k = {"24": 20, "25": 44, "26": 68, "28": 4 * 24 + 17, "01": 7 * 24 + 20}
    price = {d: 100.0 + v for d, v in k.items()}
    assert b["price"].tolist() == [price[d] for d in ("24", "25", "26", "28", "01")]
    s = b.index
    f = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=s)
    a = flows.align_flows_returns(f, b)
    # rows need F_t-1, r_t-1 and r_t+1: 26 Nov and 28 Nov
    assert [d.day for d in a.index] == [26, 28]
    r26 = a.loc["2025-11-26"]
    assert r26["flow"] == 3.0 and r26["flow_prev"] == 2.0
    assert r26["ret_to_close"] == pytest.approx(price["26"] / price["25"] - 1)
    assert r26["ret_prev"] == pytest.approx(price["25"] / price["24"] - 1)
    assert r26["ret_next"] == pytest.approx(price["28"] / price["26"] - 1)  # spans Thanksgiving
    assert r26["days_next"] == 2
    r28 = a.loc["2025-11-28"]
    assert r28["ret_next"] == pytest.approx(price["01"] / price["28"] - 1)  # the weekend is in it
    assert r28["days_next"] == 3


def test_alignment_bad_input():
    b = calendars.crypto_at_closes(_toy_bars(), "NY", "2025-11-24", "2025-12-01")
    s = b.index
    with pytest.raises(DataError, match="not NY sessions"):
        flows.align_flows_returns(pd.Series(1.0, index=s.union(pd.DatetimeIndex(["2025-11-27"], tz="UTC"))), b)
    with pytest.raises(DataError, match="without a flow"):
        flows.align_flows_returns(pd.Series(1.0, index=s.delete(2)), b)
    with pytest.raises(DataError, match="NaN flow"):
        flows.align_flows_returns(pd.Series([1.0, np.nan, 1, 1, 1], index=s), b)
    with pytest.raises(DataError, match="not sorted"):
        flows.align_flows_returns(pd.Series(1.0, index=s[::-1]), b)
    with pytest.raises(DataError, match="tz-aware"):
        flows.align_flows_returns(pd.Series(1.0, index=s.tz_localize(None)), b)
    with pytest.raises(DataError, match="missing column 'ret'"):
        flows.align_flows_returns(pd.Series(1.0, index=s), b.drop(columns="ret"))
    with pytest.raises(DataError, match="ends"):
        flows.align_flows_returns(pd.Series(1.0, index=s), b.iloc[:3])


def _sim_aligned(n=1500, seed=0, *, flow_on_ret=0.0, ret_on_flow=0.0, flow_sd=300.0):
    """Synthetic aligned table: F_t = flow_on_ret * r_t + noise ($m, r in fraction);
    r_t+1 = ret_on_flow * F_t / 1000 / 100 + noise (so the true b of 'flows -> returns' is ret_on_flow)."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0, 0.02, n + 1)
    F = np.empty(n + 1)
    for t in range(n + 1):
        F[t] = flow_on_ret * r[t] * 100 * 1000 + rng.normal(0, flow_sd)
        if t + 1 <= n:
            r[t + 1] += ret_on_flow * F[t] / 1000 / 100
    idx = pd.bdate_range("2019-01-01", periods=n + 1, tz="UTC")
    d = pd.DataFrame({"flow": F, "ret_to_close": r}, index=idx)
    d["flow_prev"] = d["flow"].shift(1)
    d["ret_prev"] = d["ret_to_close"].shift(1)
    d["ret_next"] = d["ret_to_close"].shift(-1)
    return d.dropna()


def test_regressions_match_statsmodels():
    d = _sim_aligned(400, seed=3, flow_on_ret=0.05)
    out = flows.flow_return_regressions(d, maxlags=4)
    y = d["flow"] / 1000
    X = sm.add_constant(pd.DataFrame({"r": d["ret_to_close"] * 100, "F_prev": d["flow_prev"] / 1000}))
    ref = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 4, "use_correction": True})
    row = out.loc["returns -> flows"]
    assert row["b"] == pytest.approx(ref.params["r"])
    assert row["se"] == pytest.approx(ref.bse["r"])
    assert row["p"] == pytest.approx(ref.pvalues["r"])
    assert row["r2"] == pytest.approx(ref.rsquared)
    assert row["n"] == len(d)


def test_regressions_find_the_simulated_direction():
    # returns lead flows: $0.05bn of flow per 1 pp of same-day return; flows do not move returns
    d = _sim_aligned(1500, seed=1, flow_on_ret=0.05)
    out = flows.flow_return_regressions(d)
    assert out.loc["returns -> flows", "b"] == pytest.approx(0.05, abs=0.01)
    assert out.loc["returns -> flows", "p"] < 1e-6
    assert out.loc["flows -> returns", "p"] > 0.01
    # flows lead returns: +0.8 pp next-session return per $1bn
    d2 = _sim_aligned(1500, seed=2, ret_on_flow=0.8, flow_sd=1000.0)
    out2 = flows.flow_return_regressions(d2)
    assert out2.loc["flows -> returns", "b"] == pytest.approx(0.8, abs=0.2)  # s.e. about 0.05
    assert out2.loc["flows -> returns", "p"] < 1e-4
    assert out2.loc["returns -> flows", "p"] > 0.01


def test_var_granger_direction():
    rng = np.random.default_rng(7)
    n = 800
    r = rng.normal(0, 0.02, n)
    F = np.r_[0.0, 0.5 * r[:-1] * 1e5] + rng.normal(0, 500, n)  # F_t depends on r_t-1 only
    d = pd.DataFrame({"flow": F, "ret_to_close": r}, index=pd.bdate_range("2020-01-01", periods=n, tz="UTC"))
    g = flows.var_granger(d, maxlags=3)
    assert g.p_returns_to_flows < 1e-6
    assert g.p_flows_to_returns > 0.01
    assert g.lags >= 1
    g2 = flows.var_granger(d, maxlags=2, ic=None)
    assert g2.lags == 2 and list(g2.table.index) == ["flows -> returns", "returns -> flows", "instantaneous"]


def test_totals_and_funds():
    d = pd.DatetimeIndex(["2025-11-20"] * 2 + ["2025-11-21"] * 2, tz="UTC")
    long = pd.DataFrame(
        {"fund": ["IBIT", "GBTC"] * 2, "flow": [-355.5, -199.4, 60.0, -5.0], "total": [-554.9, -554.9, 55.0, 55.0]},
        index=d,
    )
    assert flows.total_flows(long).tolist() == pytest.approx([-554.9, 55.0])
    bad = long.copy()
    bad["total"] = [-554.9, -554.9, 56.0, 56.0]
    with pytest.raises(DataError, match="2025-11-21"):
        flows.total_flows(bad)
    with pytest.raises(DataError, match="repeated"):
        flows.fund_flows(pd.concat([long, long.iloc[:1]]))
    with pytest.raises(DataError, match="missing column 'fund'"):
        flows.fund_flows(long.drop(columns="fund"))
    assert flows.window_sum(flows.total_flows(long), "2025-11-01", "2025-11-30") == pytest.approx(-499.9)
    with pytest.raises(DataError, match="no flow"):
        flows.window_sum(flows.total_flows(long), "2025-12-01", "2025-12-31")


def test_stablecoin_growth():
    idx = pd.date_range("2025-11-01", periods=31, tz="UTC")
    s = pd.Series(300e9 * 1.001 ** np.arange(31), index=idx)
    g = flows.stablecoin_growth(s, days=30)
    assert g["growth_30d"].iloc[-1] == pytest.approx(1.001**30 - 1)
    assert g["change_30d_bn"].iloc[-1] == pytest.approx(300 * (1.001**30 - 1))
    assert g["growth_30d_ann"].iloc[-1] == pytest.approx((1.001**30 - 1) * 365 / 30)
    assert np.isnan(g["growth_30d"].iloc[-2])
    with pytest.raises(DataError, match="not a daily grid"):
        flows.stablecoin_growth(s.drop(idx[5]))
    s2 = s.copy()
    s2.iloc[3] = np.nan
    with pytest.raises(DataError, match="NaN"):
        flows.stablecoin_growth(s2)


def _fixture():
    """Per-fund rows around Christmas and New Year 2025-26 (NYSE closed 25 Dec and 1 Jan; 27-28 Dec and
    3-4 Jan are weekends), and published totals: one disagreeing day, a holiday zero and a placeholder."""
    rows = [
        ("2025-12-24", "IBIT", -150.0),
        ("2025-12-24", "GBTC", -25.3),
        ("2025-12-25", "IBIT", -30.0),
        ("2025-12-25", "GBTC", -10.2),  # a holiday row
        ("2025-12-26", "IBIT", -250.0),
        ("2025-12-26", "GBTC", -25.9),
        ("2025-12-29", "IBIT", -10.0),
        ("2025-12-29", "GBTC", -9.3),
        ("2025-12-30", "IBIT", 300.0),
        ("2025-12-30", "GBTC", 55.1),
        ("2025-12-31", "IBIT", -300.0),
        ("2025-12-31", "GBTC", -48.1),
        ("2026-01-01", "IBIT", 100.0),
        ("2026-01-01", "GBTC", 24.8),  # a holiday row
        ("2026-01-02", "IBIT", 400.0),
        ("2026-01-02", "GBTC", 71.3),
        ("2026-01-05", "IBIT", 600.0),
        ("2026-01-05", "GBTC", 97.2),
    ]
    d = pd.DatetimeIndex([r[0] for r in rows], tz="UTC")
    long = pd.DataFrame({"fund": [r[1] for r in rows], "flow": [r[2] for r in rows]}, index=d)
    far = pd.Series(
        {
            "2025-12-24": -175.3,
            "2025-12-26": -275.9,
            "2025-12-29": -18.8,
            "2025-12-30": 355.1,
            "2025-12-31": -348.1,
            "2026-01-01": 0.0,
            "2026-01-02": 0.0,
        }
    )
    far.index = pd.DatetimeIndex(far.index, tz="UTC")
    return long, far


def test_reconcile_flows_fixture():
    long, far = _fixture()
    r = flows.reconcile_flows(long, far, farside_placeholders=["2026-01-02"])
    # one row per NYSE session, holidays absent
    assert [d.strftime("%m-%d") for d in r.index] == ["12-24", "12-26", "12-29", "12-30", "12-31", "01-02", "01-05"]
    # primary: holiday rows left out, listed against the next session
    assert r["flow"].tolist() == pytest.approx([-175.3, -275.9, -19.3, 355.1, -348.1, 471.3, 697.2])
    assert r["off_session"].tolist() == pytest.approx([0, -40.2, 0, 0, 0, 124.8, 0])
    assert r["status"].tolist() == [
        "agree",
        "agree",
        "disagree",
        "agree",
        "agree",
        "published placeholder",
        "no published total",
    ]
    assert r.loc["2025-12-29", "diff"] == pytest.approx(-0.5)
    assert np.isnan(r.loc["2026-01-02", "farside"])  # a placeholder is not a figure
    # alternative: holiday rows added to the next session (26 Dec, 2 Jan)
    n = flows.reconcile_flows(long, far, holidays="next_session", farside_placeholders=["2026-01-02"])
    assert n["flow"].tolist() == pytest.approx([-175.3, -275.9 - 40.2, -19.3, 355.1, -348.1, 471.3 + 124.8, 697.2])
    assert n.loc["2025-12-26", "status"] == "disagree"
    assert n["flow"].sum() == pytest.approx(long["flow"].sum())  # nothing lost under this rule
    assert r["flow"].sum() == pytest.approx(long["flow"].sum() - (-40.2 + 124.8))
    # without the placeholder list the 0 of 2 Jan is read as a figure and disagrees
    assert flows.reconcile_flows(long, far).loc["2026-01-02", "status"] == "disagree"
    # the tolerance: 0.5 off is a disagreement at 0.15, agreement at 0.5
    assert flows.reconcile_flows(long, far, tol=0.5).loc["2025-12-29", "status"] == "agree"


def test_reconcile_flows_bad_input():
    long, far = _fixture()
    with pytest.raises(ValueError, match="holidays must be one of"):
        flows.reconcile_flows(long, far, holidays="previous_session")
    with pytest.raises(DataError, match="without a flow row, first 2025-12-29"):
        flows.reconcile_flows(long[long.index != pd.Timestamp("2025-12-29", tz="UTC")], far)
    with pytest.raises(DataError, match="missing column 'flow'"):
        flows.reconcile_flows(long.drop(columns="flow"), far)
    with pytest.raises(DataError, match="repeated"):
        flows.reconcile_flows(pd.concat([long, long.iloc[:1]]), far)


def test_snapshot_flows(snapshot):
    from mktlib import data

    bf = data.load("etf_flows_by_fund")
    wide = flows.fund_flows(bf)
    assert wide.shape[1] == 12
    assert wide.loc["2025-11-20", "IBIT"] == pytest.approx(-355.5)
    r = flows.etf_flows_reconciled()
    assert r.loc["2025-11-20", "flow"] == pytest.approx(-903.2)
    assert r.loc["2025-11-20", "farside"] == pytest.approx(-903.2)
    nov = r.loc["2025-11-03":"2025-11-28"]
    assert len(nov) == 19  # 3-28 Nov without Thanksgiving
    assert nov["flow"].sum() == pytest.approx(-3466.7)
    assert nov["farside"].sum() == pytest.approx(-3466.7)
    # every session both files cover agrees; the one placeholder is 2 Jan 2026
    assert (r["status"] == "disagree").sum() == 0
    assert (r["status"] == "agree").sum() == 495
    assert list(r.index[r["status"] == "published placeholder"].strftime("%Y-%m-%d")) == ["2026-01-02"]
    assert r.loc["2026-01-02", "flow"] == pytest.approx(471.3)
    # the non-zero holiday rows, as fund sums, against the next session
    dis = flows.etf_flow_disagreements()
    assert list(dis.index.strftime("%Y-%m-%d")) == ["2025-11-28", "2025-12-26", "2026-01-02", "2026-01-20"]
    assert dis.loc["2025-11-28", "off_session"] == pytest.approx(-182.0)  # -182.4 minus a DEFI -0.4
    # the same sessions under the alternative rule
    n = flows.etf_flows_reconciled("next_session")
    assert n.loc["2025-11-28", "flow"] == pytest.approx(71.4 - 182.0)
    assert n.loc["2025-11-03":"2025-11-28", "flow"].sum() == pytest.approx(-3466.7 - 182.0)
    assert list(n.index[n["status"] == "disagree"].strftime("%m-%d")) == ["11-28", "12-26"]  # Farside ends 31 Dec
    # the aligned table uses the reconciled series
    a = flows.etf_flows_aligned("2025-11-17", "2025-11-26")
    assert a.loc["2025-11-20", "flow"] == pytest.approx(-903.2)
    g = flows.stablecoin_growth(data.load("stablecoin_supply_1d")["value"].loc["2025-01-01":"2026-01-31"])
    assert 250 < g.loc["2025-11-21", "supply_bn"] < 350


def test_regression_table_units_and_order():
    # hand-made regression results: the table rescales the two flow slopes to US$ m per pp and keeps the
    # return slope in pp per US$ bn, in the order same session, flow a session later, return a session later
    reg = pd.DataFrame(
        {"b": [1.5, 0.04, 0.01], "t": [2.5, 10.0, 3.0], "r2_single": [0.01, 0.25, 0.02], "n": [400, 400, 400]},
        index=["flows -> returns", "returns -> flows", "lagged returns -> flows"],
    )
    ep = reg.assign(b=[0.5, 0.02, 0.0], n=80)
    t = flows.regression_table({"ETF era": reg, "episode": ep})
    assert list(t.columns) == ["sample", "link", "slope", "t", "R² alone"]
    assert len(t) == 6
    assert t["slope"].tolist() == pytest.approx([40.0, 10.0, 1.5, 20.0, 0.0, 0.5])
    assert t["t"].tolist()[:3] == [10.0, 3.0, 2.5]
    assert t["R² alone"].tolist()[:3] == [0.25, 0.02, 0.01]
    assert t["sample"].tolist() == ["ETF era (400 days)"] * 3 + ["episode (80 days)"] * 3
    assert t["link"].iloc[0].startswith("return and flow, same session")
    assert t["link"].iloc[2].endswith("(pp per US$ bn)")
    with pytest.raises(DataError, match="no regression"):
        flows.regression_table({"x": reg.drop(index="flows -> returns")})


def test_snapshot_flows_chart(snapshot):
    from mktlib import charts

    df = charts.data("flows-btc-and-etf-flows")
    assert list(df.columns) == ["BTC at NY close (USDT)", "ETF net flow (US$ m)"]
    assert df.index[0] >= pd.Timestamp("2025-09-01", tz="UTC") and df.index[-1] <= pd.Timestamp("2026-01-31", tz="UTC")
    assert df.loc["2025-11-20", "ETF net flow (US$ m)"] == pytest.approx(-903.2)
    assert df["ETF net flow (US$ m)"].idxmin() == pd.Timestamp("2025-11-20", tz="UTC")
    assert df.notna().all().all()
    # BTC at the 20 Nov NY close (21:00 UTC) equals the close of the 1h bar opening at 20:00 UTC
    from mktlib import data

    h = data.load("btc_spot_1h")
    assert df.loc["2025-11-20", "BTC at NY close (USDT)"] == pytest.approx(h.loc["2025-11-20 20:00", "close"])


def test_snapshot_flows_chart_drawing(snapshot):
    """charts.figure draws the chart's own data: the BTC line and the flow bars are its two columns."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mktlib import charts

    try:
        df = charts.data("flows-btc-and-etf-flows")
        fig = charts.figure("flows-btc-and-etf-flows")
        ax1, ax2 = fig.axes
        line = ax1.lines[0]  # then the key dates' vertical lines
        np.testing.assert_allclose(line.get_ydata(), df["BTC at NY close (USDT)"].to_numpy())
        bars = ax2.patches
        assert len(bars) == len(df)
        np.testing.assert_allclose([b.get_height() for b in bars], df["ETF net flow (US$ m)"].to_numpy())
        neg = [tuple(b.get_facecolor()) for b, v in zip(bars, df["ETF net flow (US$ m)"], strict=True) if v < 0]
        assert neg and all(c == matplotlib.colors.to_rgba("#c62828") for c in neg)
        assert ax1.get_title(loc="left").endswith("came on 20 Nov 2025")
        (ann,) = ax2.texts
        assert ann.get_text() == f"20 Nov 2025: {df['ETF net flow (US$ m)'].min():,.0f}"
        assert pd.Timestamp(ann.xy[0]) == pd.Timestamp("2025-11-20", tz="UTC")
        # the episode's key dates are marked in the top panel
        assert {t.get_text().strip() for t in ax1.texts} == {"peak", "cascade", "low"}
    finally:
        plt.close("all")
