"""排序与分布: institutions ranked within peer groups, with the group's distribution.

Releases use `rank_with_fallback` (one peer rule for a document's tables and narrative, docs/reports.md
“同级比较口径”): an institution is compared within its level (医院等级, e.g. 三级甲等) when the level
has at least `min_members` eligible institutions, else within its level group (三级 / 二级 / 一级及以下),
else with every institution of the region; below that, no peer statistics at all. `min_members` is
the privacy threshold plus one (releases/suppression.py): every member is compared with at least
`threshold` others, so no statistic can be traced back to one or two named peers.

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
    basis: str | None = None  # level | level_group | region | none, rank_with_fallback only
    compared: list[str] = field(default_factory=list)  # levels whose institutions are compared in this set
    level_group: str | None = None  # the level group of the set (None for the whole region)


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
    level: str | None = None  # 医院等级 name (三级甲等 …; 未定级), rank_with_fallback only
    level_group: str | None = None  # 三级 / 二级 / 一级及以下, rank_with_fallback only
    basis: str | None = None  # level | level_group | region | none (too few institutions), rank_with_fallback only


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


REGION_SET = "全地区"
BASIS_ORDER = {"level": 0, "level_group": 1, "none": 1, "region": 2}
LEVEL_GROUP_ORDER = {"三级": 0, "二级": 1, "一级及以下": 2}


@dataclass(frozen=True)
class PeerChoice(Model):
    """Where one institution is compared: the set's label and how it was chosen."""

    label: str  # 三级甲等 / 三级 / 全地区
    basis: str  # level | level_group | region | none
    level: str
    level_group: str


def choose_peer_sets(levels: Mapping[str, str | None], eligible: set[str], min_members: int) -> dict[str, PeerChoice]:
    """code -> its peer set: level, else level group, else the region, each only with at least
    `min_members` eligible institutions; `none` (labelled with the level group) when even the
    region has fewer. `levels` maps codes to hosp_lv codes (None: 未定级)."""
    from ..schema.codes import HOSP_LV, level_group

    named = {c: (HOSP_LV.get(lv or "", "未定级"), level_group(lv)) for c, lv in levels.items()}
    by_level: dict[str, int] = defaultdict(int)
    by_group: dict[str, int] = defaultdict(int)
    for c in eligible:
        level, group = named[c]
        by_level[level] += 1
        by_group[group] += 1
    out = {}
    for c, (level, group) in named.items():
        if by_level[level] >= min_members:
            out[c] = PeerChoice(level, "level", level, group)
        elif by_group[group] >= min_members:
            out[c] = PeerChoice(group, "level_group", level, group)
        elif len(eligible) >= min_members:
            out[c] = PeerChoice(REGION_SET, "region", level, group)
        else:
            out[c] = PeerChoice(group, "none", level, group)
    return out


def rank_with_fallback(values: Mapping[str, object], levels: Mapping[str, str | None], *, min_members: int,
                       volumes: Mapping[str, object] | None = None, min_volume: float | None = DEFAULT_MIN_VOLUME,
                       descending: bool = True, names: Mapping[str, str | None] | None = None,
                       ) -> tuple[list[PeerStats], list[RankedInstitution]]:
    """Statistics per peer set in use and every institution ranked within its own set (module doc).

    A set's statistics cover all its eligible members (a 三级甲等 hospital with a set of its own still
    counts in the 三级 set that its level's smaller neighbours fall back to); its rows are the
    institutions compared in it. A `none` set carries its count only: no statistic, rank or percentile.
    """
    def small(c: str) -> bool:
        if volumes is None or min_volume is None:
            return False
        v = fnum(volumes.get(c))
        return v is None or v < min_volume

    eligible = {c for c in values if fnum(values[c]) is not None and not small(c)}
    choices = choose_peer_sets({c: levels.get(c) for c in values}, eligible, min_members)
    assigned: dict[str, list[str]] = defaultdict(list)
    for c, choice in choices.items():
        assigned[choice.label, choice.basis].append(c)

    def members(label: str, basis: str) -> list[str]:
        if basis == "level":
            return [c for c in eligible if choices[c].level == label]
        if basis in ("level_group", "none"):
            return [c for c in eligible if choices[c].level_group == label]
        return list(eligible)

    stats_out, ranked = [], []
    for (label, basis), codes in assigned.items():
        pool = sorted(set(members(label, basis)) | set(codes))
        stats, rows = rank_within_groups({c: values[c] for c in pool}, {c: label for c in pool}, volumes=volumes,
                                         min_volume=min_volume, descending=descending, names=names)
        compared = sorted({choices[c].level for c in codes}, key=_level_order)
        group = None if basis == "region" else choices[codes[0]].level_group
        s = stats[0]
        if basis == "none":  # too few to show anything about the others
            s = PeerStats(label, s.n, s.n_small, None, None, None, None, None, None)
        stats_out.append(PeerStats(s.group, s.n, sum(1 for c in codes if small(c)), s.minimum, s.q1, s.median, s.q3,
                                   s.maximum, s.mean, basis, compared, group))
        own = set(codes)
        for r in rows:
            if r.fixmedins_code not in own:
                continue
            choice = choices[r.fixmedins_code]
            if basis == "none":
                r = RankedInstitution(r.fixmedins_code, r.name, label, r.value, r.volume, r.small_volume, None, r.of,
                                      None, None, None)
            ranked.append(RankedInstitution(*[getattr(r, f) for f in (
                "fixmedins_code", "name", "group", "value", "volume", "small_volume", "rank", "of", "percentile",
                "vs_median", "quartile")], choice.level, choice.level_group, basis))
    stats_out.sort(key=_set_order)
    order = {(s.group, s.basis): i for i, s in enumerate(stats_out)}
    ranked.sort(key=lambda r: (order[r.group, r.basis], r.rank is None, r.rank or 0, r.fixmedins_code))
    return stats_out, ranked


def _level_order(level: str) -> str:
    from ..schema.codes import HOSP_LV

    return next((code for code, name in HOSP_LV.items() if name == level), "99")


def _set_order(s: PeerStats) -> tuple:
    """三级 sets first (its levels, then the level group), then 二级, 一级及以下; the region last."""
    group = LEVEL_GROUP_ORDER.get(s.level_group or "", 9)
    return group, BASIS_ORDER.get(s.basis or "", 3), _level_order(s.group), s.group


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
