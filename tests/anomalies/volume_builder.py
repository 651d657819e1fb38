"""Hand-built regions for the volume, ratio and person-level detector tests.

Detection period P = 2025-12: the current window is 2025-01..12, the base year 2024-01..12.
Yearly volumes are spread evenly over the twelve months. Rows go straight to the lake with
lake.write_rows; every settlement has its own person token unless a test says otherwise.
"""

from __future__ import annotations

from pathlib import Path

from liangjiadi.anomalies.context import DetectContext
from liangjiadi.config import Settings
from liangjiadi.engine import open_engine
from liangjiadi.lake import write_rows

R = "140400"
P = "2025-12"
CENTRE = (113.12, 36.20)  # the region's institutions sit around here (长治)


class VolumeRegion:
    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.fixmedins: list[dict] = []
        self.setl: list[dict] = []
        self.psn: list[dict] = []
        self.lists: list[dict] = []
        self._n = 0

    # ---- institutions ----------------------------------------------------------------------

    def hospital(self, code: str, hosp_lv: str = "05", *, beds: int | None = 100, kind: str = "综合",
                 ownership: str = "公立", name: str | None = None, beds_from: dict[str, int] | None = None,
                 lon: float = CENTRE[0], lat: float = CENTRE[1]) -> str:
        """A hospital; `beds_from` adds snapshots {period: bed_cnt} after the first one."""
        base = {"fixmedins_code": code, "fixmedins_name": name or f"{code}医院", "fixmedins_type": "1",
                "hosp_lv": hosp_lv, "inst_kind": kind, "ownership": ownership, "admdvs": R, "bed_cnt": beds,
                "drg_dip_flag": "1", "lon": lon, "lat": lat, "period": "2024-01"}
        self.fixmedins.append(base)
        for period, n in (beds_from or {}).items():
            self.fixmedins.append(dict(base, bed_cnt=n, period=period))
        return code

    # ---- settlements -------------------------------------------------------------------------

    def settlement(self, inst: str, time: str, *, med_type: str = "11", psn: str | None = None,
                   begn: str | None = None, end: str | None = None, medfee: float = 100.0, ownpay: float = 5.0,
                   blng: str = R, insu: str = R) -> str:
        self._n += 1
        sid = f"S{self._n:08d}"
        day = time[:10]
        self.setl.append({
            "setl_id": sid, "mdtrt_id": "M" + sid, "psn_no": psn or f"tok{self._n:08d}", "insutype": "310",
            "med_type": med_type, "clr_type": "21" if med_type.startswith("2") else "11", "fixmedins_code": inst,
            "fix_blng_admdvs": blng, "insu_admdvs": insu, "begndate": begn or day, "enddate": end or day,
            "setl_time": time, "medfee_sumamt": medfee, "fulamt_ownpay_amt": ownpay, "hifp_pay": round(medfee * 0.6, 2),
            "fund_pay_sumamt": round(medfee * 0.6, 2), "refd_setl_flag": "0", "vali_flag": "1",
        })
        return sid

    def volume(self, inst: str, year: str, *, ipt: int, otp: int, ownpay_share: float = 0.05, los: int = 6) -> None:
        """`ipt` discharges and `otp` outpatient visits at `inst` in `year`, spread over the months."""
        for kind, count in (("21", ipt), ("11", otp)):
            fee = 5000.0 if kind == "21" else 200.0
            for k in range(count):
                month, day = k % 12 + 1, 1 + (k // 12) % 27
                end = f"{year}-{month:02d}-{day:02d}"
                begn = f"{year}-{month:02d}-{max(1, day - los):02d}" if kind == "21" else end
                self.settlement(inst, f"{end} 10:00:00", med_type=kind, begn=begn, end=end, medfee=fee,
                                ownpay=round(fee * ownpay_share, 2))

    def stay(self, inst: str, psn: str, begn: str, end: str, *, diag: str = "J18.900", grp: str = "ES35") -> str:
        """One inpatient stay of person `psn`, settled on the discharge day, with its settlement list."""
        sid = self.settlement(inst, f"{end} 16:00:00", med_type="21", psn=psn, begn=begn, end=end, medfee=5000.0,
                              ownpay=250.0)
        self.lists.append({"setl_id": sid, "fixmedins_code": inst, "upld_time": f"{end} 18:00:00",
                           "qc_pass_flag": "1", "adm_time": f"{begn} 08:00:00", "dscg_time": f"{end} 09:00:00",
                           "maindiag_code": diag, "grp_type": "DRG", "grp_code": grp, "grp_weight": 0.8})
        return sid

    def month_volume(self, inst: str, period: str, *, ipt: int, otp: int = 0) -> None:
        """`ipt` discharges and `otp` outpatient visits at `inst` in one month."""
        for k in range(ipt):
            day = 1 + k % 27
            self.settlement(inst, f"{period}-{day:02d} 10:00:00", med_type="21", begn=f"{period}-01",
                            end=f"{period}-{day:02d}", medfee=5000.0, ownpay=250.0)
        for k in range(otp):
            self.settlement(inst, f"{period}-{1 + k % 27:02d} 10:00:00")

    def insured(self, count: int, periods: list[str]) -> None:
        for p in periods:
            self.psn.append({"admdvs": R, "period": p, "insutype": "310", "psn_cnt": count})

    # ---- running -------------------------------------------------------------------------------

    def write(self) -> None:
        write_rows(self.workdir, "fixmedins", self.fixmedins, R)
        write_rows(self.workdir, "setl_d", self.setl, R)
        if self.psn:
            write_rows(self.workdir, "psn_count", self.psn, R)
        if self.lists:
            write_rows(self.workdir, "setl_list", self.lists, R)

    def settings(self) -> Settings:
        return Settings(workdir=self.workdir, region_admdvs=R)

    def detect(self, fn, period: str = P):
        """Run one detector function on the written lake."""
        settings = self.settings()
        engine = open_engine(settings)
        try:
            return fn(DetectContext(engine, settings, period, R))
        finally:
            engine.close()


    def detect_covered(self, fn, period: str = P):
        """Run one detector function with a Coverage attached (as the runner does); returns
        (findings, coverage)."""
        from .builder import run_covered

        return run_covered(self, fn, period)


def months(year: str) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def by_inst(findings) -> dict[str | None, list]:
    out: dict[str | None, list] = {}
    for f in findings:
        out.setdefault(f.fixmedins_code, []).append(f)
    return out


# ---- an 18-month region (2024-01 to 2025-06), detection at 2025-06 ---------------------------

P18 = "2025-06"
MONTHS_2024 = months("2024")
MONTHS_2025 = [f"2025-{m:02d}" for m in range(1, 7)]
PEERS_18 = {"A1": 10, "A2": 11, "A3": 9, "A4": 10, "A5": 12}  # discharges a month


def short_history_region(workdir) -> VolumeRegion:
    """Five steady peers (~10 outpatient visits per discharge); SURGE's discharges 2.2× in 2025
    with the same beds; DROP's outpatient visits fall to 15% while its discharges stay."""
    r = VolumeRegion(workdir)
    for code, ipt in PEERS_18.items():
        r.hospital(code)
        for m in MONTHS_2024 + MONTHS_2025:
            r.month_volume(code, m, ipt=ipt, otp=ipt * 10)
    r.hospital("SURGE", name="漳泽仁和医院")
    r.hospital("DROP", name="城西区人民医院")
    for m in MONTHS_2024:
        r.month_volume("SURGE", m, ipt=10, otp=100)
        r.month_volume("DROP", m, ipt=15, otp=100)
    for m in MONTHS_2025:
        r.month_volume("SURGE", m, ipt=22, otp=100)
        r.month_volume("DROP", m, ipt=15, otp=15)
    r.write()
    return r
