"""The `results` table: one long table of indicator values, stored per computation run in the
store of computed runs (runs.py, kind "results"). Values are exact decimals: money to the fen,
ratios to 1e-10.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ..runs import new_run_id, read_run, write_run

__all__ = ["RESULT_SCHEMA", "VALUE", "load_results", "new_run_id", "save_results"]

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


def save_results(workdir: Path, admdvs: str, period: str, table: pa.Table, run_id: str) -> Path:
    return write_run(workdir, "results", admdvs, period, run_id, table.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA))


def load_results(workdir: Path, admdvs: str, period: str, run_id: str | None = None) -> pa.Table | None:
    """The results of one run (the newest when run_id is None), or None if never computed."""
    return read_run(workdir, "results", admdvs, period, run_id, schema=RESULT_SCHEMA)
