"""The payment commands on a tiny hand-built lake: reading the lake, configuration precedence
(tables < file < --set), the frozen output, the export and the what-if."""

import csv
from decimal import Decimal as D

import pytest
from typer.testing import CliRunner

from liangjiadi.config import Settings
from liangjiadi.lake import write_rows
from liangjiadi.payment.service import run

R = "140400"


def _setl(sid, inst, month, cost, fund, pay="drg_std", day="10"):
    return {"setl_id": sid, "mdtrt_id": "M" + sid, "psn_no": "p" + sid, "insutype": "310", "med_type": "21",
            "fixmedins_code": inst, "fix_blng_admdvs": R, "insu_admdvs": R,
            "setl_time": f"{month}-{day} 10:00:00", "begndate": f"{month}-01", "enddate": f"{month}-{day}",
            "medfee_sumamt": cost, "fulamt_ownpay_amt": 0, "inscp_scp_amt": cost, "hifp_pay": fund,
            "fund_pay_sumamt": fund, "refd_setl_flag": "0", "vali_flag": "1", "setl_pay_way": pay}


def _list(sid, inst, month, grp, days=5, way="1"):
    return {"setl_id": sid, "fixmedins_code": inst, "grp_type": "DRG", "grp_code": grp, "act_ipt_days": days,
            "dscg_way": way, "period": month}


@pytest.fixture()
def lake(tmp_path):
    w = tmp_path / "work"
    write_rows(w, "fixmedins", [
        {"fixmedins_code": "A", "fixmedins_name": "甲医院", "fixmedins_type": "1", "hosp_lv": "02", "admdvs": R,
         "drg_dip_flag": "1"},
        {"fixmedins_code": "B", "fixmedins_name": "乙医院", "fixmedins_type": "1", "hosp_lv": "05", "admdvs": R,
         "drg_dip_flag": "1"},
        {"fixmedins_code": "N", "fixmedins_name": "非DRG", "fixmedins_type": "1", "hosp_lv": "09", "admdvs": R,
         "drg_dip_flag": "0"},
    ], R)
    write_rows(w, "grp_catalog", [
        {"grp_type": "DRG", "grp_code": "G1", "grp_name": "一", "weight": 1.0, "basic_grp_flag": "0"},
        {"grp_type": "DRG", "grp_code": "G2", "grp_name": "二", "weight": 2.0, "basic_grp_flag": "0"},
    ], R)
    setl, lists = [], []
    # 2024 (history): G1 mean 10000, G2 mean 20000 at A → RW 2/3 and 4/3 of the mean 15000.
    for i, (g, cost) in enumerate([("G1", 10000), ("G2", 20000)]):
        sid = f"h{i}"
        setl.append(_setl(sid, "A", "2024-06", cost, cost * 0.7))
        lists.append(_list(sid, "A", "2024-06", g))
    # 2025: A two cases, B one case, N one (not DRG/DIP: left out).
    for sid, inst, month, g, cost in [("a1", "A", "2025-01", "G1", 10000), ("a2", "A", "2025-07", "G2", 20000),
                                      ("b1", "B", "2025-03", "G1", 8000), ("n1", "N", "2025-03", "G1", 5000)]:
        setl.append(_setl(sid, inst, month, cost, cost * 0.7))
        lists.append(_list(sid, inst, month, g))
    write_rows(w, "setl_d", setl, R)
    write_rows(w, "setl_list", lists, R)
    write_rows(w, "budget", [{"admdvs": R, "year": 2025, "item": "drg_dip_pool", "amount": "30000.00"}], R)
    write_rows(w, "pay_coef", [{"admdvs": R, "year": 2025, "fixmedins_code": "B", "adj_coef": 1.5}], R)
    return w


def test_year_from_the_lake(lake):
    r = run(Settings(workdir=lake, region_admdvs=R), 2025)
    s = r.settlement
    assert set(s.institutions) == {"A", "B"}  # N is not a DRG/DIP institution
    assert r.standards.weights["G1"] == D("0.6667") and r.standards.source["G1"] == "history"
    assert r.cfg.institution_coefficients["B"] == D("1.5")  # from the pay_coef table
    assert s.fund_available == D("30000.00") and "预算表" in r.fund_source
    # points: A 0.6667 + 1.3333 = 2.0; B 0.6667 × 0.85 × 1.5 = 0.85 (4 decimals: 0.8500)
    assert s.institutions["A"].points == D("2.0000") and s.institutions["B"].points == D("0.8500")
    assert s.total_payment == D("30000.00")
    assert sum(r.provisional[m]["A"] + r.provisional[m]["B"] for m in r.provisional) == D("30000.00")
    # the pro-rata budget after January is 2500; A's January case cost the fund 7000
    assert r.monitoring[0].status == "severe"


