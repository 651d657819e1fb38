"""Injected data faults for the 复核 checks: a handful of rows and figures, precisely recorded.

Row-level faults are EXTRA rows appended at the end of one month's file (they never replace
a good row), so the consistency rules over the good rows are unaffected whether ingest
quarantines them or not. Figure-level faults change generated figures on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from .settlements import World

ROW_FAULTS = (
    # kind, table, description (Chinese, for the ground truth)
    ("negative_amount", "setl_d", "非退费行的医疗费总额为负数"),
    ("hifp_exceeds_medfee", "setl_d", "统筹基金支出大于医疗费总额"),
    ("end_before_begin", "setl_d", "结束日期早于开始日期"),
    ("unknown_med_type", "setl_d", "医疗类别代码不在代码表中（77）"),
    ("duplicate_setl_id", "setl_d", "结算ID重复（整行重复出现）"),
    ("non_numeric_amount", "setl_d", "金额字段含非数字字符"),
    ("unknown_local_institution", "setl_d", "本地机构编号不在定点医药机构表中"),
    ("orphan_setl_list", "setl_list", "结算清单的结算ID在结算数据中不存在"),
)
FIGURE_FAULTS = (
    ("fund_expense_pool_mismatch", "fund_report", "某月职工统筹基金支出（本地就医）与结算数据汇总不一致"),
    ("fund_income_items_not_adding", "fund_report", "某月居民医保收入分项之和不等于收入合计"),
    ("institution_missing_month", "setl_d", "某机构某月结算数据整月缺失"),
    ("discharge_jump", "setl_d", "某机构某月出院人次为常态的 3 倍（环比突增）"),
    ("qc_without_upload", "setl_list", "某机构某月结算清单未上传却标记质控通过（质控通过数大于上传数）"),
)
EXPENSE_POOL_DELTA_FEN = 12_345_678  # 123,456.78 yuan
INCOME_OTHER_DELTA_FEN = 8_888_800  # 88,888.00 yuan
JUMP_FACTOR = 3.0


@dataclass
class FaultPlan:
    enabled: bool
    row_faults: dict[str, str] = field(default_factory=dict)  # kind -> period
    figure_faults: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # kind -> (period, inst)
    records: list[dict] = field(default_factory=list)  # filled while writing

    def row_faults_in(self, period: str, table: str) -> list[str]:
        if not self.enabled:
            return []
        tables = {k: t for k, t, _ in ROW_FAULTS}
        return [k for k, p in self.row_faults.items() if p == period and tables[k] == table]

    def figure(self, kind: str) -> tuple[str, int | None] | None:
        return self.figure_faults.get(kind) if self.enabled else None

    def ipt_factor(self, period: str, inst: int) -> float:
        f = self.figure("discharge_jump")
        return JUMP_FACTOR if f and f[0] == period and f[1] == inst else 1.0

    def missing(self, period: str) -> int | None:
        f = self.figure("institution_missing_month")
        return f[1] if f and f[0] == period else None


def plan_faults(world: World, used: set[int], enabled: bool, fmt: str) -> FaultPlan:
    cfg = world.cfg
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([cfg.seed, 7002])))
    periods = cfg.periods
    plan = FaultPlan(enabled=enabled)
    inner = periods[1:-1] or periods  # month-over-month faults need a previous and a next month
    for kind, _table, _ in ROW_FAULTS:
        if kind == "non_numeric_amount" and fmt == "parquet":
            continue  # a typed Parquet column cannot hold text; recorded as not applicable
        plan.row_faults[kind] = periods[int(rng.integers(0, len(periods)))]
    ins = world.insts
    # (with many injected institutions none may be free: the faults then share one)
    hosp = [int(i) for i in ins.hospitals if int(i) not in used] or [int(i) for i in ins.hospitals]
    second = [i for i in hosp if ins.level[i] == 1] or hosp
    others = [i for i in hosp if ins.level[i] <= 1 and ins.drg[i]] or hosp
    picks: set[int] = set()

    def pick(cands):
        free = [i for i in cands if i not in picks] or cands
        i = free[int(rng.integers(0, len(free)))]
        picks.add(i)
        return i

    plan.figure_faults["fund_expense_pool_mismatch"] = (periods[int(rng.integers(0, len(periods)))], None)
    plan.figure_faults["fund_income_items_not_adding"] = (periods[int(rng.integers(0, len(periods)))], None)
    # the jump goes to the largest free hospital: review skips small ones (too few discharges)
    largest = max(hosp, key=lambda i: ins.ipt_rate[i])
    picks.add(largest)
    plan.figure_faults["discharge_jump"] = (inner[int(rng.integers(0, len(inner)))], largest)
    plan.figure_faults["institution_missing_month"] = (inner[int(rng.integers(0, len(inner)))], pick(second))
    plan.figure_faults["qc_without_upload"] = (periods[int(rng.integers(0, len(periods)))], pick(others))
    return plan


def _fen_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def fault_row(kind: str, template: dict[str, str], setl_id: str, region: str) -> dict[str, str]:
    """A setl_d row (as text) carrying one row-level fault, made from a good row."""
    if kind == "duplicate_setl_id":
        return dict(template)  # the very same row once more
    r = dict(template, setl_id=setl_id, refd_setl_flag="0", vali_flag="1")
    medfee = r["medfee_sumamt"]
    if kind == "negative_amount":
        r["medfee_sumamt"] = "-" + medfee
    elif kind == "hifp_exceeds_medfee":
        over = _fen_text(int(medfee.replace(".", "")) + 10_000)
        r["hifp_pay"] = r["fund_pay_sumamt"] = over
    elif kind == "end_before_begin":
        r["begndate"] = (date.fromisoformat(r["enddate"]) + timedelta(days=3)).isoformat()
    elif kind == "unknown_med_type":
        r["med_type"] = "77"
    elif kind == "non_numeric_amount":
        r["medfee_sumamt"] = medfee.replace("0", "O", 1) if "0" in medfee else medfee + "元"
    elif kind == "unknown_local_institution":
        r["fixmedins_code"] = f"H{region}99999"
        r["fix_blng_admdvs"] = region
    return r
