"""Breaks in a series: an institution that stops settling, a month-over-month jump."""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import pandas as pd

from ..context import CheckContext
from ..fmt import figure, percent
from ..model import Outcome, Param, Severity, not_applicable, passed, violation
from ...period import period_label, shift
from ..registry import check
from .sources import valid_settlements


def _local_medical_codes(ctx: CheckContext, first: str, last: str) -> dict[str, set[str]]:
    """Per period, the local institutions (not pharmacies) that have settlements."""
    rows = valid_settlements(ctx, first, last)
    rows = rows.filter(
        rows.fix_blng_admdvs.isin(ctx.own) & ~rows.med_type.isin(list(ctx.settings.pharmacy_med_types))
    )
    frame = ctx.engine.execute(rows.select("period", "fixmedins_code").distinct())
    pharmacies = {c for c, i in ctx.institutions.items() if i.fixmedins_type == "2"}
    out: dict[str, set[str]] = {}
    for period, code in zip(frame["period"], frame["fixmedins_code"], strict=True):
        if code not in pharmacies:
            out.setdefault(period, set()).add(code)
    return out


@check(
    "missing_institution",
    title="机构本期无结算",
    rule="前 lookback_months 个月内有结算的本地定点医疗机构（不含药店），本期没有任何结算。",
    note="机构整月缺数多为数据上传遗漏；若确为停业、合并，应在底稿备注中说明，否则机构排名与地区合计都会失真。",
    reason_codes={"INSTITUTION_MISSING": "前几个月有结算、本期没有"},
    severity=Severity.WARNING,
    params={"lookback_months": Param(3, "回看 3 个月：季节性停诊不超过一个季度", "个月")},
    uses=("lake:setl_d", "lake:fixmedins"),
)
def missing_institution(ctx: CheckContext, lookback_months: int) -> Iterable[Outcome]:
    if not ctx.lake_has("setl_d"):
        yield not_applicable("NO_DATA", "数据湖中没有结算数据。")
        return
    first = shift(ctx.period, -int(lookback_months))
    by_period = _local_medical_codes(ctx, first, ctx.period)
    current = by_period.get(ctx.period, set())
    if not current:
        yield not_applicable("NO_DATA", f"数据湖中没有{ctx.period_label}的本地结算数据。")
        return
    earlier: dict[str, str] = {}
    for period in sorted(p for p in by_period if p < ctx.period):
        for code in by_period[period]:
            earlier[code] = period  # the latest month with settlements
    if not earlier:
        yield not_applicable("NO_HISTORY", f"{period_label(first)}至{period_label(shift(ctx.period, -1))}没有结算数据，无法比较。")
        return
    for code in sorted(earlier):
        if code in current:
            yield passed(fixmedins_code=code)
        else:
            yield violation(
                "INSTITUTION_MISSING",
                f"{ctx.inst(code)}在{period_label(earlier[code])}有结算，{ctx.period_label}没有任何结算。",
                fixmedins_code=code, observed="本期结算 0 笔", observed_value=0.0,
                expected=f"与{period_label(earlier[code])}一样有结算", threshold=f"回看 {lookback_months} 个月",
            )


def _lake_volumes(ctx: CheckContext, period: str) -> pd.DataFrame:
    """36 and 39 per local institution and for the region, from the settlements themselves.

    Used only when the previous period's results were never computed; both months are then
    taken from the lake with this same definition so the comparison stays like for like.
    """
    rows = valid_settlements(ctx, period, period)
    rows = rows.filter(rows.fix_blng_admdvs.isin(ctx.own)
                       & rows.med_type.isin(list(ctx.settings.inpatient_med_types)))
    discharge = ibis.ifelse(rows.refd_setl_flag == "1", 0, 1)
    agg = ctx.engine.execute(rows.group_by("fixmedins_code").aggregate(
        v36=rows.medfee_sumamt.sum().cast("float64"), v39=discharge.sum().cast("float64")
    ))
    records = []
    for code, v36, v39 in zip(agg["fixmedins_code"], agg["v36"], agg["v39"], strict=True):
        records += [("36", "institution", code, v36), ("39", "institution", code, v39)]
    if not agg.empty:
        records += [("36", "region", None, float(agg["v36"].sum())), ("39", "region", None, float(agg["v39"].sum()))]
    return pd.DataFrame(records, columns=["indicator_id", "scope", "fixmedins_code", "value"])


