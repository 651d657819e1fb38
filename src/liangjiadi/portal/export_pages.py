"""Pages and API of export requests (portal/exports.py): request, approve, download until expiry."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from . import exports, figures
from .access import Denied, reads_releases
from .api import release_for, visible_releases
from .pages import _context, _form, templates
from .web import log, new_watermark_id, settings_of, user_of

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportBody(BaseModel):
    release_id: str
    purpose: str
    days: int = 7


class ExportDecision(BaseModel):
    approve: bool
    note: str = ""


def _reader(request: Request):
    user = user_of(request)
    if not reads_releases(user):
        raise Denied(403, "export_not_allowed")
    return user


def _request_for_release(request: Request, release_id: str, purpose: str, days: int) -> dict:
    user = _reader(request)
    release = release_for(request, release_id)  # a release the reader cannot see: 404, logged
    return exports.request_export(settings_of(request), user, release, purpose, days)


def _download(request: Request, request_id: int) -> Response:
    user = _reader(request)
    settings = settings_of(request)
    wanted = exports.downloadable(user, exports.get_request(settings, request_id))
    release = release_for(request, wanted["release_id"])  # still visible to the requester
    wm = new_watermark_id()
    content = exports.workbook(settings, release, wanted, user, wm)
    log(request, "export_download", release_id=release.release_id, watermark_id=wm,
        detail={"request": request_id, "bytes": len(content)})
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename=export-{request_id}.xlsx"})


# ---- API -------------------------------------------------------------------------------------


@router.get("/api/exports", tags=["门户 API"], summary="导出申请（本人的；数据专员、召集人：本地区全部）")
def api_exports(request: Request):
    return {"requests": exports.visible_requests(settings_of(request), _reader(request))}


@router.post("/api/exports", status_code=201, tags=["门户 API"],
             summary="申请导出一次发布的全部机构明细（写明用途与有效天数，须另一人审批）")
def api_request_export(request: Request, body: ExportBody):
    return _request_for_release(request, body.release_id, body.purpose, body.days)


@router.post("/api/exports/{request_id}/decision", tags=["门户 API"],
             summary="审批导出申请（本地区数据专员或召集人；申请人不能审批自己的申请）")
def api_decide_export(request: Request, request_id: int, body: ExportDecision):
    return exports.decide(settings_of(request), user_of(request), request_id, body.approve, body.note)


@router.get("/api/exports/{request_id}/download", tags=["门户 API"], summary="下载已批准、未过期的导出（仅申请人；记入访问日志）")
def api_download_export(request: Request, request_id: int):
    return _download(request, request_id)


# ---- pages -----------------------------------------------------------------------------------


@router.get("/exports", include_in_schema=False)
def exports_page(request: Request, error: str | None = None):
    user = _reader(request)
    settings = settings_of(request)
    listed = exports.visible_requests(settings, user)
    releases = [figures.summary(r) for r in visible_releases(request)]
    return templates.TemplateResponse(request, "exports.html", _context(
        request, "exports", requests=listed, releases=releases, error=error, approver=exports.approves(user),
        max_days=exports.MAX_DAYS))


@router.post("/exports", include_in_schema=False)
async def exports_submit(request: Request):
    form = await _form(request)
    try:
        days = int(str(form.get("days", "7")) or 7)
    except ValueError:
        return RedirectResponse("/exports?error=有效天数应为整数", status_code=303)
    try:
        await run_in_threadpool(_request_for_release, request, str(form.get("release_id", "")),
                                str(form.get("purpose", "")), days)
    except exports.ExportError as exc:
        return RedirectResponse(f"/exports?error={exc.message}", status_code=303)
    return RedirectResponse("/exports", status_code=303)


@router.post("/exports/{request_id}/decide", include_in_schema=False)
async def exports_decide(request: Request, request_id: int):
    form = await _form(request)
    try:
        await run_in_threadpool(exports.decide, settings_of(request), user_of(request), request_id,
                                form.get("approve") == "1", str(form.get("note", "")))
    except exports.ExportError as exc:
        return RedirectResponse(f"/exports?error={exc.message}", status_code=303)
    return RedirectResponse("/exports", status_code=303)


@router.get("/exports/{request_id}/download", include_in_schema=False)
def exports_download(request: Request, request_id: int):
    return _download(request, request_id)
