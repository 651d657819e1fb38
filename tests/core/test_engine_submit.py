"""`Engine.submit`: an aggregate started in the background (compute starts its two settlement
scans so and works on while DuckDB runs them). Its result is the one `to_pyarrow` gives, its
errors reach the caller (DuckDB's out-of-memory in Chinese, as in the foreground), and closing
the engine with a query still running neither hangs nor leaves a thread behind."""

from __future__ import annotations

import threading

import pytest

from liangjiadi.engine import open_engine
from liangjiadi.limits import EngineMemoryError


@pytest.fixture
def golden_lake(tmp_path, golden):
    return golden, golden.build(tmp_path / "work")


def _by_institution(engine, golden):
    t = engine.table("setl_d", regions=[golden.R])
    return t.group_by("fixmedins_code", "med_type").aggregate(
        n=t.count(), medfee=t.medfee_sumamt.sum(), any_refund=(t.refd_setl_flag == "1").any())


def _cross(engine, golden, k: int):
    """The region's settlements joined to themselves k times (rows ** k)."""
    t = engine.table("setl_d", regions=[golden.R])
    out = t.select(a0=t.setl_id)
    for i in range(1, k):
        out = out.cross_join(t.select(**{f"a{i}": t.setl_id}))
    return out


def _sorted(table):
    return table.sort_by([(c, "ascending") for c in ("fixmedins_code", "med_type")])


def test_the_background_result_is_the_foreground_one(golden_lake):
    golden, work = golden_lake
    engine = open_engine(golden.settings(work))
    try:
        expr = _by_institution(engine, golden)
        started = engine.submit(expr)
        now = engine.to_pyarrow(expr)  # the main connection meanwhile
        later = started.result(timeout=60)
    finally:
        engine.close()
    assert later.schema == now.schema  # names and types: decimals stay decimals
    assert _sorted(later).equals(_sorted(now)) and now.num_rows > 3


def test_an_error_in_the_background_reaches_the_caller_unchanged(golden_lake):
    golden, work = golden_lake
    engine = open_engine(golden.settings(work))
    try:
        t = engine.table("setl_d", regions=[golden.R])
        started = engine.submit(t.select(d=t.psn_no.cast("date")))  # not a date: DuckDB's conversion error
        with pytest.raises(Exception) as err:
            started.result(timeout=60)
    finally:
        engine.close()
    assert not isinstance(err.value, EngineMemoryError)
    assert "Conversion" in type(err.value).__name__ or "date" in str(err.value).lower()


def test_out_of_memory_in_the_background_is_the_chinese_error(golden_lake):
    golden, work = golden_lake
    engine = open_engine(golden.settings(work, duckdb_memory_limit="1MB", duckdb_threads=1))
    try:
        expr = _cross(engine, golden, 3)
        expr = expr.group_by(expr.a0, expr.a1).aggregate(n=expr.count())  # far more than 1 MB to hash
        with pytest.raises(EngineMemoryError) as err:
            engine.submit(expr).result(timeout=120)
    finally:
        engine.close()
    assert "duckdb_memory_limit=1MB" in err.value.message


def test_closing_with_a_query_running_stops_it(golden_lake):
    golden, work = golden_lake
    engine = open_engine(golden.settings(work, duckdb_threads=1))
    started = engine.submit(_cross(engine, golden, 7).count().as_table())  # hours of work on one thread
    closer = threading.Thread(target=engine.close)
    closer.start()
    closer.join(timeout=60)
    assert not closer.is_alive(), "close() waited for the whole query"
    assert started.done()
    assert not [th for th in threading.enumerate() if th.name.startswith("ljd-engine")]
