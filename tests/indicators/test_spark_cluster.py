"""Spark beyond one process: the configured master is the one used, and a standalone cluster
(a master and one worker started here from the pyspark package's own `spark-class`, on loopback)
gives the same results as DuckDB on the golden region (money to the fen, ratios to 1e-9).

Skipped only when pyspark or a JVM is missing (CI installs both, so there it always runs).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("PySpark 需要 Java（JVM），本机未安装，跳过集群测试（CI 的 .ci/run 会安装）",
                allow_module_level=True)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _spark_cluster import standalone_cluster as start_cluster  # noqa: E402

from liangjiadi import engine as engine_module  # noqa: E402
from liangjiadi.errors import EngineError  # noqa: E402
from liangjiadi.indicators import compute  # noqa: E402

from . import engine_answers, golden  # noqa: E402
from .test_spark_parity import _assert_same  # noqa: E402

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def standalone_cluster(tmp_path_factory):
    """spark://127.0.0.1:PORT with one worker of 1 core; stopped at the end of the module."""
    with start_cluster(tmp_path_factory.mktemp("spark-cluster")) as cluster:
        try:
            yield cluster
        finally:
            engine_module.stop_spark()  # before the cluster stops; the next module gets a fresh local session


def _compare(work, **spark_settings):
    key = lambda r: (r["indicator_id"], r["fixmedins_code"])  # noqa: E731
    duck = compute(golden.P, golden.settings(work), save=False)
    spark = compute(golden.P, golden.settings(work, engine="pyspark", **spark_settings), save=False)
    _assert_same(work, {key(r): r for r in duck.to_pylist()}, {key(r): r for r in spark.to_pylist()})


def test_the_configured_local_master_is_the_one_used(tmp_path, monkeypatch):
    work = golden.build(tmp_path)
    monkeypatch.setenv("LJD_SPARK_MASTER", "local[1]")
    from liangjiadi.config import get_settings

    settings = get_settings(workdir=work, region_admdvs=golden.R, engine="pyspark")
    assert settings.spark_master == "local[1]"
    eng = engine_module.open_engine(settings)
    assert eng.kind == "pyspark"
    assert engine_module.spark_master_in_use() == "local[1]"


def test_an_unknown_master_is_refused_in_chinese(tmp_path):
    with pytest.raises(EngineError, match="无法识别的 Spark 地址"):
        engine_module.open_engine(golden.settings(tmp_path, engine="pyspark", spark_master="mesos://x:1"))


def test_standalone_cluster_matches_duckdb(tmp_path, standalone_cluster):
    master, status_url = standalone_cluster
    work = golden.build(tmp_path)
    _compare(work, spark_master=master, spark_executor_memory="512m", spark_executor_cores=1,
             spark_driver_memory="1g")
    assert engine_module.spark_master_in_use() == master
    # the work ran on the cluster: its master lists this application while the session is open
    state = json.load(urllib.request.urlopen(status_url, timeout=5))
    assert any(app.get("name") == "liangjiadi" for app in state.get("activeapps", [])), state.get("activeapps")


def test_findings_and_checks_on_the_cluster_equal_duckdb(demo, standalone_cluster, monkeypatch):
    """The demo region (13 months): every detector's findings and coverage, and every check's
    status, are the same on the standalone cluster as on DuckDB."""
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", "test-key-padded-to-at-least-32-bytes")  # the demo fixture's
    master, _ = standalone_cluster
    cluster = dict(engine="pyspark", spark_master=master, spark_executor_memory="512m", spark_executor_cores=1,
                   spark_driver_memory="1g")
    from liangjiadi.config import Settings

    duck, spark = Settings(workdir=demo.workdir), Settings(workdir=demo.workdir, **cluster)
    duck_findings, duck_cov = engine_answers.findings(duck)
    assert duck_findings, "the demo region has findings to compare"
    spark_findings, spark_cov = engine_answers.findings(spark)
    assert spark_findings == duck_findings
    assert spark_cov == duck_cov
    assert engine_answers.checks(spark) == engine_answers.checks(duck)
