"""Who an institution admits: 基层病组 cases in 三级医院 and 低标入院 (low-weight cases
concentrated in a few institutions). Handbook §六(三)(4) and seeds/004 §10-11.

Both compare the institution's share in the current 12-month window with the pooled share of
its peers (same level; 妇幼 only with 妇幼 and a 专科 hospital only with specialists of the
same main MDC, whose case mix differs by design): one-sided two-proportion z test,
Benjamini-Hochberg across the institutions tested. 低标入院 also compares an institution with
its own last year (a specialist without peers can still be judged by its jump).
"""

from __future__ import annotations

import pandas as pd

from ..casemix import FDR, case_frame, catalogue, num, pct, peer_kinds, peer_position, proportion_test
from ...checks.model import Param
from ..casemix import year_windows
from ..coverage import NotEvaluated, require_case_windows
from ..model import Finding
from ..registry import detector
from ._inputs import params
from ..stats import MIN_TESTS, bh_adjust
from ._peer_rules import MIN_PEERS, min_tests_param
from ._peer_rules import peer_position as robust_position

MIN_INSTITUTION_CASES = 100  # grouped inpatient cases in the current window
MIN_PEER_CASES = 100  # pooled peer cases, else no comparison
# basic_groups_in_tertiary: at least this much above the tertiary peers
BASIC_MIN_EXCESS = 0.08  # percentage points (as a share)
BASIC_MIN_RATIO = 1.3
# low_standard_admission: RW at or below this is a low-weight case
LOW_RW = 0.5
LOW_MIN_EXCESS = 0.08
LOW_MIN_RATIO = 1.3
# Hospitals differ in their shares whatever they do (case mix, catchment): the pooled test treats
# every peer case as a draw from one share, so with thousands of peer cases an ordinary hospital
# 10 points above the pool is "significant". A share must also stand out among the peers' own
# shares: robust z (median, 1.4826 × MAD) at least this, where at least MIN_PEERS (4) peers
# have MIN_INSTITUTION_CASES // 2 cases.
MIN_PEER_Z = 1.5
# 低标入院: a peer norm needs a few peers; one or two other specialists of the same MDC are no
# norm (the institution is then judged against its own last year only).
LOW_MIN_PEERS = 3


def _robust_z(value: float, peers: list[float]) -> float | None:
    """Robust z of `value` among the peers' own values (None with fewer than MIN_PEERS)."""
    pos = robust_position(value, peers, 0.0)
    return None if pos is None else pos.z


