"""mktlib.coverage: the data appendix's helpers (known answers on hand-made rows)."""

from __future__ import annotations

import pandas as pd
import pytest

from mktlib import charts, coverage


def test_linkify_links_urls_and_escapes_the_rest():
    out = coverage.linkify("From https://a.org/x_y. Also (https://b.io/p?q=1), <raw> & more")
    assert out == (
        'From <a href="https://a.org/x_y">https://a.org/x_y</a>. Also (<a href="https://b.io/p?q=1">'
        "https://b.io/p?q=1</a>), &lt;raw&gt; &amp; more"
    )
    assert coverage.linkify("no link here") == "no link here"


def test_breakable_breaks_after_separators_only():
    assert coverage.breakable("btc_spot-1d/a.csv") == "btc_<wbr>spot-<wbr>1d/<wbr>a.<wbr>csv"
    assert coverage.breakable("a<b") == "a&lt;b"


PROV = pd.DataFrame(
    {
        "id": ["zz_1d", "aa_1h", "other"],
        "group": ["g1", "g1", "g2"],
        "title": ["Zed daily", "Aa & co hourly", "x"],
        "path": ["g1/zz.csv", "g1/aa.csv", "g2/o.csv"],
        "upstream": ["https://github.com/o/r"] * 3,
        "commit": ["0123456789abcdef0123456789abcdef01234567"] * 3,
        "upstream_path": ["data/zz.csv", "data/aa.csv", "o.csv"],
        "original_source": ["Binance https://data.binance.vision/ (per README)", "Yahoo", "x"],
        "license": ["MIT", "none stated", "none stated"],
        "sha256": ["ab" * 32, "cd" * 32, "ef" * 32],
        "caveats": ["UTC. See https://x.org.", "none", "x"],
    }
)
COV = pd.DataFrame(
    {
        "group": ["g1", "g1", "g2"],
        "frequency": ["1d", "1h", "1d"],
        "first": pd.to_datetime(["2020-01-01 00:00", "2025-09-01 05:00", "2024-01-01 00:00"], utc=True),
        "last": pd.to_datetime(["2026-02-01 00:00", "2025-12-31 23:00", "2024-02-01 00:00"], utc=True),
        "rows": [2224, 2923, 32],
    },
    index=pd.Index(["zz_1d", "aa_1h", "other"], name="id"),
)


def test_source_and_hash_cells():
    p = PROV.iloc[0]
    s = coverage.source_cell(p)
    assert '<a href="https://github.com/o/r">o/<wbr>r</a>' in s
    assert 'href="https://github.com/o/r/tree/0123456789abcdef0123456789abcdef01234567"' in s
    assert "<code>0123456789</code>" in s and '<a href="https://data.binance.vision/">' in s
    h = coverage.hash_cell(p)
    assert "<summary><code>abababababab</code>&hellip;</summary>" in h and "ab" * 32 in h
    assert "g1/<wbr>zz.<wbr>csv" in h


def test_sources_table_one_group_sorted_with_html_cells():
    t = coverage.sources_table(PROV, COV, "g1")
    assert list(t.columns) == list(coverage.SOURCES_HTML)
    assert len(t) == 2 and t["dataset"].iloc[0].startswith("<code>aa_<wbr>1h</code>")  # sorted by id
    assert "Aa &amp; co hourly" in t["dataset"].iloc[0]
    assert t["coverage"].iloc[0] == "<small>1h<br>2025-09-01 to<br>2025-12-31<br>2,923 rows</small>"
    assert t["caveats"].iloc[1] == '<small>UTC. See <a href="https://x.org">https://x.org</a>.</small>'
    # an id-indexed provenance gives the same table
    pd.testing.assert_frame_equal(coverage.sources_table(PROV.set_index("id"), COV, "g1"), t)
    assert coverage.sources_table(PROV, COV, "none").empty


def test_summary_counts_groups_and_window_coverage():
    cov = COV.assign(group=["crypto_spot", "crypto_spot", "crypto_derivs"])
    s = coverage.summary(cov, ("2025-09-01", "2026-01-31"))
    # the order of GROUP_NAMES: crypto spot before derivatives
    assert s["data"].tolist() == ["Crypto spot", "Crypto derivatives"]
    assert s["datasets"].tolist() == [2, 1] and s["rows"].tolist() == [5147, 32]
    # aa_1h ends on 31 Dec 2025, before the window's end: only zz_1d spans it
    assert s["cover the whole window"].tolist() == [1, 0]
    assert s["earliest start"].iloc[0] == pd.Timestamp("2020-01-01", tz="UTC")
    assert s["latest end"].iloc[0] == pd.Timestamp("2026-02-01", tz="UTC")


