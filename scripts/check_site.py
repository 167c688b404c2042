"""Test the built site as a reader would see it (``make check-site``, after ``make book``).

Serves ``_build/html`` on a free localhost port, opens every page in headless Chromium (Selenium and
Debian's ``/usr/bin/chromedriver``) and fails, with a message naming the page and the item, on:

Static checks (the HTML as built; ``--no-browser`` runs only these):

* a page listed in ``_toc.yml`` that was not built, or a built page that ``_toc.yml`` does not list;
* a broken internal link: every ``<a href>`` to a local file must exist and, for ``#fragment`` links,
  the target page must have an element with that id; local stylesheets, scripts and icons must exist;
* a ``<script src>`` to another host (a CDN, MathJax included): the site must work offline;
* an image whose file is missing (``data:`` images are not files: they must decode, from base64 or
  percent-encoding, to a non-empty PNG or SVG);
* alt text a reader learns nothing from, on every ``<img>`` (notebook figures and Sphinx/MyST images in
  ``book/*.md`` alike): none, empty, generic (only words like figure/chart/plot/image/graph and
  numbers), a file name or path (``*.png``, ``../``, ``_images/``: what Sphinx writes when there is no
  alt), or shorter than ``MIN_ALT`` characters;
* a figure without its data download: every ``<img>`` in a notebook cell output (``div.cell_output`` or
  class ``output``) must be in a ``figure.mktlib-figure`` (:func:`mktlib.book.figure_html`); each such
  figure needs an image and links to its own ``.csv``, ``.png`` and ``.svg`` (``figures/<name>.*`` for
  ``id="fig-<name>"``), each file non-empty and what it says, the CSV beginning with ``# `` header lines
  that include ``# source`` and ``# units`` lines;
* visible code with imports or key results: a ``div.cell_input`` shown on the page (hide-input toggles
  included) with a line ``import x`` / ``from x import y`` or ``NBVAL_CHECK_OUTPUT`` (the summary counts
  the code cells shown per page, column ``code``);
* an unresolved glue value. myst-nb 1.x renders an unresolved ``{glue:text}`key``` (unknown key, a
  format spec that fails, a mistyped role) as *nothing*, so the page text just loses the number. The
  checker therefore reads each page's source (from ``_toc.yml``): every glue key the source uses must
  have been glued by the executed notebook (``_build/jupyter_execute/<page>.glue.json``), every role
  must be a known glue role, and the page must show one ``pasted-text`` value per ``{glue:text}`` role;
* what MyST/Sphinx leave in the text when something does not resolve: a literal ``{glue``, ``??``, a
  lone ``?`` standing where a value should be (a ``?`` after a space, never a question mark ending a
  word), an empty citation ``[]``, a cross-reference that is not a link (``class="xref"`` outside
  ``<a>``), prose that ``$`` signs turned into a formula;
* what a reader must never see in the text (code excluded, table cells included, also those of
  ``mktlib.book.table``): raw Markdown table syntax, unrendered MyST roles or directives, TeX between
  literal dollar signs, Python reprs, ``nan``/``NaT``, raw pandas timestamps, the unit word "fraction".

In the browser:

* an image that does not load (``naturalWidth == 0``); linked downloads and other files (the figures'
  CSV/PNG/SVG, sources) are fetched over HTTP (status 200, the size of the file);
* a formula not rendered: on a page with ``span.math``/``div.math``, each must contain an
  ``mjx-container`` within ``MATH_TIMEOUT`` s ("formula not rendered (MathJax did not load?)");
* a sortable table (``table.mktlib-sortable``) whose header ("part", else the first) does not sort its
  column ascending then descending in two clicks; a filter box (``input.mktlib-filter``) where typing a
  word of the first row (its verdict) does not hide the rows without it, shows rows without it, or where
  clearing the box does not show every row again;
* any JavaScript console error (Chromium log level SEVERE). The browser's automatic ``/favicon.ico``
  request is ignored unless a page declares that icon. A script from another host that fails to load
  (the browser has no network) is an error; other resources from other hosts are warnings, errors with
  ``--strict-external``.

A full-page screenshot of each page (window height set to the document height, capped) goes to
``_build/screenshots/<page>.png`` and the rendered document heights (px) to
``_build/screenshots/heights.json`` (``{page: height}``). Prints a table (page, links checked, files
fetched, images, code cells shown, height, errors) and exits 1 on any error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import functools
import http.server
import json
import re
import shutil
import socketserver
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH = 1280
MAX_HEIGHT = 30000  # tall enough for the longest page; Chromium renders it in tiles
#: Sphinx/Jupyter Book internals that are not pages of the book.
INTERNAL_PAGES = {"genindex.html", "search.html", "py-modindex.html"}
SOURCE_SUFFIXES = (".md", ".ipynb", ".myst", ".rst")
GLUE_KINDS = {"", "any", "text", "md", "math", "figure"}
SKIP_TEXT_TAGS = {"script", "style", "pre", "code", "kbd", "samp", "tt", "textarea", "noscript", "math", "svg"}
VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}


# ---------------------------------------------------------------------------------------------------
# Pages: from _toc.yml and from the built files
# ---------------------------------------------------------------------------------------------------


def toc_files(toc_path: Path) -> list[str]:
    """The documents ``_toc.yml`` lists (root first), as paths without suffix, e.g. ``book/intro``.

    Handles ``jb-book`` (``parts``/``chapters``) and ``jb-article`` (``sections``) at any depth,
    ``glob:`` entries (expanded against the toc's folder) and skips ``url:`` entries.
    """
    toc = yaml.safe_load(toc_path.read_text())
    if not isinstance(toc, dict) or "root" not in toc:
        raise ValueError(f"{toc_path}: no 'root' entry")
    out = [_strip_suffix(toc["root"])]

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "file" in node:
                out.append(_strip_suffix(node["file"]))
            if "glob" in node:
                base = toc_path.parent
                for p in sorted(base.glob(node["glob"])):
                    if p.suffix in SOURCE_SUFFIXES:
                        out.append(p.relative_to(base).with_suffix("").as_posix())
            for key in ("parts", "chapters", "sections"):
                if key in node:
                    walk(node[key])

    walk({k: v for k, v in toc.items() if k != "root"})
    seen, pages = set(), []
    for p in out:
        if p not in seen:
            seen.add(p)
            pages.append(p)
    return pages


def _strip_suffix(name: str) -> str:
    p = PurePosixPath(str(name))
    return str(p.with_suffix("")) if p.suffix in SOURCE_SUFFIXES else str(p)


def built_pages(html: Path) -> list[str]:
    """Every built page under ``html`` (``book/intro.html`` ...), without Sphinx internals.

    Skips top-level folders starting with ``_`` (``_static``, ``_sources``, ``_downloads``, ``_images``)
    and ``genindex``/``search``/``py-modindex``.
    """
    pages = []
    for p in sorted(html.rglob("*.html")):
        rel = p.relative_to(html).as_posix()
        if rel.split("/")[0].startswith("_") or rel in INTERNAL_PAGES:
            continue
        pages.append(rel)
    return pages


def redirect_target(text: str) -> str | None:
    """The target of a ``<meta http-equiv="refresh" content="0; url=...">`` page, or None."""
    m = re.search(r'<meta\s+http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', text, re.IGNORECASE)
    return m.group(1) if m else None


def page_inventory(html: Path, toc_path: Path) -> tuple[list[str], list[str]]:
    """(pages to check, errors): the union of built pages and ``_toc.yml`` pages, with an error for a
    toc page that was not built and for a built page that the toc does not list (``index.html`` may
    be a redirect to a toc page)."""
    toc = [f"{f}.html" for f in toc_files(toc_path)]
    built = built_pages(html)
    errors = [f"{p}: listed in _toc.yml but not built (no {html.name}/{p})" for p in toc if p not in built]
    for p in built:
        if p in toc:
            continue
        target = redirect_target((html / p).read_text(errors="replace"))
        if target is None:
            errors.append(f"{p}: built but not listed in _toc.yml (a stale or orphan page)")
    pages = toc + [p for p in built if p not in toc]
    return pages, errors


# ---------------------------------------------------------------------------------------------------
# Static reading of a built page
# ---------------------------------------------------------------------------------------------------


@dataclass
class ImageRef:
    """An ``<img>`` of a page."""

    src: str
    alt: str | None  # None: no alt attribute
    in_output: bool  # inside a notebook cell output (div.cell_output or class "output")
    figure: str | None  # the id of the figure.mktlib-figure around it ("" if it has none), or None


@dataclass
class FigureRef:
    """A ``<figure class="mktlib-figure">`` (:func:`mktlib.book.figure_html`): image and download links."""

    id: str
    hrefs: list[str] = field(default_factory=list)
    images: int = 0


@dataclass
class PageScan:
    """What a page's HTML contains (static parse; the browser adds what scripts create)."""

    hrefs: list[str] = field(default_factory=list)  # <a href>, as written
    assets: list[str] = field(default_factory=list)  # local <link href>, <script src>
    scripts: list[str] = field(default_factory=list)  # <script src>
    icons: list[str] = field(default_factory=list)  # <link rel=icon href>
    images: list[str] = field(default_factory=list)  # <img src>
    img_tags: list[ImageRef] = field(default_factory=list)  # each <img> with its alt and context
    figures: list[FigureRef] = field(default_factory=list)  # figure.mktlib-figure
    code_cells: list[str] = field(default_factory=list)  # the code of each div.cell_input shown
    sortable_tables: int = 0  # table.mktlib-sortable
    filters: int = 0  # input.mktlib-filter
    ids: set[str] = field(default_factory=set)  # id= and <a name=>
    texts: list[str] = field(default_factory=list)  # visible text per block, code excluded
    pasted_text: int = 0  # <span class="pasted-text">: resolved {glue:text}
    unresolved_refs: list[str] = field(default_factory=list)  # class="xref" outside <a>
    empty_citations: int = 0  # bibtex citation rendered as []
    math: list[str] = field(default_factory=list)  # the TeX of each math element


BLOCK_TAGS = frozenset(
    {
        "p",
        "li",
        "td",
        "th",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "figcaption",
        "caption",
        "div",
        "section",
        "blockquote",
        "title",
        "summary",
    }
)


@dataclass(slots=True)
class _Open:
    """An open element and what it started."""

    tag: str
    skips: bool = False  # code-like: its text is not prose
    xref: bool = False
    cite: bool = False
    math: bool = False
    output: bool = False  # a notebook cell output
    figure: bool = False  # a figure.mktlib-figure
    code: bool = False  # a div.cell_input


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self.skip = 0  # depth inside code-like elements
        self.a_depth = 0
        self.output_depth = 0
        self.stack: list[_Open] = []
        self.buf: list[str] = []
        self.xref_text: list[list[str]] = []
        self.cite_text: list[list[str]] = []
        self.math_text: list[list[str]] = []
        self.code_text: list[list[str]] = []
        self.figures: list[FigureRef] = []  # open figure.mktlib-figure elements

    def _flush(self):
        text = re.sub(r"[ \t\r\n]+", " ", "".join(self.buf)).strip()
        if text:
            self.scan.texts.append(text)
        self.buf = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        classes = a.get("class", "").split()
        if "id" in a:
            self.scan.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.scan.ids.add(a["name"])
        if tag == "a" and "href" in a:
            self.scan.hrefs.append(a["href"])
            if self.figures:
                self.figures[-1].hrefs.append(a["href"])
        if tag == "img" and "src" in a:
            self.scan.images.append(a["src"])
        if tag == "img":
            fig = self.figures[-1].id if self.figures else None
            self.scan.img_tags.append(ImageRef(a.get("src", ""), a.get("alt"), self.output_depth > 0, fig))
            if self.figures:
                self.figures[-1].images += 1
        if tag == "input" and "mktlib-filter" in classes:
            self.scan.filters += 1
        if tag == "table" and "mktlib-sortable" in classes:
            self.scan.sortable_tables += 1
        if tag == "link" and "href" in a:
            rel = a.get("rel", "").lower().split()
            if "icon" in rel:
                self.scan.icons.append(a["href"])
            if {"stylesheet", "icon", "preload"} & set(rel):
                self.scan.assets.append(a["href"])
        if tag == "script" and "src" in a:
            self.scan.assets.append(a["src"])
            self.scan.scripts.append(a["src"])
        if tag == "span" and "pasted-text" in classes:
            self.scan.pasted_text += 1
        if tag in VOID_TAGS:
            return
        if tag in BLOCK_TAGS:
            self._flush()
        o = _Open(
            tag,
            skips=tag in SKIP_TEXT_TAGS or "math" in classes,
            xref="xref" in classes and self.a_depth == 0,
            cite="bibtex-citation" in classes,
            math="math" in classes and not self.math_text,
            output="cell_output" in classes or "output" in classes,
            figure=tag == "figure" and "mktlib-figure" in classes,
            code=tag == "div" and "cell_input" in classes,
        )
        self.stack.append(o)
        self.skip += o.skips
        self.output_depth += o.output
        if tag == "a":
            self.a_depth += 1
        if o.xref:
            self.xref_text.append([])
        if o.cite:
            self.cite_text.append([])
        if o.math:
            self.math_text.append([])
        if o.code:
            self.code_text.append([])
        if o.figure:
            self.figures.append(FigureRef(a.get("id", "")))

    def handle_endtag(self, tag):
        if tag in VOID_TAGS or not any(o.tag == tag for o in self.stack):
            return
        while self.stack:
            o = self.stack.pop()
            self.skip -= o.skips
            self.output_depth -= o.output
            if o.tag == "a":
                self.a_depth -= 1
            if o.xref:
                self.scan.unresolved_refs.append("".join(self.xref_text.pop()).strip())
            if o.cite and "".join(self.cite_text.pop()).strip() in ("[]", "()", ""):
                self.scan.empty_citations += 1
            if o.math:
                self.scan.math.append("".join(self.math_text.pop()).strip())
            if o.code:
                self.scan.code_cells.append("".join(self.code_text.pop()).strip("\n"))
            if o.figure:
                self.scan.figures.append(self.figures.pop())
            if o.tag == tag:
                break
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        for bufs in (self.xref_text, self.cite_text, self.math_text, self.code_text):
            for buf in bufs:
                buf.append(data)
        if not self.skip:
            self.buf.append(data)

    def close(self):
        super().close()
        while self.stack:  # elements left open at the end of the file
            self.handle_endtag(self.stack[-1].tag)
        self._flush()


def scan_html(text: str) -> PageScan:
    """Parse a page's HTML into a :class:`PageScan`."""
    s = _Scanner()
    s.feed(text)
    s.close()
    return s.scan


#: A '?' that stands where a value should be: after a space or '(' and before a space, punctuation or a
#: unit. A real question mark ends a word ("really?"), so it never matches.
LONE_QUESTION = re.compile(r"(?:^|(?<=[\s(]))\?(?=$|[\s.,;:)%])")


#: What a reader must never see as text (code excluded): Markdown that did not render, program output.
RAW_TABLE = re.compile(r"\|\s*:?-{3,}:?\s*\|")
MYST_SYNTAX = re.compile(r"\{[a-z][a-z-]*(?::[a-z-]+)?\}`|```\{|:::\{|^\s*:::")
TEX_IN_DOLLARS = re.compile(r"\$[^$\n]{0,80}\\[A-Za-z]+[^$\n]{0,80}\$")
PY_REPR = re.compile(
    r"<(?:Figure size|pandas\.|matplotlib\.|Axes|module )|object at 0x[0-9a-f]+|\bdtype: (?:float|int|object)"
)
# a missing value printed by a program: a cell that is only "nan"/"NaN"/"NaT"/"None"/"<NA>", or a signed or
# percent "nan" ("+nan%"); the words in prose ("becomes NaN") are not flagged
MISSING_TOKEN = re.compile(r"^(?:nan|NaN|NaT|None|<NA>)$|[+-]nan%?|\bnan%")
# pandas' way of printing an instant ("2025-10-30 00:00:00+00:00"); an ISO stamp quoted as provenance is not
RAW_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2})?")
UNIT_WORD = re.compile(r"\d%? fraction\b|\bfraction of (?:USD|USDT)\b")


