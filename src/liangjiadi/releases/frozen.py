"""Reading a release's frozen content: the files of its bundle and nothing else.

Renderers and the portal read a release through `read_frozen`; it opens no engine, lake or
stored run (tests/core/test_architecture.py keeps it so). Bundles made before the snapshot
files existed read as empty for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from . import bundle as B


@dataclass(frozen=True)
class FrozenContent:
    """What renderers and the portal read from a release: the frozen tables, never the live runs."""

    results: pa.Table  # RESULT_SCHEMA
    check_report: pa.Table  # CHECK_SCHEMA rows
    findings: pa.Table  # FINDINGS_SCHEMA, person counts in evidence already suppressed
    publishable_ids: list[str]  # indicators due for publication this period (from the check report)
    check_meta: dict = field(default_factory=dict)  # the check report's summary (results run, publishable ids)
    institutions: list[dict] = field(default_factory=list)  # institutions.json
    history: pa.Table | None = None  # history.parquet: stored results of the 24 earlier months
    series: dict = field(default_factory=dict)  # series.json
    peers: dict = field(default_factory=dict)  # peers.json
    fund_forecast: dict = field(default_factory=dict)  # fund_forecast.json
    fund_outlook: dict = field(default_factory=dict)  # fund_outlook.json
    topics: list[dict] = field(default_factory=list)  # topics.json
    topic_analysis: dict | None = None  # topic_analysis.json (topic releases)
    feedback_yaml: str | None = None  # feedback.yaml, as frozen
    objections: list[dict] = field(default_factory=list)  # objections.json: answered since the previous release
    letters: list[dict] = field(default_factory=list)  # letters.json: 提醒函 open, or closed since the previous release
    patterns: dict[str, str] = field(default_factory=dict)  # patterns.json
    indicators: list[dict] = field(default_factory=list)  # indicators.json: the catalogue as frozen
    context: dict = field(default_factory=dict)  # context.json
    coverage: dict = field(default_factory=dict)  # coverage.json: what each detector examined
    contents: dict = field(default_factory=dict)  # contents.json: 入组, 各机构结算, 重点病组 … (analysis.contents)
    data_hash: str = ""  # the manifest's hash of the frozen data (bundle.data_hash)
    window: dict = field(default_factory=dict)  # window.json (quarterly and annual releases)
    window_results: pa.Table | None = None  # window_results.parquet: the window's values
    window_last_year: pa.Table | None = None  # window_last_year.parquet: the same window a year earlier
    clearing: dict | None = None  # clearing.json: the year-end 清算 (clearing releases; annual ones when published)
    clearing_release: dict | None = None  # clearing_release.json: which clearing release an annual one froze
    yigongti: dict = field(default_factory=dict)  # yigongti.json: the 县域医共体 figures ({} for a region without)
    publication: dict = field(default_factory=dict)  # publication.json: audience, internal dropped, threshold

    @property
    def history_missing(self) -> list[str]:
        return list((self.context.get("history") or {}).get("missing", []))


def _json(path: Path, default):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default


def read_frozen(bundle: Path) -> FrozenContent:
    bundle = Path(bundle)
    checks = pq.read_table(bundle / "check_report.parquet")
    meta = {}
    for key, value in (checks.schema.metadata or {}).items():
        if key.endswith(b"check_report"):  # the check report stores its summary there
            meta = json.loads(value)
    manifest = B.read_manifest(bundle)
    feedback = bundle / "feedback.yaml"
    history = bundle / "history.parquet"

    def table(name: str) -> pa.Table | None:
        return pq.read_table(bundle / name) if (bundle / name).exists() else None
    return FrozenContent(
        results=pq.read_table(bundle / "results.parquet"),
        check_report=checks.replace_schema_metadata(None),
        findings=pq.read_table(bundle / "findings.parquet"),
        publishable_ids=list(meta.get("publishable_ids", [])),
        check_meta=meta,
        institutions=_json(bundle / "institutions.json", []),
        history=pq.read_table(history) if history.exists() else None,
        series=_json(bundle / "series.json", {}),
        peers=_json(bundle / "peers.json", {}),
        fund_forecast=_json(bundle / "fund_forecast.json", {}),
        fund_outlook=_json(bundle / "fund_outlook.json", {}),
        topics=_json(bundle / "topics.json", []),
        topic_analysis=_json(bundle / "topic_analysis.json", None),
        feedback_yaml=feedback.read_text(encoding="utf-8") if feedback.exists() else None,
        objections=_json(bundle / "objections.json", []),
        letters=_json(bundle / "letters.json", []),
        patterns=_json(bundle / "patterns.json", {}),
        indicators=_json(bundle / "indicators.json", []),
        context=_json(bundle / "context.json", {}),
        coverage=_json(bundle / "coverage.json", {}),
        contents=_json(bundle / "contents.json", {}),
        data_hash=manifest.get("data_hash") or B.data_hash(manifest["files"]),
        window=_json(bundle / "window.json", {}),
        window_results=table("window_results.parquet"),
        window_last_year=table("window_last_year.parquet"),
        clearing=_json(bundle / "clearing.json", None),
        clearing_release=_json(bundle / "clearing_release.json", None),
        yigongti=_json(bundle / "yigongti.json", {}),
        publication=_json(bundle / "publication.json", {}),
    )
