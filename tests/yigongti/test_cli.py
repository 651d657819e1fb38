"""The commands on the hand-built region: Chinese output, no traceback, the long-table export."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from liangjiadi.cli.main import app

from . import handbuilt as hb


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return hb.build(tmp_path_factory.mktemp("ygt"))


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("LJD_REGION_ADMDVS", hb.R)
    monkeypatch.setenv("LJD_REGION_COUNTY_ADMDVS", f'["{hb.A}", "{hb.B}"]')
    from liangjiadi.config import reset_settings_cache

    reset_settings_cache()
    yield
    reset_settings_cache()


def _run(*args):
    return CliRunner().invoke(app, list(args))


def test_budget_assess_settle(work, env):
    r = _run("yigongti", "budget", "--year", "2025", "--workdir", str(work))
    assert r.exit_code == 0, r.output
    assert "29,659.31" in r.output and "风险调节金 10,000.00" in r.output
    r = _run("yigongti", "assess", "--year", "2025", "--workdir", str(work))
    assert r.exit_code == 0, r.output
    assert "总分 81.13" in r.output and "缺少数据" in r.output  # Y2 has no served count
    r = _run("yigongti", "settle", "--year", "2025", "--workdir", str(work))
    assert r.exit_code == 0, r.output
    assert "-9,770.29" in r.output
    assert "良好" in r.output


def test_settle_before_december_refused(work, env):
    r = _run("yigongti", "settle", "--year", "2026", "--workdir", str(work))
    assert r.exit_code == 2 and "错误" in r.output and "Traceback" not in r.output


def test_export_long_table(work, env, tmp_path):
    out = tmp_path / "ygt.csv"
    r = _run("export", "yigongti", "--year", "2025", "--out", str(out), "--workdir", str(work))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert list(rows[0]) == ["item", "yigongti_id", "value", "note"]
    by = {(x["item"], x["yigongti_id"]): x for x in rows}
    assert by[("总额预算", "Y1")]["value"] == "29659.31"
    assert by[("年终清算拨付", "Y1")]["value"] == "-9770.29"
    assert by[("考核 2-1 住院率", "Y1")]["value"] == "0.060000"
    assert by[("考核 4-1 医保病人满意度", "Y2")]["note"] == "缺少数据"
    assert not any(v.startswith("p") and v[1:].isdigit() for x in rows for v in x.values())  # no person id


def test_export_county_workbook(work, env, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "县域.xlsx"
    r = _run("export", "yigongti", "--year", "2025", "--out", str(out), "--workdir", str(work))
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["医共体汇总", "按月拨付", "绩效考核", "基金运行", "预警与线索", "说明"]
    head = [c.value for c in wb["医共体汇总"][1]]
    y1 = dict(zip(head, [c.value for c in wb["医共体汇总"][2]]))
    assert y1["总额预算（元）"] == 29659.31 and y1["清算拨付"] == -9770.29 and y1["等级"] == "良好"
    assert wb["绩效考核"].max_row == 1 + 2 * 13


def test_without_yigongti_table_a_chinese_refusal(tmp_path, env):
    from liangjiadi.lake import write_rows

    write_rows(tmp_path, "setl_d", hb.settlements()[:1], hb.R)
    r = _run("yigongti", "assess", "--year", "2025", "--workdir", str(tmp_path))
    assert r.exit_code == 2 and "县域医共体表" in r.output and "Traceback" not in r.output


def test_export_county_word_report(work, env, tmp_path):
    from docx import Document

    out = tmp_path / "县域.docx"
    r = _run("export", "yigongti", "--year", "2025", "--out", str(out), "--workdir", str(work))
    assert r.exit_code == 0, r.output
    doc = Document(out)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "统筹地区140400 2025年县域医共体医保基金运行与考核报告" in text and "绩效考核" in text
    assert "截至2025年12月" in text and "年终清算" in text
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "29,659.31" in cells and "-9,770.29" in cells
