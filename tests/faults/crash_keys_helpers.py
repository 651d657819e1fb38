"""Helpers for the crash-safety and key-integrity fault tests (and bench/bench_kill.py).

A tiny region: the institutions, a month of settlements already in the lake ("old"), and a
re-delivery of that month plus a new month ("new"). An ingest of the re-delivery runs in a
child process that is killed with SIGKILL; `inspect` then says what a reader sees.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

KEY = "crash-keys-test-pseudonym-key-0123456789"  # >= 32 bytes
REGION = "140400"
SETL_COLS = ["setl_id", "mdtrt_id", "psn_no", "certno", "psn_name", "insutype", "med_type",
             "fixmedins_code", "fix_blng_admdvs", "insu_admdvs", "begndate", "enddate", "setl_time",
             "medfee_sumamt", "fulamt_ownpay_amt", "inscp_scp_amt", "hifp_pay", "fund_pay_sumamt",
             "psn_part_amt", "refd_setl_flag"]
FIX_COLS = ["fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs"]
OLD_ROWS = 500  # 2025-03 as first delivered
NEW_ROWS = {"2025-03": 40_000, "2025-04": 20_000}  # the re-delivery and a new month
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def raw_psn(i: int) -> str:
    return f"RAWPSN{i % 9973:06d}"


def setl_rows(period: str, n: int, tag: str):
    for i in range(n):
        day = 1 + i % 28
        yield [f"{tag}{period}-{i:06d}", f"M{tag}{i:06d}", raw_psn(i), f"1101011990010{i % 100000:05d}",
               f"患者{i}", "310", "21", "H001", REGION, REGION, f"{period}-{day:02d}", f"{period}-{day:02d}",
               f"{period}-{day:02d} 10:20:30", "1000.25", "10.00", "900.10", "600.5", "650", "300.05", "0"]


def write_setl(path: Path, period: str, n: int, tag: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SETL_COLS)
        w.writerows(setl_rows(period, n, tag))
    return path


def write_fixmedins(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FIX_COLS)
        w.writerow(["H001", "第一人民医院", "1", "02", REGION])
        w.writerow(["P001", "大药房", "2", "", REGION])
    return path


def settings(workdir: Path, **kw):
    from liangjiadi.config import Settings

    base = dict(workdir=workdir, pseudonym_key=KEY, region_admdvs=REGION, duckdb_memory_limit="1GB",
                pseudonym_key_file=workdir.parent / "unused.key", lock_wait_seconds=20)
    base.update(kw)
    return Settings(**base)


def make_base(root: Path) -> tuple[Path, Path]:
    """A workdir holding the old 2025-03, and the folder of the re-delivery."""
    from liangjiadi.ingest import ingest_paths

    workdir = root / "work"
    first = root / "first"
    write_fixmedins(first / "fixmedins.csv")
    write_setl(first / "setl_d_2025-03.csv", "2025-03", OLD_ROWS, "S")
    rep = ingest_paths([first], settings(workdir))
    assert all(f.status == "ok" for f in rep.files), [(f.path, f.status, f.error) for f in rep.files]
    delivery = root / "delivery"
    for period, n in NEW_ROWS.items():
        write_setl(delivery / f"setl_d_{period}.csv", period, n, "S")
    return workdir, delivery


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {helpers!r})
    import crash_keys_helpers as h
    from liangjiadi.ingest import api, ingest_paths
    if {pause_in_checks!r}:
        real = api._check_and_write
        def paused(con, *a, **kw):
            print("staged", flush=True)  # staging holds the raw rows now; wait for the signal
            if {long_statement!r}:  # minutes inside DuckDB, where Python cannot run a handler
                con.execute("SELECT count(*) FROM range(400000000000) r WHERE r.range % 7 = 3").fetchall()
            time.sleep(60)
            return real(con, *a, **kw)
        api._check_and_write = paused
    print("ready", flush=True)
    ingest_paths([Path({delivery!r})], h.settings(Path({workdir!r})))
    print("done", flush=True)
""")


