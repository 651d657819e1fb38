"""The questionnaire's results: counts per question and option, overall and per 单位类别·等级,
the figures of the 填空题, the written answers, and the 拖欠 signals (§六(七)).

Shares are of the sheets that answered the question (未作答 are counted apart). A multi-choice
question's shares can add up to more than 100%.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from .questionnaire import Questionnaire


def _share(count: int, base: int) -> Decimal | None:
    if not base:
        return None
    return (Decimal(count) * 100 / Decimal(base)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _number_stats(values: list[Decimal]) -> dict:
    if not values:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
    mean = (sum(values) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return {"n": len(values), "mean": str(mean), "median": str(median(sorted(values))),
            "min": str(min(values)), "max": str(max(values))}


def aggregate(questionnaire: Questionnaire, sheets: list[dict]) -> dict:
    """{"n", "groups": {group: n}, "questions": [...], "arrears": [...]} for the sheets given."""
    group_of = [questionnaire.group_of(s["unit_type"], s.get("level")) for s in sheets]
    group_n = Counter(group_of)
    groups = {g: group_n.get(g, 0) for g in questionnaire.groups}
    questions = []
    for q in questionnaire.questions:
        key = str(q.no)
        answered = [(g, s) for g, s in zip(group_of, sheets, strict=True) if key in s["answers"]]
        entry = {"no": q.no, "text": q.text, "kind": q.kind, "arrears": q.arrears, "answered": len(answered),
                 "unanswered": len(sheets) - len(answered), "options": [], "number": None, "texts": []}
        if q.kind in ("single", "multi"):
            for opt, text in q.options.items():
                hits = [g for g, s in answered
                        if s["answers"][key] == opt or (isinstance(s["answers"][key], list) and opt in s["answers"][key])]
                by_group = Counter(hits)
                entry["options"].append({"key": opt, "text": text, "count": len(hits),
                                         "share": _share(len(hits), len(answered)),
                                         "signal": opt in q.signals,
                                         "by_group": {g: by_group.get(g, 0) for g in questionnaire.groups}})
            if q.blank:
                entry["texts"] = sorted(s["blanks"][key] for _, s in answered if key in s.get("blanks", {}))
        elif q.kind == "number":
            entry["number"] = _number_stats([Decimal(s["answers"][key]) for _, s in answered])
        else:
            entry["texts"] = sorted(str(s["answers"][key]) for _, s in answered)
        questions.append(entry)
    arrears = [{"no": e["no"], "text": e["text"], "key": o["key"], "option": o["text"], "count": o["count"],
                "answered": e["answered"], "share": o["share"]}
               for e in questions if e["arrears"] for o in e["options"] if o["signal"]]
    return {"n": len(sheets), "groups": groups, "questions": questions, "arrears": arrears}


def as_json(result: dict) -> dict:
    """The result with Decimals as text (for the API and the page's charts)."""
    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value
    return plain(result)
