"""The institution directory a report needs: code, name, level — nothing else.

This is the one place in reports/ that reads the lake, and it reads only `fixmedins`
(names and levels as of the period); the worksheet gets the directory passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        code: Institution(code, name, lv if isinstance(lv, str) else None, kind, adm)
        for code, name, kind, lv, adm in zip(latest["fixmedins_code"], latest["fixmedins_name"],
                                             latest["fixmedins_type"], latest["hosp_lv"], latest["admdvs"],
                                             strict=True)
    }
