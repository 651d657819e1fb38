"""Person-level patterns: 15天内再入院 / 分解住院, 组团住院, 逻辑验证 (impossible travel).

They follow one insured person (the pseudonymous token in psn_no) across settlements of the 12
months ending at the period, with vectorised pandas over the inpatient cases and one DuckDB
window query (via Ibis) over all settlements. Findings carry counts and anonymous ids only:
a cluster or case id is a truncated hash of settlement ids (or of the sorted tokens plus the
institution), never a token.
"""

from __future__ import annotations

import hashlib

import ibis
import numpy as np
import pandas as pd

from ...checks.model import Param
from ...indicators.institutions import institutions_in
from ..coverage import NotEvaluated, window_text
from ..model import Finding
from ..registry import detector
from ._inputs import hospitals_as_of, memo, note, params, windows
from ._peer_rules import (MIN_PEERS, bh_adjusted, bh_keep, binomial_upper_p, pct, peer_position, peer_sets,
                          poisson_upper_p, rounded)
from ._places import haversine_km, locate, province_name

MIN_MONTHS = 6


def _require_months(ctx, least: int) -> list[str]:
    """The months of the 12-month window that have settlements; NotEvaluated below `least`."""
    cur = windows(ctx).current_present
    if len(cur) < least:
        raise NotEvaluated(f"近12个月只有{len(cur)}个月有结算数据，至少需要{least}个月")
    return cur


def anonymous_id(prefix: str, parts) -> str:
    digest = hashlib.sha256("|".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:10].upper()}"


def _cases(ctx) -> pd.DataFrame:
    """Inpatient cases of the current window at local institutions: one row per discharge."""

    def build():
        w = windows(ctx)
        t = ctx.inpatient_cases(w.current_present)
        cols = ["setl_id", "fixmedins_code", "psn_no", "begndate", "enddate", "setl_time", "grp_code", "maindiag_code"]
        df = t.select(cols).to_pandas()
        df = df.dropna(subset=["psn_no", "begndate", "enddate"])
        df["begndate"] = pd.to_datetime(df["begndate"])
        df["enddate"] = pd.to_datetime(df["enddate"])
        # diagnosis category: ICD-10 类目 (3 characters) where a list was uploaded, else the ADRG
        diag = df["maindiag_code"].fillna("").str[:3]
        df["category"] = diag.where(diag != "", df["grp_code"].fillna("").str[:3])
        return df.sort_values(["psn_no", "begndate", "enddate", "setl_time"], kind="stable").reset_index(drop=True)

    return memo(ctx, ("person_cases",), build)


# ---- 15天内再入院 / 分解住院 ------------------------------------------------------------------

READMIT_DAYS = 15
READMIT_MIN_DISCHARGES = 100
READMIT_MIN_COUNT = 10  # readmissions attributed to the institution in the 12 months
READMIT_MIN_TIMES = 2.0  # at least twice the typical peer's rate (median of the peers' rates)
READMIT_Z = 3.0  # robust z among peers' rates: guards against heterogeneous institutions
READMIT_ALPHA = 0.05  # the FDR of the case-mix detectors; the robust z, 2x and 10-case guards keep it strict


def readmissions(cases: pd.DataFrame) -> pd.DataFrame:
    """Per discharge: whether the same person's next admission began 0-15 days after it, and
    where (same institution, same diagnosis category). Overlapping stays are not counted, nor an
    admission elsewhere on the discharge day itself (a transfer, 转院)."""
    nxt = cases.shift(-1)
    same_person = nxt["psn_no"].eq(cases["psn_no"])
    gap = (nxt["begndate"] - cases["enddate"]).dt.days
    transfer = (gap == 0) & nxt["fixmedins_code"].ne(cases["fixmedins_code"])
    readmit = same_person & gap.between(0, READMIT_DAYS) & ~transfer
    out = pd.DataFrame({
        "fixmedins_code": cases["fixmedins_code"],
        "readmit": readmit,
        "same_inst": readmit & nxt["fixmedins_code"].eq(cases["fixmedins_code"]),
        "gap": gap.where(readmit),
    })
    out["split"] = out["same_inst"] & nxt["category"].eq(cases["category"]) & (cases["category"] != "")
    out["back_to_back"] = out["same_inst"] & (gap <= 1)
    return out


