"""The demo settles its generated DRG year and renders the 清算 document (read-only use of the
session's demo run)."""

import json
from decimal import Decimal as D

import openpyxl


def test_demo_settles_the_generated_year(demo):
    assert demo.exit_code == 0, demo.output
    frozen = json.loads((demo.workdir / "payment" / "140400" / "2025" / "settlement.json").read_text("utf-8"))
    assert frozen["final"] and frozen["scheme"] == "DRG"
    insts = frozen["institutions"].values()
    assert sum(D(i["payment"]) for i in insts) == D(frozen["fund_available"])
    assert sum(D(i["final_payment"]) for i in insts) + D(frozen["fund_retained"]) == D(frozen["fund_available"])
    book = openpyxl.load_workbook(demo.workdir / "outputs" / "清算_140400_2025.xlsx", read_only=True)
    assert {"清算汇总", "机构清算", "考核评价", "基金超支风险"} <= set(book.sheetnames)
    assert "年度清算" in demo.output
