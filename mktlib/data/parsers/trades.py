"""Tick-by-tick trade files (Tardis.dev ``trades`` CSV layout)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, epoch_to_utc, frame, register, require_columns, to_float
from mktlib.errors import DataError

TARDIS_COLUMNS = ["exchange", "symbol", "timestamp", "local_timestamp", "id", "side", "price", "amount"]
SIDES = {"buy", "sell"}


def _trade_ids(values: pd.Series, where: str) -> np.ndarray:
    """Trade ids (decimal digits only) as int64; anything else raises."""
    s = values.astype("string").str.strip()
    ok = s.str.fullmatch(r"\d{1,18}").fillna(False).to_numpy()
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise DataError(where, f"column 'id' has an invalid trade id {values.iloc[i]!r} at data row {i + 1}")
    return s.astype("int64").to_numpy()


@register("tardis_trades")
def tardis_trades(path: Path, where: str, exchange: str, symbol: str) -> pd.DataFrame:
    """Tardis.dev trades: ``exchange,symbol,timestamp,local_timestamp,id,side,price,amount``.

    ``timestamp`` (exchange trade time) and ``local_timestamp`` (Tardis receive time) are Unix
    epoch MICROseconds, UTC. ``exchange`` and ``symbol`` must equal the given values on every row
    (then dropped). Several trades can share a timestamp, so rows are keyed by the trade ``id``:
    ids must be unique, and the file must be in non-decreasing ``timestamp`` order (ties allowed,
    kept in file order). ``side`` must be ``buy`` or ``sell`` (the taker's side).

    Output: index = trade time (UTC); ``trade_id`` (int); ``side`` (text); ``price`` (quote
    currency); ``amount`` (base units); ``local_timestamp`` (UTC receive time).
    """
    raw = read_csv(path, where)
    require_columns(raw, TARDIS_COLUMNS, where)
    for col, want in (("exchange", exchange), ("symbol", symbol)):
        other = (raw[col].astype("string").str.strip() != want).fillna(True).to_numpy()
        if other.any():
            i = int(np.flatnonzero(other)[0])
            raise DataError(where, f"column {col!r} is {raw[col].iloc[i]!r} at data row {i + 1}, expected {want!r}")
    idx = epoch_to_utc(raw["timestamp"], where, "timestamp", unit="us")
    check_order(idx, where, allow_repeats=True)
    ids = _trade_ids(raw["id"], where)
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise DataError(where, f"duplicate trade id {ids[i]} at data row {i + 1}")
    side = raw["side"].astype("string").str.strip()
    bad = (~side.isin(SIDES)).fillna(True).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(where, f"column 'side' has {raw['side'].iloc[i]!r} at data row {i + 1}, expected buy/sell")
    local = epoch_to_utc(raw["local_timestamp"], where, "local_timestamp", unit="us")
    return frame(
        idx,
        {
            "trade_id": ids,
            "side": side.astype(str),
            "price": to_float(raw["price"], where, "price"),
            "amount": to_float(raw["amount"], where, "amount"),
            "local_timestamp": local.array,
        },
    )
