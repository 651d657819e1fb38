"""Rules that read the lake (fund report, settlements, settlement lists) or earlier results."""

from __future__ import annotations

import itertools

import pytest

from liangjiadi import lake
from liangjiadi.checks import Status, run_checks
from liangjiadi.indicators.results import save_results

REGION = "140400"
PERIOD = "2025-03"
_ids = itertools.count(1)


def setl(code, period, *, insutype="310", med_type="21", hifp=1000, medfee=2000, insu=REGION,
         blng=REGION, refd="0", vali="1", setl_id=None):
    return {
        "setl_id": setl_id or f"S{next(_ids):06d}", "mdtrt_id": f"M{next(_ids):06d}", "psn_no": "P1",
        "insutype": insutype, "med_type": med_type, "fixmedins_code": code, "fix_blng_admdvs": blng,
        "insu_admdvs": insu, "setl_time": f"{period}-10T09:00:00", "medfee_sumamt": medfee,
        "fulamt_ownpay_amt": 0, "inscp_scp_amt": medfee, "hifp_pay": hifp, "fund_pay_sumamt": hifp,
        "refd_setl_flag": refd, "vali_flag": vali,
    }


def fund_rows(period, amounts: dict[tuple[str, str], float]):
    return [{"admdvs": REGION, "period": period, "fund": f, "item": i, "amount": a} for (f, i), a in amounts.items()]


def run(rf, settings, only, rows=None):
    table = rf.to_table(rows if rows is not None else rf.clean_rows())
    return run_checks(PERIOD, settings, table, only=only, save=False)


# ---- fund report against settlements ---------------------------------------------------


@pytest.fixture
def settlements_ytd(settings):
    rows = [setl("H001", p, hifp=1000) for p in ("2025-01", "2025-02", "2025-03")]
    rows += [
        setl("H001", PERIOD, hifp=-100, medfee=-200, refd="1"),  # a refund nets the amount
        setl("H001", PERIOD, hifp=5000, vali="0"),  # invalid: not counted
        setl("H001", PERIOD, hifp=7000, insu="110100"),  # another region's insured
        setl("X999", PERIOD, hifp=8000, blng="110100"),  # our insured treated elsewhere (异地)
        setl("H002", PERIOD, hifp=2000, insutype="390"),  # resident
        setl("H002", "2024-12", hifp=9000),  # last year: outside the cumulative window
    ]
    lake.write_rows(settings.workdir, "setl_d", rows, REGION)
    return rows


@pytest.mark.parametrize(("employee", "status"), [
    (2900, "pass"), (2901, "pass"), (2910, "warn"), (2940, "fail"), (3500, "fail"), (2000, "fail")])
def test_fund_report_against_settlements(rf, settings, settlements_ytd, employee, status):
    lake.write_rows(settings.workdir, "fund_report", fund_rows(PERIOD, {
        ("employee", "expense_pool"): employee, ("resident", "expense_pool"): 2000}), REGION)
    report = run(rf, settings, ["fund_vs_settlement"])
    assert report.status.value == status
    if status != "pass":
        (row,) = report.rows_with(status)
        assert row["reason_code"] == "SOURCES_DISAGREE" and row["indicator_ids"] == "10"
        assert "2,900.00元" in row["message"]


def test_fund_report_without_lake_is_not_applicable(rf, settings):
    report = run(rf, settings, ["fund_vs_settlement"])
    assert [r["status"] for r in report.rows] == ["not_applicable"]


# ---- the fund report against itself ----------------------------------------------------


def test_fund_report_items_pass_and_fail(rf, settings):
    good = {("employee", "income_total"): 1000, ("employee", "income_contribution"): 900,
            ("employee", "income_other"): 100, ("employee", "expense_total"): 800,
            ("employee", "expense_pool"): 700}
    lake.write_rows(settings.workdir, "fund_report", fund_rows(PERIOD, good), REGION)
    assert run(rf, settings, ["fund_report_items"]).status == Status.PASS

    bad = dict(good)
    bad[("employee", "income_total")] = 1100
    bad[("employee", "expense_pool")] = 900
    lake.write_rows(settings.workdir, "fund_report", fund_rows(PERIOD, bad), REGION)
    report = run(rf, settings, ["fund_report_items"])
    assert {r["reason_code"] for r in report.failures} == {"FUND_REPORT_ITEMS_MISMATCH", "PART_GT_WHOLE"}


# ---- settlement lists against settlements ----------------------------------------------


@pytest.fixture
def march_settlements(settings):
    rows = [setl("H001", PERIOD, setl_id=f"A{i}") for i in range(3)]
    rows += [setl("H001", PERIOD, med_type="11", setl_id="A-OTP"), setl("H002", PERIOD, setl_id="B0"),
             setl("H002", PERIOD, setl_id="B-VOID", vali="0")]
    lake.write_rows(settings.workdir, "setl_d", rows, REGION)


def _lists(ids_codes, uploaded=True):
    return [{"setl_id": s, "fixmedins_code": c, "period": PERIOD, "qc_pass_flag": "1",
             "upld_time": "2025-04-01T10:00:00" if uploaded else None} for s, c in ids_codes]


