"""`liangjiadi suggest ...`: 分组/政策建议 collected in the portal, listed and exported for the province."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .common import WorkdirOpt, console, friendly_errors, settings_for

suggest_app = typer.Typer(help="分组/政策建议：列出门户收集的建议，导出 xlsx 报省级医保部门（附录1 三）。",
                          no_args_is_help=True)
AdmdvsOpt = Annotated[str | None, typer.Option("--admdvs", help="只含该统筹地区")]
ProvinceOpt = Annotated[str | None, typer.Option("--province", help="只含该省（区划前两位，例如 14）")]
CategoryOpt = Annotated[str | None, typer.Option("--category", help="类别：grouping payment settlement supervision data other（或中文名）")]


def suggest_list(workdir: WorkdirOpt = None, admdvs: AdmdvsOpt = None, province: ProvinceOpt = None,
                 category: CategoryOpt = None) -> None:
    """列出建议（含机构编码，供本地区答复；报省的 xlsx 不含）。"""
    from ..survey.suggestions import list_suggestions

    with friendly_errors():
        rows = list_suggestions(settings_for(workdir), admdvs=admdvs, province=province, category=category)
    # one block per suggestion: the text is long and a table would cut it to the terminal's width
    console.print(f"建议（{len(rows)} 条）")
    for s in rows:
        console.print(f"[bold]{s['id']}[/] · {s['admdvs']} · {s['category_cn']} · {s['unit_kind'] or '—'} · "
                      f"{s['fixmedins_code'] or '—'} · {s['submitted_at'][:10]}", soft_wrap=True)
        console.print(f"  {escape(s['text'])}", soft_wrap=True)


def suggest_export(out: Annotated[Path, typer.Option("--out", "-o", help="输出 xlsx")], workdir: WorkdirOpt = None,
                   admdvs: AdmdvsOpt = None, province: ProvinceOpt = None, category: CategoryOpt = None) -> None:
    """导出建议 xlsx 报省级医保部门（不含机构名称与提交人）。"""
    from ..survey.suggestions import list_suggestions, write_xlsx

    with friendly_errors():
        rows = list_suggestions(settings_for(workdir), admdvs=admdvs, province=province, category=category)
        write_xlsx(out, rows)
    console.print(f"已导出 {len(rows)} 条建议：{out}", soft_wrap=True)


for _name, _func in (("list", suggest_list), ("export", suggest_export)):
    suggest_app.command(_name)(_func)


def register(app: typer.Typer) -> None:
    app.add_typer(suggest_app, name="suggest")
