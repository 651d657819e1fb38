"""Running the 复核 rules on a period's results: every rule runs, every failure is kept."""

from __future__ import annotations

import traceback
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from ..config import Settings, get_settings
from ..errors import LjdError
from ..limits import EngineMemoryError
from ..indicators.results import RESULT_SCHEMA, load_results
from ..runs import latest_run, new_run_id, regions_with_runs
from .catalogue import Catalogue, load_catalogue
from .context import CheckContext
from .frequency import publishable_ids
from .model import VIOLATION, CheckSpec, Outcome, Severity, Status
from ..period import Period, period_label
from .registry import default_overrides_path, load_checks
from .report import CheckReport


class NoResultsError(LjdError):
    code = "LJD-CHK-NORESULTS"


class RegionUnknownError(LjdError):
    code = "LJD-CHK-REGION"


def resolve_region(settings: Settings, period: str, admdvs: str | None = None,
                   results: pa.Table | None = None, purpose: str = "复核") -> str:
    """The region to check: given, in the results, configured, or the only one with results."""
    if admdvs:
        return admdvs
    if results is not None and results.num_rows and "admdvs" in results.column_names:
        found = {a for a in results["admdvs"].to_pylist() if a}
        if len(found) == 1:
            return found.pop()
    if settings.region_admdvs:
        return settings.region_admdvs
    found = regions_with_runs(Path(settings.workdir), "results", period)
    if len(found) == 1:
        return found[0]
    if not found:
        raise NoResultsError(
            f"工作目录 {settings.workdir} 中没有{period_label(period)}的计算结果，无法{purpose}。",
            f"请先运行 liangjiadi compute --period {period}",
        )
    raise RegionUnknownError(f"工作目录中有多个统筹地区的计算结果：{'、'.join(found)}",
                             f"请用 --admdvs 指定要{purpose}的统筹地区")


def run_checks(period: str, settings: Settings | None = None, results: pa.Table | None = None, *,
               admdvs: str | None = None, results_run_id: str | None = None,
               overrides: Path | str | dict | None = None, only: list[str] | None = None,
               catalogue: Catalogue | None = None, save: bool = True) -> CheckReport:
    """Run every enabled rule on the period's results and return (and store) the report.

    `results` defaults to the newest stored run of the period (or `results_run_id`);
    `overrides` defaults to `<workdir>/checks.yaml` when that file exists.
    """
    Period.parse(period)
    settings = settings or get_settings()
    workdir = Path(settings.workdir)
    catalogue = catalogue or load_catalogue(settings)  # first: a broken local indicator file fails here
    region = resolve_region(settings, period, admdvs, results)
    if results is None:
        results = load_results(workdir, region, period, results_run_id)
        if results is None:
            raise NoResultsError(
                f"统筹地区 {region} 没有{period_label(period)}的计算结果，无法复核。",
                f"请先运行 liangjiadi compute --period {period}",
            )
        if results_run_id is None:
            results_run_id = latest_run(workdir, "results", region, period)
    elif results_run_id is None and results.num_rows and "run_id" in results.column_names:
        results_run_id = results["run_id"][0].as_py()
    if overrides is None and default_overrides_path(workdir).exists():
        overrides = default_overrides_path(workdir)
    specs = load_checks(overrides, known_indicators={m.id for m in catalogue})
    ctx = CheckContext(period=period, admdvs=region, settings=settings, catalogue=catalogue,
                       results_table=_conform(results), results_run_id=results_run_id)
    check_run_id = new_run_id()
    checked_at = datetime.now(timezone.utc)
    rows: list[dict] = []
    try:
        for spec in specs.values():
            if not spec.enabled or (only and spec.check_id not in only):
                continue
            base = {"admdvs": region, "period": period, "check_run_id": check_run_id,
                    "results_run_id": results_run_id, "check_id": spec.check_id, "check_title": spec.title,
                    "severity": spec.severity.value, "note": spec.note, "checked_at": checked_at}
            rows += [dict(base, **r) for r in _run_one(spec, ctx)]
    finally:
        ctx.close()
    report = CheckReport(admdvs=region, period=period, check_run_id=check_run_id,
                         results_run_id=results_run_id, checked_at=checked_at, rows=rows,
                         publishable_ids=_publishable(period, catalogue, ctx))
    if save:
        report.save(workdir)
    return report


def _conform(results: pa.Table) -> pa.Table:
    """Add missing optional columns; keep the value columns' own types (a float NaN must survive)."""
    for f in RESULT_SCHEMA:
        if f.name not in results.column_names:
            results = results.append_column(f.name, pa.nulls(results.num_rows, f.type))
    return results


def _publishable(period: str, catalogue: Catalogue, ctx: CheckContext) -> list[str]:
    ids = publishable_ids(period, catalogue)
    local = sorted(set(ctx.results["indicator_id"]) - set(catalogue.indicators))
    return ids + local  # a local indicator without catalogue metadata is published monthly


def _run_one(spec: CheckSpec, ctx: CheckContext) -> list[dict]:
    try:
        outcomes = list(spec.func(ctx, **spec.param_values()))
    except EngineMemoryError:  # the whole run's condition, not the rule's: the command says it
        raise
    except Exception as exc:  # noqa: BLE001 - a broken rule is reported, the others still run
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return [_row(spec, Outcome(Status.ERROR, "CHECK_CRASHED",
                                   f"规则“{spec.title}”运行出错：{type(exc).__name__}: {exc}"
                                   f"（{Path(where.filename).name}:{where.lineno}）"))]
    rows = [_row(spec, o) for o in outcomes if o.status != Status.PASS]
    n_pass = sum(1 for o in outcomes if o.status == Status.PASS)
    if n_pass:
        tail = "其余" if rows else "全部"
        rows.append(_row(spec, Outcome(Status.PASS, "OK", f"“{spec.title}”共比较 {len(outcomes)} 项，{tail} {n_pass} 项通过。",
                                       observed=f"{n_pass} 项通过", observed_value=float(n_pass))))
    if not outcomes:
        rows.append(_row(spec, Outcome(Status.NOT_APPLICABLE, "NOTHING_TO_CHECK",
                                       f"“{spec.title}”在{ctx.period_label}没有可比较的数据。")))
    return rows


def _row(spec: CheckSpec, o: Outcome) -> dict:
    status = o.status
    if status == VIOLATION:
        status = Status.FAIL if spec.severity == Severity.ERROR else Status.WARN
    return {
        "status": Status(status).value,
        "reason_code": o.reason_code,
        "indicator_ids": ",".join(o.indicator_ids) or None,
        "fixmedins_code": o.fixmedins_code,
        "observed": o.observed or None,
        "observed_value": o.observed_value,
        "expected": o.expected or None,
        "threshold": o.threshold or spec.threshold_text(),
        "message": o.message,
    }
