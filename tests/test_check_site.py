"""scripts/check_site.py: the parsing and checking logic, on a tiny fake site written to tmp_path.

Most tests need no browser. The tests marked ``browser`` run the whole checker in headless Chromium on a
fake site (sortable table and filter box with the ledger's own JavaScript, formulas with the MathJax the
site serves) and are skipped when ``/usr/bin/chromium`` or ``/usr/bin/chromedriver`` is missing.
"""

from __future__ import annotations

import base64
import doctest
import importlib.util
import json
import shutil
import socket
import struct
import sys
import sysconfig
import zlib
from pathlib import Path

import pandas as pd
import pytest

from mktlib.book import figure_html
from mktlib.book import table as book_table
from mktlib.claims import _TABLE_JS

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_site", ROOT / "scripts" / "check_site.py")
cs = importlib.util.module_from_spec(_spec)
sys.modules["check_site"] = cs
_spec.loader.exec_module(cs)

TOC = """\
format: jb-book
root: book/intro
parts:
  - caption: One
    chapters:
      - file: book/a
        sections:
          - file: book/a-sub.md
      - url: https://example.org
  - caption: Two
    chapters:
      - file: notebooks/01-nb
"""


def tiny_png(w: int = 3, h: int = 2) -> bytes:
    """A real (decodable) RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xcc\x33\x00" * w for _ in range(h))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


FIG = "btc-price"
ALT = "BTC fell from 126,000 USD on 6 October 2025 to 80,600 USD on 21 November 2025 (daily closes, USD)"
FIG_CSV = (
    "# BTC daily close\n# source: Binance public data\n# units: USD\n# time zone: UTC\ntime,close\n2025-10-06,126000\n"
)
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="3" height="2"></svg>\n'


def output_cell(inner: str, tags: str = "tag_remove-input") -> str:
    """A notebook cell as myst-nb renders it with its input removed: only the output."""
    return (
        f'<div class="cell {tags} docutils container"><div class="cell_output docutils container">'
        f'<div class="output text_html">{inner}</div></div></div>'
    )


def code_cell(code: str, hide: bool = False) -> str:
    """A notebook cell whose code is shown (``hide``: folded in a hide-input toggle)."""
    inp = (
        f'<div class="cell_input docutils container"><div class="highlight-ipython3 notranslate">'
        f'<div class="highlight"><pre><span></span>{code}</pre></div></div></div>'
    )
    if hide:
        inp = f'<details class="hide above-input"><summary>Show code cell source</summary>{inp}</details>'
    return f'<div class="cell docutils container">{inp}<div class="cell_output docutils container"></div></div>'


def page(body: str, title: str = "T", head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{head}"
        '<link rel="stylesheet" href="../_static/s.css"/><script src="../_static/x.js"></script></head>'
        f'<body><nav><a href="../search.html">Search</a></nav><article>{body}</article></body></html>'
    )


def notebook(markdown: list[str], glued: dict[str, str]) -> dict:
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {"scrapbook": {"name": k}},
            "data": {"application/papermill.record/text/plain": v},
        }
        for k, v in glued.items()
    ]
    return {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": m} for m in markdown]
        + [{"cell_type": "code", "metadata": {}, "source": "glue(...)", "outputs": outputs}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture
def site(tmp_path):
    """A clean fake book: sources, _toc.yml and a built _build/html with its glue data."""
    (tmp_path / "_toc.yml").write_text(TOC)
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n\nSee the notebook. Is it right? Yes.\n")
    (tmp_path / "book" / "a.md").write_text(
        "# A\n\nA `{glue:text}` example: ``{glue:text}`key:.1f` `` in code.\n"
        "```python\nglue('x', 1)  # {glue:text}`x`\n```\n"
    )
    (tmp_path / "book" / "a-sub.md").write_text("# Sub\n")
    nb = notebook(
        [("# NB\n\nThe peak was {glue:text}`peak:,.0f` USD on {glue:text}`peak_date`; rows {glue}`rows`.")],
        {"peak": "126000.5", "peak_date": "'6 Oct 2025'", "rows": "42"},
    )
    (tmp_path / "notebooks" / "01-nb.ipynb").write_text(json.dumps(nb))
    html = tmp_path / "_build" / "html"
    for d in ("book", "notebooks", "_static", "_images", "_downloads/abc", "_sources/book"):
        (html / d).mkdir(parents=True)
    (html / "_static" / "s.css").write_text("body{}")
    (html / "_static" / "x.js").write_text("1;")
    (html / "_images" / "fig.png").write_bytes(tiny_png())
    (html / "figures").mkdir()
    (html / "figures" / f"{FIG}.csv").write_text(FIG_CSV)
    (html / "figures" / f"{FIG}.png").write_bytes(tiny_png())
    (html / "figures" / f"{FIG}.svg").write_bytes(SVG)
    (html / "_downloads" / "abc" / "ledger.json").write_text("[]")
    (html / "_sources" / "book" / "intro.md").write_text("# Intro")
    (html / "index.html").write_text(
        '<html><head><meta http-equiv="Refresh" content="0; url=book/intro.html" /></head></html>'
    )
    for name in ("genindex.html", "search.html"):
        (html / name).write_text("<html><body>internal</body></html>")
    (html / "book" / "intro.html").write_text(
        page(
            '<section id="intro"><h1>Intro</h1><p>See <a href="../notebooks/01-nb.html#the-peak">the peak</a>, '
            '<a href="a.html">A</a>, <a href="#intro">top</a>, <a href="https://example.org/x">out</a>, '
            '<a href="mailto:x@y.z">mail</a>, <a href="../_sources/book/intro.md">source</a>. '
            "Is it right? Yes.</p></section>"
        )
    )
    (html / "book" / "a.html").write_text(
        page(
            '<h1 id="a">A</h1><p>A <code>{glue:text}</code> example: <code>{glue:text}`key:.1f`</code> in code.</p>'
            "<pre>glue('x', 1)  # {glue:text}`x` ??</pre>"
        )
    )
    (html / "book" / "a-sub.html").write_text(page("<h1>Sub</h1>"))
    (html / "notebooks" / "01-nb.html").write_text(
        page(
            '<section id="the-peak"><h1>NB</h1><p>The peak was <span class="pasted-text">126,000</span> USD on '
            '<span class="pasted-text">6 Oct 2025</span>; rows <span class="output text_plain">42</span>.</p>'
            '<img alt="The three phases of the episode: crash, slide and rebound" src="../_images/fig.png"/>'
            + output_cell(figure_html(FIG, tiny_png(), ALT, f'mktlib.charts.data("{FIG}")'))
            + code_cell('x <span class="o">=</span> 1\nprint(x)')
            + output_cell(book_table(pd.DataFrame({"measure": ["D1"], "value": [-0.024]}), {"value": "pct+"}))
            + '<p><a class="reference download internal" download="" href="../_downloads/abc/ledger.json">JSON</a>; '
            '<a class="reference internal" href="../book/a.html"><span class="std std-ref">A</span></a> '
            '<span class="bibtex-citation" id="id1">[<a href="#id9">Doe, 2020</a>]</span>.</p>'
            '<div id="id9">Doe</div></section>'
        )
    )
    jx = tmp_path / "_build" / "jupyter_execute" / "notebooks"
    jx.mkdir(parents=True)
    (jx / "01-nb.glue.json").write_text(json.dumps({"peak": {}, "peak_date": {}, "rows": {}}))
    return tmp_path


def results(site_root: Path) -> tuple[dict[str, cs.PageResult], list[str]]:
    res, site_errors = cs.run(site_root / "_build" / "html", site_root, site_root / "_toc.yml", None, browser=False)
    return {r.page: r for r in res}, site_errors


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


# ------------------------------------------------------------------------------------------------ pages


def test_toc_files_walks_parts_chapters_sections_and_skips_urls(site):
    assert cs.toc_files(site / "_toc.yml") == ["book/intro", "book/a", "book/a-sub", "notebooks/01-nb"]


def test_toc_files_expands_globs_and_needs_a_root(tmp_path):
    (tmp_path / "ch").mkdir()
    for name in ("b.md", "a.ipynb", "notes.txt"):
        (tmp_path / "ch" / name).write_text("")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - glob: ch/*\n")
    assert cs.toc_files(tmp_path / "_toc.yml") == ["index", "ch/a", "ch/b"]
    (tmp_path / "_toc.yml").write_text("format: jb-book\nchapters: []\n")
    with pytest.raises(ValueError, match="no 'root'"):
        cs.toc_files(tmp_path / "_toc.yml")


def test_built_pages_leave_out_sphinx_internals(site):
    assert cs.built_pages(site / "_build" / "html") == [
        "book/a-sub.html",
        "book/a.html",
        "book/intro.html",
        "index.html",
        "notebooks/01-nb.html",
    ]


def test_clean_site_passes(site):
    res, site_errors = results(site)
    assert site_errors == []
    assert {p: r.errors for p, r in res.items() if r.errors} == {}
    assert list(res) == ["book/intro.html", "book/a.html", "book/a-sub.html", "notebooks/01-nb.html", "index.html"]
    assert res["index.html"].note == "redirects to book/intro.html"
    # intro: search, 01-nb#the-peak, a.html, #intro, the source file (not: the external and mailto links)
    assert (res["book/intro.html"].links, res["book/intro.html"].external) == (5, 1)
    assert res["book/intro.html"].files == ["_sources/book/intro.md"]
    assert res["notebooks/01-nb.html"].files == [
        "figures/btc-price.csv",
        "figures/btc-price.png",
        "figures/btc-price.svg",
        "_downloads/abc/ledger.json",
    ]
    assert (res["notebooks/01-nb.html"].images, res["notebooks/01-nb.html"].code) == (2, 1)
    assert res["notebooks/01-nb.html"].height is None  # no browser


def test_missing_and_orphan_pages_are_errors(site):
    html = site / "_build" / "html"
    (html / "book" / "a-sub.html").unlink()
    (html / "book" / "old.html").write_text(page("<h1>Old</h1>"))
    res, site_errors = results(site)
    assert site_errors == [
        "book/a-sub.html: listed in _toc.yml but not built (no html/book/a-sub.html)",
        "book/old.html: built but not listed in _toc.yml (a stale or orphan page)",
    ]
    assert res["book/a-sub.html"].note == "NOT BUILT"
    assert cs.main(["--html", str(html), "--toc", str(site / "_toc.yml"), "--no-browser"]) == 1


def test_main_exit_status(site, capsys):
    html = site / "_build" / "html"
    assert cs.main(["--html", str(html), "--toc", str(site / "_toc.yml"), "--no-browser"]) == 0
    out = capsys.readouterr().out
    assert "notebooks/01-nb.html" in out and "0 error(s)" in out
    assert cs.main(["--html", str(site / "nothing"), "--toc", str(site / "_toc.yml"), "--no-browser"]) == 2


# ------------------------------------------------------------------------------------------------ links


def test_resolve():
    assert cs.resolve("book/a.html", "../notebooks/x.html#sec-1") == cs.Target("local", "notebooks/x.html", "sec-1")
    assert cs.resolve("book/a.html", "#") == cs.Target("local", "book/a.html", "")
    assert cs.resolve("book/a.html", "b%20c.html#caf%C3%A9") == cs.Target("local", "book/b c.html", "café")
    assert cs.resolve("book/a.html", "../").path == ""
    assert cs.resolve("a.html", "//cdn.example/x.js").kind == "external"
    assert cs.resolve("a.html", "https://github.com/x").kind == "external"
    for href in ("mailto:a@b.c", "javascript:void(0)", "", "data:image/png;base64,xx"):
        assert cs.resolve("a.html", href).kind == "skip"


def test_broken_links_and_fragments(site):
    html = site / "_build" / "html"
    edit(html / "book" / "intro.html", 'href="a.html"', 'href="aa.html"')
    edit(html / "book" / "intro.html", "01-nb.html#the-peak", "01-nb.html#the-trough")
    edit(html / "book" / "intro.html", 'href="#intro"', 'href="#intro-x"')
    edit(html / "notebooks" / "01-nb.html", "abc/ledger.json", "abc/ledger.csv")
    res, _ = results(site)
    assert res["book/intro.html"].errors == [
        "broken link '../notebooks/01-nb.html#the-trough': no element id='the-trough' on notebooks/01-nb.html",
        "broken link 'aa.html': book/aa.html does not exist",
        "broken link '#intro-x': no element id='intro-x' on book/intro.html",
    ]
    assert res["notebooks/01-nb.html"].errors == [
        "broken link '../_downloads/abc/ledger.csv': _downloads/abc/ledger.csv does not exist"
    ]


def test_ids_added_by_the_browser_count(site):
    html = site / "_build" / "html"
    edit(html / "book" / "intro.html", "01-nb.html#the-peak", "01-nb.html#made-by-js")
    s = cs.Site(html, site, site / "_toc.yml")
    assert s.static_check("book/intro.html").errors
    s.dom_ids["notebooks/01-nb.html"] = {"made-by-js"}
    assert s.static_check("book/intro.html").errors == []


def test_missing_assets_images_and_redirect_targets(site):
    html = site / "_build" / "html"
    (html / "_images" / "fig.png").unlink()
    (html / "_static" / "x.js").unlink()
    edit(html / "index.html", "book/intro.html", "book/start.html")
    res, _ = results(site)
    assert "missing image '../_images/fig.png': _images/fig.png does not exist" in res["notebooks/01-nb.html"].errors
    assert "missing asset '../_static/x.js': _static/x.js does not exist" in res["book/a.html"].errors
    assert res["index.html"].errors == ["broken redirect 'book/start.html': book/start.html does not exist"]


# ------------------------------------------------------------------------------------------------ text


def test_scan_html_keeps_code_out_of_the_text():
    s = cs.scan_html(
        '<p>Value <code>{glue:text}`k`</code> <span class="math">a ?? b</span>.</p>'
        "<pre>x ??</pre><script>var a = '??';</script><p>Next <b>one</b></p>"
    )
    assert s.texts == ["Value .", "Next one"]


def test_scan_html_finds_unresolved_references_and_citations():
    s = cs.scan_html(
        '<p><a class="reference internal" href="#x"><code class="xref py">f</code></a> '
        '<span class="xref std std-ref">claim-zz</span> <code class="xref std std-numref">fig-1</code>'
        '<span class="bibtex-citation" id="id1">[]</span>'
        '<span class="bibtex-citation" id="id2">[<a href="#r">Doe, 2020</a>]</span></p>'
    )
    assert s.unresolved_refs == ["claim-zz", "fig-1"]
    assert s.empty_citations == 1
    assert {"id1", "id2"} <= s.ids


@pytest.mark.parametrize(
    "text",
    [
        "Is the rebound real? The data say yes.",
        "Why? Because funding fell.",
        "(really)?",
        "a?b",
        "Who?",
        "What is 'transmission'?",
        "the 10 Oct cascade?!",
    ],
)
def test_real_question_marks_are_not_flagged(text):
    assert cs.text_problems([text]) == []


@pytest.mark.parametrize(
    "text, what",
    [
        ("The drawdown was ?% from the peak.", "a lone '?'"),
        ("BTC fell ? percent", "a lone '?'"),
        ("between ? and 90k", "a lone '?'"),
        ("the value (?) is", "a lone '?'"),
        ("the peak was ?? USD", "'??'"),
        ("see {glue:text}`peak`", "a literal glue role"),
        ("see glue:text peak", "a literal glue role"),
    ],
)
def test_placeholders_are_flagged(text, what):
    problems = cs.text_problems([text])
    assert len(problems) == 1 and problems[0].startswith(what), problems


@pytest.mark.parametrize(
    "text, what",
    [
        ("| measure | value | |---|---| | D1 | -2.4% |", "raw Markdown table syntax"),
        ("see {ref}`claim-d1` for more", "an unrendered MyST role"),
        (":::{note} text", "an unrendered MyST role"),
        ("the ratio $\\frac{a}{b}$ is", "TeX between literal dollar signs"),
        ("<Figure size 800x400 with 1 Axes>", "a Python repr"),
        ("<pandas.io.formats.style.Styler object at 0x7f3a>", "a Python repr"),
        ("return +nan% over the window", "a missing value"),
        ("NaT", "a missing value"),
        ("None", "a missing value"),
        ("peak at 2025-10-30 00:00:00+00:00", "a raw timestamp"),
        ("fell -1.41% fraction", "a unit word"),
    ],
)
def test_what_a_reader_must_not_see_is_flagged(text, what):
    problems = cs.text_problems([text])
    assert len(problems) == 1 and problems[0].startswith(what), problems


@pytest.mark.parametrize(
    "text",
    [
        "BTC fell from $126,000 to $80,600, and $92,000 did not hold.",
        "Nancy and NaTional banks",
        "a fraction of the OI",
        "on 2025-11-21 at 21:00 UTC",
        "None of the tests rejected",
        "nano-caps",
    ],
)
def test_ordinary_prose_is_not_flagged(text):
    assert cs.text_problems([text]) == []


def test_placeholder_in_a_built_page(site):
    html = site / "_build" / "html"
    edit(html / "book" / "intro.html", "Is it right? Yes.", "It fell ?% in ?? days. Is it right? Yes.")
    res, _ = results(site)
    assert [e.split(":")[0] for e in res["book/intro.html"].errors] == [
        "'??' (an unresolved value) in the text",
        "a lone '?' where a value should be",
    ]


@pytest.mark.parametrize(
    "tex",
    [
        r"\(86,000, to \)",
        r"\(5tn to \)",
        r"\(bn. Across\)",
        r"\(1bn net flow goes with {glue:text}`b:.2f` points\)",
        r"\(90,000\"* (26-27 November) mentions \"nearly \)",
        "\\(84,000. \u2014 *Bitcoin\\)",
    ],
)
def test_prose_turned_into_math_is_flagged(tex):
    assert cs.prose_in_math(tex)


@pytest.mark.parametrize(
    "tex",
    [
        r"\(r_t = \log P_t - \log P_{t-1}\)",
        r"\(\beta = 0.5\)",
        r"\(x^2\)",
        r"\(\text{funding rate} \times 1095\)",
        r"\[\frac{dy}{dx} = \sum_{i=1}^{n} w_i x_i\]",
        r"\(\mathrm{OI}_t / \mathrm{MC}_t\)",
        r"\(1{,}095\)",
    ],
)
def test_real_math_is_not_flagged(tex):
    assert not cs.prose_in_math(tex)


def test_dollar_signs_that_opened_math_in_a_built_page(site):
    edit(
        site / "_build" / "html" / "book" / "intro.html",
        "Is it right? Yes.",
        'From <span class="math notranslate nohighlight">\\(126,000 to \\)</span>86,000. '
        'With <span class="math notranslate nohighlight">\\(\\beta_1\\)</span>.',
    )
    res, _ = results(site)
    assert res["book/intro.html"].errors == [
        "text rendered as a formula (a '$' in the prose opened math; write \\$ for a dollar sign): '\\(126,000 to \\)'"
    ]


# ------------------------------------------------------------------------------------------------ glue


def test_glue_roles_kinds_keys_and_code():
    md = (
        "A {glue:text}`n_rows:,` B {glue}`a` C {glue:}`b` D {glue:md}`c` E {glue:text}`../x.ipynb::k:.1%`\n"
        "inline ``{glue:text}`in_code` `` and `{glue:text}` alone\n"
        "```python\nglue('x')  # {glue:text}`fenced`\n```\n"
        "~~~\n{glue:text}`tilde`\n~~~\n"
        "```{note}\nA note with {glue:text}`in_note`.\n```\n"
        "```{code-block} md\n{glue:text}`in_code_block`\n```\n"
    )
    assert [(r.kind, r.key) for r in cs.glue_roles(md)] == [
        ("text", "n_rows"),
        ("any", "a"),
        ("any", "b"),
        ("md", "c"),
        ("text", "../x.ipynb::k"),
        ("text", "in_note"),
    ]


def test_source_markdown_of_a_notebook_skips_removed_cells(tmp_path):
    nb = notebook(["shown {glue:text}`a`", "hidden {glue:text}`b`"], {})
    nb["cells"][1]["metadata"]["tags"] = ["remove-cell"]
    nb["cells"][0]["source"] = ["shown ", "{glue:text}`a`"]
    (tmp_path / "n.ipynb").write_text(json.dumps(nb))
    assert [r.key for r in cs.glue_roles(cs.source_markdown(tmp_path / "n.ipynb"))] == ["a"]


def test_glued_keys_prefers_the_executed_notebook(site):
    build = site / "_build"
    assert cs.glued_keys(build, site, "notebooks/01-nb") == {"peak", "peak_date", "rows"}
    (build / "jupyter_execute" / "notebooks" / "01-nb.glue.json").unlink()
    assert cs.glued_keys(build, site, "notebooks/01-nb") == {"peak", "peak_date", "rows"}  # from the source
    assert cs.glued_keys(build, site, "book/intro") == set()
    assert cs.glued_keys(build, site, "book/nowhere") is None


def test_unknown_glue_key_is_an_error(site):
    nb = site / "notebooks" / "01-nb.ipynb"
    edit(nb, "{glue:text}`peak_date`", "{glue:text}`trough_date`")
    res, _ = results(site)
    assert res["notebooks/01-nb.html"].errors == [
        (
            "unresolved glue {glue:text}`trough_date`: key 'trough_date' is not glued in notebooks/01-nb "
            "(renders as nothing)"
        )
    ]


def test_glue_value_missing_from_the_page_is_an_error(site):
    # the key exists but the value is not on the page: what a failing format spec leaves
    edit(site / "_build" / "html" / "notebooks" / "01-nb.html", '<span class="pasted-text">6 Oct 2025</span>', "")
    res, _ = results(site)
    assert res["notebooks/01-nb.html"].errors == [
        (
            "1 of the 2 {glue:text} values whose key exists are missing from the page (a format spec that fails, "
            "or a role inside text that '$' signs turned into a formula, renders as nothing)"
        )
    ]


def test_mistyped_glue_role_and_glue_in_a_markdown_page(site):
    edit(site / "notebooks" / "01-nb.ipynb", "{glue}`rows`", "{glue:txt}`rows`")
    edit(site / "book" / "a-sub.md", "# Sub", "# Sub\n\nIt fell {glue:text}`drop:.1%`.")
    res, _ = results(site)
    assert res["notebooks/01-nb.html"].errors == ["unknown glue role {glue:txt}`rows` (renders as nothing)"]
    assert res["book/a-sub.html"].errors == [
        "unresolved glue {glue:text}`drop:.1%`: key 'drop' is not glued in book/a-sub (renders as nothing)"
    ]


def test_glue_from_another_document(site):
    edit(
        site / "book" / "a-sub.md",
        "# Sub",
        "# Sub\n\nPeak {glue:}`../notebooks/01-nb.ipynb::peak`, low {glue:}`../notebooks/01-nb.ipynb::low`.",
    )
    res, _ = results(site)
    assert res["book/a-sub.html"].errors == [
        (
            "unresolved glue {glue:}`../notebooks/01-nb.ipynb::low`: key 'low' is not glued in "
            "../notebooks/01-nb.ipynb (renders as nothing)"
        )
    ]


# ------------------------------------------------------------------------------------------------ images and figures

NB = "notebooks/01-nb.html"


def nb_html(site: Path) -> Path:
    return site / "_build" / "html" / NB


@pytest.mark.parametrize(
    "img, error",
    [
        ('<img src="../_images/fig.png"/>', "image '../_images/fig.png': no alt text"),
        ('<img alt="" src="../_images/fig.png"/>', "image '../_images/fig.png': empty alt text"),
        ('<img alt="Figure 3" src="../_images/fig.png"/>', "image '../_images/fig.png': generic alt text 'Figure 3'"),
        ('<img alt="chart 2: plot" src="../_images/fig.png"/>', "image '../_images/fig.png': generic alt text"),
        (
            '<img alt="../_images/fig.png" src="../_images/fig.png"/>',
            "image '../_images/fig.png': alt text is the image's file name",
        ),
        ('<img alt="_images/other.png" src="../_images/fig.png"/>', "image '../_images/fig.png': alt text is a file"),
        ('<img alt="btc_price_chart.png" src="../_images/fig.png"/>', "image '../_images/fig.png': alt text is a file"),
        ('<img alt="BTC price chart" src="../_images/fig.png"/>', "image '../_images/fig.png': alt text too short"),
    ],
)
def test_bad_alt_text_in_a_markdown_page(site, img, error):
    # a Sphinx/MyST image in a book/*.md page ({figure} or ![]()) counts like a notebook figure
    edit(site / "_build" / "html" / "book" / "a-sub.html", "<h1>Sub</h1>", "<h1>Sub</h1>" + img)
    res, _ = results(site)
    errors = res["book/a-sub.html"].errors
    assert len(errors) == 1 and errors[0].startswith(error), errors


def test_bad_alt_text_of_a_figure_names_the_figure(site):
    edit(nb_html(site), f'alt="{ALT}"', 'alt="chart"')
    res, _ = results(site)
    assert res[NB].errors == ["figure #fig-btc-price: generic alt text 'chart' (say what the figure shows)"]


def test_notebook_output_image_outside_a_figure(site):
    # matplotlib's own display: a PNG in the cell output with no downloads
    edit(
        nb_html(site),
        '<div class="cell_input',
        '<div class="cell_output docutils container"><img alt="The three phases: crash, slide and rebound" '
        'src="../_images/fig.png"/></div><div class="cell_input',
    )
    res, _ = results(site)
    assert res[NB].errors == [
        "figure without its data download: image '../_images/fig.png' in a notebook output is not in a "
        "figure.mktlib-figure (show it with mktlib.book.figure)"
    ]


def test_output_class_counts_as_a_notebook_output(tmp_path):
    s = cs.scan_html('<div class="output text_html"><img alt="x" src="a.png"></div><img alt="y" src="b.png">')
    assert [(i.src, i.in_output, i.figure) for i in s.img_tags] == [("a.png", True, None), ("b.png", False, None)]


@pytest.mark.parametrize("ext", ["csv", "png", "svg"])
def test_figure_without_a_download_link(site, ext):
    text = nb_html(site).read_text()
    link = f'<a class="mktlib-download" href="../figures/{FIG}.{ext}" download>'
    assert link in text
    edit(nb_html(site), link, "<a>")
    res, _ = results(site)
    assert res[NB].errors == [f"figure without its data download: figure #fig-btc-price has no link to its .{ext} file"]


def test_figure_download_missing_empty_or_not_what_it_says(site):
    html = site / "_build" / "html"
    (html / "figures" / f"{FIG}.csv").unlink()
    (html / "figures" / f"{FIG}.png").write_bytes(b"")
    (html / "figures" / f"{FIG}.svg").write_text("<html>not found</html>")
    res, _ = results(site)
    assert res[NB].errors == [
        "broken link '../figures/btc-price.csv': figures/btc-price.csv does not exist",
        "figure #fig-btc-price: download figures/btc-price.png is empty",
        "figure #fig-btc-price: download figures/btc-price.svg is not an SVG",
    ]


def test_figure_links_to_another_figures_files(site):
    (site / "_build" / "html" / "figures" / "eth-price.png").write_bytes(tiny_png())
    edit(nb_html(site), f"figures/{FIG}.png", "figures/eth-price.png")
    res, _ = results(site)
    assert res[NB].errors == [
        "figure #fig-btc-price: its .png link '../figures/eth-price.png' is not this figure's file (btc-price.png)"
    ]


@pytest.mark.parametrize(
    "csv, error",
    [
        ("time,close\n2025-10-06,126000\n", "does not begin with a '# ' header line"),
        ("#BTC\n# source: x\n# units: USD\ntime,close\n", "does not begin with a '# ' header line"),
        ("# BTC daily close\n# units: USD\ntime,close\n", "has no '# source: ...' line in its header"),
        ("# BTC daily close\n# source: Binance\ntime,close\n# units: USD\n", "has no '# units: ...' line"),
    ],
)
def test_figure_csv_without_its_header(site, csv, error):
    (site / "_build" / "html" / "figures" / f"{FIG}.csv").write_text(csv)
    res, _ = results(site)
    assert len(res[NB].errors) == 1 and res[NB].errors[0].startswith(
        f"figure #fig-btc-price: download figures/btc-price.csv {error}"
    ), res[NB].errors


def test_data_uri_images_are_not_missing_files(site):
    # the clean site's figure is a data: PNG: not a missing file, and it decodes
    s = cs.scan_html(nb_html(site).read_text())
    assert [i.src[:22] for i in s.img_tags] == ["../_images/fig.png", "data:image/png;base64,"]
    assert cs.check_assets(NB, s.images, site / "_build" / "html", "image") == []
    assert cs.data_uri_problem(s.img_tags[1].src) is None
    svg = "data:image/svg+xml;base64," + base64.b64encode(SVG).decode()
    assert cs.data_uri_problem(svg) is None
    assert cs.data_uri_problem("data:image/svg+xml,%3Csvg%20xmlns%3D%22x%22%3E%3C%2Fsvg%3E") is None


@pytest.mark.parametrize(
    "src, error",
    [
        ("data:image/png;base64,", "its data: URI is empty"),
        ("data:image/png;base64,iVBORw0K***", "its data: URI does not decode"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a...").decode(), "its data: URI is not a PNG"),
        ("data:image/jpeg;base64,/9j/4AAQ", "its data: URI is image/jpeg, not a PNG or SVG image"),
        ("data:image/svg+xml;base64," + base64.b64encode(b"<html></html>").decode(), "its data: URI is not an SVG"),
    ],
)
def test_data_uri_image_that_does_not_decode(site, src, error):
    text = nb_html(site).read_text()
    start = text.index("data:image/png;base64,")
    nb_html(site).write_text(text[:start] + src + text[text.index('"', start) :])
    res, _ = results(site)
    assert len(res[NB].errors) == 1 and res[NB].errors[0].startswith(f"figure #fig-btc-price: {error}"), res[NB].errors


# ------------------------------------------------------------------------------------------------ code and tables


@pytest.mark.parametrize(
    "code, hide, error",
    [
        ('<span class="kn">import</span> <span class="nn">numpy</span> as np', False, "(imports; "),
        ("x = 1\nfrom mktlib import claims", False, "(imports; "),
        ("  import os  # in a function", True, "(imports; "),
        ('<span class="c1"># NBVAL_CHECK_OUTPUT</span>\nkr = {"a": 1}', True, "(key results: NBVAL_CHECK_OUTPUT; "),
    ],
)
def test_visible_code_with_imports_or_key_results(site, code, hide, error):
    edit(nb_html(site), "<p><a class", code_cell(code, hide=hide) + "<p><a class")
    res, _ = results(site)
    assert res[NB].code == 2
    assert len(res[NB].errors) == 1, res[NB].errors
    assert res[NB].errors[0].startswith("code cell with imports/key results visible on the page " + error)


def test_visible_code_that_only_mentions_imports_is_fine(site):
    edit(nb_html(site), "<p><a class", code_cell('print("import data")\nimported = 1\n# from a to b') + "<p><a class")
    res, _ = results(site)
    assert res[NB].errors == [] and res[NB].code == 2


def test_code_cells_are_counted_not_output_or_markdown_code():
    s = cs.scan_html(code_cell("a = 1") + code_cell("b = 2", hide=True) + "<pre>c = 3</pre>" + output_cell("<p>4</p>"))
    assert s.code_cells == ["a = 1", "b = 2"]


@pytest.mark.parametrize(
    "value, what",
    [
        ("nan", "a missing value (nan/NaT) shown as text"),
        ("2025-10-30 00:00:00+00:00", "a raw timestamp"),
        ("see {ref}`claim-d1`", "an unrendered MyST role or directive"),
        ("| a | b | |---|---|", "raw Markdown table syntax"),
        ("-1.41% fraction", "a unit word ('fraction') after a number"),
        ("<pandas.core.frame.DataFrame object at 0x7f3a>", "a Python repr"),
    ],
)
def test_text_checks_run_inside_book_tables(site, value, what):
    # a table made by mktlib.book.table: its cells are text like any other
    tbl = book_table(pd.DataFrame({"measure": ["D1", "D2"], "note": ["fine", value]}))
    assert 'class="mktlib-table"' in tbl
    edit(nb_html(site), "<p><a class", output_cell(tbl) + "<p><a class")
    res, _ = results(site)
    assert len(res[NB].errors) == 1 and res[NB].errors[0].startswith(f"{what} in the text"), res[NB].errors


def test_script_from_another_host_is_an_error(site):
    edit(
        site / "_build" / "html" / "book" / "a-sub.html",
        "<title>",
        '<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script><title>',
    )
    res, _ = results(site)
    assert res["book/a-sub.html"].errors == [
        "script from another host 'https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js': the site must "
        "work offline (serve it from _static; MathJax: sphinx-mathjax-offline)"
    ]


# ------------------------------------------------------------------------------------------------ browser log


def test_console_problems():
    base = "http://127.0.0.1:8000/"
    log = [
        {"level": "SEVERE", "message": base + "favicon.ico - Failed to load resource: 404"},
        {
            "level": "SEVERE",
            "message": "https://cdn.example/mathjax/tex-chtml.js - Failed to load resource: net::ERR_NAME_NOT_RESOLVED",
        },
        {
            "level": "SEVERE",
            "message": "https://fonts.example/inter.woff2 - Failed to load resource: net::ERR_NAME_NOT_RESOLVED",
        },
        {"level": "SEVERE", "message": base + "book/a.html 12:3 Uncaught TypeError: x is not a function"},
        {"level": "SEVERE", "message": base + "_images/gone.png - Failed to load resource: 404"},
        {"level": "WARNING", "message": base + "book/a.html 1:1 deprecated"},
        {"level": "INFO", "message": "console.log"},
    ]
    errors, warnings = cs.console_problems(log, base, [], "book/a.html", {"_images/gone.png"})
    # a script (MathJax) from a CDN that does not load is an error: the site must work offline
    assert errors == [
        (
            "script from another host did not load (the site must work offline): https://cdn.example/mathjax/"
            "tex-chtml.js - Failed to load resource: net::ERR_NAME_NOT_RESOLVED"
        ),
        "JavaScript console error: /book/a.html 12:3 Uncaught TypeError: x is not a function",
    ]
    assert warnings == [
        (
            "external resource did not load (network?): https://fonts.example/inter.woff2 - "
            "Failed to load resource: net::ERR_NAME_NOT_RESOLVED"
        )
    ]
    # a <script src> to another host is reported by the static check: its failed load is not repeated
    errors, _ = cs.console_problems(
        log, base, [], "book/a.html", {"_images/gone.png"}, {"//cdn.example/mathjax/tex-chtml.js"}
    )
    assert errors == ["JavaScript console error: /book/a.html 12:3 Uncaught TypeError: x is not a function"]
    # a favicon the page declares is real; a missing image not reported elsewhere is an error
    errors, _ = cs.console_problems(log, base, ["../favicon.ico"], "book/a.html")
    assert len(errors) == 4 and errors[0].startswith("JavaScript console error: /favicon.ico")


def test_table():
    r = [
        cs.PageResult("book/intro.html", links=16, files=["a"], images=2, code=3, height=2400, errors=["x"]),
        cs.PageResult("index.html", links=1, note="redirects to book/intro.html"),
    ]
    assert cs.table(r).splitlines() == [
        "page                                       links  files  images  code  height  errors",
        "-----------------------------------------  -----  -----  ------  ----  ------  ------",
        "book/intro.html                               16      1       2     3    2400       1",
        "index.html (redirects to book/intro.html)      1      0       0     0       -       0",
    ]


def test_doctests():
    assert doctest.testmod(cs).failed == 0


# ------------------------------------------------------------------------------------------------ in the browser

needs_browser = pytest.mark.skipif(
    not (Path(cs.CHROMIUM).exists() and Path(cs.CHROMEDRIVER).exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver",
)


def _closed_port() -> int:
    """A localhost port nothing listens on: "another host" whose loads fail at once, with no network."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


