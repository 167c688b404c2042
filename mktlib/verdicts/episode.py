"""Evaluators for the claims of the episode chapter and its epilogue (see mktlib.claims).

Claims D4, D6, D14, A1, A3, K5, K6 (chapter "The episode") and A8, G6 (epilogue "With hindsight").
Every measure is computed from Binance spot USDT pairs (USDT treated as USD) on UTC days; the
turning points come from :func:`mktlib.episode.find_episode`.

The verdict rules are pure functions of the measured values (``verdict_*``), stated in words in
each evaluator's ``rule=`` and applied in code, so they can be tested on hand-made inputs.

Tolerances, fixed before looking at the results:

- a quoted price level ("$126,000", "$84,000") matches if within +/- :data:`LEVEL_TOL` (2%) of it;
- a quoted percentage ("-9% year to date") matches within +/- :data:`PP_TOL` (2 percentage points);
- a "fell below X" claim holds if the low is strictly below X.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from mktlib import episode
from mktlib.claims import Evaluation, Part, Spec, evaluator, rule
from mktlib.inference import quoted_match

LEVEL_TOL = 0.02
PP_TOL = 0.02
BEAR_LINE = -0.20            # the usual bear-market line (claims brief, D14)
A1_ARTICLE_DATE = "2025-11-27"   # article 000 was written about 26-27 Nov 2025: the later date
A8_LOW = 80_600.0            # the 21 Nov 2025 low as fixed in claims.md
A8_HORIZON_DAYS = 90         # a "bounce" that fails within ~a quarter
K5_WINDOW = ("2025-11-10", "2025-11-21")
K5_ALTS = ("eth", "sol", "xrp", "bnb", "doge", "ada")
K5_NOT_PLUMMET = -0.05       # median alt-minus-BTC return at or above this: "did not plummet"
K5_PLUMMET = -0.10           # median below this: altcoins plummeted relative to BTC
K6_WINDOW = ("2025-09-01", "2025-11-30")
K6_STRONG = 0.50             # ZEC beat BTC by more than 50 pp over the three months
G6_LEVEL = 92_000.0
G6_MIN_DAYS = 16             # "held above 92,000": a majority of the 31 January days
G6_VOL_WINDOWS = (("2026-01-05", "2026-01-18"), ("2025-12-05", "2026-01-04"))


def _day(s) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


# --------------------------------------------------------------------------------------------------
# data (cached: the ledger calls every evaluator)


@lru_cache(maxsize=1)
def btc_bars() -> pd.DataFrame:
    """Binance spot BTCUSDT bars: 1h where available, daily elsewhere (:func:`mktlib.episode.load_btc_bars`)."""
    return episode.load_btc_bars()


@lru_cache(maxsize=1)
def btc_daily() -> pd.DataFrame:
    """Binance spot BTCUSDT daily bars, the longest daily series in the snapshot (to 2026-08)."""
    from mktlib import data
    return data.load("btc_spot_1d_fullcols")


@lru_cache(maxsize=None)
def spot_daily(coin: str) -> pd.DataFrame:
    """Binance spot ``<COIN>USDT`` daily bars (``eth`` uses the full-column series, which has quote volume)."""
    from mktlib import data
    return data.load("eth_spot_1d_fullcols" if coin == "eth" else f"{coin}_spot_1d")


@lru_cache(maxsize=1)
def the_episode() -> episode.Episode:
    """The episode's turning points and phases, found from the BTC bars."""
    return episode.find_episode(btc_bars())


# --------------------------------------------------------------------------------------------------
# measures that the notebook re-computes for +/- 2-day robustness


def k5_values(start: str = K5_WINDOW[0], end: str = K5_WINDOW[1]) -> dict[str, float]:
    """BTC return (open ``start`` to close ``end``) and each alt's return minus it."""
    btc = episode.window_return(btc_daily(), start, end)
    out = {"K5.btc_return_10_21nov": btc}
    for c in K5_ALTS:
        out[f"K5.alt_vs_btc_{c}"] = episode.window_return(spot_daily(c), start, end) - btc
    return out


