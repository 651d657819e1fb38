"""bench/detection_quality.py's report: injections per cell, cells side by side, the goal marked
per cell, and "未检测" (never a count of zero) where every region's detector did not look."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from liangjiadi.anomalies.evaluate import PatternScore

BENCH = Path(__file__).resolve().parents[2] / "bench" / "detection_quality.py"


def _bench():
    spec = importlib.util.spec_from_file_location("detection_quality_bench", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _region(effect, seed, injected=0, detected=0, false=0, not_evaluated=None):
    s = PatternScore("readmission_15d", injected=injected, detected=detected, flagged=detected + false,
                     true=detected, false=false)
    return {"effect": effect, "seed": seed, "scores": {"readmission_15d": s}, "hospitals": 90, "findings": detected,
            "seconds": 1.0, "not_evaluated": not_evaluated or {}, "load_average": [3.0, 3.0, 3.0],
            "volumes": {"injected": 40, "tertiary": 45, "secondary": 14}}


def test_cells_side_by_side_with_goal_and_counts():
    b = _bench()
    full = [_region(1.0, s, injected=5, detected=5) for s in range(1, 5)] + [_region(None, 1)]
    short = [_region(1.0, s, injected=5, detected=4) for s in range(1, 3)] + [_region(None, 1, false=1)]
    young = [_region(1.0, 1, not_evaluated={"readmission_15d": "历史不足"})]
    md = b.side_by_side({("drg", 36): full, ("dip", 18): short, ("drg", 13): young}, 1.0)
    row = next(line for line in md.splitlines() if line.startswith("| `readmission_15d`"))
    cells = [c.strip() for c in row.split("|")[2:-1]]
    assert cells[0] == "20/20 · 20/20 · 无注入 0 ✓"
    assert cells[1].startswith("8/10 · 8/8 · 无注入 1") and "注入 10 < 20" in cells[1]
    assert cells[2] == "未检测"
    assert "DRG 36 个月 有注入 4 个、无注入 1 个" in md


def test_cell_section_names_injections_per_region_and_volumes():
    b = _bench()
    rs = [_region(1.0, s, injected=5, detected=5) for s in (1, 2)] + [_region(None, 1)]
    md = b.report(rs, [1.0], [1, 2], 0.12, 18, 60.0, 5.0, "python bench/detection_quality.py ...", "dip", k=5)
    assert "每个模式每个地区注入 5 家机构" in md and "1.00 (10/10)" in md
    assert "| s1 | 1 | 90 | 40 / 45 / 14 |" in md


def test_other_effects_side_by_side_without_goal_marks():
    b = _bench()
    cell = [_region(0.5, 1, injected=5, detected=3), _region(1.0, 1, injected=5, detected=5), _region(None, 1)]
    md = b.side_by_side({("drg", 18): cell}, 0.5, goal=False)
    row = next(line for line in md.splitlines() if line.startswith("| `readmission_15d`"))
    assert row.split("|")[2].strip() == "3/5 · 3/3 · 无注入 0"  # no ✓/✗, no "注入 5 < 20"
    assert "效应 0.5" in md and "此表不标达标与否" in md


def test_small_single_pattern_regions_count_for_their_pattern_only():
    b = _bench()
    assert b.parse_add_only("hospitalization_rate:5-20:0.03") == (("hospitalization_rate",), list(range(5, 21)), 0.03)
    hr = PatternScore("hospitalization_rate", injected=1, detected=1, flagged=1, true=1)
    wrong = PatternScore("readmission_15d", flagged=1, false=1)  # a false naming in the small region
    small = b.restrict_to_only(dict(_region(1.0, 5), hospitals=24, scores={"hospitalization_rate": hr,
                                                                          "readmission_15d": wrong}),
                               ("hospitalization_rate",))
    assert set(small["scores"]) == {"hospitalization_rate"} and small["other_false"] == {"readmission_15d": 1}
    grid = [_region(1.0, s, injected=5, detected=5) for s in (1, 2)] + [_region(None, 1)]
    md = b.side_by_side({("dip", 24): grid + [dict(small, seed=5)]}, 1.0)
    row = next(line for line in md.splitlines() if line.startswith("| `readmission_15d`"))
    assert row.split("|")[2].strip().startswith("10/10 · 10/10 · 无注入 0")  # its false naming kept apart
    assert "有注入 2 个（另有只注入 hospitalization_rate 的小地区 1 个）" in md
    sec = b.report(grid + [dict(small, seed=5)], [1.0], [1, 2], 0.12, 24, 1.0, 1.0, "cmd", "dip", k=5)
    assert "其他检测器点名的未注入机构（不计入上表）：`readmission_15d` 1" in sec
    assert "| s5 | 1（只注入 hospitalization_rate） | 24 |" in sec