OTHER_PORT = _closed_port()
MATHJAX = Path(sysconfig.get_paths()["purelib"]) / "sphinx-mathjax-offline" / "static" / "mathjax"
LEDGER_ROWS = [("A1", "level", "supported"), ("D2", "change", "refuted"), ("B1", "level", "supported")]
LEDGER_ROWS += [("C3", "lead-lag", "inconclusive")]


def ledger_html() -> str:
    """The ledger's filter box (in its controls) and sortable table as mktlib.claims.render_html writes them
    (with its own script), and a second sortable table (numbers, no filter) like render_summary_html."""
    rows = "".join(
        f'<tr id="claim-{p}" data-verdict="{v}"><td data-sort="{p}"><b>{p}</b></td><td>{kind}</td>'
        f'<td data-sort="{v}"><span class="verdict verdict-{v}">{v}</span></td></tr>'
        for p, kind, v in LEDGER_ROWS
    )
    numbers = "".join(f"<tr><td>{n}</td><td>x{n}</td></tr>" for n in (10, 9, 100, 0.5))
    return (
        '<div class="mktlib-controls"><input type="search" class="mktlib-filter" placeholder="filter rows" '
        'oninput="mktlibFilter(this)"><select class="mktlib-select" data-key="verdict" onchange="mktlibFilter(this)">'
        '<option value="">all</option><option value="refuted">refuted</option>'
        '<option value="supported">supported</option></select></div>'
        '<table class="mktlib-ledger mktlib-sortable"><thead><tr><th>part</th><th>type</th><th>verdict</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
        '<table class="mktlib-ledger-summary mktlib-sortable"><thead><tr><th>n</th><th>label</th></tr></thead>'
        f"<tbody>{numbers}</tbody></table>" + _TABLE_JS
    )


