"""Hand-made results tables and lake rows for the 复核 tests (no indicator computation)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from liangjiadi.checks.catalogue import load_catalogue
from liangjiadi.config import Settings
from liangjiadi.indicators.results import RESULT_SCHEMA

REGION = "140400"
PERIOD = "2025-03"

# A consistent region: every sum adds up, every part fits in its whole.
REGION_VALUES = {
    "1": 3000, "2": 1800, "3": 1700, "4": 100, "5": 1200, "6": 400, "7": 800,
    "8": 2500, "9": 1500, "10": 900, "11": 600, "12": 1000, "13": 500, "14": 0.97,
    "15": 500, "17": 300, "18": 5000, "20": 200, "21": 4000, "22": 50, "23": 40,
    "24": 1, "25": 1, "26": 1, "27": 1, "28": 0.95, "29": 0.9, "30": 0.8, "31": 0.7,
    "32": 0.1, "33": 10, "34": 8, "35": 0.01, "36": 300000, "37": 10000, "38": 600,
    "39": 30, "40": 20, "41": 0.05, "42": 0.1, "45": 0.05, "46": 7, "47": 0.5,
    "48": 100, "49": -20,
}
# Two institutions whose 36/38/39 add up to the region.
INSTITUTION_VALUES = {
    "H001": {"10": 500, "11": 400, "13": 300, "28": 0.96, "29": 0.92, "33": 6, "34": 5,
             "36": 200000, "37": 10000, "38": 400, "39": 20, "45": 0.04},
    "H002": {"10": 400, "11": 200, "13": 200, "28": 0.94, "29": 0.88, "33": 4, "34": 3,
             "36": 100000, "37": 10000, "38": 200, "39": 10, "45": 0.06},
}


def result_row(indicator_id, value, code=None, *, note=None, period=PERIOD, run_id="R1"):
    meta = load_catalogue().get(str(indicator_id))
    return {
        "admdvs": REGION, "period": period, "indicator_id": str(indicator_id),
        "scope": "institution" if code else "region", "fixmedins_code": code,
        "value": None if value is None else Decimal(str(value)), "numerator": None, "denominator": None,
        "basis": meta.basis if meta else "period", "note": note, "run_id": run_id,
        "computed_at": datetime(2025, 4, 5, tzinfo=timezone.utc),
    }


def clean_rows(period=PERIOD, run_id="R1") -> list[dict]:
    rows = [result_row(i, v, period=period, run_id=run_id) for i, v in REGION_VALUES.items()]
    for code, values in INSTITUTION_VALUES.items():
        rows += [result_row(i, v, code, period=period, run_id=run_id) for i, v in values.items()]
    return rows


def to_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)


def with_value(rows: list[dict], indicator_id: str, value, code=None, note=None) -> list[dict]:
    """A copy of `rows` with one value replaced (or added)."""
    out = [dict(r) for r in rows]
    for r in out:
        if r["indicator_id"] == str(indicator_id) and r["fixmedins_code"] == code:
            r["value"] = None if value is None else Decimal(str(value))
            r["note"] = note
            return out
    out.append(result_row(indicator_id, value, code, note=note))
    return out


@pytest.fixture
def settings(tmp_path) -> Settings:
    (tmp_path / "work").mkdir()  # an existing (empty) work directory: commands refuse a missing one
    return Settings(workdir=tmp_path / "work", region_admdvs=REGION, duckdb_threads=1,
                    duckdb_memory_limit="512MB")


def statuses(report, check_id: str) -> list[str]:
    return [r["status"] for r in report.rows if r["check_id"] == check_id]


def reasons(report, status: str = "fail") -> set[tuple[str, str]]:
    return {(r["check_id"], r["reason_code"]) for r in report.rows if r["status"] == status}


class ResultsFactory:
    """The helpers above, handed to tests as the `rf` fixture (tests cannot import conftest)."""

    REGION = REGION
    PERIOD = PERIOD
    result_row = staticmethod(result_row)
    clean_rows = staticmethod(clean_rows)
    to_table = staticmethod(to_table)
    with_value = staticmethod(with_value)
    statuses = staticmethod(statuses)
    reasons = staticmethod(reasons)


@pytest.fixture
def rf() -> type[ResultsFactory]:
    return ResultsFactory
