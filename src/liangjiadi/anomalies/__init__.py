"""聚焦“错”: one detector per pattern of spec/anomalies.md, findings with evidence."""

from .coverage import Coverage, NotEvaluated, load_coverage, not_evaluated_line
from .merging import merge_findings
from .model import FINDINGS_SCHEMA, Finding, findings_table, row_patterns
from .registry import DETECTORS, Detector, all_detectors, detector
from .runner import DetectionRun, detect, load_findings, run_detection

__all__ = ["FINDINGS_SCHEMA", "Finding", "findings_table", "row_patterns", "DETECTORS", "Detector",
           "all_detectors", "detector", "detect", "run_detection", "DetectionRun", "load_findings",
           "Coverage", "NotEvaluated", "load_coverage", "not_evaluated_line", "merge_findings"]
