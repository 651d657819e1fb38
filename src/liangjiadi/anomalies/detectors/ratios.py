"""转嫁负担: 医保外费用占比 far above the institution's peers.

The share is Σ 全自费金额 / Σ 医疗费总额 of the outpatient and inpatient settlements of the 12
months ending at the period. Some institutions are naturally higher (handbook §六(三): 口腔,
非公立妇产 and other private specialist hospitals); they are compared with their own kind where
the level has enough of them, otherwise with the whole level but with a larger effect required.
"""

from __future__ import annotations

import numpy as np

from ...checks.model import Param
from ..coverage import NotEvaluated, window_text
from ..model import Finding
from ..registry import detector
from ._inputs import hospitals_as_of, note, params, window_totals, windows
from ._peer_rules import (MIN_PEERS, bh_adjusted, bh_keep, normal_upper_p, own_peer_set, pct, peer_position, rounded,
                          share_above)

OOL_MIN_SETTLEMENTS = 300  # outpatient + inpatient settlements in the 12 months
OOL_Z = 3.5
OOL_MIN_TIMES = 1.5  # at least 1.5 × the peer median
OOL_MIN_EXCESS = 0.05  # ... and 5 percentage points above it
OOL_MIN_EXCESS_MIXED = 0.10  # a naturally-higher institution judged against the whole level: 10 points
OOL_ALPHA = 0.05
RELATIVE_SPREAD_FLOOR = 0.2  # shares of comparable institutions differ by ±20% in practice
ABSOLUTE_SPREAD_FLOOR = 0.005  # ... and by half a percentage point at least (peers at 0% 自费)
MIN_MONTHS = 6

HIGHER_NAME_MARKS = ("口腔", "整形", "美容")


def naturally_higher(name: str, kind: str, ownership: str) -> bool:
    """口腔 / 医美 hospitals, and private specialist (incl. 妇产) hospitals, have high 自费 shares."""
    if any(m in (name or "") for m in HIGHER_NAME_MARKS):
        return True
    return ownership == "民营" and (kind == "专科" or "妇产" in (name or ""))


