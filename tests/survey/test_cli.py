"""`liangjiadi survey open|codes|list|results|close|export` and `liangjiadi suggest list|export`."""

from __future__ import annotations

import csv

from openpyxl import load_workbook
from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.config import Settings
from liangjiadi.releases.store import dispose_engines
from liangjiadi.survey import service, suggestions


def _run(args):
    result = CliRunner().invoke(app, args)
    dispose_engines()
    return result


def test_a_survey_from_the_command_line(tmp_path):
    w = ["--workdir", str(tmp_path)]
    opened = _run(["survey", "open", "--meeting", "2026年1月数据发布会", "--admdvs", "140400", "--by", "张三", *w])
    assert opened.exit_code == 0 and "已开放问卷 1" in opened.output
    out = tmp_path / "codes.csv"
    issued = _run(["survey", "codes", "1", "--count", "3", "--out", str(out), *w])
    assert issued.exit_code == 0, issued.output
    codes = [r[0] for r in csv.reader(out.open(encoding="utf-8-sig"))][1:]
    assert len(codes) == 3 and not any(c in issued.output for c in codes)  # the codes go to the file only
    settings = Settings(workdir=tmp_path)
    service.submit(settings, 1, codes[0], "零售药店", None, {"8": "D", "19": "A"}, {"19": "拨付慢"})
    dispose_engines()
    shown = _run(["survey", "results", "1", *w])
    assert shown.exit_code == 0 and "答卷 1 份" in shown.output and "拖欠线索" in shown.output
    assert "8. ［拖欠相关］A 0；B 0；C 0；D 1；E 0（作答 1）" in shown.output
    listed = _run(["survey", "list", *w])
    assert listed.exit_code == 0 and "开放中" in listed.output
    assert _run(["survey", "close", "1", "--by", "张三", *w]).exit_code == 0
    xlsx = tmp_path / "r.xlsx"
    exported = _run(["survey", "export", "--province", "14", "--out", str(xlsx), *w])
    assert exported.exit_code == 0 and "1 份问卷、1 份答卷" in exported.output
    assert load_workbook(xlsx)["拖欠线索"].max_row > 1


def test_refusals_are_chinese_without_a_traceback(tmp_path):
    w = ["--workdir", str(tmp_path)]
    for args, words in ((["survey", "open", "--admdvs", "140400"], "发布活动（会议）"),
                        (["survey", "codes", "9", "--count", "2", "--out", str(tmp_path / "c.csv")], "问卷 9 不存在"),
                        (["survey", "export", "--out", str(tmp_path / "x.xlsx")], "请指定问卷编号"),
                        (["suggest", "list", "--category", "别的"], "建议类别“别的”不存在")):
        result = _run([*args, *w])
        assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output, result.output


def test_suggestions_are_listed_and_exported(tmp_path):
    settings = Settings(workdir=tmp_path)
    suggestions.submit(settings, "140400", "grouping", "建议细分 ES3", "inst", fixmedins_code="H14040000001",
                       unit_kind="医疗机构")
    dispose_engines()
    w = ["--workdir", str(tmp_path)]
    listed = _run(["suggest", "list", *w])
    assert listed.exit_code == 0 and "建议细分 ES3" in listed.output and "DRG/DIP 分组" in listed.output
    out = tmp_path / "s.xlsx"
    assert _run(["suggest", "export", "--province", "14", "--out", str(out), *w]).exit_code == 0
    rows = list(load_workbook(out)["分组政策建议"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[5]) for r in rows] == [("140400", "DRG/DIP 分组", "建议细分 ES3")]
