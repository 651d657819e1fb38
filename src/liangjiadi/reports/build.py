"""Build the report models of one release from its frozen data (see source.py for the rule).

Peer statistics and ranks, trend directions, monthly flows and the fund forecast were computed
at `release create` (releases/snapshot.py) and are read here from the bundle; this module only
selects, words and lays them out.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from . import contents as C
from . import narrative as N
from .models import (
    ActionItem, AnnualNotice, Distribution, Figure, FigureGroup, FindingItem, FindingRow, ForecastPoint, FundOutlookView, GroupStats,
    InstitutionInfo, InstitutionPush, PatternCount, PharmacyPush, PeerPosition, QuarterlyReport, RankedRow, RegionMonthlyPush,
    SeriesPoint, TimeSeries, TopicInstitutionRow, TopicReport, WorksheetSummary,
)
from .clearing import payment_clearing
from .feedback import feedback_lines
from .source import CHECK_STATUS_CN, ReleaseSource

MONEY_IDS = ["1", "8", "15", "48", "49"]
EFFECT_IDS = ["28", "29", "30", "31", "32", "CMI"]
SERVICE_IDS = ["36", "37", "38", "39", "40", "41", "45"]
GROUP_TITLES = {"money": "基金运行（钱）", "effect": "支付方式改革运行（效）", "service": "医疗服务情况"}
FUND_IDS = ["1", "2", "5", "8", "9", "12", "15", "17", "20", "18", "21", "48", "49"]
PAYMENT_IDS = ["28", "29", "30", "31", "32", "33", "34", "35", "CMI"]
KEY_IDS = ["40", "45", "41m", "37"]  # handbook 附录3 “机构重点指标”: 门诊住院人次比, 医保外费用占比, 病例增幅, 次均费用
GROWTH_IDS = {"41", "41m"}  # rates of change: compared with the median in percentage points, only above
NAMED_DEVIATION = 0.3  # 点名提示: at least 30% from the group median
NAMED_PER_INDICATOR = 5
RESPONSE_WORKING_DAYS = 15  # 定向推送 and 点名提醒: written answers are due this many working days after receipt
PUSH_TREND_IDS = ["37"]  # 定向推送: the institution's own 13 months of 次均住院费用 (one chart: 500 pushes render fast)
SEVERITY_CN = {"high": "高", "medium": "中", "low": "低"}
LEVEL_ORDER = ["三级", "二级", "一级及以下"]
MONTHLY_CONTENTS = ("cases", "monthly_settlement")  # 第十一条（一）上月病例入组、（三）月基金结算


# ---- figures -------------------------------------------------------------------------------------


def figure(src: ReleaseSource, indicator_id: str, code: str | None = None, *, with_history: bool = True) -> Figure:
    meta = src.indicator(indicator_id)
    kind, unit = N.value_kind(meta), N.unit_of(meta)
    value = src.value(indicator_id, code)
    previous = src.last_year(indicator_id) if with_history and code is None else None
    change = None
    if value is not None and previous is not None:
        if kind == "percent":
            change = value - previous
        elif previous != 0:
            change = value / previous - 1
    return Figure(indicator_id=indicator_id, name=meta.name if meta else indicator_id, kind=kind, unit=unit,
                  value=value, text=N.fmt_value(kind, value, unit), previous=previous, change=change,
                  change_text=N.fmt_change(kind, change), note=src.note(indicator_id, code))


# rows whose worksheet name leans on the heading above them (16 （一）职工医保, 19 （二）居民医保)
STANDALONE_NAMES = {"17": "职工医保统筹基金当期结余", "18": "职工医保统筹基金累计结余", "20": "居民医保当期结余",
                    "21": "居民医保累计结余", "22": "城乡医疗救助基金收入", "24": "下一年度住院统筹基金总额",
                    "25": "下一年度门诊统筹基金总额", "26": "下一年度DRG/DIP付费统筹基金总额", "27": "下一年度其他统筹基金总额",
                    "10": "职工医保统筹基金支出", "11": "职工医保住院统筹基金支出", "13": "居民医保住院统筹基金支出"}


def _clean_name(name: str, indicator_id: str | None = None) -> str:
    if indicator_id in STANDALONE_NAMES:
        return STANDALONE_NAMES[indicator_id]
    return name.replace("（一）", "").replace("（二）", "").replace("（三）", "").replace("其中：", "").lstrip("0123456789.")


def figures(src: ReleaseSource, ids: list[str], **kw) -> list[Figure]:
    out = []
    for iid in ids:
        if src.indicator(iid) is None or not src.publishable(iid) or src.value(iid) is None:
            continue
        f = figure(src, iid, **kw)
        half = src.half_label(iid)  # 33-35, 42 in a quarter or year: the half they cover
        out.append(f.model_copy(update={"name": _clean_name(f.name, iid) + (f"（{half}）" if half else "")}))
    return out


def region_groups(src: ReleaseSource) -> list[FigureGroup]:
    return [FigureGroup(key=k, title=GROUP_TITLES[k], figures=figures(src, ids))
            for k, ids in (("money", MONEY_IDS), ("effect", EFFECT_IDS), ("service", SERVICE_IDS))]


def time_series(src: ReleaseSource, key: str, indicator_id: str, months: int = 13, *, flow: bool = False) -> TimeSeries:
    """The region's last `months` months of an indicator; `flow` turns a cumulative one into
    monthly amounts. Values, flows and the trend direction are frozen (series.json)."""
    meta = src.indicator(indicator_id)
    periods = src.periods(months)
    values = src.flows(indicator_id) if flow else src.history(indicator_id)
    points = [SeriesPoint(period=p, value=values.get(p)) for p in periods]
    frozen = src.series_of(indicator_id)
    direction = frozen.get("flow_direction" if flow else "direction") or "数据不足"
    name = _clean_name(meta.name) + ("（当月）" if flow else "") if meta else indicator_id
    return TimeSeries(key=key, name=name, kind=N.value_kind(meta), points=points, direction=direction)


# ---- peers -------------------------------------------------------------------------------------


def distribution(src: ReleaseSource, indicator_id: str, *, named: bool = False) -> Distribution | None:
    """An indicator's institutions by peer set (level → level group → region, analysis.ranking):
    statistics and ranks frozen in peers.json."""
    meta = src.indicator(indicator_id)
    frozen = src.peers(indicator_id)
    if meta is None or frozen is None:
        return None
    kind, unit = N.value_kind(meta), N.unit_of(meta)
    descending = frozen["descending"]
    rows = [RankedRow(fixmedins_code=r["fixmedins_code"], name=r.get("name") or r["fixmedins_code"],
                      group=r["group"], value=r["value"], text=N.fmt_value(kind, r["value"], unit), rank=r["rank"],
                      of=r["of"], percentile=r["percentile"], vs_median=r["vs_median"],
                      small_volume=r["small_volume"], level=r.get("level"),
                      level_group=r.get("level_group") or r["group"], basis=r.get("basis") or "level_group")
            for r in frozen["rows"]]
    min_peers = src.min_peers
    group_stats = []
    for g in frozen["groups"]:
        stats = GroupStats(**{k: g[k] for k in GroupStats.model_fields
                              if k in g and not (g[k] is None and k in ("n_small", "basis", "compared"))})
        if "basis" not in g and stats.n < min_peers:  # a bundle frozen before the fallback rule
            stats = GroupStats(group=stats.group, n=stats.n, minimum=None, q1=None, median=None, q3=None,
                               maximum=None, mean=None, n_small=stats.n_small, basis="none")
        group_stats.append(stats)
    if not any("basis" in g for g in frozen["groups"]):
        order = {g: i for i, g in enumerate(LEVEL_ORDER)}
        group_stats.sort(key=lambda g: order.get(g.group, 9))
    withheld = {g.group for g in group_stats if g.withheld}
    strip: dict[str, list[float]] = {}
    for r in rows:
        if r.value is not None and not r.small_volume and r.group not in withheld:
            strip.setdefault(r.group, []).append(r.value)
    dist = Distribution(indicator_id=indicator_id, name=_clean_name(meta.name, indicator_id), kind=kind, unit=unit,
                        descending=descending, groups=group_stats, rows=rows, strip=strip, min_peers=min_peers)
    if src.min_volume is not None:
        dist.min_volume = src.min_volume
    if named:
        dist.named, dist.named_rule = _named(rows, group_stats, indicator_id, dist.min_volume)
    return dist


def _named(rows: list[RankedRow], stats: list[GroupStats], indicator_id: str,
           min_volume: float) -> tuple[list[RankedRow], str]:
    """点名提示: institutions far from their level group's median (handbook 附录3 三)."""
    if indicator_id in GROWTH_IDS:  # a growth rate near 0 makes relative deviation meaningless
        medians = {g.group: g.median for g in stats}
        far = []
        for r in rows:
            med = medians.get(r.group)
            if r.value is not None and med is not None and not r.small_volume and r.value - med >= NAMED_DEVIATION:
                far.append(r.model_copy(update={"vs_median": r.value - med}))
        far.sort(key=lambda r: -r.vs_median)
        return far[:NAMED_PER_INDICATOR], (f"增幅高于比较组中位数{NAMED_DEVIATION * 100:.0f}个百分点以上的机构，"
                                           f"按差距取前{NAMED_PER_INDICATOR}家")
    far = [r for r in rows if r.vs_median is not None and not r.small_volume and abs(r.vs_median) >= NAMED_DEVIATION]
    far.sort(key=lambda r: -abs(r.vs_median))
    return far[:NAMED_PER_INDICATOR], (f"偏离比较组中位数{NAMED_DEVIATION * 100:.0f}%以上、出院人次不少于"
                                       f"{min_volume:.0f}人次的机构，按偏离程度取前{NAMED_PER_INDICATOR}家")



