"""The one Period type: a calendar month `YYYY-MM`, and the windows built from months.

Everything that parses, shifts or prints a month, or needs the months of a quarter, half-year or
year (the windows the seeds publish: 季度 / 半年 / 年度), uses this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ConfigError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_HALF = re.compile(r"^(\d{4})-[Hh]([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER_CN = {1: "一", 2: "二", 3: "三", 4: "四"}


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month. `str(p)` is `YYYY-MM`; ordering is chronological."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        if isinstance(text, Period):
            return text
        match = _MONTH.match(str(text).strip())
        if not match:
            raise ConfigError(f"期间格式不正确：{text}", "期间应为 YYYY-MM，例如 2025-03")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def shift(self, months: int) -> Period:
        idx = self.index + months
        return Period(idx // 12, idx % 12 + 1)

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    @property
    def half(self) -> int:
        return 1 if self.month <= 6 else 2

    @property
    def label(self) -> str:
        """Chinese label: 2025年3月."""
        return f"{self.year}年{self.month}月"

    def year_to_date(self) -> Window:
        return Window("year_to_date", str(self.year), Period(self.year, 1), self,
                      f"{self.year}年1-{self.month}月" if self.month > 1 else self.label)

    def quarter_window(self) -> Window:
        return Window.quarter(self.year, self.quarter)

    def half_window(self) -> Window:
        return Window.half(self.year, self.half)

    def half_to_date(self) -> list[str]:
        """The months of this month's half-year up to and including it (2025-08: 2025-07, 2025-08)."""
        return span(self.half_window().first, self)


@dataclass(frozen=True)
class Window:
    """A run of consecutive months: a month, quarter, half-year or year (or year to date)."""

    kind: str  # month | quarter | half | year | year_to_date
    key: str  # 2025-03 | 2025-Q1 | 2025-H1 | 2025
    first: Period
    last: Period
    label: str  # 2025年3月 | 2025年第一季度 | 2025年上半年 | 2025年度

    @classmethod
    def month(cls, period: str | Period) -> Window:
        p = Period.parse(period)
        return cls("month", str(p), p, p, p.label)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Window:
        return cls("quarter", f"{year}-Q{quarter}", Period(year, 3 * quarter - 2), Period(year, 3 * quarter),
                   f"{year}年第{_QUARTER_CN[quarter]}季度")

    @classmethod
    def half(cls, year: int, half: int) -> Window:
        return cls("half", f"{year}-H{half}", Period(year, 1 if half == 1 else 7), Period(year, 6 if half == 1 else 12),
                   f"{year}年{'上' if half == 1 else '下'}半年")

    @classmethod
    def year(cls, year: int) -> Window:
        return cls("year", str(year), Period(year, 1), Period(year, 12), f"{year}年度")

    @classmethod
    def parse(cls, text: str) -> Window:
        """`YYYY-MM`, `YYYY-Qn`, `YYYY-Hn` or `YYYY`."""
        text = str(text).strip()
        if _MONTH.match(text):
            return cls.month(text)
        if m := _QUARTER.match(text):
            return cls.quarter(int(m.group(1)), int(m.group(2)))
        if m := _HALF.match(text):
            return cls.half(int(m.group(1)), int(m.group(2)))
        if m := _YEAR.match(text):
            return cls.year(int(m.group(1)))
        raise ConfigError(f"期间格式不正确：{text}", "应为 YYYY-MM、YYYY-Qn、YYYY-Hn 或 YYYY，例如 2025-03、2025-Q1、2025")

    @property
    def months(self) -> list[Period]:
        return [self.first.shift(i) for i in range(self.last.index - self.first.index + 1)]

    @property
    def month_keys(self) -> list[str]:
        return [str(p) for p in self.months]

    def previous(self) -> Window:
        """The window of the same kind just before (2025-Q1 -> 2024-Q4)."""
        n = len(self.months)
        if self.kind == "year_to_date":
            return self.first.shift(-12).shift(n - 1).year_to_date()
        return Window.parse(_key_of(self.kind, self.first.shift(-n)))

    def same_last_year(self) -> Window:
        if self.kind == "year_to_date":
            return self.last.shift(-12).year_to_date()
        return Window.parse(_key_of(self.kind, self.first.shift(-12)))


def _key_of(kind: str, first: Period) -> str:
    if kind == "month":
        return str(first)
    if kind == "quarter":
        return f"{first.year}-Q{first.quarter}"
    if kind == "half":
        return f"{first.year}-H{first.half}"
    return str(first.year)


def span(first: str | Period, last: str | Period) -> list[str]:
    """Every month from `first` to `last`, both included, as `YYYY-MM` strings."""
    a, b = Period.parse(first), Period.parse(last)
    return [str(a.shift(i)) for i in range(b.index - a.index + 1)]


def shift(period: str | Period, months: int) -> str:
    """`YYYY-MM` shifted by `months` (negative: earlier), as a string."""
    return str(Period.parse(period).shift(months))


def period_label(key: str | Period) -> str:
    """The Chinese label of a month, quarter, half-year or year key (2025-03 -> 2025年3月,
    2025-Q1 -> 2025年第一季度); any other text is returned as it is."""
    try:
        return Window.parse(str(key)).label
    except ConfigError:
        return str(key)
