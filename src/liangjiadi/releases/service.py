"""The release workflow: create (freeze) -> submit -> sign -> publish, and revise.

    r = create_release("quarterly", "2025-Q1", settings, creator="王敏")
    attach_files(r.release_id, [docx_path], settings, actor="王敏")     # renderers, while a draft
    submit(r.release_id, "王敏", settings)
    sign(r.release_id, "m01", approve=True, comment="核对无误", settings=settings)
    publish(r.release_id, "王敏", settings=settings)                      # gates: 复核, 脱敏, integrity
    revise(r.release_id, "王敏", "更正第12项指标", settings)              # -> v2 draft

Every act is appended to the audit log with who and when, in the same transaction as the act.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..anomalies.coverage import load_coverage, not_evaluated_line
from ..checks import load_check_report, resolve_region
from ..checks.model import STATUS_CN, Status, worst
from ..config import Settings, get_settings
from ..indicators.registry import load_indicators
from ..period import period_label
from ..runs import list_runs, read_run, run_path
from . import bundle as B
from .clearing import freeze_clearing, freeze_published_clearing
from .frozen import FrozenContent, read_frozen
from .errors import (
    BundleIntegrityError, IllegalTransitionError, MissingSourceError, PublishBlockedError, ReleaseError,
    ReleaseNotFoundError,
)
from .members import approvals_needed, find_member
from .model import (
    KIND_CN, STATE_CN, AuditEntry, Kind, Override, Release, ReleasePeriod, SignOff, State, parse_kind,
    parse_period, release_id_for,
)
from .publication import AudienceError, audience_codes, drop_internal, parse_audience, read_publication, write_publication
from .redaction import ScanReport, scan_files
from .seal import seal_detail, seal_problems
from .snapshot import freeze_snapshot, require_settlements
from .store import (
    AuditRow, OverrideRow, ReleaseRow, SignOffRow, append_audit, as_utc, release_from_row, session_scope, utcnow,
)
from .suppression import suppress_findings

BLOCKING_CHECK_STATUSES = {Status.FAIL.value, Status.ERROR.value}

# ---- the sources a release freezes -----------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    admdvs: str
    period: str  # YYYY-MM
    results_run_id: str
    check_run_id: str
    findings_run_id: str
    check_status: str

    def files(self, workdir: Path) -> dict[str, Path]:
        """Bundle path -> the stored file it is a frozen copy of."""
        checks = run_path(workdir, "checks", self.admdvs, self.period, self.check_run_id)
        out = {"results.parquet": run_path(workdir, "results", self.admdvs, self.period, self.results_run_id),
               "check_report.parquet": checks}
        for suffix in (".md", ".csv"):
            if checks.with_suffix(suffix).exists():
                out[f"check_report{suffix}"] = checks.with_suffix(suffix)
        return out


def newest_sources(settings: Settings, admdvs: str, period: str) -> Sources:
    """The newest results, check report and findings of a month; Chinese errors if any is missing."""
    workdir = Path(settings.workdir)
    month = period_label(period)
    require_settlements(settings, admdvs, period)
    runs = list_runs(workdir, "results", admdvs, period)
    if not runs:
        raise MissingSourceError(f"统筹地区 {admdvs} 没有{month}的计算结果，无法创建发布。",
                                 f"请先运行：liangjiadi compute --period {period}")
    results_run = runs[-1]
    if not list_runs(workdir, "checks", admdvs, period):
        raise MissingSourceError(f"统筹地区 {admdvs} {month}的计算结果尚未复核，无法创建发布。",
                                 f"请先运行：liangjiadi check --period {period}")
    report = load_check_report(workdir, admdvs, period)
    if report.results_run_id != results_run:
        raise MissingSourceError(
            f"{month}最新的复核（批次 {report.check_run_id}）针对的是计算批次 {report.results_run_id}，"
            f"而最新的计算批次是 {results_run}：发布须冻结经过复核的结果。",
            f"请重新复核：liangjiadi check --period {period}")
    finding_runs = list_runs(workdir, "findings", admdvs, period)
    if not finding_runs:
        raise MissingSourceError(f"统筹地区 {admdvs} {month}尚未做异常检测（疑点线索），无法创建发布。",
                                 f"请先运行：liangjiadi detect --period {period}")
    return Sources(admdvs, period, results_run, report.check_run_id, finding_runs[-1], report.status.value)


# ---- building a bundle -------------------------------------------------------------------------


def _freeze(settings: Settings, sources: Sources, staging: Path, kind: Kind, rp: ReleasePeriod,
            topic: dict | None, audience: dict | None = None) -> tuple[int, dict]:
    """Copy the sources into `staging` and compute the snapshot the documents show
    (releases/snapshot.py); returns how many person counts were suppressed and the publication
    rules (publication.py: audience, internal-only indicators dropped, small-count threshold)."""
    workdir = Path(settings.workdir)
    for target, source in sources.files(workdir).items():
        B.copy_frozen(source, staging / target)
    internal = set(settings.internal_indicators)
    results, dropped = drop_internal(pq.read_table(staging / "results.parquet"), internal)
    if dropped:  # 仅内部使用 indicators never enter a release
        pq.write_table(results, staging / "results.parquet")
    findings = read_run(workdir, "findings", sources.admdvs, sources.period, sources.findings_run_id)
    findings, suppressed = suppress_findings(findings, settings)
    pq.write_table(findings, staging / "findings.parquet")
    _freeze_coverage(workdir, sources, staging)
    year = int(rp.key[:4])
    if kind == Kind.CLEARING:  # its documents show the year-end 清算 only (releases/clearing.py)
        freeze_clearing(settings, sources.admdvs, year, staging)
        if audience:
            raise AudienceError("年度清算发布面向全地区，不能指定受众", "去掉 --audience 后重新创建")
        return suppressed, write_publication(staging, audience=None, codes=None, dropped=dropped,
                                             threshold=settings.small_count_threshold)
    freeze_snapshot(settings, sources.admdvs, kind.value, rp.key, sources.period,
                    pq.read_table(staging / "results.parquet"), staging, topic=topic, internal=internal)
    if kind == Kind.ANNUAL:  # §五 reads the published 清算 as its own release froze it
        freeze_published_clearing(settings, sources.admdvs, year, staging)
    institutions = json.loads((staging / "institutions.json").read_text(encoding="utf-8"))
    publication = write_publication(staging, audience=audience, codes=audience_codes(audience, institutions),
                                    dropped=dropped, threshold=settings.small_count_threshold)
    return suppressed, publication


def _freeze_coverage(workdir: Path, sources: Sources, staging: Path) -> None:
    """What each detector of the frozen run examined, and the report line on what it did not
    ("本期未检测的项目及原因"), made here once so that every document prints the same words."""
    coverage = load_coverage(workdir, sources.admdvs, sources.period, sources.findings_run_id)
    doc = {"recorded": coverage is not None,
           "detectors": [c.to_dict() for c in coverage or []],
           "not_evaluated_line": not_evaluated_line(coverage)}
    (staging / "coverage.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True,
                                                      default=str), encoding="utf-8")


def _header(release_id: str, admdvs: str, kind: Kind, rp: ReleasePeriod, version: int, title: str | None,
            sources: Sources, created_at: datetime, creator: str, parent: dict | None, suppressed: int,
            settings: Settings, publication: dict | None = None) -> dict:
    return {
        "release_id": release_id, "admdvs": admdvs, "kind": kind.value, "kind_cn": KIND_CN[kind],
        "period": rp.key, "period_label": rp.label, "source_period": sources.period, "version": version,
        "title": title,
        "sources": {"results_run_id": sources.results_run_id, "check_run_id": sources.check_run_id,
                    "findings_run_id": sources.findings_run_id, "check_status": sources.check_status},
        "created_at": created_at.isoformat(), "creator": creator, "parent": parent,
        "small_count_suppression": {"threshold": settings.small_count_threshold,
                                    "person_count_keys": list(settings.person_count_keys),
                                    "suppressed_in_findings": suppressed},
        "publication": {k: (publication or {}).get(k) for k in ("audience_text", "internal_dropped")},
    }


def _build_bundle(settings: Settings, release_id: str, admdvs: str, kind: Kind, rp: ReleasePeriod, version: int,
                  title: str | None, sources: Sources, creator: str, now: datetime,
                  parent: ReleaseRow | None = None, reason: str | None = None,
                  topic: dict | None = None, audience: dict | None = None) -> tuple[Path, dict]:
    """Write the bundle in a staging directory, then move it into place in one step."""
    workdir = Path(settings.workdir)
    final = B.bundle_path(workdir, admdvs, kind.value, rp.key, version)
    staging = final.parent / f".staging-v{version}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        suppressed, publication = _freeze(settings, sources, staging, kind, rp, topic, audience)
        parent_info = None
        if parent is not None:
            B.write_changes(staging, workdir / parent.bundle_dir, parent.release_id, reason or "", creator, now)
            parent_info = {"release_id": parent.release_id, "content_hash": parent.content_hash}
        manifest = B.write_manifest(staging, _header(release_id, admdvs, kind, rp, version, title, sources, now,
                                                     creator, parent_info, suppressed, settings, publication))
        B.install_bundle(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final, manifest


# ---- reading ----------------------------------------------------------------------------------


def _row(session: Session, release_id: str) -> ReleaseRow:
    row = session.get(ReleaseRow, release_id)
    if row is None:
        raise ReleaseNotFoundError(f"没有编号为 {release_id} 的发布", "用 liangjiadi release list 查看已有的发布")
    return row


def _release(settings: Settings, session: Session, row: ReleaseRow) -> Release:
    signoffs = tuple(SignOff(s.member_id, s.member.name, s.member.role, s.approve, s.comment or "",
                             as_utc(s.signed_at)) for s in row.signoffs)
    overrides = tuple(Override(o.actor, o.reason, as_utc(o.at), tuple(o.failing_checks or ()))
                      for o in row.overrides)
    return release_from_row(settings, row, signoffs=signoffs, overrides=overrides,
                            approvals_needed=approvals_needed(settings, session))


def get_release(release_id: str, settings: Settings | None = None) -> Release:
    settings = settings or get_settings()
    with session_scope(settings) as session:
        return _release(settings, session, _row(session, release_id))


def list_releases(settings: Settings | None = None, *, admdvs: str | None = None, kind: str | None = None,
                  period: str | None = None, state: str | None = None) -> list[Release]:
    settings = settings or get_settings()
    with session_scope(settings) as session:
        query = select(ReleaseRow)
        if admdvs:
            query = query.where(ReleaseRow.admdvs == admdvs)
        if kind:
            query = query.where(ReleaseRow.kind == parse_kind(kind).value)
        if period:
            query = query.where(ReleaseRow.period == (parse_period(kind, period).key if kind else period))
        if state:
            query = query.where(ReleaseRow.state == State(state).value)
        query = query.order_by(ReleaseRow.admdvs, ReleaseRow.kind, ReleaseRow.period, ReleaseRow.version)
        return [_release(settings, session, r) for r in session.scalars(query)]


def audit_log(settings: Settings | None = None, release_id: str | None = None) -> list[AuditEntry]:
    settings = settings or get_settings()
    with session_scope(settings) as session:
        query = select(AuditRow).order_by(AuditRow.seq)
        if release_id:
            query = query.where(AuditRow.release_id == release_id)
        return [AuditEntry(r.seq, as_utc(r.at), r.actor, r.action, r.release_id, dict(r.detail or {}), r.entry_hash)
                for r in session.scalars(query)]


def release_changes(release_id: str, settings: Settings | None = None) -> dict | None:
    """What a revision changed against its parent and why (None for a first version)."""
    path = get_release(release_id, settings).bundle_dir / B.CHANGES
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def verify_release(release_id: str, settings: Settings | None = None) -> list[str]:
    """Differences between a bundle and its manifest, stored hash and seal (empty when intact):
    changed, missing and added files, an edited manifest, an edited stored hash, a forged seal."""
    settings = settings or get_settings()
    with session_scope(settings) as session:
        return _problems(settings, session, _row(session, release_id))


SEALED_ACTS = ("submit", "publish")


def _newest_seal(session: Session, release_id: str) -> dict | None:
    """The seal recorded by the newest submit or publish of a release (None when there is none)."""
    row = session.scalars(select(AuditRow).where(
        AuditRow.release_id == release_id, AuditRow.action.in_(SEALED_ACTS),
    ).order_by(AuditRow.seq.desc()).limit(1)).first()
    return dict(row.detail or {}) if row is not None else None


def _seal(settings: Settings, session: Session, row: ReleaseRow) -> dict:
    """The seal detail for a submit or publish entry of `row`."""
    sealed_before = any("seal" in (d or {}) for d in session.scalars(
        select(AuditRow.detail).where(AuditRow.action.in_(SEALED_ACTS))))
    return seal_detail(settings, row.release_id, Path(settings.workdir) / row.bundle_dir, row.content_hash,
                       sealed_before=sealed_before)


def _is_sealed(row: ReleaseRow) -> bool:
    """A release is sealed from its submission on (the bundle is frozen then)."""
    return row.submitted_at is not None or State(row.state) in (State.IN_REVIEW, State.APPROVED, State.PUBLISHED)


def _problems(settings: Settings, session: Session, row: ReleaseRow) -> list[str]:
    bundle = Path(settings.workdir) / row.bundle_dir
    problems = B.integrity_problems(bundle, row.content_hash)
    if _is_sealed(row):
        problems += seal_problems(settings, row.release_id, bundle, row.content_hash,
                                  _newest_seal(session, row.release_id))
    return problems


def scan_release(release_id: str, settings: Settings | None = None) -> ScanReport:
    settings = settings or get_settings()
    release = get_release(release_id, settings)
    files = [(f["path"], release.bundle_dir / f["path"]) for f in release.files()]
    return scan_files(files, settings)


def frozen_content(release_id: str, settings: Settings | None = None) -> FrozenContent:
    """Everything a release's documents show, read from its bundle only (releases/frozen.py)."""
    return read_frozen(get_release(release_id, settings).bundle_dir)


