"""One 线索 per institution and behaviour (merging.py), and reading runs of older versions."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from liangjiadi.anomalies import Finding, findings_table, load_coverage, load_findings, merge_findings, not_evaluated_line
from liangjiadi.anomalies.evaluate import evaluate
from liangjiadi.anomalies.model import FINDINGS_SCHEMA
from liangjiadi.runs import run_dir


def _f(pattern, code, sev="medium", score=1.0, **ev):
    return Finding(pattern, "2025-12", sev, f"{code}的{pattern}。", {"value": score, **ev}, code, score=score)


def test_related_patterns_merge_into_one_clue_with_every_evidence():
    found = [_f("upcoding_severity", "H1", "medium", 3.0), _f("cost_deviation", "H1"),
             _f("structure_shift", "H1", "high", 2.0), _f("upcoding_severity", "H2"),
             _f("basic_groups_in_tertiary", "H1", "medium"), _f("low_standard_admission", "H1", "medium")]
    out = merge_findings(found)
    assert len(out) == 4
    coding = next(f for f in out if f.fixmedins_code == "H1" and "structure_shift" in f.all_patterns)
    assert coding.pattern == "structure_shift" and coding.severity == "high"  # the strongest leads
    assert coding.all_patterns == ("structure_shift", "upcoding_severity")
    assert set(coding.evidence["by_pattern"]) == {"structure_shift", "upcoding_severity"}
    assert coding.evidence["by_pattern"]["upcoding_severity"][0]["value"] == 3.0
    assert "H1的upcoding_severity" in coding.message and "另：" in coding.message
    light = next(f for f in out if "low_standard_admission" in f.all_patterns)
    assert light.pattern == "basic_groups_in_tertiary"  # equal severity: the behaviour's order
    # other patterns and other institutions untouched
    assert [f.pattern for f in out if f.fixmedins_code == "H2"] == ["upcoding_severity"]
    assert any(f.pattern == "cost_deviation" for f in out)
    # a merged clue counts for each of its patterns when scored
    gt = {"anomalies": [{"pattern": p, "fixmedins_code": "H1", "scope": "institution"}
                        for p in ("structure_shift", "upcoding_severity")]}
    scores = evaluate(gt, findings_table(out, "r1"))
    assert scores["structure_shift"].detected == scores["upcoding_severity"].detected == 1
    assert scores["upcoding_severity"].false == 1  # H2 was not injected


def test_praise_and_region_findings_are_not_merged():
    praise = _f("admission_surge", "H1", direction=-1)
    region = Finding("admission_surge", "2025-12", "low", "区域。", {}, None, subject="region")
    out = merge_findings([praise, _f("beds_turnover", "H1"), region])
    assert len(out) == 3


def test_runs_of_older_versions_still_read(tmp_path):
    d = run_dir(tmp_path, "findings", "140400", "2025-12")
    d.mkdir(parents=True)
    old = findings_table([_f("admission_surge", "H1")], "20250101T000000-aaaaaa").drop(["patterns"])
    pq.write_table(old, d / "20250101T000000-aaaaaa.parquet")
    t = load_findings(tmp_path, "140400", "2025-12")
    assert t.schema == FINDINGS_SCHEMA and json.loads(t["patterns"][0].as_py()) == ["admission_surge"]
    assert load_coverage(tmp_path, "140400", "2025-12") is None
    assert "未记录各检测器的检测范围" in not_evaluated_line(None)
    assert isinstance(t, pa.Table)


def test_person_counts_inside_a_merged_clue_are_suppressed_on_release():
    from liangjiadi.config import Settings
    from liangjiadi.releases import suppress_findings

    merged = merge_findings([_f("admission_surge", "H1", "high", persons=3), _f("outpatient_inpatient_ratio", "H1",
                                                                                 persons=2)])
    table, replaced = suppress_findings(findings_table(merged, "r1"), Settings(workdir="/tmp/none"))
    ev = json.loads(table["evidence"][0].as_py())
    assert ev["persons"] == "<5" and ev["by_pattern"]["outpatient_inpatient_ratio"][0]["persons"] == "<5"
    assert replaced == 3
