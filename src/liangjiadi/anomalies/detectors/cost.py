"""常见高发病费用差异 (handbook §六(三)(5)): per-case cost of the region's most common DRG
groups at comparable institutions. Names the dear ones and praises the economical ones.

Each case of a top group is compared with the geometric mean cost of the same group at the
other institutions of the same level (never including the institution itself), and the
institution's mean log ratio is then taken relative to the median institution of its level: case
mix within the top groups is taken out, and neither the hospital itself nor one dear peer sets
the benchmark. The test counts the sampling error of the peers' group means as well as the
institution's own, since a level often has only a few hospitals with a handful of cases each.
"""

from __future__ import annotations

import math

import numpy as np

from ..casemix import FDR, case_frame, catalogue, normal_sf, num, peer_position, year_windows, yuan
from ..coverage import NotEvaluated, require_case_windows
from ..model import Finding
from ...checks.model import Param
from ..registry import detector
from ..stats import bh_adjust
from ._inputs import params

TOP_GROUPS = 10
TOP_SHARE = 0.45  # ... and more until the common groups hold 45% of the region's cases
MIN_CASES = 30  # cases of the top groups in the current window
MIN_PEER_GROUP_CASES = 5  # other same-level cases of a group needed to price it
HIGH_INDEX = 1.2  # named when cost is at least 20% above the peer median
LOW_INDEX = 0.83  # praised when at least 17% below (the same distance on the log scale)


def common_groups(families, least: int, share: float) -> list:
    """The region's most common groups: the `least` largest, and more until together they hold
    `share` of the cases. A DIP region's families (one diagnosis each) are finer than DRG's ADRGs,
    so its ten largest hold fewer of the cases; a share keeps "常见病组" the same size in both."""
    vc = families.value_counts(normalize=True)
    k = max(least, int((vc.cumsum() < share - 1e-12).sum()) + 1)
    return vc.head(k).index.tolist()


def _peer_log_cost(ctx, d) -> tuple[np.ndarray, np.ndarray]:
    """Per case: the mean log cost of its group at the other institutions of its level
    (leave-own-out) and how many cases that mean rests on (0 when too few)."""
    d = d.assign(logc=np.log(d.cost))
    lvl = d.groupby(["level", "grp"]).logc.agg(["sum", "size"])
    own = d.groupby(["fixmedins_code", "grp"]).logc.agg(["sum", "size"])
    key_l = d.set_index(["level", "grp"]).index
    key_o = d.set_index(["fixmedins_code", "grp"]).index
    n_other = np.asarray(key_l.map(lvl["size"]), dtype=float) - np.asarray(key_o.map(own["size"]), dtype=float)
    s_other = np.asarray(key_l.map(lvl["sum"]), dtype=float) - np.asarray(key_o.map(own["sum"]), dtype=float)
    ok = n_other >= MIN_PEER_GROUP_CASES
    expected = np.where(ok, s_other / np.where(ok, n_other, 1.0), np.nan)
    return expected, np.where(ok, n_other, 0.0)


