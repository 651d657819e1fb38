"""A month's stored runs outside any release, for the stand-alone 数据底稿 (`export worksheet`):
the results run, last year's, the matching 复核 report and the institution directory.

A release's documents never come through here: they read the bundle (frozen.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..checks import CheckReport, load_check_report, resolve_region
from ..checks.runner import NoResultsError
from ..config import Settings
from ..indicators.institutions import institution_directory
from ..indicators.results import load_results
from ..period import period_label, shift
from ..runs import latest_run, list_runs
from .institutions import Institution


@dataclass
class StoredMonth:
    admdvs: str
    period: str
    results: pa.Table
    results_run_id: str
    last_year: pa.Table | None
    last_year_run_id: str | None
    check_report: CheckReport | None
    institutions: dict[str, Institution] = field(default_factory=dict)


def stored_month(period: str, settings: Settings, *, admdvs: str | None = None, run_id: str | None = None,
                 with_institutions: bool = True) -> StoredMonth:
    """Results of the period (newest run or `run_id`), last year's, the newest check report."""
    workdir = Path(settings.workdir)
    region = resolve_region(settings, period, admdvs, purpose="生成数据底稿")
    table = load_results(workdir, region, period, run_id)
    if table is None:
        raise NoResultsError(f"统筹地区 {region} 没有{period_label(period)}的计算结果，无法生成数据底稿。",
                             f"请先运行 liangjiadi compute --period {period}")
    results_run_id = run_id or latest_run(workdir, "results", region, period)
    last_period = shift(period, -12)
    last_runs = list_runs(workdir, "results", region, last_period)
    institutions = {}
    if with_institutions:
        institutions = institution_directory(settings.model_copy(update={"region_admdvs": region}), period)
    return StoredMonth(
        admdvs=region, period=period, results=table, results_run_id=results_run_id,
        last_year=load_results(workdir, region, last_period) if last_runs else None,
        last_year_run_id=last_runs[-1] if last_runs else None,
        check_report=_matching_check_report(workdir, region, period, results_run_id),
        institutions=institutions)


def _matching_check_report(workdir: Path, admdvs: str, period: str, results_run_id: str) -> CheckReport | None:
    """The newest check report of this results run; else the newest of the period."""
    runs = list_runs(workdir, "checks", admdvs, period)
    for rid in reversed(runs):
        report = load_check_report(workdir, admdvs, period, rid)
        if report is not None and report.results_run_id == results_run_id:
            return report
    return load_check_report(workdir, admdvs, period) if runs else None
