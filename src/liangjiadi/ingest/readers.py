"""Readers: turn a CSV, .xlsx or Parquet file into all-string Arrow batches.

Every batch has `_line` (the row's line in the file: header = line 1, so the first data row
is line 2; for .xlsx the sheet row number; for Parquet the 1-based row number), `_badrow`
(set when a CSV row has the wrong number of fields) and one string column per contract column
the file has. Values stay raw text here; typing and checking happen in SQL (validate.py), so
nothing is ever rounded through a float.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import InputFileError
from ..schema import PERSONAL_COLUMNS, Table, canonical_column
from .detect import detect_encoding

BLOCK = 16 << 20  # bytes of CSV handed to the Arrow parser at a time
MAX_CARRY = 64 << 20  # give up keeping quotes balanced across blocks beyond this
XLSX_BATCH = 50_000
BOM = b"\xef\xbb\xbf"

OnProgress = Callable[[int], None]


@dataclass
class ColumnPlan:
    """How a file's header maps onto the contract."""

    header: list[str]
    keep: dict[int, str] = field(default_factory=dict)  # file column index -> contract name
    personal: list[str] = field(default_factory=list)  # dropped, never read
    ignored: list[str] = field(default_factory=list)  # not in the contract
    duplicated: list[str] = field(default_factory=list)  # a second column for the same name

    @property
    def columns(self) -> list[str]:
        return list(self.keep.values())


def plan_columns(table: Table, header: list[str], path: Path) -> ColumnPlan:
    plan = ColumnPlan(header=[str(h) if h is not None else "" for h in header])
    for i, raw in enumerate(plan.header):
        name = canonical_column(table, raw)
        low = raw.strip().lstrip("\ufeff").lower()
        if name is None:
            if not low:
                continue
            if low in PERSONAL_COLUMNS:
                plan.personal.append(raw.strip())
            else:
                plan.ignored.append(raw.strip())
        elif name in plan.keep.values():
            plan.duplicated.append(raw.strip())
        else:
            plan.keep[i] = name
    order = {c: n for n, c in enumerate(table.column_names)}
    plan.keep = dict(sorted(plan.keep.items(), key=lambda kv: order[kv[1]]))
    missing = [c for c in table.required_columns if c not in plan.keep.values()]
    if missing:
        cols = "、".join(f"{c}（{table.column(c).cn}）" for c in missing)
        raise InputFileError(
            path, f"缺少必需列 {cols}，整个文件未导入。",
            f"请检查表头；{table.name} 表的必需列见 docs/ingest.md。", code="missing_column")
    return plan


def batch_schema(plan: ColumnPlan) -> pa.Schema:
    return pa.schema([("_line", pa.int64()), ("_badrow", pa.string())]
                     + [(c, pa.string()) for c in plan.columns])


class _Reencode(Exception):
    """The file turned out not to be UTF-8 after all: read it again as GB18030."""


