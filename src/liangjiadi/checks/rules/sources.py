"""不同来源的数据不一致: the fund report against the settlements, the fund report against
itself, the settlement lists against the settlements, rows without their settlement. These
rules read the lake."""

from __future__ import annotations

from collections.abc import Iterable

import ibis

from ...schema import TABLES
from ...schema.codes import EMPLOYEE_INSUTYPES, FUND, FUND_ITEM, RESIDENT_INSUTYPES
from ..context import CheckContext
from ..fmt import money, percent
from ..model import Outcome, Param, Severity, not_applicable, passed, violation, warn
from ...period import Period, span
from ..registry import check

_FUND_INSUTYPES = {"employee": EMPLOYEE_INSUTYPES, "resident": RESIDENT_INSUTYPES}


def valid_settlements(ctx: CheckContext, first_period: str, last_period: str):
    """The region's valid settlement rows (vali_flag 1 or blank) of a span of periods."""
    t = ctx.lake("setl_d", periods=span(first_period, last_period))
    return t.filter(t.vali_flag.isnull() | (t.vali_flag == "1"))


def _fund_report_amounts(ctx: CheckContext) -> dict[tuple[str, str], float]:
    t = ctx.lake("fund_report", periods=[ctx.period])
    frame = ctx.engine.execute(t.select("fund", "item", "amount"))
    return {(f, i): float(a) for f, i, a in zip(frame["fund"], frame["item"], frame["amount"], strict=True)}


@check(
    "fund_vs_settlement",
    title="基金报表统筹基金支出与结算数据一致",
    rule="基金报表中职工、居民的统筹基金支出（expense_pool，本地就医，年初至本期累计）与同期结算数据中"
         "本地参保、本地就医的有效结算（有效标志为 1 或空，退费冲减）统筹基金支出（hifp_pay）之和比较，"
         "职工含险种 310-370，居民含 380、390、391、392；相对差异超过 fail_rel 为不通过，超过 warn_rel 为警告。",
    note="手册§六(三)：复核“不同指标的数据来源和口径不一致”。指标 10 取自基金报表、指标 11 取自结算数据，两者口径应一致，差异过大时其中项关系也失去意义。",
    reason_codes={"SOURCES_DISAGREE": "基金报表与结算数据相差超过阈值"},
    params={
        "fail_rel": Param(0.01, "同一口径的年初累计数相差超过 1% 即为两个来源不一致，须查明原因或在底稿中说明", "（比例）"),
        "warn_rel": Param(0.001, "相差超过 0.1% 提示复核（报表与结算的入账时点可能略有不同）", "（比例）"),
    },
    uses=("lake:fund_report", "lake:setl_d"),
)
def fund_vs_settlement(ctx: CheckContext, fail_rel: float, warn_rel: float) -> Iterable[Outcome]:
    if not (ctx.lake_has("fund_report") and ctx.lake_has("setl_d")):
        yield not_applicable("NO_DATA", "数据湖中缺少基金报表或结算数据，无法比较。")
        return
    report = _fund_report_amounts(ctx)
    if not any(item == "expense_pool" for _, item in report):
        yield not_applicable("NO_DATA", f"{ctx.period_label}的基金报表没有统筹基金支出（expense_pool）项。")
        return
    rows = valid_settlements(ctx, str(Period.parse(ctx.period).year_to_date().first), ctx.period)
    rows = rows.filter(rows.insu_admdvs.isin(ctx.own) & rows.fix_blng_admdvs.isin(ctx.own))
    fund = ibis.cases(
        (rows.insutype.isin(EMPLOYEE_INSUTYPES), "employee"),
        (rows.insutype.isin(RESIDENT_INSUTYPES), "resident"),
        else_=None,
    )
    sums = ctx.engine.execute(rows.mutate(fund=fund).filter(ibis._.fund.notnull()).group_by("fund").aggregate(
        hifp=ibis._.hifp_pay.sum()
    ))
    settled = {f: float(v) if v is not None else 0.0 for f, v in zip(sums["fund"], sums["hifp"], strict=True)}
    for fund_code in _FUND_INSUTYPES:
        if (fund_code, "expense_pool") not in report:
            continue
        reported = report[(fund_code, "expense_pool")]
        from_settlements = settled.get(fund_code, 0.0)
        base = max(abs(reported), abs(from_settlements))
        rel = abs(reported - from_settlements) / base if base else 0.0
        message = (f"{ctx.period_label}{FUND[fund_code]}统筹基金支出（本地就医，年初累计）基金报表为{money(reported)}，"
                   f"结算数据为{money(from_settlements)}，相差{percent(rel)}。")
        kw = dict(indicator_ids=("10",) if fund_code == "employee" else ("12",),
                  observed=f"基金报表={money(reported)}；结算数据={money(from_settlements)}",
                  observed_value=rel, expected=f"相对差异 ≤ {percent(warn_rel)}",
                  threshold=f"警告 > {percent(warn_rel)}；不通过 > {percent(fail_rel)}")
        if rel > fail_rel:
            yield violation("SOURCES_DISAGREE", message, **kw)
        elif rel > warn_rel:
            yield warn("SOURCES_DISAGREE", message, **kw)
        else:
            yield passed(indicator_ids=kw["indicator_ids"])


