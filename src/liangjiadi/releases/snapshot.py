"""What `release create` computes and freezes besides the month's three runs, so that a
release's documents read nothing live (docs/releases.md “发布包的内容”).

Files written into the bundle (each listed with its sha256 in the manifest):

    institutions.json    the institution directory as of the period (code, name, type, level)
    history.parquet      stored results (region and institutions) of the 24 months before the period
    series.json          per region indicator: monthly values, monthly flows and 13-month trend directions
    peers.json           per institution indicator: peer sets (level → level group → region) with their
                         statistics, every hospital's rank and percentile (analysis.ranking.rank_with_fallback)
    fund_forecast.json   可支付月数 and the 12-month forecast of the cumulative balance the reports print
    fund_outlook.json    `liangjiadi analyse fund` for the period, warnings included (or why it is absent)
    topics.json          topic analyses recorded in the period's year up to the period
    topic_analysis.json  topic releases only: the topic analysis the document shows
    feedback.yaml        the feedback file about the previous period, when there is one
    patterns.json        anomaly pattern codes and their Chinese names
    indicators.json      the indicator catalogue as of create (names, 口径, units, frequencies, bounds),
                         local indicators (地方特色指标) included
    context.json         region name, the history window, months missing from the lake, months computed
    window.json          quarterly and annual releases: the window (label, months), each indicator's
                         window rule, the half of half-year indicators, last year's window
    window_results.parquet    the window's values, region and institutions (indicators/window.py)
    window_last_year.parquet  the same window a year earlier, by the same rules (同比)
    contents.json        what the seeds ask beyond the catalogue over the release's window (入组, 各机构
                         结算, 重点病组, 支出流向, 个人负担, 预算执行, 清算, 特例单议): analysis.contents
    yigongti.json        regions with 县域医共体 (seeds/003): the year's budget, disbursements, 域外
                         deductions, balance, assessment, monitoring and, with December, the clearing,
                         up to the release's month (yigongti.figures); written only when the lake holds
                         the region's 医共体 table

This is the only part of releases that opens the engine or the lake; the readers (frozen.py)
open files of the bundle only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import lake
from ..config import Settings
from ..errors import LjdError
from ..period import Period, Window, period_label, shift, span
from .errors import MissingSourceError
from ..indicators.institutions import institution_directory
from .institutions import Institution, hospitals
from .model import feedback_file
from .letters import frozen_letter, status_for_next
from .objections import answered_since_previous, frozen_objection

HISTORY_MONTHS = 24
TREND_MONTHS = 13
FORECAST_HORIZON = 12
ASCENDING_BETTER = {"40"}  # a low 门诊住院人次比 is the warning sign: rank from the lowest
VOLUME_INDICATOR = "39"  # 出院人次: institutions below the minimum volume are not ranked

SNAPSHOT_FILES = ("institutions.json", "history.parquet", "series.json", "peers.json", "fund_forecast.json",
                  "fund_outlook.json", "topics.json", "topic_analysis.json", "feedback.yaml", "patterns.json",
                  "indicators.json", "context.json", "window.json", "window_results.parquet",
                  "window_last_year.parquet", "contents.json", "objections.json", "letters.json",
                  "yigongti.json")
WINDOW_KINDS = ("quarterly", "annual")


def has_settlements(workdir: Path, admdvs: str, period: str) -> bool:
    return (admdvs, period) in set(lake.partitions(workdir, "setl_d"))


def require_settlements(settings: Settings, admdvs: str, period: str) -> None:
    """A month of the release's own window without settlements refuses the release."""
    if not has_settlements(Path(settings.workdir), admdvs, period):
        raise MissingSourceError(
            f"统筹地区 {admdvs} {period_label(period)}没有结算数据（setl_d），不能创建该期发布。",
            f"请先导入该月的结算数据：liangjiadi ingest 文件 --workdir {settings.workdir}")


def _write_json(path: Path, data) -> None:
    # sorted keys and fixed separators: the same data gives the same bytes, hence the same hash
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n",
                    encoding="utf-8")


def _num(value) -> float | None:
    return None if value is None else float(value)


# ---- history ---------------------------------------------------------------------------------


