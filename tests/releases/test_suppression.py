import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from liangjiadi.releases import create_release, suppress_columns, suppress_count, suppress_evidence


def test_counts_one_to_four_become_less_than_five():
    assert [suppress_count(v) for v in (0, 1, 4, 5, 120)] == [0, "<5", "<5", 5, 120]
    assert suppress_count(Decimal("3")) == "<5"
    assert suppress_count(2.0, threshold=3) == "<3"
    assert suppress_count("3") == "3" and suppress_count(None) is None  # text and blanks untouched


def test_evidence_person_counts_only():
    evidence = {"persons": 3, "cases": 2, "own": 0.12, "linked_persons": 4, "members": 9,
                "groups": {"patients": 1}}
    out, keys = suppress_evidence(evidence, ["persons", "members", "patients"], 5)
    assert out == {"persons": "<5", "cases": 2, "own": 0.12, "linked_persons": "<5", "members": 9,
                   "groups": {"patients": "<5"}}
    assert sorted(keys) == ["groups.patients", "linked_persons", "persons"]


def test_table_columns_for_renderers():
    table = pa.table({"fixmedins_code": ["H1", "H2", "H3"], "persons": [3, 0, 17]})
    out = suppress_columns(table, ["persons"])
    assert out["persons"].to_pylist() == ["<5", "0", "17"]
    assert out["fixmedins_code"].to_pylist() == ["H1", "H2", "H3"]


def test_frozen_findings_carry_suppressed_counts(settings):
    release = create_release("monthly", "2025-03", settings, creator="王敏")
    evidence = [json.loads(e) for e in pq.read_table(release.path_of("findings.parquet"))["evidence"].to_pylist()]
    assert evidence[0]["persons"] == "<5" and evidence[0]["cases"] == 40
    assert evidence[1]["members"] == "<5" and evidence[1]["linked_persons"] == 12
    assert release.manifest()["small_count_suppression"]["suppressed_in_findings"] == 2