@check(
    "fund_report_items",
    title="基金报表内部勾稽",
    rule="同一期基金报表中，每个基金的收入合计（income_total）须等于各收入项（征缴收入、个人缴费、各级财政补助、其他收入）之和；统筹基金支出（expense_pool）不得大于支出合计（expense_total）。",
    note="底稿指标 1-7 直接取自基金报表各行，报表本身不平衡时底稿的分项之和也必然不平衡，应先回到报表更正。",
    reason_codes={
        "FUND_REPORT_ITEMS_MISMATCH": "收入各项之和与收入合计不符",
        "PART_GT_WHOLE": "统筹基金支出大于支出合计",
    },
    params={"tolerance": Param(0.01, "金额按分比较", "元")},
    uses=("lake:fund_report",),
)
def fund_report_items(ctx: CheckContext, tolerance: float) -> Iterable[Outcome]:
    if not ctx.lake_has("fund_report"):
        yield not_applicable("NO_DATA", "数据湖中没有基金报表。")
        return
    report = _fund_report_amounts(ctx)
    if not report:
        yield not_applicable("NO_DATA", f"{ctx.period_label}没有基金报表数据。")
        return
    for fund_code in sorted({f for f, _ in report}):
        items = {i: a for (f, i), a in report.items() if f == fund_code}
        name = FUND.get(fund_code, fund_code)
        income_parts = {i: a for i, a in items.items() if i.startswith("income_") and i != "income_total"}
        if "income_total" in items and income_parts:
            total, summed = items["income_total"], sum(income_parts.values())
            if abs(total - summed) > tolerance:
                detail = "、".join(FUND_ITEM.get(i, i) for i in sorted(income_parts))
                yield violation(
                    "FUND_REPORT_ITEMS_MISMATCH",
                    f"{ctx.period_label}基金报表{name}收入合计为{money(total)}，而{detail}之和为{money(summed)}，"
                    f"相差{money(total - summed)}。",
                    observed=f"income_total={money(total)}；各项之和={money(summed)}",
                    observed_value=total - summed, expected="收入合计 = 各收入项之和", threshold=f"容差 {tolerance} 元",
                )
            else:
                yield passed()
        if "expense_pool" in items and "expense_total" in items:
            pool, total = items["expense_pool"], items["expense_total"]
            if pool > total + tolerance:
                yield violation(
                    "PART_GT_WHOLE",
                    f"{ctx.period_label}基金报表{name}统筹基金支出{money(pool)}大于支出合计{money(total)}。",
                    observed=f"expense_pool={money(pool)}；expense_total={money(total)}",
                    observed_value=pool - total, expected="统筹基金支出 ≤ 支出合计", threshold=f"容差 {tolerance} 元",
                )
            else:
                yield passed()


