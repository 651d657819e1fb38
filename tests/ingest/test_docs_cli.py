"""docs/ingest.md cannot drift from the rule registry; the CLI prints counts per rule."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from liangjiadi.ingest import RULES, rules_markdown

from .conftest import KEY, SETL_COLS, setl_row, write_csv

DOC = Path(__file__).resolve().parents[2] / "docs" / "ingest.md"


def test_docs_carry_the_generated_rule_table():
    text = DOC.read_text(encoding="utf-8")
    assert rules_markdown() in text, "docs/ingest.md 的规则表与 ingest/rules.py 不一致，请重新生成"
    for code in RULES:
        assert f"`{code}`" in text


def test_every_rule_has_chinese_name_and_message():
    for rule in RULES.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in rule.name + rule.message), rule.code
        assert rule.code.isascii() and rule.code == rule.code.lower()


def _app() -> typer.Typer:
    from liangjiadi.cli import ingest as cli_ingest

    app = typer.Typer()
    cli_ingest.register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps typer in sub-command mode
        pass

    return app


def test_cli_reports_rules_in_chinese_and_english(tmp_path, monkeypatch):
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("LJD_REGION_ADMDVS", "140400")
    from liangjiadi.config import reset_settings_cache

    reset_settings_cache()
    rows = [setl_row(1), setl_row(2, med_type="77")]
    path = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)
    empty = tmp_path / "in" / "setl_list_2025-03.csv"
    empty.write_bytes(b"")
    result = CliRunner().invoke(_app(), ["ingest", str(path.parent), "--workdir", str(tmp_path / "w")],
                                env={"COLUMNS": "200"})
    reset_settings_cache()
    out = result.output
    assert "unknown_code" in out and RULES["unknown_code"].name in out
    assert "empty_file" in out and "setl_list_2025-03.csv" in out
    assert result.exit_code == 1  # a file was not loaded
    assert (tmp_path / "w" / "lake" / "setl_d").exists()


def test_cli_bad_period_argument_is_a_chinese_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    path = write_csv(tmp_path / "in" / "setl_d.csv", [setl_row(1)], SETL_COLS)
    result = CliRunner().invoke(_app(), ["ingest", str(path), "--workdir", str(tmp_path / "w"),
                                         "--period", "2025-3"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output
