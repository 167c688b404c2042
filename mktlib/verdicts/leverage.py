"""Evaluators for the claims of the leverage chapter (see mktlib.claims): D5, A4, A7, G3, G4.

The analytics live in :mod:`mktlib.leverage`; this module picks the measures, applies the rules of the
protocol (``mktlib/protocol.yaml``: thresholds and analyst choices are read from the
:class:`~mktlib.claims.Spec`, never typed here) and registers each part's rule as a pure function.

Units (``shared/briefs/verdicts.md`` section 7): positions are counted in coin for linear contracts
(Binance BTCUSDT) and in USD face (contracts x 100) for inverse ones (OKX BTC-USD-SWAP), whose coin
amount moves against the price. Where the two are added, OKX's face is valued in BTC at one fixed
price. The registered coin-unit measures are still reported as defined.

One BTC daily series for the book: ``mktlib.verdicts.episode.btc_daily()``; A1's date of the bounce:
``mktlib.verdicts.episode.first_close_above_90k()``.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from mktlib import claims as _claims
from mktlib import leverage as lev
from mktlib.claims import Evaluation, Part, Spec, evaluator, input_space, rule


def _day(s) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC") if pd.Timestamp(s).tzinfo is None else pd.Timestamp(s).tz_convert("UTC")


def _d(t) -> str:
    """A date for people: '5 Feb 2026'."""
    t = pd.Timestamp(t)
    return f"{t.day} {t:%b %Y}"


def _span(a, b) -> str:
    """Two dates for people: '24-30 Nov 2025', '27 Nov 2025-25 Feb 2026'."""
    a, b = pd.Timestamp(a), pd.Timestamp(b)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}-{b.day} {b:%b %Y}"
    return f"{_d(a)}-{_d(b)}"


# ------------------------------------------------------------------------------------- rules


def verdict_liquidation_total(covered: bool, ok: bool | None = None) -> str:
    """A quoted liquidation total: 'not testable' unless a market-wide liquidation series covers its
    window; then the book's tolerance rule (``ok``) decides.

    >>> verdict_liquidation_total(False)
    'not testable'
    >>> verdict_liquidation_total(True, ok=False)
    'contradicted'
    """
    if not covered:
        return "not testable"
    return "supported" if ok else "contradicted"


rule("D5a")(verdict_liquidation_total)
rule("A4a")(verdict_liquidation_total)
rule("G4a")(verdict_liquidation_total)


@rule("A7a")
def verdict_a7a(percentile: float, high: float, typical: float) -> str:
    """'Leverage is high': the window's position ratio ranks in the top of its own history (at or above
    ``high``): supported; at or below ``typical`` (no higher than a usual day): contradicted;
    in between: inconclusive (above its usual level, not high).

    >>> verdict_a7a(0.84, 0.80, 0.50), verdict_a7a(0.66, 0.80, 0.50), verdict_a7a(0.42, 0.80, 0.50)
    ('supported', 'inconclusive', 'contradicted')
    """
    if percentile >= high:
        return "supported"
    if percentile <= typical:
        return "contradicted"
    return "inconclusive"


@rule("A7b")
def verdict_a7b(n_waves: int, covered: bool) -> str:
    """'Another liquidation wave is likely', with hindsight: supported if at least one liquidation-wave
    proxy day falls in the horizon, contradicted if none does, inconclusive if the data do not reach
    the end of the horizon.

    >>> verdict_a7b(1, True), verdict_a7b(0, True), verdict_a7b(0, False)
    ('supported', 'contradicted', 'inconclusive')
    """
    if n_waves >= 1:
        return "supported"
    return "contradicted" if covered else "inconclusive"


@rule("G3a")
def verdict_g3a(change: float, significant: float, coverage: float = 1.0, min_coverage: float = 0.0) -> str:
    """'Open interest has fallen significantly': not testable when the venues measured hold less than
    ``min_coverage`` of the market's open interest (a proxy never decides); else supported if positions
    fell by at least ``significant`` over the window, contradicted otherwise.

    >>> verdict_g3a(-0.06, 0.05), verdict_g3a(0.003, 0.05), verdict_g3a(-0.049, 0.05)
    ('supported', 'contradicted', 'contradicted')
    >>> verdict_g3a(-0.06, 0.05, coverage=0.01, min_coverage=0.5)
    'not testable'
    """
    if coverage < min_coverage:
        return "not testable"
    return "supported" if change <= -significant else "contradicted"


# ------------------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def btc_daily() -> pd.DataFrame:
    """The book's one BTC daily series (``mktlib.verdicts.episode.btc_daily()``)."""
    from mktlib.verdicts import episode

    return episode.btc_daily()


