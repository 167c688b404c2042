"""scripts/check_site.py: the parsing and checking logic, on a tiny fake site written to tmp_path.

The browser part (Chromium: images' naturalWidth, console errors, screenshots) runs in ``make check-site``;
these tests need no browser.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import sys
from pathlib import Path

import pytest

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
    (html / "_images" / "fig.png").write_bytes(b"\x89PNG fake")
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
            '<img alt="chart" src="../_images/fig.png"/>'
            '<p><a class="reference download internal" download="" href="../_downloads/abc/ledger.json">JSON</a>; '
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
    assert res["notebooks/01-nb.html"].files == ["_downloads/abc/ledger.json"]
    assert res["notebooks/01-nb.html"].images == 1


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


# ------------------------------------------------------------------------------------------------ browser log


def test_console_problems():
    base = "http://127.0.0.1:8000/"
    log = [
        {"level": "SEVERE", "message": base + "favicon.ico - Failed to load resource: 404"},
        {
            "level": "SEVERE",
            "message": "https://cdn.example/mathjax.js - Failed to load resource: net::ERR_NAME_NOT_RESOLVED",
        },
        {"level": "SEVERE", "message": base + "book/a.html 12:3 Uncaught TypeError: x is not a function"},
        {"level": "SEVERE", "message": base + "_images/gone.png - Failed to load resource: 404"},
        {"level": "WARNING", "message": base + "book/a.html 1:1 deprecated"},
        {"level": "INFO", "message": "console.log"},
    ]
    errors, warnings = cs.console_problems(log, base, [], "book/a.html", {"_images/gone.png"})
    assert errors == ["JavaScript console error: /book/a.html 12:3 Uncaught TypeError: x is not a function"]
    assert warnings == [
        (
            "external resource did not load (network?): https://cdn.example/mathjax.js - "
            "Failed to load resource: net::ERR_NAME_NOT_RESOLVED"
        )
    ]
    # a favicon the page declares is real; a missing image not reported elsewhere is an error
    errors, _ = cs.console_problems(log, base, ["../favicon.ico"], "book/a.html")
    assert len(errors) == 3 and errors[0].startswith("JavaScript console error: /favicon.ico")


def test_table():
    r = [
        cs.PageResult("book/intro.html", links=16, files=["a"], images=2, errors=["x"]),
        cs.PageResult("index.html", links=1, note="redirects to book/intro.html"),
    ]
    assert cs.table(r).splitlines() == [
        "page                                       links  files  images  errors",
        "-----------------------------------------  -----  -----  ------  ------",
        "book/intro.html                               16      1       2       1",
        "index.html (redirects to book/intro.html)      1      0       0       0",
    ]


def test_doctests():
    assert doctest.testmod(cs).failed == 0
