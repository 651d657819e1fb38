"""The 附录4 questionnaire as data: the seed's words, the 拖欠 flags, the check of one sheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liangjiadi.survey.errors import SurveyError
from liangjiadi.survey.questionnaire import check_sheet, load

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_1ec88ef4333808b5.txt"


def _flat(text: str) -> str:
    """The seed's markdown without escapes, list marks and spaces, for a containment test."""
    text = text.replace("\\_", "_")
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def appendix4() -> str:
    if not SEED.exists():
        pytest.skip("seeds/001 不在 ../shared/seeds")
    text = SEED.read_text(encoding="utf-8")
    return _flat(text[text.index("## 附录 4"):])


def test_the_24_questions_and_every_option_are_the_seeds_words(appendix4):
    q = load()
    assert [x.no for x in q.questions] == list(range(1, 25))
    assert _flat(q.preface) in appendix4
    for x in q.questions:
        assert _flat(f"{x.no}.{x.text}") in appendix4, x.no
        for key, text in x.options.items():
            assert _flat(f"{key}.{text}") in appendix4 or _flat(f"{key}.{text}").replace(".", ". ", 1) in appendix4, (x.no, key)
    for unit in q.unit_types:
        assert unit in appendix4
    assert all(level in appendix4 for level in q.levels) and "仅限医疗机构填写" in appendix4


def test_a_changed_option_is_caught(appendix4):
    """The containment test can fail: a word changed in an option is not in the seed."""
    assert _flat("8.您所在的单位 2025 年是否足额结算医保基金？") not in appendix4
    assert _flat("D.否，部分申报款项已结算") not in appendix4


def test_the_arrears_questions_are_5_to_9_and_19():
    q = load()
    assert [x.no for x in q.arrears_questions] == [5, 6, 7, 8, 9, 19]
    assert load().question(8).signals == ("D",) and load().question(19).signals == ("A",)
    assert load().question(9).signals == ("C",)


def test_a_good_sheet_is_kept_as_sent():
    sheet = check_sheet(load(), "零售药店", None, {"1": "A", "2": ["E", "A"], "7": "3", "19": "A", "24": " 建议 "},
                        {"2": "医保目录", "19": "拨付滞后"})
    assert sheet == {"unit_type": "零售药店", "level": None,
                     "answers": {"1": "A", "2": ["A", "E"], "7": "3", "19": "A", "24": "建议"},
                     "blanks": {"2": "医保目录", "19": "拨付滞后"}}


@pytest.mark.parametrize("unit, level, answers, blanks, words", [
    ("医院", None, {}, {}, "填报单位类别"),
    ("零售药店", "三级", {}, {}, "仅限医疗机构填写"),
    ("公立医疗机构", "四级", {}, {}, "机构等级"),
    ("公立医疗机构", "三级", {"25": "A"}, {}, "题号“25”不在问卷中"),
    ("公立医疗机构", "三级", {"1": "E"}, {}, "第1题：选项“E”不存在"),
    ("公立医疗机构", "三级", {"2": ["A", "F"]}, {}, "第2题：选项“F”不存在"),
    ("公立医疗机构", "三级", {"7": "-1"}, {}, "第7题（填空）：应为不小于 0 的数字"),
    ("公立医疗机构", "三级", {"7": "三个"}, {}, "第7题（填空）：“三个”不是数字"),
    ("公立医疗机构", "三级", {"13": "120"}, {}, "不能大于 100%"),
    ("公立医疗机构", "三级", {"19": "B"}, {"19": "说明"}, "第19题：横线内容只在选择 A 项时填写"),
    ("公立医疗机构", "三级", {"1": "A"}, {"1": "x"}, "没有可填写的横线"),
])
def test_a_bad_sheet_is_refused_naming_the_question_and_rule(unit, level, answers, blanks, words):
    with pytest.raises(SurveyError) as caught:
        check_sheet(load(), unit, level, answers, blanks)
    assert words in str(caught.value)
