"""The county workbook (`export yigongti --out F.xlsx`): per 医共体 the budget, what was disbursed,
the 域外 deductions, the balance and clearing, the assessment table with scores, and the warnings
and signals — one sheet each, read from the same year as the long table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .service import YearData, assessments, budget, disbursements, monitoring, settle
from .units import YigongtiError

BOLD = Font(bold=True)


def _sheet(wb: list, title: str, header: list[str], rows: list[list]) -> None:
    wb.append((title, header, rows))


def _xlsx(sheets: list, out: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        _xlsx_sheet(wb, title, header, rows)
    wb.save(out)


def _docx(sheets: list, out: Path, heading: str) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading(heading, level=1)
    for title, header, rows in sheets:
        doc.add_heading(title, level=2)
        if not rows:
            doc.add_paragraph("（无）")
            continue
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header):
            cell.text = text
        for r in rows:
            cells = table.add_row().cells
            for cell, v in zip(cells, r):
                cell.text = "" if v is None else (f"{v:,.2f}" if isinstance(v, Decimal) and abs(v) >= 1000 else str(v))
    doc.save(out)


def _xlsx_sheet(wb: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for c in ws[1]:
        c.font = BOLD
        c.alignment = Alignment(horizontal="center")
    for r in rows:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in r])
    for col, _ in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, col).column_letter].width = 18 if col > 1 else 24
    ws.freeze_panes = "A2"


def write_workbook(data: YearData, out: Path) -> Path:
    """The county report as .xlsx (a sheet per part) or .docx (a table per part)."""
    wb: list = []
    notes = list(data.notes)
    try:
        rb = budget(data)
    except YigongtiError as exc:
        rb = None
        notes.append(str(exc))
    grades = assessments(data)
    clearing = {}
    if rb and f"{data.year:04d}-12" in data.months_present:
        clearing = {c.yigongti_id: c for c in settle(data, rb, grades)}
    summary = []
    months = disbursements(data, rb) if rb else {}
    for u in data.units:
        b = next((x for x in rb.budgets if x.yigongti_id == u.yigongti_id), None) if rb else None
        ms = months.get(u.yigongti_id, [])
        c = clearing.get(u.yigongti_id)
        a = grades[u.yigongti_id]
        summary.append([u.yigongti_id, u.name, u.county, u.lead, len(u.members), b.total if b else None,
                        b.family_doctor_fee if b else None, sum((m.disbursed for m in ms), Decimal(0)) if ms else None,
                        sum((m.deducted for m in ms), Decimal(0)) if ms else None, c.balance if c else None,
                        c.retained if c else None, c.shared if c else None, c.settlement if c else None,
                        a.total, a.grade])
    _sheet(wb, "医共体汇总", ["医共体", "名称", "县区划", "牵头医院", "成员数", "总额预算（元）", "签约服务费（元）",
                         "已拨付（元）", "域外扣减（元）", "结余（负为超支）", "结余留用", "基金分担", "清算拨付",
                         "考核总分", "等级"], summary)
    _sheet(wb, "按月拨付", ["医共体", "月份", "额度", "域外支出", "扣减", "结转", "预付金", "拨付"],
           [[g, m.period, m.quota, m.outside, m.deducted, m.carried, m.advance, m.disbursed]
            for g, ms in months.items() for m in ms])
    _sheet(wb, "绩效考核", ["医共体", "指标", "名称", "分子", "分母", "值", "目标", "权重", "得分", "公式", "数据来源", "说明"],
           [[g, s.indicator_id, s.name, s.numerator, s.denominator, s.value, s.target, s.weight, s.score,
             s.formula, s.source, s.note] for g, a in grades.items() for s in a.scores])
    mon = monitoring(data, rb)
    _sheet(wb, "基金运行", ["医共体", "月份", "域内支出", "域外支出", "累计", "预算", "执行进度", "时间进度",
                        "县域外出院人次", "上年同月"],
           [[g, r.period, r.inside, r.outside, r.cumulative, r.budget, r.execution, r.elapsed,
             r.outside_discharges, r.outside_discharges_last_year] for g, m in mon.items() for r in m.months])
    _sheet(wb, "预警与线索", ["医共体", "类别", "成员单位", "月份", "内容"],
           [[g, "预警", "", "", w] for g, m in mon.items() for w in m.warnings]
           + [[g, s["kind"], s["member"], s["period"], s["text"]] for g, m in mon.items() for s in m.signals])
    _sheet(wb, "说明", ["说明"], [[n] for n in notes] + [["依据：关于推进辽宁省紧密型县域医疗卫生共同体医保支付方式改革"
                                                        "的通知（seeds/003）；口径见 docs/yigongti.md。"]])
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".docx":
        sheets = [sh for sh in wb if sh[0] not in ("按月拨付", "基金运行")]  # the monthly detail stays in Excel
        _docx(sheets, out, f"{data.region} {data.year} 年县域医共体报告")
    else:
        _xlsx(wb, out)
    return out
