"""Report models: what each published document says, built from a release's frozen data.

Every model is plain data (pydantic): values as floats in the stored units (yuan, fractions),
the printed text beside them, and the analysis outputs the narrative quotes. The renderers
(docx, html, xlsx) only lay these out; `view.py` turns a model into titled sections.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from .feedback import Feedback


class ReportMeta(BaseModel):
    release_id: str
    admdvs: str
    region_name: str
    kind: str  # monthly | quarterly | topic | annual
    kind_cn: str
    period_key: str  # 2025-03, 2025-Q1, 2025 ...
    period: str  # the frozen month, YYYY-MM
    period_label: str  # 2025年3月 / 2025年第1季度 / 2025年度
    version: int
    check_status_cn: str
    content_hash: str  # the release's data hash (bundle.data_hash): the same in every render
    history_missing: list[str] = Field(default_factory=list)  # history months the lake did not have
    window_months: list[str] = Field(default_factory=list)  # a quarterly/annual release: the window's months
    window_notes: list[str] = Field(default_factory=list)  # how the window's figures are made, what is not compared

    @property
    def region_label(self) -> str:
        return self.region_name or f"统筹地区{self.admdvs}"


class Figure(BaseModel):
    """One indicator value as a report prints it."""

    indicator_id: str
    name: str
    kind: str  # narrative.value_kind
    unit: str = ""
    value: float | None
    text: str
    previous: float | None = None  # the same month last year (stored results)
    change: float | None = None  # growth rate, or the difference for ratios
    change_text: str = "—"
    note: str | None = None


class FigureGroup(BaseModel):
    key: str  # money | effect | service
    title: str
    figures: list[Figure] = Field(default_factory=list)


class SeriesPoint(BaseModel):
    period: str
    value: float | None


class TimeSeries(BaseModel):
    key: str
    name: str
    kind: str
    points: list[SeriesPoint] = Field(default_factory=list)
    direction: str = "数据不足"  # analysis.trend: 上升 / 下降 / 平稳 / 数据不足


class GroupStats(BaseModel):
    group: str
    n: int
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None
    mean: float | None
    n_small: int = 0  # institutions of this set below the minimum volume: listed, not counted
    basis: str = "level_group"  # level | level_group | region | none (analysis.ranking.rank_with_fallback)
    compared: list[str] = Field(default_factory=list)  # the levels whose institutions are compared in this set

    @property
    def withheld(self) -> bool:
        return self.basis == "none"


class RankedRow(BaseModel):
    fixmedins_code: str
    name: str
    group: str
    value: float | None
    text: str
    rank: int | None
    of: int
    percentile: float | None
    vs_median: float | None
    small_volume: bool = False
    level: str | None = None  # 医院等级 (三级甲等 …)
    level_group: str | None = None  # 三级 / 二级 / 一级及以下
    basis: str = "level_group"  # how its peer set was chosen (GroupStats.basis)


class Distribution(BaseModel):
    """Peer statistics of one indicator by level group (analysis.ranking), with the named
    institutions that lie far from their group's median (点名提示, quarterly only)."""

    indicator_id: str
    name: str
    kind: str
    unit: str = ""
    descending: bool = True
    min_volume: float = 30.0  # institutions with fewer discharges are listed but not ranked (frozen peers.json)
    min_peers: int = 5  # a peer set shows statistics from this many eligible institutions (frozen peers.json)
    groups: list[GroupStats] = Field(default_factory=list)
    rows: list[RankedRow] = Field(default_factory=list)  # every institution (appendix tables)
    named: list[RankedRow] = Field(default_factory=list)
    named_rule: str = ""
    strip: dict[str, list[float]] = Field(default_factory=dict)  # group -> values, anonymous (charts)


class PeerPosition(BaseModel):
    """An institution's value against its peer set (level, level group or region) — aggregates only."""

    indicator_id: str
    name: str
    kind: str
    unit: str = ""
    value: float | None
    text: str
    group: str
    rank: int | None
    of: int
    percentile: float | None
    small_volume: bool = False
    min_volume: float = 30
    median: float | None
    q1: float | None
    q3: float | None
    median_text: str
    q1_text: str
    q3_text: str
    region_value: float | None = None
    region_text: str = "—"
    peers_withheld: bool = False  # even the region has too few institutions to show statistics
    min_peers: int = 5
    basis: str = "level_group"  # level | level_group | region | none
    level: str | None = None  # the institution's own level (三级甲等 …)
    level_group: str | None = None
    n_small: int = 0  # institutions of the set left out of the statistics (small volume)


