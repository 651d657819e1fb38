"""How an indicator's value is shown in a printed report: scale, unit and number format.

Totals of money are shown in 万元 (the way a regional office prints them), per-case and
per-person amounts in 元; ratios as % with two decimals, except 门诊住院人次比 which is a
plain multiple; counts as integers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..checks.catalogue import IndicatorMeta

_CJK = re.compile(r"[\u4e00-\u9fff]")
_PAREN = re.compile(r"[（(][^（）()]*[)）]")


@dataclass(frozen=True)
class Display:
    kind: str  # amount | percent | count | plain
    scale: float  # the stored value is divided by this before it is written
    unit: str  # for headers: 万元, 元, %, 人次, 例, ''
    plain_format: str  # number format when the unit is in the header
    unit_format: str  # number format that prints the unit after the number

    @property
    def change_format(self) -> str:
        """Format of 同比变化: percentage points for ratios, a growth rate otherwise."""
        if self.kind == "percent":
            return '+0.00" 个百分点";-0.00" 个百分点";0.00" 个百分点"'
        return "+0.00%;-0.00%;0.00%"


def is_per_unit_amount(meta: IndicatorMeta) -> bool:
    """次均 / 人均 amounts are small: they stay in 元."""
    return any(word in meta.name for word in ("次均", "人均")) or "/" in meta.formula


def is_percent(meta: IndicatorMeta) -> bool:
    if meta.unit != "ratio":
        return False
    if meta.bounds is not None or "100%" in meta.formula:
        return True
    return meta.name.endswith(("率", "占比", "比例"))


def display_for(meta: IndicatorMeta | None) -> Display:
    if meta is None:
        return Display("plain", 1, "", "#,##0.00", "#,##0.00")
    if meta.unit == "yuan":
        if is_per_unit_amount(meta):
            return Display("amount", 1, "元", "#,##0.00", '#,##0.00" 元"')
        return Display("amount", 10_000, "万元", "#,##0.00", '#,##0.00" 万元"')
    if is_percent(meta):
        return Display("percent", 1, "%", "0.00%", "0.00%")
    if meta.unit == "count":
        unit = "人次" if "人次" in meta.name else "例"
        return Display("count", 1, unit, "#,##0", f'#,##0" {unit}"')
    if meta.unit == "index":
        return Display("plain", 1, "", "0.0000", "0.0000")
    if meta.unit == "per_mille_people":
        return Display("plain", 1, "/千人", "0.00", '0.00" /千人"')
    if meta.unit == "per_mille":
        return Display("plain", 1, "‰", "0.00", '0.00"‰"')
    if meta.unit == "per_100k":
        return Display("plain", 1, "/10万", "0.00", '0.00" /10万"')
    if meta.unit == "years":
        return Display("plain", 1, "岁", "0.00", '0.00" 岁"')
    if meta.unit == "ratio":  # 门诊住院人次比: how many outpatient visits per discharge
        return Display("plain", 1, "", "0.00", '0.00":1"')
    return Display("plain", 1, "", "#,##0.00", "#,##0.00")


def _mostly_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) > len(re.findall(r"[A-Za-z]", text)) / 2


def chinese_text(text: str) -> str:
    """Catalogue notes without the English remarks meant for developers."""
    text = _PAREN.sub(lambda m: m.group(0) if _mostly_chinese(m.group(0)) else "", text or "")
    parts = re.split(r"(?<=。)|(?<=\.)\s+", text)
    return "".join(p for p in parts if p and _mostly_chinese(p)).strip()
