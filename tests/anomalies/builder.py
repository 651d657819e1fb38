"""Hand-built regions for the detector tests: institutions, a small DRG catalogue and
inpatient cases (setl_d + setl_list) written straight to the lake with lake.write_rows.

Detection period P = 2025-12: the current window is 2025-01..12, last year 2024-01..12.
Cases of a year are spread evenly over its twelve months.
"""

from __future__ import annotations

from pathlib import Path

from liangjiadi.anomalies.context import DetectContext
from liangjiadi.config import Settings
from liangjiadi.engine import open_engine
from liangjiadi.lake import write_rows

R = "140400"
P = "2025-12"
THIS_YEAR, LAST_YEAR = "2025", "2024"

# grp_code -> (weight, basic flag); names follow CHS-DRG.
CATALOGUE = {
    "EJ11": (2.25, "0", "呼吸系统其他手术，伴严重并发症或合并症"),
    "EJ13": (1.625, "0", "呼吸系统其他手术，伴并发症或合并症"),
    "EJ15": (1.25, "0", "呼吸系统其他手术，不伴并发症或合并症"),
    "BR21": (1.71, "0", "脑缺血性疾患，伴严重并发症或合并症"),
    "BR23": (1.235, "0", "脑缺血性疾患，伴并发症或合并症"),
    "BR25": (0.95, "0", "脑缺血性疾患，不伴并发症或合并症"),
    "ES31": (1.44, "1", "呼吸系统感染/炎症，伴严重并发症或合并症"),
    "ES33": (1.04, "1", "呼吸系统感染/炎症，伴并发症或合并症"),
    "ES35": (0.8, "1", "呼吸系统感染/炎症，不伴并发症或合并症"),
    "FR41": (1.26, "1", "冠状动脉粥样硬化/血栓/闭塞，伴严重并发症或合并症"),
    "FR43": (0.91, "1", "冠状动脉粥样硬化/血栓/闭塞，伴并发症或合并症"),
    "FR45": (0.7, "1", "冠状动脉粥样硬化/血栓/闭塞，不伴并发症或合并症"),
    "GZ13": (0.65, "1", "其他消化系统诊断，伴并发症或合并症"),
    "GZ15": (0.5, "1", "其他消化系统诊断，不伴并发症或合并症"),
    "DT19": (0.42, "1", "中耳炎及上呼吸道感染"),
    "IU29": (0.55, "1", "颈腰背疾患"),
    "KS11": (1.44, "1", "糖尿病，伴严重并发症或合并症"),
    "KS15": (0.8, "1", "糖尿病，不伴并发症或合并症"),
    "GB11": (7.2, "0", "食管、胃、十二指肠大手术，伴严重并发症或合并症"),
    "GB15": (4.0, "0", "食管、胃、十二指肠大手术，不伴并发症或合并症"),
    "FM19": (2.6, "0", "经皮冠状动脉支架植入"),
    "IC29": (4.4, "0", "髋、肩、膝、肘和踝关节置换术"),
    "CB39": (0.85, "1", "晶体手术"),
    "RE11": (1.62, "0", "恶性增生性疾患的化学治疗，伴严重并发症或合并症"),
    "RE15": (0.9, "0", "恶性增生性疾患的化学治疗，不伴并发症或合并症"),
}


class Region:
    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.institutions: list[dict] = []
        self.cases: list[tuple] = []

    def institution(self, code: str, hosp_lv: str, kind: str = "综合", name: str | None = None) -> str:
        self.institutions.append({
            "fixmedins_code": code, "fixmedins_name": name or f"{code}医院", "fixmedins_type": "1",
            "hosp_lv": hosp_lv, "inst_kind": kind, "ownership": "公立", "admdvs": R, "bed_cnt": 100,
            "drg_dip_flag": "1",
        })
        return code

    def add(self, inst: str, year: str, count: int, grp: str, *, diag: str = "J18.900", cost: float | None = None,
            los: int = 8) -> None:
        """`count` cases of group `grp` at `inst` in `year`, spread over the twelve months."""
        weight = CATALOGUE[grp][0]
        for k in range(count):
            month = k % 12 + 1
            self.cases.append((inst, f"{year}-{month:02d}", grp, weight, diag,
                               cost if cost is not None else round(weight * 10_000, 2), los))

    def write(self) -> None:
        write_rows(self.workdir, "fixmedins", self.institutions, R)
        write_rows(self.workdir, "grp_catalog", [
            {"grp_type": "DRG", "grp_code": g, "grp_name": name, "adrg_code": g[:3], "mdc_code": "MDC" + g[0],
             "weight": w, "pay_std": round(w * 10_000, 2), "basic_grp_flag": basic}
            for g, (w, basic, name) in CATALOGUE.items()], R)
        setl, lst = [], []
        for n, (inst, period, grp, weight, diag, cost, los) in enumerate(self.cases):
            sid = f"S{n:07d}"
            day = 1 + n % 27
            end = f"{period}-{day:02d}"
            setl.append({
                "setl_id": sid, "mdtrt_id": "M" + sid, "psn_no": f"tok{n:07d}", "insutype": "310", "med_type": "21",
                "clr_type": "21", "fixmedins_code": inst, "fix_blng_admdvs": R, "insu_admdvs": R,
                "begndate": end, "enddate": end, "setl_time": f"{end} 10:00:00", "medfee_sumamt": cost,
                "fulamt_ownpay_amt": 0, "hifp_pay": round(cost * 0.7, 2), "fund_pay_sumamt": round(cost * 0.7, 2),
                "refd_setl_flag": "0", "vali_flag": "1", "setl_pay_way": "drg_std",
            })
            lst.append({
                "setl_id": sid, "fixmedins_code": inst, "upld_time": f"{end} 12:00:00", "qc_pass_flag": "1",
                "adm_time": f"{end} 08:00:00", "dscg_time": f"{end} 09:00:00", "act_ipt_days": los,
                "maindiag_code": diag, "grp_type": "DRG", "grp_code": grp, "grp_weight": weight,
            })
        write_rows(self.workdir, "setl_d", setl, R)
        write_rows(self.workdir, "setl_list", lst, R)

    def settings(self) -> Settings:
        return Settings(workdir=self.workdir, region_admdvs=R)

    def run(self, fn, period: str = P):
        """Write the lake and run one detector function; returns its findings."""
        self.write()
        settings = self.settings()
        engine = open_engine(settings)
        try:
            return fn(DetectContext(engine, settings, period, R))
        finally:
            engine.close()


def run_covered(region, fn, period: str = P):
    """Run one detector function with a Coverage attached (as the runner does); returns
    (findings, coverage) so a test can read which institutions were skipped and why."""
    from liangjiadi.anomalies.coverage import Coverage

    settings = region.settings()
    engine = open_engine(settings)
    try:
        ctx = DetectContext(engine, settings, period, R)
        ctx.coverage = Coverage(fn.__name__, fn.__name__)
        return fn(ctx), ctx.coverage
    finally:
        engine.close()


def by_inst(findings) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in findings:
        out.setdefault(f.fixmedins_code, []).append(f)
    return out