class FindingItem(BaseModel):
    pattern: str
    pattern_name: str
    severity: str
    severity_cn: str
    period: str
    fixmedins_code: str | None = None
    institution_name: str | None = None
    message: str


class FindingRow(BaseModel):
    """One row of a document's 疑点 table: an institution's 线索 (related patterns merged), or a
    region-level pattern with its count."""

    institution: str  # name（等级）, or 统筹地区
    fixmedins_code: str | None = None
    pattern_name: str
    severity_cn: str
    count: int = 1
    message: str


class PatternCount(BaseModel):
    pattern: str
    name: str
    count: int


class WorksheetSummary(BaseModel):
    indicators_published: int
    institution_indicators: int
    institutions: int
    check_counts: dict[str, int] = Field(default_factory=dict)  # 状态中文 -> 条数


class ForecastPoint(BaseModel):
    period: str
    point: float
    lower: float
    upper: float


class FundOutlookView(BaseModel):
    period_label: str
    cumulative_balance: float | None = None
    avg_monthly_expense: float | None = None
    months_payable: float | None = None
    horizon: int = 12
    expense_window: int = 12  # months averaged for 可支付月数
    warn_months: float = 6.0  # 可支付月数 below this is a warning (spec/calibration.md)
    horizon_balance: float | None = None
    horizon_balance_lower: float | None = None
    horizon_balance_upper: float | None = None
    deficit_probability: float | None = None
    cumulative_path: list[ForecastPoint] = Field(default_factory=list)
    history: list[SeriesPoint] = Field(default_factory=list)  # cumulative balance, stored months
    method_note: str = ""
    funds: list[str] = Field(default_factory=list)  # one sentence per fund (职工、居民), from the analysis
    warnings: list[str] = Field(default_factory=list)


class InstitutionInfo(BaseModel):
    code: str
    name: str
    level_group: str
    level_name: str


class ContentTable(BaseModel):
    """A table of the seeds' contents (reports/contents.py): printed text, columns' relative widths."""

    title: str = ""
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    widths: list[float] = Field(default_factory=list)


class ContentBlock(BaseModel):
    """One item the seeds name (病例入组、各机构结算、重点病组 …) as paragraphs and tables."""

    key: str
    title: str
    paragraphs: list[str] = Field(default_factory=list)
    tables: list[ContentTable] = Field(default_factory=list)


# ---- the documents ------------------------------------------------------------------------------


class RegionMonthlyPush(BaseModel):
    """月推送: key figures 钱/效/服务, a short analysis, the worksheet summary."""

    meta: ReportMeta
    groups: list[FigureGroup]
    analysis: list[str]
    trends: list[TimeSeries] = Field(default_factory=list)
    distributions: list[Distribution] = Field(default_factory=list)
    worksheet: WorksheetSummary
    findings_total: int = 0
    findings_by_pattern: list[PatternCount] = Field(default_factory=list)
    contents: dict[str, ContentBlock] = Field(default_factory=dict)  # 入组, 各机构月度基金结算
    findings_text: list[str] = Field(default_factory=list)  # the findings sentence and what was not examined
    # 上期意见采纳情况 (§六(八)) and 点名提醒办理情况 (§六(七)): the conversation with the institutions
    conversation: list[str] = Field(default_factory=list)


class ActionItem(BaseModel):
    """What a push asks its institution to do, and by when."""

    subject: str  # the finding or indicator it is about
    request: str
    due: str  # 收到本推送后15个工作日内 …


class InstitutionPush(BaseModel):
    """定向推送: the region's figures, this institution against its peers and over time, findings
    about it, and what it is asked to do by when."""

    meta: ReportMeta
    institution: InstitutionInfo
    region_groups: list[FigureGroup]
    positions: list[PeerPosition]
    findings: list[FindingItem]
    analysis: list[str]  # its place among its peers, indicator by indicator
    findings_text: list[str] = Field(default_factory=list)  # how many findings; what was not examined
    trends: list[TimeSeries] = Field(default_factory=list)  # the institution's own months (frozen history)
    peer_rule: str = ""  # the peer definition, as the body states it
    actions: list[ActionItem] = Field(default_factory=list)
    yigongti: ContentBlock | None = None  # the 县域医共体 it belongs to (reports/county.member_block)


