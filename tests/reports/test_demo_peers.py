"""Issue 9 item 5 on the demo region: every push is benchmarked against at least five peers, and
the documents state the one peer rule they use."""

from __future__ import annotations

import json
import re

import docx

from liangjiadi.schema.codes import level_group

PUSHES = ("monthly-2025-12-v1", "quarterly-2025-Q4-v1")


def _docx_text(path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += ["\t".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(parts)


def _directory(demo) -> dict[str, dict]:
    bundle = demo.workdir / "releases" / "140400" / "monthly" / "2025-12" / "v1"
    return {r["code"]: r for r in json.loads((bundle / "institutions.json").read_text(encoding="utf-8"))}


def test_a_tertiary_hospitals_push_shows_its_percentile_among_at_least_five_peers(demo):
    assert demo.exit_code == 0, demo.output
    directory = _directory(demo)
    out = demo.workdir / "outputs" / "发布材料"
    for release in PUSHES:
        pushes = {p.stem: p for p in (out / release / "定向推送").glob("*.docx")
                  if directory[p.stem].get("fixmedins_type") != "2"}  # pharmacies: test_pharmacy_push.py
        by_group: dict[str, list[str]] = {}
        for code in pushes:
            by_group.setdefault(level_group(directory[code].get("hosp_lv")), []).append(code)
        assert set(by_group) == {"三级", "二级", "一级及以下"}, release
        for group, codes in by_group.items():
            benchmarked = 0
            for code in codes:
                text = _docx_text(pushes[code])
                assert "不足5家" not in text and "不作同级比较" not in text, (release, code)
                ranks = [int(n) for n in re.findall(r"本院次均住院费用[^。]*?居第\d+位（共(\d+)家）", text)]
                if ranks and "百分位" in text:
                    assert min(ranks) >= 6, (release, code, ranks)  # itself and at least five peers
                    benchmarked += 1
            assert benchmarked >= len(codes) - 2, (release, group)  # a month without discharges: no rank
        tertiary = next(c for c in by_group["三级"] if "居第" in _docx_text(pushes[c]))
        text = _docx_text(pushes[tertiary])
        assert re.search(r"处于比较组第\d+\.\d\d百分位", text)
        assert "同级比较口径" in text


def test_every_push_shows_its_trend_and_what_it_is_asked_to_do_by_when(demo):
    out = demo.workdir / "outputs" / "发布材料" / "quarterly-2025-Q4-v1" / "定向推送"
    directory = _directory(demo)
    for html in sorted(out.glob("*.html")):
        page = html.read_text(encoding="utf-8")
        if directory[html.stem].get("fixmedins_type") == "2":  # a pharmacy's push: its own months, 贵店
            text = _docx_text(html.with_suffix(".docx"))
            assert "本店医保基金支付：逐月" in page and "五、请贵店办理的事项" in text, html.name
            continue
        assert "chart-" in page and "本院次均住院费用：近13个月" in page, html.name
        text = _docx_text(html.with_suffix(".docx"))
        assert "五、请贵院办理的事项" in text and "收到本推送后15个工作日内" in text, html.name


def test_report_tables_and_narrative_use_one_stated_peer_set(demo):
    """The quarterly report states its peer rule in the body; the medians its sentences quote are
    those of its tables, and institutions left out for small volume are counted, not hidden."""
    path = demo.workdir / "outputs" / "发布材料" / "quarterly-2025-Q4-v1" / "季度分析报告_140400_2025-Q4.docx"
    text = _docx_text(path)
    assert text.count("同级比较口径：") == 1
    document = docx.Document(str(path))
    tables = {}
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[:3] == ["比较组", "适用机构等级", "参与统计机构数"]:
            for row in table.rows[1:]:
                cells = [c.text for c in row.cells]
                tables.setdefault(cells[0], set()).add(cells[4])  # medians by set
    assert tables, "no peer table"
    quoted = re.findall(r"(三级|二级|一级及以下|全地区)医疗机构[^。]*?中位数([\d,.]+(?:%|元)?)，四分位区间", text)
    assert quoted
    for group, median in quoted:
        assert median in tables[group], (group, median)
