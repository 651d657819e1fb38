"""A small hand-built region for the golden indicator tests.

Region R = 140400; O = 140500 is another region. Period under test P = 2025-03 (prev 2025-02,
half-year/year-to-date window 2025-01..03). Institutions (fixmedins, as of P):
  H1 三级甲等 (02), 500 beds, DRG/DIP
  H2 二级甲等 (05), DRG/DIP; beds 100 (snapshot) -> 120 from 2025-02 -> 999 from 2025-04 (future)
  H3 一级乙等 (09), 20 beds, not DRG: the EMPTY institution (no case in P; 1 discharge in Feb)
  H4 一级丙等 (10), 0 beds, not DRG: 3 discharges in Feb, none in P
  P1, P2 pharmacies of R; X1 a hospital of region O (not local)
Every expected value in the tests is worked out by hand from the rows below.
"""

from __future__ import annotations

from pathlib import Path

from liangjiadi.config import Settings
from liangjiadi.lake import write_rows

R = "140400"
O = "140500"
P = "2025-03"


def settings(workdir: Path, **kw) -> Settings:
    return Settings(workdir=workdir, region_admdvs=R, **kw)


def fixmedins() -> list[dict]:
    def f(code, typ, lv, beds, drg, admdvs=R, period=None):
        return {"fixmedins_code": code, "fixmedins_name": f"机构{code}", "fixmedins_type": typ,
                "hosp_lv": lv, "admdvs": admdvs, "bed_cnt": beds, "drg_dip_flag": drg, "period": period}

    return [
        f("H1", "1", "02", 500, "1"),
        f("H2", "1", "05", 100, "1"),
        f("H2", "1", "05", 120, "1", period="2025-02"),
        f("H2", "1", "05", 999, "1", period="2025-04"),
        f("H3", "1", "09", 20, "0"),
        f("H4", "1", "10", 0, "0"),
        f("P1", "2", None, None, None),
        f("P2", "2", None, None, None),
        f("X1", "1", "02", 800, "1", admdvs=O),
    ]


def s(setl_id, inst, blng, insu, insutype, med_type, medfee, ownpay, hifp, *, time="2025-03-10 10:00:00",
      refd="0", vali="1", pay=None):
    return {
        "setl_id": setl_id, "mdtrt_id": "M" + setl_id, "psn_no": "p" + setl_id, "insutype": insutype,
        "med_type": med_type, "fixmedins_code": inst, "fix_blng_admdvs": blng, "insu_admdvs": insu,
        "setl_time": time, "medfee_sumamt": medfee, "fulamt_ownpay_amt": ownpay, "inscp_scp_amt": 0,
        "hifp_pay": hifp, "fund_pay_sumamt": hifp, "refd_setl_flag": refd, "vali_flag": vali,
        "setl_pay_way": pay,
    }


def settlements() -> list[dict]:
    jan = "2025-01-15 09:00:00"
    feb = "2025-02-15 09:00:00"
    return [
        # ---- January (year-to-date / half-year windows only)
        s("J1", "H1", R, R, "310", "21", 2000, 0, 1200, time=jan, pay="drg_std"),
        s("J2", "H2", R, R, "390", "21", 1000, 0, 700, time=jan, pay="drg_std"),
        # ---- February (= P-1)
        s("T1", "H1", R, R, "310", "21", 5000, 0, 3000, time=feb, pay="drg_std"),
        s("T2", "H1", R, R, "390", "21", 4000, 0, 2000, time=feb, pay="drg_std"),
        s("T3", "H2", R, R, "310", "21", 3000, 0, 1500, time=feb, pay="drg_std"),
        s("T4", "H3", R, R, "390", "21", 1000, 0, 600, time=feb),
        s("T5", "H4", R, R, "390", "21", 500, 0, 100, time=feb),
        s("T6", "H4", R, R, "390", "21", 500, 0, 100, time=feb),
        s("T7", "H4", R, R, "390", "21", 500, 0, 100, time=feb),
        # ---- March (= P)
        s("S1", "H1", R, R, "310", "21", 10000, 500, 7000, pay="drg_std"),
        s("S2", "H1", R, R, "390", "21", 6000, 300, 3600, pay="itemized"),
        s("S3", "H1", R, R, "310", "21", -2000, -100, -1400, refd="1", pay="drg_std"),  # refund row
        s("S4", "H1", R, O, "310", "21", 8000, 400, 5000, pay="drg_std"),  # insured elsewhere (O)
        s("S5", "H2", R, R, "310", "22", 4000, 0, 3000, pay="special"),
        s("S6", "H2", R, R, "390", "11", 200, 20, 100),
        s("S7", "H1", R, R, "310", "11", 300, 30, 150),
        s("S8", "H1", R, R, "390", "13", 500, 50, 200),
        s("S9", "H1", R, R, "310", "11", 1000, 100, 500, vali="0"),  # invalid: ignored everywhere
        s("S10", "EXT1", O, R, "310", "21", 9000, 900, 6000),  # our insured treated in region O
        s("S11", "P1", R, R, "310", "41", 100, 10, 0),  # pharmacy purchase
        s("S12", "H2", R, R, "310", "11", -50, -5, -20, refd="1"),  # outpatient refund row
        s("S13", "H1", R, R, "310", "21", 3000, 0, 2000, vali=None, pay="none"),  # blank vali = valid
    ]


