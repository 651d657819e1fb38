"""The work directory's own state: the writer lock and private scratch folders.

One command at a time may change a work directory: writers hold an exclusive `fcntl` lock on
`.ljd/lock`, readers a shared one, so a reader never sees a writer's half-done step and two
writers never interleave. The kernel drops the lock when a process dies (even by kill -9), so
a crash never leaves the work directory locked. The lock is reentrant within one process (the
CLI takes it for the command, `ingest_paths` takes it again for itself).

Scratch folders (`tmp/<kind>-<id>/`) may hold raw identifiers, so they are created readable by
the owner only; whatever a killed process left there is removed by the next command.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import LakeError

STATE_DIR = ".ljd"
SCRATCH_DIR = "tmp"
# Scratch kinds whose leftovers hold raw identifiers and are removed by recovery.
SCRATCH_KINDS = ("ingest",)
_POLL = 0.1


def state_dir(workdir: Path) -> Path:
    return Path(workdir) / STATE_DIR


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as a folder only its owner can enter."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file only its owner can read, before anything is written to it:
    a writer that truncates an existing file keeps its mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


@contextlib.contextmanager
def owner_only_umask():
    """Files created meanwhile (DuckDB's database and spill files) are owner-only."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def new_scratch(workdir: Path, kind: str, label: str) -> Path:
    """A fresh private scratch folder `tmp/<kind>-<label>/`."""
    root = Path(workdir) / SCRATCH_DIR
    root.mkdir(parents=True, exist_ok=True)
    return private_dir(root / f"{kind}-{label}")


def stale_scratch(workdir: Path) -> list[Path]:
    root = Path(workdir) / SCRATCH_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.name.split("-", 1)[0] in SCRATCH_KINDS)


def remove_scratch(workdir: Path, scratch: Path) -> None:
    shutil.rmtree(scratch, ignore_errors=True)
    with contextlib.suppress(OSError):
        (Path(workdir) / SCRATCH_DIR).rmdir()  # only if empty


def clean_stale_scratch(workdir: Path) -> list[str]:
    """Remove scratch folders left by killed commands. Call only under the exclusive lock
    (then no live command owns one)."""
    stale = stale_scratch(workdir)
    for p in stale:
        remove_scratch(workdir, p)
    if not stale:
        return []
    return [f"已删除上次中断的命令留下的暂存目录 {len(stale)} 个（{'、'.join(p.name for p in stale)}；"
            f"其中可能有原始人员编号）。"]


# ---- the lock ----------------------------------------------------------------------------


@dataclass
class _Hold:
    fd: int
    exclusive: bool
    count: int = 1


_holds: dict[str, _Hold] = {}
_holds_guard = threading.Lock()


def _key(workdir: Path) -> str:
    return str(Path(workdir).resolve())


def _owner_path(workdir: Path) -> Path:
    return state_dir(workdir) / "lock.owner"


def _owner_text(workdir: Path) -> str:
    try:
        info = json.loads(_owner_path(workdir).read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return "另一个命令"
    return f"“{info.get('what') or '另一个命令'}”（进程 {info['pid']}，{info.get('since', '')} 开始）"


def _flock(fd: int, exclusive: bool, wait: float) -> bool:
    op = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        try:
            fcntl.flock(fd, op)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL)


