"""`liangjiadi ingest`: load extracts into the lake (thin: the logic is in liangjiadi.ingest)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from .common import WorkdirOpt, console, friendly_errors, progress, settings_for

STATUS_CN = {"ok": "[green]全部导入[/]", "partial": "[yellow]部分隔离[/]",
             "rejected": "[red]未导入[/]", "pending": "未处理"}


class _RichHook:
    """Adapts ingest's progress protocol to rich progress bars."""

    def __init__(self, bar):
        self.bar = bar
        self.tasks: dict[str, int] = {}

    def start(self, key, description, total=None):
        if key in self.tasks:
            self.bar.reset(self.tasks[key], total=total, description=description)
        else:
            self.tasks[key] = self.bar.add_task(description, total=total)

    def advance(self, key, amount=1):
        if key in self.tasks:
            self.bar.advance(self.tasks[key], amount)

    def done(self, key):
        if key in self.tasks:
            t = self.tasks[key]
            total = next((x.total for x in self.bar.tasks if x.id == t), None)
            self.bar.update(t, completed=total if total is not None else 1, total=total or 1)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="要导入的文件或目录（csv / xlsx / parquet）")],
    workdir: WorkdirOpt = None,
    table: Annotated[str | None, typer.Option("--table", "-t", help="指定数据表（缺省按文件名识别）")] = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="声明文件所属月份 YYYY-MM；其他月份的行被隔离")] = None,
    admdvs: Annotated[str | None, typer.Option("--admdvs", help="本统筹地区 6 位医保区划代码")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="允许本次交付整体替换数据湖中明显更多的数据（如确认某月只剩更正后的几行）；"
                          "缺省时会使某月或定点机构目录明显减少的交付被拒绝")] = False,
) -> None:
    """导入统筹地区上报的数据：按输入契约校验，问题行隔离，合格行写入数据湖。"""
    from ..ingest import RULES, ingest_paths

    with friendly_errors():
        settings = settings_for(workdir)
        with progress() as bar:
            report = ingest_paths(paths, settings, table=table, period=period, admdvs=admdvs,
                                  progress=_RichHook(bar), replace=replace)

    files = RichTable(title=f"导入结果（批次 {report.load_id}）")
    for col in ("文件", "数据表", "状态", "读取行", "入湖行", "隔离行", "写入期间"):
        files.add_column(col, justify="right" if col.endswith("行") else "left")
    for f in report.files:
        files.add_row(Path(f.path).name, f.table or "—", STATUS_CN.get(f.status, f.status),
                      f"{f.rows_read:,}", f"{f.rows_accepted:,}", f"{f.rows_quarantined:,}",
                      "、".join(f.periods) or "—")
    console.print(files)

    totals = report.rule_totals()
    if totals:
        rules = RichTable(title="问题按规则统计")
        for col in ("规则代码", "规则名称", "行数/文件数"):
            rules.add_column(col, justify="right" if col == "行数/文件数" else "left")
        for code, n in totals.items():
            rules.add_row(code, RULES[code].name if code in RULES else code, f"{n:,}")
        console.print(rules)

    # the same note on many files (e.g. personal columns dropped every month) is said once
    by_note: dict[str, list[str]] = {}
    for f in report.files:
        if f.error:
            console.print(f"[red]✗[/] {f.error}")
        for note in f.notes:
            by_note.setdefault(note, []).append(Path(f.path).name)
    for note, names in by_note.items():
        where = names[0] if len(names) == 1 else f"{names[0]} 等 {len(names)} 个文件"
        console.print(f"[dim]·[/] {where}：{note}")
    for note in report.notes:
        console.print(f"[dim]·[/] {note}")
    console.print(f"统筹地区：{report.region_admdvs or '未确定'}；隔离文件与导入报告：{report.quarantine_dir}")
    if any(f.status == "rejected" for f in report.files):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