def failing_checks(release: Release) -> list[dict]:
    """Rows of the frozen check report that block publication (fail, or a rule that crashed)."""
    rows = pq.read_table(release.bundle_dir / "check_report.parquet").to_pylist()
    return [r for r in rows if r["status"] in BLOCKING_CHECK_STATUSES]


# ---- acts ---------------------------------------------------------------------------------------

_ACT_CN = {"submit": "提交审议", "sign": "签署", "publish": "发布", "attach": "附加文件", "revise": "修订", "withdraw": "撤回"}
_ALLOWED = {
    "submit": {State.DRAFT},
    "sign": {State.IN_REVIEW, State.APPROVED},
    "publish": {State.APPROVED},
    "attach": {State.DRAFT},
    "withdraw": {State.PUBLISHED},
}
_HINT = {
    ("submit", State.IN_REVIEW): "已在审议中，请成员签署：liangjiadi release sign {id} --member 成员 --approve",
    ("publish", State.DRAFT): "请先提交审议（liangjiadi release submit {id}），取得足够成员同意后再发布",
    ("publish", State.IN_REVIEW): "审议尚未通过：需要 {needed} 名成员同意，目前 {have} 名",
    ("publish", State.PUBLISHED): "已发布的版本不能再次发布；如需更正请修订：liangjiadi release revise {id} --reason 理由",
    ("sign", State.DRAFT): "草稿尚未提交审议：liangjiadi release submit {id}",
    ("sign", State.PUBLISHED): "已发布的版本不再签署；如有意见请修订该发布",
    ("attach", State.IN_REVIEW): "提交审议后发布包已冻结；如需替换文件请修订：liangjiadi release revise {id} --reason 理由",
    ("withdraw", State.WITHDRAWN): "该版本已撤回",
    ("publish", State.WITHDRAWN): "已撤回的版本不能再次发布；如需重新发布请修订：liangjiadi release revise {id} --reason 理由",
}


