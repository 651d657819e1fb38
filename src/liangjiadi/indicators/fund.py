"""基金运行（钱）: indicators 1-27 and 46-51.

Fund report (fund_report) amounts are cumulative year-to-date per (fund, item). Indicators
1-10, 12 and 15-23 are read off the report of P as it is (handbook §六(二): "通过基金报表进行
采集"); 当期结余 (15, 17, 20) is the report's balance_period item, as opposed to 累计结余
(18, 21), the stock carried over the years. Monthly flows (cumulative(P) - cumulative(P-1))
are used where a window of months is summed: the 12-month dynamic balances 48/49.
"""

from __future__ import annotations

from decimal import Decimal

from ..period import shift, span
from ..schema.codes import FUND, FUND_ITEM
from .common import amount, amount_rows, ratio
from .context import PSN_EMPLOYEE, PSN_RESIDENT, ZERO, Ctx
from .registry import Row, heading, indicator

F = "fund"


def _missing(period: str, fund: str, item: str) -> str:
    return f"缺少{period}医保基金报表项目：{FUND[fund]}·{FUND_ITEM[item]}（{fund}/{item}）"


def cum(ctx: Ctx, fund: str, item: str, period: str | None = None) -> tuple[Decimal | None, str | None]:
    p = period or ctx.period
    v = ctx.fund.get((p, fund, item))
    return (v, None) if v is not None else (None, _missing(p, fund, item))


def flow(ctx: Ctx, fund: str, item: str, period: str) -> tuple[Decimal | None, str | None]:
    """The month's own amount from cumulative figures."""
    cur, note = cum(ctx, fund, item, period)
    if cur is None:
        return None, note
    if period.endswith("-01"):
        return cur, None
    prev, note = cum(ctx, fund, item, shift(period, -1))
    if prev is None:
        return None, note + "（计算当月发生额需要上月累计数）"
    return cur - prev, None


def total(parts: list[tuple[Decimal | None, str | None]]) -> Row:
    notes = [n for v, n in parts if v is None]
    if notes:
        return Row(None, None, None, None, "；".join(notes))
    return amount(None, sum((v for v, _ in parts), ZERO))


def report(fund: str, item: str):
    def fn(ctx: Ctx) -> list[Row]:
        v, note = cum(ctx, fund, item)
        return [amount(None, v, note)]
    return fn


def _reg(id: int, fund: str, item: str, method: str, window: str = "ytd", aggregate: str = ""):
    indicator(id, family=F, window=window, method=method, aggregate=aggregate)(report(fund, item))


@indicator(1, family=F, window="ytd", method="基金报表 P 期累计数：职工 income_total + 居民 income_total。")
def ind_1(ctx: Ctx) -> list[Row]:
    return [total([cum(ctx, "employee", "income_total"), cum(ctx, "resident", "income_total")])]


_reg(2, "employee", "income_total", "基金报表 P 期累计数：职工 income_total（征缴收入 + 其他收入）。")
_reg(3, "employee", "income_contribution", "基金报表 P 期累计数：职工 income_contribution（征缴收入，含个人账户）。")
_reg(4, "employee", "income_other", "基金报表 P 期累计数：职工 income_other（滞纳金、利息、转移收入等）。")
_reg(5, "resident", "income_total", "基金报表 P 期累计数：居民 income_total。居民按年缴费，月度收入实为全年收入，发布时备注。")
_reg(6, "resident", "income_personal", "基金报表 P 期累计数：居民 income_personal（个人缴费）。")

FISCAL_OTHER = ("income_fiscal_central", "income_fiscal_province", "income_fiscal_local", "income_other")


@indicator(7, family=F, window="ytd", method=(
    "基金报表 P 期累计数：居民 income_fiscal_central + income_fiscal_province + income_fiscal_local + "
    "income_other。居民报表存在但缺某一分项时该分项按 0 计；整份居民报表缺失时无值。"))
def ind_7(ctx: Ctx) -> list[Row]:
    if not any(k[0] == ctx.period and k[1] == "resident" for k in ctx.fund):
        return [Row(None, None, None, None, f"缺少{ctx.period}居民医保基金报表")]
    return [amount(None, sum((ctx.fund.get((ctx.period, "resident", i), ZERO) for i in FISCAL_OTHER), ZERO))]


@indicator(8, family=F, window="ytd", method="基金报表 P 期累计数：职工 expense_total + 居民 expense_total。")
def ind_8(ctx: Ctx) -> list[Row]:
    return [total([cum(ctx, "employee", "expense_total"), cum(ctx, "resident", "expense_total")])]


_reg(9, "employee", "expense_total", "基金报表 P 期累计数：职工 expense_total（含个人账户）。")


@indicator(10, family=F, window="ytd", method=(
    "统筹地区：基金报表 P 期累计数 职工 expense_pool（统筹基金支出，本地就医）。"
    "各机构：1 月至 P 有效结算（vali_flag 为 1 或空）中，本地职工参保人（insu_admdvs = 本地区，"
    "险种属职工 310/320/330/340/350/360/370）在该本地机构的全部医疗类别 hifp_pay 净额（含退费行负数）。"
    "机构合计与报表数口径来源不同，不强制相等。"))
