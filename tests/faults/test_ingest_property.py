"""Property (issue 8): whatever happens to a small region's settlement file (stray quotes, cut
lines, swapped columns, identifiers turned into numbers, huge fields, a cut end of file), every
data line is in the lake or in quarantine, and no raw psn_no or certno ever reaches the lake."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liangjiadi.ingest import ingest_paths

from .ingest_accounting_helpers import COLS, data_lines, lake_rows, lake_strings, rows, settings_for, write_csv

N_ROWS = 24
BASE = rows(N_ROWS)
RAW_IDS = sorted({r["psn_no"] for r in BASE} | {r["certno"] for r in BASE})

# (kind, line index among data lines, column index, another column index, a small number)
corruption = st.tuples(
    st.sampled_from(["quote", "cut", "swap", "sci", "huge", "truncate_file", "blank", "extra_sep"]),
    st.integers(0, N_ROWS - 1),
    st.integers(0, len(COLS) - 1),
    st.integers(0, len(COLS) - 1),
    st.integers(0, 10_000),
)


def _corrupt(lines: list[str], kind: str, i: int, a: int, b: int, n: int) -> tuple[list[str], bool]:
    """Apply one corruption to the data lines; returns (lines, whether the file end is cut)."""
    line = lines[i]
    cells = line.split(",")
    if kind == "quote":
        pos = n % (len(line) + 1)
        lines[i] = line[:pos] + '"' + line[pos:]
    elif kind == "cut":
        lines[i] = line[: n % (len(line) + 1)]
    elif kind == "swap" and len(cells) == len(COLS):
        cells[a], cells[b] = cells[b], cells[a]
        lines[i] = ",".join(cells)
    elif kind == "sci" and len(cells) == len(COLS):
        col = COLS.index(["psn_no", "certno", "setl_id", "fixmedins_code"][n % 4])
        cells[col] = f"{1.40402 + n / 1e6:.5f}E+17"
        lines[i] = ",".join(cells)
    elif kind == "huge" and len(cells) == len(COLS):
        cells[a] = ("9" if n % 2 else "名") * (70_000 + n)
        lines[i] = ",".join(cells)
    elif kind == "blank":
        lines[i] = ""
    elif kind == "extra_sep" and len(cells) == len(COLS):
        cells[a] = cells[a][: n % 4] + "," + cells[a][n % 4:]
        lines[i] = ",".join(cells)
    elif kind == "truncate_file":
        return lines, True
    return lines, False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(corruption, min_size=1, max_size=4))
def test_every_line_accounted_and_no_raw_identifier_in_lake(corruptions):
    tmp = Path(tempfile.mkdtemp(prefix="ljd-prop-"))
    try:
        path = write_csv(tmp / "in" / "setl_d_2025-03.csv", BASE)
        header, *lines = path.read_text(encoding="utf-8").split("\n")[:-1]
        cut_end = None
        for kind, i, a, b, n in corruptions:
            lines, cut = _corrupt(lines, kind, i, a, b, n)
            if cut:
                cut_end = n
        text = header + "\n" + "\n".join(lines) + "\n"
        if cut_end is not None:
            body = text.encode("utf-8")
            keep = len(header) + 2 + cut_end % max(1, len(body) - len(header) - 2)
            path.write_bytes(body[:keep])
        else:
            path.write_text(text, encoding="utf-8")

        s = settings_for(tmp)
        res = ingest_paths([path], s).files[0]
        assert res.status in ("ok", "partial", "rejected"), res
        assert res.error_code in (None, "nothing_accepted", "empty_file"), res.error
        lake = lake_rows(s.workdir)
        # every physical data line: in the lake, quarantined, blank, or a continuation line
        assert len(lake) == res.rows_accepted
        assert (len(lake) + res.rows_quarantined + res.blank_rows + res.continuation_lines
                == data_lines(path)), (res.rule_counts, res.blank_rows, res.continuation_lines)
        # no raw identifier anywhere in the lake (psn_no is pseudonymised, certno dropped)
        values = lake_strings(s.workdir)
        leaked = [x for x in RAW_IDS if any(x in v for v in values)]
        assert not leaked
        assert all(len(v) <= 200 for v in values)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