def _require(row: ReleaseRow, act: str, **fmt) -> None:
    state = State(row.state)
    if state in _ALLOWED[act]:
        return
    hint = _HINT.get((act, state), "")
    if not hint:
        if state == State.REVISED:
            hint = f"该版本已被 {row.superseded_by} 取代，请对新版本操作"
        elif act == "withdraw":
            hint = "只有已发布的版本可以撤回；尚未发布的版本不会发给机构，无需撤回"
        elif act == "attach":
            hint = "只有草稿可以附加文件；如需替换文件请修订该发布"
        else:
            hint = "允许的状态：" + "、".join(STATE_CN[s] for s in _ALLOWED[act])
    raise IllegalTransitionError(
        f"发布 {row.release_id} 当前状态为“{STATE_CN[state]}”，不能{_ACT_CN[act]}。",
        hint.format(id=row.release_id, **fmt))


def _ensure_intact(settings: Settings, row: ReleaseRow) -> None:
    problems = B.integrity_problems(Path(settings.workdir) / row.bundle_dir, row.content_hash)
    if problems:
        raise BundleIntegrityError(f"发布包 {row.release_id} 与清单不符：" + "；".join(problems),
                                   "发布包冻结后不能手工改动；请修订（revise）生成新版本")


def _actor(actor: str | None) -> str:
    if not actor or not actor.strip():
        raise ReleaseError("请注明操作人（--by 姓名）", "审计日志须记录每一项操作是谁做的")
    return actor.strip()