def k6_value(start: str = K6_WINDOW[0], end: str = K6_WINDOW[1]) -> tuple[float, float]:
    """(ZEC return, BTC return), daily open ``start`` to daily close ``end``."""
    return episode.window_return(spot_daily("zec"), start, end), episode.window_return(btc_daily(), start, end)


# --------------------------------------------------------------------------------------------------
# verdict rules (pure functions of the measured values)


def _count_verdict(n_ok: int, n: int) -> str:
    return "supported" if n_ok == n else ("contradicted" if n_ok == 0 else "partly supported")


def verdict_d4(btc_low: float, eth_low: float, btc_high: float) -> tuple[str, str]:
    parts = {"BTC 1h low below 86,000": btc_low < 86_000, "ETH daily low below 2,800": eth_low < 2_800,
             "82,000 within BTC's 21 Nov range": btc_low <= 82_000 <= btc_high}
    ok = sum(parts.values())
    reason = (f"BTC's lowest 1h low on 21 Nov was {btc_low:,.0f} (range up to {btc_high:,.0f}), ETH's daily "
              f"low {eth_low:,.0f}: " + "; ".join(f"{k}: {'yes' if v else 'no'}" for k, v in parts.items()))
    return _count_verdict(ok, len(parts)), reason


def verdict_d6(peak: float, ytd: float) -> tuple[str, str]:
    peak_ok = abs(peak / 126_000 - 1) <= LEVEL_TOL
    ytd_ok = abs(ytd - (-0.09)) <= PP_TOL
    reason = (f"October peak {peak:,.0f} ({peak / 126_000 - 1:+.1%} from the quoted 126,000; tolerance "
              f"{LEVEL_TOL:.0%}): {'matches' if peak_ok else 'does not match'}; year to date on 21 Nov "
              f"{ytd:+.1%} against the quoted -9% (tolerance {PP_TOL * 100:.0f} pp): "
              f"{'matches' if ytd_ok else 'does not match'}")
    return _count_verdict(peak_ok + ytd_ok, 2), reason


def verdict_d14(dd_21nov: float, dd_after: float, min_after: float, min_date) -> tuple[str, str]:
    at_time = dd_21nov > BEAR_LINE
    hindsight = dd_after > BEAR_LINE
    reason = (f"on 21 Nov BTC closed {-dd_21nov:.1%} below its October peak (bear-market line: a "
              f"{-BEAR_LINE:.0%} fall): {'not yet' if at_time else 'already'} past the line; with hindsight "
              f"the low after 21 Nov was {min_after:,.0f} on {pd.Timestamp(min_date).date()}, {-dd_after:.1%} "
              f"below the peak: {'inside' if hindsight else 'beyond'} the line")
    return _count_verdict(at_time + hindsight, 2), reason


def verdict_a1(first_date, article_date: str = A1_ARTICLE_DATE) -> tuple[str, str]:
    if first_date is None or pd.isna(first_date):
        return "contradicted", "no UTC daily close above 90,000 after 21 Nov 2025 in the data"
    d = pd.Timestamp(first_date).date()
    if pd.Timestamp(first_date).tz_localize(None) <= pd.Timestamp(article_date):
        return "supported", (f"first UTC daily close above 90,000 after 21 Nov: {d}, on or before the "
                             f"article's date (about {article_date})")
    return "partly supported", (f"first UTC daily close above 90,000 after 21 Nov: {d}, only after the "
                                f"article's date (about {article_date})")


def verdict_a3(low: float, low_date, quoted: float = 84_000) -> tuple[str, str]:
    gap = low / quoted - 1
    where = f"lowest November low {low:,.0f} on {pd.Timestamp(low_date).date()}, {gap:+.1%} from the quoted {quoted:,.0f}"
    if abs(gap) <= LEVEL_TOL:
        return "supported", where + f" (within {LEVEL_TOL:.0%})"
    if gap < 0:
        return "partly supported", (where + f": BTC did trade at {quoted:,.0f}, but the low was more than "
                                            f"{LEVEL_TOL:.0%} lower, so 'as low as' understates the fall")
    return "contradicted", where + ": BTC never traded that low in November"


