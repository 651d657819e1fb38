"""Per-partition settlement rollups: a small summary file written inside each setl_d partition.

Every setl_d partition directory (`lake/setl_d/<admdvs>/<period>/`) written by ingest or
`lake.replace_partition` also holds `ROLLUP_FILE`: the partition's rows grouped by the raw codes
the settlement aggregate of `compute` groups by (indicators/context.py `Ctx.base_setl`), with the
row count and the exact decimal sums of the amounts. `compute` then reads these few thousand rows
instead of scanning millions (docs/performance.md).

Why it cannot go stale: the file is written into the same staging directory as the data and
swapped in with it as one directory (lake._swap_in), so a reader sees both or neither; every
writer of a partition goes through that swap. A partition without the file (a lake written
before rollups existed) is valid: `compute` then scans, as before. The name does not end in
`.parquet`, so no table glob (`*.parquet`) reads it as settlements; the `v1` in it changes
when the grouping below does, so an older file is ignored, never misread.

The admdvs codes and flags are kept raw: which admdvs are the region's own (region and counties)
and which flags count as valid or non-refund is decided when computing, not when loading.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROLLUP_FILE = "rollup-v1.summary"  # Parquet; deliberately not *.parquet (see above)

# pseudo-table the engine registers -> the lake table whose partitions hold it
ROLLUPS = {"setl_d_rollup": "setl_d"}
KEYS = ("period", "fixmedins_code", "med_type", "insutype", "fix_blng_admdvs", "insu_admdvs",
        "vali_flag", "refd_setl_flag")
SUMS = ("medfee_sumamt", "fulamt_ownpay_amt", "hifp_pay")
SUM_TYPE = pa.decimal128(38, 2)  # what DuckDB's sum() of the lake's decimal(18,2) gives


def rollup_of(table: str) -> str | None:
    """The rollup pseudo-table written with `table`'s partitions, if any."""
    return next((r for r, t in ROLLUPS.items() if t == table), None)


def schema(name: str = "setl_d_rollup") -> pa.Schema:
    if name not in ROLLUPS:
        raise KeyError(name)
    return pa.schema([pa.field(k, pa.string()) for k in KEYS] + [pa.field("rows", pa.int64())]
                     + [pa.field(s, SUM_TYPE) for s in SUMS])


def rollup_sql(files: list[Path]) -> str:
    """The rollup of the rows in `files` (Parquet in the lake schema), as DuckDB SQL."""
    listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    keys = ", ".join(KEYS)
    sums = ", ".join(f"CAST(sum({s}) AS DECIMAL(38,2)) AS {s}" for s in SUMS)
    return (f"SELECT {keys}, CAST(count(*) AS BIGINT) AS rows, {sums} "
            f"FROM read_parquet([{listed}]) GROUP BY {keys}")


def write_rollup(con, files: list[Path], target: Path) -> None:
    """Write the rollup of `files` to `target` with the DuckDB connection `con` (one aggregate
    over the just-written partition files: ingest's own connection, or a local one). The file
    records the sizes of the data files it sums (`has_rollup` checks them)."""
    target = str(target).replace("'", "''")
    sizes = json.dumps(_sizes(files))
    con.execute(f"COPY ({rollup_sql(files)}) TO '{target}' "
                f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{_SIZES}: '{sizes}'}})")


def write_arrow(files: list[Path], target: Path) -> None:
    """The same rollup computed with Arrow, for writers without a DuckDB connection
    (lake.replace_partition: tests and generated reference data; small tables). Arrow groups
    NULL keys together and sums decimals exactly, skipping NULLs (all NULL: NULL), as SQL;
    tests/indicators/test_rollup.py checks both writers against the scan."""
    t = pq.read_table([str(f) for f in files] if len(files) > 1 else str(files[0]),
                      columns=list(KEYS + SUMS))
    t = t.cast(pa.schema([pa.field(k, pa.string()) for k in KEYS] + [pa.field(x, SUM_TYPE) for x in SUMS]))
    g = t.group_by(list(KEYS), use_threads=False).aggregate([([], "count_all")] + [(x, "sum") for x in SUMS])
    out = pa.table([g[k] for k in KEYS] + [g["count_all"]] + [g[f"{x}_sum"] for x in SUMS],
                   schema=schema())
    pq.write_table(out.replace_schema_metadata({_SIZES: json.dumps(_sizes(files))}), target,
                   compression="zstd")


_SIZES = "ljd_part_sizes"


def _sizes(files) -> list[int]:
    return sorted(Path(f).stat().st_size for f in files)


def has_rollup(partition_dir: Path) -> bool:
    """Whether the partition has a rollup of the data files it holds now. The swap replaces
    both together; the recorded file sizes also catch data files replaced outside it (e.g.
    copied back from a backup) with an older rollup left beside them: that partition then
    counts as having none, and is scanned. (Spark reading a copy under spark_lake_uri: the
    decision is made on the driver's lake, as for the data files; docs/deploy.md.)"""
    d = Path(partition_dir)
    path = d / ROLLUP_FILE
    if not path.is_file():
        return False
    try:
        recorded = (pq.read_schema(path).metadata or {}).get(_SIZES.encode())
        return recorded is not None and json.loads(recorded) == _sizes(d.glob("*.parquet"))
    except (OSError, ValueError, pa.ArrowException):  # unreadable: as if absent
        return False