def create_release(kind: str | Kind, period: str, settings: Settings | None = None, creator: str = "", *,
                   admdvs: str | None = None, topic: str | None = None, title: str | None = None,
                   adrg: str | None = None, category: str | None = None,
                   audience: str | dict | None = None) -> Release:
    """Freeze the newest results, check report and findings of the period, and everything its
    documents show (releases/snapshot.py), into a v1 draft. A topic release analyses the ADRG
    `adrg` or the diagnosis category `category` (or the best suggested topic) now, and freezes it.
    `audience` (publication.py) addresses part of the region's institutions."""
    settings = settings or get_settings()
    creator = _actor(creator)
    kind = parse_kind(kind)
    audience = parse_audience(audience)
    rp = parse_period(kind, period, topic)
    load_indicators(settings)  # a broken local indicator file fails here, before anything is frozen
    region = resolve_region(settings, rp.source_period, admdvs, purpose="发布")
    with session_scope(settings) as session:
        existing = session.scalars(select(ReleaseRow).where(
            ReleaseRow.admdvs == region, ReleaseRow.kind == kind.value, ReleaseRow.period == rp.key,
        ).order_by(ReleaseRow.version.desc())).first()
        if existing is not None:
            raise ReleaseError(
                f"{region} {rp.label}{KIND_CN[kind]}已存在（{existing.release_id}，{STATE_CN[State(existing.state)]}）。",
                f"如需更新请修订：liangjiadi release revise {existing.release_id} --reason 理由 --by 姓名")
    sources = newest_sources(settings, region, rp.source_period)
    topic_data = _topic_analysis(settings, region, rp, adrg, category) if kind == Kind.TOPIC else None
    release_id = release_id_for(region, kind, rp.key, 1)
    now = utcnow()
    path, manifest = _build_bundle(settings, release_id, region, kind, rp, 1, title, sources, creator, now,
                                   topic=topic_data, audience=audience)
    try:
        with session_scope(settings) as session:
            row = _new_row(settings, release_id, region, kind, rp, 1, title, path, manifest, sources, now, creator)
            session.add(row)
            append_audit(session, creator, "create", release_id,
                         {"content_hash": manifest["content_hash"], "sources": manifest["sources"],
                          "publication": manifest["publication"]}, at=now)
            session.flush()
            return _release(settings, session, row)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)  # no row, no bundle
        raise


