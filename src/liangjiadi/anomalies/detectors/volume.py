"""Volume patterns of institutions: 拉人头住院, 诱导住院 (出院人次激增), 床位大增而周转偏低.

All three read the same per-institution monthly aggregate (`_inputs.monthly_volumes`) over the
12 months ending at the period, and the 12 months before where a pattern is about change.
"""

from __future__ import annotations

import math

import numpy as np

from ...indicators.context import shift
from ..model import Finding
from ..registry import detector
from ._inputs import hospitals_as_of, monthly_volumes, window_totals, windows
from ._peer_rules import (bh_adjusted, bh_keep, binomial_upper_p, leave_one_out, normal_upper_p, pct,
                          peer_position, peer_sets, poisson_upper_p, rounded, share_below, signed_pct)

MIN_CURRENT_MONTHS = 6  # below half a year of data in the window nothing is judged

# ---- 拉人头住院: 门诊住院人次比 ------------------------------------------------------------

OIR_MIN_DISCHARGES = 100  # discharges in the 12 months
OIR_COMPOSITE = 3.0  # combined robust z (one-sided p ≈ 1.3e-3 per institution, and BH across them)
OIR_RATIO_Z = -1.0  # the ratio itself must be in the low tail, not only the bed turnover high
OIR_MAX_SHARE_OF_MEDIAN = 0.75  # ... and at least 25% below the peer median
OIR_BASE_COMPOSITE = 2.0  # the year before must already be low: a sudden drop is admission_surge
OIR_MAX_FALL = 0.67  # ... and the ratio (relative to peers) may not have fallen by more than a third since
OIR_ALPHA = 0.05
# Comparable institutions differ by ~20% in outpatient visits per discharge and ~15% in discharges
# per bed whatever they do; a level group of five can show a much tighter spread by chance.
RATIO_SPREAD_FLOOR = 0.20  # on the log scale
TURNOVER_SPREAD_FLOOR = 0.15


