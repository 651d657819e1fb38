"""The lake: Parquet files laid out as `lake/<table>/<admdvs>/<period>/part-*.parquet`
(setl_d partitions also hold their settlement rollup, `rollup-v1.summary`: rollup.py).

Each file also carries `admdvs` and `period` as ordinary columns, so any engine can read the
whole table with one glob and no partition discovery. A partition directory is replaced as a
whole (written in a staging directory outside the lake, then swapped in atomically under a
journal), which makes loading a month idempotent and crash-safe. The lake also records the
fingerprint of the pseudonym key its person tokens were made with.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import LakeError
from .rollup import ROLLUP_FILE, rollup_of, write_arrow
from .schema import SNAPSHOT_PERIOD, TABLES, Table
from .workdir import acquire, clean_stale_scratch, downgrade, release, stale_scratch, state_dir

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
    """Fill a fresh staging directory with `fill(stage)`, then swap it in for the partition.

    The staging directory is in the work directory's state folder, outside every glob that
    reads the lake. Once it is full, a journal entry is written, then the directories are
    exchanged in one atomic step (Linux renameat2 RENAME_EXCHANGE; elsewhere two renames that
    the journal makes recoverable). A reader therefore sees the old partition or the new one,
    never both or neither; a crash before the journal leaves the old one (recovery rolls back
    by deleting the staging directory), a crash after it is rolled forward by `recover`.
    Returns what `fill` returned.
    """
    root = _swap_root(workdir)
    root.mkdir(parents=True, exist_ok=True)
    name = f"{table}~{admdvs}~{period}~{uuid.uuid4().hex[:8]}"
    stage = root / name
    try:
        stage.mkdir()
        result = fill(stage)
    except Exception as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise LakeError(f"写入数据湖分区 {table}/{admdvs}/{period} 失败：{exc}") from exc
    st = stage.stat()
    entry = {"table": table, "admdvs": admdvs, "period": period, "stage": name,
             "ino": st.st_ino, "dev": st.st_dev, "ts": time.time_ns()}
    journal = root / f"{name}.json"
    part = root / f"{name}.json.part"
    part.write_text(json.dumps(entry), encoding="utf-8")
    os.replace(part, journal)  # the intent is recorded: from here on, roll forward
    try:
        _complete_swap(workdir, entry)
    except OSError as exc:
        raise LakeError(f"替换数据湖分区 {table}/{admdvs}/{period} 失败：{exc}",
                        "下一个命令开始时会自动完成这次替换。") from exc
    return result


def _swap_root(workdir: Path) -> Path:
    return state_dir(workdir) / "swap"


def _partition_dir(workdir: Path, table: str, admdvs: str, period: str) -> Path:
    return table_dir(workdir, table) / admdvs / period


def _is_dir(path: Path, entry: dict) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_ino == entry["ino"] and st.st_dev == entry["dev"]


def _complete_swap(workdir: Path, entry: dict) -> None:
    """Bring one journalled swap to its end state (idempotent: the same code finishes a swap
    in the writer and in recovery after a crash at any point)."""
    root = _swap_root(workdir)
    stage = root / entry["stage"]
    old = root / f"{entry['stage']}.old"
    target = _partition_dir(workdir, entry["table"], entry["admdvs"], entry["period"])
    if not _is_dir(target, entry) and _is_dir(stage, entry):
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.rename(stage, target)
        elif not _exchange(stage, target):
            os.rename(target, old)
            os.rename(stage, target)
    # `stage` now holds the old partition (after an exchange), or nothing
    shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (root / f"{entry['stage']}.json").unlink()


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2():
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2_fn = _renameat2() if sys.platform.startswith("linux") else None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two directories; False where the system cannot."""
    if _renameat2_fn is None:
        return False
    if _renameat2_fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


# ---- recovery after a crash ----------------------------------------------------------------


def needs_recovery(workdir: Path) -> bool:
    root = _swap_root(workdir)
    return ((root.is_dir() and any(root.iterdir())) or bool(stale_scratch(workdir))
            or bool(_legacy_leftovers(workdir)))


def recover(workdir: Path) -> list[str]:
    """Finish or undo what a killed writer left, and say which (in Chinese).

    Call under the work directory's exclusive lock. Journalled swaps are rolled forward (their
    new partition was complete); staging directories without a journal are rolled back
    (deleted, the old partition stays); scratch folders with raw identifiers are removed.
    """
    messages: list[str] = []
    root = _swap_root(workdir)
    if root.is_dir():
        for part in root.glob("*.json.part"):
            part.unlink(missing_ok=True)
        journalled = set()
        try:
            entries = [json.loads(j.read_text(encoding="utf-8")) for j in root.glob("*.json")]
        except (OSError, ValueError) as exc:
            raise LakeError(f"无法读取上次中断的数据湖分区替换日志（{root}）：{exc}",
                            "请保留工作目录并联系维护人员。") from exc
        for entry in sorted(entries, key=lambda e: e.get("ts", 0)):  # in the order they were written
            try:
                _complete_swap(workdir, entry)
            except (OSError, KeyError) as exc:
                raise LakeError(f"无法完成上次中断的数据湖分区替换（{entry.get('stage')}）：{exc}",
                                "请保留工作目录并联系维护人员。") from exc
            journalled.add(entry["stage"])
            messages.append(f"数据湖分区 {_where(entry)} 的替换上次被中断，已前滚：现在是新导入的数据。")
        for leftover in sorted(p for p in root.iterdir() if p.is_dir()):
            shutil.rmtree(leftover, ignore_errors=True)
            if leftover.name.endswith(".old") or leftover.name in journalled:
                continue
            messages.append(f"数据湖分区 {_where_name(leftover.name)} 的写入上次未完成，已回滚："
                            f"保留原有数据，删除未写完的暂存目录。")
    messages += _recover_legacy(workdir)
    messages += clean_stale_scratch(workdir)
    return messages


