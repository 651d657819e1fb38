"""`liangjiadi release ...`: the whole path through the CLI, in Chinese, with exit codes."""

from __future__ import annotations

from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.releases import audit_log, get_release

from .conftest import VALID_ID, make_settings, write_check, write_findings, write_quarter_months, write_results, BASE_VALUES

runner = CliRunner()


def _run(settings, *args):
    result = runner.invoke(app, ["release", *args, "--workdir", str(settings.workdir)], env={"COLUMNS": "200"})
    return result


def test_release_cli_end_to_end(tmp_path):
    s = make_settings(tmp_path / "w")
    write_results(s, "20250405T000000-aaaaaa", BASE_VALUES)
    write_check(s, "20250405T000000-aaaaaa", "20250405T010000-cccccc", failing=True)
    write_findings(s, "20250405T020000-ffffff")
    write_quarter_months(s)
    rid = "140400-quarterly-2025-Q1-v1"

    assert _run(s, "member", "add", "--id", "m01", "--name", "李主任", "--role", "召集人", "--by", "管理员").exit_code == 0
    assert _run(s, "member", "add", "--id", "m02", "--name", "张医生", "--role", "hospital").exit_code == 0
    listed = _run(s, "member", "list")
    assert "李主任" in listed.output and "定点医疗机构代表" in listed.output

    created = _run(s, "create", "--kind", "quarterly", "--period", "2025-03", "--by", "王敏")
    assert created.exit_code == 0, created.output
    assert rid in created.output and "不通过" in created.output

    (tmp_path / "附表.csv").write_text(f"机构,说明\nH001,{VALID_ID}\n", encoding="utf-8")
    assert _run(s, "attach", rid, str(tmp_path / "附表.csv"), "--by", "王敏").exit_code == 0

    early = _run(s, "publish", rid, "--by", "王敏")
    assert early.exit_code == 2 and "不能发布" in early.output

    assert _run(s, "submit", rid, "--by", "王敏").exit_code == 0
    assert "同意 1/2" in _run(s, "sign", rid, "--member", "m01", "--approve").output
    assert _run(s, "sign", rid, "--member", "张医生", "--comment", "第36项请核对").exit_code == 0
    assert "审议通过" in _run(s, "sign", rid, "--member", "m02", "--approve", "--comment", "同意").output

    scan = _run(s, "scan", rid)
    assert scan.exit_code == 1 and "身份证号" in scan.output and VALID_ID not in scan.output

    blocked = _run(s, "publish", rid, "--by", "王敏", "--override-reason", "异地就医差额")
    assert blocked.exit_code == 1
    assert "reports/附表.csv" in blocked.output and "1101**********002X" in blocked.output
    assert VALID_ID not in blocked.output

    revised = _run(s, "revise", rid, "--reason", "删除附表中的证件号", "--by", "王敏")
    assert revised.exit_code == 0, revised.output
    rid2 = "140400-quarterly-2025-Q1-v2"
    assert rid2 in revised.output and "reports/附表.csv" in revised.output

    _run(s, "submit", rid2, "--by", "王敏")
    _run(s, "sign", rid2, "--member", "m01", "--approve")
    _run(s, "sign", rid2, "--member", "m02", "--approve")
    refused = _run(s, "publish", rid2, "--by", "王敏")
    assert refused.exit_code == 1 and "[institutions_add_up/INSTITUTIONS_DONT_ADD_UP]" in refused.output
    published = _run(s, "publish", rid2, "--by", "王敏", "--override-reason", "差额为异地就医，经审议同意")
    assert published.exit_code == 0, published.output
    assert "已发布" in published.output

    release = get_release(rid2, s)
    shown = _run(s, "show", rid2)
    assert shown.exit_code == 0, shown.output
    for text in ("已发布", release.content_hash, "李主任（m01）", "差额为异地就医，经审议同意", "审计日志",
                 "删除附表中的证件号", "v1", "已被修订", "results.parquet"):
        assert text in shown.output, text

    listing = _run(s, "list")
    assert rid in listing.output and rid2 in listing.output and "季发布" in listing.output
    assert _run(s, "verify", rid2).exit_code == 0
    assert [e.action for e in audit_log(s, rid2)][-2:] == ["override", "publish"]


