"""点名提醒: 提醒函 to named institutions from a release's findings, 回执, 自查报告 and 核查
(seeds/001 §六(七), 附录2(三), 附录3).

A letter is a record of the releases layer, like an objection (releases/objections.py): the
portal and the CLI write through this module, and `release create` freezes the status of the
region's letters into the next bundle (letters.json) so that its report shows every open letter
and every letter closed since the previous release of the same kind.

States: 已发出 → 已签收（回执）→ 已报送自查报告 → 已办结, or → 已移交核查（经办 / 基金监管）
→ 已办结 with the 核查 outcome recorded. Every transition is an entry of the release audit log.
The self-check is due `letter_selfcheck_days` working days after issue (weekends and `holidays`
excluded); a letter not answered by then is overdue, and `escalate_overdue` marks it 已督办 once.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pyarrow.parquet as pq
from sqlalchemy import JSON, Date, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..config import Settings
from .errors import ReleaseError
from .model import Release, State
from .objections import add_working_days, local_date
from .store import AboutAnInstitutionsRelease, Base, ReleaseRow, append_audit, as_utc, session_scope, utcnow

STATE_CN = {"issued": "已发出", "signed": "已签收", "reported": "已报送自查报告", "routed": "已移交核查",
            "closed": "已办结"}
ROUTE_CN = {"jingban": "经办", "jijin": "基金监管"}
OPEN_STATES = ("issued", "signed", "reported", "routed")
WAITING_ON_INSTITUTION = ("issued", "signed")
ISSUABLE = frozenset({State.PUBLISHED, State.REVISED})
SELFCHECK = ("请对上述疑点线索逐条开展自查：核实相关病例和结算数据，说明情况和原因；确有问题的，"
             "提出整改措施并落实，退回或追回违规费用。请在门户签署回执，并于期限内上传加盖公章的自查报告。")


class LetterError(ReleaseError):
    code = "LJD-LETTER"


class LetterRow(AboutAnInstitutionsRelease, Base):
    __tablename__ = "ljd_letters"

    institution_name: Mapped[str | None] = mapped_column(String(200))
    findings: Mapped[list] = mapped_column(JSON)  # the findings as frozen in the release: pattern, message, evidence
    selfcheck: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), index=True)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    document: Mapped[str | None] = mapped_column(String(300))  # the Word letter, relative to the workdir
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_by: Mapped[str | None] = mapped_column(String(64))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report_text: Mapped[str | None] = mapped_column(Text)
    routed_by: Mapped[str | None] = mapped_column(String(64))
    routed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    route_to: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# ---- reading -------------------------------------------------------------------------------

def is_overdue(row: LetterRow, today: date) -> bool:
    """The institution has not reported its self-check by the deadline."""
    return row.state in WAITING_ON_INSTITUTION and today > row.due_on


def state_text(row: LetterRow) -> str:
    text = STATE_CN[row.state]
    if row.route_to:
        text += f"（{ROUTE_CN[row.route_to]}核查）" if row.state == "routed" else f"（经{ROUTE_CN[row.route_to]}核查）"
    return text


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def as_dict(row: LetterRow, today: date | None = None) -> dict:
    today = today or local_date(utcnow())
    return {"id": row.id, "release_id": row.release_id, "admdvs": row.admdvs, "kind": row.kind, "period": row.period,
            "fixmedins_code": row.fixmedins_code, "institution_name": row.institution_name,
            "findings": list(row.findings or []), "selfcheck": row.selfcheck, "due_on": row.due_on.isoformat(),
            "state": row.state, "state_cn": state_text(row), "overdue": is_overdue(row, today),
            "escalated": row.escalated_at is not None, "escalated_at": _iso(row.escalated_at),
            "issued_by": row.issued_by, "issued_at": _iso(row.issued_at), "document": row.document,
            "signed_by": row.signed_by, "signed_at": _iso(row.signed_at), "reported_at": _iso(row.reported_at),
            "report_text": row.report_text, "route_to": row.route_to,
            "route_cn": ROUTE_CN.get(row.route_to or "", ""), "routed_at": _iso(row.routed_at),
            "outcome": row.outcome, "closed_by": row.closed_by, "closed_at": _iso(row.closed_at)}


def list_letters(settings: Settings, *, admdvs: str | None = None, fixmedins_code: str | None = None,
                 release_id: str | None = None, open_only: bool = False) -> list[dict]:
    with session_scope(settings) as session:
        query = select(LetterRow).order_by(LetterRow.id)
        if admdvs is not None:
            query = query.where(LetterRow.admdvs == admdvs)
        if fixmedins_code is not None:
            query = query.where(LetterRow.fixmedins_code == fixmedins_code)
        if release_id is not None:
            query = query.where(LetterRow.release_id == release_id)
        if open_only:
            query = query.where(LetterRow.state.in_(OPEN_STATES))
        return [as_dict(r) for r in session.scalars(query)]


def get_letter(settings: Settings, letter_id: int) -> dict | None:
    with session_scope(settings) as session:
        row = session.get(LetterRow, letter_id)
        return as_dict(row) if row else None


# ---- issuing -------------------------------------------------------------------------------

def release_findings(release: Release) -> dict[str, list[dict]]:
    """{institution code: its findings as frozen in the release} (region-level findings have no addressee)."""
    patterns = _json(release, "patterns.json", {})
    names = {i.get("code"): i.get("name") or "" for i in _json(release, "institutions.json", [])}
    out: dict[str, list[dict]] = {}
    for r in pq.read_table(release.path_of("findings.parquet")).to_pylist():
        code = r.get("fixmedins_code")
        if not code:
            continue
        message = r.get("message") or ""
        # a letter goes to one institution: a message naming another one is replaced, as in its push
        if any(c != code and (c in message or (len(n) > 2 and n in message)) for c, n in names.items()):
            message = f"{patterns.get(r['pattern'], r['pattern'])}：存在需要核实的数据异常，依据见下。"
        try:
            evidence = json.loads(r.get("evidence") or "{}")
        except ValueError:
            evidence = {}
        out.setdefault(code, []).append({
            "pattern": r["pattern"], "pattern_name": patterns.get(r["pattern"], r["pattern"]),
            "severity": r.get("severity") or "", "period": r.get("period") or release.source_period,
            "message": message, "evidence": evidence})
    return out


def _json(release: Release, name: str, default):
    path = release.path_of(name)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default


def issue(settings: Settings, release: Release, actor: str, codes: list[str] | None = None,
          selfcheck: str | None = None, days: int | None = None) -> list[dict]:
    """One letter per named institution with findings in the release (all of them when `codes` is
    None). An institution already sent a letter about this release is not sent a second one."""
    if release.state not in ISSUABLE:
        raise LetterError("只能根据已发布的版本发出提醒函", f"发布 {release.release_id} 尚未发布")
    found = release_findings(release)
    wanted = sorted(found) if codes is None else list(dict.fromkeys(codes))
    missing = [c for c in wanted if c not in found]
    if missing:
        raise LetterError(f"发布 {release.release_id} 中没有涉及 {'、'.join(missing)} 的疑点线索，不能据此发提醒函",
                          "用 liangjiadi letter issue --release 发布编号 查看可点名的机构")
    names = {i.get("code"): i.get("name") for i in _json(release, "institutions.json", [])}
    days = days or settings.letter_selfcheck_days
    now = utcnow()
    due = add_working_days(local_date(now), days, set(settings.holidays))
    made = []
    with session_scope(settings) as session:
        sent = set(session.scalars(select(LetterRow.fixmedins_code).where(LetterRow.release_id == release.release_id)))
        for code in wanted:
            if code in sent:
                continue
            row = LetterRow(release_id=release.release_id, admdvs=release.admdvs, kind=release.kind.value,
                            period=release.period, fixmedins_code=code, institution_name=names.get(code),
                            findings=found[code], selfcheck=(selfcheck or "").strip() or SELFCHECK, due_on=due,
                            state="issued", issued_by=actor, issued_at=now)
            session.add(row)
            session.flush()
            _audit(session, actor, "letter_issue", row, {"due_on": due.isoformat(), "findings": len(found[code])})
            made.append(as_dict(row))
    return made


def set_document(settings: Settings, letter_id: int, relative: str) -> None:
    """Where the rendered Word letter is (reports/letter.py writes it)."""
    with session_scope(settings) as session:
        row = session.get(LetterRow, letter_id)
        row.document = relative


# ---- transitions ---------------------------------------------------------------------------

ACT_CN = {"sign": "签署回执", "report": "报送自查报告", "route": "移交核查", "close": "办结"}
FROM = {"sign": ("issued",), "report": ("signed",), "route": ("reported",), "close": ("reported", "routed")}


def _transition(settings: Settings, letter_id: int, actor: str, act: str, apply, detail: dict | None = None) -> dict:
    with session_scope(settings) as session:
        row = session.get(LetterRow, letter_id)
        if row is None:
            raise LetterError(f"没有编号为 {letter_id} 的提醒函")
        if row.state not in FROM[act]:
            raise LetterError(f"提醒函 {letter_id} 当前为「{STATE_CN[row.state]}」，不能{ACT_CN[act]}")
        apply(row, utcnow())
        _audit(session, actor, f"letter_{act}", row, detail)
        return as_dict(row)


def sign_receipt(settings: Settings, letter_id: int, actor: str) -> dict:
    """The institution's 回执: it has received the letter."""
    def apply(row: LetterRow, now: datetime) -> None:
        row.state, row.signed_by, row.signed_at = "signed", actor, now
    return _transition(settings, letter_id, actor, "sign", apply)


