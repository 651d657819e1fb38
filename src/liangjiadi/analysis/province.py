"""A province's lake: every region's quarter computed on the configured engine, the regions' key
figures side by side and ranked, and each region's quarterly submission (seeds/000 第八条:
重点病组分析、主要医疗机构间的比较结果、职工门诊统筹).

The submission has the sheets and columns of the one format the province imports
(workgroup/province.py SHEETS); this module only gathers the figures, from the same indicator
results, window rules and case definitions every release uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from .. import lake
from ..config import Settings
from ..period import Window
from ..schema.codes import EMPLOYEE_INSUTYPES
from .common import engine_for
from .contents import group_names

# the region-level figures compared across the province (indicator id, higher is "more")
KEY_FIGURES = ("8", "10", "36", "37", "38", "39", "40", "30", "45", "48")
KEY_GROUPS = 10  # 重点病组: the region's most frequent groups of the quarter
MAIN_INSTITUTION_LEVELS = ("三级", "二级")  # 主要医疗机构: the hospitals that take most DRG/DIP cases


@dataclass
class RegionQuarter:
    region: str
    window: Window
    figures: dict[str, Decimal | None]  # KEY_FIGURES -> the window's region value
    names: dict[str, str]  # indicator id -> name
    submission: dict[str, list[dict]] = field(default_factory=dict)


def lake_regions(settings: Settings) -> list[str]:
    """The regions whose settlements the lake holds (a configured county of a region is not a region)."""
    counties = set(settings.region_county_admdvs)
    return sorted({a for a, _ in lake.partitions(Path(settings.workdir), "setl_d")} - counties)


def compute_region_quarter(settings: Settings, region: str, window: Window,
                           on_month: Callable[[str], None] | None = None) -> RegionQuarter:
    """Compute the region's months of the window (saved as runs, like `compute`) and gather its
    key figures and submission."""
    from ..indicators import compute
    from ..indicators.registry import load_indicators
    from ..indicators.window import index_rows_over, window_results

    own = settings.model_copy(update={"region_admdvs": region})
    indicators = {i.id: i for i in load_indicators(own)}
    months = window.month_keys
    monthly: dict[str, pa.Table] = {}
    with engine_for(own) as engine:
        for month in months:
            if on_month:
                on_month(month)
            monthly[month] = compute(month, own, engine=engine)
        values = window_results(window, monthly, indicators, index_rows=index_rows_over(engine, own, region, window))
        rows = values.to_pylist()
        figures = {r["indicator_id"]: r["value"] for r in rows
                   if r["fixmedins_code"] is None and r["indicator_id"] in KEY_FIGURES}
        submission = {
            "重点病组": _key_groups(engine, own, region, months),
            "机构比较": _main_institutions(engine, own, region, months, rows),
            "职工门诊统筹": _employee_outpatient(engine, own, region, months),
        }
    return RegionQuarter(region, window, {i: figures.get(i) for i in KEY_FIGURES},
                         {i: indicators[i].name for i in KEY_FIGURES if i in indicators}, submission)


def ranked(quarters: list[RegionQuarter]) -> dict[str, dict[str, int | None]]:
    """Each key figure's rank within the province (1 = the largest value; no value, no rank)."""
    out: dict[str, dict[str, int | None]] = {}
    for fid in KEY_FIGURES:
        have = sorted((q for q in quarters if q.figures.get(fid) is not None),
                      key=lambda q: (-q.figures[fid], q.region))
        ranks = {q.region: n for n, q in enumerate(have, start=1)}
        out[fid] = {q.region: ranks.get(q.region) for q in quarters}
    return out


def _text(value) -> str | None:
    return None if value is None else str(value)


def _money(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _key_groups(engine, settings, region, months) -> list[dict]:
    """The quarter's most frequent DRG/DIP groups at the region's institutions: cases, cost per
    case and 统筹基金支出 (the indicators' inpatient-case definition)."""
    from ..indicators.context import Ctx

    ctx = Ctx(engine, settings, months[-1], region)
    j = ctx.inpatient_cases(months)
    j = j.filter(j.grouped == 1)
    agg = j.group_by("grp_code").aggregate(n=j.count(), cost=j.medfee_sumamt.sum(), fund=j.hifp_pay.sum())
    groups = sorted(ctx.run(agg).to_pylist(), key=lambda r: (-r["n"], r["grp_code"]))[:KEY_GROUPS]
    names = group_names(ctx)
    return [{"病组编码": g["grp_code"], "病组名称": names.get(g["grp_code"], ""), "病例数": str(g["n"]),
             "次均费用": _money(Decimal(g["cost"] or 0) / g["n"]) if g["n"] else None,
             "统筹基金支出": _money(g["fund"] or 0)} for g in groups]


def _main_institutions(engine, settings, region, months, rows: list[dict]) -> list[dict]:
    """The region's tertiary and secondary hospitals on the window's 出院人次, 次均住院费用 and the
    two consumption indices (the figures 000 第八条's 主要医疗机构间的比较 is about)."""
    from ..indicators.context import Ctx

    by_inst: dict[str, dict[str, object]] = {}
    for r in rows:
        if r["fixmedins_code"] and r["indicator_id"] in ("39", "37", "44", "43"):
            by_inst.setdefault(r["fixmedins_code"], {})[r["indicator_id"]] = r["value"]
    insts = Ctx(engine, settings, months[-1], region).fixmedins
    out = []
    for code, inst in sorted(insts.items()):
        level = inst.level_group
        if not any(level.startswith(lv) for lv in MAIN_INSTITUTION_LEVELS) or code not in by_inst:
            continue
        v = by_inst[code]
        out.append({"单位编码": code, "单位名称": inst.name or code, "单位级别": level,
                    "出院人次": _text(v.get("39")), "次均费用": _money(v.get("37")) if v.get("37") is not None else None,
                    "费用消耗指数": _text(v.get("44")), "时间消耗指数": _text(v.get("43"))})
    out.sort(key=lambda r: (r["单位级别"], -(Decimal(r["出院人次"]) if r["出院人次"] else Decimal(0)), r["单位编码"]))
    return out


def _employee_outpatient(engine, settings, region, months) -> list[dict]:
    """职工医保 outpatient (门诊统筹) at the region's institutions in the quarter: 人次, 统筹基金支出
    and per visit; the pilot's own policy figures are the region's to add."""
    from ..indicators.context import Ctx

    ctx = Ctx(engine, settings, months[-1], region)
    t = ctx.settlements(months)
    t = t.filter(t.fix_blng_admdvs.isin(ctx.own), t.insutype.isin(EMPLOYEE_INSUTYPES), ctx.kind(t) == "otp")
    nonrefund = ((t.refd_setl_flag == "0") | t.refd_setl_flag.isnull()).ifelse(1, 0)
    got = ctx.run(t.aggregate(n=nonrefund.sum(), fund=t.hifp_pay.sum(), persons=t.psn_no.nunique())).to_pylist()
    n = int((got[0]["n"] if got else 0) or 0)
    fund = Decimal((got[0]["fund"] if got else 0) or 0)
    persons = int((got[0]["persons"] if got else 0) or 0)
    return [{"指标": "职工医保门诊人次", "值": str(n)},
            {"指标": "职工医保门诊就诊人数", "值": str(persons)},
            {"指标": "职工医保门诊统筹基金支出（元）", "值": _money(fund)},
            {"指标": "职工医保门诊次均统筹基金支出（元）", "值": _money(fund / n) if n else None}]
