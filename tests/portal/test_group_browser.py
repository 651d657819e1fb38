"""The working group in headless Debian Chromium: the convener runs a draw and publishes the 公示,
a member sees their term; a province viewer sees two regions' submissions side by side and no
institution detail. Screenshots are kept in the test's tmp directory."""

from __future__ import annotations

import re

import pytest

from liangjiadi.workgroup import store
from liangjiadi.workgroup.people import link_user

from .group_setup import INSTITUTION_NAME, prepare
from .browser_kit import expect, needs_chromium
from .test_browser import _login, browser, live  # noqa: F401 - fixtures

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def group_live(live, tmp_path_factory):
    base, portal = live
    prepare(portal.workdir, tmp_path_factory.mktemp("group-browser"))
    return base, portal


def test_the_convener_draws_and_publishes_and_a_member_sees_the_term(group_live, browser, tmp_path):
    base, portal = group_live
    context, page = _login(browser, base, "convener")
    page.click("nav >> text=工作组")
    page.select_option("select[name=profile]", "liaoning")
    page.fill("input[name=year]", "2026")
    page.fill("input[name=seed]", "2026-01-05|03-11-17-22-28-31+09")
    page.click("#draw-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/group/draws/\d+$"))
    expect(page.locator("#publish-state")).to_contain_text("未公示")
    expect(page.locator("#result tbody tr")).to_have_count(8)
    page.click("#publish-form button[type=submit]")
    expect(page.locator("#publish-state")).to_contain_text("已公示")
    with page.expect_download() as download:
        page.click("text=抽选结果公示（Word）")
    assert download.value.suggested_filename.endswith("抽选结果公示.docx")
    page.screenshot(path=str(tmp_path / "group-draw.png"), full_page=True)
    context.close()

    drawn = next(t for t in store.load(portal.workdir)["terms"] if t["year"] == 2026)
    link_user(portal.workdir, drawn["key"], "member", portal.settings, "专员", 2026)  # the officer's step
    context, page = _login(browser, base, "member")
    page.goto(f"{base}/group/me")
    expect(page.locator("#me")).to_contain_text(drawn["person"]["姓名"])
    expect(page.locator("#terms tbody tr").first).to_contain_text("2026")
    expect(page.locator("#terms tbody tr").first).to_contain_text("在任")
    page.click("#terms >> text=抽选结果公示")
    expect(page.locator("#publish-state")).to_contain_text("已公示")
    page.screenshot(path=str(tmp_path / "group-member.png"), full_page=True)
    context.close()


def test_a_province_viewer_sees_two_regions_side_by_side_and_no_institution(group_live, browser, tmp_path):
    base, _portal = group_live
    context, page = _login(browser, base, "province")
    page.click("nav >> text=各地区报送")
    page.wait_for_url("**/province")
    header = page.locator("#side-1 thead")
    expect(header).to_contain_text("长治市·病例数")
    expect(header).to_contain_text("晋城市·病例数")
    row = page.locator("#side-1 tbody tr", has_text="EJ1")
    expect(row).to_contain_text("300")
    expect(row).to_contain_text("500")
    expect(page.locator("#submissions")).to_contain_text("逾期 6 天")
    assert INSTITUTION_NAME not in page.content()
    page.screenshot(path=str(tmp_path / "province.png"), full_page=True)
    page.goto(f"{base}/group")
    expect(page.locator("main")).to_contain_text("无权访问")
    context.close()
