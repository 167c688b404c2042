"""Evaluators for the claims of the transmission chapter (see mktlib.claims): D10, D11, D12, D13, K1, G5.

Each claim has a pure rule function (``d10_rule`` ...) that maps the measured values to a verdict and a
reason, so the rule can be tested on hand-made inputs, and a ``*_measures`` function that computes
the registry's measures from the data (cached). The chapter notebook calls the same functions.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from mktlib import calendars
from mktlib import correlation as corr
from mktlib import leadlag
from mktlib.claims import Evaluation, evaluator
from mktlib.timeutil import utc

ALPHA = 0.05

# ---------------------------------------------------------------------------------------------
# pre-registered windows (from mktlib/claims_registry.yaml)
# ---------------------------------------------------------------------------------------------
D10_SPILL = ("2025-10-01", "2025-12-31")          # US trading days, daily VAR
D10_SPILL_VARS = ["btc", "ndx", "nvda", "gold", "hsi", "ssec"]
D10_SPILL_MAXLAGS = 4                              # BIC over 1..4 (a spillover table needs >= 1 lag)
D10_HORIZON = 10
D10_OVERNIGHT = ("2025-01-02", "2025-12-30")       # NQ 1h coverage
D10_NQ_BAD_DAYS = ("2025-12-16", "2025-12-17")     # corrupt Dec->Mar roll bars (data caveat)
D10_HAC_LAGS = 5
D10_GRANGER = ("2025-10-19", "2025-12-15")         # NQ 15m coverage (BTC 15m ends 2025-12-03 13:30 UTC)
D10_GRANGER_MAXLAGS = 8
D11_END = "2025-11-21"
D11_WINDOW = 60
D11_ETF_ERA = ("2024-01-01", "2025-09-30")
D11_REGIMES = {"2017-19": ("2017-01-01", "2019-12-31"), "2020-21": ("2020-01-01", "2021-12-31"),
               "etf_era": D11_ETF_ERA}
D11_BOOT = {"reps": 2000, "block_size": 5.0, "seed": 20251121}
D12_WINDOW = ("2025-11-01", "2025-12-31")
D12_REBOUND_DAYS = 10
K1_DAYS = ("2025-11-19", "2025-11-21")
K1_MONTHS = {"nov2025": ("2025-11-01", "2025-11-30"), "mar2020": ("2020-03-01", "2020-03-31")}
G5_SPAN = ("2025-12-31", "2026-01-06")
G5_WINDOW = ("2025-12-29", "2026-01-09")
G5_PRIOR_END = "2025-12-24"
G5_PRIOR_N = 60


_ts = utc  # mktlib.timeutil: naive arguments are read as UTC


def _load(dataset: str) -> pd.DataFrame:
    from mktlib import data
    return data.load(dataset)


# ---------------------------------------------------------------------------------------------
# D10: BTC's drop preceded and transmitted to US stocks
# ---------------------------------------------------------------------------------------------
D10_RULE = (
    "Three pre-registered strands of lead-lag evidence. (1) Spillover: D10.net_spillover_btc > 0 AND "
    "D10.spillover_btc_to_ndx > D10.spillover_ndx_to_btc (BTC a net transmitter overall and to the "
    "Nasdaq-100). (2) Overnight design: D10.weekend_beta_btc_to_ndx > 0 with HAC p < 0.05 (BTC's "
    "off-hours move predicts the next NDX session beyond what NQ futures already did). (3) Intraday "
    "Granger: D10.granger_p_btc_to_ndx < 0.05 AND D10.granger_p_ndx_to_btc >= 0.05 (one-way BTC -> NQ). "
    "Supported if all three strands point from BTC to stocks; partly supported if one or two do; "
    "contradicted if none does.")


def d10_rule(v: dict) -> tuple[str, str]:
    """Verdict and reason for D10 from its measure values (see ``D10_RULE``)."""
    s1 = v["D10.net_spillover_btc"] > 0 and v["D10.spillover_btc_to_ndx"] > v["D10.spillover_ndx_to_btc"]
    s2 = v["D10.weekend_beta_btc_to_ndx"] > 0 and v["D10.weekend_p_btc_to_ndx"] < ALPHA
    s3 = v["D10.granger_p_btc_to_ndx"] < ALPHA and v["D10.granger_p_ndx_to_btc"] >= ALPHA
    n = int(s1) + int(s2) + int(s3)
    verdict = "supported" if n == 3 else "partly supported" if n >= 1 else "contradicted"
    reason = (
        f"{n} of 3 strands point from BTC to stocks. Spillover (Oct-Dec 2025): net BTC "
        f"{v['D10.net_spillover_btc']:+.1f} pp, BTC->NDX {v['D10.spillover_btc_to_ndx']:.1f}% vs NDX->BTC "
        f"{v['D10.spillover_ndx_to_btc']:.1f}% ({'met' if s1 else 'not met'}). Overnight design (2025): "
        f"beta {v['D10.weekend_beta_btc_to_ndx']:+.3f}, HAC p = {v['D10.weekend_p_btc_to_ndx']:.2f} "
        f"({'met' if s2 else 'not met'}). 15-min Granger: BTC->NQ p = {v['D10.granger_p_btc_to_ndx']:.2f}, "
        f"NQ->BTC p = {v['D10.granger_p_ndx_to_btc']:.2f} ({'met' if s3 else 'not met'}).")
    return verdict, reason


@lru_cache(maxsize=1)
def d10_spillover_panel() -> pd.DataFrame:
    """Daily returns at the NY close (BTC at 16:00 ET, others as of that close), Oct-Dec 2025."""
    return corr.aligned_panel(D10_SPILL_VARS, *D10_SPILL)


@lru_cache(maxsize=1)
def d10_spillover() -> corr.SpilloverResult:
    """The D10 spillover model: VAR on :func:`d10_spillover_panel`, lag order by BIC, H = 10."""
    p = d10_spillover_panel()
    lags, _ = leadlag.select_lag_order(p, D10_SPILL_MAXLAGS, "bic")
    return corr.spillover(p, lags, D10_HORIZON)


@lru_cache(maxsize=1)
def d10_overnight_design() -> pd.DataFrame:
    """Off-hours design 2025: Binance BTCUSDT 1h, NQ=F 1h, NDX open/close (see leadlag.off_hours_design)."""
    return leadlag.off_hours_design(_load("btc_spot_1h"), _load("nq_fut_1h"), _load("ndx_1d"), *D10_OVERNIGHT,
                                    exclude_utc_days=D10_NQ_BAD_DAYS)


@lru_cache(maxsize=1)
def d10_intraday_returns() -> pd.DataFrame:
    """15-minute log returns of Binance BTCUSDT (``btc``) and NQ futures (``nq``) on bars where both trade."""
    b = leadlag.bar_log_returns(_load("btc_spot_15m"), "15min", name="btc")
    q = leadlag.bar_log_returns(_load("nq_fut_15m"), "15min", name="nq")
    df = pd.concat([b, q], axis=1, join="inner")
    return df.loc[_ts(D10_GRANGER[0]):_ts(D10_GRANGER[1]) + pd.Timedelta(days=1)]


@lru_cache(maxsize=1)
def d10_granger() -> pd.DataFrame:
    """Granger tests BTC <-> NQ on 15-minute returns (lags in time, BIC over 1..8)."""
    return leadlag.granger_both_ways(d10_intraday_returns(), "btc", "nq", D10_GRANGER_MAXLAGS, "bic", "15min")


def d10_measures() -> dict:
    s = d10_spillover()
    reg = leadlag.off_hours_regression(d10_overnight_design(), hac_lags=D10_HAC_LAGS)
    g = d10_granger()
    return {
        "D10.net_spillover_btc": float(s.net["btc"]),
        "D10.spillover_btc_to_ndx": float(s.table.loc["ndx", "btc"]),
        "D10.spillover_ndx_to_btc": float(s.table.loc["btc", "ndx"]),
        "D10.weekend_beta_btc_to_ndx": float(reg.loc["crypto_off", "coef"]),
        "D10.weekend_p_btc_to_ndx": float(reg.loc["crypto_off", "p"]),
        "D10.granger_p_btc_to_ndx": float(g.loc["btc -> nq", "p"]),
        "D10.granger_p_ndx_to_btc": float(g.loc["nq -> btc", "p"]),
    }


@evaluator("D10", rule=D10_RULE)
def _d10() -> Evaluation:
    v = d10_measures()
    verdict, reason = d10_rule(v)
    g = d10_granger()
    reason += (f" Notes: the Granger sample ends 2025-12-03 13:30 UTC (end of the Binance 15m file), "
               f"{int(g['nobs'].iloc[0])} common 15-min bars, {int(g['lags'].iloc[0])} lag(s); the overnight "
               "span is sampled from 1h bars, so it ends at 09:00 ET, the last full hour before the open.")
    return Evaluation(v, verdict, reason)


# ---------------------------------------------------------------------------------------------
# D11: crypto has become the thermometer of global risk assets
# ---------------------------------------------------------------------------------------------
D11_RULE = (
    "Supported if the 60-day BTC-NDX correlation to 21 Nov 2025 is >= 0.5 AND its rise over the ETF-era "
    "correlation survives the Forbes-Rigobon volatility adjustment (BTC the source; one-sided Fisher-z "
    "p < 0.05 for the adjusted correlation): high co-movement that is new, not a volatility artefact. "
    "Partly supported if the correlation is >= 0.3 but one of those conditions fails (material "
    "co-movement, but not high or not a significant change). Contradicted if it is < 0.3.")


def d11_rule(v: dict) -> tuple[str, str]:
    r = v["D11.corr_btc_ndx_60d_21nov"]
    high = r >= 0.5
    new = v["D11.fr_adjusted_p"] < ALPHA
    verdict = "supported" if high and new else "partly supported" if r >= 0.3 else "contradicted"
    reason = (
        f"60-day BTC-NDX correlation to 21 Nov 2025 {r:.2f} ({'>=' if high else '<'} 0.5); regime means of "
        f"the 60-day correlation: 2018-19 {v['D11.corr_btc_ndx_60d_2017_19']:.2f}, 2020-21 "
        f"{v['D11.corr_btc_ndx_60d_2020_21']:.2f}, ETF era {v['D11.corr_btc_ndx_60d_etf_era']:.2f}. Against the "
        f"full ETF-era correlation the raw rise has Fisher-z p = {v['D11.fisher_z_p']:.3f}; Forbes-Rigobon "
        f"adjusted (BTC source) {v['D11.fr_adjusted_corr']:.2f}, p = {v['D11.fr_adjusted_p']:.3f} "
        f"({'significant' if new else 'not significant'} at 5%).")
    return verdict, reason


@lru_cache(maxsize=1)
def btc_ndx_panel() -> pd.DataFrame:
    """BTC (at the NY close) and NDX daily returns, 2018-01-03 to 2026-01-30 (NDX data start 2018-01-02)."""
    return corr.aligned_panel(["btc", "ndx"], "2018-01-03", "2026-01-30")


def d11_windows(end=D11_END) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(episode window: 60 NY sessions ending ``end`` (21 Nov 2025), ETF-era sample 2024-01-01..2025-09-30)."""
    p = btc_ndx_panel()
    crisis = p.loc[:_ts(end)].iloc[-D11_WINDOW:]
    calm = p.loc[_ts(D11_ETF_ERA[0]):_ts(D11_ETF_ERA[1])]
    return crisis, calm


