"""Issue 8, items 1, 4, 6, 9 and attack 10: every data line is accounted for, identifiers
that went through a number are refused, impossible amounts/dates/periods are quarantined,
reading errors are Chinese and name file, line and column. Each test failed on the old code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
import pyarrow.parquet as pq
import typer
from typer.testing import CliRunner

from liangjiadi.ingest import ingest_paths
from liangjiadi.ingest import readers

from .ingest_accounting_helpers import (
    COLS, data_lines, lake_partitions, lake_rows, lake_strings, quarantine, row, rows, settings_for,
    write_csv,
)


def _set_cell(line: str, col: str, f) -> str:
    parts = line.split(",")
    k = COLS.index(col)
    parts[k] = f(parts[k])
    return ",".join(parts)


def _accounted(res, path: Path) -> None:
    assert (res.rows_accepted + res.rows_quarantined + res.blank_rows + res.continuation_lines
            == data_lines(path)), res


# ---- 1. stray quotes -----------------------------------------------------------------------


def test_two_stray_quotes_quarantine_the_lines_they_span(tmp_path):
    """Old: "全部导入 200" of 300 rows, one lake value 15,015 characters long."""
    s = settings_for(tmp_path)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows(300))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[11] = _set_cell(lines[11], "mdtrt_id", lambda v: '"' + v)  # physical line 12
    lines[111] = _set_cell(lines[111], "mdtrt_id", lambda v: v + '"')  # physical line 112
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    res = ingest_paths([path], s).files[0]
    assert res.status == "partial"
    assert res.rule_counts == {"unbalanced_quote": 101}
    assert (res.rows_accepted, res.rows_quarantined) == (199, 101)
    _accounted(res, path)
    q = quarantine(res.quarantine_file)
    assert sorted(int(r["行号"]) for r in q) == list(range(12, 113))
    assert "mdtrt_id" in q[0]["说明"] and "第 12–112 行" in q[0]["说明"]
    lake = lake_rows(s.workdir)
    assert len(lake) == 199 and max(len(r["mdtrt_id"]) for r in lake) <= 64
    raw = {r["psn_no"] for r in rows(300)} | {r["certno"] for r in rows(300)}
    assert not any(x in v for v in lake_strings(s.workdir) for x in raw)


def test_unclosed_quote_quarantines_only_its_line(tmp_path):
    s = settings_for(tmp_path)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows(50))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = _set_cell(lines[5], "mdtrt_id", lambda v: '"' + v)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"unbalanced_quote": 1}
    assert res.rows_accepted == 49
    assert [int(r["行号"]) for r in quarantine(res.quarantine_file)] == [6]


# ---- huge field ----------------------------------------------------------------------------


def test_one_megabyte_field_quarantines_its_row_not_the_file(tmp_path):
    """Old: the whole file rejected with "field larger than field limit (131072)"."""
    s = settings_for(tmp_path)
    data = rows(20)
    data[3]["fixmedins_code"] = "H" * (1 << 20)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", data)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[9] += ",extra"  # any bad row sends the block to the line-exact parser
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_paths([path], s).files[0]
    assert res.status == "partial", res.error
    assert res.rule_counts == {"value_too_long": 1, "bad_row": 1}
    assert res.rows_accepted == 18
    _accounted(res, path)
    q = [r for r in quarantine(res.quarantine_file) if r["规则代码"] == "value_too_long"]
    assert q[0]["行号"] == "5" and q[0]["列名"] == "fixmedins_code"
    assert "1,048,576" in q[0]["说明"]
    # the raw value is written nowhere: not the lake, not the quarantine file
    assert Path(res.quarantine_file).stat().st_size < 20_000
    assert not any("HHHHHHHH" in v for v in lake_strings(s.workdir))


def test_one_megabyte_field_on_the_fast_path_too(tmp_path):
    s = settings_for(tmp_path)
    data = rows(20)
    data[3]["mdtrt_id"] = "9" * (1 << 20)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", data)
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"value_too_long": 1} and res.rows_accepted == 19


# ---- truncated last line -------------------------------------------------------------------


def test_truncated_last_line_is_named(tmp_path):
    """Old: a plain bad_row ("列数不符"), the truncation not named."""
    s = settings_for(tmp_path)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows(30))
    raw = path.read_bytes()
    path.write_bytes(raw[: raw.rstrip(b"\n").rfind(b"\n") + 40])  # cut the last line at 40 bytes
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"truncated_row": 1}
    assert res.rows_accepted == 29
    _accounted(res, path)
    q = quarantine(res.quarantine_file)
    assert q[0]["行号"] == "31" and "截断" in q[0]["说明"] and path.name in q[0]["说明"]


# ---- 4. identifiers that went through a number -----------------------------------------------


def _parquet(path: Path, data: list[dict], types: dict[str, pa.DataType]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {c: pa.array([r[c] for r in data]).cast(types.get(c, pa.string())) for c in data[0]}
    pq.write_table(pa.table(arrays), path)
    return path


def test_float64_psn_no_in_parquet_is_refused(tmp_path):
    """Old: 18-digit psn_no as float64: 40 persons collapsed into a few pseudonyms, silently."""
    s = settings_for(tmp_path)
    data = [row(i, psn_no=str(140402199001010000 + i)) for i in range(1, 41)]
    path = _parquet(tmp_path / "in" / "setl_d_2025-03.parquet", data, {"psn_no": pa.float64()})
    res = ingest_paths([path], s).files[0]
    assert res.status == "rejected" and res.error_code == "numeric_identifier_file"
    assert "psn_no" in res.error and "浮点" in res.error and path.name in res.error
    assert lake_rows(s.workdir) == []


def test_int64_psn_no_in_parquet_round_trips_as_text(tmp_path):
    s = settings_for(tmp_path, redaction_psn_pattern=None)
    data = [row(i, psn_no=str(140402199001010000 + i)) for i in range(1, 41)]
    path = _parquet(tmp_path / "in" / "setl_d_2025-03.parquet", data, {"psn_no": pa.int64()})
    res = ingest_paths([path], s).files[0]
    assert res.status == "ok" and res.rows_accepted == 40
    assert len({r["psn_no"] for r in lake_rows(s.workdir)}) == 40


def test_scientific_notation_psn_no_in_csv_is_refused(tmp_path):
    """Old: "1.40402E+17" taken as the person's number: many persons, one pseudonym."""
    s = settings_for(tmp_path)
    data = rows(10)
    for r in data[:4]:
        r["psn_no"] = "1.40402E+17"
    data[5]["fixmedins_code"] = "1.2E+5"
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", data)
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"numeric_identifier": 5} and res.rows_accepted == 5
    q = quarantine(res.quarantine_file)
    assert {r["列名"] for r in q} == {"psn_no", "fixmedins_code"}
    assert all("科学计数法" in r["说明"] for r in q)


