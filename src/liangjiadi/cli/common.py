"""Shared pieces of the CLI: options, error printing, progress bars."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..config import Settings, get_settings
from ..errors import ConfigError, LjdError

console = Console()
err_console = Console(stderr=True)

WorkdirOpt = Annotated[
    Path | None, typer.Option("--workdir", "-w", help="工作目录（缺省取配置 LJD_WORKDIR，默认 ./ljd-work）")
]


def settings_for(workdir: Path | None = None, *, creates_workdir: bool = False, **extra) -> Settings:
    """Settings for a command. Only the commands that fill a work directory (ingest, synth, demo:
    `creates_workdir=True`) may name one that does not exist; every other command refuses, naming
    the path, instead of reading an empty directory or creating one (e.g. a release database)."""
    settings = get_settings(workdir=workdir, **extra)
    path = Path(settings.workdir)
    if not creates_workdir and not path.is_dir():
        what = "不是目录" if path.exists() else "不存在"
        raise ConfigError(f"工作目录{what}：{path.resolve()}",
                          "请用 --workdir 指定已导入数据的工作目录（或配置 LJD_WORKDIR）；"
                          "新的工作目录由 liangjiadi ingest 或 liangjiadi demo 创建")
    return settings


def progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@contextmanager
def friendly_errors():
    """Print an LjdError as its Chinese message and exit 2, without a traceback."""
    try:
        yield
    except LjdError as exc:
        err_console.print(f"[bold red]错误[/]：{exc}")
        raise typer.Exit(code=2) from exc
