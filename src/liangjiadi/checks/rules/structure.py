"""数据间逻辑错误: a part larger than its whole, items that do not add up to their total,
institutions that do not add up to the region."""

from __future__ import annotations

from collections.abc import Iterable

from ..context import CheckContext
from ..fmt import figure
from ..model import CheckSpec, Outcome, Param, Severity, passed, violation
from ..registry import check, template


def _unit_name(ctx: CheckContext, code: str | None) -> str:
    return ctx.inst(code)


def compare_part_whole(ctx: CheckContext, pairs: list[tuple[str, str]], tolerance: float) -> Iterable[Outcome]:
    values = ctx.values
    for part, whole in pairs:
        for (ind, code), part_value in values.items():
            if ind != part or (whole, code) not in values:
                continue
            whole_value = values[(whole, code)]
            meta_p, meta_w = ctx.catalogue.get(part), ctx.catalogue.get(whole)
            observed = f"{part}={figure(part_value, meta_p)}；{whole}={figure(whole_value, meta_w)}"
            if part_value > whole_value + tolerance:
                yield violation(
                    "PART_GT_WHOLE",
                    f"{ctx.period_label}{_unit_name(ctx, code)}的{ctx.label(part)}为{figure(part_value, meta_p)}，"
                    f"大于其所属的{ctx.label(whole)}{figure(whole_value, meta_w)}。",
                    indicator_ids=(part, whole), fixmedins_code=code, observed=observed,
                    observed_value=part_value - whole_value,
                    expected=f"{part} ≤ {whole}（{figure(whole_value, meta_w)}）",
                    threshold=f"容差 {tolerance}",
                )
            else:
                yield passed(indicator_ids=(part, whole), fixmedins_code=code)


def compare_sums(ctx: CheckContext, sums: list[tuple[str, tuple[str, ...]]], tolerance: float) -> Iterable[Outcome]:
    values = ctx.values
    for total, items in sums:
        meta = ctx.catalogue.get(total)
        for (ind, code), total_value in values.items():
            if ind != total or not all((i, code) in values for i in items):
                continue
            parts = [values[(i, code)] for i in items]
            summed = sum(parts)
            gap = total_value - summed
            terms = " + ".join(items)
            if abs(gap) > tolerance:
                detail = "，".join(f"{ctx.label(i)}{figure(v, ctx.catalogue.get(i))}" for i, v in zip(items, parts, strict=True))
                yield violation(
                    "SUM_MISMATCH",
                    f"{ctx.period_label}{_unit_name(ctx, code)}的{ctx.label(total)}为{figure(total_value, meta)}，"
                    f"而{detail}，合计{figure(summed, meta)}，相差{figure(gap, meta)}。",
                    indicator_ids=(total, *items), fixmedins_code=code,
                    observed=f"{total}={figure(total_value, meta)}；{terms}={figure(summed, meta)}",
                    observed_value=gap, expected=f"{total} = {terms}", threshold=f"容差 {tolerance}",
                )
            else:
                yield passed(indicator_ids=(total, *items), fixmedins_code=code)


@check(
    "part_le_whole",
    title="其中项不大于所属合计项",
    rule="目录中标注了所属项（parent）的指标，其值不得大于所属项的值；统筹地区与各机构分别比较（两者都有值时）。",
    note="手册§六(三)：复核“数据间逻辑错误（其中项大于加和项）”，如住院统筹基金支出大于统筹基金支出、审核通过的特例单议病例多于申请数。",
    reason_codes={"PART_GT_WHOLE": "其中项大于所属合计项"},
    params={"tolerance": Param(0.01, "金额按分比较，低于 1 分的差异视为四舍五入", "（元或计数）")},
)
def part_le_whole(ctx: CheckContext, tolerance: float) -> Iterable[Outcome]:
    return compare_part_whole(ctx, ctx.catalogue.parent_pairs(), tolerance)


