"""地方特色指标: local indicators declared in a YAML file, registered like built-in ones.

File: settings.local_indicators_file, else `<workdir>/local_indicators.yaml` when present.
No code is evaluated: a definition is a table, filter conditions and aggregates.

```yaml
indicators:
  - id: L01                      # L + digits (or letters/digits/_/-, not a catalogue 序号)
    name: 门诊慢特病人次占比
    unit: ratio                  # yuan | count | ratio | index | per_mille_people
    scope: both                  # region | both
    freq: month                  # month | quarter | half_year | year
    basis: period                # period (当月; half_year freq -> half-year window) | cumulative (1 月至 P)
    table: setl_d
    filter:                      # all must hold; mapping shorthand {col: value | [values]} also accepted
      - {column: insu_admdvs, op: "==", value: "140400"}
    numerator:   {agg: count, filter: [{column: med_type, op: "==", value: "14"}]}
    denominator: {agg: count}    # optional; without it value = numerator
    scale: 1                     # optional multiplier of the ratio (e.g. 1000)
    formula: 门诊慢特病人次 / 门诊人次
    note: 本地口径说明
```
Operators: `==`, `!=`, `in`, `not in` (`!=` / `not in` keep blank values). Aggregates:
`count` (rows), `sum` (column), `count_distinct` (column). For setl_d only valid rows
(vali_flag 1 or blank) are used and `count` counts non-refund rows; sums are net.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml

from ..errors import DefinitionError
from ..overrides import region_file
from ..schema import TABLES
from .common import NOTE_ZERO, amount, ratio
from .context import Ctx, dec
from .registry import Indicator, Row, catalogue

ALLOWED_TABLES = ("setl_d", "setl_list", "setl_fee", "special_case", "clr_result", "fund_report",
                  "psn_count")
UNITS = ("yuan", "count", "ratio", "index", "per_mille_people", "per_mille", "per_100k", "years", "days")
SCOPES = ("region", "both")
FREQS = ("month", "quarter", "half_year", "year", "half_year_or_year")
BASES = ("period", "cumulative")
OPS = ("==", "!=", "in", "not in")
AGGS = ("count", "sum", "count_distinct")
KEYS = {"id", "name", "group", "unit", "scope", "freq", "basis", "table", "filter", "numerator",
        "denominator", "scale", "formula", "note"}


def local_file(settings) -> Path | None:
    return region_file(getattr(settings, "local_indicators_file", None), settings.workdir, "local_indicators.yaml")


def load_local_indicators(settings) -> list[Indicator]:
    path = local_file(settings)
    if path is None:
        return []
    if not path.exists():
        raise DefinitionError(f"地方特色指标文件不存在：{path}", "检查设置 local_indicators_file")
    return parse_local_indicators(path.read_text(encoding="utf-8-sig"), str(path))


class _Err:
    def __init__(self, source: str):
        self.source = source

    def __call__(self, entry: str, field: str, msg: str) -> DefinitionError:
        return DefinitionError(
            f"地方特色指标文件 {self.source}：{entry}，字段 {field}：{msg}",
            "参照 docs/indicators.md“地方特色指标”一节的格式修改后重试",
        )


def parse_local_indicators(text: str, source: str = "<yaml>") -> list[Indicator]:
    err = _Err(source)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError(f"地方特色指标文件 {source} 不是有效的 YAML：{exc}") from exc
    if doc is None:
        return []
    entries = doc.get("indicators") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise err("文件顶层", "indicators", "应为指标列表")
    out: list[Indicator] = []
    seen: set[str] = set()
    for i, e in enumerate(entries, 1):
        where = f"第 {i} 项"
        if not isinstance(e, dict):
            raise err(where, "-", "每一项应为键值映射")
        iid = str(e.get("id") or "").strip()
        where = f"第 {i} 项（id {iid or '空'}）"
        unknown = set(e) - KEYS
        if unknown:
            raise err(where, "、".join(sorted(unknown)), f"未知字段；可用字段：{'、'.join(sorted(KEYS))}")
        if not iid:
            raise err(where, "id", "必填")
        if iid.isdigit() and int(iid) in catalogue():
            raise err(where, "id", "不能使用底稿序号（1-57），请用 L01 之类的编号")
        if not all(ch.isalnum() or ch in "_-" for ch in iid):
            raise err(where, "id", "只能包含字母、数字、_ 和 -")
        if iid in seen:
            raise err(where, "id", "与前面的指标重复")
        seen.add(iid)
        for f in ("name", "table", "numerator"):
            if not e.get(f):
                raise err(where, f, "必填")
        unit = e.get("unit", "count")
        scope = e.get("scope", "region")
        freq = e.get("freq", "month")
        basis = e.get("basis", "period")
        for f, v, allowed in (("unit", unit, UNITS), ("scope", scope, SCOPES), ("freq", freq, FREQS),
                              ("basis", basis, BASES)):
            if v not in allowed:
                raise err(where, f, f"取值 {v!r} 无效，可选：{'、'.join(allowed)}")
        table = e["table"]
        if table not in ALLOWED_TABLES:
            raise err(where, "table", f"不支持的数据表 {table!r}，可选：{'、'.join(ALLOWED_TABLES)}")
        cols = {c.name: c for c in TABLES[table].columns}
        if scope == "both" and "fixmedins_code" not in cols:
            raise err(where, "scope", f"数据表 {table} 没有 fixmedins_code，不能按机构计算")
        flt = _filters(e.get("filter"), cols, err, where, "filter")
        num = _agg(e["numerator"], cols, err, where, "numerator")
        den = _agg(e["denominator"], cols, err, where, "denominator") if e.get("denominator") else None
        try:
            scale = Decimal(str(e.get("scale", 1)))
        except Exception:  # noqa: BLE001
            raise err(where, "scale", "应为数字") from None
        if den is None and unit == "ratio":
            raise err(where, "denominator", "单位为 ratio 时必须给出分母")
        spec = {"table": table, "filter": flt, "num": num, "den": den, "scale": scale, "basis": basis,
                "freq": freq, "scope": scope}
        window = "ytd" if basis == "cumulative" else ("half_year" if freq == "half_year" else "month")
        out.append(Indicator(
            id=iid, name=str(e["name"]), group=str(e.get("group") or "地方特色指标"), family="local",
            freq=freq, source=table, basis=basis, scope=scope, unit=unit,
            formula=str(e.get("formula") or _describe(spec)), note=str(e.get("note") or ""),
            method=f"地方定义（{source}）：{_describe(spec)}", window=window, fn=_make_fn(spec),
            local=True, scale=scale,
        ))
    return out


def _filters(raw, cols, err, where, field) -> list[tuple[str, str, list]]:
    if raw is None:
        return []
    if isinstance(raw, dict):
        raw = [{"column": k, "op": "in" if isinstance(v, list) else "==", "value": v} for k, v in raw.items()]
    if not isinstance(raw, list):
        raise err(where, field, "应为条件列表，如 [{column: med_type, op: '==', value: '14'}]")
    out = []
    for j, c in enumerate(raw, 1):
        f = f"{field}[{j}]"
        if not isinstance(c, dict) or set(c) - {"column", "op", "value"} or "column" not in c:
            raise err(where, f, "条件应为 {column, op, value}")
        col, op, val = c["column"], c.get("op", "=="), c.get("value")
        if col not in cols:
            raise err(where, f, f"数据表没有列 {col!r}")
        if op not in OPS:
            raise err(where, f, f"运算符 {op!r} 无效，可选：{'、'.join(OPS)}")
        vals = val if isinstance(val, list) else [val]
        if op in ("==", "!=") and isinstance(val, list):
            raise err(where, f, f"运算符 {op} 只接受一个值，多个值请用 in / not in")
        if any(v is None or isinstance(v, (dict, list)) for v in vals) or not vals:
            raise err(where, f, "值应为文本或数字（不可为空）")
        dtype = cols[col].dtype
        try:
            vals = [_coerce(v, dtype) for v in vals]
        except (ValueError, ArithmeticError):
            raise err(where, f, f"值 {val!r} 与列 {col} 的类型（{dtype}）不符") from None
        out.append((col, op, vals))
    return out


def _coerce(v, dtype):
    if dtype == "money":
        return Decimal(str(v))
    if dtype == "int":
        return int(v)
    if dtype == "float":
        return float(v)
    if dtype in ("date", "datetime"):
        raise ValueError(dtype)
    return str(v)


def _agg(raw, cols, err, where, field) -> dict:
    if isinstance(raw, str):
        raw = {"agg": raw}
    if not isinstance(raw, dict) or set(raw) - {"agg", "column", "filter"}:
        raise err(where, field, "应为 {agg, column, filter}")
    agg = raw.get("agg")
    if agg not in AGGS:
        raise err(where, f"{field}.agg", f"取值 {agg!r} 无效，可选：{'、'.join(AGGS)}")
    col = raw.get("column")
    if agg in ("sum", "count_distinct"):
        if col not in cols:
            raise err(where, f"{field}.column", f"{agg} 需要数据表中存在的列，{col!r} 不存在")
        if agg == "sum" and cols[col].dtype not in ("money", "int", "float"):
            raise err(where, f"{field}.column", f"列 {col} 不是数值，不能求和")
    elif col is not None:
        raise err(where, f"{field}.column", "count 不需要列")
    return {"agg": agg, "column": col, "filter": _filters(raw.get("filter"), cols, err, where, f"{field}.filter")}


def _describe(spec) -> str:
    def cond(fs):
        return " 且 ".join(f"{c} {op} {v[0] if op in ('==', '!=') else v}" for c, op, v in fs) or "全部行"

    def agg(a):
        what = "行数" if a["agg"] == "count" else f"{a['agg']}({a['column']})"
        return what + (f"［{cond(a['filter'])}］" if a["filter"] else "")

    text = f"{spec['table']}［{cond(spec['filter'])}］：{agg(spec['num'])}"
    if spec["den"]:
        text += f" / {agg(spec['den'])}"
        if spec["scale"] != 1:
            text += f" × {spec['scale']}"
    return text


def _cond(t, fs):
    out = None
    for col, op, vals in fs:
        c = t[col]
        if op == "==":
            e = c == vals[0]
        elif op == "in":
            e = c.isin(vals)
        elif op == "!=":
            e = (c != vals[0]) | c.isnull()
        else:
            e = ~c.isin(vals) | c.isnull()
        out = e if out is None else out & e
    return out


def source_rows(ctx, table: str, periods, condition):
    """The rows of `table` in `periods` that a local definition counts: valid settlements only
    (vali_flag), then the definition's own filter. Shared by local indicators and local detectors."""
    t = ctx.table(table)
    t = t.filter(t.period.isin(periods))
    if table == "setl_d":
        t = t.filter((t.vali_flag == "1") | t.vali_flag.isnull())
    base = _cond(t, condition)
    return t.filter(base) if base is not None else t


