"""`liangjiadi user add|list|disable|reset-password`, non-interactive."""

from __future__ import annotations

from typer.testing import CliRunner

from liangjiadi.accounts import authenticate, query_access
from liangjiadi.cli.main import app
from liangjiadi.config import Settings
from liangjiadi.releases.store import dispose_engines

PW = "correct-horse-battery"


def _run(args, stdin=None):
    result = CliRunner().invoke(app, args, input=stdin)
    dispose_engines()
    return result


def test_user_commands_from_a_script(tmp_path):
    w = ["--workdir", str(tmp_path)]
    add = _run(["user", "add", "--username", "h1", "--role", "institution", "--fixmedins", "H14040000001",
                "--admdvs", "140400", "--password-stdin", "--by", "管理员", *w], PW + "\n")
    assert add.exit_code == 0, add.output
    assert "已新增用户 h1" in add.output and PW not in add.output
    conv = _run(["user", "add", "-u", "zhang", "-r", "convener", "--admdvs", "140400", "--name", "张三",
                 "--password-stdin", "--by", "管理员", *w], PW + "\n")
    assert conv.exit_code == 0 and "发布审议成员 zhang" in conv.output
    members = _run(["release", "member", "list", *w])
    assert "张三" in members.output and "召集人" in members.output
    listed = _run(["user", "list", *w])
    assert "h1" in listed.output and "argon2" not in listed.output
    settings = Settings(workdir=tmp_path)
    assert authenticate("h1", PW, settings).fixmedins_code == "H14040000001"
    assert _run(["user", "reset-password", "h1", "--password-stdin", "--by", "管理员", *w], PW + "-new\n").exit_code == 0
    assert authenticate("h1", PW + "-new", settings).username == "h1"
    assert _run(["user", "disable", "h1", "--by", "管理员", *w]).exit_code == 0
    actions = [e.action for e in query_access(settings, username="管理员")]
    assert actions.count("user_add") == 2 and "user_disable" in actions and "user_reset_password" in actions
    dispose_engines()


def test_user_add_errors_are_chinese_and_name_the_rule(tmp_path):
    w = ["--workdir", str(tmp_path)]
    bad = _run(["user", "add", "-u", "x1", "-r", "institution", "--password-stdin", "--by", "管理员", *w], PW + "\n")
    assert bad.exit_code == 2 and "机构编码" in bad.output and "Traceback" not in bad.output
    empty = _run(["user", "add", "-u", "x1", "-r", "auditor", "--password-stdin", "--by", "管理员", *w], "")
    assert empty.exit_code == 2 and "标准输入中没有密码" in empty.output
    missing = _run(["user", "list", "--workdir", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "工作目录不存在" in missing.output
