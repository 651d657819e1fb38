"""Opening the questionnaire, handing out one-time codes, taking anonymous answer sheets.

附录4 says 问卷采用无记名方式统计; §六(六) has the bureau hand it out at the meeting and the
province collect and analyse it. So:
- the officer opens a survey for a meeting or a release and issues one-time codes (printed on the
  paper handed out, or given per institution); only a hash of each code and a used flag are kept;
- a sheet is accepted with an unused code of that survey; the code is marked used and the sheet
  stored in the same transaction, and neither row names the other, a user, an institution or a time;
- on PostgreSQL every row keeps the id of the transaction that last wrote it (xmin): so that the
  transaction that stored a sheet does not point at the one code it used, the same transaction
  rewrites every code row of the survey (all of them then carry the newest transaction's id).
Who may open, answer or read results is the portal's decision (portal/access.py).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import func, select, update

from ..config import Settings
from ..releases.store import ReleaseRow, as_utc, session_scope, utcnow
from .errors import CodeRefused, SurveyError
from .questionnaire import check_sheet, load
from .store import SurveyCodeRow, SurveyResponseRow, SurveyRow

STATE_CN = {"open": "开放中", "closed": "已结束"}
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read from paper
CODE_LENGTH = 10  # 31^10 ≈ 8·10^14: not guessable through the portal
MAX_CODES = 5000


def _code_hash(survey_id: int, code: str) -> str:
    return hashlib.sha256(f"ljd-survey:{survey_id}:{normalise_code(code)}".encode()).hexdigest()


def normalise_code(code: str) -> str:
    """What the respondent typed, as issued: upper case, without spaces or dashes."""
    return "".join(ch for ch in str(code).upper() if ch not in " -\u3000\t")


def _format_code(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def _as_dict(row: SurveyRow, counts: dict | None = None) -> dict:
    counts = counts or {}
    return {"id": row.id, "admdvs": row.admdvs, "title": row.title, "release_id": row.release_id,
            "meeting": row.meeting, "state": row.state, "state_cn": STATE_CN.get(row.state, row.state),
            "opened_by": row.opened_by, "opened_at": as_utc(row.opened_at).isoformat(),
            "closed_by": row.closed_by, "closed_at": as_utc(row.closed_at).isoformat() if row.closed_at else None,
            "codes_issued": counts.get("issued", 0), "codes_used": counts.get("used", 0),
            "responses": counts.get("responses", 0)}


def _counts(session, survey_id: int) -> dict:
    issued = session.scalar(select(func.count()).where(SurveyCodeRow.survey_id == survey_id)) or 0
    used = session.scalar(select(func.count()).where(SurveyCodeRow.survey_id == survey_id,
                                                     SurveyCodeRow.used.is_(True))) or 0
    answered = session.scalar(select(func.count()).where(SurveyResponseRow.survey_id == survey_id)) or 0
    return {"issued": issued, "used": used, "responses": answered}


def open_survey(settings: Settings, admdvs: str, actor: str, *, release_id: str | None = None,
                meeting: str | None = None, title: str | None = None) -> dict:
    """Open the questionnaire for a meeting (e.g. “2026年第一季度数据发布会”) or a release."""
    meeting = (meeting or "").strip() or None
    release_id = (release_id or "").strip() or None
    if not admdvs or not admdvs.isdigit() or len(admdvs) != 6:
        raise SurveyError(f"统筹地区代码“{admdvs}”不正确", "应为 6 位医保区划代码，例如 140400")
    if meeting is None and release_id is None:
        raise SurveyError("开放问卷须注明对应的发布活动（会议）或发布", "例如 --meeting 2026年第一季度数据发布会 或 --release 发布编号")
    title = (title or "").strip() or f"{load().title}（{meeting or release_id}）"
    with session_scope(settings) as session:
        if release_id is not None:
            release = session.get(ReleaseRow, release_id)
            if release is None or release.admdvs != admdvs:
                raise SurveyError(f"发布 {release_id} 不存在或不属于统筹地区 {admdvs}", "liangjiadi release list 列出发布")
        row = SurveyRow(admdvs=admdvs, title=title[:200], release_id=release_id, meeting=meeting and meeting[:200],
                        state="open", opened_by=actor, opened_at=utcnow())
        session.add(row)
        session.flush()
        return _as_dict(row)


def get_survey(settings: Settings, survey_id: int) -> dict | None:
    with session_scope(settings) as session:
        row = session.get(SurveyRow, survey_id)
        return _as_dict(row, _counts(session, row.id)) if row is not None else None


def require_survey(settings: Settings, survey_id: int) -> dict:
    found = get_survey(settings, survey_id)
    if found is None:
        raise SurveyError(f"问卷 {survey_id} 不存在", "liangjiadi survey list 列出已开放的问卷")
    return found


def list_surveys(settings: Settings, *, admdvs: str | None = None, province: str | None = None,
                 state: str | None = None) -> list[dict]:
    """Surveys of one region (admdvs), or of a province (its 2-digit prefix), newest first."""
    with session_scope(settings) as session:
        query = select(SurveyRow).order_by(SurveyRow.id.desc())
        if admdvs:
            query = query.where(SurveyRow.admdvs == admdvs)
        if province:
            query = query.where(SurveyRow.admdvs.startswith(province[:2]))
        if state:
            query = query.where(SurveyRow.state == state)
        return [_as_dict(r, _counts(session, r.id)) for r in session.scalars(query)]


def close_survey(settings: Settings, survey_id: int, actor: str) -> dict:
    with session_scope(settings) as session:
        row = session.get(SurveyRow, survey_id)
        if row is None:
            raise SurveyError(f"问卷 {survey_id} 不存在")
        if row.state != "open":
            raise SurveyError(f"问卷 {survey_id} 已结束")
        row.state, row.closed_by, row.closed_at = "closed", actor, utcnow()
        session.flush()
        return _as_dict(row, _counts(session, row.id))


def issue_codes(settings: Settings, survey_id: int, count: int) -> list[str]:
    """`count` new one-time codes, shown this once: only their hashes are stored."""
    if not 1 <= count <= MAX_CODES:
        raise SurveyError(f"一次发放的答卷码数量应在 1 至 {MAX_CODES} 之间（收到 {count}）")
    survey = require_survey(settings, survey_id)
    if survey["state"] != "open":
        raise SurveyError(f"问卷 {survey_id} 已结束，不再发放答卷码")
    codes = []
    with session_scope(settings) as session:
        for _ in range(count):
            raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            codes.append(_format_code(raw))
            session.add(SurveyCodeRow(code_hash=_code_hash(survey_id, raw), survey_id=survey_id, used=False))
    return codes


def submit(settings: Settings, survey_id: int, code: str, unit_type, level, answers, blanks=None) -> None:
    """Take one answer sheet with an unused code of an open survey (CodeRefused otherwise).
    Returns nothing: the sheet's id is not shown either, so no one can claim a sheet as theirs."""
    sheet = check_sheet(load(), unit_type, level, answers, blanks)
    with session_scope(settings) as session:
        survey = session.get(SurveyRow, survey_id)
        if survey is None or survey.state != "open":
            raise SurveyError("该问卷未开放或已结束")
        # the used flag is set only if it was not: of two sheets sent with one code, one wins
        taken = session.execute(
            update(SurveyCodeRow)
            .where(SurveyCodeRow.survey_id == survey_id, SurveyCodeRow.code_hash == _code_hash(survey_id, code),
                   SurveyCodeRow.used.is_(False))
            .values(used=True))
        if taken.rowcount != 1:
            raise CodeRefused("答卷码无效或已使用", "每个答卷码只能提交一次；请核对发放的答卷码")
        # every code row of the survey rewritten by this transaction (see the module's note)
        session.execute(update(SurveyCodeRow).where(SurveyCodeRow.survey_id == survey_id)
                        .values(used=SurveyCodeRow.used))
        session.add(SurveyResponseRow(id=uuid.uuid4().hex, survey_id=survey_id, unit_type=sheet["unit_type"],
                                      level=sheet["level"], answers=sheet["answers"], blanks=sheet["blanks"]))


def sheets(settings: Settings, survey_ids: list[int]) -> list[dict]:
    """The answer sheets of the surveys (in the order of their random ids: no order of arrival)."""
    with session_scope(settings) as session:
        rows = session.scalars(select(SurveyResponseRow).where(SurveyResponseRow.survey_id.in_(survey_ids))
                               .order_by(SurveyResponseRow.id))
        return [{"survey_id": r.survey_id, "unit_type": r.unit_type, "level": r.level,
                 "answers": dict(r.answers or {}), "blanks": dict(r.blanks or {})} for r in rows]
