"""Publication rules frozen with a release (publication.json): who it is for, what was kept out of
it, and the small-count threshold its figures are shown with.

- Audience (受众): seeds/001 §八(四) 知悉范围 — a release may be addressed to part of the region's
  institutions, by level (三级/二级/一级及以下 or a 医院等级 code), kind (综合/专科/…, or
  医疗机构/药店), county (区划代码) or 医共体 (yigongti_id), where the frozen institution directory
  carries them. Within one criterion any value matches; all given criteria must match. The
  matching institutions are resolved once, at create, and frozen as a list of codes, so a later
  change of the directory never widens or narrows a published release.
- Internal-only indicators (仅内部使用, `internal_indicators` in the configuration) never enter a
  release: `release create` drops their rows from everything it freezes and says so.
- The small-count threshold (小数抑制) is the one of releases/suppression.py, as it stood at create.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..schema.codes import FIXMEDINS_TYPE, HOSP_LV, level_group
from .errors import ReleaseError

FILE = "publication.json"
FIELDS = {"level": "等级", "kind": "类别", "county": "县区", "yigongti": "医共体"}
_FIELD_ALIASES = {"level": "level", "等级": "level", "kind": "kind", "类别": "kind", "type": "kind",
                  "county": "county", "县区": "county", "yigongti": "yigongti", "医共体": "yigongti"}
_TYPE_NAMES = {"医疗机构": "1", "定点医疗机构": "1", "药店": "2", "零售药店": "2", "定点零售药店": "2"}


class AudienceError(ReleaseError):
    code = "LJD-REL-AUDIENCE"


def parse_audience(text: str | dict | None) -> dict[str, list[str]] | None:
    """`level=三级,二级;county=140402` (or a dict of lists) -> {"level": [...], "county": [...]}."""
    if text is None or text == "" or text == {}:
        return None
    if isinstance(text, dict):
        items = [(k, v if isinstance(v, list) else [v]) for k, v in text.items()]
    else:
        items = []
        for part in (p.strip() for p in text.replace("；", ";").split(";")):
            if not part:
                continue
            key, sep, values = part.partition("=")
            if not sep:
                raise AudienceError(f"受众条件写法有误：“{part}”",
                                    "应为 字段=值[,值]，多个字段用分号分隔，如 level=三级,二级;county=140402；"
                                    "字段为 level（等级）、kind（类别）、county（县区）、yigongti（医共体）")
            items.append((key, values.replace("，", ",").split(",")))
    out: dict[str, list[str]] = {}
    for key, values in items:
        field = _FIELD_ALIASES.get(str(key).strip().lower()) or _FIELD_ALIASES.get(str(key).strip())
        if field is None:
            raise AudienceError(f"未知的受众字段：{key}", "字段应为 level（等级）、kind（类别）、county（县区）或 yigongti（医共体）")
        cleaned = sorted({str(v).strip() for v in values if str(v).strip()})
        if not cleaned:
            raise AudienceError(f"受众字段 {key} 没有给出任何值")
        out.setdefault(field, [])
        out[field] = sorted(set(out[field]) | set(cleaned))
    return out or None


def _matches(field: str, wanted: list[str], inst: dict) -> bool:
    if field == "level":
        lv = inst.get("hosp_lv")
        return any(w == lv or w == level_group(lv) or w == HOSP_LV.get(lv or "") for w in wanted)
    if field == "kind":
        kind, ftype = inst.get("kind"), inst.get("fixmedins_type")
        return any(w == kind or _TYPE_NAMES.get(w, w) == ftype or w == FIXMEDINS_TYPE.get(ftype or "")
                   for w in wanted)
    if field == "county":
        return (inst.get("admdvs") or "") in wanted
    if field == "yigongti":
        return (inst.get("yigongti_id") or "") in wanted
    return False


def audience_codes(audience: dict[str, list[str]] | None, institutions: list[dict]) -> list[str] | None:
    """The codes of the institutions an audience addresses (None: the whole region). A value no
    institution of the directory carries is refused, so a mistyped county never empties a release."""
    if not audience:
        return None
    for field, wanted in audience.items():
        for value in wanted:
            if not any(_matches(field, [value], i) for i in institutions):
                raise AudienceError(
                    f"受众条件 {field}（{FIELDS[field]}）={value} 在本期机构目录中没有任何机构",
                    "受众只能按机构目录中载有的等级、类别、县区或医共体划定；请核对取值")
    codes = sorted(i["code"] for i in institutions if all(_matches(f, w, i) for f, w in audience.items()))
    if not codes:
        raise AudienceError("受众条件同时满足的机构为零，发布将无人可看", "请放宽受众条件")
    return codes


def audience_text(audience: dict[str, list[str]] | None) -> str:
    if not audience:
        return "本地区全部定点医药机构"
    return "；".join(f"{FIELDS[f]}：{'、'.join(v)}" for f, v in audience.items())


def drop_internal(table: pa.Table, internal: set[str]) -> tuple[pa.Table, list[str]]:
    """The table without rows of internal-only indicators, and the ids that were present."""
    if not internal or table is None or "indicator_id" not in table.column_names or table.num_rows == 0:
        return table, []
    present = sorted(set(table["indicator_id"].to_pylist()) & internal)
    if not present:
        return table, []
    keep = pc.invert(pc.is_in(table["indicator_id"], value_set=pa.array(sorted(internal), pa.string())))
    return table.filter(keep), present


def write_publication(staging: Path, *, audience: dict | None, codes: list[str] | None, dropped: list[str],
                      threshold: int) -> dict:
    doc = {"audience": audience, "audience_text": audience_text(audience), "audience_codes": codes,
           "internal_dropped": sorted(dropped), "small_count_threshold": threshold}
    (staging / FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                encoding="utf-8")
    return doc


def read_publication(bundle: Path) -> dict:
    path = Path(bundle) / FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def in_audience(publication: dict, code: str | None) -> bool:
    """Whether an institution is addressed (a release without an audience addresses all)."""
    codes = publication.get("audience_codes")
    return codes is None or (code is not None and code in codes)
