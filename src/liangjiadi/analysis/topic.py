"""专题分析 (handbook §五(三)): one ADRG (DRG regions) or one diagnosis category (DIP regions).

Cases: valid, non-refund inpatient settlements at the region's institutions (all insured) in
the window, with their settlement list; ADRG = first three characters of grp_code, category =
first three characters of maindiag_code (医保版 ICD-10, the dot removed), sub-code = the 4th
character (I63.3). Case cost = medfee_sumamt of the settlement row (refund rows are not cases).
Window: January..P (year to date) unless months are given; compared with the same months a
year earlier.

Handbook: "向医疗机构提供该病种的资源消耗中位数、标杆值、前十位、后十位等排名信息；ADRG下的细分组
入组数量、结构、费用变化，…诊断类目下的诊断亚目病种结构变化".
- 资源消耗中位数: the median case cost of the region, and each institution's median case cost.
- 标杆值 (benchmark): per level group, the 25th percentile of the median case costs of the
  institutions of that level with at least `min_cases` cases (default 10) — a cost three in four
  peers do not beat, reachable because a quarter of them already do. With fewer than 3 such
  institutions in a level, the region-wide 25th percentile of all eligible institutions is used
  (and the benchmark says so).
- 前十位 / 后十位: eligible institutions ordered by median case cost, the 10 highest / 10 lowest;
  with fewer than 20 the two lists split them (the higher half / the lower half), never repeating one.
- Names: the ADRG and its DRG groups from the grouping catalogue (grp_catalog); a category and its
  sub-codes (亚目) from the optional code catalogue (code_catalog, 医保版 ICD-10); a code the
  catalogues do not name is shown bare.
- Structure: severity subgroups (grp_code, last digit 1/3/5/9) or sub-codes, counts, shares,
  per-case cost, shift against last year, overall and per institution.
Topic log: `<workdir>/topics.json` records each topic analysed, to track coverage of the 26 MDC
(DRG) or the 20 ICD-10 chapters of the DIP disease library.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from ..config import Settings
from ..indicators.institutions import institutions_as_of
from ..period import Period, shift
from .common import (
    AnalysisError, Institution, Model, engine_for, fnum, growth, level_of, median, percentile_rank,
    quantile, region_of,
)
from .structure import StructureDrift, structure_drift

MIN_CASES = 10
BENCHMARK_QUANTILE = 0.25
MIN_BENCHMARK_PEERS = 3
TOP_N = 10
TOPIC_LOG = "topics.json"

MDC = {
    "A": "先期分组疾病及相关操作", "B": "神经系统疾病及功能障碍", "C": "眼疾病及功能障碍",
    "D": "头颈、耳、鼻、口、咽疾病及功能障碍", "E": "呼吸系统疾病及功能障碍", "F": "循环系统疾病及功能障碍",
    "G": "消化系统疾病及功能障碍", "H": "肝、胆、胰疾病及功能障碍", "I": "肌肉、骨骼疾病及功能障碍",
    "J": "皮肤、皮下组织及乳腺疾病及功能障碍", "K": "内分泌、营养、代谢疾病及功能障碍", "L": "肾脏及泌尿系统疾病及功能障碍",
    "M": "男性生殖系统疾病及功能障碍", "N": "女性生殖系统疾病及功能障碍", "O": "妊娠、分娩及产褥期",
    "P": "新生儿及其他围产期新生儿疾病", "Q": "血液、造血器官及免疫疾病和功能障碍",
    "R": "骨髓增生疾病和功能障碍，低分化肿瘤", "S": "感染及寄生虫病（全身性或不明确部位的）",
    "T": "精神疾病及功能障碍", "U": "酒精/药物使用及其引起的器质性精神功能障碍", "V": "创伤、中毒及药物毒性反应",
    "W": "烧伤", "X": "影响健康因素及其他就医情况", "Y": "HIV感染疾病及相关操作", "Z": "多发严重创伤",
}

# ICD-10 chapters: (number, first category, last category, name). The DIP disease library covers
# 20 of them: chapters 20 (external causes, V01-Y98) and 22 (U codes) are not main diagnoses.
ICD10_CHAPTERS = (
    (1, "A00", "B99", "某些传染病和寄生虫病"), (2, "C00", "D48", "肿瘤"),
    (3, "D50", "D89", "血液及造血器官疾病和某些涉及免疫机制的疾患"), (4, "E00", "E90", "内分泌、营养和代谢疾病"),
    (5, "F00", "F99", "精神和行为障碍"), (6, "G00", "G99", "神经系统疾病"), (7, "H00", "H59", "眼和附器疾病"),
    (8, "H60", "H95", "耳和乳突疾病"), (9, "I00", "I99", "循环系统疾病"), (10, "J00", "J99", "呼吸系统疾病"),
    (11, "K00", "K93", "消化系统疾病"), (12, "L00", "L99", "皮肤和皮下组织疾病"),
    (13, "M00", "M99", "肌肉骨骼系统和结缔组织疾病"), (14, "N00", "N99", "泌尿生殖系统疾病"),
    (15, "O00", "O99", "妊娠、分娩和产褥期"), (16, "P00", "P96", "起源于围生期的某些情况"),
    (17, "Q00", "Q99", "先天性畸形、变形和染色体异常"), (18, "R00", "R99", "症状、体征和临床与实验室异常所见"),
    (19, "S00", "T98", "损伤、中毒和外因的某些其他后果"), (20, "V01", "Y98", "疾病和死亡的外因"),
    (21, "Z00", "Z99", "影响健康状态和与保健机构接触的因素"), (22, "U00", "U99", "用于特殊目的的编码"),
)
DIP_CHAPTERS = tuple(c for c in ICD10_CHAPTERS if c[0] not in (20, 22))


def mdc_of(adrg: str) -> str:
    return adrg[:1].upper()


def chapter_of(category: str) -> int | None:
    c = category[:3].upper()
    for num, first, last, _ in ICD10_CHAPTERS:
        if first <= c <= last:
            return num
    return None


def normalise_diag(code: str | None) -> str:
    return (code or "").strip().upper().replace(".", "")


def sub_code(diag: str) -> str:
    """I63300 -> I63.3; a bare category stays as it is."""
    d = normalise_diag(diag)
    return f"{d[:3]}.{d[3]}" if len(d) >= 4 else d[:3]


# ---- data models ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicSummary(Model):
    cases: int
    total_cost: Decimal
    per_case_cost: float | None
    median_case_cost: float | None  # 资源消耗中位数


@dataclass(frozen=True)
class Benchmark(Model):
    level_group: str
    value: float | None
    rule: str
    institutions: int  # eligible institutions the value was taken from


@dataclass(frozen=True)
class InstitutionTopic(Model):
    fixmedins_code: str
    name: str | None
    level_group: str
    cases: int
    total_cost: Decimal
    mean_cost: float | None
    median_cost: float | None
    eligible: bool  # cases ≥ min_cases (ranked, in the benchmark)
    rank: int | None  # 1 = highest median case cost among eligible institutions
    level_rank: int | None  # the same within its level group
    percentile: float | None  # of its median among eligible institutions of its level, 0-100
    benchmark: float | None
    vs_benchmark: float | None  # median / benchmark − 1
    cases_last_year: int
    median_cost_last_year: float | None
    cases_yoy: float | None


@dataclass(frozen=True)
class SubgroupCost(Model):
    key: str
    cases: int
    cases_last_year: int
    per_case_cost: float | None
    per_case_cost_last_year: float | None


@dataclass(frozen=True)
class InstitutionShift(Model):
    fixmedins_code: str
    key: str
    cases_last_year: int
    cases: int
    share_last_year: float | None
    share: float | None
    change_pp: float | None
    growth: float | None


@dataclass(frozen=True)
class TopicAnalysis(Model):
    kind: str  # adrg | category
    code: str
    name: str | None
    chapter: str  # MDC letter (adrg) or ICD-10 chapter number (category)
    period: str
    months: list[str]
    reference_months: list[str]
    current: TopicSummary
    last_year: TopicSummary
    cases_yoy: float | None
    total_cost_yoy: float | None
    per_case_cost_yoy: float | None
    cost_structure: StructureDrift | None  # None when setl_fee was not supplied
    subgroups: StructureDrift
    subgroup_costs: list[SubgroupCost] = field(default_factory=list)
    institution_shifts: list[InstitutionShift] = field(default_factory=list)
    institutions: list[InstitutionTopic] = field(default_factory=list)
    benchmarks: list[Benchmark] = field(default_factory=list)
    top10: list[str] = field(default_factory=list)  # codes, highest median case cost first
    bottom10: list[str] = field(default_factory=list)  # codes, lowest median case cost first
    min_cases: int = MIN_CASES
    selection: str = "指定"
    notes: list[str] = field(default_factory=list)
    sub_names: dict[str, str] = field(default_factory=dict)  # sub-code / DRG group -> name, where catalogued

    def institution(self, code: str) -> InstitutionTopic | None:
        return next((i for i in self.institutions if i.fixmedins_code == code), None)


# ---- lake ---------------------------------------------------------------------------------------------


def _cases_expr(engine, settings: Settings, region: str, periods: Sequence[str]):
    s = engine.region_table("setl_d", settings, region, periods=periods)
    s = s.filter(
        s.period.isin(list(periods)), s.fix_blng_admdvs.isin(settings.own_admdvs(region)),
        (s.vali_flag == "1") | s.vali_flag.isnull(),
        (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull(),
        s.med_type.isin([str(x) for x in settings.inpatient_med_types]),
    ).select("setl_id", "period", "fixmedins_code", "medfee_sumamt")
    lt = engine.region_table("setl_list", settings, region)  # any month: a list may be filed later
    lt = lt.select(
        l_setl_id=lt.setl_id,
        grp_code=lt.grp_code.strip().upper(),
        diag=lt.maindiag_code.strip().upper().replace(".", ""),
    )
    j = s.inner_join(lt, s.setl_id == lt.l_setl_id)
    return j.select("setl_id", "period", "fixmedins_code", "medfee_sumamt", "grp_code", "diag")


def _topic_filter(expr, kind: str, code: str):
    if kind == "adrg":
        return expr.filter(expr.grp_code.substr(0, 3) == code)
    return expr.filter(expr.diag.substr(0, 3) == code)


def load_topic_cases(engine, settings: Settings, region: str, periods: Sequence[str], kind: str, code: str) -> list[dict]:
    return engine.to_pyarrow(_topic_filter(_cases_expr(engine, settings, region, periods), kind, code)).to_pylist()


def load_fee_structure(engine, settings: Settings, region: str, periods: Sequence[str], kind: str,
                       code: str) -> dict[str, Decimal]:
    if not engine.region_has_data("setl_fee", settings, region):
        return {}
    cases = _topic_filter(_cases_expr(engine, settings, region, periods), kind, code).select(c_setl_id="setl_id")
    f = engine.region_table("setl_fee", settings, region)
    j = f.inner_join(cases, f.setl_id == cases.c_setl_id)
    agg = j.group_by("med_chrgitm_type").aggregate(amount=j.item_sumamt.sum())
    return {r["med_chrgitm_type"]: Decimal(r["amount"] or 0) for r in engine.to_pyarrow(agg).to_pylist()}


def catalogue_name(engine, settings: Settings, region: str, adrg: str) -> tuple[str | None, str | None]:
    """(ADRG name, MDC code) from the region's grouping catalogue: the group name before its severity part."""
    if not engine.region_has_data("grp_catalog", settings, region):
        return None, None
    t = engine.region_table("grp_catalog", settings, region)
    rows = engine.to_pyarrow(t.filter(t.adrg_code == adrg).select("grp_name", "mdc_code")).to_pylist()
    if not rows:
        return None, None
    name = sorted(r["grp_name"] or "" for r in rows)[0].split("，")[0] or None
    return name, rows[0]["mdc_code"]


