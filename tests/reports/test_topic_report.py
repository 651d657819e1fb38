"""Issue 9 item 7: the topic report shows what the topic analysis computed — named sub-codes
(bare without a catalogue), their costs, the cost structure, the institutions' shifts, distinct
top and bottom ten, the quarter's window, the topic's name in the title, one colour per part."""

from __future__ import annotations

import json

import pytest

from liangjiadi.releases import create_release
from liangjiadi.releases.store import dispose_engines
from liangjiadi.reports import build as B
from liangjiadi.reports.charts import PALETTE, to_echarts
from liangjiadi.reports.source import load_source
from liangjiadi.reports.view import view_of

PERIOD = "2025-03"


def _analysis(sub_names: dict) -> dict:
    insts = [{"fixmedins_code": c, "name": n, "level_group": "三级", "cases": 40 - i, "median_cost": 15000.0 - 100 * i,
              "rank": i + 1, "percentile": 50.0, "benchmark": 13500.0, "vs_benchmark": 0.1, "eligible": True}
             for i, (c, n) in enumerate((("H001", "第一人民医院"), ("H002", "中医医院"), ("H003", "第二人民医院")))]
    keys = [f"I63.{d}" for d in range(10)]
    return {
        "kind": "category", "code": "I63", "name": sub_names and "脑梗死" or None,
        "months": ["2025-01", "2025-02", "2025-03"], "sub_names": sub_names,
        "current": {"cases": 60, "total_cost": "900000.00", "per_case_cost": 15000.0, "median_case_cost": 14000.0},
        "last_year": {"cases": 50, "total_cost": "700000.00", "per_case_cost": 14000.0, "median_case_cost": 13000.0},
        "cases_yoy": 0.2, "per_case_cost_yoy": 0.0714,
        "subgroups": {"items": [{"key": k, "before_share": 0.1, "after_share": 0.1 + (0.05 if k == "I63.3" else
                                 -0.05 / 9), "change_pp": 5.0 if k == "I63.3" else -5 / 9} for k in keys]},
        "subgroup_costs": [{"key": k, "cases": 6, "cases_last_year": 5, "per_case_cost": 15500.0,
                            "per_case_cost_last_year": 14200.0} for k in keys],
        "cost_structure": {"items": [{"key": "药品", "after": "360000.00", "before_share": 0.42, "after_share": 0.40,
                                      "change_pp": -2.0},
                                     {"key": "耗材", "after": "540000.00", "before_share": 0.58, "after_share": 0.60,
                                      "change_pp": 2.0}]},
        "institution_shifts": [{"fixmedins_code": "H002", "key": "I63.3", "cases_last_year": 2, "cases": 9,
                                "share_last_year": 0.1, "share": 0.3, "change_pp": 20.0, "growth": 3.5}],
        "benchmarks": [{"level_group": "三级", "value": 13500.0, "rule": "同级合格机构中位次均费用的第25百分位",
                        "institutions": 3}],
        "institutions": insts, "top10": ["H001", "H002"], "bottom10": ["H003"], "notes": [],
    }


@pytest.fixture
def src(stored_region):
    import pyarrow.parquet as pq

    from liangjiadi.anomalies.model import findings_table
    from liangjiadi.runs import run_dir

    out = run_dir(stored_region.workdir, "findings", "140400", PERIOD)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(findings_table([], "F0"), out / "F0.parquet")
    release = create_release("monthly", PERIOD, stored_region, creator="测试")
    yield load_source(release.release_id, stored_region, region_name="示例市")
    dispose_engines()


def _text(view) -> str:
    parts = [view.title, view.lead]
    for s in view.sections:
        parts += s.paragraphs
        for t in s.tables:
            parts += [t.title, t.note] + ["\t".join(r) for r in t.rows]
    return "\n".join(parts)


def test_topic_report_shows_every_computed_part(src):
    report = B.topic_report(src, _analysis({"I63.3": "大脑动脉血栓形成引起的脑梗死", "I63.9": "脑梗死"}))
    view = view_of(report)
    text = _text(view)
    assert view.title.endswith("专题分析：脑梗死（诊断类目 I63）")
    assert report.window == "2025年第一季度" and "分析期间：2025年第一季度" in text
    assert "I63.3 大脑动脉血栓形成引起的脑梗死" in text and "\tI63.4\t" not in text and "I63.4\t" in text
    assert "15,500.00元" in text and "14,200.00元" in text  # sub-code costs, both years
    assert "耗材\t54.00万元" in text  # cost structure
    assert "中医医院\tI63.3 大脑动脉血栓形成引起的脑梗死\t10.00%\t30.00%\t20.00个百分点" in text  # its shift
    top = {r.fixmedins_code for r in report.top10}
    assert top and not top & {r.fixmedins_code for r in report.bottom10}
    chart = next(c for s in view.sections for c in s.charts if c.key == "subgroups")
    assert len(chart.series) == 10
    assert len(set(to_echarts(chart)["color"][:len(chart.series)])) == len(chart.series) <= len(PALETTE)


def test_codes_are_shown_bare_without_a_catalogue(src):
    report = B.topic_report(src, _analysis({}))
    view = view_of(report)
    assert view.title.endswith("专题分析：诊断类目 I63")
    assert "I63.3\t" in _text(view) and "未提供编码目录时只列编码" in _text(view)


def test_a_topic_release_of_the_demo_covers_its_quarter_and_names_its_groups(demo, tmp_path):
    """End to end on a copy of the demo region: `release create --kind topic 2025-Q4` analyses
    October to December, and its report is titled with the ADRG's name and names its DRG groups."""
    import shutil

    from liangjiadi.config import Settings
    from liangjiadi.reports.render import render_release

    assert demo.exit_code == 0, demo.output
    work = tmp_path / "work"
    shutil.copytree(demo.workdir, work, ignore=shutil.ignore_patterns("demo-input", "outputs"))
    settings = Settings(workdir=work, region_admdvs="140400")
    try:
        release = create_release("topic", "2025-Q4", settings, creator="测试")
        analysis = release.bundle_dir
        result = render_release(release.release_id, tmp_path / "out", settings, attach=False, workers=1)
    finally:
        dispose_engines()
    frozen = json.loads((work / analysis / "topic_analysis.json").read_text(encoding="utf-8"))
    assert frozen["months"] == ["2025-10", "2025-11", "2025-12"]
    assert frozen["name"] and frozen["sub_names"]
    assert not set(frozen["top10"]) & set(frozen["bottom10"])
    page = next(p for p in result.files if p.name.startswith("专题分析_") and p.suffix == ".html")
    text = page.read_text(encoding="utf-8")
    assert f"专题分析：{frozen['name']}（ADRG {frozen['code']}）" in text
    assert "分析期间：2025年第四季度" in text
    key, name = next(iter(frozen["sub_names"].items()))
    assert f"{key} {name}" in text
