"""The portal in headless Debian Chromium (Playwright, no browser download): an institution reads
its dashboard and downloads its push; the convener approves the officer's named-ranking request;
the officer sees who has not read. Screenshots are kept in the test's tmp directory."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from liangjiadi.accounts import query_access
from liangjiadi.portal import create_app
from liangjiadi.portal.figures import number
from liangjiadi.releases.suppression import small_figure

from .browser_kit import chromium, expect, login, needs_chromium, served
from .conftest import DRAFT, OWN, PEER, PUB, PW

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def live(sqlite_portal):
    with served(create_app(sqlite_portal.settings)) as base:
        yield base, sqlite_portal


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _login(browser, base: str, username: str):
    return login(browser, base, username, PW)


def test_an_institution_reads_its_dashboard_and_downloads_its_push(live, browser, tmp_path):
    base, portal = live
    context, page = _login(browser, base, "inst")
    page.click(f"a[href='/releases/{PUB}']")
    page.click("text=本机构看板")
    page.wait_for_selector("#trend[data-drawn='1'] canvas")
    page.screenshot(path=str(tmp_path / "institution-dashboard.png"), full_page=True)
    assert page.locator(".watermark span").first.inner_text().startswith("inst姓名 · H14040000001")

    bundle = portal.workdir / "releases" / "140400" / "monthly" / "2025-12" / "v1"
    units = {i["id"]: i["unit"] for i in json.loads((bundle / "indicators.json").read_text(encoding="utf-8"))}

    def as_shown(r):  # the release's small-count rule: a count of 1-4 shows "<5", a rate over 1-4 cases nothing
        small = small_figure(units.get(r["indicator_id"]), r["value"], r["denominator"], 5)
        return (small if small.startswith("<") else "None") if small else number(r["value"])
    frozen = {r["indicator_id"]: as_shown(r) for r in pq.read_table(bundle / "results.parquet").to_pylist()
              if r["fixmedins_code"] == OWN}
    shown = dict(zip(page.locator("#figures tr[data-indicator]").evaluate_all("rs => rs.map(r => r.dataset.indicator)"),
                     page.locator("#figures td[data-value]").evaluate_all("ts => ts.map(t => t.dataset.value)")))
    assert shown == frozen

    with page.expect_download() as info:
        page.click(f"#downloads a[href$='{OWN}.docx']")
    path = info.value.path()
    assert Path(path).read_bytes() == (bundle / "reports" / "定向推送" / f"{OWN}.docx").read_bytes()
    assert query_access(portal.settings, action="download", username="inst")[0].detail["file"].endswith(f"{OWN}.docx")
    wm = page.locator(".watermark").get_attribute("data-watermark-id")
    assert query_access(portal.settings, watermark_id=wm)[0].username == "inst"

    response = page.goto(f"{base}/releases/{PUB}/institutions/{PEER}")
    assert response.status == 403 and "无权访问" in page.content()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/m")
    page.screenshot(path=str(tmp_path / "mobile-summary.png"), full_page=True)
    expect(page.locator(".mobile")).to_contain_text("示例市第一人民医院")
    context.close()


def test_the_convener_approves_the_officers_named_ranking_request(live, browser, tmp_path):
    base, portal = live
    context, page = _login(browser, base, "officer")
    page.goto(f"{base}/releases/{DRAFT}/rules")
    page.select_option("#tier-request select[name=indicator_id]", "10")
    page.select_option("#tier-request select[name=tier]", "named")
    page.fill("#tier-request input[name=reason]", "工作组决定公开统筹基金支出排名")
    page.click("#tier-request button")
    row = page.locator("#requests tr[data-request]").last
    expect(row).to_contain_text("待审批")
    assert row.locator("button").count() == 0  # the officer cannot approve
    context.close()

    context, page = _login(browser, base, "convener")
    page.goto(f"{base}/releases/{DRAFT}/rules")
    page.locator("#requests tr[data-request]").last.locator("button", has_text="批准").click()
    expect(page.locator("#requests tr[data-request]").last).to_contain_text("已批准（convener）")
    page.screenshot(path=str(tmp_path / "tier-approved.png"), full_page=True)
    page.goto(f"{base}/releases/{DRAFT}/preview/{OWN}")
    page.wait_for_selector("#trend[data-drawn='1'] canvas")
    assert "实名排名" in page.content() and "示例市第二人民医院" in page.content()
    context.close()


def test_the_officer_sees_who_has_not_read(live, browser, tmp_path):
    base, portal = live
    context, page = _login(browser, base, "inst2")
    page.goto(f"{base}/releases/{PUB}")
    context.close()
    context, page = _login(browser, base, "officer")
    page.goto(f"{base}/releases/{PUB}/reads")
    assert "未读" not in page.locator(f"#reads tr[data-code='{PEER}']").inner_text()
    unread = page.locator("#reads tr.unread").count()
    assert unread >= 20 and f"尚未打开 {unread} 家" in page.locator("#unread-count").inner_text()
    page.click("text=提醒未读机构")
    expect(page.locator("p.notice")).to_contain_text("催阅提醒")
    page.screenshot(path=str(tmp_path / "reads.png"), full_page=True)
    context.close()
