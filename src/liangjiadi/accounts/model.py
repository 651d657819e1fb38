"""The records the accounts API returns (never the password hash)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .roles import role_label


@dataclass(frozen=True)
class User:
    user_id: int
    username: str
    display_name: str
    role: str
    fixmedins_code: str | None
    admdvs: str | None
    member_id: str | None
    active: bool
    locked_until: datetime | None = None
    valid_until: datetime | None = None
    email: str | None = None

    @property
    def role_cn(self) -> str:
        return role_label(self.role)


@dataclass(frozen=True)
class AccessEntry:
    id: int
    at: datetime
    username: str
    role: str
    action: str
    status: int
    method: str
    path: str
    release_id: str | None
    fixmedins_code: str | None
    ip: str
    watermark_id: str | None
    detail: dict
