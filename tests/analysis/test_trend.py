"""趋势分析: MoM / YoY on hand-made values, series read from stored results or computed."""

from __future__ import annotations

import pytest

from liangjiadi.analysis import indicator_series, mom, series_trend, trend, yoy
from liangjiadi.analysis.trend import direction
from liangjiadi.period import span

from . import handbuilt as hb
from .results_util import save


def test_mom_and_yoy():
    v = {"2024-06": 80, "2025-05": 90, "2025-06": 100}
    assert mom(v, "2025-06") == pytest.approx(100 / 90 - 1)
    assert yoy(v, "2025-06") == pytest.approx(0.25)
    assert mom(v, "2024-06") is None  # no 2024-05
    assert mom({"2025-05": 0, "2025-06": 5}, "2025-06") is None  # previous 0: no rate


def test_series_trend_with_cumulative_flows():
    values = {"2024-12": 1200, "2025-01": 100, "2025-02": 210, "2025-03": 330}
    t = series_trend("1", values, ["2025-01", "2025-02", "2025-03"], basis="cumulative")
    assert [p.month_flow for p in t.points] == [100, 110, 120]  # January = its cumulative figure
    assert t.points[2].mom == pytest.approx(330 / 210 - 1)
    assert t.direction == "上升" and t.latest.period == "2025-03"


def test_direction():
    assert direction([100, 100.1, 99.9, 100])[0] == "平稳"
    assert direction([100, 90, 80, 70])[0] == "下降"
    assert direction([1, None])[0] == "数据不足"


def test_trend_from_stored_results(tmp_path):
    settings = hb.settings(tmp_path)
    months = span("2024-04", "2025-06")
    for i, p in enumerate(months):
        save(tmp_path, hb.R, p, {("36", None): 1000 + 10 * i, ("36", "A1"): 500 + i})
    t = trend(settings, "36", "2025-06", months=3, compute_missing=False)
    assert [p.period for p in t.points] == ["2025-04", "2025-05", "2025-06"]
    last = t.points[-1]
    assert last.value == 1140  # 1000 + 10 × 14
    assert last.mom == pytest.approx(1140 / 1130 - 1)
    assert last.yoy == pytest.approx(1140 / 1020 - 1)  # 2024-06 is index 2
    assert t.name == "住院总费用" and t.unit == "yuan"
    inst = trend(settings, "36", "2025-06", months=2, fixmedins_code="A1", compute_missing=False)
    assert [p.value for p in inst.points] == [513, 514]


def test_missing_periods_are_computed_or_reported(tmp_path):
    settings = hb.build(tmp_path)
    pts = indicator_series(settings, "39", ["2025-01", "2025-02", "2023-01"])
    # 2025-01: local insured inpatient discharges at local institutions: C001, C008 (cases) = 2
    assert pts[0].source == "computed" and pts[0].value == 2
    # 2025-02: C002, C005, C012 and N1 (FR25) = 4
    assert pts[1].value == 4
    assert pts[2].source == "missing" and pts[2].value is None
    # nothing partial was stored
    assert not (tmp_path / "results").exists()


def test_a_period_is_computed_only_where_its_source_table_has_data(tmp_path):
    settings = hb.build(tmp_path)
    # 2024-06 has a fund report but no settlements
    fund = indicator_series(settings, "2", ["2024-06"])[0]
    assert fund.source == "computed" and fund.value == 600  # employee income 100 × 6
    setl = indicator_series(settings, "39", ["2024-06"])[0]
    assert setl.source == "missing" and setl.value is None
