"""A hand-built work directory: one results run, its check report, a findings run, a lake
partition of setl_d with person tokens, and a registry of three working-group members."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from liangjiadi.anomalies.model import Finding, findings_table
from liangjiadi.runs import run_dir
from liangjiadi.checks.report import CheckReport
from liangjiadi.config import Settings
from liangjiadi.indicators.results import RESULT_SCHEMA, save_results
from liangjiadi.releases import add_member
from liangjiadi.releases.store import dispose_engines

ADMDVS = "140400"
PERIOD = "2025-03"
LAKE_TOKEN = "3f2a9c1e5b7d4a608e1f2c3b4a5d6e7f"  # a psn_no as the lake holds it (HMAC, 32 hex)
VALID_ID = "11010519491231002X"  # GB 11643 check digit is valid (the standard's example)


def make_settings(workdir: Path, **extra) -> Settings:
    extra.setdefault("release_seal_key_file", workdir.parent / f"{workdir.name}-release-seal.key")
    return Settings(workdir=workdir, region_admdvs=ADMDVS, pseudonym_key="test-key-padded-to-at-least-32-bytes",
                    pseudonym_key_file=workdir / "never.key", **extra)


def write_results(settings: Settings, run_id: str, values: dict[tuple[str, str | None], str],
                  period: str = PERIOD) -> str:
    """values: (indicator_id, fixmedins_code or None) -> decimal text."""
    now = datetime(2025, 4, 5, tzinfo=timezone.utc)
    rows = [{
        "admdvs": ADMDVS, "period": period, "indicator_id": ind, "scope": "institution" if code else "region",
        "fixmedins_code": code, "value": Decimal(v), "numerator": None, "denominator": None, "basis": "period",
        "note": None, "run_id": run_id, "computed_at": now,
    } for (ind, code), v in values.items()]
    save_results(settings.workdir, ADMDVS, period, pa.Table.from_pylist(rows, schema=RESULT_SCHEMA), run_id)
    if not (Path(settings.workdir) / "lake" / "setl_d" / ADMDVS / period).exists():
        write_lake_tokens(settings, [LAKE_TOKEN], period)  # results imply the month's settlements were ingested
    return run_id


BASE_VALUES = {("36", None): "1200", ("36", "H001"): "700", ("36", "H002"): "500", ("12", None): "0.4512"}


def write_quarter_months(settings: Settings) -> None:
    """Results (and settlements) of 2025-01 and 2025-02: a quarterly release needs every month of its quarter."""
    for month in ("2025-01", "2025-02"):
        write_results(settings, f"20250405T000000-{month[-2:]}aaaa", BASE_VALUES, period=month)


def write_check(settings: Settings, results_run_id: str, check_run_id: str, failing: bool = False,
                period: str = PERIOD) -> CheckReport:
    at = datetime(2025, 4, 5, 1, tzinfo=timezone.utc)
    base = {"admdvs": ADMDVS, "period": period, "check_run_id": check_run_id, "results_run_id": results_run_id,
            "severity": "error", "indicator_ids": "36", "fixmedins_code": None, "observed": None,
            "observed_value": None, "expected": None, "threshold": "-", "note": "手册§六(三)", "checked_at": at}
    rows = [dict(base, check_id="ratio_bounds", check_title="比例在 0 至 100% 之间", status="pass",
                 reason_code="OK", message="全部 1 项通过。", observed_value=1.0)]
    if failing:
        rows.append(dict(base, check_id="institutions_add_up", check_title="各机构之和等于统筹地区",
                         status="fail", reason_code="INSTITUTIONS_DONT_ADD_UP",
                         message="指标36各机构之和 1100 不等于统筹地区 1200。"))
    report = CheckReport(admdvs=ADMDVS, period=period, check_run_id=check_run_id, results_run_id=results_run_id,
                         checked_at=at, rows=rows, publishable_ids=["12", "36"])
    report.save(settings.workdir)
    return report


def write_findings(settings: Settings, run_id: str, findings: list[Finding] | None = None,
                   period: str = PERIOD) -> None:
    findings = findings if findings is not None else [
        Finding(pattern="readmission_15d", period=period, severity="medium",
                message="H001 15天内再入院比例高于同级机构。",
                evidence={"own": 0.12, "peer_median": 0.05, "persons": 3, "cases": 40},
                fixmedins_code="H001", score=2.5),
        Finding(pattern="co_admission_cluster", period=period, severity="high", message="组团住院线索一组。",
                evidence={"members": 4, "admissions": 18, "linked_persons": 12},
                fixmedins_code="H002", subject="person_cluster", cluster_id="C-0001", score=3.0),
    ]
    out = run_dir(settings.workdir, "findings", ADMDVS, period)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(findings_table(findings, run_id), out / f"{run_id}.parquet")


def write_lake_tokens(settings: Settings, tokens: list[str], period: str = PERIOD) -> None:
    part = Path(settings.workdir) / "lake" / "setl_d" / ADMDVS / period
    part.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"setl_id": [f"S{i}" for i in range(len(tokens))], "psn_no": tokens,
                             "admdvs": [ADMDVS] * len(tokens), "period": [period] * len(tokens)}),
                   part / "part-0.parquet")


@pytest.fixture(autouse=True)
def _close_databases():
    yield
    dispose_engines()  # each test has its own SQLite file; do not keep their pools open


@pytest.fixture
def settings(tmp_path):
    return prepared_store(make_settings(tmp_path / "work"))


def prepared_store(s):
    """A workdir with one month's results, 复核, findings, lake tokens and three members."""
    write_results(s, "20250405T000000-aaaaaa", BASE_VALUES)
    write_check(s, "20250405T000000-aaaaaa", "20250405T010000-cccccc")
    write_findings(s, "20250405T020000-ffffff")
    write_lake_tokens(s, [LAKE_TOKEN, "0" * 31 + "1"])
    for member_id, name, role in (("m01", "李主任", "convener"), ("m02", "张医生", "hospital"),
                                  ("m03", "王科长", "insurer")):
        add_member(member_id, name, role, s, actor="管理员")
    return s


def approve(release_id: str, settings: Settings, members=("m01", "m02")):
    from liangjiadi.releases import sign

    release = None
    for member in members:
        release = sign(release_id, member, approve=True, comment="核对无误", settings=settings)
    return release
