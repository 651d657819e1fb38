"""Invariants of the settlement, on generated small years."""

from dataclasses import replace
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liangjiadi.payment.config import LEVELS, PaymentConfig
from liangjiadi.payment.model import Case, Institution
from liangjiadi.payment.settle import clear, settle
from liangjiadi.payment.standards import Standards

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STANDARDS = Standards(weights={"G1": D("0.8"), "G2": D("1.5"), "G3": D("3.2"), "B1": D("0.6")}, source={},
                      cost_per_point=D("9000"), basic_groups=frozenset({"B1"}))
money = st.decimals(min_value=D("100"), max_value=D("90000"), places=2)


@st.composite
def years(draw):
    n_inst = draw(st.integers(2, 5))
    insts = {f"H{i}": Institution(f"H{i}", draw(st.sampled_from(LEVELS))) for i in range(n_inst)}
    coefs = {c: draw(st.decimals(min_value=D("0.8"), max_value=D("1.2"), places=2)) for c in insts}
    cases = []
    for i in range(draw(st.integers(3, 40))):
        cost = draw(money)
        cases.append(Case(
            f"s{i:03d}", draw(st.sampled_from(sorted(insts))), "2025-05",
            draw(st.sampled_from(["G1", "G2", "G3", "B1", None])), cost,
            (cost * draw(st.decimals(min_value=D("0.3"), max_value=D("0.95"), places=2))).quantize(D("0.01")),
            days=draw(st.integers(1, 30)), special_ok=draw(st.booleans()),
            pay_way=draw(st.sampled_from(["drg_std"] * 8 + ["itemized", "bed_day"])),
        ))
    scheme = draw(st.sampled_from(["DRG", "DIP"]))
    cfg = PaymentConfig(scheme=scheme, institution_coefficients=coefs)
    fund = draw(st.decimals(min_value=D("100000"), max_value=D("5000000"), places=2))
    grades = {c: draw(st.sampled_from("ABCD")) for c in insts}
    return cfg, insts, cases, fund, grades


def _has_points(s):
    return s.points_total > 0 and s.fund_for_points > 0


@FAST
@given(years())
def test_payments_add_up_to_the_fund_to_the_fen(year):
    cfg, insts, cases, fund, grades = year
    s = settle(cases, insts, STANDARDS, cfg, fund, D("0.7"))
    if _has_points(s):
        assert s.total_payment == fund and s.unplaced == 0
    assert all(ir.payment == ir.payment.quantize(D("0.01")) for ir in s.institutions.values())
    clear(s, grades, cfg)
    assert s.total_final + s.fund_retained + s.unplaced == fund
    assert s.fund_retained >= 0
    assert all(ir.final_payment == ir.final_payment.quantize(D("0.01")) for ir in s.institutions.values())


@FAST
@given(years(), st.data())
def test_raising_a_coefficient_raises_the_payment_and_lowers_the_point_value(year, data):
    cfg, insts, cases, fund, _ = year
    code = data.draw(st.sampled_from(sorted(insts)))
    step = data.draw(st.decimals(min_value=D("0.05"), max_value=D("0.5"), places=2))
    raised = replace(cfg, institution_coefficients={**cfg.institution_coefficients,
                                                    code: cfg.institution_coefficients[code] + step})
    before = settle(cases, insts, STANDARDS, cfg, fund, D("0.7"))
    after = settle(cases, insts, STANDARDS, raised, fund, D("0.7"))
    assert after.institutions[code].payment >= before.institutions[code].payment
    if _has_points(before) and after.institutions[code].points > before.institutions[code].points:
        assert after.point_value < before.point_value


@FAST
@given(money, st.sampled_from(["DRG", "DIP"]), st.decimals(min_value=D("0.5"), max_value=D("1.5"), places=2))
def test_basic_groups_pay_the_same_at_every_level(cost, scheme, coef):
    # One 基层病种 case of the same cost at each level (one institution with its own 调节系数):
    # the same points, hence the same payment.
    insts = {lv: Institution(lv, lv) for lv in LEVELS}
    cfg = PaymentConfig(scheme=scheme, institution_coefficients={LEVELS[0]: coef})
    cases = [Case(f"b{i}", lv, "2025-05", "B1", cost, cost / 2) for i, lv in enumerate(LEVELS)]
    cases += [Case("o1", LEVELS[0], "2025-05", "G2", D("13500"), D("9000"))]  # a non-basic case
    s = settle(cases, insts, STANDARDS, cfg, D("100000"), D("0.7"))
    basic = [r for r in s.cases if r.case.grp_code == "B1"]
    assert len({(r.way, r.points, r.fixed) for r in basic}) == 1
    # The two institutions holding only their basic case are owed the same exact amount; to the
    # fen they may differ by the one remainder fen the documented rule places (smaller code).
    pays = sorted(s.institutions[lv].payment for lv in LEVELS[1:])
    assert pays[1] - pays[0] <= D("0.01")


@FAST
@given(years(), st.lists(st.sampled_from(["2025-01", "2025-02", "2025-03"]), min_size=40, max_size=40))
def test_running_monthly_settlement_equals_settling_the_year_to_date(year, months_of):
    # The incremental monthly settlement (one classification, the 特例单议 cap redone each
    # month) must give what settle() gives on the year-to-date cases with that month's fund.
    from liangjiadi.payment.money import fen
    from liangjiadi.payment.settle import running_payments

    cfg, insts, cases, fund, _ = year
    cases = [replace(c, month=months_of[i]) for i, c in enumerate(cases)]
    months = ["2025-01", "2025-02", "2025-03"]
    funds = [fen(fund * i / 12) for i in (1, 2, 3)]
    by_month = {m: [c for c in cases if c.month == m] for m in months}
    running = running_payments(by_month, months, funds, insts, STANDARDS, cfg, D("9000"), {})
    for i, m in enumerate(months):
        todate = [c for c in cases if c.month <= m]
        s = settle(todate, insts, STANDARDS, cfg, funds[i], D("0.7"), D("9000"))
        assert running[m] == {c: ir.payment for c, ir in sorted(s.institutions.items())}
