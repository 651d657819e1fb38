"""The command-line framework speaks Chinese: usage, help panels and every parameter error."""

import re

import pytest
import typer
from typer.testing import CliRunner

from liangjiadi.cli import zh
from liangjiadi.cli.main import app, main

runner = CliRunner()

# Framework words that must never reach a user (checked as whole words).
ENGLISH = re.compile(r"\b(Usage|Options|Arguments|Commands|Error|Missing|Try|No such|Invalid value|"
                     r"requires|Did you mean|Show this message|default:|required|Aborted)\b")


def _leaf_commands(group, path=()):
    for name, cmd in sorted(getattr(group, "commands", {}).items()):
        if getattr(cmd, "commands", None):
            yield from _leaf_commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


LEAVES = list(_leaf_commands(typer.main.get_command(app)))
GROUPS = [()] + sorted({path[:i] for path, _ in LEAVES for i in range(1, len(path))})


def _english(text: str) -> list[str]:
    return ENGLISH.findall(text)


def test_there_are_commands_to_check():
    assert len(LEAVES) >= 20


@pytest.mark.parametrize("path", [p for p, c in LEAVES if any(x.required for x in c.params)],
                         ids=lambda p: " ".join(p))
def test_missing_required_parameter_is_chinese(path):
    result = runner.invoke(app, list(path))
    assert result.exit_code == 2
    assert "缺少" in result.output, result.output
    assert not _english(result.output), result.output


@pytest.mark.parametrize("group", GROUPS, ids=lambda p: " ".join(p) or "liangjiadi")
def test_misspelled_command_is_chinese(group):
    result = runner.invoke(app, [*group, "no-such-command"])
    assert result.exit_code == 2
    assert "没有这个命令" in result.output, result.output
    assert not _english(result.output), result.output


@pytest.mark.parametrize("path", [p for p, _ in LEAVES], ids=lambda p: " ".join(p))
def test_help_is_chinese_and_not_cut(path):
    result = runner.invoke(app, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0
    assert "用法：" in result.output and "显示本帮助并退出" in result.output
    assert not _english(result.output), result.output
    assert "…" not in result.output  # long Chinese help folds onto the next line instead


def test_typo_suggests_the_right_command():
    result = runner.invoke(app, ["comput"])
    assert "您是否要输入 'compute'" in result.output


def test_unknown_option_and_missing_value_are_chinese():
    result = runner.invoke(app, ["compute", "--bogus"])
    assert "没有这个选项：--bogus" in result.output
    result = runner.invoke(app, ["compute", "--period"])
    assert "选项 '--period' 需要一个取值" in result.output
    assert not _english(result.output)


@pytest.mark.parametrize("english, chinese", [
    ("Got unexpected extra argument (x)", "多余的参数：x。"),
    ("'x' is not one of 'a', 'b'.", "'x' 不是可选的取值（可选：'a', 'b'）。"),
    ("Path '/nope' does not exist.", "路径 '/nope' 不存在。"),
    ("Value 'abc' is not a valid int.", "'abc' 不是有效的整数。"),
    ("已经是中文。", "已经是中文。"),
])
def test_translate(english, chinese):
    assert zh.translate(english) == chinese


def test_unexpected_error_is_reported_in_chinese_without_traceback(monkeypatch, capsys):
    def boom():
        raise RuntimeError("secret row 110101199001011234")

    monkeypatch.setattr("liangjiadi.cli.main.app", boom)
    monkeypatch.delenv("LJD_DEBUG", raising=False)
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 3
    err = capsys.readouterr().err
    assert "内部错误" in err and "Traceback" not in err
    assert "110101199001011234" not in err  # the message may quote data: it goes to the private file only
    path = re.search(r"详细信息已写入 (\S+?)（", err).group(1)
    import os
    import stat
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "110101199001011234" in open(path, encoding="utf-8").read()
    os.unlink(path)


@pytest.mark.parametrize("args", [["--help"], ["release", "create", "--help"], ["export", "worksheet", "--help"],
                                  ["analyse", "fund", "--help"]], ids=lambda a: " ".join(a[:-1]) or "liangjiadi")
def test_help_in_an_80_column_terminal_is_not_cut(args):
    """The real entry point with COLUMNS=80, as a user's terminal sets it (not the test runner's width)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80", "LINES": "40"}
    done = subprocess.run([sys.executable, "-m", "liangjiadi.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "用法：" in done.stdout and "…" not in done.stdout and not _english(done.stdout)
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def test_an_error_escaping_a_command_is_chinese_at_the_entry_point(monkeypatch, capsys):
    from liangjiadi.errors import ConfigError

    def fails():
        raise ConfigError("期间格式不正确：2025-13", "期间应为 YYYY-MM，例如 2025-03")

    monkeypatch.setattr("liangjiadi.cli.main.app", fails)
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "错误" in err and "期间格式不正确" in err and "Traceback" not in err