@lru_cache(maxsize=1)
def bounce_day() -> pd.Timestamp:
    """A1's date: the first UTC daily close above 90,000 after 21 Nov 2025."""
    from mktlib.verdicts import episode

    return episode.first_close_above_90k()


@lru_cache(maxsize=1)
def funding_ann() -> pd.Series:
    """Binance BTCUSDT settled funding, annualised per record (:func:`mktlib.funding.annualise`)."""
    from mktlib import data, funding

    return funding.annualise(data.load("btc_funding_binance_8h"), name="btc_funding_binance_8h")


@lru_cache(maxsize=8)
def wave_proxy(max_return: float, volume_multiple: float, volume_window: int) -> pd.DataFrame:
    return lev.wave_proxy_days(
        btc_daily(), max_return=max_return, volume_multiple=volume_multiple, volume_window=volume_window
    )


@lru_cache(maxsize=1)
def liquidation_end() -> pd.Timestamp:
    """The end of the last closed 4h bar of the snapshot's only liquidation history (Binance only)."""
    return lev.liquidations().index[-1] + pd.Timedelta("4h")


@lru_cache(maxsize=1)
def okx_share() -> dict:
    """OKX BTC-USD-SWAP against CoinGlass's all-venue BTC open interest where both exist: its median
    share of the USD total and the correlation of daily changes in positions."""
    a = lev.agreement_table(lev.venue_oi(["all_coinglass", "okx_swap"]), [("all_coinglass", "okx_swap")]).iloc[0]
    return {"share": 1.0 / float(a["ratio_median"]), "corr": float(a["corr_change"])}


