"""Text from the catalogue and the runs, as a reader of a published document sees it.

The indicators' 口径 (method), their notes and the reasons for absent values are written for the
people who maintain the platform, with the input contract's field and code names (setl_id,
fix_blng_admdvs, income_total, drg_std …). Documents sent to hospitals print the contract's
Chinese names instead (issue 9: no field names in any document).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..schema import TABLES
from ..schema.codes import BUDGET_ITEM, FUND, FUND_ITEM, SETL_PAY_WAY

_PAREN = re.compile(r"（[^（）]*）|\([^()]*\)")
# words the contract does not name, or names only inside a longer column title
EXTRA = {"admdvs": "医保区划", "period": "期间", "employee": "职工医保", "resident": "居民医保",
         "assistance": "城乡医疗救助", "budget": "预算表", "fixmedins": "定点医药机构表"}


# English remarks the catalogue keeps verbatim from the spec (tests hold it to the spec field by field)
PHRASES = {"(per 险种)": "（分险种）", "见 analysis 的基金分析": "见基金运行分析"}


def _short(cn: str) -> str:
    """A contract title without its parenthetical remark: 分组类型（DRG/DIP） -> 分组类型."""
    return _PAREN.sub("", cn).strip() or cn


@lru_cache(maxsize=1)
def contract_names() -> dict[str, str]:
    """Field, table and code names of the input contract -> their Chinese names."""
    names: dict[str, str] = {}
    for code_table in (FUND_ITEM, BUDGET_ITEM, SETL_PAY_WAY):
        names.update({k: _short(v) for k, v in code_table.items()})
    names.update(FUND)
    for table in TABLES.values():
        for column in table.columns:
            names.setdefault(column.name, _short(column.cn))
    for table in TABLES.values():
        names[table.name] = table.cn
    names.update(EXTRA)
    return names


def readable(text: str | None) -> str:
    """`text` with every contract name replaced by its Chinese name (other words kept: DRG, CMI,
    ICD-10 …)."""
    if not text:
        return text or ""
    names = contract_names()
    for phrase, chinese in PHRASES.items():
        text = text.replace(phrase, chinese)
    return _pattern().sub(lambda m: names[m.group(0)], text)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    # the longest name first; a name is a whole word of letters and underscores (digits may touch it)
    names = sorted(contract_names(), key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z_])(?:" + "|".join(map(re.escape, names)) + r")(?![A-Za-z_])")
