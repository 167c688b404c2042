"""Key numbers: one value per quantity, with its definition, window and price basis.

Several pages quote the same quantities (BTC's peak, its low, its fall, the bounce, what came after).
Measured on different bases they differ: the fall from the highest hourly price to the lowest is larger
than the fall between daily closes, and both differ from the return between two chosen days. The book
therefore quotes each quantity from this table, under its own name, with its basis stated; a page that
quotes another basis says so.

:func:`table` returns one row per quantity, indexed by ``id``, with columns

- ``quantity``: what it is, in words;
- ``value``: the number (fractions for returns and falls, USDT for prices; a date for dates);
- ``unit``: ``fraction``, ``USDT`` or ``date``;
- ``when``: the date (UTC) the value refers to (for a price, the day; for a fall, its end), or None;
- ``basis``: ``intraday (hourly bars)``, ``close-to-close (UTC daily closes)``, ``own official closes``...;
- ``window``: the dates searched;
- ``definition``: how it is computed.

>>> sorted(table().columns)
['basis', 'definition', 'quantity', 'unit', 'value', 'when', 'window']
"""

from __future__ import annotations

import functools

import pandas as pd

from mktlib import episode

#: The window in which the episode's peak and November low are searched (UTC days); the hindsight
#: quantities run from the January rally to the end of the data.
PEAK_WINDOW = ("2025-09-01", "2025-10-31")
LOW_WINDOW = ("2025-11-01", "2025-11-30")
RALLY_WINDOW = ("2026-01-01", "2026-01-31")


