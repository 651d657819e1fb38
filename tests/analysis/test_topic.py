"""专题分析 of ADRG EJ1 (and category J98) on the hand-built region: medians, benchmark,
rankings, subgroup shifts, cost structure, the topic log — every number worked out by hand."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from liangjiadi.analysis import coverage, suggest_topics, topic_analysis, topic_log
from liangjiadi.analysis.common import AnalysisError
from liangjiadi.analysis.topic import benchmarks, chapter_of, rank_candidates, sub_code

from . import handbuilt as hb


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return hb.build(tmp_path_factory.mktemp("topic"))


@pytest.fixture(scope="module")
def ej1(region):
    return topic_analysis(region, hb.P, adrg="EJ1", min_cases=3)


def test_window_and_totals(ej1):
    assert ej1.kind == "adrg" and ej1.code == "EJ1" and ej1.chapter == "E"
    assert ej1.months == [f"2025-{m:02d}" for m in range(1, 7)]
    assert ej1.reference_months == [f"2024-{m:02d}" for m in range(1, 7)]
    # 17 cases of 2025: FR25, the refund row, the invalid row and region O's hospital are out
    assert ej1.current.cases == 17
    assert ej1.current.total_cost == D("253000")
    assert ej1.current.per_case_cost == pytest.approx(253000 / 17)
    assert ej1.current.median_case_cost == 11000  # 9th of the 17 sorted costs (资源消耗中位数)
    assert ej1.last_year.cases == 6 and ej1.last_year.total_cost == D("65000")
    assert ej1.cases_yoy == pytest.approx(17 / 6 - 1)
    assert ej1.total_cost_yoy == pytest.approx(253000 / 65000 - 1)


def test_institution_medians_and_benchmark(ej1):
    a1, a2, a3, b1, b2, c1 = (ej1.institution(c) for c in ("A1", "A2", "A3", "B1", "B2", "C1"))
    assert (a1.cases, a1.median_cost, a1.mean_cost) == (4, 25000, 23000)
    assert (a2.median_cost, a3.median_cost, b1.median_cost) == (11000, 14000, 8000)
    assert a1.total_cost == D("92000")
    assert not b2.eligible and not c1.eligible and b2.rank is None
    # 三级 has 3 eligible institutions: 25th percentile of [11000, 14000, 25000] = 12500
    by_level = {b.level_group: b for b in ej1.benchmarks}
    assert by_level["三级"].value == pytest.approx(12500) and by_level["三级"].institutions == 3
    # 二级 has only B1: region-wide 25th percentile of [8000, 11000, 14000, 25000] = 10250
    assert by_level["二级"].value == pytest.approx(10250)
    assert "全地区" in by_level["二级"].rule
    assert by_level["一级及以下"].value == pytest.approx(10250)
    assert a1.benchmark == pytest.approx(12500) and a1.vs_benchmark == pytest.approx(1.0)
    assert b1.vs_benchmark == pytest.approx(8000 / 10250 - 1)
    # percentile of A2's median among the 三级 eligible medians: (0 below + ½) / 3
    assert a2.percentile == pytest.approx(100 / 6)
    assert a1.cases_last_year == 3 and a1.median_cost_last_year == 12000
    assert a1.cases_yoy == pytest.approx(4 / 3 - 1)


def test_rankings_top_and_bottom(ej1):
    assert [ej1.institution(c).rank for c in ("A1", "A3", "A2", "B1")] == [1, 2, 3, 4]
    assert [ej1.institution(c).level_rank for c in ("A1", "A3", "A2", "B1")] == [1, 2, 3, 1]
    # four ranked institutions: the higher two are the top, the lower two the bottom, none in both
    assert ej1.top10 == ["A1", "A3"]
    assert ej1.bottom10 == ["B1", "A2"]
    assert any("互不重复" in n for n in ej1.notes)


def test_subgroup_structure_and_shift(ej1):
    sg = {i.key: i for i in ej1.subgroups.items}
    assert {k: int(v.after) for k, v in sg.items()} == {"EJ11": 3, "EJ13": 4, "EJ15": 10}
    assert {k: int(v.before) for k, v in sg.items()} == {"EJ11": 0, "EJ13": 1, "EJ15": 5}
    assert sg["EJ11"].change_pp == pytest.approx(3 / 17 * 100)
    assert sg["EJ15"].change_pp == pytest.approx((10 / 17 - 5 / 6) * 100)
    costs = {c.key: c for c in ej1.subgroup_costs}
    assert costs["EJ11"].per_case_cost == pytest.approx((30000 + 32000 + 40000) / 3)
    assert costs["EJ11"].per_case_cost_last_year is None
    # A1: EJ11 0 -> 2 of 4 cases (+50 pp), EJ15 2 of 3 -> 1 of 4
    a1 = {s.key: s for s in ej1.institution_shifts if s.fixmedins_code == "A1"}
    assert (a1["EJ11"].cases_last_year, a1["EJ11"].cases, a1["EJ11"].change_pp) == (0, 2, pytest.approx(50.0))
    assert a1["EJ15"].share_last_year == pytest.approx(2 / 3) and a1["EJ15"].share == pytest.approx(0.25)


def test_cost_structure_from_setl_fee(ej1):
    cs = ej1.cost_structure
    assert cs is not None and cs.after_total == D("30000") and cs.before_total == D("10000")
    drug = cs.item("药品")
    assert drug.after_share == pytest.approx(0.4) and drug.before_share == pytest.approx(0.5)
    assert drug.change_pp == pytest.approx(-10.0)
    assert cs.item("检查").after_share == 0.0


def test_category_topic_by_sub_code(region):
    t = topic_analysis(region, hb.P, category="J98", min_cases=3, record=False)
    assert t.kind == "category" and t.chapter == "10" and t.current.cases == 17
    assert {i.key: int(i.after) for i in t.subgroups.items} == {"J98.1": 4, "J98.4": 10, "J98.9": 3}


def test_topic_log_and_coverage(region, ej1):
    log = topic_log(region.workdir)
    assert [(r.kind, r.code, r.chapter) for r in log] == [("adrg", "EJ1", "E")]
    topic_analysis(region, hb.P, adrg="EJ1", min_cases=3)  # again: recorded once
    assert len(topic_log(region.workdir)) == 1
    cov = coverage(region.workdir)
    assert cov.total == 26 and cov.covered == ["E"] and "A" in cov.remaining
    assert coverage(region.workdir, "category").total == 20
    assert json.loads((region.workdir / "topics.json").read_text(encoding="utf-8"))[0]["code"] == "EJ1"


def test_default_selection_prefers_volume_and_uncovered_chapter(region, ej1):
    picks = suggest_topics(region, hb.P, n=2)
    assert [p.code for p in picks] == ["EJ1", "FR2"]
    t = topic_analysis(region, hb.P, min_cases=3, record=False)
    assert t.code == "EJ1" and t.selection.startswith("自动")


def test_candidates_score_findings_and_coverage():
    vols = {"EJ1": (10, D(100)), "FR2": (10, D(100))}
    ranked = rank_candidates("adrg", vols, ["FR2 组病例高套"], covered={"E"})
    assert [c.code for c in ranked] == ["FR2", "EJ1"]
    assert ranked[0].findings == 1 and not ranked[0].chapter_covered


def test_helpers_and_errors(region):
    assert sub_code("I63.300") == "I63.3" and sub_code("i639") == "I63.9" and sub_code("I63") == "I63"
    assert chapter_of("I63") == 9 and chapter_of("S72") == 19 and chapter_of("D50") == 3
    b = benchmarks({"x": 100.0}, {"x": "三级", "y": "二级"})
    assert b["二级"].value == 100.0 and b["二级"].institutions == 1
    with pytest.raises(AnalysisError):
        topic_analysis(region, hb.P, adrg="ZZ9", record=False)
    with pytest.raises(AnalysisError):
        topic_analysis(region, hb.P, adrg="EJ1", category="J98", record=False)


def test_dip_region_defaults_to_a_diagnosis_category(tmp_path):
    from liangjiadi.lake import write_rows

    settings = hb.build(tmp_path)
    _, lists = hb.settlements_and_lists()
    write_rows(tmp_path, "setl_list", [dict(r, grp_type="DIP") for r in lists], hb.R)
    t = topic_analysis(settings, hb.P, min_cases=3, record=False)
    assert t.kind == "category" and t.code == "J98"


def test_top_and_bottom_never_share_an_institution():
    from hypothesis import given, strategies as st

    from liangjiadi.analysis.topic import top_and_bottom

    @given(st.integers(0, 40))
    def check(n):
        ordered = [f"H{i:02d}" for i in range(n)]
        top, bottom = top_and_bottom(ordered)
        assert not set(top) & set(bottom)
        assert len(top) == min(10, (n + 1) // 2) and len(bottom) == min(10, n - len(top))
        assert top == ordered[:len(top)] and bottom == list(reversed(ordered))[:len(bottom)]

    check()


def test_sub_codes_are_named_from_the_national_code_list_and_bare_when_absent():
    from pathlib import Path

    from liangjiadi.analysis.topic import diagnosis_names

    listing = Path(__file__).resolve().parents[3] / "shared" / "data" / "chs-drg-1.1" / "diagnoses.txt"
    if not listing.exists():
        pytest.skip("需要 /work/shared/data 的医保版诊断编码表")
    catalogue = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        code, _, name = line.partition(" ")
        if code.startswith("I63"):
            catalogue[code.replace(".", "").upper()] = name
    name, subs = diagnosis_names(catalogue, "I63")
    assert name == "脑梗死"
    assert subs["I63.3"] == "大脑动脉血栓形成引起的脑梗死"
    assert diagnosis_names({}, "I63") == (None, {})


def test_code_catalogue_names_the_sub_codes_and_the_topic(tmp_path, monkeypatch):
    """code_catalog (optional input table) is ingested like any table; the category topic then
    carries the names of its sub-codes, and the codes stay bare without it."""
    from liangjiadi.ingest import ingest_paths

    monkeypatch.setenv("LJD_PSEUDONYM_KEY", "test-key-padded-to-at-least-32-bytes")
    region = hb.build(tmp_path / "work")
    bare = topic_analysis(region, hb.P, category="J98", min_cases=3, record=False)
    assert bare.sub_names == {} and bare.name is None
    csv = tmp_path / "code_catalog.csv"
    csv.write_text("code_type,catalog_code,code_name\n"
                   "diag,J98.100,肺萎陷\ndiag,J98.400,肺的其他疾患\ndiag,J98.900,呼吸性疾患\n"
                   "diag,J98.901,呼吸道疾病\noprn,98.1000,其他\n", encoding="utf-8")
    report = ingest_paths([csv], region)
    assert report.rows_accepted == 5 and report.rows_quarantined == 0
    named = topic_analysis(region, hb.P, category="J98", min_cases=3, record=False)
    assert named.sub_names == {"J98.1": "肺萎陷", "J98.4": "肺的其他疾患", "J98.9": "呼吸性疾患"}
    assert named.name == "呼吸性疾患"
