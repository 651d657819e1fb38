"""`liangjiadi province compute`: every region of a province's lake on the configured engine
(thin: logic in analysis/province.py; formats in workgroup/province.py and reports/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import EngineOpt, WorkdirOpt, console, engine_override, friendly_errors, progress, settings_for

province_app = typer.Typer(help="省级：一个数据湖中的全部统筹地区——逐地区计算数据底稿、全省对比与各地区季度报送（000 第八条）。",
                           no_args_is_help=True)


@province_app.command("compute")
def compute(
    period: Annotated[str, typer.Option("--period", "-p", help="季度 YYYY-Qn（或月份 YYYY-MM）")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出目录：全省对比、各地区数据底稿与季度报送")],
    workdir: WorkdirOpt = None,
    engine: EngineOpt = None,
) -> None:
    """逐地区计算数据湖中每个统筹地区的指标（保存为各地区的计算批次），写出各地区数据底稿、季度报送 xlsx 与全省对比 xlsx。"""
    from ..analysis.province import KEY_FIGURES, compute_region_quarter, lake_regions, ranked
    from ..errors import ConfigError
    from ..period import Window
    from ..reports.worksheet import write_worksheet
    from ..reports.worksheet_data import load_worksheet_data
    from ..workgroup.province import figures_xlsx, write_submission

    with friendly_errors():
        window = Window.parse(period)
        settings = settings_for(workdir, **engine_override(engine))
        regions = lake_regions(settings)
        if not regions:
            raise ConfigError(f"工作目录的数据湖中没有结算数据：{Path(settings.workdir).resolve()}",
                              "请先用 liangjiadi ingest 导入各统筹地区的数据")
        months = window.month_keys
        quarters = []
        with progress() as bar:
            task = bar.add_task("全省计算", total=len(regions) * len(months))
            for region in regions:
                def on_month(month: str, region=region) -> None:
                    bar.update(task, description=f"计算 {region} {month}")

                quarters.append(compute_region_quarter(settings, region, window, on_month=on_month))
                bar.update(task, advance=len(months))
            bar.update(task, description="写出数据底稿与报送")
            out = Path(out)
            written = []
            for q in quarters:
                own = settings.model_copy(update={"region_admdvs": q.region})
                data = load_worksheet_data(months[-1], own, admdvs=q.region)
                written.append(write_worksheet(data, out / q.region / f"数据底稿-{q.region}-{months[-1]}.xlsx"))
                written.append(write_submission(out / q.region / f"季度报送-{q.region}-{window.key}.xlsx", q.submission))
            names = quarters[0].names if quarters else {}
            values = {q.region: q.figures for q in quarters}
            comparison = figures_xlsx(out / f"全省对比-{window.key}.xlsx", window.label, [(q.region, "") for q in quarters],
                                      [(fid, names.get(fid, fid)) for fid in KEY_FIGURES], values, ranked(quarters))
    console.print(f"{window.label}：数据湖中 {len(regions)} 个统筹地区（{'、'.join(regions)}）已逐一计算")
    console.print(f"  全省对比：{comparison}")
    for path in written:
        console.print(f"  {path}")
    console.print("  各地区季度报送可由省级用 liangjiadi group province import 导入、group province compare 并列比较。")


def register(app: typer.Typer) -> None:
    app.add_typer(province_app, name="province")
