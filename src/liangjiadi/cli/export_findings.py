"""`liangjiadi export findings`: the stored anomaly findings of a month as CSV (UTF-8 with BOM).

cli/export.py imports this module; it adds the command to that module's `export_app`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from .common import WorkdirOpt, console, friendly_errors, settings_for

FINDING_COLUMNS = ["pattern", "fixmedins_code", "period", "severity", "evidence", "message"]


def export_findings(
    period: Annotated[str, typer.Option("--period", "-p", help="月份 YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出 CSV 文件")],
    workdir: WorkdirOpt = None,
    run_id: Annotated[str | None, typer.Option("--run", help="检测批次（缺省为最新一次）")] = None,
) -> None:
    """导出一个月的异常发现为 CSV（UTF-8 带 BOM，可直接用 Excel 打开）；不含任何人员编号。"""
    from ..anomalies import load_findings
    from ..anomalies.runner import DetectionError
    from ..indicators.compute import resolve_region
    from ..indicators.context import validate_period
    from ..safe_output import csv_row

    with friendly_errors():
        settings = settings_for(workdir)
        validate_period(period)
        region = resolve_region(settings)
        table = load_findings(Path(settings.workdir), region, period, run_id)
        if table is None:
            raise DetectionError(f"{region} {period} 尚未运行异常检测", f"请先执行 liangjiadi detect --period {period}")
        order = {"high": 0, "medium": 1, "low": 2}
        rows = sorted(table.to_pylist(), key=lambda r: (r["pattern"], order.get(r["severity"], 3),
                                                        -(r["score"] or 0), r["fixmedins_code"] or ""))
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(FINDING_COLUMNS)
            for r in rows:
                w.writerow(csv_row([r["pattern"], r["fixmedins_code"] or "", r["period"], r["severity"],
                                    r["evidence"], r["message"]]))
    console.print(f"已导出 {len(rows):,} 条异常发现到 {out}")


def add_findings_command(export_app: typer.Typer) -> None:
    """Add `findings` to an export sub-app (once)."""
    if any(cmd.name == "findings" for cmd in export_app.registered_commands):
        return
    export_app.command("findings")(export_findings)


try:  # part of the `export` sub-app of cli/export.py when that module is there
    from .export import export_app as _export_app
except ImportError:  # pragma: no cover
    _export_app = None
if _export_app is not None:
    add_findings_command(_export_app)
