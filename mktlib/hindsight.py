"""The epilogue ("With hindsight"): the data of its charts, its forecast table and the numbers it quotes.

Forecasts are judged on the book's one hindsight horizon (``mktlib.verdicts.episode.hindsight_window()``).
The page's headline (BTC broke below the November low, then fell further) is read from the claims ledger
(A8's first undercut day), the protocol (the November low A8 uses) and :mod:`mktlib.keynumbers` (the
highest close, the lowest close after the January rally and the fall between them, close-to-close);
:func:`headline` recomputes them from the BTC daily series with :func:`path_after` and raises if any
disagrees.

Charts: ``epilogue-btc-path`` (data :func:`btc_path_chart`, drawing :func:`draw_btc_path`) and
``epilogue-g6-btc-eth`` (data :func:`g6_chart`, drawing :func:`draw_g6`): ``mktlib.charts.figure(name)``
returns the figure the page shows.
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


@charts.drawer("epilogue-btc-path")
def draw_btc_path(df: pd.DataFrame):
    """The epilogue's BTC chart from ``df`` (:func:`btc_path_chart`): daily close and low, the
    forecasts' levels (the November low, A1's and G6's levels, A8's recovery level), a band per
    commentary for its hindsight horizon, the undercut day and the lowest close (:func:`headline`)."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import claims, plotting
    from mktlib.book import fmt_day, fmt_num
    from mktlib.verdicts import episode as ve

    plotting.set_theme()
    H, arts = headline(), claims.articles()
    A1, G6 = claims.specifications("A1")[0], claims.specifications("G6")[0]
    recovery = claims.evaluate("A8").values["A8.recovery_level"]
    close, low = df["BTC daily close"], df["BTC daily low"]
    fig, ax = plt.subplots(figsize=(8.6, 4.6))
    ax.fill_between(df.index, low, close, color=plotting.PALETTE["btc"], alpha=0.25, lw=0, label="daily low")
    ax.plot(df.index, close, color=plotting.PALETTE["btc"], lw=1.6, label="daily close")
    nov = H["prior_low_day"]
    levels = (
        (H["prior_low"], f" November low {fmt_num(H['prior_low'])} ({nov.day} {nov:%b})", "top", "left"),
        (A1["level"], fmt_num(A1["level"]), "top", "right"),
        (G6["level"], fmt_num(G6["level"]), "bottom", "right"),
        (recovery, f"A8 recovery level {fmt_num(recovery)}", "bottom", "right"),
    )
    for lvl, txt, va, ha in levels:
        ax.axhline(lvl, color="#555555", lw=0.8, ls=":")
        ax.text(df.index[0 if ha == "left" else -1], lvl, txt, ha=ha, va=va, fontsize=7.5, color="#333333")
    ymin = float(low.min()) * 0.93
    bands = (("003", "D12b, D14c"), ("000", "A7b, A8a"), ("002", "G6a, G6b"))
    for k, (art, parts) in enumerate(bands):
        h0, h1 = ve.hindsight_window(art)
        y = ymin * (1 + 0.05 * k)
        ax.plot([h0, h1], [y, y], color="#6a3d9a", lw=5, alpha=0.55, solid_capstyle="butt")
        ax.text(
            h0 - pd.Timedelta("3D"),
            y,
            f"\u201c{arts[art]['short']}\u201d: {parts}",
            ha="right",
            va="center",
            fontsize=7.5,
            color="#6a3d9a",
        )
    u = H["undercut_day"]
    ax.plot([u], [low.loc[u]], "o", color="black", ms=4)
    ax.annotate(
        f"first trade below the November low\n{fmt_day(u)}",
        (u, low.loc[u]),
        xytext=(-25, -30),
        textcoords="offset points",
        fontsize=8,
        ha="right",
        arrowprops={"arrowstyle": "-", "lw": 0.5},
    )
    m = H["low_close_day"]
    ax.plot([m], [close.loc[m]], "o", color="black", ms=4)
    ax.annotate(
        f"lowest close {fmt_num(close.loc[m])}\n{fmt_day(m)}",
        (m, close.loc[m]),
        xytext=(12, -26),
        textcoords="offset points",
        fontsize=8,
        ha="left",
        arrowprops={"arrowstyle": "-", "lw": 0.5},
    )
    ax.set_ylim(ymin * 0.96, float(close.max()) * 1.04)
    plotting.thousands(ax)
    ax.set_ylabel("BTCUSDT (USDT)")
    ax.set_xlabel("date (UTC); bands: the horizon after each commentary's date")
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 3, 5, 7, 10, 12]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(
        f"BTC broke below its November low on {fmt_day(u)} and fell further:\n"
        f"its lowest close, {fmt_num(close.loc[m])} on {fmt_day(m)}, was {H['fall_close']:.0%} "
        f"below its October high close"
    )
    fig.tight_layout()
    plotting.source_note(
        fig,
        f"Source: Binance spot BTCUSDT daily bars (USDT, UTC days), {fmt_day(df.index[0])} "
        f"to {fmt_day(df.index[-1])}. Fall: close-to-close.",
    )
    return fig


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


