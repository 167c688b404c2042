"""Evaluators for the claims of the macro chapter (see mktlib.claims): rate cuts and the AI trade.

Claims D1, D2, D3, D7, D8, D9, K2, A2 (quoted figures: ``fact`` parts), A5 and A6 (``reading`` parts).
The analytics live in :mod:`mktlib.rates` and :mod:`mktlib.breadth`; this module picks the registered
numbers, reads every threshold and analyst choice from the protocol (``spec[...]``, the chapter's
fragment ``mktlib/protocol.yaml``) and applies the rules.

- A quoted figure is judged by the book's one tolerance rule, :func:`mktlib.inference.quoted_match`:
  it matches if the measured value rounds to it at the quote's own precision (its ``*_unit`` threshold:
  "2.4%" -> 0.1 pp, "nearly 2%" -> 1 pp, "$4tn" -> $1tn) or lies within one such unit of it.
- A threshold figure ("over 5%", "below 3,900", "closed negative") is a strict comparison.
- A5 compares bootstrap intervals and Holm-adjusted HAC p-values (registered as ledger tests); A6 is
  measured, post hoc, on the segment ETFs of the snapshot (the registered constituent breadth cannot be
  computed: 12 of about 100 names, no market caps).

The rule functions (``verdict_*``) take plain numbers, so the tests can check them on hand-made inputs;
the evaluators feed them the measured values and the framework checks that they agree.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pandas as pd

from mktlib.claims import Evaluation, Part, Spec, Test, defaults, evaluator, input_space, rule
from mktlib.inference import mde, quoted_match


def _pct(x: float, nd: int = 2) -> str:
    return f"{x:+.{nd}%}"


def _day(d) -> pd.Timestamp:
    return pd.Timestamp(d, tz="UTC") if pd.Timestamp(d).tzinfo is None else pd.Timestamp(d).tz_convert("UTC")


def _dtext(d) -> str:
    t = pd.Timestamp(d)
    return f"{t.day} {t:%b}"


# ------------------------------------------------------------------ shared data (loaded once)


@cache
def _daily(dataset: str) -> pd.DataFrame:
    from mktlib import data

    return data.load(dataset)


def _close_return(dataset: str, day: str) -> tuple[float, pd.Timestamp]:
    """Close on ``day`` / the previous row's close - 1 (the exchange's own previous session)."""
    c = _daily(dataset)["close"]
    d = _day(day)
    if d not in c.index:
        raise ValueError(f"{dataset}: no close on {day}")
    pos = c.index.get_loc(d)
    return float(c.iloc[pos] / c.iloc[pos - 1] - 1), c.index[pos - 1]


@lru_cache(maxsize=1)
def _cut_prob() -> pd.Series:
    from mktlib import rates

    return rates.cut_probability(_daily("fedwatch_dec2025"))


@lru_cache(maxsize=1)
def _single_bucket() -> pd.Series:
    """P(target range after 10 Dec is exactly 3.50-3.75%), per FedWatch date (0 where CME showed none)."""
    fw = _daily("fedwatch_dec2025")
    s = fw.loc[fw["bucket"] == "350-375", "probability"].astype(float)
    return s.reindex(_cut_prob().index).fillna(0.0).rename("bucket_350_375")


def cut_odds(definition: str) -> pd.Series:
    """FedWatch odds for the 10 Dec 2025 meeting: ``cumulative`` (the registered definition: target
    range at or below 3.50-3.75%) or ``single_bucket`` (the 3.50-3.75% bucket alone, as CME's page
    shows it)."""
    if definition == "cumulative":
        return _cut_prob()
    if definition == "single_bucket":
        return _single_bucket()
    raise ValueError(f"unknown cut-odds definition {definition!r}")


def _on(series: pd.Series, day: str, what: str) -> float:
    d = _day(day)
    if d not in series.index:
        raise ValueError(f"{what}: no record on {d.date()}")
    return float(series.loc[d])


@lru_cache(maxsize=1)
def _kalshi() -> pd.Series:
    from mktlib import rates

    return rates.kalshi_cut_probability(_daily("kalshi_dec2025_nochange_1d"))


# ------------------------------------------------------------------ rules (pure functions)


def verdict_quote(ok: bool) -> str:
    """The tolerance rule's outcome for one quoted figure (or one strict threshold comparison)."""
    return "supported" if ok else "contradicted"


