"""The portal's FastAPI application: `create_app(settings)`; `liangjiadi serve` runs it.

Every request passes one gate (the middleware below): it finds the session's user, answers 401
to any /api route but /api/login without one (pages redirect to the login page), and refuses a
POST to the API whose body is not JSON. Refusals raised as `Denied` are logged as 越权尝试.
"""

from __future__ import annotations

import importlib
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from ..accounts import flush_access_log, session_user
from ..config import Settings, get_settings
from ..errors import LjdError
from ..releases.store import engine_for
from . import api, pages
from .access import Denied
from .web import SESSION_COOKIE, log

HERE = Path(__file__).resolve().parent
# further page/API routers of the portal, each a module of this package defining `router`; a module
# not built yet is skipped. Literal names: the architecture test checks what each one may import.
OPTIONAL_ROUTERS = (
    lambda: importlib.import_module(".objection_pages", __package__),
    lambda: importlib.import_module(".letter_pages", __package__),
    lambda: importlib.import_module(".survey_pages", __package__),
    lambda: importlib.import_module(".group_pages", __package__),
    lambda: importlib.import_module(".admin_pages", __package__),
    lambda: importlib.import_module(".export_pages", __package__),
)
PUBLIC_PAGES = ("/login", "/static/")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@asynccontextmanager
async def _lifespan(_app: FastAPI):
    yield
    flush_access_log()  # this worker's queued views and downloads, before it stops


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine_for(settings)  # applies the migrations before the first request
    app = FastAPI(title="亮家底 医保数据发布门户", version="1", openapi_url="/api/openapi.json",
                  docs_url="/api/docs", redoc_url=None, lifespan=_lifespan)
    app.state.settings = settings
    app.include_router(api.router)
    app.include_router(pages.router)
    for load in OPTIONAL_ROUTERS:
        try:
            module = load()
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith(f"{__package__}."):
                raise
            continue
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def gate(request: Request, call_next):
        path = request.url.path
        found = await run_in_threadpool(session_user, request.cookies.get(SESSION_COOKIE), settings)
        request.state.user, request.state.csrf = found if found else (None, None)
        is_api = path == "/api" or path.startswith("/api/")
        if is_api and path != "/api/login":
            if found is None:
                return JSONResponse({"detail": "未登录或会话已过期"}, status_code=401)
            if request.method in ("POST", "PUT", "PATCH", "DELETE"):
                kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind != "application/json":
                    return JSONResponse({"detail": "API 只接受 JSON 请求体（Content-Type: application/json）"},
                                        status_code=415)
        elif not is_api and found is None and not path.startswith(PUBLIC_PAGES) and path != "/favicon.ico":
            return RedirectResponse("/login", status_code=303)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        # released figures are never cached by a browser or proxy; the package's own scripts may be
        response.headers.setdefault("Cache-Control", "private, max-age=3600" if path.startswith("/static/") else "no-store")
        if not is_api:  # pages: scripts only from the package (ECharts vendored), no framing
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    @app.exception_handler(Denied)
    async def denied(request: Request, exc: Denied):
        if exc.status in (403, 404):
            await run_in_threadpool(log, request, "denied", status=exc.status, detail={"reason": exc.reason},
                                    release_id=request.path_params.get("release_id"),
                                    fixmedins_code=request.path_params.get("fixmedins_code"))
        message = {401: "未登录", 403: "无权访问", 404: "不存在或无权访问", 415: "请求体类型不受支持"}.get(exc.status, "请求被拒绝")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=exc.status)
        return pages.error_page(request, exc.status, message)

    @app.exception_handler(LjdError)
    async def refused(request: Request, exc: LjdError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.message, "hint": exc.hint}, status_code=409)
        return pages.error_page(request, 409, exc.message, exc.hint)

    return app
