"""数据结果错误: ratios outside [0, 100%], negative shares and counts, absent values,
inf/NaN, indicators missing from the results."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from ..context import CheckContext
from ..fmt import figure
from ..frequency import is_publishable
from ..model import CheckSpec, Outcome, Param, Severity, not_applicable, passed, violation, warn
from ..registry import check, template


def _range_outcomes(ctx: CheckContext, ids_bounds: dict[str, tuple[float, float]],
                    tolerance: float) -> Iterable[Outcome]:
    frame = ctx.present
    frame = frame[frame["indicator_id"].isin(list(ids_bounds))]
    for ind, scope, code, value in zip(frame["indicator_id"], frame["scope"], frame["fixmedins_code"],
                                       frame["value"], strict=True):
        code = code if scope != "region" else None
        low, high = ids_bounds[ind]
        meta = ctx.catalogue.get(ind)
        if value < low - tolerance or value > high + tolerance:
            side = "为负" if value < 0 <= low else ("低于下限" if value < low else "超过上限")
            yield violation(
                "RATIO_OUT_OF_RANGE",
                f"{ctx.period_label}{ctx.inst(code)}的{ctx.label(ind)}为{figure(value, meta)}，{side}"
                f"（应在{figure(low, meta)}至{figure(high, meta)}之间）。",
                indicator_ids=(ind,), fixmedins_code=code, observed=figure(value, meta), observed_value=value,
                expected=f"[{figure(low, meta)}, {figure(high, meta)}]", threshold=f"容差 {tolerance}",
            )
        else:
            yield passed(indicator_ids=(ind,), fixmedins_code=code)


@check(
    "ratio_bounds",
    title="比例在 0 至 100% 之间",
    rule="目录中标有取值范围（bounds）的比例指标（如 28 结算清单上传率、29 质控通过率、45 医保外费用占比），统筹地区与各机构的值都须在范围内。",
    note="手册§六(三)：“医保结算清单质控通过率超100%、医保外费用占比为负或超100%”属于数据结果错误，须在发布前改正。",
    reason_codes={"RATIO_OUT_OF_RANGE": "比例超出取值范围（为负或超过100%）"},
    params={"tolerance": Param(1e-9, "比例按 1e-9 容差比较，仅吸收计算舍入")},
)
def ratio_bounds(ctx: CheckContext, tolerance: float) -> Iterable[Outcome]:
    bounds = {m.id: m.bounds for m in ctx.catalogue if m.bounds is not None}
    return _range_outcomes(ctx, bounds, tolerance)


# Units whose values can never be below zero whatever the indicator.
_NON_NEGATIVE_UNITS = {"count": "NEGATIVE_COUNT", "ratio": "NEGATIVE_SHARE", "index": "NEGATIVE_SHARE",
                       "per_mille_people": "NEGATIVE_COUNT", "yuan": "NEGATIVE_AMOUNT"}


def _base_id(indicator_id: str) -> str:
    """The catalogue 序号 an extra result id belongs to ("41m" -> "41")."""
    match = re.match(r"\d+", indicator_id)
    return match.group(0) if match else indicator_id


@check(
    "non_negative",
    title="人次、占比与收支金额不为负",
    rule="计数（人次、病例数）、比例与指数、收入与支出金额不得为负；结余类与增长率等可为负的指标列在参数 may_be_negative 中（同一序号的派生结果如 41m 随之）。",
    note="负的人次或占比没有意义，通常是退费冲减或分母取错所致（手册§六(三)“医保外费用占比为负”）。",
    reason_codes={
        "NEGATIVE_COUNT": "人次或病例数为负",
        "NEGATIVE_SHARE": "比例或指数为负",
        "NEGATIVE_AMOUNT": "收入或支出金额为负",
    },
    params={"may_be_negative": Param(["15", "17", "18", "20", "21", "41", "48", "49"],
                                     "结余（当期、累计、12个月动态）与出院人次增长率可以为负")},
)
def non_negative(ctx: CheckContext, may_be_negative: list[str]) -> Iterable[Outcome]:
    allowed = {str(i) for i in may_be_negative}
    frame = ctx.present
    for ind, scope, code, value in zip(frame["indicator_id"], frame["scope"], frame["fixmedins_code"],
                                       frame["value"], strict=True):
        meta = ctx.catalogue.get(ind)
        if meta is None or _base_id(ind) in allowed or meta.unit not in _NON_NEGATIVE_UNITS:
            continue
        code = code if scope != "region" else None
        if value < 0:
            yield violation(
                _NON_NEGATIVE_UNITS[meta.unit],
                f"{ctx.period_label}{ctx.inst(code)}的{ctx.label(ind)}为{figure(value, meta)}，不应为负。",
                indicator_ids=(ind,), fixmedins_code=code, observed=figure(value, meta), observed_value=value,
                expected="≥ 0",
            )
        else:
            yield passed(indicator_ids=(ind,), fixmedins_code=code)


@check(
    "absent_values",
    title="无值的指标",
    rule="值为空（null）的结果行逐一列出，并给出计算时记录的原因（如“分母为0”）；原因注明“不适用”的（如非DRG/DIP付费机构的 30-35）记为不适用。",
    note="无值本身不是错误（如新开机构没有上期数据），但发布前须确认原因并在底稿备注中说明。",
    reason_codes={"VALUE_ABSENT": "指标无值", "VALUE_NOT_APPLICABLE": "指标对该机构不适用（计算时注明）"},
    severity=Severity.WARNING,
)
def absent_values(ctx: CheckContext) -> Iterable[Outcome]:
    frame = ctx.results
    for ind, scope, code, is_null, note in zip(frame["indicator_id"], frame["scope"], frame["fixmedins_code"],
                                               frame["value_is_null"], frame["note"], strict=True):
        meta = ctx.catalogue.get(ind)
        if meta is not None and meta.is_heading:
            continue
        code = code if scope != "region" else None
        if is_null and note and "不适用" in note:  # e.g. 30-35 at an institution not paid by DRG/DIP
            yield not_applicable("VALUE_NOT_APPLICABLE", f"{ctx.period_label}{ctx.inst(code)}的{ctx.label(ind)}不适用：{note}。",
                                 indicator_ids=(ind,), fixmedins_code=code, observed="无值", expected=note)
        elif is_null:
            reason = note or "未记录原因"
            yield warn("VALUE_ABSENT", f"{ctx.period_label}{ctx.inst(code)}的{ctx.label(ind)}无值：{reason}。",
                       indicator_ids=(ind,), fixmedins_code=code, observed="无值", expected=reason)
        else:
            yield passed(indicator_ids=(ind,), fixmedins_code=code)


def _non_finite_mask(column: pa.ChunkedArray) -> list[bool]:
    if pa.types.is_floating(column.type):
        finite = pc.is_finite(column)
        return [v is False for v in finite.to_pylist()]
    return [False] * len(column)  # exact decimals cannot hold inf or NaN


@check(
    "non_finite",
    title="不得出现无穷大或非数",
    rule="结果中的值、分子、分母不得为无穷大（inf）或非数（NaN）；无法计算的值应为空并注明原因。",
    note="inf/NaN 来自除以零等计算错误，会被当作数字打印进底稿；结果表只允许“有值”或“空值加原因”。",
    reason_codes={"NON_FINITE_VALUE": "出现无穷大或非数"},
)
def non_finite(ctx: CheckContext) -> Iterable[Outcome]:
    table = ctx.results_table
    frame = ctx.results
    for column in ("value", "numerator", "denominator"):
        if column not in table.column_names:
            continue
        mask = _non_finite_mask(table[column])
        for row, bad in enumerate(mask):
            ind = frame["indicator_id"].iloc[row]
            code = frame["fixmedins_code"].iloc[row] if frame["scope"].iloc[row] != "region" else None
            if bad:
                raw = table[column][row].as_py()
                shown = "NaN" if isinstance(raw, float) and math.isnan(raw) else str(raw)
                yield violation(
                    "NON_FINITE_VALUE",
                    f"{ctx.period_label}{ctx.inst(code)}的{ctx.label(ind)}的{_COLUMN_CN[column]}为{shown}，"
                    f"应改为空值并注明原因。",
                    indicator_ids=(ind,), fixmedins_code=code, observed=shown, expected="有限数值或空值",
                )
            elif column == "value":
                yield passed(indicator_ids=(ind,), fixmedins_code=code)


_COLUMN_CN = {"value": "值", "numerator": "分子", "denominator": "分母"}


@check(
    "missing_indicator",
    title="应有的统筹地区指标缺失",
    rule="本期应公开（按建议公开频次）的底稿指标 1-49（不含标题行 16、19 与仅公布机构的 43、44），结果中须有统筹地区一行（可为空值并注明原因）。",
    note="底稿的每一项都要有交代：缺行说明计算漏了该指标或数据未提供，发布前须补上或说明。",
    reason_codes={"INDICATOR_MISSING": "结果中没有该指标的统筹地区行"},
    severity=Severity.WARNING,
    params={"max_id": Param(49, "底稿必报指标的最大序号；50-57 为有条件时计算的其他指标")},
)
def missing_indicator(ctx: CheckContext, max_id: int) -> Iterable[Outcome]:
    frame = ctx.results
    present = set(frame.loc[frame["scope"] == "region", "indicator_id"])
    for meta in ctx.catalogue:
        if not meta.id.isdigit() or int(meta.id) > int(max_id) or meta.is_heading or meta.scope == "institution":
            continue
        if not is_publishable(meta.freq, ctx.period):
            continue
        if meta.id in present:
            yield passed(indicator_ids=(meta.id,))
        else:
            yield warn("INDICATOR_MISSING", f"{ctx.period_label}的结果中没有统筹地区的{meta.label}。",
                       indicator_ids=(meta.id,), observed="无结果行", expected="统筹地区一行")
    if frame.empty:
        yield not_applicable("NO_RESULTS", "没有计算结果。")


@template("range")
def range_template(entry: dict, origin: str) -> CheckSpec:
    ids = [str(i) for i in entry["indicators"]]
    low = float(entry.get("min", -math.inf))
    high = float(entry.get("max", math.inf))

    def rule(ctx: CheckContext, tolerance: float) -> Iterable[Outcome]:
        return _range_outcomes(ctx, {i: (low, high) for i in ids}, tolerance)

    return CheckSpec(
        check_id=str(entry["id"]), title=str(entry.get("title") or f"{'、'.join(ids)} 取值范围"),
        rule=f"指标 {'、'.join(ids)} 的值须在 [{low}, {high}] 之间。",
        note=str(entry.get("note") or "本地复核规则。"),
        reason_codes={"RATIO_OUT_OF_RANGE": "取值超出范围"}, func=rule,
        severity=Severity(entry.get("severity", "error")),
        params={"tolerance": Param(float(entry.get("tolerance", 1e-9)), "比较容差")}, origin=origin,
    )