def _topic_analysis(settings: Settings, admdvs: str, rp, adrg: str | None, category: str | None) -> dict:
    """The topic analysed over the release's own window (2025-Q1 -> January to March)."""
    from ..analysis.topic import topic_analysis
    from ..period import Window
    from .model import topic_window_key

    region = settings.model_copy(update={"region_admdvs": admdvs})
    months = Window.parse(topic_window_key(rp.key)).month_keys
    analysis = topic_analysis(region, rp.source_period, adrg=adrg, category=category, months=months)
    return json.loads(json.dumps(analysis.to_dict(), ensure_ascii=False, default=str))


def _new_row(settings, release_id, admdvs, kind, rp, version, title, path, manifest, sources, now, creator,
             **extra) -> ReleaseRow:
    return ReleaseRow(
        release_id=release_id, admdvs=admdvs, kind=kind.value, period=rp.key, source_period=rp.source_period,
        version=version, state=State.DRAFT.value, title=title,
        bundle_dir=path.relative_to(Path(settings.workdir)).as_posix(), content_hash=manifest["content_hash"],
        results_run_id=sources.results_run_id, check_run_id=sources.check_run_id,
        findings_run_id=sources.findings_run_id, check_status=sources.check_status, created_at=now,
        creator=creator, **extra)


