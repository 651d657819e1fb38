"""Shared pieces of the case-mix detectors (高套病组, 高靠诊断, 结构偏移, 费用差异, 基层病组,
低标入院): comparison windows, the inpatient case frame, peers, and the shift tests.

Windows: the *current* window is the 12 months ending at the period (rolling year, so a
detection in any month has a full year of cases), the *last-year* window the same months one
year earlier. Only months present in the lake count, and a year-over-year comparison uses only
months present in both years, so a region with one year of data still gets the peer tests.

Schemes: a DRG group's family is its ADRG (first three characters) and its severity the last
digit; a DIP 病种 (diagnosis + treatment, e.g. `I63.9::保守治疗`) belongs to the family of its
diagnosis, and its severity is the rank of its 分值 among the treatments of that diagnosis
(lowest "5", highest "1", any between "3", a lone treatment "9"), so that in DIP a severity
upcoding is a shift to a higher-分值 treatment of the same diagnosis and every case-mix
detector reads both schemes the same way.

Tests: a shift is tested as a difference in differences, the institution's change against its
peers' change over the same months, so a region-wide change (a new grouping version, a coding
campaign) does not name every hospital. All p-values of one detector and run are adjusted
together (Benjamini-Hochberg), which bounds the false findings when hundreds of
institution x group tests run at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..period import shift, span
from .stats import percentile_rank

# False-discovery rate of every case-mix detector (per detector and run).
FDR = 0.05
UNGROUPED = {"QY", "0000", ""}
SEVERITY_DIGITS = {"1", "3", "5", "9"}
SUBCODE_RE = re.compile(r"^[A-Z]\d{2}\.[0-9A-Zx]")
# a DIP 病种 code: the diagnosis, then the treatment after "::" (or ":" / "+" in some regions)
DIP_SEPARATOR_RE = r"::|:|："


def dip_family(codes: pd.Series) -> pd.Series:
    """The diagnosis part of DIP 病种 codes (the whole code when it has no treatment part)."""
    return codes.astype(str).str.split(DIP_SEPARATOR_RE, n=1, regex=True).str[0].str.strip()


def dip_severity(groups: pd.DataFrame) -> pd.Series:
    """Severity digit of each DIP 病种 (columns grp, family, weight; one row per 病种) from the
    rank of its 分值 within its diagnosis: the lowest treatment "5", the highest "1", those
    between "3", a diagnosis with one treatment (or no 分值) "9"."""
    out = pd.Series("9", index=groups.index, dtype=object)
    w = pd.to_numeric(groups.weight, errors="coerce")
    lo = w.groupby(groups.family).transform("min")
    hi = w.groupby(groups.family).transform("max")
    split = w.notna() & (hi > lo)
    out[split & (w <= lo)] = "5"
    out[split & (w >= hi)] = "1"
    out[split & (w > lo) & (w < hi)] = "3"
    return out


def dip_weight_scale(weights: pd.Series) -> float:
    """分值 per unit of relative weight. calibration.md defines 分值 as a relative weight (mean
    cost of the 病种 / mean cost of all cases, about 1); many regions publish it ×100 or ×1000.
    The scale is the power of ten nearest the median 分值 when that is clearly not about 1, so a
    threshold on weights (低标入院 RW ≤ 0.5) means the same in both."""
    w = pd.to_numeric(weights, errors="coerce").dropna()
    w = w[w > 0]
    if w.empty or w.median() < 20:
        return 1.0
    return float(10 ** round(math.log10(w.median())))


def scheme_words(is_dip: bool) -> dict[str, str]:
    """The words a finding uses for a case-mix family and its heavier members."""
    if is_dip:
        return {"family": "诊断", "unit": "病种", "heavier": "较高分值治疗方式", "lighter": "最低分值治疗方式",
                "weight": "分值"}
    return {"family": "ADRG", "unit": "病组", "heavier": "伴并发症或合并症", "lighter": "不伴并发症",
            "weight": "权重"}


# ---- windows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    current: list[str]  # months of the current window present in the lake
    yoy_current: list[str]  # current months whose last-year month is present too
    last_year: list[str]  # those last-year months

    @property
    def has_yoy(self) -> bool:
        return len(self.yoy_current) >= 6  # half a year at least, else no YoY test


def year_windows(ctx) -> Windows:
    def build():
        present = ctx.periods_present("setl_d")
        cur = [m for m in span(shift(ctx.period, -11), ctx.period) if m in present]
        yoy = [m for m in cur if shift(m, -12) in present]
        return Windows(cur, yoy, [shift(m, -12) for m in yoy])

    return ctx.memo("year_windows", build)


# ---- the case frame -----------------------------------------------------------------------


def case_frame(ctx) -> pd.DataFrame:
    """Inpatient cases of both windows at local institutions, one row per settlement:
    window (cur / last / both-year flags), institution, level, kind group, DRG group, ADRG,
    severity digit, RW, cost, diagnosis category and sub-code."""

    def build():
        w = year_windows(ctx)
        months = sorted(set(w.current) | set(w.last_year))
        if not months:
            return pd.DataFrame(columns=["fixmedins_code", "period"])
        t = ctx.inpatient_cases(months)
        df = t.select(["period", "fixmedins_code", "grp_type", "grp_code", "grp_weight", "maindiag_code",
                       "medfee_sumamt", "act_ipt_days"]).to_pandas()
        df = df[df.fixmedins_code.isin(list(ctx.institutions))].copy()
        df["cur"] = df.period.isin(w.current)
        df["cur_yoy"] = df.period.isin(w.yoy_current)
        df["last"] = df.period.isin(w.last_year)
        df["level"] = df.fixmedins_code.map(lambda c: ctx.level_of(c))
        df["kind_group"] = df.fixmedins_code.map(lambda c: kind_group(ctx.kind_of(c)))
        code = df.grp_code.fillna("").astype(str).str.strip().str.upper()
        scheme = df.grp_type.fillna("DRG").astype(str).str.strip().str.upper()
        grouped = ~code.isin(UNGROUPED) & ~code.str.startswith("QY")
        drg = (scheme == "DRG") & (code.str.len() == 4) & grouped
        dip = (scheme == "DIP") & grouped
        df["rw"] = pd.to_numeric(df.grp_weight, errors="coerce")
        df["dip"] = dip
        df["grp"] = code.where(drg | dip, None)
        df["adrg"] = code.str[:3].where(drg, dip_family(code).where(dip, None))
        df["sev"] = code.str[3].where(drg & code.str[3].isin(SEVERITY_DIGITS), None)
        if dip.any():
            cat = catalogue(ctx)
            scale = cat.attrs.get("dip_scale") or dip_weight_scale(df.loc[dip, "rw"])
            df.loc[dip, "rw"] = df.loc[dip, "rw"] / scale
            df.loc[dip, "sev"] = df.loc[dip, "grp"].map(_dip_severities(ctx, df[dip]))
        df["cost"] = pd.to_numeric(df.medfee_sumamt.astype("float64"), errors="coerce")
        diag = df.maindiag_code.fillna("").astype(str).str.strip().str.upper()
        ok = diag.str.match(SUBCODE_RE)
        df["category"] = diag.str[:3].where(ok, None)
        df["subcode"] = diag.str[:5].where(ok, None)
        return df.drop(columns=["grp_code", "grp_weight", "medfee_sumamt"])

    return ctx.memo("case_frame", build)


def _dip_severities(ctx, cases: pd.DataFrame) -> dict[str, str]:
    """病种 -> severity digit, ranked by the catalogue's 分值 (a 病种 missing from the
    catalogue by the median 分值 its cases were paid with)."""
    cat = catalogue(ctx)
    known = cat[cat.dip][["grp", "adrg", "weight"]].rename(columns={"adrg": "family"})
    seen = cases[~cases.grp.isin(set(known.grp))].groupby("grp").agg(family=("adrg", "first"), weight=("rw", "median"))
    groups = pd.concat([known, seen.reset_index()], ignore_index=True).drop_duplicates("grp")
    if groups.empty:
        return {}
    return dict(zip(groups.grp, dip_severity(groups)))


def kind_group(kind: str | None) -> str:
    """Peers of the same kind where the kind shapes the case mix: 专科 and 妇幼 apart,
    everything else (综合, 中医, 基层, unknown) together as 综合."""
    return kind if kind in ("专科", "妇幼") else "综合"


def peer_kinds(ctx) -> dict[str, str]:
    """code -> kind group for choosing peers; a 专科 hospital is compared only with
    specialists of the same main MDC (the first letter of most of its DRG groups), since an
    eye hospital and an orthopaedic one admit different cases by design."""

    def build():
        frame = case_frame(ctx)
        out = {c: kind_group(ctx.kind_of(c)) for c in ctx.institutions}
        if frame.empty:
            return out
        grouped = frame[frame.grp.notna()]
        for code, g in grouped.groupby("fixmedins_code"):
            if out.get(code) == "专科":
                out[code] = "专科" + g.grp.str[0].value_counts().idxmax()
        return out

    return ctx.memo("peer_kinds", build)


def catalogue(ctx) -> pd.DataFrame:
    """grp_catalog with family (adrg: the ADRG of a DRG group, the diagnosis of a DIP 病种),
    severity digit, weight (RW or 分值), pay standard, basic flag and whether it is DIP."""
    columns = ["grp", "adrg", "sev", "weight", "pay_std", "basic", "name", "dip"]

    def build():
        try:
            t = ctx.catalogue_groups.to_pandas()
        except Exception:  # noqa: BLE001 - a region without a catalogue: detectors fall back to the data
            return pd.DataFrame(columns=columns)
        scheme = t.grp_type.fillna("DRG").astype(str).str.strip().str.upper()
        t = t[scheme.isin(["DRG", "DIP"])].copy()
        t["dip"] = scheme[t.index] == "DIP"
        t["grp"] = t.grp_code.astype(str).str.strip().str.upper()
        t["adrg"] = t.adrg_code.fillna(t.grp.str[:3]).astype(str).str.upper()
        t["sev"] = t.grp.str[3]
        t["weight"] = pd.to_numeric(t.weight, errors="coerce")
        scale = None
        if t.dip.any():
            scale = dip_weight_scale(t.loc[t.dip, "weight"])
            t.loc[t.dip, "weight"] = t.loc[t.dip, "weight"] / scale
            dip = t[t.dip].copy()
            dip["family"] = dip_family(dip.grp)
            t.loc[t.dip, "adrg"] = dip.family
            t.loc[t.dip, "sev"] = dip_severity(dip)
        t["pay_std"] = pd.to_numeric(t.pay_std.astype("float64"), errors="coerce")
        t["basic"] = t.basic_grp_flag.astype(str) == "1"
        t["name"] = t.grp_name.fillna("")
        out = t[columns].drop_duplicates("grp")
        out.attrs["dip_scale"] = scale  # 分值 per unit of relative weight (None: no DIP rows)
        return out

    return ctx.memo("catalogue", build)


def adrg_names(ctx) -> dict[str, str]:
    """ADRG code -> name (the group name without its severity suffix)."""
    out: dict[str, str] = {}
    for r in catalogue(ctx).itertuples():
        # DRG: the name before its severity suffix; DIP: before "（diagnosis）：treatment"
        name = re.split(r"（|：" if r.dip else r"[，,]\s*(伴|不伴)", r.name or "")[0].strip()
        if name and (r.adrg not in out or len(name) < len(out[r.adrg])):
            out[r.adrg] = name
    return out


# ---- peers ------------------------------------------------------------------------------


def peer_position(value: float, peer_values: list[float]) -> tuple[float | None, float | None]:
    """(median of peers, percentile of value among peers and itself) — None without peers."""
    vals = [v for v in peer_values if v is not None and not math.isnan(v)]
    if not vals:
        return None, None
    return float(np.median(vals)), percentile_rank(value, vals + [value])


# ---- tests -------------------------------------------------------------------------------


def normal_sf(z: float) -> float:
    """P(Z > z) of a standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2))


