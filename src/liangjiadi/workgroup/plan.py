"""年度发布计划: what the group must publish and hold in a year, each item with its due date and clause,
and plan versus actual (published releases through releases' public API; meetings from the store).

The plan file `<workdir>/workgroup/plan-YYYY.yaml` holds what only the region can decide (the topic
analyses with their 病种 and 牵头承办机构, the annual clearing date); every other item follows from
the rules below.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from ..period import Period, Window
from .errors import WorkgroupError

# Each kind of item, with the clause it comes from (changzhi's own timing where it has one).
RULES = {
    "monthly": ("001 四(三)；000 第八条", "数据公布的周期一般是按月，条件尚不具备的可按季度发布。"),
    "quarterly": ("000 第八条", "通过月告知、季公布、年通报等方式，结合实际向各定点医疗机构公开数据分析结果。"),
    "topic": ("001 七(二)", "专题病种分析可由数据工作组中定点医疗机构成员单位牵头负责，在年度发布计划中明确牵头承办机构和病种选题。"),
    "half_inpatient": ("000 第八条", "各统筹区每半年至少公布1次住院率和特例单议情况。"),
    "half_special": ("000 第八条", "各统筹区每半年至少公布1次住院率和特例单议情况。"),
    "meeting_quarter": ("001 四(二)", "每个季度要开展1次面对面发布（可线上线下相结合，一年内至少开展 2 次线下面对面发布）"),
    "meeting_offline_2": ("001 四(三)", "一年内至少开展 2 次线下面对面数据发布活动"),
    "meeting_q1": ("001 四(三)", "每年第 1 季度和年度清算完成后 1 个月左右两个时间节点以线下面对面发布为主。"),
    "meeting_clearing": ("001 七(三)", "各统筹地区完成 2024 年清算工作后的 1 个月内，重点围绕清算情况等开展面对面数据发布工作。"),
    "next_plan": ("001 三(一)", "每年 12 月底前，确定下一年度数据发布计划，报送省级医保部门。"),
}
CHANGZHI_RULES = {
    "monthly": ("002 第十一条", "每月月度结算完成后,通报以下信息"),
    "quarterly": ("002 第十二条", "定期做好数据汇总分析,每季度第二个月通报以下信息"),
}
KIND_CN = {
    "monthly": "月推送", "quarterly": "季发布", "topic": "专题分析", "half_inpatient": "住院率（半年）",
    "half_special": "特例单议（半年）", "meeting_quarter": "季度面对面发布", "meeting_offline_2": "全年线下发布不少于 2 次",
    "meeting_q1": "第一季度线下发布", "meeting_clearing": "清算后 1 个月内线下发布", "next_plan": "报送下一年度发布计划",
}
SOON_DAYS = 30


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _end_after(period: Period, months: int) -> date:
    p = period.shift(months)
    return month_end(p.year, p.month)


@dataclass
class PlanItem:
    kind: str
    title: str
    period: str
    due: date
    source: str
    quote: str
    topic: str = ""
    lead: str = ""
    done_on: date | None = None
    evidence: str = ""
    status: str = ""
    days: int = 0

    @property
    def kind_cn(self) -> str:
        return KIND_CN[self.kind]


@dataclass
class Plan:
    year: int
    profile: str = "national"
    clearing_date: date | None = None
    topics: list[dict] = field(default_factory=list)


def plan_path(workdir: Path, year: int) -> Path:
    return Path(workdir) / "workgroup" / f"plan-{year}.yaml"


PLAN_TEMPLATE = """# {year} 年度数据发布计划（001 三(一)：每年 12 月底前确定下一年度数据发布计划，报送省级医保部门）
# 月推送、季发布、半年住院率与特例单议、面对面发布按规则自动列出；这里只填地区自定的部分。
year: {year}
profile: {profile}                 # national | liaoning | changzhi | 本地区规则文件
clearing_date:                     # 上年度清算完成日期（YYYY-MM-DD），登记后列出“清算后 1 个月内线下发布”
topics: []                         # 专题分析（001 七(二)：在年度发布计划中明确牵头承办机构和病种选题），例如：
#  - 病种: EJ1 呼吸系统感染/炎症
#    牵头承办机构: 某某市人民医院
#    month: {year}-06              # 计划完成月份
"""


def write_template(workdir: Path, year: int, profile: str, *, force: bool = False) -> Path:
    path = plan_path(workdir, year)
    if path.exists() and not force:
        raise WorkgroupError(f"{year} 年度发布计划已存在：{path}", "直接编辑该文件；确需重建时加 --force")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PLAN_TEMPLATE.format(year=year, profile=profile), encoding="utf-8")
    return path


def read_plan(workdir: Path, year: int) -> Plan:
    path = plan_path(workdir, year)
    if not path.is_file():
        raise WorkgroupError(f"{year} 年度发布计划不存在：{path}", f"先运行 liangjiadi group plan init --year {year}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        raise WorkgroupError(f"发布计划 {path} {where}无法解析", "请检查 YAML 缩进与冒号") from None
    return plan_from_dict(data, str(path), year)


def plan_from_dict(data: dict, where: str, year: int) -> Plan:
    if int(data.get("year") or year) != year:
        raise WorkgroupError(f"发布计划 {where} 的 year 为 {data.get('year')}，与文件年度 {year} 不符")
    clearing = data.get("clearing_date")
    if clearing and not isinstance(clearing, date):
        try:
            clearing = date.fromisoformat(str(clearing))
        except ValueError:
            raise WorkgroupError(f"发布计划 {where}：clearing_date「{clearing}」不是 YYYY-MM-DD 日期") from None
    topics = []
    for i, t in enumerate(data.get("topics") or [], 1):
        for key in ("病种", "牵头承办机构", "month"):
            if not isinstance(t, dict) or not str(t.get(key) or "").strip():
                source, quote = RULES["topic"]
                raise WorkgroupError(f"发布计划 {where}：topics 第 {i} 条缺少「{key}」",
                                     f"{source}：“{quote}”")
        Period.parse(str(t["month"]))
        topics.append({"病种": str(t["病种"]).strip(), "牵头承办机构": str(t["牵头承办机构"]).strip(),
                       "month": str(t["month"])})
    return Plan(year, str(data.get("profile") or "national"), clearing, topics)


def plan_items(plan: Plan) -> list[PlanItem]:
    """Every item the year's plan holds, due dates by the rules."""
    y = plan.year
    rules = {**RULES, **(CHANGZHI_RULES if plan.profile == "changzhi" else {})}
    items = []
    for m in range(1, 13):
        p = Period(y, m)
        items.append(PlanItem("monthly", f"{p.label}月推送", str(p), _end_after(p, 1), *rules["monthly"]))
    for q in range(1, 5):
        w = Window.quarter(y, q)
        items.append(PlanItem("quarterly", f"{w.label}季发布", w.key, _end_after(w.last, 2), *rules["quarterly"]))
    for h in (1, 2):
        w = Window.half(y, h)
        for kind, what in (("half_inpatient", "住院率"), ("half_special", "特例单议情况")):
            items.append(PlanItem(kind, f"{w.label}{what}公布", w.key, _end_after(w.last, 1), *rules[kind]))
    for t in plan.topics:
        p = Period.parse(t["month"])
        items.append(PlanItem("topic", f"专题分析：{t['病种']}", str(p), month_end(p.year, p.month), *rules["topic"],
                              topic=t["病种"], lead=t["牵头承办机构"]))
    for q in range(1, 5):
        w = Window.quarter(y, q)
        items.append(PlanItem("meeting_quarter", f"{w.label}面对面发布", w.key, month_end(y, 3 * q),
                              *rules["meeting_quarter"]))
    items.append(PlanItem("meeting_q1", "第一季度线下面对面发布", f"{y}-Q1", month_end(y, 3), *rules["meeting_q1"]))
    if plan.clearing_date:
        c = plan.clearing_date
        items.append(PlanItem("meeting_clearing", f"清算完成（{c.isoformat()}）后 1 个月内线下发布", c.isoformat(),
                              _one_month_after(c), *rules["meeting_clearing"]))
    items.append(PlanItem("meeting_offline_2", "全年线下面对面发布不少于 2 次", str(y), month_end(y, 12),
                          *rules["meeting_offline_2"]))
    items.append(PlanItem("next_plan", f"确定并报送 {y + 1} 年度数据发布计划", str(y + 1), month_end(y, 12),
                          *rules["next_plan"]))
    return items


