"""A report model as a document: title, sections of paragraphs, tables and charts.

docx, html and the PDF check all lay out this same view, so the three formats say the same
thing. Charts are `ChartSpec`s — data only; charts.py draws them (PNG for Word, ECharts for html).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from . import narrative as N
from .models import (
    AnnualNotice, ContentBlock, FindingRow, Distribution, Figure, FindingItem, InstitutionPush, PharmacyPush, QuarterlyReport, RegionMonthlyPush, TimeSeries,
    TopicReport,
)


class Table(BaseModel):
    title: str = ""
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    peers: bool = False  # a peer comparison: the document states its peer rule before the first one
    widths: list[float] = Field(default_factory=list)  # relative column widths (Word); default: first column ×2


class ChartSpec(BaseModel):
    key: str
    kind: str  # line | box | band | bar | stacked
    title: str
    value_kind: str = "plain"  # narrative.value_kind of the values
    categories: list[str] = Field(default_factory=list)
    series: list[dict] = Field(default_factory=list)  # {name, data: [..]} ; box: data = [[min,q1,med,q3,max], ..]
    points: list[dict] = Field(default_factory=list)  # box: strip points {group, value}; bar: marker {name, value}
    band: dict | None = None  # band: {lower: [...], upper: [...]} aligned with the forecast part of categories


class Section(BaseModel):
    heading: str
    paragraphs: list[str] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    charts: list[ChartSpec] = Field(default_factory=list)
    subsections: list[Section] = Field(default_factory=list)  # titled parts (Heading 2) after the tables


class DocumentView(BaseModel):
    key: str  # template name: monthly_push | institution_push | quarterly_report | topic_report | annual_notice
    title: str
    subtitle: str
    lead: str
    sections: list[Section]
    footer: str


def _footer(meta) -> str:
    # the release is named in Chinese (its id carries the English kind: 140400-monthly-…); the
    # data hash, the same as `release show` prints, identifies it
    text = (f"本材料为{meta.region_label}{meta.kind_cn}（{meta.period_label}，第{meta.version}版），"
            f"复核结论：{meta.check_status_cn}。数据取自已冻结的发布包，数据哈希 {meta.content_hash[:12]}。")
    return text + missing_history_note(meta) + "".join(meta.window_notes)


def missing_history_note(meta) -> str:
    """Months of the 24-month history the lake did not have when the release was created."""
    if not meta.history_missing:
        return ""
    months = [N.period_cn(p) for p in meta.history_missing]
    shown = "、".join(months[:6]) + (f"等{len(months)}个月" if len(months) > 6 else "")
    return f"创建发布时数据湖中缺少{shown}的数据，趋势图、同比与预测未含这些月份。"


def block_section(block: ContentBlock) -> Section:
    """One of the seeds' contents (reports/contents.py) as a titled subsection."""
    return Section(heading=block.title, paragraphs=block.paragraphs,
                   tables=[Table(**t.model_dump()) for t in block.tables])


def blocks(contents: dict[str, ContentBlock], *keys: str) -> list[Section]:
    return [block_section(contents[k]) for k in keys if k in contents]


def next_steps_section(heading: str, steps: list[str]) -> Section:
    return Section(heading=heading, paragraphs=steps + [
        "（以上为依据本期基金运行警示、疑点线索和点名提示起草的工作打算，发出前请结合实际修改。）"] if steps else [])


def figures_table(figures: list[Figure], title: str = "") -> Table:
    return Table(title=title, columns=["指标", "本期", "上年同期", "同比"],
                 rows=[[f.name, f.text, N.fmt_value(f.kind, f.previous, f.unit), f.change_text] for f in figures])


FINDINGS_NOTE = "疑点线索由数据比对自动发现，仅为提示，须经核实后方能定性。"


def findings_table(items: list[FindingItem], with_institution: bool = True) -> Table:
    columns = (["机构"] if with_institution else []) + ["疑点类型", "程度", "说明"]
    rows = [([f.institution_name or "统筹地区"] if with_institution else []) + [f.pattern_name, f.severity_cn, f.message]
            for f in items]
    widths = ([2.2] if with_institution else []) + [2, 0.7, 6]
    return Table(title="疑点线索", columns=columns, rows=rows, note=FINDINGS_NOTE, widths=widths)


