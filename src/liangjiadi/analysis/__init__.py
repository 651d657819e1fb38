"""Analysis (钱 / 效 / 错 groundwork): the seven methods of the handbook §六(三), mixed growth,
the fund outlook with its forecast, and topic analyses (专题分析). Results are plain data models
(dataclasses with `to_dict()`); nothing here renders.

Modules: trend (趋势分析), ranking (排序与分布), tracking (跟踪核心指标), logic (逻辑验证),
structure (结构分析), comparison (比较分析), stratify (分层与归类), mixed_growth (混合增长率),
fund_outlook + forecast (基金运行与预测), topic (专题分析), series (results over periods).
"""

from .common import AnalysisError, Model, to_arrow, to_dict
from .comparison import ComparisonItem, compare, compare_periods, compare_regions
from .forecast import Backtest, BacktestSeries, FlowForecast, backtest_flows, forecast_flow
from .fund_outlook import FundBalance, FundForecast, FundOutlook, IncomeChannel, backtest_region, fund_outlook
from .logic import LogicIssue, consistent, part_le_whole, parts_add_up, share_in_unit
from .mixed_growth import MixedGrowth, discharge_mixed_growth, mixed_growth
from .ranking import DEFAULT_MIN_VOLUME, PeerRanking, PeerStats, RankedInstitution, peer_ranking, rank_within_groups
from .series import SeriesPoint, indicator_series, multi_series
from .stratify import AbcResult, abc_classify, band_distribution, case_costs, inpatient_cost_by, pareto_share
from .structure import Structure, StructureDrift, structure, structure_drift
from .topic import TopicAnalysis, TopicCandidate, coverage, suggest_topics, topic_analysis, topic_log
from .tracking import DEFAULT_TRACKED, TrackedIndicator, TrackedSeries, track, track_series
from .trend import Trend, TrendPoint, mom, series_trend, trend, yoy

__all__ = [
    "AnalysisError", "Model", "to_arrow", "to_dict",
    "ComparisonItem", "compare", "compare_periods", "compare_regions",
    "Backtest", "BacktestSeries", "FlowForecast", "backtest_flows", "forecast_flow",
    "FundBalance", "FundForecast", "FundOutlook", "IncomeChannel", "backtest_region", "fund_outlook",
    "LogicIssue", "consistent", "part_le_whole", "parts_add_up", "share_in_unit",
    "MixedGrowth", "discharge_mixed_growth", "mixed_growth",
    "DEFAULT_MIN_VOLUME", "PeerRanking", "PeerStats", "RankedInstitution", "peer_ranking", "rank_within_groups",
    "SeriesPoint", "indicator_series", "multi_series",
    "AbcResult", "abc_classify", "band_distribution", "case_costs", "inpatient_cost_by", "pareto_share",
    "Structure", "StructureDrift", "structure", "structure_drift",
    "TopicAnalysis", "TopicCandidate", "coverage", "suggest_topics", "topic_analysis", "topic_log",
    "DEFAULT_TRACKED", "TrackedIndicator", "TrackedSeries", "track", "track_series",
    "Trend", "TrendPoint", "mom", "series_trend", "trend", "yoy",
]
