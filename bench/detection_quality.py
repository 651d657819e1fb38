"""Measured detection quality: generated regions with injected patterns of known size, plus
clean regions, ingested, detected and scored; writes the measured section of docs/detection.md.

    python bench/detection_quality.py --root /tmp/ljd-detect --seeds 5 --effects 0.5,1,1.5,2 \
        --scale 0.02 --out docs/detection.md
    python bench/detection_quality.py --scheme drg,dip --months 13,18,24,36 ...   (every cell)

Each payment scheme (--scheme drg / dip / drg,dip) and history length (--months, one or a
list) is measured as its own cell, with its own clean regions, and reported in its own section.

Regions are prepared once (generate + ingest, about a minute each at scale 0.02; `--jobs 2`
prepares two at a time) under --root and reused: a later run (e.g. after new detectors were
added) only detects and scores again, which takes seconds per region.
`--prepare-only` builds the regions without measuring.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from liangjiadi.anomalies import all_detectors, run_detection
from liangjiadi.anomalies.docs import write_detection_doc
from liangjiadi.anomalies.evaluate import PatternScore, combine, evaluate, load_ground_truth
from liangjiadi.config import get_settings
from liangjiadi.engine import open_engine

REGION = "140400"
RECALL_GOAL, PRECISION_GOAL, FALSE_PER_100_GOAL = 0.95, 0.9, 1.0


def synth_version() -> str:
    """The last commit of the generator, so a reader knows which injections were measured."""
    import subprocess

    try:
        out = subprocess.run(["git", "log", "-1", "--format=%h %ad", "--date=format:%Y-%m-%d %H:%M", "--",
                              "src/liangjiadi/synth"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parents[1])
        return out.stdout.strip() or "未知"
    except (OSError, subprocess.CalledProcessError):
        return "未知"


def region_dir(root: Path, seed: int, effect: float | None, months: int = 24, scheme: str = "drg") -> Path:
    name = f"s{seed}-clean" if effect is None else f"s{seed}-e{effect:g}"
    if (scheme, months) != ("drg", 24):  # the default cell keeps the names of earlier runs
        name = f"{scheme}-m{months}-{name}"
    return root / name


def prepare(root: Path, seed: int, effect: float | None, scale: float, months: int, scheme: str = "drg") -> Path:
    """Generate and ingest one region unless it is there already."""
    from liangjiadi.ingest import ingest_paths
    from liangjiadi.synth import SynthConfig, generate

    d = region_dir(root, seed, effect, months, scheme)
    if (d / "ready").exists():
        return d
    t0 = time.perf_counter()
    cfg = SynthConfig(region=REGION, scale=scale, months=months, seed=seed, fmt="parquet", faults=False,
                      anomalies=effect is not None, effect=effect if effect is not None else 1.0, scheme=scheme)
    generate(cfg, str(d / "data"))
    (d / "synth_version").write_text(synth_version() + "\n", encoding="utf-8")
    ingest_paths([d / "data"], get_settings(workdir=d / "work", region_admdvs=REGION))
    (d / "ready").write_text(f"{time.perf_counter() - t0:.1f}\n")
    return d


def measure_region(d: Path) -> dict:
    """Detect for the generated months the ground truth names (its last month) and score."""
    gt = load_ground_truth(d / "data" / "ground_truth.json")
    settings = get_settings(workdir=d / "work", region_admdvs=REGION)
    t0 = time.perf_counter()
    engine = open_engine(settings)
    try:
        from liangjiadi.anomalies.context import DetectContext

        hospitals = sum(1 for r in DetectContext(engine, settings, gt["end_month"], REGION).institutions.values()
                        if r.fixmedins_type == "1")
        run = run_detection(gt["end_month"], settings, engine=engine, save=True)
    finally:
        engine.close()
    findings = run.findings
    scores = evaluate(gt, findings, patterns=[x.pattern for x in all_detectors()])
    return {"gt": gt, "scores": scores, "hospitals": hospitals, "seconds": time.perf_counter() - t0,
            "findings": findings.num_rows,
            # detectors that could not look (short history, few peers, a failure): never a "0 findings"
            "not_evaluated": {c.pattern: c.reason for c in run.coverage if not c.evaluated}}


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def report(results: list[dict], effects: list[float], seeds: list[int], scale: float, months: int,
           prepare_seconds: float, measure_seconds: float, command: str, scheme: str = "drg") -> str:
    dets = {d.pattern: d for d in all_detectors()}
    versions = "、".join(sorted({r.get("synth_version", "未记录") for r in results})) or "未记录"
    by_effect: dict[float | None, list[dict]] = defaultdict(list)
    for r in results:
        by_effect[r["effect"]].append(r)
    combined = {e: combine([r["scores"] for r in rs]) for e, rs in by_effect.items()}
    clean = by_effect.get(None, [])
    clean_inst = sum(r["hospitals"] for r in clean)
    clean_scores = combine([r["scores"] for r in clean]) if clean else {}
    patterns = sorted(set(dets) | {p for c in combined.values() for p in c})

    lines = ["## 检测质量（实测）" if (scheme, months) == ("drg", 24) else f"## 检测质量（实测：{scheme.upper()}，{months} 个月）", "",
             f"合成统筹地区（{scheme.upper()} 付费）：规模 {scale}（每个地区约 {results[0]['hospitals'] if results else '—'} 家医疗机构）、{months} 个月、"
             f"种子 {', '.join(map(str, seeds))}；效应倍数 {', '.join(f'{e:g}' for e in effects)}（每个模式每个地区注入一处），"
             f"另有同种子的无注入地区。每个地区对最后一个月运行全部已注册检测器（{len(dets)} 个），"
             f"与 ground_truth.json 比对（规则见 anomalies/evaluate.py）。首次运行时生成与导入各地区用时合计 {prepare_seconds / 60:.1f} 分钟"
             f"（--jobs 2 并行时墙钟约减半），检测与评分 {measure_seconds / 60:.1f} 分钟（2 核共享机器）。",
             "", f"命令：`{command}`（生成器版本：{versions}）", "",
             f"目标：在写明的最小效应下召回率 ≥ {RECALL_GOAL}、精确率 ≥ {PRECISION_GOAL}；无注入地区每 100 家机构每个模式误报 ≤ {FALSE_PER_100_GOAL}。",
             "", "### 各模式召回率 / 精确率（按效应倍数，汇总各种子）", "",
             "| 模式 | 名称 | " + " | ".join(f"效应 {e:g} 召回" + " | " + f"效应 {e:g} 精确" for e in effects) +
             " | 检出的最小效应 | 达标的最小效应 | 无注入误报/100家 |",
             "|---|---|" + "---:|---:|" * len(effects) + "---:|---:|---:|"]
    for p in patterns:
        cells = []
        found_effects, goal_effects = [], []
        for e in effects:
            s = combined.get(e, {}).get(p, PatternScore(p))
            cells += [f"{_f(s.recall)} ({s.detected}/{s.injected})", f"{_f(s.precision)} ({s.true}/{s.flagged})"]
            if s.detected:
                found_effects.append(e)
            if s.recall is not None and s.recall >= RECALL_GOAL and (s.precision is None or s.precision >= PRECISION_GOAL):
                goal_effects.append(e)
        # the smallest effect from which every larger one meets the goal too
        meets = [e in goal_effects for e in effects]
        from_here = [e for k, e in enumerate(effects) if all(meets[k:])]
        cs = clean_scores.get(p, PatternScore(p))
        fp100 = 100 * cs.false / clean_inst if clean_inst else None
        name = dets[p].name if p in dets else "（未注册检测器）"
        lines.append(f"| `{p}` | {name} | " + " | ".join(cells) +
                     f" | {min(found_effects) if found_effects else '—'} | {min(from_here) if from_here else '未达标'}"
                     f" | {_f(fp100)} ({cs.false}) |")
    missing = [p for p in patterns if p not in dets]
    lines += ["", "括号内为 检出/注入、正确/标记对象数；“达标的最小效应”为自该效应倍数起（含更大的效应）召回率均 ≥ 0.95 且精确率均 ≥ 0.9 的最小效应倍数。"]
    if missing:
        lines.append(f"尚无检测器的模式（只有注入、无法检出）：{'、'.join(missing)}。")
    lines += ["", "### 每个地区", "", "| 地区 | 效应 | 医疗机构 | 发现条数 | 检测耗时（秒） | 未检测的检测器 |",
              "|---|---:|---:|---:|---:|---|"]
    for r in sorted(results, key=lambda r: (r["effect"] is None, r["effect"] or 0, r["seed"])):
        effect = "无注入" if r["effect"] is None else f"{r['effect']:g}"
        missing = "、".join(f"`{p}`（{why}）" for p, why in sorted(r.get("not_evaluated", {}).items())) or "无"
        lines.append(f"| s{r['seed']} | {effect} | {r['hospitals']} | "
                     f"{r['findings']} | {r['seconds']:.1f} | {missing} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path("/tmp/ljd-detect"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--effects", default="0.5,1,1.5,2")
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--months", default="24", help="history lengths, e.g. 13,18,24,36 (one cell each)")
    ap.add_argument("--scheme", default="drg", help="payment schemes: drg, dip or drg,dip (one cell each)")
    ap.add_argument("--out", type=Path, default=Path("docs/detection.md"))
    ap.add_argument("--prepare-only", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="regions prepared at once (each in its own process)")
    ap.add_argument("--json", type=Path, help="also write the raw per-region scores as JSON")
    args = ap.parse_args()
    effects = [float(x) for x in args.effects.split(",")]
    seeds = list(range(1, args.seeds + 1))
    months_list = [int(x) for x in str(args.months).split(",")]
    schemes = [x.strip().lower() for x in args.scheme.split(",")]
    cells = [(sc, m) for sc in schemes for m in months_list]
    t0 = time.perf_counter()
    plan = [(sc, m, s, e) for sc, m in cells for s in seeds for e in [*effects, None]]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(prepare, args.root, s, e, args.scale, m, sc): (sc, m, s, e) for sc, m, s, e in plan}
        for k, fut in enumerate(as_completed(futures), 1):
            sc, m, s, e = futures[fut]
            fut.result()
            print(f"[{k}/{len(plan)}] 地区 {sc} {m} 个月 s{s} 效应 {e if e is not None else '无注入'} 就绪"
                  f"（累计 {time.perf_counter() - t0:.0f} 秒）", flush=True)
    if args.prepare_only:
        return
    command = (f"python bench/detection_quality.py --root {args.root} --seeds {args.seeds} --effects {args.effects} "
               f"--scale {args.scale} --months {args.months} --scheme {args.scheme} --jobs {args.jobs} --out {args.out}")
    sections, results = [], []
    for sc, m in cells:
        cell = [(s, e) for s in seeds for e in [*effects, None]]
        prepare_seconds = sum(float((region_dir(args.root, s, e, m, sc) / "ready").read_text() or 0) for s, e in cell)
        t1 = time.perf_counter()
        cell_results = []
        for s, e in cell:
            d = region_dir(args.root, s, e, m, sc)
            r = measure_region(d)
            version = d / "synth_version"
            r.update(seed=s, effect=e, scheme=sc, months=m,
                     synth_version=version.read_text(encoding="utf-8").strip() if version.exists() else "未记录")
            cell_results.append(r)
            print(f"测量 {sc} {m} 个月 s{s} 效应 {e if e is not None else '无注入'}：{r['findings']} 条发现", flush=True)
        sections.append(report(cell_results, effects, seeds, args.scale, m, prepare_seconds,
                               time.perf_counter() - t1, command, sc))
        results += cell_results
    md = "\n\n".join(sections)
    write_detection_doc(args.out, md)
    if args.json:
        args.json.write_text(json.dumps([{k: (v if k != "scores" else {p: vars(sc) for p, sc in v.items()})
                                          for k, v in r.items() if k != "gt"} for r in results],
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
