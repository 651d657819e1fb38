"""Terms of the drawn representatives: who may be drawn this year, who serves, who left and why.

A term record: person, year, status (在任 serving | 期满 ended | 退出 withdrawn | 解除 dismissed), the
draw directory that seated them and, when they left, the reason and the replacement draw.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .drawdir import Exclusion
from .errors import WorkgroupError
from .pool import Person
from .profiles import Profile
from .store import person_from

SERVING = "在任"
WITHDRAWN = "退出"
DISMISSED = "解除"


def years_served(data: dict, key: str) -> list[int]:
    """Years the person sat in the group (any term record counts, however it ended)."""
    return sorted({t["year"] for t in data["terms"] if t["key"] == key})


def eligibility(profile: Profile, data: dict, pool: list[Person], year: int) -> tuple[list[Person], list[Exclusion]]:
    """The pool a draw for `year` may read, and who is left out and why (quoting the rule)."""
    rule = profile.terms
    eligible, excluded = [], []
    for person in pool:
        if person.is_bureau:
            eligible.append(person)
            continue
        served = [y for y in years_served(data, person.key) if y < year]
        if rule.max_years is not None and len(served) * rule.years_per_term >= rule.max_years:
            excluded.append(Exclusion(person, f"已任 {len(served)} 年，达到最长任期 {rule.max_years} 年（{rule.source}）"))
        elif rule.no_consecutive and (year - 1) in served:
            excluded.append(Exclusion(person, f"{year - 1} 年在任，原则上不连任（{rule.source}）"))
        elif any(t["key"] == person.key and t["status"] == DISMISSED for t in data["terms"]):
            excluded.append(Exclusion(person, "曾被解除工作组任职"))
        else:
            eligible.append(person)
    return eligible, excluded


def serving(data: dict, year: int) -> list[Person]:
    """The representatives serving in `year`, in the order they were seated."""
    return [person_from(t["person"]) for t in data["terms"] if t["year"] == year and t["status"] == SERVING]


def record_draw(data: dict, *, year: int, kind: str, directory: str, seed: str, profile: str,
                seated: list[Person]) -> None:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    data["draws"].append({"year": year, "kind": kind, "dir": directory, "seed": seed, "profile": profile, "at": now,
                          "seated": [p.key for p in seated]})
    for person in seated:
        data["terms"].append({"key": person.key, "person": person.as_dict(), "year": year, "status": SERVING,
                              "dir": directory, "since": now, "reason": "", "ended_at": None})


def end_term(data: dict, *, year: int, key: str, status: str, reason: str) -> dict:
    """Mark a serving representative as withdrawn or dismissed (the record stays)."""
    if status not in (WITHDRAWN, DISMISSED):
        raise WorkgroupError(f"未知的离任类型：{status}", "应为 退出 或 解除")
    if not reason.strip():
        raise WorkgroupError("离任须写明原因", "用 --why 说明退出原因或解除的事实依据")
    for term in data["terms"]:
        if term["key"] == key and term["year"] == year and term["status"] == SERVING:
            term.update(status=status, reason=reason.strip(),
                        ended_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
            return term
    raise WorkgroupError(f"{year} 年工作组中没有在任的 {key}", "成员写作 单位编码/姓名，见 liangjiadi group status")


def check_roles(profile: Profile, data: dict, year: int) -> list[str]:
    """Each role rule of the profile against the appointments of `year` (组长, 副组长, 召集人...)."""
    reps = {p.key for p in serving(data, year)}
    pool = {p["单位编码"] + "/" + p["姓名"]: p for p in data["pool"]}
    problems = []
    for rule in profile.roles:
        holders = [r for r in data["roles"] if r["year"] == year and r["role"] == rule.role]
        bureau = [h for h in holders if h["key"] in pool and person_from(pool[h["key"]]).is_bureau]
        inst = [h for h in holders if h["key"] in reps]
        cite = f"（{rule.source}：“{rule.quote}”）"
        if not rule.min <= len(holders) <= rule.max:
            want = f"{rule.min}" if rule.min == rule.max else f"{rule.min}-{rule.max}"
            problems.append(f"{rule.role}应为 {want} 人，现为 {len(holders)} 人{cite}")
        if rule.source_from == "bureau" and len(bureau) != len(holders):
            problems.append(f"{rule.role}应由医保部门人员担任{cite}")
        if rule.department and any(person_from(pool[h["key"]]).部门 != rule.department for h in bureau):
            problems.append(f"{rule.role}应为{rule.department}部门负责同志{cite}")
        for side, have, span in (("医保部门", bureau, rule.bureau), ("定点医疗机构代表", inst, rule.institution)):
            if span and not span[0] <= len(have) <= span[1]:
                want = f"{span[0]}" if span[0] == span[1] else f"{span[0]}-{span[1]}"
                problems.append(f"{rule.role}中{side}应为 {want} 人，现为 {len(have)} 人{cite}")
    return problems
