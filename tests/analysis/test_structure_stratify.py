"""结构分析 and 分层与归类 (ABC / Pareto / cost bands) on hand-made data."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from liangjiadi.analysis import abc_classify, band_distribution, inpatient_cost_by, pareto_share, structure
from liangjiadi.analysis import structure_drift

from . import handbuilt as hb


def test_structure_shares():
    s = structure({"住院": D("600"), "门诊": D("300"), "门慢": D("100")}, order=["门慢"])
    assert s.total == D("1000")
    assert [i.key for i in s.items] == ["门慢", "住院", "门诊"]  # the given order first, then by code point
    assert s.item("住院").share == pytest.approx(0.6)
    assert structure({}).total == 0


def test_structure_drift_in_percentage_points():
    d = structure_drift({"三级": 60, "二级": 30, "一级及以下": 10}, {"三级": 70, "二级": 20, "基层新": 10})
    assert d.item("三级").change_pp == pytest.approx(10.0)
    assert d.item("二级").change_pp == pytest.approx(-10.0) and d.item("二级").growth == pytest.approx(-1 / 3)
    assert d.item("一级及以下").after_share == 0.0 and d.item("一级及以下").change_pp == pytest.approx(-10.0)
    assert d.item("基层新").before == 0 and d.item("基层新").growth is None
    assert abs(d.largest_shift.change_pp) == pytest.approx(10.0)


def test_abc_classes_and_pareto():
    # 10 items: 500, 200, 100, 60, 40, 30, 30, 20, 10, 10 (total 1000)
    amounts = dict(zip("abcdefghij", (500, 200, 100, 60, 40, 30, 30, 20, 10, 10)))
    r = abc_classify(amounts)
    cls = {i.key: i.abc_class for i in r.items}
    # cumulative share before: a 0, b .5, c .7 -> A (c crosses 80% and is still A); d .8 .. g .93 -> B;
    # h .96, i .98, j .99 -> C
    assert [cls[k] for k in "abcdefghij"] == ["A", "A", "A", "B", "B", "B", "B", "C", "C", "C"]
    assert r.item("c").cumulative_share == pytest.approx(0.8)
    summary = {c.abc_class: c for c in r.classes}
    assert summary["A"].items == 3 and summary["A"].amount_share == pytest.approx(0.8)
    assert summary["C"].amount == D("40") and summary["B"].items == 4
    # 二八法则: the top 20% = 2 items hold 70%
    assert (r.top_items, r.top_share) == (2, pytest.approx(0.7))
    assert pareto_share({"a": 1, "b": 1, "c": 1}) == (1, pytest.approx(1 / 3))
    assert pareto_share({}) == (0, None)


def test_band_distribution():
    bands = band_distribution([1000, 4000, 6000, 12000, 150000], edges=(0, 5000, 10000, 100000))
    assert [b.cases for b in bands] == [2, 1, 1, 1]
    assert bands[-1].upper is None and bands[-1].amount_share == pytest.approx(150000 / 173000)
    assert bands[0].case_share == pytest.approx(0.4)


def test_inpatient_cost_from_the_lake(tmp_path):
    settings = hb.build(tmp_path)
    months = [f"2025-{m:02d}" for m in range(1, 7)]
    by_inst = inpatient_cost_by(settings, months)
    # A1: 92000 + FR25 5000 − 10000 refund + E5 500 (other region's insured, still A1's cost)
    assert by_inst["A1"] == D("87500") and by_inst["C1"] == D("5000") and "X1" not in by_inst
    by_adrg = inpatient_cost_by(settings, months, by="adrg")
    assert by_adrg["EJ1"] == D("243000") and by_adrg["FR2"] == D("5000")  # 253000 − 10000 refund
    by_group = inpatient_cost_by(settings, months, by="group")
    assert by_group["EJ11"] == D("102000")
    r = abc_classify(by_inst)
    assert r.items[0].key == "A1"
