"""The xlsx the province collects (§六(六): 由省级医保部门对问卷进行收集、分析; §八 省级医保部门通过
调查问卷分析…): one workbook for one or several surveys, every text cell through safe_output.

Sheets: 说明 (the surveys, answer counts), 按题汇总, 按类别等级, 拖欠线索 (the 拖欠-related
questions 5-9 and 19 and their signals), 填空与意见 (the written answers, sorted, without the
unit type so a rare type cannot name its writer), 分组政策建议 is written by suggestions.py.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..config import DISPLAY_TZ
from ..safe_output import cell_text
from .questionnaire import Questionnaire


def _cells(values: list) -> list:
    return [cell_text(v) if isinstance(v, str) else ("" if v is None else v) for v in values]


def new_sheet(book, title: str, header: list[str], rows: list[list], widths: dict[str, int] | None = None):
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
    for column, width in (widths or {}).items():
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    return sheet


def _num(value) -> float | None:
    return None if value is None else float(value)


def write_results(path: Path, questionnaire: Questionnaire, surveys: list[dict], results: dict[int, dict]) -> Path:
    """`results` maps a survey's id to its aggregate (results.aggregate)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    now = datetime.now(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M")
    info = [[s["id"], s["admdvs"], s["title"], s.get("meeting") or "", s.get("release_id") or "", s["state_cn"],
             results[s["id"]]["n"]] for s in surveys]
    sheet = new_sheet(book, "说明", ["问卷编号", "统筹地区", "名称", "发布活动（会议）", "对应发布", "状态", "答卷份数"], info,
                      {"C": 40, "D": 30, "E": 32})
    sheet.append([])
    for line in (f"来源：{questionnaire.source}。导出时间（北京时间）：{now}。",
                 "问卷无记名：答卷不记录用户、机构、IP 与提交时间，答卷码只存摘要且与答卷无关联。",
                 "拖欠相关题（第5-9题、第19题）在“按题汇总”中标注，其指向拖欠的选项汇总在“拖欠线索”。",
                 "占比 = 该选项人次 / 该题作答份数；多选题各选项占比之和可超过100%。"):
        sheet.append([line])

    rows, cross, arrears, texts = [], [], [], []
    for s in surveys:
        result = results[s["id"]]
        for q in result["questions"]:
            flag = "是" if q["arrears"] else ""
            for o in q["options"]:
                rows.append([s["id"], s["admdvs"], q["no"], q["text"], flag, o["key"], o["text"], o["count"],
                             q["answered"], _num(o["share"]), "是" if o["signal"] else ""])
                cross.append([s["id"], s["admdvs"], q["no"], o["key"], o["text"]]
                             + [o["by_group"].get(g, 0) for g in questionnaire.groups])
            if q["number"] is not None:
                n = q["number"]
                rows.append([s["id"], s["admdvs"], q["no"], q["text"], flag, "填空",
                             f"平均{n['mean']}，中位数{n['median']}，最小{n['min']}，最大{n['max']}" if n["n"] else "无作答",
                             n["n"], q["answered"], None, ""])
                if q["arrears"]:
                    arrears.append([s["id"], s["admdvs"], q["no"], q["text"], "填空（平均）", n["mean"] or "",
                                    n["n"], None])
            texts += [[s["id"], s["admdvs"], q["no"], q["text"], t] for t in q["texts"]]
        arrears += [[s["id"], s["admdvs"], a["no"], a["text"], f"{a['key']}.{a['option']}", a["count"], a["answered"],
                     _num(a["share"])] for a in result["arrears"]]
    new_sheet(book, "按题汇总", ["问卷编号", "统筹地区", "题号", "题目", "拖欠相关", "选项", "选项内容", "人次", "作答份数",
                              "占比（%）", "拖欠信号"], rows, {"D": 50, "G": 30})
    new_sheet(book, "按类别等级", ["问卷编号", "统筹地区", "题号", "选项", "选项内容", *questionnaire.groups], cross,
              {"E": 30})
    new_sheet(book, "拖欠线索", ["问卷编号", "统筹地区", "题号", "题目", "选项", "人次", "作答份数", "占比（%）"], arrears,
              {"D": 50, "E": 30})
    new_sheet(book, "填空与意见", ["问卷编号", "统筹地区", "题号", "题目", "内容"], texts, {"D": 50, "E": 60})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