def position(src: ReleaseSource, dist: Distribution, code: str) -> PeerPosition | None:
    """One institution against its own peer set: the set's quartiles and median, its rank and
    percentile — nothing of another institution. A set too small even region-wide shows nothing."""
    row = next((r for r in dist.rows if r.fixmedins_code == code), None)
    if row is None:
        return None
    stats = next((g for g in dist.groups if g.group == row.group), None)
    fmt = lambda v: N.fmt_value(dist.kind, v, dist.unit)  # noqa: E731
    region_value = src.value(dist.indicator_id)
    common = dict(indicator_id=dist.indicator_id, name=dist.name, kind=dist.kind, unit=dist.unit, value=row.value,
                  text=row.text, group=row.group, small_volume=row.small_volume, min_volume=dist.min_volume,
                  region_value=region_value, region_text=fmt(region_value), min_peers=dist.min_peers,
                  level=row.level, level_group=row.level_group, n_small=stats.n_small if stats else 0)
    if stats is None or stats.withheld or stats.n < dist.min_peers:
        # too few institutions: its own value and the quartiles would give away the others' values
        return PeerPosition(**common, rank=None, of=stats.n if stats else 0, percentile=None, median=None, q1=None,
                            q3=None, median_text="—", q1_text="—", q3_text="—", peers_withheld=True, basis="none")
    return PeerPosition(**common, rank=row.rank, of=row.of, percentile=row.percentile, median=stats.median,
                        q1=stats.q1, q3=stats.q3, median_text=fmt(stats.median), q1_text=fmt(stats.q1),
                        q3_text=fmt(stats.q3), basis=stats.basis)


