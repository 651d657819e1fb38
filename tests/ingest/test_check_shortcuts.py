"""The whole-table pass leaves out the ID-number check of a code column when unknown_code
already catches every ID-number-shaped value there (issue 16). The quarantine is unchanged:
both rules are listed; and a code table that holds an 18-character code keeps the check."""

from __future__ import annotations

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
