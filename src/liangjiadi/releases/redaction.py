"""脱敏扫描: no personal data may leave in a published bundle.

Every file of a bundle is read cell by cell (csv, xlsx, docx, parquet string columns) or line
by line (txt, md, json, html, svg ...) and searched for:

- 身份证号: 18 digits with a valid birth date and the GB 11643 check digit, or the old 15 digits
  (region code, valid YYMMDD birth date);
- 手机号: `1[3-9]` + 9 digits (optionally written 3-4-4 with - or spaces), not part of a longer
  number or a decimal amount;
- 人员编号: any token present in the lake's pseudonymised person columns (setl_d.psn_no), and
  raw person numbers when `redaction_psn_pattern` is configured;
- 个人姓名: any non-empty cell under a column header listed in `redaction_name_headers`.

A hit names the file, the place (sheet and cell, line, paragraph, table cell, column and row)
and the kind, and shows the value only masked (1101**********1234). Files that cannot be read
as text (pdf, zip ...) are reported too, since they cannot be shown to be clean; images pass.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import lake
from ..config import Settings
from ..schema import TABLES

KIND_CN = {
    "id_card": "身份证号",
    "mobile": "手机号",
    "psn_token": "人员编号（数据湖中的人员代号）",
    "psn_raw": "人员编号",
    "person_name": "个人姓名",
    "unscannable": "无法扫描的文件",
    "unreadable": "无法读取的文件",
}

TEXT_SUFFIXES = {".txt", ".md", ".json", ".html", ".htm", ".svg", ".xml", ".js", ".css", ".yaml", ".yml", ".tsv"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"}  # charts: no text to leak

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z.])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z]|\.\d)"
ID18 = re.compile(_NOT_ALNUM_BEFORE + r"(\d{17}[\dXx])" + _NOT_ALNUM_AFTER)
ID15 = re.compile(_NOT_ALNUM_BEFORE + r"([1-8]\d{14})" + _NOT_ALNUM_AFTER)
MOBILE = re.compile(_NOT_ALNUM_BEFORE + r"(1[3-9]\d[- ]?\d{4}[- ]?\d{4})" + _NOT_ALNUM_AFTER)
TOKEN_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{16,64}(?![0-9A-Za-z])")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id18_checksum_ok(number: str) -> bool:
    """The GB 11643-1999 check digit (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def is_id_card(number: str) -> bool:
    if len(number) == 18:
        return (number[0] in "12345678" and _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
                and 1900 <= int(number[6:10]) <= 2100 and id18_checksum_ok(number))
    if len(number) == 15:
        return _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return False


def mask(value: str, kind: str) -> str:
    """A form that says what was found without saying what it is."""
    value = str(value).strip()
    if kind == "person_name":
        return value[:1] + "*" * max(len(value) - 1, 1)
    if kind == "mobile":
        digits = re.sub(r"\D", "", value)
        return digits[:3] + "****" + digits[-4:]
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


@dataclass(frozen=True)
class RedactionHit:
    file: str  # path inside the bundle
    location: str  # Chinese: 第 3 行 / 工作表“Sheet1”单元格 B3 / 第 2 段 ...
    kind: str
    masked: str

    def message(self) -> str:
        shown = f"（{self.masked}）" if self.masked else ""
        return f"{self.file}：{self.location} 发现{KIND_CN[self.kind]}{shown}"


@dataclass
class ScanReport:
    hits: list[RedactionHit] = field(default_factory=list)
    files_scanned: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)  # images: nothing textual to leak
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.hits

    def summary(self, limit: int = 20) -> str:
        if self.clean:
            return f"脱敏扫描通过：扫描 {len(self.files_scanned)} 个文件，未发现个人信息。"
        lines = [f"脱敏扫描发现 {len(self.hits)} 处个人信息，禁止发布："]
        lines += [f"  - {h.message()}" for h in self.hits[:limit]]
        if len(self.hits) > limit:
            lines.append(f"  - ……另有 {len(self.hits) - limit} 处（完整清单见 liangjiadi release scan）")
        return "\n".join(lines)


# ---- cells: the unit every file type is reduced to ----------------------------------------


@dataclass(frozen=True)
class Cell:
    location: str
    text: str
    name_header: str | None = None  # the name-like header this cell sits under, if any
    whole_value: bool = False  # a table cell (its whole text may be a token), not free text


def _norm_header(text) -> str:
    return str(text).strip().lower() if text is not None else ""


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _table_cells(rows: Iterable[list], names: set[str], where) -> Iterator[Cell]:
    """Cells of a table whose first row is its header; `where(r, c, header)` names a place."""
    header: list[str] = []
    for r, row in enumerate(rows):
        if r == 0:
            header = [str(v) if v is not None else "" for v in row]
        for c, value in enumerate(row):
            if value is None or str(value).strip() == "":
                continue
            title = header[c] if c < len(header) else ""
            under = title if r > 0 and _norm_header(title) in names else None
            yield Cell(where(r, c, title), str(value), under, whole_value=True)


