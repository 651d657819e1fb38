import pytest
from argon2 import PasswordHasher

from liangjiadi.accounts import passwords


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """argon2id with small parameters: the tests check the rules, not the cost (production keeps
    the library's defaults)."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
