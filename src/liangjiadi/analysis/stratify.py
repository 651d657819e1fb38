"""分层与归类: ABC (Pareto) classes of costs, the 二八法则 share, and cost bands of cases.

ABC rule: items sorted by amount, largest first; an item is class A while the cumulative share
of the items before it is below `a_cut` (default 80%: the item that crosses 80% is still A),
B while below `b_cut` (default 95%), C otherwise. 二八法则: the share of the total held by the
top 20% of items (rounded up to at least one item).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..config import Settings
from .common import Model, engine_for, fnum, region_of

A_CUT = 0.80
B_CUT = 0.95
TOP_FRACTION = 0.20
# Case cost bands in yuan (lower bounds); the last band is open-ended.
CASE_COST_BANDS = (0, 5_000, 10_000, 30_000, 100_000)


@dataclass(frozen=True)
class AbcItem(Model):
    key: str
    label: str
    amount: Decimal
    share: float
    cumulative_share: float
    abc_class: str
    rank: int


@dataclass(frozen=True)
class AbcClass(Model):
    abc_class: str
    items: int
    item_share: float
    amount: Decimal
    amount_share: float


@dataclass(frozen=True)
class AbcResult(Model):
    total: Decimal
    a_cut: float
    b_cut: float
    items: list[AbcItem] = field(default_factory=list)
    classes: list[AbcClass] = field(default_factory=list)
    top_fraction: float = TOP_FRACTION
    top_items: int = 0
    top_share: float | None = None  # 二八法则: share of the total held by the top 20% of items

    def item(self, key: str) -> AbcItem | None:
        return next((i for i in self.items if i.key == key), None)


def _dec(v) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v or 0))


def pareto_share(amounts: Mapping[str, object], top_fraction: float = TOP_FRACTION) -> tuple[int, float | None]:
    """(number of top items, their share of the total)."""
    vals = sorted((_dec(v) for v in amounts.values()), reverse=True)
    total = sum(vals, Decimal(0))
    if not vals or total == 0:
        return 0, None
    k = max(1, math.ceil(len(vals) * top_fraction - 1e-9))
    return k, fnum(sum(vals[:k], Decimal(0)) / total)


def abc_classify(amounts: Mapping[str, object], *, a_cut: float = A_CUT, b_cut: float = B_CUT,
                 labels: Mapping[str, str] | None = None, top_fraction: float = TOP_FRACTION) -> AbcResult:
    ordered = sorted(((str(k), _dec(v)) for k, v in amounts.items()), key=lambda kv: (-kv[1], kv[0]))
    total = sum((v for _, v in ordered), Decimal(0))
    items: list[AbcItem] = []
    before = Decimal(0)  # exact cumulative amount: 0.5 + 0.2 + 0.1 must equal 0.8, not 0.7999…
    a_amt, b_amt = total * Decimal(str(a_cut)), total * Decimal(str(b_cut))
    for rank, (k, v) in enumerate(ordered, 1):
        cls = "A" if before < a_amt else ("B" if before < b_amt else "C")
        before += v
        items.append(AbcItem(k, (labels or {}).get(k, k), v, fnum(v / total) if total else 0.0,
                             fnum(before / total) if total else 0.0, cls, rank))
    classes = []
    for cls in "ABC":
        members = [i for i in items if i.abc_class == cls]
        amt = sum((i.amount for i in members), Decimal(0))
        classes.append(AbcClass(cls, len(members), len(members) / len(items) if items else 0.0, amt,
                                fnum(amt / total) if total else 0.0))
    k, top = pareto_share(amounts, top_fraction)
    return AbcResult(total, a_cut, b_cut, items, classes, top_fraction, k, top)


@dataclass(frozen=True)
class Band(Model):
    lower: float
    upper: float | None
    cases: int
    case_share: float | None
    amount: Decimal
    amount_share: float | None


def band_distribution(amounts: Sequence[object], edges: Sequence[float] = CASE_COST_BANDS) -> list[Band]:
    """Cases and cost per amount band: how much of the spending the high-cost band holds."""
    vals = [_dec(v) for v in amounts]
    total = sum(vals, Decimal(0))
    out = []
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        inside = [v for v in vals if v >= Decimal(str(lo)) and (hi is None or v < Decimal(str(hi)))]
        amt = sum(inside, Decimal(0))
        out.append(Band(float(lo), float(hi) if hi is not None else None, len(inside),
                        len(inside) / len(vals) if vals else None, amt, fnum(amt / total) if total else None))
    return out


# ---- lake-backed inputs: inpatient cost of local institutions ------------------------------------


def _inpatient_cases(engine, settings: Settings, region: str, periods: Sequence[str]):
    s = engine.region_table("setl_d", settings, region, periods=periods)
    return s.filter(
        s.period.isin(list(periods)), s.fix_blng_admdvs.isin(settings.own_admdvs(region)),
        (s.vali_flag == "1") | s.vali_flag.isnull(),
        s.med_type.isin([str(x) for x in settings.inpatient_med_types]),
    )


def inpatient_cost_by(settings: Settings, periods: Sequence[str], by: str = "institution", *,
                      engine=None) -> dict[str, Decimal]:
    """住院医疗费用 (net medfee_sumamt, refunds netted) of local institutions in `periods`, by
    `institution`, DRG/DIP `group` (grp_code) or `adrg` (first three characters of grp_code)."""
    region = region_of(settings)
    with engine_for(settings, engine) as eng:
        s = _inpatient_cases(eng, settings, region, periods)
        if by == "institution":
            expr = s.group_by(key=s.fixmedins_code).aggregate(amount=s.medfee_sumamt.sum())
        else:
            lt = eng.region_table("setl_list", settings, region)
            lt = lt.select(l_setl_id=lt.setl_id, code=lt.grp_code.strip().upper())
            j = s.inner_join(lt, s.setl_id == lt.l_setl_id)
            j = j.filter(j.code.notnull() & (j.code != "") & ~j.code.startswith("QY") & (j.code != "0000"))
            key = j.code if by == "group" else j.code.substr(0, 3)
            expr = j.group_by(key=key).aggregate(amount=j.medfee_sumamt.sum())
        rows = eng.to_pyarrow(expr).to_pylist()
    return {r["key"]: _dec(r["amount"]) for r in rows if r["key"] is not None}


def case_costs(settings: Settings, periods: Sequence[str], *, engine=None) -> list[Decimal]:
    """Per-case 医疗费用 of non-refund inpatient settlements at local institutions."""
    region = region_of(settings)
    with engine_for(settings, engine) as eng:
        s = _inpatient_cases(eng, settings, region, periods)
        s = s.filter((s.refd_setl_flag == "0") | s.refd_setl_flag.isnull())
        col = eng.to_pyarrow(s.select(amount=s.medfee_sumamt))["amount"].to_pylist()
    return [_dec(v) for v in col]