def _oir_table(hosp, totals, months: int) -> dict[str, dict]:
    """Per eligible institution: 门诊住院人次比, 床均年出院人次, and robust z among its peers."""
    rows: dict[str, dict] = {}
    for code, h in hosp.iterrows():
        if code not in totals.index:
            continue
        t = totals.loc[code]
        if t.ipt < OIR_MIN_DISCHARGES or t.otp <= 0:
            continue
        beds = h.beds if h.beds and h.beds > 0 else None
        rows[code] = {"level": h.level_group, "kind": h.kind, "ipt": int(t.ipt), "otp": int(t.otp),
                      "ratio": t.otp / t.ipt, "turnover": (t.ipt / beds * 12 / months) if beds else None}
    peers = peer_sets({c: (r["level"], r["kind"]) for c, r in rows.items()})
    log_ratio = {c: math.log(r["ratio"]) for c, r in rows.items()}
    log_turn = {c: math.log(r["turnover"]) for c, r in rows.items() if r["turnover"]}
    for code, r in rows.items():
        codes, r["same_kind"] = peers[code]
        pos = peer_position(log_ratio[code], [log_ratio[c] for c in codes], RATIO_SPREAD_FLOOR)
        r["ratio_pos"] = pos
        r["turn_pos"] = None
        if code in log_turn:
            r["turn_pos"] = peer_position(log_turn[code], [log_turn[c] for c in codes if c in log_turn],
                                          TURNOVER_SPREAD_FLOOR)
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
        "不含本机构，离散度下限20%）；以床均出院人次（高于同级为异常）佐证，两个z按Stouffer法合并。同时满足：人次比的稳健z ≤ −1、"
        "人次比 ≤ 同级中位数的75%、合并z ≥ 3，且经Benjamini-Hochberg校正（α=0.05）后仍显著；"
        "上年同期有半年以上数据时，上年合并z也须 ≥ 2，且人次比相对同级中位数较上年下降不超过三分之一（持续偏低；当年骤降另由“诱导住院”检测）。"
    ),
    min_cases=OIR_MIN_DISCHARGES,
    peers="同级别（三级/二级/一级及以下）近12个月出院人次不少于100的其他医疗机构，至少4家；同级同类（综合/中医/专科/妇幼）不少于5家时只比同类",
    compares=("peers", "last_year"),
    severity_rule="合并z ≥ 5 或人次比不到同级中位数一半为高；合并z ≥ 4为中；其余为低",
)
def detect_outpatient_inpatient_ratio(ctx) -> list[Finding]:
    w = windows(ctx)
    cur = w.current_present
    if len(cur) < MIN_CURRENT_MONTHS:
        return []
    rows = _oir_table(hospitals_as_of(ctx, ctx.period), window_totals(ctx, cur), len(cur))
    base_rows = {}
    if len(w.base_present) >= MIN_CURRENT_MONTHS:  # a ratio needs no full year: half of one will do
        base_rows = _oir_table(hospitals_as_of(ctx, shift(ctx.period, -12)),
                               window_totals(ctx, w.base_present), len(w.base_present))
    tested = {c: r for c, r in rows.items() if r["composite"] is not None}
    p = {c: normal_upper_p(r["composite"]) for c, r in tested.items()}
    keep, q = bh_keep(p, OIR_ALPHA), bh_adjusted(p)
    hosp = hospitals_as_of(ctx, ctx.period)
    out = []
    for code, r in tested.items():
        pos = r["ratio_pos"]
        peer_ratio = math.exp(pos.median)
        if not (code in keep and r["composite"] >= OIR_COMPOSITE and pos.z <= OIR_RATIO_Z
                and r["ratio"] <= OIR_MAX_SHARE_OF_MEDIAN * peer_ratio):
            continue
        b = base_rows.get(code)
        if b is not None:
            if b["composite"] is None or b["composite"] < OIR_BASE_COMPOSITE:
                continue  # not unusual last year
            base_share = b["ratio"] / math.exp(b["ratio_pos"].median)
            if r["ratio"] / peer_ratio < OIR_MAX_FALL * base_share:
                continue  # fell sharply against its peers this year: a surge, admission_surge's case
        tp = r["turn_pos"]
        comp = r["composite"]
        sev = "high" if comp >= 5 or r["ratio"] <= 0.5 * peer_ratio else "medium" if comp >= 4 else "low"
        name = hosp.loc[code, "name"]
        turn_txt = ""
        if tp is not None and tp.z > 0:
            turn_txt = f"，床均出院人次为同级中位数的{r['turnover'] / math.exp(tp.median):.1f}倍"
        peer_word = f"同级{r['kind']}类" if r["same_kind"] else "同级"
        msg = (f"{name}（{r['level']}）近12个月门诊住院人次比为{r['ratio']:.1f}:1（每{r['ratio']:.1f}个门诊人次收治1人住院），"
               f"{peer_word}中位数{peer_ratio:.1f}:1，低于{peer_word}{share_below(pos.percentile)}机构{turn_txt}，"
               f"提示可能存在“拉人头”住院。")
        ev = {
            "value": rounded(r["ratio"]), "peer_median": rounded(peer_ratio), "percentile": rounded(pos.percentile),
            "shift": rounded(r["ratio"] / peer_ratio - 1), "cases": r["ipt"], "outpatient_visits": r["otp"],
            "ratio_z": rounded(pos.z), "statistic": rounded(comp), "p_value": rounded(p[code], 8),
            "q_value": rounded(q[code], 8), "peers": pos.n_peers, "months": len(cur),
        }
        if tp is not None:
            ev.update(discharges_per_bed=rounded(r["turnover"]), peer_discharges_per_bed=rounded(math.exp(tp.median)),
                      turnover_z=rounded(tp.z))
        if b is not None:
            ev.update(base_value=rounded(b["ratio"]), base_statistic=rounded(b["composite"]))
        out.append(Finding("outpatient_inpatient_ratio", ctx.period, sev, msg, ev, code, score=float(comp)))
    return out


# ---- 诱导住院: 出院人次增幅数倍于同级 -------------------------------------------------------

SURGE_MIN_DISCHARGES = 100  # discharges in the current 12 months (a quarter of it for the recent route)
SURGE_MIN_BASE = 30  # discharges in the base year (below: a growth rate means little)
SURGE_EXCESS = 0.30  # mixed growth at least 30 percentage points above the peer median
SURGE_RECENT_EXCESS = 0.50  # ... 50 points for the last three months (fewer cases, more noise)
SURGE_TIMES = 2.0  # ... and at least twice the peer median where that is positive
SURGE_Z = 3.5
SURGE_ALPHA = 0.01
SURGE_BED_SHARE = 0.5  # beds grew by less than half the discharge growth = "no new beds"
RECENT_MONTHS = 3
GROWTH_SPREAD_FLOOR = 0.05


