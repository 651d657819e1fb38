"""Institutions as of a period: the one reader of the fixmedins table's validity periods.

fixmedins keeps one row per institution and period from which the row is valid (a blank period:
valid from the beginning). Indicators, 复核, analysis, detection and `release create` all ask
"what did this institution look like at P" here.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import lake
from ..config import Settings
from ..schema import SNAPSHOT_PERIOD
from ..schema.institution import Institution

_COLUMNS = {  # Institution field -> fixmedins column
    "code": "fixmedins_code", "name": "fixmedins_name", "hosp_lv": "hosp_lv", "fixmedins_type": "fixmedins_type",
    "admdvs": "admdvs", "kind": "inst_kind", "ownership": "ownership", "bed_cnt": "bed_cnt",
    "drg_dip_flag": "drg_dip_flag", "yigongti_id": "yigongti_id", "lon": "lon", "lat": "lat",
}


def institutions_as_of(engine, period: str, region: str | Iterable[str] | None = None) -> dict[str, Institution]:
    """For each code, its row with the greatest period not after `period`. `region`: only the
    institutions of that 医保区划 (admdvs) — or of a set of codes, the region's own with its
    counties (`Settings.own_admdvs`); None: every region's (a settlement elsewhere names another
    region's institution)."""
    if not engine.has_data("fixmedins"):
        return {}
    if region is None:
        t = engine.table("fixmedins")
    else:  # only those partitions' files are read (fixmedins is partitioned by each institution's admdvs)
        t = engine.table("fixmedins", regions=[region] if isinstance(region, str) else list(region))
    t = t.filter(t.period.isnull() | (t.period <= str(period)))
    rows = engine.to_pyarrow(t.select(*_COLUMNS.values(), "period"))
    latest = _latest_per_code(rows)
    names = list(_COLUMNS)
    columns = [latest[c].to_pylist() for c in _COLUMNS.values()]
    return {values[0]: Institution(**dict(zip(names, values))) for values in zip(*columns)}


def _latest_per_code(rows: pa.Table) -> pa.Table:
    """Each code's row with the greatest period (blank: SNAPSHOT_PERIOD, before every month);
    of two rows with the same period, the later one. Sorted by code. In Arrow: a large city's
    fixmedins has tens of thousands of rows."""
    rows = rows.append_column("_order", pa.array(np.arange(rows.num_rows)))
    rows = rows.set_column(rows.schema.get_field_index("period"), "period",
                           pc.fill_null(rows["period"], SNAPSHOT_PERIOD))
    rows = rows.sort_by([("fixmedins_code", "ascending"), ("period", "ascending"), ("_order", "ascending")])
    codes = rows["fixmedins_code"].combine_chunks()
    if len(codes) == 0:
        return rows.drop_columns(["_order"])
    # the last row of each run of one code: the next row's code differs (the last row always)
    last = pc.fill_null(pc.not_equal(codes[:-1], codes[1:]), True)
    return rows.filter(pa.concat_arrays([last, pa.array([True])])).drop_columns(["_order"])


def institutions_in(engine, period: str, admdvs: Iterable[str]) -> dict[str, Institution]:
    """`institutions_as_of` the institutions that settlements under these 医保区划 codes
    (fix_blng_admdvs) can name: only the fixmedins partitions of each code's prefecture (the
    first four digits: a city's code and its counties', whichever of them the institution is
    filed under), so a province lake's directory is not read whole."""
    wanted = {str(a)[:4] for a in admdvs if a}
    parts = sorted({a for a, _ in lake.partitions(engine.workdir, "fixmedins") if a[:4] in wanted})
    return institutions_as_of(engine, period, parts)


def institution_directory(settings: Settings, period: str) -> dict[str, Institution]:
    """The region's institutions and those of every other region its settlements name (an
    异地 institution's name), as of `period`, on an engine opened for the purpose (what a
    release freezes and the stand-alone worksheet shows). Only the regions the settlements
    name are read (`institutions_in`); without a configured region, every region's."""
    from ..engine import open_engine

    engine = open_engine(settings)
    try:
        region = settings.region_admdvs
        if region is None:
            return institutions_as_of(engine, period)
        named = []
        if engine.region_has_data("setl_d", settings, region):  # no settlements yet: only the region's own
            s = engine.region_table("setl_d", settings, region)
            if "fix_blng_admdvs" in s.columns:  # a lake written without it names no other region
                named = engine.to_pyarrow(s.select("fix_blng_admdvs").distinct())["fix_blng_admdvs"].to_pylist()
        return institutions_in(engine, period, [*settings.own_admdvs(region), *named])
    finally:
        engine.close()
