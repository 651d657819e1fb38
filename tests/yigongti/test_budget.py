"""A hand-worked year of 医共体 Y1 (handbuilt.py), and the invariants of the budget (seeds/003:
以收定支、预留风险调节金、当期不编制赤字预算; 结余留用、合理超支分担).

Hand figures for 2025:
  income = 2024-12 income_total 60000 + 40000 = 100000; 风险调节金 10% = 10000; available 90000
  签约服务费 50 × 12 = 600 → 89400 for budgets
  Y1 basis: 2024 统筹 of A's insured 10000 + 5400 + 60 = 15460, × 100 / 90 served = 17177.78
  others: every local insured's 2024 统筹 50060 − 15460 = 34600 (Y2 is not 紧密型 in 2025)
  budget = 89400 × 15460·(100/90) / (34600 + 15460·(100/90)) = 89400 × 154600 / 466000 = 29659.31 (down)
  months: 29659.31 / 12 = 2471.60 (down), December 2471.71
  域外 (outside the 医共体): Apr 50 (pharmacy) May 250 Jul 3600 Aug 11000 Dec 6500 = 21400
  deducted: Apr 50, May 250, Jul..Nov 2471.60 each, Dec 2471.71 = 15129.71; carried 6270.29
  disbursed (without 预付金 5000) = 29659.31 − 15129.71 = 14529.60
  域内 (members L1, M1): 6000 + 5000 − 500 + 1500 + 150 + 120 + 60 = 12330
  balance = 29659.31 − 21400 − 12330 = −4070.69; reasons 1000 + 2000 = 3000 合理
  grade 良好 (81.13) shares 50% → 1500.00 from the reserve; 医共体 bears 2570.69
  receipts = 29659.31 − 21400 + 1500 = 9759.31; clearing = 9759.31 − 14529.60 − 5000 = −9770.29
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liangjiadi.yigongti import service
from liangjiadi.yigongti.budget import BudgetInput, ClearingInput, allocate, clear, disburse
from liangjiadi.yigongti.rules import DEFAULT_GRADES, Rules

from . import handbuilt as hb


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return service.load_year(hb.settings(hb.build(tmp_path_factory.mktemp("ygt"))), hb.YEAR)


def test_hand_worked_year(data):
    rb = service.budget(data)
    assert (rb.income, rb.reserve, rb.available) == (D("100000.00"), D("10000.00"), D("90000.00"))
    b = rb.of("Y1")
    assert b.family_doctor_fee == D("600.00")
    assert b.total == D("29659.31")
    assert [x.yigongti_id for x in rb.budgets] == ["Y1"]  # Y2 is 紧密型 only from 2026
    months = service.disbursements(data, rb)["Y1"]
    assert len(months) == 12
    assert [m.quota for m in months] == [D("2471.60")] * 11 + [D("2471.71")]
    assert months[0].advance == D("5000.00") and months[0].disbursed == D("7471.60")
    assert [m.deducted for m in months] == [D(0)] * 3 + [D("50.00"), D("250.00"), D(0)] + [D("2471.60")] * 5 + [D("2471.71")]
    assert months[-1].carried == D("6270.29")
    assert sum(m.disbursed - m.advance for m in months) == D("14529.60")
    [c] = service.settle(data, rb, service.assessments(data))
    assert c.grade == "良好"
    assert (c.balance, c.reasonable, c.shared, c.borne) == (D("-4070.69"), D("3000.00"), D("1500.00"), D("2570.69"))
    assert (c.retained, c.returned) == (D(0), D(0))
    assert (c.receipts, c.settlement) == (D("9759.31"), D("-9770.29"))


def test_surplus_is_retained_at_the_grade_share():
    good, fair = DEFAULT_GRADES[0], DEFAULT_GRADES[2]
    [a, b] = clear([ClearingInput("A", D(1000), D(200), D(500), D(800), D(0), good),
                    ClearingInput("B", D(1000), D(200), D(500), D(800), D(0), fair)], reserve=D(0))
    assert (a.balance, a.retained, a.returned) == (D(300), D("300.00"), D("0.00"))
    assert (b.retained, b.returned) == (D("180.00"), D("120.00"))  # 合格 keeps 60%
    assert b.receipts == D("680.00") and b.settlement == D("-120.00")


def test_overspend_without_reasons_is_not_shared():
    [c] = clear([ClearingInput("A", D(1000), D(700), D(500), D(300), D(0), DEFAULT_GRADES[0])], reserve=D(10000))
    assert c.overspend == D(200) and c.shared == 0 and c.borne == D(200)


def test_shares_never_exceed_the_reserve():
    g = DEFAULT_GRADES[0]  # 60%
    reasons = {"overspend_policy": D(1000)}
    out = clear([ClearingInput("A", D(0), D(0), D(1000), D(0), D(0), g, reasons),
                 ClearingInput("B", D(0), D(0), D(1000), D(0), D(0), g, reasons)], reserve=D(900))
    assert sum(c.shared for c in out) <= D(900)
    assert [c.shared for c in out] == [D("450.00"), D("450.00")]


def test_budget_refuses_without_income(tmp_path):
    from liangjiadi.yigongti.units import YigongtiError

    work = hb.build(tmp_path)
    data = service.load_year(hb.settings(work), 2026)  # no 2025-12 fund report
    with pytest.raises(YigongtiError, match="以收定支"):
        service.budget(data)


money = st.decimals(min_value=D("-1000"), max_value=D("100000000"), places=2, allow_nan=False, allow_infinity=False)
count = st.one_of(st.none(), st.integers(min_value=0, max_value=10**6))


@settings(max_examples=200, deadline=None)
@given(income=money, region_basis=money, rate=st.decimals(min_value=0, max_value=1, places=2),
       units=st.lists(st.tuples(money, count, count, money), min_size=1, max_size=6))
def test_budget_never_negative_nor_in_deficit(income, region_basis, rate, units):
    rules = Rules(risk_reserve_rate=rate)
    inputs = [BudgetInput(f"Y{i}", basis, now, last, fee) for i, (basis, now, last, fee) in enumerate(units)]
    rb = allocate(2025, income, region_basis, inputs, rules)
    assert rb.reserve >= 0 and rb.available >= 0
    for b in rb.budgets:
        assert b.total >= 0 and b.family_doctor_fee >= 0
    assert rb.committed + rb.reserve <= max(income, D(0)) + D("0.005")  # 以收定支, never a deficit
    assert rb.committed <= rb.available


@settings(max_examples=200, deadline=None)
@given(total=st.decimals(min_value=0, max_value=D("10000000"), places=2),
       outside=st.lists(st.decimals(min_value=0, max_value=D("5000000"), places=2), min_size=12, max_size=12),
       advance=st.decimals(min_value=0, max_value=D("100000"), places=2))
def test_months_never_pay_more_than_the_budget(total, outside, advance):
    by_month = {f"2025-{m:02d}": v for m, v in zip(range(1, 13), outside)}
    months = disburse(2025, total, by_month, advance)
    assert all(m.disbursed >= 0 and m.deducted >= 0 for m in months)
    assert sum(m.quota for m in months) == total
    assert sum(m.disbursed for m in months) == total - sum(m.deducted for m in months) + advance
    assert sum(m.deducted for m in months) + months[-1].carried == sum(outside)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.decimals(min_value=0, max_value=D("1000000"), places=2),
                               st.decimals(min_value=0, max_value=D("1000000"), places=2),
                               st.decimals(min_value=0, max_value=D("1000000"), places=2),
                               st.decimals(min_value=0, max_value=D("1000000"), places=2),
                               st.integers(min_value=0, max_value=3)), min_size=1, max_size=5),
       reserve=st.decimals(min_value=0, max_value=D("1000000"), places=2))
def test_clearing_stays_within_budget_and_reserve(rows, reserve):
    inputs = [ClearingInput(f"Y{i}", b, o, n, D(0), D(0), DEFAULT_GRADES[g], {"overspend_volume": r})
              for i, (b, o, n, r, g) in enumerate(rows)]
    out = clear(inputs, reserve)
    assert sum(c.shared for c in out) <= reserve
    for c, i in zip(out, inputs):
        assert c.retained >= 0 and c.returned >= 0 and c.shared >= 0 and c.borne >= 0
        # what the fund pays for this 医共体 (域外 + receipts) never passes its budget plus its share
        assert i.outside + c.receipts <= i.budget + c.shared
