"""Tokens are hashed on a second thread, never on the main one (issue 16: wall time), and every
row keeps its own person's token. A file staged in memory is hashed once, whole, while the next
file is parsed (a person is looked up once per file, not once per batch); a file staged on
disk is hashed batch by batch beside the parse of the next block."""

from __future__ import annotations

import threading

import pytest

from liangjiadi.ingest import api, ingest_paths, readers
from liangjiadi.ingest.pseudonym import Tokens, token

from .conftest import KEY, SETL_COLS, lake_rows, setl_row, write_csv


@pytest.mark.parametrize("on_disk", [False, True], ids=["in-memory", "on-disk"])
def test_tokens_are_hashed_off_the_main_thread_and_stay_with_their_rows(settings, tmp_path, monkeypatch,
                                                                       fixmedins_loaded, on_disk):
    monkeypatch.setattr(readers, "BLOCK", 512)  # several batches per file
    if on_disk:
        monkeypatch.setattr(api, "STAGE_MEMORY_SHARE", 10**15)  # a zero budget: staged on disk
    calls = []
    real = Tokens.of

    def spy(self, values):
        if len(values):
            calls.append(threading.current_thread() is threading.main_thread())
        return real(self, values)

    monkeypatch.setattr(Tokens, "of", spy)
    months = {"2025-03": range(60), "2025-04": range(40, 100)}  # persons 40-59 in both files
    rows = {m: [setl_row(i, psn_no=f"P{i:04d}", setl_id=f"S{m}-{i}", begndate=f"{m}-01", enddate=f"{m}-05",
                         setl_time=f"{m}-{1 + i % 28:02d} 10:20:30") for i in ids]
            for m, ids in months.items()}
    files = [write_csv(tmp_path / "in" / f"setl_d_{m}.csv", r, SETL_COLS) for m, r in rows.items()]
    report = ingest_paths(files, settings)
    assert [f.rows_accepted for f in report.files] == [60, 60]
    assert not any(calls)
    assert len(calls) > 6 if on_disk else len(calls) == 2  # one call per file held in memory
    got = {r["setl_id"]: r["psn_no"] for r in lake_rows(settings.workdir, "setl_d")}
    assert got == {r["setl_id"]: token(KEY.encode(), r["psn_no"]) for rs in rows.values() for r in rs}
