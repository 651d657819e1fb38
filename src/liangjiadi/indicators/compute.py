"""`compute(period, settings)`: every registered indicator for one period -> results table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .. import lake
from ..config import Settings, get_settings
from ..errors import IndicatorError
from ..limits import EngineMemoryError
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
        if not only:
            ctx.start_scans()
        inds = sorted(load_indicators(settings), key=sort_key)
        if only:
            inds = [i for i in inds if i.id in set(only)]
        fams = families(inds)
        cols: dict[str, list] = {name: [] for name in ("indicator_id", "fixmedins_code", "value", "numerator",
                                                       "denominator", "basis", "note")}
        for k, fam in enumerate(fams):
            if on_family:
                on_family(fam, k, len(fams))
            for ind in (i for i in inds if i.family == fam):
                try:
                    rows = compute_rows(ctx, ind)
                except (IndicatorError, EngineMemoryError):  # the latter: the run's, not the indicator's
                    raise
                except Exception as exc:  # noqa: BLE001 - name the indicator that failed
                    raise IndicatorError(f"计算指标 {ind.id}（{ind.name}）失败：{exc}") from exc
                cols["indicator_id"] += [ind.id] * len(rows)
                cols["basis"] += [ind.basis] * len(rows)
                for r in rows:
                    cols["fixmedins_code"].append(r.fixmedins_code)
                    cols["value"].append(r.value)
                    cols["numerator"].append(r.numerator)
                    cols["denominator"].append(r.denominator)
                    cols["note"].append(r.note if r.value is None else None)
        if on_family:
            on_family("", len(fams), len(fams))
        table = _results_table(cols, region, period, run_id, now)
        if save:
            save_results(Path(settings.workdir), region, period, table, run_id)
        return table
    finally:
        if own_engine:
            engine.close()


def _results_table(cols: dict[str, list], region: str, period: str, run_id: str, now: datetime) -> pa.Table:
    """The RESULT_SCHEMA table from the rows' columns (built column by column: a large city has
    tens of thousands of rows, and a dict per row cost more than the arithmetic)."""
    n = len(cols["indicator_id"])
    codes = pa.array(cols["fixmedins_code"], pa.string())
    data = {
        "admdvs": pa.repeat(pa.scalar(region, pa.string()), n),
        "period": pa.repeat(pa.scalar(period, pa.string()), n),
        "indicator_id": pa.array(cols["indicator_id"], pa.string()),
        "scope": pc.if_else(codes.is_null(), "region", "institution"),
        "fixmedins_code": codes,
        **{c: pa.array(cols[c], RESULT_SCHEMA.field(c).type) for c in ("value", "numerator", "denominator")},
        "basis": pa.array(cols["basis"], pa.string()),
        "note": pa.array(cols["note"], pa.string()),
        "run_id": pa.repeat(pa.scalar(run_id, pa.string()), n),
        "computed_at": pa.repeat(pa.scalar(now, RESULT_SCHEMA.field("computed_at").type), n),
    }
    return pa.Table.from_arrays([data[f.name] for f in RESULT_SCHEMA], schema=RESULT_SCHEMA)
