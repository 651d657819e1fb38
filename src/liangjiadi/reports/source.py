"""What a report may read: one release's frozen data, and earlier stored results for history.

The rule (docs/reports.md “数据来源”):
- figures of the release period come only from the release bundle (`frozen_content`):
  frozen results, check report and findings;
- history (同比, trends, the fund forecast) comes from earlier periods' *stored* results,
  read through `analysis.series.multi_series(..., compute_missing=False)` — never computed on
  the fly, never from settlement rows; a month never computed is simply absent;
- the institution directory (names and levels as of the period) from `institutions.py`.
Nothing here opens the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import pyarrow as pa

from ..checks.catalogue import IndicatorMeta, load_catalogue
from ..config import Settings
from ..indicators.context import shift, span
from ..releases import KIND_CN, Release, frozen_content, get_release, parse_period
from .feedback import Feedback, load_feedback, previous_period_key
from .institutions import Institution, institution_directory
from .models import ReportMeta

CHECK_STATUS_CN = {"pass": "通过", "warn": "提示", "fail": "不通过", "error": "检查出错", "n/a": "不适用",
                   "na": "不适用", "not_applicable": "不适用"}


def _num(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return float(value)


@dataclass
class ReleaseSource:
    release: Release
    settings: Settings
    results: pa.Table
    check_report: pa.Table
    findings: pa.Table
    publishable_ids: list[str]
    institutions: dict[str, Institution]
    region_name: str
    history_months: int = 24
    _history: dict[str, dict[str, float | None]] = field(default_factory=dict)

    # ---- identity ---------------------------------------------------------------------------

    @property
    def period(self) -> str:
        return self.release.source_period

    @cached_property
    def meta(self) -> ReportMeta:
        r = self.release
        rp = parse_period(r.kind, r.period)
        return ReportMeta(
            release_id=r.release_id, admdvs=r.admdvs, region_name=self.region_name, kind=r.kind.value,
            kind_cn=KIND_CN[r.kind], period_key=r.period, period=r.source_period, period_label=rp.label,
            version=r.version, check_status_cn=CHECK_STATUS_CN.get(r.check_status, r.check_status),
            content_hash=r.content_hash,
        )

    @cached_property
    def catalogue(self):
        return load_catalogue(self.settings)

    def indicator(self, indicator_id: str) -> IndicatorMeta | None:
        return self.catalogue.get(indicator_id)

    def publishable(self, indicator_id: str) -> bool:
        """Due for publication this period (an empty list means the check report did not say)."""
        return not self.publishable_ids or indicator_id in self.publishable_ids

    # ---- frozen values ------------------------------------------------------------------------

    @cached_property
    def _values(self) -> dict[tuple[str, str | None], tuple[float | None, str | None]]:
        out = {}
        for r in self.results.select(["indicator_id", "scope", "fixmedins_code", "value", "note"]).to_pylist():
            code = r["fixmedins_code"] if r["scope"] != "region" else None
            out[(r["indicator_id"], code)] = (_num(r["value"]), r["note"])
        return out

    def value(self, indicator_id: str, code: str | None = None) -> float | None:
        return self._values.get((indicator_id, code), (None, None))[0]

    def note(self, indicator_id: str, code: str | None = None) -> str | None:
        return self._values.get((indicator_id, code), (None, None))[1]

    def indicator_ids(self, *, institutions: bool) -> set[str]:
        """Indicators with a region row (institutions=False) or with institution rows."""
        return {iid for (iid, code) in self._values if (code is not None) == institutions}

    def institution_values(self, indicator_id: str) -> dict[str, float | None]:
        return {code: v for (iid, code), (v, _) in self._values.items() if iid == indicator_id and code}

    @cached_property
    def hospitals(self) -> list[str]:
        """Institutions with results this period (hospitals; pharmacies have none of these)."""
        codes = {code for (_, code) in self._values if code}
        return sorted(c for c in codes if (self.institutions.get(c) is None
                                           or self.institutions[c].fixmedins_type in (None, "1")))

    def institution(self, code: str) -> Institution:
        return self.institutions.get(code) or Institution(code, f"机构{code}", None)

    # ---- history from stored results ------------------------------------------------------

    def history(self, indicator_id: str) -> dict[str, float | None]:
        """{period: region value} for the months before the release month (stored results only),
        plus the frozen value of the release month."""
        if indicator_id not in self._history:
            self._load_history([indicator_id])
        return self._history[indicator_id]

    def preload_history(self, ids: list[str]) -> None:
        self._load_history([i for i in ids if i not in self._history])

    def _load_history(self, ids: list[str]) -> None:
        if not ids:
            return
        from ..analysis.series import multi_series

        periods = span(shift(self.period, -self.history_months), shift(self.period, -1))
        settings = self.settings.model_copy(update={"region_admdvs": self.release.admdvs})
        series = multi_series(settings, ids, periods, compute_missing=False)
        for iid in ids:
            values = {p.period: _num(p.value) for p in series[iid]}
            values[self.period] = self.value(iid)  # the release month: frozen, not the live run
            self._history[iid] = values

    def last_year(self, indicator_id: str) -> float | None:
        return self.history(indicator_id).get(shift(self.period, -12))

    # ---- feedback ------------------------------------------------------------------------------

    def previous_feedback(self) -> Feedback | None:
        key = previous_period_key(self.release.kind.value, self.release.period)
        return load_feedback(Path(self.settings.workdir), key) if key else None


def load_source(release_id: str, settings: Settings, *, region_name: str | None = None,
                institutions: dict[str, Institution] | None = None) -> ReleaseSource:
    release = get_release(release_id, settings)
    content = frozen_content(release_id, settings)
    if institutions is None:
        institutions = institution_directory(settings.model_copy(update={"region_admdvs": release.admdvs}),
                                             release.source_period)
    name = region_name or getattr(settings, "region_name", None) or ""
    return ReleaseSource(release, settings, content.results, content.check_report, content.findings,
                         content.publishable_ids, institutions, name)
