"""基层病组 in 三级, 低标入院 and 常见病组费用差异 on hand-built regions."""

from __future__ import annotations

import pytest

from liangjiadi.anomalies.coverage import NotEvaluated
from liangjiadi.anomalies.detectors.admission_mix import (MIN_INSTITUTION_CASES, basic_groups_in_tertiary,
                                                           low_standard_admission)
from liangjiadi.anomalies.detectors.cost import cost_deviation

from .builder import LAST_YEAR, THIS_YEAR, Region, by_inst, run_covered

COMPLEX = ("GB15", "FM19", "IC29", "RE15", "EJ15")  # not basic, RW > 0.5
BASIC = ("ES35", "FR45", "IU29", "KS15")  # basic groups


def _mix(region: Region, inst: str, year: str, total: int, basic_share: float, groups=BASIC) -> None:
    basic = int(round(total * basic_share))
    for k in range(basic):
        region.add(inst, year, 1, groups[k % len(groups)])
    for k in range(total - basic):
        region.add(inst, year, 1, COMPLEX[k % len(COMPLEX)])


def test_basic_groups_in_tertiary_names_the_tertiary_hospital_with_many_basic_cases(tmp_path):
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3", "T4", "S1"):
        r.institution(code, "02")
    r.institution("Z1", "05")  # secondary: many basic cases is its job
    _mix(r, "T1", THIS_YEAR, 400, 0.45)
    for peer in ("T2", "T3", "T4"):
        _mix(r, peer, THIS_YEAR, 400, 0.20)
    _mix(r, "S1", THIS_YEAR, MIN_INSTITUTION_CASES - 20, 0.45)  # same share, too few cases
    _mix(r, "Z1", THIS_YEAR, 400, 0.70)
    found = by_inst(r.run(basic_groups_in_tertiary))
    assert set(found) == {"T1"}
    # the small tertiary hospital is named in the coverage as not judged, with why; the
    # secondary one is outside the detector's scope
    _, cov = run_covered(r, basic_groups_in_tertiary)
    assert cov.skipped == {"S1": f"病例数不足：近12个月已分组病例{MIN_INSTITUTION_CASES - 20}例，至少需要{MIN_INSTITUTION_CASES}例"}
    assert cov.institutions == 4
    f = found["T1"][0]
    ev = f.evidence
    assert ev["own"] == pytest.approx(0.45) and ev["flagged_cases"] == 180 and ev["cases"] == 400
    assert ev["peer_median"] == pytest.approx(0.20)  # peers with enough cases
    assert ev["peer_pooled"] == pytest.approx((240 + 36) / (1200 + 80), abs=1e-4)  # every peer case
    assert ev["q_value"] < 0.001 and ev["statistic"] > 5
    assert f.severity == "high"  # 2.25 × the peers
    assert "基层病组病例 180 例" in f.message and "45.00%" in f.message and "同级医院中位数 20.00%" in f.message


def test_basic_groups_in_tertiary_not_evaluated_without_a_basic_group_list(tmp_path, monkeypatch):
    import liangjiadi.anomalies.detectors.admission_mix as am

    r = Region(tmp_path)
    for code in ("T1", "T2"):
        r.institution(code, "02")
    _mix(r, "T1", THIS_YEAR, 400, 0.45)
    _mix(r, "T2", THIS_YEAR, 400, 0.20)
    full = am.catalogue
    monkeypatch.setattr(am, "catalogue", lambda ctx: full(ctx).assign(basic=False))
    with pytest.raises(NotEvaluated, match="基层病组标记"):  # said, never a silent "0 findings"
        r.run(basic_groups_in_tertiary)


LOW = ("DT19", "GZ15")  # RW 0.42 and 0.50: low-weight groups
NORMAL = ("ES35", "FR45", "EJ15", "KS15", "IU29")


def _low_mix(region: Region, inst: str, year: str, total: int, low_share: float) -> None:
    low = int(round(total * low_share))
    for k in range(low):
        region.add(inst, year, 1, LOW[k % 2], los=2)
    for k in range(total - low):
        region.add(inst, year, 1, NORMAL[k % len(NORMAL)])


def test_low_standard_admission_names_the_concentrated_institution(tmp_path):
    r = Region(tmp_path)
    for code in ("A", "B", "C", "D", "S"):
        r.institution(code, "06")
    for year, share in ((LAST_YEAR, 0.10), (THIS_YEAR, 0.40)):
        _low_mix(r, "A", year, 300, share)
    for peer in ("B", "C", "D"):
        for year in (LAST_YEAR, THIS_YEAR):
            _low_mix(r, peer, year, 300, 0.10)
    _low_mix(r, "S", THIS_YEAR, 40, 0.40)  # same share, few cases
    found = by_inst(r.run(low_standard_admission))
    assert set(found) == {"A"}
    _, cov = run_covered(r, low_standard_admission)
    assert cov.skipped == {"S": f"病例数不足：近12个月已分组病例40例，至少需要{MIN_INSTITUTION_CASES}例"}
    f = found["A"][0]
    ev = f.evidence
    assert ev["own"] == pytest.approx(0.40) and ev["own_last_year"] == pytest.approx(0.10)
    assert ev["peer_median"] == pytest.approx(0.10) and ev["flagged_cases"] == 120
    assert ev["short_stay_cases"] == 120 and ev["low_rw_threshold"] == 0.5
    assert ev["compared_with"] == 0 and f.severity == "high"
    assert "低权重（RW ≤ 0.5）病例 120 例" in f.message and "上年同期 10.00%" in f.message


