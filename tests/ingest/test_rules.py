"""One test per rule: the rule fires on a bad row, the message names the file, the line and
the column, and the good rows of the same file still reach the lake."""

from __future__ import annotations

import pytest

from liangjiadi.ingest import RULES, ingest_paths

from .conftest import REGION, SETL_COLS, lake_rows, read_quarantine, setl_row, write_csv


def _assert_quarantined(res, rule, line, column, file_name, good):
    assert res.rule_counts.get(rule) == 1, res.rule_counts
    assert res.rows_accepted == good
    rows = [r for r in read_quarantine(res.quarantine_file) if r["规则代码"] == rule]
    assert len(rows) == 1
    hit = rows[0]
    assert hit["行号"] == str(line)
    assert hit["列名"] == column
    assert hit["规则名称"] == RULES[rule].name
    assert file_name in hit["说明"] and f"第 {line} 行" in hit["说明"] and column in hit["说明"]
    assert hit["来源文件"].endswith(file_name)
    return hit


SETL_CASES = [
    ("blank_required", {"hifp_pay": ""}, "hifp_pay"),
    ("bad_number", {"medfee_sumamt": "12a.5"}, "medfee_sumamt"),
    ("money_scale", {"medfee_sumamt": "1000.123"}, "medfee_sumamt"),
    ("bad_date", {"begndate": "2025-13-45"}, "begndate"),
    ("bad_admdvs", {"insu_admdvs": "14040"}, "insu_admdvs"),
    ("unknown_code", {"med_type": "77"}, "med_type"),
    ("duplicate_key", {"setl_id": "S0001"}, "setl_id"),
    ("negative_amount", {"hifp_pay": "-5.00"}, "hifp_pay"),
    ("part_exceeds_total", {"fulamt_ownpay_amt": "5000"}, "fulamt_ownpay_amt"),
    ("end_before_begin", {"enddate": "2025-02-01"}, "enddate"),
    ("unknown_fixmedins", {"fixmedins_code": "H999"}, "fixmedins_code"),
    ("period_mismatch", {"setl_time": "2025-04-02 08:00:00"}, "setl_time"),
]


@pytest.mark.parametrize("rule,override,column", SETL_CASES, ids=[c[0] for c in SETL_CASES])
def test_setl_d_rule(fixmedins_loaded, tmp_path, rule, override, column):
    settings = fixmedins_loaded
    rows = [setl_row(1), setl_row(2, **override), setl_row(3), setl_row(4)]
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)
    rep = ingest_paths([path], settings)
    res = rep.files[0]
    assert res.status == "partial"
    _assert_quarantined(res, rule, 3, column, path.name, good=3)
    lake = lake_rows(settings.workdir, "setl_d")
    assert len(lake) == 3 and {r["period"] for r in lake} == {"2025-03"}
    assert "S0002" not in {r["setl_id"] for r in lake} or rule == "duplicate_key"


def test_bad_row_wrong_field_count(fixmedins_loaded, tmp_path):
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(1), setl_row(2), setl_row(3)], SETL_COLS)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, lines[2] + ",多余的值")  # line 3 has one field too many
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_paths([path], fixmedins_loaded).files[0]
    hit = _assert_quarantined(res, "bad_row", 3, "（整行）", path.name, good=3)
    assert "患者" not in hit["原始值"] and "110101" not in hit["原始值"]  # raw line never copied
    assert len(lake_rows(fixmedins_loaded.workdir, "setl_d")) == 3


def test_bad_row_lines_after_quoted_newline_stay_exact(fixmedins_loaded, tmp_path):
    """A quoted value spanning two lines shifts the line numbers of the rows after it."""
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(1), setl_row(2), setl_row(3)], SETL_COLS)
    text = path.read_text(encoding="utf-8").replace("患者1", '"患者\n1"')
    text = text.replace("M0003", "M0003").replace(",2025-03-04 10:20:30,", ",2025-03-04 10:20:30,")
    lines = text.splitlines()
    lines[-1] = lines[-1].replace("1003.25", "abc")  # the third data row, physical line 5
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_paths([path], fixmedins_loaded).files[0]
    _assert_quarantined(res, "bad_number", 5, "medfee_sumamt", path.name, good=2)


def test_bad_period(settings, tmp_path):
    cols = ["admdvs", "period", "insutype", "psn_cnt"]
    rows = [{"admdvs": REGION, "period": "2025-03", "insutype": "310", "psn_cnt": "1000"},
            {"admdvs": REGION, "period": "2025-3", "insutype": "390", "psn_cnt": "2000"},
            {"admdvs": REGION, "period": "2025-03", "insutype": "390", "psn_cnt": "3000"}]
    path = write_csv(tmp_path / "in" / "psn_count.csv", rows, cols)
    res = ingest_paths([path], settings).files[0]
    _assert_quarantined(res, "bad_period", 3, "period", path.name, good=2)
    assert [r["psn_cnt"] for r in lake_rows(settings.workdir, "psn_count")] == [1000, 3000]


