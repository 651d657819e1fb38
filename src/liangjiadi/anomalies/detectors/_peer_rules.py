"""Peer comparison shared by the institution-level detectors of this package.

Peers are the other institutions of the same level group (三级/二级/一级及以下) that pass the
detector's minimum case count; the institution itself is left out of its own peer set so an
extreme value cannot widen the spread it is measured against. With fewer than MIN_PEERS peers
nothing is judged (the level group is too small to say what is normal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ...checks.model import Param
from ..stats import MIN_TESTS, benjamini_hochberg, bh_adjust, percentile_rank

MIN_PEERS = 4
MAD_TO_SD = 1.4826
TAIL_TRIM_Z = 2.0  # a one-sided comparison leaves peers beyond this z in the tested tail out of the reference


@dataclass(frozen=True)
class PeerPosition:
    median: float
    spread: float  # robust standard deviation (1.4826 × MAD, floored)
    z: float
    percentile: float  # share of peers at or below the value
    n_peers: int


def peer_position(value: float, peers: list[float], spread_floor: float, tail: str | None = None) -> PeerPosition | None:
    """The value's robust z among its peers. `tail` ("low" or "high") names the side a detector
    tests: the spread is then measured on the other side of the median only. Institutions that
    do the same thing sit together in the tested tail; counted in a symmetric MAD they widen
    the spread and hide each other (a third of a level group at half the usual ratio made the
    rest look ordinary), while the other side shows how far ordinary institutions vary."""
    arr = np.asarray([p for p in peers if p is not None and not math.isnan(p)], dtype=float)
    if arr.size < MIN_PEERS or value is None or math.isnan(value):
        return None
    med, spread = _centre_spread(arr, spread_floor, tail)
    if tail is not None:
        # peers that are themselves far out in the tested tail do not define what is usual:
        # one pass without them (the median too is pulled towards a crowded tail)
        z = (arr - med) / spread
        usual = arr[z > -TAIL_TRIM_Z] if tail == "low" else arr[z < TAIL_TRIM_Z]
        if MIN_PEERS <= usual.size < arr.size:
            med, spread = _centre_spread(usual, spread_floor, tail)
    return PeerPosition(med, spread, (value - med) / spread, percentile_rank(value, arr), int(arr.size))


def _centre_spread(arr: np.ndarray, spread_floor: float, tail: str | None) -> tuple[float, float]:
    med = float(np.median(arr))
    side = arr if tail is None else arr[arr >= med] if tail == "low" else arr[arr <= med]
    return med, max(MAD_TO_SD * float(np.median(np.abs(side - med))), spread_floor, 1e-12)


def leave_one_out(values: dict[str, float], groups: dict[str, str], code: str) -> list[float]:
    """Values of the other members of `code`'s group."""
    g = groups[code]
    return [v for c, v in values.items() if c != code and groups.get(c) == g]


def own_peer_set(n_peers: int, window: str = "近12个月") -> str:
    """How a finding says that its median is its own peer set's, not the report's peer tables'
    (those compare one period under the release's rule, docs/reports.md “同级比较口径”)."""
    return f"（本项检测的比较组：其他{n_peers}家机构{window}数据，与报告同级比较表口径不同）"


def normal_upper_p(z: float) -> float:
    return float(sps.norm.sf(z)) if not math.isnan(z) else 1.0


def binomial_upper_p(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Bin(n, p)."""
    if n <= 0:
        return 1.0
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(sps.binom.sf(k - 1, n, p))


def poisson_upper_p(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu)."""
    return float(sps.poisson.sf(k - 1, max(mu, 1e-12)))


def min_tests_param() -> Param:
    """The detectors' shared setting of stats.MIN_TESTS (why: see there)."""
    return Param(MIN_TESTS, "Benjamini-Hochberg 校正时检验数至少按此计（未做的检验按 p = 1 计）：检验很少的小地区，"
                            "单独一项点名也须 p ≤ FDR ÷ 此数（默认约 0.001），不因只做了两三项检验而放宽", "项")


def bh_keep(p_values: dict[str, float], alpha: float, min_tests: int = 1) -> set[str]:
    """Keys whose hypotheses survive Benjamini-Hochberg at false-discovery rate `alpha`, counting
    at least `min_tests` tests (stats.MIN_TESTS)."""
    keys = list(p_values)
    keep = benjamini_hochberg([p_values[k] for k in keys], alpha, min_tests)
    return {k for k, ok in zip(keys, keep) if ok}


def bh_adjusted(p_values: dict[str, float], min_tests: int = 1) -> dict[str, float]:
    """Benjamini-Hochberg adjusted p-values (q-values) by key, reported as evidence; at least
    `min_tests` tests counted (stats.MIN_TESTS)."""
    keys = list(p_values)
    return dict(zip(keys, bh_adjust([p_values[k] for k in keys], min_tests)))


def rounded(x: float | None, digits: int = 4) -> float | None:
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return None
    return round(float(x), digits)


def pct(x: float, digits: int = 1) -> str:
    """0.2315 -> '23.2%'."""
    return f"{x * 100:.{digits}f}%"


def share_below(percentile: float) -> str:
    """How many peers the value is below, for a sentence: '低于同级95%的机构' / '低于同级全部机构'."""
    return share_phrase(1 - percentile)


def share_above(percentile: float) -> str:
    """How many peers the value is above: '高于同级95%的机构' / '高于同级全部机构'."""
    return share_phrase(percentile)


def share_phrase(share: float) -> str:
    return "全部" if share >= 0.995 else f"{share * 100:.0f}%的"


def signed_pct(x: float, digits: int = 1) -> str:
    """0.389 -> '+38.9%', -0.2 -> '-20.0%'."""
    return f"{x * 100:+.{digits}f}%"


MIN_SAME_KIND = 5  # a level's institutions of one kind (综合/中医/专科/妇幼) form their own peer set from 5 up


def peer_sets(members: dict[str, tuple[str, str]]) -> dict[str, tuple[list[str], bool]]:
    """code -> (peer codes, same kind only?) for members {code: (level_group, kind)}.

    Where the level has at least MIN_SAME_KIND other institutions of the same kind they are the
    peers (a 专科 or 中医 hospital works differently); otherwise the whole level is."""
    out: dict[str, tuple[list[str], bool]] = {}
    for code, (level, kind) in members.items():
        same_level = [c for c, (lv, _) in members.items() if c != code and lv == level]
        same_kind = [c for c in same_level if members[c][1] == kind]
        if kind and len(same_kind) >= MIN_SAME_KIND and len(same_kind) < len(same_level):
            out[code] = (same_kind, True)
        else:
            out[code] = (same_level, False)
    return out
