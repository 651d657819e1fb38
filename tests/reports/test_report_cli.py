"""`liangjiadi report` and the documents of the kinds a stored month cannot release in a test
(topic, annual): built from the models and rendered to Word and html."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from liangjiadi.anomalies.model import findings_table
from liangjiadi.runs import run_dir
from liangjiadi.cli.main import app
from liangjiadi.releases import create_release, get_release
from liangjiadi.releases.store import dispose_engines
from liangjiadi.reports import build as B
from liangjiadi.reports.docx_render import render_docx
from liangjiadi.reports.html_render import render_html
from liangjiadi.reports.source import load_source
from liangjiadi.reports.view import view_of

REGION, PERIOD = "140400", "2025-03"


@pytest.fixture
def region(stored_region, monkeypatch):
    out = run_dir(stored_region.workdir, "findings", REGION, PERIOD)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(findings_table([], "F0"), out / "F0.parquet")
    monkeypatch.setenv("LJD_REGION_ADMDVS", REGION)
    yield stored_region
    dispose_engines()


def test_report_command_renders_and_attaches(region, tmp_path):
    release = create_release("monthly", PERIOD, region, creator="测试")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "--release", release.release_id, "--out", str(out), "--workdir",
                                      str(region.workdir), "--region-name", "示例市", "--by", "测试", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "已附加到发布" in result.output
    assert (out / "月推送_140400_2025-03.docx").exists() and (out / "定向推送" / "H003.html").exists()
    attached = {f["path"] for f in get_release(release.release_id, region).files()}
    assert "reports/月推送_140400_2025-03.html" in attached


def test_report_command_explains_an_unknown_release(region, tmp_path):
    result = CliRunner().invoke(app, ["report", "--release", "140400-monthly-2030-01-v1", "--out", str(tmp_path),
                                      "--workdir", str(region.workdir)])
    assert result.exit_code == 2
    assert "没有编号为" in result.output


def test_annual_and_topic_documents_render(region, tmp_path):
    release = create_release("monthly", PERIOD, region, creator="测试")
    src = load_source(release.release_id, region, region_name="示例市")
    notice = B.annual_notice(src)
    topic = B.topic_report(src, {
        "kind": "category", "code": "I63", "name": "脑梗死", "months": ["2025-01", "2025-03"],
        "current": {"cases": 60, "total_cost": "900000.00", "per_case_cost": 15000.0, "median_case_cost": 14000.0},
        "last_year": {"cases": 50, "total_cost": "700000.00", "per_case_cost": 14000.0, "median_case_cost": 13000.0},
        "cases_yoy": 0.2, "per_case_cost_yoy": 0.0714,
        "subgroups": {"items": [{"key": "I63.9", "before_share": 0.6, "after_share": 0.35, "change_pp": -25.0},
                                {"key": "I63.3", "before_share": 0.03, "after_share": 0.15, "change_pp": 12.0}]},
        "benchmarks": [{"level_group": "三级", "value": 13500.0, "rule": "同级合格机构中位次均费用的第25百分位",
                        "institutions": 3}],
        "institutions": [{"fixmedins_code": "H001", "name": "第一人民医院", "level_group": "三级", "cases": 40,
                          "median_cost": 15000.0, "rank": 1, "percentile": 75.0, "benchmark": 13500.0,
                          "vs_benchmark": 0.11}],
        "top10": ["H001"], "bottom10": ["H001"], "notes": []})
    for model, stem in ((notice, "年度通报"), (topic, "专题分析")):
        view = view_of(model)
        docx_path = render_docx(view, tmp_path / f"{stem}.docx")
        page = render_html(view, tmp_path / f"{stem}.html").read_text(encoding="utf-8")
        assert docx_path.stat().st_size > 10_000
        options = json.loads(re.search(r'id="chart-options">(.*?)</script>', page, re.S).group(1))
        assert isinstance(options, dict)
    text = (tmp_path / "年度通报.html").read_text(encoding="utf-8")
    for heading in ("一、年度医保基金收支结余及预结算执行情况", "二、年度结算清单上传和质控情况", "六、特例单议受理及结算情况",
                    "七、其他需要公开的数据信息"):
        assert heading in text
    assert "I63.9" in (tmp_path / "专题分析.html").read_text(encoding="utf-8")