@detector(
    "cost_deviation",
    name="常见病组费用差异",
    description=(f"取全市近 12 个月出院例数最多的病组（DRG：ADRG，含其各严重程度 DRG 组；DIP：同一诊断的各病种）：至少 {TOP_GROUPS} 个，"
                 f"不足时依次增加至合计占全市病例的 {TOP_SHARE:.0%}（DIP 按诊断分组更细，前 {TOP_GROUPS} 个覆盖的病例较少）；机构每个病例的费用除以同级其他机构该组病例的几何平均费用"
                 "（不含本机构），取对数平均（已剔除病组结构差异），再除以同级各机构该值的中位数，得到费用指数（同级中位机构 = 1）；"
                 "z 检验（双侧，方差计入同级均值本身的抽样误差）后各机构按 Benjamini-Hochberg 校正"
                 f"（FDR {FDR:.0%}）。指数 ≥ {HIGH_INDEX} 点名提示，≤ {LOW_INDEX} 予以表扬（低严重度）。证据附例均费用与付费标准之比。"),
    min_cases=MIN_CASES,
    peers="同级（三级/二级/一级及以下）其他医疗机构同一 DRG 组的病例（不含本机构，至少 5 例）",
    compares=("peers",),
    severity_rule=f"高：费用指数 ≥ 1.3；中：{HIGH_INDEX} ≤ 指数 < 1.3；低：指数 ≤ {LOW_INDEX}（费用控制较好，表扬）。",
    params={
        "min_cases": Param(MIN_CASES, "常见病组病例数下限（参与比较的机构）", "例"),
        "top_share": Param(TOP_SHARE, "常见病组合计至少占全市病例的比例（不少于前 10 个病组）"),
        "high_index": Param(HIGH_INDEX, "费用指数达到此值点名提示"),
        "low_index": Param(LOW_INDEX, "费用指数不超过此值予以表扬"),
    },
)
def cost_deviation(ctx) -> list[Finding]:
    prm = params(ctx, "cost_deviation")
    frame = case_frame(ctx)
    require_case_windows(ctx, year_windows(ctx), frame, yoy=False)
    d = frame[frame.cur & frame.grp.notna() & (frame.cost > 0)].copy()
    # common disease groups: the ADRGs with most cases (every severity group of them), priced
    # group by group below; counting whole ADRGs keeps enough cases per hospital
    top = common_groups(d.adrg, TOP_GROUPS, prm["top_share"])
    d = d[d.adrg.isin(top)]
    if d.empty:
        raise NotEvaluated("窗口内没有带 DRG 分组结果且费用为正的住院病例")
    expected_log, n_peer = _peer_log_cost(ctx, d)
    d = d.assign(log_ratio=np.log(d.cost) - expected_log, n_peer=n_peer)
    d = d[d.n_peer > 0]
    d["expected"] = d.cost / np.exp(d.log_ratio)  # the peers' (geometric) mean cost of the group
    # spread of log cost within a group at a level: one pooled figure for every test
    resid = d.log_ratio - d.groupby(["level", "grp"]).log_ratio.transform("mean")
    var_case = float(np.square(resid).mean()) if len(d) > 1 else 0.0
    cat = catalogue(ctx)
    pay_std = dict(zip(cat.grp, cat.pay_std)) if len(cat) else {}

    # raw index: geometric mean of cost / peer cost over the institution's top-group cases
    raw = {code: (g, float(g.log_ratio.mean())) for code, g in d.groupby("fixmedins_code") if len(g) >= prm["min_cases"]}
    # institutions with inpatient cases that were not judged, and why (the run's coverage)
    priced = d.groupby("fixmedins_code").size()
    skipped = {}
    for code in frame.loc[frame.cur, "fixmedins_code"].unique():
        if code in raw:
            continue
        n = int(priced.get(code, 0))
        skipped[code] = (f"病例数不足：全市常见病组中可与同级比价的病例{n}例，至少需要{prm['min_cases']}例" if n else
                         "无可与同级比价的常见病组病例（不收治这些病组，或同级其他机构同组病例不足5例）")
    if hasattr(ctx, "note"):
        ctx.note(skipped=skipped, institutions=len(raw))
    stats = []
    for code, (g, mean) in raw.items():
        # judged against the median institution of the level, not the mean case: one dear
        # hospital raises its peers' leave-own-out means and would make the rest look cheap
        peer_logs = [m for c, (_, m) in raw.items() if c != code and ctx.level_of(c) == ctx.level_of(code)]
        centre = float(np.median(peer_logs)) if len(peer_logs) >= 2 else 0.0
        n = len(g)
        # the peers' group means are estimates too: their variance enters the test
        weights = g.groupby("grp").size() / n
        var = var_case / n + float((weights ** 2 * var_case / g.groupby("grp").n_peer.first()).sum())
        z = (mean - centre) / math.sqrt(var) if var > 0 else float("nan")
        stats.append(dict(code=code, n=n, index=math.exp(mean - centre), raw=math.exp(mean), z=z, g=g))
    for s in stats:
        s["t"] = s["z"]
        s["p"] = 2 * normal_sf(abs(s["z"])) if not math.isnan(s["z"]) else 1.0
    index_of = {s["code"]: s["raw"] for s in stats}
    out = []
    for s, q in zip(stats, bh_adjust([s["p"] for s in stats])):
        high, low = s["index"] >= prm["high_index"], s["index"] <= prm["low_index"]
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
            msg = (f"{ctx.name_of(code)} 全市前 {len(top)} 位常见病组 {s['n']} 例的例均费用为同级中位水平的 {s['index']:.2f} 倍"
                   f"（如 {ex}），费用明显偏高，请对照同级机构查找诊疗路径与费用管理差异。")
        else:
            sev = "low"
            msg = (f"{ctx.name_of(code)} 全市前 {len(top)} 位常见病组 {s['n']} 例的例均费用仅为同级中位水平的 {s['index']:.2f} 倍"
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
                "pay_std_ratio": num(std_ratio), "common_groups": len(top), "adrgs": sorted(g.adrg.unique().tolist()),
                "statistic": num(s["t"]), "p_value": num(s["p"], 8),
                "q_value": num(q, 8), "tests": len(stats),
            },
        ))
    return out
