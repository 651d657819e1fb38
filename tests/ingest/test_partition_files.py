"""How ingest writes a lake partition (issue 16: the write was the largest part of ingest):
a large partition is written as one Parquet file per DuckDB thread, and only columns with
few distinct values get a dictionary. Neither may change what the lake holds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from liangjiadi.ingest import ingest_paths, readers, writer
from liangjiadi.rollup import has_rollup

from .conftest import FIX_COLS, FIX_ROWS, REGION, SETL_COLS, setl_row, write_csv
from .test_lake_golden import lake_digest


def _input(root: Path) -> list[Path]:
    rows = [setl_row(i, setl_time=f"2025-03-{1 + i % 28:02d} 08:00:00", medfee_sumamt=f"{1000 + i % 100}.25")
            for i in range(600)]
    return [write_csv(root / "fixmedins.csv", FIX_ROWS, FIX_COLS),
            write_csv(root / "setl_d_2025-03.csv", rows, SETL_COLS)]


def _march(workdir: Path) -> Path:
    return Path(workdir) / "lake" / "setl_d" / REGION / "2025-03"


def test_parallel_files_only_when_every_thread_gets_a_row_group():
    con = duckdb.connect(config={"threads": 2})
    assert not writer.parallel_files(con, 2 * writer.ROW_GROUP_ROWS - 1)
    assert writer.parallel_files(con, 2 * writer.ROW_GROUP_ROWS)
    con.execute("SET threads = 1")
    assert not writer.parallel_files(con, 100 * writer.ROW_GROUP_ROWS)


def test_a_partition_in_several_files_holds_the_same_rows(settings, tmp_path, monkeypatch):
    whole = settings.model_copy(update={"workdir": tmp_path / "one-file"})
    ingest_paths(_input(tmp_path / "a"), whole)
    assert [p.name for p in _march(whole.workdir).glob("*.parquet")] == ["part-0.parquet"]

    # Small blocks and row groups: the staged month comes in many batches, so both DuckDB
    # threads can get rows and each writes its own file (two on an idle machine; on a busy
    # one a thread may find none left, so the count itself is DuckDB's to decide).
    monkeypatch.setattr(readers, "BLOCK", 4096)
    monkeypatch.setattr(writer, "ROW_GROUP_ROWS", 100)
    decided = []
    real = writer.parallel_files
    monkeypatch.setattr(writer, "parallel_files", lambda con, rows: decided.append(real(con, rows)) or decided[-1])
    report = ingest_paths(_input(tmp_path / "b"), settings)
    assert True in decided
    setl = next(f for f in report.files if f.table == "setl_d")
    assert setl.rows_accepted == 600 and setl.rows_quarantined == 0
    files = sorted(p.name for p in _march(settings.workdir).glob("*.parquet"))
    assert files == [f"part-{i}.parquet" for i in range(len(files))] and 1 <= len(files) <= 2, files
    assert not list(settings.workdir.glob("**/out-*")), "the per-thread folder is left behind"
    assert lake_digest(settings.workdir) == lake_digest(whole.workdir)
    assert has_rollup(_march(settings.workdir))  # the rollup sums both files
    rollup_rows = pq.read_table(_march(settings.workdir) / "rollup-v1.summary").column("rows").to_pylist()
    assert sum(rollup_rows) == 600


def _encodings(path: Path) -> dict[str, str]:
    meta = pq.ParquetFile(path).metadata.row_group(0)
    return {meta.column(i).path_in_schema: " ".join(meta.column(i).encodings) for i in range(meta.num_columns)}


def test_only_columns_with_few_distinct_values_get_a_dictionary(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "DICTIONARY_ENTRIES", 50)
    ingest_paths(_input(tmp_path / "in"), settings)
    enc = _encodings(_march(settings.workdir) / "part-0.parquet")
    # 100 distinct amounts, each six times: DuckDB's default would make a dictionary of them
    # (that is the assertion that fails without the limit); one insurance type: a dictionary
    assert "DICTIONARY" not in enc["medfee_sumamt"], enc
    assert "DICTIONARY" in enc["insutype"] and "DICTIONARY" in enc["fixmedins_code"], enc
