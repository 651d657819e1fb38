"""Invariants of the results, for any set of valid sheets (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from liangjiadi.survey.questionnaire import check_sheet, load
from liangjiadi.survey.results import aggregate

Q = load()


@st.composite
def sheets(draw):
    unit = draw(st.sampled_from(Q.unit_types))
    level = None if unit in Q.no_level_for else draw(st.sampled_from((None, *Q.levels)))
    answers = {}
    for q in Q.questions:
        if not draw(st.booleans()):
            continue
        if q.kind == "single":
            answers[str(q.no)] = draw(st.sampled_from(sorted(q.options)))
        elif q.kind == "multi":
            answers[str(q.no)] = draw(st.lists(st.sampled_from(sorted(q.options)), min_size=1, unique=True))
        elif q.kind == "number":
            answers[str(q.no)] = str(draw(st.integers(0, 100)))
        else:
            answers[str(q.no)] = draw(st.text(min_size=1, max_size=5).filter(str.strip))
    return check_sheet(Q, unit, level, answers)


@settings(max_examples=60, deadline=None)
@given(st.lists(sheets(), max_size=25))
def test_counts_add_up_every_way(batch):
    result = aggregate(Q, batch)
    assert result["n"] == len(batch) == sum(result["groups"].values())
    for q in result["questions"]:
        assert q["answered"] + q["unanswered"] == len(batch)
        for o in q["options"]:
            assert sum(o["by_group"].values()) == o["count"] <= q["answered"]
        if q["kind"] == "single":
            assert sum(o["count"] for o in q["options"]) == q["answered"]
        if q["kind"] == "multi":
            assert sum(o["count"] for o in q["options"]) >= q["answered"]
        if q["number"] is not None and q["number"]["n"]:
            assert float(q["number"]["min"]) <= float(q["number"]["median"]) <= float(q["number"]["max"])


@settings(max_examples=40, deadline=None)
@given(st.lists(sheets(), max_size=10))
def test_the_order_of_the_sheets_does_not_matter(batch):
    assert aggregate(Q, batch) == aggregate(Q, list(reversed(batch)))