def verdict_collapse(start: float, trough: float, collapse_from: float, collapse_to: float) -> str:
    """D8c: the odds 'collapsed' if they started at or above ``collapse_from`` and fell to or below
    ``collapse_to``; contradicted otherwise."""
    return "supported" if start >= collapse_from and trough <= collapse_to else "contradicted"


def verdict_a5(
    diff_low: float, diff_high: float, p_equity_holm: float, p_rate_holm: float, alpha: float, margin: float
) -> str:
    """A5: supported if the interval of (equity partial R2 - rate partial R2) lies above ``margin`` and
    the equity coefficient's Holm-adjusted p is below ``alpha``; contradicted if the interval lies below
    ``-margin`` and the rate coefficient's Holm-adjusted p is below ``alpha``; inconclusive otherwise."""
    if diff_low > margin and p_equity_holm < alpha:
        return "supported"
    if diff_high < -margin and p_rate_holm < alpha:
        return "contradicted"
    return "inconclusive"


def verdict_a6(ai_min_minus_broad_max: float, broad_share_up: float, margin: float, struggling_share: float) -> str:
    """A6 (post hoc, on segment ETFs): 'AI soaring' = every AI-segment ETF beat every broad ETF by more
    than ``margin``; 'others struggling' = at most ``struggling_share`` of the broad ETFs rose. Supported
    if both hold, partly supported if one does, contradicted if neither."""
    soaring = ai_min_minus_broad_max > margin
    struggling = broad_share_up <= struggling_share
    if soaring and struggling:
        return "supported"
    return "partly supported" if soaring or struggling else "contradicted"


def verdict_quote_eod(ok: bool, bracketed: bool) -> str:
    """A figure quoted during a day judged on end-of-day readings only: supported if the tolerance rule
    matches the day's end-of-day value; inconclusive if the quote lies between the previous end of day and
    this one (an intraday reading, not in the snapshot, could have been it); contradicted otherwise.

    >>> verdict_quote_eod(True, False), verdict_quote_eod(False, True), verdict_quote_eod(False, False)
    ('supported', 'inconclusive', 'contradicted')
    """
    if ok:
        return "supported"
    return "inconclusive" if bracketed else "contradicted"


rule("D8b")(verdict_quote_eod)


def verdict_quote_dated(ok: bool, before_writing: bool) -> str:
    """A figure quoted when the article was written, judged on a reading of another day: supported if
    the tolerance rule matches; a mismatch contradicts only a reading taken while the article was being
    written; one from before can neither confirm nor refute a quote taken later (inconclusive).

    >>> verdict_quote_dated(True, True), verdict_quote_dated(False, True), verdict_quote_dated(False, False)
    ('supported', 'inconclusive', 'contradicted')
    """
    if ok:
        return "supported"
    return "inconclusive" if before_writing else "contradicted"


rule("A2a")(verdict_quote_dated)
for _pid in ("D1a", "D1b", "D2a", "D2b", "D3a", "D3b", "D3c", "D7a", "D7b", "D8a", "D9a", "D9b", "K2a"):
    rule(_pid)(verdict_quote)
rule("D8c")(verdict_collapse)
rule("A5a")(verdict_a5)
rule("A6a")(verdict_a6)


# ------------------------------------------------------------------ fact parts


def quote_fact(
    value: float, quoted: float, unit: float, what: str, fmt: str = "{:+.2%}", unit_text: str | None = None
) -> Part:
    """A fact part judged by :func:`mktlib.inference.quoted_match` (the book's one tolerance rule)."""
    m = quoted_match(value, quoted, unit)
    ut = unit_text or fmt.format(unit)
    how = (
        "rounds to it at that precision"
        if m.rounds
        else f"{m.distance_units:.2f} units away, {'within' if m.ok else 'outside'} the tolerance of one unit"
    )
    return Part(
        verdict_quote(m.ok),
        f"{what} {fmt.format(value)} against the quoted {fmt.format(quoted)} (precision {ut}): {how}.",
        statistic=m.distance_units,
        threshold=1.0,
        inputs={"ok": m.ok},
    )


def threshold_fact(value: float, holds: bool, what: str, condition: str, fmt: str = "{:+.2%}") -> Part:
    """A fact part stated as a strict comparison ("over 5%", "below 3,900", "closed negative")."""
    return Part(
        verdict_quote(holds),
        f"{what} {fmt.format(value)}: {'' if holds else 'not '}{condition}.",
        statistic=float(value),
        inputs={"ok": bool(holds)},
    )


