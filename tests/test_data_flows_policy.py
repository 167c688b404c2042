"""ETF flows, policy-path probabilities, stablecoins, intraday US equity, treasury holdings, dy2012.

Fixture tests (known answers + bad input) for every parser in mktlib/data/parsers/{flows,policy,
intraday_equity,misc}.py, then known-answer tests on the real snapshot (values read from the files
and from the folders' SOURCES.md).
"""

from __future__ import annotations

import csv
import gzip
import io
import json

import numpy as np
import pandas as pd
import pytest
from conftest import raises_data_error

from mktlib import data as mdata
from mktlib.calendars import is_session

UTC = "UTC"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


# ================================================================================================
# Fixture tests
# ================================================================================================

# --- Farside totals -----------------------------------------------------------------------------

FARSIDE = (
    "Date,Total\n"
    "11 Jan 2024,655.3\n"
    '12 Mar 2024,"1,045.00"\n'
    "13 Mar 2024,-20\n"
    "14 Mar 2024,0\n"
    'Total,"1,680.30"\n'
    "Average,560.1\n"
    'Maximum,"1,045.00"\n'
    "Minimum,-20\n"
)
FARSIDE_COLS = {"total": "USD millions"}


def farside(parse_text, text=FARSIDE, **options):
    return parse_text(text, parser="etf_flows_farside_totals", columns=FARSIDE_COLS, options=options)


def test_farside_strips_trailing_summary_and_thousands(parse_text):
    df = farside(parse_text, drop_dates={"2024-03-14": 0.0})
    assert list(df.index) == [ts("2024-01-11"), ts("2024-03-12"), ts("2024-03-13")]
    assert df["total"].tolist() == [655.3, 1045.0, -20.0]


def test_farside_summary_row_in_the_middle_raises(parse_text):
    text = FARSIDE.replace("13 Mar 2024,-20\n", "Total,1\n13 Mar 2024,-20\n")
    with raises_data_error(r"summary-like row 'Total' at data row 3 is not in the trailing summary block"):
        farside(parse_text, text)


def test_farside_unknown_label_in_summary_block_raises(parse_text):
    with raises_data_error(r"unexpected row 'Median' in the trailing summary block"):
        farside(parse_text, FARSIDE.replace("Average,560.1", "Median,560.1"))


def test_farside_summary_total_must_match_the_rows(parse_text):
    # a dated row lost (or a summary value changed) is caught by the Total cross-check
    with raises_data_error(r"summary row Total = 1680.3 but the dated rows give 1725.3000"):
        farside(parse_text, FARSIDE.replace("13 Mar 2024,-20\n", "13 Mar 2024,25\n"))


def test_farside_average_uses_kept_rows(parse_text):
    # without dropping the zero holiday row, Average 560.1 != 1680.3 / 4
    with raises_data_error("summary row Average = 560.1 but Total / 4 kept rows"):
        farside(parse_text)


def test_farside_drop_dates_must_match(parse_text):
    with raises_data_error(r"drop_dates expects total 0.0 on 2024-03-13, the file has -20.0"):
        farside(parse_text, drop_dates={"2024-03-13": 0.0})
    with raises_data_error(r"drop_dates lists 2024-03-15 but the file has 0 row"):
        farside(parse_text, drop_dates={"2024-03-15": 0.0})


# --- per-fund wide table ------------------------------------------------------------------------

WIDE = "date,IBIT,FBTC,total\n2025-11-20,-355.5,-190.4,-545.9\n2025-11-21,10,-0.0,10\n2025-11-27,-219.1,-19.7,-240\n"
WIDE_COLS = {"fund": "text", "flow": "USD millions", "total": "USD millions"}


def test_wide_flows_to_long(parse_text):
    df = parse_text(
        WIDE, parser="etf_flows_wide", columns=WIDE_COLS, keys=("fund",), options={"drop_dates": {"2025-11-27": -240.0}}
    )
    assert len(df) == 4
    assert df["fund"].tolist() == ["IBIT", "FBTC", "IBIT", "FBTC"]
    assert df.loc["2025-11-20", "flow"].tolist() == [-355.5, -190.4]
    assert df.loc["2025-11-20", "total"].tolist() == [-545.9, -545.9]
    assert df.index[2] == ts("2025-11-21")
    without = "".join(line.rsplit(",", 1)[0] + "\n" for line in WIDE.splitlines())  # no total column
    no_total = parse_text(
        without,
        parser="etf_flows_wide",
        columns={"fund": "text", "flow": "USD millions"},
        keys=("fund",),
        options={"total_column": None},
    )
    assert len(no_total) == 6 and "total" not in no_total
    assert no_total["flow"].tolist() == [-355.5, -190.4, 10.0, -0.0, -219.1, -19.7]


