"""Issue 9: no Python None/nan, no "warn", no field names and no English status words in any
document the demo publishes — docx (tables, headers, footers), html (text and chart labels) and
xlsx (every sheet, the 说明 sheet included)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SUFFIXES = (".docx", ".html", ".xlsx")


def _documents(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and "static" not in p.parts)


def _problems(words, paths: list[Path]) -> list[str]:
    found: dict[str, str] = {}
    for path in paths:
        for problem in words.forbidden_words(words.document_text(path)):
            found.setdefault(problem, path.name)
    return [f"{name}: {problem}" for problem, name in found.items()]


def test_demo_documents_have_no_python_or_english_words(demo, words):
    assert demo.exit_code == 0, demo.output
    paths = _documents(demo.workdir / "outputs" / "发布材料")
    kinds = {p.suffix for p in paths}
    assert kinds == set(SUFFIXES)
    assert any("定向推送" in p.parts for p in paths)
    assert any(p.name.startswith("数据底稿") for p in paths) and any(p.name.startswith("附表") for p in paths)
    assert _problems(words, paths) == []


def test_annual_notice_has_no_python_or_english_words(demo, words, tmp_path, monkeypatch):
    """The demo publishes no annual notice: one is made on a copy of its workdir."""
    from liangjiadi.config import Settings
    from liangjiadi.releases import create_release
    from liangjiadi.releases.store import dispose_engines
    from liangjiadi.reports.render import render_release

    assert demo.exit_code == 0, demo.output
    work = tmp_path / "work"
    shutil.copytree(demo.workdir, work, ignore=shutil.ignore_patterns("outputs", "demo-input"))
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", "test-key-padded-to-at-least-32-bytes")  # the demo's key
    settings = Settings(workdir=work, region_admdvs="140400")
    try:
        release = create_release("annual", "2025", settings, creator="王敏")
        result = render_release(release.release_id, tmp_path / "out", settings, actor="王敏", workers=1)
    finally:
        dispose_engines()
    paths = [p for p in result.all_files if p.suffix in SUFFIXES]
    assert any(p.name.startswith("年度通报") for p in paths)
    assert _problems(words, paths) == []
    notice = words.docx_text(next(p for p in paths if p.name.startswith("年度通报") and p.suffix == ".docx"))
    five = notice[notice.index("五、各定点医疗机构DRG年度清算"):notice.index("六、特例单议")]
    assert "各定点医疗机构清算情况" in five and "数据来源：医保经办机构报送的清算结果" in five
    six = notice[notice.index("六、特例单议"):notice.index("七、其他")]
    assert "受理特例单议申请" in six
    assert "八、下一步工作打算" in notice


@pytest.mark.parametrize("text", [
    "计算批次 None", "平均 nan 元", "复核结论：warn", "基金报表 income_total", "setl_id 关联", "140400-monthly-2025-12",
    "quarterly", "结论 pass", "fail", "error", "warning",
])
def test_the_scan_finds_what_it_looks_for(words, text):
    assert words.forbidden_words(text), text


def test_the_scan_keeps_what_a_reader_may_see(words):
    assert words.forbidden_words("DRG/DIP 付费，CMI 0.96，病组 IU29，数据哈希 a6a8af6977bc，liangjiadi analyse fund") == []
