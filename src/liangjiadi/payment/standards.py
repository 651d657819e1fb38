"""Payment standards (支付标准): 病种分值 / RW from history or the catalogue, the 预算点值, and the
dynamic-adjustment list (6.3.3, 7.1 of seeds/004; formulas of spec/calibration.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .config import PaymentConfig
from .model import Case

W4 = Decimal("0.0001")
ZERO = Decimal(0)


def w4(x: Decimal) -> Decimal:
    with localcontext() as c:
        c.prec = 60
        return x.quantize(W4, rounding=ROUND_HALF_UP)


@dataclass
class Adjustment:
    grp_code: str
    current: Decimal
    proposed: Decimal
    cases: int
    change: Decimal  # proposed / current - 1


@dataclass
class Standards:
    weights: dict[str, Decimal]  # group -> 分值 (DIP) or RW (DRG), 4 decimals
    source: dict[str, str]  # group -> "history" / "catalog"
    cost_per_point: Decimal | None  # 预算点值: weighted 住院总费用 / weighted Σ(分值 × 病例数)
    reference_years: dict[int, Decimal] = field(default_factory=dict)  # year -> weight used
    basic_groups: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)


def _grouped(cases: list[Case]) -> list[Case]:
    return [c for c in cases if c.grp_code]


def _means(cases: list[Case]) -> tuple[dict[str, Decimal], dict[str, int], Decimal | None]:
    """(group mean cost, group cases, mean cost of all grouped cases) of one year."""
    tot: dict[str, Decimal] = {}
    n: dict[str, int] = {}
    for c in _grouped(cases):
        tot[c.grp_code] = tot.get(c.grp_code, ZERO) + c.cost
        n[c.grp_code] = n.get(c.grp_code, 0) + 1
    with localcontext() as ctx:
        ctx.prec = 60
        means = {g: tot[g] / n[g] for g in tot}
        total = sum(tot.values(), ZERO)
        count = sum(n.values())
        return means, n, (total / count if count else None)


def build(history: dict[int, list[Case]], year_weights: dict[int, Decimal], catalog: dict[str, Decimal],
          cfg: PaymentConfig, catalog_basic: set[str] | None = None) -> Standards:
    """Standards for a year from its reference years' cases (`history`: year -> cases) with their
    weights, or from the catalogue (`catalog`: group -> weight).

    History: mean_g = Σ_y w_y·mean_gy / Σ_{y with g} w_y; mean = Σ_y w_y·mean_y / Σ_y w_y;
    分值 / RW = mean_g / mean (4 decimals). A group without history takes the catalogue weight.
    预算点值 = Σ_y w_y·Σcost_y / Σ_y w_y·Σ_g(分值_g × n_gy).
    """
    notes: list[str] = []
    used = {y: w for y, w in year_weights.items() if _grouped(history.get(y, [])) and w > 0}
    weights: dict[str, Decimal] = {}
    source: dict[str, str] = {}
    per_year = {y: _means(history[y]) for y in used}
    if cfg.standards_source == "history" and used:
        with localcontext() as ctx:
            ctx.prec = 60
            w_all = sum(used.values(), ZERO)
            overall = sum((used[y] * per_year[y][2] for y in used), ZERO) / w_all
            groups = sorted({g for y in used for g in per_year[y][0]})
            for g in groups:
                ys = [y for y in used if g in per_year[y][0]]
                wg = sum((used[y] for y in ys), ZERO)
                mean_g = sum((used[y] * per_year[y][0][g] for y in ys), ZERO) / wg
                weights[g] = w4(mean_g / overall)
                source[g] = "history"
    elif cfg.standards_source == "history":
        notes.append("参考年度没有入组病例，病种分值/权重取分组目录")
    for g, w in catalog.items():
        if g not in weights:
            weights[g] = w4(Decimal(w))
            source[g] = "catalog"
    cost_per_point = None
    if used:
        with localcontext() as ctx:
            ctx.prec = 60
            cost = sum((used[y] * sum((c.cost for c in _grouped(history[y])), ZERO) for y in used), ZERO)
            points = sum((used[y] * sum((weights.get(c.grp_code, ZERO) for c in _grouped(history[y])), ZERO)
                          for y in used), ZERO)
            cost_per_point = cost / points if points else None
    basic = frozenset(catalog_basic or set()) | frozenset(cfg.basic_groups)
    return Standards(weights, source, cost_per_point, used, basic, notes)


def adjustments(standards: Standards, cases: list[Case], cfg: PaymentConfig) -> list[Adjustment]:
    """Groups whose cost this year moved beyond the threshold (6.3.3 动态调整): this year's
    mean_g / mean of all cases against the standard, with at least `adjustment_min_cases` cases."""
    means, n, overall = _means(cases)
    out = []
    if not overall:
        return out
    with localcontext() as ctx:
        ctx.prec = 60
        for g in sorted(means):
            cur = standards.weights.get(g)
            if not cur or n[g] < cfg.adjustment_min_cases:
                continue
            proposed = w4(means[g] / overall)
            change = proposed / cur - 1
            if abs(change) > cfg.adjustment_threshold:
                out.append(Adjustment(g, cur, proposed, n[g], w4(change)))
    return out


def reference_weights(year: int, cfg: PaymentConfig) -> dict[int, Decimal]:
    """The reference years of `year` with their weights: the last len(weights) years, oldest first."""
    ws = cfg.reference_weights
    return {year - len(ws) + i: w for i, w in enumerate(ws)}