def ind_10(ctx: Ctx) -> list[Row]:
    v, note = cum(ctx, "employee", "expense_pool")
    _, by = ctx.setl_select("hifp", periods=ctx.ytd, linst="1", lins="1", schemes="emp")
    return [amount(None, v, note)] + amount_rows(ctx, ZERO, by)[1:]


def _ipt_pool(scheme: str):
    def fn(ctx: Ctx) -> list[Row]:
        t, by = ctx.setl_select("hifp", periods=ctx.ytd, kinds="ipt", linst="1", lins="1", schemes=scheme)
        return amount_rows(ctx, t, by)
    return fn


_IPT_METHOD = (
    "结算数据 1 月至 P：住院类（med_type 属配置的住院类别，默认 21/22/23/24/25/26/28/52）有效结算的 hifp_pay "
    "净额（退费行负数相抵），限本地{who}参保人（insu_admdvs = 本地区）在本地机构（fix_blng_admdvs = 本地区）"
    "就医，不含异地就医；各机构为其本机构部分。")
indicator(11, family=F, window="ytd", method=_IPT_METHOD.format(who="职工"))(_ipt_pool("emp"))
_reg(12, "resident", "expense_total", "基金报表 P 期累计数：居民 expense_total。")
indicator(13, family=F, window="ytd", method=_IPT_METHOD.format(who="居民"))(_ipt_pool("res"))


@indicator(14, family=F, window="ytd", method=(
    "清算结果 clr_result 1 月至 P：Σ paid_amt（实际支付，已扣除违规）/ Σ declared_amt（申报金额）；"
    "clr_result 只含本统筹地区机构，即仅本地就医。统筹地区为本地区全部机构合计，各机构为本机构。"))
def ind_14(ctx: Ctx) -> list[Row]:
    rows = ctx.clr.to_pylist()
    paid = {r["fixmedins_code"]: r["paid"] for r in rows}
    declared = {r["fixmedins_code"]: r["declared"] for r in rows}
    from .context import dec

    pt = sum((dec(v) for v in paid.values()), ZERO)
    dt = sum((dec(v) for v in declared.values()), ZERO)
    if not rows:
        out = [Row(None, None, None, None, "缺少清算结果（clr_result）")]
    else:
        out = [ratio(None, pt, dt)]
    for c in ctx.hospitals:
        if c not in declared:
            out.append(Row(c, None, None, None, "该机构无清算结果"))
        else:
            out.append(ratio(c, dec(paid[c]), dec(declared[c])))
    return out


_BALANCE_METHOD = (
    "基金报表 P 期的“当期结余”项（balance_period，年初至 P 的本年结余，照报表取数）。依据：手册§六(二)"
    "“指标 15-23 通过……基金报表进行采集，根据公开口径选择对应的月、季度或者年度报表”；"
    "“当期”与 18、21 的“累计结余”（历年滚存）相对。当月发生额可由相邻两期之差得到，见 analysis 的基金分析。")


@indicator(15, family=F, window="ytd", method="17 + 20（职工统筹基金当期结余 + 居民当期结余）。" + _BALANCE_METHOD)
def ind_15(ctx: Ctx) -> list[Row]:
    return [total([cum(ctx, "employee", "balance_period"), cum(ctx, "resident", "balance_period")])]


heading(16, family=F)


@indicator(17, family=F, window="ytd", method="职工 balance_period。" + _BALANCE_METHOD)
def ind_17(ctx: Ctx) -> list[Row]:
    return [total([cum(ctx, "employee", "balance_period")])]


_reg(18, "employee", "balance_cumulative", "基金报表 P 期数：职工 balance_cumulative（统筹基金累计结余，期末存量）。",
     aggregate="end")
heading(19, family=F)


@indicator(20, family=F, window="ytd", method="居民 balance_period。" + _BALANCE_METHOD)
def ind_20(ctx: Ctx) -> list[Row]:
    return [total([cum(ctx, "resident", "balance_period")])]


_reg(21, "resident", "balance_cumulative", "基金报表 P 期数：居民 balance_cumulative（累计结余，期末存量）。",
     aggregate="end")
_reg(22, "assistance", "income_total", "基金报表 P 期累计数：医疗救助基金 income_total（职工和居民合并）。")
_reg(23, "assistance", "expense_assistance", "基金报表 P 期累计数：医疗救助基金 expense_assistance（医疗救助支出，不含资助参保）。")


def _budget(item: str):
    def fn(ctx: Ctx) -> list[Row]:
        v = ctx.budget.get(item)
        return [amount(None, v, f"缺少{ctx.year + 1}年度预算项目 {item}")]
    return fn


_BUDGET = "预算表 budget：year = P 所在年份 + 1（“下一年度”），item = {item}，职工和居民合并（同一项目各行相加）。"
for _id, _item in ((24, "ipt_pool"), (25, "otp_pool"), (26, "drg_dip_pool"), (27, "other")):
    indicator(_id, family=F, window="next_year", method=_BUDGET.format(item=_item))(_budget(_item))