def test_runs_split_on_gaps_longer_than_the_frequency_allows():
    t = pd.DatetimeIndex(["2025-01-01", "2025-01-07", "2025-01-15", "2025-01-16"], tz="UTC")
    r = coverage.runs(t, "1d")  # 6 days is allowed, 8 is not
    assert r["n"].tolist() == [2, 2]
    assert r["end"].iloc[0] == pd.Timestamp("2025-01-07", tz="UTC")
    assert coverage.runs(t, "1m")["n"].tolist() == [1, 1, 2]  # 1-minute data: a gap above a day splits


def test_checks_table_known_answer():
    checks = pd.DataFrame(
        {
            "description": ["x vs y", "a vs b"],
            "compared": [700, 2170],
            "max_abs_diff": [0.0, 6.7609],
            "unit": ["USDT", "index points"],
            "differ": [0, 1],
            "tolerance": ["exact", "0.06"],
            "passed": [True, True],
        },
        index=["c1", "c2"],
    )
    t = coverage.checks_table(checks)
    assert t["largest difference"].tolist() == ["0 USDT", "6.76 index points"]
    assert t["points compared"].tolist() == [700, 2170] and t["points outside the tolerance"].tolist() == [0, 1]
    assert list(t.columns)[0] == "what is compared" and t["passed"].all()


@pytest.mark.parametrize(
    "licence, cls",
    [
        ("MIT", "open"),
        ("GPL-2.0 (repository LICENSE)", "open"),
        ("ODC-PDDL-1.0", "open"),
        ("MIT badge in README (no LICENSE file); Yahoo terms apply", "terms"),
        ("none stated; the data are CoinGlass's, their terms apply", "terms"),
        ("none stated (Binance public data)", "terms"),
        ("none stated in repo", "none"),
        ("none stated", "none"),
    ],
)
def test_licence_class(licence, cls):
    assert coverage.licence_class(licence) == cls


def test_frozen_on():
    assert coverage.frozen_on("# x\n\nReal data, frozen on 2026-11-21. More.") == pd.Timestamp("2026-11-21")
    with pytest.raises(ValueError, match="frozen"):
        coverage.frozen_on("no date here")


def test_panels_cover_every_market_group_once():
    from mktlib.data import catalog

    groups = [g for _, gs in coverage.PANELS.values() for g in gs]
    assert len(groups) == len(set(groups))
    assert set(groups) == {e.group for e in catalog().values()} - {"validation"}
    for name, (_, gs) in coverage.PANELS.items():
        c = charts.chart(name)
        assert c.sources == tuple(coverage.dataset_ids(gs)) and len(c.sources) > 0


def test_segments_on_the_snapshot(snapshot):
    from mktlib import data

    s = coverage.segments(("validation",))
    # every observation of the one validation dataset falls in exactly one run
    assert set(s["dataset"]) == {"dy2012"} and s["observations"].sum() == len(data.load("dy2012"))
    assert str(s["start"].dt.tz) == "UTC" and (s["end"] >= s["start"]).all()


@pytest.mark.parametrize("name", list(coverage.PANELS))
def test_coverage_drawing_plots_every_run_of_the_chart_data(snapshot, name):
    import matplotlib.pyplot as plt

    df = charts.data(name)
    fig = charts.figure(name)
    try:
        assert len(fig.axes) == 1
        ax = fig.axes[0]
        assert ax.get_title(loc="left") == coverage.PANELS[name][0]
        # one row per dataset, the first dataset of the data at the top
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels == list(dict.fromkeys(df["dataset"]))[::-1]
        # one horizontal segment per run of observations
        assert sum(len(c.get_segments()) for c in ax.collections if hasattr(c, "get_segments")) == len(df)
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend[:-1] == [coverage.GROUP_NAMES[g] for g in dict.fromkeys(df["group"])]
        x0, x1 = coverage.x_range()
        assert x0 <= df["start"].min() and x0.month == x0.day == 1
    finally:
        plt.close("all")
