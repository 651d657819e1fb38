"""Period arithmetic on `YYYY-MM` strings and the Chinese way of printing them."""

from __future__ import annotations

import re

from ..errors import ConfigError

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(period: str) -> tuple[int, int]:
    match = _PERIOD.match(str(period))
    if not match:
        raise ConfigError(f"期间格式不正确：{period}", "期间应为 YYYY-MM，例如 2025-03")
    return int(match.group(1)), int(match.group(2))


def shift_period(period: str, months: int) -> str:
    year, month = parse_period(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous_period(period: str) -> str:
    return shift_period(period, -1)


def same_period_last_year(period: str) -> str:
    return shift_period(period, -12)


def year_start(period: str) -> str:
    """January of the period's year: where cumulative (累计) figures start."""
    return f"{parse_period(period)[0]:04d}-01"


def period_cn(period: str) -> str:
    year, month = parse_period(period)
    return f"{year}年{month}月"
