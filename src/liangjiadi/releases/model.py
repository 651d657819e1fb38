"""The vocabulary of releases: kinds, states, periods and the records the API returns.

Periods name the data a release shows, not the day it goes out:
- monthly:   `YYYY-MM`                      -> freezes that month's runs
- quarterly: `YYYY-Qn` (or the quarter's last month `YYYY-03/06/09/12`, normalised to `YYYY-Qn`)
             -> freezes the quarter's last month's runs, and the quarter's values (releases/snapshot.py)
- annual:    `YYYY` (or `YYYY-12`)          -> freezes December's runs, and the year's values
- topic:     any of the above, plus an optional short topic name (`2025-Q1-糖尿病`)
- clearing:  `YYYY` (or `YYYY-12`)          -> freezes the year-end 清算 of DRG/DIP payment
             (payment/<region>/<year>/settlement.json, releases/clearing.py) and December's runs
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

from ..errors import ConfigError
from ..period import Window


class Kind(str, Enum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    TOPIC = "topic"
    ANNUAL = "annual"
    CLEARING = "clearing"  # 年度清算 (seeds/004 9.2.2): the year-end settlement, frozen and signed


KIND_CN = {Kind.MONTHLY: "月推送", Kind.QUARTERLY: "季发布", Kind.TOPIC: "专题分析", Kind.ANNUAL: "年度通报",
           Kind.CLEARING: "年度清算"}


class State(str, Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    REVISED = "revised"  # superseded by a newer version; stays readable, never changes
    WITHDRAWN = "withdrawn"  # taken back (撤回) with a reason, no replacement needed; stays readable, marked


STATE_CN = {State.DRAFT: "草稿", State.IN_REVIEW: "审议中", State.APPROVED: "审议通过",
            State.PUBLISHED: "已发布", State.REVISED: "已被修订", State.WITHDRAWN: "已撤回"}

# ---- periods ---------------------------------------------------------------------------

# A topic period: a month, quarter or year key (period.py reads it), then an optional topic name.
_TOPIC = re.compile(r"^(\d{4}(?:-(?:0[1-9]|1[0-2]|Q[1-4]))?)(?:-([0-9A-Za-z_\u4e00-\u9fff]+))?$", re.IGNORECASE)
_TOPIC_NAME = re.compile(r"^[0-9A-Za-z_\u4e00-\u9fff]+$")


@dataclass(frozen=True)
class ReleasePeriod:
    """A release's period key (as in paths and ids) and the month whose runs it freezes."""

    key: str
    source_period: str
    label: str  # Chinese, e.g. 2025年第一季度


def feedback_file(workdir: Path, period_key: str) -> Path:
    """Where the working group keeps the feedback about a release period (reports/feedback.py);
    `release create` freezes the previous period's file into the bundle."""
    return Path(workdir) / "feedback" / f"{period_key}.yaml"


def parse_kind(kind: str | Kind) -> Kind:
    try:
        return Kind(str(kind.value if isinstance(kind, Kind) else kind).lower())
    except ValueError:
        raise ConfigError(f"未知的发布类型：{kind}",
                          "发布类型应为 monthly（月推送）、quarterly（季发布）、topic（专题分析）、annual（年度通报）"
                          "或 clearing（年度清算）") from None


def _window(text: str, kinds: tuple[str, ...]) -> Window | None:
    """The month, quarter or year `text` names (period.py), if it is one of `kinds`."""
    try:
        window = Window.parse(text)
    except ConfigError:
        return None
    return window if window.kind in kinds else None


def _release_period(window: Window) -> ReleasePeriod:
    return ReleasePeriod(window.key, str(window.last), window.label)


