"""建议公开频次: which results may be published in the period."""

from __future__ import annotations

from collections.abc import Iterable

from ..context import CheckContext
from ..frequency import is_publishable, not_due_reason
from ..model import Outcome, Severity, not_applicable, passed
from ..registry import check


@check(
    "publish_frequency",
    title="按建议公开频次确定本期可公开的指标",
    rule="季度指标在 3、6、9、12 月公开，半年指标在 6、12 月，年度指标在 12 月，“半年/年”指标在 6、12 月，其余每月公开；本期不到公开时点的指标标为“不适用”，不进入底稿公开值与发布。",
    note="手册§五(一)为每项指标规定了建议公开频次；如半年指标按月公开，数据口径（半年累计）与读者的理解不一致。",
    reason_codes={"NOT_DUE_THIS_PERIOD": "本期不是该指标的公开时点"},
    severity=Severity.INFO,
)
def publish_frequency(ctx: CheckContext) -> Iterable[Outcome]:
    ids_with_results = set(ctx.results["indicator_id"])
    for meta in ctx.catalogue:
        if meta.is_heading or meta.id not in ids_with_results:
            continue
        if is_publishable(meta.freq, ctx.period):
            yield passed(indicator_ids=(meta.id,))
        else:
            yield not_applicable(
                "NOT_DUE_THIS_PERIOD",
                f"{meta.label}{not_due_reason(meta, ctx.period)}，{ctx.period_label}不公开。",
                indicator_ids=(meta.id,), observed=meta.freq, expected="本期不公开",
            )
