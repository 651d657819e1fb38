"""A province's lake with two regions: `liangjiadi province compute` computes each region on its own
(the same values as computing that region alone), compares them side by side, and writes each
region's quarterly submission in the format the province imports."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from liangjiadi.analysis.province import KEY_FIGURES, lake_regions
from liangjiadi.cli.main import app
from liangjiadi.config import Settings
from liangjiadi.ingest import ingest_paths
from liangjiadi.synth import SynthConfig, generate
from liangjiadi.workgroup.province import SHEETS, read_submission

KEY = "test-key-padded-to-at-least-32-bytes"
REGIONS = ("140400", "140500")


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    work = tmp_path_factory.mktemp("province") / "work"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LJD_PSEUDONYM_KEY", KEY)
        for n, region in enumerate(REGIONS):
            src = work.parent / f"src-{region}"
            cfg = SynthConfig(scale=0.002, months=3, seed=7 + n, region=region, end_month="2025-12", anomalies=False,
                              faults=False)
            generate(cfg, src)
            ingest_paths([src], Settings(workdir=work, region_admdvs=region, pseudonym_key=KEY))
    return work


def test_compute_every_region_of_the_lake(province, tmp_path, monkeypatch):
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    assert lake_regions(Settings(workdir=province)) == list(REGIONS)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["province", "compute", "--period", "2025-Q4", "--out", str(out),
                                      "--workdir", str(province)])
    assert result.exit_code == 0, result.output
    assert "2 个统筹地区" in result.output

    # each region's submission reads back through the province's own import format
    for region in REGIONS:
        sheets = read_submission(out / region / f"季度报送-{region}-2025-Q4.xlsx")
        assert set(sheets) == set(SHEETS)
        assert sheets["重点病组"], region
        cases = [Decimal(r["病例数"]) for r in sheets["重点病组"]]
        assert cases == sorted(cases, reverse=True)
        assert all(r["单位级别"].startswith(("三级", "二级")) for r in sheets["机构比较"])
        employee = {r["指标"]: r["值"] for r in sheets["职工门诊统筹"]}
        assert Decimal(employee["职工医保门诊人次"]) > 0
        assert (out / region / f"数据底稿-{region}-2025-12.xlsx").is_file()

    # the comparison: one row per key figure, each region's value and rank; ranks 1..2 by value
    ws = load_workbook(out / "全省对比-2025-Q4.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == list(KEY_FIGURES)
    for r in rows[2:]:
        a, ra, b, rb = r[2], r[3], r[4], r[5]
        if a is not None and b is not None:
            assert {ra, rb} == {1, 2}
            assert (ra < rb) == (Decimal(str(a)) > Decimal(str(b))) or a == b


def test_a_region_alone_gives_the_same_quarter(province, monkeypatch):
    """The province run's figure for a region equals computing that region alone (no mixing)."""
    from liangjiadi.analysis.province import compute_region_quarter
    from liangjiadi.indicators import compute
    from liangjiadi.period import Window

    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    window = Window.parse("2025-Q4")
    q = compute_region_quarter(Settings(workdir=province), "140500", window)
    alone = Settings(workdir=province, region_admdvs="140500")
    discharges = sum(r["value"] for m in window.month_keys for r in compute(m, alone, save=False).to_pylist()
                     if r["indicator_id"] == "39" and r["fixmedins_code"] is None)
    assert q.figures["39"] == discharges


@pytest.mark.spark
def test_a_region_quarter_on_spark_equals_duckdb(province, monkeypatch, spark_or_skip):
    """`province compute`'s work for one region (the month computed, the window's figures, the
    submission's three sheets) is the same on Spark (local) as on DuckDB (one month: a quarter is
    the same code three times, and every Spark query costs a JVM job)."""
    from liangjiadi.analysis.province import compute_region_quarter
    from liangjiadi.period import Window

    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    window = Window.parse("2025-12")
    duck = compute_region_quarter(Settings(workdir=province), "140400", window)
    spark = compute_region_quarter(Settings(workdir=province, engine="pyspark"), "140400", window)
    assert duck.figures and any(v is not None for v in duck.figures.values())
    assert all(duck.submission.values()), "every sheet has rows to compare"
    assert spark == duck
