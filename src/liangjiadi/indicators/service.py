"""医疗机构服务情况: indicators 36-45, plus 41m (混合增长率) and CMI.

Settlement rules (every indicator here): valid rows only (vali_flag 1 or blank); 人次 count
non-refund rows only (refd_setl_flag 0 or blank); amounts are net (refund rows carry negative
amounts and are summed in). Inpatient = med_type in settings.inpatient_med_types, pharmacy =
settings.pharmacy_med_types, outpatient = every other med_type. "不含异地就医" = local insured
(insu_admdvs = region) at local institutions (fix_blng_admdvs = region).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Context, Decimal

import pyarrow as pa
import pyarrow.compute as pc

from .common import amount_rows, ratio, ratio_rows
from .context import EXACT, ZERO, Ctx, dec, div, q
from .registry import Row, indicator

F = "service"
_LOCAL = "本地参保人在本地机构（不含异地就医）"


def _ipt_n(ctx: Ctx, period: str):
    return ctx.setl_select("n", periods=[period], kinds="ipt", linst="1", lins="1")


@indicator(36, family=F, window="month", method=(
    f"当月住院类有效结算 medfee_sumamt 净额（退费行负数相抵），{_LOCAL}。"))
def ind_36(ctx: Ctx) -> list[Row]:
    t, by = ctx.setl_select("medfee", periods=[ctx.period], kinds="ipt", linst="1", lins="1")
    return amount_rows(ctx, t, by)


@indicator(37, family=F, window="month", aggregate="ratio", method="36 / 39：住院医疗费用净额 / 出院人次（非退费行），" + _LOCAL + "。")
def ind_37(ctx: Ctx) -> list[Row]:
    num = ctx.setl_select("medfee", periods=[ctx.period], kinds="ipt", linst="1", lins="1")
    return ratio_rows(ctx, num, _ipt_n(ctx, ctx.period), zero_note="出院人次为0，无法计算")


@indicator(38, family=F, window="month", method=(
    f"当月门诊类（非住院、非药店购药医疗类别）非退费有效结算行数，{_LOCAL}。"))
def ind_38(ctx: Ctx) -> list[Row]:
    t, by = ctx.setl_select("n", periods=[ctx.period], kinds="otp", linst="1", lins="1")
    return amount_rows(ctx, t, by)


@indicator(39, family=F, window="month", method=f"当月住院类非退费有效结算行数（出院人次），{_LOCAL}。")
def ind_39(ctx: Ctx) -> list[Row]:
    t, by = _ipt_n(ctx, ctx.period)
    return amount_rows(ctx, t, by)


@indicator(40, family=F, window="month", method="38 / 39：门诊人次 / 出院人次，" + _LOCAL + "。")
def ind_40(ctx: Ctx) -> list[Row]:
    num = ctx.setl_select("n", periods=[ctx.period], kinds="otp", linst="1", lins="1")
    return ratio_rows(ctx, num, _ipt_n(ctx, ctx.period), zero_note="出院人次为0，无法计算")


def _prev_missing(ctx: Ctx) -> str | None:
    if not ctx.has_partition("setl_d", ctx.prev):
        return f"缺少上期（{ctx.prev}）结算数据，无法计算增长率"
    return None


@indicator(41, family=F, window="month", aggregate="growth", method=(
    "39(P) / 39(P−1) − 1，P−1 为上一个月（1 月的上期为上年 12 月）；分子存本期出院人次，分母存上期出院人次。"
    "数据湖中没有上期结算数据时无值并说明；上期为 0 时无值。"))
def ind_41(ctx: Ctx) -> list[Row]:
    cur_t, cur_by = _ipt_n(ctx, ctx.period)
    missing = _prev_missing(ctx)
    if missing:
        return [Row(c, None, None, None, missing) for c in [None, *ctx.hospitals]]
    prev_t, prev_by = _ipt_n(ctx, ctx.prev)
    rows = [ratio(None, cur_t, prev_t, minus_one=True, zero_note="上期出院人次为0，无法计算增长率")]
    for c in ctx.hospitals:
        rows.append(ratio(c, cur_by.get(c, ZERO), prev_by.get(c, ZERO), minus_one=True,
                          zero_note="上期出院人次为0，无法计算增长率"))
    return rows


@indicator("41m", family=F, window="month", catalogue_id=41, scope="institution", name="出院人次混合增长率",
           aggregate="mixed_growth",
           method=(
    "手册“增长率×权重”：41m = 41 × w，w = min(1, 本机构上期出院人次 / 同级别组（三级/二级/一级及以下，"
    "按 hosp_lv）全部本地机构上期出院人次的平均数)；平均数含上期为 0 的机构。上期规模达到组平均的机构 w = 1，"
    "小机构的增长率按规模缩小。仅公布各机构（统筹地区 w = 1，即 41）。分子/分母同 41。"))
def ind_41m(ctx: Ctx) -> list[Row]:
    missing = _prev_missing(ctx)
    if missing:
        return [Row(c, None, None, None, missing) for c in ctx.hospitals]
    _, cur_by = _ipt_n(ctx, ctx.period)
    _, prev_by = _ipt_n(ctx, ctx.prev)
    return mixed_growth_rows(ctx.hospitals, cur_by, prev_by, lambda c: _level(ctx, c))


def mixed_growth_rows(codes: list[str], cur_by: dict, prev_by: dict, level_of) -> list[Row]:
    """41m from this and the previous period's discharges per institution (a month, or a window
    of months: indicators/window.py) and each institution's level group."""
    groups: dict[str, list[str]] = defaultdict(list)
    for c in codes:
        groups[level_of(c)].append(c)
    rows = []
    for c in codes:
        cur, prev = cur_by.get(c, ZERO), prev_by.get(c, ZERO)
        if prev == 0:
            rows.append(Row(c, q(cur), q(prev), None, "上期出院人次为0，无法计算增长率"))
            continue
        members = groups[level_of(c)]
        k = Decimal(len(members))
        s = sum((prev_by.get(m, ZERO) for m in members), ZERO)
        # growth = (cur - prev) / prev ; w = min(1, prev * k / s)
        if prev * k >= s:
            v = div(cur - prev, prev)
        else:
            v = div((cur - prev) * k, s)
        rows.append(Row(c, q(cur), q(prev), v, None))
    return rows


