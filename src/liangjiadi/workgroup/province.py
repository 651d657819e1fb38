"""The province's roll-up of the regions' quarterly submissions (000 第八条), side by side, late ones flagged.

A region's submission is one xlsx with three sheets (docs/workgroup.md 第六节): 重点病组, 机构比较,
职工门诊统筹. The province keeps each under `<workdir>/workgroup/province/<季度>/<区划>.json` and
compares the regions at region level only: the 机构比较 sheet is kept for the region's own record
but the comparison shows how many institutions it compared, never an institution.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import InputFileError
from ..period import Window
from .errors import WorkgroupError

SOURCE = ("000 第八条", "各统筹区每季度向省医保局负责支付方式改革的部门报送DRG/DIP付费相关信息，包括重点病组（种）分析和"
          "主要医疗机构间的比较结果，开展职工门诊统筹支付方式改革试点的有关情况。")
# sheet -> (key columns, number columns); amounts are Decimal
SHEETS = {
    "重点病组": (("病组编码", "病组名称"), ("病例数", "次均费用", "统筹基金支出")),
    "机构比较": (("单位编码", "单位名称", "单位级别"), ("出院人次", "次均费用", "费用消耗指数", "时间消耗指数")),
    "职工门诊统筹": (("指标",), ("值",)),
}
_REGION = re.compile(r"^\d{6}$")


def due_date(quarter: str) -> date:
    """本工具缺省: the end of the month after the quarter (000 第八条 says 每季度, not by when)."""
    last = Window.parse(quarter).last.shift(1)
    return date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])


def _number(text, file, sheet, line, column):
    try:
        return Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise InputFileError(file, f"工作表「{sheet}」第 {line} 行「{column}」列：值「{text}」不是数字") from None


def read_submission(path: Path) -> dict[str, list[dict]]:
    from openpyxl import load_workbook

    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".xlsx":
        raise InputFileError(path, "不存在或不是 .xlsx 文件", "地区季度报送应为一个含三张工作表的 Excel 文件（docs/workgroup.md 第六节）")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same user error
        raise InputFileError(path, f"无法作为 Excel 工作簿读取（{type(exc).__name__}）") from None
    try:
        missing = [s for s in SHEETS if s not in wb.sheetnames]
        if missing:
            raise InputFileError(path, f"缺少工作表：{'、'.join(missing)}", f"应有工作表：{'、'.join(SHEETS)}；依据 {SOURCE[0]}")
        out = {}
        for sheet, (keys, numbers) in SHEETS.items():
            rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
            header = [str(h or "").strip() for h in (rows[0] if rows else [])]
            lacking = [c for c in keys + numbers if c not in header]
            if lacking:
                raise InputFileError(path, f"工作表「{sheet}」第 1 行表头缺少列：{'、'.join(lacking)}")
            records = []
            for n, values in enumerate(rows[1:], start=2):
                if not any(v not in (None, "") for v in values):
                    continue
                rec = {}
                for c in keys:
                    value = values[header.index(c)]
                    if value in (None, ""):
                        raise InputFileError(path, f"工作表「{sheet}」第 {n} 行「{c}」列不能为空")
                    rec[c] = str(value).strip()
                for c in numbers:
                    value = values[header.index(c)]
                    rec[c] = None if value in (None, "") else str(_number(value, path, sheet, n, c))
                records.append(rec)
            out[sheet] = records
        return out
    finally:
        wb.close()


def _dir(workdir: Path, quarter: str) -> Path:
    return Path(workdir) / "workgroup" / "province" / Window.parse(quarter).key


def import_submission(workdir: Path, path: Path, *, region: str, region_name: str, quarter: str,
                      received: date) -> Path:
    if not _REGION.match(region):
        raise WorkgroupError(f"区划「{region}」不对", "应为 6 位行政区划代码，如 140400")
    window = Window.parse(quarter)
    if window.kind != "quarter":
        raise WorkgroupError(f"季度「{quarter}」不对", "应为 YYYY-Qn，如 2026-Q1")
    sheets = read_submission(path)
    out = _dir(workdir, window.key) / f"{region}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"region": region, "region_name": region_name, "quarter": window.key,
                               "received": received.isoformat(), "file": Path(path).name, "sheets": sheets},
                              ensure_ascii=False, indent=1), encoding="utf-8")
    return out


@dataclass
class Submission:
    region: str
    region_name: str
    received: date | None
    late_days: int
    sheets: dict

    @property
    def status(self) -> str:
        if self.received is None:
            return "未报送"
        return f"逾期 {self.late_days} 天" if self.late_days > 0 else "按时"


def submissions(workdir: Path, quarter: str, *, due: date | None = None, expect: list[str] = ()) -> list[Submission]:
    key = Window.parse(quarter).key
    due = due or due_date(key)
    out = {}
    for path in sorted(_dir(workdir, key).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        received = date.fromisoformat(data["received"])
        out[data["region"]] = Submission(data["region"], data["region_name"], received, (received - due).days,
                                         data["sheets"])
    for region in expect:
        out.setdefault(region, Submission(region, "", None, 0, {s: [] for s in SHEETS}))
    return [out[r] for r in sorted(out)]


def compare_xlsx(path: Path, quarter: str, subs: list[Submission], due: date) -> Path:
    """One workbook: who submitted when, then 重点病组 and 职工门诊统筹 with the regions side by side."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from ..safe_output import cell_text

    def text(value):  # names and codes come from the regions' files: shown, never run
        return cell_text(value) if isinstance(value, str) else value

    wb = Workbook()
    ws = wb.active
    ws.title = "报送情况"
    ws.append([f"{Window.parse(quarter).label}各统筹地区报送情况（应报送日期 {due}，本工具缺省：季度结束后次月末；依据 {SOURCE[0]}）"])
    ws.append(["区划", "地区", "收到日期", "状态", "重点病组数", "比较的机构数", "职工门诊统筹指标数"])
    red = PatternFill("solid", fgColor="F8CBAD")
    for s in subs:
        ws.append([text(s.region), text(s.region_name), s.received.isoformat() if s.received else "", s.status,
                   len(s.sheets.get("重点病组", [])), len(s.sheets.get("机构比较", [])), len(s.sheets.get("职工门诊统筹", []))])
        if s.status != "按时":
            for cell in ws[ws.max_row]:
                cell.fill = red
    for sheet, value_cols in (("重点病组", SHEETS["重点病组"][1]), ("职工门诊统筹", SHEETS["职工门诊统筹"][1])):
        keys = SHEETS[sheet][0]
        side = wb.create_sheet(sheet)
        side.append(list(keys) + [text(f"{s.region_name or s.region}·{c}") for s in subs for c in value_cols])
        for cell in side[1]:
            cell.font = Font(bold=True)
        rows: dict[tuple, dict] = {}
        for s in subs:
            for rec in s.sheets.get(sheet, []):
                rows.setdefault(tuple(rec[k] for k in keys), {})[s.region] = rec
        for key in sorted(rows):
            side.append([text(k) for k in key] + [_cell(rows[key].get(s.region, {}).get(c)) for s in subs for c in value_cols])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _cell(value):
    return Decimal(value) if value not in (None, "") else None


