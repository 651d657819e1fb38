"""`liangjiadi report`: render every file of a release (docx, html, xlsx) and attach them to it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import WorkdirOpt, console, friendly_errors, settings_for


def report(
    release: Annotated[str, typer.Option("--release", "-r", help="发布编号，如 140400-monthly-2025-03-v1")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出目录")],
    workdir: WorkdirOpt = None,
    region_name: Annotated[str | None, typer.Option("--region-name", help="统筹地区名称，如 长治市（用于标题）")] = None,
    by: Annotated[str | None, typer.Option("--by", help="操作人（记入附加文件的审计日志）")] = None,
    workers: Annotated[int, typer.Option("--workers", help="生成定向推送的进程数")] = 2,
    attach: Annotated[bool, typer.Option("--attach/--no-attach", help="发布为草稿时把文件附加到发布包")] = True,
) -> None:
    """生成发布材料：月推送 / 季度分析报告 / 专题分析 / 年度通报（Word、网页、Excel）及各机构定向推送。"""
    from ..releases import get_release
    from ..reports.render import render_release
    from .release import _by

    with friendly_errors():
        settings = settings_for(workdir)
        rel = get_release(release, settings)
        settings = settings.model_copy(update={"region_admdvs": rel.admdvs})
        with console.status("正在生成发布材料（只读取发布包中冻结的数据）……"):
            result = render_release(release, out, settings, region_name=region_name, attach=attach,
                                    actor=_by(by), workers=workers)
    console.print(f"已生成 {len(result.files)} 个报告文件、{len(result.institution_files)} 个定向推送文件：{out}")
    for path in result.files:
        console.print(f"  {path}")
    if result.institution_files:
        console.print(f"  定向推送：{out / '定向推送'}（{len(result.institution_files) // 2} 家机构）")
    if result.attached:
        console.print(f"已附加到发布 {release}；下一步：liangjiadi release submit {release}")
    elif attach:
        console.print(f"发布 {release} 不是草稿，文件未附加（已提交的发布包不能改动）。")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
