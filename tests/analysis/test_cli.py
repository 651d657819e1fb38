"""`liangjiadi analyse fund|topic` on the hand-built region, and the docs cover every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from liangjiadi.cli.main import app

from . import handbuilt as hb

DOCS = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    wd = tmp_path_factory.mktemp("cli")
    hb.build(wd)
    return wd


def _run(args, monkeypatch):
    monkeypatch.setenv("LJD_REGION_ADMDVS", hb.R)
    from liangjiadi.config import reset_settings_cache

    reset_settings_cache()
    try:
        return CliRunner().invoke(app, args)
    finally:
        reset_settings_cache()


def test_analyse_fund(workdir, monkeypatch):
    res = _run(["analyse", "fund", "-p", hb.P, "-w", str(workdir), "--budget-contribution", "1200"], monkeypatch)
    assert res.exit_code == 0, res.output
    assert "基金运行分析" in res.output and "到位率 99.00%" in res.output
    assert "预警" in res.output and "可支付" in res.output


def test_analyse_topic(workdir, monkeypatch):
    res = _run(["analyse", "topic", "-p", hb.P, "-w", str(workdir), "--adrg", "EJ1", "--min-cases", "3"], monkeypatch)
    assert res.exit_code == 0, res.output
    assert "ADRG EJ1" in res.output and "标杆值（三级）：12,500 元" in res.output


def test_analyse_errors_are_friendly(workdir, monkeypatch):
    res = _run(["analyse", "fund", "-p", "2030-01", "-w", str(workdir)], monkeypatch)
    assert res.exit_code == 2 and "基金报表" in res.output


def test_docs_cover_the_commands_and_methods():
    text = DOCS.read_text(encoding="utf-8")
    for word in ("analyse fund", "analyse topic", "analyse backtest", "趋势分析", "排序与分布", "跟踪核心指标",
                 "逻辑验证", "结构分析", "比较分析", "分层与归类", "混合增长率", "标杆值", "可支付月数", "MAPE"):
        assert word in text, word
