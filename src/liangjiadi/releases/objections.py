"""Institutions' objections (异议) to a release and the bureau's answers (seeds/001 §六(八)).

An objection is a record of the releases layer, so that `release create` can freeze the ones
answered since the previous release of the same kind into the next bundle (objections.json) and
its report can say what was adopted (上期意见采纳情况). The portal writes them through this module
after deciding who may (portal/access.py); nothing here knows about users beyond their names.

States: 已提交 → 已受理 → 已答复（采纳 / 不采纳，附理由）→ 已关闭; every transition is an entry
of the release audit log. The published value is read from the release's frozen results, never
taken from the client. The answer is due within `objection_answer_days` working days
(weekends and `holidays` excluded).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pyarrow.parquet as pq
from sqlalchemy import Boolean, Date, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..config import DISPLAY_TZ, Settings
from .errors import ReleaseError
from .model import Release, State
from .store import AboutAnInstitutionsRelease, Base, ReleaseRow, append_audit, as_utc, session_scope, utcnow

STATE_CN = {"submitted": "已提交", "accepted": "已受理", "answered": "已答复", "closed": "已关闭"}
OBJECTABLE = frozenset({State.PUBLISHED, State.REVISED})
NEXT = {"accept": ("submitted",), "answer": ("accepted",), "close": ("answered",)}


class ObjectionError(ReleaseError):
    code = "LJD-OBJECTION"


class ObjectionRow(AboutAnInstitutionsRelease, Base):
    __tablename__ = "ljd_objections"

    indicator_id: Mapped[str | None] = mapped_column(String(32))  # None: a general comment
    scope: Mapped[str | None] = mapped_column(String(200))
    published_value: Mapped[str | None] = mapped_column(String(64))  # from the bundle, as text
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_on: Mapped[date] = mapped_column(Date)
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)
    adopted: Mapped[bool | None] = mapped_column(Boolean)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    correction_release_id: Mapped[str | None] = mapped_column(String(200))  # the corrected release it started
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # 已督办: marked once when overdue


# ---- working days --------------------------------------------------------------------------

def add_working_days(start: date, days: int, holidays: set[date] | frozenset[date] = frozenset()) -> date:
    """The `days`-th working day after `start` (weekends and the holidays do not count)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day


def local_date(at: datetime) -> date:
    return as_utc(at).astimezone(DISPLAY_TZ).date()


def is_overdue(row: ObjectionRow, today: date) -> bool:
    return row.state in ("submitted", "accepted") and today > row.due_on


# ---- reading -------------------------------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def as_dict(row: ObjectionRow, today: date | None = None) -> dict:
    today = today or local_date(utcnow())
    state_cn = STATE_CN[row.state]
    if row.adopted is not None:
        state_cn += "（采纳）" if row.adopted else "（不采纳）"
    return {"id": row.id, "release_id": row.release_id, "admdvs": row.admdvs, "kind": row.kind, "period": row.period,
            "fixmedins_code": row.fixmedins_code, "indicator_id": row.indicator_id, "scope": row.scope,
            "published_value": row.published_value, "text": row.text, "state": row.state, "state_cn": state_cn,
            "submitted_by": row.submitted_by, "submitted_at": _iso(row.submitted_at),
            "due_on": row.due_on.isoformat(), "overdue": is_overdue(row, today),
            "accepted_at": _iso(row.accepted_at), "answer": row.answer, "adopted": row.adopted,
            "answered_by": row.answered_by, "answered_at": _iso(row.answered_at), "closed_at": _iso(row.closed_at),
            "correction_release_id": row.correction_release_id, "escalated": row.escalated_at is not None}


def list_objections(settings: Settings, *, admdvs: str | None = None, fixmedins_code: str | None = None) -> list[dict]:
    with session_scope(settings) as session:
        query = select(ObjectionRow).order_by(ObjectionRow.id)
        if admdvs is not None:
            query = query.where(ObjectionRow.admdvs == admdvs)
        if fixmedins_code is not None:
            query = query.where(ObjectionRow.fixmedins_code == fixmedins_code)
        return [as_dict(r) for r in session.scalars(query)]


