"""TradFi prices: Yahoo indices/FX/futures, CBOE VIX, US stock/ETF OHLCV and close panels, LBMA gold, FRED.

Catalog: ``mktlib/data/catalog/tradfi_prices.yaml``; parsers ``daily_ohlcv`` (yahoo.py), ``daily_long``
(stocks.py), ``fred_csv`` / ``fred_long`` / ``status_csv`` (fred.py), ``lbma_gold_csv`` (gold.py).
Part 1 runs every parser on small inline fixtures (known answers and bad input); part 2 checks the
real snapshot against SOURCES.md and against other copies of the same series.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import raises_data_error

from mktlib import data as mdata
from mktlib.data.catalog import catalog
from mktlib.data.parsers.yahoo import session_mask, shift_bar_start_labels


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def dates(df: pd.DataFrame) -> list[str]:
    return [str(t.date()) for t in df.index]


OC = {"open": "index points", "close": "index points"}
OCV = {**OC, "volume": "count"}
OHLC = {"open": "USD", "high": "USD", "low": "USD", "close": "USD"}

# =================================================================================================
# daily_ohlcv, tzjtan layout (date,open,close,volume) with placeholder rows
# =================================================================================================

TZ_GOOD = (
    "date,open,close,volume\n"
    "2025-11-20,25131.4902,24054.3809,10548620000\n"
    "2025-11-21,24137.6602,24239.5703,9931240000\n"
    "2025-11-22,,,\n"  # Saturday, empty: placeholder
    "2025-11-23,,,\n"  # Sunday, empty: placeholder
    "2025-11-24,24300.0000,24500.0000,100\n"
    "2025-11-26,24600.0000,24700.0000,200\n"
    "2025-11-27,24600.0000,24700.0000,0\n"  # Thanksgiving: zero-volume repeat
    "2025-11-28,24800.0000,24900.0000,300\n"
)


def tz(parse_text, text, columns=OCV, **opts):
    return parse_text(
        text,
        parser="daily_ohlcv",
        columns=columns,
        options={"calendar": "XNYS", **opts},
        checks={"positive": ["open", "close"]},
    )


def test_placeholders_removed_known_values(parse_text):
    df = tz(parse_text, TZ_GOOD)
    assert dates(df) == ["2025-11-20", "2025-11-21", "2025-11-24", "2025-11-26", "2025-11-28"]
    assert str(df.index.tz) == "UTC" and df.index.name == "timestamp"
    assert df.index[0] == ts("2025-11-20")  # session label at 00:00 UTC
    assert df.loc["2025-11-20", "close"].item() == 24054.3809
    assert df.loc["2025-11-21", "open"].item() == 24137.6602
    assert df.loc["2025-11-28", "volume"].item() == 300.0
    assert list(df.columns) == ["open", "close", "volume"]
    assert not (df.index.day_of_week >= 5).any()


def test_weekend_row_with_real_looking_values_raises(parse_text):
    # not empty and not a repeat of the previous row: neither kept nor dropped silently
    bad = TZ_GOOD.replace("2025-11-23,,,", "2025-11-23,24239.5703,24300.0000,0")
    with raises_data_error(r"1 row\(s\) on non-session dates of XNYS that are not placeholders .*2025-11-23"):
        tz(parse_text, bad)


def test_holiday_repeat_with_volume_is_not_a_placeholder(parse_text):
    bad = TZ_GOOD.replace("2025-11-27,24600.0000,24700.0000,0", "2025-11-27,24600.0000,24700.0000,5")
    with raises_data_error("not placeholders .*2025-11-27"):
        tz(parse_text, bad)


def test_empty_row_on_a_session_needs_the_declared_count(parse_text):
    text = TZ_GOOD.replace("2025-11-26,", "2025-11-25,,,\n2025-11-26,")
    with raises_data_error(r"1 empty row\(s\) on XNYS sessions \(2025-11-25\); the catalog expects 0"):
        tz(parse_text, text)
    df = tz(parse_text, text, empty_on_sessions=1)
    assert ts("2025-11-25") not in df.index and len(df) == 5
    with raises_data_error("the catalog expects 2"):
        tz(parse_text, text, empty_on_sessions=2)


def test_partially_blank_row_raises(parse_text):
    with raises_data_error(r"row 2025-11-24 has blank \['close'\]"):
        tz(parse_text, TZ_GOOD.replace("2025-11-24,24300.0000,24500.0000", "2025-11-24,24300.0000,"))


def test_hong_kong_calendar(parse_text):
    # 2025-10-07 is an HKEX holiday (day after Mid-Autumn); 2025-10-06 and 2025-10-08 are sessions
    text = "date,open,close,volume\n2025-10-06,26000.0,26100.0,10\n2025-10-07,,,\n2025-10-08,26200.0,26050.0,12\n"
    df = tz(parse_text, text, calendar="XHKG")
    assert dates(df) == ["2025-10-06", "2025-10-08"]
    with raises_data_error("non-session dates of XHKG"):
        tz(parse_text, text.replace("2025-10-07,,,", "2025-10-07,26100.0,26150.0,3"), calendar="XHKG")


DXY = (
    "date,open,close,volume\n"
    "2025-01-08,108.6200,109.0900,0\n"
    "2025-01-09,109.0900,109.1800,0\n"  # NYSE closed (national mourning); ICE traded
    "2025-01-10,109.2300,109.6500,0\n"
    "2025-01-12,,,\n"
)


def test_extra_sessions_and_zero_volume(parse_text):
    with raises_data_error("not placeholders .*2025-01-09"):
        tz(parse_text, DXY, columns=OC, volume="zero")
    df = tz(parse_text, DXY, columns=OC, volume="zero", extra_sessions=["2025-01-09"])
    assert dates(df) == ["2025-01-08", "2025-01-09", "2025-01-10"]
    assert list(df.columns) == ["open", "close"]
    assert df.loc["2025-01-09", "close"].item() == 109.18
    with raises_data_error(r"extra_sessions \['2025-01-10'\] are already sessions of XNYS"):
        tz(parse_text, DXY, columns=OC, volume="zero", extra_sessions=["2025-01-09", "2025-01-10"])
    with raises_data_error(r"extra_sessions \['2025-05-26'\] are not kept rows"):
        tz(parse_text, DXY, columns=OC, volume="zero", extra_sessions=["2025-01-09", "2025-05-26"])
    with raises_data_error("volume is not all zero"):
        tz(
            parse_text,
            DXY.replace("109.6500,0", "109.6500,7"),
            columns=OC,
            volume="zero",
            extra_sessions=["2025-01-09"],
        )


CNY = (
    "date,open,close,volume\n"
    "2025-05-29,7.2037,7.2037,0\n"  # Thu in BST -> bar of Fri 05-30
    "2025-06-01,7.2019,7.2019,0\n"  # Sun in BST -> bar of Mon 06-02
    "2025-06-05,7.1750,7.1750,0\n"  # Thu in BST -> Fri 06-06
    "2025-06-07,7.1800,7.1900,0\n"  # Saturday live-quote row: named in drop_dates
    "2025-10-23,7.1257,7.1257,0\n"  # Thu in BST -> Fri 10-24
    "2025-10-27,7.1211,7.1211,0\n"  # Mon in GMT: unchanged
    "2025-12-25,,,\n"
)  # weekday, empty: missing observation


def test_fx_label_shift_drop_dates_and_weekdays(parse_text):
    opts = dict(
        calendar="weekdays",
        volume="zero",
        label_shift_tz="Europe/London",
        drop_dates=["2025-06-07"],
        empty_on_sessions=1,
    )
    df = tz(parse_text, CNY, columns={"open": "CNY per USD", "close": "CNY per USD"}, **opts)
    assert dates(df) == ["2025-05-30", "2025-06-02", "2025-06-06", "2025-10-24", "2025-10-27"]
    assert df.loc["2025-06-02", "close"].item() == 7.2019
    assert df.loc["2025-06-06", "open"].item() == 7.175
    # without the shift the Sunday row is a non-session row that is not a placeholder
    with raises_data_error("non-session dates of weekdays that are not placeholders .*2025-06-01"):
        tz(parse_text, CNY, columns=OC, **{**opts, "label_shift_tz": None})
    # without drop_dates the Saturday row raises; a drop_date absent from the file raises too
    with raises_data_error("not placeholders .*2025-06-08"):
        tz(parse_text, CNY, columns=OC, **{**opts, "drop_dates": []})
    with raises_data_error("drop_dates lists 2025-06-14, which occurs 0 times"):
        tz(parse_text, CNY, columns=OC, **{**opts, "drop_dates": ["2025-06-07", "2025-06-14"]})


def test_shift_rule_only_in_summer_time():
    naive = pd.DatetimeIndex(["2019-03-29", "2019-03-31", "2018-10-25", "2018-10-29", "2025-01-05"])
    out = shift_bar_start_labels(naive, "Europe/London")
    assert [str(d.date()) for d in out] == ["2019-03-29", "2019-04-01", "2018-10-26", "2018-10-29", "2025-01-05"]


def test_session_mask_calendar_range():
    with raises_data_error("outside the XNYS calendar"):
        session_mask(pd.DatetimeIndex(["2010-01-04"]), "XNYS", "x")
    m = session_mask(pd.DatetimeIndex(["2025-11-27", "2025-11-28", "2025-11-29"]), "XNYS", "x")
    assert m.tolist() == [False, True, False]


# =================================================================================================
# daily_ohlcv, yfinance download layout (xunxuntj) and the CBOE layout
# =================================================================================================

YF = (
    "Date,Capital Gains,Close,Dividends,High,Low,Open,Stock Splits,Volume\n"
    "2024-06-07,0.0,120.88,0.0,121.0,118.0,119.77,0.0,412386000\n"
    "2024-06-10,0.0,121.79,0.0,123.1,117.01,120.37,10.0,314162700\n"
    "2024-06-11,0.0,120.91,0.01,122.87,118.74,121.77,0.0,222551200\n"
)
YF_COLS = {**OHLC, "volume": "shares", "dividends": "USD per share", "stock_splits": "ratio"}


def yf(parse_text, text, columns=YF_COLS, **opts):
    return parse_text(
        text,
        parser="daily_ohlcv",
        columns=columns,
        options={"calendar": "XNYS", "actions": ["dividends", "stock_splits"], **opts},
        checks={"ohlc": True, "positive": ["open", "high", "low", "close"]},
    )


def test_yfinance_layout_known_values(parse_text):
    df = yf(parse_text, YF)
    assert list(df.columns) == ["open", "high", "low", "close", "volume", "dividends", "stock_splits"]
    assert df.loc["2024-06-10", "stock_splits"].item() == 10.0
    assert df.loc["2024-06-11", "dividends"].item() == 0.01
    assert df.loc["2024-06-07", "open"].item() == 119.77 and df.loc["2024-06-07", "close"].item() == 120.88
    assert df.index[-1] == ts("2024-06-11")


def test_yfinance_dropped_action_must_be_zero(parse_text):
    with raises_data_error(r"column 'capital_gains' has non-zero values \(first at 2024-06-10\)"):
        yf(parse_text, YF.replace("2024-06-10,0.0,", "2024-06-10,0.5,"))
    with raises_data_error("column 'dividends' has non-zero values"):
        yf(parse_text, YF, columns={**OHLC, "volume": "shares"}, actions=[])


def test_yfinance_ohlc_inconsistent(parse_text):
    with raises_data_error("OHLC inconsistent at 2024-06-11"):
        yf(parse_text, YF.replace("120.91,0.01,122.87", "123.91,0.01,122.87"))


def test_unknown_column_raises(parse_text):
    with raises_data_error(r"unexpected column\(s\) \['foo'\]"):
        yf(parse_text, YF.replace("Volume\n", "Volume,Foo\n").replace("000\n", "000,1\n"))


CBOE = (
    "DATE,OPEN,HIGH,LOW,CLOSE\n"
    "2025-11-26,18.860000,18.920000,17.160000,17.190000\n"
    "2025-11-27,17.220000,17.360000,17.050000,17.210000\n"  # NYSE holiday, CBOE value
    "2025-11-28,17.230000,17.370000,16.280000,16.350000\n"
)


def test_cboe_layout_holiday_value_needs_extra_session(parse_text):
    cols = {k: "index points" for k in ("open", "high", "low", "close")}
    with raises_data_error("not placeholders .*2025-11-27"):
        yf(parse_text, CBOE, columns=cols, volume="none", actions=[])
    df = yf(parse_text, CBOE, columns=cols, volume="none", actions=[], extra_sessions=["2025-11-27"])
    assert len(df) == 3 and df.loc["2025-11-27", "close"].item() == 17.21
    assert df.loc["2025-11-28", "low"].item() == 16.28


# =================================================================================================
# daily_long (stocks.py)
# =================================================================================================

LONG = "ticker,Date,Close\nMSTR,2025-11-20,177.13\nMSTR,2025-11-21,170.5\nBMNR,2025-11-20,26.0\nBMNR,2025-11-21,27.5\n"
LONG_COLS = {"ticker": "text", "close": "USD"}


def lg(parse_text, text, columns=LONG_COLS, key="ticker", name="fixture.csv.gz", checks=None):
    return parse_text(
        text,
        parser="daily_long",
        columns=columns,
        options={"key": key},
        keys=("ticker",),
        checks=checks or {"positive": ["close"]},
        name=name,
    )


def test_long_panel_known_values_and_order(parse_text):
    df = lg(parse_text, LONG)
    assert dates(df) == ["2025-11-20", "2025-11-20", "2025-11-21", "2025-11-21"]
    assert df["ticker"].tolist() == ["BMNR", "MSTR", "BMNR", "MSTR"]
    assert df[df.ticker == "MSTR"].loc["2025-11-20", "close"].item() == 177.13
    assert df.index[0] == ts("2025-11-20")


def test_long_panel_bad_inputs(parse_text):
    with raises_data_error(r"not sorted .*\(for MSTR\)"):
        lg(parse_text, LONG.replace("MSTR,2025-11-21", "MSTR,2025-11-19"))
    with raises_data_error(r"duplicate timestamp 2025-11-20.* \(for BMNR\)"):
        lg(parse_text, LONG.replace("BMNR,2025-11-21", "BMNR,2025-11-20"))
    with raises_data_error(r"non-session dates of XNYS: \[\['2025-11-27', 'BMNR'\]\]"):
        lg(parse_text, LONG.replace("BMNR,2025-11-21", "BMNR,2025-11-27"))
    with raises_data_error("column 'ticker' is blank at data row 3"):
        lg(parse_text, LONG.replace("BMNR,2025-11-20", ",2025-11-20"))


def test_long_ohlcv_layout_with_adj_close(parse_text):
    text = (
        "Date,Symbol,Open,High,Low,Close,Adj Close,Volume\n"
        "2025-11-20,NVDA,195.9,196.0,179.85,180.64,180.62,343504800\n"
        "2025-11-20,MSTR,192.44,193.53,171.48,177.13,177.13,27684400\n"
    )
    cols = {"ticker": "text", **OHLC, "adj_close": "USD", "volume": "shares"}
    df = lg(parse_text, text, columns=cols, key="Symbol", checks={"ohlc": True})
    assert df["ticker"].tolist() == ["MSTR", "NVDA"]
    assert df[df.ticker == "NVDA"]["adj_close"].item() == 180.62
    with raises_data_error("OHLC inconsistent"):
        lg(parse_text, text.replace("196.0,179.85", "190.0,179.85"), columns=cols, key="Symbol", checks={"ohlc": True})


# =================================================================================================
# fred_csv / fred_long / status_csv (fred.py), lbma_gold_csv (gold.py)
# =================================================================================================

FRED = "date,value\n2025-11-26,3.50\n2025-11-27,.\n2025-11-28,3.5100000000\n"


def test_fred_missing_marker_rows_are_dropped_and_counted(parse_text):
    df = parse_text(FRED, parser="fred_csv", columns={"value": "percent"}, options={"missing": 1})
    assert dates(df) == ["2025-11-26", "2025-11-28"]
    assert df["value"].tolist() == [3.5, 3.51]  # 10-decimal text parses to the same float
    assert not df["value"].isna().any()
    with raises_data_error(r"1 row\(s\) with FRED's no-observation marker .* the catalog expects 0"):
        parse_text(FRED, parser="fred_csv", columns={"value": "percent"})


def test_fred_blank_marker_in_observation_date_layout(parse_text):
    text = "observation_date,SP500\n2025-11-26,6812.61\n2025-11-27,\n2025-11-28,6849.09\n"
    df = parse_text(
        text,
        parser="fred_csv",
        columns={"value": "index points"},
        options={"date_column": "observation_date", "value_column": "SP500", "missing": 1},
    )
    assert df.loc["2025-11-28", "value"].item() == 6849.09 and len(df) == 2
    with raises_data_error("unparseable value 'n/a'"):
        parse_text(
            text.replace("6849.09", "n/a"),
            parser="fred_csv",
            columns={"value": "index points"},
            options={"date_column": "observation_date", "value_column": "SP500", "missing": 1},
        )


def test_fred_long_sorted_by_date_then_series(parse_text):
    text = (
        "series_id,date,value\nEFFR,2025-10-29,4.12\nEFFR,2025-10-30,3.87\n"
        "DFEDTARU,2025-10-29,4.25\nDFEDTARU,2025-10-30,4.0\n"
    )
    df = parse_text(text, parser="fred_long", columns={"series": "text", "value": "percent"}, keys=("series",))
    assert df["series"].tolist() == ["DFEDTARU", "EFFR", "DFEDTARU", "EFFR"]
    assert df[df.series == "EFFR"].loc["2025-10-30", "value"].item() == 3.87
    with raises_data_error(r"duplicate timestamp 2025-10-29.* \(for DFEDTARU\)"):
        parse_text(
            text.replace("DFEDTARU,2025-10-30", "DFEDTARU,2025-10-29"),
            parser="fred_long",
            columns={"series": "text", "value": "percent"},
            keys=("series",),
        )


def test_status_csv(parse_text):
    text = "as_of,value,status\n2025-08-22,3371.3,ok\n2025-08-26,3384.55,ok\n"
    df = parse_text(
        text,
        parser="status_csv",
        columns={"close": "USD per troy ounce"},
        options={"output": "close", "calendar": "XLON"},
    )
    assert df["close"].tolist() == [3371.3, 3384.55] and df.index[1] == ts("2025-08-26")
    with raises_data_error(r"status is 'error' \(not 'ok'\) at data row 2"):
        parse_text(text.replace("3384.55,ok", "3384.55,error"), parser="status_csv", columns={"value": "USD"})
    with raises_data_error(r"1 date\(s\) are not XLON sessions, first 2025-08-25"):  # UK bank holiday
        parse_text(
            text.replace("2025-08-26", "2025-08-25"),
            parser="status_csv",
            columns={"close": "USD"},
            options={"output": "close", "calendar": "XLON"},
        )


def test_lbma_gold_csv(parse_text):
    text = "date,close\n2025-10-17,4224.75\n2025-10-20,4294.35\n"
    df = parse_text(text, parser="lbma_gold_csv", columns={"close": "USD per troy ounce"})
    assert df.loc["2025-10-20", "close"].item() == 4294.35 and df.index[0] == ts("2025-10-17")
    with raises_data_error("not XLON sessions, first 2025-12-25"):
        parse_text(text + "2025-12-25,4400.0\n", parser="lbma_gold_csv", columns={"close": "USD"})


# =================================================================================================
# The real snapshot
# =================================================================================================

IDS = [e.id for e in catalog().values() if e.group == "tradfi_prices"]

# id -> (rows after parsing, first, last, rows dropped as placeholders / missing / artefacts)
EXPECTED = {
    "ndx_1d": (2170, "2018-01-02", "2026-08-20", 0),
    "spx_1d": (2079, "2018-01-02", "2026-04-10", 0),
    "hsi_1d": (2123, "2018-01-02", "2026-08-20", 0),
    "ssec_1d": (1599, "2020-01-02", "2026-08-07", 0),
    "csi300_1d": (1291, "2021-03-11", "2026-07-17", 28),  # 28 empty rows on sessions
    "n225_1d": (2106, "2018-01-04", "2026-08-21", 16),  # 15 empty + 1 stale repeat (2018-07-16)
    "dxy_1d": (2172, "2018-01-02", "2026-08-20", 436),  # 433 Sundays + 3 holidays, empty
    "gold_fut_1d": (2171, "2018-01-02", "2026-08-20", 4),  # 3 empty holidays + 1 empty session
    "tnx_1d": (2164, "2018-01-02", "2026-08-20", 85),  # 81 empty holidays + 4 empty sessions
    "usdcny_1d": (2248, "2018-01-01", "2026-08-21", 8),  # 7 empty weekdays + Saturday 2026-08-22
    "vix_yahoo_1d": (1659, "2020-01-02", "2026-08-07", 0),
    "vix_cboe_1d": (2182, "2018-01-02", "2026-07-23", 0),
    "nvda_1d": (1658, "2020-01-02", "2026-08-07", 0),
    "qqq_1d": (1658, "2020-01-02", "2026-08-07", 0),
    "spy_1d": (1658, "2020-01-02", "2026-08-07", 0),
    "soxx_1d": (1658, "2020-01-02", "2026-08-07", 0),
    "gld_1d": (1658, "2020-01-02", "2026-08-07", 0),
    **{
        i: (2118, "2018-01-02", "2026-06-05", 0)
        for i in [
            "dia_1d",
            "eem_1d",
            "fxi_1d",
            "gld_1d_jonsflow",
            "hyg_1d",
            "ief_1d",
            "iwm_1d",
            "qqq_1d_jonsflow",
            "smh_1d",
            "spy_1d_jonsflow",
            "tlt_1d",
            "uup_1d",
            "vixy_1d",
        ]
    },
    "ndx_constituents_1d": (17913, "2020-01-02", "2026-04-24", 0),
    "us_close_panel": (111388, "2018-01-02", "2026-07-31", 0),
    "gold_lbma_pm": (2166, "2018-01-02", "2026-08-20", 0),
    "gold_lbma_pm_alt": (2165, "2018-01-02", "2026-08-19", 0),
    **{
        f"fred_{s}": (2138, "2018-01-02", "2026-07-22", 0)
        for s in ["dgs1", "dgs2", "dgs5", "dgs10", "dgs30", "dgs3mo", "dfii10"]
    },
    "fred_dff": (3125, "2018-01-01", "2026-07-22", 0),
    "fred_sofr": (2073, "2018-04-03", "2026-07-22", 0),
    "fred_t10y2y": (2139, "2018-01-02", "2026-07-23", 0),
    "fred_t10yie": (2139, "2018-01-02", "2026-07-23", 0),
    "fred_dtwexbgs": (2151, "2018-01-02", "2026-08-14", 0),
    "fred_nasdaq100": (2171, "2018-01-02", "2026-08-20", 0),
    "fred_sp500_rounded": (2170, "2018-01-02", "2026-08-20", 0),
    "fred_vixcls": (2202, "2018-01-02", "2026-08-20", 0),
    "fred_sp500": (2514, "2016-02-12", "2026-02-11", 95),  # FRED blank values on holidays
    "fred_policy_rates": (20976, "2021-05-01", "2028-01-01", 0),
}


def test_every_catalogued_id_has_expectations():
    assert sorted(IDS) == sorted(EXPECTED)


def _stated(snapshot, path: str) -> tuple[int, str, str]:
    """(rows, first date, last row key) as SOURCES.md states them for ``path`` (tradfi/...)."""
    text = (snapshot / "tradfi" / "SOURCES.md").read_text(encoding="utf-8")
    rel = path.removeprefix("tradfi/")
    section = text.split(f"### `{rel}`", 1)[1].split("\n### ", 1)[0]
    m = re.search(r"- rows: (\d+); first date: (\S+); last row key: (\S+)", section)
    assert m, f"no rows line for {rel}"
    return int(m.group(1)), m.group(2), m.group(3)


def _raw_lines(snapshot, path: str) -> list[str]:
    import gzip

    p = snapshot / path
    raw = gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes()
    return raw.decode().splitlines()[1:]


@pytest.mark.parametrize("dataset_id", IDS)
def test_file_matches_sources_md(snapshot, dataset_id):
    """Row count and first/last row dates of the raw file are the ones SOURCES.md states."""
    e = catalog()[dataset_id]
    rows, first, last = _stated(snapshot, e.path)
    lines = _raw_lines(snapshot, e.path)
    date_re = re.compile(r"\d{4}-\d{2}-\d{2}")
    assert len(lines) == rows
    assert date_re.search(lines[0]).group(0) == first
    assert date_re.search(lines[-1]).group(0) == last


@pytest.mark.parametrize("dataset_id", IDS)
def test_parsed_rows_and_coverage(snapshot, dataset_id):
    n, first, last, dropped = EXPECTED[dataset_id]
    df = mdata.load(dataset_id)
    rows, _, _ = _stated(snapshot, catalog()[dataset_id].path)
    assert len(df) == n and rows - n == dropped
    assert df.index.min() == ts(first) and df.index.max() == ts(last)
    assert (df.index == df.index.normalize()).all()  # date labels at 00:00 UTC


DAILY_OHLCV = [i for i in IDS if catalog()[i].parser == "daily_ohlcv"]


@pytest.mark.parametrize("dataset_id", DAILY_OHLCV)
def test_no_weekend_or_non_session_rows_after_parsing(snapshot, dataset_id):
    e = catalog()[dataset_id]
    df = mdata.load(dataset_id)
    assert not (df.index.day_of_week >= 5).any()
    extra = e.options.get("extra_sessions", [])
    assert session_mask(df.index, e.options["calendar"], e.id, extra).all()
    if extra:  # the extra sessions are real rows
        assert all(ts(d) in df.index for d in extra)


def test_ndx_known_closes(snapshot):
    ndx = mdata.load("ndx_1d")["close"]
    assert ndx.loc["2025-11-20"] == 24054.3809
    assert ndx.loc["2025-10-29"] == 26119.8496
    assert ndx.loc["2025-11-19"] == 24640.5195
    day = ndx.loc["2025-11-20"] / ndx.loc["2025-11-19"] - 1
    from_peak = ndx.loc["2025-11-20"] / ndx.loc["2025-10-29"] - 1
    assert day == pytest.approx(-0.0238, abs=5e-4)  # ~ -2.4 % on the day
    assert from_peak == pytest.approx(-0.0791, abs=5e-4)  # ~ -7.9 % from the 2025-10-29 close
    # SOURCES.md: FRED NASDAQ100 rounds the same close to 24054.4
    assert mdata.load("fred_nasdaq100").loc["2025-11-20", "value"].item() == 24054.4


def test_placeholders_gone_in_yahoo_files(snapshot):
    raw = pd.read_csv(snapshot / "tradfi/indices_yahoo/DXY_dx-y_nyb.csv", dtype=str, keep_default_na=False)
    assert (pd.to_datetime(raw["date"]).dt.day_of_week == 6).sum() == 433  # Sundays in the file
    dxy = mdata.load("dxy_1d")
    assert (dxy.index.day_of_week == 6).sum() == 0 and "volume" not in dxy.columns
    n225 = mdata.load("n225_1d")
    assert ts("2018-07-16") not in n225.index  # stale Marine Day repeat dropped
    assert n225.loc["2018-07-13", "close"].item() == 22597.3496
    assert ts("2026-08-18") not in mdata.load("csi300_1d").index
    gc = mdata.load("gold_fut_1d")
    assert ts("2018-01-29") not in gc.index and gc.loc["2025-07-04", "close"].item() == 3332.5
    assert dxy.loc["2025-05-26", "close"].item() == 98.93


def test_usdcny_summer_labels_shifted(snapshot):
    u = mdata.load("usdcny_1d")
    assert set(u.index.day_of_week) == {0, 1, 2, 3, 4}
    # the file's Sunday 2025-06-01 row is Monday 2025-06-02; its Thursday 2025-06-05 row is Friday 06-06
    assert u.loc["2025-06-06", "close"].item() == 7.175
    assert u.loc["2025-06-09", "close"].item() == 7.1886  # file row 2025-06-08 (Sunday)
    assert u.loc["2025-06-10", "close"].item() == 7.1802  # file row 2025-06-09 (Monday)
    # winter rows keep their label: file row 2025-11-04 (GMT)
    assert u.loc["2025-11-04", "close"].item() == 7.1718
    assert ts("2026-08-22") not in u.index and ts("2026-08-23") not in u.index


def test_gold_two_sources_agree(snapshot):
    a = mdata.load("gold_lbma_pm")["close"]
    b = mdata.load("gold_lbma_pm_alt")["close"]
    common = a.index.intersection(b.index)
    assert len(common) == 2165 and len(b.index.difference(a.index)) == 0
    assert (a.loc[common] - b.loc[common]).abs().max() == 0.0  # identical on every common date
    assert a.loc["2025-10-20"] == 4294.35 and a.loc["2025-10-21"] == 4169.6


def test_vix_sources(snapshot):
    cboe = mdata.load("vix_cboe_1d")["close"]
    fred = mdata.load("fred_vixcls")["value"]
    yahoo = mdata.load("vix_yahoo_1d")["close"]
    c = cboe.index.intersection(fred.index)
    assert len(c) > 2000 and (cboe.loc[c] == fred.loc[c]).all()
    c = cboe.index.intersection(yahoo.index)
    off = (cboe.loc[c] - yahoo.loc[c]).abs() > 0.006  # beyond float32 noise
    assert [str(d.date()) for d in c[off]] == ["2021-08-11", "2021-10-01", "2026-02-06"]
    assert cboe.loc["2026-02-06"] == 17.76
    assert len(catalog()["vix_cboe_1d"].options["extra_sessions"]) == 32


def test_us_close_panel(snapshot):
    p = mdata.load("us_close_panel")
    assert p["ticker"].nunique() == 67
    assert {"MSTR", "BMNR", "SQNS", "FGNX", "COIN", "IBIT", "NVDA", "ORCL", "BTC"} <= set(p["ticker"])
    win = p.loc["2025-09-01":"2026-01-31"]
    assert win.groupby("ticker").size().eq(105).all()  # SOURCES.md: 105 rows each
    assert p[p.ticker == "BMNR"].index.min() == ts("2025-06-05")
    assert p[p.ticker == "GLXY"].index.min() == ts("2025-05-16")
    assert "predecessor" in catalog()["us_close_panel"].caveats.lower()
    # NVDA: same yfinance adjusted close as nvda_1d, to float noise
    nv = mdata.load("nvda_1d")["close"]
    s = p[p.ticker == "NVDA"]["close"]
    c = s.index.intersection(nv.index)
    assert len(c) == 1653 and ((s.loc[c] / nv.loc[c] - 1).abs() < 1e-6).all()
    # QQQ ~0.2 % below the jonsflow copy (later dividends folded in), constant within the window
    q = (p[p.ticker == "QQQ"]["close"] / mdata.load("qqq_1d_jonsflow")["close"]).dropna()
    qw = q.loc["2025-09-01":"2026-01-31"]
    assert len(qw) == 105 and 0.997 < qw.min() and qw.max() < 0.999


def test_jonsflow_adjustment_vintage_shift(snapshot):
    r = (mdata.load("spy_1d_jonsflow")["close"] / mdata.load("spy_1d")["close"]).dropna()
    step = r.loc["2026-03-19"] / r.loc["2026-03-20"] - 1
    assert 0.0025 < step < 0.0030  # SOURCES.md: ~0.27 % at 2026-03-20


def test_ndx_constituents(snapshot):
    d = mdata.load("ndx_constituents_1d")
    assert sorted(d["ticker"].unique()) == sorted(
        ["NVDA", "MSFT", "MSTR", "AMD", "AVGO", "META", "GOOGL", "AMZN", "TSLA", "PLTR", "MU", "ARM"]
    )
    m = d[d.ticker == "MSTR"]
    assert m.loc["2025-11-20", "close"].item() == 177.1300048828125
    assert m.loc["2025-10-29", "close"].item() == 275.3599853515625
    assert (d["adj_close"] <= d["close"] * (1 + 1e-9)).all()  # dividend adjustment only lowers


def test_fred_series(snapshot):
    assert mdata.load("fred_dgs2").loc["2025-11-20", "value"].item() == 3.55
    assert mdata.load("fred_dgs10").loc["2025-11-20", "value"].item() == 4.10
    dff = mdata.load("fred_dff")
    assert dff.loc["2026-07-22", "value"].item() == 3.63  # written "3.6300000000"
    assert (dff.index.day_of_week >= 5).sum() > 800  # calendar-daily series
    sp = mdata.load("fred_sp500")
    assert not sp["value"].isna().any() and len(sp) == 2609 - 95
    pr = mdata.load("fred_policy_rates")
    assert pr["series"].nunique() == 33
    day = pr.loc["2025-11-20"].set_index("series")["value"]
    assert (day["DFEDTARL"], day["DFEDTARU"]) == (3.75, 4.0)
    # the two FRED mirrors agree on DGS10 wherever both have a value
    x = pr[pr.series == "DGS10"]["value"]
    y = mdata.load("fred_dgs10")["value"]
    c = x.index.intersection(y.index)
    assert len(c) > 1200 and (x.loc[c] == y.loc[c]).all()


@pytest.mark.parametrize("dataset_id", ["hyg_1d", "spy_1d_jonsflow"])
def test_ohlc_tolerance_is_needed_only_for_float_noise(snapshot, dataset_id):
    """These two files have low/high off by ~1e-16 relative: exact OHLC fails, 1e-12 passes."""
    import dataclasses

    e = catalog()[dataset_id]
    assert e.checks["ohlc"] == {"tol": 1e-12}
    strict = dataclasses.replace(e, checks={**e.checks, "ohlc": True})
    with raises_data_error("OHLC inconsistent"):
        mdata.parse(strict)
    assert len(mdata.parse(e)) == 2118
