"""Evaluators for the claims of the transmission chapter (see mktlib.claims and the protocol fragment
``mktlib/protocol.yaml``): D10, D11, D12, D13, K1, G5.

Every claim is split into parts with a type (``fact``, ``reading``), each judged by a rule registered as a
pure function (``verdict_*``) of named inputs; thresholds and analyst choices are read from the protocol
through ``spec``; the framework runs the specification grid, computes stability and applies Holm across
the ledger's family of p-values (``spec.adjusted``). Reading parts register their input space (the same
statistics over comparable windows of the history) for :func:`mktlib.claims.reachability`.

- D10a (fact) "BTC's drop preceded the US selloff": BTC's intraday peak against the index futures' peak
  between NY closes (15-minute bars). D10b (reading) "and transmitted to it": directional evidence from
  four designs (a DY2012 spillover with bootstrap intervals, the overnight/weekend regression, 15-minute
  Granger tests BTC/NQ, 2-minute predictive regressions LBank BTC/SPY); a null is inconclusive, not a
  contradiction.
- D11a (reading) "crypto has become the thermometer of global risk": BTC's correlation with a global risk
  factor (PC1 of Nasdaq-100, S&P 500, EEM, HYG and VIX) and its change from the ETF era (non-overlapping
  samples), both with bootstrap intervals. D11b (fact) "for the first time": the same level against the
  record of earlier, non-overlapping windows.
- D12a (fact) "crypto fell first": peak dates; D12b (reading) "rebounds first": trough dates and 10-day
  rebounds; BTC is sampled at each other market's close (NY, Hong Kong, LBMA fix).
- D13 (fact): not testable (no order-book data); a price-impact proxy is reported.
- K1a (fact) "everything fell together": the two-session returns; K1b (reading) "like March 2020": average
  pairwise correlation of returns between common dates, with bootstrap intervals.
- G5a (fact) "BTC rose in the Venezuela turmoil"; G5b (reading) "as a hedge": a hedge test needs the risk
  asset to fall.

The chapter's helper functions (tables and figures) are at the end of the module.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm

from mktlib import calendars, inference, leadlag
from mktlib import correlation as corr
from mktlib import spillover as sp
from mktlib.claims import Evaluation, Part, Spec, Test, evaluator, input_space, rule, specifications
from mktlib.timeutil import utc

_ts = utc  # mktlib.timeutil: naive arguments are read as UTC

# ---------------------------------------------------------------------------------------------
# registered windows and definitions (claims brief / registry); analyst choices live in the protocol
# ---------------------------------------------------------------------------------------------
D10_SPILL = ("2025-10-01", "2025-12-31")  # US trading days, daily VAR
D10_SPILL_MAXLAGS = 4
D10_HORIZON = 10
SPILL_SYSTEMS = {
    "six": ["btc", "ndx", "nvda", "gold", "hsi", "ssec"],  # the registry's system
    "five": ["btc", "ndx", "gold", "hsi", "ssec"],  # no index beside its constituent
    "pair": ["btc", "ndx"],
}
D10_SPILL_VARS = SPILL_SYSTEMS["six"]
D10_OVERNIGHT = ("2025-01-02", "2025-12-30")  # NQ 1h coverage
D10_NQ_BAD_DAYS = ("2025-12-16", "2025-12-17")  # corrupt Dec->Mar roll bars (data caveat)
D10_HAC_LAGS = 5
D10_GRANGER = ("2025-10-19", "2025-12-15")  # NQ 15m coverage (BTC 15m ends 2025-12-03 13:30 UTC)
D10_GRANGER_MAXLAGS = 8
D10_INTRADAY = ("2025-11-07", "2025-12-05")  # LBank 1m (7 Nov-7 Dec) x SPY 2m: the common NY sessions
D10_HY_LAGS = tuple(pd.to_timedelta(np.arange(-10, 11), "min"))
D11_END = "2025-11-21"
D11_WINDOW = 60
D11_ETF_ERA = ("2024-01-01", "2025-09-30")
D11_REGIMES = {"2017-19": ("2017-01-01", "2019-12-31"), "2020-21": ("2020-01-01", "2021-12-31"), "etf_era": D11_ETF_ERA}
D11_BOOT = {"reps": 2000, "block_size": 5.0, "seed": 20251121}  # the chapter's regime-change table
D12_WINDOW = ("2025-11-01", "2025-12-31")
D12_REBOUND_DAYS = 10
D12_PEAK_END = "2025-11-21"
D12_MARKETS = {
    "ndx": ("ndx_1d", "close", "NY"),
    "hsi": ("hsi_1d", "close", "HK"),
    "gold": ("gold_lbma_pm", "close", "LBMA"),
}
K1_DAYS = ("2025-11-19", "2025-11-21")
K1_MONTHS = {"nov2025": ("2025-11-01", "2025-11-30"), "mar2020": ("2020-03-01", "2020-03-31")}
K1_ASSETS = {
    "spx": ("spx_1d", "close", "NY"),
    "ndx": ("ndx_1d", "close", "NY"),
    "gold": ("gold_lbma_pm", "close", "LBMA"),
    "ssec": ("ssec_1d", "close", "SH"),
    "hsi": ("hsi_1d", "close", "HK"),
}
K1_CORR_ASSETS = ["spx", "gold", "ssec", "hsi", "btc"]
G5_SPAN = ("2025-12-31", "2026-01-06")
G5_WINDOW = ("2025-12-29", "2026-01-09")
G5_PRIOR_END = "2025-12-24"
G5_PRIOR_N = 60


@cache
def _load(dataset: str) -> pd.DataFrame:
    """A snapshot dataset (cached: the framework calls every evaluator once per specification; callers
    do not modify the frame)."""
    from mktlib import data

    return data.load(dataset)


def _primary(claim_id: str) -> dict:
    return specifications(claim_id)[0]


def _boot(spec: Spec) -> tuple[int, float, int]:
    """(reps, level, seed): the protocol's reps for the primary specification, the claim's
    ``grid_bootstrap_reps`` inside the grid (speed; stated in the rule)."""
    d = spec.defaults
    reps = int(d["bootstrap_reps"]) if spec.primary else int(spec["grid_bootstrap_reps"])
    return reps, float(d["interval_level"]), int(d["bootstrap_seed"])


def _hc_regression(y: pd.Series, X: pd.DataFrame, cov_type: str = "HC1", hac_lags: int | None = None):
    """OLS with a constant and robust errors (HC1 or Newey-West)."""
    kw = {"cov_type": cov_type}
    if cov_type == "HAC":
        kw["cov_kwds"] = {"maxlags": hac_lags, "use_correction": True}
    return sm.OLS(y, sm.add_constant(X, has_constant="add")).fit(**kw)


def _holm(spec: Spec, test_id: str, p: float) -> float:
    """``spec.adjusted(test_id, p).p_holm``: the Holm-adjusted p-value across the ledger's family."""
    return spec.adjusted(test_id, p).p_holm


