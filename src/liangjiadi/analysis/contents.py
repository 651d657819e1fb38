"""What the seeds ask the reports to show beyond the indicator catalogue, over a release's window
(seeds/002 长治市规则第十一至十三条, seeds/001 附录3; docs/reports.md “各报告的内容与出处”):

    cases          病例入组情况: cases, grouped cases and 入组率, region and by level group
    settlement     per-institution monthly fund settlement (统筹基金, 基金支付合计) and, over the
                   window, total cost, fund use, discharges, outpatient visits and 住院率
    key_groups     重点病组: the top groups by volume, by total cost and by change against the same
                   window of last year
    common_costs   常见病费用差异: per common group and level, the spread of institutions' 次均费用
    flow           基金支出流向: 统筹基金 by level group and by direction (本地就医、异地就医流出、
                   外地参保来本地就医)
    burden         费用结构 (setl_fee) and 个人负担: 次均 and 人均 个人负担、个人账户支出
    budget         预算执行: this year's budget items against the year-to-date 统筹基金支出, next
                   year's budget
    clearing       清算: per institution declared, deducted, paid (清算结果表) and 到位率
    special        特例单议受理及结算: applications, approved, rejected, pending and the approved
                   cases' cost and fund use, by level group
    pharmacies     定点零售药店 (their own push, issue 12 item 5): per local pharmacy the window's
                   结算人次, 医疗费用, 基金支付 (统筹、个人账户), 次均费用 and monthly 基金支付, with
                   the pharmacies' medians (their peer set) when there are enough of them

Everything is an aggregate over institutions or groups, computed through the engine (Ibis) over
the lake; no person-level row and no person count leaves this module (人均 divides by a count of
distinct pseudonymised persons that is not itself returned). `release create` calls
`release_contents` and freezes its output as contents.json; reports only read that file.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import ibis

from ..config import Settings
from ..schema import level_group
from .common import engine_for, growth, median, share

TOP_GROUPS = 10
COMMON_GROUPS = 5
MIN_GROUP_CASES = 5  # a group's change and an institution's 次均费用 need at least this many cases
LEVELS = ("三级", "二级", "一级及以下")
ZERO = Decimal(0)


def _dec(v) -> Decimal:
    return ZERO if v is None else Decimal(str(v))


def _money(v: Decimal) -> Decimal:
    return _dec(v).quantize(Decimal("0.01"))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _ratio(num, den) -> float | None:
    value = share(num, den)
    return None if value is None else round(value, 6)


def release_contents(settings: Settings, admdvs: str, months: list[str], *, engine=None) -> dict:
    """The contents of a release covering `months` (the window's months, oldest first)."""
    from ..indicators.context import Ctx, shift

    months = sorted(months)
    last = months[-1]
    previous = [shift(m, -12) for m in months]
    ytd = [f"{last[:4]}-{m:02d}" for m in range(1, int(last[5:]) + 1)]
    with engine_for(settings, engine) as eng:
        ctx = Ctx(eng, settings.model_copy(update={"region_admdvs": admdvs}), last, admdvs)
        incomplete = _incomplete_tables(ctx, sorted(set(months) | set(ytd) | set(previous)))
        if incomplete:
            return {"months": months, "unavailable": "数据湖中" + "、".join(incomplete) + "缺少契约规定的列，未计算。"}
        levels = {c: r.level_group for c, r in ctx.fixmedins.items()}
        types = {c: r.fixmedins_type for c, r in ctx.fixmedins.items()}
        names = _names(ctx)
        setl = _settlements(ctx, sorted(set(months) | set(ytd)))
        cases = _cases(ctx, sorted(set(months) | set(previous)))
        out = {
            "months": months,
            "cases": _case_summary(cases, months, levels),
            "settlement": _settlement(setl, months, levels, types, names),
            "flow": _flow(setl, months, levels, types),
            "burden": _burden(ctx, setl, months),
            "budget": _budget(ctx, setl, ytd, int(last[:4])),
            "clearing": _clearing(ctx, months, levels, names),
            "special": _special(ctx, months, levels),
            "pharmacies": _pharmacies(setl, months, types, names),
        }
        catalog = group_names(ctx)
        out["key_groups"] = _key_groups(cases, months, previous, catalog)
        out["common_costs"] = _common_costs(cases, months, levels, catalog, out["key_groups"]["by_volume"])
    return out


def _incomplete_tables(ctx, setl_months: list[str]) -> list[str]:
    """Tables the lake holds for the region (settlements: of the months the contents read) without
    every contract column (ingest always writes them all; a partition written by hand may not):
    these contents are then left out, and say so."""
    from ..lake import lake_schema
    from ..schema import TABLES

    out = []
    for name in ("setl_d", "setl_list", "special_case", "clr_result", "budget", "fixmedins", "grp_catalog", "setl_fee"):
        table = ctx.table(name, periods=setl_months if name == "setl_d" else None)
        if set(lake_schema(name).names) - set(table.columns):
            out.append(TABLES[name].cn)
    return out


# ---- sources ---------------------------------------------------------------------------------


def _names(ctx) -> dict[str, str]:
    t = ctx.table("fixmedins")
    t = t.filter(t.period.isnull() | (t.period <= ctx.period))
    rows = ctx.run(t.select("fixmedins_code", "fixmedins_name", "period")).to_pylist()
    best: dict[str, tuple[str, str]] = {}
    for r in rows:
        p = r["period"] or ""
        if r["fixmedins_code"] not in best or p >= best[r["fixmedins_code"]][0]:
            best[r["fixmedins_code"]] = (p, r["fixmedins_name"])
    return {c: n for c, (_, n) in best.items()}


def group_names(ctx) -> dict[str, str]:
    t = ctx.table("grp_catalog")
    return {r["grp_code"].strip().upper(): r["grp_name"] for r in ctx.run(t.select("grp_code", "grp_name")).to_pylist()
            if r["grp_code"]}


def _settlements(ctx, months: list[str]) -> list[dict]:
    """Valid settlements by month x institution x local institution x local insured x kind:
    人次 (non-refund rows), distinct persons (for 人均 only), net amounts."""
    t = ctx.settlements(months)  # valid rows of the months (indicators' one definition)
    t = t.mutate(
        linst=(t.fix_blng_admdvs == ctx.region).ifelse("1", "0"),
        lins=(t.insu_admdvs == ctx.region).ifelse("1", "0"),
        kind=ctx.kind(t),
        nr=((t.refd_setl_flag == "0") | t.refd_setl_flag.isnull()).ifelse(1, 0),
    )
    agg = t.group_by(["period", "fixmedins_code", "linst", "lins", "kind"]).aggregate(
        n=t.nr.sum(), medfee=t.medfee_sumamt.sum(), fund=t.fund_pay_sumamt.sum(), hifp=t.hifp_pay.sum(),
        part=t.psn_part_amt.sum(), acct=t.acct_pay.sum(), cash=t.psn_cash_pay.sum())
    return ctx.run(agg).to_pylist()


def _cases(ctx, months: list[str]) -> list[dict]:
    """Inpatient cases at local institutions (the indicators' definition) by month x institution
    x group x 入组 flag, with their cost."""
    j = ctx.inpatient_cases(months)
    agg = j.group_by(["period", "fixmedins_code", "grouped", "grp_code"]).aggregate(
        n=j.count(), cost=j.medfee_sumamt.sum())
    return ctx.run(agg).to_pylist()


# ---- 病例入组 ---------------------------------------------------------------------------------


def _case_summary(cases: list[dict], months: list[str], levels: dict[str, str]) -> dict:
    total: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in cases:
        if r["period"] not in months:
            continue
        for key in ("全地区", levels.get(r["fixmedins_code"], level_group(None))):
            total[key][0] += r["n"]
            total[key][1] += r["n"] if r["grouped"] else 0
        by_month[r["period"]][0] += r["n"]
        by_month[r["period"]][1] += r["n"] if r["grouped"] else 0
    rows = [{"level": k, "cases": total[k][0], "grouped": total[k][1], "rate": _ratio(total[k][1], total[k][0])}
            for k in ("全地区",) + LEVELS if k in total]
    return {"rows": rows, "months": [{"period": m, "cases": by_month[m][0], "grouped": by_month[m][1],
                                      "rate": _ratio(by_month[m][1], by_month[m][0])} for m in months]}


# ---- 各机构结算 -------------------------------------------------------------------------------


def _settlement(setl: list[dict], months: list[str], levels, types, names) -> dict:
    """Local 定点医疗机构 (not pharmacies): monthly 统筹基金 and 基金支付, window totals, 住院率."""
    per: dict[str, dict] = {}
    for r in setl:
        code = r["fixmedins_code"]
        if r["linst"] != "1" or r["period"] not in months or types.get(code) == "2" or r["kind"] == "pharm":
            continue
        d = per.setdefault(code, {"code": code, "name": names.get(code) or f"机构{code}",
                                  "level": levels.get(code, level_group(None)), "monthly": {},
                                  "medfee": ZERO, "fund": ZERO, "hifp": ZERO, "discharges": 0, "visits": 0})
        m = d["monthly"].setdefault(r["period"], {"hifp": ZERO, "fund": ZERO})
        m["hifp"] += _dec(r["hifp"])
        m["fund"] += _dec(r["fund"])
        d["medfee"] += _dec(r["medfee"])
        d["fund"] += _dec(r["fund"])
        d["hifp"] += _dec(r["hifp"])
        d["discharges" if r["kind"] == "ipt" else "visits"] += r["n"]
    rows = []
    for d in per.values():
        d["monthly"] = [{"period": p, "hifp": _money(d["monthly"].get(p, {}).get("hifp", ZERO)),
                         "fund": _money(d["monthly"].get(p, {}).get("fund", ZERO))} for p in months]
        d.update(medfee=_money(d["medfee"]), fund=_money(d["fund"]), hifp=_money(d["hifp"]),
                 admission_rate=_ratio(d["discharges"], d["visits"]))
        rows.append(d)
    order = {g: i for i, g in enumerate(LEVELS)}
    rows.sort(key=lambda d: (order.get(d["level"], 9), -d["medfee"], d["code"]))
    return {"rows": rows, "months": months,
            "total": {"medfee": _money(sum((d["medfee"] for d in rows), ZERO)),
                      "fund": _money(sum((d["fund"] for d in rows), ZERO)),
                      "hifp": _money(sum((d["hifp"] for d in rows), ZERO)),
                      "discharges": sum(d["discharges"] for d in rows), "visits": sum(d["visits"] for d in rows)}}


# ---- 定点零售药店 ---------------------------------------------------------------------------

PHARMACY_MIN_PEERS = 6  # the medians of the pharmacies are shown only among this many (the one peer rule)


def _pharmacies(setl: list[dict], months: list[str], types, names) -> dict:
    """Local 定点零售药店: what each one's push shows of itself, and the medians of all of them."""
    per: dict[str, dict] = {}
    for r in setl:
        code = r["fixmedins_code"]
        if r["linst"] != "1" or r["period"] not in months or types.get(code) != "2":
            continue
        d = per.setdefault(code, {"code": code, "name": names.get(code) or f"药店{code}", "visits": 0,
                                  "medfee": ZERO, "fund": ZERO, "hifp": ZERO, "acct": ZERO, "monthly": {}})
        m = d["monthly"].setdefault(r["period"], {"visits": 0, "fund": ZERO})
        m["visits"] += r["n"]
        m["fund"] += _dec(r["fund"])
        d["visits"] += r["n"]
        for key in ("medfee", "fund", "hifp", "acct"):
            d[key] += _dec(r[key])
    rows = []
    for d in per.values():
        d["monthly"] = [{"period": p, "visits": d["monthly"].get(p, {}).get("visits", 0),
                         "fund": _money(d["monthly"].get(p, {}).get("fund", ZERO))} for p in months]
        d.update({k: _money(d[k]) for k in ("medfee", "fund", "hifp", "acct")})
        d["per_visit"] = _money(d["medfee"] / d["visits"]) if d["visits"] else None
        d["fund_per_visit"] = _money(d["fund"] / d["visits"]) if d["visits"] else None
        rows.append(d)
    rows.sort(key=lambda d: d["code"])
    enough = len(rows) >= PHARMACY_MIN_PEERS

    def mid(key):
        value = median([d[key] for d in rows if d[key] is not None]) if enough else None
        return None if value is None else _money(Decimal(str(value)))

    return {"rows": rows, "months": months, "peers": len(rows), "min_peers": PHARMACY_MIN_PEERS,
            "median_per_visit": mid("per_visit"), "median_fund_per_visit": mid("fund_per_visit"),
            "total": {"visits": sum(d["visits"] for d in rows), "medfee": _money(sum((d["medfee"] for d in rows), ZERO)),
                      "fund": _money(sum((d["fund"] for d in rows), ZERO))}}


# ---- 基金支出流向 -----------------------------------------------------------------------------


def _flow(setl: list[dict], months: list[str], levels, types) -> dict:
    by_level: dict[str, Decimal] = defaultdict(lambda: ZERO)
    direction: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in setl:
        if r["period"] not in months:
            continue
        hifp = _dec(r["hifp"])
        if r["linst"] == "1":
            code = r["fixmedins_code"]
            key = "定点零售药店" if types.get(code) == "2" or r["kind"] == "pharm" else levels.get(code, level_group(None))
            by_level[key] += hifp
        if r["lins"] == "1" and r["linst"] == "1":
            direction["本地参保人在本地就医"] += hifp
        elif r["lins"] == "1":
            direction["本地参保人异地就医（流出）"] += hifp
        elif r["linst"] == "1":
            direction["外地参保人来本地就医（流入）"] += hifp

    def rows(d: dict, order) -> list[dict]:
        total = sum(d.values(), ZERO)
        return [{"key": k, "amount": _money(d[k]), "share": _ratio(d[k], total)} for k in order if k in d]

    return {"by_level": rows(by_level, LEVELS + ("定点零售药店",)),
            "by_direction": rows(direction, ("本地参保人在本地就医", "本地参保人异地就医（流出）",
                                             "外地参保人来本地就医（流入）"))}


# ---- 费用结构与个人负担 --------------------------------------------------------------------------


def _burden(ctx, setl: list[dict], months: list[str]) -> dict:
    """Local insured at any institution: 次均 per settlement, 人均 per distinct person (the count
    itself is not returned), by kind; cost structure of local institutions' inpatient cases."""
    sums: dict[str, dict] = defaultdict(lambda: {"n": 0, "medfee": ZERO, "part": ZERO, "acct": ZERO, "cash": ZERO})
    for r in setl:
        if r["period"] not in months or r["lins"] != "1":
            continue
        for key in (r["kind"], "all"):
            s = sums[key]
            s["n"] += r["n"]
            for f in ("medfee", "part", "acct", "cash"):
                s[f] += _dec(r[f])
    persons = _persons(ctx, months)
    labels = {"ipt": "住院", "otp": "门诊", "pharm": "药店购药", "all": "合计"}
    rows = []
    for key in ("ipt", "otp", "pharm", "all"):
        s = sums.get(key)
        if not s or not s["n"]:
            continue
        p = persons.get(key)
        rows.append({"kind": labels[key], "per_visit_part": _money(s["part"] / s["n"]),
                     "per_visit_acct": _money(s["acct"] / s["n"]),
                     "per_person_part": _money(s["part"] / p) if p else None,
                     "per_person_acct": _money(s["acct"] / p) if p else None,
                     "part_share": _ratio(s["part"], s["medfee"])})
    return {"rows": rows, "structure": _structure(ctx, months)}


def _persons(ctx, months: list[str]) -> dict[str, int]:
    t = ctx.settlements(months)
    t = t.filter(t.insu_admdvs == ctx.region, (t.refd_setl_flag == "0") | t.refd_setl_flag.isnull())
    t = t.mutate(kind=ctx.kind(t))
    by_kind = {r["kind"]: r["p"] for r in ctx.run(t.group_by("kind").aggregate(p=t.psn_no.nunique())).to_pylist()}
    by_kind["all"] = ctx.run(t.aggregate(p=t.psn_no.nunique())).to_pylist()[0]["p"]
    return by_kind


def _structure(ctx, months: list[str]) -> list[dict]:
    """Cost structure (诊疗、药品、耗材、检查…) of local institutions' inpatient cases, from the
    optional 费用构成 table: shares of the window and of the same window last year."""
    from ..indicators.context import shift

    if not ctx.has_data("setl_fee"):  # the region's own: another region's table says nothing
        return []
    previous = [shift(m, -12) for m in months]
    s = ctx.settlements(sorted(set(months) | set(previous)))
    s = s.filter(s.fix_blng_admdvs == ctx.region, s.med_type.isin(ctx.inpatient)).select("setl_id", "period")
    f = ctx.table("setl_fee")
    j = f.join(s, f.setl_id == s.setl_id)
    j = j.mutate(now=j.period.isin(months))
    rows = ctx.run(j.group_by(["now", "med_chrgitm_type"]).aggregate(amount=j.item_sumamt.sum())).to_pylist()
    totals = {flag: sum((_dec(r["amount"]) for r in rows if r["now"] == flag), ZERO) for flag in (True, False)}
    items: dict[str, dict] = {}
    for r in rows:
        d = items.setdefault(r["med_chrgitm_type"], {"item": r["med_chrgitm_type"], "amount": ZERO,
                                                      "share": None, "last_share": None})
        if r["now"]:
            d["amount"] = _money(_dec(r["amount"]))
            d["share"] = _ratio(r["amount"], totals[True])
        else:
            d["last_share"] = _ratio(r["amount"], totals[False])
    return sorted(items.values(), key=lambda d: -d["amount"])


# ---- 预算执行 ----------------------------------------------------------------------------------


BUDGET_ITEMS = {"ipt_pool": "住院统筹基金", "otp_pool": "门诊统筹基金", "drg_dip_pool": "DRG/DIP付费统筹基金",
                "other": "其他"}


def _budget(ctx, setl: list[dict], ytd: list[str], year: int) -> dict:
    """This year's budget items against the year-to-date 统筹基金 of local insured at local
    institutions (住院、门诊; DRG/DIP = 住院 at institutions paid by DRG/DIP); next year's budget."""
    t = ctx.table("budget")
    t = t.filter(t.year.isin([year, year + 1]))
    budget: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for r in ctx.run(t.group_by(["year", "item"]).aggregate(amount=t.amount.sum())).to_pylist():
        budget[(r["year"], r["item"])] += _dec(r["amount"])
    actual = {k: ZERO for k in BUDGET_ITEMS}
    for r in setl:
        if r["period"] in ytd and r["linst"] == "1" and r["lins"] == "1":
            if r["kind"] == "ipt":
                actual["ipt_pool"] += _dec(r["hifp"])
                if ctx.is_drg(r["fixmedins_code"]):
                    actual["drg_dip_pool"] += _dec(r["hifp"])
            elif r["kind"] == "otp":
                actual["otp_pool"] += _dec(r["hifp"])
    rows = []
    for item, label in BUDGET_ITEMS.items():
        b, nxt = budget.get((year, item)), budget.get((year + 1, item))
        spent = actual[item] if item != "other" else None
        rows.append({"item": label, "budget": _money(b) if b is not None else None,
                     "actual": _money(spent) if spent is not None else None,
                     "execution": _ratio(spent, b) if b and spent is not None else None,
                     "next_year": _money(nxt) if nxt is not None else None,
                     "next_vs_actual": _rounded(growth(nxt, spent)) if nxt is not None and len(ytd) == 12 else None})
    return {"year": year, "months_elapsed": len(ytd), "time_progress": round(len(ytd) / 12, 6),
            "has_budget": any((year, i) in budget for i in BUDGET_ITEMS),
            "has_next_budget": any((year + 1, i) in budget for i in BUDGET_ITEMS), "rows": rows}


# ---- 清算 ------------------------------------------------------------------------------------


def _clearing(ctx, months: list[str], levels, names) -> dict:
    """清算结果 of the window's periods per institution: declared, deducted, paid; 到位率 =
    paid / (declared − deducted), the share of what was due that was paid."""
    if not ctx.has_data("clr_result"):
        return {"available": False, "rows": []}
    t = ctx.table("clr_result")
    t = t.filter(t.period.isin(months))
    agg = t.group_by("fixmedins_code").aggregate(declared=t.declared_amt.sum(), deducted=t.deducted_amt.sum(),
                                                 paid=t.paid_amt.sum())
    rows = []
    for r in ctx.run(agg).to_pylist():
        declared, deducted, paid = _dec(r["declared"]), _dec(r["deducted"]), _dec(r["paid"])
        code = r["fixmedins_code"]
        rows.append({"code": code, "name": names.get(code) or f"机构{code}", "level": levels.get(code, level_group(None)),
                     "declared": _money(declared), "deducted": _money(deducted), "paid": _money(paid),
                     "deducted_rate": _ratio(deducted, declared), "paid_rate": _ratio(paid, declared - deducted)})
    order = {g: i for i, g in enumerate(LEVELS)}
    rows.sort(key=lambda d: (order.get(d["level"], 9), -d["declared"], d["code"]))
    total = {k: _money(sum((d[k] for d in rows), ZERO)) for k in ("declared", "deducted", "paid")}
    total["paid_rate"] = _ratio(total["paid"], total["declared"] - total["deducted"])
    return {"available": bool(rows), "rows": rows, "total": total}


# ---- 特例单议 --------------------------------------------------------------------------------


def _special(ctx, months: list[str], levels) -> dict:
    """Applications linked to the window's settlements at local institutions, by level group:
    received, approved, rejected, pending; approved cases' total cost and 统筹基金."""
    if not ctx.has_data("special_case"):
        return {"available": False, "rows": []}  # not supplied: not the same as none received
    s = ctx.settlements(months)
    s = s.filter(s.fix_blng_admdvs == ctx.region, (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull())
    s = s.select(s_id=s.setl_id, medfee=s.medfee_sumamt, hifp=s.hifp_pay)
    c = ctx.table("special_case")
    j = c.join(s, c.setl_id == s.s_id)
    j = j.mutate(result=ibis.cases((j.audit_result == "1", "ok"), (j.audit_result == "0", "no"), else_="wait"))
    agg = j.group_by(["fixmedins_code", "result"]).aggregate(n=j.count(), medfee=j.medfee.sum(), hifp=j.hifp.sum())
    per: dict[str, dict] = {}
    for r in ctx.run(agg).to_pylist():
        for key in ("全地区", levels.get(r["fixmedins_code"], level_group(None))):
            d = per.setdefault(key, {"level": key, "applied": 0, "approved": 0, "rejected": 0, "pending": 0,
                                     "approved_medfee": ZERO, "approved_hifp": ZERO})
            d["applied"] += r["n"]
            d[{"ok": "approved", "no": "rejected", "wait": "pending"}[r["result"]]] += r["n"]
            if r["result"] == "ok":
                d["approved_medfee"] += _dec(r["medfee"])
                d["approved_hifp"] += _dec(r["hifp"])
    rows = []
    for key in ("全地区",) + LEVELS:
        if key in per:
            d = per[key]
            d.update(approved_medfee=_money(d["approved_medfee"]), approved_hifp=_money(d["approved_hifp"]),
                     approval_rate=_ratio(d["approved"], d["approved"] + d["rejected"]))
            rows.append(d)
    return {"available": True, "rows": rows}


# ---- 重点病组与常见病费用差异 ------------------------------------------------------------------------


def _key_groups(cases: list[dict], months: list[str], previous: list[str], catalog: dict[str, str]) -> dict:
    now: dict[str, list] = defaultdict(lambda: [0, ZERO])
    before: dict[str, int] = defaultdict(int)
    for r in cases:
        if not r["grouped"] or not r["grp_code"]:
            continue
        if r["period"] in months:
            now[r["grp_code"]][0] += r["n"]
            now[r["grp_code"]][1] += _dec(r["cost"])
        elif r["period"] in previous:
            before[r["grp_code"]] += r["n"]
    total_cases = sum(v[0] for v in now.values())
    total_cost = sum((v[1] for v in now.values()), ZERO)

    def row(code: str) -> dict:
        n, cost = now[code]
        last = before.get(code)
        return {"code": code, "name": catalog.get(code) or "", "cases": n, "cost": _money(cost),
                "per_case": _money(cost / n) if n else None, "case_share": _ratio(n, total_cases),
                "cost_share": _ratio(cost, total_cost), "last_year_cases": last,
                "change": _rounded(growth(n, last)) if last and last >= MIN_GROUP_CASES else None}

    rows = {c: row(c) for c in now}
    changing = [r for r in rows.values() if r["change"] is not None and r["cases"] >= MIN_GROUP_CASES]
    return {"groups": len(rows), "cases": total_cases, "cost": _money(total_cost),
            "compared": bool(before), "min_cases": MIN_GROUP_CASES,
            "by_volume": sorted(rows.values(), key=lambda r: (-r["cases"], r["code"]))[:TOP_GROUPS],
            "by_cost": sorted(rows.values(), key=lambda r: (-r["cost"], r["code"]))[:TOP_GROUPS],
            "by_change": sorted(changing, key=lambda r: (-abs(r["change"]), r["code"]))[:TOP_GROUPS]}


def _common_costs(cases: list[dict], months: list[str], levels, catalog, by_volume: list[dict]) -> dict:
    """常见病 (the most frequent groups): per level group, the institutions' 次均费用 spread —
    institutions with at least MIN_GROUP_CASES cases of the group; highest ÷ lowest."""
    common = [r["code"] for r in by_volume[:COMMON_GROUPS]]
    per: dict[tuple[str, str], list] = defaultdict(lambda: [0, ZERO])
    for r in cases:
        if r["period"] in months and r["grouped"] and r["grp_code"] in common:
            d = per[(r["grp_code"], r["fixmedins_code"])]
            d[0] += r["n"]
            d[1] += _dec(r["cost"])
    rows = []
    for code in common:
        for level in LEVELS:
            costs = [float(c / n) for (g, inst), (n, c) in per.items()
                     if g == code and levels.get(inst, level_group(None)) == level and n >= MIN_GROUP_CASES]
            if len(costs) < 2:
                continue
            lo, hi = min(costs), max(costs)
            rows.append({"code": code, "name": catalog.get(code) or "", "level": level, "institutions": len(costs),
                         "lowest": round(lo, 2), "median": round(median(costs), 2), "highest": round(hi, 2),
                         "spread": round(hi / lo, 4) if lo > 0 else None})
    return {"min_cases": MIN_GROUP_CASES, "rows": rows, "groups": common}