def text_problems(texts: list[str]) -> list[str]:
    """Placeholders left in visible text (code excluded): a literal glue role, '??', a lone '?'; and what
    a reader should never see: raw Markdown table syntax, unrendered MyST roles or directives, TeX between
    literal dollar signs, Python reprs, nan/NaT, raw timestamps, the unit word "fraction" after a number."""
    problems = []
    for t in texts:
        for rx, what in (
            (RAW_TABLE, "raw Markdown table syntax"),
            (MYST_SYNTAX, "an unrendered MyST role or directive"),
            (TEX_IN_DOLLARS, "TeX between literal dollar signs"),
            (PY_REPR, "a Python repr"),
            (MISSING_TOKEN, "a missing value (nan/NaT) shown as text"),
            (RAW_TIMESTAMP, "a raw timestamp"),
            (UNIT_WORD, "a unit word ('fraction') after a number"),
        ):
            m = rx.search(t)
            if m and not (rx is MYST_SYNTAX and "glue" in m.group(0)):
                problems.append(f"{what} in the text: {_context(t, m.start())}")
        i = min((j for j in (t.find("{glue"), t.find("glue:text")) if j >= 0), default=-1)
        if i >= 0:
            problems.append(f"a literal glue role in the text: {_context(t, i)}")
        if "??" in t:
            problems.append(f"'??' (an unresolved value) in the text: {_context(t, t.find('??'))}")
        m = LONE_QUESTION.search(t)
        if m:
            problems.append(f"a lone '?' where a value should be: {_context(t, m.start())}")
    return problems


