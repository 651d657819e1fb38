"""Server-rendered pages (Jinja2, Chinese). Every page carries a visible watermark naming the
reader, their institution, the time and a watermark id that the access log records with the view,
so a photographed or printed page can be traced to one reading. Every form carries a CSRF token."""

from __future__ import annotations

import io
import json
import secrets
from urllib.parse import quote
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from ..accounts import ACTION_CN, LoginRefused, ROLE_CN, close_session, query_access
from ..config import DISPLAY_TZ, local_time
from . import figures, notify, pagecache, rules
from .access import (
    Denied, as_institution, in_audience, may_download, previews, require_institution, sees_audit, sees_read_tracking,
)
from .api import Credentials, hidden, login_user, read_status, release_detail, release_for, visible_releases
from .catalog import frozen, institutions, publication
from .gate import has_unread_notice
from .web import SESSION_COOKIE, log, new_watermark_id, set_session_cookie, settings_of, user_of

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["shown"] = figures.shown
templates.env.filters["local"] = local_time
templates.env.filters["unit"] = figures.unit_cn
router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "ljd_login_csrf"


def _watermark(request: Request, page: str, *, release_id: str | None = None, fixmedins_code: str | None = None,
               log_view: bool = True) -> tuple[str, str]:
    """(watermark text, watermark id) of one view: the reader, their institution, the time and an id
    that the access log records with the view."""
    user = user_of(request)
    wm_id = new_watermark_id()
    now = datetime.now(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M")
    org = user.fixmedins_code or user.admdvs or ROLE_CN[user.role]
    if log_view:
        log(request, "view", release_id=release_id, watermark_id=wm_id, detail={"page": page},
            fixmedins_code=fixmedins_code if fixmedins_code is not None else
            (user.fixmedins_code if user.role == "institution" and release_id else None))
    return f"{user.display_name} · {org} · {now} · {wm_id}", wm_id


def _context(request: Request, page: str, *, release_id: str | None = None, fixmedins_code: str | None = None,
             log_view: bool = True, **extra) -> dict:
    """The page's context with a fresh watermark; the view is logged with the watermark id."""
    watermark, wm_id = _watermark(request, page, release_id=release_id, fixmedins_code=fixmedins_code,
                                  log_view=log_view)
    return {"request": request, "user": user_of(request), "csrf": request.state.csrf, "page": page,
            "watermark": watermark, "watermark_id": wm_id, **extra}


def _cached_page(request: Request, name: str, page: str, key, build, *, release_id: str | None = None,
                 fixmedins_code: str | None = None):
    """A page rendered once per `key` and reader's viewpoint (pagecache.py), with this view's watermark."""
    watermark, wm_id = _watermark(request, page, release_id=release_id, fixmedins_code=fixmedins_code)
    return pagecache.render(request, templates, name, (page, key), lambda: {"request": request, "page": page, **build()},
                            watermark=watermark, watermark_id=wm_id, csrf=request.state.csrf, user=user_of(request))


def error_page(request: Request, status: int, message: str, hint: str = "") -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"request": request, "status": status, "message": message,
                                                              "hint": hint, "user": getattr(request.state, "user", None)},
                                      status_code=status)


async def _form(request: Request) -> dict:
    form = dict(await request.form())
    if not secrets.compare_digest(str(form.get("csrf_token", "")), request.state.csrf or ""):
        raise Denied(403, "csrf")
    return form


# ---- login ------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, error: str | None = None):
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(request, "login.html", {"request": request, "csrf": token, "error": error,
                                                                  "user": None})
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict",
                        secure=settings_of(request).portal_cookie_secure, max_age=1800, path="/login")
    return response