MATH_HEAD = (
    '<script>window.MathJax = {"options": {"processHtmlClass": "tex2jax_process|mathjax_process|math|output_area"}}'
    '</script><script defer="defer" src="../_static/mathjax/tex-chtml.js"></script>'
)
MATH_BODY = (
    '<p>Returns <span class="math notranslate nohighlight">\\(r_t = \\log P_t - \\log P_{t-1}\\)</span>.</p>'
    '<div class="math notranslate nohighlight">\\[\\beta = \\frac{\\mathrm{cov}(x, y)}{\\mathrm{var}(x)}\\]</div>'
)


def browser_site(root: Path) -> Path:
    """A fake built book for the browser: a page with formulas (the MathJax the site serves) and the
    ledger page (filter box, sortable tables, a figure with its downloads)."""
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/07-ledger\n")
    html = root / "_build" / "html"
    for d in ("book", "notebooks", "_static/mathjax/output/chtml/fonts", "figures"):
        (html / d).mkdir(parents=True)
    (html / "_static" / "s.css").write_text("body{}")
    (html / "_static" / "x.js").write_text("1;")
    (html / "search.html").write_text("<html><body>internal</body></html>")
    shutil.copy(MATHJAX / "tex-chtml.js", html / "_static" / "mathjax" / "tex-chtml.js")
    shutil.copytree(MATHJAX / "output/chtml/fonts/woff-v2", html / "_static/mathjax/output/chtml/fonts/woff-v2")
    (html / "figures" / f"{FIG}.csv").write_text(FIG_CSV)
    (html / "figures" / f"{FIG}.png").write_bytes(tiny_png())
    (html / "figures" / f"{FIG}.svg").write_bytes(SVG)
    (html / "book" / "intro.html").write_text(page("<h1 id='intro'>Intro</h1>" + MATH_BODY, head=MATH_HEAD))
    (html / "notebooks" / "07-ledger.html").write_text(
        page(
            '<h1 id="ledger">Ledger</h1>'
            + output_cell(figure_html(FIG, tiny_png(), ALT, f'mktlib.charts.data("{FIG}")'))
            + output_cell(ledger_html())
        )
    )
    return html


