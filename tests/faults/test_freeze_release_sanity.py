"""Item 8 of issue 9: a local 复核 rule naming an unknown indicator is an error at load (it used
to be reported as 不适用 on every run)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from liangjiadi.checks import run_checks
from liangjiadi.checks.registry import load_checks
from liangjiadi.config import Settings
from liangjiadi.errors import DefinitionError
from liangjiadi.indicators.results import RESULT_SCHEMA

RULE = {"rules": [{"id": "local_range", "template": "range", "indicators": ["37", "L99"], "min": 0, "max": 1,
                   "title": "地方规则"}]}


def test_load_names_the_rule_and_the_unknown_indicator():
    with pytest.raises(DefinitionError, match="local_range.*L99"):
        load_checks(RULE, known_indicators={"37", "28"})
    assert "local_range" in load_checks(RULE, known_indicators={"37", "L99"})


def test_run_checks_refuses_before_any_rule_runs(tmp_path):
    settings = Settings(workdir=tmp_path, region_admdvs="140400")
    table = pa.Table.from_pylist([{
        "admdvs": "140400", "period": "2025-03", "indicator_id": "37", "scope": "region", "fixmedins_code": None,
        "value": Decimal("9000"), "numerator": None, "denominator": None, "basis": "period", "note": None,
        "run_id": "R1", "computed_at": datetime(2025, 4, 1, tzinfo=timezone.utc)}], schema=RESULT_SCHEMA)
    with pytest.raises(DefinitionError, match="不存在的指标 L99"):
        run_checks("2025-03", settings, table, overrides=RULE, save=False)