def article_horizon(article: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The book's one hindsight horizon (``mktlib.verdicts.episode.hindsight_window()``): the day after
    the article's date to ``hindsight_horizon_days`` days after it."""
    from mktlib.verdicts.episode import hindsight_window

    return hindsight_window(article)


# ------------------------------------------------------------------------ D5, A4: 20-21 Nov


NO_LIQ = (
    "the snapshot's only liquidation history (CoinGlass, Binance only, 4h bars) ends {end}; "
    "no market-wide liquidation series is in it"
)


@lru_cache(maxsize=1)
def proxy_20_21nov() -> dict:
    """The proxy of D5 and A4 over 20-21 Nov: the registered coin sum and the sum in positions, over
    the two days and day by day, with each venue's own changes."""
    p = lev.proxy_positions(("2025-11-20", "2025-11-21", "2025-11-22"))
    reg = lev.oi_change_20_21nov()

    def ch(col, i0, i1):
        return float(p[col].iloc[i1] / p[col].iloc[i0] - 1.0)

    return {
        "table": p,
        "coin_2d": float(reg["total"]["change"]),
        "pos_2d": ch("total_positions_btc", 0, 2),
        "pos_20": ch("total_positions_btc", 0, 1),
        "pos_21": ch("total_positions_btc", 1, 2),
        "bnb_20": ch("binance_coin", 0, 1),
        "bnb_21": ch("binance_coin", 1, 2),
        "bnb_2d": ch("binance_coin", 0, 2),
        "okx_k_2d": ch("okx_face_usd", 0, 2),
        "okx_coin_2d": ch("okx_coin", 0, 2),
    }


def _proxy_text() -> str:
    m = proxy_20_21nov()
    return (
        f"Proxy (informs, never decides): open interest in positions (Binance BTCUSDT coin plus OKX "
        f"BTC-USD-SWAP face in BTC at a fixed price) {m['pos_2d']:+.1%} over 20-21 Nov, "
        f"{m['pos_20']:+.1%} on 20 Nov and {m['pos_21']:+.1%} on 21 Nov (Binance {m['bnb_20']:+.1%} "
        f"then {m['bnb_21']:+.1%}: the two-day change nets the flush out). The registered coin sum, "
        f"{m['coin_2d']:+.1%}, adds OKX's coin amount ({m['okx_coin_2d']:+.1%}, a price effect of the "
        f"inverse swap; its contracts {m['okx_k_2d']:+.1%})."
    )


def _proxy_values(prefix: str) -> dict:
    m = proxy_20_21nov()
    return {
        f"{prefix}.liquidations_20_21nov": None,
        f"{prefix}.oi_change_coin_20_21nov": m["coin_2d"],
        f"{prefix}.oi_change_positions_20_21nov": m["pos_2d"],
        f"{prefix}.oi_change_positions_20nov": m["pos_20"],
        f"{prefix}.oi_change_positions_21nov": m["pos_21"],
    }


def _liq_part(window_end: str, what: str) -> Part:
    end = liquidation_end()
    covered = bool(end >= _day(window_end))
    verdict = verdict_liquidation_total(covered)
    reason = (
        f"{what} cannot be measured: " + NO_LIQ.format(end=f"{end:%d %b %Y %H:%M} UTC") + ". "
        if not covered
        else f"{what}: the liquidation data cover the window. "
    )
    return Part(verdict, reason, inputs={"covered": covered})


@evaluator("D5")
def _d5(spec: Spec) -> Evaluation:
    part = _liq_part(spec["window_end"], "Liquidations over 20-21 Nov ($930m from 245,000 traders; $2bn)")
    part.reason += _proxy_text()
    return Evaluation(_proxy_values("D5"), parts={"D5a": part})


@evaluator("A4")
def _a4(spec: Spec) -> Evaluation:
    part = _liq_part(spec["window_end"], "The ~$1bn of leveraged bets erased on 20-21 Nov")
    part.reason += _proxy_text()
    return Evaluation(_proxy_values("A4"), parts={"A4a": part})


@evaluator("G4")
def _g4(spec: Spec) -> Evaluation:
    d0 = _day(_claims.articles()["002"]["date"])
    part = _liq_part(str(d0.date()), f"The ~$180m liquidated in the day before {_d(d0)} and its short share")
    return Evaluation({"G4.liquidations_jan": None, "G4.short_liq_share_jan": None}, parts={"G4a": part})


# ------------------------------------------------------------------------------------- A7


@lru_cache(maxsize=1)
def a7_fixed() -> dict:
    """A7's numbers that no analyst choice changes: the registered 10 Oct benchmark on OKX coin and the
    same window on every available series, the all-venue ratio on its last day, the largest 24h fall
    of OKX coin OI after the bounce (registered), and where the data end."""
    oi = lev.venue_oi()
    t0, t1 = "2025-10-10 00:00Z", "2025-10-11 12:00Z"
    okx = oi[oi["venue"] == "okx_swap"]
    coin = okx["oi_coin"].rename("okx_swap:coin")
    oct10 = lev.change_between(coin, t0, t1, max_staleness="3h")
    oct10_k = lev.change_between(okx["oi_contracts"].rename("okx contracts"), t0, t1, max_staleness="3h")
    allv = oi.loc[oi["venue"] == "all_coinglass", "oi_coin"].rename("all_coinglass:coin")
    oct10_all = lev.change_between(allv, t0, t1, max_staleness="3h")
    start = bounce_day() + pd.Timedelta("1D")  # the bounce day's close instant
    fall = lev.max_fall_within(coin, window="24h", start=start)
    ra = lev.leverage_ratios(oi)["all_coinglass"]
    last = ra.index[-1]
    return {
        "oct10": oct10,
        "oct10_k": oct10_k,
        "oct10_all": oct10_all,
        "max_fall": fall,
        "all_last_day": last,
        "all_last_pct": lev.percentile_rank(float(ra["ratio"].iloc[-1]), ra["ratio"]),
        "all_n": len(ra),
        "okx_end": coin.index[-1],
    }


@lru_cache(maxsize=64)
def a7_leverage(shift: int, window: tuple[str, str]) -> dict:
    """The late-November window shifted by ``shift`` days and its percentile on every gauge (position
    units), with the registered OKX coin ratio."""
    w = lev.shifted_window(window, shift)
    out = {"window": w}
    for g in lev.GAUGES:
        out[g] = lev.late_leverage(lev.position_ratio(g, w), w)
    out["okx_coin"] = lev.late_leverage(lev.leverage_ratios()["okx_swap"], w)
    return out


def a7_waves(spec: Spec) -> dict:
    """A7b's hindsight: liquidation-wave proxy days in the book's horizon after article 000 and to the
    end of the data, with the first day's return, volume ratio and the funding that followed."""
    proxy = wave_proxy(float(spec["max_return"]), float(spec["volume_multiple"]), int(spec["volume_window_days"]))
    d0, d1 = article_horizon("000")
    last = btc_daily().index[-1]
    inh = lev.waves_between(proxy, d0, d1)
    toend = lev.waves_between(proxy, d0, last)
    out = {
        "from": d0,
        "to": d1,
        "data_end": last,
        "covered": bool(last >= d1),
        "n": len(inh),
        "n_end": len(toend),
        "first": inh.index[0] if len(inh) else None,
        "days": inh,
    }
    if len(inh):
        f = inh.iloc[0]
        out.update(
            ret=float(f["ret"]),
            vr=float(f["volume_ratio"]),
            funding=lev.funding_min_after(funding_ann(), inh.index[0], int(spec["funding_days_after"])),
        )
    else:
        out.update(ret=None, vr=None, funding=None)
    return out


@evaluator("A7")
def _a7(spec: Spec) -> Evaluation:
    fx = a7_fixed()
    lv = a7_leverage(int(spec["window_shift"]), (spec["window_start"], spec["window_end"]))
    g = spec["gauge"]
    pct = float(lv[g]["percentile"])
    va = verdict_a7a(pct, spec["high_percentile"], spec["typical_percentile"])
    labels = {
        "available": "Binance BTCUSDT plus OKX BTC-USD-SWAP",
        "binance": "Binance BTCUSDT",
        "okx": "OKX BTC-USD-SWAP",
    }
    w0, w1 = lv["window"]
    reason_a = (
        f"Mean ratio over {_span(w0, w1)} in positions ({labels[g]}) at the {pct:.2f} percentile of its "
        f"{lv[g]['n_history']} earlier days (high: at or above {spec['high_percentile']:.2f}; usual: at or "
        f"below {spec['typical_percentile']:.2f}): {va}. Binance alone {lv['binance']['percentile']:.2f}, OKX "
        f"in contracts {lv['okx']['percentile']:.2f}; OKX's registered coin ratio ranks "
        f"{lv['okx_coin']['percentile']:.2f} only because an inverse swap's ratio rises when the price falls. "
        f"The one market-wide gauge, all venues, ends on {_d(fx['all_last_day'])}, at the "
        f"{fx['all_last_pct']:.2f} percentile of its {fx['all_n']} days."
    )
    wv = a7_waves(spec)
    vb = verdict_a7b(wv["n"], wv["covered"])
    rule_txt = (
        f"a day with a return at or below {spec['max_return']:.0%} on at least {spec['volume_multiple']:g}x "
        f"the median volume of the previous {spec['volume_window_days']} days"
    )
    if wv["n"]:
        reason_b = (
            f"Liquidation totals after 14 Nov 2025 are missing; judged on the wave's footprint ({rule_txt}). "
            f"Within {_span(wv['from'], wv['to'])} ({_claims.defaults()['hindsight_horizon_days']} days "
            f"after the article): {wv['n']} proxy day{'s' if wv['n'] > 1 else ''}, the first {_d(wv['first'])} "
            f"({(wv['first'] - bounce_day()).days} days after the bounce): BTC {wv['ret']:+.1%} on "
            f"{wv['vr']:.1f}x volume, Binance funding down to {wv['funding']:+.1%} a year within "
            f"{spec['funding_days_after']} days: {vb}. To the end of the data ({_d(wv['data_end'])}): "
            f"{wv['n_end']} proxy day{'' if wv['n_end'] == 1 else 's'}."
        )
    else:
        reason_b = (
            f"Liquidation totals after 14 Nov 2025 are missing; judged on the wave's footprint ({rule_txt}). "
            f"No such day within {_span(wv['from'], wv['to'])}: {vb}. To the end of the data "
            f"({_d(wv['data_end'])}): {wv['n_end']} day(s)."
        )
    values = {
        "A7.leverage_ratio_late_nov": float(lv["okx_coin"]["value"]),
        "A7.leverage_ratio_percentile": float(lv["okx_coin"]["percentile"]),
        "A7.leverage_ratio_available_late_nov": float(lv["available"]["value"]),
        "A7.leverage_pct_available": float(lv["available"]["percentile"]),
        "A7.leverage_pct_binance": float(lv["binance"]["percentile"]),
        "A7.leverage_pct_okx_positions": float(lv["okx"]["percentile"]),
        "A7.leverage_pct_all_venues_last": float(fx["all_last_pct"]),
        "A7.oi_drop_coin_10oct": float(fx["oct10"]["change"]),
        "A7.oi_change_contracts_okx_10oct": float(fx["oct10_k"]["change"]),
        "A7.oi_change_coin_all_venues_10oct": float(fx["oct10_all"]["change"]),
        "A7.max_oi_drop_coin_after_bounce": float(fx["max_fall"]["change"]),
        "A7.wave_days_horizon": int(wv["n"]),
        "A7.first_wave_day": wv["first"].date() if wv["first"] is not None else None,
        "A7.first_wave_day_return": wv["ret"],
        "A7.first_wave_day_volume_ratio": wv["vr"],
        "A7.funding_min_after_first_wave": wv["funding"],
        "A7.wave_days_to_end": int(wv["n_end"]),
    }
    return Evaluation(
        values,
        parts={
            "A7a": Part(
                va,
                reason_a,
                statistic=pct,
                threshold=float(spec["high_percentile"]),
                inputs={
                    "percentile": pct,
                    "high": float(spec["high_percentile"]),
                    "typical": float(spec["typical_percentile"]),
                },
            ),
            "A7b": Part(
                vb,
                reason_b,
                statistic=float(wv["n"]),
                threshold=1.0,
                inputs={"n_waves": int(wv["n"]), "covered": bool(wv["covered"])},
            ),
        },
    )


@input_space("A7a")
def _a7a_space() -> pd.DataFrame:
    """The primary gauge's rule at every 7-day window of its history (at least 60 earlier days)."""
    th = _claims.protocol()["claims"]["A7"]
    w = (th["thresholds"]["window_start"], th["thresholds"]["window_end"])
    days = (pd.Timestamp(w[1]) - pd.Timestamp(w[0])).days + 1
    r = lev.rolling_percentiles(lev.position_ratio(th["primary"]["gauge"], w), days=days)
    return pd.DataFrame(
        {
            "percentile": r["percentile"],
            "high": float(th["thresholds"]["high_percentile"]),
            "typical": float(th["thresholds"]["typical_percentile"]),
        }
    )


@input_space("A7b")
def _a7b_space() -> pd.DataFrame:
    """The primary rule's count of proxy days in the horizon after every day of the BTC series that
    has a full horizon of data after it (and the volume history the rule needs before it)."""
    th = _claims.protocol()["claims"]["A7"]
    p = wave_proxy(
        float(th["primary"]["max_return"]),
        float(th["primary"]["volume_multiple"]),
        int(th["thresholds"]["volume_window_days"]),
    )
    h = int(_claims.defaults()["hindsight_horizon_days"])
    flags = p["flag"].astype(int)
    ahead = flags[::-1].rolling(h, min_periods=h).sum()[::-1].shift(-1)  # days t+1 .. t+h
    ok = p["volume_ratio"].notna() & ahead.notna()
    return pd.DataFrame({"n_waves": ahead[ok].astype(int), "covered": True}).reset_index(drop=True)


# ------------------------------------------------------------------------------------- G3


@lru_cache(maxsize=1)
def okx_daily_last() -> pd.DataFrame:
    """OKX BTC-USD-SWAP: the last snapshot of each UTC day (coin, contracts, price)."""
    o = lev.venue_oi(["okx_swap"])
    return o.groupby(o.index.floor("D"))[["oi_coin", "oi_contracts", "price"]].last()


@evaluator("G3")
def _g3(spec: Spec) -> Evaluation:
    d0 = _day(spec["window_start"]) + pd.Timedelta(days=int(spec["start_shift"]))
    d1 = _day(spec["window_end"]) + pd.Timedelta(days=int(spec["end_shift"]))
    c = lev.oi_change_okx(f"{d0:%Y-%m-%d}", f"{d1:%Y-%m-%d}")
    sig = float(spec["significant"])
    sh = okx_share()
    cov, mincov = float(sh["share"]), float(spec["min_coverage"])
    v = verdict_g3a(c["contracts_change"], sig, cov, mincov)
    reason = (
        f"OKX BTC-USD-SWAP, the only venue with open interest in the window (about {sh['share']:.1%} of "
        f"all-venue BTC open interest where both exist; daily changes correlate {sh['corr']:.2f}): positions "
        f"(contracts) {c['contracts_change']:+.1%} from the last snapshot of {_d(c['t0'])} to the last of "
        f"{_d(c['t1'])}, against a significant fall of {sig:.0%}. "
        + (
            f"Not testable: the market's open interest in January is not in the snapshot (Binance's series ends "
            f"17 Dec 2025, CoinGlass's 14 Nov), and OKX holds less than {mincov:.0%} of it, so its change is a "
            f"proxy that does not decide. "
            if v == "not testable"
            else f"{v}. "
        )
        + f"Its coin amount changed "
        f"{c['coin_change']:+.1%} while the price changed {c['price_change']:+.1%} (an inverse swap's coin OI "
        f"falls when the price rises, with no position closed)."
    )
    return Evaluation(
        {
            "G3.oi_change_coin": c["coin_change"],
            "G3.oi_change_positions": c["contracts_change"],
            "G3.price_change": c["price_change"],
        },
        parts={
            "G3a": Part(
                v,
                reason,
                statistic=c["contracts_change"],
                threshold=-sig,
                inputs={
                    "change": float(c["contracts_change"]),
                    "significant": sig,
                    "coverage": cov,
                    "min_coverage": mincov,
                },
            )
        },
    )


@input_space("G3a")
def _g3a_space() -> pd.DataFrame:
    """The rule on every window of the same length (last snapshot of a day to the last of the day
    five days later) in the OKX history, at the primary threshold."""
    th = _claims.protocol()["claims"]["G3"]["thresholds"]
    n = (pd.Timestamp(th["window_end"]) - pd.Timestamp(th["window_start"])).days
    k = okx_daily_last()["oi_contracts"]
    k = k.reindex(pd.date_range(k.index[0], k.index[-1], freq="D", tz="UTC"))
    ch = (k.shift(-n) / k - 1.0).dropna()
    return pd.DataFrame(
        {
            "change": ch.to_numpy(),
            "significant": float(th["significant"]),
            "coverage": float(okx_share()["share"]),
            "min_coverage": float(th["min_coverage"]),
        }
    )
