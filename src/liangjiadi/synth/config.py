"""Options of the synthetic region generator and the calendar derived from them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..errors import ConfigError
from ..period import Period, shift, span

FORMATS = ("csv", "parquet", "xlsx")
ENCODINGS = ("utf-8", "gbk")
SCHEMES = ("drg", "dip")  # payment scheme of the settlement lists: DRG groups or DIP 病种

# scale = 1.0 is a city of about this many insured persons.
INSURED_PER_SCALE = 1_000_000


@dataclass(frozen=True)
class SynthConfig:
    region: str = "140400"
    region_name: str = "示例市"
    scale: float = 0.01
    months: int = 24
    end_month: str = "2025-12"
    seed: int = 20251
    fmt: str = "csv"
    encoding: str = "utf-8"
    anomalies: bool = True
    faults: bool = True
    effect: float = 1.0  # multiplier applied to every anomaly's effect size
    # per-pattern overrides of the effect multiplier, e.g. {"upcoding_severity": 0.5}
    pattern_effects: dict[str, float] = field(default_factory=dict)
    block_rows: int = 250_000  # rows generated and written at a time
    scheme: str = "drg"
    # fewest tertiary hospitals generated (secondary and primary already have at least 10): the
    # demo asks for 7, so every hospital's push can be benchmarked against five or more peers
    min_tertiary: int = 4
    # institutions injected with each institution-level pattern (one institution, one pattern):
    # a measurement grid gets K injections per pattern from one region; the region-level
    # pattern (hospitalization_rate) stays one per region. 1 = the demo's single injection.
    injections_per_pattern: int = 1
    # only these patterns are injected (empty: all). A region-level pattern measured on its own
    # (hospitalization_rate: one injection per region) needs many small regions, not large ones.
    patterns: tuple[str, ...] = ()

    def __post_init__(self):
        if not re.fullmatch(r"\d{6}", self.region):
            raise ConfigError(f"区划代码须为 6 位数字：{self.region}")
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", self.end_month):
            raise ConfigError(f"截止月份格式应为 YYYY-MM：{self.end_month}")
        if self.months < 1 or self.months > 240:
            raise ConfigError(f"月份数须在 1-240 之间：{self.months}")
        if not (0.0005 <= self.scale <= 100):
            raise ConfigError(f"规模须在 0.0005-100 之间：{self.scale}")
        if self.fmt not in FORMATS:
            raise ConfigError(f"输出格式须为 {'/'.join(FORMATS)}：{self.fmt}")
        if self.encoding.lower() not in ENCODINGS:
            raise ConfigError(f"编码须为 {'/'.join(ENCODINGS)}：{self.encoding}")
        if self.fmt == "xlsx" and self.scale > 0.5:
            raise ConfigError(f"规模 {self.scale} 过大，不适合 xlsx 输出",
                              "xlsx 每个工作表最多 1,048,576 行，规模大于 0.5 时请用 --format csv 或 parquet")
        if self.scheme not in SCHEMES:
            raise ConfigError(f"付费方式须为 {'/'.join(SCHEMES)}：{self.scheme}")
        if self.effect < 0:
            raise ConfigError("效应倍数不能为负")
        if self.patterns:
            from .anomalies import PATTERNS

            unknown = [x for x in self.patterns if x not in PATTERNS]
            if unknown:
                raise ConfigError(f"未知的异常模式：{'、'.join(unknown)}", f"可选：{'、'.join(PATTERNS)}")
        if not (1 <= self.injections_per_pattern <= 50):
            raise ConfigError(f"每个模式注入的机构数须在 1-50 之间：{self.injections_per_pattern}")

    # ---- calendar -------------------------------------------------------------------

    @property
    def periods(self) -> list[str]:
        """The generated months, oldest first, as YYYY-MM."""
        return span(shift(self.end_month, -(self.months - 1)), self.end_month)

    @property
    def baseline_periods(self) -> list[str]:
        """Comparison periods of the anomalies: the 12 months before the affected ones (with
        24 months or more, so a 36-month history compares the last year with the one before),
        else the first half."""
        p = self.periods
        if len(p) >= 24:
            return p[-24:-12]
        return p[: len(p) // 2]

    @property
    def affected_periods(self) -> list[str]:
        """Periods where time-bound anomalies act: the last 12 months (or the second half)."""
        p = self.periods
        n = 12 if len(p) >= 24 else len(p) - len(p) // 2
        return p[-n:]

    def pattern_effect(self, pattern: str) -> float:
        return float(self.pattern_effects.get(pattern, self.effect))

    @property
    def insured(self) -> int:
        return max(2000, int(round(INSURED_PER_SCALE * self.scale)))


def month_start(period: str) -> date:
    p = Period.parse(period)
    return date(p.year, p.month, 1)


def days_in_month(period: str) -> int:
    return (month_start(shift(period, 1)) - month_start(period)).days
