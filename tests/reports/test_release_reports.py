"""Release renderers: files, attachment, privacy of the 定向推送, ECharts pages, Word fonts,
LibreOffice conversion, redaction blocking publication, the feedback file."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from liangjiadi.anomalies.model import Finding, findings_table
from liangjiadi.runs import run_dir
from liangjiadi.releases import (
    PublishBlockedError, add_member, create_release, get_release, publish, sign, submit,
)
from liangjiadi.releases.store import dispose_engines
from liangjiadi.reports import build as B
from liangjiadi.reports.render import render_release
from liangjiadi.reports.source import load_source

REGION, PERIOD = "140400", "2025-03"
LAKE_TOKEN = "7f3a9c2e5b8d1f4a6c0e9b2d5f8a1c3e"  # a pseudonymised psn_no as the lake holds it
PLANTED_ID = "11010519491231002X"  # valid GB 11643 check digit


def _findings(settings, extra: list[Finding] = ()) -> None:
    rows = [
        Finding(pattern="readmission_15d", period=PERIOD, severity="medium", fixmedins_code="H001", score=2.0,
                message="第一人民医院15天内再入院比例高于同级机构。", evidence={"own": 0.12, "peer_median": 0.05}),
        Finding(pattern="out_of_list_share", period=PERIOD, severity="high", fixmedins_code="H002", score=3.0,
                message="中医医院医保外费用占比明显高于同级机构。", evidence={"own": 0.2, "peer_median": 0.07}),
        *extra,
    ]
    out = run_dir(settings.workdir, "findings", REGION, PERIOD)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(findings_table(rows, "F1"), out / "F1.parquet")


@pytest.fixture
def region(stored_region):
    _findings(stored_region)
    for member_id, name, role in (("m01", "召集人甲", "convener"), ("m02", "医院代表乙", "hospital")):
        add_member(member_id, name, role, stored_region, actor="测试")
    yield stored_region
    dispose_engines()


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _approve_and_publish(release_id, settings, reason="测试数据"):
    submit(release_id, "测试", settings)
    for member in ("m01", "m02"):
        sign(release_id, member, approve=True, settings=settings)
    return publish(release_id, "测试", override_reason=reason, settings=settings)


def test_monthly_release_renders_every_file_and_attaches(region, tmp_path):
    release = create_release("monthly", PERIOD, region, creator="测试")
    result = render_release(release.release_id, tmp_path / "out", region, region_name="示例市", actor="测试", workers=1)
    names = {p.name for p in result.files}
    assert {"月推送_140400_2025-03.docx", "月推送_140400_2025-03.html", "数据底稿_140400_2025-03.xlsx"} <= names
    codes = {p.stem for p in result.institution_files}
    assert codes == {"H001", "H002", "H003", "H004", "H005", "P001"}  # the pharmacy gets its push too
    assert result.attached
    attached = {f["path"] for f in get_release(release.release_id, region).files()}
    assert "reports/月推送_140400_2025-03.docx" in attached
    assert "reports/定向推送/H001.docx" in attached and "reports/static/echarts.min.js" in attached
    assert "reports/static/echarts-LICENSE.txt" in attached
    published = _approve_and_publish(release.release_id, region)
    assert published.state.value == "published"


def test_html_uses_vendored_echarts_and_valid_chart_json(region, tmp_path):
    release = create_release("monthly", PERIOD, region, creator="测试")
    result = render_release(release.release_id, tmp_path / "out", region, attach=False, workers=1)
    page = next(p for p in result.files if p.suffix == ".html").read_text(encoding="utf-8")
    assert '<script src="static/echarts.min.js"></script>' in page
    assert not re.search(r"https?://", page), "no CDN or other internet address in a page"
    assert (tmp_path / "out" / "static" / "echarts.min.js").stat().st_size > 500_000
    assert (tmp_path / "out" / "static" / "echarts-LICENSE.txt").exists()
    options = json.loads(re.search(r'<script type="application/json" id="chart-options">(.*?)</script>', page,
                                   re.S).group(1))
    assert options and all("series" in o for o in options.values())
    for chart_id in options:
        assert f'id="{chart_id}"' in page
    push = (tmp_path / "out" / "定向推送" / "H001.html").read_text(encoding="utf-8")
    assert '<script src="../static/echarts.min.js"></script>' in push


def test_docx_runs_name_an_east_asian_font(region, tmp_path):
    release = create_release("monthly", PERIOD, region, creator="测试")
    result = render_release(release.release_id, tmp_path / "out", region, attach=False, workers=1)
    docx_path = next(p for p in result.files if p.suffix == ".docx")
    xml = zipfile.ZipFile(docx_path).read("word/document.xml").decode("utf-8")
    runs = re.findall(r"<w:r>.*?</w:r>|<w:r .*?</w:r>", xml, re.S)
    text_runs = [r for r in runs if re.search(r"<w:t[ >][^<]*[\u4e00-\u9fff]", r)]
    assert text_runs
    assert all('w:eastAsia="Noto Sans CJK SC"' in r for r in text_runs)


def test_institution_push_holds_only_its_own_details(region, tmp_path):
    release = create_release("monthly", PERIOD, region, creator="测试")
    result = render_release(release.release_id, tmp_path / "out", region, attach=False, workers=1)
    own = _docx_text(tmp_path / "out" / "定向推送" / "H001.docx")
    html = (tmp_path / "out" / "定向推送" / "H001.html").read_text(encoding="utf-8")
    assert "第一人民医院" in own and "15天内再入院" in own
    assert "10,000.00元" in own  # its own 次均住院费用
    assert "不作同级比较" in own  # two 三级 hospitals: quartiles would reveal the other's value
    for text in (own, html):
        for other_code, other_name in (("H002", "中医医院"), ("H003", "第二人民医院"), ("H004", "妇幼保健院"),
                                       ("H005", "城关镇卫生院")):
            assert other_code not in text and other_name not in text
        assert "医保外费用占比明显高于" not in text  # H002's finding
    assert result.institution_files


def test_finding_naming_another_institution_is_neutralised(region):
    _findings(region, [Finding(pattern="cost_deviation", period=PERIOD, severity="low", fixmedins_code="H001",
                               message="第一人民医院次均费用高于中医医院。", evidence={"own": 1.0})])
    release = create_release("monthly", PERIOD, region, creator="测试")
    src = load_source(release.release_id, region)
    items = B.finding_items(src, "H001")
    assert all("中医医院" not in f.message for f in items)
    assert any(f.pattern == "cost_deviation" for f in items)


def test_planted_id_number_in_a_template_blocks_publication(region, tmp_path):
    import docx

    own = Path(region.workdir) / "templates"
    own.mkdir(parents=True)
    template = docx.Document(str(Path(B.__file__).parent / "templates" / "monthly_push.docx"))
    template.add_paragraph(f"联系人证件：{PLANTED_ID}")
    template.save(str(own / "monthly_push.docx"))
    release = create_release("monthly", PERIOD, region, creator="测试")
    render_release(release.release_id, tmp_path / "out", region, actor="测试", institutions=False)
    with pytest.raises(PublishBlockedError) as info:
        _approve_and_publish(release.release_id, region)
    message = str(info.value)
    assert "身份证号" in message and "reports/月推送_140400_2025-03.docx" in message
    assert PLANTED_ID not in message  # only masked


def test_planted_psn_token_in_a_finding_blocks_publication(region, tmp_path):
    part = Path(region.workdir) / "lake" / "setl_d" / REGION / PERIOD
    part.mkdir(parents=True, exist_ok=True)
    import pyarrow as pa

    pq.write_table(pa.table({"setl_id": ["S1"], "psn_no": [LAKE_TOKEN], "admdvs": [REGION], "period": [PERIOD]}),
                   part / "part-0.parquet")
    _findings(region, [Finding(pattern="readmission_15d", period=PERIOD, severity="high", fixmedins_code="H001",
                               message=f"参保人 {LAKE_TOKEN} 15天内两次入院。", evidence={})])
    release = create_release("monthly", PERIOD, region, creator="测试")
    render_release(release.release_id, tmp_path / "out", region, actor="测试", workers=1)
    with pytest.raises(PublishBlockedError) as info:
        _approve_and_publish(release.release_id, region)
    message = str(info.value)
    assert "人员编号" in message and "reports/" in message
    assert LAKE_TOKEN not in message


def test_quarterly_report_reads_the_feedback_file(region, tmp_path):
    feedback = Path(region.workdir) / "feedback"
    feedback.mkdir(parents=True)
    (feedback / "2024-Q4.yaml").write_text(
        "items:\n"
        "  - source: 第一人民医院（医疗机构代表）\n    topic: 指标口径\n    content: 希望说明次均住院费用口径\n"
        "    response: 已在报告附注中说明\n    status: adopted\n"
        "  - source: 数据工作组成员\n    content: 增加分级别比较\n    status: pending\n", encoding="utf-8")
    release = create_release("quarterly", "2025-Q1", region, creator="测试")
    result = render_release(release.release_id, tmp_path / "out", region, attach=False, workers=1)
    report = next(p for p in result.files if p.suffix == ".docx")
    text = _docx_text(report)
    assert "上期意见采纳情况" in text and "希望说明次均住院费用口径" in text and "已采纳" in text
    assert "五、下一步工作打算" in text  # the template's editable text
    for heading in ("一、基金收支及结算情况", "二、病种付费运行成效", "三、机构重点指标情况", "四、聚焦“错”"):
        assert heading in text
    assert any(p.name.startswith("附表_") for p in result.files)


@pytest.mark.skipif(shutil.which("libreoffice") is None or shutil.which("pdffonts") is None,
                    reason="需要 libreoffice 与 poppler-utils（CI 在 .ci/run 中安装）")
def test_word_converts_to_pdf_with_cjk_font_and_non_blank_pages(region, tmp_path):
    from PIL import Image, ImageStat

    release = create_release("quarterly", "2025-Q1", region, creator="测试")
    result = render_release(release.release_id, tmp_path / "out", region, attach=False, workers=1)
    report = next(p for p in result.files if p.suffix == ".docx")
    pdf_dir = tmp_path / "pdf"
    subprocess.run(["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(pdf_dir), str(report)],
                   check=True, capture_output=True, timeout=240)
    pdf = pdf_dir / (report.stem + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 10_000
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"NotoSansCJK|Noto Sans CJK|SourceHanSans|Source Han", fonts), fonts
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    for page in pages:
        stat = ImageStat.Stat(Image.open(page).convert("L"))
        assert stat.stddev[0] > 5, f"{page.name} looks blank"


@pytest.mark.skipif(shutil.which("node") is None, reason="需要 node 以服务端渲染方式检查 ECharts 选项")
def test_every_chart_option_renders_with_the_vendored_echarts(region, tmp_path):
    # five hospitals: with a privacy threshold of 2 they form one region-wide peer set, so the
    # report has its box and ranking charts too
    region = region.model_copy(update={"small_count_threshold": 2})
    release = create_release("quarterly", "2025-Q1", region, creator="测试")
    result = render_release(release.release_id, tmp_path / "out", region, attach=False, workers=1)
    page = next(p for p in result.files if p.suffix == ".html")
    script = tmp_path / "ssr.js"
    script.write_text(
        "const echarts = require(process.argv[2]);\n"
        "const fs = require('fs');\n"
        "const page = fs.readFileSync(process.argv[3], 'utf8');\n"
        "const m = page.match(/<script type=\"application\\/json\" id=\"chart-options\">([\\s\\S]*?)<\\/script>/);\n"
        "const options = JSON.parse(m[1]);\n"
        "for (const [id, opt] of Object.entries(options)) {\n"
        "  const chart = echarts.init(null, null, {renderer: 'svg', ssr: true, width: 800, height: 400});\n"
        "  chart.setOption(opt);\n"
        "  if (chart.renderToSVGString().length < 1000) { throw new Error('empty chart ' + id); }\n"
        "  chart.dispose();\n"
        "}\n"
        "console.log(Object.keys(options).length);\n", encoding="utf-8")
    echarts = Path(B.__file__).parent / "static" / "echarts.min.js"
    done = subprocess.run(["node", str(script), str(echarts), str(page)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) >= 3


def test_peer_statistics_shown_from_five_peers():
    """A push shows its peer set's statistics only when the set has five institutions besides it
    (privacy threshold 5 + itself); with fewer region-wide nothing of the others is shown."""
    from types import SimpleNamespace

    from liangjiadi.analysis.ranking import rank_with_fallback
    from liangjiadi.reports.models import Distribution, GroupStats, RankedRow

    def dist(n: int) -> Distribution:
        values = {f"H{i}": float(i) for i in range(1, n + 1)}
        stats, ranked = rank_with_fallback(values, {c: "05" for c in values}, min_members=6)
        return Distribution(indicator_id="37", name="次均住院费用", kind="amount", min_peers=6,
                            groups=[GroupStats(**{k: getattr(s, k) for k in GroupStats.model_fields}) for s in stats],
                            rows=[RankedRow(fixmedins_code=r.fixmedins_code, name=r.fixmedins_code, group=r.group,
                                            value=r.value, text=str(r.value), rank=r.rank, of=r.of,
                                            percentile=r.percentile, vs_median=r.vs_median, level=r.level,
                                            level_group=r.level_group, basis=r.basis) for r in ranked])

    src = SimpleNamespace(value=lambda *a: 3.0)
    shown = B.position(src, dist(6), "H2")
    assert not shown.peers_withheld and shown.rank == 5 and shown.of == 6 and shown.median == 3.5
    assert shown.basis == "level" and shown.group == "二级甲等"
    withheld = B.position(src, dist(5), "H2")
    assert withheld.peers_withheld and withheld.median is None and withheld.rank is None
    assert withheld.percentile is None and withheld.q1 is None


def test_region_name_from_configuration_is_frozen_and_titles_every_document(region, tmp_path):
    """`region_name` in Settings is frozen at create; documents use it instead of the bare code,
    and a later change of the configuration does not change a rendered release."""
    named = region.model_copy(update={"region_name": "示例市"})
    release = create_release("monthly", PERIOD, named, creator="测试")
    renamed = region.model_copy(update={"region_name": "别的市"})
    result = render_release(release.release_id, tmp_path / "out", renamed, attach=False, workers=1,
                            institutions=False)
    text = _docx_text(next(p for p in result.files if p.suffix == ".docx"))
    assert "示例市" in text and "别的市" not in text and "统筹地区140400" not in text
    twice = render_release(release.release_id, tmp_path / "again", renamed, attach=False, workers=1,
                           institutions=False)
    assert _docx_text(next(p for p in twice.files if p.suffix == ".docx")) == text  # same footer hash too


def test_indicator_names_come_from_the_frozen_catalogue(region, monkeypatch):
    """A later edit of the catalogue (e.g. local_indicators.yaml) does not rename a published figure."""
    release = create_release("monthly", PERIOD, region, creator="测试")

    def live_catalogue(*_a, **_k):
        raise AssertionError("reports read the live catalogue")

    monkeypatch.setattr("liangjiadi.reports.source.load_catalogue", live_catalogue)
    src = load_source(release.release_id, region)
    assert src.catalogue.get("37").name and src.catalogue.source.startswith("发布包")
    push = B.monthly_push(src)
    assert any(f.indicator_id == "37" for g in push.groups for f in g.figures)


@pytest.mark.parametrize("kind, period", [("monthly", PERIOD), ("quarterly", "2025-Q1")])
def test_what_detection_did_not_examine_is_frozen_and_said_in_every_findings_document(region, tmp_path, kind, period):
    """Issue 10: a report listing findings says which detectors did not look and why, as frozen."""
    from liangjiadi.anomalies.coverage import Coverage, save_coverage

    reason = "历史数据不足：同比需要12个月，现有3个月"
    save_coverage(run_dir(region.workdir, "findings", REGION, PERIOD), "F1", [
        Coverage(pattern="admission_surge", name="住院人次异常增长", status="not_evaluated", reason=reason),
        Coverage(pattern="readmission_15d", name="15天再入院", status="evaluated", findings=1)])
    release = create_release(kind, period, region, creator="测试")
    save_coverage(run_dir(region.workdir, "findings", REGION, PERIOD), "F1", [])  # the live run changes afterwards
    result = render_release(release.release_id, tmp_path / "out", region, attach=False, workers=1)
    line = f"本期未检测的项目及原因：住院人次异常增长（{reason}）。"
    main_doc = next(p for p in result.files if p.suffix == ".docx" and "数据底稿" not in p.name)
    assert line in _docx_text(main_doc)
    assert line in next(p for p in result.files if p.suffix == ".html").read_text(encoding="utf-8")
    if kind == "monthly":
        assert line in _docx_text(next(p for p in result.institution_files if p.suffix == ".docx"))
    frozen = json.loads((get_release(release.release_id, region).bundle_dir / "coverage.json").read_text("utf-8"))
    assert frozen["recorded"] and frozen["detectors"][0]["pattern"] == "admission_surge"


def test_a_merged_clue_names_every_pattern_once_and_counts_once(stored_region):
    """Issue 10: one 线索 per institution and behaviour; the report names each of its patterns."""
    import pyarrow as pa

    merged = Finding(pattern="upcoding_severity", period=PERIOD, severity="high", fixmedins_code="H001", score=3.0,
                     message="高套病组。另：结构偏移。", evidence={"own": 0.3})
    table = findings_table([merged], "F1")
    table = table.set_column(table.schema.get_field_index("patterns"), "patterns",
                             pa.array(['["upcoding_severity", "structure_shift"]']))
    out = run_dir(stored_region.workdir, "findings", REGION, PERIOD)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out / "F1.parquet")
    release = create_release("monthly", PERIOD, stored_region, creator="测试")
    src = load_source(release.release_id, stored_region)
    items = B.finding_items(src)
    assert len(items) == 1
    assert items[0].pattern_name == f"{src.pattern_name('upcoding_severity')}、{src.pattern_name('structure_shift')}"
    assert [(c.pattern, c.count) for c in B.pattern_counts(items)] == [("upcoding_severity", 1)]
    dispose_engines()
