"""`liangjiadi export worksheet`: the 数据底稿 workbook of a month (thin: logic in reports/).

cli/export.py imports this module; it adds the command to that module's `export_app`.
`add_worksheet_command` can also put it on any other typer app (tests, other front ends).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import EngineOpt, WorkdirOpt, console, engine_override, friendly_errors, settings_for


def worksheet(
    period: Annotated[str, typer.Option("--period", "-p", help="月份 YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出的 Excel 文件（.xlsx）")],
    workdir: WorkdirOpt = None,
    admdvs: Annotated[str | None, typer.Option("--admdvs", help="统筹地区区划（工作目录中只有一个时可省略）")] = None,
    run_id: Annotated[str | None, typer.Option("--run", help="计算批次（缺省为最新一次）")] = None,
    region_name: Annotated[str | None, typer.Option("--region-name", help="统筹地区名称，印在标题与页眉（如“长治市”）")] = None,
    all_values: Annotated[bool, typer.Option("--all-values", help="本期不到公开时点的指标也列示数值（内部核对用）")] = False,
    engine: EngineOpt = None,
) -> None:
    """导出数据底稿（官方表样）：统筹地区各指标、各医疗机构分表（按等级分组）与说明页。"""
    from ..checks.model import STATUS_CN
    from ..reports.worksheet import write_worksheet
    from ..reports.worksheet_data import load_worksheet_data

    with friendly_errors():
        settings = settings_for(workdir, region_admdvs=admdvs, **engine_override(engine))
        data = load_worksheet_data(period, settings, admdvs=admdvs, run_id=run_id, region_name=region_name,
                                   show_unpublished=all_values)
        path = write_worksheet(data, out)
    verdict = STATUS_CN[data.check_report.status] if data.check_report else "未复核"
    console.print(f"已生成数据底稿：{path}")
    console.print(f"  {data.region_label} {data.period_cn}，计算批次 {data.results_run_id}，复核结论：{verdict}")
    if data.check_report is None:
        console.print(f"  [yellow]提示：本期结果尚未复核，请运行 liangjiadi check --period {period}[/]")
    if not data.last_year:
        console.print(f"  [dim]未找到上年同期（{data.last_year_period}）的计算结果，上年同期值留空。[/]")


def add_worksheet_command(export_app: typer.Typer) -> None:
    """Add `worksheet` to an export sub-app (once, however often it is called)."""
    if any(cmd.name == "worksheet" for cmd in export_app.registered_commands):
        return
    export_app.command("worksheet")(worksheet)


try:  # part of the `export` sub-app of cli/export.py when that module is there
    from .export import export_app as _export_app
except ImportError:  # pragma: no cover - export.py not built
    _export_app = None
if _export_app is not None:
    add_worksheet_command(_export_app)
