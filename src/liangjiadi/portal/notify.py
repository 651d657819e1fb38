"""Delivery (seeds/001 §六(七)): a published release is announced to each targeted institution's
users on the portal and, where SMTP is configured, by mail; the region's staff can remind the
institutions that have not opened it. Mails name the release and the portal, never figures.

Targeted: the release's institutions within its audience (publication.json). A user added after
a release was published is told of it when added in the portal and, whatever added them (the
CLI too), at their first login after it (`catch_up`)."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts import User, record
from ..accounts.store import AccessLogRow, UserRow
from ..config import Settings
from ..releases.model import Release, State
from ..releases.store import Base, session_scope, utcnow
from ..releases.publication import in_audience
from .catalog import all_releases, institutions, publication
from .figures import summary


class NotificationRow(Base):
    __tablename__ = "ljd_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ljd_users.user_id"), index=True)
    release_id: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _mail(settings: Settings, to: str, subject: str, body: str) -> bool:
    if not settings.smtp_host:
        return False
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.mail_from, to, subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException):
        return False  # the portal notice stands; the access log says no mail went out


def targeted(release: Release) -> set[str]:
    """The institutions a release is for: its institutions within its audience."""
    rules = publication(release)
    return {code for code in institutions(release) if in_audience(rules, code)}


def _message(release: Release, text: str) -> tuple[str, str]:
    label = summary(release)
    subject = f"亮家底：{label['period_cn']}{label['kind_cn']}（第{release.version}版）{text}"
    body = (f"{subject}。\n请登录医保数据发布门户查看本机构的定向推送与指标。\n"
            "本通知不含任何数据；发布内容仅限本地区、知悉范围内使用。")
    return subject, body


def _send(settings: Settings, release: Release, codes: set[str], text: str, actor: str, action: str) -> int:
    subject, body = _message(release, text)
    sent = 0
    with session_scope(settings) as session:
        users = session.scalars(select(UserRow).where(UserRow.role == "institution", UserRow.active.is_(True),
                                                      UserRow.fixmedins_code.in_(sorted(codes)))).all()
        targets = [(u.user_id, u.username, u.email) for u in users if u.admdvs in (None, release.admdvs)]
    mailed = 0
    for user_id, _username, email in targets:
        ok = bool(email) and _mail(settings, email, subject, body)
        mailed += ok
        with session_scope(settings) as session:
            session.add(NotificationRow(user_id=user_id, release_id=release.release_id, message=subject,
                                        created_at=utcnow(), read_at=None, mailed_at=utcnow() if ok else None))
        sent += 1
    with session_scope(settings) as session:
        record(session, actor, action, release_id=release.release_id,
               detail={"institutions": len(codes), "users": sent, "mailed": mailed})
    return sent


# what is announced, by the state a release is in: (the access log's action, the subject's words)
ANNOUNCED = {State.PUBLISHED: ("notify", "已发布"), State.WITHDRAWN: ("notify_withdraw", "已撤回，请勿再引用")}


def deliver_pending(settings: Settings) -> int:
    """Announce every published and every withdrawn release not yet announced as such (run when the
    portal starts)."""
    actions = [action for action, _ in ANNOUNCED.values()]
    with session_scope(settings) as session:
        done = {(action, release_id) for action, release_id in session.execute(
            select(AccessLogRow.action, AccessLogRow.release_id).where(AccessLogRow.action.in_(actions)))}
    count = 0
    for release in all_releases(settings):
        if release.state not in ANNOUNCED or not release.bundle_dir.exists():
            continue
        action, words = ANNOUNCED[release.state]
        if (action, release.release_id) not in done:
            count += _send(settings, release, targeted(release), words, "门户", action)
    return count


def catch_up(settings: Settings, user: User) -> int:
    """Notices of the published releases an institution user is targeted by and was never told of
    (added after publication); returns how many. Called when the user is added and at login."""
    if user.role != "institution" or not user.fixmedins_code or not user.active:
        return 0
    with session_scope(settings) as session:
        told = set(session.scalars(select(NotificationRow.release_id).where(NotificationRow.user_id == user.user_id)))
        announced = set(session.scalars(select(AccessLogRow.release_id).where(AccessLogRow.action == "notify")))
    due = [r for r in all_releases(settings)
           if r.state == State.PUBLISHED and user.admdvs in (None, r.admdvs) and r.release_id not in told
           and r.release_id in announced and r.bundle_dir.exists() and user.fixmedins_code in targeted(r)]
    for release in due:
        subject, body = _message(release, "已发布")
        ok = bool(user.email) and _mail(settings, user.email, subject, body)
        with session_scope(settings) as session:
            session.add(NotificationRow(user_id=user.user_id, release_id=release.release_id, message=subject,
                                        created_at=utcnow(), read_at=None, mailed_at=utcnow() if ok else None))
            record(session, "门户", "notify_user", release_id=release.release_id, fixmedins_code=user.fixmedins_code,
                   detail={"username": user.username, "mailed": ok})
    return len(due)


def remind(settings: Settings, actor: User, release: Release, codes: list[str]) -> int:
    return _send(settings, release, set(codes), "尚未阅读，请及时查看", actor.username, "remind")


def unread(settings: Settings, user: User) -> list[dict]:
    with session_scope(settings) as session:
        rows = session.scalars(select(NotificationRow).where(NotificationRow.user_id == user.user_id,
                                                             NotificationRow.read_at.is_(None))
                               .order_by(NotificationRow.id.desc()).limit(20))
        return [{"release_id": r.release_id, "message": r.message} for r in rows]


def mark_read(settings: Settings, user: User, release_id: str) -> None:
    """One UPDATE (no rows loaded): on every release page view, and usually there is nothing to mark."""
    with session_scope(settings) as session:
        session.execute(update(NotificationRow).where(NotificationRow.user_id == user.user_id,
                                                      NotificationRow.release_id == release_id,
                                                      NotificationRow.read_at.is_(None))
                        .values(read_at=utcnow()).execution_options(synchronize_session=False))
