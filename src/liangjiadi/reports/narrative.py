"""Chinese sentences from report-model values, and the formatting every report shares.

Rule: a sentence only formats numbers that are fields of the report model (value, last
year's value, change, rank, percentile ...). Nothing is computed here, so every number a
reader sees can be traced back to the release's frozen results or to an analysis output
stored in the model (tests/reports/test_narrative.py re-extracts each number and finds it).

Formats (design.md "Language"): money in 元, with 万元/亿元 for totals; ratios as % with two
decimals; changes of ratios in 个百分点; periods as 2025年3月.
"""

from __future__ import annotations

from ..checks.catalogue import IndicatorMeta
from ..period import period_label
from .formats import display_for

WAN = 10_000
YI = 100_000_000


# 2025-03 -> 2025年3月, 2025-Q1 -> 2025年第一季度: the one label of period.py, under the name the
# report modules call it by.
period_cn = period_label


def money(value: float | None) -> str:
    """A total in 元, shown in 亿元 from 1亿, 万元 from 1万, else 元 (two decimals)."""
    if value is None:
        return "—"
    if abs(value) >= YI:
        return f"{value / YI:,.2f}亿元"
    if abs(value) >= WAN:
        return f"{value / WAN:,.2f}万元"
    return f"{value:,.2f}元"


def yuan(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}元"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def count(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{int(round(value)):,}{unit}"


