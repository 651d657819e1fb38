"""Lines that a stray quote joined into one record are quarantined each with its own values:
the quarantine file keeps what every line held (read on its own), not an empty row; file, line,
column, rule and message are as before, no good row is lost, and personal columns, raw person
numbers and refused values still never reach the file. Old: the data columns were empty."""

from __future__ import annotations

from liangjiadi.ingest import ingest_paths

from .ingest_accounting_helpers import (
    COLS, data_lines, lake_rows, quarantine, rows, settings_for, write_csv,
)

KEPT = ["setl_id", "mdtrt_id", "insutype", "fixmedins_code", "setl_time", "medfee_sumamt"]


def _edit(path, edits: dict) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for physical, f in edits.items():
        parts = lines[physical - 1].split(",")
        lines[physical - 1] = ",".join(f(parts))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _set(col, f):
    k = COLS.index(col)
    return lambda parts: parts[:k] + [f(parts[k])] + parts[k + 1:]


def test_each_spanned_line_keeps_its_values_in_the_quarantine(tmp_path):
    s = settings_for(tmp_path)
    data = rows(300)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", data)
    _edit(path, {12: _set("mdtrt_id", lambda v: '"' + v), 112: _set("mdtrt_id", lambda v: v + '"'),
                 50: lambda parts: parts + ["多出的一列"],  # inside the span: cannot be put in its columns
                 60: _set("medfee_sumamt", lambda v: "9" * 40)})  # over-long: refused, never stored

    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"unbalanced_quote": 101}
    assert (res.rows_accepted, res.rows_quarantined) == (199, 101)
    assert res.rows_accepted + res.rows_quarantined + res.blank_rows + res.continuation_lines == data_lines(path)
    assert len(lake_rows(s.workdir)) == 199
    q = {int(r["行号"]): r for r in quarantine(res.quarantine_file)}
    assert sorted(q) == list(range(12, 113))
    for line, r in q.items():  # the message, column and rule as before
        assert (r["规则代码"], r["列名"], r["原始值"]) == ("unbalanced_quote", "mdtrt_id", "")
        assert "第 12–112 行" in r["说明"] and f"第 {line} 行" in r["说明"]
    for line in set(range(12, 113)) - {12, 50, 60, 112}:
        src = data[line - 2]
        assert {c: q[line][c] for c in KEPT} == {c: str(src[c]) for c in KEPT}, line
    assert (q[12]["mdtrt_id"], q[12]["setl_id"]) == ('"' + data[10]["mdtrt_id"], data[10]["setl_id"])
    assert (q[112]["mdtrt_id"], q[112]["setl_id"]) == (data[110]["mdtrt_id"] + '"', data[110]["setl_id"])
    assert not any(q[50][c] for c in KEPT)  # 21 fields alone: none placed
    assert q[60]["setl_id"] == data[58]["setl_id"] and q[60]["medfee_sumamt"] == ""
    text = open(res.quarantine_file, encoding="utf-8-sig").read()
    assert "certno" not in text and "psn_name" not in text
    assert not any(r[k] in text for r in data for k in ("psn_no", "certno", "psn_name"))
    assert q[20]["psn_no"]  # the person number as its pseudonym


def test_an_unclosed_quote_keeps_its_lines_values(tmp_path):
    s = settings_for(tmp_path)
    data = rows(50)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", data)
    _edit(path, {6: _set("mdtrt_id", lambda v: '"' + v)})
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"unbalanced_quote": 1} and res.rows_accepted == 49
    (r,) = quarantine(res.quarantine_file)
    assert int(r["行号"]) == 6 and "这一行未读取，后续各行照常读取" in r["说明"]
    assert (r["setl_id"], r["mdtrt_id"], r["fixmedins_code"]) == (data[4]["setl_id"], '"' + data[4]["mdtrt_id"], "H001")
