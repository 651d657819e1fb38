"""跟踪核心指标: a list of key indicators followed month by month, flagged when they leave a band.

A band is absolute (lower/upper, e.g. 质控通过率 ≥ 90%) or relative to the indicator's own
history (mean ± k × standard deviation of the earlier points of the window, at least 6 of them).
The default list takes its bands from spec/calibration.md ("plausible ranges for a region").
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..config import Settings
from ..period import shift, span
from .common import Model, fnum
from .series import SeriesPoint, multi_series

MIN_HISTORY = 6


@dataclass(frozen=True)
class TrackedIndicator(Model):
    indicator_id: str
    lower: float | None = None
    upper: float | None = None
    k_sigma: float | None = None  # relative band from the indicator's own history
    note: str = ""


DEFAULT_TRACKED: tuple[TrackedIndicator, ...] = (
    TrackedIndicator("29", lower=0.90, upper=1.0, note="结算清单质控通过率常见 90%-99%"),
    TrackedIndicator("45", lower=0.03, upper=0.10, note="医保外费用占比常见 3%-10%"),
    TrackedIndicator("40", lower=15, upper=30, note="门诊住院人次比常见 15-30 : 1，过低提示“拉人头”住院"),
    TrackedIndicator("37", k_sigma=2.0, note="次均住院费用：偏离近期均值 2 个标准差"),
    TrackedIndicator("39", k_sigma=2.0, note="出院人次：偏离近期均值 2 个标准差"),
    TrackedIndicator("48", lower=0, note="职工医保12个月动态结余为负即收不抵支"),
    TrackedIndicator("49", lower=0, note="居民医保12个月动态结余为负即收不抵支"),
)


@dataclass(frozen=True)
class TrackFlag(Model):
    period: str
    value: float
    side: str  # below | above
    limit: float
    message: str


@dataclass(frozen=True)
class TrackPoint(Model):
    period: str
    value: float | None


@dataclass(frozen=True)
class TrackedSeries(Model):
    indicator_id: str
    name: str
    spec: TrackedIndicator
    points: list[TrackPoint] = field(default_factory=list)
    flags: list[TrackFlag] = field(default_factory=list)

    @property
    def latest_out_of_band(self) -> bool:
        return bool(self.flags) and bool(self.points) and self.flags[-1].period == self.points[-1].period


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def track_series(spec: TrackedIndicator, points: Sequence[tuple[str, object]], name: str = "") -> TrackedSeries:
    """Flags of one series against its band (pure)."""
    pts = [(p, fnum(v)) for p, v in points]
    flags: list[TrackFlag] = []
    label = name or spec.indicator_id
    for i, (p, v) in enumerate(pts):
        if v is None:
            continue
        lo, hi = spec.lower, spec.upper
        if spec.k_sigma is not None:
            hist = [x for _, x in pts[:i] if x is not None]
            if len(hist) < MIN_HISTORY:
                continue
            mean, sd = statistics.fmean(hist), statistics.pstdev(hist)
            lo, hi = mean - spec.k_sigma * sd, mean + spec.k_sigma * sd
        if lo is not None and v < lo:
            flags.append(TrackFlag(p, v, "below", lo, f"{label} {_fmt(v)} 低于区间下限 {_fmt(lo)}"))
        elif hi is not None and v > hi:
            flags.append(TrackFlag(p, v, "above", hi, f"{label} {_fmt(v)} 高于区间上限 {_fmt(hi)}"))
    return TrackedSeries(spec.indicator_id, name, spec, [TrackPoint(p, v) for p, v in pts], flags)


def track(settings: Settings, period: str, months: int = 12, *, tracked: Sequence[TrackedIndicator] = DEFAULT_TRACKED,
          fixmedins_code: str | None = None, engine=None, compute_missing: bool = True) -> list[TrackedSeries]:
    """Each tracked indicator over the `months` periods up to `period` with its flags."""
    from ..period import Period
    from .series import indicator_meta

    Period.parse(period)
    periods = span(shift(period, -(months - 1)), period)
    ids = [t.indicator_id for t in tracked]
    series: dict[str, list[SeriesPoint]] = multi_series(settings, ids, periods, fixmedins_code=fixmedins_code,
                                                        engine=engine, compute_missing=compute_missing)
    return [track_series(t, [(p.period, p.value) for p in series[t.indicator_id]], indicator_meta(settings, t.indicator_id).name)
            for t in tracked]
