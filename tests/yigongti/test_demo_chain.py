"""`liangjiadi demo --yigongti`: the generated city's 医共体 run the whole chain of seeds/003 —
budget → monthly disbursement → 域外 deductions → year-end clearing — and the releases freeze the
figures (yigongti.json) and publish the county report (Word, web page, Excel) and each member's
医共体 view in its 定向推送. A re-render after the lake has lost its 医共体 data prints the same
figures: the documents read the frozen release only."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

KEY = "test-key-padded-to-at-least-32-bytes"
ARGS = ["--scale", "0.004", "--months", "24", "--yigongti"]


def _words():
    path = Path(__file__).parents[1] / "reports" / "document_text.py"
    spec = importlib.util.spec_from_file_location("document_text_ygt", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from liangjiadi.cli.main import app
    from liangjiadi.config import reset_settings_cache
    from liangjiadi.releases.store import dispose_engines

    work = tmp_path_factory.mktemp("ygt-demo") / "work"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LJD_PSEUDONYM_KEY", KEY)
        reset_settings_cache()
        result = CliRunner().invoke(app, ["demo", "--workdir", str(work), *ARGS])
    dispose_engines()
    reset_settings_cache()
    return work, result


def _settings(work: Path):
    from liangjiadi.config import Settings

    counties = sorted({r.split(",")[2] for r in (work / "demo-input" / "yigongti.csv").read_text(
        encoding="utf-8").splitlines()[1:]})
    return Settings(workdir=work, region_admdvs="140400", region_county_admdvs=counties)


def _bundle(work: Path, kind: str, key: str) -> Path:
    return work / "releases" / "140400" / kind / key / "v1"


def test_the_demo_runs_the_chain_and_publishes_the_county_report(run):
    work, result = run
    assert result.exit_code == 0, result.output
    assert "总额预算 → 按月拨付 → 域外扣减 → 年终清算" in result.output and "清算拨付" in result.output
    for kind, key in (("monthly", "2025-12"), ("quarterly", "2025-Q4")):
        bundle = _bundle(work, kind, key)
        paths = {f["path"] for f in json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["files"]}
        assert "yigongti.json" in paths
        for suffix in (".docx", ".html", ".xlsx"):
            assert f"reports/县域医共体报告_140400_{key}{suffix}" in paths, (kind, suffix)


def test_the_frozen_figures_are_the_live_year(run):
    from liangjiadi.yigongti import service

    work, _ = run
    fig = json.loads((_bundle(work, "monthly", "2025-12") / "yigongti.json").read_text(encoding="utf-8"))
    assert fig["available"] and fig["cleared"] and fig["through"] == "2025-12" and len(fig["units"]) >= 2
    data = service.load_year(_settings(work), 2025)
    rb = service.budget(data)
    clearing = {c.yigongti_id: c for c in service.settle(data, rb, service.assessments(data))}
    for u in fig["units"]:
        assert Decimal(u["budget"]) == rb.of(u["yigongti_id"]).total > 0
        assert Decimal(u["clearing"]["settlement"]) == clearing[u["yigongti_id"]].settlement
        assert len(u["months"]) == 12 and Decimal(u["deducted"]) > 0  # served insured also go outside
    assert Decimal(fig["budget"]["committed"]) + Decimal(fig["budget"]["reserve"]) <= Decimal(fig["budget"]["income"])


def test_members_pushes_show_their_yigongti(run):
    work, _ = run
    words = _words()
    fig = json.loads((_bundle(work, "monthly", "2025-12") / "yigongti.json").read_text(encoding="utf-8"))
    pushes = work / "outputs" / "发布材料" / "monthly-2025-12-v1" / "定向推送"
    members = {c for u in fig["units"] for c in u["members"]}
    lead = fig["units"][0]["lead"]
    text = words.docx_text(pushes / f"{lead}.docx")
    assert f"本院所在县域医共体：{fig['units'][0]['name']}" in text and "的牵头医院" in text
    assert f"{Decimal(fig['units'][0]['budget']):,.2f}" in text
    other = next(p for p in sorted(pushes.glob("*.docx")) if p.stem not in members)
    assert "本院所在县域医共体" not in words.docx_text(other)


def test_the_county_report_has_no_python_or_english_words(run):
    work, _ = run
    words = _words()
    files = sorted((work / "outputs" / "发布材料").rglob("县域医共体报告_*"))
    assert len(files) == 6
    for path in files:
        assert list(words.forbidden_words(words.document_text(path))) == [], path.name


def test_a_re_render_reads_the_bundle_not_the_lake(run, tmp_path):
    """Fault injection: the lake loses its 医共体 table and settlements; the published release
    still renders the same county report from yigongti.json."""
    from liangjiadi.reports.render import render_release

    work, _ = run
    words = _words()
    lake = work / "lake"
    moved = tmp_path / "moved"
    moved.mkdir()
    for table in ("yigongti", "setl_d"):
        shutil.move(str(lake / table), str(moved / table))
    try:
        settings = _settings(work)
        result = render_release("140400-monthly-2025-12-v1", tmp_path / "out", settings, attach=False,
                                institutions=False)
    finally:
        for table in ("yigongti", "setl_d"):
            shutil.move(str(moved / table), str(lake / table))
    again = next(p for p in result.files if p.name.startswith("县域医共体报告") and p.suffix == ".docx")
    published = work / "outputs" / "发布材料" / "monthly-2025-12-v1" / again.name
    def body(path):  # all but the issue date (the day of rendering)
        return [x for x in words.docx_text(path).splitlines() if not re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", x)]
    assert body(again) == body(published) and "年终清算" in "".join(body(again))