def finding_rows_table(rows: list[FindingRow]) -> Table:
    """The 疑点 table of the quarterly report: one row per institution and 线索, region-level
    线索 by pattern with their count; widths that fit an A4 page."""
    return Table(title="疑点线索", columns=["机构（等级）", "疑点类型", "程度", "条数", "说明"],
                 rows=[[r.institution, r.pattern_name, r.severity_cn, str(r.count), r.message] for r in rows],
                 note=FINDINGS_NOTE + "统筹地区的线索不针对单一机构，按疑点类型合并计数。",
                 widths=[2.4, 2, 0.6, 0.6, 5.4])


def distribution_table(d: Distribution) -> Table:
    fmt = lambda v: N.fmt_value(d.kind, v, d.unit)  # noqa: E731

    def row(g) -> list[str]:
        levels = "、".join(g.compared) or g.group
        if g.withheld:
            return [g.group, levels, str(g.n), "—", f"不足{d.min_peers}家，不列统计", "—", "—", "—"]
        return [g.group, levels, str(g.n),
                fmt(g.q1), fmt(g.median), fmt(g.q3), fmt(g.minimum), fmt(g.maximum)]

    return Table(title=f"{d.name}：同级比较", peers=True,
                 columns=["比较组", "适用机构等级", "参与统计机构数", "下四分位", "中位数", "上四分位", "最小值", "最大值"],
                 rows=[row(g) for g in d.groups], note=N.fallback_note(d))


def named_table(d: Distribution) -> Table:
    return Table(title=f"{d.name}：点名提示", columns=["机构", "比较组", "本期值", "与比较组中位数相比"],
                 rows=[[r.name, r.group, r.text, (f"{r.vs_median * 100:+.2f}个百分点" if d.indicator_id in ("41", "41m")
                                                  else f"{r.vs_median * 100:+.2f}%")] for r in d.named],
                 note=d.named_rule)


def line_chart(key: str, title: str, series: list[TimeSeries]) -> ChartSpec:
    cats = [p.period for p in series[0].points] if series else []
    return ChartSpec(key=key, kind="line", title=title, value_kind=series[0].kind if series else "plain",
                     categories=[N.period_cn(c) for c in cats],
                     series=[{"name": s.name, "data": [p.value for p in s.points]} for s in series])


def box_chart(d: Distribution, marker: tuple[str, float | None] | None = None) -> ChartSpec:
    """Box by level group; anonymous strip points; optionally one marked value (the reader's own)."""
    groups = [g for g in d.groups if g.median is not None]
    spec = ChartSpec(key=f"dist_{d.indicator_id}", kind="box", title=f"{d.name}：同级机构分布", value_kind=d.kind,
                     categories=[g.group for g in groups],
                     series=[{"name": d.name, "data": [[g.minimum, g.q1, g.median, g.q3, g.maximum] for g in groups]}])
    if marker is None:
        spec.points = [{"group": g.group, "value": v} for g in groups for v in d.strip.get(g.group, [])]
    elif marker[1] is not None:
        spec.points = [{"group": marker[0], "value": marker[1], "name": "本院"}]
    return spec


RANKING_LIMIT = 15


def ranking_chart(d: Distribution) -> ChartSpec | None:
    """Institutions of the largest level group, ranked (quarterly report: institutions are named there)."""
    groups = sorted((g for g in d.groups if g.n >= 3), key=lambda g: -g.n)
    if not groups:
        return None
    group = groups[0].group
    rows = [r for r in d.rows if r.group == group and r.rank is not None][:RANKING_LIMIT]
    return ChartSpec(key=f"rank_{d.indicator_id}", kind="rank", value_kind=d.kind,
                     title=f"{d.name}：{group}医疗机构排名" + ("（前15家）" if len(rows) == RANKING_LIMIT else ""),
                     categories=[r.name for r in rows], series=[{"name": d.name, "data": [r.value for r in rows]}])


def boxes(distributions: list[Distribution]) -> list[ChartSpec]:
    """Box charts of the distributions that have at least one group with statistics."""
    return [box_chart(d) for d in distributions if any(g.median is not None for g in d.groups)]