def starred_ids(src: ReleaseSource) -> list[str]:
    """Indicators published for every institution (the '*' mark: scope both/institution)."""
    return [m.id for m in src.catalogue if m.per_institution and not m.is_heading and src.publishable(m.id)
            and src.institution_values(m.id)]


# ---- findings --------------------------------------------------------------------------------------


def finding_items(src: ReleaseSource, code: str | None = None) -> list[FindingItem]:
    """Findings (all, or about one institution). For one institution (a push), a message naming
    another institution is replaced by a neutral sentence, so a push never carries another
    institution's details; the region's documents keep the messages as found."""
    out = []
    others = {c: src.institution(c).name for c in src.institutions}
    for r in src.findings.to_pylist():
        own = r.get("fixmedins_code")
        if code is not None and own != code:
            continue
        message = r.get("message") or ""
        # only a push (one institution's reader) must not see another institution named
        foreign = code is not None and any(c != own and (c in message or (n and len(n) > 2 and n in message))
                                           for c, n in others.items())
        if foreign:
            message = f"{src.pattern_name(r['pattern'])}：存在需要核实的数据异常，详见本机构核查通知。"
        inst = src.institution(own) if own else None
        out.append(FindingItem(pattern=r["pattern"], pattern_name="、".join(src.pattern_name(p) for p in _patterns(r)),
                               severity=r.get("severity") or "", severity_cn=SEVERITY_CN.get(r.get("severity"), "—"),
                               period=r.get("period") or src.period, fixmedins_code=own,
                               institution_name=inst.name if inst else None, message=message))
    rank = {"high": 0, "medium": 1, "low": 2}
    out.sort(key=lambda f: (rank.get(f.severity, 3), f.pattern, f.fixmedins_code or ""))
    return out


def _patterns(row: dict) -> list[str]:
    """The patterns of one 线索: a merged one names each (strongest first), others their own."""
    raw = row.get("patterns")
    found = json.loads(raw) if isinstance(raw, str) and raw else list(raw or [])
    return found or [row["pattern"]]


def finding_rows(src: ReleaseSource, items: list[FindingItem]) -> list[FindingRow]:
    """The 疑点 table: one row per institution and 线索 (merged patterns stay one 线索; repeated
    线索 of the same patterns at one institution are one row with their count), each institution
    with its level; region-level findings (no institution) one row per pattern with their count
    and the local institutions their messages name."""
    rank = {"high": 0, "medium": 1, "low": 2}
    rows: dict[tuple, list[FindingItem]] = {}
    for f in items:
        rows.setdefault((f.fixmedins_code, f.pattern_name if f.fixmedins_code else f.pattern), []).append(f)
    out = []
    for (code, _), group in rows.items():
        group.sort(key=lambda f: rank.get(f.severity, 3))
        lead = group[0]
        if code:
            inst = src.institution(code)
            message = lead.message + (f"（同类线索共{len(group)}条）" if len(group) > 1 else "")
            out.append(FindingRow(institution=f"{inst.name}（{inst.level_name}）", fixmedins_code=code,
                                  pattern_name=lead.pattern_name, severity_cn=lead.severity_cn, count=len(group),
                                  message=message))
            continue
        named = [i.name for c, i in sorted(src.institutions.items())
                 if i.name and len(i.name) > 2 and any(i.name in f.message or c in f.message for f in group)]
        message = f"共{len(group)}条，按参保人逐条核查" if len(group) > 1 else lead.message
        if len(group) > 1 and named:
            message += "；涉及本地机构：" + "、".join(named[:10]) + (f"等{len(named)}家" if len(named) > 10 else "")
        out.append(FindingRow(institution="统筹地区", pattern_name=lead.pattern_name, severity_cn=lead.severity_cn,
                              count=len(group), message=message + ("。" if not message.endswith("。") else "")))
    return out


def pattern_counts(items: list[FindingItem]) -> list[PatternCount]:
    """Counts by the leading pattern of each 线索 (a merged one is counted once, under its lead)."""
    counts = Counter((f.pattern, f.pattern_name.split("、")[0]) for f in items)
    return [PatternCount(pattern=p, name=n, count=c) for (p, n), c in counts.most_common()]


# ---- fund outlook --------------------------------------------------------------------------------


def fund_outlook(src: ReleaseSource) -> FundOutlookView:
    """可支付月数 and the 12-month forecast as `liangjiadi analyse fund` gave them for the period
    (fund_outlook.json, frozen at `release create`): the same figures and the same warnings, so a
    report never contradicts the tool. Bundles without it fall back to fund_forecast.json."""
    analysed = (src.frozen.fund_outlook if src.frozen else {}) or {}
    if analysed.get("available"):
        return _outlook_from_analysis(src, analysed["outlook"])
    view = _outlook_from_forecast(src)
    if analysed.get("reason"):
        view.method_note = f"未做基金运行分析：{analysed['reason']}。" + view.method_note
    return view


