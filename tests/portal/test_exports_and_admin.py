"""Exports of detail beyond one's own institution by request and approval (purpose, expiry, every
download logged); user administration in the portal (CSRF-protected forms, the CLI's rules);
notices for users added after a release was published; the pages' authorization matrix."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from liangjiadi.accounts import add_user, get_user, query_access
from liangjiadi.portal import notify
from liangjiadi.portal.exports import ExportRequestRow
from liangjiadi.releases.store import dispose_engines, session_scope, utcnow

from .conftest import DRAFT, OTHER, OWN, PEER, PUB, PW, QUARTER, USERS, build_portal, client_for


@pytest.fixture(scope="module")
def portal(demo, tmp_path_factory, _cheap_hasher):
    yield build_portal(demo, tmp_path_factory.mktemp("portal-exports"), None, "sqlite")
    dispose_engines()


def _page_login(portal, username, password=PW):
    client = client_for(portal)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/releases" if username not in (
        "sysadmin", "secadmin", "auditor") else "/admin" if username != "auditor" else "/audit").text).group(1)
    return client


def _denials(portal, username, reason):
    return [e for e in query_access(portal.settings, action="denied", username=username)
            if e.detail.get("reason") == reason]


# ---- exports by request and approval ----------------------------------------------------------------


def test_an_export_is_requested_approved_by_another_and_downloaded_until_it_expires(portal):
    from openpyxl import load_workbook

    inst, convener = client_for(portal, "inst"), client_for(portal, "convener")
    made = inst.post("/api/exports", json={"release_id": PUB, "purpose": "院内质控会对比分析", "days": 7})
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["state"] == "pending" and request["requested_by"] == "inst"
    assert inst.get(f"/api/exports/{request['id']}/download").status_code == 403  # not approved yet
    assert _denials(portal, "inst", "export_not_approved")
    assert client_for(portal, "member").post(f"/api/exports/{request['id']}/decision",
                                             json={"approve": True}).status_code == 403
    assert client_for(portal, "officer_other").post(f"/api/exports/{request['id']}/decision",
                                                    json={"approve": True}).status_code == 404
    decided = convener.post(f"/api/exports/{request['id']}/decision", json={"approve": True, "note": "同意"}).json()
    assert decided["state"] == "approved" and decided["decided_by"] == "convener" and decided["expires_at"]
    assert convener.post(f"/api/exports/{request['id']}/decision", json={"approve": False}).status_code == 409
    assert client_for(portal, "inst2").get(f"/api/exports/{request['id']}/download").status_code == 404
    assert convener.get(f"/api/exports/{request['id']}/download").status_code == 404  # the requester alone
    got = inst.get(f"/api/exports/{request['id']}/download")
    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "院内质控会对比分析" in rows[0][0] and "inst" in rows[0][0]
    codes = {r[0] for r in rows[3:]}
    assert OWN in codes and PEER in codes  # beyond its own institution: that is what was approved
    logged = query_access(portal.settings, action="export_download", username="inst")
    assert len(logged) == 1 and logged[0].watermark_id in rows[0][0] and logged[0].release_id == PUB
    inst.get(f"/api/exports/{request['id']}/download")
    assert len(query_access(portal.settings, action="export_download", username="inst")) == 2  # every download
    with session_scope(portal.settings) as session:
        session.execute(update(ExportRequestRow).where(ExportRequestRow.id == request["id"])
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
    assert inst.get(f"/api/exports/{request['id']}/download").status_code == 403
    assert _denials(portal, "inst", "export_expired")
    listed = {r["id"]: r for r in inst.get("/api/exports").json()["requests"]}
    assert listed[request["id"]]["state"] == "expired"


def test_the_requester_never_approves_their_own_export(portal):
    officer = client_for(portal, "officer")
    request = officer.post("/api/exports", json={"release_id": PUB, "purpose": "统计分析", "days": 3}).json()
    assert officer.post(f"/api/exports/{request['id']}/decision", json={"approve": True}).status_code == 403
    assert _denials(portal, "officer", "requester_cannot_approve")
    rejected = client_for(portal, "convener").post(f"/api/exports/{request['id']}/decision",
                                                   json={"approve": False}).json()
    assert rejected["state"] == "rejected" and rejected["expires_at"] is None
    assert officer.get(f"/api/exports/{request['id']}/download").status_code == 403


def test_an_export_needs_a_purpose_a_visible_release_and_a_sane_length(portal):
    inst = client_for(portal, "inst")
    assert inst.post("/api/exports", json={"release_id": PUB, "purpose": " ", "days": 7}).status_code == 409
    assert inst.post("/api/exports", json={"release_id": PUB, "purpose": "x", "days": 90}).status_code == 409
    assert inst.post("/api/exports", json={"release_id": DRAFT, "purpose": "x", "days": 7}).status_code == 404
    assert inst.post("/api/exports", json={"release_id": OTHER, "purpose": "x", "days": 7}).status_code == 404
    assert client_for(portal, "auditor").post("/api/exports", json={"release_id": PUB, "purpose": "x",
                                                                    "days": 7}).status_code == 403


def test_the_export_pages_carry_csrf_and_the_approver_sees_the_region(portal):
    inst = _page_login(portal, "inst2")
    assert inst.post("/exports", data={"release_id": PUB, "purpose": "对比", "days": "5",
                                       "csrf_token": "forged"}).status_code == 403
    r = inst.post("/exports", data={"release_id": PUB, "purpose": "科室对比", "days": "5", "csrf_token": inst.csrf},
                  follow_redirects=False)
    assert r.status_code == 303
    page = _page_login(portal, "convener").get("/exports")
    assert page.status_code == 200 and "科室对比" in page.text and "批准" in page.text
    convener = _page_login(portal, "convener")
    request_id = max(r["id"] for r in client_for(portal, "inst2").get("/api/exports").json()["requests"])
    convener.post(f"/exports/{request_id}/decide", data={"approve": "1", "csrf_token": convener.csrf})
    mine = inst.get("/exports")
    assert f'/exports/{request_id}/download' in mine.text
    assert inst.get(f"/exports/{request_id}/download").status_code == 200


# ---- user administration ------------------------------------------------------------------------------


def test_the_administrator_disables_and_resets_passwords_in_the_portal(portal):
    add_user("temp", "institution", PW, portal.settings, actor="测试管理员", fixmedins=PEER, admdvs="140400")
    admin = _page_login(portal, "sysadmin")
    page = admin.get("/admin")
    assert 'action="/admin/users/temp/disable"' in page.text
    r = admin.post("/admin/users/temp/disable", data={"csrf_token": admin.csrf}, follow_redirects=False)
    assert r.status_code == 303 and "done" in r.headers["location"]
    assert not get_user("temp", portal.settings).active
    assert client_for(portal).post("/api/login", json={"username": "temp", "password": PW}).status_code == 401
    security = _page_login(portal, "secadmin")
    r = security.post("/admin/users/temp/reset-password", data={"csrf_token": security.csrf, "password": "new-password-2026"},
                      follow_redirects=False)
    assert r.status_code == 303 and "done" in r.headers["location"]
    assert client_for(portal).post("/api/login", json={"username": "temp", "password": "new-password-2026"}).status_code == 200
    r = security.post("/admin/users/temp/reset-password", data={"csrf_token": security.csrf, "password": "short"},
                      follow_redirects=False)
    assert "error" in r.headers["location"]  # the CLI's password rule, from the same service
    entries = {(e.action, e.username) for e in query_access(portal.settings, limit=200)}
    assert ("user_disable", "sysadmin") in entries and ("user_reset_password", "secadmin") in entries
    r = admin.post("/admin/users/sysadmin/disable", data={"csrf_token": admin.csrf}, follow_redirects=False)
    assert "error" in r.headers["location"] and get_user("sysadmin", portal.settings).active


def test_user_administration_is_refused_without_the_token_or_the_role(portal):
    admin = _page_login(portal, "sysadmin")
    assert admin.post("/admin/users/inst2/disable", data={"csrf_token": "forged"}).status_code == 403
    for user in ("auditor", "officer", "inst"):
        client = _page_login(portal, user)
        assert client.post("/admin/users/inst2/disable", data={"csrf_token": client.csrf}).status_code == 403, user
        assert _denials(portal, user, "admin_not_allowed")
    assert get_user("inst2", portal.settings).active


# ---- notices for users added after publication ----------------------------------------------------------


def test_a_user_added_after_publication_is_notified_at_first_login(portal):
    notify.deliver_pending(portal.settings)  # the portal started: the published releases announced
    add_user("late", "institution", PW, portal.settings, actor="测试管理员", fixmedins=OWN, admdvs="140400",
             email="late@example.test")  # as `liangjiadi user add` does
    late = get_user("late", portal.settings)
    assert notify.unread(portal.settings, late) == []
    page = _page_login(portal, "late").get("/releases")
    assert {n["release_id"] for n in notify.unread(portal.settings, late)} == {PUB, QUARTER}
    assert "已发布" in page.text
    client_for(portal, "late")  # a second login adds nothing
    assert len(notify.unread(portal.settings, late)) == 2


def test_a_user_added_in_the_portal_is_notified_when_added(portal):
    notify.deliver_pending(portal.settings)
    admin = _page_login(portal, "sysadmin")
    r = admin.post("/admin/users", data={"csrf_token": admin.csrf, "username": "late2", "role": "institution",
                                         "fixmedins": PEER, "admdvs": "140400", "password": "late-password-2026"},
                   follow_redirects=False)
    assert r.status_code == 303 and "done" in r.headers["location"]
    assert {n["release_id"] for n in notify.unread(portal.settings, get_user("late2", portal.settings))} == {PUB, QUARTER}


# ---- the pages × every role ------------------------------------------------------------------------------


ADMINS = {"sysadmin", "secadmin", "auditor"}


def page_cases():
    for user in USERS:
        yield user, "/exports", 403 if user in ADMINS else 200
        yield user, "/admin", 200 if user in ("sysadmin", "secadmin") else 403
        yield user, "/exports/999999/download", 403 if user in ADMINS else 404
        for rid, code in ((PUB, OWN), (DRAFT, OWN), (OTHER, OWN), (PUB, "H14050000001")):
            if user in ADMINS:
                status = 403
            elif user in ("officer", "convener"):
                status = 404 if code.startswith("H1405") else 200
                status = 404 if rid == OTHER else status
            elif user == "officer_other":
                status = 200 if rid == OTHER else 404
            elif rid == DRAFT and user != "member" or rid == OTHER and user != "province":
                status = 404
            else:
                status = 403
            yield user, f"/releases/{rid}/preview/{code}", status
            yield user, f"/api/releases/{rid}/preview/{code}", status


def test_every_new_page_and_route_for_every_role(portal):
    wrong, denials = [], 0
    before = len(query_access(portal.settings, action="denied", limit=100000))
    for user in USERS:
        client = client_for(portal, user)
        for who, path, expected in page_cases():
            if who == user:
                got = client.get(path).status_code
                if got != expected:
                    wrong.append(f"{user} {path}: {got}, expected {expected}")
                denials += expected in (403, 404)
    assert not wrong, "\n".join(wrong)
    assert len(query_access(portal.settings, action="denied", limit=100000)) - before == denials
