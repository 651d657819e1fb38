"""面对面发布活动: agenda, invited and attending institutions, minutes, the questionnaire; coverage of
the designated institutions over two years and the share of 基层 attendees (001 §四(一), §六(六))."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InputFileError
from . import store
from .errors import WorkgroupError

# 001 §六(六) 数据发布: the agenda of a face-to-face release
AGENDA_001 = ("整体基金运行情况及工作重点介绍", "数据通报", "答疑交流", "医药机构分享", "总结点评")
AGENDA_SOURCE = ("001 六(六)", "发布活动环节可分为整体基金运行情况及工作重点介绍、数据通报、答疑交流、医药机构分享、总结点评等议程。"
                 "为了解统筹地区医保部门工作开展情况，医保部门需要在数据发布活动现场发放调查问卷")
COVERAGE_SOURCE = ("001 四(一)", "其中，应保证一定比例的基层医疗机构代表参与，用两年左右的时间实现定点医疗机构（可不含村卫生室）全覆盖。")
BASIC = "基层"  # 一级及以下 (一级, 无等级, 基层医疗卫生机构), as the peer groups count them


def add_meeting(workdir: Path, *, day: date, mode: str, title: str, agenda: list[str] = (), invited: list[str] = (),
                attending: list[str] = (), minutes: str = "", questionnaire: bool = True) -> dict:
    if mode not in ("线下", "线上"):
        raise WorkgroupError(f"会议形式「{mode}」不对", "应为 线下 或 线上")
    if not title.strip():
        raise WorkgroupError("会议名称不能为空")
    data = store.load(workdir)
    meeting = {"date": day.isoformat(), "mode": mode, "title": title.strip(), "agenda": list(agenda or AGENDA_001),
               "invited": sorted(set(invited) | set(attending)), "attending": sorted(set(attending)),
               "minutes": minutes, "questionnaire": questionnaire}
    data["meetings"].append(meeting)
    data["meetings"].sort(key=lambda m: m["date"])
    store.save(workdir, data)
    return meeting


def agenda_gaps(meeting: dict) -> list[str]:
    """Agenda items of 001 §六(六) a meeting did not hold, and a missing questionnaire."""
    gaps = [f"议程缺少“{item}”" for item in AGENDA_001 if item not in meeting.get("agenda", [])]
    if not meeting.get("questionnaire"):
        gaps.append("未在现场发放调查问卷")
    return gaps


@dataclass(frozen=True)
class Institution:
    code: str
    name: str
    level: str  # 三级 | 二级 | 基层


@dataclass
class Coverage:
    start: date
    end: date
    designated: int
    covered: list[Institution]
    uncovered: list[Institution]
    attendees: int  # institution attendances in the window
    basic_attendees: int

    @property
    def share(self) -> float:
        return len(self.covered) / self.designated if self.designated else 0.0

    @property
    def basic_share(self) -> float:
        return self.basic_attendees / self.attendees if self.attendees else 0.0


def two_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 2, day=28)


def coverage(meetings: list[dict], institutions: dict[str, Institution], as_of: date) -> Coverage:
    start = two_years_before(as_of)
    seen, attendances, basic = set(), 0, 0
    for m in meetings:
        if start < date.fromisoformat(m["date"]) <= as_of:
            for code in m.get("attending", []):
                seen.add(code)
                attendances += 1
                basic += institutions.get(code, Institution(code, "", "")).level == BASIC
    covered = [i for c, i in sorted(institutions.items()) if c in seen]
    uncovered = [i for c, i in sorted(institutions.items()) if c not in seen]
    return Coverage(start, as_of, len(institutions), covered, uncovered, attendances, basic)


def institutions_from_file(path: Path) -> dict[str, Institution]:
    """A csv of the designated institutions: 单位编码, 单位名称, 单位级别 (三级/二级/一级/基层)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "不存在")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("单位编码", "单位名称", "单位级别") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputFileError(path, f"第 1 行表头缺少列：{'、'.join(missing)}")
        out = {}
        for n, row in enumerate(reader, start=2):
            level = (row["单位级别"] or "").strip()
            if level not in ("三级", "二级", "一级", "基层"):
                raise InputFileError(path, f"第 {n} 行 第 3 列「单位级别」：值「{level}」应为 三级/二级/一级/基层 之一")
            out[row["单位编码"].strip()] = Institution(row["单位编码"].strip(), row["单位名称"].strip(),
                                                     BASIC if level in ("一级", "基层") else level)
    return out


def institutions_from_releases(settings) -> dict[str, Institution]:
    """The designated medical institutions (not pharmacies) frozen in the newest published release."""
    from ..releases import frozen_content, list_releases
    from ..schema.codes import level_group

    published = [r for r in list_releases(settings, admdvs=settings.region_admdvs, state="published") if r.published_at]
    if not published:
        raise WorkgroupError("还没有已发布的发布包，无法取得定点医疗机构目录",
                             "用 --institutions 指定定点医疗机构清单（单位编码、单位名称、单位级别）")
    newest = max(published, key=lambda r: (r.source_period, r.published_at))
    out = {}
    for row in frozen_content(newest.release_id, settings).institutions:
        if str(row.get("fixmedins_type") or "1") != "1":
            continue
        group = level_group(row.get("hosp_lv"))
        out[row["code"]] = Institution(row["code"], row.get("name") or "", BASIC if group == "一级及以下" else group)
    return out
