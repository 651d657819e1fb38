"""The draw: reproducible from an announced seed, constrained by the profile, explained step by step.

Every eligible nominee gets a 抽签号 = SHA-256 of `种子|单位编码|姓名` (anyone can recompute it with
any SHA-256 tool); candidates are taken in ascending 抽签号 order, first to meet each minimum
(the most specific level group first), then to reach the group's size. Institutions belong to one
level, so taking the lowest numbers group by group meets every minimum the pool can meet: a draw
fails only when the pool itself is short, and the failure names each unmet rule and by how much.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field

from .errors import WorkgroupError
from .pool import Person
from .profiles import DrawRule, Profile


def ticket(seed: str, person: Person) -> str:
    return hashlib.sha256(f"{seed}|{person.单位编码}|{person.姓名}".encode("utf-8")).hexdigest()


def seed_from(date: str, public_number: str) -> str:
    """The announced seed: the draw date and a public number fixed after the announcement
    (e.g. a lottery's winning number or an index's close), `YYYY-MM-DD|number`."""
    return f"{date.strip()}|{public_number.strip()}"


@dataclass(frozen=True)
class Outcome:
    rule: DrawRule
    required: int
    actual: int

    @property
    def ok(self) -> bool:
        if self.rule.kind == "max_per_institution":
            return self.actual <= self.required
        return self.actual >= self.required

    @property
    def shortfall(self) -> int:
        return 0 if self.ok else abs(self.required - self.actual)

    def describe(self) -> str:
        unit = "类" if self.rule.kind == "min_categories" else "人"
        if self.rule.kind == "max_per_institution":
            return f"{self.rule.label}：同一机构最多 {self.actual} 人，超出 {self.shortfall} 人"
        return f"{self.rule.label}：要求至少 {self.required} {unit}，只能抽到 {self.actual} {unit}，差 {self.shortfall} {unit}"


@dataclass
class Step:
    person: Person
    ticket: str
    reason: str


@dataclass
class DrawResult:
    chosen: list[Person]
    steps: list[Step]
    outcomes: list[Outcome]
    tickets: dict[str, str] = field(default_factory=dict)

    @property
    def unmet(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.unmet


class DrawFailed(WorkgroupError):
    code = "LJD-GROUP-DRAW"

    def __init__(self, result: DrawResult, profile: Profile, excluded=()):
        lines = [f"{i}. {o.describe()}（{o.rule.source}：“{o.rule.quote}”）" for i, o in enumerate(result.unmet, 1)]
        if excluded:
            lines.append(f"另有 {len(excluded)} 人因任期规则不参加本次抽选：" + "；".join(
                f"{e.person.单位名称} {e.person.姓名}（{e.reason}）" for e in excluded[:10])
                + ("……" if len(excluded) > 10 else ""))
        super().__init__(f"成员库不能满足规则「{profile.title}」的 {len(result.unmet)} 项要求：\n" + "\n".join(lines),
                         "请补充相应级别或类型机构的推荐人选后重新抽选（种子不变，结果仍可复现）")
        self.result = result


def _in(rule: DrawRule, person: Person) -> bool:
    return person.单位级别 in rule.levels


def evaluate(profile: Profile, chosen: list[Person], bureau_count: int, target: int = 0) -> list[Outcome]:
    """Each draw rule against a selection (institution representatives only)."""
    n = len(chosen)
    per_unit = Counter(p.单位编码 for p in chosen)
    outcomes = []
    for rule in profile.draw:
        if rule.kind == "min_reps":
            outcomes.append(Outcome(rule, max(int(rule.value), target), n))
        elif rule.kind == "min_level":
            outcomes.append(Outcome(rule, int(rule.value), sum(_in(rule, p) for p in chosen)))
        elif rule.kind == "min_level_share":
            outcomes.append(Outcome(rule, math.ceil(rule.value * n - 1e-9), sum(_in(rule, p) for p in chosen)))
        elif rule.kind == "min_categories":
            outcomes.append(Outcome(rule, int(rule.value), len({p.单位类别 for p in chosen})))
        elif rule.kind == "max_per_institution":
            outcomes.append(Outcome(rule, int(rule.value), max(per_unit.values(), default=0)))
        elif rule.kind == "min_members":
            outcomes.append(Outcome(rule, int(rule.value), n + bureau_count))
    return outcomes


def draw(profile: Profile, pool: list[Person], seed: str, *, fixed: list[Person] = (), target: int = 0) -> DrawResult:
    """Draw institution representatives from `pool` (bureau staff in it are members, not drawn).

    `fixed` are representatives already serving (a replacement draw keeps them); `target` is a
    group size to restore (a replacement keeps the group's size)."""
    if not str(seed).strip():
        raise WorkgroupError("抽选种子不能为空", "种子须在抽选前公布，见 docs/workgroup.md 第 3 节")
    bureau_count = sum(p.is_bureau for p in pool)
    fixed_keys = {p.key for p in fixed}
    candidates = sorted((p for p in pool if not p.is_bureau and p.key not in fixed_keys), key=lambda p: ticket(seed, p))
    tickets = {p.key: ticket(seed, p) for p in candidates}
    chosen = list(fixed)
    steps: list[Step] = []
    limit = profile.max_per_institution

    def take(predicate, reason) -> bool:
        per_unit = Counter(p.单位编码 for p in chosen)
        taken = {p.key for p in chosen}
        for person in candidates:
            if person.key not in taken and per_unit[person.单位编码] < limit and predicate(person):
                chosen.append(person)
                steps.append(Step(person, tickets[person.key], reason))
                return True
        return False

    # the most specific level groups first, so a broader group counts what they took
    level_rules = sorted((r for r in profile.draw if r.kind == "min_level"), key=lambda r: (len(r.levels), r.id))
    share_rules = [r for r in profile.draw if r.kind == "min_level_share"]
    category_rules = [r for r in profile.draw if r.kind == "min_categories"]
    size = max([target] + [int(r.value) for r in profile.draw if r.kind == "min_reps"]
               + [int(r.value) - bureau_count for r in profile.draw if r.kind == "min_members"])
    for _round in range(len(candidates) + 1):
        before = len(chosen)
        for rule in level_rules:
            while sum(_in(rule, p) for p in chosen) < rule.value and take(lambda p, r=rule: _in(r, p), f"满足：{rule.label}"):
                pass
        for rule in share_rules:
            # the share of the group's final size (at least `size`), so filling up does not break it
            while (sum(_in(rule, p) for p in chosen) < math.ceil(rule.value * max(len(chosen), size) - 1e-9)
                   and take(lambda p, r=rule: _in(r, p), f"满足：{rule.label}")):
                pass
        for rule in category_rules:
            while (len({p.单位类别 for p in chosen}) < rule.value
                   and take(lambda p: p.单位类别 not in {q.单位类别 for q in chosen}, f"满足：{rule.label}")):
                pass
        while len(chosen) < size and take(lambda p: True, f"补足工作组人数（{size} 人）"):
            pass
        if len(chosen) == before:
            break
    outcomes = evaluate(profile, chosen, bureau_count, target)
    return DrawResult(chosen, steps, outcomes, tickets)
