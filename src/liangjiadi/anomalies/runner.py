"""`detect(period)`: run every registered detector and store the findings of the run.

Each detector runs on its own: one that cannot look (`NotEvaluated`) or fails is recorded as
not evaluated with its reason or error, and the others' findings are kept and saved. What
every detector examined is stored beside the findings (`<run_id>.coverage.json`, see
coverage.py); related findings at one institution are merged into one 线索 (merging.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..config import Settings, get_settings
from ..errors import LjdError
from ..limits import EngineMemoryError
from ..indicators import load_indicators, resolve_region
from ..period import Period
from ..runs import new_run_id, read_run, write_run
from .context import DetectContext
from .coverage import EVALUATED, FAILED, NOT_EVALUATED, Coverage, NotEvaluated, save_coverage
from .merging import merge_findings
from .model import FINDINGS_SCHEMA, Finding, findings_table, with_patterns_column


class DetectionError(LjdError):
    code = "LJD-DETECT"


@dataclass
class DetectionRun:
    run_id: str
    findings: pa.Table  # FINDINGS_SCHEMA, related findings merged into 线索
    coverage: list[Coverage]  # one per detector run, in run order


def run_detection(
    period: str,
    settings: Settings | None = None,
    *,
    engine=None,
    patterns: list[str] | None = None,
    save: bool = True,
    on_detector: Callable[[str, int, int], None] | None = None,
    overrides=None,
    merge: bool = True,
) -> DetectionRun:
    """Run the detectors in force (built-in and the region's own, switched-off ones left out)."""
    settings = settings or get_settings()
    Period.parse(period)
    load_indicators(settings)  # the region's local indicators: a broken file fails here as in compute
    region = resolve_region(settings)
    own = engine is None
    if own:
        from ..engine import open_engine

        engine = open_engine(settings)
    run_id = new_run_id()
    try:
        ctx = DetectContext(engine, settings, period, region, overrides=overrides)
        dets = [d for d in ctx.detectors.values() if (patterns and d.pattern in patterns) or
                (not patterns and d.enabled)]
        found: list[Finding] = []
        coverage: list[Coverage] = []
        for k, det in enumerate(dets):
            if on_detector:
                on_detector(det.pattern, k, len(dets))
            cov = Coverage(det.pattern, det.name)
            ctx.coverage = cov
            try:
                mine = list(det.fn(ctx))
                cov.findings = len(mine)
                found.extend(mine)
            except NotEvaluated as exc:
                cov.status, cov.reason = NOT_EVALUATED, exc.reason
                cov.note(**exc.facts)
            except EngineMemoryError:  # the whole run's condition, not the detector's: the command says it
                raise
            except LjdError as exc:  # an expected error (a table missing, bad data): say which
                cov.status, cov.reason = FAILED, _error_text(exc)
            except Exception as exc:  # noqa: BLE001 - one detector's bug must not lose the others' findings
                cov.status, cov.reason = FAILED, f"运行失败：{type(exc).__name__}: {exc}"
            finally:
                ctx.coverage = None
            if cov.status == EVALUATED and cov.findings == 0 and not cov.window and cov.institutions is None:
                cov.note(window="未记录")  # evaluated, but the detector did not say over what
            coverage.append(cov)
        if on_detector:
            on_detector("", len(dets), len(dets))
        table = findings_table(merge_findings(found) if merge else found, run_id)
        if save:
            path = write_run(settings.workdir, "findings", region, period, run_id, table)
            save_coverage(path.parent, run_id, coverage)
        return DetectionRun(run_id, table, coverage)
    finally:
        if own:
            engine.close()


def detect(period: str, settings: Settings | None = None, **kw) -> pa.Table:
    """The findings table of a new run (see run_detection for the run with its coverage)."""
    return run_detection(period, settings, **kw).findings


def _error_text(exc: LjdError) -> str:
    text = str(getattr(exc, "message", "") or exc)
    hint = getattr(exc, "hint", None)
    return f"运行失败：{text}" + (f"（{hint}）" if hint else "")


def load_findings(workdir: Path, admdvs: str, period: str, run_id: str | None = None) -> pa.Table | None:
    """The findings of one detection run (the newest when run_id is None), or None if never run."""
    table = read_run(workdir, "findings", admdvs, period, run_id)
    if table is None:
        return None
    return with_patterns_column(table).select(FINDINGS_SCHEMA.names).cast(FINDINGS_SCHEMA)
