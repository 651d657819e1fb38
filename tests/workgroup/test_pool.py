"""成员库 import: every bad row named with file, line, column and rule; every good row kept."""

from __future__ import annotations

import pytest

from liangjiadi.errors import InputFileError
from liangjiadi.workgroup import import_pool, load_profile
from liangjiadi.workgroup import store


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_keeps_good_rows_and_names_each_bad_one(tmp_path, pools, suffix):
    good = pools.rich()
    bad = [
        ("运维甲", "T001", "某科技公司", "一级", "其他", "系统运维", "是"),        # line n+2: third party
        ("第三人", "H0000", "医院0", "三级", "专科医院", "财务科长", "否"),      # line n+3: third nominee
        ("错级乙", "H0900", "医院900", "四级", "综合医院", "院长", "否"),         # line n+4: unknown level
        ("局戊", "YB01", "某市医疗保障局", "", "医保部门", "办公室", "否"),       # line n+5: no department
    ]
    f = pools.write(tmp_path / f"成员库{suffix}", good, bad)
    report = import_pool(tmp_path / "w", f, load_profile("liaoning"))
    assert report.total == len(good)
    n = len(good) + 1
    texts = [str(p) for p in report.problems]
    assert len(texts) == 4, texts
    assert f"文件 成员库{suffix} 第 {n + 1} 行 第 7 列「是否第三方运维」" in texts[0] and "000 第四条" in texts[0]
    assert "第三方运维单位人员等不作为数据工作组成员" in texts[0]
    assert f"第 {n + 2} 行 第 2 列「单位编码」" in texts[1] and "推荐2人" in texts[1]
    assert f"第 {n + 3} 行 第 4 列「单位级别」" in texts[2] and "四级" in texts[2]
    assert f"第 {n + 4} 行 第 6 列「岗位」" in texts[3] and "000 第三条" in texts[3]
    stored = store.pool_of(store.load(tmp_path / "w"))
    assert {p.key for p in stored} == {p.key for p in good}
    assert {p.部门 for p in stored if p.is_bureau} == {"医药管理", "规划财务", "医保经办", "数据管理"}


def test_nomination_limit_counts_what_the_pool_already_holds(tmp_path, pools):
    first = pools.write(tmp_path / "a.csv", [pools.person(1, 1, "三级"), pools.person(1, 2, "三级")])
    import_pool(tmp_path / "w", first, load_profile("national"))
    second = pools.write(tmp_path / "b.csv", [pools.person(1, 3, "三级")])
    report = import_pool(tmp_path / "w", second, load_profile("national"))
    assert report.total == 2 and len(report.problems) == 1
    assert "超过 2 人" in str(report.problems[0]) and "001 二(三)" in str(report.problems[0])


def test_changzhi_departments_and_missing_header(tmp_path, pools):
    f = pools.write(tmp_path / "c.csv", [], [("局己", "YB01", "长治市医疗保障局", "", "医保部门", "经办机构科员", "否")])
    assert import_pool(tmp_path / "w", f, load_profile("changzhi")).problems == []
    assert import_pool(tmp_path / "w2", f, load_profile("liaoning")).problems  # 经办机构 is Changzhi's wording
    broken = tmp_path / "d.csv"
    broken.write_text("姓名,单位编码\n张三,H1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="表头缺少列：单位名称"):
        import_pool(tmp_path / "w3", broken, load_profile("national"))


def test_a_name_a_spreadsheet_would_run_is_refused(tmp_path, pools):
    """Names go out in result.csv, pool.csv and the 公示: "=HYPERLINK(...)" must never reach them."""
    good = pools.rich()
    bad = [("=HYPERLINK(\"http://x\",\"点\")", "H0950", "医院950", "三级", "综合医院", "院长", "否")]
    f = pools.write(tmp_path / "成员库.csv", good, bad)
    report = import_pool(tmp_path / "w", f, load_profile("national"))
    texts = [str(p) for p in report.problems]
    assert len(texts) == 1 and "第 1 列「姓名」" in texts[0] and "公式" in texts[0], texts
    assert not any(p.姓名.startswith("=") for p in store.pool_of(store.load(tmp_path / "w")))


def test_the_published_files_carry_no_phone_or_id_number(tmp_path, pools):
    """Only the seven columns are read: a spreadsheet's 手机号 and 身份证号 columns never reach the
    store, pool.csv, result.csv, the log or the 公示; a number typed into a published cell is refused."""
    import csv
    import zipfile

    from liangjiadi.workgroup import import_pool, load_profile, run_draw
    from liangjiadi.workgroup.pool import COLUMNS

    phones = [f"139{n:08d}" for n in range(40)]
    ids = [f"14040219800101{n:04d}" for n in range(40)]
    path = tmp_path / "pool.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(COLUMNS) + ["手机号", "身份证号"])
        for i, person in enumerate(pools.rich()):
            writer.writerow(person.row() + [phones[i], ids[i]])
        writer.writerow(["王五", "H0999", "医院999", "三级", "综合医院", "医保办 13812345678", "否", "", ""])
    work = tmp_path / "w"
    report = import_pool(work, path, load_profile("liaoning"))
    assert len(report.problems) == 1 and "第 6 列「岗位」" in str(report.problems[0])
    assert "13812345678" not in str(report.problems[0])
    _, out = run_draw(work, load_profile("liaoning"), "s", tmp_path / "d", year=2026)
    texts = [(work / "workgroup" / "store.json").read_text(encoding="utf-8")]
    for f in out.iterdir():
        if f.suffix == ".docx":
            with zipfile.ZipFile(f) as z:
                texts.append(z.read("word/document.xml").decode("utf-8"))
        else:
            texts.append(f.read_text(encoding="utf-8"))
    with open(out / "result.csv", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == list(COLUMNS)
    joined = "\n".join(texts)
    assert not any(n in joined for n in phones + ids + ["13812345678"])
    assert "手机号" not in joined and "身份证号" not in joined
