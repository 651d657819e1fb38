"""Injected anomaly patterns (anomalies.md): where they act, how strongly, and the hooks.

The plan is always drawn (from its own random stream), so the institutions chosen for the
patterns and for the faults are the same with and without `--no-anomalies`; when disabled no
hook changes anything and the base data are identical. Every touched or added row carries a
`tag` (the pattern's number) so that the ground truth counts exactly what was written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .institutions import FOREIGN_CITIES, OTP_PER_IPT, SPECIALTIES
from .settlements import (Month, World, complete_inpatient, diagnoses, finish_outpatient, inpatient_skeleton,
                          outpatient_frame)
from .catalogue import I63_BASE_SHARES, I63_TARGET_SHARES

PATTERNS = (
    "upcoding_severity", "upcoding_diagnosis", "readmission_15d", "low_standard_admission",
    "outpatient_inpatient_ratio", "out_of_list_share", "admission_surge", "basic_groups_in_tertiary",
    "cost_deviation", "co_admission_cluster", "impossible_travel", "hospitalization_rate",
    "structure_shift", "beds_turnover",
)
TAG = {p: i + 1 for i, p in enumerate(PATTERNS)}
# MDCs a specialist hospital focuses on (institutions.SPECIALTIES; 妇幼: O, P, N)
SPECIALTY_MDCS = {m for _, m in SPECIALTIES} | {"O", "P", "N"}

# What `injected_size` in the ground truth counts for each pattern: a measure of how much was
# injected that grows with the effect (many patterns tag every case they act on whatever the
# effect, so the tagged cases alone do not show the size).
SIZE_UNIT = {
    "upcoding_severity": "较基线构成多计入伴并发症组（DIP：较高分值治疗方式）的病例数",
    "upcoding_diagnosis": "较基线构成改记为其他亚目的病例数",
    "readmission_15d": "新增的 15 天内再入院病例数",
    "low_standard_admission": "改为低权重轻症的病例数",
    "outpatient_inpatient_ratio": "新增的住院病例数",
    "out_of_list_share": "病例数 × 医保外费用占比上升幅度",
    "admission_surge": "新增的住院病例数",
    "basic_groups_in_tertiary": "改为基层病组的病例数",
    "cost_deviation": "病例数 × 费用上浮比例",
    "co_admission_cluster": "组团住院的病例数",
    "impossible_travel": "异地两处结算的次数（每对 2 次）",
    "hospitalization_rate": "新增的住院病例数",
    "structure_shift": "升入较高付费组的病例数",
    "beds_turnover": "增加的床位数",
}
# A DIP region's units where its injection differs from DRG's (structure_shift, cost_deviation).
SIZE_UNIT_DIP = dict(SIZE_UNIT, structure_shift="升入同一诊断较高分值治疗方式（病种）的病例数")

# Default effect parameters at effect = 1 (the seed examples where there is one).
DEFAULTS = {
    "upcoding_severity": {"adrg": "EJ1", "baseline_shares": {"1": 0.20, "3": 0.30, "5": 0.50},
                          "severe_cc_change": 0.39, "no_cc_change": -0.24,
                          # a tertiary hospital of realistic volume: ~500 EJ1 cases a year (the handbook's
                          # example has 500), whatever the scale; 10 a month left effect 1 at z ≈ 1.9
                          "min_cases_per_month": 40},
    "upcoding_diagnosis": {"category": "I63", "adrg": "BR2", "baseline_shares": I63_BASE_SHARES,
                           "target_shares": I63_TARGET_SHARES, "min_cases_per_month": 10},
    "readmission_15d": {"share_of_discharges": 0.08, "max_gap_days": 14},
    "low_standard_admission": {"share_replaced": 0.30, "max_weight": 0.5},
    "outpatient_inpatient_ratio": {"ratio_cut": 0.55},
    "out_of_list_share": {"share_added": 0.15},
    "admission_surge": {"growth": 1.5},
    "basic_groups_in_tertiary": {"share_replaced": 0.30},
    "cost_deviation": {"cost_factor": 0.45, "top_adrgs": 10},
    "co_admission_cluster": {"group_size": 4, "every_months": 2, "adrg": "IU2"},
    "impossible_travel": {"pairs_per_month": 1, "max_minutes": 25},
    "hospitalization_rate": {"extra_share": 0.12},
    "structure_shift": {"max_shift_probability": 0.6},
    "beds_turnover": {"bed_increase": 0.8, "min_beds_added": 10},
}


def _haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def _alloc(shares: list[float], k: int) -> np.ndarray:
    """Integer counts summing to k, proportional to shares (largest remainder)."""
    s = np.array(shares, dtype=float)
    s = s / s.sum() * k
    base = np.floor(s).astype(np.int64)
    rest = k - base.sum()
    if rest > 0:
        base[np.argsort(-(s - base), kind="stable")[:rest]] += 1
    return base


@dataclass
class Injection:
    pattern: str
    inst: int | None  # local institution index (None: region/person level)
    scope: str  # institution | region | person
    periods: list[str]
    baseline: list[str]
    params: dict
    effect: float
    persons: list[int] = field(default_factory=list)
    setl_keys: list[tuple[str, int]] = field(default_factory=list)  # (period, tag row) filled later
    notes: str = ""


# Expected discharges a month (before seasonality) an institution needs for the pattern's
# injected behaviour to be visible at effect 1, the way a real offender of that size shows it:
# structure_shift ≥ ~13 cases a month in families with severity groups (about 2/3 of a
# hospital's cases),
# low_standard_admission ≥ 100 grouped cases a year, upcoding_severity ≥ 80 cases a month of its
# ADRG (DIP: of its diagnosis; SEVERITY_CASES_MEASURED) drawn from the hospital's own cases, and a
# few dozen discharges a month where the test counts discharges (readmissions, the outpatient
# ratio, the surge, the priced common groups; 60 a month was measured worse, not better: 5/15
# ratio and 7/15 readmission injections found at 18 months against 14/15 and 12/15 at 40, the
# larger offenders moving their level's peer norms). Applied with several injections per pattern
# (a measurement region, synth --copies > 1): see AnomalyPlan._pick.
VOLUME_FLOOR = {
    "upcoding_severity": 200.0, "structure_shift": 40.0, "low_standard_admission": 15.0,
    "readmission_15d": 40.0, "outpatient_inpatient_ratio": 40.0, "admission_surge": 40.0,
    "cost_deviation": 40.0,
}
# upcoding_severity's ADRG cases a month in a measurement region: with 18 months of history the
# detector compares 6 months with the same months a year earlier, and 40 a month (the handbook's
# ~500 a year) left effect 1 at p ≈ 0.003, at the edge of the false-discovery control.
SEVERITY_CASES_MEASURED = 80


# Patterns injected once per region whatever synth --copies asks (they act on the
# whole region, so a second copy would only make the one injection larger).
ONCE_PER_REGION = ("hospitalization_rate",)


def severity_adrg(cat, k: int, dip=None) -> str:
    """The ADRG the k-th further copy of upcoding_severity acts on: the k-th most frequent
    medical ADRG with all three severities, not a 基层病组 (basic_groups_in_tertiary would
    flag it), other than the first copy's (EJ1) and
    upcoding_diagnosis's (BR2). One ADRG per copy: the detector compares a hospital's ADRG with
    the same-level peers' pooled cases of it, and a small region's other tertiary hospitals
    have few cases of any one ADRG, so K upcoded hospitals sharing one ADRG would make up most
    of each other's peers."""
    taken = {DEFAULTS["upcoding_severity"]["adrg"], DEFAULTS["upcoding_diagnosis"]["adrg"]}
    idx = np.arange(len(cat.adrgs))
    ok = ~cat.surgical & ~cat.basic_adrg & cat.has_severity(idx, 1) & cat.has_severity(idx, 3) & cat.has_severity(idx, 5)
    # not an ADRG of a specialty's own MDC: a specialist hospital treats forty times its share of
    # them and so is most of the pooled peers; when it carries structure_shift (every ADRG drifts
    # up) the peers drift as much as the upcoded hospital (measured: the RE1 copy next to two
    # structure-shifted 肿瘤 hospitals was missed)
    ok &= ~np.isin(cat.mdc, sorted(SPECIALTY_MDCS))
    if dip is not None:  # DIP: an ADRG with a diagnosis of its own (dip_diagnosis), see severity_diagnosis
        ok &= np.array([severity_diagnosis(cat, dip, i) is not None for i in idx])
    cands = [cat.adrgs[i].code for i in sorted(np.flatnonzero(ok), key=lambda i: (-cat.freq[i], i))
             if cat.adrgs[i].code not in taken]
    return cands[(k - 1) % len(cands)]


