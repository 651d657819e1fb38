"""Tables of the accounts registry, in the release store's database (migrations/0002)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..releases.errors import AuditLogError
from ..releases.store import Base


class UserRow(Base):
    __tablename__ = "ljd_users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), index=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(30), index=True)
    admdvs: Mapped[str | None] = mapped_column(String(12), index=True)
    member_id: Mapped[str | None] = mapped_column(ForeignKey("ljd_members.member_id"), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    __tablename__ = "ljd_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ljd_users.user_id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[UserRow] = relationship(lazy="joined")


class AccessLogRow(Base):
    """访问日志: logins, denials (越权尝试), page views and downloads. Append-only; unlike the
    release audit chain it is not hash-linked, so that concurrent requests never wait for each other."""

    __tablename__ = "ljd_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    release_id: Mapped[str | None] = mapped_column(String(200), index=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(30), index=True)
    ip: Mapped[str] = mapped_column(String(64))
    watermark_id: Mapped[str | None] = mapped_column(String(32), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(Session, "before_flush")
def _access_log_is_append_only(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AccessLogRow) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogError("访问日志只能追加，不能修改或删除已有记录")
