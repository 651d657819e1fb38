"""Generator and ingest throughput at province-like scale, side by side with baselines.

    python bench/bench_ingest.py --scale 1.0 --months 6      # ≈ 5.5M settlement rows

Steps (each in its own process, so peak memory is the step's own):
  generate       liangjiadi.synth.generate, CSV output
  ingest         liangjiadi.ingest.ingest_paths (validation, quarantine, pseudonymisation, lake)
  duckdb copy    baseline: DuckDB reads every setl_d CSV as text and writes Parquet (no checks)
  pandas copy    baseline: pandas.read_csv(dtype=str) -> to_parquet per file (no checks)

Besides wall time, each step's CPU seconds (user + system, all threads of its process) are
printed: on a shared, loaded machine the CPU ratio is the steadier comparison.
--input DIR reuses an already generated region (the generate step is then skipped).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import machine, measure, table  # noqa: E402


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_generate(out: str, scale: float, months: int, seed: int) -> dict:
    from liangjiadi.synth import SynthConfig, generate

    s = generate(SynthConfig(scale=scale, months=months, seed=seed, fmt="csv"), out)
    return {"rows": dict(s.rows) if hasattr(s, "rows") else {}}


def run_ingest(src: str, workdir: str) -> dict:
    from liangjiadi.config import Settings
    from liangjiadi.ingest import ingest_paths

    settings = Settings(workdir=Path(workdir), pseudonym_key="bench-key-padded-to-at-least-32-bytes")
    report = ingest_paths([Path(src)], settings)
    files = report.files
    return {
        "accepted": sum(f.rows_accepted for f in files),
        "quarantined": sum(f.rows_quarantined for f in files),
        "cpu": _cpu(),
    }


def run_duckdb_copy(src: str, dst: str) -> int:
    import duckdb

    Path(dst).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET threads=2")
    n = 0
    for f in sorted(Path(src).glob("setl_d_*.csv")):
        con.execute(f"COPY (SELECT * FROM read_csv('{f}', all_varchar=true, header=true)) "
                    f"TO '{Path(dst) / (f.stem + '.parquet')}' (FORMAT parquet)")
        n += con.execute(f"SELECT count(*) FROM '{Path(dst) / (f.stem + '.parquet')}'").fetchone()[0]
    return {"rows": n, "cpu": _cpu()}


def run_pandas_copy(src: str, dst: str) -> int:
    import pandas as pd

    Path(dst).mkdir(parents=True, exist_ok=True)
    n = 0
    for f in sorted(Path(src).glob("setl_d_*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        df.to_parquet(Path(dst) / (f.stem + ".parquet"), index=False)
        n += len(df)
    return {"rows": n, "cpu": _cpu()}


def count_setl_rows(src: Path) -> int:
    total = 0
    for f in src.glob("setl_d_*.csv"):
        with open(f, "rb") as fh:
            total += sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 24), b"")) - 1
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--months", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--input", help="an already generated region (CSV) to ingest; skips the generate step")
    args = ap.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    src, work = (Path(args.input) if args.input else out / "region"), out / "work"

    gen = None if args.input else measure("生成（synth）", run_generate, str(src), args.scale, args.months, args.seed)
    setl_rows = count_setl_rows(src)
    ing = measure("导入（ingest，含校验与假名化）", run_ingest, str(src), str(work))
    duck = measure("基准：DuckDB 直接转 Parquet", run_duckdb_copy, str(src), str(out / "duck"))
    pand = measure("基准：pandas 直接转 Parquet", run_pandas_copy, str(src), str(out / "pandas"))

    print(f"机器：{machine()}")
    import os

    # with --input the region was generated elsewhere: --scale/--months/--seed did not apply
    print("命令：python bench/bench_ingest.py " + (f"--input {args.input}" if args.input else
                                                  f"--scale {args.scale} --months {args.months} --seed {args.seed}"))
    print(f"结束时平均负载（1/5/15 分钟）：{'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"结算数据（setl_d）行数：{setl_rows:,}；导入接受 {ing.result['accepted']:,} 行，隔离 {ing.result['quarantined']:,} 行（全部表）")
    print()
    print(table([m for m in (gen, ing, duck, pand) if m], baseline="基准：DuckDB 直接转 Parquet", work_rows=setl_rows))
    print()
    print(f"导入 / DuckDB 直接转换 耗时比：{ing.seconds / duck.seconds:.2f}×；"
          f"导入 / pandas 直接转换：{ing.seconds / pand.seconds:.2f}×")
    cpu = {m.name: m.result["cpu"] for m in (ing, duck, pand)}
    print("CPU 秒（进程全部线程）：" + "；".join(f"{k} {v:.1f}" for k, v in cpu.items()))
    print(f"导入 / DuckDB 直接转换 CPU 比：{ing.result['cpu'] / duck.result['cpu']:.2f}×；"
          f"导入 / pandas 直接转换：{ing.result['cpu'] / pand.result['cpu']:.2f}×")


if __name__ == "__main__":
    main()