def catalogue_names(engine, settings: Settings, region: str, kind: str, code: str) -> tuple[str | None, dict[str, str]]:
    """(the topic's name, {sub-code: name}) from the catalogues the region loaded; empty when absent."""
    if kind == "adrg":
        name = catalogue_name(engine, settings, region, code)[0]
        if not engine.region_has_data("grp_catalog", settings, region):
            return name, {}
        t = engine.region_table("grp_catalog", settings, region)
        rows = engine.to_pyarrow(t.filter(t.adrg_code == code).select("grp_code", "grp_name")).to_pylist()
        return name, {r["grp_code"].strip().upper(): r["grp_name"] for r in rows if r["grp_code"] and r["grp_name"]}
    if not engine.region_has_data("code_catalog", settings, region):
        return None, {}
    t = engine.region_table("code_catalog", settings, region)
    norm = t.catalog_code.strip().upper().replace(".", "")
    t = t.filter((t.code_type == "diag") & norm.startswith(code)).select(code=norm, name=t.code_name)
    return diagnosis_names({r["code"]: r["name"] for r in engine.to_pyarrow(t).to_pylist()}, code)


def diagnosis_names(catalogue: dict[str, str], category: str) -> tuple[str | None, dict[str, str]]:
    """A category's name and its sub-codes' names from {normalised code: name} (I63300 -> 大脑动脉…).

    A sub-code I63.3 takes the name of I63.3 itself, else of I63.300 (the national list names a
    亚目 by its .x00 code); the category I63 its own name, else that of I63.900 (unspecified: the
    category's plain name in the national list, 脑梗死), else of I63.000 (the first code)."""
    def first(*codes: str) -> str | None:
        return next((catalogue[c] for c in codes if catalogue.get(c)), None)

    subs = {}
    for digit in "0123456789":
        key = f"{category}{digit}"
        if (name := first(key, f"{key}00")) is not None:
            subs[f"{category}.{digit}"] = name
    return first(category, f"{category}900", f"{category}000"), subs


