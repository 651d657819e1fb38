"""Monitoring (运行监测, 11.1 of seeds/004): the fund's DRG/DIP spending month by month against
the pro-rata budget, and each institution's item-by-item cost against its settled payment
(its 超支 risk), with warnings.

Spending = Σ 统筹基金支付 (hifp_pay, item by item) of the year's DRG/DIP cases up to the month;
pro-rata budget = F × months / 12. Ratio above 1 + monitor_warn is 预警, above 1 + monitor_severe
严重 (both configurable)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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
