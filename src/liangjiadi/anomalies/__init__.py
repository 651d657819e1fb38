"""聚焦“错”: one detector per pattern of spec/anomalies.md, findings with evidence."""

from .model import FINDINGS_SCHEMA, Finding, findings_table
from .registry import DETECTORS, Detector, all_detectors, detector
from .runner import detect, load_findings

__all__ = ["FINDINGS_SCHEMA", "Finding", "findings_table", "DETECTORS", "Detector", "all_detectors",
           "detector", "detect", "load_findings"]
