"""Everything the 数据底稿 workbook shows.

In a release it is built from the bundle (render.py); the stand-alone `export worksheet`
gathers a month's stored runs through releases/stored.py. Never settlement rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa

from ..checks import CheckReport
from ..checks.catalogue import Catalogue, IndicatorMeta, load_catalogue
from ..checks.frequency import is_publishable
from ..period import period_label, shift
from ..config import Settings
from ..releases.stored import stored_month
from .institutions import Institution


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
    period_label: str | None = None  # a quarterly or annual release: its window (2025年第四季度)
    notes: list[str] = field(default_factory=list)  # how the window's values are made (说明 sheet)
    last_year_label: str | None = None  # a window's: the same window a year earlier (2024年第四季度)
    halves: dict[str, str] = field(default_factory=dict)  # half-year indicators in a window: their half

    @property
    def region_label(self) -> str:
        return f"{self.region_name}（{self.admdvs}）" if self.region_name else f"统筹地区 {self.admdvs}"

    @property
    def period_cn(self) -> str:
        return self.period_label or period_label(self.period)

    @property
    def last_year_period(self) -> str:
        return shift(self.period, -12)

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
    with_institutions: bool = True,
    region_name: str | None = None,
    show_unpublished: bool = False,
) -> WorksheetData:
    """Results of the period (newest run or `run_id`), last year's, the newest check report."""
    month = stored_month(period, settings, admdvs=admdvs, run_id=run_id, with_institutions=with_institutions)
    return WorksheetData(
        admdvs=month.admdvs, period=period, catalogue=load_catalogue(settings), results=ResultIndex(month.results),
        results_run_id=month.results_run_id, last_year=ResultIndex(month.last_year),
        last_year_run_id=month.last_year_run_id, check_report=month.check_report,
        institutions=month.institutions, region_name=region_name or settings.region_name,
        show_unpublished=show_unpublished,
    )