def browser_results(root: Path, shots: Path | None) -> dict[str, cs.PageResult]:
    res, site_errors = cs.run(root / "_build" / "html", root, root / "_toc.yml", shots, browser=True)
    assert site_errors == []
    return {r.page: r for r in res}


@needs_browser
@pytest.mark.skipif(not (MATHJAX / "tex-chtml.js").is_file(), reason="sphinx-mathjax-offline is not installed")
def test_browser_clean_site_passes_and_records_heights(tmp_path):
    browser_site(tmp_path)
    shots = tmp_path / "_build" / "screenshots"
    res = browser_results(tmp_path, shots)
    assert {p: r.errors for p, r in res.items() if r.errors} == {}
    assert {p: r.warnings for p, r in res.items() if r.warnings} == {}
    assert res["notebooks/07-ledger.html"].images == 1  # the data: PNG loads in the browser
    heights = json.loads((shots / "heights.json").read_text())
    assert set(heights) == {"book/intro.html", "notebooks/07-ledger.html"}
    assert all(isinstance(h, int) and h > 0 for h in heights.values())
    assert heights["book/intro.html"] == res["book/intro.html"].height
    assert (shots / "notebooks" / "07-ledger.png").is_file()
    assert f"  {res['book/intro.html'].height}  " in cs.table(list(res.values()))


