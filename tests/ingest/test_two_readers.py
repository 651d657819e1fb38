"""Two files of a table are read at the same time (issue 16: one reader left a core idle while
it ran the Python between two Arrow parses). The lake, quarantine and report are those of
reading one file after the other, and an interrupt stops the other reader at its next block
instead of waiting for it to read its whole file."""

from __future__ import annotations

import threading
import time

import pytest

from liangjiadi.ingest import api, ingest_paths, readers
from liangjiadi.ingest.progress import NoProgress

from .conftest import FIX_COLS, FIX_ROWS, SETL_COLS, setl_row, write_csv
from .test_lake_golden import lake_digest


def _months(root, rows_per_month: int = 40):
    paths = []
    for m in (3, 4, 5):
        rows = [setl_row(m * 10_000 + i, setl_time=f"2025-{m:02d}-{1 + i % 28:02d} 08:00:00")
                for i in range(rows_per_month)]
        rows[3]["medfee_sumamt"] = "12,3"  # one bad row per month
        paths.append(write_csv(root / f"setl_d_2025-{m:02d}.csv", rows, SETL_COLS))
    return paths


def _delivery(root):
    return [write_csv(root / "fixmedins.csv", FIX_ROWS, FIX_COLS), *_months(root)]


def _outcome(settings, paths):
    report = ingest_paths(paths, settings)
    files = [(f.path.rsplit("/", 1)[-1], f.status, f.rows_read, f.rows_accepted, f.rows_quarantined,
              sorted(f.rule_counts.items()), f.sha256) for f in report.files]
    return lake_digest(settings.workdir), files


def test_two_readers_give_what_one_gives(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK", 512)  # many blocks, so the two readers interleave
    both = _outcome(settings, _delivery(tmp_path / "a"))
    monkeypatch.setattr(api, "READERS", 1)
    one = _outcome(settings.model_copy(update={"workdir": tmp_path / "one"}), _delivery(tmp_path / "b"))
    assert both == one
    assert [f[4] for f in both[1]] == [0, 1, 1, 1]


class _Counting(NoProgress):
    def __init__(self):
        self.blocks: dict[str, int] = {}

    def advance(self, key, amount=1):
        if key.startswith("read:"):
            self.blocks[key] = self.blocks.get(key, 0) + 1


def test_an_interrupt_stops_the_other_reader(settings, tmp_path, monkeypatch, fixmedins_loaded):
    monkeypatch.setattr(readers, "BLOCK", 512)
    first, second, _ = _months(tmp_path / "in", rows_per_month=2000)  # each about 900 blocks
    progress = _Counting()
    real = readers.SourceReader.batches

    def batches(self):
        for n, batch in enumerate(real(self)):
            if self.path == first and n == 2:
                deadline = time.monotonic() + 10
                while progress.blocks.get(f"read:{second}", 0) < 5 and time.monotonic() < deadline:
                    time.sleep(0.001)  # the second file is being read meanwhile
                raise KeyboardInterrupt  # as Ctrl-C (or SIGTERM) in the middle of the load
            yield batch

    monkeypatch.setattr(readers.SourceReader, "batches", batches)
    started = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([first, second], settings, progress=progress)
    read = progress.blocks.get(f"read:{second}", 0)
    assert 5 <= read < 100, read  # stopped at its next block, not after its ~900
    assert threading.active_count() <= started
    assert not (settings.workdir / "lake" / "setl_d").exists()  # nothing of the table was written


def _most_at_once(monkeypatch) -> list[int]:
    """Spy on _stage_file: the most files being read at the same moment."""
    busy, most, lock = [0], [0], threading.Lock()
    real = api._stage_file

    def spy(*args, **kwargs):
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        try:
            time.sleep(0.2)  # long enough for a second reader to start, if there is one
            return real(*args, **kwargs)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(api, "_stage_file", spy)
    return most


def test_files_staged_on_disk_are_read_one_at_a_time(settings, tmp_path, monkeypatch, fixmedins_loaded):
    # On disk (beyond the memory budget, .xlsx, Parquet) two readers only doubled the batches
    # in flight: a third more peak memory on a Parquet delivery, no faster.
    monkeypatch.setattr(api, "STAGE_MEMORY_SHARE", 10**15)  # a budget of 0 bytes: every file on disk
    most = _most_at_once(monkeypatch)
    report = ingest_paths(_months(tmp_path / "disk"), settings)
    assert most[0] == 1 and sum(f.rows_accepted for f in report.files) == 3 * (40 - 1)  # one bad row a month


def test_files_held_in_memory_are_read_two_at_a_time(settings, tmp_path, monkeypatch, fixmedins_loaded):
    most = _most_at_once(monkeypatch)
    ingest_paths(_months(tmp_path / "mem"), settings)
    assert most[0] == 2