@detector(
    "out_of_list_share",
    name="转嫁负担（医保外费用占比偏高）",
    description=(
        "近12个月门诊与住院结算的全自费金额（医保目录外费用）/医疗费总额，与同级别机构比较（稳健z，离散度下限为同级中位数的"
        "20%）。口腔、医美及民营专科（含非公立妇产）医院自付率天然较高：同级同类不少于4家时只与同类比较，否则与全同级比较但要求"
        "高出10个百分点。同时满足：稳健z ≥ 3.5、占比 ≥ 同级中位数1.5倍且高出至少5个百分点、Benjamini-Hochberg校正（α=0.05）显著。"
    ),
    min_cases=OOL_MIN_SETTLEMENTS,
    peers="同级别（三级/二级/一级及以下）近12个月门诊住院结算不少于300笔的其他医疗机构，天然偏高类（口腔/医美/民营专科）同类足够时只比同类，至少4家",
    compares=("peers",),
    severity_rule="占比 ≥ 同级中位数3倍或高出15个百分点为高；≥ 2倍或高出10个百分点为中；其余为低",
    params={
        "min_settlements": Param(OOL_MIN_SETTLEMENTS, "近12个月门诊与住院结算笔数下限", "笔"),
        "min_z": Param(OOL_Z, "占比在同级中的稳健z下限"),
        "min_times": Param(OOL_MIN_TIMES, "占比至少为同级中位数的倍数", "倍"),
        "min_excess": Param(OOL_MIN_EXCESS, "占比须高出同级中位数的幅度"),
        "min_excess_mixed": Param(OOL_MIN_EXCESS_MIXED, "天然偏高类机构与全同级比较时须高出的幅度"),
        "alpha": Param(OOL_ALPHA, "Benjamini-Hochberg 校正的错误发现率"),
    },
)
def detect_out_of_list_share(ctx) -> list[Finding]:
    prm = params(ctx, "out_of_list_share")
    w = windows(ctx)
    cur = w.current_present
    if len(cur) < MIN_MONTHS:
        raise NotEvaluated(f"近12个月只有{len(cur)}个月有结算数据，至少需要{MIN_MONTHS}个月")
    hosp = hospitals_as_of(ctx, ctx.period)
    tot = window_totals(ctx, cur)
    rows: dict[str, dict] = {}
    skipped: dict[str, str] = {}  # hospitals not judged, and why (the run's coverage)
    for code, h in hosp.iterrows():
        if code not in tot.index:
            skipped[code] = "本期无门诊、住院结算记录"
            continue
        t = tot.loc[code]
        n = int(t.ipt + t.otp)
        if n < prm["min_settlements"]:
            skipped[code] = f"近12个月门诊与住院结算不足{prm['min_settlements']}笔（{n}笔）"
            continue
        if t.medfee <= 0:
            skipped[code] = "医疗费总额为零，无法计算医保外费用占比"
            continue
        rows[code] = {"level": h.level_group, "n": n, "share": float(t.ownpay / t.medfee),
                      "higher": naturally_higher(h["name"], h.kind, h.ownership), "medfee": float(t.medfee)}
    tested: dict[str, dict] = {}
    for code, r in rows.items():
        same_level = {c: x for c, x in rows.items() if c != code and x["level"] == r["level"]}
        same_kind = [x["share"] for x in same_level.values() if x["higher"] == r["higher"]]
        if len(same_kind) >= MIN_PEERS:
            peers, mixed = same_kind, False
        else:
            peers, mixed = [x["share"] for x in same_level.values()], r["higher"]
        if len(peers) < MIN_PEERS:
            skipped[code] = f"同级可比机构不足{MIN_PEERS}家（{len(peers)}家）"
            continue
        med = float(np.median(peers))
        pos = peer_position(r["share"], peers, max(RELATIVE_SPREAD_FLOOR * abs(med), ABSOLUTE_SPREAD_FLOOR))
        if pos is None:
            skipped[code] = f"同级可比机构不足{MIN_PEERS}家"
            continue
        tested[code] = {**r, "pos": pos, "mixed": mixed, "kind_only": not mixed and r["higher"]}
    if not tested:
        raise NotEvaluated(f"同级比较对象不足：没有机构近12个月结算达到{prm['min_settlements']}笔且有至少{MIN_PEERS}家同级机构可比",
                           skipped=skipped)
    note(ctx, skipped=skipped)
    note(ctx, institutions=len(tested), peers=min(r["pos"].n_peers for r in tested.values()),
         window=window_text(cur), window_months=len(cur))
    p = {c: normal_upper_p(r["pos"].z) for c, r in tested.items()}
    keep, q = bh_keep(p, prm["alpha"]), bh_adjusted(p)
    out = []
    for code, r in tested.items():
        pos = r["pos"]
        excess = r["share"] - pos.median
        need = prm["min_excess_mixed"] if r["mixed"] else prm["min_excess"]
        if code not in keep or pos.z < prm["min_z"] or excess < need or r["share"] < prm["min_times"] * pos.median:
            continue
        times = r["share"] / pos.median if pos.median > 0 else float("inf")
        sev = "high" if times >= 3 or excess >= 0.15 else "medium" if times >= 2 or excess >= 0.10 else "low"
        peer_word = "同级同类" if r["kind_only"] else "同级"
        msg = (f"{hosp.loc[code, 'name']}（{r['level']}）近12个月医保目录外费用占比{pct(r['share'])}，"
               f"{peer_word}中位数{pct(pos.median)}{own_peer_set(pos.n_peers)}，高出{excess * 100:.1f}个百分点，高于{peer_word}"
               f"{share_above(pos.percentile)}机构，需排查是否向参保人转嫁负担。")
        ev = {
            "value": rounded(r["share"]), "peer_median": rounded(pos.median), "percentile": rounded(pos.percentile),
            "shift": rounded(excess), "times_peer": rounded(times), "cases": r["n"],
            "out_of_list_amount": rounded(r["share"] * r["medfee"], 2), "statistic": rounded(pos.z),
            "p_value": rounded(p[code], 10), "q_value": rounded(q[code], 10), "peers": pos.n_peers,
            "naturally_higher_kind": int(r["higher"]),
        }
        out.append(Finding("out_of_list_share", ctx.period, sev, msg, ev, code, score=float(pos.z)))
    return out
