"""The one store of computed runs: results, 复核 reports and findings listed and read alike."""

import os

import pyarrow as pa
import pytest

from liangjiadi import runs
from liangjiadi.indicators.results import RESULT_SCHEMA, load_results

SECOND = "20250405T101500"


def _write(workdir, kind, run_id, mtime_ns):
    table = RESULT_SCHEMA.empty_table() if kind == "results" else pa.table({"x": [run_id]})
    path = runs.write_run(workdir, kind, "140400", "2025-03", run_id, table)
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


@pytest.mark.parametrize("kind", sorted(runs.KINDS))
def test_the_latest_run_is_the_last_one_made_also_within_one_second(tmp_path, kind):
    _write(tmp_path, kind, "20250404T000000-ffffff", 1_000)
    _write(tmp_path, kind, f"{SECOND}-zzzzzz", 2_000)
    _write(tmp_path, kind, f"{SECOND}-aaaaaa", 3_000)  # same second, written later: sorts lower by name
    assert runs.list_runs(tmp_path, kind, "140400", "2025-03") == [
        "20250404T000000-ffffff", f"{SECOND}-zzzzzz", f"{SECOND}-aaaaaa"]
    assert runs.latest_run(tmp_path, kind, "140400", "2025-03") == f"{SECOND}-aaaaaa"
    assert runs.regions_with_runs(tmp_path, kind, "2025-03") == ["140400"]


def test_typed_readers_read_through_the_store(tmp_path):
    _write(tmp_path, "results", f"{SECOND}-zzzzzz", 2_000)
    _write(tmp_path, "results", f"{SECOND}-aaaaaa", 3_000)
    rows = pa.Table.from_pylist([{"admdvs": "140400", "period": "2025-03", "indicator_id": "1", "scope": "region",
                                  "run_id": f"{SECOND}-aaaaaa"}], schema=RESULT_SCHEMA)
    runs.write_run(tmp_path, "results", "140400", "2025-03", f"{SECOND}-aaaaaa", rows)
    assert load_results(tmp_path, "140400", "2025-03")["run_id"].to_pylist() == [f"{SECOND}-aaaaaa"]
    assert load_results(tmp_path, "140400", "2025-04") is None


def test_nothing_stored_and_an_unknown_run(tmp_path):
    assert runs.list_runs(tmp_path, "checks", "140400", "2025-03") == []
    assert runs.read_run(tmp_path, "findings", "140400", "2025-03") is None
    _write(tmp_path, "findings", f"{SECOND}-aaaaaa", 1_000)
    with pytest.raises(runs.RunNotFoundError) as err:
        runs.read_run(tmp_path, "findings", "140400", "2025-03", "nosuchrun")
    assert "2025年3月没有异常检测结果批次 nosuchrun" in str(err.value)
