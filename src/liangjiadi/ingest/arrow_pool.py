"""Arrow's memory pool for ingest: jemalloc (else the system allocator) rather than mimalloc.

pyarrow's default pool on Linux is mimalloc. Ingest allocates and frees the text of every
16 MiB block and its columns; mimalloc hands freed memory back and takes it again as fresh
transparent huge pages, each zeroed by the kernel. On three months of settlements the kernel's
page clearing was 13% of ingest's CPU with mimalloc and 2% with jemalloc (perf, issue 16):
about a tenth of ingest's CPU and wall time. pyarrow has one default pool per process, so
Arrow work after an ingest in the same process uses it too. An operator's own choice
(ARROW_DEFAULT_MEMORY_POOL) is left as it is.
"""

from __future__ import annotations

import os

import pyarrow as pa


def use_steady_pool() -> str:
    """Make jemalloc (or, in a pyarrow built without it, the system allocator) Arrow's default
    pool unless ARROW_DEFAULT_MEMORY_POOL chose one; returns the pool's backend name."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return pa.default_memory_pool().backend_name
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    return pool.backend_name