def test_wide_flows_blank_cell_raises(parse_text):
    with raises_data_error(r"column 'FBTC' has a blank value at data row 2"):
        parse_text(WIDE.replace("10,-0.0,10", "10,,10"), parser="etf_flows_wide", columns=WIDE_COLS, keys=("fund",))


def test_wide_flows_missing_total_and_wrong_drop(parse_text):
    with raises_data_error(r"missing column\(s\) \['total'\]"):
        parse_text(WIDE.replace(",total", ",tot"), parser="etf_flows_wide", columns=WIDE_COLS, keys=("fund",))
    with raises_data_error("drop_dates expects total 0.0 on 2025-11-27"):
        parse_text(
            WIDE,
            parser="etf_flows_wide",
            columns=WIDE_COLS,
            keys=("fund",),
            options={"drop_dates": {"2025-11-27": 0.0}},
        )


# --- FedWatch -------------------------------------------------------------------------------------

FEDWATCH = (
    "Date,(325-350),(350-375),(375-400),(400-425)\n"
    "11/19/2025,0.000000,0.300714,0.699286,0.000000\n"
    "11/20/2025,,0.392143,0.607857,\n"
)
FW_COLS = {"bucket": "text", "probability": "probability"}


def fedwatch(parse_text, text=FEDWATCH, **options):
    return parse_text(text, parser="fedwatch_history", columns=FW_COLS, keys=("bucket",), options=options)


def test_fedwatch_long_known_values(parse_text):
    df = fedwatch(parse_text)
    assert len(df) == 6  # 4 buckets on 19 Nov, 2 on 20 Nov (blank = bucket not shown)
    nov20 = df.loc["2025-11-20"]
    assert nov20["bucket"].tolist() == ["350-375", "375-400"]
    assert nov20["probability"].tolist() == [0.392143, 0.607857]
    assert df.index[0] == ts("2025-11-19")
    assert df.groupby(level=0)["probability"].sum().sub(1).abs().max() < 1e-12


def test_fedwatch_percent_units(parse_text):
    text = (
        FEDWATCH.replace("0.300714", "30.0714")
        .replace("0.699286", "69.9286")
        .replace("0.392143", "39.2143")
        .replace("0.607857", "60.7857")
    )
    df = fedwatch(parse_text, text, units="percent")
    assert df.loc["2025-11-20", "probability"].tolist() == pytest.approx([0.392143, 0.607857], abs=1e-15)
    with raises_data_error(r"outside \[0, 1\] after reading them as fraction"):
        fedwatch(parse_text, text, units="fraction")


def test_fedwatch_sum_not_one_raises(parse_text):
    with raises_data_error(r"probabilities on 2025-11-20 sum to 0.99214300, not 1 within 5e-05"):
        fedwatch(parse_text, FEDWATCH.replace("0.392143", "0.384286"))


def test_fedwatch_interior_blank_and_bad_header_raise(parse_text):
    with raises_data_error("blank bucket between filled ones"):
        fedwatch(parse_text, FEDWATCH.replace("0.000000,0.300714,0.699286", "0.300714,,0.699286"))
    with raises_data_error(r"unexpected column '\(350-400\)'"):
        fedwatch(parse_text, FEDWATCH.replace("(350-375)", "(350-400)"))


# --- fed funds futures reconstruction -------------------------------------------------------------

FFP = (
    "date_iso,meeting_date_iso,date,meeting_date,prob_-25,prob_0,prob_25\n"
    "2025-12-05,2025-12-10,45996,46001,0.859545454545472,0.140454545454528,0\n"
    "2025-12-08,2025-12-10,45999,46001,0.8736363636363683,0.1263636363636317,0\n"
)
FFP_COLS = {"meeting_date": "date", "bucket": "text", "probability": "probability"}


def test_fedfunds_probs_long(parse_text):
    df = parse_text(FFP, parser="fedfunds_implied_probs", columns=FFP_COLS, keys=("bucket",))
    assert len(df) == 6
    assert df["bucket"].tolist()[:3] == ["-25", "0", "+25"]
    row = df.loc["2025-12-08"].set_index("bucket")["probability"]
    assert row["-25"] == 0.8736363636363683 and row["0"] == 0.1263636363636317
    assert (df["meeting_date"] == ts("2025-12-10")).all()


