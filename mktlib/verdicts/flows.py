"""Evaluators for the claims of the flows chapter (see :mod:`mktlib.claims`): K3 (the ETF outflow) and
K4 (the treasury companies' "sell-coins death spiral").

Every rule is a pure function registered with :func:`mktlib.claims.rule` and every number it uses comes
from the protocol (``mktlib/protocol.yaml``) through ``spec[...]``; the evaluators measure.

- K3a (fact): the US session's net ETF flow of 20 Nov 2025 against the quoted "$900m", by the book's
  one tolerance rule (:func:`mktlib.inference.quoted_match`). Flows come from the book's one ETF-flow
  series, :func:`mktlib.flows.etf_flows_reconciled`.
- K4a (fact): did the named treasury stocks fall more than their coins *explain*? Beta-adjusted abnormal
  returns (stock return minus a pre-episode beta times the coin's return), their median, and a joint
  stationary-bootstrap interval of the betas.
- K4b (reading): was it a spiral *of coin sales*? The holdings file's companies as a group, and their
  sales against the ETFs' outflows of the same weeks. The MSCI event study of MSTR (the index-exclusion
  channel) is registered as two tests of the ledger's family; it is reported, not part of a rule.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
import pandas as pd

from mktlib.claims import Evaluation, Part, Spec, Test, defaults, evaluator, input_space, registry, rule
from mktlib.inference import quoted_match
from mktlib.verdicts.episode import verdict_quote

# ---- K3 -------------------------------------------------------------------------------------------

rule("K3a")(verdict_quote)


def _ts(d) -> pd.Timestamp:
    from mktlib.timeutil import utc

    return utc(d)


def k3_values(spec: Spec) -> dict:
    """K3's numbers under one specification: the flow of ``spec["flow_day"]``, the published total that
    day, the sum over ``spec["month_start"]``..``spec["month_end"]`` and its number of sessions."""
    from mktlib import flows

    r = flows.etf_flows_reconciled(spec["etf_holidays"])
    day = _ts(spec["flow_day"])
    month = r.loc[_ts(spec["month_start"]) : _ts(spec["month_end"])]
    return {
        "flow_day": float(r.loc[day, "flow"]),
        "published_day": float(r.loc[day, "farside"]),
        "status_day": str(r.loc[day, "status"]),
        "month_total": float(month["flow"].sum()),
        "n_month": int(len(month)),
        "n_out": int((month["flow"] < 0).sum()),
        "month_published": float(month["farside"].sum()) if month["farside"].notna().all() else None,
    }


@evaluator("K3")
def _k3(spec: Spec) -> Evaluation:
    v = k3_values(spec)
    m = quoted_match(v["flow_day"], spec["quoted_flow"], spec["flow_unit"])
    verdict = verdict_quote(ok=m.ok)
    reason = (
        f"Net flow of the US session of {spec['flow_day']}: {v['flow_day']:+,.1f} $m (the published "
        f"total that day: {v['published_day']:+,.1f}) against the quoted {spec['quoted_flow']:+,.0f}, "
        f"{m.distance_units:.2f} units of the quote's precision ({spec['flow_unit']:,.0f} $m) away: "
        f"{'within' if m.ok else 'outside'} the tolerance of one unit. Context: "
        f"{v['month_total']:+,.1f} $m over the {v['n_month']} sessions of November."
    )
    return Evaluation(
        values={"K3.etf_flow_20nov": v["flow_day"], "K3.etf_flow_nov_total": v["month_total"]},
        parts={
            "K3a": Part(
                verdict,
                reason,
                statistic=m.distance_units,
                threshold=defaults()["tolerance_units"],
                inputs={"ok": m.ok},
            )
        },
    )


# ---- K4: data -------------------------------------------------------------------------------------

K4_NAMED = {"MSTR": "BTC", "SQNS": "BTC", "BMNR": "ETH", "FGNX": "ETH"}
K4_HOLDERS = {"MSTR": "MSTR:NADQ", "SQNS": "SQNS:NYSE"}  # the named companies in the BTC holdings file
_CLOSES_FROM = "2025-07-01"  # closes loaded from here (the pre-episode window can start before 1 Aug)


@lru_cache(maxsize=1)
def _k4_inputs():
    """Snapshot inputs of K4, loaded once (treat as read-only): NY closes of the named DATs, BTC and ETH
    at the same closes, daily simple returns of all six, BTC/ETH daily UTC closes, the holdings file
    (wide, carried forward) and the book's ETF flows."""
    from mktlib import data, flows
    from mktlib import treasuries as tr

    closes = tr.dat_closes(list(K4_NAMED), _CLOSES_FROM, "2026-03-03")
    coins = tr.coins_at_ny_close("2025-06-02", "2026-03-03")
    at_close = {c: coins[c]["price"].reindex(closes.index) for c in ("BTC", "ETH")}
    px = pd.concat([closes, pd.DataFrame(at_close)], axis=1)
    rets = px.pct_change().iloc[1:]
    daily = {"BTC": data.load("btc_spot_1d_fullcols")["close"], "ETH": data.load("eth_spot_1d")["close"]}
    hold = tr.holdings_wide(data.load("treasury_btc_holdings_1d"))
    etf = flows.etf_flows_reconciled()["flow"]
    return closes, at_close, px, rets, daily, hold, etf


