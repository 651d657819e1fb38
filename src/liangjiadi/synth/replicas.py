"""Several injections of each pattern in one region (SynthConfig.injections_per_pattern = K).

A measurement needs many injections per pattern; a region costs minutes to generate and
ingest, most of it per month and per file, so one larger region with K injected institutions
per pattern replaces K regions. Copy k of the plan (anomalies.AnomalyPlan, replica k) places
every pattern at institutions no earlier copy uses, from its own random stream; the hooks of
the copies run one after another, and the rows a copy touches carry the tag
TAG[pattern] + k * REPLICA_TAG_STEP, so the ground truth counts each injection on its own.
Each further copy of upcoding_severity acts on an ADRG of its own (anomalies.severity_adrg):
the detector pools the same-level peers' cases of the hospital's ADRG, and K upcoded hospitals
of one ADRG would otherwise be most of each other's peers.
With K = 1 this is the one plan, called exactly as before: the output is unchanged.
"""

from __future__ import annotations

import numpy as np

from .anomalies import PATTERNS, TAG, AnomalyPlan, Injection
from .settlements import Month, World

REPLICA_TAG_STEP = 100  # tag = pattern number + copy * 100 (tags are int16)


def tag_of(pattern: str, replica: int) -> int:
    return TAG[pattern] + replica * REPLICA_TAG_STEP


def pattern_of(tag: int) -> tuple[str, int]:
    """(pattern, copy) of a row's tag (> 0)."""
    return PATTERNS[int(tag) % REPLICA_TAG_STEP - 1], int(tag) // REPLICA_TAG_STEP


class AnomalyPlans:
    """K copies of the anomaly plan behind the interface the generator uses."""

    def __init__(self, world: World, enabled: bool, copies: int = 1):
        used: set[int] = set()
        strict = copies > 1  # several copies: an institution is never injected twice
        self.plans = [AnomalyPlan(world, enabled, replica=k, used=used, strict=strict) for k in range(copies)]
        self.enabled = enabled
        self.used = used
        self.rng = self.plans[0].rng  # draws of the injected rows' skeletons, as with one plan

    @property
    def enlarged(self) -> dict[int, tuple[float, float]]:
        """Hospitals given a pattern's volume floor (anomalies.VOLUME_FLOOR): inst -> (before, after)."""
        return {i: v for plan in self.plans for i, v in plan.enlarged.items()}

    def population_rebuilt(self) -> None:
        """The population was rebuilt (generator: it grows with the enlarged hospitals): place
        the clusters' persons in it again."""
        for plan in self.plans:
            plan.place_cluster()

    def injections(self) -> list[tuple[int, Injection]]:
        """(copy, injection) of every injection, copy by copy in the patterns' order."""
        return [(k, inj) for k, plan in enumerate(self.plans) for inj in plan.injections.values()]

    def size(self, replica: int, pattern: str) -> float:
        return float(self.plans[replica].size.get(pattern, 0.0))

    def beds_after(self, inst: int, period: str) -> int:
        beds = int(self.plans[0].world.insts.beds[inst])
        for plan in self.plans:
            b = plan.beds_after(inst, period)
            if b != beds:
                return b
        return beds

    def extra_inpatient(self, month: Month, expected: np.ndarray) -> list[tuple[str, int, np.ndarray]]:
        """Additional inpatient cases: (pattern, tag, institution indices)."""
        return [(pattern, tag_of(pattern, k), xi) for k, plan in enumerate(self.plans)
                for pattern, xi in plan.extra_inpatient(month, expected)]

    def edit_inpatient(self, month: Month, f: dict) -> None:
        self._each(f, lambda plan: plan.edit_inpatient(month, f))

    def edit_outpatient(self, month: Month, f: dict) -> None:
        self._each(f, lambda plan: plan.edit_outpatient(month, f))

    def person_rows(self, month: Month, base: dict) -> list[dict]:
        out = []
        for k, plan in enumerate(self.plans):
            frames = plan.person_rows(month, base)
            for fr in frames if k else []:
                fr["tag"][fr["tag"] > 0] += k * REPLICA_TAG_STEP
            out += frames
        return out

    def _each(self, f: dict, hook) -> None:
        """Run a hook of every copy; the rows copy k (> 0) tagged get its tag."""
        for k, plan in enumerate(self.plans):
            before = f["tag"].copy() if k else None
            hook(plan)
            if k:
                changed = f["tag"] != before
                f["tag"][changed] += k * REPLICA_TAG_STEP
