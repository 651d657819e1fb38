"""The review record (审议记录): who reviewed which version, what they said, and what was decided.

Seeds/001 §六(五): “要做好成员审议意见记录，经成员签字确认”. This is the text of that record,
built from the stored sign-offs, overrides and audit log; a renderer may turn it into Word.
"""

from __future__ import annotations

from ..checks.model import STATUS_CN, Status
from ..config import Settings, get_settings, local_time
from .members import ROLE_CN
from .model import ACTION_CN, KIND_CN, STATE_CN
from .service import audit_log, get_release


def _time(value) -> str:
    return f"{local_time(value)}（北京时间）" if value else "—"


def _verdict(status: str | None) -> str:
    """The 复核 verdict in the words the documents use (提示, not "warn")."""
    try:
        return STATUS_CN[Status(status)]
    except ValueError:
        return status or "—"


def _cell(text: str) -> str:
    return (text or "").replace("|", "｜").replace("\n", " ")


def review_record(release_id: str, settings: Settings | None = None) -> str:
    """A Chinese Markdown record of the review of one release version."""
    settings = settings or get_settings()
    r = get_release(release_id, settings)
    lines = [
        f"# 数据发布审议记录：{r.label}",
        "",
        f"- 发布编号：{r.release_id}" + (f"；标题：{r.title}" if r.title else ""),
        f"- 发布类型：{KIND_CN[r.kind]}；数据期间：{r.period}（冻结 {r.source_period} 的数据）",
        f"- 当前状态：{STATE_CN[r.state]}；内容哈希：`{r.content_hash}`",
        f"- 创建：{r.creator}，{_time(r.created_at)}；提交审议：{_time(r.submitted_at)}；"
        f"审议通过：{_time(r.approved_at)}；发布：{r.published_by or '—'}，{_time(r.published_at)}",
        f"- 复核结论（冻结的复核批次 {r.check_run_id}）：{_verdict(r.check_status)}",
        f"- 法定同意人数：{r.approvals_needed}；已同意：{len(r.approvers)}（{'、'.join(r.approvers) or '无'}）",
    ]
    if r.revision_reason:
        lines.append(f"- 修订自 {r.parent_id}；修订理由：{r.revision_reason}")
    lines += ["", "## 成员审议意见", "", "| 时间 | 成员 | 角色 | 同意 | 意见 | 签字 |", "|---|---|---|---|---|---|"]
    for s in r.signoffs:
        lines.append(f"| {_time(s.signed_at)} | {_cell(s.member_name)}（{s.member_id}） | {ROLE_CN.get(s.role, s.role)} | "
                     f"{'同意' if s.approve else '—'} | {_cell(s.comment)} |  |")
    if not r.signoffs:
        lines.append("| — | — | — | — | 尚无 |  |")
    if r.overrides:
        lines += ["", "## 复核不通过时强制发布的说明", ""]
        lines += [f"- {o.actor}，{_time(o.at)}：不通过的规则 {'、'.join(o.failing_checks)}；理由：{o.reason}"
                  for o in r.overrides]
    lines += ["", "## 操作记录", "", "| 序号 | 时间 | 操作人 | 操作 |", "|---|---|---|---|"]
    for e in audit_log(settings, release_id):
        lines.append(f"| {e.seq} | {_time(e.at)} | {_cell(e.actor)} | {ACTION_CN.get(e.action, e.action)} |")
    return "\n".join(lines) + "\n"