def _level(ctx: Ctx, code: str) -> str:
    r = ctx.fixmedins.get(code)
    from ..schema import level_group

    return r.level_group if r else level_group(None)


@indicator(42, family=F, window="half_year", method=(
    "半年窗口（1 月或 7 月至 P）：本地参保人（insu_admdvs = 本地区）住院类出院人次，含在本地和异地机构住院；"
    "分母 = 窗口内各月末参保人数（310 + 380/390/391）的平均数（取窗口内已提供的月份）。"
    "各机构：本地参保人在该机构的出院人次 / 同一分母。"))
def ind_42(ctx: Ctx) -> list[Row]:
    num_t, _ = ctx.setl_select("n", periods=ctx.half, kinds="ipt", lins="1")
    _, num_by = ctx.setl_select("n", periods=ctx.half, kinds="ipt", lins="1", linst="1")
    vals = [ctx.insured(m) for m in ctx.half]
    vals = [v for v in vals if v is not None]
    if not vals:
        note = f"缺少{ctx.half[0]}至{ctx.period}参保人数"
        return [Row(c, None, None, None, note) for c in [None, *ctx.hospitals]]
    den = EXACT.divide(Decimal(sum(vals)), Decimal(len(vals)))
    rows = [ratio(None, num_t, den, zero_note="参保人数为0，无法计算")]
    rows += [ratio(c, num_by.get(c, ZERO), den, zero_note="参保人数为0，无法计算") for c in ctx.hospitals]
    return rows


def _index(ctx: Ctx, n_col: str, x_col: str, empty_note: str) -> list[Row]:
    t = ctx.base_groups  # one row per institution x group: tens of thousands in a large city
    # each row's group as a number: the region's sums per group are then lists indexed by it
    key = pc.binary_join_element_wise(pc.fill_null(t["grp_type"], "\x00"), t["grp_code"], "\x1f")
    encoded = pc.dictionary_encode(key).combine_chunks()
    g_of = encoded.indices
    reg = pa.table({"g": g_of, "n": t[n_col], "x": t[x_col]}).group_by("g", use_threads=False).aggregate(
        [("n", "sum"), ("x", "sum")])
    # (hosp_avg / region_avg) * n_hg = x_hg * N_g / X_g: N_g / X_g once per group, at 60 digits
    # (None: a group without data or with a regional mean of 0 has no ratio)
    per_g: list[Decimal | None] = [None] * len(encoded.dictionary)
    for g, n, x in zip(reg["g"].to_pylist(), reg["n_sum"].to_pylist(), reg["x_sum"].to_pylist()):
        x = dec(x)
        if x != 0:
            per_g[g] = EXACT.divide(Decimal(n or 0), x)
    num, den = _products_by_institution(t, n_col, x_col, per_g, g_of)
    out = []
    for code in ctx.hospitals:
        if not den.get(code):
            out.append(Row(code, ZERO, ZERO, None, empty_note))
        else:
            out.append(ratio(code, num[code], Decimal(den[code])))
    return out


_WIDEST = 76  # Arrow decimal256's digits
_WIDE = Context(prec=_WIDEST, rounding=ROUND_HALF_EVEN)


