"""States, quorum, the 复核 gate with override, revisions and the append-only audit log."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from liangjiadi.releases import (
    AuditLogError, IllegalTransitionError, MemberError, MissingSourceError, PublishBlockedError, ReleaseError,
    State, add_member, attach_files, audit_log, create_release, deactivate_member, get_release, list_releases,
    frozen_content, publish, release_changes, revise, sign, submit, verify_audit,
)
from liangjiadi.releases.store import AuditRow, SignOffRow, engine_for, session_scope

from .conftest import (
    BASE_VALUES, approve, make_settings, write_check, write_findings, write_quarter_months, write_results,
)


def _approved(settings, **kw):
    release = create_release("monthly", "2025-03", settings, creator="王敏", **kw)
    submit(release.release_id, "王敏", settings)
    approve(release.release_id, settings)
    return get_release(release.release_id, settings)


# ---- states -------------------------------------------------------------------------------------


def test_happy_path_draft_to_published(settings):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    assert release.state == State.DRAFT and release.version == 1
    assert release.release_id == "140400-monthly-2025-03-v1"
    assert release.bundle_dir == settings.workdir / "releases" / "140400" / "monthly" / "2025-03" / "v1"
    assert submit(release.release_id, "王敏", settings).state == State.IN_REVIEW
    assert approve(release.release_id, settings).state == State.APPROVED
    published = publish(release.release_id, "王敏", settings=settings)
    assert published.state == State.PUBLISHED and published.published_by == "王敏"
    assert published.published_at is not None and published.overrides == ()
    assert [r.state for r in list_releases(settings, state="published")] == [State.PUBLISHED]


@pytest.mark.parametrize("act, words", [
    ("publish_draft", "当前状态为“草稿”，不能发布"),
    ("sign_draft", "当前状态为“草稿”，不能签署"),
    ("submit_twice", "当前状态为“审议中”，不能提交审议"),
    ("publish_in_review", "审议尚未通过：需要 2 名成员同意，目前 1 名"),
    ("publish_twice", "当前状态为“已发布”，不能发布"),
    ("sign_published", "当前状态为“已发布”，不能签署"),
    ("attach_in_review", "提交审议后发布包已冻结"),
])
def test_illegal_transitions_are_refused_with_clear_messages(settings, tmp_path, act, words):
    rid = create_release("monthly", "2025-03", settings, creator="王敏").release_id
    with pytest.raises(IllegalTransitionError) as err:
        if act == "publish_draft":
            publish(rid, "王敏", settings=settings)
        elif act == "sign_draft":
            sign(rid, "m01", True, settings=settings)
        else:
            submit(rid, "王敏", settings)
            if act == "submit_twice":
                submit(rid, "王敏", settings)
            elif act == "publish_in_review":
                sign(rid, "m01", True, settings=settings)
                publish(rid, "王敏", settings=settings)
            elif act == "attach_in_review":
                (tmp_path / "a.md").write_text("说明", encoding="utf-8")
                attach_files(rid, [tmp_path / "a.md"], settings, actor="王敏")
            else:
                approve(rid, settings)
                publish(rid, "王敏", settings=settings)
                if act == "publish_twice":
                    publish(rid, "王敏", settings=settings)
                else:
                    sign(rid, "m03", True, settings=settings)
    assert words in err.value.message + err.value.hint
    assert err.value.code == "LJD-REL-STATE"


def test_actor_is_required(settings):
    with pytest.raises(ReleaseError, match="操作人"):
        create_release("monthly", "2025-03", settings, creator=" ")


def test_second_create_of_a_period_points_to_revise(settings):
    create_release("monthly", "2025-03", settings, creator="王敏")
    with pytest.raises(ReleaseError) as err:
        create_release("monthly", "2025-03", settings, creator="王敏")
    assert "已存在" in err.value.message and "release revise" in err.value.hint


@pytest.mark.parametrize("missing, command", [
    ("results", "liangjiadi compute --period 2025-03"),
    ("checks", "liangjiadi check --period 2025-03"),
    ("findings", "liangjiadi detect --period 2025-03"),
])
def test_missing_sources_say_which_command_to_run(settings, missing, command):
    shutil.rmtree(settings.workdir / missing)
    with pytest.raises(MissingSourceError) as err:
        create_release("monthly", "2025-03", settings, creator="王敏")
    assert command in err.value.hint


def test_check_report_of_an_older_results_run_is_not_frozen(settings):
    write_results(settings, "20250406T000000-bbbbbb", BASE_VALUES)  # recomputed, not yet re-checked
    with pytest.raises(MissingSourceError) as err:
        create_release("monthly", "2025-03", settings, creator="王敏")
    assert "liangjiadi check --period 2025-03" in err.value.hint


def test_quarterly_release_freezes_the_quarters_runs_and_its_window(settings):
    write_quarter_months(settings)
    release = create_release("quarterly", "2025-Q1", settings, creator="王敏")
    assert (release.period, release.source_period) == ("2025-Q1", "2025-03")
    assert release.bundle_dir.parts[-3:] == ("quarterly", "2025-Q1", "v1")
    assert release.manifest()["period_label"] == "2025年第一季度"
    files = {f["path"] for f in release.files()}
    assert {"window.json", "window_results.parquet", "window_last_year.parquet"} <= files
    content = frozen_content(release.release_id, settings)
    assert content.window["label"] == "2025年第一季度"
    assert content.window["months"] == ["2025-01", "2025-02", "2025-03"]
    values = {(r["indicator_id"], r["fixmedins_code"]): r["value"] for r in content.window_results.to_pylist()}
    assert values[("36", None)] == 3 * Decimal("1200")  # an amount: summed over the quarter
    assert values[("36", "H001")] == 3 * Decimal("700")
    assert values[("12", None)] == Decimal("0.4512")  # year to date: the quarter's end


def test_a_month_of_the_window_missing_from_the_lake_refuses(settings):
    """Only a month of the release's own window refuses (history months may be missing)."""
    write_results(settings, "20250405T000000-01aaaa", BASE_VALUES, period="2025-01")  # no 2025-02
    with pytest.raises(MissingSourceError) as err:
        create_release("quarterly", "2025-Q1", settings, creator="王敏")
    assert "2025年2月没有结算数据" in err.value.message


