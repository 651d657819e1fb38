"""The one gate every request passes (a plain ASGI middleware), and what it reads for the request.

On every request the gate finds the session's user in the database, so that a disabled user, an
expired account or a closed session is refused at once. It answers 401 to any /api route but
/api/login without a live session (pages redirect to the login page), refuses a POST, PUT, PATCH or
DELETE to the API whose body is not JSON (415), and adds the security headers to every answer.

One statement per request (issue 11's load goal): the session's row, and for a GET of a release's
page or API (`/releases/{id}…`, `/api/releases/{id}…`) that release's row (its state: a
withdrawal shows at once) and whether the reader has an unread notice of it, come from one SELECT
run without a transaction (a single statement needs none): on PostgreSQL two round trips (the
pool's liveness check and the query) where a transaction each for the session and the release took
eight. `release_for` (api.py) takes the
release from here once; a second read in the same request, or any other route, goes to the
database as before.

A plain ASGI class rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs the
rest of the app in a second task and passes the answer through a memory stream, which cost about a
millisecond of CPU per request.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from sqlalchemy import bindparam, exists
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, RedirectResponse

from ..accounts.service import SESSION_QUERY, live_session, session_params
from ..config import Settings
from ..releases.store import ReleaseRow, engine_for, release_from_row, utcnow
from .notify import NotificationRow
from .web import SESSION_COOKIE

PUBLIC_PAGES = ("/login", "/static/")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_RELEASE_PATH = re.compile(r"^(?:/api)?/releases/([^/]+)")
_WRITES = ("POST", "PUT", "PATCH", "DELETE")

_R, _N = ReleaseRow.__table__, NotificationRow.__table__
_UNREAD = exists().where(_N.c.user_id == SESSION_QUERY.selected_columns.user_id,
                         _N.c.release_id == bindparam("release_id"), _N.c.read_at.is_(None))
# the session query with the release of the path (absent: NULLs) and its unread notice, built once
WITH_RELEASE = (SESSION_QUERY.add_columns(*(c.label(f"release_{c.name}") for c in _R.c), _UNREAD.label("unread"))
                .outerjoin(_R, _R.c.release_id == bindparam("release_id")))
_RELEASE_COLUMNS = tuple(c.name for c in _R.c)


def release_id_in(method: str, path: str) -> str | None:
    """The release a GET names in its path, read with the session (None: no release read here)."""
    if method not in ("GET", "HEAD"):
        return None
    found = _RELEASE_PATH.match(path)
    return found.group(1) if found else None


def read_request(settings: Settings, token: str | None, release_id: str | None) -> dict:
    """What the request needs from the database, in one statement: {"user", "csrf"} and, when
    `release_id` is given and the session is live, {"release": (release_id, Release | None), "unread"}."""
    if not token:
        return {"user": None, "csrf": None}
    params = session_params(token)
    if release_id is not None:
        params["release_id"] = release_id
    with engine_for(settings).connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")  # one SELECT: no BEGIN, no COMMIT
        row = conn.execute(WITH_RELEASE if release_id is not None else SESSION_QUERY, params).first()
    found = live_session(row, utcnow())
    if found is None:
        return {"user": None, "csrf": None}
    out = {"user": found[0], "csrf": found[1]}
    if release_id is not None:
        mapping = row._mapping
        release = None
        if mapping["release_release_id"] is not None:
            release = release_from_row(settings, SimpleNamespace(**{c: mapping[f"release_{c}"] for c in _RELEASE_COLUMNS}))
        out["release"] = (release_id, release)
        out["unread"] = bool(mapping["unread"])
    return out


def take_release(request, release_id: str) -> tuple[bool, object]:
    """(True, the Release or None) when the gate read that release for this request, once;
    (False, None) otherwise (the caller reads it itself)."""
    read = request.scope.get("state", {}).pop("ljd_release", None)
    if read is None or read[0] != release_id:
        return False, None
    return True, read[1]


def has_unread_notice(request) -> bool:
    """Whether the gate saw an unread notice of the path's release (True when it did not look)."""
    return request.scope.get("state", {}).get("ljd_unread", True)


def _headers(path: str, is_api: bool) -> list[tuple[bytes, bytes]]:
    # released figures are never cached by a browser or proxy; the package's own scripts may be
    out = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
           (b"cache-control", b"private, max-age=3600" if path.startswith("/static/") else b"no-store")]
    if not is_api:  # pages: scripts only from the package (ECharts vendored), no framing
        out.append((b"content-security-policy", CSP.encode()))
    return out


class Gate:
    """The middleware (see the module's note). State for the routes: request.state.user and .csrf."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        token = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                token = cookie_parser(value.decode("latin-1")).get(SESSION_COOKIE)
                break
        release_id = release_id_in(method, path) if token else None
        read = await run_in_threadpool(read_request, self.settings, token, release_id)
        state = scope.setdefault("state", {})
        state["user"], state["csrf"] = read["user"], read["csrf"]
        if "release" in read:
            state["ljd_release"], state["ljd_unread"] = read["release"], read["unread"]
        is_api = path == "/api" or path.startswith("/api/")
        extra = _headers(path, is_api)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                have = {name.lower() for name, _ in headers}
                headers += [h for h in extra if h[0] not in have]
                message = {**message, "headers": headers}
            await send(message)

        refusal = self._refusal(path, method, is_api, read["user"] is not None, scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _refusal(path: str, method: str, is_api: bool, signed_in: bool, scope):
        if is_api and path != "/api/login":
            if not signed_in:
                return JSONResponse({"detail": "未登录或会话已过期"}, status_code=401)
            if method in _WRITES:
                kind = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
                if kind.decode("latin-1").split(";")[0].strip().lower() != "application/json":
                    return JSONResponse({"detail": "API 只接受 JSON 请求体（Content-Type: application/json）"},
                                        status_code=415)
        elif not is_api and not signed_in and not path.startswith(PUBLIC_PAGES) and path != "/favicon.ico":
            return RedirectResponse("/login", status_code=303)
        return None
