"""43/44's per-institution sums Σ x_hg * (N_g / X_g), done in Arrow decimal256
(`service._products_by_institution`), against the exact rational sums worked out with Fraction:
the same to far below the results' 1e-10, whatever the magnitudes, signs and nulls."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from liangjiadi.indicators.context import EXACT, dec
from liangjiadi.indicators.service import _products_by_institution

CODES = ["H1", "H2", "H3", "H4"]
GROUPS = ["A1", "B2", "C3"]


def _ratios(t: pa.Table, n_col: str, x_col: str):
    """N_g / X_g per group at 60 digits (None: X_g = 0), and each row's group number, as `_index` makes them."""
    g_of = pc.dictionary_encode(t["grp_code"]).combine_chunks().indices
    groups = len(pc.unique(t["grp_code"]))
    n_sum, x_sum = [0] * groups, [Decimal(0)] * groups
    for g, n, x in zip(g_of.to_pylist(), t[n_col].to_pylist(), t[x_col].to_pylist()):
        n_sum[g] += n or 0
        x_sum[g] += dec(x)
    return [EXACT.divide(Decimal(n), x) if x != 0 else None for n, x in zip(n_sum, x_sum)], g_of


def _exact(t: pa.Table, n_col: str, x_col: str, per_g, g_of) -> tuple[dict, dict]:
    num, den = defaultdict(Fraction), defaultdict(int)
    for code, g, n, x in zip(t["fixmedins_code"].to_pylist(), g_of.to_pylist(), t[n_col].to_pylist(),
                             t[x_col].to_pylist()):
        if not n or per_g[g] is None:
            continue
        num[code] += Fraction(dec(x)) * Fraction(per_g[g])
        den[code] += n
    return dict(num), dict(den)


rows = st.lists(st.tuples(
    st.sampled_from(CODES), st.sampled_from(GROUPS), st.integers(0, 500),
    st.one_of(st.none(), st.decimals(min_value=-10**9, max_value=10**11, places=2, allow_nan=False,
                                     allow_infinity=False)),
    st.one_of(st.none(), st.integers(0, 10**7)),
), min_size=0, max_size=40)


@settings(max_examples=150, deadline=None)
@given(rows)
def test_sums_equal_the_exact_rational_ones(data):
    t = pa.table({
        "fixmedins_code": pa.array([r[0] for r in data], pa.string()),
        "grp_code": pa.array([r[1] for r in data], pa.string()),
        "n": pa.array([r[2] for r in data], pa.int64()),
        "cost": pa.array([r[3] for r in data], pa.decimal128(38, 2)),
        "days": pa.array([r[4] for r in data], pa.int64()),
    })
    for x_col in ("cost", "days"):  # money with 2 decimals, and whole days
        per_g, g_of = _ratios(t, "n", x_col)
        num, den = _products_by_institution(t, "n", x_col, per_g, g_of)
        want_num, want_den = _exact(t, "n", x_col, per_g, g_of)
        assert den == want_den
        assert set(num) == set(want_num)
        for code, v in num.items():
            # each ratio rounded past its 40th significant digit at worst: far below 1e-10 after / den
            assert abs(Fraction(v) - want_num[code]) <= Fraction(1, 10**25) * (1 + abs(want_num[code])), code


def test_no_group_with_a_ratio_gives_nothing():
    t = pa.table({"fixmedins_code": ["H1"], "n": pa.array([3], pa.int64()), "cost": pa.array([None], pa.decimal128(38, 2))})
    assert _products_by_institution(t, "n", "cost", [None], pa.array([0], pa.int32())) == ({}, {})
