"""Presentation for the book's pages: one module every chapter calls (notebooks keep only calls and prose).

- :func:`glue` wraps ``myst_nb.glue`` (plain Python numbers, so ``{glue:text}`key:.1%``` can format them).
- :func:`figure` shows a matplotlib figure with its alt text and, under it, the downloads: exactly the
  plotted data as CSV (from :mod:`mktlib.charts`), the figure as PNG and SVG, and the one line of Python
  that reproduces the data.
- :func:`table` turns a DataFrame into an HTML table for people (formatted cells, no ``nan``, padding,
  scrolling inside the text column), optionally folded in a collapsible block.
- :func:`card` shows a claim's card; :func:`bottom_line` the box that opens every chapter.
- :func:`fmt_day`, :func:`fmt_pct`, :func:`fmt_pp`, :func:`fmt_num` format single values for prose.

>>> import numpy as np
>>> plain(np.float64(0.25)), plain(np.int64(3)), plain(np.bool_(True)), plain("x")
(0.25, 3, True, 'x')
>>> fmt_day("2025-11-21"), fmt_pct(-0.3172), fmt_pp(0.975), fmt_num(80600.4)
('21 Nov 2025', '-31.7%', '+97.5 pp', '80,600')
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
#: Files the site serves as they are (``html_extra_path`` in _config.yml): ``figures/<name>.csv|png|svg``.
SITE_DIR = ROOT / "book" / "_generated" / "site"
FIGURE_DIR = SITE_DIR / "figures"
#: Generic alt texts a screen-reader user learns nothing from.
_GENERIC_ALT = re.compile(r"^\s*(?:an? )?(?:figure|chart|plot|image|graph|picture)\b[\s\d.:-]*$", re.I)
MIN_ALT = 60


def plain(value: Any) -> Any:
    """NumPy scalars as the Python number they hold; anything else unchanged."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def glue(name: str, value: Any, display: bool = False) -> None:
    """``myst_nb.glue(name, plain(value), display=display)``."""
    from myst_nb import glue as _glue

    _glue(name, plain(value), display=display)


# ------------------------------------------------------------------------------------------------
# single values


def _missing(v: Any) -> bool:
    return v is None or v is pd.NaT or (isinstance(v, float) and v != v)


def fmt_day(t: Any, *, long: bool = False) -> str:
    """A date as people write it: ``21 Nov 2025`` (``long=True``: ``21 November 2025``)."""
    t = pd.Timestamp(t)
    return f"{t.day} {t:%B %Y}" if long else f"{t.day} {t:%b %Y}"


def fmt_time(t: Any) -> str:
    """An instant (UTC) as ``10 Oct 2025, 21:00 UTC``."""
    t = pd.Timestamp(t)
    t = t.tz_convert("UTC") if t.tzinfo is not None else t
    return f"{fmt_day(t)}, {t:%H:%M} UTC"


def fmt_pct(x: float, digits: int = 1, sign: bool = True) -> str:
    """A fraction as a percentage, signed by default: ``-0.317`` -> ``-31.7%``."""
    if _missing(x):
        return "n/a"
    return f"{x:+.{digits}%}" if sign else f"{x:.{digits}%}"


def fmt_pp(x: float, digits: int = 1) -> str:
    """A difference of two fractions in percentage points: ``0.975`` -> ``+97.5 pp``."""
    if _missing(x):
        return "n/a"
    return f"{100 * x:+.{digits}f} pp"


def fmt_num(x: float, digits: int = 0) -> str:
    """A number with thousands separators: ``80600.4`` -> ``80,600``."""
    if _missing(x):
        return "n/a"
    return f"{x:,.{digits}f}"


# ------------------------------------------------------------------------------------------------
# figures


def check_alt(alt: str) -> str:
    """Alt text must say what the figure shows (the finding and the axes): at least ``MIN_ALT``
    characters and not a generic word. Returns it stripped; ValueError otherwise."""
    a = " ".join(str(alt).split())
    if _GENERIC_ALT.match(a) or len(a) < MIN_ALT:
        raise ValueError(
            f"alt text {a!r} is too thin: say what the figure shows, its finding and its axes "
            f"(at least {MIN_ALT} characters)"
        )
    return a