@detector(
    "readmission_15d",
    name="15天内再入院 / 分解住院",
    description=(
        "同一参保人（假名化编号）出院后0-15天内再次入院（本院或他院；出院当天转入他院视为转院，不计），计入出院机构；同院且主诊断类目（无清单时为ADRG）相同者"
        "计为疑似分解住院。近12个月各机构15天再入院率与同级其他机构比较：再入院不少于10人次、再入院率 ≥ 同级各机构再入院率中位数"
        f"的2倍（典型同级：合并率会被自身分解住院的大医院抬高）、在同级各机构再入院率中的稳健z ≥ 3，且按同级合并率的二项检验经Benjamini-Hochberg校正（α={READMIT_ALPHA}）显著。"
        "发现中只有人次与比率，不含任何人员编号。"
    ),
    min_cases=READMIT_MIN_COUNT,
    peers="同级别（三级/二级/一级及以下）近12个月出院人次不少于100的其他医疗机构，至少4家；同级同类（综合/中医/专科/妇幼）不少于5家时只比同类",
    compares=("peers",),
    severity_rule="再入院率 ≥ 同级4倍或疑似分解住院过半为高；≥ 3倍为中；其余为低",
    params={
        "min_discharges": Param(READMIT_MIN_DISCHARGES, "近12个月出院人次下限（参与比较的机构）", "人次"),
        "min_count": Param(READMIT_MIN_COUNT, "再入院人次下限", "人次"),
        "min_times": Param(READMIT_MIN_TIMES, "再入院率至少为同级各机构再入院率中位数的倍数", "倍"),
        "min_z": Param(READMIT_Z, "再入院率在同级中的稳健z下限"),
        "alpha": Param(READMIT_ALPHA, "Benjamini-Hochberg 校正的错误发现率"),
    },
)
def detect_readmission_15d(ctx) -> list[Finding]:
    prm = params(ctx, "readmission_15d")
    cur = _require_months(ctx, MIN_MONTHS)
    cases = _cases(ctx)
    if cases.empty:
        raise NotEvaluated("近12个月没有住院结算")
    r = readmissions(cases)
    by = r.groupby("fixmedins_code").agg(n=("readmit", "size"), x=("readmit", "sum"), same=("same_inst", "sum"),
                                         split=("split", "sum"), b2b=("back_to_back", "sum"),
                                         gap=("gap", "median"))
    hosp = hospitals_as_of(ctx, ctx.period)
    # hospitals not judged, and why (the run's coverage): never counted as examined and clean
    skipped = {c: "近12个月无住院结算" for c in hosp.index if c not in by.index}
    skipped.update({c: f"近12个月出院人次不足{prm['min_discharges']}（{int(by.n[c])}人次）"
                    for c in by.index if c in hosp.index and by.n[c] < prm["min_discharges"]})
    by = by[by.index.isin(hosp.index) & (by.n >= prm["min_discharges"])]
    level = {c: hosp.level_group[c] for c in by.index}
    peer_codes = peer_sets({c: (level[c], hosp.kind[c]) for c in by.index})
    rate = (by.x / by.n).to_dict()
    tested: dict[str, dict] = {}
    for code in by.index:
        peers, same_kind = peer_codes[code]
        if len(peers) < MIN_PEERS:
            skipped[code] = f"同级可比机构不足{MIN_PEERS}家（出院人次达到{prm['min_discharges']}的同级机构{len(peers)}家）"
            continue
        pn, px = int(by.n[peers].sum()), int(by.x[peers].sum())
        pooled = max(px, 0.5) / pn  # half a case when peers had none, so the ratio stays finite
        pos = peer_position(rate[code], [rate[c] for c in peers], 0.25 * pooled)
        # the bar of "twice the peers" is the typical peer (median of the peers' own rates): a
        # large peer that itself splits stays made the pooled rate everyone's bar and hid a
        # hospital at 2.4 times the typical peer's rate
        typical = pos.median if pos is not None and pos.median > 0 else pooled
        tested[code] = {"pooled": pooled, "typical": typical, "pos": pos, "same_kind": same_kind,
                        "p": binomial_upper_p(int(by.x[code]), int(by.n[code]), pooled)}
    if not tested:
        raise NotEvaluated(f"同级比较对象不足：没有机构出院人次达到{prm['min_discharges']}且有至少{MIN_PEERS}家同级机构可比",
                           skipped=skipped)
    note(ctx, skipped=skipped)
    note(ctx, institutions=len(tested), peers=min(len(peer_codes[c][0]) for c in tested),
         window=window_text(cur), window_months=len(cur))
    p = {c: t["p"] for c, t in tested.items()}
    keep, q = bh_keep(p, prm["alpha"]), bh_adjusted(p)
    out = []
    for code, t in tested.items():
        n, x = int(by.n[code]), int(by.x[code])
        times = rate[code] / t["typical"]
        if code not in keep or x < prm["min_count"] or times < prm["min_times"] or t["pos"].z < prm["min_z"]:
            continue
        split = int(by.split[code])
        sev = "high" if times >= 4 or split * 2 > x else "medium" if times >= 3 else "low"
        peer_word = f"同级{hosp.kind[code]}类" if t["same_kind"] else "同级"
        msg = (f"{hosp.loc[code, 'name']}（{level[code]}）近12个月出院{n}人次中有{x}人次在出院后15天内再入院"
               f"（{pct(rate[code])}，{peer_word}中位数{pct(t['typical'])}，为其{times:.1f}倍；{peer_word}合计{pct(t['pooled'])}），其中同院再入院{int(by.same[code])}人次、"
               f"同院同类诊断（疑似分解住院）{split}人次，需核查是否存在分解住院。")
        ev = {
            "value": rounded(rate[code]), "peer_median": rounded(t["pos"].median), "peer_rate": rounded(t["pooled"]),
            "percentile": rounded(t["pos"].percentile), "shift": rounded(rate[code] - t["pooled"]),
            "times_peer": rounded(times), "cases": x, "discharges": n, "same_institution": int(by.same[code]),
            "split_admissions": split, "back_to_back": int(by.b2b[code]),
            "median_gap_days": rounded(float(by.gap[code]), 1), "statistic": rounded(t["pos"].z),
            "p_value": rounded(t["p"], 12), "q_value": rounded(q[code], 12), "peers": t["pos"].n_peers,
        }
        out.append(Finding("readmission_15d", ctx.period, sev, msg, ev, code, score=float(times)))
    return out


