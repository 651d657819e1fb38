"""neutralise_arrow gives what it gave before it stopped building Arrow values from Python
objects (issue 16: pyarrow imports pandas for those): the earlier code is the reference."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from liangjiadi.safe_output import DANGEROUS_PATTERN, NEUTRALISER, NUMBER_PATTERN, neutralise_arrow


def _reference(array):
    array = array.cast(pa.string())
    risky = pc.and_(pc.match_substring_regex(array, DANGEROUS_PATTERN),
                    pc.invert(pc.match_substring_regex(array, NUMBER_PATTERN)))
    risky = pc.and_(risky, pc.invert(pc.is_in(pc.utf8_trim_whitespace(array), pa.array(["-", "+"]))))
    prefixed = pc.binary_join_element_wise(pa.scalar(NEUTRALISER), array, "")
    return pc.if_else(pc.fill_null(risky, False), prefixed, array)


TEXT = st.one_of(st.none(), st.sampled_from(["-", "+", " - ", "=1+1", "@SUM(A1)", "-12.5", "+3", "\t=x", "　=x",
                                              "=", "", "-\n", "+-", "abc"]),
                 st.text(alphabet=" \t\r\n　=+-@.,0123456789eE%ab中", max_size=8))


@hsettings(max_examples=200, deadline=None)
@given(values=st.lists(TEXT, max_size=20))
def test_neutralise_arrow_is_unchanged(values):
    arr = pa.array(values, pa.string())
    assert neutralise_arrow(arr).to_pylist() == _reference(arr).to_pylist()
