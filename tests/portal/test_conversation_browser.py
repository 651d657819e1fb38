"""The conversation with the institutions end to end, in headless Debian Chromium, on a copy of the
session's demo work directory (issue 12, Must show):

- an institution objects to one figure of its push; the data officer accepts, answers and adopts
  it; the institution sees the answer; the next monthly release, created for real from the work
  directory, reports the objection and its handling; the adopted objection starts a corrected
  release that carries the fixed figure and names the objection;
- an institution receives a 提醒函, signs the 回执 and uploads its 自查报告; the officer routes it
  to 基金监管; the next quarterly release's report shows its status.

The demo published 2025-12 (monthly) and 2025-Q4. The copy first publishes 2025-11 the way the demo
does (复核, detection, create, render, sign, publish); the institution objects to its 2025-11 push,
so the next monthly release is 2025-12, made again from the work directory (a new version, as a
second `release create` of a period is). The letter is issued from the 2025-12 release's findings;
the next quarterly release is 2025-Q4, made again after it.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from docx import Document

from liangjiadi.accounts import add_user
from liangjiadi.config import Settings
from liangjiadi.releases.store import dispose_engines

from ..conftest import DEMO_KEY
from .browser_kit import chromium, expect, login, needs_chromium, served
from .conftest import OWN, PW

pytestmark = needs_chromium
M11, M12, Q4 = "140400-monthly-2025-11-v1", "140400-monthly-2025-12-v1", "140400-quarterly-2025-Q4-v1"
PDF = b"%PDF-1.4\n% self-check\n"
ACTOR = "演示操作员"


def _publish(settings: Settings, kind: str, key: str, out: Path, *, create: bool = True, reason: str = ""):
    """What the demo does for a release: create (or make a new version), render, sign, publish."""
    from liangjiadi.releases import create_release, failing_checks, list_releases, publish, revise, sign, submit
    from liangjiadi.reports.render import render_release

    if create:
        release = create_release(kind, key, settings, creator=ACTOR)
    else:
        release = revise(list_releases(settings, kind=kind, period=key)[-1].release_id, ACTOR, reason, settings)
    result = render_release(release.release_id, out, settings, actor=ACTOR, institutions=False)
    submitted = submit(release.release_id, ACTOR, settings)
    for member in ("demo-01", "demo-02", "demo-03")[:max(submitted.approvals_needed, 1)]:
        sign(release.release_id, member, approve=True, comment="核对无误", settings=settings)
    override = "演示数据含注入的数据错误" if failing_checks(release) else None
    return publish(release.release_id, ACTOR, override_reason=override, settings=settings), result


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.fixture(scope="module")
def conversation(demo, tmp_path_factory, _cheap_hasher):
    from liangjiadi.anomalies import detect
    from liangjiadi.checks import run_checks
    from liangjiadi.cli.demo import demo_min_volume

    if demo.exit_code != 0:
        pytest.skip("演示工作目录未能生成")
    tmp = tmp_path_factory.mktemp("conversation")
    work = tmp / "work"
    shutil.copytree(demo.workdir, work, ignore=shutil.ignore_patterns("demo-input", "outputs"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LJD_PSEUDONYM_KEY", DEMO_KEY)
        settings = Settings(workdir=work, portal_cookie_secure=False, region_admdvs="140400", region_name="示例市",
                            peer_min_volume=demo_min_volume(0.004, 30))
        run_checks("2025-11", settings)
        detect("2025-11", settings)
        _publish(settings, "monthly", "2025-11", tmp / "m11")
        findings = pq.read_table(work / "releases/140400/monthly/2025-12/v1/findings.parquet").to_pylist()
        named = sorted({r["fixmedins_code"] for r in findings if r["fixmedins_code"]})[0]
        for username, role, options in (("officer", "officer", {}), ("inst", "institution", {"fixmedins": OWN}),
                                        ("named", "institution", {"fixmedins": named})):
            add_user(username, role, PW, settings, actor="测试管理员", display_name=f"{username}姓名",
                     admdvs="140400", **options)
        yield settings, tmp, named
    dispose_engines()


@pytest.fixture(scope="module")
def live(conversation):
    from liangjiadi.portal import create_app

    settings, tmp, named = conversation
    with served(create_app(settings)) as base:
        yield base, settings, tmp, named


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _login(browser, base: str, username: str):
    return login(browser, base, username, PW)


def _figure(settings: Settings, release_id: str) -> tuple[str, Decimal]:
    """An indicator of OWN's push with a value (the one objected to) and that value."""
    from liangjiadi.releases import get_release

    rows = pq.read_table(get_release(release_id, settings).path_of("results.parquet")).to_pylist()
    row = next(r for r in rows if r["fixmedins_code"] == OWN and r["scope"] == "institution"
               and r["value"] is not None and r["indicator_id"] == "39")
    return row["indicator_id"], Decimal(str(row["value"]))


