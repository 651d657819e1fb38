"""Helpers for the ingest tests: a private work directory, a fixed key, tiny files."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from liangjiadi.config import Settings

KEY = "test-pseudonym-key-at-least-32-bytes-long"
REGION = "140400"

SETL_COLS = ["setl_id", "mdtrt_id", "psn_no", "certno", "psn_name", "insutype", "med_type",
             "fixmedins_code", "fix_blng_admdvs", "insu_admdvs", "begndate", "enddate", "setl_time",
             "medfee_sumamt", "fulamt_ownpay_amt", "inscp_scp_amt", "hifp_pay", "fund_pay_sumamt",
             "psn_part_amt", "refd_setl_flag"]

FIX_COLS = ["fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs"]
FIX_ROWS = [
    {"fixmedins_code": "H001", "fixmedins_name": "第一人民医院", "fixmedins_type": "1", "hosp_lv": "02", "admdvs": REGION},
    {"fixmedins_code": "H002", "fixmedins_name": "第二人民医院", "fixmedins_type": "1", "hosp_lv": "05", "admdvs": REGION},
    {"fixmedins_code": "P001", "fixmedins_name": "大药房", "fixmedins_type": "2", "hosp_lv": "", "admdvs": REGION},
]


def setl_row(i: int, **over) -> dict:
    row = {
        "setl_id": f"S{i:04d}", "mdtrt_id": f"M{i:04d}", "psn_no": f"P{i % 7:04d}",
        "certno": f"11010119900101{i:04d}", "psn_name": f"患者{i}", "insutype": "310",
        "med_type": "21", "fixmedins_code": "H001", "fix_blng_admdvs": REGION, "insu_admdvs": REGION,
        "begndate": "2025-03-01", "enddate": "2025-03-05", "setl_time": f"2025-03-{1 + i % 28:02d} 10:20:30",
        "medfee_sumamt": f"{1000 + i}.25", "fulamt_ownpay_amt": "10.00", "inscp_scp_amt": "900.10",
        "hifp_pay": "600.5", "fund_pay_sumamt": "650", "psn_part_amt": "300.05", "refd_setl_flag": "0",
    }
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None,
              encoding: str = "utf-8") -> Path:
    columns = columns or list(rows[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])
    return path


def lake_rows(workdir: Path, table: str, where: str = "true") -> list[dict]:
    glob = str(Path(workdir) / "lake" / table / "*" / "*" / "*.parquet")
    con = duckdb.connect()
    try:
        rel = con.sql(f"SELECT * FROM read_parquet('{glob}', union_by_name=true) WHERE {where} "
                      f"ORDER BY ALL")
        cols = rel.columns
        return [dict(zip(cols, r)) for r in rel.fetchall()]
    finally:
        con.close()


def read_quarantine(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(workdir=tmp_path / "work", pseudonym_key=KEY, region_admdvs=REGION,
                    pseudonym_key_file=tmp_path / "no-such-key", duckdb_memory_limit="1GB")


@pytest.fixture
def fixmedins_loaded(settings, tmp_path):
    """The lake already holds the region's institutions."""
    from liangjiadi.ingest import ingest_paths

    path = write_csv(tmp_path / "in0" / "fixmedins.csv", FIX_ROWS, FIX_COLS)
    rep = ingest_paths([path], settings)
    assert rep.files[0].status == "ok"
    return settings
