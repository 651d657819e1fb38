"""The working group in the portal (issue 15): the convener runs a draw and publishes its 公示,
members see their term, the officer follows the plan and the meetings' coverage, and a province
viewer compares the regions' quarterly submissions at region level only (never an institution).

Every form carries the CSRF token; each page checks its role here and a refusal is a `Denied`,
which the app logs as 越权尝试. The group's store is written by one request at a time.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..config import DISPLAY_TZ
from ..errors import LjdError
from ..schema.codes import level_group
from ..workgroup import BUILT_IN, DrawFailed, load_profile, run_draw, store
from ..workgroup.drawdir import NOTICE, read_log
from ..workgroup.meetings import BASIC, Institution, coverage
from ..workgroup.people import person_of, sync_registry, terms_of
from ..workgroup.plan import Published, plan_status, warnings
from ..workgroup.province import SHEETS, due_date, submissions
from .access import Denied, region_of
from .catalog import all_releases, institutions
from .pages import _context, _form, templates
from .web import log, settings_of, user_of

router = APIRouter(include_in_schema=False)
_WRITING = threading.Lock()  # one writer of store.json at a time (the CLI holds the workdir's lock)
PROFILE_CN = {"national": "国家医保数据工作组工作手册", "liaoning": "辽宁省规则", "changzhi": "长治市规则"}
GROUP_PAGES_ROLES = ("officer", "member", "convener")


def _workdir(request: Request) -> Path:
    return Path(settings_of(request).workdir)


def _require(request: Request, roles: tuple[str, ...], reason: str):
    user = user_of(request)
    if user.role not in roles:
        raise Denied(403, reason)
    return user


def _this_year() -> int:
    return datetime.now(DISPLAY_TZ).year


def _draw_entry(data: dict, index: int) -> dict:
    if not 0 <= index < len(data["draws"]):
        raise Denied(404, "no_such_draw")
    return data["draws"][index]


@router.get("/group")
def group_page(request: Request, year: int | None = None, error: str | None = None):
    """The year's group: drawn representatives, bureau staff, the draws and their 公示."""
    user = _require(request, GROUP_PAGES_ROLES, "group_not_allowed")
    year = year or _this_year()
    data = store.load(_workdir(request))
    pool = store.pool_of(data)
    draws = [dict(d, index=i) for i, d in enumerate(data["draws"]) if d["year"] == year]
    serving = [t for t in data["terms"] if t["year"] == year and t["status"] == "在任"]
    left = [t for t in data["terms"] if t["year"] == year and t["status"] != "在任"]
    return templates.TemplateResponse(request, "group.html", _context(
        request, "group", year=year, pool_size=len(pool), bureau=[p for p in pool if p.is_bureau], serving=serving,
        left=left, draws=draws, profiles=[(p, PROFILE_CN[p]) for p in BUILT_IN],
        roles=[r for r in data["roles"] if r["year"] == year], convener=user.role == "convener", error=error))


@router.post("/group/draw")
async def group_draw(request: Request):
    """The convener draws the year's group with the seed announced beforehand."""
    user = _require(request, ("convener",), "group_draw_not_allowed")
    form = await _form(request)
    profile_name = str(form.get("profile", ""))
    seed = str(form.get("seed", "")).strip()
    try:
        year = int(str(form.get("year", "")))
    except ValueError:
        return RedirectResponse("/group?error=年度应为四位数字", status_code=303)
    if profile_name not in BUILT_IN:
        raise Denied(403, "unknown_profile")
    settings = settings_of(request)
    workdir = _workdir(request)

    def work():
        with _WRITING:
            data = store.load(workdir)
            out = workdir / "workgroup" / "draws" / f"{year}-{len(data['draws']) + 1:02d}"
            result, path = run_draw(workdir, load_profile(profile_name), seed, out, year=year,
                                    region=settings.region_name or "")
            sync_registry(workdir, year, settings, user.username)
            return result, len(store.load(workdir)["draws"]) - 1

    try:
        result, index = await run_in_threadpool(work)
    except DrawFailed as exc:
        await run_in_threadpool(log, request, "group_draw", status=409, detail={"ok": False, "year": year})
        return RedirectResponse(f"/group?year={year}&error={exc.message}", status_code=303)
    except LjdError as exc:
        return RedirectResponse(f"/group?year={year}&error={exc.message}", status_code=303)
    await run_in_threadpool(log, request, "group_draw", detail={"ok": True, "year": year, "draw": index,
                                                                "profile": profile_name, "seated": len(result.chosen)})
    return RedirectResponse(f"/group/draws/{index}", status_code=303)


@router.get("/group/draws/{index}")
def draw_page(request: Request, index: int):
    user = _require(request, GROUP_PAGES_ROLES, "group_not_allowed")
    entry = _draw_entry(store.load(_workdir(request)), index)
    draw_log = read_log(Path(entry["dir"]))
    if not entry.get("published_at") and user.role == "member":
        raise Denied(404, "draw_not_published")  # members see a draw once its 公示 is out
    return templates.TemplateResponse(request, "group_draw.html", _context(
        request, "group_draw", entry=entry, index=index, log=draw_log, convener=user.role == "convener"))