def _day(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def _argmax(s: pd.Series, window: tuple[str, str]) -> tuple[pd.Timestamp, float]:
    w = s.loc[_day(window[0]) : _day(window[1])]
    return w.idxmax(), float(w.max())


def _argmin(s: pd.Series, window: tuple[str, str]) -> tuple[pd.Timestamp, float]:
    w = s.loc[_day(window[0]) : _day(window[1])]
    return w.idxmin(), float(w.min())


def own_close_return(closes: pd.Series, first, last) -> float:
    """Return between the last close on or before ``first`` and the last close on or before ``last``
    (each market on its own closes).

    >>> days = pd.DatetimeIndex(["2025-10-03", "2025-10-06", "2025-11-21"], tz="UTC")
    >>> s = pd.Series([100.0, 110.0, 99.0], index=days)
    >>> round(own_close_return(s, "2025-10-05", "2025-11-22"), 4)
    -0.01
    """
    a = closes.loc[: _day(str(pd.Timestamp(first).date()))]
    z = closes.loc[: _day(str(pd.Timestamp(last).date()))]
    if a.empty or z.empty:
        raise ValueError(f"own_close_return: no close on or before {first} / {last}")
    return float(z.iloc[-1] / a.iloc[-1] - 1.0)


@functools.lru_cache(maxsize=1)
def table() -> pd.DataFrame:
    """The key numbers (see the module docstring for the columns)."""
    k = key_dates()
    closes = episode.load_key_closes()
    btc = closes["BTC (UTC day)"][0]
    from mktlib import data

    daily = data.load("btc_spot_1d_fullcols")
    end = btc.index[-1]
    rows: list[dict] = []

    def add(id_, quantity, value, unit, when, basis, window, definition):
        rows.append(
            {
                "id": id_,
                "quantity": quantity,
                "value": value,
                "unit": unit,
                "when": when,
                "basis": basis,
                "window": window,
                "definition": definition,
            }
        )

    hourly = "intraday (hourly bars)"
    close = "close-to-close (UTC daily closes)"
    pk_t, pk = k.loc["peak", "time"], float(k.loc["peak", "price"])
    lo_t, lo = k.loc["low", "time"], float(k.loc["low", "price"])
    add(
        "btc_peak_intraday",
        "BTC's peak price",
        pk,
        "USDT",
        pk_t,
        hourly,
        "September-October 2025",
        "highest hourly high of Binance spot BTCUSDT",
    )
    add(
        "btc_low_intraday",
        "BTC's November low",
        lo,
        "USDT",
        lo_t,
        hourly,
        "November 2025",
        "lowest hourly low of Binance spot BTCUSDT after the peak",
    )
    add(
        "btc_fall_intraday",
        "BTC's fall from the peak to the November low",
        1.0 - lo / pk,
        "fraction",
        lo_t,
        hourly,
        "peak hour to low hour",
        "1 - lowest hourly low / highest hourly high",
    )
    pc_t, pc = _argmax(btc, PEAK_WINDOW)
    lc_t, lc = _argmin(btc, LOW_WINDOW)
    add(
        "btc_peak_close",
        "BTC's highest daily close",
        pc,
        "USDT",
        pc_t,
        close,
        "September-October 2025",
        "highest UTC daily close",
    )
    add(
        "btc_low_close",
        "BTC's lowest daily close in November",
        lc,
        "USDT",
        lc_t,
        close,
        "November 2025",
        "lowest UTC daily close",
    )
    add(
        "btc_fall_close",
        "BTC's fall from the highest to the lowest close",
        1.0 - lc / pc,
        "fraction",
        lc_t,
        close,
        "highest close (October) to lowest close (November)",
        "1 - lowest November close / highest September-October close",
    )
    rp_t, rp = _argmax(btc, RALLY_WINDOW)
    add(
        "btc_rally_peak_close",
        "BTC's highest close of the January rally",
        rp,
        "USDT",
        rp_t,
        close,
        "January 2026",
        "highest UTC daily close",
    )
    add(
        "btc_bounce_close",
        "BTC's rise from the lowest November close to the January high",
        rp / lc - 1.0,
        "fraction",
        rp_t,
        close,
        "lowest November close to highest January close",
        "highest January close / lowest November close - 1",
    )
    after = daily.loc[daily.index > lo_t.normalize()]
    under = after.index[after["low"] < lo]
    if len(under) == 0:
        raise ValueError("keynumbers: BTC never traded below its November low in the data")
    add(
        "btc_undercut_day",
        "First day BTC traded below its November low",
        under[0],
        "date",
        under[0],
        "intraday (daily lows)",
        "after 21 November 2025, to the end of the data",
        "first UTC day whose low is below the November hourly low",
    )
    ai_t = after["low"].loc[after.index >= rp_t].idxmin()
    ai = float(after.loc[ai_t, "low"])
    add(
        "btc_low_after_intraday",
        "BTC's lowest price after the January rally",
        ai,
        "USDT",
        ai_t,
        "intraday (daily lows)",
        f"January 2026 high to the end of the data ({end:%d %b %Y})",
        "lowest UTC daily low after the January high",
    )
    add(
        "btc_fall_to_low_after_intraday",
        "BTC's fall from its peak to its lowest price after the rally",
        1.0 - ai / pk,
        "fraction",
        ai_t,
        "intraday (hourly high; daily lows)",
        f"peak hour (October 2025) to the lowest low to {end:%d %b %Y}",
        "1 - lowest daily low after the January high / highest hourly high",
    )
    la_t, la = _argmin(btc, (str(rp_t.date()), str(end.date())))
    add(
        "btc_low_after_close",
        "BTC's lowest close after the January rally",
        la,
        "USDT",
        la_t,
        close,
        f"January 2026 high to the end of the data ({end:%d %b %Y})",
        "lowest UTC daily close after the January high",
    )
    add(
        "btc_fall_to_low_after_close",
        "BTC's fall from its highest close to its lowest close after the rally",
        1.0 - la / pc,
        "fraction",
        la_t,
        close,
        f"highest close (October 2025) to the lowest close to {end:%d %b %Y}",
        "1 - lowest close after the January high / highest September-October close",
    )
    own = "each market's own official closes"
    for id_, name, label in (
        ("btc_return_peak_to_low_day", "BTC (UTC day)", "BTC"),
        ("ndx_return_peak_to_low_day", "Nasdaq-100", "the Nasdaq-100"),
        ("gold_return_peak_to_low_day", "Gold (LBMA PM)", "gold (LBMA PM fix)"),
        ("hsi_return_peak_to_low_day", "Hang Seng", "the Hang Seng"),
    ):
        add(
            id_,
            f"Return of {label} from BTC's peak day to the day of its low",
            own_close_return(closes[name][0], pk_t, lo_t),
            "fraction",
            lo_t.normalize(),
            close if name.startswith("BTC") else own,
            f"{pk_t:%d %b} to {lo_t:%d %b %Y}",
            "last close on or before the peak day to the last close on or before the day of the low",
        )
    return pd.DataFrame(rows).set_index("id")


def value(id_: str):
    """The value of key number ``id_`` (KeyError naming the known ids otherwise)."""
    t = table()
    if id_ not in t.index:
        raise KeyError(f"no key number {id_!r}; known: {', '.join(t.index)}")
    v = t.loc[id_, "value"]
    return v.item() if hasattr(v, "item") else v


def when(id_: str) -> pd.Timestamp:
    """The date key number ``id_`` refers to."""
    return table().loc[id_, "when"]


def for_people() -> pd.DataFrame:
    """The table as the book shows it: quantity, value (formatted), date, basis, window, definition."""
    from mktlib.book import fmt_day, fmt_num, fmt_pct

    t = table()

    def fmt(r):
        if r["unit"] == "fraction":
            return fmt_pct(r["value"], 1, sign=False)
        if r["unit"] == "USDT":
            return fmt_num(r["value"], 0)
        return fmt_day(r["value"])

    return pd.DataFrame(
        {
            "quantity": t["quantity"],
            "value": t.apply(fmt, axis=1),
            "date": t["when"].map(fmt_day),
            "basis": t["basis"],
            "window": t["window"],
            "how it is computed": t["definition"],
        }
    ).reset_index(drop=True)


def key_dates() -> pd.DataFrame:
    """The episode's turning points as found by :func:`mktlib.episode.find_episode` (``label, time, day,
    bar, price, fall``), indexed by key (peak, cascade, low, recovery, rally_start, rally_peak, after_low,
    end): the chapters' one episode (``mktlib.verdicts.episode.the_episode()``, computed once)."""
    from mktlib.verdicts import episode as ve

    return ve.the_episode().key_dates


def episode_marks(*, at: str = "day", dated: bool = True) -> dict[str, pd.Timestamp]:
    """The episode's peak, cascade and low for :func:`mktlib.plotting.mark_dates`: label -> UTC instant,
    found by :func:`mktlib.episode.find_episode` (never typed). ``at="day"`` marks the UTC day,
    ``at="time"`` the hourly bar; ``dated`` writes the day into the label ("6 Oct peak", else "peak")."""
    if at not in ("day", "time"):
        raise ValueError(f"episode_marks: at must be 'day' or 'time', not {at!r}")
    k = key_dates()
    out = {}
    for key in ("peak", "cascade", "low"):
        t = k.loc[key, at]
        out[f"{t.day} {t:%b} {key}" if dated else key] = t
    return out


def timeline() -> pd.DataFrame:
    """The front page's short timeline: ``date`` (UTC day) and ``event`` (a sentence built from the
    data), the turning points and the four commentaries' dates, in order."""
    from mktlib import claims
    from mktlib.book import fmt_num, fmt_pct

    k = key_dates()
    t = table()
    rows = [
        (k.loc["peak", "day"], f"Bitcoin peaks at {fmt_num(k.loc['peak', 'price'])} (hourly high)"),
        (
            k.loc["cascade", "day"],
            f"Liquidation cascade: one hourly bar falls {fmt_pct(-k.loc['cascade', 'fall'], sign=False)} from its open",
        ),
        (k.loc["low", "day"], f"The low: {fmt_num(k.loc['low', 'price'])} (hourly low)"),
        (k.loc["recovery", "day"], "First daily close back above 90,000"),
        (
            t.loc["btc_rally_peak_close", "when"],
            f"January rally peaks at a close of {fmt_num(t.loc['btc_rally_peak_close', 'value'])}",
        ),
        (t.loc["btc_undercut_day", "value"], "Bitcoin trades below the November low again"),
        (
            t.loc["btc_low_after_intraday", "when"],
            f"Lowest price to date: {fmt_num(t.loc['btc_low_after_intraday', 'value'])}",
        ),
    ]
    for a in claims.articles().values():
        outlet = "" if a["outlet"].startswith("not stated") else f" ({a['outlet'].split(',')[0]})"
        rows.append((pd.Timestamp(a["date"], tz="UTC"), f"Commentary \u201c{a['short']}\u201d{outlet}"))
    df = pd.DataFrame(rows, columns=["date", "event"])
    df["date"] = pd.to_datetime(df["date"], utc=True).dt.normalize()
    return df.sort_values("date", kind="stable").reset_index(drop=True)


from mktlib import charts  # noqa: E402  (registration below uses the functions above)


@charts.register(
    "summary-btc-path",
    sources=["btc_spot_1d_fullcols"],
    units="USDT (Binance spot BTCUSDT daily close, read as US dollars)",
    title="Bitcoin's daily close, September 2025 to the end of the data",
)
def btc_path_chart() -> pd.DataFrame:
    """BTC's UTC daily close from 1 September 2025 to the end of the data (column ``close``)."""
    from mktlib import data

    d = data.load("btc_spot_1d_fullcols")
    return d.loc[_day("2025-09-01") :, ["close"]]


@charts.drawer("summary-btc-path")
def _draw_btc_path(df: pd.DataFrame):
    """The front page's lead chart (:func:`mktlib.plotting.btc_path_figure`)."""
    from mktlib import plotting

    plotting.set_theme()
    fig, _ = plotting.btc_path_figure(df)
    return fig
