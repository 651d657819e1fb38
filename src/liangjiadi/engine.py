"""The one place that opens a compute backend and exposes the lake tables through Ibis.

DuckDB (a file in the work directory) is the default; PySpark (local or a cluster) is chosen
with `engine = "pyspark"`. Nothing else in the project names either backend.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from . import lake, rollup
from .config import Settings, get_settings
from .errors import EngineError
from .limits import EngineMemoryError, is_out_of_memory, out_of_memory_error
from .schema import TABLES

if TYPE_CHECKING:  # Ibis is imported when an engine opens: ingest (local_sql only) never loads it
    import ibis
    import ibis.expr.types as ir

_spark_session = None
_spark_key: tuple | None = None


def _arrow_schema(name: str):
    """A lake table's stored schema, or a rollup pseudo-table's (rollup.py)."""
    return rollup.schema(name) if name in rollup.ROLLUPS else lake.lake_schema(name)


def _file_pattern(name: str) -> str:
    """The files of a partition directory that hold `name`: the data, or the rollup file."""
    return rollup.ROLLUP_FILE if name in rollup.ROLLUPS else "*.parquet"


def _ibis_schema(table: str) -> ibis.Schema:
    import ibis

    return ibis.Schema.from_pyarrow(_arrow_schema(table))


@dataclass
class Engine:
    """An open backend; each lake table is registered under its contract name the first time
    it is asked for (a command reads a handful of the 28 tables, and each registration costs a
    view, and on Spark a file listing).

    `register(view, table, dirs)` makes `view` read `table`'s files: the whole table when
    `dirs` is None, else only the files in those partition directories (an empty list: no
    file, the typed empty table)."""

    kind: str
    workdir: Path
    con: object
    register: Callable[[str, str, list[Path] | None], ir.Table] = field(repr=False, default=None)
    _tables: dict[tuple, ir.Table] = field(default_factory=dict)
    settings: Settings | None = field(repr=False, default=None)
    spill_dir: Path | None = None  # where DuckDB spills (named when it runs out of memory)
    _background: ThreadPoolExecutor | None = field(default=None, repr=False)
    _running: list = field(default_factory=list, repr=False)  # (cursor, future) of `submit`

    def table(self, name: str, *, regions: Iterable[str] | None = None,
              periods: Iterable[str] | None = None) -> ir.Table:
        """The lake table `name`. With `regions` (and `periods`), a view over only those
        partitions' files: a province lake's other regions (and the months not asked for) are
        never opened, and the rows are exactly the partitions' rows (each file carries its
        partition's admdvs and period), so no filter on them is needed."""
        if name not in TABLES:
            raise EngineError(f"未知的数据表：{name}")
        key = (name, _key(regions), _key(periods))
        if key not in self._tables:
            with self._within_limits():
                self._tables[key] = self._register(name, key)
        return self._tables[key]

    def _register(self, name: str, key: tuple) -> ir.Table:
        """The whole table under its own name, or some partitions under a view of their own."""
        if key[1] is None and key[2] is None:
            return self.register(name, name, None)
        view = f"{name}__{hashlib.sha1(repr(key).encode()).hexdigest()[:12]}"
        return self.register(view, name, self._partition_dirs(name, key[1], key[2]))

    def rollup(self, name: str, *, regions: Iterable[str], periods: Iterable[str]) -> ir.Table | None:
        """The rollup (rollup.py) of exactly the partitions `table(name, regions=, periods=)`
        reads, when every one of them has its rollup file; else None (the caller scans).
        All or none: a mix would need both reads, and a partition written by an older version
        has no rollup."""
        pseudo = rollup.rollup_of(name)
        if pseudo is None:
            return None
        key = (pseudo, _key(regions), _key(periods))
        if key not in self._tables:
            dirs = self._partition_dirs(name, key[1], key[2])
            if not all(rollup.has_rollup(d) for d in dirs):
                return None
            view = f"{pseudo}__{hashlib.sha1(repr(key).encode()).hexdigest()[:12]}"
            with self._within_limits():
                self._tables[key] = self.register(view, pseudo, dirs)
        return self._tables[key]

    def region_table(self, name: str, settings: Settings, region: str | Iterable[str], *,
                     periods: Iterable[str] | None = None) -> ir.Table:
        """A region's rows of the lake table `name` (or several regions', e.g. counties'), of
        `periods` only when given: only the partitions `region_partitions` names are read,
        never another region's files."""
        regions = [region] if isinstance(region, str) else list(region)
        return self.table(name, regions=[a for r in regions for a in region_partitions(settings, r, name)],
                          periods=periods)

    def region_has_data(self, name: str, settings: Settings, region: str | Iterable[str]) -> bool:
        return region_has_data(self.workdir, settings, region, name)

    def _partition_dirs(self, name: str, regions, periods) -> list[Path]:
        return [lake.table_dir(self.workdir, name).resolve() / a / p
                for a, p in lake.partitions(self.workdir, name)
                if (regions is None or a in regions) and (periods is None or p in periods)]

    def has_data(self, name: str) -> bool:
        return lake.has_data(self.workdir, name)

    def execute(self, expr) -> "object":
        with self._within_limits():
            return expr.execute()

    def to_pyarrow(self, expr):
        with self._within_limits():
            return expr.to_pyarrow()

    def submit(self, expr) -> Future:
        """Start an aggregate and return its future result (the same Arrow table `to_pyarrow`
        gives). DuckDB runs it on a cursor of its own in a background thread, and a query does
        not hold the GIL, so this thread goes on with other queries and its Python meanwhile
        (compute starts the month's two settlement scans so: docs/performance.md). On Spark it runs
        now: the session is shared and Ibis sets session options around each query. Lake tables
        only (no `ibis.memtable`: the background query does not register one)."""
        if self.kind != "duckdb":
            done: Future = Future()
            try:
                done.set_result(self.to_pyarrow(expr))
            except Exception as exc:  # noqa: BLE001 - handed to whoever waits for it, as with DuckDB
                done.set_exception(exc)
            return done
        sql = self.con.compile(expr)  # here: Ibis compiles in one thread only
        schema = expr.schema().to_pyarrow()
        cursor = self.con.con.cursor()  # the same database (its views and settings), its own connection
        if self._background is None:
            self._background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ljd-engine")

        def run() -> "object":
            try:
                with self._within_limits():
                    return _as_schema(cursor.sql(sql).to_arrow_table(), schema)
            finally:
                cursor.close()

        future = self._background.submit(run)
        self._running = [(c, f) for c, f in self._running if not f.done()] + [(cursor, future)]
        return future

    @contextmanager
    def _within_limits(self):
        """DuckDB's out-of-memory (the memory limit, or a full spill directory) as the same
        Chinese error ingest gives (limits.py), naming the limit and the spill directory."""
        try:
            yield
        except Exception as exc:
            if self.kind != "duckdb" or self.settings is None or not is_out_of_memory(exc):
                raise
            raise out_of_memory_error(exc, "在计算引擎上汇总数据湖", self.settings, self.spill_dir,
                                      again="重新运行", error=EngineMemoryError) from exc

    def close(self) -> None:
        if self._background is not None:  # a query still running (its caller failed): stop it first
            self._background.shutdown(wait=False, cancel_futures=True)
            # an interrupt reaches only a query already running: repeat until each has ended
            while any(not f.done() for _, f in self._running):
                for cursor, f in self._running:
                    if not f.done():
                        try:
                            cursor.interrupt()
                        except Exception:  # noqa: BLE001 - it ended meanwhile
                            pass
                wait([f for _, f in self._running], timeout=0.05)
            self._background.shutdown(wait=True)
            self._background, self._running = None, []
        if self.kind == "duckdb":
            try:
                self.con.disconnect()
            except Exception:  # noqa: BLE001 - closing twice is harmless
                pass


