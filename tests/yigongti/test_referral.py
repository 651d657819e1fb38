"""连续计算起付线 (seeds/003 三: 对符合规定的转诊住院患者连续计算起付线) as shares, on the hand-built
county of handbuilt.py with the optional referral table:

  Y1's served inpatient settlements of 2025 (non-refund, valid): a1 a2 a3 a4 a5 a6 = 6
  marked referrals: a2 (continued), a3 (not continued), a5 (continued) = 3, of which 2 continued;
  n1 (insured under the city's own code: no 医共体) and a8 (invalid) are marked but never counted
  shares: 3 / 6 = 0.500000 referred; 2 / 3 = 0.666667 continued
Without the table the share is 缺少数据, not 0."""

from __future__ import annotations

import pytest

from liangjiadi.lake import write_rows
from liangjiadi.yigongti import service
from liangjiadi.yigongti.figures import county_figures

from . import handbuilt as hb


def _ref(setl_id, period, cont):
    return {"setl_id": setl_id, "period": period, "cont_dedc_flag": cont, "refl_out_fixmedins_code": "M1"}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = hb.build(tmp_path_factory.mktemp("ref"))
    write_rows(work, "yigongti_referral", [_ref("a2", "2025-03", "1"), _ref("a3", "2025-06", "0"),
                                           _ref("a5", "2025-08", "1"), _ref("n1", "2025-01", "1"),
                                           _ref("a8", "2025-03", "1")], hb.R)
    return work


def test_referral_shares_are_the_hand_figures(work):
    fig = county_figures(service.load_year(hb.settings(work), hb.YEAR))
    y1 = next(u for u in fig["units"] if u["yigongti_id"] == "Y1")
    assert y1["referrals"] == {"inpatients": 6, "referred": 3, "continued": 2, "referred_share": "0.500000",
                               "continued_share": "0.666667"}
    rows = {(r["item"], r["yigongti_id"]): r for r in service.export_rows(service.load_year(hb.settings(work), hb.YEAR))}
    assert rows[("转诊住院连续计算起付线占比", "Y1")]["value"] == "0.666667"


def test_without_referral_marks_the_share_is_missing(tmp_path):
    fig = county_figures(service.load_year(hb.settings(hb.build(tmp_path)), hb.YEAR))
    assert all(u["referrals"] is None for u in fig["units"])
    from liangjiadi.reports.county import referral_line

    assert "缺少数据" in referral_line(fig["units"][0])
