"""Issue 8, attack 9: a published release can be rewritten consistently; one operator can publish.

- Editing a published file, its manifest and the stored content hash consistently passed
  `release verify`. Now the manifest is sealed (HMAC under a key outside the workdir) at submit
  and publish, and verify / publish check the seal.
- `LJD_RELEASE_QUORUM=1` let one operator sign and publish alone. Now the quorum is never below 2.
- `release member add` needed no authority and recorded the new member as the actor. Now the
  actor (--by, or LJD_USER / the OS user) is required and recorded, for add and remove.
Each test fails on the code before the change.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from liangjiadi import lake
from liangjiadi.anomalies.model import Finding, findings_table
from liangjiadi.runs import run_dir
from liangjiadi.checks.report import CheckReport
from liangjiadi.config import Settings, reset_settings_cache
from liangjiadi.errors import ConfigError
from liangjiadi.indicators.results import RESULT_SCHEMA, save_results
from liangjiadi.releases import (
    MemberError, PublishBlockedError, State, add_member, attach_files, audit_log, create_release,
    deactivate_member, get_release, publish, sign, submit, verify_audit, verify_release,
)
from liangjiadi.releases import bundle as B
from liangjiadi.releases.store import AuditRow, _entry_hash, dispose_engines, session_scope

ADMDVS, PERIOD = "140400", "2025-03"
RUN, CHECK, FIND = "20250405T000000-aaaaaa", "20250405T010000-cccccc", "20250405T020000-ffffff"


def _settings(tmp_path: Path, **extra) -> Settings:
    extra.setdefault("release_seal_key_file", tmp_path / "keys" / "release-seal.key")
    return Settings(workdir=tmp_path / "work", region_admdvs=ADMDVS, pseudonym_key="k" * 40,
                    pseudonym_key_file=tmp_path / "keys" / "pseudonym.key", **extra)


def _sources(s: Settings) -> None:
    at = datetime(2025, 4, 5, tzinfo=timezone.utc)
    rows = [{"admdvs": ADMDVS, "period": PERIOD, "indicator_id": "36", "scope": "region", "fixmedins_code": None,
             "value": Decimal("1200"), "numerator": None, "denominator": None, "basis": "period", "note": None,
             "run_id": RUN, "computed_at": at}]
    save_results(s.workdir, ADMDVS, PERIOD, pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), RUN)
    lake.write_rows(s.workdir, "setl_d", [{"setl_id": "S1", "psn_no": "t" * 32, "setl_time": "2025-03-05 10:00:00",
                                            "period": PERIOD}], ADMDVS)  # results imply the month was ingested
    CheckReport(admdvs=ADMDVS, period=PERIOD, check_run_id=CHECK, results_run_id=RUN, checked_at=at, rows=[{
        "admdvs": ADMDVS, "period": PERIOD, "check_run_id": CHECK, "results_run_id": RUN, "severity": "error",
        "indicator_ids": "36", "fixmedins_code": None, "observed": None, "observed_value": 1.0, "expected": None,
        "threshold": "-", "note": "", "checked_at": at, "check_id": "ratio_bounds", "check_title": "比例",
        "status": "pass", "reason_code": "OK", "message": "通过。"}], publishable_ids=["36"]).save(s.workdir)
    out = run_dir(s.workdir, "findings", ADMDVS, PERIOD)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(findings_table([Finding(pattern="readmission_15d", period=PERIOD, severity="medium",
                                           message="线索。", evidence={"own": 0.1}, fixmedins_code="H001",
                                           score=1.0)], FIND), out / f"{FIND}.parquet")


@pytest.fixture(autouse=True)
def _fresh_settings():
    """The CLI reads settings once per process (cached): each test reads its own environment."""
    reset_settings_cache()
    yield
    reset_settings_cache()


@pytest.fixture
def s(tmp_path):
    settings = _settings(tmp_path)
    _sources(settings)
    for member_id, name, role in (("m01", "李主任", "convener"), ("m02", "张医生", "hospital")):
        add_member(member_id, name, role, settings, actor="管理员")
    yield settings
    dispose_engines()


def _published(s: Settings, tmp_path: Path) -> str:
    rid = create_release("monthly", PERIOD, s, creator="王敏").release_id
    report = tmp_path / "月推送.csv"
    report.write_text("指标,值\n36,1200\n", encoding="utf-8")
    attach_files(rid, [report], s, actor="王敏")
    submit(rid, "王敏", s)
    for m in ("m01", "m02"):
        sign(rid, m, approve=True, comment="核对无误", settings=s)
    assert publish(rid, "王敏", settings=s).state == State.PUBLISHED
    assert verify_release(rid, s) == []
    return rid


def _tamper_consistently(s: Settings, rid: str, edit_file: str = "reports/月推送.csv") -> str:
    """What an insider with write access to the workdir does: file, manifest and stored hash agree."""
    bundle = get_release(rid, s).bundle_dir
    target = bundle / edit_file
    target.chmod(target.stat().st_mode | stat.S_IWUSR)
    target.write_text("指标,值\n36,9999\n", encoding="utf-8")
    manifest_path = bundle / B.MANIFEST
    manifest_path.chmod(manifest_path.stat().st_mode | stat.S_IWUSR)
    header = {k: v for k, v in B.read_manifest(bundle).items() if k not in ("format", "files", "content_hash")}
    new_hash = B.write_manifest(bundle, header)["content_hash"]
    db = sqlite3.connect(Path(s.workdir) / "ljd.sqlite")
    db.execute("UPDATE ljd_releases SET content_hash = ? WHERE release_id = ?", (new_hash, rid))
    db.commit()
    db.close()
    dispose_engines()
    assert B.integrity_problems(bundle, new_hash) == []  # the old checks alone see nothing
    return new_hash


def test_consistent_edit_of_file_manifest_and_stored_hash_is_detected(s, tmp_path):
    rid = _published(s, tmp_path)
    _tamper_consistently(s, rid)
    problems = verify_release(rid, s)
    assert any("manifest.json 在封签后被改动" in p for p in problems), problems
    assert any("数据库记录的内容哈希在封签后被改动" in p for p in problems), problems


def test_verify_cli_exits_1_on_consistent_tampering(s, tmp_path):
    from liangjiadi.cli.main import app

    rid = _published(s, tmp_path)
    _tamper_consistently(s, rid, "results.parquet")
    result = CliRunner().invoke(app, ["release", "verify", rid, "--workdir", str(s.workdir)],
                                env={"LJD_RELEASE_SEAL_KEY_FILE": str(s.release_seal_key_file),
                                     "LJD_REGION_ADMDVS": ADMDVS, "COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "封签后被改动" in result.output


def test_forging_the_audit_entry_and_its_chain_too_still_fails_without_the_key(s, tmp_path):
    rid = _published(s, tmp_path)
    new_hash = _tamper_consistently(s, rid)
    bundle = get_release(rid, s).bundle_dir
    import hashlib

    digest = hashlib.sha256((bundle / B.MANIFEST).read_bytes()).hexdigest()
    # rewrite every sealed entry of the release and re-chain the whole log (behind the ORM's back)
    db = sqlite3.connect(Path(s.workdir) / "ljd.sqlite")
    for seq, detail in db.execute("SELECT seq, detail FROM ljd_audit_log WHERE release_id = ? "
                                  "AND action IN ('submit', 'publish')", (rid,)).fetchall():
        d = json.loads(detail)
        d.update(content_hash=new_hash, manifest_sha256=digest)
        db.execute("UPDATE ljd_audit_log SET detail = ? WHERE seq = ?", (json.dumps(d, ensure_ascii=False), seq))
    db.commit()
    db.close()
    dispose_engines()
    with session_scope(s) as session:
        prev = "0" * 64
        rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
        hashes = []
        for r in rows:
            h = _entry_hash(prev, r.at, r.actor, r.action, r.release_id, r.detail or {})
            hashes.append((h, prev, r.seq))
            prev = h
    db = sqlite3.connect(Path(s.workdir) / "ljd.sqlite")
    db.executemany("UPDATE ljd_audit_log SET entry_hash = ?, prev_hash = ? WHERE seq = ?", hashes)
    db.commit()
    db.close()
    dispose_engines()
    assert verify_audit(s) == []  # the unkeyed chain was rebuilt
    problems = verify_release(rid, s)
    assert any("封签不符" in p for p in problems), problems


def test_added_and_removed_files_are_reported(s, tmp_path):
    rid = _published(s, tmp_path)
    bundle = get_release(rid, s).bundle_dir
    (bundle / "reports").chmod(0o755)
    (bundle / "reports" / "多出来的.html").write_text("<p>x</p>", encoding="utf-8")
    (bundle / "reports" / "月推送.csv").unlink()
    problems = verify_release(rid, s)
    assert "清单外多出文件：reports/多出来的.html" in problems
    assert "文件缺失：reports/月推送.csv" in problems


def test_tampering_between_submit_and_publish_blocks_publication(s, tmp_path):
    rid = create_release("monthly", PERIOD, s, creator="王敏").release_id
    submit(rid, "王敏", s)
    for m in ("m01", "m02"):
        sign(rid, m, approve=True, settings=s, comment="同意")
    _tamper_consistently(s, rid, "results.parquet")
    with pytest.raises(PublishBlockedError, match="封签后被改动"):
        publish(rid, "王敏", settings=s)


def test_a_missing_seal_key_is_reported_not_replaced(s, tmp_path):
    rid = _published(s, tmp_path)
    key = Path(s.release_seal_key_file)
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    key.unlink()
    problems = verify_release(rid, s)
    assert any("封签密钥文件" in p and "不存在" in p for p in problems)
    assert not key.exists()


def test_a_lost_seal_key_is_not_silently_replaced_at_the_next_submit(s, tmp_path):
    _published(s, tmp_path)
    Path(s.release_seal_key_file).unlink()
    for month in ("2025-01", "2025-02"):  # a quarterly release needs every month of its quarter
        rows = [{"admdvs": ADMDVS, "period": month, "indicator_id": "36", "scope": "region", "fixmedins_code": None,
                 "value": Decimal("1000"), "numerator": None, "denominator": None, "basis": "period", "note": None,
                 "run_id": RUN, "computed_at": datetime(2025, 4, 5, tzinfo=timezone.utc)}]
        save_results(s.workdir, ADMDVS, month, pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), RUN)
        lake.write_rows(s.workdir, "setl_d", [{"setl_id": f"S{month}", "psn_no": "t" * 32,
                                                "setl_time": f"{month}-05 10:00:00", "period": month}], ADMDVS)
    rid = create_release("quarterly", "2025-Q1", s, creator="王敏").release_id
    with pytest.raises(ConfigError, match="不会自动生成新密钥"):
        submit(rid, "王敏", s)
    assert not Path(s.release_seal_key_file).exists()


def test_a_seal_key_inside_the_workdir_is_refused(tmp_path):
    s = _settings(tmp_path, release_seal_key_file=tmp_path / "work" / "seal.key")
    _sources(s)
    add_member("m01", "李主任", "convener", s, actor="管理员")
    rid = create_release("monthly", PERIOD, s, creator="王敏").release_id
    with pytest.raises(ConfigError, match="工作目录"):
        submit(rid, "王敏", s)
    dispose_engines()


# ---- quorum ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("quorum", ["1", "0.01"])
def test_environment_cannot_lower_the_quorum_below_two(tmp_path, monkeypatch, quorum):
    monkeypatch.setenv("LJD_RELEASE_QUORUM", quorum)
    s = _settings(tmp_path)
    assert s.release_quorum == float(quorum)  # the setting is read ...
    _sources(s)
    for member_id, name, role in (("m01", "李主任", "convener"), ("m02", "张医生", "hospital")):
        add_member(member_id, name, role, s, actor="管理员")
    rid = create_release("monthly", PERIOD, s, creator="王敏").release_id
    released = submit(rid, "王敏", s)
    assert released.approvals_needed == 2  # ... but cannot lower the built-in minimum
    one = sign(rid, "m01", approve=True, comment="我一个人", settings=s)
    assert one.state == State.IN_REVIEW
    with pytest.raises(Exception, match="不能发布"):
        publish(rid, "李主任", settings=s)
    assert sign(rid, "m02", approve=True, comment="同意", settings=s).state == State.APPROVED
    dispose_engines()


# ---- members ---------------------------------------------------------------------------------------


def test_member_add_and_remove_require_and_record_the_actor(s):
    with pytest.raises(MemberError, match="操作人"):
        add_member("m09", "赵某", "hospital", s)
    with pytest.raises(MemberError, match="操作人"):
        deactivate_member("m02", s)
    add_member("m09", "赵某", "hospital", s, actor="召集人李主任")
    deactivate_member("m09", s, actor="召集人李主任")
    entries = [e for e in audit_log(s) if e.action in ("member_add", "member_deactivate")
               and e.detail.get("member_id") == "m09"]
    assert [(e.action, e.actor) for e in entries] == [("member_add", "召集人李主任"),
                                                      ("member_deactivate", "召集人李主任")]
    assert all(e.detail["by"] == "召集人李主任" for e in entries)


def test_member_add_cli_records_the_os_user_when_by_is_omitted(s):
    from liangjiadi.cli.main import app

    result = CliRunner().invoke(app, ["release", "member", "add", "--id", "m07", "--name", "孙某", "--role",
                                      "hospital", "--workdir", str(s.workdir)],
                                env={"LJD_USER": "值班员小刘", "LJD_RELEASE_SEAL_KEY_FILE": str(s.release_seal_key_file)})
    assert result.exit_code == 0, result.output
    assert "值班员小刘" in result.output
    added = [e for e in audit_log(s) if e.action == "member_add" and e.detail.get("member_id") == "m07"]
    assert added and added[0].actor == "值班员小刘"


def test_submit_cli_says_where_a_new_seal_key_was_created(s):
    from liangjiadi.cli.main import app

    rid = create_release("monthly", PERIOD, s, creator="王敏").release_id
    assert not Path(s.release_seal_key_file).exists()
    result = CliRunner().invoke(app, ["release", "submit", rid, "--by", "王敏", "--workdir", str(s.workdir)],
                                env={"LJD_RELEASE_SEAL_KEY_FILE": str(s.release_seal_key_file), "COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "已生成发布封签密钥" in result.output and "请备份" in result.output
    assert "k" * 40 not in result.output and Path(s.release_seal_key_file).read_text() not in result.output
