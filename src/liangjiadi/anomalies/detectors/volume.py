"""Volume patterns of institutions: 拉人头住院, 诱导住院 (出院人次激增), 床位大增而周转偏低.

All three read the same per-institution monthly aggregate (`_inputs.monthly_volumes`) over the
12 months ending at the period, and the 12 months before where a pattern is about change.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ...checks.model import Param
from ...period import shift
from ..coverage import NotEvaluated
from ..model import Finding
from ..registry import detector
from ._inputs import hospitals_as_of, monthly_volumes, note, params, window_totals, windows
from ._peer_rules import (bh_adjusted, bh_keep, binomial_upper_p, leave_one_out, normal_upper_p, own_peer_set, pct,
                          peer_position, peer_sets, poisson_upper_p, rounded, share_below, signed_pct)

MIN_CURRENT_MONTHS = 6  # below half a year of data in the window nothing is judged

# ---- 拉人头住院: 门诊住院人次比 ------------------------------------------------------------

OIR_MIN_DISCHARGES = 100  # discharges in the 12 months
# combined robust z at least (one-sided p ≈ 0.006 per institution), and BH across them: the FDR
# test decides. A floor of 3 missed hospitals at half their peers' ratio whose bed turnover is
# ordinary (beds reported generously): the handbook's signal is the ratio, turnover only supports.
OIR_COMPOSITE = 2.5
# the ratio itself must be in the low tail, not only the bed turnover high; -1.5 since the spread
# is one-sided (a clinic at 75% of its peers' ratio with z -1.44 was named on its turnover alone)
OIR_RATIO_Z = -1.5
OIR_MAX_SHARE_OF_MEDIAN = 0.75  # ... and at least 25% below the peer median
OIR_BASE_COMPOSITE = 2.0  # the year before must already be low: a sudden drop is admission_surge
OIR_MAX_FALL = 0.67  # ... and the ratio (relative to peers) may not have fallen by more than a third since
OIR_ALPHA = 0.05
# Comparable institutions differ by ~20% in outpatient visits per discharge and ~15% in discharges
# per bed whatever they do; a level group of five can show a much tighter spread by chance.
RATIO_SPREAD_FLOOR = 0.20  # on the log scale
TURNOVER_SPREAD_FLOOR = 0.15
# Sudden change: the ratio against the institution's own last year, beyond its peers' change.
DROP_MIN_FALL = 0.40  # the ratio fell at least 40% more than the peers' (own change ≤ 0.6 × peers')
DROP_Z = 3.5  # robust z of the log change among the peers' log changes (spread floor 15%)
DROP_ALPHA = 0.01
DROP_MIN_BASE = 30  # discharges in the base window (12-month scale)
CHANGE_SPREAD_FLOOR = 0.15


def _oir_table(hosp, totals, months: int, min_discharges: float = OIR_MIN_DISCHARGES) -> dict[str, dict]:
    """Per eligible institution: 门诊住院人次比, 床均年出院人次, and robust z among its peers."""
    rows: dict[str, dict] = {}
    for code, h in hosp.iterrows():
        if code not in totals.index:
            continue
        t = totals.loc[code]
        if t.ipt < min_discharges or t.otp <= 0:
            continue
        beds = h.beds if h.beds and h.beds > 0 else None
        rows[code] = {"level": h.level_group, "kind": h.kind, "ipt": int(t.ipt), "otp": int(t.otp),
                      "ratio": t.otp / t.ipt, "turnover": (t.ipt / beds * 12 / months) if beds else None}
    peers = peer_sets({c: (r["level"], r["kind"]) for c, r in rows.items()})
    log_ratio = {c: math.log(r["ratio"]) for c, r in rows.items()}
    log_turn = {c: math.log(r["turnover"]) for c, r in rows.items() if r["turnover"]}
    for code, r in rows.items():
        codes, r["same_kind"] = peers[code]
        pos = peer_position(log_ratio[code], [log_ratio[c] for c in codes], RATIO_SPREAD_FLOOR, tail="low")
        r["ratio_pos"] = pos
        r["turn_pos"] = None
        if code in log_turn:
            r["turn_pos"] = peer_position(log_turn[code], [log_turn[c] for c in codes if c in log_turn],
                                          TURNOVER_SPREAD_FLOOR, tail="high")
        if pos is None:
            r["composite"] = None
            continue
        # Two independent signs of admitting without need: few outpatients per admission, and
        # more admissions per bed than peers. Stouffer's sum keeps the false-alarm rate of one z.
        if r["turn_pos"] is not None:
            r["composite"] = (-pos.z + r["turn_pos"].z) / math.sqrt(2)
        else:
            r["composite"] = -pos.z
    return rows


@detector(
    "outpatient_inpatient_ratio",
    name="拉人头住院（门诊住院人次比偏低）",
    description=(
        "近12个月各医疗机构门诊人次/出院人次（每多少个门诊人次收治1人住院，越大越好）与同级别机构比较（取对数后的稳健z，"
        "不含本机构，离散度下限20%；离散度只取中位数以上一侧的同级计算，再剔除本身z ≤ −2的同级重算中位数与离散度："
        "同样做法的几家机构聚在低端时不互相掩护；上年同期有半年以上数据时，离散度取本期与上年两个离散度的均方根："
        "一年里中位数以上十几家同级算出的离散度偶然偏大，同一批医院的人次比z在24个月与36个月的生成地区中差1以上）；以床均出院人次（高于同级为异常，离散度取中位数以下一侧，同样剔除z ≥ 2的同级）佐证，"
        "两个z按Stouffer法合并。同时满足：人次比的稳健z ≤ −1.5、"
        "人次比 ≤ 同级中位数的75%、合并z ≥ 2.5，且经Benjamini-Hochberg校正（α=0.05）后仍显著（合并z下限只是兜底，"
        "床位周转平常而人次比只有同级一半的机构也应检出：手册的信号是门诊住院人次比，周转只作佐证）；"
        "上年同期有半年以上数据时，上年合并z也须 ≥ 2，且人次比相对同级中位数较上年下降不超过三分之一（持续偏低）。"
        "骤降：人次比与本机构上年同期（同比窗口同“诱导住院”）相比的对数变化，与同级机构的变化比较（稳健z，离散度下限15%），"
        "稳健z ≤ −3.5、较上年的降幅比同级中位变化多出至少40%，且按“住院占门诊加住院人次的比例随同级变化”的二项检验经"
        "Benjamini-Hochberg校正（α=0.01）显著；窗口不足12个月时每个月的人次比都须较上年同月下降至少窗口降幅（对数）的一半。门诊人次骤减而出院不变，或出院骤增而门诊不变（住院率类的相对门诊骤升），都在此发现。"
    ),
    min_cases=OIR_MIN_DISCHARGES,
    peers="同级别（三级/二级/一级及以下）近12个月出院人次不少于100的其他医疗机构，至少4家；同级同类（综合/中医/专科/妇幼）不少于5家时只比同类",
    compares=("peers", "last_year"),
    severity_rule="持续偏低：合并z ≥ 5 或人次比不到同级中位数一半为高；合并z ≥ 4为中；其余为低。"
                  "骤降：人次比降至上年的一半以下（相对同级变化）为高；其余为中",
    params={
        "min_discharges": Param(OIR_MIN_DISCHARGES, "近12个月出院人次下限（骤降按窗口月数折算）", "人次"),
        "min_composite": Param(OIR_COMPOSITE, "持续偏低：合并z下限"),
        "max_ratio_z": Param(OIR_RATIO_Z, "持续偏低：人次比本身的稳健z上限"),
        "max_share_of_median": Param(OIR_MAX_SHARE_OF_MEDIAN, "持续偏低：人次比至多为同级中位数的此比例"),
        "base_composite": Param(OIR_BASE_COMPOSITE, "持续偏低：上年合并z下限"),
        "alpha": Param(OIR_ALPHA, "持续偏低：Benjamini-Hochberg 校正的错误发现率"),
        "drop_min_fall": Param(DROP_MIN_FALL, "骤降：人次比较上年同期的下降须比同级中位变化多出的比例"),
        "drop_z": Param(DROP_Z, "骤降：人次比对数变化在同级中的稳健z（向下）下限"),
        "drop_alpha": Param(DROP_ALPHA, "骤降：Benjamini-Hochberg 校正的错误发现率"),
    },
)
def detect_outpatient_inpatient_ratio(ctx) -> list[Finding]:
    prm = params(ctx, "outpatient_inpatient_ratio")
    w = windows(ctx)
    cur = w.current_present
    if len(cur) < MIN_CURRENT_MONTHS:
        raise NotEvaluated(f"近12个月只有{len(cur)}个月有结算数据，至少需要{MIN_CURRENT_MONTHS}个月")
    rows = _oir_table(hospitals_as_of(ctx, ctx.period), window_totals(ctx, cur), len(cur), prm["min_discharges"])
    base_rows = {}
    if len(w.base_present) >= MIN_CURRENT_MONTHS:  # a ratio needs no full year: half of one will do
        base_rows = _oir_table(hospitals_as_of(ctx, shift(ctx.period, -12)),
                               window_totals(ctx, w.base_present), len(w.base_present),
                               prm["min_discharges"] * len(w.base_present) / 12)  # pro rata: 18 months of history
    _pool_ratio_spread(rows, base_rows)
    tested = {c: r for c, r in rows.items() if r["composite"] is not None}
    drops = _sudden_drops(ctx, w, prm)
    drop_rows = (drops or {}).get("rows", {})
    if not tested and not drop_rows:
        raise _no_peers(ctx, "近12个月", prm["min_discharges"])
    peer_counts = [r["ratio_pos"].n_peers for r in tested.values()] + [r["pos"].n_peers for r in drop_rows.values()]
    note(ctx, institutions=len(set(tested) | set(drop_rows)), peers=min(peer_counts),
         window=f"近12个月（{cur[0]}至{cur[-1]}）" + (f"；骤降对比{drops['cmp'].label}与上年同期" if drops else ""),
         window_months=len(cur))
    note_skipped(ctx, hospitals_as_of(ctx, ctx.period), set(tested) | set(drop_rows), cur, None,
                 prm["min_discharges"] * len(cur) / 12)
    p = {c: normal_upper_p(r["composite"]) for c, r in tested.items()}
    keep, q = bh_keep(p, prm["alpha"]), bh_adjusted(p)
    hosp = hospitals_as_of(ctx, ctx.period)
    out = []
    for code, r in tested.items():
        pos = r["ratio_pos"]
        peer_ratio = math.exp(pos.median)
        if not (code in keep and r["composite"] >= prm["min_composite"] and pos.z <= prm["max_ratio_z"]
                and r["ratio"] <= prm["max_share_of_median"] * peer_ratio):
            continue
        b = base_rows.get(code)
        if b is not None:
            if b["composite"] is None or b["composite"] < prm["base_composite"]:
                continue  # not unusual last year
            base_share = b["ratio"] / math.exp(b["ratio_pos"].median)
            if r["ratio"] / peer_ratio < OIR_MAX_FALL * base_share:
                continue  # fell sharply against its peers this year: the sudden-drop route's case
        tp = r["turn_pos"]
        comp = r["composite"]
        sev = "high" if comp >= 5 or r["ratio"] <= 0.5 * peer_ratio else "medium" if comp >= 4 else "low"
        name = hosp.loc[code, "name"]
        turn_txt = ""
        if tp is not None and tp.z > 0:
            turn_txt = f"，床均出院人次为同级中位数的{r['turnover'] / math.exp(tp.median):.1f}倍"
        peer_word = f"同级{r['kind']}类" if r["same_kind"] else "同级"
        msg = (f"{name}（{r['level']}）近12个月门诊住院人次比为{r['ratio']:.1f}:1（每{r['ratio']:.1f}个门诊人次收治1人住院），"
               f"{peer_word}中位数{peer_ratio:.1f}:1{own_peer_set(pos.n_peers)}，低于{peer_word}"
               f"{share_below(pos.percentile)}机构{turn_txt}，"
               f"提示可能存在“拉人头”住院。")
        ev = {
            "value": rounded(r["ratio"]), "peer_median": rounded(peer_ratio), "percentile": rounded(pos.percentile),
            "shift": rounded(r["ratio"] / peer_ratio - 1), "cases": r["ipt"], "outpatient_visits": r["otp"],
            "ratio_z": rounded(pos.z), "statistic": rounded(comp), "p_value": rounded(p[code], 8),
            "q_value": rounded(q[code], 8), "peers": pos.n_peers, "months": len(cur), "route": "persistent",
            "window_months": len(cur), "window": f"{cur[0]}..{cur[-1]}",
        }
        if tp is not None:
            ev.update(discharges_per_bed=rounded(r["turnover"]), peer_discharges_per_bed=rounded(math.exp(tp.median)),
                      turnover_z=rounded(tp.z))
        if b is not None:
            ev.update(base_value=rounded(b["ratio"]), base_statistic=rounded(b["composite"]))
        out.append(Finding("outpatient_inpatient_ratio", ctx.period, sev, msg, ev, code, score=float(comp)))
    named = {f.fixmedins_code for f in out}
    out += [f for f in (drops or {}).get("findings", []) if f.fixmedins_code not in named]
    return out


def _pool_ratio_spread(rows: dict[str, dict], base_rows: dict[str, dict]) -> None:
    """The ratio's z against a spread pooled over this year's and last year's peers (root mean
    square of the two one-sided spreads, same hospitals): how far ordinary hospitals differ is a
    property of the level group, and one year's estimate from the dozen peers above the median is
    noisy. Seen on generated regions (seed 2, 24 and 36 months: the same hospitals at 0.50 of the
    median both times): that spread was 0.27 at 24 months and 0.20 at 36, so two hospitals had a
    ratio z of -2.45/-2.60 and were missed at 24 months, named at 36 (-3.51/-3.57)."""
    for code, r in rows.items():
        pos, b = r["ratio_pos"], base_rows.get(code)
        if pos is None or b is None or b["ratio_pos"] is None:
            continue
        spread = max(RATIO_SPREAD_FLOOR, math.sqrt((pos.spread ** 2 + b["ratio_pos"].spread ** 2) / 2))
        z = (math.log(r["ratio"]) - pos.median) / spread
        r["ratio_pos"] = replace(pos, spread=spread, z=z)
        tp = r["turn_pos"]
        r["composite"] = (-z + tp.z) / math.sqrt(2) if tp is not None else -z


def _ratio_falls_every_month(ctx, code: str, months: list[str], log_change: float) -> bool:
    """Every month's 门诊住院人次比 below its month a year before by at least half the window's
    fall (on the log scale)."""
    df = monthly_volumes(ctx)
    own = df[df.fixmedins_code == code].set_index("period")
    for m in months:
        b = shift(m, -12)
        if m not in own.index or b not in own.index:
            return False
        n, o = own.loc[m], own.loc[b]
        if min(n.ipt, n.otp, o.ipt, o.otp) <= 0:
            return False
        if math.log((n.otp / n.ipt) / (o.otp / o.ipt)) > 0.5 * log_change:
            return False
    return True


def _sudden_drops(ctx, w, prm) -> dict | None:
    """门诊住院人次比 against the institution's own last year, beyond its peers' change: outpatients
    gone while discharges stay (or discharges up while outpatients stay) is admitting more per
    outpatient, whatever the ratio's level. None without a comparison window."""
    cmp = w.comparison(min_current=MIN_CURRENT_MONTHS)
    if cmp is None:
        return None
    share = cmp.months / 12
    now, before = window_totals(ctx, cmp.current), window_totals(ctx, cmp.base)
    hosp = hospitals_as_of(ctx, ctx.period)
    rows: dict[str, dict] = {}
    for code, h in hosp.iterrows():
        if code not in now.index or code not in before.index:
            continue
        n, b = now.loc[code], before.loc[code]
        if n.ipt < prm["min_discharges"] * share or b.ipt < DROP_MIN_BASE * share or n.otp <= 0 or b.otp <= 0:
            continue
        r_now, r_base = n.otp / n.ipt, b.otp / b.ipt
        rows[code] = {"level": h.level_group, "kind": h.kind, "ipt": int(n.ipt), "otp": int(n.otp),
                      "base_ipt": int(b.ipt), "base_otp": int(b.otp), "ratio": r_now, "base_ratio": r_base,
                      "log_change": math.log(r_now / r_base)}
    peers = peer_sets({c: (r["level"], r["kind"]) for c, r in rows.items()})
    cand: dict[str, dict] = {}
    for code, r in rows.items():
        codes, same_kind = peers[code]
        pos = peer_position(r["log_change"], [rows[c]["log_change"] for c in codes], CHANGE_SPREAD_FLOOR)
        if pos is None:
            continue
        peer_factor = math.exp(pos.median)
        # H0: the inpatient share of (discharges + outpatient visits) moved like the peers' ratio
        expected_ratio = r["base_ratio"] * peer_factor
        p = binomial_upper_p(r["ipt"], r["ipt"] + r["otp"], 1 / (1 + expected_ratio))
        cand[code] = {**r, "pos": pos, "peer_factor": peer_factor, "p": p, "same_kind": same_kind}
    p_all = {c: r["p"] for c, r in cand.items()}
    keep, q = bh_keep(p_all, prm["drop_alpha"]), bh_adjusted(p_all)
    found = []
    for code, r in cand.items():
        pos = r["pos"]
        relative = math.exp(r["log_change"]) / r["peer_factor"]  # own change over the peers'
        if code not in keep or -pos.z < prm["drop_z"] or relative > 1 - prm["drop_min_fall"]:
            continue
        if not cmp.full and not _ratio_falls_every_month(ctx, code, cmp.current, r["log_change"]):
            continue  # a short window: a drop must show in every month, not in one or two
        sev = "high" if relative <= 0.5 else "medium"
        peer_word = f"同级{r['kind']}类" if r["same_kind"] else "同级"
        msg = (f"{hosp.loc[code, 'name']}（{r['level']}）{cmp.label}门诊住院人次比由上年同期的{r['base_ratio']:.1f}:1"
               f"降至{r['ratio']:.1f}:1（{signed_pct(math.exp(r['log_change']) - 1)}，{peer_word}中位变化"
               f"{signed_pct(r['peer_factor'] - 1)}）：门诊{r['base_otp']}→{r['otp']}人次，出院{r['base_ipt']}→{r['ipt']}人次，"
               f"相对门诊的住院量骤增，提示可能存在“拉人头”或诱导住院。")
        ev = {
            "route": "sudden_drop", "value": rounded(r["ratio"]), "base_value": rounded(r["base_ratio"]),
            "shift": rounded(math.exp(r["log_change"]) - 1), "peer_shift": rounded(r["peer_factor"] - 1),
            "relative_to_peers": rounded(relative), "cases": r["ipt"], "base_cases": r["base_ipt"],
            "outpatient_visits": r["otp"], "base_outpatient_visits": r["base_otp"],
            "statistic": rounded(pos.z), "p_value": rounded(r["p"], 10), "q_value": rounded(q[code], 10),
            "peers": pos.n_peers, **cmp.evidence(),
        }
        found.append(Finding("outpatient_inpatient_ratio", ctx.period, sev, msg, ev, code, score=float(-pos.z)))
    return {"cmp": cmp, "rows": cand, "findings": found}


