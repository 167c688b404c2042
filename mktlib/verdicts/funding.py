"""Evaluators for the claims of the funding chapter (see mktlib.claims and the protocol fragment
``mktlib/protocol.yaml``).

G1 "the early-January rally is spot-led, not leverage-led" and G2 "funding is at a healthy ~4%"
(article 002, written about 3-4 Jan 2026). Each claim is split into parts:

- G1a (reading) "spot-led": did spot demand carry the rally? Binance spot taker flow and US spot-ETF
  net flows over the window, both against zero.
- G1b (reading) "not leverage-led": were leveraged positions added? Open interest counted in
  positions (the OKX inverse swap's USD face value, :func:`mktlib.leverage.position_oi`) against a
  band, and the rise of funding over its own trailing baseline, with an interval calibrated on the
  same change over the previous year (:func:`mktlib.funding.funding_shift`).
- G2a (fact) "~4%": the window's mean annualised funding against the quoted 4% by the book's one
  tolerance rule (:func:`mktlib.inference.quoted_match`, precision 1 percentage point).
- G2b (reading) "healthy": positive and not above the neutral 0.01%/8h = 10.95% a year.

Every threshold and analyst choice is read from the protocol through ``spec``; the rules are pure
functions registered with :func:`mktlib.claims.rule`, and the reading parts register their input
space (the same statistics over every comparable 5-day window of the history) for
:func:`mktlib.claims.reachability`.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from mktlib import funding as fu
from mktlib.claims import Evaluation, Part, Spec, evaluator, input_space, rule, specifications
from mktlib.timeutil import utc
from mktlib.verdicts.episode import quote_part, verdict_quote

# --------------------------------------------------------------------------------------------------
# data (cached: the framework calls each evaluator once per specification)


@lru_cache(maxsize=1)
def binance_funding() -> pd.DataFrame:
    """Binance USDT-M BTCUSDT settled funding (the registry's funding series)."""
    from mktlib import data

    return data.load("btc_funding_binance_8h")


@lru_cache(maxsize=1)
def okx_funding() -> pd.DataFrame:
    """OKX BTC-USD-SWAP settlements estimated from hourly snapshots (:func:`mktlib.funding.okx_settlements`)."""
    from mktlib import data

    return fu.okx_settlements(data.load("btc_okx_swap_1h"))


@lru_cache(maxsize=1)
def spot_daily() -> pd.DataFrame:
    """Binance spot BTCUSDT daily bars with taker volumes."""
    from mktlib import data

    return data.load("btc_spot_1d_fullcols")


@lru_cache(maxsize=1)
def okx_oi_coin_daily() -> pd.Series:
    """OKX BTC-USD-SWAP coin OI, last snapshot per UTC day: the registry's unit for G1.regime (G3)."""
    from mktlib import data

    s = fu.last_per_day(data.load("btc_okx_swap_1h")["oi_coin"])
    s.attrs = {"dataset": "OKX BTC-USD-SWAP coin OI"}
    return s


@lru_cache(maxsize=1)
def okx_positions_daily() -> pd.Series:
    """OKX BTC-USD-SWAP open interest in positions (USD face value; :func:`mktlib.leverage.position_oi`),
    last reading per UTC day."""
    from mktlib import leverage

    s = fu.last_per_day(leverage.position_oi(leverage.venue_oi(["okx_swap"]), "okx_swap"))
    s.attrs = {"dataset": "OKX BTC-USD-SWAP OI, USD face"}
    return s


@lru_cache(maxsize=1)
def etf_flows() -> pd.Series:
    """Total US spot-bitcoin ETF net flow by NYSE session (US$ m): the book's one reconciled series
    (:func:`mktlib.flows.etf_flows_reconciled`, column ``flow``, primary holiday rule: rows dated on
    NYSE holidays left out)."""
    from mktlib import flows

    s = flows.etf_flows_reconciled()["flow"].copy()
    s.attrs = {"dataset": "US spot-bitcoin ETF net flows (reconciled)"}
    return s


@lru_cache(maxsize=1)
def stablecoin_supply() -> pd.Series:
    """Total USD-pegged stablecoin supply, all chains (DefiLlama), US$."""
    from mktlib import data

    return data.load("stablecoin_supply_1d")["value"]


def _primary(claim_id: str) -> dict:
    return specifications(claim_id)[0]


def _is_nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


# --------------------------------------------------------------------------------------------------
# G2: "funding is at a healthy ~4%"


rule("G2a")(verdict_quote)


@rule("G2b")
def verdict_g2b(funding_ann: float, neutral: float, floor: float) -> str:
    """ "Healthy" funding: longs pay (above ``floor``) and the perp is not priced for leverage (not
    above ``neutral``, the 0.01%/8h interest leg). Otherwise contradicted (overheated, or stressed)."""
    if floor < funding_ann <= neutral + 1e-12:  # 0.0001 x 3 x 365 is 0.1095 + 1e-17 in floats
        return "supported"
    return "contradicted"


def g2_window(spec: Spec | dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last settlement of the specification's window (registered window moved by the
    shifts, in days)."""
    first = utc(spec["window_first"]) + pd.Timedelta(days=int(spec["shift_start"]))
    last = utc(spec["window_last"]) + pd.Timedelta(days=int(spec["shift_end"]))
    return first, last


@evaluator("G2")
def _g2(spec: Spec) -> Evaluation:
    first, last = g2_window(spec)
    b = fu.mean_annualised(binance_funding(), first, last)
    o = fu.mean_annualised(okx_funding(), first, last)
    to_post = fu.mean_annualised(binance_funding(), spec["window_first"], spec["post_last"])
    f = {"binance": b, "okx": o}[spec["venue"]]
    venue = {"binance": "Binance BTCUSDT", "okx": "OKX BTC-USD-SWAP (estimated settlements)"}[spec["venue"]]
    span = f"settlements {first:%d %b %H:%M} to {last:%d %b %H:%M} UTC"
    g2a = quote_part(f, spec["quoted_funding"], spec["quote_unit"], f"{venue} mean funding over {span}:", "{:.2%}")
    v2b = verdict_g2b(f, spec["neutral"], spec["healthy_floor"])
    where = (
        "positive and not above neutral: not overheated"
        if v2b == "supported"
        else "above neutral: priced for leverage"
        if f > spec["neutral"]
        else "at or below zero: shorts pay"
    )
    g2b = Part(
        v2b,
        f"{venue} mean funding {f:.2%} a year over {span}, against neutral "
        f"{spec['neutral']:.2%} ({f / spec['neutral']:.0%} of it) and the floor "
        f"{spec['healthy_floor']:.0%}: {where}.",
        statistic=f,
        threshold=spec["neutral"],
        inputs={"funding_ann": f, "neutral": spec["neutral"], "floor": spec["healthy_floor"]},
    )
    return Evaluation(
        {"G2.funding_ann_1_5jan": b, "G2.funding_ann_okx_1_5jan": o, "G2.funding_ann_1_3jan": to_post},
        parts={"G2a": g2a, "G2b": g2b},
    )


@input_space("G2b")
def _g2b_space() -> pd.DataFrame:
    """Mean Binance funding over every window of 5 UTC days (15 settlements) since 2020."""
    p = _primary("G2")
    m = fu.daily_funding(binance_funding()).rolling(5).mean().dropna()
    return pd.DataFrame({"funding_ann": m.to_numpy(), "neutral": p["neutral"], "floor": p["healthy_floor"]})


# --------------------------------------------------------------------------------------------------
# G1: "the early-January rally is spot-led, not leverage-led"


@rule("G1a")
def verdict_g1a(
    price_return: float,
    spot_net_buy: float,
    etf_flow: float | None,
    price_band: float,
    spot_flow_min: float,
    etf_flow_min: float,
) -> str:
    """Spot-led: in a rally (price up by more than ``price_band``), spot takers bought on balance and
    US spot ETFs took in money (both above their minimum): supported; both at or below: contradicted
    (spot sold into the rise); one of two, no rally in the window, or no US session: inconclusive."""
    if not price_return > price_band or _is_nan(etf_flow):
        return "inconclusive"
    buy, etf = spot_net_buy > spot_flow_min, etf_flow > etf_flow_min
    if buy and etf:
        return "supported"
    if not buy and not etf:
        return "contradicted"
    return "inconclusive"


@rule("G1b")
def verdict_g1b(
    price_return: float,
    oi_change: float,
    funding_low: float,
    funding_high: float,
    funding_baseline: float,
    price_band: float,
    oi_band: float,
    funding_rise_min: float,
    neutral: float,
) -> str:
    """Not leverage-led. In a rally: contradicted (leverage-led) if positions rose by more than
    ``oi_band`` and funding rose significantly (the interval's lower bound above ``funding_rise_min``);
    supported only on evidence of no build-up: positions not up AND even the upper end of the funding
    interval leaves funding at or below ``neutral`` (``funding_baseline + funding_high <= neutral``: a
    null funding test is not evidence); inconclusive otherwise, or with no rally in the window.

    >>> verdict_g1b(0.07, 0.003, -0.04, 0.065, 0.051, 0.02, 0.02, 0.0, 0.1095)
    'inconclusive'
    >>> verdict_g1b(0.07, 0.003, -0.04, 0.03, 0.051, 0.02, 0.02, 0.0, 0.1095)
    'supported'
    """
    if not price_return > price_band:
        return "inconclusive"
    oi_up = oi_change > oi_band
    if oi_up and funding_low > funding_rise_min:
        return "contradicted"
    if not oi_up and funding_baseline + funding_high <= neutral:
        return "supported"
    return "inconclusive"


def g1_window(spec: Spec | dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last UTC day of the specification's window."""
    d1 = utc(spec["window_start"]) + pd.Timedelta(days=int(spec["shift_start"]))
    d2 = utc(spec["window_end"]) + pd.Timedelta(days=int(spec["shift_end"]))
    return d1, d2


def g1_inputs(spec: Spec | dict) -> dict:
    """Every statistic G1 uses, for the specification's window."""
    from mktlib.claims import defaults

    d1, d2 = g1_window(spec)
    sp = spot_daily()
    prev = d1 - pd.Timedelta(days=1)
    ret = float(sp.loc[d2, "close"] / sp.loc[prev, "close"] - 1)
    snb = fu.spot_net_buy(sp, d1, d2)
    etf, n_etf = fu.flow_sum(etf_flows(), d1, d2)
    pos = fu.position_change(okx_positions_daily(), d1, d2)
    coin = fu.position_change(okx_oi_coin_daily(), d1, d2)
    fund = fu.mean_annualised(binance_funding(), d1, d2 + pd.Timedelta(hours=16))
    fs = fu.funding_shift(
        binance_funding(),
        d1,
        d2,
        baseline_days=int(spec["baseline_days"]),
        level=float(defaults()["interval_level"]),
        history_days=int(spec["history_days"]),
    )
    sc = stablecoin_supply()
    stable = float(sc.loc[d2] / sc.loc[prev] - 1)
    regime = fu.classify(
        ret, coin, fund, snb, price_band=spec["price_band"], oi_band=spec["oi_band"], neutral=spec["neutral"]
    )
    return {
        "d1": d1,
        "d2": d2,
        "price_return": ret,
        "spot_net_buy": snb,
        "etf_flow": etf,
        "etf_days": n_etf,
        "oi_positions": pos,
        "oi_coin": coin,
        "funding_ann": fund,
        "funding_shift": fs,
        "stablecoin_change": stable,
        "regime": regime,
    }


def _okx_share() -> float:
    from mktlib.verdicts.leverage import okx_share

    return float(okx_share()["share"])


@evaluator("G1")
def _g1(spec: Spec) -> Evaluation:
    x = g1_inputs(spec)
    fs = x["funding_shift"]
    span = f"{x['d1']:%d %b}-{x['d2']:%d %b %Y}"
    rally = x["price_return"] > spec["price_band"]
    no_rally = (
        f"BTC {x['price_return']:+.1%} over {span}: not a rally by the {spec['price_band']:.0%} band, "
        "so the window cannot say who led it."
    )

    in_a = {
        "price_return": x["price_return"],
        "spot_net_buy": x["spot_net_buy"],
        "etf_flow": x["etf_flow"],
        "price_band": spec["price_band"],
        "spot_flow_min": spec["spot_flow_min"],
        "etf_flow_min": spec["etf_flow_min"],
    }
    va = verdict_g1a(**in_a)
    etf_txt = (
        f"US spot ETFs {x['etf_flow']:+,.0f}m over {x['etf_days']} US session(s)"
        if x["etf_days"]
        else "no US session in the window"
    )
    reason_a = (
        no_rally
        if not rally
        else (
            f"BTC {x['price_return']:+.1%} over {span}; Binance spot takers net "
            f"{'bought' if x['spot_net_buy'] > spec['spot_flow_min'] else 'sold'} "
            f"({x['spot_net_buy']:+.1%} of volume); {etf_txt}: "
            + {
                "supported": "both spot measures show buying.",
                "contradicted": "neither spot measure shows buying.",
                "inconclusive": "the two spot measures disagree or one is missing.",
            }[va]
        )
    )

    in_b = {
        "price_return": x["price_return"],
        "oi_change": x["oi_positions"],
        "funding_low": fs["low"],
        "funding_high": fs["high"],
        "funding_baseline": fs["baseline_mean"],
        "price_band": spec["price_band"],
        "oi_band": spec["oi_band"],
        "funding_rise_min": spec["funding_rise_min"],
        "neutral": spec["neutral"],
    }
    vb = verdict_g1b(**in_b)
    reason_b = (
        no_rally
        if not rally
        else (
            f"OKX inverse-swap positions (USD face) {x['oi_positions']:+.1%} over {span} (band "
            f"{spec['oi_band']:+.0%}; in coin {x['oi_coin']:+.1%}, moved by price); Binance funding "
            f"{fs['window_mean']:.1%} a year against {fs['baseline_mean']:.1%} over the {spec['baseline_days']} "
            f"days before: change {fs['diff'] * 100:+.1f} pp [{fs['low'] * 100:+.1f}, {fs['high'] * 100:+.1f}]: "
            + {
                "supported": "no positions added, and even the upper end of the funding interval leaves funding "
                "below neutral.",
                "contradicted": "positions added and funding rose significantly: leverage-led.",
                "inconclusive": (
                    "positions added without a significant funding rise."
                    if x["oi_positions"] > spec["oi_band"]
                    else f"no positions added on OKX, but the funding test cannot rule out a rise to "
                    f"{fs['baseline_mean'] + fs['high']:.1%} a year, above neutral {spec['neutral']:.2%}: "
                    "absence of a significant rise is not evidence of none."
                ),
            }[vb]
            + f" OKX, the only venue with positions in the window, is about {_okx_share():.1%} of the "
            "market's open interest."
        )
    )

    values = {
        "G1.btc_return_1_5jan": x["price_return"],
        "G1.spot_taker_net_buy_1_5jan": x["spot_net_buy"],
        "G1.regime": x["regime"],
        "G1.oi_change_positions_1_5jan": x["oi_positions"],
        "G1.funding_change_1_5jan": fs["diff"],
        "G1.etf_flow_1_5jan": x["etf_flow"],
        "G1.stablecoin_change_1_5jan": x["stablecoin_change"],
    }
    notes = {
        "regime": (
            f"registered classifier label with OKX coin OI ({x['oi_coin']:+.1%}): {x['regime']}; "
            "coin OI of an inverse swap moves against price, so the label is reported, not used"
        ),
        "stablecoins": f"stablecoin supply {x['stablecoin_change']:+.2%} over the window (context only)",
        "ibit": "IBIT 2-minute bars in the snapshot carry no volume (Cboe BZX prices only): not used",
    }
    return Evaluation(
        values,
        parts={
            "G1a": Part(va, reason_a, statistic=x["spot_net_buy"], threshold=spec["spot_flow_min"], inputs=in_a),
            "G1b": Part(vb, reason_b, statistic=x["oi_positions"], threshold=spec["oi_band"], inputs=in_b),
        },
        intervals={"G1.funding_change_1_5jan": (fs["low"], fs["high"])},
        notes=notes,
    )


@input_space("G1a")
def _g1a_space() -> pd.DataFrame:
    """Every 5-day rally window (BTC up by more than the band) with US spot-ETF flows (2024 on)."""
    p = _primary("G1")
    w = fu.rally_windows_spot(spot_daily(), etf_flows(), length=5, price_band=p["price_band"])
    return pd.DataFrame(
        {
            "price_return": w["price_return"],
            "spot_net_buy": w["spot_net_buy"],
            "etf_flow": w["etf_flow"],
            "price_band": p["price_band"],
            "spot_flow_min": p["spot_flow_min"],
            "etf_flow_min": p["etf_flow_min"],
        }
    )


@lru_cache(maxsize=1)
def g1b_windows() -> pd.DataFrame:
    """Every 5-day rally window with open interest in positions: Binance COIN-M BTCUSD_PERP in USD
    face (Coinalyze, 2021-2025) and OKX BTC-USD-SWAP in USD face (2025-26), with the funding shift
    over the primary baseline (:func:`mktlib.funding.rally_windows_leverage`)."""
    from mktlib.claims import defaults

    p = _primary("G1")
    src = fu.oi_sources()
    oi = {
        "Binance COIN-M, USD face": src["Binance COIN-M inverse, USD face (Coinalyze)"],
        "OKX, USD face": okx_positions_daily(),
    }
    return fu.rally_windows_leverage(
        spot_daily(),
        oi,
        binance_funding(),
        length=5,
        price_band=p["price_band"],
        baseline_days=int(p["baseline_days"]),
        level=float(defaults()["interval_level"]),
        history_days=int(p["history_days"]),
    )


@input_space("G1b")
def _g1b_space() -> pd.DataFrame:
    p = _primary("G1")
    w = g1b_windows()
    return pd.DataFrame(
        {
            "price_return": w["price_return"],
            "oi_change": w["oi_change"],
            "funding_low": w["funding_low"],
            "funding_high": w["funding_high"],
            "funding_baseline": w["funding_baseline"],
            "price_band": p["price_band"],
            "oi_band": p["oi_band"],
            "funding_rise_min": p["funding_rise_min"],
            "neutral": p["neutral"],
        }
    )
