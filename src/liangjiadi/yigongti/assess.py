"""The annex indicators of seeds/003 (县域医共体医保绩效考核参考指标 1-1 至 4-1): each with its
formula and data source as the annex states them, numerator, denominator, value, and a score
against the region's weights and targets (rules.py). An indicator whose input was not handed in
says 缺少数据 and scores nothing; the total is scaled to 100 over the indicators that have data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .flows import IN_COUNTY, PLACES, Flows, year_months
from .rules import INDICATORS, PREVIOUS_YEAR, Rules
from .units import Unit

MISSING = "缺少数据"
Q = Decimal("1e-6")
VBP_MIN_DRUGS = 30  # 村卫生室配备集采药品数量不少于30个

FORMULA = {
    "1-1": "县域内已参保人数 / 应参保人数 × 100%",
    "1-2": "财政补助已到位资金 / 应到位资金 × 100%",
    "2-1": "（服务参保人员域内出院人次数 + 域外出院人次数）/ 服务参保人员数量 × 100%",
    "2-2": "服务参保人员域外（县域外）出院人次数 / 服务参保人员数量 × 100%",
    "2-3": "（服务参保人员当年住院医疗总费用 − 上年住院医疗总费用）/ 上年住院医疗总费用 × 100%",
    "2-4": "服务参保人员住院医疗总费用 / 服务参保人员住院人数",
    "2-5": "服务参保人员县域内门急诊人次 / 服务参保人员门急诊总人次 × 100%",
    "2-6": "县域内医疗卫生机构医保基金支出 / 全县医保基金总支出 × 100%（不含药店、不含个人账户）",
    "2-7": "基层医疗卫生机构医保基金支出 / 全县医保基金总支出 × 100%",
    "2-8": "（1 − 服务参保人员住院个人负担（含个人账户）/ 服务参保人员住院医疗总费用）× 100%",
    "3-1": "（县域内村卫生室当年定点数量 − 上年定点数量）/ 县域内上年村卫生室总数量 × 100%",
    "3-2": "中选药品采购数量 / 该药品同通用名同剂型所有药品数量 × 100%；村卫生室配备集采药品数量不少于 30 个",
    "4-1": "满意患者数 / 接受调查患者数 × 100%",
}
# 【数据来源】 as the annex states it, for the published county report
ANNEX_SOURCE = {
    "1-1": "各市医保部门、省分配指标", "1-2": "各市医保部门", "2-1": "各市医保信息系统", "2-2": "各市医保信息系统",
    "2-3": "各市医保信息系统", "2-4": "各市医保信息系统", "2-5": "各市医保信息系统", "2-6": "各市医保信息系统",
    "2-7": "各市医保信息系统", "2-8": "各市医保信息系统", "3-1": "各市医保经办部门、各市卫生健康部门",
    "3-2": "省药品和医用耗材招采管理系统", "4-1": "各市医保部门",
}
SOURCE = {
    "1-1": "应参保人数表（yigongti_insured_due）；已参保人数取该表或参保人数表（psn_count）该县 12 月数",
    "1-2": "城乡居民医保财政补助到位表（yigongti_subsidy）",
    "2-1": "结算数据（setl_d）；服务参保人员数量取参保人员归属县表或参保人数表（psn_count）该县数",
    "2-2": "结算数据（setl_d）；服务参保人员数量同 2-1",
    "2-3": "结算数据（setl_d）当年与上年",
    "2-4": "结算数据（setl_d）",
    "2-5": "结算数据（setl_d）门急诊（非住院、非药店）",
    "2-6": "结算数据（setl_d）基金支付总额（fund_pay_sumamt，不含个人账户），不含药店",
    "2-7": "结算数据（setl_d）与定点医药机构表（一级及以下或基层机构）",
    "2-8": "结算数据（setl_d）：个人负担 = 医疗费总额 − 基金支付总额",
    "3-1": "村卫生室及定点情况表（yigongti_village_clinic）",
    "3-2": "集采药品采购表（yigongti_vbp，省药品和医用耗材招采管理系统）",
    "4-1": "医保病人满意度调查表（yigongti_satisfaction）",
}


@dataclass(frozen=True)
class Score:
    indicator_id: str
    name: str
    yigongti_id: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None  # a fraction (×100 = %) or yuan for 2-4
    weight: Decimal
    target: str
    score: Decimal | None  # None = 缺少数据
    formula: str
    source: str
    note: str = ""

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Assessment:
    yigongti_id: str
    year: int
    scores: tuple[Score, ...]
    total: Decimal | None  # 0..100 over indicators with data
    grade: str
    missing: tuple[str, ...]


@dataclass
class Extras:
    """Optional-table figures, by county or 医共体 and year (None where absent)."""
    due: dict[tuple[str, int], tuple[int, int | None]]  # county,year -> (应参保, 已参保 or None)
    subsidy: dict[tuple[str, int], tuple[Decimal, Decimal]]  # county,year -> (应到位, 已到位)
    clinics: dict[tuple[str, int], tuple[int, int]]  # county,year -> (村卫生室数, 定点数)
    vbp: dict[tuple[str, int], tuple[Decimal, Decimal, int, int]]  # selected qty, group qty, clinics ≥30, clinics
    satisfaction: dict[tuple[str, int], tuple[int, int]]  # ygt,year -> (满意, 调查)
    insured: dict[tuple[str, int], int]  # county,year -> psn_count December (basic schemes)


def _div(n: Decimal, d: Decimal) -> Decimal:
    with localcontext() as c:
        c.prec = 40
        return (n / d).quantize(Q, rounding=ROUND_HALF_UP)


def ratio(n, d) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(numerator, denominator, value); value None when the denominator is 0 or absent."""
    if n is None or d is None:
        return None, None, None
    n, d = Decimal(n), Decimal(d)
    return n, d, (_div(n, d) if d != 0 else None)


