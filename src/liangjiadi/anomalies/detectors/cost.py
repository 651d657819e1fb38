"""常见高发病费用差异 (handbook §六(三)(5)): per-case cost of the region's most common DRG
groups at comparable institutions. Names the dear ones and praises the economical ones.

Each case of a top group is compared with the mean cost of the same group at the other
institutions of the same level (leave-own-out), so an institution's cost index is its cases'
geometric mean of cost / peer mean: case mix within the top groups is taken out, and a large
hospital does not set its own benchmark.
"""

from __future__ import annotations

import math

import numpy as np

from ..casemix import FDR, bh_adjust, case_frame, catalogue, normal_sf, num, peer_position, yuan
from ..model import Finding
from ..registry import detector

TOP_GROUPS = 10
MIN_CASES = 30  # cases of the top groups in the current window
MIN_PEER_GROUP_CASES = 5  # other same-level cases of a group needed to price it
HIGH_INDEX = 1.15  # named when cost is at least 15% above peers
LOW_INDEX = 0.87  # praised when at least 13% below (the same distance on the log scale)


@detector(
    "cost_deviation",
    name="常见病组费用差异",
    description=(f"取全市近 12 个月出院例数最多的 {TOP_GROUPS} 个 DRG 组；机构每个病例的费用除以同级其他机构同组例均费用，"
                 "取对数平均得到费用指数（几何均值，已剔除病组结构差异）；t 检验（双侧）后各机构按 Benjamini-Hochberg 校正"
                 f"（FDR {FDR:.0%}）。指数 ≥ {HIGH_INDEX} 点名提示，≤ {LOW_INDEX} 予以表扬（低严重度）。证据附例均费用与付费标准之比。"),
    min_cases=MIN_CASES,
    peers="同级（三级/二级/一级及以下）其他医疗机构同一 DRG 组的例均费用（不含本机构）",
    compares=("peers",),
    severity_rule=f"高：费用指数 ≥ 1.3；中：{HIGH_INDEX} ≤ 指数 < 1.3；低：指数 ≤ {LOW_INDEX}（费用控制较好，表扬）。",
)
def cost_deviation(ctx) -> list[Finding]:
    frame = case_frame(ctx)
    if frame.empty:
        return []
    d = frame[frame.cur & frame.grp.notna() & (frame.cost > 0)].copy()
    top = d.grp.value_counts().head(TOP_GROUPS).index.tolist()
    d = d[d.grp.isin(top)]
    if d.empty:
        return []
    # leave-own-out mean cost of the group at the same level
    g_lvl = d.groupby(["level", "grp"]).cost.agg(["sum", "size"])
    g_own = d.groupby(["fixmedins_code", "grp"]).cost.agg(["sum", "size"])
    lvl_sum = d.set_index(["level", "grp"]).index.map(g_lvl["sum"])
    lvl_n = d.set_index(["level", "grp"]).index.map(g_lvl["size"])
    own_sum = d.set_index(["fixmedins_code", "grp"]).index.map(g_own["sum"])
    own_n = d.set_index(["fixmedins_code", "grp"]).index.map(g_own["size"])
    other_n = np.asarray(lvl_n, dtype=float) - np.asarray(own_n, dtype=float)
    d["expected"] = (np.asarray(lvl_sum, dtype=float) - np.asarray(own_sum, dtype=float)) / np.where(other_n > 0, other_n, np.nan)
    d = d[other_n >= MIN_PEER_GROUP_CASES]
    d["log_ratio"] = np.log(d.cost / d.expected)
    cat = catalogue(ctx)
    pay_std = dict(zip(cat.grp, cat.pay_std)) if len(cat) else {}

    stats = []
    for code, g in d.groupby("fixmedins_code"):
        n = len(g)
        if n < MIN_CASES:
            continue
        mean, sd = float(g.log_ratio.mean()), float(g.log_ratio.std(ddof=1))
        t = mean / (sd / math.sqrt(n)) if sd > 0 else float("nan")
        p = 2 * normal_sf(abs(t)) if not math.isnan(t) else 1.0
        stats.append(dict(code=code, n=n, index=math.exp(mean), t=t, p=p, g=g))
    index_of = {s["code"]: s["index"] for s in stats}
    out = []
    for s, q in zip(stats, bh_adjust([s["p"] for s in stats])):
        high, low = s["index"] >= HIGH_INDEX, s["index"] <= LOW_INDEX
        if q > FDR or not (high or low):
            continue
        code, g = s["code"], s["g"]
        peers = [index_of[c] for c in index_of if c != code and ctx.level_of(c) == ctx.level_of(code)]
        median, pctl = peer_position(s["index"], peers)
        own_cost, exp_cost = float(g.cost.mean()), float(g.expected.mean())
        std = [pay_std.get(x) for x in g.grp]
        std = [v for v in std if v is not None and not math.isnan(v) and v > 0]
        std_ratio = float(g.cost.sum() / sum(std)) if len(std) == len(g) else None
        worst = (g.groupby("grp").agg(n=("cost", "size"), own=("cost", "mean"), peer=("expected", "mean"))
                 .assign(r=lambda x: x.own / x.peer).sort_values("r", ascending=low).head(2))
        ex = "、".join(f"{grp} 例均 {yuan(r.own)}（同级 {yuan(r.peer)}）" for grp, r in worst.iterrows())
        peer_txt = f"同级中位数 {median:.2f} 倍" if median is not None else "同级可比机构不足"
        if high:
            sev = "high" if s["index"] >= 1.3 else "medium"
            msg = (f"{ctx.name_of(code)} 全市常见病组（前 {TOP_GROUPS} 位）{s['n']} 例的例均费用为同级机构的 {s['index']:.2f} 倍"
                   f"（{peer_txt}；如 {ex}），费用明显偏高，请对照同级机构查找诊疗路径与费用管理差异。")
        else:
            sev = "low"
            msg = (f"{ctx.name_of(code)} 全市常见病组（前 {TOP_GROUPS} 位）{s['n']} 例的例均费用仅为同级机构的 {s['index']:.2f} 倍"
                   f"（{peer_txt}；如 {ex}），费用控制较好，值得同级机构借鉴。")
        out.append(Finding(
            pattern="cost_deviation", period=ctx.period, severity=sev, message=msg, fixmedins_code=code,
            score=float(s["t"]) if not math.isnan(s["t"]) else 0.0,
            evidence={
                "direction": 1 if high else -1, "own": num(s["index"]), "peer_median": num(median),
                "percentile": num(pctl), "shift": num(s["index"] - 1), "cases": int(s["n"]),
                "own_mean_cost": num(own_cost, 2), "peer_mean_cost": num(exp_cost, 2),
                "pay_std_ratio": num(std_ratio), "groups": sorted(g.grp.unique().tolist()),
                "statistic": num(s["t"]), "p_value": num(s["p"], 8), "q_value": num(q, 8), "tests": len(stats),
            },
        ))
    return out
