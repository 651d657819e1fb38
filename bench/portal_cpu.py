"""CPU per portal request, in one process: the dashboard, the release page and the institution's
JSON, each asked N times by one logged-in institution user through the ASGI app directly: no
sockets and no HTTP client (a request is an ASGI scope handed to the app, the answer collected
from its messages), so the process CPU time is the server application's own, middleware included.
FastAPI's thread pool is replaced by a direct call unless --threadpool. A figure that other tasks
on the machine change little, unlike latency.

    python bench/portal_cpu.py --workdir DEMO_WORKDIR [--n 200] [--postgres] [--threadpool]
                               [--profile [--sort cumulative] [--top 40]]

The demo's release rows are copied into a throwaway database (SQLite next to a link to the
bundles, or with --postgres a throwaway PostgreSQL 15 started as in portal_load.py); the demo work
directory itself is not written. Not measured here: uvicorn's HTTP parsing (httptools) and
sockets; bench/portal_load.py measures the whole server.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
import warnings
from pathlib import Path

PW = "bench-password-2026"


class Answer:
    def __init__(self):
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


async def call(app, method: str, path: str, *, cookie: str = "", body: bytes = b"",
               content_type: bytes = b"") -> Answer:
    """One request through the ASGI app, as uvicorn would hand it over (HTTP/1.1, loopback)."""
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"portal-cpu"), (b"accept", b"*/*")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if body:
        headers += [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
             "state": {}}
    done = asyncio.Event()
    sent = False
    answer = Answer()

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()  # a client that stays connected until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            answer.status, answer.headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return answer


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL 15 instead of SQLite")
    ap.add_argument("--threadpool", action="store_true", help="keep FastAPI's thread pool (thread hand-offs counted)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")

    if not args.threadpool:
        import fastapi.routing
        import starlette.concurrency

        async def inline(func, *a, **k):
            return func(*a, **k)

        starlette.concurrency.run_in_threadpool = inline
        fastapi.routing.run_in_threadpool = inline

    from sqlalchemy import create_engine, insert, inspect, select

    from liangjiadi.accounts import add_user
    from liangjiadi.config import Settings
    from liangjiadi.portal import create_app
    from liangjiadi.releases.store import ReleaseRow, engine_for

    stop = None
    url = None
    if args.postgres:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from portal_load import postmaster_pid, start_postgres, tree_cpu

        url, stop = start_postgres()
        args.pg_cpu = lambda pid=postmaster_pid(url): tree_cpu(pid)
    try:
        demo = args.workdir.resolve()
        work = Path(tempfile.mkdtemp(prefix="ljd-portal-cpu-")) / "work"
        work.mkdir()
        (work / "releases").symlink_to(demo / "releases", target_is_directory=True)
        settings = Settings(workdir=work, portal_cookie_secure=False, database_url=url)
        source = create_engine(f"sqlite:///{demo / 'ljd.sqlite'}")
        have = {c["name"] for c in inspect(source).get_columns("ljd_releases")}
        with source.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(select(*[c for c in ReleaseRow.__table__.c if c.name in have]))]
        with engine_for(settings).begin() as conn:
            conn.execute(insert(ReleaseRow.__table__), rows)
        release = max((r for r in rows if r["state"] == "published" and r["kind"] == "monthly"), key=lambda r: r["period"])
        codes = [i["code"] for i in json.loads((demo / release["bundle_dir"] / "institutions.json").read_text(encoding="utf-8"))]
        add_user("cpu", "institution", PW, settings, actor="bench", fixmedins=codes[0], admdvs=release["admdvs"])
        add_user("cpu2", "institution", PW, settings, actor="bench", fixmedins=codes[1], admdvs=release["admdvs"])
        app = create_app(settings)
        asyncio.run(_run(app, release["release_id"], codes, args))
    finally:
        if stop:
            stop()
    return 0


def _paths(rid: str, code: str) -> dict[str, str]:
    return {"机构看板页": f"/releases/{rid}/institutions/{code}", "发布详情页": f"/releases/{rid}",
            "本机构 JSON": f"/api/releases/{rid}/institutions/{code}"}


async def _login(app, username: str) -> str:
    login = await call(app, "POST", "/api/login", body=json.dumps({"username": username, "password": PW}).encode(),
                       content_type=b"application/json")
    assert login.status == 200, login.body
    return login.header(b"set-cookie").decode().split(";")[0]


async def _first_views(app, paths: dict[str, str], cookie: str, who: str) -> None:
    for name, path in paths.items():  # the first view of each renders and caches
        cpu = time.process_time()
        answer = await call(app, "GET", path, cookie=cookie)
        assert answer.status == 200, (path, answer.status)
        print(f"{name}（{who}首次查看：渲染并缓存）: CPU {1000 * (time.process_time() - cpu):.1f} ms", flush=True)


async def _run(app, rid: str, codes: list[str], args) -> None:
    paths = _paths(rid, codes[0])
    async with _lifespan(app):
        cookie = await _login(app, "cpu")
        await _first_views(app, paths, cookie, "本进程第一家机构")
        await _first_views(app, _paths(rid, codes[1]), await _login(app, "cpu2"), "第二家机构")
        pg_cpu = getattr(args, "pg_cpu", None)
        for name, path in paths.items():
            cpu, wall, pg = time.process_time(), time.perf_counter(), pg_cpu() if pg_cpu else 0.0
            for _ in range(args.n):
                await call(app, "GET", path, cookie=cookie)
            pg_text = f"，PostgreSQL CPU {1000 * (pg_cpu() - pg) / args.n:.2f} ms/请求" if pg_cpu else ""
            print(f"{name}: CPU {1000 * (time.process_time() - cpu) / args.n:.2f} ms/请求{pg_text}，"
                  f"耗时 {1000 * (time.perf_counter() - wall) / args.n:.2f} ms/请求（{args.n} 次）", flush=True)
        if args.profile:
            for name, path in paths.items():
                profile = cProfile.Profile(time.process_time)  # CPU, not the time spent waiting
                profile.enable()
                for _ in range(50):
                    await call(app, "GET", path, cookie=cookie)
                profile.disable()
                print(f"===== {name}")
                pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


class _lifespan:
    """The app's startup and shutdown (the access log is written at shutdown)."""

    def __init__(self, app):
        self.app, self.queue, self.task = app, asyncio.Queue(), None

    async def __aenter__(self):
        cpu = time.process_time()
        sent = asyncio.Queue()

        async def receive():
            return await self.queue.get()

        async def send(message):
            await sent.put(message)

        self.task = asyncio.create_task(self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                                 receive, send))
        await self.queue.put({"type": "lifespan.startup"})
        self.sent = sent
        await sent.get()
        print(f"工作进程启动（预热：编译模板、读入最新的已发布发布包）: CPU {1000 * (time.process_time() - cpu):.1f} ms",
              flush=True)

    async def __aexit__(self, *exc):
        await self.queue.put({"type": "lifespan.shutdown"})
        await self.sent.get()
        await self.task


if __name__ == "__main__":
    raise SystemExit(main())