@check(
    "settlement_lists",
    title="结算清单与住院结算相符",
    rule="本期每家机构的医保结算清单：对应有效住院结算的清单数不得多于其住院类有效结算人次（不含退费行）；"
         "清单对应的结算须为住院类（医疗类别在住院类别配置中）；清单须能在结算数据中找到对应结算；"
         "未上传（无上传时间）的清单不得标记为质控通过；对应结算已作废（有效标志不为 1）的清单提示复核。",
    note="结算清单上传率（28）与质控通过率（29）以清单和住院结算为分子分母；清单多于结算、挂在门诊结算上、"
         "未上传却质控通过，都会使上传率或质控通过率失真乃至超过 100%（手册§六(三)）。",
    reason_codes={
        "LIST_EXCEEDS_SETTLEMENTS": "清单数多于住院结算人次",
        "LIST_FOR_NON_INPATIENT": "清单对应的结算不是住院类",
        "QC_PASS_WITHOUT_UPLOAD": "清单未上传却标记质控通过",
        "LIST_WITHOUT_SETTLEMENT": "清单在结算数据中找不到对应结算",
        "LIST_FOR_INVALID_SETTLEMENT": "清单对应的结算已作废",
    },
    uses=("lake:setl_list", "lake:setl_d"),
)
def settlement_lists(ctx: CheckContext) -> Iterable[Outcome]:
    if not (ctx.lake_has("setl_list") and ctx.lake_has("setl_d")):
        yield not_applicable("NO_DATA", "数据湖中缺少结算清单或结算数据，无法比较。")
        return
    inpatient = list(ctx.settings.inpatient_med_types)
    lists = ctx.lake("setl_list", periods=[ctx.period])
    settlements = ctx.lake("setl_d")  # any month: a list may name an earlier month's settlement
    settlements = settlements.select(
        s_setl_id=settlements.setl_id, s_med_type=settlements.med_type,
        s_valid=settlements.vali_flag.isnull() | (settlements.vali_flag == "1"),
    )
    joined = lists.left_join(settlements, lists.setl_id == settlements.s_setl_id)
    found = joined.s_setl_id.notnull()
    is_inpatient = joined.s_med_type.isin(inpatient)
    per_inst = ctx.engine.execute(joined.group_by("fixmedins_code").aggregate(
        n_lists=joined.count(),
        n_orphan=(~found).sum(),
        n_non_inpatient=(found & ~is_inpatient).sum(),
        n_invalid=(found & is_inpatient & ~joined.s_valid).sum(),
        n_qc_no_upload=((joined.qc_pass_flag == "1") & joined.upld_time.isnull()).sum(),
    ))
    if per_inst.empty:
        yield not_applicable("NO_DATA", f"{ctx.period_label}没有上传的结算清单。")
        return
    current = valid_settlements(ctx, ctx.period, ctx.period)
    ipt = ctx.engine.execute(current.filter(
        current.med_type.isin(inpatient)
        & (current.refd_setl_flag.isnull() | (current.refd_setl_flag != "1"))
    ).group_by("fixmedins_code").aggregate(n_ipt=ibis._.count()))
    ipt_counts = dict(zip(ipt["fixmedins_code"], ipt["n_ipt"], strict=True))
    for rec in per_inst.to_dict("records"):
        code = rec["fixmedins_code"]
        n = {k: int(rec[k] or 0) for k in rec if k.startswith("n_")}
        counted = n["n_lists"] - n["n_orphan"] - n["n_non_inpatient"] - n["n_invalid"]
        n_ipt = int(ipt_counts.get(code, 0))
        who = f"{ctx.period_label}{ctx.inst(code)}"
        found_any = False
        for status, reason, bad, message, expected in (
            ("violation", "LIST_EXCEEDS_SETTLEMENTS", counted > n_ipt,
             f"{who}对应有效住院结算的结算清单{counted}份，多于其住院结算{n_ipt}人次。", f"清单数 ≤ {n_ipt}"),
            ("violation", "LIST_FOR_NON_INPATIENT", n["n_non_inpatient"] > 0,
             f"{who}有{n['n_non_inpatient']}份结算清单对应的结算不是住院类。", "0"),
            ("violation", "QC_PASS_WITHOUT_UPLOAD", n["n_qc_no_upload"] > 0,
             f"{who}有{n['n_qc_no_upload']}份结算清单没有上传时间却标记为质控通过。", "0"),
            ("warn", "LIST_WITHOUT_SETTLEMENT", n["n_orphan"] > 0,
             f"{who}有{n['n_orphan']}份结算清单在结算数据中找不到对应结算。", "0"),
            ("warn", "LIST_FOR_INVALID_SETTLEMENT", n["n_invalid"] > 0,
             f"{who}有{n['n_invalid']}份结算清单对应的结算已作废（有效标志不为 1）。", "0"),
        ):
            if not bad:
                continue
            found_any = True
            observed = {"LIST_EXCEEDS_SETTLEMENTS": counted - n_ipt, "LIST_FOR_NON_INPATIENT": n["n_non_inpatient"],
                        "QC_PASS_WITHOUT_UPLOAD": n["n_qc_no_upload"], "LIST_WITHOUT_SETTLEMENT": n["n_orphan"],
                        "LIST_FOR_INVALID_SETTLEMENT": n["n_invalid"]}[reason]
            make = violation if status == "violation" else warn
            yield make(reason, message, indicator_ids=("28", "29"), fixmedins_code=code,
                       observed=f"清单={n['n_lists']}；住院结算={n_ipt}", observed_value=float(observed),
                       expected=expected)
        if not found_any:
            yield passed(indicator_ids=("28", "29"), fixmedins_code=code)