# ---- 基金支撑能力 46-49 ---------------------------------------------------------------------

_PSN = ("参保人数 = psn_count 中 P 期月末固化值，险种 310（职工）与 380/390/391（居民）相加；"
        "320/330/370/392 等补充险种与基本险为同一批人，不重复计。")


@indicator(46, family=F, window="month", aggregate="end", method=(
    "分子 = 本地定点医疗机构（fixmedins_type 1，所属区划 = 本地区，取 P 期有效快照）bed_cnt 之和；"
    "分母 = 参保人数；值 = 分子 × 1000 / 分母。" + _PSN))
def ind_46(ctx: Ctx) -> list[Row]:
    beds = sum((Decimal(r.bed_cnt or 0) for r in ctx.fixmedins.values() if r.fixmedins_type == "1"), ZERO)
    return [_per_mille(ctx, beds)]


@indicator(47, family=F, window="month", aggregate="end", method=(
    "分子 = 本地定点零售药店（fixmedins_type 2，所属区划 = 本地区，P 期有效）个数；"
    "分母 = 参保人数；值 = 分子 × 1000 / 分母。" + _PSN))
def ind_47(ctx: Ctx) -> list[Row]:
    n = sum(1 for r in ctx.fixmedins.values() if r.fixmedins_type == "2")
    return [_per_mille(ctx, Decimal(n))]


def _per_mille(ctx: Ctx, num: Decimal) -> Row:
    den = ctx.insured(ctx.period)
    if den is None:
        return Row(None, num, None, None, f"缺少{ctx.period}参保人数")
    return ratio(None, num, Decimal(den), scale=Decimal(1000), zero_note="参保人数为0，无法计算")


def _dynamic(fund: str):
    def fn(ctx: Ctx) -> list[Row]:
        months = span(shift(ctx.period, -11), ctx.period)
        inc, exp = [], []
        for m in months:
            inc.append(flow(ctx, fund, "income_total", m))
            exp.append(flow(ctx, fund, "expense_total", m))
        if any(v is None for v, _ in inc + exp):
            first = months[0] if months[0].endswith("-01") else shift(months[0], -1)
            lacking = [m for m in span(first, ctx.period)
                       if any((m, fund, i) not in ctx.fund for i in ("income_total", "expense_total"))]
            return [Row(None, None, None, None,
                        f"近12个月基金报表不全，无法计算：缺少{'、'.join(lacking)}的{FUND[fund]}基金收入合计或支出合计"
                        "（当月发生额需要上月累计数）")]
        return [amount(None, sum((v for v, _ in inc), ZERO) - sum((v for v, _ in exp), ZERO))]
    return fn


_DYN = (
    "近 12 个月（P−11 至 P）各月{who} income_total 当月发生额之和 − expense_total 当月发生额之和；"
    "当月发生额 = 当月累计 − 上月累计（1 月即 1 月累计），因此需要 P−12 至 P 的报表"
    "（P−11 为 1 月时不需要 P−12）；任一月缺失则无值并说明缺哪一期。支出取 expense_total，"
    "与收入（含个人账户）口径一致。")
indicator(48, family=F, window="trailing12", method=_DYN.format(who="职工"))(_dynamic("employee"))
indicator(49, family=F, window="trailing12", method=_DYN.format(who="居民"))(_dynamic("resident"))


# ---- 其他指标 50, 51: per insured, employee and resident as separate result ids ------------


def _per_capita(fund: str, item: str, insutypes: tuple[str, ...]):
    def fn(ctx: Ctx) -> list[Row]:
        v, note = cum(ctx, fund, item)
        if v is None:
            return [Row(None, None, None, None, note)]
        den = ctx.insured(ctx.period, insutypes)
        if den is None:
            return [Row(None, v, None, None, f"缺少{ctx.period}参保人数")]
        return [ratio(None, v, Decimal(den), zero_note="参保人数为0，无法计算")]
    return fn


_PC = ("基金报表 P 期累计 {fund}/{item} ÷ P 期月末参保人数（{types}）。50/51 按险种分为两个结果编号："
       "50e/51e 职工，50r/51r 居民。")
for _rid, _cid, _fund, _item, _types, _name in (
    ("50e", 50, "employee", "income_total", PSN_EMPLOYEE, "职工人均医保基金收入"),
    ("50r", 50, "resident", "income_total", PSN_RESIDENT, "居民人均医保基金收入"),
    ("51e", 51, "employee", "expense_total", PSN_EMPLOYEE, "职工人均医保基金支出"),
    ("51r", 51, "resident", "expense_total", PSN_RESIDENT, "居民人均医保基金支出"),
):
    indicator(_rid, family=F, window="ytd", catalogue_id=_cid, name=_name,
              method=_PC.format(fund=_fund, item=_item, types="/".join(_types)))(
        _per_capita(_fund, _item, _types))
