"""What a rule sees: the results under review, earlier results, and the lake — all lazy.

Rules that only read the results never open the engine; the lake and the previous period's
results are loaded on first use and shared by every rule of the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Settings
from ..indicators.institutions import institutions_as_of
from ..indicators.results import RESULT_SCHEMA, load_results
from ..period import period_label
from ..schema.institution import Institution
from .catalogue import Catalogue


def results_frame(table: pa.Table) -> pd.DataFrame:
    """The results as a DataFrame with float values and an explicit `is_null` column.

    NaN and null are kept apart: a null is an absent value (with a note), a NaN is a bug.
    """
    columns = {}
    for name in ("admdvs", "period", "indicator_id", "scope", "fixmedins_code", "note", "basis"):
        columns[name] = table[name].to_pylist() if name in table.column_names else [None] * table.num_rows
    for name in ("value", "numerator", "denominator"):
        if name in table.column_names:
            col = table[name]
            columns[f"{name}_is_null"] = pc.is_null(col).to_pylist()
            columns[name] = [float(v) if v is not None else math.nan for v in col.to_pylist()]
        else:
            columns[f"{name}_is_null"] = [True] * table.num_rows
            columns[name] = [math.nan] * table.num_rows
    frame = pd.DataFrame(columns)
    frame["indicator_id"] = frame["indicator_id"].astype(str)
    return frame


@dataclass
class CheckContext:
    period: str
    admdvs: str
    settings: Settings
    catalogue: Catalogue
    results_table: pa.Table
    results_run_id: str | None = None
    _engine: object | None = field(default=None, repr=False)
    _previous: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @property
    def own(self) -> list[str]:
        """The region's code and its counties: what counts as 本地."""
        return self.settings.own_admdvs(self.admdvs)

    # ---- results ----------------------------------------------------------------------

    @cached_property
    def results(self) -> pd.DataFrame:
        return results_frame(self.results_table)

    @cached_property
    def present(self) -> pd.DataFrame:
        """Rows with a value (neither null nor NaN)."""
        frame = self.results
        return frame[~frame["value_is_null"] & frame["value"].map(math.isfinite)]

    def value_map(self, frame: pd.DataFrame | None = None) -> dict[tuple[str, str | None], float]:
        """(indicator_id, fixmedins_code or None) -> value, for rows with a value."""
        frame = self.present if frame is None else frame
        codes = frame["fixmedins_code"].where(frame["scope"] != "region", None)
        return {
            (ind, code if isinstance(code, str) else None): val
            for ind, code, val in zip(frame["indicator_id"], codes, frame["value"], strict=True)
        }

    @cached_property
    def values(self) -> dict[tuple[str, str | None], float]:
        return self.value_map()

    def units(self) -> set[str | None]:
        """None (the region) and every institution code present in the results."""
        return set(code for _, code in self.values)

    # ---- earlier results --------------------------------------------------------------

    def results_of(self, period: str) -> pd.DataFrame | None:
        """The newest stored results of another period of the same region, or None."""
        if period not in self._previous:
            table = load_results(Path(self.settings.workdir), self.admdvs, period)
            self._previous[period] = None if table is None else results_frame(table)
        return self._previous[period]

    # ---- the lake ---------------------------------------------------------------------

    @property
    def engine(self):
        if self._engine is None:
            from ..engine import open_engine

            self._engine = open_engine(self.settings)
        return self._engine

    def lake(self, table: str, periods: list[str] | None = None):
        """The region's rows of a lake table (of `periods` only, when given): the engine reads
        only the region's partitions, never another region's files."""
        return self.engine.region_table(table, self.settings, self.admdvs, periods=periods)

    def lake_has(self, table: str) -> bool:
        """Whether the region has rows of the table in the lake (not merely another region)."""
        from ..engine import region_has_data

        return region_has_data(Path(self.settings.workdir), self.settings, self.admdvs, table)

    @cached_property
    def institutions(self) -> dict[str, Institution]:
        """The region's institutions (its own and its counties') as of the period (empty when
        fixmedins was not handed in): every institution a rule names is a local one."""
        from ..engine import region_partitions

        return institutions_as_of(self.engine, self.period, region_partitions(self.settings, self.admdvs, "fixmedins"))

    def inst(self, code: str | None) -> str:
        """How an institution is named in a message."""
        if code is None:
            return "统筹地区"
        inst = self.institutions.get(code)
        return f"{inst.name}（{code}）" if inst and inst.name else f"机构{code}"

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    # ---- wording ----------------------------------------------------------------------

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    def label(self, indicator_id: str) -> str:
        return self.catalogue.label(indicator_id)


def empty_results() -> pa.Table:
    return RESULT_SCHEMA.empty_table()
