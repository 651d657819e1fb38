"""`liangjiadi objection ...`: institutions' objections to releases (thin: logic in releases/objections.py).
Institutions raise them in the portal; the officer may answer there or here."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .common import WorkdirOpt, console, friendly_errors, settings_for
from .release import ByOpt, _by

objection_app = typer.Typer(help="机构异议：列出、答复（采纳或不采纳并说明理由）、据已采纳的异议更正发布。", no_args_is_help=True)


def objection_list(
    workdir: WorkdirOpt = None,
    escalate: Annotated[bool, typer.Option("--escalate", help="把逾期未答复的异议标为已督办（记入审计日志）")] = False,
    by: ByOpt = None,
) -> None:
    """列出异议及状态（逾期、督办、答复、更正的发布）。"""
    from ..releases import objections as O

    with friendly_errors():
        settings = settings_for(workdir)
        marked = O.escalate_overdue(settings, actor=_by(by) or "系统") if escalate else []
        rows = O.list_objections(settings)
    table = Table(title=f"异议（{len(rows)} 条）")
    for col in ("编号", "发布", "机构", "指标", "公布值", "期限", "状态", "答复"):
        table.add_column(col)
    for x in rows:
        state = x["state_cn"] + ("，逾期" if x["overdue"] else "") + ("，已督办" if x["escalated"] else "")
        if x["correction_release_id"]:
            state += f"，已更正（{x['correction_release_id']}）"
        table.add_row(str(x["id"]), x["release_id"], x["fixmedins_code"], x["indicator_id"] or "整体",
                      x["published_value"] or "—", x["due_on"], state, escape(x["answer"] or "—"))
    console.print(table)
    if escalate:
        console.print(f"本次督办逾期异议 {len(marked)} 条")


def objection_answer(
    objection_id: Annotated[int, typer.Argument(help="异议编号")],
    text: Annotated[str, typer.Option("--text", help="答复内容；不采纳时写明理由")],
    adopted: Annotated[bool, typer.Option("--adopted/--rejected", help="采纳 / 不采纳")],
    correct: Annotated[bool, typer.Option("--correct", help="采纳后据以更正发布（修订为新版本；须先改正数据、重新计算并复核）")] = False,
    workdir: WorkdirOpt = None,
    by: ByOpt = None,
) -> None:
    """答复异议（未受理的先受理）。"""
    from ..releases import objections as O

    with friendly_errors():
        settings = settings_for(workdir)
        actor = _by(by)
        current = O.get_objection(settings, objection_id)
        if current is not None and current["state"] == "submitted":
            O.accept(settings, objection_id, actor)
        x = O.answer(settings, objection_id, actor, text, adopted)
        revised = O.start_correction(settings, objection_id, actor) if correct else None
    console.print(f"第{x['id']}号异议已答复：{x['state_cn']}")
    if revised is not None:
        console.print(f"已据以更正发布：{revised.release_id}（草稿，生成材料后提交审议）")


for _name, _func in (("list", objection_list), ("answer", objection_answer)):
    objection_app.command(_name)(_func)


def register(app: typer.Typer) -> None:
    app.add_typer(objection_app, name="objection")
