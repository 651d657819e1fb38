"""Kill -9 an ingest at random moments, many times; after each kill check what a reader sees.

    python bench/bench_kill.py --kills 20 [--seed 1]

Each run starts from the same work directory (the old 2025-03 of 500 rows in the lake), starts
an ingest of a re-delivery (2025-03 with 40,000 rows and a new 2025-04 with 20,000) in a child
process, sends SIGKILL after a random delay (uniform between 0 and the duration of one
uninterrupted ingest, measured first on the same machine), then:
  1. reads the lake with the glob every reader uses, before any recovery;
  2. runs a later command (`liangjiadi key show-fingerprint`, which recovers first);
  3. reads again and looks for leftovers (staging, journals, scratch, hidden partition folders)
     and for any file outside the lake's Parquet holding a raw person number.
A run passes when both reads show each month old or new (never both, never neither) and
nothing is left. Runs go on until --kills runs were really killed (a run whose ingest ended
before its kill is checked too, and counted apart). Prints one line per run and a summary;
exits 1 if any run failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "faults"))

import crash_keys_helpers as h  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20, help="runs in which the ingest is really killed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-delay", type=float, default=None,
                    help="seconds after the child is ready (default: one uninterrupted ingest's duration)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="ljd-bench-kill-"))
    t0 = time.monotonic()
    try:
        workdir, delivery = h.make_base(tmp)
        pristine = tmp / "pristine"
        shutil.copytree(workdir, pristine)
        if args.max_delay is None:
            t = time.monotonic()
            assert h.kill_ingest(workdir, delivery, 3600) == "finished"
            args.max_delay = time.monotonic() - t
            print(f"one uninterrupted ingest (child start to end): {args.max_delay:.1f}s", flush=True)
        counts = {"killed": 0, "finished": 0, "old": 0, "new": 0, "failed": 0}
        run = 0
        while counts["killed"] < args.kills and run < 4 * args.kills:
            run += 1
            shutil.rmtree(workdir)
            shutil.copytree(pristine, workdir)
            delay = rng.uniform(0.0, args.max_delay)
            outcome = h.kill_ingest(workdir, delivery, delay)
            before = h.verdict(workdir)
            later = subprocess.run([sys.executable, "-m", "liangjiadi.cli.main", "key", "show-fingerprint",
                                    "-w", str(workdir)], capture_output=True, text=True,
                                   env={**h.child_env(), "LJD_PSEUDONYM_KEY": h.KEY})
            after = h.verdict(workdir)
            left = h.leftovers(workdir)
            raw = h.raw_identifier_files(workdir)
            months = h.month_rows(workdir)
            state = ("new" if months.get("2025-03", (0,))[0] == h.NEW_ROWS["2025-03"] else "old")
            state += "+04" if "2025-04" in months else ""
            ok = not (before or after or left or raw or later.returncode or "Traceback" in later.stderr)
            counts[outcome] += 1
            counts["failed"] += not ok
            counts["new" if state.startswith("new") else "old"] += 1
            counts["apr"] = counts.get("apr", 0) + ("+04" in state)
            print(f"run {run:2d}: kill after {delay:4.2f}s -> {outcome:8s} lake 2025-03 {state:7s} "
                  f"{'OK' if ok else 'FAIL'} {'; '.join(before + after + left + raw)}", flush=True)
        print(f"\n{run} runs in {time.monotonic() - t0:.0f}s on {platform.node()} "
              f"({platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}): "
              f"killed {counts['killed']}, finished before the kill {counts['finished']}; "
              f"2025-03 old {counts['old']}, new {counts['new']}; "
              f"2025-04 present {counts['apr']}; failures {counts['failed']}")
        return 1 if counts["failed"] else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
