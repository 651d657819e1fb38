"""Arrow parses each CSV block in small slices (readers.PARSE_BLOCK, issue 16: cheaper
staging). A quoted value holding a separator, a doubled quote or a line break may straddle a
slice boundary; the rows, line numbers and marks must be exactly those of parsing the whole
block as one slice (the old behaviour)."""

from __future__ import annotations

import random

import pytest

from liangjiadi.ingest import readers
from liangjiadi.ingest.readers import SourceReader
from liangjiadi.schema import TABLES

from .conftest import SETL_COLS, setl_row, write_csv

TRICKY = ['a,b', 'say "hi"', "line\nbreak", "two\n\nbreaks", "\r\nwin", "x" * 300, "", "医院，二"]


def _rows(rng: random.Random, n: int) -> list[dict]:
    rows = []
    for i in range(n):
        over = {}
        if rng.random() < 0.03:
            over["psn_name"] = rng.choice(TRICKY)  # a personal column: parsed, never kept
        if rng.random() < 0.01:
            over["fixmedins_code"] = rng.choice(TRICKY)  # an identifier: a line break quarantines
        rows.append(setl_row(i, **over))
    return rows


def _read(path, monkeypatch, parse_block: int) -> tuple[list[dict], tuple, int]:
    monkeypatch.setattr(readers, "BLOCK", 8192)
    monkeypatch.setattr(readers, "PARSE_BLOCK", parse_block)
    reader = SourceReader(path, "csv", TABLES["setl_d"])
    reader.open()
    fast = []
    parse = reader._fast_parse

    def counted(*args):
        tbl, invalid = parse(*args)
        fast.append(tbl is not None and not invalid)
        return tbl, invalid

    reader._fast_parse = counted
    rows = [r for b in reader.batches() for r in b.to_pylist()]
    return rows, (reader.blank_rows, reader.continuation_lines, sorted(reader.multiline_columns)), sum(fast)


@pytest.mark.parametrize("seed", range(8))
def test_small_parse_slices_read_what_one_slice_reads(seed, tmp_path, monkeypatch):
    rng = random.Random(seed)
    path = write_csv(tmp_path / "setl_d_2025-03.csv", _rows(rng, 1500), SETL_COLS)
    if seed % 2:  # a stray quote that never closes, somewhere in the middle
        lines = path.read_bytes().split(b"\n")
        k = rng.randrange(50, 1450)
        lines[k] = lines[k].replace(b",", b',"', 1)
        path.write_bytes(b"\n".join(lines))
    whole, whole_counts, _ = _read(path, monkeypatch, parse_block=8192)
    # rows are ~200 bytes: slice boundaries fall inside values, yet most blocks parse fast
    sliced, sliced_counts, fast = _read(path, monkeypatch, parse_block=700 + 37 * seed)
    assert len(whole) >= 1490
    assert fast >= 5
    assert sliced == whole
    assert sliced_counts == whole_counts
