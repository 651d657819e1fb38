"""The county report (县域医共体报告) and a member's 医共体 view, printed from the figures a release
freezes (yigongti.json, releases/snapshot.py) on the hand-built two-county region of
tests/yigongti/handbuilt.py, whose 2025 is worked out by hand in tests/yigongti/test_budget.py:
budget 29659.31, 域外 15129.71 deducted (6270.29 carried), 域内 12330, balance −4070.69, 良好,
fund share 1500.00, clearing −9770.29."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from liangjiadi.releases.snapshot import _yigongti
from liangjiadi.reports.county import county_view, member_block, reader_text, write_county_workbook
from liangjiadi.reports.docx_render import render_docx


def _handbuilt():
    path = Path(__file__).parents[1] / "yigongti" / "handbuilt.py"
    spec = importlib.util.spec_from_file_location("ygt_handbuilt", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hb = _handbuilt()


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    work = hb.build(tmp_path_factory.mktemp("county"))
    return hb.settings(work)


@pytest.fixture(scope="module")
def december(region):
    fig = _yigongti(region, hb.R, "2025-12")
    return json.loads(json.dumps(fig))  # as read back from the bundle


def _unit(fig, g):
    return next(u for u in fig["units"] if u["yigongti_id"] == g)


def test_the_frozen_year_is_the_hand_worked_one(december):
    assert december["available"] and december["through"] == "2025-12" and december["cleared"]
    assert december["budget"]["income"] == "100000.00" and december["budget"]["reserve"] == "10000.00"
    y1 = _unit(december, "Y1")
    assert y1["budget"] == "29659.31" and y1["family_doctor_fee"] == "600.00"
    assert y1["deducted"] == "15129.71" and y1["carried"] == "6270.29"
    assert y1["disbursed"] == "19529.60"  # 14529.60 to the lead hospital + 预付金 5000
    assert y1["inside"] == "12330.00" and y1["outside"] == "21400.00" and y1["balance"] == "-4070.69"
    c = y1["clearing"]
    assert (c["grade"], c["retained"], c["reasonable"], c["shared"], c["borne"], c["settlement"]) == (
        "良好", "0.00", "3000.00", "1500.00", "2570.69", "-9770.29")
    assert y1["assessment"]["total"] == "81.13" and len(y1["assessment"]["scores"]) == 13
    y2 = _unit(december, "Y2")
    assert y2["budget"] is None and y2["clearing"] is None and not y2["tight"]  # 紧密型 only from 2026


def test_a_month_of_the_year_is_frozen_up_to_that_month(region):
    fig = _yigongti(region, hb.R, "2025-06")
    y1 = _unit(fig, "Y1")
    assert fig["through"] == "2025-06" and not fig["cleared"] and y1["clearing"] is None
    assert [m["period"] for m in y1["months"]] == [f"2025-{m:02d}" for m in range(1, 7)]
    assert y1["deducted"] == "300.00"  # April's pharmacy 50 and May's 250; July's 3600 is not yet there
    assert y1["disbursed"] == "19529.60"  # 6 × 2471.60 − 300 + 预付金 5000
    assert y1["balance"] == "17029.31"  # 29659.31 − 域外 300 − 域内 12330 (all of 域内 falls in Jan–Jun)


def test_a_region_without_the_table_freezes_nothing(tmp_path):
    from liangjiadi.lake import write_rows

    write_rows(tmp_path, "setl_d", hb.settlements()[:1], hb.R)
    assert _yigongti(hb.settings(tmp_path), hb.R, "2025-12") is None


def test_a_year_that_cannot_be_computed_says_why(tmp_path):
    from liangjiadi.lake import write_rows

    write_rows(tmp_path, "yigongti", hb.yigongti(), hb.R)
    write_rows(tmp_path, "setl_d", hb.settlements(), hb.R)
    fig = _yigongti(hb.settings(tmp_path), hb.R, "2025-12")
    assert fig["available"] is True and fig["budget"] is None  # no fund report: no budget, still assessed
    assert any("基金报表" in n for n in fig["notes"])


def test_the_word_report_prints_the_frozen_figures(december, tmp_path, words):
    names = {"L1": "甲县人民医院", "M1": "甲县中心卫生院"}
    view = county_view(december, names, region_label="示例市", footer="页脚")
    out = render_docx(view, tmp_path / "县域.docx")
    text = words.docx_text(out)
    for figure in ("29,659.31", "15,129.71", "12,330.00", "-4,070.69", "-9,770.29", "1,500.00", "甲县人民医院"):
        assert figure in text, figure
    assert "缺少数据" in text and "各市医保信息系统" in text  # Y2's 4-1; the annex's 数据来源
    assert list(words.forbidden_words(text)) == []


def test_the_workbook_prints_the_frozen_figures(december, tmp_path, words):
    from openpyxl import load_workbook

    out = write_county_workbook(december, {}, tmp_path / "县域.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["医共体汇总", "按月拨付", "绩效考核", "基金运行", "预警与线索", "说明"]
    head = [c.value for c in wb["医共体汇总"][1]]
    y1 = dict(zip(head, [c.value for c in wb["医共体汇总"][2]]))
    assert y1["总额预算（元）"] == 29659.31 and y1["清算拨付"] == -9770.29 and y1["结余（负为超支）"] == -4070.69
    assert wb["按月拨付"].max_row == 1 + 12 and wb["绩效考核"].max_row == 1 + 2 * 13
    assert list(words.forbidden_words(words.xlsx_text(out))) == []


def test_members_see_their_yigongti(december):
    lead = member_block(december, "L1", {"L1": "甲县人民医院"})
    member = member_block(december, "M1", {"L1": "甲县人民医院"})
    assert "牵头医院" in lead.paragraphs[0] and "的牵头医院" in lead.paragraphs[0]
    assert "的成员单位" in member.paragraphs[0]
    text = "\n".join(member.paragraphs)
    assert "29,659.31" in text and "15,129.71" in text and "-9,770.29" in text and "良好" in text
    assert len(member.tables[0].rows) == 13
    assert member_block(december, "K1", {}) is None  # a city hospital of no 医共体
    assert "未对该医共体实行总额付费" in "".join(member_block(december, "L2", {}).paragraphs)  # Y2


def test_reader_text_drops_field_names():
    assert reader_text("缺少 2024 年 12 月的基金报表收入（fund_report income_total），无法编制。") == \
        "缺少 2024 年 12 月的基金报表收入，无法编制。"
    assert reader_text("未判定为紧密型（yigongti.tight_since）") == "未判定为紧密型"


def test_a_year_that_could_not_be_computed_is_said_in_the_report(tmp_path, words):
    fig = {"available": False, "reason": "数据湖中没有县域医共体表（yigongti）。", "year": 2025, "through": "2025-03"}
    text = words.docx_text(render_docx(county_view(fig, {}, region_label="示例市", footer="页脚"), tmp_path / "x.docx"))
    assert "截至2025年3月" in text and "数据湖中没有县域医共体表" in text
    assert list(words.forbidden_words(text)) == []
    assert member_block(fig, "L1", {}) is None
    assert write_county_workbook(fig, {}, tmp_path / "x.xlsx").exists()
