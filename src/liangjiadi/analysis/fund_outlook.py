"""聚焦“钱”: fund income by channel and its 到位率, expense structure, income vs expense growth,
balances, 可支付月数, 12-month dynamic balance and a 12-month forecast with a deficit warning.

Rules (docs/analysis.md repeats them for readers):
- Monthly flows come from the cumulative fund report: flow(P) = cum(P) − cum(P−1), January =
  cum(January) (the indicators' rule for 当期 figures).
- Income channels: 征缴收入 = employee income_contribution; 个人缴费 = resident income_personal;
  财政补助 = resident income_fiscal_central + _province + _local; 其他收入 = income_other of both.
- 到位率 = year-to-date income of a channel / (its annual budget × months elapsed / 12). The lake's
  budget table holds expense totals only, so income budgets are passed in by the caller
  (`income_budget`, keyed by channel); without one no 到位率 is stated.
- 支出预算执行率 = year-to-date 统筹基金支出 (expense_pool, both funds) / (budget of the year P
  falls in: ipt_pool + otp_pool + other; drg_dip_pool is part of ipt_pool) × months / 12.
- Expense structure: 统筹基金支出 (hifp_pay, net of refunds, valid rows) of the region's insured,
  January to P against the same months a year earlier; by level (三级/二级/一级及以下 of local
  institutions, 定点药店, 异地就医) and by direction (住院/普通门诊/门诊慢特病/药店购药/异地就医).
- 可支付月数 = 累计结余 (balance_cumulative at P) / mean monthly expense_total of P−11..P;
  below 6 months is a warning (spec/calibration.md). 12-month dynamic balance = Σ income − Σ
  expense over P−11..P (indicators 48/49).
- Forecast: forecast.py on each fund's monthly income_total and expense_total flows up to P;
  balance paths = income paths − expense paths; cumulative = balance_cumulative(P) + running sum.
  Warnings when the 12-month projected balance is negative, a month's projected balance is
  negative, the cumulative balance turns negative, or 可支付月数 at the end falls below 6.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import ibis
import numpy as np

from ..config import Settings
from ..indicators.institutions import institutions_as_of
from ..period import Period, period_label, shift, span
from ..schema.codes import FUND
from .common import AnalysisError, Model, engine_for, fnum, growth, level_of, region_of
from .forecast import forecast_flow
from .structure import StructureDrift, structure_drift

FUNDS = ("employee", "resident")
WARN_MONTHS_PAYABLE = 6.0
GROWTH_GAP_WARN = 0.005  # expense growth above income growth by more than 0.5 percentage points
SLOW_CHRONIC_MED_TYPES = ("14", "15", "16")  # 门诊慢特病 / 门诊特殊病 / 门诊两病

CHANNELS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "contribution": ("征缴收入", (("employee", "income_contribution"),)),
    "personal": ("个人缴费", (("resident", "income_personal"),)),
    "fiscal": ("财政补助", (("resident", "income_fiscal_central"), ("resident", "income_fiscal_province"),
                          ("resident", "income_fiscal_local"))),
    "other": ("其他收入", (("employee", "income_other"), ("resident", "income_other"))),
}
LEVEL_ORDER = ("三级", "二级", "一级及以下", "定点药店", "异地就医")
DIRECTION_LABELS = {"ipt": "住院", "otp": "普通门诊", "chronic": "门诊慢特病", "pharm": "药店购药",
                    "elsewhere": "异地就医"}
DIRECTION_ORDER = ("ipt", "otp", "chronic", "pharm", "elsewhere")

FundReport = dict[tuple[str, str, str], Decimal]
FEN = Decimal("0.01")


# ---- data models ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomeChannel(Model):
    key: str
    label: str
    ytd: Decimal
    share: float | None
    ytd_last_year: Decimal | None
    yoy: float | None
    annual_budget: Decimal | None = None
    expected_to_date: Decimal | None = None  # annual budget × months / 12
    arrival_rate: float | None = None  # 到位率


@dataclass(frozen=True)
class BudgetExecution(Model):
    year: int
    budget_total: Decimal
    expense_ytd: Decimal
    expected_to_date: Decimal
    execution_rate: float | None


@dataclass(frozen=True)
class FundBalance(Model):
    fund: str
    label: str
    income_ytd: Decimal | None
    expense_ytd: Decimal | None
    income_yoy: float | None
    expense_yoy: float | None
    growth_gap: float | None  # income growth − expense growth (percentage as fraction)
    balance_cumulative: Decimal | None
    avg_monthly_expense_12m: Decimal | None
    months_payable: float | None  # 可支付月数
    dynamic_balance_12m: Decimal | None  # 12 个月动态结余
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ForecastMonth(Model):
    period: str
    income: float
    expense: float
    balance: float
    cumulative_balance: float | None
    income_lower: float
    income_upper: float
    expense_lower: float
    expense_upper: float
    balance_lower: float
    balance_upper: float
    cumulative_lower: float | None
    cumulative_upper: float | None


@dataclass(frozen=True)
class FundForecast(Model):
    fund: str
    label: str
    method: str
    method_note: str
    history_months: int
    months: list[ForecastMonth] = field(default_factory=list)
    balance_12m: float | None = None  # projected Σ income − Σ expense over the horizon
    months_payable_end: float | None = None
    deficit_probability: float | None = None  # share of paths whose cumulative balance turns negative
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FundOutlook(Model):
    region: str
    period: str
    income_channels: list[IncomeChannel] = field(default_factory=list)
    income_ytd: Decimal = Decimal(0)
    income_budget_note: str = ""
    budget_execution: BudgetExecution | None = None
    expense_by_level: StructureDrift | None = None
    expense_by_direction: StructureDrift | None = None
    balances: list[FundBalance] = field(default_factory=list)
    forecasts: list[FundForecast] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---- fund report arithmetic (pure) ------------------------------------------------------------------


def month_flow(report: FundReport, fund: str, item: str, period: str) -> Decimal | None:
    cur = report.get((period, fund, item))
    if cur is None:
        return None
    if period.endswith("-01"):
        return cur
    prev = report.get((shift(period, -1), fund, item))
    return None if prev is None else cur - prev


def flow_history(report: FundReport, fund: str, item: str, through: str) -> list[tuple[str, Decimal]]:
    """The unbroken run of monthly flows that ends at `through` (stops at the first gap)."""
    out: list[tuple[str, Decimal]] = []
    p = through
    while True:
        v = month_flow(report, fund, item, p)
        if v is None:
            break
        out.append((p, v))
        p = shift(p, -1)
    return out[::-1]


def year_to_date(report: FundReport, fund: str, item: str, period: str) -> Decimal | None:
    """A year-to-date figure, or None when a month of its year up to `period` has no report:
    a lake that starts in December holds one month of that "year", and comparing a full year
    with it printed growth of +1,222% in the demo."""
    months = span(f"{period[:4]}-01", period)
    if any(report.get((p, fund, item)) is None for p in months):
        return None
    return report.get((period, fund, item))


def _sum(values) -> Decimal | None:
    vals = list(values)
    return None if any(v is None for v in vals) else sum(vals, Decimal(0))


def fund_balance(report: FundReport, fund: str, period: str) -> FundBalance:
    last12 = span(shift(period, -11), period)
    exp12 = [month_flow(report, fund, "expense_total", p) for p in last12]
    inc12 = [month_flow(report, fund, "income_total", p) for p in last12]
    exp_sum, inc_sum = _sum(exp12), _sum(inc12)
    avg = exp_sum / 12 if exp_sum is not None else None
    bal = report.get((period, fund, "balance_cumulative"))
    months = fnum(bal / avg) if bal is not None and avg else None
    avg = avg.quantize(FEN, rounding=ROUND_HALF_EVEN) if avg is not None else None  # money: to the fen
    ly = shift(period, -12)
    inc, exp = report.get((period, fund, "income_total")), report.get((period, fund, "expense_total"))
    inc_ly, exp_ly = year_to_date(report, fund, "income_total", ly), year_to_date(report, fund, "expense_total", ly)
    gi, ge = growth(inc, inc_ly), growth(exp, exp_ly)
    label = FUND[fund]
    warns = []
    if months is not None and months < WARN_MONTHS_PAYABLE:
        warns.append(f"{label}累计结余可支付 {months:.1f} 个月，低于 {WARN_MONTHS_PAYABLE:.0f} 个月警戒线")
    if gi is not None and ge is not None and ge - gi > GROWTH_GAP_WARN:
        warns.append(f"{label}支出增幅（{ge:.2%}）高于收入增幅（{gi:.2%}）")
    dyn = inc_sum - exp_sum if inc_sum is not None and exp_sum is not None else None
    if dyn is not None and dyn < 0:
        warns.append(f"{label}近12个月动态结余为负（收不抵支）")
    return FundBalance(fund, label, inc, exp, gi, ge, gi - ge if gi is not None and ge is not None else None,
                       bal, avg, months, dyn, warns)


def income_channels(report: FundReport, period: str, income_budget: Mapping[str, object] | None = None
                    ) -> list[IncomeChannel]:
    ly = shift(period, -12)
    elapsed = Decimal(Period.parse(period).month) / Decimal(12)

    def total(p: str, items, read) -> Decimal | None:
        vals = [read(f, i, p) for f, i in items]
        return None if all(v is None for v in vals) else sum((v for v in vals if v is not None), Decimal(0))

    def as_reported(f: str, i: str, p: str) -> Decimal | None:
        return report.get((p, f, i))

    def complete(f: str, i: str, p: str) -> Decimal | None:  # last year's: comparable only if whole
        return year_to_date(report, f, i, p)

    rows = {k: (total(period, items, as_reported), total(ly, items, complete)) for k, (_, items) in CHANNELS.items()}
    grand = sum((v for v, _ in rows.values() if v is not None), Decimal(0))
    out = []
    for key, (label, _) in CHANNELS.items():
        cur, last = rows[key]
        cur = cur if cur is not None else Decimal(0)
        budget = (income_budget or {}).get(key)
        budget = Decimal(str(budget)) if budget is not None else None
        expected = budget * elapsed if budget is not None else None
        out.append(IncomeChannel(key, label, cur, fnum(cur / grand) if grand else None, last, growth(cur, last),
                                 budget, expected, fnum(cur / expected) if expected else None))
    return out


def budget_execution(report: FundReport, budget: Mapping[str, Decimal], period: str) -> BudgetExecution | None:
    items = [budget.get(k) for k in ("ipt_pool", "otp_pool", "other")]
    if all(v is None for v in items):
        return None
    total = sum((v for v in items if v is not None), Decimal(0))
    spent = sum((report.get((period, f, "expense_pool")) or Decimal(0) for f in FUNDS), Decimal(0))
    month = Period.parse(period)
    expected = total * Decimal(month.month) / Decimal(12)
    return BudgetExecution(month.year, total, spent, expected, fnum(spent / expected) if expected else None)


def project_fund(report: FundReport, fund: str, period: str, horizon: int = 12, *, seed: int = 20250,
                 repetitions: int = 1000) -> FundForecast | None:
    """Forecast a fund's income, expense and balance for the `horizon` months after `period`."""
    inc_hist = flow_history(report, fund, "income_total", period)
    exp_hist = flow_history(report, fund, "expense_total", period)
    n = min(len(inc_hist), len(exp_hist))
    if n == 0:
        return None
    inc = forecast_flow([float(v) for _, v in inc_hist[-n:]], horizon, seed=seed, repetitions=repetitions)
    exp = forecast_flow([float(v) for _, v in exp_hist[-n:]], horizon, seed=seed + 1, repetitions=repetitions)
    bal_paths = inc.paths - exp.paths
    bal_point = inc.point - exp.point
    start = report.get((period, fund, "balance_cumulative"))
    cum_point = cum_paths = None
    if start is not None:
        cum_point = float(start) + np.cumsum(bal_point)
        cum_paths = float(start) + np.cumsum(bal_paths, axis=1)
    periods = [shift(period, k) for k in range(1, horizon + 1)]
    lo, hi = 5, 95
    months = []
    for k, p in enumerate(periods):
        months.append(ForecastMonth(
            p, float(inc.point[k]), float(exp.point[k]), float(bal_point[k]),
            float(cum_point[k]) if cum_point is not None else None,
            float(inc.lower[k]), float(inc.upper[k]), float(exp.lower[k]), float(exp.upper[k]),
            float(np.percentile(bal_paths[:, k], lo)), float(np.percentile(bal_paths[:, k], hi)),
            float(np.percentile(cum_paths[:, k], lo)) if cum_paths is not None else None,
            float(np.percentile(cum_paths[:, k], hi)) if cum_paths is not None else None,
        ))
    label = FUND[fund]
    mean_exp = float(np.mean(exp.point))
    payable = float(cum_point[-1]) / mean_exp if cum_point is not None and mean_exp > 0 else None
    deficit_p = float(np.mean((cum_paths < 0).any(axis=1))) if cum_paths is not None else None
    bal12 = float(bal_point.sum())
    warns = []
    if bal12 < 0:
        warns.append(f"预计{label}未来{horizon}个月收不抵支，合计赤字 {-bal12 / 1e4:,.2f} 万元")
    neg = [m.period for m in months if m.balance < 0]
    if neg:
        warns.append(f"预计{label}有 {len(neg)} 个月当月收不抵支（{'、'.join(period_label(p) for p in neg[:6])}"
                     f"{'等' if len(neg) > 6 else ''}）")
    if cum_point is not None and (cum_point < 0).any():
        first = periods[int(np.argmax(cum_point < 0))]
        warns.append(f"预计{label}累计结余将于{period_label(first)}转为负数")
    if payable is not None and payable < WARN_MONTHS_PAYABLE:
        warns.append(f"预计{period_label(periods[-1])}{label}可支付月数降至 {payable:.1f} 个月，低于 {WARN_MONTHS_PAYABLE:.0f} 个月")
    note = inc.note if inc.method == exp.method else f"收入：{inc.note}；支出：{exp.note}"
    if n < 24:
        note += f"。历史仅 {n} 个月，不足 24 个月，已改用简化模型"
    return FundForecast(fund, label, exp.method, note, n, months, bal12, payable, deficit_p, warns)


