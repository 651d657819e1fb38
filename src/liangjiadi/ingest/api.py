"""ingest_paths: files in, validated lake partitions + quarantine + provenance out.

Per table (in LOAD_ORDER, so fixmedins and setl_d land before the tables that refer to
them): every file of the table is read as raw text into an Arrow table in memory (while the
table's CSV files fit a quarter of the DuckDB memory limit) or else streamed into a scratch
Parquet file, the whole table is validated in DuckDB SQL at once (so duplicate keys are found
across files and several files of one month are combined), good rows replace their (admdvs, period) lake
partitions, bad rows go to quarantine CSV files. DuckDB works in a scratch database under the
work directory with the configured memory limit, so a large month spills to disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import re
import threading
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .. import lake
from ..config import Settings, get_settings
from ..engine import local_sql
from ..errors import ConfigError, InputFileError, LakeError, LjdError
from ..workdir import (interrupt_on_signal, new_scratch, owner_only_umask, private_file, remove_scratch,
                       terminate_as_interrupt)
from ..schema import LOAD_ORDER, TABLES
from . import guards, provenance
from .arrow_pool import use_steady_pool
from .detect import ADMDVS_RE, PERIOD_RE, FileSpec, describe, discover
from .limits import is_out_of_memory, out_of_memory_error
from .plausibility import Plausibility
from .progress import NoProgress, ProgressHook
from .pseudonym import Tokens, lake_key, token_column
from .readers import SourceReader, batch_schema
from .report import FileResult, LoadReport
from .rules import RULES
from .validate import StagedFile, TablePlan, key_passes, lit, memory_bytes
from ..safe_output import safe_file_name
from .writer import QUARANTINE_DIR, quarantine_sql, write_partition, write_quarantines


def ingest_paths(paths, settings: Settings | None = None, table: str | None = None,
                 period: str | None = None, admdvs: str | None = None,
                 progress: ProgressHook | None = None, replace: bool = False) -> LoadReport:
    """Load files and/or directories into the lake; returns the load report.

    table: force the table of every file; period: declare the month of every file (rows of
    another month are quarantined); admdvs: the region (else settings, else inferred from
    fixmedins); replace: allow a delivery to shrink what the lake holds (ingest/guards.py).
    File-level problems are reported per file, never raised; a missing region or an invalid
    argument raises ConfigError.
    """
    settings = settings or get_settings()
    progress = progress or NoProgress()
    _check_args(table, period, admdvs)
    use_steady_pool()
    workdir = Path(settings.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    # One writer at a time; what a killed command left is finished or undone first. Files
    # made meanwhile are owner-only, and SIGTERM unwinds like Ctrl-C so scratch files go.
    notes = lake.open_workdir(workdir, write=True, wait=settings.lock_wait_seconds, what="liangjiadi ingest")
    try:
        with owner_only_umask(), terminate_as_interrupt():
            key, key_notes = lake_key(settings, workdir)
            report = _ingest(paths, settings, workdir, key, table, period, admdvs, progress, replace)
    finally:
        lake.close_workdir(workdir)
    report.notes[:0] = notes + key_notes
    return report


def _ingest(paths, settings: Settings, workdir: Path, key: bytes, table, period, admdvs,
            progress: ProgressHook, replace: bool) -> LoadReport:
    load_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    qdir = workdir / QUARANTINE_DIR / load_id
    report = LoadReport(load_id=load_id, workdir=str(workdir), started=provenance.now(),
                        quarantine_dir=str(qdir))

    files = discover([Path(p) for p in paths])
    if not files:
        raise ConfigError("没有找到可导入的文件。", "请指定 .csv、.xlsx 或 .parquet 文件，或包含它们的目录。")
    groups: dict[str, list[tuple[FileSpec, FileResult]]] = defaultdict(list)
    for f in files:
        spec = describe(f, table, period)
        res = FileResult(path=str(f), load_id=load_id, table=spec.table, format=spec.fmt,
                         declared_period=spec.period, started=provenance.now())
        report.files.append(res)
        if period and spec.period_from_name and spec.period_from_name != period:
            res.notes.append(f"文件名中的月份 {spec.period_from_name} 与 --period {period} 不同，按 --period 处理。")
        if not f.exists():
            _reject(res, InputFileError(f, "文件不存在。", code="unreadable_file"))
        elif spec.fmt is None:
            _reject(res, InputFileError(f, RULES["unsupported_format"].message + "。",
                                        "Excel 97-2003（.xls）请另存为 .xlsx。", code="unsupported_format"))
        elif spec.table is None:
            _reject(res, InputFileError(f, "无法从文件名识别数据表。",
                                        f"文件名应以表名开头（如 setl_d_2025-03.csv），或用 --table 指定；"
                                        f"表名：{'、'.join(LOAD_ORDER)}。", code="unknown_table"))
        else:
            groups[spec.table].append((spec, res))

    region, source = _initial_region(admdvs, settings)
    if region is None:
        region = _infer_region(workdir)
        source = "fixmedins" if region else None
    needs_region = [t for t in groups if not TABLES[t].admdvs_from_row]
    if region is None and needs_region and "fixmedins" not in groups:
        raise ConfigError(RULES["region_unknown"].name + "：既没有 --admdvs 与配置 region_admdvs，"
                          "数据湖和本次导入中也没有定点医药机构表。",
                          "请用 --admdvs 140400 这样的 6 位区划代码指定，或在配置中设置 region_admdvs。",
                          code="region_unknown")

    # Scratch holds raw identifiers: a private folder, removed on every exit path (and by
    # the next command's recovery after a kill -9).
    scratch = new_scratch(workdir, "ingest", load_id)
    con = None
    tokens = Tokens(key)
    stack = contextlib.ExitStack()
    try:
        spill = Path(settings.duckdb_temp_directory or scratch / "spill")
        con = local_sql(settings, scratch / "stage.duckdb", spill_dir=spill)
        stack.enter_context(interrupt_on_signal(con.interrupt))  # SIGTERM must not wait for a long statement
        for tname in LOAD_ORDER:
            if tname not in groups:
                continue
            members = groups[tname]
            if region is None and not TABLES[tname].admdvs_from_row:
                err = ConfigError(RULES["region_unknown"].message, code="region_unknown")
                for _, res in members:
                    _reject(res, err)
                continue
            try:
                _load_table(con, tname, members, region, settings, tokens, qdir, progress, scratch, replace)
            except Exception as exc:  # noqa: BLE001 - one table's failure must not stop the others
                if isinstance(exc, LjdError):
                    err = exc
                elif is_out_of_memory(exc):
                    err = out_of_memory_error(exc, f"导入 {tname} ", settings, spill)
                else:
                    err = LakeError(f"导入 {tname} 时出错：{_safe_reason(exc)}", "请保留导入报告并联系维护人员。")
                for _, res in members:
                    if res.status == "pending":
                        _reject(res, err)
            if tname == "fixmedins" and region is None:
                region = _infer_region(workdir)
                source = "fixmedins" if region else None
                if region:
                    report.notes.append(f"统筹地区区划按定点医药机构表推断为 {region}。")
    finally:
        stack.close()
        if con is not None:
            con.close()
        remove_scratch(workdir, scratch)

    report.region_admdvs, report.region_source = region, source
    report.finished = provenance.now()
    for res in report.files:
        res.finished = res.finished or report.finished
    provenance.append(workdir, report.files)
    provenance.write_report(report, qdir)
    return report


# ---- one table ---------------------------------------------------------------------------


def _load_table(con, tname, members, region, settings, tokens, qdir, progress, scratch, replace=False) -> None:
    t = TABLES[tname]
    staged: list[StagedFile] = []
    by_index: dict[int, FileResult] = {}
    budget = stage_memory_budget(settings.duckdb_memory_limit)
    try:
        # One hashing thread per table (Tokens is not shared): a file held in memory gets its
        # tokens there while the next file is parsed (_stage_file). Files held in memory are
        # read two at a time: one reader leaves a core idle while its thread runs the Python
        # between two Arrow parses (about a third of a block's time, issue 16). Files staged on
        # disk (beyond the memory budget; .xlsx, Parquet) are read one at a time: two at once
        # held both files' batches in flight (a third more peak memory) for no gain.
        targets = []
        for i, (spec, _) in enumerate(members):
            size = spec.path.stat().st_size if spec.path.exists() else 0
            in_memory = spec.fmt == "csv" and size <= budget  # a CSV's text is about its Arrow size
            budget -= size if in_memory else 0
            targets.append(None if in_memory else scratch / f"stage_{tname}_{i}.parquet")
        at_once = READERS if all(target is None for target in targets) else 1
        cancel = threading.Event()
        with ThreadPoolExecutor(max_workers=1) as hasher, ThreadPoolExecutor(max_workers=at_once) as reading:
            try:
                jobs = [(i, res, reading.submit(_stage_file, spec, res, targets[i], i, t, progress, tokens,
                                                hasher, cancel))
                        for i, (spec, res) in enumerate(members)]
                for i, res, job in jobs:
                    stage = job.result()
                    if stage is not None:
                        staged.append(stage)
                        by_index[i] = res
            except BaseException:
                # Ctrl-C, SIGTERM: the other reader stops at its next block; files not yet
                # started and tokens not yet hashed are dropped, not waited for.
                cancel.set()
                reading.shutdown(wait=False, cancel_futures=True)
                hasher.shutdown(wait=False, cancel_futures=True)
                raise
            for stage in staged:
                if stage.table is not None:
                    stage.table = stage.table.result()  # the staged rows with their tokens
                    stage.relation = f"stage_{tname}_{stage.index}"
                    con.register(stage.relation, stage.table)
        if staged:
            _check_and_write(con, t, staged, by_index, region, settings, qdir, progress, scratch, replace)
    finally:
        for s in staged:
            if s.relation:
                con.unregister(s.relation)
            s.table = None


def stage_memory_budget(memory_limit: str) -> int:
    """Bytes of a table's CSV files staged in memory (Arrow tables DuckDB scans in place)
    rather than in scratch Parquet files: a quarter of duckdb_memory_limit. Writing the
    staging file and decoding it twice cost about a quarter of ingest's CPU (issue 16); a
    delivery beyond the budget (a city-year under 2 GB) is staged on disk as before."""
    return memory_bytes(memory_limit) // STAGE_MEMORY_SHARE


STAGE_MEMORY_SHARE = 4
READERS = 2  # files of a table read at the same time, when all are staged in memory


class _Cancelled(BaseException):
    """Raised in a reader thread when the load is being interrupted (not a file's error)."""


def _check_and_write(con, t, staged: list[StagedFile], by_index: dict[int, FileResult], region, settings,
                     qdir, progress, scratch, replace) -> None:
    tname = t.name
    plan = TablePlan(table=t, files=staged, region=region, workdir=Path(settings.workdir),
                     counties=settings.own_admdvs(region)[1:],
                     extra_codes=settings.extra_codes,
                     plausibility=Plausibility.from_settings(settings),
                     key_passes=key_passes(sum(s.rows for s in staged), settings.duckdb_memory_limit))
    key = f"validate:{tname}"
    progress.start(key, f"校验 {tname}（{t.cn}）", 3)
    for stmt in plan.setup_sql():
        con.execute(stmt)
    progress.advance(key)
    parts = con.execute("SELECT _file, _admdvs, _period, count(*) FROM good GROUP BY ALL ORDER BY ALL").fetchall()
    for idx, n in con.execute("SELECT _file, count(*) FROM bad GROUP BY 1").fetchall():
        by_index[idx].rows_quarantined = n
    for idx, _, _, n in parts:
        by_index[idx].rows_accepted += n
    for res in by_index.values():
        res.rows_read = res.rows_accepted + res.rows_quarantined
    if any(res.rows_quarantined for res in by_index.values()):  # the failure list is only for bad rows
        con.execute(f"CREATE OR REPLACE TABLE q_fail AS {plan.failures_sql()}")
        for idx, rule, n in con.execute(
                "SELECT _file, _f.rule, count(DISTINCT _line) FROM q_fail GROUP BY ALL ORDER BY ALL").fetchall():
            by_index[idx].rule_counts[rule] = n
    progress.advance(key, 2)
    progress.done(key)

    refused = guards.refuse(con, plan, parts, by_index, settings, replace)
    targets = sorted({(a, p) for _, a, p, _ in parts} - set(refused))
    wkey = f"write:{tname}"
    progress.start(wkey, f"写入 {tname} 分区", len(targets))
    installed: set[tuple[str, str]] = set()
    try:
        for admdvs, period in targets:
            files = [idx for idx, a, p, _ in parts if (a, p) == (admdvs, period)]
            rows = sum(n for _, a, p, n in parts if (a, p) == (admdvs, period))
            write_partition(con, plan, admdvs, period, files, scratch, rows)
            installed.add((admdvs, period))
            progress.advance(wkey)
    except BaseException:
        _count_installed_only(parts, by_index, installed)
        raise
    progress.done(wkey)
    for idx, a, p, _ in parts:
        by_index[idx].partitions.append(f"{a}/{p}")
        if p not in by_index[idx].periods:
            by_index[idx].periods.append(p)

    used: set[str] = set()
    targets: dict[int, Path] = {}
    for s in staged:
        res = by_index[s.index]
        if res.rows_quarantined:
            stem = safe_file_name(Path(res.path).stem)
            name, n = f"{stem}.csv", 1
            while name in used:
                n += 1
                name = f"{stem}-{n}.csv"
            used.add(name)
            targets[s.index] = qdir / name
            res.quarantine_file = str(qdir / name)
    if targets:
        qsql = quarantine_sql(plan, {i: (by_index[i].path, Path(by_index[i].path).name) for i in targets})
        write_quarantines(con, qsql, targets)
    for s in staged:
        res = by_index[s.index]
        res.settle_status()
        res.notes.extend(plan.notes)
        res.finished = provenance.now()
    guards.mark_refused(plan, parts, by_index, refused)
    con.execute("DROP VIEW IF EXISTS chk; DROP TABLE IF EXISTS q_fail; DROP TABLE IF EXISTS bad; DROP VIEW IF EXISTS good; "
                "DROP TABLE IF EXISTS dr; DROP TABLE IF EXISTS dh; DROP TABLE IF EXISTS lk; DROP TABLE IF EXISTS fx")
    for s in staged:
        if s.stage:
            Path(s.stage).unlink(missing_ok=True)


def _count_installed_only(parts, by_index: dict[int, FileResult], installed: set[tuple[str, str]]) -> None:
    """A write that stopped part-way (e.g. DuckDB out of spill space): the report counts only
    the rows of the partitions already swapped in, which are in the lake; the rest are not, and
    no quarantine file was written yet."""
    for res in by_index.values():
        res.rows_accepted, res.rows_quarantined, res.rule_counts = 0, 0, {}
    for idx, a, p, n in parts:
        if (a, p) in installed:
            by_index[idx].rows_accepted += n
            by_index[idx].partitions.append(f"{a}/{p}")
    for res in by_index.values():
        res.rows_read = res.rows_accepted


def _stage_file(spec: FileSpec, res: FileResult, target: Path | None, index: int, t,
                progress, tokens: Tokens, hasher: ThreadPoolExecutor,
                cancel: threading.Event | None = None) -> StagedFile | None:
    """Read one file into all-string batches of raw text + _line, plus the tokens of its
    pseudonymised columns: held in memory as one Arrow table (target None; `table` is then
    the future of the table with its tokens, computed on `hasher`), or streamed into a
    scratch Parquet file (cheap to scan twice), the tokens hashed batch by batch.

    In memory the tokens are made once for the whole file: each person is looked up once per
    file, not once per 16 MiB batch (about half the lookups for a month of settlements).

    No column statistics: DuckDB would otherwise learn "no nulls in this file" and write
    lake columns as NOT NULL, making the lake schema depend on the data.
    """
    path = spec.path
    key = f"read:{path}"
    try:
        res.size = path.stat().st_size if path.exists() else None
        # The fingerprint is computed alongside the parse (hashlib releases the GIL). A CSV file
        # is hashed from the blocks the parser reads, in order on `pool`'s one thread: read
        # once, not twice (on a city-year not in the page cache, a second pass over the disk).
        streamed = spec.fmt == "csv"
        sha = hashlib.sha256()
        with ThreadPoolExecutor(max_workers=1) as pool:
            def advance(n: int) -> None:
                if cancel is not None and cancel.is_set():
                    raise _Cancelled
                progress.advance(key, n)

            reader = SourceReader(path, spec.fmt, t, on_progress=advance,
                                  on_bytes=(lambda b: pool.submit(sha.update, b)) if streamed else None)
            plan = reader.open()
            digest = None if streamed else pool.submit(provenance.sha256_of, path)
            progress.start(key, f"读取 {path.name}", reader.total)
            secret = [c for c in plan.columns if t.column(c).pseudonymise]
            schema = batch_schema(plan)
            staged_schema = pa.schema(list(schema) + [pa.field(token_column(c), pa.string()) for c in secret])
            if target is None:
                raw = pa.Table.from_batches(list(reader.batches()), schema=schema)
                table, rows = hasher.submit(_with_tokens, raw, secret, tokens), raw.num_rows
            else:
                batches = _tokens_alongside(reader.batches(), secret, tokens, hasher)
                table, rows = None, _write_stage(batches, target, staged_schema)
            res.sha256 = pool.submit(sha.hexdigest).result() if streamed else digest.result()
        res.encoding = reader.encoding
        progress.done(key)
    except InputFileError as exc:
        _reject(res, exc)
        progress.done(key)
        return None
    except Exception as exc:  # noqa: BLE001 - a broken file must not stop the others
        _reject(res, InputFileError(path, f"无法读取：{_safe_reason(exc)}", code="unreadable_file"))
        progress.done(key)
        return None
    res.blank_rows = reader.blank_rows
    res.continuation_lines = reader.continuation_lines
    if reader.multiline_columns:
        res.notes.append(f"{reader.continuation_lines} 行是上一行的续行：列 {'、'.join(sorted(reader.multiline_columns))} "
                         f"的带引号的值含换行（按一条记录读取）。")
    if plan.personal:
        res.dropped_personal_columns = list(plan.personal)
        res.notes.append(f"已删除 {len(plan.personal)} 个个人信息列：{'、'.join(plan.personal)}（未读取其值）。")
    if plan.ignored:
        res.ignored_columns = list(plan.ignored)
        res.notes.append(f"忽略 {len(plan.ignored)} 个契约外的列：{'、'.join(plan.ignored)}。")
    if plan.duplicated:
        res.notes.append(f"以下列与前面的列对应同一契约列，已忽略：{'、'.join(plan.duplicated)}。")
    if reader.blank_rows:
        res.notes.append(f"跳过 {reader.blank_rows} 个空行。")
    return StagedFile(index=index, stage=None if target is None else str(target), columns=plan.columns,
                      name=path.name, declared_period=spec.period, rows=rows, table=table)


# ---- helpers -----------------------------------------------------------------------------


def _with_tokens(data, columns: list[str], tokens: Tokens):
    """A batch or table with the tokens of `columns` appended (token_column names them)."""
    for c in columns:
        data = data.append_column(pa.field(token_column(c), pa.string()), tokens.of(data.column(c)))
    return data


def _tokens_alongside(batches, columns: list[str], tokens: Tokens, hasher: ThreadPoolExecutor):
    """The batches with their tokens (_with_tokens), hashed on `hasher` (the table's one
    thread) while the next block is parsed: the hashing is Python and holds the GIL, the
    parser does not, so the two overlap (issue 16: wall time). Tokens remembers each value,
    so a person is hashed once per load although a month comes in several batches."""
    if not columns:
        yield from batches
        return
    pending = None
    for batch in batches:
        ahead = hasher.submit(_with_tokens, batch, columns, tokens)
        if pending is not None:
            yield pending.result()
        pending = ahead
    if pending is not None:
        yield pending.result()


def _write_stage(batches, target: Path, schema) -> int:
    """Write batches to the staging Parquet file on a second thread, so that parsing the
    next block and encoding the previous one overlap (both release the GIL)."""
    q: queue.Queue = queue.Queue(maxsize=3)
    failure: list[BaseException] = []
    rows = 0

    private_file(target)  # raw identifiers: owner-only from the first byte

    def drain() -> None:
        try:
            with pq.ParquetWriter(target, schema, compression="lz4", use_dictionary=False,
                                  write_statistics=False) as writer:
                while (batch := q.get()) is not None:
                    writer.write_batch(batch)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            failure.append(exc)
            while q.get() is not None:  # keep the producer from blocking
                pass

    worker = threading.Thread(target=drain, daemon=True)
    worker.start()
    try:
        for batch in batches:
            if failure:
                break
            q.put(batch)
            rows += batch.num_rows
    finally:
        q.put(None)
        worker.join()
    if failure:
        raise failure[0]
    return rows


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _safe_reason(exc: Exception) -> str:
    """A Chinese reason for an unexpected error. A library's English text is not shown: it may
    quote the row it choked on (personal data) and means nothing to a data officer; the error
    type names it for the maintainers."""
    text = str(exc)
    low = text.lower()
    if "parse error" in low or ("csv" in low and "row" in low):
        return "解析失败（可能是引号不成对、分隔符或编码不一致）"
    if _CJK.search(text):
        return text[:300]
    return f"内部错误（{type(exc).__name__}）"


def _reject(res: FileResult, exc: LjdError) -> None:
    res.status = "rejected"
    res.error_code = exc.code
    res.error = exc.message + (f"（{exc.hint}）" if exc.hint else "")
    res.finished = provenance.now()


def _check_args(table, period, admdvs) -> None:
    if table is not None and table not in TABLES:
        raise ConfigError(f"未知的数据表：{table}", f"可用的表：{'、'.join(LOAD_ORDER)}")
    if period is not None and not PERIOD_RE.match(period):
        raise ConfigError(f"期间 {period} 格式不正确，应为 YYYY-MM（如 2025-03）。", code="bad_period")
    if admdvs is not None and not ADMDVS_RE.match(admdvs):
        raise ConfigError(f"区划代码 {admdvs} 不是 6 位数字。", code="bad_admdvs")


def _initial_region(admdvs, settings) -> tuple[str | None, str | None]:
    if admdvs:
        return admdvs, "argument"
    if settings.region_admdvs:
        if not ADMDVS_RE.match(settings.region_admdvs):
            raise ConfigError(f"配置 region_admdvs={settings.region_admdvs} 不是 6 位数字。")
        return settings.region_admdvs, "settings"
    return None, None


def _infer_region(workdir: Path) -> str | None:
    """The most common admdvs of the medical institutions (fixmedins_type 1) in the lake."""
    if not lake.has_data(workdir, "fixmedins"):
        return None
    glob = lit(lake.table_glob(workdir, "fixmedins"))
    con = local_sql()
    try:
        row = con.execute(
            f"SELECT admdvs FROM read_parquet({glob}, union_by_name=true) WHERE fixmedins_type = '1' "
            f"GROUP BY admdvs ORDER BY count(*) DESC, admdvs LIMIT 1").fetchone()
    finally:
        con.close()
    return row[0] if row else None
