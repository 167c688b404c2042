"""Evaluators for the claims of the leverage chapter (see mktlib.claims): D5, A4, A7, G3, G4.

The analytics live in :mod:`mktlib.leverage`; this module picks the registered numbers and applies
the rules. The pure rule functions (``a7_verdict``, ``g3_verdict``) take numbers, so they are tested
on hand-made inputs as well as on the snapshot.
"""

from __future__ import annotations

import math

import pandas as pd

from mktlib import leverage as lev
from mktlib.claims import Evaluation, evaluator

HIGH_PERCENTILE = 0.80      # A7: "high" leverage = top fifth of the ratio's own daily history
G3_SIGNIFICANT = -0.05      # G3: a "significant" fall = at least 5% (the deleveraging rule's size)
LATE_NOV = ("2025-11-24", "2025-11-30")
BOUNCE_CLOSE = "2025-11-26"  # A1.first_close_above_90k (first Binance daily close above 90k after 21 Nov)

NO_LIQ = ("the snapshot's liquidation data (CoinGlass, Binance only, 4h) end 2025-11-14 16:00 UTC and no "
          "other liquidation source is in it")

PROXY_RULE = (f"not testable: the claim is a liquidation total (USD) and {NO_LIQ}. The proxy, the change in coin "
              "open interest over 20-21 Nov (Binance BTCUSDT daily and OKX BTC-USD-SWAP hourly, summed in BTC), is "
              "reported but cannot confirm or refute a liquidation total: open interest falls when positions are "
              "closed voluntarily and can rise while liquidations happen (on 10 Oct Binance's liquidations were "
              "only about an eighth of its open-interest fall), so the verdict stays 'not testable' whatever the "
              "proxy shows.")


def first_close_above(level: float = 90_000.0, after: str = "2025-11-21") -> pd.Timestamp:
    """The UTC date of the first Binance spot daily close above ``level`` after ``after`` (A1's rule)."""
    from mktlib import data
    d = data.load("btc_spot_1d")["close"]
    d = d[d.index > pd.Timestamp(after, tz="UTC")]
    above = d[d > level]
    if above.empty:
        raise ValueError(f"no daily close above {level} after {after}")
    return above.index[0]


def _proxy_values(prefix: str) -> tuple[dict, str]:
    p = lev.oi_change_20_21nov()
    b, o = p["binance_btcusdt"], p["okx_swap"]
    values = {f"{prefix}.oi_change_coin_20_21nov": p["total"]["change"]}
    detail = (f"proxy: coin OI {p['total']['change']:+.1%} summed over Binance BTCUSDT ({b['change']:+.1%}, "
              f"{b['v0']:,.0f} -> {b['v1']:,.0f} BTC, readings {b['t0']:%d %b %H:%M} -> {b['t1']:%d %b %H:%M} UTC) "
              f"and OKX BTC-USD-SWAP ({o['change']:+.1%}, {o['v0']:,.0f} -> {o['v1']:,.0f} BTC, "
              f"{o['t0']:%d %b %H:%M} -> {o['t1']:%d %b %H:%M} UTC; in contracts, its position count, "
              f"{p['okx_contracts_change']:+.1%}: the coin figure of this inverse swap rises when the price falls)")
    return values, detail


@evaluator("D5", rule=PROXY_RULE)
def _d5() -> Evaluation:
    values, detail = _proxy_values("D5")
    values["D5.liquidations_20_21nov"] = None
    return Evaluation(values, "not testable",
                      f"Liquidations over 20-21 Nov cannot be measured: {NO_LIQ}. {detail[0].upper() + detail[1:]}; "
                      "a small fall in open interest neither confirms nor refutes $930m-$2bn of liquidations.")


@evaluator("A4", rule=PROXY_RULE)
def _a4() -> Evaluation:
    values, detail = _proxy_values("A4")
    values["A4.liquidations_20_21nov"] = None
    return Evaluation(values, "not testable",
                      f"Liquidations during the 20-21 Nov selloff cannot be measured: {NO_LIQ}. "
                      f"{detail[0].upper() + detail[1:]}; it does not measure the ~$1bn of bets erased.")


@evaluator("G4", rule=f"not testable: the claim is a one-day liquidation total and its long/short split in early "
                      f"January 2026, and {NO_LIQ}.")
def _g4() -> Evaluation:
    return Evaluation({"G4.liquidations_jan": None, "G4.short_liq_share_jan": None}, "not testable",
                      f"No liquidation data for 3-4 Jan 2026: {NO_LIQ}. Neither the ~$180m total nor the short "
                      "share can be measured.")


