"""Writing contract tables as CSV (UTF-8/GBK), Parquet or xlsx, block by block.

Every writer counts the data rows it has written, so a fault row's line number in the file is
known exactly (header = line 1, first data row = line 2).
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..schema import TABLES

MONEY = pa.decimal128(18, 2)
_ARROW = {"str": pa.string(), "code": pa.string(), "admdvs": pa.string(), "period": pa.string(),
          "int": pa.int64(), "money": MONEY, "float": pa.float64(), "date": pa.date32(),
          "datetime": pa.timestamp("s")}

# Extra personal columns written into setl_d (fake values) so that ingest drops them.
SETL_D_EXTRA = (("certno", "str"), ("psn_name", "str"))


def output_columns(table: str) -> list[tuple[str, str]]:
    cols = [(c.name, c.dtype) for c in TABLES[table].columns]
    if table == "setl_d":
        at = [n for n, _ in cols].index("psn_no") + 1
        cols = cols[:at] + list(SETL_D_EXTRA) + cols[at:]
    return cols


def output_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(n, _ARROW[d]) for n, d in output_columns(table)])


def money_array(fen: np.ndarray) -> pa.Array:
    """Exact decimal128(18,2) from integer fen (no float on the way)."""
    fen = np.ascontiguousarray(fen, dtype=np.int64)
    buf = np.empty((len(fen), 2), dtype=np.int64)
    buf[:, 0] = fen
    buf[:, 1] = fen >> 63  # sign extension to 128 bits
    return pa.Array.from_buffers(MONEY, len(fen), [None, pa.py_buffer(buf.tobytes())])


def fen_to_str(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def file_name(table: str, period: str | None, fmt: str) -> str:
    return f"{table}_{period}.{fmt}" if period else f"{table}.{fmt}"


class TableWriter:
    """Appends blocks of one table to one file."""

    def __init__(self, path: Path, table: str, fmt: str, encoding: str = "utf-8"):
        self.path = Path(path)
        self.table = table
        self.fmt = fmt
        self.encoding = encoding.lower()
        self.schema = output_schema(table)
        self.rows = 0
        self._fh = None
        self._pq = None
        self._wb = None
        self._ws = None
        self._open()

    def _open(self):
        if self.fmt == "csv":
            self._fh = open(self.path, "wb")
            header = ",".join(self.schema.names) + "\n"
            self._fh.write(header.encode(self._codec))
        elif self.fmt == "parquet":
            self._pq = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        else:
            import xlsxwriter

            self._wb = xlsxwriter.Workbook(str(self.path), {"constant_memory": True})
            self._ws = self._wb.add_worksheet(self.table)
            self._money_fmt = self._wb.add_format({"num_format": "0.00"})
            for j, name in enumerate(self.schema.names):
                self._ws.write_string(0, j, name)

    @property
    def _codec(self) -> str:
        return "gbk" if self.encoding == "gbk" else "utf-8"

    @property
    def next_line(self) -> int:
        """Line number the next data row will have (header is line 1)."""
        return self.rows + 2

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        table = table.select(self.schema.names)
        if self.fmt == "csv":
            self._write_csv(as_text(table))
        elif self.fmt == "parquet":
            self._pq.write_table(table.cast(self.schema))
        else:
            self._write_xlsx(table)
        self.rows += table.num_rows

    def write_string_rows(self, rows: list[dict[str, str]]) -> None:
        """Rows given as text (used for fault rows, which may not fit the types)."""
        if not rows:
            return
        cols = {n: pa.array([r.get(n) for r in rows], pa.string()) for n in self.schema.names}
        table = pa.table(cols)
        if self.fmt == "csv":
            self._write_csv(table)
        elif self.fmt == "parquet":
            self._pq.write_table(table.cast(self.schema))
        else:
            self._write_xlsx(table, text=True)
        self.rows += table.num_rows

    def _write_csv(self, table: pa.Table) -> None:
        buf = io.BytesIO()
        pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        data = buf.getvalue()
        if self._codec != "utf-8":
            data = data.decode("utf-8").encode(self._codec)
        self._fh.write(data)

    def _write_xlsx(self, table: pa.Table, text: bool = False) -> None:
        types = [f.type for f in self.schema]
        cols = as_text(table).to_pydict() if not text else table.to_pydict()
        names = self.schema.names
        for i in range(table.num_rows):
            r = self.rows + 1 + i
            for j, name in enumerate(names):
                v = cols[name][i]
                if v is None or v == "":
                    continue
                t = types[j]
                if not text and (pa.types.is_decimal(t) or pa.types.is_integer(t) or pa.types.is_floating(t)):
                    num = float(Decimal(v))
                    self._ws.write_number(r, j, num, self._money_fmt if pa.types.is_decimal(t) else None)
                else:
                    self._ws.write_string(r, j, str(v))

    def close(self) -> None:
        if self._fh:
            self._fh.close()
        if self._pq:
            self._pq.close()
        if self._wb:
            self._wb.close()
        self._fh = self._pq = self._wb = None


def as_text(table: pa.Table) -> pa.Table:
    # Arrow's casts already give "YYYY-MM-DD HH:MM:SS" (second unit), "YYYY-MM-DD", "123.40"
    return pa.table([col.cast(pa.string()) for col in table.columns], names=table.column_names)


def write_table(path: Path, table_name: str, table: pa.Table, fmt: str, encoding: str) -> int:
    w = TableWriter(path, table_name, fmt, encoding)
    try:
        w.write(table)
    finally:
        w.close()
    return w.rows


def typed_table(table_name: str, columns: dict[str, object], n: int) -> pa.Table:
    """Build a table in output schema from arrays/lists; missing columns become null."""
    schema = output_schema(table_name)
    arrays = []
    for f in schema:
        v = columns.get(f.name)
        if v is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(v, (pa.Array, pa.ChunkedArray)):
            arrays.append(v.cast(f.type) if v.type != f.type else v)
        else:
            arrays.append(pa.array(v, f.type))
    return pa.table(arrays, schema=schema)
