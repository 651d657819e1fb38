"""Issue 9 on the demo region: a quarterly release covers its quarter and an annual release its
year (one rule per indicator, docs/reports.md “窗口口径”), and a published release re-renders
with the same figures after a month of its window is corrected in the lake."""

from __future__ import annotations

import os
import shutil
import stat
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from liangjiadi.config import Settings
from liangjiadi.indicators.results import load_results
from liangjiadi.releases import frozen_content, get_release
from liangjiadi.releases.store import dispose_engines

DEMO_KEY = "test-key-padded-to-at-least-32-bytes"  # tests/conftest.py's
REGION = "140400"
Q4 = "140400-quarterly-2025-Q4-v1"
Q4_MONTHS = ["2025-10", "2025-11", "2025-12"]
YEAR_MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def _settings(work: Path) -> Settings:
    return Settings(workdir=work, region_admdvs=REGION)


def _stored(work: Path, months: list[str]) -> dict[str, dict[tuple[str, str | None], dict]]:
    out = {}
    for p in months:
        rows = load_results(work, REGION, p).to_pylist()
        out[p] = {(r["indicator_id"], r["fixmedins_code"] if r["scope"] != "region" else None): r for r in rows}
    return out


def _window_values(release_id: str, settings: Settings) -> dict[tuple[str, str | None], dict]:
    table = frozen_content(release_id, settings).window_results
    return {(r["indicator_id"], r["fixmedins_code"] if r["scope"] != "region" else None): r for r in table.to_pylist()}


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _xlsx_cells(path: Path) -> list[tuple]:
    book = openpyxl.load_workbook(path)
    return [(ws.title, *row) for ws in book for row in ws.iter_rows(values_only=True)]


def _main_sheet_value(path: Path, indicator_id: str):
    ws = openpyxl.load_workbook(path)["数据底稿"]
    for row in ws.iter_rows(min_row=4, values_only=True):
        if str(row[0]) == indicator_id:
            return row[8]
    raise AssertionError(f"no row {indicator_id}")


# ---- the quarter ------------------------------------------------------------------------------


def test_q4_report_and_worksheet_are_titled_and_computed_for_the_quarter(demo):
    assert demo.exit_code == 0, demo.output
    work = demo.workdir
    settings = _settings(work)
    try:
        window = _window_values(Q4, settings)
        content = frozen_content(Q4, settings)
    finally:
        dispose_engines()
    months = _stored(work, Q4_MONTHS)
    assert content.window["label"] == "2025年第四季度" and content.window["months"] == Q4_MONTHS
    # an amount and a count: the quarter's is the sum of its three months', region and institutions
    for iid in ("36", "38", "39"):
        codes = {code for (i, code) in window if i == iid}
        assert len(codes) > 3
        for code in codes:
            expected = sum(Decimal(months[p][(iid, code)]["value"]) for p in Q4_MONTHS)
            assert window[(iid, code)]["value"] == expected, (iid, code)
    # a ratio: recomputed from the quarter's numerator and denominator, not an average of months
    num = sum(Decimal(months[p][("37", None)]["numerator"]) for p in Q4_MONTHS)
    den = sum(Decimal(months[p][("37", None)]["denominator"]) for p in Q4_MONTHS)
    assert abs(window[("37", None)]["value"] - num / den) < Decimal("1e-9")
    # year to date and balances: the quarter's end
    assert window[("1", None)]["value"] == months["2025-12"][("1", None)]["value"]
    assert window[("18", None)]["value"] == months["2025-12"][("18", None)]["value"]

    out = work / "outputs" / "发布材料" / "quarterly-2025-Q4-v1"
    text = _docx_text(out / "季度分析报告_140400_2025-Q4.docx")
    assert "2025年第四季度医保数据发布分析报告" in text
    assert "2025年12月医保数据" not in text
    assert "（2025年下半年）" in text  # 特例单议 33-35: the half they cover, not the quarter
    sheet = out / "数据底稿_140400_2025-Q4.xlsx"
    title = openpyxl.load_workbook(sheet)["数据底稿"]["A1"].value
    assert "2025年第四季度" in title and "2025年12月" not in title
    assert _main_sheet_value(sheet, "39") == pytest.approx(float(sum(
        Decimal(months[p][("39", None)]["value"]) for p in Q4_MONTHS)))
    assert _main_sheet_value(sheet, "36") == pytest.approx(float(sum(
        Decimal(months[p][("36", None)]["value"]) for p in Q4_MONTHS)) / 10_000)  # 万元


