"""Behaviour and quality monitoring (seeds/004 11.1), worked by hand: the detectors' findings
(not recomputed), the stored CMI (推诿) and the quality rates of the recent months against the
earlier months of the year."""

from dataclasses import replace
from decimal import Decimal as D

from liangjiadi.payment.config import PaymentConfig, parse_set, apply
from liangjiadi.payment.model import Case
from liangjiadi.payment.monitor import behaviour_signals, quality_signals, shirking_signals

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
FINDINGS = {
    "2025-10": {"A": {"readmission_15d": 1}},
    "2025-11": {"A": {"readmission_15d": 2}, "B": {"upcoding_severity": 1}},
    "2025-12": {"A": {"readmission_15d": 1, "upcoding_diagnosis": 1}, "B": {"low_standard_admission": 2}},
}


def rows(signals):
    return [(s.code, s.item, s.recent, s.before, s.status) for s in signals]


def test_behaviour_from_the_detectors_findings():
    cfg = PaymentConfig()  # monitor_behaviour_months = 3
    assert rows(behaviour_signals(FINDINGS, MONTHS, cfg)) == [
        ("A", "分解住院", D(1), D(3), "severe"),  # named October, November and December
        ("A", "高套（高套病组、高靠诊断、结构偏移）", D(1), D(1), "warn"),
        ("B", "低标入院", D(2), D(1), "warn"),  # B's November 高套 is not December's
    ]
    # through November: what was known then
    assert rows(behaviour_signals(FINDINGS, MONTHS[:11], cfg)) == [
        ("A", "分解住院", D(2), D(2), "warn"), ("B", "高套（高套病组、高靠诊断、结构偏移）", D(1), D(1), "warn")]
    assert behaviour_signals(None, MONTHS, cfg) == []  # never examined: nothing invented


def test_shirking_as_a_falling_cmi():
    cmi = {m: {"A": D("1.0000"), "B": D("1.2000"), "C": D("1.0000")} for m in MONTHS[:9]}
    for m in MONTHS[9:]:
        cmi[m] = {"A": D("0.8500"), "B": D("0.9000"), "C": D("0.9500")}
    out = shirking_signals(cmi, MONTHS, PaymentConfig())  # recent 3 months, drop > 10% warns, > 20% severe
    # A: 1 − 0.85 / 1.00 = 15%; B: 1 − 0.90 / 1.20 = 25%; C: 5%
    assert rows(out) == [("A", "推诿重症（CMI 下降）", D("0.8500"), D("1.0000"), "warn"),
                         ("B", "推诿重症（CMI 下降）", D("0.9000"), D("1.2000"), "severe")]
    assert "下降 15.0%" in out[0].note


def _cases(inst, month, n, deaths):
    return [Case(f"{inst}{month}{i}", inst, month, "G1", D("1000"), D("700"), dscg_way="5" if i < deaths else "1")
            for i in range(n)]


def test_quality_rates_recent_against_before():
    cases = []
    for m in MONTHS[:9]:  # before: A and B 9 cases each month, 1 death in January and April
        cases += _cases("A", m, 9, 1 if m in ("2025-01", "2025-04") else 0)
        cases += _cases("B", m, 9, 1 if m in ("2025-01", "2025-04") else 0)
    cases += _cases("A", "2025-10", 4, 1) + _cases("A", "2025-12", 4, 2)  # A recent: 3 of 8
    cases += _cases("B", "2025-11", 8, 0)  # B recent: 0 of 8
    cases += _cases("C", "2025-12", 3, 3)  # C: 3 recent cases only, none before
    cfg = replace(PaymentConfig(), monitor_min_cases=5)
    out = quality_signals(cases, MONTHS, cfg)
    # A: 3/8 = 0.3750 against 2/81 = 0.0247: up 35.03 points > 2 × 2 points
    assert rows(out) == [("A", "住院死亡率", D("0.3750"), D("0.0247"), "severe")]
    assert "上升 35.03 个百分点" in out[0].note
    # a rise between one and two thresholds warns
    cfg_w = apply(cfg, parse_set(["monitor_quality_rise=0.2"]), "测试")
    assert rows(quality_signals(cases, MONTHS, cfg_w))[0][-1] == "warn"
    # too few recent cases: not judged
    assert quality_signals(cases, MONTHS, replace(cfg, monitor_min_cases=9)) == []