def _history(settings: Settings, admdvs: str, period: str) -> tuple[pa.Table, list[str], list[str]]:
    """Stored results of the 24 earlier months; a month never computed but present in the lake is
    computed now; a month absent from the lake is left out and named."""
    from ..indicators import compute
    from ..indicators.results import RESULT_SCHEMA, load_results
    from ..runs import list_runs

    workdir = Path(settings.workdir)
    region_settings = settings.model_copy(update={"region_admdvs": admdvs})
    tables, missing, computed = [], [], []
    for p in span(shift(period, -HISTORY_MONTHS), shift(period, -1)):
        if not list_runs(workdir, "results", admdvs, p):
            if not has_settlements(workdir, admdvs, p):
                missing.append(p)
                continue
            compute(p, region_settings)
            computed.append(p)
        tables.append(load_results(workdir, admdvs, p).select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA))
    table = pa.concat_tables(tables) if tables else RESULT_SCHEMA.empty_table()
    return table, missing, computed


def _region_values(table: pa.Table) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for r in table.select(["period", "indicator_id", "scope", "value"]).to_pylist():
        if r["scope"] == "region":
            out.setdefault(r["indicator_id"], {})[r["period"]] = _num(r["value"])
    return out


def _series(history: pa.Table, results: pa.Table, period: str) -> dict:
    """Values, monthly flows (for amounts cumulative within the year) and trend directions."""
    from ..analysis.trend import build_points, direction

    values = _region_values(history)
    for iid, by_period in _region_values(results).items():  # the release month: the frozen run
        values.setdefault(iid, {})[period] = by_period.get(period)
    periods = span(shift(period, -HISTORY_MONTHS), period)
    last = periods[-TREND_MONTHS:]
    out = {}
    for iid, by_period in sorted(values.items()):
        points = build_points(by_period, periods, cumulative=True)
        flows = {p.period: p.month_flow for p in points}
        out[iid] = {
            "values": {p: by_period.get(p) for p in periods},
            "flows": flows,
            "direction": direction([by_period.get(p) for p in last])[0],
            "flow_direction": direction([flows.get(p) for p in last])[0],
        }
    return {"periods": periods, "trend_months": TREND_MONTHS, "indicators": out}


# ---- peers -------------------------------------------------------------------------------------


def _peers(results: pa.Table, directory: dict[str, Institution], settings: Settings) -> dict:
    """Per indicator: the peer sets in use and every hospital's place in its own (analysis.ranking
    rank_with_fallback: level → level group → region, each with at least the privacy threshold of
    other eligible institutions). The documents print these and nothing else about peers."""
    from ..analysis.ranking import rank_with_fallback

    own = set(hospitals(results, directory))
    by_indicator: dict[str, dict[str, float | None]] = {}
    for r in results.select(["indicator_id", "scope", "fixmedins_code", "value"]).to_pylist():
        if r["scope"] != "region" and r["fixmedins_code"] in own:
            by_indicator.setdefault(r["indicator_id"], {})[r["fixmedins_code"]] = _num(r["value"])

    def inst(code: str) -> Institution:
        return directory.get(code) or Institution(code, f"机构{code}", None)

    volumes = by_indicator.get(VOLUME_INDICATOR) or None
    min_members = settings.small_count_threshold + 1
    out = {}
    for iid, values in sorted(by_indicator.items()):
        if all(v is None for v in values.values()):
            continue
        stats, ranked = rank_with_fallback(values, {c: inst(c).hosp_lv for c in values}, min_members=min_members,
                                           volumes=volumes, min_volume=settings.peer_min_volume,
                                           descending=iid not in ASCENDING_BETTER,
                                           names={c: inst(c).name for c in values})
        out[iid] = {"descending": iid not in ASCENDING_BETTER, "groups": [s.to_dict() for s in stats],
                    "rows": [r.to_dict() for r in ranked]}
    return {"min_volume": settings.peer_min_volume if volumes else None, "volume_indicator": VOLUME_INDICATOR,
            "min_peers": min_members, "rule": "level>level_group>region", "indicators": out}


# ---- the fund ----------------------------------------------------------------------------------