def _f(value) -> float | None:
    return None if value is None else float(value)


def _total(values) -> float | None:
    values = [_f(v) for v in values]
    return None if not values or any(v is None for v in values) else sum(values)


def _outlook_from_analysis(src: ReleaseSource, outlook: dict) -> FundOutlookView:
    """The region's view is the sum of the funds' (职工、居民); each fund is also worded alone."""
    balances, forecasts = outlook.get("balances", []), outlook.get("forecasts", [])
    frozen = (src.frozen.fund_forecast if src.frozen else {}) or {}
    horizon = max((len(f["months"]) for f in forecasts), default=12)
    view = FundOutlookView(period_label=src.meta.period_label, horizon=horizon)
    view.history = [SeriesPoint(period=p["period"], value=p["value"]) for p in frozen.get("history", [])]
    view.cumulative_balance = _total(b.get("balance_cumulative") for b in balances)
    view.avg_monthly_expense = _total(b.get("avg_monthly_expense_12m") for b in balances)
    if view.cumulative_balance is not None and view.avg_monthly_expense:
        view.months_payable = view.cumulative_balance / view.avg_monthly_expense
    if forecasts and all(len(f["months"]) == horizon for f in forecasts):
        for k in range(horizon):
            months = [f["months"][k] for f in forecasts]
            point = _total(m.get("cumulative_balance") for m in months)
            if point is None:
                break
            view.cumulative_path.append(ForecastPoint(
                period=months[0]["period"], point=point,
                lower=_total(m.get("cumulative_lower") for m in months) or point,
                upper=_total(m.get("cumulative_upper") for m in months) or point))
        view.horizon_balance = _total(f.get("balance_12m") for f in forecasts)
        view.horizon_balance_lower = sum(m["balance_lower"] for f in forecasts for m in f["months"])
        view.horizon_balance_upper = sum(m["balance_upper"] for f in forecasts for m in f["months"])
    view.funds = [N.fund_sentence(b, next((f for f in forecasts if f["fund"] == b["fund"]), None), horizon)
                  for b in balances]
    view.warnings = [w if w.endswith("。") else w + "。" for w in outlook.get("warnings", [])]
    notes = {f["method_note"] or f["method"] for f in forecasts}
    methods = notes.pop().rstrip("。") if len(notes) == 1 else "；".join(
        f"{f['label']}：{(f['method_note'] or f['method']).rstrip('。')}" for f in forecasts)
    view.method_note = ("以上与 liangjiadi analyse fund 对本期的基金运行分析一致（职工、居民分别预测后相加）"
                        + (f"；预测方法：{methods}" if methods else "")
                        + "；区间为各险种逐月90%区间之和（偏宽）。")
    return view


def _outlook_from_forecast(src: ReleaseSource) -> FundOutlookView:
    """The region-total forecast frozen as fund_forecast.json (bundles made without the analysis)."""
    frozen = (src.frozen.fund_forecast if src.frozen else {}) or {}
    horizon = frozen.get("horizon", 12)
    view = FundOutlookView(period_label=src.meta.period_label, horizon=horizon)
    view.cumulative_balance = frozen.get("cumulative_balance")
    view.avg_monthly_expense = frozen.get("avg_monthly_expense")
    view.months_payable = frozen.get("months_payable")
    view.history = [SeriesPoint(period=p["period"], value=p["value"]) for p in frozen.get("history", [])]
    forecast = frozen.get("forecast")
    if not forecast:
        view.method_note = "已存的月度基金数据不足 3 个月，暂不作预测。"
        return view
    view.cumulative_path = [ForecastPoint(**p) for p in forecast["path"]]
    view.horizon_balance = forecast["horizon_balance"]
    view.horizon_balance_lower = forecast["horizon_balance_lower"]
    view.horizon_balance_upper = forecast["horizon_balance_upper"]
    view.deficit_probability = forecast["deficit_probability"]
    view.method_note = f"预测方法：{forecast['method']}；区间为模拟路径的第5至第95百分位（90%区间）。"
    if view.months_payable is not None and view.months_payable < view.warn_months:
        view.warnings.append(f"可支付月数{N.months(view.months_payable)}，低于{view.warn_months:.0f}个月的警戒线。")
    if view.horizon_balance < 0:
        view.warnings.append(f"预计未来{horizon}个月收不抵支，收支差{N.money(view.horizon_balance)}。")
    return view


# ---- the documents --------------------------------------------------------------------------------


def worksheet_summary(src: ReleaseSource) -> WorksheetSummary:
    region_ids = {iid for iid in src.indicator_ids(institutions=False) if src.publishable(iid)}
    inst_ids = {iid for iid in src.indicator_ids(institutions=True) if src.publishable(iid)}
    counts = Counter(CHECK_STATUS_CN.get(s, s) for s in src.check_report["status"].to_pylist()) \
        if src.check_report.num_rows else Counter()
    return WorksheetSummary(indicators_published=len(region_ids), institution_indicators=len(inst_ids),
                            institutions=len(src.hospitals), check_counts=dict(counts))


