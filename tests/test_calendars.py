"""Exchange calendars and crypto alignment: known answers from the real calendars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mktlib import DataError
from mktlib.calendars import closes, crypto_at_closes, is_session, price_at, session_returns


def hhmm(ts) -> str:
    return ts.strftime("%H:%M")


def test_new_york_close_moves_with_daylight_saving():
    c = closes("NY", "2025-10-31", "2025-11-03")
    assert list(c.index.strftime("%Y-%m-%d")) == ["2025-10-31", "2025-11-03"]
    assert hhmm(c.loc["2025-10-31", "close_utc"]) == "20:00"  # 16:00 EDT
    assert hhmm(c.loc["2025-11-03", "close_utc"]) == "21:00"  # 16:00 EST
    # and back to EDT on 8 Mar 2026
    c2 = closes("NY", "2026-03-06", "2026-03-09")
    assert [hhmm(t) for t in c2["close_utc"]] == ["21:00", "20:00"]


def test_thanksgiving_closed_and_black_friday_early_close():
    c = closes("NY", "2025-11-26", "2025-11-28")
    assert "2025-11-27" not in c.index.strftime("%Y-%m-%d")
    assert hhmm(c.loc["2025-11-28", "close_utc"]) == "18:00"  # 13:00 EST half day
    assert not is_session("NY", ["2025-11-27"]).iloc[0]


def test_shanghai_golden_week_closed():
    c = closes("SH", "2025-09-30", "2025-10-10")
    days = list(c.index.strftime("%Y-%m-%d"))
    assert days == ["2025-09-30", "2025-10-09", "2025-10-10"]
    assert all(hhmm(t) == "07:00" for t in c["close_utc"])  # 15:00 CST


def test_hong_kong_close_and_holidays():
    c = closes("HK", "2025-09-30", "2025-10-08")
    days = list(c.index.strftime("%Y-%m-%d"))
    assert "2025-10-01" not in days and "2025-10-07" not in days  # National Day, Chung Yeung
    assert hhmm(c.loc["2025-10-02", "close_utc"]) == "08:00"


def test_lbma_fix_is_15_00_london():
    c = closes("LBMA", "2025-10-24", "2025-10-27")
    assert hhmm(c.loc["2025-10-24", "close_utc"]) == "14:00"  # BST
    assert hhmm(c.loc["2025-10-27", "close_utc"]) == "15:00"  # GMT after 26 Oct


def _hourly(start, n):
    idx = pd.date_range(start, periods=n, freq="h", tz="UTC")
    return pd.DataFrame({"close": np.arange(1.0, n + 1)}, index=idx)


def test_price_at_uses_last_completed_bar_no_lookahead():
    bars = _hourly("2025-11-03", 48)
    t = pd.DatetimeIndex(["2025-11-03 21:00", "2025-11-03 21:30"], tz="UTC")
    p = price_at(bars, t)
    # the bar opened 20:00 ends 21:00 -> its close (21st bar) is the price at 21:00 and at 21:30
    assert p["price"].tolist() == [21.0, 21.0]
    assert list(p["bar_end"]) == [pd.Timestamp("2025-11-03 21:00", tz="UTC")] * 2


def test_price_at_refuses_stale_prices():
    bars = _hourly("2025-11-03", 10)
    with pytest.raises(DataError, match="more than 1h earlier"):
        price_at(bars, pd.DatetimeIndex(["2025-11-04 21:00"], tz="UTC"))


def test_crypto_returns_accumulate_weekend_and_holiday():
    # hourly closes = hours since 2025-11-21 00:00 UTC + 1
    bars = _hourly("2025-11-21", 24 * 10)
    out = crypto_at_closes(bars, "NY", "2025-11-21", "2025-11-28")
    # price at T = close of the bar opened at T-1h = hours since the start at T.
    # Fri 21 Nov 21:00 UTC -> 21; Mon 24 Nov 21:00 -> 72+21 = 93 (3 days); Tue 117; Wed 141;
    # Thanksgiving closed, so Fri 28 Nov (early close 13:00 EST = 18:00 UTC) -> 168+18 = 186, 2 days
    assert out["price"].tolist() == [21.0, 93.0, 117.0, 141.0, 186.0]
    assert out["days"].tolist()[1:] == [3.0, 1.0, 1.0, 2.0]
    assert out["ret"].iloc[1] == pytest.approx(93 / 21 - 1)
    assert out["ret"].iloc[-1] == pytest.approx(186 / 141 - 1)


def test_session_returns_rejects_non_sessions():
    s = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2025-11-26", "2025-11-27"], tz="UTC"))
    with pytest.raises(DataError, match="not sessions, first 2025-11-27"):
        session_returns(s, "NY")
    ok = pd.Series([100.0, 110.0], index=pd.DatetimeIndex(["2025-11-26", "2025-11-28"], tz="UTC"))
    assert session_returns(ok, "NY").iloc[1] == pytest.approx(0.10)


def test_lbma_has_no_pm_fix_on_london_half_days():
    c = closes("LBMA", "2025-12-22", "2026-01-02")
    assert [d.strftime("%m-%d") for d in c.index] == ["12-22", "12-23", "12-29", "12-30", "01-02"]
    assert not is_session("LBMA", ["2025-12-24", "2025-12-31"]).any()
    assert is_session("NY", ["2025-12-24", "2025-12-31"]).all()


def test_lbma_sessions_match_the_gold_fix_dates(snapshot):
    from mktlib import data

    fix = data.load("gold_lbma_pm").loc["2018-01-01":"2025-12-31"].index
    cal = closes("LBMA", "2018-01-01", "2025-12-31").index
    assert fix.difference(cal).empty and cal.difference(fix).empty
