"""The draw: rules met, failures named with the shortfall, reproducible, verifiable, replacements keep the rules."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from liangjiadi.cli.main import app
from liangjiadi.workgroup import DrawFailed, draw, load_profile, run_draw, verify_dir
from liangjiadi.workgroup.draw import ticket

runner = CliRunner()


@pytest.mark.parametrize("name", ["national", "liaoning", "changzhi"])
def test_every_profile_draws_from_a_rich_pool(pools, name):
    profile = load_profile(name)
    result = draw(profile, pools.rich(), "2026-01-05|8848")
    assert result.ok, [o.describe() for o in result.unmet]
    assert len({p.单位编码 for p in result.chosen}) == len(result.chosen)
    assert len(result.chosen) >= 8


def test_national_needs_twelve_members_and_a_quarter_basic(pools):
    pool = [p for p in pools.rich() if p.姓名 != "局丁"]  # 3 bureau staff: 9 representatives needed
    result = draw(load_profile("national"), pool, "s")
    assert len(result.chosen) == 9
    assert sum(p.单位级别 == "基层" for p in result.chosen) >= 3  # ceil(9/4)


def test_failure_names_every_unmet_rule_and_by_how_much(pools):
    pool = [p for p in pools.rich() if p.单位级别 != "二级" and p.单位编码 not in ("H0012", "H0013", "H0014", "H0015",
                                                                            "H0016", "H0017")]
    result = draw(load_profile("national"), pool, "s")
    unmet = {o.rule.id: o for o in result.unmet}
    # 4 tertiary and 3 first-level institutions, no secondary, no 基层, 4 bureau staff
    assert set(unmet) == {"min_secondary", "basic_share", "min_reps", "min_members"}
    assert unmet["min_secondary"].shortfall == 3 and unmet["min_reps"].shortfall == 1
    assert unmet["basic_share"].shortfall == 2 and unmet["min_members"].shortfall == 1
    message = str(DrawFailed(result, load_profile("national")))
    assert "二级医院代表不少于 3 人：要求至少 3 人，只能抽到 0 人，差 3 人" in message
    assert "基层医疗机构代表不少于四分之一" in message and "001 二(三)" in message


def test_ticket_is_plain_sha256(pools):
    import hashlib

    p = pools.person(7, 1, "二级")
    assert ticket("2026-01-05|8848", p) == hashlib.sha256("2026-01-05|8848|H0007|代表7-1".encode()).hexdigest()


def test_cli_draw_verify_and_tamper(tmp_path, pools):
    f = pools.write(tmp_path / "pool.csv", pools.rich())
    w = str(tmp_path / "w")
    assert runner.invoke(app, ["group", "pool", "import", str(f), "--workdir", w]).exit_code == 0
    out = tmp_path / "d"
    r = runner.invoke(app, ["group", "draw", "--profile", "liaoning", "--seed", "2026-01-05|8848", "--out", str(out),
                            "--year", "2026", "--workdir", w])
    assert r.exit_code == 0, r.output
    assert {"result.csv", "draw_log.json", "pool.csv", "profile.json", "抽选结果公示.docx"} <= {x.name for x in out.iterdir()}
    log = json.loads((out / "draw_log.json").read_text(encoding="utf-8"))
    assert log["seed"] == "2026-01-05|8848" and len(log["steps"]) == 8 and all(o["满足"] for o in log["outcomes"])
    assert runner.invoke(app, ["group", "verify", str(out)]).exit_code == 0
    # tamper: swap one drawn representative for a nominee who was not drawn
    rows = list(csv.reader(open(out / "result.csv", encoding="utf-8")))
    drawn = {r[1] for r in rows[1:]}
    other = next(r for r in csv.reader(open(out / "pool.csv", encoding="utf-8"))
                 if r[1] not in drawn and r[3] == rows[1][3] and r[0] != rows[1][0])
    rows[1] = other
    with open(out / "result.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    bad = runner.invoke(app, ["group", "verify", str(out)])
    assert bad.exit_code == 1 and "结果中多出" in bad.output and other[0] in bad.output


def test_cli_draw_fails_nonzero_naming_rules(tmp_path, pools):
    f = pools.write(tmp_path / "pool.csv", [p for p in pools.rich() if p.单位级别 in ("三级", "二级")])
    w = str(tmp_path / "w")
    runner.invoke(app, ["group", "pool", "import", str(f), "--workdir", w])
    r = runner.invoke(app, ["group", "draw", "--profile", "changzhi", "--seed", "x", "--out", str(tmp_path / "d"),
                            "--workdir", w])
    assert r.exit_code == 1
    assert "其他医疗机构（一级、基层）代表不少于 3 人" in r.output and "差 3 人" in r.output and "002 第六条" in r.output
    assert not (tmp_path / "d").exists()


def test_terms_replacement_and_dismissal(tmp_path, pools):
    from liangjiadi.workgroup import replace_member, store
    from liangjiadi.workgroup.terms import DISMISSED, serving

    w = tmp_path / "w"
    f = pools.write(tmp_path / "pool.csv", pools.rich())
    from liangjiadi.workgroup import import_pool

    import_pool(w, f, load_profile("liaoning"))
    liaoning, changzhi = load_profile("liaoning"), load_profile("changzhi")
    first, _ = run_draw(w, liaoning, "y1", tmp_path / "d2026", year=2026)
    leaving = next(p for p in first.chosen if p.单位级别 == "二级")
    result, out = replace_member(w, liaoning, year=2026, key=leaving.key, status=DISMISSED, reason="利益输送",
                                 seed="r1", out=tmp_path / "r2026")
    assert verify_dir(out) == []
    assert len(result.chosen) == len(first.chosen) and leaving.key not in {p.key for p in result.chosen}
    assert sum(p.单位级别 == "二级" for p in result.chosen) >= 3
    data = store.load(w)
    term = next(t for t in data["terms"] if t["key"] == leaving.key)
    assert term["status"] == "解除" and term["reason"] == "利益输送" and term["replaced_by"]
    assert "000 第十二条" in json.loads((out / "draw_log.json").read_text(encoding="utf-8"))["note"]


def _exact_pool(pools):
    """Exactly the minimum: 2 tertiary, 3 secondary, 3 first-level/基层 institutions, one nominee each."""
    levels = ["三级"] * 2 + ["二级"] * 3 + ["一级", "基层", "基层"]
    return [pools.person(i, 1, level, ("综合医院", "专科医院")[i % 2]) for i, level in enumerate(levels)]


def test_liaoning_allows_a_second_year_never_a_third(tmp_path, pools):
    from liangjiadi.workgroup import import_pool

    w, profile = tmp_path / "w", load_profile("liaoning")
    import_pool(w, pools.write(tmp_path / "p.csv", _exact_pool(pools)), profile)
    run_draw(w, profile, "a", tmp_path / "d1", year=2026)
    second, _ = run_draw(w, profile, "b", tmp_path / "d2", year=2027)
    assert len(second.chosen) == 8
    with pytest.raises(DrawFailed) as failed:
        run_draw(w, profile, "c", tmp_path / "d3", year=2028)
    assert "差 8 人" in failed.value.message and "达到最长任期 2 年（000 第四条）" in failed.value.message


def test_changzhi_and_national_forbid_a_second_consecutive_term(tmp_path, pools):
    from liangjiadi.workgroup import import_pool

    for name in ("changzhi", "national"):
        w, profile = tmp_path / name, load_profile(name)
        pool = _exact_pool(pools) + [pools.bureau(f"局{i}", "医药管理科") for i in range(4)]
        import_pool(w, pools.write(tmp_path / f"{name}.csv", pool), profile)
        run_draw(w, profile, "a", tmp_path / f"{name}1", year=2026)
        with pytest.raises(DrawFailed, match="原则上不连任"):
            run_draw(w, profile, "b", tmp_path / f"{name}2", year=2027)
        assert run_draw(w, profile, "c", tmp_path / f"{name}3", year=2028)[0].ok  # after a year off


def test_a_draw_directory_is_never_overwritten_and_the_seed_helper(tmp_path, pools):
    from liangjiadi.workgroup import WorkgroupError, import_pool

    w = tmp_path / "w"
    import_pool(w, pools.write(tmp_path / "p.csv", pools.rich()), load_profile("national"))
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "old.txt").write_text("x", encoding="utf-8")
    with pytest.raises(WorkgroupError, match="已存在且不为空"):
        run_draw(w, load_profile("national"), "s", tmp_path / "d", year=2026)
    r = runner.invoke(app, ["group", "seed", "--date", "2026-01-05", "--number", "03-11-17+09"])
    assert r.exit_code == 0 and r.output.strip() == "2026-01-05|03-11-17+09"
    assert runner.invoke(app, ["group", "seed", "--date", "2026-1-5", "--number", "1"]).exit_code == 2


def test_someone_who_left_this_year_is_not_drawn_back(tmp_path, pools):
    from liangjiadi.workgroup import import_pool, replace_member
    from liangjiadi.workgroup.terms import WITHDRAWN

    w, profile = tmp_path / "w", load_profile("liaoning")
    levels = ["三级"] * 2 + ["二级"] * 5 + ["一级"] * 3
    import_pool(w, pools.write(tmp_path / "p.csv", [pools.person(i, 1, lv, ("综合医院", "专科医院")[i % 2])
                                                    for i, lv in enumerate(levels)]), profile)
    first, _ = run_draw(w, profile, "s", tmp_path / "d", year=2026)
    gone = [p for p in first.chosen if p.单位级别 == "二级"][0]
    second, _ = replace_member(w, profile, year=2026, key=gone.key, status=WITHDRAWN, reason="调离", seed="r1",
                               out=tmp_path / "r1")
    newcomer = next(p for p in second.chosen if p.key not in {q.key for q in first.chosen})
    third, _ = replace_member(w, profile, year=2026, key=newcomer.key, status=WITHDRAWN, reason="调离", seed="r2",
                              out=tmp_path / "r2")
    assert gone.key not in {p.key for p in third.chosen} and newcomer.key not in {p.key for p in third.chosen}
    assert verify_dir(tmp_path / "r2") == []


def test_the_notice_shows_seed_pool_hash_result_and_every_rule(tmp_path, pools):
    import docx

    from liangjiadi.workgroup import import_pool

    w, profile = tmp_path / "w", load_profile("changzhi")
    import_pool(w, pools.write(tmp_path / "p.csv", pools.rich()), profile)
    result, out = run_draw(w, profile, "2026-01-05|8848", tmp_path / "d", year=2026, region="长治市")
    doc = docx.Document(out / "抽选结果公示.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    log = json.loads((out / "draw_log.json").read_text(encoding="utf-8"))
    assert "长治市医保数据工作组定点医疗机构代表年度抽选结果公示" in text
    assert "2026-01-05|8848" in text and log["pool_sha256"] in text
    assert {p.姓名 for p in result.chosen} <= cells
    assert {r.label for r in profile.draw} <= cells and "不满足" not in cells
