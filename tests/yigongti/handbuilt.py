"""A hand-built region with two counties and their 县域医共体 (seeds/003); every expectation in the
tests is worked out by hand from the rows below.

Region R = 140400 with counties A = 140421 (医共体 Y1, 紧密型 since 2024-01) and B = 140423 (Y2,
紧密型 only from 2026: assessed and monitored, not budgeted in 2025); O = 140500 is elsewhere.
Institutions: L1 lead of Y1 (A, 二级), M1 member of Y1 (A, 一级, 基层), C1 another hospital of A (not a
member), K1 a city hospital of R, X1 a hospital of O, P1 a pharmacy of A, L2 lead of Y2 (B).
Y1 serves the insured of A (insu_admdvs A); 2025 is the year under test, 2024 the year before.
"""

from __future__ import annotations

from pathlib import Path

from liangjiadi.config import Settings
from liangjiadi.lake import write_rows

R, A, B, O = "140400", "140421", "140423", "140500"
YEAR = 2025


def settings(workdir: Path, **kw) -> Settings:
    return Settings(workdir=workdir, region_admdvs=R, region_county_admdvs=[A, B], **kw)


def fixmedins() -> list[dict]:
    def f(code, typ, lv, admdvs, ygt=None, kind="综合"):
        return {"fixmedins_code": code, "fixmedins_name": f"机构{code}", "fixmedins_type": typ, "hosp_lv": lv,
                "admdvs": admdvs, "bed_cnt": 50, "drg_dip_flag": "1", "yigongti_id": ygt, "inst_kind": kind}

    return [f("L1", "1", "05", A, "Y1"), f("M1", "1", "10", A, "Y1", "基层"), f("C1", "1", "07", A),
            f("K1", "1", "02", R), f("X1", "1", "02", O), f("P1", "2", None, A), f("L2", "1", "05", B, "Y2")]


def yigongti() -> list[dict]:
    return [
        {"yigongti_id": "Y1", "yigongti_name": "甲县医共体", "county_admdvs": A, "lead_fixmedins_code": "L1",
         "members": "L1;M1", "tight_since": "2024-01"},
        {"yigongti_id": "Y2", "yigongti_name": "乙县医共体", "county_admdvs": B, "lead_fixmedins_code": "L2",
         "members": None, "tight_since": "2026-01"},
    ]


def s(sid, inst, blng, insu, med_type, medfee, fund, hifp, month, psn, *, year=YEAR, refd="0", vali="1"):
    return {"setl_id": sid, "mdtrt_id": "M" + sid, "psn_no": psn, "insutype": "390", "med_type": med_type,
            "fixmedins_code": inst, "fix_blng_admdvs": blng, "insu_admdvs": insu,
            "setl_time": f"{year}-{month:02d}-15 10:00:00", "medfee_sumamt": medfee, "fulamt_ownpay_amt": 0,
            "inscp_scp_amt": 0, "hifp_pay": hifp, "fund_pay_sumamt": fund, "refd_setl_flag": refd, "vali_flag": vali}


def settlements() -> list[dict]:
    return [
        # ---- 2025, insured of A (served by Y1)
        s("a1", "L1", A, A, "21", 10000, 7000, 6000, 1, "p1"),
        s("a2", "L1", A, A, "21", 8000, 6000, 5000, 3, "p2"),
        s("a7", "L1", A, A, "21", -1000, -600, -500, 3, "p2", refd="1"),  # refund of part of a2
        s("a8", "L1", A, A, "21", 90000, 80000, 80000, 3, "p9", vali="0"),  # invalid: never counted
        s("a3", "M1", A, A, "21", 2000, 1600, 1500, 6, "p1"),
        s("a4", "C1", A, A, "21", 6000, 4000, 3600, 7, "p3"),  # in the county, outside the 医共体
        s("a5", "K1", R, A, "21", 20000, 12000, 11000, 8, "p4"),  # outside the county, in the region
        s("a6", "X1", O, A, "21", 14000, 7000, 6500, 12, "p5"),  # outside the region
        s("o1", "L1", A, A, "11", 300, 150, 150, 2, "p1"),
        s("o2", "M1", A, A, "11", 200, 120, 120, 2, "p6"),
        s("o3", "M1", A, A, "11", 100, 60, 60, 4, "p6"),
        s("o4", "K1", R, A, "11", 500, 250, 250, 5, "p7"),
        s("r1", "P1", A, A, "41", 100, 50, 50, 4, "p6"),  # pharmacy: 域外 for the budget, not in 2-6/2-7
        # ---- 2025, others: insured under the region's own code (no 医共体), 异地 insured, Y2's insured
        s("n1", "L1", A, R, "21", 5000, 3000, 3000, 1, "q1"),
        s("n2", "L1", A, O, "21", 5000, 3000, 3000, 1, "q2"),
        s("y1", "L2", B, B, "21", 4000, 2500, 2500, 2, "q3"),
        # ---- 2024
        s("b1", "L1", A, A, "21", 16000, 11000, 10000, 3, "p1", year=2024),
        s("b2", "K1", R, A, "21", 9000, 6000, 5400, 6, "p2", year=2024),
        s("b3", "M1", A, A, "11", 100, 60, 60, 5, "p1", year=2024),
        s("n3", "K1", R, R, "21", 50000, 31000, 30000, 6, "q1", year=2024),
        s("y2", "L2", B, B, "21", 7000, 5000, 4600, 6, "q3", year=2024),
    ]