def _context(text: str, i: int, width: int = 40) -> str:
    snippet = re.sub(r"\s+", " ", text[max(0, i - width) : i + width])
    return "'" + ("..." if i > width else "") + snippet + ("..." if i + width < len(text) else "") + "'"


_TEX_WORDS = re.compile(r"\\(?:text|textrm|mathrm|mathit|mathbf|operatorname|mbox)\s*\{[^{}]*\}|\\[A-Za-z]+")
_PROSE = re.compile(r"[A-Za-z]{2,}[,.;:!?'\")]*\s+[\"'(]*[A-Za-z]{2,}")


def prose_in_math(tex: str) -> bool:
    """Whether a rendered formula is really prose: with MyST's dollarmath, two '$' signs in a paragraph
    ("from $92,000 ... to $86,000") turn the text between them into a formula (and any glue role in it
    into nothing). Signs: a glue role, two plain words in a row outside \\text{...}, quotes or a dash,
    or a formula that starts with a number with thousands separators.

    >>> prose_in_math(r"\\(86,000, to \\)"), prose_in_math(r"\\(5tn to \\)")
    (True, True)
    >>> prose_in_math(r"\\(r_t = \\log(P_t / P_{t-1}) \\text{ per day}\\)"), prose_in_math(r"\\[\\sum_i w_i x_i\\]")
    (False, False)
    """
    body = re.sub(r"^\\[(\[]|\\[)\]]$", "", tex.strip())
    plain = _TEX_WORDS.sub(" ", body)
    return (
        "{glue" in body
        or bool(_PROSE.search(plain))
        or any(c in plain for c in '"“”—')
        or re.match(r"\s*\d{1,3}(?:,\d{3})+\b", plain) is not None
    )


# ---------------------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------------------


@dataclass
class Target:
    kind: str  # "skip", "external", "local"
    path: str = ""  # path relative to the html root ("" for the root itself)
    fragment: str = ""


def resolve(page: str, href: str, base: str = "http://site.invalid/") -> Target:
    """Where ``href`` on ``page`` (path relative to the html root) points.

    >>> resolve("book/intro.html", "../notebooks/07-ledger.html#claim-a1")
    Target(kind='local', path='notebooks/07-ledger.html', fragment='claim-a1')
    >>> resolve("book/intro.html", "#top").path
    'book/intro.html'
    >>> resolve("book/intro.html", "https://github.com/x").kind
    'external'
    """
    href = href.strip()
    if not href or href.lower().startswith(("mailto:", "javascript:", "tel:", "data:")):
        return Target("skip")
    url = urlsplit(urljoin(base + page, href))
    b = urlsplit(base)
    if (url.scheme, url.netloc) != (b.scheme, b.netloc):
        return Target("external")
    path = unquote(url.path).removeprefix(b.path)
    return Target("local", path, unquote(url.fragment))


def local_file(html: Path, path: str) -> Path | None:
    """The file a local path serves (a folder serves its index.html), or None if there is none."""
    p = html / path if path else html
    if p.is_dir():
        p = p / "index.html"
    try:
        p.resolve().relative_to(html.resolve())
    except ValueError:
        return None
    return p if p.is_file() else None


def check_links(page: str, hrefs: list[str], html: Path, ids_of) -> tuple[int, int, list[str], list[str]]:
    """Check every link of a page. ``ids_of(path)`` gives the ids of a local html file.

    Returns (local links checked, external links seen, errors, local non-page files linked).
    """
    errors, files, n_local, n_ext = [], [], 0, 0
    for href in dict.fromkeys(hrefs):
        t = resolve(page, href)
        if t.kind == "external":
            n_ext += 1
        if t.kind != "local":
            continue
        n_local += 1
        f = local_file(html, t.path)
        if f is None:
            errors.append(f"broken link {href!r}: {t.path or '/'} does not exist")
            continue
        rel = f.relative_to(html).as_posix()
        if f.suffix == ".html":
            if t.fragment and t.fragment not in ids_of(rel):
                errors.append(f"broken link {href!r}: no element id={t.fragment!r} on {rel}")
        else:
            files.append(rel)
    return n_local, n_ext, errors, files


def check_assets(page: str, srcs: list[str], html: Path, what: str) -> list[str]:
    """Local stylesheets/scripts/icons/images referenced by a page must exist."""
    errors = []
    for src in dict.fromkeys(srcs):
        t = resolve(page, src)
        if t.kind == "local" and local_file(html, t.path) is None:
            errors.append(f"missing {what} {src!r}: {t.path} does not exist")
    return errors


# ---------------------------------------------------------------------------------------------------
# Images, figures, code cells, scripts
# ---------------------------------------------------------------------------------------------------

