"""The one Institution record: a 定点医药机构 (fixmedins row) as it stood at a period.

Read from the lake by indicators/institutions.py (`institutions_as_of`); a release freezes the
records (institutions.json) and its documents read them back (`from_row`), never the lake.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from .codes import HOSP_LV, level_group


@dataclass(frozen=True)
class Institution:
    code: str
    name: str | None
    hosp_lv: str | None = None
    fixmedins_type: str | None = "1"  # 1 医疗机构, 2 药店
    admdvs: str | None = None
    kind: str | None = None  # inst_kind: 综合 / 专科 / 中医 / 妇幼 / 基层
    ownership: str | None = None
    bed_cnt: int | None = None
    drg_dip_flag: str | None = None
    yigongti_id: str | None = None
    lon: float | None = None
    lat: float | None = None

    @property
    def level_group(self) -> str:
        """三级 / 二级 / 一级及以下."""
        return level_group(self.hosp_lv)

    @property
    def level_name(self) -> str:
        return HOSP_LV.get(self.hosp_lv or "", "未定级")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict) -> Institution:
        """A record from `to_dict` output (a frozen directory; older bundles lack the later fields)."""
        return cls(**{f.name: row.get(f.name) for f in fields(cls) if f.name in row})
