"""The same month on DuckDB, Spark local, a Spark standalone cluster and Spark Connect, side by side.

    python bench/bench_engines.py --scale 1 --months 1

Prepares (not timed): a generated region written as Parquet and ingested. Then, each in its own
process, `compute` of every indicator of the last month on: DuckDB (default engine), Spark
local[2], a standalone cluster on loopback (a master and one worker of 2 cores started from
pyspark's spark-class) and, where PySpark ships it (4.x), a Spark Connect server on loopback
running local[2]. Also checks that all give the same values.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load, machine, measure  # noqa: E402
from _spark_cluster import connect_jar, connect_server, standalone_cluster  # noqa: E402
from bench_indicators import REGION, month_rows, prepare  # noqa: E402

KEY = "bench-key-padded-to-at-least-32-bytes"


def run_compute(workdir: str, period: str, engine: str, master: str) -> tuple[list, int, int | None, float]:
    """Values of every indicator, the number of queries compute sent, on Spark the number of jobs
    they ran (a query can be several jobs: a shuffle, a broadcast), and the seconds of a second
    compute of the same month in the same process. The measured time includes that second run."""
    from liangjiadi.config import Settings
    from liangjiadi.engine import Engine, open_engine
    from liangjiadi.indicators import compute

    settings = Settings(workdir=Path(workdir), pseudonym_key=KEY, region_admdvs=REGION, engine=engine,
                        spark_master=master, spark_executor_memory="2g")
    queries, depth = 0, 0
    for method in ("to_pyarrow", "submit"):  # submit: the queries compute starts in the background
        send = getattr(Engine, method)

        def counted(self, expr, send=send):
            nonlocal queries, depth
            queries += depth == 0  # on Spark, submit runs the query through to_pyarrow: one query
            depth += 1
            try:
                return send(self, expr)
            finally:
                depth -= 1

        setattr(Engine, method, counted)
    eng = open_engine(settings)
    context = None
    if engine == "pyspark" and not master.startswith("sc://"):  # a Connect session has no SparkContext
        from pyspark.sql import SparkSession

        context = SparkSession.getActiveSession().sparkContext
        context.setJobGroup("bench", "compute")
    try:
        t = compute(period, settings, engine=eng, save=False)
        jobs = len(context.statusTracker().getJobIdsForGroup("bench")) if context else None
    finally:
        eng.close()
    first_queries = queries
    # the same month again in the same process: what each further region-month of a province
    # run costs once the session is up and warm (province compute keeps one session)
    t0 = time.perf_counter()
    compute(period, settings, save=False)
    warm = time.perf_counter() - t0
    # to 1e-6: money to the fen and ratios far below any printed digit (the test checks 1e-9)
    values = sorted((r["indicator_id"], r["fixmedins_code"] or "",
                     None if r["value"] is None else round(float(r["value"]), 6)) for r in t.to_pylist())
    return values, first_queries, jobs, warm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--months", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="bench/out-engines")
    ap.add_argument("--reuse", action="store_true", help="reuse an already prepared work directory")
    args = ap.parse_args()
    out = Path(args.out)
    if not args.reuse:
        shutil.rmtree(out, ignore_errors=True)
        period = measure("准备（生成 + 导入）", prepare, out, args.scale, args.months, args.seed).result
    else:
        period = sorted(p.name for p in (out / "work" / "lake" / "setl_d" / REGION).iterdir())[-1]
    work = out / "work"
    otp, ipt = month_rows(work, period)

    load_before = load()
    duck = measure("DuckDB", run_compute, str(work), period, "duckdb", "local[2]")
    local = measure("Spark local[2]", run_compute, str(work), period, "pyspark", "local[2]")
    with standalone_cluster(out / "cluster", workers=1, cores=2, memory="4g") as (master, _):
        cluster = measure("Spark 独立集群（1 个 worker，2 核）", run_compute, str(work), period, "pyspark", master)
    runs = [duck, local, cluster]
    if connect_jar() is not None:  # PySpark 4 ships the Connect server
        with connect_server(out / "connect", master="local[2]", driver_memory="4g") as address:
            runs.append(measure("Spark Connect（服务端 local[2]）", run_compute, str(work), period, "pyspark", address))

    print(f"机器：{machine()}；平均负载（1/5/15 分钟）开始时 {load_before}，结束时 {load()}")
    print("命令：python bench/bench_engines.py " + " ".join(sys.argv[1:]))
    print(f"期间 {period}：非住院结算 {otp:,} 行，住院结算 {ipt:,} 行")
    print()
    print("| 引擎 | 首次计算（含启动）秒 | 同一进程再算一次 秒 | 峰值内存 MiB（驱动进程） | 查询 | Spark 作业 | "
          "首次相对 DuckDB | 再算相对 DuckDB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        _, queries, jobs, warm = r.result
        first = r.seconds - warm
        print(f"| {r.name} | {first:.1f} | {warm:.1f} | {r.peak_mib:,.0f} | {queries} | {'' if jobs is None else jobs} | "
              f"{first / (duck.seconds - duck.result[3]):.2f}× | {warm / duck.result[3]:.2f}× |")
    same = all(r.result[0] == duck.result[0] for r in runs)
    print()
    print(f"{len(runs)} 种运行方式结果逐项相同：{'是' if same else '否'}（{len(duck.result[0])} 项）")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
