"""Fund report vs settlements (exact, the documented rule), calibration, and the injected faults."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import numpy as np
import pyarrow.compute as pc

EMPLOYEE = ("310", "320", "330", "340", "350", "360", "370")
RESIDENT = ("380", "390", "391", "392")
INCOME_ITEMS = ("income_contribution", "income_personal", "income_fiscal_central", "income_fiscal_province",
                "income_fiscal_local", "income_other")


def _settlement_sums(reg, to_fen):
    """Month sums (Decimal yuan) by the rule of docs/synth.md."""
    d = reg.read("setl_d")
    valid = np.asarray(d["vali_flag"]) != "0"
    region = reg.cfg.region
    insu = np.asarray(d["insu_admdvs"]) == region
    local = np.asarray(d["fix_blng_admdvs"]) == region
    ins = np.asarray(d["insutype"])
    month = np.asarray(pc.utf8_slice_codeunits(d["setl_time"], 0, 7))
    hifp = np.asarray(to_fen(d["hifp_pay"]))
    maf = np.asarray(to_fen(d["maf_pay"]))
    out = defaultdict(lambda: defaultdict(int))
    for p in reg.cfg.periods:
        at = valid & insu & (month == p)
        for fund, codes in (("employee", EMPLOYEE), ("resident", RESIDENT)):
            f = at & np.isin(ins, codes)
            out[(fund, "pool")][p] = int(hifp[f & local].sum())
            out[(fund, "elsewhere")][p] = int(hifp[f & ~local].sum())
        out[("assistance", "pool")][p] = int(maf[at].sum())
        out[("assistance", "elsewhere")][p] = 0
    return out


def _report(reg):
    fr = reg.read("fund_report").to_pylist()
    return {(r["period"], r["fund"], r["item"]): Decimal(r["amount"]) for r in fr}


def _ytd(sums, periods, p):
    return sum(sums[q] for q in periods if q[:4] == p[:4] and q <= p)


def test_fund_report_equals_settlement_sums(region, control, to_fen):
    for reg in (region, control):
        sums = _settlement_sums(reg, to_fen)
        rep = _report(reg)
        periods = reg.cfg.periods
        faults = {(f["kind"]): f for f in reg.gt["faults"]}
        mismatch = faults.get("fund_expense_pool_mismatch")
        for p in periods:
            for fund in ("employee", "resident", "assistance"):
                pool_item = "expense_assistance" if fund == "assistance" else "expense_pool"
                pool = Decimal(_ytd(sums[(fund, "pool")], periods, p)) / 100
                total = pool + Decimal(_ytd(sums[(fund, "elsewhere")], periods, p)) / 100
                delta = Decimal(mismatch["delta"]) if mismatch and mismatch["period"] == p and fund == "employee" else 0
                assert rep[(p, fund, pool_item)] == pool + delta, (p, fund)
                assert rep[(p, fund, "expense_total")] == total + delta
                income = rep[(p, fund, "income_total")]
                assert rep[(p, fund, "balance_period")] == income - rep[(p, fund, "expense_total")]
        if mismatch:
            assert mismatch["fund"] == "employee" and mismatch["item"] == "expense_pool"


def test_fund_report_items_add_up_and_balance_carries(region, control):
    for reg in (region, control):
        rep = _report(reg)
        periods = reg.cfg.periods
        not_adding = [f for f in reg.gt["faults"] if f["kind"] == "fund_income_items_not_adding"]
        broken = {(f["period"], f["fund"]) for f in not_adding}
        for p in periods:
            for fund in ("employee", "resident", "assistance"):
                items = sum(rep.get((p, fund, i), Decimal(0)) for i in INCOME_ITEMS)
                if (p, fund) in broken:
                    assert items - rep[(p, fund, "income_total")] == Decimal(not_adding[0]["delta"])
                else:
                    assert items == rep[(p, fund, "income_total")]
        # within a year, balance_cumulative - balance_period is the year's opening balance
        for fund in ("employee", "resident", "assistance"):
            for y in {p[:4] for p in periods}:
                openings = {rep[(p, fund, "balance_cumulative")] - rep[(p, fund, "balance_period")]
                            for p in periods if p[:4] == y}
                assert len(openings) == 1
        # opening balance of a year = closing balance of the year before
        dec_24 = rep[("2024-12", "employee", "balance_cumulative")]
        jan_25 = rep[("2025-01", "employee", "balance_cumulative")] - rep[("2025-01", "employee", "balance_period")]
        assert dec_24 == jan_25 or any(f["kind"] == "fund_expense_pool_mismatch" and f["period"] == "2024-12"
                                       for f in reg.gt["faults"])
        # 可支付月数 within 6-9 at the end of each year
        for y in ("2024", "2025"):
            for fund in ("employee", "resident"):
                monthly = rep[(f"{y}-12", fund, "expense_total")] / 12
                months = rep[(f"{y}-12", fund, "balance_cumulative")] / monthly
                assert 6 <= months <= 9, (y, fund, months)


def test_calibration_in_plausible_ranges(control, to_fen):
    d = control.read("setl_d")
    valid = (np.asarray(d["vali_flag"]) == "1") & (np.asarray(d["refd_setl_flag"]) == "0")
    region = control.cfg.region
    local = np.asarray(d["fix_blng_admdvs"]) == region
    insu = np.asarray(d["insu_admdvs"]) == region
    med = np.asarray(d["med_type"])
    ipt = np.isin(med, ("21", "22", "23", "24", "25", "26", "28", "52"))
    otp = np.isin(med, ("11", "12", "13", "14", "15", "16", "19", "51"))
    ratio = (valid & local & otp).sum() / (valid & local & ipt).sum()
    assert 15 <= ratio <= 30
    pc_rows = control.read("psn_count").to_pylist()
    insured = sum(int(r["psn_cnt"]) for r in pc_rows) / len(control.cfg.periods)
    rate = (valid & insu & ipt).sum() / insured / 2  # 24 months
    assert 0.17 <= rate <= 0.26
    hosp = valid & local & ~np.isin(med, ("41",))
    share = np.asarray(to_fen(d["fulamt_ownpay_amt"]))[hosp].sum() / np.asarray(to_fen(d["medfee_sumamt"]))[hosp].sum()
    assert 0.03 <= share <= 0.10
    lst = control.read("setl_list")
    qc = np.asarray(lst["qc_pass_flag"]) == "1"
    assert 0.90 <= qc.mean() <= 0.99
    grouped = np.asarray(lst["grp_code"]) != "QY"
    assert grouped.mean() > 0.98
    sp = control.read("special_case")
    approved = (np.asarray(sp["audit_result"]) == "1").sum()
    assert approved <= 0.05 * lst.num_rows
    fx = control.read("fixmedins")
    beds = sum(int(b) for b, p in zip(fx["bed_cnt"].to_pylist(), fx["period"].to_pylist())
               if b and p == control.cfg.periods[0])
    assert 5 <= beds / insured * 1000 <= 9


def test_row_faults_are_at_the_recorded_lines(region):
    faults = [f for f in region.gt["faults"] if f["level"] == "row"]
    kinds = {f["kind"] for f in faults}
    assert kinds == {"negative_amount", "hifp_exceeds_medfee", "end_before_begin", "unknown_med_type",
                     "duplicate_setl_id", "non_numeric_amount", "unknown_local_institution", "orphan_setl_list"}
    for f in faults:
        lines = (region.path / f["file"]).read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        row = dict(zip(header, lines[f["lines"][-1] - 1].split(",")))
        assert row["setl_id"] == f["setl_id"]
        k = f["kind"]
        if k == "negative_amount":
            assert row["medfee_sumamt"].startswith("-") and row["refd_setl_flag"] == "0"
        elif k == "hifp_exceeds_medfee":
            assert Decimal(row["hifp_pay"]) > Decimal(row["medfee_sumamt"])
        elif k == "end_before_begin":
            assert row["enddate"] < row["begndate"]
        elif k == "unknown_med_type":
            assert row["med_type"] == "77"
        elif k == "duplicate_setl_id":
            first = dict(zip(header, lines[f["lines"][0] - 1].split(",")))
            assert first == row
            assert sum(line.startswith(f["setl_id"] + ",") for line in lines) == 2
        elif k == "non_numeric_amount":
            assert not row["medfee_sumamt"].replace(".", "").isdigit()
        elif k == "unknown_local_institution":
            codes = set(region.read("fixmedins")["fixmedins_code"].to_pylist())
            assert row["fixmedins_code"] not in codes and row["fix_blng_admdvs"] == region.cfg.region
        elif k == "orphan_setl_list":
            ids = set(region.read("setl_d", keep_faults=True)["setl_id"].to_pylist())
            assert row["setl_id"] not in ids


def test_figure_faults(region):
    faults = {f["kind"]: f for f in region.gt["faults"] if f["level"] == "figure"}
    assert set(faults) == {"fund_expense_pool_mismatch", "fund_income_items_not_adding", "institution_missing_month",
                           "discharge_jump", "qc_without_upload"}
    lines = (region.path / "fund_report.csv").read_text(encoding="utf-8").splitlines()
    for k in ("fund_expense_pool_mismatch", "fund_income_items_not_adding"):
        f = faults[k]
        row = lines[f["lines"][0] - 1].split(",")
        assert row[1] == f["period"] and row[2] == f["fund"] and row[3] == f["item"]
    periods = region.cfg.periods
    f = faults["institution_missing_month"]
    i = periods.index(f["period"])
    for q, expect in ((periods[i - 1], True), (f["period"], False), (periods[i + 1], True)):
        codes = set(region.read("setl_d", q)["fixmedins_code"].to_pylist())
        assert (f["fixmedins_code"] in codes) == expect
    f = faults["discharge_jump"]
    i = periods.index(f["period"])

    def discharges(q):
        d = region.read("setl_list", q)
        return sum(c == f["fixmedins_code"] for c in d["fixmedins_code"].to_pylist())

    assert discharges(f["period"]) > 1.8 * max(1, (discharges(periods[i - 1]) + discharges(periods[i + 1])) / 2)
    f = faults["qc_without_upload"]
    lst = region.read("setl_list", f["period"]).to_pylist()
    hit = [r for r in lst if r["fixmedins_code"] == f["fixmedins_code"]]
    assert hit and all(r["upld_time"] == "" and r["qc_pass_flag"] == "1" for r in hit)
    assert len(hit) == f["lists"]


def test_no_faults_and_no_anomalies_in_control(control):
    assert control.gt["faults"] == [] and control.gt["anomalies"] == []
    assert control.gt["anomalies_enabled"] is False