@charts.drawer("epilogue-g6-btc-eth")
def draw_g6(df: pd.DataFrame):
    """The G6 chart from ``df`` (:func:`g6_chart`): BTC's closes (those above G6's level in the
    horizon dotted) over ETH's, G6's level and ETH's pre-question high dotted, the horizon shaded
    (ledger values of G6)."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from mktlib import claims, plotting
    from mktlib.book import fmt_num
    from mktlib.verdicts import episode as ve

    plotting.set_theme()
    G6, V = claims.specifications("G6")[0], claims.evaluate("G6").values
    h0, h1 = ve.hindsight_window(G6["article"])
    btc, ethc = df["BTC daily close"], df["ETH daily close"]
    share, eth_hi = float(V["G6.share_close_above_92k_horizon"]), float(V["G6.eth_range_high_pre"])
    inh = (df.index >= h0) & (df.index <= h1)
    above = inh & (btc > G6["level"]).to_numpy()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8.0, 4.8), sharex=True)
    ax1.plot(df.index, btc, color=plotting.PALETTE["btc"], lw=1.6)
    ax1.scatter(
        df.index[above],
        btc[above],
        color=plotting.PALETTE["btc"],
        s=14,
        zorder=3,
        label=f"close above {fmt_num(G6['level'])} in the horizon ({share:.0%} of its days)",
    )
    ax1.axhline(G6["level"], color="#555555", lw=0.8, ls=":")
    ax1.set_ylabel("BTC close (USDT)")
    plotting.thousands(ax1)
    ax1.legend(loc="lower left", fontsize=8)
    ax2.plot(df.index, ethc, color=plotting.PALETTE["eth"], lw=1.6)
    ax2.axhline(eth_hi, color="#555555", lw=0.8, ls=":")
    ax2.text(
        df.index[-1],
        eth_hi,
        f"ETH's high of the {G6['lookback_days']} days to the question, {fmt_num(eth_hi)}",
        ha="right",
        va="bottom",
        fontsize=7.5,
    )
    ax2.set_ylabel("ETH close (USDT)")
    for ax in (ax1, ax2):
        ax.axvspan(h0, h1, color="#6a3d9a", alpha=0.08, lw=0)
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    ax2.set_xlabel(
        f"date (UTC); shaded: the {claims.defaults()['hindsight_horizon_days']}-day horizon after the question"
    )
    fig.suptitle(
        f"BTC closed above {fmt_num(G6['level'])} on {share:.0%} of the horizon's days;\n"
        f"ETH's best close, {fmt_num(V['G6.eth_max_close_horizon'])}, stayed below its pre-question high "
        f"{fmt_num(eth_hi)}",
        x=0.01,
        ha="left",
        fontsize=11.5,
        fontweight="bold",
    )
    fig.tight_layout()
    plotting.source_note(fig, "Source: Binance spot BTCUSDT and ETHUSDT daily bars (USDT, UTC days).")
    return fig


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
