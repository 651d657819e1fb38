"""compute from the partitions' settlement rollups (liangjiadi/rollup.py) gives exactly what the
scan of setl_d gives: on a generated region, with one partition missing its rollup, and for
random rows (hypothesis) with NULL codes, flags and amounts."""

from __future__ import annotations

import tempfile
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liangjiadi.config import Settings
from liangjiadi.engine import Engine, open_engine
from liangjiadi.indicators import compute
from liangjiadi.indicators.context import Ctx
from liangjiadi.ingest import ingest_paths
from liangjiadi.lake import table_dir, write_rows
from liangjiadi.rollup import ROLLUP_FILE, write_rollup
from liangjiadi.synth import SynthConfig, generate

from . import golden
from .golden import O, P, R

KEY = "rollup-test-key-padded-to-at-least-32-bytes"


def _rollups(work: Path) -> list[Path]:
    return sorted(table_dir(work, "setl_d").glob(f"*/*/{ROLLUP_FILE}"))


def _spy(monkeypatch) -> list:
    """Whether each compute read the rollups (Engine.rollup gave a view) or scanned."""
    used: list = []
    real = Engine.rollup

    def rollup(self, *a, **kw):
        view = real(self, *a, **kw)
        used.append(view is not None)
        return view

    monkeypatch.setattr(Engine, "rollup", rollup)
    return used


def _results(settings: Settings, period: str) -> pa.Table:
    t = compute(period, settings, save=False).drop_columns(["run_id", "computed_at"])
    return t.sort_by([("indicator_id", "ascending"), ("fixmedins_code", "ascending")])


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("rollup-region")
    cfg = SynthConfig(scale=0.005, months=3, seed=23, fmt="parquet")
    generate(cfg, root / "in")
    s = Settings(workdir=root / "work", pseudonym_key=KEY, region_admdvs=cfg.region)
    ingest_paths([root / "in"], s)
    return s, cfg.periods[-1]


def test_generated_region_same_results_from_rollups_as_from_the_scan(generated, monkeypatch):
    s, period = generated
    work = Path(s.workdir)
    assert len(_rollups(work)) == 3  # ingest wrote one per month
    used = _spy(monkeypatch)
    with_rollups = _results(s, period)
    assert used == [True]
    assert with_rollups.num_rows > 100

    saved = {f: f.read_bytes() for f in _rollups(work)}
    try:
        # one month without its rollup (an older lake): the whole aggregate falls back to the scan
        next(f for f in saved if f.parent.name != period).unlink()
        assert _results(s, period).equals(with_rollups)
        for f in _rollups(work):
            f.unlink()
        assert _results(s, period).equals(with_rollups)  # values, numerators, denominators, notes
        assert used == [True, False, False]
    finally:
        for f, data in saved.items():
            f.write_bytes(data)


@st.composite
def settlement(draw, n):
    inst = draw(st.sampled_from(["H1", "H2", "P1", "EXT", None]))
    amount = st.one_of(st.none(), st.decimals(min_value=-99999, max_value=99999, places=2))
    row = golden.s(f"X{n}", inst, draw(st.sampled_from([R, O, "140421", None])),
                   draw(st.sampled_from([R, O, "140421", None])), draw(st.sampled_from(["310", "390", "320", None])),
                   draw(st.sampled_from(["11", "14", "21", "41", None])), draw(amount), draw(amount), draw(amount),
                   time=f"{draw(st.sampled_from(['2025-01', '2025-02', P]))}-10 08:00:00",
                   refd=draw(st.sampled_from(["0", "1", None])), vali=draw(st.sampled_from(["1", "0", None])))
    return row


def _rows(t: pa.Table) -> list:
    return sorted((tuple(r.values()) for r in t.to_pylist()), key=repr)


def _base_setl(work: Path, region_settings: Settings) -> list:
    engine = open_engine(region_settings)
    try:
        t = Ctx(engine, region_settings, P, R).base_setl
    finally:
        engine.close()
    return sorted((tuple(r.values()) for r in t.to_pylist()), key=repr)


@given(rows=st.lists(settlement(0), min_size=1, max_size=25))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_rollup_aggregate_equals_the_scan_for_any_rows(rows):
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        rows = [dict(r, setl_id=f"X{i}") for i, r in enumerate(rows)]
        write_rows(work, "setl_d", rows, R)
        s = golden.settings(work, region_county_admdvs=["140421"])
        assert _rollups(work)
        for f in _rollups(work):  # write_rows' Arrow rollup == ingest's DuckDB rollup, same file
            con = duckdb.connect()
            write_rollup(con, sorted(f.parent.glob("*.parquet")), work / "by-duckdb")
            assert _rows(pq.read_table(work / "by-duckdb")) == _rows(pq.read_table(f))
        from_rollups = _base_setl(work, s)
        for f in _rollups(work):
            f.unlink()
        scanned = _base_setl(work, s)
        assert from_rollups == scanned
        # and the totals are the rows' own (NULL amounts left out, as SQL's sum)
        valid = [r for r in rows if r["vali_flag"] in ("1", None)]
        medfee = [D(str(r["medfee_sumamt"])) for r in valid if r["medfee_sumamt"] is not None]
        assert sum((x[-3] for x in scanned if x[-3] is not None), D(0)) == sum(medfee, D(0))


def test_data_replaced_beside_an_old_rollup_is_scanned(tmp_path, monkeypatch):
    """A data file replaced outside ingest (copied back from a backup), its old rollup left
    beside it: the recorded file sizes no longer match, so that month is scanned, never summed
    from the old rollup."""
    import pyarrow.compute as pc

    work = golden.build(tmp_path)
    s = golden.settings(work)
    before = _results(s, P)
    part = table_dir(work, "setl_d") / R / P / "part-0.parquet"
    t = pq.read_table(part)
    pq.write_table(t.filter(pc.not_equal(t["setl_id"], t["setl_id"][0])), part)  # one row fewer
    used = _spy(monkeypatch)
    after = _results(s, P)
    assert used == [False]
    assert not after.equals(before)
    for f in _rollups(work):
        f.unlink()
    assert _results(s, P).equals(after)
