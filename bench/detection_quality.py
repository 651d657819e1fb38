"""Measured detection quality: generated regions with injected patterns of known size, plus
clean regions, ingested, detected and scored; writes the measured section of docs/detection.md.

    python bench/detection_quality.py --root /tmp/ljd-detect --seeds 5 --effects 0.5,1,1.5,2 \
        --scale 0.02 --out docs/detection.md
    python bench/detection_quality.py --scheme drg,dip --months 36,18,24,13 ...   (every cell)
    python bench/detection_quality.py --injections-per-pattern 5 --scale 0.12 --seeds 4 \
        --clean-seeds 1 --effects 1 --ingest-chunk 6 ...   (20 injections per pattern and cell)

Each payment scheme (--scheme drg / dip / drg,dip) and history length (--months, one or a
list, measured in the order given) is a cell with its own clean regions, reported in its own
section; a first table puts the cells side by side at effect 1 with the goal marked.

--injections-per-pattern K generates each region with every institution-level pattern at K
distinct institutions (synth/replicas.py; the peer groups grow with K, so the scale should
grow too: 0.024·K keeps a hospital's volume that of a K = 1 region of scale 0.02), so
--seeds N regions give N·K injections per pattern and cell (hospitalization_rate, a
region-level pattern, stays one per region: N).

Regions are prepared once (generate + ingest; `--jobs 2` prepares two at a time) under --root
and reused: a later run (e.g. after the detectors changed) only detects and scores again.
`--prepare-only` builds the regions without measuring; `--measure-as-prepared` measures each
as soon as it is ready; `--ready-only` reports the regions prepared so far and names the cells
not measured yet; `--cached` reuses each region's last measurement (measure.json).
"""

from __future__ import annotations

import argparse
import json
import os
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


