"""Small statistics used by detectors: peer position, robust spread, tests, multiple testing."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def percentile_rank(value: float, peers: Sequence[float]) -> float:
    """Share of peers at or below `value`, in [0, 1] (mid-rank for ties)."""
    arr = np.asarray([p for p in peers if p is not None and not math.isnan(p)], dtype=float)
    if arr.size == 0:
        return float("nan")
    below = np.sum(arr < value)
    equal = np.sum(arr == value)
    return float((below + 0.5 * equal) / arr.size)


def robust_z(value: float, peers: Sequence[float]) -> float:
    """(value - median) / (1.4826 * MAD); a spread floor avoids infinite scores on flat peers."""
    arr = np.asarray([p for p in peers if p is not None and not math.isnan(p)], dtype=float)
    if arr.size < 3:
        return float("nan")
    med = float(np.median(arr))
    mad = 1.4826 * float(np.median(np.abs(arr - med)))
    floor = max(abs(med) * 0.05, 1e-9)
    return (value - med) / max(mad, floor)


def two_proportion_z(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float]:
    """z statistic and one-sided p-value that p1 > p0 (pooled), for a share shift."""
    if n1 == 0 or n0 == 0:
        return float("nan"), 1.0
    p = (x1 + x0) / (n1 + n0)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    if se == 0:
        return float("nan"), 1.0
    z = (x1 / n1 - x0 / n0) / se
    return z, 0.5 * math.erfc(z / math.sqrt(2))


# Benjamini-Hochberg bounds the share of false namings among the namings, so where nothing is
# wrong it names someone with probability alpha however few tests ran: with 2 tests p = 0.025
# names a hospital, and a small region (20-odd hospitals, a handful of tests per detector) saw a
# chance naming from one detector or another in most runs. A detector with the Param
# `min_tests` therefore counts at least MIN_TESTS tests (the missing ones as unremarkable,
# p = 1): a lone naming needs p <= alpha / MIN_TESTS (0.001 at FDR 5%) whatever the region's
# size; with MIN_TESTS or more tests (a city's hospitals and groups) nothing changes. Used by
# upcoding_severity, basic_groups_in_tertiary and low_standard_admission, whose injected
# findings keep p far below 0.001; not (yet) by upcoding_diagnosis, whose 18-month year-over-year
# window (six months) leaves true findings at p ~ 0.006 in about 30 tests.
MIN_TESTS = 50


def benjamini_hochberg(p_values: Sequence[float], alpha: float, min_tests: int = 1) -> list[bool]:
    """Which hypotheses to reject at false-discovery rate `alpha` (controls the many tests run),
    counting at least `min_tests` tests (the ones not run as p = 1, see MIN_TESTS): the step-up
    rule is exactly "adjusted p-value <= alpha", so it is read off `bh_adjust`."""
    return [q <= alpha for q in bh_adjust(list(p_values), min_tests)]


def bh_adjust(p_values: list[float], min_tests: int = 1) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in input order; at least `min_tests`
    tests counted, the ones not run as p = 1 (MIN_TESTS: why a small region needs it)."""
    n = len(p_values)
    if n == 0:
        return []
    m = max(n, int(min_tests))
    order = sorted(range(n), key=lambda i: p_values[i])
    q = [1.0] * n
    running = 1.0
    for rank in range(n, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = min(1.0, running)
    return q