def test_excel_number_beyond_15_digits_is_refused(tmp_path):
    """Old: 18-digit numeric cells read as floats: the last digits lost, persons merged."""
    import openpyxl

    s = settings_for(tmp_path, redaction_psn_pattern=None)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(COLS)
    for i in range(1, 11):
        r = row(i)
        vals = [r[c] for c in COLS]
        if i <= 3:
            vals[COLS.index("psn_no")] = 140402199001010000 + i  # an 18-digit number cell
        elif i == 4:
            vals[COLS.index("psn_no")] = 123456789012345  # 15 digits: exact, taken as text
        ws.append(vals)
    path = tmp_path / "in" / "setl_d_2025-03.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"numeric_identifier": 3}, res.rule_counts
    assert res.rows_accepted == 7
    q = quarantine(res.quarantine_file)
    assert [r["行号"] for r in q] == ["2", "3", "4"] and q[0]["列名"] == "psn_no"
    assert "15 位" in q[0]["说明"]


# ---- 6. plausibility ---------------------------------------------------------------------------


def test_amount_of_1e15_is_quarantined(tmp_path):
    """Old: 1,000,000,000,000,000.00 yuan accepted into the lake."""
    s = settings_for(tmp_path)
    data = rows(5)
    data[1].update(medfee_sumamt="1000000000000000", fund_pay_sumamt="1000", hifp_pay="600")
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", data)
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"amount_out_of_range": 1} and res.rows_accepted == 4
    assert quarantine(res.quarantine_file)[0]["列名"] == "medfee_sumamt"


