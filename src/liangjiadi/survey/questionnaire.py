"""The 附录4 questionnaire as data (questionnaire.yaml) and the check of one answer sheet.

An answer sheet is what a respondent sends: the unit type (填报单位类别), the level (机构等级, only
for 医疗机构), and per question number either an option key ("A"), a list of keys (可多选), a
number (填空题, e.g. 预付金约为几个月) or a text; `blanks` holds what was written in an option's
blank (其他_____、反馈时间为_____天、请列举说明_____). Any question may be left out (未作答): the
questionnaire is answered on paper-like terms and 7, 13, 17 only apply after another answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import SurveyError

HERE = Path(__file__).resolve().parent
MAX_TEXT = 2000  # characters of one free answer or blank


@dataclass(frozen=True)
class Question:
    no: int
    kind: str  # single | multi | number | text
    text: str
    options: dict[str, str] = field(default_factory=dict)
    blank: str | None = None  # the option whose blank may be filled
    unit: str | None = None
    max: Decimal | None = None
    arrears: bool = False  # 拖欠-related (§六(七))
    signals: tuple[str, ...] = ()  # options that point at 拖欠

    @property
    def label(self) -> str:
        return f"第{self.no}题"


@dataclass(frozen=True)
class Questionnaire:
    title: str
    source: str
    preface: str
    unit_types: tuple[str, ...]
    unit_type_text: str
    levels: tuple[str, ...]
    level_text: str
    no_level_for: tuple[str, ...]
    questions: tuple[Question, ...]

    def question(self, no: int) -> Question | None:
        return next((q for q in self.questions if q.no == no), None)

    @property
    def arrears_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.arrears)

    def group_of(self, unit_type: str, level: str | None) -> str:
        """The 单位类别·等级 group a sheet is counted in (a pharmacy has no level)."""
        if unit_type in self.no_level_for:
            return unit_type
        return f"{unit_type}·{level or '未填等级'}"

    @property
    def groups(self) -> list[str]:
        out = []
        for unit in self.unit_types:
            if unit in self.no_level_for:
                out.append(unit)
            else:
                out += [f"{unit}·{lv}" for lv in self.levels] + [f"{unit}·未填等级"]
        return out


@lru_cache(maxsize=1)
def load() -> Questionnaire:
    data = yaml.safe_load((HERE / "questionnaire.yaml").read_text(encoding="utf-8"))
    questions = tuple(
        Question(no=int(q["number"]), kind=q["kind"], text=str(q["text"]),
                 options={str(k): str(v) for k, v in (q.get("options") or {}).items()}, blank=q.get("blank"),
                 unit=q.get("unit"), max=Decimal(str(q["max"])) if q.get("max") is not None else None,
                 arrears=bool(q.get("arrears")), signals=tuple(q.get("signals") or ()))
        for q in data["questions"])
    return Questionnaire(title=data["title"], source=data["source"], preface=data["preface"],
                         unit_types=tuple(data["unit_type"]["options"]), unit_type_text=data["unit_type"]["text"],
                         levels=tuple(data["level"]["options"]), level_text=data["level"]["text"],
                         no_level_for=tuple(data["level"].get("not_for") or ()), questions=questions)


# ---- one answer sheet ---------------------------------------------------------------------------------


def _text(value, where: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise SurveyError(f"{where}：应填写文字")
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise SurveyError(f"{where}：文字超过 {MAX_TEXT} 字")
    return text


def _number(q: Question, value) -> str:
    where = f"{q.label}（填空）"
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise SurveyError(f"{where}：应填写数字")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise SurveyError(f"{where}：“{str(value)[:20]}”不是数字") from None
    if not number.is_finite() or number < 0:
        raise SurveyError(f"{where}：应为不小于 0 的数字")
    if q.max is not None and number > q.max:
        raise SurveyError(f"{where}：不能大于 {q.max}{q.unit or ''}")
    return str(number.normalize()) if number == number.to_integral_value() else str(number)


def check_sheet(questionnaire: Questionnaire, unit_type, level, answers, blanks=None) -> dict:
    """The sheet as stored ({"unit_type", "level", "answers", "blanks"}), or SurveyError naming the
    question and the rule. Nothing of the respondent is taken: only what the questionnaire asks."""
    if unit_type not in questionnaire.unit_types:
        raise SurveyError(f"填报单位类别“{str(unit_type)[:20]}”不在问卷选项中",
                          "应为：" + "、".join(questionnaire.unit_types))
    level = level or None
    if level is not None:
        if unit_type in questionnaire.no_level_for:
            raise SurveyError(f"机构等级仅限医疗机构填写，{unit_type}不填")
        if level not in questionnaire.levels:
            raise SurveyError(f"机构等级“{str(level)[:20]}”不在问卷选项中", "应为：" + "、".join(questionnaire.levels))
    if not isinstance(answers, dict) or not isinstance(blanks or {}, dict):
        raise SurveyError("答卷格式不正确：answers 与 blanks 应为以题号为键的对象")
    out: dict[str, object] = {}
    for key, value in answers.items():
        q = questionnaire.question(int(key)) if str(key).isdigit() else None
        if q is None:
            raise SurveyError(f"题号“{str(key)[:10]}”不在问卷中", f"问卷共 {len(questionnaire.questions)} 题")
        if value is None or value == "" or value == []:
            continue  # 未作答
        if q.kind == "single":
            if value not in q.options:
                raise SurveyError(f"{q.label}：选项“{str(value)[:10]}”不存在", "应为：" + "、".join(q.options))
            out[str(q.no)] = value
        elif q.kind == "multi":
            chosen = value if isinstance(value, list) else [value]
            wrong = [str(c)[:10] for c in chosen if c not in q.options]
            if wrong:
                raise SurveyError(f"{q.label}：选项“{'、'.join(wrong)}”不存在", "应为：" + "、".join(q.options))
            out[str(q.no)] = sorted(set(chosen))
        elif q.kind == "number":
            out[str(q.no)] = _number(q, value)
        else:
            text = _text(value, q.label)
            if text:
                out[str(q.no)] = text
    kept: dict[str, str] = {}
    for key, value in (blanks or {}).items():
        q = questionnaire.question(int(key)) if str(key).isdigit() else None
        if q is None or q.blank is None:
            raise SurveyError(f"题号“{str(key)[:10]}”没有可填写的横线")
        text = _text(value, f"{q.label}（{q.blank}项横线）")
        if not text:
            continue
        chosen = out.get(str(q.no))
        if chosen != q.blank and not (isinstance(chosen, list) and q.blank in chosen):
            raise SurveyError(f"{q.label}：横线内容只在选择 {q.blank} 项时填写")
        kept[str(q.no)] = text
    return {"unit_type": unit_type, "level": level, "answers": out, "blanks": kept}
