"""A small stored region for the worksheet tests: results of 2025-03 and 2024-03, a check
report, and an institution directory of five hospitals at three levels."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from liangjiadi import lake
from liangjiadi.checks import load_catalogue, run_checks
from liangjiadi.config import Settings
from liangjiadi.indicators.results import RESULT_SCHEMA, save_results

REGION = "140400"
PERIOD = "2025-03"

HOSPITALS = [  # code, name, hosp_lv
    ("H001", "第一人民医院", "02"),
    ("H002", "中医医院", "03"),
    ("H003", "第二人民医院", "05"),
    ("H004", "妇幼保健院", "06"),
    ("H005", "城关镇卫生院", "11"),
]


def _row(indicator_id, value, code=None, *, period=PERIOD, numerator=None, denominator=None, note=None,
         run_id="R2025"):
    meta = load_catalogue().get(str(indicator_id))
    dec = lambda v: None if v is None else Decimal(str(v))  # noqa: E731
    return {"admdvs": REGION, "period": period, "indicator_id": str(indicator_id),
            "scope": "institution" if code else "region", "fixmedins_code": code, "value": dec(value),
            "numerator": dec(numerator), "denominator": dec(denominator),
            "basis": meta.basis if meta else "period", "note": note, "run_id": run_id,
            "computed_at": datetime(2025, 4, 5, tzinfo=timezone.utc)}


def region_rows(period=PERIOD, scale=1.0, run_id="R2025") -> list[dict]:
    """Region values for every non-heading official indicator (money in yuan)."""
    rows = []
    for meta in load_catalogue():
        if meta.is_heading or not meta.id.isdigit() or int(meta.id) > 49 or meta.scope == "institution":
            continue
        if meta.unit == "yuan":
            value = 12_345_678.9 * scale if meta.id != "37" else 9_876.54 * scale
        elif meta.unit == "ratio":
            value = 0.1234 * scale if meta.id != "40" else 20.5
        elif meta.unit == "count":
            value = round(1000 * scale)
        else:
            value = 1.5
        value = round(value, 6)
        if meta.unit in ("ratio", "index") or meta.id == "37":  # a ratio carries its numerator and denominator
            rows.append(_row(meta.id, value, period=period, run_id=run_id, numerator=round(value * 1000, 6), denominator=1000))
        else:
            rows.append(_row(meta.id, value, period=period, run_id=run_id))
    return rows


def institution_rows(period=PERIOD, run_id="R2025") -> list[dict]:
    rows = []
    for n, (code, _, _) in enumerate(HOSPITALS, start=1):
        discharges = 100 * n
        rows += [
            _row("36", 1_000_000 * n, code, period=period, run_id=run_id),
            _row("37", 10_000, code, period=period, numerator=1_000_000 * n, denominator=discharges, run_id=run_id),
            _row("38", 2000 * n, code, period=period, run_id=run_id),
            _row("39", discharges, code, period=period, run_id=run_id),
            _row("28", 0.9, code, period=period, numerator=90 * n, denominator=100 * n, run_id=run_id),
            _row("29", 0.95, code, period=period, numerator=95 * n, denominator=100 * n, run_id=run_id),
            _row("10", 500_000 * n, code, period=period, run_id=run_id),
            _row("11", 300_000 * n, code, period=period, run_id=run_id),
        ]
    # an absent value with its reason
    rows.append(_row("45", None, "H005", period=period, note="分母为0（本期无结算）", run_id=run_id))
    return rows


@pytest.fixture
def settings(tmp_path) -> Settings:
    (tmp_path / "work").mkdir()  # an existing (empty) work directory: commands refuse a missing one
    return Settings(workdir=tmp_path / "work", region_admdvs=REGION, duckdb_threads=1,
                    duckdb_memory_limit="512MB")


@pytest.fixture
def stored_region(settings):
    """Results for 2025-03 (checked) and 2024-03, plus the fixmedins directory in the lake."""
    current = region_rows() + institution_rows()
    save_results(settings.workdir, REGION, PERIOD, pa.Table.from_pylist(current, schema=RESULT_SCHEMA), "R2025")
    last = region_rows("2024-03", scale=0.8, run_id="R2024")
    save_results(settings.workdir, REGION, "2024-03", pa.Table.from_pylist(last, schema=RESULT_SCHEMA), "R2024")
    lake.write_rows(settings.workdir, "fixmedins", [
        {"fixmedins_code": c, "fixmedins_name": n, "fixmedins_type": "1", "hosp_lv": lv, "admdvs": REGION}
        for c, n, lv in HOSPITALS] + [
        {"fixmedins_code": "P001", "fixmedins_name": "康民大药房", "fixmedins_type": "2", "admdvs": REGION}], REGION)
    write_settlement_partition(settings, PERIOD)
    for n, month in enumerate(QUARTER_MONTHS, start=1):  # the rest of 2025-Q1: quarterly releases need it
        rows = region_rows(month, scale=1 + n / 10, run_id=f"R{month}") + institution_rows(month, run_id=f"R{month}")
        save_results(settings.workdir, REGION, month, pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), f"R{month}")
        write_settlement_partition(settings, month)
    run_checks(PERIOD, settings)
    return settings


QUARTER_MONTHS = ("2025-01", "2025-02")


def write_settlement_partition(settings: Settings, period: str) -> None:
    """A stand-in setl_d partition: `release create` refuses a month the lake has no settlements for."""
    import pyarrow.parquet as pq

    part = settings.workdir / "lake" / "setl_d" / REGION / period
    part.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"setl_id": ["S1"], "admdvs": [REGION], "period": [period]}), part / "part-0.parquet")


@pytest.fixture(scope="session")
def words():
    """tests/reports/document_text.py: a document's text as a reader sees it, and the words that
    must not be in it (loaded by path: the tests run in importlib mode)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("document_text", Path(__file__).with_name("document_text.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
