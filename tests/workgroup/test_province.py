"""The province: regions' quarterly submissions imported, compared side by side, late ones flagged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.errors import InputFileError
from liangjiadi.workgroup.province import due_date, import_submission, read_submission, submissions


def _submission(path, groups, *, drop_sheet=None, bad_number=False):
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {
        "重点病组": [["病组编码", "病组名称", "病例数", "次均费用", "统筹基金支出"]]
        + [[code, name, n, "abc" if bad_number else cost, cost * n] for code, name, n, cost in groups],
        "机构比较": [["单位编码", "单位名称", "单位级别", "出院人次", "次均费用", "费用消耗指数", "时间消耗指数"],
                 ["H1", "市人民医院", "三级", 1200, 15000.5, 1.05, 0.98]],
        "职工门诊统筹": [["指标", "值"], ["试点机构数", 12], ["门诊统筹基金支出", 1234567.89]],
    }
    for name, rows in sheets.items():
        if name == drop_sheet:
            continue
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_due_date_is_the_end_of_the_next_month():
    assert due_date("2026-Q1") == date(2026, 4, 30) and due_date("2026-Q4") == date(2027, 1, 31)


def test_import_and_side_by_side_with_late_flagged(tmp_path):
    a = _submission(tmp_path / "a.xlsx", [("EJ1", "呼吸系统感染", 300, 8000), ("FR2", "心力衰竭", 120, 12000)])
    b = _submission(tmp_path / "b.xlsx", [("EJ1", "呼吸系统感染", 500, 7600)])
    import_submission(tmp_path, a, region="140400", region_name="长治市", quarter="2026-Q1", received=date(2026, 4, 20))
    import_submission(tmp_path, b, region="210100", region_name="沈阳市", quarter="2026-Q1", received=date(2026, 5, 6))
    subs = submissions(tmp_path, "2026-Q1", expect=["140100"])
    assert [(s.region, s.status) for s in subs] == [("140100", "未报送"), ("140400", "按时"), ("210100", "逾期 6 天")]
    assert subs[1].sheets["职工门诊统筹"][1] == {"指标": "门诊统筹基金支出", "值": "1234567.89"}

    runner = CliRunner()
    out = tmp_path / "比较.xlsx"
    r = runner.invoke(app, ["group", "province", "compare", "--quarter", "2026-Q1", "--out", str(out),
                            "--expect", "140100", "--workdir", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "逾期 6 天" in r.output and "未报送" in r.output
    wb = load_workbook(out)
    side = list(wb["重点病组"].iter_rows(values_only=True))
    assert side[0][:2] == ("病组编码", "病组名称") and "长治市·病例数" in side[0] and "沈阳市·病例数" in side[0]
    ej1 = next(r for r in side if r[0] == "EJ1")
    assert ej1[side[0].index("长治市·病例数")] == 300 and ej1[side[0].index("沈阳市·病例数")] == 500
    fr2 = next(r for r in side if r[0] == "FR2")
    assert fr2[side[0].index("沈阳市·病例数")] is None
    # region level only: no institution appears anywhere in the comparison
    text = " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    assert "市人民医院" not in text and "H1" not in text.split()
    assert Decimal(str(subs[1].sheets["重点病组"][0]["统筹基金支出"])) == Decimal("2400000")


def test_bad_submissions_are_named(tmp_path):
    with pytest.raises(InputFileError, match="缺少工作表：职工门诊统筹"):
        read_submission(_submission(tmp_path / "x.xlsx", [], drop_sheet="职工门诊统筹"))
    with pytest.raises(InputFileError, match="工作表「重点病组」第 2 行「次均费用」列：值「abc」不是数字"):
        read_submission(_submission(tmp_path / "y.xlsx", [("EJ1", "呼吸系统感染", 1, 1)], bad_number=True))


def test_names_from_the_regions_files_are_shown_never_run(tmp_path):
    a = _submission(tmp_path / "a.xlsx", [("EJ1", '+HYPERLINK("http://x","点我")', 300, 8000)])
    import_submission(tmp_path, a, region="140400", region_name="@SUM(1,1)", quarter="2026-Q1", received=date(2026, 4, 20))
    out = tmp_path / "比较.xlsx"
    from liangjiadi.workgroup.province import compare_xlsx

    compare_xlsx(out, "2026-Q1", submissions(tmp_path, "2026-Q1"), date(2026, 4, 30))
    cells = [c for ws in load_workbook(out) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(c.data_type == "f" for c in cells)
    texts = {c.value for c in cells}
    assert "'@SUM(1,1)" in texts and '\'+HYPERLINK("http://x","点我")' in texts
    assert "'@SUM(1,1)·病例数" in texts
