"""混合增长率: growth × weight, w = min(1, previous / level-group mean of previous); the same
numbers as the indicators' 41m, which `discharge_mixed_growth` reads instead of recomputing."""

from __future__ import annotations

import pytest

from liangjiadi.analysis import discharge_mixed_growth, mixed_growth
from liangjiadi.lake import write_rows

from . import handbuilt as hb

# discharges: previous (2023-01) -> current (2023-02)
VOLUMES = {"A1": (10, 12), "A2": (2, 6), "A3": (3, 3), "B1": (4, 2), "B2": (1, 3), "C1": (0, 2)}
LEVELS = {"A1": "三级", "A2": "三级", "A3": "三级", "B1": "二级", "B2": "二级", "C1": "一级及以下"}
# 三级 mean previous = 5: A1 w 1 (+20%), A2 w .4 (+200% -> +80%), A3 w .6 (0%)
# 二级 mean previous = 2.5: B1 w 1 (−50%), B2 w .4 (+200% -> +80%); C1 previous 0: no rate
EXPECTED = {"A1": (0.2, 1.0, 0.2), "A2": (2.0, 0.4, 0.8), "A3": (0.0, 0.6, 0.0), "B1": (-0.5, 1.0, -0.5),
            "B2": (2.0, 0.4, 0.8)}


def test_mixed_growth_by_hand():
    out = {m.fixmedins_code: m for m in mixed_growth({c: v[1] for c, v in VOLUMES.items()},
                                                     {c: v[0] for c, v in VOLUMES.items()}, LEVELS)}
    for code, (g, w, mg) in EXPECTED.items():
        assert (out[code].growth, out[code].weight, out[code].mixed_growth) == (
            pytest.approx(g), pytest.approx(w), pytest.approx(mg)), code
    assert out["C1"].mixed_growth is None and "上期为0" in out["C1"].note


def test_consistent_with_indicator_41m(tmp_path):
    write_rows(tmp_path, "fixmedins", hb.fixmedins(), hb.R)
    rows = []
    for code, (prev, cur) in VOLUMES.items():
        for month, n in (("2023-01", prev), ("2023-02", cur)):
            for k in range(n):
                rows.append({
                    "setl_id": f"{code}{month}{k}", "mdtrt_id": "m", "psn_no": "p", "insutype": "310",
                    "med_type": "21", "fixmedins_code": code, "fix_blng_admdvs": hb.R, "insu_admdvs": hb.R,
                    "setl_time": f"{month}-05 08:00:00", "medfee_sumamt": 1000, "fulamt_ownpay_amt": 0,
                    "inscp_scp_amt": 1000, "hifp_pay": 700, "fund_pay_sumamt": 700, "refd_setl_flag": "0",
                    "vali_flag": "1",
                })
    write_rows(tmp_path, "setl_d", rows, hb.R)
    from_indicator = {m.fixmedins_code: m for m in discharge_mixed_growth(hb.settings(tmp_path), "2023-02")}
    assert all(m.source == "41m" for m in from_indicator.values())
    for code, (g, w, mg) in EXPECTED.items():
        m = from_indicator[code]
        assert m.mixed_growth == pytest.approx(mg), code
        assert m.growth == pytest.approx(g) and m.group == LEVELS[code]
        if g != 0:
            assert m.weight == pytest.approx(w)
    assert from_indicator["C1"].mixed_growth is None
