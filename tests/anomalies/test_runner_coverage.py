"""Detection that says what it looked at: a failing detector, short histories, a sudden drop of
门诊住院人次比, one 线索 per institution and behaviour, thresholds and a region's own detector
from detectors.yaml.

The short-history region holds 18 months (2024-01 to 2025-06, detection at 2025-06): the
year-over-year windows of 12 months are not there, the 6 months 2025-01..06 and their
last-year months are.
"""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from liangjiadi.anomalies import load_coverage, load_findings, not_evaluated_line, run_detection
from liangjiadi.anomalies.coverage import EVALUATED, FAILED, NOT_EVALUATED
from liangjiadi.anomalies.evaluate import evaluate
from liangjiadi.anomalies.registry import DETECTORS, Detector
from liangjiadi.cli.main import app
from liangjiadi.errors import DefinitionError

from .volume_builder import MONTHS_2024, MONTHS_2025, P18, PEERS_18, R, VolumeRegion, short_history_region
YOY = ["admission_surge", "beds_turnover", "hospitalization_rate"]


@pytest.fixture(scope="module")
def region18(tmp_path_factory):
    return short_history_region(tmp_path_factory.mktemp("short18"))


def _cov(run) -> dict:
    return {c.pattern: c for c in run.coverage}


def test_a_detector_that_raises_leaves_the_others_findings_saved(region18, monkeypatch):
    def boom(ctx):
        raise RuntimeError("operation 'sub' not supported for dtype 'str' with dtype 'str'")

    monkeypatch.setitem(DETECTORS, "aa_boom", Detector("aa_boom", "会出错的检测器", "测试", 1, "无", fn=boom))
    run = run_detection(P18, region18.settings(), patterns=["aa_boom", "admission_surge"])
    cov = _cov(run)
    assert cov["aa_boom"].status == FAILED and "operation 'sub' not supported" in cov["aa_boom"].reason
    assert cov["admission_surge"].status == EVALUATED
    saved = load_findings(region18.workdir, R, P18, run.run_id).to_pylist()
    assert [r["fixmedins_code"] for r in saved] == ["SURGE"]
    stored = {c.pattern: c for c in load_coverage(region18.workdir, R, P18, run.run_id)}
    assert stored["aa_boom"].status == FAILED and stored["admission_surge"].findings == 1
    assert "会出错的检测器（运行失败" in not_evaluated_line(run.coverage)


def test_an_18_month_region_flags_the_surge_through_the_short_window(region18):
    run = run_detection(P18, region18.settings(), patterns=["admission_surge"], save=False, merge=False)
    rows = run.findings.to_pylist()
    assert [r["fixmedins_code"] for r in rows] == ["SURGE"], rows
    ev = json.loads(rows[0]["evidence"])
    assert ev["window_months"] == 6 and ev["window"] == "2025-01..2025-06" and ev["base_window"] == "2024-01..2024-06"
    assert ev["value"] == pytest.approx(1.2)
    assert "近6个月（2025-01至2025-06）" in rows[0]["message"]
    cov = _cov(run)["admission_surge"]
    assert cov.status == EVALUATED and cov.window_months == 6 and cov.institutions == 7 and cov.peers == 6


def test_a_sudden_outpatient_drop_is_flagged(region18):
    run = run_detection(P18, region18.settings(), patterns=["outpatient_inpatient_ratio"], save=False, merge=False)
    found = {r["fixmedins_code"]: json.loads(r["evidence"]) | {"message": r["message"]} for r in run.findings.to_pylist()}
    assert "DROP" in found, found
    ev = found["DROP"]
    assert ev["route"] == "sudden_drop" and ev["window_months"] == 6
    assert ev["value"] == pytest.approx(1.0) and ev["base_value"] == pytest.approx(100 / 15, rel=1e-3)
    assert ev["outpatient_visits"] == 90 and ev["base_outpatient_visits"] == 600 and ev["cases"] == ev["base_cases"] == 90
    assert "城西区人民医院" in ev["message"] and "6.7:1" in ev["message"] and "1.0:1" in ev["message"]
    assert set(found) <= {"DROP", "SURGE"}  # no steady peer


