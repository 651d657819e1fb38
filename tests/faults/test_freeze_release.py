"""A published release does not change after publication (issue 9, Build 1 and Must show 1).

The demo publishes 2025-12; then the month and a history month are corrected (every amount
doubled) and re-ingested, the indicators recomputed; re-rendering the published release must
print exactly what it printed before: every text of its docx, html and xlsx, footer hash
included. On the old code the reports read the live lake and stored runs at render time, so
these texts changed. `release verify` then re-hashes the bundle and names a changed file.
"""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.config import Settings
from liangjiadi.indicators import compute
from liangjiadi.indicators.results import load_results
from liangjiadi.ingest import ingest_paths
from liangjiadi.releases import get_release, list_releases
from liangjiadi.releases.store import dispose_engines
from liangjiadi.reports.render import render_release

REGION, PERIOD, HISTORY_MONTH = "140400", "2025-12", "2025-06"
AMOUNT = re.compile(r"(_amt|_pay|sumamt|selfpay)$")


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def _xlsx_text(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(f"{sheet.title}|" + "|".join("" if v is None else str(v) for v in row)
                     for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))


def _html_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")  # chart data included: the figures the charts draw


def document_texts(folder: Path) -> dict[str, str]:
    """Every document of a rendered release (and its 定向推送) as text, by relative path."""
    out = {}
    for path in sorted(folder.rglob("*")):
        reader = {".docx": _docx_text, ".xlsx": _xlsx_text, ".html": _html_text}.get(path.suffix)
        if reader is not None:
            out[path.relative_to(folder).as_posix()] = reader(path)
    return out


def _double_amounts(source: Path, target: Path) -> None:
    """The corrected month: every amount doubled (sums stay consistent, exactly)."""
    with open(source, encoding="utf-8", newline="") as fin, open(target, "w", encoding="utf-8", newline="") as fout:
        reader = csv.DictReader(fin)
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            for key, value in row.items():
                if AMOUNT.search(key) and value not in ("", None):
                    row[key] = f"{float(value) * 2:.2f}"
            writer.writerow(row)


@pytest.fixture(scope="module")
def published(demo, tmp_path_factory):
    """A private copy of the session's demo (13 months, its releases published): the test
    re-ingests a month into it."""
    assert demo.exit_code == 0, demo.output
    mp = pytest.MonkeyPatch()
    mp.setenv("LJD_PSEUDONYM_KEY", "test-key-padded-to-at-least-32-bytes")  # the demo fixture's
    work = tmp_path_factory.mktemp("freeze") / "work"
    shutil.copytree(demo.workdir, work)
    settings = Settings(workdir=work, region_admdvs=REGION, duckdb_threads=1, duckdb_memory_limit="1GB")
    yield settings
    dispose_engines()
    mp.undo()


def test_a_published_release_renders_the_same_after_a_corrected_month_is_reingested(published, tmp_path):
    settings = published
    monthly = next(r for r in list_releases(settings, kind="monthly") if r.state.value == "published")
    first = document_texts(Path(settings.workdir) / "outputs" / "发布材料" / f"monthly-{PERIOD}-v{monthly.version}")
    assert any(k.endswith(".docx") for k in first) and any(k.endswith(".xlsx") for k in first)
    before = {m: load_results(settings.workdir, REGION, m) for m in (PERIOD, HISTORY_MONTH)}

    corrected = tmp_path / "corrected"
    corrected.mkdir()
    for month in (PERIOD, HISTORY_MONTH):
        _double_amounts(Path(settings.workdir) / "demo-input" / f"setl_d_{month}.csv",
                        corrected / f"setl_d_{month}.csv")
    ingest_paths([corrected], settings)
    for month in (PERIOD, HISTORY_MONTH):
        compute(month, settings)
        after = load_results(settings.workdir, REGION, month)
        # the live data really changed: a render reading it would print other figures
        assert after.column("value").to_pylist() != before[month].column("value").to_pylist()

    again = render_release(monthly.release_id, tmp_path / "again", settings, attach=False, workers=1)
    second = document_texts(again.out_dir)
    assert second.keys() == first.keys()
    changed = [name for name in first if first[name] != second[name]]
    assert not changed, f"re-rendered documents differ: {changed[:5]}"
    footer = re.search(r"数据哈希 ([0-9a-f]{12})", second[f"月推送_{REGION}_{PERIOD}.docx"])
    assert footer and monthly.manifest()["data_hash"].startswith(footer.group(1))


def test_release_verify_rehashes_every_frozen_file(published):
    settings = published
    runner = CliRunner()
    monthly = next(r for r in list_releases(settings, kind="monthly") if r.state.value == "published")
    manifest = monthly.manifest()
    listed = {f["path"] for f in manifest["files"]}
    for name in ("institutions.json", "history.parquet", "series.json", "peers.json", "fund_forecast.json",
                 "fund_outlook.json", "topics.json", "patterns.json", "indicators.json", "context.json"):
        assert name in listed, name
    ok = runner.invoke(app, ["release", "verify", monthly.release_id, "--workdir", str(settings.workdir)])
    assert ok.exit_code == 0, ok.output

    frozen = get_release(monthly.release_id, settings).bundle_dir / "history.parquet"
    table = pq.read_table(frozen)
    frozen.chmod(0o644)
    pq.write_table(table.slice(0, table.num_rows - 1), frozen)  # a history row quietly dropped
    bad = runner.invoke(app, ["release", "verify", monthly.release_id, "--workdir", str(settings.workdir)])
    assert bad.exit_code != 0
    assert "history.parquet" in bad.output


def test_the_bundle_says_which_history_months_the_lake_did_not_have(published):
    from liangjiadi.releases.frozen import read_frozen

    monthly = next(r for r in list_releases(published, kind="monthly"))
    content = read_frozen(monthly.bundle_dir)
    # 13 generated months (2024-12 .. 2025-12): the 12 months before 2024-12 are missing
    assert content.history_missing == [f"2023-{m:02d}" for m in (12,)] + [f"2024-{m:02d}" for m in range(1, 12)]
    with zipfile.ZipFile(next((published.workdir / "outputs" / "发布材料").glob("monthly-*/月推送_*.docx"))) as z:
        body = z.read("word/document.xml").decode("utf-8") + "".join(
            z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer"))
    assert "缺少2023年12月" in re.sub(r"<[^>]+>", "", body)
