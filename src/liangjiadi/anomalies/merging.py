"""One 线索 per institution and behaviour.

Several detectors see one behaviour from different sides: a hospital that codes its cases up
shows in 高套病组, 结构偏移 and 高靠诊断; one that admits patients who need no bed shows in 三级医院收治
基层病组 and 低标入院, or in 诱导住院, 床位周转 and 门诊住院人次比. A report that printed each would
accuse the hospital several times of one thing, so the findings of one behaviour at one
institution in one period become one finding: the strongest finding leads (its pattern,
message, score and top-level evidence), the severity is the strongest, `patterns` lists every
pattern, and `evidence["by_pattern"]` keeps each pattern's own evidence (a list per pattern:
a detector may name the institution for several groups).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from .model import Finding

# behaviour -> (Chinese name, patterns in the order that leads at equal severity)
BEHAVIOURS: dict[str, tuple[str, tuple[str, ...]]] = {
    "coding_up": ("高套编码（病组、诊断、结构）", ("upcoding_severity", "upcoding_diagnosis", "structure_shift")),
    "admitting_light_cases": ("收治轻症入院（基层病组、低标入院）", ("basic_groups_in_tertiary", "low_standard_admission")),
    "admitting_without_need": ("诱导住院（出院激增、门诊住院人次比、床位周转）",
                               ("admission_surge", "outpatient_inpatient_ratio", "beds_turnover")),
}
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


def behaviour_of(pattern: str) -> str | None:
    for key, (_, patterns) in BEHAVIOURS.items():
        if pattern in patterns:
            return key
    return None


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """Findings with every behaviour group at one institution and period folded into one 线索
    (order kept: a merged 线索 takes the place of its first finding)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        b = behaviour_of(f.pattern)
        if b and f.fixmedins_code and f.subject == "institution" and f.evidence.get("direction") != -1:
            groups[(f.fixmedins_code, f.period, b)].append(i)
    merged_at: dict[int, Finding] = {}
    dropped: set[int] = set()
    for (_, _, b), idx in groups.items():
        if len(idx) < 2:
            continue
        merged_at[idx[0]] = _merge([findings[i] for i in idx], BEHAVIOURS[b][1])
        dropped |= set(idx[1:])
    return [merged_at.get(i, f) for i, f in enumerate(findings) if i not in dropped]


def _merge(group: list[Finding], order: tuple[str, ...]) -> Finding:
    ranked = sorted(group, key=lambda f: (SEVERITY_RANK[f.severity], order.index(f.pattern), -f.score))
    lead = ranked[0]
    patterns = tuple(dict.fromkeys(f.pattern for f in ranked))
    by_pattern: dict[str, list[dict]] = {}
    for f in ranked:
        by_pattern.setdefault(f.pattern, []).append(dict(f.evidence))
    others = [f.message for f in ranked[1:]]
    message = lead.message + ("另：" + "".join(others) if others else "")
    evidence = dict(lead.evidence, by_pattern=by_pattern)
    return replace(lead, message=message, evidence=evidence, patterns=patterns)
