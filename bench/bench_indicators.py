"""All indicators of one month of a large city, side by side with baselines.

    python bench/bench_indicators.py --scale 28 --months 1    # ≈ 10M outpatient + 600k inpatient + 15M pharmacy
    python bench/bench_indicators.py --scale 28 --months 1 --out /tmp/b --reuse   # re-run on a prepared lake
    python bench/bench_indicators.py --out /tmp/b --reuse --rounds 3 --before /path/to/main/src  # before/after, interleaved

Prepares (not timed against anything): a generated region written as Parquet and ingested.
Then, each in its own process (a fresh interpreter that loads the libraries it uses; the lake's
files read and the libraries loaded once beforehand, untimed, so that every step finds both in the
file cache):
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


def run_compute(workdir: str, period: str, src: str | None = None):
    """compute in this (spawned) process; `src`: another checkout's src/ (the code before a
    change), imported instead of this one. Returns the results without the run's id and time."""
    if src:
        sys.path.insert(0, src)
    from liangjiadi.config import Settings
    from liangjiadi.indicators import compute

    t = compute(period, Settings(workdir=Path(workdir), pseudonym_key="bench-key-padded-to-at-least-32-bytes",
                                 region_admdvs=REGION), save=False)
    return t.drop_columns(["run_id", "computed_at"])


def same_results(a, b) -> bool:
    """Row for row, exactly (Decimal values, numerators, denominators, notes)."""
    key = ["indicator_id", "fixmedins_code"]
    return a.num_rows == b.num_rows and a.sort_by([(k, "ascending") for k in key]).equals(
        b.sort_by([(k, "ascending") for k in key]))


def month_rows(workdir: Path, period: str) -> tuple[int, int]:
    import duckdb

    glob = str(workdir / "lake" / "setl_d" / "*" / period / "*.parquet")
    ipt = "('21','22','23','24','25','26','28','52')"
    q = (f"SELECT count(*) FILTER (WHERE med_type NOT IN {ipt}), count(*) FILTER (WHERE med_type IN {ipt}) "
         f"FROM read_parquet('{glob}')")
    return duckdb.connect().execute(q).fetchone()


def warm_page_cache(lake: Path) -> None:
    """Read the lake's files once, untimed, before each step: the pandas baseline takes ~17 GB and
    pushes the lake out of the system's file cache, so the step after it would otherwise read
    from disk and the one before not (the rounds were unequal, docs/performance.md)."""
    for f in lake.rglob("*.parquet"):
        with open(f, "rb") as fh:
            while fh.read(1 << 22):
                pass


# what the steps load: compute (Ibis with its DuckDB backend, pyarrow, pandas through pyarrow,
# this package), the pandas baseline and the scan
STEP_MODULES = ("liangjiadi.indicators", "liangjiadi.engine", "ibis.backends.duckdb", "pandas", "duckdb",
                "pyarrow.parquet", "pyarrow.compute")


