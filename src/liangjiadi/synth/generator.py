"""Orchestration: build the region, generate month by month in blocks, write every table."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from .amounts import KIND_IPT, KIND_OTP, KIND_RX, MONEY_COLUMNS
from .replicas import AnomalyPlans, pattern_of
from .catalogue import Catalogue
from .config import SynthConfig
from .dip import DipCatalogue
from .faults import ROW_FAULTS, FaultPlan, fault_row, plan_faults
from .frames import concat, take
from .fund import budget_rows, clearing, fund_report
from .ground_truth import build_ground_truth
from .institutions import build_foreign, build_institutions
from .linked import fee_table, list_table, special_table
from .population import build_population, fake_certno, fake_name, padded, psn_no, visitor_admdvs
from .settlements import (ELSEWHERE_SHARE_IPT, ELSEWHERE_SHARE_OTP, World, add_refunds_and_invalid,
                          case_mix, complete_inpatient, elsewhere_institutions, expected_counts,
                          finish_outpatient, inpatient_skeleton, make_month, outpatient_frame,
                          pharmacy_frame, severity_map)
from .writers import TableWriter, as_text, fen_to_str, file_name, money_array, typed_table, write_table

Progress = Callable[[str, int, int], None]  # (message, done, total)


@dataclass
class Summary:
    out_dir: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    totals: dict[str, str] = field(default_factory=dict)  # yuan as text
    calibration: dict[str, float] = field(default_factory=dict)
    anomalies: int = 0
    faults: int = 0
    seconds: float = 0.0


def _rng(cfg: SynthConfig, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([cfg.seed, *key])))


def build_world(cfg: SynthConfig) -> World:
    rng = _rng(cfg, 1)
    cat = Catalogue()
    insts = build_institutions(cfg, rng)
    pop = build_population(cfg, _rng(cfg, 2))
    dip = DipCatalogue(cat) if cfg.scheme == "dip" else None
    return World(cfg, cat, insts, build_foreign(), pop, case_mix(cat, insts), severity_map(cat), dip)


class Generator:
    def __init__(self, cfg: SynthConfig, out_dir: Path, progress: Progress | None = None):
        self.cfg = cfg
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.progress = progress or (lambda msg, done, total: None)
        self.world = build_world(cfg)
        self.plan = AnomalyPlans(self.world, cfg.anomalies, cfg.injections_per_pattern)
        self._grow_population()
        self.faults: FaultPlan = plan_faults(self.world, set(self.plan.used), cfg.faults, cfg.fmt)
        w = self.world
        self.codes_all = pa.array(list(w.insts.code) + list(w.foreign.code), pa.string())
        self.admdvs_all = pa.array([cfg.region] * w.insts.n + list(w.foreign.admdvs), pa.string())
        self.monthly: dict[str, dict[str, int]] = {}
        self.rows: dict[str, int] = defaultdict(int)
        self.calib: dict[str, int] = defaultdict(int)
        # per (pattern, copy of the injection): cases by period, and evidence counts by period
        self.tag_counts: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.evidence: dict[tuple[str, int], dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        self.fault_records: list[dict] = []
        self.files = 0
        self.ipt_local_insured: dict[str, int] = {}

    def _grow_population(self) -> None:
        """Hospitals given a pattern's volume (anomalies.VOLUME_FLOOR) treat more people: the
        insured grow by the same factor as the region's inpatient volume, so the 住院率 and the
        chance that one person is admitted twice by chance stay those of a real region (with the
        population unchanged, the natural 15-day readmission rate rose by a fifth region-wide and
        hid the injected readmissions). Clean regions of the seed get the same population."""
        enlarged = self.plan.enlarged
        if not enlarged:
            return
        ipt = self.world.insts.ipt_rate
        before = float(ipt.sum()) - sum(after - b for b, after in
                                        ((float(v[0]), float(ipt[i])) for i, v in enlarged.items()))
        factor = float(ipt.sum()) / before
        from dataclasses import replace

        self.world.pop = build_population(replace(self.cfg, scale=self.cfg.scale * factor), _rng(self.cfg, 2))
        self.plan.population_rebuilt()

    # ---- top level -----------------------------------------------------------------------

    def run(self) -> Summary:
        import time

        t0 = time.perf_counter()
        cfg = self.cfg
        total_steps = len(cfg.periods) + 2
        self.progress("生成机构与分组目录", 0, total_steps)
        self._write_static()
        for i, period in enumerate(cfg.periods):
            self.progress(f"生成 {period} 结算数据", i + 1, total_steps)
            self._month(i)
        self.progress("生成基金报表与真值文件", total_steps - 1, total_steps)
        self._write_fund_tables()
        gt = build_ground_truth(self)
        (self.out / "ground_truth.json").write_text(json.dumps(gt, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
                                                   encoding="utf-8")
        self.files += 1
        self.progress("完成", total_steps, total_steps)
        return self._summary(time.perf_counter() - t0, gt)

    def _path(self, table: str, period: str | None = None) -> Path:
        return self.out / file_name(table, period, self.cfg.fmt)

    def _write_single(self, table: str, cols: dict, n: int) -> None:
        t = typed_table(table, cols, n)
        self.rows[table] += write_table(self._path(table), table, t, self.cfg.fmt, self.cfg.encoding)
        self.files += 1

    # ---- static tables ---------------------------------------------------------------------

    def _write_static(self) -> None:
        cfg, w = self.cfg, self.world
        ins = w.insts
        first = cfg.periods[0]
        cols = defaultdict(list)
        for i in range(ins.n):
            rows = [(first, int(ins.beds[i]))]
            bed_change = [p for p in cfg.periods if self.plan.beds_after(i, p) != ins.beds[i]]
            if bed_change:
                rows.append((bed_change[0], self.plan.beds_after(i, bed_change[0])))
            for period, beds in rows:
                cols["fixmedins_code"].append(ins.code[i])
                cols["fixmedins_name"].append(ins.name[i])
                cols["fixmedins_type"].append(str(ins.fixmedins_type[i]))
                cols["hosp_lv"].append(ins.hosp_lv[i] or None)
                cols["inst_kind"].append(ins.kind[i] or None)
                cols["ownership"].append(ins.ownership[i])
                cols["admdvs"].append(cfg.region)
                cols["bed_cnt"].append(beds if ins.fixmedins_type[i] == "1" else None)
                cols["drg_dip_flag"].append("1" if ins.drg[i] else "0")
                cols["yigongti_id"].append(ins.yigongti[i] or None)
                cols["lon"].append(float(ins.lon[i]))
                cols["lat"].append(float(ins.lat[i]))
                cols["period"].append(period)
        self._write_single("fixmedins", cols, len(cols["fixmedins_code"]))
        cat = (w.dip or w.cat).catalogue_rows()
        n = len(cat["grp_code"])
        cat["weight"] = [float(x) for x in cat["weight"]]
        cat["pay_std"] = money_array(np.array(cat.pop("pay_std_fen"), dtype=np.int64))
        self._write_single("grp_catalog", cat, n)

    # ---- one month ---------------------------------------------------------------------------

    def _month(self, mi: int) -> None:
        cfg, w = self.cfg, self.world
        month = make_month(cfg, mi)
        p = month.period
        rng = _rng(cfg, 100 + mi)
        exp = expected_counts(w, month)
        missing = self.faults.missing(p)
        if missing is not None:
            for k in exp:
                exp[k] = exp[k].copy()
                exp[k][missing] = 0.0
        self.monthly[p] = defaultdict(int)
        self.declared = np.zeros(w.insts.n, dtype=np.int64)
        self.seq = 0
        writers = {t: TableWriter(self._path(t, p), t, cfg.fmt, cfg.encoding)
                   for t in ("setl_d", "setl_list", "setl_fee", "special_case")}
        self.writers = writers
        self.first_row: dict | None = None
        self.first_list_row: dict | None = None
        try:
            # outpatient and pharmacy: blocks over the month's rows
            otp_counts = rng.poisson(exp["otp"])
            rx_counts = rng.poisson(exp["rx"])
            # the discharge_jump fault multiplies the month's drawn count (the draws stay the same)
            ipt_counts = rng.poisson(exp["ipt"])
            jump = np.array([self.faults.ipt_factor(p, i) for i in range(w.insts.n)])
            if (jump != 1).any():  # at least 3x the institution's usual month, whatever was drawn
                ipt_counts = np.where(jump != 1, np.maximum(ipt_counts, np.round(exp["ipt"])) * jump,
                                      ipt_counts).astype(np.int64)
            n_else_ipt = rng.poisson(exp["ipt"].sum() * ELSEWHERE_SHARE_IPT)
            n_else_otp = rng.poisson(exp["otp"].sum() * ELSEWHERE_SHARE_OTP)
            for b, inst in enumerate(self._blocks(otp_counts)):
                brng = _rng(cfg, 100 + mi, 1, b)
                f, medfee, own = outpatient_frame(w, month, brng, inst)
                self.plan.edit_outpatient(month, f)
                f = finish_outpatient(w, f, medfee, own, False)
                self._emit(month, add_refunds_and_invalid(f, brng, month, protect_tagged=False))
            for b, inst in enumerate(self._blocks(rx_counts)):
                brng = _rng(cfg, 100 + mi, 4, b)
                f = pharmacy_frame(w, month, brng, inst)
                self._emit(month, add_refunds_and_invalid(f, brng, month))
            # inpatient (local institutions), anomalies, then 异地 cases
            irng = _rng(cfg, 100 + mi, 2)
            inst = np.repeat(np.arange(w.insts.n), ipt_counts)
            n_base = len(inst)
            f = inpatient_skeleton(w, month, irng, inst)
            extras = []
            arng = self.plan.rng
            for pattern, tag, xi in (self.plan.extra_inpatient(month, exp["ipt"]) if self.plan.enabled else []):
                x = inpatient_skeleton(w, month, arng, xi)
                x["tag"][:] = tag
                if pattern == "hospitalization_rate":
                    x["visitor"][:] = False
                    x["person"] = w.pop.sample(arng, month.index, np.full(len(xi), 0.3))
                extras.append(x)
            if extras:
                f = {k: np.concatenate([f[k]] + [x[k] for x in extras]) for k in f}
            self.plan.edit_inpatient(month, f)
            complete_inpatient(w, month, f, irng)
            person_frames = self.plan.person_rows(month, f)
            erng = _rng(cfg, 100 + mi, 3)
            ef = inpatient_skeleton(w, month, erng, elsewhere_institutions(w, erng, n_else_ipt), elsewhere=True)
            complete_inpatient(w, month, ef, erng)
            of, medfee, own = outpatient_frame(w, month, erng, elsewhere_institutions(w, erng, n_else_otp), elsewhere=True)
            of = finish_outpatient(w, of, medfee, own, True)
            # injected cases go after the base rows, so base rows keep their setl_id and draws
            n_all = len(f["kind"])
            base, extra = take(f, np.arange(n_base)), take(f, np.arange(n_base, n_all))
            block = add_refunds_and_invalid(concat([base, ef, of]), erng, month, protect_tagged=False)
            self._emit(month, concat([block, extra] + person_frames))
            self._write_row_faults(month)
        finally:
            for wr in writers.values():
                wr.close()
        for t, wr in writers.items():
            self.rows[t] += wr.rows
            if wr.rows == 0:  # a month without e.g. 特例单议: no header-only file
                wr.path.unlink()
            else:
                self.files += 1
        # clearing results per institution
        idx, ded, paid = clearing(self.declared, _rng(cfg, 100 + mi, 5))
        n = len(idx)
        self._write_single_period("clr_result", p, {
            "fixmedins_code": self.codes_all.take(pa.array(idx)),
            "period": [p] * n,
            "declared_amt": money_array(self.declared[idx]),
            "deducted_amt": money_array(ded),
            "paid_amt": money_array(paid),
        }, n)

    def _write_single_period(self, table, period, cols, n):
        t = typed_table(table, cols, n)
        self.rows[table] += write_table(self._path(table, period), table, t, self.cfg.fmt, self.cfg.encoding)
        self.files += 1

    def _blocks(self, counts: np.ndarray):
        """Institution index arrays of at most block_rows rows, in institution order."""
        cum = np.cumsum(counts)
        total = int(cum[-1]) if len(cum) else 0
        size = self.cfg.block_rows
        for a in range(0, total, size):
            rows = np.arange(a, min(total, a + size))
            yield np.searchsorted(cum, rows, side="right")

    # ---- emitting a block: tables + accumulators -------------------------------------------

    def _emit(self, month, f: dict) -> None:
        n = len(f["kind"])
        if n == 0:
            return
        cfg, w = self.cfg, self.world
        p = month.period
        yyyymm = p.replace("-", "")
        seq = self.seq + np.arange(n, dtype=np.int64)
        self.seq += n
        setl_id = padded(f"{cfg.region}{yyyymm}", seq, 10)
        mdtrt_seq = np.where(f["orig_pos"] >= 0, self.seq - n + f["orig_pos"], seq)
        mdtrt_id = padded(f"{cfg.region}{yyyymm}8", mdtrt_seq, 9)
        local_inst = f["inst"] >= 0
        where_idx = np.where(local_inst, f["inst"], w.insts.n + f["finst"])
        visitor = f["visitor"]
        person = f["person"]
        insu = np.where(visitor, visitor_admdvs(person), cfg.region)
        ident = person + np.where(visitor, 5_000_000_000, 0)
        cols = {
            "setl_id": setl_id, "mdtrt_id": mdtrt_id,
            "psn_no": psn_no(insu, person), "certno": fake_certno(ident), "psn_name": fake_name(ident),
            "insutype": pa.array(f["insutype"]), "psn_type": pa.array(f["psn_type"]),
            "med_type": pa.array(f["med_type"]), "clr_type": pa.array(f["clr_type"]),
            "fixmedins_code": self.codes_all.take(pa.array(where_idx)),
            "fix_blng_admdvs": self.admdvs_all.take(pa.array(where_idx)),
            "insu_admdvs": pa.array(insu),
            "begndate": pa.array(f["begn"]), "enddate": pa.array(f["end"]),
            "setl_time": pa.array(f["setl"]),
            "refd_setl_flag": pa.array(np.where(f["refd"] == 1, "1", "0")),
            "vali_flag": pa.array(np.where(f["vali"] == 1, "1", "0")),
            "setl_pay_way": pa.array(f["pay_way"]),
        }
        for m in MONEY_COLUMNS:
            cols[m] = money_array(f[m])
        table = typed_table("setl_d", cols, n)
        if self.first_row is None:
            self.first_row = {"line": self.writers["setl_d"].next_line, "table": table.slice(0, 1)}
        self.writers["setl_d"].write(table)
        self._linked_tables(month, f, setl_id)
        self._accumulate(month, f)

    def _linked_tables(self, month, f, setl_id) -> None:
        cat = self.world.cat
        p = month.period
        ipt_local = (f["kind"] == KIND_IPT) & (f["inst"] >= 0) & (f["refd"] == 0)
        # setl_list: uploaded lists
        qc_fault = self.faults.figure("qc_without_upload")
        qc = f["qc"].copy()
        upld = f["upld"].copy()
        if qc_fault and qc_fault[0] == p:
            hit = ipt_local & (f["inst"] == qc_fault[1])
            qc = np.where(hit, 1, qc).astype(np.int8)
            upld = np.where(hit, np.datetime64("NaT", "s"), upld)
            if hit.any():
                self._record_figure_fault("qc_without_upload", p, int(qc_fault[1]), {"lists": int(hit.sum())})
        li = np.flatnonzero(ipt_local & (qc >= 0))
        if len(li):
            t, codes = list_table(cat, self.codes_all, f, li, setl_id, qc, upld, self.world.dip)
            if self.first_list_row is None:
                self.first_list_row = {"line": self.writers["setl_list"].next_line, "table": t.slice(0, 1)}
            self.writers["setl_list"].write(t)
            self._collect_evidence(p, f, li, codes)
        # setl_fee: cost components of every local inpatient settlement
        fi = np.flatnonzero(ipt_local)
        if len(fi):
            self.writers["setl_fee"].write(fee_table(cat, f, fi, setl_id))
        # special_case
        si = np.flatnonzero(ipt_local & (f["special"] >= 0))
        if len(si):
            self.writers["special_case"].write(special_table(self.codes_all, f, si, setl_id))
            res = f["special"][si]
            ok = f["vali"][si] == 1
            self.calib["special_applied"] += int(ok.sum())
            self.calib["special_approved"] += int((ok & (res == 1)).sum())

    def _collect_evidence(self, p, f, li, codes) -> None:
        ev = self.evidence
        valid = f["vali"][li] == 1
        diag = self.world.cat.diag_codes[f["diag"][li]]
        for k, inj in self.plan.injections():
            if inj.pattern == "upcoding_severity":
                family = inj.params.get("dip_diagnosis", inj.params["adrg"])  # DIP: the diagnosis's 病种
                at = (f["inst"][li] == inj.inst) & valid & (np.char.startswith(codes, family))
                for c in codes[at]:
                    ev[(inj.pattern, k)][p][str(c)] += 1
            elif inj.pattern == "upcoding_diagnosis":
                at = (f["inst"][li] == inj.inst) & valid & np.char.startswith(diag, inj.params["category"])
                for d in diag[at]:
                    ev[(inj.pattern, k)][p][str(d)] += 1

    def _accumulate(self, month, f) -> None:
        p = month.period
        mo, cal = self.monthly[p], self.calib
        valid = f["vali"] == 1
        local_insured = ~f["visitor"]
        local_inst = f["inst"] >= 0
        emp = np.isin(f["insutype"], ("310", "320", "330", "340", "350", "360", "370"))
        res = np.isin(f["insutype"], ("380", "390", "391", "392"))
        hifp = f["hifp_pay"]
        base = valid & local_insured
        mo["emp_pool_local"] += int(hifp[base & emp & local_inst].sum())
        mo["emp_pool_elsewhere"] += int(hifp[base & emp & ~local_inst].sum())
        mo["res_pool_local"] += int(hifp[base & res & local_inst].sum())
        mo["res_pool_elsewhere"] += int(hifp[base & res & ~local_inst].sum())
        mo["maf_region"] += int(f["maf_pay"][base].sum())
        ipt, otp, rx = f["kind"] == KIND_IPT, f["kind"] == KIND_OTP, f["kind"] == KIND_RX
        mo["ipt_pool"] += int(hifp[base & ipt].sum())
        mo["otp_pool"] += int(hifp[base & (otp | rx)].sum())
        drg_inst = local_inst & self.world.insts.drg[np.maximum(f["inst"], 0)]
        mo["drg_pool"] += int(hifp[base & ipt & drg_inst].sum())
        count = valid & (f["refd"] == 0)
        mo["ipt_local_insured"] += int((count & ipt & local_insured).sum())
        # declared amounts per local institution (all insured)
        li = valid & local_inst
        np.add.at(self.declared, f["inst"][li], f["fund_pay_sumamt"][li])
        # calibration figures (local institutions, valid rows)
        c = count & local_inst
        cal["ipt_cases"] += int((c & ipt).sum())
        cal["otp_cases"] += int((c & otp).sum())
        cal["rx_cases"] += int((c & rx).sum())
        hosp = li & ~rx
        cal["medfee_hosp"] += int(f["medfee_sumamt"][hosp].sum())
        cal["fulamt_hosp"] += int(f["fulamt_ownpay_amt"][hosp].sum())
        ci = c & ipt
        cal["ipt_medfee"] += int(f["medfee_sumamt"][ci].sum())
        cal["ipt_inscp"] += int(f["inscp_scp_amt"][ci & local_insured].sum())
        cal["ipt_fund"] += int(f["fund_pay_sumamt"][ci & local_insured].sum())
        for who, mask in (("emp", emp), ("res", res)):
            cal[f"ipt_inscp_{who}"] += int(f["inscp_scp_amt"][ci & local_insured & mask].sum())
            cal[f"ipt_fund_{who}"] += int(f["fund_pay_sumamt"][ci & local_insured & mask].sum())
        lists = ci & (f["qc"] >= 0)
        cal["lists"] += int(lists.sum())
        cal["lists_qc_pass"] += int((lists & (f["qc"] == 1)).sum())
        cal["lists_grouped"] += int((lists & (f["group"] >= 0)).sum())
        cal["drg_discharges"] += int((ci & drg_inst).sum())
        cal["setl_rows"] += len(f["kind"])
        cal["refund_rows"] += int((f["refd"] == 1).sum())
        cal["invalid_rows"] += int((~valid).sum())
        cal["visitor_rows"] += int((f["visitor"]).sum())
        cal["elsewhere_rows"] += int((~local_inst).sum())
        tags = f["tag"][f["refd"] == 0]
        if tags.any():
            for t, k in zip(*np.unique(tags[tags > 0], return_counts=True)):
                self.tag_counts[pattern_of(t)][p] += int(k)

    # ---- faults ------------------------------------------------------------------------------

    def _record_figure_fault(self, kind, period, inst, extra=None):
        if any(r["kind"] == kind for r in self.fault_records):
            return
        w = self.world
        from .faults import FIGURE_FAULTS

        desc = {k: d for k, _, d in FIGURE_FAULTS}[kind]
        table = {k: t for k, t, _ in FIGURE_FAULTS}[kind]
        rec = {"kind": kind, "level": "figure", "table": table,
               "file": file_name(table, period if table != "fund_report" else None, self.cfg.fmt),
               "lines": [], "setl_id": None,
               "fixmedins_code": w.insts.code[inst] if inst is not None else None,
               "period": period, "description": desc}
        rec.update(extra or {})
        self.fault_records.append(rec)

    def _write_row_faults(self, month) -> None:
        cfg = self.cfg
        p = month.period
        yyyymm = p.replace("-", "")
        descs = {k: d for k, _, d in ROW_FAULTS}
        kinds = self.faults.row_faults_in(p, "setl_d")
        if kinds and self.first_row is not None:
            tmpl = {k: v[0] for k, v in as_text(self.first_row["table"]).to_pydict().items()}
            wr = self.writers["setl_d"]
            rows = []
            for kind in kinds:
                new_id = f"{cfg.region}{yyyymm}{self.seq:010d}"
                self.seq += 1
                r = fault_row(kind, tmpl, new_id, cfg.region)
                line = wr.next_line + len(rows)
                rows.append(r)
                lines = [self.first_row["line"], line] if kind == "duplicate_setl_id" else [line]
                self.fault_records.append({
                    "kind": kind, "level": "row", "table": "setl_d", "file": wr.path.name, "lines": lines,
                    "setl_id": r["setl_id"], "fixmedins_code": r["fixmedins_code"], "period": p,
                    "description": descs[kind]})
            wr.write_string_rows(rows)
        if self.faults.row_faults_in(p, "setl_list") and self.first_list_row is not None:
            wr = self.writers["setl_list"]
            r = {k: v[0] for k, v in as_text(self.first_list_row["table"]).to_pydict().items()}
            r["setl_id"] = f"{cfg.region}{yyyymm}9{self.seq:09d}"  # never issued to a settlement
            self.fault_records.append({
                "kind": "orphan_setl_list", "level": "row", "table": "setl_list", "file": wr.path.name,
                "lines": [wr.next_line], "setl_id": r["setl_id"], "fixmedins_code": r["fixmedins_code"],
                "period": p, "description": descs["orphan_setl_list"]})
            wr.write_string_rows([r])

    # ---- fund tables ---------------------------------------------------------------------------

    def _write_fund_tables(self) -> None:
        cfg = self.cfg
        periods = cfg.periods
        rows, self.fund_facts = fund_report(periods, self.monthly, self.faults)
        n = len(rows)
        self._write_single("fund_report", {
            "admdvs": [cfg.region] * n, "period": [r["period"] for r in rows], "fund": [r["fund"] for r in rows],
            "item": [r["item"] for r in rows], "amount": money_array(np.array([r["amount"] for r in rows], dtype=np.int64)),
        }, n)
        for kind in ("fund_expense_pool_mismatch", "fund_income_items_not_adding"):
            fig = self.faults.figure(kind)
            if fig:
                from .faults import EXPENSE_POOL_DELTA_FEN, INCOME_OTHER_DELTA_FEN

                if kind == "fund_expense_pool_mismatch":
                    extra = {"fund": "employee", "item": "expense_pool", "delta": fen_to_str(EXPENSE_POOL_DELTA_FEN)}
                else:
                    extra = {"fund": "resident", "item": "income_other", "delta": fen_to_str(INCOME_OTHER_DELTA_FEN)}
                line = 2 + next(i for i, r in enumerate(rows) if r["period"] == fig[0] and r["fund"] == extra["fund"]
                                and r["item"] == extra["item"])
                self._record_figure_fault(kind, fig[0], None, extra)
                self.fault_records[-1]["lines"] = [line]
        for kind in ("institution_missing_month", "discharge_jump"):
            fig = self.faults.figure(kind)
            if fig:
                self._record_figure_fault(kind, fig[0], fig[1], {"factor": 3.0} if kind == "discharge_jump" else None)
        pc = self.world.pop.psn_count_rows()
        n = len(pc["period"])
        self._write_single("psn_count", {"admdvs": [cfg.region] * n, **pc}, n)
        last12 = periods[-12:]
        sums = {k: sum(self.monthly[p][k] for p in last12) for k in ("ipt_pool", "otp_pool", "drg_pool")}
        b = budget_rows(int(periods[-1][:4]) + 1, sums)
        self._write_single("budget", {
            "admdvs": [cfg.region] * len(b), "year": [r["year"] for r in b], "item": [r["item"] for r in b],
            "amount": money_array(np.array([r["amount"] for r in b], dtype=np.int64))}, len(b))

    # ---- summary ----------------------------------------------------------------------------------

    def _summary(self, seconds: float, gt: dict) -> Summary:
        cal = self.calib
        pop = self.world.pop
        n_months = len(self.cfg.periods)
        avg_insured = float(np.mean(pop.employee_count + pop.resident_count))
        ipt_li = sum(self.monthly[p]["ipt_local_insured"] for p in self.cfg.periods)
        calibration = {
            "hospitalization_rate": round(ipt_li / avg_insured * 12 / n_months, 4),
            "otp_ipt_ratio": round(cal["otp_cases"] / max(1, cal["ipt_cases"]), 2),
            "out_of_list_share": round(cal["fulamt_hosp"] / max(1, cal["medfee_hosp"]), 4),
            "qc_pass_rate": round(cal["lists_qc_pass"] / max(1, cal["lists"]), 4),
            "grouping_rate": round(cal["lists_grouped"] / max(1, cal["lists"]), 4),
            "special_case_share": round(cal["special_approved"] / max(1, cal["drg_discharges"]), 4),
            "ipt_mean_cost_yuan": round(cal["ipt_medfee"] / max(1, cal["ipt_cases"]) / 100, 2),
            "policy_payment_ratio_employee": round(cal["ipt_fund_emp"] / max(1, cal["ipt_inscp_emp"]), 4),
            "policy_payment_ratio_resident": round(cal["ipt_fund_res"] / max(1, cal["ipt_inscp_res"]), 4),
            "beds_per_1000": round(float(self.world.insts.beds.sum()) / pop.insured_total(0) * 1000, 2),
        }
        calibration.update({f"months_payable:{k}": v for k, v in self.fund_facts["months_payable_end"].items()})
        totals = {
            "expense_pool_employee": fen_to_str(sum(self.monthly[p]["emp_pool_local"] for p in self.cfg.periods)),
            "expense_pool_resident": fen_to_str(sum(self.monthly[p]["res_pool_local"] for p in self.cfg.periods)),
        }
        return Summary(out_dir=str(self.out), rows=dict(sorted(self.rows.items())), files=self.files,
                       totals=totals, calibration=calibration, anomalies=len(gt["anomalies"]),
                       faults=len(gt["faults"]), seconds=round(seconds, 2))


def generate(cfg: SynthConfig, out_dir: str | Path, progress: Progress | None = None) -> Summary:
    """Generate a synthetic region into `out_dir`; return a summary of what was written."""
    return Generator(cfg, Path(out_dir), progress).run()
