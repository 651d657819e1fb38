"""The year's 县域医共体 figures as one JSON-ready document: what `release create` freezes into a
bundle (yigongti.json) and what the county report and the members' pushes print (reports/county.py).

Per 医共体, as of the last month the year has (a release's month): the budget and 家庭医生签约服务费,
each month's quota, 域外 spending, deduction, carry and disbursement (seeds/003 二: 按月拨付, 域外支出
在结算时应从预算总额中扣减), the 域内 and 域外 spending to date and the balance left, the assessment
table with every annex indicator's formula, source, numerator, denominator, value and score, the
monitoring months, warnings and signals (四), and — once December is in — the year-end clearing
(三: 结余留用、合理超支分担). Money and ratios are decimal strings, exact to the fen.
"""

from __future__ import annotations

from decimal import Decimal

from .assess import ANNEX_SOURCE
from .budget import ZERO, fen
from .flows import OUTSIDE_YGT
from .service import YearData, assessments, budget, disbursements, monitoring, settle
from .units import YigongtiError

SOURCE_NOTE = ("依据：《关于推进辽宁省紧密型县域医疗卫生共同体医保支付方式改革的通知》及其附件"
               "《县域医共体医保绩效考核参考指标（试行）》。")
REFERRAL = "推诿 / 转外就医"  # the one signal computed here; the others repeat a 疑点线索 of `detect`


def _s(x) -> str | None:
    return None if x is None else str(x)


def county_figures(data: YearData) -> dict:
    notes = list(data.notes)
    try:
        rb = budget(data)
    except YigongtiError as exc:
        rb = None
        notes.append(exc.message)
    through = data.months_present[-1] if data.months_present else None
    months = disbursements(data, rb) if rb else {}
    grades = assessments(data)
    clearing = {}
    if rb and f"{data.year:04d}-12" in data.months_present:
        clearing = {c.yigongti_id: c for c in settle(data, rb, grades)}
    mon = monitoring(data, rb)
    periods = list(data.months_present)
    units = []
    for u in data.units:
        g = u.yigongti_id
        b = next((x for x in rb.budgets if x.yigongti_id == g), None) if rb else None
        ms = months.get(g, [])
        inside = fen(data.flows.total(g, periods=periods, places=("member",)).hifp)
        outside = fen(data.flows.total(g, periods=periods, places=OUTSIDE_YGT).hifp)
        c, a, m = clearing.get(g), grades[g], mon[g]
        units.append({
            "yigongti_id": g, "name": u.name, "county": u.county, "lead": u.lead, "members": sorted(u.members),
            "tight": u.tight_in(data.year), "served": data.served[g][0], "served_source": data.served[g][1],
            "budget": _s(b.total) if b else None, "family_doctor_fee": _s(b.family_doctor_fee) if b else None,
            "months": [{"period": x.period, "quota": _s(x.quota), "outside": _s(x.outside), "deducted": _s(x.deducted),
                        "carried": _s(x.carried), "advance": _s(x.advance), "disbursed": _s(x.disbursed)} for x in ms],
            "disbursed": _s(sum((x.disbursed for x in ms), ZERO)) if ms else None,
            "deducted": _s(sum((x.deducted for x in ms), ZERO)) if ms else None,
            "carried": _s(ms[-1].carried) if ms else None,
            "inside": _s(inside), "outside": _s(outside),
            "balance": _s(b.total - outside - inside) if b else None,
            "clearing": None if c is None else {
                "grade": c.grade, "balance": _s(c.balance), "retained": _s(c.retained), "returned": _s(c.returned),
                "overspend": _s(c.overspend), "reasonable": _s(c.reasonable), "shared": _s(c.shared),
                "borne": _s(c.borne), "receipts": _s(c.receipts), "settlement": _s(c.settlement)},
            "assessment": {
                "total": _s(a.total), "grade": a.grade, "missing": list(a.missing),
                "scores": [{"id": s.indicator_id, "name": s.name, "numerator": _s(s.numerator),
                            "denominator": _s(s.denominator), "value": _s(s.value), "weight": _s(s.weight),
                            "target": s.target, "score": _s(s.score), "formula": s.formula, "source": s.source,
                            "annex_source": ANNEX_SOURCE[s.indicator_id],
                            "note": s.note} for s in a.scores]},
            "levels": [{"level": level, "n": f.n, "medfee": _s(f.medfee), "fund": _s(f.fund),
                        "ratio": _s((f.fund / f.medfee).quantize(Decimal("0.000001"))) if f.medfee else None}
                       for (gg, y, level), f in sorted(data.flows.ipt_by_level.items())
                       if gg == g and y == data.year],
            "referrals": _referrals(data, g),
            "monitoring": {
                "months": [{"period": r.period, "inside": _s(r.inside), "outside": _s(r.outside),
                            "cumulative": _s(r.cumulative), "execution": _s(r.execution), "elapsed": _s(r.elapsed),
                            "outside_discharges": r.outside_discharges,
                            "outside_discharges_last_year": r.outside_discharges_last_year} for r in m.months],
                "projected": _s(m.projected), "warnings": list(m.warnings),
                # a signal repeating a 疑点线索 keeps its kind, member and month: its wording (and any
                # person count in it) is the findings' own, frozen and suppressed with them
                "signals": [{"member": x["member"], "period": x["period"], "kind": x["kind"],
                             "text": x["text"] if x["kind"] == REFERRAL else "见本期疑点线索"} for x in m.signals]},
        })
    region = None
    if rb:
        region = {"income": _s(rb.income), "reserve": _s(rb.reserve), "available": _s(rb.available),
                  "committed": _s(rb.committed), "income_growth": _s(data.rules.income_growth),
                  "risk_reserve_rate": _s(data.rules.risk_reserve_rate)}
        notes += list(rb.notes)
    return {"region": data.region, "year": data.year, "through": through, "cleared": bool(clearing),
            "budget": region, "units": units, "notes": notes, "source": SOURCE_NOTE}


def _referrals(data: YearData, g: str) -> dict | None:
    """转诊住院 and 连续计算起付线 as a share (seeds/003 三), where the data carry referral marks."""
    if data.flows.referrals is None:
        return None
    referred, continued = data.flows.referrals.get((g, data.year), (0, 0))
    inpatients = data.flows.total(g, periods=data.months_present, kinds=("ipt",)).n
    q = Decimal("0.000001")
    return {"inpatients": inpatients, "referred": referred, "continued": continued,
            "referred_share": _s((Decimal(referred) / inpatients).quantize(q)) if inpatients else None,
            "continued_share": _s((Decimal(continued) / referred).quantize(q)) if referred else None}