def outlook_chart(q: QuarterlyReport) -> ChartSpec:
    o = q.outlook
    hist = [p for p in o.history if p.value is not None]
    cats = [N.period_cn(p.period) for p in hist] + [N.period_cn(p.period) for p in o.cumulative_path]
    pad = [None] * len(hist)
    return ChartSpec(key="fund_outlook", kind="band", title="基金累计结余及未来12个月预测（90%区间）",
                     value_kind="amount_total", categories=cats,
                     series=[{"name": "累计结余（实际）", "data": [p.value for p in hist] + [None] * len(o.cumulative_path)},
                             {"name": "累计结余（预测）", "data": pad + [p.point for p in o.cumulative_path]}],
                     band={"lower": pad + [p.lower for p in o.cumulative_path],
                           "upper": pad + [p.upper for p in o.cumulative_path]})


def structure_chart(figures: list[Figure], parts: dict[str, str], title: str, key: str) -> ChartSpec | None:
    """Stacked shares of a total (e.g. income by fund)."""
    values = {f.indicator_id: f.value for f in figures}
    data = {label: values.get(iid) for iid, label in parts.items()}
    if any(v is None for v in data.values()):
        return None
    total = sum(data.values()) or 1.0
    return ChartSpec(key=key, kind="stacked", title=title, value_kind="percent", categories=["本期"],
                     series=[{"name": k, "data": [v / total]} for k, v in data.items()])


# ---- per document ------------------------------------------------------------------------------------


def monthly_view(m: RegionMonthlyPush) -> DocumentView:
    meta = m.meta
    sections = []
    for g, text in zip(m.groups, m.analysis):
        sections.append(Section(heading=g.title, paragraphs=[text], tables=[figures_table(g.figures)]))
    sections[0].charts.append(line_chart("fund_trend", "近13个月基金收入与支出（当月）", m.trends[:2]))
    sections[-1].charts.append(line_chart("per_case_trend", "近13个月次均住院费用", m.trends[2:3]))
    sections[-1].charts += boxes(m.distributions)
    sections += [block_section(b) for k in ("cases", "monthly_settlement") if (b := m.contents.get(k))]
    ws = m.worksheet
    counts = "，".join(f"{k}{v}项" for k, v in ws.check_counts.items())
    sections.append(Section(heading="数据底稿与复核", paragraphs=[
        f"本期数据底稿公开统筹地区指标{ws.indicators_published}项、医疗机构指标{ws.institution_indicators}项，"
        f"涉及医疗机构{ws.institutions}家；复核结论为{meta.check_status_cn}（{counts}）。数据底稿见所附 Excel 文件。"]))
    sections.append(Section(heading="疑点线索提示", paragraphs=m.findings_text or [m.analysis[-1]],
                            tables=[Table(title="疑点线索按类型", columns=["疑点类型", "条数"],
                                          rows=[[p.name, str(p.count)] for p in m.findings_by_pattern])]))
    if m.conversation:
        sections.append(Section(heading="上期意见采纳情况与点名提醒", paragraphs=m.conversation))
    return DocumentView(key="monthly_push", title=f"{meta.region_label}{meta.period_label}医保数据月推送",
                        subtitle=f"{meta.region_label}医疗保障局 医保数据工作组",
                        lead=f"现将{meta.period_label}医保基金运行、支付方式改革运行和医疗服务情况推送如下。",
                        sections=sections, footer=_footer(meta))


