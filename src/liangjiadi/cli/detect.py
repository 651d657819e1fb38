"""`liangjiadi detect`: run every anomaly detector for a month (thin: logic in anomalies/).

The detectors read the lake directly and compute whatever earlier months they compare with,
so it can run right after `ingest`, without computing each month first.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ..period import period_label
from .common import console, engine_override, EngineOpt, friendly_errors, progress, settings_for, WorkdirOpt

SHOW_MESSAGES = 30  # findings printed under the summary (the export has them all)


def detect_command(
    period: Annotated[str, typer.Option("--period", "-p", help="月份 YYYY-MM")],
    workdir: WorkdirOpt = None,
    pattern: Annotated[list[str] | None, typer.Option("--pattern", help="只运行指定检测器（可多次指定）")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="检测配置 YAML：调整阈值、停用检测器、地区自定义检测器（缺省为 <工作目录>/detectors.yaml）")] = None,
    engine: EngineOpt = None,
) -> None:
    """发现“错”：对一个月份运行全部异常检测器，保存发现与各检测器的检测范围，并按模式汇总。"""
    from ..anomalies import run_detection
    from ..anomalies.tuning import load_detectors

    with friendly_errors():
        settings = settings_for(workdir, **engine_override(engine))
        dets = load_detectors(settings, config)
        unknown = [p for p in pattern or [] if p not in dets]
        if unknown:
            from ..errors import ConfigError

            raise ConfigError(f"未知的检测器：{'、'.join(unknown)}", f"可用：{'、'.join(dets)}")
        with progress() as bar:
            task = bar.add_task("异常检测", total=len(pattern or dets))

            def on_detector(name: str, done: int, total: int) -> None:
                label = f"{name}（{dets[name].name}）" if name in dets else "完成"
                bar.update(task, completed=done, total=total, description=f"异常检测：{label}")

            run = run_detection(period, settings, patterns=pattern or None, on_detector=on_detector,
                                overrides=config)
    rows = run.findings.to_pylist()
    print_summary(rows, run.coverage, period, dets)
    console.print(f"检测批次 {run.run_id}：发现与检测范围已保存。")


def print_summary(rows: list[dict], coverage, period: str, dets: dict) -> None:
    """One line per detector: what it examined (or why it did not) and its findings by
    severity; then the 线索 (related findings at one institution merged), strongest first."""
    from ..anomalies.coverage import STATUS_CN
    from ..anomalies.model import SEVERITY_CN, row_patterns

    counts: Counter = Counter()
    subjects: dict[str, set] = {}
    for r in rows:
        for p in row_patterns(r):
            counts[(p, r["severity"])] += 1
            subjects.setdefault(p, set()).add(r["fixmedins_code"] or r["cluster_id"] or "region")
    summary = RichTable(title=f"{period_label(period)} 异常发现汇总与检测范围")
    for col in ("检测器", "名称", "状态", "发现", "涉及对象", "高", "中", "低", "检测范围 / 未检测原因"):
        summary.add_column(col, justify="right" if col in ("发现", "涉及对象", "高", "中", "低") else "left",
                           overflow="fold")
    for c in coverage:
        if c.evaluated:
            total = sum(counts[(c.pattern, s)] for s in SEVERITY_CN)
            nums = [str(total), str(len(subjects.get(c.pattern, ()))), *(str(counts[(c.pattern, s)]) for s in SEVERITY_CN)]
            scope = c.scope() or "—"
            status = f"[green]{STATUS_CN[c.status]}[/]"
        else:  # never a zero for what was not looked at
            nums = ["—"] * 5
            scope = c.reason
            status = f"[red]{STATUS_CN[c.status]}[/]"
        summary.add_row(c.pattern, c.name, status, *nums, scope)
    console.print(summary)
    missing = [c for c in coverage if not c.evaluated]
    if missing:
        console.print(f"[yellow]本期未检测的项目 {len(missing)} 个：{'、'.join(c.name for c in missing)}（原因见上表）。[/]")
    if not rows:
        console.print("已检测的项目未发现异常。" if len(missing) < len(coverage) else "没有检测器完成检测。")
        return
    order = {"high": 0, "medium": 1, "low": 2}
    ranked = sorted(rows, key=lambda r: (order[r["severity"]], r["pattern"], -(r["score"] or 0)))
    for r in ranked[:SHOW_MESSAGES]:
        console.print(f"[{'red' if r['severity'] == 'high' else 'yellow' if r['severity'] == 'medium' else 'green'}]"
                      f"【{SEVERITY_CN[r['severity']]}】[/]{r['message']}")
    if len(rows) > SHOW_MESSAGES:
        console.print(f"[dim]……另有 {len(rows) - SHOW_MESSAGES} 条，请用 liangjiadi export findings 导出全部。[/]")
    merged = sum(1 for r in rows if len(row_patterns(r)) > 1)
    console.print(f"共 {len(rows)} 条线索" + (f"（其中 {merged} 条合并了同一机构相关模式的发现）" if merged else "") + "。")


def register(app: typer.Typer) -> None:
    app.command("detect")(detect_command)
