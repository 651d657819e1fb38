"""Every number in a generated sentence is a value of the report model (after the report's
unit conversion and rounding): the narrative never invents or computes a figure."""

from __future__ import annotations

import re

import pyarrow.parquet as pq
import pytest

from liangjiadi.anomalies.model import Finding, findings_table
from liangjiadi.runs import run_dir
from liangjiadi.releases import create_release
from liangjiadi.releases.store import dispose_engines
from liangjiadi.reports import build as B
from liangjiadi.reports import narrative as N
from liangjiadi.reports.source import load_source

REGION, PERIOD = "140400", "2025-03"
NUMBER = re.compile(r"(?<![\dA-Za-z.])(-?\d[\d,]*(?:\.\d+)?)(亿元|万元|元|%|个百分点)?")
DATES = re.compile(r"\d{4}年(?:第\d季度|\d{1,2}月|度)?")


NAME_KEYS = {"name", "pattern_name", "institution_name", "region_name"}


def _numbers(node, out: list[float], strings: list[str]) -> None:
    """Numeric leaves (and list lengths) of a model dump; names are collected apart."""
    if isinstance(node, bool):
        return
    if isinstance(node, (int, float)):
        out.append(float(node))
    elif isinstance(node, dict):
        out.extend(float(v) for v in node.values() if isinstance(v, int) and not isinstance(v, bool))
        strings.extend(v for k, v in node.items() if k in NAME_KEYS and isinstance(v, str))
        for v in node.values():
            _numbers(v, out, strings)
    elif isinstance(node, (list, tuple)):
        out.append(float(len(node)))
        for v in node:
            _numbers(v, out, strings)


def _matches(x: float, unit: str | None, values: list[float]) -> bool:
    x = abs(x)
    for v in values:
        v = abs(v)
        if unit == "亿元" and round(v / 1e8, 2) == x:
            return True
        if unit == "万元" and round(v / 1e4, 2) == x:
            return True
        if unit == "元" and round(v, 2) == x:
            return True
        if unit in ("%", "个百分点") and (round(v * 100, 2) == x or round(v, 2) == x):
            return True
        if unit is None and any(round(v, d) == x for d in (0, 1, 2, 4)):
            return True
    return False


def assert_numbers_traceable(sentences: list[str], model) -> int:
    values, strings = [], []
    _numbers(model.model_dump(), values, strings)
    named = sorted({s for s in strings if re.search(r"\d", s)}, key=len, reverse=True)
    checked = 0
    for sentence in sentences:
        text = DATES.sub("", sentence)
        for name in named:  # indicator, pattern and institution names may hold digits (12个月动态结余)
            text = text.replace(name, "")
        for match in NUMBER.finditer(text):
            x = float(match.group(1).replace(",", ""))
            assert _matches(x, match.group(2), values), f"{match.group(0)} 不来自报告模型：{sentence}"
            checked += 1
    return checked


@pytest.fixture
def release(stored_region):
    rows = [Finding(pattern="readmission_15d", period=PERIOD, severity="medium", fixmedins_code="H001",
                    message="第一人民医院15天内再入院比例高于同级机构。", evidence={"own": 0.12})]
    out = run_dir(stored_region.workdir, "findings", REGION, PERIOD)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(findings_table(rows, "F1"), out / "F1.parquet")
    monthly = create_release("monthly", PERIOD, stored_region, creator="测试")
    quarterly = create_release("quarterly", "2025-Q1", stored_region, creator="测试")
    yield stored_region, monthly.release_id, quarterly.release_id
    dispose_engines()


def test_monthly_and_institution_sentences(release):
    settings, monthly, _ = release
    src = load_source(monthly, settings, region_name="示例市")
    push = B.monthly_push(src)
    assert assert_numbers_traceable(push.analysis, push) > 10
    for code in src.hospitals:
        inst = B.institution_push(src, code)
        assert_numbers_traceable(inst.analysis, inst)


def test_quarterly_and_annual_sentences(release):
    settings, _, quarterly = release
    src = load_source(quarterly, settings)
    report = B.quarterly_report(src)
    text = report.fund_text + report.payment_text + report.key_text + report.findings_text + report.feedback_text
    assert assert_numbers_traceable(text, report) > 10
    notice = B.annual_notice(src)
    assert_numbers_traceable([t for texts in notice.text.values() for t in texts], notice)


def test_topic_sentences(release):
    settings, monthly, _ = release
    src = load_source(monthly, settings)
    analysis = {
        "kind": "adrg", "code": "EJ1", "name": "呼吸系统其他手术", "months": ["2025-01", "2025-03"],
        "current": {"cases": 120, "total_cost": "3456789.12", "per_case_cost": 28806.58, "median_case_cost": 25000.0},
        "last_year": {"cases": 100, "total_cost": "2800000.00", "per_case_cost": 28000.0, "median_case_cost": 24000.0},
        "cases_yoy": 0.2, "per_case_cost_yoy": 0.0288, "subgroups": {"items": []},
        "benchmarks": [{"level_group": "三级", "value": 23000.0, "rule": "同级第25百分位", "institutions": 4}],
        "institutions": [], "top10": [], "bottom10": [], "notes": [],
    }
    topic = B.topic_report(src, analysis)
    assert assert_numbers_traceable(topic.analysis, topic) >= 6


def test_formats():
    assert N.money(123_456_789.0) == "1.23亿元"
    assert N.money(12_345.0) == "1.23万元"
    assert N.money(99.5) == "99.50元"
    assert N.pct(0.12345) == "12.35%"
    assert N.fmt_change("percent", -0.0166) == "下降1.66个百分点"
    assert N.fmt_change("amount", 0.2467) == "增长24.67%"
    assert N.period_cn("2025-03") == "2025年3月"
    assert N.period_cn("2025-Q1") == "2025年第一季度"


def test_the_checker_catches_an_invented_number(release):
    settings, monthly, _ = release
    push = B.monthly_push(load_source(monthly, settings))
    with pytest.raises(AssertionError):
        assert_numbers_traceable(["收入合计同比增长97.31%。"], push)