def monthly_push(src: ReleaseSource) -> RegionMonthlyPush:
    src.preload_history(MONEY_IDS + EFFECT_IDS + SERVICE_IDS + ["18", "21"])
    groups = region_groups(src)
    items = finding_items(src)
    by_pattern = pattern_counts(items)
    trends = [time_series(src, "income", "1", flow=True), time_series(src, "expense", "8", flow=True),
              time_series(src, "per_case", "37")]
    dists = [d for d in (distribution(src, "37"), distribution(src, "45")) if d]
    analysis = [N.figures_paragraph(f"{g.title}：", g.figures) for g in groups]
    for t in trends:
        if t.direction != "数据不足":
            analysis.append(f"近{len(t.points)}个月{t.name}走势{t.direction}。")
    findings_text = [N.findings_sentence(len(items), by_pattern)] + ([line] if (line := src.not_evaluated_line) else [])
    conversation = []
    if (feedback := src.previous_feedback()) and feedback.items:  # 上期意见采纳情况 (seeds/001 §六(八))
        conversation += feedback_lines(feedback)
    conversation += src.letter_lines  # 点名提醒办理情况 (seeds/001 §六(七))
    analysis += findings_text + conversation
    blocks = C.blocks(src)
    return RegionMonthlyPush(meta=src.meta, groups=groups, analysis=analysis, trends=trends, distributions=dists,
                             worksheet=worksheet_summary(src), findings_total=len(items),
                             findings_by_pattern=by_pattern, findings_text=findings_text, conversation=conversation,
                             contents={k: b for k, b in blocks.items() if k in MONTHLY_CONTENTS})


def institution_push(src: ReleaseSource, code: str, distributions: dict[str, Distribution] | None = None,
                     groups: list[FigureGroup] | None = None) -> InstitutionPush:
    inst = src.institution(code)
    if distributions is None:
        distributions = {i: d for i in starred_ids(src) if (d := distribution(src, i))}
    positions = [p for d in distributions.values() if (p := position(src, d, code))]
    findings = finding_items(src, code)
    analysis = [N.position_sentence(p) for p in positions if p.indicator_id in ("37", "39", "40", "45", "29", "CMI")]
    findings_text = [f"本期涉及本院的疑点线索{len(findings)}条。" if findings else "本期未发现涉及本院的疑点线索。"]
    findings_text += [line] if (line := src.not_evaluated_line) else []
    return InstitutionPush(
        meta=src.meta, institution=InstitutionInfo(code=code, name=inst.name, level_group=inst.level_group,
                                                   level_name=inst.level_name),
        region_groups=groups if groups is not None else region_groups(src), positions=positions,
        findings=findings, analysis=analysis, findings_text=findings_text, trends=institution_trends(src, code),
        peer_rule=N.peer_rule_sentence(src.min_volume, src.min_peers), actions=push_actions(positions, findings),
        yigongti=_member_yigongti(src, code))


def _member_yigongti(src: ReleaseSource, code: str):
    """The 医共体 view of a member's push, from the frozen 医共体 figures (none for a non-member)."""
    from .county import member_block

    fig = src.frozen.yigongti if src.frozen else {}
    if not fig or not fig.get("units"):
        return None
    names = {c: src.institution(c).name for u in fig["units"] for c in u["members"]}
    return member_block(fig, code, names)


PHARMACY_IDS = ["47", "57"]  # 千人口定点零售药店数 (region), 定点药店医保药品量价比较指数 (region and own)


def pharmacies(src: ReleaseSource) -> list[str]:
    """The directory's 定点零售药店 (fixmedins_type 2) of the release: each gets its own push."""
    return sorted(c for c, i in src.institutions.items() if i.fixmedins_type == "2")


def _dec_or_none(value) -> float | None:
    return None if value is None else float(value)