MIN_ALT = 20
#: Alt words that say nothing (with numbers: "Figure 3", "chart 2").
_GENERIC_ALT_WORDS = {"a", "an", "the", "figure", "fig", "chart", "plot", "image", "img", "graph", "picture"}
_FILE_ALT = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|pdf)\s*$|^\s*(?:\.\.?/|/|_images/|data:|https?://)", re.I)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_IMPORT_LINE = re.compile(r"^[ \t]*(?:import [A-Za-z_]|from [A-Za-z_.][\w.]* import )", re.M)


def alt_problem(alt: str | None) -> str | None:
    """What is wrong with an image's alt text (None if nothing): a screen-reader user must learn what
    the figure shows.

    >>> alt_problem(None), alt_problem(" "), alt_problem("Figure 3"), alt_problem("../_images/ab12.png")
    ('no alt text', 'empty alt text', "generic alt text 'Figure 3'", "alt text is a file name '../_images/ab12.png'")
    >>> alt_problem("BTC price"), alt_problem("BTC fell 31% from its 6 October peak to the 21 November low")
    ("alt text too short ('BTC price', 9 characters; at least 20)", None)
    """
    if alt is None:
        return "no alt text"
    a = " ".join(alt.split())
    if not a:
        return "empty alt text"
    if all(w.lower() in _GENERIC_ALT_WORDS or w.isdigit() for w in re.findall(r"[A-Za-z]+|\d+", a)):
        return f"generic alt text {a!r}"
    if _FILE_ALT.search(a):
        return f"alt text is a file name {a!r}"
    if len(a) < MIN_ALT:
        return f"alt text too short ({a!r}, {len(a)} characters; at least {MIN_ALT})"
    return None


def image_label(img: ImageRef) -> str:
    """How an error names an image: its figure's id, else its src (a data: URI shortened)."""
    src = img.src if not img.src.startswith("data:") else img.src[: img.src.find(",") + 1] + "..."
    return f"figure #{img.figure}" if img.figure else f"image {src!r}"


def data_uri_problem(src: str) -> str | None:
    """A ``data:`` image must decode to a non-empty PNG or SVG (None if it does).

    >>> data_uri_problem("data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="), data_uri_problem("data:image/png;base64,")
    (None, 'its data: URI is empty')
    >>> data_uri_problem("data:image/png;base64,@@@")
    'its data: URI does not decode (base64: Only base64 data is allowed)'
    """
    head, sep, payload = src.partition(",")
    if not sep:
        return "its data: URI has no ',' (not a data URI)"
    parts = [x.strip().lower() for x in head[5:].split(";")]
    mime = parts[0]
    if mime not in ("image/png", "image/svg+xml"):
        return f"its data: URI is {mime or 'untyped'}, not a PNG or SVG image"
    try:
        if "base64" in parts[1:]:
            body = base64.b64decode(re.sub(r"\s+", "", unquote(payload)), validate=True)
        else:
            body = unquote(payload).encode()
    except (binascii.Error, ValueError) as e:
        return f"its data: URI does not decode (base64: {e})"
    if not body:
        return "its data: URI is empty"
    if mime == "image/png" and not body.startswith(PNG_MAGIC):
        return "its data: URI is not a PNG (no PNG signature)"
    if mime == "image/svg+xml" and b"<svg" not in body[:8192]:
        return "its data: URI is not an SVG (no <svg element)"
    return None


def check_images(scan: PageScan) -> list[str]:
    """Alt text of every image, data: images that decode, and notebook-output images that are figures
    with their downloads (:func:`mktlib.book.figure`)."""
    errors = []
    for img in scan.img_tags:
        label = image_label(img)
        why = alt_problem(img.alt)
        if why and img.alt is not None and img.alt.strip() == img.src.strip():
            why = "alt text is the image's file name (what Sphinx writes when there is no alt)"
        if why:
            errors.append(f"{label}: {why} (say what the figure shows)")
        if img.src.strip().lower().startswith("data:"):
            why = data_uri_problem(img.src.strip())
            if why:
                errors.append(f"{label}: {why}")
        if img.in_output and img.figure is None:
            errors.append(
                f"figure without its data download: {label} in a notebook output is not in a "
                "figure.mktlib-figure (show it with mktlib.book.figure)"
            )
    return errors


def csv_header_problem(text: str) -> str | None:
    r"""A figure's CSV begins with '# ' header lines that include '# source' and '# units' lines.

    >>> csv_header_problem("# BTC\n# source: Binance\n# units: USD\ntime,close\n"), csv_header_problem("a,b\n")
    (None, "does not begin with a '# ' header line")
    """
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        return "does not begin with a '# ' header line"
    head = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line)
    missing = [k for k in ("source", "units") if not any(re.match(rf"#\s*{k}\b", h, re.I) for h in head)]
    return f"has no '# {missing[0]}: ...' line in its header" if missing else None


def check_figures(page: str, scan: PageScan, html: Path) -> list[str]:
    """Every figure.mktlib-figure has an image and links to its .csv, .png and .svg; each linked file is
    non-empty and what it says (a missing file is reported as a broken link); the CSV has its header."""
    errors = []
    for fig in scan.figures:
        label = f"figure #{fig.id}" if fig.id else "a figure.mktlib-figure with no id"
        if not fig.images:
            errors.append(f"{label}: has no image")
        name = fig.id.removeprefix("fig-") if fig.id.startswith("fig-") else None
        for ext in ("csv", "png", "svg"):
            links = [
                (h, t)
                for h in fig.hrefs
                if (t := resolve(page, h)).kind == "local" and t.path.lower().endswith("." + ext)
            ]
            if not links:
                errors.append(f"figure without its data download: {label} has no link to its .{ext} file")
                continue
            href, t = links[0]
            if name is not None and PurePosixPath(t.path).stem != name:
                errors.append(f"{label}: its .{ext} link {href!r} is not this figure's file ({name}.{ext})")
            f = local_file(html, t.path)
            if f is None:
                continue  # a broken link: check_links reports it
            size = f.stat().st_size
            if size == 0:
                errors.append(f"{label}: download {t.path} is empty")
                continue
            with f.open("rb") as fh:
                head = fh.read(65536)
            if ext == "png" and not head.startswith(PNG_MAGIC):
                errors.append(f"{label}: download {t.path} is not a PNG")
            elif ext == "svg" and b"<svg" not in head:
                errors.append(f"{label}: download {t.path} is not an SVG")
            elif ext == "csv":
                why = csv_header_problem(head.decode("utf-8", errors="replace"))
                if why:
                    errors.append(f"{label}: download {t.path} {why}")
    return errors


def check_code_cells(scan: PageScan) -> list[str]:
    """Code shown on the page must not be the imports or the key-results check of a notebook."""
    errors = []
    for code in scan.code_cells:
        m = _IMPORT_LINE.search(code)
        if "NBVAL_CHECK_OUTPUT" in code:
            what, line = "key results: NBVAL_CHECK_OUTPUT", next(x for x in code.splitlines() if "NBVAL" in x)
        elif m:
            what, line = "imports", code[m.start() :].splitlines()[0]
        else:
            continue
        errors.append(
            f"code cell with imports/key results visible on the page ({what}; tag the cell remove-input "
            f"or remove-cell): {line.strip()[:80]!r}"
        )
    return errors


def check_scripts(page: str, scan: PageScan) -> list[str]:
    """Every ``<script src>`` is served by the site itself: the site must work offline."""
    return [
        f"script from another host {src!r}: the site must work offline (serve it from _static; "
        "MathJax: sphinx-mathjax-offline)"
        for src in dict.fromkeys(scan.scripts)
        if resolve(page, src).kind == "external"
    ]


# ---------------------------------------------------------------------------------------------------
# Glue
# ---------------------------------------------------------------------------------------------------

GLUE_ROLE = re.compile(r"(?<!`)\{glue(?::([A-Za-z_-]*))?\}`([^`]+)`")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_CODE_DIRECTIVES = {"code", "code-block", "code-cell", "sourcecode", "literalinclude", "raw"}


@dataclass
class GlueRole:
    kind: str  # "text", "any", "md", ...
    key: str  # the key ("path::key" keeps its path)
    raw: str  # the role as written


