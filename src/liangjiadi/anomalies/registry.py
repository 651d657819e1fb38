"""The detector registry: one detector per pattern of spec/anomalies.md.

Detectors register with the `detector` decorator in their own module; each states its minimum
case count and how it chooses peers, so a report can say why a small hospital was not named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..checks.model import Param
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
    # Thresholds a region may change in detectors.yaml (name -> Param with its default and why);
    # the detector reads the values in force with ctx.params(pattern).
    params: dict[str, Param] = field(default_factory=dict, compare=False, repr=False)
    values: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # overrides in force
    enabled: bool = True
    origin: str = "内置"  # 内置, or the file a region's own detector was declared in

    def param_values(self) -> dict[str, Any]:
        return {k: self.values.get(k, p.default) for k, p in self.params.items()}

    def with_overrides(self, params: dict | None = None, enabled: bool | None = None) -> Detector:
        return replace(self, values={**self.values, **(params or {})},
                       enabled=self.enabled if enabled is None else bool(enabled))


DETECTORS: dict[str, Detector] = {}


def detector(pattern: str, *, name: str, description: str, min_cases: int, peers: str,
             compares: tuple[str, ...] = ("peers",), severity_rule: str = "",
             params: dict[str, Param] | None = None):
    def wrap(fn: Callable[[Any], list[Finding]]):
        register(Detector(pattern, name, description, min_cases, peers, compares, severity_rule, fn,
                          params=dict(params or {})))
        return fn

    return wrap


def register(det: Detector, registry: dict[str, Detector] | None = None) -> Detector:
    """Add a detector (built-in, or a region's own from detectors.yaml) to a registry."""
    registry = DETECTORS if registry is None else registry
    if det.pattern in registry:
        raise DefinitionError(f"检测器 {det.pattern} 重复注册")
    registry[det.pattern] = det
    return det


def all_detectors() -> list[Detector]:
    from . import detectors  # noqa: F401 - importing registers the built-in detectors

    return [DETECTORS[k] for k in sorted(DETECTORS)]