def _fund_forecast(series: dict, period: str) -> dict:
    """可支付月数 and a 12-month forecast of the cumulative balance (职工统筹 18 + 居民 21) from
    the monthly flows of income (1) and expense (8): the longest run of complete months ending
    at the release month. Numbers only; the documents word them."""
    from ..analysis.forecast import forecast_flow

    ind = series["indicators"]
    periods = series["periods"]
    income, expense = ind.get("1", {}).get("flows", {}), ind.get("8", {}).get("flows", {})
    run: list[tuple[str, float, float]] = []
    for p in reversed(periods):
        if income.get(p) is None or expense.get(p) is None:
            break
        run.insert(0, (p, income[p], expense[p]))
    emp, res = (ind.get(i, {}).get("values", {}) for i in ("18", "21"))
    balance = emp[period] + res[period] if emp.get(period) is not None and res.get(period) is not None else None
    out: dict = {"horizon": FORECAST_HORIZON, "expense_window": 12, "cumulative_balance": balance,
                 "history": [{"period": p, "value": emp[p] + res[p] if emp.get(p) is not None
                              and res.get(p) is not None else None} for p in periods[-TREND_MONTHS:]],
                 "months_used": [p for p, _, _ in run], "avg_monthly_expense": None, "months_payable": None,
                 "forecast": None}
    if len(run) >= 3:
        out["avg_monthly_expense"] = float(np.mean([e for _, _, e in run[-12:]]))
        if balance is not None and out["avg_monthly_expense"] > 0:
            out["months_payable"] = balance / out["avg_monthly_expense"]
    if len(run) < 3 or balance is None:
        return out
    fi = forecast_flow([i for _, i, _ in run], FORECAST_HORIZON)
    fe = forecast_flow([e for _, _, e in run], FORECAST_HORIZON)
    paths = fi.paths - fe.paths  # monthly balance paths
    cumulative = balance + np.cumsum(paths, axis=1)
    point = balance + np.cumsum(fi.point - fe.point)
    lower, upper = np.percentile(cumulative, 5, axis=0), np.percentile(cumulative, 95, axis=0)
    future = span(shift(period, 1), shift(period, FORECAST_HORIZON))
    totals = paths.sum(axis=1)
    out["forecast"] = {
        "method": fi.note,
        "path": [{"period": p, "point": float(a), "lower": float(lo), "upper": float(hi)}
                 for p, a, lo, hi in zip(future, point, lower, upper, strict=True)],
        "horizon_balance": float((fi.point - fe.point).sum()),
        "horizon_balance_lower": float(np.percentile(totals, 5)),
        "horizon_balance_upper": float(np.percentile(totals, 95)),
        "deficit_probability": float((cumulative < 0).any(axis=1).mean()),
    }
    return out


def _fund_outlook(settings: Settings, admdvs: str, period: str) -> dict:
    """`liangjiadi analyse fund` of the period, or why it could not be made."""
    from ..analysis.fund_outlook import fund_outlook

    try:
        return {"available": True,
                "outlook": fund_outlook(settings.model_copy(update={"region_admdvs": admdvs}), period).to_dict()}
    except LjdError as exc:
        return {"available": False, "reason": exc.message}


# ---- topics, feedback, patterns ---------------------------------------------------------------------


def _topics(workdir: Path, period: str) -> list[dict]:
    from ..analysis.topic import topic_log

    return [r.to_dict() for r in topic_log(workdir)
            if str(r.period).startswith(period[:4]) and str(r.period) <= period]


def _indicators(settings: Settings, admdvs: str) -> list[dict]:
    """The catalogue the documents name indicators from, so a later edit of local_indicators.yaml
    does not rename a published figure."""
    from dataclasses import asdict

    from ..checks.catalogue import load_catalogue

    return [asdict(m) for m in load_catalogue(settings.model_copy(update={"region_admdvs": admdvs}))]


def _patterns() -> dict[str, str]:
    from ..anomalies.registry import all_detectors

    return {d.pattern: d.name for d in all_detectors()}


# ---- the release's window ----------------------------------------------------------------------


