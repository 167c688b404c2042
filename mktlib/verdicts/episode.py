"""Evaluators for the claims of the episode chapter and its epilogue (see :mod:`mktlib.claims`).

Claims D4, D6, D14, A1, A3, K5, K6 (chapter "The episode") and A8, G6 (epilogue "With hindsight").
Every threshold and analyst choice is read from the protocol (``mktlib/protocol.yaml``)
through ``spec[...]``; every rule is a pure function registered with :func:`mktlib.claims.rule`.

Data
----
- **The one BTC daily series of the book**, :func:`btc_daily`: Binance spot BTCUSDT daily bars, dataset
  ``btc_spot_1d_fullcols`` (2021-01-01 to the end of the data), preceded by dataset ``btc_spot_1d`` before
  2021 (from 2017-08-17). The two files come from different upstream repositories and are identical bar
  for bar on every day they share; :func:`btc_daily` checks that on every load.
- Other crypto: Binance spot ``<COIN>USDT`` daily bars (USDT read as USD), UTC days; ETH spliced the same
  way (``eth_spot_1d_fullcols``, then ``eth_spot_1d`` before it). Monero has no Binance series in the
  snapshot: XMR (with ZEC and BTC on the same footing) comes from the CoinGecko daily panel
  (``coingecko_top50_1d``, the price nearest 00:00 UTC of each date).
- Forecasts are judged on one horizon for the whole book, ``hindsight_window()``: the protocol's
  ``hindsight_horizon_days`` after the article's date, with "to the end of the data" as a second reading.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from mktlib import episode
from mktlib.claims import Evaluation, Part, Spec, articles, defaults, evaluator, input_space, rule
from mktlib.errors import DataError
from mktlib.inference import bootstrap_ci, quoted_match

OHLC = ["open", "high", "low", "close"]
DAY = pd.Timedelta("1D")
NAN = float("nan")


def _day(s) -> pd.Timestamp:
    """A UTC day: a date string, or a timestamp (naive read as UTC)."""
    t = pd.Timestamp(s)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _d(t) -> str:
    """A date for a reason: '21 Nov 2025'."""
    t = pd.Timestamp(t)
    return f"{t.day} {t:%b %Y}"


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


# --------------------------------------------------------------------------------------------------
# data (cached: the framework calls every evaluator once per specification)

BTC_DAILY_DATASETS = ("btc_spot_1d_fullcols", "btc_spot_1d")  # main series, then the earlier years
ETH_DAILY_DATASETS = ("eth_spot_1d_fullcols", "eth_spot_1d")


def _splice_daily(main_id: str, older_id: str) -> pd.DataFrame:
    """``main_id``'s daily bars, preceded by ``older_id``'s bars before ``main_id`` starts; raises
    DataError unless the two agree exactly (1e-6 USDT) on open, high, low and close where both exist."""
    from mktlib import data

    main, older = data.load(main_id), data.load(older_id)
    common = main.index.intersection(older.index)
    if len(common) == 0:
        raise DataError(f"{main_id}+{older_id}", "no common days to check the splice")
    diff = (main.loc[common, OHLC] - older.loc[common, OHLC]).abs().to_numpy().max()
    if diff > 1e-6:
        raise DataError(f"{main_id}+{older_id}", f"the two daily series differ by up to {diff} USDT")
    before = older.loc[older.index < main.index[0]]
    out = pd.concat([before, main])
    steps = out.index.to_series().diff().dropna()
    if (steps != DAY).any():
        raise DataError(f"{main_id}+{older_id}", f"gap in the spliced daily series at {steps[steps != DAY].index[0]}")
    return out


@lru_cache(maxsize=1)
def btc_daily() -> pd.DataFrame:
    """THE BTC daily series of the book: Binance spot BTCUSDT daily bars (UTC days), dataset
    ``btc_spot_1d_fullcols`` from 2021-01-01, dataset ``btc_spot_1d`` before (from 2017-08-17); the two are
    checked to be identical on every day they share. Columns beyond OHLCV are NaN before 2021."""
    return _splice_daily(*BTC_DAILY_DATASETS)


@lru_cache(maxsize=1)
def btc_bars() -> pd.DataFrame:
    """Binance spot BTCUSDT bars: 1h where available, daily elsewhere (:func:`mktlib.episode.load_btc_bars`)."""
    return episode.load_btc_bars()


@cache
def spot_daily(coin: str) -> pd.DataFrame:
    """Binance spot ``<COIN>USDT`` daily bars (``btc``: :func:`btc_daily`; ``eth``: the full-column series,
    which has quote volume, preceded by ``eth_spot_1d``)."""
    from mktlib import data

    if coin == "btc":
        return btc_daily()
    if coin == "eth":
        return _splice_daily(*ETH_DAILY_DATASETS)
    return data.load(f"{coin}_spot_1d")


@lru_cache(maxsize=1)
def coingecko_prices() -> pd.DataFrame:
    """CoinGecko daily panel as a wide table: date (00:00 UTC) x CoinGecko id, price in USD."""
    from mktlib import data

    cg = data.load("coingecko_top50_1d")
    return cg.reset_index().pivot(index="timestamp", columns="coin", values="price").sort_index()


@lru_cache(maxsize=1)
def the_episode() -> episode.Episode:
    """The episode's turning points and phases, found from the BTC bars."""
    return episode.find_episode(btc_bars())


