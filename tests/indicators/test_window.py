"""A window's values from its months (indicators/window.py): one rule per indicator."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal as D

import pyarrow as pa
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from liangjiadi.indicators.registry import Row, builtin_indicators, get
from liangjiadi.indicators.results import RESULT_SCHEMA
from liangjiadi.indicators.window import window_results
from liangjiadi.period import Window

Q = Window.parse("2025-Q2")
MONTHS = Q.month_keys
PREVIOUS = Q.previous().month_keys
INDICATORS = {i.id: i for i in builtin_indicators()}


def _dec(x):
    return None if x is None else D(str(x)).quantize(D("1e-10"))


def _row(period, iid, value, code=None, num=None, den=None, note=None):
    return {"admdvs": "140400", "period": period, "indicator_id": iid,
            "scope": "institution" if code else "region", "fixmedins_code": code,
            "value": _dec(value), "numerator": _dec(num), "denominator": _dec(den), "basis": "period", "note": note,
            "run_id": f"R{period}", "computed_at": datetime(2025, 7, 1, tzinfo=timezone.utc)}


def _tables(rows: list[dict]) -> dict[str, pa.Table]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["period"], []).append(r)
    return {p: pa.Table.from_pylist(rs, schema=RESULT_SCHEMA) for p, rs in out.items()}


def _values(table: pa.Table) -> dict:
    return {(r["indicator_id"], r["fixmedins_code"]): (r["value"], r["note"]) for r in table.to_pylist()}


def test_every_indicator_has_a_rule_and_the_rules_follow_the_catalogue():
    rules = {i.id: i.window_rule for i in builtin_indicators()}
    assert {rules[i] for i in ("36", "38", "39")} == {"sum"}
    assert {rules[i] for i in ("28", "29", "30", "31", "32", "37", "40", "45", "CMI")} == {"ratio"}
    assert {rules[i] for i in ("1", "8", "11", "14", "15")} == {"cumulative"}
    assert {rules[i] for i in ("18", "21", "24", "46", "48")} == {"end"}
    assert {rules[i] for i in ("33", "34", "35", "42")} == {"half"}
    assert (rules["41"], rules["41m"], rules["43"], rules["44"]) == ("growth", "mixed_growth", "index", "index")
    assert rules["16"] == "none"


def test_amounts_sum_ratios_recompute_and_year_to_date_takes_the_end():
    rows = []
    for k, p in enumerate(MONTHS, start=1):
        rows += [_row(p, "36", 100 * k), _row(p, "36", 10 * k, "H1"),
                 _row(p, "37", 100 * k / (k + 1), num=100 * k, den=k + 1),
                 _row(p, "1", 1000 * k), _row(p, "33", k), _row(p, "33", None, "H2", note="非DRG/DIP付费机构，不适用")]
    got = _values(window_results(Q, _tables(rows), INDICATORS))
    assert got[("36", None)][0] == D(600) and got[("36", "H1")][0] == D(60)
    assert got[("37", None)][0] == (D(600) / D(9)).quantize(D("1e-10"))  # Σ num / Σ den, not a mean of months
    assert got[("1", None)][0] == D(3000)  # year to date: the window's end
    assert got[("33", None)][0] == D(3)  # half-year: the end of its half
    assert got[("33", "H2")] == (None, "非DRG/DIP付费机构，不适用")


def test_a_month_without_a_value_makes_the_sum_absent_and_named():
    rows = [_row(MONTHS[0], "36", 1), _row(MONTHS[2], "36", 3)]
    value, note = _values(window_results(Q, _tables(rows), INDICATORS))[("36", None)]
    assert value is None and "2025年5月" in note


def test_a_local_ratio_keeps_its_scale():
    local = replace(get("37"), id="L01", aggregate="", unit="ratio", scale=D(1000), local=True)
    rows = [_row(p, "L01", 1000 * k / 10, num=k, den=10) for k, p in enumerate(MONTHS, start=1)]
    got = _values(window_results(Q, _tables(rows), {**INDICATORS, "L01": local}))
    assert got[("L01", None)][0] == D(200)  # 6 × 1000 / 30


def test_growth_is_the_windows_against_the_window_before():
    rows = [_row(p, "41", 0, num=10, den=10) for p in PREVIOUS]
    rows += [_row(p, "41", 0, num=12, den=10) for p in MONTHS]
    got = _values(window_results(Q, _tables(rows), INDICATORS))
    assert got[("41", None)][0] == D("0.2")
    missing = _values(window_results(Q, _tables(rows[3:]), INDICATORS))  # no 2025-Q1
    assert missing[("41", None)][0] is None and "2025年第一季度" in missing[("41", None)][1]


def test_mixed_growth_weights_small_institutions_by_the_previous_window():
    rows = []
    for p in PREVIOUS:
        rows += [_row(p, "41m", 0, "BIG", num=90, den=90), _row(p, "41m", 0, "SMALL", num=10, den=10)]
    for p in MONTHS:
        rows += [_row(p, "41m", 0, "BIG", num=90, den=90), _row(p, "41m", 0, "SMALL", num=20, den=10)]
    got = _values(window_results(Q, _tables(rows), INDICATORS, level_of=lambda c: "二级"))
    assert got[("41m", "BIG")][0] == D(0)
    # SMALL: growth 1.0 weighted by 30 / mean(270, 30) = 30 / 150 -> 0.2
    assert got[("41m", "SMALL")][0] == D("0.2")


def test_indices_come_from_the_engine_over_the_window_not_from_monthly_averages():
    rows = [_row(p, "43", 1 + k / 10, "H1", num=1 + k / 10, den=1) for k, p in enumerate(MONTHS)]
    asked = []

    def index_rows(ids):
        asked.extend(ids)
        return {"43": [Row("H1", D("1.05"), D(1), D("1.05"), None)]}

    got = _values(window_results(Q, _tables(rows), INDICATORS, index_rows=index_rows))
    assert asked == ["43"] and got[("43", "H1")][0] == D("1.05")
    without = _values(window_results(Q, _tables(rows), INDICATORS))
    assert without[("43", "H1")][0] is None and "未能按窗口重算" in without[("43", "H1")][1]


money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=1, max_value=10**6)


@hsettings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(money, counts), min_size=3, max_size=3))
def test_window_sum_and_ratio_are_exact(months):
    rows = []
    for p, (amount, n) in zip(MONTHS, months, strict=True):
        rows += [_row(p, "36", amount), _row(p, "39", n), _row(p, "37", amount / n, num=amount, den=n)]
    got = _values(window_results(Q, _tables(rows), INDICATORS))
    total, cases = sum(a for a, _ in months), sum(n for _, n in months)
    assert got[("36", None)][0] == total
    assert got[("39", None)][0] == cases
    assert got[("37", None)][0] == pytest.approx(total / cases, abs=D("1e-10"))


def test_an_institution_without_the_window_before_has_no_mixed_growth_and_the_others_keep_theirs():
    rows = [_row(p, "41m", 0, "OLD", num=10, den=10) for p in PREVIOUS]
    rows += [_row(p, "41m", 0, c, num=12, den=10) for p in MONTHS for c in ("OLD", "NEW")]
    got = _values(window_results(Q, _tables(rows), INDICATORS, level_of=lambda c: "二级"))
    assert got[("41m", "OLD")][0] == D("0.2")
    assert got[("41m", "NEW")][0] is None and "2025年第一季度" in got[("41m", "NEW")][1]
