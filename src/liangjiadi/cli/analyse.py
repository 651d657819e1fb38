"""`liangjiadi analyse fund|topic|backtest`: print the analyses in Chinese (thin: logic in analysis/)."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import EngineOpt, WorkdirOpt, engine_override, console, friendly_errors, settings_for

analyse_app = typer.Typer(help="分析：基金运行与预测（钱）、专题分析、预测回测。", no_args_is_help=True)

PeriodOpt = Annotated[str, typer.Option("--period", "-p", help="分析月份 YYYY-MM")]


def _wan(x) -> str:
    return f"{float(x) / 1e4:,.2f} 万元"


def _pct(x) -> str:
    return "—" if x is None else f"{x:.2%}"


@analyse_app.command("fund")
def fund(
    period: PeriodOpt,
    budget_contribution: Annotated[float | None, typer.Option("--budget-contribution", help="年度征缴收入预算（元）")] = None,
    budget_personal: Annotated[float | None, typer.Option("--budget-personal", help="年度个人缴费预算（元）")] = None,
    budget_fiscal: Annotated[float | None, typer.Option("--budget-fiscal", help="年度财政补助预算（元）")] = None,
    budget_other: Annotated[float | None, typer.Option("--budget-other", help="年度其他收入预算（元）")] = None,
    workdir: WorkdirOpt = None,
    engine: EngineOpt = None,
) -> None:
    """基金运行分析：收入渠道与到位率、支出结构、收支增幅、可支付月数、未来12个月预测。"""
    from ..analysis import fund_outlook
    from ..period import period_label

    budget = {k: v for k, v in (("contribution", budget_contribution), ("personal", budget_personal),
                                ("fiscal", budget_fiscal), ("other", budget_other)) if v is not None}
    with friendly_errors():
        o = fund_outlook(settings_for(workdir, **engine_override(engine)), period, income_budget=budget or None)
    console.print(f"[bold]{o.region} {period_label(period)} 基金运行分析[/]")
    console.print(f"年初至今基金收入 {_wan(o.income_ytd)}：")
    for c in o.income_channels:
        rate = f"，到位率 {_pct(c.arrival_rate)}" if c.arrival_rate is not None else ""
        console.print(f"  · {c.label} {_wan(c.ytd)}（占 {_pct(c.share)}，同比 {_pct(c.yoy)}{rate}）")
    if o.income_budget_note:
        console.print(f"  [dim]{o.income_budget_note}[/]")
    if o.budget_execution:
        b = o.budget_execution
        console.print(f"统筹基金支出预算执行率 {_pct(b.execution_rate)}（{_wan(b.expense_ytd)} / 序时预算 {_wan(b.expected_to_date)}）")
    for title, drift in (("按机构级别", o.expense_by_level), ("按支出方向", o.expense_by_direction)):
        parts = "；".join(f"{i.label} {_pct(i.after_share)}（{i.change_pp:+.2f} 个百分点）"
                         for i in drift.items if i.after_share is not None and i.change_pp is not None)
        console.print(f"统筹基金支出结构（{title}）：{parts}")
    for b in o.balances:
        months = "—" if b.months_payable is None else f"{b.months_payable:.1f}"
        dyn = "—" if b.dynamic_balance_12m is None else _wan(b.dynamic_balance_12m)
        console.print(f"{b.label}：收入同比 {_pct(b.income_yoy)}，支出同比 {_pct(b.expense_yoy)}；"
                      f"累计结余可支付 {months} 个月；12个月动态结余 {dyn}")
    for f in o.forecasts:
        payable = "—" if f.months_payable_end is None else f"{f.months_payable_end:.1f}"
        console.print(f"{f.label}未来12个月预测（{f.method_note}）：收支差 {_wan(f.balance_12m)}，"
                      f"期末可支付 {payable} 个月，累计结余转负概率 {_pct(f.deficit_probability)}")
    for w in o.warnings:
        console.print(f"[bold yellow]预警[/]：{w}")


@analyse_app.command("topic")
def topic(
    period: PeriodOpt,
    adrg: Annotated[str | None, typer.Option("--adrg", help="ADRG 编码，如 EJ1（按病组付费地区）")] = None,
    category: Annotated[str | None, typer.Option("--category", help="ICD-10 诊断类目，如 I63（按病种分值付费地区）")] = None,
    min_cases: Annotated[int, typer.Option("--min-cases", help="参与排名与标杆值的最少病例数")] = 10,
    workdir: WorkdirOpt = None,
    engine: EngineOpt = None,
) -> None:
    """专题分析：病例数、费用、结构、标杆值、前十位与后十位（缺省自动选题）。"""
    from ..analysis import coverage, topic_analysis
    from ..period import period_label

    settings = settings_for(workdir, **engine_override(engine))
    with friendly_errors():
        t = topic_analysis(settings, period, adrg=adrg, category=category, min_cases=min_cases)
    what = "ADRG" if t.kind == "adrg" else "诊断类目"
    console.print(f"[bold]{period_label(t.months[0])}至{period_label(t.months[-1])} {what} {t.code}"
                  f"{'（' + t.name + '）' if t.name else ''} 专题分析[/]（选题：{t.selection}）")
    c, ly = t.current, t.last_year
    console.print(f"病例 {c.cases} 例（同比 {_pct(t.cases_yoy)}），总费用 {_wan(c.total_cost)}（同比 {_pct(t.total_cost_yoy)}），"
                  f"次均 {c.per_case_cost or 0:,.0f} 元（上年同期 {ly.per_case_cost or 0:,.0f} 元），资源消耗中位数 {c.median_case_cost or 0:,.0f} 元")
    console.print("细分结构：" + "；".join(f"{i.key} {_pct(i.after_share)}（{i.change_pp:+.2f} 个百分点）"
                                     for i in t.subgroups.items if i.change_pp is not None))
    for b in t.benchmarks:
        console.print(f"标杆值（{b.level_group}）：{b.value or 0:,.0f} 元 — {b.rule}")
    names = {i.fixmedins_code: (i.name or i.fixmedins_code) for i in t.institutions}
    console.print("次均费用中位数前十位：" + "、".join(names[x] for x in t.top10))
    console.print("次均费用中位数后十位：" + "、".join(names[x] for x in t.bottom10))
    cov = coverage(settings.workdir, t.kind)
    console.print(f"专题覆盖：{cov.scheme} {len(cov.covered)}/{cov.total}")
    for n in t.notes:
        console.print(f"[dim]{n}[/]")


@analyse_app.command("backtest")
def backtest(period: PeriodOpt, workdir: WorkdirOpt = None, engine: EngineOpt = None) -> None:
    """预测回测：留出截至该月的最后12个月，比较模型与同期朴素法的 MAPE。"""
    from ..analysis import backtest_region

    with friendly_errors():
        bt = backtest_region(settings_for(workdir, **engine_override(engine)), period)
    console.print(f"回测：训练 {bt.train_months} 个月，留出 {bt.holdout} 个月（MAPE，越小越好）")
    for s in bt.series:
        console.print(f"  {s.name}：模型 {s.mape_model:.2%}，同期朴素 {s.mape_naive:.2%}，同期朴素×趋势 {s.mape_naive_trend:.2%}")
    verdict = "优于" if bt.model_beats_naive else "未优于"
    console.print(f"平均：模型 {bt.mean_mape_model:.2%}，同期朴素 {bt.mean_mape_naive:.2%} — 模型{verdict}同期朴素法")


def register(app: typer.Typer) -> None:
    app.add_typer(analyse_app, name="analyse")