def severity_diagnosis(cat, dip, a: int) -> str | None:
    """The diagnosis a DIP severity upcoding of ADRG `a` acts on: its most frequent diagnosis
    whose 病种 all come from this ADRG, so the diagnosis's treatments are the ADRG's severities.
    A diagnosis shared with a surgical ADRG (S06.0 of BY1 and BB1) has its operations as further,
    higher-分值 treatments at every peer: the upcoded hospital's shift then stays below the peers'
    level (measured: BY1's copy was missed in all 12 DIP regions, found in 11 of 12 DRG ones)."""
    off, end = cat.diag_offsets[a], cat.diag_offsets[a + 1]
    own = [d for d in range(off, end) if str(cat.diag_codes[d])[:5] in dip.exclusive_family]
    if not own:
        return None
    return str(cat.diag_codes[max(own, key=lambda d: (cat.diag_p[d], -d))])


class AnomalyPlan:
    """One injection of every pattern. `replica` > 0 is a further copy (replicas.py) with its own
    random stream, placed at institutions no earlier copy uses (`used` is shared); `strict`
    refuses to reuse an institution rather than fall back to one already injected."""

    def __init__(self, world: World, enabled: bool, replica: int = 0, used: set[int] | None = None,
                 strict: bool = False):
        self.world = world
        cfg = world.cfg
        self.enabled = enabled
        self.replica, self.strict = replica, strict
        # the volume floors hold in a measurement region (several copies); the single-injection
        # regions (the demo's, scale 0.01: ~170 discharges a month in all) keep their placement
        self.floors = cfg.injections_per_pattern > 1
        self.enlarged: dict[int, tuple[float, float]] = {}  # inst -> (cases a month before, after)
        key = [cfg.seed, 7001] + ([replica] if replica else [])
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))
        self.injections: dict[str, Injection] = {}
        self.used: set[int] = set() if used is None else used
        self._alloc_state: dict = {}
        self._quota_state: dict[str, tuple[float, int]] = {}
        self.size: dict[str, float] = defaultdict(float)  # injected_size per pattern
        self._choose()

    # ---- choosing institutions ----------------------------------------------------------

    def _pick(self, *choices: list[int], floor: float = 0.0) -> int:
        """A seeded pick among the larger half of the candidates, avoiding reuse if possible.

        `choices` are candidate lists in order of preference: the first non-empty one is used,
        or, when `strict`, the first with an institution not yet injected. With a volume `floor`
        (self.floors) only candidates that meet it are drawn from; when none does, the drawn
        hospital is given the floor's volume (_enlarge), as a large hospital of its level has."""
        insts = self.world.insts
        if self.strict:
            candidates = next((c for c in choices if any(i not in self.used for i in c)), None)
            if candidates is None:
                from ..errors import ConfigError

                raise ConfigError(f"模拟地区的医疗机构不足以每个模式注入 {self.world.cfg.injections_per_pattern} 家"
                                  "（一家机构只注入一个模式）", "请增大 --scale 或减小 --copies（检测质量测量中为 --injections-per-pattern）")
        else:
            candidates = next((c for c in choices if c), choices[-1])
        if floor and self.floors:
            big = [i for i in candidates if insts.ipt_rate[i] >= floor and i not in self.used]
            candidates = big or candidates
        cands = sorted(candidates, key=lambda i: -insts.ipt_rate[i])
        top = cands[: max(1, (len(cands) + 1) // 2)] if len(cands) > 2 else cands
        free = [i for i in top if i not in self.used] or [i for i in cands if i not in self.used] or cands
        i = int(free[int(self.rng.integers(0, len(free)))])
        self.used.add(i)
        if floor and self.floors and insts.ipt_rate[i] < floor:
            self._enlarge(i, floor)
        return i

    def _enlarge(self, i: int, floor: float) -> None:
        """Give hospital i the volume `floor` (cases a month): its inpatient and outpatient
        volumes and its beds grow by one factor, so its turnover and 门诊住院人次比 stay its own;
        no peer changes. Done whether anomalies are enabled or not: a clean region of the same
        seed has the same hospitals."""
        ins = self.world.insts
        before = float(ins.ipt_rate[i])
        f = floor / max(before, 1e-9)
        ins.ipt_rate[i] *= f
        ins.otp_rate[i] *= f
        ins.beds[i] = int(round(ins.beds[i] * f))
        self.enlarged[i] = (round(before, 1), round(float(ins.ipt_rate[i]), 1))

    def _choose(self) -> None:
        w, cfg = self.world, self.world.cfg
        ins = w.insts
        hosp = list(ins.hospitals)
        lvl = ins.level
        t_gen = [i for i in hosp if lvl[i] == 0 and ins.kind[i] == "综合" and ins.drg[i]]
        t_any = [i for i in hosp if lvl[i] == 0 and ins.kind[i] != "妇幼" and ins.drg[i]]
        s_gen = [i for i in hosp if lvl[i] == 1 and ins.kind[i] in ("综合", "中医") and ins.drg[i]]
        s_any = [i for i in hosp if lvl[i] == 1 and ins.drg[i]]
        sp = [i for i in hosp if lvl[i] <= 1 and ins.kind[i] not in ("妇幼",) and ins.drg[i]]
        private_spec = ([i for i in hosp if ins.ownership[i] == "民营" and ins.kind[i] == "专科"],
                        [i for i in hosp if ins.ownership[i] == "民营" and lvl[i] <= 1], sp)
        base_p, aff_p = cfg.baseline_periods, cfg.affected_periods
        allp = cfg.periods

        def add(pattern, inst, scope, periods, baseline, notes=""):
            if self.replica and pattern in ONCE_PER_REGION:
                return
            if cfg.patterns and pattern not in cfg.patterns:  # placed (same draws), not injected
                return
            params = dict(DEFAULTS[pattern])
            if inst in self.enlarged:  # the ground truth says the hospital was given its volume
                params["expected_cases_per_month"] = {"before": self.enlarged[inst][0], "after": self.enlarged[inst][1]}
            self.injections[pattern] = Injection(pattern, inst, scope, list(periods), list(baseline),
                                                 params, cfg.pattern_effect(pattern), notes=notes)

        add("upcoding_severity", self._pick(t_gen, t_any, floor=VOLUME_FLOOR["upcoding_severity"]), "institution", aff_p, base_p)
        add("upcoding_diagnosis", self._pick(t_gen, t_any), "institution", aff_p, base_p)
        add("basic_groups_in_tertiary", self._pick(t_any), "institution", allp, [],
            "全期：三级医院收治大量基层病组病例（与同级比较）")
        # picked once the tertiary patterns are placed but before the many secondary-level ones
        # take the larger hospitals: the drift lands at a hospital of realistic volume (the
        # remaining tertiary or a large secondary one), not at what the others left over
        add("structure_shift", self._pick(sp, floor=VOLUME_FLOOR["structure_shift"]), "institution", aff_p, base_p)
        # cost_deviation prices the common groups case by case: it too needs a hospital of
        # realistic volume, so it chooses before the other secondary-level patterns
        add("cost_deviation", self._pick(s_gen, sp, floor=VOLUME_FLOOR["cost_deviation"]), "institution", allp, [],
            "全期：常见病组例均费用高于同级")
        add("out_of_list_share", self._pick(*private_spec), "institution", allp, [],
            "全期：医保目录外费用占比高于同级")
        add("readmission_15d", self._pick(s_gen, s_any, floor=VOLUME_FLOOR["readmission_15d"]), "institution", aff_p, base_p)
        # its K copies go to general hospitals first: the detector compares a hospital with the
        # peers of its own kind, and 3 of a level's dozen 中医 hospitals all at the cut ratio
        # made up much of each other's peers
        ratio_choices = ([i for i in s_gen if ins.kind[i] == "综合"], s_gen, s_any) if self.floors else (s_gen, s_any)
        add("outpatient_inpatient_ratio", self._pick(*ratio_choices, floor=VOLUME_FLOOR["outpatient_inpatient_ratio"]), "institution", allp, [],
            "全期：门诊住院人次比远低于同级")
        add("admission_surge", self._pick(s_gen, s_any, floor=VOLUME_FLOOR["admission_surge"]), "institution", aff_p, base_p)
        add("low_standard_admission", self._pick(s_any, sp, floor=VOLUME_FLOOR["low_standard_admission"]), "institution", aff_p, base_p)
        add("beds_turnover", self._pick(s_any, sp), "institution", aff_p, base_p)
        add("co_admission_cluster", self._pick(s_any, sp), "institution", aff_p, [])
        add("impossible_travel", None, "person", aff_p, [])
        add("hospitalization_rate", None, "region", aff_p, base_p)
        # fixed persons for the cluster: a few residents of the same (synthetic) family block
        self.cluster_start = int(self.rng.integers(0, max(1, int(w.pop.resident_count.min()) - 10)))
        self.place_cluster()
        severity = "upcoding_severity" in self.injections
        if self.floors and severity:
            self.injections["upcoding_severity"].params["min_cases_per_month"] = SEVERITY_CASES_MEASURED
        if self.replica and severity:  # each further copy upcodes its own ADRG (replicas.py: clean pooled peers)
            self.injections["upcoding_severity"].params["adrg"] = severity_adrg(w.cat, self.replica, w.dip)
        if w.dip is not None and severity:  # DIP: the upcoding acts on the 病种 of one diagnosis
            inj = self.injections["upcoding_severity"]
            a = w.cat.index[inj.params["adrg"]]
            inj.params["diag"] = severity_diagnosis(w.cat, w.dip, a) or str(w.cat.diag_codes[w.cat.diag_offsets[a]])
            inj.params["dip_diagnosis"] = inj.params["diag"][:5] + "::"
        # top ADRGs by regional frequency, for cost_deviation
        top = np.argsort(-w.cat.freq, kind="stable")[: DEFAULTS["cost_deviation"]["top_adrgs"]]
        self.top_adrgs = np.sort(top)
        self.top_families = None
        if w.dip is not None:
            # DIP: a region's common groups are its common diagnoses (each with its treatments),
            # finer than ADRGs; as many as hold the share of cases DRG's top ADRGs hold
            held = float(w.cat.freq[self.top_adrgs].sum() / w.cat.freq.sum())
            self.top_families = w.dip.common_diagnoses(w.cat, held)
        if "cost_deviation" in self.injections:
            if self.top_families is None:
                self.injections["cost_deviation"].params["adrgs"] = [w.cat.adrgs[i].code for i in self.top_adrgs]
            else:
                self.injections["cost_deviation"].params["dip_diagnoses"] = list(self.top_families)

    def place_cluster(self) -> None:
        """The cluster's persons in the world's population (again when the population is rebuilt)."""
        cluster = self.injections.get("co_admission_cluster")
        if cluster is not None:
            size = max(2, int(round(DEFAULTS["co_admission_cluster"]["group_size"] * cluster.effect)))
            cluster.params["group_size"] = size
            cluster.persons = [self.world.pop.n_employee_pool + self.cluster_start + k for k in range(size)]

    def _running_alloc(self, pattern: str, affected: bool, shares: list[float], k: int) -> np.ndarray:
        """This month's counts so that the window's running totals follow `shares` exactly.

        Rounding month by month would blur a small effect; allocating the window's cumulative
        total keeps the realised shares within one case of the target.
        """
        key = (pattern, affected)
        done, total = self._alloc_state.get(key, (np.zeros(len(shares), dtype=np.int64), 0))
        target = _alloc(shares, total + k)
        now = np.maximum(target - done, 0)
        while now.sum() > k:  # a share that fell behind cannot be taken back: trim the largest
            now[np.argmax(now)] -= 1
        while now.sum() < k:
            now[np.argmax(target - done - now)] += 1
        self._alloc_state[key] = (done + now, total + k)
        return now

    def _quota(self, pattern: str, amount: float) -> int:
        """This month's whole count when `amount` (fractional) is due: the running total is
        rounded, not each month, so a small effect still adds up over the window."""
        due, done = self._quota_state.get(pattern, (0.0, 0))
        due += max(0.0, amount)
        k = max(0, int(round(due)) - done)
        self._quota_state[pattern] = (due, done + k)
        return k

    def inst_of(self, pattern: str) -> int | None:
        return self.injections[pattern].inst

    def active(self, pattern: str, period: str) -> bool:
        inj = self.injections.get(pattern)  # a replica has no copy of a once-per-region pattern
        return self.enabled and inj is not None and period in inj.periods

    def eff(self, pattern: str) -> float:
        return self.injections[pattern].effect

    def beds_after(self, inst: int, period: str) -> int:
        """Beds of an institution in a period (beds_turnover adds beds from its first period)."""
        beds = int(self.world.insts.beds[inst])
        inj = self.injections.get("beds_turnover")
        if self.enabled and inj is not None and inst == inj.inst and period in inj.periods:
            e = inj.effect
            # at least +10 beds so that the change is visible in a tiny region too
            return max(int(round(beds * (1 + DEFAULTS["beds_turnover"]["bed_increase"] * e))), beds + int(round(10 * e)))
        return beds

    # ---- hooks: counts -----------------------------------------------------------------------

    def extra_inpatient(self, month: Month, expected: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Additional inpatient cases (pattern, institution indices)."""
        out = []
        p = month.period
        ins = self.world.insts
        if self.active("outpatient_inpatient_ratio", p):
            # admit outpatients until the ratio is a fraction of the level's usual ratio
            i = self.inst_of("outpatient_inpatient_ratio")
            target = OTP_PER_IPT[ins.level[i]] * max(0.1, 1 - DEFAULTS["outpatient_inpatient_ratio"]["ratio_cut"]
                                                     * self.eff("outpatient_inpatient_ratio"))
            scale = expected[i] / max(ins.ipt_rate[i], 1e-9)  # this month's seasonality and growth
            k = int(round(max(0.0, ins.otp_rate[i] * scale / target - expected[i])))
            self.size["outpatient_inpatient_ratio"] += k
            out.append(("outpatient_inpatient_ratio", np.full(k, i, dtype=np.int64)))
        if self.active("admission_surge", p):
            i = self.inst_of("admission_surge")
            k = int(round(expected[i] * DEFAULTS["admission_surge"]["growth"] * self.eff("admission_surge")))
            self.size["admission_surge"] += k
            out.append(("admission_surge", np.full(k, i, dtype=np.int64)))
        if self.active("hospitalization_rate", p):
            pool = ins.hospitals  # spread over all hospitals like ordinary admissions
            lam = expected[pool]
            k = int(round(expected[pool].sum() * DEFAULTS["hospitalization_rate"]["extra_share"] * self.eff("hospitalization_rate")))
            if k > 0 and lam.sum() > 0:
                self.size["hospitalization_rate"] += k
                out.append(("hospitalization_rate", self.rng.choice(pool, k, p=lam / lam.sum())))
        return out

    # ---- hooks: editing inpatient skeletons ---------------------------------------------------

    def edit_inpatient(self, month: Month, f: dict) -> None:
        if not self.enabled or len(f["kind"]) == 0:
            return
        p = month.period
        cat = self.world.cat
        rng = self.rng
        inst = f["inst"]

        def free_at(i):
            return np.flatnonzero((inst == i) & (f["tag"] == 0) & ~f["visitor"])

        # upcoding_severity: fixed volume of the ADRG, severity mix by period
        if "upcoding_severity" in self.injections:
            inj = self.injections["upcoding_severity"]
            prm, e = inj.params, inj.effect
            a = cat.index[prm["adrg"]]
            at = np.flatnonzero((inst == inj.inst) & (f["adrg"] == a))
            need = prm["min_cases_per_month"] - len(at)
            if need > 0:
                cand = np.setdiff1d(free_at(inj.inst), at)
                add = rng.permutation(cand)[:need]
                f["adrg"][add] = a
                at = np.union1d(at, add)
            sh = prm["baseline_shares"]
            if p in inj.periods:
                s1 = min(0.95, sh["1"] * (1 + prm["severe_cc_change"] * e))
                s5 = min(1 - s1, max(0.0, sh["5"] * (1 + prm["no_cc_change"] * e)))
                shares = [s1, max(0.0, 1 - s1 - s5), s5]
                self.size["upcoding_severity"] += len(at) * (sh["5"] - s5)
            else:
                shares = [sh["1"], sh["3"], sh["5"]]
            counts = self._running_alloc("upcoding_severity", p in inj.periods, shares, len(at))
            f["_sev"][rng.permutation(at)] = np.repeat([1, 3, 5], counts)
            # DRG: any diagnosis of the ADRG; DIP: one diagnosis, whose treatments are the 病种 family
            f["diag"][at] = cat.diag_offsets[a] if "diag" in prm else -1
            f["tag"][at] = TAG["upcoding_severity"]

        # upcoding_diagnosis: I63 sub-code mix at one hospital
        if "upcoding_diagnosis" in self.injections:
            inj = self.injections["upcoding_diagnosis"]
            prm, e = inj.params, inj.effect
            a = cat.index[prm["adrg"]]
            at = np.flatnonzero((inst == inj.inst) & (f["adrg"] == a) & (f["tag"] == 0))
            need = prm["min_cases_per_month"] - len(at)
            if need > 0:
                add = rng.permutation(np.setdiff1d(free_at(inj.inst), at))[:need]
                f["adrg"][add] = a
                at = np.union1d(at, add)
            off, end = cat.diag_offsets[a], cat.diag_offsets[a + 1]
            codes = list(cat.diag_codes[off:end])
            base = dict(zip(codes, cat.diag_p[off:end]))
            shares = dict(base)
            if p in inj.periods:
                for c, target in prm["target_shares"].items():
                    shares[c] = min(1.0, max(0.0, base[c] + (target - base[c]) * e))
                # in the dict's order, not a set's: summing floats in a string-hash order made the
                # shares (and so the codes drawn) differ from one run to the next (PYTHONHASHSEED)
                fixed = list(prm["target_shares"])
                rest_base = sum(v for c, v in base.items() if c not in fixed)
                total_fixed = sum(shares[c] for c in fixed)
                if total_fixed > 1:  # a very large effect: keep the proportions, drop the rest
                    for c in fixed:
                        shares[c] /= total_fixed
                rest_new = max(0.0, 1 - sum(shares[c] for c in fixed))
                for c in codes:
                    if c not in fixed:
                        shares[c] = base[c] / rest_base * rest_new
                self.size["upcoding_diagnosis"] += len(at) * sum(abs(shares[c] - base[c]) for c in codes) / 2
            counts = self._running_alloc("upcoding_diagnosis", p in inj.periods, [shares[c] for c in codes], len(at))
            f["diag"][rng.permutation(at)] = np.repeat(np.arange(off, end), counts)
            f["tag"][at] = TAG["upcoding_diagnosis"]

        # low_standard_admission: low-weight medical cases replace part of the mix
        if self.active("low_standard_admission", p):
            inj = self.injections["low_standard_admission"]
            low = np.flatnonzero((cat.weight5 <= inj.params["max_weight"]) & ~cat.surgical)
            cand = free_at(inj.inst)
            k = int(round(len(cand) * min(0.8, inj.params["share_replaced"] * inj.effect)))
            pick = rng.permutation(cand)[:k]
            f["adrg"][pick] = rng.choice(low, k)
            f["diag"][pick] = -1
            f["_sev"][pick] = 5
            f.setdefault("_los_override", np.full(len(f["kind"]), -1, dtype=np.int64))
            f["_los_override"][pick] = rng.integers(2, 4, k)
            f["tag"][pick] = TAG["low_standard_admission"]
            self.size["low_standard_admission"] += k

        # basic_groups_in_tertiary
        if self.active("basic_groups_in_tertiary", p):
            inj = self.injections["basic_groups_in_tertiary"]
            basic = np.flatnonzero(cat.basic_adrg)
            pb = cat.freq[basic] / cat.freq[basic].sum()
            cand = free_at(inj.inst)
            k = int(round(len(cand) * min(0.8, inj.params["share_replaced"] * inj.effect)))
            pick = rng.permutation(cand)[:k]
            f["adrg"][pick] = rng.choice(basic, k, p=pb)
            f["diag"][pick] = -1
            f["tag"][pick] = TAG["basic_groups_in_tertiary"]
            self.size["basic_groups_in_tertiary"] += k

        # cost_deviation: common groups cost more at one institution
        if self.active("cost_deviation", p):
            inj = self.injections["cost_deviation"]
            if self.top_families is None:
                common = np.isin(f["adrg"], self.top_adrgs)
            else:  # DIP: the cases of the common diagnoses
                common = np.isin(self._case_diagnoses(f), self.top_families)
            at = np.flatnonzero((inst == inj.inst) & common & (f["tag"] == 0))
            f["_cost_mult"][at] *= 1 + inj.params["cost_factor"] * inj.effect
            f["tag"][at] = TAG["cost_deviation"]
            self.size["cost_deviation"] += len(at) * inj.params["cost_factor"] * inj.effect

        # structure_shift: drift toward the higher-paid severity, growing month by month
        if self.active("structure_shift", p) and self.world.dip is not None:
            self._dip_structure_shift(p, f, free_at)
        elif self.active("structure_shift", p):
            inj = self.injections["structure_shift"]
            ramp = 0.5 + 0.5 * (inj.periods.index(p) + 1) / len(inj.periods)  # drift grows to full
            prob = min(0.9, inj.params["max_shift_probability"] * inj.effect * ramp)
            cand = free_at(inj.inst)
            move = cand[rng.random(len(cand)) < prob]
            # one step up to a severity the ADRG really has (5 -> 3 -> 1)
            sev = f["_sev"][move]
            adrg = f["adrg"][move]
            has1, has3 = cat.has_severity(adrg, 1), cat.has_severity(adrg, 3)
            up = np.where(sev == 5, np.where(has3, 3, np.where(has1, 1, sev)), np.where(has1, 1, sev))
            f["_sev"][move] = up
            move = move[up != sev]
            f["tag"][move] = TAG["structure_shift"]
            self.size["structure_shift"] += len(move)

        # out_of_list_share
        if self.active("out_of_list_share", p):
            inj = self.injections["out_of_list_share"]
            at = np.flatnonzero((inst == inj.inst) & (f["tag"] == 0))
            f["_own_shift"][at] += inj.params["share_added"] * inj.effect
            f["tag"][at] = TAG["out_of_list_share"]
            self.size["out_of_list_share"] += len(at) * inj.params["share_added"] * inj.effect

    def _case_diagnoses(self, f: dict) -> np.ndarray:
        """Each case's diagnosis (DIP: the 病种's family, e.g. "I63.9"), as completion will draw it."""
        cat = self.world.cat
        return cat.diag_codes.astype("U5")[diagnoses(cat, f["adrg"], f["diag"], f["_udiag"])]

    def _dip_structure_shift(self, p: str, f: dict, free_at) -> None:
        """DIP: the same drift and probability as DRG's, each moved case one step up in 分值 among
        the treatments of its own diagnosis (DIP's family is the diagnosis, not the ADRG: a case
        whose treatment is the lowest of its diagnosis but whose ADRG has one severity, or whose
        ADRG's lower severities are already above the diagnosis's lowest 分值, drifted in DRG terms
        without moving the 病种 mix; measured: a 13–20-point shift against DRG's 20–50)."""
        w, rng = self.world, self.rng
        cat, dip = w.cat, w.dip
        inj = self.injections["structure_shift"]
        ramp = 0.5 + 0.5 * (inj.periods.index(p) + 1) / len(inj.periods)
        prob = min(0.9, inj.params["max_shift_probability"] * inj.effect * ramp)
        cand = free_at(inj.inst)
        chosen = cand[rng.random(len(cand)) < prob]
        group = cat.group_index[f["adrg"][chosen], w.severity_map[f["adrg"][chosen], f["_sev"][chosen]]]
        diag = diagnoses(cat, f["adrg"][chosen], f["diag"][chosen], f["_udiag"][chosen])
        target = dip.step_up(group, diag)
        move, target = chosen[target >= 0], target[target >= 0]
        g = dip.rep_group[target]
        f["adrg"][move] = cat.group_adrg[g]
        f["_sev"][move] = cat.group_sev[g]
        f["diag"][move] = dip.rep_diag[target]
        f["tag"][move] = TAG["structure_shift"]
        self.size["structure_shift"] += len(move)

    def edit_outpatient(self, month: Month, f: dict) -> None:
        if self.active("out_of_list_share", month.period):
            inj = self.injections["out_of_list_share"]
            at = np.flatnonzero(f["inst"] == inj.inst)
            f["_own_shift"][at] += inj.params["share_added"] * inj.effect
            f["tag"][at] = TAG["out_of_list_share"]
            self.size["out_of_list_share"] += len(at) * inj.params["share_added"] * inj.effect

    # ---- hooks: person-level rows ----------------------------------------------------------

    def person_rows(self, month: Month, base: dict) -> list[dict]:
        """Readmissions, co-admission clusters, impossible travel: new settlement rows."""
        if not self.enabled:
            return []
        out = []
        p = month.period
        if self.active("readmission_15d", p):
            out.append(self._readmissions(month, base))
        if self.active("co_admission_cluster", p):
            out.append(self._cluster(month))
        if self.active("impossible_travel", p):
            out.extend(self._travel(month))
        return [f for f in out if f is not None and len(f["kind"])]

    def _readmissions(self, month: Month, base: dict):
        w, rng = self.world, self.rng
        inj = self.injections["readmission_15d"]
        prm = inj.params
        day_end = (base["end"] - month.start).astype(np.int64)
        cand = np.flatnonzero((base["inst"] == inj.inst) & (base["refd"] == 0) & ~base["visitor"] &
                              (base["tag"] == 0) & (day_end >= 0) & (day_end <= 9))
        n_inst = int(((base["inst"] == inj.inst) & (base["refd"] == 0)).sum())
        # no floor: the share follows the effect, and a small hospital's fractions add up
        k = min(len(cand), self._quota("readmission_15d", n_inst * prm["share_of_discharges"] * inj.effect))
        if k == 0:
            return None
        self.size["readmission_15d"] += k
        src = rng.permutation(cand)[:k]
        f = inpatient_skeleton(w, month, rng, np.full(k, inj.inst, dtype=np.int64))
        f["person"], f["visitor"] = base["person"][src], np.zeros(k, dtype=bool)
        f["adrg"] = base["adrg"][src]
        f["diag"] = base["diag"][src]
        f["_sev"] = np.full(k, 5)
        los = rng.integers(2, 5, k)
        f["_los_override"] = los
        f["_delay"] = np.zeros(k, dtype=np.int64)
        max_gap = min(prm["max_gap_days"], month.days - 10 - 6)
        gap = rng.integers(1, max_gap + 1, k)
        end_day = day_end[src] + gap + los
        f["_day"] = end_day
        f["tag"][:] = TAG["readmission_15d"]
        complete_inpatient(w, month, f, rng)
        inj.persons.extend(int(x) for x in base["person"][src])
        return f

    def _cluster(self, month: Month):
        inj = self.injections["co_admission_cluster"]
        prm = inj.params
        if inj.periods.index(month.period) % prm["every_months"] != 0:
            return None
        w, rng = self.world, self.rng
        k = len(inj.persons)
        f = inpatient_skeleton(w, month, rng, np.full(k, inj.inst, dtype=np.int64))
        f["person"], f["visitor"] = np.array(inj.persons, dtype=np.int64), np.zeros(k, dtype=bool)
        f["adrg"] = np.full(k, w.cat.index[prm["adrg"]])
        f["_sev"] = np.full(k, 5)
        los = int(rng.integers(6, 10))
        f["_los_override"] = np.full(k, los)
        f["_delay"] = np.zeros(k, dtype=np.int64)
        f["_day"] = np.full(k, int(rng.integers(los + 1, month.days)))
        f["tag"][:] = TAG["co_admission_cluster"]
        complete_inpatient(w, month, f, rng)
        self.size["co_admission_cluster"] += k
        return f

    def _travel(self, month: Month) -> list[dict]:
        w, rng = self.world, self.rng
        inj = self.injections["impossible_travel"]
        # a running quota, not a floor of one pair a month: effect 0.5 is a pair every other month
        k = self._quota("impossible_travel", inj.params["pairs_per_month"] * inj.effect)
        if k == 0:
            return []
        self.size["impossible_travel"] += 2 * k
        hosp = w.insts.hospitals
        local_inst = rng.choice(hosp, k)
        far = [i for i, c in enumerate(w.foreign.code) if w.foreign.admdvs[i] in ("460100", "650100")]
        far_inst = rng.choice(np.array(far), k)
        person = w.pop.sample(rng, month.index, np.full(k, 0.5))
        a, ma, oa = outpatient_frame(w, month, rng, local_inst)
        b, mb, ob = outpatient_frame(w, month, rng, far_inst, elsewhere=True)
        b["finst"] = far_inst  # the far city itself, not the home city of a person living elsewhere
        for f in (a, b):
            f["person"], f["visitor"] = person, np.zeros(k, dtype=bool)
            f["med_type"] = np.full(k, "11")
            f["tag"][:] = TAG["impossible_travel"]
        day = rng.integers(0, month.days, k)
        t0 = (month.start + day.astype("timedelta64[D]")).astype("datetime64[s]") + \
            (9 * 3600 + rng.integers(0, 7 * 3600, k)).astype("timedelta64[s]")
        minutes = rng.integers(3, inj.params["max_minutes"] + 1, k)
        a["setl"] = t0
        b["setl"] = t0 + (minutes * 60).astype("timedelta64[s]")
        for f in (a, b):
            f["begn"] = f["end"] = f["setl"].astype("datetime64[D]")
        a = finish_outpatient(w, a, ma, oa, False)
        b = finish_outpatient(w, b, mb, ob, True)
        km = _haversine_km(w.insts.lon[local_inst], w.insts.lat[local_inst], w.foreign.lon[far_inst], w.foreign.lat[far_inst])
        inj.params.setdefault("min_distance_km", float("inf"))
        inj.params["min_distance_km"] = round(min(inj.params["min_distance_km"], float(km.min())), 1)
        inj.persons.extend(int(x) for x in person)
        return [a, b]

    def city_names(self) -> dict[str, str]:
        return {c[0]: c[1] for c in FOREIGN_CITIES}
