"""Golden tests: every indicator on the hand-built region of golden.py, values worked out by hand.

EXPECTED maps (indicator_id, fixmedins_code or None) -> (value, numerator, denominator); a value
of None means absent, with the expected note text in ABSENT. Amounts in yuan, ratios as fractions.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from liangjiadi.indicators import compute
from liangjiadi.indicators.registry import builtin_indicators
from liangjiadi.indicators.results import load_results

from . import golden

N = None  # no numerator/denominator shown


def r(x) -> D:
    """A fraction rounded like the results (10 decimals, half-even)."""
    return D(x).quantize(D("1e-10")) if not isinstance(x, tuple) else (D(x[0]) / D(x[1])).quantize(D("1e-10"))


EXPECTED: dict[tuple[str, str | None], tuple] = {
    # ---- fund report (cumulative year-to-date at 2025-03; flows 2025: employee income 120/month,
    #      expense 90; resident income 60, expense 58)
    ("1", None): (540, 540, N),  # employee 360 + resident 180
    ("2", None): (360, 360, N),  # employee income_total = 120 * 3
    ("3", None): (300, 300, N),
    ("4", None): (60, 60, N),
    ("5", None): (180, 180, N),  # resident income_total = 60 * 3
    ("6", None): (50, 50, N),
    ("7", None): (130, 130, N),  # central 60 + province 30 + local 30 + other 10
    ("8", None): (444, 444, N),  # employee 270 + resident 174
    ("9", None): (270, 270, N),  # 90 * 3
    ("10", None): (200, 200, N),  # employee expense_pool from the report
    # 10 per institution: employee insured of R at the institution, all med types, Jan..Mar hifp_pay:
    ("10", "H1"): (11950, 11950, N),  # J1 1200 + T1 3000 + S1 7000 + S3 -1400 (refund) + S13 2000 + S7 150
    ("10", "H2"): (4480, 4480, N),  # T3 1500 + S5 3000 + S12 -20 (refund)
    ("10", "H3"): (0, 0, N),
    ("10", "H4"): (0, 0, N),
    # 11: employee inpatient hifp_pay, local insured at local institutions, Jan..Mar (S4 insured in O, S10 in O's
    #     hospital, S9 invalid: all out)
    ("11", None): (16300, 16300, N),  # 11800 + 4500
    ("11", "H1"): (11800, 11800, N),  # 1200 + 3000 + 7000 - 1400 + 2000
    ("11", "H2"): (4500, 4500, N),  # 1500 + 3000
    ("11", "H3"): (0, 0, N),
    ("11", "H4"): (0, 0, N),
    ("12", None): (174, 174, N),  # 58 * 3
    ("13", None): (7200, 7200, N),  # 5600 + 700 + 600 + 300
    ("13", "H1"): (5600, 5600, N),  # T2 2000 + S2 3600
    ("13", "H2"): (700, 700, N),  # J2
    ("13", "H3"): (600, 600, N),  # T4
    ("13", "H4"): (300, 300, N),  # T5..T7 100 each
    # 14: clr_result Jan..Mar (April row ignored): paid / declared
    ("14", None): (r((3300, 3500)), 3300, 3500),  # (950 + 1900 + 0 + 450) / (1000 + 2000 + 0 + 500)
    ("14", "H1"): (r("0.95"), 2850, 3000),
    ("14", "H2"): (r("0.9"), 450, 500),
    ("14", "H3"): (None, N, N),  # no clearing result
    ("14", "H4"): (None, 0, 0),  # declared 0: division by zero
    # 15/17/20: the report's 当期结余 (balance_period) as reported at 2025-03
    ("15", None): (96, 96, N),  # 90 + 6
    ("17", None): (90, 90, N),
    ("18", None): (5000, 5000, N),
    ("20", None): (6, 6, N),
    ("21", None): (800, 800, N),
    ("22", None): (40, 40, N),
    ("23", None): (25, 25, N),
    # 24-27: budget of 2026 (= 2025 + 1); the 2025 row is ignored
    ("24", None): (1000000, 1000000, N),
    ("25", None): (300000, 300000, N),
    ("26", None): (800000, 800000, N),
    ("27", None): (50000, 50000, N),
    # 28-32: cases of March at local institutions = S1 S2 S4 S13 (H1), S5 (H2); S3 refund excluded
    ("28", None): (r("0.8"), 4, 5),  # lists S1 S2 S4 S5 (S3's list belongs to a refund row) / 5 cases
    ("28", "H1"): (r("0.75"), 3, 4),
    ("28", "H2"): (r(1), 1, 1),
    ("28", "H3"): (None, 0, 0),  # empty institution: 0 / 0
    ("28", "H4"): (None, 0, 0),
    ("29", None): (r("0.75"), 3, 4),  # qc 1: S1 S4 S5 / lists 4
    ("29", "H1"): (r((2, 3)), 2, 3),
    ("29", "H2"): (r(1), 1, 1),
    ("29", "H3"): (None, 0, 0),
    ("30", None): (r("0.8"), 4, 5),  # drg_std S1 S4, itemized S2, special S5 / 5 (S13 'none')
    ("30", "H1"): (r("0.75"), 3, 4),
    ("30", "H2"): (r(1), 1, 1),
    ("30", "H3"): (None, N, N),  # not a DRG/DIP institution
    ("31", None): (r((2, 3)), 2, 3),  # grouped S1 S4 S5 (S2 'QY' not grouped); drg_std S1 S4
    ("31", "H1"): (r(1), 2, 2),
    ("31", "H2"): (r(0), 0, 1),
    ("32", None): (r((1, 3)), 1, 3),  # itemized/special among grouped: S5
    ("32", "H1"): (r(0), 0, 2),
    ("32", "H2"): (r(1), 1, 1),
    ("32", "H4"): (None, N, N),
    # 33-35 half-year window Jan..Mar, DRG/DIP institutions H1 H2
    ("33", None): (4, 4, N),  # applications on S5, S2, T1, J1
    ("33", "H1"): (3, 3, N),  # S2, T1, J1
    ("33", "H2"): (1, 1, N),  # S5
    ("33", "H3"): (None, N, N),
    ("34", None): (2, 2, N),  # approved: S5, T1 (S2 rejected, J1 pending)
    ("34", "H1"): (1, 1, N),
    ("34", "H2"): (1, 1, N),
    ("35", None): (r("0.2"), 2, 10),  # H1 cases J1 T1 T2 S1 S2 S4 S13 = 7, H2 J2 T3 S5 = 3
    ("35", "H1"): (r((1, 7)), 1, 7),
    ("35", "H2"): (r((1, 3)), 1, 3),
    ("35", "H3"): (None, N, N),
    # 36-41, 45: local insured at local institutions, March
    ("36", None): (21000, 21000, N),  # S1 10000 + S2 6000 + S3 -2000 + S5 4000 + S13 3000
    ("36", "H1"): (17000, 17000, N),  # 10000 + 6000 - 2000 + 3000
    ("36", "H2"): (4000, 4000, N),
    ("36", "H3"): (0, 0, N),
    ("37", None): (r(5250), 21000, 4),  # 21000 / 4 discharges (S1 S2 S5 S13)
    ("37", "H1"): (r((17000, 3)), 17000, 3),
    ("37", "H2"): (r(4000), 4000, 1),
    ("37", "H3"): (None, 0, 0),  # division by zero
    ("38", None): (3, 3, N),  # S6 (H2), S7, S8 (H1); S12 refund and S9 invalid not counted; S11 pharmacy
    ("38", "H1"): (2, 2, N),
    ("38", "H2"): (1, 1, N),
    ("38", "H3"): (0, 0, N),
    ("39", None): (4, 4, N),
    ("39", "H1"): (3, 3, N),
    ("39", "H2"): (1, 1, N),
    ("39", "H3"): (0, 0, N),
    ("39", "H4"): (0, 0, N),
    ("40", None): (r("0.75"), 3, 4),
    ("40", "H1"): (r((2, 3)), 2, 3),
    ("40", "H2"): (r(1), 1, 1),
    ("40", "H3"): (None, 0, 0),
    # 41: February discharges H1 T1 T2 = 2, H2 T3 = 1, H3 T4 = 1, H4 T5-T7 = 3 -> 7
    ("41", None): (r((4, 7)) - 1, 4, 7),  # 4/7 - 1 = -0.4285714286
    ("41", "H1"): (r("0.5"), 3, 2),
    ("41", "H2"): (r(0), 1, 1),
    ("41", "H3"): (r(-1), 0, 1),
    ("41", "H4"): (r(-1), 0, 3),
    # 41m: weight = min(1, prev / mean prev of the level group); H3 and H4 form 一级及以下: mean (1+3)/2 = 2
    ("41m", "H1"): (r("0.5"), 3, 2),  # alone in 三级: w = 1
    ("41m", "H2"): (r(0), 1, 1),
    ("41m", "H3"): (r("-0.5"), 0, 1),  # -1 * (1 / 2)
    ("41m", "H4"): (r(-1), 0, 3),  # -1 * min(1, 3 / 2)
    # 42: local insured inpatient discharges Jan..Mar anywhere: J1 J2, T1-T7, S1 S2 S5 S13 + S10 (in O) = 14;
    #     insured (310 + 390; 320/330 excluded): Jan 4000, Feb 4100, Mar 4500 -> mean 4200
    ("42", None): (r((14, 4200)), 14, 4200),
    ("42", "H1"): (r((6, 4200)), 6, 4200),  # J1 T1 T2 S1 S2 S13
    ("42", "H2"): (r((3, 4200)), 3, 4200),  # J2 T3 S5
    ("42", "H3"): (r((1, 4200)), 1, 4200),
    ("42", "H4"): (r((3, 4200)), 3, 4200),
    # 43/44: grouped March cases EJ13: S1 (H1, 10 days, 10000), S5 (H2, 8 days, 4000); FR25: S4 (H1, 5 days, 8000)
    #   region EJ13 mean days 18/2 = 9, mean cost 7000; FR25 5 days, 8000
    ("43", "H1"): (r((D(10) / 9 + 1, 2)), r(D(10) / 9 + 1), 2),  # (10/9 * 1 + 5/5 * 1) / 2 = 1.0555555556
    ("43", "H2"): (r((D(8) / 9, 1)), r(D(8) / 9), 1),  # 8/9
    ("43", "H3"): (None, 0, 0),
    ("44", "H1"): (r((D(10000) / 7000 + 1, 2)), r(D(10000) / 7000 + 1), 2),  # (10/7 + 1) / 2 = 1.2142857143
    ("44", "H2"): (r((D(4000) / 7000, 1)), r(D(4000) / 7000), 1),
    ("44", "H4"): (None, 0, 0),
    ("CMI", None): (r((D("3.2"), 3)), D("3.2"), 3),  # (1.2 + 0.8 + 1.2) / 3
    ("CMI", "H1"): (r(1), 2, 2),  # (1.2 + 0.8) / 2
    ("CMI", "H2"): (r("1.2"), D("1.2"), 1),
    ("CMI", "H3"): (None, 0, 0),
    # 45: 全自费 / medfee, inpatient + outpatient, local x local, March (net of refunds)
    #   ownpay 500 + 300 - 100 + 0 + 0 (ipt) + 20 + 30 + 50 - 5 (otp) = 795; medfee 21000 + 200 + 300 + 500 - 50 = 21950
    ("45", None): (r((795, 21950)), 795, 21950),
    ("45", "H1"): (r((780, 17800)), 780, 17800),  # 500+300-100+30+50 / 17000+300+500
    ("45", "H2"): (r((15, 4150)), 15, 4150),  # 20 - 5 / 4000 + 200 - 50
    ("45", "H3"): (None, 0, 0),
    # 46/47: beds H1 500 + H2 120 (as of 2025-03) + H3 20 + H4 0 = 640; pharmacies P1 P2; insured March 4500
    ("46", None): (r((640000, 4500)), 640, 4500),  # 640 * 1000 / 4500 = 142.2222222222
    ("47", None): (r((2000, 4500)), 2, 4500),
    # 48/49: 2024-04..2024-12: 9 months of (100 - 80) and (50 - 45); 2025-01..03: 3 of (120 - 90), (60 - 58)
    ("48", None): (270, 270, N),  # 9 * 20 + 3 * 30
    ("49", None): (51, 51, N),  # 9 * 5 + 3 * 2
    ("50e", None): (r("0.3"), 360, 1200),
    ("50r", None): (r((180, 3300)), 180, 3300),
    ("51e", None): (r("0.225"), 270, 1200),
    ("51r", None): (r((174, 3300)), 174, 3300),
    # 52-57: supplied in `external`
    ("52", None): (r("78.5"), r("78.5"), N),
    ("53", None): (r("4.5"), r("4.5"), N),
    ("54", None): (r("12.3"), r("12.3"), N),
    ("55", None): (r("0.9"), r("0.9"), N),
    ("55", "H1"): (r("0.93"), r("0.93"), N),
    ("56", "H2"): (r("0.6"), r("0.6"), N),
    ("57", None): (r("0.98"), r("0.98"), N),
    ("57", "H1"): (r("1.02"), r("1.02"), N),
}

ABSENT_NOTES = {
    ("14", "H3"): "无清算结果",
    ("14", "H4"): "分母为0",
    ("28", "H3"): "分母为0",
    ("30", "H3"): "非DRG/DIP",
    ("37", "H3"): "出院人次为0",
    ("43", "H3"): "无入组病例",
    ("45", "H3"): "医疗总费用为0",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = golden.build(tmp_path_factory.mktemp("golden"))
    table = compute(golden.P, golden.settings(work), run_id="golden-run")
    rows = {(r["indicator_id"], r["fixmedins_code"]): r for r in table.to_pylist()}
    return work, table, rows


def _d(x):
    return None if x is None else D(x).quantize(D("1e-10"))


@pytest.mark.parametrize("key", sorted(EXPECTED, key=lambda k: (k[0], k[1] or "")), ids=lambda k: f"{k[0]}-{k[1] or 'R'}")
def test_golden_value(run, key):
    _, _, rows = run
    assert key in rows, f"no result row for {key}"
    row = rows[key]
    value, num, den = EXPECTED[key]
    assert row["value"] == _d(value)
    assert row["numerator"] == _d(num)
    assert row["denominator"] == _d(den)
    if value is None:
        assert row["note"], "an absent value must say why"
        if key in ABSENT_NOTES:
            assert ABSENT_NOTES[key] in row["note"]
    else:
        assert row["note"] is None


def test_every_indicator_has_a_golden_value():
    ids = {i.id for i in builtin_indicators() if not i.heading}
    tested = {k[0] for k in EXPECTED if EXPECTED[k][0] is not None}
    assert ids - tested == set()


def test_every_local_institution_gets_a_row(run):
    _, table, rows = run
    for ind in builtin_indicators():
        if ind.has_institutions and ind.source != "external":
            codes = {c for (i, c) in rows if i == ind.id and c is not None}
            assert codes == {"H1", "H2", "H3", "H4"}, ind.id
        if ind.scope == "institution":
            assert (ind.id, None) not in rows
        if ind.scope == "region":
            assert not any(i == ind.id and c is not None for (i, c) in rows)
    assert (("16", None) not in rows) and (("19", None) not in rows)  # heading rows: no value


def test_results_saved_as_a_run(run):
    work, table, _ = run
    saved = load_results(work, golden.R, golden.P)
    assert saved is not None and saved.num_rows == table.num_rows
    assert set(saved.column("run_id").to_pylist()) == {"golden-run"}
    assert set(saved.column("scope").to_pylist()) == {"region", "institution"}
    basis = {r["indicator_id"]: r["basis"] for r in saved.to_pylist()}
    assert basis["1"] == "cumulative" and basis["36"] == "period"


def test_january_flows_and_absent_history(tmp_path):
    """January: 当期 = January cumulative; 41 lacks December; 48/49 lack 2024-01/02."""
    work = golden.build(tmp_path)
    rows = {(r["indicator_id"], r["fixmedins_code"]): r
            for r in compute("2025-01", golden.settings(work), save=False).to_pylist()}
    assert rows[("17", None)]["value"] == _d(30)  # employee balance_period cum Jan = 30
    assert rows[("20", None)]["value"] == _d(2)
    assert rows[("15", None)]["value"] == _d(32)
    for key in (("41", None), ("41", "H1"), ("41m", "H1")):
        assert rows[key]["value"] is None and "2024-12" in rows[key]["note"]
    for key in (("48", None), ("49", None)):
        assert rows[key]["value"] is None and "2024-01" in rows[key]["note"]
    # 39 in January: J1 (H1), J2 (H2)
    assert rows[("39", None)]["value"] == _d(2)
    # no budget for 2026? there is one: year = 2025 + 1
    assert rows[("24", None)]["value"] == _d(1000000)
    # fund items not reported in January -> absent with the item named
    assert rows[("3", None)]["value"] is None and "income_contribution" in rows[("3", None)]["note"]


def test_balance_read_from_report_without_previous_month(tmp_path):
    """当期结余 is read off the period's own report: no previous month needed."""
    from liangjiadi.lake import write_rows

    work = tmp_path
    write_rows(work, "fund_report", [
        {"admdvs": golden.R, "period": "2025-05", "fund": "employee", "item": "balance_period", "amount": 10},
    ], golden.R)
    rows = {(r["indicator_id"], r["fixmedins_code"]): r
            for r in compute("2025-05", golden.settings(work), save=False).to_pylist()}
    assert rows[("17", None)]["value"] == _d(10)
    assert rows[("20", None)]["value"] is None and "resident" in rows[("20", None)]["note"]
    # no settlements at all: counts 0, ratios absent with a reason, never NaN/inf
    assert rows[("39", None)]["value"] == _d(0)
    assert rows[("37", None)]["value"] is None and rows[("37", None)]["note"]
    assert rows[("46", None)]["value"] is None and "参保人数" in rows[("46", None)]["note"]