def d11_measures(end=D11_END) -> dict:
    p = btc_ndx_panel()
    roll = corr.rolling_corr(p["btc"], p["ndx"], D11_WINDOW)
    crisis, calm = d11_windows(end)
    fr = corr.forbes_rigobon_test(crisis, calm, source="btc", other="ndx")
    means = {k: float(roll.loc[_ts(a):_ts(b)].mean()) for k, (a, b) in D11_REGIMES.items()}
    return {
        "D11.corr_btc_ndx_60d_21nov": float(roll.loc[:_ts(end)].iloc[-1]),
        "D11.corr_btc_ndx_60d_2017_19": means["2017-19"],
        "D11.corr_btc_ndx_60d_2020_21": means["2020-21"],
        "D11.corr_btc_ndx_60d_etf_era": means["etf_era"],
        "D11.fisher_z_p": fr.p_raw,
        "D11.fr_adjusted_corr": fr.rho_adjusted,
        "D11.fr_adjusted_p": fr.p_adjusted,
    }


def d11_bootstrap() -> dict:
    """Stationary-bootstrap CIs of the raw and the FR-adjusted differences (episode window - ETF era)."""
    crisis, calm = d11_windows()
    return {"raw": corr.bootstrap_corr_diff(crisis, calm, "btc", "ndx", **D11_BOOT),
            "fr": corr.bootstrap_corr_diff(crisis, calm, "btc", "ndx", fr_source="btc", **D11_BOOT)}


