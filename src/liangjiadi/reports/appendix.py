"""Appendix workbook (附表) of the quarterly report and the annual notice: peer rankings,
distributions by level and the findings, one sheet each. Written with openpyxl."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ..safe_output import cell_text
from .models import Distribution, FindingItem
from .worksheet import FONT

HEADER_FILL = PatternFill("solid", fgColor="EEF3F9")


def _sheet(book, title: str, columns: list[str], rows: list[list], widths: list[int]):
    ws = book.create_sheet(title)
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(name=FONT, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:  # text from data (names, messages) is shown, never run as a formula
        ws.append([cell_text(v) if isinstance(v, str) else v for v in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.font = Font(name=FONT)
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(1, n).column_letter].width = width
    ws.freeze_panes = "A2"
    return ws


def _round(value, digits=6):
    return None if value is None else round(float(value), digits)


def write_appendix(out: Path, title: str, distributions: list[Distribution], findings: list[FindingItem]) -> Path:
    book = Workbook()
    book.remove(book.active)
    ranking_rows, stats_rows = [], []
    for d in distributions:
        for r in d.rows:
            ranking_rows.append([d.name, r.group, r.fixmedins_code, r.name, r.text, r.rank if r.rank else "—",
                                 r.of, _round(r.percentile, 2), "是" if r.small_volume else ""])
        for g in d.groups:
            stats_rows.append([d.name, g.group, g.n, _round(g.minimum), _round(g.q1), _round(g.median), _round(g.q3),
                               _round(g.maximum)])
    _sheet(book, "机构排名", ["指标", "级别", "机构编码", "机构名称", "本期值", "同级名次", "同级合格机构数", "同级百分位", "小样本"],
           ranking_rows, [24, 10, 14, 30, 16, 10, 14, 12, 8])
    _sheet(book, "同级分布", ["指标", "级别", "合格机构数", "最小值", "下四分位", "中位数", "上四分位", "最大值"],
           stats_rows, [24, 10, 12, 14, 14, 14, 14, 14])
    _sheet(book, "疑点线索", ["机构编码", "机构名称", "疑点类型", "程度", "期间", "说明"],
           [[f.fixmedins_code or "", f.institution_name or "统筹地区", f.pattern_name, f.severity_cn, f.period, f.message]
            for f in findings], [14, 30, 28, 8, 10, 100])
    info = book.create_sheet("说明", 0)
    info.append([cell_text(title)])
    info.append(["本附表数据取自已冻结的发布包；排名与分布按机构级别（三级 / 二级 / 一级及以下）分组，"
                 "出院人次不足30人次的机构为小样本，不参与排名和分组统计。比率类数值为小数（0.1234 即 12.34%）。"])
    info.column_dimensions["A"].width = 120
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
