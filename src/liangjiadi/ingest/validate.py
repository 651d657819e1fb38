"""Contract validation as DuckDB SQL over the staged (all-string) rows of one table.

Every rule is a boolean SQL condition on the raw text of a row; all of them are evaluated for
every row (lazy collection: nothing stops at the first failure). A row with any failure is
"bad"; for bad rows only, the failures are expanded into one quarantine line each.
Typed values are computed from the same text with exact casts (string -> DECIMAL(18,2)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import lake
from ..schema import SNAPSHOT_PERIOD, Table, code_table
from .plausibility import Plausibility
from .pseudonym import token_column
from .rules import RULES

# Rows the reader already marked bad (readers.py): one rule each, checked before the rest.
READER_RULES = ("bad_row", "truncated_row", "unbalanced_quote", "value_too_long",
                "numeric_identifier", "bad_encoding")

INT_RE = r"^(-?\d+)(\.0+)?$"
PERIOD_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
ADMDVS_RE = r"^\d{6}$"
YEAR_RE = r"^(\d{4})(\.0+)?$"
WITHHELD = "（形如证件号，不显示）"  # shown instead of a value that looks like a personal identifier


def lit(value: str | None) -> str:
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _nullable(constant: str) -> str:
    # A bare constant would be written as a NOT NULL Parquet column; the lake schema's
    # columns are all nullable, so tie the constant to a row column.
    return f"CASE WHEN _line IS NULL THEN NULL ELSE {constant} END"


def key_hash_sql(columns: list[str]) -> str:
    """A 64-bit hash of a row's key (candidates for the duplicate check, never the verdict)."""
    return f"hash({', '.join(columns)})"


# Keys grouped in one pass of the duplicate check per byte of duckdb_memory_limit: 10 million
# for 2 GB, so a city-year's 10^8 settlement IDs take 11 passes over the key column.
KEYS_PER_BYTE = 1 / 200


