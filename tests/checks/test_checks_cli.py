"""`liangjiadi check`: messages in Chinese, exit codes, the stored report."""

from __future__ import annotations

from typer.testing import CliRunner

from liangjiadi.checks import load_check_report
from liangjiadi.cli.main import app
from liangjiadi.indicators.results import save_results

runner = CliRunner()


def _invoke(settings, *extra):
    return runner.invoke(app, ["check", "--period", "2025-03", "--workdir", str(settings.workdir),
                               "--admdvs", "140400", *extra])


def test_check_without_results_says_to_compute_first(settings):
    result = _invoke(settings)
    assert result.exit_code == 2
    assert "liangjiadi compute --period 2025-03" in result.output
    assert "没有2025年3月的计算结果" in result.output


def test_check_prints_failures_and_stores_the_report(rf, settings):
    rows = rf.with_value(rf.with_value(rf.clean_rows(), "29", 1.2, "H001"), "37", None, "H002", note="分母为0")
    save_results(settings.workdir, rf.REGION, "2025-03", rf.to_table(rows), "R1")
    result = _invoke(settings)
    assert result.exit_code == 0, result.output
    assert "复核结论：不通过" in result.output
    assert "120.00%" in result.output and "分母为0" in result.output
    assert "按状态计数" in result.output
    report = load_check_report(settings.workdir, rf.REGION, "2025-03")
    assert report is not None and report.results_run_id == "R1"
    assert _invoke(settings, "--strict").exit_code == 1


def test_clean_results_pass_with_strict(rf, settings):
    save_results(settings.workdir, rf.REGION, "2025-03", rf.to_table(rf.clean_rows()), "R1")
    result = _invoke(settings, "--strict")
    assert result.exit_code == 0, result.output
    assert "复核结论：通过" in result.output


def test_check_can_compute_first(rf, settings, monkeypatch):
    calls = []

    def fake_compute(period, settings_):
        calls.append(period)
        save_results(settings_.workdir, rf.REGION, period, rf.to_table(rf.clean_rows()), "R9")

    monkeypatch.setattr("liangjiadi.indicators.compute", fake_compute)
    result = _invoke(settings, "--compute")
    assert result.exit_code == 0, result.output
    assert calls == ["2025-03"] and "先计算指标" in result.output
    assert load_check_report(settings.workdir, rf.REGION, "2025-03").results_run_id == "R9"