def strip_code(markdown: str) -> str:
    """Markdown without fenced code blocks (``` or ~~~, and {code-block}-like directives) and without
    double-backtick code spans, so that glue roles shown as examples are not taken as roles."""
    out, fence = [], None
    for line in markdown.splitlines():
        m = _FENCE.match(line)
        if fence is None and m:
            info = m.group(3).strip()
            directive = re.match(r"\{([^}]+)\}", info)
            if directive is None or directive.group(1) in _CODE_DIRECTIVES:
                fence = m.group(2)
                continue
        elif fence is not None:
            if m and m.group(2).startswith(fence) and not m.group(3).strip():
                fence = None
            continue
        out.append(line)
    return re.sub(r"``.+?``", "", "\n".join(out), flags=re.DOTALL)


def glue_roles(markdown: str) -> list[GlueRole]:
    """The glue roles a markdown text uses, code excluded.

    >>> [(r.kind, r.key) for r in glue_roles("x {glue:text}`n_rows:,` y {glue}`a` z {glue:}`p::b`")]
    [('text', 'n_rows'), ('any', 'a'), ('any', 'p::b')]
    """
    roles = []
    for m in GLUE_ROLE.finditer(strip_code(markdown)):
        kind = {None: "any", "": "any"}.get(m.group(1), m.group(1))
        content = m.group(2).strip()
        if "::" in content:
            path, rest = content.split("::", 1)
            key = f"{path}::{rest.split(':', 1)[0]}"
        else:
            key = content.split(":", 1)[0]
        roles.append(GlueRole(kind, key, m.group(0)))
    return roles


def page_source(root: Path, doc: str) -> Path | None:
    """The source file of a toc document (``book/intro`` -> ``book/intro.md``)."""
    for suffix in SOURCE_SUFFIXES:
        p = root / f"{doc}{suffix}"
        if p.is_file():
            return p
    return None


def source_markdown(path: Path) -> str:
    """A page's markdown: the file itself, or a notebook's markdown cells (cells tagged remove-cell
    are not shown, so they are left out)."""
    if path.suffix != ".ipynb":
        return path.read_text()
    nb = json.loads(path.read_text())
    cells = []
    for c in nb.get("cells", []):
        tags = c.get("metadata", {}).get("tags", [])
        if c.get("cell_type") == "markdown" and "remove-cell" not in tags:
            src = c.get("source", "")
            cells.append("".join(src) if isinstance(src, list) else src)
    return "\n\n".join(cells)


def glued_keys(build: Path, root: Path, doc: str) -> set[str] | None:
    """The glue keys a document defines: from the executed notebook's ``<doc>.glue.json`` in
    ``_build/jupyter_execute`` (what the site was built with), else from the outputs stored in the
    source notebook; an empty set for a markdown page; None if nothing can be read."""
    j = build / "jupyter_execute" / f"{doc}.glue.json"
    if j.is_file():
        return set(json.loads(j.read_text()))
    src = page_source(root, doc)
    if src is None:
        return None
    if src.suffix != ".ipynb":
        return set()
    keys = set()
    for c in json.loads(src.read_text()).get("cells", []):
        for o in c.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                keys.add(name)
    return keys


def check_glue(page: str, scan: PageScan, build: Path, root: Path) -> list[str]:
    """Every glue role of the page's source resolves, and each {glue:text} shows a value."""
    doc = page.removesuffix(".html")
    src = page_source(root, doc)
    if src is None:
        return []
    roles = glue_roles(source_markdown(src))
    if not roles:
        return []
    errors, n_text = [], 0
    own = glued_keys(build, root, doc)
    for r in roles:
        if r.kind not in GLUE_KINDS:
            errors.append(f"unknown glue role {r.raw} (renders as nothing)")
            continue
        if "::" in r.key:
            other, key = r.key.split("::", 1)
            keys = glued_keys(build, root, str(PurePosixPath(doc).parent / _strip_suffix(other)))
        else:
            other, key, keys = doc, r.key, own
        if keys is None:
            errors.append(f"glue {r.raw}: cannot read the glue data of {other}")
        elif key not in keys:
            errors.append(f"unresolved glue {r.raw}: key {key!r} is not glued in {other} (renders as nothing)")
        else:
            n_text += r.kind == "text"
    if scan.pasted_text < n_text:
        errors.append(
            f"{n_text - scan.pasted_text} of the {n_text} {{glue:text}} values whose key exists are "
            "missing from the page (a format spec that fails, or a role inside text that '$' signs turned into "
            "a formula, renders as nothing)"
        )
    return errors


# ---------------------------------------------------------------------------------------------------
# Per-page static checks
# ---------------------------------------------------------------------------------------------------


@dataclass
class PageResult:
    page: str
    links: int = 0
    external: int = 0
    images: int = 0
    code: int = 0  # code cells shown on the page
    height: int | None = None  # rendered document height in px (browser only)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    note: str = ""


class Site:
    """The built html folder with cached static scans of its pages."""

    def __init__(self, html: Path, root: Path, toc: Path):
        self.html, self.root, self.toc = html, root, toc
        self.build = html.parent
        self._scans: dict[str, PageScan] = {}
        self.dom_ids: dict[str, set[str]] = {}

    def scan(self, rel: str) -> PageScan:
        if rel not in self._scans:
            self._scans[rel] = scan_html((self.html / rel).read_text(errors="replace"))
        return self._scans[rel]

    def ids_of(self, rel: str) -> set[str]:
        return self.scan(rel).ids | self.dom_ids.get(rel, set())

    def static_check(self, page: str, extra_hrefs=()) -> PageResult:
        res = PageResult(page)
        f = self.html / page
        if not f.is_file():
            return res
        text = f.read_text(errors="replace")
        target = redirect_target(text)
        if target is not None:
            n, _, errs, _ = check_links(page, [target], self.html, self.ids_of)
            res.links, res.note = n, f"redirects to {resolve(page, target).path}"
            res.errors += [e.replace("broken link", "broken redirect") for e in errs]
            return res
        s = self.scan(page)
        n, n_ext, errs, files = check_links(page, s.hrefs + list(extra_hrefs), self.html, self.ids_of)
        res.links, res.external, res.files = n, n_ext, files
        res.errors += errs
        res.errors += check_assets(page, s.assets, self.html, "asset")
        res.errors += check_assets(page, s.images, self.html, "image")
        res.errors += check_scripts(page, s)
        res.images = len(s.images)
        res.errors += check_images(s)
        res.errors += check_figures(page, s, self.html)
        res.errors += check_code_cells(s)
        res.code = len(s.code_cells)
        res.errors += text_problems(s.texts)
        res.errors += [f"unresolved cross-reference {r!r} (shown as text, not a link)" for r in s.unresolved_refs]
        if s.empty_citations:
            res.errors.append(f"{s.empty_citations} unresolved citation(s) shown as '[]'")
        for tex in s.math:
            if prose_in_math(tex):
                res.errors.append(
                    f"text rendered as a formula (a '$' in the prose opened math; write \\$ for "
                    f"a dollar sign): {_context(tex, 0, 60)}"
                )
        res.errors += check_glue(page, s, self.build, self.root)
        return res


# ---------------------------------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(html: Path) -> tuple[socketserver.TCPServer, str]:
    """Serve ``html`` on a free localhost port in a daemon thread; returns (server, base URL)."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def start_browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in CHROME_FLAGS + [f"--user-data-dir={profile}", f"--window-size={WIDTH},900"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    return driver


JS_PAGE = """
const short = s => s.startsWith('data:') ? s.slice(0, s.indexOf(',') + 1) + '...' : s;
const imgs = Array.from(document.images).map(i => ({src: short(i.getAttribute('src') || ''),
    url: short(i.currentSrc || i.src), complete: i.complete, w: i.naturalWidth}));
