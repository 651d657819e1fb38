"""The 数据底稿 workbook in the official layout (seeds/001 §五(一)), ready to print.

Sheets:
- 数据底稿: 序号 项目 指标 建议公开频次 数据来源 公式 口径 备注 (the official columns) then
  本期值 上年同期值 同比变化; 项目 and 数据来源 cells merged over their rows as in the
  handbook's table; heading rows 16 and 19 without values.
- one sheet per starred family (基金支出、DRG/DIP支付方式、医疗机构服务情况 …): every
  institution in rows, grouped 三级 / 二级 / 一级及以下 with a subtotal per group and the
  region at the bottom; each indicator a column with its unit in the header.
- 说明: 口径说明, the check summary of the run, absent values with their reasons.

    write_worksheet(load_worksheet_data("2025-03", settings), Path("底稿.xlsx"))
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..checks.catalogue import BASIS_CN, FREQ_CN, SOURCE_CN, IndicatorMeta
from ..checks.frequency import not_due_reason
from ..checks.model import STATUS_CN, Status
from ..period import period_label
from ..config import local_time
from ..schema.codes import LEVEL_GROUPS
from ..safe_output import cell_text
from .formats import Display, chinese_text, display_for
from .wording import readable
from .worksheet_data import Value, WorksheetData, load_worksheet_data

MAIN_SHEET = "数据底稿"
NOTES_SHEET = "说明"
MAIN_COLUMNS = ["序号", "项目", "指标", "建议公开频次", "数据来源", "公式", "口径", "备注",
                "本期值", "上年同期值", "同比变化"]
MAIN_WIDTHS = [6, 13, 30, 9, 13, 34, 6, 34, 18, 18, 15]
INST_FIXED_COLUMNS = ["序号", "机构编码", "机构名称", "机构等级"]
INST_FIXED_WIDTHS = [6, 14, 30, 10]
HEADER_ROW = 2  # title, subtitle, then the header row (0-based)
NOT_DUE_TEXT = "本期不公开"
ABSENT_TEXT = "—"
NOT_APPLICABLE_TEXT = "不适用"
FONT = "宋体"


@dataclass
class Absent:
    indicator: IndicatorMeta
    code: str | None
    reason: str


class _SafeWorksheet(Worksheet):
    """Every text cell, however written (write, write_string, merge_range), goes through
    safe_output.cell_text: names and notes from data are shown, never run as formulas."""

    def _write_string(self, row, col, string, cell_format=None):
        return super()._write_string(row, col, cell_text(string), cell_format)


class _SafeWorkbook(xlsxwriter.Workbook):
    worksheet_class = _SafeWorksheet


class _Styles:
    """xlsxwriter formats, created once per distinct set of properties."""

    BASE = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self._cache: dict[tuple, object] = {}

    def get(self, **props):
        merged = {**self.BASE, **props}
        key = tuple(sorted(merged.items()))
        if key not in self._cache:
            self._cache[key] = self.book.add_format(merged)
        return self._cache[key]

    def title(self):
        return self.get(bold=True, font_size=16, align="center")

    def subtitle(self):
        return self.get(font_size=9, align="center", font_color="#404040", text_wrap=True)

    def header(self):
        return self.get(bold=True, border=1, align="center", text_wrap=True, bg_color="#D9E1F2")

    def text(self, **kw):
        return self.get(border=1, text_wrap=True, **kw)

    def number(self, num_format: str, **kw):
        return self.get(border=1, num_format=num_format, align="right", **kw)

    def muted(self, **kw):
        return self.get(border=1, font_color="#808080", italic=True, align="center", text_wrap=True, **kw)


def _sheet_name(group: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", f"{group}（各机构）")[:31]
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}-{n}"
        n += 1
    used.add(name)
    return name


def _print_setup(ws, data: WorksheetData, title: str, header_row: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    ws.center_horizontally()
    ws.set_header(f"&L&9{data.region_label}&C&11&B{title}&R&9期间：{data.period_cn}")
    ws.set_footer("&L&9亮家底 数据底稿&C&9第 &P 页，共 &N 页&R&9打印日期 &D")


def _text_width(text: str) -> int:
    """Width in Excel column units: a CJK character takes about two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def row_height(cells: list[tuple[str, float]], line: float = 13.5) -> float:
    """Height that shows every wrapped (text, column width) pair in full.

    Excel does not grow rows for wrapped text written by a library, and merged cells never
    grow, so the printed worksheet would cut formulas and notes without this.
    """
    lines = max((math.ceil(_text_width(t) / max(w - 1, 1)) for t, w in cells if t), default=1)
    return max(1, lines) * line + 3


