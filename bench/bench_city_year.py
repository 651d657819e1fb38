"""A generated city-year, out of core: generate, ingest and compute December under a memory limit.

    python bench/bench_city_year.py --scale 10 --months 12 --memory-limit 2GB --out /tmp/ingest/city-year

Steps, each in its own process (wall time and peak RSS, as bench/_measure.py does):
  generate   liangjiadi.synth.generate, Parquet output (cheaper to write and read than CSV)
  ingest     liangjiadi.ingest.ingest_paths: every validation rule, pseudonymisation, quarantine, lake
  compute    liangjiadi.indicators.compute for the last month (what `liangjiadi compute` runs): the
             cumulative indicators read every month of the year
DuckDB runs under `duckdb_memory_limit` and spills to `duckdb_temp_directory` (docs/deploy.md);
the spill directory's largest size is sampled while each step runs. The generated input is deleted
after ingest unless --keep-input (the lake holds the same rows).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import machine, measure  # noqa: E402

REGION = "140400"
KEY = "bench-key-padded-to-at-least-32-bytes"


def _settings(workdir: str, memory_limit: str, spill: str):
    from liangjiadi.config import Settings

    return Settings(workdir=Path(workdir), pseudonym_key=KEY, region_admdvs=REGION,
                    duckdb_memory_limit=memory_limit, duckdb_temp_directory=Path(spill))


def run_generate(out: str, scale: float, months: int, seed: int) -> dict:
    from liangjiadi.synth import SynthConfig, generate

    cfg = SynthConfig(scale=scale, months=months, seed=seed, fmt="parquet", faults=False)
    generate(cfg, out)
    return {"last": cfg.periods[-1]}


class StageLog:
    """Prints each ingest stage as it starts and ends (a long run can be followed in its log)."""

    def __init__(self):
        self.t0 = {}

    def start(self, key, description, total=None):
        self.t0[key] = time.perf_counter()
        print(f"[{time.strftime('%H:%M:%S')}]   {description}", flush=True)

    def advance(self, key, amount=1):
        pass

    def done(self, key):
        print(f"[{time.strftime('%H:%M:%S')}]   完成 {key}（{time.perf_counter() - self.t0.pop(key, 0):.0f} 秒，"
              f"平均负载 {load()}）", flush=True)


def run_ingest(src: str, workdir: str, memory_limit: str, spill: str) -> dict:
    from liangjiadi.ingest import ingest_paths

    report = ingest_paths([Path(src)], _settings(workdir, memory_limit, spill), progress=StageLog())
    return {"accepted": sum(f.rows_accepted for f in report.files),
            "quarantined": sum(f.rows_quarantined for f in report.files)}


def run_compute(workdir: str, period: str, memory_limit: str, spill: str) -> int:
    from liangjiadi.indicators import compute

    return compute(period, _settings(workdir, memory_limit, spill), save=True).num_rows


def setl_rows(root: Path, pattern: str) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in root.glob(pattern))


def size_gib(path: Path) -> float:
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(dirpath, f)).st_size
            except FileNotFoundError:  # spill files come and go while we look
                pass
    return total / 2**30


class SpillWatch:
    """Samples the spill directory's size every few seconds while a step runs."""

    def __init__(self, path: Path):
        self.path, self.peak, self._stop = path, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(3):
            self.peak = max(self.peak, size_gib(self.path))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--memory-limit", default="2GB", help="duckdb_memory_limit of ingest and compute")
    ap.add_argument("--out", default="/tmp/ingest/city-year")
    ap.add_argument("--keep-input", action="store_true")
    ap.add_argument("--generate-only", action="store_true", help="stop after generating the input")
    ap.add_argument("--reuse-input", action="store_true",
                    help="take the input an earlier --generate-only left in --out (its time is not measured again)")
    args = ap.parse_args()
    out = Path(args.out)
    src, work, spill = out / "region", out / "work", out / "spill"
    if args.reuse_input:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(spill, ignore_errors=True)
    else:
        shutil.rmtree(out, ignore_errors=True)
    spill.mkdir(parents=True)
    steps, notes = [], []

    def step(name, fn, *a):
        print(f"[{time.strftime('%H:%M:%S')}] {name} 开始，平均负载 {load()}", flush=True)
        with SpillWatch(spill) as w:
            m = measure(name, fn, *a)
        steps.append((m, w.peak, load()))
        print(f"[{time.strftime('%H:%M:%S')}] {name} 完成：{m.seconds:.0f} 秒，峰值内存 {m.peak_mib:,.0f} MiB，"
              f"落盘峰值 {w.peak:.2f} GiB，平均负载 {load()}", flush=True)
        return m

    if args.reuse_input:
        from liangjiadi.synth import SynthConfig

        period = SynthConfig(scale=args.scale, months=args.months, seed=args.seed).periods[-1]
    else:
        period = step("生成（synth，Parquet）", run_generate, str(src), args.scale, args.months, args.seed).result["last"]
    rows_in = setl_rows(src, "setl_d_*.parquet")
    notes.append(f"生成的输入：{size_gib(src):.1f} GiB，结算数据（setl_d）{rows_in:,} 行")
    print(notes[-1], flush=True)
    if args.generate_only:
        return
    ing = step("导入（ingest，含校验与假名化）", run_ingest, str(src), str(work), args.memory_limit, str(spill))
    lake_rows = setl_rows(work / "lake" / "setl_d", "**/*.parquet")
    notes.append(f"数据湖：{size_gib(work / 'lake'):.1f} GiB，setl_d {lake_rows:,} 行；导入接受 "
                 f"{ing.result['accepted']:,} 行、隔离 {ing.result['quarantined']:,} 行（全部表）")
    print(notes[-1], flush=True)
    # the generator's injected faults are quarantined (a few rows); a file rejected as a whole is not
    # the city-year any more, and a compute over that lake would time something else
    if lake_rows < 0.99 * rows_in:
        print(f"导入未完成：数据湖中 setl_d {lake_rows:,} 行，远少于输入的 {rows_in:,} 行（原因见 {work}/provenance.jsonl），"
              "不计算、不打印结果表", flush=True)
        raise SystemExit(1)
    if not args.keep_input:
        shutil.rmtree(src)
    step(f"计算 {period}（全部指标，含累计）", run_compute, str(work), period, args.memory_limit, str(spill))

    print()
    print(f"机器：{machine()}")
    print(f"命令：python bench/bench_city_year.py --scale {args.scale} --months {args.months} "
          f"--seed {args.seed} --memory-limit {args.memory_limit}")
    print(f"DuckDB 内存上限（duckdb_memory_limit）：{args.memory_limit}；落盘目录：{spill}")
    for n in notes:
        print(n)
    print()
    print("| 步骤 | 秒 | 行/秒（setl_d） | 峰值内存 MiB | 落盘峰值 GiB | 结束时平均负载 |")
    print("|---|---:|---:|---:|---:|---|")
    for m, spilled, ld in steps:
        print(f"| {m.name} | {m.seconds:,.0f} | {rows_in / m.seconds:,.0f} | {m.peak_mib:,.0f} | {spilled:.2f} | {ld} |")


if __name__ == "__main__":
    main()