def child_env() -> dict:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def kill_ingest(workdir: Path, delivery: Path, delay: float, sig: int = signal.SIGKILL,
                pause_in_checks: bool = False, long_statement: bool = False) -> str:
    """Start the re-delivery's ingest in a child, send `sig` `delay` seconds after it is
    ready; returns "killed" or "finished" (when it ended first). With `pause_in_checks` the
    child holds still once its first table is staged, and `delay` counts from then: a fast
    machine cannot finish before the signal (CI once did with a bare 0.8 s); with
    `long_statement` it holds still inside a DuckDB statement of many minutes instead."""
    code = CHILD.format(helpers=str(Path(__file__).resolve().parent), delivery=str(delivery),
                        workdir=str(workdir), pause_in_checks=pause_in_checks,
                        long_statement=long_statement)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=child_env())
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read()
    if pause_in_checks:
        line = proc.stdout.readline()
        assert line.strip() == "staged", proc.stderr.read()
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"the child did not stop within 60 s of signal {sig}") from None
        return "killed"
    proc.wait()
    return "finished"


def month_rows(workdir: Path) -> dict[str, tuple[int, int]]:
    """(rows, distinct setl_id) per month of setl_d, read the way every reader reads the lake."""
    from liangjiadi import lake

    if not lake.has_data(workdir, "setl_d"):
        return {}
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT period, count(*), count(DISTINCT setl_id) FROM read_parquet('{lake.table_glob(workdir, 'setl_d')}')"
            " GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    return {p: (n, d) for p, n, d in rows}


def lake_psn_tokens_ok(workdir: Path) -> bool:
    from liangjiadi import lake

    con = duckdb.connect()
    try:
        bad = con.execute(f"SELECT count(*) FROM read_parquet('{lake.table_glob(workdir, 'setl_d')}') "
                          "WHERE NOT regexp_full_match(psn_no, '[0-9a-f]{32}')").fetchone()[0]
    finally:
        con.close()
    return bad == 0


def raw_identifier_files(workdir: Path) -> list[str]:
    """Files outside the lake's Parquet that hold a raw person number (or are staging files)."""
    needles = [raw_psn(i).encode() for i in (0, 1, 2, 17, 4242)]
    found = []
    for p in workdir.rglob("*"):
        if not p.is_file():
            continue
        rel = p.relative_to(workdir)
        if p.name.startswith("stage_") or rel.parts[0] == "tmp":
            found.append(str(rel))
            continue
        if rel.parts[0] == "lake" and p.suffix == ".parquet":
            continue
        data = p.read_bytes()
        if any(n in data for n in needles):
            found.append(str(rel))
    return found


def verdict(workdir: Path) -> list[str]:
    """What is wrong with what a reader sees now (empty list: old or new, never both or neither)."""
    problems = []
    months = month_rows(workdir)
    mar = months.get("2025-03", (0, 0))
    if mar[0] not in (OLD_ROWS, NEW_ROWS["2025-03"]) or mar[0] != mar[1]:
        problems.append(f"2025-03 有 {mar[0]} 行（{mar[1]} 个不同结算ID），应为 {OLD_ROWS} 或 {NEW_ROWS['2025-03']}")
    apr = months.get("2025-04", (0, 0))
    if apr[0] not in (0, NEW_ROWS["2025-04"]) or apr[0] != apr[1]:
        problems.append(f"2025-04 有 {apr[0]} 行（{apr[1]} 个不同结算ID），应为 0 或 {NEW_ROWS['2025-04']}")
    if not lake_psn_tokens_ok(workdir):
        problems.append("数据湖中有未假名化的人员编号")
    return problems


def leftovers(workdir: Path) -> list[str]:
    """Anything a killed writer may leave: staging, journals, scratch, hidden partition dirs."""
    out = [str(p.relative_to(workdir)) for p in (workdir / ".ljd" / "swap").glob("*")]
    out += [str(p.relative_to(workdir)) for p in (workdir / "lake").glob("*/*/.*")]
    out += [str(p.relative_to(workdir)) for p in (workdir / "tmp").glob("*")]
    return out
