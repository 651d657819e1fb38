"""分组/政策建议: institutions' suggestions collected with a category and forwarded to the province.

seeds/001 附录1 三: 各地收集涉及 DRG/DIP 分组的建议，可通过省级医保部门汇总至国家医保局; 附录1
二(二) and 工作职责(三): 收集…对于数据分析、基金结算、支付方式改革、基金监管等方面的意见建议.
Unlike the questionnaire a suggestion is signed (the bureau may ask back); the province's xlsx
carries the region, the category, the kind of unit and the text, not the institution or the person.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..config import DISPLAY_TZ, Settings, local_time
from ..releases.store import as_utc, session_scope, utcnow
from .errors import SurveyError
from .export import new_sheet
from .store import SuggestionRow

CATEGORIES = {
    "grouping": "DRG/DIP 分组",
    "payment": "支付方式改革",
    "settlement": "基金结算",
    "supervision": "基金监管",
    "data": "数据分析与发布",
    "other": "其他",
}
MAX_TEXT = 4000


def category_key(value: str) -> str:
    """A category given by its key (grouping) or its Chinese name (DRG/DIP 分组)."""
    text = str(value or "").strip()
    if text in CATEGORIES:
        return text
    for key, name in CATEGORIES.items():
        if text == name:
            return key
    raise SurveyError(f"建议类别“{text[:20]}”不存在",
                      "应为：" + "、".join(f"{k}（{v}）" for k, v in CATEGORIES.items()))


def _as_dict(row: SuggestionRow) -> dict:
    return {"id": row.id, "admdvs": row.admdvs, "category": row.category,
            "category_cn": CATEGORIES.get(row.category, row.category), "text": row.text,
            "release_id": row.release_id, "fixmedins_code": row.fixmedins_code, "unit_kind": row.unit_kind,
            "submitted_by": row.submitted_by, "submitted_at": as_utc(row.submitted_at).isoformat()}


def submit(settings: Settings, admdvs: str, category: str, text: str, actor: str, *,
           fixmedins_code: str | None = None, unit_kind: str | None = None, release_id: str | None = None) -> dict:
    key = category_key(category)
    text = str(text or "").strip()
    if not text:
        raise SurveyError("建议内容不能为空")
    if len(text) > MAX_TEXT:
        raise SurveyError(f"建议内容超过 {MAX_TEXT} 字")
    with session_scope(settings) as session:
        row = SuggestionRow(admdvs=admdvs, category=key, text=text, release_id=release_id or None,
                            fixmedins_code=fixmedins_code, unit_kind=unit_kind, submitted_by=actor,
                            submitted_at=utcnow())
        session.add(row)
        session.flush()
        return _as_dict(row)


def list_suggestions(settings: Settings, *, admdvs: str | None = None, province: str | None = None,
                     fixmedins_code: str | None = None, category: str | None = None) -> list[dict]:
    with session_scope(settings) as session:
        query = select(SuggestionRow).order_by(SuggestionRow.id)
        if admdvs:
            query = query.where(SuggestionRow.admdvs == admdvs)
        if province:
            query = query.where(SuggestionRow.admdvs.startswith(province[:2]))
        if fixmedins_code:
            query = query.where(SuggestionRow.fixmedins_code == fixmedins_code)
        if category:
            query = query.where(SuggestionRow.category == category_key(category))
        return [_as_dict(r) for r in session.scalars(query)]


def write_xlsx(path: Path, suggestions: list[dict]) -> Path:
    """The xlsx for the province: no institution, no person (see the module's note)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    rows = [[s["id"], s["admdvs"], s["category_cn"], s["unit_kind"] or "", local_time(datetime.fromisoformat(
        s["submitted_at"]), "%Y-%m-%d"), s["text"]] for s in suggestions]
    new_sheet(book, "分组政策建议", ["编号", "统筹地区", "类别", "单位类别", "提交日期", "建议内容"], rows, {"C": 16, "F": 80})
    by_category = {}
    for s in suggestions:
        by_category[s["category_cn"]] = by_category.get(s["category_cn"], 0) + 1
    new_sheet(book, "按类别汇总", ["类别", "条数"], [[name, by_category.get(name, 0)] for name in CATEGORIES.values()])
    sheet = book.create_sheet("说明")
    sheet.append([f"导出时间（北京时间）：{datetime.now(DISPLAY_TZ):%Y-%m-%d %H:%M}。依据：附录1 三“各地收集涉及 DRG/DIP "
                  "分组的建议，可通过省级医保部门汇总至国家医保局”。不含机构名称与提交人。"])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
