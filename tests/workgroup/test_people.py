"""One registry of people: the group's drawn and appointed people are the release members and
portal users (issue 11); whoever leaves stops signing and loses the account."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from liangjiadi.accounts import add_user, get_user, passwords
from liangjiadi.config import Settings
from liangjiadi.errors import LjdError
from liangjiadi.releases import list_members
from liangjiadi.releases.store import dispose_engines
from liangjiadi.workgroup import appoint, import_pool, load_profile, replace_member, run_draw
from liangjiadi.workgroup import store
from liangjiadi.workgroup.people import generated_id, link_user, person_of, sync_registry, terms_of
from liangjiadi.workgroup.terms import DISMISSED

PW = "correct-horse-battery"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield Settings(workdir=tmp_path / "w", database_url=f"sqlite:///{tmp_path / 'ljd.sqlite'}")
    dispose_engines()


def test_a_draw_registers_its_people_as_release_members_and_a_departure_retires_them(settings, tmp_path, pools):
    w = settings.workdir
    profile = load_profile("liaoning")
    import_pool(w, pools.write(tmp_path / "p.csv", pools.rich()), profile)
    result, _ = run_draw(w, profile, "s1", tmp_path / "d1", year=2026, registry=settings, actor="专员")
    members = {m.member_id: m for m in list_members(settings)}
    for person in result.chosen:
        assert members[generated_id(person.key)].role == "hospital"
        assert members[generated_id(person.key)].name == person.姓名
    bureau = [p for p in pools.rich() if p.is_bureau]
    assert all(members[generated_id(p.key)].role == "insurer" for p in bureau)
    assert len(members) == len(result.chosen) + len(bureau)

    # the convener appointed from the bureau signs as convener
    appoint(w, profile, year=2026, role="召集人", key=bureau[0].key, registry=settings, actor="专员")
    assert {m.member_id: m.role for m in list_members(settings)}[generated_id(bureau[0].key)] == "convener"

    # a linked portal account is the same person: the generated id retires, the account's id signs
    gone = result.chosen[0]
    add_user("zhang", "member", PW, settings, actor="管理员", admdvs="140400", display_name=gone.姓名,
             member_role="hospital")
    link_user(w, gone.key, "zhang", settings, "专员", 2026)
    active = {m.member_id for m in list_members(settings)}
    assert "zhang" in active and generated_id(gone.key) not in active
    assert person_of(store.load(w), "zhang") == gone.key
    assert [t["year"] for t in terms_of(store.load(w), gone.key)] == [2026]

    # dismissed: stops signing and the account is disabled; the replacement signs
    replaced, _ = replace_member(w, profile, year=2026, key=gone.key, status=DISMISSED, reason="泄露数据",
                                 seed="s2", out=tmp_path / "d2", registry=settings, actor="专员")
    active = {m.member_id for m in list_members(settings)}
    assert "zhang" not in active and not get_user("zhang", settings).active
    new = [p for p in replaced.chosen if p.key not in {q.key for q in result.chosen}]
    assert new and all(generated_id(p.key) in active for p in new)


def test_linking_needs_a_group_account_and_one_account_is_one_person(settings, tmp_path, pools):
    w = settings.workdir
    profile = load_profile("liaoning")
    import_pool(w, pools.write(tmp_path / "p.csv", pools.rich()), profile)
    sync_registry(w, 2026, settings, "专员")
    add_user("off", "officer", PW, settings, actor="管理员", admdvs="140400")
    add_user("li", "member", PW, settings, actor="管理员", admdvs="140400")
    people = [p.key for p in pools.rich()]
    with pytest.raises(LjdError, match="不是工作组成员或召集人"):
        link_user(w, people[0], "off", settings, "专员", 2026)
    link_user(w, people[0], "li", settings, "专员", 2026)
    with pytest.raises(LjdError, match="已关联"):
        link_user(w, people[1], "li", settings, "专员", 2026)
    with pytest.raises(LjdError, match="成员库中没有"):
        link_user(w, "H9/无此人", "li", settings, "专员", 2026)
