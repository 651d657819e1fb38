"""The figures a page or an API answer shows, taken from a release's frozen content only.

Benchmark tiers (rules.py) decide how other institutions appear next to one's own figures:
`percentile` (default) shows the peers' distribution and one's own rank and percentile only;
`code` shows the peers under anonymous codes (三级医院A); `named` shows them by name.
"""

from __future__ import annotations

import string
from functools import lru_cache
from decimal import Decimal

from ..accounts import REGION_STAFF, User
from ..config import local_time
from ..releases.model import KIND_CN, STATE_CN, Release, State, parse_period
from ..releases.suppression import small_figure
from .catalog import files as catalog_files
from .catalog import frozen, publication, tables

LEVEL_CN = {"03": "三级", "02": "二级", "01": "一级"}
DEFAULT_TIER = "percentile"
UNIT_CN = {"yuan": "元", "ratio": "比率", "count": "个（人次）", "none": "", "per_mille_people": "‰（人口）",
           "years": "岁", "per_mille": "‰", "index": "指数", "per_100k": "每十万"}


def unit_cn(unit: str | None) -> str:
    return UNIT_CN.get(unit or "none", unit or "")


def number(value) -> str | None:
    """Decimal (money) as exact text; floats to 4 significant decimals; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        text = format(value.quantize(Decimal("0.0001")).normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, float):
        return format(Decimal(repr(value)).quantize(Decimal("0.0001")).normalize(), "f")
    return str(value)


def shown(value) -> str:
    """For pages: two decimals, thousands separated."""
    if value is None:
        return "—"
    if isinstance(value, str) and value.startswith("<"):  # a withheld small count (小数抑制)
        return value
    return f"{Decimal(str(value)):,.2f}"


def status_mark(release: Release) -> tuple[str, str] | None:
    """How a version no longer in force is marked wherever it is shown: (sentence, short form).
    撤回 (withdrawn: not to be relied on) and 已被更正 (a corrected version replaced it) differ."""
    if release.state == State.WITHDRAWN:
        when = f"（{local_time(release.withdrawn_at, '%Y-%m-%d %H:%M')} 北京时间）" if release.withdrawn_at else ""
        then = f"更正版本为 {release.superseded_by}。" if release.superseded_by else ""
        return (f"本版本已撤回{when}，理由：{release.withdrawal_reason or '—'}。保留供查阅，请勿再引用。{then}",
                f"已撤回：{release.withdrawal_reason or '—'}" + (f"；已由 {release.superseded_by} 更正" if then else ""))
    if release.state == State.REVISED:
        return (f"本版本已被更正版本 {release.superseded_by} 取代，保留供查阅。",
                f"已由 {release.superseded_by} 更正，仅供查阅")
    return None


def summary(release: Release) -> dict:
    mark = status_mark(release)
    return {
        "release_id": release.release_id, "admdvs": release.admdvs, "kind": release.kind.value,
        "kind_cn": KIND_CN[release.kind], "period": release.period,
        "period_cn": parse_period(release.kind, release.period).label, "version": release.version,
        "state": release.state.value, "state_cn": STATE_CN[release.state],
        "published_at": release.published_at.isoformat() if release.published_at else None,
        "published_cn": local_time(release.published_at),
        "superseded_by": release.superseded_by,
        "revised": release.state == State.REVISED,
        "withdrawn": release.state == State.WITHDRAWN,
        "withdrawn_at": release.withdrawn_at.isoformat() if release.withdrawn_at else None,
        "withdrawal_reason": release.withdrawal_reason,
        "mark": mark[0] if mark else None, "mark_short": mark[1] if mark else None,
        "data_hash": frozen(release).data_hash if release.bundle_dir.exists() else None,
    }


def hidden_indicators(settings, release: Release | None = None) -> frozenset[str]:
    """Indicators the portal never shows: the configured internal-only ones (a bundle frozen
    before they were declared may still hold them) and those the release says it left out."""
    dropped = publication(release).get("internal_dropped") or [] if release is not None else []
    return frozenset(settings.internal_indicators) | frozenset(dropped)


def indicator_names(release: Release, hidden: frozenset[str] = frozenset()) -> dict[str, dict]:
    return {i["id"]: i for i in frozen(release).indicators if i["id"] not in hidden}


def figure(row: dict, meta: dict, threshold: int) -> dict:
    """One indicator value as the portal shows it: a figure from fewer cases than the release's
    small-count threshold is withheld (releases/suppression.py, the documents' rule)."""
    small = small_figure(meta.get("unit"), row["value"], row.get("denominator"), threshold)
    return {"indicator_id": row["indicator_id"], "name": meta.get("name", row["indicator_id"]),
            "unit": meta.get("unit"), "value": small if small and small.startswith("<") else
            (None if small else number(row["value"])),
            "note": f"{small}，不予显示（小数抑制）" if small else row["note"], "suppressed": bool(small)}


@lru_cache(maxsize=64)
def region_figures(release: Release, hidden: frozenset[str] = frozenset()) -> list[dict]:
    names = indicator_names(release)
    limit = tables(release)["threshold"]
    return [figure(row, names.get(row["indicator_id"], {}), limit) for row in tables(release)["results"]
            if row["scope"] == "region" and row["indicator_id"] not in hidden]


def _anonymous_codes(rows: list[dict]) -> dict[str, str]:
    """三级医院A, 三级医院B ... in the order of the peers list, per group."""
    counters: dict[str, int] = {}
    codes = {}
    for row in rows:
        group = row.get("group") or ""
        n = counters.get(group, 0)
        counters[group] = n + 1
        letters = string.ascii_uppercase
        suffix = letters[n % 26] + (str(n // 26) if n >= 26 else "")
        codes[row["fixmedins_code"]] = f"{group}医院{suffix}"
    return codes


def benchmark(release: Release, indicator_id: str, tier: str, own: str | None, named_scope=None) -> dict:
    """One indicator's peers as the tier allows. `own` is the viewer's institution (always named
    to itself); `named_scope(code, row)` names further institutions (a county's own)."""
    entry = frozen(release).peers.get("indicators", {}).get(indicator_id)
    if not entry:
        return {}
    rows = entry.get("rows", [])
    codes = _anonymous_codes(rows) if tier == "code" else {}
    small = tables(release)["small_peers"]
    peers = []
    for row in rows:
        mine = own is not None and row["fixmedins_code"] == own
        if mine or tier == "named" or (named_scope and named_scope(row["fixmedins_code"])):
            label = row.get("name") or row["fixmedins_code"]
        elif tier == "code":
            label = codes[row["fixmedins_code"]]
        else:
            continue  # anonymous percentile: only the distribution below
        withheld = small.get((indicator_id, row["fixmedins_code"]))
        value = (withheld if withheld.startswith("<") else None) if withheld else number(row.get("value"))
        peers.append({"label": label, "own": mine, "group": row.get("group"), "value": value,
                      "suppressed": bool(withheld),
                      "rank": row.get("rank"), "of": row.get("of"), "percentile": number(row.get("percentile")),
                      "small_volume": bool(row.get("small_volume"))})
    groups = [{k: (number(v) if isinstance(v, float | Decimal) else v) for k, v in g.items()}
              for g in entry.get("groups", [])]
    return {"tier": tier, "descending": entry.get("descending"), "groups": groups, "peers": peers}


def region_benchmarks(release: Release, tiers: dict[str, str], user: User, hidden: frozenset[str] = frozenset()) -> dict:
    """The peers tables of a release for its region's readers (province and supervisors: none)."""
    if user.role in ("province", "supervisor"):
        return {}
    named = None
    if user.role in REGION_STAFF:
        def named(_code):
            return True
    elif user.role == "county":
        counties = {c for c, i in institutions_by_code(release).items() if i.get("admdvs") == user.admdvs}

        def named(code):
            return code in counties
    own = user.fixmedins_code if user.role == "institution" else None
    return {ind: benchmark(release, ind, tiers.get(ind, DEFAULT_TIER), own, named)
            for ind in frozen(release).peers.get("indicators", {}) if ind not in hidden}


def institutions_by_code(release: Release) -> dict[str, dict]:
    return {i["code"]: i for i in frozen(release).institutions}


def _series_for(release: Release, code: str) -> dict[str, dict[str, str | None]]:
    found = tables(release)["series"].get(code, {})
    return {ind: {p: number(v) for p, v in sorted(values.items())} for ind, values in found.items()}


def institution_detail(release: Release, code: str, tiers: dict[str, str], own: bool,
                       hidden: frozenset[str] = frozenset()) -> dict:
    """Memoised by release (its content hash), institution, tiers, viewpoint and hidden indicators;
    callers must not change the answer (copy it first)."""
    return _institution_detail(release, code, tuple(sorted(tiers.items())), own, hidden)


@lru_cache(maxsize=1024)
def _institution_detail(release: Release, code: str, tier_items: tuple, own: bool, hidden: frozenset[str]) -> dict:
    tiers = dict(tier_items)
    return _build_institution_detail(release, code, tiers, own, hidden)


def _build_institution_detail(release: Release, code: str, tiers: dict[str, str], own: bool,
                              hidden: frozenset[str] = frozenset()) -> dict:
    """One institution's push: its figures, their course over time next to the region's, its place
    among its peers, its findings and its files."""
    content = frozen(release)
    names = indicator_names(release)
    institution = institutions_by_code(release)[code]
    limit = tables(release)["threshold"]
    values = [figure(row, names.get(row["indicator_id"], {}), limit)
              for row in tables(release)["by_institution"].get(code, []) if row["indicator_id"] not in hidden]
    region_series = {ind: {p: number(v) for p, v in (entry.get("values") or {}).items()}
                     for ind, entry in (content.series.get("indicators") or {}).items() if ind not in hidden}
    peers = {}
    for ind in (i for i in content.peers.get("indicators", {}) if i not in hidden):
        bench = benchmark(release, ind, tiers.get(ind, "percentile"), code)
        mine = next((p for p in bench.get("peers", []) if p["own"]), None)
        peers[ind] = {"name": names.get(ind, {}).get("name", ind), "own": mine, "groups": bench.get("groups", []),
                      "tier": bench.get("tier"), "peers": bench.get("peers", []) if not own else
                      [p for p in bench.get("peers", []) if p["own"] or bench.get("tier") != "percentile"]}
    findings = [{"pattern": f["pattern"], "period": f["period"], "severity": f["severity"],
                 "message": f["message"], "patterns": f.get("patterns")}
                for f in tables(release)["findings"] if f["fixmedins_code"] == code]
    files = [f for f in catalog_files(release) if f.startswith(f"reports/定向推送/{code}.")]
    return {
        "release": summary(release),
        "institution": {"code": code, "name": institution.get("name"), "admdvs": institution.get("admdvs"),
                        "level": LEVEL_CN.get(institution.get("hosp_lv") or "", institution.get("hosp_lv")),
                        "type": institution.get("fixmedins_type")},
        "figures": values,
        "series": {"institution": {k: v for k, v in _series_for(release, code).items() if k not in hidden},
                   "region": region_series,
                   "periods": content.series.get("periods", [])},
        "peers": peers,
        "findings": findings,
        "files": files,
        "pharmacy": pharmacy_detail(release, code) if institution.get("fixmedins_type") == "2" else None,
    }


PHARMACY_IDS = ("47", "57")


def pharmacy_detail(release: Release, code: str) -> dict:
    """A pharmacy's push in the portal: 47 and 57 of the region, its own 57 when supplied, its own
    医保结算 over the release's window and the pharmacies' medians (contents.json, 药店)."""
    names = indicator_names(release)
    rows = [r for r in tables(release)["results"] if r["indicator_id"] in PHARMACY_IDS
            and (r["scope"] == "region" or r["fixmedins_code"] == code)]
    shown = [{"indicator_id": r["indicator_id"], "name": ("本店" if r["scope"] != "region" else "")
              + names.get(r["indicator_id"], {}).get("name", r["indicator_id"]),
              "unit": names.get(r["indicator_id"], {}).get("unit"), "value": number(r["value"])} for r in rows]
    block = (frozen(release).contents or {}).get("pharmacies") or {}
    own = next((r for r in block.get("rows", []) if r["code"] == code), None)
    enough = block.get("peers", 0) >= block.get("min_peers", 6)
    return {"figures": shown, "own": own, "peers": block.get("peers", 0), "enough": enough,
            "median_per_visit": block.get("median_per_visit") if enough else None,
            "median_fund_per_visit": block.get("median_fund_per_visit") if enough else None}
