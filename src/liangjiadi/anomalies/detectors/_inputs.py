"""Shared inputs of the volume, ratio and person-level detectors.

Windows: the detectors judge the 12 months ending at the period ("近12个月"), and compare with
the 12 months before where a pattern is about change. One month of a small institution is too
noisy to name anyone; a year is what the handbook's 一年内 / 同比 refer to.

Everything here is read once per run (memoised on the context) and shared: one Ibis aggregate
of the settlements per institution and month, and the fixmedins history (beds, kind, ownership,
coordinates) as small pandas frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from ...indicators.institutions import institutions_as_of
from ...period import shift, span

WINDOW_MONTHS = 12
MIN_COMPARABLE_MONTHS = 3  # a shorter year-over-year window says too little


def memo(ctx, key, build):
    """Compute once per run; uses the context's memo where the framework offers one."""
    if hasattr(ctx, "memo"):
        return ctx.memo(("pdet",) + tuple(key), build)
    store = ctx.__dict__.setdefault("_pdet_memo", {})
    if key not in store:
        store[key] = build()
    return store[key]


@dataclass(frozen=True)
class Windows:
    current: list[str]  # the 12 months ending at the period
    base: list[str]  # the 12 months before them
    present: frozenset[str]  # months of the region that have settlements

    @property
    def current_present(self) -> list[str]:
        return [p for p in self.current if p in self.present]

    @property
    def base_present(self) -> list[str]:
        return [p for p in self.base if p in self.present]

    @property
    def has_base(self) -> bool:
        """A year-on-year comparison needs (nearly) a full base year: at most one month missing."""
        return len(self.base_present) >= WINDOW_MONTHS - 1

    def comparison(self, min_months: int = MIN_COMPARABLE_MONTHS, min_current: int = 6) -> Comparison | None:
        """The year-over-year window to use: the 12 months and the 12 before when (nearly) all
        are there; otherwise the longest run of months ending at the period whose months and
        last-year months are all present (a region starting this year has 12-18 months)."""
        if self.has_base and len(self.current_present) >= min_current:
            return Comparison(self.current_present, self.base_present, full=True)
        k = 0
        for m in reversed(self.current):
            if m in self.present and shift(m, -WINDOW_MONTHS) in self.present:
                k += 1
            else:
                break
        if k < min_months:
            return None
        cur = self.current[-k:]
        return Comparison(cur, [shift(m, -WINDOW_MONTHS) for m in cur], full=False)

    def no_comparison_reason(self, min_months: int = MIN_COMPARABLE_MONTHS) -> str:
        """Why there is no year-over-year window (Chinese, for the run's coverage)."""
        present = sorted(self.present)
        have = f"数据湖现有 {present[0]} 至 {present[-1]} 共 {len(present)} 个月" if present else "数据湖没有结算数据"
        return (f"历史数据不足：同比需要截至 {self.current[-1]} 至少连续 {min_months} 个月且上年同月都有结算数据"
                f"（{have}）")


@dataclass(frozen=True)
class Comparison:
    current: list[str]  # months of the window, ending at the period
    base: list[str]  # the same months a year before
    full: bool  # the 12-month window (else the longest window the history allows)

    @property
    def months(self) -> int:
        return len(self.current)

    @property
    def label(self) -> str:
        """'近12个月' or '近6个月（2025-01至2025-06）' for a sentence."""
        if self.full:
            return "近12个月"
        return f"近{self.months}个月（{self.current[0]}至{self.current[-1]}）"

    def evidence(self) -> dict:
        return {"window_months": self.months, "window": f"{self.current[0]}..{self.current[-1]}",
                "base_window": f"{self.base[0]}..{self.base[-1]}", "full_year": int(self.full)}

    def note(self, ctx) -> None:
        from ..coverage import window_text

        if hasattr(ctx, "note"):
            ctx.note(window=window_text(self.current, self.base), window_months=self.months)


def params(ctx, pattern: str) -> dict:
    """The thresholds in force for `pattern`: the context's (with the region's overrides), else
    the registry's defaults."""
    if hasattr(ctx, "params"):
        return ctx.params(pattern)
    from ..registry import DETECTORS

    return DETECTORS[pattern].param_values()


def note(ctx, **facts) -> None:
    if hasattr(ctx, "note"):
        ctx.note(**facts)