# ------------------------------------------------------------------ D1, D2, D3, D7, D9: market moves


@evaluator("D1")
def _d1(spec: Spec) -> Evaluation:
    from mktlib import breadth

    ret, _ = _close_return("ndx_1d", "2025-11-20")
    q = breadth.day_range(_daily("qqq_1d"), "2025-11-20", name="qqq_1d")
    cvh = float(q["close_vs_high"])
    return Evaluation(
        {"D1.ndx_return_20nov": ret, "D1.qqq_high_to_close_20nov": cvh},
        parts={
            "D1a": quote_fact(
                ret, spec["quoted_ndx"], spec["ndx_unit"], "NDX close-to-close on 20 Nov", unit_text="0.1 pp"
            ),
            "D1b": quote_fact(
                cvh,
                spec["quoted_high_to_close"],
                spec["high_to_close_unit"],
                "QQQ close against its 20 Nov intraday high (the NDX file has no high)",
                unit_text="1 pp",
            ),
        },
    )


@evaluator("D2")
def _d2(spec: Spec) -> Evaluation:
    c = _daily("ndx_1d")["close"]
    d29, d20 = _day("2025-10-29"), _day("2025-11-20")
    dd = float(c.loc[d20] / c.loc[d29] - 1)
    prior_max = float(c.loc[:d29].iloc[:-1].max())
    record = bool(c.loc[d29] > prior_max)
    return Evaluation(
        {"D2.ndx_drawdown_from_29oct": dd, "D2.ndx_29oct_is_record": record},
        parts={
            "D2a": quote_fact(
                dd,
                spec["quoted_pullback"],
                spec["pullback_unit"],
                "NDX close on 20 Nov against the 29 Oct close",
                unit_text="0.1 pp",
            ),
            "D2b": threshold_fact(
                float(c.loc[d29]),
                record,
                "NDX close on 29 Oct",
                f"above every earlier close in the data (previous high {prior_max:,.1f})",
                fmt="{:,.1f}",
            ),
        },
    )


@evaluator("D3")
def _d3(spec: Spec) -> Evaluation:
    hsi, _ = _close_return("hsi_1d", "2025-11-21")
    ssec, _ = _close_return("ssec_1d", "2025-11-21")
    close = float(_daily("ssec_1d")["close"].loc[_day("2025-11-21")])
    level = spec["ssec_level"]
    return Evaluation(
        {"D3.hsi_return_21nov": hsi, "D3.ssec_return_21nov": ssec, "D3.ssec_close_21nov": close},
        parts={
            "D3a": quote_fact(hsi, spec["quoted_hsi"], spec["hsi_unit"], "Hang Seng on 21 Nov", unit_text="0.1 pp"),
            "D3b": quote_fact(
                ssec,
                spec["quoted_ssec"],
                spec["ssec_unit"],
                "Shanghai Composite on 21 Nov ('nearly 2%')",
                unit_text="1 pp",
            ),
            "D3c": threshold_fact(
                close, close < level, "Shanghai Composite close on 21 Nov", f"below {level:,.0f}", fmt="{:,.1f}"
            ),
        },
    )


@evaluator("D7")
def _d7(spec: Spec) -> Evaluation:
    ret, prev = _close_return("gold_lbma_pm", "2025-11-21")
    level = float(_daily("gold_lbma_pm")["close"].loc[_day("2025-11-21")])
    return Evaluation(
        {"D7.gold_return_21nov": ret, "D7.gold_level_21nov": level},
        parts={
            "D7a": quote_fact(
                ret,
                spec["quoted_return"],
                spec["return_unit"],
                f"LBMA PM fix on 21 Nov against {_dtext(prev)}",
                unit_text="0.1 pp",
            ),
            "D7b": quote_fact(
                level, spec["quoted_level"], spec["level_unit"], "LBMA PM fix on 21 Nov, USD/oz", fmt="{:,.0f}"
            ),
        },
    )


