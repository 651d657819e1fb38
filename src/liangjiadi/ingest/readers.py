"""Readers: turn a CSV, .xlsx or Parquet file into all-string Arrow batches.

Every batch has `_line` (the row's line in the file: header = line 1, so the first data row
is line 2; for .xlsx the sheet row number; for Parquet the 1-based row number), `_badrow`,
`_badrule` and `_badcol` (set when the reader already knows the row is bad: wrong number of
fields, a quoted value spanning lines, an over-long value, a number-mangled identifier, an
undecodable line) and one string column per contract column the file has. Values stay raw
text here; typing and checking happen in SQL (validate.py), so nothing is ever rounded
through a float.

Accounting is by physical line: every data line of a CSV file comes out as exactly one row
(or is counted as blank), so lines read = rows in the lake + rows quarantined. A value the
reader refuses (too long, digits possibly lost) is replaced by NULL here, so it is never
written to the staging file, the lake or the quarantine file.
"""

from __future__ import annotations

import csv
import re
import sys
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
from ..schema import PERSONAL_COLUMNS, Table, canonical_column, code_table
from .detect import detect_encoding

BLOCK = 16 << 20  # bytes of CSV handed to the Arrow parser at a time
# Arrow parses each BLOCK in slices of this size on its threads. Slices that fit in the CPU
# cache parse about twice as fast as one 16 MiB slice (issue 16). A quoted line break across
# a slice boundary only makes the row count differ from the line count, and that block then
# goes to the exact line-by-line parser, as any quoted line break does.
PARSE_BLOCK = 1 << 20
META = ("_line", "_badrow", "_badrule", "_badcol")  # leading columns of every batch
NMETA = len(META)
# A number in scientific notation (what Excel writes for a long number): its digits are gone.
SCI_RE = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$"
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number
GUESS_LIMIT = 1000  # bad rows per file for which the column holding a stray separator is guessed
_TYPE_SHAPES = {
    "money": re.compile(r"^-?\d+(\.\d+)?$"), "int": re.compile(r"^-?\d+(\.0+)?$"),
    "float": re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$"), "date": re.compile(r"^\d{4}[-/]?\d{2}[-/]?\d{2}$"),
    "datetime": re.compile(r"^\d{4}[-/]?\d{2}[-/]?\d{2}([ T]?\d{2}:?\d{2}(:?\d{2})?)?$"), "admdvs": re.compile(r"^\d{6}$"),
    "period": re.compile(r"^\d{4}-\d{2}$"),
}
MAX_CARRY = 64 << 20  # give up keeping quotes balanced across blocks beyond this
CARRY_ROOM = 1 << 20  # room in a read buffer for the part line carried before the block
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
    return pa.schema([("_line", pa.int64())] + [(m, pa.string()) for m in META[1:]]
                     + [(c, pa.string()) for c in plan.columns])


