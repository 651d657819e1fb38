"""The one "institutions as of a period" reader and the one Institution record."""

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from liangjiadi import lake
from liangjiadi.config import Settings
from liangjiadi.engine import open_engine
from liangjiadi.indicators.institutions import _latest_per_code, institution_directory, institutions_as_of
from liangjiadi.schema import SNAPSHOT_PERIOD
from liangjiadi.releases.institutions import institutions_from_rows
from liangjiadi.schema.institution import Institution


def _settings(tmp_path) -> Settings:
    (tmp_path / "work").mkdir()
    return Settings(workdir=tmp_path / "work", region_admdvs="140400", duckdb_threads=1, duckdb_memory_limit="512MB")


def _row(code, name, period, *, admdvs="140400", lv="05", kind="1", **more):
    return {"fixmedins_code": code, "fixmedins_name": name, "fixmedins_type": kind, "hosp_lv": lv,
            "admdvs": admdvs, "period": period, **more}


def test_the_row_in_force_at_the_period(tmp_path):
    settings = _settings(tmp_path)
    lake.write_rows(settings.workdir, "fixmedins", [
        _row("H1", "旧名", None, lv="05", bed_cnt=100),  # blank period: valid from the beginning
        _row("H1", "新名", "2025-01", lv="02", bed_cnt=300, inst_kind="综合"),
        _row("H2", "以后才有", "2025-06"),
        _row("P1", "药店", None, kind="2", lv=None),
    ], "140400")
    lake.write_rows(settings.workdir, "fixmedins", [_row("X9", "外地医院", None, admdvs="110100")], "110100")
    engine = open_engine(settings)
    try:
        before = institutions_as_of(engine, "2024-12", "140400")
        now = institutions_as_of(engine, "2025-03", "140400")
        everywhere = institutions_as_of(engine, "2025-03")
    finally:
        engine.close()
    assert (before["H1"].name, before["H1"].level_group, before["H1"].bed_cnt) == ("旧名", "二级", 100)
    assert (now["H1"].name, now["H1"].level_group, now["H1"].bed_cnt, now["H1"].kind) == ("新名", "三级", 300, "综合")
    assert "H2" not in now and now["P1"].fixmedins_type == "2"
    assert "X9" not in now and everywhere["X9"].admdvs == "110100"
    # the directory a release freezes: the region's own and the regions its settlements name (none here),
    # not the whole lake's (docs/deploy.md 第三节)
    assert institution_directory(settings, "2025-03") == now


def test_no_directory_handed_in(tmp_path):
    assert institution_directory(_settings(tmp_path), "2025-03") == {}


def test_a_frozen_record_reads_back_the_same():
    inst = Institution("H1", "医院", "02", "1", "140400", kind="综合", bed_cnt=300, lon=112.1, lat=36.2)
    assert institutions_from_rows([inst.to_dict()]) == {"H1": inst}
    old = institutions_from_rows([{"code": "H1", "name": "医院", "hosp_lv": "02", "fixmedins_type": "1",
                                   "admdvs": "140400"}])["H1"]  # a bundle frozen before the later fields
    assert old.level_group == "三级" and old.kind is None


periods = st.one_of(st.none(), st.sampled_from(["2024-12", "2025-01", "2025-03"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["H1", "H2", "H10", "甲"]), periods), max_size=25))
def test_latest_row_per_code_is_the_row_by_row_answer(rows):
    """Each code's row with the greatest period (blank before every month), the later row of a tie,
    sorted by code: as the row-by-row reading it replaced."""
    table = pa.table({"fixmedins_code": pa.array([c for c, _ in rows], pa.string()),
                      "period": pa.array([p for _, p in rows], pa.string()),
                      "row": pa.array(range(len(rows)), pa.int64())})
    best: dict = {}
    for i, (code, period) in enumerate(rows):
        period = period or SNAPSHOT_PERIOD
        if code not in best or period >= best[code][0]:
            best[code] = (period, i)
    latest = _latest_per_code(table)
    assert latest["fixmedins_code"].to_pylist() == sorted(best)
    assert latest["row"].to_pylist() == [best[c][1] for c in sorted(best)]
