"""Spark Connect (`spark_master = "sc://host:port"`): compute through a Spark Connect server
(started here from the pyspark package's own SparkConnectServer, on loopback) gives the same
results as DuckDB on the golden region (money to the fen, ratios to 1e-9), the session used is a
Connect session to the configured address, and a local session can be started again after it in
the same process (PySpark marks the process as Connect once a Connect session was made); detection
and 复核 of the demo region through Connect give DuckDB's findings, coverage and check statuses.

Skipped only when pyspark or a JVM is missing, or when the installed PySpark does not ship the
Connect server (3.5; CI installs PySpark 4 with the `connect` extra, so there it always runs).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("PySpark 需要 Java（JVM），本机未安装，跳过 Spark Connect 测试（CI 的 .ci/run 会安装）",
                allow_module_level=True)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _spark_cluster import connect_jar, connect_server  # noqa: E402

if connect_jar() is None:
    pytest.skip("此版本的 PySpark 不带 Spark Connect 服务端（PySpark 4 才带），跳过", allow_module_level=True)

from liangjiadi import engine as engine_module  # noqa: E402
from liangjiadi.indicators import compute  # noqa: E402

from . import engine_answers, golden  # noqa: E402
from .test_spark_parity import _assert_same  # noqa: E402

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def connect_address(tmp_path_factory):
    with connect_server(tmp_path_factory.mktemp("spark-connect")) as address:
        try:
            yield address
        finally:
            # while the server still runs: a Connect session whose server is gone retries for
            # minutes on stop; the next module gets a fresh local session (engine.py clears Connect's mark)
            engine_module.stop_spark()


def _results(work, only=None, **kw):
    t = compute(golden.P, golden.settings(work, **kw), save=False, only=only)
    return {(r["indicator_id"], r["fixmedins_code"]): r for r in t.to_pylist()}


def test_spark_connect_matches_duckdb_and_a_local_session_follows(tmp_path, connect_address):
    work = golden.build(tmp_path)
    duck = _results(work)
    _assert_same(work, duck, _results(work, engine="pyspark", spark_master=connect_address))
    assert engine_module.spark_master_in_use() == connect_address
    assert type(engine_module._spark_session).__module__.startswith("pyspark.sql.connect")
    # back to a local master in the same process (a command after a Connect one, the next test):
    # two indicators are enough to show the session works (the parity test covers every one)
    local = _results(work, only=["36", "39"], engine="pyspark", spark_master="local[1]")
    _assert_same(work, {k: v for k, v in duck.items() if k[0] in ("36", "39")}, local)
    assert engine_module.spark_master_in_use() == "local[1]"
    assert not type(engine_module._spark_session).__module__.startswith("pyspark.sql.connect")


def test_findings_and_checks_through_connect_equal_duckdb(demo, connect_address, monkeypatch):
    """The demo region (13 months): every detector's findings and coverage, and every check's
    status, are the same through Spark Connect as on DuckDB (the heavy stages besides compute)."""
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", "test-key-padded-to-at-least-32-bytes")  # the demo fixture's
    from liangjiadi.config import Settings

    duck = Settings(workdir=demo.workdir)
    connect = duck.model_copy(update={"engine": "pyspark", "spark_master": connect_address})
    duck_findings, duck_cov = engine_answers.findings(duck)
    assert duck_findings, "the demo region has findings to compare"
    spark_findings, spark_cov = engine_answers.findings(connect)
    assert engine_module.spark_master_in_use() == connect_address
    assert spark_findings == duck_findings
    assert spark_cov == duck_cov
    assert engine_answers.checks(connect) == engine_answers.checks(duck)


def test_analyses_release_contents_and_a_province_month_through_connect_equal_duckdb(demo, connect_address,
                                                                                      tmp_path, monkeypatch):
    """The other readers of the lake through Spark Connect, on a copy of the demo region: the fund
    outlook, the topic analysis, DRG/DIP payment, the institution directory, a release's contents
    and one region-month of `province compute` give DuckDB's answers."""
    import shutil

    from liangjiadi.analysis.contents import release_contents
    from liangjiadi.analysis.province import compute_region_quarter
    from liangjiadi.config import Settings
    from liangjiadi.period import Window

    from .test_region_partitions import DEMO_REGION, READERS

    monkeypatch.setenv("LJD_PSEUDONYM_KEY", "test-key-padded-to-at-least-32-bytes")  # the demo fixture's
    work = tmp_path / "work"  # province compute saves its runs: not into the session's demo
    shutil.copytree(demo.workdir, work, ignore=shutil.ignore_patterns("outputs", "demo-input"))
    duck = Settings(workdir=work, region_admdvs=DEMO_REGION)
    connect = duck.model_copy(update={"engine": "pyspark", "spark_master": connect_address})
    quarter = ["2025-10", "2025-11", "2025-12"]
    assert release_contents(connect, DEMO_REGION, quarter) == release_contents(duck, DEMO_REGION, quarter)
    assert engine_module.spark_master_in_use() == connect_address
    for name in ("fund_outlook", "topic", "payment", "directory"):
        assert READERS[name](connect) == READERS[name](duck), name
    month = Window.parse("2025-12")
    assert compute_region_quarter(connect, DEMO_REGION, month) == compute_region_quarter(duck, DEMO_REGION, month)
