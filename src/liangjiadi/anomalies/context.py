"""What detectors read: institutions as of the period, case tables and stored results.

Detectors never see raw person numbers in their output: `psn_no` in the lake is already a
keyed token, and findings carry counts and anonymous cluster ids only.
"""

from __future__ import annotations

from functools import cached_property

import ibis
import pyarrow as pa

from ..config import Settings
from ..indicators import compute as compute_indicators
from ..indicators.context import Ctx
from ..indicators.results import load_results
from ..period import shift, span
from ..schema.institution import Institution


class DetectContext:
    def __init__(self, engine, settings: Settings, period: str, region: str, *, overrides=None):
        self.engine = engine
        self.settings = settings
        self.period = period
        self.region = region
        self.own = settings.own_admdvs(region)  # the region's code and its counties (本地)
        self.overrides = overrides  # detectors.yaml named on the command line (else the settings' one)
        self.coverage = None  # the Coverage of the detector running now (set by the runner)
        self.ictx = Ctx(engine, settings, period, region)
        self.last_year = shift(period, -12)
        self.prev = shift(period, -1)
        self._case_cache: dict[tuple, pa.Table] = {}

    @cached_property
    def detectors(self) -> dict:
        """pattern -> Detector in force: built-ins with the region's overrides, and its own."""
        from .tuning import load_detectors

        return load_detectors(self.settings, self.overrides)

    def params(self, pattern: str) -> dict:
        """The thresholds in force for `pattern` (defaults, or the region's configured values)."""
        return self.detectors[pattern].param_values()

    def detector_name(self, pattern: str) -> str:
        det = self.detectors.get(pattern)
        return det.name if det else pattern

    def note(self, **facts) -> None:
        """Record what the running detector examined (institutions, peers, window ...)."""
        if self.coverage is not None:
            self.coverage.note(**facts)

    @property
    def institutions(self) -> dict[str, Institution]:
        """The region's institutions as of the period (indicators/institutions.py)."""
        return self.ictx.fixmedins

    def level_of(self, code: str | None) -> str | None:
        inst = self.institutions.get(code or "")
        return inst.level_group if inst else None

    def memo(self, key, build):
        """A value computed once per run and shared by detectors (e.g. the case frame)."""
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = build()
        return memo[key]

    def table(self, name: str, periods: list[str] | None = None):
        """The region's rows of a lake table (of `periods` only, when given): only its own
        partitions are read (Ctx.table)."""
        return self.ictx.table(name, periods=periods)

    def run(self, expr) -> pa.Table:
        return self.engine.to_pyarrow(expr)

    def months(self, first: str, last: str) -> list[str]:
        return span(first, last)

    def inpatient_cases(self, periods: list[str], local_insured_only: bool = False) -> pa.Table:
        """Valid, non-refund inpatient settlements at local institutions in `periods`, with their
        settlement list (grouping, diagnosis, LOS) where one was uploaded.

        Kept per run: several detectors read the same two years of cases."""
        key = (tuple(sorted(periods)), local_insured_only)
        if key not in self._case_cache:
            self._case_cache[key] = self._inpatient_cases(periods, local_insured_only)
        return self._case_cache[key]

    def _inpatient_cases(self, periods: list[str], local_insured_only: bool) -> pa.Table:
        s = self.table("setl_d")
        s = s.filter(
            s.period.isin(periods),
            (s.vali_flag == "1") | s.vali_flag.isnull(),
            (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull(),
            s.med_type.isin([str(x) for x in self.settings.inpatient_med_types]),
            s.fix_blng_admdvs.isin(self.own),
        )
        if local_insured_only:
            s = s.filter(s.insu_admdvs.isin(self.own))
        lst = self.table("setl_list").select(
            "setl_id", "grp_type", "grp_code", "grp_weight", "maindiag_code", "main_oprn_code",
            "act_ipt_days", "adm_time", "dscg_time", "qc_pass_flag",
        )
        j = s.left_join(lst, s.setl_id == lst.setl_id)
        return self.run(j.select(
            s.period, s.setl_id, s.fixmedins_code, s.psn_no, s.insutype, s.insu_admdvs, s.med_type,
            s.begndate, s.enddate, s.setl_time, s.medfee_sumamt, s.fulamt_ownpay_amt, s.hifp_pay,
            s.setl_pay_way, lst.grp_type, lst.grp_code, lst.grp_weight, lst.maindiag_code,
            lst.main_oprn_code, lst.act_ipt_days, lst.adm_time, lst.dscg_time,
        ))

    def settlements(self, periods: list[str], columns: list[str]) -> pa.Table:
        """Valid, non-refund settlements of any kind in `periods` (selected columns)."""
        s = self.table("setl_d")
        s = s.filter(
            s.period.isin(periods),
            (s.vali_flag == "1") | s.vali_flag.isnull(),
            (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull(),
        )
        return self.run(s.select(*columns))

    def results(self, period: str) -> pa.Table:
        """The stored indicator results of `period`, computed now if they never were."""
        found = load_results(self.engine.workdir, self.region, period)
        if found is None:
            found = compute_indicators(period, self.settings, engine=self.engine)
        return found

    def name_of(self, code: str | None) -> str:
        inst = self.institutions.get(code or "")
        return (inst.name if inst else None) or (code or "")

    def kind_of(self, code: str | None) -> str:
        inst = self.institutions.get(code or "")
        return (inst.kind if inst else None) or ""

    def periods_present(self, table: str = "setl_d") -> set[str]:
        """Periods of the region that have data in `table` (a comparison window needs them)."""
        from .. import lake

        return {p for a, p in lake.partitions(self.engine.workdir, table) if a == self.region}

    @cached_property
    def catalogue_groups(self) -> pa.Table:
        return self.run(self.table("grp_catalog"))


def literal_periods(periods: list[str]):
    return ibis.literal(periods)