def test_related_patterns_at_one_hospital_come_out_as_one_clue(region18):
    run = run_detection(P18, region18.settings(), patterns=["admission_surge", "outpatient_inpatient_ratio"])
    rows = [r for r in run.findings.to_pylist() if r["fixmedins_code"] == "SURGE"]
    assert len(rows) == 1, rows
    clue = rows[0]
    pats = json.loads(clue["patterns"])
    assert set(pats) == {"admission_surge", "outpatient_inpatient_ratio"}
    ev = json.loads(clue["evidence"])
    assert set(ev["by_pattern"]) == set(pats)
    assert ev["by_pattern"]["outpatient_inpatient_ratio"][0]["route"] == "sudden_drop"
    assert "诱导住院" in clue["message"] and "门诊住院人次比" in clue["message"]
    sev = {"high": 0, "medium": 1, "low": 2}
    per = _cov(run)
    assert per["admission_surge"].findings == 1 and per["outpatient_inpatient_ratio"].findings >= 1
    # the strongest severity of its parts
    parts = run_detection(P18, region18.settings(), patterns=["admission_surge", "outpatient_inpatient_ratio"],
                          save=False, merge=False).findings.to_pylist()
    strongest = min((r["severity"] for r in parts if r["fixmedins_code"] == "SURGE"), key=sev.get)
    assert clue["severity"] == strongest
    # a merged 线索 counts for each of its patterns in evaluation
    gt = {"anomalies": [{"pattern": p, "scope": "institution", "fixmedins_code": "SURGE", "periods": MONTHS_2025}
                        for p in pats]}
    scores = evaluate(gt, run.findings)
    assert all(scores[p].detected == 1 and scores[p].true == 1 for p in pats)


def test_a_13_month_region_reports_the_yoy_detectors_as_not_evaluated(tmp_path, monkeypatch):
    r = VolumeRegion(tmp_path / "w")
    months = ["2024-06"] + MONTHS_2024[6:] + MONTHS_2025
    for code, ipt in PEERS_18.items():
        r.hospital(code)
        for m in months:
            r.month_volume(code, m, ipt=ipt, otp=ipt * 10)
    r.insured(5000, months)
    r.write()
    run = run_detection(P18, r.settings(), patterns=YOY + ["outpatient_inpatient_ratio"], save=False)
    cov = _cov(run)
    for p in YOY:
        assert cov[p].status == NOT_EVALUATED and "历史数据不足" in cov[p].reason, cov[p]
        assert "2024-06 至 2025-06 共 13 个月" in cov[p].reason
    assert cov["outpatient_inpatient_ratio"].status == EVALUATED
    line = not_evaluated_line(run.coverage)
    assert line.startswith("本期未检测的项目及原因：") and "历史数据不足" in line

    monkeypatch.setenv("LJD_REGION_ADMDVS", R)
    from liangjiadi.config import reset_settings_cache

    reset_settings_cache()
    try:
        args = ["detect", "--period", P18, "-w", str(r.workdir)]
        for p in YOY:
            args += ["--pattern", p]
        res = CliRunner().invoke(app, args, env={"COLUMNS": "240"})
        assert res.exit_code == 0, res.output
        assert "未检测" in res.output and "历史数据不足" in res.output and "本期未检测的项目 3 个" in res.output
        assert "未发现异常" not in res.output  # never a silent zero
        out = tmp_path / "f.csv"
        res = CliRunner().invoke(app, ["export", "findings", "--period", P18, "--out", str(out), "-w", str(r.workdir)])
        assert res.exit_code == 0, res.output
        rows = list(csv.DictReader((tmp_path / "f.coverage.csv").open(encoding="utf-8-sig")))
        assert {x["pattern"]: x["status"] for x in rows} == dict.fromkeys(YOY, NOT_EVALUATED)
        assert all("历史数据不足" in x["reason"] and x["findings"] == "" for x in rows)
    finally:
        reset_settings_cache()


def test_a_threshold_changed_in_configuration_changes_the_result(region18):
    settings = region18.settings()
    default = run_detection(P18, settings, patterns=["admission_surge"], save=False)
    assert [r["fixmedins_code"] for r in default.findings.to_pylist()] == ["SURGE"]
    (region18.workdir / "detectors.yaml").write_text(
        "detectors:\n  admission_surge:\n    params: {min_z: 50}\n", encoding="utf-8")
    try:
        stricter = run_detection(P18, settings, patterns=["admission_surge"], save=False)
        assert stricter.findings.num_rows == 0
        assert _cov(stricter)["admission_surge"].status == EVALUATED  # looked, and found nothing
        with pytest.raises(DefinitionError, match="没有参数 nope"):
            run_detection(P18, settings, patterns=["admission_surge"], save=False,
                          overrides={"detectors": {"admission_surge": {"params": {"nope": 1}}}})
        with pytest.raises(DefinitionError, match="应为数字"):
            run_detection(P18, settings, patterns=["admission_surge"], save=False,
                          overrides={"detectors": {"admission_surge": {"params": {"min_z": "高"}}}})
    finally:
        (region18.workdir / "detectors.yaml").unlink()