def test_settlement_lists_matching_settlements_pass(rf, settings, march_settlements):
    lake.write_rows(settings.workdir, "setl_list", _lists([("A0", "H001"), ("A1", "H001"), ("B0", "H002")]), REGION)
    assert run(rf, settings, ["settlement_lists"]).status == Status.PASS


def test_settlement_lists_faults_are_all_reported(rf, settings, march_settlements):
    lists = [("A0", "H001"), ("A0", "H001"), ("A1", "H001"), ("A2", "H001"),  # A0 twice: 4 lists, 3 cases
             ("A-OTP", "H001"), ("B0", "H002"), ("NOPE", "H002"), ("B-VOID", "H002")]
    rows = _lists(lists) + _lists([("B0", "H003")], uploaded=False)  # QC passed, never uploaded
    lake.write_rows(settings.workdir, "setl_list", rows, REGION)
    report = run(rf, settings, ["settlement_lists"])
    found = {(r["fixmedins_code"], r["reason_code"], r["status"]) for r in report.rows if r["status"] != "pass"}
    assert found == {
        ("H001", "LIST_EXCEEDS_SETTLEMENTS", "fail"), ("H001", "LIST_FOR_NON_INPATIENT", "fail"),
        ("H002", "LIST_WITHOUT_SETTLEMENT", "warn"), ("H002", "LIST_FOR_INVALID_SETTLEMENT", "warn"),
        ("H003", "QC_PASS_WITHOUT_UPLOAD", "fail"), ("H003", "LIST_EXCEEDS_SETTLEMENTS", "fail"),
    }
    assert report.status == Status.FAIL


# ---- institutions missing from the month -----------------------------------------------


def test_institution_missing_from_the_month_warns(rf, settings):
    rows = [setl(c, p) for c in ("H001", "H002", "H003") for p in ("2025-01", "2025-02")]
    rows += [setl("P001", "2025-02", med_type="41")]  # a pharmacy: not a medical institution
    rows += [setl("H001", PERIOD), setl("H002", PERIOD)]
    lake.write_rows(settings.workdir, "setl_d", rows, REGION)
    lake.write_rows(settings.workdir, "fixmedins", [
        {"fixmedins_code": "H003", "fixmedins_name": "第三人民医院", "fixmedins_type": "1", "admdvs": REGION}], REGION)
    report = run(rf, settings, ["missing_institution"])
    (row,) = report.warnings
    assert row["reason_code"] == "INSTITUTION_MISSING" and row["fixmedins_code"] == "H003"
    assert "第三人民医院（H003）" in row["message"] and "2025年2月" in row["message"]


def test_no_institution_missing_passes(rf, settings):
    rows = [setl(c, p) for c in ("H001", "H002") for p in ("2025-02", PERIOD)]
    lake.write_rows(settings.workdir, "setl_d", rows, REGION)
    assert run(rf, settings, ["missing_institution"]).status == Status.PASS


# ---- month-over-month jumps ------------------------------------------------------------


def test_month_over_month_jump_against_stored_results(rf, settings):
    previous = rf.with_value(rf.clean_rows(period="2025-02", run_id="R0"), "39", 40, "H001")
    save_results(settings.workdir, REGION, "2025-02", rf.to_table(previous), "R0")
    assert run(rf, settings, ["mom_jump"], rf.with_value(rf.clean_rows(), "39", 40, "H001")).status == Status.PASS

    rows = rf.with_value(rf.with_value(rf.clean_rows(), "39", 100, "H001"), "39", 60)
    report = run(rf, settings, ["mom_jump"], rows)
    (row,) = report.warnings  # region 30 -> 60 is exactly +100%: not beyond the threshold
    assert (row["fixmedins_code"], row["indicator_ids"], row["reason_code"]) == ("H001", "39", "MONTH_OVER_MONTH_JUMP")
    assert "增长150.00%" in row["message"]


def test_small_institution_is_not_compared(rf, settings):
    save_results(settings.workdir, REGION, "2025-02", rf.to_table(rf.clean_rows(period="2025-02")), "R0")
    rows = rf.with_value(rf.clean_rows(), "39", 35, "H002")  # H002 had 10 discharges: below 30
    assert run(rf, settings, ["mom_jump"], rows).status == Status.PASS


def test_month_over_month_jump_from_the_lake_without_stored_results(rf, settings):
    rows = [setl("H001", "2025-02") for _ in range(40)] + [setl("H001", PERIOD) for _ in range(100)]
    lake.write_rows(settings.workdir, "setl_d", rows, REGION)
    report = run(rf, settings, ["mom_jump"])
    assert {(r["fixmedins_code"], r["indicator_ids"]) for r in report.warnings} == {
        ("H001", "36"), ("H001", "39"), (None, "36"), (None, "39")}
    assert all("结算数据汇总" in r["message"] for r in report.warnings)


def test_month_over_month_without_history_is_not_applicable(rf, settings):
    assert [r["status"] for r in run(rf, settings, ["mom_jump"]).rows] == ["not_applicable"]
