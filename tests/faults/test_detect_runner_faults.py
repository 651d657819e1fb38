"""Issue 10's reproduced detection failures (runner side), each of which the old code got wrong:
- one detector failing on DIP codes ("operation 'sub' not supported ...") lost every finding;
- an 18-month region: the 2.2× discharge surge went unflagged and the run printed "0 发现";
- outpatient visits down to 15% with the same discharges went unflagged;
- the same hospital was named twice for one behaviour.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from liangjiadi.anomalies import load_coverage, load_findings
from liangjiadi.anomalies.registry import DETECTORS, all_detectors
from liangjiadi.cli.main import app
from liangjiadi.config import reset_settings_cache

from tests.anomalies.volume_builder import P18, R, short_history_region

DIP_ERROR = "operation 'sub' not supported for dtype 'str' with dtype 'str'"


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return short_history_region(tmp_path_factory.mktemp("issue10")).workdir


def _detect(work, monkeypatch, *patterns):
    monkeypatch.setenv("LJD_REGION_ADMDVS", R)
    reset_settings_cache()
    args = ["detect", "--period", P18, "-w", str(work)]
    for p in patterns:
        args += ["--pattern", p]
    try:
        return CliRunner().invoke(app, args, env={"COLUMNS": "240"})
    finally:
        reset_settings_cache()


def test_a_detector_failing_on_dip_codes_keeps_the_other_findings(work, monkeypatch):
    def fails(ctx):
        raise TypeError(DIP_ERROR)

    all_detectors()  # registers the built-ins
    monkeypatch.setitem(DETECTORS, "upcoding_severity", replace(DETECTORS["upcoding_severity"], fn=fails))
    res = _detect(work, monkeypatch, "upcoding_severity", "admission_surge")
    assert res.exit_code == 0, res.output  # the run goes on
    assert "运行出错" in res.output and "not supported" in res.output
    saved = load_findings(work, R, P18).to_pylist()
    assert [r["fixmedins_code"] for r in saved] == ["SURGE"]
    cov = {c.pattern: c for c in load_coverage(work, R, P18)}
    assert cov["upcoding_severity"].status == "failed" and DIP_ERROR in cov["upcoding_severity"].reason


def test_an_18_month_region_names_the_surge_and_the_drop_once_each(work, monkeypatch):
    res = _detect(work, monkeypatch, "admission_surge", "outpatient_inpatient_ratio", "beds_turnover")
    assert res.exit_code == 0, res.output
    assert "漳泽仁和医院" in res.output and "城西区人民医院" in res.output
    rows = load_findings(work, R, P18).to_pylist()
    by_inst = {}
    for r in rows:
        by_inst.setdefault(r["fixmedins_code"], []).append(r)
    assert set(by_inst) == {"SURGE", "DROP"} and all(len(v) == 1 for v in by_inst.values())
    assert set(json.loads(by_inst["SURGE"][0]["patterns"])) == {"admission_surge", "outpatient_inpatient_ratio"}
    drop = json.loads(by_inst["DROP"][0]["evidence"])
    assert drop["route"] == "sudden_drop" and drop["window_months"] == 6