def _make_fn(spec):
    def fn(ctx: Ctx) -> list[Row]:
        periods = ctx.ytd if spec["basis"] == "cumulative" else (
            ctx.half if spec["freq"] == "half_year" else [ctx.period])
        t = source_rows(ctx, spec["table"], periods, spec["filter"])
        count_cond = None
        if spec["table"] == "setl_d":
            count_cond = (t.refd_setl_flag == "0") | t.refd_setl_flag.isnull()

        def measure(a):
            where = _cond(t, a["filter"])
            if a["agg"] == "count":
                w = count_cond if where is None else (where if count_cond is None else where & count_cond)
                return t.count(where=w) if w is not None else t.count()
            col = t[a["column"]]
            if a["agg"] == "sum":
                return col.sum(where=where)
            return col.nunique(where=where)

        metrics = {"num": measure(spec["num"])}
        if spec["den"]:
            metrics["den"] = measure(spec["den"])
        region = ctx.run(t.aggregate(**metrics)).to_pylist()[0]
        rows = [_row(None, region, spec)]
        if spec["scope"] == "both":
            by = {r["fixmedins_code"]: r for r in
                  ctx.run(t.group_by("fixmedins_code").aggregate(**metrics)).to_pylist()}
            for c in ctx.hospitals:
                rows.append(_row(c, by.get(c, {"num": 0, "den": 0 if spec["den"] else None}), spec))
        return rows

    return fn


def _row(code, r, spec) -> Row:
    num = dec(r.get("num"))
    if not spec["den"]:
        return amount(code, num)
    den = dec(r.get("den"))
    return ratio(code, num, den, scale=spec["scale"], zero_note=NOTE_ZERO)


__all__ = ["load_local_indicators", "parse_local_indicators", "local_file"]
