"""逻辑验证: small generic checks an analysis runs on its own figures before it states them.

The catalogue-wide review (复核) lives in checks/; these helpers serve analyses that build new
figures (a structure, a forecast) and want to say "this cannot be right" next to them.
Each returns a `LogicIssue` or None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .common import Model, fnum


@dataclass(frozen=True)
class LogicIssue(Model):
    rule: str  # part_le_whole | share_in_unit | consistent | parts_add_up
    subject: str
    message: str
    values: dict = field(default_factory=dict)


def part_le_whole(part, whole, *, subject: str = "", tolerance: float = 0.0) -> LogicIssue | None:
    """其中项不大于合计项 (both absent → no issue)."""
    p, w = fnum(part), fnum(whole)
    if p is None or w is None or p <= w + tolerance:
        return None
    return LogicIssue("part_le_whole", subject, f"{subject}：其中项 {p:,.2f} 大于合计 {w:,.2f}",
                      {"part": p, "whole": w})


def share_in_unit(value, *, subject: str = "") -> LogicIssue | None:
    """A share or rate lies in [0, 1] (e.g. 质控通过率 ≤ 100%, 医保外费用占比 ≥ 0)."""
    v = fnum(value)
    if v is None or 0 <= v <= 1:
        return None
    return LogicIssue("share_in_unit", subject, f"{subject}：比例 {v:.2%} 超出 0-100%", {"value": v})


def consistent(a, b, *, subject: str = "", rel_tol: float = 0.001, abs_tol: float = 0.01) -> LogicIssue | None:
    """Two figures of the same thing from different sources agree within a tolerance."""
    x, y = fnum(a), fnum(b)
    if x is None or y is None:
        return None
    if abs(x - y) <= max(abs_tol, rel_tol * max(abs(x), abs(y))):
        return None
    return LogicIssue("consistent", subject, f"{subject}：两处数值不一致（{x:,.2f} 与 {y:,.2f}）", {"a": x, "b": y})


def parts_add_up(parts: Iterable, total, *, subject: str = "", abs_tol: float = 0.01) -> LogicIssue | None:
    """Items add up to their total (加和项等于各分项之和)."""
    vals = [fnum(p) for p in parts]
    if any(v is None for v in vals):
        return None
    issue = consistent(sum(vals), total, subject=subject, rel_tol=0.0, abs_tol=abs_tol)
    if issue is None:
        return None
    return LogicIssue("parts_add_up", subject, f"{subject}：分项之和 {sum(vals):,.2f} 不等于合计 {fnum(total):,.2f}",
                      {"sum": sum(vals), "total": fnum(total)})