def acquire(workdir: Path, exclusive: bool, wait: float, what: str = "") -> bool:
    """Take the work directory's lock, waiting up to `wait` seconds; raise LakeError (in
    Chinese, naming the holder) if it stays taken. Returns True when this call took the lock
    (False when this process already held it, which only counts up)."""
    key = _key(workdir)
    with _holds_guard:
        hold = _holds.get(key)
        if hold is not None:
            if exclusive and not hold.exclusive:
                if not _flock(hold.fd, True, wait):
                    raise _busy(workdir, wait)
                hold.exclusive = True
                _write_owner(workdir, what)
            hold.count += 1
            return False
        private_dir(state_dir(workdir))
        fd = os.open(state_dir(workdir) / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        if not _flock(fd, exclusive, wait):
            os.close(fd)
            raise _busy(workdir, wait)
        _holds[key] = _Hold(fd, exclusive)
        if exclusive:
            _write_owner(workdir, what)
        return True


def downgrade(workdir: Path) -> None:
    """Turn this process's exclusive lock into a shared one (after recovery, for a reader)."""
    with _holds_guard:
        hold = _holds.get(_key(workdir))
        if hold is not None and hold.exclusive:
            fcntl.flock(hold.fd, fcntl.LOCK_SH)
            hold.exclusive = False


def release(workdir: Path) -> None:
    key = _key(workdir)
    with _holds_guard:
        hold = _holds.get(key)
        if hold is None:
            return
        hold.count -= 1
        if hold.count > 0:
            return
        del _holds[key]
        _clear_owner(workdir)
        fcntl.flock(hold.fd, fcntl.LOCK_UN)
        os.close(hold.fd)


def holds_exclusive(workdir: Path) -> bool:
    hold = _holds.get(_key(workdir))
    return bool(hold and hold.exclusive)


def _write_owner(workdir: Path, what: str) -> None:
    info = {"pid": os.getpid(), "what": what,
            "since": datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")}
    tmp = _owner_path(workdir).with_suffix(f".{uuid.uuid4().hex[:6]}")
    tmp.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    tmp.replace(_owner_path(workdir))


def _clear_owner(workdir: Path) -> None:
    """Remove the owner note if it is this process's (a reader that recovered wrote one)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if int(json.loads(_owner_path(workdir).read_text(encoding="utf-8"))["pid"]) == os.getpid():
            _owner_path(workdir).unlink()


def _busy(workdir: Path, wait: float) -> LakeError:
    return LakeError(
        f"工作目录 {workdir} 正被{_owner_text(workdir)}使用，已等待 {wait:g} 秒仍未结束，本命令未执行。",
        "同一工作目录同时只能有一个命令写入；请等它完成后再试（等待时间可用 LJD_LOCK_WAIT_SECONDS 调整）。",
        code="workdir_busy")


# ---- SIGTERM -----------------------------------------------------------------------------


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that `finally` blocks remove scratch files."""


_interrupters: list = []  # callables stopping a long native call (a DuckDB connection's interrupt)


@contextlib.contextmanager
def interrupt_on_signal(stop):
    """While inside, SIGTERM or Ctrl-C inside `terminate_as_interrupt` also calls `stop()` at
    once. Python runs signal handlers only between bytecodes, so a long DuckDB statement
    would otherwise hold off Terminated until it finished (minutes on a city-year)."""
    _interrupters.append(stop)
    try:
        yield
    finally:
        _interrupters.remove(stop)


def _watch(fd: int) -> None:
    """Read the signal numbers the interpreter writes to the wakeup fd; on SIGTERM or SIGINT
    stop every registered native call (the handler then raises as soon as it returns)."""
    while True:
        try:
            got = os.read(fd, 64)
        except OSError:
            return
        if not got:
            return
        if {signal.SIGTERM, signal.SIGINT} & set(got):
            for stop in list(_interrupters):
                try:
                    stop()
                except Exception:  # noqa: BLE001 - a finished or closed connection: nothing to stop
                    pass


@contextlib.contextmanager
def terminate_as_interrupt():
    """While inside, SIGTERM raises Terminated (main thread only; elsewhere a no-op), and
    SIGTERM or Ctrl-C interrupts what `interrupt_on_signal` registered."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise Terminated()

    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous = signal.signal(signal.SIGTERM, handler)
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_fd,), name="ljd-signal-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGTERM, previous)
        os.close(write_fd)  # the watcher reads end-of-file and ends
        watcher.join(timeout=5)
        os.close(read_fd)