def psn_counts() -> list[dict]:
    def pc(admdvs, period, insutype, n):
        return {"admdvs": admdvs, "period": period, "insutype": insutype, "psn_cnt": n}

    return [pc(A, "2025-12", "310", 40), pc(A, "2025-12", "390", 60), pc(A, "2025-12", "392", 60),  # 392 not counted
            pc(A, "2024-12", "310", 40), pc(A, "2024-12", "390", 50), pc(R, "2025-12", "390", 1000)]


def fund_reports() -> list[dict]:
    def fr(fund, item, amount, period="2024-12"):
        return {"admdvs": R, "period": period, "fund": fund, "item": item, "amount": amount}

    return [fr("employee", "income_total", 60000), fr("resident", "income_total", 40000),
            fr("employee", "expense_total", 50000)]


def extras() -> dict[str, list[dict]]:
    clinics = []
    for year, fixed in ((2024, {"V1"}), (2025, {"V1", "V2", "V3"})):
        for c in ("V1", "V2", "V3", "V4"):
            clinics.append({"county_admdvs": A, "year": year, "clinic_code": c, "fixed_flag": "1" if c in fixed else "0"})
    vbp = [
        {"county_admdvs": A, "year": YEAR, "clinic_code": "V1", "generic_name": "氨氯地平", "dosage_form": "片剂",
         "drug_code": "D1", "selected_flag": "1", "qty": 80},
        {"county_admdvs": A, "year": YEAR, "clinic_code": "V1", "generic_name": "氨氯地平", "dosage_form": "片剂",
         "drug_code": "D2", "selected_flag": "0", "qty": 20},
        {"county_admdvs": A, "year": YEAR, "clinic_code": "V1", "generic_name": "阿莫西林", "dosage_form": "胶囊",
         "drug_code": "D3", "selected_flag": "0", "qty": 50},  # no selected drug in its group: not counted
    ] + [{"county_admdvs": A, "year": YEAR, "clinic_code": "V2", "generic_name": f"药{i}", "dosage_form": "片剂",
          "drug_code": f"E{i}", "selected_flag": "1", "qty": 1} for i in range(30)]
    return {
        "yigongti_insured_due": [{"county_admdvs": A, "year": YEAR, "due_cnt": 110, "insured_cnt": None}],
        "yigongti_subsidy": [
            {"county_admdvs": A, "year": YEAR, "level": "中央", "due_amt": 500, "arrived_amt": 500},
            {"county_admdvs": A, "year": YEAR, "level": "省", "due_amt": 300, "arrived_amt": 200}],
        "yigongti_village_clinic": clinics,
        "yigongti_vbp": vbp,
        "yigongti_satisfaction": [{"yigongti_id": "Y1", "year": YEAR, "surveyed_cnt": 100, "satisfied_cnt": 90}],
        "yigongti_family_doctor": [{"yigongti_id": "Y1", "year": YEAR, "signed_paid_cnt": 50, "fee_per_person": 12}],
        "yigongti_bureau": [
            {"yigongti_id": "Y1", "year": YEAR, "item": "advance", "amount": 5000},
            {"yigongti_id": "Y1", "year": YEAR, "item": "overspend_price", "amount": 1000},
            {"yigongti_id": "Y1", "year": YEAR, "item": "overspend_volume", "amount": 2000}],
    }


def build(workdir: Path, *, with_extras: bool = True) -> Path:
    for admdvs in {r["admdvs"] for r in fixmedins()}:
        write_rows(workdir, "fixmedins", [r for r in fixmedins() if r["admdvs"] == admdvs], admdvs)
    write_rows(workdir, "yigongti", yigongti(), R)
    write_rows(workdir, "setl_d", settlements(), R)
    for admdvs in {r["admdvs"] for r in psn_counts()}:
        write_rows(workdir, "psn_count", [r for r in psn_counts() if r["admdvs"] == admdvs], admdvs)
    write_rows(workdir, "fund_report", fund_reports(), R)
    if with_extras:
        for table, rows in extras().items():
            write_rows(workdir, table, rows, R)
    return workdir
