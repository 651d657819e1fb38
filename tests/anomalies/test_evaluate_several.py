"""evaluate() on a region with several injections per pattern (synth --copies):
each injected institution is its own injection, found or missed on its own."""

from __future__ import annotations

from liangjiadi.anomalies.evaluate import combine, evaluate
from liangjiadi.anomalies.model import Finding

AFFECTED = [f"2025-{m:02d}" for m in range(1, 13)]


def inj(pattern, code, copy, scope="institution", **extra):
    return {"pattern": pattern, "scope": scope, "fixmedins_code": code, "periods": AFFECTED, "effect": 1.0,
            "copy": copy, **extra}


GT = {
    "region": "140400", "end_month": "2025-12", "anomalies_enabled": True, "injections_per_pattern": 3,
    "anomalies": [
        inj("readmission_15d", "H1", 0), inj("readmission_15d", "H2", 1), inj("readmission_15d", "H3", 2),
        inj("admission_surge", "H4", 0), inj("admission_surge", "H5", 1), inj("admission_surge", "H6", 2),
        inj("outpatient_inpatient_ratio", "H7", 0),
        inj("impossible_travel", None, 0, scope="person", psn_no=["a", "b"]),
        inj("impossible_travel", None, 1, scope="person", psn_no=["c", "d"]),
        inj("hospitalization_rate", None, 0, scope="region"),
    ],
}


def f(pattern, code=None, cluster=None, subject="institution", patterns=None, **ev):
    return Finding(pattern=pattern, period="2025-12", severity="medium", message="测试", evidence=ev,
                   fixmedins_code=code, subject=subject, cluster_id=cluster, patterns=tuple(patterns or ()))


def test_each_injected_institution_counts():
    findings = [f("readmission_15d", "H1"), f("readmission_15d", "H3"), f("readmission_15d", "H9")]
    s = evaluate(GT, findings)["readmission_15d"]
    assert (s.injected, s.detected, s.flagged, s.true, s.false) == (3, 2, 3, 2, 1)
    assert s.recall == 2 / 3 and s.precision == 2 / 3


def test_a_related_injection_at_another_copy_explains_a_flag():
    # the ratio injection's extra admissions raise admission_surge at H7: explained, not false
    findings = [f("admission_surge", c) for c in ("H4", "H5", "H6", "H7")]
    s = evaluate(GT, findings)["admission_surge"]
    assert (s.detected, s.true, s.false, s.explained) == (3, 3, 0, 1)


def test_merged_finding_counts_for_each_pattern_at_each_copy():
    merged = f("admission_surge", "H7", patterns=["admission_surge", "outpatient_inpatient_ratio"],
               by_pattern={"admission_surge": [{"value": 1}], "outpatient_inpatient_ratio": [{"value": 2}]})
    scores = evaluate(GT, [merged, f("admission_surge", "H5")])
    assert scores["outpatient_inpatient_ratio"].detected == 1
    assert scores["admission_surge"].detected == 1 and scores["admission_surge"].injected == 3


def test_person_copies_match_by_count_and_regions_sum():
    findings = [f("impossible_travel", cluster=f"T{i}", subject="person_cluster") for i in range(3)]
    s = evaluate(GT, findings)["impossible_travel"]
    assert (s.injected, s.detected, s.false) == (2, 2, 0)
    total = combine([evaluate(GT, findings), evaluate(GT, [])])["impossible_travel"]
    assert (total.injected, total.detected) == (4, 2)
    assert evaluate(GT, [])["hospitalization_rate"].injected == 1
