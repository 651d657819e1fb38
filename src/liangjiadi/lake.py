"""The lake: Parquet files laid out as `lake/<table>/<admdvs>/<period>/part-*.parquet`.

Each file also carries `admdvs` and `period` as ordinary columns, so any engine can read the
whole table with one glob and no partition discovery. A partition directory is replaced as a
whole (write to a temporary directory, then swap), which makes loading a month idempotent.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import LakeError
from .schema import SNAPSHOT_PERIOD, TABLES, Table

MONEY = pa.decimal128(18, 2)

_ARROW = {
    "str": pa.string(),
    "code": pa.string(),
    "admdvs": pa.string(),
    "period": pa.string(),
    "int": pa.int64(),
    "money": MONEY,
    "float": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
}


def arrow_type(dtype: str) -> pa.DataType:
    return _ARROW[dtype]


def lake_schema(table: Table | str) -> pa.Schema:
    """The stored schema of a table: its contract columns plus `admdvs` and `period`."""
    t = TABLES[table] if isinstance(table, str) else table
    fields = [pa.field(c.name, arrow_type(c.dtype)) for c in t.columns]
    names = {c.name for c in t.columns}
    if "admdvs" not in names:
        fields.append(pa.field("admdvs", pa.string()))
    if "period" not in names:
        fields.append(pa.field("period", pa.string()))
    return pa.schema(fields)


def lake_root(workdir: Path) -> Path:
    return Path(workdir) / "lake"


def table_dir(workdir: Path, table: str) -> Path:
    return lake_root(workdir) / table


def table_glob(workdir: Path, table: str) -> str:
    return str(table_dir(workdir, table).resolve() / "*" / "*" / "*.parquet")


def has_data(workdir: Path, table: str) -> bool:
    return any(table_dir(workdir, table).glob("*/*/*.parquet"))


def partitions(workdir: Path, table: str) -> list[tuple[str, str]]:
    """(admdvs, period) pairs present for a table."""
    root = table_dir(workdir, table)
    if not root.exists():
        return []
    return sorted(
        (p.parent.name, p.name)
        for p in root.glob("*/*")
        if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.parquet"))
    )


def _swap_in(workdir: Path, table: str, admdvs: str, period: str, fill) -> object:
    """Fill a fresh temporary directory with `fill(tmp)`, then swap it in for the partition.

    The old partition is kept if anything fails, so a partition is always whole: the old month
    or the new one, never a mix. Returns what `fill` returned.
    """
    target = table_dir(workdir, table) / admdvs / period
    tmp = target.parent / f".tmp-{period}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        result = fill(tmp)
        old = target.parent / f".old-{period}-{uuid.uuid4().hex[:8]}"
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LakeError(f"写入数据湖分区 {table}/{admdvs}/{period} 失败：{exc}") from exc
    return result


def replace_partition(workdir: Path, table: str, admdvs: str, period: str,
                      data: pa.Table | Iterable[pa.RecordBatch]) -> int:
    """Replace one (admdvs, period) partition with `data` (already in lake schema)."""
    schema = lake_schema(table)

    def fill(tmp: Path) -> int:
        rows = 0
        with pq.ParquetWriter(tmp / "part-0.parquet", schema, compression="zstd") as writer:
            batches = data.to_batches() if isinstance(data, pa.Table) else data
            for batch in batches:
                batch = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
                writer.write_table(batch)
                rows += batch.num_rows
        return rows

    return _swap_in(workdir, table, admdvs, period, fill)


def install_partition(workdir: Path, table: str, admdvs: str, period: str,
                      files: list[Path]) -> None:
    """Replace one partition with ready-made Parquet files (already in lake schema).

    The same swap as `replace_partition`, for writers that produce the files themselves
    (ingest lets DuckDB write them in parallel). The files must be on the lake's file system.
    """

    def fill(tmp: Path) -> None:
        for i, f in enumerate(files):
            Path(f).rename(tmp / f"part-{i}.parquet")

    _swap_in(workdir, table, admdvs, period, fill)


def drop_table(workdir: Path, table: str, admdvs: str | None = None) -> None:
    """Remove a whole table (or one region of it) before a snapshot table is reloaded."""
    root = table_dir(workdir, table)
    if admdvs:
        root = root / admdvs
    shutil.rmtree(root, ignore_errors=True)


# ---- writing small typed tables directly (tests, generated reference data) -------------


def _coerce(value, dtype: str):
    if value is None or value == "":
        return None
    if dtype == "money":
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if dtype == "int":
        return int(value)
    if dtype == "float":
        return float(value)
    if dtype == "date":
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if dtype == "datetime":
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        return datetime.fromisoformat(str(value))
    return str(value)


def row_period(table: Table, row: dict) -> str:
    if "period" in row and row["period"] not in (None, ""):
        return str(row["period"])
    if table.period_source == "setl_time":
        return str(row["setl_time"])[:7]
    if table.period_source == "year":
        return str(row["year"])
    if table.period_source == "snapshot":
        return SNAPSHOT_PERIOD
    if table.period_column and row.get(table.period_column):
        return str(row[table.period_column])[:7]
    raise LakeError(f"{table.name} 的行无法确定期间：{sorted(row)}")


def rows_to_arrow(table: str, rows: list[dict], region: str) -> pa.Table:
    """Typed lake rows from plain dicts (amounts as str/int/Decimal; missing keys -> null)."""
    t = TABLES[table]
    schema = lake_schema(t)
    cols: dict[str, list] = {f.name: [] for f in schema}
    for row in rows:
        for c in t.columns:
            cols[c.name].append(_coerce(row.get(c.name), c.dtype))
        if "admdvs" not in t.column_names:
            cols["admdvs"].append(str(row.get("admdvs") or region))
        if "period" not in t.column_names:
            cols["period"].append(row_period(t, row))
        elif cols["period"][-1] is None:
            cols["period"][-1] = row_period(t, row)
    return pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in schema}, schema=schema)


def write_rows(workdir: Path, table: str, rows: list[dict], region: str) -> None:
    """Write typed rows straight to the lake, replacing the partitions they fall in.

    For tests and generated reference data; real input goes through `ingest`, which validates.
    """
    data = rows_to_arrow(table, rows, region)
    if data.num_rows == 0:
        return
    keys = pc.unique(pc.binary_join_element_wise(data["admdvs"], data["period"], "|")).to_pylist()
    for key in keys:
        admdvs, period = key.split("|")
        mask = pc.and_(pc.equal(data["admdvs"], admdvs), pc.equal(data["period"], period))
        replace_partition(workdir, table, admdvs, period, data.filter(mask))
