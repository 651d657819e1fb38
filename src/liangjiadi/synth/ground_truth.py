"""ground_truth.json: what was injected, where, when and how strongly (format: docs/synth.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..schema.codes import HOSP_LV, level_group
from .anomalies import SIZE_UNIT, SIZE_UNIT_DIP
from .population import psn_no

if TYPE_CHECKING:
    from .generator import Generator

FORMAT_VERSION = 1

PATTERN_CN = {
    "upcoding_severity": "高套病组（ADRG 内严重并发症组占比上升）",
    "upcoding_diagnosis": "高靠诊断（ICD-10 类目内高值亚目占比上升）",
    "readmission_15d": "15 天内再入院 / 分解住院",
    "low_standard_admission": "低标入院（低权重病组集中）",
    "outpatient_inpatient_ratio": "拉人头住院（门诊住院人次比偏低）",
    "out_of_list_share": "转嫁负担（医保外费用占比偏高）",
    "admission_surge": "诱导住院（出院人次激增，床位未增）",
    "basic_groups_in_tertiary": "三级医院收治基层病组",
    "cost_deviation": "常见病组例均费用偏离同级",
    "co_admission_cluster": "组团住院",
    "impossible_travel": "逻辑验证（短时间内异地两处结算）",
    "hospitalization_rate": "住院率偏高（统筹地区）",
    "structure_shift": "结构偏移（病例向高付费组漂移）",
    "beds_turnover": "床位大增而周转偏低",
}


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return round(float(v), 6)
    return v


def build_ground_truth(gen: Generator) -> dict:
    cfg, w, plan = gen.cfg, gen.world, gen.plan
    ins = w.insts
    anomalies = []
    if plan.enabled:
        for k, inj in plan.injections():
            pattern = inj.pattern
            counts = dict(sorted(gen.tag_counts.get((pattern, k), {}).items()))
            entry = {
                "pattern": pattern,
                "name": PATTERN_CN[pattern],
                "scope": inj.scope,
                "fixmedins_code": ins.code[inj.inst] if inj.inst is not None else None,
                "fixmedins_name": ins.name[inj.inst] if inj.inst is not None else None,
                "hosp_lv": ins.hosp_lv[inj.inst] if inj.inst is not None else None,
                "level_group": level_group(ins.hosp_lv[inj.inst]) if inj.inst is not None else None,
                "periods": inj.periods,
                "baseline_periods": inj.baseline,
                "effect": inj.effect,
                "parameters": _jsonable(inj.params),
                "cases_by_period": counts,
                "cases_total": int(sum(counts.values())),
                "injected_size": round(plan.size(k, pattern), 2),
                "injected_size_unit": (SIZE_UNIT_DIP if cfg.scheme == "dip" else SIZE_UNIT)[pattern],
                "notes": inj.notes,
            }
            if inj.persons:
                persons = sorted(set(inj.persons))
                entry["psn_no"] = psn_no(np.full(len(persons), cfg.region), np.array(persons)).to_pylist()
            if cfg.injections_per_pattern > 1:  # which copy of the pattern (0 = the first)
                entry["copy"] = k
            ev = gen.evidence.get((pattern, k))
            if ev:
                entry["evidence"] = _evidence_by_window(ev, inj.baseline, inj.periods)
            if pattern == "hospitalization_rate":
                entry["evidence"] = _rate_evidence(gen, inj.baseline, inj.periods)
            if pattern == "beds_turnover":
                first = inj.periods[0]
                entry["evidence"] = {"bed_cnt_before": int(ins.beds[inj.inst]),
                                     "bed_cnt_after": plan.beds_after(inj.inst, first),
                                     "bed_change_period": first}
                entry["injected_size"] = float(plan.beds_after(inj.inst, first) - int(ins.beds[inj.inst]))
            anomalies.append(entry)
    faults = sorted(gen.fault_records, key=lambda r: (r["level"] != "row", r["period"], r["kind"]))
    return {
        "format_version": FORMAT_VERSION,
        "generator": "liangjiadi.synth",
        "region": cfg.region,
        "region_name": cfg.region_name,
        "scheme": cfg.scheme.upper(),
        "seed": cfg.seed,
        "scale": cfg.scale,
        "months": cfg.months,
        "first_period": cfg.periods[0],
        "end_month": cfg.end_month,
        "format": cfg.fmt,
        "encoding": cfg.encoding,
        "anomalies_enabled": cfg.anomalies,
        "faults_enabled": cfg.faults,
        "effect": cfg.effect,
        "pattern_effects": dict(sorted(cfg.pattern_effects.items())),
        **({"injections_per_pattern": cfg.injections_per_pattern} if cfg.injections_per_pattern > 1 else {}),
        "baseline_periods": cfg.baseline_periods,
        "affected_periods": cfg.affected_periods,
        "hosp_lv_names": HOSP_LV,
        "fund_opening_balance": {k: f"{v / 100:.2f}" for k, v in gen.fund_facts["opening_balance_fen"].items()},
        "anomalies": anomalies,
        "faults": faults,
    }


def _evidence_by_window(ev: dict, baseline: list[str], affected: list[str]) -> dict:
    def total(periods):
        out: dict[str, int] = {}
        for p in periods:
            for k, v in ev.get(p, {}).items():
                out[k] = out.get(k, 0) + v
        return dict(sorted(out.items()))

    return {"baseline_counts": total(baseline), "affected_counts": total(affected)}


def _rate_evidence(gen: Generator, baseline: list[str], affected: list[str]) -> dict:
    pop = gen.world.pop
    periods = gen.cfg.periods

    def rate(ps):
        if not ps:
            return None
        cases = sum(gen.monthly[p]["ipt_local_insured"] for p in ps)
        insured = np.mean([pop.insured_total(periods.index(p)) for p in ps])
        return round(cases / insured * 12 / len(ps), 4)

    return {"baseline_rate_per_year": rate(baseline), "affected_rate_per_year": rate(affected),
            "definition": "本地参保人员出院人次（含异地就医，不含退费与无效）/ 月末参保人数均值，年化"}