def _one_month_after(day: date) -> date:
    p = Period(day.year, day.month).shift(1)
    return date(p.year, p.month, min(day.day, calendar.monthrange(p.year, p.month)[1]))


@dataclass(frozen=True)
class Published:
    """What the plan needs of a published release (read through releases' public API)."""

    release_id: str
    kind: str  # monthly | quarterly | topic | annual
    period: str
    source_period: str
    title: str
    published_on: date


@dataclass(frozen=True)
class Meeting:
    day: date
    mode: str  # 线下 | 线上
    title: str


def match(plan: Plan, items: list[PlanItem], published: list[Published], meetings: list[Meeting],
          *, as_of: date, next_plan_exists: bool = False) -> list[PlanItem]:
    """Fill each item's completion and status as of `as_of`."""
    for item in items:
        done, evidence = _completion(plan, item, published, meetings, next_plan_exists)
        item.done_on, item.evidence = done, evidence
        if done:
            late = (done - item.due).days
            item.status, item.days = ("按时完成", 0) if late <= 0 else ("逾期完成", late)
        elif as_of > item.due:
            item.status, item.days = "逾期未完成", (as_of - item.due).days
        elif (item.due - as_of).days <= SOON_DAYS:
            item.status, item.days = "即将到期", (item.due - as_of).days
        else:
            item.status, item.days = "未到期", (item.due - as_of).days
    return items


def _first(found):
    found = sorted(found, key=lambda x: x[0])
    return found[0] if found else (None, "")


