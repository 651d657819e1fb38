"""The portal's FastAPI application: `create_app(settings)`; `liangjiadi serve` runs it.

Every request passes one gate (gate.py): it finds the session's user, answers 401 to any /api
route but /api/login without one (pages redirect to the login page), and refuses a POST to the API
whose body is not JSON. Refusals raised as `Denied` are logged as 越权尝试.
"""

from __future__ import annotations

import importlib
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from ..accounts import flush_access_log
from ..config import Settings, get_settings
from ..errors import LjdError
from ..releases.store import engine_for
from . import api, catalog, pages
from .access import Denied
from .gate import Gate
from .web import log

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


@asynccontextmanager
async def _lifespan(app: FastAPI):
    await run_in_threadpool(_warm, app.state.settings)
    yield
    flush_access_log()  # this worker's queued views and downloads, before it stops


# the templates of the pages every reader opens (compiled once per worker, ~0.1 s)
WARM_TEMPLATES = ("base.html", "login.html", "releases.html", "release.html", "institution.html", "error.html")


def _warm(settings: Settings) -> None:
    """Before a worker's first request: compile the readers' templates and read the newest
    published bundles (catalog.warm), so that the first views after a restart are not each slowed
    by a one-time cost of the worker that serves them."""
    for name in WARM_TEMPLATES:
        pages.templates.get_template(name)
    catalog.warm(settings)


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

    app.add_middleware(Gate, settings=settings)  # session, 401/303/415 and security headers: gate.py

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
