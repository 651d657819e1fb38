"""`liangjiadi detect`: run every anomaly detector for a month (thin: logic in anomalies/).

The detectors read the lake directly and compute whatever earlier months they compare with,
so it can run right after `ingest`, without computing each month first.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.table import Table as RichTable

from .common import WorkdirOpt, console, friendly_errors, progress, settings_for

SHOW_MESSAGES = 30  # findings printed under the summary (the export has them all)


def detect_command(
    period: Annotated[str, typer.Option("--period", "-p", help="月份 YYYY-MM")],
    workdir: WorkdirOpt = None,
    pattern: Annotated[list[str] | None, typer.Option("--pattern", help="只运行指定检测器（可多次指定）")] = None,
) -> None:
    """发现“错”：对一个月份运行全部异常检测器，保存发现并按模式汇总。"""
    from ..anomalies import all_detectors, detect

    with friendly_errors():
        settings = settings_for(workdir)
        dets = {d.pattern: d for d in all_detectors()}
        unknown = [p for p in pattern or [] if p not in dets]
        if unknown:
            from ..errors import ConfigError

            raise ConfigError(f"未知的检测器：{'、'.join(unknown)}", f"可用：{'、'.join(dets)}")
        with progress() as bar:
            task = bar.add_task("异常检测", total=len(pattern or dets))

            def on_detector(name: str, done: int, total: int) -> None:
                label = f"{name}（{dets[name].name}）" if name in dets else "完成"
                bar.update(task, completed=done, total=total, description=f"异常检测：{label}")

            table = detect(period, settings, patterns=pattern or None, on_detector=on_detector)
    rows = table.to_pylist()
    print_summary(rows, [dets[p] for p in (pattern or dets)], period)


def print_summary(rows: list[dict], detectors, period: str) -> None:
    from ..anomalies.model import SEVERITY_CN

    counts = Counter((r["pattern"], r["severity"]) for r in rows)
    subjects = {p: len({r["fixmedins_code"] or r["cluster_id"] or "region" for r in rows if r["pattern"] == p})
                for p in {r["pattern"] for r in rows}}
    summary = RichTable(title=f"{period[:4]}年{int(period[5:])}月 异常发现汇总")
    for col in ("检测器", "名称", "发现", "涉及对象", "高", "中", "低", "最少病例数"):
        summary.add_column(col, justify="right" if col not in ("检测器", "名称") else "left")
    for d in detectors:
        total = sum(counts[(d.pattern, s)] for s in SEVERITY_CN)
        summary.add_row(d.pattern, d.name, str(total), str(subjects.get(d.pattern, 0)),
                        *(str(counts[(d.pattern, s)]) for s in SEVERITY_CN), str(d.min_cases))
    console.print(summary)
    if not rows:
        console.print("未发现异常。")
        return
    order = {"high": 0, "medium": 1, "low": 2}
    ranked = sorted(rows, key=lambda r: (order[r["severity"]], r["pattern"], -(r["score"] or 0)))
    for r in ranked[:SHOW_MESSAGES]:
        console.print(f"[{'red' if r['severity'] == 'high' else 'yellow' if r['severity'] == 'medium' else 'green'}]"
                      f"【{SEVERITY_CN[r['severity']]}】[/]{r['message']}")
    if len(rows) > SHOW_MESSAGES:
        console.print(f"[dim]……另有 {len(rows) - SHOW_MESSAGES} 条，请用 liangjiadi export findings 导出全部。[/]")
    console.print(f"共 {len(rows)} 条发现，已保存（批次 {rows[0]['run_id']}）。")


def register(app: typer.Typer) -> None:
    app.command("detect")(detect_command)
