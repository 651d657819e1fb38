"""住院率 of the region (handbook §六(三) 比较分析: 住院率高于其他同类地区, 提示分解住院).

A working group usually holds one region's data, so "comparable regions" are the region's own
past (同比) plus a reference band from national figures (spec/calibration.md: 职工 ≈ 21.4%,
居民 ≈ 20.8% a year). The rate is annual: the local insured's discharges in the 12 months ending
at the period, at local institutions and elsewhere (异地), over the mean month-end insured.

Institutions are not judged here: an institution's share of the region's admissions is what
outpatient_inpatient_ratio, admission_surge and readmission_15d look at; a region-wide rise
spread over many hospitals names no single one.
"""

from __future__ import annotations

from ...indicators.context import PSN_EMPLOYEE, PSN_RESIDENT
from ...checks.model import Param
from ..coverage import NotEvaluated
from ..model import Finding
from ..registry import detector
from ._inputs import memo, note, params, windows
from ._peer_rules import binomial_upper_p, pct, rounded, signed_pct

RATE_MIN_DISCHARGES = 1000  # local insured's discharges in the 12 months
RATE_MIN_GROWTH = 0.10  # annual 住院率 up at least 10% on the year before
# A region's admissions grow by themselves (ageing, new services: a few % a year), so the test's
# null hypothesis is "grew by the usual growth", not "unchanged": against "unchanged" a clean
# region's ordinary growth plus half a year's noise was significant at 0.001.
RATE_USUAL_GROWTH = 0.05
RATE_ALPHA = 0.01  # one test per region (against the usual growth, so no stricter level needed)
REFERENCE_RATE = 0.21  # national 住院率 (calibration.md)
REFERENCE_HIGH = 0.25  # upper end of the usual band; above it with growth = high severity


def _discharges_and_insured(ctx) -> tuple[dict[str, int], dict[str, int]]:
    def build():
        w = windows(ctx)
        periods = w.base + w.current
        ipt_types = [str(x) for x in ctx.settings.inpatient_med_types]
        s = ctx.table("setl_d")
        s = s.filter(s.period.isin(periods), (s.vali_flag == "1") | s.vali_flag.isnull(),
                     (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull(),
                     s.med_type.isin(ipt_types), s.insu_admdvs.isin(ctx.settings.own_admdvs(ctx.region)))
        n = {r["period"]: int(r["n"]) for r in ctx.run(s.group_by("period").aggregate(n=s.count())).to_pylist()}
        t = ctx.table("psn_count")
        t = t.filter(t.period.isin(periods), t.insutype.isin(list(PSN_EMPLOYEE + PSN_RESIDENT)))
        agg = t.group_by("period").aggregate(n=t.psn_cnt.sum())
        ins = {r["period"]: int(r["n"] or 0) for r in ctx.run(agg).to_pylist()}
        return n, ins

    return memo(ctx, ("region_rate_inputs",), build)


def _annual_rate(n: dict[str, int], insured: dict[str, int], periods: list[str]) -> tuple[int, float, float] | None:
    """(discharges, person-years, annual rate) over the months that have both figures."""
    months = [p for p in periods if p in n and insured.get(p)]
    if not months:
        return None
    cases = sum(n[p] for p in months)
    person_years = sum(insured[p] for p in months) / 12
    return cases, person_years, cases / person_years


@detector(
    "hospitalization_rate",
    name="住院率偏高（统筹地区）",
    description=(
        "统筹地区本地参保人员近12个月出院人次（含异地就医）/月末参保人数（310、380/390/391）平均数，年化；与上年同期比较，"
        "并给出全国参考值（约21%/年，calibration.md）。同时满足：近12个月出院人次不少于1000、住院率同比上升至少10%、"
        "按参保人年暴露的单侧二项检验显著（p < 0.01；H0：住院率只按通常的自然增长（每年5%）上升，"
        "人口老龄化等带来的逐年增长不算异常）。各机构不在此判定（见门诊住院人次比、诱导住院、15天再入院）。"
    ),
    min_cases=RATE_MIN_DISCHARGES,
    peers="本统筹地区上年同期；全国参考住院率约21%/年（职工21.4%、居民20.8%）",
    compares=("last_year",),
    severity_rule="同比上升 ≥ 20%，或上升 ≥ 10%且住院率高于25%，为高；上升 ≥ 15%为中；其余为低",
    params={
        "min_discharges": Param(RATE_MIN_DISCHARGES, "本地参保人员出院人次下限（12个月口径，窗口较短时按月数折算）", "人次"),
        "min_growth": Param(RATE_MIN_GROWTH, "年化住院率同比上升幅度下限"),
        "usual_growth": Param(RATE_USUAL_GROWTH, "住院率通常的自然年增长（检验的原假设：同比上升不超过此值）"),
        "alpha": Param(RATE_ALPHA, "二项检验的显著性水平（每个统筹地区一次检验）"),
    },
)
def detect_hospitalization_rate(ctx) -> list[Finding]:
    prm = params(ctx, "hospitalization_rate")
    w = windows(ctx)
    cmp = w.comparison(min_current=11)
    if cmp is None:
        raise NotEvaluated(w.no_comparison_reason())
    n, insured = _discharges_and_insured(ctx)
    cur, base = _annual_rate(n, insured, cmp.current), _annual_rate(n, insured, cmp.base)
    if cur is None or base is None:
        raise NotEvaluated("缺少参保人数（psn_count）或本地参保人员的住院结算，无法计算住院率")
    cmp.note(ctx)
    note(ctx, subject="统筹地区整体")  # a region-level rate: no institution is judged
    if cur[0] < prm["min_discharges"] * cmp.months / 12 or base[0] <= 0:
        raise NotEvaluated(f"{cmp.label}本地参保人员出院人次{cur[0]}，不足{prm['min_discharges']}（12个月口径）")
    c1, e1, r1 = cur
    c0, e0, r0 = base
    growth = r1 / r0 - 1
    # Given c1 + c0 discharges and a rate grown by the usual growth g, c1 is binomial with
    # p = e1(1+g) / (e1(1+g) + e0).
    g = 1 + max(0.0, float(prm["usual_growth"]))
    p = binomial_upper_p(c1, c1 + c0, e1 * g / (e1 * g + e0))
    if growth < prm["min_growth"] or p >= prm["alpha"]:
        return []
    sev = "high" if growth >= 0.20 or r1 > REFERENCE_HIGH else "medium" if growth >= 0.15 else "low"
    band = "，高于全国参考水平（约21%）" if r1 > REFERENCE_RATE else ""
    msg = (f"本统筹地区{cmp.label}住院率{pct(r1)}（年化），上年同期{pct(r0)}，同比{signed_pct(growth)}{band}，"
           f"需排查辖区定点医疗机构是否存在分解住院、低标入院等情况。")
    ev = {
        "value": rounded(r1), "base_value": rounded(r0), "shift": rounded(growth), "reference": REFERENCE_RATE,
        "cases": c1, "base_cases": c0, "insured": round(e1), "insured_last_year": round(e0),
        "p_value": rounded(p, 12), "usual_growth": rounded(g - 1), "months": len([x for x in cmp.current if x in n and insured.get(x)]),
        **cmp.evidence(),
    }
    return [Finding("hospitalization_rate", ctx.period, sev, msg, ev, None, subject="region", score=float(growth))]
