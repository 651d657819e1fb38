"""Tokens (issue 16: each distinct person number hashed once, with hashlib) give exactly the
reference HMAC of `token` for every value, in arrays and chunked arrays, NULL staying NULL."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from liangjiadi.ingest.pseudonym import Tokens, token

KEYS = [b"k" * 32, b"a-key-longer-than-one-sha256-block-" * 3]  # padded, and hashed first (RFC 2104)
VALUES = st.lists(st.one_of(st.none(), st.sampled_from(["P0001", "P0002", "人员 7", ""]), st.text(max_size=30)),
                  max_size=60)


@hsettings(max_examples=60, deadline=None)
@given(values=VALUES, key=st.sampled_from(KEYS), cut=st.integers(0, 60))
def test_tokens_equal_the_reference_hmac(values, key, cut):
    expected = [None if v is None else token(key, v) for v in values]
    assert Tokens(key).of(pa.array(values, pa.string())).to_pylist() == expected
    chunked = pa.chunked_array([pa.array(values[:cut], pa.string()), pa.array(values[cut:], pa.string())])
    assert Tokens(key).of(chunked).to_pylist() == expected


def test_an_empty_column_of_no_chunks_gives_no_tokens():
    """An empty staged file's column has no chunk at all (Table.from_batches of nothing)."""
    assert Tokens(KEYS[0]).of(pa.chunked_array([], pa.string())).to_pylist() == []


def test_another_key_gives_other_tokens():
    values = pa.array(["P0001", "P0002"])
    assert Tokens(KEYS[0]).of(values).to_pylist() != Tokens(b"x" * 32).of(values).to_pylist()


def test_a_value_is_hashed_once_per_load():
    """Tokens remembers what it hashed: the next month's file hashes only new persons
    (issue 16); the tokens stay the reference's, and NULL stays NULL."""
    key = KEYS[0]
    tokens = Tokens(key)
    first = tokens.of(pa.array(["P1", "P2", "P1", None]))
    assert tokens.hashed == 2
    second = tokens.of(pa.chunked_array([pa.array(["P2", "P3"]), pa.array([None, "P1"], pa.string())]))
    assert tokens.hashed == 3  # only P3 is new
    assert first.to_pylist() == [token(key, "P1"), token(key, "P2"), token(key, "P1"), None]
    assert second.to_pylist() == [token(key, "P2"), token(key, "P3"), None, token(key, "P1")]


def test_the_cache_is_bounded():
    tokens = Tokens(KEYS[0], cache_max=1)
    tokens.of(pa.array(["P1", "P2"]))
    assert tokens.of(pa.array(["P1", "P2"])).to_pylist() == [token(KEYS[0], "P1"), token(KEYS[0], "P2")]
    assert tokens.hashed == 3  # one of the two was remembered, the other hashed again
    assert len(tokens._known) == 1
