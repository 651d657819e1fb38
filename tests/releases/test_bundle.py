"""The manifest, sha256 of every file, the content hash, and what a changed file does."""

from __future__ import annotations

import hashlib
import os

import pytest

from liangjiadi.releases import (
    BundleIntegrityError, PublishBlockedError, attach_files, content_hash, create_release, get_release, publish,
    submit, verify_release,
)
from liangjiadi.releases.bundle import list_files

from .conftest import (
    BASE_VALUES, LAKE_TOKEN, approve, make_settings, write_check, write_findings, write_lake_tokens, write_results,
)


def test_manifest_lists_every_file_with_its_sha256_and_the_sources(settings):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    manifest = release.manifest()
    paths = [f["path"] for f in manifest["files"]]
    assert paths == ["check_report.csv", "check_report.md", "check_report.parquet", "contents.json", "context.json",
                     "coverage.json",
                     "findings.parquet", "fund_forecast.json", "fund_outlook.json", "history.parquet",
                     "indicators.json", "institutions.json", "patterns.json", "peers.json", "publication.json",
                     "results.parquet", "series.json", "topics.json"]
    for f in manifest["files"]:
        assert f["sha256"] == hashlib.sha256((release.bundle_dir / f["path"]).read_bytes()).hexdigest()
    assert manifest["sources"] == {"results_run_id": "20250405T000000-aaaaaa",
                                   "check_run_id": "20250405T010000-cccccc",
                                   "findings_run_id": "20250405T020000-ffffff", "check_status": "pass"}
    assert manifest["creator"] == "王敏" and manifest["created_at"].startswith("20")
    lines = "".join(f"{f['sha256']}  {f['path']}\n" for f in manifest["files"])
    assert manifest["content_hash"] == hashlib.sha256(lines.encode()).hexdigest() == release.content_hash
    # the frozen results are a byte copy of the run
    source = settings.workdir / "results" / "140400" / "2025-03" / "20250405T000000-aaaaaa.parquet"
    assert (release.bundle_dir / "results.parquet").read_bytes() == source.read_bytes()


def test_content_hash_is_stable_for_the_same_content(settings, tmp_path):
    first = create_release("monthly", "2025-03", settings, creator="王敏")
    other = make_settings(tmp_path / "again")  # a second work directory with the very same runs
    write_results(other, "20250405T000000-aaaaaa", BASE_VALUES)
    write_check(other, "20250405T000000-aaaaaa", "20250405T010000-cccccc")
    write_findings(other, "20250405T020000-ffffff")
    write_lake_tokens(other, [LAKE_TOKEN, "0" * 31 + "1"])
    second = create_release("monthly", "2025-03", other, creator="另一人")
    assert second.content_hash == first.content_hash
    assert content_hash(list(reversed(first.files()))) == first.content_hash  # order does not matter
    assert get_release(first.release_id, settings).content_hash == first.content_hash


def test_content_hash_changes_when_a_file_changes(settings, tmp_path):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    page = tmp_path / "月推送.html"
    page.write_text("<p>2025年3月</p>", encoding="utf-8")
    with_page = attach_files(release.release_id, [page], settings, actor="王敏")
    assert with_page.content_hash != release.content_hash
    page.write_text("<p>2025年3月（更正）</p>", encoding="utf-8")
    replaced = attach_files(release.release_id, [page], settings, actor="王敏")
    assert replaced.content_hash not in (release.content_hash, with_page.content_hash)
    assert replaced.manifest()["content_hash"] == replaced.content_hash
    assert verify_release(release.release_id, settings) == []


def test_a_file_changed_by_hand_is_detected_and_blocks_publication(settings):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    submit(release.release_id, "王敏", settings)
    approve(release.release_id, settings)
    (release.bundle_dir / "check_report.md").write_text("# 改过的报告\n", encoding="utf-8")
    (release.bundle_dir / "extra.txt").write_text("多出来的\n", encoding="utf-8")
    problems = verify_release(release.release_id, settings)
    assert "文件内容已改变（sha256 不符）：check_report.md" in problems
    assert "清单外多出文件：extra.txt" in problems
    with pytest.raises(PublishBlockedError, match="发布包与清单不符"):
        publish(release.release_id, "王敏", settings=settings)


def test_published_bundle_is_read_only_and_cannot_take_files(settings, tmp_path):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    submit(release.release_id, "王敏", settings)
    approve(release.release_id, settings)
    published = publish(release.release_id, "王敏", settings=settings)
    for f in list_files(published.bundle_dir):
        assert not os.access(published.bundle_dir / f["path"], os.W_OK) or os.geteuid() == 0
    (tmp_path / "x.md").write_text("x", encoding="utf-8")
    with pytest.raises(Exception, match="不能附加文件"):
        attach_files(release.release_id, [tmp_path / "x.md"], settings, actor="王敏")


def test_submit_refuses_a_tampered_draft(settings):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    (release.bundle_dir / "results.parquet").unlink()
    with pytest.raises(BundleIntegrityError, match="文件缺失：results.parquet"):
        submit(release.release_id, "王敏", settings)


def test_frozen_content_for_renderers(settings):
    from liangjiadi.releases import frozen_content

    release = create_release("monthly", "2025-03", settings, creator="王敏")
    content = frozen_content(release.release_id, settings)
    assert content.results.num_rows == 4 and content.publishable_ids == ["12", "36"]
    assert content.check_report.num_rows == 1 and content.findings.num_rows == 2
    assert '"persons": "<5"' in content.findings["evidence"][0].as_py()


def test_attach_is_all_or_nothing(settings, tmp_path):
    from liangjiadi.releases import ReleaseError

    release = create_release("monthly", "2025-03", settings, creator="王敏")
    (tmp_path / "ok.md").write_text("说明\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match="要附加的文件不存在"):
        attach_files(release.release_id, [tmp_path / "ok.md", tmp_path / "missing.docx"], settings, actor="王敏")
    assert verify_release(release.release_id, settings) == []
    assert not (release.bundle_dir / "reports").exists()
    attached = attach_files(release.release_id, [tmp_path / "ok.md"], settings, actor="王敏", subdir="附件")
    assert "reports/附件/ok.md" in [f["path"] for f in attached.files()]
