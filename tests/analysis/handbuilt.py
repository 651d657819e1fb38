"""A small hand-built region for the analysis tests; every expectation is worked out by hand.

Region R = 140400 (O = 140500 elsewhere). P = 2025-06; topic window 2025-01..06 against
2024-01..06. Institutions (fixmedins snapshot):
  A1 三级甲等 (02), A2 三级乙等 (03), A3 三级甲等 (02), B1 二级甲等 (05), B2 二级乙等 (06),
  C1 一级乙等 (09), P1 pharmacy, X1 hospital of region O.

ADRG EJ1 cases (cost in yuan; subgroup; diagnosis J98.x follows the subgroup:
EJ11 -> J98.9, EJ13 -> J98.1, EJ15 -> J98.4):
  2025  A1: EJ11 30000, EJ11 32000, EJ13 20000, EJ15 10000       median 25000
        A2: EJ13 18000, EJ15 9000, EJ15 11000                    median 11000
        A3: EJ15 8000, EJ15 12000, EJ13 16000, EJ11 40000         median 14000
        B1: EJ15 7000, EJ15 9000, EJ15 8000                      median 8000
        B2: EJ15 6000, EJ13 12000                                (2 cases: below the minimum 3)
        C1: EJ15 5000                                            (1 case)
  2024  A1: EJ15 10000, EJ15 12000, EJ13 20000; A2: EJ15 9000; B1: EJ15 7000, EJ15 7000
Not in the topic: A1 FR25 5000 (another ADRG, diagnosis I63.900), an EJ15 refund row, an invalid
EJ15 row, an EJ15 case at X1 (region O's hospital).
"""

from __future__ import annotations

from pathlib import Path

from liangjiadi.config import Settings
from liangjiadi.lake import write_rows

R = "140400"
O = "140500"
P = "2025-06"

DIAG = {"EJ11": "J98.900", "EJ13": "J98.100", "EJ15": "J98.400", "FR25": "I63.900"}

CASES_2025 = [
    ("A1", "EJ11", 30000, "2025-01"), ("A1", "EJ11", 32000, "2025-02"), ("A1", "EJ13", 20000, "2025-03"),
    ("A1", "EJ15", 10000, "2025-04"),
    ("A2", "EJ13", 18000, "2025-02"), ("A2", "EJ15", 9000, "2025-03"), ("A2", "EJ15", 11000, "2025-05"),
    ("A3", "EJ15", 8000, "2025-01"), ("A3", "EJ15", 12000, "2025-03"), ("A3", "EJ13", 16000, "2025-04"),
    ("A3", "EJ11", 40000, "2025-06"),
    ("B1", "EJ15", 7000, "2025-02"), ("B1", "EJ15", 9000, "2025-03"), ("B1", "EJ15", 8000, "2025-06"),
    ("B2", "EJ15", 6000, "2025-03"), ("B2", "EJ13", 12000, "2025-05"),
    ("C1", "EJ15", 5000, "2025-04"),
]
CASES_2024 = [
    ("A1", "EJ15", 10000, "2024-02"), ("A1", "EJ15", 12000, "2024-03"), ("A1", "EJ13", 20000, "2024-05"),
    ("A2", "EJ15", 9000, "2024-03"),
    ("B1", "EJ15", 7000, "2024-02"), ("B1", "EJ15", 7000, "2024-04"),
]


def settings(workdir: Path, **kw) -> Settings:
    return Settings(workdir=workdir, region_admdvs=R, **kw)


def fixmedins() -> list[dict]:
    def f(code, typ, lv, admdvs=R, kind="综合"):
        return {"fixmedins_code": code, "fixmedins_name": f"机构{code}", "fixmedins_type": typ, "hosp_lv": lv,
                "admdvs": admdvs, "bed_cnt": 100, "drg_dip_flag": "1", "inst_kind": kind}

    return [f("A1", "1", "02"), f("A2", "1", "03"), f("A3", "1", "02"), f("B1", "1", "05"),
            f("B2", "1", "06", kind="中医"), f("C1", "1", "09", kind="基层"), f("P1", "2", None),
            f("X1", "1", "02", admdvs=O)]


def _setl(sid, inst, month, medfee, *, blng=R, insu=R, med_type="21", refd="0", vali="1", hifp=None):
    return {
        "setl_id": sid, "mdtrt_id": "M" + sid, "psn_no": "p" + sid, "insutype": "310", "med_type": med_type,
        "fixmedins_code": inst, "fix_blng_admdvs": blng, "insu_admdvs": insu,
        "setl_time": f"{month}-10 10:00:00", "medfee_sumamt": medfee, "fulamt_ownpay_amt": 0,
        "inscp_scp_amt": medfee, "hifp_pay": hifp if hifp is not None else medfee * 7 // 10,
        "fund_pay_sumamt": hifp if hifp is not None else medfee * 7 // 10, "refd_setl_flag": refd, "vali_flag": vali,
        "setl_pay_way": "drg_std",
    }