@pytest.fixture(scope="module")
def broken_browser_run(tmp_path_factory):
    """One browser run on a fake site with every browser-side fault: a sort that does not sort, a filter
    that does not filter, formulas with no MathJax, scripts from another host."""
    if not (Path(cs.CHROMIUM).exists() and Path(cs.CHROMEDRIVER).exists()):
        pytest.skip("needs /usr/bin/chromium and /usr/bin/chromedriver")
    if not (MATHJAX / "tex-chtml.js").is_file():
        pytest.skip("sphinx-mathjax-offline is not installed")
    root = tmp_path_factory.mktemp("broken")
    html = browser_site(root)
    edit(html / "notebooks" / "07-ledger.html", "return asc?r:-r;", "return 0;")  # the sort keeps the order
    edit(html / "notebooks" / "07-ledger.html", "'none'", "''")  # the filter hides nothing
    edit(html / "book" / "intro.html", '<script defer="defer" src="../_static/mathjax/tex-chtml.js"></script>', "")
    edit(
        html / "book" / "intro.html",
        "<title>",
        f'<script src="http://127.0.0.1:{OTHER_PORT}/cdn/lib.js"></script>'
        f"<script>var s = document.createElement('script'); s.src = 'http://127.0.0.1:{OTHER_PORT}/cdn/mathjax/"
        "tex-chtml.js'; document.head.appendChild(s);</script><title>",
    )
    return browser_results(root, None)


