"""Release metadata, members, sign-offs, overrides and the audit log (SQLAlchemy 2.0 ORM).

SQLite in the work directory by default (`<workdir>/ljd.sqlite`); any SQLAlchemy URL in
`database_url` (e.g. PostgreSQL) works the same, since only the ORM and portable types are used.

Sign-offs, overrides and audit entries are append-only: the session refuses to update or
delete them, and each audit entry carries a hash chained to the previous one so an edit made
behind the ORM's back (another tool, hand-written SQL) is detected by `verify_audit_chain`.
The chain assumes appends are serialised, as SQLite does; on PostgreSQL run the release
commands from one place (or at SERIALIZABLE isolation) so two appends cannot share a parent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import (
    JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine, event, select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from ..config import Settings
from ..migrations import upgrade as upgrade_schema
from .errors import AuditLogError


class Base(DeclarativeBase):
    pass


class AboutAnInstitutionsRelease:
    """The columns every record of a conversation with one institution about one release carries
    (objections, 提醒函): which release, region, kind and period, and which institution."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[str] = mapped_column(String(200), index=True)
    admdvs: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(100))
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Everything is stored in UTC: SQLite hands back naive datetimes, PostgreSQL the session's zone."""
    if value is None:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class ReleaseRow(Base):
    __tablename__ = "ljd_releases"
    __table_args__ = (UniqueConstraint("admdvs", "kind", "period", "version", name="uq_release_version"),)

    release_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    admdvs: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(100))
    source_period: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    bundle_dir: Mapped[str] = mapped_column(Text)  # relative to the work directory
    content_hash: Mapped[str] = mapped_column(String(64))
    results_run_id: Mapped[str] = mapped_column(String(64))
    check_run_id: Mapped[str] = mapped_column(String(64))
    findings_run_id: Mapped[str] = mapped_column(String(64))
    check_status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    creator: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[str | None] = mapped_column(String(200))
    revision_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(100))
    superseded_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # migrations/0004a
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    signoffs: Mapped[list[SignOffRow]] = relationship(back_populates="release", order_by="SignOffRow.id")
    overrides: Mapped[list[OverrideRow]] = relationship(back_populates="release", order_by="OverrideRow.id")


class MemberRow(Base):
    __tablename__ = "ljd_members"

    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignOffRow(Base):
    __tablename__ = "ljd_signoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("ljd_releases.release_id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("ljd_members.member_id"))
    approve: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    release: Mapped[ReleaseRow] = relationship(back_populates="signoffs")
    member: Mapped[MemberRow] = relationship()


class OverrideRow(Base):
    __tablename__ = "ljd_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("ljd_releases.release_id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    failing_checks: Mapped[list] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    release: Mapped[ReleaseRow] = relationship(back_populates="overrides")


class AuditRow(Base):
    __tablename__ = "ljd_audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    release_id: Mapped[str | None] = mapped_column(String(200), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


APPEND_ONLY = (SignOffRow, OverrideRow, AuditRow)


# ---- engine and sessions ---------------------------------------------------------------

_engines: dict[str, Engine] = {}
_makers: dict[str, sessionmaker] = {}


def engine_for(settings: Settings) -> Engine:
    url = settings.resolve_database_url()
    if url not in _engines:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **_engine_options(url))
        upgrade_schema(engine)  # Alembic revisions (liangjiadi.migrations): the schema's one history
        Base.metadata.create_all(engine)  # only tables no revision made yet (none, when up to date)
        _engines[url] = engine
        _makers[url] = sessionmaker(engine, expire_on_commit=False)
    return _engines[url]


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # the portal serves requests from threads; SQLite waits for a writer instead of failing
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    # short transactions: a worker's 40 request threads share these; size x workers < max_connections
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def dispose_engines() -> None:
    """Close every cached connection pool (tests; a workdir about to be removed)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _makers.clear()


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    engine_for(settings)
    session = _makers[settings.resolve_database_url()]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_history(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogError(f"{obj.__tablename__} 只能追加，不能修改或删除已有记录",
                                "审议意见、强制发布说明与审计日志是发布的凭证；如需更正请追加一条新记录")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes_to_history(state) -> None:
    if state.is_update or state.is_delete:
        tables = {getattr(m.class_, "__tablename__", None) for m in state.all_mappers}
        if tables & {cls.__tablename__ for cls in APPEND_ONLY}:
            raise AuditLogError("审计日志、审议意见与强制发布说明只能追加，不能批量修改或删除")


# ---- the audit log -------------------------------------------------------------------------

GENESIS = "0" * 64


def _entry_hash(prev_hash: str, at: datetime, actor: str, action: str, release_id: str | None,
                detail: dict) -> str:
    payload = json.dumps([prev_hash, as_utc(at).isoformat(), actor, action, release_id, detail],
                         ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append_audit(session: Session, actor: str, action: str, release_id: str | None = None,
                 detail: dict | None = None, at: datetime | None = None) -> AuditRow:
    """Append one entry, chained to the newest one (within the caller's transaction)."""
    last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
    prev = last.entry_hash if last else GENESIS
    at = at or utcnow()
    # JSON round trip so the hash covers exactly what the database will hand back
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    row = AuditRow(at=at, actor=actor, action=action, release_id=release_id, detail=detail,
                   prev_hash=prev, entry_hash=_entry_hash(prev, at, actor, action, release_id, detail))
    session.add(row)
    session.flush()
    return row


def verify_audit_chain(session: Session) -> list[int]:
    """Sequence numbers of entries whose hash or link does not match (empty when intact)."""
    broken = []
    prev = GENESIS
    for row in session.scalars(select(AuditRow).order_by(AuditRow.seq)):
        expected = _entry_hash(prev, row.at, row.actor, row.action, row.release_id, row.detail or {})
        if row.prev_hash != prev or row.entry_hash != expected:
            broken.append(row.seq)
        prev = row.entry_hash
    return broken


def release_from_row(settings: Settings, row: "ReleaseRow", **extra):
    """The Release record of a stored row: the one conversion, for the release service (which adds
    sign-offs, overrides and the quorum through `extra`) and for the portal's read-only catalogue."""
    from .model import Kind, Release, State

    return Release(
        release_id=row.release_id, admdvs=row.admdvs, kind=Kind(row.kind), period=row.period,
        source_period=row.source_period, version=row.version, state=State(row.state), title=row.title,
        bundle_dir=Path(settings.workdir) / row.bundle_dir, content_hash=row.content_hash,
        results_run_id=row.results_run_id, check_run_id=row.check_run_id, findings_run_id=row.findings_run_id,
        check_status=row.check_status, created_at=as_utc(row.created_at), creator=row.creator,
        parent_id=row.parent_id, revision_reason=row.revision_reason, submitted_at=as_utc(row.submitted_at),
        approved_at=as_utc(row.approved_at), published_at=as_utc(row.published_at), published_by=row.published_by,
        superseded_by=row.superseded_by, withdrawn_at=as_utc(row.withdrawn_at), withdrawn_by=row.withdrawn_by,
        withdrawal_reason=row.withdrawal_reason, **extra)