def _as_schema(table, schema):
    """DuckDB's Arrow answer in the expression's own schema (names and types), as Ibis gives it."""
    if table.schema == schema:
        return table
    import pyarrow as pa

    return pa.Table.from_arrays([table[f.name].cast(f.type) for f in schema], schema=schema)


def region_partitions(settings: Settings, region: str, name: str) -> tuple[str, ...]:
    """The lake partitions (admdvs) that hold a region's rows of table `name` — the one place
    that knows it. fixmedins is partitioned by each institution's own admdvs, so the region's
    institutions sit in its code's and its counties' partitions (`Settings.own_admdvs`); every
    other table a region reads is under the region's code (the 统筹地区's own rows, or the rows
    handed in for it)."""
    if name == "fixmedins":
        return tuple(settings.own_admdvs(region))
    return (region,)


def region_has_data(workdir: Path, settings: Settings, region: str | Iterable[str], name: str, *,
                    listed: Iterable[tuple[str, str]] | None = None) -> bool:
    """Whether the region (or any of several, e.g. counties) has rows of table `name` (a listing
    of partition directories, no file opened): in a province lake, other regions having the
    table says nothing about this one. The one answer to the question: `listed`, the table's
    (admdvs, period) partitions when the caller keeps its own listing (indicators' Ctx lists
    each table once per run), else the lake is listed now."""
    regions = [region] if isinstance(region, str) else list(region)
    scope = {a for r in regions for a in region_partitions(settings, r, name)}
    pairs = lake.partitions(workdir, name) if listed is None else listed
    return any(a in scope for a, _ in pairs)


