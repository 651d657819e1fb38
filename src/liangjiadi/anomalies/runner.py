"""`detect(period)`: run every registered detector and store the findings of the run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..config import Settings, get_settings
from ..errors import LjdError
from ..indicators import resolve_region
from ..indicators.context import validate_period
from ..indicators.results import new_run_id
from .context import DetectContext
from .model import FINDINGS_SCHEMA, Finding, findings_table
from .registry import all_detectors


class DetectionError(LjdError):
    code = "LJD-DETECT"


def findings_dir(workdir: Path, admdvs: str, period: str) -> Path:
    return Path(workdir) / "findings" / admdvs / period


def detect(
    period: str,
    settings: Settings | None = None,
    *,
    engine=None,
    patterns: list[str] | None = None,
    save: bool = True,
    on_detector: Callable[[str, int, int], None] | None = None,
) -> pa.Table:
    settings = settings or get_settings()
    validate_period(period)
    region = resolve_region(settings)
    own = engine is None
    if own:
        from ..engine import open_engine

        engine = open_engine(settings)
    run_id = new_run_id()
    try:
        ctx = DetectContext(engine, settings, period, region)
        dets = [d for d in all_detectors() if not patterns or d.pattern in patterns]
        found: list[Finding] = []
        for k, det in enumerate(dets):
            if on_detector:
                on_detector(det.pattern, k, len(dets))
            try:
                found.extend(det.fn(ctx))
            except LjdError:
                raise
            except Exception as exc:  # noqa: BLE001 - name the detector that failed
                raise DetectionError(f"检测器 {det.pattern}（{det.name}）运行失败：{exc}") from exc
        if on_detector:
            on_detector("", len(dets), len(dets))
        table = findings_table(found, run_id)
        if save:
            out = findings_dir(settings.workdir, region, period)
            out.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, out / f"{run_id}.parquet")
        return table
    finally:
        if own:
            engine.close()


def load_findings(workdir: Path, admdvs: str, period: str, run_id: str | None = None) -> pa.Table | None:
    d = findings_dir(workdir, admdvs, period)
    runs = sorted(p.stem for p in d.glob("*.parquet")) if d.exists() else []
    if not runs:
        return None
    return pq.read_table(d / f"{run_id or runs[-1]}.parquet", schema=FINDINGS_SCHEMA)