def number(value: float | None, digits: int = 2, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def value_kind(meta: IndicatorMeta | None) -> str:
    """amount_total | amount | percent | count | index | multiple | plain: how a value is printed."""
    display = display_for(meta)
    if display.kind == "amount":
        return "amount_total" if display.scale > 1 else "amount"
    if display.kind == "percent":
        return "percent"
    if display.kind == "count":
        return "count"
    if meta is not None and meta.unit == "index":
        return "index"
    if meta is not None and meta.unit == "ratio":
        return "multiple"
    return "plain"


def unit_of(meta: IndicatorMeta | None) -> str:
    display = display_for(meta)
    return display.unit if display.kind == "count" or (meta and meta.unit.startswith("per_")) else ""


def fmt_value(kind: str, value: float | None, unit: str = "") -> str:
    """A value of a given kind as printed in every report."""
    if value is None:
        return "—"
    if kind == "amount_total":
        return money(value)
    if kind == "amount":
        return yuan(value)
    if kind == "percent":
        return pct(value)
    if kind == "count":
        return count(value, unit)
    if kind == "index":
        return number(value, 4)
    return number(value, 2, unit)


def fmt_change(kind: str, change: float | None) -> str:
    """同比 change: percentage points for ratios, a growth rate otherwise."""
    if change is None:
        return "—"
    if kind == "percent":
        if round(change * 100, 2) == 0:
            return "持平"
        return f"{'上升' if change > 0 else '下降'}{abs(change) * 100:.2f}个百分点"
    if round(change * 100, 2) == 0:
        return "持平"
    return f"{'增长' if change > 0 else '下降'}{abs(change) * 100:.2f}%"


def months(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}个月"


# ---- sentences -----------------------------------------------------------------------------------


def figure_sentence(figure) -> str:
    """<名称>为<值>，同比<变化>。 (the change only when last year's value is known)"""
    text = f"{figure.name}{figure.text}"
    if figure.change is not None:
        text += f"，同比{fmt_change(figure.kind, figure.change)}"
    return text


def figures_paragraph(lead: str, figures) -> str:
    shown = [figure_sentence(f) for f in figures if f.value is not None]
    if not shown:
        return f"{lead}本期无可公开数据。"
    return f"{lead}" + "；".join(shown) + "。"


BASIS_CN = {"level": "同等级", "level_group": "同级别", "region": "全地区"}


def peer_set_phrase(position) -> str:
    """“三级医疗机构（本院所在三级乙等不足6家，并入三级）” — the set and why it is that one."""
    if position.basis == "level":
        return f"{position.group}医疗机构"
    if position.basis == "level_group":
        return (f"{position.group}医疗机构（本院所在{position.level}参与统计的机构不足{position.min_peers}家，"
                f"并入{position.group}比较）") if position.level else f"{position.group}医疗机构"
    if position.basis == "region":
        return (f"全地区医疗机构（{position.level_group or '本级别'}参与统计的机构不足{position.min_peers}家，"
                f"与全地区比较）")
    return f"{position.group}医疗机构"


def position_sentence(position) -> str:
    """本院<指标><值>，在<比较组>中居第<名次>位（共<n>家），处于第<p>百分位，比较组中位数<中位数>。"""
    if position.value is None:
        return f"本院{position.name}本期无数据。"
    text = f"本院{position.name}{position.text}"
    if position.peers_withheld:
        return text + (f"（全地区参与统计的医疗机构不足{position.min_peers}家，不作同级比较），"
                       f"统筹地区{position.region_text}。")
    where = peer_set_phrase(position)
    if position.small_volume:
        return text + (f"（出院人次不足{position.min_volume:.0f}人次，属小样本，不参与排名），"
                       f"{where}中位数{position.median_text}。")
    if position.rank is not None:
        text += f"，在{where}中居第{position.rank}位（共{position.of}家）"
        where = "比较组"
    if position.percentile is not None:
        text += f"，处于{where}第{position.percentile:.2f}百分位"
        where = "比较组"
    return text + f"，{where}中位数{position.median_text}。"


def peer_rule_sentence(min_volume: float | None, min_peers: int) -> str:
    """The one peer definition of a document's tables and narrative (analysis.ranking)."""
    volume = (f"本期出院人次不少于{min_volume:.0f}人次的医疗机构参与同级统计与排名（不足者列出本院值，不计入统计、不排名）；"
              if min_volume else "")
    return (f"同级比较口径：{volume}各机构先在本等级（如三级甲等）内比较，本等级参与统计的机构不足{min_peers}家时"
            f"并入同级别（三级、二级、一级及以下）比较，仍不足时与全地区医疗机构比较，全地区也不足{min_peers}家时不作比较。"
            "文中所引中位数、名次和百分位均按此口径；疑点线索使用各自检测的比较组，在线索中另行注明。")


def fallback_note(dist) -> str:
    """Which institutions of a distribution were compared in a wider set than their level."""
    parts = []
    for g in dist.groups:
        levels = "、".join(g.compared) or g.group
        if g.basis == "level_group":
            parts.append(f"{levels}各自参与统计的机构不足{dist.min_peers}家，并入{g.group}比较")
        elif g.basis == "region":
            parts.append(f"{levels}机构所在级别参与统计的机构不足{dist.min_peers}家，与全地区医疗机构比较")
        elif g.basis == "none":
            parts.append(f"{g.group}机构连同全地区也不足{dist.min_peers}家，不列统计")
    small = sum(g.n_small for g in dist.groups)
    if small:
        parts.append(f"另有{small}家机构出院人次不足{dist.min_volume:.0f}人次，列出本院值但不计入统计")
    return "；".join(parts) + ("。" if parts else "")


def outlook_sentence(outlook) -> str:
    parts = []
    if outlook.cumulative_balance is not None:
        parts.append(f"截至{outlook.period_label}，基金累计结余{money(outlook.cumulative_balance)}")
    if outlook.months_payable is not None:
        parts.append(f"按近{outlook.expense_window}个月月均支出{money(outlook.avg_monthly_expense)}计，"
                     f"可支付{months(outlook.months_payable)}")
    if outlook.horizon_balance is not None:
        parts.append(f"预计未来{outlook.horizon}个月收支差{money(outlook.horizon_balance)}"
                     f"（预测区间{money(outlook.horizon_balance_lower)}至{money(outlook.horizon_balance_upper)}）")
    if outlook.deficit_probability is not None:
        parts.append(f"累计结余转负的概率为{pct(outlook.deficit_probability)}")
    return ("，".join(parts) + "。") if parts else "基金历史数据不足，暂不作预测。"


def fund_sentence(balance: dict, forecast: dict | None, horizon: int) -> str:
    """One fund of the fund outlook (analysis.fund_outlook, as frozen), in one sentence."""
    parts = [f"{balance['label']}累计结余{money(_float(balance.get('balance_cumulative')))}"]
    if balance.get("months_payable") is not None:
        parts.append(f"可支付{months(float(balance['months_payable']))}")
    if forecast and forecast.get("balance_12m") is not None:
        parts.append(f"预计未来{horizon}个月收支差{money(float(forecast['balance_12m']))}")
        if forecast.get("months_payable_end") is not None:
            parts.append(f"期末可支付{months(float(forecast['months_payable_end']))}")
        if forecast.get("deficit_probability") is not None:
            parts.append(f"累计结余转负的概率为{pct(float(forecast['deficit_probability']))}")
    return "，".join(parts) + "。"


def _float(value):
    return None if value is None else float(value)


def distribution_sentence(dist, group) -> str:
    label = "全地区" if group.basis == "region" else group.group
    return (f"{label}医疗机构{dist.name}中位数{fmt_value(dist.kind, group.median, dist.unit)}，"
            f"四分位区间{fmt_value(dist.kind, group.q1, dist.unit)}至{fmt_value(dist.kind, group.q3, dist.unit)}"
            f"（{group.n}家）。")


def findings_sentence(total: int, by_pattern) -> str:
    if not total:
        return "本期异常检测未发现需要提示的疑点线索。"
    parts = "、".join(f"{p.name}{p.count}条" for p in by_pattern)
    return f"本期异常检测共发现疑点线索{total}条，其中{parts}。疑点线索仅为数据提示，需经核实后方能定性。"
