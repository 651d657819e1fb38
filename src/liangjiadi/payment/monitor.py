"""Monitoring (运行监测, 11.1 of seeds/004: "定期分析基金支出、医疗行为、医疗质量等变化情况"):

- fund: the DRG/DIP spending month by month against the pro-rata budget, and each institution's
  item-by-item cost against its settled payment (its 超支 risk). Spending = Σ 统筹基金支付 (hifp_pay)
  of the year's DRG/DIP cases up to the month; pro-rata budget = F × months / 12. Ratio above
  1 + monitor_warn is 预警, above 1 + monitor_severe 严重.
- behaviour: what the detectors (anomalies/) found, not recomputed here: an institution named in
  the newest examined month by a detector of 分解住院, 高套, 低标入院 or 诱导住院 is 预警; named
  monitor_behaviour_months months running, 严重. 推诿 (turning away heavy cases) shows as a falling
  CMI: the institution's mean monthly CMI (indicator CMI, as computed and stored) over the recent
  monitor_recent_months months below the earlier months' mean by more than monitor_cmi_drop: 预警;
  twice that: 严重.
- quality: 15 日内再入院率, 住院死亡率 (payment.assess's definitions) and 并发症发生率 (where
  setl_diag is supplied) of the recent months against the earlier months of the year; a rise of
  more than monitor_quality_rise (percentage points): 预警; twice: 严重. Institutions with fewer
  than monitor_min_cases recent cases are not judged (too few to tell).
All thresholds are configurable (payment.toml or --set)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .assess import CODING_PATTERNS, complication_rate, quality_rates, readmission_flags
from .config import PaymentConfig
from .model import Case
from .money import ZERO, fen, ratio
from .settle import Settlement

STATUS_CN = {"ok": "正常", "warn": "预警", "severe": "严重"}


@dataclass
class MonthRow:
    month: str
    cases: int
    spending: Decimal
    cumulative: Decimal
    budget_to_date: Decimal
    ratio: Decimal | None
    status: str


def status_of(r: Decimal | None, cfg: PaymentConfig) -> str:
    if r is None:
        return "ok"
    if r > 1 + cfg.monitor_severe:
        return "severe"
    if r > 1 + cfg.monitor_warn:
        return "warn"
    return "ok"


def monthly(cases: list[Case], year: int, fund: Decimal, cfg: PaymentConfig, through: str | None = None) -> list[MonthRow]:
    rows, cum = [], ZERO
    by_month: dict[str, list[Case]] = {}
    for c in cases:
        by_month.setdefault(c.month, []).append(c)
    for m in range(1, 13):
        month = f"{year:04d}-{m:02d}"
        if through and month > through:
            break
        mine = by_month.get(month, [])
        spend = sum((c.fund for c in mine), ZERO)
        cum += spend
        budget = fen(fund * m / 12)
        r = ratio(cum, budget).quantize(Decimal("0.0001")) if budget > 0 else None
        rows.append(MonthRow(month, len(mine), spend, cum, budget, r, status_of(r, cfg)))
    return rows


@dataclass
class InstitutionRisk:
    code: str
    payment: Decimal  # 清算应付 (to date)
    fee_for_service: Decimal  # 按项目统筹支付 (to date)
    ratio: Decimal | None  # fee_for_service / payment
    status: str


def institution_risk(s: Settlement, cfg: PaymentConfig) -> list[InstitutionRisk]:
    """Institutions whose cases cost the fund, item by item, more than their settlement pays
    (ratio above 1 + monitor_warn / monitor_severe): the ones heading for 超支."""
    out = []
    for code, ir in sorted(s.institutions.items()):
        r = ratio(ir.fee_for_service, ir.payment).quantize(Decimal("0.0001")) if ir.payment > 0 else None
        out.append(InstitutionRisk(code, ir.payment, ir.fee_for_service, r, status_of(r, cfg)))
    return out


# ---- behaviour and quality (11.1) ----------------------------------------------------------------

# family -> (Chinese name, the detectors' patterns that signal it)
BEHAVIOUR: dict[str, tuple[str, tuple[str, ...]]] = {
    "split_admission": ("分解住院", ("readmission_15d",)),
    "upcoding": ("高套（高套病组、高靠诊断、结构偏移）", CODING_PATTERNS),
    "low_admission": ("低标入院", ("low_standard_admission",)),
    "induced_admission": ("诱导住院", ("admission_surge", "outpatient_inpatient_ratio")),
}
QUALITY = {"readmission_15d": "15 日内再入院率", "death_rate": "住院死亡率", "complication_rate": "并发症发生率"}
Q4 = Decimal("0.0001")


@dataclass
class Signal:
    """One warning of behaviour or quality at an institution (only 预警 and 严重 are listed)."""

    family: str  # 医疗行为 | 医疗质量
    code: str
    item: str
    recent: Decimal | None  # the recent value (behaviour: findings in the newest examined month)
    before: Decimal | None  # the earlier value (behaviour: months named in a row)
    status: str
    note: str


def _level(excess: Decimal, threshold: Decimal) -> str:
    if excess > 2 * threshold:
        return "severe"
    return "warn" if excess > threshold else "ok"


def behaviour_signals(findings: dict[str, dict[str, dict[str, int]]] | None, months: list[str],
                      cfg: PaymentConfig) -> list[Signal]:
    """Institutions a detector named in the newest examined month up to months[-1]."""
    examined = [m for m in months if findings and m in findings]
    if not examined:
        return []
    last = examined[-1]

    def named(month: str, code: str, patterns: tuple[str, ...]) -> int:
        return sum(findings[month].get(code, {}).get(p, 0) for p in patterns)

    out = []
    for code in sorted(findings[last]):
        for name, patterns in BEHAVIOUR.values():
            n = named(last, code, patterns)
            if not n:
                continue
            run = 0
            for month in reversed(examined):
                if not named(month, code, patterns):
                    break
                run += 1
            status = "severe" if run >= cfg.monitor_behaviour_months else "warn"
            out.append(Signal("医疗行为", code, name, Decimal(n), Decimal(run), status,
                              f"{last} 异常检测疑点 {n} 条，连续 {run} 个检测月被检出"))
    return out


def _split(months: list[str], cfg: PaymentConfig) -> tuple[list[str], list[str]]:
    k = max(1, cfg.monitor_recent_months)
    return months[-k:], months[:-k]


def shirking_signals(cmi: dict[str, dict[str, Decimal]], months: list[str], cfg: PaymentConfig) -> list[Signal]:
    """推诿: the mean monthly CMI of the recent months against the earlier months' (indicator CMI)."""
    have = [m for m in months if m in cmi]
    recent, before = _split(have, cfg)
    if not before:
        return []
    out = []
    for code in sorted({c for m in have for c in cmi[m]}):
        r = [cmi[m][code] for m in recent if cmi[m].get(code) is not None]
        b = [cmi[m][code] for m in before if cmi[m].get(code) is not None]
        if not r or not b:
            continue
        r_mean, b_mean = (sum(r) / len(r)).quantize(Q4), (sum(b) / len(b)).quantize(Q4)
        if b_mean <= 0:
            continue
        drop = 1 - r_mean / b_mean
        status = _level(drop, cfg.monitor_cmi_drop)
        if status != "ok":
            out.append(Signal("医疗行为", code, "推诿重症（CMI 下降）", r_mean, b_mean, status,
                              f"近 {len(recent)} 个月平均 CMI {r_mean}，此前 {len(before)} 个月 {b_mean}，"
                              f"下降 {drop:.1%}"))
    return out


