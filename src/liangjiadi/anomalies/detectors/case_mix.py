"""Case mix drifting toward the higher-paid members of a family: 高套病组 (severity within an
ADRG), 高靠诊断 (sub-codes within an ICD-10 category) and the generic 结构偏移 (mean relative
weight within ADRGs). Handbook §六(三) 病种结构变迁; seeds EJ1 and I63.

All three test the institution's change between the same months a year earlier and the
current 12-month window (one-sided), adjust the p-values of one run together
(Benjamini-Hochberg, FDR 5%), and then require the change to exceed the change of the
same-level peers over the same months by a minimum effect, so a region-wide shift (a new
grouper version, a coding campaign) names nobody. The difference-in-differences z is kept as
evidence; it is not the judged test because a few small peers make it too noisy to find
anything at the volumes of a city's hospitals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..casemix import (FDR, PEER_RISE_Z, MeanShift, adrg_names, case_frame, catalogue,
                       counted_peer_rise, did_test, normal_sf, num, pct, peer_position, scheme_words, signed_pct,
                       year_windows)
from ..coverage import require_case_windows
from ..model import Finding
from ...checks.model import Param
from ..registry import detector
from ..stats import MIN_TESTS, bh_adjust
from ._inputs import params
from ._peer_rules import min_tests_param

# upcoding_severity / upcoding_diagnosis: cases of the group in each window at least.
MIN_GROUP_CASES = 30
# smallest change of the with-complication / specified share worth naming (percentage points)
MIN_SHARE_SHIFT = 0.05
# structure_shift: cases (of ADRGs split by severity) per window at least
MIN_STRUCTURE_CASES = 30
# smallest part of last year's lowest-group share that moved above it, beyond the typical peer's:
# a drift codes a part of the lowest group's cases up, so the room to rise is the lowest group's
# share (a specialty hospital at 65% above the lowest group rises 11 points where a general one at
# 45% rises 17 for the same coding: the 10-point bar missed the orthopaedic and TCM hospitals)
MIN_STRUCTURE_MOVED = 0.15
# the rise within the families (Cochran-Mantel-Haenszel) significant at this one-sided level: chance
# jumps of small hospitals' share that BH let through (q ≈ 0.035 beside injections of tiny p) rose
# within their families with z 1.6-2.2, the injected drifts with z 2.5-8
WITHIN_ALPHA = 0.01
# ... and the rise of the share itself at least (points): a hospital coding almost every case above
# the lowest group anyway is not named for one or two points
MIN_STRUCTURE_SHIFT = 0.05
SEVERITY_SCORE = {"1": 2.0, "3": 1.0, "5": 0.0}


def _moments(df: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """n, sum and sum of squares of `value` per keys and window (cur/last)."""
    parts = []
    for win in ("cur", "last"):
        col = "cur_yoy" if win == "cur" else "last"
        d = df[df[col]]
        g = d.groupby(keys, dropna=False)[value].agg(n="size", s1="sum", s2=lambda x: float(np.square(x).sum()))
        g.columns = [f"{c}_{win}" for c in g.columns]
        parts.append(g)
    return pd.concat(parts, axis=1).fillna(0.0)


def _shift(row, prefix: str = "") -> MeanShift:
    def mv(win):
        n = row[f"{prefix}n_{win}"]
        if n <= 0:
            return float("nan"), 0.0, 0
        m = row[f"{prefix}s1_{win}"] / n
        return m, max(0.0, row[f"{prefix}s2_{win}"] / n - m * m), int(n)

    m1, v1, n1 = mv("cur")
    m0, v0, n0 = mv("last")
    return MeanShift(m1, v1, n1, m0, v0, n0)


def _with_peers(own: pd.DataFrame, key: str, ctx) -> pd.DataFrame:
    """Add leave-own-out sums of the same-level peers (prefix peer_) and of every other
    institution of the region (prefix region_) for the same group `key`."""
    own = own.reset_index()
    own["level"] = own.fixmedins_code.map(ctx.level_of)
    cols = [c for c in own.columns if c.startswith(("n_", "s1_", "s2_"))]
    lvl = own.groupby(["level", key])[cols].transform("sum")
    reg = own.groupby([key])[cols].transform("sum")
    for c in cols:
        own[f"peer_{c}"] = lvl[c] - own[c]
        own[f"region_{c}"] = reg[c] - own[c]
    return own


def _judged(ctx, mom: pd.DataFrame, min_cases: int) -> pd.DataFrame:
    """The rows with enough cases in both windows; every institution with cases but no such row
    is noted in the run's coverage as not examined, with why (no last-year cases = history)."""
    ok = (mom.n_cur >= min_cases) & (mom.n_last >= min_cases)
    examined = set(mom.loc[ok, "fixmedins_code"])
    skipped = {}
    for code, g in mom[~ok].groupby("fixmedins_code"):
        if code in examined:
            continue
        if float(g.n_last.sum()) == 0:
            skipped[code] = "历史不足：上年同期无可比病例"
        else:
            skipped[code] = f"病例数不足（本期与上年同期各需至少{min_cases:.0f}例）"
    if hasattr(ctx, "note"):  # the institutions judged, not every one with cases in the window
        ctx.note(skipped=skipped, institutions=len(examined))
    return mom[ok]