def test_unknown_release_and_missing_results(tmp_path):
    s = make_settings(tmp_path / "w")
    s.workdir.mkdir()
    missing = _run(s, "show", "140400-monthly-2025-03-v1")
    assert missing.exit_code == 2 and "没有编号为" in missing.output
    write_results(s, "20250405T000000-aaaaaa", BASE_VALUES)
    write_check(s, "20250405T000000-aaaaaa", "20250405T010000-cccccc")
    no_findings = _run(s, "create", "--kind", "monthly", "--period", "2025-03", "--by", "王敏")
    assert no_findings.exit_code == 2 and "liangjiadi detect --period 2025-03" in no_findings.output
    assert "还没有发布" in _run(s, "list").output


def test_review_record_lists_opinions_and_decisions(settings, tmp_path):
    from liangjiadi.releases import create_release, review_record, sign, submit

    rid = create_release("monthly", "2025-03", settings, creator="王敏").release_id
    submit(rid, "王敏", settings)
    sign(rid, "m02", False, "第36项|请核对", settings)
    sign(rid, "m01", True, "", settings)
    sign(rid, "m02", True, "已核对", settings)
    text = review_record(rid, settings)
    assert text.startswith("# 数据发布审议记录：140400 2025年3月 月推送 第1版")
    assert "已同意：2（李主任、张医生）" in text
    assert "| 张医生（m02） | 定点医疗机构代表 | — | 第36项｜请核对 |  |" in text
    assert "审议通过" in text
    verdict = next(line for line in text.splitlines() if line.startswith("- 复核结论"))
    assert verdict.split("：")[-1] in ("通过", "提示", "不通过", "检查出错")  # never "warn"
    out = tmp_path / "审议记录.md"
    result = _run(settings, "record", rid, "--out", str(out))
    assert result.exit_code == 0 and out.read_text(encoding="utf-8") == review_record(rid, settings)


def test_docs_cover_every_command_and_setting():
    from pathlib import Path

    from liangjiadi.cli.release import member_app, release_app

    docs = (Path(__file__).resolve().parents[2] / "docs" / "releases.md").read_text(encoding="utf-8")
    for command in release_app.registered_commands:
        assert f"liangjiadi release {command.name} " in docs, command.name
    for command in member_app.registered_commands:
        assert f"liangjiadi release member {command.name}" in docs, command.name
    for setting in ("database_url", "release_quorum", "small_count_threshold", "person_count_keys",
                    "redaction_name_headers", "redaction_psn_pattern"):
        assert f"`{setting}`" in docs, setting


def test_a_missing_workdir_is_named_and_not_created(tmp_path):
    """`release list --workdir /no/such/dir` used to create the folder (and a database in it)."""
    s = make_settings(tmp_path / "no" / "such" / "dir")
    for args in (["list"], ["show", "140400-monthly-2025-03-v1"], ["verify", "140400-monthly-2025-03-v1"]):
        result = _run(s, *args)
        assert result.exit_code == 2, result.output
        assert "工作目录不存在" in result.output and "such" in result.output
    assert not (tmp_path / "no").exists()


def test_release_create_refuses_a_month_without_settlements(tmp_path):
    s = make_settings(tmp_path / "w")
    write_results(s, "20250405T000000-aaaaaa", BASE_VALUES, period="2025-04")
    import shutil

    shutil.rmtree(s.workdir / "lake" / "setl_d" / "140400" / "2025-04")  # results, but the lake has no settlements
    result = _run(s, "create", "--kind", "monthly", "--period", "2025-04", "--by", "王敏")
    assert result.exit_code == 2
    assert "2025年4月没有结算数据" in result.output and "Traceback" not in result.output
