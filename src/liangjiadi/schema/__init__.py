"""Table contracts and code tables of the input data."""

from .codes import CODE_TABLES, code_table, level_group
from .tables import (
    LOAD_ORDER,
    PERSONAL_COLUMNS,
    SNAPSHOT_PERIOD,
    TABLES,
    Column,
    Table,
    canonical_column,
)

__all__ = [
    "CODE_TABLES", "code_table", "level_group", "LOAD_ORDER", "PERSONAL_COLUMNS",
    "SNAPSHOT_PERIOD", "TABLES", "Column", "Table", "canonical_column",
]
