"""The settlement rollup ingest writes inside each setl_d partition (liangjiadi/rollup.py).

A hand-made delivery: the rollup's rows and exact sums worked out by hand; a re-delivery of
the month replaces the rollup together with the data (never a stale one).
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from liangjiadi.ingest import ingest_paths
from liangjiadi.lake import partitions, table_dir
from liangjiadi.rollup import KEYS, ROLLUP_FILE, SUMS, schema

from .conftest import REGION, SETL_COLS, setl_row, write_csv

OUT = "150100"  # an insured person of another 统筹地区
COUNTY = "140421"  # an institution of another admdvs


def _row(i, medfee, ownpay, hifp, **over):
    return setl_row(i, medfee_sumamt=medfee, fulamt_ownpay_amt=ownpay, hifp_pay=hifp,
                    inscp_scp_amt="0", fund_pay_sumamt=hifp, psn_part_amt="0", **over)


def _delivery(root: Path) -> Path:
    rows = [
        _row(1, "100.10", "1.01", "50.05"),
        _row(2, "200.20", "2.02", "60.06", refd_setl_flag=""),  # missing flag: kept as NULL
        _row(3, "0.01", "0.00", "0.00"),  # same codes as row 1
        _row(4, "-100.10", "-1.01", "-50.05", refd_setl_flag="1"),  # the refund of row 1
        _row(5, "300.30", "0.00", "100.00", insu_admdvs=OUT),
        _row(6, "10.00", "10.00", "0.00", fixmedins_code="H900", fix_blng_admdvs=COUNTY,
             med_type="11", insutype="390"),
    ]
    return write_csv(root / "setl_d_2025-03.csv", rows, SETL_COLS)


def _rollup(workdir: Path) -> list[tuple]:
    path = table_dir(workdir, "setl_d") / REGION / "2025-03" / ROLLUP_FILE
    t = pq.read_table(path)
    # decimal(38,2) sums, as DuckDB's sum gives them
    assert [(f.name, f.type) for f in t.schema] == [(f.name, f.type) for f in schema()]
    return sorted((tuple(r[k] for k in KEYS) + (r["rows"],) + tuple(r[s] for s in SUMS)
                   for r in t.to_pylist()), key=repr)


def test_rollup_of_a_hand_made_delivery(settings, tmp_path):
    report = ingest_paths([_delivery(tmp_path / "in")], settings)
    assert sum(f.rows_accepted for f in report.files if f.table == "setl_d") == 6
    p, r = "2025-03", REGION
    # period, institution, med_type, insutype, institution's admdvs, insured's admdvs,
    # vali_flag (not delivered: NULL), refd_setl_flag (raw) | rows, medfee, 全自费, hifp
    assert _rollup(settings.workdir) == sorted([
        (p, "H001", "21", "310", r, r, None, "0", 2, D("100.11"), D("1.01"), D("50.05")),
        (p, "H001", "21", "310", r, r, None, None, 1, D("200.20"), D("2.02"), D("60.06")),
        (p, "H001", "21", "310", r, r, None, "1", 1, D("-100.10"), D("-1.01"), D("-50.05")),
        (p, "H001", "21", "310", r, OUT, None, "0", 1, D("300.30"), D("0.00"), D("100.00")),
        (p, "H900", "11", "390", COUNTY, r, None, "0", 1, D("10.00"), D("10.00"), D("0.00")),
    ], key=repr)


def test_a_redelivered_month_replaces_its_rollup(settings, tmp_path):
    ingest_paths([_delivery(tmp_path / "in")], settings)
    again = [_row(10 + i, f"{7 + i}.07", "0.50", "3.03", fixmedins_code="H002") for i in range(3)]
    # fewer rows than before: a whole replacement, as the shrink guard asks for
    ingest_paths([write_csv(tmp_path / "again" / "setl_d_2025-03.csv", again, SETL_COLS)], settings, replace=True)
    part = table_dir(settings.workdir, "setl_d") / REGION / "2025-03"
    assert partitions(settings.workdir, "setl_d") == [(REGION, "2025-03")]
    assert _rollup(settings.workdir) == [
        ("2025-03", "H002", "21", "310", REGION, REGION, None, "0", 3, D("24.21"), D("1.50"), D("9.09"))]
    # and it is the sum of the rows now in the partition
    data = str(part / "*.parquet")
    assert duckdb.connect().execute(
        f"SELECT count(*), sum(medfee_sumamt), sum(hifp_pay) FROM read_parquet('{data}')").fetchone() == (
        3, D("24.21"), D("9.09"))
