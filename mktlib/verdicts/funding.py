"""Evaluators for the claims of the funding chapter (see mktlib.claims).

G1 "the early-January rally is spot-led, not leverage-led" and G2 "funding is at a healthy ~4%"
(article 002, written about 3-4 Jan 2026). The analytics are in :mod:`mktlib.funding`; the rules
are stated in ``rule=`` and applied by the small pure functions below (tested on hand-made inputs).
"""

from __future__ import annotations

import pandas as pd

from mktlib import funding as fu
from mktlib.claims import Evaluation, evaluator

G_START, G_END = "2026-01-01", "2026-01-05"           # the claims registry's window (UTC days)
G2_FIRST, G2_LAST = "2026-01-01 00:00", "2026-01-05 16:00"   # settlements, UTC
G2_CLAIM, G2_TOL = 0.04, 0.02                          # "around 4%", +/- 2 percentage points


def g2_verdict(funding_ann: float, *, claim: float = G2_CLAIM, tol: float = G2_TOL,
               neutral: float = fu.NEUTRAL_ANNUAL) -> str:
    """supported if |f - 4%| <= 2 pp (2%..6%, all below neutral); partly supported if 0 < f < neutral
    outside that band (positive and sub-neutral, so "not overheated" holds but the number does not);
    contradicted if f <= 0 or f >= neutral 10.95%."""
    if abs(funding_ann - claim) <= tol + 1e-12:
        return "supported"
    if 0 < funding_ann < neutral:
        return "partly supported"
    return "contradicted"


def g1_verdict(regime: str, price_return: float, oi_change: float, *, band: float = fu.BAND) -> str:
    """supported if the window is a "spot-led rally"; contradicted if there was no rally (price
    change <= +2%) or coin OI rose by more than 2% (leverage added: "leverage-led rally" or OI up
    with sub-neutral funding); otherwise (a "short-covering rally", or price up and OI not up with
    funding above neutral or net spot selling) partly supported."""
    if regime == "spot-led rally":
        return "supported"
    if price_return <= band or oi_change > band:
        return "contradicted"
    return "partly supported"


@evaluator("G2", rule=(
    "Mean settled Binance BTCUSDT funding over the 15 settlements 2026-01-01 00:00 to 2026-01-05 "
    "16:00 UTC, annualised x(24/interval)x365. Supported if within +/-2 percentage points of the "
    "claimed 4% (2%-6%, i.e. clearly below the neutral 0.01%/8h = 10.95% a year); partly supported "
    "if positive and below neutral but outside that band (the 'not overheated' reading holds, the "
    "number does not); contradicted if at or below 0 or at or above neutral 10.95%. 'Healthy ~4%' "
    "is read against neutral 10.95%, not against zero: 4% is sub-neutral, i.e. weak demand for "
    "leveraged longs. OKX (estimated settlements from hourly snapshots) and the means over the 25 "
    "windows with start and end moved by -2..+2 days are reported as robustness checks and do not "
    "enter the rule."))
