"""复核 (seeds/001 §六(三)): declarative rules with thresholds, notes and reason codes.

    report = run_checks("2025-03", settings)        # every rule, every failure collected
    report.status                                   # fail if any rule failed
    load_check_report(workdir, "140400", "2025-03") # the newest stored report
    publishable_ids("2025-03")                      # what may be published this period
"""

from .catalogue import Catalogue, IndicatorMeta, load_catalogue
from .frequency import is_publishable, publishable_ids
from .model import CHECK_SCHEMA, CheckSpec, Param, Severity, Status
from .registry import builtin_checks, check, load_checks, template
from .report import CheckReport, load_check_report
from .runner import NoResultsError, RegionUnknownError, resolve_region, run_checks

__all__ = [
    "CHECK_SCHEMA", "Catalogue", "CheckReport", "CheckSpec", "IndicatorMeta", "NoResultsError", "Param",
    "RegionUnknownError", "Severity", "Status", "builtin_checks", "check", "is_publishable",
    "load_catalogue", "load_check_report", "load_checks", "publishable_ids",
    "resolve_region", "run_checks", "template",
]