@check(
    "sum_of_items",
    title="分项之和等于合计",
    rule="目录中标注了分项（sum_of）的指标，其值须等于各分项之和（如 1 = 2 + 5，8 = 9 + 12，15 = 17 + 20）。",
    note="合计与分项来自同一报表，不相等说明取数口径或计算有误（手册§六(三)“数据间逻辑错误”）。",
    reason_codes={"SUM_MISMATCH": "分项之和与合计不符"},
    params={"tolerance": Param(0.01, "金额按分比较，低于 1 分的差异视为四舍五入", "元")},
)
def sum_of_items(ctx: CheckContext, tolerance: float) -> Iterable[Outcome]:
    return compare_sums(ctx, ctx.catalogue.sums(), tolerance)


@check(
    "institutions_add_up",
    title="各机构之和等于统筹地区",
    rule="可加总的指标（默认 36 住院总费用、38 门诊人次、39 出院人次），各机构值之和须等于统筹地区值。",
    note="统筹地区值与机构值应来自同一批结算数据；不相等说明机构范围或口径（如异地就医）不一致（手册§六(三)“数据来源和口径不一致”）。",
    reason_codes={"INSTITUTIONS_DONT_ADD_UP": "机构之和与统筹地区值不符"},
    params={
        "indicator_ids": Param(["36", "38", "39"], "本地医疗机构发生额可直接相加的指标"),
        "tolerance": Param(0.01, "金额按分比较；人次应完全相等", "（元或人次）"),
    },
)
def institutions_add_up(ctx: CheckContext, indicator_ids: list[str], tolerance: float) -> Iterable[Outcome]:
    frame = ctx.present
    for ind in [str(i) for i in indicator_ids]:
        region = frame[(frame["indicator_id"] == ind) & (frame["scope"] == "region")]
        insts = frame[(frame["indicator_id"] == ind) & (frame["scope"] == "institution")]
        if region.empty or insts.empty:
            continue
        meta = ctx.catalogue.get(ind)
        region_value = float(region["value"].iloc[0])
        summed = float(insts["value"].sum())
        gap = region_value - summed
        if abs(gap) > tolerance:
            yield violation(
                "INSTITUTIONS_DONT_ADD_UP",
                f"{ctx.period_label}统筹地区{ctx.label(ind)}为{figure(region_value, meta)}，"
                f"而{len(insts)}家机构合计{figure(summed, meta)}，相差{figure(gap, meta)}。",
                indicator_ids=(ind,), observed=f"统筹地区={figure(region_value, meta)}；机构合计={figure(summed, meta)}",
                observed_value=gap, expected="统筹地区值 = 各机构值之和", threshold=f"容差 {tolerance}",
            )
        else:
            yield passed(indicator_ids=(ind,))


# ---- templates for a region's own rules -----------------------------------------------


def _local_spec(entry: dict, origin: str, *, func, title: str, rule: str, reason: dict[str, str],
                params: dict[str, Param]) -> CheckSpec:
    return CheckSpec(
        check_id=str(entry["id"]), title=str(entry.get("title") or title), rule=rule,
        note=str(entry.get("note") or "本地复核规则。"), reason_codes=reason, func=func,
        severity=Severity(entry.get("severity", "error")), params=params, origin=origin,
    )


@template("part_of")
def part_of_template(entry: dict, origin: str) -> CheckSpec:
    part, whole = str(entry["part"]), str(entry["whole"])

    def rule(ctx: CheckContext, tolerance: float) -> Iterable[Outcome]:
        return compare_part_whole(ctx, [(part, whole)], tolerance)

    return _local_spec(entry, origin, func=rule, title=f"{part} 不大于 {whole}",
                       rule=f"指标 {part} 的值不得大于指标 {whole} 的值。",
                       reason={"PART_GT_WHOLE": "其中项大于所属合计项"},
                       params={"tolerance": Param(float(entry.get("tolerance", 0.01)), "比较容差")})


@template("sum_of")
def sum_of_template(entry: dict, origin: str) -> CheckSpec:
    total, items = str(entry["total"]), tuple(str(i) for i in entry["items"])

    def rule(ctx: CheckContext, tolerance: float) -> Iterable[Outcome]:
        return compare_sums(ctx, [(total, items)], tolerance)

    return _local_spec(entry, origin, func=rule, title=f"{total} = {' + '.join(items)}",
                       rule=f"指标 {total} 须等于 {' + '.join(items)}。",
                       reason={"SUM_MISMATCH": "分项之和与合计不符"},
                       params={"tolerance": Param(float(entry.get("tolerance", 0.01)), "比较容差")})
