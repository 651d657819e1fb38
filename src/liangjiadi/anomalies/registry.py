"""The detector registry: one detector per pattern of spec/anomalies.md.

Detectors register with the `detector` decorator in their own module; each states its minimum
case count and how it chooses peers, so a report can say why a small hospital was not named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import DefinitionError
from .model import Finding


@dataclass(frozen=True)
class Detector:
    pattern: str
    name: str  # Chinese name, e.g. 高套病组
    description: str  # what it looks at and how it decides (Chinese, for docs/detection.md)
    min_cases: int  # below this case count nothing is flagged
    peers: str  # how peers are chosen (Chinese)
    compares: tuple[str, ...] = ("peers",)  # peers | last_year | last_month
    severity_rule: str = ""  # how high / medium / low are decided (Chinese, for docs/detection.md)
    fn: Callable[[Any], list[Finding]] | None = field(default=None, compare=False, repr=False)


DETECTORS: dict[str, Detector] = {}


def detector(pattern: str, *, name: str, description: str, min_cases: int, peers: str,
             compares: tuple[str, ...] = ("peers",), severity_rule: str = ""):
    def wrap(fn: Callable[[Any], list[Finding]]):
        if pattern in DETECTORS:
            raise DefinitionError(f"检测器 {pattern} 重复注册")
        DETECTORS[pattern] = Detector(pattern, name, description, min_cases, peers, compares, severity_rule, fn)
        return fn

    return wrap


def all_detectors() -> list[Detector]:
    from . import detectors  # noqa: F401 - importing registers the built-in detectors

    return [DETECTORS[k] for k in sorted(DETECTORS)]
