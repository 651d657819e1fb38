"""The year-end 清算 as a release of its own kind (frozen, sealed, signed, published like the
others), and the annual notice's §五 reading it from the frozen release only."""

from __future__ import annotations

import json
import os
import shutil
import stat
from decimal import Decimal as D

import pytest

from liangjiadi.config import Settings
from liangjiadi.releases import create_release, failing_checks, get_release, publish, sign, submit, verify_release
from liangjiadi.releases.errors import MissingSourceError
from liangjiadi.releases.store import dispose_engines

DEMO_KEY = "test-key-padded-to-at-least-32-bytes"


@pytest.fixture
def work(demo, tmp_path, monkeypatch):
    assert demo.exit_code == 0, demo.output
    work = tmp_path / "work"
    shutil.copytree(demo.workdir, work, ignore=shutil.ignore_patterns("outputs", "demo-input"))
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", DEMO_KEY)
    yield Settings(workdir=work, region_admdvs="140400")
    dispose_engines()


def _publish(release_id: str, settings: Settings):
    submitted = submit(release_id, "王敏", settings)
    for member in ("demo-01", "demo-02", "demo-03")[:max(submitted.approvals_needed, 1)]:
        sign(release_id, member, approve=True, comment="核对无误", settings=settings)
    reason = "演示数据含注入的数据错误" if failing_checks(get_release(release_id, settings)) else None
    return publish(release_id, "王敏", override_reason=reason, settings=settings)


def test_clearing_release_is_frozen_signed_and_read_by_the_annual_notice(work, tmp_path):
    import docx

    from liangjiadi.reports.render import render_release

    settings = work
    live = settings.workdir / "payment" / "140400" / "2025" / "settlement.json"

    # no year-end settlement: refused in Chinese, naming the command that makes it
    live.rename(live.with_suffix(".bak"))
    with pytest.raises(MissingSourceError, match="年度清算") as err:
        create_release("clearing", "2025", settings, creator="王敏")
    assert "payment settle --year 2025" in err.value.hint
    live.with_suffix(".bak").rename(live)

    release = create_release("clearing", "2025-12", settings, creator="王敏")  # the year's last month names the year
    assert release.period == "2025" and release.label.endswith("年度清算 第1版")
    assert (release.bundle_dir / "clearing.json").read_bytes() == live.read_bytes()
    assert not (release.bundle_dir / "history.parquet").exists()  # the 清算 only, not a notice's snapshot
    result = render_release(release.release_id, tmp_path / "out", settings, actor="王敏", workers=1)
    names = sorted(p.name for p in result.files)
    assert names == ["年度清算_140400_2025.docx", "年度清算_140400_2025.xlsx"]
    published = _publish(release.release_id, settings)
    assert published.state.value == "published" and len(published.approvers) >= published.approvals_needed
    assert verify_release(release.release_id, settings) == []
    files = {f["path"] for f in published.files()}
    assert {"clearing.json", "reports/年度清算_140400_2025.xlsx", "reports/年度清算_140400_2025.docx"} <= files

    # the live output changes afterwards (a re-settlement): the annual notice still prints the published figures
    frozen = json.loads(live.read_text("utf-8"))
    code, inst = sorted(frozen["institutions"].items())[0]
    published_final = D(inst["final_payment"])
    inst["final_payment"] = str(published_final + D("1000.00"))
    live.write_text(json.dumps(frozen, ensure_ascii=False), "utf-8")

    annual = create_release("annual", "2025", settings, creator="王敏")
    source = json.loads((annual.bundle_dir / "clearing_release.json").read_text("utf-8"))
    assert source["release_id"] == release.release_id and source["content_hash"] == published.content_hash
    out = render_release(annual.release_id, tmp_path / "annual", settings, actor="王敏", workers=1)
    notice = next(p for p in out.files if p.name.startswith("年度通报") and p.suffix == ".docx")
    doc = docx.Document(str(notice))
    text = "\n".join(p.text for p in doc.paragraphs)
    five = text[text.index("五、各定点医疗机构DRG年度清算"):text.index("六、特例单议")]
    assert "工作组审议发布的2025年度清算第1版" in five and published.content_hash[:12] in five
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "机构" and t.rows[0].cells[-1].text == "考核等级")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert len(rows) == len(frozen["institutions"])
    shown = {r[-2] for r in rows}
    assert f"{published_final:,.2f}元" in shown and f"{published_final + D('1000.00'):,.2f}元" not in shown

    # a published clearing bundle edited by hand: verify names the file
    target = release.bundle_dir / "clearing.json"
    os.chmod(target, stat.S_IWUSR | stat.S_IRUSR)
    target.write_text(live.read_text("utf-8"), "utf-8")
    assert any("clearing.json" in p for p in verify_release(release.release_id, settings))


def test_the_section_says_when_no_clearing_was_published():
    from types import SimpleNamespace

    from liangjiadi.reports.clearing import NOT_PUBLISHED, payment_clearing

    src = SimpleNamespace(frozen=SimpleNamespace(clearing=None, clearing_release=None))
    model = payment_clearing(src)
    assert not model.published and model.paragraphs == [NOT_PUBLISHED] and model.rows == []
