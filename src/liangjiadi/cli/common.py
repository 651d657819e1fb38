"""Shared pieces of the CLI: options, error printing, progress bars."""

from __future__ import annotations

from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn,
                           TimeElapsedColumn)
from rich.text import Text

from typer._click.globals import get_current_context

from ..config import Settings, get_settings
from ..errors import ConfigError, LjdError

console = Console()
err_console = Console(stderr=True)

WorkdirOpt = Annotated[
    Path | None, typer.Option("--workdir", "-w", help="工作目录（缺省取配置 LJD_WORKDIR，默认 ./ljd-work）")
]



class EngineChoice(str, Enum):
    duckdb = "duckdb"
    pyspark = "pyspark"


# every command that reads the lake takes it; the Spark master comes from spark_master
EngineOpt = Annotated[
    EngineChoice | None,
    typer.Option("--engine", "-e", help="计算引擎 duckdb|pyspark（缺省取配置 LJD_ENGINE，默认 duckdb；"
                                        "pyspark 连接 spark_master 指定的 Spark）"),
]


def engine_override(engine: "EngineChoice | None") -> dict:
    """The settings override an --engine option asks for (none when not given)."""
    return {"engine": engine.value} if engine else {}


# Commands that only read the work directory (and never open the engine's DuckDB file, which
# admits one process at a time): they share the lock. Every other command is a writer and
# holds it alone; a second one waits up to lock_wait_seconds, then is refused in Chinese.
SHARED_COMMANDS = {
    ("export", "results"), ("export", "findings"), ("key", "show-fingerprint"),
    ("release", "list"), ("release", "show"), ("release", "verify"), ("release", "record"),
    ("release", "member", "list"),
    # the registry of people is in the database, never the DuckDB file: a running portal and
    # these commands go on side by side
    ("user", "add"), ("user", "list"), ("user", "disable"), ("user", "reset-password"),
    # read the workdir and write only to --out (or the console)
    ("export", "payment"), ("group", "pool", "list"), ("group", "status"), ("group", "meeting", "list"),
    ("group", "meeting", "coverage"), ("group", "plan", "status"),
    # the questionnaire and suggestions live in the database only, like the registry of people
    ("survey", "open"), ("survey", "list"), ("survey", "codes"), ("survey", "close"), ("survey", "results"),
    ("survey", "export"), ("suggest", "list"), ("suggest", "export"),
}


def settings_for(workdir: Path | None = None, *, creates_workdir: bool = False, optional_workdir: bool = False,
                 **extra) -> Settings:
    """Settings for a command. Only the commands that fill a work directory (ingest, synth, demo:
    `creates_workdir=True`) may name one that does not exist; every other command refuses, naming
    the path, instead of reading an empty directory or creating one (e.g. a release database).
    `optional_workdir=True` is for commands that only look at a work directory if there is one
    (`key`): they neither refuse nor create it.
    The first call in a command also takes the work directory's lock for the command's duration
    and recovers what a killed command left (saying so)."""
    settings = get_settings(workdir=workdir, **extra)
    path = Path(settings.workdir)
    if not creates_workdir and not (optional_workdir and not path.exists()) and not path.is_dir():
        what = "不是目录" if path.exists() else "不存在"
        raise ConfigError(f"工作目录{what}：{path.resolve()}",
                          "请用 --workdir 指定已导入数据的工作目录（或配置 LJD_WORKDIR）；"
                          "新的工作目录由 liangjiadi ingest 或 liangjiadi demo 创建")
    _guard_workdir(path, settings.lock_wait_seconds, creates_workdir)
    return settings


def _guard_workdir(workdir: Path, wait: float, creates_workdir: bool) -> None:
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
        if not creates_workdir:
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


class CountOrShareColumn(ProgressColumn):
    """"3/12" for counts of things; a percentage for large totals (bytes of a file being read),
    whose "12345678/98765432" would crowd the file name out of an 80-column terminal."""

    LARGE = 100_000
    _counts = MofNCompleteColumn()

    def render(self, task) -> Text:
        if task.total is not None and task.total >= self.LARGE:
            return Text(f"{min(task.completed / task.total, 1.0):>4.0%}", style="progress.percentage")
        return self._counts.render(task)


def progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        CountOrShareColumn(),
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
