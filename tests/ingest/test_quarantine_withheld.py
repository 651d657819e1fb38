"""A value that looks like a personal identifier (an ID number, or the configured psn_no shape)
in a shifted column is never shown: not in the quarantine file's raw columns, not in its
原始值 or 说明 of any rule it broke (unknown_code, bad_date, bad_money ...), not in the load
report. Good rows are kept; the bad rows are still all listed."""

from __future__ import annotations

from pathlib import Path

from liangjiadi.ingest import ingest_paths
from liangjiadi.ingest.plausibility import certno_check_char
from liangjiadi.ingest.validate import WITHHELD

from .conftest import SETL_COLS, read_quarantine, setl_row, write_csv

FIRST17 = "11010119851231432"
CERTNO = FIRST17 + certno_check_char(FIRST17)


def _every_text_under(root) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*")
                     if p.is_file() and p.suffix in (".csv", ".json", ".md", ".txt", ".log"))


def test_an_id_number_in_code_date_and_amount_columns_is_withheld_everywhere(settings, tmp_path, fixmedins_loaded):
    rows = [setl_row(i) for i in range(60)] + [
        setl_row(70, insutype=CERTNO), setl_row(71, begndate=CERTNO), setl_row(72, medfee_sumamt=CERTNO)]
    report = ingest_paths([write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)], settings)
    res = report.files[0]
    assert res.rows_accepted == 60 and res.rows_quarantined == 3 and res.quarantine_file, res.error
    lines = read_quarantine(res.quarantine_file)
    assert sorted({r["行号"] for r in lines}) == ["62", "63", "64"]  # line 1 is the header
    assert {r["规则代码"] for r in lines} >= {"personal_id_in_column", "unknown_code", "bad_date", "bad_number"}
    text = Path(res.quarantine_file).read_text(encoding="utf-8-sig")
    assert CERTNO not in text and WITHHELD in text
    assert CERTNO not in _every_text_under(settings.workdir)
    assert CERTNO not in str(report.to_dict() if hasattr(report, "to_dict") else vars(report))
    # the rule's explanation is kept, with the value withheld
    code = next(r for r in lines if r["规则代码"] == "unknown_code")
    assert code["原始值"] == WITHHELD and "不在代码表" in code["说明"] and WITHHELD in code["说明"]


def test_the_local_person_number_shape_is_withheld_too(settings, tmp_path, fixmedins_loaded):
    local = settings.model_copy(update={"redaction_psn_pattern": r"PSN\d{8}"})
    rows = [setl_row(i) for i in range(40)] + [setl_row(50, fixmedins_code="PSN12345678")]
    res = ingest_paths([write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)], local).files[0]
    assert res.rows_accepted == 40 and res.rows_quarantined == 1
    text = Path(res.quarantine_file).read_text(encoding="utf-8-sig")
    assert "PSN12345678" not in text and WITHHELD in text


def test_ordinary_bad_values_are_still_shown(settings, tmp_path, fixmedins_loaded):
    """Only identifier-shaped values are withheld: a bad code is shown so it can be corrected."""
    rows = [setl_row(i) for i in range(40)] + [setl_row(50, insutype="39X")]
    res = ingest_paths([write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)], settings).files[0]
    line = next(r for r in read_quarantine(res.quarantine_file) if r["规则代码"] == "unknown_code")
    assert line["原始值"] == "39X" and "39X" in line["说明"] and line["insutype"] == "39X"