def test_fedfunds_probs_serial_mismatch_and_sum_raise(parse_text):
    with raises_data_error(r"date_iso 2025-12-08 differs from Excel serial 45998 at data row 2"):
        parse_text(
            FFP.replace(",45999,", ",45998,"), parser="fedfunds_implied_probs", columns=FFP_COLS, keys=("bucket",)
        )
    with raises_data_error("sum to 0.9"):
        parse_text(
            FFP.replace("0.1263636363636317,0", "0.0263636363636317,0"),
            parser="fedfunds_implied_probs",
            columns=FFP_COLS,
            keys=("bucket",),
        )


# --- Kalshi ------------------------------------------------------------------------------------------

KALSHI_D = (
    "timestamp,price_raw,implied_prob,volume,open_interest\n"
    "2025-11-02 04:00:00+00:00,,,0,500\n"
    "2025-11-03 05:00:00+00:00,33.0,0.33,100,600\n"
)
KD_COLS = {"probability": "probability", "volume": "count", "open_interest": "count"}


def test_kalshi_daily_known_values(parse_text):
    df = parse_text(KALSHI_D, parser="kalshi_daily_candles", columns=KD_COLS, checks={"nullable": ["probability"]})
    assert df.index.tolist() == [ts("2025-11-02 04:00"), ts("2025-11-03 05:00")]
    assert np.isnan(df["probability"].iloc[0]) and df["probability"].iloc[1] == 0.33
    assert df["open_interest"].tolist() == [500.0, 600.0]


def test_kalshi_daily_blank_price_with_volume_raises(parse_text):
    with raises_data_error("blank price on a day with volume 7.0 at data row 1"):
        parse_text(
            KALSHI_D.replace(",,,0,500", ",,,7,500"),
            parser="kalshi_daily_candles",
            columns=KD_COLS,
            checks={"nullable": ["probability"]},
        )
    with raises_data_error(r"implied_prob 0.34 != price_raw/100 at data row 2"):
        parse_text(
            KALSHI_D.replace("0.33", "0.34"),
            parser="kalshi_daily_candles",
            columns=KD_COLS,
            checks={"nullable": ["probability"]},
        )
    with raises_data_error("expected offset"):
        parse_text(
            KALSHI_D.replace("05:00:00+00:00", "00:00:00-05:00"),
            parser="kalshi_daily_candles",
            columns=KD_COLS,
            checks={"nullable": ["probability"]},
        )


KALSHI_H = (
    "timestamp,Fed maintains rate,Cut 25bps,Hike 25bps\n"
    "2025-10-07T02:00:00Z,,34.00,\n"
    "2025-10-07T03:00:00Z,62.50,34.10,\n"
    "2025-10-07T05:00:00Z,63.00,34.10,1.00\n"
)
KH_COLS = {"outcome": "text", "probability": "probability"}


def test_kalshi_hourly_long(parse_text):
    df = parse_text(KALSHI_H, parser="kalshi_outcomes_hourly", columns=KH_COLS, keys=("outcome",), frequency="1h")
    assert len(df) == 6  # 1 + 2 + 3 priced cells
    assert df.loc[[ts("2025-10-07 02:00")], "outcome"].tolist() == ["Cut 25bps"]
    last = df.loc["2025-10-07 05:00"].set_index("outcome")["probability"]
    assert last.to_dict() == {"Fed maintains rate": 0.63, "Cut 25bps": 0.341, "Hike 25bps": 0.01}


def test_kalshi_hourly_gap_after_first_price_raises(parse_text):
    with raises_data_error(r"'Fed maintains rate' is blank at 2025-10-07 05:00:00\+00:00 after its first price"):
        parse_text(
            KALSHI_H.replace("05:00:00Z,63.00", "05:00:00Z,"),
            parser="kalshi_outcomes_hourly",
            columns=KH_COLS,
            keys=("outcome",),
        )
    with raises_data_error("outside 0-100 cents"):
        parse_text(
            KALSHI_H.replace("63.00", "163.00"), parser="kalshi_outcomes_hourly", columns=KH_COLS, keys=("outcome",)
        )


# --- intraday equity -----------------------------------------------------------------------------------

OHLCV_COLS = {
    "open": "index points",
    "high": "index points",
    "low": "index points",
    "close": "index points",
    "volume": "count",
}