@evaluator("D11", rule=D11_RULE)
def _d11() -> Evaluation:
    v = d11_measures()
    verdict, reason = d11_rule(v)
    b = d11_bootstrap()
    reason += (f" Stationary-bootstrap 95% CI of the difference from the ETF era: raw "
               f"[{b['raw']['low']:+.2f}, {b['raw']['high']:+.2f}], FR-adjusted [{b['fr']['low']:+.2f}, "
               f"{b['fr']['high']:+.2f}]. The 2017-19 mean covers windows ending Mar 2018-Dec 2019 "
               "(NDX data start 2018-01-02).")
    p = btc_ndx_panel()
    roll = corr.rolling_corr(p["btc"], p["ndx"], D11_WINDOW).loc[:_ts(D11_END)]
    peak = roll.idxmax()
    if peak < _ts(D11_END) - pd.Timedelta(days=90):
        reason += (f" The level is not new: the 60-day correlation peaked at {roll.max():.2f} on {peak.date()}, "
                   f"so 'for the first time' is not borne out; the verdict rests on the level and the change "
                   "from the ETF era.")
    return Evaluation(v, verdict, reason)


# ---------------------------------------------------------------------------------------------
# D12: crypto fell first and rebounds first
# ---------------------------------------------------------------------------------------------
D12_RULE = (
    "Timing: BTC's trough date (lowest daily close, 1 Nov-31 Dec 2025) is strictly earlier than the "
    "troughs of NDX, Hang Seng and gold. Size: BTC's 10-calendar-day rebound from its trough exceeds "
    "each of theirs. Supported if both hold; partly supported if one holds; contradicted if neither.")

D12_ASSETS = {"btc": None, "ndx": ("ndx_1d", "close"), "hsi": ("hsi_1d", "close"), "gold": ("gold_lbma_pm", "close")}


def d12_rule(v: dict) -> tuple[str, str]:
    others = ["ndx", "hsi", "gold"]
    tb = pd.Timestamp(v["D12.trough_date_btc"])
    first = all(tb < pd.Timestamp(v[f"D12.trough_date_{a}"]) for a in others)
    bigger = all(v["D12.rebound_10d_btc"] > v[f"D12.rebound_10d_{a}"] for a in others)
    n = int(first) + int(bigger)
    verdict = {2: "supported", 1: "partly supported", 0: "contradicted"}[n]
    dates = ", ".join(f"{a.upper()} {pd.Timestamp(v[f'D12.trough_date_{a}']).date()}" for a in ["btc"] + others)
    rebs = ", ".join(f"{a.upper()} {v[f'D12.rebound_10d_{a}']:+.1%}" for a in ["btc"] + others)
    reason = (f"Troughs: {dates} (BTC {'first' if first else 'not strictly first'}). 10-day rebounds: {rebs} "
              f"(BTC {'largest' if bigger else 'not the largest'}).")
    return verdict, reason


def d12_closes() -> dict[str, pd.Series]:
    """Daily closes: BTC (Binance, UTC day) and the official closes / fixes of NDX, HSI, gold."""
    out = {"btc": _load("btc_spot_1d")["close"]}
    for k, spec in D12_ASSETS.items():
        if spec is not None:
            out[k] = _load(spec[0])[spec[1]]
    return out


def d12_measures(window=D12_WINDOW, days: int = D12_REBOUND_DAYS) -> dict:
    v: dict = {}
    for k, s in d12_closes().items():
        w = s.loc[_ts(window[0]):_ts(window[1])]
        t = w.idxmin()
        after = s.loc[:t + pd.Timedelta(days=days)]
        if after.index[-1] < t + pd.Timedelta(days=days) - pd.Timedelta(days=5):
            raise ValueError(f"D12: {k} has no close within 5 days before trough + {days} days")
        v[f"D12.trough_date_{k}"] = t.date()
        v[f"D12.rebound_10d_{k}"] = float(after.iloc[-1] / s.loc[t] - 1)
    order = ["btc", "ndx", "hsi", "gold"]
    return {f"D12.trough_date_{k}": v[f"D12.trough_date_{k}"] for k in order} | \
           {f"D12.rebound_10d_{k}": v[f"D12.rebound_10d_{k}"] for k in order}


