"""The configured DuckDB memory limit and spill directory reach every DuckDB connection the
project opens: the compute engine and ingest's local SQL (issue 16: a city-year out of core)."""

from __future__ import annotations

import duckdb

from liangjiadi.config import Settings
from liangjiadi.engine import local_sql, open_engine


def _setting(con, name: str) -> str:
    return con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def _expected_limit(limit: str) -> str:
    ref = duckdb.connect(config={"memory_limit": limit})
    try:
        return _setting(ref, "memory_limit")
    finally:
        ref.close()


def test_engine_uses_configured_limit_and_spill_dir(tmp_path):
    spill = tmp_path / "spill"
    settings = Settings(workdir=tmp_path / "work", duckdb_memory_limit="300MB", duckdb_temp_directory=spill)
    engine = open_engine(settings)
    try:
        cur = engine.con.raw_sql("SELECT current_setting('memory_limit'), current_setting('temp_directory')")
        limit, temp = cur.fetchone()
    finally:
        engine.close()
    assert limit == _expected_limit("300MB") != _expected_limit("8GB")
    assert temp == str(spill)


def test_engine_spills_next_to_its_database_by_default(tmp_path):
    engine = open_engine(Settings(workdir=tmp_path / "work"))
    try:
        temp = engine.con.raw_sql("SELECT current_setting('temp_directory')").fetchone()[0]
    finally:
        engine.close()
    assert temp.endswith("ljd.duckdb.tmp")


def test_local_sql_prefers_the_configured_spill_dir(tmp_path):
    spill = tmp_path / "spill"
    con = local_sql(Settings(workdir=tmp_path, duckdb_memory_limit="200MB", duckdb_temp_directory=spill),
                    spill_dir=tmp_path / "scratch-spill")
    try:
        assert _setting(con, "memory_limit") == _expected_limit("200MB")
        assert _setting(con, "temp_directory") == str(spill)
    finally:
        con.close()
    con = local_sql(Settings(workdir=tmp_path), spill_dir=tmp_path / "scratch-spill")
    try:
        assert _setting(con, "temp_directory") == str(tmp_path / "scratch-spill")
    finally:
        con.close()


def test_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("LJD_DUCKDB_MEMORY_LIMIT", "2GB")
    monkeypatch.setenv("LJD_DUCKDB_TEMP_DIRECTORY", str(tmp_path / "spill"))
    s = Settings()
    assert s.duckdb_memory_limit == "2GB"
    assert s.duckdb_temp_directory == tmp_path / "spill"


def test_a_query_larger_than_the_limit_spills_instead_of_failing(tmp_path):
    spill = tmp_path / "spill"
    con = local_sql(Settings(workdir=tmp_path, duckdb_memory_limit="64MB", duckdb_threads=1,
                             duckdb_temp_directory=spill))
    try:
        # ~ 2M distinct 20-byte keys: a hash aggregate well beyond 64 MB
        n = con.execute("SELECT count(*) FROM (SELECT 'key-' || lpad(i::VARCHAR, 16, '0') AS k, count(*) "
                        "FROM range(2000000) t(i) GROUP BY k)").fetchone()[0]
    finally:
        con.close()
    assert n == 2_000_000


def test_engine_aggregates_in_one_pass_over_the_files(tmp_path):
    """DuckDB 2's partitioned_execution re-read setl_d once per key range (docs/performance.md):
    the engine turns it off wherever this DuckDB knows it."""
    engine = open_engine(Settings(workdir=tmp_path / "work"))
    try:
        known = engine.con.raw_sql(
            "SELECT count(*) FROM duckdb_optimizers() WHERE name = 'partitioned_execution'").fetchone()[0]
        disabled = engine.con.raw_sql("SELECT current_setting('disabled_optimizers')").fetchone()[0]
    finally:
        engine.close()
    assert ("partitioned_execution" in disabled.split(",")) == bool(known)
