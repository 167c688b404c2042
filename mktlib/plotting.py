"""One figure style for the whole book (no side effects at import: call :func:`set_theme`).

>>> STUDY_WINDOW
('2025-09-01', '2026-01-31')
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

# The snapshot's target window (data/README.md): fixed before any result was looked at.
STUDY_WINDOW = ("2025-09-01", "2026-01-31")
PALETTE = {
    "btc": "#f7931a",
    "eth": "#627eea",
    "ndx": "#1f4e79",
    "spx": "#4c72b0",
    "gold": "#b8860b",
    "hsi": "#c44e52",
    "ssec": "#8c1c13",
    "nvda": "#76b900",
    "neutral": "#7f7f7f",
}
VERDICT_COLORS = {
    "supported": "#2e7d32",
    "partly supported": "#f9a825",
    "contradicted": "#c62828",
    "partly contradicted": "#e57373",  # story lines on the front page only (mktlib.narratives)
    "not testable": "#616161",
    "inconclusive": "#6a3d9a",
    "pending": "#9e9e9e",
}


def set_theme() -> None:
    """Seaborn whitegrid, readable at the book's width (about 7.5 in), consistent fonts."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
    plt.rcParams.update(
        {
            "figure.figsize": (8.0, 4.2),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "date.autoformatter.month": "%b %Y",
        }
    )


def source_note(fig, text: str) -> None:
    """A small source caption under the figure, e.g. ``source_note(fig, "Source: Binance spot (USDT).")``."""
    fig.text(0.01, 0.0, text, ha="left", va="top", fontsize=8, color="#555555", wrap=True)


def shade_window(
    ax,
    start=STUDY_WINDOW[0],
    end=STUDY_WINDOW[1],
    label: str | None = "study window",
    color: str = "#f7931a",
    alpha: float = 0.12,
) -> None:
    """Shade a time window (dates, UTC) on a time axis."""
    ax.axvspan(pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC"), color=color, alpha=alpha, lw=0, label=label)


def spec_curve(part_id: str, ax=None, *, label: str = "deciding statistic"):
    """The specification curve of a claim part (``mktlib.claims.spec_curve``): the deciding statistic
    under every specification, sorted, coloured by verdict, the primary specification ringed and the
    threshold dashed. Returns the axes."""
    from mktlib import claims

    df = claims.spec_curve(part_id)
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 3.0))
    x = range(len(df))
    for verdict, g in df.groupby("verdict"):
        ax.scatter(
            [i for i in x if df["verdict"].iloc[i] == verdict],
            g["statistic"],
            s=22,
            color=VERDICT_COLORS.get(verdict, "#333333"),
            label=verdict,
            zorder=3,
        )
    prim = df.index[df["primary"]]
    ax.scatter(
        prim,
        df.loc[prim, "statistic"],
        s=90,
        facecolors="none",
        edgecolors="black",
        lw=1.2,
        label="primary specification",
        zorder=4,
    )
    for t in df["threshold"].dropna().unique():
        ax.axhline(t, ls="--", lw=1, color="#555555")
    ax.set_xlabel(f"specification (sorted by the statistic; {len(df)} in all)")
    ax.set_ylabel(label)
    ax.set_title(f"{part_id}: the verdict across the specification grid")
    ax.legend(loc="best", fontsize=8)
    return ax


def mark_dates(ax, dates, *, labels: bool = True, ymax: float = 0.98, color: str = "#555555") -> None:
    """Dotted vertical lines at ``dates`` (a mapping label -> date, read as UTC), labelled at the top of
    the axes, alternating two heights so neighbours do not overlap; dates outside the x-range are
    skipped. Example: ``mark_dates(ax, {"peak": "2025-10-06", "cascade": "2025-10-10"})``."""
    import matplotlib.dates as mdates

    lo, hi = ax.get_xlim()
    k = 0
    for label, d in dict(dates).items():
        t = pd.Timestamp(d)
        t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
        if lo <= mdates.date2num(t) <= hi:
            ax.axvline(t, color=color, lw=0.8, ls=":", zorder=0)
            if labels:
                ax.text(
                    t,
                    ymax - 0.09 * (k % 2),
                    " " + str(label),
                    transform=ax.get_xaxis_transform(),
                    fontsize=7.5,
                    color=color,
                    va="top",
                    ha="left",
                )
            k += 1


