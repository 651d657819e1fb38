"""The DIP variant of the generator, the effect scaling of every pattern and history lengths."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from liangjiadi.synth import PATTERNS, SynthConfig, generate

from .conftest import Region

SCALE = 0.005  # tiny: structure, not statistics
DIP_CODE = re.compile(r"^[A-Z]\d{2}\.[0-9x]::\S+$")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same region paid by DRG and by DIP (13 months, the shortest history asked for)."""
    out = {}
    for scheme in ("drg", "dip"):
        cfg = SynthConfig(scale=SCALE, months=13, seed=515, scheme=scheme)
        path = tmp_path_factory.mktemp(scheme)
        generate(cfg, path)
        out[scheme] = Region(path, cfg)
    return out


def test_dip_catalogue_codes_and_weights(pair):
    cat = pair["dip"].read("grp_catalog").to_pylist()
    assert cat and {r["grp_type"] for r in cat} == {"DIP"}
    codes = [r["grp_code"] for r in cat]
    assert len(codes) == len(set(codes))
    assert all(DIP_CODE.match(c) for c in codes), [c for c in codes if not DIP_CODE.match(c)][:5]
    assert "I63.9::保守治疗" in codes
    assert all(float(r["weight"]) > 0 and r["adrg_code"] == r["grp_code"][:3] for r in cat)
    assert any(r["basic_grp_flag"] == "1" for r in cat)
    # a diagnosis has several treatments, the heavier ones with a higher 分值 (severity upcoding
    # in DIP = a shift to a higher-分值 treatment of the same diagnosis)
    by_diag = defaultdict(dict)
    for r in cat:
        diag, treatment = r["grp_code"].split("::")
        by_diag[diag][treatment] = float(r["weight"])
    j93 = by_diag["J93.9"]
    assert j93["33.2300"] < j93["33.2300+诊断性操作"] < j93["33.2300+治疗性操作"]
    assert sum(len(t) >= 2 for t in by_diag.values()) > 50


def test_dip_lists_match_catalogue_and_diagnosis(pair):
    dip = pair["dip"]
    weight = {r["grp_code"]: r["weight"] for r in dip.read("grp_catalog").to_pylist()}
    lists = dip.read("setl_list").to_pylist()
    assert {r["grp_type"] for r in lists} == {"DIP"}
    grouped = [r for r in lists if r["grp_code"] != "0000"]
    assert len(grouped) > 0.95 * len(lists)
    for r in grouped:
        assert r["grp_code"] in weight
        assert float(r["grp_weight"]) == pytest.approx(float(weight[r["grp_code"]]))
        assert r["grp_code"].split("::")[0] == r["maindiag_code"][:5]
    assert all(r["grp_weight"] == "" for r in lists if r["grp_code"] == "0000")


def test_dip_region_has_the_drg_region_structure(pair):
    """Same seed, same settlements: only the lists' codes and the catalogue differ, and the cases
    of the hospitals whose injection has a DIP design of its own (test_dip_injections.py)."""
    drg, dip = pair["drg"], pair["dip"]
    own = {a["fixmedins_code"] for a in dip.gt["anomalies"]
           if a["pattern"] in ("structure_shift", "cost_deviation", "upcoding_severity")}
    a, b = drg.read("setl_d"), dip.read("setl_d")
    assert a["setl_id"].to_pylist() == b["setl_id"].to_pylist()
    rows = lambda t: [r for r in t.drop(["_file"]).to_pylist() if r["fixmedins_code"] not in own]  # noqa: E731
    assert rows(a) == rows(b)
    a, b = drg.read("setl_list"), dip.read("setl_list")
    assert a.column_names == b.column_names
    assert a["setl_id"].to_pylist() == b["setl_id"].to_pylist()
    assert dip.gt["scheme"] == "DIP" and drg.gt["scheme"] == "DRG"
    assert [x["pattern"] for x in dip.gt["anomalies"]] == [x["pattern"] for x in drg.gt["anomalies"]]


