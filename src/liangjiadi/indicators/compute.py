"""`compute(period, settings)`: every registered indicator for one period -> results table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from .. import lake
from ..config import Settings, get_settings
from ..errors import IndicatorError
from ..period import Period
from .context import Ctx
from .registry import FAMILIES, Indicator, Row, load_indicators, sort_key
from ..runs import new_run_id
from .results import RESULT_SCHEMA, save_results


def resolve_region(settings: Settings) -> str:
    if settings.region_admdvs:
        return settings.region_admdvs
    regions = set()
    for table in ("setl_d", "fund_report"):
        regions |= {a for a, _ in lake.partitions(Path(settings.workdir), table)}
    if len(regions) == 1:
        return regions.pop()
    if not regions:
        raise IndicatorError("数据湖中没有结算数据或基金报表，无法确定统筹地区",
                             "请先导入数据，或设置 region_admdvs（LJD_REGION_ADMDVS）")
    raise IndicatorError(f"数据湖中有多个统筹地区：{'、'.join(sorted(regions))}",
                         "请设置 region_admdvs（LJD_REGION_ADMDVS）指定本统筹地区")


def families(inds: list[Indicator]) -> list[str]:
    return [f for f in FAMILIES if any(i.family == f for i in inds)]


def compute_rows(ctx: Ctx, ind: Indicator) -> list[Row]:
    if ind.heading or ind.fn is None:
        return []
    rows = ind.fn(ctx)
    if ind.scope == "region":
        rows = [r for r in rows if r.fixmedins_code is None]
    elif ind.scope == "institution":
        rows = [r for r in rows if r.fixmedins_code is not None]
    return rows


def compute(
    period: str,
    settings: Settings | None = None,
    *,
    engine=None,
    run_id: str | None = None,
    save: bool = True,
    on_family: Callable[[str, int, int], None] | None = None,
    only: list[str] | None = None,
) -> pa.Table:
    """Compute all indicators of `period`; returns a RESULT_SCHEMA table (saved as a run
    under <workdir>/results unless save=False). `on_family(name, done, total)` reports progress."""
    settings = settings or get_settings()
    Period.parse(period)
    region = resolve_region(settings)
    own_engine = engine is None
    if own_engine:
        from ..engine import open_engine

        engine = open_engine(settings)
    run_id = run_id or new_run_id()
    now = datetime.now(timezone.utc)
    try:
        ctx = Ctx(engine, settings, period, region)
        inds = sorted(load_indicators(settings), key=sort_key)
        if only:
            inds = [i for i in inds if i.id in set(only)]
        fams = families(inds)
        records: list[dict] = []
        for k, fam in enumerate(fams):
            if on_family:
                on_family(fam, k, len(fams))
            for ind in (i for i in inds if i.family == fam):
                try:
                    rows = compute_rows(ctx, ind)
                except IndicatorError:
                    raise
                except Exception as exc:  # noqa: BLE001 - name the indicator that failed
                    raise IndicatorError(f"计算指标 {ind.id}（{ind.name}）失败：{exc}") from exc
                for r in rows:
                    records.append({
                        "admdvs": region,
                        "period": period,
                        "indicator_id": ind.id,
                        "scope": "region" if r.fixmedins_code is None else "institution",
                        "fixmedins_code": r.fixmedins_code,
                        "value": r.value,
                        "numerator": r.numerator,
                        "denominator": r.denominator,
                        "basis": ind.basis,
                        "note": r.note if r.value is None else None,
                        "run_id": run_id,
                        "computed_at": now,
                    })
        if on_family:
            on_family("", len(fams), len(fams))
        table = pa.Table.from_pylist(records, schema=RESULT_SCHEMA)
        if save:
            save_results(Path(settings.workdir), region, period, table, run_id)
        return table
    finally:
        if own_engine:
            engine.close()
