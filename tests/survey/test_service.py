"""One-time codes, anonymous sheets, results and the province's xlsx, on a fresh database."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from liangjiadi.config import Settings
from liangjiadi.releases.store import dispose_engines, engine_for
from liangjiadi.survey import service, suggestions
from liangjiadi.survey.errors import CodeRefused, SurveyError
from liangjiadi.survey.export import write_results
from liangjiadi.survey.questionnaire import load
from liangjiadi.survey.results import aggregate


@pytest.fixture
def settings(tmp_path):
    s = Settings(workdir=tmp_path)
    yield s
    dispose_engines()


def _open(settings, admdvs="140400"):
    return service.open_survey(settings, admdvs, "数据专员", meeting="2026年1月数据发布会")["id"]


def _rows(settings, table):
    with engine_for(settings).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))]


def test_a_code_answers_once_a_wrong_or_foreign_code_never(settings):
    first, other = _open(settings), _open(settings)
    code, spare = service.issue_codes(settings, first, 2)
    foreign = service.issue_codes(settings, other, 1)[0]
    service.submit(settings, first, code, "零售药店", None, {"1": "A"})
    for bad in (code, code.lower().replace("-", " "), "AAAAA-AAAAA", foreign, ""):
        with pytest.raises(CodeRefused):
            service.submit(settings, first, bad, "零售药店", None, {"1": "B"})
    service.submit(settings, first, spare.lower(), "公立医疗机构", "二级", {"1": "B"})  # typed in lower case
    assert sorted(s["answers"]["1"] for s in service.sheets(settings, [first])) == ["A", "B"]
    assert service.sheets(settings, [other]) == []


def test_a_refused_sheet_leaves_the_code_unused(settings):
    survey = _open(settings)
    code = service.issue_codes(settings, survey, 1)[0]
    with pytest.raises(SurveyError):
        service.submit(settings, survey, code, "零售药店", "三级", {"1": "A"})  # a pharmacy has no level
    service.submit(settings, survey, code, "零售药店", None, {"1": "A"})
    assert len(service.sheets(settings, [survey])) == 1


def test_a_closed_survey_takes_no_sheet_and_issues_no_code(settings):
    survey = _open(settings)
    code = service.issue_codes(settings, survey, 1)[0]
    service.close_survey(settings, survey, "数据专员")
    with pytest.raises(SurveyError, match="未开放或已结束"):
        service.submit(settings, survey, code, "零售药店", None, {"1": "A"})
    with pytest.raises(SurveyError, match="已结束"):
        service.issue_codes(settings, survey, 1)


def test_only_hashes_of_the_codes_are_stored_and_nothing_links_them_to_a_sheet(settings):
    survey = _open(settings)
    codes = service.issue_codes(settings, survey, 5)
    service.submit(settings, survey, codes[2], "社会办医疗机构", "一级", {"1": "C"})
    stored = _rows(settings, "ljd_survey_codes")
    dump = repr(stored) + repr(_rows(settings, "ljd_survey_responses"))
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump
    assert {r["code_hash"] for r in stored} == {
        hashlib.sha256(f"ljd-survey:{survey}:{c.replace('-', '')}".encode()).hexdigest() for c in codes}
    assert sum(bool(r["used"]) for r in stored) == 1
    (response,) = _rows(settings, "ljd_survey_responses")
    assert set(response) == {"id", "survey_id", "unit_type", "level", "answers", "blanks"}
    assert not any(h["code_hash"] in repr(response) for h in stored)


def test_opening_needs_a_meeting_or_a_release_and_a_region(settings):
    with pytest.raises(SurveyError, match="发布活动"):
        service.open_survey(settings, "140400", "数据专员")
    with pytest.raises(SurveyError, match="统筹地区代码"):
        service.open_survey(settings, "14", "数据专员", meeting="会")
    with pytest.raises(SurveyError, match="不存在或不属于统筹地区 140400"):
        service.open_survey(settings, "140400", "数据专员", release_id="140400-monthly-2099-01-v1")
    with pytest.raises(SurveyError, match="1 至 5000"):
        service.issue_codes(settings, _open(settings), 0)


SHEETS = [  # (unit type, level, answers, blanks): 6 sheets, counts worked by hand below
    ("公立医疗机构", "三级", {"1": "A", "2": ["A", "B"], "7": "3", "8": "A", "19": "B"}, {}),
    ("公立医疗机构", "三级", {"1": "A", "2": ["B"], "7": "2", "8": "D", "19": "A"}, {"19": "=HYPERLINK(\"x\")"}),
    ("公立医疗机构", "二级", {"1": "B", "8": "D", "9": "C"}, {}),
    ("社会办医疗机构", None, {"1": "C", "2": ["E"], "24": "+增加药店数据"}, {"2": "-1+1"}),
    ("零售药店", None, {"1": "A", "8": "E", "9": "A", "19": "C"}, {}),
    ("零售药店", None, {"1": "A", "7": "1"}, {}),
]


def _result():
    return aggregate(load(), [{"unit_type": u, "level": lv, "answers": a, "blanks": b} for u, lv, a, b in SHEETS])


def _q(result, no):
    return next(q for q in result["questions"] if q["no"] == no)


def test_the_results_are_the_hand_counts():
    result = _result()
    assert result["n"] == 6
    assert {g: n for g, n in result["groups"].items() if n} == {"公立医疗机构·三级": 2, "公立医疗机构·二级": 1,
                                                                "社会办医疗机构·未填等级": 1, "零售药店": 2}
    q1 = _q(result, 1)
    assert [(o["key"], o["count"]) for o in q1["options"]] == [("A", 4), ("B", 1), ("C", 1), ("D", 0)]
    assert q1["options"][0]["by_group"]["零售药店"] == 2 and q1["options"][0]["by_group"]["公立医疗机构·三级"] == 2
    q2 = _q(result, 2)
    assert (q2["answered"], [o["count"] for o in q2["options"]]) == (3, [1, 2, 0, 0, 1])
    assert str(q2["options"][1]["share"]) == "66.7" and q2["texts"] == ["-1+1"]
    assert _q(result, 7)["number"] == {"n": 3, "mean": "2.00", "median": "2", "min": "1", "max": "3"}
    assert [(a["no"], a["key"], a["count"], a["answered"]) for a in result["arrears"]] == [
        (6, "B", 0, 0), (8, "D", 2, 4), (9, "C", 1, 2), (19, "A", 1, 3)]
    assert _q(result, 24)["texts"] == ["+增加药店数据"] and _q(result, 3)["unanswered"] == 6


def test_the_xlsx_flags_arrears_and_never_runs_a_cell(tmp_path):
    surveys = [{"id": 7, "admdvs": "140400", "title": "问卷", "meeting": "会", "release_id": None, "state_cn": "开放中"}]
    path = write_results(tmp_path / "r.xlsx", load(), surveys, {7: _result()})
    book = load_workbook(path)
    assert book.sheetnames == ["说明", "按题汇总", "按类别等级", "拖欠线索", "填空与意见"]
    texts = [r[4] for r in book["填空与意见"].iter_rows(min_row=2, values_only=True)]
    assert sorted(texts) == sorted(["'=HYPERLINK(\"x\")", "'-1+1", "'+增加药店数据"])
    flagged = {r[2] for r in book["按题汇总"].iter_rows(min_row=2, values_only=True) if r[4] == "是"}
    assert flagged == {5, 6, 7, 8, 9, 19}
    arrears = [(r[2], r[4], r[5]) for r in book["拖欠线索"].iter_rows(min_row=2, values_only=True)]
    assert (8, "D.否，部分申报款项还未结算", 2) in arrears and (19, "A.是，请列举说明：_____", 1) in arrears
    for sheet in book:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v[:1] in "=+-@" for v in row)


def test_suggestions_keep_a_category_and_the_province_xlsx_names_no_one(settings, tmp_path):
    made = suggestions.submit(settings, "140400", "DRG/DIP 分组", "建议细分 ES3 病组", "inst",
                              fixmedins_code="H14040000001", unit_kind="医疗机构")
    suggestions.submit(settings, "140500", "payment", "=cmd|' /C calc'!A0", "inst9", fixmedins_code="P14050000001",
                       unit_kind="零售药店")
    assert made["category"] == "grouping" and made["category_cn"] == "DRG/DIP 分组"
    with pytest.raises(SurveyError, match="建议类别"):
        suggestions.submit(settings, "140400", "其它类", "x", "inst")
    with pytest.raises(SurveyError, match="不能为空"):
        suggestions.submit(settings, "140400", "other", "  ", "inst")
    rows = suggestions.list_suggestions(settings, province="14")
    assert len(rows) == 2 and len(suggestions.list_suggestions(settings, admdvs="140400", category="grouping")) == 1
    book = load_workbook(suggestions.write_xlsx(tmp_path / "s.xlsx", rows))
    cells = [v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "'=cmd|' /C calc'!A0" in cells and "建议细分 ES3 病组" in cells
    assert not any(isinstance(v, str) and ("H14040000001" in v or "inst" == v) for v in cells)
    counts = {r[0]: r[1] for r in book["按类别汇总"].iter_rows(min_row=2, values_only=True)}
    assert counts["DRG/DIP 分组"] == 1 and counts["支付方式改革"] == 1