# ---- 诱导住院: 出院人次增幅数倍于同级 -------------------------------------------------------

SURGE_MIN_DISCHARGES = 100  # discharges in the current 12 months (pro rata for a shorter window)
SURGE_MIN_BASE = 30  # discharges in the base year (below: a growth rate means little)
SURGE_EXCESS = 0.30  # mixed growth at least 30 percentage points above the peer median
SURGE_RECENT_EXCESS = 0.50  # ... 50 points for the last three months (fewer cases, more noise)
SURGE_TIMES = 2.0  # ... and at least twice the peer median where that is positive
SURGE_Z = 3.5
SURGE_ALPHA = 0.01
SURGE_BED_SHARE = 0.5  # beds grew by less than half the discharge growth = "no new beds"
RECENT_MONTHS = 3
QUIET_MONTHS = 1  # a short main window may have one month below half its growth ...
QUIET_MIN_WINDOW = 6  # ... when it has at least six months (the 3-month route: none)
GROWTH_SPREAD_FLOOR = 0.05


def _year_over_year(ctx):
    """The comparison window and the institutions now and a year ago; NotEvaluated (with the
    reason) when no window of at least 3 months has its last-year months too."""
    w = windows(ctx)
    cmp = w.comparison(min_current=MIN_CURRENT_MONTHS)
    if cmp is None:
        raise NotEvaluated(w.no_comparison_reason())
    cmp.note(ctx)
    return w, cmp, hospitals_as_of(ctx, ctx.period), hospitals_as_of(ctx, shift(ctx.period, -12))


