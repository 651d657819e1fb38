"""Issue 8, attacks 4 and 7: partial re-deliveries and settlements in two months.

Each test reproduces an attack that passed silently before replacement safety:
a 3-row correction file replaced a whole month, a 1-row institution file replaced the
directory, a truncated file halved a month, setl_list rows were left without their
settlement, and a setl_id loaded in two months by separate runs was not flagged.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from liangjiadi.checks import run_checks
from liangjiadi.config import Settings, reset_settings_cache
from liangjiadi.indicators.results import RESULT_SCHEMA
from liangjiadi.ingest import ingest_paths

KEY = "replacement-safety-test-key-0123456789"
REGION = "140400"
MONTH = "2025-03"
N = 40  # settlements in the delivered month

SETL_COLS = ["setl_id", "mdtrt_id", "psn_no", "insutype", "med_type", "fixmedins_code",
             "fix_blng_admdvs", "insu_admdvs", "setl_time", "medfee_sumamt", "fulamt_ownpay_amt",
             "inscp_scp_amt", "hifp_pay", "fund_pay_sumamt", "refd_setl_flag"]
FIX_COLS = ["fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs"]
LIST_COLS = ["setl_id", "fixmedins_code", "upld_time", "qc_pass_flag", "dscg_time"]


def setl(i: int, month: str = MONTH) -> dict:
    return {"setl_id": f"S{i:05d}", "mdtrt_id": f"M{i:05d}", "psn_no": f"P{i % 9:04d}", "insutype": "310",
            "med_type": "21", "fixmedins_code": "H001", "fix_blng_admdvs": REGION, "insu_admdvs": REGION,
            "setl_time": f"{month}-{1 + i % 28:02d} 10:20:30", "medfee_sumamt": "1000.00",
            "fulamt_ownpay_amt": "0", "inscp_scp_amt": "900.00", "hifp_pay": "600.00",
            "fund_pay_sumamt": "600.00", "refd_setl_flag": "0"}


def institution(i: int) -> dict:
    return {"fixmedins_code": f"H{i:03d}", "fixmedins_name": f"第{i}医院", "fixmedins_type": "1",
            "hosp_lv": "02", "admdvs": REGION}


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])
    return path


def lake_count(workdir: Path, table: str, where: str = "true") -> int:
    glob = str(Path(workdir) / "lake" / table / "*" / "*" / "*.parquet")
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT count(*) FROM read_parquet('{glob}', union_by_name=true) WHERE {where}").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(workdir=tmp_path / "work", pseudonym_key=KEY, region_admdvs=REGION,
                    pseudonym_key_file=tmp_path / "no-such-key", duckdb_memory_limit="1GB")


@pytest.fixture
def month_loaded(settings, tmp_path) -> Settings:
    """The lake holds a whole month of settlements (N rows) from an earlier run."""
    path = write_csv(tmp_path / "first" / f"setl_d_{MONTH}.csv", [setl(i) for i in range(N)], SETL_COLS)
    assert ingest_paths([path], settings).files[0].status == "ok"
    assert lake_count(settings.workdir, "setl_d") == N
    return settings


def _correction(tmp_path: Path, name: str = "fix") -> Path:
    return write_csv(tmp_path / name / f"setl_d_{MONTH}.csv", [setl(i) for i in (1, 2, 3)], SETL_COLS)


# ---- attack 4: partial re-deliveries -----------------------------------------------------


def test_three_row_correction_is_refused_without_replace(month_loaded, tmp_path):
    report = ingest_paths([_correction(tmp_path)], month_loaded)
    (res,) = report.files
    assert res.status == "rejected" and res.error_code == "shrink_refused"
    # the message names the partition and both counts, in Chinese
    assert f"setl_d/{REGION}/{MONTH}" in res.error and f"{N:,} 行" in res.error and "3 行" in res.error
    assert "--replace" in res.error
    assert res.rows_accepted == 0 and res.partitions == []
    assert lake_count(month_loaded.workdir, "setl_d") == N  # nothing of the partition written


def test_three_row_correction_is_accepted_with_replace(month_loaded, tmp_path):
    report = ingest_paths([_correction(tmp_path)], month_loaded, replace=True)
    (res,) = report.files
    assert res.status == "ok" and res.rows_accepted == 3
    assert any("--replace" in n and f"{N:,} 行" in n for n in res.notes)  # recorded, not silent
    assert lake_count(month_loaded.workdir, "setl_d") == 3


def test_cli_refuses_with_exit_code_and_replace_option_accepts(month_loaded, tmp_path, monkeypatch):
    from liangjiadi.cli.main import app

    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("LJD_REGION_ADMDVS", REGION)
    reset_settings_cache()
    path = _correction(tmp_path)
    args = ["ingest", str(path), "--workdir", str(month_loaded.workdir)]
    try:
        refused = CliRunner().invoke(app, args, env={"COLUMNS": "240"})
        assert refused.exit_code == 1, refused.output
        assert "拒绝替换" in refused.output and "shrink_refused" in refused.output
        assert lake_count(month_loaded.workdir, "setl_d") == N
        accepted = CliRunner().invoke(app, args + ["--replace"], env={"COLUMNS": "240"})
        assert accepted.exit_code == 0, accepted.output
        assert lake_count(month_loaded.workdir, "setl_d") == 3
    finally:
        reset_settings_cache()


def test_truncated_file_of_half_a_month_is_refused(month_loaded, tmp_path):
    path = write_csv(tmp_path / "cut" / f"setl_d_{MONTH}.csv", [setl(i) for i in range(N // 2)], SETL_COLS)
    with open(path, "a", encoding="utf-8") as f:
        f.write("S09999,M09999,P0001,310")  # the export stopped mid-line
    report = ingest_paths([path], month_loaded)
    (res,) = report.files
    assert res.rule_counts.get("truncated_row") == 1  # the cut line is still named (as truncated)
    assert res.status == "rejected" and res.error_code == "shrink_refused"
    assert f"{N:,} 行" in res.error and f"{N // 2:,} 行" in res.error
    assert lake_count(month_loaded.workdir, "setl_d") == N


def test_one_row_institution_file_is_refused(settings, tmp_path):
    full = write_csv(tmp_path / "a" / "fixmedins.csv", [institution(i) for i in range(1, 21)], FIX_COLS)
    assert ingest_paths([full], settings).files[0].status == "ok"
    one = write_csv(tmp_path / "b" / "fixmedins.csv", [institution(1)], FIX_COLS)
    (res,) = ingest_paths([one], settings).files
    assert res.status == "rejected" and res.error_code == "shrink_refused"
    assert "20 行" in res.error and "1 行" in res.error and "fixmedins" in res.error
    assert lake_count(settings.workdir, "fixmedins") == 20


def test_institution_directory_losing_more_than_a_tenth_is_refused(settings, tmp_path):
    full = write_csv(tmp_path / "a" / "fixmedins.csv", [institution(i) for i in range(1, 21)], FIX_COLS)
    ingest_paths([full], settings)
    # same size, but 3 of the 20 institutions swapped for others: 15% of the directory lost
    swapped = write_csv(tmp_path / "b" / "fixmedins.csv",
                        [institution(i) for i in range(4, 24)], FIX_COLS)
    (res,) = ingest_paths([swapped], settings).files
    assert res.status == "rejected" and "缺少数据湖中已有的 3 家机构" in res.error
    # losing one of 20 (5%) with a new one added is an ordinary update
    update = write_csv(tmp_path / "c" / "fixmedins.csv", [institution(i) for i in range(2, 22)], FIX_COLS)
    assert ingest_paths([update], settings).files[0].status == "ok"
    assert lake_count(settings.workdir, "fixmedins", "fixmedins_code = 'H021'") == 1


# ---- orphans kept and counted by 复核 ----------------------------------------------------


def test_orphan_lists_after_a_replace_are_counted_by_review(month_loaded, tmp_path):
    lists = [{"setl_id": f"S{i:05d}", "fixmedins_code": "H001", "upld_time": f"{MONTH}-20 10:00:00",
              "qc_pass_flag": "1", "dscg_time": f"{MONTH}-10 10:00:00"} for i in range(N)]
    path = write_csv(tmp_path / "lists" / f"setl_list_{MONTH}.csv", lists, LIST_COLS)
    assert ingest_paths([path], month_loaded).files[0].status == "ok"
    ingest_paths([_correction(tmp_path)], month_loaded, replace=True)
    assert lake_count(month_loaded.workdir, "setl_list") == N  # kept in the lake, not deleted

    empty = pa.Table.from_pylist([], schema=RESULT_SCHEMA)
    report = run_checks(MONTH, month_loaded, empty, admdvs=REGION, only=["orphan_rows"], save=False)
    (row,) = [r for r in report.rows if r["status"] != "pass"]
    assert row["status"] == "warn" and row["reason_code"] == "ROWS_WITHOUT_SETTLEMENT"
    assert row["observed_value"] == N - 3 and f"{N - 3:,} 行" in row["message"]


# ---- attack 7: one settlement, two months ------------------------------------------------


def test_setl_id_of_an_earlier_month_is_quarantined_naming_that_month(month_loaded, tmp_path):
    april = [setl(i, "2025-04") for i in range(100, 110)] + [setl(5, "2025-04")]  # S00005 is March's
    path = write_csv(tmp_path / "apr" / "setl_d_2025-04.csv", april, SETL_COLS)
    (res,) = ingest_paths([path], month_loaded).files
    assert res.status == "partial" and res.rows_accepted == 10 and res.rows_quarantined == 1
    assert res.rule_counts == {"setl_id_other_month": 1}
    with open(res.quarantine_file, encoding="utf-8-sig", newline="") as f:
        (line,) = list(csv.DictReader(f))
    assert line["规则代码"] == "setl_id_other_month" and line["行号"] == "12"
    assert "S00005" in line["说明"] and f"已在 {MONTH} 月份中存在" in line["说明"]
    assert lake_count(month_loaded.workdir, "setl_d", "setl_id = 'S00005'") == 1


def test_redelivering_the_same_month_with_the_same_ids_is_fine(month_loaded, tmp_path):
    path = write_csv(tmp_path / "again" / f"setl_d_{MONTH}.csv", [setl(i) for i in range(N)], SETL_COLS)
    (res,) = ingest_paths([path], month_loaded).files
    assert res.status == "ok" and res.rows_accepted == N
    assert lake_count(month_loaded.workdir, "setl_d") == N