def test_ohlcv_utc_offset(parse_text):
    text = (
        "timestamp,open,high,low,close,volume\n"
        "2025-11-20 15:30:00+00:00,25200.0,25310.0,25190.0,25300.0,9000\n"
        "2025-11-20 15:45:00+00:00,25300.0,25305.0,25250.0,25260.5,8000\n"
    )
    df = parse_text(text, parser="ohlcv_utc_offset", columns=OHLCV_COLS, frequency="15m")
    assert df.index[0] == ts("2025-11-20 15:30") and df["close"].iloc[1] == 25260.5
    with raises_data_error(r"expected offset \+00:00, got '2025-11-20 10:45:00-05:00'"):
        parse_text(text.replace("15:45:00+00:00", "10:45:00-05:00"), parser="ohlcv_utc_offset", columns=OHLCV_COLS)


TV = (
    "time,time_utc,open,high,low,close\n"
    "1763652960,2025-11-20 15:36:00,675.0,675.56,674.9,675.4\n"
    "1763653080,2025-11-20 15:38:00,675.4,675.5,675.1,675.2\n"
)
TV_COLS = {"open": "USD", "high": "USD", "low": "USD", "close": "USD"}


def test_tradingview_epoch_known_values(parse_text):
    df = parse_text(TV, parser="tradingview_epoch", columns=TV_COLS, frequency="2m")
    # 1763652960 s = 2025-11-20 15:36:00 UTC = 10:36 EST
    assert df.index[0] == ts("2025-11-20 15:36") and df["high"].iloc[0] == 675.56


def test_tradingview_epoch_text_disagreement_raises(parse_text):
    with raises_data_error(r"'time_utc' '2025-11-20 16:38:00' disagrees with 'time' '1763653080' at data row 2"):
        parse_text(
            TV.replace("2025-11-20 15:38:00", "2025-11-20 16:38:00"), parser="tradingview_epoch", columns=TV_COLS
        )


CZSC = (
    "symbol,dt,open,close,high,low,vol,amount\n"
    "QQQ,2025-10-31 09:30:00,630.0,631.0,631.5,629.5,1000,0.0\n"
    "QQQ,2025-11-03 09:30:00,632.0,633.0,633.5,631.5,2000,0.0\n"
)
CZ_COLS = {"open": "USD", "high": "USD", "low": "USD", "close": "USD", "volume": "count"}


def czsc(parse_text, text=CZSC, symbol="QQQ"):
    return parse_text(
        text,
        parser="czsc_bars_local",
        columns=CZ_COLS,
        frequency="5m",
        options={"symbol": symbol, "tz": "America/New_York"},
        checks={"ohlc": True},
    )


def test_czsc_eastern_to_utc_across_dst_change(parse_text):
    df = czsc(parse_text)
    # Fri 31 Oct 2025 09:30 EDT (UTC-4) = 13:30 UTC; DST ends Sun 2 Nov; Mon 3 Nov 09:30 EST (UTC-5) = 14:30 UTC
    assert df.index.tolist() == [ts("2025-10-31 13:30"), ts("2025-11-03 14:30")]
    # the CZSC column order is open, CLOSE, high, low: read by name
    assert df["close"].tolist() == [631.0, 633.0] and df["high"].tolist() == [631.5, 633.5]
    assert df["volume"].tolist() == [1000.0, 2000.0]


def test_czsc_bad_input(parse_text):
    with raises_data_error("cannot localise to America/New_York"):  # 01:30 on 2 Nov 2025 happens twice
        czsc(parse_text, CZSC.replace("2025-11-03 09:30:00", "2025-11-02 01:30:00"))
    with raises_data_error("column 'amount' is 5.0 at data row 2"):
        czsc(parse_text, CZSC.replace("2000,0.0", "2000,5.0"))
    with raises_data_error("symbol 'QQQ' at data row 1, expected 'SPY'"):
        czsc(parse_text, symbol="SPY")
    with raises_data_error("carries a UTC offset"):
        czsc(parse_text, CZSC.replace("2025-11-03 09:30:00", "2025-11-03 09:30:00-05:00"))


# --- stablecoins, treasury, dy2012 -----------------------------------------------------------------------


