"""US spot-bitcoin ETF flows against BTC returns, with the publication timing respected; stablecoin supply.

Timing rule
-----------
The net flow of US trading day t (Farside, issuers) is struck at that day's NAV, i.e. at the 16:00 ET
close, and published after it (some issuers late in the evening or the next morning). So

- ``ret_to_close`` (r_t): BTC return from the NY close of the previous session to the NY close of t.
  It happens before the flow F_t is *known*, but over the same trading day in which the orders behind
  F_t were placed and the authorised participants traded bitcoin, so the regression F_t on r_t measures
  a same-day link that cannot identify a direction.
- ``ret_prev`` (r_t-1): the return a full session before F_t ("returns lead flows" is F_t on r_t-1).
- ``ret_next`` (r_t+1): BTC return from the NY close of t to the NY close of the next session. It is
  the first return that can react to F_t being public ("flows lead returns" is r_t+1 on F_t). The first
  hours of that interval can precede the publication of late issuers: a small timing caveat.

BTC is sampled at each NY close with :func:`mktlib.calendars.crypto_at_closes`, so a weekend or a
holiday accumulates into the next session's return. Never regress price levels on cumulative flows
(spurious regression): everything here is flows (a stationary daily quantity) against returns.

Units: flows in US$ millions as published, returns as simple fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tsa.api import VAR

from mktlib import calendars, charts
from mktlib.errors import DataError
from mktlib.timeutil import utc

__all__ = [
    "etf_flows_reconciled",
    "etf_flow_disagreements",
    "reconcile_flows",
    "HOLIDAY_RULES",
    "etf_flows_aligned",
    "total_flows",
    "fund_flows",
    "align_flows_returns",
    "hac_ols",
    "flow_return_regressions",
    "var_granger",
    "stablecoin_growth",
    "window_sum",
    "regression_table",
    "btc_and_flows_chart",
    "draw_btc_and_flows",
]

_utc = utc  # mktlib.timeutil: naive arguments are read as UTC


def _check_daily_index(obj, where: str) -> None:
    idx = obj.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise DataError(where, "index must be a tz-aware (UTC) DatetimeIndex")
    if idx.has_duplicates:
        raise DataError(where, f"duplicate dates, first {idx[idx.duplicated()][0].date()}")
    if not idx.is_monotonic_increasing:
        raise DataError(where, "dates are not sorted")


def fund_flows(by_fund: pd.DataFrame) -> pd.DataFrame:
    """Per-fund daily net flows, wide: index = US trading date, one column per fund (US$ m).

    ``by_fund``: the long ``etf_flows_by_fund`` table (columns ``fund``, ``flow``).
    Raises :class:`~mktlib.errors.DataError` on a missing column or a repeated (date, fund) row.

    >>> import pandas as pd
    >>> d = pd.DatetimeIndex(["2025-11-20"] * 2 + ["2025-11-21"] * 2, tz="UTC")
    >>> long = pd.DataFrame({"fund": ["IBIT", "GBTC"] * 2, "flow": [-355.5, -199.4, 60.0, -5.0]}, index=d)
    >>> fund_flows(long).loc["2025-11-20", "IBIT"]
    np.float64(-355.5)
    """
    for col in ("fund", "flow"):
        if col not in by_fund.columns:
            raise DataError("fund_flows", f"missing column {col!r}")
    key = pd.MultiIndex.from_arrays([by_fund.index, by_fund["fund"]])
    if key.has_duplicates:
        raise DataError("fund_flows", f"repeated (date, fund) row, first {key[key.duplicated()][0]}")
    wide = by_fund.pivot_table(index=by_fund.index, columns="fund", values="flow", aggfunc="sum")
    wide.index.name = "timestamp"
    wide.columns.name = "fund"
    return wide


def total_flows(by_fund: pd.DataFrame, *, check_total: bool = True, tol: float = 0.05) -> pd.Series:
    """Total net flow per US trading day = sum over funds (US$ m), named ``flow``.

    With ``check_total`` the sum is compared with the published all-fund ``total`` column (repeated
    on each fund row) and a :class:`~mktlib.errors.DataError` names the first day that differs by more than ``tol``.

    >>> import pandas as pd
    >>> d = pd.DatetimeIndex(["2025-11-20"] * 2, tz="UTC")
    >>> long = pd.DataFrame({"fund": ["IBIT", "GBTC"], "flow": [-355.5, -199.4], "total": -554.9}, index=d)
    >>> round(float(total_flows(long).iloc[0]), 1)
    -554.9
    """
    wide = fund_flows(by_fund)
    tot = wide.sum(axis=1).rename("flow")
    if check_total and "total" in by_fund.columns:
        pub = by_fund.groupby(level=0)["total"].first()
        diff = (tot - pub.reindex(tot.index)).abs()
        if (diff > tol).any():
            d = diff.index[(diff > tol).to_numpy()][0]
            raise DataError(
                "total_flows",
                f"sum over funds differs from the published total on {d.date()} by {diff.loc[d]:.2f} (> {tol})",
            )
    return tot


def align_flows_returns(flows: pd.Series, btc_at_close: pd.DataFrame) -> pd.DataFrame:
    """One row per flow day t with the BTC returns around its NY close (see the module docstring).

    ``flows``: daily net flow (US$ m) indexed by US trading date (00:00 UTC labels).
    ``btc_at_close``: output of ``calendars.crypto_at_closes(bars, "NY", ...)`` (columns ``price``,
    ``ret``, ``days``) covering the flow dates plus the next session.

    Columns: ``flow`` (F_t), ``flow_prev`` (F_t-1), ``ret_prev`` (r_t-1), ``ret_to_close`` (r_t),
    ``ret_next`` (r_t+1), ``days_next`` (calendar days in r_t+1). Rows where any of these is missing
    (first and last days) are dropped. Raises :class:`~mktlib.errors.DataError` if a flow date is not an NY session,
    or if a session inside the flows' span has no flow (a gap would silently shift the timing).

    >>> import pandas as pd
    >>> s = pd.DatetimeIndex(["2025-11-18", "2025-11-19", "2025-11-20", "2025-11-21", "2025-11-24"], tz="UTC")
    >>> btc = pd.DataFrame({"price": [100.0, 100.0, 90.0, 99.0, 99.0]}, index=s)
    >>> btc["ret"] = btc["price"].pct_change(); btc["days"] = [None, 1, 1, 1, 3]
    >>> f = pd.Series([0.0, 10.0, -900.0, 200.0, 5.0], index=s)
    >>> a = align_flows_returns(f, btc)     # rows need F_t-1, r_t-1 and r_t+1: 20 and 21 Nov remain
    >>> row = a.loc["2025-11-20"]
    >>> float(row["flow"]), round(float(row["ret_to_close"]), 3), round(float(row["ret_next"]), 3)
    (-900.0, -0.1, 0.1)
    """
    if isinstance(flows, pd.DataFrame):
        raise TypeError("flows: pass a Series of daily net flows")
    _check_daily_index(flows, "flows")
    _check_daily_index(btc_at_close, "btc_at_close")
    for col in ("ret",):
        if col not in btc_at_close.columns:
            raise DataError("btc_at_close", f"missing column {col!r} (use calendars.crypto_at_closes)")
    if flows.isna().any():
        raise DataError("flows", f"NaN flow on {flows.index[flows.isna().to_numpy()][0].date()}")
    ok = calendars.is_session("NY", flows.index)
    if not ok.all():
        raise DataError(
            "flows", f"{int((~ok).sum())} date(s) are not NY sessions, first {ok.index[~ok.to_numpy()][0].date()}"
        )
    sess = calendars.closes("NY", flows.index[0].tz_localize(None), flows.index[-1].tz_localize(None)).index
    missing = sess.difference(flows.index)
    if len(missing):
        raise DataError("flows", f"{len(missing)} NY session(s) without a flow, first {missing[0].date()}")
    b = btc_at_close.sort_index()
    out = pd.DataFrame({"flow": flows.astype("float64")})
    out["flow_prev"] = out["flow"].shift(1)
    r = b["ret"].astype("float64")
    out["ret_to_close"] = r.reindex(out.index)
    nxt = r.shift(-1)  # next session's close-to-close return, labelled at t
    out["ret_next"] = nxt.reindex(out.index)
    out["ret_prev"] = r.shift(1).reindex(out.index)
    if "days" in b.columns:
        out["days_next"] = b["days"].shift(-1).reindex(out.index)
    last = b.index[-1]
    if out.index[-1] > last:
        raise DataError("btc_at_close", f"ends {last.date()}, before the last flow date {out.index[-1].date()}")
    return out.dropna()


def hac_ols(y: pd.Series, X: pd.DataFrame, maxlags: int = 5):
    """OLS of ``y`` on a constant and ``X`` with Newey-West (HAC) standard errors (statsmodels results).

    ``maxlags`` is the Bartlett-kernel truncation lag (with the small-sample correction).
    """
    df = pd.concat([y, X], axis=1).dropna()
    if len(df) < X.shape[1] + 10:
        raise ValueError(f"hac_ols: only {len(df)} complete rows")
    return sm.OLS(df.iloc[:, 0], sm.add_constant(df.iloc[:, 1:])).fit(
        cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": True}
    )


def flow_return_regressions(aligned: pd.DataFrame, *, maxlags: int = 5) -> pd.DataFrame:
    """The two predictive regressions (HAC errors), flows in US$ bn and returns in percent:

    - ``flows -> returns``: r_t+1 = a + b F_t + c r_t + e (does a day's flow predict the next session?);
    - ``returns -> flows``: F_t = a + b r_t + c F_t-1 + e (the same-day link: flow and return are formed
      in the same session, so this slope has no direction despite its name);
    - ``lagged returns -> flows``: F_t = a + b r_t-1 + c F_t-1 + e (does a return a full session earlier
      predict the flow?).

    Returns one row per regression with ``b`` (the coefficient of interest), ``se``, ``t``, ``p``,
    ``std_b`` (b in standard-deviation units of both variables), ``r2``, ``r2_single`` (R^2 of the
    regression on the regressor of interest alone), ``n``, and the ``unit`` of b.
    """
    need = {"flow", "flow_prev", "ret_to_close", "ret_next", "ret_prev"}
    if not need <= set(aligned.columns):
        raise DataError("flow_return_regressions", f"missing columns {sorted(need - set(aligned.columns))}")
    d = pd.DataFrame(
        {
            "F": aligned["flow"] / 1000,
            "F_prev": aligned["flow_prev"] / 1000,
            "r": aligned["ret_to_close"] * 100,
            "r_next": aligned["ret_next"] * 100,
            "r_prev": aligned["ret_prev"] * 100,
        }
    )
    specs = [
        ("flows -> returns", "r_next", "F", ["r"], "pp of next-session BTC return per $1bn"),
        ("returns -> flows", "F", "r", ["F_prev"], "$bn of flow per 1 pp of BTC return"),
        ("lagged returns -> flows", "F", "r_prev", ["F_prev"], "$bn of flow per 1 pp of BTC return"),
    ]
    rows = []
    for name, y, x, controls, unit in specs:
        res = hac_ols(d[y], d[[x] + controls], maxlags)
        single = sm.OLS(d[y], sm.add_constant(d[[x]])).fit()
        rows.append(
            {
                "regression": name,
                "y": y,
                "x": x,
                "b": res.params[x],
                "se": res.bse[x],
                "t": res.tvalues[x],
                "p": res.pvalues[x],
                "std_b": res.params[x] * d[x].std() / d[y].std(),
                "r2": res.rsquared,
                "r2_single": single.rsquared,
                "n": int(res.nobs),
                "unit": unit,
            }
        )
    return pd.DataFrame(rows).set_index("regression")


@dataclass(frozen=True)
class GrangerResult:
    lags: int
    p_flows_to_returns: float
    p_returns_to_flows: float
    p_instantaneous: float
    table: pd.DataFrame


def var_granger(aligned: pd.DataFrame, *, maxlags: int = 5, ic: str | None = "aic") -> GrangerResult:
    """Bivariate VAR of (F_t in US$ bn, r_t in percent) with r_t the return up to the close of t.

    Lag order chosen by ``ic`` up to ``maxlags`` (at least 1; ``ic=None`` uses ``maxlags``). Wald
    tests (chi-square): do lags of F help predict r (flows -> returns), do lags of r help predict F
    (returns -> flows), and instantaneous causality (the same-day link, which has no direction).
    The Wald tests assume homoskedastic errors; read them with the HAC regressions.
    """
    d = pd.DataFrame({"flow": aligned["flow"] / 1000, "ret": aligned["ret_to_close"] * 100}).dropna()
    model = VAR(d.reset_index(drop=True))  # rows are sessions; the dates carry no frequency
    if ic is None:
        p = maxlags
    else:
        p = max(1, int(model.select_order(maxlags).selected_orders[ic]))
    res = model.fit(p)
    f2r = res.test_causality("ret", ["flow"], kind="wald")
    r2f = res.test_causality("flow", ["ret"], kind="wald")
    inst = res.test_inst_causality(causing="flow")
    table = pd.DataFrame(
        {
            "test": ["flows -> returns", "returns -> flows", "instantaneous"],
            "statistic": [f2r.test_statistic, r2f.test_statistic, inst.test_statistic],
            "df": [f2r.df, r2f.df, inst.df],
            "p": [f2r.pvalue, r2f.pvalue, inst.pvalue],
        }
    ).set_index("test")
    return GrangerResult(p, float(f2r.pvalue), float(r2f.pvalue), float(inst.pvalue), table)


def window_sum(flows: pd.Series, start, end) -> float:
    """Sum of daily flows over the labels in [start, end] (dates, inclusive); DataError if none.

    >>> import pandas as pd
    >>> f = pd.Series([1.0, 2.0, 4.0], index=pd.date_range("2025-11-03", periods=3, tz="UTC"))
    >>> window_sum(f, "2025-11-04", "2025-11-30")
    6.0
    """
    lo, hi = _utc(start), _utc(end)
    sel = flows.loc[lo:hi]
    if sel.empty:
        raise DataError("window_sum", f"no flow between {lo.date()} and {hi.date()}")
    return float(sel.sum())


def stablecoin_growth(supply: pd.Series, days: int = 30) -> pd.DataFrame:
    """Stablecoin supply (US$) on a daily UTC grid -> levels and growth.

    Columns: ``supply_bn`` (US$ bn), ``change_1d_bn``, ``change_{days}d_bn`` (US$ bn change over the last
    ``days`` calendar days), ``growth_{days}d`` (fraction), ``growth_{days}d_ann`` (the same, annualised
    simple: x 365 / days). Raises :class:`~mktlib.errors.DataError` if the grid has gaps, duplicates or NaN.

    >>> import pandas as pd
    >>> s = pd.Series([100e9, 101e9, 103e9], index=pd.date_range("2025-11-01", periods=3, tz="UTC"))
    >>> g = stablecoin_growth(s, days=2)
    >>> round(float(g["growth_2d"].iloc[-1]), 4), float(g["change_2d_bn"].iloc[-1])
    (0.03, 3.0)
    """
    _check_daily_index(supply, "stablecoin supply")
    if supply.isna().any():
        raise DataError("stablecoin supply", f"NaN on {supply.index[supply.isna().to_numpy()][0].date()}")
    steps = supply.index.to_series().diff().dropna()
    if (steps != pd.Timedelta("1D")).any():
        bad = steps[steps != pd.Timedelta("1D")]
        raise DataError("stablecoin supply", f"not a daily grid: step {bad.iloc[0]} before {bad.index[0].date()}")
    s = supply.astype("float64") / 1e9
    out = pd.DataFrame({"supply_bn": s, "change_1d_bn": s.diff()})
    out[f"change_{days}d_bn"] = s - s.shift(days)
    out[f"growth_{days}d"] = s / s.shift(days) - 1
    out[f"growth_{days}d_ann"] = out[f"growth_{days}d"] * 365 / days
    return out


# ------------------------------------------------------------------------------------------------
# the book's one ETF-flow series: the two flow files reconciled


HOLIDAY_RULES = ("drop", "next_session")
"""What to do with a per-fund row dated on a day that is not an NYSE session (see :func:`reconcile_flows`)."""


def reconcile_flows(
    fund_rows: pd.DataFrame, farside: pd.Series, *, holidays: str = "drop", farside_placeholders=(), tol: float = 0.15
) -> pd.DataFrame:
    """Reconcile per-fund daily flows with published daily totals, day by day (the rule of the book).

    ``fund_rows``: the long per-fund table as published, *including* rows dated on days that are not
    NYSE sessions (columns ``fund``, ``flow``; index = the flow date, 00:00 UTC labels).
    ``farside``: the published all-fund daily totals (US$ m) as dated in their file, including any
    holiday rows. ``farside_placeholders``: dates whose total is an unfilled placeholder upstream
    (not a figure; compared as missing).

    The rule:

    1. A day's flow is the sum over funds of the per-fund rows dated on it (the measure of the claims
       brief: total net flow, sum over funds, US$ millions, by US trading day).
    2. ETF creations and redemptions are struck at a NAV, and no NAV is struck on a day the NYSE is
       closed (:func:`mktlib.calendars.is_session`). A per-fund row dated on such a day cannot be that
       day's flow. ``holidays="drop"`` (the book's primary rule) leaves it out of the series;
       ``holidays="next_session"`` adds it to the next NYSE session (the first NAV after it). Either
       way it is listed (column ``off_session``, and :func:`etf_flow_disagreements`).
    3. The series is compared with the published totals on every session both files cover;
       ``|flow - farside| <= tol`` agrees (both files round to US$ 0.1m). Disagreements are listed, with
       what explains them; they do not change the series (the per-fund file is the source: it covers
       the whole period and every fund).

    Returns a DataFrame indexed by NYSE session (00:00 UTC labels, every session from the first to
    the last row, a session without any row raises) with columns

    - ``flow``: the book's net flow (US$ m) under the chosen ``holidays`` rule;
    - ``fund_sum``: the sum over funds of the rows dated on that session;
    - ``off_session``: the sum over funds of the rows dated on the non-session days just before it
      (0 if none), counted in ``flow`` only under ``"next_session"``;
    - ``farside``: the published total of that date (NaN: none, or a placeholder);
    - ``diff``: ``flow - farside``;
    - ``status``: ``agree``, ``disagree``, ``no published total``, ``published placeholder``.

    >>> import pandas as pd
    >>> d = pd.DatetimeIndex(["2025-11-26", "2025-11-27", "2025-11-28"], tz="UTC")   # 27 Nov: Thanksgiving
    >>> rows = pd.DataFrame({"fund": ["IBIT"] * 3, "flow": [21.1, -182.4, 71.4]}, index=d)
    >>> far = pd.Series([21.1, 71.4], index=d[[0, 2]])
    >>> r = reconcile_flows(rows, far)
    >>> r["flow"].tolist(), r["off_session"].tolist(), r["status"].tolist()
    ([21.1, 71.4], [0.0, -182.4], ['agree', 'agree'])
    >>> reconcile_flows(rows, far, holidays="next_session")["flow"].round(1).tolist()
    [21.1, -111.0]
    """
    if holidays not in HOLIDAY_RULES:
        raise ValueError(f"holidays must be one of {HOLIDAY_RULES}, got {holidays!r}")
    for col in ("fund", "flow"):
        if col not in fund_rows.columns:
            raise DataError("reconcile_flows", f"missing column {col!r}")
    _check_daily_index(farside, "published totals")
    day_sum = fund_flows(fund_rows).sum(axis=1)
    _check_daily_index(day_sum, "per-fund rows")
    if day_sum.isna().any():
        raise DataError("reconcile_flows", "NaN flow")
    on = calendars.is_session("NY", day_sum.index).to_numpy()
    if not on.any():
        raise DataError("reconcile_flows", "no row is dated on an NYSE session")
    sess = calendars.closes("NY", day_sum.index[on][0].tz_localize(None), day_sum.index[on][-1].tz_localize(None)).index
    missing = sess.difference(day_sum.index)
    if len(missing):
        raise DataError(
            "reconcile_flows", f"{len(missing)} NYSE session(s) without a flow row, first {missing[0].date()}"
        )
    out = pd.DataFrame({"fund_sum": day_sum[on].astype("float64")}, index=sess)
    out.index.name = "session"
    off = day_sum[~on]
    out["off_session"] = 0.0
    for d, v in off.items():
        after = sess[sess > d]
        if len(after) == 0:  # after the last session: nothing to assign it to
            continue
        out.loc[after[0], "off_session"] += float(v)
    out["flow"] = out["fund_sum"] + (out["off_session"] if holidays == "next_session" else 0.0)
    ph = pd.DatetimeIndex([_utc(d) for d in farside_placeholders]) if len(farside_placeholders) else None
    far = farside.astype("float64").reindex(out.index)
    is_ph = out.index.isin(ph) if ph is not None else np.zeros(len(out), dtype=bool)
    far[is_ph] = np.nan
    out["farside"] = far
    out["diff"] = out["flow"] - out["farside"]
    status = np.where(
        out["farside"].isna(), "no published total", np.where(out["diff"].abs() <= tol, "agree", "disagree")
    ).astype(object)
    status[is_ph] = "published placeholder"
    out["status"] = status
    return out[["flow", "fund_sum", "off_session", "farside", "diff", "status"]]


@cache
def _reconciled(holidays: str) -> pd.DataFrame:
    from mktlib import data
    from mktlib.data.io import verified_path
    from mktlib.data.parse import PARSERS

    e = data.entry("etf_flows_by_fund")
    # the per-fund file as published: the catalog's loader leaves out the rows dated on NYSE holidays
    # (its ``drop_dates``); the reconciliation needs them, so the same parser reads the same verified
    # file with nothing dropped.
    rows = PARSERS[e.parser](verified_path(e.path, e.sha256), e.path, **{**e.options, "drop_dates": {}})
    fe = data.entry("etf_flows_farside")
    far = data.load("etf_flows_farside")["total"]
    # the Farside rows the catalog drops are zeros: on NYSE holidays (no flow, nothing to compare)
    # and one unfilled placeholder on a session (SOURCES.md: "02 Jan 2026,0" not yet filled)
    dropped = [_utc(d) for d in (fe.options.get("drop_dates") or {})]
    placeholders = [d for d in dropped if bool(calendars.is_session("NY", [d.tz_localize(None)]).iloc[0])]
    return reconcile_flows(rows, far, holidays=holidays, farside_placeholders=placeholders)


def etf_flows_reconciled(holidays: str = "drop") -> pd.DataFrame:
    """THE US spot-bitcoin ETF daily net flow series of the book (US$ millions), one row per NYSE
    session from 2024-01-11 to the end of the per-fund file: the per-fund file (kittycapital,
    Farside/Bitbo data) summed over funds, reconciled day by day with the Farside totals file by the
    rule of :func:`reconcile_flows` (columns ``flow``, ``fund_sum``, ``off_session``, ``farside``,
    ``diff``, ``status``). Use column ``flow``.

    ``holidays``: ``"drop"`` (primary) leaves out the per-fund rows dated on NYSE holidays
    (2025-11-27, 2025-12-25, 2026-01-01, 2026-01-19 and three zero rows); ``"next_session"`` adds
    them to the next session. The returned frame is cached: treat it as read-only (copy to modify).
    """
    return _reconciled(holidays)


def etf_flow_disagreements(holidays: str = "drop") -> pd.DataFrame:
    """The sessions where the reconciliation has something to say: a per-fund row dated on a
    non-session day before it (``off_session`` != 0), a published total that disagrees or is a
    placeholder. Columns as :func:`etf_flows_reconciled` plus ``note`` (what happened)."""
    r = etf_flows_reconciled(holidays)
    sel = r[(r["off_session"] != 0) | r["status"].isin(["disagree", "published placeholder"])].copy()
    notes = []
    for _, row in sel.iterrows():
        parts = []
        if row["off_session"] != 0:
            verb = "added to" if holidays == "next_session" else "left out of"
            parts.append(
                f"per-fund rows dated on the non-session day(s) before it sum to "
                f"{row['off_session']:+,.1f}, {verb} this session"
            )
        if row["status"] == "published placeholder":
            parts.append("the totals file has an unfilled placeholder 0 (not a figure)")
        elif row["status"] == "disagree":
            parts.append(f"differs from the published total by {row['diff']:+,.1f}")
        elif row["status"] == "agree":
            parts.append("agrees with the published total")
        notes.append("; ".join(parts))
    sel["note"] = notes
    return sel


def etf_flows_aligned(start: str = "2024-01-12", end: str = "2026-08-11", holidays: str = "drop") -> pd.DataFrame:
    """The book's ETF flows (:func:`etf_flows_reconciled`) aligned with BTC at the NY close
    (:func:`align_flows_returns`), for flow dates in [start, end]. BTC comes from
    :func:`mktlib.treasuries.coins_at_ny_close` (1h bars, else 4h bars)."""
    from mktlib.treasuries import coins_at_ny_close

    tot = etf_flows_reconciled(holidays)["flow"].loc[_utc(start) : _utc(end)]
    nxt = calendars.closes(
        "NY", _utc(end).tz_localize(None) + pd.Timedelta("1D"), _utc(end).tz_localize(None) + pd.Timedelta("10D")
    ).index[0]
    btc = coins_at_ny_close("2024-01-11", nxt.tz_localize(None).date().isoformat(), coins=("BTC",))["BTC"]
    return align_flows_returns(tot, btc)


# ------------------------------------------------------------------------------------------------
# the chapter's table and chart (notebooks/06-flows-treasuries.ipynb)

#: The links of :func:`flow_return_regressions` as a page names them (the slope's unit in brackets),
#: and the factor that turns the slope into that unit.
REGRESSION_LINKS = {
    "returns -> flows": ("return and flow, same session (US$ m per pp)", 1000.0),
    "lagged returns -> flows": ("return, then next session's flow (US$ m per pp)", 1000.0),
    "flows -> returns": ("flow, then next session's return (pp per US$ bn)", 1.0),
}


def regression_table(regs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The regressions of :func:`flow_return_regressions` for people: one row per sample (the keys of
    ``regs``, e.g. ``{"ETF era": ..., "episode": ...}``) and link, in the order of
    ``REGRESSION_LINKS``. Columns ``sample`` (with its number of days), ``link`` (in words, with the
    slope's unit), ``slope`` (flows in US$ m per percentage point of return; returns in percentage
    points per US$ 1bn of flow), ``t`` (HAC), ``R² alone`` (fraction).

    >>> reg = pd.DataFrame({"b": [1.3, 0.039, 0.012], "t": [3.0, 12.0, 4.0], "r2_single": [0.01, 0.2, 0.03],
    ...                     "n": [500] * 3}, index=["flows -> returns", "returns -> flows", "lagged returns -> flows"])
    >>> t = regression_table({"ETF era": reg})
    >>> t["slope"].round(1).tolist(), t["sample"].iloc[0]
    ([39.0, 12.0, 1.3], 'ETF era (500 days)')
    """
    rows = []
    for sample, reg in regs.items():
        missing = [k for k in REGRESSION_LINKS if k not in reg.index]
        if missing:
            raise DataError("regression_table", f"{sample}: no regression {missing}")
        for key, (label, scale) in REGRESSION_LINKS.items():
            r = reg.loc[key]
            rows.append(
                {
                    "sample": f"{sample} ({int(r['n'])} days)",
                    "link": label,
                    "slope": float(r["b"]) * scale,
                    "t": float(r["t"]),
                    "R² alone": float(r["r2_single"]),
                }
            )
    return pd.DataFrame(rows)


