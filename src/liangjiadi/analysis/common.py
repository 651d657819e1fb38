"""Shared pieces of the analysis package: plain data models, small statistics, engine handling
and the institutions as of a period.

Every analysis result is a dataclass deriving from `Model`: `to_dict()` gives plain Python
(Decimal money stays Decimal), `to_arrow(rows)` a table, so report renderers consume data only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa

from ..config import Settings
from ..errors import LjdError
from ..schema.institution import Institution


class AnalysisError(LjdError):
    code = "LJD-ANALYSIS"


# ---- plain data models ---------------------------------------------------------------------


def to_dict(obj):
    """Dataclasses (nested), lists, tuples and dicts -> plain Python; Decimal kept as it is."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, Mapping):
        return {k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    return obj


class Model:
    """Mixin of every analysis dataclass."""

    def to_dict(self) -> dict:
        return to_dict(self)


def to_arrow(rows: Iterable[Model]) -> pa.Table:
    """Flat dataclass rows as an Arrow table (nested fields become structs/lists)."""
    return pa.Table.from_pylist([to_dict(r) for r in rows])


# ---- numbers -------------------------------------------------------------------------------


def fnum(x) -> float | None:
    """A float for analysis ratios; None stays None."""
    if x is None:
        return None
    v = float(x)
    return None if math.isnan(v) else v


def growth(current, previous) -> float | None:
    """current / previous − 1; None when either is missing or previous is 0."""
    c, p = fnum(current), fnum(previous)
    if c is None or p is None or p == 0:
        return None
    return c / p - 1


def share(part, whole) -> float | None:
    p, w = fnum(part), fnum(whole)
    if p is None or w is None or w == 0:
        return None
    return p / w


def clean(values: Iterable) -> list[float]:
    return [v for v in (fnum(x) for x in values) if v is not None]


def quantile(values: Sequence, q: float) -> float | None:
    """Linear interpolation between order statistics (numpy's default, Hyndman-Fan type 7)."""
    arr = clean(values)
    if not arr:
        return None
    return float(np.quantile(np.asarray(arr, dtype=float), q))


def median(values: Sequence) -> float | None:
    return quantile(values, 0.5)


def percentile_rank(value, peers: Sequence) -> float | None:
    """Position of `value` among `peers` in percent, 0-100, mid-rank for ties:
    (peers below + ½ peers equal) / n × 100."""
    v = fnum(value)
    arr = clean(peers)
    if v is None or not arr:
        return None
    below = sum(1 for p in arr if p < v)
    equal = sum(1 for p in arr if p == v)
    return (below + 0.5 * equal) / len(arr) * 100


def money_sum(values: Iterable) -> Decimal:
    return sum((Decimal(v) if not isinstance(v, Decimal) else v for v in values if v is not None), Decimal(0))


# ---- engine and region ---------------------------------------------------------------------


@contextmanager
def engine_for(settings: Settings, engine=None) -> Iterator[object]:
    """The caller's engine, or one opened (and closed) for this analysis."""
    if engine is not None:
        yield engine
        return
    from ..engine import open_engine

    own = open_engine(settings)
    try:
        yield own
    finally:
        own.close()


def region_of(settings: Settings) -> str:
    from ..indicators import resolve_region

    return resolve_region(settings)


# ---- institutions as of a period (indicators/institutions.py) -----------------------------------


def level_of(insts: Mapping[str, Institution], code: str | None) -> str:
    from ..schema import level_group

    inst = insts.get(code or "")
    return inst.level_group if inst else level_group(None)