def _no_peers(ctx, what: str, min_cases) -> NotEvaluated:
    return NotEvaluated(f"同级比较对象不足：没有机构在{what}达到最少病例数（{min_cases}）且有至少4家同级机构可比")


def note_skipped(ctx, hosp, examined, current: list[str], base: list[str] | None, min_now: float,
                 min_base: float | None = None, what: str = "出院人次") -> None:
    """Record every hospital the detector did not judge, with why (the run's coverage): an
    institution left out must not read as examined and clean. `base` is the last-year window
    for the year-over-year detectors (None for a detector that compares peers only)."""
    monthly = monthly_volumes(ctx)
    ipt = monthly.groupby(["fixmedins_code", "period"]).ipt.sum()
    label = f"{current[0]}至{current[-1]}" if len(current) > 1 else current[0]
    skipped = {}
    for code in hosp.index:
        if code in examined:
            continue
        own = ipt.get(code)
        got = {} if own is None else own.to_dict()
        now = sum(got.get(m, 0) for m in current)
        before = sum(got.get(m, 0) for m in base) if base else 0
        months_before = sum(1 for m in base or [] if got.get(m, 0) > 0)
        if now == 0 and before == 0:
            why = "本期及上年同期均无出院记录" if base else "本期无出院记录"
        elif base and min_base is not None and before < min_base and months_before < len(base):
            why = f"历史不足：上年同期{len(base)}个月中只有{months_before}个月有出院记录"
        elif now < min_now:
            why = f"{label}{what}不足{min_now:.0f}"
        elif base and min_base is not None and before < min_base:
            why = f"上年同期{what}不足{min_base:.0f}"
        else:
            why = "同级可比机构不足"
        skipped[code] = why
    note(ctx, skipped=skipped)


