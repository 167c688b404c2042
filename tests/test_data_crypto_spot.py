"""Crypto spot/perp klines, CoinGecko panels and Gemini trades: parsers on fixtures, and the real snapshot.

Catalog files: ``mktlib/data/catalog/crypto_spot.yaml`` and ``gaps_crypto_intraday.yaml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import raises_data_error

from mktlib import data as mdata
from mktlib.data.catalog import catalog

UTC = "UTC"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


OHLC_U = {"open": "USDT", "high": "USDT", "low": "USDT", "close": "USDT"}
OHLCV_U = {**OHLC_U, "volume": "BTC"}
FULL_U = {**OHLCV_U, "quote_volume": "USDT", "trades": "count", "taker_buy_base": "BTC", "taker_buy_quote": "USDT"}
ISO_U = {**OHLCV_U, "quote_volume": "USDT", "trades": "count"}
CHK = {"ohlc": True, "positive": ["open", "high", "low", "close"]}

# 2025-10-10 00:00 UTC = 1760054400000 ms; 4h = 14400000 ms
T0, T1, T2 = 1760054400000, 1760068800000, 1760083200000

# --- kline_binance_epoch (RonaldLu66 layout: taker_base/taker_quote + ignore) ---------------------

RL_HEAD = "open_time,open,high,low,close,volume,close_time,quote_volume,trades,taker_base,taker_quote,ignore\n"
RL_GOOD = (
    RL_HEAD
    + f"{T0},100.5,110,90,105,2.5,{T1 - 1},250.0,42,1.25,125.0,0\n"
    + f"{T1},105,106,95,96.5,1.0,{T2 - 1},100.0,7,0.5,50.0,0\n"
)


def rl(parse_text, text, **opts):
    return parse_text(
        text,
        parser="kline_binance_epoch",
        columns=FULL_U,
        checks=CHK,
        frequency="4h",
        options={"bar": "4h", "taker_columns": ["taker_base", "taker_quote"], **opts},
    )


def test_binance_epoch_known_values(parse_text):
    df = rl(parse_text, RL_GOOD)
    assert list(df.columns) == list(FULL_U)  # close_time and ignore dropped, taker columns renamed
    assert list(df.index) == [ts("2025-10-10 00:00"), ts("2025-10-10 04:00")]
    assert df.loc[ts("2025-10-10 00:00"), "open"] == 100.5
    assert df["trades"].dtype == np.int64 and df["trades"].tolist() == [42, 7]
    assert df["taker_buy_base"].tolist() == [1.25, 0.5]
    assert df["taker_buy_quote"].tolist() == [125.0, 50.0]
    assert df["quote_volume"].sum() == 350.0


def test_binance_epoch_wrong_close_time_raises(parse_text):
    bad = RL_GOOD.replace(f"{T2 - 1},", f"{T2},")  # close_time one ms late
    with raises_data_error(r"close_time 2025-10-10 08:00:00\+00:00 != open_time \+ 4h - 1 ms"):
        rl(parse_text, bad)


def test_binance_epoch_one_day_bar_checked_with_1D(parse_text):
    # the same file read as daily bars fails: the close times are 4h apart
    with raises_data_error("!= open_time \\+ 1D - 1 ms"):
        rl(parse_text, RL_GOOD, bar="1D")


def test_binance_epoch_short_bar_must_be_listed(parse_text):
    short = RL_GOOD.replace(f"{T2 - 1},", f"{T1 + 58146},")  # halted after 58 s
    with raises_data_error("!= open_time"):
        rl(parse_text, short)
    df = rl(parse_text, short, short_bars=["2025-10-10 04:00"])
    assert len(df) == 2 and df["close"].iloc[1] == 96.5
    # a listed bar that is full length, or absent, is an error too: the list must be exact
    with raises_data_error("listed in short_bars but is full length"):
        rl(parse_text, RL_GOOD, short_bars=["2025-10-10 04:00"])
    with raises_data_error("not a bar of the file"):
        rl(parse_text, short, short_bars=["2025-10-10 04:00", "2025-10-10 08:00"])


def test_binance_epoch_short_bar_outside_the_bar_raises(parse_text):
    before_open = RL_GOOD.replace(f"{T2 - 1},", f"{T1 - 5},")
    with raises_data_error("outside the bar"):
        rl(parse_text, before_open, short_bars=["2025-10-10 04:00"])


def test_binance_epoch_seconds_instead_of_ms_raises(parse_text):
    with raises_data_error("wrong unit"):
        rl(parse_text, RL_GOOD.replace(f"{T0},", f"{T0 // 1000},"))


# ETH fullcols layout (zhuxice-ctrl): datetime text next to epoch open_time, taker_buy_* names, no ignore
ZX_HEAD = (
    "open_time,datetime,open,high,low,close,volume,close_time,quote_volume,trades,taker_buy_base,taker_buy_quote\n"
)
ZX_GOOD = (
    ZX_HEAD
    + f"{T0},2025-10-10 00:00:00,4000,4100,3900,4050,10,{T1 - 1},40500,1000,6,24300\n"
    + f"{T1},2025-10-10 04:00:00,4050,4060,3435,3500,20,{T2 - 1},75000,2000,8,30000\n"
)


def zx(parse_text, text):
    cols = {**FULL_U, "volume": "ETH", "taker_buy_base": "ETH"}
    return parse_text(
        text,
        parser="kline_binance_epoch",
        columns=cols,
        checks=CHK,
        frequency="4h",
        options={"bar": "4h", "datetime_column": "datetime"},
    )


def test_binance_epoch_datetime_column_known_values(parse_text):
    df = zx(parse_text, ZX_GOOD)
    assert df.index[1] == ts("2025-10-10 04:00") and df["low"].iloc[1] == 3435.0
    assert "datetime" not in df.columns and df["taker_buy_quote"].tolist() == [24300.0, 30000.0]


def test_binance_epoch_datetime_disagreeing_with_open_time_raises(parse_text):
    # a datetime rendered in UTC+8 (a classic upstream mistake) must not pass
    with raises_data_error(r"'datetime' '2025-10-10 12:00:00' disagrees with 'open_time'"):
        zx(parse_text, ZX_GOOD.replace("2025-10-10 04:00:00", "2025-10-10 12:00:00"))


def test_binance_epoch_missing_datetime_column_raises(parse_text):
    with raises_data_error(r"missing column\(s\) \['datetime'\]"):
        zx(parse_text, ZX_GOOD.replace(",datetime,", ",dt,"))


# --- kline_binance_iso (jirayuwannagul layout) ----------------------------------------------------

ISO_HEAD = "open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades\n"
ISO_GOOD = (
    ISO_HEAD
    + "2025-10-10 00:00:00+00:00,2.8,2.9,2.3,2.4,1000.5,2025-10-10 23:59:59.999000+00:00,2500.25,321\n"
    + "2025-10-11 00:00:00+00:00,2.4,2.5,2.35,2.45,800,2025-10-11 23:59:59.999000+00:00,1950,123\n"
)


def iso(parse_text, text, **opts):
    return parse_text(text, parser="kline_binance_iso", columns=ISO_U, checks=CHK, options={"bar": "1D", **opts})


def test_binance_iso_known_values(parse_text):
    df = iso(parse_text, ISO_GOOD)
    assert list(df.columns) == list(ISO_U)
    assert list(df.index) == [ts("2025-10-10"), ts("2025-10-11")]
    assert df["low"].iloc[0] == 2.3 and df["quote_volume"].iloc[0] == 2500.25
    assert df["trades"].tolist() == [321, 123] and df["trades"].dtype == np.int64


def test_binance_iso_other_offset_raises(parse_text):
    with raises_data_error(r"expected offset \+00:00, got '2025-10-11 00:00:00\+08:00'"):
        iso(parse_text, ISO_GOOD.replace("2025-10-11 00:00:00+00:00", "2025-10-11 00:00:00+08:00"))


def test_binance_iso_naive_text_raises(parse_text):
    with raises_data_error("expected offset"):
        iso(parse_text, ISO_GOOD.replace("2025-10-11 00:00:00+00:00", "2025-10-11 00:00:00"))


def test_binance_iso_wrong_close_time_raises(parse_text):
    with raises_data_error("!= open_time \\+ 1D - 1 ms"):
        iso(parse_text, ISO_GOOD.replace("2025-10-11 23:59:59.999000", "2025-10-11 19:59:59.999000"))


def test_binance_iso_weekly_bars(parse_text):
    text = (
        ISO_HEAD
        + "2025-10-06 00:00:00+00:00,230,240,170,200,5,2025-10-12 23:59:59.999000+00:00,1000,9\n"
        + "2025-10-13 00:00:00+00:00,200,210,190,205,4,2025-10-19 23:59:59.999000+00:00,820,8\n"
    )
    df = iso(parse_text, text, bar="7D")
    assert df.index[1] == ts("2025-10-13") and df.index[1].day_name() == "Monday"
    with raises_data_error("!= open_time"):
        iso(parse_text, text, bar="1D")


def test_binance_iso_non_integer_trade_count_raises(parse_text):
    with raises_data_error("non-integer count '321.5'"):
        iso(parse_text, ISO_GOOD.replace(",321\n", ",321.5\n"))


# --- kline_epoch_datetime (perp 1h) ---------------------------------------------------------------

H0, H1 = 1760137200000, 1760140800000  # 2025-10-10 23:00 and 2025-10-11 00:00 UTC
PERP_GOOD = (
    "timestamp,datetime,open,high,low,close,volume\n"
    f"{H0},2025-10-10 23:00:00,3800,3850,3700,3750,1000.5\n"
    f"{H1},2025-10-11 00:00:00,3750,3790,3720,3760,900\n"
)


def perp(parse_text, text):
    return parse_text(
        text, parser="kline_epoch_datetime", columns={**OHLCV_U, "volume": "ETH"}, checks=CHK, frequency="1h"
    )


def test_epoch_datetime_known_values(parse_text):
    df = perp(parse_text, PERP_GOOD)
    assert list(df.index) == [ts("2025-10-10 23:00"), ts("2025-10-11 00:00")]
    assert list(df.columns) == ["open", "high", "low", "close", "volume"]
    assert df["volume"].iloc[0] == 1000.5


def test_epoch_datetime_disagreement_raises(parse_text):
    with raises_data_error(r"'datetime' '2025-10-11 01:00:00' disagrees with 'timestamp'.*data row 2"):
        perp(parse_text, PERP_GOOD.replace("2025-10-11 00:00:00", "2025-10-11 01:00:00"))


# --- kline_mark_price -----------------------------------------------------------------------------

M5 = 300000
MARK_HEAD = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore\n"
)
MARK_GOOD = (
    MARK_HEAD
    + f"{T0},121000.5,121100.0,120900.25,121050.0,0,{T0 + M5 - 1},0,300,0,0,0\n"
    + f"{T0 + M5},121050.0,121060.0,101877.69,102000.1,0,{T0 + 2 * M5 - 1},0,298,0,0,0\n"
)


def mark(parse_text, text, bar="5min"):
    return parse_text(text, parser="kline_mark_price", columns=OHLC_U, checks=CHK, frequency="5m", options={"bar": bar})


def test_mark_price_known_values(parse_text):
    df = mark(parse_text, MARK_GOOD)
    assert list(df.columns) == ["open", "high", "low", "close"]  # OHLC only
    assert df.index[1] == ts("2025-10-10 00:05") and df["low"].iloc[1] == 101877.69


def test_mark_price_nonzero_volume_raises(parse_text):
    bad = MARK_GOOD.replace(f"{T0 + M5 - 1},0,300", f"{T0 + M5 - 1},12.5,300")
    with raises_data_error("'quote_volume' is '12.5'.*not a mark-price kline"):
        mark(parse_text, bad)


def test_mark_price_wrong_bar_length_raises(parse_text):
    with raises_data_error("!= open_time \\+ 1min - 1 ms"):
        mark(parse_text, MARK_GOOD, bar="1min")


# --- kline_lbank ----------------------------------------------------------------------------------

LB_HEAD = "timestamp,open,high,low,close,volume,exchange,symbol\n"
LB_GOOD = (
    LB_HEAD
    + "2025-11-21 12:23:00,2630.5,2631.0,2625.0,2626.0,10.5,lbank,ETH/USDT\n"
    # open = previous close 2626.0 lies above this bar's high: LBank convention, accepted
    + "2025-11-21 12:24:00,2626.0,2625.9,2623.67,2624.0,20.25,lbank,ETH/USDT\n"
)
LB_COLS = {**OHLCV_U, "volume": "ETH"}
LB_CHK = {"ohlc": {"tol": 0.001}, "positive": ["open", "high", "low", "close"]}


def lbank(parse_text, text, **opts):
    return parse_text(
        text,
        parser="kline_lbank",
        columns=LB_COLS,
        checks=LB_CHK,
        frequency="1m",
        options={"exchange": "lbank", "symbol": "ETH/USDT", **opts},
    )


def test_lbank_known_values(parse_text):
    df = lbank(parse_text, LB_GOOD)
    assert list(df.columns) == list(LB_COLS)  # exchange/symbol dropped
    assert df.index[1] == ts("2025-11-21 12:24") and df["low"].iloc[1] == 2623.67
    assert df["open"].iloc[1] > df["high"].iloc[1]  # kept as upstream, not clipped


def test_lbank_open_outside_range_fails_strict_ohlc_check(parse_text):
    # without the tolerance the open = previous close quirk is caught by validation
    with raises_data_error("OHLC inconsistent at 2025-11-21 12:24"):
        parse_text(
            LB_GOOD,
            parser="kline_lbank",
            columns=LB_COLS,
            checks=CHK,
            options={"exchange": "lbank", "symbol": "ETH/USDT"},
        )


def test_lbank_close_outside_range_raises(parse_text):
    with raises_data_error("close/low/high inconsistent at 2025-11-21 12:24"):
        lbank(parse_text, LB_GOOD.replace("2623.67,2624.0", "2623.67,2623.6"))


def test_lbank_other_symbol_raises(parse_text):
    with raises_data_error("column 'symbol' is 'BTC/USDT' at data row 2, expected 'ETH/USDT'"):
        lbank(parse_text, LB_GOOD.replace("20.25,lbank,ETH/USDT", "20.25,lbank,BTC/USDT"))


def test_lbank_without_tag_columns(parse_text):
    plain = "timestamp,open,high,low,close,volume\n2025-11-21 12:29:00,80700,80710,80640.57,80650,1.5\n"
    df = parse_text(plain, parser="kline_lbank", columns={**OHLCV_U}, checks=LB_CHK, frequency="1m")
    assert df.index[0] == ts("2025-11-21 12:29") and df["low"].iloc[0] == 80640.57
    with raises_data_error(r"missing column\(s\) \['exchange', 'symbol'\]"):
        lbank(parse_text, plain)


# --- coingecko_markets (top-50 daily panel) -------------------------------------------------------

CG_HEAD = (
    "id,symbol,name,date,current_price,market_cap,total_volume,price_change_percentage_24h_in_currency,"
    "price_change_percentage_7d_in_currency,price_change_percentage_30d_in_currency,last_pipeline_run_utc\n"
)
CG_GOOD = (
    CG_HEAD
    + "bitcoin,btc,Bitcoin,2025-10-10,121698.03,2.42e12,9.1e10,-1.34,,,2026-01-24T23:44:11.443695+00:00\n"
    + "zcash,zec,Zcash,2025-10-11,250.5,4.0e9,1.0e9,,,,2026-01-24T23:44:11.443695+00:00\n"
    + "bitcoin,btc,Bitcoin,2025-10-12,115000,2.3e12,8.0e10,1.5,2.5,3.5,2026-01-25T04:00:00+00:00\n"
    # appended by a later run, earlier date: the file is not in date order
    + "bitcoin,btc,Bitcoin,2025-10-11,113201.74,2.27e12,1.5e11,-6.98,,,2026-01-26T04:00:00+00:00\n"
    + "zcash,zec,Zcash,2025-10-10,240,3.9e9,0,,,,2026-01-24T23:44:11.443695+00:00\n"
)
CG_COLS = {
    "coin": "text",
    "symbol": "text",
    "name": "text",
    "price": "USD",
    "market_cap": "USD",
    "volume_24h": "USD",
    "change_24h": "percent",
    "change_7d": "percent",
    "change_30d": "percent",
    "fetched_at": "date",
}
CG_CHK = {"positive": ["price"], "nullable": ["change_24h", "change_7d", "change_30d"]}


def cg(parse_text, text):
    return parse_text(text, parser="coingecko_markets", columns=CG_COLS, keys=("coin",), checks=CG_CHK)


def test_coingecko_markets_known_values_and_sorting(parse_text):
    df = cg(parse_text, CG_GOOD)
    assert list(df.columns) == list(CG_COLS)
    assert [(str(t.date()), c) for t, c in zip(df.index, df["coin"], strict=True)] == [
        ("2025-10-10", "bitcoin"),
        ("2025-10-10", "zcash"),
        ("2025-10-11", "bitcoin"),
        ("2025-10-11", "zcash"),
        ("2025-10-12", "bitcoin"),
    ]
    btc = df[df["coin"] == "bitcoin"]
    assert btc["price"].tolist() == [121698.03, 113201.74, 115000.0]
    assert btc.loc[ts("2025-10-11"), "change_24h"] == -6.98
    assert np.isnan(btc.loc[ts("2025-10-10"), "change_7d"])  # blank -> NaN only in nullable columns
    assert btc.loc[ts("2025-10-11"), "fetched_at"] == ts("2026-01-26 04:00")
    assert df.loc[df["coin"] == "zcash", "volume_24h"].iloc[0] == 0.0


def test_coingecko_markets_duplicate_coin_date_raises(parse_text):
    dup = CG_GOOD + "bitcoin,btc,Bitcoin,2025-10-12,115001,2.3e12,8.0e10,1.5,2.5,3.5,2026-01-27T04:00:00+00:00\n"
    with raises_data_error(r"duplicate \(coin, date\) \(id='bitcoin', date='2025-10-12'\)"):
        cg(parse_text, dup)


def test_coingecko_markets_blank_price_raises(parse_text):
    with raises_data_error("column 'current_price' has a blank value"):
        cg(parse_text, CG_GOOD.replace("2025-10-12,115000,", "2025-10-12,,"))


def test_coingecko_markets_fetch_time_offset_raises(parse_text):
    with raises_data_error(r"expected offset \+00:00"):
        cg(parse_text, CG_GOOD.replace("2026-01-25T04:00:00+00:00", "2026-01-25T04:00:00+01:00"))


# --- coingecko_top100_snapshots -------------------------------------------------------------------

T100_HEAD = "snapshot_date,rank,name,symbol,price\n"
T100_GOOD = (
    T100_HEAD
    + "2025-11-21,1,Bitcoin,BTC,83214\n"
    + "2025-11-21,6,Solana,SOL,128.4\n"
    + "2025-11-21,40,Wrapped SOL,SOL,128.6\n"
    + "2025-11-24,1,Bitcoin,BTC,88000\n"
)
T100_COLS = {"name": "text", "symbol": "text", "rank": "rank", "price": "USD"}


def t100(parse_text, text):
    return parse_text(
        text,
        parser="coingecko_top100_snapshots",
        columns=T100_COLS,
        keys=("name",),
        checks={"positive": ["rank", "price"]},
        frequency="irregular",
    )


def test_top100_same_symbol_two_coins_keyed_by_name(parse_text):
    df = t100(parse_text, T100_GOOD)
    sol = df[df["symbol"] == "SOL"]
    assert sol["name"].tolist() == ["Solana", "Wrapped SOL"] and sol["price"].tolist() == [128.4, 128.6]
    assert df["rank"].dtype == np.int64 and df.index[-1] == ts("2025-11-24")


def test_top100_duplicate_name_on_a_date_raises(parse_text):
    with raises_data_error(r"duplicate \(snapshot_date, name\) \(snapshot_date='2025-11-21', name='Solana'\)"):
        t100(parse_text, T100_GOOD.replace("40,Wrapped SOL", "40,Solana"))


def test_top100_duplicate_rank_raises(parse_text):
    with raises_data_error(r"duplicate \(snapshot_date, rank\)"):
        t100(parse_text, T100_GOOD.replace("2025-11-21,40,", "2025-11-21,6,"))


def test_top100_dates_out_of_order_raise(parse_text):
    with raises_data_error("snapshot dates not sorted"):
        t100(parse_text, T100_GOOD + "2025-11-21,2,Ethereum,ETH,2750\n")


# --- tardis_trades --------------------------------------------------------------------------------

TR_HEAD = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
TR_GOOD = (
    TR_HEAD
    + "gemini,ETHUSD,1760054466570000,1760054466704364,1713679388981301,sell,4368.7,0.024\n"
    + "gemini,ETHUSD,1760054466570000,1760054466711407,1713679388981303,sell,4368.65,0.000709\n"
    + "gemini,ETHUSD,1760131477000000,1760131525881637,1713679500000001,buy,3681.0,1.5\n"
)
TR_COLS = {"trade_id": "id", "side": "text", "price": "USD", "amount": "ETH", "local_timestamp": "date"}


def trades(parse_text, text):
    return parse_text(
        text,
        parser="tardis_trades",
        columns=TR_COLS,
        keys=("trade_id",),
        checks={"positive": ["price", "amount"]},
        frequency="irregular",
        options={"exchange": "gemini", "symbol": "ETHUSD"},
    )


def test_trades_known_values_shared_timestamp(parse_text):
    df = trades(parse_text, TR_GOOD)
    assert list(df.columns) == list(TR_COLS)
    assert df.index[0] == df.index[1] == ts("2025-10-10 00:01:06.570")  # microseconds, UTC
    assert df.index[2] == ts("2025-10-10 21:24:37")
    assert df["trade_id"].tolist() == [1713679388981301, 1713679388981303, 1713679500000001]
    assert df["local_timestamp"].iloc[0] == ts("2025-10-10 00:01:06.704364")
    assert df["side"].tolist() == ["sell", "sell", "buy"] and df["amount"].iloc[1] == 0.000709


def test_trades_duplicate_id_raises(parse_text):
    with raises_data_error("duplicate trade id 1713679388981301"):
        trades(parse_text, TR_GOOD.replace("1713679388981303", "1713679388981301"))


def test_trades_unsorted_raises(parse_text):
    late = TR_GOOD + "gemini,ETHUSD,1760054400000000,1760054400100000,1713679300000000,buy,4300,1\n"
    with raises_data_error("timestamps not sorted"):
        trades(parse_text, late)


def test_trades_milliseconds_read_as_microseconds_raise(parse_text):
    with raises_data_error("wrong unit"):
        trades(parse_text, TR_GOOD.replace("1760131477000000,", "1760131477000,"))


def test_trades_wrong_symbol_and_side_raise(parse_text):
    with raises_data_error("column 'symbol' is 'BTCUSD'"):
        trades(parse_text, TR_GOOD.replace("gemini,ETHUSD,1760131477", "gemini,BTCUSD,1760131477"))
    with raises_data_error("column 'side' has 'unknown'"):
        trades(parse_text, TR_GOOD.replace(",buy,", ",unknown,"))


# =====================================================================================================
# The real snapshot
# =====================================================================================================

# id: (rows, first, last) as published in SOURCES.md
PUBLISHED = {
    "btc_spot_1d": (3121, "2017-08-17 00:00", "2026-03-03 00:00"),
    "eth_spot_1d": (3121, "2017-08-17 00:00", "2026-03-03 00:00"),
    "btc_spot_4h": (18709, "2017-08-17 04:00", "2026-03-03 20:00"),
    "eth_spot_4h": (18709, "2017-08-17 04:00", "2026-03-03 20:00"),
    "zec_spot_1d": (999, "2023-06-09 00:00", "2026-03-03 00:00"),
    "zec_spot_4h": (999, "2025-09-18 12:00", "2026-03-03 20:00"),
    "btc_spot_1d_fullcols": (2050, "2021-01-01 00:00", "2026-08-12 00:00"),
    "btc_spot_4h_fullcols": (12303, "2021-01-01 00:00", "2026-08-13 08:00"),
    "eth_spot_1d_fullcols": (729, "2024-07-27 00:00", "2026-07-25 00:00"),
    "eth_spot_4h_fullcols": (2189, "2025-07-26 20:00", "2026-07-26 12:00"),
    "btc_spot_1h": (17519, "2024-04-02 09:00", "2026-04-02 07:00"),
    "eth_perp_1h": (53307, "2020-03-01 00:00", "2026-03-31 02:00"),
    "xrp_perp_1h": (53307, "2020-03-01 00:00", "2026-03-31 02:00"),
    "bnb_perp_1h": (53307, "2020-03-01 00:00", "2026-03-31 02:00"),
    "xrp_spot_1d": (2874, "2018-05-04 00:00", "2026-03-16 00:00"),
    "xrp_spot_4h": (17235, "2018-05-04 08:00", "2026-03-17 04:00"),
    "ada_spot_1d": (2891, "2018-04-17 00:00", "2026-03-16 00:00"),
    "ada_spot_4h": (17338, "2018-04-17 04:00", "2026-03-17 04:00"),
    "ltc_spot_1d": (2919, "2018-03-20 00:00", "2026-03-16 00:00"),
    "ltc_spot_4h": (17510, "2018-03-19 12:00", "2026-03-17 04:00"),
    "link_spot_1d": (2617, "2019-01-16 00:00", "2026-03-16 00:00"),
    "link_spot_4h": (15697, "2019-01-16 08:00", "2026-03-17 04:00"),
    "avax_spot_1d": (2002, "2020-09-22 00:00", "2026-03-16 00:00"),
    "avax_spot_4h": (12013, "2020-09-22 04:00", "2026-03-17 04:00"),
    "sol_spot_1d": (729, "2024-03-17 00:00", "2026-03-15 00:00"),
    "sol_spot_4h": (4379, "2024-03-16 20:00", "2026-03-16 12:00"),
    "bnb_spot_1d": (729, "2024-03-17 00:00", "2026-03-15 00:00"),
    "bnb_spot_4h": (4379, "2024-03-16 20:00", "2026-03-16 12:00"),
    "doge_spot_1d": (729, "2024-03-17 00:00", "2026-03-15 00:00"),
    "doge_spot_4h": (4379, "2024-03-16 20:00", "2026-03-16 12:00"),
    "sol_spot_1w": (291, "2020-08-10 00:00", "2026-03-02 00:00"),
    "coingecko_top50_1d": (22979, "2024-12-05", "2026-03-30"),
    "coingecko_top100_snapshots": (23100, "2025-08-05", "2026-05-01"),
    "btc_spot_15m": (8639, "2025-09-04 14:00", "2025-12-03 13:30"),
    "eth_spot_15m": (8639, "2025-09-04 14:00", "2025-12-03 13:30"),
    "btc_lbank_1m": (43200, "2025-11-07 13:00", "2025-12-07 12:59"),
    "eth_lbank_1m": (43201, "2025-11-06 20:15", "2025-12-06 20:15"),
    "btc_mark_usdm_5m": (25920, "2025-10-01 00:00", "2025-12-30 23:55"),
    "btc_mark_coinm_1m": (2880, "2025-10-09 00:00", "2025-10-10 23:59"),
    "btc_gemini_trades": (24706, "2025-10-10 00:00:06.843", "2025-10-10 23:59:59.148"),
    "eth_gemini_trades": (22320, "2025-10-10 00:01:06.570", "2025-10-10 23:59:55.668"),
}


def test_every_file_of_both_folders_is_catalogued(snapshot):
    mine = {e.path for e in catalog().values() if e.group in ("crypto_spot", "gaps_crypto_intraday")}
    on_disk = {f"crypto_spot/{p.name}" for p in (snapshot / "crypto_spot").iterdir() if p.name != "SOURCES.md"}
    on_disk |= {f"gaps/crypto_intraday/{p.name}" for p in (snapshot / "gaps" / "crypto_intraday").iterdir()}
    assert len(on_disk) == 41 and mine == on_disk
    assert set(PUBLISHED) == {e.id for e in catalog().values() if e.group in ("crypto_spot", "gaps_crypto_intraday")}


@pytest.mark.parametrize("dataset_id", list(PUBLISHED))
def test_published_rows_and_coverage(snapshot, dataset_id):
    rows, first, last = PUBLISHED[dataset_id]
    df = mdata.load(dataset_id)
    assert len(df) == rows
    assert df.index[0] == ts(first) and df.index[-1] == ts(last)


def test_btc_event_values(snapshot):
    d = mdata.load("btc_spot_1d")
    assert d.loc[ts("2025-10-06"), "high"] == 126199.63
    assert d.loc[ts("2025-10-10"), "low"] == 102000.00
    assert d.loc[ts("2025-11-21"), "low"] == 80600.00
    # the same extremes in the other Binance spot BTC files
    f = mdata.load("btc_spot_1d_fullcols")
    assert f.loc[ts("2025-10-06"), "high"] == 126199.63 and f.loc[ts("2025-11-21"), "low"] == 80600.00
    m = mdata.load("btc_spot_15m")
    assert m.loc[ts("2025-11-21 12:15"), "low"] == 80600.00 and m.loc["2025-11-21", "low"].min() == 80600.00
    assert m.loc[ts("2025-10-10 21:15"), "low"] == 102000.00


def test_eth_event_values(snapshot):
    assert mdata.load("eth_spot_1d").loc[ts("2025-10-10"), "low"] == 3435.00
    assert mdata.load("eth_spot_1d_fullcols").loc[ts("2025-10-10"), "low"] == 3435.00
    assert mdata.load("eth_spot_4h").loc["2025-10-10", "low"].min() == 3435.00


def test_intraday_gap_files_event_values(snapshot):
    um = mdata.load("btc_mark_usdm_5m")
    assert um.loc["2025-10-10", "low"].idxmin() == ts("2025-10-10 21:20")
    assert round(um.loc["2025-10-10", "low"].min(), 2) == 101877.69  # SOURCES.md rounds to cents
    assert um.loc["2025-11-21", "low"].idxmin() == ts("2025-11-21 12:25")
    assert round(um.loc["2025-11-21", "low"].min(), 2) == 80616.26
    assert not (um.index.normalize() == ts("2025-10-04")).any()  # the missing day
    cm = mdata.load("btc_mark_coinm_1m")
    assert round(cm.loc["2025-10-10", "low"].min(), 2) == 102497.49
    assert cm.loc["2025-10-10", "low"].idxmin() == ts("2025-10-10 21:20")
    lb = mdata.load("btc_lbank_1m").loc["2025-11-21", "low"]
    assert lb.min() == 80640.57 and lb.idxmin() == ts("2025-11-21 12:29")
    le = mdata.load("eth_lbank_1m").loc["2025-11-21", "low"]
    assert le.min() == 2623.67 and le.idxmin() == ts("2025-11-21 12:24")
    assert mdata.load("eth_spot_15m").loc[ts("2025-11-21 12:15"), "low"] == 2623.57


def test_lbank_quirk_counts(snapshot):
    for dataset_id, n in (("btc_lbank_1m", 304), ("eth_lbank_1m", 288)):
        df = mdata.load(dataset_id)
        outside = (df["open"] < df["low"]) | (df["open"] > df["high"])
        assert int(outside.sum()) == n  # all SOURCES.md's OHLC violations are the open quirk
        assert (df["open"].iloc[1:].to_numpy() == df["close"].iloc[:-1].to_numpy()).all()


def test_gemini_trades_values(snapshot):
    b = mdata.load("btc_gemini_trades")
    assert b["price"].min() == 107000.00 and b["price"].idxmin() == ts("2025-10-10 21:26:24.755")
    assert b.index.has_duplicates and b["trade_id"].is_unique  # several trades per timestamp
    assert b["local_timestamp"].iloc[0] == ts("2025-10-10 00:00:06.899497")
    e = mdata.load("eth_gemini_trades")
    assert e["price"].min() == 3681.00 and e["price"].idxmin().floor("s") == ts("2025-10-10 21:14:37")
    assert set(e["side"]) == {"buy", "sell"}


def _resample(df: pd.DataFrame, rule: str, n: int) -> pd.DataFrame:
    g = df.groupby(df.index.floor(rule))
    out = pd.DataFrame(
        {
            "open": g["open"].first(),
            "high": g["high"].max(),
            "low": g["low"].min(),
            "close": g["close"].last(),
            "volume": g["volume"].sum(),
            "n": g.size(),
        }
    )
    return out[out["n"] == n]


def test_btc_1h_aggregated_to_4h_equals_4h_files(snapshot):
    """Known answer from SOURCES.md: all 4,379 overlapping complete 4h bars equal (confirms venue and UTC)."""
    agg = _resample(mdata.load("btc_spot_1h"), "4h", 4)
    four = mdata.load("btc_spot_4h_fullcols")
    common = agg.index.intersection(four.index)
    assert len(common) == 4379
    ohlc = ["open", "high", "low", "close"]
    pd.testing.assert_frame_equal(agg.loc[common, ohlc], four.loc[common, ohlc])
    np.testing.assert_allclose(agg.loc[common, "volume"], four.loc[common, "volume"], rtol=1e-9)
    # a one-hour shift of the hourly file breaks the match
    shifted = mdata.load("btc_spot_1h").copy()
    shifted.index = shifted.index + pd.Timedelta("1h")
    agg2 = _resample(shifted, "4h", 4)
    common2 = agg2.index.intersection(four.index)
    assert (agg2.loc[common2, "close"] != four.loc[common2, "close"]).mean() > 0.9
    # rongyouwow's 4h file agrees as well
    ry = mdata.load("btc_spot_4h")
    c3 = agg.index.intersection(ry.index)
    assert len(c3) > 4000
    pd.testing.assert_frame_equal(agg.loc[c3, ohlc], ry.loc[c3, ohlc])


def test_15m_files_aggregate_to_the_hourly_and_4h_files(snapshot):
    ohlc = ["open", "high", "low", "close"]
    b = _resample(mdata.load("btc_spot_15m"), "1h", 4)
    h = mdata.load("btc_spot_1h")
    c = b.index.intersection(h.index)
    assert len(c) == 2159
    pd.testing.assert_frame_equal(b.loc[c, ohlc], h.loc[c, ohlc])
    e = _resample(mdata.load("eth_spot_15m"), "4h", 16)
    f = mdata.load("eth_spot_4h")
    c = e.index.intersection(f.index)
    assert len(c) == 539
    pd.testing.assert_frame_equal(e.loc[c, ohlc], f.loc[c, ohlc])


@pytest.mark.parametrize(
    "a, b, n",
    [
        ("btc_spot_1d", "btc_spot_1d_fullcols", 1888),
        ("eth_spot_1d", "eth_spot_1d_fullcols", 585),
        ("eth_spot_4h", "eth_spot_4h_fullcols", 1321),
    ],
)
def test_cross_source_overlaps_identical(snapshot, a, b, n):
    x, y = mdata.load(a), mdata.load(b)
    c = x.index.intersection(y.index)
    assert len(c) == n
    pd.testing.assert_frame_equal(x.loc[c], y.loc[c, list(x.columns)])


def test_short_bars_are_binance_halts(snapshot):
    f = mdata.load("btc_spot_4h_fullcols")
    # the 2021-04-25 04:00 bar covered only 58 s of trading
    assert f.loc[ts("2021-04-25 04:00"), "trades"] == 224
    assert f.loc[ts("2021-04-25 04:00"), "volume"] == 5.887034
    assert len(catalog()["ada_spot_4h"].options["short_bars"]) == 18


def test_fullcols_taker_columns(snapshot):
    f = mdata.load("btc_spot_1d_fullcols")
    first = f.iloc[0]
    assert first["trades"] == 1314910 and first["taker_buy_base"] == 27455.801725
    assert first["quote_volume"] == 1582526989.1618726
    assert (f["taker_buy_base"] <= f["volume"]).all()
    assert list(f.columns) == [
        "open",
        "high",
        "low",
        "close",
        "volume",
        "quote_volume",
        "trades",
        "taker_buy_base",
        "taker_buy_quote",
    ]


def test_perp_is_not_spot(snapshot):
    # on 2025-10-10 the ETH perp fell further than spot (liquidation cascade)
    perp = mdata.load("eth_perp_1h").loc["2025-10-10", "low"].min()
    spot = mdata.load("eth_spot_1d").loc[ts("2025-10-10"), "low"]
    assert perp != spot


def test_coingecko_top50_panel(snapshot):
    df = mdata.load("coingecko_top50_1d")
    assert df["coin"].nunique() == 50 and df.index.nunique() == 481
    counts = df.groupby("coin").size()
    for coin in ("bitcoin", "ethereum", "solana", "ripple", "zcash"):
        assert counts[coin] == 481
    assert counts["whitebit"] == 468 and counts["canton-network"] == 141
    btc = df[df["coin"] == "bitcoin"]
    # the pipeline's 24h change is recomputed from consecutive daily prices
    recomputed = (btc["price"] / btc["price"].shift(1) - 1) * 100
    np.testing.assert_allclose(recomputed.iloc[1:], btc["change_24h"].iloc[1:], rtol=0, atol=1e-9)
    assert btc["change_24h"].isna().sum() == 1 and btc["change_30d"].isna().sum() == 30
    assert int(df["change_24h"].isna().sum()) == 51
    assert (df["fetched_at"] >= df.index).all()  # fetched on or after the observation date
    assert abs(btc.loc[ts("2025-10-11"), "change_24h"] - (-6.981452)) < 1e-6


def test_coingecko_top100_snapshots(snapshot):
    df = mdata.load("coingecko_top100_snapshots")
    assert df.index.nunique() == 231 and (df.groupby(level=0).size() == 100).all()
    assert df["name"].nunique() == 172 and df["symbol"].nunique() == 165
    by_symbol = df.groupby("symbol").size()
    assert by_symbol["BTC"] == 231 and by_symbol["SOL"] == 334 and by_symbol["ZEC"] == 186
    assert int(pd.DataFrame({"d": df.index, "s": df["symbol"].to_numpy()}).duplicated().sum()) == 405
    sol_names = set(df.loc[df["symbol"] == "SOL", "name"])
    assert sol_names == {"Solana", "Wrapped SOL"}
    assert df[df["symbol"] == "ZEC"].index[0] == ts("2025-10-01")
    assert not (df.index == ts("2025-10-11")).any()  # weekend missing upstream
    assert df[(df["name"] == "Bitcoin")].loc[ts("2025-11-21"), "price"] == 83214.0
