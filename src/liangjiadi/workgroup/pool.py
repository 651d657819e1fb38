"""成员库: the nominees (定点医疗机构推荐) and the bureau's own staff, read from xlsx or csv.

Each row is checked against the profile's nomination rules; a bad row is reported in Chinese with
its file, line, column and the rule it breaks, and every good row is kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import InputFileError
from ..safe_output import is_formula_like
from .profiles import LEVELS, Profile, canonical_json

COLUMNS = ("姓名", "单位编码", "单位名称", "单位级别", "单位类别", "岗位", "是否第三方运维")
# What the 公示 must not carry (a name is public in it, a phone or ID number never): an 11-digit mobile
# number, an 18- or 15-digit resident ID. Other columns of the spreadsheet are never read at all.
PERSONAL_NUMBER = re.compile(r"(?<!\d)(1[3-9]\d{9}|\d{17}[\dXx]|\d{15})(?!\d)")
# 单位类别 values that mark the bureau's own staff (appointed, never drawn).
BUREAU_CATEGORIES = ("医保部门", "医保局", "医疗保障局", "医保经办机构")


@dataclass(frozen=True, order=True)
class Person:
    """One row of the pool. `key` (单位编码/姓名) identifies a person across years."""

    单位编码: str
    姓名: str
    单位名称: str
    单位级别: str
    单位类别: str
    岗位: str
    是否第三方运维: str = "否"
    部门: str = ""  # bureau staff: the department matched in 岗位

    @property
    def key(self) -> str:
        return f"{self.单位编码}/{self.姓名}"

    @property
    def is_bureau(self) -> bool:
        return self.单位类别 in BUREAU_CATEGORIES

    def row(self) -> list[str]:
        return [getattr(self, c) for c in COLUMNS]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RowProblem:
    file: str
    line: int
    column: str  # "第 4 列「单位级别」" or "" when the whole row is meant
    message: str
    rule: str = ""

    def __str__(self) -> str:
        where = f"文件 {self.file} 第 {self.line} 行" + (f" {self.column}" if self.column else "")
        return f"{where}：{self.message}" + (f"（规则：{self.rule}）" if self.rule else "")


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every non-empty data row; the header must name every column."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path)
    else:
        raise InputFileError(path, f"不支持的文件类型「{path.suffix}」", "成员库应为 .xlsx 或 .csv（UTF-8 或 GB18030 编码）")
    if not rows:
        raise InputFileError(path, "文件为空", f"第 1 行应为表头：{'、'.join(COLUMNS)}")
    header = [str(h or "").strip() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputFileError(path, f"第 1 行表头缺少列：{'、'.join(missing)}", f"表头应包含：{'、'.join(COLUMNS)}")
    index = {c: header.index(c) for c in COLUMNS}
    out = []
    for n, values in enumerate(rows[1:], start=2):
        cells = ["" if v is None else str(v).strip() for v in values]
        if not any(cells):
            continue
        out.append((n, {c: cells[i] if i < len(cells) else "" for c, i in index.items()}))
    return out


def _csv_rows(path: Path) -> list[list]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputFileError(path, "无法按 UTF-8 或 GB18030 解码", "请另存为 UTF-8 编码的 CSV")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(path: Path) -> list[list]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same user error
        raise InputFileError(path, f"无法作为 Excel 工作簿读取（{type(exc).__name__}）", "请确认文件为 .xlsx 格式") from None
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def _col(name: str) -> str:
    return f"第 {COLUMNS.index(name) + 1} 列「{name}」"


def validate(path: Path, rows: list[tuple[int, dict[str, str]]], profile: Profile,
             existing: list[Person] = ()) -> tuple[list[Person], list[RowProblem]]:
    """Good rows as Persons and every problem; `existing` are pool entries kept alongside (for the
    per-institution nomination limit)."""
    file = Path(path).name
    people: list[Person] = []
    problems: list[RowProblem] = []
    departments = list(profile.bureau_departments.value)
    seen: dict[str, int] = {}
    units: dict[str, tuple[int, str, str]] = {p.单位编码: (0, p.单位级别, p.单位名称) for p in existing if not p.is_bureau}
    new_keys = set()
    for line, r in rows:
        row_problems = []
        for c in ("姓名", "单位编码", "单位名称", "单位类别", "岗位", "是否第三方运维"):
            if not r[c]:
                row_problems.append(RowProblem(file, line, _col(c), "不能为空"))
        for c in ("姓名", "单位编码", "单位名称", "单位类别", "岗位"):
            # published in result.csv / pool.csv and the 公示: a cell a spreadsheet would run is refused
            if r[c] and is_formula_like(r[c]):
                row_problems.append(RowProblem(file, line, _col(c), f"值「{r[c][:20]}」以 = + - @ 等开头，表格软件会当作公式执行"))
        for c in ("姓名", "单位名称", "单位类别", "岗位"):
            if PERSONAL_NUMBER.search(r[c]):  # the value itself is not echoed: it is the number to keep out
                row_problems.append(RowProblem(file, line, _col(c), "含手机号或身份证号；成员库与抽选结果会公示，只写姓名、单位与岗位",
                                               "docs/workgroup.md 第 3 节：公示只含姓名、单位与岗位"))
        flag = r["是否第三方运维"]
        if flag and flag not in ("是", "否"):
            row_problems.append(RowProblem(file, line, _col("是否第三方运维"), f"值「{flag}」应为“是”或“否”"))
        if flag == "是" and profile.refuse_third_party.value:
            c = profile.refuse_third_party
            row_problems.append(RowProblem(file, line, _col("是否第三方运维"), "第三方运维单位人员不能进入成员库",
                                           f"{c.source}：“{c.quote}”"))
        bureau = r["单位类别"] in BUREAU_CATEGORIES
        department = ""
        if bureau:
            department = next((d for d in departments if d in r["岗位"]), "")
            if r["岗位"] and not department:
                c = profile.bureau_departments
                row_problems.append(RowProblem(
                    file, line, _col("岗位"), f"医保部门人员的岗位「{r['岗位']}」未写明所在部门（{'、'.join(departments)}）",
                    f"{c.source}：“{c.quote}”"))
            if r["单位级别"]:
                row_problems.append(RowProblem(file, line, _col("单位级别"), "医保部门人员的单位级别应留空"))
        elif r["单位级别"] not in LEVELS:
            row_problems.append(RowProblem(file, line, _col("单位级别"),
                                           f"值「{r['单位级别']}」应为 {'/'.join(LEVELS)} 之一" if r["单位级别"] else "不能为空"))
        key = f"{r['单位编码']}/{r['姓名']}"
        if r["姓名"] and r["单位编码"] and key in seen:
            row_problems.append(RowProblem(file, line, _col("姓名"), f"与第 {seen[key]} 行是同一人（同一单位编码与姓名）"))
        if not bureau and r["单位编码"] and r["单位编码"] in units and not row_problems:
            first_line, level, name = units[r["单位编码"]]
            if (level, name) != (r["单位级别"], r["单位名称"]):
                where = f"第 {first_line} 行" if first_line else "成员库中已有记录"
                row_problems.append(RowProblem(file, line, _col("单位级别"),
                                               f"同一单位编码 {r['单位编码']} 的单位名称或级别与{where}不一致"))
        if row_problems:
            problems.extend(row_problems)
            continue
        seen[key] = line
        if not bureau:
            units.setdefault(r["单位编码"], (line, r["单位级别"], r["单位名称"]))
        new_keys.add(key)
        people.append(Person(r["单位编码"], r["姓名"], r["单位名称"], "" if bureau else r["单位级别"], r["单位类别"],
                             r["岗位"], r["是否第三方运维"], department))
    # nominations per institution: existing entries not replaced by this file count first
    limit = int(profile.max_nominees.value)
    counts = Counter(p.单位编码 for p in existing if not p.is_bureau and p.key not in new_keys)
    kept = []
    line_of = {f"{r['单位编码']}/{r['姓名']}": line for line, r in rows}
    for person in people:
        if not person.is_bureau:
            if counts[person.单位编码] >= limit:
                c = profile.max_nominees
                problems.append(RowProblem(
                    file, line_of[person.key], _col("单位编码"),
                    f"{person.单位名称}（{person.单位编码}）推荐人数超过 {limit} 人，本行未入库", f"{c.source}：“{c.quote}”"))
                continue
            counts[person.单位编码] += 1
        kept.append(person)
    problems.sort(key=lambda p: p.line)
    return kept, problems


def pool_digest(people: list[Person]) -> str:
    """SHA-256 of the pool in canonical order: the number the 公示 publishes."""
    rows = [p.row() for p in sorted(people)]
    return hashlib.sha256(canonical_json(rows).encode("utf-8")).hexdigest()


def write_csv(path: Path, people: list[Person]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for person in people:
            writer.writerow(person.row())

