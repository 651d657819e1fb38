"""A check run's report: its rows, overall status, and how it is stored and printed.

Layout: `<workdir>/checks/<admdvs>/<period>/<check_run_id>.parquet`, with a Chinese
Markdown report (`.md`) and a CSV of the rows (`.csv`, UTF-8 with BOM so Excel opens it)
next to it. The newest run of a period is the current one.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from ..config import local_time
from ..period import period_label
from ..runs import latest_run, read_run, write_run
from ..safe_output import csv_row
from .model import CHECK_SCHEMA, SEVERITY_CN, STATUS_CN, Severity, Status, worst

_META_KEY = b"liangjiadi.check_report"

CSV_HEADERS = {
    "check_id": "规则编号", "check_title": "规则", "status": "状态", "severity": "严重程度",
    "reason_code": "原因代码", "indicator_ids": "指标", "fixmedins_code": "机构编码",
    "observed": "观测值", "expected": "期望", "threshold": "阈值", "message": "说明", "note": "规则依据",
}


@dataclass
class CheckReport:
    admdvs: str
    period: str
    check_run_id: str
    results_run_id: str | None
    checked_at: datetime
    rows: list[dict] = field(default_factory=list)
    publishable_ids: list[str] = field(default_factory=list)

    # ---- summaries --------------------------------------------------------------------

    @property
    def status(self) -> Status:
        """fail if any row fails; else error, warn, pass in that order."""
        return worst(r["status"] for r in self.rows)

    @property
    def passed(self) -> bool:
        return self.status not in (Status.FAIL, Status.ERROR)

    def counts(self) -> dict[str, int]:
        counted = Counter(r["status"] for r in self.rows)
        return {s.value: counted.get(s.value, 0) for s in Status}

    def rows_with(self, *statuses: Status | str) -> list[dict]:
        wanted = {Status(s).value for s in statuses}
        return [r for r in self.rows if r["status"] in wanted]

    @property
    def failures(self) -> list[dict]:
        return self.rows_with(Status.FAIL)

    @property
    def warnings(self) -> list[dict]:
        return self.rows_with(Status.WARN)

    @property
    def errors(self) -> list[dict]:
        return self.rows_with(Status.ERROR)

    def by_check(self) -> list[dict]:
        """One line per rule: its title, overall status and counts by status."""
        order: dict[str, dict] = {}
        for r in self.rows:
            entry = order.setdefault(r["check_id"], {"check_id": r["check_id"], "title": r["check_title"],
                                                    "severity": r["severity"], "counts": Counter(), "statuses": []})
            entry["statuses"].append(r["status"])
            entry["counts"][r["status"]] += (int(r["observed_value"] or 0) if r["status"] == "pass" else 1)
        for entry in order.values():
            entry["status"] = worst(entry.pop("statuses")).value
        return list(order.values())

    def not_published_ids(self) -> list[str]:
        return sorted({r["indicator_ids"] for r in self.rows
                       if r["reason_code"] == "NOT_DUE_THIS_PERIOD"}, key=_id_key)

    # ---- storage ----------------------------------------------------------------------

    def to_arrow(self) -> pa.Table:
        table = pa.Table.from_pylist(self.rows, schema=CHECK_SCHEMA)
        meta = {"results_run_id": self.results_run_id, "publishable_ids": self.publishable_ids,
                "status": self.status.value}
        return table.replace_schema_metadata({_META_KEY: json.dumps(meta, ensure_ascii=False).encode()})

    def save(self, workdir: Path) -> Path:
        path = write_run(workdir, "checks", self.admdvs, self.period, self.check_run_id, self.to_arrow())
        path.with_suffix(".md").write_text(self.to_markdown(), encoding="utf-8")
        self.write_csv(path.with_suffix(".csv"))
        return path

    def write_csv(self, path: Path) -> None:
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(CSV_HEADERS.values())
            for r in self.rows:
                shown = dict(r, status=STATUS_CN[Status(r["status"])], severity=_severity_cn(r["severity"]))
                writer.writerow(csv_row([shown.get(k) or "" for k in CSV_HEADERS]))

    # ---- the Chinese report -----------------------------------------------------------

    def to_markdown(self) -> str:
        counts = self.counts()
        lines = [
            f"# 复核报告：统筹地区 {self.admdvs}，{period_label(self.period)}",
            "",
            f"- 复核结论：**{STATUS_CN[self.status]}**"
            + ("（存在不通过项，须改正或说明后才能发布）" if self.status == Status.FAIL else ""),
            f"- 复核批次：{self.check_run_id}；所复核的计算批次：{self.results_run_id or '（未保存的结果）'}",
            f"- 复核时间：{local_time(self.checked_at)}（北京时间）",
            "- 结果行数：" + "，".join(f"{STATUS_CN[s]} {counts[s.value]}" for s in Status),
            "",
            "## 各规则结果",
            "",
            "| 规则编号 | 规则 | 结论 | 通过项 | 警告 | 不通过 | 不适用 | 出错 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for entry in self.by_check():
            c = entry["counts"]
            lines.append(f"| {entry['check_id']} | {entry['title']} | {STATUS_CN[Status(entry['status'])]} | "
                         f"{c['pass']} | {c['warn']} | {c['fail']} | {c['not_applicable']} | {c['error']} |")
        for status, heading in ((Status.FAIL, "不通过"), (Status.ERROR, "检查出错"), (Status.WARN, "警告")):
            rows = self.rows_with(status)
            if not rows:
                continue
            lines += ["", f"## {heading}（{len(rows)} 项）", ""]
            lines += [f"- [{r['check_id']} / {r['reason_code']}] {r['message']}" for r in rows]
        lines += ["", "## 本期可公开的指标", "",
                  "、".join(self.publishable_ids) or "（无）"]
        not_due = self.not_published_ids()
        if not_due:
            lines += ["", "本期不到公开时点（不公开）：" + "、".join(not_due)]
        return "\n".join(lines) + "\n"


def _severity_cn(value: str) -> str:
    try:
        return SEVERITY_CN[Severity(value)]
    except ValueError:
        return value


def _id_key(indicator_id: str) -> tuple[int, str]:
    return (int(indicator_id), "") if indicator_id.isdigit() else (10_000, indicator_id)


def load_check_report(workdir: Path, admdvs: str, period: str, run_id: str | None = None) -> CheckReport | None:
    """A stored check report (the newest when run_id is None), or None if never checked."""
    rid = run_id or latest_run(workdir, "checks", admdvs, period)
    if rid is None:
        return None
    table = read_run(workdir, "checks", admdvs, period, rid)
    meta = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
    rows = table.cast(CHECK_SCHEMA).to_pylist()
    checked_at = rows[0]["checked_at"] if rows else datetime.fromtimestamp(0)
    return CheckReport(admdvs=admdvs, period=period, check_run_id=rid,
                       results_run_id=meta.get("results_run_id"), checked_at=checked_at, rows=rows,
                       publishable_ids=list(meta.get("publishable_ids", [])))
