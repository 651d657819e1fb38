"""PySpark parity: the same results as DuckDB (money to the fen, ratios to 1e-9).

One Spark session for the module (engine keeps it); skipped only when pyspark or a JVM is
missing (CI installs both, so there it always runs).
"""

from __future__ import annotations

import os
import shutil
from decimal import Decimal as D

import pytest

pytest.importorskip("pyspark")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("PySpark 需要 Java（JVM），本机未安装，跳过一致性测试（CI 的 .ci/run 会安装）",
                allow_module_level=True)

from liangjiadi.indicators import compute  # noqa: E402
from liangjiadi.indicators.registry import load_indicators  # noqa: E402
from liangjiadi.lake import write_rows  # noqa: E402

from . import golden  # noqa: E402
from .test_local import LOCAL_YAML  # noqa: E402

pytestmark = pytest.mark.spark


def _both(work, period=golden.P, only=None):
    duck = compute(period, golden.settings(work), save=False, only=only)
    spark = compute(period, golden.settings(work, engine="pyspark"), save=False, only=only)
    key = lambda r: (r["indicator_id"], r["fixmedins_code"])  # noqa: E731
    return ({key(r): r for r in duck.to_pylist()}, {key(r): r for r in spark.to_pylist()})


def _assert_same(work, duck, spark):
    assert set(duck) == set(spark)
    units = {i.id: i.unit for i in load_indicators(golden.settings(work))}
    for k, a in duck.items():
        b = spark[k]
        tol = D("0.005") if units[k[0]] == "yuan" else D("1e-9")
        for col in ("value", "numerator", "denominator"):
            if a[col] is None or b[col] is None:
                assert a[col] is None and b[col] is None, (k, col)
            else:
                assert abs(a[col] - b[col]) <= tol, (k, col, a[col], b[col])
        assert a["note"] == b["note"], k
        assert (a["scope"], a["basis"]) == (b["scope"], b["basis"])


def test_spark_matches_duckdb_on_the_golden_region(tmp_path):
    work = golden.build(tmp_path)
    (work / "local_indicators.yaml").write_text(LOCAL_YAML, encoding="utf-8")
    duck, spark = _both(work)
    assert len(duck) > 150
    _assert_same(work, duck, spark)


def test_spark_with_empty_tables(tmp_path):
    """Only a fund report: every other table is an empty typed table on both engines."""
    write_rows(tmp_path, "fund_report", golden.fund_reports(), golden.R)
    duck, spark = _both(tmp_path, only=["2", "17", "48", "14", "28", "33", "39", "37", "42", "43", "CMI", "46"])
    _assert_same(tmp_path, duck, spark)
    assert duck[("2", None)]["value"] == D(360)
    assert duck[("39", None)]["value"] == D(0)


def test_spark_reads_the_rollups_and_matches_the_duckdb_scan(tmp_path, monkeypatch):
    """Spark registers the settlement rollups (engine.Engine.rollup) and sums them to what
    DuckDB gets by scanning setl_d once the rollups are gone."""
    from liangjiadi.engine import Engine
    from liangjiadi.lake import table_dir
    from liangjiadi.rollup import ROLLUP_FILE

    work = golden.build(tmp_path)
    used = []
    real = Engine.rollup

    def rollup(self, *a, **kw):
        view = real(self, *a, **kw)
        used.append((self.kind, view is not None))
        return view

    monkeypatch.setattr(Engine, "rollup", rollup)
    only = ["2", "10", "11", "13", "14", "28", "29", "36", "37", "39", "42"]
    spark = compute(golden.P, golden.settings(work, engine="pyspark"), save=False, only=only)
    assert used == [("pyspark", True)]
    for f in table_dir(work, "setl_d").glob(f"*/*/{ROLLUP_FILE}"):
        f.unlink()
    duck = compute(golden.P, golden.settings(work), save=False, only=only)
    key = lambda r: (r["indicator_id"], r["fixmedins_code"])  # noqa: E731
    _assert_same(work, {key(r): r for r in duck.to_pylist()}, {key(r): r for r in spark.to_pylist()})
