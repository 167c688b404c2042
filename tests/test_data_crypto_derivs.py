"""crypto_derivs: funding, open interest, liquidations, basis (parsers funding/okx/coinglass/derivs).

Fixture tests (inline files through ``parse_text``) pin each parser's conversions and quirk
handling; snapshot tests pin the published row counts, first/last timestamps and spot values of
crypto_derivs/SOURCES.md, and the unit checks across sources.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import raises_data_error

from mktlib import data as mdata

UTC = "UTC"
FR = "fraction per interval"
FUNDING = {"funding_rate": FR, "interval_hours": "hours"}


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


# =============================================================================================
# funding.py
# =============================================================================================

BIN_HDR = "calc_time,funding_interval_hours,last_funding_rate\n"
# 2025-10-10 00:00, 08:00 (+2 ms), 16:00 (+14 ms) UTC: the BTCUSDT settlements of the snapshot
BIN_GOOD = BIN_HDR + ("1760054400005,8,0.00000785\n1760083200002,8,0.00003879\n1760112000014,8,0.00001013\n")


def binance(parse_text, text, **kw):
    return parse_text(text, parser="binance_um_funding", columns=FUNDING, options={"interval_hours": 8}, **kw)


def test_binance_funding_floors_calc_time_to_the_settlement_hour(parse_text):
    df = binance(parse_text, BIN_GOOD)
    assert list(df.index) == [ts("2025-10-10 00:00"), ts("2025-10-10 08:00"), ts("2025-10-10 16:00")]
    assert df.loc[ts("2025-10-10 16:00"), "funding_rate"] == 0.00001013  # a fraction already: kept as is
    assert (df["interval_hours"] == 8.0).all()


@pytest.mark.parametrize(
    "bad, match",
    [
        # a stamp 2 s after the hour is not a settlement stamp
        (BIN_GOOD.replace("1760112000014", "1760112002000"), "after the hour"),
        # the 08:00 settlement missing
        (BIN_HDR + "1760054400005,8,0.00000785\n1760112000014,8,0.00001013\n", "expected one every 8h"),
        # 05:00 UTC is off the 8h grid (e.g. a local time written as epoch)
        (BIN_HDR + "1760072400000,8,0.0001\n", "off the 8h grid"),
        # a 4h interval in a file catalogued as 8h
        (BIN_GOOD.replace("1760083200002,8,", "1760083200002,4,"), "funding_interval_hours"),
        (BIN_GOOD.replace("0.00003879", ""), "blank value"),
    ],
)
def test_binance_funding_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        binance(parse_text, bad)


LONG_HDR = "symbol,calc_time,funding_interval_hours,last_funding_rate\n"
LONG_COLS = {"symbol": "text", **FUNDING}


def test_binance_funding_long_keeps_the_interval_per_row(parse_text):
    text = LONG_HDR + (
        "ZILUSDT,1760054400003,4,0.00005\n"  # 00:00 (4h symbol)
        "ZILUSDT,1760068800001,4,-0.00002\n"  # 04:00
        "BTCUSDT,1760054400005,8,0.00000785\n"  # 00:00
        "AAAUSDT,1760058000000,1,0.0001\n"
    )  # 01:00 (1h symbol)
    df = parse_text(text, parser="binance_um_funding_long", columns=LONG_COLS, keys=("symbol",), frequency="irregular")
    assert list(df["symbol"]) == ["BTCUSDT", "ZILUSDT", "AAAUSDT", "ZILUSDT"]  # sorted by (time, symbol)
    assert list(df["interval_hours"]) == [8.0, 4.0, 1.0, 4.0]
    assert df.index[3] == ts("2025-10-10 04:00") and df["funding_rate"].iloc[3] == -0.00002


@pytest.mark.parametrize(
    "row, match",
    [
        ("ZILUSDT,1760061600000,4,0.0001\n", "off the 4h grid"),  # 02:00 for a 4h symbol
        ("ZILUSDT,1760054400000,3,0.0001\n", "expected one of"),  # no 3h interval exists
    ],
)
def test_binance_funding_long_bad_input(parse_text, row, match):
    with raises_data_error(match):
        parse_text(LONG_HDR + row, parser="binance_um_funding_long", columns=LONG_COLS, keys=("symbol",))


HL_HDR = "coin,time_ms,time_utc,funding_rate,premium\n"
HL_COLS = {"coin": "text", **FUNDING, "premium": "fraction"}
HL_GOOD = HL_HDR + (
    "BTC,1753614000006,2025-07-27T11:00:00.006Z,0.0000125,0.0001\n"
    "BTC,1753617710963,2025-07-27T12:01:50.963Z,0.0000125,0.0004463468\n"  # 1 min 51 s late
    "BTC,1753628400001,2025-07-27T15:00:00.001Z,0.00002,-0.0002\n"  # 13:00, 14:00 missing
    "ETH,1753617710963,2025-07-27T12:01:50.963Z,0.0000315059,0.0007520468\n"
)


def hyperliquid(parse_text, text):
    return parse_text(text, parser="hyperliquid_funding", columns=HL_COLS, keys=("coin",), frequency="1h")


def test_hyperliquid_floors_to_the_hour_and_keeps_gaps(parse_text):
    df = hyperliquid(parse_text, HL_GOOD)
    btc = df[df["coin"] == "BTC"]
    assert list(btc.index) == [ts("2025-07-27 11:00"), ts("2025-07-27 12:00"), ts("2025-07-27 15:00")]  # no fill
    assert df.loc[df["coin"] == "ETH", "funding_rate"].item() == 0.0000315059
    assert (df["interval_hours"] == 1.0).all()
    assert btc["premium"].iloc[1] == 0.0004463468


@pytest.mark.parametrize(
    "bad, match",
    [
        (HL_GOOD.replace("2025-07-27T15:00:00.001Z", "2025-07-27T16:00:00.001Z"), "disagrees with 'time_ms'"),
        (
            HL_GOOD.replace("1753628400001,2025-07-27T15:00:00.001Z", "1753628760000,2025-07-27T15:06:00.000Z"),
            "after the hour",
        ),
    ],
)
def test_hyperliquid_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        hyperliquid(parse_text, bad)


BYBIT_HDR = "Symbol,Date,Funding Rate\n"


def bybit(parse_text, text):
    return parse_text(
        text,
        parser="bybit_funding_local",
        columns=FUNDING,
        options={"tz": "Etc/GMT-3", "interval_hours": 8},
        frequency="8h",
    )


def test_bybit_local_utc_plus_3_to_utc(parse_text):
    text = BYBIT_HDR + (
        "BTC-USDT,2021-01-01 03:00:00,0.00034729\n"
        "BTC-USDT,2021-01-01 11:00:00,0.0001\n"
        "BTC-USDT,2021-01-01 19:00:00,-0.0002\n"
    )
    df = bybit(parse_text, text)
    # hand computed: 03:00 at UTC+3 is 00:00 UTC; 19:00 is 16:00 UTC
    assert list(df.index) == [ts("2021-01-01 00:00"), ts("2021-01-01 08:00"), ts("2021-01-01 16:00")]
    assert df["funding_rate"].iloc[0] == 0.00034729


def test_bybit_rows_already_in_utc_are_caught(parse_text):
    # if the file were UTC (00:00 settlement written as 00:00), -3h gives 21:00: off the 8h grid
    with raises_data_error("off the 8h grid"):
        bybit(parse_text, BYBIT_HDR + "BTC-USDT,2021-01-01 00:00:00,0.0001\n")


def test_bybit_missing_settlement(parse_text):
    with raises_data_error("expected one every 8h"):
        bybit(parse_text, BYBIT_HDR + "BTC-USDT,2021-01-01 03:00:00,0.0001\nBTC-USDT,2021-01-01 19:00:00,0.0001\n")


CG_OHLC_HDR = "time,open,high,low,close\n"
CG_FUND_COLS = {"open": FR, "high": FR, "low": FR, "close": FR, "interval_hours": "hours"}


def cg_funding(parse_text, text, hours=8):
    return parse_text(
        text,
        parser="coinglass_funding_ohlc",
        columns=CG_FUND_COLS,
        checks={"ohlc": True},
        options={"interval_hours": hours, "step": "8h"},
        frequency="8h",
    )


def test_coinglass_funding_percent_becomes_a_fraction(parse_text):
    text = CG_OHLC_HDR + (
        "1763107200000,0.01,0.01,-0.005126,-0.00506\n1763136000000,0.007166,0.007166,0.007002,0.007002\n"
    )
    df = cg_funding(parse_text, text)
    assert df.index[1] == ts("2025-11-14 16:00")
    assert df["open"].iloc[0] == pytest.approx(0.0001, rel=1e-12)  # 0.01 % -> 0.0001
    assert df["close"].iloc[1] == pytest.approx(0.00007002, rel=1e-12)
    assert (df["interval_hours"] == 8).all()


def test_coinglass_funding_gap_raises(parse_text):
    text = CG_OHLC_HDR + "1763078400000,0.01,0.01,0.01,0.01\n1763136000000,0.01,0.01,0.01,0.01\n"
    with raises_data_error("expected one bar every 8h"):
        cg_funding(parse_text, text)


# =============================================================================================
# okx.py
# =============================================================================================

OKX_HDR = "date,spot_price,futures_price,basis,funding_rate,open_interest,cvd\n"
OKX_COLS = {
    "spot_price": "USDT",
    "swap_price": "USD",
    "basis_pct": "percent",
    "funding_rate": FR,
    "interval_hours": "hours",
    "oi_contracts": "contracts",
    "oi_usd": "USD",
    "oi_coin": "BTC",
}
OKX_GOOD = OKX_HDR + (
    "2025-10-11 01:00,116969.6,116930.6,-0.033342,6.5e-05,7591231.0,0.016715\n"
    "2025-10-11 02:00:00,108339.4,108539.0,0.184236,-5.2e-05,7739780.0,-0.066251\n"
)


def okx(parse_text, text):
    return parse_text(text, parser="okx_swap_snapshots", columns=OKX_COLS, frequency="1h")


def test_okx_utc_plus_5_conversion_and_units(parse_text):
    df = okx(parse_text, OKX_GOOD)
    # hand computed: 2025-10-11 02:00 in Almaty (UTC+5) = 2025-10-10 21:00 UTC; both date layouts accepted
    assert list(df.index) == [ts("2025-10-10 20:00"), ts("2025-10-10 21:00")]
    row = df.loc[ts("2025-10-10 21:00")]
    assert row["spot_price"] == 108339.4 and row["swap_price"] == 108539.0
    assert row["basis_pct"] == 0.184236 and row["funding_rate"] == -5.2e-05 and row["interval_hours"] == 8
    assert row["oi_contracts"] == 7739780.0
    assert row["oi_usd"] == 773_978_000.0  # 7,739,780 contracts x 100 USD
    assert row["oi_coin"] == pytest.approx(773_978_000.0 / 108539.0, rel=1e-12)  # = 7130.87 BTC
    assert "cvd" not in df.columns


@pytest.mark.parametrize(
    "bad, match",
    [
        (OKX_GOOD.replace("0.184236", "0.00184236"), "not a percent basis"),  # a fraction, not percent
        (OKX_GOOD.replace("2025-10-11 02:00:00", "2025-10-11T02:00:00+05:00"), "unexpected layout"),
        (OKX_GOOD.replace("2025-10-11 02:00:00", "2025-10-11 02:30:00"), "not on the full hour"),
        (OKX_GOOD.replace("7739780.0", ""), "blank value"),
    ],
)
def test_okx_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        okx(parse_text, bad)


# =============================================================================================
# coinglass.py
# =============================================================================================

OHLC_USD = {"open": "USD", "high": "USD", "low": "USD", "close": "USD"}


def test_coinglass_oi_ohlc(parse_text):
    text = CG_OHLC_HDR + (
        "1763121600000,67000000000,67600000000,66900000000,67511888514\n"
        "1763136000000,67511888514,67511888514,67019541606,67130599066.2341\n"
    )
    df = parse_text(
        text, parser="coinglass_ohlc", columns=OHLC_USD, checks={"ohlc": True}, options={"step": "4h"}, frequency="4h"
    )
    assert df.index[-1] == ts("2025-11-14 16:00")
    assert df["close"].iloc[-1] == 67130599066.2341


def test_coinglass_ohlc_bar_off_grid(parse_text):
    text = CG_OHLC_HDR + "1763122000000,1,1,1,1\n"
    with raises_data_error("not on the 4h grid"):
        parse_text(text, parser="coinglass_ohlc", columns=OHLC_USD, options={"step": "4h"})


LIQ_RENAME = {"aggregated_long_liquidation_usd": "liq_long_usd", "aggregated_short_liquidation_usd": "liq_short_usd"}
LIQ_HDR = "time,aggregated_long_liquidation_usd,aggregated_short_liquidation_usd\n"


def test_coinglass_history_renames(parse_text):
    text = LIQ_HDR + "1760112000000,31710380.0,1698083.0\n1760126400000,235601000.5,107461500.0\n"
    df = parse_text(
        text,
        parser="coinglass_history",
        columns={"liq_long_usd": "USD", "liq_short_usd": "USD"},
        options={"rename": LIQ_RENAME, "step": "4h"},
    )
    assert df.loc[ts("2025-10-10 20:00"), "liq_long_usd"] == 235601000.5
    assert df["liq_short_usd"].sum() == 1698083.0 + 107461500.0


def test_coinglass_history_unexpected_column(parse_text):
    text = "time,aggregated_long_liquidation_usd,aggregated_short_liquidation_usd,x\n1760126400000,1,2,3\n"
    with raises_data_error("unexpected column"):
        parse_text(
            text,
            parser="coinglass_history",
            columns={"liq_long_usd": "USD", "liq_short_usd": "USD"},
            options={"rename": LIQ_RENAME, "step": "4h"},
        )


LSR_HDR = "time,global_account_long_percent,global_account_short_percent,global_account_long_short_ratio\n"
LSR_COLS = {"long_pct": "percent", "short_pct": "percent", "long_short_ratio": "ratio"}


def test_coinglass_long_short_ratio(parse_text):
    df = parse_text(
        LSR_HDR + "1763136000000,76.06,23.94,3.18\n",
        parser="coinglass_long_short_ratio",
        columns=LSR_COLS,
        options={"prefix": "global_account"},
    )
    assert df.iloc[0].tolist() == [76.06, 23.94, 3.18]


@pytest.mark.parametrize(
    "row",
    [
        "1763136000000,76.06,24.94,3.18\n",  # long + short != 100
        "1763136000000,23.94,76.06,3.18\n",
    ],
)  # columns swapped
def test_coinglass_long_short_ratio_inconsistent(parse_text, row):
    with raises_data_error("inconsistent"):
        parse_text(
            LSR_HDR + row, parser="coinglass_long_short_ratio", columns=LSR_COLS, options={"prefix": "global_account"}
        )


CHART_HDR = "timestamp,price,BINANCE,CME,CRYPTO.COM\n"
CHART_COLS = {"exchange": "text", "oi_usd": "USD", "price": "USD"}
CHART_GOOD = CHART_HDR + (
    "1763107200000,99000.0,12400000000.0,14000000000.0,1200000000.0\n"
    "1763121600000,97000.5,12450000000.0,13900000000.0,1150000000.0\n"
    "1763136645535,96500.1,12513633449.3674,13881234090.1,1109036679.37699\n"
)


def chart(parse_text, text):
    return parse_text(
        text,
        parser="coinglass_oi_exchange_chart",
        columns=CHART_COLS,
        keys=("exchange",),
        options={"step": "4h", "live_last": True},
        frequency="4h",
    )


def test_coinglass_exchange_chart_wide_to_long(parse_text):
    df = chart(parse_text, CHART_GOOD)
    assert len(df) == 9
    live = ts("2025-11-14 16:10:45.535")  # the live point keeps its real time
    last = df.loc[live]
    assert list(last["exchange"]) == ["BINANCE", "CME", "CRYPTO.COM"]
    assert last.set_index("exchange").loc["CME", "oi_usd"] == 13881234090.1
    assert (last["price"] == 96500.1).all()
    assert df.index[0] == ts("2025-11-14 08:00")


@pytest.mark.parametrize(
    "bad, match",
    [
        (CHART_GOOD.replace("1763121600000", "1763122000000"), "not on the 4h grid"),
        (CHART_GOOD.replace("13900000000.0", ""), "blank value"),
    ],
)
def test_coinglass_exchange_chart_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        chart(parse_text, bad)


OI_LIST_HDR = (
    "exchange,symbol,open_interest_usd,open_interest_quantity,open_interest_by_coin_margin,"
    "open_interest_by_stable_coin_margin,open_interest_quantity_by_coin_margin,"
    "open_interest_quantity_by_stable_coin_margin,open_interest_change_percent_5m,"
    "open_interest_change_percent_15m,open_interest_change_percent_30m,open_interest_change_percent_1h,"
    "open_interest_change_percent_4h,open_interest_change_percent_24h\n"
)
OI_LIST_GOOD = OI_LIST_HDR + (
    "All,BTC,300,3,100,200,1,2,0.1,0.2,0.3,0.4,0.5,0.6\n"
    "Binance,BTC,200,2,50,150,0.5,1.5,-0.03,-0.41,-0.36,-0.11,1.79,-0.35\n"
    "CME,BTC,100,1,50,50,0.5,0.5,0,0,0,0,0,0\n"
)
OI_LIST_COLS = {
    "exchange": "text",
    "oi_usd": "USD",
    "oi_coin": "BTC",
    "oi_usd_coin_margin": "USD",
    "oi_usd_stable_margin": "USD",
    "oi_coin_coin_margin": "BTC",
    "oi_coin_stable_margin": "BTC",
    **{f"oi_change_pct_{w}": "percent" for w in ("5m", "15m", "30m", "1h", "4h", "24h")},
}
SNAP = {"snapshot_time": "2025-11-14T16:19:00+00:00"}


def oi_list(parse_text, text):
    return parse_text(
        text,
        parser="coinglass_oi_exchange_list",
        columns=OI_LIST_COLS,
        keys=("exchange",),
        options={"coin": "BTC", **SNAP},
        frequency="snapshot",
    )


def test_coinglass_oi_exchange_list_drops_the_verified_total(parse_text):
    df = oi_list(parse_text, OI_LIST_GOOD)
    assert list(df["exchange"]) == ["Binance", "CME"]
    assert (df.index == ts("2025-11-14 16:19")).all()
    b = df[df["exchange"] == "Binance"].iloc[0]
    assert (b["oi_usd"], b["oi_coin"], b["oi_coin_stable_margin"], b["oi_change_pct_4h"]) == (200, 2, 1.5, 1.79)


@pytest.mark.parametrize(
    "bad, match",
    [
        (OI_LIST_GOOD.replace("All,BTC,300,3,", "All,BTC,300,3.5,"), "exchanges sum to"),
        (OI_LIST_GOOD.replace("All,", "Total,"), "exactly one 'All' summary row"),
        (OI_LIST_GOOD.replace("CME,BTC", "CME,ETH"), "expected only 'BTC'"),
    ],
)
def test_coinglass_oi_exchange_list_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        oi_list(parse_text, bad)


LIQ_LIST_HDR = "exchange,liquidation_usd,longLiquidation_usd,shortLiquidation_usd\n"
LIQ_LIST_COLS = {"exchange": "text", "liq_usd": "USD", "liq_long_usd": "USD", "liq_short_usd": "USD"}
LIQ_LIST_GOOD = LIQ_LIST_HDR + "All,30.5,20.5,10\nBybit,20,15,5\nBinance,10.5,5.5,5\n"


def test_coinglass_liq_exchange_list(parse_text):
    df = parse_text(
        LIQ_LIST_GOOD, parser="coinglass_liq_exchange_list", columns=LIQ_LIST_COLS, keys=("exchange",), options=SNAP
    )
    assert df.set_index("exchange").loc["Binance"].tolist() == [10.5, 5.5, 5.0]
    assert "All" not in set(df["exchange"])


@pytest.mark.parametrize(
    "bad, match",
    [
        (LIQ_LIST_GOOD.replace("Bybit,20,15,5", "Bybit,20,14,5"), "long \\+ short"),
        (LIQ_LIST_GOOD.replace("All,30.5,20.5,10", "All,31.5,21.5,10"), "exchanges sum to"),
    ],
)
def test_coinglass_liq_exchange_list_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        parse_text(bad, parser="coinglass_liq_exchange_list", columns=LIQ_LIST_COLS, keys=("exchange",), options=SNAP)


TAKER_HDR = "symbol,buy_ratio,sell_ratio,buy_vol_usd,sell_vol_usd,exchange_list\n"
TAKER_COLS = {
    "exchange": "text",
    "buy_ratio_pct": "percent",
    "sell_ratio_pct": "percent",
    "taker_buy_usd": "USD",
    "taker_sell_usd": "USD",
}
TAKER_GOOD = TAKER_HDR + (
    "BTC,48.0,52.0,300.0,320.0,\"{'buy_ratio': 48.08, 'buy_vol_usd': 200.0, 'exchange': 'Binance', "
    "'sell_ratio': 51.92, 'sell_vol_usd': 216.0}\"\n"
    "BTC,48.0,52.0,300.0,320.0,\"{'buy_ratio': 49.02, 'buy_vol_usd': 100.0, 'exchange': 'OKX', "
    "'sell_ratio': 50.98, 'sell_vol_usd': 104.0}\"\n"
)


def taker_list(parse_text, text):
    return parse_text(
        text,
        parser="coinglass_taker_exchange_list",
        columns=TAKER_COLS,
        keys=("exchange",),
        options={"coin": "BTC", **SNAP},
        frequency="snapshot",
    )


def test_coinglass_taker_exchange_list(parse_text):
    df = taker_list(parse_text, TAKER_GOOD).set_index("exchange")
    assert df.loc["OKX"].tolist() == [49.02, 50.98, 100.0, 104.0]
    assert df["taker_buy_usd"].sum() == 300.0


@pytest.mark.parametrize(
    "bad, match",
    [
        (TAKER_GOOD.replace("'buy_vol_usd': 100.0", "'buy_vol_usd': 90.0"), "sum to"),
        (
            TAKER_GOOD.replace(
                "BTC,48.0,52.0,300.0,320.0,\"{'buy_ratio': 49.02", "BTC,48.0,52.0,301.0,320.0,\"{'buy_ratio': 49.02"
            ),
            "differ between rows",
        ),
        (TAKER_GOOD.replace("{'buy_ratio': 49.02", "{'buy_ratio' 49.02"), "not a dict literal"),
    ],
)
def test_coinglass_taker_exchange_list_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        taker_list(parse_text, bad)


# =============================================================================================
# derivs.py
# =============================================================================================

OI_HDR = (
    "date,btc_oi_value_usd,eth_oi_value_usd,btcusdt_oi_value_usd_x,ethusdt_oi_value_usd_x,"
    "btcusdt_oi_value_usd_y,ethusdt_oi_value_usd_y,btcusdt_oi_value_usd,ethusdt_oi_value_usd\n"
)
OI_SYMBOLS = {
    "BTCUSDT": ["btc_oi_value_usd", "btcusdt_oi_value_usd_x", "btcusdt_oi_value_usd_y", "btcusdt_oi_value_usd"],
    "ETHUSDT": ["eth_oi_value_usd", "ethusdt_oi_value_usd_x", "ethusdt_oi_value_usd_y", "ethusdt_oi_value_usd"],
}
OI_GOOD = OI_HDR + (
    "2025-11-13,8736888776.5278,5845471573.6696,,,,,,\n"
    "2025-11-22,8373797978.356544,5169739413.244982,8373797978.356544,5169739413.244982,"
    "8373797978.356544,5169739413.244982,8373797978.3565445,5169739413.244982\n"
    "2025-12-17,,,,,,,7781357231.2476,5844571794.084717\n"
)


def binance_oi(parse_text, text):
    return parse_text(
        text,
        parser="binance_oi_hist_merged",
        columns={"symbol": "text", "oi_usd": "USDT"},
        keys=("symbol",),
        options={"symbols": OI_SYMBOLS},
    )


def test_binance_oi_takes_the_first_non_blank_copy(parse_text):
    df = binance_oi(parse_text, OI_GOOD)
    assert len(df) == 6 and list(df["symbol"][:2]) == ["BTCUSDT", "ETHUSDT"]
    btc = df[df["symbol"] == "BTCUSDT"]["oi_usd"]
    assert btc.loc[ts("2025-11-13")] == 8736888776.5278
    assert btc.loc[ts("2025-11-22")] == 8373797978.356544  # the last copy differs by 1 ulp only: accepted
    assert btc.loc[ts("2025-12-17")] == 7781357231.2476  # only the last copy is filled


@pytest.mark.parametrize(
    "bad, match",
    [
        (OI_GOOD.replace("8373797978.3565445", "8373797979.0"), "contradicts the first non-blank value"),
        (OI_GOOD.replace("2025-12-17,,,,,,,7781357231.2476", "2025-12-17,,,,,,,"), "no value in any of"),
    ],
)
def test_binance_oi_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        binance_oi(parse_text, bad)


CZ_HDR = "rank,coin_name,coin_symbol,symbol,date,timestamp,oi_open,oi_high,oi_low,oi_close\n"
CZ_COLS = {"symbol": "text", "coin": "text", **OHLC_USD}
CZ_GOOD = CZ_HDR + (
    "1,Bitcoin,BTC,BTCUSD_PERP.A,2025-10-10,1760054400,2565772000.0,2622715400.0,2374037500.0,2411693700.0\n"
    "1,Bitcoin,BTC,BTCUSD_PERP.A,2025-10-11,1760140800,2411706100.0,2435610200.0,2398924600.0,2410495500.0\n"
    "2,Ethereum,ETH,ETHUSD_PERP.A,2025-10-10,1760054400,1158812070.0,1212241310.0,1021149820.0,1023451830.0\n"
)


def coinalyze(parse_text, text):
    return parse_text(text, parser="coinalyze_oi_daily", columns=CZ_COLS, keys=("symbol",), checks={"ohlc": True})


def test_coinalyze_oi(parse_text):
    df = coinalyze(parse_text, CZ_GOOD)
    assert list(df["symbol"]) == ["BTCUSD_PERP.A", "ETHUSD_PERP.A", "BTCUSD_PERP.A"]
    assert df.loc[ts("2025-10-10")].set_index("coin").loc["ETH", "low"] == 1021149820.0


@pytest.mark.parametrize(
    "bad, match",
    [
        (CZ_GOOD.replace("2025-10-11,1760140800", "2025-10-11,1760144400"), "is not the day start"),
        (CZ_GOOD.replace("2025-10-11,1760140800", "2025-10-12,1760227200"), "missing day"),
    ],
)
def test_coinalyze_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        coinalyze(parse_text, bad)


BFX_HDR = "coin,series,timestamp_ms,timestamp_utc,value\n"
BFX_COLS = {"coin": "text", "series": "text", "value": "coin (longs, shorts) / USD (price)"}
BFX_GOOD = BFX_HDR + (
    "btc,longs,1763964000000,2025-11-24T06:00:00Z,70533.23747694\n"
    "btc,longs,1763967600000,2025-11-24T07:00:00Z,70561.46209272\n"
    "btc,shorts,1763964000000,2025-11-24T06:00:00Z,536.09607983\n"
    "btc,price,1763964000000,2025-11-24T06:00:00Z,87085\n"
)


def bitfinex(parse_text, text):
    return parse_text(text, parser="bitfinex_margin_long", columns=BFX_COLS, keys=("coin", "series"))


def test_bitfinex_long_format(parse_text):
    df = bitfinex(parse_text, BFX_GOOD)
    assert list(df["series"]) == ["longs", "price", "shorts", "longs"]  # sorted by (time, coin, series)
    first = df.loc[ts("2025-11-24 06:00")].set_index("series")["value"]
    assert first.to_dict() == {"longs": 70533.23747694, "price": 87085.0, "shorts": 536.09607983}


@pytest.mark.parametrize(
    "bad, match",
    [
        (BFX_GOOD.replace("btc,price", "btc,funding"), "unknown series"),
        (BFX_GOOD.replace("2025-11-24T07:00:00Z", "2025-11-24T08:00:00Z"), "disagrees with 'timestamp_ms'"),
        (BFX_GOOD + "btc,longs,1763964000000,2025-11-24T06:00:00Z,1\n", "not sorted|duplicate"),
    ],
)
def test_bitfinex_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        bitfinex(parse_text, bad)


CME_HDR = (
    "date,spot_btc_usd_close_yahoo,cme_btc_front_month_close_yahoo_BTC_F,basis_pct_5d_centered_mean,basis_zscore_730d\n"
)
CME_COLS = {"spot_close": "USD", "futures_close": "USD"}
CME_GOOD = CME_HDR + (
    "2025-10-10,113214.3672,116990.0,0.9553,1.323\n"  # Friday
    "2025-10-11,110807.8828,,,\n"  # Saturday: no CME close
    "2025-10-13,115271.0781,116380.0,0.1,1.373\n"
)  # Monday


def cme(parse_text, text):
    return parse_text(text, parser="cme_vs_spot_daily", columns=CME_COLS, checks={"nullable": ["futures_close"]})


def test_cme_keeps_only_the_two_closes(parse_text):
    df = cme(parse_text, CME_GOOD)
    assert list(df.columns) == ["spot_close", "futures_close"]  # the centred basis is not exposed
    assert df.loc[ts("2025-10-10"), "futures_close"] == 116990.0
    assert np.isnan(df.loc[ts("2025-10-11"), "futures_close"])
    assert df.loc[ts("2025-10-11"), "spot_close"] == 110807.8828


@pytest.mark.parametrize(
    "bad, match",
    [
        (CME_GOOD.replace("2025-10-11,110807.8828,,,", "2025-10-11,110807.8828,111000.0,,"), "on a weekend day"),
        (CME_GOOD.replace("115271.0781", ""), "blank value"),
    ],
)
def test_cme_bad_input(parse_text, bad, match):
    with raises_data_error(match):
        cme(parse_text, bad)


# =============================================================================================
# the real snapshot (crypto_derivs/SOURCES.md)
# =============================================================================================

COVERAGE = [
    # id, rows, first, last  (all from SOURCES.md; UTC)
    ("btc_funding_binance_8h", 7119, "2020-01-01 00:00", "2026-06-30 16:00"),
    ("eth_funding_binance_8h", 7119, "2020-01-01 00:00", "2026-06-30 16:00"),
    ("funding_binance_allsymbols", 222922, "2020-01-01 00:00", "2026-06-30 20:00"),
    ("funding_hyperliquid_1h", 24384, "2024-01-01 00:00", "2025-12-28 23:00"),
    ("btc_funding_bybit_8h", 3285, "2021-01-01 00:00", "2023-12-31 16:00"),  # 03:00 / 19:00 local UTC+3
    ("eth_funding_bybit_8h", 3285, "2021-01-01 00:00", "2023-12-31 16:00"),
    ("btc_okx_swap_1h", 6406, "2025-03-25 07:00", "2026-01-21 15:00"),  # 12:00 / 20:00 local UTC+5
    ("oi_binance_1d", 80, "2025-11-08", "2025-12-17"),  # 40 dates x 2 symbols
    ("oi_coinalyze_1d", 3006, "2021-09-15", "2025-10-26"),
    ("bitfinex_margin_90d", 19440, "2025-11-24 06:00", "2026-02-22 05:00"),
    ("bitfinex_margin_1y", 21570, "2025-02-22 06:00", "2026-02-22 05:00"),
    ("bitfinex_margin_3y", 15785, "2023-02-23 06:00", "2026-02-22 05:00"),
    ("btc_cme_basis_1d", 3076, "2017-12-01", "2026-05-04"),
    ("coinglass_oi_agg_btc_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_oi_agg_eth_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_oi_coinm_btc_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_oi_stablem_eth_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_liq_btc_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_liq_eth_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_funding_btc_binance_8h", 553, "2025-05-14 16:00", "2025-11-14 16:00"),
    ("coinglass_funding_eth_okx_8h", 553, "2025-05-14 16:00", "2025-11-14 16:00"),
    ("coinglass_funding_btc_oiw_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_lsr_top_position_btc_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_taker_btc_4h", 1080, "2025-05-18 20:00", "2025-11-14 16:00"),
    ("coinglass_taker_eth_1d", 184, "2025-05-15", "2025-11-14"),
    ("coinglass_oi_by_exchange_btc_4h", 31 * 21, "2025-11-09 16:00", "2025-11-14 16:10:45.535"),
    ("coinglass_oi_exchange_list_btc", 21, "2025-11-14 16:19", "2025-11-14 16:19"),  # 22 rows minus 'All'
    ("coinglass_liq_exchange_list_btc", 9, "2025-11-14 16:19", "2025-11-14 16:19"),  # 10 rows minus 'All'
    ("coinglass_taker_exchange_list_eth", 20, "2025-11-14 16:19", "2025-11-14 16:19"),
]


@pytest.mark.parametrize("dataset_id, rows, first, last", COVERAGE)
def test_snapshot_rows_and_coverage(snapshot, dataset_id, rows, first, last):
    df = mdata.load(dataset_id)
    assert len(df) == rows
    assert df.index[0] == ts(first) and df.index[-1] == ts(last)


def in_window(df, end="2026-02-01"):
    return df[(df.index >= ts("2025-09-01")) & (df.index < ts(end))]


def test_snapshot_binance_btc_funding_settlement(snapshot):
    df = mdata.load("btc_funding_binance_8h")
    # file row "1760112000014,8,0.00001013": calc_time 2025-10-10 16:00:00.014 UTC, floored to 16:00
    assert df.loc[ts("2025-10-10 16:00"), "funding_rate"] == 0.00001013
    assert df.loc[ts("2025-10-11 00:00"), "funding_rate"] == 0.0001
    # last row 1782835200005 (2026-06-30 16:00:00.005) -> 16:00 exactly; every time on the 8h grid
    assert df.loc[ts("2026-06-30 16:00"), "funding_rate"] == 0.00003327
    assert (df.index == df.index.floor("8h")).all()
    assert len(in_window(df)) == 459 and len(in_window(mdata.load("eth_funding_binance_8h"))) == 459


def test_snapshot_binance_allsymbols(snapshot):
    df = mdata.load("funding_binance_allsymbols")
    assert df["symbol"].nunique() == 63
    assert df["interval_hours"].value_counts().to_dict() == {8.0: 213593, 4.0: 9023, 1.0: 207, 2.0: 99}
    btc = df[df["symbol"] == "BTCUSDT"]["funding_rate"]
    pd.testing.assert_series_equal(btc, mdata.load("btc_funding_binance_8h")["funding_rate"])


def test_snapshot_hyperliquid_holes_are_not_filled(snapshot):
    df = mdata.load("funding_hyperliquid_1h")
    for coin in ("BTC", "ETH"):
        t = df.index[df["coin"] == coin]
        assert len(t) == 12192
        assert len(in_window(df[df["coin"] == coin])) == 1976
        step = pd.Series(t[1:] - t[:-1], index=t[1:])
        holes = step[step > pd.Timedelta("1h")]
        starts = [str((end - gap).tz_localize(None)) for end, gap in holes.items() if end >= ts("2025-09-01")]
        assert starts == ["2025-09-12 19:00:00", "2025-10-12 19:00:00", "2025-11-11 19:00:00", "2025-12-11 19:00:00"]
        assert ts("2025-11-21 00:00") in t and ts("2025-11-20 23:00") not in t
    assert (df["interval_hours"] == 1).all()


def test_snapshot_okx_utc_conversion_and_spot_value(snapshot):
    df = mdata.load("btc_okx_swap_1h")
    # SOURCES.md: the row "2025-10-11 02:00" (UTC+5) shows spot 108,339 = the 10 Oct ~21:00 UTC crash
    row = df.loc[ts("2025-10-10 21:00")]
    assert row["spot_price"] == 108339.4
    assert row["oi_usd"] == row["oi_contracts"] * 100
    assert len(df[df.index >= ts("2025-09-01")]) == 3120
    per_local_day = (
        pd.Series(1, index=df.index + pd.Timedelta(hours=5)).loc["2025-09-01":].groupby(lambda t: t.date()).size()
    )
    assert per_local_day.min() == 16 and per_local_day.max() == 23  # SOURCES.md: every day 16-23 rows


def test_snapshot_okx_offset_against_binance_spot(snapshot):
    """Independent check of UTC+5: OKX spot snapshots fall inside the Binance 1h bar at -5h far more
    often than at -4h or -6h (98.6 % vs ~74 %)."""
    path = Path(snapshot) / "crypto_spot" / "binance_spot_BTCUSDT_1h_2024-2026.csv.gz"
    if not path.is_file():
        pytest.skip("Binance 1h spot file not in this snapshot")
    okx_local = mdata.load("btc_okx_swap_1h")["spot_price"]
    okx_local.index = okx_local.index + pd.Timedelta(hours=5)  # back to the file's UTC+5 labels
    bars = pd.read_csv(path, parse_dates=["timestamp"]).set_index("timestamp")
    bars.index = bars.index.tz_localize(UTC)
    share = {}
    for shift in (4, 5, 6):
        b = bars.reindex(okx_local.index - pd.Timedelta(hours=shift))
        inside = (okx_local.to_numpy() >= b["low"].to_numpy() * 0.9995) & (
            okx_local.to_numpy() <= b["high"].to_numpy() * 1.0005
        )
        share[shift] = inside.mean()
    assert share[5] > 0.97 and share[4] < 0.8 and share[6] < 0.8


def test_snapshot_binance_oi(snapshot):
    df = mdata.load("oi_binance_1d")
    btc = df[df["symbol"] == "BTCUSDT"]["oi_usd"]
    assert len(btc) == 40
    assert btc.loc[ts("2025-11-21")] == 9097192182.318638
    assert btc.loc[ts("2025-12-17")] == 7781357231.2476


def test_snapshot_coinalyze_and_bitfinex(snapshot):
    cz = mdata.load("oi_coinalyze_1d")
    assert cz["symbol"].value_counts().to_dict() == {"BTCUSD_PERP.A": 1503, "ETHUSD_PERP.A": 1503}
    assert cz.loc[ts("2025-10-10")].set_index("symbol").loc["BTCUSD_PERP.A", "close"] == 2411693700.0
    bfx = in_window(mdata.load("bitfinex_margin_1y"))
    counts = bfx.groupby(["coin", "series"]).size()
    assert counts.loc[("btc", "longs")] == 1047 and counts.loc[("eth", "shorts")] == 1047
    b90 = mdata.load("bitfinex_margin_90d")
    assert b90[(b90["coin"] == "btc") & (b90["series"] == "longs")]["value"].iloc[0] == 70533.23747694


def test_snapshot_cme(snapshot):
    df = mdata.load("btc_cme_basis_1d")
    w = in_window(df)
    assert len(w) == 153 and w["futures_close"].notna().sum() == 105
    assert ts("2026-05-03") not in df.index  # the one missing date
    assert df.loc[ts("2025-11-21")].tolist() == [85090.6875, 84600.0]
    assert df.loc[df.index.day_of_week >= 5, "futures_close"].isna().all()


def test_snapshot_coinglass_spot_values(snapshot):
    oi = mdata.load("coinglass_oi_agg_btc_4h")
    assert oi["close"].iloc[-1] == 67130599066.2341  # SOURCES.md: ~6.71e10 on 2025-11-14
    lst = mdata.load("coinglass_oi_exchange_list_btc")
    assert lst["oi_usd"].sum() == pytest.approx(oi["close"].iloc[-1], rel=1e-9)  # == the dropped 'All' row
    binance = lst.set_index("exchange").loc["Binance"]
    # coin-margin history = Binance COIN-M in USD; stablecoin history = Binance in BTC (not USD)
    assert mdata.load("coinglass_oi_coinm_btc_4h")["close"].iloc[-1] == pytest.approx(
        binance["oi_usd_coin_margin"], rel=1e-4
    )
    assert mdata.load("coinglass_oi_stablem_btc_4h")["close"].iloc[-1] == pytest.approx(
        binance["oi_coin_stable_margin"], rel=1e-3
    )
    liq = mdata.load("coinglass_liq_btc_4h").loc["2025-10-10"].sum()
    # SOURCES.md: $286m long + $117m short on 10 Oct 2025, i.e. about $0.4bn: Binance-only
    assert liq["liq_long_usd"] == pytest.approx(286.43e6, rel=1e-3)
    assert liq["liq_short_usd"] == pytest.approx(117.26e6, rel=1e-3)
    for dataset_id in (
        "coinglass_liq_btc_4h",
        "coinglass_liq_eth_4h",
        "coinglass_oi_agg_btc_4h",
        "coinglass_oi_agg_eth_4h",
    ):
        assert mdata.load(dataset_id).index.max() == ts("2025-11-14 16:00")  # nothing after 2025-11-14


@pytest.mark.parametrize("coin, n_exact", [("btc", 94), ("eth", 91)])
def test_snapshot_coinglass_funding_units_match_binance_settlements(snapshot, coin, n_exact):
    """CoinGlass percent / 100 is on the scale of Binance's settled fractions, at the same 8h times."""
    cg = mdata.load(f"coinglass_funding_{coin}_binance_8h")["close"]
    settled = mdata.load(f"{coin}_funding_binance_8h")["funding_rate"].reindex(cg.index)
    assert settled.notna().all() and len(cg) == 553
    assert 0.95 < cg.mean() / settled.mean() < 1.10  # would be ~100 with the percent left in
    assert (cg - settled).abs().median() < 4e-5
    exact = np.isclose(cg, settled, rtol=0, atol=1e-12)
    # the exact agreements are all at the 0.01 %/8h baseline: 0.01 (CoinGlass) == 0.0001 (Binance)
    assert exact.sum() == n_exact and np.allclose(cg[exact], 1e-4, rtol=0, atol=1e-12)


def test_snapshot_coinglass_hyperliquid_is_per_hour(snapshot):
    cg = mdata.load("coinglass_funding_btc_hyperliquid_8h")
    hl = mdata.load("funding_hyperliquid_1h")
    hl_btc = hl[hl["coin"] == "BTC"].loc["2025-05-14":"2025-11-14", "funding_rate"]
    assert (cg["interval_hours"] == 1).all()
    assert cg["close"].median() == pytest.approx(1.25e-5, rel=1e-9) == hl_btc.median()