def parse_period(kind: str | Kind, period: str, topic: str | None = None) -> ReleasePeriod:
    kind = parse_kind(kind)
    text = str(period).strip()
    bad = ConfigError
    if kind == Kind.MONTHLY:
        if not (window := _window(text, ("month",))):
            raise bad(f"月推送的期间格式不正确：{period}", "应为 YYYY-MM，例如 2025-03")
        return _release_period(window)
    if kind == Kind.QUARTERLY:
        if month := _window(text, ("month",)):
            last = month.last
            if last.month % 3:
                raise bad(f"{text} 不是季末月份，不能作为季发布的期间",
                          f"请写成 {last.year}-Q{last.quarter}（或季末月份 YYYY-03/06/09/12）")
            return _release_period(last.quarter_window())
        if not (window := _window(text, ("quarter",))):
            raise bad(f"季发布的期间格式不正确：{period}", "应为 YYYY-Qn（如 2025-Q1）或季末月份（如 2025-03）")
        return _release_period(window)
    if kind in (Kind.ANNUAL, Kind.CLEARING):
        if (month := _window(text, ("month",))) and month.last.month == 12:
            text = str(month.last.year)
        if not (window := _window(text, ("year",))):
            raise bad(f"{KIND_CN[kind]}的期间格式不正确：{period}", "应为 YYYY（如 2025）")
        return _release_period(window)
    # topic: a month, quarter or year, optionally followed by a short topic name
    m = _TOPIC.match(text)
    if not m:
        raise bad(f"专题分析的期间格式不正确：{period}",
                  "应为 YYYY-MM、YYYY-Qn 或 YYYY，可带专题名，如 2025-Q1-糖尿病")
    base = _release_period(Window.parse(m.group(1).upper()))
    name = topic or m.group(2)
    if name and not _TOPIC_NAME.match(name):
        raise bad(f"专题名只能包含汉字、字母、数字和下划线：{name}")
    key = f"{base.key}-{name}" if name else base.key
    return ReleasePeriod(key, base.source_period, f"{base.label}专题" + (f"（{name}）" if name else ""))


def topic_window_key(key: str) -> str:
    """The window of a topic release's key: 2025-Q1-糖尿病 -> 2025-Q1."""
    m = _TOPIC.match(key)
    return m.group(1).upper() if m else key


def release_id_for(admdvs: str, kind: Kind, period_key: str, version: int) -> str:
    return f"{admdvs}-{kind.value}-{period_key}-v{version}"


# ---- records returned by the API -----------------------------------------------------


@dataclass(frozen=True)
class Member:
    member_id: str
    name: str
    role: str
    active: bool = True


@dataclass(frozen=True)
class SignOff:
    member_id: str
    member_name: str
    role: str
    approve: bool
    comment: str
    signed_at: datetime


@dataclass(frozen=True)
class Override:
    actor: str
    reason: str
    at: datetime
    failing_checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    release_id: str | None
    detail: dict
    entry_hash: str


ACTION_CN = {
    "create": "创建", "attach": "附加文件", "submit": "提交审议", "sign": "签署同意", "comment": "审议意见",
    "approve": "审议通过", "override": "复核不通过时强制发布（说明理由）", "publish": "发布",
    "publish_blocked": "发布被拒绝", "revise": "修订", "supersede": "被新版本取代", "withdraw": "撤回",
    "member_add": "登记成员", "member_deactivate": "成员停用",
    "objection_submit": "机构提出异议", "objection_accept": "受理异议", "objection_answer": "答复异议",
    "objection_close": "关闭异议", "objection_correct": "据异议更正发布", "objection_escalate": "异议逾期督办",
    "attachment_upload": "上传附件", "letter_issue": "发出提醒函", "letter_sign": "签署回执",
    "letter_report": "报送自查报告", "letter_route": "移交核查", "letter_close": "提醒函办结",
    "letter_escalate": "提醒函逾期督办",
}


@dataclass(frozen=True)
class Release:
    """One version of a release, as stored; its bundle lives in `bundle_dir`."""

    release_id: str
    admdvs: str
    kind: Kind
    period: str
    source_period: str
    version: int
    state: State
    title: str | None
    bundle_dir: Path
    content_hash: str
    results_run_id: str
    check_run_id: str
    findings_run_id: str
    check_status: str
    created_at: datetime
    creator: str
    parent_id: str | None = None
    revision_reason: str | None = None
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    published_at: datetime | None = None
    published_by: str | None = None
    superseded_by: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawal_reason: str | None = None
    signoffs: tuple[SignOff, ...] = ()
    overrides: tuple[Override, ...] = ()
    approvals_needed: int = 0

    @property
    def label(self) -> str:
        """E.g. 140400 2025年第1季度 季发布 第2版."""
        return f"{self.admdvs} {parse_period(self.kind, self.period).label} {KIND_CN[self.kind]} 第{self.version}版"

    @property
    def approvers(self) -> list[str]:
        """Members who approved this version (each counted once)."""
        seen: dict[str, str] = {}
        for s in self.signoffs:
            if s.approve:
                seen.setdefault(s.member_id, s.member_name)
        return list(seen.values())

    def manifest(self) -> dict:
        return json.loads((self.bundle_dir / "manifest.json").read_text(encoding="utf-8"))

    def files(self) -> list[dict]:
        return self.manifest()["files"]

    def path_of(self, relative: str) -> Path:
        return self.bundle_dir / relative
