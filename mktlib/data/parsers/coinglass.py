"""CoinGlass API v4 responses saved on 2025-11-14 (FelipeODonnell/liquidity-report), as CSV.

History files: ``time`` (or ``timestamp``) = bar open, epoch ms UTC; bars exactly ``step`` apart
(a gap, a duplicate or a bar off the grid raises). Snapshots of a list (per-exchange tables saved
once) are indexed by the catalog's ``snapshot_time``. Funding-rate OHLC is in funding.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, epoch_to_utc, frame, register, require_columns, to_float
from mktlib.data.parsers.funding import check_bar_step, sort_long
from mktlib.errors import DataError

OHLC = ["open", "high", "low", "close"]


def _bars(raw: pd.DataFrame, where: str, step: str, time_column: str = "time") -> pd.DatetimeIndex:
    require_columns(raw, [time_column], where)
    idx = epoch_to_utc(raw[time_column], where, time_column, unit="ms")
    check_order(idx, where)
    check_bar_step(idx, step, where)
    return idx


def _snapshot_index(n: int, snapshot_time: str) -> pd.DatetimeIndex:
    ts = pd.Timestamp(snapshot_time)
    if ts.tz is None:
        raise ValueError("snapshot_time must carry a UTC offset")
    return pd.DatetimeIndex([ts.tz_convert("UTC")] * n)


def _close(a: pd.Series | float, b: pd.Series | float, rel: float) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b)) + 1e-9


@register("coinglass_ohlc")
def coinglass_ohlc(path: Path, where: str, step: str = "4h") -> pd.DataFrame:
    """``time,open,high,low,close`` (open-interest OHLC). Values kept in the file's unit (catalog says which).

    Output: open, high, low, close.
    """
    raw = read_csv(path, where)
    require_columns(raw, OHLC, where)
    idx = _bars(raw, where, step)
    return frame(idx, {c: to_float(raw[c], where, c) for c in OHLC})


@register("coinglass_history")
def coinglass_history(path: Path, where: str, rename: dict[str, str], step: str = "4h") -> pd.DataFrame:
    """``time`` plus value columns, renamed by the catalog option ``rename`` (source -> output name).

    Used for liquidations (long/short USD) and taker buy/sell volume (USD). Every source column must
    be named in ``rename`` (an unexpected extra column raises: the layout changed).
    """
    raw = read_csv(path, where)
    require_columns(raw, list(rename), where)
    extra = [c for c in raw.columns if c not in rename and c != "time"]
    if extra:
        raise DataError(where, f"unexpected column(s) {extra}")
    idx = _bars(raw, where, step)
    return frame(idx, {new: to_float(raw[old], where, old) for old, new in rename.items()})


@register("coinglass_long_short_ratio")
def coinglass_long_short_ratio(path: Path, where: str, prefix: str, step: str = "4h") -> pd.DataFrame:
    """``time,<prefix>_long_percent,<prefix>_short_percent,<prefix>_long_short_ratio``.

    Checks: long + short = 100 (+-0.011) and ratio = long / short rounded to 2 decimals (+-0.0055);
    either failing means the columns are not what they claim.

    Output: long_pct (percent), short_pct (percent), long_short_ratio (ratio).
    """
    cols = [f"{prefix}_long_percent", f"{prefix}_short_percent", f"{prefix}_long_short_ratio"]
    raw = read_csv(path, where)
    require_columns(raw, cols, where)
    idx = _bars(raw, where, step)
    long_, short, ratio = (to_float(raw[c], where, c) for c in cols)
    bad = ((long_ + short - 100).abs() > 0.011) | ((long_ / short - ratio).abs() > 0.0055)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            where,
            f"long {long_.iloc[i]} / short {short.iloc[i]} / ratio {ratio.iloc[i]} are "
            f"inconsistent at data row {i + 1}",
        )
    return frame(idx, {"long_pct": long_, "short_pct": short, "long_short_ratio": ratio})


@register("coinglass_oi_exchange_chart")
def coinglass_oi_exchange_chart(path: Path, where: str, step: str = "4h", live_last: bool = True) -> pd.DataFrame:
    """Wide ``timestamp,price,<EXCHANGE>...`` (OI in USD per exchange) -> long, keyed by exchange.

    ``timestamp`` = epoch ms UTC of the chart point, on the ``step`` grid and without gaps, except,
    with ``live_last``, the final point: CoinGlass appends the live value at request time
    (2025-11-14 16:10:45.535 UTC for BTC); it is kept at its real time, not floored. Exchange names
    are kept as the file spells them (upper case, e.g. ``BINANCE``, ``CRYPTO.COM``).

    Output (keys: exchange): exchange (text), oi_usd (USD), price (USD, the chart's coin price at that
    time, repeated on every exchange row; oi_usd / price gives an approximate coin amount).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["timestamp", "price"], where)
    idx = epoch_to_utc(raw["timestamp"], where, "timestamp", unit="ms")
    check_order(idx, where)
    grid = idx[:-1] if live_last else idx
    check_bar_step(grid, step, where)
    if live_last and not (pd.Timedelta(0) < idx[-1] - idx[-2] <= pd.Timedelta(step) * 2):
        raise DataError(where, f"last (live) point {idx[-1]} is not within {step} x 2 after {idx[-2]}")
    exchanges = [c for c in raw.columns if c not in ("timestamp", "price")]
    if not exchanges:
        raise DataError(where, "no exchange columns")
    price = to_float(raw["price"], where, "price").to_numpy()
    values = np.column_stack([to_float(raw[c], where, c).to_numpy() for c in exchanges])
    n, k = values.shape
    out = frame(
        idx.repeat(k),
        {
            "exchange": np.tile(np.array(exchanges, dtype=object), n),
            "oi_usd": values.reshape(-1),
            "price": np.repeat(price, k),
        },
    )
    return sort_long(out, ["exchange"])


