"""Pages rendered once per release and viewpoint (portal/pagecache.py) still carry each reader's
own watermark, name and CSRF token, follow a change of state at once, and never let one reader's
name into another's page; the marks of 撤回 and 已被更正 are shown to institutions."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from sqlalchemy import update

from liangjiadi.accounts import add_user, query_access
from liangjiadi.portal import pagecache
from liangjiadi.releases.store import ReleaseRow, session_scope

from .conftest import OWN, PUB, PW, REVISED, WITHDRAWAL_REASON, WITHDRAWN, client_for


def _marks(html: str) -> tuple[str, str]:
    wm_id = re.search(r'data-watermark-id="([^"]+)"', html).group(1)
    chart = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S).group(1))
    return wm_id, chart["watermark"]


def test_two_readers_of_one_institution_each_get_their_own_watermark_name_and_token(sqlite_portal):
    add_user("inst_b", "institution", PW, sqlite_portal.settings, actor="测试管理员", display_name="<b>乙</b>",
             fixmedins=OWN, admdvs="140400")
    page = f"/releases/{PUB}/institutions/{OWN}"
    a, b = client_for(sqlite_portal, "inst"), client_for(sqlite_portal, "inst_b")
    first, second, third = a.get(page).text, b.get(page).text, a.get(page).text
    ids = [_marks(x)[0] for x in (first, second, third)]
    assert len(set(ids)) == 3  # a new watermark id for every view, cached page or not
    assert "inst姓名" in first and "inst姓名" not in second and "&lt;b&gt;乙&lt;/b&gt;" in second
    assert "<b>乙</b>" not in second  # escaped in the page ...
    assert _marks(second)[1].startswith("<b>乙</b> · H14040000001")  # ... and exact in the chart's data
    assert "LJDMARK" not in first + second + third
    for client, html in ((a, first), (b, second)):
        token = re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)
        assert token == client.csrf
    for wm_id, who in zip(ids, ("inst", "inst_b", "inst"), strict=True):
        entry = query_access(sqlite_portal.settings, watermark_id=wm_id)[0]
        assert (entry.username, entry.release_id, entry.fixmedins_code) == (who, PUB, OWN)


def test_a_withdrawal_shows_at_once_on_a_page_already_rendered(sqlite_portal):
    client = client_for(sqlite_portal, "inst")
    page = f"/releases/{PUB}"
    assert "已撤回" not in client.get(page).text
    with session_scope(sqlite_portal.settings) as session:
        session.execute(update(ReleaseRow).where(ReleaseRow.release_id == PUB)
                        .values(state="withdrawn", withdrawal_reason="测试撤回", withdrawn_by="王敏"))
    try:
        html = client.get(page).text
        assert "已撤回" in html and "测试撤回" in html
        assert "已撤回" in client.get(f"/releases/{PUB}/institutions/{OWN}").text
        assert client.get(f"/api/releases/{PUB}").json()["release"]["state"] == "withdrawn"
    finally:
        with session_scope(sqlite_portal.settings) as session:
            session.execute(update(ReleaseRow).where(ReleaseRow.release_id == PUB)
                            .values(state="published", withdrawal_reason=None, withdrawn_by=None))
    assert "已撤回" not in client.get(page).text


def test_institutions_see_a_withdrawal_and_a_correction_marked_differently(sqlite_portal):
    client = client_for(sqlite_portal, "inst")
    listing = client.get("/releases").text
    assert f"已撤回：{WITHDRAWAL_REASON}" in listing and "更正，仅供查阅" in listing
    gone = client.get(f"/releases/{WITHDRAWN}").text
    assert 'data-testid="status-mark"' in gone and WITHDRAWAL_REASON in gone and "请勿再引用" in gone
    assert WITHDRAWAL_REASON in client.get(f"/releases/{WITHDRAWN}/institutions/{OWN}").text
    assert WITHDRAWAL_REASON in client.get(f"/releases/{WITHDRAWN}/region").text
    replaced = client.get(f"/releases/{REVISED}").text
    assert "已被更正版本" in replaced and "撤回" not in replaced
    files = client.get(f"/api/releases/{WITHDRAWN}").json()["files"]
    assert client.get(f"/api/releases/{WITHDRAWN}/files/{files[0]}").status_code == 200  # still readable


def test_the_cache_key_holds_the_viewpoint_not_the_name(sqlite_portal):
    from liangjiadi.accounts import get_user

    user = get_user("inst", sqlite_portal.settings)
    renamed = replace(user, display_name="别名", username="other", user_id=99)
    assert pagecache.viewpoint(user) == pagecache.viewpoint(renamed)
    assert pagecache.viewpoint(user) != pagecache.viewpoint(replace(user, fixmedins_code="H14040000002"))
    assert pagecache.viewer(user).display_name == pagecache.NAME


def test_a_worker_reads_the_newest_published_bundles_before_its_first_request(sqlite_portal, monkeypatch):
    from fastapi.testclient import TestClient

    from liangjiadi.portal import catalog, create_app
    from liangjiadi.releases.model import State

    from .conftest import OTHER, QUARTER

    newest = catalog.newest_published(sqlite_portal.settings)
    # each region's newest published version of each kind; never a draft, a corrected or a withdrawn one
    assert {r.release_id for r in newest} == {PUB, QUARTER, OTHER}
    assert all(r.state == State.PUBLISHED for r in newest)
    catalog._tables.cache_clear()
    with TestClient(create_app(sqlite_portal.settings)):  # the app's startup
        assert catalog._tables.cache_info().currsize == len({(r.bundle_dir, r.content_hash) for r in newest})
    monkeypatch.setattr(catalog, "tables", lambda release: (_ for _ in ()).throw(OSError("unreadable")))
    assert catalog.warm(sqlite_portal.settings) == 0  # left to the request that asks, which reports it
