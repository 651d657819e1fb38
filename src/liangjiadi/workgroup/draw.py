"""The draw: reproducible from an announced seed, constrained by the profile, explained step by step.

Every eligible nominee gets a 抽签号 = SHA-256 of `种子|单位编码|姓名` (anyone can recompute it with
any SHA-256 tool). The group's size is the smallest the rules allow that the pool can fill; the
candidates are then looked at once each, in ascending 抽签号 order, and each is taken when the
group can still be completed from the candidates after them so that every rule holds (an exact
search decides that, see `_Search.feasible`), otherwise skipped with the reason logged. So the
result is the lowest 抽签号 the rules allow, and a draw fails only when no selection of the pool
meets every rule; the failure then names each unmet rule and by how much (rules kept in the
profile's order, each relaxed only as far as the pool forces it).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from itertools import combinations
from dataclasses import dataclass, field

from .errors import WorkgroupError
from .pool import Person
from .profiles import LEVELS, DrawRule, Profile


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
    skipped: list[Step] = field(default_factory=list)

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


@dataclass(frozen=True)
class _Need:
    """What a group of exactly `n` representatives must hold: at least `count` of each level set,
    at least `categories` kinds of institution, at most `cap` from one institution."""

    n: int
    levels: tuple[tuple[frozenset, int], ...]
    categories: int
    cap: int


def _needs(profile: Profile, n: int, cap: int, relaxed: dict[str, int] | None = None) -> _Need:
    relaxed = relaxed or {}
    levels, categories = [], 0
    for rule in profile.draw:
        if rule.kind == "min_level":
            levels.append((frozenset(rule.levels), relaxed.get(rule.id, int(rule.value))))
        elif rule.kind == "min_level_share":
            levels.append((frozenset(rule.levels), relaxed.get(rule.id, math.ceil(rule.value * n - 1e-9))))
        elif rule.kind == "min_categories":
            categories = max(categories, relaxed.get(rule.id, int(rule.value)))
    return _Need(n, tuple(levels), categories, cap)


class _Search:
    """Exact feasibility over the candidates in ticket order: can `chosen` be completed to a group of
    `need.n` from candidates[start:] meeting `need`? Counts by level are searched exhaustively (a
    handful of levels); the categories still missing are placed on institutions that can host them."""

    def __init__(self, candidates: list[Person], fixed: list[Person] = ()):
        self.candidates = candidates
        found = {p.单位级别 for p in list(candidates) + list(fixed)}
        self.level_names = tuple(dict.fromkeys(list(LEVELS) + sorted(found - set(LEVELS))))
        self.level_index = {name: i for i, name in enumerate(self.level_names)}

    def feasible(self, need: _Need, chosen: list[Person], start: int) -> bool:
        k = need.n - len(chosen)
        if k < 0:
            return False
        taken = Counter(p.单位编码 for p in chosen)
        if any(v > need.cap for v in taken.values()):
            return False
        remaining: dict[str, list[Person]] = {}
        for person in self.candidates[start:]:
            remaining.setdefault(person.单位编码, []).append(person)
        width = len(self.level_names)
        avail = [0] * width
        have_cats = {p.单位类别 for p in chosen}
        hosts: Counter = Counter()  # (level, categories it could add) -> how many it can still seat
        for unit, people in remaining.items():
            room = min(need.cap - taken[unit], len(people))
            if room <= 0:
                continue
            level = self.level_index[people[0].单位级别]
            avail[level] += room
            new = frozenset(p.单位类别 for p in people) - have_cats
            if new:
                hosts[(level, new)] += room
        if sum(avail) < k:
            return False
        have = [0] * width
        for p in chosen:
            have[self.level_index[p.单位级别]] += 1
        rules = [([self.level_index[name] for name in levels if name in self.level_index], count)
                 for levels, count in need.levels]
        missing = max(0, need.categories - len(have_cats))
        if missing > k:
            return False
        for lower in self._host_levels(hosts, missing, width):
            if any(lo > hi for lo, hi in zip(lower, avail)):
                continue
            if self._counts_fit(rules, have, list(lower), avail, k):
                return True
        return False

    @staticmethod
    def _host_levels(hosts: Counter, missing: int, width: int) -> set[tuple[int, ...]]:
        """Every way (as people per level) to seat `missing` more categories, one person each."""
        if missing == 0:
            return {(0,) * width}
        kinds = sorted({c for _level, cats in hosts for c in cats})
        if len(kinds) < missing:
            return set()
        found: set[tuple[int, ...]] = set()
        types = sorted(hosts)
        for wanted in combinations(kinds, missing):
            def place(i: int, room: dict, used: list[int]) -> None:
                if i == len(wanted):
                    found.add(tuple(used))
                    return
                for t in types:
                    if room[t] > 0 and wanted[i] in t[1]:
                        room[t] -= 1
                        used[t[0]] += 1
                        place(i + 1, room, used)
                        used[t[0]] -= 1
                        room[t] += 1
            place(0, {t: hosts[t] for t in types}, [0] * width)
        return found

    @staticmethod
    def _counts_fit(rules, have: list[int], lower: list[int], upper: list[int], k: int) -> bool:
        """Is there a count per level within [lower, upper], summing to k, meeting every level rule?"""
        width = len(lower)
        counts = [0] * width

        def ok_so_far(j: int, rest: int) -> bool:
            for levels, need in rules:
                best = sum(have[i] + counts[i] for i in levels if i <= j)
                best += sum(have[i] for i in levels if i > j) + min(rest, sum(upper[i] for i in levels if i > j))
                if best < need:
                    return False
            return True

        def go(j: int, rest: int) -> bool:
            if j == width:
                return rest == 0
            low_after, high_after = sum(lower[j + 1:]), sum(upper[j + 1:])
            for x in range(lower[j], min(upper[j], rest - low_after) + 1):
                if rest - x > high_after:
                    continue
                counts[j] = x
                if ok_so_far(j, rest - x) and go(j + 1, rest - x):
                    return True
            counts[j] = 0
            return False

        return go(0, k)


def _complete(search: _Search, need: _Need, fixed: list[Person], tickets: dict[str, str],
              profile: Profile) -> tuple[list[Person], list[Step], list[Step]]:
    """Candidates in ticket order, each taken when the group can still be completed (the search
    says so); the result is the lowest tickets the rules allow."""
    chosen = list(fixed)
    steps: list[Step] = []
    skipped: list[Step] = []
    for i, person in enumerate(search.candidates):
        if len(chosen) >= need.n:
            break
        if sum(p.单位编码 == person.单位编码 for p in chosen) >= need.cap:
            skipped.append(Step(person, tickets[person.key], f"同一机构已有 {need.cap} 名代表"))
            continue
        if search.feasible(need, chosen + [person], i + 1):
            counted = [r.label for r in profile.draw if r.kind in ("min_level", "min_level_share") and _in(r, person)]
            reason = "按抽签号顺序抽中" + (f"（计入：{'；'.join(counted)}）" if counted else "")
            chosen.append(person)
            steps.append(Step(person, tickets[person.key], reason))
        else:
            skipped.append(Step(person, tickets[person.key], "取此人后其余人选不能同时满足全部规则，跳过"))
    return chosen, steps, skipped


def _relax(search: _Search, profile: Profile, n: int, cap: int, fixed: list[Person]) -> tuple[_Need, int] | None:
    """The needs for n people with each rule, in the profile's order, lowered only as far as the
    pool forces; and the total shortfall. None when not even the relaxed group can be formed."""
    adjustable = [r for r in profile.draw if r.kind in ("min_level", "min_level_share", "min_categories")]
    relaxed = {r.id: 0 for r in adjustable}
    if not search.feasible(_needs(profile, n, cap, relaxed), fixed, 0):
        return None
    short = 0
    for rule in adjustable:
        want = (math.ceil(rule.value * n - 1e-9) if rule.kind == "min_level_share" else int(rule.value))
        low, high = 0, want  # the most this rule can have, the earlier ones kept (monotone: a lower bound)
        while low < high:
            mid = (low + high + 1) // 2
            if search.feasible(_needs(profile, n, cap, {**relaxed, rule.id: mid}), fixed, 0):
                low = mid
            else:
                high = mid - 1
        relaxed[rule.id] = low
        short += want - low
    return _needs(profile, n, cap, relaxed), short


def draw(profile: Profile, pool: list[Person], seed: str, *, fixed: list[Person] = (), target: int = 0) -> DrawResult:
    """Draw institution representatives from `pool` (bureau staff in it are members, not drawn).

    `fixed` are representatives already serving (a replacement draw keeps them); `target` is a
    group size to restore (a replacement keeps the group's size)."""
    if not str(seed).strip():
        raise WorkgroupError("抽选种子不能为空", "种子须在抽选前公布，见 docs/workgroup.md 第 3 节")
    fixed = list(fixed)
    bureau_count = sum(p.is_bureau for p in pool)
    fixed_keys = {p.key for p in fixed}
    candidates = sorted((p for p in pool if not p.is_bureau and p.key not in fixed_keys), key=lambda p: ticket(seed, p))
    tickets = {p.key: ticket(seed, p) for p in candidates}
    _check_one_level_per_institution(candidates + fixed)
    cap = profile.max_per_institution
    search = _Search(candidates, fixed)
    size = max([target, len(fixed)] + [int(r.value) for r in profile.draw if r.kind == "min_reps"]
               + [int(r.value) - bureau_count for r in profile.draw if r.kind == "min_members"])
    per_unit = Counter(p.单位编码 for p in candidates)
    in_fixed = Counter(p.单位编码 for p in fixed)
    most = len(fixed) + sum(max(0, min(cap - in_fixed[u], k)) for u, k in per_unit.items())
    for n in range(size, most + 1):
        need = _needs(profile, n, cap)
        if search.feasible(need, fixed, 0):
            chosen, steps, skipped = _complete(search, need, fixed, tickets, profile)
            return DrawResult(chosen, steps, evaluate(profile, chosen, bureau_count, target), tickets, skipped)
    # No selection meets every rule. Show the nearest one: the size with the least shortfall (the
    # smallest such size), each rule relaxed in the profile's order only as far as the pool forces.
    best = None
    first = min(size, most)
    for n in range(first, min(most, first + 24) + 1):
        found = _relax(search, profile, n, max(cap, max(in_fixed.values(), default=0)), fixed)
        if found and (best is None or (found[1] + max(0, size - n), n) < best[0]):
            best = ((found[1] + max(0, size - n), n), found[0])
    if best is None:
        chosen, steps, skipped = list(fixed), [], []
    else:
        chosen, steps, skipped = _complete(search, best[1], fixed, tickets, profile)
    return DrawResult(chosen, steps, evaluate(profile, chosen, bureau_count, target), tickets, skipped)


def _check_one_level_per_institution(people: list[Person]) -> None:
    """The import keeps one level per institution; a pool file edited by hand may not."""
    seen: dict[str, str] = {}
    for p in people:
        if seen.setdefault(p.单位编码, p.单位级别) != p.单位级别:
            raise WorkgroupError(f"成员库中单位编码 {p.单位编码} 出现两个单位级别（{seen[p.单位编码]}、{p.单位级别}）",
                                 "同一机构只能有一个级别；请更正成员库后重新导入")
