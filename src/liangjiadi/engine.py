"""The one place that opens a compute backend and exposes the lake tables through Ibis.

DuckDB (a file in the work directory) is the default; PySpark (local or a cluster) is chosen
with `engine = "pyspark"`. Nothing else in the project names either backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir

from . import lake
from .config import Settings, get_settings
from .errors import EngineError
from .schema import TABLES

_spark_session = None
_spark_key: tuple | None = None


def _ibis_schema(table: str) -> ibis.Schema:
    arrow = lake.lake_schema(table)
    return ibis.Schema.from_pyarrow(arrow)


@dataclass
class Engine:
    """An open backend; each lake table is registered under its contract name the first time
    it is asked for (a command reads a handful of the 28 tables, and each registration costs a
    view, and on Spark a file listing)."""

    kind: str
    workdir: Path
    con: object
    register: Callable[[str], ir.Table] = field(repr=False, default=None)
    _tables: dict[str, ir.Table] = field(default_factory=dict)

    def table(self, name: str) -> ir.Table:
        if name not in TABLES:
            raise EngineError(f"未知的数据表：{name}")
        if name not in self._tables:
            self._tables[name] = self.register(name)
        return self._tables[name]

    def has_data(self, name: str) -> bool:
        return lake.has_data(self.workdir, name)

    def execute(self, expr) -> "object":
        return expr.execute()

    def to_pyarrow(self, expr):
        return expr.to_pyarrow()

    def close(self) -> None:
        if self.kind == "duckdb":
            try:
                self.con.disconnect()
            except Exception:  # noqa: BLE001 - closing twice is harmless
                pass


def _open_duckdb(settings: Settings) -> Engine:
    workdir = Path(settings.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    # In memory: the database holds only views over the lake, and an in-memory catalog needs
    # no file, lock or fsync per view. Spilling goes to duckdb_temp_directory, or where the file database spilled before.
    con = ibis.duckdb.connect(
        ":memory:",
        memory_limit=settings.duckdb_memory_limit,
        threads=settings.duckdb_threads,
        temp_directory=str(settings.duckdb_temp_directory or workdir / "ljd.duckdb.tmp"),
    )
    con.raw_sql("SET enable_progress_bar = false")  # the CLI draws its own progress

    def register(name: str) -> ir.Table:
        if lake.has_data(workdir, name):
            glob = lake.table_glob(workdir, name).replace("'", "''")
            con.raw_sql(
                f"CREATE OR REPLACE VIEW {name} AS "
                f"SELECT * FROM read_parquet('{glob}', union_by_name=true, hive_partitioning=false)"
            )
        else:
            cols = ", ".join(
                f"CAST(NULL AS {_duck_type(dt)}) AS {col}"
                for col, dt in _ibis_schema(name).items()
            )
            con.raw_sql(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} WHERE false")
        # the view's own schema: a lake written before a contract column existed has not got it
        return con.table(name)

    return Engine("duckdb", workdir, con, register)


def _duck_type(dt) -> str:
    if dt.is_decimal():
        return f"DECIMAL({dt.precision},{dt.scale})"
    if dt.is_string():
        return "VARCHAR"
    if dt.is_int64():
        return "BIGINT"
    if dt.is_float64():
        return "DOUBLE"
    if dt.is_date():
        return "DATE"
    if dt.is_timestamp():
        return "TIMESTAMP"
    raise EngineError(f"不支持的列类型：{dt}")


def _spark_wanted(settings: Settings) -> tuple:
    return (settings.spark_master, settings.spark_driver_memory, settings.spark_executor_memory,
            settings.spark_executor_cores)


def _spark(settings: Settings):
    """The process's Spark session for the configured master; a different configuration
    stops the old session first (Spark keeps one per process, and getOrCreate would silently
    hand back the old master)."""
    global _spark_session, _spark_key
    wanted = _spark_wanted(settings)
    if _spark_session is not None and _spark_key != wanted:
        _spark_session.stop()
        _spark_session = None
    if _spark_session is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EngineError(
                "未安装 PySpark，无法使用 pyspark 引擎。", "请执行 pip install -e '.[spark]'"
            ) from exc
        master = settings.spark_master.strip()
        builder = SparkSession.builder.appName("liangjiadi")
        if master.startswith("sc://"):
            builder = builder.remote(master)  # Spark Connect: the server holds the cluster settings
        elif master.startswith(("local", "spark://", "yarn", "k8s://")):
            builder = (builder.master(master)
                       .config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false")  # the CLI draws its own progress bar
                       .config("spark.driver.memory", settings.spark_driver_memory)
                       .config("spark.executor.memory", settings.spark_executor_memory))
            if settings.spark_executor_cores:
                builder = builder.config("spark.executor.cores", str(settings.spark_executor_cores))
        else:
            raise EngineError(f"无法识别的 Spark 地址：{master}",
                              "spark_master 应为 local[N]、spark://主机:端口 或 sc://主机:端口")
        try:
            _spark_session = (builder.config("spark.sql.shuffle.partitions", "4")
                              .config("spark.sql.session.timeZone", "UTC")
                              .getOrCreate())
        except Exception as exc:  # noqa: BLE001 - the JVM's own message is English and long
            raise EngineError(f"无法连接 Spark（{master}）：{type(exc).__name__}",
                              "检查 spark_master 地址、集群是否启动以及 Java 是否安装") from exc
        _spark_key = wanted
        # The lake is read through globs; Spark logs a harmless stack trace per glob at WARN.
        if not master.startswith("sc://"):
            _spark_session.sparkContext.setLogLevel("ERROR")
    return _spark_session


def spark_master_in_use() -> str | None:
    """The master of the open Spark session (for `--engine pyspark` runs to state where they ran)."""
    if _spark_session is None:
        return None
    try:
        return _spark_session.sparkContext.master
    except Exception:  # noqa: BLE001 - Spark Connect sessions have no context
        return _spark_key[0] if _spark_key else None


def _lake_glob(settings: Settings, workdir: Path, name: str) -> str:
    """Where the executors read a table: the local absolute path, or under spark_lake_uri."""
    if not settings.spark_lake_uri:
        return lake.table_glob(workdir, name)
    return settings.spark_lake_uri.rstrip("/") + f"/{name}/*/*/*.parquet"


def _open_pyspark(settings: Settings) -> Engine:
    workdir = Path(settings.workdir)
    session = _spark(settings)
    con = ibis.pyspark.connect(session)

    def register(name: str) -> ir.Table:
        arrow_schema = lake.lake_schema(name)
        if lake.has_data(workdir, name):
            # The contract schema, not inference: same types as DuckDB, columns missing from
            # older files come back as nulls, and no footer scan to infer it.
            df = session.read.schema(_spark_schema(arrow_schema)).parquet(_lake_glob(settings, workdir, name))
        else:
            df = session.createDataFrame([], schema=_spark_schema(arrow_schema))
        df.createOrReplaceTempView(name)
        return con.table(name)

    return Engine("pyspark", workdir, con, register)


def _spark_schema(arrow_schema):
    from pyspark.sql import types as T

    def conv(t):
        import pyarrow as pa

        if pa.types.is_decimal(t):
            return T.DecimalType(t.precision, t.scale)
        if pa.types.is_string(t):
            return T.StringType()
        if pa.types.is_int64(t):
            return T.LongType()
        if pa.types.is_float64(t):
            return T.DoubleType()
        if pa.types.is_date32(t):
            return T.DateType()
        if pa.types.is_timestamp(t):
            return T.TimestampType()
        raise EngineError(f"不支持的列类型：{t}")

    return T.StructType([T.StructField(f.name, conv(f.type), True) for f in arrow_schema])


def local_sql(settings: Settings | None = None, database: Path | str | None = None,
              spill_dir: Path | str | None = None):
    """A plain DuckDB connection for local SQL work that is not the compute backend
    (ingest's validation of staged files): same memory and thread limits as the engine,
    spilling to `spill_dir` rather than failing when a month does not fit in memory."""
    import duckdb

    settings = settings or get_settings()
    config = {
        "memory_limit": settings.duckdb_memory_limit,
        "threads": max(1, int(settings.duckdb_threads)),
        "preserve_insertion_order": False,
    }
    if settings.duckdb_temp_directory is not None:  # the configured place wins over the caller's default
        config["temp_directory"] = str(settings.duckdb_temp_directory)
    elif spill_dir is not None:
        config["temp_directory"] = str(spill_dir)
    con = duckdb.connect(str(database) if database else ":memory:", config=config)
    con.execute("SET enable_progress_bar = false")  # a session setting, not a connect option
    return con


def open_engine(settings: Settings | None = None, **overrides) -> Engine:
    settings = settings or get_settings(**overrides)
    if overrides and settings is not None:
        settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    if settings.engine == "pyspark":
        return _open_pyspark(settings)
    return _open_duckdb(settings)