def attach_files(release_id: str, paths: list[Path | str], settings: Settings | None = None, actor: str = "",
                 *, subdir: str | None = None) -> Release:
    """Copy rendered files into the draft's `reports/` (a file of the same name is replaced)."""
    settings = settings or get_settings()
    actor = _actor(actor)
    with session_scope(settings) as session:
        row = _row(session, release_id)
        _require(row, "attach")
        _ensure_intact(settings, row)
        bundle = Path(settings.workdir) / row.bundle_dir
        if subdir and (Path(subdir).is_absolute() or ".." in Path(subdir).parts):
            raise ReleaseError(f"子目录须是 reports/ 下的相对路径：{subdir}")
        target_dir = bundle / B.REPORTS_DIR / (subdir or "")
        items = [Path(p) for p in paths]
        for item in items:  # all or nothing: a half-attached set would leave files outside the manifest
            if not item.is_file():
                raise ReleaseError(f"要附加的文件不存在：{item}")
        added = []
        for item in items:
            B.copy_frozen(item, target_dir / item.name)
            added.append((target_dir / item.name).relative_to(bundle).as_posix())
        manifest = _rewrite_manifest(settings, session, row, bundle)
        row.content_hash = manifest["content_hash"]
        hashes = {f["path"]: f["sha256"] for f in manifest["files"]}
        append_audit(session, actor, "attach", release_id,
                     {"files": {p: hashes[p] for p in added}, "content_hash": row.content_hash})
        return _release(settings, session, row)


def _rewrite_manifest(settings: Settings, session: Session, row: ReleaseRow, bundle: Path) -> dict:
    header = {k: v for k, v in B.read_manifest(bundle).items() if k not in ("format", "files", "content_hash")}
    if row.parent_id:  # a revision's record of changes covers the files attached since
        parent_bundle = Path(settings.workdir) / _row(session, row.parent_id).bundle_dir
        changes = json.loads((bundle / B.CHANGES).read_text(encoding="utf-8"))
        B.write_changes(bundle, parent_bundle, row.parent_id, changes["reason"],
                        changes["revised_by"], datetime.fromisoformat(changes["revised_at"]))
    header["updated_at"] = utcnow().isoformat()
    return B.write_manifest(bundle, header)


def submit(release_id: str, actor: str, settings: Settings | None = None) -> Release:
    settings = settings or get_settings()
    actor = _actor(actor)
    with session_scope(settings) as session:
        row = _row(session, release_id)
        _require(row, "submit")
        _ensure_intact(settings, row)
        row.state, row.submitted_at = State.IN_REVIEW.value, utcnow()
        append_audit(session, actor, "submit", release_id, _seal(settings, session, row), at=row.submitted_at)
        return _release(settings, session, row)


def sign(release_id: str, member: str, approve: bool, comment: str = "", settings: Settings | None = None) -> Release:
    """A member's sign-off: approval (同意) and/or a comment (意见). Reaching the quorum approves."""
    settings = settings or get_settings()
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ReleaseError("签署须表示同意（--approve）或写明意见（--comment）")
    with session_scope(settings) as session:
        row = _row(session, release_id)
        _require(row, "sign")
        who = find_member(session, member)
        now = utcnow()
        session.add(SignOffRow(release_id=release_id, member_id=who.member_id, approve=approve, comment=comment,
                               signed_at=now))
        append_audit(session, who.name, "sign" if approve else "comment", release_id,
                     {"member_id": who.member_id, "role": who.role, "approve": approve, "comment": comment}, at=now)
        session.flush()
        approvers = {s.member_id for s in session.scalars(
            select(SignOffRow).where(SignOffRow.release_id == release_id, SignOffRow.approve.is_(True)))}
        needed = approvals_needed(settings, session)
        if row.state == State.IN_REVIEW.value and len(approvers) >= needed:
            row.state, row.approved_at = State.APPROVED.value, now
            append_audit(session, who.name, "approve", release_id,
                         {"approvals": len(approvers), "needed": needed, "approvers": sorted(approvers)}, at=now)
        session.refresh(row)
        return _release(settings, session, row)


