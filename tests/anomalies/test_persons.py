"""15天内再入院, 组团住院 and 逻辑验证 on a hand-built region of persons (tokens tok-*).

Peers B1..B5 (二级) discharge 120 persons each in 2025, two of whom come back within 15 days.
READ readmits a sixth of its patients a few days after discharge (疑似分解住院); READSMALL
does the same on too few discharges. A group of four is admitted together four times at B2.
"""

from __future__ import annotations

import json

import pytest

from liangjiadi.anomalies.detectors.persons import (detect_co_admission_cluster, detect_impossible_travel,
                                                    detect_readmission_15d)

from .volume_builder import VolumeRegion, by_inst

PEERS = ("B1", "B2", "B3", "B4", "B5")


def _day(k: int) -> tuple[str, int]:
    """A month and a start day for the k-th stay: spread over 2025, leaving room for a readmission."""
    return f"2025-{k % 12 + 1:02d}", 1 + (k // 12) % 10


def _stays(r: VolumeRegion, inst: str, count: int, readmitted: int, *, again_at: str | None = None) -> None:
    for k in range(count):
        month, d = _day(k)
        psn = f"tok-{inst}-{k}"
        r.stay(inst, psn, f"{month}-{d:02d}", f"{month}-{d + 4:02d}", diag="J18.900")
        if k < readmitted:  # back 3 days after discharge, same diagnosis category
            r.stay(again_at or inst, psn, f"{month}-{d + 7:02d}", f"{month}-{d + 11:02d}", diag="J18.000")


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    r = VolumeRegion(tmp_path_factory.mktemp("persons"))
    for code in PEERS:
        r.hospital(code)
        _stays(r, code, 120, 2)
    r.hospital("READ", name="北营区中医医院")
    r.hospital("READSMALL")
    _stays(r, "READ", 120, 20)
    _stays(r, "READSMALL", 30, 10)
    # 组团: four persons admitted together four times (once a day apart) at B2
    group = [f"tok-group-{i}" for i in range(4)]
    for month, days in (("02", (10, 10, 10, 10)), ("04", (10, 11, 10, 11)), ("06", (12,) * 4), ("08", (9,) * 4)):
        for psn, d in zip(group, days):
            r.stay("B2", psn, f"2025-{month}-{d:02d}", f"2025-{month}-{d + 6:02d}", grp="IU29", diag="M54.500")
    # two persons together five times (a pair is not a group) and three together only twice
    for month in ("01", "03", "05", "07", "09"):
        for psn in ("tok-duo-0", "tok-duo-1"):
            r.stay("B3", psn, f"2025-{month}-20", f"2025-{month}-25")
    for month in ("02", "06"):
        for psn in ("tok-trio-0", "tok-trio-1", "tok-trio-2"):
            r.stay("B4", psn, f"2025-{month}-20", f"2025-{month}-25")
    # 逻辑验证: local outpatient visits, then a settlement far away
    r.settlement("B1", "2025-05-10 10:00:00", psn="tok-travel-far")
    r.settlement("H46010000001", "2025-05-10 10:12:00", psn="tok-travel-far", blng="460100")
    r.settlement("B1", "2025-05-11 10:00:00", psn="tok-travel-near")  # Beijing is ~500 km away
    r.settlement("H11000000001", "2025-05-11 10:10:00", psn="tok-travel-near", blng="110000")
    r.settlement("B1", "2025-05-12 10:00:00", psn="tok-travel-slow")  # Haikou three hours later
    r.settlement("H46010000001", "2025-05-12 13:00:00", psn="tok-travel-slow", blng="460100")
    r.write()
    return r


def _no_tokens(findings, region: VolumeRegion) -> None:
    tokens = {row["psn_no"] for row in region.setl}
    for f in findings:
        text = " ".join([f.message, f.cluster_id or "", json.dumps(f.evidence, ensure_ascii=False)])
        assert not any(t in text for t in tokens), text
        assert all(isinstance(v, (int, float)) or v is None for v in f.evidence.values())


def test_readmission_names_the_institution_with_counts_only(region):
    findings = region.detect(detect_readmission_15d)
    found = by_inst(findings)
    assert set(found) == {"READ"}, found  # READSMALL has the same habit on 40 discharges
    f = found["READ"][0]
    ev = f.evidence
    assert ev["discharges"] == 140 and ev["cases"] == 20
    assert ev["same_institution"] == 20 and ev["split_admissions"] == 20 and ev["median_gap_days"] == 3
    assert ev["value"] == pytest.approx(20 / 140, abs=1e-4)
    assert ev["peer_rate"] < 0.03 and ev["times_peer"] > 5 and ev["p_value"] < 1e-8
    assert f.severity == "high" and "北营区中医医院" in f.message and "分解住院" in f.message
    _no_tokens(findings, region)


def test_readmission_lists_the_hospitals_it_did_not_judge(region):
    """READSMALL (the same habit on 40 discharges) is not judged: the coverage says why."""
    _, cov = region.detect_covered(detect_readmission_15d)
    assert cov.skipped["READSMALL"] == "近12个月出院人次不足100（40人次）"
    assert "READ" not in cov.skipped and cov.institutions == len(PEERS) + 1


def test_readmission_at_another_hospital_counts_for_the_discharging_one(tmp_path):
    r = VolumeRegion(tmp_path)
    for code in PEERS:
        r.hospital(code)
        _stays(r, code, 120, 2)
    r.hospital("SEND")
    _stays(r, "SEND", 120, 20, again_at="B1")
    r.write()
    (f,) = r.detect(detect_readmission_15d)
    assert f.fixmedins_code == "SEND"
    assert f.evidence["cases"] == 20 and f.evidence["same_institution"] == 0 and f.evidence["split_admissions"] == 0


def test_co_admission_cluster_reports_size_and_joint_admissions_anonymously(region):
    findings = region.detect(detect_co_admission_cluster)
    assert len(findings) == 1, findings  # not the pair, not the trio seen twice
    f = findings[0]
    assert f.fixmedins_code == "B2" and f.subject == "person_cluster"
    assert f.evidence["persons"] == 4 and f.evidence["joint_admissions"] == 4 and f.evidence["cases"] == 16
    assert f.evidence["p_value"] < 1e-6
    assert f.cluster_id.startswith("ZT-") and f.cluster_id in f.message
    assert "4名参保人4次" in f.message
    _no_tokens(findings, region)


def test_impossible_travel_flags_minutes_across_thousands_of_km(region):
    findings = region.detect(detect_impossible_travel)
    assert len(findings) == 1, findings  # not Beijing (too near), not three hours later
    f = findings[0]
    assert f.fixmedins_code is None and f.subject == "person_cluster" and f.cluster_id.startswith("YD-")
    assert f.evidence["cases"] == 1 and f.evidence["minutes"] == 12
    assert 1500 < f.evidence["distance_km"] < 1900 and f.evidence["speed_kmh"] > 7000
    assert "B1医院" in f.message and "海南省" in f.message
    _no_tokens(findings, region)


def test_readmission_a_clear_excess_at_a_small_hospital_survives_the_correction(tmp_path):
    """12 readmissions in ~190 discharges (6%) against peers' 2.4%, robust z far above 3 and 2.5×
    the peers: named. At the old false-discovery rate of 0.01 the nine hospitals' correction
    (q ≈ 0.03) hid exactly the excess a small hospital's injected 分解住院 makes."""
    r = VolumeRegion(tmp_path)
    for k in range(8):
        r.hospital(f"P{k}")
        _stays(r, f"P{k}", 120, 3)
    r.hospital("SMALL")
    _stays(r, "SMALL", 180, 12)
    r.write()
    found = by_inst(r.detect(detect_readmission_15d))
    assert set(found) == {"SMALL"}, found
    ev = found["SMALL"][0].evidence
    assert ev["cases"] == 12 and 0.01 < ev["q_value"] < 0.05


def test_readmission_bar_is_the_typical_peer_not_a_large_peer_that_splits_stays_itself(tmp_path):
    """Seen on generated regions (drg-m18 seeds 3 and 4: 4 and 3 of 5 found): two 中医 hospitals
    readmitting 8% among eight 中医 peers at about 3%; each one's large twin lifted the pooled
    peer rate to 4.2%, so 8% was 1.9 times it and missed by the "twice the peers" bar. The bar
    is now the typical peer (median of the peers' own rates); both are named."""
    r = VolumeRegion(tmp_path)
    for k in range(6):
        r.hospital(f"P{k}")
        _stays(r, f"P{k}", 400, 12)
    r.hospital("BIG")
    _stays(r, "BIG", 1500, 120)
    r.hospital("SPLIT")
    _stays(r, "SPLIT", 500, 40)
    r.write()
    found = by_inst(r.detect(detect_readmission_15d))
    assert set(found) == {"BIG", "SPLIT"}, found
    ev = found["SPLIT"][0].evidence
    assert ev["peer_rate"] > 0.045 and ev["times_peer"] > 2


def test_co_admission_a_larger_group_together_is_not_less_unusual_than_three():
    """Eight persons admitted together five times (each six admissions in the year): tested on
    triples alone the chance expectation grows with the group (56 triples) and p was 1.5e-3, above
    0.01 / the ~1,000 persons a K=5 region screens, so the group was missed at effect 2. Counting
    how many were present together makes it far beyond chance."""
    from liangjiadi.anomalies.detectors.persons import _chance_of_cluster

    lam, p, together = _chance_of_cluster([6] * 8, [8] * 5, 365)
    assert together == 8 and p < 1e-12, (lam, p)
    assert p < 0.01 / 1000


def test_co_admission_a_trio_is_judged_as_before():
    """Three persons, four joint admissions: only m = 3 is tried, no extra correction."""
    from liangjiadi.anomalies.detectors.persons import _chance_of_cluster, poisson_upper_p

    lam, p, together = _chance_of_cluster([4, 4, 4], [3, 3, 3, 3], 365)
    assert together == 3
    assert lam == pytest.approx(64 * (3 / 365) ** 2)
    assert p == pytest.approx(poisson_upper_p(4, lam))


def test_co_admission_chance_triples_of_frequent_patients_stay_unremarkable():
    """Six dialysis-like patients (100 admissions each), three times three of them the same day:
    the larger m are not tried (no occasion with more present), the trio test is not significant."""
    from liangjiadi.anomalies.detectors.persons import _chance_of_cluster

    lam, p, together = _chance_of_cluster([100] * 6, [3, 3, 3], 365)
    assert together == 3 and p > 0.01