def test_amount_bound_is_configurable(tmp_path):
    s = settings_for(tmp_path, ingest_amount_max_by_column={"setl_d.medfee_sumamt": 1002})
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows(5))
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"amount_out_of_range": 4} and res.rows_accepted == 1


def test_dates_in_1900_and_2099_are_quarantined_and_no_2099_partition(tmp_path):
    """Old: begndate 1900-01-01 accepted; setl_time 2099-12 made a 2099-12 partition."""
    s = settings_for(tmp_path)
    data = rows(6)
    data[0]["begndate"] = "1900-01-01"
    data[1].update(setl_time="2099-12-15 08:00:00", enddate="2099-12-15")
    path = write_csv(tmp_path / "in" / "setl_d.csv", data)
    res = ingest_paths([path], s).files[0]
    assert res.rows_accepted == 4 and res.rows_quarantined == 2
    assert set(res.rule_counts) == {"date_out_of_range", "period_out_of_range"}
    assert lake_partitions(s.workdir, "setl_d") == {"2025-03"}


def test_future_period_2099_12_is_refused(tmp_path):
    """Old: psn_count for 2099-12 written to a 2099-12 partition."""
    s = settings_for(tmp_path)
    cols = ["admdvs", "period", "insutype", "psn_cnt"]
    data = [{"admdvs": "140400", "period": p, "insutype": "310", "psn_cnt": "1000"}
            for p in ("2025-03", "2099-12", "1900-01")]
    path = write_csv(tmp_path / "in" / "psn_count.csv", data, cols)
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"period_out_of_range": 2} and res.rows_accepted == 1
    assert lake_partitions(s.workdir, "psn_count") == {"2025-03"}
    this_month = date.today().strftime("%Y-%m")
    assert this_month in quarantine(res.quarantine_file)[0]["说明"]


# ---- 9. zero rows accepted, Chinese reading errors ------------------------------------------


def _app() -> typer.Typer:
    from liangjiadi.cli import ingest as cli_ingest

    app = typer.Typer()
    cli_ingest.register(app)

    @app.command("noop")
    def _noop() -> None:
        pass

    return app


def test_zero_rows_accepted_is_a_failure_with_nonzero_exit(tmp_path, monkeypatch):
    """Old: "部分隔离", exit 0, with not one row in the lake."""
    from liangjiadi.config import reset_settings_cache

    monkeypatch.setenv("LJD_PSEUDONYM_KEY", "k" * 40)
    monkeypatch.setenv("LJD_REGION_ADMDVS", "140400")
    reset_settings_cache()
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [row(i, med_type="77") for i in range(1, 6)])
    result = CliRunner().invoke(_app(), ["ingest", str(path), "--workdir", str(tmp_path / "w")],
                                env={"COLUMNS": "200"})
    reset_settings_cache()
    assert result.exit_code == 1, result.output
    assert "部分隔离" not in result.output and "未导入" in result.output
    assert "没有一行写入数据湖" in result.output
    assert "Traceback" not in result.output


def test_mixed_encoding_large_file_reads_line_by_line(tmp_path, monkeypatch):
    """Old: "无法读取：'gb18030' codec can't decode byte …" and the whole file rejected."""
    s = settings_for(tmp_path)
    monkeypatch.setattr(readers, "BLOCK", 8 << 10)  # many blocks, as in a large file
    monkeypatch.setattr(readers, "detect_encoding", lambda sample: "utf-8")  # the first 4 MiB
    data = rows(400)
    path = tmp_path / "in" / "setl_d_2025-03.csv"
    write_csv(path, data[:200], COLS + ["psn_type"])
    utf8_part = path.read_bytes()
    gbk = write_csv(tmp_path / "gbk.csv", [dict(r, psn_type="退休") for r in data[200:]], COLS + ["psn_type"],
                    encoding="gbk").read_bytes()
    gbk_rows = gbk.split(b"\n", 1)[1]
    bad_line = b"S99999,\xff\xfe\xfd" + b"," * (len(COLS) - 1) + b"\n"  # neither UTF-8 nor GB18030
    path.write_bytes(utf8_part.replace("患者1,".encode(), "患者一,".encode()) + gbk_rows + bad_line)
    res = ingest_paths([path], s).files[0]
    assert res.status == "partial", res.error
    assert "codec" not in (res.error or "")
    assert res.rule_counts == {"bad_encoding": 1} and res.rows_accepted == 400
    assert "gb18030" in res.encoding
    q = quarantine(res.quarantine_file)
    assert q[0]["行号"] == "402" and "编码" in q[0]["说明"]
    assert {r["psn_type"] for r in lake_rows(s.workdir)} == {None, "退休"}
    _accounted(res, path)


