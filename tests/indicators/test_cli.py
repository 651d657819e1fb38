"""`liangjiadi compute` and `liangjiadi export results`."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from liangjiadi.cli.main import app

from . import golden

runner = CliRunner()


def test_compute_then_export_results(tmp_path, monkeypatch):
    work = golden.build(tmp_path / "w")
    monkeypatch.setenv("LJD_REGION_ADMDVS", golden.R)
    from liangjiadi.config import reset_settings_cache

    reset_settings_cache()
    try:
        res = runner.invoke(app, ["compute", "--period", golden.P, "--workdir", str(work)])
        assert res.exit_code == 0, res.output
        assert "指标计算完成" in res.output and "计算批次" in res.output
        assert "医疗机构 4 家" in res.output and "无值" in res.output

        out = tmp_path / "r.csv"
        res = runner.invoke(app, ["export", "results", "--period", golden.P, "--out", str(out), "-w", str(work)])
        assert res.exit_code == 0, res.output
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        assert list(rows[0])[:6] == ["indicator_id", "scope", "fixmedins_code", "value", "numerator", "denominator"]
        by = {(r["indicator_id"], r["fixmedins_code"]): r for r in rows}
        assert by[("1", "")]["value"] == "540"  # plain decimals, no exponent
        assert by[("37", "H1")]["value"] == "5666.6666666667"
        assert by[("39", "H3")]["value"] == "0"
        assert by[("37", "H3")]["value"] == "" and by[("37", "H3")]["note"]
        assert by[("45", "")]["numerator"] == "795"
        assert rows[0]["indicator_id"] == "1"  # registry order
    finally:
        reset_settings_cache()


def test_compute_errors_are_chinese(tmp_path):
    res = runner.invoke(app, ["compute", "--period", "2025-13", "-w", str(tmp_path)])
    assert res.exit_code == 2 and "期间格式不正确" in res.output
    res = runner.invoke(app, ["compute", "--period", "2025-03", "-w", str(tmp_path)])
    assert res.exit_code == 2 and "统筹地区" in res.output


def test_export_before_compute(tmp_path):
    golden.build(tmp_path)
    res = runner.invoke(app, ["export", "results", "--period", "2025-03", "--out", str(tmp_path / "x.csv"),
                              "-w", str(tmp_path)])
    assert res.exit_code == 2 and "尚未计算" in res.output


def test_export_is_a_sub_app_other_modules_can_extend():
    from liangjiadi.cli import export

    assert "export_worksheet" in export.EXPORT_MODULES
    names = {c.name for c in export.export_app.registered_commands}
    assert "results" in names