# ------------------------------------------------------------------------------------------- A7

A7_RULE = (
    "Two parts. (1) 'Leverage is high': the late-November leverage ratio (open interest / market cap, mean over "
    "24-30 Nov 2025) ranks at or above the 80th percentile of its own daily history up to 23 Nov on BOTH gauges "
    "that cover late November: OKX BTC-USD-SWAP (the registered measure) and Binance BTCUSDT (linked to CoinGlass's "
    "Binance USDT-M history from 19 May). (2) 'Another liquidation wave' (hindsight): after the first daily close "
    "above 90k (26 Nov; readings from 27 Nov 00:00 UTC) to the end of the open-interest data, the deleveraging rule "
    "of mktlib.leverage (position open interest down >= 5% from its 24h high with a >= 3% price move; OKX in "
    "contracts, the position count of this inverse swap) flags a downward event (the price fell: the claim's wave "
    "follows a price drop) that is not contradicted by Binance: where Binance BTCUSDT daily OI covers the event (to "
    "17 Dec) its coin OI must also have fallen over the event. "
    "Supported if both parts hold, partly supported if one holds, contradicted if neither holds.")


def a7_verdict(pct_okx: float, pct_binance: float, wave: bool, high: float = HIGH_PERCENTILE) -> str:
    """A7's rule on its inputs: percentile ranks of the two late-November ratios and the hindsight flag.

    >>> a7_verdict(0.97, 0.84, False)
    'partly supported'
    """
    parts = int(pct_okx >= high and pct_binance >= high) + int(bool(wave))
    return {2: "supported", 1: "partly supported", 0: "contradicted"}[parts]


def a7_waves(start: pd.Timestamp, oi: pd.DataFrame | None = None) -> pd.DataFrame:
    """Deleveraging events on OKX contracts ending at or after ``start``, with Binance BTCUSDT coin OI
    over each event where Binance covers it (``binance_change``, NaN beyond 17 Dec), ``downward``
    (the price fell over the event) and ``counts`` (downward, and Binance fell or does not cover it)."""
    oi = lev.venue_oi() if oi is None else oi
    okx = oi[oi["venue"] == "okx_swap"]
    s = okx["oi_contracts"].rename("okx_swap:contracts")
    ev = lev.deleveraging_events(s[s.index >= start], okx.loc[okx.index >= start, "price"])
    b = oi.loc[oi["venue"] == "binance_btcusdt", "oi_coin"].rename("binance_btcusdt:coin")
    rows = []
    for r in ev.to_dict("records"):
        t0, t1 = r["start"].floor("D"), r["end"].ceil("D")    # Binance daily readings bracketing the event
        if t0 >= b.index[0] and t1 <= b.index[-1]:
            bc = float(b.loc[t1] / b.loc[t0] - 1.0)
        else:
            bc = float("nan")
        down = bool(r["price_change"] < 0)
        rows.append({**r, "binance_from": t0, "binance_to": t1, "binance_change": bc, "downward": down,
                     "counts": bool(down and (math.isnan(bc) or bc < 0))})
    return pd.DataFrame(rows, columns=list(ev.columns) + ["binance_from", "binance_to", "binance_change",
                                                          "downward", "counts"])


def a7_measures(window: tuple[str, str] = LATE_NOV, bounce_close: str = BOUNCE_CLOSE) -> dict:
    """Everything A7 needs (also used by the chapter's +/- 2-day check)."""
    oi = lev.venue_oi()
    ratios = lev.leverage_ratios(oi)
    okx = lev.late_leverage(ratios["okx_swap"], window)
    bnb = lev.late_leverage(ratios["binance_linked"], window)
    start = pd.Timestamp(bounce_close, tz="UTC") + pd.Timedelta("1D")     # the close instant
    coin = oi.loc[oi["venue"] == "okx_swap", "oi_coin"].rename("okx_swap:coin")
    oct10 = lev.change_between(coin, "2025-10-10 00:00Z", "2025-10-11 12:00Z", max_staleness="3h")
    fall = lev.max_fall_within(coin, window="24h", start=start)
    waves = a7_waves(start, oi)
    return {"okx": okx, "binance": bnb, "oct10": oct10, "max_fall": fall, "waves": waves, "start": start,
            "wave": bool(waves["counts"].any()) if len(waves) else False,
            "okx_end": coin.index[-1], "link": ratios["binance_linked"].attrs["link"]}