@evaluator("D12", rule=D12_RULE)
def _d12() -> Evaluation:
    v = d12_measures()
    verdict, reason = d12_rule(v)
    return Evaluation(v, verdict, reason)


# ---------------------------------------------------------------------------------------------
# D13: S&P 500 top-of-book liquidity dried up (not testable)
# ---------------------------------------------------------------------------------------------
@evaluator("D13", rule="Not testable with the snapshot: top-of-book depth needs order-book (quote) data.")
def _d13() -> Evaluation:
    return Evaluation({"D13.not_testable": None}, "not testable",
                      "Top-of-book depth in S&P 500 (E-mini) futures needs order-book or quote data; the snapshot "
                      "holds only OHLCV bars for ES/NQ futures (15m, 2025-10-19 to 2025-12-15) and SPY (2m/5m), "
                      "with no bid/ask sizes or depth.")


# ---------------------------------------------------------------------------------------------
# K1: everything fell together, like March 2020
# ---------------------------------------------------------------------------------------------
K1_RULE = (
    "A: at least 5 of the 6 assets (S&P 500, NDX, gold, Shanghai, Hang Seng, BTC) fell over 20-21 Nov 2025 "
    "(share >= 5/6). B: the Nov-2025 average pairwise correlation of daily returns is at least 80% of "
    "March 2020's (a comparable co-movement regime). Supported if A and B; contradicted if fewer than "
    "4 of 6 fell (share < 2/3) and B fails; partly supported otherwise.")

K1_ASSETS = {"spx": ("spx_1d", "close", "NY"), "ndx": ("ndx_1d", "close", "NY"),
             "gold": ("gold_lbma_pm", "close", "LBMA"), "ssec": ("ssec_1d", "close", "SH"),
             "hsi": ("hsi_1d", "close", "HK")}
K1_CORR_ASSETS = ["spx", "gold", "ssec", "hsi", "btc"]


def k1_rule(v: dict) -> tuple[str, str]:
    share = v["K1.share_assets_down_20_21nov"]
    a = share >= 5 / 6 - 1e-9
    ratio = v["K1.avg_pairwise_corr_nov2025"] / v["K1.avg_pairwise_corr_mar2020"]
    b = ratio >= 0.8
    if a and b:
        verdict = "supported"
    elif share < 2 / 3 - 1e-9 and not b:
        verdict = "contradicted"
    else:
        verdict = "partly supported"
    rets = ", ".join(f"{k.split('.')[1].split('_')[0].upper()} {v[k]:+.1%}" for k in v if k.endswith("_20_21nov")
                     and "share" not in k)
    reason = (f"19->21 Nov returns: {rets}; {share:.0%} of the six fell ({'A met' if a else 'A not met'}). "
              f"Average pairwise correlation Nov 2025 {v['K1.avg_pairwise_corr_nov2025']:.2f} vs March 2020 "
              f"{v['K1.avg_pairwise_corr_mar2020']:.2f} (ratio {ratio:.2f}; {'B met' if b else 'B not met'}).")
    return verdict, reason


def k1_daily_returns(btc_at: str | None = None) -> pd.DataFrame:
    """Daily simple returns of the K1 assets, each on its own sessions (close-to-previous-close), on
    the dates where every exchange traded. BTC: UTC daily close (``btc_at=None``, the registry's
    definition) or sampled at a market's close (e.g. ``"NY"``) for robustness."""
    rets = {}
    for k, (ds, col, mkt) in K1_ASSETS.items():
        s = _load(ds)[col]
        rets[k] = s.pct_change()
    if btc_at is None:
        rets["btc"] = _load("btc_spot_1d")["close"].pct_change()
    else:
        b = corr.btc_at_closes(btc_at, "2019-12-01", "2026-01-31")
        rets["btc"] = b["ret"]
    df = pd.DataFrame(rets)
    common = df[list(K1_ASSETS)].notna().all(axis=1) & df["btc"].notna()
    return df.loc[common, K1_CORR_ASSETS]


def k1_avg_corr(month: tuple[str, str], two_day: bool = False, btc_at: str | None = None) -> float:
    r = k1_daily_returns(btc_at)
    if two_day:
        r = r.rolling(2).mean().dropna()
    return corr.average_pairwise_corr(r.loc[_ts(month[0]):_ts(month[1])])


def k1_measures() -> dict:
    v = {}
    for k, (ds, col, _) in K1_ASSETS.items():
        s = _load(ds)[col]
        v[f"K1.{k}_return_20_21nov"] = float(s.loc[_ts(K1_DAYS[1])] / s.loc[_ts(K1_DAYS[0])] - 1)
    b = _load("btc_spot_1d")["close"]
    v["K1.btc_return_20_21nov"] = float(b.loc[_ts(K1_DAYS[1])] / b.loc[_ts(K1_DAYS[0])] - 1)
    rets = [v[f"K1.{k}_return_20_21nov"] for k in ["spx", "ndx", "gold", "ssec", "hsi", "btc"]]
    order = ["spx", "ndx", "gold", "ssec", "hsi", "btc"]
    out = {f"K1.{k}_return_20_21nov": v[f"K1.{k}_return_20_21nov"] for k in order}
    out["K1.share_assets_down_20_21nov"] = float(np.mean([r < 0 for r in rets]))
    out["K1.avg_pairwise_corr_nov2025"] = k1_avg_corr(K1_MONTHS["nov2025"])
    out["K1.avg_pairwise_corr_mar2020"] = k1_avg_corr(K1_MONTHS["mar2020"])
    return out


