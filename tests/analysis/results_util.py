"""Hand-made stored results for the analysis tests."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from liangjiadi.indicators.results import RESULT_SCHEMA, save_results


def save(workdir: Path, region: str, period: str, values: dict[tuple[str, str | None], object],
         run_id: str = "20250101T000000-test00") -> None:
    """values: (indicator_id, fixmedins_code or None) -> value (None = absent)."""
    rows = []
    for (iid, code), v in values.items():
        rows.append({
            "admdvs": region, "period": period, "indicator_id": iid,
            "scope": "region" if code is None else "institution", "fixmedins_code": code,
            "value": None if v is None else Decimal(str(v)), "numerator": None, "denominator": None,
            "basis": "period", "note": "缺少数据" if v is None else None, "run_id": run_id,
            "computed_at": datetime(2025, 1, 1, tzinfo=timezone.utc),
        })
    save_results(workdir, region, period, pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), run_id)
