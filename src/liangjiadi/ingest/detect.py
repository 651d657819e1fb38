"""What a path is: which files, which table, which month, which format and encoding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..schema import TABLES

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
           ".parquet": "parquet", ".pq": "parquet"}
# Known but unsupported: reported as such instead of "unknown table".
UNSUPPORTED = {".xls", ".et", ".dbf", ".zip", ".7z", ".rar", ".gz"}

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ADMDVS_RE = re.compile(r"^\d{6}$")
# A month in a file name: 2025-03, 2025_03, 202503 (not part of a longer number).
_NAME_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])(?!\d)")
_SEPARATORS = "_-. "


@dataclass
class FileSpec:
    path: Path
    table: str | None
    period: str | None  # the declared month (file name or --period), None = many months
    fmt: str | None
    period_from_name: str | None = None


def discover(paths: list[Path]) -> list[Path]:
    """Files named directly plus the data files under named directories (sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file() or _hidden(f, p):
                    continue
                suffix = f.suffix.lower()
                # .txt in a folder is often a readme: take it only when its name is a table's.
                if suffix in (".txt", ".tsv") and table_from_name(f) is None:
                    continue
                if suffix in FORMATS or suffix in UNSUPPORTED:
                    out.append(f)
        else:
            out.append(p)  # a missing file is reported by the reader, naming it
    seen: set[Path] = set()
    unique = []
    for f in out:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _hidden(f: Path, root: Path) -> bool:
    rel = f.relative_to(root).parts
    # ~$ files are Excel lock files; dot files are editor or OS droppings.
    return any(part.startswith((".", "~$")) for part in rel)


def table_from_name(path: Path) -> str | None:
    """The table a file holds, from its name (longest table-name prefix), else its folder."""
    for candidate in (path.stem, path.parent.name):
        name = candidate.strip().lower()
        for table in sorted(TABLES, key=len, reverse=True):
            if name == table or (name.startswith(table) and name[len(table)] in _SEPARATORS):
                return table
    return None


def period_from_name(path: Path, table: str | None) -> str | None:
    stem = path.stem.lower()
    if table and stem.startswith(table):
        stem = stem[len(table):]
    m = _NAME_PERIOD.search(stem)
    return f"{m.group(1)}-{m.group(2)}" if m else None


def file_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def describe(path: Path, table: str | None, period: str | None) -> FileSpec:
    t = table or table_from_name(path)
    from_name = period_from_name(path, t)
    return FileSpec(path=path, table=t, period=period or from_name, fmt=file_format(path),
                    period_from_name=from_name)


def detect_encoding(sample: bytes) -> str:
    """utf-8 (BOM or not) when a sample decodes strictly, else gb18030 (a superset of GBK).

    charset-normalizer is asked only when neither fits. The reader still falls back to
    gb18030 if a later part of the file turns out not to be UTF-8.
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and exc.reason.startswith("unexpected end"):
            return "utf-8"  # the sample cut a character in half
    try:
        sample.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4 and "incomplete" in exc.reason:
            return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise UnicodeError("无法识别文件编码")
    return best.encoding
