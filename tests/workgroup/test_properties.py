"""Must-show properties of the draw, for random pools and every built-in profile."""

from __future__ import annotations

import csv
import math
import random
from collections import Counter

from hypothesis import HealthCheck, given, settings, strategies as st

from liangjiadi.workgroup import DrawFailed, draw, load_profile, verify_dir, write_draw_dir
from liangjiadi.workgroup.pool import Person
from liangjiadi.workgroup.profiles import LEVELS as LEVEL_NAMES

PROFILES = {name: load_profile(name) for name in ("national", "liaoning", "changzhi")}


@st.composite
def pools(draw_):
    n_units = draw_(st.integers(0, 22))
    people = []
    for unit in range(n_units):
        level = draw_(st.sampled_from(LEVEL_NAMES))
        category = draw_(st.sampled_from(("综合医院", "专科医院", "中医医院")))
        for k in range(draw_(st.integers(1, 2))):
            people.append(Person(f"H{unit:03d}", f"代表{unit}-{k}", f"医院{unit}", level, category, "院长", "否"))
    for k in range(draw_(st.integers(0, 5))):
        people.append(Person("YB", f"局{k}", "医疗保障局", "", "医保部门", "医药管理科", "否", "医药管理"))
    return people


def _independent_check(profile, chosen, bureau):
    """Each rule counted again here, without the module's evaluate()."""
    broken = set()
    n = len(chosen)
    for rule in profile.draw:
        count = sum(p.单位级别 in rule.levels for p in chosen)
        if rule.kind == "min_reps" and n < rule.value:
            broken.add(rule.id)
        if rule.kind == "min_level" and count < rule.value:
            broken.add(rule.id)
        if rule.kind == "min_level_share" and count * 1.0 < rule.value * n - 1e-9:
            broken.add(rule.id)
        if rule.kind == "min_categories" and len({p.单位类别 for p in chosen}) < rule.value:
            broken.add(rule.id)
        if rule.kind == "max_per_institution" and max(Counter(p.单位编码 for p in chosen).values(), default=0) > rule.value:
            broken.add(rule.id)
        if rule.kind == "min_members" and n + bureau < rule.value:
            broken.add(rule.id)
    return broken


def _pool_is_short(profile, pool, rule):
    """Whether the pool itself cannot meet `rule` (distinct institutions available, one each)."""
    units = {p.单位编码: p for p in pool if not p.is_bureau}
    bureau = sum(p.is_bureau for p in pool)
    if rule.kind == "min_reps":
        return len(units) < rule.value
    if rule.kind == "min_level":
        return sum(p.单位级别 in rule.levels for p in units.values()) < rule.value
    if rule.kind == "min_categories":
        return len({p.单位类别 for p in units.values()}) < rule.value
    if rule.kind == "min_members":
        return len(units) + bureau < rule.value
    if rule.kind == "min_level_share":
        # the smallest group the other minimums allow still needs ceil(share * size) of these levels
        size = max([int(r.value) for r in profile.draw if r.kind == "min_reps"]
                   + [int(r.value) - bureau for r in profile.draw if r.kind == "min_members"])
        return sum(p.单位级别 in rule.levels for p in units.values()) < math.ceil(rule.value * size - 1e-9)
    return False


@settings(max_examples=150, deadline=None)
@given(pool=pools(), name=st.sampled_from(sorted(PROFILES)), seed=st.text(min_size=1, max_size=12).filter(str.strip))
def test_success_meets_every_rule_failure_names_every_unmet_one(pool, name, seed):
    profile = PROFILES[name]
    result = draw(profile, pool, seed)
    bureau = sum(p.is_bureau for p in pool)
    if result.ok:
        assert _independent_check(profile, result.chosen, bureau) == set()
        assert not any(p.is_bureau for p in result.chosen)
        assert {p.key for p in result.chosen} <= {p.key for p in pool}
    else:
        unmet = {o.rule.id for o in result.unmet}
        assert unmet == _independent_check(profile, result.chosen, bureau)
        message = DrawFailed(result, profile).message
        for outcome in result.unmet:
            assert outcome.rule.label in message and f"差 {outcome.shortfall}" in message and outcome.shortfall > 0
        # Not asserted: that some unmet rule is short in the pool itself. The draw is greedy in ticket
        # order, and hypothesis found a national pool that a search could satisfy but the draw did not
        # (noted on the working-group issue).
        for outcome in result.unmet:
            if outcome.rule.kind in ("min_reps", "min_level", "min_categories", "min_members"):
                assert _pool_is_short(profile, pool, outcome.rule), outcome.describe()


@settings(max_examples=80, deadline=None)
@given(pool=pools(), name=st.sampled_from(sorted(PROFILES)), seed=st.text(min_size=1, max_size=12).filter(str.strip),
       order=st.randoms(use_true_random=False))
def test_same_seed_and_pool_give_the_same_draw(pool, name, seed, order):
    shuffled = list(pool)
    order.shuffle(shuffled)
    first = draw(PROFILES[name], pool, seed)
    again = draw(PROFILES[name], shuffled, seed)
    assert [p.key for p in first.chosen] == [p.key for p in again.chosen]
    assert [s.ticket for s in first.steps] == [s.ticket for s in again.steps]


def _rich_pool():
    levels = ["三级"] * 4 + ["二级"] * 5 + ["一级"] * 3 + ["基层"] * 6
    people = [Person(f"H{i:03d}", f"代表{i}-{k}", f"医院{i}", level, ("综合医院", "专科医院")[i % 2], "院长", "否")
              for i, level in enumerate(levels) for k in (1, 2)]
    return people + [Person("YB", f"局{k}", "医疗保障局", "", "医保部门", "数据管理科", "否", "数据管理") for k in range(4)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.text(alphabet="0123456789-|", min_size=1, max_size=10), how=st.sampled_from(["swap", "drop", "add"]),
       pick=st.integers(0, 1000), name=st.sampled_from(sorted(PROFILES)))
def test_verify_fails_on_a_tampered_result(tmp_path_factory, seed, how, pick, name):
    profile, pool = PROFILES[name], _rich_pool()
    result = draw(profile, pool, seed)
    out = write_draw_dir(tmp_path_factory.mktemp("d"), profile, pool, seed, result, year=2026)
    assert verify_dir(out) == []
    with open(out / "result.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    drawn = {tuple(r) for r in body}
    others = [p.row() for p in pool if not p.is_bureau and tuple(p.row()) not in drawn]
    i = pick % len(body)
    if how == "swap":
        body[i] = others[pick % len(others)]
    elif how == "drop":
        del body[i]
    else:
        body.append(others[pick % len(others)])
    with open(out / "result.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header] + body)
    problems = verify_dir(out)
    assert any("与 result.csv 不同" in p for p in problems), problems


def test_verify_fails_on_a_tampered_pool_or_seed(tmp_path):
    import json

    profile, pool = PROFILES["national"], _rich_pool()
    out = write_draw_dir(tmp_path / "d", profile, pool, "s", draw(profile, pool, "s"), year=2026)
    log = json.loads((out / "draw_log.json").read_text(encoding="utf-8"))
    log["seed"] = "另一个种子"
    (out / "draw_log.json").write_text(json.dumps(log, ensure_ascii=False), encoding="utf-8")
    assert any("与 result.csv 不同" in p for p in verify_dir(out))
    out2 = write_draw_dir(tmp_path / "d2", profile, pool, "s", draw(profile, pool, "s"), year=2026)
    lines = (out2 / "pool.csv").read_text(encoding="utf-8").splitlines()
    (out2 / "pool.csv").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    assert any("成员库摘要不一致" in p for p in verify_dir(out2))
