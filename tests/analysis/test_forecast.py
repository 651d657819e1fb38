"""The forecast: model choice by history length, intervals, and the backtest on a generated
region (36 months, the last 12 held out) where the model must beat the seasonal naive baseline.

The figures of docs/analysis.md come from `test_backtest_beats_seasonal_naive` (same config)."""

from __future__ import annotations

import numpy as np
import pytest

from liangjiadi.analysis import backtest_flows, backtest_region, forecast_flow
from liangjiadi.analysis.common import AnalysisError
from liangjiadi.analysis.forecast import mape, seasonal_naive, seasonal_naive_trend
from liangjiadi.config import Settings
from liangjiadi.ingest import ingest_paths
from liangjiadi.synth import SynthConfig, generate

BACKTEST_CONFIG = SynthConfig(scale=0.02, months=36, seed=1, faults=False)


def _seasonal(n: int, noise: float = 0.0, seed: int = 3) -> np.ndarray:
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return (1000 + 8 * t) * (1 + 0.1 * np.cos(2 * np.pi * t / 12)) + rng.normal(0, noise, n)


def test_model_by_history_length():
    assert forecast_flow(_seasonal(30), 12, repetitions=50).method == "holt_winters"
    assert forecast_flow(_seasonal(12), 12, repetitions=50).method == "holt_damped"
    assert forecast_flow(_seasonal(4), 12, repetitions=50).method == "mean"
    y = _seasonal(30)
    y[5] = -1.0  # a non-positive month rules out multiplicative seasonality
    assert forecast_flow(y, 6, repetitions=50).method == "holt_winters_additive"
    with pytest.raises(AnalysisError):
        forecast_flow([], 12)


def test_interval_contains_point_and_widens():
    fc = forecast_flow(_seasonal(36, noise=20), 12, repetitions=400)
    assert fc.paths.shape == (400, 12)
    assert np.all(fc.lower <= fc.point + 1e-6) and np.all(fc.point <= fc.upper + 1e-6)
    assert (fc.upper - fc.lower)[-1] > (fc.upper - fc.lower)[0]


def test_baselines_and_mape():
    y = np.arange(1, 25, dtype=float)
    assert list(seasonal_naive(y, 3)) == [13, 14, 15]
    assert seasonal_naive_trend(y, 1)[0] == pytest.approx(13 * y[12:].sum() / y[:12].sum())
    assert mape([100, 200], [110, 180]) == pytest.approx(0.1)


def test_backtest_on_a_clean_seasonal_series():
    y = _seasonal(36, noise=5)
    bt = backtest_flows({"x": y}, holdout=12)
    assert bt.train_months == 24 and bt.series[0].method == "holt_winters"
    assert bt.series[0].beats_naive and bt.mean_mape_model < 0.02
    with pytest.raises(AnalysisError):
        backtest_flows({"short": y[:20]})


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("backtest")
    generate(BACKTEST_CONFIG, root / "data")
    settings = Settings(workdir=root / "work", region_admdvs=BACKTEST_CONFIG.region, pseudonym_key="test-key-padded-to-at-least-32-bytes")
    ingest_paths([root / "data" / "fund_report.csv"], settings)
    return settings


def test_backtest_beats_seasonal_naive(generated):
    bt = backtest_region(generated, "2025-12")
    assert bt.holdout == 12 and bt.train_months == 24
    assert [s.name for s in bt.series] == ["职工医保收入", "职工医保支出", "居民医保收入", "居民医保支出"]
    assert all(s.method == "holt_winters" for s in bt.series)
    assert bt.model_beats_naive, bt
    assert bt.mean_mape_model < bt.mean_mape_naive
    print(f"\nMAPE model {bt.mean_mape_model:.4f} naive {bt.mean_mape_naive:.4f} "
          f"naive×trend {bt.mean_mape_naive_trend:.4f}")
    for s in bt.series:
        print(f"  {s.name}: model {s.mape_model:.4f} naive {s.mape_naive:.4f} naive×trend {s.mape_naive_trend:.4f}")
