"""Staging in memory (issue 16: cheaper ingest): a table's CSV files are held as Arrow tables
while they fit a quarter of duckdb_memory_limit, else streamed into scratch Parquet files as
before. Both ways give the same lake, quarantine and report; a large delivery stays on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from liangjiadi.ingest import api, ingest_paths

from .conftest import FIX_COLS, FIX_ROWS, SETL_COLS, setl_row, write_csv
from .test_lake_golden import lake_digest

STAGE = api._stage_file


def _input(root: Path) -> list[Path]:
    rows = [setl_row(i, setl_time=f"2025-0{1 + i % 2}-{1 + i % 27:02d} 08:00:00") for i in range(40)]
    rows += [setl_row(100, medfee_sumamt="12,3"), setl_row(5), setl_row(101, insutype="999"),
             setl_row(102, psn_no="")]
    march = write_csv(root / "setl_d_2025-03.csv", [setl_row(300 + i) for i in range(10)], SETL_COLS)
    lines = march.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b",", b',"', 1)  # a quote that never closes
    march.write_bytes(b"\n".join(lines))
    return [write_csv(root / "fixmedins.csv", FIX_ROWS, FIX_COLS),
            write_csv(root / "setl_d_2025Q1.csv", rows, SETL_COLS), march]


def _load(settings, root: Path, monkeypatch, share: int) -> tuple[str, dict, list, list]:
    monkeypatch.setattr(api, "STAGE_MEMORY_SHARE", share)
    targets = []

    def spy(spec, res, target, *args):
        targets.append(target is None)
        return STAGE(spec, res, target, *args)

    monkeypatch.setattr(api, "_stage_file", spy)
    report = ingest_paths(_input(root / "in"), settings)
    # the source column names the input's full path: the two runs read from different folders
    quarantine = {Path(f.quarantine_file).name: Path(f.quarantine_file).read_bytes().replace(
                  str(root).encode(), b"ROOT") for f in report.files if f.quarantine_file}
    counts = [(Path(f.path).name, f.rows_read, f.rows_accepted, f.rows_quarantined, sorted(f.rule_counts.items()))
              for f in report.files]
    return lake_digest(settings.workdir), quarantine, counts, targets


def test_memory_and_disk_staging_give_the_same_lake_and_quarantine(settings, tmp_path, monkeypatch):
    in_memory = _load(settings, tmp_path / "a", monkeypatch, share=1)
    on_disk = _load(settings.model_copy(update={"workdir": tmp_path / "work-b"}), tmp_path / "b",
                    monkeypatch, share=10**15)  # a budget of 0 bytes
    assert in_memory[3] == [True, True, True] and on_disk[3] == [False, False, False]
    assert in_memory[0] == on_disk[0]
    assert in_memory[1] == on_disk[1] and len(in_memory[1]) == 2
    assert in_memory[2] == on_disk[2]
    rules = {rule for f in in_memory[2] for rule, _ in f[4]}
    assert {"bad_number", "duplicate_key", "unknown_code", "blank_required", "unbalanced_quote"} <= rules, rules


@pytest.mark.parametrize(("limit", "budget"), [("8GB", 2 * 10**9), ("24MB", 6 * 10**6), ("2GiB", 2**29)])
def test_the_budget_is_a_quarter_of_the_memory_limit(limit, budget):
    assert api.stage_memory_budget(limit) == budget


def test_files_beyond_the_budget_are_staged_on_disk(settings, tmp_path, monkeypatch):
    """The budget is shared by a table's files: once spent, the next files go to disk."""
    root = tmp_path / "in"
    jan = write_csv(root / "setl_d_2025-01.csv", [setl_row(i, setl_time="2025-01-05 08:00:00") for i in range(30)],
                    SETL_COLS)
    feb = write_csv(root / "setl_d_2025-02.csv", [setl_row(100 + i, setl_time="2025-02-05 08:00:00")
                                                  for i in range(30)], SETL_COLS)
    monkeypatch.setattr(api, "stage_memory_budget", lambda limit: jan.stat().st_size + 10)
    seen = []
    monkeypatch.setattr(api, "_stage_file", lambda spec, res, target, *a: (
        seen.append((spec.path.name, target is None)), STAGE(spec, res, target, *a))[1])
    report = ingest_paths([jan, feb], settings)
    assert sorted(seen) == [("setl_d_2025-01.csv", True), ("setl_d_2025-02.csv", False)]
    assert sum(f.rows_accepted for f in report.files) == 60
