"""The 附录4 questionnaire through the portal (SQLite and PostgreSQL): 30 anonymous sheets sent by
hospital and pharmacy users aggregate to the hand counts; nothing in any table links a sheet to a
user or an institution; the answer route leaves nothing in the access log; one-time codes."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from liangjiadi.accounts import add_user, query_access
from liangjiadi.releases.store import engine_for

from .conftest import OWN, PEER, PUB, PW, client_for

PHARMACY = "P14040000001"  # a 定点零售药店 of the demo region (institutions.json)
RESPONDENTS = {"inst": OWN, "inst2": PEER, "pharmacy": PHARMACY}

# 30 sheets in blocks: (how many, unit type, level, answers, blanks). The counts asserted below
# were worked out by hand from this table.
BLOCKS = [
    (4, "公立医疗机构", "三级", {"1": "A", "2": ["A", "B"], "7": "3", "8": "A", "19": "B"}, {}),
    (5, "公立医疗机构", "二级", {"1": "A", "2": ["B"], "7": "1", "8": "D", "19": "A"}, {"19": "结算拨付滞后约4个月"}),
    (3, "公立医疗机构", "一级", {"1": "B", "2": ["A", "C", "E"], "8": "B", "19": "C"}, {"2": "医保目录调整"}),
    (3, "社会办医疗机构", "二级", {"1": "C", "8": "D", "9": "C", "19": "A"}, {"19": "=HYPERLINK(\"http://x\")"}),
    (2, "社会办医疗机构", "一级", {"1": "D", "8": "E", "9": "A"}, {}),
    (3, "社会办医疗机构", None, {"1": "A", "9": "C"}, {}),
    (6, "零售药店", None, {"1": "A", "8": "A", "9": "B", "19": "B"}, {}),
    (2, "零售药店", None, {"1": "B", "8": "A", "9": "B", "19": "B", "24": "希望公布药店结算进度"}, {}),
    (2, "零售药店", None, {"1": "B", "8": "A", "9": "B", "19": "B"}, {}),
]


def _sheets():
    for n, unit, level, answers, blanks in BLOCKS:
        for _ in range(n):
            yield unit, level, answers, blanks


@pytest.fixture(scope="module")
def answered(portal):
    add_user("pharmacy", "institution", PW, portal.settings, actor="测试管理员", display_name="药店用户",
             fixmedins=PHARMACY, admdvs="140400")
    officer = client_for(portal, "officer")
    r = officer.post("/api/surveys", json={"meeting": "2026年1月数据发布会", "release_id": PUB})
    assert r.status_code == 201, r.text
    survey = r.json()["id"]
    codes = officer.post(f"/api/surveys/{survey}/codes", json={"count": 32}).json()["codes"]
    clients = {u: client_for(portal, u) for u in RESPONDENTS}
    before = max((e.id for e in query_access(portal.settings, limit=1)), default=0)
    used = []
    for n, (unit, level, answers, blanks) in enumerate(_sheets()):
        who = "pharmacy" if unit == "零售药店" else ("inst", "inst2")[n % 2]
        r = clients[who].post(f"/api/surveys/{survey}/responses",
                              json={"code": codes[n], "unit_type": unit, "level": level, "answers": answers,
                                    "blanks": blanks})
        assert r.status_code == 201, r.text
        used.append(codes[n])
    assert n == 29
    after = [e for e in query_access(portal.settings, limit=100000) if e.id > before]
    return {"survey": survey, "codes": codes, "used": used, "log_after": after, "clients": clients,
            "officer": officer}


def _q(result, no):
    return next(q for q in result["questions"] if q["no"] == no)


def _counts(q):
    return {o["key"]: o["count"] for o in q["options"]}


def test_30_anonymous_sheets_aggregate_to_the_hand_counts(portal, answered):
    r = answered["officer"].get(f"/api/surveys/{answered['survey']}/results")
    assert r.status_code == 200
    survey, result = r.json()["survey"], r.json()["results"]
    assert result["n"] == 30 and survey["responses"] == 30 and survey["codes_used"] == 30
    assert {g: n for g, n in result["groups"].items() if n} == {
        "公立医疗机构·三级": 4, "公立医疗机构·二级": 5, "公立医疗机构·一级": 3, "社会办医疗机构·二级": 3,
        "社会办医疗机构·一级": 2, "社会办医疗机构·未填等级": 3, "零售药店": 10}
    q1 = _q(result, 1)
    assert _counts(q1) == {"A": 18, "B": 7, "C": 3, "D": 2} and q1["answered"] == 30
    assert q1["options"][0]["by_group"]["零售药店"] == 6 and q1["options"][1]["by_group"]["零售药店"] == 4
    q2 = _q(result, 2)
    assert _counts(q2) == {"A": 7, "B": 9, "C": 3, "D": 0, "E": 3} and q2["answered"] == 12
    assert q2["texts"] == ["医保目录调整"] * 3
    q8 = _q(result, 8)
    assert _counts(q8) == {"A": 14, "B": 3, "C": 0, "D": 8, "E": 2} and q8["unanswered"] == 3
    assert _counts(_q(result, 9)) == {"A": 2, "B": 10, "C": 6, "D": 0}
    assert _counts(_q(result, 19)) == {"A": 8, "B": 14, "C": 3}
    # 7: 4 × 3 months and 5 × 1 month: mean 17/9, median the 5th of 1,1,1,1,1,3,3,3,3
    assert _q(result, 7)["number"] == {"n": 9, "mean": "1.89", "median": "1", "min": "1", "max": "3"}
    assert _q(result, 24)["texts"] == ["希望公布药店结算进度"] * 2
    assert [(a["no"], a["key"], a["count"], a["answered"], a["share"]) for a in result["arrears"]] == [
        (6, "B", 0, 0, None), (8, "D", 8, 27, "29.6"), (9, "C", 6, 18, "33.3"), (19, "A", 8, 25, "32.0")]
    assert [q["no"] for q in result["questions"] if q["arrears"]] == [5, 6, 7, 8, 9, 19]


def _all_rows(settings):
    engine = engine_for(settings)
    inspector = sa.inspect(engine)
    out = {}
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            out[table] = [dict(r._mapping) for r in conn.execute(sa.text(f'SELECT * FROM "{table}"'))]
    return out


def test_no_table_links_a_sheet_to_a_user_or_an_institution(portal, answered):
    tables = _all_rows(portal.settings)
    sheets = [r for r in tables["ljd_survey_responses"] if r["survey_id"] == answered["survey"]]
    assert len(sheets) == 30
    # the sheet rows hold the survey and the answers, nothing of who or when
    assert {tuple(sorted(r)) for r in sheets} == {("answers", "blanks", "id", "level", "survey_id", "unit_type")}
    who = set(RESPONDENTS) | set(RESPONDENTS.values()) | {"testclient", "药店用户", "inst姓名", "inst2姓名"}
    user_ids = {r["user_id"] for r in tables["ljd_users"] if r["username"] in RESPONDENTS}
    for row in sheets:
        text = repr(row)
        assert not any(w in text for w in who), row
        assert not any(isinstance(v, datetime | date) for v in row.values())
        assert not re.fullmatch(r"\d+", row["id"]) and len(row["id"]) == 32  # random, not a counter
    # no other table holds a sheet's id, and only the code table holds a code's hash
    sheet_ids = {r["id"] for r in sheets}
    hashes = {r["code_hash"] for r in tables["ljd_survey_codes"] if r["survey_id"] == answered["survey"]}
    assert len(hashes) == 32 and sum(bool(r["used"]) for r in tables["ljd_survey_codes"]
                                     if r["survey_id"] == answered["survey"]) == 30
    for table, rows in tables.items():
        dump = repr(rows)
        if table != "ljd_survey_responses":
            assert not any(i in dump for i in sheet_ids), table
        if table != "ljd_survey_codes":
            assert not any(h in dump for h in hashes), table
        assert not any(c in dump or c.replace("-", "") in dump for c in answered["codes"]), table
    # the code table has no column that could order or name the use
    assert {tuple(sorted(r)) for r in tables["ljd_survey_codes"]} == {("code_hash", "survey_id", "used")}
    assert user_ids  # the respondents exist; nothing above refers to them


def test_the_answer_route_leaves_nothing_in_the_access_log(portal, answered):
    assert answered["log_after"] == []
    every = query_access(portal.settings, limit=100000)
    assert not any("/responses" in e.path or "/answer" in e.path for e in every)


def test_on_postgresql_the_codes_do_not_point_at_the_transaction_of_a_sheet(portal, answered):
    """Every code row of the survey is rewritten by each sheet's transaction, so all carry the same
    xmin (the newest): the used codes cannot be ordered to match the sheets."""
    if portal.backend != "postgresql":
        pytest.skip("xmin is PostgreSQL's")
    with engine_for(portal.settings).connect() as conn:
        xmins = {r[0] for r in conn.execute(sa.text("SELECT xmin::text FROM ljd_survey_codes WHERE survey_id = :s"),
                                            {"s": answered["survey"]})}
    assert len(xmins) == 1


def test_a_code_is_used_once_and_a_wrong_code_never(portal, answered):
    survey = answered["survey"]
    client = answered["clients"]["pharmacy"]
    url = f"/api/surveys/{survey}/responses"
    sheet = {"unit_type": "零售药店", "answers": {"1": "A"}}
    before = len(query_access(portal.settings, limit=100000))
    again = client.post(url, json={**sheet, "code": answered["used"][0]})
    wrong = client.post(url, json={**sheet, "code": "AAAAA-BBBBB"})
    assert again.status_code == wrong.status_code == 403 and again.json()["detail"] == "答卷码无效或已使用"
    bad = client.post(url, json={**sheet, "code": answered["codes"][30], "answers": {"1": "Z"}})
    assert bad.status_code == 422 and "第1题" in bad.json()["detail"]
    ok = client.post(url, json={**sheet, "code": answered["codes"][30]})  # the refused sheet left it unused
    assert ok.status_code == 201
    assert len(query_access(portal.settings, limit=100000)) == before  # refusals are not logged either
    results = answered["officer"].get(f"/api/surveys/{survey}/results").json()["results"]
    assert results["n"] == 31


def test_who_may_open_answer_and_read(portal, answered):
    survey = answered["survey"]
    inst = answered["clients"]["inst"]
    assert inst.post("/api/surveys", json={"meeting": "会"}).status_code == 403
    assert inst.post(f"/api/surveys/{survey}/codes", json={"count": 1}).status_code == 403
    assert inst.get(f"/api/surveys/{survey}/results").status_code == 404
    listed = inst.get("/api/surveys").json()["surveys"]
    assert survey in [s["id"] for s in listed] and "responses" not in listed[0]
    other = client_for(portal, "officer_other")
    assert other.post(f"/api/surveys/{survey}/codes", json={"count": 1}).status_code == 403
    assert other.get(f"/api/surveys/{survey}/results").status_code == 404
    officer = client_for(portal, "officer")
    assert officer.post(f"/api/surveys/{survey}/responses",
                        json={"code": answered["codes"][31], "unit_type": "零售药店"}).status_code == 404
    province = client_for(portal, "province")
    assert province.get(f"/api/surveys/{survey}/results").json()["results"]["n"] >= 30
    r = province.get(f"/api/surveys/{survey}/results.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    texts = [row[4] for row in book["填空与意见"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in texts and "=HYPERLINK(\"http://x\")" not in texts
    everything = load_workbook(io.BytesIO(province.get("/api/survey-results.xlsx").content))
    assert survey in [row[0] for row in everything["说明"].iter_rows(min_row=2, max_col=1, values_only=True)]
    assert inst.get("/api/survey-results.xlsx").status_code == 403


def test_the_answer_page_has_no_watermark_and_its_form_is_taken(portal, answered):
    survey = answered["survey"]
    client = answered["clients"]["pharmacy"]
    page = client.get(f"/surveys/{survey}/answer")
    assert page.status_code == 200 and "data-watermark-id" not in page.text and "药店用户 ·" not in page.text
    assert "您所在单位是否出现医保结算审核不及时" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    code = answered["officer"].post(f"/api/surveys/{survey}/codes", json={"count": 1}).json()["codes"][0]
    form = {"csrf_token": csrf, "code": code, "unit_type": "零售药店", "level": "", "q1": "A", "q2": ["A", "E"],
            "blank2": "药店结算", "q7": "2", "q24": "无"}
    done = client.post(f"/surveys/{survey}/answer", data=form)
    assert done.status_code == 200 and "答卷已提交" in done.text
    again = client.post(f"/surveys/{survey}/answer", data=form)
    assert again.status_code == 403 and "答卷码无效或已使用" in again.text
    # what was filled in is kept on the refused form (nothing good is lost)
    assert 'name="q1" value="A" checked' in again.text and 'name="q2" value="E" checked' in again.text
    assert 'value="药店结算"' in again.text and f'value="{code}"' in again.text
    results = answered["officer"].get(f"/survey/{survey}/results")  # a wrong path: the pages are under /surveys
    assert results.status_code == 404
    page = answered["officer"].get(f"/surveys/{survey}/results")
    assert page.status_code == 200 and 'id="chart-1"' in page.text and "拖欠相关" in page.text


def test_suggestions_with_a_category_reach_the_province_without_names(portal):
    inst = client_for(portal, "inst")
    r = inst.post("/api/suggestions", json={"category": "grouping", "text": "建议将 ES3 病组按是否手术细分"})
    assert r.status_code == 201 and r.json()["unit_kind"] == "医疗机构" and r.json()["fixmedins_code"] == OWN
    pharmacy = client_for(portal, "pharmacy")
    r = pharmacy.post("/api/suggestions", json={"category": "支付方式改革", "text": "药店结算周期过长"})
    assert r.status_code == 201 and r.json()["unit_kind"] == "零售药店"
    assert inst.post("/api/suggestions", json={"category": "别的", "text": "x"}).status_code == 409
    assert client_for(portal, "province").post("/api/suggestions", json={"category": "other", "text": "x"}).status_code == 403
    assert [s["text"] for s in inst.get("/api/suggestions").json()["suggestions"]] == ["建议将 ES3 病组按是否手术细分"]
    assert len(client_for(portal, "officer").get("/api/suggestions").json()["suggestions"]) == 2
    province = client_for(portal, "province")
    listed = province.get("/api/suggestions").json()["suggestions"]
    assert len(listed) == 2 and all(s["fixmedins_code"] is None and s["submitted_by"] is None for s in listed)
    book = load_workbook(io.BytesIO(province.get("/api/suggestions/export.xlsx").content))
    rows = list(book["分组政策建议"].iter_rows(min_row=2, values_only=True))
    assert {(r[2], r[3]) for r in rows} == {("DRG/DIP 分组", "医疗机构"), ("支付方式改革", "零售药店")}
    assert not any(OWN in str(v) or PHARMACY in str(v) for r in rows for v in r)
    assert inst.get("/api/suggestions/export.xlsx").status_code == 403


def test_a_pharmacy_user_reads_its_push_objects_and_sees_its_objection(portal, answered):
    pharmacy = answered["clients"]["pharmacy"]
    push = pharmacy.get(f"/api/releases/{PUB}/institutions/{PHARMACY}")
    assert push.status_code == 200, push.text
    assert push.json()["institution"]["code"] == PHARMACY
    block = push.json()["pharmacy"]  # its push: 47 of the region, its own 医保结算, the pharmacies' medians
    assert "47" in [f["indicator_id"] for f in block["figures"]] and block["own"]["visits"] > 0
    assert block["enough"] and block["median_per_visit"] is not None
    own_push = f"reports/定向推送/{PHARMACY}.docx"
    assert own_push in push.json()["files"]
    assert pharmacy.get(f"/api/releases/{PUB}/files/{own_push}").status_code == 200
    assert pharmacy.get(f"/api/releases/{PUB}/files/reports/定向推送/{OWN}.docx").status_code == 403
    page = pharmacy.get(f"/releases/{PUB}/institutions/{PHARMACY}")
    assert page.status_code == 200 and 'id="pharmacy-own"' in page.text
    hospital = answered["clients"]["inst"].get(f"/api/releases/{PUB}/institutions/{OWN}").json()
    assert hospital["pharmacy"] is None
    assert pharmacy.get(f"/api/releases/{PUB}/institutions/{OWN}").status_code == 403
    r = pharmacy.post(f"/api/releases/{PUB}/objections", json={"fixmedins_code": PHARMACY, "text": "本店结算数据有出入"})
    assert r.status_code == 201, r.text
    assert [o["fixmedins_code"] for o in pharmacy.get("/api/objections").json()["objections"]] == [PHARMACY]
    assert pharmacy.post(f"/api/releases/{PUB}/objections", json={"fixmedins_code": OWN, "text": "x"}).status_code == 403
