"""Pools for the working group's tests: built in code, written as csv or xlsx."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from liangjiadi.workgroup.pool import COLUMNS, Person

CATEGORIES = ("综合医院", "专科医院", "中医医院")


def person(unit: int, n: int, level: str, category: str = "综合医院") -> Person:
    return Person(f"H{unit:04d}", f"代表{unit}-{n}", f"医院{unit}", level, category, "医保办主任", "否")


def bureau(name: str, post: str) -> Person:
    return Person("YB01", name, "某市医疗保障局", "", "医保部门", post, "否", next(
        d for d in ("医药管理", "规划财务", "医保经办", "数据管理") if d in post))


def rich_pool() -> list[Person]:
    """Enough of every level for every built-in profile, two nominees per institution, 4 bureau staff."""
    levels = ["三级"] * 4 + ["二级"] * 5 + ["一级"] * 3 + ["基层"] * 6
    people = [person(i, j, level, CATEGORIES[i % 3]) for i, level in enumerate(levels) for j in (1, 2)]
    return people + [bureau("局甲", "医药管理科科长"), bureau("局乙", "规划财务科"), bureau("局丙", "医保经办中心"),
                     bureau("局丁", "数据管理科")]


def write_pool(path: Path, people: list[Person], extra_rows: list[tuple] = ()) -> Path:
    rows = [list(COLUMNS)] + [p.row() for p in people] + [list(r) for r in extra_rows]
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        for row in rows:
            wb.active.append(row)
        wb.save(path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def pools():
    class Pools:
        person = staticmethod(person)
        bureau = staticmethod(bureau)
        rich = staticmethod(rich_pool)
        write = staticmethod(write_pool)

    return Pools
