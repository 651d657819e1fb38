"""Word output: a DocumentView through a docxtpl template.

The template is `<workdir>/templates/<key>.docx` when the user has put one there (their
letterhead, fonts, fixed wording), else the packaged one in reports/templates/. Tables are
built as a docxtpl sub-document (columns vary by table); charts are PNG images at 200 dpi.
Every run names the East-Asian font so Chinese never falls back to a font without glyphs.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .charts import to_png
from .fonts import CJK_FAMILY
from .view import DocumentView, Table

PACKAGED = Path(__file__).parent / "templates"
CHART_WIDTH_CM = 15.5


def template_path(key: str, workdir: Path | None = None) -> Path:
    """The user's template if there is one, else the packaged template."""
    if workdir is not None:
        own = Path(workdir) / "templates" / f"{key}.docx"
        if own.exists():
            return own
    return PACKAGED / f"{key}.docx"


def _east_asian(run) -> None:
    rpr = run._r.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), CJK_FAMILY)


def _text(paragraph, text: str, *, bold: bool = False, size: float = 9) -> None:
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    _east_asian(run)


def _tables_subdoc(tpl, tables: list[Table]):
    sub = tpl.new_subdoc()
    for table in tables:
        if not table.rows:
            continue
        if table.title:
            _text(sub.add_paragraph(), table.title, bold=True, size=10)
        grid = sub.add_table(rows=1 + len(table.rows), cols=len(table.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        for c, name in enumerate(table.columns):
            _text(grid.rows[0].cells[c].paragraphs[0], name, bold=True)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row):
                _text(grid.rows[r].cells[c].paragraphs[0], str(value))
        if table.note:
            _text(sub.add_paragraph(), f"注：{table.note}", size=8)
    return sub


def render_docx(view: DocumentView, out: Path, *, workdir: Path | None = None, png_cache: dict | None = None) -> Path:
    from docxtpl import DocxTemplate, InlineImage

    tpl = DocxTemplate(str(template_path(view.key, workdir)))
    sections = []
    for sec in view.sections:
        charts = []
        for spec in sec.charts:
            key = spec.model_dump_json() if png_cache is not None else None
            png = png_cache.get(key) if png_cache is not None else None
            if png is None:
                png = to_png(spec)
                if png_cache is not None:
                    png_cache[key] = png
            charts.append({"image": InlineImage(tpl, io.BytesIO(png), width=Cm(CHART_WIDTH_CM)),
                           "caption": f"图：{spec.title}"})
        sections.append({"heading": sec.heading, "paragraphs": sec.paragraphs,
                         "tables": _tables_subdoc(tpl, sec.tables), "charts": charts})
    context = {"title": view.title, "subtitle": view.subtitle, "lead": view.lead, "sections": sections,
               "footer": view.footer, "meta_line": view.title, "issued": _issued()}
    tpl.render(context, autoescape=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tpl.save(str(out))
    return out


def _issued() -> str:
    today = date.today()
    return f"{today.year}年{today.month}月{today.day}日"