@check(
    "mom_jump",
    title="环比突变",
    rule="统筹地区与各机构的指定指标（默认 36 住院总费用、39 出院人次）与上月相比，增长超过 max_change 或降到上月的 1/(1+max_change) 以下；"
         "上月出院人次少于 min_discharges 的机构不比较。上月结果来自已保存的计算结果，没有时两个月都从结算数据直接汇总。",
    note="手册§六(三)提示新建院区等特殊情况会使住院支出大幅上涨；突变多为数据遗漏或重复上传，须核实后发布，确属实情的在备注中说明。小机构基数小、波动大，故设最低人次。",
    reason_codes={"MONTH_OVER_MONTH_JUMP": "与上月相比变化超过阈值"},
    severity=Severity.WARNING,
    params={
        "indicator_ids": Param(["36", "39"], "住院总费用与出院人次最能反映整月数据缺漏或重复"),
        "max_change": Param(1.0, "增长超过 100%（翻倍）或降到一半以下", "（比例）"),
        "min_discharges": Param(30, "上月出院人次不足 30 的机构波动大，不作比较", "人次"),
    },
    uses=("results", "previous_results", "lake:setl_d"),
)
def mom_jump(ctx: CheckContext, indicator_ids: list[str], max_change: float, min_discharges: int) -> Iterable[Outcome]:
    ids = [str(i) for i in indicator_ids]
    prev_period = shift(ctx.period, -1)
    previous = ctx.results_of(prev_period)
    if previous is not None:
        prev_values = ctx.value_map(previous[~previous["value_is_null"]])
        cur_values = ctx.values
        source = "上月计算结果"
    elif ctx.lake_has("setl_d"):
        prev_values = ctx.value_map(_lake_volumes(ctx, prev_period))
        cur_values = ctx.value_map(_lake_volumes(ctx, ctx.period))
        source = "结算数据汇总"
        if not prev_values:
            yield not_applicable("NO_HISTORY", f"没有{period_label(prev_period)}的计算结果，结算数据中也没有该月住院结算。")
            return
    else:
        yield not_applicable("NO_HISTORY", f"没有{period_label(prev_period)}的计算结果，无法做环比比较。")
        return
    high = 1.0 + float(max_change)
    for (ind, code), current in sorted(cur_values.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if ind not in ids or (ind, code) not in prev_values:
            continue
        before = prev_values[(ind, code)]
        discharges_before = prev_values.get(("39", code))
        if discharges_before is not None and discharges_before < min_discharges:
            continue
        if before <= 0:
            continue
        ratio = current / before
        meta = ctx.catalogue.get(ind)
        if ratio > high or ratio < 1.0 / high:
            change = ratio - 1.0
            yield violation(
                "MONTH_OVER_MONTH_JUMP",
                f"{ctx.inst(code)}{ctx.label(ind)}{ctx.period_label}为{figure(current, meta)}，"
                f"上月为{figure(before, meta)}，环比{'增长' if change > 0 else '下降'}{percent(abs(change))}（{source}）。",
                indicator_ids=(ind,), fixmedins_code=code,
                observed=f"本期={figure(current, meta)}；上月={figure(before, meta)}", observed_value=change,
                expected=f"环比在 -{percent(1 - 1 / high)} 至 +{percent(high - 1)} 之间",
                threshold=f"max_change={max_change}；min_discharges={min_discharges}",
            )
        else:
            yield passed(indicator_ids=(ind,), fixmedins_code=code)
