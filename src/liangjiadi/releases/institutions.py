"""The institution directory a release freezes: code, name, type, level and region as of a period.

Read from the lake's `fixmedins` at `release create` (and for the stand-alone worksheet); a
release's documents read the frozen copy (institutions.json), never this.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..config import Settings
from ..schema import SNAPSHOT_PERIOD
from ..schema.codes import HOSP_LV, level_group


@dataclass(frozen=True)
class Institution:
    code: str
    name: str
    hosp_lv: str | None = None
    fixmedins_type: str | None = "1"
    admdvs: str | None = None

    @property
    def level_group(self) -> str:
        return level_group(self.hosp_lv)

    @property
    def level_name(self) -> str:
        return HOSP_LV.get(self.hosp_lv or "", "未定级")

    def to_dict(self) -> dict:
        return asdict(self)


def institution_directory(settings: Settings, period: str) -> dict[str, Institution]:
    """Institutions as of `period`: for each code, the newest row whose period is not later."""
    from ..engine import open_engine

    engine = open_engine(settings)
    try:
        if not engine.has_data("fixmedins"):
            return {}
        t = engine.table("fixmedins")
        frame = t.select("fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs",
                         "period").execute()
    finally:
        engine.close()
    frame["period"] = frame["period"].fillna(SNAPSHOT_PERIOD)
    frame = frame[frame["period"] <= period].sort_values(["fixmedins_code", "period"])
    latest = frame.drop_duplicates("fixmedins_code", keep="last")
    return {
        code: Institution(code, name, _text(lv), _text(kind), _text(adm))
        for code, name, kind, lv, adm in zip(latest["fixmedins_code"], latest["fixmedins_name"],
                                             latest["fixmedins_type"], latest["hosp_lv"], latest["admdvs"],
                                             strict=True)
    }


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def institutions_from_rows(rows: list[dict]) -> dict[str, Institution]:
    """The frozen directory (institutions.json rows) as Institution records."""
    return {r["code"]: Institution(r["code"], r["name"], r.get("hosp_lv"), r.get("fixmedins_type"), r.get("admdvs"))
            for r in rows}


def hospitals(results, directory: dict[str, Institution]) -> list[str]:
    """Institutions with results (a RESULT_SCHEMA table) that are hospitals: those the directory
    lists as 医疗机构 (type 1) or does not list (pharmacies have none of these indicators)."""
    codes = {r["fixmedins_code"] for r in results.select(["scope", "fixmedins_code"]).to_pylist()
             if r["scope"] != "region" and r["fixmedins_code"]}
    return sorted(c for c in codes if directory.get(c) is None or directory[c].fixmedins_type in (None, "1"))
