"""The text a reader sees in a rendered document (docx with its tables, headers and footers;
html without its scripts; xlsx, every sheet), and the words that must not appear in it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Python's None/nan, the check status "warn", English status and kind words, snake_case names
FORBIDDEN = [
    re.compile(r"\bNone\b"), re.compile(r"\bnan\b", re.IGNORECASE), re.compile(r"\bwarn(ing)?\b", re.IGNORECASE),
    re.compile(r"\b(monthly|quarterly|annual|topic|pass|fail|error|n/a)\b", re.IGNORECASE),
    re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),  # field names: setl_id, fix_blng_admdvs, income_total
]


def docx_text(path: Path) -> str:
    import docx

    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]

    def tables(ts):
        for t in ts:
            for row in t.rows:
                for cell in row.cells:
                    parts.append(cell.text)
                    tables(cell.tables)

    tables(doc.tables)
    for section in doc.sections:
        for part in (section.header, section.footer):
            parts += [p.text for p in part.paragraphs]
    return "\n".join(parts)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return "\n".join(parser.parts)


def chart_text(path: Path) -> str:
    """The chart options of an html page: names, categories and labels a reader sees in the charts."""
    import json

    m = re.search(r'<script type="application/json" id="chart-options">(.*?)</script>',
                  Path(path).read_text(encoding="utf-8"), re.S)
    if not m:
        return ""
    out: list[str] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("name", "text", "data", "subtext") or k == "":
                    walk(v, k)
                elif isinstance(v, (dict, list)):
                    walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("name", "text", "data", "subtext"):
            out.append(node)

    walk(json.loads(m.group(1)))
    return "\n".join(out)


def xlsx_text(path: Path) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    parts = []
    for ws in wb.worksheets:
        parts.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            parts += [str(v) for v in row if v is not None]
    wb.close()
    return "\n".join(parts)


def document_text(path: Path) -> str:
    suffix = Path(path).suffix
    if suffix == ".docx":
        return docx_text(path)
    if suffix == ".html":
        return html_text(path) + "\n" + chart_text(path)
    if suffix == ".xlsx":
        return xlsx_text(path)
    raise ValueError(path)


def forbidden_words(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        for rx in FORBIDDEN:
            for m in rx.finditer(line):
                found.append(f"{m.group(0)!r} in: {line.strip()[:120]}")
    return found