class SourceReader:
    """Opens one file, maps its header and yields all-string batches."""

    def __init__(self, path: Path, fmt: str, table: Table, on_progress: OnProgress | None = None,
                 on_bytes: Callable[[bytes | memoryview], object] | None = None):
        self.path = Path(path)
        self.fmt = fmt
        self.table = table
        self.on_progress = on_progress or (lambda n: None)
        # A CSV file's bytes, every one once and in order, as the parser reads them (the
        # caller fingerprints the file from them instead of reading it a second time). A
        # block is a view of a reused buffer: when on_bytes returns a future, the buffer is
        # refilled only once it is done (_blocks); otherwise use the bytes before returning.
        self.on_bytes = on_bytes or (lambda b: None)
        self.encoding: str | None = None
        self.delimiter = ","
        self.plan: ColumnPlan | None = None
        self.blank_rows = 0
        # Lines that continue a well-formed record (a quoted value holding a newline):
        # lines of data = rows + blank rows + continuation lines.
        self.continuation_lines = 0
        self.multiline_columns: set[str] = set()
        self._id_lengths: dict[int, set[int]] = {}
        self._learned = 0
        self._guesses = 0
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
            raise InputFileError(self.path, f"无法读取：{_unreadable_reason(self.fmt, exc)}",
                                 "请确认文件完整、格式与扩展名一致。", code="unreadable_file") from exc
        return self.plan

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.fmt == "csv":
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
        text = _decode_line(first, self.encoding)
        if text is None:
            raise InputFileError(self.path, "第 1 行（表头）既不是 UTF-8 也不是 GB18030 编码，无法识别列名。",
                                 "请把文件另存为 UTF-8 或 GBK 编码。", code="unreadable_file")
        text = text.rstrip("\r")
        if not text.strip():
            raise InputFileError(self.path, "第 1 行（表头）为空。", code="empty_file")
        # The platform's extracts use commas; tab- or bar-separated text is accepted too.
        counts = {d: text.count(d) for d in (",", "\t", "|")}
        self.delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
        header = next(csv.reader([text], delimiter=self.delimiter))
        self.plan = plan_columns(self.table, header, self.path)
        self.total = self.path.stat().st_size

    def _csv_batches(self) -> Iterator[pa.RecordBatch]:
        plan = self.plan
        ncol = len(plan.header)
        names = [f"c{i}" for i in range(ncol)]
        include = [f"c{i}" for i in plan.keep]
        schema = batch_schema(plan)
        utf8 = self.encoding.replace("_", "-").lower() in ("utf-8", "utf8", "ascii")
        read_opts = pacsv.ReadOptions(column_names=names, block_size=min(PARSE_BLOCK, BLOCK), use_threads=True)
        conv_opts = pacsv.ConvertOptions(
            include_columns=include, column_types={n: pa.string() for n in include},
            strings_can_be_null=True, quoted_strings_can_be_null=True)
        line = 2
        used: set[str] = set()  # encodings of the lines decoded one by one
        with open(self.path, "rb") as f:
            head = f.readline()
            self.on_bytes(head)
            self.on_progress(len(head))
            for buf, end, at_eof in self._blocks(f):
                n_lines = buf.count(b"\n", 0, end) + (0 if buf[end - 1] == 0x0A else 1)
                chunk = memoryview(buf)[:end]
                undecodable: list[int] = []
                data = None
                if not utf8:
                    try:
                        data = str(chunk, self.encoding).encode("utf-8")
                    except UnicodeDecodeError:
                        data = None
                else:
                    data = chunk
                tbl = None
                if data is not None:
                    tbl, invalid = self._fast_parse(data, read_opts, conv_opts)
                    if tbl is None and utf8:
                        data = None  # not valid UTF-8 after all: decode line by line below
                if data is None:
                    # Mixed encodings: each line as UTF-8, else GB18030, else quarantined.
                    data, undecodable = _decode_lines(bytes(chunk), self.encoding, ncol, self.delimiter, used)
                    tbl, invalid = self._fast_parse(data, read_opts, conv_opts)
                if tbl is not None and not invalid and tbl.num_rows == n_lines:
                    lines = _line_numbers(line, n_lines)
                    cols = [tbl.column(n).combine_chunks() if tbl.num_rows else pa.array([], pa.string())
                            for n in include]
                    nulls = pa.nulls(n_lines, pa.string())
                    batch = pa.RecordBatch.from_arrays([lines, nulls, nulls, nulls] + cols, schema=schema)
                else:
                    # Rows and lines do not match one to one (quoted newlines, bad rows):
                    # parse this block with the csv module, which tracks lines exactly.
                    batch = self._slow_block(str(data, "utf-8", "replace"), line, schema, at_eof=at_eof)
                del chunk, data  # the buffer is refilled for a later block
                if undecodable:
                    batch = _mark_lines(batch, [line + i for i in undecodable], "bad_encoding",
                                        "该行既不是 UTF-8 也不是 GB18030 编码，无法解码（整行未读取）")
                line += n_lines
                batch = self._finish(batch)
                if batch.num_rows:
                    yield batch
        if used - {self.encoding}:
            # Reported in the load report: which encodings the file really held.
            self.encoding = "+".join(sorted(used)) if len(used) > 1 else used.pop()

    def _blocks(self, f) -> Iterator[tuple[bytearray, int, bool]]:
        """The data lines after the header, whole, about BLOCK bytes at a time: (buffer, end,
        at_eof), the lines being buffer[:end], valid until the next block is asked for. A
        block that leaves a quote open is carried into the next (a quoted value may hold a
        newline), up to MAX_CARRY; at_eof: the file ends with this block.

        Read into two buffers used in turn: a new 16 MiB bytes object for each read, for
        joining it to the cut line before it and for slicing off the whole lines was fresh
        memory that the kernel faulted in and zeroed, most of the reader's page faults and
        copies (issue 16). A buffer is refilled only once on_bytes has taken its bytes (it
        may return a future, e.g. of the fingerprint's thread)."""
        bufs = [bytearray(BLOCK + CARRY_ROOM), bytearray(BLOCK + CARRY_ROOM)]
        taken: list = [None, None]
        carry = b""  # the bytes after the last whole line (a part line; all when a quote is open)
        k = 0
        while True:
            if taken[k] is not None:
                taken[k].result()
                taken[k] = None
            if len(bufs[k]) < len(carry) + BLOCK:  # a long carry: a larger buffer from now on
                bufs[k] = bytearray(len(carry) + BLOCK)
            buf, start = bufs[k], len(carry)
            buf[:start] = carry
            view = memoryview(buf)
            n = f.readinto(view[start:start + BLOCK])
            if n:
                taken[k] = self.on_bytes(view[start:start + n])
                self.on_progress(n)
            del view
            end = start + n
            if not n:
                if end:
                    yield buf, end, True
                return
            cut = buf.rfind(b"\n", 0, end)
            if cut < 0:
                carry = bytes(buf[:end])
                continue
            # (`find` is a fast memchr; counting is only needed when quotes occur.)
            if buf.find(b'"', 0, cut + 1) >= 0 and buf.count(b'"', 0, cut + 1) % 2 and cut + 1 < MAX_CARRY:
                carry = bytes(buf[:end])
                continue
            carry = bytes(buf[cut + 1:end])
            yield buf, cut + 1, False
            k ^= 1

    def _fast_parse(self, data: bytes, read_opts, conv_opts):
        """Arrow's parser; (None, []) when it refuses the block (the caller falls back)."""
        invalid: list = []

        def handler(row, _invalid=invalid):
            _invalid.append(row)
            return "skip"

        parse_opts = pacsv.ParseOptions(delimiter=self.delimiter, ignore_empty_lines=False,
                                        invalid_row_handler=handler)
        # pyarrow decodes a bad row's text before calling the handler; when that text is not
        # UTF-8 the error is "unraisable" and would print a traceback. Catch it and decode the
        # block line by line instead.
        unraisable: list = []
        previous = sys.unraisablehook
        sys.unraisablehook = unraisable.append
        try:
            tbl = pacsv.read_csv(pa.BufferReader(pa.py_buffer(data)), read_options=read_opts,
                                 parse_options=parse_opts, convert_options=conv_opts)
        except pa.ArrowInvalid:
            return None, invalid
        finally:
            sys.unraisablehook = previous
        if unraisable:
            return None, invalid
        return tbl, invalid

    def _slow_block(self, text: str, first_line: int, schema: pa.Schema,
                    at_eof: bool = False) -> pa.RecordBatch:
        """Parse one block with the csv module, one output row per physical line.

        A record that spans several lines (a quoted value holding a newline, or a stray
        quote that joined lines) quarantines every line it spans, naming the column, each
        with its own values read alone (`_values_alone`); a quote that never closes
        quarantines its own line and parsing resumes on the next.
        """
        csv.field_size_limit(max(csv.field_size_limit(), 4 * MAX_CARRY))
        plan = self.plan
        ncol = len(plan.header)
        keep = list(plan.keep)
        raw = _physical_lines(text)
        rows: list[tuple[int, str | None, str | None, str | None, list | None]] = []
        pos = 0
        while pos < len(raw):
            reader = csv.reader(iter(raw[pos:]), delimiter=self.delimiter)
            done = 0
            restart = False
            for fields in reader:
                start, end = pos + done, pos + reader.line_num  # lines [start, end)
                done = reader.line_num
                line_no = first_line + start
                if end - start > 1 and self._plain_multiline(fields, ncol):
                    # A quoted text value holding a line break (an address, a name): one
                    # record; its extra lines are counted, the column is named in the report.
                    self.continuation_lines += end - start - 1
                    self.multiline_columns.add(self._column_with_newline(fields) or "?")
                    rows.append((line_no, None, None, None,
                                 [fields[i] if fields[i] != "" else None for i in keep]))
                    continue
                if end - start > 1:
                    quotes = sum(raw[i].count('"') for i in range(start, end))
                    col = self._column_with_newline(fields)
                    if end == len(raw) and quotes % 2:
                        # The quote on this line never closes: only this line is bad.
                        rows.append((line_no, "unbalanced_quote",
                                     f"该行的引号没有闭合（{_col_text(col)}）：这一行未读取，后续各行照常读取", col,
                                     self._values_alone(raw[start], keep, ncol)))
                        pos = start + 1
                        restart = True
                        break
                    last = first_line + end - 1
                    msg = (f"第 {line_no}–{last} 行被一个带引号的值连成了一条记录（{_col_text(col)}含换行，"
                           f"可能是引号不成对）：所跨的 {end - start} 行全部隔离")
                    for i in range(start, end):  # each line quarantined with what it held
                        rows.append((first_line + i, "unbalanced_quote", msg, col,
                                     self._values_alone(raw[i], keep, ncol)))
                    continue
                if not fields:  # an empty line: an all-blank row, counted by _drop_blank
                    rows.append((line_no, None, None, None, [None] * len(keep)))
                    continue
                if len(fields) != ncol:
                    # Never keep the raw text: it may carry names or ID numbers.
                    last_line = at_eof and end == len(raw) and not text.endswith("\n")
                    if last_line and len(fields) < ncol:
                        rows.append((line_no, "truncated_row",
                                     f"文件最后一行只有 {len(fields)} 列，表头 {ncol} 列：文件可能被截断", None, None))
                    else:
                        col = self._guess_split_column(fields) if len(fields) > ncol else None
                        rows.append((line_no, "bad_row", _count_message(len(fields), ncol, self.delimiter, col),
                                     col.split("、")[0] if col else None, None))
                else:
                    rows.append((line_no, None, None, None,
                                 [fields[i] if fields[i] != "" else None for i in keep]))
                    self._learn_lengths(fields)
            if not restart:
                break
        lines = [r[0] for r in rows]
        cols: list[list] = [[(r[4][j] if r[4] is not None else None) for r in rows] for j in range(len(keep))]
        arrays = [pa.array(lines, pa.int64()), pa.array([r[2] for r in rows], pa.string()),
                  pa.array([r[1] for r in rows], pa.string()), pa.array([r[3] for r in rows], pa.string())]
        arrays += [pa.array(c, pa.string()) for c in cols]
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def _values_alone(self, line: str, keep: list[int], ncol: int) -> list | None:
        """The contract values of one physical line that a stray quote joined to others (or whose
        quote never closes), read on its own, so that its quarantine line keeps what the line
        held: by the csv rules, else split at every separator (the stray quote stays in its
        value). None when neither gives the header's number of columns: the values could not be
        put in their columns (a personal column's value could land in a kept one), so none is kept."""
        text = line.rstrip("\n").rstrip("\r")
        for fields in (next(csv.reader([text], delimiter=self.delimiter), []), text.split(self.delimiter)):
            if len(fields) == ncol:
                return [fields[i] if fields[i] != "" else None for i in keep]
        return None

    def _plain_multiline(self, fields: list[str], ncol: int) -> bool:
        """A legitimate quoted line break: right field count, and every value holding a
        break is text (no identifier) without the separator. Two stray quotes in one column
        join whole rows, so that value holds separators: never taken for plain text."""
        if len(fields) != ncol:
            return False
        for i, v in enumerate(fields):
            if "\n" in v or "\r" in v:
                name = self.plan.keep.get(i)
                if self.delimiter in v or (name and self.table.column(name).identifier):
                    return False
        return True

    def _guess_split_column(self, fields: list[str]) -> str | None:
        """Which column's value probably holds the unquoted separator: the one whose
        re-joining makes the most other values fit their types (only for the first rows)."""
        self._guesses += 1
        if self._guesses > GUESS_LIMIT:
            return None
        header = self.plan.header
        extra = len(fields) - len(header)
        scores = []
        for j in range(len(header)):
            merged = fields[:j] + [self.delimiter.join(fields[j:j + extra + 1])] + fields[j + extra + 1:]
            # the joined value must fit too once the separator is gone ("1,234.00" is money)
            scores.append(sum(self._fits(i, v, True) for i, v in enumerate(merged) if i != j)
                          + self._fits(j, merged[j].replace(self.delimiter, ""), False))
        top = max(scores)
        tied = [self._header_name(j) for j, sc in enumerate(scores) if sc == top]
        # Several columns fit equally well (e.g. two free-text columns side by side): name them all.
        return "、".join(tied[:3]) if len(tied) <= 3 else None

    def _learn_lengths(self, fields: list[str]) -> None:
        """Lengths of identifiers in good rows (the first few), to place a stray separator."""
        if self._learned >= 200:
            return
        self._learned += 1
        for i, name in self.plan.keep.items():
            if self.table.column(name).identifier and fields[i]:
                self._id_lengths.setdefault(i, set()).add(len(fields[i]))

    def _fits(self, i: int, v: str, by_length: bool) -> bool:
        name = self.plan.keep.get(i)
        if name is None or v == "":
            return True
        c = self.table.column(name)
        seen = self._id_lengths.get(i)
        if by_length and seen and c.identifier and len(v) not in seen:
            return False  # identifiers of one file mostly share their lengths
        if c.dtype == "code" and c.codes:
            return v in code_table(c.codes)
        pattern = _TYPE_SHAPES.get(c.dtype)
        return pattern is None or bool(pattern.match(v.strip()))

    def _column_with_newline(self, fields: list[str]) -> str | None:
        for i, v in enumerate(fields):
            if "\n" in v or "\r" in v:
                return self._header_name(i)
        return None

    def _header_name(self, i: int) -> str | None:
        plan = self.plan
        if i in plan.keep:
            return plan.keep[i]
        if i < len(plan.header):
            return plan.header[i].strip() or f"第 {i + 1} 列"
        return None

    # ---- checks shared by every format ------------------------------------------------
    def _finish(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        batch = self._screen(batch)
        return self._drop_blank(batch)

    def _screen(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Refuse over-long values and identifiers in scientific notation.

        The refused value becomes NULL here (it is never stored anywhere); the row is marked
        with the rule and the column, so it is quarantined with file, line and column.
        """
        if batch.num_rows == 0 or batch.num_columns <= NMETA:
            return batch
        names = batch.schema.names
        marks: dict[int, tuple[str, str, str]] = {}
        arrays = list(batch.columns)
        for i in range(NMETA, len(arrays)):
            col = self.table.column(names[i])
            arr = arrays[i]
            if arr.null_count == len(arr):
                continue
            view = _bytes_view(arr)
            # A value has no more characters than bytes: only a column whose longest value
            # exceeds the limit in bytes needs the character count.
            bad = (None if view is not None and view.max_bytes() <= col.limit
                   else pc.greater(pc.utf8_length(arr), col.limit))
            rule, what = "value_too_long", None
            # Scientific notation needs an "e" or "E" byte: a scan of the column's bytes is
            # cheap, the regular expression runs only on the (rare) columns that have one.
            if col.identifier and (view.has_byte_e() if view is not None
                                   else pc.any(pc.match_substring(arr, "e", ignore_case=True)).as_py()):
                sci = pc.match_substring_regex(arr, SCI_RE)
                if pc.any(sci).as_py():
                    for j in np.flatnonzero(pc.fill_null(sci, False).to_numpy(zero_copy_only=False)):
                        marks.setdefault(int(j), ("numeric_identifier", col.name,
                                                  f"{col.name}（{col.cn}）的值是科学计数法的数字（如 1.23457E+14），"
                                                  f"编号的位数已丢失：请把该列设为文本后重新导出"))
                    bad = sci if bad is None else pc.or_(bad, sci)
            if bad is None or not pc.any(bad).as_py():
                continue
            idx = np.flatnonzero(pc.fill_null(bad, False).to_numpy(zero_copy_only=False))
            lengths = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
            for j in idx:
                what = (f"{col.name}（{col.cn}）的值长 {int(lengths[j]):,} 个字符，超过上限 {col.limit}"
                        f"（原值未保存）")
                marks.setdefault(int(j), (rule, col.name, what))
            arrays[i] = pc.if_else(bad, pa.scalar(None, pa.string()), arr)
        if not marks:
            return batch
        return _apply_marks(pa.RecordBatch.from_arrays(arrays, schema=batch.schema), marks)

    def _drop_blank(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Trim values, then skip (and count) rows with no value left (blank lines)."""
        if batch.num_columns <= NMETA or batch.num_rows == 0:
            return batch
        batch = _trim_batch(batch)
        mask = pc.is_valid(batch.column(1))
        for i in range(NMETA, batch.num_columns):
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
        ident = [self.table.column(plan.keep[i]).identifier for i in keep]
        lines: list[int] = []
        marks: dict[int, tuple[str, str, str]] = {}
        cols: list[list] = [[] for _ in keep]
        n = self._header_line
        try:
            for row in self._rows:
                n += 1
                cells = [row[i] if i < len(row) else None for i in keep]
                vals = [_cell_text(v) for v in cells]
                if all(v is None for v in vals):
                    if row and any(v is not None for v in row):
                        self.blank_rows += 1
                    continue
                for k, (v, is_id) in enumerate(zip(cells, ident)):
                    if is_id and _lossy_number(v):
                        name = plan.keep[keep[k]]
                        marks.setdefault(len(lines), (
                            "numeric_identifier", name,
                            f"{name}（{self.table.column(name).cn}）是 Excel 数字单元格，超过 {EXCEL_DIGITS} 位"
                            f"有效数字或带小数，编号的位数可能已丢失：请把该列设为文本后重新导出"))
                        vals[k] = None
                lines.append(n)
                for c, v in zip(cols, vals):
                    c.append(v)
                if len(lines) >= XLSX_BATCH:
                    self.on_progress(len(lines))
                    batch = self._finish(_apply_marks(_batch(schema, lines, cols), marks))
                    if batch.num_rows:
                        yield batch
                    lines, cols, marks = [], [[] for _ in keep], {}
            if lines:
                self.on_progress(len(lines))
                batch = self._finish(_apply_marks(_batch(schema, lines, cols), marks))
                if batch.num_rows:
                    yield batch
        finally:
            self._wb.close()

    # ---- Parquet --------------------------------------------------------------------
    def _open_parquet(self) -> None:
        self._pf = pq.ParquetFile(self.path)
        self.plan = plan_columns(self.table, self._pf.schema_arrow.names, self.path)
        self.total = self._pf.metadata.num_rows
        schema = self._pf.schema_arrow
        for i, name in self.plan.keep.items():
            col = self.table.column(name)
            t = schema.field(i).type
            if col.identifier and (pa.types.is_floating(t) or (pa.types.is_decimal(t) and t.scale > 0)):
                raise InputFileError(
                    self.path,
                    f"列 {schema.field(i).name}（{col.cn}）以浮点数/小数类型（{t}）存储，编号超过 15 位时"
                    f"位数已丢失，不同的编号可能变成同一个；整个文件未导入。",
                    "请把编号列存为文本（string）后重新导出；整数类型（int64）可以直接导入。",
                    code="numeric_identifier_file")

    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        plan = self.plan
        schema = batch_schema(plan)
        names = self._pf.schema_arrow.names
        src_cols = [names[i] for i in plan.keep]
        line = 1
        for rb in self._pf.iter_batches(batch_size=262_144, columns=src_cols, use_threads=True):
            n = rb.num_rows
            nulls = pa.nulls(n, pa.string())
            arrays = [_line_numbers(line, n), nulls, nulls, nulls]
            for i in range(len(src_cols)):
                arrays.append(_to_text(rb.column(i)))
            line += n
            self.on_progress(n)
            batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
            batch = self._finish(batch)
            if batch.num_rows:
                yield batch


def _line_numbers(first: int, n: int) -> pa.Array:
    """first, first + 1, ... as an int64 array, from the numpy buffer: `pa.array` on any
    Python or numpy object makes pyarrow import pandas (about 0.4 CPU s that ingest of a
    clean file never needs otherwise; issue 16)."""
    return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(np.arange(first, first + n, dtype=np.int64))])


