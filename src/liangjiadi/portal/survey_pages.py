"""The 附录4 questionnaire and the 分组/政策建议 in the portal: API routes and pages.

The answer routes (POST /api/surveys/{id}/responses and the page's form) are anonymous in what
they keep (附录4: 问卷采用无记名方式统计): they write nothing to the access log, raise no
`Denied` (whose handler logs the user), carry no watermark, and hand the sheet to survey/service.py
without the user. The session only admits the reader to the portal; the one-time code admits the
sheet. Every other route here logs as usual.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from ..survey import service, suggestions
from ..survey.errors import CodeRefused, SurveyError
from ..survey.export import write_results
from ..survey.questionnaire import load
from ..survey.results import aggregate, as_json
from .access import (
    Denied, may_answer_survey, may_read_survey_results, may_run_survey, may_suggest, region_of, suggestion_filter,
)
from .catalog import all_releases, institutions
from .pages import _context, _form, templates
from .web import log, settings_of, user_of

router = APIRouter(tags=["问卷与建议"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SurveyOpenBody(BaseModel):
    meeting: str | None = None  # 数据发布活动（会议）名称，例如“2026年1月数据发布会”
    release_id: str | None = None
    title: str | None = None


class CodesBody(BaseModel):
    count: int


class SheetBody(BaseModel):
    code: str
    unit_type: str
    level: str | None = None
    answers: dict = {}
    blanks: dict = {}


class SuggestionBody(BaseModel):
    category: str
    text: str
    release_id: str | None = None


# ---- who may do what (the rules are in access.py) -------------------------------------------------

def _survey(request: Request, survey_id: int) -> dict:
    found = service.get_survey(settings_of(request), survey_id)
    if found is None:
        raise Denied(404, "no_such_survey")
    return found


def _staff_survey(request: Request, survey_id: int) -> dict:
    survey = _survey(request, survey_id)
    if not may_read_survey_results(user_of(request), survey["admdvs"]):
        raise Denied(404, "survey_not_visible")
    return survey


def _run_survey(request: Request, survey_id: int) -> dict:
    survey = _survey(request, survey_id)
    if not may_run_survey(user_of(request), survey["admdvs"]):
        raise Denied(403, "survey_not_run_by_user")
    return survey


def _visible_surveys(request: Request) -> list[dict]:
    user = user_of(request)
    settings = settings_of(request)
    if user.role == "institution":
        return [_public(s) for s in service.list_surveys(settings, state="open") if may_answer_survey(user, s)]
    if user.role == "province" and user.admdvs:
        return service.list_surveys(settings, province=user.admdvs[:2])
    if may_read_survey_results(user, region_of(user) or ""):
        return service.list_surveys(settings, admdvs=region_of(user))
    raise Denied(403, "surveys_not_allowed")


def _public(survey: dict) -> dict:
    """What a respondent sees of a survey: not how many answered or who opened it."""
    return {k: survey[k] for k in ("id", "admdvs", "title", "meeting", "release_id", "state", "state_cn")}


def _results(request: Request, survey: dict) -> dict:
    return aggregate(load(), service.sheets(settings_of(request), [survey["id"]]))


def _xlsx_response(request: Request, surveys: list[dict], name: str) -> FileResponse:
    out = Path(tempfile.mkdtemp(prefix="ljd-survey-")) / "survey.xlsx"
    write_results(out, load(), surveys, {s["id"]: _results(request, s) for s in surveys})
    log(request, "export", detail={"what": "survey_results", "surveys": [s["id"] for s in surveys]})
    return FileResponse(out, media_type=XLSX, filename=name,
                        background=BackgroundTask(lambda: (out.unlink(missing_ok=True), out.parent.rmdir())))


def _unit_kind(request: Request, code: str | None) -> str | None:
    """医疗机构 or 零售药店, from the newest release that lists the institution."""
    if not code:
        return None
    for release in all_releases(settings_of(request)):
        found = institutions(release).get(code)
        if found is not None:
            return "零售药店" if found.get("fixmedins_type") == "2" else "医疗机构"
    return None


# ---- API: the questionnaire ---------------------------------------------------------------------------

@router.get("/api/questionnaire", summary="附录4 调查问卷：24 题、单位类别与机构等级（题目与选项原文）")
def api_questionnaire(request: Request):
    user_of(request)
    q = load()
    return {"title": q.title, "source": q.source, "preface": q.preface,
            "unit_type": {"text": q.unit_type_text, "options": list(q.unit_types)},
            "level": {"text": q.level_text, "options": list(q.levels), "not_for": list(q.no_level_for)},
            "questions": [{"no": x.no, "kind": x.kind, "text": x.text, "options": x.options, "blank": x.blank,
                           "unit": x.unit, "arrears": x.arrears} for x in q.questions]}


@router.get("/api/surveys", summary="问卷列表（机构：本地区开放中的问卷；数据专员、成员、召集人：本地区；省级：本省）")
def api_surveys(request: Request):
    return {"surveys": _visible_surveys(request)}


@router.post("/api/surveys", status_code=201, summary="开放问卷：对应一次发布活动（会议）或一次发布（本地区数据专员）")
def api_open_survey(request: Request, body: SurveyOpenBody):
    user = user_of(request)
    if not may_run_survey(user, region_of(user) or ""):
        raise Denied(403, "survey_open_not_allowed")
    made = service.open_survey(settings_of(request), region_of(user), user.username, release_id=body.release_id,
                               meeting=body.meeting, title=body.title)
    log(request, "survey_open", detail={"survey": made["id"]})
    return JSONResponse(made, status_code=201)


@router.post("/api/surveys/{survey_id}/close", summary="结束问卷（本地区数据专员）")
def api_close_survey(request: Request, survey_id: int):
    _run_survey(request, survey_id)
    done = service.close_survey(settings_of(request), survey_id, user_of(request).username)
    log(request, "survey_close", detail={"survey": survey_id})
    return done


@router.post("/api/surveys/{survey_id}/codes", summary="发放一次性答卷码（只显示这一次；库中只存摘要）")
def api_codes(request: Request, survey_id: int, body: CodesBody):
    _run_survey(request, survey_id)
    codes = service.issue_codes(settings_of(request), survey_id, body.count)
    log(request, "survey_codes", detail={"survey": survey_id, "count": len(codes)})
    return {"survey_id": survey_id, "codes": codes}


@router.post("/api/surveys/{survey_id}/responses", status_code=201,
             summary="提交答卷（无记名：不记录用户、机构、IP、时间，访问日志不记本次提交；须一次性答卷码）")
def api_answer(request: Request, survey_id: int, body: SheetBody):
    return _answer(request, survey_id, body.code, body.unit_type, body.level, body.answers, body.blanks)


def _answer(request: Request, survey_id: int, code, unit_type, level, answers, blanks) -> JSONResponse:
    """Refusals are answered here, never raised: no handler may log the user of this route."""
    user = getattr(request.state, "user", None)
    survey = service.get_survey(settings_of(request), survey_id)
    if user is None or survey is None or not may_answer_survey(user, survey):
        return JSONResponse({"detail": "问卷不存在、未开放或无权填写"}, status_code=404)
    try:
        service.submit(settings_of(request), survey_id, code, unit_type, level, answers, blanks)
    except SurveyError as exc:
        status = 403 if isinstance(exc, CodeRefused) else 422
        return JSONResponse({"detail": exc.message, "hint": exc.hint}, status_code=status)
    return JSONResponse({"ok": True, "message": "答卷已提交，感谢您的支持"}, status_code=201)


@router.get("/api/surveys/{survey_id}/results", summary="问卷结果：按题、按单位类别与等级汇总，拖欠相关题标注")
def api_results(request: Request, survey_id: int):
    survey = _staff_survey(request, survey_id)
    log(request, "view", detail={"page": "survey_results", "survey": survey_id})
    return {"survey": survey, "results": as_json(_results(request, survey))}


@router.get("/api/surveys/{survey_id}/results.xlsx", summary="问卷结果 xlsx（供省级医保部门汇总分析）")
def api_results_xlsx(request: Request, survey_id: int):
    return _xlsx_response(request, [_staff_survey(request, survey_id)], f"问卷结果-{survey_id}.xlsx")


@router.get("/api/survey-results.xlsx", summary="全部可见问卷的结果 xlsx（省级：本省各统筹地区；数据专员：本地区）")
def api_all_results_xlsx(request: Request):
    user = user_of(request)
    if user.role not in ("officer", "province"):
        raise Denied(403, "survey_export_not_allowed")
    surveys = list(reversed(_visible_surveys(request)))
    return _xlsx_response(request, surveys, "问卷结果汇总.xlsx")


# ---- API: suggestions ------------------------------------------------------------------------------------

@router.post("/api/suggestions", status_code=201, summary="提交分组/政策建议（机构用户、工作组成员），须选择类别")
def api_suggest(request: Request, body: SuggestionBody):
    user = user_of(request)
    if not may_suggest(user):
        raise Denied(403, "suggestion_not_allowed")
    made = suggestions.submit(settings_of(request), region_of(user), body.category, body.text, user.username,
                              fixmedins_code=user.fixmedins_code if user.role == "institution" else None,
                              unit_kind=_unit_kind(request, user.fixmedins_code), release_id=body.release_id)
    log(request, "suggestion", fixmedins_code=made["fixmedins_code"], detail={"suggestion": made["id"]})
    return JSONResponse(made, status_code=201)


def _listed_suggestions(request: Request) -> list[dict]:
    user = user_of(request)
    rows = suggestions.list_suggestions(settings_of(request), **suggestion_filter(user))
    if user.role == "province":  # the province reads the content, not who wrote it
        rows = [{**r, "fixmedins_code": None, "submitted_by": None} for r in rows]
    return rows


@router.get("/api/suggestions", summary="建议列表（机构：本机构；数据专员、成员、召集人：本地区；省级：本省，不含机构与提交人）")
def api_suggestions(request: Request):
    return {"suggestions": _listed_suggestions(request), "categories": suggestions.CATEGORIES}


@router.get("/api/suggestions/export.xlsx", summary="建议 xlsx（报省级医保部门；不含机构与提交人）")
def api_suggestions_xlsx(request: Request):
    user = user_of(request)
    if user.role not in ("officer", "province"):
        raise Denied(403, "suggestion_export_not_allowed")
    rows = _listed_suggestions(request)
    out = Path(tempfile.mkdtemp(prefix="ljd-suggest-")) / "suggestions.xlsx"
    suggestions.write_xlsx(out, rows)
    log(request, "export", detail={"what": "suggestions", "rows": len(rows)})
    return FileResponse(out, media_type=XLSX, filename="分组政策建议.xlsx",
                        background=BackgroundTask(lambda: (out.unlink(missing_ok=True), out.parent.rmdir())))


# ---- pages ---------------------------------------------------------------------------------------------------

@router.get("/surveys", include_in_schema=False)
def surveys_page(request: Request, error: str | None = None):
    user = user_of(request)
    listed = _visible_surveys(request)
    releases = [r.release_id for r in all_releases(settings_of(request)) if r.admdvs == region_of(user)]
    return templates.TemplateResponse(request, "surveys.html", _context(
        request, "surveys", surveys=listed, error=error, releases=releases,
        can_open=may_run_survey(user, region_of(user) or "")))


@router.post("/surveys", include_in_schema=False)
async def surveys_open(request: Request):
    form = await _form(request)
    user = user_of(request)
    if not may_run_survey(user, region_of(user) or ""):
        raise Denied(403, "survey_open_not_allowed")
    try:
        made = await run_in_threadpool(service.open_survey, settings_of(request), region_of(user), user.username,
                                       release_id=form.get("release_id"), meeting=form.get("meeting"))
    except SurveyError as exc:
        return RedirectResponse(f"/surveys?error={exc.message}", status_code=303)
    await run_in_threadpool(log, request, "survey_open", detail={"survey": made["id"]})
    return RedirectResponse(f"/surveys/{made['id']}/results", status_code=303)


@router.post("/surveys/{survey_id}/codes", include_in_schema=False)
async def codes_page(request: Request, survey_id: int):
    form = await _form(request)
    survey = await run_in_threadpool(_run_survey, request, survey_id)
    try:
        count = int(str(form.get("count", "")).strip() or "0")
        codes = await run_in_threadpool(service.issue_codes, settings_of(request), survey_id, count)
    except (ValueError, SurveyError) as exc:
        message = exc.message if isinstance(exc, SurveyError) else "数量应为整数"
        return RedirectResponse(f"/surveys/{survey_id}/results?error={message}", status_code=303)
    await run_in_threadpool(log, request, "survey_codes", detail={"survey": survey_id, "count": len(codes)})
    return templates.TemplateResponse(request, "survey_codes.html", _context(
        request, "survey_codes", log_view=False, survey=survey, codes=codes))


@router.post("/surveys/{survey_id}/close", include_in_schema=False)
async def close_page(request: Request, survey_id: int):
    await _form(request)
    await run_in_threadpool(_run_survey, request, survey_id)
    await run_in_threadpool(service.close_survey, settings_of(request), survey_id, user_of(request).username)
    await run_in_threadpool(log, request, "survey_close", detail={"survey": survey_id})
    return RedirectResponse(f"/surveys/{survey_id}/results", status_code=303)


def _answer_context(request: Request, survey: dict, **extra) -> dict:
    """No watermark and no logged view: the page names no one and leaves no trace of who opened it."""
    return {"request": request, "user": user_of(request), "csrf": request.state.csrf, "page": "survey_answer",
            "survey": _public(survey), "q": load(), **extra}


@router.get("/surveys/{survey_id}/answer", include_in_schema=False)
def answer_page(request: Request, survey_id: int):
    user = user_of(request)
    survey = service.get_survey(settings_of(request), survey_id)
    if survey is None or not may_answer_survey(user, survey):
        return templates.TemplateResponse(request, "error.html", {"request": request, "status": 404, "user": user,
                                                                  "message": "问卷不存在、未开放或无权填写", "hint": ""},
                                          status_code=404)
    return templates.TemplateResponse(request, "survey_answer.html", _answer_context(request, survey))


@router.post("/surveys/{survey_id}/answer", include_in_schema=False)
async def answer_submit(request: Request, survey_id: int):
    form = await request.form()
    if not secrets.compare_digest(str(form.get("csrf_token", "")), request.state.csrf or ""):
        return JSONResponse({"detail": "页面已过期，请刷新后重新填写"}, status_code=403)
    questionnaire = load()
    answers, blanks = {}, {}
    for q in questionnaire.questions:
        key = str(q.no)
        if q.kind == "multi":
            answers[key] = [str(v) for v in form.getlist(f"q{key}")]
        else:
            answers[key] = str(form.get(f"q{key}", "")).strip()
        if q.blank:
            blanks[key] = str(form.get(f"blank{key}", "")).strip()
    response = await run_in_threadpool(_answer, request, survey_id, str(form.get("code", "")),
                                       str(form.get("unit_type", "")), str(form.get("level", "")) or None,
                                       answers, blanks)
    if response.status_code == 201:
        return templates.TemplateResponse(request, "survey_answer.html", _answer_context(
            request, {"id": survey_id, "admdvs": "", "title": "", "meeting": None, "release_id": None,
                      "state": "", "state_cn": ""}, done=True))
    survey = service.get_survey(settings_of(request), survey_id)
    if survey is None or response.status_code == 404:
        return response
    detail = json.loads(response.body)
    return templates.TemplateResponse(request, "survey_answer.html", _answer_context(
        request, survey, error=detail["detail"], hint=detail.get("hint"), form=form), status_code=response.status_code)


@router.get("/surveys/{survey_id}/results", include_in_schema=False)
def results_page(request: Request, survey_id: int, error: str | None = None):
    user = user_of(request)
    survey = _staff_survey(request, survey_id)
    result = as_json(_results(request, survey))
    context = _context(request, "survey_results", survey=survey, result=result, error=error,
                       can_run=may_run_survey(user, survey["admdvs"]))
    context["chart_json"] = json.dumps({"questions": result["questions"], "groups": list(result["groups"]),
                                        "watermark": context["watermark"]}, ensure_ascii=False)
    return templates.TemplateResponse(request, "survey_results.html", context)


@router.get("/surveys/{survey_id}/results.xlsx", include_in_schema=False)
def results_xlsx_page(request: Request, survey_id: int):
    return _xlsx_response(request, [_staff_survey(request, survey_id)], f"问卷结果-{survey_id}.xlsx")


@router.get("/suggestions", include_in_schema=False)
def suggestions_page(request: Request, done: int | None = None, error: str | None = None):
    user = user_of(request)
    rows = _listed_suggestions(request) if user.role in ("institution", "officer", "member", "convener", "province") else []
    return templates.TemplateResponse(request, "suggestions.html", _context(
        request, "suggestions", rows=rows, categories=suggestions.CATEGORIES, can_suggest=may_suggest(user),
        can_export=user.role in ("officer", "province"), done=done, error=error))


@router.post("/suggestions", include_in_schema=False)
async def suggestions_submit(request: Request):
    form = await _form(request)
    user = user_of(request)
    if not may_suggest(user):
        raise Denied(403, "suggestion_not_allowed")
    try:
        made = await run_in_threadpool(
            lambda: suggestions.submit(settings_of(request), region_of(user), str(form.get("category", "")),
                                       str(form.get("text", "")), user.username,
                                       fixmedins_code=user.fixmedins_code if user.role == "institution" else None,
                                       unit_kind=_unit_kind(request, user.fixmedins_code)))
    except SurveyError as exc:
        return RedirectResponse(f"/suggestions?error={exc.message}", status_code=303)
    await run_in_threadpool(log, request, "suggestion", detail={"suggestion": made["id"]})
    return RedirectResponse(f"/suggestions?done={made['id']}", status_code=303)