@evaluator("K1", rule=K1_RULE)
def _k1() -> Evaluation:
    v = k1_measures()
    verdict, reason = k1_rule(v)
    r2n, r2m = k1_avg_corr(K1_MONTHS["nov2025"], True), k1_avg_corr(K1_MONTHS["mar2020"], True)
    reason += (f" Robustness with two-day average returns (non-synchronous closes): {r2n:.2f} vs {r2m:.2f}. "
               "BTC enters at its UTC close as the registry defines it.")
    return Evaluation(v, verdict, reason)


# ---------------------------------------------------------------------------------------------
# G5: Venezuela turmoil revived BTC as a hedge
# ---------------------------------------------------------------------------------------------
G5_RULE = (
    "Over 31 Dec 2025 -> 6 Jan 2026: (a) BTC rose; (b) BTC beat the Nasdaq-100; (c) over 29 Dec-9 Jan BTC "
    "co-moved more with gold than with NDX (corr with gold > corr with NDX) and more with gold than in "
    "its prior 60 days. Supported if (a), (b) and (c); partly supported if (a) and one of (b), (c); "
    "contradicted otherwise. The correlations use about 8 daily returns: descriptive only.")


def g5_rule(v: dict) -> tuple[str, str]:
    a = v["G5.btc_return_2_6jan"] > 0
    b = v["G5.btc_return_2_6jan"] > v["G5.ndx_return_2_6jan"]
    c = (v["G5.corr_btc_gold_2_6jan"] > v["G5.corr_btc_ndx_2_6jan"]
         and v["G5.corr_btc_gold_2_6jan"] > v["G5.corr_btc_gold_prior_60d"])
    if a and b and c:
        verdict = "supported"
    elif a and (b or c):
        verdict = "partly supported"
    else:
        verdict = "contradicted"
    reason = (f"31 Dec -> 6 Jan: BTC {v['G5.btc_return_2_6jan']:+.1%}, NDX {v['G5.ndx_return_2_6jan']:+.1%}, gold "
              f"{v['G5.gold_return_2_6jan']:+.1%} ((a) {'met' if a else 'not met'}, (b) {'met' if b else 'not met'}). "
              f"29 Dec-9 Jan correlations: BTC-gold {v['G5.corr_btc_gold_2_6jan']:+.2f} (prior 60 days "
              f"{v['G5.corr_btc_gold_prior_60d']:+.2f}), BTC-NDX {v['G5.corr_btc_ndx_2_6jan']:+.2f} (prior "
              f"{v['G5.corr_btc_ndx_prior_60d']:+.2f}) ((c) {'met' if c else 'not met'}).")
    return verdict, reason


def btc_at_gold_fixes() -> pd.DataFrame:
    """Gold LBMA PM fix returns and BTC sampled at each fix (15:00 London) on the fix dates themselves
    (London has no PM fix on some half days, so the calendar is the fix file's). Columns ``gold``, ``btc``."""
    g = _load("gold_lbma_pm")["close"]
    bars = _load("btc_spot_1h")
    g = g.loc[_ts("2024-04-05"):bars.index[-1].normalize() - pd.Timedelta(days=1)]
    t = corr.close_instants(g.index, "LBMA")
    p = calendars.price_at(bars, t, bar_length="1h", max_staleness="1h")
    df = pd.DataFrame({"gold": g.to_numpy(), "btc": p["price"].to_numpy()}, index=g.index)
    return df.pct_change().dropna()


def g5_measures(span=G5_SPAN, window=G5_WINDOW) -> dict:
    """G5 measures; ``span`` (return dates) and ``window`` (correlation dates) as in the registry by default."""
    ny = corr.btc_at_closes("NY", "2025-12-01", "2026-01-31")["price"]
    ndx = _load("ndx_1d")["close"]
    gold = _load("gold_lbma_pm")["close"]
    a, b = _ts(span[0]), _ts(span[1])
    fx = btc_at_gold_fixes()
    w = fx.loc[_ts(window[0]):_ts(window[1])]
    prior = fx.loc[:_ts(G5_PRIOR_END)].iloc[-G5_PRIOR_N:]
    p = corr.aligned_panel(["btc", "ndx"], "2025-08-01", "2026-01-30")
    wn = p.loc[_ts(window[0]):_ts(window[1])]
    pn = p.loc[:_ts(G5_PRIOR_END)].iloc[-G5_PRIOR_N:]
    return {
        "G5.btc_return_2_6jan": float(ny.loc[:b].iloc[-1] / ny.loc[:a].iloc[-1] - 1),
        "G5.ndx_return_2_6jan": float(ndx.loc[:b].iloc[-1] / ndx.loc[:a].iloc[-1] - 1),
        "G5.gold_return_2_6jan": float(gold.loc[b] / gold.loc[:a].iloc[-1] - 1),
        "G5.corr_btc_gold_2_6jan": float(w.corr().loc["btc", "gold"]),
        "G5.corr_btc_gold_prior_60d": float(prior.corr().loc["btc", "gold"]),
        "G5.corr_btc_ndx_2_6jan": float(wn.corr().loc["btc", "ndx"]),
        "G5.corr_btc_ndx_prior_60d": float(pn.corr().loc["btc", "ndx"]),
    }


@evaluator("G5", rule=G5_RULE)
def _g5() -> Evaluation:
    v = g5_measures()
    verdict, reason = g5_rule(v)
    fx = btc_at_gold_fixes().loc[_ts(G5_WINDOW[0]):_ts(G5_WINDOW[1])]
    lo, hi = corr.fisher_ci(v["G5.corr_btc_gold_2_6jan"], len(fx))
    reason += (f" Only {len(fx)} common gold-fix days in 29 Dec-9 Jan: the 95% interval of the BTC-gold "
               f"correlation is [{lo:+.2f}, {hi:+.2f}], so (c) is weak evidence; the verdict says BTC behaved "
               "like a hedge in those days, not that Venezuela caused it.")
    return Evaluation(v, verdict, reason)


