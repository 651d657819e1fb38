"""`liangjiadi detect`, `export findings`, `evaluate`; docs/detection.md kept in step with the registry."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from liangjiadi.anomalies import all_detectors
from liangjiadi.anomalies.docs import current_sections, detectors_markdown
from liangjiadi.cli.main import app

from .builder import LAST_YEAR, THIS_YEAR, R, Region
from .test_admission_mix_and_cost import _mix

runner = CliRunner()
MINE = ["upcoding_severity", "upcoding_diagnosis", "structure_shift", "cost_deviation",
        "basic_groups_in_tertiary", "low_standard_admission"]
DOC = Path(__file__).resolve().parents[2] / "docs" / "detection.md"


def test_detect_export_and_evaluate(tmp_path, monkeypatch):
    monkeypatch.setenv("LJD_REGION_ADMDVS", R)
    from liangjiadi.config import reset_settings_cache

    reset_settings_cache()
    r = Region(tmp_path / "w")
    for code in ("T1", "T2", "T3", "T4"):
        r.institution(code, "02", name=f"测试第{code[1]}医院")
    for year in (LAST_YEAR, THIS_YEAR):
        _mix(r, "T1", year, 300, 0.45)
        for peer in ("T2", "T3", "T4"):
            _mix(r, peer, year, 300, 0.20)
    r.write()
    work = str(tmp_path / "w")
    try:
        args = ["detect", "--period", "2025-12", "-w", work]
        for p in MINE:
            args += ["--pattern", p]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        assert "异常发现汇总" in res.output and "收治基层病组病例 135 例" in res.output
        assert "测试第1医院" in res.output

        out = tmp_path / "f.csv"
        res = runner.invoke(app, ["export", "findings", "--period", "2025-12", "--out", str(out), "-w", work])
        assert res.exit_code == 0, res.output
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        assert list(rows[0]) == ["pattern", "fixmedins_code", "period", "severity", "evidence", "message", "patterns"]
        hit = [x for x in rows if x["pattern"] == "basic_groups_in_tertiary"]
        assert [x["fixmedins_code"] for x in hit] == ["T1"]
        assert json.loads(hit[0]["evidence"])["cases"] == 300
        assert "tok" not in raw.decode("utf-8-sig")  # no person token ever leaves

        gt = tmp_path / "ground_truth.json"
        gt.write_text(json.dumps({"region": R, "end_month": "2025-12", "effect": 1.0, "anomalies": [
            {"pattern": "basic_groups_in_tertiary", "scope": "institution", "fixmedins_code": "T1",
             "periods": [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 13)],
             "effect": 1.0}]}), encoding="utf-8")
        res = runner.invoke(app, ["evaluate", "--ground-truth", str(gt), "-w", work])
        assert res.exit_code == 0, res.output
        assert "检测质量" in res.output and "1.00" in res.output

        res = runner.invoke(app, ["export", "findings", "--period", "2025-11", "--out", str(out), "-w", work])
        assert res.exit_code == 2 and "尚未运行异常检测" in res.output
        res = runner.invoke(app, ["detect", "--period", "2025-12", "-w", work, "--pattern", "nope"])
        assert res.exit_code == 2 and "未知的检测器" in res.output
    finally:
        reset_settings_cache()


def test_every_detector_states_min_cases_peers_and_severity():
    for d in all_detectors():
        if d.pattern in MINE:
            assert d.min_cases > 0 and d.peers and d.severity_rule and d.description


def test_docs_list_every_registered_detector_as_generated():
    """docs/detection.md's detector list is the registry's; regenerate with
    `python -c "from liangjiadi.anomalies.docs import write_detection_doc; write_detection_doc('docs/detection.md')"`."""
    listed, _ = current_sections(DOC.read_text(encoding="utf-8"))
    assert listed == detectors_markdown(), "docs/detection.md 的检测器一览与注册表不一致，请重新生成"
