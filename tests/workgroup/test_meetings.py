"""Meetings: agenda of 001 §六(六), coverage of the designated institutions over two years, 基层 share;
the year-end summary draft."""

from __future__ import annotations

from datetime import date

import docx
from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.workgroup import store
from liangjiadi.workgroup.meetings import AGENDA_001, Institution, add_meeting, agenda_gaps, coverage

DIRECTORY = {"H1": Institution("H1", "市人民医院", "三级"), "H2": Institution("H2", "县医院", "二级"),
             "H3": Institution("H3", "社区卫生服务中心", "基层"), "H4": Institution("H4", "乡镇卫生院", "基层")}


def test_coverage_counts_two_years_and_the_basic_share(tmp_path):
    add_meeting(tmp_path, day=date(2024, 3, 1), mode="线下", title="两年多以前", attending=["H4"])
    add_meeting(tmp_path, day=date(2025, 3, 1), mode="线下", title="一季度", attending=["H1", "H3"])
    add_meeting(tmp_path, day=date(2026, 5, 1), mode="线上", title="二季度", attending=["H1", "H2"], agenda=["数据通报"])
    meetings = store.load(tmp_path)["meetings"]
    cov = coverage(meetings, DIRECTORY, date(2026, 6, 30))
    assert [i.code for i in cov.covered] == ["H1", "H2", "H3"] and [i.code for i in cov.uncovered] == ["H4"]
    assert cov.share == 0.75 and (cov.attendees, cov.basic_attendees) == (4, 1)
    assert meetings[0]["agenda"] == list(AGENDA_001) and agenda_gaps(meetings[0]) == []
    assert "议程缺少“答疑交流”" in agenda_gaps(meetings[2])


def _flat(text: str) -> str:
    return "".join(text.split())


def test_cli_meeting_coverage_and_summary(tmp_path):
    w = tmp_path / "w"
    w.mkdir()
    runner = CliRunner()
    inst = tmp_path / "inst.csv"
    inst.write_text("单位编码,单位名称,单位级别\nH1,市人民医院,三级\nH3,社区卫生服务中心,基层\n", encoding="utf-8")
    r = runner.invoke(app, ["group", "meeting", "add", "--date", "2026-03-10", "--mode", "线下", "--title", "一季度发布",
                            "--attending", "H1", "--workdir", str(w)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["group", "meeting", "coverage", "--institutions", str(inst), "--as-of", "2026-12-01",
                            "--workdir", str(w)])
    # rich wraps long lines at spaces (and drops the space): compare without whitespace, since
    # where it wraps depends on the length of the temporary path in the message
    assert r.exit_code == 0 and "覆盖50.0%" in _flat(r.output) and "社区卫生服务中心" in _flat(r.output)
    bad = tmp_path / "bad.csv"
    bad.write_text("单位编码,单位名称,单位级别\nH1,市人民医院,特级\n", encoding="utf-8")
    r = runner.invoke(app, ["group", "meeting", "coverage", "--institutions", str(bad), "--workdir", str(w)])
    assert r.exit_code == 2 and "第2行第3列「单位级别」" in _flat(r.output)
    assert runner.invoke(app, ["group", "plan", "init", "--year", "2026", "--workdir", str(w)]).exit_code == 0
    out = tmp_path / "总结.docx"
    r = runner.invoke(app, ["group", "summary", "--year", "2026", "--out", str(out), "--as-of", "2026-12-20",
                            "--institutions", str(inst), "--workdir", str(w)])
    assert r.exit_code == 0, r.output
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "2026年度工作总结（草稿）" in text and "全年面对面发布 1 次，其中线下 1 次" in text
    assert "覆盖定点医疗机构 1 / 2 家" in text and "待填写" in text
    assert "2026年上半年住院率公布" in text  # an overdue item is listed among the problems


def test_designated_institutions_come_from_the_newest_published_release(demo):
    """Coverage's directory is read through releases' public API: medical institutions only, by peer level."""
    from liangjiadi.config import get_settings
    from liangjiadi.workgroup.meetings import institutions_from_releases

    assert demo.exit_code == 0, demo.output
    directory = institutions_from_releases(get_settings(workdir=demo.workdir))
    assert len(directory) >= 3
    assert {i.level for i in directory.values()} <= {"三级", "二级", "基层"}
    assert all(i.name for i in directory.values())


def test_the_summary_counts_the_year_s_feedback_from_its_records(tmp_path):
    """Section 四 is counted from the release database: no objection or letter says so; the
    questionnaire's sheets and its 拖欠 answers are counted, never left as a gap."""
    from datetime import date as _date

    from liangjiadi.config import Settings
    from liangjiadi.survey import service
    from liangjiadi.workgroup.profiles import load_profile
    from liangjiadi.workgroup.summary import write_summary

    settings = Settings(workdir=tmp_path, region_admdvs="140400")
    survey = service.open_survey(settings, "140400", "数据专员", meeting="年中发布会")
    year = int(survey["opened_at"][:4])
    codes = service.issue_codes(settings, survey["id"], 3)
    service.submit(settings, survey["id"], codes[0], "公立医疗机构", "三级", {"1": "A", "8": "D"})
    service.submit(settings, survey["id"], codes[1], "零售药店", None, {"1": "B", "8": "A"})
    out = write_summary(settings, load_profile("national"), year, tmp_path / "总结.docx", as_of=_date(year, 12, 20))
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "定点医药机构异议：本年度没有登记的异议。" in text and "点名提醒函：本年度没有发出提醒函。" in text
    assert "调查问卷（附录4）开放 1 次，收回无记名答卷 2 份" in text and "第8题“否，部分申报款项还未结算”1/2" in text