def month_axis(ax, fmt: str = "%b\n%Y", interval: int = 1) -> None:
    """Month ticks on a time axis (``%b\\n%Y`` labels by default)."""
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=interval))
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt))


def thousands(ax, axis: str = "y") -> None:
    """Tick labels as ``80k`` on the given axis (prices in USDT/USD)."""
    f = plt.FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)


def percent(ax, axis: str = "y", digits: int = 0) -> None:
    """Tick labels of fractions as percentages on the given axis."""
    f = plt.FuncFormatter(lambda v, _: f"{v:.{digits}%}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)


def btc_path_figure(df: pd.DataFrame):
    """The front page's lead chart: BTC's daily close (``df["close"]``, from the chart
    ``summary-btc-path``) annotated with the key numbers and the four commentaries' dates.
    Returns ``(fig, ax)``."""
    from mktlib import claims, keynumbers
    from mktlib.book import fmt_day

    t = keynumbers.table()
    fig, ax = plt.subplots(figsize=(8.6, 4.4))
    ax.plot(df.index, df["close"], color=PALETTE["btc"], lw=1.8)
    points = [
        ("btc_peak_close", "highest close", (8, -2), "left"),
        ("btc_low_close", "November low (close)", (-6, -10), "right"),
        ("btc_rally_peak_close", "January high", (6, 6), "left"),
        ("btc_low_after_close", "lowest close to date", (-8, -2), "right"),
    ]
    for key, label, off, ha in points:
        x, y = t.loc[key, "when"], t.loc[key, "value"]
        ax.plot([x], [y], "o", color="black", ms=3.5, zorder=4)
        ax.annotate(
            f"{label}\n{y:,.0f} ({fmt_day(x)})",
            (x, y),
            xytext=off,
            textcoords="offset points",
            fontsize=7.5,
            ha=ha,
            va="top" if off[1] < 0 else "bottom",
        )
    u = t.loc["btc_undercut_day", "value"]
    ax.axvline(u, color="#c62828", lw=0.9, ls="--")
    ax.text(
        u,
        0.76,
        " breaks the November low",
        transform=ax.get_xaxis_transform(),
        fontsize=7.5,
        color="#c62828",
        va="top",
    )
    by_day: dict[str, list[str]] = {}
    for a in claims.articles().values():
        by_day.setdefault(a["date"], []).append(f"\u201c{a['short']}\u201d")
    for i, (d, names) in enumerate(sorted(by_day.items())):
        x = pd.Timestamp(d, tz="UTC")
        ax.axvline(x, color="#7f7f7f", lw=0.7, ls=":")
        ax.text(
            x,
            0.98 - 0.06 * i,
            " " + ", ".join(names),
            transform=ax.get_xaxis_transform(),
            fontsize=6.8,
            color="#555555",
            va="top",
            ha="left",
        )
    lo, hi = float(df["close"].min()), float(df["close"].max())
    ax.set_ylim(lo * 0.9, hi * 1.12)
    thousands(ax)
    month_axis(ax, interval=2)
    ax.set_ylabel("BTC daily close (USDT)")
    ax.set_xlabel("date (UTC); dotted lines: the four commentaries")
    ax.set_title(f"After the autumn crash and the January rally, Bitcoin broke its November low on {fmt_day(u)}")
    fig.tight_layout()
    source_note(fig, "Source: Binance spot BTCUSDT daily closes (USDT), UTC days.")
    return fig, ax
