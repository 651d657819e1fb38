"""The insured population: counts by 险种 and month, and a pool of synthetic persons.

Persons are indices into a pool; their identifiers are built on demand from the index, so a
large city costs a few arrays, not millions of Python strings. Everything personal is
obviously fake: `psn_no` carries a marker digit 9 and `certno` starts with 000000 and has a
wrong check character.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .config import SynthConfig
from .institutions import VISITOR_ADMDVS

EMPLOYEE_SHARE = 0.30  # of the insured at the first month
RETIREE_SHARE = 0.28  # of employees (psn_type 12)
LIXIU_EVERY = 700  # every n-th employee is 离休 (insutype 340)
EMPLOYEE_GROWTH = 0.015  # per year
RESIDENT_GROWTH = -0.010
ASSISTANCE_SHARE = 0.05  # residents receiving 医疗救助
# 异地安置 / long-term residents elsewhere, per mille of the pool: their care is 异地 only, and
# nobody else's is. Without this split a person drawn independently for each settlement would
# settle locally and a thousand km away within minutes by pure chance — a false 逻辑验证 hit.
AWAY_PER_MILLE = 25


@dataclass
class Population:
    region: str
    n_employee_pool: int
    n_resident_pool: int
    employee_count: np.ndarray  # active employees per month (index into periods)
    resident_count: np.ndarray
    cum_weight_employee: np.ndarray
    cum_weight_resident: np.ndarray
    n_visitor_pool: int
    periods: list[str]

    @property
    def n_pool(self) -> int:
        return self.n_employee_pool + self.n_resident_pool

    def psn_count_rows(self) -> dict[str, list]:
        """Month-end insured counts by insutype (310 职工, 340 离休, 390 城乡居民)."""
        rows = {"period": [], "insutype": [], "psn_cnt": []}
        for i, p in enumerate(self.periods):
            emp = int(self.employee_count[i])
            lixiu = (emp + LIXIU_EVERY - 1) // LIXIU_EVERY
            for ins, cnt in (("310", emp - lixiu), ("340", lixiu), ("390", int(self.resident_count[i]))):
                rows["period"].append(p)
                rows["insutype"].append(ins)
                rows["psn_cnt"].append(cnt)
        return rows

    def insured_total(self, month_index: int) -> int:
        return int(self.employee_count[month_index] + self.resident_count[month_index])

    # ---- sampling ---------------------------------------------------------------------

    def is_away(self, person: np.ndarray) -> np.ndarray:
        """Persons who live elsewhere (异地安置): all their settlements are 异地."""
        return (person * 40503 + 7) % 1000 < AWAY_PER_MILLE

    def away_members(self) -> np.ndarray:
        if getattr(self, "_away", None) is None:
            pool = np.arange(self.n_pool, dtype=np.int64)
            self._away = pool[self.is_away(pool)]
        return self._away

    def sample(self, rng: np.random.Generator, month_index: int, p_employee: np.ndarray,
               elsewhere: bool = False) -> np.ndarray:
        """Person indices for cases whose probability of being an employee is `p_employee`;
        `elsewhere` draws only persons living elsewhere, otherwise only those living here."""
        drawn = self._sample_any(rng, month_index, p_employee)
        if elsewhere:
            away = self.away_members()
            return away[np.searchsorted(away, drawn) % len(away)]
        for _ in range(4):  # the next index; two away persons in a row are rare
            drawn = np.where(self.is_away(drawn), np.minimum(drawn + 1, self.n_pool - 1), drawn)
        return drawn

    def _sample_any(self, rng: np.random.Generator, month_index: int, p_employee: np.ndarray) -> np.ndarray:
        n = len(p_employee)
        is_emp = rng.random(n) < p_employee
        u = rng.random(n)
        out = np.empty(n, dtype=np.int64)
        ce, cr = self.cum_weight_employee, self.cum_weight_resident
        ne, nr = int(self.employee_count[month_index]), int(self.resident_count[month_index])
        out[is_emp] = np.searchsorted(ce, u[is_emp] * ce[ne - 1], side="right")
        out[~is_emp] = self.n_employee_pool + np.searchsorted(cr, u[~is_emp] * cr[nr - 1], side="right")
        return np.minimum(out, self.n_pool - 1)

    # ---- attributes of persons ----------------------------------------------------------

    def is_employee(self, person: np.ndarray) -> np.ndarray:
        return person < self.n_employee_pool

    def insutype(self, person: np.ndarray) -> np.ndarray:
        emp = self.is_employee(person)
        out = np.where(emp, "310", "390")
        out[emp & (person % LIXIU_EVERY == 0)] = "340"
        return out

    def psn_type(self, person: np.ndarray) -> np.ndarray:
        emp = self.is_employee(person)
        retired = emp & ((person * 2654435761) % 100 < RETIREE_SHARE * 100)
        return np.where(emp, np.where(retired, "1201", "1101"), "1401")

    def assisted(self, person: np.ndarray) -> np.ndarray:
        """Residents covered by 医疗救助 (a fixed, hash-like subset)."""
        return (~self.is_employee(person)) & ((person * 40503) % 1000 < ASSISTANCE_SHARE * 1000)


def build_population(cfg: SynthConfig, rng: np.random.Generator) -> Population:
    periods = cfg.periods
    n0 = cfg.insured
    t = np.arange(len(periods)) / 12.0
    emp0 = n0 * EMPLOYEE_SHARE
    res0 = n0 - emp0
    emp = np.round(emp0 * (1 + EMPLOYEE_GROWTH) ** t).astype(np.int64)
    res = np.round(res0 * (1 + RESIDENT_GROWTH) ** t).astype(np.int64)
    n_emp_pool, n_res_pool = int(emp.max()), int(res.max())
    # utilisation propensity: a few persons use care much more than most
    w_emp = rng.gamma(0.7, 1.0, n_emp_pool)
    w_res = rng.gamma(0.7, 1.0, n_res_pool)
    return Population(
        region=cfg.region,
        n_employee_pool=n_emp_pool,
        n_resident_pool=n_res_pool,
        employee_count=emp,
        resident_count=res,
        cum_weight_employee=np.cumsum(w_emp),
        cum_weight_resident=np.cumsum(w_res),
        n_visitor_pool=max(500, n0 // 20),
        periods=periods,
    )


# ---- identifiers -------------------------------------------------------------------------


def padded(prefix: str | pa.Array, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded numbers, vectorised."""
    digits = pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")
    if isinstance(prefix, str):
        prefix = pa.scalar(prefix)
    return pc.binary_join_element_wise(prefix, digits, "")