@evaluator("D9")
def _d9(spec: Spec) -> Evaluation:
    from mktlib import breadth

    nv = _daily("nvda_1d")
    r = breadth.day_range(nv, "2025-11-20", name="nvda_1d")
    if float(nv.loc[_day("2025-11-20"), "dividends"]) != 0:
        raise ValueError("nvda_1d: ex-dividend on 2025-11-20; adjusted prices would distort the ratio")
    hi, ret = float(r["high_vs_prev_close"]), float(r["close_return"])
    above = spec["intraday_rise"]
    return Evaluation(
        {"D9.nvda_high_vs_prev_close_20nov": hi, "D9.nvda_return_20nov": ret},
        parts={
            "D9a": threshold_fact(hi, hi > above, "NVDA's 20 Nov high against the 19 Nov close", f"over {above:.0%}"),
            "D9b": threshold_fact(ret, ret < 0, "NVDA close-to-close on 20 Nov", "negative"),
        },
    )


# ------------------------------------------------------------------ D8 and A2: the cut odds


@evaluator("D8")
def _d8(spec: Spec) -> Evaluation:
    cp = _cut_prob()
    nov = cp.loc["2025-11-01":"2025-11-30"]
    values = {
        "D8.cut_prob_21oct": _on(cp, "2025-10-21", "fedwatch"),
        "D8.cut_prob_min_nov": float(nov.min()),
        "D8.cut_prob_min_nov_date": nov.idxmin().date(),
        "D8.cut_prob_20nov": _on(cp, "2025-11-20", "fedwatch"),
        "D8.cut_prob_21nov": _on(cp, "2025-11-21", "fedwatch"),
    }
    odds = cut_odds(spec["definition"])
    label = "P(at or below 3.50-3.75%)" if spec["definition"] == "cumulative" else "the 3.50-3.75% bucket alone"
    then_d, now_d = spec["month_day"], spec["now_day"]
    p_then, p_now = _on(odds, then_d, "fedwatch"), _on(odds, now_d, "fedwatch")
    path = odds.loc[_day(then_d) : _day(now_d)]
    trough, trough_d = float(path.min()), path.idxmin()
    a = quote_fact(
        p_then,
        spec["quoted_then"],
        spec["then_unit"],
        f"FedWatch {label} on {_dtext(then_d)}",
        fmt="{:.2%}",
        unit_text="0.1 pp",
    )
    b = quote_fact(
        p_now,
        spec["quoted_now"],
        spec["now_unit"],
        f"FedWatch {label} at the end of {_dtext(now_d)}",
        fmt="{:.2%}",
        unit_text="0.1 pp",
    )
    if not a.inputs["ok"] and spec.primary:
        from mktlib.claims import protocol

        matches = []
        for dfn in protocol()["claims"]["D8"]["grid"]["definition"]:
            for md in protocol()["claims"]["D8"]["grid"]["month_day"]:
                v = _on(cut_odds(dfn), md, "fedwatch")
                if quoted_match(v, spec["quoted_then"], spec["then_unit"]).ok:
                    matches.append(f"{dfn.replace('_', ' ')} on {_dtext(md)} ({v:.2%})")
        a.reason += (
            " The quoted figure does appear in the data under another reading: " + "; ".join(matches) + "."
            if matches
            else " No definition or day of the grid gives it."
        )
    prev_d = _day(now_d) - pd.Timedelta(days=1)
    p_prev = float(odds.loc[:prev_d].iloc[-1])
    lo_b, hi_b = sorted((p_prev, p_now))
    bracketed = bool(lo_b <= spec["quoted_now"] <= hi_b)
    b.verdict = verdict_quote_eod(b.inputs["ok"], bracketed)
    b.inputs = {"ok": b.inputs["ok"], "bracketed": bracketed}
    if not b.inputs["ok"]:
        b.reason += (
            f" The snapshot has end-of-day values only: the odds moved from {p_prev:.1%} at the end of the "
            f"previous day to {p_now:.1%}, so the quoted {spec['quoted_now']:.1%} "
            + (
                "lies on that path: an intraday reading could have been it, and the data can neither confirm "
                "nor rule it out."
                if bracketed
                else "lies outside that range."
            )
        )
    cf, ct = spec["collapse_from"], spec["collapse_to"]
    vc = verdict_collapse(p_then, trough, cf, ct)
    c = Part(
        vc,
        f"FedWatch {label}: {p_then:.1%} on {_dtext(then_d)}, lowest {trough:.1%} on {_dtext(trough_d)} "
        f"before the end of {_dtext(now_d)} (a collapse: from at least {cf:.0%} to at most {ct:.0%}).",
        statistic=trough,
        threshold=ct,
        inputs={"start": p_then, "trough": trough, "collapse_from": cf, "collapse_to": ct},
    )
    return Evaluation(values, parts={"D8a": a, "D8b": b, "D8c": c})


