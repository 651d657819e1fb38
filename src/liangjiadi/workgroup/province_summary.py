"""The province's side of the 附录4 questionnaire and its quarterly summary to the nation.

Each region exports its questionnaire results (`liangjiadi survey export`: the sheet 按题汇总 with
人次 and 作答份数 per option); the province imports them per quarter and pools them — counts added,
shares recomputed from the pooled counts, the 拖欠-related questions kept flagged (seeds/001
§六(六)-(七): the province analyses the questionnaire, among other things to find 拖欠). The
summary (001 §六(八), §七(五): the province sums up to the nation) is a Word draft from what the
province holds: who submitted and when, the regions' key groups, and the pooled questionnaire.
Region level only: no institution is ever named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import InputFileError
from ..period import Window
from .province import Submission, _REGION, _dir
from .errors import WorkgroupError

SHEET = "按题汇总"
COLUMNS = ("题号", "题目", "拖欠相关", "选项", "选项内容", "人次", "作答份数", "拖欠信号")
SOURCE = ("001 §六（六）-（七）、§七（五）", "问卷由省级医保部门汇总分析（其中包括发现拖欠问题）；省级汇总后报国家")


def _int(text, path: Path, line: int, column: str) -> int:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InputFileError(path, f"工作表「{SHEET}」第 {line} 行「{column}」列：值「{text}」不是数字") from None
    if value != value.to_integral_value() or value < 0:
        raise InputFileError(path, f"工作表「{SHEET}」第 {line} 行「{column}」列：值「{text}」应为非负整数")
    return int(value)


def read_survey_results(path: Path) -> list[dict]:
    """The rows of a region's 按题汇总 (one per question × option); 填空 rows are left out (their
    averages cannot be pooled without the answers)."""
    from openpyxl import load_workbook

    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".xlsx":
        raise InputFileError(path, "不存在或不是 .xlsx 文件", "应为 liangjiadi survey export 导出的问卷汇总 Excel")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same user error
        raise InputFileError(path, f"无法作为 Excel 工作簿读取（{type(exc).__name__}）") from None
    try:
        if SHEET not in book.sheetnames:
            raise InputFileError(path, f"缺少工作表：{SHEET}", "应为 liangjiadi survey export 导出的问卷汇总 Excel")
        rows = [list(r) for r in book[SHEET].iter_rows(values_only=True)]
    finally:
        book.close()
    header = [str(h or "").strip() for h in (rows[0] if rows else [])]
    lacking = [c for c in COLUMNS if c not in header]
    if lacking:
        raise InputFileError(path, f"工作表「{SHEET}」第 1 行表头缺少列：{'、'.join(lacking)}")
    out = []
    for n, values in enumerate(rows[1:], start=2):
        rec = {c: values[header.index(c)] for c in COLUMNS}
        if rec["选项"] in (None, "") or str(rec["选项"]).strip() == "填空":
            continue
        out.append({"no": _int(rec["题号"], path, n, "题号"), "text": str(rec["题目"] or ""),
                    "arrears": str(rec["拖欠相关"] or "").strip() == "是", "key": str(rec["选项"]).strip(),
                    "option": str(rec["选项内容"] or ""), "count": _int(rec["人次"], path, n, "人次"),
                    "answered": _int(rec["作答份数"], path, n, "作答份数"),
                    "signal": str(rec["拖欠信号"] or "").strip() == "是"})
    return out


def import_survey(workdir: Path, path: Path, *, region: str, quarter: str) -> Path:
    if not _REGION.match(region):
        raise WorkgroupError(f"区划「{region}」不对", "应为 6 位行政区划代码，如 140400")
    window = Window.parse(quarter)
    rows = read_survey_results(path)
    out = _dir(workdir, window.key) / "survey" / f"{region}.json"  # apart from the submissions
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"region": region, "quarter": window.key, "file": Path(path).name, "rows": rows},
                              ensure_ascii=False, indent=1), encoding="utf-8")
    return out


@dataclass
class PooledOption:
    no: int
    text: str
    arrears: bool
    key: str
    option: str
    count: int
    answered: int  # the sheets that answered the question, all regions together
    signal: bool
    regions: dict[str, int]  # region -> its count

    @property
    def share(self) -> Decimal | None:
        return (Decimal(self.count) / self.answered * 100).quantize(Decimal("0.1")) if self.answered else None


def pooled_survey(workdir: Path, quarter: str, *, province: str | None = None) -> tuple[list[str], list[PooledOption]]:
    """The regions that sent results and the options pooled over them (counts added; a question's
    作答份数 is the sum of each region's, taken once per region and question). `province`: only the
    regions whose code starts with its two digits."""
    key = Window.parse(quarter).key
    regions, options = [], {}
    answered: dict[tuple[str, int], int] = {}
    for path in sorted((_dir(workdir, key) / "survey").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        region = data["region"]
        if province and region[:2] != province[:2]:
            continue
        regions.append(region)
        for r in data["rows"]:
            answered[(region, r["no"])] = max(answered.get((region, r["no"]), 0), r["answered"])
            o = options.setdefault((r["no"], r["key"]), PooledOption(r["no"], r["text"], r["arrears"], r["key"],
                                                                     r["option"], 0, 0, r["signal"], {}))
            o.count += r["count"]
            o.regions[region] = o.regions.get(region, 0) + r["count"]
    for o in options.values():
        o.answered = sum(n for (region, no), n in answered.items() if no == o.no)
    return regions, [options[k] for k in sorted(options)]


def pooled_xlsx(path: Path, quarter: str, regions: list[str], options: list[PooledOption]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..safe_output import cell_text

    book = Workbook()
    sheet = book.active
    sheet.title = "全省问卷汇总"
    sheet.append([f"{Window.parse(quarter).label}全省问卷汇总（{len(regions)} 个地区；依据 {SOURCE[0]}）"])
    sheet.append(["题号", "题目", "拖欠相关", "选项", "选项内容", "人次", "作答份数", "占比（%）", "拖欠信号", *regions])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for o in options:
        sheet.append([o.no, cell_text(o.text), "是" if o.arrears else "", cell_text(o.key), cell_text(o.option), o.count,
                      o.answered, float(o.share) if o.share is not None else None, "是" if o.signal else "",
                      *[o.regions.get(r, 0) for r in regions]])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def summary_docx(path: Path, quarter: str, subs: list[Submission], due: date, regions: list[str],
                 options: list[PooledOption]) -> Path:
    """The province's quarterly summary, drafted for the bureau to complete and send on."""
    from .word import add_table, new_document, save

    label = Window.parse(quarter).label
    doc = new_document(f"{label}全省医保数据工作组工作汇总（初稿）")
    doc.add_paragraph(f"依据：000 第八条（各统筹区每季度向省医保局报送 DRG/DIP 付费相关信息）；{SOURCE[0]}（{SOURCE[1]}）。"
                      "本稿由亮家底根据各地区报送自动生成，只到地区层面，不列机构；请补充工作情况后报送。")
    doc.add_heading("一、各地区报送情况", level=1)
    late = [s for s in subs if s.status != "按时"]
    doc.add_paragraph(f"应报送日期 {due}。收到 {sum(s.received is not None for s in subs)} 个地区的报送，"
                      f"其中按时 {sum(s.status == '按时' for s in subs)} 个"
                      + (f"，逾期或未报送 {len(late)} 个：{'、'.join(s.region_name or s.region for s in late)}。" if late else "。"))
    add_table(doc, ["区划", "地区", "收到日期", "状态", "重点病组数", "比较的机构数"],
              [[s.region, s.region_name, s.received or "—", s.status, len(s.sheets.get("重点病组", [])),
                len(s.sheets.get("机构比较", []))] for s in subs])
    doc.add_heading("二、各地区重点病组", level=1)
    groups: dict[tuple[str, str], dict[str, str]] = {}
    for s in subs:
        for rec in s.sheets.get("重点病组", []):
            groups.setdefault((rec["病组编码"], rec["病组名称"]), {})[s.region] = rec.get("病例数") or ""
    common = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]
    if common:
        doc.add_paragraph("多个地区共同的重点病组（按报送地区数排序，取前 10 个）：")
        add_table(doc, ["病组编码", "病组名称", "报送地区数", *[s.region_name or s.region for s in subs]],
                  [[code, name, len(per), *[per.get(s.region, "") for s in subs]] for (code, name), per in common])
    else:
        doc.add_paragraph("本季度没有地区报送重点病组。")
    doc.add_heading("三、调查问卷（附录4）汇总", level=1)
    if not regions:
        doc.add_paragraph("本季度没有地区报送问卷汇总。")
    else:
        flagged = [o for o in options if o.arrears and o.signal]
        doc.add_paragraph(f"汇总 {len(regions)} 个地区（{'、'.join(regions)}）的问卷结果。拖欠相关题中指向拖欠的选项：")
        add_table(doc, ["题号", "选项", "选项内容", "人次", "作答份数", "占比（%）"],
                  [[o.no, o.key, o.option, o.count, o.answered, o.share] for o in flagged])
    doc.add_heading("四、需要关注的问题", level=1)
    points = [f"{s.region_name or s.region}：{s.status}" for s in late]
    points += [f"第{o.no}题“{o.option}”选择比例 {o.share}%（{o.count}/{o.answered}）" for o in options
               if o.arrears and o.signal and o.share is not None and o.share >= 20]
    for p in points or ["（无自动识别的问题；请补充。）"]:
        doc.add_paragraph(p, style="List Bullet")
    return save(doc, path)
