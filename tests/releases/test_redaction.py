"""脱敏扫描: planted personal data is found, named by file and place, never printed in full."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from liangjiadi.releases import PublishBlockedError, attach_files, audit_log, create_release, publish, scan_files, submit
from liangjiadi.releases.redaction import id18_checksum_ok, is_id_card, mask

from .conftest import LAKE_TOKEN, VALID_ID, approve, make_settings

OLD_ID = "110105491231002"  # 15 digits: region 110105, born 1949-12-31


def _scan(settings, *paths):
    return scan_files([(p.name, p) for p in paths], settings)


def test_id_card_rules():
    assert id18_checksum_ok(VALID_ID) and is_id_card(VALID_ID)
    assert not is_id_card(VALID_ID[:-1] + "3")  # wrong check digit
    assert not is_id_card("110105194913310021")  # month 13
    assert is_id_card(OLD_ID) and not is_id_card("110105491331002")
    assert mask(VALID_ID, "id_card") == "1101**********002X"
    assert mask("13812345678", "mobile") == "138****5678"
    assert mask("张三丰", "person_name") == "张**"


def test_plain_text_formats(tmp_path, settings):
    (tmp_path / "a.md").write_text(f"# 月推送\n\n联系人身份证 {VALID_ID}。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"旧证号{OLD_ID}\n电话 138-1234-5678\n", encoding="utf-8")
    (tmp_path / "c.html").write_text(f"<html><body><p>ok</p>\n<p>{VALID_ID}</p></body></html>", encoding="utf-8")
    (tmp_path / "d.json").write_text(json.dumps({"rows": [{"机构": "H001", "备注": f"手机13912345678"}]},
                                                ensure_ascii=False, indent=1), encoding="utf-8")
    report = _scan(settings, *(tmp_path / n for n in ("a.md", "b.txt", "c.html", "d.json")))
    found = {(h.file, h.location, h.kind) for h in report.hits}
    assert found == {("a.md", "第 3 行", "id_card"), ("b.txt", "第 1 行", "id_card"), ("b.txt", "第 2 行", "mobile"),
                     ("c.html", "第 2 行", "id_card"), ("d.json", "第 5 行", "mobile")}
    text = report.summary()
    assert VALID_ID not in text and OLD_ID not in text and "13912345678" not in text
    assert "a.md：第 3 行 发现身份证号（1101**********002X）" in text


def test_numbers_that_are_not_personal_data_pass(tmp_path, settings):
    (tmp_path / "ok.csv").write_text(
        "指标,值,说明\n"
        "基金支出,13812345678.50,元（小数金额不是手机号）\n"
        f"校验位错误,{VALID_ID[:-1]}3,不是身份证号\n"
        "哈希,4131bb59f710dd33c3bffa0f90862b52bfd7a49060c58ff75be01f1ca0bd2995,内容哈希\n"
        "机构,H14040100001,编码\n"
        "日期,20250331,期间\n", encoding="utf-8-sig")
    report = _scan(settings, tmp_path / "ok.csv")
    assert report.clean, report.summary()


def test_csv_names_line_column_and_header(tmp_path, settings):
    (tmp_path / "名单.csv").write_text(f"机构,患者姓名,证件\nH001,张三,{VALID_ID}\n", encoding="gb18030")
    report = _scan(settings, tmp_path / "名单.csv")
    assert [h.message() for h in report.hits] == [
        "名单.csv：第 2 行第 2 列（列“患者姓名”） 发现个人姓名（张*）",
        "名单.csv：第 2 行第 3 列（列“证件”） 发现身份证号（1101**********002X）",
    ]


def test_xlsx_sheet_and_cell(tmp_path, settings):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "机构明细"
    sheet.append(["2025年3月 数据底稿"])
    sheet.append(["机构", "姓名", "金额"])
    sheet.append(["H001", "李四", 1234.5])
    sheet["E7"] = VALID_ID
    sheet["F9"] = 13912345678  # a phone stored as a number
    book.save(tmp_path / "底稿.xlsx")
    report = _scan(settings, tmp_path / "底稿.xlsx")
    assert {(h.location, h.kind) for h in report.hits} == {
        ("工作表“机构明细”单元格 B3", "person_name"), ("工作表“机构明细”单元格 E7", "id_card"),
        ("工作表“机构明细”单元格 F9", "mobile")}


def test_docx_paragraphs_and_tables(tmp_path, settings):
    import docx

    document = docx.Document()
    document.add_paragraph("2025年第1季度数据发布")
    document.add_paragraph(f"经办人身份证号 {VALID_ID}")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "机构", "参保人"
    table.cell(1, 0).text, table.cell(1, 1).text = "H002", "王五"
    document.save(tmp_path / "季发布.docx")
    report = _scan(settings, tmp_path / "季发布.docx")
    assert [h.message() for h in report.hits] == [
        "季发布.docx：第 2 段 发现身份证号（1101**********002X）",
        "季发布.docx：第 1 个表格第 2 行第 2 列（列“参保人”） 发现个人姓名（王*）",
    ]


def test_parquet_string_columns_and_name_columns(tmp_path, settings):
    pq.write_table(pa.table({"fixmedins_code": ["H001", "H002"], "note": ["", f"见{VALID_ID}"],
                             "psn_name": ["赵六", None], "amount": [1.5, 13912345678.0]}), tmp_path / "t.parquet")
    report = _scan(settings, tmp_path / "t.parquet")
    assert {(h.location, h.kind) for h in report.hits} == {("列“note”第 2 行", "id_card"),
                                                           ("列“psn_name”第 1 行", "person_name")}


def test_lake_person_token_found_anywhere(tmp_path, settings):
    (tmp_path / "线索.csv").write_text(f"机构,线索编号\nH001,{LAKE_TOKEN}\nH002,{'ab' * 16}\n", encoding="utf-8")
    (tmp_path / "说明.md").write_text(f"见人员 {LAKE_TOKEN.upper()} 与 {LAKE_TOKEN}。\n", encoding="utf-8")
    report = _scan(settings, tmp_path / "线索.csv", tmp_path / "说明.md")
    assert [(h.file, h.location, h.kind) for h in report.hits] == [
        ("线索.csv", "第 2 行第 2 列（列“线索编号”）", "psn_token"), ("说明.md", "第 1 行", "psn_token")]
    assert report.hits[0].masked == "3f2a************************6e7f"
    assert LAKE_TOKEN not in report.summary()


def test_raw_person_number_pattern_when_configured(tmp_path):
    s = make_settings(tmp_path / "w", redaction_psn_pattern=r"(?<!\d)14\d{14}(?!\d)")
    (tmp_path / "a.txt").write_text("人员编号 1404001234567890\n", encoding="utf-8")
    report_hits = _scan(s, tmp_path / "a.txt").hits
    assert [(h.location, h.kind, h.masked) for h in report_hits] == [("第 1 行", "psn_raw", "1404********7890")]
    assert _scan(make_settings(tmp_path / "v"), tmp_path / "a.txt").clean


def test_unscannable_files_block_and_images_pass(tmp_path, settings):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4 ...")
    (tmp_path / "chart.png").write_bytes(b"\x89PNG\r\n")
    report = _scan(settings, tmp_path / "a.pdf", tmp_path / "chart.png")
    assert [(h.file, h.kind) for h in report.hits] == [("a.pdf", "unscannable")]
    assert report.files_skipped == ["chart.png"]


# ---- the gate --------------------------------------------------------------------------------------


def _approved_with(settings, tmp_path, name, text):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    (tmp_path / name).write_text(text, encoding="utf-8")
    attach_files(release.release_id, [tmp_path / name], settings, actor="王敏")
    submit(release.release_id, "王敏", settings)
    approve(release.release_id, settings)
    return release


@pytest.mark.parametrize("text, kind, masked", [
    (f"机构,说明\nH001,经办人{VALID_ID}\n", "身份证号", "1101**********002X"),
    (f"机构,说明\nH001,{LAKE_TOKEN}\n", "人员编号", "3f2a************************6e7f"),
])
def test_personal_data_in_a_bundle_blocks_publication(settings, tmp_path, text, kind, masked):
    release = _approved_with(settings, tmp_path, "月推送附表.csv", text)
    with pytest.raises(PublishBlockedError) as err:
        publish(release.release_id, "王敏", override_reason="即使说明理由也不能发布个人信息", settings=settings)
    message = err.value.message
    assert "reports/月推送附表.csv：第 2 行第 2 列（列“说明”） 发现" + kind in message
    assert masked in message and VALID_ID not in message and LAKE_TOKEN not in message
    assert "个人信息不能强制发布" in err.value.hint
    logged = audit_log(settings, release.release_id)[-1]
    assert logged.action == "publish_blocked"
    assert logged.detail["redaction_hits"][0]["file"] == "reports/月推送附表.csv"
    assert VALID_ID not in json.dumps(logged.detail) and LAKE_TOKEN not in json.dumps(logged.detail)


def test_clean_bundle_publishes(settings, tmp_path):
    release = _approved_with(settings, tmp_path, "月推送.md",
                             "# 2025年3月月推送\n\n| 机构 | 出院人次 |\n|---|---|\n| H001 | 700 |\n")
    assert publish(release.release_id, "王敏", settings=settings).state.value == "published"
