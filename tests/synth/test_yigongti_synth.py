"""`synth --yigongti` (docs/yigongti.md): counties and 医共体 added after the region is written —
members and most insured carry county codes, injected faults stay as generated, and the new
tables pass the input contract with nothing quarantined."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from liangjiadi.config import Settings
from liangjiadi.errors import ConfigError
from liangjiadi.ingest import ingest_paths
from liangjiadi.schema.tables import YIGONGTI_TABLES
from liangjiadi.synth import SynthConfig, generate
from liangjiadi.synth.yigongti import add_yigongti, county_codes


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    out = tmp_path_factory.mktemp("syn")
    cfg = SynthConfig(scale=0.002, months=3, seed=7)
    generate(cfg, out)
    before = {p.name: p.read_text(encoding="utf-8").splitlines() for p in out.glob("setl_d_*.csv")}
    added = add_yigongti(cfg, out)
    return cfg, out, before, added


def test_counties_members_and_insured(region):
    cfg, out, _, added = region
    counties = list(added["counties"].values())
    assert counties == county_codes(cfg.region, len(counties)) and cfg.region not in counties
    fix = _rows(out / "fixmedins.csv")
    assert all(r["admdvs"] == added["counties"][r["yigongti_id"]] for r in fix if r["yigongti_id"])
    units = _rows(out / "yigongti.csv")
    assert {u["county_admdvs"] for u in units} == set(counties)
    setl = _rows(out / f"setl_d_{cfg.periods[-1]}.csv")
    insured = {r["insu_admdvs"] for r in setl}
    assert set(counties) <= insured and cfg.region in insured  # some stay under the city's code
    members = {r["fixmedins_code"] for r in fix if r["yigongti_id"]}
    served_elsewhere = [r for r in setl if r["insu_admdvs"] in counties and r["fixmedins_code"] not in members]
    assert served_elsewhere  # served persons also go outside their 医共体
    assert added["tables"]["yigongti_referral"] > 0  # referral marks (连续计算起付线)


def test_faults_left_as_generated(region):
    _, out, before, _ = region
    for name, lines in before.items():
        after = (out / name).read_text(encoding="utf-8").splitlines()
        assert len(after) == len(lines)
        for old, new in zip(lines, after):
            if '"' in old or old.count(",") != lines[0].count(","):
                assert new == old


def test_new_tables_pass_the_contract(region, tmp_path):
    cfg, out, _, added = region
    settings = Settings(workdir=tmp_path / "w", pseudonym_key="k" * 40, region_admdvs=cfg.region,
                        region_county_admdvs=list(added["counties"].values()), pseudonym_key_file=tmp_path / "none")
    paths = [out / f"{t.name}.csv" for t in YIGONGTI_TABLES if (out / f"{t.name}.csv").exists()]
    assert len(paths) == len(YIGONGTI_TABLES) - 1  # all but the person table (attribution by county)
    # the referral marks point at settlements: those go in first (their injected faults may be quarantined)
    ingest_paths([out / "fixmedins.csv", *sorted(out.glob("setl_d_*.csv"))], settings)
    rep = ingest_paths(paths, settings)
    assert rep.ok and rep.rows_quarantined == 0


def test_only_csv(tmp_path):
    with pytest.raises(ConfigError, match="csv"):
        add_yigongti(SynthConfig(scale=0.002, months=1, fmt="parquet"), tmp_path)
