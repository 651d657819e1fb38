"""What every route needs from a request: its user, the client, logging, refusals."""

from __future__ import annotations

import secrets

from fastapi import Request

from ..accounts import User, log_access
from ..config import Settings
from .access import Denied

SESSION_COOKIE = "ljd_session"


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def user_of(request: Request) -> User:
    user = getattr(request.state, "user", None)
    if user is None:  # the middleware lets no anonymous request reach a protected route
        raise Denied(401, "no_session")
    return user


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def log(request: Request, action: str, *, status: int = 200, release_id: str | None = None,
        fixmedins_code: str | None = None, watermark_id: str | None = None, detail: dict | None = None,
        user: User | None = None) -> None:
    user = user or getattr(request.state, "user", None)
    log_access(settings_of(request), user.username if user else "-", action, status=status, method=request.method,
               path=str(request.url.path), release_id=release_id, fixmedins_code=fixmedins_code,
               ip=client_ip(request), role=user.role if user else "-", watermark_id=watermark_id,
               detail=detail or {})


def new_watermark_id() -> str:
    return secrets.token_hex(6)


def set_session_cookie(response, settings: Settings, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=settings.portal_cookie_secure,
                        max_age=settings.portal_session_hours * 3600, path="/")