def institution_view(p: InstitutionPush) -> DocumentView:
    meta, inst = p.meta, p.institution
    region_rows = [f for g in p.region_groups for f in g.figures]

    def rank(x) -> str:
        if x.peers_withheld:
            return "不作比较"
        return "小样本" if x.small_volume else (f"{x.rank}/{x.of}" if x.rank else "—")

    pos_table = Table(title="本院重点指标与比较组比较", peers=True,
                      columns=["指标", "本院", "统筹地区", "比较组", "下四分位", "中位数", "上四分位", "名次", "百分位"],
                      rows=[[x.name, x.text, x.region_text, "—" if x.peers_withheld else
                             ("全地区" if x.basis == "region" else x.group), x.q1_text, x.median_text, x.q3_text,
                             rank(x), "—" if x.percentile is None or x.peers_withheld else f"{x.percentile:.2f}"]
                            for x in p.positions],
                      note="只列比较组的汇总值（四分位、中位数），不列其他机构的数据；名次为本院在比较组参与统计机构中的位次，"
                           "百分位为比较组中低于本院的机构所占比例。")
    # one chart of positions per institution (500 institutions render in minutes, not quarter-hours)
    ranked = [x for x in p.positions if x.percentile is not None and not x.small_volume and not x.peers_withheld]
    charts = [ChartSpec(key="percentiles", kind="hbar", title="本院各指标在比较组中的百分位",
                        value_kind="plain", categories=[x.name for x in ranked],
                        series=[{"name": "百分位", "data": [x.percentile for x in ranked]}])] if ranked else []
    trend_charts = []
    for key in dict.fromkeys(t.key.split("_", 1)[1] for t in p.trends):
        series = [t for t in p.trends if t.key.endswith(f"_{key}")]
        title = f"{series[0].name}：近{len(series[0].points)}个月" + ("（与统筹地区对比）" if len(series) > 1 else "")
        trend_charts.append(line_chart(f"own_trend_{key}", title, series))
    actions = Table(title="请贵院办理的事项", columns=["事项", "请办理", "时限"],
                    rows=[[a.subject, a.request, a.due] for a in p.actions],
                    note="书面材料请通过数据工作组成员报送医保部门；逾期未反馈的，视为对本推送所列数据无异议。")
    sections = [
        Section(heading="一、统筹地区总体情况", tables=[figures_table(region_rows)]),
        Section(heading="二、本院重点指标", paragraphs=p.analysis + ([p.peer_rule] if p.peer_rule else []),
                tables=[pos_table], charts=charts),
        Section(heading="三、本院近期走势", charts=trend_charts,
                paragraphs=[] if trend_charts else ["发布包中没有本院往期数据，暂不绘制走势。"]),
        Section(heading="四、涉及本院的疑点线索", paragraphs=p.findings_text,
                tables=[findings_table(p.findings, with_institution=False)] if p.findings else []),
    ]
    if p.yigongti is not None:  # a member of a 县域医共体: its budget, deductions and assessment
        sections.append(Section(heading=f"五、{p.yigongti.title}", paragraphs=p.yigongti.paragraphs,
                                tables=[Table(**t.model_dump()) for t in p.yigongti.tables]))
    sections.append(Section(heading=f"{'六' if p.yigongti is not None else '五'}、请贵院办理的事项",
                            tables=[actions] if p.actions else []))
    return DocumentView(key="institution_push", title=f"{meta.region_label}{meta.period_label}医保数据定向推送",
                        subtitle=f"致：{inst.name}（{inst.level_name}）",
                        lead=f"现将{meta.period_label}统筹地区医保数据及贵院重点指标推送如下，请结合实际分析改进，"
                             f"并按第{'六' if p.yigongti is not None else '五'}部分所列事项和时限反馈。",
                        sections=sections, footer=_footer(meta) + "本材料仅供收件机构内部使用。")


def pharmacy_view(p: PharmacyPush) -> DocumentView:
    meta, inst = p.meta, p.institution
    region_rows = [f for g in p.region_groups for f in g.figures]
    own = Table(title="本店医保结算", columns=["项目", "本店", "全地区定点零售药店中位数"], rows=p.own_rows) if p.own_rows else None
    charts = [line_chart("own_trend_fund", "本店医保基金支付：逐月", p.monthly)] if p.monthly else []
    actions = Table(title="请贵店办理的事项", columns=["事项", "请办理", "时限"],
                    rows=[[a.subject, a.request, a.due] for a in p.actions],
                    note="书面材料请通过门户或数据工作组成员报送医保部门；逾期未反馈的，视为对本推送所列数据无异议。")
    sections = [
        Section(heading="一、统筹地区总体情况", tables=[figures_table(region_rows)]),
        Section(heading="二、定点零售药店相关指标",
                paragraphs=[] if p.pharmacy_figures else ["本期发布包中没有千人口定点零售药店数与药品量价比较指数（按年或按提供情况公布）。"],
                tables=[figures_table(p.pharmacy_figures)] if p.pharmacy_figures else []),
        Section(heading="三、本店医保结算情况", paragraphs=p.own_text, tables=[own] if own else [], charts=charts),
        Section(heading="四、涉及本店的疑点线索", paragraphs=p.findings_text,
                tables=[findings_table(p.findings, with_institution=False)] if p.findings else []),
        Section(heading="五、请贵店办理的事项", tables=[actions]),
    ]
    return DocumentView(key="institution_push", title=f"{meta.region_label}{meta.period_label}医保数据定向推送",
                        subtitle=f"致：{inst.name}（定点零售药店）",
                        lead=f"现将{meta.period_label}统筹地区医保数据及贵店医保结算情况推送如下，请结合实际分析改进，"
                             f"并按第五部分所列事项和时限反馈。",
                        sections=sections, footer=_footer(meta) + "本材料仅供收件机构内部使用。")


