"""Files attached to an objection (异议附件) or a letter (自查报告), kept outside the database.

A file is stored under `<workdir>/attachments/<owner>/<owner id>/` by a random name with the
extension of its checked type; the name the uploader gave is kept only as text to show and to
offer on download (never used as a path). Size and type are limited by the settings
(`attachment_max_bytes`, `attachment_types`); the type is checked against the file's first
bytes, so a renamed executable is refused. Who uploads is audited; who downloads is logged by
the portal's access log.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..config import Settings
from .errors import ReleaseError
from .store import Base, append_audit, as_utc, session_scope, utcnow

OWNERS = ("objection", "letter")
# what the first bytes of each allowed type look like (docx/xlsx are zip, doc/xls OLE2)
MAGIC = {"pdf": (b"%PDF-",), "docx": (b"PK\x03\x04",), "xlsx": (b"PK\x03\x04",),
         "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
         "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",)}
CONTENT_TYPE = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                "doc": "application/msword", "xls": "application/vnd.ms-excel",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
PURPOSE_CN = {"attachment": "附件", "selfcheck": "自查报告"}


class AttachmentError(ReleaseError):
    code = "LJD-ATTACHMENT"


class AttachmentRow(Base):
    __tablename__ = "ljd_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int] = mapped_column(Integer, index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def safe_name(name: str) -> str:
    """The uploader's file name as text to show: no directories, no control or path characters."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip().lstrip(".")
    return name[-120:] or "附件"


def checked_type(name: str, data: bytes, settings: Settings) -> str:
    """The file's extension when it is allowed and its first bytes match it; a Chinese error otherwise."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = [t.lower().lstrip(".") for t in settings.attachment_types]
    if ext not in allowed or ext not in MAGIC:
        raise AttachmentError(f"文件「{name}」的类型不允许上传",
                              f"允许的类型：{'、'.join(allowed)}（配置项 attachment_types）")
    if not data.startswith(MAGIC[ext]):
        raise AttachmentError(f"文件「{name}」的内容与扩展名 .{ext} 不符", "请上传原始文件，不要改扩展名")
    return ext


def check(settings: Settings, name: str, data: bytes) -> tuple[str, str]:
    """(name to show, extension) of a file that may be kept; a Chinese error naming the file otherwise."""
    shown = safe_name(name)
    if not data:
        raise AttachmentError(f"文件「{shown}」是空的")
    if len(data) > settings.attachment_max_bytes:
        raise AttachmentError(f"文件「{shown}」有 {len(data):,} 字节，超过上限 {settings.attachment_max_bytes:,} 字节",
                              "请压缩或拆分后上传（配置项 attachment_max_bytes）")
    return shown, checked_type(shown, data, settings)


def directory(settings: Settings, owner: str, owner_id: int) -> Path:
    return Path(settings.workdir) / "attachments" / owner / str(int(owner_id))


def store(settings: Settings, owner: str, owner_id: int, name: str, data: bytes, actor: str,
          purpose: str = "attachment", release_id: str | None = None) -> dict:
    """Check and keep one uploaded file; returns its record."""
    if owner not in OWNERS or purpose not in PURPOSE_CN:
        raise AttachmentError(f"未知的附件归属：{owner}/{purpose}")
    shown, ext = check(settings, name, data)
    stored = f"{uuid.uuid4().hex}.{ext}"
    folder = directory(settings, owner, owner_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored
    path.write_bytes(data)
    try:
        with session_scope(settings) as session:
            row = AttachmentRow(owner=owner, owner_id=owner_id, purpose=purpose, original_name=shown,
                                stored_name=stored, content_type=CONTENT_TYPE[ext], size=len(data),
                                sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor, uploaded_at=utcnow())
            session.add(row)
            session.flush()
            append_audit(session, actor, "attachment_upload", release_id,
                         {"owner": owner, "owner_id": owner_id, "purpose": purpose, "attachment": row.id,
                          "sha256": row.sha256, "size": row.size})
            return as_dict(row)
    except BaseException:
        path.unlink(missing_ok=True)  # no record, no file
        raise


def as_dict(row: AttachmentRow) -> dict:
    return {"id": row.id, "owner": row.owner, "owner_id": row.owner_id, "purpose": row.purpose,
            "purpose_cn": PURPOSE_CN[row.purpose], "name": row.original_name, "content_type": row.content_type,
            "size": row.size, "sha256": row.sha256, "uploaded_by": row.uploaded_by,
            "uploaded_at": as_utc(row.uploaded_at).isoformat()}


def list_for(settings: Settings, owner: str, owner_id: int) -> list[dict]:
    with session_scope(settings) as session:
        rows = session.scalars(select(AttachmentRow).where(AttachmentRow.owner == owner,
                                                           AttachmentRow.owner_id == owner_id)
                               .order_by(AttachmentRow.id))
        return [as_dict(r) for r in rows]


def get(settings: Settings, attachment_id: int) -> tuple[dict, Path] | None:
    """(record, path of the stored file) or None; the caller decides who may read it."""
    with session_scope(settings) as session:
        row = session.get(AttachmentRow, attachment_id)
        if row is None:
            return None
        return as_dict(row), directory(settings, row.owner, row.owner_id) / row.stored_name
