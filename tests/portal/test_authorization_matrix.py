"""Every API route × every role, with another region's and another institution's ids, a draft, a
corrected (已被修订) and a withdrawn (已撤回) release; every refusal is 403/404 and is in the access log.

The expectations are written out here, not derived from portal/access.py, so that a change to
the rules shows up as a failing cell.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from liangjiadi.accounts import query_access

from .conftest import (
    DRAFT, FOREIGN, OTHER, OWN, PEER, PUB, QUARTER, REVISED, USERS, WITHDRAWAL_REASON, WITHDRAWN, client_for,
)

ADMINS = {"sysadmin", "secadmin", "auditor"}
STAFF = {"officer", "member", "convener", "officer_other"}  # the region's staff (officer_other: of 140500)
OUTSIDE = {"inst", "inst2", "county", "province", "supervisor"}
OWN_PUSH = f"reports/定向推送/{OWN}.docx"
REPORT = "reports/月推送_140400_2025-12.docx"
WORKSHEET = "reports/数据底稿_140400_2025-12.xlsx"

# which releases each user sees
VISIBLE = {u: set() for u in USERS}
for u in ("officer", "member", "convener"):
    VISIBLE[u] = {PUB, QUARTER, DRAFT, REVISED, WITHDRAWN}
for u in OUTSIDE:
    VISIBLE[u] = {PUB, QUARTER, REVISED, WITHDRAWN}
VISIBLE["province"] = {PUB, QUARTER, REVISED, WITHDRAWN, OTHER}  # every region of its province, region-level only
VISIBLE["officer_other"] = {OTHER}


def release_status(user: str, release_id: str) -> int:
    if user in ADMINS:
        return 403
    return 200 if release_id in VISIBLE[user] else 404


def institution_status(user: str, release_id: str, code: str) -> int:
    first = release_status(user, release_id)
    if first != 200:
        return first
    if code == FOREIGN:  # not in the release
        return 403 if user in ("inst", "inst2") else 404
    if user in STAFF:
        return 200
    if user == "inst":
        return 200 if code == OWN else 403
    if user == "inst2":
        return 200 if code == PEER else 403
    return 403  # county 140402 has none of these; province and supervisor see region figures only


def file_status(user: str, release_id: str, path: str) -> int:
    first = release_status(user, release_id)
    if first != 200:
        return first
    if path == "reports/nope.docx":
        return 404
    if user in STAFF:
        return 200
    if path == REPORT:
        return 200
    if path == OWN_PUSH:
        return 200 if user == "inst" else 403
    return 403  # the worksheet names every institution


def staff_status(user: str, release_id: str) -> int:
    first = release_status(user, release_id)
    return first if first != 200 else (200 if user in STAFF else 403)


def preview_status(user: str, release_id: str, code: str) -> int:
    """The officer and the convener of the release's region preview it as one of its institutions."""
    first = release_status(user, release_id)
    if first != 200:
        return first
    if user not in ("officer", "convener", "officer_other"):
        return 403
    return 404 if code == FOREIGN else 200


def cases():
    for user in USERS:
        yield user, "/api/releases", 403 if user in ADMINS else 200
        yield user, "/api/audit", 200 if user == "auditor" else 403
        yield user, "/api/objections", 200 if user in STAFF | {"inst", "inst2"} else 403
        yield user, "/api/exports", 403 if user in ADMINS else 200
        yield user, "/api/exports/999999/download", 403 if user in ADMINS else 404
        for rid in (PUB, DRAFT, REVISED, WITHDRAWN, OTHER, "140400-monthly-2099-01-v1"):
            status = release_status(user, rid)
            if rid.endswith("2099-01-v1") and status == 200:
                status = 404
            yield user, f"/api/releases/{rid}", 404 if rid.endswith("2099-01-v1") and user not in ADMINS else status
        for rid in (PUB, DRAFT, WITHDRAWN, OTHER):
            for code in (OWN, PEER, FOREIGN):
                yield user, f"/api/releases/{rid}/institutions/{code}", institution_status(user, rid, code)
            for path in (OWN_PUSH, REPORT, WORKSHEET, "reports/nope.docx"):
                yield user, f"/api/releases/{rid}/files/{quote(path)}", file_status(user, rid, path)
            yield user, f"/api/releases/{rid}/reads", staff_status(user, rid)
            yield user, f"/api/releases/{rid}/tier-requests", staff_status(user, rid)
            for code in (OWN, FOREIGN):
                yield user, f"/api/releases/{rid}/preview/{code}", preview_status(user, rid, code)


CASES = list(cases())


def test_without_a_session_every_api_route_but_login_is_401(portal):
    client = client_for(portal)
    paths = sorted({path for _, path, _ in CASES}) + ["/api/openapi.json", "/api/docs", "/api/me"]
    for path in paths:
        assert client.get(path).status_code == 401, path
    assert client.post("/api/logout", json={}).status_code == 401
    assert client.post("/api/login", json={"username": "inst", "password": "wrong-password"}).status_code == 401