def test_corrupt_parquet_error_is_chinese(tmp_path):
    s = settings_for(tmp_path)
    path = tmp_path / "in" / "setl_d_2025-03.parquet"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PAR1 this is not really parquet")
    res = ingest_paths([path], s).files[0]
    assert res.status == "rejected" and path.name in res.error
    assert "Parquet" in res.error and "magic" not in res.error.lower()


def test_certno_swapped_into_an_ordinary_column_never_reaches_the_lake(tmp_path):
    """Old: certno and setl_id swapped on one row: the raw ID number stored as a setl_id."""
    s = settings_for(tmp_path, redaction_psn_pattern=None)
    data = rows(6)
    data[2]["setl_id"], data[2]["certno"] = data[2]["certno"], data[2]["setl_id"]
    data[3]["mdtrt_id"] = "140402202503011239"  # an 18-digit code whose check digit is not an ID's
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", data)
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"personal_id_in_column": 1} and res.rows_accepted == 5
    q = quarantine(res.quarantine_file)[0]
    assert q["列名"] == "setl_id" and q["原始值"] == ""
    assert not any(data[2]["setl_id"] in v for v in lake_strings(s.workdir))


def test_quoted_line_break_in_a_text_column_is_one_record_and_named(tmp_path):
    """A legitimate quoted newline (an address, a name) is not lost and not miscounted."""
    s = settings_for(tmp_path)
    data = rows(5)
    data[1]["psn_name"] = "患者\n二"
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", data)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] += ",extra"  # a bad row forces the line-exact parser
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_paths([path], s).files[0]
    assert res.rows_accepted == 4 and res.rule_counts == {"bad_row": 1}
    assert res.continuation_lines == 1
    _accounted(res, path)
    assert any("psn_name" in n and "换行" in n for n in res.notes)
    q = quarantine(res.quarantine_file)
    assert q[0]["行号"] == "5" and "分隔符" in q[0]["说明"]


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_file_cut_inside_a_character_prints_no_traceback(tmp_path):
    """Old: pyarrow printed "Exception ignored … UnicodeDecodeError" with a traceback."""
    s = settings_for(tmp_path)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows(30))
    raw = path.read_bytes()
    cut = raw.rfind("患者30".encode()) + 1  # inside the first character's three bytes
    path.write_bytes(raw[:cut])
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"truncated_row": 1} and res.rows_accepted == 29
    _accounted(res, path)


def test_unquoted_separator_names_the_column_that_holds_it(tmp_path):
    s = settings_for(tmp_path)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows(5))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = _set_cell(lines[2], "medfee_sumamt", lambda v: "1,0" + v)  # "1,01002.25"
    lines[3] = _set_cell(lines[3], "mdtrt_id", lambda v: v + ",B")  # two text columns side by side
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_paths([path], s).files[0]
    assert res.rule_counts == {"bad_row": 2}
    q = quarantine(res.quarantine_file)
    assert q[0]["行号"] == "3" and q[0]["列名"] == "medfee_sumamt" and "很可能是列 medfee_sumamt" in q[0]["说明"]
    assert q[1]["行号"] == "4" and "mdtrt_id" in q[1]["说明"]


def test_an_unexpected_library_error_is_reported_in_chinese_without_its_english_text(tmp_path, monkeypatch):
    """Attack 10: an internal error inside one table's load showed the library's English text
    (which may quote a row); now a Chinese reason naming the error type, other tables unaffected."""
    from liangjiadi.ingest import api

    def boom(*args, **kwargs):
        raise RuntimeError("Conversion Error: could not convert '110101199001011234' in row 7")

    monkeypatch.setattr(api.guards, "refuse", boom)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows(5))
    report = ingest_paths([path], settings_for(tmp_path))
    res = report.files[0]
    assert res.status == "rejected"
    assert "内部错误（RuntimeError）" in res.error
    assert "Conversion" not in res.error and "110101199001011234" not in res.error
