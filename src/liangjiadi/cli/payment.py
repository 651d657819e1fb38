"""`liangjiadi payment ...`: DRG/DIP settlement, assessment, monitoring and what-if (thin: the
logic lives in liangjiadi.payment)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .common import console, engine_override, EngineOpt, friendly_errors, settings_for, WorkdirOpt

payment_app = typer.Typer(help="DRG/DIP 支付方式管理：点值/费率、月度结算与年度清算、考核、监测、模拟测算。",
                          no_args_is_help=True)

YearOpt = Annotated[int, typer.Option("--year", "-y", help="年度 YYYY")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="临时覆盖配置项 KEY=VALUE（可多次），如 "
                                                   "fund_available=5000000、level_coefficients.二级=0.9")]


WAY_SHORT = {"standard": "标准", "basic": "基层", "high": "极高", "low": "极低", "special": "特例",
             "itemised": "按项目", "bed_day": "床日", "day_surgery": "日间"}


def _money(x) -> str:
    if x is None:
        return "—"
    return f"{Decimal(x):,.2f}"


def _num(x, places: int = 4) -> str:
    if x is None:
        return "—"
    return f"{Decimal(x):,.{places}f}"


def _run(workdir, year: int, through: str | None, sets: list[str] | None, engine=None):
    from ..payment.config import parse_set
    from ..payment.service import run

    settings = settings_for(workdir, **engine_override(engine))
    return settings, run(settings, year, through, parse_set(sets or []))


def _value_name(scheme: str) -> str:
    return "结算点值（元/分）" if scheme == "DIP" else "费率（元/权重）"


def _summary(r) -> Table:
    s = r.settlement
    t = Table(title=f"{r.region} {r.year} 年 {r.cfg.scheme} " + ("年度清算" if r.final else f"月度结算（至 {r.through}）"))
    t.add_column("项目")
    t.add_column("数值", justify="right")
    t.add_row("可用基金（元）", _money(s.fund_available))
    t.add_row("其中按项目/床日/定额支付（元）", _money(s.fixed_total))
    t.add_row("按分值/权重分配（元）", _money(s.fund_for_points))
    t.add_row("总分值/总权重", _num(s.points_total))
    t.add_row(_value_name(r.cfg.scheme), _num(s.point_value))
    t.add_row("预算点值/每权重历史费用（元）", _num(r.standards.cost_per_point))
    t.add_row("实际报销比例", _num(s.reimbursement_ratio))
    t.add_row("清算应付合计（元）", _money(s.total_payment))
    if r.final:
        t.add_row("年度清算拨付合计（元）", _money(s.total_final))
        t.add_row("基金留存（元）", _money(s.fund_retained))
    return t


def settle_command(
    year: YearOpt,
    through: Annotated[str | None, typer.Option("--through", help="月度结算截至月份 YYYY-MM（缺省为全年年度清算）")] = None,
    workdir: WorkdirOpt = None,
    engine: EngineOpt = None,
    sets: SetOpt = None,
) -> None:
    """结算：全年为年度清算（结余留用、合理超支分担、质量保证金），--through 为截至某月的月度结算。"""
    from ..payment.model import WAYS
    from ..payment.service import write

    with friendly_errors():
        settings, r = _run(workdir, year, through, sets, engine)
        path = write(r, settings.workdir)
    console.print(_summary(r))
    ways = Table(title="病例按支付方式")
    ways.add_column("机构")
    for w in WAYS:
        ways.add_column(WAY_SHORT[w], justify="right")
    t = Table(title="各机构" + ("年度清算" if r.final else "月度结算"))
    for col in ("机构", "级别", "分值/权重", "清算应付", "按项目统筹支付", "盈亏",
                *(("等级", "结余留用", "超支分担", "实际拨付") if r.final else ("预付款",))):
        t.add_column(col, justify="left" if col in ("机构", "级别", "等级") else "right", no_wrap=col == "机构")
    for code, ir in sorted(r.settlement.institutions.items()):
        ways.add_row(code, *(str(ir.cases[w]) for w in WAYS))
        extra = ((ir.grade, _money(ir.retained), _money(ir.shared_overspend), _money(ir.final_payment))
                 if r.final else (_money(r.prepay.get(code)),))
        t.add_row(code, ir.level, _num(ir.points), _money(ir.payment), _money(ir.fee_for_service),
                  _money(ir.balance), *extra)
    console.print(ways)
    console.print(t)
    if r.adjustments:
        console.print(f"动态调整：{len(r.adjustments)} 个病组/病种本年费用变化超过 "
                      f"{r.cfg.adjustment_threshold:.0%}，建议重新测定（见 {path}）")
    for note in r.notes:
        console.print(f"[yellow]注意[/]：{note}")
    console.print(f"结果已固化：{path}")


def assess_command(
    year: YearOpt,
    institution: Annotated[str | None, typer.Option("--institution", "-i", help="只看一个机构的各项指标")] = None,
    workdir: WorkdirOpt = None,
    engine: EngineOpt = None,
    sets: SetOpt = None,
) -> None:
    """考核评价（规范 10.1 a–e）：各机构得分与等级；没有输入的指标显示“缺少数据”。"""
    from ..payment.assess import INDICATORS, MISSING
    from ..payment.errors import PaymentError

    with friendly_errors():
        _, r = _run(workdir, year, None, sets, engine)
        if institution and institution not in r.assessment:
            raise PaymentError(f"{institution} 不是 {r.region} {year} 年的 DRG/DIP 机构")
    families = list(dict.fromkeys(f for f, *_ in INDICATORS.values()))
    if institution is None:
        t = Table(title=f"{r.region} {r.year} 年考核评价")
        for col in ("机构", "得分", "等级", *families, "缺少数据的指标"):
            t.add_column(col, justify="left" if col in ("机构", "等级") else "right", no_wrap=col == "机构")
        for code, a in sorted(r.assessment.items()):
            fam = []
            for f in families:
                scores = [i.score for k, i in a.indicators.items() if INDICATORS[k][0] == f and i.score is not None]
                fam.append(f"{sum(scores) / len(scores):.1f}" if scores else MISSING)
            missing = sum(i.value is None for i in a.indicators.values())
            t.add_row(code, str(a.score or MISSING), a.grade or MISSING, *fam, str(missing))
        console.print(t)
        console.print("各类为该类指标得分的平均（与统筹地区值比较，满分 100）；总分按 assessment_weights 加权，"
                      "缺少数据的指标不计权重。用 --institution 查看一个机构的各项指标。")
    t = Table(title=f"{institution or '统筹地区'} {r.year} 年考核指标")
    for col in ("类别", "指标", "统筹地区", *(("本机构", "得分") if institution else ()), "说明"):
        t.add_column(col, justify="right" if col in ("统筹地区", "本机构", "得分") else "left")
    for key, (family, name, _, _) in INDICATORS.items():
        region = r.region_values.get(key)
        cells = [family, name, MISSING if region is None else str(region)]
        note = ""
        if institution:
            ind = r.assessment[institution].indicators[key]
            cells += [MISSING if ind.value is None else str(ind.value), str(ind.score or "—")]
            note = ind.note
        elif region is None:
            note = next((i.note for a in r.assessment.values() for k, i in a.indicators.items()
                         if k == key and i.note), "")
        t.add_row(*cells, note)
    console.print(t)


def monitor_command(
    year: YearOpt,
    through: Annotated[str | None, typer.Option("--through", help="截至月份 YYYY-MM")] = None,
    workdir: WorkdirOpt = None,
    engine: EngineOpt = None,
    sets: SetOpt = None,
) -> None:
    """运行监测（规范 11.1）：基金支出与按月平均预算的比较及超支预警；医疗行为（异常检测疑点、CMI 下降）与医疗质量（再入院、死亡、并发症）变化预警。"""
    from ..payment.monitor import STATUS_CN

    with friendly_errors():
        _, r = _run(workdir, year, through, sets, engine)
    t = Table(title=f"{r.region} {r.year} 年基金超支风险监测（可用基金 {_money(r.settlement.fund_available)} 元）")
    for col in ("月份", "病例", "当月统筹支出", "累计统筹支出", "累计预算进度", "支出/预算", "状态"):
        t.add_column(col, justify="left" if col in ("月份", "状态") else "right")
    for m in r.monitoring:
        colour = {"ok": "", "warn": "yellow", "severe": "red"}[m.status]
        status = f"[{colour}]{STATUS_CN[m.status]}[/]" if colour else STATUS_CN[m.status]
        t.add_row(m.month, str(m.cases), _money(m.spending), _money(m.cumulative), _money(m.budget_to_date),
                  _num(m.ratio), status)
    console.print(t)
    risky = [x for x in r.risks if x.status != "ok"]
    if risky:
        t = Table(title="机构超支风险（按项目统筹支付 / 结算应付）")
        for col in ("机构", "结算应付", "按项目统筹支付", "比值", "状态"):
            t.add_column(col, justify="left" if col in ("机构", "状态") else "right")
        for x in risky:
            t.add_row(x.code, _money(x.payment), _money(x.fee_for_service), _num(x.ratio), STATUS_CN[x.status])
        console.print(t)
    if r.signals:
        t = Table(title="医疗行为与医疗质量预警（规范 11.1）")
        for col in ("类别", "机构", "监测项目", "状态", "说明"):
            t.add_column(col)
        for x in r.signals:
            colour = "red" if x.status == "severe" else "yellow"
            t.add_row(x.family, x.code, x.item, f"[{colour}]{STATUS_CN[x.status]}[/]", x.note)
        console.print(t)
    else:
        console.print("医疗行为与医疗质量：未发现预警（行为取自异常检测结果，未做检测的月份不计）。")
    warned = [m for m in r.monitoring if m.status != "ok"]
    if warned:
        console.print(f"[yellow]超支预警[/]：{'、'.join(m.month for m in warned)} 累计支出超过进度预算 "
                      f"{r.cfg.monitor_warn:.0%} 以上")


def whatif_command(
    year: YearOpt,
    sets: Annotated[list[str], typer.Option("--set", help="要模拟的配置项 KEY=VALUE（可多次）")],
    workdir: WorkdirOpt = None,
    engine: EngineOpt = None,
) -> None:
    """模拟测算：以改变后的预算、系数或阈值重算全年，与现行配置并列比较（不固化）。"""
    from ..payment.config import parse_set
    from ..payment.service import compute, configuration, reference_weights
    from ..payment.data import read
    from ..engine import open_engine
    from ..indicators.compute import resolve_region

    with friendly_errors():
        settings = settings_for(workdir, **engine_override(engine))
        changed = parse_set(sets)
        region = resolve_region(settings)
        probe = configuration(settings, None, changed)
        first = min(min(reference_weights(year, configuration(settings, None, None))), min(reference_weights(year, probe)))
        opened = open_engine(settings)
        try:
            data = read(opened, settings, region, year, first)
        finally:
            opened.close()
        base = compute(data, configuration(settings, data, None), year)
        alt = compute(data, configuration(settings, data, changed), year)
    t = Table(title=f"{region} {year} 年模拟测算：{'；'.join(sets)}")
    t.add_column("项目")
    t.add_column("现行", justify="right")
    t.add_column("模拟", justify="right")
    t.add_column("变化", justify="right")
    b, a = base.settlement, alt.settlement

    def row(name, x, y, fmt=_money):
        diff = None if x is None or y is None else Decimal(y) - Decimal(x)
        t.add_row(name, fmt(x), fmt(y), fmt(diff))

    row("可用基金（元）", b.fund_available, a.fund_available)
    row(_value_name(alt.cfg.scheme), b.point_value, a.point_value, _num)
    row("总分值/总权重", b.points_total, a.points_total, _num)
    row("基金留存（元）", b.fund_retained, a.fund_retained)
    for code in sorted(set(b.institutions) | set(a.institutions)):
        bi, ai = b.institutions.get(code), a.institutions.get(code)
        row(f"{code} 年度清算拨付", bi and bi.final_payment, ai and ai.final_payment)
        row(f"{code} 盈亏", bi and bi.balance, ai and ai.balance)
    console.print(t)


def document_command(
    year: YearOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件：.xlsx（Excel，全部工作表）或 .docx（Word，支付方案要点与清算结果）")],
    through: Annotated[str | None, typer.Option("--through", help="月度结算文件的截至月份（缺省为年度清算）")] = None,
    workdir: WorkdirOpt = None,
) -> None:
    """生成清算文件（Excel）：由已固化的结算结果生成，内容与 payment settle 一致。"""
    from ..indicators.compute import resolve_region
    from ..payment.document import render
    from ..payment.errors import PaymentError
    from ..payment.service import load

    with friendly_errors():
        settings = settings_for(workdir)
        region = resolve_region(settings)
        frozen = load(settings.workdir, region, year, through)
        if frozen is None:
            hint = f" --through {through}" if through else ""
            raise PaymentError(f"{region} {year} 年尚未{'月度结算' if through else '年度清算'}",
                               f"请先执行 liangjiadi payment settle --year {year}{hint}")
        if out.suffix.lower() == ".docx":
            from ..payment.document_docx import render_docx

            path = render_docx(frozen, out)
        elif out.suffix.lower() == ".xlsx":
            path = render(frozen, out)
        else:
            raise PaymentError(f"不支持的清算文件格式：{out.name}", "请用 .xlsx（Excel）或 .docx（Word）")
    console.print(f"清算文件已生成：{path}")


def register(app: typer.Typer) -> None:
    payment_app.command("settle")(settle_command)
    payment_app.command("assess")(assess_command)
    payment_app.command("monitor")(monitor_command)
    payment_app.command("whatif")(whatif_command)
    payment_app.command("document")(document_command)
    app.add_typer(payment_app, name="payment")
