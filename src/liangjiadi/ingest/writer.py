"""Writing results: good rows to the lake partitions, bad rows to quarantine CSV files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .. import lake
from ..errors import LakeError
from ..safe_output import confined_path, neutralise_arrow
from .validate import TablePlan, lit, q, rule_names_sql
from .pseudonym import token_sql

QUARANTINE_DIR = "quarantine"
# Quarantine header (the first seven columns); the row's raw contract columns follow.
Q_META = ["来源文件", "行号", "规则代码", "规则名称", "列名", "原始值", "说明"]


def write_partitions(con, plan: TablePlan, targets: list[tuple[str, str]], params: dict | None,
                     scratch: Path, on_installed=lambda: None) -> None:
    """Replace the lake partitions `targets` (admdvs, period) with the good rows of this load.

    One pass over the staged rows: DuckDB writes every partition's Parquet file in the same
    COPY (in parallel, typed exactly as the lake schema; one COPY per partition re-read and
    re-checked the whole delivery once per month). Then lake.install_partition swaps each
    partition in atomically, one after the other, as replace_partition does.
    """
    if not targets:
        return
    out = scratch / f"out-{plan.table.name}"
    con.execute(f"COPY ({plan.lake_select(targets)}) TO {lit(str(out))} "
                f"(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 122880, "
                f"PARTITION_BY (_part), WRITE_PARTITION_COLUMNS false, OVERWRITE_OR_IGNORE true)",
                params)
    for i, (admdvs, period) in enumerate(targets):
        files = sorted((out / f"_part={i}").glob("*.parquet"))
        if not files:  # never swap in an empty partition for rows that were counted as good
            raise LakeError(f"写入 {plan.table.name} 分区 {admdvs}/{period} 时没有生成文件，已停止替换该表的其余分区。")
        lake.install_partition(plan.workdir, plan.table.name, admdvs, period, files)
        on_installed()


def quarantine_sql(plan: TablePlan, file_index: int, source: str, shown_name: str) -> str:
    raw_cols = []
    for c in plan.table.columns:
        expr = token_sql(q(c.name)) if c.pseudonymise else q(c.name)
        raw_cols.append(f"{expr} AS {q(c.name)}")
    message = (f"'文件 ' || {lit(shown_name)} || ' 第 ' || CAST(_line AS VARCHAR) || ' 行，列 ' "
               f"|| _f.col || '：' || COALESCE(_f.detail, '')")
    return (
        f"SELECT {lit(source)} AS {q(Q_META[0])}, _line AS {q(Q_META[1])}, "
        f"_f.rule AS {q(Q_META[2])}, {rule_names_sql('_f.rule')} AS {q(Q_META[3])}, "
        f"_f.col AS {q(Q_META[4])}, _f.val AS {q(Q_META[5])}, {message} AS {q(Q_META[6])}, "
        f"{', '.join(raw_cols)} FROM q_fail WHERE _file = {file_index} ORDER BY _line, _f.ord"
    )


def write_quarantine(con, sql: str, params: dict, target: Path) -> int:
    """Stream the quarantine lines into a UTF-8-BOM CSV (so Excel shows the Chinese).

    Every cell is text from a delivered file: formula-like text is neutralised (safe_output),
    so a quarantine file opened in Excel or WPS never runs what a hostile row carried.
    """
    target = confined_path(target.parent, target.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = con.sql(sql, params=params).to_arrow_reader(100_000)
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
