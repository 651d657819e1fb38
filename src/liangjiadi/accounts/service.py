"""The registry of people: users with roles, linked to the release members they are.

A working-group member or convener is a user whose `member_id` names their release member
(releases/members.py): `user add --role member|convener` registers (or re-links) that member,
and disabling the user retires the member, so the people who sign releases and the people who
log in are one list. Every change is written to the access log with who made it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..config import Settings, get_settings
from ..releases.members import parse_role as parse_member_role
from ..releases.store import MemberRow, append_audit, as_utc, engine_for, session_scope, utcnow
from .access_log import record
from .errors import AccountError, LoginRefused
from .model import User
from .passwords import hash_password, verify_password
from .roles import GROUP_ROLES, NEEDS_ADMDVS, ROLE_CN
from .store import SessionRow, UserRow

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
_ADMDVS = re.compile(r"^\d{6}$")


def _user(row: UserRow) -> User:
    return User(row.user_id, row.username, row.display_name, row.role, row.fixmedins_code, row.admdvs,
                row.member_id, row.active, as_utc(row.locked_until), as_utc(row.valid_until), row.email)


def parse_role(role: str) -> str:
    text = role.strip()
    code = {cn: c for c, cn in ROLE_CN.items()}.get(text, text.lower())
    if code not in ROLE_CN:
        raise AccountError(f"未知的用户角色：{role}", "角色应为 " + "、".join(f"{c}（{cn}）" for c, cn in ROLE_CN.items()))
    return code


def _actor(actor: str) -> str:
    if not actor or not actor.strip():
        raise AccountError("请注明操作人（--by 姓名）", "用户的新增、停用与重置密码都记入访问日志，须写明是谁做的")
    return actor.strip()


def _check_fields(role: str, fixmedins: str | None, admdvs: str | None, valid_until: datetime | None) -> None:
    if role == "institution" and not fixmedins:
        raise AccountError("机构用户须指定定点医药机构编码（--fixmedins）")
    if role != "institution" and fixmedins:
        raise AccountError(f"只有机构用户可以绑定机构编码，角色 {role}（{ROLE_CN[role]}）不可以")
    if role in NEEDS_ADMDVS and not admdvs:
        raise AccountError(f"角色 {role}（{ROLE_CN[role]}）须指定区划代码（--admdvs）",
                           "机构用户、数据专员、工作组成员、召集人与监督席位填统筹地区代码；县区查看人员填县区代码；省级查看人员填省级代码")
    if admdvs and not _ADMDVS.match(admdvs):
        raise AccountError(f"区划代码应为 6 位数字：{admdvs}")
    if role == "supervisor" and valid_until is None:
        raise AccountError("监督席位须设有效期（--valid-until YYYY-MM-DD）", "监督席位是限期只读账户，期满自动失效")


def add_user(username: str, role: str, password: str, settings: Settings | None = None, *, actor: str,
             display_name: str | None = None, fixmedins: str | None = None, admdvs: str | None = None,
             valid_until: datetime | None = None, member_role: str | None = None, email: str | None = None) -> User:
    settings = settings or get_settings()
    actor = _actor(actor)
    role = parse_role(role)
    username = username.strip()
    if not _USERNAME.match(username):
        raise AccountError(f"用户名不合规：{username}", "用户名为 2 至 64 位字母、数字、下划线、点或连字符")
    fixmedins = fixmedins.strip() if fixmedins else None
    admdvs = admdvs.strip() if admdvs else None
    _check_fields(role, fixmedins, admdvs, valid_until)
    password_hash = hash_password(password)
    now = utcnow()
    with session_scope(settings) as session:
        if session.scalar(select(UserRow).where(UserRow.username == username)) is not None:
            raise AccountError(f"用户名 {username} 已存在", "如需恢复已停用的账户，请用 user reset-password")
        name = (display_name or username).strip()
        member_id = _link_member(session, username, name, role, member_role, actor) if role in GROUP_ROLES else None
        row = UserRow(username=username, display_name=name, role=role, fixmedins_code=fixmedins, admdvs=admdvs,
                      member_id=member_id, email=email, password_hash=password_hash, active=True, failed_logins=0,
                      locked_until=None, valid_until=valid_until, created_at=now, created_by=actor,
                      password_changed_at=now)
        session.add(row)
        session.flush()
        record(session, actor, "user_add", detail={"username": username, "role": role, "fixmedins_code": fixmedins,
                                                   "admdvs": admdvs, "member_id": member_id})
        return _user(row)


def _link_member(session: Session, member_id: str, name: str, role: str, member_role: str | None, actor: str) -> str:
    """The release member this person is: registered now, or an existing one linked (same id)."""
    wanted = "convener" if role == "convener" else parse_member_role(member_role or "insurer")
    row = session.get(MemberRow, member_id)
    if row is not None and session.scalar(select(UserRow).where(UserRow.member_id == member_id)) is not None:
        raise AccountError(f"成员 {member_id} 已与另一个用户关联")
    if row is None:
        row = MemberRow(member_id=member_id, name=name, role=wanted, active=True, added_at=utcnow())
        session.add(row)
    else:
        row.name, row.role, row.active = name, wanted, True
    append_audit(session, actor, "member_add", None,
                 {"member_id": member_id, "name": name, "role": wanted, "by": actor, "user": member_id})
    return member_id


def _row(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username.strip()))
    if row is None:
        raise AccountError(f"没有用户名为 {username} 的用户", "用 liangjiadi user list 查看已有用户")
    return row


def list_users(settings: Settings | None = None, include_inactive: bool = True) -> list[User]:
    settings = settings or get_settings()
    with session_scope(settings) as session:
        query = select(UserRow).order_by(UserRow.username)
        if not include_inactive:
            query = query.where(UserRow.active.is_(True))
        return [_user(r) for r in session.scalars(query)]


def get_user(username: str, settings: Settings | None = None) -> User:
    settings = settings or get_settings()
    with session_scope(settings) as session:
        return _user(_row(session, username))


def disable_user(username: str, settings: Settings | None = None, *, actor: str) -> User:
    """The account can no longer log in, its sessions end; a linked member stops signing."""
    settings = settings or get_settings()
    actor = _actor(actor)
    with session_scope(settings) as session:
        row = _row(session, username)
        row.active = False
        for s in session.scalars(select(SessionRow).where(SessionRow.user_id == row.user_id)):
            session.delete(s)
        if row.member_id and (member := session.get(MemberRow, row.member_id)) is not None and member.active:
            member.active = False
            append_audit(session, actor, "member_deactivate", None,
                         {"member_id": member.member_id, "name": member.name, "role": member.role, "by": actor})
        record(session, actor, "user_disable", detail={"username": row.username})
        return _user(row)


def reset_password(username: str, password: str, settings: Settings | None = None, *, actor: str) -> User:
    """A new password; also lifts a lock, re-enables the account and ends its sessions."""
    settings = settings or get_settings()
    actor = _actor(actor)
    password_hash = hash_password(password)
    with session_scope(settings) as session:
        row = _row(session, username)
        row.password_hash, row.password_changed_at = password_hash, utcnow()
        row.failed_logins, row.locked_until, row.active = 0, None, True
        for s in session.scalars(select(SessionRow).where(SessionRow.user_id == row.user_id)):
            session.delete(s)
        if row.member_id and (member := session.get(MemberRow, row.member_id)) is not None and not member.active:
            member.active = True
            append_audit(session, actor, "member_add", None,
                         {"member_id": member.member_id, "name": member.name, "role": member.role, "by": actor})
        record(session, actor, "user_reset_password", detail={"username": row.username})
        return _user(row)


# ---- logging in -----------------------------------------------------------------------------


def authenticate(username: str, password: str, settings: Settings, *, ip: str = "", path: str = "/api/login",
                 now: datetime | None = None) -> User:
    """The user, if the password is right and the account usable; else LoginRefused. Either way
    the attempt is in the access log; the fifth wrong password in a row locks for 15 minutes.

    The password is verified outside any transaction: argon2 takes tens of milliseconds by design,
    and a database connection must not wait on it while other requests queue for the pool."""
    now = now or utcnow()
    name = username.strip()
    with session_scope(settings) as session:
        row = session.scalar(select(UserRow).where(UserRow.username == name))
        stored = row.password_hash if row is not None else None
    matches = verify_password(stored, password)  # the same cost for an unknown name
    with session_scope(settings) as session:
        row = session.scalar(select(UserRow).where(UserRow.username == name).with_for_update())
        reason = None
        if row is None:
            reason = "unknown_user"
        elif not row.active:
            reason = "disabled"
        elif row.locked_until and as_utc(row.locked_until) > now:
            reason = "locked"
        elif row.valid_until and as_utc(row.valid_until) <= now:
            reason = "expired"
        elif not matches or row.password_hash != stored:  # a reset in between: the old password is wrong
            row.failed_logins = (row.failed_logins or 0) + 1
            reason = "wrong_password"
            if row.failed_logins >= MAX_FAILED_LOGINS:
                row.locked_until, row.failed_logins = now + timedelta(minutes=LOCK_MINUTES), 0
                reason = "wrong_password_locked"
        if reason:
            record(session, name[:64] or "-", "login_failed", status=401, path=path, ip=ip,
                   role=row.role if row else "-", detail={"reason": reason})
        else:
            row.failed_logins, row.locked_until = 0, None
            record(session, row.username, "login", status=200, path=path, ip=ip, role=row.role)
            return _user(row)
    raise LoginRefused(reason)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(user: User, settings: Settings) -> tuple[str, str]:
    """(session token for the cookie, CSRF token for the page forms). Only the token's hash is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = utcnow()
    with session_scope(settings) as session:
        session.add(SessionRow(token_hash=_digest(token), user_id=user.user_id, csrf_token=csrf, created_at=now,
                               expires_at=now + timedelta(hours=settings.portal_session_hours)))
    return token, csrf


