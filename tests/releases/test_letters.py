"""The 提醒函 state machine (releases/letters.py): whatever the order of the acts, a letter only
moves along 已发出 → 已签收 → 已报送自查报告 → (已移交核查 →) 已办结, a refused act changes nothing,
and each accepted act is one audit entry; a closed letter is never reopened."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from liangjiadi.config import Settings
from liangjiadi.releases import audit_log
from liangjiadi.releases import letters as L
from liangjiadi.releases.store import dispose_engines, session_scope, utcnow

ALLOWED = {("issued", "sign"): "signed", ("signed", "report"): "reported", ("reported", "route"): "routed",
           ("reported", "close"): "closed", ("routed", "close"): "closed"}
ACTS = ("sign", "report", "route", "close")


def _letter(settings: Settings) -> int:
    with session_scope(settings) as session:
        row = L.LetterRow(release_id="140400-monthly-2025-12-v1", admdvs="140400", kind="monthly", period="2025-12",
                          fixmedins_code="H14040000015", institution_name="某医院", findings=[], selfcheck="自查",
                          due_on=date.today() + timedelta(days=21), state="issued", issued_by="officer",
                          issued_at=utcnow())
        session.add(row)
        session.flush()
        return row.id


def _do(settings: Settings, letter_id: int, act: str) -> None:
    if act == "sign":
        L.sign_receipt(settings, letter_id, "inst")
    elif act == "report":
        L.report(settings, letter_id, "inst", "已自查", [1])
    elif act == "route":
        L.route(settings, letter_id, "officer", "基金监管")
    else:
        L.close(settings, letter_id, "officer", "已核查")


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(ACTS), max_size=8))
def test_any_order_of_acts_follows_the_states(tmp_path_factory, acts):
    settings = Settings(workdir=tmp_path_factory.mktemp("letters"))
    try:
        lid = _letter(settings)
        state, accepted = "issued", 0
        for act in acts:
            expected = ALLOWED.get((state, act))
            try:
                _do(settings, lid, act)
            except L.LetterError:
                assert expected is None, (state, act)
            else:
                assert expected is not None, (state, act)
                state, accepted = expected, accepted + 1
            assert L.get_letter(settings, lid)["state"] == state
        assert len([e for e in audit_log(settings) if e.detail.get("letter") == lid]) == accepted
    finally:
        dispose_engines()


def test_a_report_needs_a_file_and_a_route_a_known_office(tmp_path):
    settings = Settings(workdir=tmp_path)
    lid = _letter(settings)
    L.sign_receipt(settings, lid, "inst")
    try:
        L.report(settings, lid, "inst", "无文件", [])
    except L.LetterError as exc:
        assert "请上传自查报告文件" in exc.message
    else:
        raise AssertionError("a report without a file was accepted")
    L.report(settings, lid, "inst", "已自查", [1])
    try:
        L.route(settings, lid, "officer", "公安")
    except L.LetterError as exc:
        assert "经办 或 基金监管" in exc.message
    else:
        raise AssertionError("an unknown office was accepted")
    assert L.route(settings, lid, "officer", "经办")["state_cn"] == "已移交核查（经办核查）"
    dispose_engines()
