"""Invariants of the pure analysis functions (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liangjiadi.analysis import abc_classify, mixed_growth, rank_within_groups, structure, structure_drift

amounts = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3),
                          st.integers(min_value=0, max_value=10**9).map(Decimal), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(amounts)
def test_structure_shares_add_up(parts):
    s = structure(parts)
    if s.total:
        assert sum(i.share for i in s.items) == pytest.approx(1.0)
    assert sum(i.amount for i in s.items) == s.total


@settings(max_examples=60, deadline=None)
@given(amounts, amounts)
def test_drift_changes_cancel_out(before, after):
    d = structure_drift(before, after)
    if d.before_total and d.after_total:
        assert sum(i.change_pp for i in d.items) == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(amounts)
def test_abc_classes_are_ordered_and_complete(parts):
    r = abc_classify(parts)
    classes = [i.abc_class for i in r.items]
    assert classes == sorted(classes)  # A items first, then B, then C
    assert sum(c.amount for c in r.classes) == r.total
    assert sum(c.items for c in r.classes) == len(parts)
    if r.total:
        assert classes[0] == "A"
        a_share = sum(i.share for i in r.items if i.abc_class == "A")
        assert a_share >= 0.8 - 1e-9  # A reaches the cut-off
        assert r.top_share is not None and 0 < r.top_share <= 1


volumes = st.dictionaries(st.sampled_from("abcdefghij"), st.integers(min_value=0, max_value=500), min_size=1)


@settings(max_examples=60, deadline=None)
@given(volumes, volumes, st.dictionaries(st.sampled_from("abcdefghij"), st.sampled_from(["三级", "二级"])))
def test_mixed_growth_never_exceeds_growth(cur, prev, groups):
    for m in mixed_growth(cur, prev, groups):
        if m.mixed_growth is not None:
            assert 0 < m.weight <= 1
            assert abs(m.mixed_growth) <= abs(m.growth) + 1e-12


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefghij"), st.floats(min_value=-1e6, max_value=1e6), min_size=1))
def test_ranks_and_percentiles_in_range(values):
    stats, ranked = rank_within_groups(values, {k: "g" for k in values})
    n = stats[0].n
    assert sorted(r.rank for r in ranked) == sorted(
        1 + sum(1 for x in values.values() if x > v) for v in values.values())
    assert all(0 <= r.percentile <= 100 for r in ranked)
    assert stats[0].q1 <= stats[0].median <= stats[0].q3 and n == len(values)