# ---- lake readers ------------------------------------------------------------------------------------


def load_fund_report(engine, settings: Settings, region: str, through: str) -> FundReport:
    t = engine.region_table("fund_report", settings, region)
    t = t.filter(t.period <= through)
    agg = t.group_by(["period", "fund", "item"]).aggregate(amount=t.amount.sum())
    return {(r["period"], r["fund"], r["item"]): Decimal(r["amount"]) for r in engine.to_pyarrow(agg).to_pylist()}


def load_budget(engine, settings: Settings, region: str, year: int) -> dict[str, Decimal]:
    t = engine.region_table("budget", settings, region)
    t = t.filter(t.year == year)
    agg = t.group_by("item").aggregate(amount=t.amount.sum())
    return {r["item"]: Decimal(r["amount"]) for r in engine.to_pyarrow(agg).to_pylist()}


def expense_split(engine, settings: Settings, region: str, periods: list[str]) -> list[dict]:
    """Σ hifp_pay of the region's insured by institution and kind (ipt/otp/chronic/pharm), with
    a flag for care outside the region."""
    s = engine.region_table("setl_d", settings, region, periods=periods)
    s = s.filter(s.period.isin(periods), s.insu_admdvs.isin(settings.own_admdvs(region)),
                 (s.vali_flag == "1") | s.vali_flag.isnull())
    kind = ibis.cases(
        (s.med_type.isin([str(x) for x in settings.inpatient_med_types]), "ipt"),
        (s.med_type.isin([str(x) for x in settings.pharmacy_med_types]), "pharm"),
        (s.med_type.isin(list(SLOW_CHRONIC_MED_TYPES)), "chronic"),
        else_="otp",
    )
    s = s.mutate(kind=kind, local=s.fix_blng_admdvs.isin(settings.own_admdvs(region)).ifelse(1, 0))
    agg = s.group_by(["fixmedins_code", "kind", "local"]).aggregate(amount=s.hifp_pay.sum())
    return engine.to_pyarrow(agg).to_pylist()


