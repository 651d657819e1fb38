"""All indicators of one month of a large city, side by side with baselines.

    python bench/bench_indicators.py --scale 28 --months 1    # ≈ 10M outpatient + 600k inpatient + 15M pharmacy
    python bench/bench_indicators.py --scale 28 --months 1 --out /tmp/b --reuse   # re-run on a prepared lake

Prepares (not timed against anything): a generated region written as Parquet and ingested.
Then, each in its own process:
  liangjiadi compute     every registered indicator of the last month (DuckDB engine)
  pandas                 a plain pandas implementation of the settlement-heavy indicators
  duckdb single scan     one aggregate query reading every setl_d column those indicators use
Goal (issue 16, item 5): compute within 2x of the single scan, and at least 20x faster than pandas.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load, machine, measure  # noqa: E402
from baselines import duckdb_single_scan, pandas_indicators  # noqa: E402

REGION = "140400"


def prepare(out: Path, scale: float, months: int, seed: int) -> str:
    from liangjiadi.config import Settings
    from liangjiadi.ingest import ingest_paths
    from liangjiadi.synth import SynthConfig, generate

    cfg = SynthConfig(scale=scale, months=months, seed=seed, fmt="parquet", faults=False)
    generate(cfg, out / "region")
    ingest_paths([out / "region"], Settings(workdir=out / "work", pseudonym_key="bench-key-padded-to-at-least-32-bytes"))
    return cfg.periods[-1]


def run_compute(workdir: str, period: str) -> int:
    from liangjiadi.config import Settings
    from liangjiadi.indicators import compute

    t = compute(period, Settings(workdir=Path(workdir), pseudonym_key="bench-key-padded-to-at-least-32-bytes",
                                 region_admdvs=REGION), save=False)
    return t.num_rows


def month_rows(workdir: Path, period: str) -> tuple[int, int]:
    import duckdb

    glob = str(workdir / "lake" / "setl_d" / "*" / period / "*.parquet")
    ipt = "('21','22','23','24','25','26','28','52')"
    q = (f"SELECT count(*) FILTER (WHERE med_type NOT IN {ipt}), count(*) FILTER (WHERE med_type IN {ipt}) "
         f"FROM read_parquet('{glob}')")
    return duckdb.connect().execute(q).fetchone()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=11.0)
    ap.add_argument("--months", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="bench/out-indicators")
    ap.add_argument("--reuse", action="store_true", help="reuse an already prepared work directory")
    args = ap.parse_args()
    out = Path(args.out)
    if not args.reuse:
        shutil.rmtree(out, ignore_errors=True)
        prep = measure("准备（生成 + 导入）", prepare, out, args.scale, args.months, args.seed)
        period = prep.result
        print(f"准备用时 {prep.seconds:.0f} 秒")
    else:
        period = sorted(p.name for p in (out / "work" / "lake" / "setl_d" / REGION).iterdir())[-1]
    work = out / "work"
    otp, ipt = month_rows(work, period)

    load_before = load()
    ljd = measure("liangjiadi compute（全部指标）", run_compute, str(work), period)
    pdm = measure("基准：pandas 实现", pandas_indicators, str(work), period, REGION)
    scan = measure("基准：DuckDB 单次扫描", duckdb_single_scan, str(work), period, REGION)

    print(f"机器：{machine()}；平均负载（1/5/15 分钟）开始时 {load_before}，结束时 {load()}")
    print(f"命令：python bench/bench_indicators.py --scale {args.scale} --months {args.months} --seed {args.seed}")
    print(f"期间 {period}：非住院结算 {otp:,} 行，住院结算 {ipt:,} 行；liangjiadi 输出结果 {ljd.result:,} 行")
    print()
    print("| 步骤 | 秒 | 峰值内存 MiB | 相对单次扫描 | CPU 秒 | CPU 相对单次扫描 |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in (ljd, pdm, scan):
        print(f"| {r.name} | {r.seconds:.1f} | {r.peak_mib:,.0f} | {r.seconds / scan.seconds:.2f}× | "
              f"{r.cpu:.1f} | {r.cpu / scan.cpu:.2f}× |")
    print()
    print(f"liangjiadi / 单次扫描 = {ljd.seconds / scan.seconds:.2f}×（目标 ≤ 2×）；"
          f"pandas / liangjiadi = {pdm.seconds / ljd.seconds:.1f}×（目标 ≥ 20×）")


if __name__ == "__main__":
    main()
