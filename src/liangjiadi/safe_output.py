"""Safe outputs: file names built from data, writes confined to their folder, cells that never run.

One place for both ideas, low in the layers so ingest (quarantine CSV), reports (docx/html/xlsx)
and the CLI exports all use the same rules:

    safe_file_name("../../tmp/x")            -> "_.._tmp_x"       (no separator, no leading dot)
    confined_path(out_dir, name)             -> out_dir/name, or OutputPathError if it escapes
    cell_text("=HYPERLINK(...)")             -> "'=HYPERLINK(...)" (Excel/WPS show it as text)
    cell_text("-12.5")                       -> "-12.5"           (a number stays a number)

Spreadsheet programs run a cell as a formula when its text starts with = + - @ (and, through
DDE, after a tab or carriage return); a leading apostrophe makes them show the text instead.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .errors import LjdError

# ---- file names --------------------------------------------------------------------------------

# Separators and the characters Windows forbids in names; control characters are removed apart.
_UNSAFE_NAME_CHARS = re.compile(r'[/\\<>:"|?*]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
# Most file systems allow 255 bytes per name; keep room for a suffix and a "-2" de-duplication.
MAX_NAME_BYTES = 180


class OutputPathError(LjdError):
    code = "LJD-OUT-PATH"


def safe_file_name(text: str, *, fallback: str = "未命名", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name made from data: readable (Chinese kept), one path component, never hidden.

    Separators and characters Windows forbids become "_", control characters are dropped, leading
    dots and spaces and trailing dots and spaces are removed, and the name is cut to `max_bytes`
    of UTF-8 at a character boundary. An empty result or a Windows device name gets a fallback.
    """
    name = unicodedata.normalize("NFC", str(text or ""))
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    name = name.lstrip(". \u3000").rstrip(". \u3000")
    encoded = name.encode("utf-8")
    if len(encoded) > max_bytes:
        name = encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip(". \u3000")
    if not name:
        return fallback
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    return name


def confined_path(base: Path | str, *parts: str) -> Path:
    """`base/parts...`, refused unless it resolves (symlinks followed) inside `base`."""
    root = Path(base).resolve()
    target = root.joinpath(*parts).resolve()
    if target == root or not target.is_relative_to(root):
        raise OutputPathError(f"输出文件 {Path(base).joinpath(*parts)} 不在输出目录 {base} 内，已拒绝写入",
                              "文件名来自数据，含有路径成分；请检查数据中的机构编码等字段")
    return Path(base).joinpath(*parts)


# ---- spreadsheet cells -------------------------------------------------------------------------

# Characters that make Excel or WPS read a cell as a formula (or a DDE call).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A plain number (sign, thousands separators, decimals, exponent, percent) is data, not a formula.
NUMBER_PATTERN = r"^[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$"
_NUMBER = re.compile(NUMBER_PATTERN)
# The same test as a regex for column-wise use (pyarrow): text starting with a trigger, after
# optional spaces, that is not just a sign on its own.
DANGEROUS_PATTERN = "^[ \u3000]*[=+\\-@\t\r\n]"
_DANGEROUS = re.compile(DANGEROUS_PATTERN)
NEUTRALISER = "'"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could run `text` as a formula."""
    return bool(_DANGEROUS.match(text)) and not _NUMBER.match(text) and text.strip() not in ("-", "+")


def cell_text(text: str) -> str:
    """Text for a spreadsheet cell that is shown, never run: formula-like text gets a leading "'"."""
    return NEUTRALISER + text if is_formula_like(text) else text


def csv_cell(value) -> str | object:
    """A CSV field: text neutralised, numbers (and numeric text, negative too) left as they are."""
    if isinstance(value, str):
        return cell_text(value)
    return "" if value is None else value


def csv_row(values) -> list:
    return [csv_cell(v) for v in values]


def neutralise_arrow(array):
    """cell_text over a pyarrow string array (nulls stay null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # Only kernel options, no Python values turned into Arrow scalars or arrays: pyarrow
    # imports pandas for those (about 0.4 CPU s of an ingest that quarantines a row).
    array = array.cast(pa.string())
    risky = pc.and_(pc.match_substring_regex(array, DANGEROUS_PATTERN),
                    pc.invert(pc.match_substring_regex(array, NUMBER_PATTERN)))
    risky = pc.and_(risky, pc.invert(pc.match_substring_regex(pc.utf8_trim_whitespace(array), "^[-+]$")))
    prefixed = pc.utf8_replace_slice(array, start=0, stop=0, replacement=NEUTRALISER)
    return pc.if_else(risky, prefixed, array)  # risky is null only where the value is
