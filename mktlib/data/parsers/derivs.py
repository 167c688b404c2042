"""Other derivatives series: Binance USDT-M open interest (daily), Coinalyze OI (daily), Bitfinex
margin longs/shorts, CME front-month vs spot (daily)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import (
    check_order,
    check_same_times,
    epoch_to_utc,
    frame,
    naive_to_utc,
    offset_to_utc,
    register,
    require_columns,
    to_float,
)
from mktlib.data.parsers.funding import sort_long
from mktlib.errors import DataError

DATE_LABEL = "%Y-%m-%d"


@register("binance_oi_hist_merged")
def binance_oi_hist_merged(
    path: Path, where: str, symbols: dict[str, list[str]], rel_tol: float = 1e-12
) -> pd.DataFrame:
    """ccyun95 ``data/oi.csv``: ``date`` plus several copies of each symbol's OI column.

    Upstream pandas merges left ``btc_oi_value_usd``, ``btcusdt_oi_value_usd_x``, ``..._y`` and
    ``btcusdt_oi_value_usd`` (same for ETH), each filled on a different date range. Per SOURCES.md
    the value is the FIRST non-blank cell in that order (the catalog option ``symbols`` maps each
    output symbol to its columns in order). Every other non-blank copy on the row must agree with it
    to ``rel_tol`` (SOURCES.md: largest relative difference 1e-16) or the parser raises; a row with
    no value for a symbol raises too.

    ``date`` = UTC calendar date of Binance's daily openInterestHist record, labelled at 00:00 UTC.
    Output (keys: symbol): symbol, oi_usd (sumOpenInterestValue, USDT notional of the USDT-M perpetual).
    """
    raw = read_csv(path, where)
    cols = [c for group in symbols.values() for c in group]
    require_columns(raw, ["date", *cols], where)
    idx = naive_to_utc(raw["date"], where, "date", fmt=DATE_LABEL)
    check_order(idx, where)
    parts = []
    for sym, group in symbols.items():
        vals = np.column_stack([to_float(raw[c], where, c, allow_blank=True).to_numpy() for c in group])
        have = ~np.isnan(vals)
        none = ~have.any(axis=1)
        if none.any():
            i = int(np.flatnonzero(none)[0])
            raise DataError(where, f"{sym}: no value in any of {group} on {raw['date'].iloc[i]}")
        first = vals[np.arange(len(vals)), have.argmax(axis=1)]
        dev = np.abs(vals - first[:, None]) > rel_tol * np.abs(first[:, None])
        dev &= have
        if dev.any():
            i, j = (int(a[0]) for a in np.nonzero(dev))
            raise DataError(
                where,
                f"{sym} on {raw['date'].iloc[i]}: {group[j]} = {vals[i, j]!r} contradicts "
                f"the first non-blank value {first[i]!r}",
            )
        parts.append(frame(idx, {"symbol": np.full(len(idx), sym, dtype=object), "oi_usd": first}))
    return sort_long(pd.concat(parts), ["symbol"])


@register("coinalyze_oi_daily")
def coinalyze_oi_daily(path: Path, where: str) -> pd.DataFrame:
    """``rank,coin_name,coin_symbol,symbol,date,timestamp,oi_open,oi_high,oi_low,oi_close`` (long by symbol).

    ``timestamp`` = Unix SECONDS at the UTC day start; ``date`` must be the same UTC date (else raise).
    Per symbol the days must be consecutive (SOURCES.md: no missing days). OI values are USD
    (Coinalyze ``convert_to_usd=true``).

    Output (keys: symbol): symbol (e.g. BTCUSD_PERP.A), coin (BTC/ETH), open, high, low, close (USD).
    """
    raw = read_csv(path, where)
    ohlc = ["oi_open", "oi_high", "oi_low", "oi_close"]
    require_columns(raw, ["coin_symbol", "symbol", "date", "timestamp", *ohlc], where)
    idx = epoch_to_utc(raw["timestamp"], where, "timestamp", unit="s")
    labels = naive_to_utc(raw["date"], where, "date", fmt=DATE_LABEL)
    differ = np.asarray(idx != labels)
    if differ.any():
        i = int(np.flatnonzero(differ)[0])
        raise DataError(
            where,
            f"timestamp {raw['timestamp'].iloc[i]} ({idx[i]}) is not the day start of "
            f"date {raw['date'].iloc[i]} (data row {i + 1})",
        )
    symbol = raw["symbol"].str.strip()
    check_order(idx, where, groups=symbol)
    for sym in symbol.unique():
        t = idx[(symbol == sym).to_numpy()]
        step = np.diff(t.asi8) != pd.Timedelta("1D") // pd.Timedelta(1, unit=t.unit)
        if step.any():
            i = int(np.flatnonzero(step)[0]) + 1
            raise DataError(where, f"{sym}: {t[i]} follows {t[i - 1]} (missing day)")
    cols = {"symbol": symbol, "coin": raw["coin_symbol"].str.strip()}
    cols.update({c.removeprefix("oi_"): to_float(raw[c], where, c) for c in ohlc})
    return sort_long(frame(idx, cols), ["symbol"])


@register("bitfinex_margin_long")
def bitfinex_margin_long(path: Path, where: str) -> pd.DataFrame:
    """``coin,series,timestamp_ms,timestamp_utc,value`` (flattened from kittycapital's JSON).

    ``timestamp_ms`` = epoch ms UTC; ``timestamp_utc`` (added by the snapshot) must agree with it.
    ``series`` must be one of longs / shorts (Bitfinex ``stats1 pos.size``: total open margin
    position, coin units) or price (Bitfinex trade candle close in USD, at the candle's open time).
    Each (coin, series) must be strictly increasing in time. Point samples, not averages.

    Output (keys: coin, series): coin, series, value (coin units for longs/shorts, USD for price).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["coin", "series", "timestamp_ms", "timestamp_utc", "value"], where)
    series = raw["series"].str.strip()
    unknown = ~series.isin(["longs", "shorts", "price"])
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(where, f"unknown series {raw['series'].iloc[i]!r} at data row {i + 1}")
    idx = epoch_to_utc(raw["timestamp_ms"], where, "timestamp_ms", unit="ms")
    stated = offset_to_utc(raw["timestamp_utc"], where, "timestamp_utc", expect_offset="Z")
    check_same_times(
        idx,
        stated,
        where,
        a_col="timestamp_ms",
        a_raw=raw["timestamp_ms"],
        b_col="timestamp_utc",
        b_raw=raw["timestamp_utc"],
    )
    coin = raw["coin"].str.strip()
    check_order(idx, where, groups=coin + "/" + series)
    out = frame(idx, {"coin": coin, "series": series, "value": to_float(raw["value"], where, "value")})
    return sort_long(out, ["coin", "series"])


@register("cme_vs_spot_daily")
def cme_vs_spot_daily(path: Path, where: str) -> pd.DataFrame:
    """``date,spot_btc_usd_close_yahoo,cme_btc_front_month_close_yahoo_BTC_F,basis_pct_5d_centered_mean,basis_zscore_730d``.

    Kept: the two closes. DROPPED on purpose: ``basis_pct_5d_centered_mean`` (a CENTRED 5-day mean,
    it looks two days ahead) and ``basis_zscore_730d`` (built on it); recompute a basis from the closes.
    ``date`` = calendar day, labelled 00:00 UTC. The spot close (Yahoo BTC-USD) must be present every
    day. The futures close (Yahoo BTC=F, CME front month) is blank on weekends and CME holidays, so
    it is nullable; a futures value on a Saturday or Sunday raises (it would mean shifted dates).

    Output: spot_close (USD), futures_close (USD, NaN when CME did not trade that day).
    """
    raw = read_csv(path, where)
    spot_col, fut_col = "spot_btc_usd_close_yahoo", "cme_btc_front_month_close_yahoo_BTC_F"
    require_columns(raw, ["date", spot_col, fut_col], where)
    idx = naive_to_utc(raw["date"], where, "date", fmt=DATE_LABEL)
    check_order(idx, where)
    spot = to_float(raw[spot_col], where, spot_col)
    fut = to_float(raw[fut_col], where, fut_col, allow_blank=True)
    weekend = np.asarray(idx.day_of_week >= 5) & fut.notna().to_numpy()
    if weekend.any():
        i = int(np.flatnonzero(weekend)[0])
        raise DataError(where, f"futures close {fut.iloc[i]} on a weekend day {raw['date'].iloc[i]}: dates shifted?")
    return frame(idx, {"spot_close": spot, "futures_close": fut})