def quality_signals(cases: list[Case], months: list[str], cfg: PaymentConfig) -> list[Signal]:
    """Quality rates of the recent months against the earlier months of the year, per institution."""
    recent_m, before_m = _split(months, cfg)
    if not before_m:
        return []
    flags = readmission_flags(cases)
    by: dict[str, tuple[list[Case], list[Case]]] = {}
    for c in cases:
        pair = by.setdefault(c.inst, ([], []))
        if c.month in recent_m:
            pair[0].append(c)
        elif c.month in before_m:
            pair[1].append(c)
    out = []
    for code, (recent, before) in sorted(by.items()):
        if len(recent) < cfg.monitor_min_cases or not before:
            continue
        r_rates, b_rates = quality_rates(recent, flags), quality_rates(before, flags)
        for key, name in QUALITY.items():
            if key == "complication_rate":
                r, b = complication_rate(recent), complication_rate(before)
            else:
                r, b = r_rates[key][0], b_rates[key][0]
            if r is None or b is None:
                continue
            status = _level(r - b, cfg.monitor_quality_rise)
            if status != "ok":
                out.append(Signal("医疗质量", code, name, r, b, status,
                                  f"近 {len(recent_m)} 个月 {r:.2%}（{len(recent)} 例），此前 {b:.2%}，"
                                  f"上升 {(r - b) * 100:.2f} 个百分点"))
    return out
