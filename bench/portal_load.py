"""Load on the portal: N institution users, each logged in once, each asking for its dashboard
or a release page every 1-2 s, against loopback for D seconds, the server running several
workers on PostgreSQL. Prints p50/p95/p99 latency and the error count.

    python bench/portal_load.py --workdir DEMO_WORKDIR [--users 200] [--duration 60] [--workers 4]
                                [--database-url URL | --postgres]

--postgres starts a throwaway PostgreSQL 15 (Debian binaries, as user postgres, unix socket) the
way the tests do. Traffic goes to 127.0.0.1 only; the loops stop by themselves after --duration.

Besides latency (which on a shared machine measures the other tasks too) it prints the CPU time
the server's processes (uvicorn and its workers) and PostgreSQL's spent per page request over the
timed phase (which starts once every user has logged in), read from /proc: a figure that
contention changes little.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pwd
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PW = "bench-password-2026"
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """Seconds of CPU (user + system) of a process and its living descendants."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def postmaster_pid(url: str) -> int | None:
    """The PostgreSQL server started by --postgres (its data directory's postmaster.pid)."""
    if "host=" not in url:
        return None
    base = Path(url.split("host=")[1].split("&")[0])
    pidfile = base / "data" / "postmaster.pid"
    return int(pidfile.read_text().split()[0]) if pidfile.exists() else None
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_postgres() -> tuple[str, callable]:
    pg = pwd.getpwnam("postgres")
    base = Path(tempfile.mkdtemp(prefix="ljd-bench-pg-"))
    os.chown(base, pg.pw_uid, pg.pw_gid)
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    port = free_port()
    subprocess.run([*as_pg, str(PG_BIN / "initdb"), "-D", str(base / "data"), "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--locale=C", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "log"), "-w", "-o",
                    f"-p {port} -k {base} -c listen_addresses='' -c max_connections=300", "start"],
                   check=True, capture_output=True)
    subprocess.run([*as_pg, str(PG_BIN / "createdb"), "-h", str(base), "-p", str(port), "-U", "postgres", "ljd"],
                   check=True, capture_output=True)

    def stop():
        subprocess.run([*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)

    return f"postgresql+psycopg://postgres@/ljd?host={base}&port={port}", stop


def prepare(workdir: Path, url: str, users: int) -> tuple[list[tuple[str, str]], str]:
    """Copy the demo's release rows into the database; create the institution users."""
    from sqlalchemy import create_engine, insert, inspect, select

    from liangjiadi.accounts import add_user, list_users
    from liangjiadi.config import Settings
    from liangjiadi.releases.store import ReleaseRow, dispose_engines, engine_for

    settings = Settings(workdir=workdir, database_url=url)
    source = create_engine(f"sqlite:///{workdir / 'ljd.sqlite'}")
    have = {c["name"] for c in inspect(source).get_columns("ljd_releases")}  # a workdir of an older schema too
    with source.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(*[c for c in ReleaseRow.__table__.c if c.name in have]))]
    with engine_for(settings).begin() as conn:
        if not conn.execute(select(ReleaseRow.release_id).limit(1)).first():
            conn.execute(insert(ReleaseRow.__table__), rows)
    published = [r for r in rows if r["state"] == "published"]
    release = max(published, key=lambda r: r["period"])
    import json

    codes = [i["code"] for i in json.loads((workdir / release["bundle_dir"] / "institutions.json").read_text())]
    existing = {u.username for u in list_users(settings)}
    people = []
    for n in range(users):
        name, code = f"bench{n:03d}", codes[n % len(codes)]
        if name not in existing:
            add_user(name, "institution", PW, settings, actor="bench", fixmedins=code, admdvs=release["admdvs"])
        people.append((name, code))
    dispose_engines()
    return people, release["release_id"]


