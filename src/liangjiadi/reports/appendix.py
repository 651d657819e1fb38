"""Appendix workbook (附表) of the quarterly report and the annual notice: peer rankings,
distributions by level and the findings, one sheet each. Written with openpyxl."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ..safe_output import cell_text
from .models import Distribution, FindingItem
from .narrative import peer_rule_sentence
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
            ranking_rows.append([d.name, r.level or r.level_group or "", r.group, r.fixmedins_code, r.name, r.text,
                                 r.rank if r.rank else "—", r.of, _round(r.percentile, 2), "是" if r.small_volume else ""])
        for g in d.groups:
            stats_rows.append([d.name, g.group, "、".join(g.compared), g.n, g.n_small, _round(g.minimum), _round(g.q1),
                               _round(g.median), _round(g.q3), _round(g.maximum)])
    _sheet(book, "机构排名", ["指标", "机构等级", "比较组", "机构编码", "机构名称", "本期值", "比较组名次", "比较组参与统计机构数",
                          "比较组百分位", "小样本"], ranking_rows, [24, 10, 10, 14, 30, 16, 10, 14, 12, 8])
    _sheet(book, "同级分布", ["指标", "比较组", "适用机构等级", "参与统计机构数", "小样本未计入", "最小值", "下四分位", "中位数",
                          "上四分位", "最大值"], stats_rows, [24, 10, 30, 12, 12, 14, 14, 14, 14, 14])
    _sheet(book, "疑点线索", ["机构编码", "机构名称", "疑点类型", "程度", "期间", "说明"],
           [[f.fixmedins_code or "", f.institution_name or "统筹地区", f.pattern_name, f.severity_cn, f.period, f.message]
            for f in findings], [14, 30, 28, 8, 10, 100])
    info = book.create_sheet("说明", 0)
    info.append([cell_text(title)])
    rule = peer_rule_sentence(distributions[0].min_volume, distributions[0].min_peers) if distributions else ""
    info.append(["本附表数据取自已冻结的发布包。" + rule + "比较组不足规定家数时不列统计值（空白）。"
                 "比率类数值为小数（0.1234 即 12.34%）。"])
    info.column_dimensions["A"].width = 120
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