def _trim_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Strip surrounding whitespace (fixed-width extracts pad values, also with U+3000);
    a value that was only whitespace becomes empty (null). Done here, once, in Arrow:
    cheaper than trimming in every SQL pass."""
    arrays = list(batch.columns)
    for i in range(NMETA, len(arrays)):
        col = arrays[i]
        view = _bytes_view(col)
        if view is not None and not view.maybe_padded():
            continue  # no value starts or ends with a byte that can be (part of) whitespace
        trimmed = pc.utf8_trim_whitespace(col)
        if trimmed.equals(col):
            continue
        arrays[i] = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


class _BytesView:
    """The offsets and bytes of a string column, for whole-column tests that are exact
    shortcuts of the per-value Arrow kernels (each says "maybe" when unsure)."""

    def __init__(self, arr: pa.StringArray):
        _, offsets, data = arr.buffers()
        self.offsets = np.frombuffer(offsets, dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
        self.data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)

    def max_bytes(self) -> int:
        return int(np.diff(self.offsets).max()) if len(self.offsets) > 1 else 0

    def has_byte_e(self) -> bool:
        body = self.data[self.offsets[0]:self.offsets[-1]].tobytes()
        return b"e" in body or b"E" in body

    def maybe_padded(self) -> bool:
        """Some value may start or end with whitespace: its first or last byte is an ASCII
        control or space (Arrow also trims 0x1c-0x1f) or a byte of a multi-byte character.
        An empty or null value reads a neighbour's byte instead (clipped at the ends): that
        can only say "maybe" more often, never miss a padded value. `take` without masking
        out the empty values: the masks and fancy indexing were a tenth of the reader's
        Python (issue 16)."""
        if len(self.data) == 0:
            return False
        firsts = np.take(self.data, self.offsets[:-1], mode="clip")
        lasts = np.take(self.data, self.offsets[1:] - 1, mode="clip")
        # 0x21..0x7E (printable ASCII, no space) is safe: anything else wraps above 0x5D
        return bool(((firsts - np.uint8(0x21)) > 0x5D).any() or ((lasts - np.uint8(0x21)) > 0x5D).any())


def _bytes_view(arr) -> _BytesView | None:
    if not isinstance(arr, pa.StringArray):  # a chunked or large string column: no shortcut
        return None
    return _BytesView(arr)


def _batch(schema: pa.Schema, lines: list[int], cols: list[list]) -> pa.RecordBatch:
    nulls = pa.nulls(len(lines), pa.string())
    arrays = [pa.array(lines, pa.int64()), nulls, nulls, nulls]
    arrays += [pa.array(c, pa.string()) for c in cols]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _apply_marks(batch: pa.RecordBatch, marks: dict[int, tuple[str, str, str]]) -> pa.RecordBatch:
    """Set (_badrule, _badcol, _badrow) on the given row positions; a reason already set stays."""
    if not marks:
        return batch
    msg = batch.column(1).to_pylist()
    rule = batch.column(2).to_pylist()
    col = batch.column(3).to_pylist()
    for j, (r, c, m) in marks.items():
        if rule[j] is None:
            rule[j], col[j], msg[j] = r, c, m
    arrays = list(batch.columns)
    arrays[1], arrays[2], arrays[3] = (pa.array(msg, pa.string()), pa.array(rule, pa.string()),
                                       pa.array(col, pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


def _mark_lines(batch: pa.RecordBatch, lines: list[int], rule: str, message: str) -> pa.RecordBatch:
    """Mark the rows of the given physical lines bad and blank their values."""
    hit = pc.is_in(batch.column(0), value_set=pa.array(lines, pa.int64()))
    idx = np.flatnonzero(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))
    arrays = list(batch.columns)
    for i in range(NMETA, len(arrays)):
        arrays[i] = pc.if_else(hit, pa.scalar(None, pa.string()), arrays[i])
    out = pa.RecordBatch.from_arrays(arrays, schema=batch.schema)
    return _apply_marks(out, {int(j): (rule, None, message) for j in idx})


def _physical_lines(text: str) -> list[str]:
    """Split on \\n only (as the line count does), keeping the terminators."""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def _decode_line(raw: bytes, encoding: str, used: set[str] | None = None) -> str | None:
    for enc in dict.fromkeys(("utf-8", encoding, "gb18030")):
        try:
            text = raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if used is not None and not raw.isascii():
            used.add(enc)
        return text
    return None


def _decode_lines(chunk: bytes, encoding: str, ncol: int, delimiter: str,
                  used: set[str]) -> tuple[bytes, list[int]]:
    """Decode a block line by line (files that mix UTF-8 and GBK lines).

    A line that decodes in neither is replaced by an empty record of the right width and
    its index returned, so that it is quarantined by line number, never read.
    """
    out: list[bytes] = []
    bad: list[int] = []
    placeholder = (delimiter * (ncol - 1)).encode("utf-8")
    parts = chunk.split(b"\n")
    for i, raw in enumerate(parts):
        text = _decode_line(raw, encoding, used)
        if text is None and i == len(parts) - 1:
            # A file cut inside a character: read what is whole (a truncated row).
            for k in (1, 2, 3):
                if text is None and len(raw) > k:
                    text = _decode_line(raw[:-k], encoding, used)
        if text is None:
            bad.append(i)
            out.append(placeholder)
        else:
            out.append(text.encode("utf-8"))
    return b"\n".join(out), bad


def _col_text(col: str | None) -> str:
    return f"列 {col} 的值" if col else "某个值"


def _count_message(n: int, ncol: int, delimiter: str, col: str | None = None) -> str:
    shown = {",": "逗号", "\t": "制表符", "|": "竖线"}.get(delimiter, delimiter)
    if n > ncol:
        where = f"很可能是列 {col} 的值" if col and "、" not in col else (
            f"很可能是列 {col} 之一的值" if col else "可能某个值")
        return (f"实际 {n} 列，表头 {ncol} 列：多出 {n - ncol} 列，{where}含未加引号的分隔符（{shown}）")
    return f"实际 {n} 列，表头 {ncol} 列：少 {ncol - n} 列，可能某个值含换行或缺少分隔符"


def _lossy_number(v) -> bool:
    """An Excel numeric cell whose digits may be gone (fraction, or beyond 15 digits)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    if isinstance(v, float) and not v.is_integer():
        return True
    return len(str(abs(int(v)))) > EXCEL_DIGITS


def _unreadable_reason(fmt: str, exc: Exception) -> str:
    """A Chinese reason for a file the parser refused (the English text may quote data)."""
    if isinstance(exc, UnicodeError):
        return "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）"
    if fmt == "parquet":
        return "不是有效的 Parquet 文件，或文件已损坏/不完整"
    if fmt == "xlsx":
        return "不是有效的 .xlsx 工作簿，或文件已损坏/不完整"
    return f"文件格式无法解析（{type(exc).__name__}）"


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
        if t.tz is None:  # Arrow's own cast writes "YYYY-MM-DD HH:MM:SS", ~30x cheaper than strftime
            return secs.cast(pa.string())
        return pc.strftime(secs, format="%Y-%m-%d %H:%M:%S").cast(pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(arr, "1", "0")
    return arr.cast(pa.string())
