"""One year of 县域医共体 for the commands: read once, then budget, assessment, monitoring and
clearing (seeds/003), and the long table `export yigongti` writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import lake
from ..config import Settings
from ..indicators.compute import resolve_region
from .assess import Assessment, Extras, assess, raw_values, read_extras
from .budget import (
    OVERSPEND_ITEMS, ZERO, BudgetInput, Clearing, ClearingInput, Month, RegionBudget, allocate, clear, disburse, fen,
)
from .flows import OUTSIDE_YGT, Flows, read_flows, served_counts, year_months
from .monitor import Monitoring, monitor
from .rules import Rules, load_rules
from .units import Unit, YigongtiError, read_institutions, read_units


@dataclass
class YearData:
    settings: Settings
    region: str
    year: int
    rules: Rules
    units: list[Unit]
    flows: Flows
    extras: Extras
    served: dict[str, tuple[int | None, str]]
    served_last: dict[str, tuple[int | None, str]]
    bureau: dict[tuple[str, str], Decimal]  # (ygt, item) -> amount
    fees: dict[str, Decimal]  # ygt -> 签约人数 × 标准
    income: Decimal | None
    months_present: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def budgeted(self) -> list[Unit]:
        """The 紧密型 医共体 (seeds/003 二: 对…达到“紧密型”建设标准并实质运行的县域医共体实行医保总额付费)."""
        return [u for u in self.units if u.tight_in(self.year)]


def load_year(settings: Settings, year: int, engine=None, through: str | None = None) -> YearData:
    """One year of the region's 医共体; `through` (YYYY-MM) cuts the year at that month, as a release
    of that month sees it (months after it are left out even when the lake has them)."""
    from ..engine import open_engine

    if not 2000 <= year <= 2100:
        raise YigongtiError(f"年度 {year} 不合理。", "请用 --year 2025 这样的 4 位年度")
    region = resolve_region(settings)
    rules = load_rules(settings)
    own_engine = engine is None
    engine = engine or open_engine(settings)
    try:
        units = read_units(engine, settings, region)
        insts = read_institutions(engine, settings, region, f"{year:04d}-12")
        flows = read_flows(engine, settings, region, units, insts, [year - 1, year], through=through)
        extras = read_extras(engine, settings, region, [year - 1, year])
        served = served_counts(engine, settings, region, units, year)
        served_last = served_counts(engine, settings, region, units, year - 1)
        bureau = _bureau(engine, settings, region, year)
        fees = _fees(engine, settings, region, year)
        income = _income(engine, settings, region, year - 1)
    finally:
        if own_engine:
            engine.close()
    parts = {p for a, p in lake.partitions(Path(settings.workdir), "setl_d") if a == region}
    present = sorted(p for p in parts if p[:4] == f"{year:04d}" and (through is None or p <= through))
    last_year = [p for p in parts if p[:4] == f"{year - 1:04d}"]
    data = YearData(settings, region, year, rules, units, flows, extras, served, served_last, bureau, fees, income,
                    present, list(flows.notes))
    if len(last_year) < 12:
        data.notes.append(f"{year - 1} 年结算数据只有 {len(last_year)} 个月：历史费用（预算分配依据）按这些月份计，"
                          f"上年基金报表 12 月累计收入也可能不是全年数，预算仅供演示参考。")
    for u in units:
        if not u.tight_in(year):
            data.notes.append(f"{u.name}（{u.yigongti_id}）{year} 年未判定为紧密型，不实行总额付费，仅做考核与监测。")
    return data


def _bureau(engine, settings: Settings, region: str, year: int) -> dict[tuple[str, str], Decimal]:
    if not engine.region_has_data("yigongti_bureau", settings, region):
        return {}
    t = engine.region_table("yigongti_bureau", settings, region)
    rows = engine.to_pyarrow(t.filter(t.year == year)).to_pylist()
    return {(r["yigongti_id"], r["item"]): Decimal(str(r["amount"])) for r in rows}


def _fees(engine, settings: Settings, region: str, year: int) -> dict[str, Decimal]:
    if not engine.region_has_data("yigongti_family_doctor", settings, region):
        return {}
    t = engine.region_table("yigongti_family_doctor", settings, region)
    rows = engine.to_pyarrow(t.filter(t.year == year)).to_pylist()
    return {r["yigongti_id"]: Decimal(int(r["signed_paid_cnt"])) * Decimal(str(r["fee_per_person"])) for r in rows}


def _income(engine, settings: Settings, region: str, year: int) -> Decimal | None:
    """统筹基金收入 of `year` (employee + resident, December's year-to-date figure)."""
    if not engine.region_has_data("fund_report", settings, region):
        return None
    t = engine.region_table("fund_report", settings, region, periods=[f"{year:04d}-12"])
    t = t.filter(t.period == f"{year:04d}-12", t.item == "income_total",
                 t.fund.isin(["employee", "resident"]))
    rows = engine.to_pyarrow(t.select("amount")).to_pylist()
    return sum((Decimal(str(r["amount"])) for r in rows), ZERO) if rows else None


# ---- budget ---------------------------------------------------------------------------------------


def budget(data: YearData) -> RegionBudget:
    if data.income is None:
        raise YigongtiError(f"缺少 {data.year - 1} 年 12 月的基金报表收入（fund_report income_total），无法以收定支编制预算。",
                            "请导入上年全年的医保基金报表")
    if not data.budgeted:
        raise YigongtiError(f"{data.year} 年没有判定为紧密型的县域医共体（yigongti.tight_since），不编制总额预算。")
    income = fen(data.income * (1 + data.rules.income_growth))
    inputs = [BudgetInput(u.yigongti_id, data.flows.total(u.yigongti_id, periods=year_months(data.year - 1)).hifp,
                          data.served[u.yigongti_id][0], data.served_last[u.yigongti_id][0],
                          data.fees.get(u.yigongti_id, ZERO)) for u in data.budgeted]
    return allocate(data.year, income, data.flows.region_hifp.get(data.year - 1, ZERO), inputs, data.rules)


def outside_by_month(data: YearData, ygt: str) -> dict[str, Decimal]:
    return {p: data.flows.total(ygt, periods=[p], places=OUTSIDE_YGT).hifp for p in year_months(data.year)}


def disbursements(data: YearData, rb: RegionBudget) -> dict[str, list[Month]]:
    through = data.months_present[-1] if data.months_present else f"{data.year:04d}-01"
    return {b.yigongti_id: disburse(data.year, b.total, outside_by_month(data, b.yigongti_id),
                                    data.bureau.get((b.yigongti_id, "advance"), ZERO), through)
            for b in rb.budgets}


# ---- assessment -------------------------------------------------------------------------------------


def assessments(data: YearData) -> dict[str, Assessment]:
    out = {}
    for u in data.units:
        served = data.served[u.yigongti_id][0]
        prev = raw_values(u, data.year - 1, data.flows, data.served_last[u.yigongti_id][0], data.extras)
        out[u.yigongti_id] = assess(u, data.year, data.flows, served, data.extras, data.rules, prev)
    return out


# ---- clearing ---------------------------------------------------------------------------------------


def settle(data: YearData, rb: RegionBudget, grades: dict[str, Assessment]) -> list[Clearing]:
    december = f"{data.year:04d}-12"
    if december not in data.months_present:
        raise YigongtiError(f"{data.year} 年的结算数据还没有 12 月，不能做年终清算。",
                            "导入全年结算数据后再运行 liangjiadi yigongti settle")
    months = disbursements(data, rb)
    inputs = []
    for b in rb.budgets:
        g = b.yigongti_id
        inputs.append(ClearingInput(
            g, b.total,
            outside=data.flows.total(g, periods=year_months(data.year), places=OUTSIDE_YGT).hifp,
            inside=data.flows.total(g, periods=year_months(data.year), places=("member",)).hifp,
            disbursed=sum((m.disbursed - m.advance for m in months[g]), ZERO),
            advance=data.bureau.get((g, "advance"), ZERO),
            grade=data.rules.grade(grades[g].total),
            reasons={k: data.bureau.get((g, k), ZERO) for k in OVERSPEND_ITEMS}))
    return clear(inputs, rb.reserve)


def monitoring(data: YearData, rb: RegionBudget | None) -> dict[str, Monitoring]:
    from ..anomalies.runner import load_findings

    findings: list[dict] = []
    for p in data.months_present:
        table = load_findings(Path(data.settings.workdir), data.region, p)
        if table is not None:
            findings += table.to_pylist()
    totals = {b.yigongti_id: b.total for b in rb.budgets} if rb else {}
    return {u.yigongti_id: monitor(u, data.year, totals.get(u.yigongti_id, ZERO), data.flows, data.rules, findings)
            for u in data.units}


# ---- the long table ---------------------------------------------------------------------------------


def export_rows(data: YearData) -> list[dict]:
    """item, yigongti_id, value, note: budget, months, assessment, monitoring and (with December) clearing."""
    rows: list[dict] = []

    def add(item, ygt, value, note=""):
        rows.append({"item": item, "yigongti_id": ygt or "", "value": "" if value is None else str(value), "note": note})

    rb = None
    try:
        rb = budget(data)
    except YigongtiError as exc:
        add("预算", "", None, str(exc))
    if rb:
        add("预计统筹基金收入", "", rb.income, f"{data.year - 1} 年基金报表收入 ×（1 + {data.rules.income_growth}）")
        add("风险调节金", "", rb.reserve, f"比例 {data.rules.risk_reserve_rate}")
        for b in rb.budgets:
            add("总额预算", b.yigongti_id, b.total, "以收定支，按上年服务参保人员统筹基金支出占比")
            add("家庭医生签约服务费", b.yigongti_id, b.family_doctor_fee,
                "实际缴费签约人数 × 标准；经考核后拨付（随年度考核结果，与年终清算分列）")
        for g, months in disbursements(data, rb).items():
            for m in months:
                add(f"{m.period} 拨付", g, m.disbursed, f"额度 {m.quota}，域外扣减 {m.deducted}，结转 {m.carried}"
                    + (f"，预付金 {m.advance}" if m.advance else ""))
    grades = assessments(data)
    for g, a in grades.items():
        for s in a.scores:
            add(f"考核 {s.indicator_id} {s.name}", g, s.value,
                s.note if s.missing else f"分子 {s.numerator}，分母 {s.denominator}，得分 {s.score}/{s.weight}"
                + (f"；{s.note}" if s.note else ""))
        add("考核总分", g, a.total, f"等级 {a.grade}；缺少数据：{'、'.join(a.missing) or '无'}")
    for (g, y, level), f in sorted(data.flows.ipt_by_level.items()):
        if y == data.year and f.medfee:
            add(f"差别化支付 {level} 住院实际报销比", g, (f.fund / f.medfee).quantize(Decimal("0.000001")),
                f"基金支付 {f.fund} / 住院医疗总费用 {f.medfee}，{f.n} 人次")
    for u in data.units:
        ref = (data.flows.referrals or {}).get((u.yigongti_id, data.year), (0, 0))
        if data.flows.referrals is None:
            add("转诊住院连续计算起付线占比", u.yigongti_id, None, "缺少数据：没有转诊住院表（yigongti_referral）")
        else:
            add("转诊住院连续计算起付线占比", u.yigongti_id,
                (Decimal(ref[1]) / ref[0]).quantize(Decimal("0.000001")) if ref[0] else None,
                f"转诊住院 {ref[0]} 人次，其中连续计算起付线 {ref[1]} 人次")
    for g, mon in monitoring(data, rb).items():
        for w in mon.warnings:
            add("预警", g, None, w)
        for s in mon.signals:
            add(f"{s['period']} 线索 {s['kind']}", g, s["member"], s["text"])
    if rb and f"{data.year:04d}-12" in data.months_present:
        for c in settle(data, rb, grades):
            add("结余（负为超支）", c.yigongti_id, c.balance, f"等级 {c.grade}")
            add("结余留用", c.yigongti_id, c.retained, "")
            add("合理超支分担", c.yigongti_id, c.shared, f"合理超支 {c.reasonable}，医共体承担 {c.borne}")
            add("年终清算拨付", c.yigongti_id, c.settlement, "负为收回")
    for n in data.notes:
        add("说明", "", None, n)
    return rows
