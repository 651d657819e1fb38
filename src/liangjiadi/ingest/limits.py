"""DuckDB running out of its memory limit or its spill space, told in Chinese: shared with the
compute engine, so it lives in `liangjiadi.limits`; these names are kept for ingest."""

from __future__ import annotations

from ..limits import free_space, is_out_of_memory, out_of_memory_error

__all__ = ["free_space", "is_out_of_memory", "out_of_memory_error"]
