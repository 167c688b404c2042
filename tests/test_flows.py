"""mktlib.flows: timing alignment (hand-computed), regressions vs statsmodels and simulated truths,
stablecoin growth, bad input, K3 verdict rule and the snapshot values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from mktlib import calendars, flows
from mktlib.errors import DataError
from mktlib.verdicts.flows import k3_verdict


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
    assert r26["ret_next"] == pytest.approx(price["28"] / price["26"] - 1)    # spans Thanksgiving
    assert r26["days_next"] == 2
    r28 = a.loc["2025-11-28"]
    assert r28["ret_next"] == pytest.approx(price["01"] / price["28"] - 1)    # the weekend is in it
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
    assert out2.loc["flows -> returns", "b"] == pytest.approx(0.8, abs=0.2)   # s.e. about 0.05
    assert out2.loc["flows -> returns", "p"] < 1e-4
    assert out2.loc["returns -> flows", "p"] > 0.01


def test_var_granger_direction():
    rng = np.random.default_rng(7)
    n = 800
    r = rng.normal(0, 0.02, n)
    F = np.r_[0.0, 0.5 * r[:-1] * 1e5] + rng.normal(0, 500, n)      # F_t depends on r_t-1 only
    d = pd.DataFrame({"flow": F, "ret_to_close": r}, index=pd.bdate_range("2020-01-01", periods=n, tz="UTC"))
    g = flows.var_granger(d, maxlags=3)
    assert g.p_returns_to_flows < 1e-6
    assert g.p_flows_to_returns > 0.01
    assert g.lags >= 1
    g2 = flows.var_granger(d, maxlags=2, ic=None)
    assert g2.lags == 2 and list(g2.table.index) == ["flows -> returns", "returns -> flows", "instantaneous"]


def test_totals_and_funds():
    d = pd.DatetimeIndex(["2025-11-20"] * 2 + ["2025-11-21"] * 2, tz="UTC")
    long = pd.DataFrame({"fund": ["IBIT", "GBTC"] * 2, "flow": [-355.5, -199.4, 60.0, -5.0],
                         "total": [-554.9, -554.9, 55.0, 55.0]}, index=d)
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
    assert g["growth_30d"].iloc[-1] == pytest.approx(1.001 ** 30 - 1)
    assert g["change_30d_bn"].iloc[-1] == pytest.approx(300 * (1.001 ** 30 - 1))
    assert g["growth_30d_ann"].iloc[-1] == pytest.approx((1.001 ** 30 - 1) * 365 / 30)
    assert np.isnan(g["growth_30d"].iloc[-2])
    with pytest.raises(DataError, match="not a daily grid"):
        flows.stablecoin_growth(s.drop(idx[5]))
    s2 = s.copy()
    s2.iloc[3] = np.nan
    with pytest.raises(DataError, match="NaN"):
        flows.stablecoin_growth(s2)


def test_k3_verdict_rule():
    assert k3_verdict(-903.2, {})[0] == "supported"
    assert k3_verdict(-766.0, {})[0] == "supported"
    assert k3_verdict(-500.0, {})[0] == "partly supported"
    assert k3_verdict(-100.0, {"2025-11-21": -880.0})[0] == "partly supported"
    assert k3_verdict(-100.0, {"2025-11-21": 50.0})[0] == "contradicted"
    assert k3_verdict(150.0, {})[0] == "contradicted"


def test_snapshot_flows(snapshot):
    from mktlib import data
    from mktlib.verdicts.flows import k3_measures

    bf = data.load("etf_flows_by_fund")
    wide = flows.fund_flows(bf)
    assert wide.shape[1] == 12
    assert wide.loc["2025-11-20", "IBIT"] == pytest.approx(-355.5)
    m = k3_measures()
    assert m["flow_day"] == pytest.approx(-903.2)
    assert m["farside_day"] == pytest.approx(-903.2)
    assert m["nov_total"] == pytest.approx(-3466.7)
    assert m["nov_total_farside"] == pytest.approx(-3466.7)
    assert m["n_nov_days"] == 19                      # 3-28 Nov without Thanksgiving
    g = flows.stablecoin_growth(data.load("stablecoin_supply_1d")["value"].loc["2025-01-01":"2026-01-31"])
    assert 250 < g.loc["2025-11-21", "supply_bn"] < 350
