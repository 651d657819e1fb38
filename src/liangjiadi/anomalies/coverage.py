"""What each detector of a run examined: evaluated (institutions, peers, window) or not, and why.

A detector that returns no finding because it could not look (history too short, too few
peers, an input table missing) must never read as "0 发现". Detectors say so by raising
`NotEvaluated(reason)`; what they did examine they note with `ctx.note(...)` (shared input
helpers note the window for them). The runner records one `Coverage` per detector and stores
the list beside the findings as `<run_id>.coverage.json`; `load_coverage` reads it back and
`not_evaluated_line` gives the report sentence "本期未检测的项目及原因：……".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

EVALUATED, NOT_EVALUATED, FAILED = "evaluated", "not_evaluated", "failed"
STATUS_CN = {EVALUATED: "已检测", NOT_EVALUATED: "未检测", FAILED: "运行出错（未检测）"}
COVERAGE_SUFFIX = ".coverage.json"


class NotEvaluated(Exception):  # noqa: N818 - a verdict, not an error: the detector could not look
    """Raised by a detector that cannot judge this period; `reason` is one Chinese sentence."""

    def __init__(self, reason: str, **facts):
        super().__init__(reason)
        self.reason = reason
        self.facts = facts


@dataclass
class Coverage:
    pattern: str
    name: str
    status: str = EVALUATED  # evaluated | not_evaluated | failed
    reason: str = ""  # why not evaluated, or the error of a failed detector (Chinese)
    institutions: int | None = None  # institutions examined (tested against peers or their own past)
    peers: int | None = None  # the smallest peer set an institution was compared with
    window: str = ""  # e.g. "2025-01至2025-06（6个月）对上年同期"
    window_months: int | None = None
    findings: int = 0  # findings of this detector before merging into 线索
    facts: dict = field(default_factory=dict)  # anything else a detector noted (numbers, short texts)
    # institutions the detector could not judge, and why (code -> reason, e.g. "历史不足：上年同期无
    # 出院记录"): an institution left out is never counted as examined and clean
    skipped: dict = field(default_factory=dict)

    @property
    def evaluated(self) -> bool:
        return self.status == EVALUATED

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Coverage:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)

    def note(self, **facts) -> None:
        """Merge what a detector says it examined; known keys go to their fields."""
        for k, v in facts.items():
            if v is None:
                continue
            if k in ("institutions", "peers", "window_months"):
                v = int(v)
                if k == "peers" and self.peers is not None:
                    v = min(v, self.peers)
                setattr(self, k, v)
            elif k == "window":
                self.window = str(v)
            elif k == "skipped":
                for code, why in dict(v).items():
                    self.skipped.setdefault(str(code), str(why))
            else:
                self.facts[k] = v

    def scope(self) -> str:
        """What an evaluated detector examined: '检测机构7家，同级比较对象至少6家，窗口……'."""
        parts = []
        if self.facts.get("subject"):
            parts.append(f"检测对象{self.facts['subject']}")
        if self.institutions is not None:
            parts.append(f"检测机构{self.institutions}家")
        if self.peers is not None:
            parts.append(f"同级比较对象至少{self.peers}家")
        if self.window:
            parts.append(f"窗口{self.window}")
        if self.skipped:
            parts.append(self.skipped_text())
        return "，".join(parts)

    def skipped_text(self, show: int = 3) -> str:
        """'未检测机构5家（历史不足：上年同期无出院记录3家；近6个月出院人次不足50 2家）'."""
        if not self.skipped:
            return ""
        counts: dict[str, int] = {}
        for why in self.skipped.values():
            counts[why] = counts.get(why, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        text = "；".join(f"{why} {n}家" for why, n in ranked[:show])
        if len(ranked) > show:
            text += f"；其他原因 {sum(n for _, n in ranked[show:])}家"
        return f"未检测机构{len(self.skipped)}家（{text}）"

    def summary(self) -> str:
        """One Chinese phrase: what was examined, or why not."""
        if self.status != EVALUATED:
            return f"{STATUS_CN[self.status]}：{self.reason}"
        scope = self.scope()
        return "已检测" + (f"（{scope}）" if scope else "")


def window_text(months: list[str], base: list[str] | None = None) -> str:
    """'2025-01至2025-06（6个月）对上年同期' for a window (and its last-year base)."""
    if not months:
        return ""
    ms = sorted(months)
    txt = f"{ms[0]}至{ms[-1]}（{len(ms)}个月）" if len(ms) > 1 else f"{ms[0]}（1个月）"
    if base:
        txt += "对上年同期"
    return txt


def coverage_path(findings_dir: Path, run_id: str) -> Path:
    return Path(findings_dir) / f"{run_id}{COVERAGE_SUFFIX}"


def save_coverage(findings_dir: Path, run_id: str, coverage: list[Coverage]) -> Path:
    path = coverage_path(findings_dir, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([c.to_dict() for c in coverage], ensure_ascii=False, indent=1, default=str),
                    encoding="utf-8")
    return path


def load_coverage(workdir: Path, admdvs: str, period: str, run_id: str | None = None) -> list[Coverage] | None:
    """The coverage of a detection run (the latest when `run_id` is None); None if never recorded
    (a run of an older version, or no run)."""
    from ..runs import latest_run, run_dir

    run_id = run_id or latest_run(workdir, "findings", admdvs, period)
    if run_id is None:
        return None
    path = coverage_path(run_dir(workdir, "findings", admdvs, period), run_id)
    if not path.exists():
        return None
    return [Coverage.from_dict(x) for x in json.loads(path.read_text(encoding="utf-8"))]


def not_evaluated(coverage: list[Coverage] | None) -> list[Coverage]:
    return [c for c in coverage or [] if c.status != EVALUATED]


def not_evaluated_line(coverage: list[Coverage] | None) -> str:
    """The report line "本期未检测的项目及原因：……" ('' when every detector was evaluated;
    a plain statement when no coverage was recorded, so a report never implies a clean check)."""
    if coverage is None:
        return "本期未检测的项目及原因：本次检测未记录各检测器的检测范围（请重新运行 liangjiadi detect）。"
    missing = not_evaluated(coverage)
    if not missing:
        return ""
    return "本期未检测的项目及原因：" + "；".join(f"{c.name}（{c.reason}）" for c in missing) + "。"


NEEDS_CN = {"grp": "结算清单（setl_list）缺失或住院病例没有分组结果",
            "category": "结算清单（setl_list）缺失或住院病例没有规范的主要诊断编码"}


def require_case_windows(ctx, w, frame, *, yoy: bool = True, min_yoy: int = 6, needs: str = "grp") -> None:
    """For the case-mix detectors (casemix.Windows and case frame): NotEvaluated with the reason
    when there are no cases, the input they need is missing, or too few months in both years;
    otherwise note the window used."""
    if frame is None or frame.empty:
        raise NotEvaluated("输入表缺失：窗口内没有本地定点医疗机构的住院结算")
    if needs in frame.columns and not frame[needs].notna().any():
        raise NotEvaluated(f"输入表缺失：{NEEDS_CN.get(needs, needs)}")
    if yoy and len(w.yoy_current) < min_yoy:
        raise NotEvaluated(f"历史数据不足：同比需要至少{min_yoy}个月在本年与上年都有结算数据，现有{len(w.yoy_current)}个月")
    months = w.yoy_current if yoy else w.current
    if hasattr(ctx, "note"):
        ctx.note(window=window_text(months, w.last_year if yoy else None), window_months=len(months),
                 institutions=int(frame.loc[frame.period.isin(months), "fixmedins_code"].nunique()))
