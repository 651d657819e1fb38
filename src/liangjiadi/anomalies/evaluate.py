"""Measured detection quality: findings against the ground truth of a generated region.

Matching (per pattern):
- an institution-level injection is found when a finding of the same pattern names the same
  institution, for a run whose 12-month window overlaps the injected months;
- a region-level injection is found by a region finding (no institution); institution
  findings of a region-level pattern are not judged (the injection spreads over many);
- a person-level injection that names an institution is matched by institution; otherwise by
  counts: findings are anonymous clusters, so up to as many findings as injected persons count
  as right, the rest as false;
- a praise finding (evidence direction = -1, e.g. low cost) is not an alarm and is not judged;
- a finding naming an institution injected with a related pattern whose mechanism produces it
  too (RELATED) is "explained": neither right nor false.
Precision and recall count distinct subjects (institution, cluster or region) per pattern, so
one institution named for three ADRGs is one flag.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..period import shift, span
from .model import Finding, row_patterns

# pattern -> injected patterns that legitimately raise it at the same institution
RELATED = {
    "structure_shift": {"upcoding_severity"},  # severity moved up within an ADRG is a drift of the mix
    "upcoding_severity": {"structure_shift"},  # the drift raises severity within each ADRG
    "outpatient_inpatient_ratio": {"admission_surge"},  # extra admissions lower the ratio
    "admission_surge": {"outpatient_inpatient_ratio"},  # extra admissions are a surge
}


@dataclass
class PatternScore:
    pattern: str
    injected: int = 0  # injections of the pattern
    detected: int = 0  # injections found
    flagged: int = 0  # distinct subjects flagged (judged)
    true: int = 0
    false: int = 0
    explained: int = 0  # flags at institutions of a related injection
    effects_found: list[float] = field(default_factory=list)
    effects_missed: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.detected / self.injected if self.injected else None

    @property
    def precision(self) -> float | None:
        return self.true / self.flagged if self.flagged else None

    @property
    def smallest_effect_found(self) -> float | None:
        return min(self.effects_found) if self.effects_found else None

    def add(self, other: PatternScore) -> None:
        for k in ("injected", "detected", "flagged", "true", "false", "explained"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.effects_found += other.effects_found
        self.effects_missed += other.effects_missed


def load_ground_truth(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _rows(findings) -> list[dict]:
    """One row per pattern: a 线索 merged from several patterns counts for each of them, with
    that pattern's own evidence (merging.py keeps it under evidence["by_pattern"])."""
    if findings is None:
        return []
    rows = findings.to_pylist() if hasattr(findings, "to_pylist") else list(findings)
    out = []
    for r in rows:
        if isinstance(r, Finding):
            r = asdict(r)
        ev = r.get("evidence") or {}
        if isinstance(ev, str):
            ev = json.loads(ev) if ev else {}
        by_pattern = ev.get("by_pattern") or {}
        for p in row_patterns(r):
            own = (by_pattern.get(p) or [ev])[0] if by_pattern else ev
            out.append(dict(r, pattern=p, evidence=own))
    return out


def _window(period: str) -> set[str]:
    return set(span(shift(period, -11), period))


def _subject(r: dict) -> str:
    if r.get("fixmedins_code"):
        return "inst:" + r["fixmedins_code"]
    if r.get("cluster_id"):
        return "cluster:" + r["cluster_id"]
    return "region"


def evaluate(ground_truth: dict, findings, patterns: list[str] | None = None) -> dict[str, PatternScore]:
    """Score one region's findings (a findings table or rows) against its ground truth."""
    injections = ground_truth.get("anomalies", []) if ground_truth.get("anomalies_enabled", True) else []
    by_pattern: dict[str, list[dict]] = defaultdict(list)
    for inj in injections:
        by_pattern[inj["pattern"]].append(inj)
    inst_patterns: dict[str, set[str]] = defaultdict(set)
    for inj in injections:
        if inj.get("fixmedins_code"):
            inst_patterns[inj["fixmedins_code"]].add(inj["pattern"])
    rows = [r for r in _rows(findings) if r["evidence"].get("direction") != -1]
    found_by_pattern: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        found_by_pattern[r["pattern"]].append(r)
    names = set(patterns or []) | set(by_pattern) | set(found_by_pattern)
    return {p: _score(p, by_pattern.get(p, []), found_by_pattern.get(p, []), inst_patterns)
            for p in sorted(names)}


def _score(pattern: str, injections: list[dict], rows: list[dict], inst_patterns) -> PatternScore:
    s = PatternScore(pattern, injected=len(injections))
    subjects: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        subjects[_subject(r)].append(r)
    matched_subjects: set[str] = set()
    unjudged: set[str] = set()
    for inj in injections:
        months = set(inj.get("periods") or [])
        code, scope = inj.get("fixmedins_code"), inj.get("scope")
        hit = False
        if code:
            key = "inst:" + code
            hit = any(not months or _window(r["period"]) & months for r in subjects.get(key, []))
            if hit:
                matched_subjects.add(key)
        elif scope == "region":
            hit = "region" in subjects
            if hit:
                matched_subjects.add("region")
            unjudged |= {k for k in subjects if k.startswith("inst:")}
        else:  # anonymous person-level injection: match by counts
            units = max(1, len(inj.get("psn_no") or []) or int(inj.get("cases_total") or 1))
            anonymous = sorted(k for k in subjects if not k.startswith("inst:") and k not in matched_subjects)
            take = anonymous[:units]
            matched_subjects |= set(take)
            hit = bool(take)
        s.detected += int(hit)
        (s.effects_found if hit else s.effects_missed).append(float(inj.get("effect", 1.0)))
    for key in subjects:
        if key in unjudged and key not in matched_subjects:
            continue
        if key in matched_subjects:
            s.flagged += 1
            s.true += 1
            continue
        code = key[5:] if key.startswith("inst:") else None
        if code and inst_patterns.get(code, set()) & RELATED.get(pattern, set()):
            s.explained += 1
            continue
        s.flagged += 1
        s.false += 1
    return s


def combine(scores: list[dict[str, PatternScore]]) -> dict[str, PatternScore]:
    """Sum per-pattern scores over several regions."""
    out: dict[str, PatternScore] = {}
    for one in scores:
        for p, sc in one.items():
            out.setdefault(p, PatternScore(p)).add(sc)
    return out


def fmt_ratio(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"
