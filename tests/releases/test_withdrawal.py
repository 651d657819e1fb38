"""Withdrawal (撤回) is not a revision: the version is taken back with a reason, stays readable and
unchanged, is marked 已撤回 (not 已被修订), and is audited; a correction may follow."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from liangjiadi.releases import (
    IllegalTransitionError, ReleaseError, State, audit_log, create_release, get_release, publish, revise, submit,
    verify_audit, verify_release, withdraw,
)

from .conftest import approve, write_check, write_results


def _published(settings):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    submit(release.release_id, "王敏", settings)
    approve(release.release_id, settings)
    return publish(release.release_id, "王敏", settings=settings)


def test_a_withdrawal_keeps_the_version_readable_marked_and_audited(settings):
    v1 = _published(settings)
    files = {f["path"]: f["sha256"] for f in v1.files()}
    out = withdraw(v1.release_id, "王敏", "  H002 出院人次有误，待核实  ", settings)

    assert out.state == State.WITHDRAWN and out.state != State.REVISED
    assert out.withdrawal_reason == "H002 出院人次有误，待核实" and out.withdrawn_by == "王敏" and out.withdrawn_at
    assert out.superseded_by is None  # nothing replaced it (that is a revision)
    again = get_release(v1.release_id, settings)
    assert again.state == State.WITHDRAWN and {f["path"]: f["sha256"] for f in again.files()} == files
    assert verify_release(v1.release_id, settings) == []  # the bundle is untouched
    entry = [e for e in audit_log(settings, v1.release_id) if e.action == "withdraw"]
    assert len(entry) == 1 and entry[0].actor == "王敏" and entry[0].detail == {"reason": "H002 出院人次有误，待核实"}
    assert verify_audit(settings) == []


def test_only_a_published_version_is_withdrawn_and_a_reason_is_required(settings):
    draft = create_release("monthly", "2025-03", settings, creator="王敏")
    with pytest.raises(IllegalTransitionError) as err:
        withdraw(draft.release_id, "王敏", "理由", settings)
    assert "不能撤回" in err.value.message and "无需撤回" in err.value.hint
    submit(draft.release_id, "王敏", settings)
    approve(draft.release_id, settings)
    published = publish(draft.release_id, "王敏", settings=settings)
    with pytest.raises(ReleaseError, match="须说明理由"):
        withdraw(published.release_id, "王敏", "  ", settings)
    withdraw(published.release_id, "王敏", "数据有误", settings)
    with pytest.raises(IllegalTransitionError, match="不能撤回"):
        withdraw(published.release_id, "王敏", "再撤一次", settings)
    with pytest.raises(IllegalTransitionError, match="不能发布"):
        publish(published.release_id, "王敏", settings=settings)


def test_a_correction_after_a_withdrawal_names_its_successor_and_the_mark_stays(settings):
    v1 = _published(settings)
    withdraw(v1.release_id, "王敏", "数据有误", settings)
    write_results(settings, "20250410T000000-dddddd", {("36", "H002"): "520"})
    write_check(settings, "20250410T000000-dddddd", "20250410T010000-eeeeee")
    v2 = revise(v1.release_id, "王敏", "更正 H002", settings)
    assert get_release(v1.release_id, settings).state == State.WITHDRAWN  # not turned into 已被修订
    submit(v2.release_id, "王敏", settings)
    approve(v2.release_id, settings)
    publish(v2.release_id, "王敏", settings=settings)
    old = get_release(v1.release_id, settings)
    assert old.state == State.WITHDRAWN and old.superseded_by == v2.release_id
    assert old.withdrawal_reason == "数据有误"


def test_a_revised_version_is_not_withdrawn(settings):
    v1 = _published(settings)
    write_results(settings, "20250410T000000-dddddd", {("36", "H002"): "520"})
    write_check(settings, "20250410T000000-dddddd", "20250410T010000-eeeeee")
    v2 = revise(v1.release_id, "王敏", "更正", settings)
    submit(v2.release_id, "王敏", settings)
    approve(v2.release_id, settings)
    publish(v2.release_id, "王敏", settings=settings)
    with pytest.raises(IllegalTransitionError) as err:
        withdraw(v1.release_id, "王敏", "理由", settings)
    assert v2.release_id in err.value.hint


def test_the_command_withdraws_and_shows_the_mark(settings):
    from liangjiadi.cli.main import app

    v1 = _published(settings)
    runner = CliRunner()
    args = ["--workdir", str(settings.workdir)]
    env = {"COLUMNS": "200"}
    result = runner.invoke(app, ["release", "withdraw", v1.release_id, "--reason", "口径有误", "--by", "王敏", *args],
                           env=env)
    assert result.exit_code == 0, result.output
    assert "已撤回" in result.output and "口径有误" in result.output
    shown = runner.invoke(app, ["release", "show", v1.release_id, *args], env=env)
    assert shown.exit_code == 0 and "已撤回" in shown.output and "口径有误" in shown.output
    again = runner.invoke(app, ["release", "withdraw", v1.release_id, "--reason", "x", "--by", "王敏", *args], env=env)
    assert again.exit_code != 0 and "Traceback" not in again.output and "不能撤回" in again.output
