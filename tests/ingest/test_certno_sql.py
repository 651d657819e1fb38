"""The SQL test for a resident ID number (plausibility.certno_sql) says exactly what a plain
Python reading of GB 11643 says: the shape (region, birth date, sequence) and the check digit
from the weighted sum of the first 17 digits. The sum is one lambda (issue 16: shorter SQL
to plan), so any slip in the weights or indices shows here."""

from __future__ import annotations

import re

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from liangjiadi.ingest.plausibility import CERTNO_RE, certno_check_char, certno_sql

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def is_certno(v: str | None) -> bool:
    if v is None or len(v) != 18 or not re.fullmatch(CERTNO_RE, v):
        return False
    return v[17].upper() == "10X98765432"[sum(int(d) * w for d, w in zip(v[:17], WEIGHTS)) % 11]


first17 = st.builds(lambda a, b, c, y, m, d, s: f"{a}{b:05d}{c}{y:02d}{m:02d}{d:02d}{s:03d}",
                    st.integers(1, 9), st.integers(0, 99999), st.sampled_from(["19", "20", "18"]),
                    st.integers(0, 99), st.integers(0, 13), st.integers(0, 32), st.integers(0, 999))
values = st.one_of(
    st.builds(lambda f, c: f + c, first17, st.sampled_from(list("0123456789Xx"))),  # right and wrong check digits
    st.builds(lambda f: f + certno_check_char(f), first17),
    st.text(alphabet="0123456789Xx -", min_size=16, max_size=19),
    st.none(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=40))
def test_sql_says_what_the_reference_says(vals):
    vals = vals + ["11010519491231002X"]  # at least one real number in every example
    con = duckdb.connect()
    got = [r[0] for r in con.execute(f"SELECT {certno_sql('v')} FROM unnest($1::VARCHAR[]) AS t(v)",
                                     [vals]).fetchall()]
    assert got == [is_certno(v) for v in vals]


def test_known_numbers():
    assert is_certno("11010519491231002X") and not is_certno("110105194912310021")
    con = duckdb.connect()
    sql = f"SELECT {certno_sql('v')} FROM unnest(['11010519491231002X', '110105194912310021', 'H001']) AS t(v)"
    assert [r[0] for r in con.execute(sql).fetchall()] == [True, False, False]
