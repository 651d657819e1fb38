"""趋势分析: an indicator over time with 环比 (MoM) and 同比 (YoY).

环比 = v(P) / v(P−1) − 1; 同比 = v(P) / v(P−12) − 1. For indicators with 口径 累计 (year-to-date)
the month-on-month change of the cumulative figure mixes months, so each point also carries the
month's own amount (`month_flow` = v(P) − v(P−1), January = v(January)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..config import Settings
from ..period import shift, span
from .common import Model, fnum, growth
from .series import indicator_series

# A series whose fitted slope moves less than this share of its mean per month is 平稳.
FLAT_SLOPE_PER_MONTH = 0.005


@dataclass(frozen=True)
class TrendPoint(Model):
    period: str
    value: float | None
    mom: float | None = None  # 环比
    yoy: float | None = None  # 同比
    month_flow: float | None = None  # only for cumulative indicators
    note: str | None = None


@dataclass(frozen=True)
class Trend(Model):
    indicator_id: str
    name: str
    unit: str
    basis: str
    fixmedins_code: str | None
    points: list[TrendPoint] = field(default_factory=list)
    direction: str = "数据不足"  # 上升 / 下降 / 平稳 / 数据不足
    slope_per_month: float | None = None  # relative to the mean of the series

    @property
    def latest(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None


def mom(values: Mapping[str, object], period: str) -> float | None:
    return growth(values.get(period), values.get(shift(period, -1)))


def yoy(values: Mapping[str, object], period: str) -> float | None:
    return growth(values.get(period), values.get(shift(period, -12)))


def direction(values: Sequence[float | None]) -> tuple[str, float | None]:
    """Least-squares slope over the points with a value, relative to their mean."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(pts) < 3:
        return "数据不足", None
    x = np.array([p[0] for p in pts], dtype=float)
    y = np.array([p[1] for p in pts], dtype=float)
    mean = float(np.mean(np.abs(y)))
    if mean == 0:
        return "平稳", 0.0
    slope = float(np.polyfit(x, y, 1)[0]) / mean
    if slope > FLAT_SLOPE_PER_MONTH:
        return "上升", slope
    if slope < -FLAT_SLOPE_PER_MONTH:
        return "下降", slope
    return "平稳", slope


def build_points(values: Mapping[str, object], periods: Sequence[str], *, cumulative: bool = False,
                 notes: Mapping[str, str | None] | None = None) -> list[TrendPoint]:
    """Trend points for `periods` from a {period: value} mapping that may reach further back
    (the 12 earlier months are needed for 同比)."""
    out = []
    for p in periods:
        v = fnum(values.get(p))
        flow = None
        if cumulative and v is not None:
            prev = fnum(values.get(shift(p, -1)))
            flow = v if p.endswith("-01") else (v - prev if prev is not None else None)
        out.append(TrendPoint(p, v, mom(values, p), yoy(values, p), flow, (notes or {}).get(p)))
    return out


def series_trend(indicator_id: str, values: Mapping[str, object], periods: Sequence[str], *, name: str = "",
                 unit: str = "", basis: str = "period", fixmedins_code: str | None = None,
                 notes: Mapping[str, str | None] | None = None) -> Trend:
    """A trend from values already at hand (hand-built data, another analysis)."""
    points = build_points(values, periods, cumulative=basis == "cumulative", notes=notes)
    d, slope = direction([p.value for p in points])
    return Trend(indicator_id, name, unit, basis, fixmedins_code, points, d, slope)


def trend(settings: Settings, indicator_id: str, period: str, months: int = 13, *,
          fixmedins_code: str | None = None, with_yoy: bool = True, engine=None,
          compute_missing: bool = True) -> Trend:
    """The last `months` periods up to `period` of one indicator, for the region or an
    institution, with 环比 and (when `with_yoy`) 同比 — which reads 12 more months back."""
    from ..period import Period
    from .series import indicator_meta

    Period.parse(period)
    ind = indicator_meta(settings, indicator_id)
    shown = span(shift(period, -(months - 1)), period)
    first = shift(shown[0], -12 if with_yoy else -1)
    pts = indicator_series(settings, indicator_id, span(first, period), fixmedins_code=fixmedins_code,
                           engine=engine, compute_missing=compute_missing)
    values = {p.period: p.value for p in pts}
    notes = {p.period: p.note for p in pts}
    return series_trend(indicator_id, values, shown, name=ind.name, unit=ind.unit, basis=ind.basis,
                        fixmedins_code=fixmedins_code, notes=notes)
