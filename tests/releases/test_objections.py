"""Working-day deadlines and overdue marks of objections (releases/objections.py)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from liangjiadi.releases.objections import ObjectionRow, add_working_days, is_overdue

HOLIDAYS = {date(2026, 10, d) for d in range(1, 8)} | {date(2026, 1, 1)}


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), st.integers(min_value=1, max_value=40))
def test_the_deadline_is_the_nth_working_day(start, days):
    due = add_working_days(start, days, HOLIDAYS)
    assert due.weekday() < 5 and due not in HOLIDAYS
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(d.weekday() < 5 and d not in HOLIDAYS for d in between) == days


def test_open_objections_past_their_deadline_are_overdue_answered_ones_are_not():
    row = ObjectionRow(state="accepted", due_on=date(2026, 10, 16))
    assert not is_overdue(row, date(2026, 10, 16))
    assert is_overdue(row, date(2026, 10, 17))
    row.state = "answered"
    assert not is_overdue(row, date(2026, 10, 17))
