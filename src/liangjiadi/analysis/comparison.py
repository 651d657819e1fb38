"""比较分析: the same figure across periods, regions or categories, side by side.

`compare` is the pure core (two {key: value} mappings); the helpers read stored results:
across periods for the region or every institution, and across regions (every region whose
results are stored in the same work directory, e.g. a province's lake).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..indicators.results import load_results
from .common import Model, fnum, growth
from .series import period_results, pick


@dataclass(frozen=True)
class ComparisonItem(Model):
    key: str
    current: float | None
    reference: float | None
    difference: float | None  # current − reference
    change: float | None  # current / reference − 1
    vs_mean: float | None = None  # current / mean of all current values − 1 (偏离均值)


def compare(current: Mapping[str, object], reference: Mapping[str, object] | None = None) -> list[ComparisonItem]:
    """Each key's value against its reference value and against the mean of all current values."""
    reference = reference or {}
    keys = list(current) + [k for k in reference if k not in current]
    vals = [v for v in (fnum(current.get(k)) for k in keys) if v is not None]
    mean = sum(vals) / len(vals) if vals else None
    out = []
    for k in keys:
        c, r = fnum(current.get(k)), fnum(reference.get(k))
        out.append(ComparisonItem(
            str(k), c, r, c - r if c is not None and r is not None else None, growth(c, r),
            c / mean - 1 if c is not None and mean not in (None, 0) else None,
        ))
    return out


def compare_periods(settings: Settings, indicator_id: str, period: str, reference_period: str, *,
                    institutions: bool = False, engine=None) -> list[ComparisonItem]:
    """The region (key "region") or every institution in `period` against `reference_period`."""
    cur, _ = period_results(settings, period, [indicator_id], engine=engine)
    ref, _ = period_results(settings, reference_period, [indicator_id], engine=engine)
    if not institutions:
        a, b = pick(cur, indicator_id), pick(ref, indicator_id)
        return compare({"region": a["value"] if a else None}, {"region": b["value"] if b else None})
    return compare(_by_institution(cur, indicator_id), _by_institution(ref, indicator_id))


def _by_institution(table, indicator_id: str) -> dict[str, object]:
    if table is None:
        return {}
    return {r["fixmedins_code"]: r["value"] for r in table.to_pylist()
            if r["indicator_id"] == indicator_id and r["fixmedins_code"] is not None}


def compare_regions(workdir: Path, indicator_id: str, period: str, regions: Sequence[str], *,
                    reference_period: str | None = None) -> list[ComparisonItem]:
    """Regions' stored values of an indicator (region scope), optionally against another period."""
    def values(p: str) -> dict[str, object]:
        out = {}
        for reg in regions:
            row = pick(load_results(Path(workdir), reg, p), indicator_id)
            out[reg] = row["value"] if row else None
        return out

    return compare(values(period), values(reference_period) if reference_period else None)