def get_objection(settings: Settings, objection_id: int) -> dict | None:
    with session_scope(settings) as session:
        row = session.get(ObjectionRow, objection_id)
        return as_dict(row) if row else None


def published_value(release: Release, indicator_id: str, fixmedins_code: str) -> str | None:
    """The institution's value of the indicator as frozen in the release (text; Decimal kept exact)."""
    table = pq.read_table(release.path_of("results.parquet"),
                          columns=["indicator_id", "scope", "fixmedins_code", "value", "note"])
    for row in table.to_pylist():
        if (row["indicator_id"] == indicator_id and row["scope"] == "institution"
                and row["fixmedins_code"] == fixmedins_code):
            value = row["value"]
            if value is None:
                return None
            return format(value, "f") if isinstance(value, Decimal) else str(value)
    raise ObjectionError(f"发布 {release.release_id} 中没有机构 {fixmedins_code} 的指标 {indicator_id}",
                         "请核对指标编号；对发布整体的意见可不填指标")


# ---- transitions ---------------------------------------------------------------------------

def submit(settings: Settings, release: Release, actor: str, fixmedins_code: str, text: str,
           indicator_id: str | None = None, scope: str | None = None) -> dict:
    if release.state not in OBJECTABLE:
        raise ObjectionError("只能对已发布的版本提出异议")
    if not text.strip():
        raise ObjectionError("请写明异议内容")
    value = published_value(release, indicator_id, fixmedins_code) if indicator_id else None
    now = utcnow()
    due = add_working_days(local_date(now), settings.objection_answer_days, set(settings.holidays))
    with session_scope(settings) as session:
        row = ObjectionRow(release_id=release.release_id, admdvs=release.admdvs, kind=release.kind.value,
                           period=release.period, fixmedins_code=fixmedins_code, indicator_id=indicator_id,
                           scope=(scope or "").strip() or None, published_value=value, text=text.strip(),
                           state="submitted", submitted_by=actor, submitted_at=now, due_on=due)
        session.add(row)
        session.flush()
        _audit(session, actor, "objection_submit", row)
        return as_dict(row)


def _transition(settings: Settings, objection_id: int, actor: str, act: str, apply) -> dict:
    with session_scope(settings) as session:
        row = session.get(ObjectionRow, objection_id)
        if row is None:
            raise ObjectionError(f"没有编号为 {objection_id} 的异议")
        if row.state not in NEXT[act]:
            raise ObjectionError(f"异议 {objection_id} 当前为「{STATE_CN[row.state]}」，不能{ACT_CN[act]}")
        apply(row, utcnow())
        _audit(session, actor, f"objection_{act}", row)
        return as_dict(row)


ACT_CN = {"accept": "受理", "answer": "答复", "close": "关闭", "correct": "据以更正发布"}


def accept(settings: Settings, objection_id: int, actor: str) -> dict:
    def apply(row: ObjectionRow, now: datetime) -> None:
        row.state, row.accepted_by, row.accepted_at = "accepted", actor, now
    return _transition(settings, objection_id, actor, "accept", apply)


def answer(settings: Settings, objection_id: int, actor: str, text: str, adopted: bool) -> dict:
    if not text.strip():
        raise ObjectionError("请写明答复内容", "不采纳时须说明理由")

    def apply(row: ObjectionRow, now: datetime) -> None:
        row.state, row.answer, row.adopted, row.answered_by, row.answered_at = (
            "answered", text.strip(), bool(adopted), actor, now)
    return _transition(settings, objection_id, actor, "answer", apply)


def close(settings: Settings, objection_id: int, actor: str) -> dict:
    def apply(row: ObjectionRow, now: datetime) -> None:
        row.state, row.closed_by, row.closed_at = "closed", actor, now
    return _transition(settings, objection_id, actor, "close", apply)


def _audit(session, actor: str, action: str, row: ObjectionRow, detail: dict | None = None) -> None:
    append_audit(session, actor, action, row.release_id,
                 {"objection": row.id, "state": row.state, "fixmedins_code": row.fixmedins_code,
                  "indicator_id": row.indicator_id, "adopted": row.adopted, **(detail or {})})


