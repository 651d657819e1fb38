"""Standards from history, assessment, monitoring and configuration, each on a few hand cases."""

from decimal import Decimal as D

import pytest

from liangjiadi.payment.assess import OPTIONAL_INPUTS, assess, readmission_flags
from liangjiadi.payment.config import PaymentConfig, load, parse_set
from liangjiadi.payment.errors import PaymentError
from liangjiadi.payment.model import Case, Institution
from liangjiadi.payment.monitor import monthly
from liangjiadi.payment.settle import settle
from liangjiadi.payment.standards import adjustments, build, reference_weights


def c(sid, inst, grp, cost, month="2025-03", **kw):
    return Case(sid, inst, month, grp, D(cost), D(cost) * D("0.7"), **kw)


def test_history_weights_years_1_2_7():
    cfg = PaymentConfig()
    # G1 mean 1000 / 2000 / 3000 in 2022 / 2023 / 2024; G2 always 4000.
    history = {
        2022: [c("x1", "A", "G1", 1000), c("x2", "A", "G2", 4000)],
        2023: [c("y1", "A", "G1", 2000), c("y2", "A", "G2", 4000)],
        2024: [c("z1", "A", "G1", 3000), c("z2", "A", "G2", 4000), c("z3", "A", "G3", 5000)],
    }
    weights = reference_weights(2025, cfg)
    assert weights == {2022: D(1), 2023: D(2), 2024: D(7)}
    st = build(history, weights, {"G9": D("1.5")}, cfg)
    # G1 mean (1000 + 2×2000 + 7×3000)/10 = 2600; overall means 2500, 3000, 4000 → 3650.
    # G3 only in 2024 (weight 7 alone): 5000.
    assert st.weights["G1"] == D("0.7123")  # 2600 / 3650
    assert st.weights["G2"] == D("1.0959")  # 4000 / 3650
    assert st.weights["G3"] == D("1.3699")  # 5000 / 3650
    assert st.weights["G9"] == D("1.5000") and st.source["G9"] == "catalog"
    # 预算点值 = (5000 + 2×6000 + 7×12000) / (1.8082 + 2×1.8082 + 7×(1.8082 + 1.3699))
    #         = 101000 / 27.6713 = 3649.99
    assert st.cost_per_point.quantize(D("0.01")) == D("3649.99")


def test_catalogue_source_and_no_history():
    cfg = PaymentConfig(standards_source="catalog")
    st = build({2024: [c("z1", "A", "G1", 3000)]}, {2024: D(7)}, {"G1": D("2")}, cfg)
    assert st.weights == {"G1": D("2.0000")} and st.source["G1"] == "catalog"


def test_dynamic_adjustment_lists_the_moved_group():
    cfg = PaymentConfig(adjustment_min_cases=2)
    st = build({2024: [c("a", "A", "G1", 1000), c("b", "A", "G2", 3000)]}, {2024: D(1)}, {}, cfg)
    # this year G1 doubles to 2000 while G2 stays: mean 2500 → G1 0.8 against 0.5
    year = [c(f"g{i}", "A", "G1", 2000) for i in range(2)] + [c(f"h{i}", "A", "G2", 3000) for i in range(2)]
    adj = adjustments(st, year, cfg)
    assert [(a.grp_code, a.current, a.proposed) for a in adj] == [("G1", D("0.5000"), D("0.8000"))]


def test_readmission_counts_against_the_first_discharge():
    cases = [
        c("1", "A", "G1", 1000, psn="p", admitted="2025-03-01", discharged="2025-03-05"),
        c("2", "B", "G1", 1000, psn="p", admitted="2025-03-15", discharged="2025-03-20"),  # 10 days later
        c("3", "B", "G1", 1000, psn="p", admitted="2025-04-30", discharged="2025-05-02"),  # 41 days later
        c("4", "A", "G2", 1000, psn="q", admitted="2025-03-01", discharged="2025-03-02"),
        c("5", "A", "G2", 1000, psn="q", admitted="2025-03-10", discharged="2025-03-12"),  # same inst and group
    ]
    any_, split, usable = readmission_flags(cases)
    assert any_ == {"1", "4"} and split == {"4"} and usable


