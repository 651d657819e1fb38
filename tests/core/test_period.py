import pytest
from hypothesis import given, settings, strategies as st

from liangjiadi.errors import ConfigError
from liangjiadi.period import Period, Window, span


def test_parse_shift_label():
    p = Period.parse("2025-01")
    assert str(p.shift(-1)) == "2024-12" and str(p.shift(13)) == "2026-02"
    assert p.label == "2025年1月"
    with pytest.raises(ConfigError):
        Period.parse("2025-13")


def test_windows():
    q4 = Window.parse("2025-Q4")
    assert q4.month_keys == ["2025-10", "2025-11", "2025-12"] and q4.label == "2025年第四季度"
    assert q4.previous().key == "2025-Q3" and Window.parse("2025-Q1").previous().key == "2024-Q4"
    assert Window.parse("2025-H2").month_keys[0] == "2025-07" and Window.parse("2025").label == "2025年度"
    assert len(Window.parse("2025").months) == 12 and Window.parse("2025").same_last_year().key == "2024"
    ytd = Period.parse("2025-03").year_to_date()
    assert ytd.month_keys == ["2025-01", "2025-02", "2025-03"] and ytd.same_last_year().last == Period(2024, 3)
    assert span("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]


@settings(deadline=None)
@given(st.integers(1990, 2100), st.integers(1, 12), st.integers(-500, 500))
def test_shift_round_trip(year, month, n):
    p = Period(year, month)
    assert p.shift(n).shift(-n) == p and Period.parse(str(p)) == p
