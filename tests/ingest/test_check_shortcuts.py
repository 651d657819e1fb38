"""The whole-table pass leaves out the ID-number check of a code column when unknown_code
already catches every ID-number-shaped value there (issue 16). The quarantine is unchanged:
both rules are listed; and a code table that holds an 18-character code keeps the check.
The pass's money test (a LIKE before the scale's string functions) flags exactly what the
quarantine's rules flag."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import settings as settings_hyp
from hypothesis import strategies as st

from liangjiadi.ingest import ingest_paths
from liangjiadi.ingest.plausibility import certno_check_char

from .conftest import SETL_COLS, read_quarantine, setl_row, write_csv

FIRST17 = "11010119900101123"
CERTNO = FIRST17 + certno_check_char(FIRST17)


def _load(settings, tmp_path):
    rows = [setl_row(i) for i in range(5)] + [setl_row(9, insutype=CERTNO)]
    report = ingest_paths([write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)], settings)
    return report.files[0]


def test_an_id_number_in_a_code_column_is_quarantined_with_both_rules(settings, tmp_path, fixmedins_loaded):
    res = _load(settings, tmp_path)
    assert res.rows_accepted == 5 and res.rule_counts == {"personal_id_in_column": 1, "unknown_code": 1}
    lines = read_quarantine(res.quarantine_file)
    assert [r["规则代码"] for r in lines] == ["personal_id_in_column", "unknown_code"]


def test_an_id_number_listed_as_a_local_code_is_still_caught(settings, tmp_path, fixmedins_loaded):
    """unknown_code passes it (a configured code), so the ID-number check must stay in the pass."""
    local = settings.model_copy(update={"extra_codes": {"insutype": {CERTNO: "地方险种"}}})
    res = _load(local, tmp_path)
    assert res.rows_accepted == 5 and res.rule_counts == {"personal_id_in_column": 1}


def _money_checks():
    from pathlib import Path

    from liangjiadi.ingest.validate import TablePlan
    from liangjiadi.schema import TABLES

    plan = TablePlan(table=TABLES["setl_d"], files=[], region="140400", workdir=Path("/nonexistent"))
    return {ch.rule: ch for ch in plan.checks() if ch.column == "medfee_sumamt"}


MONEY_TEXT = "0123456789.-+eE ,１。"


@settings_hyp(max_examples=300, deadline=None)
@example(["12.345", "12.3450", "12.300", ".123", "1.5e3", "1.", "1,000.001", "１２.３４５", "12.3.45", "-0.001"])
@given(st.lists(st.one_of(st.text(alphabet=MONEY_TEXT, max_size=9),
                          st.from_regex(r"-?[0-9]{0,4}\.[0-9]{0,5}0{0,3}", fullmatch=True)), min_size=1, max_size=40))
def test_the_whole_table_money_test_flags_exactly_the_bad_numbers_and_scales(values):
    """The pass's shortcut (a LIKE before the scale's string functions) flags exactly the values
    the quarantine's own rules (bad_number, money_scale) flag."""
    import duckdb

    checks = _money_checks()
    fast = checks["bad_number"].fast
    strict = f"({checks['bad_number'].cond} OR {checks['money_scale'].cond})"
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT v, COALESCE({fast}, false), {strict} FROM (SELECT v AS medfee_sumamt, v, NULL AS _badrow, "
        f"TRY_CAST(v AS DECIMAL(18,2)) AS _n_medfee_sumamt FROM unnest(?::VARCHAR[]) AS t(v))", [values]).fetchall()
    assert [(v, f) for v, f, _ in rows] == [(v, s) for v, _, s in rows]