def raw_values(u: Unit, year: int, flows: Flows, served: int | None, extras: Extras) -> dict[str, tuple]:
    """indicator id -> (numerator, denominator, value, note) for one 医共体 and year."""
    months, prev_months = year_months(year), year_months(year - 1)
    g = u.yigongti_id
    out: dict[str, tuple] = {}
    due = extras.due.get((u.county, year))
    if due:
        insured = due[1] if due[1] is not None else extras.insured.get((u.county, year))
        out["1-1"] = (*ratio(insured, due[0]), "" if insured is not None else "缺少已参保人数")
    sub = extras.subsidy.get((u.county, year))
    if sub:
        out["1-2"] = (*ratio(sub[1], sub[0]), "")
    ipt = flows.total(g, periods=months, kinds=("ipt",))
    ipt_out = flows.total(g, periods=months, kinds=("ipt",), places=("region", "outside"))
    if served:
        out["2-1"] = (*ratio(ipt.n, served), "")
        out["2-2"] = (*ratio(ipt_out.n, served), "")
    ipt_prev = flows.total(g, periods=prev_months, kinds=("ipt",))
    if ipt_prev.n:
        n, d, v = ratio(ipt.medfee - ipt_prev.medfee, ipt_prev.medfee)
        out["2-3"] = (n, d, v, "")
    persons = flows.ipt_persons.get((g, year))
    if persons:
        out["2-4"] = (*ratio(ipt.medfee, persons), "")
    otp = flows.total(g, periods=months, kinds=("otp",))
    if otp.n:
        otp_in = flows.total(g, periods=months, kinds=("otp",), places=IN_COUNTY)
        out["2-5"] = (*ratio(otp_in.n, otp.n), "")
    care = flows.total(g, periods=months, kinds=("ipt", "otp"))
    if care.n:
        in_county = flows.total(g, periods=months, kinds=("ipt", "otp"), places=IN_COUNTY)
        basic = flows.total(g, periods=months, kinds=("ipt", "otp"), places=IN_COUNTY, basic=True)
        out["2-6"] = (*ratio(in_county.fund, care.fund), "")
        out["2-7"] = (*ratio(basic.fund, care.fund), "")
    if ipt.n:
        n, d, v = ratio(ipt.medfee - ipt.fund, ipt.medfee)
        out["2-8"] = (n, d, None if v is None else Decimal(1) - v, "个人负担 / 住院总费用，值为 1 − 其比")
    now, before = extras.clinics.get((u.county, year)), extras.clinics.get((u.county, year - 1))
    if now and before:
        out["3-1"] = (*ratio(now[1] - before[1], before[0]), "")
    vbp = extras.vbp.get((u.county, year))
    if vbp:
        out["3-2"] = (*ratio(vbp[0], vbp[1]),
                      f"配备集采药品不少于 {VBP_MIN_DRUGS} 个的村卫生室 {vbp[2]} / {vbp[3]} 个")
    sat = extras.satisfaction.get((g, year))
    if sat:
        out["4-1"] = (*ratio(sat[0], sat[1]), "")
    return out


