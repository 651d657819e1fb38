"""The JSON API under /api (OpenAPI at /api/openapi.json, docs at /api/docs; both need a session).

POST bodies are JSON only (a form cannot be sent cross-site as application/json without a CORS
preflight, which this API never grants); /api/login also takes a form, for the login page.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ..accounts import LoginRefused, authenticate, close_session, first_reads, open_session, query_access
from ..config import local_time
from ..releases import objections
from ..releases.model import Release
from . import figures, notify, pagecache, rules
from .access import (
    Denied, as_institution, can_see_release, in_audience, may_download, previews, objection_filter, require_institution, require_objection_handler,
    require_objector, require_release, sees_audit, sees_read_tracking,
)
from .gate import take_release
from .catalog import all_releases, find_release, frozen, institutions, publication
from .catalog import files as catalog_files
from .web import SESSION_COOKIE, client_ip, log, set_session_cookie, settings_of, user_of

router = APIRouter(prefix="/api", tags=["门户 API"])


class Credentials(BaseModel):
    username: str
    password: str


class TierRequest(BaseModel):
    indicator_id: str
    tier: str
    reason: str


class Decision(BaseModel):
    approve: bool


class ObjectionBody(BaseModel):
    fixmedins_code: str
    text: str
    indicator_id: str | None = None  # none: a comment on the release as a whole
    scope: str | None = None  # which part of the figure (e.g. 当月、年度累计), as the institution words it


class AnswerBody(BaseModel):
    text: str
    adopted: bool


async def _credentials(request: Request) -> Credentials:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        data = await request.json()
    elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = dict(await request.form())
    else:
        raise Denied(415, "login_body_type")
    if not isinstance(data, dict):
        raise Denied(422, "login_body")
    return Credentials(username=str(data.get("username", "")), password=str(data.get("password", "")))


def login_user(request: Request, creds: Credentials):
    """(user, token, csrf) or LoginRefused; shared by the API and the login page."""
    settings = settings_of(request)
    user = authenticate(creds.username, creds.password, settings, ip=client_ip(request), path=str(request.url.path))
    token, csrf = open_session(user, settings)
    notify.catch_up(settings, user)  # releases published before the user was added
    return user, token, csrf


def me(user) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "role_cn": user.role_cn, "fixmedins_code": user.fixmedins_code, "admdvs": user.admdvs}


@router.post("/login", summary="登录（表单或 JSON：username、password），返回会话 Cookie")
async def api_login(request: Request):
    creds = await _credentials(request)
    try:
        user, token, csrf = await run_in_threadpool(login_user, request, creds)
    except LoginRefused as exc:
        return JSONResponse({"detail": exc.message}, status_code=401)
    response = JSONResponse({"user": me(user), "csrf_token": csrf})
    set_session_cookie(response, settings_of(request), token)
    return response


@router.post("/logout", summary="退出登录")
def api_logout(request: Request):
    close_session(request.cookies.get(SESSION_COOKIE), settings_of(request))
    log(request, "logout")
    response = JSONResponse({"ok": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", summary="当前用户")
def api_me(request: Request):
    return me(user_of(request))


def _rules(user, release: Release | None) -> dict | None:
    """The audience matters to institution users and county viewers only (others skip the read)."""
    return publication(release) if release is not None and user.role in ("institution", "county") else None


def visible_releases(request: Request) -> list[Release]:
    user = user_of(request)
    return [r for r in all_releases(settings_of(request)) if can_see_release(user, r, _rules(user, r))]


@router.get("/releases", summary="本人可见的发布（机构用户：本地区已发布的版本）")
def api_releases(request: Request):
    user = user_of(request)
    if user.role in ("sysadmin", "secadmin", "auditor"):
        raise Denied(403, "role_without_release_access")
    return {"releases": [figures.summary(r) for r in visible_releases(request)]}


def release_for(request: Request, release_id: str) -> Release:
    """The release a route names, if the user may see it (Denied otherwise). Read with the session
    by the gate when it is the path's release (gate.py), else from the database now."""
    user = user_of(request)
    read, release = take_release(request, release_id)
    if not read:
        release = find_release(settings_of(request), release_id)
    return require_release(user, release, _rules(user, release))


def hidden(request: Request, release: Release) -> frozenset[str]:
    return figures.hidden_indicators(settings_of(request), release)