def publish(release_id: str, actor: str, override_reason: str | None = None,
            settings: Settings | None = None) -> Release:
    """Publish an approved release. Refused (all reasons at once) when the bundle changed,
    when the frozen 复核 report fails without an override reason, or when personal data is found."""
    settings = settings or get_settings()
    actor = _actor(actor)
    override_reason = (override_reason or "").strip() or None
    with session_scope(settings) as session:
        row = _row(session, release_id)
        _require(row, "publish", needed=approvals_needed(settings, session),
                 have=len({s.member_id for s in row.signoffs if s.approve}))
        release = _release(settings, session, row)
        problems = _problems(settings, session, row)  # the files, the manifest and the submit seal
    reasons: list[str] = []
    if problems:
        reasons.append("发布包与清单不符：" + "；".join(problems))
    failing = failing_checks(release) if not problems else []
    if failing and not override_reason:
        lines = [f"  - [{r['check_id']}/{r['reason_code']}] {r['message']}" for r in failing[:10]]
        more = [f"  - ……另有 {len(failing) - 10} 项"] if len(failing) > 10 else []
        reasons.append(f"冻结的复核报告（批次 {release.check_run_id}）有 {len(failing)} 项"
                       f"{STATUS_CN[Status(worst(r['status'] for r in failing))]}：\n" + "\n".join(lines + more))
    scan = scan_release(release_id, settings) if not problems else None
    if scan is not None and not scan.clean:
        reasons.append(scan.summary())
    if reasons:
        with session_scope(settings) as session:
            append_audit(session, actor, "publish_blocked", release_id, {
                "integrity": problems, "failing_checks": sorted({r["check_id"] for r in failing}),
                "redaction_hits": [{"file": h.file, "location": h.location, "kind": h.kind}
                                   for h in (scan.hits if scan else [])]})
        hint = []
        if failing and not override_reason:
            hint.append("改正数据后重新计算、复核并修订发布；或经审议同意后以 --override-reason 说明理由强制发布")
        if scan is not None and not scan.clean:
            hint.append("个人信息不能强制发布：请从发布材料中删除后修订发布（revise）")
        raise PublishBlockedError(f"发布 {release_id} 被拒绝：\n" + "\n".join(reasons), "；".join(hint),
                                  reasons=reasons, hits=scan.hits if scan else [])
    with session_scope(settings) as session:
        row = _row(session, release_id)
        _require(row, "publish", needed=0, have=0)  # nobody moved it while the gates ran
        if row.content_hash != release.content_hash:
            raise BundleIntegrityError(f"发布 {release_id} 在发布过程中被改动", "请重新执行发布")
        now = utcnow()
        if failing:
            checks = sorted({r["check_id"] for r in failing})
            session.add(OverrideRow(release_id=release_id, actor=actor, reason=override_reason,
                                    failing_checks=checks, at=now))
            append_audit(session, actor, "override", release_id,
                         {"reason": override_reason, "failing_checks": checks, "check_run_id": row.check_run_id},
                         at=now)
        for old in session.scalars(select(ReleaseRow).where(
                ReleaseRow.admdvs == row.admdvs, ReleaseRow.kind == row.kind, ReleaseRow.period == row.period,
                ReleaseRow.state.in_([State.PUBLISHED.value, State.WITHDRAWN.value]),
                ReleaseRow.superseded_by.is_(None))):
            if old.state == State.PUBLISHED.value:
                old.state = State.REVISED.value
            # a withdrawn version stays marked 已撤回; it now also names the version that replaced it
            old.superseded_by = release_id
            append_audit(session, actor, "supersede", old.release_id, {"superseded_by": release_id}, at=now)
        row.state, row.published_at, row.published_by = State.PUBLISHED.value, now, actor
        append_audit(session, actor, "publish", release_id,
                     {**_seal(settings, session, row), "override": bool(failing)}, at=now)
        B.make_read_only(Path(settings.workdir) / row.bundle_dir)
        session.flush()
        session.refresh(row)
        return _release(settings, session, row)


