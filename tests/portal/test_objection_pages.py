"""Objections through the portal's pages: raised on one figure of the institution's push with an
attachment, answered by the officer, read back by the institution; files refused before anything
is recorded; overdue objections escalate once."""

from __future__ import annotations

from datetime import date, timedelta

from liangjiadi.accounts import query_access
from liangjiadi.releases import audit_log
from liangjiadi.releases import objections as O

from .conftest import OWN, PUB, client_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _post(client, url: str, data: dict | None = None, files=None):
    return client.post(url, data={"csrf_token": client.csrf, **(data or {})}, files=files, follow_redirects=False)


def test_an_institution_objects_to_a_figure_of_its_push_and_reads_the_answer(sqlite_portal):
    portal = sqlite_portal
    inst, officer = client_for(portal, "inst"), client_for(portal, "officer")
    dashboard = inst.get(f"/releases/{PUB}/institutions/{OWN}").text
    assert f"/releases/{PUB}/objections/new?indicator_id=" in dashboard  # the link beside each figure
    figure = inst.get(f"/api/releases/{PUB}/institutions/{OWN}").json()["figures"]
    iid = next(f["indicator_id"] for f in figure if f["value"] is not None)
    form = inst.get(f"/releases/{PUB}/objections/new?indicator_id={iid}").text
    assert f'value="{iid}" selected' in form
    before = len(O.list_objections(portal.settings))
    bad = _post(inst, f"/releases/{PUB}/objections", {"indicator_id": iid, "text": "数值有误"},
                files={"files": ("截图.png", b"GIF89a", "image/png")})
    assert "error" in bad.headers["location"] and len(O.list_objections(portal.settings)) == before
    r = _post(inst, f"/releases/{PUB}/objections", {"indicator_id": iid, "text": "本院当月出院人次少计 12 人次", "scope": "当月"},
              files={"files": ("截图.png", PNG, "image/png")})
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    made = O.list_objections(portal.settings, fixmedins_code=OWN)[-1]
    assert made["indicator_id"] == iid and made["published_value"] is not None and made["state"] == "submitted"
    listing = officer.get("/objections").text
    assert f'data-objection="{made["id"]}"' in listing and "截图.png" in listing
    assert _post(inst, f"/objections/{made['id']}/accept").status_code == 403
    _post(officer, f"/objections/{made['id']}/accept")
    _post(officer, f"/objections/{made['id']}/answer", {"text": "经核实属实，下期更正", "adopted": "1"})
    answered = O.get_objection(portal.settings, made["id"])
    assert answered["state_cn"] == "已答复（采纳）" and answered["answer"] == "经核实属实，下期更正"
    mine = inst.get("/objections").text
    assert "经核实属实，下期更正" in mine and "已答复（采纳）" in mine
    assert "经核实属实" not in client_for(portal, "inst2").get("/objections").text
    attachment = int(mine.split('href="/attachments/')[1].split('"')[0])
    assert client_for(portal, "inst2").get(f"/attachments/{attachment}").status_code == 404
    assert inst.get(f"/attachments/{attachment}").content == PNG
    assert query_access(portal.settings, action="download", username="inst")[0].detail["attachment"] == attachment
    assert "attachment_upload" in [e.action for e in audit_log(portal.settings, PUB)]


def test_overdue_objections_escalate_once(sqlite_portal):
    portal = sqlite_portal
    inst = client_for(portal, "inst")
    oid = inst.post(f"/api/releases/{PUB}/objections", json={"fixmedins_code": OWN, "text": "整体意见"}).json()["id"]
    due = date.fromisoformat(O.get_objection(portal.settings, oid)["due_on"])
    assert oid not in [x["id"] for x in O.escalate_overdue(portal.settings, "140400", today=due)]
    marked = O.escalate_overdue(portal.settings, "140400", today=due + timedelta(days=1))
    assert oid in [x["id"] for x in marked] and O.get_objection(portal.settings, oid)["escalated"]
    assert O.escalate_overdue(portal.settings, "140400", today=due + timedelta(days=9)) == []
    officer = client_for(portal, "officer")
    assert _post(officer, "/objections/escalate").status_code == 303
    assert "已督办" in officer.get("/objections").text
