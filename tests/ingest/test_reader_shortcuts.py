"""The readers' whole-column shortcuts (issue 16: cheaper staging) give exactly what the
per-value Arrow kernels give: trimming, over-long values, identifiers in scientific notation.

Each batch is screened twice, once with the shortcuts and once with them switched off (the
kernels on every column, as before); the batches and the marks must be identical.
"""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from liangjiadi.ingest import readers
from liangjiadi.ingest.readers import META, SourceReader
from liangjiadi.schema import TABLES

# Pieces chosen to sit on every edge of the shortcuts: ASCII and Unicode whitespace (Arrow
# also trims 0x1c-0x1f), multi-byte characters (more bytes than characters), "e"/"E" inside
# and outside numbers, and Excel's scientific notation.
PIECES = ["1404", "0", "9", " ", "\t", "\x1f", "\u3000", "\xa0", "\u2028", "\u2003", "医", "院", "…",
          "e", "E", "1.23457E+14", "2e5", "H", "-", ".", "", "\x7f", "，"]


def _value(rng: random.Random) -> str | None:
    if rng.random() < 0.15:
        return None
    n = rng.choice([0, 1, 2, 3, 8, 25])
    return "".join(rng.choice(PIECES) for _ in range(n))


def _batch(rng: random.Random, columns: list[str], rows: int, sliced: bool) -> pa.RecordBatch:
    extra = 5 if sliced else 0
    n = rows + 2 * extra
    arrays = [pa.array(range(2, n + 2), pa.int64())] + [pa.nulls(n, pa.string())] * (len(META) - 1)
    arrays += [pa.array([_value(rng) for _ in range(n)], pa.string()) for _ in columns]
    schema = pa.schema([("_line", pa.int64())] + [(m, pa.string()) for m in META[1:]]
                       + [(c, pa.string()) for c in columns])
    batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
    return batch.slice(extra, rows) if sliced else batch  # a slice: offsets not starting at 0


def _finish(batch: pa.RecordBatch, columns: list[str]) -> tuple[pa.RecordBatch, int]:
    reader = SourceReader(__file__, "csv", TABLES["setl_d"])
    out = reader._finish(batch)
    return out, reader.blank_rows


@pytest.mark.parametrize("seed", range(12))
def test_shortcuts_equal_the_per_value_kernels(seed, monkeypatch):
    rng = random.Random(seed)
    # identifiers (scientific notation screen), a short-limit code, text, money, a date
    columns = ["setl_id", "psn_no", "fix_blng_admdvs", "med_type", "medfee_sumamt", "setl_time"]
    batch = _batch(rng, columns, rows=rng.choice([1, 7, 300]), sliced=seed % 2 == 1)
    fast, fast_blank = _finish(batch, columns)
    monkeypatch.setattr(readers, "_bytes_view", lambda arr: None)
    slow, slow_blank = _finish(batch, columns)
    assert fast.to_pylist() == slow.to_pylist()
    assert fast_blank == slow_blank


def test_padding_found_only_at_the_edges():
    view = readers._bytes_view(pa.array(["A B", "医院", None, "x"]))
    assert not readers._bytes_view(pa.array(["A B", "12.5", None, ""])).maybe_padded()
    assert view.maybe_padded()  # a multi-byte character at an edge: maybe whitespace
    assert readers._bytes_view(pa.array(["ok", "x\x1f"])).maybe_padded()
    # empty and null values next to a padded one, at either end, also in a slice
    assert readers._bytes_view(pa.array(["", " x"])).maybe_padded()
    assert readers._bytes_view(pa.array(["y ", None, ""])).maybe_padded()
    assert readers._bytes_view(pa.array(["ab", " c", None, ""]).slice(1)).maybe_padded()
    assert not readers._bytes_view(pa.array(["ab", None, ""]).slice(1)).maybe_padded()
    assert not readers._bytes_view(pa.array([None, ""])).maybe_padded()
    assert readers._bytes_view(pa.array(["医院" * 10])).max_bytes() == 60
    assert readers._bytes_view(pa.array(["1404", "1.23457E+14"])).has_byte_e()
    assert not readers._bytes_view(pa.array(["1404", "H001"]).slice(0, 1)).has_byte_e()