def test_dip_upcoding_severity_acts_on_one_diagnosis(pair):
    a = next(x for x in pair["dip"].gt["anomalies"] if x["pattern"] == "upcoding_severity")
    family = a["parameters"]["dip_diagnosis"]
    ev = a["evidence"]
    assert family == "J93.9::"
    assert ev["affected_counts"] and all(k.startswith(family) for k in ev["affected_counts"])
    share = {w: ev[w].get("J93.9::33.2300", 0) / sum(ev[w].values()) for w in ("baseline_counts", "affected_counts")}
    assert share["affected_counts"] < share["baseline_counts"]  # fewer cases at the lowest 分值


def test_unknown_scheme_is_refused():
    from liangjiadi.errors import ConfigError

    with pytest.raises(ConfigError, match="付费方式"):
        SynthConfig(scheme="fee")


@pytest.fixture(scope="module")
def by_effect(tmp_path_factory):
    out = {}
    for effect in (0.5, 1.0, 2.0):
        path = tmp_path_factory.mktemp(f"e{effect:g}")
        generate(SynthConfig(scale=0.01, months=13, seed=99, effect=effect, faults=False), path)
        gt = json.loads((path / "ground_truth.json").read_text(encoding="utf-8"))
        out[effect] = {a["pattern"]: a for a in gt["anomalies"]}
    return out


@pytest.mark.parametrize("pattern", PATTERNS)
def test_injected_size_follows_effect(by_effect, pattern):
    size = [by_effect[e][pattern]["injected_size"] for e in (0.5, 1.0, 2.0)]
    assert 0 < size[0] < size[1] < size[2], size
    assert by_effect[1.0][pattern]["injected_size_unit"]


def test_cluster_and_travel_scale_with_effect(by_effect):
    """The two that did not: a fixed cluster, and travel rounding 0.5 up to one pair a month."""
    cl = [len(by_effect[e]["co_admission_cluster"]["psn_no"]) for e in (0.5, 1.0, 2.0)]
    assert cl == [2, 4, 8]
    pairs = [by_effect[e]["impossible_travel"]["cases_total"] // 2 for e in (0.5, 1.0, 2.0)]
    assert pairs[0] < pairs[1] < pairs[2]


@pytest.mark.parametrize("months", [13, 18, 24, 36])
def test_history_lengths(tmp_path, months):
    cfg = SynthConfig(scale=0.003, months=months, seed=7, faults=False, scheme="dip", end_month="2025-06")
    generate(cfg, tmp_path)
    gt = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    files = sorted(p.name for p in tmp_path.glob("setl_d_*.csv"))
    assert len(files) == months and files[-1] == "setl_d_2025-06.csv"
    assert gt["months"] == months and gt["first_period"] == cfg.periods[0]
    base, aff = gt["baseline_periods"], gt["affected_periods"]
    assert base and aff and not set(base) & set(aff) and aff[-1] == "2025-06"
    if months >= 24:  # the affected year is compared with the year just before it
        assert len(aff) == 12 and base == cfg.periods[-24:-12]
    for a in gt["anomalies"]:
        if a["baseline_periods"]:
            assert set(a["periods"]) <= set(aff)
        assert a["injected_size"] > 0, a["pattern"]


def test_cli_synth_scheme_dip(tmp_path):
    from typer.testing import CliRunner

    from liangjiadi.cli.main import app

    runner = CliRunner()
    res = runner.invoke(app, ["synth", "--out", str(tmp_path / "d"), "--scheme", "dip", "--scale", "0.003",
                              "--months", "13", "--no-faults"])
    assert res.exit_code == 0, res.output
    assert "DIP 付费" in res.output
    gt = json.loads((tmp_path / "d" / "ground_truth.json").read_text(encoding="utf-8"))
    assert gt["scheme"] == "DIP"
    res = runner.invoke(app, ["synth", "--out", str(tmp_path / "x"), "--scheme", "fee"])
    assert res.exit_code != 0 and "Traceback" not in res.output
