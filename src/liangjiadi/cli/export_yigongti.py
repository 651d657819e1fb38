"""`liangjiadi export yigongti --year YYYY --out F.csv`: one year of 县域医共体 as a long table
(item, yigongti_id, value, note): budget, monthly disbursement, assessment, warnings, signals and,
once December is in, the clearing. cli/export.py imports this module."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from .common import EngineOpt, WorkdirOpt, console, engine_override, friendly_errors, settings_for

COLUMNS = ["item", "yigongti_id", "value", "note"]


def export_yigongti(
    year: Annotated[int, typer.Option("--year", "-y", help="年度 YYYY")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件：.csv 长表，或 .xlsx / .docx 县域报告")],
    workdir: WorkdirOpt = None,
    engine: EngineOpt = None,
) -> None:
    """导出一个年度的县域医共体预算、拨付、考核、预警与清算：.csv 为长表（UTF-8 带 BOM），.xlsx / .docx 为县域报告；不含任何人员编号。"""
    from ..safe_output import csv_row
    from ..yigongti.service import export_rows, load_year

    if out.suffix.lower() in (".xlsx", ".docx"):
        with friendly_errors():
            _county_report(load_year(settings_for(workdir, **engine_override(engine)), year), out)
        console.print(f"已写出县域医共体报告 {out}（直接读取工作目录，未经发布包审议与封签）")
        return
    with friendly_errors():
        rows = export_rows(load_year(settings_for(workdir, **engine_override(engine)), year))
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            for r in rows:
                w.writerow(csv_row([r[c] for c in COLUMNS]))
    console.print(f"已导出 {len(rows):,} 行到 {out}")


try:
    from .export import export_app as _export_app
except ImportError:  # pragma: no cover
    _export_app = None
if _export_app is not None:
    _export_app.command("yigongti")(export_yigongti)


def _county_report(data, out: Path) -> Path:
    """The county report of the figures computed now (the same renderer as a release's)."""
    from ..indicators.institutions import institution_directory
    from ..reports.county import county_view, write_county_workbook
    from ..reports.docx_render import render_docx
    from ..yigongti.figures import county_figures

    fig = county_figures(data)
    directory = institution_directory(data.settings.model_copy(update={"region_admdvs": data.region}),
                                      f"{data.year:04d}-12")
    names = {c: (directory[c].name if c in directory and directory[c].name else c)
             for u in fig["units"] for c in u["members"]}
    if out.suffix.lower() == ".xlsx":
        return write_county_workbook(fig, names, out)
    label = data.settings.region_name or f"统筹地区{data.region}"
    footer = "本材料由 liangjiadi export yigongti 直接读取工作目录生成，未经发布包的审议与封签，仅供内部核对。"
    return render_docx(county_view(fig, names, region_label=label, footer=footer), out,
                       workdir=Path(data.settings.workdir))
