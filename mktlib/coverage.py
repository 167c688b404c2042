"""The data appendix: coverage charts, the sources tables, the consistency table and the licence counts.

- Coverage: :func:`segments` splits each dataset's timestamps into runs (a gap longer than a few typical
  intervals, ``GAP``, starts a new run); three charts are registered, one per panel of ``PANELS``
  (``data-coverage-crypto-spot``, ``data-coverage-crypto-derivatives``, ``data-coverage-traditional``);
  :func:`summary` gives one row per group. Each chart's drawing is registered (:func:`draw_panel`), so
  ``mktlib.charts.figure(name)`` returns the figure the appendix shows.
- Sources: :func:`sources_table` gives one row per dataset of a group with its provenance as HTML cells
  (:func:`linkify`, :func:`breakable`, :func:`source_cell`, :func:`hash_cell`) for
  ``book.table(..., html_columns=SOURCES_HTML)``.
- :func:`checks_table` (the snapshot's cross-checks for people), :func:`licence_class` (open licence,
  provider's terms or none), :func:`frozen_on` (the snapshot's date, from its README).
"""

from __future__ import annotations

import html
import re

import pandas as pd

from mktlib import charts

#: Readable names of the catalogue's groups, in the order the appendix shows them.
GROUP_NAMES = {
    "crypto_spot": "Crypto spot",
    "gaps_crypto_intraday": "Crypto intraday (gap fillers)",
    "crypto_derivs": "Crypto derivatives",
    "tradfi_prices": "Traditional markets: prices",
    "tradfi_flows_policy": "ETF flows, policy path, stablecoins",
    "gaps_equity_treasury": "Intraday US equities and corporate treasuries",
    "validation": "Validation data, a method check (not market data of the episode)",
}
#: The longest gap (by the dataset's frequency) that does not break a run of observations.
GAP = {
    "1m": "1D",
    "2m": "4D",
    "5m": "4D",
    "15m": "4D",
    "1h": "4D",
    "4h": "4D",
    "8h": "4D",
    "1d": "6D",
    "1w": "15D",
}
DEFAULT_GAP = "6D"
#: The coverage charts: name -> (title, groups). The validation set (1999-2010) is not charted.
PANELS = {
    "data-coverage-crypto-spot": ("Crypto spot and intraday", ("crypto_spot", "gaps_crypto_intraday")),
    "data-coverage-crypto-derivatives": ("Crypto derivatives", ("crypto_derivs",)),
    "data-coverage-traditional": (
        "Traditional markets, flows and policy",
        ("tradfi_prices", "tradfi_flows_policy", "gaps_equity_treasury"),
    ),
}


def dataset_ids(groups) -> list[str]:
    """The catalogue's dataset ids in ``groups``, sorted by group (in the order given) then id."""
    from mktlib.data import catalog

    cat = catalog()
    return [i for g in groups for i in sorted(k for k, e in cat.items() if e.group == g)]


def runs(timestamps, frequency: str) -> pd.DataFrame:
    """Runs of observations of one dataset (``start``, ``end``, ``n``): a gap longer than
    ``GAP[frequency]`` (default ``DEFAULT_GAP``) starts a new run.

    >>> t = pd.DatetimeIndex(["2025-01-01", "2025-01-02", "2025-01-20"], tz="UTC")
    >>> runs(t, "1d")["n"].tolist()
    [2, 1]
    """
    from mktlib import consistency

    return consistency.coverage_segments(timestamps, GAP.get(frequency, DEFAULT_GAP))