@dataclass(frozen=True)
class MeanShift:
    """Summary of a case-level score in the two windows (mean, variance, cases)."""

    m1: float
    v1: float
    n1: int
    m0: float
    v0: float
    n0: int

    @property
    def delta(self) -> float:
        return self.m1 - self.m0

    @property
    def var(self) -> float:
        """Variance of the change (pooled variance within the group: H0 = no change)."""
        n = self.n1 + self.n0
        if self.n1 == 0 or self.n0 == 0:
            return 0.0
        pooled_mean = (self.m1 * self.n1 + self.m0 * self.n0) / n
        pooled = ((self.v1 + (self.m1 - pooled_mean) ** 2) * self.n1 +
                  (self.v0 + (self.m0 - pooled_mean) ** 2) * self.n0) / n
        return pooled * (1 / self.n1 + 1 / self.n0)


def did_test(own: MeanShift, peer: MeanShift | None) -> tuple[float, float, float]:
    """One-sided test that the own change exceeds the peers' change.

    Returns (peer change used, z, p). Without usable peers the peers' change is taken as 0
    with no variance (a plain year-over-year test)."""
    peer_delta, peer_var = 0.0, 0.0
    if peer is not None and peer.n1 and peer.n0:
        peer_delta, peer_var = peer.delta, peer.var
    var = own.var + peer_var
    if var <= 0:
        return peer_delta, float("nan"), 1.0
    z = (own.delta - peer_delta) / math.sqrt(var)
    return peer_delta, z, normal_sf(z)


