"""The 数据底稿 workbook: official layout, values and formats in the right cells, institution
sheets grouped by level, print setup, notes."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from liangjiadi import lake
from liangjiadi.cli.export_worksheet import add_worksheet_command
from liangjiadi.cli.main import app
from liangjiadi.indicators.results import RESULT_SCHEMA, save_results
from liangjiadi.indicators.institutions import institution_directory
from liangjiadi.reports import export_worksheet
from liangjiadi.reports.worksheet import MAIN_COLUMNS

OFFICIAL = ["序号", "项目", "指标", "建议公开频次", "数据来源", "公式", "口径", "备注"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "worksheet.md"


@pytest.fixture
def workbook(stored_region, tmp_path):
    path = export_worksheet("2025-03", stored_region, tmp_path / "底稿.xlsx")
    return openpyxl.load_workbook(path)


def _row_of(ws, indicator_id) -> int:
    for row in range(4, ws.max_row + 1):
        if str(ws.cell(row, 1).value) == str(indicator_id):
            return row
    raise AssertionError(f"row {indicator_id} not found")


def test_main_sheet_has_the_official_header_and_rows_in_order(workbook):
    assert workbook.sheetnames[0] == "数据底稿" and workbook.sheetnames[-1] == "说明"
    ws = workbook["数据底稿"]
    header = [ws.cell(3, c).value for c in range(1, len(MAIN_COLUMNS) + 1)]
    assert header[:8] == OFFICIAL
    assert header[8:] == ["本期值", "上年同期值", "同比变化"]
    ids = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value is not None]
    assert ids[:49] == list(range(1, 50))
    assert "16" not in {str(i) for i in ids[49:]}


def test_heading_rows_have_no_values(workbook):
    ws = workbook["数据底稿"]
    for heading in (16, 19):
        row = _row_of(ws, heading)
        assert ws.cell(row, 3).value in ("（一）职工医保", "（二）居民医保")
        assert ws.cell(row, 3).font.b
        assert all(ws.cell(row, c).value is None for c in (9, 10, 11))


def test_group_and_source_cells_are_merged_like_the_official_table(workbook):
    ws = workbook["数据底稿"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "B4:B10" in merged and ws["B4"].value == "基金收入"  # 1-7
    first, last = _row_of(ws, 15), _row_of(ws, 21)
    assert f"B{first}:B{last}" in merged and ws[f"B{first}"].value == "基金结余"
    assert "E4:E10" in merged and ws["E4"].value == "医保基金报表"  # 1-7: fund report, within 基金收入
    assert f"E11:E{_row_of(ws, 10)}" in merged  # 8-10: fund report again, within 基金支出
    assert ws.cell(_row_of(ws, 11), 5).value == "统筹地区结算数据"


@pytest.mark.parametrize(("indicator_id", "current", "last", "change", "fmt", "change_fmt"), [
    (1, 1234.56789, 987.654312, 0.25, '#,##0.00" 万元"', "+0.00%"),  # 万元, growth rate
    (37, 9876.54, 7901.232, 0.25, '#,##0.00" 元"', "+0.00%"),  # per case: 元
    (38, 1000, 800, 0.25, '#,##0" 人次"', "+0.00%"),
    (28, 0.1234, 0.09872, 2.468, "0.00%", "个百分点"),  # ratio: percentage points
    (40, 20.5, 20.5, 0, '0.00":1"', "+0.00%"),  # 门诊住院人次比 is a multiple
])
def test_region_values_and_number_formats(workbook, indicator_id, current, last, change, fmt, change_fmt):
    ws = workbook["数据底稿"]
    row = _row_of(ws, indicator_id)
    assert ws.cell(row, 9).value == pytest.approx(current)
    assert ws.cell(row, 9).number_format == fmt
    assert ws.cell(row, 10).value == pytest.approx(last)
    assert ws.cell(row, 11).value == pytest.approx(change)
    assert change_fmt in ws.cell(row, 11).number_format


def test_not_due_and_institution_only_rows(workbook):
    ws = workbook["数据底稿"]
    assert ws.cell(_row_of(ws, 33), 9).value == "本期不公开"  # half-year indicator in March
    assert ws.cell(_row_of(ws, 46), 9).value == "本期不公开"  # yearly
    assert ws.cell(_row_of(ws, 22), 9).value is not None and ws.cell(_row_of(ws, 22), 9).value != "本期不公开"
    assert ws.cell(_row_of(ws, 43), 9).value == "仅公布各机构"
    assert ws.cell(_row_of(ws, 36), 3).value == "住院总费用*"


def test_frozen_panes_and_print_setup(workbook):
    for name in workbook.sheetnames[:-1]:
        ws = workbook[name]
        assert ws.freeze_panes == "D4", name
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$3:$3"
        assert "2025年3月" in ws.oddHeader.right.text and "140400" in ws.oddHeader.left.text
        assert "&P" in ws.oddFooter.center.text
    ws = workbook["数据底稿"]
    assert ws.column_dimensions["C"].width > 20 and ws.cell(4, 6).alignment.wrap_text
    # long formulas are printed in full: the row is as tall as its wrapped text
    assert ws.row_dimensions[_row_of(ws, 43)].height > 3 * ws.row_dimensions[_row_of(ws, 4)].height


def test_institution_sheets_are_grouped_by_level(workbook):
    assert "基金支出（各机构）" in workbook.sheetnames
    assert "DRG-DIP支付方式（各机构）" in workbook.sheetnames
    ws = workbook["医疗机构服务情况（各机构）"]
    header = [ws.cell(3, c).value for c in range(1, ws.max_column + 1)]
    assert header[:4] == ["序号", "机构编码", "机构名称", "机构等级"]
    col = {h.split(" ")[0]: i + 1 for i, h in enumerate(header) if h and h[0].isdigit()}
    assert "（万元）" in header[col["36"] - 1] and "（人次）" in header[col["39"] - 1]
    labels = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(4, ws.max_row + 1)]
    assert [a for a, _, _ in labels if isinstance(a, str)] == [
        "三级医疗机构（2家）", "二级医疗机构（2家）", "一级及以下医疗机构（1家）"]
    order = [code for _, code, _ in labels if code]
    assert order == ["H001", "H002", "H003", "H004", "H005"]
    assert [name for _, _, name in labels if name and name.endswith("小计")] == ["三级小计", "二级小计", "一级及以下小计"]
    assert labels[-1][2] == "统筹地区"

    sub_row = 4 + [name for _, _, name in labels].index("三级小计")
    assert ws.cell(sub_row, col["36"]).value == pytest.approx(300)  # (1e6 + 2e6) 元 in 万元
    assert ws.cell(sub_row, col["39"]).value == pytest.approx(300)
    assert ws.cell(sub_row, col["37"]).value == pytest.approx(10_000)  # Σ numerator / Σ denominator
    h001 = 4 + order.index("H001") + 1  # after the level heading row
    assert ws.cell(h001, 2).value == "H001" and ws.cell(h001, 4).value == "三级甲等"
    assert ws.cell(h001, col["36"]).value == pytest.approx(100)
    assert ws.cell(h001, col["36"]).number_format == "#,##0.00"
    assert workbook["DRG-DIP支付方式（各机构）"].cell(h001, 5).number_format == "0.00%"


def test_absent_values_are_marked_and_explained(workbook):
    ws = workbook["医疗机构服务情况（各机构）"]
    header = [ws.cell(3, c).value for c in range(1, ws.max_column + 1)]
    col45 = next(i + 1 for i, h in enumerate(header) if h and h.startswith("45 "))
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == "H005")
    assert ws.cell(row, col45).value == "—"
    notes = "\n".join(str(c.value) for line in workbook["说明"].iter_rows() for c in line if c.value)
    assert "分母为0（本期无结算）" in notes and "H005 城关镇卫生院" in notes
    assert "复核结论：不通过" in notes and "分项之和与合计不符" in notes  # the reason, not its code SUM_MISMATCH
    assert "上年同期值取自2024年3月" in notes
    assert "33 特例单议申请病例数量" in notes  # listed as not published this period


def test_without_last_year_or_checks_cells_are_blank_with_a_note(stored_region, tmp_path):
    shutil.rmtree(stored_region.workdir / "results" / "140400" / "2024-03")
    shutil.rmtree(stored_region.workdir / "checks")
    wb = openpyxl.load_workbook(export_worksheet("2025-03", stored_region, tmp_path / "x.xlsx"))
    ws = wb["数据底稿"]
    assert ws.cell(_row_of(ws, 1), 10).value is None and ws.cell(_row_of(ws, 1), 11).value is None
    notes = "\n".join(str(c.value) for line in wb["说明"].iter_rows() for c in line if c.value)
    assert "未找到2024年3月的计算结果" in notes and "尚未复核" in notes


def test_all_values_option_shows_not_due_indicators(stored_region, tmp_path):
    wb = openpyxl.load_workbook(export_worksheet("2025-03", stored_region, tmp_path / "all.xlsx",
                                                 show_unpublished=True))
    ws = wb["数据底稿"]
    assert isinstance(ws.cell(_row_of(ws, 33), 9).value, (int, float))


def test_institution_directory_is_as_of_the_period(settings):
    lake.write_rows(settings.workdir, "fixmedins", [
        {"fixmedins_code": "H001", "fixmedins_name": "旧名", "fixmedins_type": "1", "hosp_lv": "05",
         "admdvs": "140400", "period": "2024-01"},
        {"fixmedins_code": "H001", "fixmedins_name": "新名", "fixmedins_type": "1", "hosp_lv": "02",
         "admdvs": "140400", "period": "2025-01"},
    ], "140400")
    assert institution_directory(settings, "2024-12")["H001"].level_group == "二级"
    now = institution_directory(settings, "2025-03")["H001"]
    assert (now.name, now.level_group) == ("新名", "三级")


# ---- the command -----------------------------------------------------------------------


def test_export_worksheet_command(stored_region, tmp_path):
    out = tmp_path / "cli.xlsx"
    result = CliRunner().invoke(app, ["export", "worksheet", "--period", "2025-03", "--out", str(out),
                                      "--workdir", str(stored_region.workdir), "--region-name", "示例市"])
    assert result.exit_code == 0, result.output
    assert "已生成数据底稿" in result.output
    assert openpyxl.load_workbook(out)["数据底稿"]["A1"].value.startswith("示例市（140400）")


def test_export_worksheet_without_results_exits_2(settings, tmp_path):
    result = CliRunner().invoke(app, ["export", "worksheet", "--period", "2025-03", "--out",
                                      str(tmp_path / "x.xlsx"), "--workdir", str(settings.workdir)])
    assert result.exit_code == 2
    assert "liangjiadi compute --period 2025-03" in result.output


def test_add_worksheet_command_is_idempotent():
    sub = typer.Typer()
    add_worksheet_command(sub)
    add_worksheet_command(sub)
    assert [c.name for c in sub.registered_commands] == ["worksheet"]


def test_worksheet_doc_describes_every_sheet_and_column():
    text = DOCS.read_text(encoding="utf-8")
    for word in MAIN_COLUMNS + ["数据底稿", "说明", "各机构", "三级", "二级", "一级及以下", "小计", "万元",
                                "本期不公开", "export worksheet"]:
        assert word in text, word


def test_june_publishes_half_year_indicators(settings, tmp_path):
    rows = [{"admdvs": "140400", "period": "2025-06", "indicator_id": "33", "scope": "region",
             "fixmedins_code": None, "value": 12, "numerator": None, "denominator": None, "basis": "period",
             "note": None, "run_id": "R6", "computed_at": None}]
    save_results(settings.workdir, "140400", "2025-06", pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), "R6")
    wb = openpyxl.load_workbook(export_worksheet("2025-06", settings, tmp_path / "june.xlsx",
                                                 with_institutions=False))
    ws = wb["数据底稿"]
    assert ws.cell(_row_of(ws, 33), 9).value == 12
    assert ws.cell(_row_of(ws, 46), 9).value == "本期不公开"
    assert ws.cell(_row_of(ws, 1), 9).value == "未计算"
