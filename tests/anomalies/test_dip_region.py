"""Every detector on a generated DIP region (病种 = diagnosis + treatment, 分值 as weights):
none fails, and a severity upcoding (a shift to higher-分值 treatments of one diagnosis) is
found. Before, upcoding_severity failed the whole run on DIP codes ("operation 'sub' not
supported for dtype 'str'")."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from liangjiadi.anomalies import DETECTORS, all_detectors, detect, run_detection
from liangjiadi.anomalies.casemix import dip_family, dip_severity, dip_weight_scale
from liangjiadi.anomalies.context import DetectContext
from liangjiadi.config import get_settings
from liangjiadi.engine import open_engine

REGION = "140400"
PERIOD = "2025-12"


@pytest.fixture(scope="module")
def dip_region(tmp_path_factory):
    """A tiny DIP region, ingested. The upcoding is injected at twice the preset effect: at this
    scale (a few cases a month) the preset is below what a year of cases can show; the bench
    measures effect 1 at a realistic scale."""
    from liangjiadi.ingest import ingest_paths
    from liangjiadi.synth import SynthConfig, generate

    root = tmp_path_factory.mktemp("dip")
    cfg = SynthConfig(region=REGION, scale=0.005, months=24, seed=7, faults=False, scheme="dip", fmt="parquet",
                      pattern_effects={"upcoding_severity": 2.0})
    generate(cfg, root / "data")
    settings = get_settings(workdir=root / "work", region_admdvs=REGION)
    ingest_paths([root / "data"], settings)
    gt = json.loads((root / "data" / "ground_truth.json").read_text(encoding="utf-8"))
    return settings, gt


def _truth(gt, pattern):
    return next(a for a in gt["anomalies"] if a["pattern"] == pattern)


def test_every_detector_runs_on_dip(dip_region):
    settings, _ = dip_region
    run = run_detection(PERIOD, settings, save=False)
    assert {c.pattern for c in run.coverage} == {d.pattern for d in all_detectors()}
    failed = [(c.pattern, c.reason) for c in run.coverage if c.status == "failed"]
    assert not failed  # a detector that cannot read DIP codes is recorded as failed
    # the case-mix detectors read the 病种 and really look (not "not evaluated")
    looked = {c.pattern for c in run.coverage if c.evaluated}
    assert {"upcoding_severity", "structure_shift", "cost_deviation"} <= looked


def _patterns(finding) -> list[str]:
    p = finding.get("patterns") or [finding["pattern"]]
    return json.loads(p) if isinstance(p, str) else list(p)


def test_dip_upcoding_found_and_saved(dip_region):
    settings, gt = dip_region
    findings = detect(PERIOD, settings, save=True).to_pylist()
    truth = _truth(gt, "upcoding_severity")
    # the 线索 that carries it (merged with structure_shift at the same hospital when both name it)
    hits = [f for f in findings if "upcoding_severity" in _patterns(f)]
    assert [f["fixmedins_code"] for f in hits] == [truth["fixmedins_code"]]
    ev = json.loads(hits[0]["evidence"]) if isinstance(hits[0]["evidence"], str) else hits[0]["evidence"]
    ev = ev["by_pattern"]["upcoding_severity"][0] if "by_pattern" in ev else ev
    assert ev["adrg"] == "J93.9" and ev["scheme"] == "DIP"
    assert ev["own"] > ev["own_last_year"]
    assert "较高分值治疗方式" in hits[0]["message"] and "诊断 J93.9 的病种" in hits[0]["message"]


def test_case_frame_reads_dip_families(dip_region):
    from liangjiadi.anomalies.casemix import case_frame, catalogue

    settings, _ = dip_region
    engine = open_engine(settings)
    try:
        ctx = DetectContext(engine, settings, PERIOD, REGION)
        frame = case_frame(ctx)
        cat = catalogue(ctx)
    finally:
        engine.close()
    dip = frame[frame.grp.notna()]
    assert len(dip) and dip.dip.all()
    assert (dip.adrg == dip.grp.str.split("::").str[0]).all()
    j93 = cat[cat.adrg == "J93.9"].set_index("grp").sev.to_dict()
    assert j93 == {"J93.9::33.2300": "5", "J93.9::33.2300+诊断性操作": "3", "J93.9::33.2300+治疗性操作": "1"}


def test_dip_severity_ranks_treatments_by_weight():
    groups = pd.DataFrame({
        "grp": ["A01.0::保守治疗", "A01.0::诊断性操作", "A01.0::治疗性操作", "A01.0::手术", "B02.9::保守治疗",
                "C03.1::x", "C03.1::y"],
        "weight": [0.8, 1.0, 1.0, 2.5, 0.6, 1.0, 1.0]})
    groups["family"] = dip_family(groups.grp)
    assert groups.family.tolist() == ["A01.0"] * 4 + ["B02.9", "C03.1", "C03.1"]
    assert dip_severity(groups).tolist() == ["5", "3", "3", "1", "9", "9", "9"]
    assert dip_family(pd.Series(["I63.9:保守治疗", "I63.9：保守治疗", "I63.9"])).tolist() == ["I63.9"] * 3


def test_indicators_and_checks_run_on_dip(dip_region):
    from liangjiadi.checks import run_checks
    from liangjiadi.indicators import compute

    settings, _ = dip_region
    rows = compute(PERIOD, settings).to_pandas()
    region = rows[rows.fixmedins_code.isna()].set_index("indicator_id").value
    assert float(region["CMI"]) > 0.5  # the case-mix index from 分值
    per_inst = rows[rows.fixmedins_code.notna() & rows.indicator_id.isin(["43", "44"])]
    assert per_inst.value.notna().sum() >= 10  # 时间/费用消耗指数 by 病种
    report = run_checks(PERIOD, settings)
    assert report.rows and report.passed and not report.rows_with("error")


def test_dip_weight_scale():
    assert dip_weight_scale(pd.Series([0.4, 1.0, 1.3, 2.2])) == 1.0  # calibration.md: relative weights
    assert dip_weight_scale(pd.Series([400, 1000, 1300, 2200])) == 1000.0  # 千分制
    assert dip_weight_scale(pd.Series([40, 100, 130])) == 100.0
    assert dip_weight_scale(pd.Series([], dtype=float)) == 1.0


def test_case_mix_thresholds_are_region_parameters(dip_region):
    """Issue 10 item 5: the case-mix detectors' thresholds are parameters a region can override."""
    settings, gt = dip_region
    for pattern in ("upcoding_severity", "upcoding_diagnosis", "structure_shift"):
        assert {"min_cases", "fdr"} <= set(DETECTORS[pattern].params)
    truth = _truth(gt, "upcoding_severity")["fixmedins_code"]
    found = run_detection(PERIOD, settings, save=False, patterns=["upcoding_severity"]).findings.to_pylist()
    assert [f["fixmedins_code"] for f in found] == [truth]
    strict = run_detection(PERIOD, settings, save=False, patterns=["upcoding_severity"],
                           overrides={"detectors": {"upcoding_severity": {"params": {"fdr": 1e-12}}}})
    assert strict.findings.num_rows == 0
