"""mktlib.book and mktlib.charts: figures with their data, alt text, tables for people, the chapter box."""

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mktlib import book, charts, claims  # noqa: E402

ALT = "Line chart: the close rises from 1 to 2 USDT over two days; x axis day (UTC), y axis close in USDT."


@pytest.fixture
def toy_chart():
    @charts.register("test-toy-chart", sources=["btc_spot_1d_fullcols"], units="USDT", title="A toy chart")
    def _toy():
        idx = pd.DatetimeIndex(["2025-11-20", "2025-11-21"], tz="UTC", name="day")
        return pd.DataFrame({"close": [1.0, 2.0]}, index=idx)

    yield "test-toy-chart"
    charts._REGISTRY.pop("test-toy-chart", None)
    charts._data.cache_clear()


def test_figure_writes_exactly_the_data_png_svg_and_shows_alt_and_downloads(tmp_path, toy_chart):
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    f = book.figure(fig, toy_chart, alt=ALT, out_dir=tmp_path, show=False)
    csv = (tmp_path / "test-toy-chart.csv").read_text()
    lines = csv.splitlines()
    assert lines[0] == "# A toy chart"
    assert any(x.startswith("# source: btc_spot_1d_fullcols") and "licence:" in x for x in lines)
    assert "# units: USDT" in lines and "# time zone: UTC" in lines
    body = [x for x in lines if not x.startswith("#")]
    assert body == ["day,close", "2025-11-20,1.0", "2025-11-21,2.0"]
    assert (tmp_path / "test-toy-chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "test-toy-chart.svg").read_bytes()[:500]
    for ext in ("csv", "png", "svg"):
        assert f'href="../figures/test-toy-chart.{ext}" download' in f.html
    assert "mktlib.charts.data(&quot;test-toy-chart&quot;)" in f.html
    assert f'alt="{ALT}"' in f.html
    png = base64.b64decode(f.html.split("base64,", 1)[1].split('"', 1)[0])
    assert png[:4] == b"\x89PNG"
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend does not show it twice


def test_svg_and_png_are_byte_identical_across_runs(tmp_path, toy_chart):
    out = []
    for i in range(2):
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        book.figure(fig, toy_chart, alt=ALT, out_dir=tmp_path / str(i), show=False)
        out.append(
            (
                (tmp_path / str(i) / "test-toy-chart.svg").read_bytes(),
                (tmp_path / str(i) / "test-toy-chart.png").read_bytes(),
            )
        )
    assert out[0] == out[1]


@pytest.mark.parametrize("alt", ["", "Figure 3", "chart", "A plot.", "BTC price"])
def test_generic_or_short_alt_text_is_refused(alt):
    with pytest.raises(ValueError, match="alt text"):
        book.check_alt(alt)


def test_unknown_chart_and_bad_names_are_clear_errors(tmp_path):
    fig, _ = plt.subplots()
    with pytest.raises(KeyError, match="no chart named 'no-such-chart'"):
        book.figure(fig, "no-such-chart", alt=ALT, out_dir=tmp_path, show=False)
    plt.close(fig)
    with pytest.raises(ValueError, match="lowercase"):
        charts.register("Bad Name", sources=[], units="x", title="t")


def test_chart_with_naive_time_index_is_refused():
    @charts.register("test-naive-chart", sources=[], units="x", title="t")
    def _naive():
        return pd.DataFrame({"x": [1.0]}, index=pd.DatetimeIndex(["2025-01-01"]))

    try:
        with pytest.raises(ValueError, match="tz-naive"):
            charts.data("test-naive-chart")
    finally:
        charts._REGISTRY.pop("test-naive-chart", None)


def test_table_formats_for_people():
    df = pd.DataFrame(
        {
            "day": [pd.Timestamp("2025-10-30", tz="UTC"), pd.NaT],
            "return": [-0.0141, np.nan],
            "gap": [0.9753, -0.012],
            "flow, USD millions": [2.27e-13, -903.2],
        }
    )
    t = book.table(df, {"return": "pct+", "gap": "pp", "flow, USD millions": "num1"})
    assert "30 Oct 2025" in t and "00:00:00" not in t
    assert "-1.4%" in t and "+97.5 pp" in t and "-1.2 pp" in t
    assert "0.0" in t and "e-13" not in t and "-903.2" in t
    assert "nan" not in t.lower().replace("mktlib", "") and "NaT" not in t
    assert t.count("–") == 2  # the two missing cells
    assert 'class="mktlib-table-wrap"' in t  # scrolls inside the text column
    folded = book.table(df, collapsed="Every event")
    assert folded.startswith('<details class="mktlib-details"><summary>Every event</summary>')
    with pytest.raises(KeyError, match="not in the table"):
        book.table(df, {"nope": "pct"})


def test_formatters_known_answers():
    assert book.fmt_day("2026-01-31") == "31 Jan 2026"
    assert book.fmt_day("2026-01-31", long=True) == "31 January 2026"
    assert book.fmt_time(pd.Timestamp("2025-10-10 21:00", tz="UTC")) == "10 Oct 2025, 21:00 UTC"
    assert book.fmt_pct(0.0123) == "+1.2%" and book.fmt_pct(0.0123, sign=False) == "1.2%"
    assert book.fmt_pp(-0.0141) == "-1.4 pp"
    assert book.fmt_num(126199.63) == "126,200" and book.fmt_pct(float("nan")) == "n/a"


def test_bottom_line_lists_every_part_with_its_ledger_verdict():
    h = book.bottom_line(["D6", "A8"], happened="It fell.", said="They said it fell.")
    summ = claims.result().summary.set_index("part")
    for p in [p.id for c in ("D6", "A8") for p in claims.parts(c)]:
        assert f">{p}</a>" in h
        assert f"verdict-{summ.loc[p, 'verdict'].replace(' ', '-')}" in h
    assert "It fell." in h and "They said it fell." in h and "article 00" not in h


def test_cite_names_the_commentaries():
    assert claims.cite("as article 001 was written") == "as \u201cETF & DAT double kill\u201d was written"
    assert claims.cite("article 999 stays") == "article 999 stays"
    card = claims.claim_card("A1")
    assert "article 000" not in card
    assert "11-spec-curves.html#curve-" in claims.claim_card("D14")


def test_cite_removes_internal_jargon():
    assert claims.cite("the 21 Nov low, fixed in the claims brief") == "the 21 Nov low, registered before the analysis"
    assert claims.cite("the registry's six-variable system") == "the registered six-variable system"
    for p in claims.parts():
        for text in (p.statement, p.rule):
            assert "claims brief" not in claims.cite(text) and "registry" not in claims.cite(text)


def test_reader_html_cites_commentaries_by_name_and_has_no_jargon():
    pages = [claims.render_html(), claims.render_summary_html()] + [claims.claim_card(c) for c in claims.registry()]
    for h in pages:
        assert "article 00" not in h.lower()
        assert "claims brief" not in h and "registry" not in h


def test_cite_keeps_the_sentence_case():
    assert claims.cite("(The claims brief registers this verdict.)") == (
        "(The claims registered before the analysis give this verdict.)"
    )
    assert claims.cite("The registry's six") == "The registered six"


def test_a_registered_drawing_reproduces_the_figure_and_the_bar_says_so(tmp_path, toy_chart):
    @charts.drawer(toy_chart)
    def _draw(df):
        fig, ax = plt.subplots()
        ax.plot(df.index, df["close"])
        return fig

    try:
        assert charts.has_drawing(toy_chart)
        fig = charts.figure(toy_chart)
        line = fig.axes[0].lines[0]
        assert list(line.get_ydata()) == [1.0, 2.0]  # drawn from exactly the chart's data
        f = book.figure(fig, toy_chart, alt=ALT, out_dir=tmp_path, show=False)
        assert "mktlib.charts.figure(&quot;test-toy-chart&quot;)" in f.html
    finally:
        charts._DRAWERS.pop(toy_chart, None)
    with pytest.raises(KeyError, match="no registered drawing"):
        charts.figure(toy_chart)


def test_every_figure_of_the_front_page_and_spec_curves_is_drawn_from_mktlib():
    assert charts.has_drawing("summary-btc-path")
    fig = charts.figure("spec-curve-a5a")
    pts = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert pts >= len(charts.data("spec-curve-a5a"))  # every specification is a dot (plus the ringed primary)
    plt.close("all")