def key_passes(rows: int, memory_limit: str) -> int:
    """How many slices of the key-hash range keep each duplicate-check GROUP BY small."""
    per_pass = max(100_000, int(memory_bytes(memory_limit) * KEYS_PER_BYTE))
    return max(1, -(-rows // per_pass))


def memory_bytes(limit: str) -> int:
    """'2GB', '500MB', '1.5GiB' -> bytes (DuckDB's units: KB/MB/GB/TB are powers of 1000)."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)(i?)B?\s*", limit, re.IGNORECASE)
    if not m:
        return 8 * 10**9  # an unreadable limit is DuckDB's to refuse; assume the default
    base = 1024 if m.group(3) else 1000
    return int(float(m.group(1)) * base ** " KMGT".index(m.group(2).upper() or " "))


def date_sql(v: str) -> str:
    return (f"COALESCE(TRY_CAST({v} AS DATE), "
            f"TRY_CAST(try_strptime({v}, ['%Y/%m/%d', '%Y%m%d', '%Y/%m/%d %H:%M:%S', "
            f"'%Y%m%d%H%M%S']) AS DATE))")


def ts_sql(v: str) -> str:
    return (f"COALESCE(TRY_CAST({v} AS TIMESTAMP), "
            f"try_strptime({v}, ['%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d', "
            f"'%Y%m%d%H%M%S', '%Y%m%d']))")


def typed_sql(dtype: str, v: str) -> str:
    """The lake value of a raw column (only ever used on rows that passed the checks)."""
    if dtype == "money":
        return f"TRY_CAST({v} AS DECIMAL(18,2))"
    if dtype == "int":
        return f"TRY_CAST(NULLIF(regexp_extract({v}, '{INT_RE}', 1), '') AS BIGINT)"
    if dtype == "float":
        return f"TRY_CAST({v} AS DOUBLE)"
    if dtype == "date":
        return date_sql(v)
    if dtype == "datetime":
        return ts_sql(v)
    return v


@dataclass
class Check:
    rule: str
    column: str  # column label shown to the user
    cond: str  # SQL, true when the row fails
    value: str  # SQL for the raw value shown
    detail: str  # SQL for the Chinese explanation
    fast: str | None = None  # cheaper condition for the whole-table pass ("" = covered by another)
    col_sql: str | None = None  # SQL for the column label when it depends on the row


@dataclass
class StagedFile:
    index: int
    stage: str | None  # the staging Parquet file (raw text + _line); None when held in memory
    columns: list[str]
    name: str  # file name used in messages
    declared_period: str | None
    relation: str | None = None  # the name `table` is registered under with DuckDB, if in memory
    rows: int = 0
    table: object = None  # the staged rows as an Arrow table, when held in memory

    def scan_sql(self) -> str:
        return q(self.relation) if self.relation else f"read_parquet({lit(self.stage)})"


@dataclass
class TablePlan:
    table: Table
    files: list[StagedFile]
    region: str | None
    workdir: Path
    counties: list[str] = field(default_factory=list)  # the region's counties: their institutions are local too
    extra_codes: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    plausibility: Plausibility = field(default_factory=Plausibility)
    key_passes: int = 1  # slices of the key-hash range the duplicate check groups one at a time

    # ---- SQL pieces -------------------------------------------------------------------
    def src_sql(self) -> str:
        parts = []
        for f in self.files:
            cols = [
                q(c.name) if c.name in f.columns
                else f"NULL::VARCHAR AS {q(c.name)}"
                for c in self.table.columns
            ]
            cols += [q(token_column(c.name)) if c.name in f.columns
                     else f"NULL::VARCHAR AS {q(token_column(c.name))}"
                     for c in self.table.columns if c.pseudonymise]
            parts.append(f"SELECT {f.index} AS _file, _line, _badrow, _badrule, _badcol, {', '.join(cols)} "
                         f"FROM {f.scan_sql()}")
        return "\nUNION ALL\n".join(parts)

    @property
    def link(self) -> bool:
        return self.table.link_setl_id

    @property
    def one_month_key(self) -> bool:
        """Settlements: a setl_id belongs to the month of its settlement time, and only one."""
        return self.table.period_source == "setl_time" and self.table.key == ("setl_id",)

    @property
    def check_fixmedins(self) -> bool:
        cols = self.table.column_names
        return "fix_blng_admdvs" in cols and "fixmedins_code" in cols

    def period_sql(self, typed: bool = False) -> str:
        """The row's month; `typed`: from the `_t_` columns of the whole-table pass (the same
        value, parsed once)."""
        t = self.table
        src = t.period_source
        if src == "setl_time":
            timed = typed and t.column("setl_time").dtype == "datetime"
            return f"strftime({q('_t_setl_time') if timed else ts_sql('setl_time')}, '%Y-%m')"
        if src == "link":
            fallback = "NULL"
            if t.period_column:
                dt = t.column(t.period_column).dtype
                conv = ts_sql(q(t.period_column)) if dt == "datetime" else date_sql(q(t.period_column))
                if typed and dt in ("date", "datetime"):  # the same conversion, done once in `_t_`
                    conv = q("_t_" + t.period_column)
                fallback = f"strftime({conv}, '%Y-%m')"
            return f"COALESCE(_l_period, {fallback})"
        if src == "column":
            pc = q(t.period_column)
            return f"CASE WHEN regexp_full_match({pc}, '{PERIOD_RE}') THEN {pc} END"
        if src == "year":
            return f"NULLIF(regexp_extract({q(t.period_column)}, '{YEAR_RE}', 1), '')"
        # snapshot: its own period column when filled, else the all-periods sentinel
        if "period" in t.column_names:
            return (f"CASE WHEN period IS NULL THEN {lit(SNAPSHOT_PERIOD)} "
                    f"WHEN regexp_full_match(period, '{PERIOD_RE}') THEN period END")
        return _nullable(lit(SNAPSHOT_PERIOD))

    def admdvs_sql(self) -> str:
        if self.table.admdvs_from_row:
            return f"CASE WHEN regexp_full_match(admdvs, '{ADMDVS_RE}') THEN admdvs END"
        return _nullable(lit(self.region))

    def declared_sql(self) -> str:
        if self.table.period_source in ("snapshot", "year"):
            return "NULL::VARCHAR"
        whens = " ".join(f"WHEN {f.index} THEN {lit(f.declared_period)}"
                         for f in self.files if f.declared_period)
        return f"CASE _file {whens} END" if whens else "NULL::VARCHAR"

    def checks(self) -> list[Check]:
        t = self.table
        out: list[Check] = []

        def label(c):
            return f"{c.name}（{c.cn}）"

        def shown(v):
            return f"'值「' || {v} || '」'"

        for c in t.columns:
            v = q(c.name)
            if not c.nullable:
                out.append(Check("blank_required", c.name, f"{v} IS NULL", "NULL",
                                 lit(f"{label(c)}为必填，不能为空")))
            if c.dtype == "money":
                # Exact decimal cast (fails on text, thousands separators, overflow) plus a
                # check of the digits after the point (zeros beyond two places are fine).
                # Measured faster than a regular expression on big months.
                num = q(f"_n_{c.name}")  # TRY_CAST(v AS DECIMAL(18,2)), computed once per row
                dot = f"instr({v}, '.')"
                scale = f"length({v}) - {dot} > 2 AND {dot} > 0 AND length(rtrim({v}, '0')) - {dot} > 2"
                out.append(Check("bad_number", c.name, f"{v} IS NOT NULL AND {num} IS NULL", v,
                                 f"{shown(v)} || {lit('不是合法的金额数字')}",
                                 # LIKE first: implied by `scale`, and false at once for the usual
                                 # two decimals, so the string functions run on few values.
                                 fast=f"{v} IS NOT NULL AND ({num} IS NULL OR ({v} LIKE '%.___%' AND {scale}))"))
                out.append(Check("money_scale", c.name, f"{num} IS NOT NULL AND {scale}",
                                 v, f"{shown(v)} || {lit('超过 2 位小数（金额以元为单位）')}", fast=""))
                limit = self.plausibility.amount_limit(t.name, c.name)
                out.append(Check("amount_out_of_range", c.name, f"abs({num}) > {limit}", v,
                                 f"{shown(v)} || {lit(f'的绝对值超过上限 {limit:,.0f} 元')}"))
                if not c.allow_negative:
                    refund = (f"COALESCE({q(t.refund_flag)} = '1', false)" if t.refund_flag else "false")
                    out.append(Check("negative_amount", c.name, f"{num} < 0 AND NOT {refund}",
                                     v, f"{shown(v)} || {lit('为负数，但该行不是退费行')}"))
            elif c.dtype == "int":
                out.append(Check("bad_number", c.name,
                                 f"{v} IS NOT NULL AND {typed_sql('int', v)} IS NULL", v,
                                 f"{shown(v)} || {lit('不是合法的整数')}"))
            elif c.dtype == "float":
                out.append(Check("bad_number", c.name,
                                 f"{v} IS NOT NULL AND TRY_CAST({v} AS DOUBLE) IS NULL", v,
                                 f"{shown(v)} || {lit('不是合法的数字')}"))
            elif c.dtype in ("date", "datetime"):
                out.append(Check("bad_date", c.name,
                                 f"{v} IS NOT NULL AND {self._typed(c.name)} IS NULL", v,
                                 f"{shown(v)} || {lit('不是合法的日期' if c.dtype == 'date' else '不是合法的日期时间')}"))
                pl = self.plausibility
                lo, hi = pl.date_min.isoformat(), pl.date_max.isoformat()
                out.append(Check("date_out_of_range", c.name,
                                 f"CAST({self._typed(c.name)} AS DATE) NOT BETWEEN DATE '{lo}' AND DATE '{hi}'", v,
                                 f"{shown(v)} || {lit(f'不在合理范围 {lo} 至 {hi} 内')}"))
            elif c.dtype == "admdvs":
                out.append(Check("bad_admdvs", c.name,
                                 f"{v} IS NOT NULL AND NOT regexp_full_match({v}, '{ADMDVS_RE}')", v,
                                 f"{shown(v)} || {lit('不是 6 位数字的医保区划代码')}"))
            elif c.dtype == "period":
                out.append(Check("bad_period", c.name,
                                 f"{v} IS NOT NULL AND NOT regexp_full_match({v}, '{PERIOD_RE}')", v,
                                 f"{shown(v)} || {lit('不是 YYYY-MM 格式的期间')}"))
            if c.dtype in ("str", "code") and not c.pseudonymise:
                # A personal ID number in an ordinary column (columns shifted or swapped)
                # must not reach the lake; the value is not shown.
                cond = self.plausibility.personal_sql(v)
                out.append(Check("personal_id_in_column", c.name, f"{v} IS NOT NULL AND {cond}", "NULL",
                                 lit(f"{label(c)}的值形如身份证号或人员编号（可能是列错位），原值不显示"),
                                 fast="" if self._code_check_covers_certno(c) else None))
            if c.dtype == "code" and c.codes:
                codes = sorted(code_table(c.codes, self.extra_codes))
                listed = ", ".join(lit(x) for x in codes)
                sample = "、".join(codes[:12]) + ("……" if len(codes) > 12 else "")
                out.append(Check("unknown_code", c.name,
                                 f"{v} IS NOT NULL AND {v} NOT IN ({listed})", v,
                                 f"{shown(v)} || {lit(f'不在代码表 {c.codes} 中（可用：{sample}；地方代码请在 extra_codes 中配置）')}"))
        if t.period_source == "year":
            yc = q(t.period_column)
            out.append(Check("bad_period", t.period_column,
                             f"{yc} IS NOT NULL AND regexp_extract({yc}, '{YEAR_RE}', 1) = ''", yc,
                             f"{shown(yc)} || {lit('不是 4 位数字的年度')}"))
        out.extend(self._period_bounds())
        for part, whole in t.parts:
            pv, wv = q(part), q(whole)
            out.append(Check(
                "part_exceeds_total", part,
                f"abs({q('_n_' + part)}) > abs({q('_n_' + whole)})", pv,
                f"{shown(pv)} || {lit(f'的绝对值大于 {whole}（{t.column(whole).cn}）的值「')} || {wv} || '」'"))
        for begin, end in t.ordered:
            bc = t.column(begin)
            out.append(Check(
                "end_before_begin", end,
                f"{self._typed(end)} < {self._typed(begin)}", q(end),
                f"{shown(q(end))} || {lit(f'早于 {begin}（{bc.cn}）的值「')} || {q(begin)} || '」'"))
        keys = list(t.key)
        key_val = " || '|' || ".join(f"COALESCE({q(k)}, '')" for k in keys)
        out.append(Check("duplicate_key", "+".join(keys), "_dup", key_val,
                         f"'主键「' || {key_val} || '」在本次导入中重复，已保留第一次出现的行'"))
        if self.link:
            out.append(Check("orphan_settlement", "setl_id",
                             "setl_id IS NOT NULL AND _l_period IS NULL", "setl_id",
                             f"{shown('setl_id')} || {lit('在结算数据（setl_d）中找不到（本次导入与数据湖均无）')}"))
        if self.one_month_key and lake.has_data(self.workdir, self.table.name):
            months = ("CASE WHEN _o_min <> _period AND _o_max <> _period AND _o_min <> _o_max "
                      "THEN _o_min || '、' || _o_max WHEN _o_min <> _period THEN _o_min ELSE _o_max END")
            out.append(Check("setl_id_other_month", "setl_id", "(_o_min <> _period OR _o_max <> _period)",
                             "setl_id", f"'结算ID「' || setl_id || '」已在 ' || {months} || "
                             f"{lit(' 月份中存在（数据湖，以前的导入）；一笔结算只属于一个月')}"))
        if self.check_fixmedins and self.region and self._lake_fixmedins():
            out.append(Check(
                "unknown_fixmedins", "fixmedins_code",
                f"fix_blng_admdvs IN ({', '.join(lit(c) for c in [self.region, *self.counties])}) "
                f"AND fixmedins_code IS NOT NULL AND _f_code IS NULL",
                "fixmedins_code",
                f"{shown('fixmedins_code')} || {lit(f'是本统筹地区（{self.region}）的机构，但不在定点医药机构表（fixmedins）中')}"))
        if self.declared_sql() != "NULL::VARCHAR":
            shown_col = (q(t.period_column) if t.period_column and t.period_source != "link"
                         else "_period")
            out.append(Check("period_mismatch", t.period_column or "period",
                             "_declared IS NOT NULL AND _period IS NOT NULL AND _period <> _declared",
                             shown_col,
                             "'该行属于期间 ' || _period || '，与声明的月份 ' || _declared || ' 不符'"))
        # Wrap every check so that a bad_row (fields unknown) reports only itself.
        for ch in out:
            # In the whole-table pass the conditions stay bare (a NULL counts as "not bad"),
            # so DuckDB can short-circuit AND/OR; COALESCE would force full evaluation.
            if ch.fast is None:
                ch.fast = f"({ch.cond})"
            elif ch.fast:
                ch.fast = f"({ch.fast})"
            ch.cond = f"(_badrow IS NULL AND COALESCE({ch.cond}, false))"
        for i, rule in enumerate(READER_RULES):
            out.insert(i, Check(rule, "（整行）", f"(_badrule = {lit(rule)})", "NULL", "_badrow",
                                col_sql="COALESCE(_badcol, '（整行）')"))
        return out

    def _code_check_covers_certno(self, c) -> bool:
        """In the whole-table pass, unknown_code already marks every ID-number-shaped value of
        a code column whose code table has no 18-character code (an ID number has 18), so the
        ID-number check is left out there (issue 16); the quarantine still lists both rules.
        Not with a configured person-number pattern, which could match a listed code."""
        if c.dtype != "code" or not c.codes or self.plausibility.psn_pattern:
            return False
        return all(len(x) != 18 for x in code_table(c.codes, self.extra_codes))

    def _timed(self) -> list:
        """The date and date-time columns: parsed once per row in the whole-table pass (as
        `_t_<name>`), where their validity, range and order checks and the month share them."""
        return [c for c in self.table.columns if c.dtype in ("date", "datetime")]

    def _typed(self, name: str) -> str:
        """SQL for a column's typed value inside the checks (the `_t_` column for dates)."""
        c = self.table.column(name)
        return q("_t_" + name) if c.dtype in ("date", "datetime") else typed_sql(c.dtype, q(name))

    def _period_bounds(self) -> list[Check]:
        """Periods after the current month (or before the date floor) are refused."""
        t, pl = self.table, self.plausibility
        col = t.period_column or "period"
        if t.period_source == "year":
            lo, hi = pl.date_min.year, pl.year_max
            cond = f"TRY_CAST(_period AS INTEGER) NOT BETWEEN {lo} AND {hi}"
            detail = f"'年度 ' || _period || {lit(f' 不在合理范围 {lo} 至 {hi} 内')}"
        else:
            lo, hi = pl.period_min, pl.period_max
            cond = (f"_period <> {lit(SNAPSHOT_PERIOD)} AND "
                    f"(_period > {lit(hi)} OR _period < {lit(lo)})")
            detail = f"'期间 ' || _period || {lit(f' 不在合理范围 {lo} 至 {hi} 内（不接受未来的月份）')}"
        return [Check("period_out_of_range", col, f"_period IS NOT NULL AND {cond}", "_period", detail)]

    def _lake_fixmedins(self) -> bool:
        return lake.has_data(self.workdir, "fixmedins")

    def _glob(self, table: str) -> str:
        return lit(lake.table_glob(self.workdir, table))

    def _by_key_slices(self, table: str, select: str) -> list[str]:
        """CREATE TABLE `table` AS `select` (grouped by setl_id), one slice of the setl_id hash
        range at a time (`{slice}` in `select`), as the duplicate check does (key_passes)."""
        n = self.key_passes
        slices = ["true"] if n == 1 else [f"{key_hash_sql(['setl_id'])} % {n} = {i}" for i in range(n)]
        # replace, not format: the lake path inside `select` may hold braces
        return ([f"CREATE OR REPLACE TABLE {table} AS {select.replace('{slice}', slices[0])}"]
                + [f"INSERT INTO {table} {select.replace('{slice}', sl)}" for sl in slices[1:]])

    def setup_sql(self) -> list[str]:
        """Statements that create `src` (view), the small lookup tables, `bad` and `good`.

        Only small things are materialised (duplicate rows, lake keys); the big per-row
        work is a view evaluated while streaming, so nothing of the size of the month is
        copied into DuckDB.
        """
        t = self.table
        stmts = [f"CREATE OR REPLACE TEMP VIEW src AS {self.src_sql()}"]
        joins = []
        extra = []
        if self.link:
            if lake.has_data(self.workdir, "setl_d"):
                stmts += self._by_key_slices(
                    "lk", f"SELECT setl_id AS _l_setl_id, min(period) AS _l_period "
                          f"FROM read_parquet({self._glob('setl_d')}, union_by_name=true) "
                          f"WHERE setl_id IN (SELECT setl_id FROM src WHERE {{slice}}) AND {{slice}} GROUP BY 1")
                joins.append("LEFT JOIN lk l ON s.setl_id = l._l_setl_id")
                extra.append("l._l_period")
            else:
                extra.append("NULL::VARCHAR AS _l_period")
        if self.one_month_key and lake.has_data(self.workdir, t.name):
            # The months a setl_id already has in the lake (from earlier loads; normally one).
            stmts += self._by_key_slices(
                "om", f"SELECT setl_id AS _o_setl_id, min(period) AS _o_min, max(period) AS _o_max "
                      f"FROM read_parquet({self._glob(t.name)}, union_by_name=true) "
                      f"WHERE setl_id IN (SELECT setl_id FROM src WHERE {{slice}}) AND {{slice}} GROUP BY 1")
            joins.append("LEFT JOIN om o ON s.setl_id = o._o_setl_id")
            extra += ["o._o_min", "o._o_max"]
        if self.check_fixmedins:
            if self.region and self._lake_fixmedins():
                stmts.append(
                    f"CREATE OR REPLACE TABLE fx AS SELECT DISTINCT fixmedins_code AS _f_code "
                    f"FROM read_parquet({self._glob('fixmedins')}, union_by_name=true)")
                joins.append("LEFT JOIN fx f ON s.fixmedins_code = f._f_code")
                extra.append("f._f_code")
            else:
                extra.append("NULL::VARCHAR AS _f_code")
                if self.region:
                    self.notes.append("数据湖中还没有定点医药机构表，本次未核对机构编号（unknown_fixmedins）。")
        # Duplicates: only keys seen twice are windowed, which keeps the sort small. The keys
        # seen twice are found by their 64-bit hash, in `key_passes` slices of the hash range:
        # one GROUP BY over a year of settlement IDs (~10^8 groups) made DuckDB ask for single
        # allocations of 512 MiB and more that no spilling can provide, and ran out of a 2 GB
        # limit at random (issue 16). A hash seen twice only makes its rows candidates; the
        # window over the exact keys decides, so a hash collision cannot mark a row. Blank key
        # parts (e.g. external.fixmedins_code) count as equal, as in GROUP BY (hash(NULL) is one value).
        key_hash = key_hash_sql([q(k) for k in t.key])
        row_hash = key_hash_sql(['s.' + q(k) for k in t.key])
        stmts.append("CREATE OR REPLACE TABLE dh (_h UBIGINT)")
        for i in range(self.key_passes):
            part = f" AND {key_hash} % {self.key_passes} = {i}" if self.key_passes > 1 else ""
            stmts.append(f"INSERT INTO dh SELECT {key_hash} AS _h FROM src WHERE _badrow IS NULL{part} "
                         f"GROUP BY ALL HAVING count(*) > 1")
        stmts.append(
            f"CREATE OR REPLACE TABLE dr AS "
            f"SELECT _file AS _d_file, _line AS _d_line FROM ("
            f"SELECT s._file, s._line, row_number() OVER (PARTITION BY {', '.join('s.' + q(k) for k in t.key)} "
            f"ORDER BY s._file, s._line) AS rn FROM src s SEMI JOIN dh ON {row_hash} = dh._h "
            f"WHERE s._badrow IS NULL) WHERE rn > 1")
        joins.append("LEFT JOIN dr ON s._file = dr._d_file AND s._line = dr._d_line")
        base = (f"SELECT s.*, {', '.join(extra + [''])}(dr._d_line IS NOT NULL) AS _dup "
                f"FROM src s {' '.join(joins)}")
        # The good rows: everything not in `bad`, with only the cheap period/admdvs work.
        link_join = [j for j in joins if j.startswith("LEFT JOIN lk")]
        link_col = [e for e in extra if "_l_period" in e]
        good_base = (f"SELECT s.*{''.join(', ' + e for e in link_col)} FROM src s {' '.join(link_join)} "
                     f"ANTI JOIN bad USING (_file, _line)")
        self._good_sql = (f"SELECT g.*, {self.period_sql()} AS _period, {self.admdvs_sql()} AS _admdvs "
                          f"FROM ({good_base}) g")
        # Amounts as decimals once per row: the validity, sign and part/total checks share them.
        casts = [f"TRY_CAST({q(c.name)} AS DECIMAL(18,2)) AS {q('_n_' + c.name)}"
                 for c in t.columns if c.dtype == "money" or c.name in {n for pair in t.parts for n in pair}]
        # Dates and times parsed once per row: three checks and the month use each (issue 16).
        casts += [f"{typed_sql(c.dtype, q(c.name))} AS {q('_t_' + c.name)}" for c in self._timed()]
        typed = f"SELECT b.*{''.join(', ' + e for e in casts)} FROM ({base}) b"
        derived = (f"SELECT b.*, {self.period_sql(typed=True)} AS _period, "
                   f"{self.admdvs_sql()} AS _admdvs, {self.declared_sql()} AS _declared FROM ({typed}) b")
        conds = " OR ".join(ch.fast for ch in self.checks() if ch.fast and ch.rule not in READER_RULES)
        # The one full pass over the month: the bad rows are usually few, so keep them all.
        # (One statement: a separate view of the checks was bound, and paid for, once more.)
        stmts.append(
            f"CREATE OR REPLACE TABLE bad AS SELECT * FROM (SELECT d.*, "
            f"(d._badrow IS NOT NULL OR d._period IS NULL OR d._admdvs IS NULL OR {conds}) AS _bad "
            f"FROM ({derived}) d) WHERE _bad")
        stmts.append(f"CREATE OR REPLACE TEMP VIEW good AS {self._good_sql}")
        return stmts

    def failures_sql(self, key_pads: bool = True) -> str:
        """One row per failure of every bad row (quarantine lines), all files of the table."""
        checks = self.checks()
        structs = ", ".join(
            f"CASE WHEN {ch.cond} THEN {{'ord': {i}, 'rule': {lit(ch.rule)}, 'col': {ch.col_sql or lit(ch.column)}, "
            f"'val': CAST({self._shown_value(ch)} AS VARCHAR), 'detail': CAST({ch.detail} AS VARCHAR)}} END"
            for i, ch in enumerate(checks))
        fallback = (f"{{'ord': {len(checks)}, 'rule': 'bad_period', 'col': {lit(self.table.period_column or 'period')}, "
                    f"'val': NULL::VARCHAR, 'detail': '无法确定该行所属期间'}}")
        # The list of failures is built once per row (binding it twice cost as much as its use).
        listed = f"SELECT c.*, list_filter([{structs}], lambda x: x IS NOT NULL) AS _fl FROM bad c"
        failures = (f"SELECT c.* EXCLUDE (_fl), unnest(CASE WHEN len(_fl) = 0 THEN [{fallback}] ELSE _fl END) AS _f "
                    f"FROM ({listed}) c")
        # A value that looks like a personal identifier is withheld from the failure, whichever
        # rule it broke (an ID number in a code, date or amount column fails those rules too).
        personal = self.plausibility.personal_sql("u._f.val")
        masked = (f"{{'ord': u._f.ord, 'rule': u._f.rule, 'col': u._f.col, "
                  f"'val': CASE WHEN {personal} THEN {lit(WITHHELD)} ELSE u._f.val END, "
                  f"'detail': CASE WHEN {personal} THEN replace(u._f.detail, u._f.val, {lit(WITHHELD)}) "
                  f"ELSE u._f.detail END}}")
        return f"SELECT u.* EXCLUDE (_f), {masked} AS _f FROM ({failures}) u"

    def _shown_value(self, ch: Check) -> str:
        # psn_no is never shown in clear, not even in quarantine
        if ch.value == q("psn_no"):
            return q(token_column("psn_no"))
        return ch.value

    def lake_select(self, files: list[int]) -> str:
        """Typed lake columns of the good rows of one partition ($adm, $per), read only from
        the staged files that hold rows of it (a month's file is not re-read for the others)."""
        t = self.table
        cols = []
        for f in lake.lake_schema(t):
            if f.name == "period":
                cols.append("_period AS period")
            elif f.name == "admdvs":
                cols.append("_admdvs AS admdvs")
            else:
                c = t.column(f.name)
                expr = q(token_column(c.name)) if c.pseudonymise else typed_sql(c.dtype, q(c.name))
                cols.append(f"{expr} AS {q(c.name)}")
        # No ORDER BY: sorting a whole month costs more than the rest of the write, and
        # nothing downstream depends on the row order inside a partition.
        where = f"_file IN ({', '.join(str(i) for i in sorted(files))})"
        return f"SELECT {', '.join(cols)} FROM good WHERE {where} AND _admdvs = $adm AND _period = $per"

    def uses_pads(self) -> bool:
        return any(c.pseudonymise for c in self.table.columns)


def rule_names_sql(col: str) -> str:
    whens = " ".join(f"WHEN {lit(code)} THEN {lit(r.name)}" for code, r in RULES.items())
    return f"CASE {col} {whens} END"
