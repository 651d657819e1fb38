"""`liangjiadi demo`: the whole monthly job on a generated region, in one command.

generate a region -> ingest (validate, quarantine) -> compute the worksheet indicators for the
last month and the same month last year -> 复核 -> export the 数据底稿 workbook.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from .common import WorkdirOpt, console, friendly_errors, progress, settings_for


def demo(
    workdir: WorkdirOpt = None,
    scale: Annotated[float, typer.Option("--scale", help="模拟地区规模（1.0 ≈ 100 万参保人）")] = 0.02,
    months: Annotated[int, typer.Option("--months", help="生成的月份数")] = 24,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子结果相同）")] = 20251,
    keep_input: Annotated[bool, typer.Option("--keep-input/--fresh", help="保留已生成的模拟数据，不重新生成")] = False,
) -> None:
    """演示：生成模拟统筹地区 → 校验导入 → 计算指标 → 复核 → 导出数据底稿。"""
    from ..checks import run_checks
    from ..checks.model import STATUS_CN
    from ..indicators import compute
    from ..indicators.context import shift
    from ..ingest import ingest_paths
    from ..reports.worksheet import write_worksheet
    from ..reports.worksheet_data import load_worksheet_data
    from ..synth import SynthConfig, generate
    from .ingest import _RichHook

    with friendly_errors():
        settings = settings_for(workdir)
        work = Path(settings.workdir)
        cfg = SynthConfig(scale=scale, months=months, seed=seed, region=settings.region_admdvs or "140400")
        settings = settings.model_copy(update={"region_admdvs": cfg.region})
        src = work / "demo-input"
        period = cfg.periods[-1]
        last_year = shift(period, -12)
        out_dir = work / "outputs"
        out_dir.mkdir(parents=True, exist_ok=True)

        console.rule("[bold]1/5 生成模拟统筹地区")
        if keep_input and (src / "ground_truth.json").exists():
            console.print(f"沿用已生成的模拟数据：{src}")
        else:
            shutil.rmtree(src, ignore_errors=True)
            with progress() as bar:
                task = bar.add_task("生成", total=None)

                def on_step(message: str, done: int, total: int) -> None:
                    bar.update(task, description=message, completed=done, total=total)

                summary = generate(cfg, src, progress=on_step)
            console.print(f"已生成 {summary.files} 个文件（{sum(summary.rows.values()):,} 行）到 {src}")

        console.rule("[bold]2/5 校验并导入")
        with progress() as bar:
            report = ingest_paths([src], settings, progress=_RichHook(bar))
        console.print(f"入湖 {report.rows_accepted:,} 行，隔离 {report.rows_quarantined:,} 行；"
                      f"隔离文件与导入报告：{work / 'quarantine' / report.load_id}")

        console.rule("[bold]3/5 计算数据底稿指标")
        computed = {}
        with progress() as bar:
            task = bar.add_task("计算指标", total=2)
            for p in (last_year, period):
                if p in cfg.periods:
                    computed[p] = compute(p, settings)
                bar.advance(task)
        console.print(f"{period} 结果 {computed[period].num_rows:,} 行" +
                      (f"；上年同期 {last_year} 已计算" if last_year in computed else ""))

        console.rule("[bold]4/5 复核")
        check = run_checks(period, settings)
        console.print(f"复核结论：{STATUS_CN[check.status]}（{_status_counts(check)}）")

        console.rule("[bold]5/5 导出数据底稿")
        data = load_worksheet_data(period, settings, region_name=cfg.region_name)
        xlsx = write_worksheet(data, out_dir / f"数据底稿_{cfg.region}_{period}.xlsx")

    console.rule("[bold green]完成")
    console.print(f"工作目录：{work}")
    console.print(f"  数据底稿（Excel）：{xlsx}")
    console.print(f"  复核报告：{work / 'checks' / cfg.region / period}")
    console.print(f"  指标结果：{work / 'results' / cfg.region / period}")
    console.print(f"  隔离文件：{work / 'quarantine' / report.load_id}")
    console.print(f"  模拟数据与注入真值：{src / 'ground_truth.json'}")


def _status_counts(check) -> str:
    from ..checks.model import STATUS_CN

    return "，".join(f"{STATUS_CN.get(k, k)} {v}" for k, v in check.counts().items() if v) or "无检查项"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
