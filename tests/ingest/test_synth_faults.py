"""End to end with the synthetic region: every injected row fault is quarantined at its line
under the expected rule, and nothing else is (the generator's ground truth is the oracle)."""

from __future__ import annotations

import json

import pytest

from liangjiadi.ingest import ingest_paths

from .conftest import read_quarantine

FAULT_RULE = {
    "negative_amount": "negative_amount",
    "hifp_exceeds_medfee": "part_exceeds_total",
    "end_before_begin": "end_before_begin",
    "unknown_med_type": "unknown_code",
    "duplicate_setl_id": "duplicate_key",
    "non_numeric_amount": "bad_number",
    "unknown_local_institution": "unknown_fixmedins",
    "orphan_setl_list": "orphan_settlement",
}


def test_synth_row_faults_are_quarantined(tmp_path, settings):
    synth = pytest.importorskip("liangjiadi.synth")
    out = tmp_path / "synth"
    synth.generate(synth.SynthConfig(scale=0.01, months=3, end_month="2025-03"), out)
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    rep = ingest_paths([out], settings)
    assert all(f.status in ("ok", "partial") for f in rep.files), [f.error for f in rep.files]
    found = set()
    for f in rep.files:
        if f.quarantine_file:
            for row in read_quarantine(f.quarantine_file):
                found.add((f.path.rsplit("/", 1)[-1], int(row["行号"]), row["规则代码"]))
    expected = set()
    for fault in truth["faults"]:
        if fault["level"] != "row" or fault["kind"] not in FAULT_RULE:
            continue
        line = fault["lines"][-1]  # a duplicate: the second occurrence is quarantined
        expected.add((fault["file"], line, FAULT_RULE[fault["kind"]]))
    assert expected and expected <= found, expected - found
    # no false alarms: every quarantined row is an injected fault
    assert {(f, ln) for f, ln, _ in found} == {(f, ln) for f, ln, _ in expected}
