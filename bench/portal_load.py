"""Load on the portal: N institution users, each logged in once, each asking for its dashboard
or a release page every 1-2 s, against loopback for D seconds, the server running several
workers on PostgreSQL. Prints p50/p95/p99 latency and the error count.

    python bench/portal_load.py --workdir DEMO_WORKDIR [--users 200] [--duration 60] [--workers 4]
                                [--clients 2] [--database-url URL | --postgres]

--postgres starts a throwaway PostgreSQL 15 (Debian binaries, as user postgres, unix socket) the
way the tests do. Traffic goes to 127.0.0.1 only; the loops stop by themselves after --duration.

The load client is --clients processes, each with its own event loop (uvloop when installed) and
its share of the users, each user on one keep-alive connection (a minimal HTTP/1.1 client on
asyncio streams: httpx cost more CPU per request than the server). The users log in over the first
20 s; the timed phase starts once every user of every process has logged in.

Besides latency (which on a shared machine measures the other tasks too) it prints the CPU time
that the server's processes (uvicorn and its workers), PostgreSQL's and the load client's own
processes spent per page request over the timed phase, read from /proc: a figure that contention
changes little, and the one that says whether the load fits the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


class Connection:
    """One user's keep-alive HTTP/1.1 connection to the server: a few lines on asyncio streams
    (the HTTP client of the tests, httpx, cost the load client more CPU per request than the
    server spent). Answers are read by Content-Length, which every portal answer asked here has."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None
        self.cookie = b""
        self.reconnects = 0

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict[bytes, bytes], bytes]:
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: */*\r\n".encode()
                + (b"Cookie: " + self.cookie + b"\r\n" if self.cookie else b"")
                + (b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n" if body else b"")
                + b"\r\n")
        reused = self.writer is not None
        if not reused:
            await self._open()
        try:
            return await self._exchange(head + body)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            # like a browser: a kept-alive connection the server closed while idle is opened again
            # once, when nothing of the answer arrived (counted and printed, not hidden)
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            self.reconnects += 1
            self.close()
            await self._open()
            return await self._exchange(head + body)

    async def _exchange(self, data: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        self.writer.write(data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
        if b"content-length" not in headers:
            raise ConnectionError("answer without Content-Length")
        answer = await self.reader.readexactly(int(headers[b"content-length"]))
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, headers, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _login(conn: Connection, name: str, spread: float) -> str | None:
    """Log in (argon2: 64 MiB each) at a random moment of the first `spread` seconds; an error or None."""
    await asyncio.sleep(random.uniform(0, spread))
    try:
        async with asyncio.timeout(300):
            status, headers, _ = await conn.request("POST", "/api/login",
                                                    json.dumps({"username": name, "password": PW}).encode())
    except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
        return f"login {type(exc).__name__}"
    if status != 200 or b"set-cookie" not in headers:
        return f"login {status}"
    conn.cookie = headers[b"set-cookie"].split(b";")[0]
    return None


async def _pages(conn: Connection, code: str, release_id: str, until: float, out: list, errors: list) -> None:
    """Every 1-2 s one of the user's pages, until `until` (time.monotonic, the same clock in every process)."""
    pages = [f"/releases/{release_id}/institutions/{code}", f"/releases/{release_id}",
             f"/api/releases/{release_id}/institutions/{code}"]
    while True:
        await asyncio.sleep(random.uniform(1, 2))
        if time.monotonic() >= until:
            return
        path = random.choice(pages)
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(300):
                status, _, _ = await conn.request("GET", path)
            error = None if status == 200 else f"{path} {status}"
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            error = f"{path} {type(exc).__name__}"
            conn.close()
        out.append((time.monotonic(), time.perf_counter() - t0))  # (when done, latency)
        if error:
            errors.append(error)


def client_process(host: str, port: int, people: list, release_id: str, spread: float, ready, start, until, results):
    """One load-client process (its own event loop) for its share of the users: log them in, say
    so, wait for the common start, then ask for pages until the common end."""
    async def run():
        conns = [Connection(host, port) for _ in people]
        failed = [e for e in await asyncio.gather(*(_login(c, n, spread) for c, (n, _) in zip(conns, people)))
                  if e]
        ready.put(failed)
        await asyncio.get_running_loop().run_in_executor(None, start.wait)
        out, errors = [], []
        await asyncio.gather(*(_pages(c, code, release_id, until.value, out, errors)
                               for c, (_, code) in zip(conns, people) if c.cookie))
        for c in conns:
            c.close()
        results.put((out, errors, sum(c.reconnects for c in conns)))

    try:
        import uvloop

        uvloop.run(run())
    except ImportError:
        asyncio.run(run())


def _answer(queue, procs):
    """The next message of the client processes; a process that died without one stops the run."""
    import queue as queues

    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"压测客户端进程异常退出（退出码 {dead[0].exitcode}）") from None


def load(port: int, people, release_id: str, duration: float, clients: int, pids: list[int]):
    """Run the clients; returns (latencies of page requests, errors, measures)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    ready, results, start, until = ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
    shares = [people[i::clients] for i in range(clients)]
    t0 = time.perf_counter()
    procs = [ctx.Process(target=client_process, args=("127.0.0.1", port, share, release_id, 20.0, ready, start, until,
                                                       results), daemon=True) for share in shares if share]
    for proc in procs:
        proc.start()
    errors = [e for _ in procs for e in _answer(ready, procs)]  # every user has tried to log in
    measures = {"login_s": time.perf_counter() - t0}
    watched = {"server": pids[0], "postgres": pids[1] if len(pids) > 1 else None}
    cpu0 = {k: tree_cpu(p) for k, p in watched.items() if p} | {"client": sum(tree_cpu(p.pid) for p in procs)}
    until.value = time.monotonic() + duration
    start.set()
    time.sleep(duration)
    cpu1 = {k: tree_cpu(p) for k, p in watched.items() if p} | {"client": sum(tree_cpu(p.pid) for p in procs)}
    done = [_answer(results, procs) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    timed = [(at, lat) for out, _, _ in done for at, lat in out]
    measures["in_window"] = sum(1 for at, _ in timed if at <= until.value)
    # the first 10 s apart: each worker renders each page once before caching it (not hidden: both printed)
    early = until.value - duration + min(10.0, duration / 2)
    measures["first_10s"] = sorted(lat for at, lat in timed if at < early)
    measures["after_10s"] = sorted(lat for at, lat in timed if at >= early)
    measures["cpu"] = {k: cpu1[k] - cpu0[k] for k in cpu1}
    measures["reconnects"] = sum(r for _, _, r in done)
    measures["clients"] = len(procs)
    return [lat for _, lat in timed], errors + [e for _, errs, _ in done for e in errs], measures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--clients", type=int, default=2, help="load-client processes; the users are split among them")
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
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        pids = [server.pid] + [p for p in [postmaster_pid(url)] if p]
        latencies, errors, measures = load(port, people, release_id, args.duration, max(1, args.clients), pids)
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
    print(f"logins of all {args.users} users took {measures['login_s']:.1f} s (not timed)")
    print(f"users={args.users} workers={args.workers} clients={measures['clients']} duration={args.duration:.0f}s "
          f"requests={len(latencies)} rate={len(latencies) / args.duration:.1f}/s p50={q[49] * 1000:.0f}ms "
          f"p95={q[94] * 1000:.0f}ms p99={q[98] * 1000:.0f}ms max={latencies[-1] * 1000:.0f}ms errors={len(errors)} "
          f"reconnects={measures['reconnects']}")
    for label, part in (("first 10 s of the timed phase", measures["first_10s"]),
                        ("rest of the timed phase", measures["after_10s"])):
        if len(part) > 1:
            pq = statistics.quantiles(part, n=100)
            print(f"  {label}: requests={len(part)} p50={pq[49] * 1000:.0f}ms p95={pq[94] * 1000:.0f}ms "
                  f"max={part[-1] * 1000:.0f}ms")
    n = measures["in_window"]
    if n:
        names = {"server": "server (uvicorn + workers)", "postgres": "PostgreSQL", "client": "load client"}
        spent = {k: v * 1000 / n for k, v in measures["cpu"].items()}
        print(f"CPU per page request over the timed phase ({n} requests): "
              + ", ".join(f"{names[k]} {ms:.2f} ms" for k, ms in spent.items())
              + f", total {sum(spent.values()):.2f} ms "
              f"(= {sum(spent.values()) * n / args.duration / 1000:.2f} cores at this rate)")
    try:
        print(f"load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    except OSError:
        pass
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