def test_no_year_to_date_growth_against_a_one_month_last_year(demo):
    """The demo's lake starts in 2024-12: its “year to date” of 2024 is one month, and the
    documents printed 同比 +1222% against it. Now they compare nothing and say why."""
    out = demo.workdir / "outputs" / "发布材料"
    for path in (out / "quarterly-2025-Q4-v1" / "季度分析报告_140400_2025-Q4.docx",
                 out / "monthly-2025-12-v1" / "月推送_140400_2025-12.docx"):
        text = _docx_text(path)
        assert "累计类指标不作同比" in text
        assert "1222" not in text and "1210" not in text and "1346" not in text
    sheet = out / "monthly-2025-12-v1" / "数据底稿_140400_2025-12.xlsx"
    ws = openpyxl.load_workbook(sheet)["数据底稿"]
    changes = {str(r[0]): r[10] for r in ws.iter_rows(min_row=4, values_only=True)}
    assert changes["1"] is None and changes["8"] is None


# ---- the year, and a published release after a correction (on a copy of the demo) -------------


@pytest.fixture(scope="module")
def copy(demo, tmp_path_factory):
    assert demo.exit_code == 0, demo.output
    work = tmp_path_factory.mktemp("windows") / "work"
    shutil.copytree(demo.workdir, work)
    yield work
    dispose_engines()
    for root, dirs, files in os.walk(work):  # published bundles are read-only
        for name in dirs + files:
            os.chmod(Path(root) / name, stat.S_IRWXU)


def test_annual_notice_totals_are_the_years(copy):
    from liangjiadi.releases import create_release
    from liangjiadi.reports import build as B
    from liangjiadi.reports.source import load_source

    settings = _settings(copy)
    release = create_release("annual", "2025", settings, creator="测试")
    src = load_source(release.release_id, settings)
    window = _window_values(release.release_id, settings)
    dispose_engines()
    months = _stored(copy, YEAR_MONTHS)
    assert src.meta.period_label == "2025年度"
    for iid in ("36", "39"):
        assert window[(iid, None)]["value"] == sum(Decimal(months[p][(iid, None)]["value"]) for p in YEAR_MONTHS)
    notice = B.annual_notice(src)
    listing = {f.indicator_id: f for f in notice.listing_figures}
    num = sum(Decimal(months[p][("28", None)]["numerator"]) for p in YEAR_MONTHS)
    den = sum(Decimal(months[p][("28", None)]["denominator"]) for p in YEAR_MONTHS)
    assert listing["28"].value == pytest.approx(float(num / den), abs=1e-9)
    assert all(f.name.endswith("（2025年下半年）") for f in notice.special_cases)
    per_case = next(d for d in notice.efficiency if d.indicator_id == "37")
    row = next(r for r in per_case.rows if r.value is not None)
    code = row.fixmedins_code
    inst_num = sum(Decimal(months[p][("37", code)]["numerator"]) for p in YEAR_MONTHS if ("37", code) in months[p])
    inst_den = sum(Decimal(months[p][("37", code)]["denominator"]) for p in YEAR_MONTHS if ("37", code) in months[p])
    assert row.value == pytest.approx(float(inst_num / inst_den), rel=1e-9)
    fund = {f.indicator_id: f for f in notice.fund_figures}
    assert fund["1"].value == pytest.approx(float(months["2025-12"][("1", None)]["value"]))


