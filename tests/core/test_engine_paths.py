"""Where a Spark executor reads a table, or one region's partitions of it: under the local lake,
or the same layout under spark_lake_uri (a shared filesystem or an object store)."""

from __future__ import annotations

from liangjiadi.config import Settings
from liangjiadi.engine import _lake_paths
from liangjiadi.lake import table_dir


def test_partitions_keep_the_lake_layout_under_the_uri(tmp_path):
    dirs = [table_dir(tmp_path, "setl_d").resolve() / "140400" / "2025-03"]
    local = Settings(workdir=tmp_path)
    shared = Settings(workdir=tmp_path, spark_lake_uri="hdfs://nn:8020/ljd/lake/")
    assert _lake_paths(local, tmp_path, "setl_d", dirs) == [f"{dirs[0]}/*.parquet"]
    assert _lake_paths(shared, tmp_path, "setl_d", dirs) == ["hdfs://nn:8020/ljd/lake/setl_d/140400/2025-03/*.parquet"]
    assert _lake_paths(shared, tmp_path, "setl_d", None) == ["hdfs://nn:8020/ljd/lake/setl_d/*/*/*.parquet"]