def _list(sid, inst, month, grp):
    return {"setl_id": sid, "fixmedins_code": inst, "qc_pass_flag": "1", "grp_type": "DRG", "grp_code": grp,
            "maindiag_code": DIAG[grp], "act_ipt_days": 7, "grp_weight": 1.0, "period": month}


def settlements_and_lists() -> tuple[list[dict], list[dict]]:
    setl, lists = [], []
    for i, (inst, grp, cost, month) in enumerate(CASES_2025 + CASES_2024, 1):
        sid = f"C{i:03d}"
        setl.append(_setl(sid, inst, month, cost))
        lists.append(_list(sid, inst, month, grp))
    extra = [
        ("N1", "A1", "2025-02", 5000, "FR25", {}),
        ("N2", "A1", "2025-03", -10000, "EJ15", {"refd": "1"}),  # refund row: not a case
        ("N3", "A2", "2025-03", 99000, "EJ15", {"vali": "0"}),  # invalid
        ("N4", "X1", "2025-03", 77000, "EJ15", {"blng": O}),  # region O's hospital
    ]
    for sid, inst, month, cost, grp, kw in extra:
        setl.append(_setl(sid, inst, month, cost, **kw))
        lists.append(_list(sid, inst, month, grp))
    return setl, lists


def fees() -> list[dict]:
    # C001 = A1's EJ11 30000 case (2025-01); C018 = A1's EJ15 10000 case (2024-02)
    def fee(sid, kind, amt, month):
        return {"setl_id": sid, "med_chrgitm_type": kind, "item_sumamt": amt, "period": month}

    return [fee("C001", "药品", 12000, "2025-01"), fee("C001", "耗材", 8000, "2025-01"),
            fee("C001", "手术", 10000, "2025-01"),
            fee("C018", "药品", 5000, "2024-02"), fee("C018", "检查", 5000, "2024-02")]


def expense_settlements() -> list[dict]:
    """Non-inpatient / elsewhere settlements for the expense structure (hifp_pay given)."""
    return [
        # 2025-01
        _setl("E1", "B1", "2025-01", 300, med_type="11", hifp=200),  # 普通门诊 at 二级
        _setl("E2", "C1", "2025-01", 200, med_type="14", hifp=100),  # 门诊慢特病 at 一级
        _setl("E3", "P1", "2025-01", 80, med_type="41", hifp=50),  # 药店购药
        _setl("E4", "Y9", "2025-01", 1000, blng=O, hifp=300),  # inpatient elsewhere (异地就医)
        _setl("E5", "A1", "2025-01", 500, insu=O, hifp=400),  # other region's insured: not ours
        # 2024-01
        _setl("F1", "B1", "2024-01", 300, med_type="11", hifp=100),
        _setl("F2", "Y9", "2024-01", 1000, blng=O, hifp=100),
    ]


# ---- fund report: flows per month, cumulative within each year --------------------------------------

EMP = {"2024": {"income_contribution": 90, "income_other": 10, "expense_total": 80, "expense_pool": 70},
       "2025": {"income_contribution": 99, "income_other": 11, "expense_total": 95, "expense_pool": 80}}
RES = {"2024": {"income_personal": 20, "income_fiscal_central": 15, "income_fiscal_province": 5,
                "income_fiscal_local": 5, "income_other": 5, "expense_total": 48, "expense_pool": 40},
       "2025": {"income_personal": 20, "income_fiscal_central": 15, "income_fiscal_province": 5,
                "income_fiscal_local": 5, "income_other": 5, "expense_total": 55, "expense_pool": 45}}
OPENING = {"employee": 1000, "resident": 200}  # balance_cumulative at 2023-12


def fund_reports(last: str = P) -> list[dict]:
    rows = []
    stock = dict(OPENING)
    for fund, flows in (("employee", EMP), ("resident", RES)):
        for year in ("2024", "2025"):
            f = flows[year]
            income = sum(v for k, v in f.items() if k.startswith("income_"))
            for m in range(1, 13):
                period = f"{year}-{m:02d}"
                if period > last:
                    break
                stock[fund] += income - f["expense_total"]
                items = {k: v * m for k, v in f.items()}
                items["income_total"] = income * m
                items["balance_period"] = (income - f["expense_total"]) * m
                items["balance_cumulative"] = stock[fund]
                rows += [{"admdvs": R, "period": period, "fund": fund, "item": k, "amount": v} for k, v in items.items()]
    return rows


def budget() -> list[dict]:
    return [{"admdvs": R, "year": 2025, "item": k, "amount": v}
            for k, v in (("ipt_pool", 1000), ("otp_pool", 500), ("drg_dip_pool", 800), ("other", 100))]


def build(workdir: Path) -> Settings:
    setl, lists = settlements_and_lists()
    write_rows(workdir, "fixmedins", fixmedins(), R)
    write_rows(workdir, "setl_d", setl + expense_settlements(), R)
    write_rows(workdir, "setl_list", lists, R)
    write_rows(workdir, "setl_fee", fees(), R)
    write_rows(workdir, "fund_report", fund_reports(), R)
    write_rows(workdir, "budget", budget(), R)
    return settings(workdir)
