"""The `results` table: one long table of indicator values, stored per computation run.

Layout: `<workdir>/results/<admdvs>/<period>/<run_id>.parquet`. The newest run of a period is
the current one; older runs stay readable (a release records which run it froze).
Values are exact decimals: money to the fen, ratios to 1e-10.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

VALUE = pa.decimal128(38, 10)

RESULT_SCHEMA = pa.schema([
    pa.field("admdvs", pa.string()),
    pa.field("period", pa.string()),
    pa.field("indicator_id", pa.string()),  # "1".."57", or a local indicator's id such as "L01"
    pa.field("scope", pa.string()),  # "region" | "institution"
    pa.field("fixmedins_code", pa.string()),  # null for the region
    pa.field("value", VALUE),  # null when it cannot be computed (see `note`)
    pa.field("numerator", VALUE),
    pa.field("denominator", VALUE),
    pa.field("basis", pa.string()),  # "cumulative" | "period" | "none"
    pa.field("note", pa.string()),  # why a value is absent, e.g. "分母为0"
    pa.field("run_id", pa.string()),
    pa.field("computed_at", pa.timestamp("us", tz="UTC")),
])


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def results_dir(workdir: Path, admdvs: str, period: str) -> Path:
    return Path(workdir) / "results" / admdvs / period


def save_results(workdir: Path, admdvs: str, period: str, table: pa.Table, run_id: str) -> Path:
    out = results_dir(workdir, admdvs, period)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{run_id}.parquet"
    pq.write_table(table.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA), path)
    return path


def list_runs(workdir: Path, admdvs: str, period: str) -> list[str]:
    d = results_dir(workdir, admdvs, period)
    return sorted(p.stem for p in d.glob("*.parquet")) if d.exists() else []


def load_results(workdir: Path, admdvs: str, period: str, run_id: str | None = None) -> pa.Table | None:
    """The results of one run (the newest when run_id is None), or None if never computed."""
    runs = list_runs(workdir, admdvs, period)
    if not runs:
        return None
    rid = run_id or runs[-1]
    return pq.read_table(results_dir(workdir, admdvs, period) / f"{rid}.parquet", schema=RESULT_SCHEMA)