def pharmacy_push(src: ReleaseSource, code: str, groups: list[FigureGroup] | None = None) -> PharmacyPush:
    inst = src.institution(code)
    own_figures = figures(src, PHARMACY_IDS)
    if src.indicator("57") is not None and src.publishable("57") and src.value("57", code) is not None:
        f = figure(src, "57", code, with_history=False)
        own_figures.append(f.model_copy(update={"name": "本店" + _clean_name(f.name)}))
    block = ((src.frozen.contents if src.frozen else {}) or {}).get("pharmacies") or {}
    row = next((r for r in block.get("rows", []) if r["code"] == code), None)
    enough = block.get("peers", 0) >= block.get("min_peers", 6)
    own_rows, own_text, monthly = [], [], []
    if row is None:
        own_text.append("本期发布包中没有本店的医保结算记录（或发布包早于药店推送）。")
    else:
        median_per_visit = N.yuan(_dec_or_none(block.get("median_per_visit"))) if enough else "比较组不足，不列"
        median_fund = N.yuan(_dec_or_none(block.get("median_fund_per_visit"))) if enough else "比较组不足，不列"
        own_rows = [["医保结算人次", N.count(row["visits"], "人次"), "—"],
                    ["医疗费用总额", N.money(_dec_or_none(row["medfee"])), "—"],
                    ["医保基金支付", N.money(_dec_or_none(row["fund"])), "—"],
                    ["其中：统筹基金支付", N.money(_dec_or_none(row["hifp"])), "—"],
                    ["个人账户支付", N.money(_dec_or_none(row["acct"])), "—"],
                    ["次均费用", N.yuan(_dec_or_none(row["per_visit"])), median_per_visit],
                    ["次均医保基金支付", N.yuan(_dec_or_none(row["fund_per_visit"])), median_fund]]
        own_text.append(f"{src.meta.period_label}本店医保结算{N.count(row['visits'], '人次')}，医疗费用"
                        f"{N.money(_dec_or_none(row['medfee']))}，医保基金支付{N.money(_dec_or_none(row['fund']))}。")
        if enough:
            own_text.append(f"比较组为本统筹地区全部{block['peers']}家定点零售药店，只列中位数，不列其他药店的数值。")
        else:
            own_text.append(f"本统筹地区定点零售药店不足{block.get('min_peers', 6)}家，不列比较组中位数。")
        if len(row["monthly"]) > 1:
            monthly.append(TimeSeries(key="own_fund", name="本店医保基金支付（当月）", kind="money",
                                      points=[SeriesPoint(period=m["period"], value=_dec_or_none(m["fund"]))
                                              for m in row["monthly"]]))
    findings = finding_items(src, code)
    # (the detectors' 未检测 line is about hospitals' patterns: not repeated to a pharmacy)
    findings_text = [f"本期涉及本店的疑点线索{len(findings)}条。" if findings else "本期未发现涉及本店的疑点线索。"]
    due = f"收到本推送后{RESPONSE_WORKING_DAYS}个工作日内"
    actions = [ActionItem(subject=f.pattern_name, request="核实该疑点线索，书面说明情况；确有问题的，提出整改措施并落实。",
                          due=due) for f in findings]
    actions.append(ActionItem(subject="本推送所列本店数据", request="核对本店数据；如有异议，通过门户“异议”或数据工作组成员书面反馈，注明指标和理由。",
                              due=due))
    return PharmacyPush(meta=src.meta, institution=InstitutionInfo(code=code, name=inst.name or f"药店{code}",
                                                                  level_group="定点零售药店", level_name="定点零售药店"),
                        region_groups=groups if groups is not None else region_groups(src),
                        pharmacy_figures=own_figures, own_rows=own_rows, own_text=own_text, monthly=monthly,
                        findings=findings, findings_text=findings_text, actions=actions)


def institution_trends(src: ReleaseSource, code: str, months: int = 13) -> list[TimeSeries]:
    """The institution's own months of its key indicators (frozen history), beside the region's."""
    out = []
    for iid in PUSH_TREND_IDS:
        meta = src.indicator(iid)
        own = src.institution_history(iid, code)
        if meta is None or all(own.get(p) is None for p in src.periods(months)):
            continue
        periods = src.periods(months)
        name = _clean_name(meta.name, iid)
        out.append(TimeSeries(key=f"own_{iid}", name=f"本院{name}", kind=N.value_kind(meta),
                              points=[SeriesPoint(period=p, value=own.get(p)) for p in periods]))
        if iid != "39":  # a volume of the whole region is not comparable with one hospital's
            region = src.history(iid)
            out.append(TimeSeries(key=f"region_{iid}", name=f"统筹地区{name}", kind=N.value_kind(meta),
                                  points=[SeriesPoint(period=p, value=region.get(p)) for p in periods]))
    return out


def push_actions(positions: list[PeerPosition], findings: list[FindingItem]) -> list[ActionItem]:
    """What the institution is asked to do and by when: answer each finding about it, explain each
    key indicator far from its peer set's median (the quarterly 点名提醒 rule), and raise any
    objection to its figures — all in writing within RESPONSE_WORKING_DAYS working days."""
    due = f"收到本推送后{RESPONSE_WORKING_DAYS}个工作日内"
    out = [ActionItem(subject=f.pattern_name, request="核实该疑点线索，书面说明情况；确有问题的，提出整改措施并落实。",
                      due=due) for f in findings]
    for p in positions:
        if p.indicator_id not in KEY_IDS or p.peers_withheld or p.small_volume or p.value is None or p.median is None:
            continue
        gap = p.value - p.median if p.indicator_id in GROWTH_IDS else (p.value / p.median - 1 if p.median else None)
        if gap is None or (abs(gap) < NAMED_DEVIATION if p.indicator_id not in GROWTH_IDS else gap < NAMED_DEVIATION):
            continue
        far = (f"高于比较组中位数{gap * 100:.2f}个百分点" if p.indicator_id in GROWTH_IDS
               else f"{'高于' if gap > 0 else '低于'}比较组中位数{abs(gap) * 100:.2f}%")
        out.append(ActionItem(subject=f"{p.name}（本院{p.text}，{far}）",
                              request="分析偏离原因，书面说明；属管理问题的，提出改进措施。", due=due))
    out.append(ActionItem(subject="本推送所列本院数据", request="核对本院数据；如有异议，通过数据工作组成员书面反馈，注明指标和理由。",
                          due=due))
    return out


def topic_highlights(src: ReleaseSource) -> list[str]:
    """Topics analysed in this release's year up to its month (frozen topics.json)."""
    out = []
    for d in (src.frozen.topics if src.frozen else []):
        label = "ADRG" if d.get("kind") == "adrg" else "诊断类目"
        out.append(f"{N.period_cn(d['period'])}已完成{label} {d.get('code')}"
                   + (f"（{d['name']}）" if d.get("name") else "") + "专题分析。")
    return out


