"""A province lake: each region's compute reads only its own partitions (and only the months
it needs), never another region's files.

The proof is a corrupt Parquet file planted in every partition compute must not open: reading
one raises, so a run that succeeds with the same results has not opened any of them.
"""

from __future__ import annotations

import shutil

import pytest

from liangjiadi.analysis.contents import release_contents
from liangjiadi.indicators import compute
from liangjiadi.lake import table_dir

from . import golden

TABLES = ("setl_d", "setl_list", "special_case", "fund_report", "psn_count", "budget", "clr_result",
          "external", "fixmedins", "grp_catalog", "setl_fee")
OTHER = "150100"  # a region of the same province that is not golden.R nor one of its institutions'


def _plant_corrupt_files(work) -> list:
    planted = []
    for table in TABLES:
        for region, period in ((OTHER, golden.P), (OTHER, "0000-00")):
            planted.append(table_dir(work, table) / region / period / "part-0.parquet")
    # the region's own settlements of a month no indicator of P reads (P-1, Jan..P, the half-year)
    planted.append(table_dir(work, "setl_d") / golden.R / "2024-06" / "part-0.parquet")
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1 not a parquet file PAR1")
    return planted


def _values(table) -> dict:
    return {(r["indicator_id"], r["fixmedins_code"]): (r["value"], r["numerator"], r["denominator"], r["note"])
            for r in table.to_pylist()}


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_compute_opens_only_its_own_partitions(tmp_path, engine, request):
    if engine == "pyspark":
        request.getfixturevalue("spark_or_skip")
    work = golden.build(tmp_path)
    settings = golden.settings(work, engine=engine)
    clean = _values(compute(golden.P, settings, save=False))
    planted = _plant_corrupt_files(work)
    assert all(p.exists() for p in planted)
    assert _values(compute(golden.P, settings, save=False)) == clean


def test_release_contents_open_only_the_regions_partitions(tmp_path):
    work = golden.build(tmp_path)
    settings = golden.settings(work)
    clean = release_contents(settings, golden.R, [golden.P])
    _plant_corrupt_files(work)
    assert release_contents(settings, golden.R, [golden.P]) == clean



# ---- every other reader of the lake: 复核, detection, the analyses, payment and 医共体 ----------------
# On a copy of the session's demo region (140400) every table gets corrupt files under OTHER; each
# reader is run before they are planted and after: the same answer, so none of them was opened.

DEMO_REGION = "140400"
DEMO_PERIOD = "2025-12"
KEY = "test-key-padded-to-at-least-32-bytes"


def _plant_in_other_region(work, tables, periods=(DEMO_PERIOD, "2025", "0000-00")) -> list:
    from liangjiadi.schema import TABLES as ALL

    planted = []
    for table in tables:
        assert table in ALL
        for period in periods:
            path = table_dir(work, table) / OTHER / period / "part-0.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"PAR1 not a parquet file PAR1")
            planted.append(path)
    return planted


def _check(settings):
    from liangjiadi.checks.runner import run_checks

    rows = run_checks(DEMO_PERIOD, settings, save=False).rows
    return sorted(repr({k: v for k, v in r.items() if "run_id" not in k and k != "checked_at"}) for r in rows)


def _detect(settings):
    from liangjiadi.anomalies.runner import run_detection

    run = run_detection(DEMO_PERIOD, settings, save=False)
    return ([{k: v for k, v in r.items() if k != "run_id"} for r in run.findings.to_pylist()],
            [(c.pattern, c.status, c.reason, c.findings) for c in run.coverage])


def _fund_outlook(settings):
    from liangjiadi.analysis.fund_outlook import fund_outlook

    return repr(fund_outlook(settings, DEMO_PERIOD, repetitions=50))


def _topic(settings):
    from liangjiadi.analysis.topic import topic_analysis

    return repr(topic_analysis(settings, DEMO_PERIOD, record=False))


def _payment(settings):
    from liangjiadi.payment import service

    return service.to_json(service.run(settings, 2025))


def _directory(settings):
    from liangjiadi.indicators.institutions import institution_directory

    return institution_directory(settings, DEMO_PERIOD)


READERS = {"check": _check, "detect": _detect, "fund_outlook": _fund_outlook, "topic": _topic,
           "payment": _payment, "directory": _directory}


