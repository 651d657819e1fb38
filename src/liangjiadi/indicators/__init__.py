"""The indicator catalogue (数据底稿) and its computation.

`compute(period, settings)` computes every registered indicator of a period into the long
results table (results.RESULT_SCHEMA). The registry holds the catalogue facts (catalogue.yaml,
a copy of shared/spec/indicators.yaml) and one function per indicator, registered by the family
modules fund (1-27, 46-51), payment (28-35), service (36-45), other (52-57), and local
indicators (地方特色指标) from YAML (local.py).
"""

from .compute import compute, resolve_region
from .registry import REGISTRY, Indicator, Row, builtin_indicators, catalogue, get, load_indicators

__all__ = ["compute", "resolve_region", "REGISTRY", "Indicator", "Row", "builtin_indicators", "catalogue", "get",
           "load_indicators"]
