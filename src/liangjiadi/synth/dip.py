"""The DIP variant of the demo catalogue: 病种 = main diagnosis (ICD-10 亚目, 4 characters such as
I63.9) + treatment, written `I63.9::保守治疗` or `J93.9::33.2300+治疗性操作`, with 分值 as weights.

The generator keeps drawing ADRG × severity internally (one model of care for both schemes);
a DIP region only writes each case under the 病种 of its diagnosis and treatment. The
treatment follows the drawn severity, so that a severity upcoding in DRG is, in DIP, a shift to a
higher-分值 treatment of the same diagnosis (calibration.md: 分值 RW_i = the 病种's mean cost /
the mean cost of all cases, so 分值 are on the scale of DRG relative weights).
"""

from __future__ import annotations

import numpy as np

from .catalogue import BASE_RATE_YUAN, Catalogue

SEPARATOR = "::"
CONSERVATIVE = "保守治疗"
# Medical families: the severity digit decides the treatment (5/9 conservative).
MEDICAL_TREATMENT = {"1": "治疗性操作", "3": "诊断性操作", "5": CONSERVATIVE, "9": CONSERVATIVE}
# Surgical families: the main procedure, plus an added operation for the heavier cases.
SURGICAL_ADDED = {"1": "+治疗性操作", "3": "+诊断性操作", "5": "", "9": ""}
UNGROUPED = "0000"


def diagnosis_part(code: str) -> str:
    """The 病种's diagnosis (its family): `I63.900` -> `I63.9`."""
    return code[:5]


def treatment_of(procedure: str, severity: str) -> str:
    if procedure:
        return procedure + SURGICAL_ADDED[severity]
    return MEDICAL_TREATMENT[severity]


class DipCatalogue:
    """病种 codes, names, 分值 and basic flags, and the lookup (DRG group, diagnosis) -> 病种."""

    def __init__(self, cat: Catalogue):
        index: dict[str, int] = {}
        codes, names, weights, basic = [], [], [], []
        self.lookup = np.full((len(cat.group_codes), len(cat.diag_codes)), -1, dtype=np.int64)
        for g, grp in enumerate(cat.group_codes):
            a = int(cat.group_adrg[g])
            adrg = cat.adrgs[a]
            sev = str(grp)[3]
            proc = adrg.procs[0] if adrg.procs else ""
            for d in range(cat.diag_offsets[a], cat.diag_offsets[a + 1]):
                diag = diagnosis_part(str(cat.diag_codes[d]))
                code = f"{diag}{SEPARATOR}{treatment_of(proc, sev)}"
                if code not in index:  # a diagnosis in two ADRGs: the first one's 分值 stands
                    index[code] = len(codes)
                    codes.append(code)
                    names.append(f"{adrg.name}（{diag}）：{treatment_of(proc, sev)}")
                    weights.append(float(cat.group_weight[g]))
                    basic.append(bool(cat.group_basic[g]))
                self.lookup[g, d] = index[code]
        self.codes = np.array(codes)
        self.names = names
        self.weight = np.array(weights)
        self.basic = np.array(basic)
        self.pay_std_fen = np.round(self.weight * BASE_RATE_YUAN * 100).astype(np.int64)
        self.family = np.array([c.split(SEPARATOR)[0] for c in codes])
        self._steps(cat)

    def _steps(self, cat: Catalogue) -> None:
        """For every 病种 the next-higher-分值 treatment of the same diagnosis (-1: the highest),
        and one (DRG group, diagnosis) pair that is written under each 病种, so a hook can move a
        case to a 病种 by setting its ADRG, severity and diagnosis."""
        n = len(self.codes)
        self.rep_group = np.full(n, -1, dtype=np.int64)
        self.rep_diag = np.full(n, -1, dtype=np.int64)
        for g in range(self.lookup.shape[0]):
            for d in np.flatnonzero(self.lookup[g] >= 0):
                j = self.lookup[g, d]
                if self.rep_group[j] < 0:
                    self.rep_group[j], self.rep_diag[j] = g, d
        self.next_up = np.full(n, -1, dtype=np.int64)
        for fam in np.unique(self.family):
            members = np.flatnonzero(self.family == fam)
            for j in members:
                higher = members[self.weight[members] > self.weight[j]]
                if len(higher):
                    self.next_up[j] = higher[np.argmin(self.weight[higher])]
        # diagnoses whose 病种 all come from one ADRG: their treatments are that ADRG's severities
        fams_of_adrg: dict[str, set[int]] = {}
        for d, code in enumerate(cat.diag_codes):
            fams_of_adrg.setdefault(diagnosis_part(str(code)), set()).add(int(cat.diag_adrg[d]))
        self.exclusive_family = {f for f, a in fams_of_adrg.items() if len(a) == 1}

    def of(self, group: np.ndarray, diag: np.ndarray) -> np.ndarray:
        """病种 index of each case (-1 where not grouped)."""
        out = self.lookup[np.maximum(group, 0), np.maximum(diag, 0)]
        return np.where(group >= 0, out, -1)

    def step_up(self, group: np.ndarray, diag: np.ndarray) -> np.ndarray:
        """The 病种 one step up in 分值 within the same diagnosis of each case (-1: none, or
        the case is not grouped)."""
        j = self.of(group, diag)
        return np.where(j >= 0, self.next_up[np.maximum(j, 0)], -1)

    def common_diagnoses(self, cat: Catalogue, share: float) -> list[str]:
        """The region's most common diagnoses (病种 families) by the catalogue's expected
        frequency, the largest first, until together they hold `share` of the cases."""
        freq: dict[str, float] = {}
        total = float(cat.freq.sum())
        for d, code in enumerate(cat.diag_codes):
            fam = diagnosis_part(str(code))
            freq[fam] = freq.get(fam, 0.0) + float(cat.freq[cat.diag_adrg[d]] * cat.diag_p[d]) / total
        out, held = [], 0.0
        for fam, f in sorted(freq.items(), key=lambda x: (-x[1], x[0])):
            if held >= share - 1e-12:
                break
            out.append(fam)
            held += f
        return out

    def catalogue_rows(self) -> dict[str, list]:
        """grp_catalog columns (contract names); adrg_code holds the ICD-10 类目 (schema: DIP 可为类目)."""
        return {
            "grp_type": ["DIP"] * len(self.codes),
            "grp_code": list(self.codes),
            "grp_name": self.names,
            "adrg_code": [c[:3] for c in self.codes],
            "mdc_code": [None] * len(self.codes),
            "weight": [f"{w:.4f}" for w in self.weight],
            "pay_std_fen": list(self.pay_std_fen),
            "basic_grp_flag": ["1" if b else "0" for b in self.basic],
        }