def _number(value: Value | None, display: Display) -> float | None:
    if value is None or value.value is None:
        return None
    return float(value.value) / display.scale


def _change(current: Value | None, previous: Value | None, display: Display) -> float | None:
    """同比变化: percentage points for ratios, growth rate otherwise (None when undefined)."""
    if current is None or previous is None or current.value is None or previous.value is None:
        return None
    cur, prev = float(current.value), float(previous.value)
    if display.kind == "percent":
        return (cur - prev) * 100
    if prev == 0:
        return None
    return (cur - prev) / abs(prev)


# ---- the main sheet ----------------------------------------------------------------------


def _write_main(book, styles: _Styles, data: WorksheetData, absent: list[Absent]) -> None:
    ws = book.add_worksheet(MAIN_SHEET)
    last_col = len(MAIN_COLUMNS) - 1
    title = f"医保数据工作组数据底稿（{data.period_cn}）"
    ws.merge_range(0, 0, 0, last_col, f"{data.region_label} {title}", styles.title())
    verdict = STATUS_CN[data.check_report.status] if data.check_report else "未复核"
    subtitle = (f"期间：{data.period_cn}　计算批次：{data.results_run_id or '—'}　复核结论：{verdict}　"
                "金额单位：合计类为万元，次均、人均为元；比例以%表示；带*的指标同时公布各医疗机构情况（见各机构工作表）")
    ws.merge_range(1, 0, 1, last_col, subtitle, styles.subtitle())
    ws.set_row(0, 28)
    ws.set_row(1, row_height([(subtitle, sum(MAIN_WIDTHS))], line=12))
    for col, (name, width) in enumerate(zip(MAIN_COLUMNS, MAIN_WIDTHS, strict=True)):
        ws.write(HEADER_ROW, col, name, styles.header())
        ws.set_column(col, col, width)
    ws.set_row(HEADER_ROW, 30)

    rows = data.main_rows()
    for offset, meta in enumerate(rows):
        row = HEADER_ROW + 1 + offset
        heading = meta.is_heading
        bold = {"bold": True, "bg_color": "#F2F2F2"} if heading else {}
        ws.write(row, 0, int(meta.id) if meta.id.isdigit() else meta.id, styles.text(align="center", **bold))
        star = "*" if meta.per_institution else ""
        if meta.id in data.halves:  # 33-35, 42 in a quarter or year: the half they cover
            star += f"（{data.halves[meta.id]}）"
        ws.write(row, 2, meta.name + star, styles.text(**bold))
        ws.write(row, 3, FREQ_CN.get(meta.freq, meta.freq), styles.text(align="center", **bold))
        ws.write(row, 5, readable(meta.formula) or "-", styles.text(**bold))
        ws.write(row, 6, BASIS_CN.get(meta.basis, meta.basis), styles.text(align="center", **bold))
        ws.write(row, 7, readable(chinese_text(meta.note)), styles.text(**bold))
        ws.set_row(row, row_height([(meta.name + star, MAIN_WIDTHS[2]), (meta.formula, MAIN_WIDTHS[5]),
                                    (readable(chinese_text(meta.note)), MAIN_WIDTHS[7])]))
        if heading:
            for col in (8, 9, 10):
                ws.write_blank(row, col, None, styles.text(**bold))
            continue
        _write_region_values(ws, styles, data, meta, row, absent)
    _merge_runs(ws, styles, rows, col=1, key=lambda m: m.group, text=lambda m: m.group)
    _merge_runs(ws, styles, rows, col=4, key=lambda m: (m.group, m.source),
                text=lambda m: SOURCE_CN.get(m.source, m.source))
    ws.freeze_panes(HEADER_ROW + 1, 3)
    _print_setup(ws, data, title, HEADER_ROW)


