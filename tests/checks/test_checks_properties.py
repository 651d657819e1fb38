"""Properties: a rule fires exactly when its condition holds, whatever the numbers."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from liangjiadi.checks import run_checks

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
share = st.decimals(min_value=-1, max_value=2, places=4, allow_nan=False, allow_infinity=False)
FAST = hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(part=money, whole=money)
def test_part_rule_fires_iff_part_exceeds_whole(rf, settings, part, whole):
    rows = rf.with_value(rf.with_value(rf.clean_rows(), "11", part), "10", whole)
    rows = rf.with_value(rows, "9", max(whole, 1500))  # keep 10 within its own whole
    report = run_checks("2025-03", settings, rf.to_table(rows), only=["part_le_whole"], save=False)
    fired = {r["indicator_ids"] for r in report.failures}
    assert ("11,10" in fired) == (part > whole + Decimal("0.01"))


@FAST
@given(value=share)
def test_ratio_rule_fires_iff_outside_zero_to_one(rf, settings, value):
    report = run_checks("2025-03", settings, rf.to_table(rf.with_value(rf.clean_rows(), "45", value, "H001")),
                        only=["ratio_bounds"], save=False)
    assert bool(report.failures) == (value < 0 or value > 1)
