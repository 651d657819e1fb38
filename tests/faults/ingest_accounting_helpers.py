"""Tiny setl_d files and lake readers for the ingest accounting fault tests."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from liangjiadi.config import Settings
from liangjiadi.ingest.plausibility import certno_check_char

REGION = "140400"
PSN_PATTERN = r"PSN\d{8}"  # the shape of the test psn_no (settings.redaction_psn_pattern)

COLS = ["setl_id", "mdtrt_id", "psn_no", "certno", "psn_name", "insutype", "med_type",
        "fixmedins_code", "fix_blng_admdvs", "insu_admdvs", "begndate", "enddate", "setl_time",
        "medfee_sumamt", "fulamt_ownpay_amt", "inscp_scp_amt", "hifp_pay", "fund_pay_sumamt",
        "psn_part_amt", "refd_setl_flag"]


def row(i: int, **over) -> dict:
    r = {
        "setl_id": f"S{i:05d}", "mdtrt_id": f"M{i:05d}", "psn_no": f"PSN{14040000 + i:08d}",
        "certno": _certno(i), "psn_name": f"患者{i}",
        "insutype": "310", "med_type": "21", "fixmedins_code": "H001", "fix_blng_admdvs": REGION,
        "insu_admdvs": REGION, "begndate": "2025-03-01", "enddate": "2025-03-05",
        "setl_time": f"2025-03-{1 + i % 28:02d} 10:20:30", "medfee_sumamt": f"{1000 + i}.25",
        "fulamt_ownpay_amt": "10.00", "inscp_scp_amt": "900.10", "hifp_pay": "600.5",
        "fund_pay_sumamt": "650", "psn_part_amt": "300.05", "refd_setl_flag": "0",
    }
    r.update(over)
    return r


def _certno(i: int) -> str:
    first17 = f"1404021990{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return first17 + certno_check_char(first17)


def rows(n: int) -> list[dict]:
    return [row(i) for i in range(1, n + 1)]


def write_csv(path: Path, data: list[dict], columns: list[str] | None = None, encoding: str = "utf-8") -> Path:
    columns = columns or COLS
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in data:
            w.writerow([r.get(c, "") for c in columns])
    return path


def settings_for(tmp: Path, **over) -> Settings:
    kw = dict(workdir=tmp / "work", pseudonym_key="k" * 40, region_admdvs=REGION,
              pseudonym_key_file=tmp / "no-such-key", duckdb_memory_limit="1GB",
              redaction_psn_pattern=PSN_PATTERN)
    kw.update(over)
    return Settings(**kw)


def lake_rows(workdir: Path, table: str = "setl_d") -> list[dict]:
    files = sorted((Path(workdir) / "lake" / table).rglob("*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    try:
        rel = con.sql(f"SELECT * FROM read_parquet({[str(f) for f in files]!r}, union_by_name=true)")
        cols = rel.columns
        return [dict(zip(cols, r)) for r in rel.fetchall()]
    finally:
        con.close()


def lake_partitions(workdir: Path, table: str) -> set[str]:
    root = Path(workdir) / "lake" / table
    return {p.name for p in root.glob("*/*") if p.is_dir()} if root.exists() else set()


def lake_strings(workdir: Path) -> list[str]:
    """Every text value of every lake Parquet file (all tables)."""
    out: list[str] = []
    for f in (Path(workdir) / "lake").rglob("*.parquet"):
        con = duckdb.connect()
        try:
            rel = con.sql(f"SELECT * FROM read_parquet('{f}')")
            for r in rel.fetchall():
                out.extend(v for v in r if isinstance(v, str))
        finally:
            con.close()
    return out


def quarantine(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def data_lines(path: Path) -> int:
    """Physical data lines of a CSV file (after the header), a final unterminated one included."""
    raw = Path(path).read_bytes()
    n = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    return n - 1
