"""Monthly flow forecasts (income, expense) with a prediction interval, and their backtest.

Model by length of history (months of flows):
- ≥ 24: Holt-Winters exponential smoothing (statsmodels ExponentialSmoothing): additive trend,
  multiplicative seasonality of period 12 (additive when a month is ≤ 0, where a multiplicative
  season is undefined). Two full years are the least from which a season and a trend can be
  told apart.
- 6-23: Holt's linear trend with damping, no seasonality (one year cannot separate a season from
  noise); the result says so.
- 1-5: the mean of the months available, flat; the result says so.
Prediction interval: 1,000 simulated future paths (statsmodels `simulate`, residuals resampled
= bootstrap) for the smoothing models; normal draws around the mean for the flat fallback.
The interval is the 5th-95th percentile (90%) of the paths. Paths are kept so a caller can
combine them (balance = income − expense, path by path).

Baselines of the backtest: 同期朴素 (same month last year) and 同期朴素×趋势 (same month last year
× the ratio of the last 12 months to the 12 before).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .common import AnalysisError, Model

SEASON = 12
MIN_SEASONAL = 24
MIN_TREND = 6
REPETITIONS = 1000
INTERVAL = (5.0, 95.0)

METHOD_CN = {
    "holt_winters": "Holt-Winters 指数平滑（加法趋势、乘法季节，周期 12 个月）",
    "holt_winters_additive": "Holt-Winters 指数平滑（加法趋势、加法季节，周期 12 个月；有非正值月份）",
    "holt_damped": "Holt 阻尼趋势指数平滑（历史不足 24 个月，不含季节项）",
    "mean": "近月均值外推（历史不足 6 个月，仅作参考）",
}


@dataclass
class FlowForecast:
    method: str
    point: np.ndarray  # (horizon,)
    paths: np.ndarray  # (repetitions, horizon)
    history_months: int

    @property
    def lower(self) -> np.ndarray:
        return np.percentile(self.paths, INTERVAL[0], axis=0)

    @property
    def upper(self) -> np.ndarray:
        return np.percentile(self.paths, INTERVAL[1], axis=0)

    @property
    def note(self) -> str:
        return METHOD_CN[self.method]


def _fit_smoothing(y: np.ndarray, seasonal: str | None, damped: bool):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the optimiser; the fit is still usable
        model = ExponentialSmoothing(y, trend="add", damped_trend=damped, seasonal=seasonal,
                                     seasonal_periods=SEASON if seasonal else None,
                                     initialization_method="estimated")
        return model.fit()


def forecast_flow(history: Sequence[float], horizon: int = 12, *, repetitions: int = REPETITIONS,
                  seed: int = 20250) -> FlowForecast:
    """Forecast the next `horizon` months of a monthly flow (oldest first, no gaps)."""
    y = np.asarray([float(v) for v in history], dtype=float)
    if y.size == 0 or np.isnan(y).any():
        raise AnalysisError("预测需要连续、完整的月度数据", "检查基金报表是否有缺失月份")
    rng = np.random.default_rng(seed)
    if y.size >= MIN_SEASONAL:
        seasonal = "mul" if (y > 0).all() else "add"
        method = "holt_winters" if seasonal == "mul" else "holt_winters_additive"
        fit = _fit_smoothing(y, seasonal, damped=False)
    elif y.size >= MIN_TREND:
        method, fit = "holt_damped", _fit_smoothing(y, None, damped=True)
    else:
        mean = float(y.mean())
        sd = float(y.std(ddof=1)) if y.size > 1 else abs(mean) * 0.1
        point = np.full(horizon, mean)
        return FlowForecast("mean", point, rng.normal(mean, sd, size=(repetitions, horizon)), int(y.size))
    point = np.asarray(fit.forecast(horizon), dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = fit.simulate(horizon, anchor="end", repetitions=repetitions, error="add",
                             random_errors="bootstrap", random_state=rng)
    paths = np.asarray(paths, dtype=float).reshape(horizon, repetitions).T
    return FlowForecast(method, point, paths, int(y.size))


# ---- baselines and backtest -------------------------------------------------------------------


def seasonal_naive(history: Sequence[float], horizon: int = 12) -> np.ndarray:
    y = np.asarray(history, dtype=float)
    last = y[-SEASON:]
    return np.array([last[i % SEASON] for i in range(horizon)])


def seasonal_naive_trend(history: Sequence[float], horizon: int = 12) -> np.ndarray:
    y = np.asarray(history, dtype=float)
    base = seasonal_naive(y, horizon)
    if y.size < 2 * SEASON or y[-2 * SEASON:-SEASON].sum() == 0:
        return base
    return base * (y[-SEASON:].sum() / y[-2 * SEASON:-SEASON].sum())


def mape(actual: Sequence[float], predicted: Sequence[float]) -> float:
    a, p = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    ok = a != 0
    return float(np.mean(np.abs(p[ok] - a[ok]) / np.abs(a[ok])))


@dataclass(frozen=True)
class BacktestSeries(Model):
    name: str
    method: str
    mape_model: float
    mape_naive: float  # 同期朴素
    mape_naive_trend: float  # 同期朴素×趋势

    @property
    def beats_naive(self) -> bool:
        return self.mape_model < self.mape_naive


@dataclass(frozen=True)
class Backtest(Model):
    holdout: int
    train_months: int
    series: list[BacktestSeries] = field(default_factory=list)
    mean_mape_model: float = 0.0
    mean_mape_naive: float = 0.0
    mean_mape_naive_trend: float = 0.0

    @property
    def model_beats_naive(self) -> bool:
        return self.mean_mape_model < self.mean_mape_naive


def backtest_flows(flows: Mapping[str, Sequence[float]], holdout: int = 12) -> Backtest:
    """Hold out the last `holdout` months of each series, forecast them from the rest, and
    compare the MAPE of the model with the seasonal naive baselines."""
    out = []
    train_n = 0
    for name, values in flows.items():
        y = np.asarray(values, dtype=float)
        if y.size < holdout + SEASON:
            raise AnalysisError(f"回测序列 {name} 只有 {y.size} 个月，至少需要 {holdout + SEASON} 个月")
        train, test = y[:-holdout], y[-holdout:]
        train_n = train.size
        fc = forecast_flow(train, holdout, repetitions=50)
        out.append(BacktestSeries(name, fc.method, mape(test, fc.point), mape(test, seasonal_naive(train, holdout)),
                                  mape(test, seasonal_naive_trend(train, holdout))))
    k = len(out) or 1
    return Backtest(holdout, train_n, out, sum(s.mape_model for s in out) / k, sum(s.mape_naive for s in out) / k,
                    sum(s.mape_naive_trend for s in out) / k)
