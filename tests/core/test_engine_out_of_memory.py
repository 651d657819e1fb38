"""The compute engine out of memory: compute, 复核 and detection under a tiny `duckdb_memory_limit`
stop with the same Chinese error ingest gives (liangjiadi/limits.py) — the limit, the spill
directory and its free space named, no traceback — rather than an English DuckDB text, a crashed
rule in the report, or every detector marked failed."""

from __future__ import annotations

import duckdb
import ibis
import pytest
from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.config import Settings
from liangjiadi.indicators import compute
from liangjiadi.limits import EngineMemoryError

KEY = "test-key-padded-to-at-least-32-bytes"


@pytest.fixture
def region(tmp_path, monkeypatch, golden):
    work = golden.build(tmp_path / "work")
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("LJD_REGION_ADMDVS", golden.R)
    compute(golden.P, golden.settings(work))  # stored results, for `check`
    return work, golden.P


@pytest.mark.parametrize("command", [["compute"], ["check"], ["detect"]])
def test_a_tiny_memory_limit_stops_the_command_in_chinese(region, monkeypatch, command):
    work, period = region
    monkeypatch.setenv("LJD_DUCKDB_MEMORY_LIMIT", "1MB")
    monkeypatch.setenv("LJD_DUCKDB_THREADS", "1")
    result = CliRunner().invoke(app, [*command, "--period", period, "--workdir", str(work)])
    assert result.exit_code == 2, result.output
    assert "duckdb_memory_limit=1MB" in result.output
    assert str(work / "ljd.duckdb.tmp") in result.output.replace("\n", "")  # the spill directory
    assert "可用" in result.output and "重新运行" in result.output
    assert "Out of Memory" not in result.output and "Traceback" not in result.output


def test_a_full_spill_directory_is_named_as_such(tmp_path, monkeypatch, golden):
    """DuckDB's other out-of-memory: the spill directory reached max_temp_directory_size."""
    work = golden.build(tmp_path / "work")

    def full(self, *a, **kw):
        raise duckdb.OutOfMemoryException(
            "Out of Memory Error: failed to offload data block of size 256.0 KiB (2.7 GiB/2.7 GiB used).\n"
            "This limit was set by the 'max_temp_directory_size' setting.")

    monkeypatch.setattr(type(ibis.duckdb.connect()), "to_pyarrow", full)
    spill = tmp_path / "spill"
    with pytest.raises(EngineMemoryError) as err:
        compute(golden.P, golden.settings(work, duckdb_temp_directory=spill), save=False)
    assert err.value.code == "spill_full"
    assert str(spill) in err.value.message and "已写 2.7 GiB，上限 2.7 GiB" in err.value.message
    assert "duckdb_temp_directory" in err.value.hint


def test_other_engine_errors_pass_unchanged(tmp_path):
    """Only DuckDB's out-of-memory is translated: a plain query error is not called a memory limit."""
    from liangjiadi.engine import open_engine

    engine = open_engine(Settings(workdir=tmp_path / "work"))
    try:
        with pytest.raises(Exception) as err:
            engine.to_pyarrow(ibis.memtable({"a": [1]}).mutate(b=ibis._.a.cast("date")))
    finally:
        engine.close()
    assert not isinstance(err.value, EngineMemoryError)
