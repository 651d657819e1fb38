"""How figures are printed in check messages (元 with thousands separators, % with two decimals)."""

from __future__ import annotations

import math

from .catalogue import IndicatorMeta


def money(value: float) -> str:
    return f"{value:,.2f}元"


def percent(value: float) -> str:
    return f"{value * 100:.2f}%"


def count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def figure(value: float | None, meta: IndicatorMeta | None) -> str:
    """A value printed in its indicator's unit."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "无值"
    if isinstance(value, float) and math.isinf(value):
        return "无穷大" if value > 0 else "负无穷大"
    unit = meta.unit if meta else ""
    if unit == "yuan":
        return money(value)
    if unit == "ratio" and meta is not None and meta.bounds is not None:
        return percent(value)
    if unit == "count":
        return count(value)
    return f"{value:,.4f}".rstrip("0").rstrip(".")
