"""Shared pieces of the CLI: options, error printing, progress bars."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..config import Settings, get_settings
from ..errors import LjdError

console = Console()
err_console = Console(stderr=True)

WorkdirOpt = Annotated[
    Path | None, typer.Option("--workdir", "-w", help="工作目录（缺省取配置 LJD_WORKDIR，默认 ./ljd-work）")
]


def settings_for(workdir: Path | None = None, **extra) -> Settings:
    return get_settings(workdir=workdir, **extra)


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