def _write_region_values(ws, styles: _Styles, data: WorksheetData, meta: IndicatorMeta, row: int,
                         absent: list[Absent]) -> None:
    display = display_for(meta)
    current = data.results.get(meta.id)
    previous = data.last_year.get(meta.id)
    grey = {"font_color": "#808080"} if not data.due(meta) else {}
    if not data.shown(meta):
        ws.write(row, 8, NOT_DUE_TEXT, styles.muted())
        ws.write_comment(row, 8, not_due_reason(meta, data.period))
        ws.write_blank(row, 9, None, styles.text())
        ws.write_blank(row, 10, None, styles.text())
        return
    if current is None:
        text = "仅公布各机构" if meta.scope == "institution" else "未计算"
        ws.write(row, 8, text, styles.muted())
        if meta.scope != "institution":
            absent.append(Absent(meta, None, "计算结果中没有该指标"))
    elif current.value is None:
        ws.write(row, 8, ABSENT_TEXT, styles.muted())
        ws.write_comment(row, 8, readable(current.note) or "无值")
        absent.append(Absent(meta, None, readable(current.note) or "未记录原因"))
    else:
        ws.write_number(row, 8, _number(current, display), styles.number(display.unit_format, **grey))
    prev_number = _number(previous, display)
    if prev_number is None:
        ws.write_blank(row, 9, None, styles.text())
    else:
        ws.write_number(row, 9, prev_number, styles.number(display.unit_format, **grey))
    change = _change(current, previous, display)
    if change is None:
        ws.write_blank(row, 10, None, styles.text())
    else:
        ws.write_number(row, 10, change, styles.number(display.change_format, **grey))


def _merge_runs(ws, styles: _Styles, rows: list[IndicatorMeta], *, col: int, key, text) -> None:
    """Merge a column over consecutive rows sharing a key (项目, 数据来源), as the handbook does."""
    start = 0
    for i in range(1, len(rows) + 1):
        if i < len(rows) and key(rows[i]) == key(rows[start]):
            continue
        first, last = HEADER_ROW + 1 + start, HEADER_ROW + i
        fmt = styles.text(align="center", bold=col == 1)
        if last > first:
            ws.merge_range(first, col, last, col, text(rows[start]), fmt)
        else:
            ws.write(first, col, text(rows[start]), fmt)
        start = i


# ---- institution sheets ------------------------------------------------------------------


def institution_families(data: WorksheetData) -> list[tuple[str, list[IndicatorMeta]]]:
    """Starred indicators grouped by 项目, keeping only families with institution values."""
    families: dict[str, list[IndicatorMeta]] = {}
    for meta in data.catalogue:
        if meta.is_heading or not meta.per_institution or not data.shown(meta):
            continue
        official = meta.id.isdigit() and int(meta.id) <= 49
        if official or data.results.institutions_of(meta.id):
            families.setdefault(meta.group, []).append(meta)
    return [(group, metas) for group, metas in families.items()
            if any(data.results.institutions_of(m.id) for m in metas)]


def _family_codes(data: WorksheetData, group: str, metas: list[IndicatorMeta]) -> list[str]:
    codes: set[str] = set()
    for meta in metas:
        codes |= data.results.institutions_of(meta.id)
    if group != "其他指标":  # every local medical institution is listed, even without values
        codes |= {c for c, inst in data.institutions.items()
                  if inst.fixmedins_type == "1" and inst.admdvs in (None, data.admdvs)}
    return sorted(codes)


def _subtotal(data: WorksheetData, meta: IndicatorMeta, codes: list[str]) -> float | None:
    """Ratio of sums where every value is numerator/denominator; a sum for totals; else none."""
    values = [data.results.get(meta.id, c) for c in codes]
    values = [v for v in values if v is not None and v.value is not None]
    if not values:
        return None
    if all(v.numerator is not None and v.denominator for v in values) and all(
            abs(float(v.value) - float(v.numerator) / float(v.denominator)) < 1e-6 for v in values):
        den = sum(float(v.denominator) for v in values)
        return sum(float(v.numerator) for v in values) / den if den else None
    display = display_for(meta)
    if meta.unit == "count" or (display.kind == "amount" and display.unit == "万元"):
        return sum(float(v.value) for v in values)
    return None


