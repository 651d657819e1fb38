"""The indicator registry: catalogue facts (catalogue.yaml) + one computing function each.

Built-in indicators register themselves with the `indicator` decorator in their family
module (fund, payment, service, other); local indicators (地方特色指标) are added the same
way from a YAML file (local.py). A result id is a string: the catalogue 序号 ("1".."57") or
an extra id ("41m", "CMI", "50e", ...) documented with its parent catalogue entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ..errors import DefinitionError, IndicatorError

FAMILIES = {
    "fund": "基金运行（钱）",
    "payment": "支付方式改革运行（效）",
    "service": "医疗机构服务情况",
    "other": "其他指标",
    "local": "地方特色指标",
}

WINDOWS = {
    "month": "当月（期间 P）",
    "ytd": "年初至当月累计（1 月至 P）",
    "half_year": "半年至当月（1 月至 P 或 7 月至 P）",
    "trailing12": "近 12 个月（含当月）",
    "next_year": "下一年度（P 所在年份 + 1）",
    "none": "无",
}

# How a window of several months (a quarter, a half-year, a year) gets its value from the months,
# one rule per indicator (Indicator.window_rule). seeds/002: the quarterly report covers the
# quarter, the annual notice the year; docs/reports.md “窗口口径”.
WINDOW_RULES = {
    "cumulative": "取窗口末月的年初至窗口末累计数（与上年同期比较须上年1月至同月的数据齐全）",
    "sum": "窗口内各月数值相加（金额、人次、病例数）",
    "ratio": "以窗口内各月分子之和除以分母之和重新计算（比例、次均费用、人次比、CMI）",
    "end": "取窗口末月的数值（期末累计结余、近12个月动态结余、下一年度预算、时点存量、外部提供值）",
    "half": "半年指标：取窗口末月所在半年（1-6月或7-12月）的数值，并标明所属半年",
    "growth": "窗口内出院人次之和 ÷ 上一个同长度窗口的出院人次之和 − 1",
    "mixed_growth": "出院人次混合增长率：窗口对上一同长度窗口的增长率，按上一窗口同级机构平均规模加权（手册“增长率×权重”）",
    "index": "以窗口内全部入组病例重新计算（区域各病组均值取窗口内的均值），不是各月指数的平均",
    "none": "标题行，无数值",
}


@dataclass(frozen=True)
class Row:
    """One computed value: region (code None) or one institution."""

    fixmedins_code: str | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None
    note: str | None = None


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    group: str
    family: str
    freq: str
    source: str
    basis: str
    scope: str  # region | both | institution
    unit: str
    formula: str
    note: str
    method: str  # 口径: how this project computes it (every choice documented)
    window: str
    catalogue_id: int | None = None
    bounds: tuple[float, float] | None = None
    parent: str | None = None
    sum_of: tuple[str, ...] = ()
    heading: bool = False  # a worksheet heading row without a value (16, 19)
    fn: Callable[[Any], list[Row]] | None = field(default=None, compare=False, repr=False)
    local: bool = False
    aggregate: str = ""  # a WINDOW_RULES key where the rule below does not follow from the facts
    scale: Decimal = Decimal(1)  # value = numerator × scale / denominator (ratio indicators)

    @property
    def has_institutions(self) -> bool:
        return self.scope in ("both", "institution")

    @property
    def window_rule(self) -> str:
        """The WINDOW_RULES key of this indicator, from the catalogue facts (basis, window, unit):
        year-to-date and point-in-time values are taken at the window's end, half-year indicators
        at the end of their half, monthly amounts and counts summed, monthly ratios recomputed."""
        if self.heading:
            return "none"
        if self.aggregate:
            return self.aggregate
        if self.window == "ytd":
            return "cumulative"
        if self.basis == "cumulative" or self.window in ("trailing12", "next_year"):
            return "end"
        if self.window == "half_year":
            return "half"
        if self.unit in ("yuan", "count"):
            return "sum"
        return "ratio"


@lru_cache(maxsize=1)
def catalogue() -> dict[int, dict]:
    """The packaged catalogue (a copy of shared/spec/indicators.yaml), keyed by 序号."""
    text = resources.files(__package__).joinpath("catalogue.yaml").read_text(encoding="utf-8")
    # libyaml's loader where PyYAML was built with it: the same data, a sixth of the time of
    # the pure-Python one on every command that reads indicators
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return {int(e["id"]): e for e in yaml.load(text, Loader=loader)}  # noqa: S506 - a safe loader


REGISTRY: dict[str, Indicator] = {}


def register(ind: Indicator, *, replace_existing: bool = False) -> Indicator:
    if ind.id in REGISTRY and not replace_existing:
        raise IndicatorError(f"指标 {ind.id} 重复注册")
    REGISTRY[ind.id] = ind
    return ind


def indicator(
    id: str | int,
    *,
    family: str,
    method: str,
    window: str,
    catalogue_id: int | None = None,
    aggregate: str = "",
    **overrides,
) -> Callable[[Callable], Callable]:
    """Register a built-in indicator: catalogue facts of `catalogue_id` (default: `id`)
    plus the computing function and its 口径 text. `overrides` replace catalogue facts
    (used by the extra result ids such as "50e")."""

    def wrap(fn: Callable) -> Callable:
        cid = catalogue_id if catalogue_id is not None else int(id)
        facts = dict(catalogue()[cid])
        facts.update(overrides)
        bounds = facts.get("bounds")
        register(Indicator(
            id=str(id),
            name=str(facts["name"]),
            group=str(facts["group"]),
            family=family,
            freq=str(facts["freq"]),
            source=str(facts["source"]),
            basis=str(facts["basis"]),
            scope=str(facts["scope"]),
            unit=str(facts["unit"]),
            formula=str(facts.get("formula") or ""),
            note=str(facts.get("note") or ""),
            method=method.strip(),
            window=window,
            catalogue_id=cid,
            bounds=tuple(bounds) if bounds else None,
            parent=str(facts["parent"]) if facts.get("parent") is not None else None,
            sum_of=tuple(str(x) for x in facts.get("sum_of") or ()),
            heading=facts.get("basis") == "none",
            fn=fn,
            aggregate=aggregate,
        ))
        return fn

    return wrap


def heading(id: int, *, family: str) -> None:
    """A worksheet heading row (16, 19): registered for completeness, computes nothing."""
    facts = catalogue()[id]
    register(Indicator(
        id=str(id), name=facts["name"], group=facts["group"], family=family, freq=facts["freq"],
        source=facts["source"], basis="none", scope="region", unit="none", formula="",
        note=str(facts.get("note") or ""), method="标题行，无数值，不输出结果。", window="none",
        catalogue_id=id, heading=True, fn=None,
    ))


def load_builtin() -> dict[str, Indicator]:
    """Import the family modules (they register on import) and return the registry."""
    from . import fund, other, payment, service  # noqa: F401

    return REGISTRY


def load_indicators(settings) -> list[Indicator]:
    """The built-in indicators, then the region's own (地方特色指标, local.py), all registered in
    REGISTRY so that `get("L01")` finds a local indicator as it finds "37". The locals of an
    earlier call (another region, or the file before an edit) are replaced. A broken local file
    raises its DefinitionError here: every command that reads indicators (compute, check,
    detect, release create, export) loads them through this function, so it fails everywhere."""
    from .local import load_local_indicators

    load_builtin()
    for stale in [i for i, ind in REGISTRY.items() if ind.local]:
        del REGISTRY[stale]
    local = load_local_indicators(settings)
    for ind in local:
        if ind.id in REGISTRY:
            raise DefinitionError(f"地方特色指标 {ind.id} 与内置指标的编号重复",
                                  "地方特色指标请用 L01 之类的编号（docs/indicators.md“地方特色指标”）")
    for ind in local:
        register(ind)
    return builtin_indicators() + local


def get(id: str | int) -> Indicator:
    """An indicator by result id ("1", "41m", "CMI", ...; a local one such as "L01" once
    `load_indicators` has registered the region's file)."""
    load_builtin()
    try:
        return REGISTRY[str(id)]
    except KeyError:
        raise IndicatorError(f"未知指标编号：{id}") from None


def builtin_indicators() -> list[Indicator]:
    load_builtin()
    return sorted((i for i in REGISTRY.values() if not i.local), key=sort_key)


def sort_key(ind: Indicator) -> tuple:
    cid = ind.catalogue_id if ind.catalogue_id is not None else 10_000
    return (cid, len(ind.id), ind.id)


def with_scope(ind: Indicator, **changes) -> Indicator:
    return replace(ind, **changes)
