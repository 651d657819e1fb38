"""Password hashing: argon2id (memory-hard), with the library's parameters."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import AccountError

_hasher = PasswordHasher()
MIN_LENGTH = 10
# argon2 takes 64 MiB and several cores per hash: a burst of logins (a whole region at 8 a.m.) is
# verified a few at a time, so that it queues instead of exhausting the server's memory.
_verifying = threading.BoundedSemaphore(4)
_dummy: dict[PasswordHasher, str] = {}


def _dummy_hash() -> str:
    """Verified when the name is unknown, so that a wrong name costs as long as a wrong password."""
    if _hasher not in _dummy:
        _dummy[_hasher] = _hasher.hash("liangjiadi-no-such-user")
    return _dummy[_hasher]


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_LENGTH} 个字符", "请使用较长的口令；密码只以 argon2 摘要保存")
    if password.strip() != password or not password.strip():
        raise AccountError("密码不能以空白开头或结尾")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        with _verifying:
            return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