def segments(groups) -> pd.DataFrame:
    """Every run of observations of every dataset in ``groups`` (loads each dataset): columns
    ``dataset``, ``group``, ``frequency``, ``start``, ``end`` (UTC) and ``observations``."""
    from mktlib import data

    cat = data.catalog()
    out = []
    for i in dataset_ids(groups):
        e = cat[i]
        r = runs(data.load(i).index, e.frequency)
        out.append(
            pd.DataFrame(
                {
                    "dataset": i,
                    "group": e.group,
                    "frequency": e.frequency,
                    "start": r["start"],
                    "end": r["end"],
                    "observations": r["n"],
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def _register_panel(name: str, title: str, groups: tuple[str, ...]) -> None:
    def func() -> pd.DataFrame:
        return segments(groups)

    func.__qualname__ = f"coverage_chart[{name}]"
    func.__doc__ = f"The runs of observations of the datasets of {', '.join(groups)} (:func:`segments`)."
    charts.register(
        name,
        sources=dataset_ids(groups),
        units="dates (UTC): start and end of each run of observations; observations in the run",
        title=f"Coverage of the snapshot's datasets: {title.lower()}",
        note="a run ends where the gap to the next observation is longer than a few typical intervals",
    )(func)

    def draw(df: pd.DataFrame):
        return draw_panel(name, df)

    draw.__qualname__ = f"draw_coverage_chart[{name}]"
    draw.__doc__ = f"The coverage chart {name!r} from its data (:func:`draw_panel`)."
    charts.drawer(name)(draw)


def x_range() -> tuple[pd.Timestamp, pd.Timestamp]:
    """The time axis shared by the coverage charts (UTC): from 1 January of the year of the earliest
    start of any panel's data to 45 days after the snapshot was frozen (:func:`frozen_on`)."""
    from mktlib import data

    x0 = pd.Timestamp(f"{min(charts.data(n)['start'].min() for n in PANELS).year}-01-01", tz="UTC")
    frozen = frozen_on((data.data_root() / "README.md").read_text(encoding="utf-8"))
    return x0, pd.Timestamp(frozen, tz="UTC") + pd.Timedelta("45D")


def draw_panel(name: str, df: pd.DataFrame):
    """The coverage chart ``name`` of ``PANELS`` from its data ``df`` (:func:`segments`): one line per
    run of observations of each dataset (a tick for a run shorter than 20 days), coloured by group,
    the study window shaded, the time axis of :func:`x_range`. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    title = PANELS[name][0]
    colors = dict(zip(GROUP_NAMES, plt.get_cmap("tab10").colors, strict=False))
    x0, x1 = x_range()
    order = list(dict.fromkeys(df["dataset"]))[::-1]
    df = df.assign(y=df["dataset"].map({ds: y for y, ds in enumerate(order)}))
    fig, ax = plt.subplots(figsize=(7.6, 0.15 * len(order) + 1.2))
    for g, sub in df.groupby("group", sort=False):
        ax.hlines(sub["y"], sub["start"], sub["end"], color=colors[g], lw=3.5, label=GROUP_NAMES[g])
        dot = sub[(sub["end"] - sub["start"]) < pd.Timedelta("20D")]  # too short to see as a line
        ax.plot(dot["start"], dot["y"], "|", color=colors[g], ms=6)
    ax.set_yticks(range(len(order)), order, fontsize=7)
    ax.set_ylim(-0.8, len(order) - 0.2)
    ax.set_xlim(x0, x1)
    plotting.shade_window(ax)
    ax.legend(loc="lower left", fontsize=7, frameon=True)
    ax.set_title(title)
    ax.set_xlabel("date (UTC)")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    beyond = sorted(set(df.loc[df["end"] > x1, "dataset"]))
    plotting.source_note(
        fig,
        "Source: the pinned snapshot; provenance of each dataset in the tables below. A gap in "
        "a line is a gap in the data." + (f" Cut at the right edge: {', '.join(beyond)}." if beyond else ""),
    )
    return fig


for _name, (_title, _groups) in PANELS.items():
    _register_panel(_name, _title, _groups)


def summary(cov: pd.DataFrame, window: tuple[str, str]) -> pd.DataFrame:
    """One row per group of ``cov`` (``data.coverage()``: columns ``group``, ``first``, ``last``,
    ``rows``), in the order of ``GROUP_NAMES``: ``data``, ``datasets``, ``rows``, ``earliest
    start``, ``latest end`` and ``cover the whole window`` (datasets whose first timestamp is on or
    before ``window[0]`` and last on or after ``window[1]``, UTC days; gaps inside are not counted).

    >>> cov = pd.DataFrame({"group": ["crypto_spot", "crypto_spot"], "rows": [10, 5],
    ...     "first": pd.to_datetime(["2020-01-01", "2025-10-01"], utc=True),
    ...     "last": pd.to_datetime(["2026-03-01", "2026-03-01"], utc=True)})
    >>> summary(cov, ("2025-09-01", "2026-01-31"))["cover the whole window"].tolist()
    [1]
    """
    a, z = pd.Timestamp(window[0], tz="UTC"), pd.Timestamp(window[1], tz="UTC")
    full = (cov["first"] <= a) & (cov["last"] >= z)
    g = cov.assign(full=full).groupby("group")
    out = pd.DataFrame(
        {
            "datasets": g.size(),
            "rows": g["rows"].sum(),
            "earliest start": g["first"].min().dt.normalize(),
            "latest end": g["last"].max().dt.normalize(),
            "cover the whole window": g["full"].sum().astype(int),
        }
    )
    order = [k for k in GROUP_NAMES if k in out.index] + sorted(set(out.index) - set(GROUP_NAMES))
    out = out.loc[order]
    out.insert(0, "data", [GROUP_NAMES.get(k, k) for k in out.index])
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# the sources tables

_URL = re.compile(r"https?://[^\s<>\"')]+[^\s<>\"').,;:]")


def linkify(text: str) -> str:
    """Plain text as HTML with its URLs as links (a trailing full stop, comma or bracket stays text).

    >>> linkify("see https://x.org/a. <b>")
    'see <a href="https://x.org/a">https://x.org/a</a>. &lt;b&gt;'
    """
    out, last = [], 0
    for m in _URL.finditer(text):
        u = html.escape(m.group(0))
        out += [html.escape(text[last : m.start()]), f'<a href="{u}">{u}</a>']
        last = m.end()
    return "".join(out + [html.escape(text[last:])])


def breakable(name: str) -> str:
    """An id or path as HTML that may wrap after ``_ / . -`` (never inside a word).

    >>> breakable("a_b/c")
    'a_<wbr>b/<wbr>c'
    """
    return re.sub(r"([_/.-])", r"\1<wbr>", html.escape(name))


def source_cell(p) -> str:
    """The upstream repository (linked, at its pinned commit), the file's path there and the original
    provider, as HTML. ``p``: a row of ``data.provenance()``."""
    up, commit = str(p["upstream"]), str(p["commit"])
    repo = up.removeprefix("https://github.com/")
    return (
        f'<a href="{html.escape(up)}">{breakable(repo)}</a> at '
        f'<a href="{html.escape(up)}/tree/{html.escape(commit)}" title="commit {html.escape(commit)}">'
        f"<code>{html.escape(commit[:10])}</code></a>"
        f"<br><small><code>{breakable(str(p['upstream_path']))}</code></small>"
        f"<br><small>{linkify(str(p['original_source']))}</small>"
    )


def hash_cell(p) -> str:
    """The file's path in the snapshot and its sha256 (the first 12 hex digits; the full hash on a
    click), as HTML. ``p``: a row of ``data.provenance()``."""
    sha = html.escape(str(p["sha256"]))
    return (
        f"<small><code>{breakable(str(p['path']))}</code></small>"
        f"<details><summary><code>{sha[:12]}</code>&hellip;</summary>"
        f'<code style="word-break:break-all">{sha}</code></details>'
    )


#: The columns of :func:`sources_table` that hold HTML (all of them).
SOURCES_HTML = ("dataset", "coverage", "source", "licence", "snapshot file and sha256", "caveats")


def sources_table(prov: pd.DataFrame, cov: pd.DataFrame, group: str) -> pd.DataFrame:
    """The datasets of ``group``, one row each, sorted by id, with HTML cells (``SOURCES_HTML``):
    the id and title; frequency, first and last day and rows; the source (:func:`source_cell`); the
    licence; the snapshot file and sha256 (:func:`hash_cell`); the caveats. ``prov``:
    ``data.provenance()`` (indexed by id or with an ``id`` column); ``cov``: ``data.coverage()``."""
    prov = prov.set_index("id") if "id" in prov.columns else prov
    ids = sorted(i for i in prov.index if prov.loc[i, "group"] == group)
    rows = []
    for i in ids:
        p, c = prov.loc[i], cov.loc[i]
        rows.append(
            {
                "dataset": f"<code>{breakable(i)}</code><br><small>{html.escape(str(p['title']))}</small>",
                "coverage": (
                    f"<small>{html.escape(str(c['frequency']))}<br>{c['first']:%Y-%m-%d} to<br>"
                    f"{c['last']:%Y-%m-%d}<br>{int(c['rows']):,} rows</small>"
                ),
                "source": source_cell(p),
                "licence": f"<small>{linkify(str(p['license']))}</small>",
                "snapshot file and sha256": hash_cell(p),
                "caveats": f"<small>{linkify(str(p['caveats']))}</small>",
            }
        )
    return pd.DataFrame(rows, columns=list(SOURCES_HTML))


# ------------------------------------------------------------------------------------------------
# consistency checks, licences, the snapshot's date


def checks_table(checks: pd.DataFrame) -> pd.DataFrame:
    """The snapshot's cross-checks (``consistency.snapshot_checks()``) for people: what is compared,
    points compared, the largest difference with its unit, points outside the tolerance, the tolerance
    and whether the check passed.

    >>> c = pd.DataFrame({"description": ["a vs b"], "compared": [10], "max_abs_diff": [0.5], "unit": ["USD"],
    ...                   "differ": [0], "tolerance": ["0.01"], "passed": [True]})
    >>> checks_table(c).iloc[0].astype(str).tolist()
    ['a vs b', '10', '0.5 USD', '0', '0.01', 'True']
    """
    return pd.DataFrame(
        {
            "what is compared": checks["description"].to_numpy(),
            "points compared": checks["compared"].astype(int).to_numpy(),
            "largest difference": [f"{v:.3g} {u}" for v, u in zip(checks["max_abs_diff"], checks["unit"], strict=True)],
            "points outside the tolerance": checks["differ"].astype(int).to_numpy(),
            "tolerance": checks["tolerance"].astype(str).to_numpy(),
            "passed": checks["passed"].astype(bool).to_numpy(),
        }
    )


_OPEN = re.compile(r"(?:MIT$|ODC-PDDL|GPL)")
_TERMS = re.compile(r"terms|data are|Binance public|check|Farside|DefiLlama|public", re.I)


def licence_class(licence: str) -> str:
    """``open`` (an open licence in the upstream repository itself: MIT, ODC-PDDL, GPL), ``terms`` (no
    licence, but the data provider's terms are named) or ``none`` (no licence stated).

    >>> [licence_class(x) for x in ("MIT", "none stated; Yahoo Finance data terms apply", "none stated")]
    ['open', 'terms', 'none']
    """
    s = str(licence)
    if _OPEN.match(s):
        return "open"
    return "terms" if _TERMS.search(s) else "none"


def frozen_on(readme_text: str) -> pd.Timestamp:
    """The date the snapshot was frozen, from its README ("... frozen on 2026-11-21.").

    >>> str(frozen_on("Real market data, frozen on 2026-11-21. Every file").date())
    '2026-11-21'
    """
    m = re.search(r"frozen on (\d{4}-\d{2}-\d{2})", readme_text)
    if m is None:
        raise ValueError("the snapshot's README does not say when it was frozen ('frozen on YYYY-MM-DD')")
    return pd.Timestamp(m.group(1))
