"""A generated region through the whole chain: every injected data fault is caught.

Row-level faults must be quarantined by ingest at the recorded file and line with the right
rule; figure-level faults must survive ingest and be caught by the 复核 checks of their month.
"""

import csv
import json
from pathlib import Path

import pytest

from liangjiadi.checks import run_checks
from liangjiadi.config import Settings
from liangjiadi.indicators import compute
from liangjiadi.ingest import ingest_paths
from liangjiadi.synth import SynthConfig, generate

ROW_RULES = {
    "duplicate_setl_id": "duplicate_key",
    "unknown_med_type": "unknown_code",
    "non_numeric_amount": "bad_number",
    "unknown_local_institution": "unknown_fixmedins",
    "end_before_begin": "end_before_begin",
    "orphan_setl_list": "orphan_settlement",
    "negative_amount": "negative_amount",
    "hifp_exceeds_medfee": "part_exceeds_total",
}
FIGURE_CHECKS = {
    "fund_income_items_not_adding": ("fund_report_items", "FUND_REPORT_ITEMS_MISMATCH"),
    "qc_without_upload": ("settlement_lists", "QC_PASS_WITHOUT_UPLOAD"),
    "institution_missing_month": ("missing_institution", "INSTITUTION_MISSING"),
    "discharge_jump": ("mom_jump", "MONTH_OVER_MONTH_JUMP"),
    "fund_expense_pool_mismatch": ("fund_vs_settlement", "SOURCES_DISAGREE"),
}


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    root = tmp_path_factory.mktemp("region")
    cfg = SynthConfig(scale=0.02, months=24, seed=11)
    generate(cfg, root / "in")
    settings = Settings(workdir=root / "work", pseudonym_key="integration-key-padded-to-32-bytes-or-more", region_admdvs=cfg.region)
    report = ingest_paths([root / "in"], settings)
    truth = json.loads((root / "in" / "ground_truth.json").read_text(encoding="utf-8"))
    return settings, report, truth


def _quarantined(report) -> set[tuple[str, int, str]]:
    found = set()
    for qfile in Path(report.quarantine_dir).glob("*.csv"):
        with open(qfile, encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                found.add((Path(row["来源文件"]).name, int(row["行号"]), row["规则代码"]))
    return found


def test_every_row_fault_is_quarantined_at_its_line(region):
    _, report, truth = region
    faults = [f for f in truth["faults"] if f["level"] == "row"]
    assert {f["kind"] for f in faults} == set(ROW_RULES), "generator and test disagree on row faults"
    found = _quarantined(report)
    for f in faults:
        rule = ROW_RULES[f["kind"]]
        # a duplicate keeps its first line; the later copies are quarantined
        lines = f["lines"][1:] if f["kind"] == "duplicate_setl_id" else f["lines"]
        for line in lines:
            assert (f["file"], line, rule) in found, f"{f['kind']} not quarantined at {f['file']}:{line}"


def test_quarantine_holds_only_the_injected_rows(region):
    _, report, truth = region
    injected = {(f["file"], line) for f in truth["faults"] if f["level"] == "row" for line in f["lines"]}
    stray = {(name, line) for name, line, _ in _quarantined(report)} - injected
    assert not stray, f"good rows were quarantined: {sorted(stray)[:5]}"


def test_every_figure_fault_is_caught_by_review(region):
    settings, _, truth = region
    faults = [f for f in truth["faults"] if f["level"] == "figure"]
    assert {f["kind"] for f in faults} == set(FIGURE_CHECKS), "generator and test disagree on figure faults"
    by_period: dict[str, list] = {}
    for f in faults:
        by_period.setdefault(f["period"], []).append(f)
    for period, period_faults in sorted(by_period.items()):
        compute(period, settings)
        report = run_checks(period, settings)
        flagged = {(r["check_id"], r["reason_code"], r.get("fixmedins_code"))
                   for r in report.rows if r["status"] in ("fail", "warn")}
        for f in period_faults:
            check_id, code = FIGURE_CHECKS[f["kind"]]
            hits = {x for x in flagged if x[0] == check_id and x[1] == code}
            assert hits, f"{f['kind']} ({period}) not caught by {check_id}"
            if f.get("fixmedins_code"):
                assert any(x[2] == f["fixmedins_code"] for x in hits), \
                    f"{f['kind']} caught, but not at {f['fixmedins_code']}: {hits}"


def test_clean_month_passes_review(region):
    settings, _, truth = region
    fault_periods = {f["period"] for f in truth["faults"]}
    # a month whose own and previous month carry no fault
    months = truth["affected_periods"] + truth["baseline_periods"]
    from liangjiadi.period import shift

    clean = next(p for p in sorted(months) if p not in fault_periods and shift(p, -1) not in fault_periods
                 and shift(p, -1) in months)
    compute(clean, settings)
    report = run_checks(clean, settings)
    assert not report.failures, [r["message"] for r in report.failures]
