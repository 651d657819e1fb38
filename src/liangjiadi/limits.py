"""DuckDB running out of its memory limit or its spill space, told in Chinese — for every
stage that runs DuckDB: ingest, and compute, 复核 and detection on the compute engine.

DuckDB raises the same OutOfMemoryException for two different things: memory it could not
get within `duckdb_memory_limit` (an operator that cannot spill), and a spill directory that
is full. The second is DuckDB's `max_temp_directory_size`, which by default is 90% of the disk
space free *when the first block is spilled*; on a shared disk that can be a few GiB (issue 16:
the first city-year rerun stopped with 2.7 GiB spilled). The English text is not shown (it
means nothing to a data officer); the limit, the directory and its free space are.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .config import Settings
from .errors import EngineError, LakeError, LjdError

_SPILL_FULL = re.compile(r"failed to offload|max_temp_directory_size", re.IGNORECASE)
_SIZES = re.compile(r"\(([\d.]+ ?[KMGT]?i?B)/([\d.]+ ?[KMGT]?i?B) used\)")


class EngineMemoryError(EngineError):
    """The compute engine ran out of memory or spill space: a condition of the whole run, not
    of one indicator, rule or detector, so the runners let it through to the command."""


def is_out_of_memory(exc: BaseException) -> bool:
    # by name: only engine.py imports the backend (tests/core/test_architecture.py)
    return any(t.__name__ == "OutOfMemoryException" for t in type(exc).__mro__)


def free_space(path: Path) -> str:
    """Free space of the disk holding `path` (or its nearest existing parent)."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return f"{shutil.disk_usage(p).free / 2**30:.1f} GiB"
    except OSError:
        return "未知"


def out_of_memory_error(exc: BaseException, what: str, settings: Settings, spill_dir: Path, *,
                        again: str = "重新导入", error: type[LjdError] = LakeError) -> LjdError:
    """The Chinese error (code memory_limit or spill_full) for DuckDB's OutOfMemoryException
    while doing `what` (e.g. "导入 setl_d "); `again`: what the user does after the fix."""
    text = str(exc)
    free = free_space(spill_dir)
    if _SPILL_FULL.search(text):
        sizes = _SIZES.search(text)
        used = f"（已写 {sizes.group(1)}，上限 {sizes.group(2)}）" if sizes else ""
        return error(
            f"{what}时 DuckDB 的落盘目录 {spill_dir} 写满了{used}：落盘上限默认是首次落盘时该磁盘可用空间的 90%，"
            f"该磁盘现在可用 {free}。",
            f"请清理该磁盘，或把 duckdb_temp_directory 指向空间更大的本地盘，然后{again}。", code="spill_full")
    return error(
        f"{what}时超出 DuckDB 内存上限 duckdb_memory_limit={settings.duckdb_memory_limit}（有一步无法落盘；"
        f"落盘目录 {spill_dir}，可用 {free}）。",
        f"请调大 duckdb_memory_limit 或把 duckdb_threads（现为 {settings.duckdb_threads}）调小后{again}。",
        code="memory_limit")