def expense_structures(engine, settings: Settings, region: str, period: str) -> tuple[StructureDrift, StructureDrift]:
    """(by level, by direction), January..P against the same months a year earlier."""
    insts = institutions_as_of(engine, period, settings.own_admdvs(region))
    cur_months = Period.parse(period).year_to_date().month_keys
    ly_months = [shift(p, -12) for p in cur_months]

    def split(periods):
        by_level: dict[str, Decimal] = {}
        by_dir: dict[str, Decimal] = {}
        for r in expense_split(engine, settings, region, periods):
            amt = Decimal(r["amount"] or 0)
            if not r["local"]:
                lv, d = "异地就医", "elsewhere"
            else:
                d = r["kind"]
                inst = insts.get(r["fixmedins_code"])
                lv = "定点药店" if (r["kind"] == "pharm" or (inst and inst.fixmedins_type == "2")) \
                    else level_of(insts, r["fixmedins_code"])
            by_level[lv] = by_level.get(lv, Decimal(0)) + amt
            by_dir[d] = by_dir.get(d, Decimal(0)) + amt
        return by_level, by_dir

    (lv_now, dir_now), (lv_ly, dir_ly) = split(cur_months), split(ly_months)
    return (structure_drift(lv_ly, lv_now, order=LEVEL_ORDER),
            structure_drift(dir_ly, dir_now, labels=DIRECTION_LABELS, order=DIRECTION_ORDER))