OI_LIST = {
    "open_interest_usd": "oi_usd",
    "open_interest_quantity": "oi_coin",
    "open_interest_by_coin_margin": "oi_usd_coin_margin",
    "open_interest_by_stable_coin_margin": "oi_usd_stable_margin",
    "open_interest_quantity_by_coin_margin": "oi_coin_coin_margin",
    "open_interest_quantity_by_stable_coin_margin": "oi_coin_stable_margin",
}
OI_CHANGE = {f"open_interest_change_percent_{w}": f"oi_change_pct_{w}" for w in ("5m", "15m", "30m", "1h", "4h", "24h")}


def _drop_total_row(
    raw: pd.DataFrame, values: dict[str, pd.Series], where: str, total: str = "All", rel: float = 1e-6
) -> np.ndarray:
    """Verify the ``All`` summary row equals the sum of the exchange rows, column by column; return
    the mask of exchange rows. A missing/duplicated ``All`` row or a mismatch raises."""
    is_total = (raw["exchange"].str.strip() == total).to_numpy()
    if is_total.sum() != 1:
        raise DataError(where, f"expected exactly one {total!r} summary row, found {int(is_total.sum())}")
    for name, s in values.items():
        got, want = s[~is_total].sum(), s[is_total].iloc[0]
        if not _close(got, want, rel).all():
            raise DataError(where, f"{total!r} row {name} = {want} but the exchanges sum to {got}")
    return ~is_total


