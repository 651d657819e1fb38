"""The assessment's optional inputs, worked by hand (Decimal, to 4 places as the assessment
shows them): 并发症发生率 from setl_diag, 三四级手术占比 from oprn_grade, 患者满意度 from
patient_satisfaction, 编码问题疑点数 from the detectors' findings (seeds/004 10.1 b, c, d)."""

from decimal import Decimal as D

from liangjiadi.payment.assess import OPTIONAL_INPUTS, assess
from liangjiadi.payment.config import PaymentConfig
from liangjiadi.payment.model import AssessInputs, Case, Institution
from liangjiadi.payment.settle import settle
from liangjiadi.payment.standards import build

INSTS = {"A": Institution("A", "三级"), "B": Institution("B", "二级")}


def c(sid, inst, oprn=None, diag=True, comp=False):
    return Case(sid, inst, "2025-06", "G1", D("1000"), D("700"), days=5, oprn_code=oprn, diag_supplied=diag,
                complication=comp)


CASES = [
    c("a1", "A", "O1", comp=True), c("a2", "A", "O3"), c("a3", "A", "X9", diag=False),
    c("b1", "B", "O2"), c("b2", "B", "O2", comp=True), c("b3", "B", "O4"), c("b4", "B", None),
]
EXTRAS = AssessInputs(
    diag_supplied=True,
    oprn_grades={"O1": "4", "O2": "3", "O3": "2", "O4": "1"},
    satisfaction={"A": (90, 100), "B": (45, 60)},
    findings={"2025-11": {"A": {"upcoding_severity": 5}},
              "2025-12": {"A": {"upcoding_severity": 1, "upcoding_diagnosis": 1, "readmission_15d": 3}, "B": {}}},
)


def _assess(extras):
    cfg = PaymentConfig()
    st = build({}, {}, {"G1": D("1")}, cfg)
    s = settle(CASES, INSTS, st, cfg, D("7000"), D("0.7"), cost_per_point=D("1000"))
    return assess(CASES, [], s.cases, INSTS, st, cfg, extras)


def test_optional_indicators_by_hand():
    result, region = _assess(EXTRAS)
    a, b = result["A"].indicators, result["B"].indicators
    # 并发症: A 1 of its 2 cases with diagnoses (a3 has none); B 1 of 4; region 2 of 6
    assert (a["complication_rate"].value, b["complication_rate"].value) == (D("0.5000"), D("0.2500"))
    assert region["complication_rate"] == D("0.3333")
    assert a["complication_rate"].score == D("67.31")  # 100 × (0.3333 + 0.01) / (0.5 + 0.01) = 67.313…
    assert b["complication_rate"].score == D("100.00")
    # 三四级手术: A O1 (4) and O3 (2), X9 not in the catalogue: 1/2; B O2, O2 (3), O4 (1): 2/3; region 3/5
    assert (a["grade34_surgery"].value, b["grade34_surgery"].value) == (D("0.5000"), D("0.6667"))
    assert region["grade34_surgery"] == D("0.6000")
    assert a["grade34_surgery"].score == D("83.61")  # 100 × (0.5 + 0.01) / (0.6 + 0.01) = 83.606…
    # 满意度: A 90/100, B 45/60; region 135/160 = 0.84375 → 0.8438 (half even)
    assert (a["satisfaction"].value, b["satisfaction"].value) == (D("0.9000"), D("0.7500"))
    assert region["satisfaction"] == D("0.8438")
    assert b["satisfaction"].score == D("89.01")  # 100 × (0.75 + 0.01) / (0.8438 + 0.01) = 89.013…
    assert a["satisfaction"].score == D("100.00")
    # 编码问题疑点: December's run (the newest month examined): A 高套 1 + 高靠 1 (再入院 is not coding); B 0
    assert (a["coding_findings"].value, b["coding_findings"].value) == (D("2.0000"), D("0.0000"))
    assert region["coding_findings"] == D("1.0000")
    assert a["coding_findings"].score == D("50.25")  # 100 × (1 + 0.01) / (2 + 0.01) = 50.248…


def test_absent_inputs_say_so_and_carry_no_weight():
    result, region = _assess(AssessInputs())
    for key, source in OPTIONAL_INPUTS.items():
        ind = result["A"].indicators[key]
        assert ind.value is None and ind.score is None and region[key] is None
        assert source in ind.note or "异常检测" in ind.note
    # the score is the weighted mean of the indicators that have data only
    with_all, _ = _assess(EXTRAS)
    assert result["A"].score != with_all["A"].score


def test_an_institution_missing_from_the_survey_is_not_invented():
    extras = AssessInputs(satisfaction={"B": (45, 60)})
    result, region = _assess(extras)
    assert result["A"].indicators["satisfaction"].value is None
    assert result["A"].indicators["satisfaction"].note == "未参加住院患者满意度调查"
    assert region["satisfaction"] == D("0.7500")