def verdict_k5(values: dict[str, float]) -> tuple[str, str]:
    btc = values["K5.btc_return_10_21nov"]
    rel = {k.rsplit("_", 1)[1].upper(): v for k, v in values.items() if k.startswith("K5.alt_vs_btc_")}
    own = {k: v + btc for k, v in rel.items()}
    n_fell = sum(v < 0 for v in own.values())
    med = float(np.median(list(rel.values())))
    worst = min(rel, key=rel.get)
    reason = (f"BTC {btc:+.1%} from 10 to 21 Nov; {n_fell} of {len(own)} altcoins fell; median altcoin return "
              f"minus BTC {med * 100:+.1f} pp (worst {worst} {rel[worst] * 100:+.1f} pp); thresholds "
              f"{K5_NOT_PLUMMET * 100:.0f} pp (did not plummet) and {K5_PLUMMET * 100:.0f} pp (plummeted)")
    if n_fell < len(own) / 2 or med < K5_PLUMMET:
        return "contradicted", reason
    if n_fell == len(own) and med >= K5_NOT_PLUMMET:
        return "supported", reason
    return "partly supported", reason


def verdict_k6(zec: float, btc: float) -> tuple[str, str]:
    diff = zec - btc
    reason = (f"ZEC {zec:+.0%} against BTC {btc:+.1%} from 1 Sep to 30 Nov 2025: a difference of "
              f"{diff * 100:+,.0f} pp (threshold +{K6_STRONG * 100:.0f} pp). Prices show the market's "
              f"re-rating only, not why buyers came")
    if diff > K6_STRONG:
        return "supported", reason
    return ("partly supported" if diff > 0 else "contradicted"), reason


def verdict_a8(first_undercut, bounce_day, min_after: float) -> tuple[str, str]:
    if first_undercut is None or pd.isna(first_undercut):
        return "contradicted", (f"no daily low below {A8_LOW:,.0f} after the bounce ({pd.Timestamp(bounce_day).date()}) "
                                f"to the end of the data; lowest {min_after:,.0f}")
    days = (pd.Timestamp(first_undercut) - pd.Timestamp(bounce_day)).days
    reason = (f"after the first close above 90,000 ({pd.Timestamp(bounce_day).date()}) BTC first traded below "
              f"the 21 Nov low of {A8_LOW:,.0f} on {pd.Timestamp(first_undercut).date()}, {days} days later "
              f"(horizon {A8_HORIZON_DAYS} days); the lowest low since is {min_after:,.0f}")
    return ("supported" if days <= A8_HORIZON_DAYS else "partly supported"), reason


def verdict_g6(days_above: int, vol_ratio: float, eth_ret: float, btc_max: float, btc_max_date) -> tuple[str, str]:
    btc_ok = days_above >= G6_MIN_DAYS
    eth_ok = vol_ratio > 1 and eth_ret > 0
    reason = (f"BTC closed above {G6_LEVEL:,.0f} on {days_above} of 31 January days (needed {G6_MIN_DAYS}); "
              f"its January high was {btc_max:,.0f} on {pd.Timestamp(btc_max_date).date()}. ETH's mean daily "
              f"volume 5-18 Jan was {vol_ratio:.2f}x that of the previous 31 days and ETH returned "
              f"{eth_ret:+.1%} from 4 to 31 Jan (needed: volume up and return positive)")
    return _count_verdict(btc_ok + eth_ok, 2), reason


# --------------------------------------------------------------------------------------------------
# evaluators


@evaluator("D4", rule="supported if, on 21 Nov 2025 (UTC), BTC's lowest 1h low is below 86,000, ETH's daily "
                      "low is below 2,800 and the 82,000 level of article 001 lies within BTC's range that "
                      "day; partly supported if one or two of the three hold; contradicted if none holds")
def _d4() -> Evaluation:
    bars = btc_bars()
    day = bars.loc["2025-11-21"]
    if (day["bar_end"] - day.index.to_series()).max() != pd.Timedelta("1h") or len(day) != 24:
        raise ValueError("D4: 21 Nov 2025 must be covered by 24 hourly bars")
    btc_low, btc_high = float(day["low"].min()), float(day["high"].max())
    eth_low = float(spot_daily("eth").loc[_day("2025-11-21"), "low"])
    verdict, reason = verdict_d4(btc_low, eth_low, btc_high)
    return Evaluation({"D4.btc_low_21nov": btc_low, "D4.eth_low_21nov": eth_low}, verdict, reason)


