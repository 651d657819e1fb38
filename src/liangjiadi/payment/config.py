"""A region's payment configuration (支付方式配置): one TOML file, every value overridable.

Where it comes from (highest first): `--set KEY=VALUE` on the command line, the region's file
(setting `payment_file`, else `<workdir>/payment.toml`), the optional input tables (调节系数表,
床日付费标准表, 日间手术病种表) for the year, the defaults below. The defaults are the national
rules of the 2024 DRG/DIP 2.0 notice and common regional practice (spec/calibration.md); each
is named in docs/payment.md with its source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import PaymentError

LEVELS = ("三级", "二级", "一级及以下")
GRADES = ("A", "B", "C", "D")
SCHEMES = ("DRG", "DIP")


def _d(x: str) -> Decimal:
    return Decimal(x)


@dataclass(frozen=True)
class PaymentConfig:
    scheme: str = "DRG"
    # 病种分值 / RW: "history" (reference years' group mean cost / mean cost of all cases) or
    # "catalog" (grp_catalog.weight). History falls back to the catalogue for a group it lacks.
    standards_source: str = "history"
    # Weights of the reference years, oldest first, ending with the year before the settled one.
    reference_weights: tuple[Decimal, ...] = (_d("1"), _d("2"), _d("7"))
    # 统筹基金可用于 DRG/DIP 的年度总额（元）; None = budget table drg_dip_pool of the year, else
    # the fund's actual payment for the year's DRG/DIP cases.
    fund_available: Decimal | None = None
    # 实际报销比例 (DIP 结算点值); None = the year's Σ统筹基金支付 / Σ医疗费用 of the cases.
    reimbursement_ratio: Decimal | None = None
    level_coefficients: dict[str, Decimal] = field(default_factory=lambda: {
        "三级": _d("1.00"), "二级": _d("0.85"), "一级及以下": _d("0.70")})
    institution_coefficients: dict[str, Decimal] = field(default_factory=dict)
    basic_level: str = "二级"
    basic_groups: tuple[str, ...] = ()  # in addition to grp_catalog.basic_grp_flag = 1
    outlier_low: Decimal = _d("0.5")
    outlier_high: Decimal = _d("2")
    outlier_review: Decimal = _d("5")
    special_cap: dict[str, Decimal] = field(default_factory=lambda: {"DRG": _d("0.05"), "DIP": _d("0.005")})
    bed_day_rates: dict[str, Decimal] = field(default_factory=lambda: {
        "三级": _d("420"), "二级": _d("330"), "一级及以下": _d("260")})
    day_surgery_groups: dict[str, Decimal] = field(default_factory=dict)  # code -> 元 (0 = by points)
    day_surgery_max_days: int = 1
    prepay_share: Decimal = _d("0.10")
    retain_share: dict[str, Decimal] = field(default_factory=lambda: {
        "A": _d("1"), "B": _d("0.8"), "C": _d("0.6"), "D": _d("0.4")})
    overspend_share: dict[str, Decimal] = field(default_factory=lambda: {
        "A": _d("0.7"), "B": _d("0.5"), "C": _d("0.3"), "D": _d("0")})
    overspend_reasonable_limit: Decimal = _d("0.10")
    deposit_share: Decimal = _d("0.05")
    deposit_return: dict[str, Decimal] = field(default_factory=lambda: {
        "A": _d("1"), "B": _d("0.8"), "C": _d("0.5"), "D": _d("0")})
    adjustment_threshold: Decimal = _d("0.20")
    adjustment_min_cases: int = 5
    default_grade: str = "B"  # when no assessment indicator has data
    grade_thresholds: dict[str, Decimal] = field(default_factory=lambda: {
        "A": _d("90"), "B": _d("80"), "C": _d("70")})
    assessment_weights: dict[str, Decimal] = field(default_factory=lambda: {
        "mean_cost": _d("10"), "cost_growth": _d("10"), "fund_share": _d("5"),
        "mean_los": _d("10"), "readmission_15d": _d("10"), "death_rate": _d("5"),
        "complication_rate": _d("5"), "satisfaction": _d("5"),
        "cmi": _d("10"), "grade34_surgery": _d("5"),
        "low_admission": _d("10"), "split_admission": _d("5"), "coding_findings": _d("5"),
        "cost_index": _d("10")})
    monitor_warn: Decimal = _d("0.05")
    monitor_severe: Decimal = _d("0.10")
    # behaviour and quality monitoring (11.1): see payment/monitor.py
    monitor_recent_months: int = 3  # the recent window compared with the months before it
    monitor_min_cases: int = 20  # fewer recent cases at an institution: no quality signal
    monitor_quality_rise: Decimal = _d("0.02")  # a quality rate up this much (2 个百分点): 预警; twice: 严重
    monitor_cmi_drop: Decimal = _d("0.10")  # CMI down this share against the months before: 推诿 预警
    monitor_behaviour_months: int = 3  # named by a detector this many months running: 严重

    def level_coefficient(self, level: str) -> Decimal:
        return self.level_coefficients.get(level, Decimal(1))

    def institution_coefficient(self, code: str) -> Decimal:
        return self.institution_coefficients.get(code, Decimal(1))

    @property
    def cap(self) -> Decimal:
        return self.special_cap[self.scheme]

    def grade_of(self, score: Decimal | None) -> str | None:
        if score is None:
            return None
        for g in ("A", "B", "C"):
            if score >= self.grade_thresholds[g]:
                return g
        return "D"


_DECIMAL = {"fund_available", "reimbursement_ratio", "outlier_low", "outlier_high", "outlier_review",
            "prepay_share", "overspend_reasonable_limit", "deposit_share", "adjustment_threshold",
            "monitor_warn", "monitor_severe", "monitor_quality_rise", "monitor_cmi_drop"}
_DECIMAL_MAPS = {"level_coefficients", "institution_coefficients", "special_cap", "bed_day_rates",
                 "day_surgery_groups", "retain_share", "overspend_share", "deposit_return",
                 "grade_thresholds", "assessment_weights"}
_SHARE_MAPS = {"retain_share", "overspend_share", "deposit_return"}
_SHARES = {"prepay_share", "deposit_share", "reimbursement_ratio", "overspend_reasonable_limit",
           "monitor_quality_rise", "monitor_cmi_drop"}
KEYS = {f.name for f in fields(PaymentConfig)}

# What each key is called in a document (the 清算 workbook's 配置 sheet): no field name reaches a reader.
KEY_CN = {
    "scheme": "付费方式", "standards_source": "分值/权重来源", "reference_weights": "参考年度权重（由旧到新）",
    "fund_available": "可用基金（元）", "reimbursement_ratio": "实际报销比例",
    "level_coefficients": "等级系数", "institution_coefficients": "机构调节系数", "basic_level": "基层病种支付级别",
    "basic_groups": "追加的基层病种", "outlier_low": "费用极低病例阈值（倍）", "outlier_high": "费用极高病例阈值（倍）",
    "outlier_review": "专家评审阈值（倍）", "special_cap": "特例单议上限", "bed_day_rates": "床日付费标准（元）",
    "day_surgery_groups": "日间手术病种定额（元）", "day_surgery_max_days": "日间手术最长住院天数",
    "prepay_share": "预付款比例", "retain_share": "结余留用比例", "overspend_share": "合理超支分担比例",
    "overspend_reasonable_limit": "合理超支上限（占按项目支付）", "deposit_share": "质量保证金比例",
    "deposit_return": "质量保证金返还比例", "adjustment_threshold": "动态调整阈值",
    "adjustment_min_cases": "动态调整最少病例数", "default_grade": "无考核数据时的等级",
    "grade_thresholds": "考核等级分数线", "assessment_weights": "考核指标权重",
    "monitor_warn": "基金超支预警阈值", "monitor_severe": "基金超支严重阈值",
    "monitor_recent_months": "行为与质量监测近期月数", "monitor_min_cases": "质量监测最少近期病例数",
    "monitor_quality_rise": "质量指标上升预警阈值", "monitor_cmi_drop": "CMI 下降预警阈值",
    "monitor_behaviour_months": "连续检出为严重的月数",
}
SCHEME_SOURCE_CN = {"history": "历史数据", "catalog": "分组目录"}


def describe(key: str, value: Any, names: dict[str, str] | None = None) -> tuple[str, str]:
    """(Chinese name, value as a reader sees it) of a frozen configuration entry; map keys are
    named through `names` (e.g. the assessment indicators) when given."""
    names = names or {}
    if isinstance(value, dict):
        text = "、".join(f"{names.get(k, k)} {v}" for k, v in value.items()) or "无"
    elif isinstance(value, (list, tuple)):
        text = "、".join(str(v) for v in value) or "无"
    elif value is None:
        text = "按数据计算"
    else:
        text = SCHEME_SOURCE_CN.get(str(value), str(value))
    return KEY_CN.get(key, key), text


def _decimal(where: str, key: str, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise PaymentError(f"{where}：{key} 应为数值，实为 {value!r}")
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PaymentError(f"{where}：{key} 应为数值，实为 {value!r}") from None
    if not d.is_finite():
        raise PaymentError(f"{where}：{key} 应为有限数值，实为 {value!r}")
    return d


def _coerce(where: str, key: str, value: Any) -> Any:
    if key in _DECIMAL:
        d = _decimal(where, key, value)
        if d < 0:
            raise PaymentError(f"{where}：{key} 不能为负数（{d}）")
        if key in _SHARES and d > 1:
            raise PaymentError(f"{where}：{key} 是比例，应在 0 与 1 之间（{d}）")
        return d
    if key in _DECIMAL_MAPS:
        if not isinstance(value, dict):
            raise PaymentError(f"{where}：{key} 应为表（键 = 值），实为 {value!r}")
        out = {str(k): _decimal(where, f"{key}.{k}", v) for k, v in value.items()}
        for k, d in out.items():
            if d < 0:
                raise PaymentError(f"{where}：{key}.{k} 不能为负数（{d}）")
            if key in _SHARE_MAPS and d > 1:
                raise PaymentError(f"{where}：{key}.{k} 是比例，应在 0 与 1 之间（{d}）")
        return out
    if key == "reference_weights":
        if not isinstance(value, (list, tuple)) or not value:
            raise PaymentError(f"{where}：reference_weights 应为非空数组，如 [1, 2, 7]")
        ws = tuple(_decimal(where, "reference_weights", v) for v in value)
        if any(w < 0 for w in ws) or sum(ws) <= 0:
            raise PaymentError(f"{where}：reference_weights 不能为负且合计应大于 0")
        return ws
    if key == "basic_groups":
        if not isinstance(value, (list, tuple)):
            raise PaymentError(f"{where}：basic_groups 应为数组，如 [\"GD19\"]")
        return tuple(str(v).strip().upper() for v in value)
    if key in ("day_surgery_max_days", "adjustment_min_cases", "monitor_recent_months", "monitor_min_cases",
               "monitor_behaviour_months"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PaymentError(f"{where}：{key} 应为非负整数，实为 {value!r}")
        return value
    if key in ("scheme", "standards_source", "basic_level", "default_grade"):
        return str(value).strip()
    return value


def _check(cfg: PaymentConfig, where: str) -> PaymentConfig:
    scheme = cfg.scheme.upper()
    if scheme not in SCHEMES:
        raise PaymentError(f"{where}：scheme 应为 DRG 或 DIP，实为 {cfg.scheme!r}")
    if cfg.standards_source not in ("history", "catalog"):
        raise PaymentError(f"{where}：standards_source 应为 history（历史数据）或 catalog（分组目录），"
                           f"实为 {cfg.standards_source!r}")
    if cfg.basic_level not in LEVELS:
        raise PaymentError(f"{where}：basic_level 应为 {' / '.join(LEVELS)} 之一，实为 {cfg.basic_level!r}")
    for name in ("level_coefficients", "bed_day_rates"):
        unknown = set(getattr(cfg, name)) - set(LEVELS)
        if unknown:
            raise PaymentError(f"{where}：{name} 含未知的机构级别 {'、'.join(sorted(unknown))}",
                               f"级别只能是 {' / '.join(LEVELS)}")
    for name in ("retain_share", "overspend_share", "deposit_return"):
        missing = set(GRADES) - set(getattr(cfg, name))
        if missing:
            raise PaymentError(f"{where}：{name} 缺少考核等级 {'、'.join(sorted(missing))}")
    if set(cfg.special_cap) != {"DRG", "DIP"} or any(v > 1 for v in cfg.special_cap.values()):
        raise PaymentError(f"{where}：special_cap 应给出 DRG 与 DIP 两个 0 至 1 的比例")
    if not cfg.outlier_low < cfg.outlier_high < cfg.outlier_review:
        raise PaymentError(f"{where}：应满足 outlier_low < outlier_high < outlier_review"
                           f"（{cfg.outlier_low} / {cfg.outlier_high} / {cfg.outlier_review}）")
    if cfg.default_grade not in GRADES:
        raise PaymentError(f"{where}：default_grade 应为 {' / '.join(GRADES)} 之一")
    g = cfg.grade_thresholds
    if set(g) != {"A", "B", "C"} or not g["A"] >= g["B"] >= g["C"]:
        raise PaymentError(f"{where}：grade_thresholds 应给出 A ≥ B ≥ C 三个分数线")
    return replace(cfg, scheme=scheme)


def apply(cfg: PaymentConfig, values: dict[str, Any], where: str) -> PaymentConfig:
    """`cfg` with `values` (a parsed TOML mapping) applied; maps are merged key by key."""
    update: dict[str, Any] = {}
    for key, value in values.items():
        if key not in KEYS:
            raise PaymentError(f"{where}：未知的配置项 {key}", f"可用的配置项：{'、'.join(sorted(KEYS))}")
        value = _coerce(where, key, value)
        if key in _DECIMAL_MAPS:
            value = {**getattr(cfg, key), **value}
        update[key] = value
    return _check(replace(cfg, **update), where)


def read_file(path: Path) -> dict[str, Any]:
    """A payment configuration file's raw mapping (Chinese error for a missing or broken file)."""
    if not path.exists():
        raise PaymentError(f"找不到支付方式配置文件：{path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise PaymentError(f"支付方式配置文件 {path} 不是有效的 TOML：{exc}") from None


def where(path: Path) -> str:
    return f"支付方式配置文件 {path}"


def load(path: Path | None, base: PaymentConfig | None = None) -> PaymentConfig:
    cfg = base or PaymentConfig()
    if path is None:
        return _check(cfg, "默认支付配置")
    return apply(cfg, read_file(path), where(path))


def parse_set(items: list[str]) -> dict[str, Any]:
    """`--set KEY=VALUE` pairs as a nested mapping; dotted keys reach into a table
    (level_coefficients.二级=0.9). VALUE is read as TOML (numbers, strings, arrays), else text."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise PaymentError(f"--set {item!r} 格式错误", "应为 KEY=VALUE，如 --set fund_available=5000000")
        key, raw = (s.strip() for s in item.split("=", 1))
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        head, _, sub = key.partition(".")
        if sub:
            out.setdefault(head, {})
            if not isinstance(out[head], dict):
                raise PaymentError(f"--set {key}：{head} 已整体设置，不能再设置其中一项")
            out[head][sub] = value
        else:
            out[head] = value
    return out
