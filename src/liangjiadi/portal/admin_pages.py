"""User administration in the portal (三员分立): the system administrator opens accounts
(pages.py: /admin/users); the system and the security administrator disable accounts and reset
passwords. The forms call the same services as `liangjiadi user disable|reset-password`
(accounts/service.py), so the rules and the access-log entries are the same; every form carries
the session's CSRF token."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..accounts import AccountError, disable_user, reset_password
from .access import Denied
from .pages import _form
from .web import settings_of, user_of

router = APIRouter(include_in_schema=False)
MANAGERS = frozenset({"sysadmin", "secadmin"})


def _manager(request: Request):
    user = user_of(request)
    if user.role not in MANAGERS:
        raise Denied(403, "admin_not_allowed")
    return user


def _back(error: str | None = None, done: str | None = None) -> RedirectResponse:
    query = f"?error={quote(error)}" if error else (f"?done={quote(done)}" if done else "")
    return RedirectResponse(f"/admin{query}", status_code=303)


@router.post("/admin/users/{username}/disable")
async def admin_disable(request: Request, username: str):
    await _form(request)
    user = _manager(request)
    if username == user.username:
        return _back("不能停用自己的账户", None)
    try:
        await run_in_threadpool(lambda: disable_user(username, settings_of(request), actor=user.username))
    except AccountError as exc:
        return _back(exc.message)
    return _back(done=f"已停用 {username}")


@router.post("/admin/users/{username}/reset-password")
async def admin_reset_password(request: Request, username: str):
    form = await _form(request)
    user = _manager(request)
    try:
        await run_in_threadpool(lambda: reset_password(username, str(form.get("password", "")), settings_of(request),
                                                       actor=user.username))
    except AccountError as exc:
        return _back(exc.message)
    return _back(done=f"已重置 {username} 的密码（账户已启用、锁定已解除，原有会话已结束）")
