"""The data behind every chart of the book, one registered function per chart.

A chart's data come from a function registered here under the chart's name; the notebook plots what
:func:`data` returns and shows the figure with :func:`mktlib.book.figure`, which writes exactly those data
as a CSV (with a header naming the source, units, time zone and licence), the figure as PNG and SVG,
and prints the one line that reproduces the data: ``mktlib.charts.data("<name>")``.

Register a chart next to the statistics it plots::

    from mktlib import charts

    @charts.register("episode-indexed-closes", sources=["btc_spot_1d_fullcols", "ndx_1d"],
                     units="index, 1 Sep 2025 = 100", title="BTC, ETH and other markets, indexed")
    def _indexed_closes() -> pd.DataFrame:
        ...

A registered function takes no arguments and returns a DataFrame (a time index must be tz-aware UTC,
or dates). Names are lowercase words joined by hyphens, and unique across the book.

The drawing can be registered too, so that one line reproduces the figure itself::

    @charts.drawer("episode-indexed-closes")
    def _draw_indexed_closes(df: pd.DataFrame):   # df = data("episode-indexed-closes")
        fig, ax = plt.subplots()
        ...
        return fig

:func:`figure` draws it: ``mktlib.charts.figure("episode-indexed-closes")`` returns the matplotlib figure
the book shows, from the same data.

>>> @register("doctest-example", sources=[], units="USDT", title="Example")
... def _example():
...     return pd.DataFrame({"close": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="k"))
>>> data("doctest-example")["close"].tolist()
[1.0, 2.0]
>>> print(csv_text("doctest-example").splitlines()[0])
# Example
>>> _ = _REGISTRY.pop("doctest-example")
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Chart:
    """A registered chart: its name, data function and the metadata its CSV header carries."""

    name: str
    func: Callable[[], pd.DataFrame]
    title: str
    sources: tuple[str, ...]  # dataset ids of mktlib.data's catalogue (licence, upstream from there)
    units: str  # the units of the plotted values, in words ("USDT", "fraction", "index, ... = 100")
    timezone: str = "UTC"
    note: str = ""
    module: str = field(default="")


_REGISTRY: dict[str, Chart] = {}
_DRAWERS: dict[str, Callable[[pd.DataFrame], object]] = {}


def register(
    name: str,
    *,
    sources: list[str] | tuple[str, ...],
    units: str,
    title: str,
    timezone: str = "UTC",
    note: str = "",
) -> Callable[[Callable[[], pd.DataFrame]], Callable[[], pd.DataFrame]]:
    """Register ``func`` as the data of chart ``name`` (decorator). Raises ValueError on a bad or
    duplicate name."""
    if not NAME.match(name):
        raise ValueError(f"chart name {name!r}: use lowercase words joined by hyphens")

    def deco(func: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
        old = _REGISTRY.get(name)
        if old is not None and (old.module, old.func.__qualname__) != (func.__module__, func.__qualname__):
            raise ValueError(f"chart {name!r} is registered twice ({old.module} and {func.__module__})")
        _REGISTRY[name] = Chart(name, func, title, tuple(sources), units, timezone, note, func.__module__)
        return func

    return deco


def drawer(name: str) -> Callable[[Callable[[pd.DataFrame], object]], Callable[[pd.DataFrame], object]]:
    """Register ``func(df) -> matplotlib Figure`` as the drawing of chart ``name`` (decorator); ``df`` is
    :func:`data` of the chart. The chart's data must be registered (in the same module or earlier)."""

    def deco(func: Callable[[pd.DataFrame], object]) -> Callable[[pd.DataFrame], object]:
        old = _DRAWERS.get(name)
        if old is not None and (old.__module__, old.__qualname__) != (func.__module__, func.__qualname__):
            raise ValueError(f"chart {name!r} has two drawings ({old.__module__} and {func.__module__})")
        _DRAWERS[name] = func
        return func

    return deco


