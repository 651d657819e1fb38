"""Pages (CSRF on every form, watermark in the access log, xlsx export) and delivery by mail to a
local SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import io
import re
import socket

import pytest

from liangjiadi.accounts import query_access
from liangjiadi.portal.notify import deliver_pending
from liangjiadi.portal.rules import RuleError, decide, request_tier
from liangjiadi.accounts import get_user
from liangjiadi.portal.catalog import find_release

from .conftest import DRAFT, OWN, PUB, PW, WITHDRAWN, client_for


def _page_login(portal, username):
    client = client_for(portal)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": PW, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    return client


def test_a_login_form_without_its_token_is_refused(sqlite_portal):
    client = client_for(sqlite_portal)
    client.get("/login")
    r = client.post("/login", data={"username": "inst", "password": PW, "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 303 and "error" in r.headers["location"]
    assert client.get("/releases", follow_redirects=False).status_code == 303  # still no session


def test_page_forms_need_the_sessions_csrf_token(sqlite_portal):
    client = _page_login(sqlite_portal, "officer")
    r = client.post(f"/releases/{DRAFT}/rules/request", data={"indicator_id": "10", "tier": "code", "reason": "x",
                                                             "csrf_token": "forged"})
    assert r.status_code == 403
    assert query_access(sqlite_portal.settings, action="denied", username="officer")[0].detail["reason"] == "csrf"


def test_every_page_view_has_a_watermark_in_the_access_log(sqlite_portal):
    client = _page_login(sqlite_portal, "inst")
    html = client.get(f"/releases/{PUB}/institutions/{OWN}").text
    wm = re.search(r'data-watermark-id="([0-9a-f]+)"', html).group(1)
    assert wm in html and "inst姓名" in html
    entry = query_access(sqlite_portal.settings, watermark_id=wm)[0]
    assert (entry.username, entry.release_id, entry.fixmedins_code) == ("inst", PUB, OWN)


def test_the_auditor_filters_and_exports_the_access_log(sqlite_portal):
    from openpyxl import load_workbook

    client_for(sqlite_portal, "inst").get(f"/api/releases/{PUB}/institutions/H14040000002")  # a denial
    client = _page_login(sqlite_portal, "auditor")
    page = client.get("/audit", params={"action": "denied", "username": "inst"})
    assert page.status_code == 200 and "H14040000002" in page.text
    book = load_workbook(io.BytesIO(client.get("/audit/export.xlsx", params={"action": "denied"}).content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0].startswith("时间") and any(r[7] == PUB and r[8] == "H14040000002" for r in rows[1:])
    assert query_access(sqlite_portal.settings, action="export", username="auditor")
    assert _page_login(sqlite_portal, "officer").get("/audit").status_code == 403


def test_tiers_change_only_by_the_conveners_approval_of_another_users_request(sqlite_portal):
    s = sqlite_portal.settings
    draft, published = find_release(s, DRAFT), find_release(s, PUB)
    convener, officer, inst = get_user("convener", s), get_user("officer", s), get_user("inst", s)
    own = request_tier(s, convener, draft, "11", "code", "试行匿名代号", {"11"})
    with pytest.raises(RuleError, match="申请人不能审批"):
        decide(s, convener, draft, own["id"], True)
    other = request_tier(s, officer, draft, "11", "code", "试行匿名代号", {"11"})
    with pytest.raises(RuleError, match="只有召集人"):
        decide(s, officer, draft, other["id"], True)
    assert decide(s, convener, draft, other["id"], True)["state"] == "approved"
    with pytest.raises(RuleError, match="发布后"):
        request_tier(s, officer, published, "11", "named", "x", {"11"})
    with pytest.raises(RuleError, match="只有数据专员"):
        request_tier(s, inst, draft, "11", "named", "x", {"11"})


def test_a_published_release_is_announced_by_mail_to_its_institutions(sqlite_portal):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = sqlite_portal.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        sent = deliver_pending(settings)
        assert deliver_pending(settings) == 0  # announced once
    finally:
        controller.stop()
    recipients = sorted(r for m in inbox.messages for r in m.rcpt_tos)
    # two published releases of 140400, and its withdrawn one (announced as withdrawn)
    assert sent == 6 and recipients == ["inst2@example.test"] * 3 + ["inst@example.test"] * 3
    from liangjiadi.portal.notify import unread

    notes = {n["release_id"]: n["message"] for n in unread(settings, get_user("inst", settings))}
    assert "已撤回" in notes[WITHDRAWN] and "已发布" in notes[PUB]
    from email import message_from_bytes, policy

    body = message_from_bytes(inbox.messages[0].content, policy=policy.default).get_body().get_content()
    assert "门户" in body and "H14040000001" not in body
    client = _page_login(sqlite_portal, "inst")
    assert "已发布" in client.get("/releases").text


def test_pages_are_never_cached_and_load_scripts_from_the_package_only(sqlite_portal):
    client = _page_login(sqlite_portal, "inst")
    page = client.get(f"/releases/{PUB}/institutions/{OWN}")
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in "".join(re.findall(r'<script[^>]*src="([^"]+)"', page.text))
    assert client.get("/static/echarts.min.js").status_code == 200
    preview = _page_login(sqlite_portal, "officer").get(f"/releases/{PUB}/preview", params={"code": OWN})
    assert preview.status_code == 200 and "预览" in preview.text


def test_the_system_administrator_opens_accounts_in_the_ui(sqlite_portal):
    from liangjiadi.accounts import authenticate

    admin = _page_login(sqlite_portal, "sysadmin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin").text).group(1)
    form = {"csrf_token": csrf, "username": "inst3", "role": "institution", "fixmedins": "H14040000003",
            "admdvs": "140400", "password": PW}
    assert admin.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    assert authenticate("inst3", PW, sqlite_portal.settings).fixmedins_code == "H14040000003"
    bad = admin.post("/admin/users", data={**form, "username": "inst4", "fixmedins": ""})
    assert "机构编码" in bad.text
    secadmin = _page_login(sqlite_portal, "secadmin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', secadmin.get("/admin").text).group(1)
    assert secadmin.post("/admin/users", data={**form, "csrf_token": csrf, "username": "inst5"}).status_code == 403


def test_withdrawing_on_the_command_line_tells_the_institutions_at_once(demo, tmp_path, _cheap_hasher):
    """Without the portal restarting: the notice is there when `release withdraw` returns."""
    from typer.testing import CliRunner

    from liangjiadi.cli.main import app
    from liangjiadi.portal.notify import unread
    from liangjiadi.releases.store import dispose_engines

    from .conftest import build_portal

    portal = build_portal(demo, tmp_path, None, "sqlite")
    try:
        deliver_pending(portal.settings)  # the portal ran once: everything published so far announced
        before = {n["release_id"] for n in unread(portal.settings, get_user("inst", portal.settings))}
        result = CliRunner().invoke(app, ["release", "withdraw", PUB, "--reason", "出院人次口径有误", "--by", "张三",
                                          "--workdir", str(portal.workdir)])
        assert result.exit_code == 0, result.output
        assert "已向 2 个机构用户发出撤回通知" in result.output
        notes = [n for n in unread(portal.settings, get_user("inst", portal.settings)) if n["release_id"] == PUB]
        assert PUB in before and any("已撤回" in n["message"] for n in notes)
        assert deliver_pending(portal.settings) == 0  # not told twice when the portal starts
    finally:
        dispose_engines()


def test_a_withdrawal_whose_notice_fails_is_still_done_and_says_so(demo, tmp_path, _cheap_hasher, monkeypatch):
    from sqlalchemy.exc import OperationalError
    from typer.testing import CliRunner

    from liangjiadi.cli.main import app
    from liangjiadi.portal import notify
    from liangjiadi.releases.store import dispose_engines

    from .conftest import build_portal

    portal = build_portal(demo, tmp_path, None, "sqlite")

    def broken(_settings):
        raise OperationalError("SELECT", {}, Exception("数据库暂时不可用"))

    monkeypatch.setattr(notify, "deliver_pending", broken)
    try:
        result = CliRunner().invoke(app, ["release", "withdraw", PUB, "--reason", "口径有误", "--by", "张三",
                                          "--workdir", str(portal.workdir)])
        assert result.exit_code == 0, result.output
        assert "撤回已完成，但通知未能发出" in result.output and "门户下次启动时补发" in result.output
        assert find_release(portal.settings, PUB).state.value == "withdrawn"
    finally:
        dispose_engines()
