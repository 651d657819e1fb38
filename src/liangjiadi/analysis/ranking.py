"""排序与分布: institutions ranked within peer groups, with the group's distribution.

Peer group = level group 三级 / 二级 / 一级及以下 (fixmedins as of the period, the indicators'
rule), optionally split by kind (inst_kind 综合/专科/中医/妇幼/基层) — a specialist hospital's
per-case cost is not comparable with a general one's.

Small volumes: an institution whose volume (default: 出院人次, indicator 39, of the same
period) is below `min_volume` (default 30) is marked `small_volume`. Why 30: below about 30
cases one unusual case moves a per-case mean by several per cent, so the handbook's warning
("医院历史结算量过小会导致分析偏差") applies. Small institutions are kept in the list with their
percentile against the group but are left out of the group statistics and get no rank.

Statistics: median and quartiles by linear interpolation (numpy default); percentile = share of
eligible peers below (ties count half), 0-100; rank 1 = the largest value when `descending`
(ties share the best rank).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config import Settings
from ..indicators.institutions import institutions_as_of
from .common import Institution, Model, engine_for, fnum, percentile_rank, quantile, region_of
from .series import period_results

DEFAULT_MIN_VOLUME = 30


@dataclass(frozen=True)
class PeerStats(Model):
    group: str
    n: int  # eligible institutions (value present, volume ≥ minimum)
    n_small: int  # marked small-volume, not in the statistics
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None
    mean: float | None


@dataclass(frozen=True)
class RankedInstitution(Model):
    fixmedins_code: str
    name: str | None
    group: str
    value: float | None
    volume: float | None
    small_volume: bool
    rank: int | None  # within the group, among eligible institutions
    of: int  # eligible institutions in the group
    percentile: float | None  # 0-100 against the eligible peers
    vs_median: float | None  # value / group median − 1
    quartile: str | None  # 下四分位以下 / 中间 / 上四分位以上


@dataclass(frozen=True)
class PeerRanking(Model):
    indicator_id: str
    period: str
    descending: bool
    min_volume: float | None
    volume_indicator: str | None
    groups: list[PeerStats] = field(default_factory=list)
    institutions: list[RankedInstitution] = field(default_factory=list)

    def group(self, name: str) -> PeerStats | None:
        return next((g for g in self.groups if g.group == name), None)

    def institution(self, code: str) -> RankedInstitution | None:
        return next((r for r in self.institutions if r.fixmedins_code == code), None)


def rank_within_groups(values: Mapping[str, object], groups: Mapping[str, str], *,
                       volumes: Mapping[str, object] | None = None, min_volume: float | None = DEFAULT_MIN_VOLUME,
                       descending: bool = True, names: Mapping[str, str | None] | None = None,
                       ) -> tuple[list[PeerStats], list[RankedInstitution]]:
    """Pure ranking: {code: value}, {code: group}, optional {code: volume}."""
    members: dict[str, list[str]] = defaultdict(list)
    for code in values:
        members[groups.get(code, "未分组")].append(code)
    stats_out, ranked = [], []
    for group in sorted(members):
        codes = sorted(members[group])

        def small(c: str) -> bool:
            if volumes is None or min_volume is None:
                return False
            v = fnum(volumes.get(c))
            return v is None or v < min_volume

        eligible = [c for c in codes if fnum(values[c]) is not None and not small(c)]
        vals = [fnum(values[c]) for c in eligible]
        q1, med, q3 = (quantile(vals, q) for q in (0.25, 0.5, 0.75))
        stats_out.append(PeerStats(
            group, len(eligible), sum(1 for c in codes if small(c)),
            min(vals) if vals else None, q1, med, q3, max(vals) if vals else None,
            sum(vals) / len(vals) if vals else None,
        ))
        for c in codes:
            v = fnum(values[c])
            rank = None
            if c in eligible:
                better = sum(1 for x in vals if (x > v if descending else x < v))
                rank = better + 1
            pct = percentile_rank(v, vals) if v is not None else None
            vs = v / med - 1 if v is not None and med not in (None, 0) else None
            band = None
            if v is not None and q1 is not None:
                band = "下四分位以下" if v < q1 else ("上四分位以上" if v > q3 else "中间")
            ranked.append(RankedInstitution(
                c, (names or {}).get(c), group, v, fnum((volumes or {}).get(c)) if volumes is not None else None,
                small(c), rank, len(eligible), pct, vs, band,
            ))
    ranked.sort(key=lambda r: (r.group, r.rank is None, r.rank or 0, r.fixmedins_code))
    return stats_out, ranked


def peer_group(inst: Institution | None, by_kind: bool) -> str:
    from ..schema import level_group

    level = inst.level_group if inst else level_group(None)
    if by_kind:
        return f"{level}·{(inst.kind if inst and inst.kind else '未分类')}"
    return level


def peer_ranking(settings: Settings, indicator_id: str, period: str, *, volume_indicator: str | None = "39",
                 min_volume: float | None = DEFAULT_MIN_VOLUME, by_kind: bool = False, descending: bool = True,
                 engine=None, compute_missing: bool = True) -> PeerRanking:
    """Rank every institution's value of an indicator in `period` within its peer group."""
    from ..period import Period

    Period.parse(period)
    region = region_of(settings)
    ids = [indicator_id] + ([volume_indicator] if volume_indicator else [])
    with engine_for(settings, engine) as eng:
        table, _ = period_results(settings, period, ids, engine=eng, compute_missing=compute_missing, region=region)
        insts = institutions_as_of(eng, period, settings.own_admdvs(region))
    rows = table.to_pylist() if table is not None else []
    values = {r["fixmedins_code"]: r["value"] for r in rows
              if r["indicator_id"] == indicator_id and r["fixmedins_code"] is not None}
    volumes = None
    if volume_indicator:
        volumes = {r["fixmedins_code"]: r["value"] for r in rows
                   if r["indicator_id"] == volume_indicator and r["fixmedins_code"] is not None}
    groups = {c: peer_group(insts.get(c), by_kind) for c in values}
    names = {c: (insts[c].name if c in insts else None) for c in values}
    stats, ranked = rank_within_groups(values, groups, volumes=volumes, min_volume=min_volume if volumes else None,
                                       descending=descending, names=names)
    return PeerRanking(indicator_id, period, descending, min_volume if volumes else None, volume_indicator,
                       stats, ranked)
