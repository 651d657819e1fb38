"""Ingest does not pay for imports it never uses (issue 16: fixed costs). It used to import Ibis
through engine.local_sql (about 0.3-0.5 CPU s), and pyarrow imported pandas as soon as the
reader built its line numbers with `pa.array` (about 0.4 CPU s). A clean delivery now loads
with neither: checked in a fresh interpreter, where nothing else has imported them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import FIX_COLS, FIX_ROWS, KEY, REGION, SETL_COLS, setl_row, write_csv

SCRIPT = """
import json, sys
from pathlib import Path
from liangjiadi.config import Settings
from liangjiadi.ingest import ingest_paths
s = Settings(workdir=Path(sys.argv[1]), pseudonym_key=sys.argv[2], region_admdvs=sys.argv[3],
             pseudonym_key_file=Path(sys.argv[1]).parent / "no-such-key", duckdb_memory_limit="1GB")
report = ingest_paths([Path(p) for p in sys.argv[4:]], s)
print(json.dumps({"accepted": sum(f.rows_accepted for f in report.files),
                  "quarantined": sum(f.rows_quarantined for f in report.files),
                  "loaded": [m for m in ("ibis", "pandas") if m in sys.modules]}))
"""


def _ingest(tmp_path, rows) -> dict:
    fix = write_csv(tmp_path / "in" / "fixmedins.csv", FIX_ROWS, FIX_COLS)
    setl = write_csv(tmp_path / "in" / "setl_d_2025-03.csv", rows, SETL_COLS)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "work"), KEY, REGION, str(fix), str(setl)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_ingest_of_clean_files_imports_neither_ibis_nor_pandas(tmp_path):
    result = _ingest(tmp_path, [setl_row(i) for i in range(20)])
    assert result["accepted"] == 23 and result["quarantined"] == 0
    assert result["loaded"] == []


def test_writing_a_quarantine_file_imports_neither(tmp_path):
    """The quarantine CSV's formula neutralising (safe_output.neutralise_arrow) as well."""
    result = _ingest(tmp_path, [setl_row(i) for i in range(20)] + [setl_row(30, insutype="=1+1")])
    assert result["accepted"] == 23 and result["quarantined"] == 1
    assert result["loaded"] == []
