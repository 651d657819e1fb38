"""One registry of people: the working group's members are the release members and portal users.

Issue 11: "Working-group members and the convener are the release members of today, linked to
users: one registry of people". The group's store (store.json) names people by 单位编码/姓名; the
registry (releases/members.py, accounts/) by member id. `store["people"]` maps one to the other:
a person drawn or appointed gets a member id (`wg-` and 10 hex digits of the key's SHA-256, until
linked to a portal user, whose member id it then takes), and every draw, replacement and
appointment brings the release members up to date: the serving representatives and the bureau
staff sign releases, the convener as convener; whoever withdrew or was dismissed stops signing
and their portal account is disabled.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..accounts import GROUP_ROLES, disable_user, get_user, list_users
from ..config import Settings
from ..releases.members import deactivate_member, ensure_member
from ..releases.store import MemberRow, session_scope
from . import store
from .errors import WorkgroupError
from .terms import SERVING, serving

# the roles of the group whose holder is the release workflow's convener (召集人; the handbook's 组长)
CONVENER_ROLES = ("召集人", "组长")


def generated_id(key: str) -> str:
    return "wg-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def member_id_of(data: dict, key: str) -> str:
    return data.get("people", {}).get(key) or generated_id(key)


def group_people(data: dict, year: int) -> list[dict]:
    """Who is in the group in `year` (and who left it), as the registry should hold them."""
    pool = {p.key: p for p in store.pool_of(data)}
    conveners = {r["key"] for r in data["roles"] if r["year"] == year and r["role"] in CONVENER_ROLES}
    people: dict[str, dict] = {}
    for person in serving(data, year):
        role = "pharmacy" if "药店" in person.单位类别 else "hospital"
        people[person.key] = {"key": person.key, "name": person.姓名, "role": role, "active": True}
    for person in pool.values():
        if person.is_bureau:
            people[person.key] = {"key": person.key, "name": person.姓名, "role": "insurer", "active": True}
    for key in conveners:
        if key in people or key in pool:
            name = people[key]["name"] if key in people else pool[key].姓名
            people[key] = {"key": key, "name": name, "role": "convener", "active": True}
    for term in data["terms"]:
        if term["year"] == year and term["status"] != SERVING and term["key"] not in people:
            people[term["key"]] = {"key": term["key"], "name": term["person"]["姓名"], "role": "hospital",
                                   "active": False}
    for entry in people.values():
        entry["member_id"] = member_id_of(data, entry["key"])
    return sorted(people.values(), key=lambda e: e["key"])


def sync_registry(workdir: Path, year: int, settings: Settings, actor: str) -> list[dict]:
    """Bring the release members (and portal accounts) in line with the group of `year`."""
    data = store.load(workdir)
    people = group_people(data, year)
    users = {u.member_id: u for u in list_users(settings) if u.member_id}
    for entry in people:
        if entry["active"]:
            ensure_member(entry["member_id"], entry["name"], entry["role"], settings, actor)
            continue
        with session_scope(settings) as session:
            row = session.get(MemberRow, entry["member_id"])
            was_active = row is not None and row.active
        if was_active:
            deactivate_member(entry["member_id"], settings, actor)
        user = users.get(entry["member_id"])
        if user is not None and user.active:
            disable_user(user.username, settings, actor=actor)
    data.setdefault("people", {})
    for entry in people:
        data["people"].setdefault(entry["key"], entry["member_id"])
    store.save(workdir, data)
    return people


def link_user(workdir: Path, key: str, username: str, settings: Settings, actor: str, year: int) -> dict:
    """The pool person `key` is the portal user `username` (role member or convener): the person
    takes the user's member id, the generated one stops signing, and the registry is synced."""
    data = store.load(workdir)
    if key not in {p.key for p in store.pool_of(data)}:
        raise WorkgroupError(f"成员库中没有 {key}", "成员写作 单位编码/姓名，见 liangjiadi group pool list")
    user = get_user(username, settings)
    if user.role not in GROUP_ROLES or not user.member_id:
        raise WorkgroupError(f"用户 {username} 的角色是「{user.role_cn}」，不是工作组成员或召集人",
                             "先用 liangjiadi user add 用户名 --role member（或 convener）建立账户，再关联")
    taken = {k for k, v in data.get("people", {}).items() if v == user.member_id and k != key}
    if taken:
        raise WorkgroupError(f"用户 {username} 已关联成员库中的 {'、'.join(sorted(taken))}", "一个账户只对应一个人")
    old = member_id_of(data, key)
    data.setdefault("people", {})[key] = user.member_id
    store.save(workdir, data)
    if old != user.member_id:
        with session_scope(settings) as session:
            row = session.get(MemberRow, old)
            was_active = row is not None and row.active
        if was_active:
            deactivate_member(old, settings, actor)
    sync_registry(workdir, year, settings, actor)
    return {"key": key, "member_id": user.member_id, "username": user.username}


def person_of(data: dict, member_id: str | None) -> str | None:
    """The pool key of the person a portal user (by member id) is, if linked."""
    if not member_id:
        return None
    for key, mid in data.get("people", {}).items():
        if mid == member_id:
            return key
    return None


def terms_of(data: dict, key: str) -> list[dict]:
    """Every term record of one person, with the roles they held that year."""
    out = []
    for term in sorted((t for t in data["terms"] if t["key"] == key), key=lambda t: (t["year"], t["since"])):
        roles = [r["role"] for r in data["roles"] if r["year"] == term["year"] and r["key"] == key]
        out.append({**term, "roles": roles})
    for role in data["roles"]:  # bureau staff hold roles without a drawn term
        if role["key"] == key and not any(t["year"] == role["year"] for t in out):
            out.append({"key": key, "year": role["year"], "status": SERVING, "roles": [role["role"]], "dir": "",
                        "reason": "", "since": ""})
    return out