@register("coinglass_oi_exchange_list")
def coinglass_oi_exchange_list(path: Path, where: str, coin: str, snapshot_time: str) -> pd.DataFrame:
    """Per-exchange OI snapshot (``/futures/open-interest/exchange-list``), one row per exchange.

    The ``All`` row is a summary: it must equal the sum of the exchange rows in every OI column
    (relative 1e-6), and is then dropped (sum the exchanges to get it back). ``symbol`` must equal
    ``coin``. The USD split coin-margin + stablecoin-margin must add up to the total (1e-6).

    Output (keys: exchange): exchange; oi_usd, oi_usd_coin_margin, oi_usd_stable_margin (USD);
    oi_coin, oi_coin_coin_margin, oi_coin_stable_margin (coin units, as CoinGlass reports them);
    oi_change_pct_{5m,15m,30m,1h,4h,24h} (percent).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["exchange", "symbol", *OI_LIST, *OI_CHANGE], where)
    if not (raw["symbol"] == coin).all():
        raise DataError(where, f"symbol column holds {sorted(raw['symbol'].unique())}, expected only {coin!r}")
    values = {new: to_float(raw[old], where, old) for old, new in OI_LIST.items()}
    split = values["oi_usd_coin_margin"] + values["oi_usd_stable_margin"]
    if not _close(split, values["oi_usd"], 1e-6).all():
        raise DataError(where, "coin-margin + stablecoin-margin OI (USD) differs from the total")
    keep = _drop_total_row(raw, values, where)
    cols = {"exchange": raw["exchange"].str.strip()[keep]}
    cols.update({k: v[keep] for k, v in values.items()})
    cols.update({new: to_float(raw[old], where, old)[keep] for old, new in OI_CHANGE.items()})
    out = frame(_snapshot_index(int(keep.sum()), snapshot_time), cols)
    return sort_long(out, ["exchange"])


@register("coinglass_liq_exchange_list")
def coinglass_liq_exchange_list(path: Path, where: str, snapshot_time: str) -> pd.DataFrame:
    """Per-exchange liquidations over CoinGlass's trailing window (``/futures/liquidation/exchange-list``).

    Checks: total = long + short on every row (1e-6); the ``All`` summary row equals the sum of the
    exchange rows and is dropped. Output (keys: exchange): exchange, liq_usd, liq_long_usd,
    liq_short_usd (USD).
    """
    src = {"liquidation_usd": "liq_usd", "longLiquidation_usd": "liq_long_usd", "shortLiquidation_usd": "liq_short_usd"}
    raw = read_csv(path, where)
    require_columns(raw, ["exchange", *src], where)
    values = {new: to_float(raw[old], where, old) for old, new in src.items()}
    if not _close(values["liq_long_usd"] + values["liq_short_usd"], values["liq_usd"], 1e-6).all():
        raise DataError(where, "long + short liquidations differ from the total on some row")
    keep = _drop_total_row(raw, values, where)
    cols = {"exchange": raw["exchange"].str.strip()[keep], **{k: v[keep] for k, v in values.items()}}
    return sort_long(frame(_snapshot_index(int(keep.sum()), snapshot_time), cols), ["exchange"])


@register("coinglass_taker_exchange_list")
def coinglass_taker_exchange_list(path: Path, where: str, coin: str, snapshot_time: str) -> pd.DataFrame:
    """``symbol,buy_ratio,sell_ratio,buy_vol_usd,sell_vol_usd,exchange_list``: the first five columns are
    the all-exchange totals repeated on every row; ``exchange_list`` is one exchange's figures as a
    Python dict literal (``{'buy_ratio': .., 'buy_vol_usd': .., 'exchange': .., 'sell_ratio': ..,
    'sell_vol_usd': ..}``), read with ``ast.literal_eval`` (literals only).

    Checks: the totals are identical on every row, ``symbol`` = ``coin``, each exchange appears once,
    and the exchanges' buy and sell volumes sum to the totals (1e-6); the totals are then dropped.
    Output (keys: exchange): exchange, buy_ratio_pct, sell_ratio_pct (percent), taker_buy_usd,
    taker_sell_usd (USD).
    """
    raw = read_csv(path, where)
    totals = ["symbol", "buy_ratio", "sell_ratio", "buy_vol_usd", "sell_vol_usd"]
    require_columns(raw, [*totals, "exchange_list"], where)
    if (raw[totals].nunique() != 1).any():
        raise DataError(where, "the all-exchange total columns differ between rows")
    if raw["symbol"].iloc[0] != coin:
        raise DataError(where, f"symbol is {raw['symbol'].iloc[0]!r}, expected {coin!r}")
    keys = {"buy_ratio", "buy_vol_usd", "exchange", "sell_ratio", "sell_vol_usd"}
    rows = []
    for i, text in enumerate(raw["exchange_list"]):
        try:
            d = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise DataError(where, f"exchange_list at data row {i + 1} is not a dict literal: {text[:60]!r}") from None
        if not isinstance(d, dict) or set(d) != keys:
            raise DataError(
                where, f"exchange_list at data row {i + 1} has keys {sorted(d) if isinstance(d, dict) else d!r}"
            )
        rows.append(d)
    per = pd.DataFrame(rows)
    if per["exchange"].duplicated().any():
        raise DataError(where, f"exchange {per['exchange'][per['exchange'].duplicated()].iloc[0]!r} listed twice")
    num = {c: to_float(per[c].astype(str), where, f"exchange_list.{c}") for c in keys - {"exchange"}}
    for c in ("buy_vol_usd", "sell_vol_usd"):
        total = to_float(raw[c], where, c).iloc[0]
        if not _close(num[c].sum(), total, 1e-6).all():
            raise DataError(where, f"exchanges' {c} sum to {num[c].sum()}, the total column says {total}")
    cols = {
        "exchange": per["exchange"].astype(str),
        "buy_ratio_pct": num["buy_ratio"],
        "sell_ratio_pct": num["sell_ratio"],
        "taker_buy_usd": num["buy_vol_usd"],
        "taker_sell_usd": num["sell_vol_usd"],
    }
    return sort_long(frame(_snapshot_index(len(per), snapshot_time), cols), ["exchange"])