# ---- pure analysis ----------------------------------------------------------------------------------


def _summary(cases: list[dict]) -> TopicSummary:
    costs = [Decimal(c["medfee_sumamt"] or 0) for c in cases]
    total = sum(costs, Decimal(0))
    return TopicSummary(len(cases), total, fnum(total / len(costs)) if costs else None, median(costs))


def _key(kind: str, case: dict) -> str:
    return case["grp_code"] if kind == "adrg" else sub_code(case["diag"])


def benchmarks(medians: dict[str, float], levels: dict[str, str], quantile_q: float = BENCHMARK_QUANTILE,
               min_peers: int = MIN_BENCHMARK_PEERS) -> dict[str, Benchmark]:
    """标杆值 per level group from the eligible institutions' median case costs."""
    by_level: dict[str, list[float]] = defaultdict(list)
    for code, m in medians.items():
        by_level[levels[code]].append(m)
    everyone = list(medians.values())
    out = {}
    for level in sorted(set(levels.values())):
        vals = by_level.get(level, [])
        if len(vals) >= min_peers:
            out[level] = Benchmark(level, quantile(vals, quantile_q), f"同级别（{level}）机构中位次均费用的第25百分位",
                                   len(vals))
        else:
            out[level] = Benchmark(level, quantile(everyone, quantile_q) if everyone else None,
                                   f"同级别合格机构不足{min_peers}家，取全地区合格机构中位次均费用的第25百分位",
                                   len(everyone))
    return out


