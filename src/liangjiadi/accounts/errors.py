"""Errors of the accounts registry: each names what was refused and what to do instead."""

from __future__ import annotations

from ..errors import LjdError


class AccountError(LjdError):
    code = "LJD-ACC"


class LoginRefused(AccountError):
    """Wrong name or password, a disabled, locked or expired account. The message shown to the
    person never says which (the reason goes to the access log only)."""

    code = "LJD-ACC-LOGIN"

    def __init__(self, reason: str):
        super().__init__("用户名或密码错误，或账户已锁定、停用、过期", "连续 5 次输错密码将锁定 15 分钟；如需帮助请联系安全管理员")
        self.reason = reason
