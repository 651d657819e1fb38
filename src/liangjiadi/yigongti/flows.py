"""What the served insured of each 医共体 settled, and where (seeds/003 二: 县域医共体服务参保人员).

A person is served by the 医共体 of their county: the county in `yigongti_person` where the region
has that table, else the settlement's 参保地区划 (insu_admdvs). Where each settlement happened:
  member  — at a member of their 医共体 (域内)
  county  — elsewhere in the county (县域内, 医共体外)
  region  — elsewhere in the region (县域外)
  outside — outside the region (县域外, 异地)
The lake is read once per year pair: one aggregate by month, county, institution and kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import ibis

from .units import Institution, Unit

PLACES = ("member", "county", "region", "outside")
IN_COUNTY = ("member", "county")
OUTSIDE_YGT = ("county", "region", "outside")  # 域外: outside the 医共体
ZERO = Decimal(0)


@dataclass
class Flow:
    n: int = 0  # 人次 (non-refund rows)
    medfee: Decimal = ZERO
    hifp: Decimal = ZERO  # 统筹基金支出
    fund: Decimal = ZERO  # 基金支付总额 (不含个人账户)

    def add(self, other: "Flow") -> None:
        self.n += other.n
        self.medfee += other.medfee
        self.hifp += other.hifp
        self.fund += other.fund


@dataclass
class Flows:
    """(yigongti_id, period, place, kind, basic) -> Flow; kind ipt / otp / pharm."""
    cells: dict[tuple, Flow] = field(default_factory=dict)
    ipt_persons: dict[tuple[str, int], int] = field(default_factory=dict)  # (ygt, year) -> 住院人数
    region_hifp: dict[int, Decimal] = field(default_factory=dict)  # year -> every local insured's 统筹基金支出
    member_discharges: dict[tuple[str, str], int] = field(default_factory=dict)  # (member, period) -> 出院人次
    # (ygt, year, level) -> inpatient Flow by the institution's level (三级/二级/一级及以下/异地): 差别化支付
    ipt_by_level: dict[tuple[str, int, str], Flow] = field(default_factory=dict)
    # (ygt, year) -> (转诊住院人次, 其中连续计算起付线): None when the region hands in no referral marks
    referrals: dict[tuple[str, int], tuple[int, int]] | None = None
    notes: list[str] = field(default_factory=list)

    def total(self, ygt: str, *, periods=None, places=PLACES, kinds=("ipt", "otp", "pharm"),
              basic: bool | None = None) -> Flow:
        out = Flow()
        for (g, p, place, kind, b), f in self.cells.items():
            if g == ygt and place in places and kind in kinds and (periods is None or p in periods) \
                    and (basic is None or b == basic):
                out.add(f)
        return out


def year_months(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def read_flows(engine, settings, region: str, units: list[Unit], institutions: dict[str, Institution],
               years: list[int], through: str | None = None) -> Flows:
    own = settings.own_admdvs(region)
    flows = Flows()
    by_county: dict[str, Unit] = {}
    for u in units:
        if u.county in by_county:
            flows.notes.append(f"县 {u.county} 有多个医共体（{by_county[u.county].yigongti_id}、{u.yigongti_id}），"
                               f"按县归属的参保人员计入 {by_county[u.county].yigongti_id}。")
            continue
        by_county[u.county] = u
    periods = [p for y in years for p in year_months(y) if through is None or p <= through]
    s = engine.region_table("setl_d", settings, region, periods=periods)
    s = s.filter(s.period.isin(periods), (s.vali_flag == "1") | s.vali_flag.isnull())
    if engine.region_has_data("yigongti_person", settings, region):
        pt = engine.region_table("yigongti_person", settings, region)
        pt = pt.select(p_psn=pt.psn_no, p_county=pt.county_admdvs)
        j = s.left_join(pt, s.psn_no == pt.p_psn)
        s = j.mutate(county=ibis.coalesce(j.p_county, j.insu_admdvs))
    else:
        s = s.mutate(county=s.insu_admdvs)
    inpatient = [str(x) for x in settings.inpatient_med_types]
    pharmacy = [str(x) for x in settings.pharmacy_med_types]
    s = s.mutate(
        kind=ibis.cases((s.med_type.isin(inpatient), "ipt"), (s.med_type.isin(pharmacy), "pharm"), else_="otp"),
        nr=((s.refd_setl_flag == "0") | s.refd_setl_flag.isnull()).ifelse(1, 0),
        local=s.insu_admdvs.isin(own) | s.county.isin(list(by_county)),
    )
    local = s.filter(s.local)
    region_agg = local.group_by(yr=local.period.substr(0, 4)).aggregate(hifp=local.hifp_pay.sum())
    for r in engine.to_pyarrow(region_agg).to_pylist():
        flows.region_hifp[int(r["yr"])] = Decimal(str(r["hifp"] or 0))
    served = s.filter(s.county.isin(list(by_county)))
    agg = served.group_by(["period", "county", "fixmedins_code", "fix_blng_admdvs", "kind"]).aggregate(
        n=served.nr.sum(), medfee=served.medfee_sumamt.sum(), hifp=served.hifp_pay.sum(),
        fund=served.fund_pay_sumamt.sum())
    for r in engine.to_pyarrow(agg).to_pylist():
        u = by_county[r["county"]]
        inst = institutions.get(r["fixmedins_code"])
        if r["fixmedins_code"] in u.members:
            place = "member"
        elif (inst.county if inst else r["fix_blng_admdvs"]) == u.county and r["fix_blng_admdvs"] in own:
            place = "county"
        elif r["fix_blng_admdvs"] in own:
            place = "region"
        else:
            place = "outside"
        basic = bool(inst and inst.basic and place in IN_COUNTY)
        key = (u.yigongti_id, r["period"], place, r["kind"], basic)
        flows.cells.setdefault(key, Flow()).add(Flow(int(r["n"] or 0), _d(r["medfee"]), _d(r["hifp"]), _d(r["fund"])))
        if r["kind"] == "ipt":
            level = "异地" if place == "outside" else (inst.level if inst else "未知等级")
            lk = (u.yigongti_id, int(r["period"][:4]), level)
            flows.ipt_by_level.setdefault(lk, Flow()).add(
                Flow(int(r["n"] or 0), _d(r["medfee"]), _d(r["hifp"]), _d(r["fund"])))
        if place == "member" and r["kind"] == "ipt":
            mk = (r["fixmedins_code"], r["period"])
            flows.member_discharges[mk] = flows.member_discharges.get(mk, 0) + int(r["n"] or 0)
    ipt = served.filter((served.kind == "ipt") & (served.nr == 1))
    persons = ipt.group_by(["county", ipt.period.substr(0, 4).name("yr")]).aggregate(n=ipt.psn_no.nunique())
    for r in engine.to_pyarrow(persons).to_pylist():
        u = by_county[r["county"]]
        key = (u.yigongti_id, int(r["yr"]))
        flows.ipt_persons[key] = flows.ipt_persons.get(key, 0) + int(r["n"])
    if engine.region_has_data("yigongti_referral", settings, region):
        flows.referrals = _referrals(engine, settings, region, ipt, by_county)
    return flows


def _referrals(engine, settings, region: str, ipt, by_county: dict[str, Unit]) -> dict[tuple[str, int], tuple[int, int]]:
    """连续计算起付线 (seeds/003 三: 对符合规定的转诊住院患者连续计算起付线): the served insured's
    inpatient settlements marked as referrals, and those whose 起付线 was counted continuously."""
    rt = engine.region_table("yigongti_referral", settings, region)
    rt = rt.select(r_setl=rt.setl_id, cont=rt.cont_dedc_flag)
    j = ipt.inner_join(rt, ipt.setl_id == rt.r_setl)
    agg = j.group_by(["county", j.period.substr(0, 4).name("yr")]).aggregate(
        n=j.count(), cont=(j.cont == "1").ifelse(1, 0).sum())
    out: dict[tuple[str, int], tuple[int, int]] = {}
    for r in engine.to_pyarrow(agg).to_pylist():
        key = (by_county[r["county"]].yigongti_id, int(r["yr"]))
        n, c = out.get(key, (0, 0))
        out[key] = (n + int(r["n"]), c + int(r["cont"] or 0))
    return out


def _d(x) -> Decimal:
    return ZERO if x is None else Decimal(str(x))


def served_counts(engine, settings, region: str, units: list[Unit], year: int) -> dict[str, tuple[int | None, str]]:
    """服务参保人员数量 per 医共体: persons attributed in yigongti_person, else the county's 参保人数
    (psn_count, basic schemes) in December (or the latest month of the year it has)."""
    from ..indicators.context import PSN_EMPLOYEE, PSN_RESIDENT

    out: dict[str, tuple[int | None, str]] = {}
    counties = {u.county for u in units}
    listed: dict[str, int] = defaultdict(int)
    if engine.region_has_data("yigongti_person", settings, region):
        pt = engine.region_table("yigongti_person", settings, region)
        for r in engine.to_pyarrow(pt.group_by("county_admdvs").aggregate(n=pt.count())).to_pylist():
            listed[r["county_admdvs"]] = int(r["n"])
    monthly: dict[str, dict[str, int]] = defaultdict(dict)
    if engine.region_has_data("psn_count", settings, sorted(counties)):
        # each county's own rows: psn_count is partitioned by the row's admdvs
        t = engine.region_table("psn_count", settings, sorted(counties), periods=year_months(year))
        t = t.filter(t.period.isin(year_months(year)),
                     t.insutype.isin(list(PSN_EMPLOYEE + PSN_RESIDENT)))
        for r in engine.to_pyarrow(t.group_by(["admdvs", "period"]).aggregate(n=t.psn_cnt.sum())).to_pylist():
            monthly[r["admdvs"]][r["period"]] = int(r["n"] or 0)
    for u in units:
        if listed.get(u.county):
            out[u.yigongti_id] = (listed[u.county], "参保人员归属县表（yigongti_person）")
        elif monthly.get(u.county):
            last = max(monthly[u.county])
            out[u.yigongti_id] = (monthly[u.county][last], f"参保人数表（psn_count）该县 {last} 月末数")
        else:
            out[u.yigongti_id] = (None, "缺少该县参保人数（psn_count 按县区划）或参保人员归属县表")
    return out
