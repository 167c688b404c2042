"""Evaluators for the claims of the macro chapter (see mktlib.claims): rate cuts and the AI trade.

Claims D1, D2, D3, D7, D8, D9, K2, A2, A5, A6. The analytics live in :mod:`mktlib.rates` and
:mod:`mktlib.breadth`; this module picks the registered numbers and applies the rules.

One tolerance for every reported percentage or probability, fixed before the results were computed:
a figure is *consistent* with the claim when ``|measured - claimed| <= max(0.003, 0.10 * |claimed|)``
(0.3 percentage points, or 10% of the claimed figure when that is larger), see :func:`consistent`.
Index or price *levels* quoted as "around X" are consistent within 5% of X. Claims of a direction
("closed negative", "below 3,900") are checked as stated.

The decision functions (``decide_*``) take plain numbers, so the tests can check the rules on
hand-made inputs; the evaluators feed them the measured values.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from mktlib.claims import Evaluation, evaluator

ABS_TOL = 0.003   # 0.3 percentage points
REL_TOL = 0.10    # 10% of the claimed figure
LEVEL_TOL = 0.05  # "around X": within 5% of X


def tolerance(claimed: float) -> float:
    """The allowed gap for a claimed fraction: max(0.3 pp, 10% of it).

    >>> tolerance(-0.024), round(tolerance(0.937), 4)
    (0.003, 0.0937)
    """
    return max(ABS_TOL, REL_TOL * abs(claimed))


def consistent(measured: float | None, claimed: float) -> bool:
    """Is a measured fraction within :func:`tolerance` of the claimed one?

    >>> consistent(-0.0238, -0.024), consistent(-0.0245, -0.02), consistent(None, 0.1)
    (True, False, False)
    """
    if measured is None or measured != measured:
        return False
    return abs(measured - claimed) <= tolerance(claimed) + 1e-12


def _pct(x: float) -> str:
    return f"{x:+.2%}"


def _d(ts) -> str:
    return pd.Timestamp(ts).date().isoformat()


# ------------------------------------------------------------------ shared data (loaded once)

@lru_cache(maxsize=None)
def _daily(dataset: str) -> pd.DataFrame:
    from mktlib import data
    return data.load(dataset)


def _close_return(dataset: str, day: str) -> tuple[float, pd.Timestamp]:
    c = _daily(dataset)["close"]
    d = pd.Timestamp(day, tz="UTC")
    if d not in c.index:
        raise ValueError(f"{dataset}: no close on {day}")
    pos = c.index.get_loc(d)
    return float(c.iloc[pos] / c.iloc[pos - 1] - 1), c.index[pos - 1]


@lru_cache(maxsize=1)
def _cut_prob() -> pd.Series:
    from mktlib import rates
    return rates.cut_probability(_daily("fedwatch_dec2025"))


@lru_cache(maxsize=1)
def _kalshi() -> pd.Series:
    from mktlib import rates
    return rates.kalshi_cut_probability(_daily("kalshi_dec2025_nochange_1d"))


@lru_cache(maxsize=1)
def horse_race_results() -> dict:
    """The two registered A5 regressions (and their samples): ``dgs2`` (BTC on NDX and the 2-year
    yield change, US trading days 2025-10-01..2025-12-31) and ``cutprob`` (BTC on NDX and the
    FedWatch cut-probability change, 2025-10-01..2025-11-25)."""
    from mktlib import rates
    f = rates.horse_race_frame("2025-10-01", "2025-12-31")
    a = f.loc[:"2025-12-31"]
    b = f.loc[:"2025-11-25"]
    return {"frame": f,
            "dgs2": rates.horse_race(a["btc"], a[["ndx", "d_dgs2"]]),
            "cutprob": rates.horse_race(b["btc"], b[["ndx", "d_cutprob"]])}


# ------------------------------------------------------------------ decision rules

def decide_all_consistent(checks: dict[str, bool]) -> str:
    """supported if every check holds, contradicted if none does, partly supported otherwise."""
    n_ok = sum(bool(v) for v in checks.values())
    if n_ok == len(checks):
        return "supported"
    return "contradicted" if n_ok == 0 else "partly supported"


def decide_d8(p_21oct: float, p_min_nov: float, p_20nov: float, p_21nov: float) -> str:
    """D8: supported if the 21 Oct value is consistent with 93.7% and the 20 or 21 Nov value with
    42.9%; partly supported if a collapse happened (21 Oct >= 0.80 and the Nov minimum <= 0.50)
    but a quoted figure is not consistent; contradicted if there was no such collapse."""
    then_ok = consistent(p_21oct, 0.937)
    now_ok = consistent(p_20nov, 0.429) or consistent(p_21nov, 0.429)
    collapse = p_21oct >= 0.80 and p_min_nov <= 0.50
    if then_ok and now_ok and collapse:
        return "supported"
    return "partly supported" if collapse else "contradicted"


def decide_k2(drawdown: float) -> str:
    """K2 ($5tn -> $4tn, i.e. -20% at a constant share count): supported if the close drawdown is
    consistent with -0.20; partly supported if it is at least half that (<= -0.10); else contradicted."""
    if consistent(drawdown, -0.20):
        return "supported"
    return "partly supported" if drawdown <= -0.10 else "contradicted"


def decide_a5(ndx_pr2: tuple[float, float], rate_pr2: tuple[float, float], ndx_p: tuple[float, float],
              rate_p: tuple[float, float], alpha: float = 0.05) -> str:
    """A5: the two models (2-year yield; cut probability). supported if in both NDX has the larger
    partial R2 and a HAC p-value below ``alpha``; contradicted if in both the rate variable has the
    larger partial R2 and p below ``alpha``; partly supported otherwise."""
    ndx_wins = all(n > r and p < alpha for n, r, p in zip(ndx_pr2, rate_pr2, ndx_p))
    rate_wins = all(r > n and p < alpha for n, r, p in zip(ndx_pr2, rate_pr2, rate_p))
    if ndx_wins:
        return "supported"
    return "contradicted" if rate_wins else "partly supported"


A6_MIN_COVERAGE = 50  # constituents needed before breadth of a ~100-name index is measurable


def decide_a6(n_covered: int, share_up: float, eqw_minus_capw: float) -> str:
    """A6: not testable when the constituent file covers fewer than ``A6_MIN_COVERAGE`` names
    (breadth needs the whole index, or a representative part of it); else supported if fewer than
    half the names rose and the equal-weighted return trails the cap-weighted one by more than 1 pp;
    contradicted if at least half rose and equal weight did at least as well; partly otherwise."""
    if n_covered < A6_MIN_COVERAGE:
        return "not testable"
    if share_up < 0.5 and eqw_minus_capw < -0.01:
        return "supported"
    if share_up >= 0.5 and eqw_minus_capw >= 0:
        return "contradicted"
    return "partly supported"


# ------------------------------------------------------------------ evaluators

_TOL_TEXT = "consistent = within max(0.3 pp, 10% of the claimed figure)"


@evaluator("D1", rule="Supported if both the NDX close-to-close return on 20 Nov 2025 is consistent with "
                      "-2.4% and the QQQ close-vs-intraday-high is consistent with -5% ('nearly 5%'); "
                      f"{_TOL_TEXT}; partly supported if one is; contradicted if neither.")
def _d1() -> Evaluation:
    from mktlib import breadth
    ret, _ = _close_return("ndx_1d", "2025-11-20")
    q = breadth.day_range(_daily("qqq_1d"), "2025-11-20", name="qqq_1d")
    checks = {"ndx": consistent(ret, -0.024), "qqq": consistent(q["close_vs_high"], -0.05)}
    verdict = decide_all_consistent(checks)
    return Evaluation({"D1.ndx_return_20nov": ret, "D1.qqq_high_to_close_20nov": float(q["close_vs_high"])},
                      verdict=verdict,
                      reason=f"NDX {_pct(ret)} on 20 Nov (claim -2.4%: {'consistent' if checks['ndx'] else 'not consistent'}); "
                             f"QQQ closed {_pct(q['close_vs_high'])} below its intraday high (claim nearly -5%: "
                             f"{'consistent' if checks['qqq'] else 'not consistent'}; QQQ is the proxy because the "
                             "NDX file has no high/low).")


@evaluator("D2", rule="Supported if NDX close 20 Nov / close 29 Oct - 1 is consistent with -7.9% "
                      f"({_TOL_TEXT}) and 29 Oct is the highest NDX close in the data up to that day; "
                      "partly supported if only one holds; contradicted if neither.")
def _d2() -> Evaluation:
    c = _daily("ndx_1d")["close"]
    d29, d20 = pd.Timestamp("2025-10-29", tz="UTC"), pd.Timestamp("2025-11-20", tz="UTC")
    dd = float(c.loc[d20] / c.loc[d29] - 1)
    record = bool(c.loc[:d29].idxmax() == d29)
    checks = {"size": consistent(dd, -0.079), "record": bool(record)}
    return Evaluation({"D2.ndx_drawdown_from_29oct": dd}, verdict=decide_all_consistent(checks),
                      reason=f"NDX 20 Nov close is {_pct(dd)} from the 29 Oct close (claim -7.9%: "
                             f"{'consistent' if checks['size'] else 'not consistent'}); 29 Oct "
                             f"{'is' if record else 'is not'} the record close up to that day.")


@evaluator("D3", rule=f"Each of the three figures is checked: HSI 21 Nov return consistent with -2.3% ({_TOL_TEXT}); "
                      "Shanghai Composite return consistent with 'nearly -2%' (taken as -2%); Shanghai close "
                      "below 3,900. Supported if all three hold, contradicted if none, partly supported otherwise.")
def _d3() -> Evaluation:
    hsi, _ = _close_return("hsi_1d", "2025-11-21")
    ssec, _ = _close_return("ssec_1d", "2025-11-21")
    close = float(_daily("ssec_1d")["close"].loc[pd.Timestamp("2025-11-21", tz="UTC")])
    checks = {"hsi": consistent(hsi, -0.023), "ssec": consistent(ssec, -0.02), "level": close < 3900}
    verdict = decide_all_consistent(checks)
    return Evaluation({"D3.hsi_return_21nov": hsi, "D3.ssec_return_21nov": ssec, "D3.ssec_close_21nov": close},
                      verdict=verdict,
                      reason=f"HSI {_pct(hsi)} (claim -2.3%: {'consistent' if checks['hsi'] else 'not consistent'}); "
                             f"Shanghai Composite {_pct(ssec)} (claim nearly -2%: "
                             f"{'consistent' if checks['ssec'] else 'not consistent, the fall was larger'}), "
                             f"close {close:,.1f} ({'below' if checks['level'] else 'not below'} 3,900).")


@evaluator("D7", rule=f"Supported if the LBMA PM gold fix return on 21 Nov is consistent with -0.5% ({_TOL_TEXT}) "
                      "and the fix is within 5% of $4,000; partly supported if one holds; contradicted if neither.")
def _d7() -> Evaluation:
    ret, prev = _close_return("gold_lbma_pm", "2025-11-21")
    level = float(_daily("gold_lbma_pm")["close"].loc[pd.Timestamp("2025-11-21", tz="UTC")])
    checks = {"ret": consistent(ret, -0.005), "level": abs(level / 4000 - 1) <= LEVEL_TOL}
    return Evaluation({"D7.gold_return_21nov": ret, "D7.gold_level_21nov": level},
                      verdict=decide_all_consistent(checks),
                      reason=f"LBMA PM fix {level:,.2f} USD/oz on 21 Nov, {_pct(ret)} vs the {_d(prev)} fix "
                             f"(claim -0.5% near $4,000: return {'consistent' if checks['ret'] else 'not consistent'}, "
                             f"level {'within' if checks['level'] else 'outside'} 5% of 4,000).")


@evaluator("D8", rule="FedWatch cut probability for 10 Dec (P(range at or below 3.50-3.75%)). Supported if the "
                      "21 Oct value is consistent with 93.7% and the 20 or 21 Nov value with 42.9% "
                      f"({_TOL_TEXT}); partly supported if a collapse happened (21 Oct >= 80% and the Nov minimum "
                      "<= 50%) but a quoted figure is not consistent; contradicted if there was no such collapse.")
def _d8() -> Evaluation:
    cp = _cut_prob()
    at = lambda d: float(cp.loc[pd.Timestamp(d, tz="UTC")])  # noqa: E731
    nov = cp.loc["2025-11-01":"2025-11-30"]
    p21o, p20, p21 = at("2025-10-21"), at("2025-11-20"), at("2025-11-21")
    pmin, dmin = float(nov.min()), nov.idxmin()
    verdict = decide_d8(p21o, pmin, p20, p21)
    return Evaluation({"D8.cut_prob_21oct": p21o, "D8.cut_prob_min_nov": pmin,
                       "D8.cut_prob_min_nov_date": dmin.date(), "D8.cut_prob_20nov": p20,
                       "D8.cut_prob_21nov": p21},
                      verdict=verdict,
                      reason=f"FedWatch P(at or below 3.50-3.75% after 10 Dec): {p21o:.1%} on 21 Oct (claim 93.7%), "
                             f"low {pmin:.1%} on {dmin.date()}, {p20:.1%} on 20 Nov and {p21:.1%} on 21 Nov after "
                             f"Williams (claim 42.9%): the collapse is real and the 20 Nov end-of-day value is "
                             f"{'consistent' if consistent(p20, 0.429) else 'not consistent'} with 42.9%.")


@evaluator("D9", rule="Supported if NVDA's 20 Nov high was more than 5% above the 19 Nov close (allowing 10% of "
                      "the figure: above +4.5%) and its close-to-close return was negative; partly supported if "
                      "one holds; contradicted if neither.")
def _d9() -> Evaluation:
    from mktlib import breadth
    nv = _daily("nvda_1d")
    r = breadth.day_range(nv, "2025-11-20", name="nvda_1d")
    div = float(nv.loc[pd.Timestamp("2025-11-20", tz="UTC"), "dividends"])
    if div != 0:
        raise ValueError("nvda_1d: ex-dividend on 2025-11-20; adjusted prices would distort the ratio")
    checks = {"high": r["high_vs_prev_close"] > 0.05 * (1 - REL_TOL), "close": r["close_return"] < 0}
    return Evaluation({"D9.nvda_high_vs_prev_close_20nov": float(r["high_vs_prev_close"]),
                       "D9.nvda_return_20nov": float(r["close_return"])},
                      verdict=decide_all_consistent(checks),
                      reason=f"NVDA's 20 Nov high was {_pct(r['high_vs_prev_close'])} above the 19 Nov close and it "
                             f"closed {_pct(r['close_return'])}: a {_pct(r['close_vs_high'])} fall from the high.")


@evaluator("K2", rule="$5tn -> $4tn is -20% at a constant share count. Supported if NVDA's maximum peak-to-trough "
                      f"close drawdown, 1 Oct-30 Nov 2025, is consistent with -20% ({_TOL_TEXT}); partly supported "
                      "if it is at least half that (-10% or deeper); contradicted otherwise.")
def _k2() -> Evaluation:
    from mktlib import breadth
    dd = breadth.max_drawdown(_daily("nvda_1d")["close"], "2025-10-01", "2025-11-30", name="nvda_1d")
    return Evaluation({"K2.nvda_drawdown": dd.drawdown}, verdict=decide_k2(dd.drawdown),
                      reason=f"NVDA's largest close-to-close drawdown in Oct-Nov 2025 was {_pct(dd.drawdown)} "
                             f"({_d(dd.peak_date)} to {_d(dd.trough_date)}), short of the -20% that $5tn -> $4tn "
                             "implies at a constant share count (share counts are not in the data).")


@evaluator("A2", rule=f"Supported if the last FedWatch cut probability in the data is consistent with 87% ({_TOL_TEXT}); "
                      "partly supported if only the Kalshi value of 26 Nov is; contradicted if neither is.")
def _a2() -> Evaluation:
    cp, ks = _cut_prob(), _kalshi()
    last_d, last = cp.index[-1], float(cp.iloc[-1])
    k26 = float(ks.loc[pd.Timestamp("2025-11-26", tz="UTC")])
    if consistent(last, 0.87):
        verdict = "supported"
    else:
        verdict = "partly supported" if consistent(k26, 0.87) else "contradicted"
    return Evaluation({"A2.cut_prob_last": last, "A2.cut_prob_last_date": last_d.date(),
                       "A2.kalshi_cut_prob_26nov": k26}, verdict=verdict,
                      reason=f"FedWatch {last:.1%} on {last_d.date()}, the file's last day (claim 87%: "
                             f"{'consistent' if consistent(last, 0.87) else 'not consistent'}); Kalshi 1 - P(no change) "
                             f"{k26:.0%} on 26 Nov.")


@evaluator("A5", rule="Two registered regressions of BTC (NY close) on NDX plus a rate variable: the 2-year yield "
                      "change (Oct-Dec) and the FedWatch cut-probability change (1 Oct-25 Nov). Supported if in both "
                      "NDX has the larger partial R2 and a HAC p-value below 0.05; contradicted if in both the rate "
                      "variable has the larger partial R2 and p below 0.05; partly supported otherwise. HAC = "
                      "Newey-West, Bartlett kernel, floor(4 (n/100)^(2/9)) lags, small-sample correction.")
def _a5() -> Evaluation:
    hr = horse_race_results()
    g, c = hr["dgs2"].table, hr["cutprob"].table
    verdict = decide_a5((g.loc["ndx", "partial_r2"], c.loc["ndx", "partial_r2"]),
                        (g.loc["d_dgs2", "partial_r2"], c.loc["d_cutprob", "partial_r2"]),
                        (g.loc["ndx", "p"], c.loc["ndx", "p"]), (g.loc["d_dgs2", "p"], c.loc["d_cutprob", "p"]))
    return Evaluation(
        {"A5.beta_ndx": float(g.loc["ndx", "coef"]), "A5.beta_dgs2": float(g.loc["d_dgs2", "coef"]),
         "A5.beta_cutprob": float(c.loc["d_cutprob", "coef"]),
         "A5.partial_r2_ndx": float(g.loc["ndx", "partial_r2"]),
         "A5.partial_r2_dgs2": float(g.loc["d_dgs2", "partial_r2"]),
         "A5.partial_r2_cutprob": float(c.loc["d_cutprob", "partial_r2"]),
         "A5.partial_r2_ndx_cutprob_model": float(c.loc["ndx", "partial_r2"])},
        verdict=verdict,
        reason=f"Oct-Dec ({hr['dgs2'].nobs} days): NDX beta {g.loc['ndx', 'coef']:.2f} (HAC p {g.loc['ndx', 'p']:.1g}), "
               f"partial R2 {g.loc['ndx', 'partial_r2']:.1%} vs 2-year yield {g.loc['d_dgs2', 'partial_r2']:.1%} "
               f"(p {g.loc['d_dgs2', 'p']:.2f}); 1 Oct-25 Nov ({hr['cutprob'].nobs} days): NDX "
               f"{c.loc['ndx', 'partial_r2']:.1%} vs cut odds {c.loc['d_cutprob', 'partial_r2']:.1%} "
               f"(p {c.loc['d_cutprob', 'p']:.2f}).")


@evaluator("A6", rule=f"Not testable if the constituent file covers fewer than {A6_MIN_COVERAGE} of the index's "
                      "~100 members (breadth needs the whole index or a representative part); otherwise supported "
                      "if fewer than half the names rose over 21 Nov-5 Dec 2025 (official closes) and the "
                      "equal-weighted return trails the NDX (cap-weighted) by more than 1 pp, contradicted if at "
                      "least half rose and equal weight did at least as well, partly supported otherwise.")
def _a6() -> Evaluation:
    from mktlib import breadth
    r = breadth.period_returns(_daily(breadth.NDX_CONSTITUENT_FILE), "2025-11-21", "2025-12-05",
                               name=breadth.NDX_CONSTITUENT_FILE)
    b = breadth.breadth(r)
    nd = _daily("ndx_1d")["close"]
    ndx = float(nd.loc[pd.Timestamp("2025-12-05", tz="UTC")] / nd.loc[pd.Timestamp("2025-11-21", tz="UTC")] - 1)
    diff = b["eqw_return"] - ndx
    verdict = decide_a6(int(b["n"]), b["share_up"], diff)
    return Evaluation({"A6.share_constituents_up": b["share_up"], "A6.ndx_return_21nov_5dec": ndx,
                       "A6.eqw_return_21nov_5dec": b["eqw_return"], "A6.eqw_minus_capw_return": diff},
                      verdict=verdict,
                      reason=f"The constituent file holds {int(b['n'])} of the index's ~100 members (large AI/tech "
                             f"names chosen upstream) and no market caps or share counts: the full-index breadth "
                             f"is not measurable. For those names: {b['share_up']:.0%} rose, equal-weighted "
                             f"{_pct(b['eqw_return'])} vs NDX {_pct(ndx)}; with a mega-cap-only universe a positive "
                             "gap does not mean a broad rally.")
