"""逻辑验证, 跟踪核心指标 and 比较分析 on hand-made figures."""

from __future__ import annotations

import pytest

from liangjiadi.analysis import (
    TrackedIndicator, compare, compare_periods, compare_regions, consistent, part_le_whole, parts_add_up,
    share_in_unit, to_arrow, track, track_series,
)

from . import handbuilt as hb
from .results_util import save


def test_logic_helpers():
    assert part_le_whole(90, 100) is None
    issue = part_le_whole(120, 100, subject="住院统筹基金支出")
    assert issue.rule == "part_le_whole" and "大于合计" in issue.message
    assert share_in_unit(1.02, subject="质控通过率").rule == "share_in_unit"
    assert share_in_unit(-0.01) is not None and share_in_unit(0.5) is None and share_in_unit(None) is None
    assert consistent(1000, 1000.5) is None  # within 0.1%
    assert consistent(1000, 1100).rule == "consistent"
    assert parts_add_up([300, 60], 360) is None
    assert parts_add_up([300, 60], 370).rule == "parts_add_up"


def test_track_absolute_band():
    spec = TrackedIndicator("29", lower=0.9, upper=1.0)
    s = track_series(spec, [("2025-01", 0.95), ("2025-02", 0.85), ("2025-03", None), ("2025-04", 0.97)], "质控通过率")
    assert [(f.period, f.side) for f in s.flags] == [("2025-02", "below")]
    assert not s.latest_out_of_band and "低于区间下限" in s.flags[0].message


def test_track_relative_band_needs_history():
    spec = TrackedIndicator("37", k_sigma=2.0)
    pts = [(f"2025-{m:02d}", v) for m, v in zip(range(1, 9), (100, 102, 98, 101, 99, 100, 130, 100))]
    s = track_series(spec, pts)
    # first six: mean 100, sd = sqrt(10/6) ≈ 1.29 -> 130 is above 102.6; the last band includes 130
    assert [f.period for f in s.flags] == ["2025-07"]
    assert s.flags[0].limit == pytest.approx(100 + 2 * (10 / 6) ** 0.5)


def test_track_from_stored_results(tmp_path):
    settings = hb.settings(tmp_path)
    for p, v in (("2025-05", 0.95), ("2025-06", 0.80)):
        save(tmp_path, hb.R, p, {("29", None): v})
    out = track(settings, "2025-06", months=2, tracked=[TrackedIndicator("29", lower=0.9)], compute_missing=False)
    assert out[0].name == "医保结算清单质控通过率" and out[0].latest_out_of_band
    assert to_arrow(out[0].flags).num_rows == 1
    assert to_arrow(out).num_rows == 1 and out[0].points[-1].value == pytest.approx(0.8)


def test_compare_and_deviation_from_mean():
    items = {i.key: i for i in compare({"甲": 110, "乙": 90, "丙": None}, {"甲": 100, "乙": 100})}
    assert items["甲"].difference == 10 and items["甲"].change == pytest.approx(0.1)
    assert items["甲"].vs_mean == pytest.approx(0.1) and items["乙"].vs_mean == pytest.approx(-0.1)
    assert items["丙"].current is None and items["丙"].change is None


def test_compare_periods_and_regions(tmp_path):
    settings = hb.settings(tmp_path)
    save(tmp_path, hb.R, "2024-06", {("42", None): 0.20, ("37", "A1"): 10000, ("37", "A2"): 8000})
    save(tmp_path, hb.R, "2025-06", {("42", None): 0.23, ("37", "A1"): 11000, ("37", "A2"): 8000})
    save(tmp_path, hb.O, "2025-06", {("42", None): 0.18})
    region = compare_periods(settings, "42", "2025-06", "2024-06")
    assert region[0].key == "region" and region[0].change == pytest.approx(0.15)
    inst = {i.key: i for i in compare_periods(settings, "37", "2025-06", "2024-06", institutions=True)}
    assert inst["A1"].change == pytest.approx(0.1) and inst["A2"].change == 0
    regs = {i.key: i for i in compare_regions(tmp_path, "42", "2025-06", [hb.R, hb.O])}
    assert regs[hb.R].vs_mean == pytest.approx(0.23 / 0.205 - 1)