def _surge_rows(hosp, now: dict, before: dict, scale: float, min_now: float, min_base: float) -> dict[str, dict]:
    """Growth of discharges per institution with the handbook's 混合增长率 (growth × weight,
    weight = min(1, own base volume / mean base volume of the level)) and its peer position."""
    level_mean: dict[str, float] = {}
    for lvl in set(hosp.level_group):
        vals = [float(before.get(c, 0)) for c in hosp.index[hosp.level_group == lvl]]
        level_mean[lvl] = sum(vals) / len(vals) if vals else 0.0
    rows: dict[str, dict] = {}
    for code, h in hosp.iterrows():
        c1, c0 = int(now.get(code, 0)), int(before.get(code, 0))
        if c1 < min_now or c0 < min_base:
            continue
        g = c1 * scale / c0 - 1
        weight = min(1.0, c0 / level_mean[h.level_group]) if level_mean[h.level_group] > 0 else 1.0
        rows[code] = {"level": h.level_group, "c1": c1, "c0": c0, "growth": g, "weight": weight, "mixed": g * weight}
    groups = {c: r["level"] for c, r in rows.items()}
    mixed = {c: r["mixed"] for c, r in rows.items()}
    raw = {c: r["growth"] for c, r in rows.items()}
    for code, r in list(rows.items()):
        pos = peer_position(r["mixed"], leave_one_out(mixed, groups, code), GROWTH_SPREAD_FLOOR)
        if pos is None:
            del rows[code]
            continue
        r["pos"] = pos
        # H0: the institution grew like its peers (median raw growth); c1 | c1 + c0 is binomial.
        ratio0 = max(1 + float(np.median(leave_one_out(raw, groups, code))), 0.05) / scale
        r["p"] = binomial_upper_p(r["c1"], r["c1"] + r["c0"], ratio0 / (1 + ratio0))
    return rows