def report(settings: Settings, letter_id: int, actor: str, text: str, attachment_ids: list[int]) -> dict:
    """The institution's 自查报告: a summary and at least one uploaded file (releases/attachments.py)."""
    if not attachment_ids:
        raise LetterError("请上传自查报告文件", "可上传 PDF、Word 或图片")

    def apply(row: LetterRow, now: datetime) -> None:
        row.state, row.reported_by, row.reported_at, row.report_text = "reported", actor, now, (text or "").strip()
    return _transition(settings, letter_id, actor, "report", apply, {"attachments": list(attachment_ids)})


def report_with_files(settings: Settings, letter_id: int, actor: str, text: str,
                      files: list[tuple[str, bytes]]) -> dict:
    """The 自查报告 as uploaded: the letter must await it and every file must pass
    (releases/attachments.py) before anything is kept."""
    from . import attachments

    letter = get_letter(settings, letter_id)
    if letter is None:
        raise LetterError(f"没有编号为 {letter_id} 的提醒函")
    if letter["state"] not in FROM["report"]:
        raise LetterError(f"提醒函 {letter_id} 当前为「{STATE_CN[letter['state']]}」，不能{ACT_CN['report']}",
                          "请先签署回执")
    if not files:
        raise LetterError("请上传自查报告文件", "可上传 PDF、Word 或图片")
    for name, data in files:
        attachments.check(settings, name, data)
    ids = [attachments.store(settings, "letter", letter_id, name, data, actor, purpose="selfcheck",
                             release_id=letter["release_id"])["id"] for name, data in files]
    return report(settings, letter_id, actor, text, ids)