# ---------------------------------------------------------------------------------------------
# robustness of the verdicts to the windows (+/- 2 days), for the chapter
# ---------------------------------------------------------------------------------------------

def d11_robustness(shifts=range(-2, 3)) -> pd.DataFrame:
    """D11 with the 60-day window ending ``k`` NY sessions before/after 21 Nov 2025."""
    idx = btc_ndx_panel().index
    pos = int(idx.get_loc(_ts(D11_END)))
    rows = []
    for k in shifts:
        end = idx[pos + k]
        v = d11_measures(end)
        rows.append({"window_end": end.date(), "corr_60d": v["D11.corr_btc_ndx_60d_21nov"],
                     "fr_adjusted": v["D11.fr_adjusted_corr"], "fr_p": v["D11.fr_adjusted_p"],
                     "verdict": d11_rule(v)[0]})
    return pd.DataFrame(rows).set_index("window_end")


def d12_robustness(days=(8, 9, 10, 11, 12), end_shifts=(-2, 0, 2)) -> pd.DataFrame:
    """D12 with the rebound horizon and the trough window's end moved by a few days."""
    rows = []
    for k in end_shifts:
        end = (pd.Timestamp(D12_WINDOW[1]) + pd.Timedelta(days=k)).date().isoformat()
        for d in days:
            v = d12_measures((D12_WINDOW[0], end), d)
            rows.append({"window_end": end, "days": d, "btc_trough": v["D12.trough_date_btc"],
                         "rebound_btc": v["D12.rebound_10d_btc"],
                         "best_other": max(v[f"D12.rebound_10d_{a}"] for a in ("ndx", "hsi", "gold")),
                         "verdict": d12_rule(v)[0]})
    return pd.DataFrame(rows)


def g5_robustness() -> pd.DataFrame:
    """G5 with the return span's start/end and the correlation window moved by up to 2 days."""
    rows = []
    for s0 in ("2025-12-29", "2025-12-31", "2026-01-02"):
        for s1 in ("2026-01-05", "2026-01-06", "2026-01-08"):
            for w in (("2025-12-29", "2026-01-09"), ("2025-12-31", "2026-01-07"), ("2025-12-26", "2026-01-12")):
                v = g5_measures((s0, s1), w)
                rows.append({"span": f"{s0[5:]} -> {s1[5:]}", "corr_window": f"{w[0][5:]} .. {w[1][5:]}",
                             "btc": v["G5.btc_return_2_6jan"], "ndx": v["G5.ndx_return_2_6jan"],
                             "corr_gold": v["G5.corr_btc_gold_2_6jan"], "corr_ndx": v["G5.corr_btc_ndx_2_6jan"],
                             "verdict": g5_rule(v)[0]})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# chapter helpers (the notebook shows these; each is a thin composition of mktlib functions)
# ---------------------------------------------------------------------------------------------

#: each comparison series with the reference market whose close it is measured at
ASSET_MARKET = {"ndx": "NY", "spx": "NY", "nvda": "NY", "dxy": "NY", "us2y": "NY", "gold": "LBMA",
                "hsi": "HK", "ssec": "SH"}
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


def regime_changes(seed: int = D11_BOOT["seed"]) -> pd.DataFrame:
    """BTC-NDX correlation change between consecutive regimes and for the D11 episode window, each with
    Fisher-z, the stationary-bootstrap CI and the Forbes-Rigobon adjustment (BTC as the source; the
    NDX-as-source variant for the D11 window)."""
    p = btc_ndx_panel()

    def w(name):
        a, b = corr.REGIMES[name]
        return p.loc[_ts(a):_ts(b)]

    crisis, calm = d11_windows()
    cases = [("2020-21 vs 2018-19", w("2020-21"), w("2017-19"), "btc"),
             ("2022-23 vs 2020-21", w("2022-23"), w("2020-21"), "btc"),
             ("ETF era vs 2022-23", w("ETF era"), w("2022-23"), "btc"),
             ("60 days to 21 Nov 2025 vs ETF era", crisis, calm, "btc"),
             ("60 days to 21 Nov 2025 vs ETF era (NDX as source)", crisis, calm, "ndx")]
    rows = []
    for name, s1, s2, src in cases:
        other = "ndx" if src == "btc" else "btc"
        rows.append({"comparison": name, **corr.correlation_change(s1, s2, src, other, seed=seed)})
    return pd.DataFrame(rows).set_index("comparison")


def chow_dates() -> dict[str, tuple[str, str, str]]:
    """Known dates tested with the Chow test (fixed from external events, not from the data), each on
    the two adjacent regimes around it: event -> (date, sample start, sample end)."""
    return {"WHO pandemic declaration": ("2020-03-11", "2018-01-03", "2021-12-31"),
            "US spot-ETF launch": ("2024-01-11", "2022-01-01", "2025-09-30"),
            "BTC record high (episode start)": ("2025-10-06", "2024-01-01", PANEL_END)}


