"""常见高发病费用差异 (handbook §六(三)(5)): per-case cost of the region's most common DRG
groups at comparable institutions. Names the dear ones and praises the economical ones.

Each case of a top group is compared with what the same group costs at the other institutions
of the same level (the median of their means, never including the institution itself), so an
institution's cost index is its cases' geometric mean of cost / peer cost: case mix within the
top groups is taken out, and neither the hospital itself nor one dear peer sets the benchmark.
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


def _peer_group_cost(ctx, d) -> dict[tuple[str, str], float]:
    """(institution, group) -> what the group costs at the other institutions of the level:
    the median of their per-case means (institutions with 3+ cases), or when fewer than two
    such peers, the mean of all their cases (5+ cases); missing when neither."""
    means = d.groupby(["fixmedins_code", "grp"]).cost.agg(["mean", "size", "sum"]).reset_index()
    means["level"] = means.fixmedins_code.map(ctx.level_of)
    out: dict[tuple[str, str], float] = {}
    for (_, grp), g in means.groupby(["level", "grp"]):
        for row in g.itertuples():
            others = g[g.fixmedins_code != row.fixmedins_code]
            solid = others[others["size"] >= 3]["mean"]
            if len(solid) >= 2:
                out[(row.fixmedins_code, grp)] = float(solid.median())
            elif others["size"].sum() >= MIN_PEER_GROUP_CASES:
                out[(row.fixmedins_code, grp)] = float(others["sum"].sum() / others["size"].sum())
    return out


@detector(
    "cost_deviation",
    name="常见病组费用差异",
    description=(f"取全市近 12 个月出院例数最多的 {TOP_GROUPS} 个 DRG 组；机构每个病例的费用除以同级其他机构该组例均费用的中位数"
                 "（同组有 3 例以上的机构不足 2 家时用其全部病例的均值），"
                 "取对数平均（几何均值，已剔除病组结构差异），再除以同级各机构该值的中位数，得到费用指数（同级中位机构 = 1）；"
                 "t 检验（双侧）后各机构按 Benjamini-Hochberg 校正"
                 f"（FDR {FDR:.0%}）。指数 ≥ {HIGH_INDEX} 点名提示，≤ {LOW_INDEX} 予以表扬（低严重度）。证据附例均费用与付费标准之比。"),
    min_cases=MIN_CASES,
    peers="同级（三级/二级/一级及以下）其他医疗机构同一 DRG 组的例均费用中位数（不含本机构）",
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
    d["expected"] = d.set_index(["fixmedins_code", "grp"]).index.map(_peer_group_cost(ctx, d)).astype(float)
    d = d[d.expected.notna() & (d.expected > 0)]
    d["log_ratio"] = np.log(d.cost / d.expected)
    cat = catalogue(ctx)
    pay_std = dict(zip(cat.grp, cat.pay_std)) if len(cat) else {}

    # raw index: geometric mean of cost / peer cost over the institution's top-group cases
    raw = {code: (g, float(g.log_ratio.mean())) for code, g in d.groupby("fixmedins_code") if len(g) >= MIN_CASES}
    stats = []
    for code, (g, mean) in raw.items():
        # judged against the median institution of the level, not the mean case: one dear
        # hospital raises its peers' leave-own-out means and would make the rest look cheap
        peer_logs = [m for c, (_, m) in raw.items() if c != code and ctx.level_of(c) == ctx.level_of(code)]
        centre = float(np.median(peer_logs)) if len(peer_logs) >= 2 else 0.0
        n, sd = len(g), float(g.log_ratio.std(ddof=1))
        t = (mean - centre) / (sd / math.sqrt(n)) if sd > 0 else float("nan")
        p = 2 * normal_sf(abs(t)) if not math.isnan(t) else 1.0
        stats.append(dict(code=code, n=n, index=math.exp(mean - centre), raw=math.exp(mean), t=t, p=p, g=g))
    index_of = {s["code"]: s["raw"] for s in stats}
    out = []
    for s, q in zip(stats, bh_adjust([s["p"] for s in stats])):
        high, low = s["index"] >= HIGH_INDEX, s["index"] <= LOW_INDEX
        if q > FDR or not (high or low):
            continue
        code, g = s["code"], s["g"]
        peers = [index_of[c] for c in index_of if c != code and ctx.level_of(c) == ctx.level_of(code)]
        median, pctl = peer_position(s["raw"], peers)
        own_cost, exp_cost = float(g.cost.mean()), float(g.expected.mean())
        std = [pay_std.get(x) for x in g.grp]
        std = [v for v in std if v is not None and not math.isnan(v) and v > 0]
        std_ratio = float(g.cost.sum() / sum(std)) if len(std) == len(g) else None
        worst = (g.groupby("grp").agg(n=("cost", "size"), own=("cost", "mean"), peer=("expected", "mean"))
                 .assign(r=lambda x: x.own / x.peer).sort_values("r", ascending=low).head(2))
        ex = "、".join(f"{grp} 例均 {yuan(r.own)}（同级 {yuan(r.peer)}）" for grp, r in worst.iterrows())
        if high:
            sev = "high" if s["index"] >= 1.3 else "medium"
            msg = (f"{ctx.name_of(code)} 全市常见病组（前 {TOP_GROUPS} 位）{s['n']} 例的例均费用为同级中位水平的 {s['index']:.2f} 倍"
                   f"（如 {ex}），费用明显偏高，请对照同级机构查找诊疗路径与费用管理差异。")
        else:
            sev = "low"
            msg = (f"{ctx.name_of(code)} 全市常见病组（前 {TOP_GROUPS} 位）{s['n']} 例的例均费用仅为同级中位水平的 {s['index']:.2f} 倍"
                   f"（如 {ex}），费用控制较好，值得同级机构借鉴。")
        out.append(Finding(
            pattern="cost_deviation", period=ctx.period, severity=sev, message=msg, fixmedins_code=code,
            score=float(s["t"]) if not math.isnan(s["t"]) else 0.0,
            evidence={
                # own and peer_median: cost / same-level mean; index: own relative to the peer median
                "direction": 1 if high else -1, "index": num(s["index"]), "own": num(s["raw"]),
                "peer_median": num(median),
                "percentile": num(pctl), "shift": num(s["index"] - 1), "cases": int(s["n"]),
                "own_mean_cost": num(own_cost, 2), "peer_mean_cost": num(exp_cost, 2),
                "pay_std_ratio": num(std_ratio), "groups": sorted(g.grp.unique().tolist()),
                "statistic": num(s["t"]), "p_value": num(s["p"], 8), "q_value": num(q, 8), "tests": len(stats),
            },
        ))
    return out