def correction_reason(objection: dict) -> str:
    """The revision reason of the corrected release an adopted objection starts: it names the objection."""
    value = objection["published_value"]
    return (f"采纳机构异议第{objection['id']}号（机构 {objection['fixmedins_code']}，指标{objection['indicator_id']}"
            + (f"，原公布值 {value}" if value is not None else "") + f"）：{objection['answer']}")


def start_correction(settings: Settings, objection_id: int, actor: str) -> Release:
    """An adopted objection on a figure starts a corrected release: a revision (service.revise) of
    the newest version of the objected release, from the period's newest runs (correct the data,
    compute and 复核 first), its reason naming the objection; the objection records the new version."""
    from .service import list_releases, revise

    objection = get_objection(settings, objection_id)
    if objection is None:
        raise ObjectionError(f"没有编号为 {objection_id} 的异议")
    if objection["adopted"] is not True or not objection["indicator_id"]:
        raise ObjectionError(f"异议 {objection_id} 不是已采纳的、针对具体指标的异议，不能据以更正发布")
    if objection["correction_release_id"]:
        raise ObjectionError(f"异议 {objection_id} 已据以更正发布：{objection['correction_release_id']}")
    versions = list_releases(settings, admdvs=objection["admdvs"], kind=objection["kind"], period=objection["period"])
    revised = revise(versions[-1].release_id, actor, correction_reason(objection), settings)
    with session_scope(settings) as session:
        row = session.get(ObjectionRow, objection_id)
        row.correction_release_id = revised.release_id
        _audit(session, actor, "objection_correct", row, {"correction_release_id": revised.release_id})
    return revised


def escalate_overdue(settings: Settings, admdvs: str | None = None, today: date | None = None,
                     actor: str = "系统") -> list[dict]:
    """Mark every objection not answered by its deadline 已督办 once (audited); returns those marked now."""
    today = today or local_date(utcnow())
    marked = []
    with session_scope(settings) as session:
        query = select(ObjectionRow).where(ObjectionRow.state.in_(("submitted", "accepted")),
                                           ObjectionRow.escalated_at.is_(None))
        if admdvs is not None:
            query = query.where(ObjectionRow.admdvs == admdvs)
        for row in session.scalars(query.order_by(ObjectionRow.id)):
            if is_overdue(row, today):
                row.escalated_at = utcnow()
                _audit(session, actor, "objection_escalate", row, {"due_on": row.due_on.isoformat()})
                marked.append(as_dict(row, today))
    return marked


# ---- what the next release freezes ------------------------------------------------------------

def answered_since_previous(settings: Settings, admdvs: str, kind: str, period_key: str) -> list[dict]:
    """Objections on the region's releases of `kind` answered since the newest release of that
    kind for an earlier period was created (all answered ones when there is none): what the
    release of `period_key` reports as 上期意见采纳情况."""
    with session_scope(settings) as session:
        previous = session.scalars(
            select(ReleaseRow.created_at).where(ReleaseRow.admdvs == admdvs, ReleaseRow.kind == kind,
                                                ReleaseRow.period < period_key)
            .order_by(ReleaseRow.created_at.desc()).limit(1)).first()
        query = select(ObjectionRow).where(ObjectionRow.admdvs == admdvs, ObjectionRow.kind == kind,
                                           ObjectionRow.answered_at.is_not(None), ObjectionRow.period < period_key)
        rows = [r for r in session.scalars(query.order_by(ObjectionRow.id))
                if previous is None or as_utc(r.answered_at) > as_utc(previous)]
        return [as_dict(r) for r in rows]


FROZEN_FIELDS = ("id", "release_id", "period", "fixmedins_code", "indicator_id", "scope", "published_value", "text",
                 "state", "adopted", "answer", "submitted_at", "answered_at")


def frozen_objection(objection: dict) -> dict:
    """What a bundle keeps of an objection: no user names (the institution and the bureau speak)."""
    return {k: objection[k] for k in FROZEN_FIELDS}