def release_detail(request: Request, release: Release, as_user=None) -> dict:
    """The release page's content for the reader (or, in a preview, for `as_user`)."""
    user = as_user or user_of(request)
    tiers = rules.tiers_for(settings_of(request), release)
    files = [f for f in catalog_files(release) if may_download(user, f)]
    gone = hidden(request, release)
    rules_ = publication(release)
    return {"release": figures.summary(release), "region_figures": figures.region_figures(release, gone),
            "benchmarks": figures.region_benchmarks(release, tiers, user, gone), "tiers": tiers, "files": files,
            "audience": rules_.get("audience_text") or "本地区全部定点医药机构",
            "small_count_threshold": rules_.get("small_count_threshold")}


@router.get("/releases/{release_id}", summary="一次发布：地区指标、对标、可下载文件")
def api_release(request: Request, release_id: str):
    user = user_of(request)
    release = release_for(request, release_id)
    log(request, "view", release_id=release.release_id,
        fixmedins_code=user.fixmedins_code if user.role == "institution" else None)
    tiers = rules.tiers_for(settings_of(request), release)
    gone = tuple(sorted(hidden(request, release)))  # internal-only indicators (settings) change the answer
    return pagecache.cached_json(("release", release, tuple(sorted(tiers.items())), gone, pagecache.viewpoint(user)),
                                 lambda: release_detail(request, release))


@router.get("/releases/{release_id}/institutions/{fixmedins_code}", summary="一家机构的定向推送与指标")
def api_institution(request: Request, release_id: str, fixmedins_code: str):
    user = user_of(request)
    release = release_for(request, release_id)
    require_institution(user, fixmedins_code, institutions(release))
    log(request, "view", release_id=release.release_id, fixmedins_code=fixmedins_code)
    tiers = rules.tiers_for(settings_of(request), release)
    own = user.role == "institution"
    gone = tuple(sorted(hidden(request, release)))
    return pagecache.cached_json(("institution", release, fixmedins_code, tuple(sorted(tiers.items())), gone, own),
                                 lambda: figures.institution_detail(release, fixmedins_code, tiers, own=own,
                                                                    hidden=hidden(request, release)))


@router.get("/releases/{release_id}/preview/{fixmedins_code}",
            summary="以一家机构的视角预览发布（数据专员、召集人）：该机构是否看得到、看到什么")
def api_preview(request: Request, release_id: str, fixmedins_code: str):
    user = user_of(request)
    release = release_for(request, release_id)
    if not previews(user):
        raise Denied(403, "preview_not_allowed")
    require_institution(user, fixmedins_code, institutions(release))
    reader = as_institution(release, fixmedins_code)
    rules_ = publication(release)
    log(request, "preview", release_id=release.release_id, detail={"as": fixmedins_code})
    if not in_audience(reader, rules_):  # a draft too: the preview is made before publication
        return {"visible": False, "audience": rules_.get("audience_text"), "status": 404}
    return {"visible": True, "audience": rules_.get("audience_text"),
            "release": release_detail(request, release, as_user=reader),
            "institution": figures.institution_detail(release, fixmedins_code,
                                                      rules.tiers(settings_of(request), release.release_id),
                                                      own=True, hidden=hidden(request, release))}


@router.get("/releases/{release_id}/files/{path:path}", summary="下载发布包中的文件（原样，记入访问日志）")
def api_file(request: Request, release_id: str, path: str):
    user = user_of(request)
    release = release_for(request, release_id)
    if path not in catalog_files(release):
        raise Denied(404, "no_such_file")
    if not may_download(user, path):
        raise Denied(403, "file_not_allowed")
    log(request, "download", release_id=release.release_id, detail={"file": path},
        fixmedins_code=user.fixmedins_code if user.role == "institution" else None)
    return FileResponse(release.path_of(path), filename=path.rsplit("/", 1)[-1])


def read_status(request: Request, release: Release) -> list[dict]:
    reads = first_reads(settings_of(request), release.release_id)
    return [{"fixmedins_code": code, "name": inst.get("name"), "admdvs": inst.get("admdvs"),
             "first_read_at": reads[code].isoformat() if code in reads else None,
             "first_read_cn": local_time(reads.get(code))}
            for code, inst in sorted(institutions(release).items())]


