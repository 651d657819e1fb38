"""The region's 医共体 rules: what seeds/003 leaves to each city (具体比例由各市自行确定).

Read from `yigongti.yaml` (setting `yigongti_file`, else `<workdir>/yigongti.yaml`), each key
overriding the built-in default below. Every default is a placeholder a region is expected to set.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from ..config import Settings
from ..errors import DefinitionError
from ..overrides import region_file

# Annex indicators (seeds/003 附件): id -> (name, direction). "up" = higher is better.
INDICATORS: dict[str, tuple[str, str]] = {
    "1-1": ("参保率", "up"),
    "1-2": ("城乡居民医保财政补助到位率", "up"),
    "2-1": ("住院率", "down"),
    "2-2": ("县域外住院率", "down"),
    "2-3": ("住院费用增长率", "down"),
    "2-4": ("参保人员住院人均费用", "down"),
    "2-5": ("县域就诊率", "up"),
    "2-6": ("医保基金县域内支出率（不含药店、不含个人账户）", "up"),
    "2-7": ("县域内基层医疗卫生机构医保基金占比", "up"),
    "2-8": ("住院费用实际报销比", "up"),
    "3-1": ("县域内村卫生室纳入医保定点增长率", "up"),
    "3-2": ("集采中选药品采购占比", "up"),
    "4-1": ("医保病人满意度", "up"),
}

DEFAULT_WEIGHTS = {"1-1": 8, "1-2": 6, "2-1": 8, "2-2": 10, "2-3": 8, "2-4": 8, "2-5": 10, "2-6": 8,
                   "2-7": 8, "2-8": 8, "3-1": 6, "3-2": 6, "4-1": 6}
# Targets: a fraction, a yuan amount, or "上年" (no worse than the same indicator last year).
DEFAULT_TARGETS = {"1-1": "0.95", "1-2": "1", "2-1": "0.20", "2-2": "0.05", "2-3": "0.05", "2-4": "上年",
                   "2-5": "0.90", "2-6": "0.65", "2-7": "0.20", "2-8": "0.60", "3-1": "0", "3-2": "0.80",
                   "4-1": "0.90"}
PREVIOUS_YEAR = "上年"


@dataclass(frozen=True)
class Grade:
    name: str
    min_score: Decimal  # on 0..100
    retain_share: Decimal  # 结余留用: share of a surplus the 医共体 keeps
    overspend_share: Decimal  # 合理超支分担: share of the reasonable over-spend the fund bears


DEFAULT_GRADES = (
    Grade("优秀", Decimal(90), Decimal("1"), Decimal("0.6")),
    Grade("良好", Decimal(80), Decimal("0.8"), Decimal("0.5")),
    Grade("合格", Decimal(60), Decimal("0.6"), Decimal("0.3")),
    Grade("不合格", Decimal(0), Decimal("0.3"), Decimal("0")),
)


@dataclass(frozen=True)
class Rules:
    risk_reserve_rate: Decimal = Decimal("0.10")  # 预留风险调节金 before any budget
    income_growth: Decimal = Decimal("0")  # expected fund income = last year's × (1 + growth)
    weights: dict[str, Decimal] = field(default_factory=lambda: {k: Decimal(v) for k, v in DEFAULT_WEIGHTS.items()})
    targets: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    grades: tuple[Grade, ...] = DEFAULT_GRADES
    # 预警阈值 (seeds/003 四): monthly execution ahead of time, 县域外住院率 rise, member signals
    warn_execution_ahead: Decimal = Decimal("0.05")  # spent share of budget > elapsed share + this
    warn_outside_rate_rise: Decimal = Decimal("0.20")  # 县域外住院率 up by more than 20% year on year
    warn_member_signals: int = 1  # findings per member and month that raise a warning

    def grade(self, score: Decimal | None) -> Grade:
        ordered = sorted(self.grades, key=lambda g: g.min_score, reverse=True)
        if score is None:
            return ordered[-1]
        return next((g for g in ordered if score >= g.min_score), ordered[-1])


def _dec(value, where: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DefinitionError(f"县域医共体规则文件中 {where} 的值「{value}」不是数字") from exc
    if not d.is_finite():
        raise DefinitionError(f"县域医共体规则文件中 {where} 的值「{value}」不是有限数字")
    return d


def _share(value, where: str) -> Decimal:
    d = _dec(value, where)
    if not Decimal(0) <= d <= Decimal(1):
        raise DefinitionError(f"县域医共体规则文件中 {where} 的值「{value}」应在 0 与 1 之间")
    return d


def load_rules(settings: Settings, path: Path | str | dict | None = None) -> Rules:
    """Built-in defaults overridden by the region's file (a dict is taken as the parsed file)."""
    if path is None:
        path = region_file(settings.yigongti_file, settings.workdir, "yigongti.yaml")
    if path is None:
        return Rules()
    if isinstance(path, dict):
        data = path
    else:
        path = Path(path)
        if not path.exists():
            raise DefinitionError(f"找不到县域医共体规则文件：{path}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
        except yaml.YAMLError as exc:
            raise DefinitionError(f"县域医共体规则文件 {path} 不是有效的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise DefinitionError("县域医共体规则文件的顶层应为映射")
    known = {f.name for f in fields(Rules)}
    unknown = set(data) - known
    if unknown:
        raise DefinitionError(f"县域医共体规则文件含未知的键：{'、'.join(sorted(map(str, unknown)))}",
                              f"可用的键：{'、'.join(sorted(known))}")
    rules = Rules()
    upd: dict = {}
    for key in ("risk_reserve_rate", "warn_execution_ahead", "warn_outside_rate_rise"):
        if key in data:
            upd[key] = _share(data[key], key)
    if "income_growth" in data:
        upd["income_growth"] = _dec(data["income_growth"], "income_growth")
    if "warn_member_signals" in data:
        upd["warn_member_signals"] = int(_dec(data["warn_member_signals"], "warn_member_signals"))
    if "weights" in data:
        w = dict(rules.weights)
        for k, v in (data["weights"] or {}).items():
            if str(k) not in INDICATORS:
                raise DefinitionError(f"县域医共体规则文件 weights 中的指标「{k}」不在附件指标（1-1 至 4-1）中")
            w[str(k)] = _dec(v, f"weights.{k}")
            if w[str(k)] < 0:
                raise DefinitionError(f"县域医共体规则文件 weights.{k} 不能为负")
        upd["weights"] = w
    if "targets" in data:
        t = dict(rules.targets)
        for k, v in (data["targets"] or {}).items():
            if str(k) not in INDICATORS:
                raise DefinitionError(f"县域医共体规则文件 targets 中的指标「{k}」不在附件指标（1-1 至 4-1）中")
            t[str(k)] = PREVIOUS_YEAR if str(v) == PREVIOUS_YEAR else str(_dec(v, f"targets.{k}"))
        upd["targets"] = t
    if "grades" in data:
        grades = []
        for i, g in enumerate(data["grades"] or []):
            where = f"grades 第 {i + 1} 项"
            try:
                grades.append(Grade(str(g["name"]), _dec(g["min_score"], where + ".min_score"),
                                    _share(g["retain_share"], where + ".retain_share"),
                                    _share(g["overspend_share"], where + ".overspend_share")))
            except (KeyError, TypeError) as exc:
                raise DefinitionError(f"县域医共体规则文件 {where} 须有 name、min_score、retain_share、overspend_share") from exc
        if not grades:
            raise DefinitionError("县域医共体规则文件 grades 不能为空")
        upd["grades"] = tuple(grades)
    return replace(rules, **upd)
