"""Every pattern of anomalies.md is in the ground truth and shows its effect in the data."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from statistics import median

import numpy as np
import pytest

from liangjiadi.schema.codes import level_group
from liangjiadi.synth import PATTERNS

INPATIENT = ("21", "22", "23", "24", "25", "26", "28", "52")


def _gt(reg, pattern):
    return next(a for a in reg.gt["anomalies"] if a["pattern"] == pattern)


def _lists(reg):
    """Inpatient lists joined with their settlement, as dicts with a `period`."""
    d = reg.read("setl_d").select(["setl_id", "psn_no", "begndate", "enddate", "medfee_sumamt",
                                   "fulamt_ownpay_amt", "vali_flag"]).to_pylist()
    by_id = {r["setl_id"]: r for r in d}
    out = []
    for r in reg.read("setl_list").to_pylist():
        s = by_id.get(r["setl_id"])
        if s is None or s["vali_flag"] != "1":
            continue
        r = {**r, **s, "period": r["_file"][len("setl_list_"):][:7]}
        out.append(r)
    return out


@pytest.fixture(scope="module")
def lists(region):
    return _lists(region)


@pytest.fixture(scope="module")
def insts(region):
    return {r["fixmedins_code"]: r for r in region.read("fixmedins").to_pylist()}


def _count(rows, inst, periods, pred=lambda r: True):
    return sum(1 for r in rows if r["fixmedins_code"] == inst and r["period"] in periods and pred(r))


def _share(rows, inst, periods, pred, base=lambda r: True):
    den = _count(rows, inst, periods, base)
    return _count(rows, inst, periods, lambda r: base(r) and pred(r)) / max(1, den)


def _peers(insts, inst):
    lg = level_group(insts[inst]["hosp_lv"])
    return [c for c, r in insts.items() if r["fixmedins_type"] == "1" and c != inst and level_group(r["hosp_lv"]) == lg]


def test_every_pattern_recorded_at_distinct_institutions(region):
    got = {a["pattern"] for a in region.gt["anomalies"]}
    assert got == set(PATTERNS)
    codes = [a["fixmedins_code"] for a in region.gt["anomalies"] if a["fixmedins_code"]]
    assert len(set(codes)) >= 8
    for a in region.gt["anomalies"]:
        assert a["periods"] and a["effect"] == 1.0 and a["parameters"]
        if a["scope"] == "institution":
            assert a["fixmedins_code"]
        else:
            assert a["fixmedins_code"] is None
        if a["pattern"] not in ("beds_turnover",):
            assert a["cases_total"] > 0, a["pattern"]


def test_upcoding_severity_seed_example(region, lists):
    a = _gt(region, "upcoding_severity")
    inst, base, aff = a["fixmedins_code"], a["baseline_periods"], a["periods"]
    assert a["parameters"]["adrg"] == "EJ1"
    n = {(w, s): _count(lists, inst, ps, lambda r, s=s: r["grp_code"] == f"EJ1{s}")
         for w, ps in (("base", base), ("aff", aff)) for s in "135"}
    severe = n[("aff", "1")] / n[("base", "1")] - 1
    none = n[("aff", "5")] / n[("base", "5")] - 1
    assert 0.25 <= severe <= 0.55, n
    assert -0.35 <= none <= -0.12, n
    assert a["evidence"]["affected_counts"]["EJ11"] > a["evidence"]["baseline_counts"]["EJ11"]


def test_upcoding_diagnosis_seed_example(region, lists):
    a = _gt(region, "upcoding_diagnosis")
    inst, base, aff = a["fixmedins_code"], a["baseline_periods"], a["periods"]
    i63 = lambda r: r["maindiag_code"].startswith("I63")  # noqa: E731
    share = {(w, c): _share(lists, inst, ps, lambda r, c=c: r["maindiag_code"] == c, i63)
             for w, ps in (("b", base), ("a", aff)) for c in ("I63.300", "I63.500", "I63.900")}
    assert share[("b", "I63.300")] < 0.07 and share[("a", "I63.300")] > 0.11
    assert share[("b", "I63.500")] < 0.15 and share[("a", "I63.500")] > 0.16
    assert share[("b", "I63.900")] > 0.50 and share[("a", "I63.900")] < 0.45


def test_readmission_15d(region, lists):
    a = _gt(region, "readmission_15d")
    inst = a["fixmedins_code"]
    stays = defaultdict(list)
    for r in lists:
        if r["fixmedins_code"] == inst:
            stays[r["psn_no"]].append((r["begndate"], r["enddate"], r["period"]))
    found = defaultdict(int)
    for psn, s in stays.items():
        s.sort()
        for (b1, e1, _), (b2, _e2, p2) in zip(s, s[1:]):
            gap = (date.fromisoformat(b2) - date.fromisoformat(e1)).days
            if 1 <= gap <= 15:
                found["aff" if p2 in a["periods"] else "base"] += 1
    assert found["aff"] >= 0.8 * a["cases_total"]
    assert found["aff"] > 3 * max(1, found["base"])
    assert set(a["psn_no"]) & set(stays)


def test_low_standard_admission(region, lists):
    a = _gt(region, "low_standard_admission")
    low = lambda r: r["grp_weight"] != "" and float(r["grp_weight"]) <= 0.5  # noqa: E731
    inst = a["fixmedins_code"]
    assert _share(lists, inst, a["periods"], low) > _share(lists, inst, a["baseline_periods"], low) + 0.15


def test_outpatient_inpatient_ratio(region, insts):
    a = _gt(region, "outpatient_inpatient_ratio")
    d = region.read("setl_d")
    ok = (np.asarray(d["vali_flag"]) == "1") & (np.asarray(d["refd_setl_flag"]) == "0")
    code = np.asarray(d["fixmedins_code"])[ok]
    med = np.asarray(d["med_type"])[ok]
    ipt = np.isin(med, INPATIENT)
    otp = ~ipt & (med != "41")

    def ratio(c):
        m = code == c
        return (m & otp).sum() / max(1, (m & ipt).sum())

    peers = [ratio(c) for c in _peers(insts, a["fixmedins_code"])]
    assert ratio(a["fixmedins_code"]) < 0.7 * median(peers)


def test_out_of_list_share(region, insts, to_fen):
    a = _gt(region, "out_of_list_share")
    d = region.read("setl_d")
    ok = np.asarray(d["vali_flag"]) == "1"
    code = np.asarray(d["fixmedins_code"])[ok]
    own = np.asarray(to_fen(d["fulamt_ownpay_amt"]))[ok]
    med = np.asarray(to_fen(d["medfee_sumamt"]))[ok]

    def share(c):
        m = code == c
        return own[m].sum() / med[m].sum()

    peers = [share(c) for c in _peers(insts, a["fixmedins_code"]) if (code == c).any()]
    assert share(a["fixmedins_code"]) > median(peers) + 0.08


def test_admission_surge(region, lists, insts):
    a = _gt(region, "admission_surge")
    inst = a["fixmedins_code"]
    growth = _count(lists, inst, a["periods"]) / _count(lists, inst, a["baseline_periods"])
    peers = [_count(lists, c, a["periods"]) / max(1, _count(lists, c, a["baseline_periods"]))
             for c in _peers(insts, inst) if _count(lists, c, a["baseline_periods"]) >= 20]
    assert growth > 1.8 and growth > median(peers) + 0.8
    assert all(r["bed_cnt"] == insts[inst]["bed_cnt"] for r in region.read("fixmedins").to_pylist()
               if r["fixmedins_code"] == inst)


def test_basic_groups_in_tertiary(region, lists, insts):
    a = _gt(region, "basic_groups_in_tertiary")
    basic = {r["grp_code"] for r in region.read("grp_catalog").to_pylist() if r["basic_grp_flag"] == "1"}
    periods = region.cfg.periods
    inst = a["fixmedins_code"]
    assert level_group(insts[inst]["hosp_lv"]) == "三级"
    is_basic = lambda r: r["grp_code"] in basic  # noqa: E731
    peers = [_share(lists, c, periods, is_basic) for c in _peers(insts, inst) if _count(lists, c, periods) > 50]
    assert _share(lists, inst, periods, is_basic) > median(peers) + 0.12


def test_cost_deviation(region, lists, insts, to_fen):
    a = _gt(region, "cost_deviation")
    inst = a["fixmedins_code"]
    peers = set(_peers(insts, inst))
    cost = defaultdict(list)
    for r in lists:
        if r["grp_code"][:3] in a["parameters"]["adrgs"]:
            who = "inst" if r["fixmedins_code"] == inst else "peer" if r["fixmedins_code"] in peers else None
            if who:
                cost[(who, r["grp_code"])].append(int(r["medfee_sumamt"].replace(".", "")))
    ratios = [np.mean(cost[("inst", g)]) / np.mean(cost[("peer", g)])
              for (w, g) in list(cost) if w == "inst" and cost.get(("peer", g)) and len(cost[("inst", g)]) >= 3]
    assert ratios and np.median(ratios) > 1.25


def test_co_admission_cluster(region):
    a = _gt(region, "co_admission_cluster")
    d = region.read("setl_d")
    rows = [r for r in d.select(["psn_no", "fixmedins_code", "begndate", "med_type"]).to_pylist()
            if r["psn_no"] in set(a["psn_no"]) and r["fixmedins_code"] == a["fixmedins_code"] and r["med_type"] in INPATIENT]
    by_day = defaultdict(set)
    for r in rows:
        by_day[r["begndate"]].add(r["psn_no"])
    together = [day for day, who in by_day.items() if len(who) == len(a["psn_no"]) >= 3]
    assert len(together) >= 3


def test_impossible_travel(region):
    a = _gt(region, "impossible_travel")
    d = region.read("setl_d").select(["psn_no", "fix_blng_admdvs", "setl_time"]).to_pylist()
    by = defaultdict(list)
    wanted = set(a["psn_no"])
    for r in d:
        if r["psn_no"] in wanted:
            by[r["psn_no"]].append((datetime.fromisoformat(r["setl_time"]), r["fix_blng_admdvs"]))
    hits = 0
    for psn, s in by.items():
        s.sort()
        for (t1, a1), (t2, a2) in zip(s, s[1:]):
            if (t2 - t1).total_seconds() <= 30 * 60 and {a1, a2} & {"460100", "650100"} and region.cfg.region in {a1, a2}:
                hits += 1
    assert hits >= a["cases_total"] // 2 * 0.9
    assert a["parameters"]["min_distance_km"] > 1000


def test_hospitalization_rate(region, control):
    a = _gt(region, "hospitalization_rate")
    ev = a["evidence"]
    assert a["scope"] == "region"
    # the region's own count from the files, relative to the clean control
    def rate(reg, periods):
        d = reg.read("setl_d")
        ok = ((np.asarray(d["vali_flag"]) == "1") & (np.asarray(d["refd_setl_flag"]) == "0")
              & (np.asarray(d["insu_admdvs"]) == reg.cfg.region) & np.isin(np.asarray(d["med_type"]), INPATIENT))
        month = np.array([s[:7] for s in d["setl_time"].to_pylist()])
        return (ok & np.isin(month, periods)).sum()

    growth = rate(region, a["periods"]) / rate(region, a["baseline_periods"])
    growth_control = rate(control, a["periods"]) / rate(control, a["baseline_periods"])
    assert growth > growth_control + 0.1
    assert ev["affected_rate_per_year"] > ev["baseline_rate_per_year"]


def test_structure_shift(region, lists):
    a = _gt(region, "structure_shift")
    inst = a["fixmedins_code"]
    split = lambda r: r["grp_code"][-1] in "135"  # noqa: E731
    higher = lambda r: r["grp_code"][-1] in "13"  # noqa: E731
    assert _share(lists, inst, a["periods"], higher, split) > _share(lists, inst, a["baseline_periods"], higher, split) + 0.05


def test_beds_turnover(region, lists):
    a = _gt(region, "beds_turnover")
    inst = a["fixmedins_code"]
    rows = sorted((r["period"], int(r["bed_cnt"])) for r in region.read("fixmedins").to_pylist()
                  if r["fixmedins_code"] == inst)
    assert len(rows) == 2 and rows[1][0] == a["periods"][0] and rows[1][1] >= rows[0][1] * 1.3
    turnover_before = _count(lists, inst, a["baseline_periods"]) / rows[0][1]
    turnover_after = _count(lists, inst, a["periods"]) / rows[1][1]
    assert turnover_after < 0.85 * turnover_before


def test_no_anomalies_keeps_the_base_data(region, control, lists):
    a = _gt(region, "upcoding_severity")
    ctrl = _lists(control)
    ej1 = lambda r: r["grp_code"].startswith("EJ1")  # noqa: E731
    assert _count(ctrl, a["fixmedins_code"], control.cfg.periods, ej1) < _count(lists, a["fixmedins_code"],
                                                                                 region.cfg.periods, ej1) / 2
    # pharmacy settlements are untouched by anomalies: identical lines
    skip = {f["period"] for f in region.gt["faults"] if f["kind"] == "institution_missing_month"}
    period = next(p for p in region.cfg.periods if p not in skip)

    def pharmacy_lines(reg):
        text = (reg.path / f"setl_d_{period}.csv").read_text(encoding="utf-8").splitlines()
        return [line for line in text if ",P" + reg.cfg.region in line]

    assert pharmacy_lines(region) == pharmacy_lines(control) and pharmacy_lines(region)
    # base settlements of a hospital no pattern or fault touches are kept as they are
    touched = {a["fixmedins_code"] for a in region.gt["anomalies"]} | {f["fixmedins_code"] for f in region.gt["faults"]}
    hospitals = [c for c, r in ((r["fixmedins_code"], r) for r in region.read("fixmedins").to_pylist())
                 if r["fixmedins_type"] == "1" and c not in touched]

    def lines_of(reg, code):
        text = (reg.path / f"setl_d_{period}.csv").read_text(encoding="utf-8").splitlines()
        return {line for line in text if f",{code}," in line}

    for code in hospitals[:3]:
        ctrl = lines_of(control, code)
        assert ctrl and ctrl <= lines_of(region, code)
