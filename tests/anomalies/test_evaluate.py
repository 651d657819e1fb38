"""evaluate(): precision / recall arithmetic on a hand-made ground truth and findings."""

from __future__ import annotations

import json

import pytest

from liangjiadi.anomalies.evaluate import combine, evaluate
from liangjiadi.anomalies.model import Finding, findings_table

AFFECTED = [f"2025-{m:02d}" for m in range(1, 13)]
GT = {
    "region": "140400", "end_month": "2025-12", "anomalies_enabled": True,
    "anomalies": [
        {"pattern": "upcoding_severity", "scope": "institution", "fixmedins_code": "H1", "periods": AFFECTED,
         "effect": 1.5},
        {"pattern": "cost_deviation", "scope": "institution", "fixmedins_code": "H2", "periods": AFFECTED,
         "effect": 0.5},
        {"pattern": "structure_shift", "scope": "institution", "fixmedins_code": "H3", "periods": AFFECTED,
         "effect": 1.0},
        {"pattern": "hospitalization_rate", "scope": "region", "fixmedins_code": None, "periods": AFFECTED,
         "effect": 1.0},
        {"pattern": "impossible_travel", "scope": "person", "fixmedins_code": None, "periods": AFFECTED,
         "effect": 1.0, "psn_no": ["a", "b"]},
        {"pattern": "co_admission_cluster", "scope": "institution", "fixmedins_code": "H5", "periods": AFFECTED,
         "effect": 1.0, "psn_no": ["c", "d", "e", "f"]},
    ],
}


def f(pattern, code=None, period="2025-12", subject="institution", cluster=None, **ev):
    return Finding(pattern=pattern, period=period, severity="medium", message="测试", evidence=ev,
                   fixmedins_code=code, subject=subject, cluster_id=cluster)


def test_precision_recall_per_pattern():
    findings = [
        f("upcoding_severity", "H1", adrg="EJ1"), f("upcoding_severity", "H1", adrg="ES3"),  # one subject
        f("upcoding_severity", "H9"),  # false
        f("cost_deviation", "H7"),  # false; the injected H2 is missed
        f("cost_deviation", "H8", direction=-1),  # praise: not judged
        f("structure_shift", "H3"), f("structure_shift", "H1"),  # H1: explained by upcoding_severity
        f("hospitalization_rate", None, subject="region"), f("hospitalization_rate", "H4"),  # H4 not judged
        f("impossible_travel", subject="person_cluster", cluster="c1"),
        f("impossible_travel", subject="person_cluster", cluster="c2"),
        f("impossible_travel", subject="person_cluster", cluster="c3"),  # one more than injected persons
        f("co_admission_cluster", "H5", subject="person_cluster", cluster="g1"),
    ]
    scores = evaluate(GT, findings_table(findings, "run1"))
    us = scores["upcoding_severity"]
    assert (us.injected, us.detected, us.flagged, us.true, us.false) == (1, 1, 2, 1, 1)
    assert us.recall == 1.0 and us.precision == 0.5 and us.smallest_effect_found == 1.5
    cd = scores["cost_deviation"]
    assert (cd.detected, cd.flagged, cd.false) == (0, 1, 1) and cd.recall == 0.0 and cd.precision == 0.0
    assert cd.effects_missed == [0.5] and cd.smallest_effect_found is None
    ss = scores["structure_shift"]
    assert (ss.true, ss.false, ss.explained, ss.precision) == (1, 0, 1, 1.0)
    hr = scores["hospitalization_rate"]
    assert (hr.detected, hr.flagged, hr.true) == (1, 1, 1)
    it = scores["impossible_travel"]
    assert (it.detected, it.flagged, it.true, it.false) == (1, 3, 2, 1)
    assert it.precision == pytest.approx(2 / 3)
    assert scores["co_admission_cluster"].recall == 1.0


def test_a_finding_outside_the_injected_months_does_not_match():
    early = [f("upcoding_severity", "H1", period="2023-12")]  # window 2023-01..12: before the injection
    assert evaluate(GT, early)["upcoding_severity"].detected == 0


def test_clean_region_every_flag_is_false_and_combine_sums():
    clean = dict(GT, anomalies_enabled=False)
    rows = [f("cost_deviation", "H1").to_row("r"), f("cost_deviation", "H2").to_row("r")]
    assert json.loads(rows[0]["evidence"]) == {}
    one = evaluate(clean, rows)
    assert one["cost_deviation"].false == 2 and one["cost_deviation"].injected == 0
    total = combine([one, evaluate(GT, [f("cost_deviation", "H2")])])
    c = total["cost_deviation"]
    assert (c.injected, c.detected, c.flagged, c.true, c.false) == (1, 1, 3, 1, 2)
    assert c.precision == pytest.approx(1 / 3) and c.recall == 1.0