const hrefs = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id)
    .concat(Array.from(document.querySelectorAll('a[name]')).map(e => e.getAttribute('name')));
const h = Math.max(document.body ? document.body.scrollHeight : 0, document.documentElement.scrollHeight);
return {imgs: imgs, hrefs: hrefs, ids: ids, height: h, viewport: window.innerHeight};
"""

#: Formulas (Sphinx: span.math / div.math) and those MathJax has not rendered (no mjx-container inside).
JS_MATH = """
const m = Array.from(document.querySelectorAll('span.math, div.math'));
return {n: m.length, todo: m.filter(e => !e.querySelector('mjx-container'))
    .map(e => e.textContent.replace(/\\s+/g, ' ').trim().slice(0, 60)),
    loaded: !!(window.MathJax && window.MathJax.startup)};
"""
MATH_TIMEOUT = 10.0
#: How long to wait for MathJax itself to appear after the page's load event (its script is loaded by
#: then unless a script adds it later); without it the formulas will not render, so waiting longer is moot.
MATHJAX_GRACE = 2.0

#: The header to click in sortable table arguments[0] ("part", else the first) and its column.
JS_SORT_HEADER = """
const t = document.querySelectorAll('table.mktlib-sortable')[arguments[0]];
const ths = Array.from((t.tHead || t).querySelectorAll('th'));
if (!ths.length || !t.tBodies.length) return null;
const th = ths.find(h => h.textContent.trim().toLowerCase() === 'part') || ths[0];
return [th, th.cellIndex, th.textContent.trim()];
"""
#: The sort keys of column arguments[1] of sortable table arguments[0], in row order.
JS_SORT_KEYS = """
const t = document.querySelectorAll('table.mktlib-sortable')[arguments[0]];
return Array.from(t.tBodies[0].rows).map(r => {const c = r.cells[arguments[1]];
    return c ? (c.dataset.sort || c.textContent).trim() : '';});
"""
#: How keys arguments[0] are ordered: numbers as numbers, text as the browser compares it (plain or
#: numeric collation): 'ascending', 'descending', 'constant' or 'unsorted'.
JS_ORDER = """
const keys = arguments[0];
function cmp(a, c, numeric) {const na = parseFloat(a), nc = parseFloat(c);
    return (!isNaN(na) && !isNaN(nc)) ? na - nc : a.localeCompare(c, undefined, {numeric: numeric});}
for (const numeric of [false, true]) {
    let asc = true, desc = true;
    for (let i = 1; i < keys.length; i++) {
        const r = cmp(keys[i - 1], keys[i], numeric);
        if (r > 0) asc = false;
        if (r < 0) desc = false;
    }
    if (asc && desc) return 'constant';
    if (asc) return 'ascending';
    if (desc) return 'descending';
}
return 'unsorted';
"""
#: Filter box arguments[0]: its table (the element after it, else the next table) and a term to type:
#: the verdict of the first row, else a word of it, that some rows contain and some do not.
JS_FILTER_SETUP = """
const box = document.querySelectorAll('input.mktlib-filter')[arguments[0]];
let t = box.nextElementSibling;
if (!t || t.tagName !== 'TABLE') t = Array.from(document.querySelectorAll('table')).find(
    x => box.compareDocumentPosition(x) & Node.DOCUMENT_POSITION_FOLLOWING) || null;
if (!t || !t.tBodies.length || !t.tBodies[0].rows.length) return {box: box, table: null};
const rows = Array.from(t.tBodies[0].rows), text = rows.map(r => r.textContent.toLowerCase());
const cands = Array.from(rows[0].querySelectorAll('.verdict')).map(e => e.textContent.trim());
Array.from(rows[0].cells).forEach(c => cands.push(...c.textContent.split(/\\s+/)));
let term = null, n = 0;
for (const w of cands.map(w => w.replace(/^\\W+|\\W+$/g, '')).filter(w => w.length >= 3)) {
    n = text.filter(x => x.includes(w.toLowerCase())).length;
    if (n > 0 && n < rows.length) {term = w; break;}
}
return {box: box, table: t, term: term, rows: rows.length, with_term: n};
"""
#: Rows of table arguments[0] shown, and shown rows without the term arguments[1].
JS_FILTER_STATE = """
const rows = Array.from(arguments[0].tBodies[0].rows), term = arguments[1].toLowerCase();
const shown = rows.filter(r => getComputedStyle(r).display !== 'none');
return {rows: rows.length, shown: shown.length,
        wrong: shown.filter(r => !r.textContent.toLowerCase().includes(term)).length};