def write_submission(path: Path, sheets: dict[str, list[dict]]) -> Path:
    """A region's quarterly submission in the one format `read_submission` reads back (the
    province's `liangjiadi province compute` writes it for every region of its lake)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..safe_output import cell_text

    wb = Workbook()
    wb.remove(wb.active)
    for sheet, (keys, numbers) in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append(list(keys + numbers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for rec in sheets.get(sheet, []):
            ws.append([cell_text(str(rec.get(c) or "")) for c in keys] + [_cell(rec.get(c)) for c in numbers])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def figures_xlsx(path: Path, label: str, regions: list[tuple[str, str]], figures: list[tuple[str, str]],
                 values: dict[str, dict[str, object]], ranks: dict[str, dict[str, int | None]]) -> Path:
    """The province's comparison of its regions' key figures: one row per figure, each region's
    value and its rank within the province side by side (region level only, no institution)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..safe_output import cell_text

    wb = Workbook()
    ws = wb.active
    ws.title = "全省对比"
    ws.append([f"{label}全省各统筹地区主要指标对比（排名：1 为数值最大；依据 {SOURCE[0]}）"])
    ws.append(["指标编号", "指标"] + [cell_text(f"{name or code}·{what}") for code, name in regions for what in ("值", "排名")])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for fid, name in figures:
        row = [fid, cell_text(name)]
        for code, _ in regions:
            value = values.get(code, {}).get(fid)
            row += [_cell(None if value is None else str(value)), ranks.get(fid, {}).get(code)]
        ws.append(row)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
