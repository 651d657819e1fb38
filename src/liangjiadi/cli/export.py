"""`liangjiadi export ...`: a sub-app of export commands.

`export results` lives here. Other export commands register on `export_app` from their own
modules (e.g. cli/export_worksheet.py does `from .export import export_app` and
`@export_app.command("worksheet")`); `register` imports them when they exist.
"""

from __future__ import annotations

import csv
import importlib
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from .common import WorkdirOpt, console, friendly_errors, settings_for

export_app = typer.Typer(help="导出计算结果与报表。", no_args_is_help=True)

# Modules adding commands to export_app; missing ones are skipped.
EXPORT_MODULES = ["export_worksheet", "export_findings", "export_yigongti", "export_payment"]

RESULT_COLUMNS = ["indicator_id", "scope", "fixmedins_code", "value", "numerator", "denominator", "name", "note"]


def plain(d: Decimal | None) -> str:
    """A decimal as plain text without exponent or trailing zeros ('' when absent)."""
    if d is None:
        return ""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


@export_app.command("results")
def export_results(
    period: Annotated[str, typer.Option("--period", "-p", help="月份 YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出 CSV 文件")],
    workdir: WorkdirOpt = None,
    run_id: Annotated[str | None, typer.Option("--run", help="计算批次（缺省为最新一次）")] = None,
) -> None:
    """导出一个月的指标结果为 CSV（UTF-8 带 BOM，可直接用 Excel 打开）。"""
    from ..errors import IndicatorError
    from ..indicators.compute import resolve_region
    from ..indicators.registry import load_indicators, sort_key
    from ..indicators.results import load_results
    from ..period import Period
    from ..safe_output import csv_row

    with friendly_errors():
        settings = settings_for(workdir)
        Period.parse(period)
        inds = {i.id: i for i in load_indicators(settings)}
        region = resolve_region(settings)
        table = load_results(Path(settings.workdir), region, period, run_id)
        if table is None:
            raise IndicatorError(f"{region} {period} 尚未计算指标",
                                 f"请先执行 liangjiadi compute --period {period}")
        order = {iid: n for n, iid in enumerate(sorted(inds, key=lambda k: sort_key(inds[k])))}
        rows = sorted(table.to_pylist(), key=lambda r: (order.get(r["indicator_id"], 10**6), r["indicator_id"],
                                                        r["fixmedins_code"] or ""))
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(RESULT_COLUMNS)
            for r in rows:
                ind = inds.get(r["indicator_id"])
                w.writerow(csv_row([r["indicator_id"], r["scope"], r["fixmedins_code"] or "", plain(r["value"]),
                            plain(r["numerator"]), plain(r["denominator"]), ind.name if ind else "",
                            r["note"] or ""]))
    console.print(f"已导出 {len(rows):,} 行到 {out}（计算批次 {rows[0]['run_id'] if rows else '—'}）")


def register(app: typer.Typer) -> None:
    for name in EXPORT_MODULES:
        try:
            importlib.import_module(f"liangjiadi.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"liangjiadi.cli.{name}":
                raise
    app.add_typer(export_app, name="export")