def test_orphan_settlement(fixmedins_loaded, tmp_path):
    settings = fixmedins_loaded
    setl = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(1), setl_row(2)], SETL_COLS)
    cols = ["setl_id", "fixmedins_code", "dscg_time", "grp_type", "grp_code"]
    lists = [{"setl_id": "S0001", "fixmedins_code": "H001", "dscg_time": "2025-03-05 09:00:00",
              "grp_type": "DRG", "grp_code": "EJ13"},
             {"setl_id": "S9999", "fixmedins_code": "H001", "dscg_time": "2025-03-05 09:00:00",
              "grp_type": "DRG", "grp_code": "EJ13"},
             {"setl_id": "S0002", "fixmedins_code": "H001", "dscg_time": "2025-02-27 09:00:00",
              "grp_type": "DIP", "grp_code": "A01"}]
    lst = write_csv(tmp_path / "in" / "setl_list.csv", lists, cols)
    rep = ingest_paths([lst, setl], settings)  # given out of order: setl_d still loads first
    res = next(f for f in rep.files if f.table == "setl_list")
    _assert_quarantined(res, "orphan_settlement", 3, "setl_id", lst.name, good=2)
    got = lake_rows(settings.workdir, "setl_list")
    # the list takes the period of its settlement (March), not its discharge month
    assert {(r["setl_id"], r["period"], r["admdvs"]) for r in got} == {
        ("S0001", "2025-03", REGION), ("S0002", "2025-03", REGION)}


def test_unknown_fixmedins_ignores_other_regions(fixmedins_loaded, tmp_path):
    rows = [setl_row(1, fixmedins_code="X123", fix_blng_admdvs="110100"), setl_row(2)]
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)
    res = ingest_paths([path], fixmedins_loaded).files[0]
    assert res.status == "ok" and res.rows_accepted == 2


def test_refund_rows_may_be_negative(fixmedins_loaded, tmp_path):
    refund = setl_row(2, refd_setl_flag="1", medfee_sumamt="-1002.25", fulamt_ownpay_amt="-10",
                      inscp_scp_amt="-900.10", hifp_pay="-600.50", fund_pay_sumamt="-650",
                      psn_part_amt="-300.05")
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(1), refund], SETL_COLS)
    res = ingest_paths([path], fixmedins_loaded).files[0]
    assert res.status == "ok", res.rule_counts
    from decimal import Decimal

    got = {r["setl_id"]: r["medfee_sumamt"] for r in lake_rows(fixmedins_loaded.workdir, "setl_d")}
    assert got == {"S0001": Decimal("1001.25"), "S0002": Decimal("-1002.25")}


def test_allow_negative_column_and_extra_codes(settings, tmp_path):
    cols = ["admdvs", "period", "fund", "item", "amount"]
    rows = [{"admdvs": REGION, "period": "2025-03", "fund": "employee", "item": "balance_period", "amount": "-12.5"},
            {"admdvs": REGION, "period": "2025-03", "fund": "employee", "item": "local_item", "amount": "3"}]
    path = write_csv(tmp_path / "in" / "fund_report_2025-03.csv", rows, cols)
    res = ingest_paths([path], settings).files[0]
    assert res.rule_counts == {"unknown_code": 1}
    local = settings.model_copy(update={"extra_codes": {"fund_item": {"local_item": "地方项目"}}})
    res = ingest_paths([path], local).files[0]
    assert res.status == "ok"
    assert len(lake_rows(settings.workdir, "fund_report")) == 2


def test_several_failures_of_one_row_listed_once_each(fixmedins_loaded, tmp_path):
    bad = setl_row(2, medfee_sumamt="x", med_type="77", begndate="bad")
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(1), bad], SETL_COLS)
    res = ingest_paths([path], fixmedins_loaded).files[0]
    assert res.rows_quarantined == 1
    q = read_quarantine(res.quarantine_file)
    assert sorted(r["规则代码"] for r in q) == ["bad_date", "bad_number", "unknown_code"]
    assert {r["行号"] for r in q} == {"3"}


# ---- file rules -----------------------------------------------------------------------


def test_missing_column_rejects_file_but_others_load(settings, tmp_path):
    cols = [c for c in SETL_COLS if c not in ("hifp_pay", "setl_time")]
    bad = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(1)], cols)
    good = write_csv(tmp_path / "in" / "setl_d_2025-04.csv",
                     [setl_row(5, setl_time="2025-04-01 00:00:00")], SETL_COLS)
    rep = ingest_paths([bad, good], settings)
    r_bad, r_good = rep.files
    assert r_bad.status == "rejected" and r_bad.error_code == "missing_column"
    assert bad.name in r_bad.error and "hifp_pay" in r_bad.error and "setl_time" in r_bad.error
    assert r_good.status == "ok"
    assert [r["setl_id"] for r in lake_rows(settings.workdir, "setl_d")] == ["S0005"]


