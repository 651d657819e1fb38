"""Ingest under a memory limit (issue 16: a city-year out of core).

- A delivery larger than `duckdb_memory_limit` is validated and written by spilling to
  `duckdb_temp_directory`, not refused.
- When the spill directory is full (DuckDB's `max_temp_directory_size`, by default 90% of the
  disk space free at the first spill) every file of the table is rejected with a Chinese error
  naming the directory and what to do, never "内部错误（OutOfMemoryException）", and nothing
  of the table reaches the lake.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from liangjiadi.engine import local_sql
from liangjiadi.ingest import ingest_paths

from .conftest import SETL_COLS, lake_rows, setl_row, write_csv

ROWS = 60_000


def _big_month(root: Path) -> Path:
    rows = [setl_row(i, setl_id=f"S{i:08d}-{'x' * 40}", mdtrt_id=f"M{i:08d}") for i in range(ROWS)]
    rows.append(setl_row(7, setl_id=f"S{7:08d}-{'x' * 40}", mdtrt_id="M-dup"))  # one duplicate key
    return write_csv(root / "setl_d_2025-03.csv", rows, SETL_COLS)


class SpillWatch:
    """The largest size the spill directory reached while the block ran."""

    def __init__(self, path: Path):
        self.path, self.peak, self._stop = path, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.02):
            size = 0
            for f in self.path.rglob("*"):
                try:
                    size += f.stat().st_size
                except FileNotFoundError:
                    pass
            self.peak = max(self.peak, size)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def test_a_delivery_larger_than_the_memory_limit_spills_and_loads(settings, tmp_path):
    spill = tmp_path / "spill"
    small = settings.model_copy(update={"duckdb_memory_limit": "24MB", "duckdb_threads": 1,
                                        "duckdb_temp_directory": spill})
    path = _big_month(tmp_path / "in")
    with SpillWatch(spill) as watch:
        res = ingest_paths([path], small).files[0]
    assert res.status == "partial", res.error
    assert res.rows_accepted == ROWS and res.rule_counts == {"duplicate_key": 1}
    assert len(lake_rows(small.workdir, "setl_d", "mdtrt_id = 'M-dup'")) == 0
    assert watch.peak > 0  # it did spill


def test_a_full_spill_directory_is_a_clear_chinese_error(settings, tmp_path, monkeypatch):
    spill = tmp_path / "spill"
    small = settings.model_copy(update={"duckdb_memory_limit": "24MB", "duckdb_threads": 1,
                                        "duckdb_temp_directory": spill})
    from liangjiadi.ingest import api

    def capped(*args, **kwargs):  # a disk with almost no free space at the first spill
        con = local_sql(*args, **kwargs)
        con.execute("SET max_temp_directory_size = '1MB'")
        return con

    monkeypatch.setattr(api, "local_sql", capped)
    res = ingest_paths([_big_month(tmp_path / "in")], small).files[0]
    assert res.status == "rejected"
    assert res.error_code == "spill_full"
    assert str(spill) in res.error and "duckdb_temp_directory" in res.error
    assert "OutOfMemory" not in res.error and "内部错误" not in res.error
    # the report counts only what reached the lake: nothing
    assert res.rows_accepted == res.rows_quarantined == 0 and res.partitions == []
    assert not list((Path(small.workdir) / "lake").glob("setl_d/*/*/*.parquet"))


@pytest.mark.parametrize("text,code", [
    ("Out of Memory Error: failed to allocate data of size 32.0 KiB (162.1 MiB/162.1 MiB used)", "memory_limit"),
    ("Out of Memory Error: failed to offload data block of size 256.0 KiB (2.7 GiB/2.7 GiB used).\n"
     "This limit was set by the 'max_temp_directory_size' setting.", "spill_full"),
])
def test_the_two_kinds_of_duckdb_out_of_memory(settings, tmp_path, text, code):
    import duckdb

    from liangjiadi.ingest.limits import out_of_memory_error

    err = out_of_memory_error(duckdb.OutOfMemoryException(text), "导入 setl_d ", settings, tmp_path / "spill")
    assert err.code == code
    assert str(tmp_path / "spill") in err.message
    assert "Out of Memory" not in err.message + err.hint
    if code == "spill_full":
        assert "已写 2.7 GiB，上限 2.7 GiB" in err.message
    else:
        assert settings.duckdb_memory_limit in err.message


def test_spill_watch_sees_files(tmp_path):
    with SpillWatch(tmp_path) as watch:
        (tmp_path / "f").write_bytes(b"x" * 100)
        time.sleep(0.1)
    assert watch.peak == 100


def _dup_check_statements(plan) -> list[str]:
    stmts = plan.setup_sql()
    last = next(i for i, s in enumerate(stmts) if s.startswith("CREATE OR REPLACE TABLE dr"))
    return stmts[:last + 1]


def test_duplicate_check_over_millions_of_keys_stays_within_a_small_limit(settings, tmp_path):
    """3 million distinct settlement IDs under 32 MB and 2 threads: one GROUP BY over all keys
    asks DuckDB for hash-table allocations no spilling provides (OutOfMemoryException, as the
    city-year's 10^8 keys did under 2 GB); grouped a slice of the hash range at a time it fits."""
    from liangjiadi.ingest.plausibility import Plausibility
    from liangjiadi.ingest.validate import StagedFile, TablePlan, key_passes
    from liangjiadi.schema import TABLES

    n = 3_000_000
    stage = tmp_path / "stage.parquet"
    maker = local_sql(settings)
    maker.execute(f"COPY (SELECT i + 2 AS _line, NULL::VARCHAR AS _badrow, NULL::VARCHAR AS _badrule, "
                  f"NULL::VARCHAR AS _badcol, 'S' || lpad((i % {n - 2})::VARCHAR, 21, '0') AS setl_id "
                  f"FROM range({n}) t(i)) TO '{stage}' (FORMAT parquet)")  # the last two rows repeat two keys
    maker.close()
    small = settings.model_copy(update={"duckdb_memory_limit": "32MB", "duckdb_threads": 2,
                                        "duckdb_temp_directory": tmp_path / "spill"})
    plan = TablePlan(table=TABLES["setl_d"], files=[StagedFile(0, str(stage), ["setl_id"], "x", None)],
                     region="140400", workdir=tmp_path / "work", plausibility=Plausibility(),
                     key_passes=key_passes(n, small.duckdb_memory_limit))
    assert plan.key_passes > 1
    con = local_sql(small, tmp_path / "db.duckdb")
    try:
        for stmt in _dup_check_statements(plan):
            con.execute(stmt)
        assert con.execute("SELECT list(_d_line ORDER BY _d_line) FROM dr").fetchone()[0] == [n, n + 1]
    finally:
        con.close()