"""
JS_SET_VALUE = "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"


def fit_window(driver) -> None:
    """Make the viewport as tall as the document (capped at MAX_HEIGHT), allowing for the browser's own
    frame, so that the screenshot shows the whole page and every lazy image is in view."""
    gap = None
    for _ in range(3):
        doc, inner, outer = driver.execute_script(
            "return [Math.max(document.body ? document.body.scrollHeight : 0,"
            " document.documentElement.scrollHeight), window.innerHeight, window.outerHeight];"
        )
        want = min(int(doc), MAX_HEIGHT)
        if want <= inner or int(doc) - int(inner) == gap:  # it fits, or the page grows with the viewport
            return
        gap = int(doc) - int(inner)
        frame = max(int(outer) - int(inner), 0)
        driver.set_window_size(WIDTH, want + frame)


def browse(driver, base: str, page: str, shot: Path | None) -> dict:
    """Open a page, let it settle with the whole page in the viewport (images loaded, formulas rendered),
    collect what the reader gets, take the screenshot, then try the sortable tables and filter boxes."""
    driver.set_window_size(WIDTH, 900)
    driver.get(base + page)
    fit_window(driver)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # lazy images load once in view
        if driver.execute_script("return Array.from(document.images).every(i => i.complete)"):
            break
        time.sleep(0.1)
    math = wait_for_math(driver)
    if math["n"]:
        fit_window(driver)  # rendered formulas change the height
    info = driver.execute_script(JS_PAGE)
    info["math"] = math
    if shot is not None:
        shot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(shot))
    info["widget_errors"], info["widget_warnings"] = widget_problems(driver)
    info["log"] = driver.get_log("browser")
    return info


def wait_for_math(driver, timeout: float = MATH_TIMEOUT) -> dict:
    """Wait until MathJax has rendered every formula (or ``timeout`` s); ``{n, todo}``: the number of
    formulas and the start of those not rendered."""
    start = time.monotonic()
    while True:
        m = driver.execute_script(JS_MATH)
        waited = time.monotonic() - start
        if not m["todo"] or waited > timeout or (not m["loaded"] and waited > min(MATHJAX_GRACE, timeout)):
            m["waited"] = waited
            return m
        time.sleep(0.2)


def click(driver, element) -> str | None:
    """Click as a reader does; if something covers the element, click it by script and say so."""
    from selenium.common.exceptions import ElementClickInterceptedException, ElementNotInteractableException

    try:
        element.click()
        return None
    except (ElementClickInterceptedException, ElementNotInteractableException) as e:
        driver.execute_script("arguments[0].click();", element)
        return f"{type(e).__name__} (clicked by script instead)"


def sort_problems(driver, i: int) -> tuple[list[str], list[str]]:
    """Click the header of sortable table ``i`` twice: its column must then be sorted one way, then the
    other, with the same rows."""
    what = f"sortable table {i + 1}"
    # a table folded in a <details> block is opened first, as a reader would
    driver.execute_script(
        "var t = document.querySelectorAll('table.mktlib-sortable')[arguments[0]];"
        "var d = t ? t.closest('details') : null; if (d) { d.open = true; }",
        i,
    )
    head = driver.execute_script(JS_SORT_HEADER, i)
    if head is None:
        return [f"{what} has no header cell or no body"], []
    th, col, label = head
    keys0 = driver.execute_script(JS_SORT_KEYS, i, col)
    if len(set(keys0)) < 2:
        return [], [f"{what}: fewer than two different values under '{label}': sorting not tested"]
    warnings, seen = [], []
    for _ in range(2):
        w = click(driver, th)
        if w:
            warnings.append(f"{what}: the header '{label}' cannot be clicked: {w}")
        keys = driver.execute_script(JS_SORT_KEYS, i, col)
        seen.append((keys, driver.execute_script(JS_ORDER, keys)))
    (k1, d1), (k2, d2) = seen
    if sorted(k1) != sorted(keys0) or sorted(k2) != sorted(keys0):
        return [f"{what}: sorting on '{label}' lost or changed rows"], warnings
    if {d1, d2} != {"ascending", "descending"} or k1 == k2:
        return [
            f"{what}: clicking the header '{label}' does not sort the table (after one click the column is "
            f"{d1}, after two {d2}; expected ascending and descending)"
        ], warnings
    return [], warnings


def filter_problems(driver, j: int) -> tuple[list[str], list[str]]:
    """Type a term in filter box ``j``: some rows must hide and every row shown must contain it; clearing
    the box must show every row again."""
    what = f"filter box {j + 1}"
    s = driver.execute_script(JS_FILTER_SETUP, j)
    if s["table"] is None:
        return [f"{what} has no table with rows after it"], []
    if s["term"] is None:
        return [], [f"{what}: no word of the first row is missing from another row: filtering not tested"]
    box, table, term = s["box"], s["table"], s["term"]
    before = driver.execute_script(JS_FILTER_STATE, table, "")
    try:
        box.send_keys(term)  # typed as a reader does: one input event per key
    except Exception:  # noqa: BLE001 - a box that cannot take keys (hidden, covered): set it by script
        driver.execute_script(JS_SET_VALUE, box, term)
    after = driver.execute_script(JS_FILTER_STATE, table, term)
    driver.execute_script(JS_SET_VALUE, box, "")
    cleared = driver.execute_script(JS_FILTER_STATE, table, "")
    errors = []
    if after["shown"] == after["rows"]:
        errors.append(
            f"{what}: typing {term!r} hides no row (filtering does not work: {s['rows'] - s['with_term']} of "
            f"{s['rows']} rows do not contain it)"
        )
    elif after["shown"] == 0:
        errors.append(f"{what}: typing {term!r} hides every row ({s['with_term']} contain it)")
    elif after["wrong"]:
        errors.append(f"{what}: after typing {term!r}, {after['wrong']} row(s) shown do not contain it")
    if cleared["shown"] != before["shown"]:
        errors.append(f"{what}: clearing the box shows {cleared['shown']} of the {before['shown']} rows")
    return errors, []


JS_SELECT_SETUP = """
const s = document.querySelectorAll('select.mktlib-select')[arguments[0]];
const c = s.closest('.mktlib-controls') || s.parentNode;
let t = c.nextElementSibling;
while (t && t.tagName !== 'TABLE') { t = t.nextElementSibling; }
if (!t || !t.tBodies.length) { return {table: null}; }
const key = s.dataset.key, rows = Array.from(t.tBodies[0].rows);
const match = (r, v) => key === 'stability' ? parseFloat(r.dataset[key] || '') >= parseFloat(v) - 1e-9
  : key === 'article' ? (r.dataset[key] || '').split(' ').indexOf(v) >= 0 : (r.dataset[key] || '') === v;
for (const o of Array.from(s.options)) {
  if (o.value === '') { continue; }
  const n = rows.filter(r => match(r, o.value)).length;
  if (n > 0 && n < rows.length) {
    return {table: t, select: s, key: key, value: o.value, expect: n, rows: rows.length};
  }
}
return {table: t, select: s, key: key, value: null, rows: rows.length};
"""
JS_SELECT_STATE = """
const t = arguments[0], key = arguments[1], v = arguments[2];
const match = (r) => key === 'stability' ? parseFloat(r.dataset[key] || '') >= parseFloat(v) - 1e-9
  : key === 'article' ? (r.dataset[key] || '').split(' ').indexOf(v) >= 0 : (r.dataset[key] || '') === v;
