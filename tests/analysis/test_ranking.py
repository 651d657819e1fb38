"""排序与分布: median, quartiles, percentiles, ranks and small-volume marking within peer groups."""

from __future__ import annotations

import pytest

from liangjiadi.analysis import peer_ranking, rank_within_groups

from . import handbuilt as hb
from .results_util import save

VALUES = {"a": 100, "b": 200, "c": 300, "d": 400, "e": 900, "s": 5000, "x": None, "k": 50}
GROUPS = {"a": "三级", "b": "三级", "c": "三级", "d": "三级", "e": "三级", "s": "三级", "x": "三级", "k": "二级"}
VOLUMES = {"a": 40, "b": 50, "c": 60, "d": 30, "e": 100, "s": 3, "x": 80, "k": 31}


def test_group_statistics_exclude_small_volumes():
    stats, ranked = rank_within_groups(VALUES, GROUPS, volumes=VOLUMES, min_volume=30)
    g = {s.group: s for s in stats}["三级"]
    # eligible: a b c d e (s has 3 cases, x has no value)
    assert g.n == 5 and g.n_small == 1
    assert (g.minimum, g.q1, g.median, g.q3, g.maximum) == (100, 200, 300, 400, 900)
    assert g.mean == pytest.approx(380)
    by = {r.fixmedins_code: r for r in ranked}
    assert [by[c].rank for c in "edcba"] == [1, 2, 3, 4, 5]
    assert by["c"].percentile == pytest.approx(50.0)  # 2 below + ½ of itself, of 5
    assert by["e"].percentile == pytest.approx(90.0)
    assert by["c"].vs_median == pytest.approx(0.0) and by["e"].vs_median == pytest.approx(2.0)
    assert by["a"].quartile == "下四分位以下" and by["c"].quartile == "中间" and by["e"].quartile == "上四分位以上"
    # the small institution keeps its place against the peers but gets no rank
    assert by["s"].small_volume and by["s"].rank is None and by["s"].percentile == pytest.approx(100.0)
    assert by["x"].rank is None and by["x"].value is None
    assert by["k"].rank == 1 and by["k"].of == 1


def test_ascending_ranks_and_ties():
    stats, ranked = rank_within_groups({"a": 1, "b": 1, "c": 2}, {"a": "g", "b": "g", "c": "g"}, descending=False)
    by = {r.fixmedins_code: r for r in ranked}
    assert (by["a"].rank, by["b"].rank, by["c"].rank) == (1, 1, 3)
    assert stats[0].median == 1


def test_peer_ranking_from_stored_results(tmp_path):
    settings = hb.build(tmp_path)
    values = {("37", None): 12000}
    for code, cost, n in (("A1", 23000, 40), ("A2", 12000, 35), ("A3", 19000, 50), ("B1", 8000, 31),
                          ("B2", 9000, 5), ("C1", 5000, 1)):
        values[("37", code)] = cost
        values[("39", code)] = n
    save(tmp_path, hb.R, hb.P, values)
    r = peer_ranking(settings, "37", hb.P)
    assert r.volume_indicator == "39" and r.min_volume == 30
    top = r.group("三级")
    assert (top.n, top.median) == (3, 19000)
    assert r.institution("A1").rank == 1 and r.institution("A2").rank == 3
    assert r.institution("A1").name == "机构A1"
    assert r.institution("B2").small_volume and r.institution("B2").rank is None
    assert r.group("二级").n == 1 and r.group("一级及以下").n_small == 1
    by_kind = peer_ranking(settings, "37", hb.P, by_kind=True)
    assert {g.group for g in by_kind.groups} == {"三级·综合", "二级·综合", "二级·中医", "一级及以下·基层"}


# ---- the release peer rule: level → level group → region (rank_with_fallback) ----------------------

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from liangjiadi.analysis.ranking import choose_peer_sets, rank_with_fallback  # noqa: E402

