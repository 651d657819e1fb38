"""Run a benchmark step in a child process and report wall time and peak memory (RSS).

Each step runs in its own process so that peak memory is the step's own, not the sum of
everything the benchmark did before it.
"""

from __future__ import annotations

import multiprocessing as mp
import platform
import resource
import time
from dataclasses import dataclass


@dataclass
class Measured:
    name: str
    seconds: float
    peak_mib: float
    result: object = None
    cpu: float = 0.0  # CPU seconds of the step's process (all its threads; not its JVM), steadier than wall time on a loaded machine


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _child(fn, args, queue):
    t0, c0 = time.perf_counter(), _cpu()
    result = fn(*args)
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((elapsed, peak_kib / 1024, result, cpu))


def measure(name: str, fn, *args) -> Measured:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    while True:  # a child that dies without answering must not hang the benchmark
        try:
            elapsed, peak, result, cpu = queue.get(timeout=2)
            break
        except Exception:  # noqa: BLE001 - queue.Empty
            if not proc.is_alive():
                raise RuntimeError(f"{name} 失败，子进程退出码 {proc.exitcode}") from None
    proc.join()
    return Measured(name, elapsed, peak, result, cpu)


def machine() -> str:
    import os

    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} 核, {mem_gib:.0f} GiB, Python {platform.python_version()}"


def load() -> str:
    """The load average when the numbers were taken: on a shared machine the ratios of one run
    mean something, the absolute seconds only next to this."""
    import os

    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def table(rows: list[Measured], baseline: str, work_rows: int) -> str:
    base = next(r for r in rows if r.name == baseline)
    out = ["| 步骤 | 秒 | 行/秒 | 峰值内存 MiB | 相对基准耗时 |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        out.append(
            f"| {r.name} | {r.seconds:.1f} | {work_rows / r.seconds:,.0f} | {r.peak_mib:,.0f} | "
            f"{r.seconds / base.seconds:.2f}× |"
        )
    return "\n".join(out)
