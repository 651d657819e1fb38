"""Indicator metadata as the checks and reports need it — the one adapter to the catalogue.

The indicator registry (`liangjiadi.indicators.registry`) owns the catalogue. This module
reads it through what the registry exposes (`builtin_indicators()`, and `load_indicators(settings)`
for a region's own indicators) and, when the registry cannot be imported or exposes nothing
usable, falls back to parsing the catalogue YAML the indicators package ships. Every other
module of checks/ and reports/ asks `load_catalogue()` and never touches the registry directly.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

FREQ_CN = {
    "month": "月",
    "quarter": "季度",
    "half_year": "半年",
    "year": "年",
    "half_year_or_year": "半年/年",
}
BASIS_CN = {"cumulative": "累计", "period": "当期", "none": "-"}
SOURCE_CN = {
    "fund_report": "医保基金报表",
    "settlement": "统筹地区结算数据",
    "platform": "医保信息平台",
    "budget": "统筹地区预算数据",
    "external": "外部数据",
}
UNIT_CN = {
    "yuan": "元",
    "ratio": "比例",
    "count": "人次/例",
    "index": "指数",
    "per_mille_people": "张（个）/千人",
    "years": "岁",
    "per_mille": "‰",
    "per_100k": "/10万",
    "none": "-",
}

_NUMBERING = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]\s*|\d+\.\s*|其中[：:]\s*)+")


@dataclass(frozen=True)
class IndicatorMeta:
    """What checks and reports need to know about one indicator."""

    id: str
    name: str
    group: str = ""
    freq: str = "month"
    source: str = ""
    basis: str = "period"
    scope: str = "region"  # region | both | institution
    unit: str = "none"
    formula: str = ""
    note: str = ""
    bounds: tuple[float, float] | None = None
    parent: str | None = None
    sum_of: tuple[str, ...] = ()
    method: str = ""  # how the project computes it (口径 details), when the registry says
    window_rule: str = ""  # how a quarter/year value is made from months (indicators.registry.WINDOW_RULES)

    @property
    def is_heading(self) -> bool:
        """Rows such as 16 （一）职工医保 that only head the rows below them."""
        return self.unit == "none" and self.basis == "none"

    @property
    def per_institution(self) -> bool:
        """The '*' mark: published for every institution too."""
        return self.scope in ("both", "institution")

    @property
    def short_name(self) -> str:
        """The name without its worksheet numbering (（一）, 1., 其中：)."""
        return _NUMBERING.sub("", self.name) or self.name

    @property
    def label(self) -> str:
        return f"指标{self.id}（{self.short_name}）"


@dataclass
class Catalogue:
    """Indicators in worksheet order, keyed by their string id."""

    indicators: dict[str, IndicatorMeta] = field(default_factory=dict)
    source: str = ""  # where the metadata came from (registry | yaml path)

    def __iter__(self) -> Iterator[IndicatorMeta]:
        return iter(self.indicators.values())

    def __contains__(self, indicator_id: object) -> bool:
        return str(indicator_id) in self.indicators

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, indicator_id: str | int) -> IndicatorMeta | None:
        return self.indicators.get(str(indicator_id))

    def label(self, indicator_id: str | int) -> str:
        meta = self.get(indicator_id)
        return meta.label if meta else f"指标{indicator_id}"

    def parent_pairs(self) -> list[tuple[str, str]]:
        """(part, whole) pairs from the `parent` field."""
        return [(m.id, m.parent) for m in self if m.parent and m.parent in self.indicators]

    def sums(self) -> list[tuple[str, tuple[str, ...]]]:
        """(total, items) pairs from the `sum_of` field."""
        return [(m.id, m.sum_of) for m in self if m.sum_of]


# ---- reading -------------------------------------------------------------------------


def _pick(obj, *names, default=None):
    for name in names:
        if isinstance(obj, dict):
            if name in obj and obj[name] is not None:
                return obj[name]
        elif getattr(obj, name, None) is not None:
            return getattr(obj, name)
    return default


def _to_meta(obj) -> IndicatorMeta:
    bounds = _pick(obj, "bounds")
    parent = _pick(obj, "parent", "parent_id")
    sum_of = _pick(obj, "sum_of", default=()) or ()
    return IndicatorMeta(
        id=str(_pick(obj, "id", "indicator_id")),
        name=str(_pick(obj, "name", "name_cn", default="")),
        group=str(_pick(obj, "group", "group_cn", default="")),
        freq=str(_pick(obj, "freq", default="month")),
        source=str(_pick(obj, "source", default="")),
        basis=str(_pick(obj, "basis", default="period")),
        scope=str(_pick(obj, "scope", default="region")),
        unit=str(_pick(obj, "unit", default="none")),
        formula=str(_pick(obj, "formula", default="") or ""),
        note=str(_pick(obj, "note", default="") or ""),
        bounds=(float(bounds[0]), float(bounds[1])) if bounds else None,
        parent=str(parent) if parent not in (None, "") else None,
        sum_of=tuple(str(x) for x in sum_of),
        method=str(_pick(obj, "method", default="") or ""),
        window_rule=str(_pick(obj, "window_rule", default="") or ""),
    )


def catalogue_from_items(items: Iterable, source: str = "") -> Catalogue:
    metas = [_to_meta(item) for item in items]
    return Catalogue({m.id: m for m in metas}, source=source)


def catalogue_from_yaml(path: Path | str) -> Catalogue:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if isinstance(data, dict):  # tolerate {indicators: [...]}
        data = data.get("indicators", [])
    return catalogue_from_items(data, source=str(path))


def _from_registry() -> Catalogue | None:
    """The indicator registry, if part of the package exposes it; None otherwise."""
    for name in ("liangjiadi.indicators.registry", "liangjiadi.indicators"):
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a half-built registry must not break the checks
            continue
        found = _from_module(module)
        if found is not None:
            return found
    return None


def _from_module(module) -> Catalogue | None:
    for attr in ("builtin_indicators", "iter_indicators", "all_indicators", "list_indicators", "catalogue", "get_catalogue"):
        fn = getattr(module, attr, None)
        if callable(fn):
            try:
                items = list(fn())
            except Exception:  # noqa: BLE001
                continue
            if items:
                return _normalise_registry_items(items, f"{module.__name__}.{attr}()")
    for attr in ("REGISTRY", "registry", "CATALOGUE", "INDICATORS"):
        reg = getattr(module, attr, None)
        if reg is None:
            continue
        items = reg.values() if isinstance(reg, dict) else reg
        try:
            items = list(items)
        except TypeError:
            continue
        if items:
            return _normalise_registry_items(items, f"{module.__name__}.{attr}")
    return None


def _normalise_registry_items(items: list, source: str) -> Catalogue | None:
    try:
        cat = catalogue_from_items(items, source=source)
    except Exception:  # noqa: BLE001 - unknown shape: use the YAML instead
        return None
    return cat if len(cat) and all(m.name for m in cat) else None


def _packaged_yaml() -> Path:
    """The catalogue YAML the indicators package ships (a copy of shared/spec/indicators.yaml)."""
    return Path(str(resources.files("liangjiadi.indicators") / "catalogue.yaml"))


@lru_cache(maxsize=1)
def _builtin_catalogue() -> Catalogue:
    return _from_registry() or catalogue_from_yaml(_packaged_yaml())


def _with_local_indicators(settings) -> Catalogue | None:
    """Built-in plus the region's own indicators (地方特色指标), as the registry lists them."""
    try:
        registry = importlib.import_module("liangjiadi.indicators.registry")
    except ImportError:  # no registry yet: built-ins only
        return None
    # a broken local file raises its DefinitionError here, as in compute (never built-ins only)
    items = sorted(registry.load_indicators(settings), key=registry.sort_key)
    return _normalise_registry_items(items, "liangjiadi.indicators.registry.load_indicators()")


def load_catalogue(settings=None) -> Catalogue:
    """The indicator catalogue: the registry if it is there, else the packaged YAML.

    With `settings`, the region's local indicators are included (when the registry has them).
    """
    if settings is not None:
        found = _with_local_indicators(settings)
        if found is not None:
            return found
    return _builtin_catalogue()