def quarterly_view(q: QuarterlyReport) -> DocumentView:
    meta = q.meta
    fund_charts = [line_chart("fund_trend", "近13个月基金收入与支出（当月）", q.fund_trends)]
    if q.outlook.cumulative_path:
        fund_charts.append(outlook_chart(q))
    share = structure_chart(q.fund_figures, {"2": "职工医保", "5": "居民医保"}, "基金收入结构（占比）", "income_structure")
    if share:
        fund_charts.append(share)
    outlook_note = [q.outlook.method_note] if q.outlook.method_note else []
    key_tables = []
    for d in q.key_distributions:
        key_tables.append(distribution_table(d))
        if d.named:
            key_tables.append(named_table(d))
    sections = [
        Section(heading="一、基金收支及结算情况", paragraphs=q.fund_text + outlook_note,
                tables=[figures_table(q.fund_figures)], charts=fund_charts,
                subsections=blocks(q.contents, "flow", "budget", "monthly_settlement", "clearing")),
        Section(heading="二、病种付费运行成效", paragraphs=q.payment_text + q.topic_highlights,
                tables=[figures_table(q.payment_figures)] + [distribution_table(d) for d in q.payment_distributions],
                charts=boxes(q.payment_distributions),
                subsections=blocks(q.contents, "cases", "key_groups", "special", "burden")),
        Section(heading="三、机构重点指标情况", paragraphs=q.key_text, tables=key_tables,
                charts=boxes(q.key_distributions) + [c for d in q.key_distributions if (c := ranking_chart(d))],
                subsections=blocks(q.contents, "institutions", "common_costs")),
        Section(heading="四、聚焦“错”：疑点线索与点名提醒", paragraphs=q.findings_text,
                tables=[finding_rows_table(q.finding_rows) if q.finding_rows else findings_table(q.findings)]
                if q.findings else []),
        Section(heading="上期意见采纳情况", paragraphs=q.feedback_text,
                tables=[Table(title="意见建议及采纳情况", columns=["提出方", "事项", "意见建议", "处理情况", "状态"],
                              rows=[[i.source, i.topic, i.content, i.response, i.status_cn] for i in q.feedback.items])]
                if q.feedback and q.feedback.items else []),
    ]
    if q.next_steps:
        sections.append(next_steps_section("五、下一步工作打算", q.next_steps))
    return DocumentView(key="quarterly_report", title=f"{meta.region_label}{meta.period_label}医保数据发布分析报告",
                        subtitle=f"{meta.region_label}医疗保障局 医保数据工作组",
                        lead="根据数据底稿及日常工作情况，围绕“钱、效、错”三个维度形成本季度分析报告。",
                        sections=sections, footer=_footer(meta))


TOPIC_CHART_SERIES = 12  # a stacked bar of more parts than this lumps the smallest into 其他


def _stacked_parts(parts: list[dict]) -> list[dict]:
    """Series of a structure chart: the largest parts each in their own colour, the rest as 其他."""
    ranked = sorted(parts, key=lambda p: -max(p.get("before_share") or 0, p.get("after_share") or 0))
    shown, rest = ranked[:TOPIC_CHART_SERIES - 1], ranked[TOPIC_CHART_SERIES - 1:]
    if len(rest) == 1:
        shown, rest = ranked, []
    series = [{"name": p["label"], "data": [p.get("before_share"), p.get("after_share")]} for p in shown]
    if rest:
        series.append({"name": "其他", "data": [sum(p.get("before_share") or 0 for p in rest),
                                               sum(p.get("after_share") or 0 for p in rest)]})
    return series


