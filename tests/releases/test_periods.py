import pytest

from liangjiadi.errors import ConfigError
from liangjiadi.releases import parse_period


@pytest.mark.parametrize("kind, period, key, source, label", [
    ("monthly", "2025-03", "2025-03", "2025-03", "2025年3月"),
    ("quarterly", "2025-Q1", "2025-Q1", "2025-03", "2025年第一季度"),
    ("quarterly", "2025-q4", "2025-Q4", "2025-12", "2025年第四季度"),
    ("quarterly", "2025-06", "2025-Q2", "2025-06", "2025年第二季度"),  # the quarter's last month
    ("annual", "2025", "2025", "2025-12", "2025年度"),
    ("annual", "2025-12", "2025", "2025-12", "2025年度"),
    ("topic", "2025-Q1-糖尿病", "2025-Q1-糖尿病", "2025-03", "2025年第一季度专题（糖尿病）"),
    ("topic", "2025-05", "2025-05", "2025-05", "2025年5月专题"),
])
def test_periods_normalise_and_name_the_month_they_freeze(kind, period, key, source, label):
    p = parse_period(kind, period)
    assert (p.key, p.source_period, p.label) == (key, source, label)


@pytest.mark.parametrize("kind, period, words", [
    ("monthly", "2025-3", "YYYY-MM"),
    ("quarterly", "2025-05", "不是季末月份"),
    ("annual", "2025-06", "YYYY"),
    ("weekly", "2025-03", "未知的发布类型"),
])
def test_bad_periods_are_refused_in_chinese(kind, period, words):
    with pytest.raises(ConfigError) as err:
        parse_period(kind, period)
    assert words in str(err.value)


def test_topic_name_from_option():
    assert parse_period("topic", "2025", topic="DRG结算").key == "2025-DRG结算"


@pytest.mark.parametrize("period, months", [
    ("2025-Q1-糖尿病", ["2025-01", "2025-02", "2025-03"]),
    ("2025-Q4", ["2025-10", "2025-11", "2025-12"]),
    ("2025-05", ["2025-05"]),
    ("2025-DRG结算", [f"2025-{m:02d}" for m in range(1, 13)]),
])
def test_a_topic_release_analyses_its_own_window(period, months):
    """Issue 9: the topic report covers the release's window (a quarter's three months), not the
    year to date of its last month."""
    from liangjiadi.period import Window
    from liangjiadi.releases.model import topic_window_key

    assert Window.parse(topic_window_key(parse_period("topic", period).key)).month_keys == months