def _share_findings(ctx, d: pd.DataFrame, flag: str, codes: list[str], *, min_excess: float,
                    min_ratio: float, min_peer_z: float, min_peers: int = 1,
                    last_year_route: bool = False, min_tests: int = MIN_TESTS) -> list[dict]:
    """Per institution: own share of `flag` cases in the current window vs its pooled peers
    (route "peers"), and optionally vs its own last-year window (route "last_year": for an
    institution without peers of its kind, or whose share jumped); all p-values of the run are
    adjusted together (at least `min_tests` counted, stats.MIN_TESTS), and a row passes when its
    test and the effect-size conditions hold. One row per institution is returned (the peer
    route first).

    The last-year route also tests that the share now is above its level's (the pooled share of
    every other institution of the level, one-sided two-proportion test) and judges the larger
    p-value (an intersection-union test): a jump from a last year that was by chance far below
    the level is a return to it, not low-standard admission (a generated secondary hospital: 1
    of 85 cases last year, 14 of 110 now, the level at 10.7%, was named at p = 0.0013)."""
    cur = d[d.cur]
    by = cur.groupby("fixmedins_code")[flag].agg(n="size", x="sum")
    last_by = d[d["last"]].groupby("fixmedins_code")[flag].agg(n="size", x="sum")
    # the own-last-year route compares the same months of both years (the whole current window
    # when the history has a full last year; in a shorter history a window's months without a
    # last-year counterpart would only dilute the jump and mix in seasons)
    yoy_by = d[d.cur_yoy].groupby("fixmedins_code")[flag].agg(n="size", x="sum") if "cur_yoy" in d else by
    own_share = (by.x / by.n).to_dict()
    kinds = peer_kinds(ctx)
    rows = []
    skipped: dict[str, str] = {}  # institutions not judged, and why (the run's coverage)
    for code in codes:
        if code not in by.index:
            skipped[code] = "近12个月无已分组的住院病例"
            continue
        if by.n[code] < MIN_INSTITUTION_CASES:
            skipped[code] = f"病例数不足：近12个月已分组病例{int(by.n[code])}例，至少需要{MIN_INSTITUTION_CASES}例"
            continue
        n, x = int(by.n[code]), int(by.x[code])
        same_level = [c for c in by.index if c != code and ctx.level_of(c) == ctx.level_of(code)]
        peers = [c for c in same_level if kinds.get(c) == kinds.get(code)]
        pn, px = int(by.n[peers].sum()) if peers else 0, int(by.x[peers].sum()) if peers else 0
        peer_vals = [own_share[c] for c in peers if by.n[c] >= MIN_INSTITUTION_CASES // 2]
        base = dict(code=code, n=n, x=x, own=x / n, peers=peer_vals)
        routes = len(rows)
        if pn >= MIN_PEER_CASES and len(peers) >= min_peers:
            z, p = proportion_test(x, n, px, pn)
            rows.append(dict(base, route="peers", pn=pn, px=px, peer=px / pn, z=z, p=p,
                             peer_z=_robust_z(x / n, peer_vals)))
        if (last_year_route and code in last_by.index and code in yoy_by.index
                and min(last_by.n[code], yoy_by.n[code]) >= MIN_INSTITUTION_CASES // 2):
            ln, lx = int(last_by.n[code]), int(last_by.x[code])
            yn, yx = int(yoy_by.n[code]), int(yoy_by.x[code])
            z, p = proportion_test(yx, yn, lx, ln)
            level_n = int(by.n[same_level].sum()) if same_level else 0
            level_x = int(by.x[same_level].sum()) if same_level else 0
            level_share = level_x / level_n if level_n else 0.0
            level_z, level_p = proportion_test(yx, yn, level_x, level_n) if level_n else (float("nan"), 0.0)
            rows.append(dict(base, n=yn, x=yx, own=yx / yn, route="last_year", pn=ln, px=lx, peer=lx / ln, z=z,
                             p=max(p, level_p), jump_p=p, level_z=level_z, level_p=level_p,
                             level_share=float(level_share)))
        if len(rows) == routes:
            skipped[code] = (f"同级同类机构不足{min_peers}家或病例合计不足{MIN_PEER_CASES}例" +
                             (f"，且上年同期病例不足{MIN_INSTITUTION_CASES // 2}例" if last_year_route else ""))
    if hasattr(ctx, "note"):
        ctx.note(skipped=skipped, institutions=len({r["code"] for r in rows}))
    for r, q in zip(rows, bh_adjust([r["p"] for r in rows], min_tests)):
        r["q"] = q
    passed: dict[str, dict] = {}
    for r in rows:
        ok = r["q"] <= FDR and r["own"] - r["peer"] >= min_excess and r["own"] >= min_ratio * r["peer"]
        if r["route"] == "last_year":  # a jump must also end above the level as a whole
            ok = ok and r["own"] >= r["level_share"]
        elif r["peer_z"] is not None:  # ... and a peer comparison stand out among the peers' own shares
            ok = ok and r["peer_z"] >= min_peer_z
        if ok and r["code"] not in passed:
            passed[r["code"]] = r
    return list(passed.values())


def _last_year_share(d: pd.DataFrame, code: str, flag: str) -> float | None:
    last = d[(d.fixmedins_code == code) & d["last"]]
    return float(last[flag].mean()) if len(last) >= MIN_INSTITUTION_CASES // 2 else None


def _evidence(r: dict, last_share: float | None, median, pctl) -> dict:
    return {
        "own": num(r["own"]), "peer_median": num(median), "percentile": num(pctl),
        "peer_pooled": num(r["peer"] if r["route"] == "peers" else r["level_share"]),
        "compared_share": num(r["peer"]),  # the share the test compared with (peers' or own last year's)
        "shift": num(r["own"] - r["peer"]), "ratio": num(r["own"] / r["peer"]) if r["peer"] else None,
        "own_last_year": num(last_share), "cases": r["n"], "flagged_cases": r["x"], "compared_cases": r["pn"],
        "statistic": num(r["z"]), "p_value": num(r["p"], 8), "q_value": num(r["q"], 8),
        "compared_with": 0 if r["route"] == "peers" else 1,  # 0 同级汇总, 1 本机构上年同期
        "peer_z": num(r.get("peer_z")),  # robust z among the peers' own shares (peer route)
        # last-year route: the jump's own p and the test of the share now against the level's
        "jump_p_value": num(r.get("jump_p"), 8), "level_statistic": num(r.get("level_z")),
        "level_p_value": num(r.get("level_p"), 8),
    }


@detector(
    "basic_groups_in_tertiary",
    name="三级医院收治基层病组",
    description=("三级医疗机构近 12 个月出院病例中基层病组（分组目录 basic_grp_flag = 1）病例占比，与同级同类机构汇总占比比较"
                 f"（单侧两比例 z 检验，各机构 Benjamini-Hochberg 校正，FDR {FDR:.0%}，检验不足 {MIN_TESTS} 项时按 {MIN_TESTS} 项计）；须高出至少 "
                 f"{BASIC_MIN_EXCESS * 100:.0f} 个百分点且为同级的 {BASIC_MIN_RATIO} 倍以上；同级同类有至少 {MIN_PEERS} 家"
                 f"（各 {MIN_INSTITUTION_CASES // 2} 例以上）时，占比在同级各机构占比中的稳健 z（中位数、1.4826 × MAD）还须 ≥ {MIN_PEER_Z}"
                 "（医院之间本来就有差异：同级病例汇总数千例时，比汇总高 10 个百分点的普通医院在两比例检验中也“显著”）。"
                 "无基层病组目录时不检测。"),
    min_cases=MIN_INSTITUTION_CASES,
    peers="其他三级医疗机构（综合、中医等一组；妇幼只与妇幼、专科只与主要 MDC 相同的专科比较），病例汇总不少于 100 例",
    compares=("peers",),
    severity_rule="高：占比达到同级的 2 倍以上；中：其余达到检出标准的。",
    params={
        "min_excess": Param(BASIC_MIN_EXCESS, "基层病组占比须高出同级的幅度"),
        "min_ratio": Param(BASIC_MIN_RATIO, "基层病组占比至少为同级的倍数", "倍"),
        "min_peer_z": Param(MIN_PEER_Z, f"占比在同级各机构占比中的稳健z下限（同级不少于{MIN_PEERS}家时）"),
        "min_tests": min_tests_param(),
    },
)
def basic_groups_in_tertiary(ctx) -> list[Finding]:
    prm = params(ctx, "basic_groups_in_tertiary")
    frame = case_frame(ctx)
    cat = catalogue(ctx)
    basic = set(cat.grp[cat.basic]) if len(cat) else set()
    require_case_windows(ctx, year_windows(ctx), frame, yoy=False)
    if not basic:
        raise NotEvaluated("分组目录（grp_catalog）缺失或没有基层病组标记（basic_grp_flag = 1）")
    d = frame[frame.grp.notna()].copy()
    d["basic"] = d.grp.isin(basic).astype(int)
    tertiary = [c for c in d.fixmedins_code.unique() if ctx.level_of(c) == "三级"]
    out = []
    for r in _share_findings(ctx, d, "basic", tertiary, min_excess=prm["min_excess"],
                             min_ratio=prm["min_ratio"], min_peer_z=prm["min_peer_z"], min_tests=prm["min_tests"]):
        code = r["code"]
        median, pctl = peer_position(r["own"], r["peers"])
        last = _last_year_share(d, code, "basic")
        top = d[(d.fixmedins_code == code) & d.cur & (d.basic == 1)].grp.value_counts().head(3)
        top_txt = "、".join(f"{g} {n} 例" for g, n in top.items())
        ref = median if median is not None else r["peer"]
        msg = (f"{ctx.name_of(code)} 近 12 个月收治基层病组病例 {r['x']} 例，占出院病例的 {pct(r['own'])}，"
               f"同级医院{'中位数' if median is not None else '汇总'} {pct(ref)}（主要为 {top_txt}），"
               "不符合三级医院功能定位，请关注分级诊疗与基层病组政策执行。")
        ev = _evidence(r, last, median, pctl)
        ev["top_groups"] = {g: int(n) for g, n in top.items()}
        out.append(Finding(pattern="basic_groups_in_tertiary", period=ctx.period,
                           severity="high" if r["own"] >= 2 * r["peer"] else "medium",
                           message=msg, fixmedins_code=code, score=float(r["z"]), evidence=ev))
    return out


@detector(
    "low_standard_admission",
    name="低标入院",
    description=(f"低权重病例（所入 DRG 组权重 RW ≤ {LOW_RW}，多为可在门诊治疗的轻症）在机构近 12 个月出院病例中的占比，"
                 "与同级同类机构汇总占比比较（单侧两比例 z 检验，各机构 Benjamini-Hochberg 校正，"
                 f"FDR {FDR:.0%}，检验不足 {MIN_TESTS} 项时按 {MIN_TESTS} 项计，未做的按 p = 1：小地区单独一项点名也须 p ≤ 0.001）；"
                 f"须高出至少 {LOW_MIN_EXCESS * 100:.0f} 个百分点且为同级的 {LOW_MIN_RATIO} 倍以上，"
                 f"同级同类有至少 {MIN_PEERS} 家时占比在各机构占比中的稳健 z 还须 ≥ {MIN_PEER_Z}（同“三级医院收治基层病组”）；"
                 f"同级同类不足 {LOW_MIN_PEERS} 家时不作同级比较（一两家同类专科不成其为常态），只与本机构上年同期比较。"
                 "无同类同级机构可比或占比骤升时，另与本机构上年同期比较（同月份：历史不足 24 个月时只取本年与上年都有数据的月份；"
                 "同样的幅度条件，且当期占比须显著高于同级全部机构的汇总占比：单侧两比例检验，与上年同期的检验取较大的 p 值校正与判定，"
                 "上年偶然偏低、今年回到同级水平的不算）；"
                 "两类检验一并校正。证据中附上年同期占比与其中住院不超过 3 天的病例数。"),
    min_cases=MIN_INSTITUTION_CASES,
    peers="同级（三级/二级/一级及以下）医疗机构，综合、中医等一组，妇幼只与妇幼、专科只与主要 MDC 相同的专科比较；病例汇总不少于 100 例",
    compares=("peers", "last_year"),
    severity_rule="高：占比达到同级的 2 倍以上且较上年同期上升；中：其余达到检出标准的。",
    params={
        "low_rw": Param(LOW_RW, "相对权重不超过此值的病例计为低权重病例"),
        "min_excess": Param(LOW_MIN_EXCESS, "低权重病例占比须高出比较对象的幅度"),
        "min_ratio": Param(LOW_MIN_RATIO, "低权重病例占比至少为比较对象的倍数", "倍"),
        "min_peer_z": Param(MIN_PEER_Z, f"同级比较：占比在同级各机构占比中的稳健z下限（同级不少于{MIN_PEERS}家时）"),
        "min_peers": Param(LOW_MIN_PEERS, "同级比较至少需要的同级同类机构数（不足时只与本机构上年同期比较）", "家"),
        "min_tests": min_tests_param(),
    },
)
def low_standard_admission(ctx) -> list[Finding]:
    prm = params(ctx, "low_standard_admission")
    low_rw = prm["low_rw"]
    frame = case_frame(ctx)
    require_case_windows(ctx, year_windows(ctx), frame, yoy=False)
    d = frame[frame.grp.notna() & frame.rw.notna()].copy()
    d["low"] = (d.rw <= low_rw + 1e-9).astype(int)
    codes = list(d.fixmedins_code.unique())
    out = []
    for r in _share_findings(ctx, d, "low", codes, min_excess=prm["min_excess"], min_ratio=prm["min_ratio"],
                             min_peer_z=prm["min_peer_z"], min_peers=int(prm["min_peers"]), last_year_route=True,
                             min_tests=prm["min_tests"]):
        code = r["code"]
        median, pctl = peer_position(r["own"], r["peers"])
        last = _last_year_share(d, code, "low")
        mine = d[(d.fixmedins_code == code) & d.cur & (d.low == 1)]
        short = int((pd.to_numeric(mine.act_ipt_days, errors="coerce") <= 3).sum())
        rising = last is not None and r["own"] > last
        trend = f"，上年同期 {pct(last)}" if last is not None else ""
        if r["route"] == "peers":
            ref = median if median is not None else r["peer"]
            peer_txt = f"同级医院{'中位数' if median is not None else '汇总'} {pct(ref)}"
        else:
            peer_txt = f"同级医院汇总 {pct(r['level_share'])}"
        w = year_windows(ctx)
        span_txt = ("近 12 个月" if r["route"] == "peers" or len(w.yoy_current) == len(w.current)
                    else f"近 {len(w.yoy_current)} 个月（与上年同期相同月份比较）")
        msg = (f"{ctx.name_of(code)} {span_txt}低权重（RW ≤ {low_rw}）病例 {r['x']} 例，占出院病例的 {pct(r['own'])}"
               f"{trend}，{peer_txt}，其中住院不超过 3 天的 {short} 例，提示可能存在低标准入院。")
        ev = _evidence(r, last, median, pctl)
        ev["short_stay_cases"] = short
        ev["low_rw_threshold"] = low_rw
        sev = "high" if r["own"] >= 2 * r["peer"] and rising else "medium"
        out.append(Finding(pattern="low_standard_admission", period=ctx.period, severity=sev, message=msg,
                           fixmedins_code=code, score=float(r["z"]), evidence=ev))
    return out