def topic_view(t: TopicReport) -> DocumentView:
    meta = t.meta
    rows = lambda items: [[r.name, r.level_group, str(r.cases), N.yuan(r.median_cost),  # noqa: E731
                           str(r.rank or "—"), N.yuan(r.benchmark)] for r in items]
    cols = ["机构", "级别", "病例数", "中位次均费用", "全地区名次", "同级标杆值"]
    sub_word = "细分组" if t.topic_kind_cn == "ADRG" else "诊断亚目"
    charts = []
    if t.subgroups:
        charts.append(ChartSpec(key="subgroups", kind="stacked", title=f"{sub_word}结构（病例占比）", value_kind="percent",
                                categories=["上年同期", "本期"], series=_stacked_parts(t.subgroups)))
    if t.cost_structure:
        charts.append(ChartSpec(key="cost_structure", kind="stacked", title="费用结构（金额占比）", value_kind="percent",
                                categories=["上年同期", "本期"],
                                series=_stacked_parts([dict(c, label=c["key"]) for c in t.cost_structure])))
    benchmarks = Table(title="标杆值（同级机构中位次均费用的第25百分位）", columns=["级别", "标杆值", "取值规则"],
                       rows=[[b.get("level_group", ""), N.yuan(b.get("value")), b.get("rule", "")]
                             for b in t.benchmarks])
    shares = Table(title=f"{sub_word}病例数、占比与次均费用",
                   columns=[sub_word, "上年同期病例", "本期病例", "上年同期占比", "本期占比", "占比变化",
                            "上年同期次均费用", "本期次均费用"],
                   rows=[[s["label"], N.count(s.get("cases_last_year")), N.count(s.get("cases")),
                          N.pct(s.get("before_share")), N.pct(s.get("after_share")),
                          N.number(s.get("change_pp"), 2, "个百分点"), N.yuan(s.get("per_case_cost_last_year")),
                          N.yuan(s.get("per_case_cost"))] for s in t.subgroups],
                   note="未提供编码目录时只列编码。" if any(s["label"] == s["key"] for s in t.subgroups) else "")
    tables = [shares]
    if t.cost_structure:
        tables.append(Table(title="费用结构", columns=["费用类别", "本期金额", "上年同期占比", "本期占比", "占比变化"],
                            rows=[[c["key"], N.money(c.get("amount")), N.pct(c.get("before_share")),
                                   N.pct(c.get("after_share")), N.number(c.get("change_pp"), 2, "个百分点")]
                                  for c in t.cost_structure]))
    if t.shifts:
        tables.append(Table(title=f"各机构{sub_word}结构变化（变化最大的{len(t.shifts)}项）",
                            columns=["机构", sub_word, "上年同期占比", "本期占比", "占比变化"],
                            rows=[[s["name"], s["label"], N.pct(s.get("share_last_year")), N.pct(s.get("share")),
                                   N.number(s.get("change_pp"), 2, "个百分点")] for s in t.shifts],
                            note="只列病例数达到排名条件的机构。"))
    ranking = [Table(title=f"前{len(t.top10)}位（中位次均费用最高）", columns=cols, rows=rows(t.top10)),
               Table(title=f"后{len(t.bottom10)}位（中位次均费用最低）", columns=cols, rows=rows(t.bottom10))]
    sections = [
        Section(heading="一、总体情况", paragraphs=t.analysis, tables=[benchmarks]),
        Section(heading="二、细分结构与费用", tables=tables, charts=charts),
        Section(heading="三、资源消耗前十位与后十位", tables=ranking, paragraphs=t.notes),
    ]
    base_label = meta.period_label.split("专题")[0]  # 2025年第1季度专题（EJ1） -> 2025年第1季度
    topic = f"{t.name}（{t.topic_kind_cn} {t.code}）" if t.name else f"{t.topic_kind_cn} {t.code}"
    return DocumentView(key="topic_report", title=f"{meta.region_label}{base_label}专题分析：{topic}",
                        subtitle=f"{meta.region_label}医疗保障局 医保数据工作组", lead=f"分析期间：{t.window}。",
                        sections=sections, footer=_footer(meta))


