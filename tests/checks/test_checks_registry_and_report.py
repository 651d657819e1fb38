"""The registry (overrides, local rules), crashing rules, stored reports, frequency, docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from liangjiadi.checks import (
    Status, builtin_checks, is_publishable, load_check_report, load_checks, publishable_ids, run_checks,
)
from liangjiadi.checks.docs import render_checks_markdown
from liangjiadi.checks.model import GENERAL_REASON_CODES, CheckSpec
from liangjiadi.checks.runner import NoResultsError, _run_one
from liangjiadi.errors import DefinitionError
from liangjiadi.indicators.results import save_results

PERIOD = "2025-03"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "checks.md"


# ---- frequency -------------------------------------------------------------------------


@pytest.mark.parametrize(("freq", "months"), [
    ("month", set(range(1, 13))), ("quarter", {3, 6, 9, 12}), ("half_year", {6, 12}),
    ("year", {12}), ("half_year_or_year", {6, 12}),
])
def test_publishing_months_per_frequency(freq, months):
    assert {m for m in range(1, 13) if is_publishable(freq, f"2025-{m:02d}")} == months


def test_publishable_ids_by_period():
    march, june, december, may = (publishable_ids(p) for p in ("2025-03", "2025-06", "2025-12", "2025-05"))
    assert "22" in march and "22" not in may  # quarterly 城乡医疗救助
    assert "33" not in march and "33" in june  # half-year 特例单议
    assert "14" in june and "14" in december and "14" not in march  # half_year_or_year
    assert "46" not in june and "46" in december  # yearly
    assert "16" not in december  # heading rows are never values
    assert set(march) < set(june) < set(december)


def test_frequency_rule_marks_not_due_results_not_applicable(rf, settings):
    report = run_checks(PERIOD, settings, rf.to_table(rf.clean_rows()), only=["publish_frequency"], save=False)
    not_due = {r["indicator_ids"] for r in report.rows if r["status"] == "not_applicable"}
    assert {"14", "18", "33", "34", "35", "42", "46", "47"} <= not_due
    assert "28" not in not_due and "22" not in not_due
    assert "33" not in report.publishable_ids and "28" in report.publishable_ids
    june = run_checks("2025-06", settings, rf.to_table(rf.clean_rows(period="2025-06")),
                      only=["publish_frequency"], save=False)
    assert {r["indicator_ids"] for r in june.rows if r["status"] == "not_applicable"} == {
        "18", "21", "24", "25", "26", "27", "46", "47"}


# ---- overrides and local rules ---------------------------------------------------------


def test_override_changes_a_threshold_and_severity(rf, settings):
    rows = rf.with_value(rf.clean_rows(), "1", 3000.5)
    strict = run_checks(PERIOD, settings, rf.to_table(rows), only=["sum_of_items"], save=False)
    assert strict.status == Status.FAIL
    loose = run_checks(PERIOD, settings, rf.to_table(rows), only=["sum_of_items"], save=False,
                       overrides={"checks": {"sum_of_items": {"params": {"tolerance": 1.0}}}})
    assert loose.status == Status.PASS
    soft = run_checks(PERIOD, settings, rf.to_table(rows), only=["sum_of_items"], save=False,
                      overrides={"checks": {"sum_of_items": {"severity": "warning"}}})
    assert soft.status == Status.WARN


def test_overrides_from_the_workdir_yaml(rf, settings):
    settings.workdir.mkdir(parents=True, exist_ok=True)
    (settings.workdir / "checks.yaml").write_text(
        "checks:\n  ratio_bounds:\n    enabled: false\n"
        "rules:\n  - id: local_growth\n    template: range\n    indicators: ['41']\n    min: -0.5\n    max: 0.5\n"
        "    note: 出院人次增长率超过±50%须说明。\n", encoding="utf-8")
    rows = rf.with_value(rf.with_value(rf.clean_rows(), "29", 1.5), "41", 0.9)
    report = run_checks(PERIOD, settings, rf.to_table(rows), save=False)
    assert "ratio_bounds" not in {r["check_id"] for r in report.rows}
    (row,) = [r for r in report.failures if r["check_id"] == "local_growth"]
    assert row["indicator_ids"] == "41" and row["note"] == "出院人次增长率超过±50%须说明。"


def test_local_part_of_and_sum_of_templates(rf, settings):
    overrides = {"rules": [
        {"id": "local_part", "template": "part_of", "part": "38", "whole": "39"},
        {"id": "local_sum", "template": "sum_of", "total": "36", "items": ["38", "39"]},
    ]}
    report = run_checks(PERIOD, settings, rf.to_table(rf.clean_rows()), overrides=overrides,
                        only=["local_part", "local_sum"], save=False)
    assert {r["check_id"] for r in report.failures} == {"local_part", "local_sum"}


@pytest.mark.parametrize("bad", [
    {"checks": {"no_such_rule": {}}},
    {"checks": {"mom_jump": {"params": {"no_such_param": 1}}}},
    {"checks": {"mom_jump": {"severity": "fatal"}}},
    {"rules": [{"id": "x", "template": "no_such_template"}]},
    {"rules": [{"id": "ratio_bounds", "template": "range", "indicators": ["1"]}]},
    {"rules": [{"id": "local_x", "template": "part_of", "part": "1"}]},
    {"rules": [{"id": "local_y", "template": "range", "indicators": ["1"], "severity": "fatal"}]},
])
def test_invalid_overrides_are_refused_in_chinese(bad):
    with pytest.raises(DefinitionError) as err:
        load_checks(bad)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)


def test_a_crashing_rule_is_an_error_and_the_others_still_run(rf, settings, monkeypatch):
    def broken(ctx):
        raise ZeroDivisionError("boom")

    spec = CheckSpec("broken", "坏规则", "-", "-", {}, broken)
    specs = dict(builtin_checks(), broken=spec)
    monkeypatch.setattr("liangjiadi.checks.runner.load_checks", lambda overrides=None, **_: specs)
    report = run_checks(PERIOD, settings, rf.to_table(rf.with_value(rf.clean_rows(), "1", 1)), save=False)
    (row,) = report.errors
    assert row["check_id"] == "broken" and row["reason_code"] == "CHECK_CRASHED" and "boom" in row["message"]
    assert report.failures  # the real rules still ran and found the broken sum
    assert report.status == Status.FAIL


def test_every_reported_reason_code_is_declared(rf, settings):
    rows = rf.clean_rows()
    for ind, value, code in (("11", 1000, None), ("1", 3001, None), ("29", 1.5, "H001"), ("38", -1, "H002"),
                             ("40", -1, None), ("36", -5, "H001"), ("39", 99, "H001")):
        rows = rf.with_value(rows, ind, value, code)
    rows = rf.with_value(rows, "37", None, "H001", note="分母为0")
    report = run_checks(PERIOD, settings, rf.to_table(rows), save=False)
    specs = builtin_checks()
    for row in report.rows:
        assert row["reason_code"] in specs[row["check_id"]].reason_codes or row["reason_code"] in GENERAL_REASON_CODES


# ---- stored reports --------------------------------------------------------------------


def test_report_is_stored_and_loaded(rf, settings):
    rows = rf.with_value(rf.clean_rows(), "29", 1.2, "H001")
    save_results(settings.workdir, rf.REGION, PERIOD, rf.to_table(rows), "R1")
    report = run_checks(PERIOD, settings)  # newest stored results
    assert report.results_run_id == "R1" and report.status == Status.FAIL
    base = settings.workdir / "checks" / rf.REGION / PERIOD / report.check_run_id
    assert base.with_suffix(".parquet").exists()
    markdown = base.with_suffix(".md").read_text(encoding="utf-8")
    assert "复核结论：**不通过**" in markdown and "质控通过率" in markdown
    assert "规则编号" in base.with_suffix(".csv").read_text(encoding="utf-8-sig")
    loaded = load_check_report(settings.workdir, rf.REGION, PERIOD)
    assert loaded.check_run_id == report.check_run_id and loaded.status == Status.FAIL
    assert loaded.rows == report.rows and loaded.publishable_ids == report.publishable_ids
    assert loaded.counts() == report.counts()


def test_no_results_is_a_clear_error(settings):
    with pytest.raises(NoResultsError) as err:
        run_checks(PERIOD, settings)
    assert "liangjiadi compute --period 2025-03" in err.value.hint


def test_load_check_report_without_runs_is_none(settings):
    assert load_check_report(settings.workdir, "140400", PERIOD) is None


def test_run_one_turns_empty_rules_into_not_applicable(rf, settings):
    spec = CheckSpec("empty", "空规则", "-", "-", {}, lambda ctx: [])

    class Ctx:
        period_label = "2025年3月"

    (row,) = _run_one(spec, Ctx())
    assert row["status"] == "not_applicable"


# ---- documentation ---------------------------------------------------------------------


def test_checks_doc_is_generated_from_the_registry():
    assert DOCS.read_text(encoding="utf-8") == render_checks_markdown(), (
        "docs/checks.md is stale: run `python -m liangjiadi.checks.docs > docs/checks.md`")


def test_every_check_and_reason_code_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for spec in builtin_checks().values():
        assert f"`{spec.check_id}`" in text
        for code in spec.reason_codes:
            assert f"`{code}`" in text
        for name in spec.params:
            assert f"`{name}`" in text