def _completion(plan, item, published, meetings, next_plan_exists):
    k = item.kind
    if k == "monthly":
        return _first((r.published_on, r.release_id) for r in published if r.kind == "monthly" and r.period == item.period)
    if k == "quarterly":
        return _first((r.published_on, r.release_id) for r in published if r.kind == "quarterly" and r.period == item.period)
    if k in ("half_inpatient", "half_special"):
        # half-year indicators (住院率, 特例单议) are published with the data of June and December
        month = f"{plan.year}-06" if item.period.endswith("H1") else f"{plan.year}-12"
        return _first((r.published_on, r.release_id) for r in published
                      if r.kind in ("monthly", "quarterly", "annual") and r.source_period == month)
    if k == "topic":
        return _first((r.published_on, r.release_id) for r in published
                      if r.kind == "topic" and r.period[:4] == str(plan.year)
                      and (item.topic.split()[0] in r.period or item.topic.split()[0] in (r.title or "")))
    quarter_of = {m.day: (m.day.year, (m.day.month - 1) // 3 + 1) for m in meetings}
    if k == "meeting_quarter":
        year, q = int(item.period[:4]), int(item.period[-1])
        return _first((m.day, f"{m.day} {m.mode} {m.title}") for m in meetings if quarter_of[m.day] == (year, q))
    if k == "meeting_q1":
        return _first((m.day, f"{m.day} {m.title}") for m in meetings
                      if m.mode == "线下" and quarter_of[m.day] == (plan.year, 1))
    if k == "meeting_clearing":
        c = plan.clearing_date
        return _first((m.day, f"{m.day} {m.title}") for m in meetings if m.mode == "线下" and c <= m.day <= item.due)
    if k == "meeting_offline_2":
        offline = sorted(m.day for m in meetings if m.mode == "线下" and m.day.year == plan.year)
        return (offline[1], f"线下 {len(offline)} 次") if len(offline) >= 2 else (None, f"线下 {len(offline)} 次")
    if k == "next_plan":
        return (None, "已编制（未登记报送日期）") if next_plan_exists else (None, "")
    return None, ""


def warnings(items: list[PlanItem]) -> list[str]:
    out = []
    for item in items:
        if item.status == "逾期未完成":
            out.append(f"逾期 {item.days} 天：{item.title}（应于 {item.due} 前完成；{item.source}：“{item.quote}”）")
        elif item.status == "即将到期":
            out.append(f"{item.days} 天后到期：{item.title}（{item.due}）")
    return out


def published_releases(settings) -> list[Published]:
    """The region's published releases, read through releases' public API."""
    from ..config import local_time
    from ..releases import list_releases

    out = []
    for r in list_releases(settings, admdvs=settings.region_admdvs, state="published"):
        if r.published_at:
            day = date.fromisoformat(local_time(r.published_at, "%Y-%m-%d"))
            out.append(Published(r.release_id, r.kind.value, r.period, r.source_period, r.title or "", day))
    return out


def meetings_of(data: dict) -> list[Meeting]:
    return [Meeting(date.fromisoformat(m["date"]), m["mode"], m.get("title", "")) for m in data.get("meetings", [])]


def export_xlsx(path: Path, plan: Plan, items: list[PlanItem], as_of: date) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "年度发布计划"
    ws.append([f"{plan.year} 年度数据发布计划执行情况（截至 {as_of}）"])
    ws["A1"].font = Font(bold=True, size=14)
    header = ["序号", "类别", "事项", "期间", "病种", "牵头承办机构", "应完成日期", "实际完成日期", "完成依据", "状态", "天数", "规则出处"]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    red = PatternFill("solid", fgColor="F8CBAD")
    amber = PatternFill("solid", fgColor="FFE699")
    for i, item in enumerate(items, 1):
        ws.append([i, item.kind_cn, item.title, item.period, item.topic, item.lead, item.due.isoformat(),
                   item.done_on.isoformat() if item.done_on else "", item.evidence, item.status, item.days, item.source])
        fill = red if item.status.startswith("逾期") else amber if item.status == "即将到期" else None
        if fill:
            for cell in ws[ws.max_row]:
                cell.fill = fill
    for col, width in zip("ABCDEFGHIJKL", (6, 16, 36, 12, 18, 22, 12, 12, 34, 12, 8, 24)):
        ws.column_dimensions[col].width = width
    warn = wb.create_sheet("预警")
    warn.append(["预警"])
    for text in warnings(items) or ["（无）"]:
        warn.append([text])
    warn.column_dimensions["A"].width = 120
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def plan_status(settings, year: int, as_of: date, published: list[Published] | None = None) -> tuple[Plan, list[PlanItem]]:
    from . import store

    workdir = Path(settings.workdir)
    plan = read_plan(workdir, year)
    items = plan_items(plan)
    if published is None:
        published = published_releases(settings)
    return plan, match(plan, items, published, meetings_of(store.load(workdir)), as_of=as_of,
                       next_plan_exists=plan_path(workdir, year + 1).is_file())


__all__ = ["Meeting", "Plan", "PlanItem", "Published", "export_xlsx", "match", "plan_items",
           "plan_status", "read_plan", "warnings", "write_template"]
