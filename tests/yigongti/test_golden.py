"""Golden test per annex indicator of seeds/003 (1-1 .. 4-1) on the hand-built county of
handbuilt.py: numerator, denominator and value worked out by hand (values rounded to 6 places)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from liangjiadi.yigongti import service
from liangjiadi.yigongti.assess import MISSING
from liangjiadi.yigongti.rules import INDICATORS

from . import handbuilt as hb


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return service.load_year(hb.settings(hb.build(tmp_path_factory.mktemp("ygt"))), hb.YEAR)


@pytest.fixture(scope="module")
def y1(data):
    return {s.indicator_id: s for s in service.assessments(data)["Y1"].scores}


# indicator -> (numerator, denominator, value); see the comments for the rows each comes from.
EXPECTED = {
    # psn_count of A in 2025-12, 310 + 390 (392 is not a basic scheme) = 100; 应参保 110
    "1-1": (100, 110, "0.909091"),
    # 中央 500/500 + 省 200/300
    "1-2": (700, 800, "0.875000"),
    # discharges a1 a2 a3 a4 a5 a6 (a7 refund and a8 invalid not counted) / 100 served
    "2-1": (6, 100, "0.060000"),
    # outside the county: a5 (K1, the city) and a6 (X1, another region)
    "2-2": (2, 100, "0.020000"),
    # 2025 inpatient cost 10000+8000-1000+2000+6000+20000+14000 = 59000; 2024: 16000 + 9000 = 25000
    "2-3": (34000, 25000, "1.360000"),
    # 59000 over 5 persons (p1 twice)
    "2-4": (59000, 5, "11800.000000"),
    # outpatient o1 o2 o3 in the county of o1..o4
    "2-5": (3, 4, "0.750000"),
    # fund (不含个人账户) at in-county institutions, inpatient + outpatient, pharmacies out:
    # 7000+6000-600+1600+4000 + 150+120+60 = 18330 of 37000 + 580 = 37580
    "2-6": (18330, 37580, "0.487759"),
    # 基层 (M1): 1600 + 120 + 60
    "2-7": (1780, 37580, "0.047366"),
    # personal burden 59000 − 37000 = 22000 of 59000; 1 − 0.372881
    "2-8": (22000, 59000, "0.627119"),
    # 定点 3 (2025) − 1 (2024) over 4 clinics in 2024
    "3-1": (2, 4, "0.500000"),
    # selected D1 80 + V2's 30 × 1 of the groups that have a selected drug: 100 + 30 (阿莫西林 out)
    "3-2": (110, 130, "0.846154"),
    "4-1": (90, 100, "0.900000"),
}


@pytest.mark.parametrize("iid", sorted(INDICATORS))
def test_annex_indicator(y1, iid):
    s = y1[iid]
    num, den, value = EXPECTED[iid]
    assert (s.numerator, s.denominator, s.value) == (D(num), D(den), D(value))
    assert s.formula and s.source


def test_every_annex_indicator_has_a_golden_value():
    assert set(EXPECTED) == set(INDICATORS)


def test_vbp_clinics_with_thirty_drugs(y1):
    assert "1 / 2 个" in y1["3-2"].note  # V2 stocks 30 selected drugs, V1 one


def test_absent_inputs_say_missing(tmp_path):
    data = service.load_year(hb.settings(hb.build(tmp_path, with_extras=False)), hb.YEAR)
    scores = {s.indicator_id: s for s in service.assessments(data)["Y1"].scores}
    for iid in ("1-1", "1-2", "3-1", "3-2", "4-1"):
        assert scores[iid].value is None and scores[iid].score is None and scores[iid].note == MISSING
    assert scores["2-1"].value == D("0.060000")  # the settlements still give the rest


def test_scores_and_grade(data):
    a = service.assessments(data)["Y1"]
    by = {s.indicator_id: s.score for s in a.scores}
    assert by["1-1"] == D("7.66")  # 8 × 0.909091 / 0.95
    assert by["2-3"] == D("0.00")  # growth 136% against 5%: nothing
    assert by["2-4"] == 8  # 11800 ≤ last year's 25000 / 2 = 12500 (target 上年)
    assert by["2-5"] == D("8.33")  # 10 × 0.75 / 0.9
    assert a.total == D("81.13") and a.grade == "良好" and a.missing == ()


def test_y2_without_served_count_is_missing_not_zero(data):
    a = service.assessments(data)["Y2"]
    scores = {s.indicator_id: s for s in a.scores}
    assert scores["2-1"].note == MISSING and "2-1" in a.missing
    assert scores["2-3"].value == D("-0.428571")  # (4000 − 7000) / 7000


def test_person_table_attributes_a_region_coded_person(tmp_path):
    """q1 is insured under the region's own code; the person → county table puts q1 in A (Y1)."""
    from liangjiadi.lake import write_rows

    work = hb.build(tmp_path)
    write_rows(work, "yigongti_person", [{"psn_no": "q1", "county_admdvs": hb.A}], hb.R)
    data = service.load_year(hb.settings(work), hb.YEAR)
    y1 = {s.indicator_id: s for s in service.assessments(data)["Y1"].scores}
    assert y1["2-1"].numerator == 7  # n1 now counts
    assert y1["2-1"].denominator == 1  # the table names one person of A: the served count


def test_differential_payment_by_level(data):
    """Served insured's inpatient 实际报销比 by the level of where they stayed (seeds/003 三 差别化支付)."""
    rows = {r["item"]: r for r in service.export_rows(data) if r["yigongti_id"] == "Y1" and r["item"].startswith("差别化")}
    # 二级: L1 (05) a1 a2 a7 → 12400 / 17000, C1 (07) a4 4000 / 6000; 一级: M1 a3; 三级: K1 a5; 异地: X1 a6
    assert rows["差别化支付 二级 住院实际报销比"]["value"] == str((D(16400) / D(23000)).quantize(D("0.000001")))
    assert rows["差别化支付 一级及以下 住院实际报销比"]["value"] == "0.800000"
    assert rows["差别化支付 三级 住院实际报销比"]["value"] == "0.600000"
    assert rows["差别化支付 异地 住院实际报销比"]["value"] == "0.500000"
