"""A small progress protocol so the API can report without knowing about rich."""

from __future__ import annotations

from typing import Protocol


class ProgressHook(Protocol):
    def start(self, key: str, description: str, total: float | None = None) -> None: ...

    def advance(self, key: str, amount: float = 1) -> None: ...

    def done(self, key: str) -> None: ...


class NoProgress:
    def start(self, key: str, description: str, total: float | None = None) -> None:
        pass

    def advance(self, key: str, amount: float = 1) -> None:
        pass

    def done(self, key: str) -> None:
        pass