def psn_no(admdvs: np.ndarray, number: np.ndarray) -> pa.Array:
    """Synthetic 人员编号: insured region + '9' (synthetic marker) + 13 digits."""
    digits = pc.utf8_lpad(pa.array(number, pa.int64()).cast(pa.string()), 13, "0")
    return pc.binary_join_element_wise(pa.array(admdvs, pa.string()), pa.scalar("9"), digits, "")


_CERT_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CERT_CHECK = np.array(list("10X98765432"))


def fake_certno(person: np.ndarray) -> pa.Array:
    """'000000' + 11 digits + a deliberately WRONG check character (never a valid ID)."""
    serial = person.astype(np.int64) % 10 ** 11
    total = np.zeros(len(person), dtype=np.int64)
    rest = serial.copy()
    for pos in range(16, 5, -1):  # digits 7..17 of the number carry the serial
        total += (rest % 10) * _CERT_WEIGHTS[pos]
        rest //= 10
    wrong = _CERT_CHECK[(total + 1) % 11]  # the valid one is _CERT_CHECK[total % 11]
    body = padded("000000", serial, 11)
    return pc.binary_join_element_wise(body, pa.array(wrong), "")


def fake_name(person: np.ndarray) -> pa.Array:
    return padded("测试人员", person, 7)


def visitor_admdvs(visitor: np.ndarray) -> np.ndarray:
    return np.array(VISITOR_ADMDVS)[visitor % len(VISITOR_ADMDVS)]