@pytest.fixture(scope="module")
def province(demo, tmp_path_factory):
    """(settings, each reader's answer before planting) on a private copy of the demo, with every
    table but fixmedins corrupt under OTHER (the tests that may, plant fixmedins themselves)."""
    from liangjiadi.config import Settings, reset_settings_cache
    from liangjiadi.releases.store import dispose_engines
    from liangjiadi.schema import TABLES as ALL

    assert demo.exit_code == 0, demo.output
    work = tmp_path_factory.mktemp("province") / "work"
    shutil.copytree(demo.workdir, work, ignore=shutil.ignore_patterns("outputs", "demo-input"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LJD_PSEUDONYM_KEY", KEY)
        reset_settings_cache()
        settings = Settings(workdir=work, region_admdvs=DEMO_REGION)
        clean = {name: read(settings) for name, read in READERS.items()}
        _plant_in_other_region(work, [t for t in ALL if t != "fixmedins"])
        yield settings, clean
    dispose_engines()


@pytest.mark.parametrize("reader", sorted(READERS))
def test_each_reader_opens_only_its_regions_partitions(province, reader, monkeypatch):
    settings, clean = province
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    # fixmedins too: impossible_travel and the release's institution directory read other regions'
    # institutions, but only those of the regions the settlements name (OTHER is not one of them)
    planted = _plant_in_other_region(settings.workdir, ["fixmedins"])
    try:
        assert READERS[reader](settings) == clean[reader]
    finally:
        for path in planted:
            path.unlink()


def test_yigongti_opens_only_its_regions_partitions(tmp_path):
    """The 医共体 year (units, institutions, flows, extras, bureau and fund figures) on the
    hand-built county region, with a third region's partitions corrupt."""
    import importlib.util
    from pathlib import Path

    from liangjiadi.schema import TABLES as ALL
    from liangjiadi.yigongti import service

    spec = importlib.util.spec_from_file_location(
        "yigongti_handbuilt_for_partitions", Path(__file__).parents[1] / "yigongti" / "handbuilt.py")
    hb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hb)
    settings = hb.settings(hb.build(tmp_path))

    def answer():
        data = service.load_year(settings, hb.YEAR)
        rb = service.budget(data)
        read = {k: v for k, v in vars(data).items() if k not in ("settings", "rules")}
        return read, rb, service.assessments(data), service.monitoring(data, rb)  # dataclasses: ==

    clean = answer()
    _plant_in_other_region(tmp_path, list(ALL), periods=("2025-12", "2025", "0000-00"))
    assert answer() == clean


@pytest.mark.spark
def test_check_and_detect_on_spark_open_only_the_regions_partitions(province, monkeypatch, spark_or_skip):
    """The same on Spark (local): 复核 and detection with OTHER's partitions corrupt give what
    DuckDB gives (compared as the cluster test does: engines differ in a float's last digit)."""
    from liangjiadi.anomalies.coverage import FAILED
    from liangjiadi.checks.model import Status

    from . import engine_answers

    assert engine_answers.PERIOD == DEMO_PERIOD
    settings, _ = province
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)

    def answers(s):
        found, coverage = engine_answers.findings(s)
        planted = _plant_in_other_region(s.workdir, ["fixmedins"])
        try:
            checks = engine_answers.checks(s)
        finally:
            for path in planted:
                path.unlink()
        return found, coverage, checks

    duck = answers(settings)
    # none of it failed on a corrupt file (else both engines could agree on the failures)
    assert not [c for c in duck[1] if c[1] == FAILED]
    assert not [r for r in duck[2] if r[3] == Status.ERROR.value]
    assert answers(settings.model_copy(update={"engine": "pyspark"})) == duck


@pytest.mark.spark
def test_the_analyses_on_spark_equal_duckdb_opening_only_the_regions_partitions(province, monkeypatch,
                                                                                spark_or_skip):
    """The fund outlook, the topic analysis, DRG/DIP payment, the institution directory and a
    release's contents on Spark (local), with OTHER's partitions corrupt: DuckDB's answers."""
    settings, clean = province
    monkeypatch.setenv("LJD_PSEUDONYM_KEY", KEY)
    spark = settings.model_copy(update={"engine": "pyspark"})
    planted = _plant_in_other_region(settings.workdir, ["fixmedins"])
    try:
        quarter = ["2025-10", "2025-11", DEMO_PERIOD]
        contents = release_contents(settings, DEMO_REGION, quarter)
        assert release_contents(spark, DEMO_REGION, quarter) == contents
        for name in ("fund_outlook", "topic", "payment", "directory"):
            assert READERS[name](spark) == clean[name], name
    finally:
        for path in planted:
            path.unlink()