@pytest.mark.parametrize("name,content,code", [
    ("setl_d_2025-03.csv", b"", "empty_file"),
    ("setl_d_2025-05.csv", ",".join(SETL_COLS).encode() + b"\n", "empty_file"),
    ("setl_d_2025-03.xlsx", b"this is not a zip file", "unreadable_file"),
    ("setl_d_2025-03.parquet", b"PAR1garbage", "unreadable_file"),
    ("setl_d_2025-03.xls", b"\xd0\xcf\x11\xe0", "unsupported_format"),
    ("kaoqin_2025-03.csv", b"a,b\n1,2\n", "unknown_table"),
])
def test_bad_files_are_named_and_do_not_stop_others(settings, tmp_path, name, content, code):
    bad = tmp_path / "in" / name
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(content)
    good = write_csv(tmp_path / "in" / "setl_d_2025-04.csv",
                     [setl_row(5, setl_time="2025-04-01 00:00:00")], SETL_COLS)
    rep = ingest_paths([bad, good], settings)
    r_bad = next(f for f in rep.files if f.path == str(bad))
    assert r_bad.status == "rejected" and r_bad.error_code == code, r_bad.error
    assert name in r_bad.error
    assert rep.rule_totals()[code] == 1
    assert [r["setl_id"] for r in lake_rows(settings.workdir, "setl_d")] == ["S0005"]


def test_missing_path_is_named(settings, tmp_path):
    good = write_csv(tmp_path / "in" / "setl_d_2025-04.csv",
                     [setl_row(5, setl_time="2025-04-01 00:00:00")], SETL_COLS)
    rep = ingest_paths([tmp_path / "nope" / "setl_d.csv", good], settings)
    assert rep.files[0].error_code == "unreadable_file" and "setl_d.csv" in rep.files[0].error
    assert rep.files[1].status == "ok"


def test_region_unknown_is_a_clear_error(tmp_path):
    from liangjiadi.config import Settings
    from liangjiadi.errors import ConfigError

    s = Settings(workdir=tmp_path / "w", pseudonym_key="k" * 32, region_admdvs=None)
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(1)], SETL_COLS)
    with pytest.raises(ConfigError) as exc:
        ingest_paths([path], s)
    assert "统筹地区" in exc.value.message and "--admdvs" in exc.value.hint


def test_duplicate_key_with_blank_key_part(settings, tmp_path):
    cols = ["admdvs", "period", "indicator_id", "fixmedins_code", "value"]
    rows = [{"admdvs": REGION, "period": "2025-03", "indicator_id": "7", "fixmedins_code": "", "value": "1.5"},
            {"admdvs": REGION, "period": "2025-03", "indicator_id": "7", "fixmedins_code": "", "value": "2.5"},
            {"admdvs": REGION, "period": "2025-03", "indicator_id": "7", "fixmedins_code": "H001", "value": "3"}]
    path = write_csv(tmp_path / "in" / "external_2025-03.csv", rows, cols)
    res = ingest_paths([path], settings).files[0]
    hit = _assert_quarantined(res, "duplicate_key", 3, "admdvs+period+indicator_id+fixmedins_code",
                              path.name, good=2)
    assert hit["原始值"] == f"{REGION}|2025-03|7|"


@pytest.mark.parametrize("raw,rule,stored", [
    ("12.300", None, "12.30"), ("12", None, "12.00"), ("0.5", None, "0.50"), ("-0.00", None, "0.00"),
    ("1,000.00", "bad_number", None), ("12.3.4", "bad_number", None), ("一百", "bad_number", None),
    ("12.345", "money_scale", None), ("12.3401", "money_scale", None),
    ("99999999999999999", "bad_number", None),
])
def test_money_text_forms(settings, tmp_path, raw, rule, stored):
    from decimal import Decimal

    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv",
                     [setl_row(1, fulamt_ownpay_amt=raw)], SETL_COLS)
    res = ingest_paths([path], settings).files[0]
    if rule:
        assert res.rule_counts == {rule: 1}
    else:
        assert res.status == "ok", res.rule_counts
        assert lake_rows(settings.workdir, "setl_d")[0]["fulamt_ownpay_amt"] == Decimal(stored)


def test_duplicate_check_is_exact_when_every_key_hash_collides(settings, tmp_path, monkeypatch):
    """The duplicate check finds candidates by a 64-bit hash of the key (less memory and spill on
    a city-year); the verdict is on the exact key. With a hash that makes every key collide,
    only the true duplicate is quarantined, across two files, and the first occurrence stays."""
    from liangjiadi.ingest import validate

    monkeypatch.setattr(validate, "key_hash_sql", lambda columns: "42")
    first = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", [setl_row(i) for i in range(1, 5)], SETL_COLS)
    again = write_csv(tmp_path / "in" / "setl_d_2025-03b.csv", [setl_row(9), setl_row(3)], SETL_COLS)
    rep = ingest_paths([first, again], settings)
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in rep.files}
    assert by_name[first.name].rows_accepted == 4 and by_name[first.name].rows_quarantined == 0
    _assert_quarantined(by_name[again.name], "duplicate_key", 3, "setl_id", again.name, good=1)
    assert sorted(r["setl_id"] for r in lake_rows(settings.workdir, "setl_d")) == [
        "S0001", "S0002", "S0003", "S0004", "S0009"]