def _session(sessions: pd.DatetimeIndex, day, shift: int = 0) -> pd.Timestamp:
    """The NY session ``shift`` sessions after the last session on or before ``day``."""
    i = int(sessions.searchsorted(_ts(day), side="right")) - 1
    return sessions[i + shift]


@cache
def _betas(beta_start: str, base: pd.Timestamp, reps: int, seed: int):
    """Pre-episode betas of the four named DATs on their coins (daily returns labelled in
    [beta_start, base]) and their joint bootstrap draws (cached: they do not depend on the episode's end)."""
    from mktlib import treasuries as tr

    rets = _k4_inputs()[3]
    pre = rets.loc[_ts(beta_start) : base]
    return tr.beta_bootstrap(pre, K4_NAMED, reps=reps, seed=seed)


def k4_abnormal(beta_start: str, base, end, *, reps: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """Beta-adjusted abnormal returns of the named DATs (cached; :func:`_k4_abnormal`). Read-only."""
    return _k4_abnormal(str(beta_start), _ts(base), _ts(end), reps, seed)


@cache
def _k4_abnormal(beta_start: str, base, end, reps: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """Beta-adjusted abnormal returns of the named DATs from the NY close ``base`` to the NY close ``end``.

    One row per company (and a row ``median``): ``beta`` (OLS on the daily returns labelled in
    [``beta_start``, ``base``], coin at the same NY closes), ``beta_lo``/``beta_hi``, ``n_pre`` (days),
    ``stock``/``coin`` (window returns), ``raw`` (stock - coin), ``abnormal`` (stock - beta x coin) and
    its interval ``lo``/``hi`` (percentiles of the joint stationary bootstrap of the betas at the
    protocol's level; the window returns are realised, the beta is the estimate). The median row's
    interval comes from the median of each draw.
    """
    from mktlib import treasuries as tr

    d = defaults()
    reps = reps or int(d["bootstrap_reps"])
    seed = int(d["bootstrap_seed"]) if seed is None else seed
    a = (1 - float(d["interval_level"])) / 2
    _, _, px, rets, *_ = _k4_inputs()
    base, end = _ts(base), _ts(end)
    beta, draws = _betas(str(beta_start), base, reps, seed)
    stock = np.array([px.loc[end, t] / px.loc[base, t] - 1 for t in K4_NAMED])
    coin = np.array([px.loc[end, c] / px.loc[base, c] - 1 for c in K4_NAMED.values()])
    ab = tr.beta_adjusted_return(stock, coin, beta.to_numpy())
    ab_d = tr.beta_adjusted_return(stock, coin, draws.to_numpy())
    out = pd.DataFrame(
        {
            "coin_name": list(K4_NAMED.values()),
            "beta": beta.to_numpy(),
            "beta_lo": draws.quantile(a).to_numpy(),
            "beta_hi": draws.quantile(1 - a).to_numpy(),
            "n_pre": len(rets.loc[_ts(beta_start) : base]),
            "stock": stock,
            "coin": coin,
            "raw": stock - coin,
            "abnormal": ab,
            "lo": np.quantile(ab_d, a, axis=0),
            "hi": np.quantile(ab_d, 1 - a, axis=0),
        },
        index=list(K4_NAMED),
    )
    med_d = np.median(ab_d, axis=1)
    out.loc["median"] = {
        "abnormal": float(np.median(ab)),
        "lo": float(np.quantile(med_d, a)),
        "hi": float(np.quantile(med_d, 1 - a)),
        "raw": float(np.median(stock - coin)),
    }
    return out


def k4_holdings(start, end, holders: str = "all") -> dict:
    """Coin flows of the holdings file's companies (cached; :func:`_k4_holdings`)."""
    return dict(_k4_holdings(_ts(start), _ts(end), holders))


@cache
def _k4_holdings(start, end, holders: str = "all") -> dict:
    """Coin flows of the holdings file's companies from ``start`` to ``end`` (dates) and the ETFs'
    outflows over the same days. ``holders``: ``"all"`` companies of the file (BTC holders with a
    holding at both dates) or ``"named"`` (MSTR and SQNS, the named companies the file covers)."""
    from mktlib import treasuries as tr

    *_, daily, hold, etf = _k4_inputs()
    t0, t1 = _ts(start), _ts(end)
    comp = list(K4_HOLDERS.values()) if holders == "named" else None
    f = tr.holdings_flows(hold, t0, t1, comp)
    price = float(daily["BTC"].loc[t0:t1].mean())
    flows_w = etf.loc[t0:t1]
    out_usd = float(-flows_w.clip(upper=0).sum())
    sold_usd = float(f["sold"].sum()) * price / 1e6
    share = sold_usd / out_usd if out_usd > 0 else (np.inf if sold_usd > 0 else 0.0)
    allf = tr.holdings_flows(hold, t0, t1)
    return {
        "net_btc": float(f["change"].sum()),
        "sold_btc": float(f["sold"].sum()),
        "sold_usd": sold_usd,
        "etf_gross_outflow": out_usd,
        "sold_share": float(share),
        "n_companies": int(len(f)),
        "n_sellers": int((f["change"] < 0).sum()),
        "price": price,
        "mstr": float(allf.loc[K4_HOLDERS["MSTR"], "change"]),
        "sqns": float(allf.loc[K4_HOLDERS["SQNS"], "change"]),
        "sqns_usd": float(allf.loc[K4_HOLDERS["SQNS"], "sold"]) * price / 1e6,
    }


@lru_cache(maxsize=1)
def msci_event_tests() -> pd.DataFrame:
    """The MSCI event study of MSTR against BTC at the NY close (market model, 120-session estimation,
    10-session gap, days -1..+5; ``mktlib.treasuries.MSCI_EVENTS``), with the placebo p-value (every
    other 7-session window of MSTR since January 2024, the event windows excluded). Columns of
    :func:`mktlib.treasuries.event_table` plus ``q_placebo`` (the 1 - alpha quantile of |placebo t|),
    ``mde`` (the CAR the placebo test would detect with 80% power: (q_placebo + z_0.80) x car_se), and
    ``lo``/``hi`` (model interval of the CAR at the protocol's level)."""
    from scipy import stats

    from mktlib import data
    from mktlib import treasuries as tr
    from mktlib.events import event_study, placebo

    px = tr.close_panel_wide(data.load("us_close_panel"), ["MSTR"], "2024-01-11", "2026-07-31")["MSTR"]
    r_btc = tr.coins_at_ny_close("2024-01-11", "2026-07-31", coins=("BTC",))["BTC"]["ret"].dropna()
    d = pd.concat([px.pct_change().rename("a"), r_btc.rename("m")], axis=1, join="inner").dropna()
    et = tr.event_table(d["a"], {"BTC at NY close": d["m"]}, tr.MSCI_EVENTS)
    res = {ev: event_study(d["a"], d["m"], day) for ev, day in tr.MSCI_EVENTS.items()}
    excl = [(r.table["date"].iloc[0], r.table["date"].iloc[-1]) for r in res.values()]
    pl = placebo(d["a"], d["m"], window_len=7, estimation=120, gap=10, exclude=excl)
    alpha, level = float(defaults()["alpha"]), float(defaults()["interval_level"])
    q = float(pl["t"].abs().quantile(1 - alpha))
    et["q_placebo"] = q
    et["mde"] = (q + stats.norm.ppf(0.80)) * et["car_se"]
    half = [stats.t.ppf(1 - (1 - level) / 2, res[ev].df) for ev in et["event"]]
    et["lo"] = et["car"] - np.array(half) * et["car_se"]
    et["hi"] = et["car"] + np.array(half) * et["car_se"]
    return et.set_index("event")


# ---- K4: rules ------------------------------------------------------------------------------------


@rule("K4a")
def verdict_k4a(median_lo: float, median_hi: float, ar_max: float) -> str:
    """The named stocks fell more than their coins explain if the whole interval of the median
    beta-adjusted abnormal return is below ``ar_max``; not, if the whole interval is above it."""
    if median_hi < ar_max:
        return "supported"
    if median_lo > ar_max:
        return "contradicted"
    return "inconclusive"


@rule("K4b")
def verdict_k4b(net_btc: float, sold_share: float, share_min: float, named_sellers: int = 0) -> str:
    """A spiral of coin sales needs the companies, as a group, to sell (net change below 0) in a size
    that matters (their sales at least ``share_min`` of the ETFs' outflows over the same days):
    supported. Partly supported if the group did not, but a company the article names did sell
    (``named_sellers`` >= 1: the named part holds, the spiral does not). Contradicted if the group
    bought on net, its sales were small and no named company sold.

    >>> verdict_k4b(30_000, 0.04, 0.25, 1), verdict_k4b(30_000, 0.04, 0.25, 0), verdict_k4b(-5_000, 0.3, 0.25)
    ('partly supported', 'contradicted', 'supported')
    """
    if net_btc < 0 and sold_share >= share_min:
        return "supported"
    if net_btc > 0 and sold_share < share_min and named_sellers == 0:
        return "contradicted"
    return "partly supported"


# ---- K4: evaluator --------------------------------------------------------------------------------


def _k4_registered(base: pd.Timestamp, end: pd.Timestamp) -> dict:
    """The measures registered on 2026-11-21 (drawdowns, in-window betas, raw premium proxies) for the
    sessions after ``base`` up to ``end``."""
    from mktlib import treasuries as tr

    closes, at_close, _, _, daily, *_ = _k4_inputs()
    sess = closes.index
    first = sess[sess > base][0]
    tab = tr.dat_table(closes, at_close, K4_NAMED, first, end)
    dd = {c: float(tr.max_drawdown(daily[c], first, end)["drawdown"]) for c in ("BTC", "ETH")}
    return {
        "K4.mstr_drawdown": tab.loc["MSTR", "drawdown"],
        "K4.bmnr_drawdown": tab.loc["BMNR", "drawdown"],
        "K4.sqns_drawdown": tab.loc["SQNS", "drawdown"],
        "K4.fgnx_drawdown": tab.loc["FGNX", "drawdown"],
        "K4.btc_drawdown": dd["BTC"],
        "K4.eth_drawdown": dd["ETH"],
        "K4.mstr_beta_btc": tab.loc["MSTR", "beta"],
        "K4.bmnr_beta_eth": tab.loc["BMNR", "beta"],
        "K4.sqns_beta_btc": tab.loc["SQNS", "beta"],
        "K4.fgnx_beta_eth": tab.loc["FGNX", "beta"],
        "K4.mstr_vs_btc": tab.loc["MSTR", "excess"],
        "K4.bmnr_vs_eth": tab.loc["BMNR", "excess"],
        "K4.sqns_vs_btc": tab.loc["SQNS", "excess"],
        "K4.fgnx_vs_eth": tab.loc["FGNX", "excess"],
    }


def k4_windows(spec: Spec) -> dict:
    """The windows of one specification: the episode's base and end NY sessions (moved by
    ``start_shift``/``end_shift`` sessions) and the holdings window (moved by as many days)."""
    sess = _k4_inputs()[0].index
    return {
        "base": _session(sess, spec["episode_base"], int(spec["start_shift"])),
        "end": _session(sess, spec["episode_end"], int(spec["end_shift"])),
        "hold_start": _ts(spec["hold_start"]) + pd.Timedelta(days=int(spec["start_shift"])),
        "hold_end": _ts(spec["hold_end"]) + pd.Timedelta(days=int(spec["end_shift"])),
    }


@evaluator("K4")
def _k4(spec: Spec) -> Evaluation:
    w = k4_windows(spec)
    ab = k4_abnormal(spec["beta_start"], w["base"], w["end"])
    h = k4_holdings(w["hold_start"], w["hold_end"], spec["holders"])
    names = [t.lower() for t in K4_NAMED]
    values: dict = dict.fromkeys(m.id for m in registry()["K4"].measures)
    if spec.primary:
        values.update(_k4_registered(w["base"], w["end"]))
    values["K4.mstr_mnav_21nov"] = None  # no share counts or market caps in the snapshot
    coin_of = {t.lower(): c.lower() for t, c in K4_NAMED.items()}
    intervals = {}
    for t in names:
        values[f"K4.{t}_beta_{coin_of[t]}_pre"] = float(ab.loc[t.upper(), "beta"])
        intervals[f"K4.{t}_beta_{coin_of[t]}_pre"] = (
            float(ab.loc[t.upper(), "beta_lo"]),
            float(ab.loc[t.upper(), "beta_hi"]),
        )
        values[f"K4.{t}_abnormal"] = float(ab.loc[t.upper(), "abnormal"])
        intervals[f"K4.{t}_abnormal"] = (float(ab.loc[t.upper(), "lo"]), float(ab.loc[t.upper(), "hi"]))
    med = ab.loc["median"]
    values["K4.median_abnormal"] = float(med["abnormal"])
    intervals["K4.median_abnormal"] = (float(med["lo"]), float(med["hi"]))
    values.update(
        {
            "K4.mstr_btc_holdings_change_oct_nov": h["mstr"],
            "K4.sqns_btc_holdings_change_oct_nov": h["sqns"],
            "K4.sqns_btc_sold_usd": h["sqns_usd"],
            "K4.companies_btc_net_change_oct_nov": h["net_btc"],
            "K4.companies_btc_sold_usd_oct_nov": h["sold_usd"],
            "K4.etf_gross_outflow_oct_nov": h["etf_gross_outflow"],
            "K4.sold_share_of_etf_outflows": h["sold_share"],
        }
    )
    et = msci_event_tests()
    tests = {}
    for key, ev in (
        ("consultation", "MSCI consultation (10 Oct 2025)"),
        ("reprieve", "MSCI reprieve (6 Jan 2026, after the close)"),
    ):
        mid = f"K4.mstr_car_msci_{key}"
        values[mid] = float(et.loc[ev, "car"])
        intervals[mid] = (float(et.loc[ev, "lo"]), float(et.loc[ev, "hi"]))
        tests[f"K4.msci_{key}_placebo"] = Test(
            p=float(et.loc[ev, "p_placebo"]),
            measure=mid,
            mde=float(et.loc[ev, "mde"]),
            description=f"MSTR CAR against BTC, days -1..+5 around the {ev}: placebo p-value (share of "
            f"{int(et.loc[ev, 'n_placebo'])} other 7-session windows with |t| at least as large)",
        )

    # K4a
    va = verdict_k4a(median_lo=float(med["lo"]), median_hi=float(med["hi"]), ar_max=spec["ar_max"])
    lvl = defaults()["interval_level"]
    per = ", ".join(f"{t} {ab.loc[t, 'abnormal']:+.1%} (beta {ab.loc[t, 'beta']:.2f})" for t in K4_NAMED)
    reason_a = (
        f"Beta-adjusted abnormal returns, NY close {w['base'].date()} to {w['end'].date()}, betas on "
        f"{int(ab['n_pre'].iloc[0])} pre-episode sessions from {spec['beta_start']}: {per}. Median "
        f"{med['abnormal']:+.1%} ({lvl:.0%} interval {med['lo']:+.1%} to {med['hi']:+.1%}; raw stock "
        f"minus coin {med['raw']:+.1%}) against the threshold {spec['ar_max']:+.0%}: {va}."
    )
    # K4b
    named_sellers = int(h["mstr"] < 0) + int(h["sqns"] < 0)
    vb = verdict_k4b(
        net_btc=h["net_btc"], sold_share=h["sold_share"], share_min=spec["share_min"], named_sellers=named_sellers
    )
    who = (
        "the " + str(h["n_companies"]) + " companies of the holdings file"
        if spec["holders"] == "all"
        else "the named companies in the holdings file (MSTR, SQNS)"
    )
    reason_b = (
        f"From {w['hold_start'].date()} to {w['hold_end'].date()} {who} changed their BTC by "
        f"{h['net_btc']:+,.0f} BTC (Strategy {h['mstr']:+,.0f}, Sequans {h['sqns']:+,.0f}, about "
        f"{h['sqns_usd']:,.0f} $m); the net sellers among them sold {h['sold_btc']:,.0f} BTC, about "
        f"{h['sold_usd']:,.0f} $m, {h['sold_share']:.1%} of the ETFs' {h['etf_gross_outflow']:,.0f} $m "
        f"of outflows on the same days (threshold {spec['share_min']:.0%}); "
        f"{named_sellers} of the named companies the file covers sold: {vb}."
    )
    return Evaluation(
        values={
            k: (float(v) if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) else v)
            for k, v in values.items()
        },
        parts={
            "K4a": Part(
                va,
                reason_a,
                statistic=float(med["abnormal"]),
                threshold=float(spec["ar_max"]),
                inputs={"median_lo": float(med["lo"]), "median_hi": float(med["hi"]), "ar_max": float(spec["ar_max"])},
            ),
            "K4b": Part(
                vb,
                reason_b,
                statistic=h["sold_share"],
                threshold=float(spec["share_min"]),
                inputs={
                    "net_btc": h["net_btc"],
                    "sold_share": h["sold_share"],
                    "share_min": float(spec["share_min"]),
                    "named_sellers": named_sellers,
                },
            ),
        },
        intervals=intervals,
        tests=tests,
    )


# ---- K4: the inputs the rules could see at other dates ---------------------------------------------


def _k4_spec() -> dict:
    from mktlib import claims

    return claims.specifications("K4")[0]


@input_space("K4a")
def k4a_space(step: int = 5, reps: int = 199) -> pd.DataFrame:
    """The K4a rule's inputs over every window of the DAT era with the episode's layout: a pre-episode
    beta window of as many sessions as the primary's, then as many episode sessions as the primary's,
    starting every ``step`` sessions (bootstrap with ``reps`` draws, fewer than the ledger's, for speed)."""
    s = _k4_spec()
    sess = _k4_inputs()[0].index
    base0 = _session(sess, s["episode_base"])
    n_pre = int(((sess >= _ts(s["beta_start"])) & (sess <= base0)).sum())
    n_ep = int(((sess > base0) & (sess <= _session(sess, s["episode_end"]))).sum())
    i0 = int(sess.searchsorted(_ts(s["beta_start"])))
    rows = []
    for i in range(i0 + n_pre - 1, len(sess) - n_ep, step):
        base, end = sess[i], sess[i + n_ep]
        ab = k4_abnormal(sess[i - n_pre + 1].date().isoformat(), base, end, reps=reps)
        rows.append(
            {
                "median_lo": float(ab.loc["median", "lo"]),
                "median_hi": float(ab.loc["median", "hi"]),
                "ar_max": float(s["ar_max"]),
            }
        )
    return pd.DataFrame(rows)


@input_space("K4b")
def k4b_space(step_days: int = 7) -> pd.DataFrame:
    """The K4b rule's inputs over every window of the primary's length in the holdings file (to the
    end of the BTC daily closes), starting every ``step_days`` days, for both holder sets."""
    s = _k4_spec()
    *_, daily, hold, etf = _k4_inputs()
    length = _ts(s["hold_end"]) - _ts(s["hold_start"])
    last = min(hold.index[-1], daily["BTC"].index[-1], etf.index[-1])
    rows = []
    for holders in ("all", "named"):
        t0 = hold.index[0]
        while t0 + length <= last:
            h = k4_holdings(t0, t0 + length, holders)
            rows.append(
                {
                    "net_btc": h["net_btc"],
                    "sold_share": h["sold_share"],
                    "share_min": float(s["share_min"]),
                    "named_sellers": int(h["mstr"] < 0) + int(h["sqns"] < 0),
                }
            )
            t0 += pd.Timedelta(days=step_days)
    return pd.DataFrame(rows)
