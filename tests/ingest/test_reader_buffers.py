"""The CSV reader reads into two buffers used in turn, not into new bytes objects per block
(issue 16: the reads, joins and slices were most of the reader's page faults). A buffer may
be refilled only once on_bytes has taken its bytes, and lines cut by a block, quoted line
breaks and a last line without a newline must read as before."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

from liangjiadi.ingest import readers
from liangjiadi.ingest.readers import SourceReader
from liangjiadi.schema import TABLES

from .conftest import SETL_COLS, setl_row, write_csv


def _read(path, on_bytes=None):
    reader = SourceReader(path, "csv", TABLES["setl_d"], on_bytes=on_bytes)
    reader.open()
    rows = [r for b in reader.batches() for r in b.to_pylist()]
    return reader, rows


def _fingerprint_and_rows(path):
    """Read `path` with a deliberately slow fingerprint on another thread: (hash of the bytes
    on_bytes got, rows, how many distinct buffers the bytes came in)."""
    sha, buffers = hashlib.sha256(), {}

    def slow_update(view):
        time.sleep(0.002)  # the reader would overwrite the bytes meanwhile if it did not wait
        sha.update(view)

    with ThreadPoolExecutor(max_workers=1) as pool:
        def on_bytes(b):
            if isinstance(b, memoryview):
                buffers[id(b.obj)] = b.obj  # kept alive: an id is not reused
            return pool.submit(slow_update, b)

        _, rows = _read(path, on_bytes)
        pool.submit(lambda: None).result()
    return sha.hexdigest(), rows, len(buffers)


def _rows_in_one_block(path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(readers, "BLOCK", 1 << 20)
        return _read(path)[1]


def test_blocks_come_in_two_buffers_and_a_slow_fingerprint_gets_every_byte(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "setl_d_2025-03.csv", [setl_row(i) for i in range(60)], SETL_COLS)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # the last line has no newline
    whole = _rows_in_one_block(path, monkeypatch)
    monkeypatch.setattr(readers, "BLOCK", 256)  # lines cut by every block
    digest, rows, buffers = _fingerprint_and_rows(path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert buffers == 2, "a new buffer per block"
    assert rows == whole and [r["_line"] for r in rows] == list(range(2, 62))


def test_carried_blocks_read_as_one_block_does(tmp_path, monkeypatch):
    rows = [setl_row(i) for i in range(60)]
    rows[9]["fixmedins_code"] = 'H"001'  # a stray quote: blocks carried whole into the next
    rows[30]["fixmedins_code"] = "H001\n" + "续" * 80  # a quoted line break longer than a block
    path = write_csv(tmp_path / "setl_d_2025-03.csv", rows, SETL_COLS)
    whole = _rows_in_one_block(path, monkeypatch)
    monkeypatch.setattr(readers, "BLOCK", 64)
    digest, got, _ = _fingerprint_and_rows(path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert got == whole
