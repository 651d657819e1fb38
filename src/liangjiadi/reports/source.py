"""What a report may read: one release's bundle, nothing else.

The rule (docs/reports.md “数据来源”): every figure a document prints comes from the files the
release froze at `release create` (releases/frozen.py): the month's results, 复核 report and
findings, the institution directory as of the period, 24 months of stored history (同比, trends),
the peer statistics, the fund forecast and outlook, the topic records, the feedback and the
region's name. A quarterly or annual release's figures are its window's (window_results, made at
`release create` by one rule per indicator: docs/reports.md “窗口口径”), compared with the same
window a year earlier. Nothing here opens the engine, the lake or a stored run, so a re-render of a
published release prints the same figures whatever has been re-ingested since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import pyarrow as pa

from ..checks.catalogue import Catalogue, IndicatorMeta, load_catalogue
from ..period import shift
from ..config import Settings
from ..releases import KIND_CN, Release, get_release, parse_period
from ..releases.frozen import FrozenContent, read_frozen
from .feedback import Feedback, letter_lines, objection_items, parse_feedback
from ..releases.institutions import hospitals
from .institutions import Institution, institutions_from_rows
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
    frozen: FrozenContent | None = None
    history_months: int = 24
    _history: dict[str, dict[str, float | None]] = field(default_factory=dict)

    # ---- identity ---------------------------------------------------------------------------

    @property
    def period(self) -> str:
        return self.release.source_period

    @cached_property
    def meta(self) -> ReportMeta:
        r = self.release
        label = self.window.get("label") or parse_period(r.kind, r.period).label
        return ReportMeta(
            release_id=r.release_id, admdvs=r.admdvs, region_name=self.region_name, kind=r.kind.value,
            kind_cn=KIND_CN[r.kind], period_key=r.period, period=r.source_period, period_label=label,
            version=r.version, check_status_cn=CHECK_STATUS_CN.get(r.check_status, r.check_status),
            content_hash=self.data_hash, history_missing=self.history_missing,
            window_months=list(self.window.get("months") or []), window_notes=self.window_notes(),
        )

    # ---- the window (quarterly and annual releases) ------------------------------------------

    @property
    def window(self) -> dict:
        """window.json: the quarter or year the documents cover ({} for a month's release)."""
        return (self.frozen.window if self.frozen else {}) or {}

    @property
    def windowed(self) -> bool:
        return bool(self.window)

    def window_rule(self, indicator_id: str) -> str:
        rule = (self.window.get("rules") or {}).get(indicator_id)
        if rule:
            return rule
        meta = self.indicator(indicator_id)
        return getattr(meta, "window_rule", "") or ""

    def half_label(self, indicator_id: str) -> str | None:
        """A half-year indicator's half (2025年下半年) in a quarterly or annual document."""
        return (self.window.get("halves") or {}).get(indicator_id)

    @property
    def last_year_to_date_missing(self) -> list[str]:
        """Months of last year, January to the same month, the lake did not have: last year's
        year-to-date figures then cover fewer months and are not compared."""
        return list((self.frozen.context if self.frozen else {}).get("last_year_to_date_missing") or [])

    def window_notes(self) -> list[str]:
        from ..period import Period

        notes = []
        if self.windowed:
            rules = self.window.get("rule_text") or {}
            notes.append(f"本材料数值为{self.window['label']}（{Period.parse(self.window['months'][0]).label}至"
                         f"{Period.parse(self.window['months'][-1]).label}）的窗口值：" + "；".join(rules.values()) + "。")
            missing = (self.window.get("last_year") or {}).get("missing") or []
            if missing:
                notes.append(f"上年同期（{self.window['last_year']['label']}）有{len(missing)}个月不在数据湖中，"
                             "按窗口合计或重算的指标不作同比。")
        if self.last_year_to_date_missing:
            first, last = self.last_year_to_date_missing[0], self.last_year_to_date_missing[-1]
            span = Period.parse(first).label + (f"至{Period.parse(last).label}" if last != first else "")
            notes.append(f"数据湖中缺少{span}的数据，上年同期的年初至今累计数不完整，累计类指标不作同比。")
        return notes

    @property
    def data_hash(self) -> str:
        """The hash of the frozen data (not of the rendered files): the same in every render."""
        return self.frozen.data_hash if self.frozen and self.frozen.data_hash else self.release.content_hash

    @property
    def history_missing(self) -> list[str]:
        """Months of the history window the lake did not have at `release create`."""
        return self.frozen.history_missing if self.frozen else []

    @cached_property
    def catalogue(self) -> Catalogue:
        """The indicator catalogue frozen with the release (names, 口径, units); the current one
        only for a bundle made before catalogues were frozen."""
        rows = self.frozen.indicators if self.frozen else []
        if not rows:
            return load_catalogue(self.settings)
        metas = {}
        for r in rows:
            r = dict(r, bounds=tuple(r["bounds"]) if r.get("bounds") else None, sum_of=tuple(r.get("sum_of") or ()))
            metas[r["id"]] = IndicatorMeta(**r)
        return Catalogue(metas, source=f"发布包 {self.release.release_id}")

    def indicator(self, indicator_id: str) -> IndicatorMeta | None:
        return self.catalogue.get(indicator_id)

    def publishable(self, indicator_id: str) -> bool:
        """Due for publication this period (an empty list means the check report did not say)."""
        return not self.publishable_ids or indicator_id in self.publishable_ids

    # ---- frozen values ------------------------------------------------------------------------

    @cached_property
    def _values(self) -> dict[tuple[str, str | None], tuple[float | None, str | None]]:
        return _index(self.results)

    @cached_property
    def _last_year_window(self) -> dict[tuple[str, str | None], tuple[float | None, str | None]]:
        table = self.frozen.window_last_year if self.frozen else None
        return _index(table) if table is not None else {}

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
        """Institutions with results this period that are hospitals (releases.institutions)."""
        return hospitals(self.results, self.institutions)

    def institution(self, code: str) -> Institution:
        return self.institutions.get(code) or Institution(code, f"机构{code}", None)

    # ---- history frozen with the release ----------------------------------------------------

    @property
    def series(self) -> dict:
        return (self.frozen.series if self.frozen else {}) or {}

    def series_of(self, indicator_id: str) -> dict:
        return (self.series.get("indicators") or {}).get(indicator_id) or {}

    def periods(self, months: int) -> list[str]:
        """The last `months` months up to the release month."""
        return [shift(self.period, -n) for n in range(months - 1, -1, -1)]

    def history(self, indicator_id: str) -> dict[str, float | None]:
        """{period: region value} of the frozen history window, the release month included
        (its value from the frozen results)."""
        if indicator_id not in self._history:
            values = dict(self.series_of(indicator_id).get("values") or {})
            if values.get(self.period) is None and not self.windowed:  # a window's value is not the month's
                values[self.period] = self.value(indicator_id)
            self._history[indicator_id] = values
        return self._history[indicator_id]

    def flows(self, indicator_id: str) -> dict[str, float | None]:
        """Monthly amounts of an indicator cumulative within the year (frozen)."""
        return dict(self.series_of(indicator_id).get("flows") or {})

    def preload_history(self, ids: list[str]) -> None:
        """Kept for callers: the history is frozen, nothing to load."""

    def last_year(self, indicator_id: str) -> float | None:
        """The same period a year earlier: the same window for a quarterly or annual release. None
        for a year-to-date figure when last year's months to the same month are not all in the lake."""
        if self.window_rule(indicator_id) == "cumulative" and self.last_year_to_date_missing:
            return None
        if self.windowed:
            return self._last_year_window.get((indicator_id, None), (None, None))[0]
        return self.history(indicator_id).get(shift(self.period, -12))

    def peers(self, indicator_id: str) -> dict | None:
        return ((self.frozen.peers if self.frozen else {}).get("indicators") or {}).get(indicator_id)

    @property
    def min_volume(self) -> float | None:
        return (self.frozen.peers if self.frozen else {}).get("min_volume")

    @property
    def min_peers(self) -> int:
        """Eligible institutions a peer set needs to show statistics (frozen; 5 in older bundles)."""
        return int((self.frozen.peers if self.frozen else {}).get("min_peers") or 5)

    @cached_property
    def _institution_history(self) -> dict[tuple[str, str], dict[str, float | None]]:
        out: dict[tuple[str, str], dict[str, float | None]] = {}
        history = self.frozen.history if self.frozen else None
        if history is not None and history.num_rows:
            for r in history.select(["period", "indicator_id", "scope", "fixmedins_code", "value"]).to_pylist():
                if r["scope"] != "region" and r["fixmedins_code"]:
                    out.setdefault((r["indicator_id"], r["fixmedins_code"]), {})[r["period"]] = _num(r["value"])
        return out

    def institution_history(self, indicator_id: str, code: str) -> dict[str, float | None]:
        """{period: the institution's value} over the frozen history window, the release month included."""
        values = dict(self._institution_history.get((indicator_id, code), {}))
        values[self.period] = self.value(indicator_id, code)
        return values

    @property
    def not_evaluated_line(self) -> str:
        """"本期未检测的项目及原因：……" as frozen with the findings ('' when every detector looked);
        a bundle made before coverage was frozen says so rather than implying a complete check."""
        if not self.frozen or not self.frozen.coverage:
            return "本期未检测的项目及原因：本发布包未记录各检测器的检测范围。"
        return self.frozen.coverage.get("not_evaluated_line", "")

    def pattern_name(self, pattern: str) -> str:
        return (self.frozen.patterns if self.frozen else {}).get(pattern, pattern)

    # ---- feedback ------------------------------------------------------------------------------

    @property
    def letter_lines(self) -> list[str]:
        """点名提醒办理情况 as frozen with the release (letters.json); [] when no letter was issued."""
        return letter_lines(self.frozen.letters) if self.frozen else []

    def previous_feedback(self) -> Feedback | None:
        """The feedback about the previous period, as frozen with the release."""
        if not self.frozen or (self.frozen.feedback_yaml is None and not self.frozen.objections):
            return None
        key = self.frozen.context.get("feedback_about") or ""
        if self.frozen.feedback_yaml is None:
            feedback = Feedback(period=key)
        else:
            feedback = parse_feedback(self.frozen.feedback_yaml, key, f"{self.release.release_id}/feedback.yaml")
        # the portal's objections (objections.json) beside the hand-written file, an import path
        names = {i["id"]: i.get("name", "") for i in self.frozen.indicators}
        feedback.items.extend(objection_items(self.frozen.objections, names))
        return feedback


def _index(table: pa.Table) -> dict[tuple[str, str | None], tuple[float | None, str | None]]:
    out = {}
    for r in table.select(["indicator_id", "scope", "fixmedins_code", "value", "note"]).to_pylist():
        code = r["fixmedins_code"] if r["scope"] != "region" else None
        out[(r["indicator_id"], code)] = (_num(r["value"]), r["note"])
    return out


def load_source(release_id: str, settings: Settings, *, region_name: str | None = None,
                institutions: dict[str, Institution] | None = None) -> ReleaseSource:
    """A release's frozen content. The region's name is the one frozen with it; `region_name`
    only fills in for a bundle frozen without one."""
    release = get_release(release_id, settings)
    content = read_frozen(release.bundle_dir)
    if institutions is None:
        institutions = institutions_from_rows(content.institutions)
    name = content.context.get("region_name") or region_name or ""
    # a quarterly or annual release shows its window's values (the month's stay in results.parquet)
    results = content.window_results if content.window_results is not None else content.results
    return ReleaseSource(release, settings, results, content.check_report, content.findings,
                         content.publishable_ids, institutions, name, content)
