"""Where the volume-sensitive patterns sit in a measurement region (synth --copies > 1): at
hospitals with the volume that makes the injected behaviour visible (anomalies.VOLUME_FLOOR),
by choosing such hospitals or giving the drawn one that volume, never by changing its peers;
and the patterns filter (SynthConfig.patterns) that injects one pattern alone."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pyarrow.parquet as pq
import pytest

from liangjiadi.errors import ConfigError
from liangjiadi.synth import SynthConfig, generate
from liangjiadi.synth.anomalies import SEVERITY_CASES_MEASURED, VOLUME_FLOOR
from liangjiadi.synth.generator import build_world
from liangjiadi.synth.replicas import AnomalyPlans

K = 3
CFG = SynthConfig(scale=0.005, months=2, seed=31, fmt="parquet", faults=False, injections_per_pattern=K)


def _planned(cfg: SynthConfig, enabled: bool = True):
    world = build_world(cfg)
    return world, AnomalyPlans(world, enabled, cfg.injections_per_pattern)


def test_every_volume_sensitive_injection_meets_its_floor():
    world, plans = _planned(CFG)
    placed = [(inj.pattern, inj.inst) for _, inj in plans.injections() if inj.pattern in VOLUME_FLOOR]
    assert len(placed) == K * len(VOLUME_FLOOR)
    for pattern, inst in placed:
        assert world.insts.ipt_rate[inst] >= VOLUME_FLOOR[pattern] - 1e-9, (pattern, inst)


def test_ratio_copies_at_general_hospitals():
    """The K 拉人头住院 copies do not crowd into the level's few 中医 hospitals (their own peers)."""
    cfg = SynthConfig(scale=0.12, months=2, seed=1, injections_per_pattern=5)  # the measured regions' size
    world, plans = _planned(cfg)
    kinds = [world.insts.kind[inj.inst] for _, inj in plans.injections() if inj.pattern == "outpatient_inpatient_ratio"]
    assert kinds == ["综合"] * 5


def test_peers_unchanged_and_the_enlarged_keep_their_turnover_and_ratio():
    fresh = build_world(CFG).insts
    world, plans = _planned(CFG)
    ins = world.insts
    enlarged = {i for plan in plans.plans for i in plan.enlarged}
    assert enlarged, "a region of scale 0.005 has no hospital of 100 discharges a month: some must be enlarged"
    for i in ins.hospitals:
        if i in enlarged:
            assert ins.ipt_rate[i] > fresh.ipt_rate[i]
            assert ins.otp_rate[i] / ins.ipt_rate[i] == pytest.approx(fresh.otp_rate[i] / fresh.ipt_rate[i])
            assert ins.beds[i] / ins.ipt_rate[i] == pytest.approx(fresh.beds[i] / fresh.ipt_rate[i], rel=0.1)
        else:
            assert (ins.ipt_rate[i], ins.otp_rate[i], ins.beds[i]) == (fresh.ipt_rate[i], fresh.otp_rate[i], fresh.beds[i])


def test_clean_region_of_the_same_seed_has_the_same_hospitals():
    on, _ = _planned(CFG, True)
    off, _ = _planned(CFG, False)
    assert np.array_equal(on.insts.beds, off.insts.beds)
    assert np.array_equal(on.insts.ipt_rate, off.insts.ipt_rate)


def test_single_injection_keeps_its_placement():
    """K = 1 (the demo's regions) is unchanged: no hospital enlarged (byte-identical output)."""
    cfg = SynthConfig(scale=0.005, months=2, seed=31)
    fresh = build_world(cfg).insts
    world, plans = _planned(cfg)
    assert plans.plans[0].enlarged == {}
    assert np.array_equal(world.insts.ipt_rate, fresh.ipt_rate)


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    out = {}
    for effect in (0.5, 1.0):
        d = tmp_path_factory.mktemp(f"e{effect:g}")
        generate(SynthConfig(scale=0.005, months=2, seed=31, fmt="parquet", faults=False,
                             injections_per_pattern=K, effect=effect), d)
        out[effect] = d
    return out


def _gt(d):
    return json.loads((d / "ground_truth.json").read_text(encoding="utf-8"))


def test_generated_hospitals_have_the_volume(region):
    d = region[1.0]
    last = CFG.periods[-1]
    discharges = Counter(pq.read_table(d / f"setl_list_{last}.parquet", columns=["fixmedins_code"]).column(0).to_pylist())
    for a in _gt(d)["anomalies"]:
        if a["pattern"] in VOLUME_FLOOR and VOLUME_FLOOR[a["pattern"]] >= 40:
            assert discharges[a["fixmedins_code"]] >= 0.6 * VOLUME_FLOOR[a["pattern"]], a["pattern"]
        if a["pattern"] == "upcoding_severity":  # ≥ 80 cases of its ADRG every month
            assert min(a["cases_by_period"].values()) >= SEVERITY_CASES_MEASURED


def test_injected_size_still_follows_the_effect(region):
    def sizes(d):
        out = Counter()
        for a in _gt(d)["anomalies"]:
            out[a["pattern"]] += a["injected_size"]
        return out

    half, one = sizes(region[0.5]), sizes(region[1.0])
    for p in VOLUME_FLOOR:
        assert 0 < half[p] < one[p], p


def test_patterns_filter_injects_only_those(tmp_path):
    generate(SynthConfig(scale=0.005, months=2, seed=5, fmt="parquet", faults=False,
                         patterns=("hospitalization_rate",)), tmp_path)
    gt = _gt(tmp_path)
    assert [a["pattern"] for a in gt["anomalies"]] == ["hospitalization_rate"]
    assert gt["anomalies"][0]["injected_size"] > 0


def test_unknown_pattern_is_a_chinese_error():
    with pytest.raises(ConfigError, match="未知的异常模式"):
        SynthConfig(patterns=("no_such_pattern",))


def test_upcoding_copies_avoid_the_specialties_adrgs():
    """A further upcoding_severity copy's ADRG is not of a specialty's MDC (a specialist hospital
    would be most of its pooled peers, and one carrying structure_shift hides the upcoding)."""
    from liangjiadi.synth.anomalies import SPECIALTY_MDCS, severity_adrg
    from liangjiadi.synth.catalogue import Catalogue

    cat = Catalogue()
    for k in range(1, 10):
        assert cat.mdc[cat.index[severity_adrg(cat, k)]] not in SPECIALTY_MDCS, k


def test_population_grows_with_the_enlarged_hospitals():
    """The insured grow with the region's inpatient volume (住院率 and chance readmissions stay
    a real region's); a clean region of the seed has the same population; K = 1 unchanged."""
    from liangjiadi.synth.generator import Generator

    def insured(cfg, tmp):
        g = Generator(cfg, tmp)
        return g.world.pop.insured_total(0), float(g.world.insts.ipt_rate.sum())

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = build_world(CFG)
        n0, v0 = base.pop.insured_total(0), float(base.insts.ipt_rate.sum())
        n1, v1 = insured(CFG, tmp)
        n_clean, _ = insured(SynthConfig(**{**vars(CFG), "anomalies": False}), tmp)
        assert v1 > v0 and n1 / n0 == pytest.approx(v1 / v0, rel=0.05)
        assert n_clean == n1
        one = SynthConfig(scale=0.005, months=2, seed=31)
        assert insured(one, tmp)[0] == build_world(one).pop.insured_total(0)