def test_an_objection_is_answered_adopted_reported_next_month_and_corrects_the_release(live, browser, tmp_path):
    from liangjiadi.releases import get_release, release_changes
    from liangjiadi.releases import objections as O
    from liangjiadi.runs import list_runs, new_run_id, read_run, write_run

    base, settings, tmp, _ = live
    iid, value = _figure(settings, M11)
    attachment = tmp_path / "出院病例清单.pdf"
    attachment.write_bytes(PDF)

    # the institution objects to one figure of its 2025-11 push, with an attachment
    context, page = _login(browser, base, "inst")
    page.goto(f"{base}/releases/{M11}/institutions/{OWN}")
    page.locator(f"#figures tr[data-indicator='{iid}'] a.object").click()
    page.fill("#objection-form textarea[name=text]", "本院当月出院人次少计 12 人次（病案首页补录），请更正")
    page.fill("#objection-form input[name=scope]", "当月")
    page.set_input_files("#objection-form input[name=files]", str(attachment))
    page.click("#objection-form button[type=submit]")
    page.wait_for_url("**/objections**")
    row = page.locator("#objections tr[data-objection]").first
    expect(row).to_contain_text("已提交")
    oid = int(row.get_attribute("data-objection"))
    assert Decimal(O.get_objection(settings, oid)["published_value"]) == value  # the release's, not typed
    context.close()

    # the data officer accepts, answers and adopts it
    context, page = _login(browser, base, "officer")
    page.goto(f"{base}/objections")
    row = page.locator(f"#objections tr[data-objection='{oid}']")
    row.locator("button", has_text="受理").click()
    row = page.locator(f"#objections tr[data-objection='{oid}']")
    row.locator("textarea[name=text]").fill("经核对病案首页，属实，予以采纳，数据更正后重新发布")
    row.locator("input[name=adopted][value='1']").check()
    row.locator("button", has_text="答复").click()
    expect(page.locator(f"#objections tr[data-objection='{oid}'] td.state")).to_contain_text("已答复（采纳）")
    page.screenshot(path=str(tmp_path / "objection-answered.png"), full_page=True)
    context.close()

    # the institution sees the answer
    context, page = _login(browser, base, "inst")
    page.click("nav >> text=异议")
    expect(page.locator(f"#objections tr[data-objection='{oid}'] td.answer")).to_contain_text("予以采纳")
    with page.expect_download() as info:
        page.click(f"#objections tr[data-objection='{oid}'] a[href^='/attachments/']")
    assert Path(info.value.path()).read_bytes() == PDF
    context.close()

    # the next monthly release (2025-12, made from the work directory) reports it and its handling
    nxt, rendered = _publish(settings, "monthly", "2025-12", tmp / "m12", create=False, reason="按最新数据重新生成本月发布")
    assert nxt.release_id != M12
    push = next(p for p in rendered.files if p.suffix == ".docx" and "月推送" in p.name)
    text = _docx_text(push)
    assert "上期意见采纳情况" in text and "本院当月出院人次少计 12 人次" in text
    assert "经核对病案首页，属实，予以采纳" in text and "已采纳" in text and OWN not in text.split("上期意见采纳情况")[1]

    # the adopted objection starts a corrected release once the data are corrected (compute, 复核)
    runs = list_runs(Path(settings.workdir), "results", "140400", "2025-11")
    table = read_run(Path(settings.workdir), "results", "140400", "2025-11", runs[-1])
    fixed = value + 12
    rows = [dict(r, value=fixed) if (r["indicator_id"], r["scope"], r["fixmedins_code"]) == (iid, "institution", OWN)
            else r for r in table.to_pylist()]
    write_run(Path(settings.workdir), "results", "140400", "2025-11", new_run_id(),
              pa.Table.from_pylist(rows, schema=table.schema))
    from liangjiadi.checks import run_checks

    run_checks("2025-11", settings)
    context, page = _login(browser, base, "officer")
    page.goto(f"{base}/objections")
    page.locator(f"#objections tr[data-objection='{oid}'] button", has_text="据以更正发布").click()
    expect(page.locator("p.notice")).to_contain_text(f"已据第{oid}号异议生成更正版本")
    context.close()
    corrected = O.get_objection(settings, oid)["correction_release_id"]
    assert corrected == "140400-monthly-2025-11-v2"
    frozen = pq.read_table(get_release(corrected, settings).path_of("results.parquet")).to_pylist()
    figure = next(r for r in frozen if (r["indicator_id"], r["scope"], r["fixmedins_code"]) == (iid, "institution", OWN))
    assert Decimal(str(figure["value"])) == fixed != value
    changes = release_changes(corrected, settings)
    assert f"采纳机构异议第{oid}号" in changes["reason"] and OWN in changes["reason"]
    assert changes["results"]["changed"] >= 1