@router.get("/releases/{release_id}/reads", summary="阅读情况：哪些机构尚未打开本发布（数据专员、成员、召集人）")
def api_reads(request: Request, release_id: str):
    release = release_for(request, release_id)
    if not sees_read_tracking(user_of(request)):
        raise Denied(403, "read_tracking_not_allowed")
    rows = read_status(request, release)
    return {"release_id": release.release_id, "institutions": rows,
            "unread": [r["fixmedins_code"] for r in rows if r["first_read_at"] is None]}


@router.get("/releases/{release_id}/tier-requests", summary="对标方式的申请与审批")
def api_tier_requests(request: Request, release_id: str):
    release = release_for(request, release_id)
    if not sees_read_tracking(user_of(request)):
        raise Denied(403, "rules_not_allowed")
    return {"tiers": rules.tiers(settings_of(request), release.release_id),
            "requests": rules.requests(settings_of(request), release.release_id)}


@router.post("/releases/{release_id}/tier-requests", summary="申请改变一个指标的对标方式（发布前）")
def api_request_tier(request: Request, release_id: str, body: TierRequest):
    release = release_for(request, release_id)
    indicators = set(frozen(release).peers.get("indicators", {}))
    return rules.request_tier(settings_of(request), user_of(request), release, body.indicator_id, body.tier,
                              body.reason, indicators)


@router.post("/releases/{release_id}/tier-requests/{request_id}/decision", summary="召集人审批（申请人不能审批自己的申请）")
def api_decide(request: Request, release_id: str, request_id: int, body: Decision):
    release = release_for(request, release_id)
    return rules.decide(settings_of(request), user_of(request), release, request_id, body.approve)


@router.get("/audit", summary="访问日志（审计管理员）")
def api_audit(request: Request, username: str | None = None, action: str | None = None,
              release_id: str | None = None, fixmedins_code: str | None = None, watermark_id: str | None = None,
              since: datetime | None = None, until: datetime | None = None,
              limit: int = Query(500, ge=1, le=10000)):
    if not sees_audit(user_of(request)):
        raise Denied(403, "audit_not_allowed")
    entries = query_access(settings_of(request), username=username, action=action, release_id=release_id,
                           fixmedins_code=fixmedins_code, watermark_id=watermark_id, since=since, until=until,
                           limit=limit)
    return {"entries": [{**e.__dict__, "at": e.at.isoformat()} for e in entries]}


# ---- objections (异议: seeds/001 §六(八)) -------------------------------------------------------------

@router.post("/releases/{release_id}/objections", status_code=201,
             summary="机构对一次发布的某项指标（或整体）提出异议；公布值取自发布包，不由客户端提供")
def api_object(request: Request, release_id: str, body: ObjectionBody):
    user = user_of(request)
    release = release_for(request, release_id)
    require_objector(user, body.fixmedins_code)
    require_institution(user, body.fixmedins_code, institutions(release))
    made = objections.submit(settings_of(request), release, user.username, body.fixmedins_code, body.text,
                             indicator_id=body.indicator_id, scope=body.scope)
    log(request, "objection", release_id=release.release_id, fixmedins_code=body.fixmedins_code,
        detail={"objection": made["id"]})
    return JSONResponse(made, status_code=201)


@router.get("/objections", summary="异议列表（机构：本机构的；数据专员、成员、召集人：本地区全部）")
def api_objections(request: Request):
    return {"objections": objections.list_objections(settings_of(request), **objection_filter(user_of(request)))}


def _handled(request: Request, objection_id: int) -> dict:
    return require_objection_handler(user_of(request), objections.get_objection(settings_of(request), objection_id))


@router.post("/objections/{objection_id}/accept", summary="受理异议（本地区数据专员）")
def api_accept_objection(request: Request, objection_id: int):
    _handled(request, objection_id)
    return objections.accept(settings_of(request), objection_id, user_of(request).username)


@router.post("/objections/{objection_id}/answer", summary="答复异议：adopted 为是否采纳；不采纳须写明理由（本地区数据专员）")
def api_answer_objection(request: Request, objection_id: int, body: AnswerBody):
    _handled(request, objection_id)
    return objections.answer(settings_of(request), objection_id, user_of(request).username, body.text, body.adopted)


@router.post("/objections/{objection_id}/close", summary="关闭已答复的异议（本地区数据专员）")
def api_close_objection(request: Request, objection_id: int):
    _handled(request, objection_id)
    return objections.close(settings_of(request), objection_id, user_of(request).username)