_SESSIONS, _USERS = SessionRow.__table__, UserRow.__table__
# built once (its SQL is compiled once per database): the user and CSRF token of a session token
SESSION_QUERY = (
    select(*(_USERS.c[name] for name in ("user_id", "username", "display_name", "role", "fixmedins_code", "admdvs",
                                          "member_id", "active", "locked_until", "valid_until", "email")),
           _SESSIONS.c.csrf_token, _SESSIONS.c.expires_at)
    .join_from(_SESSIONS, _USERS, _SESSIONS.c.user_id == _USERS.c.user_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash")))


def session_params(token: str) -> dict:
    """The parameters of SESSION_QUERY (only the token's hash is stored)."""
    return {"token_hash": _digest(token)}


def live_session(row, now: datetime) -> tuple[User, str] | None:
    """(user, CSRF token) from a row of SESSION_QUERY when the session is live and the account
    usable (not disabled, not past its validity); None otherwise. The one statement of those rules:
    `session_user` and the portal's gate (which reads more in the same query) both use it."""
    if row is None or as_utc(row.expires_at) <= now:
        return None
    if not row.active or (row.valid_until and as_utc(row.valid_until) <= now):
        return None
    return _user(row), row.csrf_token


def session_user(token: str | None, settings: Settings, now: datetime | None = None) -> tuple[User, str] | None:
    """(user, CSRF token) of a live session of a usable account; None otherwise."""
    if not token:
        return None
    with engine_for(settings).connect() as conn:
        row = conn.execute(SESSION_QUERY, session_params(token)).first()
    return live_session(row, now or utcnow())


def close_session(token: str | None, settings: Settings) -> None:
    if not token:
        return
    with session_scope(settings) as session:
        row = session.get(SessionRow, _digest(token))
        if row is not None:
            session.delete(row)