def test_a_published_release_re_renders_unchanged_after_a_month_is_corrected(copy, tmp_path):
    from liangjiadi.cli.main import app
    from liangjiadi.reports.render import render_release

    settings = _settings(copy)
    runner = CliRunner()
    env = {"LJD_PSEUDONYM_KEY": DEMO_KEY, "COLUMNS": "200"}
    assert get_release(Q4, settings).state.value == "published"
    before = render_release(Q4, tmp_path / "before", settings, attach=False, institutions=False)
    live_before = _stored(copy, ["2025-11"])["2025-11"][("36", None)]["value"]

    # correct 2025-11 in the lake (a tenth of its settlements withdrawn), rebuild its indicators
    source = copy / "demo-input" / "setl_d_2025-11.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    corrected = tmp_path / "setl_d_2025-11.csv"
    corrected.write_text("\n".join(lines[: len(lines) * 9 // 10]) + "\n", encoding="utf-8")
    ingested = runner.invoke(app, ["ingest", str(corrected), "--workdir", str(copy), "--replace"], env=env)
    assert ingested.exit_code == 0, ingested.output
    computed = runner.invoke(app, ["compute", "--period", "2025-11", "--workdir", str(copy)], env=env)
    assert computed.exit_code == 0, computed.output
    dispose_engines()
    assert _stored(copy, ["2025-11"])["2025-11"][("36", None)]["value"] != live_before  # the lake did change

    after = render_release(Q4, tmp_path / "after", settings, attach=False, institutions=False)
    dispose_engines()
    assert [p.name for p in before.files] == [p.name for p in after.files]
    for old, new in zip(before.files, after.files, strict=True):
        if old.suffix == ".docx":
            assert _docx_text(old) == _docx_text(new), old.name
        elif old.suffix == ".xlsx":
            assert _xlsx_cells(old) == _xlsx_cells(new), old.name
        elif old.suffix == ".html":
            assert old.read_text(encoding="utf-8") == new.read_text(encoding="utf-8"), old.name

    verified = runner.invoke(app, ["release", "verify", Q4, "--workdir", str(copy)], env=env)
    assert verified.exit_code == 0, verified.output
    assert "一致" in verified.output
    changed = get_release(Q4, settings).bundle_dir / "window_results.parquet"
    os.chmod(changed, stat.S_IRUSR | stat.S_IWUSR)
    changed.write_bytes(changed.read_bytes() + b"\0")
    tampered = runner.invoke(app, ["release", "verify", Q4, "--workdir", str(copy)], env=env)
    dispose_engines()
    assert tampered.exit_code == 1
    assert "window_results.parquet" in tampered.output


def test_q4_forecast_and_warnings_are_the_commands(demo):
    """The report's per-fund forecast and its warnings are what `liangjiadi analyse fund` prints."""
    import re

    from liangjiadi.cli.main import app

    result = CliRunner().invoke(app, ["analyse", "fund", "--period", "2025-12", "--workdir", str(demo.workdir)],
                                env={"LJD_PSEUDONYM_KEY": DEMO_KEY, "COLUMNS": "400"})
    dispose_engines()
    assert result.exit_code == 0, result.output
    printed = " ".join(result.output.split())
    text = _docx_text(demo.workdir / "outputs" / "发布材料" / "quarterly-2025-Q4-v1" / "季度分析报告_140400_2025-Q4.docx")
    forecasts = re.findall(r"(职工医保|居民医保)未来12个月预测.*?收支差 (-?[\d,.]+) 万元，期末可支付 ([\d.]+) 个月", printed)
    assert len(forecasts) == 2
    for label, balance, months in forecasts:
        assert re.search(rf"{label}累计结余[^。]*预计未来12个月收支差{balance}万元，期末可支付{months}个月", text), label
    for warning in re.findall(r"预警：(.+?)(?= 预警：|$)", printed):
        assert warning.strip().rstrip("。") + "。" in text
    assert "增幅（1" not in text  # no growth against the demo's one-month “year” 2024
