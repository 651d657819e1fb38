"""Monitoring of each 医共体 through the year (seeds/003 四: 合理设定并动态监测县域医共体基金运行、医疗
费用、转外就医等参数，设置预警阈值; 重点查处无故推诿病人、降低医疗服务标准、分解住院; 基金超支风险报告).

- 基金运行: the month's 域内 + 域外 统筹基金 spending against the budget, cumulative, with a warning
  when the spent share runs ahead of the elapsed share by more than the threshold, and the year-end
  projection at this pace (超支风险).
- 域外就医 and 县域外住院率: month by month against the same month last year.
- Signals per member: 降低医疗服务标准 (low_standard_admission) and 分解住院 (readmission_15d) from
  the stored findings of `liangjiadi detect`; 推诿 / 转外 as a member whose discharges of served
  insured fell by a fifth or more on the same month last year while the county's 县域外 discharges
  rose. These are signals to look at, not findings of fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..anomalies.model import row_patterns
from .budget import ZERO, fen
from .flows import OUTSIDE_YGT, Flows
from .rules import Rules
from .units import Unit

SIGNAL_PATTERNS = {"low_standard_admission": "降低医疗服务标准（低标准入院）", "readmission_15d": "分解住院（15天内再入院）"}
REFERRAL_DROP = Decimal("0.2")
REFERRAL_MIN = 5  # discharges a year earlier below which a fall is noise, not a signal


@dataclass(frozen=True)
class MonthRun:
    period: str
    inside: Decimal  # 域内统筹基金支出
    outside: Decimal  # 域外统筹基金支出（医共体外）
    cumulative: Decimal  # 年初至本月 域内 + 域外
    budget: Decimal
    execution: Decimal  # cumulative / budget
    elapsed: Decimal  # months / 12
    outside_discharges: int  # 县域外出院人次
    outside_discharges_last_year: int


@dataclass
class Monitoring:
    yigongti_id: str
    months: list[MonthRun] = field(default_factory=list)
    projected: Decimal = ZERO  # 按当前进度推算全年支出
    warnings: list[str] = field(default_factory=list)
    signals: list[dict] = field(default_factory=list)  # member, period, kind, text


def _share(n: Decimal, d: Decimal) -> Decimal:
    return (n / d).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if d else Decimal(0)


def _last_year(period: str) -> str:
    return f"{int(period[:4]) - 1:04d}{period[4:]}"


def monitor(u: Unit, year: int, budget: Decimal, flows: Flows, rules: Rules, findings: list[dict],
            through: str | None = None) -> Monitoring:
    g = u.yigongti_id
    mon = Monitoring(g)
    cum = ZERO
    present = sorted({k[1] for k in flows.cells if k[0] == g and k[1][:4] == str(year)})
    if through:
        present = [p for p in present if p <= through]
    for p in present:
        inside = flows.total(g, periods=[p], places=("member",)).hifp
        outside = flows.total(g, periods=[p], places=OUTSIDE_YGT).hifp
        cum += inside + outside
        m = int(p[5:7])
        out_n = flows.total(g, periods=[p], kinds=("ipt",), places=("region", "outside")).n
        out_prev = flows.total(g, periods=[_last_year(p)], kinds=("ipt",), places=("region", "outside")).n
        run = MonthRun(p, fen(inside), fen(outside), fen(cum), budget, _share(cum, budget),
                       _share(Decimal(m), Decimal(12)), out_n, out_prev)
        mon.months.append(run)
        if budget > 0 and run.execution > run.elapsed + rules.warn_execution_ahead:
            mon.warnings.append(f"{p}：基金支出进度 {run.execution:.2%} 超过时间进度 {run.elapsed:.2%} "
                                f"逾 {rules.warn_execution_ahead:.0%}。")
        if out_prev and Decimal(out_n) > Decimal(out_prev) * (1 + rules.warn_outside_rate_rise):
            mon.warnings.append(f"{p}：县域外住院 {out_n} 人次，比上年同月 {out_prev} 人次增加逾 "
                                f"{rules.warn_outside_rate_rise:.0%}。")
    if mon.months:
        last = mon.months[-1]
        mon.projected = fen(last.cumulative * 12 / int(last.period[5:7]))
        if budget > 0 and mon.projected > budget:
            mon.warnings.append(f"超支风险：按 1 至 {int(last.period[5:7])} 月进度推算全年支出 {mon.projected} 元，"
                                f"超过总额预算 {budget} 元。")
    _member_signals(u, flows, mon, present, findings, rules)
    return mon


def _member_signals(u: Unit, flows: Flows, mon: Monitoring, periods: list[str], findings: list[dict],
                    rules: Rules) -> None:
    per_member: dict[tuple[str, str], int] = {}
    for f in findings:
        code = f.get("fixmedins_code")
        hits = [p for p in row_patterns(f) if p in SIGNAL_PATTERNS]  # a merged 线索 may carry several
        if code in u.members and hits:
            mon.signals.append({"member": code, "period": f.get("period"),
                                "kind": "、".join(SIGNAL_PATTERNS[p] for p in hits), "text": f.get("message") or ""})
            key = (code, f.get("period"))
            per_member[key] = per_member.get(key, 0) + 1
    for (code, period), n in sorted(per_member.items()):
        if n >= rules.warn_member_signals:
            mon.warnings.append(f"{period}：成员单位 {code} 有 {n} 条降标准或分解住院线索。")
    # 推诿 / 转外: needs the members' own discharges by month; read from the raw cells by member.
    for p in periods:
        prev = _last_year(p)
        out_now = flows.total(u.yigongti_id, periods=[p], kinds=("ipt",), places=("region", "outside")).n
        out_prev = flows.total(u.yigongti_id, periods=[prev], kinds=("ipt",), places=("region", "outside")).n
        if out_now <= out_prev:
            continue
        for code in sorted(u.members):
            now, before = flows.member_discharges.get((code, p), 0), flows.member_discharges.get((code, prev), 0)
            if before >= REFERRAL_MIN and Decimal(now) <= Decimal(before) * (1 - REFERRAL_DROP):
                mon.signals.append({"member": code, "period": p, "kind": "推诿 / 转外就医",
                                    "text": f"服务参保人员在该成员单位出院 {now} 人次（上年同月 {before}），"
                                            f"同期县域外出院 {out_now} 人次（上年同月 {out_prev}）。"})