def quarterly_report(src: ReleaseSource) -> QuarterlyReport:
    src.preload_history(FUND_IDS + PAYMENT_IDS)
    fund = figures(src, FUND_IDS)
    trends = [time_series(src, "income", "1", flow=True), time_series(src, "expense", "8", flow=True)]
    outlook = fund_outlook(src)
    fund_text = [N.figures_paragraph("基金收支：", [f for f in fund if f.indicator_id in ("1", "8", "15")]),
                 N.outlook_sentence(outlook)] + outlook.funds + outlook.warnings
    pay = figures(src, PAYMENT_IDS)
    pay_dists = [d for d in (distribution(src, "43"), distribution(src, "44"), distribution(src, "CMI")) if d]
    highlights = topic_highlights(src)
    pay_text = [N.figures_paragraph("病种付费运行：", pay)]
    for d in pay_dists:
        pay_text += [N.distribution_sentence(d, g) for g in d.groups if g.median is not None]
    key = [d for i in KEY_IDS if (d := distribution(src, i, named=True))]
    key_text = []
    for d in key:
        key_text += [N.distribution_sentence(d, g) for g in d.groups if g.median is not None]
        for r in d.named:
            peers = f"{r.group}医疗机构中位数"  # its own peer set (level, level group or 全地区)
            gap = (f"高于{peers}{r.vs_median * 100:.2f}个百分点" if d.indicator_id in GROWTH_IDS
                   else f"{'高于' if r.vs_median > 0 else '低于'}{peers}{abs(r.vs_median) * 100:.2f}%")
            key_text.append(f"{r.name}（{r.group}）{d.name}{r.text}，{gap}，请重点关注。")
    items = finding_items(src)
    by_pattern = pattern_counts(items)
    feedback = src.previous_feedback()
    feedback_counts = feedback.counts() if feedback else {}
    if feedback and feedback.items:
        counts = "，".join(f"{k}{v}条" for k, v in feedback_counts.items())
        feedback_text = [f"上期发布后共收到意见建议{len(feedback.items)}条，{counts}。"]
    else:
        feedback_text = ["上期发布后未收到书面意见建议。"]
    named = [(r.name, d.name) for d in key for r in d.named]
    steps = C.next_steps(src, warnings=outlook.warnings, findings=items, named=named,
                         next_label=_next_label(src))
    return QuarterlyReport(
        contents=C.blocks(src), next_steps=steps,
        meta=src.meta, fund_figures=fund, fund_trends=trends, outlook=outlook, fund_text=fund_text,
        payment_figures=pay, payment_distributions=pay_dists, topic_highlights=highlights, payment_text=pay_text,
        key_distributions=key, key_text=key_text, findings=items, findings_by_pattern=by_pattern,
        finding_rows=finding_rows(src, items),
        findings_text=[N.findings_sentence(len(items), by_pattern)] + ([line] if (line := src.not_evaluated_line) else [])
        + src.letter_lines,
        feedback=feedback, feedback_counts=feedback_counts,
        feedback_text=feedback_text)


def annual_notice(src: ReleaseSource) -> AnnualNotice:
    src.preload_history(FUND_IDS + PAYMENT_IDS + ["28", "29"])
    fund = figures(src, ["1", "8", "15", "18", "21", "14"])
    budget = figures(src, ["24", "25", "26", "27"], with_history=False)
    listing = figures(src, ["28", "29"])
    drg = figures(src, ["30", "31", "32", "CMI"])
    special = figures(src, ["33", "34", "35"])
    eff = [d for i in ("37", "40", "43", "44") if (d := distribution(src, i))]
    settle = distribution(src, "11")
    by_pattern = pattern_counts(finding_items(src))
    text = {
        "fund": [N.figures_paragraph("年度基金收支结余：", fund), N.figures_paragraph("预算（下一年度总额）：", budget)],
        "listing": [N.figures_paragraph("结算清单：", listing)],
        "drg": [N.figures_paragraph("DRG/DIP 入组与结算：", drg)],
        "efficiency": [N.distribution_sentence(d, g) for d in eff for g in d.groups if g.median is not None],
        "special": [N.figures_paragraph("特例单议：", special)],
        "other": [N.findings_sentence(sum(p.count for p in by_pattern), by_pattern)]
                 + ([line] if (line := src.not_evaluated_line) else []),
    }
    items = finding_items(src)
    steps = C.next_steps(src, warnings=fund_outlook(src).warnings, findings=items, named=[],
                         next_label=_next_label(src))
    return AnnualNotice(contents=C.blocks(src), next_steps=steps, meta=src.meta, fund_figures=fund, budget_figures=budget, listing_figures=listing,
                        drg_figures=drg, topic_highlights=topic_highlights(src), efficiency=eff, settlement=settle,
                        payment_clearing=payment_clearing(src), special_cases=special, findings_by_pattern=by_pattern, text=text)


SHIFTS_SHOWN = 10  # 专题分析: the institutions' largest structure shifts


def _next_label(src: ReleaseSource) -> str:
    """The next release of the same kind, as the 下一步工作打算 names it (下季度 → 2026年第一季度)."""
    from ..errors import LjdError
    from ..period import Window

    kind = src.release.kind.value
    try:
        window = Window.parse(src.release.period)
    except LjdError:  # a topic key: the documents then just say 下期
        return "下期"
    after = window.last.shift(1)
    if kind == "quarterly":
        return "下季度（" + after.quarter_window().label + "）"
    if kind == "annual":
        return f"下一年度（{after.year}年）"
    return "下月（" + after.label + "）"


