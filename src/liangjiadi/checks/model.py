"""The vocabulary of 复核: statuses, severities, rule specifications and their outcomes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import pyarrow as pa


class Status(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"  # the rule itself crashed: its verdict is unknown


STATUS_CN = {
    Status.PASS: "通过",
    Status.WARN: "提示",  # the one word for a warning verdict, in reports, worksheets and release list
    Status.FAIL: "不通过",
    Status.NOT_APPLICABLE: "不适用",
    Status.ERROR: "检查出错",
}

# Which status wins when a run (or one check) is summarised.
STATUS_RANK = {
    Status.NOT_APPLICABLE: 0,
    Status.PASS: 1,
    Status.WARN: 2,
    Status.ERROR: 3,
    Status.FAIL: 4,
}


def worst(statuses: Iterable[Status | str]) -> Status:
    statuses = [Status(s) for s in statuses]
    if not statuses:
        return Status.NOT_APPLICABLE
    return max(statuses, key=STATUS_RANK.__getitem__)


class Severity(str, Enum):
    ERROR = "error"  # a violation fails the run and stops a release until fixed or explained
    WARNING = "warning"  # a violation is a warning for the reviewer
    INFO = "info"  # informational (e.g. what is not published this period)


SEVERITY_CN = {Severity.ERROR: "错误，阻断发布", Severity.WARNING: "警告", Severity.INFO: "提示"}


@dataclass(frozen=True)
class Param:
    """A threshold or setting of a rule, with the reason for its default."""

    default: Any
    note: str
    unit: str = ""

    def describe(self, value: Any | None = None) -> str:
        shown = self.default if value is None else value
        if isinstance(shown, (list, tuple)):
            shown = "、".join(str(x) for x in shown)
        return f"{shown}{self.unit}"


@dataclass(frozen=True)
class Outcome:
    """One verdict of a rule on one item (an indicator, an institution, a fund ...).

    `VIOLATION` is turned into fail or warn by the rule's severity; rules use it for what
    the rule exists to catch and use WARN only for softer signals.
    """

    status: Status | str
    reason_code: str
    message: str = ""
    indicator_ids: tuple[str, ...] = ()
    fixmedins_code: str | None = None
    observed: str = ""
    observed_value: float | None = None
    expected: str = ""
    threshold: str = ""


VIOLATION = "violation"


def violation(reason_code: str, message: str, **kw) -> Outcome:
    return Outcome(VIOLATION, reason_code, message, **kw)


def warn(reason_code: str, message: str, **kw) -> Outcome:
    return Outcome(Status.WARN, reason_code, message, **kw)


def passed(reason_code: str = "OK", message: str = "", **kw) -> Outcome:
    return Outcome(Status.PASS, reason_code, message, **kw)


def not_applicable(reason_code: str, message: str, **kw) -> Outcome:
    return Outcome(Status.NOT_APPLICABLE, reason_code, message, **kw)


# Reason codes any rule may report besides its own (summary rows, missing inputs, crashes).
GENERAL_REASON_CODES = {
    "OK": "汇总行：比较的各项均通过",
    "NOTHING_TO_CHECK": "本期没有可比较的项",
    "NO_DATA": "数据湖中没有该规则需要的数据",
    "NO_HISTORY": "没有可比较的前期数据",
    "NO_RESULTS": "没有计算结果",
    "CHECK_CRASHED": "规则本身运行出错（状态 error）",
}

RuleFunc = Callable[..., Iterable[Outcome]]


@dataclass(frozen=True)
class CheckSpec:
    """A registered 复核 rule: what it checks, why, its thresholds and reason codes."""

    check_id: str
    title: str
    rule: str  # what is compared, in Chinese
    note: str  # why the rule exists (the handbook's reason), in Chinese
    reason_codes: dict[str, str]  # code -> Chinese meaning
    func: RuleFunc
    severity: Severity = Severity.ERROR
    params: dict[str, Param] = field(default_factory=dict)
    uses: tuple[str, ...] = ("results",)  # results | previous_results | lake:<table>
    origin: str = "builtin"  # builtin | the YAML file a local rule came from
    enabled: bool = True
    bound: dict[str, Any] = field(default_factory=dict)  # fixed arguments of a templated rule

    def with_overrides(self, *, params: dict | None = None, severity: str | None = None,
                       enabled: bool | None = None) -> "CheckSpec":
        new_params = dict(self.params)
        for name, value in (params or {}).items():
            new_params[name] = replace(new_params[name], default=value)
        return replace(
            self,
            params=new_params,
            severity=Severity(severity) if severity else self.severity,
            enabled=self.enabled if enabled is None else bool(enabled),
        )

    def param_values(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.params.items()}

    def threshold_text(self) -> str:
        return "；".join(f"{name} = {p.describe()}" for name, p in self.params.items()) or "-"


# One row of a check report.
CHECK_SCHEMA = pa.schema([
    pa.field("admdvs", pa.string()),
    pa.field("period", pa.string()),
    pa.field("check_run_id", pa.string()),
    pa.field("results_run_id", pa.string()),
    pa.field("check_id", pa.string()),
    pa.field("check_title", pa.string()),
    pa.field("status", pa.string()),  # pass | warn | fail | not_applicable | error
    pa.field("severity", pa.string()),  # error | warning | info
    pa.field("reason_code", pa.string()),
    pa.field("indicator_ids", pa.string()),  # comma-separated, e.g. "11,10"
    pa.field("fixmedins_code", pa.string()),
    pa.field("observed", pa.string()),  # the figures, as printed in the message
    pa.field("observed_value", pa.float64()),  # the key figure, for sorting and charts
    pa.field("expected", pa.string()),
    pa.field("threshold", pa.string()),
    pa.field("message", pa.string()),  # one Chinese sentence naming the figures
    pa.field("note", pa.string()),  # why the rule exists
    pa.field("checked_at", pa.timestamp("us", tz="UTC")),
])