def test_a_letter_is_signed_reported_routed_and_shown_in_the_next_quarterly_report(live, browser, tmp_path):
    from liangjiadi.releases import letters as L

    base, settings, tmp, named = live
    report = tmp_path / "自查报告.pdf"
    report.write_bytes(PDF)

    # the officer issues a 提醒函 from the published 2025-12 release's findings
    from liangjiadi.releases import list_releases

    monthly = list_releases(settings, kind="monthly", period="2025-12", state="published")[-1].release_id
    context, page = _login(browser, base, "officer")
    page.goto(f"{base}/letters")
    page.select_option("#choose-release select[name=release_id]", monthly)
    page.click("#choose-release button")
    page.check(f"#issue-letters tr[data-code='{named}'] input[name=codes]")
    page.click("#issue-letters button")
    expect(page.locator("p.notice")).to_contain_text("已发出提醒函 1 份")
    lid = int(page.locator("#letters tr[data-letter]").first.get_attribute("data-letter"))
    context.close()

    # the institution receives it, signs the 回执 and uploads its 自查报告
    context, page = _login(browser, base, "named")
    page.click("nav >> text=提醒函")
    page.click(f"#letters tr[data-letter='{lid}'] a")
    with page.expect_download() as info:
        page.click("#letter-document")
    assert "点名提醒函" in _docx_text(Path(info.value.path()))
    page.click("#sign-receipt button")
    expect(page.locator("#letter-state")).to_contain_text("已签收")
    page.fill("#upload-report textarea[name=text]", "已逐条核实，一例属实，已退回费用并整改")
    page.set_input_files("#upload-report input[name=files]", str(report))
    page.click("#upload-report button")
    expect(page.locator("#letter-state")).to_contain_text("已报送自查报告")
    expect(page.locator("#reports")).to_contain_text("自查报告.pdf")
    context.close()

    # the officer routes it to 基金监管 for 核查
    context, page = _login(browser, base, "officer")
    page.goto(f"{base}/letters/{lid}")
    page.select_option("#route-letter select[name=to]", "基金监管")
    page.fill("#route-letter input[name=note]", "自查未说明组团住院问题")
    page.click("#route-letter button")
    expect(page.locator("#letter-state")).to_contain_text("已移交核查（基金监管核查）")
    page.screenshot(path=str(tmp_path / "letter-routed.png"), full_page=True)
    context.close()
    assert L.get_letter(settings, lid)["state"] == "routed"

    # the next quarterly release (2025-Q4, made again from the work directory) shows its status
    nxt, rendered = _publish(settings, "quarterly", "2025-Q4", tmp / "q4", create=False, reason="按最新数据重新生成季度发布")
    assert nxt.release_id != Q4
    quarterly = next(p for p in rendered.files if p.suffix == ".docx" and "季" in p.name)
    text = _docx_text(quarterly)
    assert "点名提醒办理情况" in text and f"第{lid}号提醒函" in text and "已移交核查（基金监管核查）" in text
