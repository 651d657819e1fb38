"""One year of payment management for a region: configuration, standards, settlement
(provisional through a month, or the year-end clearing), assessment and monitoring; and its
frozen output (`<workdir>/payment/<region>/<year>/`), which exports, releases and reports read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..config import Settings
from ..overrides import region_file
from . import config as pconfig
from .assess import Assessment, assess
from .config import PaymentConfig
from .data import RegionYear, read
from .errors import PaymentError
from .model import Case
from .money import ZERO, allocate, fen, ratio
from .monitor import (
    InstitutionRisk, MonthRow, Signal, behaviour_signals, institution_risk, monthly, quality_signals, shirking_signals,
)
from .settle import Settlement, clear, own_cost_per_point, running_payments, settle
from .standards import Adjustment, Standards, adjustments, build, reference_weights


@dataclass
class PaymentRun:
    region: str
    year: int
    through: str | None  # None: the year-end clearing; else provisional through this month
    cfg: PaymentConfig
    fund_source: str
    standards: Standards
    settlement: Settlement
    adjustments: list[Adjustment]
    assessment: dict[str, Assessment]
    region_values: dict[str, Decimal | None]
    prepay: dict[str, Decimal]
    provisional: dict[str, dict[str, Decimal]]  # month -> institution -> that month's payment
    monitoring: list[MonthRow]
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    risks: list[InstitutionRisk] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)  # behaviour and quality warnings (11.1)

    @property
    def final(self) -> bool:
        return self.through is None


def configuration(settings: Settings, data: RegionYear | None = None, sets: dict[str, Any] | None = None) -> PaymentConfig:
    """Defaults → the optional input tables of the year → the region's file → --set."""
    cfg = PaymentConfig()
    path = region_file(settings.payment_file, settings.workdir, "payment.toml")
    file_values = pconfig.read_file(path) if path is not None else {}
    scheme = str((sets or {}).get("scheme") or file_values.get("scheme") or "").upper() or _inferred(data)
    cfg = replace(cfg, scheme=scheme if scheme in pconfig.SCHEMES else cfg.scheme)
    if data is not None:
        cfg = replace(cfg, institution_coefficients={**cfg.institution_coefficients, **data.pay_coef},
                      bed_day_rates={**cfg.bed_day_rates, **data.bed_day_rates},
                      day_surgery_groups={**cfg.day_surgery_groups, **data.day_surgery.get(cfg.scheme, {})})
    if file_values:
        cfg = pconfig.apply(cfg, file_values, pconfig.where(path))
    if sets:
        cfg = pconfig.apply(cfg, sets, "命令行 --set")
    return pconfig.apply(cfg, {}, "支付方式配置")


def _inferred(data: RegionYear | None) -> str:
    """The scheme the year's lists are grouped under (most grouped cases), else DRG."""
    if data and data.list_types:
        return max(sorted(data.list_types), key=lambda t: data.list_types[t])
    return "DRG"


def _fund(cfg: PaymentConfig, data: RegionYear, cases: list[Case]) -> tuple[Decimal, str]:
    if cfg.fund_available is not None:
        return fen(cfg.fund_available), "支付方式配置的可用基金"
    if data.budget is not None:
        return fen(data.budget), f"预算表 {data.year} 年 DRG/DIP 付费统筹基金总额"
    actual = sum((c.fund for c in cases), ZERO)
    return fen(actual), (f"未提供 {data.year} 年 DRG/DIP 付费统筹基金预算（预算表）与配置的可用基金，"
                         "按当年 DRG/DIP 病例统筹基金实际支付计")


def _months_through(year: int, through: str | None) -> list[str]:
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    return [m for m in months if through is None or m <= through]


def run(settings: Settings, year: int, through: str | None = None, sets: dict[str, Any] | None = None,
        engine=None) -> PaymentRun:
    from ..engine import open_engine
    from ..indicators.compute import resolve_region

    if through is not None and (len(through) != 7 or through[:4] != f"{year:04d}" or not "01" <= through[5:] <= "12"):
        raise PaymentError(f"--through {through} 应为 {year} 年内的月份 YYYY-MM")
    region = resolve_region(settings)
    own = engine is None
    engine = engine or open_engine(settings)
    try:
        probe = configuration(settings, None, sets)
        years = reference_weights(year, probe)
        data = read(engine, settings, region, year, min(years))
    finally:
        if own:
            engine.close()
    cfg = configuration(settings, data, sets)
    return compute(data, cfg, year, through)