class PharmacyPush(BaseModel):
    """定向推送 of a 定点零售药店 (pharmacies are institutions too): the region's figures, the
    pharmacies' indicators (47 千人口定点零售药店数, 57 药品量价比较指数: the region's and its own
    when supplied), its own 医保结算 over the window beside the pharmacies' medians (contents.json),
    findings about it, and what it is asked to do by when."""

    meta: ReportMeta
    institution: InstitutionInfo
    region_groups: list[FigureGroup]
    pharmacy_figures: list[Figure]  # 47, 57 of the region, and 57 of this pharmacy
    own_rows: list[list[str]]  # 项目, 本店, 全地区定点零售药店中位数
    own_text: list[str]
    monthly: list[TimeSeries] = Field(default_factory=list)
    findings: list[FindingItem] = Field(default_factory=list)
    findings_text: list[str] = Field(default_factory=list)
    actions: list[ActionItem] = Field(default_factory=list)


class QuarterlyReport(BaseModel):
    """季发布 (handbook 附录3): 钱, 效, 机构重点指标, 错, 上期意见采纳, 下一步工作打算."""

    meta: ReportMeta
    fund_figures: list[Figure]
    fund_trends: list[TimeSeries]
    outlook: FundOutlookView
    fund_text: list[str]
    payment_figures: list[Figure]
    payment_distributions: list[Distribution]
    topic_highlights: list[str]
    payment_text: list[str]
    key_distributions: list[Distribution]
    key_text: list[str]
    findings: list[FindingItem]
    findings_by_pattern: list[PatternCount]
    findings_text: list[str]
    finding_rows: list[FindingRow] = Field(default_factory=list)  # the 疑点 table (build.finding_rows)
    feedback: Feedback | None = None
    feedback_counts: dict[str, int] = Field(default_factory=dict)  # 状态中文 -> 条数
    feedback_text: list[str] = Field(default_factory=list)
    contents: dict[str, ContentBlock] = Field(default_factory=dict)  # reports/contents.py, by key
    next_steps: list[str] = Field(default_factory=list)  # 下一步工作打算, drafted from the period


class TopicInstitutionRow(BaseModel):
    fixmedins_code: str
    name: str
    level_group: str
    cases: int
    median_cost: float | None
    rank: int | None
    percentile: float | None
    benchmark: float | None
    vs_benchmark: float | None


class TopicReport(BaseModel):
    """专题分析 (analysis.topic): volume, cost, structure, benchmarks, top and bottom ten."""

    meta: ReportMeta
    topic_kind_cn: str
    code: str
    name: str
    window: str
    cases: int
    cases_last_year: int
    total_cost: float
    per_case_cost: float | None
    median_case_cost: float | None
    cases_yoy: float | None
    per_case_cost_yoy: float | None
    subgroups: list[dict] = Field(default_factory=list)  # key, label, before_share, after_share, change_pp,
    #                                                      cases, cases_last_year, per_case_cost(_last_year)
    cost_structure: list[dict] = Field(default_factory=list)  # key, amount, before_share, after_share, change_pp
    shifts: list[dict] = Field(default_factory=list)  # name, label, share_last_year, share, change_pp (largest)
    benchmarks: list[dict] = Field(default_factory=list)  # level_group, value, rule, institutions
    top10: list[TopicInstitutionRow] = Field(default_factory=list)
    bottom10: list[TopicInstitutionRow] = Field(default_factory=list)
    analysis: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class PaymentClearing(BaseModel):
    """(五) 各机构 DRG/DIP 年度清算: from the published clearing release (reports/clearing.py)."""

    published: bool
    release_id: str = ""
    paragraphs: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list)
    rows: list[list[str]] = Field(default_factory=list)


class AnnualNotice(BaseModel):
    """年度通报 (长治市规则第十三条，七项)."""

    meta: ReportMeta
    fund_figures: list[Figure]  # (一) 收支结余、预结算执行
    budget_figures: list[Figure]
    listing_figures: list[Figure]  # (二) 结算清单上传和质控
    drg_figures: list[Figure]  # (三) 入组、重点病组
    topic_highlights: list[str]
    efficiency: list[Distribution]  # (四) 服务效率、资源配置对比
    settlement: Distribution | None  # (五) 各机构 DRG 年度清算、结算
    payment_clearing: PaymentClearing | None = None  # (五) the published 年度清算, when frozen
    special_cases: list[Figure]  # (六) 特例单议
    findings_by_pattern: list[PatternCount]  # (七) 其他
    text: dict[str, list[str]] = Field(default_factory=dict)
    contents: dict[str, ContentBlock] = Field(default_factory=dict)  # reports/contents.py, by key
    next_steps: list[str] = Field(default_factory=list)  # 下一步工作打算, drafted from the period