@evaluator("A2")
def _a2(spec: Spec) -> Evaluation:
    cp, ks = _cut_prob(), _kalshi()
    values = {
        "A2.cut_prob_last": float(cp.iloc[-1]),
        "A2.cut_prob_last_date": cp.index[-1].date(),
        "A2.kalshi_cut_prob_26nov": _on(ks, "2025-11-26", "kalshi"),
    }
    source, day = str(spec["reading"]).split(":")
    if source == "fedwatch":
        v, what = _on(cp, day, "fedwatch"), f"CME FedWatch at the end of {_dtext(day)}"
        if _day(day) == cp.index[-1]:
            what += " (the file's last day)"
    elif source == "kalshi":
        v, what = _on(ks, day, "kalshi"), f"Kalshi 1 - P(no change), close of {_dtext(day)} (US Eastern day)"
    else:
        raise ValueError(f"A2: unknown source {source!r}")
    part = quote_fact(v, spec["quoted"], spec["unit"], what, fmt="{:.1%}", unit_text="1 pp")
    before = bool(_day(day) < _day(spec["written_from"]))
    part.verdict = verdict_quote_dated(part.inputs["ok"], before)
    part.inputs = {"ok": part.inputs["ok"], "before_writing": before}
    if before and not part.inputs["ok"]:
        part.reason += (
            f" The reading is from before the article was written (from {_dtext(spec['written_from'])}), and the "
            "odds moved from day to day: it cannot refute a quote taken later."
        )
    return Evaluation(values, parts={"A2a": part})


# ------------------------------------------------------------------ K2: NVIDIA $5tn -> $4tn


@evaluator("K2")
def _k2(spec: Spec) -> Evaluation:
    from mktlib import breadth

    nv = _daily("nvda_1d")
    reg = breadth.max_drawdown(nv["close"], "2025-10-01", "2025-11-30", name="nvda_1d")
    if spec["basis"] == "close":
        dd = breadth.max_drawdown(nv["close"], spec["start"], spec["end"], name="nvda_1d")
        basis = "close-to-close"
    elif spec["basis"] == "intraday":
        dd = breadth.max_drawdown_intraday(nv, spec["start"], spec["end"], name="nvda_1d")
        basis = "intraday high-to-low"
    else:
        raise ValueError(f"K2: unknown basis {spec['basis']!r}")
    peak = spec["quoted_peak_tn"]
    implied = peak * (1 + dd.drawdown)
    part = quote_fact(
        implied,
        spec["quoted_trough_tn"],
        spec["unit_tn"],
        f"NVDA's largest {basis} fall, {_dtext(dd.peak_date)} to {_dtext(dd.trough_date)} "
        f"({_pct(dd.drawdown, 1)}), takes the quoted ${peak:g}tn peak to",
        fmt="${:.2f}tn",
        unit_text="$1tn",
    )
    part.reason += " Market caps and share counts are not in the snapshot: the share count is held constant."
    return Evaluation(
        {"K2.nvda_drawdown": reg.drawdown, "K2.nvda_implied_trough_tn": peak * (1 + reg.drawdown)}, parts={"K2a": part}
    )


# ------------------------------------------------------------------ A5: the horse race

A5_TESTS = {
    "d_dgs2": ("A5.equity_dgs2_model", "A5.rate_dgs2_model"),
    "d_cutprob": ("A5.equity_cutprob_model", "A5.rate_cutprob_model"),
}
A5_END = {"d_dgs2": "2025-12-31", "d_cutprob": "2025-11-25"}  # FedWatch ends on 25 Nov
_BTC_COL = {"ny": "btc", "utc": "btc_utc"}


@lru_cache(maxsize=1)
def _a5_frame() -> pd.DataFrame:
    from mktlib import rates

    return rates.horse_race_frame("2025-10-01", "2025-12-31")


def _a5_sample(equity: str, rate: str, close: str) -> tuple[pd.Series, pd.DataFrame]:
    f = _a5_frame().loc[: A5_END[rate]]
    sub = f[[_BTC_COL[close], equity, rate]].dropna()
    if len(sub) != len(f):
        raise ValueError(f"A5: {len(f) - len(sub)} sessions without {rate} in the registered window")
    return sub[_BTC_COL[close]].rename("btc"), sub[[equity, rate]]


