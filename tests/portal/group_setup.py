"""The working group and the province's submissions, put into a test portal's work directory."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from liangjiadi.workgroup import import_pool, load_profile
from liangjiadi.workgroup.pool import COLUMNS, Person
from liangjiadi.workgroup.province import import_submission

INSTITUTION_NAME = "市人民医院甲"  # in the 机构比较 sheet only: the province must never see it


def pool_people() -> list[Person]:
    levels = ["三级"] * 4 + ["二级"] * 5 + ["一级"] * 3 + ["基层"] * 6
    kinds = ("综合医院", "专科医院", "中医医院")
    people = [Person(f"H{i:04d}", f"代表{i}-{k}", f"医院{i}", level, kinds[i % 3], "医保办主任", "否")
              for i, level in enumerate(levels) for k in (1, 2)]
    return people + [Person("YB01", "局长甲", "某市医疗保障局", "", "医保部门", "医药管理科", "否", "医药管理")]


def write_pool(path: Path, extra_columns: dict[str, list[str]] | None = None) -> Path:
    """The pool as a spreadsheet would hold it; `extra_columns` (e.g. 手机号) are kept off the record."""
    extra = extra_columns or {}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(COLUMNS) + list(extra))
        for i, p in enumerate(pool_people()):
            writer.writerow(p.row() + [values[i % len(values)] for values in extra.values()])
    return path


def submission(path: Path, groups, outpatient: str) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {
        "重点病组": [["病组编码", "病组名称", "病例数", "次均费用", "统筹基金支出"]]
        + [[code, name, n, cost, cost * n] for code, name, n, cost in groups],
        "机构比较": [["单位编码", "单位名称", "单位级别", "出院人次", "次均费用", "费用消耗指数", "时间消耗指数"],
                 ["H1", INSTITUTION_NAME, "三级", 1200, 15000.5, 1.05, 0.98]],
        "职工门诊统筹": [["指标", "值"], ["试点机构数", outpatient]],
    }
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def prepare(workdir: Path, tmp: Path) -> None:
    import_pool(workdir, write_pool(tmp / "pool.csv"), load_profile("liaoning"))
    a = submission(tmp / "a.xlsx", [("EJ1", "呼吸系统感染", 300, 8000), ("FR2", "心力衰竭", 120, 12000)], "12")
    b = submission(tmp / "b.xlsx", [("EJ1", "呼吸系统感染", 500, 7600)], "7")
    import_submission(workdir, a, region="140400", region_name="长治市", quarter="2026-Q1", received=date(2026, 4, 20))
    import_submission(workdir, b, region="140500", region_name="晋城市", quarter="2026-Q1", received=date(2026, 5, 6))