def test_every_route_for_every_role(portal):
    before = len(query_access(portal.settings, action="denied", limit=100000))
    wrong = []
    denials = 0
    for user in USERS:
        client = client_for(portal, user)
        for who, path, expected in CASES:
            if who != user:
                continue
            got = client.get(path).status_code
            if got != expected:
                wrong.append(f"{user} {path}: {got}, expected {expected}")
            denials += expected in (403, 404)
    assert not wrong, "\n".join(wrong)
    logged = query_access(portal.settings, action="denied", limit=100000)
    assert len(logged) - before == denials
    assert all(e.status in (403, 404) and e.username in USERS and e.path.startswith("/api/") for e in logged)


def test_an_institution_sees_its_region_published_and_the_corrected_version_marked(portal):
    client = client_for(portal, "inst")
    listed = {r["release_id"]: r for r in client.get("/api/releases").json()["releases"]}
    assert set(listed) == {PUB, QUARTER, REVISED, WITHDRAWN}
    assert listed[REVISED]["revised"] and listed[REVISED]["state_cn"] == "已被修订"
    assert not listed[PUB]["revised"] and not listed[PUB]["withdrawn"] and listed[PUB]["mark"] is None
    # a withdrawal is not a correction: its own state, its reason, its own mark
    gone = listed[WITHDRAWN]
    assert gone["state"] == "withdrawn" and gone["state_cn"] == "已撤回" and not gone["revised"]
    assert gone["withdrawn"] and gone["withdrawal_reason"] == WITHDRAWAL_REASON and gone["withdrawn_at"]
    assert "撤回" in gone["mark"] and WITHDRAWAL_REASON in gone["mark"] and "更正版本" not in gone["mark"]
    assert "更正" in listed[REVISED]["mark"] and "撤回" not in listed[REVISED]["mark"]
    assert client.get(f"/api/releases/{WITHDRAWN}").json()["release"]["state"] == "withdrawn"
    detail = client.get(f"/api/releases/{PUB}").json()
    assert not any(f.startswith("reports/定向推送/") and OWN not in f for f in detail["files"])
    assert not any("数据底稿" in f for f in detail["files"])


def test_guessing_ids_is_logged_with_the_user_and_the_id(portal):
    client = client_for(portal, "inst")
    assert client.get(f"/api/releases/{PUB}/institutions/{PEER}").status_code == 403
    entry = query_access(portal.settings, action="denied", username="inst", fixmedins_code=PEER)[0]
    assert entry.release_id == PUB and entry.detail["reason"] == "institution_not_allowed"


def test_the_api_takes_json_bodies_only(portal):
    client = client_for(portal, "officer")
    r = client.post(f"/api/releases/{DRAFT}/tier-requests", data={"indicator_id": "10", "tier": "named", "reason": "x"})
    assert r.status_code == 415
    assert client.post("/api/login", content="username=inst", headers={"content-type": "text/plain"}).status_code == 415


def test_session_cookie_is_httponly_samesite_strict_and_secure_by_default(portal):
    from fastapi.testclient import TestClient

    from liangjiadi.portal import create_app

    secure = TestClient(create_app(portal.settings.model_copy(update={"portal_cookie_secure": True})),
                        base_url="https://testserver")
    r = secure.post("/api/login", data={"username": "inst", "password": "correct-horse-battery"})
    cookie = r.headers["set-cookie"].lower()
    assert r.status_code == 200 and "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    plain = client_for(portal).post("/api/login", json={"username": "inst", "password": "correct-horse-battery"})
    assert "secure" not in plain.headers["set-cookie"].lower()


@pytest.mark.parametrize("user", ["inst"])
def test_the_figures_are_the_releases(portal, user):
    import pyarrow.parquet as pq

    import json

    from liangjiadi.portal.figures import number
    from liangjiadi.releases.suppression import small_figure

    client = client_for(portal, user)
    body = client.get(f"/api/releases/{PUB}/institutions/{OWN}").json()
    bundle = portal.workdir / "releases" / "140400" / "monthly" / "2025-12" / "v1"
    units = {i["id"]: i["unit"] for i in json.loads((bundle / "indicators.json").read_text(encoding="utf-8"))}

    def shown(r):  # the release's small-count rule withholds a figure from fewer than 5 cases
        small = small_figure(units.get(r["indicator_id"]), r["value"], r["denominator"], 5)
        return (small if small.startswith("<") else None) if small else number(r["value"])
    frozen = {r["indicator_id"]: shown(r) for r in pq.read_table(bundle / "results.parquet").to_pylist()
              if r["fixmedins_code"] == OWN}
    assert {f["indicator_id"]: f["value"] for f in body["figures"]} == frozen
    assert body["files"] and all(OWN in f for f in body["files"])
    # anonymous percentile by default: the peers' names never reach another institution
    names = {r["label"] for ind in body["peers"].values() for r in ind["peers"]}
    assert names <= {body["institution"]["name"]}
