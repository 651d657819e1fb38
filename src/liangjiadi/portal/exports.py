"""Exports of detail beyond one's own institution, by request and approval (seeds/001 §八(四) 知悉范围:
data leave the portal only to those with a stated need, for a stated time).

A reader of a release asks for the detail of every institution of that release, stating the purpose
and for how many days (at most MAX_DAYS). The region's data officer or convener approves or
rejects — never the requester. Once approved, the requester alone downloads it until it expires;
each download is a new file stamped with the request, the reader and a watermark id, and logged.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts import ROLE_CN, User, record
from ..config import Settings, local_time
from ..errors import LjdError
from ..releases.model import Release
from ..releases.store import Base, as_utc, session_scope, utcnow
from . import figures
from .access import Denied, region_of, reads_releases
from .catalog import institutions, tables

MAX_DAYS = 30
APPROVERS = frozenset({"officer", "convener"})
STATE_CN = {"pending": "待审批", "approved": "已批准", "rejected": "未批准", "expired": "已过期"}
SCOPE_CN = {"institutions": "本发布全部机构的指标明细"}


class ExportError(LjdError):
    code = "LJD-PORTAL-EXPORT"


class ExportRequestRow(Base):
    __tablename__ = "ljd_export_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[str] = mapped_column(String(200), index=True)
    admdvs: Mapped[str] = mapped_column(String(12), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(Text)
    days: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(64), index=True)
    requester_role: Mapped[str] = mapped_column(String(16))
    requester_fixmedins: Mapped[str | None] = mapped_column(String(30))
    requester_admdvs: Mapped[str | None] = mapped_column(String(12))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16))  # pending / approved / rejected
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _state(row: ExportRequestRow, now: datetime) -> str:
    if row.state == "approved" and row.expires_at and as_utc(row.expires_at) <= now:
        return "expired"
    return row.state


def _as_dict(row: ExportRequestRow, now: datetime | None = None) -> dict:
    state = _state(row, now or utcnow())
    return {"id": row.id, "release_id": row.release_id, "admdvs": row.admdvs, "scope": row.scope,
            "scope_cn": SCOPE_CN.get(row.scope, row.scope), "purpose": row.purpose, "days": row.days,
            "requested_by": row.requested_by, "requester_role": row.requester_role,
            "requester_role_cn": ROLE_CN.get(row.requester_role, row.requester_role),
            "requester_fixmedins": row.requester_fixmedins, "requested_at": as_utc(row.requested_at).isoformat(),
            "requested_cn": local_time(as_utc(row.requested_at)), "state": state, "state_cn": STATE_CN[state],
            "decided_by": row.decided_by, "decided_at": as_utc(row.decided_at).isoformat() if row.decided_at else None,
            "decision_note": row.decision_note,
            "expires_at": as_utc(row.expires_at).isoformat() if row.expires_at else None,
            "expires_cn": local_time(as_utc(row.expires_at)) if row.expires_at else None}


def approves(user: User) -> bool:
    return user.role in APPROVERS


def request_export(settings: Settings, user: User, release: Release, purpose: str, days: int) -> dict:
    """A reader of `release` (already checked by the caller) asks for its institutions' detail."""
    if not reads_releases(user):
        raise Denied(403, "export_not_allowed")
    if not purpose.strip():
        raise ExportError("请写明导出用途", "导出明细须说明用途，供审批人判断，并记入访问日志")
    if not 1 <= days <= MAX_DAYS:
        raise ExportError(f"有效天数应为 1 至 {MAX_DAYS} 天：{days}")
    with session_scope(settings) as session:
        row = ExportRequestRow(release_id=release.release_id, admdvs=release.admdvs, scope="institutions",
                               purpose=purpose.strip(), days=days, requested_by=user.username,
                               requester_role=user.role, requester_fixmedins=user.fixmedins_code,
                               requester_admdvs=user.admdvs, requested_at=utcnow(), state="pending")
        session.add(row)
        session.flush()
        record(session, user.username, "export_request", role=user.role, release_id=release.release_id,
               method="POST", path="/exports", detail={"request": row.id, "days": days})
        return _as_dict(row)