def windows(ctx) -> Windows:
    def build():
        if hasattr(ctx, "periods_present"):
            present = ctx.periods_present("setl_d")
        else:
            from ... import lake

            present = {p for a, p in lake.partitions(ctx.engine.workdir, "setl_d") if a == ctx.region}
        cur = span(shift(ctx.period, -(WINDOW_MONTHS - 1)), ctx.period)
        base = span(shift(ctx.period, -(2 * WINDOW_MONTHS - 1)), shift(ctx.period, -WINDOW_MONTHS))
        return Windows(cur, base, frozenset(present))

    return memo(ctx, ("windows",), build)


def _valid(s):
    return (s.vali_flag == "1") | s.vali_flag.isnull()


def _not_refund(s):
    return (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull()


def monthly_volumes(ctx) -> pd.DataFrame:
    """Per local institution and month of the two windows: discharges (ipt), outpatient visits
    (otp, neither inpatient nor pharmacy), bed-days of the discharges, and the outpatient +
    inpatient 医疗费总额 and 全自费金额 (net of refunds). All insured persons, local and
    visiting: the patterns are about what the institution does, whoever pays."""

    def build():
        w = windows(ctx)
        ipt_types = [str(x) for x in ctx.settings.inpatient_med_types]
        rx_types = [str(x) for x in ctx.settings.pharmacy_med_types]
        s = ctx.table("setl_d")
        s = s.filter(s.period.isin(w.base + w.current), _valid(s), s.fix_blng_admdvs.isin(ctx.settings.own_admdvs(ctx.region)))
        is_ipt = s.med_type.isin(ipt_types)
        is_otp = ~is_ipt & ~s.med_type.isin(rx_types)
        counted = _not_refund(s)
        los = ibis.greatest(s.enddate.delta(s.begndate, unit="day"), 0)
        agg = s.group_by([s.fixmedins_code, s.period]).aggregate(
            ipt=ibis.ifelse(is_ipt & counted, 1, 0).sum(),
            otp=ibis.ifelse(is_otp & counted, 1, 0).sum(),
            bed_days=ibis.ifelse(is_ipt & counted, los, 0).sum(),
            medfee=ibis.ifelse(is_ipt | is_otp, s.medfee_sumamt, 0).sum(),
            ownpay=ibis.ifelse(is_ipt | is_otp, s.fulamt_ownpay_amt, 0).sum(),
        )
        df = ctx.run(agg).to_pandas()
        for c in ("ipt", "otp", "bed_days"):
            df[c] = df[c].fillna(0).astype("int64")
        for c in ("medfee", "ownpay"):
            df[c] = df[c].astype("float64").fillna(0.0)
        return df

    return memo(ctx, ("monthly_volumes",), build)


def window_totals(ctx, periods: list[str]) -> pd.DataFrame:
    """Sums of `monthly_volumes` over `periods`, indexed by fixmedins_code."""
    df = monthly_volumes(ctx)
    cols = ["ipt", "otp", "bed_days", "medfee", "ownpay"]
    return df[df.period.isin(periods)].groupby("fixmedins_code")[cols].sum()


def hospitals_as_of(ctx, period: str) -> pd.DataFrame:
    """Local hospitals (fixmedins_type 1) as they stood at `period` (indicators/institutions.py).
    Index fixmedins_code; columns name, level_group, kind, ownership, beds, lon, lat."""

    def build():
        insts = [i for i in institutions_as_of(ctx.engine, period, ctx.settings.own_admdvs(ctx.region)).values() if i.fixmedins_type == "1"]
        index = pd.Index([i.code for i in insts], name="fixmedins_code", dtype=object)
        return pd.DataFrame({
            "name": [i.name or i.code for i in insts],
            "level_group": [i.level_group for i in insts],
            "kind": [i.kind or "" for i in insts],
            "ownership": [i.ownership or "" for i in insts],
            "beds": pd.to_numeric(pd.Series([i.bed_cnt for i in insts], dtype=object), errors="coerce").to_numpy(),
            "lon": pd.to_numeric(pd.Series([i.lon for i in insts], dtype=object), errors="coerce").to_numpy(),
            "lat": pd.to_numeric(pd.Series([i.lat for i in insts], dtype=object), errors="coerce").to_numpy(),
        }, index=index)

    return memo(ctx, ("hospitals_as_of", period), build)