def _months_keep_up(monthly, code: str, months_now: list[str], growth: float, quiet: int = 0) -> bool:
    """Every recent month above its month a year before by at least half the window's growth,
    but for `quiet` months: a single month's jump (a data error, 复核) is not a sustained surge,
    while at a small hospital (10-30 discharges a month) one quieter month of a real surge is
    chance."""
    cur = monthly[(monthly.fixmedins_code == code)].set_index("period").ipt
    short = 0
    for m in months_now:
        c1, c0 = float(cur.get(m, 0)), float(cur.get(shift(m, -12), 0))
        if c0 <= 0 or c1 / c0 - 1 < 0.5 * growth:
            short += 1
    return short <= quiet


@detector(
    "admission_surge",
    name="诱导住院（出院人次增幅数倍于同级）",
    description=(
        "出院人次同比增长率，两个窗口：近12个月对上年同期（上年同期不全时为截至检测月份、本年与上年同月都有数据的最长连续窗口，至少3个月，病例数下限按月数折算，且窗口不足12个月时每个月都须达到窗口增幅的一半，窗口不少于6个月时允许1个月未达到：小医院每月十几到几十人次，真实激增中偶有一个月偏低是常事）；"
        "近3个月对上年同月（新近开始的激增，且3个月每月都须达到该窗口增幅的一半，单月突增属数据复核问题）。小机构按手册“增长率×权重”用混合增长率（权重 = min(1, 本机构上年出院人次 / "
        "同级机构上年出院人次平均数)）。与同级别其他机构的增长率比较（稳健z）；同时满足：混合增长率高出同级中位数至少30个"
        "百分点（近3个月窗口50个百分点）且（同级中位数为正时）至少为其2倍、稳健z ≥ 3.5、按同级增长率的二项检验经"
        "Benjamini-Hochberg校正（α=0.01，两个窗口的检验一并校正）显著，且床位增幅不到出院人次增幅的一半（既无新增床位）。"
    ),
    min_cases=SURGE_MIN_DISCHARGES,
    peers="同级别（三级/二级/一级及以下）上年出院人次不少于30、当年不少于100（窗口不足12个月时按月数折算）的其他医疗机构，至少4家",
    compares=("peers", "last_year"),
    severity_rule="混合增长率 ≥ 100% 且 ≥ 同级中位数3倍为高；≥ 50%为中；其余为低",
    params={
        "min_discharges": Param(SURGE_MIN_DISCHARGES, "当年窗口出院人次下限（12个月口径，窗口较短时按月数折算）", "人次"),
        "min_base": Param(SURGE_MIN_BASE, "上年同期出院人次下限（12个月口径，按月数折算）", "人次"),
        "min_excess": Param(SURGE_EXCESS, "混合增长率须高出同级中位数的幅度（主窗口）"),
        "recent_excess": Param(SURGE_RECENT_EXCESS, "近3个月窗口须高出同级中位数的幅度（病例少、波动大）"),
        "min_times": Param(SURGE_TIMES, "同级中位数为正时，混合增长率至少为其倍数", "倍"),
        "min_z": Param(SURGE_Z, "增长率在同级中的稳健z下限"),
        "alpha": Param(SURGE_ALPHA, "Benjamini-Hochberg 校正的错误发现率"),
        "bed_share": Param(SURGE_BED_SHARE, "床位增幅达到出院增幅的此比例即视为随床位增长，不点名"),
        "quiet_months": Param(QUIET_MONTHS, f"不足12个月的主窗口（不少于{QUIET_MIN_WINDOW}个月时）允许未达到窗口增幅一半的月数", "个月"),
    },
)
def detect_admission_surge(ctx) -> list[Finding]:
    prm = params(ctx, "admission_surge")
    w, cmp, hosp, hosp_base = _year_over_year(ctx)
    cur, base, n_main = cmp.current, cmp.base, cmp.months
    share = n_main / 12
    routes = {n_main: _surge_rows(hosp, window_totals(ctx, cur).ipt.to_dict(), window_totals(ctx, base).ipt.to_dict(),
                                  len(base) / len(cur), prm["min_discharges"] * share, prm["min_base"] * share)}
    recent = w.current[-RECENT_MONTHS:]
    recent_base = [shift(m, -12) for m in recent]
    if n_main > RECENT_MONTHS and all(m in w.present for m in recent + recent_base):
        routes[RECENT_MONTHS] = _surge_rows(
            hosp, window_totals(ctx, recent).ipt.to_dict(), window_totals(ctx, recent_base).ipt.to_dict(), 1.0,
            prm["min_discharges"] * RECENT_MONTHS / 12, prm["min_base"] * RECENT_MONTHS / 12)
    p = {(n, c): r["p"] for n, rows in routes.items() for c, r in rows.items()}
    if not p:
        raise _no_peers(ctx, cmp.label, prm["min_discharges"])
    note(ctx, institutions=len({c for _, c in p}),
         peers=min(r["pos"].n_peers for rows in routes.values() for r in rows.values()))
    note_skipped(ctx, hosp, {c for _, c in p}, cur, base, prm["min_discharges"] * share, prm["min_base"] * share)
    keep, q = bh_keep(p, prm["alpha"]), bh_adjusted(p)
    monthly = monthly_volumes(ctx)
    named: dict[str, tuple[int, dict]] = {}
    for (n, code) in sorted(p, key=lambda k: -k[0]):  # the main window first
        r = routes[n][code]
        pos, gm = r["pos"], r["mixed"]
        excess = prm["min_excess"] if n == n_main else prm["recent_excess"]
        if code in named or (n, code) not in keep or pos.z < prm["min_z"] or gm - pos.median < excess:
            continue
        if pos.median > 0 and gm < prm["min_times"] * pos.median:
            continue
        # a short window (the recent route, or the main one when the history has no full year)
        # holds few cases: a surge must show in every month, not in a lucky one or two
        if n != n_main and not _months_keep_up(monthly, code, recent, r["growth"]):
            continue
        quiet = int(prm["quiet_months"]) if len(cur) >= QUIET_MIN_WINDOW else 0
        if n == n_main and not cmp.full and not _months_keep_up(monthly, code, cur, r["growth"], quiet):
            continue
        named[code] = (n, r)
    out = []
    for code, (n, r) in named.items():
        pos, gm = r["pos"], r["mixed"]
        beds_now, beds_before = hosp.beds.get(code), hosp_base.beds.get(code)
        bed_growth = None
        if beds_now and beds_before and not math.isnan(beds_now) and not math.isnan(beds_before):
            bed_growth = beds_now / beds_before - 1
            if bed_growth >= prm["bed_share"] * r["growth"]:
                continue  # the growth follows new capacity
        times = f"，为同级中位数（{pct(pos.median)}）的{gm / pos.median:.1f}倍" if pos.median > 0 else \
            f"，同级中位数为{pct(pos.median)}"
        bed_txt = "床位数未增加" if bed_growth is not None and bed_growth <= 0 else \
            f"床位仅增{pct(bed_growth)}" if bed_growth is not None else "床位数未报送"
        small = "（按混合增长率）" if r["weight"] < 1 else ""
        span_txt = cmp.label if n == n_main else f"近{n}个月"
        msg = (f"{hosp.loc[code, 'name']}（{r['level']}）{span_txt}出院{r['c1']}人次，同比增长{pct(r['growth'])}{small}"
               f"{times}，{bed_txt}，需排查是否存在诱导住院。")
        sev = "high" if gm >= 1.0 and (pos.median <= 0 or gm >= 3 * pos.median) else "medium" if gm >= 0.5 else "low"
        ev = {
            "value": rounded(r["growth"]), "mixed_growth": rounded(gm), "weight": rounded(r["weight"]),
            "peer_median": rounded(pos.median), "percentile": rounded(pos.percentile),
            "shift": rounded(gm - pos.median), **(cmp.evidence() if n == n_main else
                                                  {"window_months": n, "window": f"{recent[0]}..{recent[-1]}",
                                                   "base_window": f"{recent_base[0]}..{recent_base[-1]}",
                                                   "full_year": 0}),
            "cases": r["c1"], "base_cases": r["c0"], "statistic": rounded(pos.z), "p_value": rounded(p[(n, code)], 10),
            "q_value": rounded(q[(n, code)], 10), "peers": pos.n_peers,
            "beds": None if beds_now is None or math.isnan(beds_now) else int(beds_now),
            "beds_last_year": None if beds_before is None or math.isnan(beds_before) else int(beds_before),
        }
        out.append(Finding("admission_surge", ctx.period, sev, msg, ev, code, score=float(pos.z)))
    return out