# Tables whose rows hang on a settlement (清单、费用构成、特例单议): read from the contract.
LINKED_TABLES = tuple(name for name, t in TABLES.items() if t.link_setl_id)


@check(
    "orphan_rows",
    title="清单、费用构成与特例单议都有对应结算",
    rule="本期的医保结算清单（setl_list）、费用构成（setl_fee）与特例单议（special_case）中，"
         "结算ID 在本统筹地区的结算数据（setl_d，任何月份）中找不到的行逐表计数；有即提示复核。",
    note="导入时找不到结算的行会被隔离，但之后用 --replace 整体替换某月结算数据（如只含几行的更正文件）"
         "会使数据湖中原有的清单、费用或特例失去对应结算。这些行留在数据湖中不删除，由本规则计数，"
         "复核人员据此判断是补交结算数据还是重新交付这些表；它们会使清单上传率、质控通过率等指标失真。",
    reason_codes={"ROWS_WITHOUT_SETTLEMENT": "有行在结算数据中找不到对应结算"},
    severity=Severity.WARNING,
    uses=tuple(f"lake:{name}" for name in LINKED_TABLES) + ("lake:setl_d",),
)
def orphan_rows(ctx: CheckContext) -> Iterable[Outcome]:
    present = [name for name in LINKED_TABLES if ctx.lake_has(name)]
    if not present:
        yield not_applicable("NO_DATA", "数据湖中没有结算清单、费用构成或特例单议。")
        return
    settlements = None
    if ctx.lake_has("setl_d"):
        s = ctx.lake("setl_d")
        settlements = s.select(s_setl_id=s.setl_id).distinct()
    checked = False
    for name in present:
        rows = ctx.lake(name, periods=[ctx.period])
        total = int(ctx.engine.execute(rows.count()))
        if not total:
            continue
        checked = True
        if settlements is None:
            orphans = total
        else:
            joined = rows.left_join(settlements, rows.setl_id == settlements.s_setl_id)
            orphans = int(ctx.engine.execute(joined.filter(joined.s_setl_id.isnull()).count()))
        cn = TABLES[name].cn
        if orphans:
            yield violation(
                "ROWS_WITHOUT_SETTLEMENT",
                f"{ctx.period_label}{cn}（{name}）有 {orphans:,} 行（共 {total:,} 行）在结算数据中找不到对应结算。",
                observed=f"{name}：找不到结算 {orphans:,} 行 / 共 {total:,} 行", observed_value=float(orphans),
                expected="0 行")
        else:
            yield passed()
    if not checked:
        yield not_applicable("NOTHING_TO_CHECK", f"{ctx.period_label}没有结算清单、费用构成或特例单议。")
