"""结构分析: the shares of the parts of a whole and how they drift between two periods.

Examples: fund expense by level (三级/二级/一级及以下) or by direction (住院/门诊/门慢特病),
the severity subgroups of an ADRG, the sub-codes of a diagnosis category. Amounts stay exact
(Decimal); shares are floats; a drift is the change of a share in percentage points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .common import Model, fnum, growth, money_sum


@dataclass(frozen=True)
class StructureItem(Model):
    key: str
    label: str
    amount: Decimal
    share: float | None


@dataclass(frozen=True)
class Structure(Model):
    total: Decimal
    items: list[StructureItem] = field(default_factory=list)

    def item(self, key: str) -> StructureItem | None:
        return next((i for i in self.items if i.key == key), None)


@dataclass(frozen=True)
class DriftItem(Model):
    key: str
    label: str
    before: Decimal
    after: Decimal
    before_share: float | None
    after_share: float | None
    change_pp: float | None  # (after share − before share) × 100, percentage points
    growth: float | None  # after / before − 1


@dataclass(frozen=True)
class StructureDrift(Model):
    before_total: Decimal
    after_total: Decimal
    items: list[DriftItem] = field(default_factory=list)

    @property
    def largest_shift(self) -> DriftItem | None:
        moved = [i for i in self.items if i.change_pp is not None]
        return max(moved, key=lambda i: abs(i.change_pp)) if moved else None

    def item(self, key: str) -> DriftItem | None:
        return next((i for i in self.items if i.key == key), None)


def _dec(v) -> Decimal:
    if v is None:
        return Decimal(0)
    return v if isinstance(v, Decimal) else Decimal(str(v))


def _keys(order: Sequence[str] | None, *maps: Mapping) -> list[str]:
    keys = list(order or [])
    for m in maps:
        for k in sorted(m, key=str):
            if k not in keys:
                keys.append(k)
    return keys


def structure(parts: Mapping[str, object], *, labels: Mapping[str, str] | None = None,
              order: Sequence[str] | None = None) -> Structure:
    """Shares of each part in the sum of the parts."""
    total = money_sum(_dec(v) for v in parts.values())
    items = [StructureItem(k, (labels or {}).get(k, k), _dec(parts.get(k)),
                           fnum(_dec(parts.get(k)) / total) if total else None)
             for k in _keys(order, parts)]
    return Structure(total, items)


def structure_drift(before: Mapping[str, object], after: Mapping[str, object], *,
                    labels: Mapping[str, str] | None = None, order: Sequence[str] | None = None) -> StructureDrift:
    """The shares of two periods side by side; parts absent in one period count 0 there."""
    b, a = structure(before), structure(after)
    items = []
    for k in _keys(order, before, after):
        bi, ai = b.item(k), a.item(k)
        bs = bi.share if bi else (0.0 if b.total else None)
        as_ = ai.share if ai else (0.0 if a.total else None)
        items.append(DriftItem(
            k, (labels or {}).get(k, k), bi.amount if bi else Decimal(0), ai.amount if ai else Decimal(0),
            bs, as_, (as_ - bs) * 100 if bs is not None and as_ is not None else None,
            growth(ai.amount if ai else 0, bi.amount if bi else 0),
        ))
    return StructureDrift(b.total, a.total, items)