@router.post("/login")
async def login_submit(request: Request):
    form = dict(await request.form())
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not secrets.compare_digest(str(form.get("csrf_token", "")), expected):
        return RedirectResponse("/login?error=页面已过期，请重新登录", status_code=303)
    creds = Credentials(username=str(form.get("username", "")), password=str(form.get("password", "")))
    try:
        user, token, _ = await run_in_threadpool(login_user, request, creds)
    except LoginRefused as exc:
        return RedirectResponse(f"/login?error={exc.message}", status_code=303)
    response = RedirectResponse(home_of(user), status_code=303)
    set_session_cookie(response, settings_of(request), token)
    response.delete_cookie(LOGIN_CSRF, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request):
    await _form(request)
    await run_in_threadpool(close_session, request.cookies.get(SESSION_COOKIE), settings_of(request))
    await run_in_threadpool(log, request, "logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def home_of(user) -> str:
    if user.role == "auditor":
        return "/audit"
    if user.role in ("sysadmin", "secadmin"):
        return "/admin"
    return "/releases"


@router.get("/")
def home(request: Request):
    return RedirectResponse(home_of(user_of(request)), status_code=303)


# ---- releases -------------------------------------------------------------------------------------


@router.get("/releases")
def releases_page(request: Request):
    user = user_of(request)
    if user.role in ("sysadmin", "secadmin", "auditor"):
        raise Denied(403, "role_without_release_access")
    listed = [figures.summary(r) for r in visible_releases(request)]
    notes = notify.unread(settings_of(request), user)
    return templates.TemplateResponse(request, "releases.html",
                                      _context(request, "releases", releases=listed, notes=notes))


@router.get("/releases/{release_id}")
def release_page(request: Request, release_id: str):
    user = user_of(request)
    release = release_for(request, release_id)
    if has_unread_notice(request):  # the gate looked (nearly always nothing to mark)
        notify.mark_read(settings_of(request), user, release.release_id)
    staff = sees_read_tracking(user)
    tiers = rules.tiers_for(settings_of(request), release)

    def build():
        insts = sorted(institutions(release).values(), key=lambda i: i["code"]) if staff else []
        return {"detail": release_detail(request, release), "institutions": insts, "staff": staff,
                "can_preview": previews(user)}
    gone = tuple(sorted(hidden(request, release)))
    return _cached_page(request, "release.html", "release", (release, tuple(sorted(tiers.items())), gone, staff), build,
                        release_id=release.release_id)


def _dashboard(request: Request, release_id: str, code: str, preview: bool):
    user = user_of(request)
    release = release_for(request, release_id)
    if preview and not previews(user):
        raise Denied(403, "preview_not_allowed")
    require_institution(user, code, institutions(release))
    if preview and not in_audience(as_institution(release, code), publication(release)):
        return templates.TemplateResponse(request, "preview_outside.html", _context(
            request, "preview", release_id=release.release_id, summary=figures.summary(release),
            code=code, name=institutions(release)[code].get("name"), audience=publication(release)["audience_text"]))
    tiers = rules.tiers_for(settings_of(request), release)

    def build():
        data = figures.institution_detail(release, code, tiers, own=preview or user.role == "institution",
                                          hidden=hidden(request, release))
        data = {**data, "files": [f for f in data["files"] if preview or may_download(user, f)]}
        chart = {"periods": data["series"]["periods"], "institution": data["series"]["institution"],
                 "region": data["series"]["region"],
                 "names": {f["indicator_id"]: f["name"] for f in data["figures"]}}
        return {"data": data, "preview": preview, "tier_cn": rules.TIER_CN,
                "chart_json": pagecache.json_text({**chart, "watermark": pagecache.WATERMARK_JSON})}
    return _cached_page(request, "institution.html", "preview" if preview else "institution",
                        (release, code, tuple(sorted(tiers.items())), tuple(sorted(hidden(request, release)))), build,
                        release_id=release.release_id,
                        fixmedins_code=None if preview else code)


@router.get("/releases/{release_id}/institutions/{fixmedins_code}")
def institution_page(request: Request, release_id: str, fixmedins_code: str):
    return _dashboard(request, release_id, fixmedins_code, preview=False)


@router.get("/releases/{release_id}/institutions/{fixmedins_code}/print.pdf")
def institution_pdf(request: Request, release_id: str, fixmedins_code: str):
    """The dashboard printed on the server (printing.py): every page carries this reader's watermark,
    and the access log records the print with its watermark id."""
    from .printing import dashboard_pdf

    user = user_of(request)
    release = release_for(request, release_id)
    require_institution(user, fixmedins_code, institutions(release))
    data = figures.institution_detail(release, fixmedins_code, rules.tiers_for(settings_of(request), release),
                                      own=user.role == "institution", hidden=hidden(request, release))
    watermark, wm_id = _watermark(request, "print", release_id=release.release_id, fixmedins_code=fixmedins_code,
                                  log_view=False)
    body = dashboard_pdf(data, watermark, wm_id)
    log(request, "print", release_id=release.release_id, fixmedins_code=fixmedins_code, watermark_id=wm_id,
        detail={"page": "institution", "format": "pdf", "bytes": len(body)})
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{fixmedins_code}-{wm_id}.pdf"'})


@router.get("/releases/{release_id}/preview")
def preview_choice(request: Request, release_id: str, code: str = ""):
    return RedirectResponse(f"/releases/{release_id}/preview/{code}", status_code=303)


@router.get("/releases/{release_id}/preview/{fixmedins_code}")
def preview_page(request: Request, release_id: str, fixmedins_code: str):
    """The release exactly as that institution will see it (the region's staff, before publication too)."""
    return _dashboard(request, release_id, fixmedins_code, preview=True)


@router.get("/releases/{release_id}/region")
def region_page(request: Request, release_id: str):
    user = user_of(request)
    release = release_for(request, release_id)
    tiers = rules.tiers_for(settings_of(request), release)

    def build():
        content = frozen(release)
        gone = hidden(request, release)
        names = figures.indicator_names(release, gone)
        series = {ind: entry.get("values") for ind, entry in (content.series.get("indicators") or {}).items()
                  if ind not in gone}
        chart = {"periods": content.series.get("periods", []), "region": series,
                 "names": {k: v.get("name", k) for k, v in names.items()}, "watermark": pagecache.WATERMARK_JSON}
        return {"summary": figures.summary(release), "region": figures.region_figures(release, gone),
                "benchmarks": figures.region_benchmarks(release, tiers, user, gone), "names": names,
                "tier_cn": rules.TIER_CN, "chart_json": pagecache.json_text(chart)}
    return _cached_page(request, "region.html", "region",
                        (release, tuple(sorted(tiers.items())), tuple(sorted(hidden(request, release)))), build,
                        release_id=release.release_id)


@router.get("/m")
def mobile_page(request: Request):
    """A phone-width summary: the newest release and the reader's own figures."""
    user = user_of(request)
    listed = visible_releases(request)
    latest = next((r for r in listed if r.state.value == "published"), None)
    own = None
    if latest is not None and user.role == "institution" and user.fixmedins_code in institutions(latest):
        tiers = rules.tiers_for(settings_of(request), latest)
        own = figures.institution_detail(latest, user.fixmedins_code, tiers, own=True, hidden=hidden(request, latest))
    region = figures.region_figures(latest, hidden(request, latest))[:8] if latest is not None else []
    return templates.TemplateResponse(request, "mobile.html", _context(
        request, "mobile", release_id=latest.release_id if latest else None,
        latest=figures.summary(latest) if latest else None, own=own, region=region))


# ---- read tracking and reminders --------------------------------------------------------------------


@router.get("/releases/{release_id}/reads")
def reads_page(request: Request, release_id: str, sent: int | None = None):
    release = release_for(request, release_id)
    if not sees_read_tracking(user_of(request)):
        raise Denied(403, "read_tracking_not_allowed")
    rows = read_status(request, release)
    unread = [r for r in rows if r["first_read_at"] is None]
    return templates.TemplateResponse(request, "reads.html", _context(
        request, "reads", release_id=release.release_id, summary=figures.summary(release), rows=rows,
        unread=unread, sent=sent))


@router.post("/releases/{release_id}/reads/remind")
async def remind(request: Request, release_id: str):
    await _form(request)
    release = await run_in_threadpool(release_for, request, release_id)
    if not sees_read_tracking(user_of(request)):
        raise Denied(403, "read_tracking_not_allowed")
    rows = await run_in_threadpool(read_status, request, release)
    codes = [r["fixmedins_code"] for r in rows if r["first_read_at"] is None]
    sent = await run_in_threadpool(notify.remind, settings_of(request), user_of(request), release, codes)
    return RedirectResponse(f"/releases/{release_id}/reads?sent={sent}", status_code=303)


# ---- publication rules: benchmark tiers ---------------------------------------------------------------


@router.get("/releases/{release_id}/rules")
def rules_page(request: Request, release_id: str, error: str | None = None):
    release = release_for(request, release_id)
    if not sees_read_tracking(user_of(request)):
        raise Denied(403, "rules_not_allowed")
    names = figures.indicator_names(release)
    peers = list(frozen(release).peers.get("indicators", {}))
    return templates.TemplateResponse(request, "rules.html", _context(
        request, "rules", release_id=release.release_id, summary=figures.summary(release),
        tiers=rules.tiers(settings_of(request), release.release_id),
        requests=rules.requests(settings_of(request), release.release_id), indicators=peers, names=names,
        tier_cn=rules.TIER_CN, open=release.state in rules.OPEN_STATES, error=error,
        institutions=sorted(institutions(release).values(), key=lambda i: i["code"])))


@router.post("/releases/{release_id}/rules/request")
async def rules_request(request: Request, release_id: str):
    form = await _form(request)
    release = await run_in_threadpool(release_for, request, release_id)
    indicators = set(frozen(release).peers.get("indicators", {}))
    try:
        await run_in_threadpool(rules.request_tier, settings_of(request), user_of(request), release,
                                str(form.get("indicator_id", "")), str(form.get("tier", "")),
                                str(form.get("reason", "")), indicators)
    except rules.RuleError as exc:
        return RedirectResponse(f"/releases/{release_id}/rules?error={exc.message}", status_code=303)
    return RedirectResponse(f"/releases/{release_id}/rules", status_code=303)


@router.post("/releases/{release_id}/rules/{request_id}/decide")
async def rules_decide(request: Request, release_id: str, request_id: int):
    form = await _form(request)
    release = await run_in_threadpool(release_for, request, release_id)
    try:
        await run_in_threadpool(rules.decide, settings_of(request), user_of(request), release, request_id,
                                form.get("approve") == "1")
    except rules.RuleError as exc:
        return RedirectResponse(f"/releases/{release_id}/rules?error={exc.message}", status_code=303)
    return RedirectResponse(f"/releases/{release_id}/rules", status_code=303)


# ---- the access log ----------------------------------------------------------------------------------------


def _filters(request: Request) -> dict:
    q = request.query_params
    out = {k: (q.get(k) or None) for k in ("username", "action", "release_id", "fixmedins_code", "watermark_id")}
    for key in ("since", "until"):
        text = q.get(key)
        if text:
            try:
                day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=DISPLAY_TZ)
            except ValueError:
                raise Denied(422, "bad_date") from None
            out[key] = day + timedelta(days=1) if key == "until" else day
        else:
            out[key] = None
    return out