def _key(codes: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if codes is None else tuple(sorted(set(codes)))


def _open_duckdb(settings: Settings) -> Engine:
    workdir = Path(settings.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    # In memory: the database holds only views over the lake, and an in-memory catalog needs
    # no file, lock or fsync per view. Spilling goes to duckdb_temp_directory, or where the file database spilled before.
    spill_dir = Path(settings.duckdb_temp_directory or workdir / "ljd.duckdb.tmp")
    import ibis

    con = ibis.duckdb.connect(
        ":memory:",
        memory_limit=settings.duckdb_memory_limit,
        threads=settings.duckdb_threads,
        temp_directory=str(spill_dir),
    )
    con.raw_sql("SET enable_progress_bar = false")  # the CLI draws its own progress
    _without_partitioned_execution(con)

    def register(view: str, name: str, dirs: list[Path] | None) -> ir.Table:
        if dirs is None:
            files = [lake.table_glob(workdir, name)] if lake.has_data(workdir, name) else []
        else:
            files = [str(d / _file_pattern(name)) for d in dirs]
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.raw_sql(
                f"CREATE OR REPLACE VIEW {view} AS "
                f"SELECT * FROM read_parquet([{listed}], union_by_name=true, hive_partitioning=false)"
            )
        else:
            cols = ", ".join(
                f"CAST(NULL AS {_duck_type(dt)}) AS {col}"
                for col, dt in _ibis_schema(name).items()
            )
            con.raw_sql(f"CREATE OR REPLACE VIEW {view} AS SELECT {cols} WHERE false")
        # the view's own schema: a lake written before a contract column existed has not got it
        return con.table(view)

    return Engine("duckdb", workdir, con, register, settings=settings, spill_dir=spill_dir)


def _without_partitioned_execution(con) -> None:
    """DuckDB 2's `partitioned_execution` optimizer splits a grouped aggregate straight over a
    Parquet scan into ranges of a group key, and each range re-reads the files: the settlement
    aggregate of a city-month read setl_d four times, 2.4x the CPU of one pass
    (docs/performance.md). Our aggregates (tens of thousands of groups) fit in memory whole, so
    it is turned off where this DuckDB has it (older versions do not know the name)."""
    known = con.raw_sql("SELECT 1 FROM duckdb_optimizers() WHERE name = 'partitioned_execution'").fetchall()
    if known:
        con.raw_sql("SET disabled_optimizers = 'partitioned_execution'")


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
    if not settings.spark_master.strip().startswith("sc://"):
        # PySpark marks the process as Spark Connect for good once a Connect session was made
        # (this variable); a local or cluster session after it would then fail to start
        os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
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
            _connect_reachable(master)
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
            raise EngineError(f"无法识别的 Spark 地址：{shown_master(master)}",
                              "spark_master 应为 local[N]、spark://主机:端口 或 sc://主机:端口")
        try:
            _spark_session = (builder.config("spark.sql.shuffle.partitions", "4")
                              .config("spark.sql.session.timeZone", "UTC")
                              .getOrCreate())
        except Exception as exc:  # noqa: BLE001 - the JVM's own message is English and long
            raise EngineError(f"无法连接 Spark（{shown_master(master)}）：{type(exc).__name__}",
                              "检查 spark_master 地址、集群是否启动以及 Java 是否安装") from exc
        _spark_key = wanted
        # The lake is read through globs; Spark logs a harmless stack trace per glob at WARN.
        if not master.startswith("sc://"):
            _spark_session.sparkContext.setLogLevel("ERROR")
    return _spark_session


def shown_master(master: str) -> str:
    """A Spark address as a message may show it: without a Spark Connect address's parameters
    (`sc://host:port/;token=...` carries the access token there) or a user:password@ part."""
    return re.sub(r"//[^/@]*@", "//", master.split(";", 1)[0])


CONNECT_DEFAULT_PORT = 15002  # Spark Connect's own default when sc://host names no port
CONNECT_PROBE_SECONDS = 5


def _connect_reachable(master: str) -> None:
    """Refuse a Spark Connect address nothing listens on, at once: PySpark's client would retry
    its first request for minutes before failing (a mistyped address would hang the command)."""
    import socket
    from urllib.parse import urlsplit

    try:
        where = urlsplit(shown_master(master))
        host, port = where.hostname, where.port or CONNECT_DEFAULT_PORT
    except ValueError:
        host, port = None, None
    if not host:
        raise EngineError(f"无法识别的 Spark Connect 地址：{shown_master(master)}", "应为 sc://主机:端口，例如 sc://10.0.0.10:15002")
    try:
        socket.create_connection((host, port), timeout=CONNECT_PROBE_SECONDS).close()
    except OSError as exc:
        raise EngineError(f"无法连接 Spark Connect 服务（{host}:{port}）：{type(exc).__name__}",
                          "检查 spark_master 地址与端口，以及 Connect 服务是否已启动（docs/deploy.md 第二节）") from exc


def stop_spark() -> None:
    """Stop the process's Spark session, if any: the next pyspark engine starts a fresh one
    (a test module that started its own cluster or Connect server, before it stops them)."""
    global _spark_session, _spark_key
    if _spark_session is not None:
        _spark_session.stop()
    _spark_session, _spark_key = None, None


def spark_master_in_use() -> str | None:
    """The master of the open Spark session (for `--engine pyspark` runs to state where they ran)."""
    if _spark_session is None:
        return None
    try:
        return _spark_session.sparkContext.master
    except Exception:  # noqa: BLE001 - Spark Connect sessions have no context
        return _spark_key[0] if _spark_key else None


def _lake_paths(settings: Settings, workdir: Path, name: str, dirs: list[Path] | None) -> list[str]:
    """Where the executors read a table (or some of its partitions): the local absolute paths,
    or the same layout under spark_lake_uri."""
    if dirs is None:
        if not settings.spark_lake_uri:
            return [lake.table_glob(workdir, name)]
        return [settings.spark_lake_uri.rstrip("/") + f"/{name}/*/*/*.parquet"]
    files = _file_pattern(name)
    if not settings.spark_lake_uri:
        return [str(d / files) for d in dirs]
    base = settings.spark_lake_uri.rstrip("/")
    table = rollup.ROLLUPS.get(name, name)  # a rollup sits in its table's partition directories
    return [f"{base}/{table}/{d.parent.name}/{d.name}/{files}" for d in dirs]


def _open_pyspark(settings: Settings) -> Engine:
    workdir = Path(settings.workdir)
    session = _spark(settings)
    import ibis

    con = ibis.pyspark.connect(session)

    def register(view: str, name: str, dirs: list[Path] | None) -> ir.Table:
        arrow_schema = _arrow_schema(name)
        if dirs or (dirs is None and lake.has_data(workdir, name)):
            # The contract schema, not inference: same types as DuckDB, columns missing from
            # older files come back as nulls, and no footer scan to infer it.
            df = session.read.schema(_spark_schema(arrow_schema)).parquet(*_lake_paths(settings, workdir, name, dirs))
        else:
            df = session.createDataFrame([], schema=_spark_schema(arrow_schema))
        df.createOrReplaceTempView(view)
        return con.table(view)

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


def open_engine(settings: Settings | None = None, **overrides) -> Engine:
    settings = settings or get_settings(**overrides)
    if overrides and settings is not None:
        settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    if settings.engine == "pyspark":
        return _open_pyspark(settings)
    return _open_duckdb(settings)


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
