"""The lake an ingest writes, pinned: the same input gives the same partitions, schema and values.

The digest was taken before issue 16 changed the writer (each month's COPY now reads only the
staged files holding that month; here one file spans three months); any change to the typed values, the pseudonyms, the Parquet
schema or which rows reach which partition changes it. Row order inside a partition is not
part of the contract (nothing downstream depends on it), so rows are sorted first.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq

from liangjiadi.ingest import ingest_paths

from .conftest import FIX_COLS, FIX_ROWS, SETL_COLS, setl_row, write_csv

GOLDEN = "b352e819111d8cc259b5b081f7830e124817e945dfb84533dfbdf2caadcf7451"


def _input(root: Path) -> list[Path]:
    rows = []
    for i in range(60):  # three months in one file, as a whole-quarter delivery
        month = 1 + i % 3
        rows.append(setl_row(i, setl_time=f"2025-{month:02d}-{1 + i % 27:02d} 08:{i % 60:02d}:00",
                             begndate=f"2025-{month:02d}-01", enddate=f"2025-{month:02d}-01",
                             fixmedins_code=["H001", "H002", "P001"][i % 3],
                             med_type=["11", "14", "41"][i % 3]))
    rows.append(setl_row(100, medfee_sumamt="12,3"))  # quarantined: not a number
    rows.append(setl_row(5))  # quarantined: duplicate key
    april = [setl_row(200 + i, setl_time=f"2025-04-{1 + i:02d} 12:00:00", begndate="2025-04-01",
                      enddate="2025-04-02") for i in range(20)]
    return [write_csv(root / "fixmedins.csv", FIX_ROWS, FIX_COLS),
            write_csv(root / "setl_d_2025Q1.csv", rows, SETL_COLS),
            write_csv(root / "setl_d_2025-04.csv", april, SETL_COLS)]


def lake_digest(workdir: Path) -> str:
    h = hashlib.sha256()
    lake = Path(workdir) / "lake"
    for part in sorted({p.parent for p in lake.rglob("*.parquet")}):
        tables = [pq.read_table(f) for f in sorted(part.glob("*.parquet"))]
        schema = tables[0].schema
        h.update(str(part.relative_to(lake)).encode())
        h.update(str([(f.name, str(f.type), f.nullable) for f in schema]).encode())
        rows = sorted(repr(r) for t in tables for r in t.to_pylist())
        h.update("\n".join(rows).encode())
    return h.hexdigest()


def test_lake_output_unchanged(settings, tmp_path):
    report = ingest_paths(_input(tmp_path / "in"), settings)
    setl = [f for f in report.files if f.table == "setl_d"]
    assert sum(f.rows_accepted for f in setl) == 80
    assert sum(f.rows_quarantined for f in setl) == 2
    assert sorted(p for f in setl for p in f.partitions) == [
        "140400/2025-01", "140400/2025-02", "140400/2025-03", "140400/2025-04"]
    assert lake_digest(settings.workdir) == GOLDEN


def test_lake_output_unchanged_when_keys_are_grouped_in_slices(settings, tmp_path, monkeypatch):
    """A large delivery groups its keys a slice of the hash range at a time (key_passes): the
    lake, the accepted and quarantined rows are the same as in one pass."""
    from liangjiadi.ingest import api

    monkeypatch.setattr(api, "key_passes", lambda rows, limit: 3)
    test_lake_output_unchanged(settings, tmp_path)
