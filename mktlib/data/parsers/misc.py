"""Small single-file formats: DefiLlama stablecoin supply, Bitbo treasury holdings, the
Diebold-Yilmaz (2012) validation data set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mktlib.data.io import read_csv
from mktlib.data.parse import check_order, frame, naive_to_utc, register, require_columns, to_float
from mktlib.errors import DataError


@register("defillama_supply")
def defillama_supply(path: Path, where: str) -> pd.DataFrame:
    """``as_of,value,status``: DefiLlama daily total, ISO UTC date, value in USD.

    ``status`` must be ``ok`` on every row (any other status raises rather than passing a flagged
    value on). Output: index = UTC date (00:00 UTC); ``value`` in USD.
    """
    raw = read_csv(path, where)
    require_columns(raw, ["as_of", "value", "status"], where)
    bad = raw["status"].astype("string").str.strip() != "ok"
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(where, f"status {raw['status'].iloc[i]!r} at data row {i + 1} (expected 'ok')")
    idx = naive_to_utc(raw["as_of"], where, "as_of", fmt="%Y-%m-%d")
    check_order(idx, where)
    return frame(idx, {"value": to_float(raw["value"], where, "value")})


BITBO_TOTALS = "**Totals:**"


@register("bitbo_holdings")
def bitbo_holdings(path: Path, where: str, totals_tol: float = 1.0) -> pd.DataFrame:
    """Bitbo public-company BTC holdings, daily scrapes appended in one file.

    Input columns: ``Entity,Country,Symbol:Exchange,Filings & Sources,# of BTC,Value Today,
    % of 21m,Scrape Date,BTC Change,Value Change``; ``Scrape Date`` = ISO UTC date of the scrape.

    Summary rows: each scrape date ends with one totals row (``Filings & Sources`` =
    ``**Totals:**``, blank ``Entity`` and ``Symbol:Exchange``). Rule: every date must have exactly
    one, as its last row (else it raises); it is removed after checking that its ``# of BTC``
    equals the sum of that date's company rows within ``totals_tol`` BTC. A company row with a
    blank ``Entity`` or ``Symbol:Exchange`` raises; (date, symbol, entity) must be unique.

    Kept: ``# of BTC`` only. Dropped: ``Country`` (blank throughout), ``Filings & Sources``,
    ``% of 21m`` (= BTC / 21m, rounded), the upstream change columns, and ``Value Today`` /
    ``Value Change``: their scale is mixed in the file (US$ billions for large holders, millions
    or plain dollars for small ones; the B/M suffixes were stripped by the scraper).

    Output (long): index = scrape date (00:00 UTC label); ``symbol`` (``Symbol:Exchange``, e.g.
    ``MSTR:NADQ``), ``entity`` (company name as listed), ``btc`` (BTC held).
    """
    raw = read_csv(path, where)
    require_columns(raw, ["Entity", "Symbol:Exchange", "Filings & Sources", "# of BTC", "Scrape Date"], where)
    idx = naive_to_utc(raw["Scrape Date"], where, "Scrape Date", fmt="%Y-%m-%d")
    btc = to_float(raw["# of BTC"], where, "# of BTC").to_numpy()
    entity = raw["Entity"].astype("string").str.strip()
    symbol = raw["Symbol:Exchange"].astype("string").str.strip()
    is_total = (raw["Filings & Sources"].astype("string").str.strip() == BITBO_TOTALS).to_numpy()
    if (entity[is_total] != "").any() or (symbol[is_total] != "").any():
        raise DataError(where, "a totals row names a company")
    check_order(idx, where, allow_repeats=True, what="scrape dates")
    last_of_date = np.append(idx.asi8[1:] != idx.asi8[:-1], True)
    misplaced = is_total != last_of_date
    if misplaced.any():
        i = int(np.flatnonzero(misplaced)[0])
        what = "totals row not at the end of its date" if is_total[i] else "date without a final totals row"
        raise DataError(where, f"{what}: data row {i + 1} ({idx[i].date()})")
    company = ~is_total
    blank = company & ((entity == "") | (symbol == "")).to_numpy()
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        raise DataError(where, f"company row without Entity or Symbol:Exchange at data row {i + 1}")
    day = pd.Series(btc[company], index=idx[company]).groupby(level=0).sum()
    total = pd.Series(btc[is_total], index=idx[is_total])
    off = (day - total.reindex(day.index)).abs()
    if (off > totals_tol).any():
        raise DataError(
            where, f"totals row on {off.idxmax().date()} differs from the sum of companies by {off.max():.2f} BTC"
        )
    out_idx = idx[company]
    dup = pd.DataFrame({"t": out_idx.asi8, "s": symbol[company].to_numpy(), "e": entity[company].to_numpy()})
    if dup.duplicated().any():
        i = int(np.flatnonzero(dup.duplicated().to_numpy())[0])
        raise DataError(where, f"duplicate company row {dup.s.iloc[i]!r} / {dup.e.iloc[i]!r} on {out_idx[i].date()}")
    return frame(
        out_idx,
        {
            "symbol": symbol[company].to_numpy(dtype=object),
            "entity": entity[company].to_numpy(dtype=object),
            "btc": btc[company],
        },
    )


@register("validation_dated_floats")
def validation_dated_floats(
    path: Path, where: str, date_column: str = "Date", columns: list[str] | None = None
) -> pd.DataFrame:
    """A plain table ``<date_column>,<col>,...`` with ISO dates and float columns (quotes allowed).

    Used for the Diebold-Yilmaz (2012) data set. ``columns`` (default: all others) are kept with
    their names unchanged and parsed exactly (Python float semantics, round-trip exact); blanks
    raise. Output: index = the date as a label at 00:00 UTC.
    """
    raw = read_csv(path, where)
    cols = columns or [c for c in raw.columns if c != date_column]
    require_columns(raw, [date_column, *cols], where)
    idx = naive_to_utc(raw[date_column], where, date_column, fmt="%Y-%m-%d")
    check_order(idx, where)
    return frame(idx, {c: to_float(raw[c], where, c) for c in cols})
