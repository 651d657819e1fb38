"""Ingest allocates Arrow memory from jemalloc (else the system allocator), not pyarrow's
default mimalloc, whose freed memory came back as fresh kernel-zeroed huge pages: 13% of
ingest's CPU (issue 16). An operator's ARROW_DEFAULT_MEMORY_POOL is respected."""

from __future__ import annotations

import pyarrow as pa
import pytest

from liangjiadi.ingest import api, arrow_pool, ingest_paths

from .conftest import SETL_COLS, setl_row, write_csv


@pytest.fixture
def restore_pool():
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


def test_ingest_switches_arrow_to_the_steady_pool(settings, tmp_path, monkeypatch, fixmedins_loaded, restore_pool):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    seen = []
    real = api._stage_file

    def spy(*args, **kwargs):
        seen.append(pa.default_memory_pool().backend_name)  # the pool while the file is read
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "_stage_file", spy)
    f = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(i) for i in range(5)], SETL_COLS)
    report = ingest_paths([f], settings)
    assert report.files[0].rows_accepted == 5
    assert seen and set(seen) <= {"jemalloc", "system"}


def test_without_jemalloc_the_system_allocator_is_used(monkeypatch, restore_pool):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)

    def unbuilt():
        raise NotImplementedError("jemalloc support is not built")

    monkeypatch.setattr(arrow_pool.pa, "jemalloc_memory_pool", unbuilt)
    assert arrow_pool.use_steady_pool() == "system"
    assert pa.default_memory_pool().backend_name == "system"


def test_an_operators_choice_of_pool_is_kept(monkeypatch, restore_pool):
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    assert arrow_pool.use_steady_pool() == "mimalloc"
    assert pa.default_memory_pool().backend_name == "mimalloc"