CHART_WINDOW = ("2025-09-01", "2026-01-31")


@charts.register(
    "flows-btc-and-etf-flows",
    sources=["etf_flows_by_fund", "etf_flows_farside", "btc_spot_1h", "btc_spot_4h", "btc_spot_4h_fullcols"],
    units="USDT (BTC at the NY close); US$ millions (ETF net flow of the US session)",
    title="BTC at the NY close and the US spot-bitcoin ETFs' daily net flow, Sep 2025 to Jan 2026",
)
def btc_and_flows_chart() -> pd.DataFrame:
    """One row per NYSE session of ``CHART_WINDOW``: BTC (Binance spot) at that session's close and
    the book's ETF net flow of the session (:func:`etf_flows_reconciled`)."""
    from mktlib.treasuries import coins_at_ny_close

    f = etf_flows_reconciled()["flow"].loc[_utc(CHART_WINDOW[0]) : _utc(CHART_WINDOW[1])]
    btc = coins_at_ny_close(CHART_WINDOW[0], CHART_WINDOW[1], coins=("BTC",))["BTC"]["price"]
    out = pd.DataFrame({"BTC at NY close (USDT)": btc.reindex(f.index), "ETF net flow (US$ m)": f})
    out.index.name = "session"
    return out


@charts.drawer("flows-btc-and-etf-flows")
def draw_btc_and_flows(df: pd.DataFrame):
    """The chapter's first figure: BTC at the NY close (top) and the ETFs' daily net flow (bottom), with
    the episode's key dates (:func:`mktlib.keynumbers.key_dates`) and the largest outflow annotated.
    ``df`` = :func:`btc_and_flows_chart`. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    from mktlib import keynumbers, plotting
    from mktlib.book import fmt_day

    plotting.set_theme()
    key_dates = keynumbers.episode_marks(dated=False)
    px, fw = df["BTC at NY close (USDT)"], df["ETF net flow (US$ m)"]
    low_day = fw.idxmin()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 4.8), sharex=True)
    ax1.plot(px.index, px, color=plotting.PALETTE["btc"], lw=1.6)
    plotting.thousands(ax1)
    ax1.set_ylabel("BTC at NY close\n(USDT)")
    ax1.set_title(f"The largest daily ETF outflow from September to January came on {fmt_day(low_day)}")
    plotting.mark_dates(ax1, key_dates)
    ax2.bar(fw.index, fw, color=np.where(fw < 0, "#c62828", "#2e7d32"), width=0.9)
    ax2.axhline(0, color="black", lw=0.6)
    ax2.set_ylabel("ETF net flow\n(US$ m)")
    ax2.annotate(
        f"{fmt_day(low_day)}: {fw.min():,.0f}",
        (low_day, fw.min()),
        xytext=(low_day + pd.Timedelta(days=18), fw.min() * 0.8),
        fontsize=8,
        arrowprops={"arrowstyle": "->", "lw": 0.7},
    )
    plotting.mark_dates(ax2, key_dates, labels=False)
    plotting.month_axis(ax2)
    plotting.source_note(
        fig,
        "Source: US spot-bitcoin ETF net flows per fund (kittycapital, Farside/Bitbo data), summed; "
        "Binance spot BTCUSDT sampled at each NY close.",
    )
    return fig
