"""The yearly plan: items by rule, plan versus actual, overdue warnings, the xlsx for the province."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.workgroup.errors import WorkgroupError
from liangjiadi.workgroup.plan import (
    Meeting, Plan, Published, export_xlsx, match, plan_from_dict, plan_items, warnings,
)


def _monthly(year, months, day_after=20):
    out = []
    for m in months:
        nxt = date(year + (m == 12), m % 12 + 1, day_after)
        out.append(Published(f"r-{m}", "monthly", f"{year}-{m:02d}", f"{year}-{m:02d}", "", nxt))
    return out


def _by_title(items):
    return {i.title: i for i in items}


def test_missing_half_yearly_inpatient_rate_and_overdue_quarterly_meeting_are_flagged():
    plan = Plan(2026, clearing_date=date(2026, 4, 20),
                topics=[{"病种": "EJ1 呼吸系统感染", "牵头承办机构": "市人民医院", "month": "2026-09"}])
    # every month published except June, whose data carry the half-year 住院率 and 特例单议
    published = _monthly(2026, [1, 2, 3, 4, 5, 7, 8])
    published.append(Published("q1", "quarterly", "2026-Q1", "2026-03", "", date(2026, 5, 10)))
    meetings = [Meeting(date(2026, 3, 12), "线下", "一季度发布"), Meeting(date(2026, 5, 8), "线下", "清算发布")]
    items = match(plan, plan_items(plan), published, meetings, as_of=date(2026, 10, 15))
    by = _by_title(items)
    assert by["2026年上半年住院率公布"].status == "逾期未完成"
    assert by["2026年上半年特例单议情况公布"].status == "逾期未完成"
    assert by["2026年第三季度面对面发布"].status == "逾期未完成"  # Q3 ended 2026-09-30 without a meeting
    assert by["2026年第二季度面对面发布"].status == "按时完成"
    assert by["第一季度线下面对面发布"].status == "按时完成"
    assert by["清算完成（2026-04-20）后 1 个月内线下发布"].status == "按时完成"
    assert by["2026年1月月推送"].status == "按时完成" and by["2026年6月月推送"].status == "逾期未完成"
    assert by["2026年第一季度季发布"].status == "按时完成"
    assert by["专题分析：EJ1 呼吸系统感染"].lead == "市人民医院"
    text = "\n".join(warnings(items))
    assert "2026年上半年住院率公布" in text and "000 第八条" in text and "各统筹区每半年至少公布1次住院率" in text
    assert "逾期 15 天：2026年第三季度面对面发布" in text and "001 四(二)" in text


def test_a_june_release_publishes_the_half_year_figures():
    plan = Plan(2026)
    published = _monthly(2026, [6])
    by = _by_title(match(plan, plan_items(plan), published, [], as_of=date(2026, 10, 1)))
    assert by["2026年上半年住院率公布"].status == "按时完成"
    assert by["2026年上半年住院率公布"].evidence == "r-6"


def test_offline_count_and_late_completion():
    plan = Plan(2026)
    meetings = [Meeting(date(2026, 4, 2), "线上", "线上发布"), Meeting(date(2026, 11, 2), "线下", "线下发布")]
    by = _by_title(match(plan, plan_items(plan), _monthly(2026, [1], day_after=5) + [
        Published("late", "monthly", "2026-02", "2026-02", "", date(2026, 4, 9))], meetings, as_of=date(2027, 1, 5)))
    assert by["全年线下面对面发布不少于 2 次"].status == "逾期未完成"
    assert by["全年线下面对面发布不少于 2 次"].evidence == "线下 1 次"
    assert by["第一季度线下面对面发布"].status == "逾期未完成"
    assert (by["2026年2月月推送"].status, by["2026年2月月推送"].days) == ("逾期完成", 9)


def test_topic_without_lead_institution_is_refused():
    with pytest.raises(WorkgroupError, match="topics 第 1 条缺少「牵头承办机构」"):
        plan_from_dict({"year": 2026, "topics": [{"病种": "EJ1", "month": "2026-06"}]}, "plan-2026.yaml", 2026)


def test_export_xlsx_marks_overdue(tmp_path):
    plan = Plan(2026)
    items = match(plan, plan_items(plan), [], [], as_of=date(2026, 8, 1))
    path = export_xlsx(tmp_path / "计划.xlsx", plan, items, date(2026, 8, 1))
    ws = load_workbook(path)["年度发布计划"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows["2026年上半年住院率公布"][9] == "逾期未完成"
    assert any("住院率" in r[0] for r in load_workbook(path)["预警"].iter_rows(values_only=True) if r[0])


def test_plan_status_reads_published_releases_of_the_demo(demo, tmp_path):
    """The actuals come from releases' public API: the demo's published releases count."""
    from liangjiadi.config import get_settings
    from liangjiadi.workgroup.plan import published_releases

    assert demo.exit_code == 0, demo.output
    found = published_releases(get_settings(workdir=demo.workdir))
    assert found and {"monthly", "quarterly"} <= {p.kind for p in found}
    year = int(max(p.source_period for p in found)[:4])
    plan = Plan(year)
    by = _by_title(match(plan, plan_items(plan), found, [], as_of=date(year + 1, 12, 31)))
    assert any(i.status in ("按时完成", "逾期完成") and i.kind == "monthly" for i in by.values())


def test_cli_plan_init_status_and_export(tmp_path):
    w = tmp_path / "w"
    w.mkdir()
    runner = CliRunner()
    assert runner.invoke(app, ["group", "plan", "init", "--year", "2026", "--workdir", str(w)]).exit_code == 0
    r = runner.invoke(app, ["group", "meeting", "add", "--date", "2026-02-10", "--mode", "线下", "--title", "首场",
                            "--workdir", str(w)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["group", "plan", "status", "--year", "2026", "--as-of", "2026-07-15", "--out",
                            str(tmp_path / "p.xlsx"), "--workdir", str(w)])
    assert r.exit_code == 0, r.output
    assert "2026年第二季度面对面发布" in r.output and "预警" in r.output and (tmp_path / "p.xlsx").is_file()
