"""Render a whole release for a region of 500 institutions, against the goal of 2 minutes on 2 cores.

    python bench/bench_release.py --institutions 500 --workers 2

Prepares (not timed): a region built directly as stored results — the release month with every
indicator for the region and for each institution, 12 earlier months of region results (trends,
fund forecast), a check report, findings, and the institution directory in the lake — then a
monthly and a quarterly release. The generator (synth) would need a city of about a million
insured persons to reach 500 hospitals, which tests nothing more of the renderers.
Timed, each in its own process: `render_release` of each release (region documents, 数据底稿,
附表, and docx + html for every institution), files attached to the draft.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import machine, measure  # noqa: E402

REGION = "140400"
PERIOD = "2025-03"
LEVELS = ["01", "02", "03", "05", "06", "07", "10", "11", "12"]


def _row(meta, value, code, period, run_id):
    return {"admdvs": REGION, "period": period, "indicator_id": meta.id,
            "scope": "institution" if code else "region", "fixmedins_code": code,
            "value": None if value is None else Decimal(str(round(value, 6))), "numerator": None, "denominator": None,
            "basis": meta.basis, "note": None, "run_id": run_id, "computed_at": datetime.now(timezone.utc)}


def _value(meta, rng, scale=1.0):
    if meta.unit == "yuan":
        return (9_000 + rng.random() * 8_000) if meta.id == "37" else 5e7 * scale * (0.8 + 0.4 * rng.random())
    if meta.unit == "ratio":
        if meta.id == "40":
            return 10 + 10 * rng.random()
        return 0.02 + 0.9 * rng.random() * (0.1 if meta.id in ("45", "32", "35") else 1)
    if meta.unit == "count":
        return float(int(50 + 900 * rng.random()))
    return 0.8 + 0.4 * rng.random()


def prepare(work: Path, institutions: int, seed: int = 7) -> tuple[str, str]:
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    from liangjiadi import lake
    from liangjiadi.anomalies.model import Finding, findings_table
    from liangjiadi.anomalies.runner import findings_dir
    from liangjiadi.checks import load_catalogue, run_checks
    from liangjiadi.config import Settings
    from liangjiadi.indicators.context import shift
    from liangjiadi.indicators.results import RESULT_SCHEMA, save_results
    from liangjiadi.releases import create_release

    rng = random.Random(seed)
    shutil.rmtree(work, ignore_errors=True)
    settings = Settings(workdir=work, region_admdvs=REGION, duckdb_threads=1)
    catalogue = [m for m in load_catalogue() if not m.is_heading]
    codes = [f"H{n:04d}" for n in range(1, institutions + 1)]
    lake.write_rows(work, "fixmedins", [
        {"fixmedins_code": c, "fixmedins_name": f"示例市第{n}医院", "fixmedins_type": "1",
         "hosp_lv": LEVELS[n % len(LEVELS)], "admdvs": REGION} for n, c in enumerate(codes, start=1)], REGION)
    for back in range(24, -1, -1):  # two years of region history, the release month last
        period = shift(PERIOD, -back)
        run_id = f"R{period.replace('-', '')}"
        growth = 1 + 0.01 * (24 - back)
        month = int(period[5:])
        rows = []
        for meta in catalogue:
            if meta.scope != "institution":
                value = _value(meta, rng, growth)
                if meta.unit == "yuan" and meta.basis == "cumulative" and meta.id != "37":
                    value = value * month / 12  # cumulative within the year
                rows.append(_row(meta, value, None, period, run_id))
            if back == 0 and meta.per_institution:
                rows += [_row(meta, _value(meta, rng, 0.01), c, period, run_id) for c in codes]
        save_results(work, REGION, period, pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), run_id)
    run_checks(PERIOD, settings)
    patterns = ["readmission_15d", "out_of_list_share", "outpatient_inpatient_ratio", "cost_deviation"]
    findings = [Finding(pattern=patterns[n % 4], period=PERIOD, severity="medium", fixmedins_code=c,
                        message=f"示例市第{int(c[1:])}医院存在需要核实的数据异常。", evidence={"own": 1.0}, score=1.0)
                for n, c in enumerate(codes[::5])]
    out = findings_dir(work, REGION, PERIOD)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(findings_table(findings, "F1"), out / "F1.parquet")
    monthly = create_release("monthly", PERIOD, settings, creator="基准测试")
    quarterly = create_release("quarterly", "2025-Q1", settings, creator="基准测试")
    return monthly.release_id, quarterly.release_id


def render(work: str, release_id: str, out: str, workers: int) -> int:
    from liangjiadi.config import Settings
    from liangjiadi.reports.render import render_release

    settings = Settings(workdir=Path(work), region_admdvs=REGION, duckdb_threads=1)
    result = render_release(release_id, Path(out), settings, region_name="示例市", actor="基准测试", workers=workers)
    return len(result.all_files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ljd-bench-release"))
    args = parser.parse_args()
    monthly, quarterly = prepare(args.work / "work", args.institutions)
    print(f"机器：{machine()}；机构 {args.institutions} 家；进程 {args.workers} 个")
    print("| 发布 | 文件数 | 秒 | 峰值内存 MiB（主进程） |\n|---|---:|---:|---:|")
    for release_id in (monthly, quarterly):
        m = measure(release_id, render, str(args.work / "work"), release_id, str(args.work / "out" / release_id),
                    args.workers)
        print(f"| {release_id} | {m.result} | {m.seconds:.1f} | {m.peak_mib:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
