"""Indicator values over several periods, read from the stored results.

A period whose results were never stored (or lack the indicator) is computed on the fly with
`indicators.compute(..., save=False, only=[...])`: nothing partial is written, so a stored run
always stays a complete run. A period without any data in the lake is reported as missing
instead of being computed as zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .. import lake
from ..config import Settings
from ..indicators.results import load_results
from .common import Model, engine_for, region_of

SOURCE_CN = {"stored": "已存结果", "computed": "临时计算", "missing": "无数据"}


@dataclass(frozen=True)
class SeriesPoint(Model):
    period: str
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str | None = None
    source: str = "stored"  # stored | computed | missing


# Which lake table must hold the period before an indicator of a given source is computed.
SOURCE_TABLE = {"settlement": "setl_d", "platform": "setl_d", "fund_report": "fund_report", "external": "external"}


def has_period_data(workdir: Path, region: str, period: str, tables=("setl_d", "fund_report")) -> bool:
    return any((region, period) in set(lake.partitions(workdir, t)) for t in tables)


def indicator_meta(settings: Settings, indicator_id: str):
    """The registry entry of a built-in or local (地方特色) indicator."""
    from ..indicators import get, load_indicators

    load_indicators(settings)
    return get(indicator_id)


def _source_tables(settings: Settings, ids: list[str]) -> tuple[str, ...]:
    tables = set()
    for i in ids:
        try:
            src = indicator_meta(settings, i).source
        except Exception:  # noqa: BLE001 - an unknown id: let compute() name the problem
            return ("setl_d", "fund_report")
        tables.add(SOURCE_TABLE.get(src, src))
    return tuple(sorted(tables))


def period_results(settings: Settings, period: str, ids: list[str], *, engine=None,
                   compute_missing: bool = True, region: str | None = None) -> tuple[pa.Table | None, str]:
    """Results of `ids` for one period and where they came from (stored / computed / missing)."""
    region = region or region_of(settings)
    workdir = Path(settings.workdir)
    stored = load_results(workdir, region, period)
    have = set(stored["indicator_id"].to_pylist()) if stored is not None else set()
    lacking = [i for i in ids if i not in have]
    if not lacking:
        return _only(stored, ids), "stored"
    tables = _source_tables(settings, lacking)
    if "budget" in tables:  # budgets are stored by year, not by month: always computable
        tables = ("setl_d", "fund_report", "budget")
    if not compute_missing or not has_period_data(workdir, region, period, tables):
        return (_only(stored, ids) if stored is not None else None), ("stored" if stored is not None else "missing")
    from ..indicators import compute

    with engine_for(settings, engine) as eng:
        fresh = compute(period, settings, engine=eng, save=False, only=lacking)
    if stored is None:
        return fresh, "computed"
    return pa.concat_tables([_only(stored, ids), fresh.cast(stored.schema)]), "computed"


def _only(table: pa.Table, ids: list[str]) -> pa.Table:
    return table.filter(pc.is_in(table["indicator_id"], pa.array(ids, pa.string())))


def pick(table: pa.Table | None, indicator_id: str, fixmedins_code: str | None = None) -> dict | None:
    """The row of one indicator for the region (code None) or one institution."""
    if table is None:
        return None
    mask = pc.equal(table["indicator_id"], indicator_id)
    if fixmedins_code is None:
        mask = pc.and_(mask, pc.is_null(table["fixmedins_code"]))
    else:
        mask = pc.and_(mask, pc.equal(table["fixmedins_code"], fixmedins_code))
    rows = table.filter(mask).to_pylist()
    return rows[0] if rows else None


def indicator_series(settings: Settings, indicator_id: str, periods: list[str], *,
                     fixmedins_code: str | None = None, engine=None, compute_missing: bool = True) -> list[SeriesPoint]:
    """One indicator (region or one institution) for each of `periods`, oldest first."""
    return multi_series(settings, [indicator_id], periods, fixmedins_code=fixmedins_code, engine=engine,
                        compute_missing=compute_missing)[indicator_id]


def multi_series(settings: Settings, ids: list[str], periods: list[str], *, fixmedins_code: str | None = None,
                 engine=None, compute_missing: bool = True) -> dict[str, list[SeriesPoint]]:
    """Several indicators over the same periods; each period is read (or computed) once."""
    region = region_of(settings)
    out: dict[str, list[SeriesPoint]] = {i: [] for i in ids}
    eng = engine if engine is not None else _LazyEngine(settings)
    try:
        for period in periods:
            table, source = period_results(settings, period, ids, engine=eng, compute_missing=compute_missing,
                                           region=region)
            for iid in ids:
                row = pick(table, iid, fixmedins_code)
                if row is None:
                    note = "数据湖中没有该期数据" if source == "missing" else "该期没有此指标结果"
                    out[iid].append(SeriesPoint(period, None, None, None, note, "missing"))
                else:
                    out[iid].append(SeriesPoint(period, row["value"], row["numerator"], row["denominator"],
                                                row["note"], source))
    finally:
        if engine is None:
            eng.close()
    return out


class _LazyEngine:
    """Opens the engine only when a period really has to be computed."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._engine = None

    def __getattr__(self, name):
        if self._engine is None:
            from ..engine import open_engine

            self._engine = open_engine(self.settings)
        return getattr(self._engine, name)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