def _where(entry: dict) -> str:
    return f"{entry['table']}/{entry['admdvs']}/{entry['period']}"


def _where_name(name: str) -> str:
    parts = name.split("~")
    return "/".join(parts[:3]) if len(parts) == 4 else name


def _legacy_leftovers(workdir: Path) -> list[Path]:
    """`.tmp-<period>-*` and `.old-<period>-*` folders inside a region folder, written by
    versions before the journal (DuckDB's glob reads them, so they must go)."""
    root = lake_root(workdir)
    if not root.is_dir():
        return []
    return sorted(p for pat in ("*/*/.tmp-*", "*/*/.old-*") for p in root.glob(pat) if p.is_dir())


def _recover_legacy(workdir: Path) -> list[str]:
    messages = []
    leftovers = _legacy_leftovers(workdir)
    for p in sorted(leftovers, key=lambda p: not p.name.startswith(".old-")):  # .old first
        kind, rest = p.name[1:4], p.name[5:]
        period = rest.rsplit("-", 1)[0]
        target = p.parent / period
        where = f"{p.parent.parent.name}/{p.parent.name}/{period}"
        if kind == "old" and not target.exists():
            os.rename(p, target)
            messages.append(f"数据湖分区 {where} 上次替换到一半被中断（原数据已移开），已回滚：恢复原有数据。")
        else:
            shutil.rmtree(p, ignore_errors=True)
            messages.append(f"删除数据湖分区 {where} 旁上次中断留下的{'旧数据' if kind == 'old' else '未写完的'}目录 "
                            f"{p.name}（已回滚，分区保持原样）。")
    return messages


# ---- the key fingerprint recorded with the lake ------------------------------------------

KEY_FINGERPRINT_FILE = "key-fingerprint.json"


def recorded_key_fingerprint(workdir: Path) -> str | None:
    path = lake_root(workdir) / KEY_FINGERPRINT_FILE
    if not path.exists():
        return None
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LakeError(f"数据湖的密钥指纹文件 {path} 无法读取：{exc}",
                        "请从备份恢复该文件；不要删除它，它保证各月份的人员假名一致。") from exc


def record_key_fingerprint(workdir: Path, fingerprint: str) -> None:
    path = lake_root(workdir) / KEY_FINGERPRINT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps({"fingerprint": fingerprint, "recorded": datetime.now(timezone.utc).isoformat(
        timespec="seconds")}, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def has_any_data(workdir: Path) -> bool:
    root = lake_root(workdir)
    return root.is_dir() and any(root.glob("*/*/*/*.parquet"))


# ---- opening a work directory: lock + recovery -------------------------------------------


def open_workdir(workdir: Path, write: bool, wait: float, what: str = "") -> list[str]:
    """Take the work directory's lock (exclusive for a writer, shared for a reader) and
    recover what a killed command left; returns the recovery messages. Pair with
    `close_workdir`. Recovery runs under the exclusive lock, also for a reader."""
    workdir = Path(workdir)
    if write or needs_recovery(workdir):
        took = acquire(workdir, True, wait, what)
        try:
            # only the outermost holder recovers: a nested call (the CLI holds the lock, then
            # ingest_paths takes it again) must not touch its own process's live scratch
            messages = recover(workdir) if took else []
        except BaseException:
            release(workdir)
            raise
        if took and not write:
            downgrade(workdir)
        return messages
    acquire(workdir, False, wait, what)
    return []


def close_workdir(workdir: Path) -> None:
    release(workdir)


def replace_partition(workdir: Path, table: str, admdvs: str, period: str,
                      data: pa.Table | Iterable[pa.RecordBatch]) -> int:
    """Replace one (admdvs, period) partition with `data` (already in lake schema), with its
    rollup (rollup.py) when the table has one: written in the same staging directory, so the
    swap replaces both together."""
    schema = lake_schema(table)

    def fill(tmp: Path) -> int:
        rows = 0
        with pq.ParquetWriter(tmp / "part-0.parquet", schema, compression="zstd") as writer:
            batches = data.to_batches() if isinstance(data, pa.Table) else data
            for batch in batches:
                batch = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
                writer.write_table(batch)
                rows += batch.num_rows
        if rollup_of(table):
            write_arrow([tmp / "part-0.parquet"], tmp / ROLLUP_FILE)
        return rows

    return _swap_in(workdir, table, admdvs, period, fill)


def install_partition(workdir: Path, table: str, admdvs: str, period: str,
                      files: list[Path], rollup: Path | None = None) -> None:
    """Replace one partition with ready-made Parquet files (already in lake schema), and the
    partition's rollup file when given (rollup.py; without it the partition has none).

    The same swap as `replace_partition`, for writers that produce the files themselves
    (ingest lets DuckDB write them in parallel). The files must be on the lake's file system.
    """

    def fill(tmp: Path) -> None:
        for i, f in enumerate(files):
            Path(f).rename(tmp / f"part-{i}.parquet")
        if rollup is not None:
            Path(rollup).rename(tmp / ROLLUP_FILE)

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
