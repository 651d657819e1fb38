"""Issue 10, DIP: `detect` failed as a whole on a DIP region ("检测器 upcoding_severity（高套病组）
运行失败：operation 'sub' not supported for dtype 'str' with dtype 'str'"). A hand-built DIP
region (病种 `J93.9::33.2300` etc., 分值 as weights), with and without its 病种 catalogue:
the case-mix detectors run, and a shift to higher-分值 treatments of one diagnosis is 高套病组."""

from __future__ import annotations

import pytest

from liangjiadi.anomalies.detectors.admission_mix import basic_groups_in_tertiary, low_standard_admission
from liangjiadi.anomalies.detectors.case_mix import structure_shift, upcoding_diagnosis, upcoding_severity
from liangjiadi.anomalies.detectors.cost import cost_deviation
from liangjiadi.lake import write_rows

from ..anomalies.builder import LAST_YEAR, THIS_YEAR, R, Region

# 病种 -> (分值, basic flag, name)
DIP = {
    "J93.9::33.2300": (1.25, "0", "气胸：33.2300"),
    "J93.9::33.2300+诊断性操作": (1.625, "0", "气胸：33.2300+诊断性操作"),
    "J93.9::33.2300+治疗性操作": (2.25, "0", "气胸：33.2300+治疗性操作"),
    "J18.9::保守治疗": (0.8, "1", "肺炎：保守治疗"),
    "J18.9::治疗性操作": (1.44, "1", "肺炎：治疗性操作"),
    "R51.x::保守治疗": (0.4, "0", "头痛：保守治疗"),
}


class DipRegion(Region):
    def __init__(self, workdir, with_catalogue: bool = True, scale: float = 1.0):
        super().__init__(workdir)
        self.with_catalogue = with_catalogue
        self.scale = scale  # 分值 per relative weight: 1 (calibration.md) or e.g. 1000 (千分制)

    def add(self, inst, year, count, grp, *, diag=None, cost=None, los=8):
        weight = DIP[grp][0] * self.scale
        for k in range(count):
            self.cases.append((inst, f"{year}-{k % 12 + 1:02d}", grp, weight, diag or grp[:5] + "00",
                               cost if cost is not None else round(weight / self.scale * 10_000, 2), los))

    def write(self):
        write_rows(self.workdir, "fixmedins", self.institutions, R)
        if self.with_catalogue:
            write_rows(self.workdir, "grp_catalog", [
                {"grp_type": "DIP", "grp_code": g, "grp_name": name, "adrg_code": g[:3], "mdc_code": None,
                 "weight": w * self.scale, "pay_std": round(w * 10_000, 2), "basic_grp_flag": basic}
                for g, (w, basic, name) in DIP.items()], R)
        setl, lst = [], []
        for n, (inst, period, grp, weight, diag, cost, los) in enumerate(self.cases):
            sid, end = f"S{n:07d}", f"{period}-{1 + n % 27:02d}"
            setl.append({
                "setl_id": sid, "mdtrt_id": "M" + sid, "psn_no": f"tok{n:07d}", "insutype": "310", "med_type": "21",
                "clr_type": "21", "fixmedins_code": inst, "fix_blng_admdvs": R, "insu_admdvs": R,
                "begndate": end, "enddate": end, "setl_time": f"{end} 10:00:00", "medfee_sumamt": cost,
                "fulamt_ownpay_amt": 0, "hifp_pay": round(cost * 0.7, 2), "fund_pay_sumamt": round(cost * 0.7, 2),
                "refd_setl_flag": "0", "vali_flag": "1", "setl_pay_way": "drg_std"})
            lst.append({
                "setl_id": sid, "fixmedins_code": inst, "upld_time": f"{end} 12:00:00", "qc_pass_flag": "1",
                "adm_time": f"{end} 08:00:00", "dscg_time": f"{end} 09:00:00", "act_ipt_days": los,
                "maindiag_code": diag, "grp_type": "DIP", "grp_code": grp, "grp_weight": weight})
        write_rows(self.workdir, "setl_d", setl, R)
        write_rows(self.workdir, "setl_list", lst, R)


def _region(tmp_path, with_catalogue, scale=1.0):
    r = DipRegion(tmp_path, with_catalogue, scale)
    for code in ("T1", "T2", "T3", "T4"):
        r.institution(code, "02")
    for year, low in ((LAST_YEAR, 150), (THIS_YEAR, 60)):  # T1: half its cases leave the lowest 分值
        r.add("T1", year, low, "J93.9::33.2300")
        r.add("T1", year, 300 - low - 75, "J93.9::33.2300+诊断性操作")
        r.add("T1", year, 75, "J93.9::33.2300+治疗性操作")
    for peer in ("T2", "T3", "T4"):
        for year in (LAST_YEAR, THIS_YEAR):
            r.add(peer, year, 150, "J93.9::33.2300")
            r.add(peer, year, 75, "J93.9::33.2300+诊断性操作")
            r.add(peer, year, 75, "J93.9::33.2300+治疗性操作")
    for inst in ("T1", "T2", "T3", "T4"):
        for year in (LAST_YEAR, THIS_YEAR):
            r.add(inst, year, 100, "J18.9::保守治疗")
            r.add(inst, year, 20, "J18.9::治疗性操作")
    return r


@pytest.mark.parametrize("with_catalogue,scale", [(True, 1.0), (False, 1.0), (True, 1000.0)])
def test_dip_upcoding_severity_is_a_shift_to_higher_value_treatments(tmp_path, with_catalogue, scale):
    found = _region(tmp_path, with_catalogue, scale).run(upcoding_severity)
    assert [(f.fixmedins_code, f.evidence["adrg"]) for f in found] == [("T1", "J93.9")]
    ev = found[0].evidence
    assert ev["scheme"] == "DIP"
    assert ev["own_last_year"] == pytest.approx(0.5) and ev["own"] == pytest.approx(0.8)
    assert ev["no_cc_cases"] == 60 and ev["no_cc_cases_last_year"] == 150


@pytest.mark.parametrize("with_catalogue", [True, False])
def test_other_case_mix_detectors_run_on_dip(tmp_path, with_catalogue):
    r = _region(tmp_path, with_catalogue)
    r.write()
    for fn in (upcoding_diagnosis, structure_shift, cost_deviation, basic_groups_in_tertiary, low_standard_admission):
        assert isinstance(r.run(fn), list), fn.__name__


@pytest.mark.parametrize("with_catalogue,scale", [(True, 1.0), (True, 1000.0), (False, 1000.0)])
def test_dip_low_standard_admission_whatever_the_scale_of_the_points(tmp_path, with_catalogue, scale):
    """低标入院 compares weights with RW 0.5: 分值 published ×1000 mean the same."""
    r = DipRegion(tmp_path, with_catalogue, scale)
    for code in ("S1", "S2", "S3", "S4"):
        r.institution(code, "05")
    r.add("S1", LAST_YEAR, 20, "R51.x::保守治疗")
    r.add("S1", LAST_YEAR, 180, "J18.9::治疗性操作")
    r.add("S1", THIS_YEAR, 80, "R51.x::保守治疗")
    r.add("S1", THIS_YEAR, 120, "J18.9::治疗性操作")
    for peer in ("S2", "S3", "S4"):
        for year in (LAST_YEAR, THIS_YEAR):
            r.add(peer, year, 20, "R51.x::保守治疗")
            r.add(peer, year, 180, "J18.9::治疗性操作")
    found = r.run(low_standard_admission)
    assert [f.fixmedins_code for f in found] == ["S1"]
    assert found[0].evidence["own"] == pytest.approx(0.4)
