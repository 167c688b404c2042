"""Every claim part's specification curve as a registered chart (``spec-curve-<part>``), for the
appendix page the claim cards link to.

The data of chart ``spec-curve-d14a`` are :func:`mktlib.claims.spec_curve` for part D14a: one row per
specification of the grid, sorted by the deciding statistic, with its verdict, whether it is the
primary specification, the threshold and the analyst choices that define it.
"""

from __future__ import annotations

import pandas as pd

from mktlib import charts, claims


def chart_name(part_id: str) -> str:
    """``"D14a"`` -> ``"spec-curve-d14a"``."""
    return f"spec-curve-{part_id.lower()}"


def _register(part_id: str) -> None:
    @charts.register(
        chart_name(part_id),
        sources=[],
        units="the part's deciding statistic (see its rule); one row per specification",
        title=f"{part_id}: the deciding statistic under every specification of the grid",
        note="computed by mktlib from the claims ledger; the sources are those of the claim",
    )
    def _data() -> pd.DataFrame:
        df = claims.spec_curve(part_id).reset_index(drop=True)
        df.index.name = "specification"
        return df

    _data.__qualname__ = f"spec_curve_{part_id}"

    @charts.drawer(chart_name(part_id))
    def _draw(df: pd.DataFrame):
        return draw(part_id)

    _draw.__qualname__ = f"draw_spec_curve_{part_id}"


def draw(part_id: str):
    """The specification-curve figure of a part as the book shows it (:func:`mktlib.plotting.spec_curve`,
    titled with the published verdict and its stability). Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    from mktlib import plotting

    plotting.set_theme()
    s = claims.result().summary.set_index("part").loc[part_id]
    fig, ax = plt.subplots(figsize=(8.0, 2.6))
    plotting.spec_curve(part_id, ax=ax, label="deciding statistic")
    ax.set_title(
        f"{part_id}: {s['verdict']} ({s['stability']:.0%} of {int(s['n_specifications'])} specifications "
        f"give the primary verdict, {s['primary_verdict']})",
        fontsize=10,
    )
    return fig


def parts_with_grid() -> list[str]:
    """The parts whose verdict is recomputed under more than one specification."""
    s = claims.result().summary
    return [p for p, n in zip(s["part"], s["n_specifications"], strict=True) if n == n and n > 1]


for _p in claims.parts():
    _register(_p.id)