def test_defillama_supply(parse_text):
    text = "as_of,value,status\n2017-11-29,110105,ok\n2026-08-21,3.07698e+11,ok\n"
    df = parse_text(text, parser="defillama_supply", columns={"value": "USD"})
    assert df["value"].tolist() == [110105.0, 307698000000.0] and df.index[1] == ts("2026-08-21")
    with raises_data_error("status 'stale' at data row 2"):
        parse_text(text.replace("11,ok", "11,stale"), parser="defillama_supply", columns={"value": "USD"})


BITBO_HEAD = (
    "Entity,Country,Symbol:Exchange,Filings & Sources,# of BTC,Value Today,% of 21m,Scrape Date,"
    "BTC Change,Value Change\n"
)
BITBO = (
    BITBO_HEAD
    + "Strategy (MicroStrategy),,MSTR:NADQ,Filing,628946.0,74.65,2.995,2025-08-15,,\n"
    + "SATO Technologies Corp.,,SATO:TSXV,Filing,24.0,2.85,0.0,2025-08-15,,\n"
    + "Canada Computational Unlimited Corp.,,SATO:TSXV,Filing,75.0,8.9,0.0,2025-08-15,,\n"
    + ",,,**Totals:**,629045.0,77.05,5.722,2025-08-15,,\n"
    + "Strategy (MicroStrategy),,MSTR:NADQ,Filing,629000.0,74.65,2.995,2025-08-16,54.0,0.0\n"
    + ",,,**Totals:**,629000.0,77.05,5.722,2025-08-16,,\n"
)
BB_COLS = {"symbol": "text", "entity": "text", "btc": "BTC"}


def bitbo(parse_text, text=BITBO):
    return parse_text(
        text,
        parser="bitbo_holdings",
        columns=BB_COLS,
        keys=("symbol", "entity"),
        name="bitbo.csv.gz",
        options={"totals_tol": 1.0},
    )


def test_bitbo_drops_totals_rows(parse_text):
    df = bitbo(parse_text)
    assert len(df) == 4
    assert df.loc["2025-08-15", "symbol"].tolist() == ["MSTR:NADQ", "SATO:TSXV", "SATO:TSXV"]
    assert df.loc[[ts("2025-08-16")], "btc"].tolist() == [629000.0]
    assert df.index[-1] == ts("2025-08-16")


def test_bitbo_totals_rules(parse_text):
    lines = BITBO.splitlines(keepends=True)
    with raises_data_error("totals row not at the end of its date: data row 3"):
        bitbo(parse_text, "".join(lines[:3] + [lines[4], lines[3]] + lines[5:]))
    with raises_data_error("date without a final totals row"):
        bitbo(parse_text, "".join(lines[:6]))
    with raises_data_error("totals row on 2025-08-15 differs from the sum of companies by 2.00 BTC"):
        bitbo(parse_text, BITBO.replace("629045.0", "629047.0"))
    with raises_data_error("duplicate company row 'MSTR:NADQ'"):
        bitbo(parse_text, "".join(lines[:2] + [lines[1]] + lines[2:]).replace("629045.0", "1257991.0"))


DY_COLS = {"SP500": "log variance", "R_10Y": "log variance", "DJUBSCOM": "log variance", "USDX": "log variance"}
DY = (
    '"Date","SP500","R_10Y","DJUBSCOM","USDX"\n'
    '"1999-01-25","-9.89199839089659","-10.081905300488","-9.79769386701259","-12.9715780656102"\n'
    '"1999-01-26","-9.35329381788367","-10.090498389791","-11.4752118210033","-13.2374774805259"\n'
)


def test_dy2012_parser_exact(parse_text):
    df = parse_text(
        DY, parser="validation_dated_floats", columns=DY_COLS, options={"date_column": "Date", "columns": list(DY_COLS)}
    )
    assert df.index.tolist() == [ts("1999-01-25"), ts("1999-01-26")]
    assert df.loc["1999-01-25", "R_10Y"].item() == -10.081905300488
    assert df.loc["1999-01-26", "USDX"].item() == -13.2374774805259
    with raises_data_error("column 'SP500' has a blank value at data row 2"):
        parse_text(
            DY.replace('"-9.35329381788367"', '""'),
            parser="validation_dated_floats",
            columns=DY_COLS,
            options={"date_column": "Date", "columns": list(DY_COLS)},
        )


# ================================================================================================
# The real snapshot (values from SOURCES.md and from the files themselves)
# ================================================================================================


def raw_lines(snapshot, rel):
    path = snapshot / rel
    raw = gzip.decompress(path.read_bytes()) if rel.endswith(".gz") else path.read_bytes()
    return raw.decode().splitlines()


