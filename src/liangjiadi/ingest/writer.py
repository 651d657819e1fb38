"""Writing results: good rows to the lake partitions, bad rows to quarantine CSV files."""

from __future__ import annotations

from pathlib import Path

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
                    scratch: Path) -> None:
    """Replace one lake partition with the good rows of this load.

    DuckDB writes the Parquet file itself (in parallel, typed exactly as the lake schema),
    then lake.install_partition swaps it in atomically, as replace_partition does. Only the
    staged files holding rows of the partition are read (`files`): with one file a month,
    each month is read once, not once per month of the delivery. (One partitioned COPY for
    all months was tried: DuckDB buffers every open partition and ran out of a 2 GB limit.)
    A table with a rollup (rollup.py: setl_d) gets it from one aggregate over the written
    file, swapped in with it.
    """
    out = scratch / f"out-{plan.table.name}-{admdvs}-{period}.parquet"
    con.execute(f"COPY ({plan.lake_select(files)}) TO {lit(str(out))} "
                f"(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 122880)",
                {"adm": admdvs, "per": period})
    rollup = None
    if rollup_of(plan.table.name):  # one small aggregate over the file just written (rollup.py)
        rollup = scratch / f"rollup-{plan.table.name}-{admdvs}-{period}.summary"
        write_rollup(con, [out], rollup)
    lake.install_partition(plan.workdir, plan.table.name, admdvs, period, [out], rollup=rollup)


def quarantine_sql(plan: TablePlan, file_index: int, source: str, shown_name: str) -> str:
    raw_cols = []
    for c in plan.table.columns:
        if c.pseudonymise:
            expr = q(token_column(c.name))
        else:  # a personal identifier in a shifted column is withheld here as in the messages
            expr = f"CASE WHEN {plan.plausibility.personal_sql(q(c.name))} THEN {lit(WITHHELD)} ELSE {q(c.name)} END"
        raw_cols.append(f"{expr} AS {q(c.name)}")
    message = (f"'文件 ' || {lit(shown_name)} || ' 第 ' || CAST(_line AS VARCHAR) || ' 行，列 ' "
               f"|| _f.col || '：' || COALESCE(_f.detail, '')")
    return (
        f"SELECT {lit(source)} AS {q(Q_META[0])}, _line AS {q(Q_META[1])}, "
        f"_f.rule AS {q(Q_META[2])}, {rule_names_sql('_f.rule')} AS {q(Q_META[3])}, "
        f"_f.col AS {q(Q_META[4])}, _f.val AS {q(Q_META[5])}, {message} AS {q(Q_META[6])}, "
        f"{', '.join(raw_cols)} FROM q_fail WHERE _file = {file_index} ORDER BY _line, _f.ord"
    )


def write_quarantine(con, sql: str, target: Path) -> int:
    """Stream the quarantine lines into a UTF-8-BOM CSV (so Excel shows the Chinese).

    Every cell is text from a delivered file: formula-like text is neutralised (safe_output),
    so a quarantine file opened in Excel or WPS never runs what a hostile row carried.
    """
    target = confined_path(target.parent, target.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = con.sql(sql).to_arrow_reader(100_000)
    rows = 0
    with open(target, "wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        writer = None
        for batch in reader:
            batch = pa.RecordBatch.from_arrays(
                [neutralise_arrow(col) for col in batch.columns], names=batch.schema.names)
            if writer is None:
                writer = pacsv.CSVWriter(fh, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
        if writer is None:
            fh.write((",".join(Q_META) + "\n").encode("utf-8"))
        else:
            writer.close()
    return rows
