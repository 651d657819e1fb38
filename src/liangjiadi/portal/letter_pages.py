"""Pages of 点名提醒 (seeds/001 §六(七), 附录2(三)): the data officer issues 提醒函 from a published
release's findings (one Word letter per institution, reports/letter.py); the institution signs the
回执 and uploads its 自查报告; the officer closes the letter or routes it to 经办 or 基金监管 for
核查 and records the outcome. Records are written through releases/letters.py; every download
of a letter or a report is logged. `GET /api/letters` lists them as JSON.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from ..errors import LjdError
from ..releases import attachments, letters
from ..releases.model import State
from .access import (
    Denied, objection_filter, require_letter_addressee, require_letter_handler, require_letter_reader, require_release,
)
from .api import visible_releases
from .catalog import find_release, institutions
from .objection_pages import _back, checked_form, uploaded
from .pages import _context, templates
from .web import log, settings_of, user_of

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["门户 API"])


@api.get("/letters", summary="提醒函（机构：发给本机构的；数据专员、成员、召集人：本地区全部）")
def api_letters(request: Request):
    return {"letters": letters.list_letters(settings_of(request), **objection_filter(user_of(request)))}


@pages.get("/letters")
def letters_page(request: Request, release_id: str | None = None, error: str | None = None, done: str | None = None):
    user = user_of(request)
    settings = settings_of(request)
    rows = letters.list_letters(settings, **objection_filter(user))
    officer = user.role == "officer"
    published = [r for r in visible_releases(request) if r.state == State.PUBLISHED] if officer else []
    candidates = []
    if officer and release_id:
        release = require_release(user, find_release(settings, release_id))
        sent = {x["fixmedins_code"] for x in rows if x["release_id"] == release.release_id}
        names = {code: i.get("name") for code, i in institutions(release).items()}
        candidates = [{"code": code, "name": names.get(code) or code, "findings": found, "sent": code in sent}
                      for code, found in sorted(letters.release_findings(release).items())]
    return templates.TemplateResponse(request, "letters.html", _context(
        request, "letters", rows=list(reversed(rows)), officer=officer, published=published,
        chosen=release_id, candidates=candidates, error=error, done=done,
        days=settings.letter_selfcheck_days))


@pages.post("/letters/issue")
async def issue(request: Request):
    form = await checked_form(request)
    user = user_of(request)
    settings = settings_of(request)
    if user.role != "officer":
        raise Denied(403, "letter_handling_not_allowed")
    release_id = str(form.get("release_id", ""))
    release = require_release(user, await run_in_threadpool(find_release, settings, release_id))
    codes = [str(c) for c in form.getlist("codes")]
    if not codes:
        return _back("/letters", "请选择要点名提醒的机构", release_id=release_id)

    def work():
        from ..reports.letter import issue_letters  # Word rendering: loaded only when letters are issued

        return issue_letters(settings, release.release_id, user.username, codes=codes)

    try:
        made = await run_in_threadpool(work)
    except LjdError as exc:
        return _back("/letters", exc.message, release_id=release_id)
    await run_in_threadpool(log, request, "letter", release_id=release.release_id,
                            detail={"letters": [x["id"] for x in made]})
    return _back("/letters", done=f"已发出提醒函 {len(made)} 份")


@pages.get("/letters/{letter_id}")
def letter_page(request: Request, letter_id: int, error: str | None = None, done: str | None = None):
    user = user_of(request)
    settings = settings_of(request)
    letter = require_letter_reader(user, letters.get_letter(settings, letter_id))
    return templates.TemplateResponse(request, "letter.html", _context(
        request, "letter", release_id=letter["release_id"], fixmedins_code=letter["fixmedins_code"], letter=letter,
        files=attachments.list_for(settings, "letter", letter_id), error=error, done=done,
        addressee=user.role == "institution", officer=user.role == "officer",
        max_mb=settings.attachment_max_bytes // (1024 * 1024), types="、".join(settings.attachment_types)))


@pages.get("/letters/{letter_id}/document")
def letter_document(request: Request, letter_id: int):
    user = user_of(request)
    settings = settings_of(request)
    letter = require_letter_reader(user, letters.get_letter(settings, letter_id))
    path = Path(settings.workdir) / (letter["document"] or "")
    if not letter["document"] or not path.is_file():
        raise Denied(404, "letter_document_missing")
    log(request, "download", release_id=letter["release_id"], fixmedins_code=letter["fixmedins_code"],
        detail={"letter": letter_id, "file": path.name})
    return FileResponse(path, filename=path.name)


@pages.post("/letters/{letter_id}/{act}")
async def act(request: Request, letter_id: int, act: str):
    form = await checked_form(request)
    user = user_of(request)
    settings = settings_of(request)
    letter = await run_in_threadpool(letters.get_letter, settings, letter_id)
    if act in ("sign", "report"):
        require_letter_addressee(user, letter)
    elif act in ("route", "close"):
        require_letter_handler(user, letter)
    else:
        raise Denied(404, "no_such_act")
    files = await uploaded(form) if act == "report" else []

    def work() -> dict:
        if act == "sign":
            return letters.sign_receipt(settings, letter_id, user.username)
        if act == "report":
            return letters.report_with_files(settings, letter_id, user.username, str(form.get("text", "")), files)
        if act == "route":
            return letters.route(settings, letter_id, user.username, str(form.get("to", "")),
                                 str(form.get("note", "")))
        return letters.close(settings, letter_id, user.username, str(form.get("outcome", "")))

    try:
        result = await run_in_threadpool(work)
    except LjdError as exc:
        return _back(f"/letters/{letter_id}", exc.message)
    await run_in_threadpool(log, request, f"letter_{act}", release_id=letter["release_id"],
                            fixmedins_code=letter["fixmedins_code"], detail={"letter": letter_id})
    return _back(f"/letters/{letter_id}", done=f"第{letter_id}号提醒函：{result['state_cn']}")


router = APIRouter()  # what the portal includes: the pages (not in OpenAPI) and the JSON route
router.include_router(pages)
router.include_router(api)