const shown = Array.from(t.tBodies[0].rows).filter(r => r.style.display !== 'none');
return {shown: shown.length, wrong: v === '' ? 0 : shown.filter(r => !match(r)).length};
"""


def select_problems(driver, k: int) -> tuple[list[str], list[str]]:
    """Choose a value in dropdown filter ``k`` (``select.mktlib-select``, rows carry ``data-<key>``): the
    rows shown must be exactly those with that value; choosing "all" again must show every row."""
    from selenium.webdriver.support.ui import Select

    s = driver.execute_script(JS_SELECT_SETUP, k)
    what = f"dropdown filter {k + 1}"
    if s["table"] is None:
        return [f"{what} has no table with rows after it"], []
    if s["value"] is None:
        return [], [f"{what} ({s['key']}): no value splits the rows: not tested"]
    sel, table, key, value = s["select"], s["table"], s["key"], s["value"]

    def choose(v: str) -> None:
        try:
            Select(sel).select_by_value(v)
        except Exception:  # noqa: BLE001 - a hidden or covered control: set it by script, as a change
            driver.execute_script(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));", sel, v
            )

    choose(value)
    after = driver.execute_script(JS_SELECT_STATE, table, key, value)
    choose("")
    cleared = driver.execute_script(JS_SELECT_STATE, table, key, "")
    errors = []
    if after["shown"] != s["expect"] or after["wrong"]:
        errors.append(
            f"{what} ({key}): choosing {value!r} shows {after['shown']} of {s['rows']} rows "
            f"({after['wrong']} without it); expected the {s['expect']} rows with it"
        )
    if cleared["shown"] != s["rows"]:
        errors.append(f"{what} ({key}): choosing 'all' again shows {cleared['shown']} of {s['rows']} rows")
    return errors, []


def widget_problems(driver) -> tuple[list[str], list[str]]:
    """(errors, warnings) from trying every sortable table and every filter box of the open page."""
    from selenium.common.exceptions import WebDriverException

    n_tables, n_filters, n_selects = driver.execute_script(
        "return [document.querySelectorAll('table.mktlib-sortable').length,"
        " document.querySelectorAll('input.mktlib-filter').length,"
        " document.querySelectorAll('select.mktlib-select').length];"
    )
    errors, warnings = [], []
    # the filters first: the box types a word of the first row as the page shows it, before any sort
    for check, n, what in (
        (filter_problems, n_filters, "filter box"),
        (select_problems, n_selects, "dropdown filter"),
        (sort_problems, n_tables, "sortable table"),
    ):
        for i in range(n):
            try:
                e, w = check(driver, i)
            except WebDriverException as ex:
                e, w = [f"{what} {i + 1} could not be tried: {type(ex).__name__}: {ex.msg}"], []
            errors += e
            warnings += w
    return errors, warnings


def console_problems(
    entries: list[dict],
    base: str,
    icons: list[str],
    page: str,
    missing: set[str] = frozenset(),
    reported: set[str] = frozenset(),
) -> tuple[list[str], list[str]]:
    """(errors, warnings) from the browser log: SEVERE entries are errors; a failed load from another
    host is an error for a script (a ``.js`` file, or MathJax: the site must work offline) and a warning
    for anything else; the automatic /favicon.ico request counts only if the page declares that icon;
    failed loads of local files in ``missing`` and of URLs in ``reported`` (scripts from other hosts,
    already reported) are not repeated."""
    declared = {base + resolve(page, i).path for i in icons if resolve(page, i).kind == "local"}
    errors, warnings = [], []
    for e in entries:
        if e.get("level") != "SEVERE":
            continue
        msg = e.get("message", "")
        url = msg.split(" ", 1)[0]
        if url == base + "favicon.ico" and url not in declared:
            continue
        if url.startswith(base) and unquote(urlsplit(url).path).lstrip("/") in missing:
            continue
        if url.startswith(("http://", "https://")) and not url.startswith(base) and "Failed to load" in msg:
            if _no_scheme(url) in {_no_scheme(r) for r in reported}:
                continue
            if urlsplit(url).path.endswith((".js", ".mjs")) or "mathjax" in url.lower():
                errors.append(f"script from another host did not load (the site must work offline): {msg}")
            else:
                warnings.append(f"external resource did not load (network?): {msg}")
            continue
        errors.append(f"JavaScript console error: {msg.replace(base, '/')}")
    return errors, warnings


def _no_scheme(url: str) -> str:
    return re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*:", "", url)


def fetch(base: str, rel: str, html: Path) -> str | None:
    """Fetch a linked file over HTTP; an error message, or None if it is served whole."""
    try:
        with urllib.request.urlopen(base + rel, timeout=20) as r:
            body = r.read()
    except (urllib.error.URLError, OSError) as e:
        return f"download {rel} failed: {e}"
    size = (html / rel).stat().st_size
    if len(body) != size or size == 0:
        return f"download {rel}: served {len(body)} bytes, file has {size}"
    return None


# ---------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------


def shot_path(shots: Path, page: str) -> Path:
    return shots / (page.removesuffix(".html") + ".png")


def table(results: list[PageResult]) -> str:
    """The summary: page, local links checked (of which files fetched: downloads, sources), images,
    code cells shown, rendered height in px ("-" without the browser), errors."""
    head = ("page", "links", "files", "images", "code", "height", "errors")
    rows = [head] + [
        (
            r.page + (f" ({r.note})" if r.note else ""),
            str(r.links),
            str(len(r.files)),
            str(r.images),
            str(r.code),
            "-" if r.height is None else str(r.height),
            str(len(r.errors)),
        )
        for r in results
    ]
    n = len(head)
    w = [max(len(r[i]) for r in rows) for i in range(n)]
    lines = [f"{r[0]:<{w[0]}}" + "".join(f"  {r[i]:>{w[i]}}" for i in range(1, n)) for r in rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def run(
    html: Path, root: Path, toc: Path, shots: Path | None, browser: bool, strict_external: bool = False
) -> tuple[list[PageResult], list[str]]:
    """Check the site; returns per-page results and site-level errors."""
    site = Site(html, root, toc)
    pages, site_errors = page_inventory(html, toc)
    dom: dict[str, dict] = {}
    failed: dict[str, str] = {}
    results = {}
    if browser:
        for exe in (CHROMIUM, CHROMEDRIVER):
            if not Path(exe).exists():
                raise SystemExit(f"check_site: {exe} is missing (apt-get install chromium chromium-driver)")
        if shots is not None:
            shutil.rmtree(shots, ignore_errors=True)
        server, base = serve(html)
        profile = tempfile.mkdtemp(prefix="check-site-chromium-")
        driver = start_browser(profile)
        try:
            for page in pages:
                if (html / page).is_file() and redirect_target((html / page).read_text(errors="replace")) is None:
                    try:
                        dom[page] = browse(driver, base, page, shot_path(shots, page) if shots else None)
                    except Exception as e:  # noqa: BLE001 - a page that hangs or crashes the tab: report it, go on
                        failed[page] = f"the browser could not open the page: {type(e).__name__}: {e}".strip()
                        driver.get("about:blank")
                        continue
                    site.dom_ids[page] = set(dom[page]["ids"])
            for page in pages:
                res = results[page] = site.static_check(page, dom.get(page, {}).get("hrefs", []))
                if page in failed:
                    res.errors.append(failed[page])
                if page not in dom:
                    continue
                info = dom[page]
                if shots is not None and info["height"] > MAX_HEIGHT:
                    res.warnings.append(f"the screenshot shows the first {info['viewport']} of {info['height']} px")
                res.images = len(info["imgs"])
                res.height = int(info["height"])
                for img in info["imgs"]:
                    if not img["complete"] or img["w"] == 0:
                        res.errors.append(f"image does not load: {img['src'] or img['url']} (naturalWidth 0)")
                todo = info["math"]["todo"]
                if todo:
                    res.errors.append(
                        f"formula not rendered (MathJax did not load?): {len(todo)} of {info['math']['n']} "
                        f"formula(s) after {info['math']['waited']:.0f} s"
                        + ("" if info["math"]["loaded"] else " (no MathJax on the page)")
                        + ", e.g. "
                        + ", ".join(repr(x) for x in todo[:3])
                    )
                res.errors += info["widget_errors"]
                res.warnings += info["widget_warnings"]
                scan = site.scan(page)
                missing = {
                    t.path
                    for t in (resolve(page, u) for u in scan.assets + scan.images + [i["src"] for i in info["imgs"]])
                    if t.kind == "local" and local_file(html, t.path) is None
                }
                reported = {urljoin(base + page, s) for s in scan.scripts if resolve(page, s).kind == "external"}
                errs, warns = console_problems(info["log"], base, scan.icons, page, missing, reported)
                res.errors += errs
                (res.errors if strict_external else res.warnings).extend(warns)
                for f in res.files:
                    problem = fetch(base, f, html)
                    if problem:
                        res.errors.append(problem)
        finally:
            driver.quit()
            server.shutdown()
            shutil.rmtree(profile, ignore_errors=True)
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            heights = {p: results[p].height for p in pages if results[p].height is not None}
            (shots / "heights.json").write_text(json.dumps(heights, indent=1) + "\n")
    else:
        for page in pages:
            results[page] = site.static_check(page)
    for page in pages:
        if not (html / page).is_file():
            results[page].note = "NOT BUILT"
    return [results[p] for p in pages], site_errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built site")
    ap.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    ap.add_argument("--root", type=Path, default=None, help="the book's source folder (default: the toc's)")
    ap.add_argument("--screenshots", type=Path, default=None, help="default: <html>/../screenshots")
    ap.add_argument("--no-screenshots", action="store_true")
    ap.add_argument("--no-browser", action="store_true", help="static checks only")
    ap.add_argument(
        "--strict-external",
        action="store_true",
        help="failed loads of non-script resources from other hosts are errors (scripts always are)",
    )
    a = ap.parse_args(argv)
    html = a.html.resolve()
    if not (html / "index.html").is_file() and not built_pages(html):
        print(f"check_site: no built site at {html} (run make book first)", file=sys.stderr)
        return 2
    shots = None if a.no_screenshots or a.no_browser else (a.screenshots or html.parent / "screenshots")
    t0 = time.monotonic()
    results, site_errors = run(
        html, (a.root or a.toc.parent).resolve(), a.toc.resolve(), shots, not a.no_browser, a.strict_external
    )
    print(table(results))
    n_err = len(site_errors) + sum(len(r.errors) for r in results)
    for e in site_errors:
        print(f"ERROR {e}")
    for r in results:
        for e in r.errors:
            print(f"ERROR {r.page}: {e}")
        for w in r.warnings:
            print(f"warning {r.page}: {w}")
    how = "static checks only" if a.no_browser else "in headless Chromium"
    print(
        f"{len(results)} pages checked {how} in {time.monotonic() - t0:.1f} s"
        + (f"; screenshots in {shots}" if shots else "")
        + f"; {n_err} error(s)"
    )
    return 1 if n_err else 0


if __name__ == "__main__":
    sys.exit(main())
