"""Generator and ingest throughput at province-like scale, side by side with baselines.

    python bench/bench_ingest.py --scale 1.0 --months 6      # ≈ 5.5M settlement rows

Steps (each in its own process, so peak memory is the step's own):
  generate       liangjiadi.synth.generate, CSV output
  ingest         liangjiadi.ingest.ingest_paths (validation, quarantine, pseudonymisation, lake)
  duckdb copy    baseline: DuckDB reads every setl_d CSV as text and writes Parquet (no checks)
  duckdb all     the same for every CSV file ingest reads (all tables: like for like with ingest)
  pandas copy    baseline: pandas.read_csv(dtype=str) -> to_parquet per file (no checks)

Besides wall time, each step's CPU seconds (user + system, all threads of its process) are
printed: on a shared, loaded machine the CPU ratio is the steadier comparison.
--input DIR reuses an already generated region (the generate step is then skipped).
--rounds N runs the steps N times in turn (ingest, DuckDB, pandas, ingest, ...), so that the
load of a shared machine hits each alike; the medians are compared. --before SRC adds an
ingest with another checkout's src/ (the code before a change) to every round, and its lake
and quarantine are compared row for row with this code's.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import load, machine, measure  # noqa: E402


def run_generate(out: str, scale: float, months: int, seed: int) -> dict:
    from liangjiadi.synth import SynthConfig, generate

    s = generate(SynthConfig(scale=scale, months=months, seed=seed, fmt="csv"), out)
    return {"rows": dict(s.rows) if hasattr(s, "rows") else {}}


def run_ingest(src: str, workdir: str, code: str | None = None) -> dict:
    """ingest in this (spawned) process; `code`: another checkout's src/, imported instead."""
    if code:
        sys.path.insert(0, code)
    from liangjiadi.config import Settings
    from liangjiadi.ingest import ingest_paths

    shutil.rmtree(workdir, ignore_errors=True)
    settings = Settings(workdir=Path(workdir), pseudonym_key="bench-key-padded-to-at-least-32-bytes")
    report = ingest_paths([Path(src)], settings)
    files = report.files
    return {
        "accepted": sum(f.rows_accepted for f in files),
        "quarantined": sum(f.rows_quarantined for f in files),
        "files": sorted((Path(f.path).name, f.status, f.rows_read, f.rows_accepted, f.rows_quarantined,
                         sorted(f.rule_counts.items()), sorted(f.partitions)) for f in files),
    }


def run_duckdb_copy(src: str, dst: str, pattern: str = "setl_d_*.csv") -> dict:
    import duckdb

    shutil.rmtree(dst, ignore_errors=True)
    Path(dst).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET threads=2")
    n = 0
    for f in sorted(Path(src).glob(pattern)):
        con.execute(f"COPY (SELECT * FROM read_csv('{f}', all_varchar=true, header=true)) "
                    f"TO '{Path(dst) / (f.stem + '.parquet')}' (FORMAT parquet)")
        n += con.execute(f"SELECT count(*) FROM '{Path(dst) / (f.stem + '.parquet')}'").fetchone()[0]
    return {"rows": n}


def run_pandas_copy(src: str, dst: str) -> dict:
    import pandas as pd

    shutil.rmtree(dst, ignore_errors=True)
    Path(dst).mkdir(parents=True, exist_ok=True)
    n = 0
    for f in sorted(Path(src).glob("setl_d_*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        df.to_parquet(Path(dst) / (f.stem + ".parquet"), index=False)
        n += len(df)
    return {"rows": n}


def count_setl_rows(src: Path) -> int:
    total = 0
    for f in src.glob("setl_d_*.csv"):
        with open(f, "rb") as fh:
            total += sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 24), b"")) - 1
    return total


def lake_differences(a: Path, b: Path) -> list[str]:
    """Tables whose lake partitions (row for row, every column, in any row order) or
    quarantine files differ between two work directories; empty when they are the same."""
    import duckdb

    out = []
    con = duckdb.connect()
    tables = sorted({p.name for w in (a, b) for p in (w / "lake").iterdir() if p.is_dir()})
    for t in tables:
        ga, gb = (str(w / "lake" / t / "*" / "*" / "*.parquet") for w in (a, b))
        # the partition (admdvs/period directories) is part of the row
        sel = "SELECT * EXCLUDE (filename), regexp_extract(filename, '([^/]+/[^/]+)/[^/]+$', 1) AS _part " \
              "FROM read_parquet('{}', union_by_name=true, filename=true)"
        diff = con.execute(f"SELECT (SELECT count(*) FROM ({sel.format(ga)} EXCEPT ALL {sel.format(gb)})), "
                           f"(SELECT count(*) FROM ({sel.format(gb)} EXCEPT ALL {sel.format(ga)})), "
                           f"(SELECT count(*) FROM ({sel.format(ga)}))").fetchone()
        if diff[0] or diff[1]:
            out.append(f"{t}：{diff[0]} 行只在前者，{diff[1]} 行只在后者")
    qa, qb = (sorted(p.name for p in (w / "quarantine").rglob("*.csv")) for w in (a, b))
    if qa != qb:
        out.append(f"隔离文件不同：{qa} / {qb}")
    for name in qa if qa == qb else []:
        fa, fb = (next((w / "quarantine").rglob(name)).read_bytes() for w in (a, b))
        if fa != fb:
            out.append(f"隔离文件 {name} 内容不同")
    return out


