"""`liangjiadi export findings`: the stored anomaly findings of a month as CSV (UTF-8 with BOM),
and beside it `<name>.coverage.csv`: what each detector examined, or why it did not.

cli/export.py imports this module; it adds the command to that module's `export_app`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from .common import WorkdirOpt, console, friendly_errors, settings_for

FINDING_COLUMNS = ["pattern", "fixmedins_code", "period", "severity", "evidence", "message", "patterns"]
COVERAGE_COLUMNS = ["pattern", "name", "status", "status_cn", "reason", "institutions", "peers", "window",
                    "window_months", "findings", "skipped"]  # skipped: 机构编码：原因；… (not judged)


def coverage_csv_path(out: Path) -> Path:
    return out.with_name(out.stem + ".coverage.csv")


def export_findings(
    period: Annotated[str, typer.Option("--period", "-p", help="月份 YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出 CSV 文件")],
    workdir: WorkdirOpt = None,
    run_id: Annotated[str | None, typer.Option("--run", help="检测批次（缺省为最新一次）")] = None,
) -> None:
    """导出一个月的异常发现为 CSV（UTF-8 带 BOM，可直接用 Excel 打开），并在旁边写出各检测器的检测范围；不含任何人员编号。"""
    from ..anomalies import load_coverage, load_findings
    from ..anomalies.coverage import STATUS_CN
    from ..anomalies.model import row_patterns
    from ..anomalies.runner import DetectionError
    from ..indicators.compute import resolve_region
    from ..period import Period
    from ..safe_output import csv_row

    with friendly_errors():
        settings = settings_for(workdir)
        Period.parse(period)
        region = resolve_region(settings)
        table = load_findings(Path(settings.workdir), region, period, run_id)
        if table is None:
            raise DetectionError(f"{region} {period} 尚未运行异常检测", f"请先执行 liangjiadi detect --period {period}")
        run = table["run_id"][0].as_py() if table.num_rows else run_id
        coverage = load_coverage(Path(settings.workdir), region, period, run)
        order = {"high": 0, "medium": 1, "low": 2}
        rows = sorted(table.to_pylist(), key=lambda r: (r["pattern"], order.get(r["severity"], 3),
                                                        -(r["score"] or 0), r["fixmedins_code"] or ""))
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(FINDING_COLUMNS)
            for r in rows:
                w.writerow(csv_row([r["pattern"], r["fixmedins_code"] or "", r["period"], r["severity"],
                                    r["evidence"], r["message"], "、".join(row_patterns(r))]))
        cov_path = coverage_csv_path(out)
        if coverage is not None:
            with cov_path.open("w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(COVERAGE_COLUMNS)
                for c in coverage:
                    w.writerow(csv_row([c.pattern, c.name, c.status, STATUS_CN[c.status], c.reason,
                                "" if c.institutions is None else c.institutions, "" if c.peers is None else c.peers,
                                c.window, "" if c.window_months is None else c.window_months,
                                c.findings if c.evaluated else "",
                                "；".join(f"{code}：{why}" for code, why in sorted(c.skipped.items()))]))
    console.print(f"已导出 {len(rows):,} 条异常发现到 {out}")
    if coverage is None:
        console.print("[yellow]该批次未记录检测范围（旧版本的检测结果），请重新运行 liangjiadi detect。[/]")
    else:
        missing = sum(1 for c in coverage if not c.evaluated)
        console.print(f"各检测器的检测范围已导出到 {cov_path}" + (f"（{missing} 个未检测，原因见文件）" if missing else ""))


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
