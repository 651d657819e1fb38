"""Shared pieces of the CLI: options, error printing, progress bars."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..config import Settings, get_settings

try:  # typer >= 0.20 vendors click
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - older typer with click installed
    from click import get_current_context
from ..errors import LjdError

console = Console()
err_console = Console(stderr=True)

WorkdirOpt = Annotated[
    Path | None, typer.Option("--workdir", "-w", help="工作目录（缺省取配置 LJD_WORKDIR，默认 ./ljd-work）")
]


# Commands that only read the work directory (and never open the engine's DuckDB file, which
# admits one process at a time): they share the lock. Every other command is a writer and
# holds it alone; a second one waits up to lock_wait_seconds, then is refused in Chinese.
SHARED_COMMANDS = {
    ("export", "results"), ("export", "findings"), ("key", "show-fingerprint"),
    ("release", "list"), ("release", "show"), ("release", "verify"), ("release", "record"),
    ("release", "member", "list"),
}
# Commands that may start a work directory that does not exist yet.
CREATES_WORKDIR = {"ingest", "demo"}


def settings_for(workdir: Path | None = None, **extra) -> Settings:
    """The command's settings; the first call in a command also takes the work directory's
    lock for the command's duration and recovers what a killed command left (saying so)."""
    settings = get_settings(workdir=workdir, **extra)
    _guard_workdir(Path(settings.workdir), settings.lock_wait_seconds)
    return settings


def _guard_workdir(workdir: Path, wait: float) -> None:
    from .. import lake

    ctx = get_current_context(silent=True)
    if ctx is None:
        return
    names = []
    c = ctx
    while c.parent is not None:
        names.insert(0, c.info_name or "")
        c = c.parent
    guarded = ctx.meta.setdefault("ljd.guarded", set())
    key = str(workdir.resolve())
    if key in guarded:
        return
    if not workdir.exists():
        if not names or names[0] not in CREATES_WORKDIR:
            return  # nothing to protect; the command says what is missing
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        messages = lake.open_workdir(workdir, write=tuple(names) not in SHARED_COMMANDS, wait=wait,
                                     what=" ".join(["liangjiadi", *names]))
    except LjdError as exc:
        err_console.print(f"[bold red]错误[/]：{escape(str(exc))}")
        raise typer.Exit(code=2) from exc
    guarded.add(key)
    ctx.call_on_close(lambda: lake.close_workdir(workdir))
    for message in messages:
        err_console.print(f"[yellow]中断恢复[/]：{escape(message)}")


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
        err_console.print(f"[bold red]错误[/]：{escape(str(exc))}")
        raise typer.Exit(code=2) from exc
