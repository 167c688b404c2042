"""Known-answer, bad-input and snapshot tests for mktlib.funding (the G1/G2 evaluators and rules are
tested in tests/test_verdicts_funding.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mktlib import DataError
from mktlib import funding as fu


def _f(rates, intervals, start="2026-01-01", freq=None, name=None):
    if freq is None:
        idx, t = [], pd.Timestamp(start, tz="UTC")
        for iv in intervals:
            idx.append(t)
            t = t + pd.Timedelta(hours=iv)
        idx = pd.DatetimeIndex(idx)
    else:
        idx = pd.date_range(start, periods=len(rates), freq=freq, tz="UTC")
    df = pd.DataFrame({"funding_rate": rates, "interval_hours": [float(i) for i in intervals]}, index=idx)
    if name:
        df.attrs = {"dataset": name}
    return df


# ------------------------------------------------------------------------------ annualisation
def test_neutral_constant():
    assert fu.NEUTRAL_ANNUAL == pytest.approx(fu.NEUTRAL_RATE_8H * 3 * 365, abs=1e-15)
    assert fu.annualise_rate(fu.NEUTRAL_RATE_8H, 8) == pytest.approx(fu.NEUTRAL_ANNUAL, abs=1e-15)


def test_annualise_known_answers():
    assert fu.annualise_rate(0.0001, 8) == pytest.approx(0.1095, abs=1e-12)
    assert fu.annualise_rate(0.0000125, 1) == pytest.approx(0.1095, abs=1e-12)
    assert fu.annualise_rate(0.0001, 4) == pytest.approx(0.219, abs=1e-12)  # x2190
    f = _f([0.0001, 0.0000125, 0.0001, -0.0002], [8, 1, 4, 8])
    np.testing.assert_allclose(fu.annualise(f).to_numpy(), [0.1095, 0.1095, 0.219, -0.219], atol=1e-12)


def test_annualise_series_needs_interval():
    s = pd.Series([0.0001], index=pd.DatetimeIndex(["2026-01-01"], tz="UTC"), name="x")
    assert fu.annualise(s, 8).iloc[0] == pytest.approx(0.1095)
    with pytest.raises(DataError, match="x: a bare rate series needs interval_hours"):
        fu.annualise(s)


@pytest.mark.parametrize("bad", [np.nan, 0.0, -8.0])
def test_bad_interval_raises_naming_series(bad):
    f = _f([0.0001, 0.0001], [8, 8], name="btc_funding_test")
    f.iloc[1, 1] = bad
    with pytest.raises(DataError, match="btc_funding_test: interval_hours missing, zero"):
        fu.annualise(f)
    with pytest.raises(DataError, match="btc_funding_test"):
        fu.mean_annualised(f)


def test_missing_interval_column_and_nan_rate():
    f = _f([0.0001, 0.0001], [8, 8], name="venue_x").drop(columns="interval_hours")
    with pytest.raises(DataError, match="venue_x: missing column interval_hours"):
        fu.annualise(f)
    g = _f([0.0001, np.nan], [8, 8], name="venue_y")
    with pytest.raises(DataError, match="venue_y: funding_rate is NaN"):
        fu.annualise(g)


def test_bad_index_raises():
    f = _f([0.0001, 0.0001], [8, 8], name="naive")
    with pytest.raises(DataError, match="no time zone"):
        fu.annualise(f.tz_localize(None))
    with pytest.raises(DataError, match="not sorted"):
        fu.annualise(f.iloc[::-1])
    with pytest.raises(DataError, match="Asia/Almaty|expected UTC"):
        fu.annualise(f.tz_convert("Asia/Almaty"))


def test_mean_annualised_is_time_weighted():
    # 8h at 0.0001 (10.95%/yr) then 8 hourly records at 0 -> half the time at 10.95%, half at 0
    f = _f([0.0001] + [0.0] * 8, [8] + [1] * 8)
    assert fu.mean_annualised(f) == pytest.approx(0.1095 / 2)
    assert fu.mean_annualised(f, "2026-01-01 00:00", "2026-01-01 00:00") == pytest.approx(0.1095)
    with pytest.raises(DataError, match="no settlements"):
        fu.mean_annualised(f, "2027-01-01", "2027-01-02")


def test_several_keys_rejected():
    f = _f([0.0001, 0.0001], [8, 8]).assign(coin=["BTC", "ETH"])
    f.index = pd.DatetimeIndex([f.index[0]] * 2)
    with pytest.raises(DataError, match="several coins"):
        fu.daily_funding(f)


def test_daily_funding_and_completeness():
    f = _f([0.0001, 0.0002, 0.0003, 0.0001, 0.0001], [8] * 5, freq="8h")  # day 1 full, day 2 partial
    d = fu.daily_funding(f)
    assert list(d.index) == [pd.Timestamp("2026-01-01", tz="UTC")]
    assert d.iloc[0] == pytest.approx(0.0002 * 1095)
    assert len(fu.daily_funding(f, complete=False)) == 2


def test_rolling_funding_trailing_window():
    f = _f([0.0001] * 3 + [0.0004] * 3, [8] * 6, freq="8h")
    r = fu.rolling_funding(f, "1D")
    # the first full window ends at 2026-01-02 00:00: settlements 08:00, 16:00, 00:00 -> (1+1+4)/3
    assert r.index[0] == pd.Timestamp("2026-01-02 00:00", tz="UTC")
    assert r.iloc[0] == pytest.approx(2 * 0.0001 * 1095)
    assert r.iloc[-1] == pytest.approx(0.0004 * 1095)


def test_expanding_percentile_matches_brute_force():
    rng = np.random.default_rng(7)
    x = pd.Series(rng.normal(size=300))
    p = fu.expanding_percentile(x)
    brute = [(x.iloc[: i + 1] <= x.iloc[i]).mean() for i in range(len(x))]
    np.testing.assert_allclose(p.to_numpy(), brute)


# ------------------------------------------------------------------------------------ venues
def test_okx_settlements_assignment():
    idx = pd.DatetimeIndex(["2026-01-01 00:00", "2026-01-01 07:00", "2026-01-01 08:00", "2026-01-01 15:00"], tz="UTC")
    snap = pd.DataFrame({"funding_rate": [1e-4, 2e-4, 3e-4, 4e-4], "interval_hours": 8.0}, index=idx)
    s = fu.okx_settlements(snap)
    assert list(s.index.strftime("%H:%M")) == ["08:00", "16:00"]
    assert s["funding_rate"].tolist() == [2e-4, 4e-4]  # the last snapshot before each settlement
    assert s["n_snapshots"].tolist() == [2, 2]
    with pytest.raises(DataError, match="8h intervals"):
        fu.okx_settlements(snap.assign(interval_hours=1.0))


def test_oi_weighted_hand_value_and_missing_venue():
    idx = pd.DatetimeIndex(["2025-11-10", "2025-11-11"], tz="UTC")
    f = pd.DataFrame({"A": [0.10, 0.10], "B": [0.02, np.nan], "C": [0.05, 0.05]}, index=idx)
    w = pd.DataFrame({"A": [2.0, 2.0], "B": [1.0, 1.0], "C": [1.0, 2.0]}, index=idx)
    out = fu.oi_weighted(f, w)
    assert out["funding_ann"].iloc[0] == pytest.approx((0.2 + 0.02 + 0.05) / 4)
    assert out["funding_ann"].iloc[1] == pytest.approx((0.2 + 0.10) / 4)  # B has no funding: out
    assert out["venues"].tolist() == [3, 2]
    with pytest.raises(DataError, match="no venue in common"):
        fu.oi_weighted(f, w.rename(columns=str.lower))


def test_spread_summary():
    idx = pd.date_range("2025-01-01", periods=4, freq="D", tz="UTC")
    p = pd.DataFrame({"base": [0.1, 0.1, 0.1, 0.1], "x": [0.12, 0.08, 0.14, np.nan]}, index=idx)
    s = fu.spread_summary(p, "base")
    assert s.loc["x", "days"] == 3
    assert s.loc["x", "mean"] == pytest.approx(0.04 / 3)
    assert s.loc["x", "mean_abs"] == pytest.approx(0.08 / 3)


def test_usd_to_coin_and_last_per_day():
    idx = pd.DatetimeIndex(["2025-01-01 10:00", "2025-01-01 23:00", "2025-01-02 05:00"], tz="UTC")
    oi = pd.Series([100.0, 200.0, 300.0], index=idx)
    assert fu.last_per_day(oi).tolist() == [200.0, 300.0]
    price = pd.Series([10.0, 20.0], index=idx[:2])
    with pytest.raises(DataError, match="no price for 1 OI timestamp"):
        fu.usd_to_coin(oi, price)
    assert fu.usd_to_coin(oi.iloc[:2], price).tolist() == [10.0, 10.0]


# -------------------------------------------------------------------------------------- K33
def _k33_data(n=80, signal_day=40):
    idx = pd.date_range("2025-01-01", periods=n, freq="D", tz="UTC")
    close = pd.Series(100.0 * 1.001 ** np.arange(n), index=idx)  # steady rise
    oi = pd.Series(1000.0, index=idx)
    fund = pd.Series(0.05, index=idx)
    # around the signal day: price -5% over the week, OI +10%, funding up in the last week
    close.iloc[signal_day] = close.iloc[signal_day - 7] * 0.95
    oi.iloc[signal_day] = 1100.0
    fund.iloc[signal_day - 6 : signal_day + 1] = 0.15
    return close, oi, fund


def test_k33_signal_planted():
    close, oi, fund = _k33_data()
    sig = fu.k33_signals(close, oi, fund)
    assert sig.index[sig["signal"]].tolist() == [close.index[40]]
    row = sig.loc[close.index[40]]
    assert row["ret"] == pytest.approx(-0.05)
    assert row["oi_chg"] == pytest.approx(0.10)
    assert row["fund_now"] == pytest.approx(0.15) and row["fund_prev"] == pytest.approx(0.05)
    assert not fu.k33_signals(close, oi, fund, oi_min=0.2)["signal"].any()


def test_forward_returns_and_summary():
    close, oi, fund = _k33_data()
    d = close.index[40]
    fr = fu.forward_returns(close, [d], (7, 30))
    assert fr.loc[d, "fwd_7d"] == pytest.approx(close.iloc[47] / close.iloc[40] - 1)
    assert np.isnan(fu.forward_returns(close, [close.index[-3]], (7,)).iloc[0, 0])
    sig = fu.k33_signals(close, oi, fund)
    summ = fu.k33_summary(close, sig)
    assert summ.loc["episodes", ("7d", "n")] == 1
    assert summ.loc["episodes", ("30d", "mean")] == pytest.approx(close.iloc[70] / close.iloc[40] - 1)


def test_decluster_gap():
    idx = pd.date_range("2025-01-01", periods=20, freq="D", tz="UTC")
    s = pd.Series(False, index=idx)
    s.iloc[[0, 5, 13, 19]] = True  # 0 and 5 one run (gap 5); 13 new (gap 8); 19 same run as 13
    assert [d.day for d in fu.decluster(s, gap=7)] == [1, 14]


# -------------------------------------------------------------------------------------- CME
@pytest.mark.parametrize(
    "ym, expected",
    [
        ((2018, 1), "2018-01-26"),
        ((2018, 2), "2018-02-23"),
        ((2018, 3), "2018-03-29"),  # CME calendar
        ((2018, 6), "2018-06-29"),
        ((2020, 12), "2020-12-24"),  # last Friday 25 Dec 2020 = Christmas
        ((2025, 9), "2025-09-26"),
        ((2025, 10), "2025-10-31"),
        ((2025, 11), "2025-11-28"),
        ((2025, 12), "2025-12-24"),  # last Friday 26 Dec 2025 = Boxing Day, not a London business day
        ((2026, 1), "2026-01-30"),
    ],
)
def test_cme_last_trade_date(ym, expected):
    assert fu.cme_last_trade_date(*ym) == pd.Timestamp(expected)


def test_cme_front_expiry_rolls_after_last_trading_day():
    e = fu.cme_front_expiry(pd.DatetimeIndex(["2025-12-23", "2025-12-24", "2025-12-26", "2025-12-31"], tz="UTC"))
    assert [d.date().isoformat() for d in e] == ["2025-12-24", "2025-12-24", "2026-01-30", "2026-01-30"]


def test_cme_basis_synthetic():
    days = pd.DatetimeIndex(["2025-12-01", "2025-12-22"], tz="UTC")
    cme = pd.DataFrame({"spot_close": [1.0, 1.0], "futures_close": [101.0, 101.0]}, index=days)
    hours = pd.date_range("2025-11-30", "2025-12-23", freq="h", tz="UTC")
    spot = pd.DataFrame({"close": 100.0}, index=hours)
    out = fu.cme_basis(cme, spot)
    # 1 Dec: settlement 15:00 CST = 21:00 UTC; expiry 24 Dec 16:00 GMT -> tau = 22 d 19 h
    assert list(out.index) == [days[0]]  # 22 Dec: tau < 7 days, dropped
    assert out["settle_utc"].iloc[0] == pd.Timestamp("2025-12-01 21:00", tz="UTC")
    assert out["tau"].iloc[0] == pytest.approx(22 + 19 / 24)
    assert out["basis_ann"].iloc[0] == pytest.approx(0.01 * 365 / (22 + 19 / 24))
    # in summer time the settlement is 20:00 UTC
    summer = fu.cme_basis(
        cme.set_axis(pd.DatetimeIndex(["2025-09-02", "2025-09-03"], tz="UTC")),
        pd.DataFrame({"close": 100.0}, index=pd.date_range("2025-09-01", periods=100, freq="h", tz="UTC")),
    )
    assert summer["settle_utc"].iloc[0] == pd.Timestamp("2025-09-02 20:00", tz="UTC")


def test_okx_basis_daily():
    idx = pd.DatetimeIndex(["2025-01-01 01:00", "2025-01-01 02:00", "2025-01-02 01:00"], tz="UTC")
    okx = pd.DataFrame({"basis_pct": [0.1, 0.3, -0.2]}, index=idx)
    assert fu.okx_basis_daily(okx).tolist() == pytest.approx([0.002, -0.002])


# ------------------------------------------------------------------------------- classifier
@pytest.mark.parametrize(
    "inputs, expected",
    [
        ((0.07, -0.05, 0.05, 0.03), "spot-led rally"),
        ((0.07, 0.01, 0.10, 0.01), "spot-led rally"),  # OI flat counts as "not up"
        ((0.07, -0.05, 0.05, -0.02), "short-covering rally"),
        ((0.07, 0.06, 0.20, 0.02), "leverage-led rally"),
        ((-0.10, -0.08, 0.02, -0.03), "deleveraging selloff"),
        ((-0.10, 0.06, 0.15, -0.03), "leveraged selloff"),
        ((0.01, -0.05, 0.05, 0.03), "mixed/unclassified"),  # price within +/-2%
        ((0.07, 0.06, 0.05, 0.03), "mixed/unclassified"),  # OI up, funding sub-neutral
        ((0.07, -0.01, 0.15, 0.03), "mixed/unclassified"),  # funding above neutral, OI flat
        ((-0.10, 0.0, 0.05, 0.0), "mixed/unclassified"),  # selloff with flat OI
    ],
)
def test_classify_each_class(inputs, expected):
    assert fu.classify(*inputs) == expected


def test_classify_thresholds_and_bad_input():
    assert fu.classify(0.0201, 0.02, 0.1095, 1e-9) == "spot-led rally"  # bands are strict/inclusive as documented
    assert fu.classify(0.02, -0.05, 0.05, 0.03) == "mixed/unclassified"
    assert fu.classify(0.05, 0.0, 0.1096, 0.03) == "mixed/unclassified"
    with pytest.raises(ValueError, match="finite"):
        fu.classify(0.05, np.nan, 0.05, 0.03)


def _window_data():
    days = pd.date_range("2025-12-25", "2026-01-12", freq="D", tz="UTC")
    close = pd.Series(100.0, index=days)
    close.loc["2026-01-01":"2026-01-05"] = [101.0, 103.0, 104.0, 106.0, 110.0]
    spot = pd.DataFrame({"close": close, "volume": 100.0, "taker_buy_base": 55.0}, index=days)
    hours = pd.date_range("2025-12-25", "2026-01-12 23:00", freq="h", tz="UTC")
    oi = pd.Series(1000.0, index=hours)
    oi.loc["2025-12-31 23:00"] = 1000.0
    oi.loc["2026-01-05 12:00":] = 900.0
    fund = _f([0.00005] * 57, [8] * 57, start="2025-12-25", freq="8h")
    return {"spot_daily": spot, "oi": oi, "funding": fund}


def test_window_inputs_known_answer():
    w = fu.window_inputs("2026-01-01", "2026-01-05", **_window_data())
    assert w.price_return == pytest.approx(0.10)
    assert w.oi_change == pytest.approx(-0.10)
    assert w.funding_ann == pytest.approx(0.00005 * 1095)
    assert w.spot_net_buy == pytest.approx(0.10)
    assert w.classify() == "spot-led rally"
    sh = fu.shifted_windows("2026-01-01", "2026-01-05", **_window_data())
    assert len(sh) == 25 and set(sh["shift_start"]) == {-2, -1, 0, 1, 2}


def test_window_inputs_missing_data():
    d = _window_data()
    d["spot_daily"] = d["spot_daily"].drop(pd.Timestamp("2026-01-03", tz="UTC"))
    with pytest.raises(DataError, match="missing daily bars"):
        fu.window_inputs("2026-01-01", "2026-01-05", **d)
    with pytest.raises(DataError, match="no daily close"):
        fu.window_inputs("2026-01-14", "2026-01-15", **_window_data())


# --------------------------------------------------------------------------------- snapshot
def test_snapshot_window_inputs_1_5jan(snapshot):
    w = fu.window_inputs("2026-01-01", "2026-01-05", **fu.load_inputs())
    assert w.price_return == pytest.approx(0.070868, abs=1e-5)
    assert w.spot_net_buy == pytest.approx(0.036925, abs=1e-5)
    assert w.oi_change == pytest.approx(-0.065140, abs=1e-5)
    assert w.funding_ann == pytest.approx(0.0649970, abs=1e-6)
    assert w.classify() == "spot-led rally"


def test_snapshot_cme_expiry_day_converges(snapshot):
    """On a last trading day the snapshot's front-month close is the expiring contract's final
    settlement (basis ~0), which is why cme_front_expiry keeps the expiring contract on that day."""
    from mktlib import data

    c = data.load("btc_cme_basis_1d")
    h = data.load("btc_spot_1h")
    b = fu.cme_basis(c, h, min_days=-1.0)
    assert abs(b.loc["2025-09-26", "basis"]) < 0.001
    assert b.loc["2025-09-26", "tau"] < 0


def test_snapshot_okx_settlements_cover_window(snapshot):
    from mktlib import data

    s = fu.okx_settlements(data.load("btc_okx_swap_1h")).loc["2026-01-01":"2026-01-05 16:00"]
    assert len(s) == 15 and (s["n_snapshots"] >= 1).all()


def test_classify_phases_marks_missing_data():
    out = fu.classify_phases(
        {"in": ("2026-01-01", "2026-01-05"), "out": ("2027-01-01", "2027-01-02")}, **_window_data()
    )
    assert out.loc["in", "regime"] == "spot-led rally"
    assert out.loc["out", "regime"] == "no data" and "no daily close" in out.loc["out", "note"]
    assert np.isnan(out.loc["out", "price_return"])


def test_load_inputs_rejects_unknown_column():
    with pytest.raises(ValueError, match="oi_coin or oi_contracts"):
        fu.load_inputs("oi_usd")


def test_snapshot_okx_inverse_units(snapshot):
    """OKX BTC-USD-SWAP is inverse (100 USD a contract): coin OI = contracts x 100 / price, so over
    1-5 Jan 2026 the coin OI fall is the price rise, with contracts about flat."""
    from mktlib import data

    okx = data.load("btc_okx_swap_1h")

    def day(c):
        return fu.last_per_day(okx[c])

    a, z = pd.Timestamp("2025-12-31", tz="UTC"), pd.Timestamp("2026-01-05", tz="UTC")
    ch = {c: day(c).loc[z] / day(c).loc[a] - 1 for c in ("oi_coin", "oi_contracts", "swap_price")}
    assert ch["oi_contracts"] == pytest.approx(0.0030, abs=5e-4)
    assert 1 + ch["oi_coin"] == pytest.approx((1 + ch["oi_contracts"]) / (1 + ch["swap_price"]), rel=1e-9)
    src = fu.oi_sources()
    assert src["OKX inverse, contracts"].loc[z] == day("oi_contracts").loc[z]
    assert src["Binance COIN-M inverse, USD face (Coinalyze)"].index[-1] == pd.Timestamp("2025-10-26", tz="UTC")
    assert src["All venues, coin-equivalent (CoinGlass)"].index[-1] == pd.Timestamp("2025-11-13", tz="UTC")


# ------------------------------------------------------------------- USDT is not USD (CME, OKX)
def test_cme_basis_usd_known_usdt_premium():
    """Known answer: dollar spot 100, USDT at 0.999 USD (so BTC costs 100.1001 USDT), futures 101 with
    tau = 22 d 19 h. Against the dollar spot the basis is exactly 1%; against USDT spot it is
    101 / 100.1001 - 1, and the difference annualised is the USDT premium x 365 / tau."""
    days = pd.DatetimeIndex(["2025-12-01"], tz="UTC")
    cme = pd.DataFrame({"spot_close": [100.0], "futures_close": [101.0]}, index=days)
    hours = pd.date_range("2025-11-30", "2025-12-03", freq="h", tz="UTC")
    u = 0.999
    spot_usdt = pd.DataFrame({"close": 100.0 / u}, index=hours)
    usdt_usd = pd.Series([u], index=days)
    out = fu.cme_basis(cme, spot_usdt, usdt_usd=usdt_usd)
    tau = 22 + 19 / 24
    assert out["spot_usd"].iloc[0] == pytest.approx(100.0, rel=1e-12)
    assert out["basis_usd"].iloc[0] == pytest.approx(0.01, rel=1e-12)
    assert out["basis_ann_usd"].iloc[0] == pytest.approx(0.01 * 365 / tau, rel=1e-12)
    assert out["basis"].iloc[0] == pytest.approx(101.0 * u / 100.0 - 1, rel=1e-12)
    # the USDT discount of 0.1% enters the USDT-referenced basis as 1.01 x (u - 1), times 365 / tau:
    # the basis against USDT spot is 1.6 pp a year too low
    assert out["usdt_bias_ann"].iloc[0] == pytest.approx(1.01 * (u - 1) * 365 / tau, rel=1e-9)
    assert out["usdt_bias_ann"].iloc[0] == pytest.approx(-0.01617, abs=1e-5)
    # without a USDT/USD series the old columns only
    assert "basis_ann_usd" not in fu.cme_basis(cme, spot_usdt).columns
    # a day without a USDT/USD value keeps NaN, it is not filled
    gap = fu.cme_basis(cme, spot_usdt, usdt_usd=pd.Series([u], index=days + pd.Timedelta(days=5)))
    assert np.isnan(gap["basis_ann_usd"].iloc[0]) and gap["basis_ann"].notna().all()


def test_usdt_usd_from_closes_and_premium_split():
    t = pd.date_range("2026-01-01", periods=3, freq="D", tz="UTC")
    usd = pd.Series([99_900.0, 100_000.0, 50_000.0], index=t)
    usdt = pd.Series([100_000.0, 100_000.0], index=t[:2])
    u = fu.usdt_usd_from_closes(usd, usdt)
    assert u.tolist() == pytest.approx([0.999, 1.0]) and len(u) == 2
    with pytest.raises(DataError, match="non-positive"):
        fu.usdt_usd_from_closes(usd.where(usd > 60_000, -1.0), pd.Series(1.0, index=t))
    # OKX inverse swap at 100,000 USD; spot 100,100.1 USDT with USDT at 0.999 USD: basis vs USDT spot is
    # 100,000 / 100,100.1 - 1 = -0.1%, the perp's own premium over the dollar spot is exactly 0
    basis = pd.Series([100_000 / (100_000 / 0.999) - 1, 0.002], index=t[:2])
    out = fu.perp_premium_split(basis, u)
    assert out["perp_premium_usd"].iloc[0] == pytest.approx(0.0, abs=1e-12)
    assert out["usdt_premium"].iloc[0] == pytest.approx(-0.001)
    assert out["perp_premium_usd"].iloc[1] == pytest.approx(0.002)
    with pytest.raises(ValueError, match="yahoo"):
        fu.usdt_usd_daily("binance")


def test_snapshot_usdt_usd_sources_agree(snapshot):
    """The two USDT/USD measures (Yahoo BTC-USD / Binance BTCUSDT at the day end; CoinGecko's USDT
    price) agree to a few basis points, and USDT traded below the dollar in January 2026."""
    y, c = fu.usdt_usd_daily("yahoo"), fu.usdt_usd_daily("coingecko")
    both = pd.concat([y, c], axis=1).dropna().loc["2025-09-01":"2026-03-31"]
    assert abs((both.iloc[:, 0] - both.iloc[:, 1]).median()) < 2e-4
    assert both.corr().iloc[0, 1] > 0.6
    assert y.loc["2026-01"].median() < 0.9995 and c.loc["2026-01"].median() < 0.9995


# ------------------------------------------------------------------ G1 evidence: known answers
def _ar_funding(days: int, phi: float = 0.9, sd: float = 0.00002, seed: int = 1, start="2023-01-01"):
    """Settlements every 8h: 0.00005 plus AR(1) noise (persistent, like real funding)."""
    rng = np.random.default_rng(seed)
    n = 3 * days
    e = np.zeros(n)
    for t in range(1, n):
        e[t] = phi * e[t - 1] + rng.normal(0, sd)
    return _f(list(0.00005 + e), [8] * n, start=start, freq="8h")


def test_funding_changes_hand_values():
    t = pd.date_range("2026-01-01", periods=6, freq="D", tz="UTC")
    d = pd.Series([0.02, 0.04, 0.06, 0.10, 0.00, 0.12], t)
    out = fu.funding_changes(d, 2, 2)  # mean(last 2) - mean(2 before)
    assert out.index[0] == t[3]
    assert out.round(6).tolist() == [0.05, 0.0, -0.02]


def test_funding_shift_known_shift():
    """A step of 0.00005 per 8h (5.475 pp a year) in the last 5 days of a noiseless series: the change is
    the step and, with every earlier change zero, the interval collapses on it."""
    f = _f([0.00005] * (3 * 400) + [0.0001] * 15, [8] * 1215, start="2024-12-01", freq="8h")
    last = f.index[-1].normalize()
    fs = fu.funding_shift(f, last - pd.Timedelta(days=4), last, baseline_days=30)
    assert fs["diff"] == pytest.approx(0.05475, rel=1e-12)
    assert fs["window_mean"] == pytest.approx(0.1095) and fs["baseline_mean"] == pytest.approx(0.05475)
    assert fs["n_days"] == 5 and fs["n_history"] == 365
    assert (fs["low"], fs["high"]) == (pytest.approx(0.05475), pytest.approx(0.05475))
    with pytest.raises(DataError, match="comparable changes"):
        fu.funding_shift(f, "2025-01-10", "2025-01-14", baseline_days=30)
    with pytest.raises(DataError, match="incomplete funding days"):
        fu.funding_shift(f.drop(f.index[-2]), last - pd.Timedelta(days=4), last)


def test_funding_shift_coverage_simulated():
    """Simulated truth: persistent AR(1) funding with no shift. The 90% interval contains zero in about
    90% of windows (every 5-day window of 2,000 days; they overlap, so the share is noisy: 0.84-0.96)."""
    f = _ar_funding(2000)
    days = pd.date_range(f.index[0].normalize(), f.index[-1].normalize(), freq="D")
    spot = pd.DataFrame({"close": np.linspace(100.0, 10_000.0, len(days))}, index=days)  # always rallying
    w = fu.rally_windows_leverage(spot, {"flat": pd.Series(1.0, index=days)}, f, price_band=0.0)
    assert len(w) > 1500
    cover = ((w["funding_low"] <= 0) & (w["funding_high"] >= 0)).mean()
    assert 0.84 <= cover <= 0.96
    # the vectorised windows give the same numbers as funding_shift
    r = w.iloc[700]
    fs = fu.funding_shift(f, r["start"], r["end"], baseline_days=30)
    assert (r["funding_diff"], r["funding_low"], r["funding_high"]) == pytest.approx(
        (fs["diff"], fs["low"], fs["high"]), rel=1e-10
    )


def test_position_change_and_flow_sum():
    t = pd.date_range("2025-12-31", periods=6, freq="D", tz="UTC")
    oi = pd.Series([100.0, 90.0, 95.0, 99.0, 101.0, 103.0], index=t)
    assert fu.position_change(oi, "2026-01-01", "2026-01-05") == pytest.approx(0.03)
    with pytest.raises(DataError, match="no OI reading on 2026-01-06"):
        fu.position_change(oi, "2026-01-01", "2026-01-06")
    flows = pd.Series(
        [-348.1, 471.3, 697.2, -243.2],
        index=pd.DatetimeIndex(["2025-12-31", "2026-01-02", "2026-01-05", "2026-01-06"], tz="UTC"),
    )
    assert fu.flow_sum(flows, "2026-01-01", "2026-01-05") == (pytest.approx(1168.5), 2)
    assert fu.flow_sum(flows, "2025-12-31", "2026-01-06") == (pytest.approx(577.2), 4)
    s, n = fu.flow_sum(flows, "2026-01-03", "2026-01-04")
    assert np.isnan(s) and n == 0
    with pytest.raises(DataError, match="outside the flows' coverage"):
        fu.flow_sum(flows, "2026-01-05", "2026-01-09")


def test_classify_exact_neutral_is_not_hot():
    """A window whose settlements are all exactly 0.01%/8h annualises to 0.1095 plus float residue; it
    is at neutral, not above it."""
    at = fu.annualise_rate(0.0001, 8)
    assert at > 0.1095  # the residue exists
    assert fu.classify(0.05, 0.05, at, 0.01) == "mixed/unclassified"  # not "leverage-led rally"


def test_rally_windows_spot_hand_values():
    days = pd.date_range("2025-12-28", "2026-01-10", freq="D", tz="UTC")
    close = pd.Series(100.0, index=days)
    close.loc["2026-01-01":] = [101.0, 103.0, 104.0, 106.0, 110.0, 109.0, 108.0, 108.0, 108.0, 108.0]
    spot = pd.DataFrame({"close": close, "volume": 100.0, "taker_buy_base": 55.0}, index=days)
    flows = pd.Series([10.0, 20.0, 30.0], index=pd.DatetimeIndex(["2025-12-29", "2026-01-02", "2026-01-05"], tz="UTC"))
    w = fu.rally_windows_spot(spot, flows, length=5, price_band=0.02)
    row = w[w["end"] == pd.Timestamp("2026-01-05", tz="UTC")].iloc[0]
    assert row["start"] == pd.Timestamp("2026-01-01", tz="UTC")
    assert row["price_return"] == pytest.approx(0.10)
    assert row["spot_net_buy"] == pytest.approx(0.10)
    assert row["etf_flow"] == pytest.approx(50.0)
    assert (w["price_return"] > 0.02).all()
    assert w["end"].max() <= flows.index[-1]  # inside the flows' coverage only
    assert pd.Timestamp("2026-01-01", tz="UTC") not in set(w["end"])  # +1%: not a rally


def test_rally_windows_leverage_hand_values():
    days = pd.date_range("2025-11-01", "2026-01-10", freq="D", tz="UTC")
    close = pd.Series(100.0, index=days)
    close.loc["2026-01-01":"2026-01-05"] = [101.0, 103.0, 104.0, 106.0, 110.0]
    close.loc["2026-01-06":] = 110.0
    spot = pd.DataFrame({"close": close}, index=days)
    oi = pd.Series(1000.0, index=days)
    oi.loc["2026-01-05"] = 1050.0
    f = _f([0.00005] * (3 * 61) + [0.0001] * 30, [8] * 213, start="2025-11-01", freq="8h")
    w = fu.rally_windows_leverage(spot, {"x": oi}, f, length=5, price_band=0.02, baseline_days=30, history_days=20)
    row = w[w["end"] == pd.Timestamp("2026-01-05", tz="UTC")].iloc[0]
    assert row["source"] == "x" and row["price_return"] == pytest.approx(0.10)
    assert row["oi_change"] == pytest.approx(0.05)
    assert row["funding_diff"] == pytest.approx(0.05475)  # 1-5 Jan at 0.0001 against 0.00005
    assert row["funding_low"] == pytest.approx(0.05475)  # no change in the 20 days before


# ------------------------------------------------------------------ the chapter's page helpers
def test_window_mean_whole_days_and_missing():
    t = pd.date_range("2026-01-01", periods=6, freq="12h", tz="UTC")  # 1 Jan 00/12, 2 Jan 00/12, 3 Jan 00/12
    s = pd.Series([1.0, 3.0, np.nan, 5.0, 7.0, 9.0], index=t)
    assert fu.window_mean(s, "2026-01-01", "2026-01-01") == pytest.approx(2.0)  # both readings of the day
    assert fu.window_mean(s, "2026-01-01", "2026-01-02") == pytest.approx(3.0)  # NaN skipped: (1 + 3 + 5) / 3
    assert fu.window_mean(s, "2026-01-03", "2026-01-03") == pytest.approx(8.0)
    assert np.isnan(fu.window_mean(s, "2026-01-05", "2026-01-06"))
    assert np.isnan(fu.window_mean(s.iloc[2:3], "2026-01-02", "2026-01-02"))  # only a NaN in the span


def test_key_date_means_table():
    t = pd.date_range("2026-01-01", periods=3, freq="D", tz="UTC")
    a = pd.Series([1.0, 2.0, 3.0], index=t)
    b = pd.Series([10.0], index=t[:1])
    out = fu.key_date_means(
        {"A": a, "B": b}, {"day 1": ("2026-01-01", "2026-01-01"), "2-3": ("2026-01-02", "2026-01-03")}
    )
    assert list(out.columns) == ["A", "B"] and list(out.index) == ["day 1", "2-3"]
    assert out.loc["day 1", "A"] == 1.0 and out.loc["2-3", "A"] == 2.5
    assert out.loc["day 1", "B"] == 10.0 and np.isnan(out.loc["2-3", "B"])


def test_neutral_line_and_per_8h_axis():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_ylim(-0.1, 0.25)
    line = fu.neutral_line(ax)
    assert line.get_ydata()[0] == pytest.approx(0.1095)
    assert line.get_label() == fu.NEUTRAL_LABEL and "0.01% per 8 hours" in fu.NEUTRAL_LABEL
    sec = fu.per_8h_axis(ax)
    fig.canvas.draw()
    # 10.95% a year reads as 0.01% per 8 hours on the right axis
    assert sec._functions[0](0.1095) == pytest.approx(0.0001)
    assert sec._functions[1](0.0002) == pytest.approx(0.219)
    labels = [t.get_text() for t in sec.yaxis.get_ticklabels() if t.get_text()]
    assert "0.01%" in labels and "0.00%" in labels
    plt.close(fig)


def test_k33_grid_rows():
    close, oi, fund = _k33_data()
    tab, sigs = fu.k33_grid(close, {"planted": oi}, fund, oi_mins=(0.0, 0.2))
    assert list(tab["oi_min"]) == [0.0, 0.2]
    first = tab.iloc[0]
    assert first["signal_days"] == 1 and first["episodes"] == 1
    assert first["fwd30_mean"] == pytest.approx(close.iloc[70] / close.iloc[40] - 1)
    assert first["fwd30_down"] == 0.0
    assert tab.iloc[1]["signal_days"] == 0 and tab.iloc[1]["episodes"] == 0 and np.isnan(tab.iloc[1]["fwd30_mean"])
    assert sigs[("planted", 0.0)]["signal"].sum() == 1


def test_basis_by_month_hand_values():
    t = pd.DatetimeIndex(["2025-10-01", "2025-10-02", "2025-10-03", "2025-11-03"], tz="UTC")
    cb = pd.DataFrame(
        {
            "usdt_usd": [1.0, 0.999, 1.001, 1.0],
            "basis_ann": [0.05, 0.07, 0.09, 0.02],
            "basis_ann_usd": [0.04, 0.08, 0.10, 0.03],
            "usdt_bias_ann": [0.01, -0.01, -0.01, -0.01],
        },
        index=t,
    )
    alt = cb.iloc[:2].assign(basis_ann_usd=[0.01, 0.03])
    out = fu.basis_by_month(cb, ["2025-10", "2025-11"], cb_alt=alt)
    assert out.loc["2025-10", "settlements"] == 3 and out.loc["2025-11", "settlements"] == 1
    assert out.loc["2025-10", "basis_usdt"] == pytest.approx(0.07)
    assert out.loc["2025-10", "basis_usd"] == pytest.approx(0.08)
    assert out.loc["2025-10", "basis_usd_alt"] == pytest.approx(0.02)
    assert np.isnan(out.loc["2025-11", "basis_usd_alt"])  # the other source has no November
    assert out.loc["2025-10", "usdt_effect"] == pytest.approx(-0.01 / 3)
    assert out.loc["2025-10", "usdt_usd"] == pytest.approx(1.0)


def test_snapshot_funding_charts(snapshot):
    from mktlib import charts

    v = charts.data("funding-venues")
    assert v.index[0] == pd.Timestamp("2025-09-01", tz="UTC") and v.index[-1] == pd.Timestamp("2026-01-31", tz="UTC")
    assert (v["Binance BTCUSDT (settled)"] < fu.NEUTRAL_ANNUAL).all()
    assert v["OKX BTC-USD-SWAP (estimated settlements)"].min() == pytest.approx(-0.41506, abs=1e-4)
    r = charts.data("funding-rally-days")
    assert len(r) == 15
    in_w = r.loc["2026-01-01":"2026-01-05"]
    assert in_w["US spot-ETF net flow (US$ m)"].sum() == pytest.approx(1168.5)
    assert in_w["US spot-ETF net flow (US$ m)"].notna().sum() == 2  # 2 and 5 January
    h = charts.data("funding-history")
    assert h["7-day mean funding, annualised"].loc["2026-01-05"] == pytest.approx(0.062634, abs=1e-5)
    b = charts.data("funding-basis")
    assert b["CME basis vs dollar spot (one settlement)"].loc["2025-09-01":"2026-01-31"].median() == pytest.approx(
        0.0619, abs=1e-3
    )


# ------------------------------------------------------------------------ the chapter's drawings
def _line(ax, label):
    (line,) = [x for x in ax.get_lines() if x.get_label() == label]
    return line


def test_snapshot_history_percentiles(snapshot):
    from mktlib import charts

    h = fu.history_percentiles()
    assert h["pct"].between(0, 1, inclusive="right").all()
    s = charts.data("funding-history")["7-day mean funding, annualised"]
    np.testing.assert_allclose(h["r7"].reindex(s.index).to_numpy(), s.to_numpy(), rtol=0, atol=1e-15)
    assert h.loc["2026-01-05", "pct"] == pytest.approx(0.417, abs=1e-3)  # the chapter's 5 January rank


def test_snapshot_draw_venues(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts

    df = charts.data("funding-venues")
    fig = charts.figure("funding-venues")
    (ax,) = fig.axes
    for col in df.columns:  # one line per venue, its y values the chart's column
        np.testing.assert_array_equal(_line(ax, col).get_ydata(), df[col].to_numpy())
    assert _line(ax, fu.NEUTRAL_LABEL).get_ydata()[0] == fu.NEUTRAL_ANNUAL
    assert ax.get_title(loc="left").startswith("Binance BTC funding was below the neutral rate on every day")
    okx = df["OKX BTC-USD-SWAP (estimated settlements)"]
    (note,) = [t for t in ax.texts if t.get_text().startswith("OKX ")]
    assert note.get_text() == f"OKX {okx.min():.0%} on {okx.idxmin():%-d %b} (below the axis)"
    assert [t.get_text().strip() for t in ax.texts if t is not note] == list(fu.key_dates())
    plt.close("all")


def test_snapshot_draw_history(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts

    s = charts.data("funding-history")["7-day mean funding, annualised"]
    fig = charts.figure("funding-history")
    (ax,) = fig.axes
    np.testing.assert_array_equal(_line(ax, "7-day mean, Binance BTCUSDT").get_ydata(), s.to_numpy())
    assert ax.get_ylim() == (-0.2, 0.8)
    pct_max = fu.history_percentiles().loc["2025-09-01":"2026-01-31", "pct"].max()
    assert ax.get_title(loc="left") == (
        f"In the episode, funding never ranked above the {pct_max:.0%} percentile of its past"
    )
    assert f"(up to {s.max():.0%})" in fig.texts[0].get_text()
    plt.close("all")


def test_snapshot_draw_basis(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts

    df = charts.data("funding-basis")
    fig = charts.figure("funding-basis")
    (ax,) = fig.axes
    for col in df.columns:  # the dots and the three lines: the chart's columns without their gaps
        np.testing.assert_array_equal(_line(ax, col).get_ydata(), df[col].dropna().to_numpy())
    assert _line(ax, "CME basis vs dollar spot (one settlement)").get_linestyle() == "None"
    one = df["CME basis vs dollar spot (one settlement)"]
    assert ax.get_title(loc="left") == (
        f"CME basis: median {one.loc['2025-09-01':'2026-01-31'].median():.0%} a year in the study window (shaded), "
        f"{one.loc['2024-11'].median():.0%} in Nov 2024"
    )
    plt.close("all")


def test_snapshot_draw_rally_days(snapshot):
    import matplotlib.pyplot as plt

    from mktlib import charts, plotting

    df = charts.data("funding-rally-days")
    fig = charts.figure("funding-rally-days")
    assert len(fig.axes) == 3
    flow_ax, etf_ax, pos_ax = fig.axes
    flow = df["Binance spot net taker buy"]
    bars = flow_ax.containers[0]
    np.testing.assert_allclose([b.get_height() for b in bars], flow.to_numpy())
    green = plt.matplotlib.colors.to_rgba(plotting.VERDICT_COLORS["supported"])
    assert [b.get_facecolor() == green for b in bars] == (flow > 0).tolist()
    etf = df["US spot-ETF net flow (US$ m)"].dropna()
    np.testing.assert_allclose([b.get_height() for b in etf_ax.containers[0]], etf.to_numpy())
    pos = pos_ax.get_lines()[0]
    np.testing.assert_allclose(pos.get_ydata(), df["OKX positions (US$ bn face)"].to_numpy())
    assert pos_ax.get_ylim()[0] == 0
    assert flow_ax.get_title(loc="left").startswith("Spot and ETF buying on 1-5 January")
    plt.close("all")
