"""Generated regions shared by the synth tests (tiny scale, generated once per session)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from liangjiadi.synth import SynthConfig, generate

SEED = int(os.environ.get("LJD_SYNTH_TEST_SEED", "4242"))
SCALE = 0.02


class Region:
    def __init__(self, path: Path, cfg: SynthConfig):
        self.path = path
        self.cfg = cfg
        self.gt = json.loads((path / "ground_truth.json").read_text(encoding="utf-8"))
        self._cache: dict[str, pa.Table] = {}

    def fault_lines(self, file: str) -> set[int]:
        out = set()
        for f in self.gt["faults"]:
            if f["file"] == file and f["level"] == "row":
                out.update(f["lines"][-1:])  # the duplicate keeps its first occurrence
        return out

    def read(self, table: str, period: str | None = None, keep_faults: bool = False) -> pa.Table:
        """A table as text columns; row-fault lines removed unless asked for."""
        files = [f"{table}_{period}.csv"] if period else sorted(
            p.name for p in self.path.glob(f"{table}_*.csv")) or [f"{table}.csv"]
        if (self.path / f"{table}.csv").exists() and not period:
            files = [f"{table}.csv"]
        key = f"{files}|{keep_faults}"
        if key in self._cache:
            return self._cache[key]
        parts = []
        for name in files:
            p = self.path / name
            header = p.open(encoding="utf-8").readline().strip().split(",")
            t = pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=False))
            bad = self.fault_lines(name)
            if bad and not keep_faults:
                lines = pa.array(range(2, t.num_rows + 2))
                t = t.filter(pc.invert(pc.is_in(lines, pa.array(sorted(bad)))))
            t = t.append_column("_file", pa.array([name] * t.num_rows))
            parts.append(t)
        out = pa.concat_tables(parts)
        self._cache[key] = out
        return out


def fen(col) -> pa.Array:
    """'123.40' -> 12340 (exact: every amount is written with two decimals)."""
    col = pc.if_else(pc.equal(col, ""), "0.00", col)
    return pc.replace_substring(col, ".", "").cast(pa.int64())


@pytest.fixture(scope="session")
def to_fen():
    return fen


@pytest.fixture(scope="session")
def region(tmp_path_factory) -> Region:
    cfg = SynthConfig(scale=SCALE, months=24, seed=SEED)
    out = tmp_path_factory.mktemp("region")
    generate(cfg, out)
    return Region(out, cfg)


@pytest.fixture(scope="session")
def control(tmp_path_factory) -> Region:
    cfg = SynthConfig(scale=SCALE, months=24, seed=SEED, anomalies=False, faults=False)
    out = tmp_path_factory.mktemp("control")
    generate(cfg, out)
    return Region(out, cfg)