def _products_by_institution(t: pa.Table, n_col: str, x_col: str, per_g: list[Decimal | None],
                             g_of: pa.Array) -> tuple[dict, dict]:
    """({institution: Σ x_hg * ratio_g}, {institution: Σ n_hg}) over the rows with cases and a
    group ratio, in Arrow decimal256 (a Python multiply-add per row cost ~0.3 s on a large city).
    The ratios are rounded to as many decimals as 76 digits leave beside x's digits and 8 spare
    for the sums (over 40 significant digits; 60 before): products and sums are exact, so the
    results at 1e-10 are the row-by-row ones (tests/indicators: golden 43/44 and hypothesis)."""
    ratios = [r for r in per_g if r is not None]
    if not ratios or t.num_rows == 0:
        return {}, {}
    x = pc.fill_null(t[x_col], 0)
    x_scale = x.type.scale if pa.types.is_decimal(x.type) else 0
    lo_hi = pc.min_max(x).as_py()
    x_digits = max(_int_digits(dec(lo_hi["min"])), _int_digits(dec(lo_hi["max"]))) + x_scale
    if not pa.types.is_decimal(x.type):
        x_digits = max(x_digits, 19)  # Arrow casts an int64 to a decimal of 19 digits or more
    r_digits = _WIDEST - 1 - x_digits - 8
    r_scale = r_digits - max(_int_digits(r) for r in ratios)
    step = Decimal(1).scaleb(-r_scale)
    r_arr = pa.array([None if r is None else r.quantize(step, context=_WIDE) for r in per_g],
                     pa.decimal256(r_digits, r_scale))
    r_row = pc.take(r_arr, g_of)
    prod = pc.multiply(pc.cast(x, pa.decimal256(x_digits, x_scale)), r_row)
    prod = pc.cast(prod, pa.decimal256(_WIDEST, prod.type.scale))  # room for the sums on every pyarrow
    keep = pc.and_(pc.fill_null(pc.greater(t[n_col], 0), False), pc.is_valid(r_row))
    rows = pa.table({"c": t["fixmedins_code"], "p": prod, "n": t[n_col]}).filter(keep)
    by = rows.group_by("c", use_threads=False).aggregate([("p", "sum"), ("n", "sum")])
    codes = by["c"].to_pylist()
    return dict(zip(codes, by["p_sum"].to_pylist())), dict(zip(codes, by["n_sum"].to_pylist()))


def _int_digits(v: Decimal) -> int:
    """Digits before the point of |v| (at least 1)."""
    return max(1, v.adjusted() + 1) if v else 1


_IDX = (
    "当月入组病例（结算清单与本地机构有效、非退费住院结算按 setl_id 关联，grp_code 非空、非 QY*/0000），"
    "按病组（grp_type + grp_code）：医院指数 = Σ_g(医院g组{what}均值 / 区域g组{what}均值 × 医院g组病例数) / Σ_g 医院g组病例数；"
    "区域均值取全部本地机构该组病例（含异地参保人）。{extra}区域均值为0的病组不参与。统筹地区为1，只输出各机构；"
    "分子 = Σ(比值 × 病例数)，分母 = 病例数。")


@indicator(43, family=F, window="month", aggregate="index", method=_IDX.format(
    what="平均住院日（act_ipt_days）", extra="act_ipt_days 为空的病例不计入。"))
def ind_43(ctx: Ctx) -> list[Row]:
    return _index(ctx, "n_days", "days", "无入组病例（或住院天数），无法计算")


@indicator(44, family=F, window="month", aggregate="index", method=_IDX.format(what="次均费用（medfee_sumamt）", extra=""))
def ind_44(ctx: Ctx) -> list[Row]:
    return _index(ctx, "n", "cost", "无入组病例，无法计算")


@indicator("CMI", family=F, window="month", catalogue_id=44, scope="both", unit="index",
           name="病例组合指数（CMI）", formula="Σ 入组病例权重（RW/分值） / 入组病例数", note="",
           method=("当月入组病例（同 43/44）的 grp_weight 之和 / 有权重的入组病例数（grp_weight 为空者不计），"
                   "权重按 4 位小数精确累加。统筹地区与各机构。"))
def ind_cmi(ctx: Ctx) -> list[Row]:
    by = ctx.base_groups.group_by("fixmedins_code", use_threads=False).aggregate([("w", "sum"), ("n_w", "sum")])
    codes = by["fixmedins_code"].to_pylist()
    w = {c: dec(v) for c, v in zip(codes, by["w_sum"].to_pylist())}
    n = {c: dec(v) for c, v in zip(codes, by["n_w_sum"].to_pylist())}
    out = [ratio(None, sum(w.values(), ZERO), sum(n.values(), ZERO), zero_note="无入组病例，无法计算")]
    out += [ratio(c, w.get(c, ZERO), n.get(c, ZERO), zero_note="无入组病例，无法计算") for c in ctx.hospitals]
    return out


@indicator(45, family=F, window="month", method=(
    f"当月住院类 + 门诊类有效结算 fulamt_ownpay_amt（全自费，医保目录外）净额 / medfee_sumamt 净额，{_LOCAL}；"
    "药店购药不计。"))
def ind_45(ctx: Ctx) -> list[Row]:
    p = [ctx.period]
    kinds = ("ipt", "otp")
    return ratio_rows(ctx, ctx.setl_select("ownpay", periods=p, kinds=kinds, linst="1", lins="1"),
                      ctx.setl_select("medfee", periods=p, kinds=kinds, linst="1", lins="1"),
                      zero_note="医疗总费用为0，无法计算")
