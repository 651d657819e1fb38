"""The load report: what happened to every file of one load (pydantic, JSON-ready)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .rules import RULES


class FileResult(BaseModel):
    path: str
    load_id: str = ""
    sha256: str | None = None
    size: int | None = None
    table: str | None = None
    format: str | None = None
    encoding: str | None = None
    declared_period: str | None = None
    status: str = "pending"  # ok | partial | rejected | error
    error_code: str | None = None
    error: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    blank_rows: int = 0
    continuation_lines: int = 0  # extra lines of records whose quoted value holds a line break
    rule_counts: dict[str, int] = Field(default_factory=dict)  # rule code -> rows failing it
    partitions: list[str] = Field(default_factory=list)  # "admdvs/period" written
    periods: list[str] = Field(default_factory=list)
    dropped_personal_columns: list[str] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    quarantine_file: str | None = None
    started: str | None = None
    finished: str | None = None

    def settle_status(self) -> None:
        """ok, partial, or rejected when no row reached the lake (never "partial" with 0)."""
        if self.rows_read == 0:
            self.status, self.error_code = "rejected", "empty_file"
            self.error = f"文件 {self.path}：没有数据行。"
        elif self.rows_accepted == 0:
            self.status, self.error_code = "rejected", "nothing_accepted"
            self.error = (f"文件 {self.path}：{self.rows_read:,} 行数据全部被隔离，没有一行写入数据湖"
                          f"（原因见隔离文件 {self.quarantine_file or '（无）'}）。")
        else:
            self.status = "partial" if self.rows_quarantined else "ok"


class LoadReport(BaseModel):
    load_id: str
    workdir: str
    region_admdvs: str | None = None
    region_source: str | None = None  # argument | settings | fixmedins
    started: str
    finished: str | None = None
    files: list[FileResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    quarantine_dir: str | None = None

    @property
    def ok(self) -> bool:
        return all(f.status == "ok" for f in self.files)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_accepted(self) -> int:
        return sum(f.rows_accepted for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def rule_totals(self) -> dict[str, int]:
        """Failures per rule over all files, including files rejected whole."""
        out: dict[str, int] = {}
        for f in self.files:
            for code, n in f.rule_counts.items():
                out[code] = out.get(code, 0) + n
            if f.error_code in RULES:
                out[f.error_code] = out.get(f.error_code, 0) + 1
        order = list(RULES)
        return dict(sorted(out.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