# ---- the outlook ------------------------------------------------------------------------------------


def fund_outlook(settings: Settings, period: str, *, income_budget: Mapping[str, object] | None = None,
                 horizon: int = 12, engine=None, seed: int = 20250, repetitions: int = 1000) -> FundOutlook:
    """The 钱 part of the quarterly release for `period`."""
    Period.parse(period)
    region = region_of(settings)
    with engine_for(settings, engine) as eng:
        report = load_fund_report(eng, settings, region, period)
        if not any(k[0] == period for k in report):
            raise AnalysisError(f"缺少{period_label(period)}医保基金报表，无法做基金运行分析", "请先导入该月的基金报表")
        budget = load_budget(eng, settings, region, Period.parse(period).year)
        by_level, by_dir = expense_structures(eng, settings, region, period)
    channels = income_channels(report, period, income_budget)
    balances = [fund_balance(report, f, period) for f in FUNDS]
    forecasts = [fc for f in FUNDS if (fc := project_fund(report, f, period, horizon, seed=seed,
                                                          repetitions=repetitions)) is not None]
    warnings_out = [w for b in balances for w in b.warnings] + [w for f in forecasts for w in f.warnings]
    notes = ["居民医保按年缴费，报表中的月度收入可能集中在缴费期，解读月度收入与到位率时需注意。"]
    budget_note = "" if income_budget else "未提供年度收入预算，不计算各渠道到位率。"
    return FundOutlook(region, period, channels, sum((c.ytd for c in channels), Decimal(0)), budget_note,
                       budget_execution(report, budget, period), by_level, by_dir, balances, forecasts,
                       warnings_out, notes)


def backtest_region(settings: Settings, period: str, *, holdout: int = 12, engine=None):
    """Backtest of the forecast on the region's own fund report: the last `holdout` months up to
    `period` are held out and forecast from the months before (see forecast.backtest_flows)."""
    from .forecast import backtest_flows

    region = region_of(settings)
    with engine_for(settings, engine) as eng:
        report = load_fund_report(eng, settings, region, period)
    flows = {}
    for fund in FUNDS:
        for item, cn in (("income_total", "收入"), ("expense_total", "支出")):
            hist = flow_history(report, fund, item, period)
            flows[f"{FUND[fund]}{cn}"] = [float(v) for _, v in hist]
    return backtest_flows(flows, holdout)