def analyse_cases(kind: str, code: str, period: str, months: list[str], reference_months: list[str],
                  cases: list[dict], last_year: list[dict], insts: dict[str, Institution], *,
                  fees: dict[str, Decimal] | None = None, fees_last_year: dict[str, Decimal] | None = None,
                  name: str | None = None, min_cases: int = MIN_CASES, selection: str = "指定",
                  sub_names: dict[str, str] | None = None) -> TopicAnalysis:
    """The topic analysis from case rows (period, fixmedins_code, medfee_sumamt, grp_code, diag)."""
    cur, ly = _summary(cases), _summary(last_year)
    by_inst: dict[str, list[Decimal]] = defaultdict(list)
    by_inst_ly: dict[str, list[Decimal]] = defaultdict(list)
    for c in cases:
        by_inst[c["fixmedins_code"]].append(Decimal(c["medfee_sumamt"] or 0))
    for c in last_year:
        by_inst_ly[c["fixmedins_code"]].append(Decimal(c["medfee_sumamt"] or 0))
    levels = {c: level_of(insts, c) for c in set(by_inst) | set(by_inst_ly)}
    eligible = {c: median(v) for c, v in by_inst.items() if len(v) >= min_cases}
    marks = benchmarks(eligible, levels)
    ordered = sorted(eligible, key=lambda c: (-eligible[c], c))
    rank = {c: i + 1 for i, c in enumerate(ordered)}
    level_members: dict[str, list[str]] = defaultdict(list)
    for c in ordered:
        level_members[levels[c]].append(c)
    level_rank = {c: i + 1 for members in level_members.values() for i, c in enumerate(members)}
    rows = []
    for c in sorted(set(by_inst) | set(by_inst_ly)):
        costs = by_inst.get(c, [])
        total = sum(costs, Decimal(0))
        med = median(costs)
        bench = marks[levels[c]].value
        peers = [eligible[m] for m in level_members.get(levels[c], [])]
        rows.append(InstitutionTopic(
            c, insts[c].name if c in insts else None, levels[c], len(costs), total,
            fnum(total / len(costs)) if costs else None, med, c in eligible, rank.get(c), level_rank.get(c),
            percentile_rank(med, peers) if c in eligible else None, bench,
            med / bench - 1 if med is not None and bench else None,
            len(by_inst_ly.get(c, [])), median(by_inst_ly.get(c, [])), growth(len(costs), len(by_inst_ly.get(c, []))),
        ))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, -r.cases, r.fixmedins_code))

    # structure of the subgroups / sub-codes, overall and per institution
    cnt: dict[str, int] = defaultdict(int)
    cnt_ly: dict[str, int] = defaultdict(int)
    cost: dict[str, Decimal] = defaultdict(Decimal)
    cost_ly: dict[str, Decimal] = defaultdict(Decimal)
    inst_cnt: dict[tuple[str, str], int] = defaultdict(int)
    inst_cnt_ly: dict[tuple[str, str], int] = defaultdict(int)
    for c in cases:
        k = _key(kind, c)
        cnt[k] += 1
        cost[k] += Decimal(c["medfee_sumamt"] or 0)
        inst_cnt[(c["fixmedins_code"], k)] += 1
    for c in last_year:
        k = _key(kind, c)
        cnt_ly[k] += 1
        cost_ly[k] += Decimal(c["medfee_sumamt"] or 0)
        inst_cnt_ly[(c["fixmedins_code"], k)] += 1
    keys = sorted(set(cnt) | set(cnt_ly))
    subgroups = structure_drift({k: cnt_ly.get(k, 0) for k in keys}, {k: cnt.get(k, 0) for k in keys}, order=keys)
    sub_costs = [SubgroupCost(k, cnt.get(k, 0), cnt_ly.get(k, 0),
                              fnum(cost[k] / cnt[k]) if cnt.get(k) else None,
                              fnum(cost_ly[k] / cnt_ly[k]) if cnt_ly.get(k) else None) for k in keys]
    shifts = []
    for inst in sorted({i for i, _ in inst_cnt} | {i for i, _ in inst_cnt_ly}):
        before = {k: inst_cnt_ly.get((inst, k), 0) for k in keys}
        after = {k: inst_cnt.get((inst, k), 0) for k in keys}
        drift = structure_drift(before, after, order=keys)
        for item in drift.items:
            if item.before or item.after:
                shifts.append(InstitutionShift(inst, item.key, int(item.before), int(item.after), item.before_share,
                                               item.after_share, item.change_pp, item.growth))
    cost_structure = structure_drift(fees_last_year or {}, fees) if fees else None
    notes = []
    if not fees:
        notes.append("未提供费用构成（setl_fee），不做费用结构分析。")
    if len(eligible) < 2 * TOP_N:
        notes.append(f"病例数不少于{min_cases}例的机构只有{len(eligible)}家，前十位与后十位各取其中一半，互不重复。")
    chapter = mdc_of(code) if kind == "adrg" else str(chapter_of(code) or "")
    return TopicAnalysis(
        kind, code, name, chapter, period, list(months), list(reference_months), cur, ly,
        growth(cur.cases, ly.cases), growth(cur.total_cost, ly.total_cost), growth(cur.per_case_cost, ly.per_case_cost),
        cost_structure, subgroups, sub_costs, shifts, rows, [marks[k] for k in sorted(marks)],
        *top_and_bottom(ordered), min_cases, selection, notes,
        {k: v for k, v in (sub_names or {}).items() if k in keys},
    )


