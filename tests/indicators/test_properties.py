"""Hypothesis property tests: invariants that hold for any consistent region."""

from __future__ import annotations

import tempfile
from decimal import Decimal as D
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liangjiadi.indicators import compute
from liangjiadi.indicators.registry import builtin_indicators
from liangjiadi.lake import write_rows

from . import golden
from .golden import O, P, R

HOSPITALS = ["H1", "H2", "H3"]
TOL = D("1e-8")


@st.composite
def settlement(draw, n):
    inst = draw(st.sampled_from(HOSPITALS + ["P1", "EXT"]))
    med = "41" if inst == "P1" else draw(st.sampled_from(["11", "13", "14", "21", "22", "28"]))
    blng = O if inst == "EXT" else R
    insu = R if inst == "EXT" else draw(st.sampled_from([R, R, R, O]))
    medfee = draw(st.integers(0, 50_000))
    ownpay = draw(st.integers(0, medfee))
    hifp = draw(st.integers(0, medfee - ownpay))
    period = draw(st.sampled_from(["2025-02", P, P, P]))
    return {
        **golden.s(f"X{n}", inst, blng, insu, draw(st.sampled_from(["310", "390", "320"])), med, medfee, ownpay, hifp,
                   time=f"{period}-{draw(st.integers(1, 28)):02d} 08:00:00",
                   vali=draw(st.sampled_from(["1", "1", "1", None, "0"])),
                   pay=draw(st.sampled_from(["drg_std", "itemized", "special", "none", None]))),
    }


@st.composite
def region(draw):
    n = draw(st.integers(1, 30))
    rows = [draw(settlement(i)) for i in range(n)]
    # refunds: an exact negative copy of some non-refund row, same period
    refunds = []
    for i, row in enumerate(rows):
        if draw(st.booleans()) and draw(st.booleans()):
            neg = dict(row, setl_id=f"R{i}", refd_setl_flag="1")
            for k in ("medfee_sumamt", "fulamt_ownpay_amt", "hifp_pay", "fund_pay_sumamt"):
                neg[k] = -row[k]
            refunds.append(neg)
    lists, cases = [], []
    for row in rows:
        if row["med_type"] in ("21", "22", "28") and row["fix_blng_admdvs"] == R and draw(st.booleans()):
            code = draw(st.sampled_from(["EJ13", "FR25", "GB11", "QY", "0000"]))
            lists.append({"setl_id": row["setl_id"], "fixmedins_code": row["fixmedins_code"],
                          "qc_pass_flag": draw(st.sampled_from(["1", "0", None])), "grp_type": "DRG",
                          "grp_code": code, "act_ipt_days": draw(st.integers(1, 30)),
                          "grp_weight": draw(st.sampled_from([0.5, 1.0, 1.2, 2.35])),
                          "period": row["setl_time"][:7]})
            if draw(st.booleans()):
                cases.append({"setl_id": row["setl_id"], "fixmedins_code": row["fixmedins_code"],
                              "apply_date": row["setl_time"][:10],
                              "audit_result": draw(st.sampled_from(["1", "0", None])),
                              "period": row["setl_time"][:7]})
    return rows + refunds, lists, cases


def _compute(data):
    rows, lists, cases = data
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        write_rows(work, "fixmedins", [f for f in golden.fixmedins() if f["fixmedins_code"] != "H4"], R)
        write_rows(work, "setl_d", rows, R)
        write_rows(work, "setl_list", lists, R)
        write_rows(work, "special_case", cases, R)
        write_rows(work, "psn_count", golden.psn_counts(), R)
        table = compute(P, golden.settings(work), save=False)
    return {(r["indicator_id"], r["fixmedins_code"]): r for r in table.to_pylist()}


BOUNDED = [i.id for i in builtin_indicators() if i.bounds]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(region())
def test_invariants(data):
    res = _compute(data)
    for (iid, code), r in res.items():
        v = r["value"]
        if v is None:
            assert r["note"], (iid, code)
            continue
        assert v.is_finite()
        if iid in BOUNDED:
            assert D(0) <= v <= D(1), (iid, code, v)
    for code in [None, *HOSPITALS]:
        # parts never exceed wholes
        if code is not None:
            assert res[("11", code)]["value"] <= res[("10", code)]["value"]
        assert res[("34", code)]["value"] is None or res[("34", code)]["value"] <= res[("33", code)]["value"]
    # institution sums equal the region for additive indicators
    for iid in ("11", "13", "36", "38", "39"):
        total = sum(res[(iid, c)]["value"] for c in HOSPITALS)
        assert total == res[(iid, None)]["value"], iid
    # the region's time/cost index is 1: case-weighted mean of institution indices
    for iid in ("43", "44"):
        num = sum(res[(iid, c)]["numerator"] or 0 for c in HOSPITALS)
        den = sum(res[(iid, c)]["denominator"] or 0 for c in HOSPITALS)
        if den:
            assert abs(num / den - 1) < TOL, iid
    # CMI of the region is the case-weighted mean of the institutions'
    n = sum(res[("CMI", c)]["denominator"] for c in HOSPITALS)
    if n:
        w = sum(res[("CMI", c)]["numerator"] for c in HOSPITALS)
        assert res[("CMI", None)]["value"] == (w / n).quantize(D("1e-10"))