def _g2() -> Evaluation:
    from mktlib import data

    b = data.load("btc_funding_binance_8h")
    f = fu.mean_annualised(b, G2_FIRST, G2_LAST)
    n = int(((b.index >= fu._utc(G2_FIRST)) & (b.index <= fu._utc(G2_LAST))).sum())
    okx = fu.mean_annualised(fu.okx_settlements(data.load("btc_okx_swap_1h")), G2_FIRST, G2_LAST)
    v = g2_verdict(f)
    shifted = [fu.mean_annualised(b, fu._utc(G2_FIRST) + pd.Timedelta(days=ds),
                                  fu._utc(G2_LAST) + pd.Timedelta(days=de))
               for ds in range(-2, 3) for de in range(-2, 3)]
    same = sum(g2_verdict(x) == v for x in shifted)
    reason = (f"Binance BTCUSDT mean funding {f:.2%} a year over {n} settlements "
              f"(OKX {okx:.2%}) against the claimed ~4% (band 2%-6%) and neutral 10.95%: "
              + {"supported": "inside the band and well below neutral.",
                 "partly supported": (f"{abs(f - G2_CLAIM) * 100:.1f} pp from 4%, outside the band; "
                                      f"positive and below neutral ({f / fu.NEUTRAL_ANNUAL:.0%} of it), "
                                      "so funding was sub-neutral (weak long demand), not 'healthy "
                                      "moderate' at ~4%."),
                 "contradicted": "outside the band and not in (0, neutral)."}[v]
              + f" Robustness: with start and end moved by -2..+2 days the mean ranges "
                f"{min(shifted):.1%}-{max(shifted):.1%} and the verdict is the same in {same} of "
                f"{len(shifted)} windows.")
    return Evaluation({"G2.funding_ann_1_5jan": f, "G2.funding_ann_okx_1_5jan": okx}, verdict=v,
                      reason=reason)


@evaluator("G1", rule=(
    "Classify UTC days 2026-01-01..2026-01-05 with mktlib.funding.classify (thresholds fixed before "
    "looking): price = Binance spot close 5 Jan / close 31 Dec - 1; coin OI = OKX BTC-USD-SWAP, last "
    "snapshot of 31 Dec to last of 5 Jan (as G3); funding = mean annualised Binance BTCUSDT "
    "settlements 1 Jan 00:00-5 Jan 16:00 (as G2); spot flow = Binance spot (taker buy - taker sell) "
    "/ volume over the 5 days. 'Spot-led rally' = price > +2%, OI change <= +2%, funding <= neutral "
    "10.95%, net spot taker buying > 0. Supported if the window is a spot-led rally; contradicted if "
    "price rose by 2% or less or coin OI rose by more than 2%; otherwise partly supported (e.g. a "
    "short-covering rally: price up, OI down, net spot selling). The label of the 25 windows with "
    "start and end shifted by -2..+2 days, and the label with OKX OI in contracts instead of coin, are "
    "reported with the verdict."))
def _g1() -> Evaluation:
    inp = fu.load_inputs()
    label, w = fu.classify_window(G_START, G_END, **inp)
    v = g1_verdict(label, w.price_return, w.oi_change)
    sh = fu.shifted_windows(G_START, G_END, **inp)
    end = fu._day(G_END)
    early = sh[sh["end"] <= end.date()]
    late = sh[sh["end"] > end.date()]
    same_e = int((early["regime"] == label).sum())
    same_l = int((late["regime"] == label).sum())
    lev = int(sh["regime"].isin(["leverage-led rally"]).sum())
    alt, wc = fu.classify_window(G_START, G_END, **fu.load_inputs("oi_contracts"))
    late_labels = ", ".join(f"{k} {n}" for k, n in late["regime"].value_counts().items())
    reason = (f"{label}: BTC {w.price_return:+.1%}, OKX coin OI {w.oi_change:+.1%}, Binance funding "
              f"{w.funding_ann:.1%} a year (neutral 10.95%), spot net taker buying "
              f"{w.spot_net_buy:+.1%} of volume. Robustness (start and end shifted by -2..+2 days): "
              f"the same label in {same_e} of {len(early)} windows ending by {end.date()} and in "
              f"{same_l} of {len(late)} running into the following days ({late_labels}); "
              f"'leverage-led' in {lev} of {len(sh)}. OKX BTC-USD-SWAP is an inverse swap: its coin "
              f"OI falls mechanically when price rises; in contracts (positions) OI changed "
              f"{wc.oi_change:+.1%}, and the label is then '{alt}'.")
    return Evaluation({"G1.btc_return_1_5jan": w.price_return,
                       "G1.spot_taker_net_buy_1_5jan": w.spot_net_buy,
                       "G1.regime": label}, verdict=v, reason=reason)