def _write_family(book, styles: _Styles, data: WorksheetData, group: str, metas: list[IndicatorMeta],
                  sheet_name: str, absent: list[Absent]) -> None:
    ws = book.add_worksheet(sheet_name)
    columns = INST_FIXED_COLUMNS + [
        f"{m.id} {m.short_name}" + (f"\n（{display_for(m).unit}）" if display_for(m).unit else "") for m in metas]
    last_col = len(columns) - 1
    title = f"{group}——各医疗机构情况（{data.period_cn}）"
    ws.merge_range(0, 0, 0, last_col, f"{data.region_label} {title}", styles.title())
    subtitle = ("按医疗机构等级（三级 / 二级 / 一级及以下）分组，机构等级取本期有效的定点机构信息；"
                "金额单位见表头；比例以%表示；小计中的比例为分子之和除以分母之和。")
    ws.merge_range(1, 0, 1, last_col, subtitle, styles.subtitle())
    ws.set_row(0, 26)
    ws.set_row(1, row_height([(subtitle, sum(INST_FIXED_WIDTHS) + 15 * len(metas))], line=12))
    for col, name in enumerate(columns):
        ws.write(HEADER_ROW, col, name, styles.header())
    for col, width in enumerate(INST_FIXED_WIDTHS):
        ws.set_column(col, col, width)
    ws.set_column(len(INST_FIXED_WIDTHS), last_col, 15)
    ws.set_row(HEADER_ROW, 45)

    codes = _family_codes(data, group, metas)
    row = HEADER_ROW + 1
    seq = 0
    for level in LEVEL_GROUPS:
        members = [c for c in codes if data.institution(c).level_group == level]
        if not members:
            continue
        ws.merge_range(row, 0, row, last_col, f"{level}医疗机构（{len(members)}家）",
                       styles.text(bold=True, bg_color="#F2F2F2"))
        row += 1
        for code in members:
            seq += 1
            inst = data.institution(code)
            ws.write_number(row, 0, seq, styles.text(align="center"))
            ws.write_string(row, 1, code, styles.text())
            ws.write_string(row, 2, inst.name, styles.text())
            ws.write_string(row, 3, inst.level_name, styles.text(align="center"))
            for col, meta in enumerate(metas, start=len(INST_FIXED_COLUMNS)):
                _write_institution_value(ws, styles, data, meta, code, row, col, absent)
            row += 1
        _write_total_row(ws, styles, metas, row, f"{level}小计",
                         [_subtotal(data, m, members) for m in metas])
        row += 1
    _write_total_row(ws, styles, metas, row, "统筹地区",
                     [_number(data.results.get(m.id), display_for(m)) for m in metas], scaled=True)
    ws.freeze_panes(HEADER_ROW + 1, 3)
    ws.autofilter(HEADER_ROW, 0, row, last_col)
    _print_setup(ws, data, title, HEADER_ROW)


def _write_institution_value(ws, styles, data: WorksheetData, meta: IndicatorMeta, code: str, row: int,
                             col: int, absent: list[Absent]) -> None:
    value = data.results.get(meta.id, code)
    display = display_for(meta)
    if value is None:
        ws.write_blank(row, col, None, styles.text())
    elif value.value is None and value.note and "不适用" in value.note:
        ws.write(row, col, NOT_APPLICABLE_TEXT, styles.muted())  # e.g. 30-35 at a non-DRG/DIP institution
        ws.write_comment(row, col, readable(value.note))
    elif value.value is None:
        ws.write(row, col, ABSENT_TEXT, styles.muted())
        ws.write_comment(row, col, readable(value.note) or "无值")
        absent.append(Absent(meta, code, readable(value.note) or "未记录原因"))
    else:
        ws.write_number(row, col, _number(value, display), styles.number(display.plain_format))


def _write_total_row(ws, styles, metas: list[IndicatorMeta], row: int, label: str, values: list[float | None],
                     scaled: bool = False) -> None:
    bold = {"bold": True, "bg_color": "#FFF2CC"}
    for col in range(len(INST_FIXED_COLUMNS)):
        ws.write_blank(row, col, None, styles.text(**bold))
    ws.write_string(row, 2, label, styles.text(**bold))
    for col, (meta, value) in enumerate(zip(metas, values, strict=True), start=len(INST_FIXED_COLUMNS)):
        display = display_for(meta)
        if value is None:
            ws.write_blank(row, col, None, styles.text(**bold))
        else:
            shown = value if scaled or display.kind == "percent" or display.scale == 1 else value / display.scale
            ws.write_number(row, col, shown, styles.number(display.plain_format, **bold))