def quote_part(value: float, quoted: float, unit: float, what: str, fmt: str = "{:,.0f}") -> Part:
    """A fact part judged by the book's one tolerance rule (:func:`mktlib.inference.quoted_match`)."""
    m = quoted_match(value, quoted, unit)
    verdict = verdict_quote(ok=m.ok)
    return Part(verdict, f"{what} {fmt.format(value)} against the quoted {fmt.format(quoted)}: "
                         f"{m.distance_units:.1f} units of the quote's precision ({fmt.format(unit)}) away, "
                         f"{'within' if m.ok else 'outside'} the tolerance of one unit",
                statistic=m.distance_units, threshold=1.0, inputs={"ok": m.ok})


def verdict_quote(ok: bool) -> str:
    """The tolerance rule's outcome for one quoted figure."""
    return "supported" if ok else "contradicted"


rule("D6a")(verdict_quote)
rule("D6b")(verdict_quote)


@evaluator("D6")
def _d6(spec: Spec) -> Evaluation:
    d = btc_daily()
    octo = d.loc["2025-10-01":"2025-10-31"]
    t = octo["high"].idxmax()
    peak = float(octo.loc[t, "high"])
    ytd = float(d.loc[_day(spec["ytd_day"]), "close"] / d.loc[_day("2025-01-01"), "open"] - 1)
    return Evaluation(
        {"D6.btc_peak_oct": peak, "D6.btc_peak_oct_date": t.date(), "D6.btc_ytd_21nov": ytd},
        parts={"D6a": quote_part(peak, spec["quoted_peak"], spec["peak_unit"], "October high"),
               "D6b": quote_part(ytd, spec["quoted_ytd"], spec["ytd_unit"],
                                 f"close on {spec['ytd_day']} against the 1 Jan open:", "{:+.1%}")})


@evaluator("D14", rule="two tests against the usual -20% bear-market line, measured from the October peak "
                       "(D6): at the time (21 Nov close) and with hindsight (the lowest daily low after 21 Nov "
                       "to the end of the data). Supported if BTC stays inside the line in both; partly "
                       "supported if in one; contradicted if it is beyond the line in both")
def _d14() -> Evaluation:
    d = btc_daily()
    peak = float(d.loc["2025-10-01":"2025-10-31", "high"].max())
    dd_21 = float(d.loc[_day("2025-11-21"), "close"] / peak - 1)
    after = d.loc[d.index >= _day("2025-11-22")]
    t = after["low"].idxmin()
    mn = float(after.loc[t, "low"])
    verdict, reason = verdict_d14(dd_21, mn / peak - 1, mn, t)
    return Evaluation({"D14.btc_drawdown_21nov": dd_21, "D14.btc_min_after_21nov": mn,
                       "D14.btc_min_after_21nov_date": t.date(),
                       "D14.btc_drawdown_min_after_21nov": mn / peak - 1},
                      verdict, reason + f" (data to {d.index[-1].date()})")


def first_close_above_90k() -> pd.Timestamp:
    """A1's date: the first UTC day after 21 Nov 2025 whose BTCUSDT daily close is above 90,000."""
    return episode.first_close_above(btc_daily()["close"], 90_000, "2025-11-21")


@evaluator("A1", rule="supported if BTC has a UTC daily close above 90,000 after 21 Nov 2025 on or before "
                      "27 Nov 2025 (the article's date, about 26-27 Nov); partly supported if the first such "
                      "close comes later; contradicted if there is none in the data")
def _a1() -> Evaluation:
    t = first_close_above_90k()
    verdict, reason = verdict_a1(t)
    return Evaluation({"A1.first_close_above_90k": None if pd.isna(t) else t.date()}, verdict, reason)


@evaluator("A3", rule="supported if the lowest daily low of November 2025 is within 2% of 84,000; partly "
                      "supported if it is more than 2% below (BTC did trade at 84,000, but 'as low as' "
                      "understates the fall); contradicted if it is more than 2% above (never that low)")
