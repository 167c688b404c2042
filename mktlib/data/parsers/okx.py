"""OKX BTC-USD-SWAP hourly snapshots (olzhas070701/BTC-Futures-Data ``funding_basis_data.csv``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, register, require_columns, to_float
from mktlib.errors import DataError

SOURCE_COLUMNS = ["date", "spot_price", "futures_price", "basis", "funding_rate", "open_interest"]


@register("okx_swap_snapshots")
def okx_swap_snapshots(
    path: Path,
    where: str,
    tz: str = "Etc/GMT-5",
    contract_usd: float = 100.0,
    funding_interval_hours: int = 8,
    basis_tol: float = 1e-5,
) -> pd.DataFrame:
    """``date,spot_price,futures_price,basis,funding_rate,open_interest,cvd`` (one row per cron run).

    Time: ``date`` is the run time floored to the hour in LOCAL time Asia/Almaty = UTC+5 (SOURCES.md).
    The default ``tz`` is the fixed offset ``Etc/GMT-5`` (= UTC+5, POSIX sign convention) rather than
    the zone name, because Kazakhstan moved Almaty from UTC+6 to UTC+5 only on 2024-03-01 and a
    tz database older than 2024a would shift every row by an hour; every row is after that date.
    Example: "2025-10-11 02:00" (UTC+5) -> 2025-10-10 21:00 UTC (spot 108,339: the 10 Oct crash).
    The first 3 rows are ``YYYY-MM-DD HH:MM``, the rest ``YYYY-MM-DD HH:MM:SS``: exactly these two
    layouts are accepted, and every time must be on the full hour. The index is the labelled hour in
    UTC; the real snapshot time lies somewhere inside that hour (late GitHub cron runs).

    Columns (the upstream ``cvd`` = buy-minus-sell over the last 100 spot trades only is dropped):
    - spot_price   OKX BTC-USDT last price (USDT);
    - swap_price   OKX BTC-USD-SWAP (inverse perpetual) last price (USD);
    - basis_pct    (swap - spot) / spot x 100, percent; checked against the two prices (|diff| <= basis_tol);
    - funding_rate OKX current-period funding rate, fraction per 8h (a snapshot, not the settled rate);
    - interval_hours 8;
    - oi_contracts open interest in contracts; oi_usd = contracts x ``contract_usd`` (face value 100 USD
      per contract, SOURCES.md); oi_coin = oi_usd / swap_price (BTC; derived at the snapshot's price).
    """
    raw = read_csv(path, where)
    require_columns(raw, SOURCE_COLUMNS, where)
    text = raw["date"].str.strip()
    short = text.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
    long_ = text.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
    bad = ~(short | long_)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(where, f"column 'date' has an unexpected layout {raw['date'].iloc[i]!r} at data row {i + 1}")
    text = text.where(long_, text + ":00")
    idx = naive_to_utc(text, where, "date", tz=tz, fmt="%Y-%m-%d %H:%M:%S")
    off_hour = (idx.minute != 0) | (idx.second != 0)
    if off_hour.any():
        i = int(np.flatnonzero(off_hour)[0])
        raise DataError(where, f"column 'date': {raw['date'].iloc[i]!r} is not on the full hour (data row {i + 1})")
    check_order(idx, where)

    spot = to_float(raw["spot_price"], where, "spot_price")
    swap = to_float(raw["futures_price"], where, "futures_price")
    basis = to_float(raw["basis"], where, "basis")
    recomputed = (swap - spot) / spot * 100.0
    off = (recomputed - basis).abs() > basis_tol
    if off.any():
        i = int(np.flatnonzero(off.to_numpy())[0])
        raise DataError(
            where,
            f"column 'basis' = {basis.iloc[i]} but (futures - spot)/spot x 100 = "
            f"{recomputed.iloc[i]:.6f} at data row {i + 1}: not a percent basis",
        )
    contracts = to_float(raw["open_interest"], where, "open_interest")
    oi_usd = contracts * contract_usd
    return frame(
        idx,
        {
            "spot_price": spot,
            "swap_price": swap,
            "basis_pct": basis,
            "funding_rate": to_float(raw["funding_rate"], where, "funding_rate"),
            "interval_hours": np.full(len(raw), float(funding_interval_hours)),
            "oi_contracts": contracts,
            "oi_usd": oi_usd,
            "oi_coin": oi_usd / swap,
        },
    )