def _year_over_year(ctx):
    """The windows and the institutions now and a year ago, or None without a comparable year."""
    w = windows(ctx)
    cur, base = w.current_present, w.base_present
    if len(cur) < MIN_CURRENT_MONTHS or not w.has_base:
        return None
    return w, cur, base, hospitals_as_of(ctx, ctx.period), hospitals_as_of(ctx, shift(ctx.period, -12))


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


def _months_keep_up(monthly, code: str, months_now: list[str], growth: float) -> bool:
    """Every recent month above its month a year before by at least half the window's growth:
    a single month's jump (a data error, 复核) is not a sustained surge."""
    cur = monthly[(monthly.fixmedins_code == code)].set_index("period").ipt
    for m in months_now:
        c1, c0 = float(cur.get(m, 0)), float(cur.get(shift(m, -12), 0))
        if c0 <= 0 or c1 / c0 - 1 < 0.5 * growth:
            return False
    return True


@detector(
    "admission_surge",
    name="诱导住院（出院人次增幅数倍于同级）",
    description=(
        "出院人次同比增长率，两个窗口：近12个月对上年同期；近3个月对上年同月（新近开始的激增，且3个月每月都须达到该窗口增幅的"
        "一半，单月突增属数据复核问题）。小机构按手册“增长率×权重”用混合增长率（权重 = min(1, 本机构上年出院人次 / "
        "同级机构上年出院人次平均数)）。与同级别其他机构的增长率比较（稳健z）；同时满足：混合增长率高出同级中位数至少30个"
        "百分点（近3个月窗口50个百分点）且（同级中位数为正时）至少为其2倍、稳健z ≥ 3.5、按同级增长率的二项检验经"
        "Benjamini-Hochberg校正（α=0.01，两个窗口的检验一并校正）显著，且床位增幅不到出院人次增幅的一半（既无新增床位）。"
    ),
    min_cases=SURGE_MIN_DISCHARGES,
    peers="同级别（三级/二级/一级及以下）上年出院人次不少于30、当年不少于100的其他医疗机构，至少4家",
    compares=("peers", "last_year"),
    severity_rule="混合增长率 ≥ 100% 且 ≥ 同级中位数3倍为高；≥ 50%为中；其余为低",
)
def detect_admission_surge(ctx) -> list[Finding]:
    yoy = _year_over_year(ctx)
    if yoy is None:
        return []
    w, cur, base, hosp, hosp_base = yoy
    routes = {12: _surge_rows(hosp, window_totals(ctx, cur).ipt.to_dict(), window_totals(ctx, base).ipt.to_dict(),
                              len(base) / len(cur), SURGE_MIN_DISCHARGES, SURGE_MIN_BASE)}
    recent = w.current[-RECENT_MONTHS:]
    recent_base = [shift(m, -12) for m in recent]
    if all(m in w.present for m in recent + recent_base):
        routes[RECENT_MONTHS] = _surge_rows(
            hosp, window_totals(ctx, recent).ipt.to_dict(), window_totals(ctx, recent_base).ipt.to_dict(), 1.0,
            SURGE_MIN_DISCHARGES * RECENT_MONTHS / 12, SURGE_MIN_BASE * RECENT_MONTHS / 12)
    p = {(n, c): r["p"] for n, rows in routes.items() for c, r in rows.items()}
    keep, q = bh_keep(p, SURGE_ALPHA), bh_adjusted(p)
    monthly = monthly_volumes(ctx)
    named: dict[str, tuple[int, dict]] = {}
    for (n, code) in sorted(p, key=lambda k: -k[0]):  # the 12-month route first
        r = routes[n][code]
        pos, gm = r["pos"], r["mixed"]
        excess = SURGE_EXCESS if n == 12 else SURGE_RECENT_EXCESS
        if code in named or (n, code) not in keep or pos.z < SURGE_Z or gm - pos.median < excess:
            continue
        if pos.median > 0 and gm < SURGE_TIMES * pos.median:
            continue
        if n != 12 and not _months_keep_up(monthly, code, recent, r["growth"]):
            continue
        named[code] = (n, r)
    out = []
    for code, (n, r) in named.items():
        pos, gm = r["pos"], r["mixed"]
        beds_now, beds_before = hosp.beds.get(code), hosp_base.beds.get(code)
        bed_growth = None
        if beds_now and beds_before and not math.isnan(beds_now) and not math.isnan(beds_before):
            bed_growth = beds_now / beds_before - 1
            if bed_growth >= SURGE_BED_SHARE * r["growth"]:
                continue  # the growth follows new capacity
        times = f"，为同级中位数（{pct(pos.median)}）的{gm / pos.median:.1f}倍" if pos.median > 0 else \
            f"，同级中位数为{pct(pos.median)}"
        bed_txt = "床位数未增加" if bed_growth is not None and bed_growth <= 0 else \
            f"床位仅增{pct(bed_growth)}" if bed_growth is not None else "床位数未报送"
        small = "（按混合增长率）" if r["weight"] < 1 else ""
        span_txt = "近12个月" if n == 12 else f"近{n}个月"
        msg = (f"{hosp.loc[code, 'name']}（{r['level']}）{span_txt}出院{r['c1']}人次，同比增长{pct(r['growth'])}{small}"
               f"{times}，{bed_txt}，需排查是否存在诱导住院。")
        sev = "high" if gm >= 1.0 and (pos.median <= 0 or gm >= 3 * pos.median) else "medium" if gm >= 0.5 else "low"
        ev = {
            "value": rounded(r["growth"]), "mixed_growth": rounded(gm), "weight": rounded(r["weight"]),
            "peer_median": rounded(pos.median), "percentile": rounded(pos.percentile),
            "shift": rounded(gm - pos.median), "window_months": n,
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
    peers="同级别（三级/二级/一级及以下）有床位数且近12个月出院人次不少于50的其他医疗机构，至少4家",
    compares=("peers", "last_year"),
    severity_rule="床位增幅 ≥ 50%且周转z ≤ −3为高；床位增幅 ≥ 50%或周转z ≤ −2.5为中；其余为低",
)
def detect_beds_turnover(ctx) -> list[Finding]:
    yoy = _year_over_year(ctx)
    if yoy is None:
        return []
    w, cur, base, hosp, hosp_base = yoy
    now, before = window_totals(ctx, cur), window_totals(ctx, base)
    year_now, year_base = 12 / len(cur), 12 / len(base)
    turn_now: dict[str, float] = {}
    turn_change: dict[str, float] = {}  # turnover now / turnover a year before
    groups: dict[str, str] = {}
    for code, h in hosp.iterrows():
        ipt = float(now.ipt.get(code, 0))
        if not (h.beds and h.beds > 0 and ipt >= BEDS_MIN_DISCHARGES):
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
        if b_now < b_before * (1 + BEDS_MIN_GROWTH):
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
    p_all = {c: r["p"] for c, r in cand.items()}
    keep, q = bh_keep(p_all, BEDS_ALPHA), bh_adjusted(p_all)
    out = []
    for code, r in cand.items():
        pos = r["pos"]
        behind = r["change"] / r["peer_change"]
        if code not in keep or behind > TURNOVER_MAX_RATIO or pos.z > TURNOVER_PEER_Z:
            continue
        growth = r["b_now"] / r["b_before"] - 1
        sev = "high" if growth >= 0.5 and pos.z <= -3 else "medium" if growth >= 0.5 or pos.z <= -2.5 else "low"
        peer_t = math.exp(pos.median)
        trend = f"较上年（{r['t_before']:.1f}）下降{pct(1 - r['change'])}" if r["change"] < 1 else \
            f"上年为{r['t_before']:.1f}"
        msg = (f"{hosp.loc[code, 'name']}（{groups[code]}）床位由{r['b_before']}张增至{r['b_now']}张（+{pct(growth)}），"
               f"近12个月床均出院{r['t_now']:.1f}人次，{trend}（同级周转变化{signed_pct(r['peer_change'] - 1)}），"
               f"低于同级中位数{peer_t:.1f}，床位使用率{pct(r['occupancy'])}，新增床位未有效利用。")
        ev = {
            "value": rounded(r["t_now"]), "base_value": rounded(r["t_before"]), "peer_median": rounded(peer_t),
            "percentile": rounded(pos.percentile), "shift": rounded(r["change"] - 1),
            "peer_shift": rounded(r["peer_change"] - 1), "beds": r["b_now"], "beds_last_year": r["b_before"],
            "bed_growth": rounded(growth), "cases": r["c1"], "base_cases": r["c0"],
            "expected_cases": rounded(r["expected"], 1), "occupancy": rounded(r["occupancy"]),
            "statistic": rounded(pos.z), "p_value": rounded(r["p"], 10), "q_value": rounded(q[code], 10),
            "peers": pos.n_peers,
        }
        out.append(Finding("beds_turnover", ctx.period, sev, msg, ev, code, score=float(-pos.z)))
    return out