def warm_code_cache(src: str | None = None) -> None:
    """Load the steps' libraries once in a throwaway interpreter, untimed: pandas's 17 GB also
    pushes the libraries' files (shared objects, .pyc) out of the file cache, and the next step to
    load them then waits on the disk (a compute round took 3.6 s of wall time for 2.7 s of CPU)."""
    import subprocess

    code = "import sys\n" + (f"sys.path.insert(0, {src!r})\n" if src else "") + \
        "".join(f"import {m}\n" for m in STEP_MODULES)
    subprocess.run([sys.executable, "-c", code], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=11.0)
    ap.add_argument("--months", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="bench/out-indicators")
    ap.add_argument("--reuse", action="store_true", help="reuse an already prepared work directory")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the steps this many times in turn (A,B,C,A,B,C: load hits each alike); medians shown")
    ap.add_argument("--before", metavar="SRC",
                    help="also compute with another checkout's src/ in every round, results compared exactly")
    ap.add_argument("--no-pandas", action="store_true",
                    help="leave out the pandas baseline (it needs about 17 GB at scale 28; a shared machine may not have it)")
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
    steps = [("liangjiadi compute（全部指标）", run_compute, (str(work), period))]
    if args.before:
        steps.append(("liangjiadi compute（改动前的代码）", run_compute, (str(work), period, args.before)))
    if not args.no_pandas:
        steps.append(("基准：pandas 实现", pandas_indicators, (str(work), period, REGION)))
    steps.append(("基准：DuckDB 单次扫描", duckdb_single_scan, (str(work), period, REGION)))
    runs: dict[str, list] = {name: [] for name, _, _ in steps}
    for k in range(args.rounds):
        for name, fn, fargs in steps:
            warm_page_cache(work / "lake")
            warm_code_cache(args.before)
            runs[name].append(measure(name, fn, *fargs))
            print(f"第 {k + 1} 轮 {name}：{runs[name][-1].seconds:.1f} 秒，CPU {runs[name][-1].cpu:.1f} 秒，"
                  f"平均负载 {load()}", flush=True)
    ljd_runs = runs[steps[0][0]]
    for r in ljd_runs[1:] + runs.get("liangjiadi compute（改动前的代码）", []):
        if not same_results(ljd_runs[0].result, r.result):
            raise SystemExit(f"{r.name} 的结果与第一次计算不同")
    ljd, scan = _median(ljd_runs), _median(runs["基准：DuckDB 单次扫描"])
    pdm = _median(runs["基准：pandas 实现"]) if not args.no_pandas else None

    print(f"机器：{machine()}；平均负载（1/5/15 分钟）开始时 {load_before}，结束时 {load()}")
    print("命令：python bench/bench_indicators.py " + " ".join(sys.argv[1:]))
    print(f"期间 {period}：非住院结算 {otp:,} 行，住院结算 {ipt:,} 行；liangjiadi 输出结果 {ljd.result.num_rows:,} 行"
          + ("，各次计算（含改动前的代码）结果逐行相同" if len(ljd_runs) > 1 or args.before else ""))
    print()
    print(f"| 步骤（{args.rounds} 轮的中位数） | 秒 | 峰值内存 MiB | 相对单次扫描 | CPU 秒 | CPU 相对单次扫描 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in runs:
        r = _median(runs[name])
        print(f"| {r.name} | {r.seconds:.1f} | {r.peak_mib:,.0f} | {r.seconds / scan.seconds:.2f}× | "
              f"{r.cpu:.1f} | {r.cpu / scan.cpu:.2f}× |")
    print()
    print(f"liangjiadi / 单次扫描 = {ljd.seconds / scan.seconds:.2f}×（目标 ≤ 2×）；"
          + (f"pandas / liangjiadi = {pdm.seconds / ljd.seconds:.1f}×（目标 ≥ 20×）" if pdm else "未跑 pandas 基准"))
    # Same-round ratios: the load of a shared host changes between rounds, not within one.
    _per_round("liangjiadi / 单次扫描", ljd_runs, runs["基准：DuckDB 单次扫描"])
    if not args.no_pandas:
        _per_round("pandas / liangjiadi", runs["基准：pandas 实现"], ljd_runs)


def _per_round(what: str, top: list, bottom: list) -> None:
    wall = [a.seconds / b.seconds for a, b in zip(top, bottom)]
    cpu = [a.cpu / b.cpu for a, b in zip(top, bottom)]
    print(f"{what}，各轮（耗时/CPU）：{'，'.join(f'{w:.2f}/{c:.2f}' for w, c in zip(wall, cpu))}；"
          f"最小 {min(wall):.2f}× / {min(cpu):.2f}×，最大 {max(wall):.2f}× / {max(cpu):.2f}×")


def _median(runs: list):
    """The run with the median wall time (its own CPU, memory and result alongside)."""
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


if __name__ == "__main__":
    main()