# ---- 床位大增而周转偏低 ---------------------------------------------------------------------

BEDS_MIN_GROWTH = 0.20  # beds up at least 20% on a year ago
BEDS_MIN_DISCHARGES = 50
TURNOVER_MAX_RATIO = 0.8  # own turnover change at most 80% of the peers' change (≥ 20% behind)
TURNOVER_PEER_Z = -1.5  # ... and turnover below the level's peers
BEDS_ALPHA = 0.01
MIN_PEERS_CHANGE = 4


@detector(
    "beds_turnover",
    name="床位大增而周转偏低",
    description=(
        "定点床位数（fixmedins 按期快照）较一年前增加至少20%的医疗机构：近12个月床均出院人次（床位周转次数）与本机构上年相比的"
        "变化，须比同级机构（床位基本不变）的中位变化至少落后20%，且周转低于同级（对数稳健z ≤ −1.5）；检验“新增床位按原周转"
        "水平并随同级增长使用”（期望出院人次 = 上年床均出院人次 × 同级周转变化 × 现床位数），泊松下侧检验经Benjamini-Hochberg"
        "校正（α=0.01）显著。同时给出床位使用率（实际占用床日/可用床日）。"
    ),
    min_cases=BEDS_MIN_DISCHARGES,
    peers="同级别（三级/二级/一级及以下）有床位数且近12个月出院人次不少于50（窗口较短时按月数折算）的其他医疗机构，至少4家",
    compares=("peers", "last_year"),
    severity_rule="床位增幅 ≥ 50%且周转z ≤ −3为高；床位增幅 ≥ 50%或周转z ≤ −2.5为中；其余为低",
    params={
        "min_bed_growth": Param(BEDS_MIN_GROWTH, "床位较一年前的增幅下限"),
        "min_discharges": Param(BEDS_MIN_DISCHARGES, "窗口出院人次下限（12个月口径，按月数折算）", "人次"),
        "max_turnover_ratio": Param(TURNOVER_MAX_RATIO, "本机构周转变化至多为同级中位变化的此比例"),
        "max_peer_z": Param(TURNOVER_PEER_Z, "周转在同级中的对数稳健z上限"),
        "alpha": Param(BEDS_ALPHA, "Benjamini-Hochberg 校正的错误发现率"),
    },
)
def detect_beds_turnover(ctx) -> list[Finding]:
    prm = params(ctx, "beds_turnover")
    w, cmp, hosp, hosp_base = _year_over_year(ctx)
    cur, base = cmp.current, cmp.base
    now, before = window_totals(ctx, cur), window_totals(ctx, base)
    year_now, year_base = 12 / len(cur), 12 / len(base)
    turn_now: dict[str, float] = {}
    turn_change: dict[str, float] = {}  # turnover now / turnover a year before
    groups: dict[str, str] = {}
    for code, h in hosp.iterrows():
        ipt = float(now.ipt.get(code, 0))
        if not (h.beds and h.beds > 0 and ipt >= prm["min_discharges"] * len(cur) / 12):
            continue
        turn_now[code] = ipt * year_now / h.beds
        groups[code] = h.level_group
        b0, c0 = hosp_base.beds.get(code), float(before.ipt.get(code, 0))
        if b0 and not math.isnan(b0) and b0 > 0 and c0 > 0:
            turn_change[code] = turn_now[code] / (c0 * year_base / b0)
    log_turn = {c: math.log(v) for c, v in turn_now.items()}
    cand: dict[str, dict] = {}
    for code in turn_change:
        b_now, b_before = hosp.beds[code], hosp_base.beds[code]
        if b_now < b_before * (1 + prm["min_bed_growth"]):
            continue
        pos = peer_position(log_turn[code], leave_one_out(log_turn, groups, code), TURNOVER_SPREAD_FLOOR)
        peer_change = leave_one_out(turn_change, groups, code)
        if pos is None or len(peer_change) < MIN_PEERS_CHANGE:
            continue
        peer_change = float(np.median(peer_change))
        c1, c0 = int(now.ipt.get(code, 0)), int(before.ipt.get(code, 0))
        t_before = c0 * year_base / b_before
        # discharges if the new beds had turned over like the old ones, moving with the peers
        expected = t_before * peer_change * b_now / year_now
        p = float(1 - poisson_upper_p(c1 + 1, expected))  # P(X <= c1)
        bed_days = float(now.bed_days.get(code, 0))
        cand[code] = {"pos": pos, "c1": c1, "c0": c0, "b_now": int(b_now), "b_before": int(b_before),
                      "t_now": turn_now[code], "t_before": t_before, "change": turn_change[code],
                      "peer_change": peer_change, "expected": expected, "p": p,
                      "occupancy": bed_days / (b_now * 365 / year_now)}
    note(ctx, institutions=len(turn_now))
    note(ctx, skipped={c: "未报送床位数" for c, h in hosp.iterrows() if not (h.beds and h.beds > 0)})
    note_skipped(ctx, hosp, set(turn_now), cur, None, prm["min_discharges"] * len(cur) / 12)
    if len(turn_now) <= MIN_PEERS_CHANGE:
        raise _no_peers(ctx, cmp.label, prm["min_discharges"])
    p_all = {c: r["p"] for c, r in cand.items()}
    keep, q = bh_keep(p_all, prm["alpha"]), bh_adjusted(p_all)
    out = []
    for code, r in cand.items():
        pos = r["pos"]
        behind = r["change"] / r["peer_change"]
        if code not in keep or behind > prm["max_turnover_ratio"] or pos.z > prm["max_peer_z"]:
            continue
        growth = r["b_now"] / r["b_before"] - 1
        sev = "high" if growth >= 0.5 and pos.z <= -3 else "medium" if growth >= 0.5 or pos.z <= -2.5 else "low"
        peer_t = math.exp(pos.median)
        trend = f"较上年（{r['t_before']:.1f}）下降{pct(1 - r['change'])}" if r["change"] < 1 else \
            f"上年为{r['t_before']:.1f}"
        msg = (f"{hosp.loc[code, 'name']}（{groups[code]}）床位由{r['b_before']}张增至{r['b_now']}张（+{pct(growth)}），"
               f"{cmp.label}床均出院{r['t_now']:.1f}人次（年化），{trend}（同级周转变化{signed_pct(r['peer_change'] - 1)}），"
               f"低于同级中位数{peer_t:.1f}，床位使用率{pct(r['occupancy'])}，新增床位未有效利用。")
        ev = {
            "value": rounded(r["t_now"]), "base_value": rounded(r["t_before"]), "peer_median": rounded(peer_t),
            "percentile": rounded(pos.percentile), "shift": rounded(r["change"] - 1),
            "peer_shift": rounded(r["peer_change"] - 1), "beds": r["b_now"], "beds_last_year": r["b_before"],
            "bed_growth": rounded(growth), "cases": r["c1"], "base_cases": r["c0"],
            "expected_cases": rounded(r["expected"], 1), "occupancy": rounded(r["occupancy"]),
            "statistic": rounded(pos.z), "p_value": rounded(r["p"], 10), "q_value": rounded(q[code], 10),
            "peers": pos.n_peers, **cmp.evidence(),
        }
        out.append(Finding("beds_turnover", ctx.period, sev, msg, ev, code, score=float(-pos.z)))
    return out
