"""Hand-worked small years (DIP and DRG): every figure below is worked out by hand in the
comments from the cases listed, and the settlement must reproduce it to the fen."""

from decimal import Decimal as D

import pytest

from liangjiadi.payment.config import PaymentConfig
from liangjiadi.payment.model import Case, Institution
from liangjiadi.payment.settle import clear, settle
from liangjiadi.payment.standards import Standards

LEVELS = {"三级": D("1.0"), "二级": D("0.8"), "一级及以下": D("0.6")}
CATALOG = Standards(weights={"G1": D("1"), "G2": D("2"), "G3": D("0.5")},
                    source={}, cost_per_point=D("10000"), basic_groups=frozenset({"G3"}))


def c(setl_id, inst, grp, cost, fund, **kw):
    return Case(setl_id, inst, "2025-06", grp, D(cost), D(fund), **kw)


def dip_year():
    cfg = PaymentConfig(scheme="DIP", level_coefficients=LEVELS, institution_coefficients={"A": D("1.1")})
    insts = {"A": Institution("A", "三级"), "B": Institution("B", "二级"), "C": Institution("C", "一级及以下")}
    cases = [
        c("a1", "A", "G1", 10000, 7000),   # std 1×1.0×10000 → r 1: standard, 1×1.0×1.1 = 1.1
        c("a2", "A", "G2", 50000, 40000),  # std 20000 → r 2.5: high, 2×(2.5−2+1)×1.1 = 3.3
        c("a3", "A", "G3", 4000, 3000),    # 基层: 0.5×0.8 (二级, no 调节系数) = 0.4
        c("b1", "B", "G1", 3000, 2000),    # std 8000 → r 0.375: low, itemised 2000
        c("b2", "B", "G2", 16000, 12000),  # std 16000 → r 1: 2×0.8 = 1.6
        c("b3", "B", "G3", 4000, 3000),    # 基层 0.4
        c("c1", "C", "G3", 4000, 3200),    # 基层 0.4
        c("c2", "C", None, 1000, 800),     # 未入组: itemised 800
    ]
    return cfg, insts, cases


def test_dip_hand_year():
    cfg, insts, cases = dip_year()
    # Σ points 7.2, fixed 2800; F 74800 → F_points 72000 → 10000 元 of fund per point;
    # 结算点值 = 10000 / 0.8 (reimbursement) = 12500 元 of cost per point.
    s = settle(cases, insts, CATALOG, cfg, D("74800"), D("0.8"))
    assert s.points_total == D("7.2") and s.fixed_total == D("2800")
    assert s.money_per_point == D("10000") and s.point_value == D("12500")
    a, b, cc = (s.institutions[k] for k in "ABC")
    assert [a.cases["standard"], a.cases["high"], a.cases["basic"]] == [1, 1, 1]
    assert [b.cases["low"], cc.cases["itemised"]] == [1, 1]
    assert (a.points, b.points, cc.points) == (D("4.8"), D("2.0"), D("0.4"))
    assert (a.payment, b.payment, cc.payment) == (D("48000"), D("22000"), D("4800"))
    assert (a.fee_for_service, b.fee_for_service, cc.fee_for_service) == (D("50000"), D("17000"), D("4000"))
    assert (a.balance, b.balance, cc.balance) == (D("-2000"), D("5000"), D("800"))
    clear(s, {"A": "A", "B": "B", "C": "C"}, cfg)
    # B keeps 5000×0.8 = 4000 (1000 back), C 800×0.6 = 480 (320 back): pool 1320.
    # A asks min(2000, 10%×50000)×0.7 = 1400 > 1320: gets the whole pool, 1320.
    assert (b.retained, b.clawback, cc.retained, cc.clawback) == (D("4000"), D("1000"), D("480"), D("320"))
    assert a.shared_overspend == D("1320")
    assert (a.cleared, b.cleared, cc.cleared) == (D("49320"), D("21000"), D("4480"))
    # 质量保证金 5%: A 2466 all back; B 1050, 80% back (840); C 224, 50% back (112).
    assert (a.deposit_withheld, b.deposit_withheld, cc.deposit_withheld) == (D("2466.00"), D("1050.00"), D("224.00"))
    assert (a.final_payment, b.final_payment, cc.final_payment) == (D("49320"), D("20790"), D("4368"))
    assert s.fund_retained == D("322")  # deposits kept 210 + 112; pool fully used
    assert s.total_final + s.fund_retained == D("74800")


