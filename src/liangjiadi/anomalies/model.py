"""Findings: what a detector says about an institution, a region or an anonymous group."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pyarrow as pa

SEVERITIES = ("high", "medium", "low")
SEVERITY_CN = {"high": "高", "medium": "中", "low": "低"}
SUBJECTS = ("institution", "region", "person_cluster")


@dataclass(frozen=True)
class Finding:
    pattern: str
    period: str
    severity: str  # high | medium | low
    message: str  # one Chinese sentence a report can print as it is (点名提醒)
    evidence: dict = field(default_factory=dict)  # numbers only: own, peer_median, percentile, shift, cases, statistic, p_value ...
    fixmedins_code: str | None = None  # None for a region or a person cluster without one hospital
    subject: str = "institution"
    cluster_id: str | None = None  # anonymous id of a person-level case group; never a psn_no
    score: float = 0.0  # ranks findings of one pattern (larger = stronger)
    # A 线索 merged from related patterns at one institution (merging.py) lists them all, the
    # strongest first; its evidence keeps each pattern's own under evidence["by_pattern"].
    patterns: tuple[str, ...] = ()

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity}")
        if self.subject not in SUBJECTS:
            raise ValueError(f"unknown subject {self.subject}")

    def to_row(self, run_id: str) -> dict:
        row = asdict(self)
        row["evidence"] = json.dumps(self.evidence, ensure_ascii=False, sort_keys=True, default=str)
        row["patterns"] = json.dumps(list(self.patterns or (self.pattern,)), ensure_ascii=False)
        row["run_id"] = run_id
        return row

    @property
    def all_patterns(self) -> tuple[str, ...]:
        return tuple(self.patterns or (self.pattern,))


FINDINGS_SCHEMA = pa.schema([
    pa.field("pattern", pa.string()),
    pa.field("period", pa.string()),
    pa.field("fixmedins_code", pa.string()),
    pa.field("subject", pa.string()),
    pa.field("cluster_id", pa.string()),
    pa.field("severity", pa.string()),
    pa.field("score", pa.float64()),
    pa.field("evidence", pa.string()),  # JSON object of numbers
    pa.field("message", pa.string()),
    pa.field("run_id", pa.string()),
    pa.field("patterns", pa.string()),  # JSON list: the patterns of a merged 线索 (one for most)
])


def row_patterns(row: dict) -> list[str]:
    """The patterns of a stored finding row (old runs have no `patterns` column)."""
    raw = row.get("patterns")
    if raw:
        return list(json.loads(raw)) if isinstance(raw, str) else list(raw)
    return [row["pattern"]]


def with_patterns_column(table: pa.Table) -> pa.Table:
    """A findings table of an older run, given the `patterns` column (each row its own pattern)."""
    if "patterns" in table.column_names:
        return table
    vals = [json.dumps([p], ensure_ascii=False) for p in table["pattern"].to_pylist()]
    return table.append_column(pa.field("patterns", pa.string()), pa.array(vals, pa.string()))


def findings_table(findings: list[Finding], run_id: str) -> pa.Table:
    rows = [f.to_row(run_id) for f in findings]
    return pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA) if rows else FINDINGS_SCHEMA.empty_table()
