"""US spot-bitcoin ETF flows against BTC returns, with the publication timing respected; stablecoin supply.

Timing rule
-----------
The net flow of US trading day t (Farside, issuers) is struck at that day's NAV, i.e. at the 16:00 ET
close, and published after it (some issuers late in the evening or the next morning). So

- ``ret_to_close`` (r_t): BTC return from the NY close of the previous session to the NY close of t.
  It happens *before* the flow F_t is known, over the same trading day that produced F_t
  ("returns lead flows" is the regression F_t on r_t).
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

import pandas as pd
import statsmodels.api as sm
from statsmodels.tsa.api import VAR

from mktlib import calendars
from mktlib.errors import DataError
from mktlib.timeutil import utc

__all__ = ["etf_flows_aligned", "total_flows", "fund_flows", "align_flows_returns", "hac_ols", "flow_return_regressions",
           "var_granger", "stablecoin_growth", "window_sum"]

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
    Raises :class:`DataError` on a missing column or a repeated (date, fund) row.

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
    on each fund row) and a :class:`DataError` names the first day that differs by more than ``tol``.

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
            raise DataError("total_flows", f"sum over funds differs from the published total on {d.date()} "
                                           f"by {diff.loc[d]:.2f} (> {tol})")
    return tot


def align_flows_returns(flows: pd.Series, btc_at_close: pd.DataFrame) -> pd.DataFrame:
    """One row per flow day t with the BTC returns around its NY close (see the module docstring).

    ``flows``: daily net flow (US$ m) indexed by US trading date (00:00 UTC labels).
    ``btc_at_close``: output of ``calendars.crypto_at_closes(bars, "NY", ...)`` (columns ``price``,
    ``ret``, ``days``) covering the flow dates plus the next session.

    Columns: ``flow`` (F_t), ``flow_prev`` (F_t-1), ``ret_prev`` (r_t-1), ``ret_to_close`` (r_t),
    ``ret_next`` (r_t+1), ``days_next`` (calendar days in r_t+1). Rows where any of these is missing
    (first and last days) are dropped. Raises :class:`DataError` if a flow date is not an NY session,
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
        raise DataError("flows", f"{int((~ok).sum())} date(s) are not NY sessions, first "
                                 f"{ok.index[~ok.to_numpy()][0].date()}")
    sess = calendars.closes("NY", flows.index[0].tz_localize(None), flows.index[-1].tz_localize(None)).index
    missing = sess.difference(flows.index)
    if len(missing):
        raise DataError("flows", f"{len(missing)} NY session(s) without a flow, first {missing[0].date()}")
    b = btc_at_close.sort_index()
    out = pd.DataFrame({"flow": flows.astype("float64")})
    out["flow_prev"] = out["flow"].shift(1)
    r = b["ret"].astype("float64")
    out["ret_to_close"] = r.reindex(out.index)
    nxt = r.shift(-1)                   # next session's close-to-close return, labelled at t
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
        cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": True})


def flow_return_regressions(aligned: pd.DataFrame, *, maxlags: int = 5) -> pd.DataFrame:
    """The two predictive regressions (HAC errors), flows in US$ bn and returns in percent:

    - ``flows -> returns``: r_t+1 = a + b F_t + c r_t + e (does a day's flow predict the next session?);
    - ``returns -> flows``: F_t = a + b r_t + c F_t-1 + e (do returns up to the close lead the flow?);
    - ``lagged returns -> flows``: F_t = a + b r_t-1 + c F_t-1 + e (a return a full session earlier).

    Returns one row per regression with ``b`` (the coefficient of interest), ``se``, ``t``, ``p``,
    ``std_b`` (b in standard-deviation units of both variables), ``r2``, ``r2_single`` (R^2 of the
    regression on the regressor of interest alone), ``n``, and the ``unit`` of b.
    """
    need = {"flow", "flow_prev", "ret_to_close", "ret_next", "ret_prev"}
    if not need <= set(aligned.columns):
        raise DataError("flow_return_regressions", f"missing columns {sorted(need - set(aligned.columns))}")
    d = pd.DataFrame({"F": aligned["flow"] / 1000, "F_prev": aligned["flow_prev"] / 1000,
                      "r": aligned["ret_to_close"] * 100, "r_next": aligned["ret_next"] * 100,
                      "r_prev": aligned["ret_prev"] * 100})
    specs = [("flows -> returns", "r_next", "F", ["r"], "pp of next-session BTC return per $1bn"),
             ("returns -> flows", "F", "r", ["F_prev"], "$bn of flow per 1 pp of BTC return"),
             ("lagged returns -> flows", "F", "r_prev", ["F_prev"], "$bn of flow per 1 pp of BTC return")]
    rows = []
    for name, y, x, controls, unit in specs:
        res = hac_ols(d[y], d[[x] + controls], maxlags)
        single = sm.OLS(d[y], sm.add_constant(d[[x]])).fit()
        rows.append({"regression": name, "y": y, "x": x, "b": res.params[x], "se": res.bse[x],
                     "t": res.tvalues[x], "p": res.pvalues[x], "std_b": res.params[x] * d[x].std() / d[y].std(),
                     "r2": res.rsquared, "r2_single": single.rsquared, "n": int(res.nobs), "unit": unit})
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
    model = VAR(d.reset_index(drop=True))   # rows are sessions; the dates carry no frequency
    if ic is None:
        p = maxlags
    else:
        p = max(1, int(model.select_order(maxlags).selected_orders[ic]))
    res = model.fit(p)
    f2r = res.test_causality("ret", ["flow"], kind="wald")
    r2f = res.test_causality("flow", ["ret"], kind="wald")
    inst = res.test_inst_causality(causing="flow")
    table = pd.DataFrame({"test": ["flows -> returns", "returns -> flows", "instantaneous"],
                          "statistic": [f2r.test_statistic, r2f.test_statistic, inst.test_statistic],
                          "df": [f2r.df, r2f.df, inst.df], "p": [f2r.pvalue, r2f.pvalue, inst.pvalue]}
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
    simple: x 365 / days). Raises :class:`DataError` if the grid has gaps, duplicates or NaN.

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


def etf_flows_aligned(start: str = "2024-01-12", end: str = "2026-08-11") -> pd.DataFrame:
    """The snapshot's total US spot-bitcoin ETF flows (sum over funds) aligned with BTC at the NY close
    (:func:`align_flows_returns`), for flow dates in [start, end]. BTC comes from
    :func:`mktlib.treasuries.coins_at_ny_close` (1h bars, else 4h bars)."""
    from mktlib import data
    from mktlib.treasuries import coins_at_ny_close

    tot = total_flows(data.load("etf_flows_by_fund")).loc[_utc(start):_utc(end)]
    nxt = calendars.closes("NY", _utc(end).tz_localize(None) + pd.Timedelta("1D"),
                           _utc(end).tz_localize(None) + pd.Timedelta("10D")).index[0]
    btc = coins_at_ny_close("2024-01-11", nxt.tz_localize(None).date().isoformat(), coins=("BTC",))["BTC"]
    return align_flows_returns(tot, btc)