@router.get("/audit")
def audit_page(request: Request):
    if not sees_audit(user_of(request)):
        raise Denied(403, "audit_not_allowed")
    entries = query_access(settings_of(request), **_filters(request), limit=500)
    return templates.TemplateResponse(request, "audit.html", _context(
        request, "audit", log_view=False, entries=entries, q=request.query_params, actions=ACTION_CN))


@router.get("/audit/export.xlsx")
def audit_export(request: Request):
    from openpyxl import Workbook

    if not sees_audit(user_of(request)):
        raise Denied(403, "audit_not_allowed")
    entries = query_access(settings_of(request), **_filters(request), limit=100000)
    book = Workbook()
    sheet = book.active
    sheet.title = "访问日志"
    sheet.append(["时间（北京时间）", "用户", "角色", "操作", "状态", "方法", "路径", "发布", "机构", "IP", "水印编号", "详情"])
    for e in entries:
        sheet.append([local_time(e.at, "%Y-%m-%d %H:%M:%S"), e.username, ROLE_CN.get(e.role, e.role),
                      ACTION_CN.get(e.action, e.action), e.status, e.method, e.path, e.release_id or "",
                      e.fixmedins_code or "", e.ip, e.watermark_id or "", json.dumps(e.detail, ensure_ascii=False)])
    buffer = io.BytesIO()
    book.save(buffer)
    log(request, "export", detail={"rows": len(entries), "what": "access_log"})
    return Response(buffer.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=access-log.xlsx"})


@router.get("/admin")
def admin_page(request: Request, error: str | None = None, done: str | None = None):
    from ..accounts import list_users

    user = user_of(request)
    if user.role not in ("sysadmin", "secadmin"):
        raise Denied(403, "admin_not_allowed")
    return templates.TemplateResponse(request, "admin.html", _context(
        request, "admin", log_view=False, users=list_users(settings_of(request)), roles=ROLE_CN, error=error,
        done=done))


@router.post("/admin/users")
async def admin_add_user(request: Request):
    """三员分立: the system administrator opens accounts (the CLI does the same: user add)."""
    from ..accounts import AccountError, add_user

    form = await _form(request)
    user = user_of(request)
    if user.role != "sysadmin":
        raise Denied(403, "only_sysadmin_adds_users")

    def field(name):
        return str(form.get(name, "")).strip() or None

    valid = None
    if field("valid_until"):
        try:
            valid = datetime.strptime(field("valid_until"), "%Y-%m-%d").replace(hour=23, minute=59, tzinfo=DISPLAY_TZ)
        except ValueError:
            return RedirectResponse("/admin?error=有效期格式应为 YYYY-MM-DD", status_code=303)
    try:
        added = await run_in_threadpool(lambda: add_user(
            field("username") or "", field("role") or "", str(form.get("password", "")), settings_of(request),
            actor=user.username, display_name=field("display_name"), fixmedins=field("fixmedins"),
            admdvs=field("admdvs"), valid_until=valid, email=field("email")))
    except AccountError as exc:
        return RedirectResponse(f"/admin?error={quote(exc.message)}", status_code=303)
    # a user added after a release was published is told of it too (seeds/001 §六(七))
    await run_in_threadpool(notify.catch_up, settings_of(request), added)
    return RedirectResponse(f"/admin?done={quote('已新增用户 ' + added.username)}", status_code=303)
