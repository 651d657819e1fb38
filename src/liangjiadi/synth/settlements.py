"""Drawing settlements: outpatient, inpatient, pharmacy, 异地, refunds — vectorised per block."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .amounts import KIND_IPT, KIND_OTP, KIND_RX, MONEY_COLUMNS, OWNPAY_SHARE, settle
from .catalogue import Catalogue
from .config import SynthConfig, days_in_month
from .dip import DipCatalogue
from .frames import new_frame
from .institutions import FOREIGN_SHARE, ForeignInstitutions, Institutions
from .population import Population

# Yuan per RW actually spent, by peer group (tertiary costs more than the DRG base rate).
COST_PER_RW = np.array([11_800.0, 7_800.0, 5_400.0])
COST_PER_RW_ELSEWHERE = 14_500.0
# Mean outpatient visit cost (yuan) by peer group; pharmacy purchase mean.
OTP_MEAN = np.array([330.0, 190.0, 95.0])
RX_MEAN = 96.0
# Severity draw (1 严重CC, 3 CC, 5 无CC) by peer group.
SEVERITY_P = np.array([[0.18, 0.32, 0.50], [0.10, 0.27, 0.63], [0.05, 0.18, 0.77]])
LOS_LEVEL = np.array([1.0, 0.9, 0.8])
LOS_SEVERITY_BY_DIGIT = np.array([1.0, 1.5, 1.0, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # index = severity digit
QC_PASS = np.array([0.965, 0.945, 0.925])
UNGROUPED_SHARE = 0.008  # → 入组率 ≈ 99.2%
UPLOAD_SHARE = 0.997
VISITOR_SHARE_IPT, VISITOR_SHARE_OTP = 0.03, 0.02
ELSEWHERE_SHARE_IPT, ELSEWHERE_SHARE_OTP = 0.06, 0.012
REFUND_SHARE, INVALID_SHARE = 0.003, 0.002
GROWTH = {"ipt": 0.04, "otp": 0.03, "rx": 0.02}
INFLATION = 0.03
DAY_SURGERY_ADRG = ("CB3", "GF1", "GK2", "RE1")


@dataclass
class World:
    """Everything that stays fixed across months."""

    cfg: SynthConfig
    cat: Catalogue
    insts: Institutions
    foreign: ForeignInstitutions
    pop: Population
    mix_cum: np.ndarray  # (n_institutions, n_adrg) cumulative case-mix probabilities
    severity_map: np.ndarray  # (n_adrg, 10): drawn severity digit -> the group's digit
    dip: DipCatalogue | None = None  # the 病种 catalogue of a DIP region (None: DRG)


@dataclass
class Month:
    index: int
    period: str
    start: np.datetime64
    days: int
    years_since_start: float

    def season(self, kind: str) -> float:
        m = int(self.period[5:7])
        base = 1 + (0.08 if kind == "ipt" else 0.05) * np.cos(2 * np.pi * (m - 1) / 12)
        if m == 2:  # Spring Festival dip
            base *= 0.88
        return float(base * (1 + GROWTH[kind]) ** self.years_since_start)


def make_month(cfg: SynthConfig, index: int) -> Month:
    period = cfg.periods[index]
    return Month(index, period, np.datetime64(f"{period}-01"), days_in_month(period), index / 12.0)


def case_mix(cat: Catalogue, insts: Institutions) -> np.ndarray:
    """Cumulative ADRG probabilities per institution: level and specialty shape the mix."""
    n = insts.n
    mix = np.zeros((n, len(cat.adrgs)))
    heavy = cat.weight5
    for i in range(n):
        lv = insts.level[i]
        if lv < 0:
            mix[i, 0] = 1.0
            continue
        alpha = (0.7, 0.0, -1.2)[lv]
        p = cat.freq * heavy ** alpha
        if lv == 2:
            p = np.where(heavy > 2.5, 0.0, p)
        if lv == 2 or insts.kind[i] == "基层":
            p = np.where(cat.mdc == "A", 0.0, p)
        focus = insts.focus_mdc[i]
        if focus:
            own = cat.mdc == focus
            if focus == "O":
                own |= (cat.mdc == "P") | (cat.mdc == "N")
            p = np.where(own, p * 40, p * 0.15)
        if insts.kind[i] == "中医":
            p = np.where(np.isin(cat.mdc, ["I", "B", "E"]), p * 2.0, p)
        if focus != "T":
            p = np.where(cat.mdc == "T", p * 0.05, p)
        mix[i] = p / p.sum()
    return np.cumsum(mix, axis=1)


def severity_map(cat: Catalogue) -> np.ndarray:
    """Map a drawn severity 1/3/5 to the digit the ADRG actually has."""
    out = np.full((len(cat.adrgs), 10), 9, dtype=np.int64)
    for i, a in enumerate(cat.adrgs):
        sp = a.splits
        for s in (1, 3, 5):
            if "9" in sp:
                out[i, s] = 9
            elif str(s) in sp:
                out[i, s] = s
            elif s == 1:
                out[i, s] = 3 if "3" in sp else 5
            elif s == 3:
                out[i, s] = 5 if "5" in sp else 1
            else:
                out[i, s] = 3
    return out


def expected_counts(world: World, month: Month) -> dict[str, np.ndarray]:
    insts = world.insts
    return {
        "ipt": insts.ipt_rate * month.season("ipt"),
        "otp": insts.otp_rate * month.season("otp"),
        "rx": insts.rx_rate * month.season("rx"),
    }


def _times(rng, start, day, hour_lo, hour_hi, u=None):
    """Datetimes on start + day between the given hours (u: pre-drawn uniforms, else drawn)."""
    u = rng.random(len(day)) if u is None else u
    secs = (hour_lo * 3600 + u * (hour_hi - hour_lo) * 3600).astype(np.int64)
    return (start + day.astype("timedelta64[D]")).astype("datetime64[s]") + secs.astype("timedelta64[s]")


def _persons(world: World, month: Month, rng, level: np.ndarray, visitor_share: float, p_emp_by_level):
    n = len(level)
    visitor = rng.random(n) < visitor_share
    p_emp = np.asarray(p_emp_by_level)[np.clip(level, 0, 2)]
    person = world.pop.sample(rng, month.index, p_emp)
    vis_idx = rng.integers(0, world.pop.n_visitor_pool, n)
    person = np.where(visitor, vis_idx, person)
    return person, visitor


def _person_attrs(world: World, frame: dict, rng) -> None:
    pop = world.pop
    person, visitor = frame["person"], frame["visitor"]
    local = ~visitor
    ins = pop.insutype(person)
    ptype = pop.psn_type(person)
    # visitors: employee or resident decided by their number
    vis_emp = (person % 3) == 0
    frame["insutype"] = np.where(local, ins, np.where(vis_emp, "310", "390"))
    frame["psn_type"] = np.where(local, ptype, np.where(vis_emp, "1101", "1401"))


def inpatient_skeleton(world: World, month: Month, rng: np.random.Generator, inst: np.ndarray,
                       elsewhere: bool = False) -> dict[str, np.ndarray]:
    """Inpatient cases at the given institutions (local indices, or foreign ones if elsewhere)."""
    n = len(inst)
    f = new_frame(n)
    f["kind"][:] = KIND_IPT
    cat = world.cat
    if elsewhere:
        f["finst"] = inst
        level = np.zeros(n, dtype=np.int64)
        mix_rows = np.full(n, world.insts.hospitals[0])  # a tertiary case mix
        person = world.pop.sample(rng, month.index, np.full(n, 0.4), elsewhere=True)
        f["finst"] = home_city_institutions(world, person, inst)
        visitor = np.zeros(n, dtype=bool)
    else:
        f["inst"] = inst
        level = world.insts.level[inst]
        mix_rows = inst
        person, visitor = _persons(world, month, rng, level, VISITOR_SHARE_IPT, (0.45, 0.33, 0.2))
    f["person"], f["visitor"] = person, visitor
    u = rng.random(n)
    adrg = np.empty(n, dtype=np.int64)
    for a in range(0, n, 50_000):  # chunks bound the (cases x ADRG) comparison matrix
        cum = world.mix_cum[mix_rows[a:a + 50_000]]
        adrg[a:a + 50_000] = (u[a:a + 50_000, None] > cum).sum(axis=1)
    f["adrg"] = np.minimum(adrg, len(cat.adrgs) - 1)
    sev_p = np.cumsum(SEVERITY_P[level], axis=1)
    u2 = rng.random(n)
    drawn = np.where(u2 < sev_p[:, 0], 1, np.where(u2 < sev_p[:, 1], 3, 5))
    f["_sev"] = drawn
    f["_udiag"] = rng.random(n)
    f["_ulos"] = rng.lognormal(0.0, 0.35, n)
    f["_day"] = rng.integers(0, month.days, n)
    f["_delay"] = rng.choice(np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 2]), n)
    f["_ucost"] = rng.lognormal(0.0, 0.28, n)
    f["_uown"] = rng.random(n)
    f["_uamt"] = rng.random((n, 4))
    f["_uq"] = rng.random((n, 6))
    # everything the completion needs is drawn here, per row: a case's values do not depend on
    # how many other cases (e.g. injected ones) are completed with it
    f["_utime"] = rng.random((n, 3))
    f["_usp"] = rng.random((n, 3))
    f["_cost_mult"] = np.ones(n)
    f["_own_shift"] = np.zeros(n)
    f["_level"] = level
    return f


def diagnoses(cat, adrg: np.ndarray, diag: np.ndarray, udiag: np.ndarray) -> np.ndarray:
    """Each case's diagnosis (index into cat.diag_codes): the one an anomaly fixed already
    (diag >= 0), else drawn within its ADRG from the case's own uniform `udiag`, so a hook can
    know a case's diagnosis before the case is completed (DIP: the 病种's family)."""
    n = len(adrg)
    if n == 0:
        return diag.copy()
    off, cnt = cat.diag_offsets[adrg], np.diff(cat.diag_offsets)[adrg]
    cum = np.zeros(n)
    pick = np.zeros(n, dtype=np.int64)
    for k in range(int(cnt.max())):
        cum = cum + np.where(k < cnt, cat.diag_p[np.minimum(off + k, len(cat.diag_p) - 1)], 0)
        pick += (k < cnt - 1) & (udiag > cum)
    return np.where(diag < 0, off + pick, diag)


def complete_inpatient(world: World, month: Month, f: dict[str, np.ndarray], rng: np.random.Generator | None = None) -> None:
    """Derive group, diagnosis, dates, amounts and list fields from the (possibly edited) skeleton."""
    cat, insts = world.cat, world.insts
    n = len(f["kind"])
    if n == 0:
        _drop_private(f)
        return
    adrg, level = f["adrg"], f["_level"]
    sev = world.severity_map[adrg, f["_sev"]]
    group = cat.group_index[adrg, sev]
    local = f["inst"] >= 0
    uq = f["_uq"]
    ungrouped = local & (uq[:, 0] < UNGROUPED_SHARE)
    f["group"] = np.where(ungrouped, -1, group)
    f["diag"] = diagnoses(cat, adrg, f["diag"], f["_udiag"])
    # med_type
    adrg_code = np.array([a.code for a in cat.adrgs])[adrg]
    diag_code = cat.diag_codes[f["diag"]]
    day_surgery = np.isin(adrg_code, DAY_SURGERY_ADRG) & (uq[:, 1] < 0.35) & local
    injury = np.char.startswith(diag_code, "S") | np.char.startswith(diag_code, "T")
    med = np.where(cat.mdc[adrg] == "O", "52", np.where(injury, "22", "21"))
    med = np.where((med == "21") & (uq[:, 2] < 0.05), "24", med)
    med = np.where(day_surgery, "28", med)
    f["med_type"] = med
    f["clr_type"] = np.full(n, "21")
    # dates
    los = np.maximum(1, np.round(cat.los[adrg] * LOS_LEVEL[level] * f["_ulos"] *
                                 LOS_SEVERITY_BY_DIGIT[sev])).astype(np.int64)
    los = np.where(day_surgery, 0, los)
    if "_los_override" in f:
        los = np.where(f["_los_override"] >= 0, f["_los_override"], los)
    setl_date = month.start + f["_day"].astype("timedelta64[D]")
    end = setl_date - f["_delay"].astype("timedelta64[D]")
    begn = end - los.astype("timedelta64[D]")
    f["begn"], f["end"] = begn, end
    zero = np.zeros(n, dtype=np.int64)
    ut = f["_utime"]
    f["adm"] = _times(None, begn, zero, 7, 11, ut[:, 0])
    f["dscg"] = _times(None, end, zero, np.where(los == 0, 13, 8), np.where(los == 0, 15, 11), ut[:, 1])
    same_day = f["_delay"] == 0
    f["setl"] = _times(None, setl_date, zero, np.where(same_day, 16, 8), np.where(same_day, 19, 18), ut[:, 2])
    # amounts
    weight = np.where(group >= 0, cat.group_weight[np.maximum(group, 0)], cat.weight5[adrg])
    cost_rw = np.where(local, COST_PER_RW[level], COST_PER_RW_ELSEWHERE)
    inflation = (1 + INFLATION) ** month.years_since_start
    medfee = np.round(weight * cost_rw * f["_ucost"] * f["_cost_mult"] * inflation * 100).astype(np.int64)
    medfee = np.maximum(medfee, 30_000)
    own = _ownpay_share(world, f, level, local) + f["_own_shift"]
    _apply_amounts(world, f, medfee, own, level, elsewhere=~local)
    # list fields (local institutions only)
    f["dscg_way"] = np.where(uq[:, 3] < 0.01, "5", np.where(uq[:, 3] < 0.04, "2", "1"))
    uploaded = local & (uq[:, 4] < UPLOAD_SHARE)
    qc_p = QC_PASS[level]
    f["qc"] = np.where(uploaded, (uq[:, 5] < qc_p).astype(np.int8), -1).astype(np.int8)
    f["upld"] = np.where(uploaded, f["dscg"] + (86400 + (uq[:, 5] * 9 * 86400).astype(np.int64)).astype("timedelta64[s]"),
                         np.datetime64("NaT", "s"))
    # payment way and 特例单议
    drg_inst = local & np.where(local, insts.drg[np.maximum(f["inst"], 0)], False)
    pay_std = np.where(f["group"] >= 0, cat.group_pay_std_fen[np.maximum(f["group"], 0)], 0)
    ratio = np.where(pay_std > 0, medfee / np.maximum(pay_std, 1), 1.0)
    psych = cat.mdc[adrg] == "T"
    high = ratio > 2.0
    low = ratio < 0.4
    u_sp = f["_usp"]
    applies = drg_inst & ~psych & (f["group"] >= 0) & (ratio > 1.8) & (u_sp[:, 0] < 0.6)
    result = np.where(u_sp[:, 1] < 0.76, 1, np.where(u_sp[:, 1] < 0.95, 0, 2))
    f["special"] = np.where(applies, result, -1).astype(np.int8)
    setl_d = f["setl"].astype("datetime64[D]")
    f["apply_date"] = np.where(applies, setl_d + (3 + (u_sp[:, 2] * 15).astype(np.int64)).astype("timedelta64[D]"),
                               np.datetime64("NaT", "D"))
    f["audit_date"] = np.where(applies & (result != 2),
                               f["apply_date"] + (5 + (u_sp[:, 2] * 40).astype(np.int64) % 25).astype("timedelta64[D]"),
                               np.datetime64("NaT", "D"))
    way = np.where(drg_inst, np.where(f["group"] < 0, "itemized", np.where(high | low, "itemized", "drg_std")), "none")
    way = np.where(applies & (result == 1), "special", way)
    way = np.where(local & psych, "bed_day", way)
    f["pay_way"] = way
    _drop_private(f)


def _ownpay_share(world: World, f, level, local) -> np.ndarray:
    insts = world.insts
    base = np.where(local, OWNPAY_SHARE[np.clip(level, 0, 2)], 0.09)
    idx = np.maximum(f["inst"], 0)
    private_spec = local & (np.array(insts.ownership)[idx] == "民营") & (np.array(insts.kind)[idx] == "专科")
    base = base + np.where(private_spec, 0.03, 0.0)
    return base * (0.4 + 1.2 * f["_uown"])


def _apply_amounts(world: World, f, medfee, own, level, elsewhere) -> None:
    pop = world.pop
    person, visitor = f["person"], f["visitor"]
    _person_attrs(world, f, None)
    employee = np.isin(f["insutype"], ("310", "340"))
    lixiu = f["insutype"] == "340"
    assisted = (~visitor) & pop.assisted(np.where(visitor, 0, person))
    chronic = np.isin(f["med_type"], ("14", "15", "16"))
    rx_pooled = f["_uamt"][:, 3] < 0.15
    amounts = settle(medfee, own, f["kind"], level, employee, lixiu, assisted, elsewhere, chronic,
                     rx_pooled, f["_uamt"])
    for k in MONEY_COLUMNS:
        f[k] = amounts[k]


def _drop_private(f) -> None:
    for k in [k for k in f if k.startswith("_")]:
        del f[k]


def outpatient_frame(world: World, month: Month, rng, inst: np.ndarray, elsewhere: bool = False) -> dict:
    n = len(inst)
    f = new_frame(n)
    f["kind"][:] = KIND_OTP
    if elsewhere:
        f["finst"] = inst
        level = np.zeros(n, dtype=np.int64)
        f["person"] = world.pop.sample(rng, month.index, np.full(n, 0.4), elsewhere=True)
        f["finst"] = home_city_institutions(world, f["person"], inst)
    else:
        f["inst"] = inst
        level = world.insts.level[inst]
        f["person"], f["visitor"] = _persons(world, month, rng, level, VISITOR_SHARE_OTP, (0.42, 0.35, 0.25))
    u = rng.random((n, 3))
    med = np.where(u[:, 0] < 0.74, "11", np.where(u[:, 0] < 0.82, "13", np.where(u[:, 0] < 0.94, "14",
                   np.where(u[:, 0] < 0.98, "16", "51"))))
    f["med_type"], f["clr_type"] = med, np.full(n, "11")
    day = rng.integers(0, month.days, n)
    f["setl"] = _times(rng, month.start, day, 8, 17.5)
    f["begn"] = f["end"] = f["setl"].astype("datetime64[D]")
    chronic = np.isin(med, ("14", "16"))
    mean = np.where(elsewhere, 420.0, OTP_MEAN[np.clip(level, 0, 2)]) * np.where(chronic, 2.6, 1.0)
    inflation = (1 + INFLATION) ** month.years_since_start
    medfee = np.round(mean * rng.lognormal(-0.32, 0.8, n) * inflation * 100).astype(np.int64)
    f["_uown"] = u[:, 1]
    f["_uamt"] = rng.random((n, 4))
    own = _ownpay_share(world, f, level, ~np.full(n, elsewhere)) * 0.8
    f["_own_shift"] = np.zeros(n)
    f["_level"] = level
    return f, medfee, own


def finish_outpatient(world: World, f, medfee, own, elsewhere: bool) -> dict:
    n = len(f["kind"])
    _apply_amounts(world, f, medfee, own + f["_own_shift"], f["_level"], np.full(n, elsewhere))
    _drop_private(f)
    return f


def pharmacy_frame(world: World, month: Month, rng, inst: np.ndarray) -> dict:
    n = len(inst)
    f = new_frame(n)
    f["kind"][:] = KIND_RX
    f["inst"] = inst
    f["person"] = world.pop.sample(rng, month.index, np.full(n, 0.45))
    f["med_type"], f["clr_type"] = np.full(n, "41"), np.full(n, "41")
    day = rng.integers(0, month.days, n)
    f["setl"] = _times(rng, month.start, day, 8, 21.5)
    f["begn"] = f["end"] = f["setl"].astype("datetime64[D]")
    inflation = (1 + INFLATION) ** month.years_since_start
    medfee = np.round(RX_MEAN * rng.lognormal(-0.3, 0.75, n) * inflation * 100).astype(np.int64)
    f["_uamt"] = rng.random((n, 4))
    own = 0.12 * (0.3 + 1.4 * rng.random(n))
    _apply_amounts(world, f, medfee, own, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool))
    _drop_private(f)
    return f


def elsewhere_institutions(world: World, rng, n: int) -> np.ndarray:
    city = rng.choice(len(FOREIGN_SHARE), n, p=FOREIGN_SHARE / FOREIGN_SHARE.sum())
    per_city = len(world.foreign.code) // len(FOREIGN_SHARE)
    return city * per_city + rng.integers(0, per_city, n)


def home_city_institutions(world: World, person: np.ndarray, inst: np.ndarray) -> np.ndarray:
    """A person living elsewhere is treated in the city they live in: the drawn institution keeps
    its rank within its city but moves to the person's city (city shares as FOREIGN_SHARE)."""
    per_city = len(world.foreign.code) // len(FOREIGN_SHARE)
    cum = np.cumsum(FOREIGN_SHARE / FOREIGN_SHARE.sum())
    u = ((person * 2246822519 + 3) % 10007) / 10007.0
    city = np.minimum(np.searchsorted(cum, u, side="right"), len(FOREIGN_SHARE) - 1)
    return city * per_city + inst % per_city


