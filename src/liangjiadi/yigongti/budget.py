"""Budget, monthly disbursement and year-end clearing of 县域医共体 (seeds/003 二、三). Pure Decimal
arithmetic on figures the caller has read; nothing here touches the lake.

The rules, each from seeds/003:
- 以收定支、当期不编制赤字预算: the expected fund income, less the 风险调节金 set aside first, is
  all there is; 家庭医生签约服务费 and every 医共体 budget come out of it, rounded down to the fen.
- Each 医共体's share follows its served insured's 统筹基金 spending last year (历史费用), scaled by
  the change in the number it serves (人员结构), against the spending of every insured of the region.
- 按月拨付: one twelfth a month to the lead hospital, less what the served insured spent outside the
  医共体 that month (域外 spending is deducted from the budget when settled); what a month cannot
  absorb is carried to the next. 预付金 is paid with the first month and recovered at clearing.
- 年终清算: 结余 = budget − 域外 − 域内; a surplus is kept at the grade's 结余留用 share; of an over-spend
  only what the bureau attributes to 医保政策 / 价格调整 / 就医数量大幅增加 is 合理超支, shared at the
  grade's share and paid from the risk reserve (never beyond it: no deficit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from .rules import Grade, Rules

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
OVERSPEND_ITEMS = ("overspend_policy", "overspend_price", "overspend_volume")


def fen(x: Decimal) -> Decimal:
    return x.quantize(FEN, rounding=ROUND_HALF_UP)


def fen_down(x: Decimal) -> Decimal:
    """Rounded toward zero: shares of a sum never add up to more than the sum."""
    return x.quantize(FEN, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class BudgetInput:
    yigongti_id: str
    basis_last_year: Decimal  # 上年服务参保人员统筹基金支出（全部就医地）
    served_now: int | None = None  # 服务参保人员数 this year / last year (人员结构)
    served_last: int | None = None
    family_doctor_fee: Decimal = ZERO  # 签约人数 × 标准


@dataclass(frozen=True)
class Budget:
    yigongti_id: str
    basis: Decimal  # after the population adjustment
    total: Decimal  # 总额预算（医疗费用部分）
    family_doctor_fee: Decimal  # 家庭医生签约服务费 to pay (after any scaling)


@dataclass(frozen=True)
class RegionBudget:
    year: int
    income: Decimal  # 预计统筹基金收入
    reserve: Decimal  # 风险调节金
    available: Decimal  # income − reserve
    region_basis: Decimal  # 上年全部本地参保人员统筹基金支出（经人员调整）
    budgets: tuple[Budget, ...]
    notes: tuple[str, ...] = ()

    @property
    def committed(self) -> Decimal:
        return sum((b.total + b.family_doctor_fee for b in self.budgets), ZERO)

    def of(self, yigongti_id: str) -> Budget:
        return next(b for b in self.budgets if b.yigongti_id == yigongti_id)


def allocate(year: int, income: Decimal, region_basis_last_year: Decimal, inputs: list[BudgetInput],
             rules: Rules) -> RegionBudget:
    notes: list[str] = []
    if income < 0:
        notes.append(f"预计统筹基金收入为负（{income}），按 0 编制：当期不编制赤字预算。")
        income = ZERO
    income = fen(income)
    reserve = fen(income * rules.risk_reserve_rate)
    available = income - reserve
    fees = {i.yigongti_id: max(ZERO, fen(i.family_doctor_fee)) for i in inputs}
    fee_total = sum(fees.values(), ZERO)
    if fee_total > available:
        factor = available / fee_total
        fees = {k: fen_down(v * factor) for k, v in fees.items()}
        notes.append("家庭医生签约服务费超过扣除风险调节金后的可用基金，按比例压减。")
    medical = available - sum(fees.values(), ZERO)
    adjusted = {}
    for i in inputs:
        basis = max(ZERO, i.basis_last_year)
        if i.served_now and i.served_last:
            basis = basis * Decimal(i.served_now) / Decimal(i.served_last)
        adjusted[i.yigongti_id] = basis
    # The insured no 医共体 serves keep their part of the fund.
    others = max(ZERO, region_basis_last_year - sum((max(ZERO, i.basis_last_year) for i in inputs), ZERO))
    denominator = others + sum(adjusted.values(), ZERO)
    budgets = []
    for i in inputs:
        total = fen_down(medical * adjusted[i.yigongti_id] / denominator) if denominator > 0 else ZERO
        budgets.append(Budget(i.yigongti_id, fen(adjusted[i.yigongti_id]), total, fees[i.yigongti_id]))
    if denominator <= 0:
        notes.append("上年没有参保人员统筹基金支出，无法按历史费用编制预算，预算为 0。")
    return RegionBudget(year, income, reserve, available, fen(denominator), tuple(budgets), tuple(notes))


@dataclass(frozen=True)
class Month:
    period: str
    quota: Decimal  # 月度预算额度
    outside: Decimal  # 当月结算的域外统筹基金支出
    deducted: Decimal  # 本月扣减（含上月结转）
    carried: Decimal  # 结转下月扣减
    advance: Decimal  # 预付金
    disbursed: Decimal  # 拨付牵头医院 = quota − deducted + advance


def disburse(year: int, total: Decimal, outside_by_month: dict[str, Decimal], advance: Decimal = ZERO,
             through: str | None = None) -> list[Month]:
    """The months of `year` up to `through` (default December): quota, 域外 deduction, disbursed."""
    quota = fen_down(total / 12)
    out, carry = [], ZERO
    for m in range(1, 13):
        period = f"{year:04d}-{m:02d}"
        if through and period > through:
            break
        q = total - quota * 11 if m == 12 else quota
        outside = fen(outside_by_month.get(period, ZERO))
        due = carry + outside
        deducted = min(q, max(ZERO, due))
        carry = due - deducted
        adv = fen(max(ZERO, advance)) if m == 1 else ZERO
        out.append(Month(period, q, outside, deducted, carry, adv, q - deducted + adv))
    return out


@dataclass(frozen=True)
class ClearingInput:
    yigongti_id: str
    budget: Decimal
    outside: Decimal  # 全年域外统筹基金支出（服务参保人员在医共体外）
    inside: Decimal  # 全年域内统筹基金支出（服务参保人员在医共体成员单位）
    disbursed: Decimal  # 已拨付（不含预付金）
    advance: Decimal  # 预付金
    grade: Grade
    reasons: dict[str, Decimal] = field(default_factory=dict)  # overspend_* -> amount entered by the bureau


@dataclass(frozen=True)
class Clearing:
    yigongti_id: str
    grade: str
    budget: Decimal
    outside: Decimal
    inside: Decimal
    balance: Decimal  # 结余（负为超支）= budget − outside − inside
    retained: Decimal  # 结余留用
    returned: Decimal  # 结余中收回基金的部分
    overspend: Decimal
    reasonable: Decimal  # 合理超支（按医保部门认定的原因）
    shared: Decimal  # 基金分担（出自风险调节金）
    borne: Decimal  # 医共体自行承担
    receipts: Decimal  # 医共体全年应得 = budget − outside − returned + shared
    settlement: Decimal  # 年终清算拨付（负为收回）= receipts − disbursed − advance


def clear(inputs: list[ClearingInput], reserve: Decimal) -> list[Clearing]:
    """Year-end clearing of every 医共体; 合理超支 shares come from the reserve, never beyond it."""
    claims = {}
    for c in inputs:
        balance = c.budget - c.outside - c.inside
        if balance < 0:
            reasons = sum((max(ZERO, fen(c.reasons.get(k, ZERO))) for k in OVERSPEND_ITEMS), ZERO)
            reasonable = min(-balance, reasons)
            claims[c.yigongti_id] = fen_down(reasonable * c.grade.overspend_share)
    total_claims = sum(claims.values(), ZERO)
    reserve = max(ZERO, reserve)
    if total_claims > reserve:
        factor = reserve / total_claims
        claims = {k: fen_down(v * factor) for k, v in claims.items()}
    out = []
    for c in inputs:
        balance = c.budget - c.outside - c.inside
        if balance >= 0:
            retained = fen_down(balance * c.grade.retain_share)
            returned, overspend, reasonable, shared = balance - retained, ZERO, ZERO, ZERO
        else:
            retained = returned = ZERO
            overspend = -balance
            reasons = sum((max(ZERO, fen(c.reasons.get(k, ZERO))) for k in OVERSPEND_ITEMS), ZERO)
            reasonable = min(overspend, reasons)
            shared = claims[c.yigongti_id]
        receipts = c.budget - c.outside - returned + shared
        out.append(Clearing(c.yigongti_id, c.grade.name, c.budget, c.outside, c.inside, balance, retained, returned, overspend, reasonable,
                            shared, overspend - shared, receipts, receipts - c.disbursed - c.advance))
    return out
