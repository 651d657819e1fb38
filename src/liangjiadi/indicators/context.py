"""The computing context of one run: period windows, the institutions, and the shared
aggregates every indicator family reads.

Speed rule: the lake is scanned once per grouping, not once per indicator. Each `base_*`
property is ONE Ibis aggregate expression over the lake (engine-neutral: DuckDB or PySpark),
executed once and kept as a small Arrow table (institutions x categories). Indicator functions
then select from these aggregates and do the division in exact Decimal arithmetic, so money
stays exact to the fen and ratios to 1e-10 on every backend.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import cached_property

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from .. import lake
from ..config import Settings
from ..engine import region_has_data, region_partitions
from ..period import Period, shift, span
from .institutions import institutions_as_of
from ..schema.institution import Institution
from ..schema.codes import EMPLOYEE_INSUTYPES, RESIDENT_INSUTYPES

Q10 = Decimal("1e-10")
ZERO = Decimal(0)
# 60 significant digits, halves to even: every division and the rounding to 1e-10 (one context
# object, not a `localcontext` per value: compute makes ~40 thousand of them on a large city)
EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN)

# 参保人数 (psn_count) counts people once: the basic schemes only. 320/330/370 (补助/大额/
# 补充) and 392 (大病) cover the same people as 310/390 and would double-count them.
PSN_EMPLOYEE = ("310",)
PSN_RESIDENT = ("380", "390", "391")


# ---- exact arithmetic -------------------------------------------------------------------


def dec(x) -> Decimal:
    if x is None:
        return ZERO
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        return Decimal(repr(x))
    return Decimal(x)


def q(x: Decimal | None) -> Decimal | None:
    """Round to the results precision (1e-10)."""
    if x is None:
        return None
    return x.quantize(Q10, context=EXACT)


def div(num: Decimal, den: Decimal) -> Decimal:
    return q(EXACT.divide(num, den))


# ---- the context ------------------------------------------------------------------------


class Ctx:
    def __init__(self, engine, settings: Settings, period: str, region: str):
        self.engine = engine
        self.settings = settings
        month = Period.parse(period)
        self.period = str(month)
        self.region = region
        self.own = settings.own_admdvs(region)  # the region's code and its counties (本地)
        self.year = month.year
        self.prev = str(month.shift(-1))
        self.ytd = month.year_to_date().month_keys
        self.half = month.half_to_date()
        self.months = [self.period]  # the months the grouped-case indices read (a window: window.py)
        self.inpatient = [str(x) for x in settings.inpatient_med_types]
        self.pharmacy = [str(x) for x in settings.pharmacy_med_types]
        self._listed: dict[str, frozenset[tuple[str, str]]] = {}
        self._started: dict[str, object] = {}  # base aggregates running in the background (`start_scans`)

    def scope(self, name: str) -> tuple[str, ...]:
        """The lake partitions (admdvs) that hold this region's rows of a table."""
        return region_partitions(self.settings, self.region, name)

    def table(self, name: str, periods: list[str] | None = None):
        """The region's rows of a lake table (of `periods` only, when given): the engine reads
        only those partitions' files, never another region's."""
        return self.engine.table(name, regions=self.scope(name), periods=periods)

    def run(self, expr, *, reads: str | None = None) -> pa.Table:
        """Execute an aggregate. `reads`: the one table the expression starts from; when the
        region has no data in it the (empty) answer is known without a query, which on Spark
        costs a job or two each."""
        if reads is not None and not self.has_data(reads):
            return expr.schema().to_pyarrow().empty_table()
        return self.engine.to_pyarrow(expr)

    def has_data(self, table: str) -> bool:
        """Whether the region has rows of `table`: engine.region_has_data (the one answer),
        over this run's listing of the table."""
        return region_has_data(self.engine.workdir, self.settings, self.region, table,
                               listed=self._partitions(table))

    def has_partition(self, table: str, period: str) -> bool:
        return (self.region, period) in self._partitions(table)

    def _partitions(self, table: str) -> frozenset[tuple[str, str]]:
        """The lake's partitions of a table, listed once per run."""
        if table not in self._listed:
            self._listed[table] = frozenset(lake.partitions(self.engine.workdir, table))
        return self._listed[table]

    # -- institutions (fixmedins as of P) ---------------------------------------------------

    @cached_property
    def fixmedins(self) -> dict[str, Institution]:
        """The region's institutions as of P."""
        return institutions_as_of(self.engine, self.period, self.scope("fixmedins"))

    @cached_property
    def hospitals(self) -> list[str]:
        """Every local 定点医疗机构 (type 1, as of P), plus any other code with local
        outpatient/inpatient settlements in P that is not a known pharmacy."""
        codes = {c for c, r in self.fixmedins.items() if r.fixmedins_type == "1"}
        seen = self.setl_select("n", periods=[self.period], kinds=("ipt", "otp"), linst=("1",))[1]
        for c in seen:
            if c is not None and getattr(self.fixmedins.get(c), "fixmedins_type", None) != "2":
                codes.add(c)
        return sorted(codes)

    def is_drg(self, code: str) -> bool:
        return getattr(self.fixmedins.get(code), "drg_dip_flag", None) == "1"

    # -- settlements: one pass over setl_d ----------------------------------------------------

    @cached_property
    def setl_periods(self) -> list[str]:
        return sorted(set(self.ytd) | set(self.half) | {self.prev})

    def settlements(self, periods: list[str]):
        """The region's valid settlement rows of `periods` (an Ibis table): the one definition
        the indicators, the analyses and the province submission read."""
        return _valid(self.table("setl_d", periods=periods))

    def kind(self, t):
        """住院 / 药店 / 门诊 of each settlement row as an Ibis column (the analyses group by it in
        the engine; `base_setl` applies the same rule to its small aggregate, in `_kinds`)."""
        return ibis.cases(
            (t.med_type.isin(self.inpatient), "ipt"),
            (t.med_type.isin(self.pharmacy), "pharm"),
            else_="otp",
        )

    def _kinds(self, med_type: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.if_else(_member(med_type, self.inpatient), "ipt",
                          pc.if_else(_member(med_type, self.pharmacy), "pharm", "otp"))

    @cached_property
    def base_setl(self) -> pa.Table:
        """Settlements of P-1 .. P and Jan .. P in one aggregate:
        period x institution (local institutions only) x local-insured x kind x scheme,
        with 人次 (non-refund rows), net medfee, net 全自费, net hifp_pay.

        The engine groups by the raw codes (as cheap as a plain scan: no per-row CASE over
        millions of rows); kinds and schemes are then read off the small aggregate. When every
        partition read has its rollup (rollup.py, written at ingest: the same raw codes, counted
        and summed per partition), the rollups are regrouped instead of scanning the rows: the
        same groups and the same exact sums, from thousands of rows instead of millions."""
        raw = self._scan("base_setl", self._setl_aggregate)
        local_inst = pc.fill_null(raw["linst"], False)
        schemes = pc.if_else(_member(raw["insutype"], EMPLOYEE_INSUTYPES), "emp",
                             pc.if_else(_member(raw["insutype"], RESIDENT_INSUTYPES), "res", "oth"))
        fine = pa.table({
            "period": raw["period"],
            "inst": pc.if_else(local_inst, raw["fixmedins_code"], pa.scalar(None, pa.string())),
            "linst": pc.if_else(local_inst, "1", "0"),
            "lins": pc.if_else(pc.fill_null(raw["lins"], False), "1", "0"),
            "kind": self._kinds(raw["med_type"]),
            "scheme": schemes,
            "n": pc.if_else(raw["nr"], raw["rows"], 0),
            "medfee": raw["medfee"], "ownpay": raw["ownpay"], "hifp": raw["hifp"],
        })
        return _regroup(fine, ["period", "inst", "linst", "lins", "kind", "scheme"],
                        ["n", "medfee", "ownpay", "hifp"])

    def _setl_aggregate(self):
        t = self._setl_rollup()
        if t is None:
            t = self.settlements(self.setl_periods)
            count = t.count()
        else:
            count = t.rows.sum()
        return t.group_by(
            "period", "fixmedins_code", "med_type", "insutype",
            linst=t.fix_blng_admdvs.isin(self.own),
            lins=t.insu_admdvs.isin(self.own),
            nr=(t.refd_setl_flag == "0") | t.refd_setl_flag.isnull(),
        ).aggregate(
            rows=count,
            medfee=t.medfee_sumamt.sum(),
            ownpay=t.fulamt_ownpay_amt.sum(),
            hifp=t.hifp_pay.sum(),
        )

    def _setl_rollup(self):
        """The valid rows of the settlement rollups of exactly the partitions `settlements`
        reads (this region, setl_periods), or None when one of them has no rollup."""
        t = self.engine.rollup("setl_d", regions=self.scope("setl_d"), periods=self.setl_periods)
        if t is None:
            return None
        return _valid(t)  # the same rule as `settlements`, on the rollup's raw vali_flag

    def setl_select(self, measure: str, *, periods, kinds=None, linst=None, lins=None,
                    schemes=None) -> tuple[Decimal, dict[str | None, Decimal]]:
        """(region total, {institution: total}) of a base_setl measure for a selection."""
        return select_sum(self.base_setl, measure, "inst", period=periods, kind=kinds,
                          linst=linst, lins=lins, scheme=schemes)

    # -- inpatient cases with their list and 特例单议 application -----------------------------

    def inpatient_cases(self, periods: list[str]):
        """Non-refund valid inpatient settlements at local institutions in `periods`, each with
        its 结算清单 (质控, 入组, group, days, weight) and 特例单议 flags (an Ibis table)."""
        s = self.settlements(periods)
        s = s.filter(
            s.fix_blng_admdvs.isin(self.own),
            s.med_type.isin(self.inpatient),
            (s.refd_setl_flag == "0") | s.refd_setl_flag.isnull(),
        ).select("setl_id", "period", "fixmedins_code", "setl_pay_way", "medfee_sumamt", "hifp_pay")
        lt = self.table("setl_list")
        code = lt.grp_code.strip().upper()
        lst = lt.select(
            l_setl_id=lt.setl_id,
            l_qc=(lt.qc_pass_flag == "1").ifelse(1, 0),
            l_grouped=(
                lt.grp_code.notnull() & (code != "") & ~code.startswith("QY") & (code != "0000")
            ).ifelse(1, 0),
            grp_type=lt.grp_type,
            grp_code=code,
            act_ipt_days=lt.act_ipt_days,
            grp_weight=lt.grp_weight,
        )
        st = self.table("special_case")
        sc = st.select(
            c_setl_id=st.setl_id,
            c_ok=(st.audit_result == "1").ifelse(1, 0),
        )
        j = s.left_join(lst, s.setl_id == lst.l_setl_id).left_join(sc, s.setl_id == sc.c_setl_id)
        return j.mutate(
            has_list=j.l_setl_id.notnull().ifelse(1, 0),
            qc=j.l_qc.fill_null(0),
            grouped=j.l_grouped.fill_null(0),
            sc_app=j.c_setl_id.notnull().ifelse(1, 0),
            sc_ok=j.c_ok.fill_null(0),
            pay_way=j.setl_pay_way.fill_null("none"),
        )

    def start_scans(self) -> None:
        """Start the month's two scans of the settlements, `base_setl` and `base_inpatient` (the
        latter joined to the lists: a month's largest query), in the background (Engine.submit):
        they run while this thread reads the small tables and computes the first families.
        Nothing is started when setl_d has no data."""
        if not self.has_data("setl_d"):
            return
        for name, aggregate in (("base_inpatient", self._inpatient_aggregate), ("base_setl", self._setl_aggregate)):
            if name not in self.__dict__ and name not in self._started:
                self._started[name] = self.engine.submit(aggregate())

    def _scan(self, name: str, aggregate) -> pa.Table:
        """A base aggregate over setl_d: the started one's result, or run now."""
        started = self._started.pop(name, None)
        if started is not None:
            return started.result()
        return self.run(aggregate(), reads="setl_d")

    @cached_property
    def base_inpatient(self) -> pa.Table:
        """ONE joined aggregate behind `base_cases` and `base_groups` (each would otherwise scan
        setl_d and join the lists again): months of the half-year window, P and the index months,
        by institution x 结算方式 x list/质控/入组/特例单议 flags, and for the grouped cases of the
        index months also by DRG/DIP group (g_code is null on every other row)."""
        return self._scan("base_inpatient", self._inpatient_aggregate)  # the join starts from the settlements

    def _inpatient_aggregate(self):
        j = self.inpatient_cases(sorted(set(self.half) | {self.period} | set(self.months)))
        marked = (j.grouped == 1) & j.period.isin(self.months)
        agg = j.group_by(
            "period", "fixmedins_code", "pay_way", "has_list", "qc", "grouped", "sc_app", "sc_ok",
            g_type=marked.ifelse(j.grp_type, ibis.null("string")),
            g_code=marked.ifelse(j.grp_code, ibis.null("string")),
        ).aggregate(
            n=j.count(),
            n_days=j.act_ipt_days.count(),
            days=j.act_ipt_days.sum(),
            cost=j.medfee_sumamt.sum(),
            n_w=j.grp_weight.count(),
            w=j.grp_weight.cast("decimal(20,4)").sum(),
        )
        return agg

    @cached_property
    def base_cases(self) -> pa.Table:
        """Non-refund valid inpatient settlements at local institutions, months of the
        half-year window and P, by institution x 结算方式 x list/质控/入组/特例单议 flags."""
        t = self.base_inpatient
        t = t.filter(pc.is_in(t["period"], value_set=pa.array(sorted(set(self.half) | {self.period}))))
        keys = ["period", "fixmedins_code", "pay_way", "has_list", "qc", "grouped", "sc_app", "sc_ok"]
        return _regroup(t, keys, ["n"])

    @cached_property
    def base_groups(self) -> pa.Table:
        """Grouped (入组) cases of P (or of the window's months) by institution x DRG/DIP group:
        cases, 住院日, 费用, 权重."""
        t = self.base_inpatient
        t = t.filter(pc.is_valid(t["g_code"]))
        t = t.rename_columns(["grp_type" if c == "g_type" else "grp_code" if c == "g_code" else c
                              for c in t.column_names])
        return _regroup(t, ["fixmedins_code", "grp_type", "grp_code"], ["n", "n_days", "days", "cost", "n_w", "w"])

    def cases_select(self, *, periods, **conds) -> tuple[Decimal, dict[str, Decimal]]:
        conds = {k: v for k, v in conds.items()}
        return select_sum(self.base_cases, "n", "fixmedins_code", period=periods, **conds)

    # -- small tables -------------------------------------------------------------------------

    @cached_property
    def fund(self) -> dict[tuple[str, str, str], Decimal]:
        """fund_report amounts (cumulative year-to-date) for P-12 .. P: (period, fund, item)."""
        t = self.table("fund_report")
        t = t.filter(t.period.isin(span(shift(self.period, -12), self.period)))
        agg = t.group_by(["period", "fund", "item"]).aggregate(amount=t.amount.sum())
        return {(r["period"], r["fund"], r["item"]): dec(r["amount"]) for r in self.run(agg, reads="fund_report").to_pylist()}

    @cached_property
    def psn(self) -> dict[tuple[str, str], int]:
        t = self.table("psn_count")
        t = t.filter(t.period.isin(sorted(set(self.half) | {self.period})))
        agg = t.group_by(["period", "insutype"]).aggregate(n=t.psn_cnt.sum())
        return {(r["period"], r["insutype"]): int(r["n"] or 0) for r in self.run(agg, reads="psn_count").to_pylist()}

    def insured(self, period: str, insutypes=PSN_EMPLOYEE + PSN_RESIDENT) -> int | None:
        vals = [v for (p, it), v in self.psn.items() if p == period and it in insutypes]
        return sum(vals) if vals else None

    @cached_property
    def clr(self) -> pa.Table:
        t = self.table("clr_result")
        t = t.filter(t.period.isin(self.ytd))
        return self.run(t.group_by("fixmedins_code").aggregate(
            declared=t.declared_amt.sum(), paid=t.paid_amt.sum()), reads="clr_result")

    @cached_property
    def budget(self) -> dict[str, Decimal]:
        t = self.table("budget")
        t = t.filter(t.year == self.year + 1)
        return {r["item"]: dec(r["amount"]) for r in
                self.run(t.group_by("item").aggregate(amount=t.amount.sum()), reads="budget").to_pylist()}

    @cached_property
    def external(self) -> list[dict]:
        t = self.table("external")
        t = t.filter(t.period == self.period)
        return self.run(t.select("indicator_id", "fixmedins_code", "value"), reads="external").to_pylist()


def select_sum(tbl: pa.Table, measure: str, key: str, **conds) -> tuple[Decimal, dict]:
    mask = None
    for col, allowed in conds.items():
        if allowed is None:
            continue
        allowed = [allowed] if isinstance(allowed, (str, int)) else list(allowed)
        m = pc.is_in(tbl[col], value_set=pa.array(allowed, type=tbl.schema.field(col).type))
        mask = m if mask is None else pc.and_(mask, m)
    sub = tbl.filter(mask) if mask is not None else tbl
    if sub.num_rows == 0:
        return ZERO, {}
    total = dec(pc.sum(sub[measure]).as_py())
    grouped = sub.group_by(key, use_threads=False).aggregate([(measure, "sum")])
    by = {k: dec(v) for k, v in zip(grouped[key].to_pylist(), grouped[f"{measure}_sum"].to_pylist())}
    return total, by


def _valid(t):
    """Valid settlement rows (vali_flag '1' or missing), of setl_d or of its rollup."""
    return t.filter((t.vali_flag == "1") | t.vali_flag.isnull())


def _member(col: pa.ChunkedArray, codes) -> pa.ChunkedArray:
    """col IN codes, a null code being in none (as SQL's CASE WHEN NULL IN (...) falls through)."""
    return pc.fill_null(pc.is_in(col, value_set=pa.array(list(codes), type=pa.string())), False)


def _regroup(tbl: pa.Table, keys: list[str], measures: list[str]) -> pa.Table:
    """Sum measures of an engine aggregate over fewer keys (exact: Arrow sums decimals exactly)."""
    out = tbl.group_by(keys, use_threads=False).aggregate([(m, "sum") for m in measures])
    return pa.table([out[k] for k in keys] + [out[f"{m}_sum"] for m in measures], names=keys + measures)