def test_low_standard_admission_compares_a_specialist_with_its_own_last_year(tmp_path):
    """A specialist hospital without peers of its specialty: judged by its own jump."""
    r = Region(tmp_path)
    r.institution("EYE", "05", kind="专科")
    for code in ("B", "C"):
        r.institution(code, "05")
    r.add("EYE", LAST_YEAR, 200, "CB39")
    r.add("EYE", THIS_YEAR, 130, "CB39")
    r.add("EYE", THIS_YEAR, 70, "DT19", los=2)
    for peer in ("B", "C"):
        for year in (LAST_YEAR, THIS_YEAR):
            _low_mix(r, peer, year, 300, 0.10)
    found = by_inst(r.run(low_standard_admission))
    assert set(found) == {"EYE"}
    assert found["EYE"][0].evidence["compared_with"] == 1
    assert found["EYE"][0].evidence["own_last_year"] == pytest.approx(0.0)


TOP = ("ES35", "FR45", "IU29", "KS15", "EJ15", "BR25", "GZ15", "DT19", "RE15", "FM19")


def _costs(region: Region, inst: str, per_group: int, factor: float) -> None:
    for k, grp in enumerate(TOP):
        base = (k + 1) * 1000.0
        for j in range(per_group):
            wiggle = 1 + 0.1 * ((j % 5) - 2) / 2  # ±10% around the group's level, mean 1
            region.add(inst, THIS_YEAR, 1, grp, cost=round(base * factor * wiggle, 2))


def test_cost_deviation_names_the_dear_and_praises_the_economical(tmp_path):
    r = Region(tmp_path)
    for code in ("A", "B", "C", "D", "E", "S"):
        r.institution(code, "05")
    _costs(r, "A", 6, 1.5)  # 60 cases, 50% dearer
    _costs(r, "E", 6, 0.7)  # 30% cheaper: praised
    for peer in ("B", "C", "D"):
        _costs(r, peer, 6, 1.0)
    _costs(r, "S", 2, 1.5)  # 20 cases: below the minimum of 30
    found = by_inst(r.run(cost_deviation))
    assert set(found) == {"A", "E"}
    _, cov = run_covered(r, cost_deviation)
    assert cov.skipped == {"S": "病例数不足：全市常见病组中可与同级比价的病例20例，至少需要30例"}
    assert cov.institutions == 5
    a, e = found["A"][0], found["E"][0]
    assert a.severity == "high" and a.evidence["direction"] == 1
    assert a.evidence["cases"] == 60 and a.evidence["index"] > 1.3 and a.evidence["index"] == pytest.approx(1.5, rel=0.15)
    assert a.evidence["own"] / a.evidence["peer_median"] == pytest.approx(a.evidence["index"], abs=0.01)
    assert a.evidence["pay_std_ratio"] is not None
    assert "费用明显偏高" in a.message and "60 例" in a.message
    assert e.severity == "low" and e.evidence["direction"] == -1 and "费用控制较好" in e.message


def test_common_groups_hold_a_share_of_the_cases_not_just_ten_families():
    """DIP families (one diagnosis each) are finer than ADRGs: the ten largest hold fewer cases,
    so the common groups grow until they hold the configured share (a DRG region's ten)."""
    import pandas as pd

    from liangjiadi.anomalies.detectors.cost import common_groups

    drg = pd.Series([f"A{k:02d}" for k in range(10) for _ in range(10)] + [f"B{k:02d}" for k in range(20)])
    assert len(common_groups(drg, 10, 0.45)) == 10  # the ten largest hold 100 of 120 cases
    dip = pd.Series([f"D{k:02d}" for k in range(30) for _ in range(4)])  # 30 families of 4 cases
    top = common_groups(dip, 10, 0.45)
    assert len(top) == 14 and 4 * len(top) / 120 >= 0.45


def _months_cases(region: Region, inst: str, months: list[str], per_month: int, low_per_month: int) -> None:
    """Cases in the given months only (an 18-month history), `low_per_month` of them low-weight."""
    from .builder import CATALOGUE

    for m in months:
        for k in range(per_month):
            grp = LOW[k % 2] if k < low_per_month else "CB39" if inst == "EYE" else NORMAL[k % len(NORMAL)]
            region.cases.append((inst, m, grp, CATALOGUE[grp][0], "J18.900", CATALOGUE[grp][0] * 10_000, 2))