@cache
def a5_model(equity: str = "ndx", rate: str = "d_dgs2", close: str = "ny", reps: int = 999):
    """One A5 regression: ``(HorseRace, partial-R2 intervals)``, BTC (at the ``close`` convention) on
    ``equity`` and ``rate`` over the registered window (1 Oct-31 Dec 2025; to 25 Nov for the cut odds),
    Newey-West errors; intervals from :func:`mktlib.rates.partial_r2_intervals` at the protocol's level."""
    from mktlib import rates

    y, X = _a5_sample(equity, rate, close)
    hr = rates.horse_race(y, X)
    d = defaults()
    ci = rates.partial_r2_intervals(y, X, equity, rate, reps=reps, level=d["interval_level"], seed=d["bootstrap_seed"])
    return hr, ci


@lru_cache(maxsize=1)
def horse_race_results() -> dict:
    """The two registered A5 regressions (NY close, NDX): ``dgs2`` (2-year yield change, 1 Oct-31 Dec)
    and ``cutprob`` (FedWatch cut-probability change, 1 Oct-25 Nov), with the frame they use."""
    return {
        "frame": _a5_frame(),
        "dgs2": a5_model("ndx", "d_dgs2", "ny")[0],
        "cutprob": a5_model("ndx", "d_cutprob", "ny")[0],
    }


def _hac_ci(hr, name: str, level: float) -> tuple[float, float]:
    lo, hi = hr.fit.conf_int(alpha=1 - level).loc[name]
    return float(lo), float(hi)


@evaluator("A5")
def _a5(spec: Spec) -> Evaluation:
    d = defaults()
    level, alpha = d["interval_level"], d["alpha"]
    hr_g, ci_g = a5_model("ndx", "d_dgs2", "ny", d["bootstrap_reps"])
    hr_c, ci_c = a5_model("ndx", "d_cutprob", "ny", d["bootstrap_reps"])
    tg, tc = hr_g.table, hr_c.table
    values = {
        "A5.beta_ndx": float(tg.loc["ndx", "coef"]),
        "A5.beta_dgs2": float(tg.loc["d_dgs2", "coef"]),
        "A5.beta_cutprob": float(tc.loc["d_cutprob", "coef"]),
        "A5.partial_r2_ndx": float(tg.loc["ndx", "partial_r2"]),
        "A5.partial_r2_dgs2": float(tg.loc["d_dgs2", "partial_r2"]),
        "A5.partial_r2_cutprob": float(tc.loc["d_cutprob", "partial_r2"]),
        "A5.partial_r2_ndx_cutprob_model": float(tc.loc["ndx", "partial_r2"]),
        "A5.partial_r2_gap_dgs2_model": float(ci_g.loc["difference", "estimate"]),
        "A5.partial_r2_gap_cutprob_model": float(ci_c.loc["difference", "estimate"]),
    }
    iv = lambda ci, row: (float(ci.loc[row, "low"]), float(ci.loc[row, "high"]))  # noqa: E731
    intervals = {
        "A5.beta_ndx": _hac_ci(hr_g, "ndx", level),
        "A5.beta_dgs2": _hac_ci(hr_g, "d_dgs2", level),
        "A5.beta_cutprob": _hac_ci(hr_c, "d_cutprob", level),
        "A5.partial_r2_ndx": iv(ci_g, "ndx"),
        "A5.partial_r2_dgs2": iv(ci_g, "d_dgs2"),
        "A5.partial_r2_cutprob": iv(ci_c, "d_cutprob"),
        "A5.partial_r2_ndx_cutprob_model": iv(ci_c, "ndx"),
        "A5.partial_r2_gap_dgs2_model": iv(ci_g, "difference"),
        "A5.partial_r2_gap_cutprob_model": iv(ci_c, "difference"),
    }
    tests = {}
    for hr, rate, beta_m, eq_m in (
        (hr_g, "d_dgs2", "A5.beta_dgs2", "A5.beta_ndx"),
        (hr_c, "d_cutprob", "A5.beta_cutprob", "A5.partial_r2_ndx_cutprob_model"),
    ):
        t_eq, t_rate = A5_TESTS[rate]
        win = f"{hr.nobs} US sessions to {hr.end.date()}"
        tests[t_eq] = Test(
            float(hr.table.loc["ndx", "p"]),
            f"HAC t-test of the NDX coefficient, BTC on NDX and {rate} ({win}, NY close)",
            measure=eq_m,
            mde=mde(float(hr.table.loc["ndx", "se"]), alpha=alpha),
        )
        tests[t_rate] = Test(
            float(hr.table.loc[rate, "p"]),
            f"HAC t-test of the {rate} coefficient in the same regression ({win}, NY close)",
            measure=beta_m,
            mde=mde(float(hr.table.loc[rate, "se"]), alpha=alpha),
        )

    # the specification's own model decides
    eq, rate, close = spec["equity"], spec["rate"], spec["close"]
    hr, ci = a5_model(eq, rate, close, d["bootstrap_reps"])
    t = hr.table
    t_eq, t_rate = A5_TESTS[rate]
    p_eq, p_rate = spec.adjusted(t_eq, float(t.loc[eq, "p"])), spec.adjusted(t_rate, float(t.loc[rate, "p"]))
    lo, hi = float(ci.loc["difference", "low"]), float(ci.loc["difference", "high"])
    margin = spec["margin"]
    verdict = verdict_a5(lo, hi, p_eq.p_holm, p_rate.p_holm, alpha, margin)
    rate_mde = mde(float(t.loc[rate, "se"]), alpha=alpha)
    per = 0.10  # 0.10 pp of the yield = 10 bp; 0.10 of probability = 10 pp
    unit_txt = "10 bp of the 2-year yield" if rate == "d_dgs2" else "10 pp of cut odds"
    rate_txt = "the 2-year yield" if rate == "d_dgs2" else "the cut odds"
    reason = (
        f"BTC ({close.upper()} close) on {eq.upper()} and {rate_txt}, {hr.nobs} sessions: partial R2 "
        f"{t.loc[eq, 'partial_r2']:.1%} against "
        f"{t.loc[rate, 'partial_r2']:.1%}; the gap's {level:.0%} interval is [{lo:.1%}, {hi:.1%}] (threshold "
        f"{margin:.0%}). Holm-adjusted HAC p: {eq.upper()} {p_eq.p_holm:.2g}, rate {p_rate.p_holm:.2g}; the rate "
        f"test could detect {rate_mde * per:.2%} of BTC per {unit_txt} (80% power)."
    )
    part = Part(
        verdict,
        reason,
        statistic=lo,
        threshold=margin,
        inputs={
            "diff_low": lo,
            "diff_high": hi,
            "p_equity_holm": p_eq.p_holm,
            "p_rate_holm": p_rate.p_holm,
            "alpha": alpha,
            "margin": margin,
        },
    )
    return Evaluation(values, parts={"A5a": part}, intervals=intervals, tests=tests)


