"""The registry of people, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from liangjiadi.accounts import (
    AccountError, LoginRefused, add_user, authenticate, disable_user, list_users, open_session, query_access,
    reset_password, session_user,
)
from liangjiadi.config import Settings
from liangjiadi.releases import list_members
from liangjiadi.releases.store import dispose_engines, session_scope, utcnow
from liangjiadi.accounts.store import UserRow

PW = "correct-horse-battery"


@pytest.fixture
def settings(tmp_path, database_url):
    yield Settings(workdir=tmp_path, database_url=database_url)
    dispose_engines()


def test_users_are_stored_with_an_argon2_hash_only(settings):
    add_user("h1", "institution", PW, settings, actor="管理员", fixmedins="H1", admdvs="140400")
    with session_scope(settings) as session:
        row = session.scalar(select(UserRow).where(UserRow.username == "h1"))
        assert row.password_hash.startswith("$argon2id$") and PW not in row.password_hash
    assert [u.username for u in list_users(settings)] == ["h1"]
    assert query_access(settings, action="user_add")[0].detail["username"] == "h1"


@pytest.mark.parametrize("kwargs, message", [
    (dict(role="institution"), "机构编码"),
    (dict(role="institution", fixmedins="H1"), "区划代码"),
    (dict(role="officer", admdvs="140400", fixmedins="H1"), "只有机构用户"),
    (dict(role="supervisor", admdvs="140400"), "有效期"),
    (dict(role="officer", admdvs="14"), "6 位数字"),
    (dict(role="root"), "未知的用户角色"),
])
def test_a_user_missing_what_its_role_needs_is_refused(tmp_path, kwargs, message):
    settings = Settings(workdir=tmp_path)
    role = kwargs.pop("role")
    with pytest.raises(AccountError, match=message):
        add_user("x1", role, PW, settings, actor="管理员", **kwargs)
    dispose_engines()


def test_group_members_and_the_convener_are_release_members(settings):
    add_user("zhang", "convener", PW, settings, actor="管理员", display_name="张三", admdvs="140400")
    add_user("li", "member", PW, settings, actor="管理员", display_name="李四", admdvs="140400", member_role="hospital")
    members = {m.member_id: m for m in list_members(settings)}
    assert members["zhang"].role == "convener" and members["li"].role == "hospital"
    disable_user("li", settings, actor="管理员")
    assert "li" not in {m.member_id for m in list_members(settings)}
    reset_password("li", PW + "2", settings, actor="管理员")
    assert "li" in {m.member_id for m in list_members(settings)}


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(settings):
    add_user("h1", "institution", PW, settings, actor="管理员", fixmedins="H1", admdvs="140400")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            authenticate("h1", "wrong-password!", settings)
    with pytest.raises(LoginRefused) as refused:
        authenticate("h1", PW, settings)  # the right password, but locked
    assert refused.value.reason == "locked"
    assert authenticate("h1", PW, settings, now=utcnow() + timedelta(minutes=16)).username == "h1"
    reasons = [e.detail.get("reason") for e in query_access(settings, username="h1", action="login_failed")]
    assert reasons.count("wrong_password") == 4 and "wrong_password_locked" in reasons and "locked" in reasons


def test_a_supervisor_seat_expires(settings):
    until = utcnow() + timedelta(days=1)
    add_user("sup", "supervisor", PW, settings, actor="管理员", admdvs="140400", valid_until=until)
    user = authenticate("sup", PW, settings)
    token, _ = open_session(user, settings)
    assert session_user(token, settings) is not None
    assert session_user(token, settings, now=until + timedelta(seconds=1)) is None
    with pytest.raises(LoginRefused):
        authenticate("sup", PW, settings, now=until + timedelta(seconds=1))


def test_disabling_ends_the_sessions(settings):
    add_user("off", "officer", PW, settings, actor="管理员", admdvs="140400")
    token, _ = open_session(authenticate("off", PW, settings), settings)
    disable_user("off", settings, actor="管理员")
    assert session_user(token, settings) is None
    with pytest.raises(LoginRefused):
        authenticate("off", PW, settings)


def test_short_passwords_and_duplicate_names_are_refused(settings):
    with pytest.raises(AccountError, match="至少"):
        add_user("a1", "auditor", "short", settings, actor="管理员")
    add_user("a1", "auditor", PW, settings, actor="管理员")
    with pytest.raises(AccountError, match="已存在"):
        add_user("a1", "auditor", PW, settings, actor="管理员")