# How many standard errors below the peers' own estimate their rise is counted (one-sided 97.5%).
PEER_RISE_Z = 1.96


def counted_peer_rise(delta: float, var: float, z: float = PEER_RISE_Z) -> float:
    """The part of the peers' rise that an institution's own rise must exceed: its lower
    confidence bound, never below 0. A region-wide shift of many cases counts almost in full;
    the chance swing of a few dozen peer cases (±10 points) does not cancel a real offender's rise."""
    if delta != delta or delta <= 0:
        return 0.0
    return max(0.0, delta - z * math.sqrt(max(var, 0.0)))


def proportion_test(x: int, n: int, px: int, pn: int) -> tuple[float, float]:
    """One-sided two-proportion z test that x/n exceeds px/pn (pooled); (z, p)."""
    if n == 0 or pn == 0:
        return float("nan"), 1.0
    p = (x + px) / (n + pn)
    se = math.sqrt(p * (1 - p) * (1 / n + 1 / pn))
    if se == 0:
        return float("nan"), 1.0
    z = (x / n - px / pn) / se
    return z, normal_sf(z)


# ---- formatting ----------------------------------------------------------------------------


def pct(x: float | None) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x * 100:.2f}%"


def signed_pct(x: float) -> str:
    return f"{'+' if x >= 0 else ''}{x * 100:.1f}%"


def yuan(x: float) -> str:
    return f"{x:,.0f} 元"


def num(x, digits: int = 4):
    """A float for the evidence JSON (None for NaN)."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else round(x, digits)
