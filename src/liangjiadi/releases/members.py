"""The working group's member registry (数据工作组成员) and the review quorum.

Seeds/001 §六(五): reports are reviewed by the group's members before release and each member's
opinion is recorded and signed. Members here are the people who may sign a release; the quorum
(`release_quorum`) is a number of approvals (≥1) or a fraction of active members (0..1).
"""

from __future__ import annotations

import math

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..config import Settings, get_settings
from .errors import MemberError
from .model import Member
from .store import MemberRow, append_audit, session_scope, utcnow

ROLE_CN = {
    "convener": "召集人",
    "insurer": "医保部门",
    "hospital": "定点医疗机构代表",
    "pharmacy": "定点零售药店代表",
    "staff": "工作人员",
}
_ROLE_BY_CN = {cn: code for code, cn in ROLE_CN.items()}


def parse_role(role: str) -> str:
    code = _ROLE_BY_CN.get(role.strip(), role.strip().lower())
    if code not in ROLE_CN:
        raise MemberError(f"未知的成员角色：{role}",
                          "角色应为 " + "、".join(f"{c}（{cn}）" for c, cn in ROLE_CN.items()))
    return code


def _member(row: MemberRow) -> Member:
    return Member(row.member_id, row.name, row.role, row.active)


# The effective quorum never goes below this, whatever the configuration or environment says:
# one person alone must not be able to review, sign and publish (seeds/001 §六(五)).
MIN_APPROVALS = 2


def _registrar(actor: str) -> str:
    """Who changes the registry; the audit log must say so (the CLI defaults it to the OS user)."""
    if not actor or not actor.strip():
        raise MemberError("请注明操作人（--by 姓名）", "成员的登记与停用都记入审计日志，须写明是谁做的")
    return actor.strip()


def add_member(member_id: str, name: str, role: str, settings: Settings | None = None,
               actor: str = "") -> Member:
    settings = settings or get_settings()
    role = parse_role(role)
    actor = _registrar(actor)
    if not member_id.strip() or not name.strip():
        raise MemberError("成员编号和姓名不能为空")
    with session_scope(settings) as session:
        row = session.get(MemberRow, member_id)
        if row is not None and row.active:
            raise MemberError(f"成员编号 {member_id} 已登记（{row.name}，{ROLE_CN.get(row.role, row.role)}）")
        if row is None:
            row = MemberRow(member_id=member_id, name=name.strip(), role=role, active=True, added_at=utcnow())
            session.add(row)
        else:  # re-activating a former member (e.g. drawn again in a later term)
            row.name, row.role, row.active = name.strip(), role, True
        append_audit(session, actor, "member_add", None,
                     {"member_id": member_id, "name": name.strip(), "role": role, "by": actor})
        return _member(row)


def deactivate_member(member_id: str, settings: Settings | None = None, actor: str = "") -> Member:
    """A member leaves the group (end of term); their past sign-offs stay as they were."""
    settings = settings or get_settings()
    actor = _registrar(actor)
    with session_scope(settings) as session:
        row = session.get(MemberRow, member_id)
        if row is None:
            raise MemberError(f"没有编号为 {member_id} 的成员")
        row.active = False
        append_audit(session, actor, "member_deactivate", None,
                     {"member_id": member_id, "name": row.name, "role": row.role, "by": actor})
        return _member(row)


def list_members(settings: Settings | None = None, include_inactive: bool = False) -> list[Member]:
    settings = settings or get_settings()
    with session_scope(settings) as session:
        query = select(MemberRow).order_by(MemberRow.member_id)
        if not include_inactive:
            query = query.where(MemberRow.active.is_(True))
        return [_member(r) for r in session.scalars(query)]


def find_member(session: Session, who: str) -> MemberRow:
    """An active member by id, or by name when the name is unique."""
    rows = session.scalars(select(MemberRow).where(or_(MemberRow.member_id == who, MemberRow.name == who))).all()
    active = [r for r in rows if r.active]
    if not active:
        hint = "请先登记：liangjiadi release member add --id 编号 --name 姓名 --role 角色"
        if rows:
            raise MemberError(f"成员 {who} 已停用，不能签署", hint)
        raise MemberError(f"{who} 不是已登记的数据工作组成员，不能签署", hint)
    exact = [r for r in active if r.member_id == who]
    if exact:
        return exact[0]
    if len(active) > 1:
        raise MemberError(f"有多名成员叫 {who}", "请改用成员编号")
    return active[0]


def approvals_needed(settings: Settings, session: Session) -> int:
    """How many distinct members must approve: the configured quorum (a count, or a fraction of
    active members), but never fewer than MIN_APPROVALS: configuration can raise it, not lower it."""
    quorum = settings.release_quorum
    if quorum >= 1:
        return max(MIN_APPROVALS, math.ceil(quorum))
    active = session.scalar(select(func.count()).select_from(MemberRow).where(MemberRow.active.is_(True))) or 0
    return max(MIN_APPROVALS, math.ceil(quorum * active - 1e-9))


def ensure_member(member_id: str, name: str, role: str, settings: Settings | None = None, actor: str = "") -> Member:
    """Register the member, or bring an existing one up to date (name, role, active): the working
    group's draw and appointments keep this registry (workgroup/people.py), so it stays one list."""
    settings = settings or get_settings()
    role = parse_role(role)
    actor = _registrar(actor)
    with session_scope(settings) as session:
        row = session.get(MemberRow, member_id)
        if row is not None and (row.name, row.role, row.active) == (name, role, True):
            return _member(row)
        if row is None:
            row = MemberRow(member_id=member_id, name=name, role=role, active=True, added_at=utcnow())
            session.add(row)
        else:
            row.name, row.role, row.active = name, role, True
        append_audit(session, actor, "member_add", None, {"member_id": member_id, "name": name, "role": role, "by": actor})
        return _member(row)