def drg_year(scheme="DRG"):
    cfg = PaymentConfig(scheme=scheme, level_coefficients=LEVELS,
                        day_surgery_groups={"G1": D("0"), "G3": D("2500")})
    insts = {"A": Institution("A", "三级"), "B": Institution("B", "二级")}
    cases = [c(f"a{i:02d}", "A", "G1", 10000, 7000, days=5) for i in range(18)]  # 18 × RW 1
    cases += [
        c("s1", "A", "G2", 30000, 25000, days=9, special_ok=True),    # r 1.5
        c("s2", "A", "G2", 120000, 100000, days=30, special_ok=True),  # r 6
        c("b1", "B", "G2", 9000, 3000, days=10, pay_way="bed_day"),   # 10 days × 330 (二级)
        c("b2", "B", "G1", 7000, 5000, days=1),                       # 日间手术 by points: 1×0.8
        c("b3", "B", "G3", 3000, 2400, days=1),                       # 日间手术 定额 2500
        c("b4", "B", "G2", 16000, 12000, days=6),                     # standard 2×0.8 = 1.6
    ]
    return cfg, insts, cases


def test_drg_hand_year():
    cfg, insts, cases = drg_year()
    # A has 20 discharges: cap int(5%×20) = 1 特例单议, the higher ratio (s2, itemised 100000);
    # s1 is paid by its RW (r 1.5 is normal): A's points 18 + 2 = 20.
    # B: fixed 3300 + 2500; points 0.8 + 1.6 = 2.4. Σ points 22.4, fixed 105800.
    # F 329800 → F_points 224000 → 费率 10000 元 per RW.
    s = settle(cases, insts, CATALOG, cfg, D("329800"), D("0.75"))
    a, b = s.institutions["A"], s.institutions["B"]
    assert s.point_value == D("10000")  # DRG: the rate is per RW, no reimbursement ratio
    assert (a.cases["special"], a.cases["standard"], a.points) == (1, 19, D("20"))
    assert (b.cases["bed_day"], b.cases["day_surgery"], b.points, b.fixed) == (1, 2, D("2.4"), D("5800"))
    assert (a.payment, b.payment) == (D("300000"), D("29800"))
    assert (a.fee_for_service, b.fee_for_service) == (D("251000"), D("22400"))
    assert (a.balance, b.balance) == (D("49000"), D("7400"))
    clear(s, {"A": "A", "B": "D"}, cfg)
    # A keeps all 49000; B (D) keeps 40%: 2960, 4440 back. No overspend to share.
    assert (a.retained, b.retained, b.clawback) == (D("49000"), D("2960"), D("4440"))
    # deposit 5%: A 15000 returned; B 1268 kept (D returns 0).
    assert (a.final_payment, b.final_payment) == (D("300000"), D("24092"))
    assert s.fund_retained == D("5708")
    assert s.total_final + s.fund_retained == D("329800")


def test_dip_cap_is_per_mille():
    # The same A under DIP: 5‰ of 20 discharges rounds down to 0 特例单议; s2 (r 6) is a high
    # outlier listed for expert review: 2×(6−2+1) = 10 points.
    cfg, insts, cases = drg_year("DIP")
    s = settle(cases, insts, CATALOG, cfg, D("329800"), D("0.75"))
    a = s.institutions["A"]
    assert a.cases["special"] == 0 and a.cases["high"] == 1 and a.review_cases == 1
    assert a.points == D("18") + D("2") + D("10")


def test_remainder_goes_to_largest_remainders_then_smaller_code():
    cfg = PaymentConfig(scheme="DRG", level_coefficients=LEVELS)
    insts = {k: Institution(k, "三级") for k in ("X", "Y", "Z")}
    cases = [c(k.lower(), k, "G1", 10000, 7000) for k in ("Z", "Y", "X")]
    s = settle(cases, insts, CATALOG, cfg, D("100"), D("1"))
    assert [s.institutions[k].payment for k in ("X", "Y", "Z")] == [D("33.34"), D("33.33"), D("33.33")]


@pytest.mark.parametrize("bad", [{"scheme": "FFS"}, {"outlier_low": 3}, {"retain_share": {"A": 2}},
                                 {"level_coefficients": {"四级": 1}}, {"no_such_key": 1}])
def test_bad_configuration_is_a_chinese_error(bad):
    from liangjiadi.payment.config import apply
    from liangjiadi.payment.errors import PaymentError

    with pytest.raises(PaymentError) as e:
        apply(PaymentConfig(), bad, "测试配置")
    assert "测试配置" in str(e.value.message if hasattr(e.value, "message") else e.value)


def test_institution_overspend_risk():
    from dataclasses import replace

    from liangjiadi.payment.monitor import institution_risk

    cfg, insts, cases = dip_year()
    s = settle(cases, insts, CATALOG, cfg, D("74800"), D("0.8"))
    # A: 50000 item by item against 48000 settled = 1.0417: under 5% ok, over 4% a warning
    risks = {x.code: x for x in institution_risk(s, cfg)}
    assert risks["A"].ratio == D("1.0417") and risks["A"].status == "ok"
    assert risks["B"].status == "ok"
    risks = {x.code: x for x in institution_risk(s, replace(cfg, monitor_warn=D("0.04")))}
    assert risks["A"].status == "warn"