def topic_report(src: ReleaseSource, analysis: dict) -> TopicReport:
    """专题分析 from a TopicAnalysis (analysis.topic) as a dict: the aggregate output the topic
    analysis produced, frozen with the release's files as topic_analysis.json. Every part it
    computed is shown: volume and cost, the sub-codes (named where a catalogue names them),
    their costs, the cost structure, the institutions' shifts, benchmarks, top and bottom ten."""
    cur, last = analysis["current"], analysis["last_year"]
    insts = {i["fixmedins_code"]: i for i in analysis.get("institutions", [])}
    names = analysis.get("sub_names") or {}

    def label(key: str) -> str:
        return f"{key} {names[key]}" if names.get(key) else key

    def row(code: str) -> TopicInstitutionRow:
        i = insts[code]
        return TopicInstitutionRow(fixmedins_code=code, name=i.get("name") or src.institution(code).name,
                                   level_group=i["level_group"], cases=int(i["cases"]),
                                   median_cost=i.get("median_cost"), rank=i.get("rank"),
                                   percentile=i.get("percentile"), benchmark=i.get("benchmark"),
                                   vs_benchmark=i.get("vs_benchmark"))

    costs = {c["key"]: c for c in analysis.get("subgroup_costs") or []}
    subgroups = []
    for it in (analysis.get("subgroups") or {}).get("items", []):
        c = costs.get(it["key"], {})
        subgroups.append({"key": it["key"], "label": label(it["key"]), "before_share": it.get("before_share"),
                          "after_share": it.get("after_share"), "change_pp": it.get("change_pp"),
                          "cases": c.get("cases"), "cases_last_year": c.get("cases_last_year"),
                          "per_case_cost": c.get("per_case_cost"),
                          "per_case_cost_last_year": c.get("per_case_cost_last_year")})
    structure = [{"key": it["key"], "amount": _f(it.get("after")), "before_share": it.get("before_share"),
                  "after_share": it.get("after_share"), "change_pp": it.get("change_pp")}
                 for it in (analysis.get("cost_structure") or {}).get("items", [])]
    moved = [s for s in analysis.get("institution_shifts") or [] if s.get("change_pp") is not None
             and insts.get(s["fixmedins_code"], {}).get("eligible")]
    moved.sort(key=lambda s: (-abs(s["change_pp"]), s["fixmedins_code"], s["key"]))
    shifts = [{"name": insts[s["fixmedins_code"]].get("name") or src.institution(s["fixmedins_code"]).name,
               "label": label(s["key"]), "share_last_year": s.get("share_last_year"), "share": s.get("share"),
               "change_pp": s["change_pp"]} for s in moved[:SHIFTS_SHOWN]]
    kind_cn = "ADRG" if analysis["kind"] == "adrg" else "诊断类目"
    name = analysis.get("name") or ""
    months = analysis.get("months") or [src.period]
    model = TopicReport(
        meta=src.meta, topic_kind_cn=kind_cn, code=analysis["code"], name=name, window=window_label(months),
        cases=int(cur["cases"]), cases_last_year=int(last["cases"]), total_cost=float(cur["total_cost"]),
        per_case_cost=cur.get("per_case_cost"), median_case_cost=cur.get("median_case_cost"),
        cases_yoy=analysis.get("cases_yoy"), per_case_cost_yoy=analysis.get("per_case_cost_yoy"),
        subgroups=subgroups, cost_structure=structure, shifts=shifts,
        benchmarks=[dict(b) for b in analysis.get("benchmarks", [])],
        top10=[row(c) for c in analysis.get("top10", []) if c in insts],
        bottom10=[row(c) for c in analysis.get("bottom10", []) if c in insts], notes=list(analysis.get("notes", [])))
    topic = f"{kind_cn} {model.code}" + (f"（{name}）" if name else "")
    text = (f"{model.window}，{topic}结算{N.count(model.cases, '例')}，总费用{N.money(model.total_cost)}，"
            f"次均费用{N.yuan(model.per_case_cost)}，资源消耗中位数{N.yuan(model.median_case_cost)}")
    if model.cases_yoy is not None:
        text += f"；病例数同比{N.fmt_change('count', model.cases_yoy)}"
    if model.per_case_cost_yoy is not None:
        text += f"，次均费用同比{N.fmt_change('amount', model.per_case_cost_yoy)}"
    model.analysis = [text + "。"]
    for b in model.benchmarks:
        if b.get("value") is not None:
            model.analysis.append(f"{b['level_group']}医疗机构标杆值{N.yuan(b['value'])}。")
    big = max((s for s in subgroups if s["change_pp"] is not None), key=lambda s: abs(s["change_pp"]), default=None)
    if big is not None and abs(big["change_pp"]) >= 0.01:
        model.analysis.append(f"细分结构中{big['label']}占比由{N.pct(big['before_share'])}变为{N.pct(big['after_share'])}"
                              f"（{big['change_pp']:+.2f}个百分点），变化最大。")
    return model


def window_label(months: list[str]) -> str:
    """The analysed months as the seeds name them: 2025年第一季度, 2025年度, or 2025年1月至2025年5月."""
    from ..period import Window

    if len(months) == 1:
        return N.period_cn(months[0])
    year = months[0][:4]
    for key in [f"{year}-Q{q}" for q in range(1, 5)] + [f"{year}-H1", f"{year}-H2", year]:
        window = Window.parse(key)
        if window.month_keys == list(months):
            return window.label
    return f"{N.period_cn(months[0])}至{N.period_cn(months[-1])}"


def load_topic_analysis(path: Path) -> dict:
    """A topic analysis frozen with a release (专题分析数据_….json)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