def compute(data: RegionYear, cfg: PaymentConfig, year: int, through: str | None = None) -> PaymentRun:
    """Everything from the read inputs (no lake access: the what-if reruns this)."""
    notes: list[str] = []
    months = _months_through(year, through)
    year_cases = data.cases.get(year, [])
    if not year_cases:
        raise PaymentError(f"{data.region} {year} 年没有 DRG/DIP 机构的住院病例",
                           "请确认已导入该年度结算数据，且定点机构表 drg_dip_flag = 1")
    cases = [c for c in year_cases if c.month in months]
    weights = reference_weights(year, cfg)
    standards = build(data.cases, weights, data.catalog.get(cfg.scheme, {}), cfg,
                      data.catalog_basic.get(cfg.scheme, set()))
    notes += standards.notes
    if not standards.reference_years:
        notes.append(f"参考年度 {'、'.join(str(y) for y in weights)} 均无病例：分值/权重取分组目录，"
                     "极值判断的每分值费用取本年度病例")
    fund, fund_source = _fund(cfg, data, year_cases)
    reimb = cfg.reimbursement_ratio
    if reimb is None:
        cost = sum((c.cost for c in year_cases), ZERO)
        reimb = ratio(sum((c.fund for c in year_cases), ZERO), cost).quantize(Decimal("0.0001")) if cost else Decimal(1)
    fund_to_date = fen(fund * len(months) / 12)
    # the outlier reference is fixed for the year, so a case's way is computed once
    cpp = standards.cost_per_point or own_cost_per_point(cases, standards)
    cache: dict = {}
    s = settle(cases, data.institutions, standards, cfg, fund_to_date, reimb, cpp, cache)
    extras = data.extras
    if through is not None and extras.findings:  # what was known by the month settled
        extras = replace(extras, findings={m: v for m, v in extras.findings.items() if m <= through} or None)
    assessment, region_values = assess(cases, data.cases.get(year - 1, []), s.cases, data.institutions,
                                       standards, cfg, extras)
    if through is None:
        clear(s, {c: a.grade for c, a in assessment.items() if a.grade}, cfg)
    prepay = _prepay(data, fund, cfg)
    provisional = _provisional(year_cases, months, data, standards, cfg, fund, cpp, cache)
    months_with_cases = sorted({c.month for c in cases})
    signals = (behaviour_signals(extras.findings, months, cfg) + shirking_signals(data.cmi, months, cfg)
               + quality_signals(cases, months_with_cases, cfg))
    return PaymentRun(data.region, year, through, cfg, fund_source, standards, s,
                      adjustments(standards, cases, cfg), assessment, region_values, prepay, provisional,
                      monthly(year_cases, year, fund, cfg, through), notes + s.notes,
                      {c: i.name for c, i in data.institutions.items()}, institution_risk(s, cfg), signals)


def _prepay(data: RegionYear, fund: Decimal, cfg: PaymentConfig) -> dict[str, Decimal]:
    """预付款 (9.2.1): prepay_share × F, split by last year's 统筹基金支付 of each institution's
    cases (largest remainder); none without last year's cases."""
    last: dict[str, Decimal] = {c: ZERO for c in data.institutions}
    for c in data.cases.get(data.year - 1, []):
        if c.inst in last:
            last[c.inst] += c.fund
    return allocate(fen(fund * cfg.prepay_share), last)


def _provisional(year_cases, months, data, standards, cfg, fund, cpp, cache) -> dict[str, dict[str, Decimal]]:
    """月度结算 (9.2.1): each month the year-to-date cases settled against F × m / 12; a month's
    provisional payment is the year-to-date amount less the previous month's."""
    by_month: dict[str, list[Case]] = {}
    for c in year_cases:
        by_month.setdefault(c.month, []).append(c)
    funds = [fen(fund * i / 12) for i in range(1, len(months) + 1)]
    running = running_payments(by_month, months, funds, data.institutions, standards, cfg, cpp, cache)
    out: dict[str, dict[str, Decimal]] = {}
    before: dict[str, Decimal] = {}
    for month in months:
        now = running[month]
        out[month] = {code: now.get(code, ZERO) - before.get(code, ZERO) for code in sorted(set(now) | set(before))}
        before = now
    return out