def test_a_regions_own_detector_runs_like_a_built_in(region18):
    rule = {"id": "local_inpatient_share", "template": "peer_ratio", "name": "住院结算占比偏高", "table": "setl_d",
            "numerator": {"agg": "count", "filter": [{"column": "med_type", "op": "==", "value": "21"}]},
            "denominator": {"agg": "count"}, "direction": "high", "params": {"min_cases": 200}}
    run = run_detection(P18, region18.settings(), overrides={"rules": [rule]}, save=False,
                        patterns=["local_inpatient_share"])
    assert [r["fixmedins_code"] for r in run.findings.to_pylist()] == ["DROP"]
    cov = _cov(run)["local_inpatient_share"]
    assert cov.status == EVALUATED and cov.institutions == 7 and cov.window_months == 12
    # switched off in configuration: not run by default
    off = run_detection(P18, region18.settings(), save=False, patterns=None,
                        overrides={"rules": [rule], "detectors": {p: {"enabled": False} for p in DETECTORS}
                                   | {"local_inpatient_share": {"params": {"min_z": 100}}}})
    assert [c.pattern for c in off.coverage] == ["local_inpatient_share"] and off.findings.num_rows == 0


def test_an_institution_without_last_year_is_listed_as_not_examined(tmp_path):
    """A hospital that opened this year (no last-year discharges) or is too small is not judged
    by the year-over-year detectors: the coverage names it with the reason instead of counting it
    among the examined (a per-institution "历史不足", never a silent clean)."""
    r = VolumeRegion(tmp_path / "w")
    for code, ipt in PEERS_18.items():
        r.hospital(code)
        for m in MONTHS_2024 + MONTHS_2025:
            r.month_volume(code, m, ipt=ipt, otp=ipt * 10)
    r.hospital("NEW", name="新开医院")
    for m in MONTHS_2025:  # opened 2025-01, doubling nothing it had
        r.month_volume("NEW", m, ipt=25, otp=100)
    r.hospital("TINY", name="小医院")
    for m in MONTHS_2024 + MONTHS_2025:
        r.month_volume("TINY", m, ipt=1, otp=30)
    r.write()
    run = run_detection(P18, r.settings(), patterns=["admission_surge", "beds_turnover"], save=False)
    cov = _cov(run)
    surge = cov["admission_surge"]
    assert surge.status == EVALUATED and surge.institutions == 5
    assert surge.skipped["NEW"] == "历史不足：上年同期6个月中只有0个月有出院记录"
    assert surge.skipped["TINY"].startswith("2025-01至2025-06出院人次不足")
    assert "未检测机构2家" in surge.scope() and "历史不足" in surge.scope()
    assert set(cov["beds_turnover"].skipped) == {"TINY"}
    # stored and exported beside the findings
    saved = run_detection(P18, r.settings(), patterns=["admission_surge"])
    stored = {c.pattern: c for c in load_coverage(r.workdir, R, P18, saved.run_id)}
    assert stored["admission_surge"].skipped == surge.skipped


def test_case_mix_detectors_count_only_the_institutions_they_judged():
    """The case-mix detectors test an institution only with enough cases in both windows; the
    others are listed as not examined (no last-year cases = history) and not counted."""
    import pandas as pd

    from liangjiadi.anomalies.coverage import Coverage
    from liangjiadi.anomalies.detectors.case_mix import _judged

    class Ctx:
        coverage = Coverage("structure_shift", "结构偏移")

        def note(self, **facts):
            self.coverage.note(**facts)

    mom = pd.DataFrame({"fixmedins_code": ["BIG", "BIG", "NEW", "SMALL"], "all": ["a", "b", "a", "a"],
                        "n_cur": [80, 5, 60, 12], "n_last": [70, 4, 0, 10]})
    ctx = Ctx()
    kept = _judged(ctx, mom, 30)
    assert list(kept.fixmedins_code) == ["BIG"]
    assert ctx.coverage.institutions == 1
    assert ctx.coverage.skipped == {"NEW": "历史不足：上年同期无可比病例",
                                    "SMALL": "病例数不足（本期与上年同期各需至少30例）"}


def test_a_short_window_surge_must_show_in_every_month(tmp_path):
    """18 months of history: the 6-month window doubles only through its last two months (a
    jump a later run will judge through the 3-month route, or a data error for 复核); the steady
    2.2x surge of the same window is still named."""
    r = VolumeRegion(tmp_path / "w")
    for code, ipt in PEERS_18.items():
        r.hospital(code)
        for m in MONTHS_2024 + MONTHS_2025:
            r.month_volume(code, m, ipt=ipt, otp=ipt * 10)
    r.hospital("JUMP")
    r.hospital("SURGE")
    for m in MONTHS_2024:
        r.month_volume("JUMP", m, ipt=10, otp=100)
        r.month_volume("SURGE", m, ipt=10, otp=100)
    for m, n in zip(MONTHS_2025, [10, 10, 10, 10, 40, 40]):
        r.month_volume("JUMP", m, ipt=n, otp=100)
        r.month_volume("SURGE", m, ipt=22, otp=220)
    r.write()
    run = run_detection(P18, r.settings(), patterns=["admission_surge"], save=False, merge=False)
    assert [x["fixmedins_code"] for x in run.findings.to_pylist()] == ["SURGE"]