def test_assessment_says_missing_and_grades():
    cfg = PaymentConfig()
    insts = {"A": Institution("A", "三级"), "B": Institution("B", "二级")}
    cases = [c("a", "A", "G1", 1000, days=5), c("b", "B", "G1", 2000, days=10)]
    st = build({}, {}, {"G1": D("1")}, cfg)
    s = settle(cases, insts, st, cfg, D("2000"), D("0.7"), cost_per_point=D("1500"))
    result, region = assess(cases, [], s.cases, insts, st, cfg)
    a = result["A"]
    for key in OPTIONAL_INPUTS:
        assert a.indicators[key].value is None and a.indicators[key].note
    assert a.indicators["cost_growth"].value is None  # no last year: not invented
    assert a.indicators["readmission_15d"].value is None  # no person or dates
    assert a.indicators["mean_los"].value == D("5")
    # A is cheaper and shorter than the region (1500, 7.5 days): full marks there
    assert a.indicators["mean_cost"].score == D("100.00") and a.indicators["mean_los"].score == D("100.00")
    assert result["B"].indicators["mean_cost"].score == D("75.00")  # 100 × 1500 / 2000
    assert a.grade == cfg.grade_of(a.score)


def test_grade_thresholds():
    cfg = PaymentConfig()
    assert [cfg.grade_of(D(x)) for x in ("95", "90", "89.99", "75", "10")] == ["A", "A", "B", "C", "D"]
    assert cfg.grade_of(None) is None


def test_monitoring_warns_against_the_pro_rata_budget():
    cfg = PaymentConfig()
    # F 12000 → 1000 a month. Jan fund 700 (ok), Feb +1470 = 2170 vs 2000 (1.085: warn),
    # Mar +1050 = 3220 vs 3000 (1.0733: warn), Apr +2100 = 5320 vs 4000 (1.33: severe)
    cases = [c("1", "A", "G1", 1000, month="2025-01"), c("2", "A", "G1", 2100, month="2025-02"),
             c("3", "A", "G1", 1500, month="2025-03"), c("4", "A", "G1", 3000, month="2025-04")]
    rows = monthly(cases, 2025, D("12000"), cfg, through="2025-04")
    assert [r.status for r in rows] == ["ok", "warn", "warn", "severe"]
    assert rows[1].ratio == D("1.0850")


def test_configuration_file_and_set(tmp_path):
    p = tmp_path / "payment.toml"
    p.write_text('scheme = "dip"\nreference_weights = [3, 7]\n[level_coefficients]\n"二级" = 0.9\n'
                 '[retain_share]\nD = 0.2\n', encoding="utf-8")
    cfg = load(p)
    assert cfg.scheme == "DIP" and cfg.reference_weights == (D(3), D(7))
    assert cfg.level_coefficients == {"三级": D("1.00"), "二级": D("0.9"), "一级及以下": D("0.70")}
    assert cfg.retain_share["D"] == D("0.2") and cfg.retain_share["A"] == D("1")
    assert cfg.cap == D("0.005")
    assert parse_set(["fund_available=5000000", "level_coefficients.二级=0.95", "scheme=DRG"]) == {
        "fund_available": 5000000, "level_coefficients": {"二级": 0.95}, "scheme": "DRG"}


@pytest.mark.parametrize("text, says", [
    ("scheme = 'DRG'\nprepay_share = 1.5\n", "prepay_share 是比例"),
    ("scheme = \n", "不是有效的 TOML"),
    ("reference_weights = []\n", "reference_weights"),
    ("basic_level = '四级'\n", "basic_level"),
])
def test_bad_configuration_file_names_the_file_and_the_rule(tmp_path, text, says):
    p = tmp_path / "payment.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(PaymentError) as e:
        load(p)
    assert str(p) in str(e.value) and says in str(e.value)


def test_bad_set_is_refused():
    with pytest.raises(PaymentError):
        parse_set(["fund_available"])
