"""The generator's DIP variant settles like the demo's DRG year: 结算点值 from Σ分值, payments
adding up to the fund to the fen, and the 清算 documents rendered from the frozen output
(issue 13, must show: "the generator's DIP variant")."""

from __future__ import annotations

import json
from decimal import Decimal as D

import openpyxl

from liangjiadi.config import get_settings

REGION = "140400"


def test_a_generated_dip_year_settles_and_renders(tmp_path, monkeypatch):
    from liangjiadi.ingest import ingest_paths
    from liangjiadi.payment.document import render
    from liangjiadi.payment.document_docx import render_docx
    from liangjiadi.payment.service import load, run, write
    from liangjiadi.synth import SynthConfig, generate

    monkeypatch.setenv("LJD_PSEUDONYM_KEY", "test-key-padded-to-at-least-32-bytes")
    cfg = SynthConfig(region=REGION, scale=0.004, months=13, seed=11, faults=False, scheme="dip", fmt="parquet")
    generate(cfg, tmp_path / "data")
    settings = get_settings(workdir=tmp_path / "work", region_admdvs=REGION)
    ingest_paths([tmp_path / "data"], settings)

    r = run(settings, 2025)
    assert r.cfg.scheme == "DIP" and r.final  # inferred from the lists' grp_type
    s = r.settlement
    assert s.point_value is not None and s.point_value > 0
    assert sum(i.payment for i in s.institutions.values()) == s.fund_available
    assert sum(i.final_payment for i in s.institutions.values()) + s.fund_retained == s.fund_available
    write(r, settings.workdir)
    frozen = load(settings.workdir, REGION, 2025)
    assert frozen["scheme"] == "DIP" and D(frozen["total_payment"]) == D(frozen["fund_available"])
    book = openpyxl.load_workbook(render(frozen, tmp_path / "清算.xlsx"), read_only=True)
    summary = [row for row in book["清算汇总"].iter_rows(values_only=True) if row[0]]
    assert any(row[0] == "结算点值（元/分）" for row in summary)
    assert "行为与质量监测" in book.sheetnames
    assert render_docx(frozen, tmp_path / "清算.docx").exists()
    json.dumps(frozen)  # the frozen output is plain JSON
