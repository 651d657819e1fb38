"""Objections through the API (seeds/001 §六(八)): who may raise, list and handle them; the value
is the release's; every transition is in the release audit log; refusals are 403/404 and logged."""

from __future__ import annotations

from datetime import date

from liangjiadi.accounts import query_access
from liangjiadi.releases import audit_log
from liangjiadi.releases.objections import add_working_days

from .conftest import DRAFT, FOREIGN, OTHER, OWN, PEER, PUB, client_for

URL = f"/api/releases/{PUB}/objections"


def test_working_days_skip_weekends_and_the_holidays():
    friday = date(2026, 9, 25)
    assert add_working_days(friday, 1) == date(2026, 9, 28)
    holidays = {date(2026, 10, d) for d in range(1, 8)}
    assert add_working_days(date(2026, 9, 30), 1, holidays) == date(2026, 10, 8)
    assert add_working_days(friday, 15) == date(2026, 10, 16)


def test_an_institution_objects_and_the_officer_answers(sqlite_portal):
    portal = sqlite_portal
    inst = client_for(portal, "inst")
    figures = inst.get(f"/api/releases/{PUB}/institutions/{OWN}").json()["figures"]
    figure = next(f for f in figures if f["value"] is not None)
    r = inst.post(URL, json={"indicator_id": figure["indicator_id"], "fixmedins_code": OWN, "text": "本院数据有误",
                             "scope": "当月", "published_value": "999999"})
    assert r.status_code == 201, r.text
    made = r.json()
    # the value is the release's (the client's is ignored), the same figure the portal shows
    assert made["state"] == "submitted" and made["published_value"] not in (None, "999999")
    from decimal import Decimal
    assert Decimal(made["published_value"]).quantize(Decimal("0.0001")) == Decimal(figure["value"]).quantize(
        Decimal("0.0001"))
    oid = made["id"]
    officer = client_for(portal, "officer")
    assert officer.post(f"/api/objections/{oid}/answer", json={"text": "x", "adopted": True}).status_code == 409
    assert officer.post(f"/api/objections/{oid}/accept", json={}).json()["state"] == "accepted"
    answered = officer.post(f"/api/objections/{oid}/answer", json={"text": "已核实，予以更正", "adopted": True}).json()
    assert answered["state"] == "answered" and answered["adopted"] is True and answered["state_cn"] == "已答复（采纳）"
    mine = inst.get("/api/objections").json()["objections"]
    assert [o["id"] for o in mine] == [oid] and mine[0]["answer"] == "已核实，予以更正"
    assert client_for(portal, "inst2").get("/api/objections").json()["objections"] == []
    assert oid in [o["id"] for o in officer.get("/api/objections").json()["objections"]]
    assert officer.post(f"/api/objections/{oid}/close", json={}).json()["state"] == "closed"
    actions = [e.action for e in audit_log(portal.settings, PUB)]
    assert actions[-4:] == ["objection_submit", "objection_accept", "objection_answer", "objection_close"]


def test_refusals_are_403_or_404_and_logged(sqlite_portal):
    portal = sqlite_portal
    before = len(query_access(portal.settings, action="denied", limit=100000))
    inst = client_for(portal, "inst")
    ok = inst.post(URL, json={"fixmedins_code": OWN, "text": "整体意见"})
    assert ok.status_code == 201 and ok.json()["published_value"] is None
    oid = ok.json()["id"]
    refused = [
        (inst, URL, {"indicator_id": "1", "fixmedins_code": PEER, "text": "x"}, 403),
        (inst, URL, {"indicator_id": "1", "fixmedins_code": FOREIGN, "text": "x"}, 403),
        (inst, f"/api/releases/{DRAFT}/objections", {"fixmedins_code": OWN, "text": "x"}, 404),
        (inst, f"/api/releases/{OTHER}/objections", {"fixmedins_code": OWN, "text": "x"}, 404),
        (client_for(portal, "officer"), URL, {"fixmedins_code": OWN, "text": "x"}, 403),
        (inst, f"/api/objections/{oid}/accept", {}, 403),
        (client_for(portal, "member"), f"/api/objections/{oid}/answer", {"text": "x", "adopted": False}, 403),
        (client_for(portal, "officer_other"), f"/api/objections/{oid}/accept", {}, 404),
        (client_for(portal, "officer"), "/api/objections/999999/accept", {}, 404),
    ]
    for client, url, body, status in refused:
        assert client.post(url, json=body).status_code == status, (url, body)
    assert client_for(portal, "auditor").get("/api/objections").status_code == 403
    logged = query_access(portal.settings, action="denied", limit=100000)
    assert len(logged) - before == len(refused) + 1
    # an answer without a reason is refused by the store (不采纳须说明理由)
    officer = client_for(portal, "officer")
    officer.post(f"/api/objections/{oid}/accept", json={})
    assert officer.post(f"/api/objections/{oid}/answer", json={"text": " ", "adopted": False}).status_code == 409
    assert client_for(portal, "officer_other").get("/api/objections").json()["objections"] == []


def test_the_next_monthly_release_reports_the_adopted_objection(sqlite_portal):
    import dataclasses

    from liangjiadi.releases.objections import answered_since_previous, frozen_objection
    from liangjiadi.reports import build as B
    from liangjiadi.reports.source import load_source

    portal = sqlite_portal
    inst, officer = client_for(portal, "inst"), client_for(portal, "officer")
    oid = inst.post(URL, json={"fixmedins_code": OWN, "text": "请说明次均费用是否含异地就医"}).json()["id"]
    officer.post(f"/api/objections/{oid}/accept", json={})
    officer.post(f"/api/objections/{oid}/answer", json={"text": "已在附注中说明口径", "adopted": True})
    # what `release create` of 2026-01 freezes (objections.json): answered since the 2025-12 release
    frozen = [frozen_objection(o) for o in answered_since_previous(portal.settings, "140400", "monthly", "2026-01")]
    mine = next(o for o in frozen if o["id"] == oid)
    assert mine["adopted"] is True and "submitted_by" not in mine and "answered_by" not in mine
    assert answered_since_previous(portal.settings, "140400", "monthly", "2025-12") == []  # not its own period's
    assert answered_since_previous(portal.settings, "140400", "quarterly", "2026-Q1") == []  # another kind
    # `release create` writes them into the bundle, which the readers hand to the report
    from liangjiadi.releases.snapshot import freeze_objections

    staging = portal.workdir / "staging-2026-01"
    staging.mkdir()
    assert freeze_objections(portal.settings, "140400", "monthly", "2026-01", staging) == len(frozen)
    import json
    assert json.loads((staging / "objections.json").read_text(encoding="utf-8")) == frozen
    empty = portal.workdir / "staging-2025-12"
    empty.mkdir()
    assert freeze_objections(portal.settings, "140400", "monthly", "2025-12", empty) == 0
    assert not (empty / "objections.json").exists()
    # the report of a release whose bundle holds them says what was done with each
    src = load_source(PUB, portal.settings)
    src = dataclasses.replace(src, frozen=dataclasses.replace(src.frozen, objections=frozen))
    text = "\n".join(B.monthly_push(src).analysis)
    assert "上期意见采纳情况" in text and "请说明次均费用是否含异地就医" in text and "已在附注中说明口径（已采纳）" in text
    assert OWN not in text  # the institution is not named in a report every institution reads
