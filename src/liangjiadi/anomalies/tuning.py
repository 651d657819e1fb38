"""A region's detector configuration: thresholds, switches and its own detectors, in YAML.

The same shape as checks.yaml: `<workdir>/detectors.yaml`, the file named by the setting
`detectors_file`, or one passed to `liangjiadi detect --config`; a `detectors:` section adjusts
built-ins (params, enabled) and a `rules:` section adds a region's own detectors from the
`peer_ratio` template. The example users read is in docs/detection.md (anomalies/docs.py).
No code is evaluated: filters and aggregates are those of local indicators (indicators/local.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any


from ..checks.model import Param
from ..errors import DefinitionError
from ..overrides import read_override_file, region_file
from .coverage import NotEvaluated, window_text
from .model import Finding
from .registry import Detector, all_detectors, register

TEMPLATES = ("peer_ratio",)
RULE_KEYS = {"id", "template", "name", "description", "table", "filter", "numerator", "denominator", "direction",
             "params", "scale", "unit"}


def detectors_file(settings) -> Path | None:
    return region_file(getattr(settings, "detectors_file", None), settings.workdir, "detectors.yaml")


def load_detectors(settings=None, overrides: Path | str | dict | None = None) -> dict[str, Detector]:
    """Every detector in force: built-ins with the region's overrides, and its own detectors."""
    dets = {d.pattern: d for d in all_detectors()}
    if overrides is None and settings is not None:
        overrides = detectors_file(settings)
    data = _read(overrides)
    origin = str(overrides) if isinstance(overrides, (str, Path)) else "本地配置"
    local: dict[str, Detector] = {}
    for i, entry in enumerate(data.get("rules") or [], 1):
        register(_build_rule(entry, origin, i), local)
        if entry["id"] in dets:
            raise DefinitionError(f"检测配置 {origin}：自定义检测器 {entry['id']} 与已有检测器重名")
    dets.update(local)
    for pattern, change in (data.get("detectors") or {}).items():
        if pattern not in dets:
            raise DefinitionError(f"检测配置 {origin} 中的检测器 {pattern} 不存在",
                                  f"可用检测器：{'、'.join(sorted(dets))}")
        dets[pattern] = _apply(dets[pattern], change or {}, origin)
    return dict(sorted(dets.items()))


def _read(overrides) -> dict[str, Any]:
    return read_override_file(overrides, what="检测配置文件", sections=("detectors", "rules"),
                              meanings=("调整内置检测器", "新增本地检测器"),
                              missing_hint="检查设置 detectors_file 或 --config")


def _apply(det: Detector, change: dict, origin: str) -> Detector:
    if not isinstance(change, dict) or set(change) - {"params", "enabled"}:
        raise DefinitionError(f"检测配置 {origin}：检测器 {det.pattern} 的设置只能有 params、enabled")
    params = change.get("params") or {}
    unknown = set(params) - set(det.params)
    if unknown:
        raise DefinitionError(f"检测配置 {origin}：检测器 {det.pattern} 没有参数 {'、'.join(sorted(unknown))}",
                              f"可用参数：{'、'.join(det.params) or '无'}")
    checked = {k: _value(det.pattern, k, det.params[k], v, origin) for k, v in params.items()}
    return det.with_overrides(params=checked, enabled=change.get("enabled"))


def _value(pattern: str, name: str, param: Param, value, origin: str):
    """A configured value must have the default's type (a number for a number)."""
    default = param.default
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise DefinitionError(f"检测配置 {origin}：{pattern}.{name} 应为 true 或 false，实为 {value!r}")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise DefinitionError(f"检测配置 {origin}：{pattern}.{name} 应为数字，实为 {value!r}")
        return int(value) if isinstance(default, int) and float(value).is_integer() else float(value)
    return value


# ---- a region's own detector: a ratio per institution against its peers ----------------------

RATIO_PARAMS = {
    "min_cases": Param(100, "分母（如结算人次）不少于此数的机构才检测", "例"),
    "min_z": Param(3.5, "与同级比较的稳健z（离散度下限为同级中位数的20%）至少为此值"),
    "min_times": Param(1.5, "比值至少为同级中位数的此倍数（方向为 low 时至多为其倒数）", "倍"),
    "months": Param(12, "统计截至检测月份的最近若干个月（仅计数据湖中有的月份）", "个月"),
}