def hindsight_window(article: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The book's one hindsight horizon for a forecast made in ``article`` (e.g. ``"000"``): the UTC days
    from the day after the article's date (``claims.articles()``) to ``hindsight_horizon_days`` days
    after it, inclusive."""
    t = _day(articles()[article]["date"])
    return t + DAY, t + int(defaults()["hindsight_horizon_days"]) * DAY


def first_close_above_90k() -> pd.Timestamp:
    """A1's date, used by other chapters: the first UTC day after 21 Nov 2025 whose :func:`btc_daily`
    close is above 90,000 (level and day from A1's protocol entry; NaT if none)."""
    from mktlib.claims import specifications

    s = specifications("A1")[0]
    return episode.first_close_above(btc_daily()["close"], s["level"], s["after_day"])


def window_return_cg(coin: str, first, last) -> float:
    """CoinGecko return over UTC days ``first`` to ``last``: the price at 00:00 UTC of ``last`` + 1 day
    over the price at 00:00 UTC of ``first`` (the nearest equivalent of open-to-close), minus 1."""
    p = coingecko_prices()[coin]
    a, z = _day(first), _day(last) + DAY
    for t in (a, z):
        if t not in p.index or not np.isfinite(p.loc[t]):
            raise DataError("coingecko_top50_1d", f"no {coin} price for {t.date()}")
    return float(p.loc[z] / p.loc[a] - 1)


# --------------------------------------------------------------------------------------------------
# rules (pure functions of named inputs)


def verdict_quote(ok: bool) -> str:
    """The tolerance rule's outcome for one quoted figure."""
    return "supported" if ok else "contradicted"


def verdict_below(measured: float, level: float) -> str:
    """A threshold fact ("fell below X"): strictly below."""
    return "supported" if measured < level else "contradicted"


def verdict_on_time(on_time: bool) -> str:
    """A dated fact ("jumped back above X"): it had happened by the article's date."""
    return "supported" if on_time else "contradicted"


def verdict_vol_high(pct_low: float, pct_high: float, high_q: float) -> str:
    """D14a: the realised volatility's interval, as percentiles of its own history, against the "high"
    line: wholly at or above it supported, wholly below contradicted, straddling inconclusive."""
    if pct_low >= high_q:
        return "supported"
    if pct_high < high_q:
        return "contradicted"
    return "inconclusive"


def verdict_not_bear_now(drawdown: float, bear_line: float, deepest: float, days_since_peak: int, longest: int) -> str:
    """D14b: beyond Bitcoin's own bull-market corrections (deeper than the deepest, or longer than the
    longest without a new high) contradicted; past the equity 20% line but inside them partly
    supported; inside the 20% line supported."""
    if drawdown < deepest or days_since_peak > longest:
        return "contradicted"
    if drawdown < bear_line:
        return "partly supported"
    return "supported"


def verdict_not_bear_later(
    new_high: bool, drawdown: float, days_without_high: int, deepest: float, longest: int
) -> str:
    """D14c (forecast): by the horizon's end, a fall deeper than the deepest past bull-market correction,
    or longer than the longest without a new high, contradicted; a new high supported; else inconclusive."""
    if drawdown < deepest or (not new_high and days_without_high > longest):
        return "contradicted"
    return "supported" if new_high else "inconclusive"


def verdict_fell(median_return: float) -> str:
    """K5a: the basket's median return over the window is negative."""
    return "supported" if median_return < 0 else "contradicted"


def verdict_not_plummet(rel_pct: float, abs_pct: float, plummet_q: float) -> str:
    """K5b: a plummet is a 12-day move among the worst ``plummet_q`` of the basket's own history. Neither
    the move against BTC nor the move in dollars a plummet: supported; one of them: partly supported;
    both: contradicted."""
    ok = int(rel_pct > plummet_q) + int(abs_pct > plummet_q)
    return {2: "supported", 1: "partly supported", 0: "contradicted"}[ok]


def verdict_outperform(diff: float, strong: float) -> str:
    """K6a/K6b: return difference above the strong line supported, positive partly supported, else
    contradicted."""
    if diff > strong:
        return "supported"
    return "partly supported" if diff > 0 else "contradicted"


def verdict_dead_cat(days_to_undercut: float, days_to_recovery: float, horizon_days: int) -> str:
    """A8 (forecast): within the horizon, BTC trades below the prior low before it closes above the
    recovery level: supported; recovers first: contradicted; neither (or both on one day): inconclusive."""
    u = days_to_undercut if _finite(days_to_undercut) and days_to_undercut <= horizon_days else math.inf
    r = days_to_recovery if _finite(days_to_recovery) and days_to_recovery <= horizon_days else math.inf
    if u < r:
        return "supported"
    if r < u:
        return "contradicted"
    return "inconclusive"


def verdict_hold(share_above: float, hold_share: float) -> str:
    """G6a (forecast): BTC closes above the level on at least ``hold_share`` of the horizon's days."""
    return "supported" if share_above >= hold_share else "contradicted"


def verdict_eth_follow(broke_out: bool, volume_ratio: float) -> str:
    """G6b (forecast): ETH closes above its pre-article range high within the horizon (break-through)
    on higher volume than before the article: supported; breaks through on lower volume: partly
    supported; no break-through: contradicted."""
    if not broke_out:
        return "contradicted"
    return "supported" if volume_ratio > 1 else "partly supported"


for _p in ("D6a", "D6b", "A3a", "D4c"):
    rule(_p)(verdict_quote)
rule("D4a")(verdict_below)
rule("D4b")(verdict_below)
rule("A1a")(verdict_on_time)
rule("D14a")(verdict_vol_high)
rule("D14b")(verdict_not_bear_now)
rule("D14c")(verdict_not_bear_later)
rule("K5a")(verdict_fell)
rule("K5b")(verdict_not_plummet)
rule("K6a")(verdict_outperform)
rule("K6b")(verdict_outperform)
rule("A8a")(verdict_dead_cat)
rule("G6a")(verdict_hold)
rule("G6b")(verdict_eth_follow)


def quote_part(value: float, quoted: float, unit: float, what: str, fmt: str = "{:,.0f}") -> Part:
    """A fact part judged by the book's one tolerance rule (:func:`mktlib.inference.quoted_match`)."""
    m = quoted_match(value, quoted, unit)
    verdict = verdict_quote(ok=m.ok)
    return Part(
        verdict,
        f"{what} {fmt.format(value)} against the quoted {fmt.format(quoted)}: "
        f"{m.distance_units:.1f} units of the quote's precision ({fmt.format(unit)}) away, "
        f"{'within' if m.ok else 'outside'} the tolerance of one unit",
        statistic=m.distance_units,
        threshold=1.0,
        inputs={"ok": m.ok},
    )


# --------------------------------------------------------------------------------------------------
# D6, D4, A1, A3: facts


@evaluator("D6")
def _d6(spec: Spec) -> Evaluation:
    d = btc_daily()
    octo = d.loc["2025-10-01":"2025-10-31"]
    t = octo["high"].idxmax()
    peak = float(octo.loc[t, "high"])
    ytd = float(d.loc[_day(spec["ytd_day"]), "close"] / d.loc[_day("2025-01-01"), "open"] - 1)
    return Evaluation(
        {"D6.btc_peak_oct": peak, "D6.btc_peak_oct_date": t.date(), "D6.btc_ytd_21nov": ytd},
        parts={
            "D6a": quote_part(peak, spec["quoted_peak"], spec["peak_unit"], "October high"),
            "D6b": quote_part(
                ytd,
                spec["quoted_ytd"],
                spec["ytd_unit"],
                f"close on {spec['ytd_day']} against the 1 Jan open:",
                "{:+.1%}",
            ),
        },
    )


def _below_part(measured: float, level: float, what: str) -> Part:
    v = verdict_below(measured, level)
    return Part(
        v,
        f"{what} {measured:,.2f}, {'below' if measured < level else 'not below'} {level:,.0f}",
        statistic=measured,
        threshold=level,
        inputs={"measured": measured, "level": level},
    )


@evaluator("D4")
def _d4(spec: Spec) -> Evaluation:
    day = _day(spec["day"])
    bars = btc_bars()
    hours = bars.loc[(bars.index >= day) & (bars.index < day + DAY)]
    if len(hours) != 24 or ((hours["bar_end"] - hours.index.to_series()) != pd.Timedelta("1h")).any():
        raise DataError("btc_spot_1h", f"D4: {day.date()} must be covered by 24 hourly bars")
    btc_low, btc_high = float(hours["low"].min()), float(hours["high"].max())
    eth_low = float(spot_daily("eth").loc[day, "low"])
    q = float(spec["quoted_btc_level"])
    nearest = min(max(q, btc_low), btc_high)  # the traded price closest to the quoted level that day
    c = quote_part(
        nearest,
        q,
        spec["quoted_unit"],
        f"BTC traded between {btc_low:,.0f} and {btc_high:,.0f} on {_d(day)}: the traded price closest to the quote,",
    )
    return Evaluation(
        {"D4.btc_low_21nov": btc_low, "D4.eth_low_21nov": eth_low, "D4.btc_high_21nov": btc_high},
        parts={
            "D4a": _below_part(btc_low, spec["btc_level"], f"BTC's lowest 1h low on {_d(day)}"),
            "D4b": _below_part(eth_low, spec["eth_level"], f"ETH's daily low on {_d(day)}"),
            "D4c": c,
        },
    )


@evaluator("A1")
def _a1(spec: Spec) -> Evaluation:
    t = episode.first_close_above(btc_daily()["close"], spec["level"], spec["after_day"])
    art = _day(articles()[spec["article"]]["date"])
    on_time = bool(not pd.isna(t) and t <= art)
    when = "none in the data" if pd.isna(t) else _d(t)
    reason = (
        f"first UTC daily close above {spec['level']:,.0f} after {_d(spec['after_day'])}: {when}; "
        f"article {spec['article']} is dated {_d(art)}: "
        f"{'it had happened by then' if on_time else 'not by then'}"
    )
    return Evaluation(
        {"A1.first_close_above_90k": None if pd.isna(t) else t.date()},
        parts={"A1a": Part(verdict_on_time(on_time), reason, inputs={"on_time": on_time})},
    )


@evaluator("A3")
def _a3(spec: Spec) -> Evaluation:
    a, z = spec["window"]
    nov = btc_daily().loc[a:z]
    t = nov["low"].idxmin()
    low = float(nov.loc[t, "low"])
    return Evaluation(
        {"A3.btc_low_nov": low, "A3.btc_low_nov_date": t.date()},
        parts={
            "A3a": quote_part(
                low, spec["quoted_low"], spec["quoted_unit"], f"lowest daily low of November 2025 ({_d(t)})"
            )
        },
    )


# --------------------------------------------------------------------------------------------------
# D14: "not a bear market, just a high-volatility stage"

BASES = {"high_close": ("high", "close"), "close": ("close", "close"), "intraday": ("high", "low")}


@cache
def _rv(window: int) -> pd.Series:
    return episode.realised_vol(btc_daily()["close"], window)


@cache
def rv_interval(window: int, day: str, reps: int, seed: int, level: float) -> tuple[float, float, float]:
    """(estimate, low, high): realised volatility of the ``window`` daily log returns ending on ``day``
    (annualised, sqrt 365) with its stationary-bootstrap percentile interval."""
    r = np.log(btc_daily()["close"]).diff().loc[: _day(day)].iloc[-window:].to_numpy()
    return bootstrap_ci(r, lambda a: float(a[:, 0].std(ddof=1) * np.sqrt(365)), reps=reps, level=level, seed=seed)


@cache
def high_episodes(basis: str) -> pd.DataFrame:
    """:func:`mktlib.episode.high_episodes` of :func:`btc_daily` on a price basis: ``high_close`` (closes
    against the highest daily high so far: the registered D14 measure), ``close`` (closes against the
    highest close) or ``intraday`` (lows against the highest high)."""
    r, v = BASES[basis]
    d = btc_daily()
    return episode.high_episodes(d[r], d[v])


@cache
def _bull_corrections(basis: str, before: pd.Timestamp, max_days: int, min_depth: float) -> pd.DataFrame:
    e = high_episodes(basis)
    return e[e["completed"] & (e["new_high_day"] <= before) & (e["days"] <= max_days) & (e["depth"] <= -min_depth)]


def bull_corrections(basis: str, before, max_days: int, min_depth: float) -> pd.DataFrame:
    """Bitcoin's past bull-market corrections: episodes between new highs that ended with a new high on or
    before ``before``, within ``max_days`` of their peak, after a fall of at least ``min_depth``."""
    return _bull_corrections(basis, _day(before), int(max_days), float(min_depth)).copy()


@cache
def _drawdown_state(basis: str, day: pd.Timestamp) -> tuple:
    r, v = BASES[basis]
    d = btc_daily().loc[:day]
    peak = float(d[r].max())
    peak_day = d.index[(d[r] == peak).to_numpy()][0]
    return peak_day, peak, float(d[v].iloc[-1] / peak - 1), int((d.index[-1] - peak_day) / DAY)


def drawdown_state(basis: str, day) -> dict:
    """The fall from the running high on ``day``: ``peak_day``, ``peak``, ``drawdown`` (``day``'s price on
    the basis against the peak), ``days_since_peak``."""
    peak_day, peak, dd, days = _drawdown_state(basis, _day(day))
    return {"peak_day": peak_day, "peak": peak, "drawdown": dd, "days_since_peak": days}


def path_after_peak(basis: str, peak_day, peak: float, end) -> dict:
    """From the day after ``peak_day`` to ``end``: whether the basis makes a new high (``new_high``, its
    day), the deepest fall before it (``drawdown``, its day) and the days from the peak to ``end``
    without a new high."""
    return dict(_path_after_peak(basis, _day(peak_day), float(peak), _day(end)))


@cache
def _path_after_peak(basis: str, peak_day: pd.Timestamp, peak: float, end: pd.Timestamp) -> tuple:
    r, v = BASES[basis]
    d = btc_daily().loc[peak_day + DAY : end]
    hi = d.index[(d[r] > peak).to_numpy()]
    new_day = hi[0] if len(hi) else pd.NaT
    before = d.loc[d.index < new_day] if len(hi) else d
    t = before[v].idxmin()
    days = int(((new_day if len(hi) else end) - peak_day) / DAY)
    return (
        ("new_high", bool(len(hi))),
        ("new_high_day", new_day),
        ("drawdown", float(before.loc[t, v] / peak - 1)),
        ("trough_day", t),
        ("days_without_high", days),
    )


@evaluator("D14")
def _d14(spec: Spec) -> Evaluation:
    d = btc_daily()
    day = _day(spec["at_day"])
    dflt = defaults()
    # registered measures: drawdown at the time and, to the end of the data, the lowest low after it
    peak_oct = float(d.loc["2025-10-01":"2025-10-31", "high"].max())
    dd_21 = float(d.loc[day, "close"] / peak_oct - 1)
    after = d.loc[d.index > day]
    t_min = after["low"].idxmin()
    mn = float(after.loc[t_min, "low"])

    # D14a: realised volatility against its own history (BTC, the registered asset), or, as an analyst
    # choice, the equity market's implied volatility (VIX close against its history)
    w = int(spec["vol_window"])
    est, lo, hi = rv_interval(
        w, str(day.date()), int(dflt["bootstrap_reps"]), int(dflt["bootstrap_seed"]), float(dflt["interval_level"])
    )
    hist = _rv(w).loc[_day(spec["vol_history"]) : day]
    pct = {k: episode.percentile_rank(hist, x) for k, x in (("est", est), ("lo", lo), ("hi", hi))}
    if spec["vol_market"] == "btc":
        a_in = {"pct_low": pct["lo"], "pct_high": pct["hi"], "high_q": float(spec["high_q"])}
        a_text = (
            f"{w}-day realised volatility on {_d(day)}: {est:.0%} a year ({dflt['interval_level']:.0%} interval "
            f"{lo:.0%}-{hi:.0%}), at percentile {pct['est']:.0%} ({pct['lo']:.0%}-{pct['hi']:.0%}) of its daily "
            f"history since {_d(spec['vol_history'])}; 'high' means at or above percentile {spec['high_q']:.0%}"
        )
        a_stat = pct["est"]
    else:
        vix = _vix_close()
        vx = float(vix.loc[day])
        vpct = episode.percentile_rank(vix.loc[_day(spec["vol_history"]) : day], vx)
        a_in = {"pct_low": vpct, "pct_high": vpct, "high_q": float(spec["high_q"])}
        a_text = (
            f"the equity market's volatility (VIX close, an observed level) on {_d(day)}: {vx:.1f}, at percentile "
            f"{vpct:.0%} of its daily history since {_d(spec['vol_history'])}; 'high' means at or above "
            f"percentile {spec['high_q']:.0%}"
        )
        a_stat = vpct
    a = Part(verdict_vol_high(**a_in), a_text, statistic=a_stat, threshold=float(spec["high_q"]), inputs=a_in)

    # D14b: the fall at the time against the 20% line and Bitcoin's own bull-market corrections
    basis = spec["basis"]
    st = drawdown_state(basis, day)
    bull = bull_corrections(basis, st["peak_day"], int(spec["bull_max_days"]), float(spec["min_correction"]))
    deepest, longest = float(bull["depth"].min()), int(bull["days"].max())
    deepest_row = bull.loc[bull["depth"].idxmin()]
    b_in = {
        "drawdown": st["drawdown"],
        "bear_line": float(spec["bear_line"]),
        "deepest": deepest,
        "days_since_peak": st["days_since_peak"],
        "longest": longest,
    }
    n_deeper = int((bull["depth"] < st["drawdown"]).sum())
    b = Part(
        verdict_not_bear_now(**b_in),
        f"on {_d(day)} BTC stood {st['drawdown']:.1%} from its high of {_d(st['peak_day'])} ({basis} basis), "
        f"{st['days_since_peak']} days on: past the {spec['bear_line']:.0%} line; Bitcoin's {len(bull)} past "
        f"bull-market corrections (new high within {spec['bull_max_days']} days) reached at most "
        f"{deepest:.1%} (the one from the high of {_d(deepest_row['peak_day'])}) and lasted at most {longest} days; "
        f"{n_deeper} were deeper than this fall",
        statistic=st["drawdown"],
        threshold=deepest,
        inputs=b_in,
    )

    # D14c: the forecast in "not a bear market", with hindsight on the common horizon
    h0, h1 = hindsight_window(spec["article"])
    ph = path_after_peak(basis, st["peak_day"], st["peak"], h1)
    c_in = {
        "new_high": ph["new_high"],
        "drawdown": ph["drawdown"],
        "days_without_high": ph["days_without_high"],
        "deepest": deepest,
        "longest": longest,
    }
    pe = path_after_peak(basis, st["peak_day"], st["peak"], d.index[-1])
    c = Part(
        verdict_not_bear_later(**c_in),
        f"to {_d(h1)} (the horizon): "
        f"{'a new high on ' + _d(ph['new_high_day']) if ph['new_high'] else 'no new high'}, "
        f"deepest fall {ph['drawdown']:.1%} ({_d(ph['trough_day'])}), {ph['days_without_high']} days from the "
        f"peak (bull-market corrections: at most {deepest:.1%} and {longest} days). To the end of the data "
        f"({_d(d.index[-1])}): {'a new high' if pe['new_high'] else 'no new high'}, deepest fall "
        f"{pe['drawdown']:.1%}, {pe['days_without_high']} days",
        statistic=ph["drawdown"],
        threshold=deepest,
        inputs=c_in,
    )
    return Evaluation(
        {
            "D14.btc_drawdown_21nov": dd_21,
            "D14.btc_min_after_21nov": mn,
            "D14.btc_min_after_21nov_date": t_min.date(),
            "D14.btc_drawdown_min_after_21nov": mn / peak_oct - 1,
            "D14.rv30_21nov": est,
            "D14.rv30_percentile": pct["est"],
            "D14.deepest_bull_correction": deepest,
            "D14.longest_bull_correction_days": longest,
            "D14.drawdown_horizon": ph["drawdown"],
            "D14.new_high_horizon": ph["new_high"],
        },
        parts={"D14a": a, "D14b": b, "D14c": c},
        intervals={"D14.rv30_21nov": (lo, hi), "D14.rv30_percentile": (pct["lo"], pct["hi"])},
    )


@lru_cache(maxsize=1)
def _vix_close() -> pd.Series:
    """CBOE VIX daily close (the official CBOE file), indexed by session day."""
    from mktlib import data

    return data.load("vix_cboe_1d")["close"]


@lru_cache(maxsize=1)
def _d14_space_history() -> pd.DataFrame:
    """Per day since 2018: the D14b/D14c inputs the rules would see if the article had been written then
    (primary basis; bull-market corrections completed before that day's peak)."""
    from mktlib.claims import specifications

    s = specifications("D14")[0]
    basis, max_days, min_depth = s["basis"], int(s["bull_max_days"]), float(s["min_correction"])
    r, v = BASES[basis]
    d = btc_daily()
    ref, val = d[r].to_numpy(), d[v].to_numpy()
    runmax = np.maximum.accumulate(ref)
    idx = d.index
    H = int(defaults()["hindsight_horizon_days"])
    rows = []
    for i in range(idx.get_loc(_day("2018-06-01")), len(idx) - H):
        pk = runmax[i]
        p_i = int(np.flatnonzero(ref[: i + 1] == pk)[0])
        bull = _bull_corrections(basis, idx[p_i], max_days, min_depth)
        if bull.empty:
            continue
        deepest, longest = float(bull["depth"].min()), int(bull["days"].max())
        fut_ref = ref[i + 1 : i + 1 + H]
        new = np.flatnonzero(fut_ref > pk)
        stop = i + 1 + (new[0] if len(new) else H)
        seg = val[p_i + 1 : stop]
        rows.append(
            {
                "drawdown_now": float(val[i] / pk - 1),
                "days_since_peak": int(i - p_i),
                "new_high": bool(len(new)),
                "drawdown_h": float(seg.min() / pk - 1) if len(seg) else 0.0,
                "days_without_high": int(stop - p_i if len(new) else i + H - p_i),
                "deepest": deepest,
                "longest": longest,
                "bear_line": float(s["bear_line"]),
            }
        )
    return pd.DataFrame(rows)


@input_space("D14a")
def _space_d14a() -> pd.DataFrame:
    """Every 28th day since 2019: the volatility interval's percentiles (199 bootstrap draws) against the
    history since 2018, with the primary "high" line."""
    from mktlib.claims import specifications

    s = specifications("D14")[0]
    w = int(s["vol_window"])
    rv = _rv(w)
    rows = []
    for t in pd.date_range(_day("2019-01-01"), btc_daily().index[-1], freq="28D"):
        est, lo, hi = rv_interval(
            w, str(t.date()), 199, int(defaults()["bootstrap_seed"]), float(defaults()["interval_level"])
        )
        h = rv.loc[_day(s["vol_history"]) : t]
        rows.append(
            {
                "pct_low": episode.percentile_rank(h, lo),
                "pct_high": episode.percentile_rank(h, hi),
                "high_q": float(s["high_q"]),
            }
        )
    return pd.DataFrame(rows)


@input_space("D14b")
def _space_d14b() -> pd.DataFrame:
    h = _d14_space_history()
    return pd.DataFrame(
        {
            "drawdown": h["drawdown_now"],
            "bear_line": h["bear_line"],
            "deepest": h["deepest"],
            "days_since_peak": h["days_since_peak"],
            "longest": h["longest"],
        }
    )


@input_space("D14c")
def _space_d14c() -> pd.DataFrame:
    h = _d14_space_history()
    return pd.DataFrame(
        {
            "new_high": h["new_high"],
            "drawdown": h["drawdown_h"],
            "days_without_high": h["days_without_high"],
            "deepest": h["deepest"],
            "longest": h["longest"],
        }
    )


# --------------------------------------------------------------------------------------------------
# K5: altcoins "fell but did not plummet"


@cache
def _window_returns(coins: tuple[str, ...], n_days: int) -> pd.DataFrame:
    """Every ``n_days``-day window's return (open of the first day to close of the last), indexed by the
    last day, for each coin and BTC (column ``btc``); days where every coin has data."""
    out = {}
    for c in coins + ("btc",):
        d = spot_daily(c)
        out[c] = d["close"] / d["open"].shift(n_days - 1) - 1
    return pd.DataFrame(out).dropna()


def k5_stats(coins: tuple[str, ...], start: str, end: str) -> dict:
    """K5 for a basket: each coin's return and return minus BTC's over the window, the basket medians, and
    the medians' percentile ranks among every earlier window of the same length (history ends the day
    before the window starts)."""
    a, z = _day(start), _day(end)
    n = int((z - a) / DAY) + 1
    btc = episode.window_return(btc_daily(), start, end)
    own = {c: episode.window_return(spot_daily(c), start, end) for c in coins}
    med_abs = float(np.median(list(own.values())))
    med_rel = float(np.median([own[c] - btc for c in coins]))
    h = _window_returns(tuple(coins), n)
    h = h.loc[h.index < a]
    hist_abs = h[list(coins)].median(axis=1)
    hist_rel = h[list(coins)].sub(h["btc"], axis=0).median(axis=1)
    return {
        "btc": btc,
        "own": own,
        "median_abs": med_abs,
        "median_rel": med_rel,
        "abs_pct": episode.percentile_rank(hist_abs, med_abs),
        "rel_pct": episode.percentile_rank(hist_rel, med_rel),
        "n_history": len(h),
        "history_from": h.index[0],
    }


K5_REGISTERED = ("eth", "sol", "xrp", "bnb", "doge", "ada")


@evaluator("K5")
def _k5(spec: Spec) -> Evaluation:
    start, end = spec["window"]
    coins = tuple(spec["baskets"][spec["basket"]])
    st = k5_stats(coins, start, end)
    every = tuple(spec["baskets"]["all"])
    each = st["own"] if set(every) <= set(coins) else k5_stats(every, start, end)["own"]
    btc = st["btc"]
    values = {"K5.btc_return_10_21nov": btc}
    values.update({f"K5.alt_vs_btc_{c}": each[c] - btc for c in every})
    values.update(
        {
            "K5.median_alt_return": st["median_abs"],
            "K5.median_alt_vs_btc": st["median_rel"],
            "K5.median_alt_return_percentile": st["abs_pct"],
            "K5.median_alt_vs_btc_percentile": st["rel_pct"],
        }
    )
    n_fell = sum(v < 0 for v in st["own"].values())
    a_in = {"median_return": st["median_abs"]}
    a = Part(
        verdict_fell(**a_in),
        f"{spec['basket']} basket ({len(coins)} coins): {n_fell} fell from {_d(start)} "
        f"to {_d(end)}; median return {st['median_abs']:+.1%} (BTC {btc:+.1%})",
        statistic=st["median_abs"],
        threshold=0.0,
        inputs=a_in,
    )
    q = float(spec["plummet_q"])
    b_in = {"rel_pct": st["rel_pct"], "abs_pct": st["abs_pct"], "plummet_q": q}
    worst = min(st["own"], key=lambda c: st["own"][c])
    b = Part(
        verdict_not_plummet(**b_in),
        f"median altcoin {st['median_rel'] * 100:+.1f} pp against BTC (percentile {st['rel_pct']:.0%} of "
        f"{st['n_history']} earlier {int((_day(end) - _day(start)) / DAY) + 1}-day windows since "
        f"{_d(st['history_from'])}) and {st['median_abs']:+.1%} in dollars (percentile {st['abs_pct']:.0%}); "
        f"a plummet is a move in the worst {q:.0%}; worst coin {worst.upper()} {st['own'][worst]:+.1%}",
        statistic=min(st["rel_pct"], st["abs_pct"]),
        threshold=q,
        inputs=b_in,
    )
    return Evaluation(values, parts={"K5a": a, "K5b": b})


@input_space("K5b")
def _space_k5b() -> pd.DataFrame:
    from mktlib.claims import specifications

    s = specifications("K5")[0]
    coins = tuple(s["baskets"][s["basket"]])
    a, z = (_day(x) for x in s["window"])
    h = _window_returns(coins, int((z - a) / DAY) + 1)
    ab = h[list(coins)].median(axis=1)
    rel = h[list(coins)].sub(h["btc"], axis=0).median(axis=1)
    return pd.DataFrame(
        {
            "rel_pct": rel.rank(pct=True, method="max").to_numpy(),
            "abs_pct": ab.rank(pct=True, method="max").to_numpy(),
            "plummet_q": float(s["plummet_q"]),
        }
    )


# --------------------------------------------------------------------------------------------------
# K6: ZEC, "the privacy alternative"


def k6_stats(start: str, end: str) -> dict:
    """ZEC against BTC (Binance, open ``start`` to close ``end``) and, on CoinGecko, ZEC against its privacy
    peer XMR and XMR against BTC."""
    zec, btc = episode.window_return(spot_daily("zec"), start, end), episode.window_return(btc_daily(), start, end)
    cg = {c: window_return_cg(c, start, end) for c in ("zcash", "monero", "bitcoin")}
    return {
        "zec": zec,
        "btc": btc,
        "zec_vs_btc": zec - btc,
        "cg": cg,
        "zec_vs_xmr": cg["zcash"] - cg["monero"],
        "xmr_vs_btc": cg["monero"] - cg["bitcoin"],
    }


@evaluator("K6")
def _k6(spec: Spec) -> Evaluation:
    start, end = spec["window"]
    st = k6_stats(start, end)
    strong = float(spec["strong"])
    a = Part(
        verdict_outperform(st["zec_vs_btc"], strong),
        f"Binance, {_d(start)} open to {_d(end)} close: ZEC {st['zec']:+.0%}, BTC {st['btc']:+.1%}, a "
        f"difference of {st['zec_vs_btc'] * 100:+,.0f} pp (strong line {strong * 100:+.0f} pp)",
        statistic=st["zec_vs_btc"],
        threshold=strong,
        inputs={"diff": st["zec_vs_btc"], "strong": strong},
    )
    b = Part(
        verdict_outperform(st["zec_vs_xmr"], strong),
        f"CoinGecko, same days: ZEC {st['cg']['zcash']:+.0%}, its privacy peer XMR {st['cg']['monero']:+.0%}, "
        f"BTC {st['cg']['bitcoin']:+.0%}: ZEC beat XMR by {st['zec_vs_xmr'] * 100:+,.0f} pp and XMR beat BTC by "
        f"{st['xmr_vs_btc'] * 100:+,.0f} pp. Why buyers came is not in price data",
        statistic=st["zec_vs_xmr"],
        threshold=strong,
        inputs={"diff": st["zec_vs_xmr"], "strong": strong},
    )
    return Evaluation(
        {
            "K6.zec_vs_btc_sep_nov": st["zec_vs_btc"],
            "K6.zec_vs_xmr_sep_nov": st["zec_vs_xmr"],
            "K6.xmr_vs_btc_sep_nov": st["xmr_vs_btc"],
        },
        parts={"K6a": a, "K6b": b},
    )


def _rolling_diff(x: pd.Series, y: pd.Series, days: int) -> pd.Series:
    return (x / x.shift(days) - 1) - (y / y.shift(days) - 1)


@input_space("K6a")
def _space_k6a() -> pd.DataFrame:
    from mktlib.claims import specifications

    s = specifications("K6")[0]
    n = int((_day(s["window"][1]) - _day(s["window"][0])) / DAY) + 1
    z, b = spot_daily("zec")["close"], btc_daily()["close"]
    diff = _rolling_diff(z, b.reindex(z.index), n).dropna()
    return pd.DataFrame({"diff": diff.to_numpy(), "strong": float(s["strong"])})


@input_space("K6b")
def _space_k6b() -> pd.DataFrame:
    from mktlib.claims import specifications

    s = specifications("K6")[0]
    n = int((_day(s["window"][1]) - _day(s["window"][0])) / DAY) + 1
    cg = coingecko_prices()
    diff = _rolling_diff(cg["zcash"], cg["monero"], n).dropna()
    return pd.DataFrame({"diff": diff.to_numpy(), "strong": float(s["strong"])})


# --------------------------------------------------------------------------------------------------
# A8: "this may be a dead-cat bounce" (forecast, article 000)


def a8_path(start, end, prior_low: float, recovery_level: float, undercut_on: str) -> dict:
    """From ``start`` to ``end`` (UTC days): the first day BTC's ``undercut_on`` (low or close) is below
    ``prior_low``, the first day it closes above ``recovery_level``, the lowest low and the highest close
    before the undercut."""
    d = btc_daily().loc[_day(start) : _day(end)]
    under = d.index[(d[undercut_on] < prior_low).to_numpy()]
    rec = d.index[(d["close"] > recovery_level).to_numpy()]
    t_u = under[0] if len(under) else pd.NaT
    pre = d.loc[d.index < t_u] if len(under) else d
    t_min = d["low"].idxmin()
    return {
        "undercut_day": t_u,
        "recovery_day": rec[0] if len(rec) else pd.NaT,
        "min_low": float(d.loc[t_min, "low"]),
        "min_low_day": t_min,
        "max_close_before": float(pre["close"].max()) if len(pre) else NAN,
    }


@evaluator("A8")
def _a8(spec: Spec) -> Evaluation:
    d = btc_daily()
    art = _day(articles()[spec["article"]]["date"])
    h0, h1 = hindsight_window(spec["article"])
    horizon = int((h1 - art) / DAY)
    low = float(spec["prior_low"])
    peak_oct = float(d.loc["2025-10-01":"2025-10-31", "high"].max())
    level = low + float(spec["retrace"]) * (peak_oct - low)
    p = a8_path(h0, h1, low, level, spec["undercut_on"])
    days_u = float((p["undercut_day"] - art) / DAY) if not pd.isna(p["undercut_day"]) else NAN
    days_r = float((p["recovery_day"] - art) / DAY) if not pd.isna(p["recovery_day"]) else NAN
    inputs = {"days_to_undercut": days_u, "days_to_recovery": days_r, "horizon_days": horizon}
    # second reading, registered measures: from the day after the first close above 90,000 to the end of the data
    bounce = first_close_above_90k()
    after = d.loc[d.index > bounce]
    t = after["low"].idxmin()
    mn = float(after.loc[t, "low"])
    under = after.index[(after["low"] < low).to_numpy()]
    first = under[0] if len(under) else None
    u_txt = (
        f"a daily {spec['undercut_on']} below {low:,.0f} (the 21 Nov low) first on {_d(p['undercut_day'])}, "
        f"{days_u:.0f} days after the article"
        if _finite(days_u)
        else f"no daily {spec['undercut_on']} below {low:,.0f}"
    )
    r_txt = (
        f"a close above the recovery level {level:,.0f} ({spec['retrace']:.0%} of the fall from the October "
        f"high) first on {_d(p['recovery_day'])}"
        if _finite(days_r)
        else f"no close above the recovery level {level:,.0f} ({spec['retrace']:.0%} of the fall from the October "
        f"high; highest close before the undercut {p['max_close_before']:,.0f})"
    )
    reason = (
        f"in the {horizon} days after the article ({_d(art)}, to {_d(h1)}): {u_txt}; {r_txt}. To the end of "
        f"the data ({_d(d.index[-1])}) the lowest low after the bounce is {mn:,.0f} ({_d(t)})"
    )
    part = Part(
        verdict_dead_cat(**inputs),
        reason,
        statistic=days_u if _finite(days_u) else None,
        threshold=float(horizon),
        inputs=inputs,
    )
    return Evaluation(
        {
            "A8.btc_min_after_bounce": mn,
            "A8.btc_min_after_bounce_date": t.date(),
            "A8.undercut_80600": bool(mn < low),
            "A8.first_undercut_date": first.date() if first is not None else None,
            "A8.btc_min_horizon": p["min_low"],
            "A8.btc_min_horizon_date": p["min_low_day"].date(),
            "A8.recovery_level": level,
            "A8.max_close_before_undercut": p["max_close_before"],
        },
        parts={"A8a": part},
    )


@input_space("A8a")
def _space_a8() -> pd.DataFrame:
    """Every day since 2018 as if it were the article's date: the prior low is the lowest low of the 30 days
    to it, the recovery level the same share of the fall from the highest high of the 90 days before that
    low; first-passage days within the horizon."""
    from mktlib.claims import specifications

    s = specifications("A8")[0]
    H = int(defaults()["hindsight_horizon_days"])
    d = btc_daily()
    lo, hi, cl = d["low"].to_numpy(), d["high"].to_numpy(), d["close"].to_numpy()
    key = d[s["undercut_on"]].to_numpy()
    rows = []
    for i in range(d.index.get_loc(_day("2018-06-01")), len(d) - H):
        w = lo[i - 29 : i + 1]
        j = i - 29 + int(np.argmin(w))
        prior, peak = float(w.min()), float(hi[max(0, j - 90) : j + 1].max())
        level = prior + float(s["retrace"]) * (peak - prior)
        u = np.flatnonzero(key[i + 1 : i + 1 + H] < prior)
        r = np.flatnonzero(cl[i + 1 : i + 1 + H] > level)
        rows.append(
            {
                "days_to_undercut": float(u[0] + 1) if len(u) else NAN,
                "days_to_recovery": float(r[0] + 1) if len(r) else NAN,
                "horizon_days": H,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# G6: "Can Bitcoin hold above $92,000 ...? Will Ethereum follow with increased volume ...?" (forecast, 002)


@evaluator("G6")
def _g6(spec: Spec) -> Evaluation:
    d, eth = btc_daily(), spot_daily("eth")
    art = _day(articles()[spec["article"]]["date"])
    h0, h1 = hindsight_window(spec["article"])
    lvl = float(spec["level"])
    # the authors' earlier reading (post hoc, 2026-11-21): January 2026, fixed ETH windows
    jan = d.loc["2026-01-01":"2026-01-31"]
    if len(jan) != 31:
        raise DataError("btc_daily", "G6: January 2026 must have 31 daily bars")
    t = jan["high"].idxmax()
    (a1, z1), (a0, z0) = spec["authors_volume_windows"]
    ratio_jan = float(eth.loc[a1:z1, "quote_volume"].mean() / eth.loc[a0:z0, "quote_volume"].mean())
    ret_jan = float(eth.loc[_day("2026-01-31"), "close"] / eth.loc[art, "close"] - 1)
    days_jan = int((jan["close"] > lvl).sum())
    # the common horizon
    hb, he = d.loc[h0:h1], eth.loc[h0:h1]
    share = float((hb["close"] > lvl).mean())
    share_end = float((d.loc[h0:, "close"] > lvl).mean())
    n_back = int(spec["lookback_days"])
    pre = slice(art - (n_back - 1) * DAY, art)
    eth_range = float(eth.loc[pre, "high"].max())
    eth_max_close = float(he["close"].max())
    broke = eth_max_close > eth_range
    vol_ratio = float(he["quote_volume"].mean() / eth.loc[pre, "quote_volume"].mean())
    hs = float(spec["hold_share"])
    a = Part(
        verdict_hold(share, hs),
        f"{_d(h0)} to {_d(h1)}: BTC closed above {lvl:,.0f} on {share:.0%} of days (needed {hs:.0%}); highest "
        f"close {hb['close'].max():,.0f} ({_d(hb['close'].idxmax())}). Authors' January reading: {days_jan} of 31 "
        f"closes above. To the end of the data: {share_end:.0%} of closes",
        statistic=share,
        threshold=hs,
        inputs={"share_above": share, "hold_share": hs},
    )
    b = Part(
        verdict_eth_follow(broke, vol_ratio),
        f"ETH's highest close in the horizon {eth_max_close:,.0f} against its {n_back}-day high before the "
        f"article {eth_range:,.0f}: {'broke through' if broke else 'no break-through'}; mean daily volume "
        f"{vol_ratio:.2f}x "
        f"the {n_back} days before; ETH {float(he['close'].iloc[-1] / eth.loc[art, 'close'] - 1):+.1%} over the "
        f"horizon. Authors' January reading: volume {ratio_jan:.2f}x, return {ret_jan:+.1%}",
        statistic=eth_max_close / eth_range - 1,
        threshold=0.0,
        inputs={"broke_out": bool(broke), "volume_ratio": vol_ratio},
    )
    return Evaluation(
        {
            "G6.btc_max_jan": float(jan.loc[t, "high"]),
            "G6.btc_max_jan_date": t.date(),
            "G6.days_close_above_92k_jan": days_jan,
            "G6.eth_volume_ratio_jan": ratio_jan,
            "G6.eth_return_jan": ret_jan,
            "G6.share_close_above_92k_horizon": share,
            "G6.share_close_above_92k_to_end": share_end,
            "G6.eth_range_high_pre": eth_range,
            "G6.eth_max_close_horizon": eth_max_close,
            "G6.eth_volume_ratio_horizon": vol_ratio,
        },
        parts={"G6a": a, "G6b": b},
    )


@input_space("G6a")
def _space_g6a() -> pd.DataFrame:
    """Every day since 2018 as if it were the article's date, with the level at the same distance from that
    day's close as 92,000 from the 4 Jan 2026 close."""
    from mktlib.claims import specifications

    s = specifications("G6")[0]
    H = int(defaults()["hindsight_horizon_days"])
    c = btc_daily()["close"]
    rel = float(s["level"]) / float(c.loc[_day(articles()[s["article"]]["date"])])
    x = c.to_numpy()
    i0 = c.index.get_loc(_day("2018-01-01"))
    share = [float(np.mean(x[i + 1 : i + 1 + H] > rel * x[i])) for i in range(i0, len(x) - H)]
    return pd.DataFrame({"share_above": share, "hold_share": float(s["hold_share"])})


@input_space("G6b")
def _space_g6b() -> pd.DataFrame:
    from mktlib.claims import specifications

    s = specifications("G6")[0]
    H, n = int(defaults()["hindsight_horizon_days"]), int(s["lookback_days"])
    e = spot_daily("eth").dropna(subset=["quote_volume"])
    hi, cl, v = e["high"].to_numpy(), e["close"].to_numpy(), e["quote_volume"].to_numpy()
    rows = []
    for i in range(n - 1, len(e) - H):
        rows.append(
            {
                "broke_out": bool(cl[i + 1 : i + 1 + H].max() > hi[i - n + 1 : i + 1].max()),
                "volume_ratio": float(v[i + 1 : i + 1 + H].mean() / v[i - n + 1 : i + 1].mean()),
            }
        )
    return pd.DataFrame(rows)
