"""Assessment (考核评价, 10.1 a–e of seeds/004) per institution: indicators, a weighted score
and a grade. An indicator whose input is absent says 缺少数据 and carries no weight; it is
never invented.

Each indicator is scored against the region's value of the same indicator (ref):
  lower is better:  score = 100 × min(1, (ref + δ) / (value + δ))
  higher is better: score = 100 × min(1, (value + δ) / (ref + δ))
with δ = 0.01 for rates (so a rate of 0 does not divide) and 0 for amounts and days.
Score = Σ weight × score / Σ weight over the indicators that have data (weights configurable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext

from .config import PaymentConfig
from .model import AssessInputs, Case, Institution
from .money import ZERO
from .settle import CaseResult
from .standards import Standards

MISSING = "缺少数据"
Q4 = Decimal("0.0001")

# key -> (family, Chinese name, higher is better, δ)
INDICATORS: dict[str, tuple[str, str, bool, Decimal]] = {
    "mean_cost": ("基金效率", "次均费用（元）", False, ZERO),
    "cost_growth": ("基金效率", "次均费用增长率", False, ZERO),
    "fund_share": ("基金效率", "统筹基金支出占医疗费用比例", True, Decimal("0.01")),
    "mean_los": ("医疗质量", "平均住院日", False, ZERO),
    "readmission_15d": ("医疗质量", "15 日内再入院率", False, Decimal("0.01")),
    "death_rate": ("医疗质量", "住院死亡率（离院方式 5）", False, Decimal("0.01")),
    "complication_rate": ("医疗质量", "并发症发生率", False, Decimal("0.01")),
    "satisfaction": ("医疗质量", "患者满意度", True, Decimal("0.01")),
    "cmi": ("服务能力", "CMI（病例组合指数）", True, ZERO),
    "grade34_surgery": ("服务能力", "三四级手术占比", True, Decimal("0.01")),
    "low_admission": ("行为规范", "低标入院（费用极低病例）占比", False, Decimal("0.01")),
    "split_admission": ("行为规范", "疑似分解住院（15 日内同组再入院）占比", False, Decimal("0.01")),
    "coding_findings": ("行为规范", "编码问题疑点数（高套病组、高靠诊断、结构偏移）", False, Decimal("0.01")),
    "cost_index": ("成本控制", "费用与本级支付标准之比（均值）", False, ZERO),
}
# The detectors whose findings are coding problems (编码准确率, 10.1 d): 高套病组, 高靠诊断, 结构偏移.
CODING_PATTERNS = ("upcoding_severity", "upcoding_diagnosis", "structure_shift")
GRADE_34 = ("3", "4")
# Indicators read from optional inputs (the input contract's optional tables, or the detectors).
OPTIONAL_INPUTS = {"complication_rate": "setl_diag", "grade34_surgery": "oprn_grade",
                   "satisfaction": "patient_satisfaction", "coding_findings": "异常检测结果"}


@dataclass
class Indicator:
    key: str
    value: Decimal | None
    region: Decimal | None
    score: Decimal | None
    note: str = ""


@dataclass
class Assessment:
    code: str
    indicators: dict[str, Indicator] = field(default_factory=dict)
    score: Decimal | None = None
    grade: str | None = None


def _div(a, b) -> Decimal | None:
    if not b:
        return None
    with localcontext() as c:
        c.prec = 60
        return (Decimal(a) / Decimal(b)).quantize(Q4)


def readmission_flags(cases: list[Case]) -> tuple[set[str], set[str], bool]:
    """(cases followed by a readmission of the same person within 15 days of their discharge,
    anywhere in the region; those readmitted to the same institution in the same group — a
    possible 分解住院; whether any case has the person and dates at all). A readmission is
    counted against the institution that discharged first."""
    usable = [c for c in cases if c.psn and c.admitted and c.discharged]
    usable.sort(key=lambda c: (c.psn, c.admitted, c.setl_id))
    any_, split = set(), set()
    for prev, cur in zip(usable, usable[1:]):
        if prev.psn != cur.psn:
            continue
        gap = (date.fromisoformat(cur.admitted[:10]) - date.fromisoformat(prev.discharged[:10])).days
        if 0 <= gap <= 15:
            any_.add(prev.setl_id)
            if prev.inst == cur.inst and prev.grp_code and prev.grp_code == cur.grp_code:
                split.add(prev.setl_id)
    return any_, split, bool(usable)


def coding_findings(findings: dict[str, dict[str, dict[str, int]]], codes: list[str]) -> Decimal:
    """Coding findings per institution of `codes` in the newest examined month of the year (the
    detectors compare the last 12 months with the year before, so December's run covers the year)."""
    latest = findings[max(findings)]
    total = sum(n for code in codes for p, n in latest.get(code, {}).items() if p in CODING_PATTERNS)
    return _div(total, len(codes))


def quality_rates(cases: list[Case], flags: tuple[set[str], set[str], bool]) -> dict[str, tuple[Decimal | None, str]]:
    """15 日内再入院率, 疑似分解住院占比 and 住院死亡率 of `cases` (the assessment's and the
    monitoring's one definition); `flags` from readmission_flags over the region's cases."""
    n = len(cases)
    out: dict[str, tuple[Decimal | None, str]] = {}
    for key, flagged in (("readmission_15d", flags[0]), ("split_admission", flags[1])):
        out[key] = ((_div(sum(c.setl_id in flagged for c in cases), n), "") if flags[2] and n
                    else (None, "缺少人员编号或入出院日期"))
    ways = [c.dscg_way for c in cases if c.dscg_way]
    out["death_rate"] = (_div(sum(w == "5" for w in ways), len(ways)), "") if ways else (None, "结算清单缺少离院方式")
    return out


def complication_rate(cases: list[Case]) -> Decimal | None:
    """Cases with a secondary diagnosis absent on admission ÷ cases whose diagnoses were supplied."""
    told = [c for c in cases if c.diag_supplied]
    return _div(sum(c.complication for c in told), len(told)) if told else None


def _optional_values(cases: list[Case], extras: AssessInputs, codes: list[str]) -> dict[str, tuple[Decimal | None, str]]:
    """The indicators whose inputs are optional tables (10.1 b 并发症/满意度, c 三四级手术, d 编码)."""
    out: dict[str, tuple[Decimal | None, str]] = {}
    if not extras.diag_supplied:
        out["complication_rate"] = (None, "未提供出院诊断（setl_diag），无法识别并发症")
    else:
        rate = complication_rate(cases)
        out["complication_rate"] = (rate, "") if rate is not None else (None, "病例没有出院诊断数据")
    if extras.oprn_grades is None:
        out["grade34_surgery"] = (None, "未提供手术分级目录（oprn_grade）")
    else:
        graded = [extras.oprn_grades[c.oprn_code] for c in cases if c.oprn_code in extras.oprn_grades]
        out["grade34_surgery"] = ((_div(sum(g in GRADE_34 for g in graded), len(graded)), "") if graded
                                  else (None, "没有主手术在分级目录中的病例"))
    if extras.satisfaction is None:
        out["satisfaction"] = (None, "未提供住院患者满意度调查（patient_satisfaction）")
    else:
        pairs = [extras.satisfaction[c] for c in codes if c in extras.satisfaction]
        surveyed = sum(p[1] for p in pairs)
        out["satisfaction"] = ((_div(sum(p[0] for p in pairs), surveyed), "") if surveyed
                               else (None, "未参加住院患者满意度调查"))
    out["coding_findings"] = ((coding_findings(extras.findings, codes), "") if extras.findings and codes
                              else (None, "本年度未做异常检测（liangjiadi detect）"))
    return out


def _values(cases: list[Case], last_year: list[Case], results: list[CaseResult],
            standards: Standards, flags: tuple[set[str], set[str], bool], extras: AssessInputs,
            codes: list[str]) -> dict[str, tuple[Decimal | None, str]]:
    n = len(cases)
    cost = sum((c.cost for c in cases), ZERO)
    out: dict[str, tuple[Decimal | None, str]] = {}
    out["mean_cost"] = (_div(cost, n), "")
    prev_n = len(last_year)
    if prev_n and n:
        with localcontext() as c:
            c.prec = 60
            growth = (cost / n) / (sum((x.cost for x in last_year), ZERO) / prev_n) - 1
        out["cost_growth"] = (growth.quantize(Q4), "")
    else:
        out["cost_growth"] = (None, "缺少上年病例")
    out["fund_share"] = (_div(sum((c.fund for c in cases), ZERO), cost), "")
    days = [c.days for c in cases if c.days is not None]
    out["mean_los"] = (_div(sum(days), len(days)), "") if days else (None, "结算清单缺少实际住院天数")
    out.update(quality_rates(cases, flags))
    grouped = [standards.weights[c.grp_code] for c in cases if standards.weights.get(c.grp_code or "")]
    out["cmi"] = (_div(sum(grouped, ZERO), len(grouped)), "") if grouped else (None, "没有入组病例")
    out["low_admission"] = (_div(sum(r.way == "low" for r in results), len(results)), "") if results else (None, "")
    ratios = [r.cost_ratio for r in results if r.cost_ratio is not None]
    out["cost_index"] = (_div(sum(ratios, ZERO), len(ratios)), "") if ratios else (None, "没有可比的入组病例")
    out.update(_optional_values(cases, extras, codes))
    return out


def _score(value: Decimal, ref: Decimal, higher: bool, delta: Decimal) -> Decimal | None:
    num, den = (value + delta, ref + delta) if higher else (ref + delta, value + delta)
    if den <= 0:
        return Decimal(100) if num >= 0 else None
    with localcontext() as c:
        c.prec = 60
        return (Decimal(100) * min(Decimal(1), max(ZERO, num / den))).quantize(Decimal("0.01"))


def assess(cases: list[Case], last_year: list[Case], results: list[CaseResult],
           institutions: dict[str, Institution], standards: Standards,
           cfg: PaymentConfig, extras: AssessInputs | None = None) -> tuple[dict[str, Assessment], dict[str, Decimal | None]]:
    """Per institution assessment and the region's values."""
    extras = extras or AssessInputs()
    flags = readmission_flags(cases)
    region = _values(cases, last_year, results, standards, flags, extras, sorted(institutions))
    by: dict[str, list[Case]] = {code: [] for code in institutions}
    prev_by: dict[str, list[Case]] = {code: [] for code in institutions}
    res_by: dict[str, list[CaseResult]] = {code: [] for code in institutions}
    for c in cases:
        by.setdefault(c.inst, []).append(c)
    for c in last_year:
        prev_by.setdefault(c.inst, []).append(c)
    for r in results:
        res_by.setdefault(r.case.inst, []).append(r)
    out: dict[str, Assessment] = {}
    for code in institutions:
        a = Assessment(code)
        vals = _values(by[code], prev_by[code], res_by[code], standards, flags, extras, [code]) if by[code] else {}
        total_w, total = ZERO, ZERO
        for key, (_, _, higher, delta) in INDICATORS.items():
            value, note = vals.get(key, (None, "本年度没有病例"))
            ref = region[key][0]
            score = None
            if value is not None and ref is not None:
                if key == "cost_growth":
                    score = _score(value + 1, ref + 1, higher, delta)
                else:
                    score = _score(value, ref, higher, delta)
            a.indicators[key] = Indicator(key, value, ref, score, note if value is None else "")
            w = cfg.assessment_weights.get(key, ZERO)
            if score is not None and w > 0:
                total_w += w
                total += w * score
        if total_w > 0:
            with localcontext() as c:
                c.prec = 60
                a.score = (total / total_w).quantize(Decimal("0.01"))
        a.grade = cfg.grade_of(a.score)
        out[code] = a
    return out, {k: v for k, (v, _) in region.items()}
