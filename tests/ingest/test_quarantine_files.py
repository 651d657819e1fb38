"""Several files of one table with bad rows: the quarantine lines are made by one statement for
the table (quarantine_sql: tens of KB, planned once rather than once per file; issue 16) and
split while writing, so each file's quarantine CSV holds exactly its own lines, naming its own
source file, in line order; a file with no bad row gets no quarantine file."""

from __future__ import annotations

from pathlib import Path

from liangjiadi.ingest import api, ingest_paths, writer

from .conftest import SETL_COLS, read_quarantine, setl_row, write_csv


def _month(m: str, bad: dict[int, dict]) -> list[dict]:
    rows = [setl_row(i, setl_id=f"S{m}-{i}", begndate=f"{m}-01", enddate=f"{m}-05",
                     setl_time=f"{m}-{1 + i % 28:02d} 10:20:30") for i in range(30)]
    for i, over in bad.items():
        rows[i].update(over)
    return rows


def test_each_file_gets_its_own_quarantine_lines_from_one_statement(settings, tmp_path, monkeypatch,
                                                                    fixmedins_loaded):
    built = []
    real = writer.quarantine_sql

    def spy(plan, files):
        built.append(sorted(files))
        return real(plan, files)

    monkeypatch.setattr(api, "quarantine_sql", spy)
    bad = {"2025-03": {4: {"insutype": "=1+1"}, 20: {"medfee_sumamt": "abc"}},
           "2025-04": {},
           "2025-05": {0: {"begndate": "2025-13-40"}, 9: {"insutype": "999"}, 29: {"insutype": "998"}}}
    files = [write_csv(tmp_path / "in" / f"setl_d_{m}.csv", _month(m, b), SETL_COLS) for m, b in bad.items()]
    report = ingest_paths(files, settings)
    assert built == [[0, 2]]  # one statement, for the two files with bad rows
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["setl_d_2025-04.csv"].quarantine_file in (None, "")
    for m, b in bad.items():
        res = by_name[f"setl_d_{m}.csv"]
        assert res.rows_accepted == 30 - len(b) and res.rows_quarantined == len(b)
        if not b:
            continue
        lines = read_quarantine(res.quarantine_file)
        assert sorted({int(r["行号"]) for r in lines}) == sorted(i + 2 for i in b)  # header is line 1
        assert [int(r["行号"]) for r in lines] == sorted(int(r["行号"]) for r in lines)
        assert {Path(r["来源文件"]).name for r in lines} == {f"setl_d_{m}.csv"}
        assert all(f"文件 setl_d_{m}.csv 第 {r['行号']} 行" in r["说明"] for r in lines)
        assert {r["setl_id"] for r in lines} == {f"S{m}-{i}" for i in b}
    # the formula in a bad row is neutralised in its quarantine file
    text = Path(by_name["setl_d_2025-03.csv"].quarantine_file).read_text(encoding="utf-8-sig")
    assert ",=1+1" not in text


def test_the_big_quarantine_statement_is_planned_by_execute_not_through_a_relation(settings, tmp_path, monkeypatch,
                                                                                    fixmedins_loaded):
    """A relation (`con.sql`) plans its statement twice and scans its text in Python: half of the
    quarantine step for a statement of tens of KB (issue 16). Only short statements go that way."""
    through_relation = []
    real_local_sql = api.local_sql

    class Recording:
        def __init__(self, con):
            self._con = con

        def sql(self, text, *args, **kwargs):
            through_relation.append(len(text))
            return self._con.sql(text, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self._con, name)

    monkeypatch.setattr(api, "local_sql", lambda *a, **k: Recording(real_local_sql(*a, **k)))
    rows = _month("2025-03", {3: {"insutype": "999"}, 7: {"medfee_sumamt": "abc"}})
    res = ingest_paths([write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)], settings).files[0]
    assert res.rows_quarantined == 2
    assert [int(r["行号"]) for r in read_quarantine(res.quarantine_file)] == [5, 9]
    assert through_relation and max(through_relation) < 2_000