def test_browser_sort_that_does_not_sort(broken_browser_run):
    assert [e for e in broken_browser_run["notebooks/07-ledger.html"].errors if e.startswith("sortable")] == [
        "sortable table 1: clicking the header 'part' does not sort the table (after one click the column is "
        "unsorted, after two unsorted; expected ascending and descending)",
        "sortable table 2: clicking the header 'n' does not sort the table (after one click the column is "
        "unsorted, after two unsorted; expected ascending and descending)",
    ]


def test_browser_filter_that_does_not_filter(broken_browser_run):
    assert [e for e in broken_browser_run["notebooks/07-ledger.html"].errors if e.startswith("filter")] == [
        "filter box 1: typing 'supported' hides no row (filtering does not work: 2 of 4 rows do not contain it)"
    ]


def test_browser_dropdown_that_does_not_filter(broken_browser_run):
    assert [e for e in broken_browser_run["notebooks/07-ledger.html"].errors if e.startswith("dropdown")] == [
        "dropdown filter 1 (verdict): choosing 'refuted' shows 4 of 4 rows (3 without it); expected the 1 rows with it"
    ]


def test_browser_formulas_without_mathjax(broken_browser_run):
    errors = [e for e in broken_browser_run["book/intro.html"].errors if e.startswith("formula")]
    assert len(errors) == 1, broken_browser_run["book/intro.html"].errors
    assert errors[0].startswith("formula not rendered (MathJax did not load?): 2 of 2 formula(s) after ")
    assert "(no MathJax on the page), e.g. '\\\\(r_t = \\\\log P_t - \\\\log P_{t-1}\\\\)'" in errors[0]


def test_browser_scripts_from_another_host_are_errors(broken_browser_run):
    # the <script src> is reported once (statically); a script added by a script shows in the browser's log
    errors = [e for e in broken_browser_run["book/intro.html"].errors if "another host" in e]
    assert len(errors) == 2, errors
    assert errors[0] == (
        f"script from another host 'http://127.0.0.1:{OTHER_PORT}/cdn/lib.js': the site must work offline (serve "
        "it from _static; MathJax: sphinx-mathjax-offline)"
    )
    assert errors[1].startswith(
        f"script from another host did not load (the site must work offline): http://127.0.0.1:{OTHER_PORT}/cdn/"
        "mathjax/tex-chtml.js - Failed to load resource: net::ERR_"
    )
    assert len(broken_browser_run["book/intro.html"].errors) == 3  # these two and the formulas
    assert len(broken_browser_run["notebooks/07-ledger.html"].errors) == 4  # only the sort, filter, dropdown faults
