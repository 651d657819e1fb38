"""The one store of computed runs: indicator results, 复核 reports and detection findings.

Layout: `<workdir>/<kind>/<admdvs>/<period>/<run_id>.parquet`, kind one of KINDS. A run may have
side files next to it (a 复核 report's .md and .csv, a detection run's .coverage.json). A stored
run never changes; the newest run of a period is the current one and older runs stay readable
(a release records which runs it froze). Each kind's typed reader (indicators.results,
checks.report, anomalies.runner) reads through `read_run`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import LjdError
from .period import period_label

KINDS = {"results": "计算结果", "checks": "复核报告", "findings": "异常检测结果"}


class RunNotFoundError(LjdError):
    code = "LJD-RUN"


def new_run_id() -> str:
    """The second it was made (UTC), then a random suffix: `20250405T101500-a1b2c3`."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown run kind {kind!r}")  # a programming error, not a user's
    return kind


def run_dir(workdir: Path, kind: str, admdvs: str, period: str) -> Path:
    return Path(workdir) / _kind(kind) / admdvs / period


def run_path(workdir: Path, kind: str, admdvs: str, period: str, run_id: str) -> Path:
    return run_dir(workdir, kind, admdvs, period) / f"{run_id}.parquet"


def write_run(workdir: Path, kind: str, admdvs: str, period: str, run_id: str, table: pa.Table) -> Path:
    path = run_path(workdir, kind, admdvs, period, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def list_runs(workdir: Path, kind: str, admdvs: str, period: str) -> list[str]:
    """Run ids of a period, oldest first. Ids sort by the second they were made; runs made within
    one second are ordered by when their file was written, so the last is the last one run."""
    d = run_dir(workdir, kind, admdvs, period)
    files = list(d.glob("*.parquet")) if d.exists() else []
    return [p.stem for p in sorted(files, key=lambda p: (p.stem[:15], p.stat().st_mtime_ns, p.stem))]


def latest_run(workdir: Path, kind: str, admdvs: str, period: str) -> str | None:
    found = list_runs(workdir, kind, admdvs, period)
    return found[-1] if found else None


def read_run(workdir: Path, kind: str, admdvs: str, period: str, run_id: str | None = None,
             schema: pa.Schema | None = None) -> pa.Table | None:
    """One stored run as written (the newest when `run_id` is None); None if the period has no run
    of this kind; a Chinese error if the named run does not exist."""
    run_id = run_id or latest_run(workdir, kind, admdvs, period)
    if run_id is None:
        return None
    path = run_path(workdir, kind, admdvs, period, run_id)
    if not path.exists():
        raise RunNotFoundError(f"统筹地区 {admdvs} {period_label(period)}没有{KINDS[kind]}批次 {run_id}",
                               "省略批次号则使用最新一次")
    return pq.read_table(path, schema=schema)


def regions_with_runs(workdir: Path, kind: str, period: str) -> list[str]:
    """The regions that have a run of this kind for the period."""
    root = Path(workdir) / _kind(kind)
    if not root.exists():
        return []
    return sorted(d.name for d in root.iterdir() if d.is_dir() and list_runs(workdir, kind, d.name, period))