def test_snapshot_farside(snapshot):
    lines = raw_lines(snapshot, "tradfi/etf_flows/btc_spot_etf_flows_farside_totals_mcg.csv")
    assert len(lines) - 1 == 516  # SOURCES.md: 516 rows incl. 4 summary rows
    assert "20 Nov 2025,-903.2" in lines  # the file's line for 20 Nov 2025
    df = mdata.load("etf_flows_farside")
    assert len(df) == 516 - 4 - 16 - 1  # summary rows, holiday zeros, unfilled 02 Jan 2026
    assert df.index[0] == ts("2024-01-11") and df.index[-1] == ts("2025-12-31")
    assert df.loc["2025-11-20", "total"].item() == -903.2
    assert df.loc["2024-01-11", "total"].item() == 655.3
    assert df["total"].sum() == pytest.approx(56594.2, abs=1e-6)  # Farside's "Total" row
    assert is_session("NY", df.index).all()


def test_snapshot_etf_flows_by_fund(snapshot):
    df = mdata.load("etf_flows_by_fund")
    days = df.index.unique()
    assert len(days) == 662 - 7 and len(df) == 12 * len(days)  # SOURCES.md: 662 rows
    assert days[0] == ts("2024-01-11") and days[-1] == ts("2026-08-21")
    nov20 = df.loc["2025-11-20"].set_index("fund")
    assert nov20.loc["IBIT", "flow"] == -355.5 and nov20["total"].iloc[0] == -903.2  # the ~$900m outflow
    assert is_session("NY", days).all()
    # per-fund flows sum to the published total on every kept day (tolerance 1e-9 US$m: float rounding)
    diff = df.groupby(level=0)["flow"].sum() - df.groupby(level=0)["total"].first()
    assert int((diff.abs() > 1e-9).sum()) == 0
    # agrees exactly with the independent Farside totals on all 495 common days
    far = mdata.load("etf_flows_farside")["total"]
    common = far.index.intersection(days)
    assert len(common) == 495
    assert (df.groupby(level=0)["total"].first().loc[common] - far.loc[common]).abs().max() < 1e-9


def test_snapshot_kittycapital_raw_sum_mismatches_are_the_dropped_defi_days(snapshot):
    """In the raw wide CSV the funds miss the total on exactly 4 days: the holiday rows whose total
    includes a DEFI flow the CSV has no column for (the JSON has it). Those rows are dropped."""
    wide = pd.read_csv(snapshot / "tradfi/etf_flows/btc_spot_etf_flows_kittycapital_wide.csv", index_col="date")
    diff = wide.drop(columns="total").sum(axis=1) - wide["total"]
    bad = diff[diff.abs() > 1e-9]
    assert bad.index.tolist() == ["2025-11-27", "2025-12-25", "2026-01-01", "2026-01-19"]
    js = json.loads((snapshot / "tradfi/etf_flows/btc_spot_etf_flows_kittycapital.json").read_text())
    defi = {r["date"]: r["flows"]["DEFI"] for r in js["daily_flows"] if "DEFI" in r["flows"]}
    assert defi == {
        "2025-11-27": -0.4,
        "2025-12-25": 15.3,
        "2026-01-01": -2.1,
        "2026-01-19": 7.0,
        "2026-04-03": 0.0,
        "2026-05-25": 0.0,
        "2026-07-03": 0.0,
    }
    for day, d in bad.items():
        assert d == pytest.approx(-defi[day], abs=1e-9)
    assert not is_session("NY", list(defi)).any()  # all US market holidays
    loaded = mdata.load("etf_flows_by_fund").index.strftime("%Y-%m-%d")
    assert not set(defi) & set(loaded)


def test_snapshot_fedwatch_dec2025(snapshot):
    df = mdata.load("fedwatch_dec2025")
    days = df.index.unique()
    assert len(days) == 251 and len(df) == 10228  # SOURCES.md: 251 rows
    assert days[0] == ts("2024-11-26") and days[-1] == ts("2025-11-25")  # ends 2025-11-25 (data README)
    # last line of the file: 11/25/2025,,...,0.000000 x4,0.852143,0.147857,0.000000 x5,,...
    last = df.loc["2025-11-25"].set_index("bucket")["probability"]
    assert last.index.tolist() == [
        "250-275",
        "275-300",
        "300-325",
        "325-350",
        "350-375",
        "375-400",
        "400-425",
        "425-450",
        "450-475",
        "475-500",
        "500-525",
    ]
    assert last["350-375"] == 0.852143 and last["375-400"] == 0.147857
    assert (last.drop(["350-375", "375-400"]) == 0).all()
    assert last.sum() == pytest.approx(1.0, abs=1e-12)
    cut = df[df["bucket"] == "350-375"]["probability"]
    assert cut.loc["2025-10-17"].item() == 0.936665  # SOURCES.md: the quoted 93.7%
    assert cut.loc["2025-11-17"].item() == 0.423571
    assert cut.loc["2025-11-19"].item() == 0.300714
    sums = df.groupby(level=0)["probability"].sum()
    assert (sums - 1).abs().max() == pytest.approx(2e-6, abs=1e-9)  # max deviation, within the 5e-5 tolerance