def synth_version(area: str = "src/liangjiadi/synth") -> str:
    """The last commit of the generator (or of `area`), so a reader knows what was measured;
    "+改动" when the working tree differs from it."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%h %ad", "--date=format:%Y-%m-%d %H:%M", "--", area],
                             capture_output=True, text=True, check=True, cwd=root)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", area], capture_output=True, text=True,
                               check=True, cwd=root).stdout.strip()
        return (out.stdout.strip() or "未知") + ("+改动" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "未知"


def region_dir(root: Path, seed: int, effect: float | None, months: int = 24, scheme: str = "drg",
               k: int = 1, scale: float | None = None, only: tuple[str, ...] = ()) -> Path:
    name = f"s{seed}-clean" if effect is None else f"s{seed}-e{effect:g}"
    if only:  # regions injected with these patterns only (SynthConfig.patterns)
        return root / f"{scheme}-m{months}-{'+'.join(only)}-x{scale:g}-{name}"
    if k > 1:  # several injections per pattern: a larger region of its own scale
        name = f"{scheme}-m{months}-k{k}x{scale:g}-{name}"
    elif (scheme, months) != ("drg", 24):  # the default cell keeps the names of earlier runs
        name = f"{scheme}-m{months}-{name}"
    return root / name


def _ingest_in_chunks(data: Path, settings, chunk: int) -> None:
    """Load the tables without a month first, then the monthly files `chunk` months at a time
    (as a region delivers them): one load of many months re-reads them once per partition."""
    import re

    from liangjiadi.ingest import ingest_paths

    if chunk <= 0:
        ingest_paths([data], settings)
        return
    files = sorted(p for p in data.iterdir() if p.suffix in (".parquet", ".csv"))
    month = {p: m.group(1) for p in files if (m := re.search(r"_(\d{4}-\d{2})\.[a-z]+$", p.name))}
    ingest_paths([p for p in files if p not in month], settings)
    periods = sorted(set(month.values()))
    for i in range(0, len(periods), chunk):
        these = set(periods[i:i + chunk])
        ingest_paths([p for p in files if month.get(p) in these], settings)


def prepare(root: Path, seed: int, effect: float | None, scale: float, months: int, scheme: str = "drg",
            k: int = 1, chunk: int = 0, only: tuple[str, ...] = ()) -> Path:
    """Generate and ingest one region unless it is there already."""
    from liangjiadi.synth import SynthConfig, generate

    d = region_dir(root, seed, effect, months, scheme, k, scale, only)
    if (d / "ready").exists():
        return d
    t0 = time.perf_counter()
    cfg = SynthConfig(region=REGION, scale=scale, months=months, seed=seed, fmt="parquet", faults=False,
                      anomalies=effect is not None, effect=effect if effect is not None else 1.0, scheme=scheme,
                      injections_per_pattern=k, patterns=only)
    generate(cfg, str(d / "data"))
    t1 = time.perf_counter()
    (d / "synth_version").write_text(synth_version() + "\n", encoding="utf-8")
    _ingest_in_chunks(d / "data", get_settings(workdir=d / "work", region_admdvs=REGION), chunk)
    (d / "ready").write_text(f"{time.perf_counter() - t0:.1f}\n")
    (d / "prepare.json").write_text(json.dumps({"generate_seconds": round(t1 - t0, 1),
                                                "ingest_seconds": round(time.perf_counter() - t1, 1),
                                                "load_average": [round(x, 2) for x in os.getloadavg()]}) + "\n")
    return d


def volumes(d: Path, gt: dict) -> dict:
    """Discharges in the last month per hospital (median), of the injected hospitals and by
    level: how large the hospitals the injections sit in are."""
    import statistics

    import pyarrow.parquet as pq

    lists = d / "data" / f"setl_list_{gt['end_month']}.parquet"
    fix = d / "data" / "fixmedins.parquet"
    if not lists.exists() or not fix.exists():
        return {}
    counts: dict[str, int] = defaultdict(int)
    for code in pq.read_table(lists, columns=["fixmedins_code"]).column(0).to_pylist():
        counts[code] += 1
    level = {r["fixmedins_code"]: r["hosp_lv"] for r in pq.read_table(fix, columns=["fixmedins_code", "hosp_lv"]).to_pylist()}

    def med(codes):
        return statistics.median([counts.get(c, 0) for c in codes]) if codes else None

    injected = {a["fixmedins_code"] for a in gt.get("anomalies", []) if a.get("fixmedins_code")}
    return {"injected": med(sorted(injected)),
            "tertiary": med([c for c, lv in level.items() if lv in ("01", "02", "03", "04")]),
            "secondary": med([c for c, lv in level.items() if lv in ("05", "06", "07")])}


def measure_region(d: Path, cached: bool = False) -> dict:
    """Detect for the generated months the ground truth names (its last month) and score.

    The result is kept in the region's measure.json; `cached` reuses it instead of detecting
    again (only for a report of a run that measured each region as it was prepared)."""
    keep = d / "measure.json"
    gt = load_ground_truth(d / "data" / "ground_truth.json")
    if cached and keep.exists():
        r = json.loads(keep.read_text(encoding="utf-8"))
        r["scores"] = {p: PatternScore(**sc) for p, sc in r["scores"].items()}
        return dict(r, gt=gt)
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
    r = {"scores": scores, "hospitals": hospitals, "seconds": time.perf_counter() - t0, "volumes": volumes(d, gt),
         "findings": findings.num_rows, "detector_version": synth_version("src/liangjiadi/anomalies"),
         "load_average": [round(x, 2) for x in os.getloadavg()],
         # detectors that could not look (short history, few peers, a failure): never a "0 findings"
         "not_evaluated": {c.pattern: c.reason for c in run.coverage if not c.evaluated}}
    keep.write_text(json.dumps(dict(r, scores={p: vars(sc) for p, sc in scores.items()}), ensure_ascii=False),
                    encoding="utf-8")
    return dict(r, gt=gt)


def parse_add_only(spec: str) -> tuple[tuple[str, ...], list[int], float] | None:
    """--add-only "hospitalization_rate:5-20:0.03": the patterns, seeds and scale of small regions
    (prepared by an --only run) to count in every cell beside its regions."""
    if not spec:
        return None
    patterns, seeds, scale = spec.split(":")
    first, _, last = seeds.partition("-")
    return (tuple(x.strip() for x in patterns.split(",") if x.strip()),
            list(range(int(first), int(last or first) + 1)), float(scale))


def restrict_to_only(r: dict, only: tuple[str, ...]) -> dict:
    """A region injected with `only` counts for those patterns alone; the other detectors' namings
    there (its hospitals carry no other injection) are kept apart in `other_false`, reported on
    their own line and never mixed into the precision of regions injected with every pattern."""
    full = r["scores"]
    return dict(r, only=tuple(only), scores={p: sc for p, sc in full.items() if p in only},
                other_false={p: sc.false for p, sc in full.items() if p not in only and sc.false})


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def report(results: list[dict], effects: list[float], seeds: list[int], scale: float, months: int,
           prepare_seconds: float, measure_seconds: float, command: str, scheme: str = "drg", k: int = 1) -> str:
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

    injected = sorted({r["seed"] for r in results if r["effect"] is not None and not r.get("only")})
    small = [r for r in results if r.get("only")]  # --add-only regions, one pattern each
    clean_seeds = sorted({r["seed"] for r in clean})
    per_region = ("每个模式每个地区注入一处" if k == 1 else
                  f"每个模式每个地区注入 {k} 家机构（一家机构只注入一个模式；住院率为统筹地区层面模式，每个地区一处）")
    loads = [r["load_average"][0] for r in results if r.get("load_average")]
    lines = ["## 检测质量（实测）" if (scheme, months, k) == ("drg", 24, 1) else f"## 检测质量（实测：{scheme.upper()}，{months} 个月）", "",
             f"合成统筹地区（{scheme.upper()} 付费）：规模 {scale}（每个地区约 {next((r['hospitals'] for r in results if not r.get('only')), '—')} 家医院）、{months} 个月、"
             f"有注入的地区种子 {', '.join(map(str, injected)) or '无'}，无注入地区种子 {', '.join(map(str, clean_seeds)) or '无'}；"
             + (f"另有只注入 {'、'.join(sorted({p for r in small for p in r['only']}))} 的小地区 {len(small)} 个（种子 "
                f"{min(r['seed'] for r in small)}–{max(r['seed'] for r in small)}，每个约 {small[0]['hospitals']} 家医院，只计该模式）；"
                if small else "") +
             f"效应倍数 {', '.join(f'{e:g}' for e in effects)}（{per_region}）。每个地区对最后一个月运行全部已注册检测器（{len(dets)} 个），"
             f"与 ground_truth.json 比对（规则见 anomalies/evaluate.py）。首次运行时生成与导入各地区用时合计 {prepare_seconds / 60:.1f} 分钟"
             f"（--jobs 2 并行时墙钟约减半），检测与评分 {measure_seconds / 60:.1f} 分钟（2 核共享机器"
             + (f"，检测时 1 分钟负载 {min(loads):.1f}–{max(loads):.1f}" if loads else "") + "）。",
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
    if small:
        named = defaultdict(int)
        for r in small:
            for p, n in r.get("other_false", {}).items():
                named[p] += n
        lines.append(f"只注入单一模式的 {len(small)} 个小地区（共 {sum(r['hospitals'] for r in small)} 家医院，同级对照少）中，其他检测器点名的未注入机构"
                     "（不计入上表）：" + ("、".join(f"`{p}` {n}" for p, n in sorted(named.items())) or "无") + "。")
    lines += ["", "### 每个地区", "",
              "| 地区 | 效应 | 医院 | 末月出院人次中位数：注入机构 / 三级 / 二级 | 发现条数 | 检测耗时（秒） | 负载 | 未检测的检测器 |",
              "|---|---:|---:|---|---:|---:|---:|---|"]
    for r in sorted(results, key=lambda r: (r["effect"] is None, r["effect"] or 0, r["seed"])):
        effect = "无注入" if r["effect"] is None else f"{r['effect']:g}"
        if r.get("only"):
            effect += f"（只注入 {'、'.join(r['only'])}）"
        missing = "、".join(f"`{p}`（{why}）" for p, why in sorted(r.get("not_evaluated", {}).items())) or "无"
        v = r.get("volumes") or {}
        vol = " / ".join("—" if v.get(x) is None else f"{v[x]:g}" for x in ("injected", "tertiary", "secondary"))
        load = f"{r['load_average'][0]:.1f}" if r.get("load_average") else "—"
        lines.append(f"| s{r['seed']} | {effect} | {r['hospitals']} | {vol} | "
                     f"{r['findings']} | {r['seconds']:.1f} | {load} | {missing} |")
    return "\n".join(lines)


CELL_GOAL_INJECTIONS = 20  # injections per pattern and cell the goal asks for
GOAL_MONTHS = 18  # the goal holds from this history length on


def side_by_side(cells: dict[tuple[str, int], list[dict]], effect: float, goal: bool = True) -> str:
    """One table: every pattern against every cell (scheme × history), at one effect; `goal`
    marks each cell against the goal (stated at effect 1; other effects are shown without it)."""
    dets = {d.pattern: d for d in all_detectors()}
    keys = list(cells)
    aim = (f"目标（历史 ≥ {GOAL_MONTHS} 个月）：每格每个模式至少 {CELL_GOAL_INJECTIONS} 处注入，召回率 ≥ {RECALL_GOAL} 且精确率 ≥ "
           f"{PRECISION_GOAL}，无注入地区 0 条发现。" if goal else "目标按效应 1 写出，此表不标达标与否。")
    lines = [f"## 检测质量（实测）：各格并列（效应 {effect:g}）", "",
             f"每格：召回 检出/注入、精确 正确/标记、无注入地区误报数；{aim}"
             "“未检测”：该格全部地区中该检测器都记为未检测（原因见各格“每个地区”表），不是“0 发现”；"
             "“未生成地区”：该格没有这一效应的地区。", "",
             "| 模式 | " + " | ".join(f"{sc.upper()} {m} 个月" for sc, m in keys) + " |",
             "|---|" + "---|" * len(keys)]
    met: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p in sorted(dets):
        row = []
        for key in keys:
            rs = cells[key]
            at = [r for r in rs if r["effect"] == effect]
            clean = [r for r in rs if r["effect"] is None]
            if not at:  # no region of this effect in the cell: nothing measured, not "0/0"
                row.append("未生成地区")
                continue
            if rs and all(p in r.get("not_evaluated", {}) for r in rs):
                row.append("未检测")
                continue
            sc = combine([r["scores"] for r in at]).get(p, PatternScore(p)) if at else PatternScore(p)
            cl = combine([r["scores"] for r in clean]).get(p, PatternScore(p)) if clean else None
            text = f"{sc.detected}/{sc.injected} · {sc.true}/{sc.flagged}" + (f" · 无注入 {cl.false}" if cl else " · 无注入未测")
            if goal and key[1] >= GOAL_MONTHS and at:
                ok = (sc.injected >= CELL_GOAL_INJECTIONS and sc.recall is not None and sc.recall >= RECALL_GOAL
                      and (sc.precision is None or sc.precision >= PRECISION_GOAL) and (cl is not None and cl.false == 0))
                text += " ✓" if ok else (" ✗" if sc.injected >= CELL_GOAL_INJECTIONS else f" （注入 {sc.injected} < {CELL_GOAL_INJECTIONS}）")
                if not ok:
                    met[key].append(p)
            row.append(text)
        lines.append(f"| `{p}` | " + " | ".join(row) + " |")

    def small(rs):  # regions injected with a few patterns only (--add-only), counted apart
        n = sum(r["effect"] == effect and bool(r.get("only")) for r in rs)
        return f"（另有只注入 {'、'.join(sorted({p for r in rs for p in r.get('only', ())}))} 的小地区 {n} 个）" if n else ""

    lines += ["", "每格的地区：" + "；".join(
        f"{sc.upper()} {m} 个月 有注入 {sum(r['effect'] == effect and not r.get('only') for r in cells[(sc, m)])} 个"
        f"{small(cells[(sc, m)])}、无注入 {sum(r['effect'] is None for r in cells[(sc, m)])} 个" for sc, m in keys) + "。"]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path("/tmp/ljd-detect"))
    ap.add_argument("--seeds", type=int, default=5, help="regions with injections per cell and effect")
    ap.add_argument("--clean-seeds", type=int, help="regions without injections per cell (default: --seeds)")
    ap.add_argument("--effects", default="0.5,1,1.5,2")
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--injections-per-pattern", type=int, default=1,
                    help="institutions injected with each pattern in one region (K > 1: more hospitals per region)")
    ap.add_argument("--months", default="24", help="history lengths, e.g. 36,18,24,13 (one cell each, in this order)")
    ap.add_argument("--scheme", default="drg", help="payment schemes: drg, dip or drg,dip (one cell each)")
    ap.add_argument("--ingest-chunk", type=int, default=0, help="load the monthly files this many months at a time (0: all at once)")
    ap.add_argument("--out", type=Path, default=Path("docs/detection.md"))
    ap.add_argument("--prepare-only", action="store_true")
    ap.add_argument("--measure-as-prepared", action="store_true",
                    help="detect and score each region as soon as it is ready (kept in its measure.json)")
    ap.add_argument("--ready-only", action="store_true",
                    help="prepare nothing: measure and report the regions already prepared, the rest as not measured")
    ap.add_argument("--cached", action="store_true", help="reuse each region's measure.json instead of detecting again")
    ap.add_argument("--jobs", type=int, default=1, help="regions prepared at once (each in its own process)")
    ap.add_argument("--only", default="", help="inject only these patterns (comma list), e.g. hospitalization_rate "
                    "in many small regions (one injection per region)")
    ap.add_argument("--first-seed", type=int, default=1, help="seed of the first region (seeds of an --only run apart)")
    ap.add_argument("--add-only", default="", help="count small regions of an earlier --only run in every cell, "
                    "e.g. hospitalization_rate:5-20:0.03 (patterns:seeds:scale; only those patterns are scored there)")
    ap.add_argument("--json", type=Path, help="also write the raw per-region scores as JSON")
    ap.add_argument("--preface", type=Path, help="a Markdown file put at the head of the measured section "
                    "(machine, load, what is still missing)")
    args = ap.parse_args()
    effects = [float(x) for x in args.effects.split(",")]
    f0 = args.first_seed
    seeds = list(range(f0, f0 + args.seeds))
    clean_seeds = list(range(f0, f0 + (args.seeds if args.clean_seeds is None else args.clean_seeds)))
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    add_only = parse_add_only(args.add_only)
    months_list = [int(x) for x in str(args.months).split(",")]
    schemes = [x.strip().lower() for x in args.scheme.split(",")]
    k, scale = args.injections_per_pattern, args.scale
    cells = [(sc, m) for m in months_list for sc in schemes]  # the longest (slowest) first if listed first
    plan = {(sc, m): [(s, e) for e in effects for s in seeds] + [(s, None) for s in clean_seeds] for sc, m in cells}

    def where(sc, m, s, e):
        return region_dir(args.root, s, e, m, sc, k, scale, only)

    t0 = time.perf_counter()
    if not args.ready_only:
        todo = [(sc, m, s, e) for (sc, m), rs in plan.items() for s, e in rs]
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {pool.submit(prepare, args.root, s, e, scale, m, sc, k, args.ingest_chunk, only): (sc, m, s, e)
                       for sc, m, s, e in todo}
            for n, fut in enumerate(as_completed(futures), 1):
                sc, m, s, e = futures[fut]
                d = fut.result()
                line = (f"[{n}/{len(todo)}] 地区 {sc} {m} 个月 s{s} 效应 {e if e is not None else '无注入'} 就绪"
                        f"（累计 {time.perf_counter() - t0:.0f} 秒，负载 {os.getloadavg()[0]:.1f}）")
                if args.measure_as_prepared and not args.prepare_only:
                    r = measure_region(d)
                    line += f"；{r['findings']} 条发现，检测 {r['seconds']:.0f} 秒"
                print(line, flush=True)
    if args.prepare_only:
        return
    command = (f"python bench/detection_quality.py --root {args.root} --seeds {args.seeds} "
               + (f"--clean-seeds {args.clean_seeds} " if args.clean_seeds is not None else "")
               + f"--effects {args.effects} --scale {scale} --injections-per-pattern {k} --months {args.months} "
               f"--scheme {args.scheme} --ingest-chunk {args.ingest_chunk} --jobs {args.jobs} --out {args.out}"
               + (f" --only {args.only} --first-seed {f0}" if only else "")
               + (f" --add-only {args.add_only}" if add_only else ""))
    sections, results = [], []
    by_cell: dict[tuple[str, int], list[dict]] = {}
    for sc, m in cells:
        ready = [(s, e) for s, e in plan[(sc, m)] if (where(sc, m, s, e) / "ready").exists()]
        if not ready:
            by_cell[(sc, m)] = []
            continue
        prepare_seconds = sum(float((where(sc, m, s, e) / "ready").read_text() or 0) for s, e in ready)
        t1 = time.perf_counter()
        cell_results = []
        for s, e in ready:
            d = where(sc, m, s, e)
            # a region measured as it was prepared, by this very run, is not detected twice
            r = measure_region(d, cached=args.cached or args.measure_as_prepared)
            version = d / "synth_version"
            r.update(seed=s, effect=e, scheme=sc, months=m,
                     synth_version=version.read_text(encoding="utf-8").strip() if version.exists() else "未记录")
            cell_results.append(r)
            print(f"测量 {sc} {m} 个月 s{s} 效应 {e if e is not None else '无注入'}：{r['findings']} 条发现", flush=True)
        if add_only:  # small regions injected with one pattern: counted for it alone (restrict_to_only)
            a_only, a_seeds, a_scale = add_only
            for e in effects:
                for s in a_seeds:
                    d = region_dir(args.root, s, e, m, sc, 1, a_scale, a_only)
                    if not (d / "ready").exists():
                        continue
                    r = restrict_to_only(measure_region(d, cached=args.cached), a_only)
                    version = d / "synth_version"
                    r.update(seed=s, effect=e, scheme=sc, months=m,
                             synth_version=version.read_text(encoding="utf-8").strip() if version.exists() else "未记录")
                    cell_results.append(r)
                    print(f"测量 {sc} {m} 个月 只注入 {'、'.join(a_only)} s{s}：{r['findings']} 条发现", flush=True)
        by_cell[(sc, m)] = cell_results
        sections.append(report(cell_results, effects, seeds, scale, m, prepare_seconds,
                               time.perf_counter() - t1, command, sc, k))
        results += cell_results
    first = 1.0 if 1.0 in effects else effects[0]
    missing = [f"{sc.upper()} {m} 个月" for (sc, m), rs in by_cell.items() if not rs]
    measured = {c: rs for c, rs in by_cell.items() if rs}
    head = "\n\n".join([side_by_side(measured, first)] +  # then every other effect, without the goal marks
                         [side_by_side(measured, e, goal=False) for e in effects if e != first])
    if missing:
        head += "\n\n未测量（地区尚未生成与导入）：" + "、".join(missing) + "。"
    preface = [args.preface.read_text(encoding="utf-8").strip()] if args.preface else []
    md = "\n\n".join(preface + [head] + sections)
    write_detection_doc(args.out, md)
    if args.json:
        args.json.write_text(json.dumps([{k_: (v if k_ != "scores" else {p: vars(x) for p, x in v.items()})
                                          for k_, v in r.items() if k_ != "gt"} for r in results],
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