def setl_lists() -> list[dict]:
    def li(sid, inst, qc, code, days, w, period=P):
        return {"setl_id": sid, "fixmedins_code": inst, "qc_pass_flag": qc, "grp_type": "DRG",
                "grp_code": code, "act_ipt_days": days, "grp_weight": w, "period": period}

    return [
        li("S1", "H1", "1", "EJ13", 10, 1.2),
        li("S2", "H1", "0", "QY", 6, None),  # not grouped
        li("S3", "H1", "1", "EJ13", 3, 1.2),  # list of a refund row: not a case, ignored
        li("S4", "H1", "1", "FR25", 5, 0.8),
        li("S5", "H2", "1", "EJ13", 8, 1.2),
    ]


def special_cases() -> list[dict]:
    def sc(sid, inst, res, period):
        return {"setl_id": sid, "fixmedins_code": inst, "apply_date": period + "-20", "audit_result": res,
                "period": period}

    return [sc("S5", "H2", "1", P), sc("S2", "H1", "0", P), sc("T1", "H1", "1", "2025-02"),
            sc("J1", "H1", None, "2025-01")]


def fund_reports() -> list[dict]:
    rows = []

    def add(period, fund, item, amount):
        rows.append({"admdvs": R, "period": period, "fund": fund, "item": item, "amount": amount})

    # monthly flows: 2024 employee income 100 / expense 80, resident 50 / 45;
    #                2025 employee income 120 / expense 90, resident 60 / 58.
    for m in range(3, 13):
        p = f"2024-{m:02d}"
        add(p, "employee", "income_total", 100 * m)
        add(p, "employee", "expense_total", 80 * m)
        add(p, "resident", "income_total", 50 * m)
        add(p, "resident", "expense_total", 45 * m)
    for m in (1, 2, 3):
        p = f"2025-{m:02d}"
        add(p, "employee", "income_total", 120 * m)
        add(p, "employee", "expense_total", 90 * m)
        add(p, "employee", "balance_period", 30 * m)
        add(p, "resident", "income_total", 60 * m)
        add(p, "resident", "expense_total", 58 * m)
        add(p, "resident", "balance_period", 2 * m)
    add(P, "employee", "income_contribution", 300)
    add(P, "employee", "income_other", 60)
    add(P, "employee", "expense_pool", 200)
    add(P, "employee", "balance_cumulative", 5000)
    add(P, "resident", "income_personal", 50)
    add(P, "resident", "income_fiscal_central", 60)
    add(P, "resident", "income_fiscal_province", 30)
    add(P, "resident", "income_fiscal_local", 30)
    add(P, "resident", "income_other", 10)
    add(P, "resident", "balance_cumulative", 800)
    add(P, "assistance", "income_total", 40)
    add(P, "assistance", "expense_assistance", 25)
    return rows


def psn_counts() -> list[dict]:
    def pc(period, insutype, n):
        return {"admdvs": R, "period": period, "insutype": insutype, "psn_cnt": n}

    return [pc("2025-01", "310", 1000), pc("2025-01", "390", 3000), pc("2025-01", "320", 500),
            pc("2025-02", "310", 1100), pc("2025-02", "390", 3000),
            pc("2025-03", "310", 1200), pc("2025-03", "390", 3300), pc("2025-03", "330", 700)]


def budgets() -> list[dict]:
    def b(year, item, amount):
        return {"admdvs": R, "year": year, "item": item, "amount": amount}

    return [b(2026, "ipt_pool", 1000000), b(2026, "otp_pool", 300000), b(2026, "drg_dip_pool", 800000),
            b(2026, "other", 50000), b(2025, "ipt_pool", 999)]


def clr_results() -> list[dict]:
    def c(inst, period, declared, paid):
        return {"fixmedins_code": inst, "period": period, "declared_amt": declared, "deducted_amt": 0,
                "paid_amt": paid}

    return [c("H1", "2025-01", 1000, 950), c("H1", "2025-02", 2000, 1900), c("H2", P, 500, 450),
            c("H4", "2025-02", 0, 0), c("H1", "2025-04", 100, 0)]


def externals() -> list[dict]:
    def e(iid, code, value):
        return {"admdvs": R, "period": P, "indicator_id": iid, "fixmedins_code": code, "value": value}

    return [e(52, None, 78.5), e(53, None, 4.5), e(54, None, 12.3), e(55, None, 0.9), e(55, "H1", 0.93),
            e(56, "H2", 0.6), e(57, None, 0.98), e(57, "H1", 1.02)]


def build(workdir: Path) -> Path:
    write_rows(workdir, "fixmedins", fixmedins(), R)
    write_rows(workdir, "setl_d", settlements(), R)
    write_rows(workdir, "setl_list", setl_lists(), R)
    write_rows(workdir, "special_case", special_cases(), R)
    write_rows(workdir, "fund_report", fund_reports(), R)
    write_rows(workdir, "psn_count", psn_counts(), R)
    write_rows(workdir, "budget", budgets(), R)
    write_rows(workdir, "clr_result", clr_results(), R)
    write_rows(workdir, "external", externals(), R)
    return workdir