LEVELS = {**{f"A{i}": "02" for i in range(6)},  # 6 三级甲等: a set of their own
          "B1": "03", "B2": "03",  # 2 三级乙等: fall back to 三级 (8)
          "C1": "05", "C2": "06", "C3": "07",  # 3 二级: too few, fall back to the region
          "D1": "11"}  # 1 一级: the region


def test_each_institution_falls_back_to_the_first_set_with_enough_peers():
    chosen = choose_peer_sets(LEVELS, set(LEVELS), min_members=6)
    assert {chosen[c].label for c in LEVELS if c.startswith("A")} == {"三级甲等"}
    assert chosen["B1"].label == "三级" and chosen["B1"].basis == "level_group"
    assert chosen["C1"].label == "全地区" and chosen["C1"].basis == "region"
    assert chosen["D1"].basis == "region"


def test_fallback_statistics_cover_the_whole_set_and_rank_within_it():
    values = {c: float(i) for i, c in enumerate(LEVELS)}  # A0..A5 = 0..5, B1 6, B2 7, C1 8 …, D1 11
    stats, ranked = rank_with_fallback(values, LEVELS, min_members=6)
    by_set = {s.group: s for s in stats}
    assert by_set["三级甲等"].n == 6 and by_set["三级甲等"].median == 2.5
    assert by_set["三级"].n == 8 and by_set["三级"].compared == ["三级乙等"]  # the 三甲 count, are not ranked there
    assert by_set["全地区"].n == 12 and by_set["全地区"].compared == ["二级甲等", "二级乙等", "二级丙等", "无等级"]
    by = {r.fixmedins_code: r for r in ranked}
    assert (by["B2"].group, by["B2"].rank, by["B2"].of) == ("三级", 1, 8)
    assert (by["D1"].group, by["D1"].rank, by["D1"].of, by["D1"].level) == ("全地区", 1, 12, "无等级")
    assert by["A5"].rank == 1 and by["A5"].of == 6
    assert [s.group for s in stats] == ["三级甲等", "三级", "全地区"]


def test_too_few_institutions_even_region_wide_show_nothing():
    values = {"a": 1.0, "b": 2.0, "c": 3.0}
    stats, ranked = rank_with_fallback(values, {"a": "02", "b": "05", "c": "08"}, min_members=6)
    assert all(s.basis == "none" and s.median is None and s.q1 is None for s in stats)
    assert all(r.rank is None and r.percentile is None and r.vs_median is None for r in ranked)


def test_small_volumes_do_not_count_towards_a_set():
    levels = {f"A{i}": "02" for i in range(6)}
    volumes = {c: 100 for c in levels} | {"A0": 3}  # A0 is small: only 5 eligible 三甲 left
    stats, ranked = rank_with_fallback({c: 1.0 for c in levels}, levels, min_members=6, volumes=volumes,
                                       min_volume=30)
    assert {s.basis for s in stats} == {"none"}  # 三级 and the region also have only 5
    assert next(s for s in stats).n == 5 and next(s for s in stats).n_small == 1


@hsettings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text("abcdefghij", min_size=1, max_size=3),
                       st.tuples(st.sampled_from(["01", "02", "03", "05", "06", "08", "11", None]),
                                 st.floats(0, 1000, allow_nan=False)), min_size=1, max_size=30),
       st.integers(2, 7))
def test_every_shown_rank_has_enough_peers(data, min_members):
    """Whatever the city: a rank or a median is shown only within a set of at least `min_members`
    eligible institutions, and every institution is placed in exactly one set."""
    values = {c: v for c, (_, v) in data.items()}
    stats, ranked = rank_with_fallback(values, {c: lv for c, (lv, _) in data.items()}, min_members=min_members)
    assert sorted(r.fixmedins_code for r in ranked) == sorted(values)
    sizes = {(s.group, s.basis): s.n for s in stats}
    for s in stats:
        assert (s.median is None) == (s.basis == "none")
        assert s.basis == "none" or s.n >= min_members
    for r in ranked:
        assert r.rank is None or (sizes[r.group, r.basis] >= min_members and 1 <= r.rank <= r.of)
