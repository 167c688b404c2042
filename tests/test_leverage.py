"""mktlib.leverage and mktlib.verdicts.leverage: known answers, bad input, and the snapshot numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mktlib import DataError
from mktlib import leverage as L


def utc(*times):
    return pd.DatetimeIndex(list(times), tz="UTC")


def series(values, times, name="s"):
    return pd.Series(np.asarray(values, dtype=float), index=utc(*times), name=name)


# ------------------------------------------------------------------------------- conversions


def test_usd_coin_conversion_known_answer_and_round_trip():
    t = utc("2025-10-10 20:00", "2025-10-11 00:00")
    usd = pd.Series([1.0e9, 8.0e8], index=t)
    px = pd.Series([125_000.0, 100_000.0], index=t)
    coin = L.usd_to_coin(usd, px)
    assert coin.tolist() == [8000.0, 8000.0]
    assert np.allclose(L.coin_to_usd(coin, px), usd)


def test_conversion_rejects_misaligned_or_bad_prices():
    t = utc("2025-10-10 20:00", "2025-10-11 00:00")
    usd = pd.Series([1.0e9, 8.0e8], index=t)
    with pytest.raises(DataError, match="same timestamps"):
        L.usd_to_coin(usd, pd.Series([1.0, 2.0], index=t + pd.Timedelta("1h")))
    with pytest.raises(DataError, match="non-positive"):
        L.usd_to_coin(usd, pd.Series([1.0, 0.0], index=t))
    with pytest.raises(DataError, match="NaN"):
        L.usd_to_coin(usd, pd.Series([1.0, np.nan], index=t))


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2025-01-01", "2025-01-02"])), "no time zone"),
        (
            lambda: pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2025-01-01", "2025-01-02"], tz="Asia/Almaty")),
            "not UTC",
        ),
        (lambda: pd.Series([1.0, 2.0], index=utc("2025-01-02", "2025-01-01")), "not sorted"),
        (lambda: pd.Series([1.0, 2.0], index=utc("2025-01-01", "2025-01-01")), "duplicate"),
        (lambda: pd.Series([1.0, np.nan], index=utc("2025-01-01", "2025-01-02")), "NaN"),
        (lambda: pd.Series([1.0, 2.0], index=[0, 1]), "not a DatetimeIndex"),
    ],
)
def test_check_series_rejects(make, match):
    with pytest.raises(DataError, match=match):
        L.check_series(make(), "oi")


def test_combine_venues_rejects_mixed_and_missing_time_zones():
    a = series([1.0, 2.0], ["2025-11-20 00:00", "2025-11-20 01:00"])
    almaty = pd.Series([3.0], index=pd.DatetimeIndex(["2025-11-20 05:00"], tz="Asia/Almaty"))
    naive = pd.Series([3.0], index=pd.DatetimeIndex(["2025-11-20 00:00"]))
    with pytest.raises(DataError, match="okx: index time zone is Asia/Almaty"):
        L.combine_venues({"binance": a, "okx": almaty})
    with pytest.raises(DataError, match="okx: index has no time zone"):
        L.combine_venues({"binance": a, "okx": naive})
    # after an explicit conversion the same reading lands at 00:00 UTC
    out = L.combine_venues({"binance": a, "okx": almaty.tz_convert("UTC")})
    assert out.loc[out["venue"] == "okx"].index[0] == pd.Timestamp("2025-11-20 00:00", tz="UTC")
    assert out["venue"].tolist() == ["binance", "okx", "binance"]


def test_require_regular_reports_gaps_instead_of_filling():
    idx = pd.date_range("2025-10-10", periods=6, freq="4h", tz="UTC")
    L.require_regular(idx, "4h", "ok")  # no error
    with pytest.raises(DataError, match=r"2 gap\(s\), first after 2025-10-10 04:00:00\+00:00 \(8h\)"):
        L.require_regular(idx.delete([2, 4]), "4h", "liq")


def test_local_projections_refuses_a_panel_with_gaps():
    idx = pd.date_range("2025-10-10", periods=40, freq="4h", tz="UTC").delete(10)
    panel = pd.DataFrame({"ret": 0.0, "liq_long": 1.0}, index=idx)
    with pytest.raises(DataError, match="not a regular 4h grid"):
        L.local_projections(panel, ret="ret", shocks=["liq_long"], horizons=[1])


def test_sample_at_no_lookahead_and_explicit_gaps():
    s = series([10.0, 11.0, 12.0], ["2025-01-01 00:00", "2025-01-01 05:00", "2025-01-02 00:00"])
    t = utc("2025-01-01 04:59", "2025-01-01 05:00", "2025-01-01 12:00")
    with pytest.raises(DataError, match="no reading within 2h before 2025-01-01 04:59"):
        L.sample_at(s, t, max_staleness="2h")
    r = L.sample_at(s, t, max_staleness="5h", allow_missing=True)
    assert r["value"].iloc[0] == 10.0 and r["value"].iloc[1] == 11.0  # 05:00 reading used at 05:00, not before
    assert np.isnan(r["value"].iloc[2]) and pd.isna(r["reading_time"].iloc[2])  # 7h stale: NaN and NaT


# ------------------------------------------------------------------------------- agreement, ratios


def test_agreement_known_answer_and_broken_chain():
    t = pd.date_range("2025-01-01", periods=6, freq="D", tz="UTC")
    a = pd.Series([10.0, 11, 10, 12, 13, 12], index=t)
    b = pd.Series([20.0, 22, 20, 24, 26, 24], index=t).drop(t[3])  # one day missing
    r = L.agreement(a, b, t, max_staleness="1h")
    assert (r["n"], r["n_changes"]) == (5, 3)  # changes 0-1, 1-2, 4-5 only: 2-4 is not a 1-day change
    assert r["corr_change"] == pytest.approx(1.0)
    assert r["ratio_median"] == r["ratio_min"] == r["ratio_max"] == 0.5


def test_leverage_ratio_daily_and_percentile():
    t = utc("2025-11-24 01:00", "2025-11-24 13:00", "2025-11-26 02:00")
    sup = series([2.0e7, 2.0e7, 2.0e7], ["2025-11-24", "2025-11-25", "2025-11-26"])
    r = L.leverage_ratio_daily(pd.Series([1.0e5, 3.0e5, 4.0e5], index=t), sup)
    assert r["ratio"].tolist() == pytest.approx([0.01, 0.02])
    assert r["n_readings"].tolist() == [2, 1]
    assert pd.Timestamp("2025-11-25", tz="UTC") not in r.index  # a day without readings is absent
    with pytest.raises(DataError, match="no supply"):
        L.leverage_ratio_daily(pd.Series([1.0e5], index=utc("2025-11-27 01:00")), sup)
    assert L.percentile_rank(0.015, r["ratio"]) == 0.5
    assert L.percentile_rank(5.0, pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])) == 0.5


def test_late_leverage_refuses_missing_days():
    days = pd.date_range("2025-11-01", "2025-11-30", freq="D", tz="UTC")
    ratio = pd.DataFrame({"ratio": np.arange(30, dtype=float)}, index=days)
    r = L.late_leverage(ratio, ("2025-11-24", "2025-11-30"))
    assert r["value"] == pytest.approx(26.0)  # mean of 23..29
    assert r["percentile"] == 1.0 and r["n_history"] == 23
    with pytest.raises(DataError, match="1 day"):
        L.late_leverage(ratio.drop(days[25]), ("2025-11-24", "2025-11-30"))


# ------------------------------------------------------------------------------- events


def test_deleveraging_events_rule():
    t = pd.date_range("2025-10-10", periods=12, freq="4h", tz="UTC")
    oi = pd.Series([100.0, 101, 99, 90, 91, 92, 92, 92, 92, 92, 92, 92], index=t)
    px = pd.Series([120.0, 121, 119, 110, 111, 111, 111, 111, 111, 111, 111, 111], index=t)
    ev = L.deleveraging_events(oi, px)
    assert len(ev) == 1
    e = ev.iloc[0]
    assert e["start"] == t[1] and e["end"] == t[3]
    assert e["oi_change"] == pytest.approx(90 / 101 - 1) and e["price_change"] == pytest.approx(110 / 121 - 1)
    # flagged: 12:00 to 04:00 (+1 day) are >= 5% below 101 (the 04:00 high is in the window until 04:00 +1d),
    # and 08:00 (+1d) is 7% below the 99 of 08:00 with a 6.7% price fall; 12:00 (+1d) is not
    assert e["n_flagged"] == 5 and e["last_flag"] == t[7]
    # the same OI fall with a price move under 3% is not an event
    assert L.deleveraging_events(oi, px * 0 + 100.0).empty
    # a 4.9% fall is not an event
    assert L.deleveraging_events(pd.Series([100.0, 95.1], index=t[:2]), pd.Series([100.0, 90.0], index=t[:2])).empty
    # a fall spread over more than 24 h is not an event
    slow = pd.Series([100.0, 98.0, 96.5, 95.5], index=utc("2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04"))
    assert L.deleveraging_events(slow, slow * 1.2).empty


def test_deleveraging_events_merge_and_irregular_readings():
    # irregular snapshots (missing hours), two falls 3 days apart -> two events; a rise in between
    t = utc(
        "2025-12-01 00:00",
        "2025-12-01 07:00",
        "2025-12-01 09:00",
        "2025-12-04 00:00",
        "2025-12-04 03:00",
        "2025-12-04 05:00",
    )
    oi = pd.Series([100.0, 94.0, 93.0, 100.0, 99.0, 92.0], index=t)
    px = pd.Series([100.0, 96.0, 95.0, 100.0, 99.0, 104.0], index=t)
    ev = L.deleveraging_events(oi, px)
    assert len(ev) == 2
    assert ev["end"].tolist() == [t[2], t[5]]
    assert ev["oi_change"].round(4).tolist() == [-0.07, -0.08]
    # with a 96h merge window they are one event, described by its deepest reading
    one = L.deleveraging_events(oi, px, merge="96h")
    assert len(one) == 1 and one["end"].iloc[0] == t[5]


def test_max_fall_within():
    t = pd.date_range("2025-12-01", periods=6, freq="12h", tz="UTC")
    s = pd.Series([10.0, 12.0, 11.0, 9.0, 10.0, 6.0], index=t, name="x")
    r = L.max_fall_within(s)
    assert r["change"] == pytest.approx(-0.4) and r["from"] == t[4] and r["to"] == t[5]  # 10 -> 6 within 24h
    assert L.max_fall_within(s.iloc[:5])["change"] == pytest.approx(-0.25)  # 12 -> 9
    assert L.max_fall_within(s.iloc[:5], window="12h")["change"] == pytest.approx(9 / 11 - 1)
    assert L.max_fall_within(s.iloc[:5], start=t[3])["change"] == 0.0


def test_change_between_rules():
    s = series([9.0, 10.0, 8.0, 9.0], ["2025-12-31 22:00", "2025-12-31 23:00", "2026-01-05 20:00", "2026-01-06 01:00"])
    r = L.change_between(s, "2025-12-31", "2026-01-05", rule="last_on_day")
    assert r["change"] == pytest.approx(-0.2) and r["t1"] == pd.Timestamp("2026-01-05 20:00", tz="UTC")
    r = L.change_between(s, "2026-01-01 00:00Z", "2026-01-06 00:00Z", max_staleness="6h")
    assert r["t0"] == pd.Timestamp("2025-12-31 23:00", tz="UTC") and r["change"] == pytest.approx(-0.2)
    with pytest.raises(DataError, match="no reading on 2026-01-02"):
        L.change_between(s, "2025-12-31", "2026-01-02", rule="last_on_day")


# ------------------------------------------------------------------------------- liquidations


def test_cascade_split_known_answer():
    # CryptoQuant's published arithmetic: OI -$14bn, ~$1bn liquidated -> 93% not forced
    r = L.cascade_split(50.0e9, 36.0e9, 1.0e9)
    assert r["oi_fall"] == 14.0e9
    assert r["unforced_share"] == pytest.approx(13 / 14)
    assert round(r["unforced_share"], 2) == 0.93
    with pytest.raises(DataError, match="did not fall"):
        L.cascade_split(36.0e9, 50.0e9, 1.0e9)


def test_liquidations_between_overlap():
    idx = pd.date_range("2025-10-10", periods=6, freq="4h", tz="UTC")
    liq = pd.DataFrame({"liq_long_usd": [1.0, 2, 4, 8, 16, 32], "liq_short_usd": 0.0}, index=idx)
    r = L.liquidations_between(
        liq, pd.Timestamp("2025-10-10 05:00", tz="UTC"), pd.Timestamp("2025-10-10 12:00", tz="UTC")
    )
    assert r["liq_long_usd"] == 2 + 4 and r["liq_bars"] == 2 and r["covered"]  # bars 04:00 and 08:00
    r = L.liquidations_between(
        liq, pd.Timestamp("2025-10-10 20:00", tz="UTC"), pd.Timestamp("2025-10-11 04:00", tz="UTC")
    )
    assert not r["covered"] and np.isnan(r["liq_long_usd"])


# ------------------------------------------------------------------------------- HAC OLS and LPs


def _ar1(rng, n, phi):
    e = np.zeros(n)
    z = rng.normal(size=n)
    for t in range(1, n):
        e[t] = phi * e[t - 1] + z[t]
    return e


def test_ols_hac_matches_statsmodels_and_recovers_known_slope():
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    n = 2000
    x = _ar1(rng, n, 0.5)
    y = 1.0 + 0.5 * x + _ar1(rng, n, 0.6)
    X = pd.DataFrame({"const": 1.0, "x": x})
    for use_correction in (True, False):
        r = L.ols_hac(pd.Series(y), X, maxlags=7, use_correction=use_correction)
        s = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 7, "use_correction": use_correction})
        np.testing.assert_allclose(r.params.to_numpy(), s.params.to_numpy(), rtol=1e-10)
        np.testing.assert_allclose(r.bse.to_numpy(), s.bse.to_numpy(), rtol=1e-10)
        np.testing.assert_allclose(r.pvalues.to_numpy(), s.pvalues.to_numpy(), rtol=1e-8, atol=1e-300)
    assert abs(r.params["x"] - 0.5) < 3 * r.bse["x"]
    assert r.params["x"] == pytest.approx(0.5, abs=0.06)
    # serially correlated errors: HAC errors exceed the i.i.d. ones
    assert r.bse["x"] > sm.OLS(y, X).fit().bse["x"]


def test_ols_hac_rejects_nan_and_misalignment():
    X = pd.DataFrame({"const": 1.0, "x": [0.0, 1, 2, np.nan]})
    with pytest.raises(DataError, match="NaN"):
        L.ols_hac(pd.Series([1.0, 2, 3, 4]), X, maxlags=1)
    with pytest.raises(DataError, match="same index"):
        L.ols_hac(pd.Series([1.0, 2, 3]), X.iloc[:3].fillna(0).set_axis([5, 6, 7]), maxlags=1)


def test_local_projections_recover_a_planted_effect():
    # a shock at t moves the return of t+1 by -0.5 x shock and nothing later: the LP slope is
    # -0.5 at every horizon h >= 1 (cumulative returns), and about 0 for a placebo shock
    rng = np.random.default_rng(5)
    n = 3000
    idx = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    shock = rng.exponential(1.0, n)
    placebo = rng.exponential(1.0, n)
    ret = rng.normal(0, 1, n)
    ret[1:] += -0.5 * shock[:-1]
    panel = pd.DataFrame({"ret": ret, "shock": shock, "placebo": placebo}, index=idx)
    lp = L.local_projections(panel, ret="ret", shocks=["shock", "placebo"], horizons=[1, 3], lags=2)
    got = lp.set_index(["h", "shock"])
    for h in (1, 3):
        assert got.loc[(h, "shock"), "coef"] == pytest.approx(-0.5, abs=4 * got.loc[(h, "shock"), "se"])
        assert abs(got.loc[(h, "placebo"), "coef"]) < 4 * got.loc[(h, "placebo"), "se"]
    assert got.loc[(1, "shock"), "coef"] == pytest.approx(-0.5, abs=0.06)
    assert got.loc[(1, "shock"), "p"] < 1e-6
    assert got.loc[(3, "shock"), "maxlags"] == 3 - 1 + 6
    assert got.loc[(1, "shock"), "nobs"] == n - 2 - 1  # lags at the start, the lead at the end
    ex = L.local_projections(
        panel, ret="ret", shocks=["shock"], horizons=[1], lags=2, exclude=(str(idx[100]), str(idx[199]))
    )
    assert ex["nobs"].iloc[0] == n - 3 - 100


# ------------------------------------------------------------------------------- new statistics


def test_closed_bars_drops_the_partial_last_bar():
    idx = pd.date_range("2025-11-14 08:00", periods=3, freq="4h", tz="UTC")
    df = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=idx)
    saved = pd.Timestamp("2025-11-14 16:19", tz="UTC")
    assert L.closed_bars(df, "4h", saved).index.tolist() == idx[:2].tolist()  # the 16:00 bar ends 20:00
    assert len(L.closed_bars(df, "4h", pd.Timestamp("2025-11-14 20:00", tz="UTC"))) == 3  # closed exactly then


def test_forced_share_bounds_known_answers():
    r = L.forced_share_bounds(0.13, liq_share=0.05, oi_share=0.25)
    assert r["lower"] == 0.13 and r["factor"] == pytest.approx(5.0) and r["rescaled"] == pytest.approx(0.65)
    assert not r["capped"]
    # a venue over-represented in liquidations is not scaled down: the measured share stays the bound
    assert L.forced_share_bounds(0.13, liq_share=0.30, oi_share=0.10)["rescaled"] == pytest.approx(0.13)
    # the rescaled share cannot exceed 1
    r = L.forced_share_bounds(0.5, liq_share=0.1, oi_share=0.4)
    assert r["rescaled"] == 1.0 and r["capped"]
    with pytest.raises(DataError):
        L.forced_share_bounds(0.1, liq_share=0.0, oi_share=0.3)


def test_wave_proxy_days_known_answer():
    idx = pd.date_range("2026-01-01", periods=8, freq="D", tz="UTC")
    bars = pd.DataFrame(
        {"close": [100.0, 100, 100, 100, 92, 92, 86, 80], "volume": [10.0, 12, 8, 10, 25, 10, 15, 40]}, index=idx
    )
    p = L.wave_proxy_days(bars, max_return=-0.07, volume_multiple=2.0, volume_window=3)
    # day 4: -8% on 25 / median(12, 8, 10)=10 -> 2.5x: flagged; day 6: -6.5% (not enough);
    # day 7: -6.98% (80/86 - 1) is above -7%: not flagged although volume is 4x
    assert p["flag"].tolist() == [False, False, False, False, True, False, False, False]
    assert p["volume_ratio"].iloc[4] == pytest.approx(2.5)
    assert np.isnan(p["volume_ratio"].iloc[2])  # fewer than 3 earlier days: no ratio
    p2 = L.wave_proxy_days(bars, max_return=-0.065, volume_multiple=1.5, volume_window=3)
    assert p2.index[p2["flag"]].tolist() == [idx[4], idx[6], idx[7]]
    assert L.waves_between(p2, idx[4], idx[7]).index.tolist() == [idx[6], idx[7]]  # (after, until]
    with pytest.raises(DataError, match="not a regular 24h grid"):
        L.wave_proxy_days(bars.drop(idx[3]), max_return=-0.07, volume_multiple=2.0)


def test_wave_proxy_validation_ranks_liquidation_days():
    idx = pd.date_range("2025-10-09", periods=18, freq="4h", tz="UTC")  # three complete days
    liq = pd.DataFrame({"liq_long_usd": [1.0] * 6 + [10.0] * 6 + [2.0] * 6, "liq_short_usd": 0.0}, index=idx)
    liq["liq_usd"] = liq["liq_long_usd"] + liq["liq_short_usd"]
    days = pd.date_range("2025-10-09", periods=3, freq="D", tz="UTC")
    proxy = pd.DataFrame(
        {"ret": [0.0, -0.1, 0.0], "volume_ratio": [1.0, 3.0, 1.0], "flag": [False, True, False]}, index=days
    )
    v = L.wave_proxy_validation(proxy, liq.iloc[:-1])  # the third day loses a bar
    assert v.index.tolist() == days[:2].tolist()
    assert v["rank_long"].tolist() == [2, 1] and v["flag"].tolist() == [False, True]


def test_funding_min_after_window():
    t = pd.date_range("2026-02-05", periods=9, freq="8h", tz="UTC")
    f = pd.Series([0.1, 0.0, -0.05, -0.02, -0.15, -0.14, -0.17, -0.09, -0.03], index=t)
    assert L.funding_min_after(f, "2026-02-05", 0) == -0.05
    assert L.funding_min_after(f, "2026-02-05", 2) == -0.17
    with pytest.raises(DataError):
        L.funding_min_after(f, "2026-03-01", 1)


def test_signed_changes_read_a_fall_as_negative():
    """A "drop" measure is a signed change: a fall is negative, a rise positive."""
    s = series([100.0, 80.0], ["2025-10-10 00:00", "2025-10-11 12:00"], name="oi")
    assert L.change_between(s, "2025-10-10 00:00Z", "2025-10-11 12:00Z")["change"] == pytest.approx(-0.2)
    up = series([80.0, 100.0], ["2025-10-10 00:00", "2025-10-11 12:00"], name="oi")
    assert L.change_between(up, "2025-10-10 00:00Z", "2025-10-11 12:00Z")["change"] == pytest.approx(0.25)
    assert L.max_fall_within(series([10.0, 8.0], ["2025-12-01", "2025-12-01 12:00"], name="x"))[
        "change"
    ] == pytest.approx(-0.2)


def test_shifted_window():
    assert L.shifted_window(("2025-11-24", "2025-11-30"), 2) == ("2025-11-26", "2025-12-02")
    assert L.shifted_window(("2025-12-31", "2026-01-05"), -1) == ("2025-12-30", "2026-01-04")


def test_rolling_percentiles_known_answer():
    days = pd.date_range("2025-01-01", periods=10, freq="D", tz="UTC")
    ratio = pd.DataFrame({"ratio": np.arange(10, dtype=float)}, index=days).drop(days[6])
    r = L.rolling_percentiles(ratio, days=2, min_history=3)
    # windows of 2 full days: (3,4), (4,5), (7,8), (8,9); day 6 missing breaks (5,6) and (6,7)
    assert r["start"].dt.day.tolist() == [4, 5, 8, 9]
    assert r["value"].tolist() == [3.5, 4.5, 7.5, 8.5]
    assert r["percentile"].tolist() == [1.0, 1.0, 1.0, 1.0]  # a rising series is always at its top


# ------------------------------------------------------------------------------- the snapshot


@pytest.fixture(scope="module")
def oi(snapshot):
    return L.venue_oi()


def test_snapshot_venue_coverage(oi):
    cov = L.coverage(oi)
    assert cov.loc["okx_swap", "last"] == pd.Timestamp("2026-01-21 15:00", tz="UTC")
    # the partial bar opened 14 Nov 16:00 is dropped from OI as from liquidations: both end at 16:00
    assert cov.loc["all_coinglass", "last"] == pd.Timestamp("2025-11-14 16:00", tz="UTC")  # bar opened 12:00
    assert cov.loc["binance_usdtm", "last"] == cov.loc["binance_coinm", "last"] == cov.loc["all_coinglass", "last"]
    assert L.liquidations().index[-1] + pd.Timedelta("4h") == cov.loc["all_coinglass", "last"]
    assert L.coinglass_saved_at() == pd.Timestamp("2025-11-14 16:19", tz="UTC")
    assert cov.loc["binance_btcusdt", ["n", "n_gaps"]].tolist() == [40, 0]
    assert cov.loc["okx_swap", "n"] == 6406 and cov.loc["okx_swap", "n_gaps"] > 100
    assert (
        oi.loc[oi["venue"] == "okx_swap", "oi_usd"]
        == oi.loc[oi["venue"] == "okx_swap", "oi_contracts"] * L.OKX_FACE_USD
    ).all()


def test_snapshot_venue_agreement(oi):
    t = L.agreement_table(
        oi,
        [("binance_usdtm", "binance_btcusdt"), ("binance_coinm", "binance_coinm_perp"), ("all_coinglass", "okx_swap")],
    ).set_index("a")
    # Binance BTCUSDT is ~91% of Binance USDT-M BTC OI at the same 00:00 instants; daily changes agree
    assert t.loc["binance_usdtm", "n"] == 7
    assert 1 / t.loc["binance_usdtm", "ratio_median"] == pytest.approx(0.908, abs=0.002)
    assert t.loc["binance_usdtm", "corr_change"] > 0.99
    assert t.loc["binance_coinm", "corr_change"] == pytest.approx(0.875, abs=0.01)
    # OKX's inverse swap is about 1% of all-venue OI and moves with it only weakly
    assert t.loc["all_coinglass", "ratio_median"] == pytest.approx(97.9, abs=0.5)
    assert t.loc["all_coinglass", "corr_change"] == pytest.approx(0.14, abs=0.01)


def test_snapshot_10oct_cascade(snapshot):
    r = L.binance_cascade_split("2025-10-10 20:00Z", "2025-10-11 00:00Z")
    assert r["liq_long_usd"] == pytest.approx(235.60e6, rel=1e-4)
    assert r["liq_short_usd"] == pytest.approx(107.46e6, rel=1e-4)
    assert r["usdtm_coin_start"] == 102707.0 and r["usdtm_coin_end"] == 80186.57
    assert r["forced_share_usd"] == pytest.approx(0.110, abs=0.001)
    assert r["forced_share_coin"] == pytest.approx(0.129, abs=0.001)
    assert r["all_oi_change_usd"] == pytest.approx(-0.178, abs=0.001)
    r12 = L.binance_cascade_split("2025-10-10 12:00Z", "2025-10-11 00:00Z")
    assert r12["all_oi_change_usd"] == pytest.approx(-0.219, abs=0.001)  # Glassnode: -22% in <12h
    assert r12["all_oi_usd_start"] - r12["all_oi_usd_end"] == pytest.approx(19.73e9, rel=1e-3)


def test_snapshot_event_table_finds_10oct(oi):
    et = L.event_table(oi)
    agg = et[et["series"] == "all_coinglass:coin"]
    assert len(agg) == 1
    e = agg.iloc[0]
    assert e["start"] == pd.Timestamp("2025-10-10 12:00", tz="UTC")
    assert e["end"] == pd.Timestamp("2025-10-11 04:00", tz="UTC")
    assert e["oi_change"] == pytest.approx(-0.1616, abs=1e-3) and e["price_change"] == pytest.approx(-0.0761, abs=1e-3)
    assert e["liq_long_usd"] == pytest.approx(293.6e6, rel=1e-3)
    bu = et[et["series"] == "binance_usdtm:coin"]
    assert bu["end"].dt.strftime("%Y-%m-%d").tolist() == ["2025-06-24", "2025-10-11", "2025-10-22"]
    assert et[et["series"] == "binance_btcusdt:coin"].empty


def test_snapshot_amplification_panel_and_lp(snapshot):
    p = L.amplification_panel()
    assert len(p) == 1079 and p.index[-1] == pd.Timestamp("2025-11-14 12:00", tz="UTC")
    assert p["liq_long"].max() == pytest.approx(2.356, abs=1e-3)  # the 10 Oct 20:00 bar, USD 100m
    lp = L.local_projections(p, ret="ret", shocks=["liq_long", "liq_short"], horizons=[1]).set_index("shock")
    assert lp.loc["liq_long", "coef"] == pytest.approx(-0.0055, abs=2e-4)
    assert lp.loc["liq_long", "p"] < 0.01 and lp.loc["liq_short", "p"] > 0.5


def test_snapshot_proxy_positions(snapshot):
    p = L.proxy_positions()
    # OKX valued at a fixed price: its BTC figure moves exactly with its contracts
    assert (p["okx_btc_fixed"] / p["okx_btc_fixed"].iloc[0]).tolist() == pytest.approx(
        (p["okx_contracts"] / p["okx_contracts"].iloc[0]).tolist()
    )
    assert p["binance_coin"].pct_change().iloc[1:].round(3).tolist() == [0.042, -0.063]
    tot = p["total_positions_btc"]
    assert tot.iloc[-1] / tot.iloc[0] - 1 == pytest.approx(-0.0211, abs=1e-4)
    assert p["total_coin"].iloc[-1] / p["total_coin"].iloc[0] - 1 == pytest.approx(-0.0141, abs=1e-4)


def test_snapshot_position_gauges(snapshot):
    w = ("2025-11-24", "2025-11-30")
    pct = {g: L.late_leverage(L.position_ratio(g, w), w)["percentile"] for g in L.GAUGES}
    assert pct["okx"] == pytest.approx(0.664, abs=1e-3)  # contracts: not the 0.97 of the coin ratio
    assert pct["binance"] == pytest.approx(0.841, abs=1e-3)
    assert pct["available"] == pytest.approx(0.825, abs=1e-3)
    assert L.late_leverage(L.leverage_ratios()["okx_swap"], w)["percentile"] == pytest.approx(0.971, abs=1e-3)
    # OKX in positions at a constant price: the ratio moves with contracts / supply only
    r = L.position_ratio("okx", w)
    assert r["oi_btc"].iloc[0] == pytest.approx(L._gauge_parts()["okx"]["face_usd"].iloc[0] / L.okx_window_price(w))


def test_snapshot_wave_proxy_and_its_validation(snapshot):
    from mktlib.verdicts.episode import btc_daily

    p = L.wave_proxy_days(btc_daily(), max_return=-0.07, volume_multiple=2.0)
    v = L.wave_proxy_validation(p, L.liquidations())
    # where liquidations are measured, the proxy flags one day: the largest long-liquidation day, 10 Oct
    assert v.index[v["flag"]].tolist() == [pd.Timestamp("2025-10-10", tz="UTC")]
    assert v.loc["2025-10-10", "rank_long"] == 1 and v.loc["2025-10-10", "rank_total"] == 1
    w = L.waves_between(p, "2025-11-27", "2026-02-25")
    assert w.index.tolist() == [pd.Timestamp("2026-02-05", tz="UTC")]
    assert w["ret"].iloc[0] == pytest.approx(-0.140, abs=1e-3) and w["volume_ratio"].iloc[0] > 6


def test_snapshot_venue_shares_and_forced_share_bounds(snapshot):
    vs = L.venue_shares("Binance")
    assert vs["n_venues"] == 9 and vs["n_venues_oi"] == 21
    assert vs["liq_share"] == pytest.approx(0.0685, abs=1e-4)
    assert vs["oi_share"] == pytest.approx(0.348, abs=1e-3)  # of the same nine venues
    assert vs["oi_share_all"] == pytest.approx(0.186, abs=1e-3)  # of all 21 venues
    r = L.binance_cascade_split("2025-10-10 20:00Z", "2025-10-11 00:00Z")
    b = L.forced_share_bounds(r["forced_share_coin"], vs["liq_share"], vs["oi_share"])
    assert b["lower"] == pytest.approx(0.129, abs=1e-3)
    assert b["rescaled"] == pytest.approx(0.129 * 0.348 / 0.0685, abs=0.01)


# ------------------------------------------------------------------ the chapter's figures and tables


def test_rebase_known_answer_and_bad_base():
    t = pd.date_range("2025-10-10", periods=4, freq="4h", tz="UTC")
    s = pd.Series([50.0, 40.0, 60.0, 55.0], index=t, name="oi")
    assert L.rebase(s).tolist() == [100.0, 80.0, 120.0, 110.0]
    assert L.rebase(s, "2025-10-10 04:00", "2025-10-10 08:00").tolist() == [100.0, 150.0]
    with pytest.raises(DataError, match="no readings"):
        L.rebase(s, "2025-10-11")
    with pytest.raises(DataError, match="cannot be the base"):
        L.rebase(pd.Series([0.0, 1.0], index=t[:2], name="zero"))


def test_fmt_step():
    assert [L.fmt_step(x) for x in ("1h", "4h", "1D", "2D", "36h")] == [
        "1 hour",
        "4 hours",
        "1 day",
        "2 days",
        "1.5 days",
    ]


def _lp_rows(shock, coefs, ps, ts=None):
    n = len(coefs)
    return pd.DataFrame(
        {
            "h": range(1, n + 1),
            "shock": shock,
            "coef": coefs,
            "se": 0.001,
            "t": ts if ts is not None else [c / 0.001 for c in coefs],
            "p": ps,
            "nobs": 100,
            "maxlags": 6,
        }
    )


def test_amplification_summary_known_answer():
    levels = pd.concat(
        [
            _lp_rows("liq_long", [-0.005, -0.004, -0.001], [0.01, 0.04, 0.5]),
            _lp_rows("liq_short", [0.001, 0.002, 0.0], [0.3, 0.02, 0.9]),
        ]
    )
    without = pd.concat(
        [_lp_rows("liq_long", [-0.006, -0.003, 0.0], [0.001, 0.2, 0.9]), _lp_rows("liq_short", [0.0] * 3, [0.9] * 3)]
    )
    logs = pd.concat(
        [
            _lp_rows("liq_long_log", [-0.1, -0.1, -0.1], [0.2, 0.03, 0.01]),
            _lp_rows("liq_short_log", [0.0] * 3, [0.5, 0.5, 0.04]),
        ]
    )
    r = L.amplification_summary(levels, without, logs)
    assert r["nobs"] == 100
    assert r["h1_coef"] == -0.005 and r["h1_t"] == pytest.approx(-5.0)
    assert r["h1_coef_without"] == -0.006
    assert r["sig_max_hours"] == 8  # horizons 1 and 2 significant: 2 bars of 4 hours
    assert (r["log_sig_n"], r["log_n"], r["log_sig_max_hours"]) == (2, 3, 12)
    assert (r["short_sig_n"], r["short_n"]) == (2, 6)  # one in levels (h=2), one in logs (h=3)
    none = L.amplification_summary(levels.assign(p=0.9), without, logs.assign(p=0.9), alpha=0.05)
    assert none["sig_max_hours"] == 0 and none["log_sig_max_hours"] == 0 and none["short_sig_n"] == 0


def test_event_threshold_grid_known_answer():
    t = pd.date_range("2025-10-10", periods=6, freq="4h", tz="UTC")
    oi = pd.Series([100.0, 100.0, 96.0, 93.0, 93.0, 93.0], index=t)  # -4% then -7% from the high
    px = pd.Series([100.0, 100.0, 97.5, 96.0, 96.0, 96.0], index=t)  # -2.5% then -4%
    g = L.event_threshold_grid(oi, px, drops=(0.03, 0.05, 0.08), moves=(0.02, 0.05), when="2025-10-10 09:00")
    got = {(r.drop, r.move): (r.events, r.spans_when) for r in g.itertuples()}
    assert got[(0.03, 0.02)] == (1, True)
    assert got[(0.05, 0.02)] == (1, True)
    assert got[(0.08, 0.02)] == (0, False)  # the fall never reaches 8%
    assert got[(0.03, 0.05)] == (0, False)  # the price never moves 5%
    assert L.event_threshold_grid(oi, px, drops=(0.03,), moves=(0.02,), when="2025-10-11 12:00")[
        "spans_when"
    ].tolist() == [False]


def test_spec_grid_pivots_and_refuses_hidden_choices():
    sc = pd.DataFrame(
        {
            "gauge": ["a", "a", "b", "b", "a"],
            "shift": [0, 1, 0, 1, 0],
            "other": [1, 1, 1, 1, 2],
            "statistic": [0.1, 0.2, 0.3, 0.4, 0.1],
        }
    )
    g = L.spec_grid(sc, "gauge", "shift")
    assert g.loc["a", 0] == 0.1 and g.loc["b", 1] == 0.4 and g.shape == (2, 2)
    sc.loc[4, "statistic"] = 0.9  # another choice changes the value inside the cell (a, 0)
    with pytest.raises(DataError, match="varies"):
        L.spec_grid(sc, "gauge", "shift")


def test_snapshot_chapter_charts(snapshot):
    from mktlib import charts

    c = charts.data("leverage-cascade-10oct")
    oi = c[c["panel"] == "open interest"]
    assert set(oi.groupby("series")["value"].first().round(9)) == {100.0}
    lq = c[c["panel"] == "liquidations"].pivot(columns="series", values="value")
    bar = L.liquidation_summary(L.liquidations(), "2025-10-10 20:00", "2025-10-11 00:00")
    assert lq.loc["2025-10-10 20:00", "longs liquidated"] == pytest.approx(bar["long"] / 1e6)

    a = charts.data("leverage-amplification")
    lv = L.amplification_results()["levels"]
    coef = lv.loc[(lv["shock"] == "liq_long") & (lv["h"] == 1), "coef"].iloc[0]
    first = a[(a["liquidations"] == "long") & (a["hours ahead"] == 4)].iloc[0]
    assert first["effect (%)"] == pytest.approx(100 * coef)
    assert first["95% band, low (%)"] < first["effect (%)"] < first["95% band, high (%)"]

    o = charts.data("leverage-okx-january")
    g3 = L.oi_change_okx(*L.G3_DAYS)
    assert o.loc[g3["t0"]].tolist() == pytest.approx([100.0, 100.0, 100.0])
    assert o.loc[g3["t1"], "contracts (positions)"] == pytest.approx(100 * (1 + g3["contracts_change"]))

    w = charts.data("leverage-wave-proxy")
    assert w.index[w["proxy day"]].tolist() == [
        pd.Timestamp("2025-10-10", tz="UTC"),
        pd.Timestamp("2026-02-05", tz="UTC"),
    ]

    s = charts.data("leverage-oi-share-of-supply")
    assert set(s["panel"]) == {"BTC price", "All venues", "Binance", "OKX"}
    allv = s[s["panel"] == "All venues"]["value"]
    assert allv.index.max() == pd.Timestamp("2025-11-14", tz="UTC")
    assert 2.0 < allv.median() < 5.0  # percent of supply


# ------------------------------------------------------------------ the chapter's drawings


@pytest.fixture
def plt_agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _lines(ax) -> dict:
    return {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}


def test_snapshot_drawing_oi_share_of_supply(snapshot, plt_agg):
    from mktlib import charts

    name = "leverage-oi-share-of-supply"
    df = charts.data(name)
    fig = charts.figure(name)
    axes = fig.axes
    assert len(axes) == 4
    assert axes[0].get_title("left") == "One cliff on 10 October; positions rebuilt while the price kept falling"
    # every series of the data is one line, in its panel, with the data's values
    for ax, panel in zip(axes, ["BTC price", "All venues", "Binance", "OKX"], strict=True):
        sub = df[df["panel"] == panel]
        lines = _lines(ax)
        assert sorted(lines) == sorted(sub["series"].unique())
        for series_name, line in lines.items():
            assert line.get_ydata() == pytest.approx(sub.loc[sub["series"] == series_name, "value"].to_numpy())
    assert [ax.get_ylim()[0] for ax in axes[1:]] == [0, 0, 0]


def test_snapshot_drawing_cascade(snapshot, plt_agg):
    from matplotlib.text import Annotation

    from mktlib import charts, data

    name = "leverage-cascade-10oct"
    df = charts.data(name)
    fig = charts.figure(name)
    axes = fig.axes
    assert len(axes) == 3
    lq = df[df["panel"] == "liquidations"].pivot(columns="series", values="value")
    longs, shorts = axes[1].containers
    assert [b.get_height() for b in longs] == pytest.approx(lq["longs liquidated"].tolist())
    assert [b.get_height() for b in shorts] == pytest.approx((-lq["shorts liquidated"]).tolist())
    oi = df[df["panel"] == "open interest"]
    for series_name, line in _lines(axes[2]).items():
        assert line.get_ydata() == pytest.approx(oi.loc[oi["series"] == series_name, "value"].to_numpy())
    assert len(_lines(axes[2])) == oi["series"].nunique() == 4
    # the annotated low is the 1-minute mark low; the title's fall is Binance USDT-M's in the 20:00 bar
    t_low, v_low = L.price_low(data.load("btc_mark_coinm_1m"), "2025-10-10 20:00", "2025-10-11 00:00")
    (note,) = [t for t in axes[0].texts if isinstance(t, Annotation)]
    assert note.get_text() == f"{v_low:,.0f} at {t_low:%H:%M}"
    s4 = L.binance_cascade_split("2025-10-10 20:00", "2025-10-11 00:00")
    fall = 1 - s4["usdtm_coin_end"] / s4["usdtm_coin_start"]
    assert f"lost {fall:.0%} of its BTC open interest" in axes[0].get_title("left")


def test_snapshot_drawing_amplification(snapshot, plt_agg):
    from mktlib import charts

    name = "leverage-amplification"
    df = charts.data(name)
    fig = charts.figure(name)
    assert len(fig.axes) == 2
    assert fig._suptitle.get_text().startswith("Long liquidations predict a small further fall")
    for ax, side in zip(fig.axes, ["long", "short"], strict=True):
        r = df[df["liquidations"] == side]
        assert ax.get_title("left") == f"{side} liquidations"
        lines = _lines(ax)
        assert lines["all bars"].get_ydata() == pytest.approx(r["effect (%)"].to_numpy())
        assert lines["without 10-12 Oct"].get_ydata() == pytest.approx(r["effect without 10-12 Oct (%)"].to_numpy())
        assert list(lines["all bars"].get_xdata()) == r["hours ahead"].tolist()


def test_snapshot_drawing_wave_proxy(snapshot, plt_agg):
    from matplotlib.colors import to_hex
    from matplotlib.text import Annotation

    from mktlib import charts, plotting
    from mktlib.book import fmt_day

    name = "leverage-wave-proxy"
    df = charts.data(name)
    fig = charts.figure(name)
    axes = fig.axes
    assert len(axes) == 2
    (ret_bars,) = axes[0].containers
    (vol_bars,) = axes[1].containers
    assert [b.get_height() for b in ret_bars] == pytest.approx(df["return (%)"].tolist())
    assert [b.get_height() for b in vol_bars] == pytest.approx(df["volume ratio"].tolist())
    red = to_hex(plotting.VERDICT_COLORS["contradicted"])
    assert [to_hex(b.get_facecolor()) == red for b in ret_bars] == df["proxy day"].tolist()
    notes = [t.get_text() for t in axes[0].texts if isinstance(t, Annotation)]
    assert notes == [fmt_day(t) for t in df.index[df["proxy day"]]]


def test_snapshot_drawing_okx_january(snapshot, plt_agg):
    from mktlib import charts

    name = "leverage-okx-january"
    df = charts.data(name)
    fig = charts.figure(name)
    (ax,) = fig.axes
    lines = _lines(ax)
    assert sorted(lines) == sorted(df.columns)
    for col in df.columns:
        assert lines[col].get_ydata() == pytest.approx(df[col].to_numpy())
    assert ax.get_title("left").startswith("Early January: OKX's BTC open interest fell")