# ---- "does the region have this table": one answer (engine.region_has_data) ----------------------


def test_ctx_has_data_is_the_engines_answer_listed_once(tmp_path, monkeypatch):
    """Indicators' Ctx.has_data answers through engine.region_has_data (no second copy of the
    rule), over one listing of each table per run; another region's tables do not count."""
    from liangjiadi import lake
    from liangjiadi.engine import open_engine, region_has_data
    from liangjiadi.indicators import context
    from liangjiadi.schema import TABLES as ALL

    work = golden.build(tmp_path)
    _plant_in_other_region(work, ["setl_fee", "grp_catalog", "clr_result"], periods=(golden.P,))
    settings = golden.settings(work)
    asked, listed = [], []
    monkeypatch.setattr(context, "region_has_data",
                        lambda *a, **kw: asked.append(a[3]) or region_has_data(*a, **kw))
    real_partitions = lake.partitions
    monkeypatch.setattr(lake, "partitions", lambda w, t: listed.append(t) or real_partitions(w, t))
    engine = open_engine(settings)
    try:
        ctx = context.Ctx(engine, settings, golden.P, golden.R)
        answers = {t: ctx.has_data(t) for t in ALL}
        assert {t: ctx.has_data(t) for t in ALL} == answers  # asked twice, listed once
        assert asked == list(ALL) * 2 and sorted(listed) == sorted(ALL)
        assert answers == {t: region_has_data(work, settings, golden.R, t) for t in ALL}
    finally:
        engine.close()
    assert answers["clr_result"] and answers["setl_d"] and answers["fixmedins"]
    assert not answers["setl_fee"] and not answers["grp_catalog"]  # only the other region has them


def test_release_contents_ignore_another_regions_optional_tables(tmp_path):
    """A province lake: the region has no 清算结果, 特例单议 or 费用构成; another region has all
    three. The region's contents are those of a lake where nobody has them (old: the lake-wide
    question made 清算 a section with totals of nothing)."""
    work = golden.build(tmp_path)
    for table in ("clr_result", "special_case"):
        shutil.rmtree(table_dir(work, table))
    settings = golden.settings(work)
    alone = release_contents(settings, golden.R, [golden.P])
    assert alone["clearing"] == {"available": False, "rows": []}

    from liangjiadi.lake import write_rows

    write_rows(work, "clr_result", golden.clr_results(), golden.O)
    write_rows(work, "special_case", golden.special_cases(), golden.O)
    write_rows(work, "setl_fee", [{"setl_id": "S1", "med_chrgitm_type": "01", "item_sumamt": 100,
                                   "period": golden.P}], golden.O)
    assert (table_dir(work, "clr_result") / golden.O).is_dir()
    assert release_contents(settings, golden.R, [golden.P]) == alone


def test_institution_directory_reads_only_the_regions_the_settlements_name(tmp_path):
    """The directory a release freezes: the region's institutions and those of the regions its
    settlements name (S10 was made in O: O's hospital X1, and X2 filed under one of O's
    counties), not a third region's (old: the whole province's directory, every file opened)."""
    from liangjiadi.indicators.institutions import institution_directory
    from liangjiadi.lake import write_rows

    work = golden.build(tmp_path)
    settings = golden.settings(work)
    write_rows(work, "fixmedins", [
        {"fixmedins_code": "X2", "fixmedins_name": "机构X2", "fixmedins_type": "1", "admdvs": "140521"},
        {"fixmedins_code": "Z1", "fixmedins_name": "机构Z1", "fixmedins_type": "1", "admdvs": "150200"},
    ], golden.R)
    directory = institution_directory(settings, golden.P)
    assert {"H1", "H4", "P2", "X1", "X2"} <= set(directory) and "Z1" not in directory
    assert directory["X1"].admdvs == golden.O and directory["H2"].bed_cnt == 120
    _plant_in_other_region(work, ["fixmedins"], periods=("0000-00",))
    assert institution_directory(settings, golden.P) == directory