def break_analysis() -> dict:
    """Chow tests at :func:`chow_dates` and unknown breaks (BIC) in BTC-on-NDX, on volatility-standardised
    returns (EWMA half-life 30 days, lagged) and, for the Chow tests, on raw returns too."""
    p = btc_ndx_panel()
    z = corr.vol_standardize(p, halflife=30)
    chow = []
    for name, (d, a, b) in chow_dates().items():
        for label, data in (("raw", p), ("vol-standardised", z)):
            w = data.loc[_ts(a):_ts(b)]
            r = corr.chow_test(w["btc"], w["ndx"], d)
            chow.append({"date": d, "event": name, "sample": f"{a[:7]} to {b[:7]}", "returns": label,
                         "F": r.f, "p": r.p, "n_before": r.n_before, "n_after": r.n_after,
                         "beta_before": r.beta_before, "beta_after": r.beta_after})
    br = corr.regression_breaks(z["btc"], z["ndx"], max_breaks=5, min_size=120, jump=10)
    edges = [p.index[0]] + list(br.dates) + [p.index[-1] + pd.Timedelta(days=1)]
    seg = {f"{a.date()} to {(b - pd.Timedelta(days=1)).date()}": (str(a.date()), str((b - pd.Timedelta(days=1)).date()))
           for a, b in zip(edges[:-1], edges[1:])}
    raw_seg = corr.regime_table(p, "btc", "ndx", seg)
    return {"chow": pd.DataFrame(chow), "breaks": br, "raw_segments": raw_seg}


def overnight_table() -> pd.DataFrame:
    """Overnight/weekend regressions of the NDX session (open -> close) on BTC's off-hours return."""
    d = d10_overnight_design()
    d = d.assign(btc_down=d["crypto_off"].clip(upper=0), btc_up=d["crypto_off"].clip(lower=0))
    d15 = leadlag.off_hours_design(_load("btc_spot_15m"), _load("nq_fut_15m"), _load("ndx_1d"), "2025-10-21",
                                   "2025-12-02", crypto_bar="15min", futures_bar="15min", max_staleness="15min")
    specs = [("BTC only, 2025", d, ("crypto_off",), "crypto_off"),
             ("BTC + NQ overnight, 2025 (D10 measure)", d, ("crypto_off", "futures_off"), "crypto_off"),
             ("BTC down-moves + NQ, 2025", d, ("btc_down", "btc_up", "futures_off"), "btc_down"),
             ("BTC up-moves + NQ, 2025", d, ("btc_down", "btc_up", "futures_off"), "btc_up"),
             ("Weekends/holidays only, BTC + NQ", d[d["weekend"]], ("crypto_off", "futures_off"), "crypto_off"),
             ("Episode Oct-Dec 2025, BTC + NQ", d.loc[_ts("2025-10-01"):], ("crypto_off", "futures_off"), "crypto_off"),
             ("15-min bars, exact 09:30 ET, 21 Oct-2 Dec 2025", d15, ("crypto_off", "futures_off"), "crypto_off")]
    rows = []
    for name, data, x, key in specs:
        r = leadlag.off_hours_regression(data, x=x, hac_lags=D10_HAC_LAGS)
        rows.append({"specification": name, "coef_btc": r.loc[key, "coef"], "p_btc": r.loc[key, "p"],
                     "coef_nq": r.loc["futures_off", "coef"] if "futures_off" in x else np.nan,
                     "nobs": int(r["nobs"].iloc[0]), "r2": float(r["r2"].iloc[0])})
    return pd.DataFrame(rows).set_index("specification")


def intraday_granger_table() -> pd.DataFrame:
    """15-minute Granger tests: the D10 sample, robust (HC1) errors, sub-periods, ES instead of NQ, and
    the Binance USDT-M mark price (5m -> 15m) over the whole NQ coverage to 15 Dec."""
    base = d10_intraday_returns()
    es = leadlag.bar_log_returns(_load("es_fut_15m"), "15min", name="nq")
    m = _load("btc_mark_usdm_5m")["close"]
    n_in = m.resample("15min").count()
    m15 = m.resample("15min").last().to_frame("close")[n_in == 3]
    mark = pd.concat([leadlag.bar_log_returns(m15, "15min", name="btc"),
                      leadlag.bar_log_returns(_load("nq_fut_15m"), "15min", name="nq")], axis=1, join="inner")
    cases = [("Binance spot vs NQ, 19 Oct-3 Dec (D10)", base, "nonrobust"),
             ("same, HC1 robust errors", base, "HC1"),
             ("19 Oct-9 Nov", base.loc[:_ts("2025-11-09 23:59")], "nonrobust"),
             ("10-30 Nov", base.loc[_ts("2025-11-10"):_ts("2025-11-30 23:59")], "nonrobust"),
             ("Binance spot vs ES", pd.concat([base["btc"], es], axis=1, join="inner"), "nonrobust"),
             ("Binance mark price vs NQ, 19 Oct-15 Dec", mark, "nonrobust")]
    rows = []
    for name, df, cov in cases:
        g = leadlag.granger_both_ways(df, "btc", "nq", D10_GRANGER_MAXLAGS, "bic", "15min", cov)
        rows.append({"sample": name, "lags": int(g["lags"].iloc[0]), "nobs": int(g["nobs"].iloc[0]),
                     "p_btc_to_stocks": g.loc["btc -> nq", "p"], "p_stocks_to_btc": g.loc["nq -> btc", "p"]})
    return pd.DataFrame(rows).set_index("sample")


def daily_granger_table() -> pd.DataFrame:
    """Daily Granger tests BTC <-> NDX (NY-close panel) per regime, lag order by BIC (1..5)."""
    p = btc_ndx_panel()
    rows = []
    for name, (a, b) in corr.REGIMES.items():
        g = leadlag.granger_both_ways(p.loc[_ts(a):_ts(b)], "btc", "ndx", 5, "bic")
        rows.append({"regime": name, "lags": int(g["lags"].iloc[0]), "nobs": int(g["nobs"].iloc[0]),
                     "p_btc_to_ndx": g.loc["btc -> ndx", "p"], "p_ndx_to_btc": g.loc["ndx -> btc", "p"]})
    return pd.DataFrame(rows).set_index("regime")