def test_low_standard_admission_short_history_compares_the_same_months_of_both_years(tmp_path):
    """18 months (2024-07..2025-12): the specialist's low-weight share is 10% in 2024-07..12 and
    2025-01..06, 30% in 2025-07..12. Against last year's same months the jump is 10% -> 30%; the
    old route took the whole 12-month window (20%, half of it months without a last-year
    counterpart) and the jump drowned. (20 cases a month: the region's lone naming needs
    p <= 0.001, stats.MIN_TESTS; 60 cases a window give p = 0.003.)"""
    r = Region(tmp_path)
    r.institution("EYE", "05", kind="专科")
    for code in ("B", "C"):
        r.institution(code, "05")
    first = [f"2024-{m:02d}" for m in range(7, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
    later = [f"2025-{m:02d}" for m in range(7, 13)]
    _months_cases(r, "EYE", first, 20, 2)
    _months_cases(r, "EYE", later, 20, 6)
    for peer in ("B", "C"):
        _months_cases(r, peer, first + later, 20, 2)
    found = by_inst(r.run(low_standard_admission))
    assert set(found) == {"EYE"}
    ev = found["EYE"][0].evidence
    assert ev["compared_with"] == 1 and ev["own"] == pytest.approx(0.30) and ev["compared_share"] == pytest.approx(0.10)


def test_basic_groups_in_tertiary_leaves_an_ordinary_hospital_of_a_spread_out_level_alone(tmp_path):
    """Seen on generated regions: tertiary hospitals' basic-group shares spread from 10% to 35%
    by themselves, and one at 40% was named because the pooled test (thousands of peer cases)
    takes every hospital for a draw from one share. Its share must also stand out among the
    peers' own shares (robust z ≥ 1.5): ORD (40%, z ≈ 1.0) is not named, OFF (60%, z ≈ 2.4) is."""
    r = Region(tmp_path)
    shares = {"P1": 0.10, "P2": 0.15, "P3": 0.20, "P4": 0.25, "P5": 0.30, "P6": 0.35, "ORD": 0.40, "OFF": 0.60}
    for code, share in shares.items():
        r.institution(code, "02")
        _mix(r, code, THIS_YEAR, 400, share)
    found = by_inst(r.run(basic_groups_in_tertiary))
    assert set(found) == {"OFF"}
    assert found["OFF"][0].evidence["peer_z"] == pytest.approx((0.60 - 0.25) / (1.4826 * 0.10), abs=0.01)


def test_low_standard_admission_needs_a_few_peers_for_a_peer_norm(tmp_path):
    """Seen on generated regions: a specialist whose only same-MDC peer admits few low-weight
    cases was named for a share it has had for years (16% against that one hospital's 5%). One
    other specialist is no norm: with fewer than 3 peers only its own last year judges it."""
    r = Region(tmp_path)
    for code in ("SPEC", "SPEC2"):
        r.institution(code, "05", kind="专科")
    for code in ("B", "C", "D"):
        r.institution(code, "05")
    for year in (LAST_YEAR, THIS_YEAR):
        r.add("SPEC", year, 252, "CB39")
        r.add("SPEC", year, 48, "DT19", los=2)  # 16% both years
        r.add("SPEC2", year, 285, "CB39")
        r.add("SPEC2", year, 15, "DT19", los=2)  # 5%
        for peer in ("B", "C", "D"):
            _low_mix(r, peer, year, 300, 0.10)
    assert r.run(low_standard_admission) == []
    _, cov = run_covered(r, low_standard_admission)
    assert cov.institutions == 5  # SPEC is still judged, against its own last year


def test_low_standard_admission_a_return_from_a_chance_low_year_is_not_named(tmp_path):
    """Seen on a generated region: a secondary hospital with 1 low-weight case of 85 last year
    and 14 of 110 now (12.7%), its level at 10.7%, was named through the own-last-year route
    (p = 0.0013). Its share now is within chance of the level's (p ≈ 0.27): a return from a
    chance low year, not low-standard admission. A jump that ends far above the level is still
    named (test_low_standard_admission_short_history_...)."""
    r = Region(tmp_path)
    for code in ("H", "B", "C", "D"):
        r.institution(code, "05")
    r.add("H", LAST_YEAR, 1, LOW[0])
    r.add("H", LAST_YEAR, 84, NORMAL[0])
    r.add("H", THIS_YEAR, 14, LOW[0])
    r.add("H", THIS_YEAR, 96, NORMAL[0])
    for peer in ("B", "C", "D"):
        for year in (LAST_YEAR, THIS_YEAR):
            r.add(peer, year, 32, LOW[0])
            r.add(peer, year, 268, NORMAL[0])
    assert r.run(low_standard_admission) == []