def _peer_shift(row, min_cases: int) -> tuple[MeanShift | None, str]:
    """The peers' change over the same months: the same-level peers when they have enough
    cases to give a stable change (3 × the minimum), else every other institution of the
    region, else none."""
    for prefix, label, need in (("peer_", "同级", 3 * min_cases), ("region_", "全市其他机构", min_cases)):
        if row[f"{prefix}n_cur"] >= need and row[f"{prefix}n_last"] >= need:
            return _shift(row, prefix), label
    return None, "无"


def _tests(mom: pd.DataFrame, min_cases: int, min_tests: int = 1) -> list[dict]:
    """Per row: the own year-over-year test (its p-value is the one adjusted and judged) and
    the peers' change, which the detectors subtract as an effect-size condition; the
    difference-in-differences z is kept as evidence. `min_tests`: see stats.MIN_TESTS."""
    out = []
    for row in mom.to_dict("records"):
        own = _shift(row)
        peer, basis = _peer_shift(row, min_cases)
        _, z, p = did_test(own, None)
        peer_delta, did_z, _ = did_test(own, peer)
        out.append(dict(row=row, own=own, peer=peer, basis=basis, peer_delta=peer_delta, z=z, p=p, did_z=did_z))
    for t, q in zip(out, bh_adjust([t["p"] for t in out], min_tests)):
        t["q"] = q
    return out


def _share_var(flags: pd.Series) -> float:
    """Variance of a share's estimate (0/1 flags)."""
    n = len(flags)
    if n == 0:
        return 0.0
    p = float(flags.mean())
    return p * (1 - p) / n


PEER_CHANGE_MIN_CASES = 10  # cases of the group in each window for a peer's own change to count
PEER_CHANGE_MIN_PEERS = 3


def _typical_peer_change(pc: pd.DataFrame) -> float | None:
    """Median of the peers' own changes of the with-CC share (peers with enough cases in both
    windows), None with fewer than PEER_CHANGE_MIN_PEERS such peers."""
    a = pc[pc.cur_yoy].groupby("fixmedins_code").with_cc.agg(["size", "mean"])
    b = pc[pc["last"]].groupby("fixmedins_code").with_cc.agg(["size", "mean"])
    both = a.join(b, how="inner", lsuffix="_1", rsuffix="_0")
    both = both[(both.size_1 >= PEER_CHANGE_MIN_CASES) & (both.size_0 >= PEER_CHANGE_MIN_CASES)]
    if len(both) < PEER_CHANGE_MIN_PEERS:
        return None
    return float((both.mean_1 - both.mean_0).median())