def top_and_bottom(ordered: list[str], n: int = TOP_N) -> tuple[list[str], list[str]]:
    """The n highest and the n lowest (lowest first), never the same institution in both: with
    fewer than 2n, the higher half (the odd one included) and the lower half."""
    top = ordered[:min(n, (len(ordered) + 1) // 2)]
    bottom = list(reversed(ordered[len(top):]))[:n]
    return top, bottom


# ---- topic log and coverage --------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicRecord(Model):
    period: str
    kind: str
    code: str
    chapter: str
    recorded_at: str


@dataclass(frozen=True)
class Coverage(Model):
    scheme: str  # MDC | ICD-10章
    total: int
    covered: list[str]
    remaining: list[str]

    @property
    def share(self) -> float:
        return len(self.covered) / self.total if self.total else 0.0


def topic_log(workdir: Path) -> list[TopicRecord]:
    path = Path(workdir) / TOPIC_LOG
    if not path.exists():
        return []
    return [TopicRecord(**r) for r in json.loads(path.read_text(encoding="utf-8"))]


def record_topic(workdir: Path, analysis: TopicAnalysis) -> TopicRecord:
    """Add a topic to the log (once per period, kind and code)."""
    log = topic_log(workdir)
    for r in log:
        if (r.period, r.kind, r.code) == (analysis.period, analysis.kind, analysis.code):
            return r
    rec = TopicRecord(analysis.period, analysis.kind, analysis.code, analysis.chapter,
                      datetime.now(timezone.utc).isoformat(timespec="seconds"))
    path = Path(workdir) / TOPIC_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([r.to_dict() for r in log + [rec]], ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return rec


def coverage(workdir: Path, kind: str = "adrg") -> Coverage:
    done = {r.chapter for r in topic_log(workdir) if r.kind == kind and r.chapter}
    if kind == "adrg":
        allc = list(MDC)
        return Coverage("MDC", len(allc), [c for c in allc if c in done], [c for c in allc if c not in done])
    allc = [str(c[0]) for c in DIP_CHAPTERS]
    return Coverage("ICD-10章", len(allc), [c for c in allc if c in done], [c for c in allc if c not in done])


# ---- default topic selection --------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicCandidate(Model):
    kind: str
    code: str
    chapter: str
    cases: int
    total_cost: Decimal
    findings: int
    chapter_covered: bool
    score: float
    reasons: list[str] = field(default_factory=list)


def _findings_text(workdir: Path, region: str, period: str) -> list[str]:
    try:
        from ..anomalies import load_findings
    except ImportError:  # anomalies not available: select by volume and cost only
        return []
    try:
        table = load_findings(workdir, region, period)
    except Exception:  # noqa: BLE001 - a broken findings file must not stop the topic choice
        return []
    if table is None:
        return []
    return [f"{r.get('message') or ''} {r.get('evidence') or ''}" for r in table.to_pylist()]


def rank_candidates(kind: str, volumes: dict[str, tuple[int, Decimal]], findings_text: list[str],
                    covered: set[str]) -> list[TopicCandidate]:
    """Score = 0.4 × volume percentile + 0.4 × cost percentile (0-1) + 0.2 if a finding names the
    code + 0.1 if its MDC / chapter has had no topic yet (coverage goal of the handbook)."""
    cases_all = [v[0] for v in volumes.values()]
    cost_all = [v[1] for v in volumes.values()]
    out = []
    for code, (n, cost) in volumes.items():
        chapter = mdc_of(code) if kind == "adrg" else str(chapter_of(code) or "")
        hits = sum(1 for t in findings_text if code in t)
        pv = (percentile_rank(n, cases_all) or 0) / 100
        pc = (percentile_rank(cost, cost_all) or 0) / 100
        score = 0.4 * pv + 0.4 * pc + (0.2 if hits else 0) + (0.1 if chapter not in covered else 0)
        reasons = [f"结算量高于{pv:.0%}的候选", f"结算金额高于{pc:.0%}的候选"]
        if hits:
            reasons.append(f"问题线索 {hits} 条")
        if chapter not in covered:
            reasons.append("所属大类尚未做过专题")
        out.append(TopicCandidate(kind, code, chapter, n, cost, hits, chapter in covered, score, reasons))
    return sorted(out, key=lambda c: (-c.score, c.code))


def suggest_topics(settings: Settings, period: str, *, kind: str = "adrg", n: int = 3,
                   months: Sequence[str] | None = None, engine=None) -> list[TopicCandidate]:
    """The handbook's choice (结算量大、结算金额大、问题突出), one per MDC / chapter, best first."""
    region = region_of(settings)
    months = list(months or Period.parse(period).year_to_date().month_keys)
    with engine_for(settings, engine) as eng:
        j = _cases_expr(eng, settings, region, months)
        key = j.grp_code.substr(0, 3) if kind == "adrg" else j.diag.substr(0, 3)
        j = j.mutate(topic=key)
        if kind == "adrg":
            j = j.filter(j.grp_code.notnull() & (j.grp_code != "") & ~j.grp_code.startswith("QY")
                         & (j.grp_code != "0000"))
        else:
            j = j.filter(j.diag.notnull() & (j.diag.length() >= 3))
        agg = j.group_by("topic").aggregate(n=j.count(), cost=j.medfee_sumamt.sum())
        volumes = {r["topic"]: (int(r["n"]), Decimal(r["cost"] or 0)) for r in eng.to_pyarrow(agg).to_pylist()
                   if r["topic"]}
    covered = set(coverage(Path(settings.workdir), kind).covered)
    ranked = rank_candidates(kind, volumes, _findings_text(Path(settings.workdir), region, period), covered)
    picked, chapters = [], set()
    for c in ranked:
        if c.chapter in chapters:
            continue
        picked.append(c)
        chapters.add(c.chapter)
        if len(picked) == n:
            break
    return picked


def payment_scheme_kind(engine, settings: Settings, region: str, months: Sequence[str]) -> str:
    """adrg for a DRG region, category for a DIP region (the grp_type most settlement lists carry)."""
    t = engine.region_table("setl_list", settings, region, periods=months)
    t = t.filter(t.period.isin(list(months)))
    counts = {r["grp_type"]: int(r["n"]) for r in
              engine.to_pyarrow(t.group_by("grp_type").aggregate(n=t.count())).to_pylist()}
    return "category" if counts.get("DIP", 0) > counts.get("DRG", 0) else "adrg"


# ---- the entry point -------------------------------------------------------------------------------------


def topic_analysis(settings: Settings, period: str, *, adrg: str | None = None, category: str | None = None,
                   months: Sequence[str] | None = None, min_cases: int = MIN_CASES, record: bool = True,
                   engine=None) -> TopicAnalysis:
    """专题分析 of one ADRG or one diagnosis category. Without either, the best suggested topic of
    the region's payment scheme: an ADRG where most settlement lists are DRG, else a category (DIP)."""
    Period.parse(period)
    if adrg and category:
        raise AnalysisError("一次专题分析只能指定一个 ADRG 或一个诊断类目", "去掉 --adrg 或 --category 之一")
    region = region_of(settings)
    months = list(months or Period.parse(period).year_to_date().month_keys)
    reference = [shift(p, -12) for p in months]
    with engine_for(settings, engine) as eng:
        selection = "指定"
        if adrg or category:
            kind, code = ("adrg", adrg.strip().upper()[:3]) if adrg else ("category", normalise_diag(category)[:3])
        else:
            kind = payment_scheme_kind(eng, settings, region, months)
            picks = suggest_topics(settings, period, kind=kind, n=1, months=months, engine=eng)
            if not picks:
                raise AnalysisError(f"{period} 没有可分析的入组病例", "先导入结算清单，或用 --adrg / --category 指定专题")
            code = picks[0].code
            selection = "自动（" + "，".join(picks[0].reasons) + "）"
        cases = load_topic_cases(eng, settings, region, months, kind, code)
        last_year = load_topic_cases(eng, settings, region, reference, kind, code)
        fees = load_fee_structure(eng, settings, region, months, kind, code)
        fees_ly = load_fee_structure(eng, settings, region, reference, kind, code)
        insts = institutions_as_of(eng, period, settings.own_admdvs(region))
        name, sub_names = catalogue_names(eng, settings, region, kind, code)
    if not cases:
        raise AnalysisError(f"{'ADRG' if kind == 'adrg' else '诊断类目'} {code} 在所选期间没有病例",
                            "换一个专题，或检查期间与编码")
    result = analyse_cases(kind, code, period, months, reference, cases, last_year, insts, fees=fees,
                           fees_last_year=fees_ly, name=name, min_cases=min_cases, selection=selection,
                           sub_names=sub_names)
    if record:
        record_topic(Path(settings.workdir), result)
    return result
