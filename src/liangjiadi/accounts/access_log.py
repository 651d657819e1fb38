"""访问日志: append and query (the portal, the CLI and the audit administrator share it).

Page views, downloads and refusals come from every request, so they must not make requests wait
for each other or for a commit (issue 11: "access-log writes must not serialise the requests").
`log_access` hands the entry to a per-process writer that inserts what has queued up in one
transaction every `FLUSH_SECONDS` (or at once when `BATCH` entries wait); the time recorded is
the time of the request. Reading the log (`query_access`, `first_reads`) first writes this
process's queue, and the queue is written when the process exits. Entries of other portal
workers reach the table within `FLUSH_SECONDS`. Logins and account changes are written in the
transaction that makes them (`record`).
"""

from __future__ import annotations

import atexit
import threading
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..releases.store import as_utc, session_scope, utcnow
from .model import AccessEntry
from .store import AccessLogRow

ACTION_CN = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出", "denied": "越权尝试（拒绝）",
    "view": "查看", "download": "下载", "export": "导出", "user_add": "新增用户", "user_disable": "停用用户",
    "user_reset_password": "重置密码", "tier_request": "申请对标方式", "tier_decide": "审批对标方式",
    "notify": "发布通知", "remind": "催阅提醒", "notify_withdraw": "撤回通知", "print": "打印（PDF）", "objection": "提出异议", "letter": "发出提醒函",
    "letter_sign": "签署回执", "letter_report": "报送自查报告", "letter_route": "移交核查", "letter_close": "提醒函办结",
    "group_draw": "工作组抽选", "group_publish": "发布抽选结果公示", "group_pool_import": "导入成员库",
    "group_pool_remove": "删除成员库人选",
    "preview": "以机构视角预览", "notify_user": "补发发布通知",
    "export_request": "申请导出明细", "export_decide": "审批导出明细", "export_download": "下载导出明细",
}
# the questionnaire and suggestions (survey/); the answer route itself is never logged
ACTION_CN.update({"survey_open": "开放问卷", "survey_close": "结束问卷", "survey_codes": "发放答卷码",
                  "suggestion": "提交建议"})


def record(session: Session, username: str, action: str, *, status: int = 200, method: str = "CLI",
           path: str = "", release_id: str | None = None, fixmedins_code: str | None = None, ip: str = "",
           role: str = "-", watermark_id: str | None = None, detail: dict | None = None) -> None:
    session.add(AccessLogRow(at=utcnow(), username=username[:64], role=role, action=action, status=status,
                             method=method, path=path[:500], release_id=release_id, fixmedins_code=fixmedins_code,
                             ip=ip[:64], watermark_id=watermark_id, detail=detail or {}))


FLUSH_SECONDS = 0.2
BATCH = 500


class _Writer:
    """One process's queue of entries for one database, written by a daemon thread."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.pending: list[dict] = []
        self.lock = threading.Lock()  # guards `pending`
        self.writing = threading.Lock()  # one batch at a time, so flush() returns after its entries are in
        self.wake = threading.Event()
        threading.Thread(target=self._run, name="ljd-access-log", daemon=True).start()

    def add(self, entry: dict) -> None:
        with self.lock:
            self.pending.append(entry)
            full = len(self.pending) >= BATCH
        if full:
            self.wake.set()

    def flush(self) -> None:
        with self.writing:
            with self.lock:
                batch, self.pending = self.pending, []
            if not batch:
                return
            try:
                with session_scope(self.settings) as session:
                    session.execute(insert(AccessLogRow.__table__), batch)
            except BaseException:
                with self.lock:  # kept, in order, for the next round: an entry is never dropped
                    self.pending[:0] = batch
                raise

    def _run(self) -> None:
        while True:
            self.wake.wait(FLUSH_SECONDS)
            self.wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 — the database away for a moment: the next round retries
                self.wake.wait(1.0)


_writers: dict[str, _Writer] = {}
_writers_lock = threading.Lock()


def _writer(settings: Settings) -> _Writer:
    url = settings.resolve_database_url()
    with _writers_lock:
        if url not in _writers:
            _writers[url] = _Writer(settings)
        return _writers[url]


def _entry(username: str, action: str, *, status: int = 200, method: str = "CLI", path: str = "",
           release_id: str | None = None, fixmedins_code: str | None = None, ip: str = "", role: str = "-",
           watermark_id: str | None = None, detail: dict | None = None) -> dict:
    return {"at": utcnow(), "username": username[:64], "role": role, "action": action, "status": status,
            "method": method, "path": path[:500], "release_id": release_id, "fixmedins_code": fixmedins_code,
            "ip": ip[:64], "watermark_id": watermark_id, "detail": detail or {}}


def log_access(settings: Settings, username: str, action: str, **fields) -> None:
    """Queue one entry (written within FLUSH_SECONDS; see the module's note)."""
    _writer(settings).add(_entry(username, action, **fields))


def flush_access_log(settings: Settings | None = None) -> None:
    """Write the queued entries of this process now (of one database, or of all)."""
    with _writers_lock:
        writers = list(_writers.values()) if settings is None else \
            [w for u, w in _writers.items() if u == settings.resolve_database_url()]
    for writer in writers:
        writer.flush()


@atexit.register
def _flush_at_exit() -> None:
    for writer in list(_writers.values()):
        try:
            writer.flush()
        except Exception:  # noqa: BLE001 — nothing more can be done at exit
            pass


def query_access(settings: Settings, *, username: str | None = None, action: str | None = None,
                 release_id: str | None = None, fixmedins_code: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, watermark_id: str | None = None, limit: int = 1000) -> list[AccessEntry]:
    flush_access_log(settings)
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
    flush_access_log(settings)
    with session_scope(settings) as session:
        rows = session.execute(
            select(AccessLogRow.fixmedins_code, AccessLogRow.at)
            .where(AccessLogRow.release_id == release_id, AccessLogRow.action == "view",
                   AccessLogRow.role == "institution", AccessLogRow.fixmedins_code.is_not(None))
            .order_by(AccessLogRow.at, AccessLogRow.id))  # several workers' batches interleave ids
        out: dict[str, datetime] = {}
        for code, at in rows:
            out.setdefault(code, as_utc(at))
        return out