def asia_table() -> pd.DataFrame:
    """Hang Seng and Shanghai session returns on the previous US session (NDX as of the Asian close) and
    BTC sampled at the Asian close (HAC errors), ETF era and episode."""
    rows = []
    for mkt, col in (("HK", "hsi"), ("SH", "ssec")):
        p = market_panels()[mkt]
        for name in ("ETF era", "episode"):
            a, b = corr.REGIMES[name]
            r = leadlag.off_hours_regression(p.loc[_ts(a):_ts(b)], y=col, x=("ndx", "btc"), hac_lags=D10_HAC_LAGS)
            rows.append({"market": col.upper(), "regime": name, "coef_ndx_prev": r.loc["ndx", "coef"],
                         "p_ndx_prev": r.loc["ndx", "p"], "coef_btc": r.loc["btc", "coef"], "p_btc": r.loc["btc", "p"],
                         "nobs": int(r["nobs"].iloc[0]), "r2": float(r["r2"].iloc[0])})
    return pd.DataFrame(rows).set_index(["market", "regime"])


def selloff_timing(start: str = "2025-11-19 21:00", end: str = "2025-11-20 21:00") -> pd.DataFrame:
    """Peak and the following trough of BTC (Binance spot), NQ and ES futures (15-minute bars) between
    two NY closes (UTC), the 20 Nov 2025 session by default."""
    rows = {}
    for name, ds in (("BTC (Binance spot)", "btc_spot_15m"), ("NQ futures", "nq_fut_15m"), ("ES futures", "es_fut_15m")):
        rows[name] = leadlag.peak_trough_times(_load(ds), start, end)
    return pd.DataFrame(rows).T


SPILL_SETS = {"registry (D10)": D10_SPILL_VARS, "with dollar and 2-year yield": ["btc", "ndx", "gold", "hsi", "dxy", "us2y"]}


@lru_cache(maxsize=1)
def spillover_panel() -> pd.DataFrame:
    """All spillover variables at the NY close, 2020-2026 (BTC at 16:00 ET, the others as of that close)."""
    cols = sorted({c for v in SPILL_SETS.values() for c in v} - {"btc"})
    return corr.aligned_panel(["btc", *cols], "2020-01-03", PANEL_END)


def spillover_subsamples() -> pd.DataFrame:
    """DY2012 spillovers in each regime for both variable sets (VAR lag by BIC over 1..4, H = 10)."""
    P = spillover_panel()
    rows = []
    for set_name, vars_ in SPILL_SETS.items():
        for name, (a, b) in list(corr.REGIMES.items())[1:]:
            d = P.loc[_ts(a):_ts(b), vars_]
            lags, _ = leadlag.select_lag_order(d, D10_SPILL_MAXLAGS, "bic")
            r = corr.spillover(d, lags, D10_HORIZON)
            rows.append({"variables": set_name, "regime": name, "nobs": r.nobs, "lags": lags, "total": r.total,
                         "net_btc": float(r.net["btc"]), "btc_to_ndx": float(r.table.loc["ndx", "btc"]),
                         "ndx_to_btc": float(r.table.loc["btc", "ndx"])})
    return pd.DataFrame(rows).set_index(["variables", "regime"])


def rolling_spillovers(window: int = 200) -> dict[str, pd.DataFrame]:
    """Rolling ``window``-day spillovers (VAR(1), H = 10) for both variable sets, labelled by window end."""
    P = spillover_panel()
    return {k: corr.rolling_spillover(P[v], window, 1, D10_HORIZON) for k, v in SPILL_SETS.items()}


RISK_FACTOR_COLS = ["ndx", "spx", "eem", "hyg", "vix"]


@lru_cache(maxsize=1)
def risk_factor() -> tuple[pd.DataFrame, corr.PCAResult]:
    """PC1 of NDX, S&P 500, EEM (emerging-market equities), HYG (high yield) and VIX changes at the NY
    close, 2018-2026, and the panel (with BTC)."""
    P = corr.aligned_panel(["btc", *RISK_FACTOR_COLS], "2018-01-03", PANEL_END)
    return P, corr.first_principal_component(P[RISK_FACTOR_COLS], sign_ref="spx")


def k1_two_session_returns() -> pd.DataFrame:
    """Two-session returns of the K1 assets: 19 -> 21 Nov 2025 (the registry) beside 10 -> 12 Mar 2020
    (the dash for cash, BTC's crash day). Exchange assets close to close, BTC UTC daily close."""
    out = {}
    for label, (a, b) in {"19-21 Nov 2025": K1_DAYS, "10-12 Mar 2020": ("2020-03-10", "2020-03-12")}.items():
        r = {}
        for k, (ds, col, _) in K1_ASSETS.items():
            s = _load(ds)[col]
            r[k] = float(s.loc[:_ts(b)].iloc[-1] / s.loc[:_ts(a)].iloc[-1] - 1)
        bt = _load("btc_spot_1d")["close"]
        r["btc"] = float(bt.loc[_ts(b)] / bt.loc[_ts(a)] - 1)
        out[label] = r
    return pd.DataFrame(out)


def naive_utc_corr(window: int = 30) -> pd.Series:
    """The MISALIGNED BTC-NDX rolling correlation, for comparison only: BTC's Binance UTC daily close
    (24:00 UTC, 3-4 hours after the NY close) on each NDX session date, against NDX close-to-close."""
    ndx = _load("ndx_1d")["close"]
    btc = _load("btc_spot_1d")["close"].reindex(ndx.index)
    df = pd.DataFrame({"btc": btc.pct_change(), "ndx": ndx.pct_change()}).dropna()
    return corr.rolling_corr(df["btc"], df["ndx"], window)