INGEST, BEFORE, DUCK, DUCK_ALL, PANDAS = (
    "导入（ingest，含校验与假名化）", "导入（改动前的代码）", "基准：DuckDB 直接转 Parquet",
    "基准：DuckDB 转换全部 CSV（各表）", "基准：pandas 直接转 Parquet")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--months", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--input", help="an already generated region (CSV) to ingest; skips the generate step")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the steps this many times in turn (load hits each alike); medians compared")
    ap.add_argument("--before", metavar="SRC",
                    help="also ingest with another checkout's src/ in every round; lakes compared row for row")
    ap.add_argument("--no-pandas", action="store_true", help="leave out the pandas baseline")
    args = ap.parse_args()
    out = Path(args.out)
    src = Path(args.input) if args.input else out / "region"
    if not args.input:  # a given region may lie under --out: each step clears only its own folder
        shutil.rmtree(out, ignore_errors=True)

    gen = None if args.input else measure("生成（synth）", run_generate, str(src), args.scale, args.months, args.seed)
    setl_rows = count_setl_rows(src)
    load_start = load()
    steps = [(INGEST, run_ingest, (str(src), str(out / "work")))]
    if args.before:
        steps.append((BEFORE, run_ingest, (str(src), str(out / "work-before"), args.before)))
    steps.append((DUCK, run_duckdb_copy, (str(src), str(out / "duck"))))
    steps.append((DUCK_ALL, run_duckdb_copy, (str(src), str(out / "duck-all"), "*.csv")))
    if not args.no_pandas:
        steps.append((PANDAS, run_pandas_copy, (str(src), str(out / "pandas"))))
    runs: dict[str, list] = {name: [] for name, _, _ in steps}
    for k in range(args.rounds):
        for name, fn, fargs in steps:
            runs[name].append(measure(name, fn, *fargs))
            r = runs[name][-1]
            print(f"第 {k + 1} 轮 {name}：{r.seconds:.1f} 秒，CPU {r.cpu:.1f} 秒，平均负载 {load()}", flush=True)
    ing, duck = _median(runs[INGEST]), _median(runs[DUCK])
    same = ""
    if args.before:
        if ing.result["files"] != runs[BEFORE][0].result["files"]:
            raise SystemExit("改动前后的导入报告不同（各文件的行数、规则计数或分区）")
        diff = lake_differences(out / "work", out / "work-before")
        if diff:
            raise SystemExit("改动前后的数据湖或隔离文件不同：" + "；".join(diff))
        same = "；改动前后数据湖逐行相同（全部表、全部列、分区），隔离文件逐字节相同，导入报告相同"

    print()
    print(f"机器：{machine()}；平均负载（1/5/15 分钟）开始时 {load_start}，结束时 {load()}")
    # with --input the region was generated elsewhere: --scale/--months/--seed did not apply
    print("命令：python bench/bench_ingest.py " + " ".join(sys.argv[1:]))
    if gen:
        print(f"生成用时 {gen.seconds:.1f} 秒")
    print(f"结算数据（setl_d）行数：{setl_rows:,}；导入接受 {ing.result['accepted']:,} 行，"
          f"隔离 {ing.result['quarantined']:,} 行（全部表）{same}")
    print()
    print(f"| 步骤（{args.rounds} 轮的中位数） | 秒 | 行/秒 | 峰值内存 MiB | 相对 DuckDB 转换 | CPU 秒 | CPU 相对 DuckDB 转换 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in runs:
        r = _median(runs[name])
        print(f"| {name} | {r.seconds:.1f} | {setl_rows / r.seconds:,.0f} | {r.peak_mib:,.0f} | "
              f"{r.seconds / duck.seconds:.2f}× | {r.cpu:.1f} | {r.cpu / duck.cpu:.2f}× |")
    print()
    print(f"导入 / DuckDB 直接转换（上表中位数之比）：耗时 {ing.seconds / duck.seconds:.2f}×，"
          f"CPU {ing.cpu / duck.cpu:.2f}×（目标 ≤ 2×）")
    # each round's own ratio: the steps of one round ran under about the same load
    for base, what in ((DUCK, "DuckDB 直接转换 setl_d"), (DUCK_ALL, "DuckDB 转换全部 CSV")):
        for name in [INGEST] + ([BEFORE] if args.before else []):
            wall = [a.seconds / b.seconds for a, b in zip(runs[name], runs[base])]
            cpu = [a.cpu / b.cpu for a, b in zip(runs[name], runs[base])]
            print(f"{name} / {what}，各轮（耗时/CPU）：{'，'.join(f'{w:.2f}/{c:.2f}' for w, c in zip(wall, cpu))}；"
                  f"各轮比值的中位数：耗时 {sorted(wall)[len(wall) // 2]:.2f}×，CPU {sorted(cpu)[len(cpu) // 2]:.2f}×")
    if not args.no_pandas:
        pdm = _median(runs[PANDAS])
        print(f"导入 / pandas 直接转换：耗时 {ing.seconds / pdm.seconds:.2f}×，CPU {ing.cpu / pdm.cpu:.2f}×")


def _median(runs: list):
    """The run with the median wall time (its own CPU, memory and result alongside)."""
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


if __name__ == "__main__":
    main()