# ---- the notes sheet ---------------------------------------------------------------------


class _Notes:
    """The 说明 sheet, written top to bottom with a row cursor."""

    WIDTHS = (8, 26, 22, 70)

    def __init__(self, book, styles: _Styles, data: WorksheetData):
        self.ws = book.add_worksheet(NOTES_SHEET)
        self.styles = styles
        self.data = data
        self.row = 0
        for col, width in enumerate(self.WIDTHS):
            self.ws.set_column(col, col, width)

    def heading(self, text: str) -> None:
        self.row += 1
        self.ws.write(self.row, 0, text, self.styles.get(bold=True, font_size=12))
        self.row += 1

    def para(self, text: str) -> None:
        self.ws.merge_range(self.row, 0, self.row, 3, text, self.styles.get(text_wrap=True, valign="top"))
        self.ws.set_row(self.row, row_height([(text, sum(self.WIDTHS))]))
        self.row += 1

    def table(self, header: tuple[str, ...], rows: list[tuple]) -> None:
        for col, name in enumerate(header):
            self.ws.write(self.row, col, name, self.styles.header())
        self.row += 1
        for values in rows:
            for col, value in enumerate(values):
                value = int(value) if col == 0 and str(value).isdigit() else value
                self.ws.write(self.row, col, value, self.styles.text(align="center") if col == 0 else self.styles.text())
            self.ws.set_row(self.row, row_height([(str(v), w) for v, w in zip(values, self.WIDTHS, strict=False)]))
            self.row += 1

    def write(self, absent: list[Absent]) -> None:
        data = self.data
        self.ws.merge_range(0, 0, 0, 3, f"{data.region_label} 数据底稿说明（{data.period_cn}）", self.styles.title())
        self.row = 1
        self.heading("一、口径说明")
        for text in self._method_paragraphs():
            self.para(text)
        methods = [m for m in data.main_rows() if m.method and not m.is_heading]
        if methods:
            self.heading("各指标计算口径")
            self.table(("序号", "指标", "建议公开频次", "本项目的计算口径"),
                       [(m.id, m.short_name, FREQ_CN.get(m.freq, m.freq), readable(m.method)) for m in methods])
        self.heading("二、复核情况")
        self._check_summary()
        self.heading("三、无值的指标及原因")
        if not absent:
            self.para("本期所有列示的指标均有数值。")
        else:
            self.table(("序号", "指标", "统筹地区/机构", "原因"), [
                (a.indicator.id, a.indicator.short_name,
                 "统筹地区" if a.code is None else f"{a.code} {data.institution(a.code).name}", a.reason)
                for a in absent])
        self.ws.set_portrait()
        self.ws.set_paper(9)
        self.ws.fit_to_pages(1, 0)
        self.ws.set_header(f"&L&9{data.region_label}&C&11&B数据底稿说明&R&9期间：{data.period_cn}")
        self.ws.set_footer("&C&9第 &P 页，共 &N 页")

    def _method_paragraphs(self) -> list[str]:
        data = self.data
        not_due = [m for m in data.main_rows() if not m.is_heading and not data.due(m)]
        last = data.last_year_period
        last_cn = period_label(last)
        frequency = ("本期不公开的指标：" + "、".join(f"{m.id} {m.short_name}" for m in not_due)
                     + "（底稿中标为“本期不公开”）。") if not_due and not data.show_unpublished else "本期列示全部指标的数值。"
        return [
            "1. 金额：合计类金额以万元列示（保留两位小数），次均住院费用、人均基金收支以元列示；各机构工作表的单位见表头。",
            "2. 比例：以百分数列示，保留两位小数；门诊住院人次比为“门诊人次 ÷ 出院人次”，以倍数列示（如 20.00:1）。",
            ("3. 口径：“累计”为当年 1 月至本期的累计数，“当期”为本期（当月）数；标题行（16、19）不填数值。"
             if not data.period_label else
             f"3. 口径：“累计”为当年 1 月至{data.period_cn}末的累计数，“当期”为{data.period_cn}的窗口值"
             "（各指标的窗口规则见第 9 条）；标题行（16、19）不填数值。"),
            "4. 同比变化：金额、人次与指数为与上年同期相比的增长率；比例为与上年同期相差的百分点。",
            "5. 带“*”的指标既公布统筹地区整体情况，也公布各医疗机构情况（见各机构工作表）；"
            "时间消耗指数、费用消耗指数统筹地区为 1，仅公布各医疗机构；各机构表中标“不适用”的，"
            "为该指标不适用于该机构（如未开展DRG/DIP付费的机构的 30-35 项），批注写明原因。",
            "6. 建议公开频次：季度指标在 3、6、9、12 月公开，半年指标在 6、12 月，年度指标在 12 月。" + frequency,
            self._last_year_paragraph(last_cn),
            f"8. 本底稿数值取自计算批次 {data.results_run_id or '—'}。",
        ] + [f"{n}. {text}" for n, text in enumerate(data.notes, start=9)]

    def _last_year_paragraph(self, last_cn: str) -> str:
        data = self.data
        if data.last_year_label:
            return (f"7. 上年同期值为{data.last_year_label}按同一窗口口径计算的数值。" if data.last_year
                    else f"7. 数据湖中没有{data.last_year_label}的数据，上年同期值与同比变化留空。")
        if not data.last_year:
            return f"7. 未找到{last_cn}的计算结果，上年同期值与同比变化留空。"
        run = f"（计算批次 {data.last_year_run_id}）" if data.last_year_run_id else ""
        return f"7. 上年同期值取自{last_cn}已保存的计算结果{run}。"

    def _check_summary(self) -> None:
        data, report = self.data, self.data.check_report
        if report is None:
            self.para(f"本期计算结果尚未复核。请先运行 liangjiadi check --period {data.period}。")
            return
        counts = report.counts()
        self.para(f"复核结论：{STATUS_CN[report.status]}（复核批次 {report.check_run_id}，复核时间 "
                  f"{local_time(report.checked_at)}，北京时间）。结果行数："
                  + "，".join(f"{STATUS_CN[s]} {counts[s.value]}" for s in Status) + "。")
        if report.results_run_id != data.results_run_id:
            self.para(f"注意：该复核针对计算批次 {report.results_run_id}，与本底稿的计算批次 "
                      f"{data.results_run_id} 不同，请重新复核。")
        issues = report.rows_with(Status.FAIL, Status.ERROR, Status.WARN)
        if not issues:
            self.para("没有不通过或提示项。")
            return
        reasons = _reason_names()
        self.table(("状态", "规则", "原因", "说明"),
                   [(STATUS_CN[Status(i["status"])], i["check_title"],
                     reasons.get(i["reason_code"], readable(i["reason_code"])), readable(i["message"])) for i in issues])


