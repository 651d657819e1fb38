"""Chinese for the command-line framework's own words (usage, help panels, parameter errors).

Typer (with its vendored Click) writes its messages in English, partly as gettext calls at
run time, partly as constants read at import and partly as f-strings inside exception
classes. This module is the one place that turns all three into Chinese: it replaces the
gettext function and the constants, and translates each error message on its way to the
screen. `install()` is idempotent and is called once when the CLI is built.
"""

from __future__ import annotations

import re

import typer.core as typer_core
import typer.rich_utils as rich_utils
from typer import _click
from typer._click import exceptions as click_exc
from typer._click import formatting as click_formatting

# Words typer looks up through gettext at run time (typer/core.py).
_GETTEXT = {
    "(dynamic)": "（动态）",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "Arguments": "参数",
    "Options": "选项",
    "Commands": "命令",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有这个命令：{name!r}。",
}

# Constants of the rich help and error panels.
_RICH = {
    "DEPRECATED_STRING": "（已弃用）",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}

USAGE = "用法："
_USAGE_WORDS = {"[OPTIONS]": "[选项]", "COMMAND": "命令", "[ARGS]": "[参数]"}
HELP_OPTION_TEXT = "显示本帮助并退出。"

_KINDS = {"option": "选项", "argument": "参数", "parameter": "参数"}
_PATH_WORDS = {"Path": "路径", "File": "文件", "Directory": "目录"}
_TYPE_WORDS = {"int": "整数", "integer": "整数", "float": "数字", "bool": "是/否", "str": "文本"}

# English messages built by f-strings inside Click/Typer, most specific first.
_MESSAGES: list[tuple[re.Pattern, str]] = [(re.compile(p, re.S), r) for p, r in [
    (r"^没有这个命令：(.+)。\. Did you mean (.+)\?$", r"没有这个命令：\1。您是否要输入 \2？"),
    (r"^No such command (.+)\. Did you mean (.+)\?$", r"没有这个命令：\1。您是否要输入 \2？"),
    (r"^No such command (.+)\.$", r"没有这个命令：\1。"),
    (r"^Got unexpected extra arguments? \((.+)\)$", r"多余的参数：\1。"),
    (r"^No such option: (.+?)(?: \(Possible options: (.+)\))?$", r"没有这个选项：\1。"),
    (r"^Option (.+) does not take a value\.$", r"选项 \1 不接受取值。"),
    (r"^Option (.+) requires an argument\.$", r"选项 \1 需要一个取值。"),
    (r"^Option (.+) requires (\d+) arguments\.$", r"选项 \1 需要 \2 个取值。"),
    (r"^(.+) is not one of (.+)\.$", r"\1 不是可选的取值（可选：\2）。"),
    (r"^Value (.+) is not a valid (\w+)\.$", r"\1 不是有效的\2。"),
    (r"^(Path|File|Directory) (.+) does not exist\.$", r"\1 \2 不存在。"),
    (r"^(Path|File|Directory) (.+) is a file\.$", r"\1 \2 是文件，这里需要目录。"),
    (r"^(Path|File|Directory) (.+) is a directory\.$", r"\1 \2 是目录，这里需要文件。"),
    (r"^(Path|File|Directory) (.+) is not readable\.$", r"\1 \2 不可读。"),
    (r"^(Path|File|Directory) (.+) is not writable\.$", r"\1 \2 不可写。"),
    (r"^Input should be a valid integer.*$", "应为整数。"),
    (r"^Input should be a valid number.*$", "应为数字。"),
    (r"^Input should be a valid boolean.*$", "应为是/否（true/false）。"),
    (r"^Input should be (.+)$", r"取值应为 \1。"),
    (r"^Choose from:\s*(.+)$", r"可选：\1"),
]]


def translate(message: str) -> str:
    """The Chinese of one framework message; text that is already Chinese passes through."""
    text = message.strip()
    for pattern, repl in _MESSAGES:
        if pattern.match(text):
            out = pattern.sub(repl, text)
            for en, cn in _PATH_WORDS.items():
                if out.startswith(en + " "):
                    out = cn + out[len(en):]
            for en, cn in _TYPE_WORDS.items():
                out = out.replace(f"有效的{en}。", f"有效的{cn}。")
            return out.replace(",\n\t", "、").replace("\n\t", " ")
    return text


def _param_hint(exc) -> str:
    hint = exc.param_hint if exc.param_hint is not None else (
        exc.param.get_error_hint() if exc.param is not None else None)
    return click_exc._join_param_hints(hint) if hint else ""


def _missing_message(self) -> str:
    hint = _param_hint(self)
    kind = self.param_type or (self.param.param_type_name if self.param is not None else "parameter")
    text = f"缺少{_KINDS.get(kind, '参数')} {hint}".rstrip() + "。"
    extra = self.param.get_missing_message(ctx=self.ctx) if self.param is not None else None
    if extra:
        text += translate(extra)
    return text


def _bad_parameter_message(self) -> str:
    hint = _param_hint(self)
    detail = translate(str(self.message))
    return f"参数 {hint} 的取值无效：{detail}" if hint else f"取值无效：{detail}"


def _no_such_option_message(self) -> str:
    text = translate(self.message)
    if self.possibilities:
        text += f"（可能是：{', '.join(sorted(self.possibilities))}）"
    return text


def _usage_message(self) -> str:
    return translate(self.message)


def _write_usage(original):
    def write_usage(self, prog, args="", prefix=None):
        for en, cn in _USAGE_WORDS.items():
            args = args.replace(en, cn)
        return original(self, prog, args, USAGE if prefix is None else prefix)
    return write_usage


def _get_help_option(original):
    def get_help_option(self, ctx):
        option = original(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option
    return get_help_option


def _unclipped(original):
    """Chinese has no spaces to wrap at: fold long help lines instead of cutting them with '…'."""
    def make(*args, **kwargs):
        text = original(*args, **kwargs)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text
    return make


_installed = False


def install() -> None:
    """Put the Chinese in place (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    typer_core._ = lambda text: _GETTEXT.get(text, text)
    for name, value in _RICH.items():
        setattr(rich_utils, name, value)
    rich_utils.OptionHighlighter.highlights = [
        h.replace("Usage: ", USAGE) for h in rich_utils.OptionHighlighter.highlights]
    click_exc.UsageError.format_message = _usage_message
    click_exc.BadParameter.format_message = _bad_parameter_message
    click_exc.MissingParameter.format_message = _missing_message
    click_exc.NoSuchOption.format_message = _no_such_option_message
    click_formatting.HelpFormatter.write_usage = _write_usage(click_formatting.HelpFormatter.write_usage)
    rich_utils._make_rich_text = _unclipped(rich_utils._make_rich_text)
    _click.Command.get_help_option = _get_help_option(_click.Command.get_help_option)
