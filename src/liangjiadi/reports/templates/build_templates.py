"""Build the packaged Word templates (run once; the .docx files are committed).

    python -m liangjiadi.reports.templates.build_templates

Each template is an ordinary Word document with docxtpl (Jinja) tags. Users copy one to
`<workdir>/templates/<name>.docx` and edit it in Word: the letterhead (页眉), the title lines,
fonts and heading styles and the closing (落款). 下一步工作打算 is drafted from each period's
warnings and findings (reports/contents.py), so it is a section of the body, not fixed text. Keep the tags `{{ ... }}` / `{%p ... %}` intact; see docs/reports.md.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from liangjiadi.reports.fonts import CJK_FAMILY

HERE = Path(__file__).parent

NEXT_STEPS = [
    "（一）线索核查。对本报告“聚焦‘错’”部分点名提醒的机构，请于收到报告后15个工作日内完成自查，"
    "书面说明情况并提交整改措施；医保部门将对疑点线索组织核查。",
    "（二）改革动向。持续推进支付方式改革，完善特例单议、协商谈判机制，及时通报政策调整。",
    "（三）发布安排。下季度数据发布活动的时间、形式另行通知；欢迎各定点医疗机构通过数据工作组成员反馈意见建议。",
]

KINDS = {
    "monthly_push": {"header": "医保数据工作组 · 月推送", "closing": "医保数据工作组"},
    "institution_push": {"header": "医保数据工作组 · 定向推送（仅供收件机构使用）", "closing": "医保数据工作组"},
    "quarterly_report": {"header": "医保数据工作组 · 季度发布", "closing": "医保数据工作组"},
    "topic_report": {"header": "医保数据工作组 · 专题分析", "closing": "医保数据工作组"},
    "annual_notice": {"header": "医保数据工作组 · 年度通报", "closing": "医保数据工作组"},
    "county_report": {"header": "医保数据工作组 · 县域医共体报告", "closing": "医保数据工作组"},
}


def set_east_asian(run_or_style_element, family: str = CJK_FAMILY) -> None:
    """Name the font for Chinese text (w:eastAsia) besides the Latin one."""
    rpr = run_or_style_element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)


def _style_fonts(doc) -> None:
    for name, size, bold in (("Normal", 11, False), ("Title", 20, True), ("Subtitle", 12, False),
                             ("Heading 1", 14, True), ("Heading 2", 12, True), ("Caption", 9, False)):
        style = doc.styles[name]
        style.font.name = CJK_FAMILY
        style.font.size = Pt(size)
        style.font.bold = bold
        if name != "Normal":
            style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F) if name.startswith(("Title", "Heading")) else None
        set_east_asian(style.element)


def _para(doc, text: str, style: str | None = None, align=None):
    paragraph = doc.add_paragraph(style=style)
    run = paragraph.add_run(text)
    set_east_asian(run._r)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def build(name: str, spec: dict) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.4)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    _style_fonts(doc)
    header = section.header.paragraphs[0]
    set_east_asian(header.add_run(spec["header"])._r)
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    set_east_asian(footer.add_run("{{ meta_line }}")._r)
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER

    _para(doc, "{{ title }}", "Title", WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ subtitle }}", "Subtitle", WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ lead }}")
    _para(doc, "{%p for sec in sections %}")
    _para(doc, "{{ sec.heading }}", "Heading 1")
    _para(doc, "{%p for text in sec.paragraphs %}")
    _para(doc, "{{ text }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{{p sec.tables }}")
    _para(doc, "{%p for chart in sec.charts %}")
    _para(doc, "{{ chart.image }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ chart.caption }}", "Caption", WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p for sub in sec.subsections %}")
    _para(doc, "{{ sub.heading }}", "Heading 2")
    _para(doc, "{%p for text in sub.paragraphs %}")
    _para(doc, "{{ text }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{{p sub.tables }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{{ footer }}", "Caption")
    _para(doc, spec["closing"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "{{ issued }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    path = HERE / f"{name}.docx"
    doc.save(path)
    return path


def main() -> None:
    for name, spec in KINDS.items():
        print(build(name, spec))


if __name__ == "__main__":
    main()
