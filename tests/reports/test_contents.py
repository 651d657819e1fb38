"""Issue 9, build items 4 and 6: the seeds' contents (入组率, 各机构结算, 重点病组, 支出流向, 个人负担,
预算执行, 清算, 特例单议, 下一步工作) frozen at `release create` and shown by the documents; the 疑点
table one row per institution and 线索."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from liangjiadi.config import Settings
from liangjiadi.releases.store import dispose_engines

REGION = "140400"
Q4 = ["2025-10", "2025-11", "2025-12"]
QUARTERLY = "140400-quarterly-2025-Q4-v1"


@pytest.fixture(scope="module")
def settings(demo) -> Settings:
    assert demo.exit_code == 0, demo.output
    return Settings(workdir=demo.workdir, region_admdvs=REGION)


@pytest.fixture(scope="module")
def quarter(settings) -> dict:
    from liangjiadi.analysis.contents import release_contents

    return release_contents(settings, REGION, Q4)


@pytest.fixture(scope="module")
def source(settings):
    from liangjiadi.reports.source import load_source

    try:
        yield load_source(QUARTERLY, settings)
    finally:
        dispose_engines()


def _lake(settings: Settings, table: str) -> str:
    return f"read_parquet('{Path(settings.workdir) / 'lake' / table}/**/*.parquet', union_by_name=true)"


def _d(value) -> Decimal:
    return Decimal(str(value))


# ---- analysis.contents against the lake ----------------------------------------------------------


def test_cases_and_grouping_rate_add_up_over_levels_and_months(quarter):
    rows = {r["level"]: r for r in quarter["cases"]["rows"]}
    region = rows.pop("全地区")
    assert region["cases"] == sum(r["cases"] for r in rows.values())
    assert region["grouped"] == sum(r["grouped"] for r in rows.values())
    assert region["rate"] == pytest.approx(region["grouped"] / region["cases"], abs=1e-6)
    months = quarter["cases"]["months"]
    assert [m["period"] for m in months] == Q4
    assert sum(m["cases"] for m in months) == region["cases"]


def test_institution_settlement_matches_the_lake(settings, quarter):
    """Each institution's window 统筹基金 is the lake's valid settlements at it; the window sums
    its months; discharges count the non-refund inpatient rows."""
    lake = duckdb.connect().execute(
        f"SELECT fixmedins_code, sum(hifp_pay) AS hifp FROM {_lake(settings, 'setl_d')} "
        f"WHERE period IN {tuple(Q4)} AND coalesce(vali_flag, '1') = '1' AND fix_blng_admdvs = '{REGION}' "
        "AND med_type NOT IN ('41') GROUP BY 1").fetchall()
    by_code = {c: _d(v) for c, v in lake}
    rows = quarter["settlement"]["rows"]
    assert rows
    for r in rows:
        assert sum(_d(m["hifp"]) for m in r["monthly"]) == _d(r["hifp"])
        assert [m["period"] for m in r["monthly"]] == Q4
        assert _d(r["hifp"]) == by_code[r["code"]], r["code"]
    assert sum(r["discharges"] for r in rows) == quarter["cases"]["rows"][0]["cases"]


def test_quarter_is_the_sum_of_its_months(settings, quarter):
    from liangjiadi.analysis.contents import release_contents

    months = [release_contents(settings, REGION, [m]) for m in Q4]
    q = {r["code"]: r for r in quarter["settlement"]["rows"]}
    for code, row in q.items():
        parts = [next((r for r in m["settlement"]["rows"] if r["code"] == code), None) for m in months]
        assert _d(row["medfee"]) == sum(_d(p["medfee"]) for p in parts if p)
        assert row["discharges"] == sum(p["discharges"] for p in parts if p)
    assert quarter["cases"]["rows"][0]["cases"] == sum(m["cases"]["rows"][0]["cases"] for m in months)


def test_clearing_is_the_clearing_table_of_the_window(settings, quarter):
    declared, deducted, paid = duckdb.connect().execute(
        f"SELECT sum(declared_amt), sum(deducted_amt), sum(paid_amt) FROM {_lake(settings, 'clr_result')} "
        f"WHERE period IN {tuple(Q4)}").fetchone()
    total = quarter["clearing"]["total"]
    assert (_d(total["declared"]), _d(total["deducted"]), _d(total["paid"])) == (declared, deducted, paid)
    assert len(quarter["clearing"]["rows"]) == duckdb.connect().execute(
        f"SELECT count(DISTINCT fixmedins_code) FROM {_lake(settings, 'clr_result')} WHERE period IN {tuple(Q4)}"
    ).fetchone()[0]


def test_flow_shares_and_key_groups(quarter):
    for part in ("by_level", "by_direction"):
        assert sum(r["share"] for r in quarter["flow"][part]) == pytest.approx(1, abs=1e-4)
    groups = quarter["key_groups"]
    volumes = [r["cases"] for r in groups["by_volume"]]
    assert volumes == sorted(volumes, reverse=True) and len(volumes) <= 10
    assert groups["cases"] == quarter["cases"]["rows"][0]["grouped"]
    assert all(r["name"] for r in groups["by_volume"])  # named from the group catalogue


def test_no_person_count_leaves_the_contents(quarter):
    """人均 divides by distinct persons; no count of persons is part of the output."""
    text = json.dumps(quarter, default=str)
    assert "psn" not in text and "persons" not in text
    burden = {r["kind"]: r for r in quarter["burden"]["rows"]}
    assert burden["住院"]["per_person_part"] is not None
    assert _d(burden["住院"]["per_person_part"]) >= _d(burden["住院"]["per_visit_part"])  # ≥ 1 stay per person


# ---- frozen in the bundle, shown by the documents ---------------------------------------------------


def test_contents_are_frozen_with_their_hash(settings):
    from liangjiadi.releases import get_release

    try:
        release = get_release(QUARTERLY, settings)
        files = {f["path"]: f["sha256"] for f in release.manifest()["files"]}
    finally:
        dispose_engines()
    assert "contents.json" in files
    frozen = json.loads((release.bundle_dir / "contents.json").read_text(encoding="utf-8"))
    assert frozen["months"] == Q4


def test_quarterly_report_shows_each_seed_item(demo, words):
    text = words.docx_text(demo.workdir / "outputs" / "发布材料" / "quarterly-2025-Q4-v1" / "季度分析报告_140400_2025-Q4.docx")
    for title in ("基金支出流向", "预算执行情况", "各定点医疗机构月度基金结算", "各定点医疗机构清算情况", "病例入组情况",
                  "重点病组：病例数前十位", "重点病组：医疗总费用前十位", "特例单议受理及结算", "参保人个人负担",
                  "住院医疗费用结构", "各定点医疗机构医疗总费用、医保基金使用、出院人次及住院率", "常见病组费用差异",
                  "五、下一步工作打算", "入组率"):
        assert title in text, title


def test_monthly_push_shows_grouping_and_settlement(demo, words):
    text = words.docx_text(demo.workdir / "outputs" / "发布材料" / "monthly-2025-12-v1" / "月推送_140400_2025-12.docx")
    assert "病例入组情况" in text and "入组率" in text
    assert "各定点医疗机构月度基金结算" in text


def test_next_steps_are_drafted_from_the_period(source):
    """Not fixed text: warnings, findings and named institutions change what it says."""
    from liangjiadi.reports import build
    from liangjiadi.reports.contents import next_steps

    quiet = next_steps(source, warnings=[], findings=[], named=[], next_label="下季度")
    assert any("未发出警示" in s for s in quiet)
    assert not any("线索核查" in s for s in quiet)
    items = build.finding_items(source)
    assert items
    busy = next_steps(source, warnings=["可支付月数5.2个月，低于6个月。"], findings=items,
                      named=[("示例医院", "次均住院费用")], next_label="下季度")
    assert any("可支付月数5.2个月" in s for s in busy)
    assert any(f"疑点线索{len(items)}条" in s for s in busy)
    assert any("示例医院" in s for s in busy)
    q = build.quarterly_report(source)
    for w in q.outlook.warnings:
        assert any(w in s for s in q.next_steps)


# ---- the 疑点 table ---------------------------------------------------------------------------------


def test_findings_table_one_row_per_institution_and_pattern_groups(source):
    from liangjiadi.reports import build

    items = build.finding_items(source)
    rows = build.finding_rows(source, items)
    assert sum(r.count for r in rows) == len(items)
    region = [r for r in rows if r.fixmedins_code is None]
    assert len({r.pattern_name for r in region}) == len(region)  # one row per pattern
    assert any(r.count > 1 for r in region), "the demo plants repeated region-level findings"
    for r in rows:
        if r.fixmedins_code:
            inst = source.institution(r.fixmedins_code)
            assert r.institution == f"{inst.name}（{inst.level_name}）"
    keys = [(r.fixmedins_code, r.pattern_name) for r in rows if r.fixmedins_code]
    assert len(keys) == len(set(keys))


def test_quarterly_tables_fit_the_page(demo, source):
    import docx

    from liangjiadi.reports import build

    path = demo.workdir / "outputs" / "发布材料" / "quarterly-2025-Q4-v1" / "季度分析报告_140400_2025-Q4.docx"
    document = docx.Document(str(path))
    for table in document.tables:
        widths = [int(c.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w"))
                  for c in table._tbl.tblGrid.iterchildren()]
        assert sum(widths) <= 9000
    rows = build.finding_rows(source, build.finding_items(source))
    headed = [t for t in document.tables if t.rows[0].cells[0].text == "机构（等级）"]
    assert len(headed) == 1 and len(headed[0].rows) == len(rows) + 1


# ---- words a reader should not see --------------------------------------------------------------------


def test_contract_names_become_chinese():
    from liangjiadi.reports.wording import readable

    text = readable("有效结算（vali_flag 为 1）的 hifp_pay 净额，fix_blng_admdvs = 本地区；基金报表 income_total；DRG 组")
    assert "vali_flag" not in text and "hifp_pay" not in text and "fix_blng_admdvs" not in text
    assert "有效标志" in text and "基金收入合计" in text and "DRG 组" in text


def test_no_contract_name_survives_readable():
    """Whatever Chinese text surrounds them, the contract's field and code names are replaced."""
    from hypothesis import given, settings as hsettings
    from hypothesis import strategies as st

    from liangjiadi.reports.wording import contract_names, readable

    snake = sorted(n for n in contract_names() if "_" in n)
    filler = st.text(alphabet="结算数据基金（）、，。=+ 0123456789", min_size=1, max_size=6)  # names never touch

    @hsettings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(filler, st.sampled_from(snake)), min_size=1, max_size=6), filler)
    def check(parts, tail):
        text = readable("".join(a + b for a, b in parts) + tail)
        assert not any(name in text for _, name in parts), text

    check()


# ---- 特例单议: not supplied is not "none received" ----------------------------------------------


def test_special_cases_not_supplied_are_not_reported_as_none_received():
    from liangjiadi.analysis.contents import _special as analyse
    from liangjiadi.reports.contents import _special as show

    class NoSpecialTable:
        def has_data(self, name):
            return name != "special_case"

    frozen = analyse(NoSpecialTable(), Q4, {})
    assert frozen == {"available": False, "rows": []}
    text = show({"special": frozen}, "本季度").paragraphs[0]
    assert "未提供特例单议数据" in text and "未受理" not in text
    # supplied but empty, and releases frozen before the flag existed: none received
    assert "未受理特例单议申请" in show({"special": {"available": True, "rows": []}}, "本季度").paragraphs[0]
    assert "未受理特例单议申请" in show({"special": {"rows": []}}, "本季度").paragraphs[0]


def test_special_cases_supplied_are_flagged_available(quarter):
    assert quarter["special"]["available"] is True and quarter["special"]["rows"]
