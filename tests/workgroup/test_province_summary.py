"""The province pools the regions' 附录4 questionnaire results and drafts its quarterly summary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.errors import InputFileError
from liangjiadi.survey.export import write_results
from liangjiadi.survey.questionnaire import load
from liangjiadi.survey.results import aggregate
from liangjiadi.workgroup.province import import_submission, write_submission
from liangjiadi.workgroup.province_summary import import_survey, pooled_survey

SHEETS = [  # (unit type, level, answers)
    ("公立医疗机构", "三级", {"1": "A", "2": ["A", "B"], "7": "3", "8": "A", "19": "B"}),
    ("公立医疗机构", "三级", {"1": "A", "2": ["B"], "7": "2", "8": "D", "19": "A"}),
    ("公立医疗机构", "二级", {"1": "B", "8": "D", "9": "C"}),
    ("社会办医疗机构", None, {"1": "C", "2": ["E"]}),
    ("零售药店", None, {"1": "A", "8": "E", "9": "A", "19": "C"}),
    ("零售药店", None, {"1": "A", "7": "1"}),
]


def _results(path, region, sheets):
    result = aggregate(load(), [{"unit_type": u, "level": lv, "answers": a, "blanks": {}} for u, lv, a in sheets])
    surveys = [{"id": 1, "admdvs": region, "title": "问卷", "meeting": "季度会", "release_id": None, "state_cn": "已结束"}]
    return write_results(path, load(), surveys, {1: result})


def _option(options, no, key):
    return next(o for o in options if o.no == no and o.key == key)


def test_pooled_counts_are_the_sums_of_the_regions(tmp_path):
    import_survey(tmp_path, _results(tmp_path / "a.xlsx", "140400", SHEETS), region="140400", quarter="2026-Q1")
    import_survey(tmp_path, _results(tmp_path / "b.xlsx", "140500", SHEETS[:3]), region="140500", quarter="2026-Q1")
    regions, options = pooled_survey(tmp_path, "2026-Q1")
    assert regions == ["140400", "140500"]
    q1a = _option(options, 1, "A")  # 140400: 4 of 6; 140500: 2 of 3
    assert (q1a.count, q1a.answered, q1a.regions) == (6, 9, {"140400": 4, "140500": 2})
    q8d = _option(options, 8, "D")  # 140400: 2 of 4; 140500: 2 of 3 -> 4 of 7
    assert (q8d.count, q8d.answered, q8d.share, q8d.arrears, q8d.signal) == (4, 7, Decimal("57.1"), True, True)
    assert not _option(options, 1, "A").arrears


def test_a_region_file_that_is_not_a_results_export_is_refused(tmp_path):
    bad = tmp_path / "x.xlsx"
    write_submission(bad, {})
    with pytest.raises(InputFileError, match="缺少工作表：按题汇总"):
        import_survey(tmp_path, bad, region="140400", quarter="2026-Q1")


def test_the_summary_names_late_regions_common_groups_and_arrears(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    groups = {"重点病组": [{"病组编码": "EJ1", "病组名称": "呼吸系统感染", "病例数": "300"}]}
    import_submission(work, write_submission(tmp_path / "a.xlsx", groups), region="140400", region_name="长治市",
                      quarter="2026-Q1", received=date(2026, 4, 20))
    import_submission(work, write_submission(tmp_path / "b.xlsx", groups), region="140500", region_name="晋城市",
                      quarter="2026-Q1", received=date(2026, 5, 6))
    import_survey(work, _results(tmp_path / "s.xlsx", "140400", SHEETS), region="140400", quarter="2026-Q1")
    out, pooled = tmp_path / "汇总.docx", tmp_path / "问卷.xlsx"
    r = CliRunner().invoke(app, ["group", "province", "summary", "--quarter", "2026-Q1", "--out", str(out),
                                 "--survey-out", str(pooled), "--expect", "140100", "--workdir", str(work)])
    assert r.exit_code == 0, r.output
    text = "\n".join(p.text for p in Document(out).paragraphs)
    tables = "\n".join(c.text for t in Document(out).tables for row in t.rows for c in row.cells)
    assert "晋城市：逾期 6 天" in text and "140100：未报送" in text
    assert "EJ1" in tables and "呼吸系统感染" in tables
    assert "第8题“否，部分申报款项还未结算”选择比例 50.0%（2/4）" in text
    assert "市人民医院" not in tables  # region level only
    rows = list(load_workbook(pooled).active.iter_rows(min_row=3, values_only=True))
    assert any(r[0] == 8 and r[3] == "D" and r[5] == 2 for r in rows)
