"""Cross-checks between datasets that should agree (used by the data chapter and the tests).

>>> import pandas as pd
>>> idx = pd.date_range("2025-11-20", periods=4, freq="6h", tz="UTC")
>>> bars = pd.DataFrame({"open": [1., 2, 3, 4], "high": [2., 5, 4, 6], "low": [.5, 1, 2, 3],
...                      "close": [2., 3, 4, 5], "volume": [1., 1, 1, 2]}, index=idx)
>>> resample_ohlcv(bars, "1D").iloc[0].tolist()
[1.0, 6.0, 0.5, 5.0, 5.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

OHLCV_AGG = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}


def resample_ohlcv(bars: pd.DataFrame, rule: str, *, complete_only: bool = True) -> pd.DataFrame:
    """Aggregate OHLCV bars (indexed by bar open time) to a coarser bar length ``rule`` ("4h", "1D").

    With ``complete_only``, output bars that are missing any input bar are dropped (a partial day is
    not a daily bar).
    """
    cols = [c for c in OHLCV_AGG if c in bars.columns]
    out = bars[cols].resample(rule, label="left", closed="left").agg({c: OHLCV_AGG[c] for c in cols})
    if complete_only:
        step = pd.Series(bars.index).diff().median()
        expected = int(pd.Timedelta(rule) / step)
        n = bars[cols[0]].resample(rule, label="left", closed="left").count()
        out = out[n == expected]
    return out.dropna(how="all")


@dataclass
class Agreement:
    """How two series agree on their common timestamps."""

    n_common: int
    max_abs_diff: float
    max_rel_diff: float
    n_differ: int  # common points whose difference exceeds the tolerance
    worst_at: pd.Timestamp | None

    @property
    def ok(self) -> bool:
        return self.n_differ == 0


def compare(a: pd.Series, b: pd.Series, *, atol: float = 0.0, rtol: float = 0.0) -> Agreement:
    """Compare two series on their common index; a point differs when ``abs(a - b) > atol + rtol * abs(b)``.

    >>> import pandas as pd
    >>> a = pd.Series([1.0, 2.0, 3.0], index=[1, 2, 3]); b = pd.Series([1.0, 2.2, 9.0], index=[2, 3, 4])
    >>> r = compare(a, b, atol=0.25)
    >>> (r.n_common, round(r.max_abs_diff, 6), r.n_differ)
    (2, 1.0, 2)
    """
    j = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
    if j.empty:
        return Agreement(0, np.nan, np.nan, 0, None)
    d = (j["a"] - j["b"]).abs()
    rel = d / j["b"].abs().where(j["b"] != 0)
    differ = d > atol + rtol * j["b"].abs()
    return Agreement(len(j), float(d.max()), float(rel.max()), int(differ.sum()), d.idxmax() if d.max() > 0 else None)


def coverage_segments(timestamps, max_gap) -> pd.DataFrame:
    """Contiguous runs of observations: a new run starts after a gap longer than ``max_gap``.

    Returns a DataFrame with ``start``, ``end`` and ``n`` (observations) per run.

    >>> import pandas as pd
    >>> t = pd.DatetimeIndex(["2025-01-01", "2025-01-02", "2025-01-10", "2025-01-11"], tz="UTC")
    >>> coverage_segments(t, "3D")["n"].tolist()
    [2, 2]
    """
    t = pd.DatetimeIndex(timestamps).unique().sort_values()
    if len(t) == 0:
        return pd.DataFrame(columns=["start", "end", "n"])
    gaps = pd.Series(t).diff()
    new_run = (gaps.isna() | (gaps > pd.Timedelta(max_gap))).to_numpy()
    run_id = np.cumsum(new_run)
    s = pd.Series(t, index=run_id)
    g = s.groupby(level=0)
    return pd.DataFrame({"start": g.min().to_numpy(), "end": g.max().to_numpy(), "n": g.size().to_numpy()})


@dataclass
class Check:
    """One cross-check of the snapshot: what was compared, how closely it agrees, and the tolerance."""

    name: str
    description: str
    agreement: Agreement
    tolerance: str
    unit: str
    max_share_differ: float = 0.0  # pass rule: share of points outside the tolerance ...
    max_rel_diff: float = float("inf")  # ... and the largest relative difference

    @property
    def passed(self) -> bool:
        a = self.agreement
        return (
            a.n_common > 0
            and a.n_differ <= self.max_share_differ * a.n_common
            and not a.max_rel_diff > self.max_rel_diff
        )

    def row(self) -> dict:
        a = self.agreement
        rule = (
            "all within tolerance"
            if self.max_share_differ == 0
            else (f"at most {self.max_share_differ:.1%} outside, none off by more than {self.max_rel_diff:.1%}")
        )
        return {
            "check": self.name,
            "description": self.description,
            "compared": a.n_common,
            "max_abs_diff": a.max_abs_diff,
            "max_rel_diff": a.max_rel_diff,
            "worst_at": a.worst_at,
            "unit": self.unit,
            "tolerance": self.tolerance,
            "differ": a.n_differ,
            "pass_rule": rule,
            "passed": self.passed,
        }


PRICE_COLS = ["open", "high", "low", "close"]


def _worst(a: pd.DataFrame, b: pd.DataFrame, cols: list[str], **tol) -> Agreement:
    """The column comparison with the largest absolute difference (differences counted over all columns)."""
    results = [compare(a[c], b[c], **tol) for c in cols]
    worst = max(results, key=lambda r: r.max_abs_diff)
    worst.n_differ = sum(r.n_differ for r in results)
    return worst


def _btc_daily_vs_hourly() -> Check:
    from mktlib import data

    daily = data.load("btc_spot_1d")
    agg = resample_ohlcv(data.load("btc_spot_1h"), "1D")
    return Check(
        "btc_1d_vs_1h",
        "Binance BTCUSDT daily bars = hourly bars aggregated (open, high, low, close)",
        _worst(daily, agg, PRICE_COLS, atol=1e-6),
        "exact (1e-6 USDT)",
        "USDT",
    )


def _btc_daily_two_sources() -> Check:
    from mktlib import data

    a, b = data.load("btc_spot_1d"), data.load("btc_spot_1d_fullcols")
    return Check(
        "btc_1d_two_repos",
        "BTCUSDT daily bars from two independent upstream repositories",
        _worst(a, b, PRICE_COLS, atol=1e-6),
        "exact (1e-6 USDT)",
        "USDT",
    )


def _etf_funds_sum_to_total() -> Check:
    from mktlib import data

    by_fund = data.load("etf_flows_by_fund")
    sums = by_fund.groupby(level=0)["flow"].sum()
    totals = by_fund.groupby(level=0)["total"].first()
    return Check(
        "etf_funds_sum",
        "US spot-bitcoin ETF flows: per-fund flows sum to the daily total",
        compare(sums, totals, atol=0.05),
        "0.05 (rounding to 0.1)",
        "USD millions",
    )


def _etf_two_sources() -> Check:
    from mktlib import data

    farside = data.load("etf_flows_farside")["total"]
    kitty = data.load("etf_flows_by_fund").groupby(level=0)["total"].first()
    return Check(
        "etf_totals_two_sources",
        "US spot-bitcoin ETF daily totals: Farside vs the per-fund file",
        compare(kitty, farside, atol=0.05),
        "0.05",
        "USD millions",
    )


def _series_pair(
    name: str,
    description: str,
    a_id: str,
    a_col: str,
    b_id: str,
    b_col: str,
    atol: float,
    tolerance: str,
    unit: str,
    **rule,
) -> Check:
    from mktlib import data

    return Check(
        name, description, compare(data.load(a_id)[a_col], data.load(b_id)[b_col], atol=atol), tolerance, unit, **rule
    )


def _gold_two_sources() -> Check:
    return _series_pair(
        "gold_fix_two_sources",
        "LBMA gold PM fix from two independent archives",
        "gold_lbma_pm",
        "close",
        "gold_lbma_pm_alt",
        "close",
        0.005,
        "0.005 (2 decimals)",
        "USD per troy ounce",
    )


def _ndx_yahoo_vs_fred() -> Check:
    return _series_pair(
        "ndx_yahoo_vs_fred",
        "Nasdaq-100 close: Yahoo vs FRED (NASDAQ100, rounded to 2 decimals)",
        "ndx_1d",
        "close",
        "fred_nasdaq100",
        "value",
        0.06,
        "0.06 (FRED rounds to 0.1 since 2020; Yahoo stores float32)",
        "index points",
        max_share_differ=0.005,
        max_rel_diff=0.005,
    )


def _spx_yahoo_vs_fred() -> Check:
    # Yahoo's close differs from FRED's on a few isolated days (both FRED archives agree with each other):
    # the check passes if such days are rare (< 0.5%) and small (< 0.5% of the level), and reports them.
    return _series_pair(
        "spx_yahoo_vs_fred",
        "S&P 500 close: Yahoo vs FRED (SP500, rounded to 2 decimals)",
        "spx_1d",
        "close",
        "fred_sp500_rounded",
        "value",
        0.006,
        "0.006 (FRED rounding)",
        "index points",
        max_share_differ=0.005,
        max_rel_diff=0.005,
    )


def _vix_cboe_vs_fred() -> Check:
    return _series_pair(
        "vix_cboe_vs_fred",
        "VIX close: CBOE vs FRED (VIXCLS)",
        "vix_cboe_1d",
        "close",
        "fred_vixcls",
        "value",
        0.006,
        "0.006",
        "index points",
    )


CHECKS = [
    _btc_daily_vs_hourly,
    _btc_daily_two_sources,
    _etf_funds_sum_to_total,
    _etf_two_sources,
    _gold_two_sources,
    _ndx_yahoo_vs_fred,
    _spx_yahoo_vs_fred,
    _vix_cboe_vs_fred,
]


def snapshot_checks() -> pd.DataFrame:
    """Run every cross-check of the snapshot; one row per check (``passed`` must be True for all)."""
    return pd.DataFrame([fn().row() for fn in CHECKS]).set_index("check")


def differing_points(a: pd.Series, b: pd.Series, atol: float) -> pd.DataFrame:
    """The common points where ``abs(a - b) > atol``, with both values and the difference."""
    j = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
    j["diff"] = j["a"] - j["b"]
    return j[j["diff"].abs() > atol]
