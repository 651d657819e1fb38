"""The fixed cost of `compute`: how many queries it sends and how many lake tables it opens.

Every query costs an Ibis compilation and, on Spark, a job or two of scheduling whatever the
data size (docs/performance.md “三种引擎”). These tests count them on the golden region so that
a new per-indicator query or an eager registration of every table shows up as a failure.
"""

from __future__ import annotations

from liangjiadi.engine import Engine, open_engine
from liangjiadi.indicators import compute
from liangjiadi.lake import table_dir, write_rows
from liangjiadi.rollup import ROLLUP_FILE

from . import golden


def _counting(monkeypatch) -> list:
    """The tables each query reads, of the queries run now (`to_pyarrow`) and of those started
    in the background (`submit`: compute starts its two settlement scans so)."""
    sent: list = []
    for method in ("to_pyarrow", "submit"):
        real = getattr(Engine, method)

        def counted(self, expr, real=real):
            # a region's view of a table is named "<table>__<hash>" (engine.Engine.table)
            sent.append(sorted({t.name.split("__")[0]
                                for t in expr.op().find(lambda n: type(n).__name__ == "DatabaseTable")}))
            return real(self, expr)

        monkeypatch.setattr(Engine, method, counted)
    return sent


def test_a_month_is_a_handful_of_queries_one_per_table_and_grouping(tmp_path, monkeypatch):
    work = golden.build(tmp_path)
    sent = _counting(monkeypatch)
    compute(golden.P, golden.settings(work), save=False)
    # settlements once (from the partitions' rollups, which write_rows writes like ingest);
    # the inpatient join once (list rates, 特例单议 and the group indices together); the
    # institutions; and one small aggregate per reported table
    assert sorted(map(tuple, sent)) == sorted([
        ("setl_d_rollup",), ("setl_d", "setl_list", "special_case"), ("fixmedins",),
        ("fund_report",), ("psn_count",), ("clr_result",), ("budget",), ("external",),
    ])


def test_without_rollups_the_settlements_are_scanned_once(tmp_path, monkeypatch):
    work = golden.build(tmp_path)
    for f in table_dir(work, "setl_d").glob(f"*/*/{ROLLUP_FILE}"):
        f.unlink()  # a lake written before rollups existed
    sent = _counting(monkeypatch)
    compute(golden.P, golden.settings(work), save=False)
    assert sorted(map(tuple, sent)) == sorted([
        ("setl_d",), ("setl_d", "setl_list", "special_case"), ("fixmedins",),
        ("fund_report",), ("psn_count",), ("clr_result",), ("budget",), ("external",),
    ])


def test_a_table_without_data_is_not_queried(tmp_path, monkeypatch):
    write_rows(tmp_path, "fund_report", golden.fund_reports(), golden.R)
    sent = _counting(monkeypatch)
    t = compute(golden.P, golden.settings(tmp_path), save=False)
    assert sent == [["fund_report"]]
    values = {r["indicator_id"]: r["value"] for r in t.to_pylist() if r["fixmedins_code"] is None}
    assert values["39"] == 0 and values["2"] == 360  # empty settlements still give their zeros


def test_tables_are_registered_when_first_read(tmp_path):
    work = golden.build(tmp_path)
    engine = open_engine(golden.settings(work))
    try:
        assert engine._tables == {}
        compute(golden.P, golden.settings(work), engine=engine, save=False)
        assert {name for name, _, _ in engine._tables} == {
            "setl_d", "setl_d_rollup", "setl_list", "special_case", "fixmedins", "fund_report",
            "psn_count", "clr_result", "budget", "external"}
    finally:
        engine.close()
