"""Settlement (9.2 of seeds/004): each case's way and points, the point value or rate, and the
year-end clearing per institution (结余留用 / 合理超支分担 / 质量保证金, 10.2.2).

Money flows in one direction and adds up to the fen:
  fund available F = Σ fixed payments (按项目 / 床日 / 日间手术定额) + F_points;
  F_points is split by points (largest-remainder rule, money.allocate), so
  Σ 清算应付 = F exactly; after clearing Σ 实际拨付 + 基金留存 = F exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from .config import PaymentConfig
from .model import WAYS, Case, Institution
from .money import ZERO, allocate, fen, ratio
from .standards import Standards, w4

ONE = Decimal(1)


@dataclass
class CaseResult:
    case: Case
    way: str
    points: Decimal = ZERO  # 4 decimals
    fixed: Decimal = ZERO  # fixed payment (元), outside the points
    cost_ratio: Decimal | None = None  # cost / the level's standard cost
    review: bool = False  # ≥ outlier_review: listed for expert review (专家评审)


@dataclass
class InstitutionResult:
    code: str
    level: str
    cases: dict[str, int] = field(default_factory=lambda: {w: 0 for w in WAYS})
    points: Decimal = ZERO
    fixed: Decimal = ZERO
    payment: Decimal = ZERO  # 清算应付 = points' share of F_points + fixed
    fee_for_service: Decimal = ZERO  # Σ统筹基金支付 of the same cases, item by item
    balance: Decimal = ZERO  # 盈亏 = payment − fee_for_service
    grade: str = ""
    retained: Decimal = ZERO  # 结余留用
    clawback: Decimal = ZERO  # 结余中收回
    shared_overspend: Decimal = ZERO  # 合理超支分担 (fund's share)
    cleared: Decimal = ZERO  # after 结余留用/超支分担
    deposit_withheld: Decimal = ZERO  # 质量保证金 withheld
    deposit_returned: Decimal = ZERO
    final_payment: Decimal = ZERO  # 年度清算实际拨付
    review_cases: int = 0
    special_over_cap: int = 0


@dataclass
class Settlement:
    scheme: str
    fund_available: Decimal
    fixed_total: Decimal
    fund_for_points: Decimal
    points_total: Decimal
    money_per_point: Decimal | None  # F_points / Σ points (元 of fund per point)
    point_value: Decimal | None  # DIP 结算点值 (元 of cost per point) or DRG 费率 (元 per RW)
    reimbursement_ratio: Decimal
    institutions: dict[str, InstitutionResult]
    cases: list[CaseResult]
    fund_retained: Decimal = ZERO  # 结余收回未用于分担 + 未返还的质量保证金
    unplaced: Decimal = ZERO  # F that no point carries (no 按分值 case at all); 0 normally
    notes: list[str] = field(default_factory=list)

    @property
    def total_payment(self) -> Decimal:
        return sum((r.payment for r in self.institutions.values()), ZERO)

    @property
    def total_final(self) -> Decimal:
        return sum((r.final_payment for r in self.institutions.values()), ZERO)


def _coefficients(case: Case, inst: Institution, basic: bool, cfg: PaymentConfig) -> tuple[Decimal, str]:
    """(coefficient applied to the points, level whose standard is the outlier reference).
    基层病种: the basic level's coefficient, no institution's 调节系数 (6.2.1 同病同付)."""
    if basic:
        return cfg.level_coefficient(cfg.basic_level), cfg.basic_level
    return cfg.level_coefficient(inst.level) * cfg.institution_coefficient(inst.code), inst.level


def _special_allowed(approved: list[Case], discharges: dict[str, int], cfg: PaymentConfig, cost_ratio) -> set[str]:
    """特例单议 cases paid itemised: approved ones up to the cap (DRG 5% / DIP 5‰ of an
    institution's discharges, rounded down); above the cap the highest cost ratios first."""
    by_inst: dict[str, list[Case]] = {}
    for c in approved:
        by_inst.setdefault(c.inst, []).append(c)
    allowed: set[str] = set()
    for inst, mine in by_inst.items():
        cap = int(cfg.cap * discharges.get(inst, 0))
        mine.sort(key=lambda c: (-(cost_ratio(c) or ZERO), c.setl_id))
        allowed.update(c.setl_id for c in mine[:cap])
    return allowed


def _discharges(cases: list[Case]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in cases:
        counts[c.inst] = counts.get(c.inst, 0) + 1
    return counts


def ordinary_results(cases: list[Case], institutions: dict[str, Institution], standards: Standards,
                     cfg: PaymentConfig, cost_per_point: Decimal, cache: dict | None = None) -> list[CaseResult]:
    """Each case's result were it not 特例单议 (a pure function of the case, the standards and
    the configuration), memoised in `cache` (setl_id -> result) across monthly settlements."""
    cache = {} if cache is None else cache

    def ref(case: Case):
        w = standards.weights.get(case.grp_code or "")
        if not w or case.inst not in institutions:
            return None, None
        basic = case.grp_code in standards.basic_groups
        coef, level = _coefficients(case, institutions[case.inst], basic, cfg)
        with localcontext() as c:
            c.prec = 60
            std = w * cfg.level_coefficient(level) * cost_per_point
            return coef, (case.cost / std if std > 0 else None)

    out = []
    for case in cases:
        hit = cache.get(case.setl_id)
        if hit is None:
            hit = cache[case.setl_id] = _ordinary(case, institutions, standards, cfg, ref)
        out.append(hit)
    return out


def classify(cases: list[Case], institutions: dict[str, Institution], standards: Standards,
             cfg: PaymentConfig, cost_per_point: Decimal, cache: dict | None = None) -> list[CaseResult]:
    """Each case's way of payment and points (4 decimals) or fixed payment: its ordinary result,
    or 特例单议 (itemised) when approved and within its institution's cap in this run."""
    ordinary = ordinary_results(cases, institutions, standards, cfg, cost_per_point, cache)
    ratio_of = {r.case.setl_id: r.cost_ratio for r in ordinary if r.case.special_ok}
    approved = [r.case for r in ordinary if r.case.special_ok]
    special = (_special_allowed(approved, _discharges(cases), cfg, lambda c: ratio_of[c.setl_id])
               if approved else set())
    return [CaseResult(r.case, "special", fixed=r.case.fund, cost_ratio=r.cost_ratio)
            if r.case.setl_id in special and r.way in _PAID_BY_STANDARD else r for r in ordinary]


# Ways a 特例单议 approval turns into itemised payment (bed-day and itemised cases already are).
_PAID_BY_STANDARD = ("standard", "basic", "high", "low", "day_surgery")


def _ordinary(case: Case, institutions, standards: Standards, cfg: PaymentConfig, ref) -> CaseResult:
    inst = institutions.get(case.inst)
    w = standards.weights.get(case.grp_code or "")
    if case.pay_way == "bed_day" and inst is not None:
        rate = cfg.bed_day_rates.get(inst.level, ZERO)
        return CaseResult(case, "bed_day", fixed=fen(rate * (case.days or 0)))
    if inst is None or not w or case.pay_way == "itemized":
        return CaseResult(case, "itemised", fixed=case.fund)
    coef, r = ref(case)
    basic = case.grp_code in standards.basic_groups
    if case.grp_code in cfg.day_surgery_groups and case.days is not None \
            and case.days <= cfg.day_surgery_max_days:
        std = cfg.day_surgery_groups[case.grp_code]
        if std > 0:
            return CaseResult(case, "day_surgery", fixed=std, cost_ratio=r)
        return CaseResult(case, "day_surgery", points=w4(w * coef), cost_ratio=r)
    if r is not None and r < cfg.outlier_low:
        return CaseResult(case, "low", fixed=case.fund, cost_ratio=r)
    if r is not None and r >= cfg.outlier_high:
        # 费用极高: 分值 × (cost / level standard − 2 + 1) (calibration.md, DIP outliers)
        factor = r - cfg.outlier_high + ONE
        return CaseResult(case, "high", points=w4(w * factor * coef), cost_ratio=r,
                          review=r >= cfg.outlier_review)
    return CaseResult(case, "basic" if basic else "standard", points=w4(w * coef), cost_ratio=r)


def points_value(results: list[CaseResult], institutions: dict[str, Institution], fund: Decimal,
                 scheme: str, reimbursement: Decimal) -> Settlement:
    """Split the fund: fixed payments first, the rest by points to the fen."""
    inst_res = {code: InstitutionResult(code, inst.level) for code, inst in institutions.items()}
    for r in results:
        ir = inst_res.get(r.case.inst)
        if ir is None:
            ir = inst_res[r.case.inst] = InstitutionResult(r.case.inst, "一级及以下")
        ir.cases[r.way] += 1
        ir.points += r.points
        ir.fixed += r.fixed
        ir.fee_for_service += r.case.fund
        ir.review_cases += int(r.review)
        ir.special_over_cap += int(r.case.special_ok and r.way in _PAID_BY_STANDARD)
    fixed = sum((ir.fixed for ir in inst_res.values()), ZERO)
    points = sum((ir.points for ir in inst_res.values()), ZERO)
    notes = []
    f_points = fen(fund) - fixed
    if f_points < 0:
        notes.append(f"按项目、床日等定额支付合计 {fixed} 元已超过可用基金 {fund} 元，点值为 0")
        f_points = ZERO
    if points <= 0 and f_points > 0:
        notes.append("没有按分值/权重付费的病例，可用基金无法按点数分配")
    shares = allocate(f_points, {c: ir.points for c, ir in inst_res.items()})
    for code, ir in inst_res.items():
        ir.payment = shares[code] + ir.fixed
        ir.balance = ir.payment - ir.fee_for_service
    mpp = ratio(f_points, points) if points > 0 else None
    pv = None
    if mpp is not None:
        pv = ratio(mpp, reimbursement) if scheme == "DIP" and reimbursement > 0 else mpp
    s = Settlement(scheme, fen(fund), fixed, f_points, points, mpp, pv, reimbursement, inst_res,
                   results, notes=notes)
    s.unplaced = s.fund_available - s.total_payment
    return s


def clear(s: Settlement, grades: dict[str, str], cfg: PaymentConfig) -> Settlement:
    """Year-end clearing (年度清算, 9.2.2 and 10.2.2): 结余留用 and 合理超支分担 by grade, then
    the 质量保证金 withheld and returned by grade. The fund's share of reasonable overspending is
    paid out of what the surpluses gave back; when that is not enough every share is cut in
    proportion (largest remainder). What is left, and the deposits not returned, stay in the
    fund (基金留存), so Σ 实际拨付 + 基金留存 = F to the fen."""
    want: dict[str, Decimal] = {}
    for code, ir in s.institutions.items():
        ir.grade = grades.get(code) or cfg.default_grade
        if ir.balance >= 0:
            ir.retained = fen(ir.balance * cfg.retain_share[ir.grade])
            ir.clawback = ir.balance - ir.retained
        else:
            reasonable = min(-ir.balance, ir.fee_for_service * cfg.overspend_reasonable_limit)
            want[code] = fen(reasonable * cfg.overspend_share[ir.grade])
    pool = sum((ir.clawback for ir in s.institutions.values()), ZERO)
    asked = sum(want.values(), ZERO)
    shared = want if asked <= pool else allocate(pool, want)
    if asked > pool:
        s.notes.append(f"合理超支分担申请 {asked} 元超过结余收回 {pool} 元，按比例分担")
    for code, ir in s.institutions.items():
        ir.shared_overspend = shared.get(code, ZERO)
        ir.cleared = ir.payment - ir.clawback + ir.shared_overspend
        ir.deposit_withheld = fen(max(ir.cleared, ZERO) * cfg.deposit_share)
        ir.deposit_returned = fen(ir.deposit_withheld * cfg.deposit_return[ir.grade])
        ir.final_payment = ir.cleared - ir.deposit_withheld + ir.deposit_returned
    unreturned = sum((ir.deposit_withheld - ir.deposit_returned for ir in s.institutions.values()), ZERO)
    s.fund_retained = pool - sum(shared.values(), ZERO) + unreturned
    if s.total_final + s.fund_retained + s.unplaced != s.fund_available:  # a broken invariant, not input
        raise AssertionError("清算合计与可用基金不符")
    return s


def settle(cases: list[Case], institutions: dict[str, Institution], standards: Standards,
           cfg: PaymentConfig, fund: Decimal, reimbursement: Decimal,
           cost_per_point: Decimal | None = None, cache: dict | None = None) -> Settlement:
    """Classify and split (no clearing). The outlier reference is the standards' 预算点值, else
    this year's own cost per point (Σ cost / Σ 分值 of its grouped cases)."""
    cpp = cost_per_point or standards.cost_per_point or own_cost_per_point(cases, standards)
    results = classify(cases, institutions, standards, cfg, cpp or ONE, cache)
    return points_value(results, institutions, fund, cfg.scheme, reimbursement)


def own_cost_per_point(cases: list[Case], standards: Standards) -> Decimal | None:
    cost = sum((c.cost for c in cases if standards.weights.get(c.grp_code or "")), ZERO)
    pts = sum((standards.weights.get(c.grp_code or "", ZERO) for c in cases), ZERO)
    return ratio(cost, pts) if pts > 0 else None


def running_payments(cases_by_month: dict[str, list[Case]], months: list[str], funds: list[Decimal],
                     institutions: dict[str, Institution], standards: Standards, cfg: PaymentConfig,
                     cost_per_point: Decimal, cache: dict) -> dict[str, dict[str, Decimal]]:
    """Each month's year-to-date 清算应付 per institution (the monthly settlements), equal to
    settle() on the year-to-date cases with that month's fund, computed incrementally: a case's
    way is computed once; only the 特例单议 cap is redone each month (tests hold the two equal)."""
    points = {c: ZERO for c in institutions}
    fixed = {c: ZERO for c in institutions}
    counts: dict[str, int] = {}
    approved: list[CaseResult] = []
    out: dict[str, dict[str, Decimal]] = {}
    for month, fund in zip(months, funds):
        for o in ordinary_results(cases_by_month.get(month, []), institutions, standards, cfg,
                                  cost_per_point, cache):
            inst = o.case.inst
            points[inst] = points.get(inst, ZERO) + o.points
            fixed[inst] = fixed.get(inst, ZERO) + o.fixed
            counts[inst] = counts.get(inst, 0) + 1
            if o.case.special_ok:
                approved.append(o)
        pts, fix = dict(points), dict(fixed)
        by_id = {o.case.setl_id: o for o in approved}
        for sid in _special_allowed([o.case for o in approved], counts, cfg, lambda c: by_id[c.setl_id].cost_ratio):
            o = by_id[sid]
            if o.way in _PAID_BY_STANDARD:
                pts[o.case.inst] -= o.points
                fix[o.case.inst] += o.case.fund - o.fixed
        f_points = fen(fund) - sum(fix.values(), ZERO)
        shares = allocate(max(f_points, ZERO), pts)
        out[month] = {c: shares.get(c, ZERO) + fix[c] for c in sorted(fix)}
    return out