@router.post("/group/draws/{index}/publish")
async def publish_draw(request: Request, index: int):
    """The convener publishes the draw's 抽选结果公示 (the notice, the pool, the log and the result)."""
    user = _require(request, ("convener",), "group_publish_not_allowed")
    await _form(request)
    workdir = _workdir(request)

    def work():
        with _WRITING:
            data = store.load(workdir)
            entry = _draw_entry(data, index)
            if not entry.get("published_at"):
                entry["published_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
                entry["published_by"] = user.username
                store.save(workdir, data)

    await run_in_threadpool(work)
    await run_in_threadpool(log, request, "group_publish", detail={"draw": index})
    return RedirectResponse(f"/group/draws/{index}", status_code=303)


# the files of a published draw anyone of the region's staff may download (the 公示 and its inputs)
PUBLIC_FILES = {"notice": NOTICE, "result": "result.csv", "pool": "pool.csv", "log": "draw_log.json"}


@router.get("/group/draws/{index}/{name}")
def draw_file(request: Request, index: int, name: str):
    user = _require(request, GROUP_PAGES_ROLES, "group_not_allowed")
    entry = _draw_entry(store.load(_workdir(request)), index)
    if name not in PUBLIC_FILES:
        raise Denied(404, "no_such_file")
    if not entry.get("published_at") and user.role != "convener":
        raise Denied(404, "draw_not_published")
    path = Path(entry["dir"]) / PUBLIC_FILES[name]
    if not path.is_file():
        raise Denied(404, "no_such_file")
    log(request, "download", detail={"draw": index, "file": PUBLIC_FILES[name]})
    return FileResponse(path, filename=f"{entry['year']}-{index}-{PUBLIC_FILES[name]}")


@router.get("/group/me")
def my_term(request: Request):
    """A member or the convener: their own terms, roles and the published 公示 that seated them."""
    user = _require(request, ("member", "convener"), "own_term_only_for_members")
    data = store.load(_workdir(request))
    key = person_of(data, user.member_id)
    terms = terms_of(data, key) if key else []
    published = {d["dir"]: i for i, d in enumerate(data["draws"]) if d.get("published_at")}
    for term in terms:
        term["draw_index"] = published.get(term.get("dir", ""))
    person = next((p for p in store.pool_of(data) if p.key == key), None)
    return templates.TemplateResponse(request, "group_me.html", _context(request, "group_me", person=person,
                                                                          terms=terms))


# ---- the officer: plan and coverage ------------------------------------------------------------


def _published(request: Request, region: str | None) -> list[Published]:
    """The region's published releases, from the portal's catalogue (not the release workflow)."""
    out = []
    for r in all_releases(settings_of(request)):
        if r.admdvs == region and r.state.value == "published" and r.published_at:
            day = r.published_at.astimezone(DISPLAY_TZ).date()
            out.append(Published(r.release_id, r.kind.value, r.period, r.source_period, r.title or "", day))
    return out


@router.get("/group/plan")
def plan_page(request: Request, year: int | None = None):
    user = _require(request, ("officer", "convener"), "plan_not_allowed")
    year = year or _this_year()
    today = datetime.now(DISPLAY_TZ).date()
    try:
        plan, items = plan_status(settings_of(request), year, today, published=_published(request, region_of(user)))
        problem = None
    except LjdError as exc:
        plan, items, problem = None, [], exc.message
    return templates.TemplateResponse(request, "group_plan.html", _context(
        request, "group_plan", year=year, plan=plan, items=items, warnings=warnings(items), problem=problem,
        today=today))


def _directory(request: Request, user) -> dict[str, Institution]:
    """The designated medical institutions of the newest published release of the officer's region."""
    region = region_of(user)
    published = [r for r in all_releases(settings_of(request))
                 if r.admdvs == region and r.state.value == "published" and r.published_at]
    if not published:
        return {}
    newest = max(published, key=lambda r: (r.source_period, r.published_at))
    out = {}
    for code, row in institutions(newest).items():
        if str(row.get("fixmedins_type") or "1") != "1":
            continue
        group = level_group(row.get("hosp_lv"))
        out[code] = Institution(code, row.get("name") or "", BASIC if group == "一级及以下" else group)
    return out


@router.get("/group/coverage")
def coverage_page(request: Request, as_of: str | None = None):
    user = _require(request, ("officer", "convener"), "coverage_not_allowed")
    try:
        day = date.fromisoformat(as_of) if as_of else datetime.now(DISPLAY_TZ).date()
    except ValueError:
        day = datetime.now(DISPLAY_TZ).date()
    directory = _directory(request, user)
    cov = coverage(store.load(_workdir(request))["meetings"], directory, day)
    return templates.TemplateResponse(request, "group_coverage.html", _context(
        request, "group_coverage", cov=cov, directory_size=len(directory), day=day))


# ---- the province ------------------------------------------------------------------------------


@router.get("/province")
def province_page(request: Request, quarter: str | None = None):
    """Regions side by side: 重点病组 and 职工门诊统筹 by region, how many institutions each compared,
    and when each arrived; never an institution's row (the province sees region-level figures only)."""
    user = _require(request, ("province",), "province_only")
    if not quarter:
        root = _workdir(request) / "workgroup" / "province"
        known = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        quarter = known[-1] if known else None
    if quarter is None:
        return templates.TemplateResponse(request, "province.html", _context(request, "province", quarter=None))
    try:
        subs = [s for s in submissions(_workdir(request), quarter) if s.region[:2] == (user.admdvs or "")[:2]]
        due = due_date(quarter)
    except LjdError as exc:
        return templates.TemplateResponse(request, "province.html", _context(request, "province", quarter=None,
                                                                             problem=exc.message))
    sides = {}
    for sheet in ("重点病组", "职工门诊统筹"):
        keys, values = SHEETS[sheet]
        rows: dict[tuple, dict] = {}
        for s in subs:
            for rec in s.sheets.get(sheet, []):
                rows.setdefault(tuple(rec[k] for k in keys), {})[s.region] = rec
        sides[sheet] = {"keys": keys, "values": values,
                        "rows": [(key, [[rows[key].get(s.region, {}).get(c) for c in values] for s in subs])
                                 for key in sorted(rows)]}
    from ..workgroup.province_summary import pooled_survey

    surveyed, options = pooled_survey(_workdir(request), quarter, province=user.admdvs or "")
    return templates.TemplateResponse(request, "province.html", _context(
        request, "province", quarter=quarter, due=due, subs=subs, sides=sides,
        compared={s.region: len(s.sheets.get("机构比较", [])) for s in subs},
        surveyed=surveyed, arrears=[o for o in options if o.arrears and o.signal]))


# ---- 成员库 in the portal: import a spreadsheet, remove a nominee --------------------------------

POOL_EDITORS = ("officer", "convener")


@router.get("/group/pool")
def pool_page(request: Request, message: str | None = None):
    user = _require(request, GROUP_PAGES_ROLES, "group_not_allowed")
    data = store.load(_workdir(request))
    serving_keys = {t["key"] for t in data["terms"] if t["status"] == "在任"}
    return templates.TemplateResponse(request, "group_pool.html", _context(
        request, "group_pool", pool=store.pool_of(data), serving=serving_keys, message=message,
        editor=user.role in POOL_EDITORS, profiles=[(p, PROFILE_CN[p]) for p in BUILT_IN]))


@router.post("/group/pool/import")
async def pool_import(request: Request):
    """A spreadsheet of nominations (the same 7 columns as `group pool import`), checked row by row."""
    from ..workgroup import import_pool

    _require(request, POOL_EDITORS, "pool_edit_not_allowed")
    form = await _form(request)
    upload = form.get("file")
    profile_name = str(form.get("profile", ""))
    if profile_name not in BUILT_IN:
        raise Denied(403, "unknown_profile")
    name = Path(getattr(upload, "filename", "") or "").name
    if not name or Path(name).suffix.lower() not in (".xlsx", ".csv"):
        return RedirectResponse("/group/pool?message=请选择 .xlsx 或 .csv 文件", status_code=303)
    content = await upload.read()
    workdir = _workdir(request)

    def work():
        import tempfile

        with tempfile.TemporaryDirectory() as tmp, _WRITING:
            path = Path(tmp) / name  # the file's own name, so every problem names it
            path.write_bytes(content)
            return import_pool(workdir, path, load_profile(profile_name))

    try:
        report = await run_in_threadpool(work)
    except LjdError as exc:
        return RedirectResponse(f"/group/pool?message={exc.message}", status_code=303)
    await run_in_threadpool(log, request, "group_pool_import", detail={"file": name, "added": report.added,
                                                                       "updated": report.updated,
                                                                       "refused": len(report.problems)})
    text = f"{name}：新增 {report.added} 人，更新 {report.updated} 人，成员库共 {report.total} 人"
    if report.problems:
        text += "；未入库：" + "；".join(str(p) for p in report.problems[:20])
    return RedirectResponse(f"/group/pool?message={text}", status_code=303)


@router.post("/group/pool/remove")
async def pool_remove(request: Request):
    _require(request, POOL_EDITORS, "pool_edit_not_allowed")
    form = await _form(request)
    key = str(form.get("key", ""))
    workdir = _workdir(request)

    def work() -> str:
        with _WRITING:
            data = store.load(workdir)
            if any(t["key"] == key and t["status"] == "在任" for t in data["terms"]):
                return f"{key} 是在任代表，不能从成员库删除；退出或解除请用补充抽选（group replace）"
            kept = [p for p in data["pool"] if f"{p['单位编码']}/{p['姓名']}" != key]
            if len(kept) == len(data["pool"]):
                return f"成员库中没有 {key}"
            data["pool"] = kept  # term records and past draws keep their own copy of the person
            store.save(workdir, data)
            return f"已从成员库删除 {key}"

    text = await run_in_threadpool(work)
    await run_in_threadpool(log, request, "group_pool_remove", detail={"key": key, "result": text})
    return RedirectResponse(f"/group/pool?message={text}", status_code=303)