def _csv_cells(path: Path, names: set[str]) -> Iterator[Cell]:
    text = _decode(path.read_bytes())
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    yield from _table_cells(rows, names,
                            lambda r, c, h: f"第 {r + 1} 行第 {c + 1} 列" + (f"（列“{h}”）" if h and r else ""))


def _text_cells(path: Path, names: set[str]) -> Iterator[Cell]:
    text = _decode(path.read_bytes())
    lines = text.splitlines()
    for n, line in enumerate(lines, start=1):
        if line.strip():
            yield Cell(f"第 {n} 行", line)
    suffix = path.suffix.lower()
    if suffix == ".md":
        yield from _markdown_table_cells(lines, names)
    elif suffix in (".html", ".htm"):
        yield from _html_table_cells(text, names)
    elif suffix == ".json":
        try:
            yield from _json_name_cells(json.loads(text), names, "$")
        except ValueError:
            pass


def _markdown_table_cells(lines: list[str], names: set[str]) -> Iterator[Cell]:
    header: list[str] | None = None
    for n, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if all(set(c) <= set("-: ") for c in cells):
            continue
        for c, value in enumerate(cells):
            title = header[c] if c < len(header) else ""
            if value and _norm_header(title) in names:
                yield Cell(f"第 {n} 行（表格列“{title}”）", value, title, whole_value=True)


