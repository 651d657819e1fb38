"""`liangjiadi yigongti budget|settle|assess --year YYYY`: 县域医共体 (seeds/003) in Chinese tables
(thin: the logic is in yigongti/)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from .common import console, engine_override, EngineOpt, friendly_errors, settings_for, WorkdirOpt

yigongti_app = typer.Typer(help="县域医共体：总额预算、按月拨付与域外扣减、绩效考核、年终清算（docs/yigongti.md）。",
                           no_args_is_help=True)

YearOpt = Annotated[int, typer.Option("--year", "-y", help="年度 YYYY")]


def _yuan(x: Decimal | None) -> str:
    return "—" if x is None else f"{x:,.2f}"


def _value(iid: str, v: Decimal | None) -> str:
    if v is None:
        return "缺少数据"
    return f"{v:,.2f} 元" if iid == "2-4" else f"{v * 100:.2f}%"


def _notes(data) -> None:
    for n in data.notes:
        console.print(f"[dim]说明：{n}[/]")


@yigongti_app.command("budget")
def budget_cmd(year: YearOpt, workdir: WorkdirOpt = None, engine: EngineOpt = None) -> None:
    """编制总额预算（以收定支、先留风险调节金、不编赤字）并显示按月拨付与域外扣减。"""
    from ..yigongti import service

    with friendly_errors():
        data = service.load_year(settings_for(workdir, **engine_override(engine)), year)
        rb = service.budget(data)
        months = service.disbursements(data, rb)
        mon = service.monitoring(data, rb)
    console.print(f"[bold]{data.region} {year} 年县域医共体总额预算[/]")
    console.print(f"预计统筹基金收入 {_yuan(rb.income)} 元；风险调节金 {_yuan(rb.reserve)} 元"
                  f"（{data.rules.risk_reserve_rate:.0%}）；可用于预算 {_yuan(rb.available)} 元；已安排 {_yuan(rb.committed)} 元")
    t = Table("医共体", "总额预算（元）", "家庭医生签约服务费（元）", "已拨付（元）", "域外已扣减（元）", "待扣减结转（元）")
    for b in rb.budgets:
        ms = months[b.yigongti_id]
        t.add_row(b.yigongti_id, _yuan(b.total), _yuan(b.family_doctor_fee), _yuan(sum((m.disbursed for m in ms), Decimal(0))),
                  _yuan(sum((m.deducted for m in ms), Decimal(0))), _yuan(ms[-1].carried if ms else None))
    console.print(t)
    for g, m in mon.items():
        shown = m.warnings[-5:]  # the latest; `export yigongti` lists them all
        if len(m.warnings) > len(shown):
            console.print(f"[yellow]预警[/] {g}：共 {len(m.warnings)} 条，以下为最近 {len(shown)} 条（全部见 export yigongti）")
        for w in shown:
            console.print(f"[yellow]预警[/] {g}：{w}")
    for n in rb.notes:
        console.print(f"[dim]说明：{n}[/]")
    _notes(data)


@yigongti_app.command("assess")
def assess_cmd(year: YearOpt, workdir: WorkdirOpt = None, engine: EngineOpt = None) -> None:
    """按附件参考指标（1-1 至 4-1）考核各医共体：公式、数据来源、值与得分；缺少输入的指标显示“缺少数据”。"""
    from ..yigongti import service

    with friendly_errors():
        data = service.load_year(settings_for(workdir, **engine_override(engine)), year)
        results = service.assessments(data)
    for g, a in results.items():
        console.print(f"[bold]{g} {year} 年绩效考核：总分 {a.total if a.total is not None else '—'}（按有数据指标折算为百分制），"
                      f"等级 {a.grade}[/]")
        t = Table("指标", "分子", "分母", "值", "目标", "得分/权重", "说明")
        for s in a.scores:
            t.add_row(f"{s.indicator_id} {s.name}", "—" if s.numerator is None else str(s.numerator),
                      "—" if s.denominator is None else str(s.denominator), _value(s.indicator_id, s.value), s.target,
                      f"{s.score if s.score is not None else '—'}/{s.weight}", s.note)
        console.print(t)
    _notes(data)


@yigongti_app.command("settle")
def settle_cmd(year: YearOpt, workdir: WorkdirOpt = None, engine: EngineOpt = None) -> None:
    """年终清算：结余留用、合理超支分担（按考核等级与医保部门录入的超支原因），预付金收回。"""
    from ..yigongti import service

    with friendly_errors():
        data = service.load_year(settings_for(workdir, **engine_override(engine)), year)
        rb = service.budget(data)
        grades = service.assessments(data)
        clearing = service.settle(data, rb, grades)
    console.print(f"[bold]{data.region} {year} 年县域医共体年终清算[/]")
    for c in clearing:
        t = Table("项目", "金额（元）", title=f"{c.yigongti_id}（考核等级 {c.grade}）")
        for label, v in (("总额预算", c.budget), ("域外统筹基金支出（已从预算扣减）", c.outside),
                         ("域内统筹基金支出", c.inside), ("结余（负为超支）", c.balance), ("结余留用", c.retained),
                         ("结余收回", c.returned), ("合理超支", c.reasonable), ("基金分担（出自风险调节金）", c.shared),
                         ("医共体承担", c.borne), ("年终清算拨付（负为收回，含预付金收回）", c.settlement)):
            t.add_row(label, _yuan(v))
        t.add_row("家庭医生签约服务费（经考核后拨付，另列）", _yuan(rb.of(c.yigongti_id).family_doctor_fee))
        console.print(t)
    _notes(data)


def register(app: typer.Typer) -> None:
    app.add_typer(yigongti_app, name="yigongti")