def has_drawing(name: str) -> bool:
    """Whether chart ``name`` has a registered drawing (:func:`drawer`)."""
    chart(name)
    return name in _DRAWERS


def figure(name: str):
    """The figure of chart ``name`` as the book shows it: its registered drawing applied to :func:`data`.
    KeyError if the chart has no registered drawing."""
    chart(name)
    if name not in _DRAWERS:
        raise KeyError(f"chart {name!r} has no registered drawing (mktlib.charts.drawer); its data: data({name!r})")
    return _DRAWERS[name](data(name))


@functools.lru_cache(maxsize=1)
def _import_all() -> None:
    """Import every mktlib module, so that every chart is registered (a fresh session may ask for any)."""
    import mktlib

    for m in pkgutil.walk_packages(mktlib.__path__, "mktlib."):
        if m.name.endswith("__main__"):
            continue
        importlib.import_module(m.name)


def chart(name: str) -> Chart:
    """The registered chart ``name``; KeyError naming the known charts if there is none."""
    if name not in _REGISTRY:
        _import_all()
    if name not in _REGISTRY:
        raise KeyError(f"no chart named {name!r}; registered: {', '.join(sorted(_REGISTRY)) or 'none'}")
    return _REGISTRY[name]


def names() -> list[str]:
    """Every registered chart name, sorted."""
    _import_all()
    return sorted(_REGISTRY)


@functools.cache
def _data(name: str) -> pd.DataFrame:
    c = chart(name)
    df = c.func()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"chart {name!r}: {c.module}.{c.func.__qualname__} returned {type(df).__name__}, not a DataFrame"
        )
    if df.empty:
        raise ValueError(f"chart {name!r}: its data are empty")
    if isinstance(df.index, pd.DatetimeIndex) and df.index.tz is None:
        raise ValueError(f"chart {name!r}: its time index is tz-naive (mktlib's times are UTC, tz-aware)")
    return df


def data(name: str) -> pd.DataFrame:
    """The data plotted in chart ``name`` (a copy): exactly what its CSV download holds."""
    return _data(name).copy()


def _licences(sources: tuple[str, ...]) -> list[str]:
    from mktlib import data as mdata

    if not sources:
        return []
    prov = mdata.provenance().set_index("id")
    missing = [s for s in sources if s not in prov.index]
    if missing:
        raise KeyError(f"chart sources {missing} are not datasets of the catalogue (mktlib.data.catalog())")
    return [
        f"{s}: {prov.loc[s, 'title']} (upstream {prov.loc[s, 'upstream']}; licence: {prov.loc[s, 'license']})"
        for s in sources
    ]


def csv_text(name: str) -> str:
    """The chart's CSV download: ``#`` header lines (title, sources with licences, units, time zone,
    the line that reproduces the data), then the data with their index."""
    c = chart(name)
    df = _data(name)
    head = [f"# {c.title}"]
    lic = _licences(c.sources)
    head += [f"# source: {x}" for x in lic] or ["# source: computed by mktlib from the book's claims ledger"]
    head += [
        f"# units: {c.units}",
        f"# time zone: {c.timezone}",
        "# licence: the sources' licences above apply to the data;"
        " the book's own figures and text are CC BY 4.0, its code MIT",
        f"# reproduce: python -c \"import mktlib.charts as c; print(c.data('{name}'))\"",
    ]
    if c.note:
        head.append(f"# note: {c.note}")
    out = df.copy()
    if isinstance(out.index, pd.DatetimeIndex):
        idx = out.index.tz_convert("UTC") if out.index.tz is not None else out.index
        daily = bool((idx == idx.normalize()).all())
        out.index = idx.strftime("%Y-%m-%d" if daily else "%Y-%m-%dT%H:%M:%SZ").rename(out.index.name or "time")
    return "\n".join(head) + "\n" + out.to_csv(lineterminator="\n")