@input_space("A5a")
def _a5_space() -> pd.DataFrame:
    """The rule's inputs on every 3-month window (stepped by a month) from May 2024 to March 2026: BTC at
    the NY close on NDX and the 2-year yield change (the cut odds exist for one meeting only), 199
    bootstrap reps; raw HAC p-values stand in for the Holm-adjusted ones."""
    from mktlib import claims, rates

    f = rates.horse_race_frame("2024-05-01", "2026-03-31")
    d = defaults()
    margin = claims.protocol()["claims"]["A5"]["thresholds"]["margin"]
    rows = []
    for s in pd.date_range("2024-05-01", "2026-01-01", freq="MS", tz="UTC"):
        w = f.loc[s : s + pd.DateOffset(months=3) - pd.Timedelta(days=1)]
        y, X = w["btc"], w[["ndx", "d_dgs2"]]
        hr = rates.horse_race(y, X)
        ci = rates.partial_r2_intervals(
            y, X, "ndx", "d_dgs2", reps=199, level=d["interval_level"], seed=d["bootstrap_seed"]
        )
        t = hr.table
        rows.append(
            {
                "diff_low": float(ci.loc["difference", "low"]),
                "diff_high": float(ci.loc["difference", "high"]),
                "p_equity_holm": float(t.loc["ndx", "p"]),
                "p_rate_holm": float(t.loc["d_dgs2", "p"]),
                "alpha": d["alpha"],
                "margin": margin,
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ A6: where the rebound's gains went


@cache
def _etf_closes(tickers: tuple[str, ...]) -> pd.DataFrame:
    """Adjusted closes of ``tickers`` (``us_close_panel``, one source for every ETF), one column each."""
    p = _daily("us_close_panel")
    p = p[p["ticker"].isin(tickers)]
    wide = p.reset_index().pivot(index=p.index.name or "index", columns="ticker", values="close")
    missing = set(tickers) - set(wide.columns)
    if missing:
        raise ValueError(f"us_close_panel: no {sorted(missing)}")
    return wide[list(tickers)]


def _panel_returns(tickers, start: str, end: str) -> pd.Series:
    """Close ``start`` to close ``end`` return of each ticker (raises if a close is missing)."""
    w = _etf_closes(tuple(tickers))
    s, e = _day(start), _day(end)
    if e <= s:
        raise ValueError(f"A6: end {e.date()} must be after start {s.date()}")
    for d in (s, e):
        if d not in w.index or w.loc[d].isna().any():
            raise ValueError(f"us_close_panel: a close is missing on {d.date()}")
    return (w.loc[e] / w.loc[s] - 1).astype(float)


@evaluator("A6")
def _a6(spec: Spec) -> Evaluation:
    from mktlib import breadth

    r = breadth.period_returns(
        _daily(breadth.NDX_CONSTITUENT_FILE), "2025-11-21", "2025-12-05", name=breadth.NDX_CONSTITUENT_FILE
    )
    b = breadth.breadth(r)
    nd = _daily("ndx_1d")["close"]
    ndx = float(nd.loc[_day("2025-12-05")] / nd.loc[_day("2025-11-21")] - 1)
    ai, broad = list(spec["ai_etfs"]), list(spec["broad_etfs"])
    reg = _panel_returns(ai + broad, "2025-11-21", "2025-12-05")
    values = {
        "A6.share_constituents_up": b["share_up"],
        "A6.ndx_return_21nov_5dec": ndx,
        "A6.eqw_return_21nov_5dec": b["eqw_return"],
        "A6.eqw_minus_capw_return": b["eqw_return"] - ndx,
        **{f"A6.{t.lower()}_return_21nov_5dec": float(reg[t]) for t in ai + broad},
        "A6.ai_min_minus_broad_max": float(reg[ai].min() - reg[broad].max()),
    }
    w = _panel_returns(ai + broad, spec["start"], spec["end"])
    gap = float(w[ai].min() - w[broad].max())
    share_up = float((w[broad] > 0).mean())
    margin, strug = spec["margin"], spec["struggling_share"]
    verdict = verdict_a6(gap, share_up, margin, strug)
    txt = lambda ts: ", ".join(f"{t} {w[t]:+.1%}" for t in ts)  # noqa: E731
    reason = (
        f"Close {_dtext(spec['start'])} to close {_dtext(spec['end'])}: AI segments {txt(ai)}; broad "
        f"{txt(broad)}. The weakest AI segment beat the strongest broad one by {gap * 100:+.1f} pp "
        f"({'soaring' if gap > margin else 'no clear lead'}); {share_up:.0%} of the broad ETFs rose "
        f"({'struggling' if share_up <= strug else 'not struggling'}). The registered breadth of the "
        f"Nasdaq-100 is not computable: the constituent file has {int(b['n'])} of about 100 names "
        f"(all rose) and no market caps."
    )
    return Evaluation(
        values,
        parts={
            "A6a": Part(
                verdict,
                reason,
                statistic=gap,
                threshold=margin,
                inputs={
                    "ai_min_minus_broad_max": gap,
                    "broad_share_up": share_up,
                    "margin": margin,
                    "struggling_share": strug,
                },
            )
        },
    )


@input_space("A6a")
def _a6_space() -> pd.DataFrame:
    """The rule's inputs over every 10-session window from January 2024 to January 2026 (the same five
    ETFs, the same thresholds as the primary specification)."""
    from mktlib import claims

    th = claims.protocol()["claims"]["A6"]["thresholds"]
    ai, broad = list(th["ai_etfs"]), list(th["broad_etfs"])
    wide = _etf_closes(tuple(ai + broad)).loc["2024-01-01":"2026-01-31"]
    ret = (wide.shift(-10) / wide - 1).dropna()
    return pd.DataFrame(
        {
            "ai_min_minus_broad_max": (ret[ai].min(axis=1) - ret[broad].max(axis=1)).to_numpy(),
            "broad_share_up": (ret[broad] > 0).mean(axis=1).to_numpy(),
            "margin": th["margin"],
            "struggling_share": th["struggling_share"],
        }
    )


__all__ = [
    "cut_odds",
    "a5_model",
    "horse_race_results",
    "quote_fact",
    "threshold_fact",
    "verdict_quote",
    "verdict_collapse",
    "verdict_a5",
    "verdict_a6",
]
