"""The region's 县域医共体 (seeds/003 二: 以县域医共体整体作为医保预算单位): which they are, their
county, lead hospital and members, from the `yigongti` table, members completed from
fixmedins.yigongti_id."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..errors import LjdError
from ..schema import level_group


class YigongtiError(LjdError):
    """A 医共体 computation cannot go on (no 医共体 table, no income ...)."""


@dataclass(frozen=True)
class Unit:
    yigongti_id: str
    name: str
    county: str
    lead: str
    members: frozenset[str]  # lead included
    tight_since: str | None  # 紧密型 since (YYYY-MM); None = not judged 紧密型

    def tight_in(self, year: int) -> bool:
        """Total-budget payment applies to a 紧密型 医共体 (seeds/003 二) judged so by December."""
        return self.tight_since is not None and self.tight_since <= f"{year:04d}-12"


@dataclass(frozen=True)
class Institution:
    code: str
    county: str  # its own admdvs (its partition in fixmedins)
    basic: bool  # 基层医疗卫生机构: 一级及以下 or inst_kind 基层
    pharmacy: bool
    level: str = "一级及以下"  # 三级 / 二级 / 一级及以下 (差别化支付)


def read_units(engine, settings: Settings, region: str) -> list[Unit]:
    if not engine.has_data("yigongti"):
        raise YigongtiError("数据湖中没有县域医共体表（yigongti）。",
                            "请按 docs/input-contract.md 的 yigongti 表提供医共体编号、县、牵头医院与成员后导入。")
    t = engine.region_table("yigongti", settings, region)
    rows = engine.to_pyarrow(t).to_pylist()
    if not rows:
        raise YigongtiError(f"统筹地区 {region} 没有县域医共体（yigongti 表中无该地区的行）。")
    fm = engine.region_table("fixmedins", settings, region)  # the region's and its counties' institutions
    by_tag: dict[str, set[str]] = {}
    if engine.region_has_data("fixmedins", settings, region):
        for r in engine.to_pyarrow(fm.filter(fm.yigongti_id.notnull()).select("fixmedins_code", "yigongti_id")).to_pylist():
            if r["yigongti_id"]:
                by_tag.setdefault(r["yigongti_id"], set()).add(r["fixmedins_code"])
    units = []
    for r in sorted(rows, key=lambda r: r["yigongti_id"]):
        listed = {c.strip() for c in (r["members"] or "").replace("；", ";").replace(",", ";").split(";") if c.strip()}
        members = (listed or by_tag.get(r["yigongti_id"], set())) | {r["lead_fixmedins_code"]}
        units.append(Unit(r["yigongti_id"], r["yigongti_name"], r["county_admdvs"], r["lead_fixmedins_code"],
                          frozenset(members), r["tight_since"]))
    return units


def read_institutions(engine, settings: Settings, region: str, period: str) -> dict[str, Institution]:
    """The region's institutions (its own and its counties' partitions) as of `period`."""
    if not engine.region_has_data("fixmedins", settings, region):
        return {}
    t = engine.region_table("fixmedins", settings, region)
    t = t.filter(t.period.isnull() | (t.period <= period))
    best: dict[str, dict] = {}
    for r in engine.to_pyarrow(t.select("fixmedins_code", "fixmedins_type", "hosp_lv", "inst_kind", "admdvs",
                                        "period")).to_pylist():
        p = r["period"] or ""
        cur = best.get(r["fixmedins_code"])
        if cur is None or p >= (cur["period"] or ""):
            best[r["fixmedins_code"]] = r
    return {c: Institution(c, r["admdvs"], r["fixmedins_type"] == "1" and (
        level_group(r["hosp_lv"]) == "一级及以下" or r["inst_kind"] == "基层"), r["fixmedins_type"] == "2",
        level_group(r["hosp_lv"]))
        for c, r in best.items()}