def test_file_then_set_override_the_tables(lake):
    (lake / "payment.toml").write_text(
        'scheme = "DRG"\nfund_available = 40000\n[institution_coefficients]\nB = 1.2\n', encoding="utf-8")
    settings = Settings(workdir=lake, region_admdvs=R)
    r = run(settings, 2025)
    assert r.cfg.institution_coefficients["B"] == D("1.2") and r.settlement.fund_available == D("40000.00")
    r = run(settings, 2025, sets={"institution_coefficients": {"B": 1}, "fund_available": 50000})
    assert r.cfg.institution_coefficients["B"] == D("1") and r.settlement.total_payment == D("50000.00")


def test_commands(lake, monkeypatch):
    from liangjiadi.cli.main import app

    monkeypatch.setenv("LJD_REGION_ADMDVS", R)
    runner = CliRunner()
    w = ["--workdir", str(lake)]
    out = lake / "p.csv"
    res = runner.invoke(app, ["export", "payment", "--year", "2025", "--out", str(out), *w])
    assert res.exit_code != 0 and "尚未年度清算" in res.output
    res = runner.invoke(app, ["payment", "settle", "--year", "2025", *w])
    assert res.exit_code == 0, res.output
    assert (lake / "payment" / R / "2025" / "settlement.json").exists()
    res = runner.invoke(app, ["payment", "settle", "--year", "2025", "--through", "2025-03", *w])
    assert res.exit_code == 0 and (lake / "payment" / R / "2025" / "provisional-2025-03.json").exists()
    res = runner.invoke(app, ["export", "payment", "--year", "2025", "--out", str(out), *w])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    by = {(r["item"], r["fixmedins_code"]): r["value"] for r in rows}
    assert by[("fund_available", "")] == "30000.00" and "rate" in {r["item"] for r in rows}
    assert D(by[("payment", "A")]) + D(by[("payment", "B")]) == D("30000")
    res = runner.invoke(app, ["payment", "whatif", "--year", "2025", "--set", "fund_available=60000", *w])
    assert res.exit_code == 0 and "60,000.00" in res.output
    res = runner.invoke(app, ["payment", "document", "--year", "2025", "--out", str(lake / "qs.xlsx"), *w])
    assert res.exit_code == 0 and (lake / "qs.xlsx").exists()
    res = runner.invoke(app, ["payment", "document", "--year", "2025", "--out", str(lake / "qs.docx"), *w])
    assert res.exit_code == 0 and (lake / "qs.docx").exists()
    from docx import Document

    text = "\n".join(c.text for t in Document(str(lake / "qs.docx")).tables for r in t.rows for c in r.cells)
    assert "甲医院" in text and "30,000.00" in text
    res = runner.invoke(app, ["payment", "document", "--year", "2025", "--out", str(lake / "qs.pdf"), *w])
    assert res.exit_code != 0 and "不支持的清算文件格式" in res.output
    res = runner.invoke(app, ["payment", "assess", "--year", "2025", *w])
    assert res.exit_code == 0 and "缺少数据" in res.output
    res = runner.invoke(app, ["payment", "settle", "--year", "2025", "--set", "outlier_high=0.1", *w])
    assert res.exit_code != 0 and "outlier_low < outlier_high" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["payment", "settle", "--year", "2023", *w])
    assert res.exit_code != 0 and "没有 DRG/DIP 机构的住院病例" in res.output


def test_configured_file_missing_is_a_chinese_error(lake, tmp_path):
    from liangjiadi.payment.errors import PaymentError

    with pytest.raises(PaymentError) as e:
        run(Settings(workdir=lake, region_admdvs=R, payment_file=tmp_path / "无.toml"), 2025)
    assert "找不到支付方式配置文件" in str(e.value)


def test_a_county_hospitals_cases_are_paid(lake):
    """County hospitals of the 统筹地区 are paid from its DRG/DIP fund at its rate ("执行全市统一的病组
    （种）及权重（分值），共同参与全市付费费率（点值）计算", seeds/003 三). Old: only institutions under the
    region's own code; the county hospital and its case were left out."""
    county = "140421"
    write_rows(lake, "fixmedins", [
        {"fixmedins_code": "C", "fixmedins_name": "县医院", "fixmedins_type": "1", "hosp_lv": "05", "admdvs": county,
         "drg_dip_flag": "1"}], R)
    setl = dict(_setl("c1", "C", "2025-05", 8000, 5600), fix_blng_admdvs=county)
    write_rows(lake, "setl_d", [setl], R)
    write_rows(lake, "setl_list", [_list("c1", "C", "2025-05", "G1")], R)
    r = run(Settings(workdir=lake, region_admdvs=R, region_county_admdvs=[county]), 2025)
    s = r.settlement
    assert set(s.institutions) == {"A", "B", "C"}
    # C: one G1 case at a 二级 hospital, as B's without B's 调节系数: 0.6667 × 0.85 = 0.5667 (4 decimals)
    assert s.institutions["C"].points == D("0.5667") and s.institutions["C"].payment > 0
    assert s.institutions["A"].points == D("2.0000") and s.institutions["B"].points == D("0.8500")
    assert s.total_payment == D("30000.00")  # the same fund, now shared by three
