"""A region whose institutions and insured carry its counties' codes computes the same figures
as one where everything carries the region's code, once the counties are configured
(`region_county_admdvs`, docs/yigongti.md; seeds/003 makes the county the unit of a 医共体).

The golden region (golden.py) is written twice: as it is, and with H2/H3 belonging to county
140421 and every other local insured person insured in county 140423.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from liangjiadi.analysis.fund_outlook import expense_split
from liangjiadi.anomalies.context import DetectContext
from liangjiadi.checks.runner import run_checks
from liangjiadi.config import Settings
from liangjiadi.engine import open_engine
from liangjiadi.indicators import compute
from liangjiadi.lake import write_rows

from . import golden

C1, C2 = "140421", "140423"
COUNTIES = [C1, C2]
COUNTY_OF_INST = {"H2": C1, "H3": C1}
COMPARED = ("indicator_id", "fixmedins_code", "scope", "value", "numerator", "denominator", "note")


def _countified_rows():
    fix = []
    for r in golden.fixmedins():
        r = dict(r)
        r["admdvs"] = COUNTY_OF_INST.get(r["fixmedins_code"], r["admdvs"])
        fix.append(r)
    setl = []
    for i, r in enumerate(golden.settlements()):
        r = dict(r)
        if r["fix_blng_admdvs"] == golden.R:
            r["fix_blng_admdvs"] = COUNTY_OF_INST.get(r["fixmedins_code"], golden.R)
        if r["insu_admdvs"] == golden.R and i % 2:
            r["insu_admdvs"] = C2
        setl.append(r)
    return fix, setl


def _build_county(workdir: Path) -> Path:
    golden.build(workdir)
    fix, setl = _countified_rows()
    for table in ("fixmedins", "setl_d"):
        shutil.rmtree(workdir / "lake" / table)
    for admdvs in {r["admdvs"] for r in fix}:
        write_rows(workdir, "fixmedins", [r for r in fix if r["admdvs"] == admdvs], admdvs)
    write_rows(workdir, "setl_d", setl, golden.R)
    return workdir


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    plain = golden.build(tmp_path_factory.mktemp("plain"))
    county = _build_county(tmp_path_factory.mktemp("county"))
    return plain, county


def _results(workdir: Path, settings: Settings) -> list[tuple]:
    table = compute(golden.P, settings, run_id="r", save=False)
    return sorted(tuple(str(r[c]) for c in COMPARED) for r in table.to_pylist())


def test_county_codes_build_a_different_lake(regions):
    _, county = regions
    assert sorted(d.name for d in (county / "lake" / "fixmedins").iterdir()) == [golden.R, C1, golden.O]


def test_indicators_equal_with_counties_configured(regions):
    plain, county = regions
    expected = _results(plain, golden.settings(plain))
    got = _results(county, golden.settings(county, region_county_admdvs=COUNTIES))
    assert got == expected


def test_without_the_counties_they_would_count_as_elsewhere(regions):
    """The fault this guards against: a county's insured and institutions counted as 异地."""
    plain, county = regions
    expected = _results(plain, golden.settings(plain))
    got = _results(county, golden.settings(county))
    assert got != expected


def test_checks_equal_with_counties_configured(regions):
    plain, county = regions

    def outcomes(work, s):
        results = compute(golden.P, s, run_id="c", save=False)
        rows = run_checks(golden.P, s, results=results, save=False).rows
        keep = ("check_id", "status", "fixmedins_code", "message")
        return sorted(tuple(str(r.get(k)) for k in keep) for r in rows)

    assert outcomes(county, golden.settings(county, region_county_admdvs=COUNTIES)) == \
        outcomes(plain, golden.settings(plain))


def test_fund_outlook_split_and_detector_cases_equal(regions):
    plain, county = regions
    periods = ["2025-01", "2025-02", "2025-03"]

    def figures(work, s):
        eng = open_engine(s)
        try:
            split = sorted((r["fixmedins_code"], r["kind"], r["local"], str(r["amount"]))
                           for r in expense_split(eng, s, golden.R, periods))
            ctx = DetectContext(eng, s, golden.P, golden.R)
            cases = sorted(ctx.inpatient_cases(periods, local_insured_only=True)["setl_id"].to_pylist())
            insts = sorted(ctx.institutions)
        finally:
            eng.close()
        return split, cases, insts

    assert figures(county, golden.settings(county, region_county_admdvs=COUNTIES)) == \
        figures(plain, golden.settings(plain))


def test_own_admdvs_only_for_the_configured_region():
    s = Settings(region_admdvs="140400", region_county_admdvs=["140421"])
    assert s.own_admdvs("140400") == ["140400", "140421"]
    assert s.own_admdvs("140500") == ["140500"]  # another region's release does not borrow our counties
    with pytest.raises(ValueError):
        Settings(region_county_admdvs=["1404"])
