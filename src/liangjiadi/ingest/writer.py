"""Writing results: good rows to the lake partitions, bad rows to quarantine CSV files."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .. import lake
from ..rollup import rollup_of, write_rollup
from ..safe_output import confined_path, neutralise_arrow
from .validate import WITHHELD, TablePlan, lit, q, rule_names_sql
from .pseudonym import token_column

QUARANTINE_DIR = "quarantine"
# Quarantine header (the first seven columns); the row's raw contract columns follow.
Q_META = ["来源文件", "行号", "规则代码", "规则名称", "列名", "原始值", "说明"]


def write_partition(con, plan: TablePlan, admdvs: str, period: str, files: list[int],
                    scratch: Path, rows: int = 0) -> None:
    """Replace one lake partition with the good rows of this load (`rows` of them).

    DuckDB writes the Parquet file itself (in parallel, typed exactly as the lake schema),
    then lake.install_partition swaps it in atomically, as replace_partition does. Only the
    staged files holding rows of the partition are read (`files`): with one file a month,
    each month is read once, not once per month of the delivery. (One partitioned COPY for
    all months was tried: DuckDB buffers every open partition and ran out of a 2 GB limit.)
    A partition of at least a row group per DuckDB thread is written as one file per thread
    (`parallel_files`). A table with a rollup (rollup.py: setl_d) gets it from one aggregate
    over the written files, swapped in with them.
    """
    name = f"{plan.table.name}-{admdvs}-{period}"
    parallel = parallel_files(con, rows)
    out = scratch / (f"out-{name}" if parallel else f"out-{name}.parquet")
    # A dictionary only for columns with few distinct values per row group (codes, institutions,
    # dates): DuckDB's default (a fifth of the row group) also tried one for every amount
    # column, which cost about 15% of the write and made the file about 3% larger (issue 16).
    options = (f"FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE {ROW_GROUP_ROWS}, "
               f"DICTIONARY_SIZE_LIMIT {DICTIONARY_ENTRIES}")
    con.execute(f"COPY ({plan.lake_select(files)}) TO {lit(str(out))} "
                f"({options}{', PER_THREAD_OUTPUT true' if parallel else ''})",
                {"adm": admdvs, "per": period})
    written = sorted(out.glob("*.parquet")) if parallel else [out]
    rollup = None
    if rollup_of(plan.table.name):  # one small aggregate over the files just written (rollup.py)
        rollup = scratch / f"rollup-{name}.summary"
        write_rollup(con, written, rollup)
    lake.install_partition(plan.workdir, plan.table.name, admdvs, period, written, rollup=rollup)


ROW_GROUP_ROWS = 122_880
DICTIONARY_ENTRIES = 4_000  # distinct values per row group; a region's institutions and codes fit


def parallel_files(con, rows: int) -> bool:
    """Write a partition as one Parquet file per DuckDB thread: into one file, DuckDB's
    threads take turns at the file and a month's write used about 1.6 of 2 cores; apart they
    use both (a month of settlements written in about 20% less time, issue 16). Only when
    every file gets about a row group: a small table stays one file. Readers take every
    part-*.parquet of a partition."""
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    return int(threads) > 1 and rows >= int(threads) * ROW_GROUP_ROWS


def quarantine_sql(plan: TablePlan, files: dict[int, tuple[str, str]]) -> str:
    """The quarantine lines of every file of the table that has some ({file index: (source
    path, name shown in the messages)}), with `_file` and `_ord` (the rule's place in the
    row's failures) first; write_quarantines orders and writes them.

    One statement for the whole table, split by file while writing (write_quarantines): the
    statement is tens of KB (a personal-identifier test per column), and DuckDB spent about
    0.1 CPU s planning it, once per file before (issue 16)."""
    raw_cols = []
    for c in plan.table.columns:
        if c.pseudonymise:
            expr = q(token_column(c.name))
        else:  # a personal identifier in a shifted column is withheld here as in the messages
            expr = f"CASE WHEN {plan.plausibility.personal_sql(q(c.name))} THEN {lit(WITHHELD)} ELSE {q(c.name)} END"
        raw_cols.append(f"{expr} AS {q(c.name)}")
    source = _by_file({i: src for i, (src, _) in files.items()})
    shown = _by_file({i: name for i, (_, name) in files.items()})
    message = (f"'文件 ' || {shown} || ' 第 ' || CAST(_line AS VARCHAR) || ' 行，列 ' "
               f"|| _f.col || '：' || COALESCE(_f.detail, '')")
    listed = ", ".join(str(int(i)) for i in sorted(files))
    return (
        f"SELECT CAST(_file AS BIGINT) AS _file, _f.ord AS _ord, {source} AS {q(Q_META[0])}, _line AS {q(Q_META[1])}, "
        f"_f.rule AS {q(Q_META[2])}, {rule_names_sql('_f.rule')} AS {q(Q_META[3])}, "
        f"_f.col AS {q(Q_META[4])}, _f.val AS {q(Q_META[5])}, {message} AS {q(Q_META[6])}, "
        f"{', '.join(raw_cols)} FROM q_fail WHERE _file IN ({listed})"
    )


def _by_file(values: dict[int, str]) -> str:
    whens = " ".join(f"WHEN {int(i)} THEN {lit(v)}" for i, v in sorted(values.items()))
    return f"(CASE _file {whens} END)"


def write_quarantines(con, sql: str, targets: dict[int, Path]) -> None:
    """Stream the lines of `quarantine_sql` into one UTF-8-BOM CSV per file (so Excel shows the
    Chinese): {file index: target}.

    Every cell is text from a delivered file: formula-like text is neutralised (safe_output),
    so a quarantine file opened in Excel or WPS never runs what a hostile row carried.

    The lines are first kept in a DuckDB table (which spills like any other): the statement is
    then planned once, by `execute`. Streamed straight out through a relation, it was planned
    twice and its text scanned in Python, half the time of this step (issue 16).
    """
    paths = {i: confined_path(t.parent, t.name) for i, t in targets.items()}
    handles: dict[int, tuple] = {}
    con.execute(f"CREATE OR REPLACE TEMP TABLE q_lines AS {sql}")
    ordered = f"SELECT * EXCLUDE (_ord) FROM q_lines ORDER BY _file, {q(Q_META[1])}, _ord"
    try:
        for batch in con.sql(ordered).to_arrow_reader(100_000):
            col = batch.column(0)  # _file: BIGINT, never NULL; read off its buffer (to_numpy imports pandas)
            files = np.frombuffer(col.buffers()[1], dtype=np.int64)[col.offset:col.offset + len(col)]
            batch = pa.RecordBatch.from_arrays(
                [neutralise_arrow(col) for col in batch.columns[1:]], names=batch.schema.names[1:])
            # ordered by file: each file's lines are one run of the batch
            cuts = [0, *(np.flatnonzero(files[1:] != files[:-1]) + 1).tolist(), len(files)]
            for a, b in zip(cuts, cuts[1:]):
                idx = int(files[a])
                if idx not in handles:
                    paths[idx].parent.mkdir(parents=True, exist_ok=True)
                    fh = open(paths[idx], "wb")
                    fh.write(b"\xef\xbb\xbf")
                    handles[idx] = (fh, pacsv.CSVWriter(fh, batch.schema))
                handles[idx][1].write_batch(batch.slice(a, b - a))
    finally:
        for fh, writer in handles.values():
            writer.close()
            fh.close()
        with contextlib.suppress(Exception):  # must not hide the error that got us here; the scratch database goes anyway
            con.execute("DROP TABLE IF EXISTS q_lines")
    for idx, path in paths.items():
        if idx not in handles:  # no line after all: the header alone
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\xef\xbb\xbf" + (",".join(Q_META) + "\n").encode("utf-8"))