def test_snapshot_fedwatch_jan2026(snapshot):
    df = mdata.load("fedwatch_jan2026")
    days = df.index.unique()
    assert len(days) == 236 and days[0] == ts("2025-02-20") and days[-1] == ts("2026-01-28")
    for hol in ["2025-09-01", "2025-11-27", "2025-12-25", "2026-01-01", "2026-01-19"]:
        assert ts(hol) not in days
    nov20 = df.loc["2025-11-20"].set_index("bucket")["probability"]
    assert nov20[nov20 > 0].to_dict() == {"325-350": 0.198985, "350-375": 0.50203, "375-400": 0.298985}
    assert df.loc["2026-01-28"].set_index("bucket")["probability"]["350-375"] == 0.988929
    assert (df.groupby(level=0)["probability"].sum() - 1).abs().max() <= 2.0000001e-6  # SOURCES: +/-2e-6


def test_snapshot_fedfunds_implied_probs(snapshot):
    df = mdata.load("fedfunds_implied_probs")
    days = df.index.unique()
    assert len(days) == 1998 and len(df) == 9 * 1998
    assert days[0] == ts("2018-01-02") and days[-1] == ts("2025-12-08")
    last = df.loc["2025-12-08"].set_index("bucket")
    assert last.loc["-25", "probability"] == 0.8736363636363683 and last.loc["0", "probability"] == 0.1263636363636317
    assert (last["meeting_date"] == ts("2025-12-10")).all()


def test_snapshot_kalshi(snapshot):
    dec = mdata.load("kalshi_dec2025_nochange_1d")
    assert len(dec) == 128
    assert dec.index[0] == ts("2025-08-06 04:00") and dec.index[-1] == ts("2025-12-11 05:00")
    assert dec.iloc[-1].tolist() == [0.03, 3988587.0, 9456037.0]
    assert int(dec["probability"].isna().sum()) == 55
    assert (dec.loc[dec["probability"].isna(), "volume"] == 0).all()
    assert dec["probability"].last_valid_index() == ts("2025-12-11 05:00")

    dj = mdata.load("kalshi_jan2026_decision_1h")
    hours = dj.index.unique()
    assert len(hours) == 1363 and hours[0] == ts("2025-10-07 02:00") and hours[-1] == ts("2026-01-28 19:00")
    assert len(dj) == 5 * 1363 - (4 + 0 + 1 + 138 + 177)  # blank cells before first trades
    assert dj.loc[[ts("2025-10-07 02:00")]].set_index("outcome")["probability"].to_dict() == {"Cut 25bps": 0.34}
    final = dj.loc["2026-01-28 19:00"].set_index("outcome")["probability"]
    assert final["Fed maintains rate"] == 0.99 and final["Cut 25bps"] == 0.01

    dc = mdata.load("kalshi_jan2026_combo_1h")
    hours = dc.index.unique()
    assert len(hours) == 668 and hours[0] == ts("2025-12-11 20:00") and hours[-1] == ts("2026-01-28 19:00")
    final = dc.loc["2026-01-28 19:00"].set_index("outcome")["probability"]
    assert final["Federal Funds Rates: No change Dissents: >0"] == 0.98


def test_snapshot_stablecoins(snapshot):
    df = mdata.load("stablecoin_supply_1d")
    assert len(df) == 3188
    assert df.index[0] == ts("2017-11-29") and df.index[-1] == ts("2026-08-21")
    assert df["value"].iloc[0] == 110105.0 and df["value"].iloc[-1] == 3.07698e11


