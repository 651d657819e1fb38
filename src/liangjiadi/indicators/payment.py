"""支付方式改革运行（效）: indicators 28-35.

Cases (病例) = valid (vali_flag 1 or blank), non-refund (refd_setl_flag 0 or blank) inpatient
settlements (med_type in the configured inpatient types) at local institutions
(fix_blng_admdvs = the region), of every insured (local and 异地: a 结算清单 is uploaded for
every case), assigned to the period of their settlement. A case's 结算清单 and 特例单议
application are linked by setl_id.
"""

from __future__ import annotations

from .common import amount, ratio_rows
from .context import ZERO, Ctx
from .registry import Row, indicator

F = "payment"
DRG_WAYS = ("drg_std", "itemized", "special")
ACTUAL_WAYS = ("itemized", "special")
NOT_DRG = "非DRG/DIP付费机构（drg_dip_flag 不为 1），不适用"

_CASES = ("病例 = 本地机构（fix_blng_admdvs = 本地区）有效、非退费的住院类结算，含异地参保人"
          "（每个病例都上传结算清单），按结算期间归属；清单与特例单议按 setl_id 关联。")
_GROUPED = ("入组病例 = 有结算清单且 grp_code 非空、不以 QY 开头、不为 0000 的病例。")
_DRG = ("仅开展DRG/DIP付费的机构（fixmedins 取 P 期有效快照，drg_dip_flag = 1）；统筹地区为这些机构合计，"
        "其他机构输出“不适用”。")


def _sel(ctx: Ctx, periods, **conds):
    return ctx.cases_select(periods=periods, **conds)


def _drg_only(ctx: Ctx, sel):
    total, by = sel
    by = {c: v for c, v in by.items() if ctx.is_drg(c)}
    return sum(by.values(), ZERO), by


@indicator(28, family=F, window="month", method=(
    "当月：有结算清单的病例数 / 全部病例数；全部机构。" + _CASES))
def ind_28(ctx: Ctx) -> list[Row]:
    p = [ctx.period]
    return ratio_rows(ctx, _sel(ctx, p, has_list=1), _sel(ctx, p))


@indicator(29, family=F, window="month", method=(
    "当月：质控通过（qc_pass_flag = 1）的清单数 / 已上传清单数；清单限当月病例的清单；全部机构。" + _CASES))
def ind_29(ctx: Ctx) -> list[Row]:
    p = [ctx.period]
    return ratio_rows(ctx, _sel(ctx, p, has_list=1, qc=1), _sel(ctx, p, has_list=1),
                      zero_note="无已上传结算清单，无法计算")


def _drg_ratio(ctx: Ctx, periods, num: dict, den: dict, zero_note="分母为0，无法计算"):
    return ratio_rows(ctx, _drg_only(ctx, _sel(ctx, periods, **num)), _drg_only(ctx, _sel(ctx, periods, **den)),
                      inst_filter=ctx.is_drg, excluded_note=NOT_DRG, zero_note=zero_note)


@indicator(30, family=F, window="month", method=(
    "当月：按DRG/DIP结算的病例（setl_pay_way 为 drg_std、itemized 或 special）/ 全部出院病例。"
    + _DRG + _CASES))
def ind_30(ctx: Ctx) -> list[Row]:
    return _drg_ratio(ctx, [ctx.period], {"pay_way": DRG_WAYS}, {}, "无出院病例，无法计算")


@indicator(31, family=F, window="month", method=(
    "当月：入组病例中 setl_pay_way = drg_std（按付费标准结算）的病例 / 入组病例。" + _GROUPED + _DRG + _CASES))
def ind_31(ctx: Ctx) -> list[Row]:
    return _drg_ratio(ctx, [ctx.period], {"grouped": 1, "pay_way": "drg_std"}, {"grouped": 1},
                      "无入组病例，无法计算")


@indicator(32, family=F, window="month", method=(
    "当月：入组病例中 setl_pay_way 为 itemized（据实/按项目）或 special（特例单议）的病例 / 入组病例。"
    + _GROUPED + _DRG + _CASES))
def ind_32(ctx: Ctx) -> list[Row]:
    return _drg_ratio(ctx, [ctx.period], {"grouped": 1, "pay_way": ACTUAL_WAYS}, {"grouped": 1},
                      "无入组病例，无法计算")


def _count_rows(ctx: Ctx, sel) -> list[Row]:
    total, by = _drg_only(ctx, sel)
    rows = [amount(None, total)]
    for c in ctx.hospitals:
        rows.append(amount(c, by.get(c, ZERO)) if ctx.is_drg(c) else Row(c, None, None, None, NOT_DRG))
    return rows


_HALF = "半年窗口：P 所在半年的 1 月（或 7 月）至 P 的病例。"


@indicator(33, family=F, window="half_year", method=(
    "特例单议申请数 = 与窗口内病例（按 setl_id）关联的 special_case 申请行数。" + _HALF + _DRG + _CASES))
def ind_33(ctx: Ctx) -> list[Row]:
    return _count_rows(ctx, _sel(ctx, ctx.half, sc_app=1))


@indicator(34, family=F, window="half_year", method=(
    "其中审核通过（audit_result = 1）的申请数；待审（空）与不通过不计。" + _HALF + _DRG + _CASES))
def ind_34(ctx: Ctx) -> list[Row]:
    return _count_rows(ctx, _sel(ctx, ctx.half, sc_app=1, sc_ok=1))


@indicator(35, family=F, window="half_year", method=(
    "特例单议审核通过病例数 / 全部出院病例数（DRG/DIP机构）。按 2025-01 附录亦公布各机构。"
    + _HALF + _DRG + _CASES))
def ind_35(ctx: Ctx) -> list[Row]:
    return _drg_ratio(ctx, ctx.half, {"sc_app": 1, "sc_ok": 1}, {}, "无出院病例，无法计算")