# ---- quorum -------------------------------------------------------------------------------------


def test_quorum_counts_distinct_approving_members(settings):
    rid = create_release("monthly", "2025-03", settings, creator="王敏").release_id
    submit(rid, "王敏", settings)
    r = sign(rid, "m01", True, "同意", settings)
    r = sign(rid, "m01", True, "再次同意", settings)  # the same member twice counts once
    assert r.state == State.IN_REVIEW and r.approvers == ["李主任"]
    r = sign(rid, "张医生", False, "第36项请再核对", settings)  # a comment is not an approval
    assert r.state == State.IN_REVIEW and len(r.signoffs) == 3
    r = sign(rid, "张医生", True, "", settings)
    assert r.state == State.APPROVED and r.approvals_needed == 2
    log = audit_log(settings, rid)
    assert [e.action for e in log][-1] == "approve" and log[-1].detail["approvals"] == 2


def test_quorum_as_a_fraction_of_active_members(tmp_path):
    s = make_settings(tmp_path / "w", release_quorum=0.6)
    write_results(s, "20250405T000000-aaaaaa", BASE_VALUES)
    write_check(s, "20250405T000000-aaaaaa", "20250405T010000-cccccc")
    write_findings(s, "20250405T020000-ffffff")
    for i in range(1, 6):
        add_member(f"m{i}", f"成员{i}", "hospital", s, actor="管理员")
    rid = create_release("monthly", "2025-03", s, creator="王敏").release_id
    submit(rid, "王敏", s)
    assert get_release(rid, s).approvals_needed == 3  # ceil(0.6 * 5)
    approve(rid, s, members=("m1", "m2"))
    assert get_release(rid, s).state == State.IN_REVIEW
    assert approve(rid, s, members=("m3",)).state == State.APPROVED


