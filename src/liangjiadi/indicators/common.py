"""Building result rows: amounts, counts and ratios for the region and each institution."""

from __future__ import annotations

from decimal import Decimal

from .context import ZERO, Ctx, div, q
from .registry import Row

NOTE_ZERO = "分母为0，无法计算"


def amount(code: str | None, value: Decimal | None, note: str | None = None) -> Row:
    """A money or count value: value = numerator, no denominator."""
    if value is None:
        return Row(code, None, None, None, note or "缺少数据")
    return Row(code, q(value), None, q(value), None)


def ratio(code: str | None, num: Decimal | None, den: Decimal | None, *, scale: Decimal = Decimal(1),
          minus_one: bool = False, zero_note: str = NOTE_ZERO, missing_note: str = "缺少数据") -> Row:
    """value = num / den * scale (- 1 for growth rates); absent with a note when den is 0."""
    if num is None or den is None:
        return Row(code, q(num), q(den), None, missing_note)
    if den == 0:
        return Row(code, q(num), q(den), None, zero_note)
    v = div(num * scale, den)
    if minus_one:
        v = v - 1
    return Row(code, q(num), q(den), v, None)


def per_inst(ctx: Ctx, by: dict) -> dict[str, Decimal]:
    return {c: by.get(c, ZERO) for c in ctx.hospitals}


def amount_rows(ctx: Ctx, total: Decimal, by: dict | None) -> list[Row]:
    rows = [amount(None, total)]
    if by is not None:
        rows += [amount(c, v) for c, v in per_inst(ctx, by).items()]
    return rows


def ratio_rows(ctx: Ctx, num: tuple, den: tuple, *, institutions: bool = True,
               zero_note: str = NOTE_ZERO, inst_filter=None, excluded_note: str = "") -> list[Row]:
    """Region ratio plus one row per local institution (counts 0 when it has no cases).
    `inst_filter(code)` False gives an absent value with `excluded_note`."""
    (nt, nby), (dt, dby) = num, den
    rows = [ratio(None, nt, dt, zero_note=zero_note)]
    if institutions:
        for c in ctx.hospitals:
            if inst_filter is not None and not inst_filter(c):
                rows.append(Row(c, None, None, None, excluded_note))
                continue
            rows.append(ratio(c, nby.get(c, ZERO), dby.get(c, ZERO), zero_note=zero_note))
    return rows