def release_window(kind: str, period_key: str) -> Window | None:
    """The months a quarterly (a quarter) or annual (a year) release covers; None for the others,
    whose documents show their month."""
    return Window.parse(period_key) if kind in WINDOW_KINDS else None


def require_window(settings: Settings, admdvs: str, window: Window) -> None:
    """Every month of the release's own window must be in the lake (history months may be missing)."""
    for p in window.month_keys:
        require_settlements(settings, admdvs, p)


def _by_month(history: pa.Table, results: pa.Table, period: str) -> dict[str, pa.Table]:
    import pyarrow.compute as pc

    out = {p: history.filter(pc.equal(history["period"], p)) for p in set(history["period"].to_pylist())}
    out[period] = results.select(history.schema.names).cast(history.schema)
    return out


def _window(settings: Settings, admdvs: str, window: Window, results: pa.Table, history: pa.Table,
            directory: dict[str, Institution], period: str) -> tuple[pa.Table, pa.Table, dict]:
    """The window's values and last year's same window (indicators/window.py), and what the
    documents print about them (window.json)."""
    from ..indicators.registry import WINDOW_RULES, load_indicators
    from ..indicators.window import index_rows_over, window_results

    workdir = Path(settings.workdir)
    region = settings.model_copy(update={"region_admdvs": admdvs})
    indicators = {i.id: i for i in load_indicators(region)}
    monthly = _by_month(history, results, period)

    def level_of(code: str) -> str:
        return (directory.get(code) or Institution(code, "", None)).level_group

    def index_over(w: Window):
        if not all(has_settlements(workdir, admdvs, p) for p in w.month_keys):
            return None

        def run(ids: list[str]):
            from ..engine import open_engine

            engine = open_engine(region)
            try:
                return index_rows_over(engine, region, admdvs, w)(ids)
            finally:
                engine.close()
        return run

    current = window_results(window, monthly, indicators, level_of=level_of, index_rows=index_over(window))
    last = window.same_last_year()
    last_table = window_results(last, monthly, indicators, level_of=level_of, index_rows=index_over(last))
    ids = sorted(set(current["indicator_id"].to_pylist()))
    rules = {i: indicators[i].window_rule if i in indicators else "end" for i in ids}
    half = Period.parse(str(window.last)).half_window()
    half_label = half.label if half.last == window.last else f"{half.label}（截至{window.last.label}）"
    doc = {
        "key": window.key, "label": window.label, "kind": window.kind, "months": window.month_keys,
        "rules": rules, "rule_text": {k: v for k, v in WINDOW_RULES.items() if k in set(rules.values())},
        "halves": {i: half_label for i, r in rules.items() if r == "half"},
        "last_year": {"key": last.key, "label": last.label,
                      "missing": [p for p in last.month_keys if p not in monthly]},
    }
    return current, last_table, doc


# ---- all of it ---------------------------------------------------------------------------------------