def annual_view(a: AnnualNotice) -> DocumentView:
    meta = a.meta
    eff_tables = [distribution_table(d) for d in a.efficiency]
    settle = []
    if a.settlement:
        settle = [Table(title="各定点医疗机构住院统筹基金结算", columns=["机构", "级别", "结算金额"],
                        rows=[[r.name, r.group, r.text] for r in a.settlement.rows])]
    pc = a.payment_clearing
    clearing_text = pc.paragraphs if pc else []
    clearing = [Table(title="各定点医疗机构年度清算结果（已发布的年度清算）", columns=pc.columns, rows=pc.rows)] \
        if pc and pc.published else []
    sections = [
        Section(heading="一、年度医保基金收支结余及预结算执行情况", paragraphs=a.text["fund"],
                tables=[figures_table(a.fund_figures), figures_table(a.budget_figures, "下一年度医保总额")],
                subsections=blocks(a.contents, "budget", "flow")),
        Section(heading="二、年度结算清单上传和质控情况", paragraphs=a.text["listing"], tables=[figures_table(a.listing_figures)]),
        Section(heading="三、年度DRG结算病例入组情况、重点病组结算情况", paragraphs=a.text["drg"] + a.topic_highlights,
                tables=[figures_table(a.drg_figures)], subsections=blocks(a.contents, "cases", "key_groups")),
        Section(heading="四、各定点医疗机构服务效率、资源配置对比分析", paragraphs=a.text["efficiency"], tables=eff_tables,
                charts=boxes(a.efficiency), subsections=blocks(a.contents, "institutions", "common_costs", "burden")),
        Section(heading="五、各定点医疗机构DRG年度清算、结算情况", tables=clearing + settle,
                paragraphs=clearing_text + (["住院统筹基金结算金额取自本年度计算结果（指标11）；清算金额取自清算结果，两者来源不同，分列如下。"]
                                            if settle and "clearing" in a.contents else []),
                subsections=blocks(a.contents, "clearing")),
        Section(heading="六、特例单议受理及结算情况", paragraphs=a.text["special"], tables=[figures_table(a.special_cases)],
                subsections=blocks(a.contents, "special")),
        Section(heading="七、其他需要公开的数据信息", paragraphs=a.text["other"],
                tables=[Table(columns=["疑点类型", "条数"], rows=[[p.name, str(p.count)] for p in a.findings_by_pattern])]),
    ]
    if a.next_steps:
        sections.append(next_steps_section("八、下一步工作打算", a.next_steps))
    return DocumentView(key="annual_notice", title=f"{meta.region_label}{meta.period_label}医保数据年度通报",
                        subtitle=f"{meta.region_label}医疗保障局 医保数据工作组",
                        lead="医保基金年度清算工作已完成，现将年度医保数据通报如下。", sections=sections, footer=_footer(meta))


def view_of(model) -> DocumentView:
    for cls, fn in ((RegionMonthlyPush, monthly_view), (InstitutionPush, institution_view), (PharmacyPush, pharmacy_view),
                    (QuarterlyReport, quarterly_view), (TopicReport, topic_view), (AnnualNotice, annual_view)):
        if isinstance(model, cls):
            return _state_peer_rule(fn(model), model)
    raise TypeError(type(model).__name__)


def _distributions(value) -> list[Distribution]:
    if isinstance(value, Distribution):
        return [value]
    if isinstance(value, BaseModel):
        return [d for name in type(value).model_fields for d in _distributions(getattr(value, name))]
    if isinstance(value, (list, tuple)):
        return [d for v in value for d in _distributions(v)]
    return []


def _state_peer_rule(view: DocumentView, model) -> DocumentView:
    """The document's one peer definition, stated in the body before its first peer table."""
    dists = _distributions(model)
    if not dists or isinstance(model, InstitutionPush):  # the push states it in its own words
        return view
    rule = N.peer_rule_sentence(dists[0].min_volume, dists[0].min_peers)
    for section in view.sections:
        if any(t.peers for t in section.tables) or any(c.kind == "box" for c in section.charts):
            if rule not in section.paragraphs:
                section.paragraphs.append(rule)
            break
    return view