# ---- frozen output -------------------------------------------------------------------------


def output_dir(workdir: Path | str, region: str, year: int) -> Path:
    return Path(workdir) / "payment" / region / f"{year:04d}"


def _plain(x):
    if isinstance(x, Decimal):
        return format(x, "f")  # as computed: amounts keep their two decimals
    return x


def _q4(x: Decimal | None) -> Decimal | None:
    """A point value or rate as shown (4 decimals); payments use the exact quotient."""
    return None if x is None else x.quantize(Decimal("0.0001"))


def to_json(r: PaymentRun) -> dict:
    s = r.settlement
    insts = {}
    for code, ir in sorted(s.institutions.items()):
        a = r.assessment.get(code)
        insts[code] = {k: _plain(v) for k, v in ir.__dict__.items() if k != "cases"}
        insts[code]["cases"] = dict(ir.cases)
        insts[code]["name"] = r.names.get(code, "")
        insts[code]["prepay"] = _plain(r.prepay.get(code, ZERO))
        insts[code]["provisional"] = {m: _plain(v.get(code, ZERO)) for m, v in r.provisional.items()}
        if a is not None:
            insts[code]["score"] = _plain(a.score)
            insts[code]["assess_grade"] = a.grade
            insts[code]["indicators"] = {k: {"value": _plain(i.value), "region": _plain(i.region),
                                             "score": _plain(i.score), "note": i.note}
                                         for k, i in a.indicators.items()}
    return {
        "region": r.region, "year": r.year, "through": r.through, "final": r.final,
        "scheme": r.cfg.scheme, "fund_available": _plain(s.fund_available), "fund_source": r.fund_source,
        "fund_for_points": _plain(s.fund_for_points), "fixed_total": _plain(s.fixed_total),
        "points_total": _plain(s.points_total), "money_per_point": _plain(_q4(s.money_per_point)),
        "point_value": _plain(_q4(s.point_value)), "reimbursement_ratio": _plain(s.reimbursement_ratio),
        "budget_point_value": _plain(_q4(r.standards.cost_per_point)),
        "reference_years": {str(y): _plain(w) for y, w in r.standards.reference_years.items()},
        "total_payment": _plain(s.total_payment), "total_final": _plain(s.total_final),
        "fund_retained": _plain(s.fund_retained), "unplaced": _plain(s.unplaced),
        "institutions": insts,
        "adjustments": [{k: _plain(v) for k, v in a.__dict__.items()} for a in r.adjustments],
        "monitoring": [{k: _plain(v) for k, v in m.__dict__.items()} for m in r.monitoring],
        "institution_risks": [{k: _plain(v) for k, v in m.__dict__.items()} for m in r.risks],
        "signals": [{k: _plain(v) for k, v in m.__dict__.items()} for m in r.signals],
        "region_values": {k: _plain(v) for k, v in r.region_values.items()},
        "notes": r.notes,
        "config": _config_json(r.cfg),
    }


def _config_json(cfg: PaymentConfig) -> dict:
    def conv(v):
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return _plain(v)

    return {k: conv(v) for k, v in cfg.__dict__.items()}


def write(r: PaymentRun, workdir: Path | str) -> Path:
    """Freeze the run: settlement.json (year-end) or provisional-YYYY-MM.json."""
    d = output_dir(workdir, r.region, r.year)
    d.mkdir(parents=True, exist_ok=True)
    path = d / ("settlement.json" if r.final else f"provisional-{r.through}.json")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(to_json(r), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def load(workdir: Path | str, region: str, year: int, through: str | None = None) -> dict | None:
    """The frozen year-end settlement (or the provisional one through a month), None if absent."""
    path = output_dir(workdir, region, year) / ("settlement.json" if through is None else f"provisional-{through}.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
