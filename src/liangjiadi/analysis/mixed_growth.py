"""混合增长率 (handbook: "增长率×权重") for institutions whose small volume distorts a growth rate.

Weight (the same rule as indicator 41m, which this module reuses for 出院人次):
    w_i = min(1, previous_i / mean(previous of every institution in i's level group))
    mixed growth_i = growth_i × w_i,   growth_i = current_i / previous_i − 1
The group mean includes institutions with a previous value of 0. An institution at least as
large as its group's average keeps its growth unchanged; a small one has it scaled down in
proportion to its size, so 2 → 6 discharges (+200%) does not rank above a real surge.

`mixed_growth` works for any volume (cases of a DRG group, 门诊人次 ...); `discharge_mixed_growth`
reads the stored 41 / 41m results instead of recomputing them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import Settings
from ..indicators.institutions import institutions_as_of
from .common import Model, engine_for, fnum, level_of, region_of
from .series import period_results


@dataclass(frozen=True)
class MixedGrowth(Model):
    fixmedins_code: str
    group: str
    current: float | None
    previous: float | None
    growth: float | None
    weight: float | None
    mixed_growth: float | None
    source: str = "computed"  # computed | 41m (read from the stored indicator)
    note: str | None = None


def mixed_growth(current: Mapping[str, object], previous: Mapping[str, object],
                 groups: Mapping[str, str]) -> list[MixedGrowth]:
    """Mixed growth of every institution in `current` ∪ `previous` (absent = 0)."""
    codes = sorted(set(current) | set(previous))
    prev_by_group: dict[str, list[float]] = defaultdict(list)
    for c in codes:
        prev_by_group[groups.get(c, "未分组")].append(fnum(previous.get(c)) or 0.0)
    out = []
    for c in codes:
        g = groups.get(c, "未分组")
        cur, prev = fnum(current.get(c)) or 0.0, fnum(previous.get(c)) or 0.0
        if prev == 0:
            out.append(MixedGrowth(c, g, cur, prev, None, None, None, note="上期为0，无法计算增长率"))
            continue
        mean = sum(prev_by_group[g]) / len(prev_by_group[g])
        w = min(1.0, prev / mean)
        gr = cur / prev - 1
        out.append(MixedGrowth(c, g, cur, prev, gr, w, gr * w))
    return out


def discharge_mixed_growth(settings: Settings, period: str, *, engine=None) -> list[MixedGrowth]:
    """出院人次混合增长率 of every institution from the stored indicators 41 and 41m."""
    region = region_of(settings)
    with engine_for(settings, engine) as eng:
        table, _ = period_results(settings, period, ["41", "41m"], engine=eng, region=region)
        insts = institutions_as_of(eng, period, settings.own_admdvs(region))
    rows = table.to_pylist() if table is not None else []
    plain = {r["fixmedins_code"]: r for r in rows if r["indicator_id"] == "41" and r["fixmedins_code"]}
    out = []
    for r in (r for r in rows if r["indicator_id"] == "41m" and r["fixmedins_code"]):
        code = r["fixmedins_code"]
        g = fnum(plain[code]["value"]) if code in plain else None
        m = fnum(r["value"])
        # 41m = 41 × w, so the weight is their ratio; when growth is 0 the weight is not identifiable
        w = (m / g if g not in (None, 0) and m is not None else None)
        out.append(MixedGrowth(code, level_of(insts, code), fnum(r["numerator"]), fnum(r["denominator"]), g, w, m,
                               "41m", r["note"]))
    return sorted(out, key=lambda x: x.fixmedins_code)
