"""Pages of objections (异议: seeds/001 §六(八)) and the attachments of objections and letters.

An institution user raises an objection on one figure of its push (the link beside each figure
of its dashboard) or a general comment, with attachments; the region's data officer accepts,
answers (采纳 / 不采纳 with the reason), closes, and may start a corrected release from an
adopted objection on a figure. Records are written through releases/objections.py; who may do
what is decided in access.py. Every attachment download is logged.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..errors import LjdError
from ..releases import attachments, letters, objections
from .access import (
    Denied, objection_filter, require_attachment_reader, require_institution, require_objection_handler,
    require_objector,
)
from .api import release_for
from .catalog import institutions
from .figures import institution_detail
from .pages import _context, templates
from .rules import tiers
from .web import log, settings_of, user_of

router = APIRouter(include_in_schema=False)


async def checked_form(request: Request):
    """The posted form (multipart with files or urlencoded) after its CSRF token is checked."""
    form = await request.form()
    if not secrets.compare_digest(str(form.get("csrf_token", "")), request.state.csrf or ""):
        raise Denied(403, "csrf")
    return form


async def uploaded(form, field: str = "files") -> list[tuple[str, bytes]]:
    """(name, bytes) of each file sent in `field` (an empty file input sends none)."""
    out = []
    for item in form.getlist(field):
        if isinstance(item, UploadFile) and item.filename:
            out.append((item.filename, await item.read()))
    return out


def _back(path: str, error: str | None = None, **params) -> RedirectResponse:
    from urllib.parse import urlencode

    query = {k: v for k, v in {**params, "error": error}.items() if v is not None}
    return RedirectResponse(path + (f"?{urlencode(query)}" if query else ""), status_code=303)


# ---- raising one ------------------------------------------------------------------------------------


@router.get("/releases/{release_id}/objections/new")
def new_objection_page(request: Request, release_id: str, indicator_id: str | None = None, error: str | None = None):
    user = user_of(request)
    release = release_for(request, release_id)
    require_objector(user, user.fixmedins_code or "")
    require_institution(user, user.fixmedins_code, institutions(release))
    detail = institution_detail(release, user.fixmedins_code, tiers(settings_of(request), release.release_id), own=True)
    return templates.TemplateResponse(request, "objection_new.html", _context(
        request, "objection_new", release_id=release.release_id, detail=detail, chosen=indicator_id, error=error,
        max_mb=settings_of(request).attachment_max_bytes // (1024 * 1024),
        types="、".join(settings_of(request).attachment_types)))


@router.post("/releases/{release_id}/objections")
async def raise_objection(request: Request, release_id: str):
    form = await checked_form(request)
    user = user_of(request)
    settings = settings_of(request)
    release = await run_in_threadpool(release_for, request, release_id)
    code = user.fixmedins_code or ""
    require_objector(user, code)
    require_institution(user, code, await run_in_threadpool(institutions, release))
    files = await uploaded(form)
    indicator = str(form.get("indicator_id", "")).strip() or None

    def work() -> dict:
        for name, data in files:  # refuse a bad file before anything is recorded
            attachments.check(settings, name, data)
        made = objections.submit(settings, release, user.username, code, str(form.get("text", "")),
                                 indicator_id=indicator, scope=str(form.get("scope", "")))
        for name, data in files:
            attachments.store(settings, "objection", made["id"], name, data, user.username,
                              release_id=release.release_id)
        return made

    try:
        made = await run_in_threadpool(work)
    except LjdError as exc:
        return _back(f"/releases/{release_id}/objections/new", exc.message, indicator_id=indicator)
    await run_in_threadpool(log, request, "objection", release_id=release.release_id, fixmedins_code=code,
                            detail={"objection": made["id"], "attachments": len(files)})
    return _back("/objections", done=f"已提交第{made['id']}号异议")


# ---- the list and the officer's acts -----------------------------------------------------------------


@router.get("/objections")
def objections_page(request: Request, error: str | None = None, done: str | None = None):
    user = user_of(request)
    settings = settings_of(request)
    rows = objections.list_objections(settings, **objection_filter(user))
    files = {r["id"]: attachments.list_for(settings, "objection", r["id"]) for r in rows}
    return templates.TemplateResponse(request, "objections.html", _context(
        request, "objections", rows=list(reversed(rows)), files=files, error=error, done=done,
        handler=user.role == "officer"))


ACTS = {"accept", "answer", "close", "correct", "escalate"}


@router.post("/objections/escalate")
async def escalate(request: Request):
    await checked_form(request)
    user = user_of(request)
    if user.role != "officer":
        raise Denied(403, "objection_handling_not_allowed")
    region = objection_filter(user)["admdvs"]
    marked = await run_in_threadpool(objections.escalate_overdue, settings_of(request), region, None, user.username)
    return _back("/objections", done=f"已督办逾期异议 {len(marked)} 条")


@router.post("/objections/{objection_id}/{act}")
async def handle(request: Request, objection_id: int, act: str):
    form = await checked_form(request)
    if act not in ACTS - {"escalate"}:
        raise Denied(404, "no_such_act")
    user = user_of(request)
    settings = settings_of(request)
    require_objection_handler(user, await run_in_threadpool(objections.get_objection, settings, objection_id))

    def work():
        if act == "accept":
            return objections.accept(settings, objection_id, user.username)
        if act == "answer":
            return objections.answer(settings, objection_id, user.username, str(form.get("text", "")),
                                     form.get("adopted") == "1")
        if act == "close":
            return objections.close(settings, objection_id, user.username)
        return objections.start_correction(settings, objection_id, user.username)

    try:
        result = await run_in_threadpool(work)
    except LjdError as exc:
        return _back("/objections", exc.message)
    if act == "correct":
        return _back("/objections", done=f"已据第{objection_id}号异议生成更正版本 {result.release_id}（草稿）")
    return _back("/objections", done=f"第{objection_id}号异议：{result['state_cn']}")


# ---- attachments (objections and letters) ---------------------------------------------------------------


def owner_record(settings, owner: str, owner_id: int) -> dict | None:
    if owner == "objection":
        return objections.get_objection(settings, owner_id)
    return letters.get_letter(settings, owner_id)


@router.get("/attachments/{attachment_id}")
def attachment_download(request: Request, attachment_id: int):
    user = user_of(request)
    settings = settings_of(request)
    found = attachments.get(settings, attachment_id)
    if found is None:
        raise Denied(404, "no_such_attachment")
    record, path = found
    owner = owner_record(settings, record["owner"], record["owner_id"])
    require_attachment_reader(user, owner)
    if not path.is_file():
        raise Denied(404, "attachment_file_missing")
    log(request, "download", release_id=owner["release_id"], fixmedins_code=owner["fixmedins_code"],
        detail={"attachment": attachment_id, "owner": record["owner"], "owner_id": record["owner_id"],
                "sha256": record["sha256"]})
    return FileResponse(path, filename=record["name"], media_type=record["content_type"])