def visible_requests(settings: Settings, user: User) -> list[dict]:
    """Approvers: every request of their region; everyone else: their own."""
    with session_scope(settings) as session:
        query = select(ExportRequestRow).order_by(ExportRequestRow.id.desc())
        if approves(user):
            query = query.where(or_(ExportRequestRow.admdvs == region_of(user),
                                    ExportRequestRow.requested_by == user.username))
        else:
            query = query.where(ExportRequestRow.requested_by == user.username)
        now = utcnow()
        return [_as_dict(r, now) for r in session.scalars(query.limit(500))]


def get_request(settings: Settings, request_id: int) -> dict | None:
    with session_scope(settings) as session:
        row = session.get(ExportRequestRow, request_id)
        return _as_dict(row) if row is not None else None


def decide(settings: Settings, user: User, request_id: int, approve: bool, note: str = "") -> dict:
    """The region's officer or convener approves (the export opens for `days` from now) or rejects."""
    if not approves(user):
        raise Denied(403, "export_approval_not_allowed")
    with session_scope(settings) as session:
        row = session.get(ExportRequestRow, request_id)
        if row is None or row.admdvs != region_of(user):
            raise Denied(404, "no_such_export_request")
        if row.requested_by == user.username:
            raise Denied(403, "requester_cannot_approve")
        if row.state != "pending":
            raise ExportError("该申请已处理", f"处理结果：{STATE_CN[_state(row, utcnow())]}（{row.decided_by}）")
        now = utcnow()
        row.state, row.decided_by, row.decided_at = ("approved" if approve else "rejected"), user.username, now
        row.decision_note = note.strip() or None
        row.expires_at = now + timedelta(days=row.days) if approve else None
        record(session, user.username, "export_decide", role=user.role, release_id=row.release_id, method="POST",
               path=f"/exports/{row.id}/decide", detail={"request": row.id, "approve": approve,
                                                         "requested_by": row.requested_by})
        return _as_dict(row, now)


def downloadable(user: User, request: dict | None) -> dict:
    """The request, if its requester may download it now; otherwise refused (and logged by the caller)."""
    if request is None or request["requested_by"] != user.username:
        raise Denied(404, "no_such_export")
    if request["state"] == "expired":
        raise Denied(403, "export_expired")
    if request["state"] != "approved":
        raise Denied(403, "export_not_approved")
    return request


def workbook(settings: Settings, release: Release, request: dict, user: User, watermark_id: str) -> bytes:
    """Every institution's figures of the release, as the portal shows them (internal-only
    indicators left out, small counts withheld), stamped with the request and the reader."""
    from openpyxl import Workbook

    hidden = figures.hidden_indicators(settings, release)
    names = figures.indicator_names(release)
    limit = tables(release)["threshold"]
    directory = institutions(release)
    book = Workbook()
    sheet = book.active
    sheet.title = "机构指标明细"
    summary = figures.summary(release)
    sheet.append([f"{summary['admdvs']} {summary['period_cn']}{summary['kind_cn']} 第{summary['version']}版；"
                  f"导出申请 {request['id']}，用途：{request['purpose']}；申请人 {user.display_name}（{user.username}）；"
                  f"批准人 {request['decided_by']}；有效期至 {request['expires_cn']}；水印编号 {watermark_id}"])
    sheet.append(["仅限本地区、知悉范围内按申请用途使用，不得外传；本文件的每次下载均记入访问日志。"])
    sheet.append(["机构编码", "机构名称", "区划", "指标编号", "指标名称", "数值", "单位", "说明"])
    for code, rows in sorted(tables(release)["by_institution"].items()):
        inst = directory.get(code, {})
        for row in rows:
            if row["indicator_id"] in hidden:
                continue
            shown = figures.figure(row, names.get(row["indicator_id"], {}), limit)
            sheet.append([code, inst.get("name") or "", inst.get("admdvs") or "", shown["indicator_id"], shown["name"],
                          shown["value"], figures.unit_cn(shown["unit"]), shown["note"] or ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
