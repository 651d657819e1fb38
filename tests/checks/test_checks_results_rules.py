"""Rules on the results table: each fires on a faulty table and passes on the clean one."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from liangjiadi.checks import Status, run_checks
from liangjiadi.indicators.results import RESULT_SCHEMA


PERIOD = "2025-03"


def check(settings, rows, only=None):
    if isinstance(rows, list):
        rows = pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)
    return run_checks(PERIOD, settings, rows, only=only, save=False)


def test_clean_results_pass_every_results_rule(rf, settings):
    report = check(settings, rf.clean_rows())
    assert report.status == Status.PASS
    assert report.failures == [] and report.warnings == [] and report.errors == []
    for check_id in ("part_le_whole", "sum_of_items", "ratio_bounds", "non_negative", "absent_values",
                     "non_finite", "institutions_add_up", "missing_indicator"):
        assert rf.statuses(report, check_id) == ["pass"], check_id


@pytest.mark.parametrize(("indicator_id", "value", "code", "expected_ids"), [
    ("11", 1000, None, "11,10"),  # 住院统筹基金支出 > 统筹基金支出
    ("13", 1200, None, "13,12"),
    ("3", 1900, None, "3,2"),
    ("34", 11, None, "34,33"),  # 审核通过 > 申请
    ("11", 600, "H001", "11,10"),  # per institution
])
def test_part_greater_than_whole_fails(rf, settings, indicator_id, value, code, expected_ids):
    report = check(settings, rf.with_value(rf.clean_rows(), indicator_id, value, code), only=["part_le_whole"])
    fails = report.failures
    assert len(fails) == 1
    assert fails[0]["reason_code"] == "PART_GT_WHOLE"
    assert fails[0]["indicator_ids"] == expected_ids
    assert fails[0]["fixmedins_code"] == code
    assert "大于" in fails[0]["message"]
    assert report.status == Status.FAIL


def test_part_equal_to_whole_within_a_fen_passes(rf, settings):
    rows = rf.with_value(rf.clean_rows(), "11", 900.009)
    assert check(settings, rows, only=["part_le_whole"]).status == Status.PASS


@pytest.mark.parametrize(("changed", "value", "broken_totals"), [
    ("1", 3000.02, ["1"]), ("8", 2499, ["8"]), ("15", 501, ["15"]),
    ("2", 1799.5, ["1", "2"]),  # 2 is a total (3 + 4) and an item of 1: both sums break
])
def test_items_not_adding_up_fail(rf, settings, changed, value, broken_totals):
    report = check(settings, rf.with_value(rf.clean_rows(), changed, value), only=["sum_of_items"])
    assert {r["reason_code"] for r in report.failures} == {"SUM_MISMATCH"}
    assert sorted(r["indicator_ids"].split(",")[0] for r in report.failures) == broken_totals


def test_sum_within_tolerance_passes(rf, settings):
    report = check(settings, rf.with_value(rf.clean_rows(), "1", 3000.005), only=["sum_of_items"])
    assert report.status == Status.PASS


@pytest.mark.parametrize(("indicator_id", "value", "code"), [
    ("29", 1.02, "H001"),  # 质控通过率超100%
    ("45", -0.01, None),  # 医保外费用占比为负
    ("45", 1.2, "H002"),  # 医保外费用占比超100%
    ("28", 1.0001, None),
])
def test_ratio_outside_bounds_fails(rf, settings, indicator_id, value, code):
    report = check(settings, rf.with_value(rf.clean_rows(), indicator_id, value, code), only=["ratio_bounds"])
    assert [(r["reason_code"], r["indicator_ids"], r["fixmedins_code"]) for r in report.failures] == [
        ("RATIO_OUT_OF_RANGE", indicator_id, code)]
    assert "%" in report.failures[0]["message"]


def test_ratio_at_exactly_100_percent_passes(rf, settings):
    assert check(settings, rf.with_value(rf.clean_rows(), "29", 1), only=["ratio_bounds"]).status == Status.PASS


@pytest.mark.parametrize(("indicator_id", "value", "code", "reason"), [
    ("38", -5, "H002", "NEGATIVE_COUNT"),
    ("40", -2, None, "NEGATIVE_SHARE"),
    ("36", -100, "H001", "NEGATIVE_AMOUNT"),
])
def test_negative_values_fail(rf, settings, indicator_id, value, code, reason):
    report = check(settings, rf.with_value(rf.clean_rows(), indicator_id, value, code), only=["non_negative"])
    assert [r["reason_code"] for r in report.failures] == [reason]


def test_balances_and_growth_may_be_negative(rf, settings):
    rows = rf.with_value(rf.with_value(rf.clean_rows(), "17", -300), "41", -0.4)
    rows = rf.with_value(rows, "15", -100)
    assert check(settings, rows, only=["non_negative"]).status == Status.PASS


def test_absent_value_is_a_warning_with_its_reason(rf, settings):
    rows = rf.with_value(rf.clean_rows(), "37", None, "H002", note="分母为0")
    report = check(settings, rows, only=["absent_values"])
    assert report.status == Status.WARN
    (row,) = report.warnings
    assert row["reason_code"] == "VALUE_ABSENT" and row["fixmedins_code"] == "H002"
    assert "分母为0" in row["message"]


def test_absent_value_noted_not_applicable_is_not_a_warning(rf, settings):
    note = "非DRG/DIP付费机构（drg_dip_flag 不为 1），不适用"
    report = check(settings, rf.with_value(rf.clean_rows(), "30", None, "H002", note=note), only=["absent_values"])
    assert report.status == Status.PASS
    assert [r["reason_code"] for r in report.rows if r["status"] == "not_applicable"] == ["VALUE_NOT_APPLICABLE"]


def test_nan_and_inf_fail(rf, settings):
    table = rf.to_table(rf.clean_rows())
    values = [float(v) if v is not None else None for v in table["value"].to_pylist()]
    values[0], values[1] = math.nan, math.inf
    table = table.set_column(table.schema.get_field_index("value"), "value", pa.array(values, pa.float64()))
    report = check(settings, table, only=["non_finite"])
    assert len(report.failures) == 2
    assert {r["reason_code"] for r in report.failures} == {"NON_FINITE_VALUE"}
    assert any("NaN" in r["message"] for r in report.failures)


def test_institutions_not_adding_up_to_region_fail(rf, settings):
    report = check(settings, rf.with_value(rf.clean_rows(), "39", 25, "H001"), only=["institutions_add_up"])
    (row,) = report.failures
    assert row["reason_code"] == "INSTITUTIONS_DONT_ADD_UP" and row["indicator_ids"] == "39"
    assert "2家机构合计" in row["message"]


def test_missing_region_indicator_warns(rf, settings):
    rows = [r for r in rf.clean_rows() if not (r["indicator_id"] == "28" and r["fixmedins_code"] is None)]
    report = check(settings, rows, only=["missing_indicator"])
    assert [(r["reason_code"], r["indicator_ids"]) for r in report.warnings] == [("INDICATOR_MISSING", "28")]


def test_half_year_indicator_missing_in_march_is_not_required(rf, settings):
    rows = [r for r in rf.clean_rows() if r["indicator_id"] not in ("33", "34", "35", "42")]
    assert check(settings, rows, only=["missing_indicator"]).status == Status.PASS


def test_every_failure_is_collected_in_one_run(rf, settings):
    rows = rf.clean_rows()
    for ind, value, code in (("11", 1000, None), ("1", 3001, None), ("29", 1.5, "H001"), ("38", -1, "H002"),
                             ("34", 99, "H002"), ("39", 99, "H001")):
        rows = rf.with_value(rows, ind, value, code)
    rows = rf.with_value(rows, "37", None, "H001", note="分母为0")
    report = check(settings, rows)
    found = rf.reasons(report, "fail")
    assert {("part_le_whole", "PART_GT_WHOLE"), ("sum_of_items", "SUM_MISMATCH"),
            ("ratio_bounds", "RATIO_OUT_OF_RANGE"), ("non_negative", "NEGATIVE_COUNT"),
            ("institutions_add_up", "INSTITUTIONS_DONT_ADD_UP")} <= found
    part_fails = [r for r in report.failures if r["check_id"] == "part_le_whole"]
    assert len(part_fails) == 2  # 11 > 10 (region) and 34 > 33 (H002): both kept
    assert ("absent_values", "VALUE_ABSENT") in rf.reasons(report, "warn")
    assert report.status == Status.FAIL
