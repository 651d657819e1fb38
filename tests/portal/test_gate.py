"""The gate (portal/gate.py), on SQLite and PostgreSQL: every request's session is read from the
database, so that a disabled user, an expired account or a closed session is refused at the next
request; the release of the path is read with it in one statement and is never stale; pages
without a session go to the login page, the API answers 401; every answer has the security
headers. Several of these fail at once if the gate is left out of the app."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from liangjiadi.accounts import disable_user, query_access
from liangjiadi.accounts.store import SessionRow, UserRow
from liangjiadi.portal import notify
from liangjiadi.portal.gate import release_id_in, take_release
from liangjiadi.releases.store import ReleaseRow, session_scope, utcnow

from .conftest import OWN, PEER, PUB, client_for

HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


def _secured(response, page: bool) -> bool:
    return (all(response.headers.get(k) == v for k, v in HEADERS.items())
            and ("content-security-policy" in response.headers) == page)


def test_without_a_session_pages_go_to_login_the_api_is_401_and_every_answer_is_secured(portal):
    client = client_for(portal)
    page = client.get(f"/releases/{PUB}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login" and _secured(page, page=True)
    for path in ("/api/releases", "/api/no-such-route", f"/api/releases/{PUB}"):  # 401 before any routing
        answer = client.get(path)
        assert answer.status_code == 401 and _secured(answer, page=False), path
        assert answer.headers["cache-control"] == "no-store"
    login = client.get("/login")
    assert login.status_code == 200 and _secured(login, page=True)
    script = client.get("/static/echarts.min.js")
    assert script.status_code == 200 and script.headers["cache-control"] == "private, max-age=3600"
    forged = client_for(portal)
    forged.cookies.set("ljd_session", "not-a-session-token")
    assert forged.get("/api/releases").status_code == 401


def test_the_api_refuses_bodies_that_are_not_json_for_every_writing_method(portal):
    client = client_for(portal, "officer")
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        answer = client.request(method, "/api/objections/1/accept", content="x", headers={"content-type": "text/plain"})
        assert answer.status_code == 415 and _secured(answer, page=False), method


def test_a_disabled_user_a_closed_session_and_an_expired_account_are_refused_at_the_next_request(portal):
    from liangjiadi.accounts import add_user

    from .conftest import PW

    for name in ("gate_a", "gate_b", "gate_c"):
        add_user(name, "institution", PW, portal.settings, actor="测试管理员", fixmedins=OWN, admdvs="140400")
    a, b, c = (client_for(portal, n) for n in ("gate_a", "gate_b", "gate_c"))
    dashboard = f"/releases/{PUB}/institutions/{OWN}"
    for client in (a, b, c):  # a page that the cache now holds, and the API
        assert client.get(dashboard).status_code == 200 and client.get("/api/releases").status_code == 200
    disable_user("gate_a", portal.settings, actor="测试管理员")
    with session_scope(portal.settings) as session:
        session.execute(update(SessionRow).where(SessionRow.user_id == select_user_id("gate_b", session))
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
        session.execute(update(UserRow).where(UserRow.username == "gate_c")
                        .values(valid_until=utcnow() - timedelta(seconds=1)))
    for client in (a, b, c):
        assert client.get("/api/releases").status_code == 401
        assert client.get(f"/api/releases/{PUB}/institutions/{OWN}").status_code == 401
        page = client.get(dashboard, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login"


def select_user_id(username: str, session) -> int:
    return session.query(UserRow.user_id).filter(UserRow.username == username).scalar()


def test_the_release_read_with_the_session_is_the_current_one_and_refusals_are_logged(portal):
    client = client_for(portal, "inst")
    assert client.get(f"/api/releases/{PUB}").status_code == 200
    assert client.get(f"/releases/{PUB}/institutions/{OWN}").status_code == 200
    before = len(query_access(portal.settings, action="denied", username="inst", release_id=PUB, limit=100000))
    with session_scope(portal.settings) as session:  # back to a draft: no institution may see it any more
        session.execute(update(ReleaseRow).where(ReleaseRow.release_id == PUB).values(state="draft"))
    try:
        assert client.get(f"/api/releases/{PUB}").status_code == 404
        assert client.get(f"/releases/{PUB}/institutions/{OWN}").status_code == 404
        assert client.get(f"/api/releases/{PUB}/institutions/{OWN}").status_code == 404
    finally:
        with session_scope(portal.settings) as session:
            session.execute(update(ReleaseRow).where(ReleaseRow.release_id == PUB).values(state="published"))
    denied = query_access(portal.settings, action="denied", username="inst", release_id=PUB, limit=100000)
    assert len(denied) - before == 3 and all(e.detail["reason"] == "release_not_visible" for e in denied[:3])
    assert client.get(f"/api/releases/{PUB}").status_code == 200
    assert client.get(f"/api/releases/{PUB}/institutions/{PEER}").status_code == 403  # another institution
    assert query_access(portal.settings, action="denied", username="inst", fixmedins_code=PEER)[0].status == 403
    views = query_access(portal.settings, action="view", username="inst", release_id=PUB, limit=100000)
    assert views and views[0].fixmedins_code == OWN


def test_the_release_page_marks_its_notice_read_and_only_its_own(portal):
    from liangjiadi.accounts import add_user, get_user

    from .conftest import PW, QUARTER

    add_user("gate_reader", "institution", PW, portal.settings, actor="测试管理员", fixmedins=OWN, admdvs="140400")
    reader = get_user("gate_reader", portal.settings)
    with session_scope(portal.settings) as session:
        for release_id in (PUB, QUARTER):
            session.add(notify.NotificationRow(user_id=reader.user_id, release_id=release_id, message="已发布",
                                               created_at=utcnow()))
    client = client_for(portal, "gate_reader")
    assert {n["release_id"] for n in notify.unread(portal.settings, reader)} == {PUB, QUARTER}
    assert client.get(f"/api/releases/{PUB}").status_code == 200  # the API marks nothing
    assert {n["release_id"] for n in notify.unread(portal.settings, reader)} == {PUB, QUARTER}
    assert client.get(f"/releases/{PUB}").status_code == 200
    left = {n["release_id"] for n in notify.unread(portal.settings, reader)}
    assert PUB not in left and QUARTER in left
    assert client.get(f"/releases/{PUB}").status_code == 200  # nothing left to mark: still fine


def test_the_gate_reads_the_release_of_a_get_path_only_and_hands_it_over_once():
    assert release_id_in("GET", "/releases/R1") == "R1"
    assert release_id_in("GET", "/api/releases/R1/institutions/H1") == "R1"
    assert release_id_in("HEAD", "/releases/R1/files/reports/x.docx") == "R1"
    assert release_id_in("GET", "/releases") is None and release_id_in("GET", "/api/releases") is None
    assert release_id_in("POST", "/releases/R1/rules/request") is None  # a write reads its release itself
    assert release_id_in("GET", "/objections/R1") is None

    class Request:
        scope = {"state": {"ljd_release": ("R1", "the release")}}

    assert take_release(Request, "R2") == (False, None)  # another id: read by the caller
    Request.scope["state"]["ljd_release"] = ("R1", "the release")
    assert take_release(Request, "R1") == (True, "the release")
    assert take_release(Request, "R1") == (False, None)  # once: a second read goes to the database
