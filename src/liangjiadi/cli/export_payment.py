"""`liangjiadi export payment`: the frozen year-end settlement as a long CSV table."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from .common import WorkdirOpt, console, friendly_errors, settings_for
from .export import export_app


@export_app.command("payment")
def export_payment(
    year: Annotated[int, typer.Option("--year", "-y", help="年度 YYYY")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出 CSV 文件")],
    workdir: WorkdirOpt = None,
) -> None:
    """导出年度清算结果为长表 CSV（item, scope, fixmedins_code, value；UTF-8 带 BOM）。"""
    from ..indicators.compute import resolve_region
    from ..payment.errors import PaymentError
    from ..payment.export import long_rows
    from ..payment.service import load
    from ..safe_output import csv_row

    with friendly_errors():
        settings = settings_for(workdir)
        region = resolve_region(settings)
        frozen = load(settings.workdir, region, year)
        if frozen is None:
            raise PaymentError(f"{region} {year} 年尚未年度清算",
                               f"请先执行 liangjiadi payment settle --year {year}")
        rows = long_rows(frozen)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["item", "scope", "fixmedins_code", "value"])
            for r in rows:
                w.writerow(csv_row(list(r)))
    console.print(f"已导出 {len(rows):,} 行到 {out}")
