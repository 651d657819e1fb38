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