@evaluator("A7", rule=A7_RULE)
def _a7() -> Evaluation:
    m = a7_measures()
    verdict = a7_verdict(m["okx"]["percentile"], m["binance"]["percentile"], m["wave"])
    w = m["waves"]
    if len(w):
        listed = "; ".join(f"{r.start:%d %b %H:%M}-{r.end:%d %b %H:%M} UTC OKX contracts {r.oi_change:+.1%}, price "
                           f"{r.price_change:+.1%}, Binance coin OI "
                           + ("not covered" if math.isnan(r.binance_change) else f"{r.binance_change:+.1%}")
                           for r in w.itertuples())
        waves = f"events after the bounce: {listed}"
    else:
        waves = "no event after the bounce"
    part1 = m["okx"]["percentile"] >= HIGH_PERCENTILE and m["binance"]["percentile"] >= HIGH_PERCENTILE
    reason = (f"(1) {'holds' if part1 else 'does not hold'}: late-Nov ratio {m['okx']['value']:.3%} of market cap on "
              f"OKX BTC-USD-SWAP, percentile {m['okx']['percentile']:.2f} of {m['okx']['n_history']} days; Binance "
              f"BTCUSDT {m['binance']['value']:.3%}, percentile {m['binance']['percentile']:.2f}. "
              f"(2) {'holds' if m['wave'] else 'does not hold'}: {waves}; OKX open interest ends "
              f"{m['okx_end']:%d %b %Y}, before the February 2026 drawdown. The registered coin-unit numbers: "
              f"largest 24h fall of OKX coin OI after the bounce {m['max_fall']['change']:+.1%} "
              f"({m['max_fall']['from']:%d %b %H:%M}-{m['max_fall']['to']:%d %b %H:%M} UTC) against "
              f"{m['oct10']['change']:+.1%} over the 10 Oct benchmark window: OKX's inverse swap gained coin open "
              "interest in the 10 Oct cascade (all venues: about -16% in coin), so it cannot serve as that benchmark.")
    values = {"A7.leverage_ratio_late_nov": m["okx"]["value"], "A7.leverage_ratio_percentile": m["okx"]["percentile"],
              "A7.oi_drop_coin_10oct": m["oct10"]["change"], "A7.max_oi_drop_coin_after_bounce": m["max_fall"]["change"]}
    return Evaluation(values, verdict, reason)


# ------------------------------------------------------------------------------------------- G3

G3_RULE = (
    "OKX BTC-USD-SWAP is the only venue with open interest on 31 Dec 2025 and 5 Jan 2026 (last snapshot of each UTC "
    "day). It is an inverse swap sized in USD contracts, so its coin open interest also falls when the price rises, "
    "with no position closed; its contract count is the price-free position count. A significant fall is one of at "
    "least 5% (the size the deleveraging rule calls a flush). Supported if coin open interest fell >= 5% and the "
    "contract count fell >= 5%; partly supported if coin open interest fell >= 5% but the contract count fell less "
    "than 5% (exposure in BTC fell, positions did not); contradicted if coin open interest fell less than 5% or rose.")


def g3_verdict(coin_change: float, contracts_change: float, significant: float = G3_SIGNIFICANT) -> str:
    """G3's rule on its inputs.

    >>> g3_verdict(-0.065, 0.003)
    'partly supported'
    """
    if coin_change > significant:
        return "contradicted"
    return "supported" if contracts_change <= significant else "partly supported"


@evaluator("G3", rule=G3_RULE)
def _g3() -> Evaluation:
    c = lev.oi_change_okx("2025-12-31", "2026-01-05")
    verdict = g3_verdict(c["coin_change"], c["contracts_change"])
    reason = (f"OKX BTC-USD-SWAP coin open interest {c['coin_change']:+.1%} ({c['coin0']:,.0f} -> {c['coin1']:,.0f} BTC, "
              f"snapshots {c['t0']:%d %b %H:%M} -> {c['t1']:%d %b %H:%M} UTC) while the swap price rose "
              f"{c['price_change']:+.1%}; contracts {c['contracts_change']:+.1%} ({c['contracts0']:,.0f} -> "
              f"{c['contracts1']:,.0f}): the fall in coin terms is the price effect on USD-sized contracts, not closed "
              "positions. One small venue (about 1% of all-venue BTC open interest on 14 Nov); Binance daily OI ends "
              "17 Dec and CoinGlass's all-venue series 14 Nov.")
    return Evaluation({"G3.oi_change_coin": c["coin_change"]}, verdict, reason)
