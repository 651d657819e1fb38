"""Reading a region's year from the lake (through the engine, as the indicators do) into the
plain values of payment.model: cases, institutions, catalogue, budget and the optional inputs.

Cases are the indicators' (indicators/payment.py): valid (vali_flag 1 or blank), non-refund
inpatient settlements at local institutions (fix_blng_admdvs = the region or one of its counties,
`Settings.own_admdvs`: county hospitals share the region's rate, seeds/003 三), of every insured;
here only at DRG/DIP institutions (drg_dip_flag = 1 as of the year's end). Grouped = a list
whose grp_code is not blank, QY… or 0000; the 特例单议 application is linked by setl_id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..config import Settings
from ..schema import SNAPSHOT_PERIOD, level_group
from .model import AssessInputs, Case, Institution

LEVEL_OF_PAY_LEVEL = {"3": "三级", "2": "二级", "1": "一级及以下"}


def _dec(x) -> Decimal:
    if x is None:
        return Decimal(0)
    return x if isinstance(x, Decimal) else Decimal(str(x))


@dataclass
class RegionYear:
    region: str
    year: int
    institutions: dict[str, Institution]
    cases: dict[int, list[Case]]  # year -> cases (the year and its reference years)
    catalog: dict[str, dict[str, Decimal]]  # grp_type -> {grp_code: weight}
    catalog_basic: dict[str, set[str]]  # grp_type -> basic groups
    budget: Decimal | None  # budget.drg_dip_pool of the year
    pay_coef: dict[str, Decimal] = field(default_factory=dict)
    bed_day_rates: dict[str, Decimal] = field(default_factory=dict)
    day_surgery: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # grp_type -> {code: std}
    list_types: dict[str, int] = field(default_factory=dict)  # grp_type -> grouped cases (the year)
    extras: AssessInputs = field(default_factory=AssessInputs)
    cmi: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # month -> institution -> CMI (indicator)


def _months(first_year: int, last_year: int) -> list[str]:
    return [f"{y:04d}-{m:02d}" for y in range(first_year, last_year + 1) for m in range(1, 13)]


def read(engine, settings: Settings, region: str, year: int, first_year: int) -> RegionYear:
    """The year's inputs; cases from `first_year` (the oldest reference year) to `year`."""
    def table(name, periods=None):  # the region's partitions only (engine.region_partitions)
        return engine.region_table(name, settings, region, periods=periods)

    own = settings.own_admdvs(region)  # the 统筹地区's code and its counties'
    inst = _institutions(engine, table, own, year)
    s = table("setl_d", _months(first_year, year))
    s = s.filter(
        s.period.isin(_months(first_year, year)),
        (s.vali_flag == "1") | s.vali_flag.isnull(),
        (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull(),
        s.fix_blng_admdvs.isin(own),
        s.med_type.isin([str(x) for x in settings.inpatient_med_types]),
        s.fixmedins_code.isin(sorted(inst) or [""]),
    ).select("setl_id", "period", "fixmedins_code", "medfee_sumamt", "hifp_pay", "setl_pay_way",
             "psn_no", "begndate", "enddate")
    lt = table("setl_list")
    code = lt.grp_code.strip().upper()
    lst = lt.select(l_setl_id=lt.setl_id, grp_code=code, grp_type=lt.grp_type,
                    days=lt.act_ipt_days, dscg_way=lt.dscg_way, oprn_code=lt.main_oprn_code.strip().upper())
    st = table("special_case")
    sc = st.filter(st.audit_result == "1").select(c_setl_id=st.setl_id)
    dt = table("setl_diag", _months(year, year))
    dt = dt.filter(dt.period.isin(_months(year, year)))
    arose = ((dt.maindiag_flag == "0") & (dt.adm_cond_type == "4")).ifelse(1, 0)
    dg = dt.group_by(d_setl_id=dt.setl_id).aggregate(diag_n=dt.count(), comp_n=arose.sum())
    j = (s.left_join(lst, s.setl_id == lst.l_setl_id).left_join(sc, s.setl_id == sc.c_setl_id)
         .left_join(dg, s.setl_id == dg.d_setl_id))
    j = j.select("setl_id", "period", "fixmedins_code", "medfee_sumamt", "hifp_pay", "setl_pay_way",
                 "psn_no", "begndate", "enddate", "grp_code", "grp_type", "days", "dscg_way", "oprn_code",
                 "diag_n", "comp_n", special=j.c_setl_id.notnull())
    rows = engine.to_pyarrow(j.order_by(["period", "setl_id"])).to_pylist()
    cases: dict[int, list[Case]] = {y: [] for y in range(first_year, year + 1)}
    list_types: dict[str, int] = {}
    for r in rows:
        g = r["grp_code"]
        grouped = bool(g) and not g.startswith("QY") and g != "0000"
        y = int(r["period"][:4])
        if grouped and y == year and r["grp_type"]:
            list_types[r["grp_type"]] = list_types.get(r["grp_type"], 0) + 1
        cases[y].append(Case(
            setl_id=r["setl_id"], inst=r["fixmedins_code"], month=r["period"],
            grp_code=g if grouped else None, cost=_dec(r["medfee_sumamt"]), fund=_dec(r["hifp_pay"]),
            days=r["days"], pay_way=r["setl_pay_way"] or "drg_std", special_ok=bool(r["special"]),
            psn=r["psn_no"], admitted=str(r["begndate"]) if r["begndate"] else None,
            discharged=str(r["enddate"]) if r["enddate"] else None, dscg_way=r["dscg_way"],
            oprn_code=r["oprn_code"] or None, diag_supplied=bool(r["diag_n"]), complication=bool(r["comp_n"]),
        ))
    catalog: dict[str, dict[str, Decimal]] = {}
    basic: dict[str, set[str]] = {}
    for r in engine.to_pyarrow(table("grp_catalog").select(
            "grp_type", "grp_code", "weight", "basic_grp_flag")).to_pylist():
        code_ = (r["grp_code"] or "").strip().upper()
        catalog.setdefault(r["grp_type"], {})[code_] = _dec(r["weight"])
        if r["basic_grp_flag"] == "1":
            basic.setdefault(r["grp_type"], set()).add(code_)
    b = table("budget")
    b = b.filter((b.year == year) & (b.item == "drg_dip_pool"))
    budget_rows = engine.to_pyarrow(b.select("amount")).to_pylist()
    budget = sum((_dec(r["amount"]) for r in budget_rows), Decimal(0)) if budget_rows else None
    out = RegionYear(region, year, inst, cases, catalog, basic, budget, list_types=list_types)
    _optional_inputs(engine, table, year, out)
    out.extras = AssessInputs(
        diag_supplied=engine.region_has_data("setl_diag", settings, region),
        oprn_grades=_oprn_grades(engine, table) if engine.region_has_data("oprn_grade", settings, region) else None,
        satisfaction=_satisfaction(engine, table, year) if engine.region_has_data("patient_satisfaction", settings, region) else None,
        findings=findings_by_institution(settings.workdir, region, _months(year, year)),
    )
    out.cmi = stored_cmi(settings.workdir, region, _months(year, year))
    return out


def stored_cmi(workdir, region: str, months: list[str]) -> dict[str, dict[str, Decimal]]:
    """Each institution's CMI of each month as the indicators computed and stored it (the newest run)."""
    from ..indicators.results import load_results

    out: dict[str, dict[str, Decimal]] = {}
    for month in months:
        table = load_results(workdir, region, month)
        if table is None:
            continue
        rows = [r for r in table.to_pylist() if r["indicator_id"] == "CMI" and r["fixmedins_code"]
                and r["value"] is not None]
        if rows:
            out[month] = {r["fixmedins_code"]: _dec(r["value"]) for r in rows}
    return out


def _oprn_grades(engine, table) -> dict[str, str]:
    rows = engine.to_pyarrow(table("oprn_grade").select("oprn_code", "oprn_grade")).to_pylist()
    return {(r["oprn_code"] or "").strip().upper(): r["oprn_grade"] for r in rows}


def _satisfaction(engine, table, year: int) -> dict[str, tuple[int, int]]:
    """fixmedins_code -> (满意患者数, 接受调查患者数) of the year."""
    t = table("patient_satisfaction")
    rows = engine.to_pyarrow(t.filter(t.year == year).select("fixmedins_code", "satisfied_cnt", "surveyed_cnt"))
    return {r["fixmedins_code"]: (int(r["satisfied_cnt"]), int(r["surveyed_cnt"])) for r in rows.to_pylist()}


def findings_by_institution(workdir, region: str, months: list[str]) -> dict[str, dict[str, dict[str, int]]] | None:
    """The detectors' findings of the year, as stored (the newest detection run of each month):
    month -> institution -> pattern -> number of findings. A merged 线索 counts once for each of
    its patterns. None when no month of the year was examined (the indicators say 缺少数据)."""
    from ..anomalies.model import row_patterns
    from ..anomalies.runner import load_findings

    out: dict[str, dict[str, dict[str, int]]] = {}
    for month in months:
        table = load_findings(workdir, region, month)
        if table is None:
            continue
        mine = out.setdefault(month, {})
        for row in table.to_pylist():
            code = row.get("fixmedins_code")
            if not code:
                continue
            for pattern in row_patterns(row):
                per = mine.setdefault(code, {})
                per[pattern] = per.get(pattern, 0) + 1
    return out or None


def _institutions(engine, table, own: list[str], year: int) -> dict[str, Institution]:
    """DRG/DIP institutions of the region, each as of the year's end (greatest period ≤ Dec):
    those under its code and its counties' (`own`). County hospitals are paid from the same
    fund at the same rate: they "执行全市统一的病组（种）及权重（分值），共同参与全市付费费率
    （点值）计算" (seeds/003 三; docs/payment.md 第 2 节)."""
    t = table("fixmedins")
    end = f"{year:04d}-12"
    t = t.filter(t.admdvs.isin(own), t.period.isnull() | (t.period <= end))
    best: dict[str, dict] = {}
    for r in engine.to_pyarrow(t.select("fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv",
                                        "drg_dip_flag", "period")).to_pylist():
        r["period"] = r["period"] or SNAPSHOT_PERIOD
        cur = best.get(r["fixmedins_code"])
        if cur is None or r["period"] >= cur["period"]:
            best[r["fixmedins_code"]] = r
    return {c: Institution(c, level_group(r["hosp_lv"]), r["fixmedins_name"] or "")
            for c, r in sorted(best.items())
            if r["fixmedins_type"] == "1" and r["drg_dip_flag"] == "1"}


def _optional_inputs(engine, table, year: int, out: RegionYear) -> None:
    t = table("pay_coef")
    for r in engine.to_pyarrow(t.filter(t.year == year).select("fixmedins_code", "adj_coef")).to_pylist():
        out.pay_coef[r["fixmedins_code"]] = _dec(r["adj_coef"])
    t = table("bed_day_rate")
    for r in engine.to_pyarrow(t.filter(t.year == year).select("pay_level", "day_rate")).to_pylist():
        out.bed_day_rates[LEVEL_OF_PAY_LEVEL[r["pay_level"]]] = _dec(r["day_rate"])
    t = table("day_surgery")
    for r in engine.to_pyarrow(t.filter(t.year == year).select("grp_type", "grp_code", "pay_std")).to_pylist():
        out.day_surgery.setdefault(r["grp_type"], {})[(r["grp_code"] or "").strip().upper()] = _dec(r["pay_std"])
