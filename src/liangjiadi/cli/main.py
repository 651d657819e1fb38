"""The `liangjiadi` command. Each command lives in its own module and stays thin."""

from __future__ import annotations

import importlib
import os
import tempfile
import traceback

import typer

from ..errors import LjdError
from . import zh
from .common import err_console

zh.install()  # the framework's own messages in Chinese, before any command is built

app = typer.Typer(
    name="liangjiadi",
    help="亮家底：医保数据工作组的数据底稿、复核、分析与发布工具。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # main() reports unexpected errors in Chinese instead
)

# Modules that register commands on `app` (each defines `register(app)`).
COMMAND_MODULES = ["synth", "ingest", "demo", "compute", "check", "export", "release", "detect", "evaluate", "analyse",
                   "report", "key",
                   "payment", "yigongti", "group", "user", "serve", "province",
                   "objection", "letter", "survey", "suggest"]

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"liangjiadi.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command not built yet
        if exc.name != f"liangjiadi.cli.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    """The `liangjiadi` entry point: the one place where any error becomes a Chinese message.

    Commands already print their own LjdError messages; this catches what escapes them, so no
    user ever sees a Python traceback. The traceback goes to a private file for the maintainers
    (`LJD_DEBUG=1` raises it instead).
    """
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("已中止（用户中断）。")
        raise SystemExit(130) from None
    except LjdError as exc:
        err_console.print(f"[bold red]错误[/]：{exc}")
        raise SystemExit(2) from None
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("LJD_DEBUG"):
            raise
        err_console.print(f"[bold red]内部错误[/]：{type(exc).__name__}。{_traceback_note(exc)}"
                          "请把该文件交给维护人员；设置环境变量 LJD_DEBUG=1 可直接显示详细信息。", soft_wrap=True)
        raise SystemExit(3) from None


def _traceback_note(exc: BaseException) -> str:
    """Write the traceback to an owner-only file; the message itself may quote data, so it is not printed."""
    try:
        fd, path = tempfile.mkstemp(prefix="liangjiadi-error-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            traceback.print_exception(exc, file=fh)
        return f"详细信息已写入 {path}（仅本用户可读）。"
    except OSError:
        return ""


if __name__ == "__main__":  # pragma: no cover
    main()