class SourceReader:
    """Opens one file, maps its header and yields all-string batches."""

    def __init__(self, path: Path, fmt: str, table: Table, on_progress: OnProgress | None = None):
        self.path = Path(path)
        self.fmt = fmt
        self.table = table
        self.on_progress = on_progress or (lambda n: None)
        self.encoding: str | None = None
        self.delimiter = ","
        self.plan: ColumnPlan | None = None
        self.blank_rows = 0
        self.total: int | None = None  # progress units (bytes, or rows for xlsx)

    # ---- public ---------------------------------------------------------------------
    def open(self) -> ColumnPlan:
        if not self.path.exists():
            raise InputFileError(self.path, "文件不存在。", code="unreadable_file")
        if self.path.stat().st_size == 0:
            raise InputFileError(self.path, "文件为空（0 字节）。", code="empty_file")
        try:
            if self.fmt == "csv":
                self._open_csv()
            elif self.fmt == "xlsx":
                self._open_xlsx()
            else:
                self._open_parquet()
        except InputFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - any parser failure is "unreadable"
            raise InputFileError(self.path, f"无法读取：{exc}", "请确认文件完整、格式与扩展名一致。",
                                 code="unreadable_file") from exc
        return self.plan

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.fmt == "csv":
            # May raise _Reencode (a later block is not UTF-8): the caller restarts staging.
            yield from self._csv_batches()
        elif self.fmt == "xlsx":
            yield from self._xlsx_batches()
        else:
            yield from self._parquet_batches()

    # ---- CSV ------------------------------------------------------------------------
    def _open_csv(self) -> None:
        with open(self.path, "rb") as f:
            sample = f.read(4 << 20)
        if self.encoding is None:
            self.encoding = detect_encoding(sample)
        first = sample.split(b"\n", 1)[0]
        if first.startswith(BOM):
            first = first[len(BOM):]
        text = first.decode(self.encoding, errors="strict").rstrip("\r")
        if not text.strip():
            raise InputFileError(self.path, "第 1 行（表头）为空。", code="empty_file")
        # The platform's extracts use commas; tab- or bar-separated text is accepted too.
        counts = {d: text.count(d) for d in (",", "\t", "|")}
        self.delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
        header = next(csv.reader([text], delimiter=self.delimiter))
        self.plan = plan_columns(self.table, header, self.path)
        self.total = self.path.stat().st_size

    def reopen_as_gb18030(self) -> None:
        self.encoding = "gb18030"
        self._open_csv()

    def _csv_batches(self) -> Iterator[pa.RecordBatch]:
        plan = self.plan
        ncol = len(plan.header)
        names = [f"c{i}" for i in range(ncol)]
        include = [f"c{i}" for i in plan.keep]
        schema = batch_schema(plan)
        utf8 = self.encoding.replace("_", "-").lower() in ("utf-8", "utf8", "ascii")
        read_opts = pacsv.ReadOptions(column_names=names, block_size=BLOCK, use_threads=True)
        conv_opts = pacsv.ConvertOptions(
            include_columns=include, column_types={n: pa.string() for n in include},
            strings_can_be_null=True, quoted_strings_can_be_null=True)
        line = 2
        with open(self.path, "rb") as f:
            head = f.readline()
            self.on_progress(len(head))
            carry = b""
            eof = False
            while not eof:
                block = f.read(BLOCK)
                self.on_progress(len(block))
                if not block:
                    eof = True
                    chunk, carry = carry, b""
                else:
                    buf = carry + block
                    cut = buf.rfind(b"\n")
                    if cut < 0:
                        carry = buf
                        continue
                    chunk, carry = buf[:cut + 1], buf[cut + 1:]
                    # A quoted field may hold a newline: keep reading until quotes balance.
                    # (`in` is a fast memchr; counting is only needed when quotes occur.)
                    if b'"' in chunk and chunk.count(b'"') % 2 and len(chunk) < MAX_CARRY:
                        carry = chunk + carry
                        continue
                if not chunk:
                    continue
                n_lines = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
                if utf8:
                    data = chunk
                else:
                    data = chunk.decode(self.encoding).encode("utf-8")
                invalid = []

                def handler(row, _invalid=invalid):
                    _invalid.append(row)
                    return "skip"

                parse_opts = pacsv.ParseOptions(delimiter=self.delimiter, ignore_empty_lines=False,
                                                invalid_row_handler=handler)
                try:
                    tbl = pacsv.read_csv(io.BytesIO(data), read_options=read_opts,
                                         parse_options=parse_opts, convert_options=conv_opts)
                except pa.ArrowInvalid as exc:
                    if utf8 and "utf8" in str(exc).lower():
                        raise _Reencode() from exc
                    raise
                if not invalid and tbl.num_rows == n_lines:
                    lines = pa.array(np.arange(line, line + n_lines, dtype=np.int64))
                    cols = [tbl.column(n).combine_chunks() if tbl.num_rows else pa.array([], pa.string())
                            for n in include]
                    batch = pa.RecordBatch.from_arrays(
                        [lines, pa.nulls(n_lines, pa.string())] + cols, schema=schema)
                else:
                    # Rows and lines do not match one to one (quoted newlines, bad rows):
                    # parse this block with the csv module, which tracks lines exactly.
                    batch = self._slow_block(data.decode("utf-8"), line, schema)
                line += n_lines
                batch = self._drop_blank(batch)
                if batch.num_rows:
                    yield batch

    def _slow_block(self, text: str, first_line: int, schema: pa.Schema) -> pa.RecordBatch:
        plan = self.plan
        ncol = len(plan.header)
        keep = list(plan.keep)
        lines, bad = [], []
        cols: list[list] = [[] for _ in keep]
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
        start = 0
        for fields in reader:
            row_line = first_line + start
            start = reader.line_num
            if not fields:
                continue
            lines.append(row_line)
            if len(fields) != ncol:
                # Never keep the raw text: it may carry names or ID numbers.
                bad.append(f"实际 {len(fields)} 列，表头 {ncol} 列")
                for c in cols:
                    c.append(None)
            else:
                bad.append(None)
                for c, i in zip(cols, keep):
                    c.append(fields[i] if fields[i] != "" else None)
        arrays = [pa.array(lines, pa.int64()), pa.array(bad, pa.string())]
        arrays += [pa.array(c, pa.string()) for c in cols]
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def _drop_blank(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Trim values, then skip (and count) rows with no value left (blank lines)."""
        if batch.num_columns <= 2 or batch.num_rows == 0:
            return batch
        batch = _trim_batch(batch)
        mask = pc.is_valid(batch.column(1))
        for i in range(2, batch.num_columns):
            mask = pc.or_(mask, pc.is_valid(batch.column(i)))
        kept = pc.sum(mask).as_py() or 0
        if kept == batch.num_rows:
            return batch
        self.blank_rows += batch.num_rows - kept
        return batch.filter(mask)

    # ---- xlsx -----------------------------------------------------------------------
    def _open_xlsx(self) -> None:
        import openpyxl

        self._wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        ws = self._wb.worksheets[0]
        self._ws = ws
        self._rows = ws.iter_rows(values_only=True)
        self._header_line = 0
        header = None
        for n, row in enumerate(self._rows, start=1):
            if row and any(v not in (None, "") for v in row):
                header, self._header_line = list(row), n
                break
        if header is None:
            raise InputFileError(self.path, "工作表没有表头和数据。", code="empty_file")
        self.plan = plan_columns(self.table, ["" if h is None else str(h) for h in header], self.path)
        self.total = ws.max_row

    def _xlsx_batches(self) -> Iterator[pa.RecordBatch]:
        plan = self.plan
        schema = batch_schema(plan)
        keep = list(plan.keep)
        lines: list[int] = []
        cols: list[list] = [[] for _ in keep]
        n = self._header_line
        try:
            for row in self._rows:
                n += 1
                vals = [_cell_text(row[i]) if i < len(row) else None for i in keep]
                if all(v is None for v in vals):
                    if row and any(v is not None for v in row):
                        self.blank_rows += 1
                    continue
                lines.append(n)
                for c, v in zip(cols, vals):
                    c.append(v)
                if len(lines) >= XLSX_BATCH:
                    self.on_progress(len(lines))
                    batch = self._drop_blank(_batch(schema, lines, cols))
                    if batch.num_rows:
                        yield batch
                    lines, cols = [], [[] for _ in keep]
            if lines:
                self.on_progress(len(lines))
                batch = self._drop_blank(_batch(schema, lines, cols))
                if batch.num_rows:
                    yield batch
        finally:
            self._wb.close()

    # ---- Parquet --------------------------------------------------------------------
    def _open_parquet(self) -> None:
        self._pf = pq.ParquetFile(self.path)
        self.plan = plan_columns(self.table, self._pf.schema_arrow.names, self.path)
        self.total = self._pf.metadata.num_rows

    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        plan = self.plan
        schema = batch_schema(plan)
        names = self._pf.schema_arrow.names
        src_cols = [names[i] for i in plan.keep]
        line = 1
        for rb in self._pf.iter_batches(batch_size=262_144, columns=src_cols, use_threads=True):
            n = rb.num_rows
            arrays = [pa.array(np.arange(line, line + n, dtype=np.int64)), pa.nulls(n, pa.string())]
            for i in range(len(src_cols)):
                arrays.append(_to_text(rb.column(i)))
            line += n
            self.on_progress(n)
            batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
            batch = self._drop_blank(batch)
            if batch.num_rows:
                yield batch


def _trim_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Strip surrounding whitespace (fixed-width extracts pad values, also with U+3000);
    a value that was only whitespace becomes empty (null). Done here, once, in Arrow:
    cheaper than trimming in every SQL pass."""
    arrays = list(batch.columns)
    for i in range(2, len(arrays)):
        col = arrays[i]
        trimmed = pc.utf8_trim_whitespace(col)
        if trimmed.equals(col):
            continue
        arrays[i] = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


def _batch(schema: pa.Schema, lines: list[int], cols: list[list]) -> pa.RecordBatch:
    arrays = [pa.array(lines, pa.int64()), pa.nulls(len(lines), pa.string())]
    arrays += [pa.array(c, pa.string()) for c in cols]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _cell_text(v) -> str | None:
    """An Excel cell as the text a CSV export would carry (no float rounding noise)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v if v.strip() else None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        if v.time() == time(0):
            return v.date().isoformat()
        return v.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _to_text(arr: pa.Array) -> pa.Array:
    t = arr.type
    if pa.types.is_string(t):
        return arr
    if pa.types.is_large_string(t) or pa.types.is_dictionary(t):
        return arr.cast(pa.string())
    if pa.types.is_timestamp(t):
        secs = pc.cast(arr, pa.timestamp("s", t.tz), safe=False)
        return pc.strftime(secs, format="%Y-%m-%d %H:%M:%S").cast(pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(arr, "1", "0")
    return arr.cast(pa.string())
