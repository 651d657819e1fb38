"""A window's values — a quarter, a half-year, a year — from its months, one rule per indicator.

seeds/002 publishes the quarter in the quarterly report and the year in the annual notice; the
stored results are monthly. `window_results` turns the months' results (the month's numerator,
denominator and value, exact decimals) into the window's, by the indicator's rule
(registry.WINDOW_RULES, from the catalogue's basis, window and unit):

    cumulative / end / half   the value of the window's last month (year to date, stock, half-year)
    sum                       Σ of the months' values
    ratio                     Σ numerators × scale / Σ denominators
    growth                    Σ numerators of the window / Σ numerators of the window before − 1
    mixed_growth              41m's weighting of that growth (service.mixed_growth_rows)
    index                     43/44 recomputed by the engine over the window's grouped cases

Region and institution rows alike. A month without results makes the window's value absent
with a note naming it (never a partial sum).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pyarrow as pa

from ..period import Window, period_label
from .common import NOTE_ZERO
from .context import ZERO, Ctx, dec, div, q
from .registry import Indicator, Row
from .results import RESULT_SCHEMA

Key = tuple[str, str | None]  # (indicator id, institution code or None)
MonthRow = dict  # a RESULT_SCHEMA row as a dict


def _by_key(table: pa.Table) -> dict[Key, MonthRow]:
    out = {}
    for r in table.to_pylist():
        out[(r["indicator_id"], r["fixmedins_code"] if r["scope"] != "region" else None)] = r
    return out


def _months_cn(periods: list[str]) -> str:
    return "、".join(period_label(p) for p in periods)


def _sum(rows: list[MonthRow | None], months: list[str]) -> Row:
    missing = [m for m, r in zip(months, rows, strict=True) if r is None or r["value"] is None]
    if missing:
        notes = {r["note"] for r in rows if r is not None and r["value"] is None and r["note"]}
        if len(missing) == len(months) and len(notes) == 1:
            return Row(None, None, None, None, notes.pop())
        return Row(None, None, None, None, f"{_months_cn(missing)}无值，窗口合计无法计算")
    total = sum((dec(r["value"]) for r in rows), ZERO)
    return Row(None, q(total), None, q(total), None)


def _ratio(rows: list[MonthRow | None], months: list[str], scale: Decimal) -> Row:
    present = [r for r in rows if r is not None]
    lacking = [m for m, r in zip(months, rows, strict=True)
               if r is None or r["numerator"] is None or r["denominator"] is None]
    if lacking:
        notes = {r["note"] for r in present if r["note"]}
        if len(lacking) == len(months) and len(notes) == 1:
            return Row(None, None, None, None, notes.pop())
        return Row(None, None, None, None, f"{_months_cn(lacking)}缺少分子或分母，无法按窗口重算")
    num = sum((dec(r["numerator"]) for r in present), ZERO)
    den = sum((dec(r["denominator"]) for r in present), ZERO)
    if den == 0:
        return Row(None, q(num), q(den), None, NOTE_ZERO)
    return Row(None, q(num), q(den), div(num * scale, den), None)


def _numerators(rows: list[MonthRow | None]) -> Decimal | None:
    if any(r is None or r["numerator"] is None for r in rows):
        return None
    return sum((dec(r["numerator"]) for r in rows), ZERO)


def _growth(cur: Decimal | None, prev: Decimal | None, previous: Window) -> Row:
    if cur is None or prev is None:
        return Row(None, None, None, None, f"缺少{previous.label}或本窗口的出院人次，无法计算增长率")
    if prev == 0:
        return Row(None, q(cur), q(prev), None, "上一窗口出院人次为0，无法计算增长率")
    return Row(None, q(cur), q(prev), div(cur, prev) - 1, None)


def window_results(window: Window, monthly: dict[str, pa.Table], indicators: dict[str, Indicator], *,
                   level_of: Callable[[str], str] | None = None,
                   index_rows: Callable[[list[str]], dict[str, list[Row]]] | None = None) -> pa.Table:
    """The window's RESULT_SCHEMA table (period = the window's key) from `monthly` ({YYYY-MM:
    results}), which holds the window's months and, for growth rates, the window before.
    `index_rows(ids)` computes the grouped-case indices over the window (engine); `level_of`
    gives an institution's level group (41m)."""
    from .service import mixed_growth_rows

    months = window.month_keys
    previous = window.previous()
    end = months[-1]
    by_month = {p: _by_key(t) for p, t in monthly.items() if p in months or p in previous.month_keys}
    keys: dict[str, list[str | None]] = {}
    for p in months:
        for iid, code in by_month.get(p, {}):
            codes = keys.setdefault(iid, [])
            if code not in codes:
                codes.append(code)
    end_rows = by_month.get(end, {})
    template = next(iter(end_rows.values()), None)
    admdvs = template["admdvs"] if template else None
    run_id = template["run_id"] if template else None
    computed_at = template["computed_at"] if template else None
    records: list[dict] = []

    def emit(iid: str, row: Row, basis: str) -> None:
        records.append({"admdvs": admdvs, "period": window.key, "indicator_id": iid,
                        "scope": "region" if row.fixmedins_code is None else "institution",
                        "fixmedins_code": row.fixmedins_code, "value": row.value, "numerator": row.numerator,
                        "denominator": row.denominator, "basis": basis,
                        "note": row.note if row.value is None else None, "run_id": run_id,
                        "computed_at": computed_at})

    def series(iid: str, code: str | None, periods: list[str]) -> list[MonthRow | None]:
        return [by_month.get(p, {}).get((iid, code)) for p in periods]

    index_ids = [i for i in keys if (ind := indicators.get(i)) is not None and ind.window_rule == "index"]
    indexed = index_rows(index_ids) if index_rows and index_ids else {}
    for iid, codes in keys.items():
        ind = indicators.get(iid)
        rule = ind.window_rule if ind is not None else "end"
        basis = ind.basis if ind is not None else (end_rows.get((iid, None)) or {}).get("basis", "period")
        if rule == "index":
            rows = indexed.get(iid)
            if rows is None:
                rows = [Row(c, None, None, None, "未能按窗口重算（数据湖中缺少入组病例数据）") for c in codes]
            for r in rows:
                emit(iid, r, basis)
            continue
        if rule == "mixed_growth":
            cur = {c: _numerators(series(iid, c, months)) for c in codes if c}
            prev = {c: _numerators(series(iid, c, previous.month_keys)) for c in codes if c}
            known = [c for c in cur if cur[c] is not None and prev[c] is not None]
            for c in cur:
                if c not in known:  # e.g. an institution new since the window before
                    emit(iid, Row(c, None, None, None, f"缺少{previous.label}或本窗口的出院人次，无法计算增长率"), basis)
            for r in mixed_growth_rows(known, cur, prev, level_of or (lambda c: "")):
                emit(iid, r, basis)
            continue
        for code in codes:
            rows = series(iid, code, months)
            if rule in ("cumulative", "end", "half", "none"):
                r = rows[-1]
                if r is None:
                    row = Row(code, None, None, None, f"{period_label(end)}没有该值")
                else:
                    row = Row(code, r["numerator"], r["denominator"], r["value"], r["note"])
            elif rule == "sum":
                row = _sum(rows, months)
            elif rule == "ratio":
                row = _ratio(rows, months, ind.scale if ind is not None else Decimal(1))
            elif rule == "growth":
                row = _growth(_numerators(rows), _numerators(series(iid, code, previous.month_keys)), previous)
            else:
                raise ValueError(f"unknown window rule {rule}")
            emit(iid, Row(code, row.numerator, row.denominator, row.value, row.note), basis)
    return pa.Table.from_pylist(records, schema=RESULT_SCHEMA)


def index_rows_over(engine, settings, region: str, window: Window) -> Callable[[list[str]], dict[str, list[Row]]]:
    """43/44 (and any grouped-case index) over the window's months by the engine: the region's
    group means are the window's, not the months' (so not an average of monthly indices)."""
    from .compute import compute_rows
    from .registry import get

    def run(ids: list[str]) -> dict[str, list[Row]]:
        ctx = Ctx(engine, settings, str(window.last), region)
        ctx.months = window.month_keys
        return {i: compute_rows(ctx, get(i)) for i in ids}

    return run
