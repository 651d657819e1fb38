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

from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm

from .charts import to_png
from .fonts import CJK_FAMILY
from .view import DocumentView, Table

PACKAGED = Path(__file__).parent / "templates"
CHART_WIDTH_CM = 15.5
TABLE_TWIPS = 9000  # text width of an A4 page with 2.4 cm margins, in twentieths of a point


def template_path(key: str, workdir: Path | None = None) -> Path:
    """The user's template if there is one, else the packaged template."""
    if workdir is not None:
        own = Path(workdir) / "templates" / f"{key}.docx"
        if own.exists():
            return own
    return PACKAGED / f"{key}.docx"


_BORDER = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="999999"/>'
                  for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def _run_xml(text: str, *, bold: bool = False, size: float = 9) -> str:
    fonts = f'<w:rFonts w:ascii="{CJK_FAMILY}" w:hAnsi="{CJK_FAMILY}" w:eastAsia="{CJK_FAMILY}" w:cs="{CJK_FAMILY}"/>'
    return (f"<w:r><w:rPr>{fonts}{'<w:b/>' if bold else ''}<w:sz w:val=\"{int(size * 2)}\"/></w:rPr>"
            f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')


def _table_xml(table: Table) -> str:
    """A bordered table as WordprocessingML, written directly: python-docx builds cells one
    element at a time, which costs more than everything else in a 定向推送."""
    head = "".join(f'<w:tc><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="EEF3F9"/></w:tcPr>'
                   f"<w:p>{_run_xml(c, bold=True)}</w:p></w:tc>" for c in table.columns)
    body = "".join("<w:tr>" + "".join(f"<w:tc><w:p>{_run_xml(str(v))}</w:p></w:tc>" for v in row) + "</w:tr>"
                   for row in table.rows)
    weights = table.widths if len(table.widths) == len(table.columns) else [2] + [1] * (len(table.columns) - 1)
    grid = "".join(f'<w:gridCol w:w="{int(TABLE_TWIPS * w / sum(weights))}"/>' for w in weights)
    return (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{TABLE_TWIPS}" w:type="dxa"/><w:jc w:val="center"/>'
            '<w:tblLayout w:type="fixed"/>'
            f"<w:tblBorders>{_BORDER}</w:tblBorders>"
            '<w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>"
            f'<w:tr><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>{body}</w:tbl>')


def _paragraph_xml(text: str, *, bold: bool = False, size: float = 9) -> str:
    return f'<w:p {nsdecls("w")}>{_run_xml(text, bold=bold, size=size)}</w:p>'


def _tables_subdoc(tpl, tables: list[Table]):
    sub = tpl.new_subdoc()
    body = sub.subdocx.element.body
    tail = body[-1] if len(body) and body[-1].tag == qn("w:sectPr") else None
    for table in tables:
        if not table.rows:
            continue
        parts = ([_paragraph_xml(table.title, bold=True, size=10)] if table.title else []) + [_table_xml(table)]
        if table.note:
            parts.append(_paragraph_xml(f"注：{table.note}", size=8))
        for xml in parts:
            element = parse_xml(xml)
            if tail is not None:
                tail.addprevious(element)
            else:
                body.append(element)
    return sub


def render_docx(view: DocumentView, out: Path, *, workdir: Path | None = None, png_cache: dict | None = None) -> Path:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template_path(view.key, workdir)))
    sections = [_section(tpl, sec, png_cache) for sec in view.sections]
    context = {"title": view.title, "subtitle": view.subtitle, "lead": view.lead, "sections": sections,
               "footer": view.footer, "meta_line": view.title, "issued": _issued()}
    tpl.render(context, autoescape=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tpl.save(str(out))
    return out


def _section(tpl, sec, png_cache: dict | None) -> dict:
    """A section as the template's context: heading, paragraphs, a tables sub-document, chart
    images, and its subsections (Heading 2) the same way."""
    from docxtpl import InlineImage

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
    return {"heading": sec.heading, "paragraphs": sec.paragraphs, "tables": _tables_subdoc(tpl, sec.tables),
            "charts": charts, "subsections": [_section(tpl, sub, png_cache) for sub in sec.subsections]}


def _issued() -> str:
    today = date.today()
    return f"{today.year}年{today.month}月{today.day}日"
