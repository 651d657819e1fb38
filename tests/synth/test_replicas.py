"""Several injections per pattern (SynthConfig.injections_per_pattern): distinct institutions,
each injection counted on its own, deterministic, and the default of one unchanged."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from liangjiadi.errors import ConfigError
from liangjiadi.synth import SynthConfig, generate
from liangjiadi.synth.anomalies import ONCE_PER_REGION, PATTERNS, AnomalyPlan
from liangjiadi.synth.generator import build_world
from liangjiadi.synth.replicas import REPLICA_TAG_STEP, AnomalyPlans, pattern_of, tag_of

K = 3
CFG = SynthConfig(scale=0.005, months=13, seed=31, fmt="parquet", faults=False, injections_per_pattern=K)


@pytest.fixture(scope="module")
def multi(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("multi")
    generate(CFG, out)
    return out


def _gt(path: Path) -> dict:
    return json.loads((path / "ground_truth.json").read_text(encoding="utf-8"))


def test_k_distinct_institutions_per_pattern_and_none_shared(multi):
    gt = _gt(multi)
    assert gt["injections_per_pattern"] == K
    by_pattern = Counter(a["pattern"] for a in gt["anomalies"])
    for p in PATTERNS:
        assert by_pattern[p] == (1 if p in ONCE_PER_REGION else K), p
    codes = [a["fixmedins_code"] for a in gt["anomalies"] if a["fixmedins_code"]]
    assert len(codes) == len(set(codes)), "an institution carries two injections"
    assert sorted({a["copy"] for a in gt["anomalies"]}) == list(range(K))
    # the peer groups were enlarged so that one pattern's copies are a small share of them
    fix = pq.read_table(multi / "fixmedins.parquet").to_pylist()
    tertiary = {r["fixmedins_code"] for r in fix if r["hosp_lv"] in ("01", "02", "03", "04")}
    assert len(tertiary) >= 5 * K
    upcoded = [a["fixmedins_code"] for a in gt["anomalies"] if a["pattern"] == "upcoding_severity"]
    assert set(upcoded) <= tertiary and len(upcoded) / len(tertiary) <= 0.2


def test_each_copy_counted_on_its_own(multi):
    gt = _gt(multi)
    surge = [a for a in gt["anomalies"] if a["pattern"] == "admission_surge"]
    assert all(a["cases_total"] > 0 and a["injected_size"] > 0 for a in surge)
    # the added discharges sit at each copy's own institution, tagged as that copy
    rows = pq.read_table(multi / f"setl_list_{CFG.periods[-1]}.parquet").to_pylist()
    at = Counter(r["fixmedins_code"] for r in rows)
    for a in surge:
        assert at[a["fixmedins_code"]] >= a["cases_by_period"][CFG.periods[-1]]
    upcoded = [a for a in gt["anomalies"] if a["pattern"] == "upcoding_severity"]
    assert all(sum(a["evidence"]["affected_counts"].values()) > 0 for a in upcoded)


def test_each_upcoding_copy_has_its_own_adrg(multi):
    """The detector pools the same-level peers' cases of the hospital's ADRG: K upcoded hospitals
    sharing one ADRG would be most of each other's peers, so each copy upcodes its own."""
    gt = _gt(multi)
    up = sorted((a for a in gt["anomalies"] if a["pattern"] == "upcoding_severity"), key=lambda a: a["copy"])
    adrgs = [a["parameters"]["adrg"] for a in up]
    assert adrgs[0] == "EJ1" and len(set(adrgs)) == K
    for a in up:  # the injected cases (and the ground truth's evidence) are in the copy's own ADRG
        counts = a["evidence"]["affected_counts"]
        assert sum(counts.values()) > 0 and all(c.startswith(a["parameters"]["adrg"]) for c in counts)


def test_same_seed_same_bytes(multi, tmp_path):
    generate(CFG, tmp_path / "again")

    def digest(p: Path) -> dict[str, str]:
        return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(p.iterdir())}

    assert digest(multi) == digest(tmp_path / "again")


def test_one_copy_is_the_plain_plan():
    """K = 1 (the default) is the single plan of before: same institutions, same draws."""
    cfg = SynthConfig(scale=0.01, months=13, seed=7)
    assert cfg.injections_per_pattern == 1
    world = build_world(cfg)
    plans, plain = AnomalyPlans(world, True, 1), AnomalyPlan(world, True)
    assert {p: i.inst for p, i in plans.plans[0].injections.items()} == {p: i.inst for p, i in plain.injections.items()}
    assert plans.rng.integers(0, 10**9) == plain.rng.integers(0, 10**9)
    assert [k for k, _ in plans.injections()] == [0] * len(PATTERNS)


def test_single_copy_ground_truth_has_no_copy_fields(tmp_path):
    generate(SynthConfig(scale=0.005, months=3, seed=3, fmt="parquet", faults=False), tmp_path)
    gt = _gt(tmp_path)
    assert "injections_per_pattern" not in gt
    assert all("copy" not in a for a in gt["anomalies"])
    assert len(gt["anomalies"]) == len(PATTERNS)


def test_tags_round_trip():
    for k in range(4):
        for p in PATTERNS:
            assert pattern_of(tag_of(p, k)) == (p, k)
    assert tag_of(PATTERNS[-1], 1) == len(PATTERNS) + REPLICA_TAG_STEP


def test_too_few_institutions_is_a_chinese_error():
    cfg = SynthConfig(scale=0.005, months=3, seed=1, injections_per_pattern=3, min_tertiary=4)
    world = build_world(cfg)
    world.insts.level[world.insts.level == 0] = 2  # no tertiary hospital left to inject
    with pytest.raises(ConfigError, match="不足以每个模式注入 3 家"):
        AnomalyPlans(world, True, 3)


def test_option_is_bounded():
    with pytest.raises(ConfigError, match="每个模式注入的机构数"):
        SynthConfig(injections_per_pattern=0)
