"""A CSV file's fingerprint (sha256 in the load report and provenance) is made from the bytes
the parser reads, so the file is read once, not twice (issue 16); it must still be the hash of
the whole file, byte for byte, whatever the blocks, quotes and carried lines."""

from __future__ import annotations

import hashlib

from liangjiadi.ingest import ingest_paths, provenance, readers

from .conftest import SETL_COLS, setl_row, write_csv


def test_csv_fingerprint_comes_from_the_parsed_blocks_and_equals_the_files_hash(settings, tmp_path, monkeypatch,
                                                                                fixmedins_loaded):
    monkeypatch.setattr(readers, "BLOCK", 300)  # many blocks; lines carried across them
    reread = []
    real = provenance.sha256_of
    monkeypatch.setattr(provenance, "sha256_of", lambda p: reread.append(p) or real(p))
    rows = [setl_row(i) for i in range(40)]
    rows[7]["fixmedins_code"] = 'H"14040000001'  # a stray quote: that block goes the slow way
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + b"\n\n")  # a BOM and trailing blank lines
    report = ingest_paths([path], settings)
    res = report.files[0]
    assert res.rows_read == 40 and res.status != "rejected"
    assert res.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert reread == []  # not read a second time for the fingerprint


def test_xlsx_and_parquet_are_still_fingerprinted_whole(settings, tmp_path, fixmedins_loaded):
    from .test_formats import _write_xlsx

    rows = [setl_row(i) for i in range(5)]
    x = tmp_path / "in" / "setl_d_2025-03.xlsx"
    x.parent.mkdir(parents=True, exist_ok=True)
    _write_xlsx(x, rows, SETL_COLS)
    res = ingest_paths([x], settings).files[0]
    assert res.rows_accepted == 5
    assert res.sha256 == hashlib.sha256(x.read_bytes()).hexdigest()