def _save(fig, fmt: str) -> bytes:
    import matplotlib as mpl

    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None} if fmt == "png" else None
    with mpl.rc_context({"svg.hashsalt": "mktlib", "svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt, metadata=meta)
    return buf.getvalue()


def figure_html(name: str, png: bytes, alt: str, code: str, page_depth: int = 1, figure_code: str = "") -> str:
    """The HTML of a figure and its download bar (see :func:`figure`)."""
    up = "../" * page_depth
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    links = " &middot; ".join(
        f'<a class="mktlib-download" href="{up}figures/{name}.{ext}" download>{label}</a>'
        for ext, label in (("csv", "data (CSV)"), ("png", "PNG"), ("svg", "SVG"))
    )
    return (
        f'<figure class="mktlib-figure" id="fig-{name}">'
        f'<img src="{src}" alt="{html.escape(alt, quote=True)}" style="max-width:100%;height:auto">'
        f'<figcaption class="mktlib-figure-downloads"><small>Download: {links} &middot; reproduce the data: '
        f"<code>{html.escape(code)}</code>"
        + (f" &middot; the figure: <code>{html.escape(figure_code)}</code>" if figure_code else "")
        + "</small></figcaption></figure>"
    )


class Figure:
    """What :func:`figure` returns: displays as the HTML figure (and as its alt text in plain text)."""

    def __init__(self, name: str, html_text: str, alt: str):
        self.name, self.html, self.alt = name, html_text, alt

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"[figure {self.name}: {self.alt}]"


def figure(fig, name: str, *, alt: str, out_dir: Path | None = None, show: bool = True) -> Figure | None:
    """Publish a matplotlib figure of registered chart ``name`` (:mod:`mktlib.charts`).

    Writes ``<out_dir>/<name>.csv`` (the chart's data with its header), ``.png`` and ``.svg`` (default
    ``book/_generated/site/figures/``, which the site serves at ``figures/``), closes ``fig`` and displays
    the figure with ``alt`` (checked by :func:`check_alt`) and its download bar. Returns None when it
    displays (``show=True``), the :class:`Figure` otherwise.
    """
    from mktlib import charts

    alt = check_alt(alt)
    csv = charts.csv_text(name)  # KeyError if the chart is not registered
    out = FIGURE_DIR if out_dir is None else Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png, svg = _save(fig, "png"), _save(fig, "svg")
    (out / f"{name}.csv").write_text(csv, encoding="utf-8")
    (out / f"{name}.png").write_bytes(png)
    (out / f"{name}.svg").write_bytes(svg)
    import matplotlib.pyplot as plt

    plt.close(fig)
    fig_code = f'mktlib.charts.figure("{name}")' if charts.has_drawing(name) else ""
    f = Figure(name, figure_html(name, png, alt, f'mktlib.charts.data("{name}")', figure_code=fig_code), alt)
    if show:
        from IPython.display import display

        display(f)
        return None  # displayed once: a returned object would display again as a cell's last line
    return f


# ------------------------------------------------------------------------------------------------
# tables

#: Named cell formats for :func:`table`.
FORMATS: dict[str, Callable[[Any], str]] = {
    "pct": lambda v: fmt_pct(v, 1, sign=False),
    "pct+": lambda v: fmt_pct(v, 1),
    "pct2": lambda v: fmt_pct(v, 2, sign=False),
    "pct2+": lambda v: fmt_pct(v, 2),
    "pp": lambda v: fmt_pp(v),
    "day": lambda v: fmt_day(v),
    "time": lambda v: fmt_time(v),
    "int": lambda v: fmt_num(v, 0),
    "num1": lambda v: fmt_num(v, 1),
    "num2": lambda v: fmt_num(v, 2),
    "num3": lambda v: f"{v:.3f}",
    "p": lambda v: f"{v:.3g}" if v >= 0.001 else "<0.001",
    "text": lambda v: str(v),
}


def _cell(v: Any, f: str | Callable[[Any], str] | None, na: str) -> str:
    if _missing(v):
        return na
    if f is None:
        if isinstance(v, pd.Timestamp):
            f = "day" if v == v.normalize() else "time"
        elif isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        elif isinstance(v, (float, np.floating)):
            f = "num2" if abs(v) < 1000 else "int"
        elif isinstance(v, (int, np.integer)):
            f = "int"
        else:
            f = "text"
    fn = FORMATS[f] if isinstance(f, str) else f
    return fn(v)


def table(
    df: pd.DataFrame,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    *,
    index: bool = False,
    na: str = "–",
    caption: str | None = None,
    collapsed: str | None = None,
    html_columns: Iterable[str] = (),
) -> str:
    """A DataFrame as an HTML table for people: each column formatted by ``formats`` (a name of
    ``FORMATS`` or a function; otherwise by type: dates as ``21 Nov 2025``, numbers with
    separators), missing values as ``na``, padded cells, scrolling inside the text column when wide.
    ``collapsed="summary text"`` folds it in a ``<details>`` block; ``html_columns`` are inserted as
    HTML (already escaped by the caller). Returns the HTML (display it with ``IPython.display.HTML``).

    >>> t = table(pd.DataFrame({"day": [pd.Timestamp("2025-11-21")], "r": [-0.0123], "x": [np.nan]}),
    ...           {"r": "pct+"})
    >>> "21 Nov 2025" in t, "-1.2%" in t, "nan" in t
    (True, True, False)
    """
    formats = dict(formats or {})
    unknown = [c for c in formats if c not in df.columns]
    if unknown:
        raise KeyError(f"table: formats for columns that are not in the table: {unknown}")
    raw = set(html_columns)
    d = df.reset_index() if index else df
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in d.columns)
    body = []
    for row in d.itertuples(index=False):
        cells = []
        for c, v in zip(d.columns, row, strict=True):
            text = v if c in raw else html.escape(_cell(v, formats.get(c), na))
            num = isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
            cells.append(f'<td class="{"num" if num else "txt"}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    t = (
        f'<div class="mktlib-table-wrap"><table class="mktlib-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    return collapsible(t, collapsed) if collapsed else t


def collapsible(inner_html: str, summary: str) -> str:
    """``inner_html`` folded in a ``<details>`` block that opens on a click on ``summary``."""
    return f'<details class="mktlib-details"><summary>{html.escape(summary)}</summary>{inner_html}</details>'


def show(html_text: str) -> None:
    """Display an HTML string in the notebook (and on the page)."""
    from IPython.display import HTML, display

    display(HTML(html_text))


# ------------------------------------------------------------------------------------------------
# claims on the page


def card(claim_id: str) -> None:
    """Display the claim's card (:func:`mktlib.claims.claim_card`): the one way a claim is shown."""
    from mktlib import claims

    show(claims.claim_card(claim_id))


def bottom_line(claim_ids: Iterable[str], happened: str, said: str, title: str = "Bottom line") -> str:
    """The box that opens every chapter: what happened and what the commentaries said (two sentences
    the notebook builds from computed values), then each of the chapter's claim parts with its verdict
    (from the ledger), in plain words, linked to its card. Returns HTML."""
    from mktlib import claims

    summ = claims.result().summary.set_index("part")
    items = []
    for cid in claim_ids:
        for ps in claims.parts(cid):
            s = summ.loc[ps.id]
            items.append(
                f'<li>{claims.verdict_badge(s["verdict"])} <a href="#claim-{cid.lower()}">{html.escape(ps.id)}</a> '
                f"{html.escape(claims.cite(ps.statement))}</li>"
            )
    return (
        f'<div class="mktlib-bottom-line"><p class="mktlib-bottom-line-title"><b>{html.escape(title)}</b></p>'
        f"<p><b>What happened.</b> {html.escape(happened)}</p>"
        f"<p><b>What the commentaries said.</b> {html.escape(said)}</p>"
        f"<p><b>Verdicts.</b></p><ul>{''.join(items)}</ul></div>"
    )