def test_only_registered_active_members_sign(settings):
    rid = create_release("monthly", "2025-03", settings, creator="王敏").release_id
    submit(rid, "王敏", settings)
    with pytest.raises(MemberError, match="不是已登记的数据工作组成员"):
        sign(rid, "路人甲", True, settings=settings)
    deactivate_member("m03", settings, actor="管理员")
    with pytest.raises(MemberError, match="已停用"):
        sign(rid, "m03", True, settings=settings)
    with pytest.raises(ReleaseError, match="同意"):
        sign(rid, "m01", False, "  ", settings=settings)
    with pytest.raises(MemberError, match="未知的成员角色"):
        add_member("m09", "赵", "观察员", settings)


# ---- the 复核 gate ------------------------------------------------------------------------------


def _failing_settings(tmp_path):
    s = make_settings(tmp_path / "w")
    write_results(s, "20250405T000000-aaaaaa", BASE_VALUES)
    write_check(s, "20250405T000000-aaaaaa", "20250405T010000-cccccc", failing=True)
    write_findings(s, "20250405T020000-ffffff")
    add_member("m01", "李主任", "convener", s, actor="管理员")
    add_member("m02", "张医生", "hospital", s, actor="管理员")
    return s


def test_publish_refused_while_a_check_fails(tmp_path):
    s = _failing_settings(tmp_path)
    release = _approved(s)
    assert release.check_status == "fail"
    with pytest.raises(PublishBlockedError) as err:
        publish(release.release_id, "王敏", settings=s)
    assert "institutions_add_up" in err.value.message and "不通过" in err.value.message
    assert "--override-reason" in err.value.hint
    assert get_release(release.release_id, s).state == State.APPROVED
    blocked = audit_log(s, release.release_id)[-1]
    assert blocked.action == "publish_blocked" and blocked.detail["failing_checks"] == ["institutions_add_up"]


def test_override_with_reason_publishes_and_is_logged(tmp_path):
    s = _failing_settings(tmp_path)
    release = _approved(s)
    reason = "差额为异地就医结算，经工作组审议同意发布"
    published = publish(release.release_id, "王敏", override_reason=reason, settings=s)
    assert published.state == State.PUBLISHED
    (override,) = published.overrides
    assert (override.actor, override.reason, override.failing_checks) == ("王敏", reason, ("institutions_add_up",))
    assert override.at is not None
    actions = [(e.action, e.actor) for e in audit_log(s, release.release_id)]
    assert actions[-2:] == [("override", "王敏"), ("publish", "王敏")]
    assert audit_log(s, release.release_id)[-2].detail["reason"] == reason


def test_blank_override_reason_is_no_override(tmp_path):
    s = _failing_settings(tmp_path)
    release = _approved(s)
    with pytest.raises(PublishBlockedError):
        publish(release.release_id, "王敏", override_reason="   ", settings=s)


# ---- revisions -----------------------------------------------------------------------------------