def freeze_snapshot(settings: Settings, admdvs: str, kind: str, period_key: str, period: str, results: pa.Table,
                    staging: Path, *, topic: dict | None = None, internal: set[str] | None = None) -> dict:
    """Write every snapshot file into `staging`; returns the context recorded in context.json.
    Rows of `internal` (仅内部使用) indicators are left out of every frozen table."""
    from .publication import drop_internal

    internal = set(internal or ())
    results, _ = drop_internal(results, internal)
    workdir = Path(settings.workdir)
    window = release_window(kind, period_key)
    if window is not None:
        require_window(settings, admdvs, window)
    directory = institution_directory(settings.model_copy(update={"region_admdvs": admdvs}), period)
    _write_json(staging / "institutions.json", [i.to_dict() for _, i in sorted(directory.items())])
    history, missing, computed = _history(settings, admdvs, period)
    history, _ = drop_internal(history, internal)
    pq.write_table(history, staging / "history.parquet")
    series = _series(history, results, period)
    _write_json(staging / "series.json", series)
    ranked = results  # distributions and rankings cover what the documents show: the window
    if window is not None:
        ranked, last_year, window_doc = _window(settings, admdvs, window, results, history, directory, period)
        ranked, _ = drop_internal(ranked, internal)
        last_year, _ = drop_internal(last_year, internal)
        window_doc["rules"] = {k: v for k, v in window_doc["rules"].items() if k not in internal}
        pq.write_table(ranked, staging / "window_results.parquet")
        pq.write_table(last_year, staging / "window_last_year.parquet")
        _write_json(staging / "window.json", window_doc)
    _write_json(staging / "peers.json", _peers(ranked, directory, settings))
    _write_json(staging / "fund_forecast.json", _fund_forecast(series, period))
    _write_json(staging / "fund_outlook.json", _fund_outlook(settings, admdvs, period))
    _write_json(staging / "topics.json", _topics(workdir, period))
    if topic is not None:
        _write_json(staging / "topic_analysis.json", topic)
    # the release period before this one of the same kind (2025-Q1 -> 2024-Q4); none for a topic
    previous = None if kind == "topic" else Window.parse(period_key).previous().key
    feedback = feedback_file(workdir, previous) if previous else None
    if feedback is not None and feedback.exists():
        shutil.copyfile(feedback, staging / "feedback.yaml")
    if kind != "topic":
        freeze_objections(settings, admdvs, kind, period_key, staging)
        freeze_letters(settings, admdvs, kind, period_key, staging)
    _write_json(staging / "patterns.json", _patterns())
    _write_json(staging / "indicators.json", [i for i in _indicators(settings, admdvs) if i["id"] not in internal])
    # a year-to-date figure of last year is only comparable when all of last year's months to
    # the same month are in the lake (a lake that starts in December holds one month of "year")
    last_ytd = span(f"{int(period[:4]) - 1}-01", Period.parse(period).shift(-12))
    context = {
        "region_name": settings.region_name or None,
        "history": {"from": series["periods"][0], "to": series["periods"][-2], "missing": missing,
                    "computed_at_create": computed},
        "last_year_to_date_missing": [p for p in last_ytd if p in missing],
        "feedback_about": previous if feedback is not None and feedback.exists() else None,
    }
    _write_json(staging / "context.json", context)
    if kind != "topic":
        _write_json(staging / "contents.json", _contents(settings, admdvs, period_key, period))
        ygt = _yigongti(settings, admdvs, period)
        if ygt is not None:
            _write_json(staging / "yigongti.json", ygt)
    return context


def _yigongti(settings: Settings, admdvs: str, period: str) -> dict | None:
    """The 县域医共体 figures of the period's year up to the period (None for a region without a
    医共体 table); a year that cannot be computed says why (the county report prints it)."""
    from ..yigongti.figures import county_figures
    from ..yigongti.service import load_year

    if not any(a == admdvs for a, _ in lake.partitions(Path(settings.workdir), "yigongti")):
        return None
    try:
        data = load_year(settings.model_copy(update={"region_admdvs": admdvs}), int(period[:4]), through=period)
        return {"available": True, **county_figures(data)}
    except LjdError as exc:
        return {"available": False, "reason": exc.message, "year": int(period[:4]), "through": period}


def freeze_objections(settings: Settings, admdvs: str, kind: str, period_key: str, staging: Path) -> int:
    """上期意见采纳情况 (seeds/001 §六(八)): the objections answered since the previous release of
    this kind, as objections.json (written only when there are some); returns how many."""
    answered = answered_since_previous(settings, admdvs, kind, period_key)
    if answered:
        _write_json(staging / "objections.json", [frozen_objection(o) for o in answered])
    return len(answered)


def freeze_letters(settings: Settings, admdvs: str, kind: str, period_key: str, staging: Path) -> int:
    """点名提醒办理情况 (seeds/001 §六(七)): every open letter of the region and those closed since the
    previous release of this kind, as letters.json (written only when there are some); returns how many."""
    letters = status_for_next(settings, admdvs, kind, period_key)
    if letters:
        _write_json(staging / "letters.json", [frozen_letter(x) for x in letters])
    return len(letters)


def _contents(settings: Settings, admdvs: str, period_key: str, period: str) -> dict:
    """analysis.contents over the release's window (a month, a quarter, a year), up to its month."""
    from ..analysis.contents import release_contents
    from ..period import Window

    months = [m for m in Window.parse(period_key).month_keys if m <= period]
    return release_contents(settings, admdvs, months)
