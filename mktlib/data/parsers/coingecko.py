"""CoinGecko market panels: a fixed-universe daily panel and repeated top-100 snapshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, offset_to_utc, register, require_columns, to_float
from mktlib.errors import DataError

MARKETS_COLUMNS = [
    "id",
    "symbol",
    "name",
    "date",
    "current_price",
    "market_cap",
    "total_volume",
    "price_change_percentage_24h_in_currency",
    "price_change_percentage_7d_in_currency",
    "price_change_percentage_30d_in_currency",
    "last_pipeline_run_utc",
]
CHANGES = {
    "change_24h": "price_change_percentage_24h_in_currency",
    "change_7d": "price_change_percentage_7d_in_currency",
    "change_30d": "price_change_percentage_30d_in_currency",
}


def _first_duplicate(df: pd.DataFrame, cols: list[str], where: str, what: str) -> None:
    dup = df.duplicated(cols, keep=False).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        key = ", ".join(f"{c}={df[c].iloc[i]!r}" for c in cols)
        raise DataError(where, f"duplicate {what} ({key}) at data row {i + 1} ({int(dup.sum())} rows involved)")


@register("coingecko_markets")
def coingecko_markets(path: Path, where: str) -> pd.DataFrame:
    """CoinGecko daily panel (M1ck3yJ0 pipeline), long format keyed by CoinGecko coin id.

    Input columns: ``id,symbol,name,date,current_price,market_cap,total_volume,
    price_change_percentage_{24h,7d,30d}_in_currency,last_pipeline_run_utc``; ``date`` is a UTC
    calendar date (``YYYY-MM-DD``), the values are CoinGecko's market_chart point nearest 00:00
    UTC of that date; ``last_pipeline_run_utc`` is ISO text with ``+00:00``.

    Quirk: rows are in upstream append order (a backfill sorted by coin, then one block per daily
    run, some dates filled late), so the file is not in date order, not even per coin. The parser
    requires (id, date) to be unique (else DataError) and then sorts by (date, coin). The change
    columns are blank where the pipeline had no earlier price to compare with (first 1/7/30 days
    of each coin, and a day whose previous date was still missing when it ran); they stay NaN.

    Output: index = date at 00:00 UTC; ``coin`` (CoinGecko id), ``symbol``, ``name`` (text);
    ``price``, ``market_cap``, ``volume_24h`` (USD); ``change_24h``, ``change_7d``,
    ``change_30d`` (percent); ``fetched_at`` (UTC time the row was fetched).
    """
    raw = read_csv(path, where)
    require_columns(raw, MARKETS_COLUMNS, where)
    for c in ("id", "symbol", "name"):
        blank = (raw[c].astype("string").str.strip().fillna("") == "").to_numpy()
        if blank.any():
            raise DataError(where, f"column {c!r} has a blank value at data row {int(np.flatnonzero(blank)[0]) + 1}")
    _first_duplicate(raw, ["id", "date"], where, "(coin, date)")
    idx = naive_to_utc(raw["date"], where, "date", fmt="%Y-%m-%d")
    out = {
        "coin": raw["id"],
        "symbol": raw["symbol"],
        "name": raw["name"],
        "price": to_float(raw["current_price"], where, "current_price"),
        "market_cap": to_float(raw["market_cap"], where, "market_cap"),
        "volume_24h": to_float(raw["total_volume"], where, "total_volume"),
    }
    for new, old in CHANGES.items():
        out[new] = to_float(raw[old], where, old, allow_blank=True)
    out["fetched_at"] = offset_to_utc(
        raw["last_pipeline_run_utc"], where, "last_pipeline_run_utc", expect_offset="+00:00"
    )
    df = frame(idx, out)
    df["_t"] = df.index
    return df.sort_values(["_t", "coin"], kind="stable").drop(columns="_t")


@register("coingecko_top100_snapshots")
def coingecko_top100_snapshots(path: Path, where: str) -> pd.DataFrame:
    """Concatenated CoinGecko top-100 snapshots (zeketests): ``snapshot_date,rank,name,symbol,price``.

    ``snapshot_date`` (``YYYY-MM-DD``) comes from the upstream file name; the capture time of day
    is approximate (mid-morning to noon UTC), so the index is the date label at 00:00 UTC.
    Quirk: a symbol can occur twice on one date for two different coins (``SOL`` = Solana and
    Wrapped SOL; bridged USDC/USDT/WETH/WSTETH), so rows are keyed by ``name``. The parser raises
    on a duplicate (date, name) or (date, rank), on dates out of order, and on a non-integer rank.

    Output: index = snapshot date at 00:00 UTC; ``name``, ``symbol`` (text); ``rank`` (int, 1 =
    largest market cap); ``price`` (USD, rounded upstream).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["snapshot_date", "rank", "name", "symbol", "price"], where)
    for c in ("name", "symbol"):
        blank = (raw[c].astype("string").str.strip().fillna("") == "").to_numpy()
        if blank.any():
            raise DataError(where, f"column {c!r} has a blank value at data row {int(np.flatnonzero(blank)[0]) + 1}")
    idx = naive_to_utc(raw["snapshot_date"], where, "snapshot_date", fmt="%Y-%m-%d")
    check_order(idx, where, allow_repeats=True, what="snapshot dates")
    rank = to_float(raw["rank"], where, "rank")
    invalid = ((rank != np.floor(rank)) | (rank < 1)).to_numpy()
    if invalid.any():
        i = int(np.flatnonzero(invalid)[0])
        raise DataError(where, f"column 'rank' has an invalid rank {raw['rank'].iloc[i]!r} at data row {i + 1}")
    keys = pd.DataFrame({"snapshot_date": raw["snapshot_date"], "name": raw["name"], "rank": rank})
    _first_duplicate(keys, ["snapshot_date", "name"], where, "(snapshot_date, name)")
    _first_duplicate(keys, ["snapshot_date", "rank"], where, "(snapshot_date, rank)")
    return frame(
        idx,
        {
            "name": raw["name"],
            "symbol": raw["symbol"],
            "rank": rank.astype("int64"),
            "price": to_float(raw["price"], where, "price"),
        },
    )
