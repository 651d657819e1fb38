"""上期意见采纳情况: feedback received on the previous release and what was done with it.

`release create` freezes the file about the previous period into the bundle (feedback.yaml);
the documents read that copy.

There is no feedback store yet; the working group keeps one YAML file per period in the
workdir, `<workdir>/feedback/<period>.yaml`, where <period> is the release period key the
feedback is *about* (e.g. 2025-Q1). The quarterly report of 2025-Q2 reads 2025-Q1.yaml:

    release: 140400-quarterly-2025-Q1-v1     # optional
    items:
      - source: 某医院（医疗机构代表）         # who raised it (an organisation, never a person's ID)
        topic: 指标口径
        content: 希望说明次均住院费用是否含异地就医
        response: 已在报告附注中说明口径
        status: adopted                      # adopted 已采纳 | partly 部分采纳 | explained 已解释说明 | pending 研究中
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from ..errors import ConfigError
from ..releases.model import feedback_file

STATUS_CN = {"adopted": "已采纳", "partly": "部分采纳", "explained": "已解释说明", "pending": "研究中",
             "rejected": "不采纳"}


class FeedbackItem(BaseModel):
    source: str
    topic: str = ""
    content: str
    response: str = ""
    status: str = "pending"

    @property
    def status_cn(self) -> str:
        return STATUS_CN.get(self.status, self.status)


class Feedback(BaseModel):
    period: str
    release: str | None = None
    items: list[FeedbackItem] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in self.items:
            out[item.status_cn] = out.get(item.status_cn, 0) + 1
        return out


def feedback_path(workdir: Path, period_key: str) -> Path:
    return feedback_file(workdir, period_key)


def load_feedback(workdir: Path, period_key: str) -> Feedback | None:
    """The feedback file about `period_key`, or None when there is none."""
    path = feedback_path(workdir, period_key)
    if not path.exists():
        return None
    return parse_feedback(path.read_text(encoding="utf-8"), period_key, str(path))


def parse_feedback(text: str, period_key: str, where: str) -> Feedback:
    """A feedback file's text (as frozen in a release bundle); `where` names it in errors."""
    try:
        data = yaml.safe_load(text) or {}
        return Feedback(period=period_key, release=data.get("release"), items=data.get("items") or [])
    except (yaml.YAMLError, ValidationError, AttributeError) as exc:
        raise ConfigError(f"意见反馈文件格式不正确：{where}（{exc.__class__.__name__}）",
                          "格式见 docs/reports.md“上期意见采纳情况”") from None


def objection_items(objections: list[dict], indicator_names: dict[str, str]) -> list[FeedbackItem]:
    """The objections frozen with the release (objections.json, releases/objections.py) as items of
    上期意见采纳情况; the institution is not named (the report goes to every institution)."""
    items = []
    for o in objections:
        iid = o.get("indicator_id")
        if iid:
            value = o.get("published_value")
            topic = f"指标{iid}{indicator_names.get(iid, '')}" + (f"（公布值 {value}）" if value is not None else "")
        else:
            topic = "发布整体"
        items.append(FeedbackItem(source="医疗机构（门户异议）", topic=topic, content=o.get("text") or "",
                                  response=o.get("answer") or "", status="adopted" if o.get("adopted") else "rejected"))
    return items


def feedback_lines(feedback: Feedback | None) -> list[str]:
    """上期意见采纳情况 as sentences: the counts, then each item and its handling."""
    if feedback is None or not feedback.items:
        return ["上期意见采纳情况：上期发布后未收到意见建议。"]
    counts = "，".join(f"{k}{v}条" for k, v in feedback.counts().items())
    lines = [f"上期意见采纳情况：上期发布后共收到意见建议{len(feedback.items)}条，{counts}。"]
    for item in feedback.items:
        about = f"关于{item.topic}，" if item.topic else ""
        answer = f"答复：{item.response}" if item.response else "尚未答复"
        lines.append(f"{item.source}{about}提出：{item.content}。{answer}（{item.status_cn}）。")
    return lines


def letter_lines(letters: list[dict]) -> list[str]:
    """点名提醒办理情况 (seeds/001 §六(七), 附录3) from the letters frozen with the release
    (letters.json, releases/letters.py): the counts, then each letter and where it stands."""
    if not letters:
        return []
    closed = sum(1 for x in letters if x["state"] == "closed")
    routed = sum(1 for x in letters if x["state"] == "routed")
    pending = len(letters) - closed - routed
    overdue = sum(1 for x in letters if x.get("overdue"))
    head = (f"点名提醒办理情况：共{len(letters)}份提醒函，已办结{closed}份，移交核查{routed}份，"
            f"机构自查或报送中{pending}份" + (f"（其中逾期未报送{overdue}份，已督办）" if overdue else "") + "。")
    lines = [head]
    for x in letters:
        who = x.get("institution_name") or x["fixmedins_code"]
        about = "、".join(x.get("patterns") or []) or "疑点线索"
        state = x["state_cn"] + ("，逾期" if x.get("overdue") else "")
        outcome = f"，结论：{x['outcome']}" if x.get("outcome") else ""
        lines.append(f"{who}（第{x['id']}号提醒函，{about}，自查期限{x['due_on']}）：{state}{outcome}。")
    return lines
