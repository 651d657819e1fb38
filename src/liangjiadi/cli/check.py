"""`liangjiadi check`: 复核 the newest results of a month (thin: logic in checks/).

Exit codes: 0 when the review ran (even if some checks failed — the verdict is printed in
red); 1 with `--strict` when any check failed or crashed; 2 when it could not run (no results,
bad arguments).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .common import EngineOpt, engine_override, WorkdirOpt, console, err_console, friendly_errors, settings_for

_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "not_applicable": "dim", "error": "magenta"}


def check(
    period: Annotated[str, typer.Option("--period", "-p", help="复核月份 YYYY-MM")],
    workdir: WorkdirOpt = None,
    admdvs: Annotated[str | None, typer.Option("--admdvs", help="统筹地区区划（工作目录中只有一个时可省略）")] = None,
    run_id: Annotated[str | None, typer.Option("--run", help="复核哪一次计算批次（缺省为最新一次）")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="本地复核配置 YAML（缺省为 <工作目录>/checks.yaml）")] = None,
    compute_first: Annotated[bool, typer.Option("--compute", help="没有计算结果时先计算本月指标")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="有不通过或出错的规则时退出码为 1")] = False,
    engine: EngineOpt = None,
) -> None:
    """复核一个月的计算结果：其中项与合计、比例范围、来源一致性、环比突变、公开频次等。"""
    from ..checks import NoResultsError, Status, run_checks
    from ..checks.model import STATUS_CN
    from ..runs import run_path

    with friendly_errors():
        settings = settings_for(workdir, region_admdvs=admdvs, **engine_override(engine))
        try:
            report = run_checks(period, settings, admdvs=admdvs, results_run_id=run_id, overrides=rules)
        except NoResultsError as exc:
            if not compute_first:
                err_console.print(f"[bold red]{exc.message}[/]")
                err_console.print(f"请先运行：[bold]liangjiadi compute --period {period}[/]"
                                  f"（或加 --compute 让本命令先计算）")
                raise typer.Exit(code=2) from exc
            from ..indicators import compute

            console.print(f"没有{period}的计算结果，先计算指标……")
            compute(period, settings)
            report = run_checks(period, settings, admdvs=admdvs, overrides=rules)

    _print_report(report, STATUS_CN, Status)
    path = run_path(settings.workdir, "checks", report.admdvs, report.period, report.check_run_id).with_suffix(".md")
    console.print(f"复核报告已保存：{path}（同名 .parquet / .csv）")
    if strict and not report.passed:
        raise typer.Exit(code=1)


def _print_report(report, status_cn, status_enum) -> None:
    y, m = report.period.split("-")
    verdict = report.status
    console.print(f"[bold]{report.admdvs} {y}年{int(m)}月 复核[/]（计算批次 {report.results_run_id or '—'}，"
                  f"复核批次 {report.check_run_id}）")
    counts = Table(title="按状态计数", show_lines=False)
    for s in status_enum:
        counts.add_column(status_cn[s], justify="right", style=_STYLE[s.value])
    counts.add_row(*(str(report.counts()[s.value]) for s in status_enum))
    console.print(counts)

    per_check = Table(title="各规则结论")
    for col in ("规则编号", "规则", "结论", "通过项", "警告", "不通过", "不适用", "出错"):
        per_check.add_column(col, justify="right" if col in ("通过项", "警告", "不通过", "不适用", "出错") else "left")
    for entry in report.by_check():
        c = entry["counts"]
        st = entry["status"]
        per_check.add_row(entry["check_id"], entry["title"], f"[{_STYLE[st]}]{status_cn[status_enum(st)]}[/]",
                          str(c["pass"]), str(c["warn"]), str(c["fail"]), str(c["not_applicable"]), str(c["error"]))
    console.print(per_check)

    for status, title in (("fail", "不通过"), ("error", "检查出错"), ("warn", "警告")):
        rows = report.rows_with(status)
        if not rows:
            continue
        console.print(f"[{_STYLE[status]}]{title}（{len(rows)} 项）[/]")
        for r in rows:
            console.print(f"  [{_STYLE[status]}]·[/] [dim]{r['check_id']}/{r['reason_code']}[/] {r['message']}",
                          highlight=False)
    if verdict == status_enum.FAIL:
        console.print("[bold red]复核结论：不通过[/] —— 存在数据错误，须改正或说明后才能发布。")
    elif verdict == status_enum.ERROR:
        console.print("[magenta]复核结论：部分规则运行出错[/]，其结论未知，请查看上方信息。")
    elif verdict == status_enum.WARN:
        console.print("[yellow]复核结论：通过，但有警告项需复核人员确认。[/]")
    else:
        console.print("[green]复核结论：通过。[/]")


def register(app: typer.Typer) -> None:
    app.command("check")(check)
