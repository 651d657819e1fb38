"""`liangjiadi compute`: compute the 数据底稿 indicators of one month (thin: logic in indicators)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer

from .common import EngineOpt, WorkdirOpt, console, engine_override, friendly_errors, progress, settings_for


def compute(
    period: Annotated[str, typer.Option("--period", "-p", help="计算月份 YYYY-MM")],
    engine: EngineOpt = None,
    workdir: WorkdirOpt = None,
) -> None:
    """计算一个月的数据底稿指标（含各医疗机构），保存为一次计算批次。"""
    from ..indicators import compute as compute_indicators
    from ..indicators.registry import FAMILIES

    with friendly_errors():
        from ..period import Period

        Period.parse(period)
        settings = settings_for(workdir, **engine_override(engine))
        _require_settlements(settings, period)
        with progress() as bar:
            task = bar.add_task("准备计算", total=None)

            def on_family(name: str, done: int, total: int) -> None:
                desc = f"计算：{FAMILIES[name]}" if name else "计算完成"
                bar.update(task, total=total, completed=done, description=desc)

            table = compute_indicators(period, settings, on_family=on_family)

    rows = table.to_pylist()
    ids = {r["indicator_id"] for r in rows}
    insts = {r["fixmedins_code"] for r in rows if r["fixmedins_code"]}
    absent = [r for r in rows if r["value"] is None]
    run_id = rows[0]["run_id"] if rows else "—"
    admdvs = rows[0]["admdvs"] if rows else (settings.region_admdvs or "—")
    y, m = period.split("-")
    console.print(f"[bold]{admdvs} {y}年{int(m)}月[/] 指标计算完成：")
    console.print(f"  计算指标 {len(ids)} 项，涉及医疗机构 {len(insts)} 家，结果 {len(rows):,} 行")
    console.print(f"  无值 {len(absent):,} 项（均附原因）")
    for note, n in Counter(r["note"] or "未说明" for r in absent).most_common(5):
        console.print(f"    [dim]·[/] {note}：{n:,}")
    console.print(f"  计算批次：{run_id}")


def _require_settlements(settings, period: str) -> None:
    """A month without settlements is not computed: its indicators would all be empty or zero."""
    from .. import lake
    from ..errors import IndicatorError
    from ..indicators.compute import resolve_region

    region = resolve_region(settings)
    if (region, period) not in set(lake.partitions(settings.workdir, "setl_d")):
        y, m = period.split("-")
        raise IndicatorError(f"统筹地区 {region} {y}年{int(m)}月没有结算数据（setl_d），不计算该月指标。",
                             f"请先导入该月的结算数据：liangjiadi ingest 文件 --workdir {settings.workdir}")


def register(app: typer.Typer) -> None:
    app.command("compute")(compute)
