"""The inputs of a settlement as plain values, so every rule can be worked by hand in a test."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Case:
    """One DRG/DIP case (出院病例) at an institution: a valid, non-refund inpatient settlement."""

    setl_id: str
    inst: str
    month: str  # YYYY-MM of the settlement
    grp_code: str | None  # None: not grouped (未入组)
    cost: Decimal  # 医疗费总额 medfee_sumamt
    fund: Decimal  # 统筹基金支付 hifp_pay: what the case cost the fund item by item
    days: int | None = None  # act_ipt_days
    pay_way: str = "drg_std"  # setl_pay_way as delivered
    special_ok: bool = False  # 特例单议 application approved (audit_result = 1)
    psn: str | None = None  # pseudonymised person (readmission)
    admitted: str | None = None  # begndate (ISO), readmission
    discharged: str | None = None  # enddate (ISO)
    dscg_way: str | None = None  # 离院方式 (5 = 死亡)
    oprn_code: str | None = None  # 主手术操作编码 (三四级手术占比 with the oprn_grade catalogue)
    diag_supplied: bool = False  # the case's discharge diagnoses are in setl_diag
    complication: bool = False  # a secondary diagnosis absent on admission (入院病情 4)


@dataclass(frozen=True)
class Institution:
    code: str
    level: str  # 三级 / 二级 / 一级及以下 (schema.level_group)
    name: str = ""


WAYS = ("standard", "basic", "high", "low", "special", "itemised", "bed_day", "day_surgery")
WAY_CN = {
    "standard": "按病组/病种标准", "basic": "基层病种（同病同付）", "high": "费用极高病例",
    "low": "费用极低病例（按项目）", "special": "特例单议（按项目）", "itemised": "按项目（未入组/复杂病例）",
    "bed_day": "按床日", "day_surgery": "日间手术",
}


@dataclass(frozen=True)
class AssessInputs:
    """What the assessment reads besides the cases; None = not supplied (the indicator then says
    缺少数据, never a guess)."""

    diag_supplied: bool = False  # setl_diag has rows (complications can be told)
    oprn_grades: dict[str, str] | None = None  # oprn_grade: 手术操作编码 -> 级别 1-4
    satisfaction: dict[str, tuple[int, int]] | None = None  # patient_satisfaction: code -> (满意, 调查)
    # detection findings of the year: month -> institution -> pattern -> count (None: never examined)
    findings: dict[str, dict[str, dict[str, int]]] | None = None
