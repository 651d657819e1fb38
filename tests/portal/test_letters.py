"""点名提醒 and attachments through the portal's pages (seeds/001 §六(七), 附录2(三)): the officer
issues a 提醒函 from a release's findings; the institution signs the 回执 and uploads its 自查报告;
the officer routes and closes; who may do what; the files' limits; downloads logged; overdue
letters escalate once; what the next release freezes and prints."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pyarrow.parquet as pq
import pytest
from docx import Document

from liangjiadi.accounts import add_user, query_access
from liangjiadi.releases import audit_log, get_release
from liangjiadi.releases import letters as L

from .conftest import OWN, PUB, PW, client_for

PDF = b"%PDF-1.4\n% self-check report\n"


def _named(portal) -> str:
    """An institution of the demo's monthly release with findings about it, and its user."""
    rows = pq.read_table(get_release(PUB, portal.settings).path_of("findings.parquet")).to_pylist()
    code = sorted({r["fixmedins_code"] for r in rows if r["fixmedins_code"]})[0]
    if "named" not in portal.users:
        add_user("named", "institution", PW, portal.settings, actor="测试管理员", display_name="被点名机构",
                 fixmedins=code, admdvs="140400")
        portal.users["named"] = ("institution", {"fixmedins": code})
    return code


def _post(client, url: str, data: dict | None = None, files=None):
    return client.post(url, data={"csrf_token": client.csrf, **(data or {})}, files=files, follow_redirects=False)


@pytest.fixture(scope="module")
def issued(sqlite_portal):
    portal = sqlite_portal
    code = _named(portal)
    officer = client_for(portal, "officer")
    r = _post(officer, "/letters/issue", {"release_id": PUB, "codes": code})
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    letter = next(x for x in L.list_letters(portal.settings, release_id=PUB) if x["fixmedins_code"] == code)
    return portal, code, letter


def test_the_officer_issues_a_word_letter_with_the_findings_and_the_deadline(issued):
    portal, code, letter = issued
    assert letter["state"] == "issued" and letter["findings"]
    due = date.fromisoformat(letter["due_on"])
    assert due.weekday() < 5 and (due - date.today()).days >= 15 + 4  # 15 working days: three weekends at least
    named = client_for(portal, "named")
    r = named.get(f"/letters/{letter['id']}/document")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    cells = "\n".join(c.text for t in Document(io.BytesIO(r.content)).tables for row in t.rows for c in row.cells)
    assert "点名提醒函" in text and letter["due_on"] in text and "自查" in text and "15个工作日" in text
    assert letter["findings"][0]["message"] in cells
    assert query_access(portal.settings, action="download", username="named")[0].detail["letter"] == letter["id"]
    # a second letter about the same release is not sent to the same institution
    officer = client_for(portal, "officer")
    _post(officer, "/letters/issue", {"release_id": PUB, "codes": code})
    assert len([x for x in L.list_letters(portal.settings, release_id=PUB) if x["fixmedins_code"] == code]) == 1
    # an institution without findings in the release cannot be named
    refused = _post(officer, "/letters/issue", {"release_id": PUB, "codes": OWN})
    assert "error" in refused.headers["location"]


def test_who_may_read_and_act_on_a_letter(issued):
    portal, code, letter = issued
    lid = letter["id"]
    assert client_for(portal, "inst").get(f"/letters/{lid}").status_code == 404  # another institution
    assert client_for(portal, "officer_other").get(f"/letters/{lid}").status_code == 404
    assert _post(client_for(portal, "inst"), f"/letters/{lid}/sign").status_code == 404
    assert _post(client_for(portal, "officer"), f"/letters/{lid}/sign").status_code == 403  # the institution signs
    assert _post(client_for(portal, "named"), f"/letters/{lid}/route", {"to": "基金监管"}).status_code == 403
    assert _post(client_for(portal, "member"), "/letters/issue", {"release_id": PUB, "codes": code}).status_code == 403
    assert client_for(portal, "named").get("/api/letters").json()["letters"][0]["id"] == lid
    assert client_for(portal, "inst").get("/api/letters").json()["letters"] == []
    no_csrf = client_for(portal, "named").post(f"/letters/{lid}/sign", data={"csrf_token": "x"}, follow_redirects=False)
    assert no_csrf.status_code == 403


