"""Fund outlook on the hand-built fund report (handbuilt.py): every figure worked out by hand.

Employee: monthly income 100 (2024) / 110 (2025), expense 80 / 95, opening balance 1000.
Resident: income 50 / 50, expense 48 / 55, opening balance 200. P = 2025-06.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from liangjiadi.analysis import fund_outlook
from liangjiadi.analysis.common import AnalysisError
from liangjiadi.analysis.fund_outlook import flow_history, fund_balance, month_flow, project_fund

from . import handbuilt as hb


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return hb.build(tmp_path_factory.mktemp("fund"))


@pytest.fixture(scope="module")
def outlook(region):
    return fund_outlook(region, hb.P, income_budget={"contribution": 1200}, repetitions=200)


def _report(last=hb.P):
    return {(r["period"], r["fund"], r["item"]): D(r["amount"]) for r in hb.fund_reports(last)}


def test_monthly_flows_from_cumulative():
    rep = _report()
    assert month_flow(rep, "employee", "income_total", "2025-01") == 110  # January = cumulative
    assert month_flow(rep, "employee", "income_total", "2025-03") == 110  # 330 - 220
    assert month_flow(rep, "employee", "expense_total", "2024-12") == 80
    hist = flow_history(rep, "resident", "expense_total", "2025-06")
    assert len(hist) == 18 and hist[0] == ("2024-01", 48) and hist[-1] == ("2025-06", 55)


def test_months_payable_and_dynamic_balance(outlook):
    emp, res = outlook.balances
    # employee: balance 1000 + 12 × 20 + 6 × 15 = 1330; mean expense of 2024-07..2025-06 = 87.5
    assert emp.balance_cumulative == D("1330")
    assert emp.avg_monthly_expense_12m == D("87.5")
    assert emp.months_payable == pytest.approx(1330 / 87.5)
    assert emp.dynamic_balance_12m == D("210")  # 6 × 20 + 6 × 15
    assert emp.income_yoy == pytest.approx(0.10) and emp.expense_yoy == pytest.approx(570 / 480 - 1)
    assert emp.growth_gap == pytest.approx(0.10 - (570 / 480 - 1))
    assert any("支出增幅" in w for w in emp.warnings)
    # resident: 200 + 12 × 2 − 6 × 5 = 194; mean expense 51.5 -> 3.77 months: below 6, a warning
    assert res.balance_cumulative == D("194")
    assert res.months_payable == pytest.approx(194 / 51.5)
    assert res.dynamic_balance_12m == D("-18")  # 6 × 2 − 6 × 5
    assert any("低于 6 个月" in w for w in res.warnings)
    assert any("动态结余为负" in w for w in res.warnings)


def test_income_channels_and_arrival_rate(outlook):
    ch = {c.key: c for c in outlook.income_channels}
    assert ch["contribution"].ytd == D("594") and ch["contribution"].ytd_last_year == D("540")
    assert ch["contribution"].yoy == pytest.approx(0.10)
    assert ch["personal"].ytd == D("120")
    assert ch["fiscal"].ytd == D("150")  # (15 + 5 + 5) × 6
    assert ch["other"].ytd == D("96") and ch["other"].ytd_last_year == D("90")
    assert outlook.income_ytd == D("960")
    assert ch["contribution"].share == pytest.approx(594 / 960)
    # 到位率 = 594 / (1200 × 6 / 12)
    assert ch["contribution"].expected_to_date == D("600")
    assert ch["contribution"].arrival_rate == pytest.approx(0.99)
    assert ch["personal"].arrival_rate is None  # no budget given for that channel


def test_budget_execution(outlook):
    be = outlook.budget_execution
    # budget 2025: 1000 + 500 + 100 (drg_dip_pool is part of ipt_pool); pool expense 6 × 80 + 6 × 45
    assert be.budget_total == D("1600") and be.expense_ytd == D("750")
    assert be.execution_rate == pytest.approx(750 / 800)


def test_expense_structure_by_level_and_direction(outlook):
    lv = {i.key: i for i in outlook.expense_by_level.items}
    # 2025-01..06, hifp_pay (70% of each case; other region's insured E5 and the invalid N3 excluded)
    assert lv["三级"].after == D("140700")  # (92000 + 5000 − 10000 + 38000 + 76000) × 0.7
    assert lv["二级"].after == D("29600")  # (24000 + 18000) × 0.7 + 200 outpatient
    assert lv["一级及以下"].after == D("3600")  # 3500 + 100 门诊慢特病
    assert lv["定点药店"].after == D("50")
    assert lv["异地就医"].after == D("54200")  # 300 + 77000 × 0.7 at region O's hospital
    assert outlook.expense_by_level.after_total == D("228150")
    assert lv["三级"].before == D("35700") and lv["二级"].before == D("9900") and lv["异地就医"].before == D("100")
    assert lv["三级"].after_share == pytest.approx(140700 / 228150)
    d = {i.key: i for i in outlook.expense_by_direction.items}
    assert (d["ipt"].after, d["otp"].after, d["chronic"].after, d["pharm"].after, d["elsewhere"].after) == (
        D("173600"), D("200"), D("100"), D("50"), D("54200"))
    assert d["ipt"].label == "住院" and d["chronic"].label == "门诊慢特病"


def test_forecast_short_history_falls_back_and_warns(outlook):
    emp, res = outlook.forecasts
    assert res.history_months == 18 and res.method == "holt_damped"
    assert "不足 24 个月" in res.method_note
    assert [m.period for m in res.months][:2] == ["2025-07", "2025-08"] and len(res.months) == 12
    # resident: income 50 against expense 55 -> a deficit every month; balance 194 runs down
    assert res.balance_12m < 0
    assert all(m.balance_lower <= m.balance <= m.balance_upper for m in res.months)
    assert res.months_payable_end is not None and res.months_payable_end < 6
    assert any("收不抵支" in w for w in res.warnings)
    assert any("收不抵支" in w for w in outlook.warnings)
    assert emp.balance_12m > 0


def test_very_short_history_uses_the_mean():
    rep = _report("2024-03")
    fc = project_fund(rep, "employee", "2024-03", repetitions=50)
    assert fc.method == "mean" and fc.history_months == 3
    assert fc.months[0].income == pytest.approx(100) and fc.months[0].expense == pytest.approx(80)
    assert fc.months[-1].cumulative_balance == pytest.approx(1060 + 12 * 20)


def test_fund_balance_without_last_year():
    b = fund_balance(_report("2024-06"), "employee", "2024-06")
    assert b.income_yoy is None and b.months_payable is None and b.dynamic_balance_12m is None


def test_missing_report_is_a_clear_error(region):
    with pytest.raises(AnalysisError, match="基金报表"):
        fund_outlook(region, "2026-01")


def test_outlook_is_plain_data(outlook):
    d = outlook.to_dict()
    assert d["balances"][0]["fund"] == "employee"
    assert isinstance(d["forecasts"][1]["months"][0]["income"], float)


def test_no_growth_against_an_incomplete_year_to_date_of_last_year():
    """Issue 9 (“同比 +1222%”): a lake whose last year starts in June holds half a year in its
    2024-06 “year to date”; a growth rate against it is not computed (nor its warning)."""
    rep = {k: v for k, v in _report().items() if k[0] >= "2024-06"}
    b = fund_balance(rep, "employee", "2025-06")
    assert b.income_yoy is None and b.expense_yoy is None and not any("增幅" in w for w in b.warnings)
    full = fund_balance(_report(), "employee", "2025-06")
    assert full.income_yoy == pytest.approx(0.1)  # 660 / 600 − 1 with the whole of 2024 to June