def route(settings: Settings, letter_id: int, actor: str, to: str, note: str = "") -> dict:
    """Send what the self-check did not settle to 经办 or 基金监管 for 核查."""
    key = {"经办": "jingban", "基金监管": "jijin"}.get(to, to)
    if key not in ROUTE_CN:
        raise LetterError(f"移交对象须为 经办 或 基金监管：{to}")

    def apply(row: LetterRow, now: datetime) -> None:
        row.state, row.routed_by, row.routed_at, row.route_to = "routed", actor, now, key
    return _transition(settings, letter_id, actor, "route", apply, {"route_to": key, "note": note.strip()})


def close(settings: Settings, letter_id: int, actor: str, outcome: str) -> dict:
    """Close: the self-check settles it, or the 核查 outcome (required after routing) is recorded."""
    if not (outcome or "").strip():
        raise LetterError("办结须写明结论", "移交核查的，写明核查结果（如：经基金监管核查，追回违规费用若干元）")

    def apply(row: LetterRow, now: datetime) -> None:
        row.state, row.outcome, row.closed_by, row.closed_at = "closed", outcome.strip(), actor, now
    return _transition(settings, letter_id, actor, "close", apply, {"outcome": outcome.strip()})


def escalate_overdue(settings: Settings, admdvs: str | None = None, today: date | None = None,
                     actor: str = "系统") -> list[dict]:
    """Mark every overdue letter 已督办 once (audited); returns the letters marked now."""
    today = today or local_date(utcnow())
    marked = []
    with session_scope(settings) as session:
        query = select(LetterRow).where(LetterRow.state.in_(WAITING_ON_INSTITUTION), LetterRow.escalated_at.is_(None))
        if admdvs is not None:
            query = query.where(LetterRow.admdvs == admdvs)
        for row in session.scalars(query.order_by(LetterRow.id)):
            if is_overdue(row, today):
                row.escalated_at = utcnow()
                _audit(session, actor, "letter_escalate", row, {"due_on": row.due_on.isoformat()})
                marked.append(as_dict(row, today))
    return marked


def _audit(session, actor: str, action: str, row: LetterRow, detail: dict | None = None) -> None:
    append_audit(session, actor, action, row.release_id,
                 {"letter": row.id, "state": row.state, "fixmedins_code": row.fixmedins_code, **(detail or {})})


# ---- what the next release freezes ------------------------------------------------------------

def status_for_next(settings: Settings, admdvs: str, kind: str, period_key: str) -> list[dict]:
    """Every open letter of the region and every one closed since the newest release of `kind`
    for an earlier period was created: what the release of `period_key` reports."""
    with session_scope(settings) as session:
        previous = session.scalars(
            select(ReleaseRow.created_at).where(ReleaseRow.admdvs == admdvs, ReleaseRow.kind == kind,
                                                ReleaseRow.period < period_key)
            .order_by(ReleaseRow.created_at.desc()).limit(1)).first()
        rows = session.scalars(select(LetterRow).where(LetterRow.admdvs == admdvs).order_by(LetterRow.id))
        return [as_dict(r) for r in rows
                if r.state != "closed" or previous is None or as_utc(r.closed_at) > as_utc(previous)]


FROZEN_FIELDS = ("id", "release_id", "period", "fixmedins_code", "institution_name", "due_on", "state", "state_cn",
                 "overdue", "escalated", "route_to", "route_cn", "outcome", "issued_at", "signed_at", "reported_at",
                 "routed_at", "closed_at")


def frozen_letter(letter: dict) -> dict:
    """What a bundle keeps of a letter: its status and the finding patterns, no user names."""
    return {**{k: letter[k] for k in FROZEN_FIELDS},
            "patterns": sorted({f.get("pattern_name") or f.get("pattern") for f in letter["findings"]})}
