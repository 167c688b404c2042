"""mktlib.treasuries: drawdown, betas, premium proxies vs a simulated mNAV, coin sampling, holdings,
event table, beta-adjusted abnormal returns and their bootstrap (hand-computed and simulated), and the
snapshot values reported in the chapter. The K3/K4 rules and evaluators: tests/test_verdicts_flows.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.regression.rolling import RollingOLS

from mktlib import treasuries as tr
from mktlib.errors import DataError


def _idx(n, start="2025-01-01"):
    return pd.date_range(start, periods=n, freq="D", tz="UTC")


def test_max_drawdown_hand():
    # a new high after the trough must not be used as the peak of the max drawdown
    p = pd.Series([10, 12, 6, 13, 11, 12.0], index=_idx(6))
    dd = tr.max_drawdown(p)
    assert dd["drawdown"] == pytest.approx(-0.5)
    assert dd["peak_date"] == p.index[1] and dd["trough_date"] == p.index[2]
    assert tr.max_drawdown(p, p.index[3], p.index[5])["drawdown"] == pytest.approx(11 / 13 - 1)
    assert tr.max_drawdown(pd.Series([1.0, 2, 3], index=_idx(3)))["drawdown"] == 0.0
    with pytest.raises(DataError, match="positive"):
        tr.max_drawdown(pd.Series([1.0, np.nan], index=_idx(2)))
    with pytest.raises(DataError, match="no prices"):
        tr.max_drawdown(p, "2030-01-01", "2030-02-01")


def test_beta_hac_matches_statsmodels_and_truth():
    rng = np.random.default_rng(4)
    x = pd.Series(rng.normal(0, 0.03, 300), index=_idx(300))
    y = 0.001 + 1.5 * x + pd.Series(rng.normal(0, 0.02, 300), index=_idx(300))
    b = tr.beta_hac(y, x, maxlags=3)
    ref = sm.OLS(y, sm.add_constant(x.rename("x"))).fit(cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True})
    assert b["beta"] == pytest.approx(ref.params["x"]) and b["se"] == pytest.approx(ref.bse["x"])
    assert b["beta"] == pytest.approx(1.5, abs=0.15)
    assert b["t1"] == pytest.approx((b["beta"] - 1) / b["se"])
    assert b["p1"] < 0.001 and b["n"] == 300
    with pytest.raises(DataError, match="NaN"):
        tr.beta_hac(y.where(y.index != y.index[5]), x)
    with pytest.raises(DataError, match="common rows"):
        tr.beta_hac(y.iloc[:5], x.iloc[:5])


def test_rolling_beta_matches_rolling_ols():
    rng = np.random.default_rng(5)
    x = pd.Series(rng.normal(0, 0.03, 80), index=_idx(80))
    y = 1.2 * x + pd.Series(rng.normal(0, 0.02, 80), index=_idx(80))
    rb = tr.rolling_beta(y, x, 20)
    ref = RollingOLS(y, sm.add_constant(x.rename("x")), window=20).fit().params["x"]
    assert rb.iloc[19:].to_numpy() == pytest.approx(ref.iloc[19:].to_numpy())
    assert rb.iloc[:19].isna().all()


def test_premium_proxies_recover_simulated_mnav():
    # true mNAV_t = N_t S_t / (H_t P_t). Case 1: constant share count N, holdings rising.
    rng = np.random.default_rng(6)
    n = 50
    idx = _idx(n, "2025-10-01")
    P = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.03, n))), index=idx)
    H = pd.Series(1000 + 5.0 * np.arange(n), index=idx)
    mn = pd.Series(np.linspace(1.8, 0.9, n), index=idx)
    N = 50.0
    S = mn * H * P / N
    pp = tr.premium_proxy(S, P, H)
    assert pp["const_shares"].to_numpy() == pytest.approx((mn / mn.iloc[0]).to_numpy())
    # Case 2: constant coins per share (shares issued to buy coins) -> per_coin is exact
    N2 = H / 20.0
    S2 = mn * H * P / N2
    assert tr.premium_proxy(S2, P)["per_coin"].to_numpy() == pytest.approx((mn / mn.iloc[0]).to_numpy())
    # holdings on a different (sparser) calendar are taken as of each session
    Hs = H.iloc[::7]
    pp3 = tr.premium_proxy(S, P, Hs)
    assert pp3["const_shares"].iloc[8] == pytest.approx(
        (S.iloc[8] / S.iloc[0]) / (Hs.iloc[1] * P.iloc[8] / (Hs.iloc[0] * P.iloc[0]))
    )
    with pytest.raises(DataError, match="base date"):
        tr.premium_proxy(S, P, base="2024-01-01")
    with pytest.raises(DataError, match="no holdings"):
        tr.premium_proxy(S, P, H.iloc[3:])
    assert tr.mnav(59e9, 650_000, 95_000) == pytest.approx(59e9 / 61.75e9)
    with pytest.raises(ValueError):
        tr.mnav(1e9, 0, 1.0)


def test_relative_return_and_holdings():
    i = _idx(3, "2025-09-30")
    r = tr.relative_return(pd.Series([100, 80, 50.0], i), pd.Series([10, 9, 8.0], i), i[0], i[2])
    assert (r["stock"], r["coin"], r["excess"]) == pytest.approx((-0.5, -0.2, -0.3))
    with pytest.raises(DataError, match="no value"):
        tr.relative_return(pd.Series([100, 80, 50.0], i), pd.Series([10, 9, 8.0], i), "2025-09-01", i[2])
    tab = pd.DataFrame(
        {"symbol": ["A:X", "B:Y", "A:X"], "btc": [10.0, 5.0, 7.0]},
        index=pd.DatetimeIndex(["2025-10-01", "2025-10-01", "2025-11-05"], tz="UTC"),
    )
    h = tr.holdings(tab, "A:X")
    assert tr.holdings_change(h, "2025-10-01", "2025-11-30") == -3.0
    assert tr.holdings_change(h, "2025-10-15", "2025-10-31") == 0.0
    with pytest.raises(DataError, match="not in the holdings"):
        tr.holdings(tab, "C:Z")
    with pytest.raises(DataError, match="no holdings on or before"):
        tr.holdings_change(h, "2025-09-01", "2025-11-30")


def test_coin_at_closes_prefers_the_first_source():
    # coarse 4h bars everywhere (close = 1000 + hour), fine 1h bars (close = 2000 + hour) only on 3-4 Nov
    t4 = pd.date_range("2025-10-30", "2025-11-07", freq="4h", tz="UTC")
    coarse = pd.DataFrame({"close": 1000.0 + (t4 - t4[0]) / pd.Timedelta("1h")}, index=t4)
    t1 = pd.date_range("2025-11-03", "2025-11-04 23:00", freq="h", tz="UTC")
    fine = pd.DataFrame({"close": 2000.0 + (t1 - t4[0]) / pd.Timedelta("1h")}, index=t1)
    out = tr.coin_at_closes([(fine, "15min"), (coarse, "1h")], "NY", "2025-10-31", "2025-11-05")
    # 31 Oct close 20:00 UTC (EDT): the coarse bar 16-20 UTC on 31 Oct (hour 24 + 16) ends exactly then
    assert out.loc["2025-10-31", "price"] == 1000.0 + 40 and out.loc["2025-10-31", "source"] == 1
    # 3 Nov close 21:00 UTC (EST): fine bar 20:00-21:00 -> 2000 + 4*24 + 20 = 2116
    assert out.loc["2025-11-03", "price"] == 2116.0 and out.loc["2025-11-03", "source"] == 0
    # 5 Nov 21:00 UTC: no fine bars; coarse bar 16-20 UTC ended 1h before -> 1000 + 6*24 + 16
    assert out.loc["2025-11-05", "price"] == 1000.0 + 160 and out.loc["2025-11-05", "source"] == 1
    assert out.loc["2025-11-03", "ret"] == pytest.approx(2116.0 / 1040.0 - 1)
    with pytest.raises(DataError):
        tr.coin_at_closes([(coarse, "30min")], "NY", "2025-11-03", "2025-11-05")  # 1h stale > 30 min


def test_dat_table_toy():
    idx = pd.bdate_range("2025-09-25", "2025-11-25", tz="UTC")
    rng = np.random.default_rng(8)
    coin = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.03, len(idx)))), index=idx)
    stock = pd.Series(50 * np.exp(np.cumsum(2.0 * np.log(coin).diff().fillna(0).to_numpy())), index=idx)
    t = tr.dat_table(pd.DataFrame({"X": stock}), {"C": coin}, {"X": "C"}, "2025-10-01", "2025-11-21")
    row = t.loc["X"]
    assert row["beta"] == pytest.approx(2.0, abs=0.1)
    s0, s1 = pd.Timestamp("2025-09-30", tz="UTC"), pd.Timestamp("2025-11-21", tz="UTC")
    assert row["excess"] == pytest.approx(stock[s1] / stock[s0] - coin[s1] / coin[s0])
    assert row["drawdown"] == pytest.approx(tr.max_drawdown(stock, "2025-10-01", "2025-11-21")["drawdown"])


def test_event_table_planted_effect():
    rng = np.random.default_rng(9)
    idx = pd.bdate_range("2024-01-01", periods=600, tz="UTC")
    m = pd.Series(rng.normal(0, 0.02, 600), index=idx)
    a = 1.4 * m + pd.Series(rng.normal(0, 0.005, 600), index=idx)
    ev = idx[500]
    a.loc[ev] += 0.08
    out = tr.event_table(
        a, {"mkt": m, "cm": None}, {"E": ev.date().isoformat()}, window=(-1, 1), placebo_start=idx[200]
    )
    mm = out.set_index("model")
    assert abs(mm.loc["mkt", "car"] - 0.08) < 3 * mm.loc["mkt", "car_se"]  # car_se about 0.009
    assert mm.loc["mkt", "t"] > 3 and mm.loc["mkt", "p_placebo"] < 0.02
    assert mm.loc["mkt", "beta"] == pytest.approx(1.4, abs=0.1)
    # 3-day windows starting at idx[200]..idx[597], minus the 5 that touch the event window idx[499..501]
    assert mm.loc["mkt", "n_placebo"] == 398 - 5


def test_beta_adjusted_return_known_answer():
    # referee 2's example: MSTR fell 47.1% while BTC fell 26.0%; with a beta of 1.33 the coin "explains"
    # -34.58%, so the abnormal return is -47.1% + 34.58% = -12.52% (the raw difference is -21.1%)
    assert tr.beta_adjusted_return(-0.471, -0.26, 1.33) == pytest.approx(-0.1252)
    assert -0.471 - (-0.26) == pytest.approx(-0.211)
    # beta 0: the abnormal return is the stock's own return; arrays of betas broadcast
    assert tr.beta_adjusted_return(-0.5, -0.3, 0.0) == -0.5
    assert tr.beta_adjusted_return(-0.5, -0.3, np.array([1.0, 2.0])).tolist() == pytest.approx([-0.2, 0.1])


def test_pair_betas_hand_computed():
    # x = (1, 2, 3, 4)/100, y = (3, 1, 4, 6)/100: mean x 2.5, mean y 3.5; Sxy = (-1.5)(-0.5) + (-0.5)(-2.5)
    # + (0.5)(0.5) + (1.5)(2.5) = 6.0, Sxx = 5.0 -> beta 1.2 (units cancel)
    a = np.array([[3, 1], [1, 2], [4, 3], [6, 4]], dtype=float) / 100
    assert tr.pair_betas(a, [(0, 1)])[0] == pytest.approx(1.2)
    assert tr.pair_betas(a, [(1, 0)])[0] == pytest.approx(6.0 / (0.25 + 6.25 + 0.25 + 6.25))
    assert np.isnan(tr.pair_betas(np.column_stack([a[:, 0], np.zeros(4)]), [(0, 1)])[0])


def test_beta_bootstrap_exact_and_simulated():
    idx = _idx(60, "2025-08-01")
    rng = np.random.default_rng(3)
    x = pd.Series(rng.normal(0, 0.03, 60), idx)
    # an exact linear relation: every resample gives beta 2 exactly, so the interval is a point
    pre = pd.DataFrame({"S": 2 * x, "C": x})
    beta, draws = tr.beta_bootstrap(pre, {"S": "C"}, reps=99, seed=1)
    assert beta["S"] == pytest.approx(2.0)
    assert draws.shape == (99, 1) and np.allclose(draws["S"], 2.0)
    # noisy, two stocks on two coins resampled together: the truth (1.5, 0.5) is inside the 90% intervals,
    # and the draws are reproducible with the seed
    n = 400
    idx = _idx(n, "2024-01-01")
    xb, xe = rng.normal(0, 0.03, n), rng.normal(0, 0.04, n)
    pre = pd.DataFrame(
        {"A": 1.5 * xb + rng.normal(0, 0.02, n), "B": 0.5 * xe + rng.normal(0, 0.02, n), "BTC": xb, "ETH": xe},
        index=idx,
    )
    beta, draws = tr.beta_bootstrap(pre, {"A": "BTC", "B": "ETH"}, reps=499, seed=7)
    assert draws.quantile(0.05)["A"] < 1.5 < draws.quantile(0.95)["A"]
    assert draws.quantile(0.05)["B"] < 0.5 < draws.quantile(0.95)["B"]
    assert beta["A"] == pytest.approx(sm.OLS(pre["A"], sm.add_constant(pre["BTC"])).fit().params["BTC"])
    again = tr.beta_bootstrap(pre, {"A": "BTC", "B": "ETH"}, reps=499, seed=7)[1]
    assert np.array_equal(draws.to_numpy(), again.to_numpy())
    with pytest.raises(DataError, match="not in the returns"):
        tr.beta_bootstrap(pre, {"A": "SOL"}, reps=9, seed=1)
    with pytest.raises(DataError, match="NaN"):
        tr.beta_bootstrap(pre.assign(A=np.nan), {"A": "BTC"}, reps=9, seed=1)


def test_holdings_wide_and_flows():
    i = pd.DatetimeIndex(
        [
            "2025-10-01",
            "2025-10-01",
            "2025-10-01",
            "2025-10-02",
            "2025-10-02",
            "2025-11-30",
            "2025-11-30",
            "2025-11-30",
            "2025-11-30",
        ],
        tz="UTC",
    )
    t = pd.DataFrame(
        {
            "symbol": ["A", "X", "X", "A", "X", "A", "X", "X", "N"],
            "entity": ["a", "x1", "x2", "a", "x1", "a", "x1", "x2", "n"],
            "btc": [100.0, 10.0, 5.0, 90.0, 12.0, 130.0, 8.0, 5.0, 50.0],
        },
        index=i,
    )
    w = tr.holdings_wide(t)
    assert list(w.columns) == ["A", "N", "X (x1)", "X (x2)"]  # one symbol, two entities
    assert w.loc["2025-10-02", "X (x2)"] == 5.0  # carried forward
    f = tr.holdings_flows(w, "2025-10-01", "2025-11-30")
    assert list(f.index) == ["A", "X (x1)", "X (x2)"]  # N has no holding on 1 Oct
    assert f["change"].tolist() == [30.0, -2.0, 0.0] and f["sold"].tolist() == [0.0, 2.0, 0.0]
    assert tr.holdings_flows(w, "2025-10-02", "2025-11-30", ["A"])["change"].tolist() == [40.0]
    with pytest.raises(DataError, match="not in the holdings"):
        tr.holdings_flows(w, "2025-10-01", "2025-11-30", ["B"])
    with pytest.raises(DataError, match="no holdings on or before"):
        tr.holdings_flows(w, "2025-09-01", "2025-11-30")


def test_snapshot_k4_table(snapshot):
    from mktlib import data

    closes = tr.dat_closes(["MSTR", "SQNS", "BMNR", "FGNX"], tr.DAT_START, "2026-01-30")
    coins = tr.coins_at_ny_close("2025-06-02", "2026-01-30")
    at_close = {c: coins[c]["price"].reindex(closes.index) for c in ("BTC", "ETH")}
    t = tr.dat_table(
        closes, at_close, {"MSTR": "BTC", "SQNS": "BTC", "BMNR": "ETH", "FGNX": "ETH"}, "2025-10-01", "2025-11-21"
    )
    assert t.loc["MSTR", "drawdown"] == pytest.approx(-0.526, abs=0.001)
    assert t.loc["MSTR", "excess"] == pytest.approx(-0.210, abs=0.001)
    assert t.loc["MSTR", "beta"] == pytest.approx(1.330, abs=0.001)
    assert t.loc["BMNR", "excess"] == pytest.approx(-0.157, abs=0.001)
    h = data.load("treasury_btc_holdings_1d")
    assert tr.holdings_change(tr.holdings(h, "MSTR:NADQ"), "2025-10-01", "2025-11-30") == 9839.0
    assert tr.holdings_change(tr.holdings(h, "SQNS:NYSE"), "2025-10-01", "2025-11-30") == -937.0
    f = tr.holdings_flows(tr.holdings_wide(h), "2025-10-01", "2025-11-30")
    assert f.loc["MSTR:NADQ", "change"] == 9839.0 and f.loc["SQNS:NYSE", "sold"] == 937.0


def test_event_shifts_match_event_study():
    from mktlib.events import event_study

    rng = np.random.default_rng(10)
    idx = pd.bdate_range("2024-01-01", periods=300, tz="UTC")
    m = pd.Series(rng.normal(0, 0.02, 300), index=idx)
    a = 0.9 * m + pd.Series(rng.normal(0, 0.01, 300), index=idx)
    out = tr.event_shifts(a, m, idx[250].date().isoformat(), shifts=[-2, 0, 1])
    assert list(out["event_date"]) == [idx[248], idx[250], idx[251]]
    assert out["t"].iloc[2] == pytest.approx(event_study(a, m, idx[251]).t)


def test_rebase_known_answer_and_bad_base():
    i = _idx(3, "2025-09-29")
    p = pd.DataFrame({"a": [50.0, 100.0, 25.0], "b": [2.0, 4.0, 8.0]}, index=i)
    r = tr.rebase(p, "2025-09-30")
    assert r["a"].tolist() == [50.0, 100.0, 25.0]
    assert r["b"].tolist() == [50.0, 100.0, 200.0]
    assert tr.rebase(p, "2025-09-29", level=1.0)["b"].tolist() == [1.0, 2.0, 4.0]
    with pytest.raises(DataError, match="not in the data"):
        tr.rebase(p, "2025-10-05")
    with pytest.raises(DataError, match="no positive value"):
        tr.rebase(p.assign(a=[1.0, 0.0, 1.0]), "2025-09-30")


def test_snapshot_chapter_charts(snapshot):
    from mktlib import charts
    from mktlib.verdicts import flows as vflows

    reb = charts.data("flows-dat-stocks-vs-coins")
    assert list(reb.columns) == ["MSTR", "SQNS", "BMNR", "FGNX", "BTC", "ETH"]
    assert reb.loc[tr.K4_BASE].tolist() == pytest.approx([100.0] * 6)
    # MSTR's close-to-close return 30 Sep -> 21 Nov, as in the ledger's K4a window
    ab = vflows.k4_abnormal("2025-08-01", "2025-09-30", "2025-11-21")
    assert reb.loc["2025-11-21", "MSTR"] / 100 - 1 == pytest.approx(ab.loc["MSTR", "stock"])
    assert reb.loc["2025-11-21", "BTC"] / 100 - 1 == pytest.approx(ab.loc["MSTR", "coin"])
    pp = charts.data("flows-dat-premium-proxies")
    assert pp.index[0] == pd.Timestamp(tr.K4_BASE, tz="UTC")
    assert pp.iloc[0].tolist() == pytest.approx([1.0] * 5)
    # constant-coins-per-share proxy = rebased stock / rebased coin
    assert pp.loc["2025-11-21", "MSTR, constant BTC per share"] == pytest.approx(
        reb.loc["2025-11-21", "MSTR"] / reb.loc["2025-11-21", "BTC"]
    )
    ev = charts.data("flows-msci-event-study")
    for name in ("MSCI consultation", "MSCI reprieve"):
        assert ev.loc[ev["panel"] == name, "day"].tolist() == list(range(-1, 6))
    # the chart's event CARs and the table's primary rows are the ledger's
    led = vflows.msci_event_tests()
    tab = tr.msci_checks_table().set_index(["asset", "event", "market model"])
    for key, name in zip(tr.MSCI_EVENTS, ("MSCI consultation", "MSCI reprieve"), strict=True):
        car = ev.loc[ev["panel"] == name, "car"].iloc[-1]
        assert car == pytest.approx(led.loc[key, "car"])
        assert tab.loc[("MSTR", name, "BTC at NY close"), "CAR"] == pytest.approx(led.loc[key, "car"])
        assert tab.loc[("MSTR", name, "BTC at NY close"), "placebo p"] == pytest.approx(led.loc[key, "p_placebo"])
    assert (ev["panel"] == "placebo").sum() == led["n_placebo"].iloc[0] + 2


def test_snapshot_chapter_drawings(snapshot):
    """charts.figure draws each chart's own data: line y-data are its columns, titles as the book shows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mktlib import charts

    try:
        reb = charts.data("flows-dat-stocks-vs-coins")
        fig = charts.figure("flows-dat-stocks-vs-coins")
        assert len(fig.axes) == 2 and fig._suptitle.get_text().startswith("The treasury stocks fell further")
        for ax, ttl, cols in zip(
            fig.axes, ("BTC holders", "ETH holders"), (["BTC", "MSTR", "SQNS"], ["ETH", "BMNR", "FGNX"]), strict=True
        ):
            assert ax.get_title(loc="left") == ttl and ax.get_yscale() == "log"
            data_lines = ax.lines[:3]  # then the marked dates' vertical lines
            assert [ln.get_label() for ln in data_lines] == [f"{cols[0]} (NY close)", *cols[1:]]
            for ln, c in zip(data_lines, cols, strict=True):
                np.testing.assert_allclose(ln.get_ydata(), reb[c].to_numpy())

        pp = charts.data("flows-dat-premium-proxies")
        fig = charts.figure("flows-dat-premium-proxies")
        (ax,) = fig.axes
        lines = [ln for ln in ax.lines if ln.get_label() in pp.columns]
        assert [ln.get_label() for ln in lines] == list(pp.columns)
        for ln in lines:
            np.testing.assert_allclose(ln.get_ydata(), pp[ln.get_label()].to_numpy())
        assert lines[1].get_linestyle() == "--"  # MSTR, constant share count
        assert ax.get_title(loc="left") == "By 21 November every named stock's premium over its coins had shrunk"

        ev = charts.data("flows-msci-event-study")
        fig = charts.figure("flows-msci-event-study")
        assert len(fig.axes) == 3
        for ax, name in zip(fig.axes[:2], ("MSCI consultation", "MSCI reprieve"), strict=True):
            t = ev[ev["panel"] == name]
            (car,) = [ln for ln in ax.lines if ln.get_label() == "CAR against BTC"]
            np.testing.assert_allclose(car.get_ydata(), 100 * t["car"].to_numpy())
            np.testing.assert_array_equal(car.get_xdata(), t["day"].to_numpy())
            assert ax.get_title(loc="left") == f"{name}\n{t['label'].iloc[0]}"
        hist = fig.axes[2]
        n_placebo = int(((ev["panel"] == "placebo") & ev["label"].str.startswith("window")).sum())
        assert sum(p.get_height() for p in hist.patches) == n_placebo  # every placebo window is counted once
        evt = ev[(ev["panel"] == "placebo") & ev["label"].str.startswith("MSCI")]
        marks = [ln for ln in hist.lines if ln.get_label() in ("consultation", "reprieve")]
        assert [ln.get_xdata()[0] for ln in marks] == pytest.approx(evt["t"].tolist())
    finally:
        plt.close("all")
