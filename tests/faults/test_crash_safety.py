"""Issue 8, attack 2 (kill -9 during partition writes) and attack 10 (parallel commands).

Each test reproduces what the old code did wrong: `.tmp-`/`.old-` folders inside the lake that
DuckDB's glob reads (a month counted twice, or gone), world-readable staging files with raw
person numbers that outlive the run, no lock between writers, tracebacks from two commands
run at once.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liangjiadi import lake, workdir as wd
from liangjiadi.cli.main import app
from liangjiadi.config import reset_settings_cache
from liangjiadi.ingest import ingest_paths

from . import crash_keys_helpers as h


@pytest.fixture
def base(tmp_path):
    """(workdir with the old 2025-03, the re-delivery folder)."""
    return h.make_base(tmp_path)


def _cli(args, **env):
    reset_settings_cache()  # settings are cached per process; these tests change the environment
    try:
        return CliRunner().invoke(app, args, env={"COLUMNS": "200", "LJD_PSEUDONYM_KEY": h.KEY, **env})
    finally:
        reset_settings_cache()


def _partition(workdir, period="2025-03") -> Path:
    return lake.table_dir(workdir, "setl_d") / h.REGION / period


# ---- leftovers of the old writer: .tmp-/.old- folders inside the lake ------------------------


def test_a_tmp_copy_left_in_the_lake_is_removed_not_counted_twice(base, tmp_path):
    workdir, _ = base
    part = _partition(workdir)
    shutil.copytree(part, part.parent / ".tmp-2025-03-1a2b3c4d")  # what kill -9 left before
    # a later command (here: a small ingest of the institutions) must see the month once
    rep = ingest_paths([h.write_fixmedins(tmp_path / "again" / "fixmedins.csv")], h.settings(workdir))
    assert h.month_rows(workdir)["2025-03"] == (h.OLD_ROWS, h.OLD_ROWS)
    assert not list(part.parent.glob(".*"))
    assert any("已回滚" in n and "2025-03" in n for n in rep.notes)


def test_a_month_moved_to_old_is_restored(base):
    workdir, _ = base
    part = _partition(workdir)
    part.rename(part.parent / ".old-2025-03-5e6f7a8b")  # killed between the two renames
    result = _cli(["key", "show-fingerprint", "-w", str(workdir)])
    assert result.exit_code == 0, result.output
    assert "恢复原有数据" in result.output and "回滚" in result.output
    assert h.month_rows(workdir)["2025-03"] == (h.OLD_ROWS, h.OLD_ROWS)
    assert not list(part.parent.glob(".*"))


# ---- the journalled swap: a crash at any point is exactly old or new --------------------------


class Crash(BaseException):
    """Stands for kill -9: nothing after it runs (BaseException passes every except Exception)."""


def _new_rows(n=7):
    return [{"setl_id": f"N{i}", "psn_no": "a" * 32, "setl_time": "2025-03-02 10:00:00", "fixmedins_code": "H001",
             "medfee_sumamt": "1.00"} for i in range(n)]


def _crash_in_fill(monkeypatch):
    data = lake.rows_to_arrow("setl_d", _new_rows(), h.REGION)

    def batches():
        yield data.to_batches()[0]
        raise Crash()
    return lambda workdir: lake.replace_partition(workdir, "setl_d", h.REGION, "2025-03", batches())


def _crash_at(monkeypatch, point):
    real_exchange, real_rename = lake._exchange, os.rename
    if point == "before_swap":
        monkeypatch.setattr(lake, "_exchange", lambda a, b: (_ for _ in ()).throw(Crash()))
    elif point == "after_exchange":
        def exchange(a, b):
            real_exchange(a, b)
            raise Crash()
        monkeypatch.setattr(lake, "_exchange", exchange)
    elif point == "between_renames":  # systems without RENAME_EXCHANGE
        monkeypatch.setattr(lake, "_exchange", lambda a, b: False)
        calls = []

        def rename(a, b):
            real_rename(a, b)
            calls.append(a)
            if len(calls) == 1:
                raise Crash()
        monkeypatch.setattr(lake.os, "rename", rename)
    return lambda workdir: lake.write_rows(workdir, "setl_d", _new_rows(), h.REGION)


@pytest.mark.parametrize("point,expect", [("in_fill", "old"), ("before_swap", "new"),
                                          ("after_exchange", "new"), ("between_renames", "new")])
def test_a_crash_at_any_point_of_a_swap_recovers_to_old_or_new(base, monkeypatch, point, expect):
    workdir, _ = base
    write = _crash_in_fill(monkeypatch) if point == "in_fill" else _crash_at(monkeypatch, point)
    with pytest.raises(Crash):
        write(workdir)
    monkeypatch.undo()
    before = h.month_rows(workdir).get("2025-03", (0, 0))[0]
    if point != "between_renames":  # an atomic exchange: readers never see a gap
        assert before in (h.OLD_ROWS, 7)
    assert h.leftovers(workdir)  # the crash left something for recovery
    messages = lake.open_workdir(workdir, write=True, wait=1)
    lake.close_workdir(workdir)
    rows = h.month_rows(workdir)["2025-03"]
    assert rows == ((h.OLD_ROWS,) * 2 if expect == "old" else (7, 7))
    assert not h.leftovers(workdir)
    word = "回滚" if expect == "old" else "前滚"
    assert any(word in m for m in messages), messages


def test_partition_staging_is_outside_the_lake_read_path(base, monkeypatch):
    workdir, _ = base
    seen = []
    real = lake._complete_swap

    def spy(w, entry):
        seen.append(sorted(str(p.relative_to(workdir)) for p in (workdir / "lake").rglob("*")))
        return real(w, entry)
    monkeypatch.setattr(lake, "_complete_swap", spy)
    lake.write_rows(workdir, "setl_d", _new_rows(), h.REGION)
    assert seen and not any("/." in p or p.startswith(".") for p in seen[0])


# ---- staging files with raw identifiers -------------------------------------------------------


class _Inspect:
    """A progress hook that looks at the scratch folder while ingest validates."""

    def __init__(self, workdir, raise_at=None):
        self.workdir, self.raise_at, self.modes = workdir, raise_at, {}

    def start(self, key, description, total=None):
        if key.startswith("validate:") and not self.modes:
            for p in (self.workdir / "tmp").rglob("*"):
                self.modes[p.name] = stat.S_IMODE(p.stat().st_mode)
            for p in (self.workdir / "tmp").iterdir():
                self.modes["<scratch>"] = stat.S_IMODE(p.stat().st_mode)
        if self.raise_at and key.startswith(self.raise_at):
            raise KeyboardInterrupt

    def advance(self, key, amount=1):
        pass

    def done(self, key):
        pass


@pytest.mark.parametrize("on_disk", [True, False])
def test_staging_files_are_owner_only_and_removed(base, monkeypatch, on_disk):
    """Staged on disk (a delivery beyond the in-memory budget) the raw rows are an owner-only
    file; staged in memory (issue 16) no staging file holds them at all."""
    from liangjiadi.ingest import api

    if on_disk:
        monkeypatch.setattr(api, "STAGE_MEMORY_SHARE", 10**15)  # a budget of 0 bytes
    workdir, delivery = base
    hook = _Inspect(workdir)
    ingest_paths([delivery], h.settings(workdir), progress=hook)
    stage = {k: v for k, v in hook.modes.items() if k.startswith("stage")}
    assert ("stage_setl_d_0.parquet" in stage) == on_disk and "stage.duckdb" in stage
    assert all(mode == 0o600 for mode in stage.values()), {k: oct(v) for k, v in stage.items()}
    assert hook.modes["<scratch>"] == 0o700
    assert not (workdir / "tmp").exists()
    assert not h.raw_identifier_files(workdir)


def test_staging_removed_on_keyboard_interrupt_and_lock_released(base):
    workdir, delivery = base
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([delivery], h.settings(workdir), progress=_Inspect(workdir, raise_at="write:"))
    assert not (workdir / "tmp").exists()
    assert not h.raw_identifier_files(workdir)
    assert h.verdict(workdir) == []
    assert not wd._holds  # the lock is released
    ingest_paths([delivery], h.settings(workdir, lock_wait_seconds=0))  # a next writer gets it


def test_staging_removed_on_sigterm(base):
    workdir, delivery = base
    assert h.kill_ingest(workdir, delivery, 0.1, sig=signal.SIGTERM, pause_in_checks=True) == "killed"
    assert not h.raw_identifier_files(workdir), "SIGTERM left raw identifiers behind"
    assert h.verdict(workdir) == []


def test_sigterm_stops_a_long_duckdb_statement_at_once(base):
    """Python runs the SIGTERM handler only between bytecodes: without interrupting DuckDB,
    a statement of minutes (a city-year's checks) kept `kill` waiting until it finished."""
    workdir, delivery = base
    t0 = time.monotonic()
    assert h.kill_ingest(workdir, delivery, 0.5, sig=signal.SIGTERM, pause_in_checks=True,
                         long_statement=True) == "killed"
    assert time.monotonic() - t0 < 30
    assert not h.raw_identifier_files(workdir), "SIGTERM left raw identifiers behind"
    assert h.verdict(workdir) == []
    assert h.month_rows(workdir)["2025-03"] == (h.OLD_ROWS, h.OLD_ROWS)  # the old month stands


def test_scratch_left_by_kill_9_is_removed_by_the_next_command(base):
    workdir, _ = base
    stale = workdir / "tmp" / "ingest-20250101T000000Z-dead00"
    stale.mkdir(parents=True)
    (stale / "stage_setl_d_0.parquet").write_bytes(h.raw_psn(1).encode() * 10)
    result = _cli(["export", "results", "-p", "2025-03", "-o", str(workdir.parent / "r.csv"), "-w", str(workdir)])
    assert "Traceback" not in result.output
    assert "暂存目录" in result.output and not (workdir / "tmp").exists()


# ---- the writer lock -------------------------------------------------------------------------

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from liangjiadi import workdir
    workdir.acquire(Path(sys.argv[1]), True, 0, what="liangjiadi ingest （测试占用）")
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
""")


def _hold_lock(workdir, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(workdir), str(seconds)], stdout=subprocess.PIPE,
                            text=True, env=h.child_env())
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_is_refused_in_chinese(base, tmp_path):
    workdir, delivery = base
    holder = _hold_lock(workdir, 30)
    try:
        result = _cli(["ingest", str(delivery), "-w", str(workdir)], LJD_LOCK_WAIT_SECONDS="0.3")
        assert result.exit_code == 2, result.output
        assert "正被" in result.output and f"进程 {holder.pid}" in result.output and "Traceback" not in result.output
        assert "workdir_busy" in result.output
        with pytest.raises(Exception, match="正被"):
            ingest_paths([delivery], h.settings(workdir, lock_wait_seconds=0.2))
    finally:
        holder.kill()
        holder.wait()
    assert h.month_rows(workdir)["2025-03"] == (h.OLD_ROWS, h.OLD_ROWS)  # nothing was written


def test_a_second_writer_waits_for_the_first(base):
    workdir, delivery = base
    holder = _hold_lock(workdir, 1.0)
    t0 = time.monotonic()
    rep = ingest_paths([delivery], h.settings(workdir, lock_wait_seconds=30))
    holder.wait()
    assert time.monotonic() - t0 >= 0.5
    assert all(f.status == "ok" for f in rep.files)


def test_parallel_compute_and_export_print_no_traceback(tmp_path):
    from ..indicators import golden

    work = golden.build(tmp_path / "w")
    env = {**h.child_env(), "LJD_REGION_ADMDVS": golden.R, "COLUMNS": "200", "LJD_LOCK_WAIT_SECONDS": "120"}
    first = subprocess.run([sys.executable, "-m", "liangjiadi.cli.main", "compute", "-p", golden.P, "-w", str(work)],
                           capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    cmds = [["compute", "-p", golden.P, "-w", str(work)]] * 2 + [
        ["export", "worksheet", "-p", golden.P, "-w", str(work), "--out", str(tmp_path / "out" / "ws.xlsx")]] * 2
    procs = [subprocess.Popen([sys.executable, "-m", "liangjiadi.cli.main", *c], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for c in cmds]
    for p, c in zip(procs, cmds):
        out, err = p.communicate(timeout=600)
        assert "Traceback" not in err and "Error" not in err, (c, err[-2000:])
        assert p.returncode == 0, (c, err[-2000:])


# ---- kill -9 at random moments ---------------------------------------------------------------


def test_ingest_killed_at_random_moments_leaves_old_or_new(base, tmp_path):
    workdir, delivery = base
    pristine = tmp_path / "pristine"
    shutil.copytree(workdir, pristine)
    rng = random.Random(int(os.environ.get("LJD_KILL_SEED", "8")))
    outcomes = []
    # one random moment in each of three windows: early (reading), middle, late (writing)
    for run, (lo, hi) in enumerate([(0.05, 0.5), (0.5, 2.0), (2.0, 4.0)]):
        shutil.rmtree(workdir)
        shutil.copytree(pristine, workdir)
        delay = rng.uniform(lo, hi)
        outcomes.append(h.kill_ingest(workdir, delivery, delay))
        assert h.verdict(workdir) == [], (run, delay)  # even before any recovery
        result = _cli(["key", "show-fingerprint", "-w", str(workdir)])  # any later command
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
        assert h.verdict(workdir) == [], (run, delay)
        assert not h.leftovers(workdir), (run, delay)
        assert not h.raw_identifier_files(workdir), (run, delay)
    assert "killed" in outcomes
