"""A province lake: each region's compute reads only its own partitions (and only the months
it needs), never another region's files.

The proof is a corrupt Parquet file planted in every partition compute must not open: reading
one raises, so a run that succeeds with the same results has not opened any of them.
"""

from __future__ import annotations

import os
import shutil

import pytest

from liangjiadi.analysis.contents import release_contents
from liangjiadi.indicators import compute
from liangjiadi.lake import table_dir

from . import golden

TABLES = ("setl_d", "setl_list", "special_case", "fund_report", "psn_count", "budget", "clr_result",
          "external", "fixmedins", "grp_catalog", "setl_fee")
OTHER = "150100"  # a region of the same province that is not golden.R nor one of its institutions'


def _plant_corrupt_files(work) -> list:
    planted = []
    for table in TABLES:
        for region, period in ((OTHER, golden.P), (OTHER, "0000-00")):
            planted.append(table_dir(work, table) / region / period / "part-0.parquet")
    # the region's own settlements of a month no indicator of P reads (P-1, Jan..P, the half-year)
    planted.append(table_dir(work, "setl_d") / golden.R / "2024-06" / "part-0.parquet")
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1 not a parquet file PAR1")
    return planted


def _values(table) -> dict:
    return {(r["indicator_id"], r["fixmedins_code"]): (r["value"], r["numerator"], r["denominator"], r["note"])
            for r in table.to_pylist()}


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_compute_opens_only_its_own_partitions(tmp_path, engine):
    if engine == "pyspark":
        pytest.importorskip("pyspark")
        if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
            pytest.skip("PySpark 需要 Java（JVM）")
    work = golden.build(tmp_path)
    settings = golden.settings(work, engine=engine)
    clean = _values(compute(golden.P, settings, save=False))
    planted = _plant_corrupt_files(work)
    assert all(p.exists() for p in planted)
    assert _values(compute(golden.P, settings, save=False)) == clean


def test_release_contents_open_only_the_regions_partitions(tmp_path):
    work = golden.build(tmp_path)
    settings = golden.settings(work)
    clean = release_contents(settings, golden.R, [golden.P])
    _plant_corrupt_files(work)
    assert release_contents(settings, golden.R, [golden.P]) == clean