class _HtmlTables(HTMLParser):
    """Collects the text of every table cell, table by table and row by row."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._depth = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
            self._depth += 1
        elif tag == "tr" and self._depth:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self._depth and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _html_table_cells(text: str, names: set[str]) -> Iterator[Cell]:
    parser = _HtmlTables()
    parser.feed(text)
    for t, rows in enumerate(parser.tables, start=1):
        for cell in _table_cells(rows, names, lambda r, c, h, t=t: f"第 {t} 个表格第 {r + 1} 行第 {c + 1} 列"):
            if cell.name_header:  # the text itself was already scanned line by line
                yield cell


def _json_name_cells(node, names: set[str], path: str) -> Iterator[Cell]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if _norm_header(key) in names and isinstance(value, str) and value.strip():
                yield Cell(f"JSON 路径 {here}", value, key, whole_value=True)
            else:
                yield from _json_name_cells(value, names, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _json_name_cells(value, names, f"{path}[{i}]")


def _xlsx_cells(path: Path, names: set[str]) -> Iterator[Cell]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            name_columns: dict[int, str] = {}  # column index -> the name header above it
            for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, float) and value.is_integer():
                        value = int(value)
                    if isinstance(value, (int, str)):
                        text = str(value)
                    else:
                        continue  # dates, floats with decimals: amounts, not identifiers
                    if not text.strip():
                        continue
                    place = f"工作表“{sheet.title}”单元格 {_col_letter(c)}{r}"
                    if isinstance(value, str) and _norm_header(value) in names:
                        name_columns[c] = value.strip()
                        continue
                    yield Cell(place, text, name_columns.get(c), whole_value=True)
    finally:
        book.close()


def _docx_cells(path: Path, names: set[str]) -> Iterator[Cell]:
    try:
        import docx
    except ImportError:  # python-docx is a dependency; without it the file cannot be shown clean
        raise _Unscannable("未安装 python-docx，无法读取 Word 文件") from None
    document = docx.Document(str(path))
    for n, paragraph in enumerate(document.paragraphs, start=1):
        if paragraph.text.strip():
            yield Cell(f"第 {n} 段", paragraph.text)
    for t, table in enumerate(document.tables, start=1):
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        yield from _table_cells(rows, names, lambda r, c, h, t=t: f"第 {t} 个表格第 {r + 1} 行第 {c + 1} 列"
                                + (f"（列“{h}”）" if h and r else ""))
    for s, section in enumerate(document.sections, start=1):
        for part, label in ((section.header, "页眉"), (section.footer, "页脚")):
            for n, paragraph in enumerate(part.paragraphs, start=1):
                if paragraph.text.strip():
                    yield Cell(f"第 {s} 节{label}第 {n} 段", paragraph.text)


def _is_text_type(dtype: pa.DataType) -> bool:
    if pa.types.is_dictionary(dtype):
        return _is_text_type(dtype.value_type)
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype)


def _parquet_cells(path: Path, names: set[str]) -> Iterator[Cell]:
    schema = pq.read_schema(path)
    columns = [f.name for f in schema if _is_text_type(f.type)]
    if not columns:
        return
    table = pq.read_table(path, columns=columns)
    for name in columns:
        column = table[name]
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        under = name if _norm_header(name) in names else None
        # scan each distinct value once; name the first row that holds it
        for value in pc.unique(column).to_pylist():
            if value is None or not str(value).strip():
                continue
            row = pc.index(column, value).as_py()
            yield Cell(f"列“{name}”第 {row + 1} 行", str(value), under, whole_value=True)


class _Unscannable(Exception):
    pass


def _cells_of(path: Path, names: set[str]) -> Iterator[Cell] | None:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return _csv_cells(path, names)
    if suffix in TEXT_SUFFIXES:
        return _text_cells(path, names)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_cells(path, names)
    if suffix == ".docx":
        return _docx_cells(path, names)
    if suffix == ".parquet":
        return _parquet_cells(path, names)
    return None


# ---- the scan --------------------------------------------------------------------------------


def _patterns_in(text: str, raw_psn: re.Pattern | None) -> Iterator[tuple[str, str]]:
    for match in ID18.finditer(text):
        if is_id_card(match.group(1)):
            yield "id_card", match.group(1)
    for match in ID15.finditer(text):
        if is_id_card(match.group(1)):
            yield "id_card", match.group(1)
    for match in MOBILE.finditer(text):
        yield "mobile", match.group(1)
    if raw_psn is not None:
        for match in raw_psn.finditer(text):
            yield "psn_raw", match.group(0)


def _token_candidates(cell: Cell) -> set[str]:
    found = set(TOKEN_CANDIDATE.findall(cell.text))
    whole = cell.text.strip()
    if cell.whole_value and 8 <= len(whole) <= 64 and not any(ch.isspace() for ch in whole):
        found.add(whole)
    return found


def lake_person_tokens(workdir: Path, candidates: Iterable[str]) -> set[str]:
    """Those candidates that are person tokens in the lake (pseudonymised columns such as
    setl_d.psn_no). Reads only the person columns, filtered to the candidates, with pyarrow."""
    import pyarrow.dataset as ds

    wanted = pa.array(sorted(set(candidates)), pa.string())
    if len(wanted) == 0:
        return set()
    found: set[str] = set()
    for table in TABLES.values():
        person_columns = [c.name for c in table.columns if getattr(c, "pseudonymise", False)]
        files = [str(p) for p in lake.table_dir(workdir, table.name).glob("*/*/*.parquet")]
        if not person_columns or not files:
            continue
        for column in person_columns:
            try:
                dataset = ds.dataset(files, format="parquet", schema=pa.schema([pa.field(column, pa.string())]))
                hits = dataset.to_table(columns=[column], filter=ds.field(column).isin(wanted))[column]
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # odd file: read it column-wise
                hits = pa.chunked_array([
                    pq.read_table(f, columns=[column])[column].cast(pa.string()) for f in files
                    if column in pq.read_schema(f).names
                ], pa.string())
                hits = hits.filter(pc.is_in(hits, value_set=wanted))
            found.update(v for v in pc.unique(hits).to_pylist() if v)
    return found


def has_lake_person_tokens(workdir: Path) -> bool:
    return any(lake.has_data(workdir, t.name) for t in TABLES.values()
               if any(getattr(c, "pseudonymise", False) for c in t.columns))


def scan_files(files: Iterable[tuple[str, Path]], settings: Settings) -> ScanReport:
    """Scan (name shown in messages, path) pairs; every hit is collected, none stops the scan."""
    report = ScanReport()
    names = {_norm_header(h) for h in settings.redaction_name_headers}
    raw_psn = re.compile(settings.redaction_psn_pattern) if settings.redaction_psn_pattern else None
    candidates: dict[str, list[tuple[str, str]]] = {}  # token -> where it occurs (file, location)
    seen: set[tuple[str, str, str]] = set()

    def add(hit: RedactionHit, key: str) -> None:
        if (hit.file, hit.location, key) not in seen:
            seen.add((hit.file, hit.location, key))
            report.hits.append(hit)

    for shown, path in files:
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            report.files_skipped.append(shown)
            continue
        cells = _cells_of(path, names)
        if cells is None:
            add(RedactionHit(shown, "整个文件", "unscannable", ""), "")
            continue
        try:
            for cell in cells:
                for kind, value in _patterns_in(cell.text, raw_psn):
                    add(RedactionHit(shown, cell.location, kind, mask(value, kind)), kind + value)
                if cell.name_header:
                    add(RedactionHit(shown, cell.location, "person_name", mask(cell.text, "person_name")),
                        "name")
                for token in _token_candidates(cell):
                    places = candidates.setdefault(token, [])
                    if len(places) < 50:  # enough to find and fix them
                        places.append((shown, cell.location))
        except _Unscannable as exc:
            add(RedactionHit(shown, f"整个文件（{exc}）", "unscannable", ""), "")
            continue
        except Exception as exc:  # noqa: BLE001 - a broken file cannot be shown to be clean
            add(RedactionHit(shown, f"整个文件（{type(exc).__name__}）", "unreadable", ""), "")
            continue
        report.files_scanned.append(shown)

    if candidates:
        if has_lake_person_tokens(Path(settings.workdir)):
            for token in sorted(lake_person_tokens(Path(settings.workdir), candidates)):
                for shown, location in candidates[token]:
                    add(RedactionHit(shown, location, "psn_token", mask(token, "psn_token")), token)
        else:
            report.notes.append("数据湖中没有人员编号，未比对人员代号")
    report.hits.sort(key=lambda h: h.file)  # stable: keeps each file's hits in reading order
    return report