# ---- 组团住院 ---------------------------------------------------------------------------------

CLUSTER_MIN_PERSONS = 3
CLUSTER_MIN_JOINT = 3  # joint admissions in the 12 months (handbook: 一年内几人组团反复多次住院)
CLUSTER_DAYS = 1  # admitted on the same day or within one day of each other
CLUSTER_ALPHA = 0.01  # Bonferroni over the persons screened


def _co_admitted_pairs(adm: pd.DataFrame) -> pd.DataFrame:
    """Pairs of persons admitted to the same institution within CLUSTER_DAYS of each other, with
    the number of joint occasions. Joined on (institution, day) against the ±1-day copies, so the
    work grows with the admissions per day, not with their square per institution."""
    left = adm[["fixmedins_code", "psn_no", "day", "row"]]
    shifted = pd.concat([adm.assign(day=adm["day"] + d) for d in range(-CLUSTER_DAYS, CLUSTER_DAYS + 1)])
    pairs = left.merge(shifted[["fixmedins_code", "psn_no", "day"]], on=["fixmedins_code", "day"],
                       suffixes=("_a", "_b"))
    pairs = pairs[pairs.psn_no_a < pairs.psn_no_b]
    # one occasion per admission of a (several b admissions around it count once)
    return (pairs.drop_duplicates(["row", "psn_no_b"])
            .groupby(["fixmedins_code", "psn_no_a", "psn_no_b"]).size().rename("joint").reset_index())


