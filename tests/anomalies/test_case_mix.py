"""高套病组, 高靠诊断 and 结构偏移 on hand-built regions, including the handbook's two seeds."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from liangjiadi.anomalies.detectors.case_mix import (MIN_GROUP_CASES, structure_shift, upcoding_diagnosis,
                                                      upcoding_severity)

from .builder import LAST_YEAR, THIS_YEAR, Region, by_inst


def _ej1(region: Region, inst: str, year: str, severe: int, cc: int, none: int) -> None:
    region.add(inst, year, severe, "EJ11")
    region.add(inst, year, cc, "EJ13")
    region.add(inst, year, none, "EJ15")


def test_seed_ej1_severe_cc_up_39_percent_without_down_24_percent_is_flagged(tmp_path):
    """Handbook: EJ1 呼吸系统其他手术组, with-severe-CC cases +39% YoY, without −24%."""
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3", "S1"):
        r.institution(code, "02")
    _ej1(r, "T1", LAST_YEAR, 100, 150, 250)
    _ej1(r, "T1", THIS_YEAR, 139, 150, 190)  # +39% severe, −24% none
    for peer in ("T2", "T3"):  # peers: the same mix both years
        _ej1(r, peer, LAST_YEAR, 20, 30, 50)
        _ej1(r, peer, THIS_YEAR, 20, 30, 50)
    # a small hospital with the same change but too few cases: never named
    _ej1(r, "S1", LAST_YEAR, 5, 7, 12)
    _ej1(r, "S1", THIS_YEAR, 7, 7, 9)
    found = by_inst(r.run(upcoding_severity))
    assert set(found) == {"T1"}
    f = found["T1"][0]
    ev = f.evidence
    assert ev["adrg"] == "EJ1"
    assert ev["severe_cc_cases_last_year"] == 100 and ev["severe_cc_cases"] == 139
    assert ev["severe_cc_growth"] == pytest.approx(0.39)
    assert ev["no_cc_growth"] == pytest.approx(-0.24)
    assert ev["own_last_year"] == pytest.approx(0.5) and ev["own"] == pytest.approx(289 / 479, abs=1e-4)
    assert ev["peer_median"] == pytest.approx(0.5)
    assert ev["cases"] == 479 and ev["cases_last_year"] == 500
    assert ev["q_value"] < 0.05 and ev["statistic"] > 3
    assert "EJ1 呼吸系统其他手术组" in f.message and "提示可能存在高套病组" in f.message
    assert "50.00%" in f.message and "同级医院中位数 50.00%" in f.message


def test_upcoding_severity_needs_the_minimum_cases_in_both_windows(tmp_path):
    r = Region(tmp_path)
    for code in ("T1", "T2"):
        r.institution(code, "02")
    # a strong shift, but only MIN_GROUP_CASES - 1 cases a year
    n = MIN_GROUP_CASES - 1
    _ej1(r, "T1", LAST_YEAR, 2, 5, n - 7)
    _ej1(r, "T1", THIS_YEAR, n - 7, 5, 2)
    _ej1(r, "T2", LAST_YEAR, 20, 30, 50)
    _ej1(r, "T2", THIS_YEAR, 20, 30, 50)
    assert r.run(upcoding_severity) == []


def test_upcoding_severity_ignores_a_region_wide_shift(tmp_path):
    """Everyone moves the same way (a new grouper): nobody is named."""
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3"):
        r.institution(code, "02")
        _ej1(r, code, LAST_YEAR, 100, 150, 250)
        _ej1(r, code, THIS_YEAR, 139, 150, 190)
    assert r.run(upcoding_severity) == []


def _i63(region: Region, inst: str, year: str, counts: dict[str, int]) -> None:
    cost = {"I63.300": 15_000, "I63.500": 14_000, "I63.900": 9_000, "I63.400": 11_000, "I63.000": 11_000}
    for diag, n in counts.items():
        region.add(inst, year, n, "BR25", diag=diag, cost=cost[diag])


def test_seed_i63_high_cost_subcodes_rise_unspecified_falls_is_flagged(tmp_path):
    """Handbook: I63.3 400→2300 (3%→15%), I63.5 1200→2900 (10%→20%), I63.9 60%→35%
    (counts here are one tenth, the shares are the handbook's)."""
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3", "S1"):
        r.institution(code, "03")
    _i63(r, "T1", LAST_YEAR, {"I63.300": 40, "I63.500": 120, "I63.900": 720, "I63.400": 200, "I63.000": 120})
    _i63(r, "T1", THIS_YEAR, {"I63.300": 230, "I63.500": 290, "I63.900": 507, "I63.400": 250, "I63.000": 173})
    for peer in ("T2", "T3"):
        for year in (LAST_YEAR, THIS_YEAR):
            _i63(r, peer, year, {"I63.300": 6, "I63.500": 20, "I63.900": 120, "I63.400": 34, "I63.000": 20})
    # same shares, far fewer cases
    _i63(r, "S1", LAST_YEAR, {"I63.300": 1, "I63.500": 2, "I63.900": 12, "I63.400": 3, "I63.000": 2})
    _i63(r, "S1", THIS_YEAR, {"I63.300": 4, "I63.500": 4, "I63.900": 8, "I63.400": 4, "I63.000": 3})
    found = by_inst(r.run(upcoding_diagnosis))
    assert set(found) == {"T1"}
    f = found["T1"][0]
    ev = f.evidence
    assert ev["category"] == "I63"
    assert ev["unspecified_share_last_year"] == pytest.approx(0.6)
    assert ev["unspecified_share"] == pytest.approx(0.35, abs=1e-3)
    assert ev["rising_subcodes"]["I63.3"]["cases_last_year"] == 40
    assert ev["rising_subcodes"]["I63.3"]["cases"] == 230
    assert ev["rising_subcodes"]["I63.3"]["share"] == pytest.approx(230 / 1450, abs=1e-4)
    assert ev["rising_subcodes"]["I63.5"]["share_last_year"] == pytest.approx(0.10)
    assert ev["shift"] == pytest.approx(0.25, abs=1e-3)
    assert ev["cost_index_shift"] > 0.05 and f.severity == "high"
    assert ev["q_value"] < 0.001
    assert "I63 类目" in f.message and "I63.3 由 40 例增至 230 例" in f.message
    assert "未特指亚目 I63.9 占比由 60.00% 降至 34.97%" in f.message and "高靠诊断" in f.message


def test_upcoding_diagnosis_quiet_when_the_mix_is_stable(tmp_path):
    r = Region(tmp_path)
    for code in ("T1", "T2"):
        r.institution(code, "03")
        for year in (LAST_YEAR, THIS_YEAR):
            _i63(r, code, year, {"I63.300": 30, "I63.500": 100, "I63.900": 600, "I63.400": 200, "I63.000": 70})
    assert r.run(upcoding_diagnosis) == []


def _mixed_cases(region: Region, inst: str, year: str, scale: int, shifted: float = 0.0) -> None:
    """Cases of three split ADRGs; `shifted` of the without-CC cases coded one step up."""
    for adrg in ("ES3", "FR4", "KS1"):
        none = 6 * scale
        up = int(round(none * shifted))
        low_digit = "5"
        mid = "3" if adrg != "KS1" else "1"
        region.add(inst, year, 2 * scale, f"{adrg}1")
        if adrg != "KS1":
            region.add(inst, year, 2 * scale, f"{adrg}3")
        region.add(inst, year, none - up, f"{adrg}{low_digit}")
        region.add(inst, year, up, f"{adrg}{mid}")


def test_structure_shift_names_the_drifting_institution_not_the_small_one(tmp_path):
    r = Region(tmp_path)
    for code in ("A", "B", "C", "D", "S"):
        r.institution(code, "05")
    _mixed_cases(r, "A", LAST_YEAR, 10)
    _mixed_cases(r, "A", THIS_YEAR, 10, shifted=0.5)
    for peer in ("B", "C", "D"):
        _mixed_cases(r, peer, LAST_YEAR, 10)
        _mixed_cases(r, peer, THIS_YEAR, 10)
    _mixed_cases(r, "S", LAST_YEAR, 1)  # 28 cases a year: below the minimum
    _mixed_cases(r, "S", THIS_YEAR, 1, shifted=0.5)
    found = by_inst(r.run(structure_shift))
    assert set(found) == {"A"}
    ev = found["A"][0].evidence
    assert ev["shift"] > 0.1 and ev["peer_median"] == pytest.approx(0.0)
    assert ev["with_cc_share"] > ev["with_cc_share_last_year"]
    assert ev["cases"] == ev["cases_last_year"] == 280
    assert "向高权重病组漂移" in found["A"][0].message


def test_upcoding_diagnosis_without_an_unspecified_subcode_ranks_subcodes_by_regional_cost(tmp_path):
    """K80 here has no .9 code: the high-value sub-codes are those dearer than the category's mean."""
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3"):
        r.institution(code, "02")
    dear, cheap = {"K80.000": 20_000}, {"K80.200": 8_000, "K80.500": 9_000}

    def k80(inst, year, n_dear, n_cheap):
        r.add(inst, year, n_dear, "GZ15", diag="K80.000", cost=dear["K80.000"])
        r.add(inst, year, n_cheap // 2, "GZ15", diag="K80.200", cost=cheap["K80.200"])
        r.add(inst, year, n_cheap - n_cheap // 2, "GZ15", diag="K80.500", cost=cheap["K80.500"])

    k80("T1", LAST_YEAR, 40, 160)
    k80("T1", THIS_YEAR, 110, 90)
    for peer in ("T2", "T3"):
        k80(peer, LAST_YEAR, 40, 160)
        k80(peer, THIS_YEAR, 40, 160)
    found = by_inst(r.run(upcoding_diagnosis))
    assert set(found) == {"T1"}
    ev = found["T1"][0].evidence
    assert ev["own_last_year"] == pytest.approx(0.2) and ev["own"] == pytest.approx(0.55)
    assert ev["unspecified_share"] is None and list(ev["rising_subcodes"]) == ["K80.0"]


def test_without_last_year_in_the_lake_the_year_over_year_detectors_stay_silent(tmp_path):
    from liangjiadi.anomalies.casemix import year_windows
    from liangjiadi.anomalies.coverage import NotEvaluated

    r = Region(tmp_path)
    for code in ("T1", "T2"):
        r.institution(code, "02")
        _ej1(r, code, THIS_YEAR, 139, 150, 190)
    for fn in (upcoding_severity, structure_shift):  # not evaluated, with the reason: never a silent zero
        with pytest.raises(NotEvaluated, match="历史数据不足"):
            r.run(fn)
    assert not r.run(year_windows).has_yoy and len(r.run(year_windows).current) == 12


def _steady_es3_peers(r) -> None:
    """Peers B, C, D with the same ES3 mix in both years (10 / 20 / 70 cases of ES31 / ES33 / ES35)."""
    for peer in ("B", "C", "D"):
        for year in (LAST_YEAR, THIS_YEAR):
            r.add(peer, year, 10, "ES31")
            r.add(peer, year, 20, "ES33")
            r.add(peer, year, 70, "ES35")


def test_structure_shift_sees_a_small_hospital_coding_up_by_its_share_above_the_lowest_group(tmp_path):
    """60 cases a year: the share above the lowest group 30% -> 60%. The mean relative weight
    (the old test statistic) rises 8% with a wide spread (z ≈ 2, missed at FDR 1%); the share is
    a steadier statistic (z ≈ 3.3) and names it."""
    r = Region(tmp_path)
    for code in ("SMALL", "B", "C", "D"):
        r.institution(code, "05")
    r.add("SMALL", LAST_YEAR, 6, "ES31")
    r.add("SMALL", LAST_YEAR, 12, "ES33")
    r.add("SMALL", LAST_YEAR, 42, "ES35")
    r.add("SMALL", THIS_YEAR, 6, "ES31")
    r.add("SMALL", THIS_YEAR, 30, "ES33")
    r.add("SMALL", THIS_YEAR, 24, "ES35")
    _steady_es3_peers(r)
    found = by_inst(r.run(structure_shift))
    assert set(found) == {"SMALL"}
    ev = found["SMALL"][0].evidence
    assert ev["own_last_year"] == pytest.approx(0.3) and ev["own"] == pytest.approx(0.6)
    assert ev["relative_weight_change"] == pytest.approx(0.079, abs=0.002) and ev["q_value"] < 0.01
    assert "伴并发症或合并症病例占比由上年同期的 30.00% 升至 60.00%" in found["SMALL"][0].message


def test_structure_shift_counts_the_rise_within_families_not_a_move_between_them():
    """A hospital whose mix moves to a family coded above its lowest group anyway (B: 80% above)
    raises its pooled share with no family coding higher: not a drift. The same pooled rise
    with each family's share up is one."""
    import pandas as pd

    from liangjiadi.anomalies.detectors.case_mix import _within_family_change

    def cases(a_n, a_up, b_n, b_up):
        rows = [("A", float(k < a_up * a_n)) for k in range(a_n)] + [("B", float(k < b_up * b_n)) for k in range(b_n)]
        return pd.DataFrame(rows, columns=["adrg", "above"])

    last = cases(80, 0.2, 20, 0.8)  # pooled 32%
    moved = cases(30, 0.2, 70, 0.8)  # pooled 62%, every family as before
    assert moved.above.mean() - last.above.mean() > 0.25
    assert _within_family_change(moved, last) == pytest.approx(0.0)
    coded_up = cases(80, 0.5, 20, 0.9)
    assert _within_family_change(coded_up, last) == pytest.approx((40 * 0.3 + 10 * 0.1) / 50)  # weights n1·n0/(n1+n0)


def test_upcoding_severity_is_not_cancelled_by_a_chance_rise_of_a_few_peer_cases(tmp_path):
    """Seen on a generated region: the offender's with-CC share rose 49% -> 62% over ~240 cases,
    its peers had only 40 cases of the ADRG a year, whose share swung +20 points by chance. The
    old rule subtracted the peers' rise in full (12.8 - 20 < 5 points: missed); their rise now
    counts by its confidence bound (0.20 - 1.96 × 0.11 < 0), so the offender is named. (Twice
    the cases here: a lone test counts as one of stats.MIN_TESTS, so the region's only naming
    needs p <= 0.001; 240 cases give p = 0.0025.)"""
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3"):
        r.institution(code, "02")
    _ej1(r, "T1", LAST_YEAR, 96, 142, 242)
    _ej1(r, "T1", THIS_YEAR, 132, 158, 176)
    for peer in ("T2", "T3"):  # 20 cases each, below the minimum to be judged themselves
        _ej1(r, peer, LAST_YEAR, 4, 4, 12)
        _ej1(r, peer, THIS_YEAR, 6, 6, 8)
    found = by_inst(r.run(upcoding_severity))
    assert set(found) == {"T1"}
    ev = found["T1"][0].evidence
    assert ev["peer_shift"] == pytest.approx(0.2) and ev["peer_shift_counted"] == pytest.approx(0.0)
    assert ev["peer_basis"] == "全市其他机构"


def test_upcoding_severity_still_subtracts_a_well_measured_peer_rise(tmp_path):
    """Peers with many cases rising 10 points: their rise counts (almost) in full, so a hospital
    rising as much as they do plus 1 point is not named."""
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3", "T4", "T5"):
        r.institution(code, "02")
    _ej1(r, "T1", LAST_YEAR, 100, 150, 250)
    _ej1(r, "T1", THIS_YEAR, 130, 175, 195)  # 50% -> 61%
    for peer in ("T2", "T3", "T4", "T5"):  # 50% -> 60% over 1,000 cases a year each
        _ej1(r, peer, LAST_YEAR, 200, 300, 500)
        _ej1(r, peer, THIS_YEAR, 250, 350, 400)
    assert r.run(upcoding_severity) == []


def test_structure_shift_uses_the_case_mix_false_discovery_rate(tmp_path):
    """A hospital with 60 such cases a year whose share above the lowest group rose 30% -> 53%
    (p ≈ 0.005, q ≈ 0.02 over four hospitals): missed at the old FDR 1%, named at the 5% the
    other case-mix detectors use (no clean generated region had a q below 0.4)."""
    r = Region(tmp_path)
    for code in ("SMALL", "B", "C", "D"):
        r.institution(code, "05")
    for year, mid, low in ((LAST_YEAR, 12, 42), (THIS_YEAR, 26, 28)):
        r.add("SMALL", year, 6, "ES31")
        r.add("SMALL", year, mid, "ES33")
        r.add("SMALL", year, low, "ES35")
    _steady_es3_peers(r)
    found = by_inst(r.run(structure_shift))
    assert set(found) == {"SMALL"}
    assert 0.01 < found["SMALL"][0].evidence["q_value"] <= 0.05


def test_upcoding_severity_level_bar_needs_enough_peer_cases(tmp_path):
    """Seen on a generated region: the offender's with-CC share rose 50% -> 63% over ~240 cases;
    its level had 36 other cases of the ADRG, 67% with CC this year (last year 44%), and the old
    rule (own share must exceed the level's) dropped it. A bar of 36 cases moves ±15 points by
    chance: the level's share is a bar only from 3 × the minimum cases, as for the peers' change.
    (Twice the offender's cases here: its lone test needs p <= 0.001, stats.MIN_TESTS.)"""
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3"):
        r.institution(code, "02")
    _ej1(r, "T1", LAST_YEAR, 96, 142, 242)
    _ej1(r, "T1", THIS_YEAR, 132, 172, 180)
    for peer in ("T2", "T3"):  # 18 cases a year each
        _ej1(r, peer, LAST_YEAR, 4, 4, 10)
        _ej1(r, peer, THIS_YEAR, 6, 6, 6)
    found = by_inst(r.run(upcoding_severity))
    assert set(found) == {"T1"}
    assert found["T1"][0].evidence["peer_pooled"] is None


def test_upcoding_severity_bar_is_the_typical_peer_not_one_large_drifting_peer(tmp_path):
    """Seen on a generated region: a large same-level hospital itself coding up (40% -> 70% over
    1,000 cases a year) made the pooled peers' rise (+27 points) and level (68%) everyone's bar,
    so another offender rising 50% -> 62% was not named. The typical peer (median of the peers'
    own changes and shares, three small steady ones here) sets the bar; both are named. (Twice
    the offender's cases: two tests count as stats.MIN_TESTS, so its p must be <= 0.002.)"""
    r = Region(tmp_path)
    for code in ("T1", "BIG", "P2", "P3", "P4"):
        r.institution(code, "02")
    _ej1(r, "T1", LAST_YEAR, 96, 142, 242)
    _ej1(r, "T1", THIS_YEAR, 132, 166, 182)
    _ej1(r, "BIG", LAST_YEAR, 150, 250, 600)
    _ej1(r, "BIG", THIS_YEAR, 300, 400, 300)
    for peer in ("P2", "P3", "P4"):  # 20 cases a year each, 50% with CC both years
        _ej1(r, peer, LAST_YEAR, 4, 6, 10)
        _ej1(r, peer, THIS_YEAR, 4, 6, 10)
    found = by_inst(r.run(upcoding_severity))
    assert set(found) == {"T1", "BIG"}
    ev = found["T1"][0].evidence
    assert ev["peer_shift"] > 0.2 and ev["peer_shift_counted"] == pytest.approx(0.0)


def test_structure_shift_bar_is_the_typical_peer_not_one_large_drifting_peer(tmp_path):
    """Seen on generated regions (drg-m18 seed 1, drg-m24/m36 seed 4): large tertiary peers that
    code up themselves made the pooled peers' rise of the share above the lowest group about
    +5 points, so offenders rising 13-15 points fell under the 10-point bar after it. The bar is
    now the typical peer's own change (median), as for upcoding_severity."""
    r = Region(tmp_path)
    for code in ("T1", "BIG", "B", "C", "D"):
        r.institution(code, "05")
    for year, above, low in ((LAST_YEAR, 120, 180), (THIS_YEAR, 165, 135)):  # 40% -> 55%
        r.add("T1", year, above // 2, "ES31")
        r.add("T1", year, above - above // 2, "ES33")
        r.add("T1", year, low, "ES35")
    for year, above, low in ((LAST_YEAR, 800, 1200), (THIS_YEAR, 1000, 1000)):  # 40% -> 50%, 2,000 cases
        r.add("BIG", year, above // 2, "ES31")
        r.add("BIG", year, above - above // 2, "ES33")
        r.add("BIG", year, low, "ES35")
    _steady_es3_peers(r)
    found = by_inst(r.run(structure_shift))
    assert "T1" in found and not {"B", "C", "D"} & set(found)
    ev = found["T1"][0].evidence
    assert ev["peer_shift"] > 0.07 and ev["shift"] == pytest.approx(0.15)


def test_upcoding_severity_level_bar_counts_the_uncertainty_of_a_few_small_peers(tmp_path):
    """Seen on generated regions (drg-m36 seeds 1 and 3: 4 and 3 of 5 found): an offender whose
    with-CC share rose 50% -> 62% over ~950 cases a year was dropped because four peers with ~32
    cases each had a median share of 62.5% (their shares 44-72%). That median moves ±7 points by
    chance; the level bar is now counted by its confidence lower bound, as the peers' rise is."""
    r = Region(tmp_path)
    for code in ("T1", "P1", "P2", "P3", "P4"):
        r.institution(code, "02")
    _ej1(r, "T1", LAST_YEAR, 190, 285, 475)
    _ej1(r, "T1", THIS_YEAR, 247, 342, 361)
    for peer, counts in (("P1", (7, 7, 18)), ("P2", (10, 10, 12)), ("P3", (10, 10, 12)), ("P4", (11, 12, 9))):
        for year in (LAST_YEAR, THIS_YEAR):  # steady: 44%, 62.5%, 62.5%, 72% with CC
            _ej1(r, peer, year, *counts)
    found = by_inst(r.run(upcoding_severity))
    assert set(found) == {"T1"}, found
    ev = found["T1"][0].evidence
    assert ev["own"] == pytest.approx(0.62, abs=0.001) and ev["level_bar"] == pytest.approx(0.625)


def _family_cases(r, inst: str, year: str, es3: tuple[int, int, int], ks1: tuple[int, int]) -> None:
    """ES3 cases (ES31, ES33, ES35) and KS1 cases (KS11, KS15) of one year."""
    for grp, n in zip(("ES31", "ES33", "ES35"), es3):
        r.add(inst, year, n, grp)
    for grp, n in zip(("KS11", "KS15"), ks1):
        r.add(inst, year, n, grp)


def test_structure_shift_does_not_name_a_small_hospital_whose_cases_moved_between_families(tmp_path):
    """Seen on generated DIP regions (dip-m24 seeds 1, 3, 4 before this rule): secondary hospitals of
    100-180 cases a year whose share above the lowest group rose 15-18 points by chance, mostly
    because their cases fell into other families (within the families +11-12 points, z 1.6-2.2),
    were named at q ≈ 0.035 beside the injected drifts. Here 120 cases a year move from ES3 (20%
    above its lowest group) to KS1 (70%): the pooled share 36.7% -> 52.5% (z 2.5, q 0.03 over four
    hospitals), each family only +2-4 points (Cochran-Mantel-Haenszel z 0.5, p 0.30 > 1%): not a drift."""
    r = Region(tmp_path)
    for code in ("SMALL", "B", "C", "D"):
        r.institution(code, "05")
    _family_cases(r, "SMALL", LAST_YEAR, (4, 12, 64), (28, 12))  # ES3 16/80 above, KS1 28/40
    _family_cases(r, "SMALL", THIS_YEAR, (3, 8, 39), (52, 18))  # ES3 11/50, KS1 52/70
    _steady_es3_peers(r)
    assert r.run(structure_shift) == []


def _three_families(r, inst: str, top: int, years) -> None:
    """ES3 and FR4 (top / mid / low severity cases each) and KS1 (KS11, KS15) of one hospital,
    per (year, mid, low, (ks11, ks15))."""
    for year, mid, low, ks in years:
        for adrg in ("ES3", "FR4"):
            r.add(inst, year, top, f"{adrg}1")
            r.add(inst, year, mid, f"{adrg}3")
            r.add(inst, year, low, f"{adrg}5")
        r.add(inst, year, ks[0], "KS11")
        r.add(inst, year, ks[1], "KS15")


def test_structure_shift_names_a_drift_within_the_families_of_a_realistic_hospital(tmp_path):
    """A hospital of 450 such cases a year coding each family up 17 points (40% -> 57% above the
    lowest group in ES3, FR4 and KS1 alike, the mix of families unchanged), peers steady: named,
    with the within-family test's z beside the pooled one."""
    r = Region(tmp_path)
    for code in ("T1", "B", "C", "D"):
        r.institution(code, "02")
    _three_families(r, "T1", top=30, years=((LAST_YEAR, 30, 90, (60, 90)), (THIS_YEAR, 55, 65, (85, 65))))
    _steady_es3_peers(r)
    found = by_inst(r.run(structure_shift))
    assert set(found) == {"T1"}
    ev = found["T1"][0].evidence
    assert ev["own_last_year"] == pytest.approx(0.4) and ev["own"] == pytest.approx(255 / 450, abs=1e-4)
    assert ev["within_family_statistic"] > 4.5 and ev["statistic"] > 4.5 and ev["within_family_p_value"] < 1e-5
    assert ev["q_value"] < 0.001


def test_within_family_test_is_cochran_mantel_haenszel():
    """Hand-computed: ES3 this year 11 of 50 above the lowest group, last year 16 of 80 (expected
    50·27/130 = 10.385, variance 50·80·27·103/(130²·129) = 5.1027); KS1 52 of 70 against 28 of 40
    (expected 50.909, variance 70·40·80·30/(110²·109) = 5.0952): z = (0.615 + 1.091) / √10.198 = 0.534.
    A family with cases in one window only is no stratum."""
    import pandas as pd

    from liangjiadi.anomalies.detectors.case_mix import _within_family_tests

    rows = []
    for adrg, cur, n1, x1, n0, x0 in (("ES3", True, 50, 11, 80, 16), ("KS1", True, 70, 52, 40, 28)):
        rows += [(adrg, True, False, float(k < x1)) for k in range(n1)]
        rows += [(adrg, False, True, float(k < x0)) for k in range(n0)]
    rows += [("GB1", True, False, 1.0)] * 30  # this year only
    d = pd.DataFrame(rows, columns=["adrg", "cur_yoy", "last", "above"])
    d["fixmedins_code"] = "H"
    t = _within_family_tests(d)
    dev = (11 - 50 * 27 / 130) + (52 - 70 * 80 / 110)
    var = 50 * 80 * 27 * 103 / (130 ** 2 * 129) + 70 * 40 * 80 * 30 / (110 ** 2 * 109)
    assert t.loc["H", "z"] == pytest.approx(dev / var ** 0.5) and t.loc["H", "z"] == pytest.approx(0.534, abs=1e-3)
    assert t.loc["H", "p"] == pytest.approx(0.2967, abs=1e-3)


def test_structure_shift_needs_the_minimum_cases_in_the_families_it_compares(tmp_path):
    """Seen on a generated DIP region (dip-m18 seed 3): a health centre with 40 cases a year, 25 of
    them in families with cases in both years, had a within-family z of 2.5 on strata of one to
    three cases. Here 43 and 42 cases a year, but only 13 and 12 in ES3, the one family present in
    both years (1 -> 8 above the lowest group, z 3.0): too few compared cases, not named."""
    r = Region(tmp_path)
    for code in ("SMALL", "B", "C", "D"):
        r.institution(code, "05")
    r.add("SMALL", LAST_YEAR, 1, "ES33")
    r.add("SMALL", LAST_YEAR, 12, "ES35")
    r.add("SMALL", LAST_YEAR, 30, "KS15")  # KS1 last year only
    r.add("SMALL", THIS_YEAR, 8, "ES33")
    r.add("SMALL", THIS_YEAR, 4, "ES35")
    r.add("SMALL", THIS_YEAR, 3, "FR43")  # FR4 this year only
    r.add("SMALL", THIS_YEAR, 27, "FR45")
    _steady_es3_peers(r)
    assert r.run(structure_shift) == []


def test_structure_shift_names_a_drift_at_a_hospital_already_coding_most_cases_above_the_lowest_group(tmp_path):
    """Seen on generated regions (dip-m18 seed 4 orthopaedic, dip-m24 seed 4 TCM hospital): the same
    drift moves a part of the lowest group's cases up, so a hospital with 64% above the lowest group
    rises 64% -> 75% (11 points) where a general one at 45% rises 17. The old bar of 10 points beyond
    the peers (+3) missed it (8 points); the part of the lowest group that moved up, 31% (peers 4%),
    is the bar now (at least 15% beyond the peers), with a floor of 5 points on the share itself."""
    r = Region(tmp_path)
    for code in ("ORTHO", "B", "C", "D"):
        r.institution(code, "02", kind="专科")
    _three_families(r, "ORTHO", top=60, years=((LAST_YEAR, 70, 70, (60, 40)), (THIS_YEAR, 90, 50, (75, 25))))
    for peer in ("B", "C", "D"):  # a little drift of their own: +3 points
        r.add(peer, LAST_YEAR, 10, "ES31")
        r.add(peer, LAST_YEAR, 20, "ES33")
        r.add(peer, LAST_YEAR, 70, "ES35")
        r.add(peer, THIS_YEAR, 10, "ES31")
        r.add(peer, THIS_YEAR, 23, "ES33")
        r.add(peer, THIS_YEAR, 67, "ES35")
    found = by_inst(r.run(structure_shift))
    assert set(found) == {"ORTHO"}
    ev = found["ORTHO"][0].evidence
    assert ev["own_last_year"] == pytest.approx(0.64) and ev["own"] == pytest.approx(0.75)
    assert ev["peer_median"] == pytest.approx(0.03)  # 11 - 3 = 8 points: below the old 10-point bar
    assert ev["moved_share"] == pytest.approx(0.11 / 0.36, abs=1e-4)
    assert ev["peer_moved_share"] == pytest.approx(0.03 / 0.7, abs=1e-4)


def test_benjamini_hochberg_counts_at_least_min_tests():
    """Two tests: p = 0.01 passes plain BH at 5% (0.01 <= 0.05 × 1/2) but not when at least 50
    tests are counted (0.01 > 0.05 / 50); p = 0.0009 does."""
    from liangjiadi.anomalies.stats import MIN_TESTS, benjamini_hochberg, bh_adjust

    assert MIN_TESTS == 50
    assert benjamini_hochberg([0.01, 0.5], 0.05) == [True, False]
    assert benjamini_hochberg([0.01, 0.5], 0.05, MIN_TESTS) == [False, False]
    assert benjamini_hochberg([0.0009, 0.5], 0.05, MIN_TESTS) == [True, False]
    assert bh_adjust([0.01, 0.5], MIN_TESTS) == pytest.approx([0.5, 1.0])
    assert bh_adjust([0.01, 0.02]) == pytest.approx([0.02, 0.02])  # plain BH unchanged


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fractions(min_value=0, max_value=1, max_denominator=1000), min_size=1, max_size=12),
       st.sampled_from([Fraction(1, 100), Fraction(1, 20), Fraction(1, 10)]), st.integers(1, 60))
def test_benjamini_hochberg_is_the_textbook_step_up_rule(ps, alpha, min_tests):
    """Rejections read off the adjusted p-values equal the step-up rule worked in exact
    fractions: reject the k smallest, k the largest rank with p_(k) <= k·alpha/m."""
    from liangjiadi.anomalies.stats import benjamini_hochberg

    m = max(len(ps), min_tests)
    ranked = sorted(ps)
    # ties at the boundary are a matter of float rounding, not of the rule
    assume(all(p * m != alpha * k for k, p in enumerate(ranked, 1)))
    k = max((k for k, p in enumerate(ranked, 1) if p <= alpha * k / m), default=0)
    cut = ranked[k - 1] if k else None
    expected = [cut is not None and p <= cut for p in ps]
    assert benjamini_hochberg([float(p) for p in ps], float(alpha), min_tests) == expected


def test_upcoding_severity_a_lone_chance_rise_in_a_small_region_is_not_named(tmp_path):
    """Seen on generated small regions (24 hospitals, only a region-level injection): ADRGs of
    40-100 cases a year at tertiary hospitals rising by chance (p 0.001-0.012) were named, the
    region having a dozen institution x ADRG tests, so BH let them through. A lone rise of
    p = 0.0025 (50% -> 63% with CC over 240 cases) is not named now: counting at least
    stats.MIN_TESTS tests it needs p <= 0.001; the same rise over twice the cases is named
    (test_upcoding_severity_is_not_cancelled_by_...)."""
    r = Region(tmp_path)
    for code in ("T1", "T2", "T3"):
        r.institution(code, "02")
    _ej1(r, "T1", LAST_YEAR, 48, 71, 121)  # 50% -> 63% over 240 cases: p = 0.0025
    _ej1(r, "T1", THIS_YEAR, 66, 79, 88)
    for peer in ("T2", "T3"):
        _ej1(r, peer, LAST_YEAR, 4, 4, 12)
        _ej1(r, peer, THIS_YEAR, 6, 6, 8)
    assert r.run(upcoding_severity) == []