def _fmt_p(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


# =============================================================================================
# D10: Bitcoin's drop preceded and transmitted to the US stock selloff
# =============================================================================================


@lru_cache(maxsize=1)
def d10_spillover_panel() -> pd.DataFrame:
    """Daily returns at the NY close (BTC at 16:00 ET, the others as of that close), Oct-Dec 2025, all
    variables of the registry's system (the other systems are subsets)."""
    return corr.aligned_panel(D10_SPILL_VARS, *D10_SPILL)


@cache
def d10_spill(
    system: str = "six", lags: str | int = "bic", reps: int = 999, level: float = 0.90, seed: int = 20251121
) -> dict:
    """The D10 spillover model for one system and lag rule: ``result`` (:class:`SpilloverResult`),
    ``boot`` (:class:`SpilloverBootstrap`, stationary block bootstrap of the VAR's rows, seeded),
    ``lags`` (the order used), ``bic`` (the BIC table over 0..4 lags)."""
    p = d10_spillover_panel()[SPILL_SYSTEMS[system]]
    order, tab = leadlag.select_lag_order(p, D10_SPILL_MAXLAGS, "bic", min_lags=0)
    L = order if lags == "bic" else int(lags)
    res = sp.spillover(p, L, D10_HORIZON)
    boot = sp.bootstrap_spillover(p, L, D10_HORIZON, reps=reps, level=level, seed=seed)
    return {"result": res, "boot": boot, "lags": L, "bic": tab}


@lru_cache(maxsize=1)
def d10_spillover() -> sp.SpilloverResult:
    """The registry's spillover model (six variables, lag order by BIC over 0..4, H = 10)."""
    return d10_spill()["result"]


@lru_cache(maxsize=1)
def d10_overnight_design() -> pd.DataFrame:
    """Off-hours design 2025: Binance BTCUSDT 1h, NQ=F 1h, NDX open/close (see leadlag.off_hours_design)."""
    return leadlag.off_hours_design(
        _load("btc_spot_1h"), _load("nq_fut_1h"), _load("ndx_1d"), *D10_OVERNIGHT, exclude_utc_days=D10_NQ_BAD_DAYS
    )


@cache
def d10_overnight(sample: str = "all") -> dict:
    """Overnight/weekend regression (HAC): ``beta``, ``se``, ``p``, ``nobs`` of BTC's off-hours return
    in the NDX session regression (controlling for NQ over the same span); ``sample``: ``all``
    sessions (the registry) or ``weekends`` (sessions after a weekend or holiday)."""
    d = d10_overnight_design()
    if sample == "weekends":
        d = d[d["weekend"]]
    r = leadlag.off_hours_regression(d, hac_lags=D10_HAC_LAGS)
    return {
        "beta": float(r.loc["crypto_off", "coef"]),
        "se": float(r.loc["crypto_off", "se"]),
        "p": float(r.loc["crypto_off", "p"]),
        "nobs": int(r["nobs"].iloc[0]),
    }


@lru_cache(maxsize=1)
def d10_intraday_returns() -> pd.DataFrame:
    """15-minute log returns of Binance BTCUSDT (``btc``) and NQ futures (``nq``) on bars where both trade."""
    b = leadlag.bar_log_returns(_load("btc_spot_15m"), "15min", name="btc")
    q = leadlag.bar_log_returns(_load("nq_fut_15m"), "15min", name="nq")
    df = pd.concat([b, q], axis=1, join="inner")
    return df.loc[_ts(D10_GRANGER[0]) : _ts(D10_GRANGER[1]) + pd.Timedelta(days=1)]


def _lag_coef(df: pd.DataFrame, caused: str, causing: str, lags: int, freq: str, cov_type: str) -> dict:
    """Coefficient, robust s.e. and p of ``causing``'s first lag in the VAR equation of ``caused``."""
    d = leadlag.lagged_design(df, lags, freq)
    regs = [f"{c}.L{lag}" for lag in range(1, lags + 1) for c in df.columns]
    r = _hc_regression(d[caused], d[regs], cov_type)
    k = f"{causing}.L1"
    return {
        "coef": float(r.params[k]),
        "se": float(r.bse[k]),
        "p": float(r.pvalues[k]),
        "nobs": int(r.nobs),
        "r2": float(r.rsquared),
    }


@lru_cache(maxsize=1)
def d10_granger() -> pd.DataFrame:
    """Granger tests BTC <-> NQ on 15-minute returns (lags in time, BIC over 1..8), with the first
    lag's coefficient and standard error (for the detectable effect)."""
    df = d10_intraday_returns()
    g = leadlag.granger_both_ways(df, "btc", "nq", D10_GRANGER_MAXLAGS, "bic", "15min")
    L = int(g["lags"].iloc[0])
    for causing, caused in (("btc", "nq"), ("nq", "btc")):
        c = _lag_coef(df, caused, causing, L, "15min", "nonrobust")
        g.loc[f"{causing} -> {caused}", "coef_l1"] = c["coef"]
        g.loc[f"{causing} -> {caused}", "se_l1"] = c["se"]
    return g


def _regular_hours(s: pd.Series | pd.DataFrame, start: str, end: str, bar: str) -> pd.Series | pd.DataFrame:
    """Rows whose bar [t, t + bar] lies inside a NYSE regular session (09:30 ET to the close, early
    closes honoured)."""
    sess = calendars.closes("NY", start, end)
    opens = (
        (sess.index.tz_localize(None) + pd.Timedelta(hours=9, minutes=30))
        .tz_localize("America/New_York")
        .tz_convert("UTC")
    )
    t = s.index
    keep = np.zeros(len(s), dtype=bool)
    step = pd.Timedelta(bar)
    for o, c in zip(opens, sess["close_utc"], strict=True):
        keep |= (t >= o) & (t + step <= c)
    return s[keep]


@lru_cache(maxsize=1)
def spy_lbank_returns() -> pd.DataFrame:
    """2-minute log returns over NYSE regular hours, 7 Nov-5 Dec 2025: ``spy`` (SPY on Cboe BZX, bars
    without a BZX print are absent) and ``btc`` (LBank BTC/USDT 1-minute closes taken every 2 minutes,
    only where both minutes exist), only between adjacent bars, on the bars both have."""
    spy = _regular_hours(_load("spy_bats_2m"), *D10_INTRADAY, "2min")
    c = _load("btc_lbank_1m")["close"]
    g = c.resample("2min", label="left", closed="left")
    b2 = g.last()[g.count() == 2].to_frame("close")  # close of the 2-minute bar [t, t+2min)
    b2 = _regular_hours(b2, *D10_INTRADAY, "2min")
    rs = leadlag.bar_log_returns(spy, "2min", name="spy")
    rb = leadlag.bar_log_returns(b2, "2min", name="btc")
    return pd.concat([rb, rs], axis=1, join="inner")


@cache
def d10_intraday(drop_days: tuple[str, ...] = ()) -> dict:
    """2-minute predictive regressions (one lag of both returns, HC1 errors): ``fwd`` (SPY on lagged
    BTC) and ``rev`` (BTC on lagged SPY), each ``coef``, ``se``, ``p``, ``nobs``, ``r2``; ``days``
    (sessions). ``drop_days``: UTC dates left out (e.g. the 20-21 Nov selloff)."""
    df = spy_lbank_returns()
    if drop_days:
        df = df[~df.index.normalize().isin(pd.DatetimeIndex(list(drop_days), tz="UTC"))]
    return {
        "fwd": _lag_coef(df, "spy", "btc", 1, "2min", "HC1"),
        "rev": _lag_coef(df, "btc", "spy", 1, "2min", "HC1"),
        "days": int(df.index.normalize().nunique()),
        "nobs": len(df),
    }


@lru_cache(maxsize=1)
def hy_prices() -> tuple[pd.Series, pd.Series]:
    """Log prices at their own instants over NYSE regular hours, 7 Nov-5 Dec 2025: LBank BTC 1-minute
    closes (stamped at the minute's end) and SPY 2-minute BZX closes (stamped at the bar's end)."""
    lb, spy = _load("btc_lbank_1m"), _load("spy_bats_2m")
    x = pd.Series(np.log(lb["close"].to_numpy()), lb.index + pd.Timedelta("1min"), name="btc")
    y = pd.Series(np.log(spy["close"].to_numpy()), spy.index + pd.Timedelta("2min"), name="spy")
    x = _regular_hours(x, *D10_INTRADAY, "0min")
    y = _regular_hours(y, *D10_INTRADAY, "0min")
    return x, y


@cache
def d10_hy(reps: int = 999, level: float = 0.90, seed: int = 20251121) -> dict:
    """Hayashi-Yoshida contrast BTC (x) vs SPY (y) at lags -10..+10 minutes, its lead-lag ratio (> 1:
    BTC leads) and a day-block bootstrap interval of the ratio (days resampled with replacement)."""
    x, y = hy_prices()
    seg = leadlag.hayashi_yoshida_segments(x, y, D10_HY_LAGS)
    lagcols = list(seg.columns[:-2])

    def llr(tab: np.ndarray) -> np.ndarray:  # (reps, days, lags + 2) -> (reps,)
        tot = tab.sum(axis=-2)
        c = tot[..., :-2] / np.sqrt(tot[..., -2:-1] * tot[..., -1:])
        lag = pd.to_timedelta(lagcols).asi8
        return (c[..., lag > 0] ** 2).sum(-1) / (c[..., lag < 0] ** 2).sum(-1)

    arr = seg.to_numpy(float)
    rng = np.random.default_rng(seed)
    draws = llr(arr[rng.integers(0, len(arr), size=(reps, len(arr)))])
    contrast = leadlag.hayashi_yoshida(x, y, D10_HY_LAGS)
    lo, hi = corr._pct(draws, level)
    return {"contrast": contrast, "llr": float(leadlag.lead_lag_ratio(contrast)), "lo": lo, "hi": hi, "days": len(arr)}


@cache
def d10_timing(equity: str = "nq", sessions: int = 1) -> dict:
    """Peak times of BTC (Binance spot 15m) and of the index futures (``nq`` or ``es``, 15m) between the
    NY close ``sessions`` sessions before 20 Nov 2025 and the 20 Nov close; BTC's lead in hours
    (positive: BTC peaked first) and BTC's fall from its peak to the futures' peak."""
    start = {1: "2025-11-19 21:00", 2: "2025-11-18 21:00"}[int(sessions)]
    end = "2025-11-20 21:00"
    btc = leadlag.peak_trough_times(_load("btc_spot_15m"), start, end)
    fut = leadlag.peak_trough_times(_load(f"{equity}_fut_15m"), start, end)
    btc15 = _load("btc_spot_15m")["close"]
    at = float(btc15.loc[: fut["peak_time"]].iloc[-1] / btc["peak"] - 1)
    return {
        "btc_peak": btc["peak_time"],
        "fut_peak": fut["peak_time"],
        "lead_hours": (fut["peak_time"] - btc["peak_time"]) / pd.Timedelta("1h"),
        "btc_fall_at_fut_peak": at,
        "start": start,
        "end": end,
    }


@rule("D10a")
def verdict_d10a(lead_hours: float) -> str:
    """BTC's drop preceded the US selloff: BTC's peak strictly before the index futures' peak."""
    return "supported" if lead_hours > 0 else "contradicted"


@rule("D10b")
def verdict_d10b(
    spill_lags: int,
    spill_lo: float,
    spill_hi: float,
    overnight_beta: float,
    overnight_p_holm: float,
    granger_fwd_p_holm: float,
    granger_rev_p_holm: float,
    intraday_beta: float,
    intraday_fwd_p_holm: float,
    intraday_rev_p_holm: float,
    alpha: float,
) -> str:
    """Transmission BTC -> US stocks. For: the pairwise net spillover BTC -> NDX has its interval above
    0 in a VAR with dynamics (``spill_lags`` >= 1: in a VAR(0) the table is normalised squared
    correlations and carries no direction), or a test of BTC predicting stocks (overnight beta > 0,
    15-minute Granger BTC -> NQ, 2-minute BTC -> SPY with beta > 0) is significant after Holm. Against:
    the interval below 0 (VAR with dynamics), a significant reverse test (NQ -> BTC, SPY -> BTC), or a
    significantly negative overnight beta. Supported: for and not against; contradicted: against and not
    for; partly supported: both; inconclusive: neither."""
    dyn = int(spill_lags) >= 1
    fwd = (
        (dyn and spill_lo > 0)
        or (overnight_beta > 0 and overnight_p_holm < alpha)
        or granger_fwd_p_holm < alpha
        or (intraday_beta > 0 and intraday_fwd_p_holm < alpha)
    )
    rev = (
        (dyn and spill_hi < 0)
        or (overnight_beta < 0 and overnight_p_holm < alpha)
        or granger_rev_p_holm < alpha
        or intraday_rev_p_holm < alpha
    )
    if fwd and rev:
        return "partly supported"
    if fwd:
        return "supported"
    if rev:
        return "contradicted"
    return "inconclusive"


@evaluator("D10")
def _d10(spec: Spec) -> Evaluation:
    reps, level, seed = _boot(spec)
    alpha = float(spec.defaults["alpha"])
    # D10a: timing on 20 Nov
    tm = d10_timing(spec["timing_equity"], int(spec["timing_sessions"]))
    v_a = verdict_d10a(tm["lead_hours"])
    fut = spec["timing_equity"].upper()
    part_a = Part(
        v_a,
        f"Between the NY closes of {tm['start'][:10]} and 20 Nov (15-minute bars) BTC peaked at "
        f"{tm['btc_peak']:%d %b %H:%M} UTC and {fut} futures at {tm['fut_peak']:%d %b %H:%M} UTC: "
        f"BTC {'first' if v_a == 'supported' else 'not first'}, by {tm['lead_hours']:+.1f} h; BTC was "
        f"already {tm['btc_fall_at_fut_peak']:+.1%} from its peak when {fut} peaked.",
        statistic=tm["lead_hours"],
        threshold=0.0,
        inputs={"lead_hours": tm["lead_hours"]},
    )
    # D10b: four designs
    reg = d10_spill("six", "bic", reps, level, seed)  # the registry's measures, as registered
    res, bs = reg["result"], reg["boot"]
    s = d10_spill(spec["spill_system"], spec["spill_lags"], reps, level, seed)  # the deciding system
    pair = float(s["result"].pairwise_net.loc["btc", "ndx"])
    pair_lo, pair_hi = s["boot"].interval("pairwise_net", "btc", "ndx")
    ov = d10_overnight(spec["overnight_sample"])
    g = d10_granger()
    drop = tuple(spec["intraday_drop_days"] or ())
    intr = d10_intraday(drop)
    tests = {
        "D10.overnight_btc": Test(
            ov["p"],
            f"HAC t-test of BTC's off-hours return in the NDX session regression "
            f"({spec['overnight_sample']} sessions of 2025, NQ controlled)",
            measure="D10.weekend_beta_btc_to_ndx",
            mde=inference.mde(ov["se"], alpha=alpha),
        ),
        "D10.granger15_btc_to_nq": Test(
            float(g.loc["btc -> nq", "p"]),
            "Granger F-test, 15-minute BTC -> NQ",
            measure="D10.granger_p_btc_to_ndx",
            power_note=f"with {int(g['lags'].iloc[0])} lag(s) it detects (80% power) a "
            f"lag-1 coefficient of "
            f"{inference.mde(g.loc['btc -> nq', 'se_l1']):.3f}",
        ),
        "D10.granger15_nq_to_btc": Test(
            float(g.loc["nq -> btc", "p"]),
            "Granger F-test, 15-minute NQ -> BTC",
            measure="D10.granger_p_ndx_to_btc",
            power_note=f"detects a lag-1 coefficient of {inference.mde(g.loc['nq -> btc', 'se_l1']):.3f}",
        ),
        "D10.intraday2m_btc_to_spy": Test(
            intr["fwd"]["p"],
            "HC1 t-test, 2-minute SPY on lagged LBank BTC (regular hours, 7 Nov-5 Dec 2025)",
            measure="D10.intraday_beta_btc_to_spy",
            mde=inference.mde(intr["fwd"]["se"], alpha=alpha),
        ),
        "D10.intraday2m_spy_to_btc": Test(
            intr["rev"]["p"],
            "HC1 t-test, 2-minute LBank BTC on lagged SPY",
            measure="D10.intraday_p_spy_to_btc",
            power_note=f"detects a lag-1 coefficient of {inference.mde(intr['rev']['se'], alpha=alpha):.3f}",
        ),
    }
    adj = {k: _holm(spec, k, t.p) for k, t in tests.items()}
    inputs = {
        "spill_lags": int(s["lags"]),
        "spill_lo": pair_lo,
        "spill_hi": pair_hi,
        "overnight_beta": ov["beta"],
        "overnight_p_holm": adj["D10.overnight_btc"],
        "granger_fwd_p_holm": adj["D10.granger15_btc_to_nq"],
        "granger_rev_p_holm": adj["D10.granger15_nq_to_btc"],
        "intraday_beta": intr["fwd"]["coef"],
        "intraday_fwd_p_holm": adj["D10.intraday2m_btc_to_spy"],
        "intraday_rev_p_holm": adj["D10.intraday2m_spy_to_btc"],
        "alpha": alpha,
    }
    v_b = verdict_d10b(**inputs)
    # the deciding statistic of the specification curve: the smallest Holm-adjusted p of the tests of a
    # BTC -> stocks lead (a coefficient of the wrong sign counts as p = 1)
    min_fwd = min(
        adj["D10.overnight_btc"] if ov["beta"] > 0 else 1.0,
        adj["D10.granger15_btc_to_nq"],
        adj["D10.intraday2m_btc_to_spy"] if intr["fwd"]["coef"] > 0 else 1.0,
    )
    nvars = len(SPILL_SYSTEMS[spec["spill_system"]])
    nodyn = ", no dynamics: no direction" if s["lags"] == 0 else ""
    reason_b = (
        f"Spillover ({nvars} variables, VAR({s['lags']}){nodyn}): "
        f"pairwise net BTC->NDX {pair:+.1f} pp [{pair_lo:+.1f}, {pair_hi:+.1f}]. "
        f"Holm-adjusted p: overnight beta "
        f"{ov['beta']:+.3f} ({spec['overnight_sample']}) {_fmt_p(adj['D10.overnight_btc'])}; 15-min Granger "
        f"BTC->NQ {_fmt_p(adj['D10.granger15_btc_to_nq'])}, NQ->BTC {_fmt_p(adj['D10.granger15_nq_to_btc'])}; "
        f"2-min BTC->SPY beta {intr['fwd']['coef']:+.3f} (raw p {_fmt_p(intr['fwd']['p'])}, Holm "
        f"{_fmt_p(adj['D10.intraday2m_btc_to_spy'])}), SPY->BTC {_fmt_p(adj['D10.intraday2m_spy_to_btc'])}: "
        + {
            "inconclusive": "no design shows a direction at alpha "
            f"{alpha:g} after Holm (the overnight test could detect a beta of "
            f"{tests['D10.overnight_btc'].mde:.3f}, the 2-minute test "
            f"{tests['D10.intraday2m_btc_to_spy'].mde:.3f}).",
            "supported": "evidence from BTC to stocks and none the other way.",
            "contradicted": "evidence against a BTC lead and none for it.",
            "partly supported": "evidence in both directions.",
        }[v_b]
    )
    part_b = Part(v_b, reason_b, statistic=min_fwd, threshold=alpha, inputs=inputs)
    values = {
        "D10.net_spillover_btc": float(res.net["btc"]),
        "D10.spillover_btc_to_ndx": float(res.table.loc["ndx", "btc"]),
        "D10.spillover_ndx_to_btc": float(res.table.loc["btc", "ndx"]),
        "D10.pairwise_net_btc_ndx": pair,
        "D10.weekend_beta_btc_to_ndx": ov["beta"],
        "D10.weekend_p_btc_to_ndx": ov["p"],
        "D10.granger_p_btc_to_ndx": float(g.loc["btc -> nq", "p"]),
        "D10.granger_p_ndx_to_btc": float(g.loc["nq -> btc", "p"]),
        "D10.intraday_beta_btc_to_spy": intr["fwd"]["coef"],
        "D10.intraday_p_btc_to_spy": intr["fwd"]["p"],
        "D10.intraday_p_spy_to_btc": intr["rev"]["p"],
        "D10.hy_lead_lag_ratio": None,
        "D10.btc_lead_hours_20nov": tm["lead_hours"],
        "D10.btc_peak_time_20nov": f"{tm['btc_peak']:%Y-%m-%d %H:%M}",
        "D10.nq_peak_time_20nov": f"{tm['fut_peak']:%Y-%m-%d %H:%M}",
    }
    z = float(norm.ppf(0.5 + level / 2))
    intervals = {
        "D10.net_spillover_btc": bs.interval("net", "btc"),
        "D10.spillover_btc_to_ndx": bs.interval("table", "ndx", "btc"),
        "D10.spillover_ndx_to_btc": bs.interval("table", "btc", "ndx"),
        "D10.pairwise_net_btc_ndx": (pair_lo, pair_hi),
        "D10.weekend_beta_btc_to_ndx": (ov["beta"] - z * ov["se"], ov["beta"] + z * ov["se"]),
        "D10.intraday_beta_btc_to_spy": (
            intr["fwd"]["coef"] - z * intr["fwd"]["se"],
            intr["fwd"]["coef"] + z * intr["fwd"]["se"],
        ),
    }
    hy = d10_hy(reps, level, seed)
    values["D10.hy_lead_lag_ratio"] = hy["llr"]
    intervals["D10.hy_lead_lag_ratio"] = (hy["lo"], hy["hi"])
    return Evaluation(values, parts={"D10a": part_a, "D10b": part_b}, intervals=intervals, tests=tests)


@input_space("D10b")
@lru_cache(maxsize=1)
def _d10b_space() -> pd.DataFrame:
    """D10b's inputs in every calendar quarter 2020-2025: the five-variable spillover at the NY close (BIC
    lag order over 0..4, 199 bootstrap replicates) and, as the stand-in for the intraday Granger test,
    daily Granger tests BTC <-> NDX; the overnight design where NQ hourly data exist (2025); the
    2-minute test only in the quarter that holds it. Raw p-values (no family to adjust within), which
    makes significant outcomes easier to reach than in the ledger."""
    P = spillover_panel()[SPILL_SYSTEMS["five"]]
    d = d10_overnight_design()
    alpha = float(_defaults()["alpha"])
    rows = []
    for q in pd.period_range("2020Q2", "2025Q4", freq="Q"):
        a, b = q.start_time.tz_localize("UTC"), q.end_time.tz_localize("UTC").normalize()
        w = P.loc[a:b]
        L, _ = leadlag.select_lag_order(w, D10_SPILL_MAXLAGS, "bic", min_lags=0)
        bs = sp.bootstrap_spillover(w, L, D10_HORIZON, reps=199, level=0.90, seed=1)
        lo, hi = bs.interval("pairwise_net", "btc", "ndx")
        g = leadlag.granger_both_ways(w[["btc", "ndx"]], "btc", "ndx", 5, "bic")
        ov = {"beta": 0.0, "p": 1.0}
        dq = d.loc[a:b]
        if len(dq) > 30:
            r = leadlag.off_hours_regression(dq, hac_lags=D10_HAC_LAGS)
            ov = {"beta": float(r.loc["crypto_off", "coef"]), "p": float(r.loc["crypto_off", "p"])}
        intr = {"fwd": {"coef": 0.0, "p": 1.0}, "rev": {"p": 1.0}}
        if a <= _ts(D10_INTRADAY[0]) <= b:
            intr = d10_intraday(())
        rows.append(
            {
                "spill_lags": int(L),
                "spill_lo": lo,
                "spill_hi": hi,
                "overnight_beta": ov["beta"],
                "overnight_p_holm": ov["p"],
                "granger_fwd_p_holm": float(g.loc["btc -> ndx", "p"]),
                "granger_rev_p_holm": float(g.loc["ndx -> btc", "p"]),
                "intraday_beta": intr["fwd"]["coef"],
                "intraday_fwd_p_holm": intr["fwd"]["p"],
                "intraday_rev_p_holm": intr["rev"]["p"],
                "alpha": alpha,
            }
        )
    return pd.DataFrame(rows)


def _defaults() -> dict:
    from mktlib.claims import defaults

    return defaults()


# =============================================================================================
# D11: crypto has become the thermometer of global risk assets; for the first time ...
# =============================================================================================

RISK_FACTOR_COLS = ["ndx", "spx", "eem", "hyg", "vix"]


@lru_cache(maxsize=1)
def btc_ndx_panel() -> pd.DataFrame:
    """BTC (at the NY close) and NDX daily returns, 2018-01-03 to 2026-01-30 (NDX data start 2018-01-02)."""
    return corr.aligned_panel(["btc", "ndx"], "2018-01-03", "2026-01-30")


@lru_cache(maxsize=1)
def risk_factor() -> tuple[pd.DataFrame, corr.PCAResult]:
    """PC1 of NDX, S&P 500, EEM (emerging-market equities), HYG (high yield) and VIX changes at the NY
    close, 2018-2026, and the panel (with BTC). Standardised over the full sample: descriptive."""
    P = corr.aligned_panel(["btc", *RISK_FACTOR_COLS], "2018-01-03", PANEL_END)
    return P, corr.first_principal_component(P[RISK_FACTOR_COLS], sign_ref="spx")


@lru_cache(maxsize=2)
def d11_pair(factor: str) -> pd.DataFrame:
    """Columns ``btc`` and ``risk``: BTC at the NY close and the risk measure of the specification
    (``pc1``: the global risk factor; ``ndx``: the Nasdaq-100, the registry's measure)."""
    if factor == "ndx":
        p = btc_ndx_panel()
        return pd.DataFrame({"btc": p["btc"], "risk": p["ndx"]})
    P, pca = risk_factor()
    return pd.DataFrame({"btc": P["btc"], "risk": pca.factor})


@cache
def d11_regime(
    factor: str = "pc1",
    window: int = 60,
    end_shift: int = 0,
    reps: int = 999,
    level: float = 0.90,
    seed: int = 20251121,
) -> dict:
    """The D11 statistics of one specification: the window of ``window`` NY sessions ending
    ``end_shift`` sessions after 21 Nov 2025; its BTC-risk correlation with a stationary-bootstrap
    interval (``level``, ``lo``, ``hi``); the ETF-era correlation on the sessions from 1 Jan 2024 to the
    day before the window starts (no overlap) and the change with its interval (two independent
    bootstraps); the record: the highest rolling correlation over windows ending before this window
    starts (``record``, ``record_date``) with its own interval."""
    d = d11_pair(factor)
    pos = int(d.index.get_loc(_ts(D11_END))) + int(end_shift)
    w = d.iloc[pos - window + 1 : pos + 1]
    etf = d.loc[_ts(D11_ETF_ERA[0]) : w.index[0] - pd.Timedelta(days=1)]
    lev, lo, hi, dr = corr.bootstrap_corr(w["btc"], w["risk"], reps=reps, level=level, seed=[seed, 1])
    e, _, _, de = corr.bootstrap_corr(etf["btc"], etf["risk"], reps=reps, level=level, seed=[seed, 2])
    clo, chi = corr._pct(dr - de, level)
    roll = corr.rolling_corr(d["btc"], d["risk"], window)
    before = roll.loc[: w.index[0] - pd.Timedelta(days=1)].dropna()
    rdate = before.idxmax()
    rpos = int(d.index.get_loc(rdate))
    rw = d.iloc[rpos - window + 1 : rpos + 1]
    rec, rlo, rhi, _ = corr.bootstrap_corr(rw["btc"], rw["risk"], reps=reps, level=level, seed=[seed, 3])
    return {
        "start": w.index[0],
        "end": w.index[-1],
        "n": len(w),
        "level": lev,
        "lo": lo,
        "hi": hi,
        "etf": e,
        "etf_end": etf.index[-1],
        "n_etf": len(etf),
        "change": lev - e,
        "change_lo": clo,
        "change_hi": chi,
        "record": rec,
        "record_date": rdate,
        "record_lo": rlo,
        "record_hi": rhi,
        "vol_btc": float(w["btc"].std() * np.sqrt(252)),
        "vol_btc_etf": float(etf["btc"].std() * np.sqrt(252)),
    }


@lru_cache(maxsize=1)
def d11_measures(end=D11_END) -> dict:
    """The registry's D11 measures (NDX, 60 sessions to 21 Nov 2025, ETF era as registered)."""
    p = btc_ndx_panel()
    roll = corr.rolling_corr(p["btc"], p["ndx"], D11_WINDOW)
    crisis, calm = d11_windows(end)
    fr = corr.forbes_rigobon_test(crisis, calm, source="btc", other="ndx")
    means = {k: float(roll.loc[_ts(a) : _ts(b)].mean()) for k, (a, b) in D11_REGIMES.items()}
    return {
        "D11.corr_btc_ndx_60d_21nov": float(roll.loc[: _ts(end)].iloc[-1]),
        "D11.corr_btc_ndx_60d_2017_19": means["2017-19"],
        "D11.corr_btc_ndx_60d_2020_21": means["2020-21"],
        "D11.corr_btc_ndx_60d_etf_era": means["etf_era"],
        "D11.fisher_z_p": fr.p_raw,
        "D11.fr_adjusted_corr": fr.rho_adjusted,
        "D11.fr_adjusted_p": fr.p_adjusted,
    }


def d11_windows(end=D11_END) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(episode window: 60 NY sessions ending ``end`` (21 Nov 2025), ETF-era sample 2024-01-01..2025-09-30
    as registered: the two overlap by the window's sessions from late August)."""
    p = btc_ndx_panel()
    crisis = p.loc[: _ts(end)].iloc[-D11_WINDOW:]
    calm = p.loc[_ts(D11_ETF_ERA[0]) : _ts(D11_ETF_ERA[1])]
    return crisis, calm


@lru_cache(maxsize=1)
def d11_registered_tests() -> dict:
    """Fisher-z and Forbes-Rigobon tests of the registered design with what they could detect: the
    smallest rise of the window's correlation over the ETF era's that a one-sided test finds with 80%
    power (Fisher z)."""
    crisis, calm = d11_windows()
    fr = corr.forbes_rigobon_test(crisis, calm, source="btc", other="ndx")
    se = np.sqrt(1 / (fr.n_crisis - 3) + 1 / (fr.n_calm - 3))
    mde_z = inference.mde(se, sided=1)
    mde_r = float(np.tanh(np.arctanh(fr.rho_calm) + mde_z) - fr.rho_calm)
    return {"fr": fr, "mde_r": mde_r, "overlap": int(crisis.index.isin(calm.index).sum())}


@rule("D11a")
def verdict_d11a(
    level_lo: float, level_hi: float, change_lo: float, change_hi: float, corr_high: float, corr_low: float
) -> str:
    """A thermometer that has newly become one. Thermometer: the interval of BTC's correlation with
    global risk lies at or above ``corr_high`` (holds) or below ``corr_low`` (fails). Has become: the
    interval of the change from the ETF era lies above 0 (holds) or below 0 (fails). Supported if both
    hold; contradicted if the thermometer fails; partly supported if one holds and the other fails;
    inconclusive otherwise."""
    t = "holds" if level_lo >= corr_high else "fails" if level_hi < corr_low else "open"
    b = "holds" if change_lo > 0 else "fails" if change_hi < 0 else "open"
    if t == "fails":
        return "contradicted"
    if t == "holds" and b == "holds":
        return "supported"
    if {t, b} == {"holds", "fails"}:
        return "partly supported"
    return "inconclusive"


@rule("D11b")
def verdict_d11b(level_lo: float, level_hi: float, record_lo: float, record_hi: float) -> str:
    """ "For the first time": contradicted if an earlier window's correlation (the record before the
    current window) has its interval entirely above the current one; supported if the current interval
    lies entirely above the record's; inconclusive otherwise."""
    if record_lo > level_hi:
        return "contradicted"
    if level_lo > record_hi:
        return "supported"
    return "inconclusive"


@evaluator("D11")
def _d11(spec: Spec) -> Evaluation:
    reps, level, seed = _boot(spec)
    r = d11_regime(spec["risk_factor"], int(spec["window"]), int(spec["end_shift"]), reps, level, seed)
    name = {"pc1": "the global risk factor (PC1)", "ndx": "the Nasdaq-100"}[spec["risk_factor"]]
    win = f"{r['n']} NY sessions to {r['end']:%d %b %Y}"
    in_a = {
        "level_lo": r["lo"],
        "level_hi": r["hi"],
        "change_lo": r["change_lo"],
        "change_hi": r["change_hi"],
        "corr_high": float(spec["corr_high"]),
        "corr_low": float(spec["corr_low"]),
    }
    v_a = verdict_d11a(**in_a)
    part_a = Part(
        v_a,
        f"BTC's correlation with {name} over the {win} is {r['level']:.2f} [{r['lo']:.2f}, "
        f"{r['hi']:.2f}] (thermometer at or above {spec['corr_high']:g}, none below "
        f"{spec['corr_low']:g}); against the ETF era up to {r['etf_end']:%d %b %Y} ({r['etf']:.2f}) "
        f"the change is {r['change']:+.2f} [{r['change_lo']:+.2f}, {r['change_hi']:+.2f}].",
        statistic=r["lo"],
        threshold=float(spec["corr_high"]),
        inputs=in_a,
    )
    in_b = {"level_lo": r["lo"], "level_hi": r["hi"], "record_lo": r["record_lo"], "record_hi": r["record_hi"]}
    v_b = verdict_d11b(**in_b)
    part_b = Part(
        v_b,
        f"The earlier record of the same {r['n']}-session correlation, in the window ending "
        f"{r['record_date']:%d %b %Y}, was {r['record']:.2f} [{r['record_lo']:.2f}, "
        f"{r['record_hi']:.2f}], against {r['level']:.2f} [{r['lo']:.2f}, {r['hi']:.2f}] now.",
        statistic=r["record_lo"] - r["hi"],
        threshold=0.0,
        inputs=in_b,
    )
    v = dict(d11_measures())
    reg = d11_registered_tests()
    fr = reg["fr"]
    v |= {
        "D11.corr_btc_risk_21nov": r["level"],
        "D11.corr_change_vs_etf_era": r["change"],
        "D11.corr_record_before": r["record"],
        "D11.corr_record_before_date": r["record_date"].date(),
    }
    # the registered measure's own interval (NDX, 60 sessions to 21 Nov), for the ledger
    rn = d11_regime("ndx", D11_WINDOW, 0, reps, level, seed)
    intervals = {
        "D11.corr_btc_risk_21nov": (r["lo"], r["hi"]),
        "D11.corr_change_vs_etf_era": (r["change_lo"], r["change_hi"]),
        "D11.corr_record_before": (r["record_lo"], r["record_hi"]),
        "D11.corr_btc_ndx_60d_21nov": (rn["lo"], rn["hi"]),
    }
    tests = {
        "D11.fisher_z": Test(
            fr.p_raw,
            "one-sided Fisher z, 60-session BTC-NDX correlation to 21 Nov above the "
            "registered ETF-era correlation (samples overlap; reported, does not decide)",
            measure="D11.fisher_z_p",
            power_note=f"detects (80% power) a rise of {reg['mde_r']:.2f} over the ETF era's {fr.rho_calm:.2f}",
        ),
        "D11.forbes_rigobon": Test(
            fr.p_adjusted,
            "one-sided Fisher z of the Forbes-Rigobon adjusted correlation "
            "(BTC source) above the ETF era's (reported, does not decide)",
            measure="D11.fr_adjusted_corr",
            mde=reg["mde_r"],
        ),
    }
    return Evaluation(v, parts={"D11a": part_a, "D11b": part_b}, intervals=intervals, tests=tests)


@lru_cache(maxsize=1)
def d11_history(window: int = D11_WINDOW, step: int = 20, reps: int = 199) -> pd.DataFrame:
    """The D11 statistics (global risk factor) for windows ending every ``step`` sessions from 2020:
    level and interval, change from the 420 sessions before the window (the ETF era's length, no
    overlap) and interval, and the record before the window with its interval."""
    d = d11_pair("pc1")
    roll = corr.rolling_corr(d["btc"], d["risk"], window)
    rows = []
    for k, pos in enumerate(range(window + 420 + 60, len(d), step)):
        w = d.iloc[pos - window + 1 : pos + 1]
        prior = d.iloc[max(0, pos - window + 1 - 420) : pos - window + 1]
        lev, lo, hi, dr = corr.bootstrap_corr(w["btc"], w["risk"], reps=reps, seed=[k, 1])
        _, _, _, dp = corr.bootstrap_corr(prior["btc"], prior["risk"], reps=reps, seed=[k, 2])
        clo, chi = corr._pct(dr - dp, 0.90)
        before = roll.iloc[: pos - window + 1].dropna()
        rpos = int(d.index.get_loc(before.idxmax()))
        rw = d.iloc[rpos - window + 1 : rpos + 1]
        _, rlo, rhi, _ = corr.bootstrap_corr(rw["btc"], rw["risk"], reps=reps, seed=[k, 3])
        rows.append(
            {
                "end": d.index[pos],
                "level_lo": lo,
                "level_hi": hi,
                "change_lo": clo,
                "change_hi": chi,
                "record_lo": rlo,
                "record_hi": rhi,
            }
        )
    return pd.DataFrame(rows)


@input_space("D11a")
def _d11a_space() -> pd.DataFrame:
    h = d11_history()
    p = _primary("D11")
    return h[["level_lo", "level_hi", "change_lo", "change_hi"]].assign(
        corr_high=p["corr_high"], corr_low=p["corr_low"]
    )


@input_space("D11b")
def _d11b_space() -> pd.DataFrame:
    return d11_history()[["level_lo", "level_hi", "record_lo", "record_hi"]]


# =============================================================================================
# D12: crypto fell first and rebounds first
# =============================================================================================


@cache
def btc_at(market: str) -> pd.Series:
    """Binance BTCUSDT sampled at each close of ``market`` (``NY``, ``HK``, ``LBMA``), 2019-11 to 2026-01."""
    return corr.btc_at_closes(market, "2019-11-01", PANEL_END)["price"].dropna()


@cache
def _close(dataset: str, column: str) -> pd.Series:
    """A daily close series; BTC's UTC daily close is the book's one BTC daily series
    (``mktlib.verdicts.episode.btc_daily()``, which equals ``btc_spot_1d`` on every shared day)."""
    if dataset == "btc_spot_1d":
        from mktlib.verdicts.episode import btc_daily

        return btc_daily()[column].dropna()
    return _load(dataset)[column].dropna()


def _trough(s: pd.Series, a, b, days: int) -> tuple[pd.Timestamp, float]:
    """Date of the lowest close in [a, b] and the return from it to the last close on or before
    ``days`` calendar days later."""
    w = s.loc[_ts(a) : _ts(b)]
    t = w.idxmin()
    after = s.loc[: t + pd.Timedelta(days=days)]
    if after.index[-1] < t + pd.Timedelta(days=days - 5):
        raise ValueError(f"D12: no close within 5 days before {t.date()} + {days} days")
    return t, float(after.iloc[-1] / s.loc[t] - 1)


def d12_pairs(
    peak_start: str = "2025-09-01", window=D12_WINDOW, days: int = D12_REBOUND_DAYS, peak_end: str = D12_PEAK_END
) -> pd.DataFrame:
    """One row per market (NDX, Hang Seng, gold): its peak date (highest close from ``peak_start`` to
    ``peak_end``), trough date (lowest close in ``window``) and ``days``-day rebound, beside BTC's
    sampled at THAT market's close (NY close, Hong Kong close, LBMA PM fix)."""
    rows = {}
    for m, (ds, col, mkt) in D12_MARKETS.items():
        s, b = _close(ds, col), btc_at(mkt)
        tm, rm = _trough(s, *window, days)
        tb, rb = _trough(b, *window, days)
        pm = s.loc[_ts(peak_start) : _ts(peak_end)].idxmax()
        pb = b.loc[_ts(peak_start) : _ts(peak_end)].idxmax()
        rows[m] = {
            "close": mkt,
            "peak": pm,
            "btc_peak": pb,
            "trough": tm,
            "btc_trough": tb,
            "rebound": rm,
            "btc_rebound": rb,
        }
    return pd.DataFrame(rows).T


def d12_measures(window=D12_WINDOW, days: int = D12_REBOUND_DAYS) -> dict:
    """The registry's D12 measures: troughs and rebounds with BTC on its UTC daily close."""
    closes = {"btc": _close("btc_spot_1d", "close")} | {m: _close(ds, col) for m, (ds, col, _) in D12_MARKETS.items()}
    v: dict = {}
    for k, s in closes.items():
        t, r = _trough(s, *window, days)
        v[f"D12.trough_date_{k}"] = t.date()
        v[f"D12.rebound_10d_{k}"] = r
    order = ["btc", "ndx", "hsi", "gold"]
    return {f"D12.trough_date_{k}": v[f"D12.trough_date_{k}"] for k in order} | {
        f"D12.rebound_10d_{k}": v[f"D12.rebound_10d_{k}"] for k in order
    }


def _count_rule(n_ok: int, n: int) -> str:
    return "supported" if n_ok == n else ("contradicted" if n_ok == 0 else "partly supported")


@rule("D12a")
def verdict_d12a(n_peak_first: int, n_markets: int) -> str:
    """BTC fell first: its peak strictly before each market's peak (BTC at that market's close).
    Supported if before all, contradicted if before none, partly supported otherwise."""
    return _count_rule(int(n_peak_first), int(n_markets))


@rule("D12b")
def verdict_d12b(n_trough_first: int, n_rebound_larger: int, n_markets: int) -> str:
    """Rebounds first: timing (BTC's trough strictly before every market's) and size (BTC's 10-day
    rebound above every market's), BTC at each market's close. Supported if both, partly if one,
    contradicted if neither."""
    first = int(n_trough_first) == int(n_markets)
    bigger = int(n_rebound_larger) == int(n_markets)
    return {2: "supported", 1: "partly supported", 0: "contradicted"}[int(first) + int(bigger)]


@evaluator("D12")
def _d12(spec: Spec) -> Evaluation:
    t = d12_pairs(spec["peak_start"], days=int(spec["rebound_days"]))
    n = len(t)
    pf = int((t["btc_peak"] < t["peak"]).sum())
    tf = int((t["btc_trough"] < t["trough"]).sum())
    rl = int((t["btc_rebound"] > t["rebound"]).sum())
    lab = {"ndx": "NDX", "hsi": "HSI", "gold": "gold"}
    peaks = "; ".join(f"{lab[m]} {r.peak:%d %b} (BTC {r.btc_peak:%d %b})" for m, r in t.iterrows())
    troughs = "; ".join(
        f"{lab[m]} {r.trough:%d %b} {r.rebound:+.1%} (BTC {r.btc_trough:%d %b} {r.btc_rebound:+.1%})"
        for m, r in t.iterrows()
    )
    in_a = {"n_peak_first": pf, "n_markets": n}
    part_a = Part(
        verdict_d12a(**in_a),
        f"Highest close from {spec['peak_start']} to {D12_PEAK_END}, BTC at each "
        f"market's close: {peaks}. BTC peaked first against {pf} of {n}.",
        statistic=pf,
        threshold=n,
        inputs=in_a,
    )
    in_b = {"n_trough_first": tf, "n_rebound_larger": rl, "n_markets": n}
    part_b = Part(
        verdict_d12b(**in_b),
        f"Lowest close in Nov-Dec and the {spec['rebound_days']}-day rebound, BTC at "
        f"each market's close: {troughs}. BTC's trough came first against {tf} of {n} "
        f"and its rebound was larger against {rl} of {n}.",
        statistic=tf + rl,
        threshold=2 * n,
        inputs=in_b,
    )
    v = d12_measures(days=int(spec["rebound_days"]))
    for m, key in (("ndx", "ny"), ("hsi", "hk"), ("gold", "lbma")):
        r = t.loc[m]
        v[f"D12.trough_date_btc_{key}"] = r.btc_trough.date()
        v[f"D12.rebound_10d_btc_{key}"] = float(r.btc_rebound)
        v[f"D12.peak_date_btc_{key}"] = r.btc_peak.date()
        v[f"D12.peak_date_{m}"] = r.peak.date()
    return Evaluation(v, parts={"D12a": part_a, "D12b": part_b})


@lru_cache(maxsize=1)
def d12_history() -> pd.DataFrame:
    """D12's counts over every two-month trough window (and the three months before it for peaks),
    starting each month from 2020-04 to 2025-10, BTC at each market's close."""
    rows = []
    for start in pd.date_range("2020-04-01", "2025-10-01", freq="MS"):
        a, b = start, start + pd.offsets.MonthEnd(2)
        try:
            t = d12_pairs(
                (start - pd.DateOffset(months=3)).strftime("%Y-%m-%d"),
                (a.strftime("%Y-%m-%d"), b.strftime("%Y-%m-%d")),
                D12_REBOUND_DAYS,
                b.strftime("%Y-%m-%d"),
            )
        except ValueError:
            continue
        rows.append(
            {
                "start": a,
                "n_peak_first": int((t["btc_peak"] < t["peak"]).sum()),
                "n_trough_first": int((t["btc_trough"] < t["trough"]).sum()),
                "n_rebound_larger": int((t["btc_rebound"] > t["rebound"]).sum()),
                "n_markets": len(t),
            }
        )
    return pd.DataFrame(rows)


@input_space("D12b")
def _d12b_space() -> pd.DataFrame:
    return d12_history()[["n_trough_first", "n_rebound_larger", "n_markets"]]


@input_space("D12a")
def _d12a_space() -> pd.DataFrame:
    return d12_history()[["n_peak_first", "n_markets"]]


# =============================================================================================
# D13: S&P 500 top-of-book liquidity dried up (not testable; a price-impact proxy)
# =============================================================================================


@lru_cache(maxsize=1)
def es_session_liquidity() -> pd.DataFrame:
    """Per NYSE regular session, 20 Oct-15 Dec 2025, from E-mini S&P 500 15-minute bars (Yahoo ES=F): the
    number of bars, the mean 15-minute range (high - low) / close, and an Amihud-style price impact:
    mean over bars of |log return| / volume (per million contracts). Sessions with fewer than 20
    regular-hours bars (half days, whose thin volume inflates the impact) are dropped."""
    es = _load("es_fut_15m")
    es = _regular_hours(es, "2025-10-20", "2025-12-15", "15min")
    rows = {}
    for day, b in es.groupby(es.index.normalize()):
        if len(b) < 20:
            continue
        r = np.log(b["close"]).diff().abs().iloc[1:]
        rows[day] = {
            "bars": len(b),
            "range": float(((b["high"] - b["low"]) / b["close"]).mean()),
            "impact": float((r / b["volume"].iloc[1:]).mean() * 1e6),
            "volume": float(b["volume"].sum()),
        }
    return pd.DataFrame(rows).T


@rule("D13")
def verdict_d13(order_book_in_snapshot: bool) -> str:
    """Top-of-book depth needs order-book data; without it the claim is not testable (a proxy informs,
    it never decides)."""
    return "inconclusive" if order_book_in_snapshot else "not testable"


@evaluator("D13")
def _d13(spec: Spec) -> Evaluation:
    t = es_session_liquidity()
    d = _ts("2025-11-20")
    rr = float(t.loc[d, "range"] / t["range"].median())
    ir = float(t.loc[d, "impact"] / t["impact"].median())
    rank = int(t["impact"].rank(ascending=False).loc[d])
    reason = (
        f"Top-of-book depth in S&P 500 (E-mini) futures needs order-book or quote data; the snapshot holds "
        f"only OHLCV bars. Proxy (informs, does not decide): on 20 Nov the mean 15-minute ES range was "
        f"{rr:.1f} times the median of {len(t)} sessions and the Amihud-style price impact {ir:.1f} times the "
        f"median (rank {rank} of {len(t)})."
    )
    return Evaluation(
        {
            "D13.not_testable": None,
            "D13.es_range_ratio_20nov": rr,
            "D13.es_impact_ratio_20nov": ir,
            "D13.es_impact_rank_20nov": rank,
        },
        parts={"D13": Part(verdict_d13(False), reason, inputs={"order_book_in_snapshot": False})},
    )


# =============================================================================================
# K1: everything fell together, like March 2020
# =============================================================================================


@lru_cache(maxsize=2)
def k1_prices(btc_close: str = "utc") -> pd.DataFrame:
    """Closes of the K1 assets on the dates on which every exchange has a close (S&P 500, gold fix,
    Shanghai, Hang Seng; NDX for the two-session returns), with BTC at its UTC daily close (``utc``, the
    registry) or at the NY close (``ny``)."""
    px = {k: _close(ds, col) for k, (ds, col, _) in K1_ASSETS.items()}
    px["btc"] = _close("btc_spot_1d", "close") if btc_close == "utc" else btc_at("NY")
    df = pd.DataFrame(px)
    return df.loc[df.notna().all(axis=1)]


def k1_daily_returns(btc_close: str = "utc") -> pd.DataFrame:
    """Returns between consecutive common dates (each asset's close on date t over its close on the
    previous date on which every market traded), so a move on a day one market was shut is kept in the
    next common return rather than dropped (BTC's weekend moves, holidays)."""
    return k1_prices(btc_close)[K1_CORR_ASSETS].pct_change().dropna()


def k1_window(month: str, shift_start: int = 0, shift_end: int = 0) -> tuple[pd.Timestamp, pd.Timestamp]:
    a, b = K1_MONTHS[month]
    return _ts(a) + pd.Timedelta(days=int(shift_start)), _ts(b) + pd.Timedelta(days=int(shift_end))


def k1_avg_corr(month: str, btc_close: str = "utc", shift_start: int = 0, shift_end: int = 0) -> float:
    a, b = k1_window(month, shift_start, shift_end)
    return corr.average_pairwise_corr(k1_daily_returns(btc_close).loc[a:b])


@cache
def k1_corr_boot(
    btc_close: str = "utc",
    shift_start: int = 0,
    shift_end: int = 0,
    ratio_min: float = 0.8,
    reps: int = 999,
    level: float = 0.90,
    seed: int = 20251121,
) -> dict:
    """Average pairwise correlations of Nov 2025 and March 2020 (windows moved by the shifts, calendar
    days) with stationary-bootstrap intervals (each month resampled on its own), and the difference
    Nov - ``ratio_min`` x March with its interval."""
    r = k1_daily_returns(btc_close)
    out = {}
    draws = {}
    for k, month in enumerate(("nov2025", "mar2020")):
        a, b = k1_window(month, shift_start, shift_end)
        w = r.loc[a:b]
        est, lo, hi, d = corr.bootstrap_avg_corr(w, reps=reps, level=level, seed=[seed, 10 + k])
        out[month] = {"est": est, "lo": lo, "hi": hi, "n": len(w)}
        draws[month] = d
    diff = draws["nov2025"] - ratio_min * draws["mar2020"]
    lo, hi = corr._pct(diff, level)
    out["diff"] = {"est": out["nov2025"]["est"] - ratio_min * out["mar2020"]["est"], "lo": lo, "hi": hi}
    return out


def k1_measures(btc_close: str = "utc") -> dict:
    v = {}
    for k, (ds, col, _) in K1_ASSETS.items():
        s = _close(ds, col)
        v[f"K1.{k}_return_20_21nov"] = float(s.loc[_ts(K1_DAYS[1])] / s.loc[_ts(K1_DAYS[0])] - 1)
    b = _close("btc_spot_1d", "close") if btc_close == "utc" else btc_at("NY")
    v["K1.btc_return_20_21nov"] = float(b.loc[_ts(K1_DAYS[1])] / b.loc[_ts(K1_DAYS[0])] - 1)
    order = ["spx", "ndx", "gold", "ssec", "hsi", "btc"]
    out = {f"K1.{k}_return_20_21nov": v[f"K1.{k}_return_20_21nov"] for k in order}
    out["K1.share_assets_down_20_21nov"] = float(np.mean([out[f"K1.{k}_return_20_21nov"] < 0 for k in order]))
    out["K1.avg_pairwise_corr_nov2025"] = k1_avg_corr("nov2025", btc_close)
    out["K1.avg_pairwise_corr_mar2020"] = k1_avg_corr("mar2020", btc_close)
    return out


@rule("K1a")
def verdict_k1a(share_down: float, share_all: float, share_min: float) -> str:
    """Everything fell: supported if at least ``share_all`` of the six assets fell over the two
    sessions, contradicted if fewer than ``share_min``, partly supported in between."""
    if share_down >= share_all - 1e-9:
        return "supported"
    if share_down < share_min - 1e-9:
        return "contradicted"
    return "partly supported"


@rule("K1b")
def verdict_k1b(diff_lo: float, diff_hi: float) -> str:
    """Like March 2020: the interval of Nov-2025 average correlation minus ``ratio_min`` x March 2020's
    lies at or above 0 (supported) or below 0 (contradicted); otherwise inconclusive."""
    if diff_lo >= 0:
        return "supported"
    if diff_hi < 0:
        return "contradicted"
    return "inconclusive"


@evaluator("K1")
def _k1(spec: Spec) -> Evaluation:
    reps, level, seed = _boot(spec)
    at = spec["btc_close"]
    v = k1_measures("utc")
    share = v["K1.share_assets_down_20_21nov"]
    if at != "utc":
        share = float(
            np.mean(
                [v[f"K1.{k}_return_20_21nov"] < 0 for k in ("spx", "ndx", "gold", "ssec", "hsi")]
                + [btc_at("NY").loc[_ts(K1_DAYS[1])] < btc_at("NY").loc[_ts(K1_DAYS[0])]]
            )
        )
    in_a = {"share_down": share, "share_all": float(spec["share_all"]), "share_min": float(spec["share_min"])}
    rets = ", ".join(
        f"{k.upper()} {v[f'K1.{k}_return_20_21nov']:+.1%}" for k in ("spx", "ndx", "gold", "ssec", "hsi", "btc")
    )
    part_a = Part(
        verdict_k1a(**in_a),
        f"19->21 Nov returns: {rets}; {share:.0%} of the six fell (supported at "
        f"{spec['share_all']:.0%}, contradicted below {spec['share_min']:.0%}).",
        statistic=share,
        threshold=float(spec["share_all"]),
        inputs=in_a,
    )
    b = k1_corr_boot(at, int(spec["shift_start"]), int(spec["shift_end"]), float(spec["ratio_min"]), reps, level, seed)
    in_b = {"diff_lo": b["diff"]["lo"], "diff_hi": b["diff"]["hi"]}
    ratio = b["nov2025"]["est"] / b["mar2020"]["est"]
    part_b = Part(
        verdict_k1b(**in_b),
        f"Average pairwise correlation of returns between common dates (BTC at the {at.upper()} close): "
        f"Nov 2025 {b['nov2025']['est']:.2f} [{b['nov2025']['lo']:.2f}, {b['nov2025']['hi']:.2f}] vs March "
        f"2020 {b['mar2020']['est']:.2f} [{b['mar2020']['lo']:.2f}, {b['mar2020']['hi']:.2f}], ratio "
        f"{ratio:.2f}; Nov minus {spec['ratio_min']:g} x March {b['diff']['est']:+.2f} "
        f"[{b['diff']['lo']:+.2f}, {b['diff']['hi']:+.2f}].",
        statistic=b["diff"]["est"],
        threshold=0.0,
        inputs=in_b,
    )
    v["K1.avg_corr_diff_vs_mar2020"] = b["diff"]["est"]
    v["K1.avg_pairwise_corr_nov2025"] = b["nov2025"]["est"]
    v["K1.avg_pairwise_corr_mar2020"] = b["mar2020"]["est"]
    intervals = {
        "K1.avg_pairwise_corr_nov2025": (b["nov2025"]["lo"], b["nov2025"]["hi"]),
        "K1.avg_pairwise_corr_mar2020": (b["mar2020"]["lo"], b["mar2020"]["hi"]),
        "K1.avg_corr_diff_vs_mar2020": (b["diff"]["lo"], b["diff"]["hi"]),
    }
    return Evaluation(v, parts={"K1a": part_a, "K1b": part_b}, intervals=intervals)


@input_space("K1b")
@lru_cache(maxsize=1)
def _k1b_space() -> pd.DataFrame:
    """K1b's interval for every calendar month from April 2020 to December 2025 set against March 2020
    (BTC at its UTC close, 199 replicates)."""
    p = _primary("K1")
    r = k1_daily_returns("utc")
    a, b = k1_window("mar2020")
    _, _, _, dm = corr.bootstrap_avg_corr(r.loc[a:b], reps=199, seed=[1, 1])
    rows = []
    for k, m in enumerate(pd.period_range("2020-04", "2025-12", freq="M")):
        w = r.loc[_ts(m.start_time) : _ts(m.end_time.normalize())]
        if len(w) < 10:
            continue
        _, _, _, dn = corr.bootstrap_avg_corr(w, reps=199, seed=[k, 2])
        lo, hi = corr._pct(dn - float(p["ratio_min"]) * dm, 0.90)
        rows.append({"diff_lo": lo, "diff_hi": hi})
    return pd.DataFrame(rows)


# =============================================================================================
# G5: Venezuela turmoil revived BTC as a hedge
# =============================================================================================


def btc_at_gold_fixes() -> pd.DataFrame:
    """Gold LBMA PM fix returns and BTC sampled at each fix (15:00 London) on the fix dates themselves
    (London has no PM fix on some half days, so the calendar is the fix file's). Columns ``gold``, ``btc``."""
    g = _load("gold_lbma_pm")["close"]
    bars = _load("btc_spot_1h")
    g = g.loc[_ts("2024-04-05") : bars.index[-1].normalize() - pd.Timedelta(days=1)]
    t = corr.close_instants(g.index, "LBMA")
    p = calendars.price_at(bars, t, bar_length="1h", max_staleness="1h")
    df = pd.DataFrame({"gold": g.to_numpy(), "btc": p["price"].to_numpy()}, index=g.index)
    return df.pct_change().dropna()


@cache
def g5_measures(span=G5_SPAN, window=G5_WINDOW) -> dict:
    """G5 measures; ``span`` (return dates) and ``window`` (correlation dates) as in the registry by default."""
    ny = btc_at("NY")
    ndx = _close("ndx_1d", "close")
    gold = _close("gold_lbma_pm", "close")
    a, b = _ts(span[0]), _ts(span[1])
    fx = btc_at_gold_fixes()
    w = fx.loc[_ts(window[0]) : _ts(window[1])]
    prior = fx.loc[: _ts(G5_PRIOR_END)].iloc[-G5_PRIOR_N:]
    p = corr.aligned_panel(["btc", "ndx"], "2025-08-01", "2026-01-30")
    wn = p.loc[_ts(window[0]) : _ts(window[1])]
    pn = p.loc[: _ts(G5_PRIOR_END)].iloc[-G5_PRIOR_N:]
    return {
        "G5.btc_return_2_6jan": float(ny.loc[:b].iloc[-1] / ny.loc[:a].iloc[-1] - 1),
        "G5.ndx_return_2_6jan": float(ndx.loc[:b].iloc[-1] / ndx.loc[:a].iloc[-1] - 1),
        "G5.gold_return_2_6jan": float(gold.loc[:b].iloc[-1] / gold.loc[:a].iloc[-1] - 1),
        "G5.corr_btc_gold_2_6jan": float(w.corr().loc["btc", "gold"]),
        "G5.corr_btc_gold_prior_60d": float(prior.corr().loc["btc", "gold"]),
        "G5.corr_btc_ndx_2_6jan": float(wn.corr().loc["btc", "ndx"]),
        "G5.corr_btc_ndx_prior_60d": float(pn.corr().loc["btc", "ndx"]),
        "G5.btc_beta_ndx_prior_60d": float(np.cov(pn["btc"], pn["ndx"])[0, 1] / np.var(pn["ndx"], ddof=1)),
        "_n_gold": len(w),
        "_n_ndx": len(wn),
    }


@rule("G5a")
def verdict_g5a(btc_return: float) -> str:
    """BTC rose over the span of the Venezuela events."""
    return "supported" if btc_return > 0 else "contradicted"


@rule("G5b")
def verdict_g5b(ndx_return: float, btc_return: float, stress_return: float) -> str:
    """A hedge test needs stress: the risk asset (NDX) fell by at least ``stress_return`` over the span.
    Then supported if BTC did not fall (return >= 0), contradicted if it fell with it. Without stress
    the test cannot be run: inconclusive."""
    if ndx_return > stress_return:
        return "inconclusive"
    return "supported" if btc_return >= 0 else "contradicted"


@evaluator("G5")
def _g5(spec: Spec) -> Evaluation:
    span = (spec["span_start"], spec["span_end"])
    v = dict(g5_measures(span))
    ng, nn = v.pop("_n_gold"), v.pop("_n_ndx")
    btc, ndx, beta = v["G5.btc_return_2_6jan"], v["G5.ndx_return_2_6jan"], v["G5.btc_beta_ndx_prior_60d"]
    sp_txt = f"{pd.Timestamp(span[0]):%d %b} -> {pd.Timestamp(span[1]):%d %b}"
    part_a = Part(
        verdict_g5a(btc),
        f"BTC (at the NY close) {btc:+.1%} over {sp_txt}, NDX {ndx:+.1%}, gold {v['G5.gold_return_2_6jan']:+.1%}.",
        statistic=btc,
        threshold=0.0,
        inputs={"btc_return": btc},
    )
    in_b = {"ndx_return": ndx, "btc_return": btc, "stress_return": float(spec["stress_return"])}
    v_b = verdict_g5b(**in_b)
    if v_b == "inconclusive":
        why = (
            f"NDX {ndx:+.1%} over {sp_txt}: no fall of the risk asset (stress needs {spec['stress_return']:+.0%} or "
            f"worse), so the hedge test had no power here. BTC's {btc:+.1%} against its pre-event beta of "
            f"{beta:.2f} on NDX ({beta * ndx:+.1%} implied) is a risk-on move, not a hedge."
        )
    else:
        why = (
            f"NDX fell {ndx:+.1%} over {sp_txt} and BTC returned {btc:+.1%}: "
            f"{'it did not fall with the risk asset' if v_b == 'supported' else 'it fell with the risk asset'}."
        )
    lo, hi = corr.fisher_ci(v["G5.corr_btc_gold_2_6jan"], ng, level=float(spec.defaults["interval_level"]))
    part_b = Part(
        v_b,
        why + f" BTC-gold correlation over {ng} fixes {v['G5.corr_btc_gold_2_6jan']:+.2f} "
        f"[{lo:+.2f}, {hi:+.2f}] (descriptive).",
        statistic=ndx,
        threshold=float(spec["stress_return"]),
        inputs=in_b,
    )
    lvl = float(spec.defaults["interval_level"])
    intervals = {
        "G5.corr_btc_gold_2_6jan": (lo, hi),
        "G5.corr_btc_ndx_2_6jan": corr.fisher_ci(v["G5.corr_btc_ndx_2_6jan"], nn, level=lvl),
        "G5.corr_btc_gold_prior_60d": corr.fisher_ci(v["G5.corr_btc_gold_prior_60d"], G5_PRIOR_N, level=lvl),
        "G5.corr_btc_ndx_prior_60d": corr.fisher_ci(v["G5.corr_btc_ndx_prior_60d"], G5_PRIOR_N, level=lvl),
    }
    return Evaluation(v, parts={"G5a": part_a, "G5b": part_b}, intervals=intervals)


@input_space("G5b")
@lru_cache(maxsize=1)
def _g5b_space() -> pd.DataFrame:
    """Every span of four NY sessions from 2024 to January 2026: NDX and BTC (at the NY close) returns."""
    b = btc_at("NY").loc[_ts("2024-01-01") :]
    n = _close("ndx_1d", "close").reindex(b.index)
    ok = n.notna()
    b, n = b[ok], n[ok]
    return pd.DataFrame(
        {
            "ndx_return": (n / n.shift(4) - 1).to_numpy(),
            "btc_return": (b / b.shift(4) - 1).to_numpy(),
            "stress_return": float(_primary("G5")["stress_return"]),
        }
    ).dropna()


# =============================================================================================
# chapter helpers (the notebook shows these; each is a thin composition of mktlib functions)
# =============================================================================================

#: each comparison series with the reference market whose close it is measured at
ASSET_MARKET = {
    "ndx": "NY",
    "spx": "NY",
    "nvda": "NY",
    "dxy": "NY",
    "us2y": "NY",
    "gold": "LBMA",
    "hsi": "HK",
    "ssec": "SH",
}
PANEL_END = "2026-01-30"


@lru_cache(maxsize=1)
def market_panels() -> dict[str, pd.DataFrame]:
    """BTC against each market at that market's own close: NY (NDX, S&P 500, NVIDIA, dollar, 2-year
    yield change), LBMA (gold fix), HK (Hang Seng), SH (Shanghai). From 2020 (NVIDIA and Shanghai data start)."""
    return {
        "NY": corr.aligned_panel(["btc", "ndx", "spx", "nvda", "dxy", "us2y"], "2020-01-03", PANEL_END),
        "LBMA": corr.aligned_panel(["btc", "gold"], "2020-01-03", PANEL_END, at="LBMA"),
        "HK": corr.aligned_panel(["btc", "hsi", "ndx"], "2020-01-03", PANEL_END, at="HK"),
        "SH": corr.aligned_panel(["btc", "ssec", "ndx"], "2020-01-03", PANEL_END, at="SH"),
    }


def asset_panel(asset: str) -> pd.DataFrame:
    """Two columns, ``btc`` and ``asset``, at the asset's own close."""
    return market_panels()[ASSET_MARKET[asset]][["btc", asset]]


def asset_regime_corr(window: int = 60) -> pd.DataFrame:
    """Full-sample BTC correlation per regime (rows = assets, columns = regimes), each asset at its own close."""
    rows = {}
    for a in ASSET_MARKET:
        t = corr.regime_table(asset_panel(a), "btc", a, window=window)
        rows[a] = t["corr"]
    return pd.DataFrame(rows).T


def asset_corr_peaks(window: int = 60) -> pd.DataFrame:
    """Per asset (at its own close): the highest rolling ``window``-session BTC correlation in the
    episode (windows ending 1 Oct 2025-31 Jan 2026) and the highest before it (windows ending
    2024-01-01 to 2025-09-30), with their dates."""
    rows = {}
    a0, b0 = corr.REGIMES["ETF era"]
    a1, b1 = corr.REGIMES["episode"]
    for a in ASSET_MARKET:
        d = asset_panel(a)
        r = corr.rolling_corr(d["btc"], d[a], window)
        ep, pre = r.loc[_ts(a1) : _ts(b1)], r.loc[_ts(a0) : _ts(b0)]
        rows[a] = {
            "episode_max": float(ep.max()),
            "episode_date": ep.idxmax().date(),
            "before_max": float(pre.max()),
            "before_date": pre.idxmax().date(),
        }
    return pd.DataFrame(rows).T


def regime_changes(seed: int = D11_BOOT["seed"]) -> pd.DataFrame:
    """BTC-NDX correlation change between consecutive regimes and for the D11 episode window, each with
    Fisher-z, the stationary-bootstrap CI and the Forbes-Rigobon adjustment (BTC as the source; the
    NDX-as-source variant for the D11 window). The D11 window is compared with the ETF era up to the day
    before it starts (no overlap)."""
    p = btc_ndx_panel()

    def w(name):
        a, b = corr.REGIMES[name]
        return p.loc[_ts(a) : _ts(b)]

    crisis, _ = d11_windows()
    calm = p.loc[_ts(D11_ETF_ERA[0]) : crisis.index[0] - pd.Timedelta(days=1)]
    cases = [
        ("2020-21 vs 2018-19", w("2020-21"), w("2017-19"), "btc"),
        ("2022-23 vs 2020-21", w("2022-23"), w("2020-21"), "btc"),
        ("ETF era vs 2022-23", w("ETF era"), w("2022-23"), "btc"),
        ("60 days to 21 Nov 2025 vs ETF era before them", crisis, calm, "btc"),
        ("60 days to 21 Nov 2025 vs ETF era before them (NDX as source)", crisis, calm, "ndx"),
    ]
    rows = []
    for name, s1, s2, src in cases:
        other = "ndx" if src == "btc" else "btc"
        rows.append({"comparison": name, **corr.correlation_change(s1, s2, src, other, seed=seed)})
    return pd.DataFrame(rows).set_index("comparison")


STRESS_EPISODES = {
    "yen-carry unwind (5 Aug 2024)": "2024-08-05",
    "tariff shock (8 Apr 2025)": "2025-04-08",
    "this episode (21 Nov 2025)": "2025-11-21",
}


def stress_table(window: int = D11_WINDOW, q: float = 0.2, reps: int = 999, seed: int = 20251121) -> pd.DataFrame:
    """BTC against the global risk factor in three stress episodes (windows of ``window`` NY sessions
    ending on the stress day, dated by the events) and in the regimes: the correlation with its 90%
    interval, and the downside exceedance correlation (Longin and Solnik 2001: the correlation on the
    days when the factor is in its worst ``q`` of the sample)."""
    d = d11_pair("pc1")
    samples = {}
    for name, day in STRESS_EPISODES.items():
        pos = int(d.index.get_loc(_ts(day)))
        samples[name] = d.iloc[pos - window + 1 : pos + 1]
    for name in ("2020-21", "2022-23", "ETF era"):
        a, b = corr.REGIMES[name]
        samples[f"regime {name}"] = d.loc[_ts(a) : _ts(b)]
    rows = {}
    for k, (name, w) in enumerate(samples.items()):
        est, lo, hi, _ = corr.bootstrap_corr(w["btc"], w["risk"], reps=reps, seed=[seed, 20 + k])
        tail = w[w["risk"] <= w["risk"].quantile(q)]
        rows[name] = {
            "n": len(w),
            "corr": est,
            "low": lo,
            "high": hi,
            "n_tail": len(tail),
            "exceedance_corr": float(np.corrcoef(tail["btc"], tail["risk"])[0, 1]),
        }
    return pd.DataFrame(rows).T


def chow_dates() -> dict[str, tuple[str, str, str]]:
    """Known dates tested with the Chow test (fixed from external events, not from the data), each on
    the two adjacent regimes around it: event -> (date, sample start, sample end)."""
    return {
        "WHO pandemic declaration": ("2020-03-11", "2018-01-03", "2021-12-31"),
        "US spot-ETF launch": ("2024-01-11", "2022-01-01", "2025-09-30"),
        "BTC record high (episode start)": ("2025-10-06", "2024-01-01", PANEL_END),
    }


BREAK_MIN_SIZE = 60  # sessions: shorter than the episode (about 80 sessions), so an episode-length break can show


def break_analysis(min_size: int = BREAK_MIN_SIZE) -> dict:
    """Chow tests at :func:`chow_dates` and unknown breaks (BIC, segments of at least ``min_size``
    sessions) in BTC-on-NDX, on volatility-standardised returns (EWMA half-life 30 days, lagged) and,
    for the Chow tests, on raw returns too."""
    p = btc_ndx_panel()
    z = corr.vol_standardize(p, halflife=30)
    chow = []
    for name, (d, a, b) in chow_dates().items():
        for label, data in (("raw", p), ("vol-standardised", z)):
            w = data.loc[_ts(a) : _ts(b)]
            r = corr.chow_test(w["btc"], w["ndx"], d)
            chow.append(
                {
                    "date": d,
                    "event": name,
                    "sample": f"{a[:7]} to {b[:7]}",
                    "returns": label,
                    "F": r.f,
                    "p": r.p,
                    "n_before": r.n_before,
                    "n_after": r.n_after,
                    "beta_before": r.beta_before,
                    "beta_after": r.beta_after,
                }
            )
    br = corr.regression_breaks(z["btc"], z["ndx"], max_breaks=5, min_size=min_size, jump=10)
    edges = [p.index[0]] + list(br.dates) + [p.index[-1] + pd.Timedelta(days=1)]
    seg = {
        f"{a.date()} to {(b - pd.Timedelta(days=1)).date()}": (str(a.date()), str((b - pd.Timedelta(days=1)).date()))
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    }
    raw_seg = corr.regime_table(p, "btc", "ndx", seg)
    return {"chow": pd.DataFrame(chow), "breaks": br, "raw_segments": raw_seg, "min_size": min_size}


def overnight_table() -> pd.DataFrame:
    """Overnight/weekend regressions of the NDX session (open -> close) on BTC's off-hours return."""
    d = d10_overnight_design()
    d = d.assign(btc_down=d["crypto_off"].clip(upper=0), btc_up=d["crypto_off"].clip(lower=0))
    d15 = leadlag.off_hours_design(
        _load("btc_spot_15m"),
        _load("nq_fut_15m"),
        _load("ndx_1d"),
        "2025-10-21",
        "2025-12-02",
        crypto_bar="15min",
        futures_bar="15min",
        max_staleness="15min",
    )
    specs = [
        ("BTC only, 2025", d, ("crypto_off",), "crypto_off"),
        ("BTC + NQ overnight, 2025 (D10 measure)", d, ("crypto_off", "futures_off"), "crypto_off"),
        ("BTC down-moves + NQ, 2025", d, ("btc_down", "btc_up", "futures_off"), "btc_down"),
        ("BTC up-moves + NQ, 2025", d, ("btc_down", "btc_up", "futures_off"), "btc_up"),
        ("Weekends/holidays only, BTC + NQ", d[d["weekend"]], ("crypto_off", "futures_off"), "crypto_off"),
        ("Episode Oct-Dec 2025, BTC + NQ", d.loc[_ts("2025-10-01") :], ("crypto_off", "futures_off"), "crypto_off"),
        ("15-min bars, exact 09:30 ET, 21 Oct-2 Dec 2025", d15, ("crypto_off", "futures_off"), "crypto_off"),
    ]
    rows = []
    for name, data, x, key in specs:
        r = leadlag.off_hours_regression(data, x=x, hac_lags=D10_HAC_LAGS)
        rows.append(
            {
                "specification": name,
                "coef_btc": r.loc[key, "coef"],
                "p_btc": r.loc[key, "p"],
                "coef_nq": r.loc["futures_off", "coef"] if "futures_off" in x else np.nan,
                "nobs": int(r["nobs"].iloc[0]),
                "r2": float(r["r2"].iloc[0]),
            }
        )
    return pd.DataFrame(rows).set_index("specification")


def intraday_granger_table() -> pd.DataFrame:
    """15-minute Granger tests: the D10 sample, robust (HC1) errors, sub-periods, ES instead of NQ, and
    the Binance USDT-M mark price (5m -> 15m) over the whole NQ coverage to 15 Dec."""
    base = d10_intraday_returns()
    es = leadlag.bar_log_returns(_load("es_fut_15m"), "15min", name="nq")
    m = _load("btc_mark_usdm_5m")["close"]
    n_in = m.resample("15min").count()
    m15 = m.resample("15min").last().to_frame("close")[n_in == 3]
    mark = pd.concat(
        [
            leadlag.bar_log_returns(m15, "15min", name="btc"),
            leadlag.bar_log_returns(_load("nq_fut_15m"), "15min", name="nq"),
        ],
        axis=1,
        join="inner",
    )
    cases = [
        ("Binance spot vs NQ, 19 Oct-3 Dec (D10)", base, "nonrobust"),
        ("same, HC1 robust errors", base, "HC1"),
        ("19 Oct-9 Nov", base.loc[: _ts("2025-11-09 23:59")], "nonrobust"),
        ("10-30 Nov", base.loc[_ts("2025-11-10") : _ts("2025-11-30 23:59")], "nonrobust"),
        ("Binance spot vs ES", pd.concat([base["btc"], es], axis=1, join="inner"), "nonrobust"),
        ("Binance mark price vs NQ, 19 Oct-15 Dec", mark, "nonrobust"),
    ]
    rows = {
        name: leadlag.granger_both_ways(df, "btc", "nq", D10_GRANGER_MAXLAGS, "bic", "15min", cov)
        for name, df, cov in cases
    }
    return _granger_rows(rows, "sample", "nq", "stocks")


def intraday_2m_table() -> pd.DataFrame:
    """2-minute predictive regressions LBank BTC <-> SPY (regular hours, 7 Nov-5 Dec 2025, HC1): all
    sessions and without 20-21 Nov."""
    rows = []
    for name, drop in (("all 20 sessions", ()), ("without 20-21 Nov", ("2025-11-20", "2025-11-21"))):
        r = d10_intraday(drop)
        rows.append(
            {
                "sample": name,
                "sessions": r["days"],
                "nobs": r["nobs"],
                "beta_btc_to_spy": r["fwd"]["coef"],
                "p_btc_to_spy": r["fwd"]["p"],
                "r2": r["fwd"]["r2"],
                "beta_spy_to_btc": r["rev"]["coef"],
                "p_spy_to_btc": r["rev"]["p"],
            }
        )
    return pd.DataFrame(rows).set_index("sample")


def daily_granger_table() -> pd.DataFrame:
    """Daily Granger tests BTC <-> NDX (NY-close panel) per regime, lag order by BIC (1..5)."""
    p = btc_ndx_panel()
    rows = {
        name: leadlag.granger_both_ways(p.loc[_ts(a) : _ts(b)], "btc", "ndx", 5, "bic")
        for name, (a, b) in corr.REGIMES.items()
    }
    return _granger_rows(rows, "regime", "ndx", "ndx")


def _granger_rows(tests: dict[str, pd.DataFrame], index: str, other: str, label: str) -> pd.DataFrame:
    """One row per sample of :func:`mktlib.leadlag.granger_both_ways` results (BTC against ``other``):
    ``lags``, ``nobs``, ``p_btc_to_<label>``, ``p_<label>_to_btc``, indexed by ``index``."""
    rows = [
        {
            index: name,
            "lags": int(g["lags"].iloc[0]),
            "nobs": int(g["nobs"].iloc[0]),
            f"p_btc_to_{label}": g.loc[f"btc -> {other}", "p"],
            f"p_{label}_to_btc": g.loc[f"{other} -> btc", "p"],
        }
        for name, g in tests.items()
    ]
    return pd.DataFrame(rows).set_index(index)


def asia_table() -> pd.DataFrame:
    """Hang Seng and Shanghai session returns on the previous US session (NDX as of the Asian close) and
    BTC sampled at the Asian close (HAC errors), ETF era and episode."""
    rows = []
    for mkt, col in (("HK", "hsi"), ("SH", "ssec")):
        p = market_panels()[mkt]
        for name in ("ETF era", "episode"):
            a, b = corr.REGIMES[name]
            r = leadlag.off_hours_regression(p.loc[_ts(a) : _ts(b)], y=col, x=("ndx", "btc"), hac_lags=D10_HAC_LAGS)
            rows.append(
                {
                    "market": col.upper(),
                    "regime": name,
                    "coef_ndx_prev": r.loc["ndx", "coef"],
                    "p_ndx_prev": r.loc["ndx", "p"],
                    "coef_btc": r.loc["btc", "coef"],
                    "p_btc": r.loc["btc", "p"],
                    "nobs": int(r["nobs"].iloc[0]),
                    "r2": float(r["r2"].iloc[0]),
                }
            )
    return pd.DataFrame(rows).set_index(["market", "regime"])


def selloff_timing(start: str = "2025-11-19 21:00", end: str = "2025-11-20 21:00") -> pd.DataFrame:
    """Peak and the following trough of BTC (Binance spot), NQ and ES futures (15-minute bars) between
    two NY closes (UTC), the 20 Nov 2025 session by default."""
    rows = {}
    for name, ds in (
        ("BTC (Binance spot)", "btc_spot_15m"),
        ("NQ futures", "nq_fut_15m"),
        ("ES futures", "es_fut_15m"),
    ):
        rows[name] = leadlag.peak_trough_times(_load(ds), start, end)
    return pd.DataFrame(rows).T


SPILL_SETS = {
    "registry (D10)": D10_SPILL_VARS,
    "with dollar and 2-year yield": ["btc", "ndx", "gold", "hsi", "dxy", "us2y"],
}


@lru_cache(maxsize=1)
def spillover_panel() -> pd.DataFrame:
    """All spillover variables at the NY close, 2020-2026 (BTC at 16:00 ET, the others as of that close)."""
    cols = sorted({c for v in SPILL_SETS.values() for c in v} - {"btc"})
    return corr.aligned_panel(["btc", *cols], "2020-01-03", PANEL_END)


def spill_grid_table(reps: int = 999, level: float = 0.90, seed: int = 20251121) -> pd.DataFrame:
    """The D10 spillover under each system and lag rule of the grid: lag order, pairwise net BTC->NDX
    and BTC's net spillover, each with its bootstrap interval."""
    rows = []
    for system in SPILL_SYSTEMS:
        for lags in ("bic", 1):
            s = d10_spill(system, lags, reps, level, seed)
            r, bs = s["result"], s["boot"]
            lo, hi = bs.interval("pairwise_net", "btc", "ndx")
            nlo, nhi = bs.interval("net", "btc")
            rows.append(
                {
                    "system": system,
                    "lag rule": "BIC over 0-4" if lags == "bic" else "fixed 1",
                    "lags": s["lags"],
                    "btc_to_ndx": float(r.table.loc["ndx", "btc"]),
                    "ndx_to_btc": float(r.table.loc["btc", "ndx"]),
                    "pairwise_net": float(r.pairwise_net.loc["btc", "ndx"]),
                    "pn_low": lo,
                    "pn_high": hi,
                    "net_btc": float(r.net["btc"]),
                    "net_low": nlo,
                    "net_high": nhi,
                }
            )
    return pd.DataFrame(rows).set_index(["system", "lag rule"])


def spillover_subsamples() -> pd.DataFrame:
    """DY2012 spillovers in each regime for both variable sets (VAR lag by BIC over 0..4, H = 10)."""
    P = spillover_panel()
    rows = []
    for set_name, vars_ in SPILL_SETS.items():
        for name, (a, b) in list(corr.REGIMES.items())[1:]:
            d = P.loc[_ts(a) : _ts(b), vars_]
            lags, _ = leadlag.select_lag_order(d, D10_SPILL_MAXLAGS, "bic", min_lags=0)
            r = sp.spillover(d, lags, D10_HORIZON)
            rows.append(
                {
                    "variables": set_name,
                    "regime": name,
                    "nobs": r.nobs,
                    "lags": lags,
                    "total": r.total,
                    "net_btc": float(r.net["btc"]),
                    "btc_to_ndx": float(r.table.loc["ndx", "btc"]),
                    "ndx_to_btc": float(r.table.loc["btc", "ndx"]),
                }
            )
    return pd.DataFrame(rows).set_index(["variables", "regime"])


def rolling_spillovers(window: int = 200) -> dict[str, pd.DataFrame]:
    """Rolling ``window``-day spillovers (VAR(1), H = 10) for both variable sets, labelled by window end."""
    P = spillover_panel()
    return {k: sp.rolling_spillover(P[v], window, 1, D10_HORIZON) for k, v in SPILL_SETS.items()}


def k1_two_session_returns() -> pd.DataFrame:
    """Two-session returns of the K1 assets: 19 -> 21 Nov 2025 (the registry) beside 10 -> 12 Mar 2020
    (the dash for cash, BTC's crash day). Exchange assets close to close, BTC UTC daily close."""
    out = {}
    for label, (a, b) in {"19-21 Nov 2025": K1_DAYS, "10-12 Mar 2020": ("2020-03-10", "2020-03-12")}.items():
        r = {}
        for k, (ds, col, _) in K1_ASSETS.items():
            s = _close(ds, col)
            r[k] = float(s.loc[: _ts(b)].iloc[-1] / s.loc[: _ts(a)].iloc[-1] - 1)
        bt = _close("btc_spot_1d", "close")
        r["btc"] = float(bt.loc[_ts(b)] / bt.loc[_ts(a)] - 1)
        out[label] = r
    return pd.DataFrame(out)


def naive_utc_corr(window: int = 30) -> pd.Series:
    """The MISALIGNED BTC-NDX rolling correlation, for comparison only: BTC's Binance UTC daily close
    (24:00 UTC, 3-4 hours after the NY close) on each NDX session date, against NDX close-to-close."""
    ndx = _close("ndx_1d", "close")
    btc = _close("btc_spot_1d", "close").reindex(ndx.index)
    df = pd.DataFrame({"btc": btc.pct_change(), "ndx": ndx.pct_change()}).dropna()
    return corr.rolling_corr(df["btc"], df["ndx"], window)