def _components(pairs: pd.DataFrame) -> list[set[str]]:
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(pairs.psn_no_a, pairs.psn_no_b):
        parent[find(a)] = find(b)
    groups: dict[str, set[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    return [g for g in groups.values() if len(g) >= CLUSTER_MIN_PERSONS]


def _joint_episodes(adm: pd.DataFrame) -> list[int]:
    """Members present at each admission episode (dates chained within CLUSTER_DAYS) with at
    least 3 distinct members; its length is the number of joint admissions."""
    a = adm.sort_values("day")
    episode = (a["day"].diff().fillna(CLUSTER_DAYS + 1) > CLUSTER_DAYS).cumsum()
    members = a.groupby(episode)["psn_no"].nunique()
    return [int(m) for m in members if m >= CLUSTER_MIN_PERSONS]


def _elementary_symmetric(counts: list[int], top: int) -> list[float]:
    """e_0 .. e_top of the counts (sum over every m-subset of the product of its counts)."""
    e = [1.0] + [0.0] * top
    for c in counts:
        for m in range(top, 0, -1):
            e[m] += e[m - 1] * c
    return e


def _chance_of_cluster(counts: list[int], present: list[int], days: int,
                       min_joint: int = CLUSTER_MIN_JOINT) -> tuple[float, float, int]:
    """How unlikely the joint admissions are if each person were admitted on independent days
    (counts = their admissions at the institution; present = members at each joint admission).

    For m persons with admissions c1..cm, the expected number of occasions all m are admitted
    within the window w of one another is about c1 · Π(w·ci/D) over the other m−1; summed over all
    m-subsets = e_m(counts) · (w/D)^(m−1), e_m the elementary symmetric sum. Tested for every m
    from 3 up to the most members present (P(X >= occasions with at least m present), Poisson),
    Bonferroni over the m tried: eight persons together five times must not look less unusual
    than three (a test on triples alone gives a larger group more chance triples and hid it).
    Returns (expected, p, m) of the most unusual m."""
    width = 2 * CLUSTER_DAYS + 1
    top = max(present, default=CLUSTER_MIN_PERSONS)
    e = _elementary_symmetric(counts, top)
    tried = []
    for m in range(CLUSTER_MIN_PERSONS, top + 1):
        occasions = sum(1 for k in present if k >= m)
        if occasions < min_joint:
            break
        lam = float(e[m] * (width / days) ** (m - 1))
        tried.append((poisson_upper_p(occasions, lam), lam, m))
    if not tried:
        return 0.0, 1.0, CLUSTER_MIN_PERSONS
    p, lam, m = min(tried)
    return lam, min(1.0, p * len(tried)), m


@detector(
    "co_admission_cluster",
    name="组团住院",
    description=(
        "近12个月同一医疗机构：在同一机构住院不少于3次的参保人中，两两在1天内同时入院不少于3次者相连，连通的不少于3人成为一组；"
        "组内不少于3人在1天内同时入院的次数（联合入院）不少于3次即为组团住院。按各人入院次数计算随机巧合的期望次数"
        "（对 m = 3 至同时入院最多的人数，分别计算 m 人同在的联合入院次数及其期望，取最不寻常的 m 并乘以所试 m 的个数：八人五次同时入院"
        "不能比三人更不显眼），泊松检验p值须小于0.01/筛查人数（Bonferroni），以排除透析、放化疗等高频住院者的偶然同日入院。发现只给人数、联合入院次数和匿名组别编号。"
    ),
    min_cases=CLUSTER_MIN_JOINT,
    peers="不与同级比较：与随机巧合的期望次数比较",
    compares=("随机巧合的期望次数",),
    severity_rule="联合入院 ≥ 5次或组内 ≥ 5人为高；≥ 4次为中；其余为低",
    params={
        "min_joint": Param(CLUSTER_MIN_JOINT, "一组人联合入院次数下限（每人在同一机构的住院次数也须达到）", "次"),
        "alpha": Param(CLUSTER_ALPHA, "泊松检验的显著性水平（再除以筛查人数，Bonferroni）"),
    },
)
def detect_co_admission_cluster(ctx) -> list[Finding]:
    prm = params(ctx, "co_admission_cluster")
    cur = _require_months(ctx, MIN_MONTHS)
    cases = _cases(ctx)
    if cases.empty:
        raise NotEvaluated("近12个月没有住院结算")
    note(ctx, institutions=int(cases.fixmedins_code.nunique()), window=window_text(cur), window_months=len(cur))
    adm = cases[["fixmedins_code", "psn_no", "begndate"]].copy()
    adm["day"] = (adm["begndate"] - pd.Timestamp("2000-01-01")).dt.days
    adm = adm.drop_duplicates(["fixmedins_code", "psn_no", "day"])
    per_person = adm.groupby(["fixmedins_code", "psn_no"])["day"].transform("size")
    adm = adm[per_person >= prm["min_joint"]].reset_index(drop=True)
    screened = adm.groupby(["fixmedins_code", "psn_no"]).ngroups
    if adm.empty:
        return []
    adm["row"] = np.arange(len(adm))
    pairs = _co_admitted_pairs(adm)
    pairs = pairs[pairs.joint >= prm["min_joint"]]
    days = max(1, (adm["day"].max() - adm["day"].min()) + 1)
    hosp = hospitals_as_of(ctx, ctx.period)
    out = []
    for code, inst_pairs in pairs.groupby("fixmedins_code"):
        inst_adm = adm[adm.fixmedins_code == code]
        for members in _components(inst_pairs):
            m_adm = inst_adm[inst_adm.psn_no.isin(members)]
            present = _joint_episodes(m_adm)
            joint = len(present)
            if joint < prm["min_joint"]:
                continue
            counts = m_adm.groupby("psn_no").size().tolist()
            lam, p, together = _chance_of_cluster(counts, present, days, prm["min_joint"])
            if p > prm["alpha"] / max(screened, 1):
                continue
            k = len(members)
            sev = "high" if joint >= 5 or k >= 5 else "medium" if joint >= 4 else "low"
            cid = anonymous_id("ZT", sorted(members) + [code])
            name = hosp.name.get(code, code)
            level = hosp.level_group.get(code, "")
            msg = (f"{name}（{level}）近12个月有一组{k}名参保人{joint}次在1天内同时入院（组别{cid}，"
                   f"共住院{len(m_adm)}人次），需核查是否存在组团住院。")
            ev = {"persons": k, "joint_admissions": joint, "cases": int(len(m_adm)),
                  "persons_together": together, "expected_by_chance": rounded(lam, 8),
                  "p_value": float(f"{p:.3e}"),
                  "screened_persons": int(screened)}
            out.append(Finding("co_admission_cluster", ctx.period, sev, msg, ev, code, subject="person_cluster",
                               cluster_id=cid, score=float(joint * k)))
    return out


# ---- 逻辑验证: 短时间内相距甚远的两处结算 ---------------------------------------------------

TRAVEL_MAX_KMH = 800.0  # faster than an airliner door to door
TRAVEL_MIN_KM = 1000.0  # lower-bound distance: "相距几千公里" taken literally (at least a thousand)
TRAVEL_MAX_MINUTES = 30  # "几分钟后": longer gaps are more often late or batch-entered settlement times
MIN_GAP_MINUTES = 1.0


def _consecutive_far_settlements(ctx, max_minutes: float = TRAVEL_MAX_MINUTES) -> pd.DataFrame:
    """Each person's consecutive valid settlements (any kind) in the window that were made in
    different 医保区划 within TRAVEL_MAX_MINUTES: one DuckDB window query, small result."""
    w = windows(ctx)
    s = ctx.table("setl_d")
    s = s.filter(s.period.isin(w.current_present), (s.vali_flag == "1") | s.vali_flag.isnull(),
                 (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull(), s.psn_no.notnull(),
                 s.setl_time.notnull())
    s = s.select("setl_id", "psn_no", "fixmedins_code", "fix_blng_admdvs", "setl_time")
    # the region's code and its counties are one 医保区划 here (Settings.own_admdvs): a move between
    # two counties of the region is not a move between regions
    s = s.mutate(place=ibis.ifelse(s.fix_blng_admdvs.isin(ctx.own), ctx.region, s.fix_blng_admdvs))
    win = ibis.window(group_by=s.psn_no, order_by=[s.setl_time, s.setl_id])
    s = s.mutate(next_setl_id=s.setl_id.lead().over(win), next_code=s.fixmedins_code.lead().over(win),
                 next_admdvs=s.fix_blng_admdvs.lead().over(win), next_place=s.place.lead().over(win),
                 next_time=s.setl_time.lead().over(win))
    gap = s.next_time.epoch_seconds() - s.setl_time.epoch_seconds()
    s = s.mutate(gap_seconds=gap)
    s = s.filter(s.next_time.notnull(), s.next_place != s.place,
                 s.gap_seconds <= max_minutes * 60)
    return ctx.run(s.drop("place", "next_place")).to_pandas()


def _known_places(ctx, pairs: pd.DataFrame) -> dict[str, tuple[float, float]]:
    # another region's institutions may be there: those of the regions the pairs name (and the
    # region's own), never the whole province's directory (institutions_in)
    admdvs = {*ctx.own, *pairs.fix_blng_admdvs.dropna(), *pairs.next_admdvs.dropna()}
    return {c: (float(i.lon), float(i.lat)) for c, i in institutions_in(ctx.engine, ctx.period, admdvs).items()
            if i.lon is not None and i.lat is not None}


@detector(
    "impossible_travel",
    name="逻辑验证（短时间内异地两处结算）",
    description=(
        "同一参保人近12个月相邻两笔有效结算（门诊、住院、药店）发生在不同医保区划、时间相隔不超过30分钟（手册“几分钟后”；间隔越长"
        "越可能是补录或批量结算的时间）：机构位置取定点医药机构表的经纬度；异地机构无坐标时取其区划所在省份省会，区划即省会城市时"
        "扣除100公里、否则扣除覆盖全省的半径，两地距离一律取下限。距离下限不少于1000公里（手册“相距几千公里”）且折合时速"
        "超过800公里/小时（快于民航门到门）即为不可能的行程。物理上不可能，不做统计检验；省份不明的机构无法定位，不判定。"
        "每名参保人一条发现，只给匿名编号与次数。"
    ),
    min_cases=1,
    peers="不与同级比较：以物理上可能的最快行程为界",
    compares=("物理上可能的最快行程",),
    severity_rule="折合时速 ≥ 2000公里/小时或同一人 ≥ 2次为高；其余为中",
    params={
        "max_minutes": Param(TRAVEL_MAX_MINUTES, "相邻两笔异地结算的时间间隔上限", "分钟"),
        "min_km": Param(TRAVEL_MIN_KM, "两地距离下限", "公里"),
        "max_kmh": Param(TRAVEL_MAX_KMH, "折合时速超过此值即为不可能的行程", "公里/小时"),
    },
)
def detect_impossible_travel(ctx) -> list[Finding]:
    prm = params(ctx, "impossible_travel")
    cur = _require_months(ctx, 1)
    note(ctx, window=window_text(cur), window_months=len(cur))
    pairs = _consecutive_far_settlements(ctx, prm["max_minutes"])
    if pairs.empty:
        return []
    known = _known_places(ctx, pairs)
    lon1, lat1, r1 = locate(pairs.fixmedins_code, pairs.fix_blng_admdvs, known)
    lon2, lat2, r2 = locate(pairs.next_code, pairs.next_admdvs, known)
    km = np.maximum(haversine_km(lon1, lat1, lon2, lat2) - r1 - r2, 0.0)
    minutes = np.maximum(pairs.gap_seconds.to_numpy(dtype=float) / 60, MIN_GAP_MINUTES)
    kmh = km / (minutes / 60)
    pairs = pairs.assign(km=km, minutes=minutes, kmh=kmh)
    bad = pairs[(pairs.km >= prm["min_km"]) & (pairs.kmh > prm["max_kmh"])].copy()
    if bad.empty:
        return []
    names = {c: i.name or c for c, i in ctx.institutions.items()}  # hospitals and pharmacies (购药 counts too)
    out = []
    for _, g in bad.groupby("psn_no"):
        g = g.sort_values("setl_time")
        first = g.iloc[0]
        cid = anonymous_id("YD", list(g.setl_id) + list(g.next_setl_id))
        here = names.get(first.fixmedins_code, f"{province_name(first.fix_blng_admdvs)}机构{first.fixmedins_code}")
        there = names.get(first.next_code, f"{province_name(first.next_admdvs)}机构{first.next_code}")
        n = len(g)
        top = float(g.kmh.max())
        sev = "high" if top >= 2000 or n >= 2 else "medium"
        more = f"（近12个月共{n}次）" if n > 1 else ""
        msg = (f"参保人（匿名编号{cid}）{first.setl_time:%Y-%m-%d}在{here}结算后{first.minutes:.0f}分钟又在{there}结算，"
               f"两地相距至少{first.km:,.0f}公里，折合时速{first.kmh:,.0f}公里{more}，不符合常理，需核查是否存在冒名就医或虚假结算。")
        ev = {"cases": n, "distance_km": rounded(float(g.km.min()), 1), "minutes": rounded(float(g.minutes.min()), 1),
              "speed_kmh": rounded(top, 0), "threshold_kmh": TRAVEL_MAX_KMH}
        out.append(Finding("impossible_travel", ctx.period, sev, msg, ev, None, subject="person_cluster",
                           cluster_id=cid, score=top))
    return out
