"""Monitoring (运行监测, 11.1 of seeds/004): the fund's DRG/DIP spending month by month against
the pro-rata budget, and each institution's provisional balance, with warnings.

Spending = Σ 统筹基金支付 (hifp_pay, item by item) of the year's DRG/DIP cases up to the month;
pro-rata budget = F × months / 12. Ratio above 1 + monitor_warn is 预警, above 1 + monitor_severe
严重 (both configurable)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .config import PaymentConfig
from .model import Case
from .money import ZERO, fen, ratio

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
    for m in range(1, 13):
        month = f"{year:04d}-{m:02d}"
        if through and month > through:
            break
        mine = [c for c in cases if c.month == month]
        spend = sum((c.fund for c in mine), ZERO)
        cum += spend
        budget = fen(fund * m / 12)
        r = ratio(cum, budget).quantize(Decimal("0.0001")) if budget > 0 else None
        rows.append(MonthRow(month, len(mine), spend, cum, budget, r, status_of(r, cfg)))
    return rows
