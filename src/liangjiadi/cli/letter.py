"""`liangjiadi letter ...`: 点名提醒 提醒函 from a release's findings (thin: logic in releases/letters.py,
the Word letter in reports/letter.py). The institution signs the 回执 and uploads its 自查报告 in the portal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .common import WorkdirOpt, console, friendly_errors, settings_for
from .release import ByOpt, _by

letter_app = typer.Typer(help="点名提醒：根据发布的疑点线索发出提醒函，办结或移交经办、基金监管核查。", no_args_is_help=True)


def letter_issue(
    release_id: Annotated[str, typer.Argument(help="已发布的发布编号，如 140400-monthly-2025-12-v1")],
    institution: Annotated[list[str] | None, typer.Option("--institution", "-i", help="点名的机构编码（可重复；缺省为全部有线索的机构）")] = None,
    days: Annotated[int | None, typer.Option("--days", help="自查期限（工作日；缺省取配置 letter_selfcheck_days）", min=1, max=90)] = None,
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """发出提醒函：每家机构一份 Word 文件（线索、依据、自查要求、期限）。"""
    from pathlib import Path

    from ..reports.letter import issue_letters

    with friendly_errors():
        settings = settings_for(workdir)
        made = issue_letters(settings, release_id, _by(by), codes=institution or None, days=days)
    if not made:
        console.print("没有新发出的提醒函（这些机构已就该发布收到过提醒函）")
    for x in made:
        console.print(f"第{x['id']}号提醒函：{escape(x['institution_name'] or x['fixmedins_code'])}，"
                      f"{len(x['findings'])} 条线索，自查期限 {x['due_on']}；文件 {Path(settings.workdir) / x['document']}",
                      soft_wrap=True)


def letter_list(
    workdir: WorkdirOpt = None,
    open_only: Annotated[bool, typer.Option("--open", help="只列未办结的")] = False,
    escalate: Annotated[bool, typer.Option("--escalate", help="把逾期未报送自查报告的提醒函标为已督办（记入审计日志）")] = False,
    by: ByOpt = None,
) -> None:
    """列出提醒函及办理状态（逾期、督办、移交、结论）。"""
    from ..releases import letters as L

    with friendly_errors():
        settings = settings_for(workdir)
        marked = L.escalate_overdue(settings, actor=_by(by) or "系统") if escalate else []
        rows = L.list_letters(settings, open_only=open_only)
    table = Table(title=f"提醒函（{len(rows)} 份）")
    for col in ("编号", "发布", "机构", "线索", "期限", "状态", "结论"):
        table.add_column(col)
    for x in rows:
        state = x["state_cn"] + ("，逾期" if x["overdue"] else "") + ("，已督办" if x["escalated"] else "")
        table.add_row(str(x["id"]), x["release_id"], escape(x["institution_name"] or x["fixmedins_code"]),
                      str(len(x["findings"])), x["due_on"], state, escape(x["outcome"] or "—"))
    console.print(table)
    if escalate:
        console.print(f"本次督办逾期提醒函 {len(marked)} 份")


def letter_close(
    letter_id: Annotated[int, typer.Argument(help="提醒函编号")],
    outcome: Annotated[str, typer.Option("--outcome", help="办结结论；移交核查的写明核查结果")],
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """办结提醒函（自查报告已说明问题，或移交核查的结果已记录）。"""
    from ..releases import letters as L

    with friendly_errors():
        x = L.close(settings_for(workdir), letter_id, _by(by), outcome)
    console.print(f"第{x['id']}号提醒函已办结：{escape(x['outcome'])}")


def letter_route(
    letter_id: Annotated[int, typer.Argument(help="提醒函编号")],
    to: Annotated[str, typer.Option("--to", help="移交对象：经办 或 基金监管")],
    note: Annotated[str, typer.Option("--note", help="移交说明（记入审计日志）")] = "",
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """自查未能说明的，移交经办或基金监管核查（核查结果用 letter close --outcome 记录）。"""
    from ..releases import letters as L

    with friendly_errors():
        x = L.route(settings_for(workdir), letter_id, _by(by), to, note)
    console.print(f"第{x['id']}号提醒函已移交{x['route_cn']}核查")


for _name, _func in (("issue", letter_issue), ("list", letter_list), ("close", letter_close), ("route", letter_route)):
    letter_app.command(_name)(_func)


def register(app: typer.Typer) -> None:
    app.add_typer(letter_app, name="letter")
