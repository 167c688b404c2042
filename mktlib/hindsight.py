"""The epilogue ("With hindsight"): the data of its charts, its forecast table and the numbers it quotes.

Forecasts are judged on the book's one hindsight horizon (``mktlib.verdicts.episode.hindsight_window()``).
The page's headline (BTC broke below the November low, then fell further) is read from the claims ledger
(A8's first undercut day), the protocol (the November low A8 uses) and :mod:`mktlib.keynumbers` (the
highest close, the lowest close after the January rally and the fall between them, close-to-close);
:func:`headline` recomputes them from the BTC daily series with :func:`path_after` and raises if any
disagrees.

Charts: ``epilogue-btc-path`` (:func:`btc_path_chart`) and ``epilogue-g6-btc-eth`` (:func:`g6_chart`).
"""

from __future__ import annotations

import html
import math

import pandas as pd

from mktlib import charts

DAY = pd.Timedelta("1D")
#: First day of the epilogue's BTC chart (the month of the peak).
PATH_START = "2025-10-01"


def _day(t) -> pd.Timestamp:
    """A UTC day (a naive date or timestamp is read as UTC)."""
    t = pd.Timestamp(t)
    return (t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")).normalize()


# ------------------------------------------------------------------------------------------------
# the headline


def path_after(daily: pd.DataFrame, prior_low: float, peak_window: tuple[str, str], after) -> dict:
    """What came after a low, from daily bars (columns ``low`` and ``close``, UTC days).

    Returns ``undercut_day`` (the first day after ``after`` whose low is below ``prior_low``; NaT if
    none), ``low_close`` and ``low_close_day`` (the lowest close from the undercut day to the end of the
    data), ``peak_close`` and ``peak_close_day`` (the highest close in ``peak_window``, both ends
    included), ``fall_close`` (``1 - low_close / peak_close``: close-to-close) and ``end`` (the last day).

    >>> d = pd.DataFrame({"low": [9.0, 7.0, 8.0, 6.0, 6.5], "close": [10.0, 8.0, 9.0, 6.5, 7.0]},
    ...                  index=pd.date_range("2025-10-01", periods=5, tz="UTC"))
    >>> p = path_after(d, 7.0, ("2025-10-01", "2025-10-01"), "2025-10-02")
    >>> str(p["undercut_day"].date()), p["low_close"], round(p["fall_close"], 3)
    ('2025-10-04', 6.5, 0.35)
    """
    d = daily.sort_index()
    pk = d.loc[_day(peak_window[0]) : _day(peak_window[1]), "close"]
    if pk.empty:
        raise ValueError(f"path_after: no close in the peak window {peak_window}")
    later = d.loc[d.index > _day(after)]
    under = later.index[(later["low"] < prior_low).to_numpy()]
    out = {
        "undercut_day": under[0] if len(under) else pd.NaT,
        "peak_close": float(pk.max()),
        "peak_close_day": pk.idxmax(),
        "end": d.index[-1],
        "low_close": math.nan,
        "low_close_day": pd.NaT,
        "fall_close": math.nan,
    }
    if len(under):
        rest = d.loc[under[0] :, "close"]
        out.update(low_close=float(rest.min()), low_close_day=rest.idxmin())
        out["fall_close"] = 1.0 - out["low_close"] / out["peak_close"]
    return out


def november_low() -> tuple[pd.Timestamp, float]:
    """The November low A8 uses: its value from the protocol (A8's ``prior_low``) and its day from
    :mod:`mktlib.keynumbers` (the hourly low); ValueError if the two values differ."""
    from mktlib import claims, keynumbers

    low = float(claims.specifications("A8")[0]["prior_low"])
    kn = float(keynumbers.value("btc_low_intraday"))
    if abs(kn - low) > 1e-6:
        raise ValueError(f"A8's November low {low} differs from the key number btc_low_intraday {kn}")
    return _day(keynumbers.when("btc_low_intraday")), low


def headline() -> dict:
    """The epilogue's headline numbers, each from its one source and checked against a recomputation.

    Keys: ``prior_low`` and ``prior_low_day`` (the November low), ``article_day`` (the date of the
    commentary that warned of a dead-cat bounce), ``undercut_day`` (ledger, A8.first_undercut_date) and
    ``days_after_article``, ``peak_close``/``peak_close_day``, ``low_close``/``low_close_day`` and
    ``fall_close`` (key numbers btc_peak_close, btc_low_after_close, btc_fall_to_low_after_close:
    UTC daily closes, the fall close-to-close), ``end`` (last day of the BTC series).
    """
    from mktlib import claims, keynumbers
    from mktlib.verdicts import episode as ve

    low_day, low = november_low()
    art = claims.specifications("A8")[0]["article"]
    art_day = _day(claims.articles()[art]["date"])
    undercut = _day(claims.evaluate("A8").values["A8.first_undercut_date"])
    out = {
        "prior_low": low,
        "prior_low_day": low_day,
        "article": art,
        "article_day": art_day,
        "undercut_day": undercut,
        "days_after_article": int((undercut - art_day) / DAY),
        "peak_close": float(keynumbers.value("btc_peak_close")),
        "peak_close_day": _day(keynumbers.when("btc_peak_close")),
        "low_close": float(keynumbers.value("btc_low_after_close")),
        "low_close_day": _day(keynumbers.when("btc_low_after_close")),
        "fall_close": float(keynumbers.value("btc_fall_to_low_after_close")),
        "end": _day(ve.btc_daily().index[-1]),
    }
    check = path_after(ve.btc_daily(), low, keynumbers.PEAK_WINDOW, low_day)
    for k in ("undercut_day", "peak_close", "peak_close_day", "low_close", "low_close_day", "fall_close", "end"):
        a, b = out[k], check[k]
        same = abs(a - b) <= 1e-9 * max(1.0, abs(b)) if isinstance(a, float) else _day(a) == _day(b)
        if not same:
            raise ValueError(f"hindsight.headline: {k} is {a} from the ledger/key numbers but {b} recomputed")
    if _day(keynumbers.value("btc_undercut_day")) != undercut:
        raise ValueError("hindsight.headline: the ledger's A8 undercut day differs from the key number")
    return out


# ------------------------------------------------------------------------------------------------
# the forecast table


def forecast_table(summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every forecast part of the ledger, one row each, for ``book.table(..., html_columns=FORECAST_HTML)``.

    Columns: ``claim part`` (a link to the claim's section: on this page for the epilogue's claims,
    else in its chapter), ``commentary`` (short title), ``written on`` and ``horizon ends`` (UTC days,
    ``mktlib.verdicts.episode.hindsight_window()``), ``forecast`` (the statement, commentaries cited by
    title), ``verdict`` (badge), ``stability`` (text) and ``tested in`` (a link to the chapter).
    ``summary`` defaults to the ledger's (``claims.result().summary``; columns ``claim``, ``part``,
    ``type``, ``statement``, ``verdict``, ``primary_verdict``, ``stability``, ``n_specifications``).
    """
    from mktlib import claims
    from mktlib.verdicts.episode import hindsight_window

    s = claims.result().summary if summary is None else summary
    arts, reg = claims.articles(), claims.registry()
    rows = []
    for r in s[s["type"] == "forecast"].itertuples():
        art = reg[r.claim].article.split(",")[0].strip()
        title, doc = claims.CHAPTERS[reg[r.claim].chapter]
        here = reg[r.claim].chapter == "epilogue"
        href = f"#claim-{r.claim.lower()}" if here else f"../{doc}.html#claim-{r.claim.lower()}"
        stab = r.stability
        rows.append(
            {
                "claim part": f'<a href="{href}">{html.escape(r.part)}</a>',
                "commentary": arts[art]["short"],
                "written on": _day(arts[art]["date"]),
                "forecast": claims.cite(r.statement),
                "horizon ends": hindsight_window(art)[1],
                "verdict": claims.verdict_badge(r.verdict, r.primary_verdict),
                "stability": "one specification"
                if stab is None or stab != stab
                else f"{stab:.0%} of {int(r.n_specifications)} specifications",
                "tested in": "this page" if here else f'<a href="../{doc}.html">{html.escape(title)}</a>',
            }
        )
    return pd.DataFrame(rows)


#: The columns of :func:`forecast_table` that hold HTML.
FORECAST_HTML = ("claim part", "verdict", "tested in")


# ------------------------------------------------------------------------------------------------
# charts


@charts.register(
    "epilogue-btc-path",
    sources=["btc_spot_1d_fullcols"],
    units="USDT",
    title="BTC daily close and daily low from October 2025 to the end of the data (Binance spot BTCUSDT)",
)
def btc_path_chart() -> pd.DataFrame:
    """BTC's daily close and low (Binance spot BTCUSDT, UTC days) from ``PATH_START`` to the end
    of the data."""
    from mktlib.verdicts import episode as ve

    d = ve.btc_daily().loc[_day(PATH_START) :, ["close", "low"]]
    return d.rename(columns={"close": "BTC daily close", "low": "BTC daily low"})


def g6_window() -> tuple[pd.Timestamp, pd.Timestamp]:
    """The span of the G6 chart: from G6's ``lookback_days`` before the article's date to the end of
    its hindsight horizon."""
    from mktlib import claims
    from mktlib.verdicts.episode import hindsight_window

    s = claims.specifications("G6")[0]
    art = _day(claims.articles()[s["article"]]["date"])
    return art - (int(s["lookback_days"]) - 1) * DAY, hindsight_window(s["article"])[1]


@charts.register(
    "epilogue-g6-btc-eth",
    sources=["btc_spot_1d_fullcols", "eth_spot_1d_fullcols"],
    units="USDT",
    title='BTC and ETH daily closes in the month before "Spot bull, not leverage bull" and over its hindsight horizon',
)
def g6_chart() -> pd.DataFrame:
    """BTC's and ETH's daily closes (Binance spot, UTC days) over :func:`g6_window`."""
    from mktlib.verdicts import episode as ve

    a, z = g6_window()
    return pd.DataFrame(
        {
            "BTC daily close": ve.btc_daily().loc[a:z, "close"],
            "ETH daily close": ve.spot_daily("eth").loc[a:z, "close"],
        }
    )


def splice_agreement(a: pd.DataFrame, b: pd.DataFrame, cols: list[str]) -> tuple[pd.Timestamp, float]:
    """The last day two daily series share and the largest absolute difference of ``cols`` over all
    the days they share (ValueError if they share none).

    >>> i = pd.date_range("2025-01-01", periods=3, tz="UTC")
    >>> a = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=i)
    >>> b = pd.DataFrame({"close": [2.5, 3.0]}, index=i[1:])
    >>> t, m = splice_agreement(a, b, ["close"]); str(t.date()), m
    ('2025-01-03', 0.5)
    """
    common = a.index.intersection(b.index)
    if len(common) == 0:
        raise ValueError("splice_agreement: the two series share no day")
    diff = (a.loc[common, cols] - b.loc[common, cols]).abs()
    return common[-1], float(diff.to_numpy().max())