@pytest.mark.parametrize(
    "dataset_id, rows, first, last",
    [
        ("nq_fut_15m", 3628, "2025-10-19 22:00", "2025-12-15 23:45"),
        ("es_fut_15m", 3627, "2025-10-19 22:00", "2025-12-15 23:45"),
        ("nq_fut_1h", 5736, "2024-12-30 16:00", "2025-12-30 16:00"),
        ("spy_bats_2m", 35090, "2025-09-30 19:16", "2026-01-17 00:56"),
        ("ibit_bats_2m", 30397, "2025-10-09 14:46", "2026-01-17 00:58"),
        ("ibit_bats_5m", 14144, "2025-09-23 16:15", "2026-01-10 00:55"),
        # QQQ/SPY 5m: SOURCES.md first/last in US/Eastern (EST, UTC-5): 09:30 -> 14:30 UTC etc.
        ("qqq_5m", 1924, "2025-12-23 14:30", "2026-01-30 15:30"),
        ("spy_5m", 1921, "2025-12-23 14:30", "2026-01-30 15:15"),
    ],
)
def test_snapshot_intraday_rows_and_span(snapshot, dataset_id, rows, first, last):
    df = mdata.load(dataset_id)
    assert len(df) == rows
    assert df.index[0] == ts(first) and df.index[-1] == ts(last)


def test_snapshot_intraday_spot_values(snapshot):
    nq = mdata.load("nq_fut_15m").loc["2025-11-20"]
    assert nq["high"].max() == 25310.0 and nq["high"].idxmax() == ts("2025-11-20 15:30")  # SOURCES.md
    spy = mdata.load("spy_bats_2m").loc["2025-11-20 14:30":"2025-11-20 17:00"]
    assert spy["high"].max() == 675.56 and spy["high"].idxmax() == ts("2025-11-20 15:36")  # 10:36 ET
    nq1h = mdata.load("nq_fut_1h")
    assert nq1h.iloc[0].tolist() == [21371.5, 21469.75, 21340.75, 21458.5, 0.0]
    # QQQ first line "QQQ,2025-12-23 09:30:00,620.0,619.6500244140625,620.4099731445312,619.1699829101562,
    # 1414919,0.0": 09:30 EST (UTC-5, no DST change in this file) = 14:30 UTC; close is the 4th field
    qqq = mdata.load("qqq_5m")
    assert qqq.iloc[0].tolist() == [620.0, 620.4099731445312, 619.1699829101562, 619.6500244140625, 1414919.0]
    assert qqq.index[0] == ts("2025-12-23 14:30")
    # TradingView: the epoch seconds agree with time_utc (checked by the parser); spot-check one instant
    ibit = mdata.load("ibit_bats_2m")
    assert ibit.index[0] == pd.Timestamp(1760021160, unit="s", tz=UTC)


def test_snapshot_treasury_holdings(snapshot):
    lines = raw_lines(snapshot, "gaps/treasury/bitbo_public_companies_btc_holdings_daily_2025-08-15_2026-07-11.csv.gz")
    assert len(lines) - 1 == 49418  # SOURCES.md
    df = mdata.load("treasury_btc_holdings_1d")
    dates = df.index.unique()
    assert len(df) == 49418 - len(dates) and len(dates) == 323  # one totals row per date removed
    assert dates[0] == ts("2025-08-15") and dates[-1] == ts("2026-07-11")
    mstr = df[df["symbol"] == "MSTR:NADQ"]["btc"]
    assert mstr.iloc[0] == 628946.0
    assert mstr.loc["2025-11-18"].item() - mstr.loc["2025-11-17"].item() == 8665.0  # SOURCES.md batch
    assert mstr.loc["2025-12-17"].item() - mstr.loc["2025-12-16"].item() == 21268.0
    for missing in ["2025-09-28", "2025-10-05", "2025-11-08", "2025-12-31", "2026-01-01", "2026-01-03"]:
        assert ts(missing) not in dates


def test_snapshot_dy2012_exact(snapshot):
    df = mdata.load("dy2012")
    assert len(df) == 2771 and list(df.columns) == ["SP500", "R_10Y", "DJUBSCOM", "USDX"]
    assert df.index[0] == ts("1999-01-25") and df.index[-1] == ts("2010-01-29")
    rows = list(csv.reader(io.StringIO((snapshot / "validation/dy2012.csv").read_text())))
    expected = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    assert np.array_equal(df.to_numpy(), expected)  # bit-exact, every value
    assert df.iloc[-1].tolist() == [-8.56913275257496, -8.42137965163572, -8.93031946439378, -10.7558270353365]