def revise(release_id: str, actor: str, reason: str, settings: Settings | None = None, *,
           audience: str | dict | None = None) -> Release:
    """A new version v<N+1> (a draft) from the period's newest runs, recording what changed and why.

    The revised version stays readable and unchanged. A published version stays the published one
    until its revision is published; an unpublished version is superseded at once. The audience
    (publication.py) is the parent's unless `audience` gives another.
    """
    settings = settings or get_settings()
    actor = _actor(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ReleaseError("修订须说明理由（--reason）", "理由会记入修订说明和审计日志")
    with session_scope(settings) as session:
        row = _row(session, release_id)
        newest = session.scalars(select(ReleaseRow).where(
            ReleaseRow.admdvs == row.admdvs, ReleaseRow.kind == row.kind, ReleaseRow.period == row.period,
        ).order_by(ReleaseRow.version.desc())).first()
        if newest.release_id != row.release_id:
            raise IllegalTransitionError(
                f"发布 {release_id} 不是最新版本（最新为 {newest.release_id}，{STATE_CN[State(newest.state)]}），不能修订。",
                f"请对最新版本操作：liangjiadi release revise {newest.release_id} --reason 理由 --by 姓名")
        _ensure_intact(settings, row)
        kind = Kind(row.kind)
        rp = parse_period(kind, row.period)
        parent = row
    sources = newest_sources(settings, parent.admdvs, parent.source_period)
    version = parent.version + 1
    new_id = release_id_for(parent.admdvs, kind, rp.key, version)
    now = utcnow()
    parent_topic = Path(settings.workdir) / parent.bundle_dir / "topic_analysis.json"
    topic_data = None
    if parent_topic.exists():  # the same topic, analysed again on the corrected data
        old = json.loads(parent_topic.read_text(encoding="utf-8"))
        code = {"adrg": old["code"]} if old.get("kind") == "adrg" else {"category": old["code"]}
        topic_data = _topic_analysis(settings, parent.admdvs, rp, code.get("adrg"), code.get("category"))
    # the corrected version keeps the audience of the one it corrects unless a new one is given
    audience = parse_audience(audience) or read_publication(Path(settings.workdir) / parent.bundle_dir).get("audience")
    path, manifest = _build_bundle(settings, new_id, parent.admdvs, kind, rp, version, parent.title, sources,
                                   actor, now, parent=parent, reason=reason, topic=topic_data, audience=audience)
    changes = json.loads((path / B.CHANGES).read_text(encoding="utf-8"))
    try:
        with session_scope(settings) as session:
            new = _new_row(settings, new_id, parent.admdvs, kind, rp, version, parent.title, path, manifest,
                           sources, now, actor, parent_id=release_id, revision_reason=reason)
            session.add(new)
            old = _row(session, release_id)
            if old.state not in (State.PUBLISHED.value, State.WITHDRAWN.value):
                old.state, old.superseded_by = State.REVISED.value, new_id
                append_audit(session, actor, "supersede", release_id, {"superseded_by": new_id}, at=now)
            append_audit(session, actor, "revise", new_id, {
                "parent": release_id, "reason": reason, "content_hash": manifest["content_hash"],
                "results": {k: changes["results"][k] for k in ("changed", "added", "removed")},
                "files": changes["files"]}, at=now)
            session.flush()
            return _release(settings, session, new)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def withdraw(release_id: str, actor: str, reason: str, settings: Settings | None = None) -> Release:
    """撤回: take a published version back, with a reason, without (or before) a corrected version.

    Unlike a revision (修订: a corrected version replaces this one, which is marked 已被修订), a
    withdrawal says the version must no longer be relied on. The version stays readable and
    unchanged, marked 已撤回 with its reason wherever it is shown; its bundle is not touched. A
    correction can still follow (`revise`); once published it names the withdrawn version's successor.
    """
    settings = settings or get_settings()
    actor = _actor(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ReleaseError("撤回须说明理由（--reason）", "理由记入审计日志，并在门户上与该版本一同显示")
    with session_scope(settings) as session:
        row = _row(session, release_id)
        _require(row, "withdraw")
        now = utcnow()
        row.state, row.withdrawn_at, row.withdrawn_by, row.withdrawal_reason = State.WITHDRAWN.value, now, actor, reason
        append_audit(session, actor, "withdraw", release_id, {"reason": reason}, at=now)
        session.flush()
        return _release(settings, session, row)


def verify_audit(settings: Settings | None = None) -> list[int]:
    """Sequence numbers of audit entries whose chained hash does not match (empty when intact)."""
    from .store import verify_audit_chain

    settings = settings or get_settings()
    with session_scope(settings) as session:
        return verify_audit_chain(session)