async def user_loop(base: str, name: str, code: str, release_id: str, phase: dict, out: list, errors: list):
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30, read=300)) as client:
        # logins (argon2, 64 MiB each) spread over the first 20 s; only page requests are timed,
        # and only once every user has logged in (the timed phase ends at phase["until"])
        await asyncio.sleep(random.uniform(0, 20))
        try:
            r = await client.post("/api/login", json={"username": name, "password": PW})
        except httpx.HTTPError as exc:
            r = type(exc).__name__
        phase["logged_in"] += 1
        if phase["logged_in"] == phase["users"]:
            phase["start"].set()
        if getattr(r, "status_code", None) != 200:
            errors.append(f"login {getattr(r, 'status_code', r)}")
            return
        pages = [f"/releases/{release_id}/institutions/{code}", f"/releases/{release_id}",
                 f"/api/releases/{release_id}/institutions/{code}"]
        await phase["start"].wait()
        await asyncio.sleep(0)  # the meter sets phase["until"] first
        until = phase["until"]
        while time.monotonic() < until:
            await asyncio.sleep(random.uniform(1, 2))
            path = random.choice(pages)
            t0 = time.perf_counter()
            try:
                r = await client.get(path)
                ok = r.status_code == 200
            except httpx.HTTPError as exc:
                ok, r = False, type(exc).__name__
            out.append(time.perf_counter() - t0)
            if not ok:
                errors.append(f"{path} {getattr(r, 'status_code', r)}")


async def load(base: str, people, release_id: str, duration: float, pids: list[int]):
    latencies, errors = [], []
    cpu = {}
    phase = {"users": len(people), "logged_in": 0, "start": asyncio.Event(), "until": time.monotonic() + duration}
    t0 = time.perf_counter()

    async def meter():
        await phase["start"].wait()  # the logins are over; from here on only page requests
        phase["until"] = time.monotonic() + duration
        cpu["login_s"] = time.perf_counter() - t0
        cpu["start"] = ([tree_cpu(p) for p in pids], len(latencies))
        await asyncio.sleep(duration)
        cpu["end"] = ([tree_cpu(p) for p in pids], len(latencies))

    await asyncio.gather(meter(), *(user_loop(base, n, c, release_id, phase, latencies, errors) for n, c in people))
    return latencies, errors, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--database-url")
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()
    stop = None
    url = args.database_url
    if args.postgres:
        url, stop = start_postgres()
    if not url:
        ap.error("需要 --database-url 或 --postgres（多进程须用 PostgreSQL）")
    server = None
    try:
        people, release_id = prepare(args.workdir.resolve(), url, args.users)
        port = free_port()
        env = dict(os.environ, LJD_DATABASE_URL=url, LJD_PORTAL_COOKIE_SECURE="false")
        server = subprocess.Popen([sys.executable, "-m", "liangjiadi.cli.main", "serve", "--workdir", str(args.workdir),
                                   "--port", str(port), "--workers", str(args.workers)], env=env)
        base = f"http://127.0.0.1:{port}"
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        pids = [server.pid] + [p for p in [postmaster_pid(url)] if p]
        latencies, errors, cpu = asyncio.run(load(base, people, release_id, args.duration, pids))
        wall = args.duration
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if stop:
            stop()
    from collections import Counter

    for e, n in Counter(errors).most_common(10):
        print(f"  error ×{n}: {e}")
    if not latencies:
        print("no page request completed")
        return 1
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    if "login_s" in cpu:
        print(f"logins of all {args.users} users took {cpu['login_s']:.1f} s (not timed)")
    print(f"users={args.users} workers={args.workers} duration={args.duration:.0f}s requests={len(latencies)} "
          f"rate={len(latencies) / wall:.1f}/s p50={q[49] * 1000:.0f}ms p95={q[94] * 1000:.0f}ms "
          f"p99={q[98] * 1000:.0f}ms max={latencies[-1] * 1000:.0f}ms errors={len(errors)}")
    if "start" in cpu and "end" in cpu and cpu["end"][1] > cpu["start"][1]:
        n = cpu["end"][1] - cpu["start"][1]
        spent = [(b - a) * 1000 / n for a, b in zip(cpu["start"][0], cpu["end"][0], strict=True)]
        names = ["server (uvicorn + workers)", "PostgreSQL"]
        print("CPU per page request over the timed phase (" + f"{n} requests): " +
              ", ".join(f"{names[i]} {ms:.1f} ms" for i, ms in enumerate(spent)) + f", total {sum(spent):.1f} ms")
    try:
        print(f"load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    except OSError:
        pass
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