def add_refunds_and_invalid(f: dict, rng, month: Month, protect_tagged: bool = True) -> dict:
    """Mirror a small share of rows as refunds later in the month; mark a few rows invalid.

    Rows changed by an anomaly are spared when `protect_tagged` (so its counts stay exact);
    blocks whose anomaly only changes amounts pass False, so that the number of refunds, and
    with it every later setl_id, is the same with and without anomalies.
    """
    from .frames import take

    n = len(f["kind"])
    if n == 0:
        return f
    u = rng.random((n, 3))
    setl_day = (f["setl"].astype("datetime64[D]") - month.start).astype(np.int64)
    free = (f["tag"] == 0) if protect_tagged else np.ones(n, dtype=bool)
    can = (f["refd"] == 0) & (f["vali"] == 1) & (setl_day <= month.days - 6) & free
    refund_src = np.flatnonzero(can & (u[:, 0] < REFUND_SHARE))
    invalid = ~np.isin(np.arange(n), refund_src) & (u[:, 1] < INVALID_SHARE) & free
    f["vali"] = np.where(invalid, 0, f["vali"]).astype(np.int8)
    if len(refund_src) == 0:
        return f
    r = take(f, refund_src)
    for k in MONEY_COLUMNS:
        r[k] = -r[k]
    r["refd"][:] = 1
    r["orig_pos"] = refund_src
    shift = (86400 * (1 + (u[refund_src, 2] * 4).astype(np.int64)) + 3600).astype("timedelta64[s]")
    r["setl"] = r["setl"] + shift
    r["special"][:] = -1
    r["qc"][:] = -1
    # refunds are appended after their originals, so orig_pos stays valid
    return {k: np.concatenate([f[k], r[k]]) for k in f}
