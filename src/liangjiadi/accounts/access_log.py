"""访问日志: append and query (the portal, the CLI and the audit administrator share it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings
from ..releases.store import as_utc, session_scope, utcnow
from .model import AccessEntry
from .store import AccessLogRow

ACTION_CN = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出", "denied": "越权尝试（拒绝）",
    "view": "查看", "download": "下载", "export": "导出", "user_add": "新增用户", "user_disable": "停用用户",
    "user_reset_password": "重置密码", "tier_request": "申请对标方式", "tier_decide": "审批对标方式",
    "notify": "发布通知", "remind": "催阅提醒", "preview": "以机构视角预览", "notify_user": "补发发布通知",
    "export_request": "申请导出明细", "export_decide": "审批导出明细", "export_download": "下载导出明细",
}


def record(session: Session, username: str, action: str, *, status: int = 200, method: str = "CLI",
           path: str = "", release_id: str | None = None, fixmedins_code: str | None = None, ip: str = "",
           role: str = "-", watermark_id: str | None = None, detail: dict | None = None) -> None:
    session.add(AccessLogRow(at=utcnow(), username=username[:64], role=role, action=action, status=status,
                             method=method, path=path[:500], release_id=release_id, fixmedins_code=fixmedins_code,
                             ip=ip[:64], watermark_id=watermark_id, detail=detail or {}))


def log_access(settings: Settings, username: str, action: str, **fields) -> None:
    with session_scope(settings) as session:
        record(session, username, action, **fields)


def query_access(settings: Settings, *, username: str | None = None, action: str | None = None,
                 release_id: str | None = None, fixmedins_code: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, watermark_id: str | None = None, limit: int = 1000) -> list[AccessEntry]:
    with session_scope(settings) as session:
        query = select(AccessLogRow).order_by(AccessLogRow.id.desc())
        for column, value in ((AccessLogRow.username, username), (AccessLogRow.action, action),
                              (AccessLogRow.release_id, release_id), (AccessLogRow.fixmedins_code, fixmedins_code),
                              (AccessLogRow.watermark_id, watermark_id)):
            if value:
                query = query.where(column == value)
        if since:
            query = query.where(AccessLogRow.at >= since)
        if until:
            query = query.where(AccessLogRow.at < until)
        return [AccessEntry(r.id, as_utc(r.at), r.username, r.role, r.action, r.status, r.method, r.path,
                            r.release_id, r.fixmedins_code, r.ip, r.watermark_id, dict(r.detail or {}))
                for r in session.scalars(query.limit(limit))]


def first_reads(settings: Settings, release_id: str) -> dict[str, datetime]:
    """When each institution first opened a release (an institution user's view), by code."""
    with session_scope(settings) as session:
        rows = session.execute(
            select(AccessLogRow.fixmedins_code, AccessLogRow.at)
            .where(AccessLogRow.release_id == release_id, AccessLogRow.action == "view",
                   AccessLogRow.role == "institution", AccessLogRow.fixmedins_code.is_not(None))
            .order_by(AccessLogRow.id))
        out: dict[str, datetime] = {}
        for code, at in rows:
            out.setdefault(code, as_utc(at))
        return out
