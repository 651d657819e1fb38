"""Publication rules held by the release: the benchmark tier of each indicator.

Seeds/001 §六(八) and §八(四): how far the institutions see each other is the working group's
decision. Per indicator the tier is `percentile` (anonymous percentile, the default), `code`
(anonymous codes, 三级医院A) or `named` (named ranking). A tier changes only when the convener
approves a request made by another user (the requester never approves their own), and only
before publication: afterwards only a corrected release can change it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts import User, record
from ..config import Settings
from ..errors import LjdError
from ..releases.model import Release, State
from ..releases.store import Base, as_utc, session_scope, utcnow

TIER_CN = {"percentile": "匿名百分位（默认）", "code": "匿名代号", "named": "实名排名"}
OPEN_STATES = frozenset({State.DRAFT, State.IN_REVIEW, State.APPROVED})
REQUESTERS = frozenset({"officer", "member", "convener"})


class RuleError(LjdError):
    code = "LJD-PORTAL-RULE"


class TierRequestRow(Base):
    __tablename__ = "ljd_tier_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[str] = mapped_column(String(200), index=True)
    indicator_id: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16))  # pending / approved / rejected
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _as_dict(row: TierRequestRow) -> dict:
    return {"id": row.id, "release_id": row.release_id, "indicator_id": row.indicator_id, "tier": row.tier,
            "tier_cn": TIER_CN[row.tier], "reason": row.reason, "requested_by": row.requested_by,
            "requested_at": as_utc(row.requested_at).isoformat(), "state": row.state, "decided_by": row.decided_by,
            "decided_at": as_utc(row.decided_at).isoformat() if row.decided_at else None}


def tiers(settings: Settings, release_id: str) -> dict[str, str]:
    """The tier of each indicator with an approved request (the latest approval wins)."""
    with session_scope(settings) as session:
        rows = session.scalars(select(TierRequestRow).where(TierRequestRow.release_id == release_id,
                                                            TierRequestRow.state == "approved")
                               .order_by(TierRequestRow.decided_at, TierRequestRow.id))
        return {r.indicator_id: r.tier for r in rows}


_settled: dict[tuple[str, str], dict[str, str]] = {}


def tiers_for(settings: Settings, release: Release) -> dict[str, str]:
    """The tiers a page shows. Once a release is out of the open states no request can change
    them (`_open`), so they are read once per process; an open release is read every time."""
    if release.state in OPEN_STATES:
        return tiers(settings, release.release_id)
    key = (settings.resolve_database_url(), release.release_id)
    found = _settled.get(key)
    if found is None:
        found = _settled[key] = tiers(settings, release.release_id)
    return dict(found)


def requests(settings: Settings, release_id: str) -> list[dict]:
    with session_scope(settings) as session:
        rows = session.scalars(select(TierRequestRow).where(TierRequestRow.release_id == release_id)
                               .order_by(TierRequestRow.id))
        return [_as_dict(r) for r in rows]


def _open(release: Release) -> None:
    if release.state not in OPEN_STATES:
        raise RuleError("发布后不能再改变对标方式", "如需调整，请修订发布（release revise）后在新版本上申请")


def request_tier(settings: Settings, user: User, release: Release, indicator_id: str, tier: str, reason: str,
                 indicators: set[str]) -> dict:
    if user.role not in REQUESTERS:
        raise RuleError("只有数据专员、工作组成员和召集人可以申请改变对标方式")
    _open(release)
    if tier not in TIER_CN:
        raise RuleError(f"未知的对标方式：{tier}", "应为 percentile（匿名百分位）、code（匿名代号）或 named（实名排名）")
    if indicator_id not in indicators:
        raise RuleError(f"本发布没有可对标的指标 {indicator_id}")
    if not reason.strip():
        raise RuleError("请写明申请理由")
    with session_scope(settings) as session:
        row = TierRequestRow(release_id=release.release_id, indicator_id=indicator_id, tier=tier,
                             reason=reason.strip(), requested_by=user.username, requested_at=utcnow(),
                             state="pending")
        session.add(row)
        session.flush()
        record(session, user.username, "tier_request", role=user.role, release_id=release.release_id,
               detail={"request": row.id, "indicator_id": indicator_id, "tier": tier})
        return _as_dict(row)


def decide(settings: Settings, user: User, release: Release, request_id: int, approve: bool) -> dict:
    if user.role != "convener":
        raise RuleError("只有召集人可以审批对标方式的申请")
    _open(release)
    with session_scope(settings) as session:
        row = session.get(TierRequestRow, request_id)
        if row is None or row.release_id != release.release_id:
            raise RuleError(f"本发布没有编号为 {request_id} 的申请")
        if row.state != "pending":
            raise RuleError("该申请已处理")
        if row.requested_by == user.username:
            raise RuleError("申请人不能审批自己的申请", "须由召集人审批另一位用户提出的申请")
        row.state, row.decided_by, row.decided_at = ("approved" if approve else "rejected"), user.username, utcnow()
        record(session, user.username, "tier_decide", role=user.role, release_id=release.release_id,
               detail={"request": row.id, "indicator_id": row.indicator_id, "tier": row.tier, "approve": approve})
        return _as_dict(row)