def _a3() -> Evaluation:
    nov = btc_daily().loc["2025-11-01":"2025-11-30"]
    t = nov["low"].idxmin()
    low = float(nov.loc[t, "low"])
    verdict, reason = verdict_a3(low, t)
    return Evaluation({"A3.btc_low_nov": low, "A3.btc_low_nov_date": t.date()}, verdict, reason)


@evaluator("K5", rule="returns from the 10 Nov open to the 21 Nov close (UTC) of ETH, SOL, XRP, BNB, DOGE and "
                      "ADA minus BTC's. Supported if all six fell and their median return minus BTC's is at "
                      "or above -5 pp; contradicted if the median is below -10 pp (they plummeted against "
                      "BTC) or fewer than half fell; partly supported otherwise")
def _k5() -> Evaluation:
    vals = k5_values()
    verdict, reason = verdict_k5(vals)
    return Evaluation(vals, verdict, reason)


@evaluator("K6", rule="supported if ZEC's return minus BTC's, daily open 1 Sep to daily close 30 Nov 2025, "
                      "exceeds +50 pp; partly supported if positive but at most +50 pp; contradicted if zero or "
                      "negative (prices test the re-rating only, not the privacy motive)")
def _k6() -> Evaluation:
    zec, btc = k6_value()
    verdict, reason = verdict_k6(zec, btc)
    return Evaluation({"K6.zec_vs_btc_sep_nov": zec - btc}, verdict, reason)


@evaluator("A8", rule="a dead-cat bounce is a recovery that fails: supported if, after the first daily close "
                      "above 90,000 (A1), BTC trades below the 21 Nov low of 80,600 within 90 days; partly "
                      "supported if it does so only later; contradicted if not by the end of the data")
def _a8() -> Evaluation:
    d = btc_daily()
    bounce = first_close_above_90k()
    after = d.loc[d.index > bounce]
    t = after["low"].idxmin()
    mn = float(after.loc[t, "low"])
    under = after.index[(after["low"] < A8_LOW).to_numpy()]
    first = under[0] if len(under) else None
    verdict, reason = verdict_a8(first, bounce, mn)
    return Evaluation({"A8.btc_min_after_bounce": mn, "A8.btc_min_after_bounce_date": t.date(),
                       "A8.undercut_80600": bool(mn < A8_LOW),
                       "A8.first_undercut_date": first.date() if first is not None else None},
                      verdict, reason + f" (data to {d.index[-1].date()})")


@evaluator("G6", rule="the article's scenario has two legs. BTC holds above 92,000: a daily close above "
                      "92,000 on at least 16 of the 31 January 2026 days. ETH follows on volume: mean daily "
                      "ETHUSDT quote volume 5-18 Jan above that of 5 Dec-4 Jan, and a positive ETH return from "
                      "the 4 Jan close to the 31 Jan close. Supported if both legs hold, partly supported if "
                      "one, contradicted if neither")
def _g6() -> Evaluation:
    jan = btc_daily().loc["2026-01-01":"2026-01-31"]
    if len(jan) != 31:
        raise ValueError("G6: January 2026 must have 31 daily BTC bars")
    t = jan["high"].idxmax()
    btc_max = float(jan.loc[t, "high"])
    days = int((jan["close"] > G6_LEVEL).sum())
    eth = spot_daily("eth")
    (a1, z1), (a0, z0) = G6_VOL_WINDOWS
    ratio = float(eth.loc[a1:z1, "quote_volume"].mean() / eth.loc[a0:z0, "quote_volume"].mean())
    eth_ret = float(eth.loc[_day("2026-01-31"), "close"] / eth.loc[_day("2026-01-04"), "close"] - 1)
    verdict, reason = verdict_g6(days, ratio, eth_ret, btc_max, t)
    return Evaluation({"G6.btc_max_jan": btc_max, "G6.btc_max_jan_date": t.date(),
                       "G6.days_close_above_92k_jan": days, "G6.eth_volume_ratio_jan": ratio,
                       "G6.eth_return_jan": eth_ret}, verdict, reason)
