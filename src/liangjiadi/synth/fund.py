"""Fund reports, budget and clearing results derived exactly from the generated settlements.

All amounts are integer fen; the report is written as 2-decimal yuan. See docs/synth.md for
the rules (expense_pool = Σ hifp_pay of valid local settlements of the fund's insured, ...).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .faults import EXPENSE_POOL_DELTA_FEN, INCOME_OTHER_DELTA_FEN, FaultPlan

# Current balance rate (income / expense − 1) and the opening balance in months of expense.
BALANCE_RATE = {"employee": 0.08, "resident": 0.06, "assistance": 0.05}
OPENING_MONTHS = {"employee": 6.6, "resident": 6.8, "assistance": 6.8}
INCOME_SPLIT = {
    "employee": (("income_contribution", 0.97), ("income_other", None)),
    "resident": (("income_personal", 0.32), ("income_fiscal_central", 0.34), ("income_fiscal_province", 0.14),
                 ("income_fiscal_local", 0.15), ("income_other", None)),
    "assistance": (("income_fiscal_central", 0.60), ("income_fiscal_local", 0.35), ("income_other", None)),
}
ITEM_ORDER = ("income_total", "income_contribution", "income_personal", "income_fiscal_central",
              "income_fiscal_province", "income_fiscal_local", "income_other", "expense_total",
              "expense_pool", "expense_assistance", "balance_period", "balance_cumulative")


def _split(total: int, parts) -> dict[str, int]:
    out, used = {}, 0
    for name, share in parts:
        if share is None:
            out[name] = total - used
        else:
            out[name] = int(total * share)
            used += out[name]
    return out


def fund_report(periods: list[str], monthly: dict[str, dict[str, int]], faults: FaultPlan) -> tuple[list[dict], dict]:
    """Rows (admdvs-less) of the cumulative report and facts for the ground truth.

    monthly[period] holds the month's (not cumulative) sums: emp_pool_local, emp_pool_elsewhere,
    res_pool_local, res_pool_elsewhere, maf_region.
    """
    expense = {p: {"employee": (monthly[p]["emp_pool_local"], monthly[p]["emp_pool_elsewhere"]),
                   "resident": (monthly[p]["res_pool_local"], monthly[p]["res_pool_elsewhere"]),
                   "assistance": (monthly[p]["maf_region"], 0)} for p in periods}
    years = defaultdict(list)
    for p in periods:
        years[p[:4]].append(p)
    rows: list[dict] = []
    facts: dict = {"opening_balance_fen": {}, "months_payable_end": {}}
    opening: dict[str, int] = {}
    mismatch = faults.figure("fund_expense_pool_mismatch")
    not_adding = faults.figure("fund_income_items_not_adding")
    for y, ps in sorted(years.items()):
        for fund in ("employee", "resident", "assistance"):
            total_exp = sum(expense[p][fund][0] + expense[p][fund][1] for p in ps)
            mean_exp = total_exp // len(ps)
            if fund not in opening:
                opening[fund] = int(round(mean_exp * OPENING_MONTHS[fund]))
                facts["opening_balance_fen"][fund] = opening[fund]
            cum_items: dict[str, int] = defaultdict(int)
            cum_pool = cum_else = 0
            for k, p in enumerate(ps):
                m = int(p[5:7])
                profile = 1 + 0.06 * np.sin(2 * np.pi * m / 12) if fund != "resident" else 1 + 0.12 * np.cos(2 * np.pi * (m - 1) / 12)
                income = int(round(mean_exp * (1 + BALANCE_RATE[fund]) * profile))
                for name, v in _split(income, INCOME_SPLIT[fund]).items():
                    cum_items[name] += v
                cum_pool += expense[p][fund][0]
                cum_else += expense[p][fund][1]
                items = dict(cum_items)
                items["income_total"] = sum(cum_items.values())
                pool_item = "expense_assistance" if fund == "assistance" else "expense_pool"
                items[pool_item] = cum_pool
                items["expense_total"] = cum_pool + cum_else
                if mismatch and mismatch[0] == p and fund == "employee":
                    items["expense_pool"] += EXPENSE_POOL_DELTA_FEN
                    items["expense_total"] += EXPENSE_POOL_DELTA_FEN
                items["balance_period"] = items["income_total"] - items["expense_total"]
                items["balance_cumulative"] = opening[fund] + items["balance_period"]
                if not_adding and not_adding[0] == p and fund == "resident":
                    items["income_other"] += INCOME_OTHER_DELTA_FEN
                for item in ITEM_ORDER:
                    if item in items:
                        rows.append({"period": p, "fund": fund, "item": item, "amount": items[item]})
                if k == len(ps) - 1:
                    closing = opening[fund] + sum(cum_items.values()) - (cum_pool + cum_else)
                    facts["months_payable_end"][f"{fund}:{p}"] = round(closing / max(1, mean_exp), 2)
                    opening[fund] = closing
    return rows, facts


def budget_rows(year: int, last12: dict[str, int]) -> list[dict]:
    growth = 1.06
    ipt = int(round(last12["ipt_pool"] * growth))
    otp = int(round(last12["otp_pool"] * growth))
    drg = int(round(last12["drg_pool"] * growth))
    other = int(round((ipt + otp) * 0.05))
    return [{"year": year, "item": k, "amount": v} for k, v in
            (("ipt_pool", ipt), ("otp_pool", otp), ("drg_dip_pool", drg), ("other", other))]


def clearing(declared: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-institution declared / deducted / paid (fen); only institutions with declared > 0."""
    idx = np.flatnonzero(declared > 0)
    d = declared[idx]
    ded = np.floor(d * rng.uniform(0.0, 0.025, len(idx))).astype(np.int64)
    return idx, ded, d - ded