def _build_rule(entry: dict, origin: str, i: int) -> Detector:
    from ..indicators.local import _agg, _filters  # the local-indicator vocabulary, one place
    from ..schema import TABLES

    def err(field: str, msg: str) -> DefinitionError:
        return DefinitionError(f"检测配置 {origin}：第 {i} 条自定义检测器（id {entry.get('id', '空') if isinstance(entry, dict) else '空'}），"
                               f"字段 {field}：{msg}", "参照 docs/detection.md“地区自定义检测器”一节修改后重试")

    if not isinstance(entry, dict):
        raise err("-", "应为键值映射")
    unknown = set(entry) - RULE_KEYS
    if unknown:
        raise err("、".join(sorted(unknown)), f"未知字段；可用字段：{'、'.join(sorted(RULE_KEYS))}")
    for f in ("id", "template", "name", "numerator", "denominator"):
        if not entry.get(f):
            raise err(f, "必填")
    pid = str(entry["id"])
    if not all(ch.isalnum() or ch in "_-" for ch in pid):
        raise err("id", "只能包含字母、数字、_ 和 -")
    if entry["template"] not in TEMPLATES:
        raise err("template", f"模板 {entry['template']!r} 不存在，可用：{'、'.join(TEMPLATES)}")
    table = entry.get("table", "setl_d")
    if table not in TABLES or "fixmedins_code" not in {c.name for c in TABLES[table].columns}:
        raise err("table", f"数据表 {table!r} 不存在或没有 fixmedins_code")
    direction = entry.get("direction", "high")
    if direction not in ("high", "low"):
        raise err("direction", "只能是 high 或 low")
    cols = {c.name: c for c in TABLES[table].columns}

    class _E:  # local.py's error builder signature: (entry, field, msg)
        def __call__(self, where, field, msg):
            return err(field, msg)

    e = _E()
    spec = {"table": table, "filter": _filters(entry.get("filter"), cols, e, "", "filter"),
            "num": _agg(entry["numerator"], cols, e, "", "numerator"),
            "den": _agg(entry["denominator"], cols, e, "", "denominator"), "direction": direction}
    det = Detector(
        pattern=pid, name=str(entry["name"]),
        description=str(entry.get("description") or
                        f"地区自定义检测器（{origin}）：各医疗机构的比值与同级别机构比较，"
                        f"{'偏高' if direction == 'high' else '偏低'}且稳健z、倍数均达到阈值时点名。"),
        min_cases=int(RATIO_PARAMS["min_cases"].default), peers="同级别（三级/二级/一级及以下）其他医疗机构，至少4家",
        compares=("peers",), severity_rule="稳健z ≥ 5为高；其余为中",
        fn=_peer_ratio_fn(pid, spec), params=dict(RATIO_PARAMS), origin=origin,
    )
    params = entry.get("params") or {}
    if not isinstance(params, dict) or set(params) - set(RATIO_PARAMS):
        raise err("params", f"可用参数：{'、'.join(RATIO_PARAMS)}")
    return det.with_overrides(params={k: _value(pid, k, RATIO_PARAMS[k], v, origin) for k, v in params.items()})


def _peer_ratio_fn(pattern: str, spec: dict):
    def fn(ctx) -> list[Finding]:
        from ..period import shift, span
        from ..indicators.local import _cond, source_rows
        from .detectors._inputs import hospitals_as_of
        from .detectors._peer_rules import own_peer_set, peer_position, rounded

        prm = ctx.params(pattern)
        present = ctx.periods_present(spec["table"])
        months = [m for m in span(shift(ctx.period, -(int(prm["months"]) - 1)), ctx.period) if m in present]
        if not months:
            raise NotEvaluated(f"数据表 {spec['table']} 在截至 {ctx.period} 的 {int(prm['months'])} 个月内没有数据")
        t = source_rows(ctx, spec["table"], months, spec["filter"])

        def measure(a):
            where = _cond(t, a["filter"])
            if a["agg"] == "count":
                return t.count(where=where) if where is not None else t.count()
            col = t[a["column"]]
            return col.sum(where=where) if a["agg"] == "sum" else col.nunique(where=where)

        agg = ctx.run(t.group_by("fixmedins_code").aggregate(num=measure(spec["num"]), den=measure(spec["den"])))
        hosp = hospitals_as_of(ctx, ctx.period)
        rows = {}
        for r in agg.to_pylist():
            code, den = r["fixmedins_code"], float(r["den"] or 0)
            if code in hosp.index and den >= float(prm["min_cases"]) and den > 0:
                rows[code] = (float(r["num"] or 0) / den, hosp.loc[code, "level_group"], den)
        out, tested, fewest = [], 0, None
        for code, (value, level, den) in rows.items():
            peers = [v for c, (v, lv, _) in rows.items() if c != code and lv == level]
            med = sorted(peers)[len(peers) // 2] if peers else 0.0
            pos = peer_position(value, peers, max(0.2 * abs(med), 1e-9))
            if pos is None:
                continue
            tested += 1
            fewest = pos.n_peers if fewest is None else min(fewest, pos.n_peers)
            z = pos.z if spec["direction"] == "high" else -pos.z
            far = value >= prm["min_times"] * pos.median if spec["direction"] == "high" else \
                value * prm["min_times"] <= pos.median
            if z < prm["min_z"] or not far:
                continue
            word = "高于" if spec["direction"] == "high" else "低于"
            msg = (f"{hosp.loc[code, 'name']}（{level}）近{len(months)}个月{ctx.detector_name(pattern)}：本机构{value:.4g}，"
                   f"同级中位数{pos.median:.4g}{own_peer_set(pos.n_peers, f'近{len(months)}个月')}，"
                   f"{word}同级（稳健z {z:.1f}）。")
            ev = {"value": rounded(value), "peer_median": rounded(pos.median), "percentile": rounded(pos.percentile),
                  "statistic": rounded(z), "cases": int(den), "peers": pos.n_peers, "window_months": len(months)}
            out.append(Finding(pattern, ctx.period, "high" if z >= 5 else "medium", msg, ev, code, score=float(z)))
        if not tested:
            raise NotEvaluated(f"没有机构同时达到最少例数（{prm['min_cases']}）并有至少4家同级比较对象")
        ctx.note(institutions=tested, peers=fewest, window=window_text(months), window_months=len(months))
        return out

    return fn