def test_revision_keeps_v1_readable_and_records_diff_and_reason(settings, tmp_path):
    v1 = create_release("monthly", "2025-03", settings, creator="王敏")
    (tmp_path / "月推送.md").write_text("# 2025年3月月推送\n", encoding="utf-8")
    attach_files(v1.release_id, [tmp_path / "月推送.md"], settings, actor="王敏")
    submit(v1.release_id, "王敏", settings)
    approve(v1.release_id, settings)
    v1 = publish(v1.release_id, "王敏", settings=settings)
    v1_files = {f["path"]: f["sha256"] for f in v1.files()}

    # corrected figures: recompute, re-check, then revise
    corrected = dict(BASE_VALUES)
    corrected[("36", "H002")] = "520"
    del corrected[("12", None)]
    corrected[("41", None)] = "-3.5"
    write_results(settings, "20250410T000000-dddddd", corrected)
    write_check(settings, "20250410T000000-dddddd", "20250410T010000-eeeeee")
    v2 = revise(v1.release_id, "王敏", "H002 出院人次更正", settings)

    assert v2.version == 2 and v2.state == State.DRAFT and v2.parent_id == v1.release_id
    assert v2.revision_reason == "H002 出院人次更正" and v2.results_run_id == "20250410T000000-dddddd"
    # the published v1 stays published (until v2 is published), readable and unchanged
    again = get_release(v1.release_id, settings)
    assert again.state == State.PUBLISHED and {f["path"]: f["sha256"] for f in again.files()} == v1_files
    assert (again.bundle_dir / "reports" / "月推送.md").read_text(encoding="utf-8").startswith("# 2025年3月")

    changes = release_changes(v2.release_id, settings)
    assert changes["reason"] == "H002 出院人次更正" and changes["revised_by"] == "王敏"
    rows = {(r["indicator_id"], r["fixmedins_code"]): r for r in changes["results"]["rows"]}
    assert rows[("36", "H002")] == {"indicator_id": "36", "scope": "institution", "fixmedins_code": "H002",
                                    "change": "changed", "old": "500", "new": "520"}
    assert rows[("12", None)]["change"] == "removed" and rows[("41", None)]["new"] == "-3.5"
    assert (changes["results"]["changed"], changes["results"]["added"], changes["results"]["removed"]) == (1, 1, 1)
    assert changes["files"]["removed"] == ["reports/月推送.md"]
    assert {"check_report.parquet", "results.parquet"} <= set(changes["files"]["changed"])

    # re-rendered material attached to the revision shows up in its record of changes
    (tmp_path / "月推送.md").write_text("# 2025年3月月推送（修订）\n", encoding="utf-8")
    attach_files(v2.release_id, [tmp_path / "月推送.md"], settings, actor="王敏")
    changes = release_changes(v2.release_id, settings)
    assert "reports/月推送.md" in changes["files"]["changed"] and changes["files"]["removed"] == []

    submit(v2.release_id, "王敏", settings)
    approve(v2.release_id, settings)
    publish(v2.release_id, "王敏", settings=settings)
    old = get_release(v1.release_id, settings)
    assert old.state == State.REVISED and old.superseded_by == v2.release_id
    assert {f["path"]: f["sha256"] for f in old.files()} == v1_files
    assert [e.action for e in audit_log(settings, v1.release_id)][-1] == "supersede"


def test_revising_an_unpublished_version_supersedes_it_and_only_the_newest_is_revised(settings):
    v1 = create_release("monthly", "2025-03", settings, creator="王敏")
    submit(v1.release_id, "王敏", settings)
    v2 = revise(v1.release_id, "王敏", "审议意见：补充说明", settings)
    assert get_release(v1.release_id, settings).state == State.REVISED
    with pytest.raises(IllegalTransitionError, match="不是最新版本"):
        revise(v1.release_id, "王敏", "再改", settings)
    with pytest.raises(ReleaseError, match="理由"):
        revise(v2.release_id, "王敏", "", settings)


# ---- the audit log --------------------------------------------------------------------------------


def test_every_act_is_logged_with_who_and_when(settings):
    release = _approved(settings)
    publish(release.release_id, "刘处长", settings=settings)
    log = audit_log(settings, release.release_id)
    assert [(e.action, e.actor) for e in log] == [
        ("create", "王敏"), ("submit", "王敏"), ("sign", "李主任"), ("sign", "张医生"), ("approve", "张医生"),
        ("publish", "刘处长")]
    assert all(e.at.tzinfo is not None for e in log)
    assert [e.at for e in log] == sorted(e.at for e in log)
    assert verify_audit(settings) == []


def test_audit_log_and_signoffs_are_append_only(settings):
    _approved(settings)
    with pytest.raises(AuditLogError):
        with session_scope(settings) as session:
            session.scalars(select(AuditRow)).first().actor = "别人"
    with pytest.raises(AuditLogError):
        with session_scope(settings) as session:
            session.delete(session.scalars(select(SignOffRow)).first())
    with pytest.raises(AuditLogError):
        with session_scope(settings) as session:
            session.execute(delete(AuditRow))
    assert len(audit_log(settings)) > 0 and verify_audit(settings) == []


def test_an_edit_behind_the_orms_back_breaks_the_hash_chain(settings):
    _approved(settings)
    seq = audit_log(settings)[-2].seq
    with engine_for(settings).begin() as conn:  # e.g. another tool writing to the database
        conn.execute(update(AuditRow.__table__).where(AuditRow.__table__.c.seq == seq).values(actor="别人"))
    assert verify_audit(settings) == [seq]
