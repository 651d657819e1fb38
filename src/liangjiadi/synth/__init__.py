"""Synthetic region generator with a ground truth of injected anomalies and data faults.

    from liangjiadi.synth import SynthConfig, generate
    summary = generate(SynthConfig(scale=0.01, months=24), "demo-data")

Test and demo tooling only: production code must not import it (see spec/design.md).
"""

from .anomalies import PATTERNS
from .config import SynthConfig
from .generator import Summary, generate

__all__ = ["PATTERNS", "Summary", "SynthConfig", "generate"]
