"""The plain DuckDB connection for local SQL work that is not the compute backend (ingest's
validation of staged files). It belongs with engine.py, which re-exports it, but lives apart so
that ingest does not import Ibis (about 0.3-0.5 CPU s per ingest; issue 16)."""

from __future__ import annotations

from pathlib import Path

from .config import Settings, get_settings


def local_sql(settings: Settings | None = None, database: Path | str | None = None,
              spill_dir: Path | str | None = None):
    """A plain DuckDB connection for local SQL work that is not the compute backend
    (ingest's validation of staged files): same memory and thread limits as the engine,
    spilling to `spill_dir` rather than failing when a month does not fit in memory."""
    import duckdb

    settings = settings or get_settings()
    config = {
        "memory_limit": settings.duckdb_memory_limit,
        "threads": max(1, int(settings.duckdb_threads)),
        "preserve_insertion_order": False,
    }
    if settings.duckdb_temp_directory is not None:  # the configured place wins over the caller's default
        config["temp_directory"] = str(settings.duckdb_temp_directory)
    elif spill_dir is not None:
        config["temp_directory"] = str(spill_dir)
    con = duckdb.connect(str(database) if database else ":memory:", config=config)
    con.execute("SET enable_progress_bar = false")  # a session setting, not a connect option
    return con
