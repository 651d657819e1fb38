"""Everything the 数据底稿 workbook shows, gathered from stored results and check reports.

Only stored results, stored check reports, the indicator metadata and the institution
directory (names and levels) are read here — never settlement rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from ..checks import CheckReport, list_check_runs, load_check_report, resolve_region
from ..checks.catalogue import Catalogue, IndicatorMeta, load_catalogue
from ..checks.frequency import is_publishable
from ..checks.periods import period_cn, same_period_last_year
from ..checks.runner import NoResultsError
from ..config import Settings
from ..indicators.results import list_runs, load_results
from .institutions import Institution, institution_directory


@dataclass(frozen=True)
class Value:
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str | None = None


class ResultIndex:
    """A results table keyed by (indicator_id, fixmedins_code or None)."""

    def __init__(self, table: pa.Table | None):
        self._values: dict[tuple[str, str | None], Value] = {}
        self._institutions: dict[str, set[str]] = {}
        if table is None:
            return
        for r in table.select(["indicator_id", "scope", "fixmedins_code", "value", "numerator",
                               "denominator", "note"]).to_pylist():
            code = r["fixmedins_code"] if r["scope"] != "region" else None
            key = (str(r["indicator_id"]), code)
            self._values[key] = Value(r["value"], r["numerator"], r["denominator"], r["note"])
            if code:
                self._institutions.setdefault(key[0], set()).add(code)

    def __bool__(self) -> bool:
        return bool(self._values)

    def get(self, indicator_id: str, code: str | None = None) -> Value | None:
        return self._values.get((indicator_id, code))

    def has(self, indicator_id: str) -> bool:
        return (indicator_id, None) in self._values or indicator_id in self._institutions

    def institutions_of(self, indicator_id: str) -> set[str]:
        return self._institutions.get(indicator_id, set())


@dataclass
class WorksheetData:
    admdvs: str
    period: str
    catalogue: Catalogue
    results: ResultIndex
    results_run_id: str | None
    last_year: ResultIndex = field(default_factory=lambda: ResultIndex(None))
    last_year_run_id: str | None = None
    check_report: CheckReport | None = None
    institutions: dict[str, Institution] = field(default_factory=dict)
    region_name: str | None = None
    show_unpublished: bool = False

    @property
    def region_label(self) -> str:
        return f"{self.region_name}（{self.admdvs}）" if self.region_name else f"统筹地区 {self.admdvs}"

    @property
    def period_cn(self) -> str:
        return period_cn(self.period)

    @property
    def last_year_period(self) -> str:
        return same_period_last_year(self.period)

    def due(self, meta: IndicatorMeta) -> bool:
        return is_publishable(meta.freq, self.period)

    def shown(self, meta: IndicatorMeta) -> bool:
        """Whether the indicator's values are printed this period."""
        return self.show_unpublished or self.due(meta)

    def main_rows(self) -> list[IndicatorMeta]:
        """Worksheet rows: 1-49 always (the official table), other ids where computed."""
        return [m for m in self.catalogue
                if (m.id.isdigit() and int(m.id) <= 49) or self.results.has(m.id)]

    def institution(self, code: str) -> Institution:
        return self.institutions.get(code) or Institution(code, "（定点机构表中无此编码）", None)


def load_worksheet_data(
    period: str,
    settings: Settings,
    *,
    admdvs: str | None = None,
    run_id: str | None = None,
    institution_lookup: Callable[[Settings, str], dict[str, Institution]] | None = institution_directory,
    region_name: str | None = None,
    show_unpublished: bool = False,
) -> WorksheetData:
    """Results of the period (newest run or `run_id`), last year's, the newest check report."""
    workdir = Path(settings.workdir)
    region = resolve_region(settings, period, admdvs, purpose="生成数据底稿")
    table = load_results(workdir, region, period, run_id)
    if table is None:
        raise NoResultsError(f"统筹地区 {region} 没有{period_cn(period)}的计算结果，无法生成数据底稿。",
                             f"请先运行 liangjiadi compute --period {period}")
    results_run_id = run_id or list_runs(workdir, region, period)[-1]
    last_period = same_period_last_year(period)
    last_runs = list_runs(workdir, region, last_period)
    last_table = load_results(workdir, region, last_period) if last_runs else None
    return WorksheetData(
        admdvs=region, period=period, catalogue=load_catalogue(settings), results=ResultIndex(table),
        results_run_id=results_run_id, last_year=ResultIndex(last_table),
        last_year_run_id=last_runs[-1] if last_runs else None,
        check_report=_matching_check_report(workdir, region, period, results_run_id),
        institutions=institution_lookup(settings, period) if institution_lookup else {},
        region_name=region_name, show_unpublished=show_unpublished,
    )


def _matching_check_report(workdir: Path, admdvs: str, period: str, results_run_id: str) -> CheckReport | None:
    """The newest check report of this results run; else the newest of the period."""
    runs = list_check_runs(workdir, admdvs, period)
    for rid in reversed(runs):
        report = load_check_report(workdir, admdvs, period, rid)
        if report is not None and report.results_run_id == results_run_id:
            return report
    return load_check_report(workdir, admdvs, period) if runs else None
