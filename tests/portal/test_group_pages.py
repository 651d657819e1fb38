"""The working group's pages: who may draw, publish, see a term, the plan and the province's view;
every refusal is logged, every form needs its CSRF token."""

from __future__ import annotations

import pytest

from liangjiadi.accounts import query_access
from liangjiadi.workgroup import store
from liangjiadi.workgroup.people import link_user

from .conftest import client_for
from .group_setup import INSTITUTION_NAME, prepare


@pytest.fixture(scope="module")
def group_portal(sqlite_portal, tmp_path_factory):
    prepare(sqlite_portal.workdir, tmp_path_factory.mktemp("group"))
    return sqlite_portal


def _denials(portal, username):
    return [e for e in query_access(portal.settings, action="denied") if e.username == username]


def test_only_the_convener_draws_and_publishes_and_the_form_needs_its_token(group_portal):
    officer = client_for(group_portal, "officer")
    before = len(_denials(group_portal, "officer"))
    r = officer.post("/group/draw", data={"csrf_token": officer.csrf, "profile": "liaoning", "seed": "s", "year": "2026"},
                     follow_redirects=False)
    assert r.status_code == 403 and len(_denials(group_portal, "officer")) == before + 1

    convener = client_for(group_portal, "convener")
    r = convener.post("/group/draw", data={"csrf_token": "wrong", "profile": "liaoning", "seed": "s", "year": "2026"},
                      follow_redirects=False)
    assert r.status_code == 403 and not store.load(group_portal.workdir)["draws"]
    r = convener.post("/group/draw", data={"csrf_token": convener.csrf, "profile": "liaoning",
                                           "seed": "2026-01-05|8848", "year": "2026"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/group/draws/0"
    page = convener.get("/group/draws/0").text
    assert "未公示" in page and "发布抽选结果公示" in page

    member = client_for(group_portal, "member")
    assert member.get("/group/draws/0").status_code == 404  # not yet published
    assert member.get("/group/draws/0/notice").status_code == 404
    assert member.post("/group/draws/0/publish", data={"csrf_token": member.csrf}).status_code == 403
    r = convener.post("/group/draws/0/publish", data={"csrf_token": convener.csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "已公示" in member.get("/group/draws/0").text
    notice = member.get("/group/draws/0/notice")
    assert notice.status_code == 200 and notice.content[:2] == b"PK"

    # a member linked to a drawn person sees their term
    data = store.load(group_portal.workdir)
    drawn = data["terms"][0]["key"]
    link_user(group_portal.workdir, drawn, "member", group_portal.settings, "专员", 2026)
    page = member.get("/group/me").text
    assert drawn.split("/", 1)[1] in page and "在任" in page and "抽选结果公示" in page
    assert client_for(group_portal, "inst").get("/group/me").status_code == 403


def test_the_province_sees_regions_side_by_side_and_no_institution(group_portal):
    province = client_for(group_portal, "province")
    page = province.get("/province?quarter=2026-Q1")
    assert page.status_code == 200
    assert "长治市" in page.text and "晋城市" in page.text and "逾期 6 天" in page.text
    assert INSTITUTION_NAME not in page.text and "H1" not in page.text
    for who in ("officer", "inst", "member", "county"):
        assert client_for(group_portal, who).get("/province").status_code == 403
    assert _denials(group_portal, "inst")
    assert province.get("/group").status_code == 403


def test_the_officer_follows_the_plan_and_the_coverage(group_portal):
    officer = client_for(group_portal, "officer")
    page = officer.get("/group/plan?year=2026")
    assert page.status_code == 200 and "年度发布计划" in page.text
    cov = officer.get("/group/coverage?as_of=2026-06-30")
    assert cov.status_code == 200 and "定点医疗机构" in cov.text
    assert client_for(group_portal, "inst").get("/group/plan").status_code == 403


def test_the_officer_imports_and_removes_nominees_in_the_portal(group_portal, tmp_path):
    from .group_setup import write_pool

    officer = client_for(group_portal, "officer")
    path = write_pool(tmp_path / "推荐.csv")
    body = path.read_text(encoding="utf-8") + "赵六,H0900,医院900,三级,综合医院,医保办,是\n"
    r = officer.post("/group/pool/import", data={"csrf_token": officer.csrf, "profile": "liaoning"},
                     files={"file": ("推荐.csv", body.encode("utf-8"), "text/csv")})
    assert r.status_code == 200
    assert "推荐.csv 第 39 行 第 7 列「是否第三方运维」" in r.text and "第三方运维单位人员不能进入成员库" in r.text
    page = officer.get("/group/pool").text
    assert "赵六" not in page and "代表0-1" in page
    data = store.load(group_portal.workdir)
    serving = {t["key"] for t in data["terms"] if t["status"] == "在任"}
    free = [k for k in (f"{p['单位编码']}/{p['姓名']}" for p in data["pool"]) if k not in serving and k.startswith("H")]
    if serving:  # a serving representative leaves by a replacement draw, not by deletion
        r = officer.post("/group/pool/remove", data={"csrf_token": officer.csrf, "key": sorted(serving)[0]})
        assert "在任代表" in r.text
    r = officer.post("/group/pool/remove", data={"csrf_token": officer.csrf, "key": free[0]})
    assert "已从成员库删除" in r.text
    assert free[0] not in {f"{p['单位编码']}/{p['姓名']}" for p in store.load(group_portal.workdir)["pool"]}
    member = client_for(group_portal, "member")
    assert member.post("/group/pool/remove", data={"csrf_token": member.csrf, "key": free[1]}).status_code == 403
    assert officer.post("/group/pool/remove", data={"csrf_token": "x", "key": free[1]}).status_code == 403
    assert free[1] in {f"{p['单位编码']}/{p['姓名']}" for p in store.load(group_portal.workdir)["pool"]}


def test_the_province_sees_the_pooled_questionnaire(group_portal, tmp_path):
    from liangjiadi.survey.export import write_results
    from liangjiadi.survey.questionnaire import load
    from liangjiadi.survey.results import aggregate
    from liangjiadi.workgroup.province_summary import import_survey

    sheets = [{"unit_type": "公立医疗机构", "level": "三级", "answers": {"8": "D"}, "blanks": {}},
              {"unit_type": "零售药店", "level": None, "answers": {"8": "A"}, "blanks": {}}]
    surveys = [{"id": 1, "admdvs": "140400", "title": "问卷", "meeting": "会", "release_id": None, "state_cn": "已结束"}]
    path = write_results(tmp_path / "s.xlsx", load(), surveys, {1: aggregate(load(), sheets)})
    import_survey(group_portal.workdir, path, region="140400", quarter="2026-Q1")
    page = client_for(group_portal, "province").get("/province?quarter=2026-Q1").text
    assert "调查问卷（附录4）全省汇总" in page and "汇总 1 个地区（140400）" in page
    assert "D.否，部分申报款项还未结算" in page and "50.0" in page
