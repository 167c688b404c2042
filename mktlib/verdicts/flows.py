"""Evaluators for the claims of the flows chapter (see mktlib.claims): K3 (ETF outflow) and K4 (DAT spiral).

The verdict functions (``k3_verdict``, ``k4_verdict``) are pure: they take the measured numbers and
apply the stated rule, so they are tested on hand-made inputs; ``k3_measures`` / ``k4_measures`` read
the snapshot (``k4_measures`` takes its window so the chapter can shift it by +/- 2 days).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from mktlib.claims import Evaluation, evaluator

# ---- K3 -------------------------------------------------------------------------------------------

K3_CLAIMED = -900.0          # US$ m, "an outflow of 900 million dollars last night"
K3_TOL = 0.15                # +/- 15% of the claimed size counts as "about $900m"
K3_MIN_OUTFLOW = -300.0      # an outflow smaller than $300m is not a large outflow
K3_DAY = "2025-11-20"        # "last night" for an article written 21-22 Nov = the flow of US trading day 20 Nov
K3_RULE = ("supported if the total US spot-bitcoin ETF net flow on US trading day 2025-11-20 (the 'last night' "
           "of an article written on 21-22 Nov; flows are published after the US close) is an outflow within "
           "15% of $900m (between -$1,035m and -$765m); partly supported if that day's flow is an outflow of "
           "at least $300m of another size, or if an outflow within 15% of $900m falls on another US trading "
           "day within 2 sessions of 20 Nov; contradicted otherwise. The November total is context, not part "
           "of the rule.")


def k3_verdict(flow_day: float, nearby: dict[str, float]) -> tuple[str, str]:
    """Apply the K3 rule. ``flow_day``: US$ m on 20 Nov; ``nearby``: date -> flow for +/- 2 sessions."""
    lo, hi = K3_CLAIMED * (1 + K3_TOL), K3_CLAIMED * (1 - K3_TOL)
    if lo <= flow_day <= hi:
        return "supported", (f"net flow on {K3_DAY} {flow_day:,.1f} $m, within 15% of the claimed -900 "
                             f"({lo:,.0f} to {hi:,.0f})")
    near = {d: f for d, f in nearby.items() if lo <= f <= hi}
    if near:
        d, f = next(iter(near.items()))
        return "partly supported", (f"net flow on {K3_DAY} {flow_day:,.1f} $m is outside {lo:,.0f} to {hi:,.0f}, "
                                    f"but {d} had {f:,.1f} $m")
    if flow_day <= K3_MIN_OUTFLOW:
        return "partly supported", (f"net flow on {K3_DAY} {flow_day:,.1f} $m: a large outflow, but not "
                                    f"within 15% of 900")
    return "contradicted", f"net flow on {K3_DAY} {flow_day:,.1f} $m: no outflow of about $900m"


def k3_measures() -> dict:
    """K3 values from the snapshot (per-fund file summed over funds; checked against Farside totals)."""
    from mktlib import data, flows

    tot = flows.total_flows(data.load("etf_flows_by_fund"))
    far = data.load("etf_flows_farside")["total"]
    day = pd.Timestamp(K3_DAY, tz="UTC")
    i = tot.index.get_loc(day)
    nearby = {d.date().isoformat(): float(tot.iloc[j]) for j in (i - 2, i - 1, i + 1, i + 2)
              for d in [tot.index[j]]}
    return {"flow_day": float(tot.loc[day]), "farside_day": float(far.loc[day]),
            "nov_total": flows.window_sum(tot, "2025-11-03", "2025-11-28"),
            "nov_total_farside": flows.window_sum(far, "2025-11-03", "2025-11-28"), "nearby": nearby,
            "n_nov_days": int(len(tot.loc["2025-11-03":"2025-11-28"]))}


@evaluator("K3", rule=K3_RULE)
def _k3() -> Evaluation:
    m = k3_measures()
    verdict, why = k3_verdict(m["flow_day"], m["nearby"])
    reason = (f"{why}; sum over funds equals the Farside total ({m['farside_day']:,.1f}). November total "
              f"{m['nov_total']:,.1f} $m over {m['n_nov_days']} trading days.")
    return Evaluation({"K3.etf_flow_20nov": m["flow_day"], "K3.etf_flow_nov_total": m["nov_total"]},
                      verdict=verdict, reason=reason)


# ---- K4 -------------------------------------------------------------------------------------------

K4_NAMED = {"MSTR": "BTC", "SQNS": "BTC", "BMNR": "ETH", "FGNX": "ETH"}
K4_START, K4_END = "2025-10-01", "2025-11-21"        # drawdowns and betas: sessions in [start, end]
K4_HOLD_START, K4_HOLD_END = "2025-10-01", "2025-11-30"
K4_COMPRESSION = -0.05       # stock minus coin return below -5 pp counts as a shrinking premium
K4_RULE = ("A sell-coins death spiral needs (a) equity-side stress and (b) coin sales. (a) holds for a company "
           "if its premium proxy (stock return minus its coin's return, NY close 2025-09-30 to NY close "
           "2025-11-21) is below -5 pp AND its max drawdown (closes 1 Oct-21 Nov) is deeper than its coin's "
           "(coin sampled at the NY close); (b) holds if Strategy, the largest holder, cut its BTC holdings "
           "(net change 1 Oct-30 Nov < 0 in the daily holdings file). Supported if (a) holds for at least 3 of "
           "MSTR, SQNS, BMNR, FGNX and (b) holds; partly supported if (a) holds for at least 3 but (b) does not "
           "(premium compression without net coin sales by the largest holder), or if (a) holds for exactly 2; "
           "contradicted if (a) holds for fewer than 2. Betas and mNAV are reported, not part of the rule "
           "(no share counts in the snapshot, so market-cap mNAV is not measurable).")


def k4_verdict(excess: dict[str, float], drawdown: dict[str, float], coin_drawdown: dict[str, float],
               mstr_holdings_change: float) -> tuple[str, str, list[str]]:
    """Apply the K4 rule; returns (verdict, reason, tickers meeting condition (a))."""
    stressed = [t for t in excess if excess[t] < K4_COMPRESSION and drawdown[t] < coin_drawdown[t]]
    sells = mstr_holdings_change < 0
    n = len(stressed)
    if n >= 3 and sells:
        v = "supported"
    elif n >= 2:
        v = "partly supported"
    else:
        v = "contradicted"
    parts = ", ".join(f"{t} {excess[t]:+.1%} vs coin (drawdown {drawdown[t]:.1%} vs {coin_drawdown[t]:.1%})"
                      for t in excess)
    reason = (f"(a) premium compression and a deeper drawdown than the coin for {n} of {len(excess)} "
              f"({', '.join(stressed) or 'none'}): {parts}; (b) Strategy's BTC holdings changed by "
              f"{mstr_holdings_change:+,.0f} BTC over 1 Oct-30 Nov ({'net seller' if sells else 'net buyer'})")
    return v, reason, stressed


@lru_cache(maxsize=1)
def _k4_inputs():
    """Snapshot inputs of K4, loaded once: NY closes of the named DATs, BTC/ETH at the NY close, daily
    UTC closes of BTC/ETH, and the BTC holdings of Strategy and Sequans. Treat as read-only."""
    from mktlib import data, treasuries as tr

    closes = tr.dat_closes(list(K4_NAMED), tr.DAT_START, "2026-01-30")
    coins = tr.coins_at_ny_close("2025-06-02", "2026-01-30")
    at_close = {c: coins[c]["price"].reindex(closes.index) for c in ("BTC", "ETH")}
    daily = {"BTC": data.load("btc_spot_1d")["close"], "ETH": data.load("eth_spot_1d")["close"]}
    h = data.load("treasury_btc_holdings_1d")
    hold = {"MSTR": tr.holdings(h, "MSTR:NADQ"), "SQNS": tr.holdings(h, "SQNS:NYSE")}
    return closes, at_close, daily, hold


def k4_measures(start: str = K4_START, end: str = K4_END, hold_start: str = K4_HOLD_START,
                hold_end: str = K4_HOLD_END) -> dict:
    """K4 values from the snapshot for a window (defaults: the registry's)."""
    from mktlib import treasuries as tr

    closes, at_close, daily, hold = _k4_inputs()
    tab = tr.dat_table(closes, at_close, K4_NAMED, start, end)
    coin_dd_utc = {c: float(tr.max_drawdown(daily[c], start, end)["drawdown"]) for c in daily}
    return {"table": tab, "coin_dd_utc": coin_dd_utc,
            "mstr_change": tr.holdings_change(hold["MSTR"], hold_start, hold_end),
            "sqns_change": tr.holdings_change(hold["SQNS"], hold_start, hold_end)}


def k4_robustness(shift: int = 2) -> pd.DataFrame:
    """The K4 verdict with the window's start or end moved by up to ``shift`` NY sessions (one at a
    time; the holdings window's end moves with the end). One row per window."""
    closes = _k4_inputs()[0]
    sess = closes.index
    s0, s1 = sess.get_loc(pd.Timestamp(K4_START, tz="UTC")), sess.get_loc(pd.Timestamp(K4_END, tz="UTC"))
    rows = []
    for which, k in [("start", d) for d in range(-shift, shift + 1)] + \
                    [("end", d) for d in range(-shift, shift + 1) if d != 0]:
        a, b = (s0 + k, s1) if which == "start" else (s0, s1 + k)
        start, end = sess[a].date().isoformat(), sess[b].date().isoformat()
        hold_end = (pd.Timestamp(K4_HOLD_END) + pd.Timedelta(days=k)).date().isoformat() if which == "end" \
            else K4_HOLD_END
        m = k4_measures(start, end, K4_HOLD_START, hold_end)
        t = m["table"]
        v, _, stressed = k4_verdict(t["excess"].to_dict(), t["drawdown"].to_dict(), t["coin_drawdown"].to_dict(),
                                    m["mstr_change"])
        rows.append({"moved": which, "sessions": k, "start": start, "end": end, "n_stressed": len(stressed),
                     "mstr_excess": t.loc["MSTR", "excess"], "mstr_holdings_change": m["mstr_change"],
                     "verdict": v})
    return pd.DataFrame(rows)


@evaluator("K4", rule=K4_RULE)
def _k4() -> Evaluation:
    m = k4_measures()
    tab = m["table"]
    v, why, _ = k4_verdict(tab["excess"].to_dict(), tab["drawdown"].to_dict(), tab["coin_drawdown"].to_dict(),
                           m["mstr_change"])
    values = {"K4.mstr_drawdown": tab.loc["MSTR", "drawdown"], "K4.bmnr_drawdown": tab.loc["BMNR", "drawdown"],
              "K4.sqns_drawdown": tab.loc["SQNS", "drawdown"], "K4.fgnx_drawdown": tab.loc["FGNX", "drawdown"],
              "K4.btc_drawdown": m["coin_dd_utc"]["BTC"], "K4.eth_drawdown": m["coin_dd_utc"]["ETH"],
              "K4.mstr_beta_btc": tab.loc["MSTR", "beta"], "K4.bmnr_beta_eth": tab.loc["BMNR", "beta"],
              "K4.sqns_beta_btc": tab.loc["SQNS", "beta"], "K4.fgnx_beta_eth": tab.loc["FGNX", "beta"],
              "K4.mstr_vs_btc": tab.loc["MSTR", "excess"], "K4.bmnr_vs_eth": tab.loc["BMNR", "excess"],
              "K4.sqns_vs_btc": tab.loc["SQNS", "excess"], "K4.fgnx_vs_eth": tab.loc["FGNX", "excess"],
              "K4.mstr_mnav_21nov": None,
              "K4.mstr_btc_holdings_change_oct_nov": m["mstr_change"]}
    values = {k: (float(x) if x is not None else None) for k, x in values.items()}
    reason = (f"{why}. Sequans (SQNS) did sell: its BTC holdings changed by {m['sqns_change']:+,.0f} BTC in the "
              f"same period. K4.mstr_mnav_21nov is not measurable: the snapshot has BTC holdings but no share "
              f"counts or market capitalisations (price-based premium proxies are used instead).")
    return Evaluation(values, verdict=v, reason=reason)
