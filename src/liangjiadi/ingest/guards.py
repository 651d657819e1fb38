"""Replacement safety: a delivery may not shrink what the lake already holds by accident.

A load replaces whole (admdvs, period) partitions. A correction file of 3 rows, a truncated
export or a one-line institution list would otherwise silently replace a month of data. Before
anything of a table is written, every partition the load would replace is compared with the
lake: fewer rows than `replace_min_ratio` of the existing rows, or (定点医药机构) more than
`replace_max_institution_loss` of the existing institutions missing, refuses the partition
unless the user asked for `replace=True` (`liangjiadi ingest --replace`).

A refused partition is not written, and neither is anything of the files that feed it (a file
is loaded whole or not at all): those files are rejected with the before/after counts, so no
row is dropped silently. Files that share a partition with a rejected file are rejected too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from .. import lake
from ..config import Settings
from ..schema import SNAPSHOT_PERIOD
from .report import FileResult
from .validate import TablePlan, lit

Partition = tuple[str, str]  # (admdvs, period)


@dataclass(frozen=True)
class Refusal:
    partition: Partition
    reason: str  # Chinese: what would have shrunk, before and after


def partition_label(table: str, admdvs: str, period: str) -> str:
    shown = "不分期间" if period == SNAPSHOT_PERIOD else period
    return f"{table}/{admdvs}/{shown}"


def _lake_files(workdir: Path, table: str, part: Partition) -> list[Path]:
    return sorted((lake.table_dir(workdir, table) / part[0] / part[1]).glob("*.parquet"))


def lake_rows(workdir: Path, table: str, part: Partition) -> int:
    """Rows of one lake partition, from the Parquet footers (nothing is scanned)."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in _lake_files(workdir, table, part))


def _institutions_lost(con, workdir: Path, part: Partition) -> tuple[int, int]:
    """(institutions in the lake partition, how many of them the delivery lacks)."""
    files = _lake_files(workdir, "fixmedins", part)
    listed = "[" + ", ".join(lit(str(f)) for f in files) + "]"
    old, lost = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE n.fixmedins_code IS NULL) FROM "
        f"(SELECT DISTINCT fixmedins_code FROM read_parquet({listed}, union_by_name=true)) o "
        f"LEFT JOIN (SELECT DISTINCT fixmedins_code FROM good WHERE _admdvs = $adm AND _period = $per) n "
        f"USING (fixmedins_code)", {"adm": part[0], "per": part[1]}).fetchone()
    return int(old), int(lost)


def shrinking(con, plan: TablePlan, new_rows: dict[Partition, int], settings: Settings) -> list[Refusal]:
    """The partitions this load would shrink beyond the configured thresholds."""
    t, workdir = plan.table, plan.workdir
    out = []
    for part, after in sorted(new_rows.items()):
        before = lake_rows(workdir, t.name, part)
        if not before:
            continue
        where = f"{t.cn}（{partition_label(t.name, *part)}）"
        if after < before * settings.replace_min_ratio:
            out.append(Refusal(part, (
                f"本次交付会使{where}从数据湖现有的 {before:,} 行减少到 {after:,} 行"
                f"（不足现有的 {settings.replace_min_ratio:.0%}），可能是部分更正、截断或错发的文件")))
            continue
        if t.name == "fixmedins" and settings.replace_max_institution_loss < 1:
            old, lost = _institutions_lost(con, workdir, part)
            if old and lost > old * settings.replace_max_institution_loss:
                out.append(Refusal(part, (
                    f"本次交付会使{where}缺少数据湖中已有的 {lost:,} 家机构（现有 {old:,} 家，"
                    f"本次交付 {after:,} 家，缺少 {lost / old:.1%}，超过 "
                    f"{settings.replace_max_institution_loss:.0%}），可能是只含部分机构的文件")))
    return out


def refuse(con, plan: TablePlan, parts: list[tuple[int, str, str, int]], by_index: dict[int, FileResult],
           settings: Settings, replace: bool) -> dict[Partition, str]:
    """Decide which partitions of this load are not written; returns partition -> reason.

    parts: (file index, admdvs, period, good rows) as ingest counted them. With replace=True
    nothing is refused, but every partition that shrinks is noted on its files.
    """
    new_rows: dict[Partition, int] = {}
    for _, a, p, n in parts:
        new_rows[(a, p)] = new_rows.get((a, p), 0) + n
    found = shrinking(con, plan, new_rows, settings)
    if replace:
        for r in found:
            for idx, a, p, _ in parts:
                if (a, p) == r.partition:
                    by_index[idx].notes.append(f"已按 --replace 整体替换：{r.reason}。")
        return {}
    return close_over_files(parts, {r.partition: r.reason for r in found}, plan.table.name)


def close_over_files(parts, refused: dict[Partition, str], table: str) -> dict[Partition, str]:
    """Grow the refused partitions until no file feeds both a refused and a written one.

    A file is loaded whole or not at all, so refusing one of its partitions refuses all of
    them, and every other file feeding those partitions, and so on.
    """
    refused = dict(refused)
    files_of: dict[Partition, set[int]] = {}
    for idx, a, p, _ in parts:
        files_of.setdefault((a, p), set()).add(idx)
    changed = bool(refused)
    while changed:
        changed = False
        for idx, a, p, _ in parts:
            if (a, p) in refused:
                continue
            feeders = files_of[(a, p)]
            pulled = next(((ra, rp) for i, ra, rp, _ in parts if i in feeders and (ra, rp) in refused), None)
            if pulled:
                refused[(a, p)] = (f"与被拒绝的分区 {partition_label(table, *pulled)} "
                                   f"同批交付（一个文件只能整体导入或整体不导入）")
                changed = True
    return refused


def mark_refused(plan: TablePlan, parts: list[tuple[int, str, str, int]], by_index: dict[int, FileResult],
                 refused: dict[Partition, str]) -> None:
    """Reject the files that feed a refused partition, naming why (after ingest's own status)."""
    if not refused:
        return
    hint = ("该文件的合格行均未写入，数据湖中原有的分区保持不变。"
            "如确需用本次交付整体替换，请加 --replace 重新导入（Python 接口：ingest_paths(..., replace=True)）。")
    t = plan.table.name
    for idx in sorted({i for i, a, p, _ in parts if (a, p) in refused}):
        res = by_index[idx]
        mine = [(a, p) for i, a, p, _ in parts if i == idx and (a, p) in refused]
        reasons = "；".join(refused[part] for part in mine)
        res.status = "rejected"
        res.error_code = "shrink_refused"
        res.error = f"文件 {res.path}：拒绝替换——{reasons}。{hint}"
        res.rows_accepted = 0
        res.partitions, res.periods = [], []  # refusal is closed over files: none was written
        res.notes.append(f"未写入的分区：{'、'.join(partition_label(t, *part) for part in mine)}。")