def _reason_names() -> dict[str, str]:
    """The checks' reason codes (MONTH_OVER_MONTH_JUMP …) -> their Chinese descriptions."""
    from ..checks.registry import builtin_checks

    names: dict[str, str] = {}
    for spec in builtin_checks().values():
        names.update(spec.reason_codes)
    return names


# ---- entry points ------------------------------------------------------------------------


def write_worksheet(data: WorksheetData, out: Path | str) -> Path:
    """Write the workbook; returns its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # text is never turned into formulas or links by xlsxwriter; numbers are written as numbers
    book = _SafeWorkbook(str(out), {"default_format_properties": {"font_name": FONT, "font_size": 10},
                                    "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": f"{data.region_label} 医保数据工作组数据底稿（{data.period_cn}）",
                         "subject": "数据底稿", "author": "亮家底", "created": datetime.now()})
    styles = _Styles(book)
    absent: list[Absent] = []
    _write_main(book, styles, data, absent)
    used = {MAIN_SHEET, NOTES_SHEET}
    for group, metas in institution_families(data):
        _write_family(book, styles, data, group, metas, _sheet_name(group, used), absent)
    _Notes(book, styles, data).write(absent)
    book.close()
    return out


def export_worksheet(period: str, settings, out: Path | str, **options) -> Path:
    """Gather the stored results of `period` and write the workbook (see load_worksheet_data)."""
    return write_worksheet(load_worksheet_data(period, settings, **options), out)