def _peer_current_values(frame: pd.DataFrame, key: str, group, level: str, own_code: str, value: str,
                         min_cases: int) -> list[float]:
    """Current-window mean of `value` for each same-level peer with enough cases of the group."""
    d = frame[(frame[key] == group) & (frame.level == level) & (frame.fixmedins_code != own_code) & frame.cur]
    g = d.groupby("fixmedins_code")[value].agg(["size", "mean"])
    return g[g["size"] >= max(10, min_cases // 3)]["mean"].tolist()


def _level_bar_counted(level_bar: float, peer_vals: list[float], pooled_cases: int, z: float) -> float:
    """The level's share counted by its confidence lower bound, as the peers' rise is: the median
    of four or five peers with 25-40 cases each moves ±8 points by chance (seen on generated
    regions: offenders at 62% missed against a median of 62.5-66.5% drawn from peers at 44-75%)."""
    if len(peer_vals) >= PEER_CHANGE_MIN_PEERS:
        se = 1.2533 * float(np.std(peer_vals, ddof=1)) / np.sqrt(len(peer_vals))  # a median's standard error
    else:
        se = float(np.sqrt(level_bar * (1 - level_bar) / pooled_cases)) if pooled_cases else 0.0
    return level_bar - z * se


# ---- 高套病组 ----------------------------------------------------------------------------


def _split_adrgs(ctx, frame: pd.DataFrame) -> set[str]:
    """ADRGs with a with-complication group (1/3) and a without group (5)."""
    cat = catalogue(ctx)
    src = cat[["adrg", "sev"]] if len(cat) else frame[["adrg", "sev"]].dropna()
    digits = src.groupby("adrg")["sev"].agg(lambda s: set(s))
    return {a for a, d in digits.items() if "5" in d and ({"1", "3"} & d)}


@detector(
    "upcoding_severity",
    name="高套病组",
    description=("同一 ADRG 内伴并发症或合并症病组（末位 1 严重、3 一般）占比上升、不伴并发症病组（5）占比下降。"
                 "比较近 12 个月与上年同期（同月份），按严重程度计分（1 组 2 分、3 组 1 分、5 组 0 分）做单侧均值差检验，"
                 "全部“机构×ADRG”检验的 p 值按 Benjamini-Hochberg "
                 f"校正（FDR {FDR:.0%}，检验不足 {MIN_TESTS} 项时按 {MIN_TESTS} 项计）。伴并发症占比的上升扣除同级医院（同级病例不足时为全市其他机构）同期同一 ADRG 的上升后"
                 f"仍须至少 {MIN_SHARE_SHIFT * 100:.0f} 个百分点（同级的上升按其置信下限扣除，即升幅减 1.96 个标准误：同级该 ADRG 只有几十例时，"
                 "±10 个百分点的偶然波动不抵消本机构的上升；全市性的编码变化病例多、照常扣除；有至少 3 家同级医院各有 10 例以上时，"
                 "扣除的上升也不超过这些医院各自变化的中位数：一家病例多的同级医院自己高套，不抬高所有医院的门槛），不伴并发症占比须下降，"
                 "且当期伴并发症占比高于同级医院的水平（有至少 3 家同级医院各有 10 例以上时为其各自占比的中位数，否则为同级汇总占比，"
                 "后者只在同级该 ADRG 当期病例不少于最低病例数的 3 倍时比较：更少时该水平不稳；该水平按其置信下限比较，即减去 1.96 个标准误，"
                 "几家各只有几十例的同级医院的中位数偶然波动可达 ±8 个百分点）。"),
    min_cases=MIN_GROUP_CASES,
    peers="同级（三级/二级/一级及以下）医院同一 ADRG 的病例汇总；同级病例不足时用全市其他机构",
    compares=("last_year", "peers"),
    severity_rule="高：校正后 p < 0.001 且伴并发症占比上升 ≥ 15 个百分点；中：其余达到检出标准的；不出“低”。",
    params={
        "min_cases": Param(MIN_GROUP_CASES, "机构该 ADRG 在本期与上年同期各至少的病例数", "例"),
        "min_share_shift": Param(MIN_SHARE_SHIFT, "伴并发症占比扣除同级上升后至少上升（比例，0.05 = 5 个百分点）"),
        "fdr": Param(FDR, "Benjamini-Hochberg 校正的错误发现率"),
        "peer_rise_z": Param(PEER_RISE_Z, "同级上升按其置信下限扣除：同级升幅减去此倍数的标准误（同级病例少时的偶然升幅不抵消本机构的上升）"),
        "min_tests": min_tests_param(),
    },
)
def upcoding_severity(ctx) -> list[Finding]:
    prm = params(ctx, "upcoding_severity")
    w = year_windows(ctx)
    frame = case_frame(ctx)
    require_case_windows(ctx, w, frame)
    adrgs = _split_adrgs(ctx, frame)
    d = frame[frame.adrg.isin(adrgs) & frame.sev.isin(list(SEVERITY_SCORE))].copy()
    d["score"] = d.sev.map(SEVERITY_SCORE)
    d["with_cc"] = d.sev.isin(["1", "3"]).astype(float)
    mom = _with_peers(_moments(d, ["fixmedins_code", "adrg"], "score"), "adrg", ctx)
    mom = _judged(ctx, mom, prm["min_cases"])
    tests = _tests(mom, prm["min_cases"], prm["min_tests"])
    names = adrg_names(ctx)
    out = []
    for t in tests:
        row, own, peer, peer_label, z, p, q = t["row"], t["own"], t["peer"], t["basis"], t["z"], t["p"], t["q"]
        if q > prm["fdr"]:
            continue
        code, adrg = row["fixmedins_code"], row["adrg"]
        mine = d[(d.fixmedins_code == code) & (d.adrg == adrg)]
        cur, last = mine[mine.cur_yoy], mine[mine.last]
        cc1, cc0 = cur.with_cc.mean(), last.with_cc.mean()
        n1_sev, n0_sev = int((cur.sev == "1").sum()), int((last.sev == "1").sum())
        n1_no, n0_no = int((cur.sev == "5").sum()), int((last.sev == "5").sum())
        no1, no0 = n1_no / len(cur), n0_no / len(last)
        peer_vals = _peer_current_values(d, "adrg", adrg, row["level"], code, "with_cc", prm["min_cases"])
        pooled = d[(d.adrg == adrg) & (d.level == row["level"]) & (d.fixmedins_code != code) & d.cur_yoy]
        # the level's share as a bar only where it rests on enough cases (as for the peers' change, _peer_shift):
        # a few dozen peer cases put it anywhere within ±10 points
        peer_pooled = float(pooled.with_cc.mean()) if len(pooled) >= 3 * prm["min_cases"] else None
        peer_cc_shift, peer_counted = 0.0, 0.0
        if peer is not None:
            pc = d[(d.adrg == adrg) & (d.fixmedins_code != code) &
                   ((d.level == row["level"]) if peer_label == "同级" else True)]
            w1, w0 = pc[pc.cur_yoy].with_cc, pc[pc["last"]].with_cc
            peer_cc_shift = float(w1.mean() - w0.mean())
            peer_counted = counted_peer_rise(peer_cc_shift, _share_var(w1) + _share_var(w0), prm["peer_rise_z"])
            typical = _typical_peer_change(pc)
            if typical is not None:  # one large drifting peer (an offender itself) does not raise everyone's bar
                peer_counted = min(peer_counted, max(typical, 0.0))
        if cc1 - cc0 - peer_counted < prm["min_share_shift"] or no1 >= no0:
            continue
        # the level's share: the typical peer's where there are a few, else the pooled one
        level_bar = float(np.median(peer_vals)) if len(peer_vals) >= PEER_CHANGE_MIN_PEERS else peer_pooled
        if level_bar is not None and cc1 <= _level_bar_counted(level_bar, peer_vals, len(pooled), prm["peer_rise_z"]):
            continue
        peer_median, pctl = peer_position(cc1, peer_vals)
        if peer_median is None:
            peer_median = peer_pooled
        sev = "high" if q < 0.001 and cc1 - cc0 >= 0.15 else "medium"
        grow_sev = (n1_sev - n0_sev) / n0_sev if n0_sev else None
        grow_no = (n1_no - n0_no) / n0_no if n0_no else None
        is_dip = bool(mine.dip.any())
        words = scheme_words(is_dip)
        if is_dip:  # DIP: the 病种 of one diagnosis, heavier = a higher-分值 treatment
            label = f"诊断 {adrg} 的病种"
            severe_txt, none_txt = "最高分值治疗方式病例", "最低分值治疗方式病例"
        else:
            label = f"{adrg} {names.get(adrg, '')}组".replace(" 组", "组")
            severe_txt, none_txt = "伴严重并发症病例", "不伴并发症病例"
        detail = []
        if grow_sev is not None and n1_sev != n0_sev:
            detail.append(f"{severe_txt} {n0_sev}→{n1_sev} 例（{signed_pct(grow_sev)}）")
        if grow_no is not None:
            detail.append(f"{none_txt} {n0_no}→{n1_no} 例（{signed_pct(grow_no)}）")
        peer_txt = f"同级医院中位数 {pct(peer_median)}" if peer_median is not None else "同级医院该组病例不足、未作同级比较"
        msg = (f"{ctx.name_of(code)} {label}中{words['heavier']}病例占比由上年同期的 {pct(cc0)} 升至 {pct(cc1)}"
               f"{'，其中' + '、'.join(detail) if detail else ''}，{peer_txt}，提示可能存在高套病组。")
        out.append(Finding(
            pattern="upcoding_severity", period=ctx.period, severity=sev, message=msg, fixmedins_code=code,
            score=float(z) if not np.isnan(z) else 0.0,
            evidence={
                "adrg": adrg, "scheme": "DIP" if is_dip else "DRG", "own": num(cc1), "own_last_year": num(cc0), "shift": num(cc1 - cc0),
                "peer_median": num(peer_median), "peer_pooled": num(peer_pooled), "level_bar": num(level_bar),
                "percentile": num(pctl), "peer_shift": num(peer_cc_shift), "peer_shift_counted": num(peer_counted), "peer_basis": peer_label,
                "did_statistic": num(t["did_z"]), "severe_cc_cases": n1_sev, "severe_cc_cases_last_year": n0_sev,
                "no_cc_cases": n1_no, "no_cc_cases_last_year": n0_no,
                "severe_cc_growth": num(grow_sev), "no_cc_growth": num(grow_no),
                "no_cc_share": num(no1), "no_cc_share_last_year": num(no0),
                "score_mean": num(own.m1), "score_mean_last_year": num(own.m0),
                "cases": int(own.n1), "cases_last_year": int(own.n0),
                "statistic": num(z), "p_value": num(p, 8), "q_value": num(q, 8), "tests": len(tests),
            },
        ))
    return out


# ---- 高靠诊断 ----------------------------------------------------------------------------


def _is_unspecified(sub: str) -> bool:
    return sub[4:5] == "9"


@detector(
    "upcoding_diagnosis",
    name="高靠诊断",
    description=("同一 ICD-10 类目（主诊断前 3 位，如 I63）内高值亚目（第 4 位）病例占比上升、未特指亚目（.9）占比下降。"
                 "亚目费用按全市各亚目例均费用排序；类目有未特指亚目时，以“非未特指亚目”占比为检验量（未特指编码通常"
                 "费用最低，病例流出即流向更具体、更高值的亚目），否则以例均费用高于类目均值的亚目占比为检验量。"
                 "比较近 12 个月与上年同期（单侧两比例检验），全部“机构×类目”检验按 "
                 f"Benjamini-Hochberg 校正（FDR {FDR:.0%}）；占比上升扣除同级医院（病例不足时为全市其他机构）同一类目同期上升后"
                 f"须至少 {MIN_SHARE_SHIFT * 100:.0f} 个百分点，且当期高于同级汇总水平。"),
    min_cases=MIN_GROUP_CASES,
    peers="同级医院同一类目的病例汇总；同级病例不足时用全市其他机构",
    compares=("last_year", "peers"),
    severity_rule="高：校正后 p < 0.001 且按亚目例均费用计算的类目费用指数同比上升 ≥ 5%；中：其余达到检出标准的。",
    params={
        "min_cases": Param(MIN_GROUP_CASES, "机构该类目在本期与上年同期各至少的病例数", "例"),
        "min_share_shift": Param(MIN_SHARE_SHIFT, "高值亚目占比扣除同级上升后至少上升（比例，0.05 = 5 个百分点）"),
        "fdr": Param(FDR, "Benjamini-Hochberg 校正的错误发现率"),
    },
)
def upcoding_diagnosis(ctx) -> list[Finding]:
    prm = params(ctx, "upcoding_diagnosis")
    w = year_windows(ctx)
    frame = case_frame(ctx)
    require_case_windows(ctx, w, frame, needs="category")
    d = frame[frame.category.notna() & frame.cost.notna() & (frame.cur_yoy | frame.last)].copy()
    if d.empty:
        return []
    sub_cost = d.groupby("subcode").cost.mean()
    cat_cost = d.groupby("category").cost.mean()
    subs = d.groupby("category").subcode.agg(lambda s: sorted(set(s)))
    cats = {c: s for c, s in subs.items() if len(s) >= 2}
    d = d[d.category.isin(list(cats))]
    has_unspec = {c: any(_is_unspecified(s) for s in ss) for c, ss in cats.items()}

    def high_value(sub: str) -> bool:
        c = sub[:3]
        if has_unspec[c]:
            return not _is_unspecified(sub)
        return sub_cost[sub] > cat_cost[c]

    flags = {s: high_value(s) for s in d.subcode.unique()}
    d["high"] = d.subcode.map(flags).astype(float)
    d["sub_cost"] = d.subcode.map(sub_cost)
    mom = _with_peers(_moments(d, ["fixmedins_code", "category"], "high"), "category", ctx)
    mom = _judged(ctx, mom, prm["min_cases"])
    tests = _tests(mom, prm["min_cases"])
    out = []
    for t in tests:
        row, own, peer_label, peer_delta, z, p, q = (t["row"], t["own"], t["basis"], t["peer_delta"], t["z"],
                                                     t["p"], t["q"])
        if q > prm["fdr"] or own.delta - max(peer_delta, 0.0) < prm["min_share_shift"]:
            continue
        code, cat = row["fixmedins_code"], row["category"]
        mine = d[(d.fixmedins_code == code) & (d.category == cat)]
        cur, last = mine[mine.cur_yoy], mine[mine.last]
        pooled = d[(d.category == cat) & (d.level == row["level"]) & (d.fixmedins_code != code) & d.cur_yoy]
        peer_pooled = float(pooled.high.mean()) if len(pooled) >= prm["min_cases"] else None
        if peer_pooled is not None and own.m1 <= peer_pooled:
            continue
        peer_median, pctl = peer_position(own.m1, _peer_current_values(d, "category", cat, row["level"], code, "high",
                                                                         prm["min_cases"]))
        if peer_median is None:
            peer_median = peer_pooled
        index1, index0 = float(cur.sub_cost.mean()), float(last.sub_cost.mean())
        cost_shift = index1 / index0 - 1 if index0 else 0.0
        n1, n0 = cur.subcode.value_counts(), last.subcode.value_counts()
        gains = []
        for sub in sorted(set(n1.index) | set(n0.index)):
            s1, s0 = n1.get(sub, 0) / len(cur), n0.get(sub, 0) / len(last)
            gains.append((s1 - s0, sub, int(n0.get(sub, 0)), int(n1.get(sub, 0)), s0, s1))
        rising = [g for g in sorted(gains, reverse=True) if g[0] > 0 and flags.get(g[1], False)][:2]
        unspec = [g for g in gains if _is_unspecified(g[1])]
        parts = [f"{sub} 由 {a} 例增至 {b} 例、占比 {pct(s0)}→{pct(s1)}、全市例均 {sub_cost[sub]:,.0f} 元"
                 for _, sub, a, b, s0, s1 in rising]
        if unspec:
            _, sub, a, b, s0, s1 = unspec[0]
            parts.append(f"未特指亚目 {sub} 占比由 {pct(s0)} 降至 {pct(s1)}")
        sev = "high" if q < 0.001 and cost_shift >= 0.05 else "medium"
        peer_txt = f"同级医院中位数 {pct(peer_median)}" if peer_median is not None else "同级医院该类目病例不足、未作同级比较"
        msg = (f"{ctx.name_of(code)} {cat} 类目中高值亚目病例占比由上年同期的 {pct(own.m0)} 升至 {pct(own.m1)}"
               f"{'（' + '；'.join(parts) + '）' if parts else ''}，{peer_txt}，提示可能存在高靠诊断。")
        out.append(Finding(
            pattern="upcoding_diagnosis", period=ctx.period, severity=sev, message=msg, fixmedins_code=code,
            score=float(z) if not np.isnan(z) else 0.0,
            evidence={
                "category": cat, "own": num(own.m1), "own_last_year": num(own.m0), "shift": num(own.delta),
                "peer_median": num(peer_median), "peer_pooled": num(peer_pooled), "percentile": num(pctl),
                "peer_shift": num(peer_delta), "peer_basis": peer_label, "did_statistic": num(t["did_z"]),
                "unspecified_share": num(unspec[0][5]) if unspec else None,
                "unspecified_share_last_year": num(unspec[0][4]) if unspec else None,
                "cost_index": num(index1, 2), "cost_index_last_year": num(index0, 2), "cost_index_shift": num(cost_shift),
                "rising_subcodes": {sub: {"cases": b, "cases_last_year": a, "share": num(s1), "share_last_year": num(s0)}
                                    for _, sub, a, b, s0, s1 in rising},
                "cases": int(own.n1), "cases_last_year": int(own.n0),
                "statistic": num(z), "p_value": num(p, 8), "q_value": num(q, 8), "tests": len(tests),
            },
        ))
    return out


# ---- 结构偏移 ----------------------------------------------------------------------------


def _base_weights(ctx, frame: pd.DataFrame) -> dict[str, float]:
    """Each split ADRG's lowest group weight (the catalogue's, else the lowest seen)."""
    cat = catalogue(ctx)
    src = cat[["adrg", "weight"]].rename(columns={"weight": "rw"}) if len(cat) else frame[["adrg", "rw"]]
    src = src.dropna()
    g = src.groupby("adrg").rw.agg(["min", "max"])
    return {a: float(r["min"]) for a, r in g.iterrows() if r["min"] > 0 and r["max"] > r["min"]}


def _within_family_change(cur: pd.DataFrame, last: pd.DataFrame, value: str = "above") -> float:
    """Change of `value` (the share above the family's lowest group) within the same families:
    each family's change weighted by n1·n0/(n1+n0), over the families with cases in both
    windows (a Mantel-Haenszel style difference), so a move of the mix toward families that are
    coded above their lowest group anyway does not count as a drift."""
    a = cur.groupby("adrg")[value].agg(["size", "mean"])
    b = last.groupby("adrg")[value].agg(["size", "mean"])
    both = a.add_suffix("1").join(b.add_suffix("0"), how="inner")
    if both.empty:
        return 0.0
    w = both.size1 * both.size0 / (both.size1 + both.size0)
    return float((w * (both.mean1 - both.mean0)).sum() / w.sum())


def _moved(shift: MeanShift) -> float:
    """The part of last year's lowest-group share that moved above it: (m1 - m0) / (1 - m0)."""
    return (shift.m1 - shift.m0) / (1 - shift.m0) if shift.m0 < 1 else 0.0


def _within_family_tests(d: pd.DataFrame) -> pd.DataFrame:
    """Per institution: the Cochran-Mantel-Haenszel test (one-sided) that the share above the
    family's lowest group rose within the same families: columns z, p over the families with
    cases in both windows (strata), and the cases n1, n0 of those families in each window.
    The pooled share's binomial test also counts a chance move of a small hospital's cases
    between families that are coded high anyway (seen on generated DIP regions: secondary
    hospitals of 100-180 cases whose pooled share rose 15-18 points by chance, z 2.7, within the
    families only 11-12 points, z 1.6-2.2); a coding drift raises the share inside each family
    (z 2.5-8 at the injected hospitals)."""
    cols = ["fixmedins_code", "adrg"]
    one = d[d.cur_yoy].groupby(cols)["above"].agg(n1="size", x1="sum")
    zero = d[d["last"]].groupby(cols)["above"].agg(n0="size", x0="sum")
    k = one.join(zero, how="inner")
    if k.empty:
        return pd.DataFrame(columns=["z", "p", "n1", "n0"])
    n = k.n1 + k.n0
    m = k.x1 + k.x0
    k["dev"] = k.x1 - k.n1 * m / n  # observed minus expected above-lowest cases this year
    k["var"] = k.n1 * k.n0 * m * (n - m) / (n * n * (n - 1))  # hypergeometric variance
    g = k.groupby(level="fixmedins_code")[["dev", "var", "n1", "n0"]].sum()
    g["z"] = [dev / math.sqrt(var) if var > 0 else float("nan") for dev, var in zip(g.dev, g["var"])]
    g["p"] = [normal_sf(z) if z == z else 1.0 for z in g.z]
    return g[["z", "p", "n1", "n0"]]


@detector(
    "structure_shift",
    name="结构偏移",
    description=("病例在同一病组族（DRG：ADRG；DIP：同一诊断的各病种）内向付费更高的组漂移：只计有严重程度分组（DIP：有多种治疗方式分值）"
                 "的病组族的病例，检验量为入最低组以外各组（DRG：伴并发症或合并症组；DIP：较高分值治疗方式）的病例占比，"
                 "比较机构近 12 个月与上年同期（同月份；历史不足 12 个月时用本年与上年都有数据的月份）的占比（单侧两比例检验），"
                 f"各机构检验按 Benjamini-Hochberg 校正（FDR {FDR:.0%}，与其他病例结构检测器相同）；合计占比升幅扣除典型同级医院同期升幅"
                 "（同级各医院自身升幅的中位数，不足3家时用同级合计的升幅：几家自身高套的大医院不应抬高所有人的门槛）后须至少 "
                 f"{MIN_STRUCTURE_SHIFT * 100:.0f} 个百分点；上年最低组病例占比中转入较高组的部分（（本期占比 − 上年占比）÷ 上年最低组占比）"
                 f"扣除同级医院该比例的中位数后须至少 {MIN_STRUCTURE_MOVED:.0%}（漂移把最低组的一部分病例编入较高组，能上升的余地是最低组的占比："
                 "同样的编码行为，上年已有 65% 在最低组以外的骨科专科医院只升 11 个百分点，45% 的综合医院升 17 个百分点；"
                 "只看百分点的门槛漏掉了骨科与中医医院）。升幅还须在同一病组族内成立：以两期都有病例的病组族为层做单侧 "
                 "Cochran-Mantel-Haenszel 检验（各族本期最低组以外病例数与按两期合计占比的期望之差，除以超几何方差），"
                 f"p ≤ {WITHIN_ALPHA:.0%}，这些病组族的病例在本期与上年同期也各须不少于最少病例数（只因病例落入本来就多入较高组的病组族"
                 "而上升的合计占比不算漂移：生成地区中每年一两百例的二级医院合计占比偶然升 15–24 个百分点、经校正仍被点名，"
                 "族内检验 z 只有 1.6–2.2；注入的漂移族内 z 2.5–8）。"
                 "证据附族内平均相对权重（所入组权重 ÷ 该族最低组权重）的变化与族内检验的 z、p。"
                 "占比比平均相对权重更稳定（各族权重级差不同，后者方差大），小医院的漂移也能检出。"),
    min_cases=MIN_STRUCTURE_CASES,
    peers="同级医院（病例汇总）；同级病例不足时用全市其他机构",
    compares=("last_year", "peers"),
    severity_rule="高：校正后 p < 0.001 且最低组以外病例占比上升 ≥ 20 个百分点；中：其余达到检出标准的。",
    params={
        "min_cases": Param(MIN_STRUCTURE_CASES, "机构在本期与上年同期各至少的病例数（有严重程度分组的病组族）", "例"),
        "min_moved_share": Param(MIN_STRUCTURE_MOVED, "上年最低组病例占比中转入较高组的部分（(本期占比 − 上年占比) ÷ 上年最低组占比）扣除同级中位数后至少为此比例"),
        "min_share_shift": Param(MIN_STRUCTURE_SHIFT, "最低组以外病例占比扣除同级升幅后至少上升（比例，0.05 = 5 个百分点）"),
        "fdr": Param(FDR, "Benjamini-Hochberg 校正的错误发现率"),
        "within_alpha": Param(WITHIN_ALPHA, "同一病组族内的升幅（Cochran-Mantel-Haenszel 检验）须显著的单侧检验水准"),
    },
)
def structure_shift(ctx) -> list[Finding]:
    prm = params(ctx, "structure_shift")
    w = year_windows(ctx)
    frame = case_frame(ctx)
    require_case_windows(ctx, w, frame)
    base = _base_weights(ctx, frame)
    split = _split_adrgs(ctx, frame) & set(base)
    d = frame[frame.adrg.isin(list(split)) & frame.sev.isin(list(SEVERITY_SCORE)) & frame.rw.notna() &
              (frame.cur_yoy | frame.last)].copy()
    if d.empty:
        return []
    d["uplift"] = d.rw / d.adrg.map(base)
    d["above"] = (d.sev != "5").astype(float)  # coded above the family's lowest group
    d["all"] = "*"
    mom = _with_peers(_moments(d, ["fixmedins_code", "all"], "above"), "all", ctx)
    mom = _judged(ctx, mom, prm["min_cases"])
    tests = _tests(mom, prm["min_cases"])
    # the rise must show within the families too, by its own test (the pooled share's test, adjusted
    # with the others, decides; this one confirms)
    strat = _within_family_tests(d)
    # every institution's own change of the share (and the part of its lowest group that moved up),
    # for the peer medians of changes
    rel = {t["row"]["fixmedins_code"]: t["own"].delta for t in tests}
    moved = {t["row"]["fixmedins_code"]: _moved(t["own"]) for t in tests}
    out = []
    for t in tests:
        row, own, peer_label, peer_delta, z, p, q = (t["row"], t["own"], t["basis"], t["peer_delta"], t["z"],
                                                     t["p"], t["q"])
        code = row["fixmedins_code"]
        peer_changes = [rel[c] for c in rel if c != code and ctx.level_of(c) == row["level"]]
        # the bar is the typical peer's own change (median), not the pooled one: a few large
        # peers that drift themselves (upcoding) dominate a pooled change and hid a 15-point drift
        bar = float(np.median(peer_changes)) if len(peer_changes) >= PEER_CHANGE_MIN_PEERS else peer_delta
        peer_moved = [moved[c] for c in moved if c != code and ctx.level_of(c) == row["level"]]
        moved_bar = (float(np.median(peer_moved)) if len(peer_moved) >= PEER_CHANGE_MIN_PEERS
                     else _moved(t["peer"]) if t["peer"] is not None else 0.0)
        if (q > prm["fdr"] or own.delta - max(bar, 0.0) < prm["min_share_shift"]
                or moved[code] - max(moved_bar, 0.0) < prm["min_moved_share"]):
            continue
        # the minimum cases hold for the cases the within-family test compares (families with cases
        # in both windows): a health centre with 40 cases, 25 of them in such families, gave a z of
        # 2.5 on strata of one to three cases each (dip-m18 seed 3)
        if code not in strat.index or min(strat.n1[code], strat.n0[code]) < prm["min_cases"]:
            continue
        within_z, within_p = float(strat.z[code]), float(strat.p[code])
        if within_p > prm["within_alpha"]:
            continue
        mine = d[(d.fixmedins_code == code)]
        cur, last = mine[mine.cur_yoy], mine[mine.last]
        rw1, rw0 = float(cur.uplift.mean()), float(last.uplift.mean())
        rw_change = rw1 / rw0 - 1 if rw0 else 0.0
        within = _within_family_change(cur, last)
        peer_median, pctl = peer_position(own.delta, peer_changes)
        sev = "high" if q < 0.001 and own.delta >= 0.20 else "medium"
        ref = peer_median if peer_median is not None else peer_delta
        wd = scheme_words(bool(mine.dip.mean() > 0.5))
        msg = (f"{ctx.name_of(code)} 病例在同一{wd['family']}内向高{wd['weight']}{wd['unit']}漂移：{wd['heavier']}病例占比由上年同期的 "
               f"{pct(own.m0)} 升至 {pct(own.m1)}（同级医院同期变化中位数 {signed_pct(ref)}），{wd['family']}内平均相对{wd['weight']}"
               f"由 {rw0:.3f} 变为 {rw1:.3f}（{signed_pct(rw_change)}），提示病例结构向高付费{wd['unit']}偏移。")
        out.append(Finding(
            pattern="structure_shift", period=ctx.period, severity=sev, message=msg, fixmedins_code=code,
            score=float(z) if not np.isnan(z) else 0.0,
            evidence={
                "own": num(own.m1), "own_last_year": num(own.m0), "shift": num(own.delta),
                "peer_median": num(peer_median), "peer_shift": num(peer_delta), "percentile": num(pctl),
                "peer_basis": peer_label, "did_statistic": num(t["did_z"]),
                "with_cc_share": num(own.m1), "with_cc_share_last_year": num(own.m0),
                "relative_weight": num(rw1), "relative_weight_last_year": num(rw0), "relative_weight_change": num(rw_change),
                "within_family_shift": num(within), "moved_share": num(moved[code]), "peer_moved_share": num(moved_bar),
                "cases": int(own.n1), "cases_last_year": int(own.n0),
                "statistic": num(z), "p_value": num(p, 8), "q_value": num(q, 8), "tests": len(tests),
                "within_family_statistic": num(within_z), "within_family_p_value": num(within_p, 8),
            },
        ))
    return out