def score_of(value: Decimal, target: Decimal, direction: str, weight: Decimal) -> Decimal:
    """Full weight when the target is met; otherwise in proportion to how near it is."""
    if direction == "up":
        if value >= target or target <= 0:
            return weight
        return (weight * max(Decimal(0), value) / target).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value <= target:
        return weight
    if target <= 0:
        return Decimal(0)
    return (weight * max(Decimal(0), 1 - (value - target) / target)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def assess(u: Unit, year: int, flows: Flows, served: int | None, extras: Extras, rules: Rules,
           previous: dict[str, tuple] | None = None) -> Assessment:
    raw = raw_values(u, year, flows, served, extras)
    scores = []
    for iid, (name, direction) in INDICATORS.items():
        weight = rules.weights.get(iid, Decimal(0))
        target_text = rules.targets.get(iid, "")
        n, d, v, note = raw.get(iid, (None, None, None, ""))
        if v is None:
            scores.append(Score(iid, name, u.yigongti_id, n, d, None, weight, target_text, None,
                                FORMULA[iid], SOURCE[iid], note or MISSING))
            continue
        target: Decimal | None
        if target_text == PREVIOUS_YEAR:
            prev = (previous or {}).get(iid)
            target = prev[2] if prev else None
            if target is None:
                scores.append(Score(iid, name, u.yigongti_id, n, d, v, weight, target_text, None, FORMULA[iid],
                                    SOURCE[iid], "缺少上年数据，无法与上年比较：" + MISSING))
                continue
        else:
            target = Decimal(target_text)
        scores.append(Score(iid, name, u.yigongti_id, n, d, v, weight, target_text,
                            score_of(v, target, direction, weight), FORMULA[iid], SOURCE[iid], note))
    scored = [s for s in scores if s.score is not None]
    weight_with_data = sum((s.weight for s in scored), Decimal(0))
    total = (sum((s.score for s in scored), Decimal(0)) * 100 / weight_with_data).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP) if weight_with_data else None
    grade = rules.grade(total)
    return Assessment(u.yigongti_id, year, tuple(scores), total, grade.name,
                      tuple(s.indicator_id for s in scores if s.score is None))


def read_extras(engine, settings, region: str, years: list[int]) -> Extras:
    from ..indicators.context import PSN_EMPLOYEE, PSN_RESIDENT

    def rows(name):
        if not engine.region_has_data(name, settings, region):
            return []
        t = engine.region_table(name, settings, region)
        return engine.to_pyarrow(t.filter(t.year.isin(years))).to_pylist()

    due = {(r["county_admdvs"], int(r["year"])): (int(r["due_cnt"]), r["insured_cnt"]) for r in rows("yigongti_insured_due")}
    subsidy: dict = defaultdict(lambda: (Decimal(0), Decimal(0)))
    for r in rows("yigongti_subsidy"):
        k = (r["county_admdvs"], int(r["year"]))
        subsidy[k] = (subsidy[k][0] + Decimal(str(r["due_amt"])), subsidy[k][1] + Decimal(str(r["arrived_amt"])))
    clinics: dict = defaultdict(lambda: (0, 0))
    for r in rows("yigongti_village_clinic"):
        k = (r["county_admdvs"], int(r["year"]))
        clinics[k] = (clinics[k][0] + 1, clinics[k][1] + (1 if r["fixed_flag"] == "1" else 0))
    vbp = _vbp(rows("yigongti_vbp"))
    sat = {(r["yigongti_id"], int(r["year"])): (int(r["satisfied_cnt"]), int(r["surveyed_cnt"]))
           for r in rows("yigongti_satisfaction")}
    insured: dict = {}
    counties = {k[0] for k in due}
    if counties and engine.region_has_data("psn_count", settings, sorted(counties)):
        # each county's own rows: psn_count is partitioned by the row's admdvs
        t = engine.region_table("psn_count", settings, sorted(counties), periods=[f"{y}-12" for y in years])
        t = t.filter(t.period.isin([f"{y}-12" for y in years]),
                     t.insutype.isin(list(PSN_EMPLOYEE + PSN_RESIDENT)))
        for r in engine.to_pyarrow(t.group_by(["admdvs", "period"]).aggregate(n=t.psn_cnt.sum())).to_pylist():
            insured[(r["admdvs"], int(r["period"][:4]))] = int(r["n"] or 0)
    return Extras(due, dict(subsidy), dict(clinics), vbp, sat, insured)


def _vbp(rows: list[dict]) -> dict:
    """Per county and year: Σ selected qty and Σ qty of the generic+form groups that have a selected
    drug; and the clinics stocking at least VBP_MIN_DRUGS selected drugs, of all clinics listed."""
    groups: dict = defaultdict(lambda: [Decimal(0), Decimal(0), False])
    stocked: dict = defaultdict(set)
    clinics: dict = defaultdict(set)
    for r in rows:
        k = (r["county_admdvs"], int(r["year"]))
        g = groups[(*k, r["generic_name"], r["dosage_form"])]
        qty = Decimal(str(r["qty"]))
        g[1] += qty
        clinics[k].add(r["clinic_code"])
        if r["selected_flag"] == "1":
            g[0] += qty
            g[2] = True
            if qty > 0:
                stocked[(*k, r["clinic_code"])].add(r["drug_code"])
    out: dict = {}
    for (county, year, _, _), (sel, total, has) in groups.items():
        if has:
            cur = out.get((county, year), (Decimal(0), Decimal(0)))
            out[(county, year)] = (cur[0] + sel, cur[1] + total)
    result = {}
    for k, codes in clinics.items():
        sel, total = out.get(k, (Decimal(0), Decimal(0)))
        enough = sum(1 for c in codes if len(stocked.get((*k, c), ())) >= VBP_MIN_DRUGS)
        result[k] = (sel, total, enough, len(codes))
    return result


__all__ = ["ANNEX_SOURCE", "Assessment", "Extras", "FORMULA", "MISSING", "PLACES", "SOURCE", "Score", "assess", "read_extras",
           "raw_values", "score_of"]
