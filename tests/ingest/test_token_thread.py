"""Tokens are hashed on a second thread while the reader parses the next block (issue 16:
wall time), batch by batch, in order: every row keeps its own person's token."""

from __future__ import annotations

import threading

from liangjiadi.ingest import ingest_paths, readers
from liangjiadi.ingest.pseudonym import Tokens, token

from .conftest import KEY, SETL_COLS, lake_rows, setl_row, write_csv


def test_tokens_are_hashed_beside_the_parse_and_stay_with_their_rows(settings, tmp_path, monkeypatch,
                                                                     fixmedins_loaded):
    monkeypatch.setattr(readers, "BLOCK", 512)  # several batches per file
    on_main = []
    real = Tokens.of

    def spy(self, values):
        if len(values):
            on_main.append(threading.current_thread() is threading.main_thread())
        return real(self, values)

    monkeypatch.setattr(Tokens, "of", spy)
    rows = [setl_row(i, psn_no=f"P{i:04d}") for i in range(60)]
    res = ingest_paths([write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)], settings).files[0]
    assert res.rows_accepted == 60
    assert len(on_main) > 3 and not any(on_main)
    got = {r["setl_id"]: r["psn_no"] for r in lake_rows(settings.workdir, "setl_d")}
    assert got == {r["setl_id"]: token(KEY.encode(), r["psn_no"]) for r in rows}