def test_receipt_self_check_report_routing_and_outcome(issued):
    portal, code, letter = issued
    lid = letter["id"]
    named, officer = client_for(portal, "named"), client_for(portal, "officer")
    # no report before the 回执
    assert "error" in _post(named, f"/letters/{lid}/report", {"text": "x"},
                            files={"files": ("自查报告.pdf", PDF, "application/pdf")}).headers["location"]
    assert _post(named, f"/letters/{lid}/sign").status_code == 303
    assert L.get_letter(portal.settings, lid)["state"] == "signed"
    # files are checked: a renamed program, a type not allowed, nothing at all
    for name, data in (("报告.pdf", b"MZ\x90\x00program"), ("报告.exe", b"MZ\x90\x00"), ("报告.pdf", b"")):
        r = _post(named, f"/letters/{lid}/report", {"text": "x"}, files={"files": (name, data, "application/pdf")})
        assert "error" in r.headers["location"], name
    assert L.get_letter(portal.settings, lid)["state"] == "signed"
    r = _post(named, f"/letters/{lid}/report", {"text": "已逐条核实，两例为编码错误，已整改"},
              files={"files": ("../../etc/自查报告.pdf", PDF, "application/pdf")})
    assert "error" not in r.headers["location"], r.headers["location"]
    reported = L.get_letter(portal.settings, lid)
    assert reported["state"] == "reported" and reported["report_text"].startswith("已逐条核实")
    page = named.get(f"/letters/{lid}").text
    assert "自查报告.pdf" in page and "etc" not in page.split("自查报告.pdf")[0][-40:]
    # stored outside the database, under the workdir, by a random name
    stored = list((portal.workdir / "attachments" / "letter" / str(lid)).iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PDF and "自查" not in stored[0].name
    attachment_id = int(page.split('href="/attachments/')[1].split('"')[0])
    assert client_for(portal, "inst").get(f"/attachments/{attachment_id}").status_code == 404
    got = officer.get(f"/attachments/{attachment_id}")
    assert got.status_code == 200 and got.content == PDF
    assert query_access(portal.settings, action="download", username="officer")[0].detail["attachment"] == attachment_id
    # routed to 基金监管, then closed with the outcome of the 核查
    assert _post(officer, f"/letters/{lid}/route", {"to": "基金监管", "note": "涉嫌分解住院"}).status_code == 303
    routed = L.get_letter(portal.settings, lid)
    assert routed["state"] == "routed" and routed["state_cn"] == "已移交核查（基金监管核查）"
    assert "error" in _post(officer, f"/letters/{lid}/close", {"outcome": " "}).headers["location"]
    _post(officer, f"/letters/{lid}/close", {"outcome": "经基金监管核查，追回违规费用 3,200 元"})
    closed = L.get_letter(portal.settings, lid)
    assert closed["state"] == "closed" and closed["state_cn"] == "已办结（经基金监管核查）"
    actions = [e.action for e in audit_log(portal.settings, PUB) if e.detail.get("letter") == lid]
    assert actions == ["letter_issue", "letter_sign", "letter_report", "letter_route", "letter_close"]


def test_overdue_letters_escalate_once(sqlite_portal):
    portal = sqlite_portal
    release = get_release(PUB, portal.settings)
    codes = sorted(L.release_findings(release))
    letter = L.issue(portal.settings, release, "officer", codes=[codes[-1]], days=3)[0]
    due = date.fromisoformat(letter["due_on"])
    assert L.escalate_overdue(portal.settings, "140400", today=due) == []  # due today: not yet overdue
    marked = L.escalate_overdue(portal.settings, "140400", today=due + timedelta(days=1))
    assert letter["id"] in [x["id"] for x in marked] and all(x["escalated"] and x["overdue"] for x in marked)
    assert L.escalate_overdue(portal.settings, "140400", today=due + timedelta(days=30)) == []  # once
    assert "letter_escalate" in [e.action for e in audit_log(portal.settings, PUB)]
    assert L.escalate_overdue(portal.settings, "140500", today=due + timedelta(days=1)) == []  # another region's


def test_the_next_release_freezes_and_prints_every_open_letter(issued, tmp_path):
    from liangjiadi.releases.snapshot import freeze_letters
    from liangjiadi.reports.feedback import letter_lines

    portal, code, letter = issued
    staging = tmp_path / "staging"
    staging.mkdir()
    assert freeze_letters(portal.settings, "140400", "quarterly", "2026-Q1", staging) >= 1
    import json

    frozen = json.loads((staging / "letters.json").read_text(encoding="utf-8"))
    mine = next(x for x in frozen if x["id"] == letter["id"])
    assert "issued_by" not in mine and "closed_by" not in mine and mine["patterns"]
    lines = letter_lines(frozen)
    assert lines[0].startswith("点名提醒办理情况：共") and any(f"第{letter['id']}号提醒函" in x for x in lines)


def test_the_letter_and_objection_commands(sqlite_portal):
    from typer.testing import CliRunner

    from liangjiadi.cli.main import app

    portal = sqlite_portal
    release = get_release(PUB, portal.settings)
    runner = CliRunner()
    env = {"COLUMNS": "200", "LJD_USER": "数据专员"}
    wd = ["--workdir", str(portal.workdir)]
    issued = runner.invoke(app, ["letter", "issue", PUB, "-i", OWN, *wd], env=env)
    assert issued.exit_code == 2 and "没有涉及" in issued.output and "Traceback" not in issued.output
    listed = runner.invoke(app, ["letter", "list", *wd], env=env)
    assert listed.exit_code == 0 and "提醒函" in listed.output
    L.issue(portal.settings, release, "officer")  # every institution named in the release not yet sent one
    lid = next(x["id"] for x in L.list_letters(portal.settings) if x["state"] == "issued")
    early = runner.invoke(app, ["letter", "route", str(lid), "--to", "基金监管", *wd], env=env)
    assert early.exit_code == 2 and "不能移交核查" in early.output
    wrong = runner.invoke(app, ["letter", "close", str(lid), "--outcome", " ", *wd], env=env)
    assert wrong.exit_code == 2 and "办结须写明结论" in wrong.output
    escalated = runner.invoke(app, ["letter", "list", "--open", "--escalate", *wd], env=env)
    assert escalated.exit_code == 0 and "本次督办逾期提醒函 0 份" in escalated.output
    objections = runner.invoke(app, ["objection", "list", *wd], env=env)
    assert objections.exit_code == 0 and "异议" in objections.output
    missing = runner.invoke(app, ["objection", "answer", "999999", "--text", "x", "--adopted", *wd], env=env)
    assert missing.exit_code == 2 and "没有编号为 999999 的异议" in missing.output
